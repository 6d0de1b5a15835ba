"""DeleteTopics by name (v4) and by id (v6): the answer, then Metadata, Produce,
ListOffsets and OffsetFetch on the deleted topic; deleting it again, an unknown
name, an unknown id, a name and an id together, neither, and a name twice. A topic
created again under the same name starts empty with a new id."""
import uuid
from common import *

c = Conn()
GONE = (3, 100)  # UNKNOWN_TOPIC_OR_PARTITION, UNKNOWN_TOPIC_ID


def create(name, partitions=2):
    r = c.request("CreateTopics", 7, timeout_ms=10000, validate_only=False,
                  topics=[{"name": name, "num_partitions": partitions, "replication_factor": 1,
                           "assignments": [], "configs": []}])
    assert r["topics"][0]["error_code"] == 0, r
    wait_until(lambda: metadata(name)["error_code"] == 0 and all(p["leader_id"] >= 0
                                                                 for p in metadata(name)["partitions"]))


def metadata(name):
    return c.request("Metadata", 12, topics=[{"name": name}], allow_auto_topic_creation=False,
                     include_topic_authorized_operations=False)["topics"][0]


def short(name):
    return None if name is None else name.replace(TOPIC, "T")


def show(label, r, version):
    out(f"{label} v{version}: throttle={r.get('throttle_time_ms')}")
    # Kafka shuffles the results (so their positions say nothing); clients match them by name or id.
    for t in sorted(r["responses"], key=lambda t: (t["name"] or "", str(t.get("topic_id")), t["error_code"])):
        tid = t.get("topic_id")
        out(f"  name={short(t['name'])} topic_id={'set' if tid and tid != uuid.UUID(int=0) else tid} "
            f"error={err_name(t['error_code'])}")


def delete_names(label, names, version=4):
    show(label, c.request("DeleteTopics", version, topic_names=names, timeout_ms=10000), version)


def delete_topics(label, topics, version=6):
    show(label, c.request("DeleteTopics", version, topics=topics, timeout_ms=10000), version)


def after(name, label):
    wait_until(lambda: metadata(name)["error_code"] in GONE)
    m = metadata(name)
    out(f"{label}: metadata error={err_name(m['error_code'])} partitions={len(m['partitions'])}")
    p = produce(c, batch(records(1)), topic=name)
    out(f"{label}: produce error={err_name(p['error_code'])}")
    lo = list_offsets(c, -1, topic=name)
    out(f"{label}: list_offsets error={err_name(lo['error_code'])}")


a, b = TOPIC + "-a", TOPIC + "-b"
create(a)
create(b)
for part in (0, 1):
    assert produce(c, batch(records(2)), topic=a, partition=part)["error_code"] == 0
old_id = topic_id(c, a)
commit(c, GROUP, {0: 1, 1: 2}, topic=a)
out(f"committed before: {fetch_committed(c, GROUP, partitions=(0, 1), topic=a).replace(TOPIC, 'T')}")

delete_names("delete by name", [a])
after(a, "after delete by name")
# Kafka's group coordinator drops a deleted topic's offsets once it sees the deletion.
wait_until(lambda: "=1(" not in fetch_committed(c, GROUP, partitions=(0, 1), topic=a))
out(f"committed after: {fetch_committed(c, GROUP, partitions=(0, 1), topic=a).replace(TOPIC, 'T')}")
delete_names("delete again", [a])
delete_names("delete unknown and existing", [TOPIC + "-none", b], version=5)
after(b, "after delete of b")

create(a)
out(f"recreated: new id={topic_id(c, a) != old_id} "
    f"latest={list_offsets(c, -1, topic=a)['offset']} earliest={list_offsets(c, -2, topic=a)['offset']}")
delete_topics("delete by id", [{"name": None, "topic_id": topic_id(c, a)}])
after(a, "after delete by id")
delete_topics("delete unknown id", [{"name": None, "topic_id": uuid.UUID(int=12345)}])
delete_topics("delete zero id without name", [{"name": None, "topic_id": uuid.UUID(int=0)}])
create(b)
delete_topics("delete name and id", [{"name": b, "topic_id": topic_id(c, b)}])
delete_topics("delete by name at v6", [{"name": b, "topic_id": uuid.UUID(int=0)}])
after(b, "after delete by name v6")
delete_names("delete a name twice", [TOPIC + "-none", TOPIC + "-none2", TOPIC + "-none"])
delete_topics("delete an id twice", [{"name": None, "topic_id": uuid.UUID(int=7)}, {"name": None, "topic_id": uuid.UUID(int=8)},
                                     {"name": None, "topic_id": uuid.UUID(int=7)}])
delete_names("delete an invalid name", ["bad/name"])
