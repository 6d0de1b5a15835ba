"""Three batches of three records: fetch from each batch's base offset, at the high
watermark, and one past it."""
from common import *

c = Conn()
fill(c)
for off in (0, 3, 6, 9):
    show_fetch(fetch(c, off), f"fetch {off}")
show_fetch(fetch(c, 10), "fetch 10 (past the end)")
