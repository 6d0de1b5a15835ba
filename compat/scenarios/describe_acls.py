"""DescribeAcls on a broker without an authorizer: SECURITY_DISABLED for any
filter, and a closed connection for a filter with an UNKNOWN (0) element, which
Kafka refuses while parsing the request."""
from common import *

ANY = dict(resource_type_filter=1, resource_name_filter=None, pattern_type_filter=1, principal_filter=None,
           host_filter=None, operation=1, permission_type=1)


def describe(label, version=3, **changes):
    r = Conn().outcome("DescribeAcls", version, **dict(ANY, **changes))
    if r == "closed":
        out(f"{label} v{version}: closed")
        return
    out(f"{label} v{version}: error={err_name(r['error_code'])} message={r['error_message']!r} resources={r['resources']}")


for version in (1, 2, 3):
    describe("any", version)
describe("a topic, literal", resource_type_filter=2, resource_name_filter=TOPIC, pattern_type_filter=3,
         principal_filter="User:alice", host_filter="*", operation=3, permission_type=3)
describe("resource type 9, operation 99, pattern type 5", resource_type_filter=9, operation=99, pattern_type_filter=5)
describe("pattern type MATCH", pattern_type_filter=2)
describe("UNKNOWN resource type", resource_type_filter=0)
describe("UNKNOWN pattern type", pattern_type_filter=0)
describe("UNKNOWN operation", operation=0)
describe("UNKNOWN permission type", permission_type=0)
