"""Timestamp lookups: before the first record, exact hits, between records and
batches, the last timestamp, and past it (offset -1)."""
from common import *

c = Conn()
fill(c)  # batch i: records 3i..3i+2 at T0 + 1000 i + 0..2
for dt in (-1000, 0, 1, 2, 3, 500, 999, 1000, 1002, 1500, 2000, 2002, 2003, 10**6):
    show_list_offsets(list_offsets(c, T0 + dt), f"time T0{dt:+d}")
show_list_offsets(list_offsets(c, T0 + 1, version=1), "time T0+1 v1")
show_list_offsets(list_offsets(c, 0), "time 0")
