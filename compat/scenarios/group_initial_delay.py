"""group.initial.rebalance.delay.ms: A joins a new group, B joins it 1 s later. With
the delay 0 (Kafka's shipped server.properties, the reference broker's and strand's
default) A's join is answered at once with generation 1 and B's join starts generation
2. With a delay of 3 s on both brokers (strand --group-initial-rebalance-delay-ms
3000, Kafka group.initial.rebalance.delay.ms=3000), both land in generation 1, after
the delay and one more (B joined during the first)."""
import threading
import time
from common import *

g = GROUP
a = Member(g, "A")
b = Member(g, "B")
res = {}
when = {}
start = time.monotonic()


first = {}


def run(m, later=False):
    # B's MEMBER_ID_REQUIRED is printed by the main thread, after A's answer: printed
    # from B's thread it would race A's lines (A is answered around when B starts).
    if later:
        r = m.join(handle_member_id_required=False)
        first[m.label] = r
        if r["error_code"] == 79:
            m.member_id = r["member_id"]
            r = m.join()
        res[m.label] = r
    else:
        res[m.label] = m.join()
    when[m.label] = time.monotonic() - start


def bucket(t):
    if t < 2:
        return "at once"
    if t < 4.5:
        return "after one delay (3 s)"
    if t < 8:
        return "after two delays (6 s)"
    return "after more than 8 s"


ta = threading.Thread(target=run, args=(a,))
ta.start()
time.sleep(1.0)
tb = threading.Thread(target=run, args=(b, True))
tb.start()
ta.join(timeout=30)
labels = {a.member_id: "A"}
out("A answered", bucket(when["A"]))
if res["A"]["generation_id"] == 1 and len(res["A"]["members"]) == 1:
    # No delay: A is alone in generation 1 and must rejoin for B.
    a.show_join(res["A"], labels)
    a.sync({a.member_id: assignment({TOPIC: [0]})})
    wait_until(lambda: (lambda h: h if h != "NONE" else None)(a.heartbeat()), timeout=15, step=0.2)
    res["A"] = a.join()
tb.join(timeout=30)
r = first["B"]
out(f"B join: {err_name(r['error_code'])} member_id_given={bool(r['member_id'])} "
    f"member_id_prefix_is_client_id={r['member_id'].startswith(b.conn.client_id + '-')}")
labels[b.member_id] = "B"
a.show_join(res["A"], labels)
b.show_join(res["B"], labels)
for m in (a, b):
    out(f"{m.label} leave:", m.leave())
