"""The errors of the classic group protocol: unknown members and generations on
Heartbeat, SyncGroup and LeaveGroup, an inconsistent protocol, an empty group id."""
from common import *

g = GROUP
stranger = Conn(client_id="compat-stranger")
r = stranger.request("Heartbeat", 4, group_id=g + "-none", generation_id=1, member_id="m", group_instance_id=None)
out(f"heartbeat, unknown group: {err_name(r['error_code'])}")
r = stranger.request("SyncGroup", 5, group_id=g + "-none", generation_id=1, member_id="m", group_instance_id=None,
                     protocol_type="consumer", protocol_name="range", assignments=[])
out(f"sync, unknown group: {err_name(r['error_code'])}")
r = stranger.request("LeaveGroup", 5, group_id=g + "-none", members=[{"member_id": "m"}])
out(f"leave, unknown group: {err_name(r['error_code'])} members={[err_name(m['error_code']) for m in r['members']]}")

a = Member(g, "A")
ra = a.join()
a.show_join(ra, {a.member_id: "A"})
a.show_sync(a.sync({a.member_id: assignment({TOPIC: [0]})}))
out("heartbeat, generation+1:", a.heartbeat(generation=a.generation + 1))
out("heartbeat, generation-1:", a.heartbeat(generation=a.generation - 1))
out("heartbeat, unknown member:", a.heartbeat(member_id="nobody"))
r = a.conn.request("SyncGroup", 5, group_id=g, generation_id=a.generation + 1, member_id=a.member_id,
                   group_instance_id=None, protocol_type="consumer", protocol_name="range", assignments=[])
out(f"sync, wrong generation: {err_name(r['error_code'])}")
r = a.conn.request("SyncGroup", 5, group_id=g, generation_id=a.generation, member_id="nobody",
                   group_instance_id=None, protocol_type="consumer", protocol_name="range", assignments=[])
out(f"sync, unknown member: {err_name(r['error_code'])}")
r = a.conn.request("SyncGroup", 5, group_id=g, generation_id=a.generation, member_id=a.member_id,
                   group_instance_id=None, protocol_type="connect", protocol_name="range", assignments=[])
out(f"sync, other protocol type: {err_name(r['error_code'])}")
r = stranger.request("JoinGroup", 9, group_id=g, session_timeout_ms=30000, rebalance_timeout_ms=30000,
                     member_id="", group_instance_id=None, protocol_type="connect",
                     protocols=[{"name": "default", "metadata": b"x"}])
out(f"join with protocol type connect: {err_name(r['error_code'])}")
r = stranger.request("JoinGroup", 9, group_id=g, session_timeout_ms=30000, rebalance_timeout_ms=30000,
                     member_id="", group_instance_id=None, protocol_type="consumer",
                     protocols=[{"name": "roundrobin", "metadata": subscription([TOPIC])}])
out(f"join without a common protocol (first step): {err_name(r['error_code'])}")
if r["error_code"] == 79:
    r = stranger.request("JoinGroup", 9, group_id=g, session_timeout_ms=30000, rebalance_timeout_ms=30000,
                         member_id=r["member_id"], group_instance_id=None, protocol_type="consumer",
                         protocols=[{"name": "roundrobin", "metadata": subscription([TOPIC])}])
    out(f"join without a common protocol: {err_name(r['error_code'])}")
r = stranger.request("JoinGroup", 9, group_id="", session_timeout_ms=30000, rebalance_timeout_ms=30000,
                     member_id="", group_instance_id=None, protocol_type="consumer",
                     protocols=[{"name": "range", "metadata": subscription([TOPIC])}])
out(f"join with an empty group id: {err_name(r['error_code'])}")
r = a.conn.request("LeaveGroup", 5, group_id=g, members=[{"member_id": "nobody"}, {"member_id": a.member_id}])
out(f"leave nobody and A: {err_name(r['error_code'])} members={[err_name(m['error_code']) for m in r['members']]}")
describe_group(a.conn, g)
