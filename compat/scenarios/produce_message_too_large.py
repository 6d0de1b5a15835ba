"""A batch of exactly max.message.bytes (1048588, the default on both brokers) is
accepted; one byte more is MESSAGE_TOO_LARGE, and so is a batch of several records
that is too large only in total."""
from common import *

LIMIT = 1048588


def batch_of_size(size):
    n = size - 100
    while True:
        data = batch([(b"k", b"x" * n)])
        if len(data) == size:
            return data
        n += size - len(data)


c = Conn()
for size in (LIMIT, LIMIT + 1, 2 * LIMIT):
    data = batch_of_size(size)
    show_produce(produce(c, data), f"produce one record, batch of {len(data)} bytes")
many = batch([(b"k", b"y" * 100_000)] * 11)
show_produce(produce(c, many), f"produce 11 records of 100000 bytes, batch of {len(many)} bytes")
show_list_offsets(list_offsets(c, -1), "latest")
