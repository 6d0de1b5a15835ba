"""Errors with acks=0 have no response to go in: Kafka closes the connection instead
(so the producer notices and refreshes its metadata). A good acks=0 produce keeps it
open."""
from common import *


def then_metadata(c):
    r = c.outcome("Metadata", 12, topics=[{"name": TOPIC}], allow_auto_topic_creation=False)
    return "closed" if r == "closed" else f"answered ({err_name(r['topics'][0]['error_code'])})"


c = Conn()
produce(c, batch(records(1)), acks=0)
out("good batch, acks=0, then Metadata:", then_metadata(c))
c = Conn()
produce(c, batch(records(1)), acks=0, topic="no-such-topic")
out("unknown topic, acks=0, then Metadata:", then_metadata(c))
c = Conn()
produce(c, batch(records(1)), acks=0, partition=1)
out("unknown partition, acks=0, then Metadata:", then_metadata(c))
c = Conn()
produce(c, batch([(b"k", b"x" * 1_100_000)]), acks=0)
out("too large, acks=0, then Metadata:", then_metadata(c))
c = Conn()
bad = bytearray(batch(records(2)))
bad[-1] ^= 0xFF
produce(c, bytes(bad), acks=0)
out("bad crc, acks=0, then Metadata:", then_metadata(c))
c = Conn()
show_list_offsets(list_offsets(c, -1), "latest (only the good batch)")
