"""kafka-python KafkaAdminClient: topics and partitions created, altered and
deleted at run time (by name and by topic id), then produced to and consumed.

Usage: kafka_python_topics.py BOOTSTRAP

Against any broker (run.sh runs it against strand, and against the reference
Kafka with INTEROP_BOOTSTRAP). Topic names carry this run's id.
  - create_topics: 4 partitions with retention.ms and segment.bytes, -1
    partitions and replication factor (the broker's defaults), validate_only;
    TopicAlreadyExistsError, InvalidTopicError, InvalidReplicationFactorError,
    InvalidPartitionsError (0 and -5 partitions), InvalidConfigurationError
    (max.message.bytes=-x)
  - describe_topics by name and list_topics: partitions, leader, replicas, ISR,
    leader epoch, topic id
  - create_partitions 4 -> 6, validate_only 6 -> 9 (stays 6), 6 -> 1
    InvalidPartitionsError
  - KafkaProducer sends 120 keyed messages (its murmur2 partitioner over 6
    partitions) and a KafkaConsumer with assign() reads every partition back
  - delete_topics by name and by uuid.UUID topic id; deleting a deleted one
    UnknownTopicOrPartitionError
"""

import sys
import time
import uuid

import kafka.errors as Errors
from kafka import KafkaConsumer, KafkaProducer, TopicPartition
from kafka.admin import KafkaAdminClient


def fail(msg):
    print(f"kafka_python_topics: FAIL: {msg}", file=sys.stderr)
    sys.exit(1)


def expect_error(error_type, what, fn, *args, **kwargs):
    try:
        fn(*args, **kwargs)
    except error_type as e:
        print(f"{what} -> {type(e).__name__}: ok")
        return
    except Errors.KafkaError as e:
        fail(f"{what}: {type(e).__name__} ({e}), expected {error_type.__name__}")
    fail(f"{what} succeeded, expected {error_type.__name__}")


def topics_by_name(admin, names):
    """Metadata of the topics in `names` that exist (describe_topics(None): all topics)."""
    return {t["name"]: t for t in admin.describe_topics() if t["name"] in names and t["error_code"] == 0}


def await_partitions(admin, want):
    """{topic: partition count or None} as soon as it equals `want` (Kafka's
    brokers learn of changes a moment after the admin call returns), else what
    was seen after 10 s."""
    deadline = time.monotonic() + 10
    while True:
        md = topics_by_name(admin, set(want))
        got = {n: len(md[n]["partitions"]) if n in md else None for n in want}
        if got == want or time.monotonic() > deadline:
            return got
        time.sleep(0.1)


def main():
    bootstrap = sys.argv[1]
    run = f"{time.time_ns():x}"
    topic = f"kp-{run}-main"
    defaults = f"kp-{run}-defaults"
    admin = KafkaAdminClient(bootstrap_servers=bootstrap, request_timeout_ms=15000)

    admin.create_topics({f"kp-{run}-validate": {"num_partitions": 2, "replication_factor": 1}}, validate_only=True)
    admin.create_topics({
        topic: {"num_partitions": 4, "replication_factor": 1,
                "configs": {"retention.ms": "86400000", "segment.bytes": "1048576"}},
        defaults: {},
    })
    want = {topic: 4, defaults: 1, f"kp-{run}-validate": None}
    got = await_partitions(admin, want)
    if got != want:
        fail(f"partition counts {got}, expected {want} (-1 partitions: the broker's default, 1)")
    if topic not in admin.list_topics():
        fail(f"list_topics lacks {topic}")
    print(f"created {topic} with 4 partitions, {defaults} with the defaults (1); validate_only created nothing: ok")

    expect_error(Errors.TopicAlreadyExistsError, "create_topics duplicate", admin.create_topics,
                 {topic: {"num_partitions": 1, "replication_factor": 1}})
    expect_error(Errors.InvalidTopicError, "create_topics 'a/b'", admin.create_topics,
                 {"a/b": {"num_partitions": 1, "replication_factor": 1}})
    expect_error(Errors.InvalidTopicError, "create_topics '' ", admin.create_topics,
                 {"": {"num_partitions": 1, "replication_factor": 1}})
    expect_error(Errors.InvalidReplicationFactorError, "create_topics replication factor 3", admin.create_topics,
                 {f"kp-{run}-rf3": {"num_partitions": 1, "replication_factor": 3}})
    expect_error(Errors.InvalidReplicationFactorError, "create_topics replication factor 0", admin.create_topics,
                 {f"kp-{run}-rf0": {"num_partitions": 1, "replication_factor": 0}})
    expect_error(Errors.InvalidPartitionsError, "create_topics 0 partitions", admin.create_topics,
                 {f"kp-{run}-p0": {"num_partitions": 0, "replication_factor": 1}})
    expect_error(Errors.InvalidPartitionsError, "create_topics -5 partitions", admin.create_topics,
                 {f"kp-{run}-pneg": {"num_partitions": -5, "replication_factor": 1}})
    expect_error(Errors.InvalidConfigurationError, "create_topics max.message.bytes=-x", admin.create_topics,
                 {f"kp-{run}-cfg": {"num_partitions": 1, "replication_factor": 1,
                                     "configs": {"max.message.bytes": "-x"}}})

    md = topics_by_name(admin, {topic})[topic]
    try:
        topic_id = uuid.UUID(str(md["topic_id"]))
    except ValueError:
        fail(f"{topic}: topic id {md['topic_id']!r}")
    if topic_id.int == 0:
        fail(f"{topic}: the zero topic id")
    for p in md["partitions"]:
        if p["error_code"] != 0 or p["leader_id"] < 0 or p["replica_nodes"] != [p["leader_id"]] \
                or p["isr_nodes"] != [p["leader_id"]] or p["leader_epoch"] < 0:
            fail(f"{topic}[{p['partition_index']}]: {p}")
    named = admin.describe_topics([topic])
    if len(named) != 1 or named[0]["topic_id"] != md["topic_id"] or len(named[0]["partitions"]) != 4:
        fail(f"describe_topics([{topic}]): {named}")
    print(f"describe_topics: 4 partitions, each led by node {md['partitions'][0]['leader_id']} alone, "
          f"topic id {topic_id}: ok")

    admin.create_partitions({topic: 6})
    admin.create_partitions({topic: 9}, validate_only=True)
    expect_error(Errors.InvalidPartitionsError, "create_partitions 6 -> 1", admin.create_partitions, {topic: 1})
    got = await_partitions(admin, {topic: 6})
    if got != {topic: 6}:
        fail(f"after create_partitions 4 -> 6 and a validate_only 9: {got}")
    print("create_partitions 4 -> 6, validate_only 9 left 6: ok")

    producer = KafkaProducer(bootstrap_servers=bootstrap, acks="all", linger_ms=5, request_timeout_ms=15000)
    futures = [(f"key-{i}".encode(), producer.send(topic, key=f"key-{i}".encode(), value=b"v%d" % i))
               for i in range(120)]
    producer.flush(30)
    delivered = {}
    for key, future in futures:
        meta = future.get(timeout=30)
        delivered.setdefault(meta.partition, []).append((meta.offset, key))
    producer.close()
    if sorted(delivered) != list(range(6)):
        fail(f"120 keyed messages landed on partitions {sorted(delivered)}, expected all of 0..5")
    consumer = KafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False, consumer_timeout_ms=5000,
                             request_timeout_ms=15000)
    try:
        for partition, want in sorted(delivered.items()):
            tp = TopicPartition(topic, partition)
            consumer.assign([tp])
            consumer.seek(tp, 0)
            got = []
            deadline = time.monotonic() + 20
            while len(got) < len(want) and time.monotonic() < deadline:
                for records in consumer.poll(timeout_ms=500).values():
                    got.extend((r.offset, r.key) for r in records)
            if got != sorted(want):
                fail(f"partition {partition}: read {got[:4]}..., expected {sorted(want)[:4]}...")
            if consumer.end_offsets([tp])[tp] != len(want):
                fail(f"partition {partition}: end offset {consumer.end_offsets([tp])[tp]}, expected {len(want)}")
    finally:
        consumer.close()
    print("produced 120 keyed messages over 6 partitions, each read back in order from offset 0: ok")

    admin.delete_topics([defaults])
    admin.delete_topics([topic_id])
    got = await_partitions(admin, {topic: None, defaults: None})
    if got != {topic: None, defaults: None}:
        fail(f"after delete_topics by name and by id: {got}")
    expect_error(Errors.UnknownTopicOrPartitionError, "delete_topics deleted name", admin.delete_topics, [topic])
    expect_error(Errors.UnknownTopicIdError, "delete_topics deleted id", admin.delete_topics, [topic_id])
    print(f"delete_topics by name ({defaults}) and by id ({topic_id}): gone: ok")
    admin.close()
    print("kafka_python_topics: OK")


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(f"usage: {sys.argv[0]} BOOTSTRAP")
    main()
