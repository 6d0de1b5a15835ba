"""LeaveGroup for a group that does not exist, at every version: from v3 (a batch of
members, KIP-345) Kafka answers no top-level error and UNKNOWN_MEMBER_ID for each
member; before v3 the one member's error is the top-level one. An empty group id is
INVALID_GROUP_ID."""
from common import *

g = GROUP + "-none"
c = Conn()
for v in range(0, 6):
    if v >= 3:
        r = c.request("LeaveGroup", v, group_id=g,
                      members=[{"member_id": "m1", "group_instance_id": None, "reason": None},
                               {"member_id": "", "group_instance_id": "i2", "reason": None}])
        out(f"v{v} unknown group: {err_name(r['error_code'])} "
            f"members={[(m['member_id'], m['group_instance_id'], err_name(m['error_code'])) for m in r['members']]}")
        r = c.request("LeaveGroup", v, group_id="", members=[{"member_id": "m1", "group_instance_id": None,
                                                                "reason": None}])
        out(f"v{v} empty group id: {err_name(r['error_code'])} members={[err_name(m['error_code']) for m in r['members']]}")
    else:
        r = c.request("LeaveGroup", v, group_id=g, member_id="m1")
        out(f"v{v} unknown group: {err_name(r['error_code'])}")
        r = c.request("LeaveGroup", v, group_id="", member_id="m1")
        out(f"v{v} empty group id: {err_name(r['error_code'])}")
