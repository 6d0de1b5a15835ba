"""Metadata for unknown topics, with and without allow_auto_topic_creation (Kafka
here has auto.create.topics.enable=false, as strand never creates), and for all
topics (the scenario's topic is among them)."""
from common import *

c = Conn()
for v in (1, 4, 12):
    for auto in (False, True):
        req = {"topics": [{"name": "no-such-topic"}, {"name": TOPIC}]}
        if v >= 4:
            req["allow_auto_topic_creation"] = auto
        elif auto:
            continue
        r = c.request("Metadata", v, **req)
        for t in sorted(r["topics"], key=lambda t: t["name"] != TOPIC):
            out(f"v{v} auto={auto} {'T' if t['name'] == TOPIC else t['name']}: error={err_name(t['error_code'])} "
                f"partitions={len(t['partitions'])}")
r = c.request("Metadata", 12, topics=None, allow_auto_topic_creation=False)
names = [t["name"] for t in r["topics"]]
out(f"all topics: scenario topic listed={TOPIC in names} no-such-topic listed={'no-such-topic' in names}")
r = c.request("Metadata", 12, topics=[], allow_auto_topic_creation=False)
out(f"empty topic list: topics={len(r['topics'])} brokers={len(r['brokers'])}")
r = c.request("Metadata", 12, topics=[{"name": "bad/name"}], allow_auto_topic_creation=False)
out(f"invalid name: error={err_name(r['topics'][0]['error_code'])}")
