"""Produce three batches with acks=1, then read back the end offset and the records."""
from common import *

c = Conn()
for i in range(3):
    show_produce(produce(c, batch(records(2, start=2 * i), ts=T0 + 10 * i), acks=1), f"produce {i}")
# With acks=0 there is no response; requests on one connection are still served in order.
show_list_offsets(list_offsets(c, -1), "latest")
show_fetch(fetch(c, 0))
