"""A second member joins a Stable group: the first learns of it from its heartbeat
(REBALANCE_IN_PROGRESS), rejoins, both get the next generation, the leader assigns;
then the second leaves and the first rebalances alone."""
import threading
from common import *

g = GROUP
a = Member(g, "A")
ra = a.join()
labels = {a.member_id: "A"}
a.show_join(ra, labels)
a.show_sync(a.sync({a.member_id: assignment({TOPIC: [0]})}))

b = Member(g, "B")
res = {}
th = threading.Thread(target=lambda: res.__setitem__("b", b.join()))
th.start()
hb = wait_until(lambda: (lambda h: h if h != "NONE" else None)(a.heartbeat()), timeout=15, step=0.2)
out("A heartbeat once B joins:", hb)
ra = a.join()
th.join()
rb = res["b"]
labels[b.member_id] = "B"
a.show_join(ra, labels)
b.show_join(rb, labels)
out(f"same generation: {a.generation == b.generation} generation={a.generation}")
leader = a if ra["leader"] == a.member_id else b
other = b if leader is a else a
out(f"leader is {leader.label}")
leader.show_sync(leader.sync({leader.member_id: assignment({TOPIC: [0]}), other.member_id: assignment({})}))
other.show_sync(other.sync())
out("A heartbeat:", a.heartbeat(), "B heartbeat:", b.heartbeat())
describe_group(a.conn, g, labels=labels)

out("B leave:", b.leave())
hb = wait_until(lambda: (lambda h: h if h != "NONE" else None)(a.heartbeat()), timeout=15, step=0.2)
out("A heartbeat once B left:", hb)
ra = a.join()
a.show_join(ra, labels)
out(f"generation={a.generation}")
a.show_sync(a.sync({a.member_id: assignment({TOPIC: [0]})}))
describe_group(a.conn, g, labels=labels)
out("A leave:", a.leave())
