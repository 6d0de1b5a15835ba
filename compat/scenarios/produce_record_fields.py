"""What Kafka does with record fields that disagree with their batch header, in
batches whose header and CRC are right: offset deltas that skip or repeat (kept as
the producer wrote them), a max timestamp that is not the records' (corrected),
the LogAppendTime bit from a producer on a CreateTime topic (cleared, its max
timestamp kept), timestamps of -1 and below (-1 is "none"; the max never drops
below -1), record counts above and below the records there are (refused)."""
import struct
from kafka.record.util import calc_crc32c, encode_varint
from common import *


def varint(n):
    b = bytearray()
    encode_varint(n, b.append)
    return bytes(b)


def record(ts_delta, offset_delta, key=b"k", value=b"v"):
    body = b"\x00" + varint(ts_delta) + varint(offset_delta) + varint(len(key)) + key + varint(len(value)) + value
    body += varint(0)  # no headers
    return varint(len(body)) + body


def raw_batch(recs, count=None, base_ts=T0, max_ts=None, attributes=0):
    count = len(recs) if count is None else count
    max_ts = base_ts if max_ts is None else max_ts
    header = struct.pack(">qiibIhiqqqhii", 0, 0, -1, 2, 0, attributes, count - 1, base_ts, max_ts, -1, -1, -1, count)
    b = bytearray(header + b"".join(recs))
    struct.pack_into(">i", b, 8, len(b) - 12)
    struct.pack_into(">I", b, 17, calc_crc32c(bytes(b[21:])))
    return bytes(b)


c = Conn()
show_produce(produce(c, raw_batch([record(0, 0), record(1, 1), record(2, 5)])), "offset deltas 0, 1, 5")
show_produce(produce(c, raw_batch([record(0, 0), record(1, 0), record(2, 0)])), "offset deltas 0, 0, 0")
show_produce(produce(c, raw_batch([record(0, 0), record(5, 1)], max_ts=T0)), "max timestamp below the records'")
show_produce(produce(c, raw_batch([record(0, 0), record(1, 1)], max_ts=T0 + 100)), "max timestamp above the records'")
show_produce(produce(c, raw_batch([record(0, 0), record(1, 1)], max_ts=T0 + 7, attributes=0x08)),
             "LogAppendTime bit from the producer")
show_produce(produce(c, raw_batch([record(0, 0), record(1, 1)], base_ts=-1, max_ts=-1)), "timestamps -1 and 0")
show_produce(produce(c, raw_batch([record(0, 0)], base_ts=-5, max_ts=-5)), "timestamp -5")
show_produce(produce(c, raw_batch([record(0, 0), record(1, 1)], count=3)), "count 3, two records")
show_produce(produce(c, raw_batch([record(0, 0), record(1, 1), record(2, 2)], count=2)), "count 2, three records")
show_produce(produce(c, raw_batch([record(0, 0)], count=0)), "count 0")
show_list_offsets(list_offsets(c, -1), "latest")
show_fetch(fetch(c, 0))
