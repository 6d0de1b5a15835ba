"""A rebalance of an existing group waits for members that were sent MEMBER_ID_REQUIRED
(KIP-394; Kafka's pending members, hasAllMembersJoined). A is Stable alone; B and C
each get MEMBER_ID_REQUIRED; B rejoins at once, which starts a rebalance; A rejoins;
C rejoins 1.5 s later. Kafka answers nobody's join before C's, and all three land in
generation 2. (A new group's first join does not wait: group_pending_members.)"""
import threading
import time
from common import *

g = GROUP
a = Member(g, "A", rebalance_timeout_ms=20000)
labels = {}
a.join()
labels[a.member_id] = "A"
a.sync({a.member_id: assignment({TOPIC: [0]})})
out(f"A alone: generation={a.generation}")
b = Member(g, "B", rebalance_timeout_ms=20000)
c = Member(g, "C", rebalance_timeout_ms=20000)
for m in (b, c):
    r = m.conn.request("JoinGroup", 9, group_id=g, session_timeout_ms=30000, rebalance_timeout_ms=20000,
                       member_id="", group_instance_id=None, protocol_type="consumer",
                       protocols=[{"name": "range", "metadata": subscription([TOPIC])}], reason=None)
    out(f"{m.label} first join: {err_name(r['error_code'])}")
    m.member_id = r["member_id"]
    labels[m.member_id] = m.label
res = {}
answered = []


def run(m):
    res[m.label] = m.join()
    answered.append(m.label)


tb = threading.Thread(target=run, args=(b,))
tb.start()
hb = wait_until(lambda: (lambda h: h if h != "NONE" else None)(a.heartbeat()), timeout=15, step=0.2)
out("A heartbeat once B rejoins:", hb)
ta = threading.Thread(target=run, args=(a,))
ta.start()
time.sleep(1.5)
out("joins answered before C rejoins:", sorted(answered))
tc = threading.Thread(target=run, args=(c,))
tc.start()
for t in (ta, tb, tc):
    t.join(timeout=30)
for m in (a, b, c):
    m.show_join(res[m.label], labels)
out("state:", describe_group(c.conn, g, labels=labels)["group_state"])
for m in (a, b, c):
    out(f"{m.label} leave:", m.leave())
