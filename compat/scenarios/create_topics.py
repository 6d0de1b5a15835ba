"""CreateTopics for the existing topic (TOPIC_ALREADY_EXISTS), for a new one with
validate_only, and with bad arguments."""
from common import *

c = Conn()


def create(name, partitions=1, rf=1, validate_only=False, version=7):
    r = c.request("CreateTopics", version, timeout_ms=10000, validate_only=validate_only,
                  topics=[{"name": name, "num_partitions": partitions, "replication_factor": rf,
                           "assignments": [], "configs": []}])
    t = r["topics"][0]
    out(f"create {'T' if name == TOPIC else name} partitions={partitions} rf={rf} validate_only={validate_only} "
        f"v{version}: error={err_name(t['error_code'])} "
        f"num_partitions={t.get('num_partitions')} rf={t.get('replication_factor')}")


create(TOPIC)
create(TOPIC, version=2)
create(TOPIC + "-new", validate_only=True)
create(TOPIC + "-bad", partitions=0, validate_only=True)
create(TOPIC + "-bad", rf=3, validate_only=True)
create("bad/name", validate_only=True)
