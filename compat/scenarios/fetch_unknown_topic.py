"""Fetch an unknown topic by name (v12) and by id (v13+), and an unknown partition."""
import uuid
from common import *

c = Conn()
fill(c, batches=1)
show_fetch(fetch(c, 0, topic="no-such-topic"), "fetch v12 unknown topic")
show_fetch(fetch(c, 0, version=4, topic="no-such-topic"), "fetch v4 unknown topic")
show_fetch(fetch(c, 0, version=13, topic_id=uuid.UUID("00000000-0000-0000-0000-00000000abcd")),
           "fetch v13 unknown topic id")
show_fetch(fetch(c, 0, version=16, topic_id=uuid.UUID("00000000-0000-0000-0000-00000000abcd")),
           "fetch v16 unknown topic id")
show_fetch(fetch(c, 0, partition=1), "fetch v12 partition 1")
show_fetch(fetch(c, 0, partition=-1), "fetch v12 partition -1")
tid = topic_id(c)
show_fetch(fetch(c, 0, version=16, topic_id=tid, partition=1), "fetch v16 partition 1")
