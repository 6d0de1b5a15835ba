"""Metadata hands out a topic id; Fetch v13+ by that id reads the records."""
import uuid
from common import *

c = Conn()
fill(c, batches=2)
tid = topic_id(c)
out(f"topic id set: {tid != uuid.UUID(int=0)}")
for v in (13, 15, 16, 17):
    r = fetch(c, 2, version=v, topic_id=tid)
    for t in r["responses"]:
        out(f"v{v} topic id matches: {t['topic_id'] == tid}")
    show_fetch(r, f"fetch v{v} at 2")
