"""Sequence and epoch errors: a gap in the sequence (OUT_OF_ORDER_SEQUENCE_NUMBER), a
new producer starting above 0, an unknown producer id, a bumped epoch starting at 0,
then the old epoch again (fenced)."""
from common import *

c = Conn()
r = init_producer_id(c)
pid, epoch = r["producer_id"], r["producer_epoch"]


def send(label, seq, n=2, ep=None, p=None, start=0):
    show_produce(produce(c, batch(records(n, start=start), producer_id=pid if p is None else p,
                                  epoch=epoch if ep is None else ep, sequence=seq)), label)


send("seq 0", 0)
send("seq 5 (gap)", 5)
send("seq 1 (overlaps the last batch)", 1)
send("seq 2 (next)", 2)
r2 = init_producer_id(c)
show_produce(produce(c, batch(records(1), producer_id=r2["producer_id"], epoch=0, sequence=7)),
             "a new producer starting at seq 7")
show_produce(produce(c, batch(records(1), producer_id=r2["producer_id"] + 1000, epoch=0, sequence=0)),
             "an unknown producer id, seq 0")
send("epoch+1, seq 0", 0, ep=epoch + 1)
send("epoch+1, seq 3 (gap)", 3, ep=epoch + 1)
send("old epoch, seq 4", 4, ep=epoch)
send("epoch+1, seq 2", 2, ep=epoch + 1)
show_list_offsets(list_offsets(c, -1), "latest")
