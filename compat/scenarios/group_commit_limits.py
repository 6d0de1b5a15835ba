"""OffsetCommit at the edges: metadata of 4096 bytes (offset.metadata.max.bytes, the
default on both) and one byte more, negative offsets, an empty group id, a group id
for which a consumer is also fetching."""
from common import *

c = Conn()
fill(c, batches=1)
g = GROUP
out("metadata of 4096 bytes:", commit(c, g, {0: 1}, metadata="m" * 4096))
out("committed:", fetch_committed(c, g).replace("m" * 4096, "<4096 m>"))
out("metadata of 4097 bytes:", commit(c, g, {0: 2}, metadata="m" * 4097))
out("committed:", fetch_committed(c, g).replace("m" * 4096, "<4096 m>"))
out("metadata of 4096 two-byte characters:", commit(c, g, {0: 3}, metadata="\u00e9" * 4096))
out("metadata of 4097 two-byte characters:", commit(c, g, {0: 4}, metadata="\u00e9" * 4097))
out("committed offset:", fetch_committed(c, g).split("(")[0])
out("offset -1:", commit(c, g, {0: -1}))
out("committed:", fetch_committed(c, g))
out("offset -5:", commit(c, g, {0: -5}))
out("committed:", fetch_committed(c, g))
out("empty group id:", commit(c, "", {0: 1}))
r = c.request("OffsetFetch", 7, group_id="", topics=[{"name": TOPIC, "partition_indexes": [0]}], require_stable=False)
out(f"fetch, empty group id v7: error={err_name(r['error_code'])}")
r = c.request("OffsetFetch", 8, groups=[{"group_id": "", "topics": None}], require_stable=False)
out(f"fetch, empty group id v8: error={err_name(r['groups'][0]['error_code'])}")
