"""IncrementalAlterConfigs (v0, v1) on the scenario's topic: SET, DELETE, APPEND
and SUBTRACT, validate_only, what DescribeConfigs and a produce see afterwards
(a lowered max.message.bytes refuses the next batch), and every refusal: unknown
topic, illegal and empty names, unknown configs, bad values, APPEND/SUBTRACT on
a config that is not a list, null values, a name or resource twice, an unknown
operation, broker configs that cannot change at run time, another broker id.

Left out, with the reason in compat/DIFFERENCES.md ("Configs"): changes Kafka
makes and strand refuses (cleanup.policy=compact, dynamic broker configs and
log levels)."""
from common import *

c = Conn()
node = c.request("Metadata", 12, topics=[], allow_auto_topic_creation=False)["brokers"][0]["node_id"]


def alter(label, resources, validate_only=False, version=1):
    r = c.request("IncrementalAlterConfigs", version, resources=resources, validate_only=validate_only)
    for x in r["responses"]:
        out(f"{label} [{x['resource_type']} {x['resource_name'].replace(TOPIC, 'T')!r}] v{version}: "
            f"error={err_name(x['error_code'])} message={x['error_message']!r}")


def res(kind, name, *ops):
    return {"resource_type": kind, "resource_name": name,
            "configs": [{"name": n, "config_operation": o, "value": v} for n, o, v in ops]}


def show(label, *names):
    # Kafka's controller applies a change to the broker's view a moment after it answers.
    time.sleep(0.5)
    r = c.request("DescribeConfigs", 4, resources=[{"resource_type": 2, "resource_name": TOPIC,
                                                    "configuration_keys": list(names)}],
                  include_synonyms=True, include_documentation=False)["results"][0]
    for e in sorted(r["configs"], key=lambda e: e["name"]):
        out(f"  {label}: {e['name']}={e['value']!r} src={e['config_source']} "
            f"syn={[(s['name'], s['value'], s['source']) for s in e['synonyms']]}")


def produce(label, size):
    r = c.request("Produce", 9, acks=-1, timeout_ms=5000, transactional_id=None, topic_data=[
        {"name": TOPIC, "partition_data": [{"index": 0, "records": batch([(b"k", b"x" * size)])}]}])
    p = r["responses"][0]["partition_responses"][0]
    out(f"  produce {label} ({size} bytes of value): error={err_name(p['error_code'])}")


SET, DELETE, APPEND, SUBTRACT = 0, 1, 2, 3
alter("set", [res(2, TOPIC, ("retention.ms", SET, "3600000"), ("max.message.bytes", SET, "1000"))])
show("after set", "retention.ms", "max.message.bytes")
produce("over the new max", 2000)
produce("under it", 10)
alter("set validate_only", [res(2, TOPIC, ("retention.ms", SET, "2000"))], validate_only=True)
show("after validate_only", "retention.ms")
alter("v0 set", [res(2, TOPIC, ("segment.ms", SET, "100000"))], version=0)
show("after v0", "segment.ms")
alter("delete", [res(2, TOPIC, ("max.message.bytes", DELETE, None), ("segment.ms", DELETE, "ignored"))])
alter("delete unset and unknown", [res(2, TOPIC, ("flush.ms", DELETE, None), ("no.such", DELETE, None))])
show("after delete", "retention.ms", "max.message.bytes", "segment.ms")
produce("after the max is deleted", 2000)
R = "leader.replication.throttled.replicas"
alter("append", [res(2, TOPIC, (R, APPEND, "0:1"))])
alter("append more", [res(2, TOPIC, (R, APPEND, "1:1,0:1"))])
show("after append", R)
alter("subtract", [res(2, TOPIC, (R, SUBTRACT, "0:1"))])
alter("subtract absent", [res(2, TOPIC, (R, SUBTRACT, "5:1"))])
show("after subtract", R)
alter("append delete to cleanup.policy", [res(2, TOPIC, ("cleanup.policy", APPEND, "delete"))])
show("after append", "cleanup.policy")
alter("subtract delete from cleanup.policy", [res(2, TOPIC, ("cleanup.policy", SUBTRACT, "delete"))])
show("after subtract", "cleanup.policy")
alter("delete cleanup.policy", [res(2, TOPIC, ("cleanup.policy", DELETE, None))])
alter("append bad replica", [res(2, TOPIC, (R, APPEND, "zz"))])
alter("append bad policy", [res(2, TOPIC, ("cleanup.policy", APPEND, "foo"))])

alter("unknown topic", [res(2, TOPIC + "-nosuch", ("retention.ms", SET, "1"))])
alter("bad topic name", [res(2, "bad/name", ("retention.ms", SET, "1"))])
alter("empty topic name", [res(2, "", ("retention.ms", SET, "1"))])
alter("unknown config", [res(2, TOPIC, ("nope", SET, "1"))])
alter("unknown configs", [res(2, TOPIC, ("nope2", SET, "1"), ("nope", SET, "1"))])
alter("unknown before bad value", [res(2, TOPIC, ("retention.ms", SET, "x"), ("nope", SET, "1"))])
alter("bad value", [res(2, TOPIC, ("retention.ms", SET, "abc"))])
alter("two bad values", [res(2, TOPIC, ("segment.ms", SET, "x"), ("retention.ms", SET, "y"))])
alter("below minimum", [res(2, TOPIC, ("retention.ms", SET, "-5"))])
alter("conflict", [res(2, TOPIC, ("min.compaction.lag.ms", SET, "10"), ("max.compaction.lag.ms", SET, "5"))])
alter("remote storage", [res(2, TOPIC, ("remote.storage.enable", SET, "true"))])
alter("null value", [res(2, TOPIC, ("retention.ms", SET, None))])
alter("append null", [res(2, TOPIC, (R, APPEND, None))])
alter("append to a long", [res(2, TOPIC, ("retention.ms", APPEND, "5"))])
alter("subtract from a long", [res(2, TOPIC, ("retention.ms", SUBTRACT, "5"))])
alter("name twice", [res(2, TOPIC, ("retention.ms", SET, "1"), ("retention.ms", SET, "2"))])
alter("resource twice", [res(2, TOPIC, ("retention.ms", SET, "1")), res(2, TOPIC, ("segment.ms", SET, "2000"))])
alter("operation 4", [res(2, TOPIC, ("retention.ms", 4, "1"))])
alter("one good one unknown", [res(2, TOPIC, ("retention.ms", SET, "5000")),
                               res(2, TOPIC + "-nosuch", ("retention.ms", SET, "1"))])
show("after the refusals", "retention.ms", "segment.ms")

alter("read-only broker configs", [res(4, str(node), ("log.retention.hours", SET, "1"), ("broker.id", SET, "3"),
                                       ("log.dirs", SET, "/x"))], validate_only=True)
alter("read-only broker default", [res(4, "", ("log.retention.hours", SET, "1"))], validate_only=True)
alter("another broker", [res(4, str(node + 1), ("log.retention.ms", SET, "1"))], validate_only=True)
alter("broker not a number", [res(4, "abc", ("log.retention.ms", SET, "1"))], validate_only=True)
alter("another logger", [res(8, str(node + 1), ("root", SET, "DEBUG"))], validate_only=True)
alter("type 99", [res(99, "x", ("a", SET, "1"))])
