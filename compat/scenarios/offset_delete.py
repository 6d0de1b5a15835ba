"""OffsetDelete (KIP-496): refused for a topic the live members subscribe to
(GROUP_SUBSCRIBED_TO_TOPIC), accepted once they left; an unknown group is
GROUP_ID_NOT_FOUND; a partition without a committed offset is no error."""
from common import *

c = Conn()
g = GROUP


def delete(group, topic=None, parts=(0,)):
    r = c.request("OffsetDelete", 0, group_id=group,
                  topics=[{"name": topic or TOPIC, "partitions": [{"partition_index": p} for p in parts]}])
    # Sorted: Kafka answers partitions in no particular order.
    return f"error={err_name(r['error_code'])} " + " ".join(sorted(
        f"{'T' if t['name'] == TOPIC else t['name']}/{p['partition_index']}={err_name(p['error_code'])}"
        for t in r["topics"] for p in t["partitions"]))


out("unknown group:", delete(g + "-unknown"))
a = Member(g, "A")
a.join()
a.sync({a.member_id: assignment({TOPIC: [0]})})
out("commit:", commit(c, g, {0: 4}, generation=a.generation, member_id=a.member_id))
out("delete while A subscribes:", delete(g))
out("committed:", fetch_committed(c, g))
a.leave()
out("delete partition 0 and 1 after A left:", delete(g, parts=(0, 1)))
out("committed:", fetch_committed(c, g))
out("delete again:", delete(g))
commit(c, g + "-simple", {0: 7})
out("delete other topic in a simple group:", delete(g + "-simple", topic="no-such-topic"))
out("delete in a simple group:", delete(g + "-simple"))
out("committed:", fetch_committed(c, g + "-simple"))
describe_group(c, g + "-simple")
