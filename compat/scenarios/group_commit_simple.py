"""Offsets of a group without members (assign() consumers: generation -1, no member
id): commit with metadata, fetch by partition and all at once, at several versions;
commits for an unknown topic or partition; a group that never committed."""
from common import *

c = Conn()
fill(c, batches=1)
g = GROUP
out("before any commit:", fetch_committed(c, g))
out("commit 2:", commit(c, g, {0: 2}, metadata="m1"))
for v in (1, 5, 7, 8, 9):
    out(f"fetch v{v}:", fetch_committed(c, g, version=v))
out("fetch all topics v7:", fetch_committed(c, g, partitions=None, version=7))
out("fetch all topics v8:", fetch_committed(c, g, partitions=None, version=8))
out("commit 3 v2:", commit(c, g, {0: 3}, version=2))
out("after v2 commit:", fetch_committed(c, g))
out("commit past the high watermark (1000):", commit(c, g, {0: 1000}, metadata=""))
out("after:", fetch_committed(c, g))
out("commit unknown topic:", commit(c, g, {0: 1}, topic="no-such-topic"))
out("commit partition 1:", commit(c, g, {1: 1}))
out("fetch partitions 0 and 1:", fetch_committed(c, g, partitions=(0, 1)))
out("fetch unknown topic:", fetch_committed(c, g, topic="no-such-topic"))
out("group that never committed:", fetch_committed(c, g + "-never"))
r = c.request("OffsetFetch", 8, groups=[{"group_id": g, "topics": None}, {"group_id": g + "-never", "topics": None}])
out("two groups in one v8 fetch:", [(x["group_id"] == g, err_name(x["error_code"]),
                                     [(p["partition_index"], p["committed_offset"]) for t in x["topics"]
                                      for p in t["partitions"]]) for x in r["groups"]])
describe_group(c, g)
