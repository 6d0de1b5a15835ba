"""Fetch at offsets inside a batch: the whole batch comes back, as clients expect
(they drop the records before the offset they asked for)."""
from common import *

c = Conn()
fill(c)
for off in (1, 2, 4, 8):
    show_fetch(fetch(c, off), f"fetch {off}")
