"""A topic with message.timestamp.type=LogAppendTime: every batch is stamped with
the broker's clock (max timestamp, the timestamp-type bit, a new CRC; the base
timestamp and the records are the producer's), Produce answers that time in
log_append_time, a producer's timestamps are not range-checked, and a batch the
producer marked LogAppendTime itself is INVALID_TIMESTAMP for each record."""
import struct
import time
from kafka.record.util import calc_crc32c
from common import *

c = Conn()
name = TOPIC + "-lat"
r = c.request("CreateTopics", 7, timeout_ms=30000, validate_only=False,
              topics=[{"name": name, "num_partitions": 1, "replication_factor": 1, "assignments": [],
                       "configs": [{"name": "message.timestamp.type", "value": "LogAppendTime"}]}])
out(f"create: error={err_name(r['topics'][0]['error_code'])}")


out(f"led: {wait_until(lambda: has_leader(c, name), timeout=30)}")
show_produce(produce(c, batch(records(2)), topic=name), "plain")
show_produce(produce(c, batch(records(3, size=100), codec="zstd"), topic=name), "zstd")
future = int(time.time() * 1000) + 5 * 86_400_000
show_produce(produce(c, batch(records(1), ts=future), topic=name), "five days ahead")
marked = bytearray(batch(records(2)))
struct.pack_into(">h", marked, 21, 0x08)
struct.pack_into(">I", marked, 17, calc_crc32c(bytes(marked[21:])))
show_produce(produce(c, bytes(marked), topic=name), "marked LogAppendTime by the producer")
show_list_offsets(list_offsets(c, -1, topic=name), "latest")
show_fetch(fetch(c, 0, topic=name))
