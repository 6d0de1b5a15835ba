"""Two members join a new group at once. Each first gets MEMBER_ID_REQUIRED (KIP-394);
the first rejoins at once, the second a second later. Kafka 4.4 (initial rebalance
delay 0) completes the first join without waiting for the pending second member;
the second's join then opens generation 2, which the first, not rejoining, leaves
when the rebalance timeout (10 s) expires."""
import threading
import time
from common import *

g = GROUP
a = Member(g, "A", rebalance_timeout_ms=10000)
b = Member(g, "B", rebalance_timeout_ms=10000)
for m in (a, b):
    r = m.conn.request("JoinGroup", 9, group_id=g, session_timeout_ms=30000, rebalance_timeout_ms=10000,
                       member_id="", group_instance_id=None, protocol_type="consumer",
                       protocols=[{"name": "range", "metadata": subscription([TOPIC])}])
    out(f"{m.label} first join: {err_name(r['error_code'])}")
    m.member_id = r["member_id"]
labels = {a.member_id: "A", b.member_id: "B"}
res = {}
th = threading.Thread(target=lambda: res.__setitem__("a", a.join()))
th.start()
time.sleep(1.0)
rb = b.join()
th.join(timeout=20)
ra = res.get("a")
a.show_join(ra, labels)
b.show_join(rb, labels)
out(f"A generation={a.generation} B generation={b.generation}")
