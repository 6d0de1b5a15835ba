"""InitProducerId for idempotent producers (no transactional id): a fresh producer id
at epoch 0 each time; a transactional id needs the transaction coordinator, found
(and on Kafka created) first, as a client does."""
import time
from common import *

c = Conn()
ids = []
for v in (0, 2, 4, 5):
    r = init_producer_id(c, version=v)
    out(f"v{v}: error={err_name(r['error_code'])} producer_id_set={r['producer_id'] >= 0} epoch={r['producer_epoch']}")
    ids.append(r["producer_id"])
out(f"all distinct: {len(set(ids)) == len(ids)}")
# KIP-360: an idempotent producer may ask again with its current id and epoch.
r = c.request("InitProducerId", 4, transactional_id=None, transaction_timeout_ms=60000,
              producer_id=ids[-1], producer_epoch=0)
out(f"again with id and epoch 0: error={err_name(r['error_code'])} same_id={r['producer_id'] == ids[-1]} "
    f"new_id_set={r['producer_id'] >= 0} epoch={r['producer_epoch']}")

txn = GROUP + "-txn"
# A client retries FindCoordinator while the coordinator loads; so does this, for 20 s.
deadline = time.time() + 20
while True:
    fc = c.request("FindCoordinator", 3, key=txn, key_type=1)
    if fc["error_code"] == 0 or time.time() > deadline:
        break
    time.sleep(0.2)
out(f"transaction coordinator: error={err_name(fc['error_code'])}")
while True:
    r = init_producer_id(c, transactional_id=txn)
    if r["error_code"] not in (14, 15) or time.time() > deadline:  # LOAD_IN_PROGRESS, NOT_AVAILABLE
        break
    time.sleep(0.2)
out(f"transactional id: error={err_name(r['error_code'])} producer_id_set={r['producer_id'] >= 0} "
    f"epoch={r['producer_epoch']}")
