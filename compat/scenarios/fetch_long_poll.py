"""A fetch at the high watermark with min_bytes 1 waits; an append on another
connection wakes it with the new batch. With max_wait 200 ms and nothing appended
it returns empty."""
import threading
import time
from common import *

c = Conn()
fill(c, batches=1)
t0 = time.time()
show_fetch(fetch(c, 3, max_wait_ms=200, min_bytes=1), "fetch at hw, nothing appended")
waited = time.time() - t0
out(f"waited at least 150 ms: {waited >= 0.15}, less than 5 s: {waited < 5}")


def append_later():
    time.sleep(0.5)
    p = Conn()
    produce(p, batch(records(2, start=3), ts=T0 + 5000))


threading.Thread(target=append_later).start()
t0 = time.time()
show_fetch(fetch(c, 3, max_wait_ms=20000, min_bytes=1), "fetch at hw, appended after 0.5 s")
out(f"woken before max_wait: {time.time() - t0 < 10}")
