"""Fetch below the log start and past the high watermark: OFFSET_OUT_OF_RANGE."""
from common import *

c = Conn()
show_fetch(fetch(c, 0), "fetch 0 on an empty log")
show_fetch(fetch(c, 1), "fetch 1 on an empty log")
fill(c)
for off in (-1, -2, 10, 1000, 2**62):
    show_fetch(fetch(c, off), f"fetch {off}")
show_fetch(fetch(c, 9), "fetch 9 (= high watermark)")
