"""DescribeConfigs (v1-v4) of a topic, the broker, the cluster-wide broker
defaults and the broker's loggers: every topic config with its value, source,
type and synonyms (a topic without and with overrides), `configuration_keys`,
documentation presence by version, the broker configs whose values both brokers
share, and every refusal (unknown topic, illegal names, another broker id, a
name that is not a number, resource types strand does not serve).

Left out, with the reason in compat/DIFFERENCES.md ("Configs"): min.insync.replicas
(a fresh Kafka 4 has it as a cluster-wide dynamic default, ELR), read_only of the
broker configs (strand changes none at run time) and the broker configs whose
values come from how each broker was started (listeners, log.dirs, ...)."""
from common import *

c = Conn()
node = c.request("Metadata", 12, topics=[], allow_auto_topic_creation=False)["brokers"][0]["node_id"]
SKIP = {"min.insync.replicas"}


def describe(resources, version=4, synonyms=True, docs=False):
    return c.request("DescribeConfigs", version, resources=resources, include_synonyms=synonyms,
                     include_documentation=docs)["results"]


def res(kind, name, keys=None):
    return {"resource_type": kind, "resource_name": name, "configuration_keys": keys}


def show_result(label, r, names=None, ro=True, count=True):
    n = len([e for e in r["configs"] if e["name"] not in SKIP])
    out(f"{label}: error={err_name(r['error_code'])} message={r['error_message']!r}" + (f" configs={n}" if count else ""))
    for e in sorted(r["configs"], key=lambda e: e["name"]):
        if e["name"] in SKIP or (names is not None and e["name"] not in names):
            continue
        syn = [(s["name"], s["value"], s["source"]) for s in e["synonyms"]]
        doc = e.get("documentation")
        out(f"  {e['name']}={e['value']} src={e['config_source']} " + (f"ro={e['read_only']} " if ro else "") +
            f"sensitive={e['is_sensitive']} type={e.get('config_type')} doc={None if doc is None else bool(doc)} syn={syn}")


r = c.request("CreateTopics", 7, timeout_ms=10000, validate_only=False, topics=[
    {"name": TOPIC + "-cfg", "num_partitions": 1, "replication_factor": 1, "assignments": [],
     "configs": [{"name": "retention.ms", "value": "3600000"}, {"name": "max.message.bytes", "value": "5000"},
                 {"name": "cleanup.policy", "value": "delete"}, {"name": "segment.ms", "value": "100000"}]}])
out("create:", err_name(r["topics"][0]["error_code"]))

show_result("topic", describe([res(2, TOPIC)])[0])
show_result("topic with overrides", describe([res(2, TOPIC + "-cfg")])[0])
show_result("keys", describe([res(2, TOPIC + "-cfg", ["segment.bytes", "retention.ms", "nope", "retention.ms"])],
                             synonyms=False)[0])
show_result("empty keys", describe([res(2, TOPIC, [])], synonyms=False)[0], names=set())
for version in (1, 2, 3, 4):
    for docs in (False, True):
        show_result(f"v{version} docs={docs}", describe([res(2, TOPIC, ["retention.ms"])], version=version,
                                                        docs=docs)[0])

BROKER_SHARED = {"message.max.bytes", "log.segment.bytes", "log.retention.bytes", "log.retention.ms",
                 "log.retention.minutes", "log.retention.hours", "log.roll.ms", "log.roll.hours",
                 "log.flush.interval.messages", "log.flush.interval.ms", "log.flush.scheduler.interval.ms",
                 "log.index.interval.bytes", "log.index.size.max.bytes", "log.cleanup.policy", "compression.type",
                 "log.message.timestamp.type", "log.cleaner.min.cleanable.ratio", "ssl.key.password",
                 "ssl.keystore.password", "ssl.truststore.password", "log.preallocate",
                 "max.connections.per.ip", "max.connections.per.ip.overrides", "max.connection.creation.rate",
                 "quota.window.num", "quota.window.size.seconds"}
show_result("broker", describe([res(4, str(node))])[0], names=BROKER_SHARED, ro=False, count=False)
show_result("broker keys", describe([res(4, str(node), ["log.retention.ms", "log.retention.hours", "nope"])])[0],
            ro=False)
show_result("broker defaults", describe([res(4, "")])[0], ro=False)
show_result("broker logger root", describe([res(8, str(node), ["root"])])[0], ro=False)
show_result("broker logger root with docs", describe([res(8, str(node), ["root"])], docs=True)[0], ro=False)

for label, kind, name in [("unknown topic", 2, TOPIC + "-nosuch"), ("bad topic name", 2, "bad/name"),
                          ("empty topic name", 2, ""), ("dot topic", 2, "."),
                          ("another broker", 4, str(node + 1)), ("broker -1", 4, "-1"),
                          ("broker not a number", 4, "abc"), ("broker with a space", 4, " " + str(node)),
                          ("another logger", 8, str(node + 1)), ("empty logger", 8, ""),
                          ("logger not a number", 8, "abc"), ("type 0", 0, "x"), ("type 99", 99, "x")]:
    show_result(label, describe([res(kind, name)])[0])

rs = describe([res(2, TOPIC, ["retention.ms"]), res(2, TOPIC, ["segment.ms"]), res(2, TOPIC + "-nosuch")])
for r in rs:
    show_result(f"several [{r['resource_name'].replace(TOPIC, 'T')}]", r)
