"""ListTransactions with no transaction in flight: an empty list, unknown state
filters echoed, the id pattern (v2) checked as a regular expression."""
import time

from common import *

c = Conn()
# Kafka's transaction coordinator loads on first use; until then it may answer
# a retriable coordinator error, which a client retries.
deadline = time.time() + 30
while time.time() < deadline:
    r = c.request("ListTransactions", 0, state_filters=[], producer_id_filters=[])
    if r["error_code"] not in (14, 15, 16):  # COORDINATOR_LOAD_IN_PROGRESS, _NOT_AVAILABLE, NOT_COORDINATOR
        break
    c.request("FindCoordinator", 3, key=TOPIC + "-tx", key_type=1)
    time.sleep(0.2)


def listed(label, version, **fields):
    fields.setdefault("state_filters", [])
    fields.setdefault("producer_id_filters", [])
    if version >= 1:
        fields.setdefault("duration_filter", -1)
    if version >= 2:
        fields.setdefault("transactional_id_pattern", None)
    r = c.request("ListTransactions", version, **fields)
    # Only this scenario's own ids: other scenarios (init_producer_id) leave
    # transactional ids on a reference broker that runs them all.
    mine = [t for t in r["transaction_states"] if t["transactional_id"].startswith(TOPIC)]
    out(f"{label} v{version}: error={err_name(r['error_code'])} unknown_state_filters={r['unknown_state_filters']} "
        f"transactions={mine}")


for version in (0, 1, 2):
    listed("no filter", version)
listed("states, some unknown, repeated", 0, state_filters=["Ongoing", "Bogus", "ongoing", "Bogus"])
listed("every state", 2, state_filters=["Empty", "Ongoing", "PrepareCommit", "PrepareAbort", "CompleteCommit",
                                        "CompleteAbort", "Dead", "PrepareEpochFence"])
listed("producer ids", 0, producer_id_filters=[1, -5])
listed("duration 0", 1, duration_filter=0)
listed("duration 1000, unknown state", 1, duration_filter=1000, state_filters=["Nope"])
listed("pattern", 2, transactional_id_pattern=TOPIC + "-.*")
listed("empty pattern", 2, transactional_id_pattern="")
listed("pattern that does not compile, unknown state", 2, transactional_id_pattern="(", state_filters=["Nope"])
listed("pattern with an unclosed class", 2, transactional_id_pattern="[a-")
