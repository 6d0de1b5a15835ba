"""The classic group's states as a second member joins: PreparingRebalance (the first
member's heartbeat says REBALANCE_IN_PROGRESS, its commits with the old generation
still count), CompletingRebalance (joined, waiting for the leader's SyncGroup:
commits are REBALANCE_IN_PROGRESS), then Stable."""
import threading
from common import *

g = GROUP
c = Conn()
fill(c, batches=1)
a = Member(g, "A")
labels = {}
r = a.join()
labels[a.member_id] = "A"
a.sync({a.member_id: assignment({TOPIC: [0]})})
b = Member(g, "B")
res = {}
th = threading.Thread(target=lambda: res.__setitem__("b", b.join()))
th.start()
hb = wait_until(lambda: (lambda h: h if h != "NONE" else None)(a.heartbeat()), timeout=15, step=0.2)
out("A heartbeat once B joins:", hb)


def state():
    d = c.request("DescribeGroups", 5, groups=[g])["groups"][0]
    return f"{d['group_state']} protocol={d['protocol_data']!r} members={len(d['members'])}"


out("state:", state())
out("A commits with generation 1 while preparing:", commit(c, g, {0: 1}, generation=a.generation, member_id=a.member_id))
ra = a.join()
th.join()
labels[b.member_id] = "B"
out(f"both joined generation {a.generation}; state:", state())
out("B heartbeat while completing:", b.heartbeat())
out("A commits with the new generation while completing:",
    commit(c, g, {0: 2}, generation=a.generation, member_id=a.member_id))
out("A commits with the old generation while completing:",
    commit(c, g, {0: 2}, generation=a.generation - 1, member_id=a.member_id))
leader, other = (a, b) if ra["leader"] == a.member_id else (b, a)
leader.show_sync(leader.sync({leader.member_id: assignment({TOPIC: [0]}), other.member_id: assignment({})}))
other.show_sync(other.sync())
out("state:", state())
out("A commits once stable:", commit(c, g, {0: 3}, generation=a.generation, member_id=a.member_id))
out("committed:", fetch_committed(c, g))
out("B leave:", b.leave(), "A leave:", a.leave())
out("state:", state())
