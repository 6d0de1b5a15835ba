"""After a join completes every member has the rebalance timeout (5 s here) to send
its SyncGroup (Kafka's pending sync members). 1: the leader syncs, the follower never
does but keeps heartbeating: when the timeout runs out the follower is removed and the
leader must rejoin. 2: the leader never syncs: the follower's waiting SyncGroup gets
REBALANCE_IN_PROGRESS, the leader is removed, and the follower, rejoining 2 s later,
still has a full rebalance timeout to do so and leads the next generation."""
import threading
import time
from common import *

g = GROUP


def pair(group):
    a = Member(group, "A", session_timeout_ms=10000, rebalance_timeout_ms=5000)
    b = Member(group, "B", session_timeout_ms=10000, rebalance_timeout_ms=5000)
    a.join()
    a.sync({a.member_id: assignment({TOPIC: [0]})})
    res = {}
    tb = threading.Thread(target=lambda: res.__setitem__("B", b.join()))
    tb.start()
    wait_until(lambda: (lambda h: h if h != "NONE" else None)(a.heartbeat()), timeout=15, step=0.2)
    res["A"] = a.join()
    tb.join(timeout=30)
    labels = {a.member_id: "A", b.member_id: "B"}
    leader, follower = (a, b) if res["A"]["leader"] == a.member_id else (b, a)
    out(f"generation {a.generation}: leader is {leader.label}")
    return leader, follower, labels


# 1: the follower never syncs.
leader, follower, labels = pair(g + "-1")
leader.show_sync(leader.sync({leader.member_id: assignment({TOPIC: [0]}), follower.member_id: assignment({})}))
out("state:", describe_group(leader.conn, g + "-1", labels=labels)["group_state"])
beats = []
start = time.monotonic()
while time.monotonic() - start < 9:
    h = follower.heartbeat()
    if not beats or beats[-1] != h:
        beats.append(h)
    time.sleep(0.5)
out("follower heartbeats (changes only):", beats)
out("leader heartbeat:", leader.heartbeat())
out("state:", describe_group(leader.conn, g + "-1", labels=labels)["group_state"])
r = leader.join()
leader.show_join(r, labels)

# 2: the leader never syncs.
leader, follower, labels = pair(g + "-2")
r = follower.sync()
follower.show_sync(r)
time.sleep(2)
out("state:", describe_group(follower.conn, g + "-2", labels=labels)["group_state"])
r = follower.join()
follower.show_join(r, labels)
out("leader heartbeat:", leader.heartbeat())
