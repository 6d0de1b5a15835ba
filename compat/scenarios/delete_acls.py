"""DeleteAcls on a broker without an authorizer: SECURITY_DISABLED for each
filter with no matching ACLs, and a closed connection when one holds an UNKNOWN
(0) element."""
from common import *

ANY = dict(resource_type_filter=1, resource_name_filter=None, pattern_type_filter=1, principal_filter=None,
           host_filter=None, operation=1, permission_type=1)


def delete(label, filters, version=3):
    r = Conn().outcome("DeleteAcls", version, filters=filters)
    if r == "closed":
        out(f"{label} v{version}: closed")
        return
    out(f"{label} v{version}: " + ", ".join(
        f"{err_name(x['error_code'])} {x['error_message']!r} matching={x['matching_acls']}" for x in r["filter_results"]))


for version in (1, 2, 3):
    delete("any, and a topic", [ANY, dict(ANY, resource_type_filter=2, resource_name_filter=TOPIC)], version)
delete("none", [])
delete("UNKNOWN resource type", [ANY, dict(ANY, resource_type_filter=0)])
delete("UNKNOWN operation", [dict(ANY, operation=0)])
