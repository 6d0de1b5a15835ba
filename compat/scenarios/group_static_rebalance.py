"""Static members (KIP-345) through a rebalance they miss. When a join completes,
Kafka drops only the dynamic members that did not rejoin: a static member stays
(with its instance id, in the leader's member list, in DescribeGroups) until its
session times out; its old generation is ILLEGAL_GENERATION and its rejoin gets
the new one. A static leader that did not rejoin hands over to a member that did.
A static member restarting while its old process waits in JoinGroup fences that
JoinGroup (FENCED_INSTANCE_ID) and joins in its place."""
import threading
import time
from common import *

g = GROUP
REBALANCE_MS = 3000


def member(label, instance=None):
    return Member(g, label, instance_id=instance, rebalance_timeout_ms=REBALANCE_MS)


def background(m):
    """m.join() on a thread of its own; returns a function that waits for its response."""
    res = {}
    th = threading.Thread(target=lambda: res.__setitem__("r", m.join()))
    th.start()
    return lambda: (th.join(timeout=60), res.get("r"))[1]


def roster(conn, labels):
    """The group's state and members (not their metadata or assignments: what a
    group that is not Stable shows of those is another matter)."""
    grp = conn.request("DescribeGroups", 5, groups=[g], include_authorized_operations=False)["groups"][0]
    members = sorted(f"{labels.get(m['member_id'], '?')}({m['group_instance_id']})" for m in grp["members"])
    out(f"describe: state={grp['group_state']} members={members}")


def wait_rebalance(m):
    return wait_until(lambda: (lambda h: h if h != "NONE" else None)(m.heartbeat()), timeout=15, step=0.2)


labels = {}
a = member("A", "instance-a")
ra = a.join()
labels[a.member_id] = "A"
a.show_join(ra, labels)
a.show_sync(a.sync({a.member_id: assignment({TOPIC: [0]})}))
b = member("B", "instance-b")
rb = background(b)
out("A heartbeat once B joins:", wait_rebalance(a))
ra = a.join()
rb = rb()
labels[b.member_id] = "B"
a.show_join(ra, labels)
b.show_join(rb, labels)
a.show_sync(a.sync({a.member_id: assignment({TOPIC: [0]}), b.member_id: assignment({})}))
b.show_sync(b.sync())

# C (dynamic) joins; A rejoins, B (static) does not: the join completes at the
# rebalance timeout with B still in the group.
c = member("C")
rc = background(c)
out("A heartbeat once C joins:", wait_rebalance(a))
ra = a.join()
rc = rc()
labels[c.member_id] = "C"
a.show_join(ra, labels)
c.show_join(rc, labels)
roster(a.conn, labels)
out("B heartbeat (old generation):", b.heartbeat())
rb = b.join()
b.show_join(rb, labels)
a.show_sync(a.sync({a.member_id: assignment({TOPIC: [0]}), b.member_id: assignment({}), c.member_id: assignment({})}))
b.show_sync(b.sync())
c.show_sync(c.sync())
describe_group(a.conn, g, labels=labels)

def brief(m, r):
    """A join response without who leads: which of several members Kafka elects is its hash order."""
    out(f"{m.label} join: error={err_name(r['error_code'])} generation={r['generation_id']} "
        f"protocol={r['protocol_name']} skip_assignment={r.get('skip_assignment')}")


def show_leader(joined, labels):
    leaders = [m for m, r in joined.items() if r["error_code"] == 0 and r["leader"] == r["member_id"]]
    out(f"leaders among {sorted(m.label for m in joined)}: {len(leaders)}")
    listed = sorted(labels.get(x["member_id"], "?") for x in joined[leaders[0]]["members"]) if leaders else []
    out(f"the leader's members: {listed}")
    return leaders[0] if leaders else None


# D (dynamic) joins; B and C rejoin, the leader A (static) does not.
d = member("D")
rd = background(d)
out("B heartbeat once D joins:", wait_rebalance(b), "C heartbeat:", wait_rebalance(c))
rb = background(b)
rc = background(c)
joined = {b: rb(), c: rc(), d: rd()}
labels[d.member_id] = "D"
for m, r in joined.items():
    brief(m, r)
leader = show_leader(joined, labels)
out("A heartbeat (old generation):", a.heartbeat())
ra = a.join()
brief(a, ra)
out(f"A told the new leader: {ra['leader'] == leader.member_id}")
synced = {leader: leader.sync({m.member_id: assignment({TOPIC: [0]} if m is a else {}) for m in (a, b, c, d)})}
for m in (a, b, c, d):
    if m is not leader:
        synced[m] = m.sync()
for m in (a, b, c, d):
    m.show_sync(synced[m])
describe_group(a.conn, g, labels=labels)

# E (dynamic) joins; B's process rejoins and waits, then a new process with B's
# instance id joins: the waiting JoinGroup is fenced.
e = member("E")
re_ = background(e)
out("B heartbeat once E joins:", wait_rebalance(b))
rb = background(b)
time.sleep(0.5)
b2 = member("B2", "instance-b")
rb2 = background(b2)
out("B join (waiting, then replaced):", err_name(rb()["error_code"]))
waits = {m: background(m) for m in (a, c, d)}
joined = {m: w() for m, w in waits.items()}
joined[b2] = rb2()
joined[e] = re_()
labels[b2.member_id] = "B2"
labels[e.member_id] = "E"
for m, r in joined.items():
    brief(m, r)
show_leader(joined, labels)
for m in (a, b2, c, d, e):
    out(f"{m.label} leave:", m.leave())
describe_group(a.conn, g, labels=labels)
