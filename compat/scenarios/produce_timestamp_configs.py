"""A topic's own timestamp limits (message.timestamp.before.max.ms = 1 day,
message.timestamp.after.max.ms = 1 s), set when the topic is created: records
outside them are INVALID_TIMESTAMP, each by its index, the batch refused whole;
-1 (no timestamp) is never checked."""
import time
from common import *

c = Conn()
name = TOPIC + "-limits"
r = c.request("CreateTopics", 7, timeout_ms=30000, validate_only=False,
              topics=[{"name": name, "num_partitions": 1, "replication_factor": 1, "assignments": [],
                       "configs": [{"name": "message.timestamp.before.max.ms", "value": "86400000"},
                                   {"name": "message.timestamp.after.max.ms", "value": "1000"}]}])
out(f"create: error={err_name(r['topics'][0]['error_code'])}")


out(f"led: {wait_until(lambda: has_leader(c, name), timeout=30)}")
now = int(time.time() * 1000)
show_produce(produce(c, batch(records(1), ts=now), topic=name), "now")
show_produce(produce(c, batch(records(2), ts=now + 60_000), topic=name), "a minute ahead")
show_produce(produce(c, batch(records(3), ts=now - 2 * 86_400_000), topic=name), "two days old")
show_produce(produce(c, batch(records(3), ts=now - 2 * 86_400_000), topic=TOPIC), "two days old, default topic")
show_produce(produce(c, batch(records(1), ts=-1), topic=name), "no timestamp (-1)")
show_produce(produce(c, batch(records(1), ts=5), topic=name), "timestamp 5")
show_list_offsets(list_offsets(c, -1, topic=name), "latest")
