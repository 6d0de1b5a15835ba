"""partition_max_bytes smaller than one batch (KIP-74: the first batch still comes
whole), between one and two batches, and exactly two batches."""
from common import *

c = Conn()
fill(c, batches=4, per_batch=3, size=100)
size = len(batch(records(3, size=100)))
out(f"batch size about {size // 10 * 10} bytes")
for limit, label in ((1, "1 byte"), (size // 2, "half a batch"), (size + size // 2, "one and a half batches"),
                     (2 * size, "two batches"), (10 * size, "ten batches")):
    show_fetch(fetch(c, 0, partition_max_bytes=limit), f"partition_max_bytes {label}", with_records=False)
show_fetch(fetch(c, 4, partition_max_bytes=1), "partition_max_bytes 1 byte at offset 4", with_records=False)
