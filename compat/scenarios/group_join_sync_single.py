"""One member: JoinGroup v9 (MEMBER_ID_REQUIRED first, KIP-394), SyncGroup,
Heartbeat, DescribeGroups while Stable, LeaveGroup, DescribeGroups when Empty."""
from common import *

g = GROUP + "-1"
a = Member(g, "A")
r = a.join()
labels = {a.member_id: "A"}
a.show_join(r, labels)
out(f"A generation after join: {a.generation}")
a.show_sync(a.sync({a.member_id: assignment({TOPIC: [0]})}))
out("A heartbeat:", a.heartbeat())
describe_group(a.conn, g, labels=labels)
out("A leave:", a.leave())
describe_group(a.conn, g, labels=labels)
out("A heartbeat after leave:", a.heartbeat())
