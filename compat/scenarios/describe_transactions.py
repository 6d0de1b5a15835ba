"""DescribeTransactions for ids with no transaction: TRANSACTIONAL_ID_NOT_FOUND
each, INVALID_REQUEST for an empty id, repeated ids answered each time."""
import time

from common import *

c = Conn()
TX = TOPIC + "-tx"


def describe(ids):
    return c.request("DescribeTransactions", 0, transactional_ids=ids)


# Kafka's transaction coordinator loads on first use (FindCoordinator for a
# transactional id creates its topic); until then it answers NOT_COORDINATOR or
# a load in progress, which a client retries.
deadline = time.time() + 30
while time.time() < deadline:
    code = describe([TX])["transaction_states"][0]["error_code"]
    if code not in (14, 15, 16):
        break
    c.request("FindCoordinator", 3, key=TX, key_type=1)
    time.sleep(0.2)

r = describe([TX, "", TX, TX + "-2"])
for s in r["transaction_states"]:
    out(f"{'TX' if s['transactional_id'].startswith(TX) else repr(s['transactional_id'])}: "
        f"error={err_name(s['error_code'])} state={s['transaction_state']!r} producer_id={s['producer_id']} "
        f"epoch={s['producer_epoch']} timeout={s['transaction_timeout_ms']} "
        f"start={s['transaction_start_time_ms']} topics={s['topics']}")
out(f"none: {describe([])['transaction_states']}")
