"""DescribeLogDirs: the one log dir (an absolute path; the path itself differs by
nature), its partitions' sizes (the same bytes on both brokers: the records are
stored as produced), offset lag 0, no future replicas, the volume's total and usable
bytes from v4 (compared only as plausible), at v1-v4; topic filters: null for all,
named partitions, unknown topics and partitions, a topic with no partitions asked,
an empty list, a partition asked twice; sizes after DeleteRecords. Only this
scenario's topics are printed: the reference Kafka hosts others."""
from common import *

c = Conn()
NOW = int(time.time() * 1000) - 60_000
TWO = TOPIC + "-two"


def mine(t):
    return t == TOPIC or t == TWO


def describe(label, topics, version=4):
    r = c.request("DescribeLogDirs", version, topics=topics)
    line = f"{label} v{version}: error={err_name(r.get('error_code', 0))} dirs={len(r['results'])}"
    out(line)
    for d in r["results"]:
        space = ""
        if version >= 4:
            space = (f" total_bytes>0={d['total_bytes'] > 0} "
                     f"0<=usable_bytes<=total_bytes={0 <= d['usable_bytes'] <= d['total_bytes']}")
        out(f"  dir error={err_name(d['error_code'])} absolute={d['log_dir'].startswith('/')}{space}")
        for t in sorted(d["topics"], key=lambda t: t["name"]):
            if not mine(t["name"]):
                continue
            parts = sorted((p["partition_index"], p["partition_size"], p["offset_lag"], p["is_future_key"])
                           for p in t["partitions"])
            out(f"    {t['name'].replace(TOPIC, 'T')}: " + " ".join(
                f"{i}:size={s},lag={lag},future={fut}" for i, s, lag, fut in parts))


def produce_to(topic, partition, n, start):
    p = produce(c, batch(records(n, start=start), ts=NOW + start), topic=topic, partition=partition)
    assert p["error_code"] == 0, p


describe("empty topic", None)
produce_to(TOPIC, 0, 5, 0)
produce_to(TOPIC, 0, 7, 5)
r = c.request("CreateTopics", 7, timeout_ms=30000, validate_only=False,
              topics=[{"name": TWO, "num_partitions": 2, "replication_factor": 1, "assignments": [], "configs": []}])
out("create T-two:", err_name(r["topics"][0]["error_code"]))
wait_until(lambda: all(list_offsets(c, -1, topic=TWO, partition=p)["error_code"] == 0 for p in (0, 1)))
produce_to(TWO, 1, 3, 0)
for v in (1, 2, 3, 4):
    describe("all", None, version=v)
describe("T/0", [{"topic": TOPIC, "partitions": [0]}])
describe("T/0 and T/7, unknown topic", [{"topic": TOPIC, "partitions": [0, 7]}, {"topic": "no-such-topic", "partitions": [0]}])
describe("T-two/1", [{"topic": TWO, "partitions": [1]}], version=1)
describe("T-two with no partitions", [{"topic": TWO, "partitions": []}])
describe("T/0 twice, T-two/0", [{"topic": TOPIC, "partitions": [0, 0]}, {"topic": TOPIC, "partitions": [0]},
                                {"topic": TWO, "partitions": [0]}])
describe("empty list", [])
d = c.request("DeleteRecords", 2, timeout_ms=30000, topics=[{"name": TOPIC, "partitions": [{"partition_index": 0, "offset": -1}]}])
out("delete records to the high watermark:", err_name(d["topics"][0]["partitions"][0]["error_code"]))
describe("T after DeleteRecords", [{"topic": TOPIC, "partitions": [0]}])
