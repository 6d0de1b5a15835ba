"""A member sent MEMBER_ID_REQUIRED that never rejoins holds up a rebalance of an
existing group until its member id lapses (the session timeout of its first join,
6 s here; the rebalance timeout is 20 s). A member id handed out with
MEMBER_ID_REQUIRED may also leave the group: Kafka takes that LeaveGroup as a member
leaving, and a Stable group rebalances."""
import threading
import time
from common import *

g = GROUP
a = Member(g, "A", rebalance_timeout_ms=20000)
labels = {}
a.join()
labels[a.member_id] = "A"
a.sync({a.member_id: assignment({TOPIC: [0]})})
b = Member(g, "B", rebalance_timeout_ms=20000)
stranger = Conn(client_id="compat-C")


def first_join(conn, session_timeout_ms):
    r = conn.request("JoinGroup", 9, group_id=g, session_timeout_ms=session_timeout_ms, rebalance_timeout_ms=20000,
                     member_id="", group_instance_id=None, protocol_type="consumer",
                     protocols=[{"name": "range", "metadata": subscription([TOPIC])}], reason=None)
    return err_name(r["error_code"]), r["member_id"]


err, c_id = first_join(stranger, 6000)
out("C first join:", err)
started = time.monotonic()
res = {}
tb = threading.Thread(target=lambda: res.__setitem__("B", b.join()))
tb.start()
hb = wait_until(lambda: (lambda h: h if h != "NONE" else None)(a.heartbeat()), timeout=15, step=0.2)
out("A heartbeat once B joins:", hb)
res["A"] = a.join()
tb.join(timeout=30)
waited = time.monotonic() - started
labels[b.member_id] = "B"
a.show_join(res["A"], labels)
b.show_join(res["B"], labels)
out("the join waited for C's id to lapse (4-10 s):", 4 <= waited <= 10, "not for the rebalance timeout:", waited < 15)
leader, other = (a, b) if res["A"]["leader"] == a.member_id else (b, a)
leader.sync({leader.member_id: assignment({TOPIC: [0]}), other.member_id: assignment({})})
other.sync()
out("state:", describe_group(a.conn, g, labels=labels)["group_state"])

err, d_id = first_join(stranger, 30000)
out("D first join:", err)
r = stranger.request("LeaveGroup", 5, group_id=g, members=[{"member_id": d_id, "group_instance_id": None,
                                                              "reason": None}])
out(f"D leaves with its pending id: {err_name(r['error_code'])} members={[err_name(m['error_code']) for m in r['members']]}")
out("A heartbeat after D left:", a.heartbeat())
out("state:", describe_group(a.conn, g, labels=labels)["group_state"])
r = stranger.request("LeaveGroup", 5, group_id=g, members=[{"member_id": d_id, "group_instance_id": None,
                                                              "reason": None}])
out(f"D leaves again: {err_name(r['error_code'])} members={[err_name(m['error_code']) for m in r['members']]}")
for m in (a, b):
    out(f"{m.label} leave:", m.leave())
