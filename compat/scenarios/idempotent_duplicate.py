"""An idempotent producer's retries: a batch sent again (same producer id, epoch and
sequence) is acknowledged with its first offsets and not appended twice, for the
latest batch and for an older one of the last five."""
from common import *

c = Conn()
r = init_producer_id(c)
pid, epoch = r["producer_id"], r["producer_epoch"]
b0 = batch(records(3), producer_id=pid, epoch=epoch, sequence=0)
b1 = batch(records(2, start=3), producer_id=pid, epoch=epoch, sequence=3, ts=T0 + 10)
b2 = batch(records(1, start=5), producer_id=pid, epoch=epoch, sequence=5, ts=T0 + 20)
show_produce(produce(c, b0), "seq 0")
show_produce(produce(c, b0), "seq 0 again")
show_produce(produce(c, b1), "seq 3")
show_produce(produce(c, b2), "seq 5")
show_produce(produce(c, b1), "seq 3 again (not the latest)")
show_produce(produce(c, b0), "seq 0 again (older)")
show_list_offsets(list_offsets(c, -1), "latest")
show_fetch(fetch(c, 0), with_records=False)
