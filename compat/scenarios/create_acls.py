"""CreateAcls on a broker without an authorizer: SECURITY_DISABLED for each
creation, and a closed connection when one holds an UNKNOWN (0) element."""
from common import *

ACL = dict(resource_type=2, resource_name=TOPIC, resource_pattern_type=3, principal="User:alice", host="*",
           operation=3, permission_type=3)


def create(label, creations, version=3):
    r = Conn().outcome("CreateAcls", version, creations=creations)
    if r == "closed":
        out(f"{label} v{version}: closed")
        return
    out(f"{label} v{version}: " + ", ".join(f"{err_name(x['error_code'])} {x['error_message']!r}" for x in r["results"]))


for version in (1, 2, 3):
    create("one", [ACL], version)
create("none", [])
create("two, ANY type and operation, a principal without a type",
       [dict(ACL, resource_type=1, operation=1), dict(ACL, principal="alice")])
create("pattern type MATCH", [dict(ACL, resource_pattern_type=2)])
create("UNKNOWN resource type second", [ACL, dict(ACL, resource_type=0)])
create("UNKNOWN operation", [dict(ACL, operation=0)])
create("UNKNOWN permission type", [dict(ACL, permission_type=0)])
create("UNKNOWN pattern type", [dict(ACL, resource_pattern_type=0)])
