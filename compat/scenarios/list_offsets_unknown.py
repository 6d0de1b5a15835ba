"""ListOffsets for an unknown topic and an unknown partition."""
from common import *

c = Conn()
for v in (1, 9):
    show_list_offsets(list_offsets(c, -1, version=v, topic="no-such-topic"), f"v{v} unknown topic")
    show_list_offsets(list_offsets(c, -2, version=v, partition=1), f"v{v} partition 1")
show_list_offsets(list_offsets(c, T0, partition=3), "by time, partition 3")
