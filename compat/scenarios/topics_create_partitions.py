"""CreatePartitions: growing a topic (then producing to, fetching from and listing
the new partitions), validate_only, shrinking or keeping the count
(INVALID_PARTITIONS), an unknown topic, assignments (right, wrong broker, wrong
count), a topic twice in one request, then what Metadata shows."""
from common import *

c = Conn()
node = c.request("Metadata", 12, topics=[], allow_auto_topic_creation=False)["brokers"][0]["node_id"]


def metadata(name):
    return c.request("Metadata", 12, topics=[{"name": name}], allow_auto_topic_creation=False,
                     include_topic_authorized_operations=False)["topics"][0]


def grow(label, topics, validate_only=False, version=3):
    r = c.request("CreatePartitions", version, timeout_ms=10000, validate_only=validate_only,
                  topics=[{"name": n, "count": k, "assignments": a} for n, k, a in topics])
    for t in r["results"]:
        message = (t.get("error_message") or "").replace(TOPIC, "T")
        out(f"{label} [{t['name'].replace(TOPIC, 'T')}] v{version}: error={err_name(t['error_code'])} {message!r}")


def partitions(name, want=None):
    if want is not None:
        wait_until(lambda: len(metadata(name)["partitions"]) == want and
                   all(p["leader_id"] >= 0 for p in metadata(name)["partitions"]))
    m = metadata(name)
    return f"error={err_name(m['error_code'])} partitions={sorted(p['partition_index'] for p in m['partitions'])}"


fill(c, batches=1)
grow("to 3", [(TOPIC, 3, None)])
out(f"after to 3: {partitions(TOPIC, 3)}")
for part in (1, 2):
    show_produce(produce(c, batch(records(2, prefix=f"p{part}")), partition=part), f"produce p{part}")
    show_fetch(fetch(c, 0, partition=part), f"fetch p{part}")
    show_list_offsets(list_offsets(c, -1, partition=part), f"latest p{part}")
grow("validate to 5", [(TOPIC, 5, None)], validate_only=True)
out(f"after validate: {partitions(TOPIC)}")
grow("to 2", [(TOPIC, 2, None)])
grow("to 3 again", [(TOPIC, 3, None)])
grow("to 0", [(TOPIC, 0, None)])
grow("unknown topic", [(TOPIC + "-none", 2, None)])
grow("invalid name", [("bad/name", 2, None)])
grow("assignment", [(TOPIC, 4, [{"broker_ids": [node]}])])
out(f"after assignment: {partitions(TOPIC, 4)}")
grow("assignment to another broker", [(TOPIC, 5, [{"broker_ids": [node + 100]}])])
grow("too few assignments", [(TOPIC, 6, [{"broker_ids": [node]}])])
grow("too many assignments", [(TOPIC, 5, [{"broker_ids": [node]}, {"broker_ids": [node]}])])
grow("empty assignment", [(TOPIC, 5, [{"broker_ids": []}])])
grow("twice in one request", [(TOPIC, 6, None), (TOPIC, 7, None)])
grow("v0", [(TOPIC, 5, None)], version=0)
out(f"at the end: {partitions(TOPIC, 5)}")
