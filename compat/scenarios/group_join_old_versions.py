"""JoinGroup before KIP-394 (v0, v3: no MEMBER_ID_REQUIRED), SyncGroup v0,
Heartbeat v0, LeaveGroup v0: the forms old clients send."""
from common import *

for v, label in ((0, "v0"), (3, "v3"), (4, "v4"), (6, "v6")):
    g = f"{GROUP}-{label}"
    m = Member(g, label)
    r = m.join(version=v)
    m.show_join(r, {m.member_id: label})
    m.show_sync(m.sync({m.member_id: assignment({TOPIC: [0]})}, version=0 if v < 3 else 3))
    out(f"{label} heartbeat v0:", m.heartbeat(version=0))
    out(f"{label} leave v0:", m.leave(version=0))
    describe_group(m.conn, g, version=0)
