"""A zstd batch of five compressible records: stored as produced (topic
compression.type=producer), fetched whole from its base offset and from inside it."""
from common import *

c = Conn()
show_produce(produce(c, batch(records(5, size=200), codec="zstd")), "produce zstd")
show_produce(produce(c, batch(records(2, start=5, size=200), codec="zstd", ts=T0 + 100)), "produce zstd")
show_fetch(fetch(c, 0), "fetch 0")
show_fetch(fetch(c, 3), "fetch 3 (inside the first batch)")
show_fetch(fetch(c, 6), "fetch 6 (inside the second batch)")
show_list_offsets(list_offsets(c, -1), "latest")
