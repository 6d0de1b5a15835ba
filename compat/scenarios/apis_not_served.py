"""APIs strand did not serve before issues 15 and 16, as a client calls them: the
answer's error codes, or "closed" (what a broker does with an API it does not
enable). Kafka serves them all, and since issue 16 so does strand."""
from common import *


def call(label, api, version, **fields):
    c = Conn()
    r = c.outcome(api, version, **fields)
    if r == "closed":
        out(f"{label}: closed")
        return
    codes = []

    def walk(v):
        if isinstance(v, dict):
            for k, x in v.items():
                if k == "error_code":
                    codes.append(err_name(x))
                else:
                    walk(x)
        elif isinstance(v, list):
            for x in v:
                walk(x)
    walk(r)
    out(f"{label}: answered, error codes {sorted(set(codes))}")


call("DescribeConfigs (topic)", "DescribeConfigs", 4,
     resources=[{"resource_type": 2, "resource_name": TOPIC, "configuration_keys": None}],
     include_synonyms=False, include_documentation=False)
call("DeleteTopics (another topic)", "DeleteTopics", 4, topic_names=[TOPIC + "-none"], timeout_ms=1000)
call("CreatePartitions (to 2)", "CreatePartitions", 1,
     topics=[{"name": TOPIC, "count": 2, "assignments": None}], timeout_ms=1000, validate_only=True)
call("DeleteRecords (before offset 0)", "DeleteRecords", 2,
     topics=[{"name": TOPIC, "partitions": [{"partition_index": 0, "offset": 0}]}], timeout_ms=1000)
call("OffsetForLeaderEpoch", "OffsetForLeaderEpoch", 4, replica_id=-1,
     topics=[{"topic": TOPIC, "partitions": [{"partition": 0, "current_leader_epoch": -1, "leader_epoch": 0}]}])
call("DescribeProducers", "DescribeProducers", 0, topics=[{"name": TOPIC, "partition_indexes": [0]}])
call("DescribeLogDirs", "DescribeLogDirs", 1, topics=None)
