"""ListPartitionReassignments: none in progress, for every topic, for named ones
(known or not) and before and after a reassignment of a partition to the broker
that already holds it."""
from common import *

c = Conn()


def listed(label, topics, timeout_ms=10000):
    r = c.request("ListPartitionReassignments", 0, timeout_ms=timeout_ms, topics=topics)
    out(f"{label}: error={err_name(r['error_code'])} message={r['error_message']!r} topics={r['topics']}")


listed("every topic", None)
listed("named", [{"name": TOPIC, "partition_indexes": [0, 9]}, {"name": TOPIC + "-nope", "partition_indexes": [0]},
                 {"name": "bad/name", "partition_indexes": [0]}])
listed("empty list", [])
listed("timeout 0", None, timeout_ms=0)
md = c.request("Metadata", 12, topics=[{"name": TOPIC}], allow_auto_topic_creation=False,
               include_topic_authorized_operations=False)
leader = md["topics"][0]["partitions"][0]["leader_id"]
r = c.request("AlterPartitionReassignments", 0, timeout_ms=10000,
              topics=[{"name": TOPIC, "partitions": [{"partition_index": 0, "replicas": [leader]}]}])
out(f"reassign to the leader itself: {err_name(r['responses'][0]['partitions'][0]['error_code'])}")
listed("after it", None)
