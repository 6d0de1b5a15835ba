"""One request over several partitions and topics: Produce to three partitions of
a new topic and the scenario's topic at once, Fetch them together (no limit,
a response limit that ends in the second partition, KIP-74's first batch over the
limit, per-partition limits, a partition that does not exist among them),
ListOffsets for all partitions, and OffsetCommit / OffsetFetch across both topics
(OffsetFetch for all of a group's partitions included). Results print sorted by
topic and partition: Kafka orders them by its internal maps (errors first in
ListOffsets and OffsetCommit, last in Fetch), which no client relies on."""
import common
from common import *

c = Conn()
M = TOPIC + "-m"
r = c.request("CreateTopics", 7, timeout_ms=10000, validate_only=False,
              topics=[{"name": M, "num_partitions": 3, "replication_factor": 1, "assignments": [], "configs": []}])
assert r["topics"][0]["error_code"] == 0, r
wait_until(lambda: all(p["leader_id"] >= 0 for p in c.request(
    "Metadata", 12, topics=[{"name": M}], allow_auto_topic_creation=False)["topics"][0]["partitions"]) and
           len(c.request("Metadata", 12, topics=[{"name": M}], allow_auto_topic_creation=False)["topics"][0]["partitions"]) == 3)


def short(name):
    return name.replace(TOPIC, "T")


def produce_many(parts):
    """PARTS: {(topic, partition): batch bytes}, in one request."""
    topics = {}
    for (t, p), data in parts.items():
        topics.setdefault(t, []).append({"index": p, "records": data})
    resp = c.request("Produce", 9, acks=-1, timeout_ms=10000, transactional_id=None,
                     topic_data=[{"name": t, "partition_data": ps} for t, ps in topics.items()])
    for t in sorted(resp["responses"], key=lambda t: t["name"]):
        for p in sorted(t["partition_responses"], key=lambda p: p["index"]):
            out(f"produce {short(t['name'])}/{p['index']}: error={err_name(p['error_code'])} "
                f"base_offset={p['base_offset']}")


def fetch_many(label, parts, max_bytes=52428800, partition_max_bytes=1048576, version=12):
    topics = {}
    for t, p in parts:
        topics.setdefault(t, []).append({"partition": p, "fetch_offset": 0, "partition_max_bytes": partition_max_bytes,
                                         "log_start_offset": -1, "current_leader_epoch": -1,
                                         "last_fetched_epoch": -1})
    resp = c.request("Fetch", version, replica_id=-1, max_wait_ms=0, min_bytes=0, max_bytes=max_bytes,
                     isolation_level=0, session_id=0, session_epoch=-1,
                     topics=[{"topic": t, "partitions": ps} for t, ps in topics.items()],
                     forgotten_topics_data=[], rack_id="")
    out(f"{label}: error={err_name(resp.get('error_code', 0))}")
    for t in sorted(resp["responses"], key=lambda t: t["topic"]):
        for p in sorted(t["partitions"], key=lambda p: p["partition_index"]):
            batches, partial = parse_batches(p["records"])
            out(f"  {short(t['topic'])}/{p['partition_index']}: error={err_name(p['error_code'])} "
                f"hw={p['high_watermark']} batches={[(b.base_offset, b.records_count) for b in batches]} "
                f"trailing_partial={partial > 0}")


produce_many({(M, 0): batch(records(3, prefix="a", size=100)), (M, 1): batch(records(2, prefix="b", size=100)),
              (M, 2): batch(records(1, prefix="c", size=100)), (TOPIC, 0): batch(records(4, prefix="t"))})
produce_many({(M, 0): batch(records(2, prefix="a2", size=100), ts=T0 + 1000),
              (M, 1): batch(records(1, prefix="b2", size=100), ts=T0 + 1000), (M, 7): batch(records(1))})
every = [(M, 0), (M, 1), (M, 2), (TOPIC, 0)]
fetch_many("fetch all", every)
fetch_many("fetch all, max_bytes 1", every, max_bytes=1)
fetch_many("fetch all, max_bytes 700", every, max_bytes=700)
fetch_many("fetch all, partition_max_bytes 1", every, partition_max_bytes=1)
fetch_many("fetch with a missing partition", [(M, 0), (M, 7), (M, 2)])
fetch_many("fetch v4 (no KIP-74 first batch rule for partitions)", every, partition_max_bytes=1, version=4)

for ts, label in ((-1, "latest"), (-2, "earliest"), (-3, "max timestamp"), (T0 + 500, "by time T0+500")):
    resp = c.request("ListOffsets", 9, replica_id=-1, isolation_level=0, timeout_ms=10000,
                     topics=[{"name": M, "partitions": [{"partition_index": p, "timestamp": ts,
                                                         "current_leader_epoch": -1} for p in (0, 1, 2, 5)]}])
    for p in sorted(resp["topics"][0]["partitions"], key=lambda p: p["partition_index"]):
        out(f"list {label} {short(M)}/{p['partition_index']}: error={err_name(p['error_code'])} "
            f"offset={p['offset']} timestamp={common._ts(p['timestamp'])}")

r = c.request("OffsetCommit", 8, group_id=GROUP, generation_id_or_member_epoch=-1, member_id="",
              group_instance_id=None, retention_time_ms=-1,
              topics=[{"name": M, "partitions": [{"partition_index": p, "committed_offset": o, "committed_leader_epoch": -1,
                                                  "committed_metadata": f"m{p}"} for p, o in ((0, 5), (1, 2), (2, 1), (9, 1))]},
                      {"name": TOPIC, "partitions": [{"partition_index": 0, "committed_offset": 3,
                                                      "committed_leader_epoch": -1, "committed_metadata": None}]}])
out("commit: " + " ".join(f"{short(t['name'])}/{p['partition_index']}={err_name(p['error_code'])}"
                          for t in sorted(r["topics"], key=lambda t: t["name"])
                          for p in sorted(t["partitions"], key=lambda p: p["partition_index"])))
out(f"offset fetch named: {fetch_committed(c, GROUP, partitions=(0, 1, 2), topic=M).replace(TOPIC, 'T')}")
out(f"offset fetch all: {fetch_committed(c, GROUP, partitions=None).replace(TOPIC, 'T')}")
