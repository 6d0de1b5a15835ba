"""ElectLeaders at every version on one-replica partitions: ELECTION_NOT_NEEDED,
unknown topics and partitions, a null partition list (every partition), a bad
election type and an expired timeout."""
import time

from common import *

c = Conn()
OTHER = TOPIC + "-e"
r = c.request("CreateTopics", 7, timeout_ms=10000, validate_only=False,
              topics=[{"name": OTHER, "num_partitions": 2, "replication_factor": 1, "assignments": [], "configs": []}])
assert r["topics"][0]["error_code"] in (0, 36), r
deadline = time.time() + 30
while time.time() < deadline:
    md = c.request("Metadata", 12, topics=[{"name": OTHER}], allow_auto_topic_creation=False,
                   include_topic_authorized_operations=False)
    if md["topics"][0]["error_code"] == 0 and len(md["topics"][0]["partitions"]) == 2:
        break
    time.sleep(0.1)
SHORT = {TOPIC: "T", OTHER: "E"}


def elect(label, version, partitions, election_type=0, timeout_ms=10000):
    fields = {} if version == 0 else {"election_type": election_type}
    r = c.request("ElectLeaders", version, timeout_ms=timeout_ms, topic_partitions=partitions, **fields)
    results = []
    for t in r["replica_election_results"]:
        if t["topic"] not in SHORT and partitions is None:
            continue  # another scenario's or an internal topic, on Kafka
        name = SHORT.get(t["topic"], t["topic"])
        results.append(f"{name}[" + ", ".join(
            f"{p['partition_id']}:{err_name(p['error_code'])}:{p['error_message']!r}"
            for p in t["partition_result"]) + "]")
    if partitions is None:
        results.sort()
    out(f"{label} v{version}: error={err_name(r.get('error_code', 0))} {results}")


named = [{"topic": TOPIC, "partitions": [0, 1, -1]}, {"topic": OTHER, "partitions": [1, 0, 1]},
         {"topic": TOPIC + "-nope", "partitions": [0]}, {"topic": "bad/name", "partitions": [0]},
         {"topic": OTHER, "partitions": []}]
for version in (0, 1, 2):
    elect("preferred", version, named)
elect("unclean", 2, named, election_type=1)
elect("every partition", 1, None)
elect("every partition, unclean", 2, None, election_type=1)
elect("nothing", 2, [])
elect("election type 2", 2, [{"topic": TOPIC, "partitions": [0]}], election_type=2)
elect("election type -1, every partition", 1, None, election_type=-1)
elect("timeout 0", 1, [{"topic": TOPIC, "partitions": [0]}], timeout_ms=0)
elect("timeout -1", 0, [{"topic": TOPIC, "partitions": [0]}], timeout_ms=-1)
elect("timeout 1", 2, [{"topic": TOPIC, "partitions": [0]}], timeout_ms=1)
