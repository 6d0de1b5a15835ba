"""Metadata with several topics of several partitions: for all topics (null list,
at several versions; only this scenario's topics are printed, as the reference
broker holds other scenarios' too), for a subset in a given order, with a name
twice, and with unknown names among known ones."""
import uuid
from common import *

c = Conn()
names = {TOPIC + "-a": 3, TOPIC + "-b": 1, TOPIC + "-c": 5}
r = c.request("CreateTopics", 7, timeout_ms=10000, validate_only=False,
              topics=[{"name": n, "num_partitions": k, "replication_factor": 1, "assignments": [], "configs": []}
                      for n, k in names.items()])
out(f"created: {[err_name(t['error_code']) for t in r['topics']]}")
mine = lambda t: t["name"] is not None and t["name"].startswith(TOPIC)


def ready():
    md = c.request("Metadata", 12, topics=None, allow_auto_topic_creation=False)
    ts = [t for t in md["topics"] if mine(t)]
    return len(ts) == 4 and all(p["leader_id"] >= 0 for t in ts for p in t["partitions"])


wait_until(ready)


def show(label, r, in_order=False):
    ts = [t for t in r["topics"] if mine(t) or t["name"] is None or not in_order]
    if not in_order:
        ts = sorted((t for t in ts if mine(t)), key=lambda t: t["name"])
    for t in ts:
        tid = t.get("topic_id")
        parts = sorted(t["partitions"], key=lambda p: p["partition_index"])
        out(f"{label} {(t['name'] or 'null').replace(TOPIC, 'T')}: error={err_name(t['error_code'])} "
            f"internal={t.get('is_internal')} id={'set' if tid and tid != uuid.UUID(int=0) else tid} "
            f"partitions={[p['partition_index'] for p in parts]} "
            f"leaders={sorted(set(p['leader_id'] for p in parts))} "
            f"replicas={sorted(set(tuple(p['replica_nodes']) for p in parts))} "
            f"epochs={sorted(set(p.get('leader_epoch', -1) >= 0 for p in parts))}")


for v in (1, 4, 9, 12):
    req = {"topics": None}
    if v >= 4:
        req["allow_auto_topic_creation"] = False
    show(f"all v{v}", c.request("Metadata", v, **req))
show("subset", c.request("Metadata", 12, topics=[{"name": TOPIC + "-c"}, {"name": TOPIC + "-a"}],
                         allow_auto_topic_creation=False), in_order=True)
show("twice", c.request("Metadata", 12, topics=[{"name": TOPIC + "-b"}, {"name": TOPIC + "-b"}],
                        allow_auto_topic_creation=False), in_order=True)
show("with unknown", c.request("Metadata", 12, topics=[{"name": TOPIC + "-x"}, {"name": TOPIC + "-b"},
                                                       {"name": "bad/name"}],
                               allow_auto_topic_creation=False), in_order=True)
ids = c.request("Metadata", 12, topics=None, allow_auto_topic_creation=False)["topics"]
by_id = [t["topic_id"] for t in ids if mine(t) and t["name"] == TOPIC + "-a"]
show("by id", c.request("Metadata", 12, topics=[{"name": None, "topic_id": by_id[0]}],
                        allow_auto_topic_creation=False), in_order=True)
