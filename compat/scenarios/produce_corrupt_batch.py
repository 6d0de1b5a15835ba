"""Batches a client could send broken: a bad CRC, a wrong record count, two batches
in one partition's records, a truncated batch. None may be appended."""
import struct
from common import *

c = Conn()
good = batch(records(3))
bad_crc = bytearray(good)
bad_crc[-1] ^= 0xFF  # a byte of the last record: the CRC no longer matches
show_produce(produce(c, bytes(bad_crc)), "bad crc")

wrong_count = bytearray(good)
struct.pack_into(">i", wrong_count, 57, 5)  # records count field
# fix the CRC so only the count is wrong
from kafka.record.util import calc_crc32c
struct.pack_into(">I", wrong_count, 17, calc_crc32c(bytes(wrong_count[21:])))
show_produce(produce(c, bytes(wrong_count)), "record count 5 for 3 records")

show_produce(produce(c, good + batch(records(2, start=3))), "two batches in one request")
r = c.outcome("Produce", 9, acks=-1, timeout_ms=10000, transactional_id=None,
              topic_data=[{"name": TOPIC, "partition_data": [{"index": 0, "records": good[:-7]}]}])
if r == "closed":
    out("truncated batch: closed")
else:
    show_produce(r["responses"][0]["partition_responses"][0], "truncated batch")
c = Conn()
show_produce(produce(c, good), "a good batch after all that")
show_list_offsets(list_offsets(c, -1), "latest")
