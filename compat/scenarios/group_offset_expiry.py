# needs: fast-expiry
"""Offset expiry (offsets.retention.minutes=1, offsets.retention.check.interval.ms=5000
on both brokers): a simple group's offsets expire a minute after the commit; an Empty
consumer group's a minute after it became Empty, even when committed to again since;
a Stable group keeps the offsets of the topics it subscribes to and loses the others';
a group left with no offsets is deleted, and so is a group created by a JoinGroup that
got MEMBER_ID_REQUIRED and never came back. Takes about 80 s."""
from common import *

c = Conn()
fill(c, batches=1)
other = TOPIC + "-other"
r = c.request("CreateTopics", 7, timeout_ms=30000, validate_only=False,
              topics=[{"name": other, "num_partitions": 1, "replication_factor": 1, "assignments": [], "configs": []}])
# TOPIC_ALREADY_EXISTS when the scenario runs again on the same Kafka.
out("create other topic:", r["topics"][0]["error_code"] in (0, 36))
wait_until(lambda: c.request("Metadata", 12, topics=[{"name": other}], allow_auto_topic_creation=False,
                             include_topic_authorized_operations=False)["topics"][0]["error_code"] == 0, timeout=30)
simple, empty, stable, pending = GROUP + "-simple", GROUP + "-empty", GROUP + "-stable", GROUP + "-pending"
start = time.time()


def listed():
    r = c.request("ListGroups", 4, states_filter=[])
    mine = {x["group_id"]: (x["protocol_type"], x["group_state"]) for x in r["groups"] if x["group_id"].startswith(GROUP)}
    return {name[len(GROUP) + 1:]: v for name, v in sorted(mine.items())}


out("commit simple:", commit(c, simple, {0: 1}))

e = Member(empty, "E")
out("E join:", err_name(e.join()["error_code"]))
e.show_sync(e.sync({e.member_id: assignment({TOPIC: [0]})}))
out("commit empty (member E):", commit(c, empty, {0: 2}, generation=e.generation, member_id=e.member_id))
out("E leave:", e.leave())

s = Member(stable, "S", session_timeout_ms=30000)
out("S join:", err_name(s.join()["error_code"]))
s.show_sync(s.sync({s.member_id: assignment({TOPIC: [0]})}))
out("commit stable T (member S):", commit(c, stable, {0: 3}, generation=s.generation, member_id=s.member_id))
out("commit stable other (member S):",
    commit(c, stable, {0: 4}, generation=s.generation, member_id=s.member_id, topic=other))
last_beat = [time.time()]


def pump():
    """Keeps S alive: a heartbeat every 3 s."""
    if time.time() - last_beat[0] >= 3:
        out_hb = s.heartbeat()
        if out_hb != "NONE":
            out("S heartbeat:", out_hb)
        last_beat[0] = time.time()


# A JoinGroup v4+ without a member id: MEMBER_ID_REQUIRED, and the member never comes back.
p = Member(pending, "P", session_timeout_ms=10000)
r = p.join(handle_member_id_required=False)
out("P join:", err_name(r["error_code"]))
out("listed after the joins:", listed())
gone = wait_until(lambda: pump() or pending[len(GROUP) + 1:] not in listed(), timeout=20, step=0.5)
out("pending group gone within 20 s:", bool(gone))


def pause(until):
    while time.time() - start < until:
        pump()
        time.sleep(0.5)


pause(30)
# The Empty group's retention runs from when it became Empty, not from the last commit.
out("commit empty again at 30 s:", commit(c, empty, {0: 5}))
pause(45)
out("at 45 s simple:", fetch_committed(c, simple))
out("at 45 s empty:", fetch_committed(c, empty))
out("at 45 s stable:", fetch_committed(c, stable), fetch_committed(c, stable, topic=other))
out("at 45 s listed:", listed())
expired = wait_until(lambda: pump() or "-1(" in fetch_committed(c, simple), timeout=40, step=0.5)
out("simple expired within 85 s:", bool(expired))
# One more check interval, so every sweep that was due has run.
pause(time.time() - start + 6)
out("after expiry simple:", fetch_committed(c, simple))
out("after expiry empty:", fetch_committed(c, empty))
out("after expiry stable:", fetch_committed(c, stable), fetch_committed(c, stable, topic=other))
out("after expiry listed:", listed())
describe_group(c, empty)
describe_group(c, stable)
out("S leave:", s.leave())
