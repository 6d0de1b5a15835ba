"""Timestamps a producer may send: far past is accepted (message.timestamp.before.max.ms
is unlimited in Kafka 4), two days ahead is INVALID_TIMESTAMP (after.max.ms = 1 h)."""
import time
from common import *

c = Conn()
show_produce(produce(c, batch(records(1), ts=1)), "timestamp 1 ms after the epoch")
show_produce(produce(c, batch(records(1), ts=T0)), "timestamp T0")
future = int(time.time() * 1000) + 2 * 86400 * 1000
show_produce(produce(c, batch(records(1), ts=future)), "timestamp two days ahead")
show_produce(produce(c, batch(records(1), ts=-5)), "timestamp -5")
show_list_offsets(list_offsets(c, -1), "latest")
show_list_offsets(list_offsets(c, -3), "max timestamp")
