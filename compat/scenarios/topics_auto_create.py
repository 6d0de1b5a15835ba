"""Auto-creation (Kafka's auto.create.topics.enable=true and num.partitions=3; strand
--auto-create-topics true --num-partitions 3): Metadata with and without
allow_auto_topic_creation, at v3 (which has no flag: always allowed), for a name
that is not legal and for one that collides with an existing topic, and whether
Produce, ListOffsets, Fetch, OffsetCommit or Metadata for all topics create a
topic. Kafka's controller creates asynchronously and first answers
UNKNOWN_TOPIC_OR_PARTITION; strand creates before answering (shown once, for
"allowed"; elsewhere both print "asked")."""
from common import *

# needs: auto-create

c = Conn()
CREATED = (0, 5)  # NONE, LEADER_NOT_AVAILABLE


def metadata(name, auto, version=12):
    req = {"topics": [{"name": name}]}
    if version >= 4:
        req["allow_auto_topic_creation"] = auto
    return c.request("Metadata", version, **req)["topics"][0]


def settled(name):
    """The topic once every partition has a leader (Kafka creates in the background)."""
    wait_until(lambda: (lambda t: t["error_code"] == 0 and t["partitions"] and
                        all(p["leader_id"] >= 0 for p in t["partitions"]))(metadata(name, False)))
    t = metadata(name, False)
    return f"error={err_name(t['error_code'])} partitions={len(t['partitions'])}"


def auto(label, name, allow=True, version=12, raw=False):
    """RAW: print the first answer as it is (else NONE, LEADER_NOT_AVAILABLE and
    UNKNOWN_TOPIC_OR_PARTITION all read "asked": Kafka may answer any of them
    while its controller creates the topic)."""
    t = metadata(name, allow, version)
    first = err_name(t["error_code"])
    if not raw and t["error_code"] in CREATED + (3,):
        first = "asked"
    wait_until(lambda: metadata(name, False)["error_code"] == 0, timeout=3)
    then = settled(name) if metadata(name, False)["error_code"] == 0 else f"still {exists(name)}"
    out(f"{label} v{version} allow={allow}: first answer {first}; then {then}")


def exists(name):
    return err_name(metadata(name, False)["error_code"])


auto("not allowed", TOPIC + "-no", allow=False)
out(f"after not allowed: {exists(TOPIC + '-no')}")
auto("allowed", TOPIC + "-md", raw=True)
auto("allowed at v4", TOPIC + "-v4", version=4)
auto("v3", TOPIC + "-v3", version=3)
auto("invalid name", "bad/name")
auto("249 chars", TOPIC + "-" + "x" * (248 - len(TOPIC)))
r = c.request("CreateTopics", 7, timeout_ms=10000, validate_only=False,
              topics=[{"name": TOPIC + "_under", "num_partitions": 1, "replication_factor": 1, "assignments": [],
                       "configs": []}])
out(f"created {TOPIC.replace(TOPIC, 'T')}_under: {err_name(r['topics'][0]['error_code'])}")
auto("colliding name", TOPIC + ".under")

p = produce(c, batch(records(1)), topic=TOPIC + "-prod")
out(f"produce to a missing topic: {err_name(p['error_code'])}")
wait_until(lambda: exists(TOPIC + "-prod") == "NONE", timeout=3)
out(f"after produce: {exists(TOPIC + '-prod')}")
lo = list_offsets(c, -1, topic=TOPIC + "-lo")
out(f"list offsets of a missing topic: {err_name(lo['error_code'])}; after: {exists(TOPIC + '-lo')}")
f = fetch(c, 0, topic=TOPIC + "-fetch")
out(f"fetch of a missing topic: {err_name(f['responses'][0]['partitions'][0]['error_code'])}; "
    f"after: {exists(TOPIC + '-fetch')}")
out(f"commit on a missing topic: {commit(c, GROUP, {0: 1}, topic=TOPIC + '-commit')}; "
    f"after: {exists(TOPIC + '-commit')}")
r = c.request("Metadata", 12, topics=None, allow_auto_topic_creation=True)
out(f"metadata for all topics, allowed: {sorted(t['name'].replace(TOPIC, 'T')[:12] for t in r['topics'] if t['name'].startswith(TOPIC))}")
