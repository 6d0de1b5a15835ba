"""CreateTopics beyond the scenario's topic: real creates with partitions, replica
assignments and configs, validate_only, and each argument Kafka refuses (partition
counts, replication factors, assignments, names, configs, a topic twice in one
request). Prints each topic's error, partition count, replication factor and the
configs the answer carries, then what Metadata shows for the created topics."""
from common import *

c = Conn()


def show(label, t, with_configs):
    out(f"{label}: error={err_name(t['error_code'])} num_partitions={t.get('num_partitions')} "
        f"rf={t.get('replication_factor')}")
    if with_configs:
        cfgs = {x["name"]: x for x in t.get("configs") or []}
        shown = " ".join(f"{k}={cfgs[k]['value']}(src={cfgs[k]['config_source']},ro={cfgs[k]['read_only']})"
                         for k in ("cleanup.policy", "retention.ms", "message.timestamp.type") if k in cfgs)
        out(f"  configs: {len(cfgs) > 0} {shown}")


def create(label, topics, validate_only=False, version=7, with_configs=False):
    """WITH_CONFIGS: also print some of the configs a v5+ answer carries."""
    r = c.request("CreateTopics", version, timeout_ms=10000, validate_only=validate_only, topics=topics)
    for t in r["topics"]:
        show(f"{label} [{t['name'].replace(TOPIC, 'T')}] v{version}", t, with_configs)


def topic(name, partitions=1, rf=1, assignments=(), configs=()):
    return {"name": name, "num_partitions": partitions, "replication_factor": rf,
            "assignments": [{"partition_index": p, "broker_ids": b} for p, b in assignments],
            "configs": [{"name": k, "value": v} for k, v in configs]}


node = c.request("Metadata", 12, topics=[], allow_auto_topic_creation=False)["brokers"][0]["node_id"]

create("three partitions", [topic(TOPIC + "-three", partitions=3)], with_configs=True)
create("again", [topic(TOPIC + "-three", partitions=3)])
create("default partitions and rf", [topic(TOPIC + "-defaults", partitions=-1, rf=-1)])
create("with configs", [topic(TOPIC + "-cfg", configs=[("retention.ms", "3600000"),
                                                       ("message.timestamp.type", "LogAppendTime")])],
       with_configs=True)
create("v4", [topic(TOPIC + "-v4", partitions=2)], version=4)
create("validate only", [topic(TOPIC + "-vo", partitions=4)], validate_only=True)
create("assignments", [topic(TOPIC + "-assign", partitions=-1, rf=-1, assignments=[(0, [node]), (1, [node])])])
create("assignment to an unknown broker", [topic(TOPIC + "-assign-bad", partitions=-1, rf=-1,
                                                 assignments=[(0, [node + 100])])])
create("assignment with partitions set", [topic(TOPIC + "-assign-both", partitions=2, assignments=[(0, [node])])])
create("assignment gap", [topic(TOPIC + "-assign-gap", partitions=-1, rf=-1, assignments=[(0, [node]), (2, [node])])])
create("zero partitions", [topic(TOPIC + "-zero", partitions=0)])
create("partitions -2", [topic(TOPIC + "-neg", partitions=-2)])
create("rf 0", [topic(TOPIC + "-rf0", rf=0)])
create("rf 2", [topic(TOPIC + "-rf2", rf=2)])
create("rf -2", [topic(TOPIC + "-rfneg", rf=-2)])
create("bad name", [topic("bad/name")])
create("dot", [topic(".")])
create("dotdot", [topic("..")])
create("empty name", [topic("")])
create("249 chars", [topic(TOPIC + "-" + "x" * (248 - len(TOPIC)))])
create("250 chars", [topic(TOPIC + "-" + "x" * (249 - len(TOPIC)))])
create("collides with dot", [topic(TOPIC + ".three")])
create("collides with underscore", [topic(TOPIC + "_three")])
create("unknown config", [topic(TOPIC + "-cfg-unknown", configs=[("no.such.config", "1")])])
create("bad config value", [topic(TOPIC + "-cfg-bad", configs=[("retention.ms", "soon")])])
create("compact", [topic(TOPIC + "-compact", configs=[("cleanup.policy", "compact")])], validate_only=True)
create("twice in one request", [topic(TOPIC + "-twice"), topic(TOPIC + "-once"), topic(TOPIC + "-twice")],
       validate_only=True)
create("one good one bad", [topic(TOPIC + "-good"), topic(TOPIC + "-bad", partitions=0)])


def described(names):
    r = c.request("Metadata", 12, topics=[{"name": n} for n in names], allow_auto_topic_creation=False,
                  include_topic_authorized_operations=False)
    return r["topics"]


created = [TOPIC + s for s in ("-three", "-defaults", "-cfg", "-v4", "-assign", "-good", "-vo", "-zero", "-twice")]
wait_until(lambda: all(t["error_code"] in (0, 3) and all(p["leader_id"] >= 0 for p in t["partitions"])
                       for t in described(created)))
for t in sorted(described(created), key=lambda t: t["name"]):
    out(f"metadata {t['name'].replace(TOPIC, 'T')}: error={err_name(t['error_code'])} "
        f"partitions={sorted(p['partition_index'] for p in t['partitions'])} "
        f"leaders={sorted(set(p['leader_id'] == node for p in t['partitions']))}")
