"""Timestamp lookups inside compressed batches: the answer is the first record at or
after the target, not the batch's first offset (the broker must look inside)."""
from common import *

c = Conn()
for i, codec in enumerate(("gzip", "lz4", "zstd", "snappy")):
    show_produce(produce(c, batch(records(4, start=4 * i, size=100), codec=codec, ts=T0 + 100 * i)),
                 f"{codec} batch at T0+{100 * i}..{100 * i + 3}")
for dt in (0, 1, 2, 3, 4, 50, 101, 103, 202, 301, 303, 304):
    show_list_offsets(list_offsets(c, T0 + dt), f"time T0+{dt}")
show_list_offsets(list_offsets(c, -3), "max timestamp")
