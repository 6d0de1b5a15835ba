"""Static membership (KIP-345) with two static members. A restarted member (a new
process: no member id, the same group.instance.id) gets the current generation and
its assignment back without a rebalance (the other member's heartbeat stays NONE),
even with another subscription of the same protocol; a restarted leader is told
skip_assignment (KIP-814), or with JoinGroup v8 the old leader id. The replaced
member id is FENCED_INSTANCE_ID on JoinGroup, SyncGroup, Heartbeat, OffsetCommit
and LeaveGroup. A restart that changes the selected protocol rebalances."""
import threading
from common import *

g = GROUP


def form_pair(g, a, b, labels):
    """A alone, then B joins and A rejoins: both Stable at generation 2, A leading."""
    ra = a.join()
    labels[a.member_id] = a.label
    a.show_join(ra, labels)
    a.show_sync(a.sync({a.member_id: assignment({TOPIC: [0]})}))
    res = {}
    th = threading.Thread(target=lambda: res.__setitem__("b", b.join()))
    th.start()
    hb = wait_until(lambda: (lambda h: h if h != "NONE" else None)(a.heartbeat()), timeout=15, step=0.2)
    out(f"{a.label} heartbeat once {b.label} joins:", hb)
    ra = a.join()
    th.join()
    labels[b.member_id] = b.label
    a.show_join(ra, labels)
    b.show_join(res["b"], labels)
    a.show_sync(a.sync({a.member_id: assignment({TOPIC: [0]}), b.member_id: assignment({})}))
    b.show_sync(b.sync())


labels = {}
a = Member(g, "A", instance_id="instance-a")
b = Member(g, "B", instance_id="instance-b")
form_pair(g, a, b, labels)

# The follower restarts.
b2 = Member(g, "B2", instance_id="instance-b")
r = b2.join()
labels[b2.member_id] = "B2"
b2.show_join(r, labels)
out(f"B2 generation same as B's: {b2.generation == b.generation} leader is A: {r['leader'] == a.member_id}")
b2.show_sync(b2.sync())
out("A heartbeat:", a.heartbeat())

# The leader restarts (JoinGroup v9: skip_assignment).
a2 = Member(g, "A2", instance_id="instance-a")
r = a2.join()
labels[a2.member_id] = "A2"
a2.show_join(r, labels)
out(f"A2 generation same as A's: {a2.generation == a.generation}")
a2.show_sync(a2.sync())
out("B2 heartbeat:", b2.heartbeat())

# The old A process (a zombie) still uses its member id and instance id.
out("A join (old member id):", err_name(a.join()["error_code"]))
out("A sync (old member id):", err_name(a.sync()["error_code"]))
out("A heartbeat (old member id):", a.heartbeat())
out("A heartbeat (old member id, no instance id):",
    err_name(a.conn.request("Heartbeat", 4, group_id=g, generation_id=a.generation, member_id=a.member_id,
                            group_instance_id=None)["error_code"]))
out("A commit (old member id):",
    commit(a.conn, g, {0: 1}, generation=a.generation, member_id=a.member_id, instance_id="instance-a"))
out("A leave (old member id):", a.leave())
out("A2 commit:", commit(a2.conn, g, {0: 1}, generation=a2.generation, member_id=a2.member_id,
                         instance_id="instance-a"))
out("A2 heartbeat:", a2.heartbeat(), "B2 heartbeat:", b2.heartbeat())

# The leader restarts with JoinGroup v8 (before KIP-814).
a3 = Member(g, "A3", instance_id="instance-a")
r = a3.join(version=8)
labels[a3.member_id] = "A3"
a3.show_join(r, labels)
out(f"A3 told the leader is A2 (the old id): {r['leader'] == a2.member_id}")
a3.show_sync(a3.sync())
out("B2 heartbeat:", b2.heartbeat(), "A2 heartbeat:", a2.heartbeat())

# The follower restarts subscribed to one more topic, with the same protocol.
b3 = Member(g, "B3", instance_id="instance-b", topics=[TOPIC, TOPIC + "-more"])
r = b3.join()
labels[b3.member_id] = "B3"
b3.show_join(r, labels)
b3.show_sync(b3.sync())
out("A3 heartbeat:", a3.heartbeat())
describe_group(a3.conn, g, labels=labels)
out("A3 leave:", a3.leave())
out("B3 leave:", b3.leave())

# A restart that changes the protocol the group would select rebalances.
g2 = g + "-protocol"
labels = {}
p = Member(g2, "P", instance_id="instance-p", protocols=("range", "roundrobin"))
q = Member(g2, "Q", instance_id="instance-q", protocols=("range", "roundrobin"))
form_pair(g2, p, q, labels)
q2 = Member(g2, "Q2", instance_id="instance-q", protocols=("roundrobin",))
res = {}
th = threading.Thread(target=lambda: res.__setitem__("q2", q2.join()))
th.start()
hb = wait_until(lambda: (lambda h: h if h != "NONE" else None)(p.heartbeat()), timeout=15, step=0.2)
out("P heartbeat once Q2 joins:", hb)
rp = p.join()
th.join(timeout=60)
labels[q2.member_id] = "Q2"
p.show_join(rp, labels)
q2.show_join(res["q2"], labels)
out(f"generation={p.generation} same: {p.generation == q2.generation}")
p.show_sync(p.sync({p.member_id: assignment({TOPIC: [0]}), q2.member_id: assignment({})}))
q2.show_sync(q2.sync())
out("Q heartbeat (old member id):", q.heartbeat())
describe_group(p.conn, g2, labels=labels)
out("P leave:", p.leave())
out("Q2 leave:", q2.leave())

# Both groups go (with A2's commit), so that a rerun on the same broker starts afresh.
r = p.conn.request("DeleteGroups", 2, groups_names=[g, g2])
out("delete groups:", sorted(err_name(x["error_code"]) for x in r["results"]))
