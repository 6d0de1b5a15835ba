"""Produce to a topic that does not exist (auto-creation off), by name and by topic id."""
import uuid
from common import *

c = Conn()
for v in (3, 9, 12):
    show_produce(produce(c, batch(records(1)), topic="no-such-topic", version=v), f"produce v{v} unknown topic")
r = c.outcome("Produce", 13, acks=-1, timeout_ms=10000, transactional_id=None,
              topic_data=[{"topic_id": uuid.UUID("00000000-0000-0000-0000-00000000abcd"),
                           "partition_data": [{"index": 0, "records": batch(records(1))}]}])
if r == "closed":
    out("produce v13 unknown topic id: closed")
else:
    for t in r["responses"]:
        for p in t["partition_responses"]:
            out(f"produce v13 unknown topic id: error={err_name(p['error_code'])} base_offset={p['base_offset']}")
show_list_offsets(list_offsets(c, -1), "latest of the real topic")
