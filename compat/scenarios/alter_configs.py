"""AlterConfigs (v0-v2), Kafka's legacy alter that replaces a resource's whole set
of dynamic configs: a topic's overrides replaced (those not given dropped),
validate_only, an empty set, what DescribeConfigs and a produce see afterwards,
and every refusal (unknown topic, illegal and empty names, unknown configs, bad
and null values, a name twice, read-only broker configs, another broker id,
resource types the legacy API does not take). A resource named twice makes Kafka
close the connection; that is the last step.

Left out, with the reason in compat/DIFFERENCES.md ("Configs"): changes Kafka
makes and strand refuses (cleanup.policy=compact, dynamic broker configs)."""
from common import *

c = Conn()
node = c.request("Metadata", 12, topics=[], allow_auto_topic_creation=False)["brokers"][0]["node_id"]


def alter(label, resources, validate_only=False, version=2, conn=None):
    r = (conn or c).outcome("AlterConfigs", version, resources=resources, validate_only=validate_only)
    if r == "closed":
        out(f"{label} v{version}: connection closed")
        return
    for x in r["responses"]:
        out(f"{label} [{x['resource_type']} {x['resource_name'].replace(TOPIC, 'T')!r}] v{version}: "
            f"error={err_name(x['error_code'])} message={x['error_message']!r}")


def res(kind, name, *configs):
    return {"resource_type": kind, "resource_name": name, "configs": [{"name": n, "value": v} for n, v in configs]}


def show(label):
    # Kafka's controller applies a change to the broker's view a moment after it answers.
    time.sleep(0.5)
    r = c.request("DescribeConfigs", 4, resources=[{"resource_type": 2, "resource_name": TOPIC,
                                                    "configuration_keys": None}],
                  include_synonyms=False, include_documentation=False)["results"][0]
    own = sorted((e["name"], e["value"]) for e in r["configs"] if e["config_source"] == 1)
    out(f"  {label}: the topic's own configs: {own}")


def produce(label, size):
    r = c.request("Produce", 9, acks=-1, timeout_ms=5000, transactional_id=None, topic_data=[
        {"name": TOPIC, "partition_data": [{"index": 0, "records": batch([(b"k", b"x" * size)])}]}])
    p = r["responses"][0]["partition_responses"][0]
    out(f"  produce {label} ({size} bytes of value): error={err_name(p['error_code'])}")


alter("replace", [res(2, TOPIC, ("retention.ms", "3600000"), ("segment.ms", "100000"))])
show("after replace")
alter("replace again", [res(2, TOPIC, ("max.message.bytes", "1000"))])
show("after replace again")
produce("over the new max", 2000)
alter("validate_only", [res(2, TOPIC, ("retention.ms", "77777"))], validate_only=True)
show("after validate_only")
alter("v0", [res(2, TOPIC, ("retention.ms", "88888"), ("max.message.bytes", "1000"))], version=0)
alter("v1", [res(2, TOPIC, ("retention.ms", "99999"), ("max.message.bytes", "1000"))], version=1)
show("after v0 and v1")
alter("empty", [res(2, TOPIC)])
show("after empty")
produce("after the max is dropped", 2000)

alter("unknown topic", [res(2, TOPIC + "-nosuch", ("retention.ms", "1"))])
alter("bad topic name", [res(2, "bad/name", ("retention.ms", "1"))])
alter("empty topic name", [res(2, "", ("retention.ms", "1"))])
alter("unknown config", [res(2, TOPIC, ("nope", "1"))])
alter("bad value", [res(2, TOPIC, ("retention.ms", "x"))])
alter("null value", [res(2, TOPIC, ("retention.ms", None))])
alter("name twice", [res(2, TOPIC, ("retention.ms", "1"), ("retention.ms", "2"))])
alter("one good one unknown", [res(2, TOPIC, ("retention.ms", "5000")), res(2, TOPIC + "-nosuch", ("retention.ms", "1"))])
show("after the refusals")
alter("read-only broker config", [res(4, str(node), ("log.retention.hours", "1"))], validate_only=True)
alter("another broker", [res(4, str(node + 1), ("log.retention.ms", "1"))], validate_only=True)
alter("broker not a number", [res(4, "abc", ("log.retention.ms", "1"))], validate_only=True)
alter("broker logger", [res(8, str(node), ("root", "DEBUG"))], validate_only=True)
alter("type 99", [res(99, "x", ("a", "1"))])
alter("resource twice", [res(2, TOPIC, ("retention.ms", "1")), res(2, TOPIC, ("retention.ms", "2"))])
c = Conn()
show("after the connection was closed")
