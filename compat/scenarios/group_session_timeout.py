"""A member that stops heartbeating is removed after its session timeout (6 s, the
smallest Kafka allows by default), leaving the group Empty; its next heartbeat is
UNKNOWN_MEMBER_ID. Too small a session timeout is INVALID_SESSION_TIMEOUT."""
import time
from common import *

g = GROUP
bad = Member(g + "-bad", "bad", session_timeout_ms=100)
r = bad.join()
out(f"session timeout 100 ms: error={err_name(r['error_code'])}")

a = Member(g, "A", session_timeout_ms=6000, rebalance_timeout_ms=6000)
ra = a.join()
labels = {a.member_id: "A"}
a.show_join(ra, labels)
a.show_sync(a.sync({a.member_id: assignment({TOPIC: [0]})}))
describe_group(a.conn, g, labels=labels)
state = wait_until(lambda: (lambda s: s if s != "Stable" else None)(
    a.conn.request("DescribeGroups", 5, groups=[g])["groups"][0]["group_state"]), timeout=20, step=0.5)
out(f"state after the session timeout: {state}")
describe_group(a.conn, g, labels=labels)
out("A heartbeat:", a.heartbeat())
