"""Produce to partition 1 and -1 of a one-partition topic."""
from common import *

c = Conn()
for part in (1, 7, -1):
    show_produce(produce(c, batch(records(1)), partition=part), f"produce partition {part}")
show_produce(produce(c, batch(records(1))), "produce partition 0")
