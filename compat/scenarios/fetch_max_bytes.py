"""The response-wide max_bytes: smaller than the first batch (KIP-74: it comes whole),
and between one and two batches, with a large partition limit."""
from common import *

c = Conn()
fill(c, batches=4, per_batch=3, size=100)
size = len(batch(records(3, size=100)))
for limit, label in ((1, "1 byte"), (size + size // 2, "one and a half batches"), (3 * size, "three batches")):
    show_fetch(fetch(c, 0, max_bytes=limit), f"max_bytes {label}", with_records=False)
show_fetch(fetch(c, 0, max_bytes=0), "max_bytes 0", with_records=False)
show_fetch(fetch(c, 0, max_bytes=1, partition_max_bytes=0), "max_bytes 1, partition_max_bytes 0", with_records=False)
