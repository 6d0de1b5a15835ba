"""confluent-kafka AdminClient: topics and partitions created, altered and
deleted at run time, then produced to and consumed across their partitions.

Usage: confluent_topics.py BOOTSTRAP

Against any broker with CreateTopics, CreatePartitions and DeleteTopics (run.sh
runs it against strand, and against the reference Kafka with INTEROP_BOOTSTRAP).
Every topic name carries this run's id, so reruns against one broker never meet.
  - create_topics: 3 partitions with retention.ms; 2 with
    message.timestamp.type=LogAppendTime; validate_only (nothing created);
    duplicates (also in validate_only) TOPIC_ALREADY_EXISTS; invalid names
    (bad characters, ".", "..", 250 characters, a "."/"_" collision)
    TOPIC_EXCEPTION; replication factor 3 INVALID_REPLICATION_FACTOR; 0
    partitions INVALID_PARTITIONS; an unknown config INVALID_CONFIG
  - list_topics and describe_topics: the partitions, each led by the one
    broker with it as the only replica and ISR; a topic id
  - create_partitions: 3 -> 5, validate_only 5 -> 7 (stays 5), 5 -> 2 and
    5 -> 5 INVALID_PARTITIONS, an unknown topic UNKNOWN_TOPIC_OR_PART
  - produce 200 keyed messages with librdkafka's partitioner over the 5
    partitions; each partition reads back exactly the messages the delivery
    reports put there, in order, from offset 0; the LogAppendTime topic
    replaces the producer's timestamps with the broker's
  - delete_topics: gone from list_topics and describe_topics; deleting it
    again UNKNOWN_TOPIC_OR_PART; created again under the same name it is empty
"""

import sys
import time

from confluent_kafka import (
    TIMESTAMP_CREATE_TIME,
    TIMESTAMP_LOG_APPEND_TIME,
    Consumer,
    KafkaError,
    KafkaException,
    Producer,
    TopicCollection,
    TopicPartition,
)
from confluent_kafka.admin import AdminClient, NewPartitions, NewTopic

TIMEOUT = 20


def fail(msg):
    print(f"confluent_topics: FAIL: {msg}", file=sys.stderr)
    sys.exit(1)


def wait_all(futures, what):
    """Results of a dict of futures; fails on the first error."""
    out = {}
    for name, future in futures.items():
        try:
            out[name] = future.result(timeout=TIMEOUT)
        except KafkaException as e:
            fail(f"{what} {name}: {e.args[0].name()} {e.args[0].str()}")
    return out


def expect_error(futures, code, what):
    """Every future in the dict fails with KafkaError `code`."""
    for name, future in futures.items():
        try:
            future.result(timeout=TIMEOUT)
        except KafkaException as e:
            err = e.args[0]
            if err.code() != code:
                fail(f"{what} {name!r}: {err.name()} ({err.str()}), expected {KafkaError(code).name()}")
            print(f"{what} {name[:60]!r} -> {err.name()}: ok")
            continue
        fail(f"{what} {name!r} succeeded, expected {KafkaError(code).name()}")


def partition_counts(admin, want):
    """Partition count per topic in `want` (None: absent) from list_topics, as
    soon as it equals `want` (Kafka's brokers learn of a change from the
    controller a moment after the admin call returns; strand at once), else
    what was seen after 10 s."""
    deadline = time.monotonic() + 10
    while True:
        md = admin.list_topics(timeout=TIMEOUT)
        got = {n: (len(md.topics[n].partitions) if n in md.topics and md.topics[n].error is None else None)
               for n in want}
        if got == want or time.monotonic() > deadline:
            return got
        time.sleep(0.1)


def main():
    bootstrap = sys.argv[1]
    run = f"{time.time_ns():x}"
    main_topic = f"ct-{run}-orders"
    lat_topic = f"ct-{run}-lat"
    admin = AdminClient({"bootstrap.servers": bootstrap, "socket.timeout.ms": 10000})

    # --- create -----------------------------------------------------------------
    wait_all(admin.create_topics([NewTopic(f"ct-{run}-validate", 4, 1)], validate_only=True,
                                 request_timeout=TIMEOUT), "create_topics(validate_only)")
    created = wait_all(admin.create_topics([
        NewTopic(main_topic, num_partitions=3, replication_factor=1, config={"retention.ms": "3600000"}),
        NewTopic(lat_topic, num_partitions=2, replication_factor=-1,
                 config={"message.timestamp.type": "LogAppendTime"}),
    ], request_timeout=TIMEOUT), "create_topics")
    print(f"created {sorted(created)}")
    want = {main_topic: 3, lat_topic: 2, f"ct-{run}-validate": None}
    counts = partition_counts(admin, want)
    if counts != want:
        fail(f"list_topics partition counts {counts}, expected 3, 2 and the validate_only topic absent")
    print(f"list_topics: {main_topic} 3 partitions, {lat_topic} 2, validate_only created nothing: ok")

    expect_error(admin.create_topics([NewTopic(main_topic, 3, 1)], request_timeout=TIMEOUT),
                 KafkaError.TOPIC_ALREADY_EXISTS, "create_topics duplicate")
    expect_error(admin.create_topics([NewTopic(main_topic, 3, 1)], validate_only=True, request_timeout=TIMEOUT),
                 KafkaError.TOPIC_ALREADY_EXISTS, "create_topics(validate_only) duplicate")
    # A name that differs from an existing one only in '.' vs '_' collides in
    # metric names, and Kafka refuses it.
    dotted = f"ct.{run}.dots"
    wait_all(admin.create_topics([NewTopic(dotted, 1, 1)], request_timeout=TIMEOUT), "create_topics")
    for bad in ["bad name!", ".", "..", "x" * 250, f"ct_{run}_dots", "ümlaut"]:
        expect_error(admin.create_topics([NewTopic(bad, 1, 1)], request_timeout=TIMEOUT),
                     KafkaError.TOPIC_EXCEPTION, "create_topics invalid name")
    longest = f"ct-{run}-".ljust(249, "y")
    wait_all(admin.create_topics([NewTopic(longest, 1, 1)], validate_only=True, request_timeout=TIMEOUT),
             "create_topics(validate_only) 249-character name")
    expect_error(admin.create_topics([NewTopic(f"ct-{run}-rf3", 1, 3)], request_timeout=TIMEOUT),
                 KafkaError.INVALID_REPLICATION_FACTOR, "create_topics replication factor 3")
    expect_error(admin.create_topics([NewTopic(f"ct-{run}-p0", 0, 1)], request_timeout=TIMEOUT),
                 KafkaError.INVALID_PARTITIONS, "create_topics 0 partitions")
    expect_error(admin.create_topics([NewTopic(f"ct-{run}-cfg", 1, 1, config={"no.such.config": "1"})],
                                     request_timeout=TIMEOUT),
                 KafkaError.INVALID_CONFIG, "create_topics unknown config")
    expect_error(admin.create_topics([NewTopic(f"ct-{run}-cfg2", 1, 1, config={"retention.ms": "soon"})],
                                     request_timeout=TIMEOUT),
                 KafkaError.INVALID_CONFIG, "create_topics retention.ms=soon")
    want = {f"ct-{run}-{n}": None for n in ["rf3", "p0", "cfg", "cfg2"]}
    counts = partition_counts(admin, want)
    if counts != want:
        fail(f"refused creates left topics behind: {counts}")

    # --- describe ------------------------------------------------------------------
    md = admin.list_topics(timeout=TIMEOUT)
    broker_ids = sorted(md.brokers)
    if len(broker_ids) != 1:
        fail(f"list_topics brokers {md.brokers}, expected exactly one")
    [broker] = broker_ids
    described = wait_all(admin.describe_topics(TopicCollection([main_topic, lat_topic]), request_timeout=TIMEOUT),
                         "describe_topics")
    for name, want in [(main_topic, 3), (lat_topic, 2)]:
        d = described[name]
        ids = [p.id for p in d.partitions]
        if ids != list(range(want)):
            fail(f"describe_topics {name}: partitions {ids}, expected 0..{want - 1}")
        for p in d.partitions:
            if p.leader is None or p.leader.id != broker:
                fail(f"describe_topics {name}[{p.id}]: leader {p.leader}, expected broker {broker}")
            if [r.id for r in p.replicas] != [broker] or [r.id for r in p.isr] != [broker]:
                fail(f"describe_topics {name}[{p.id}]: replicas {p.replicas} isr {p.isr}, expected [{broker}]")
        if d.is_internal or d.topic_id is None or str(d.topic_id) == "AAAAAAAAAAAAAAAAAAAAAA":
            fail(f"describe_topics {name}: internal {d.is_internal}, topic id {d.topic_id}")
    if str(described[main_topic].topic_id) == str(described[lat_topic].topic_id):
        fail("two topics share a topic id")
    print(f"describe_topics: partitions led by broker {broker}, replicas = isr = [{broker}], distinct topic ids: ok")
    expect_error(admin.describe_topics(TopicCollection([f"ct-{run}-never"]), request_timeout=TIMEOUT),
                 KafkaError.UNKNOWN_TOPIC_OR_PART, "describe_topics unknown")

    # --- partitions -----------------------------------------------------------------
    wait_all(admin.create_partitions([NewPartitions(main_topic, 5)], request_timeout=TIMEOUT), "create_partitions")
    wait_all(admin.create_partitions([NewPartitions(main_topic, 7)], validate_only=True, request_timeout=TIMEOUT),
             "create_partitions(validate_only)")
    expect_error(admin.create_partitions([NewPartitions(main_topic, 2)], request_timeout=TIMEOUT),
                 KafkaError.INVALID_PARTITIONS, "create_partitions 5 -> 2")
    expect_error(admin.create_partitions([NewPartitions(main_topic, 5)], request_timeout=TIMEOUT),
                 KafkaError.INVALID_PARTITIONS, "create_partitions 5 -> 5")
    expect_error(admin.create_partitions([NewPartitions(f"ct-{run}-never", 5)], request_timeout=TIMEOUT),
                 KafkaError.UNKNOWN_TOPIC_OR_PART, "create_partitions unknown topic")
    counts = partition_counts(admin, {main_topic: 5})
    if counts[main_topic] != 5:
        fail(f"{main_topic} has {counts[main_topic]} partitions after 3 -> 5 and a validate_only 7, expected 5")
    print(f"create_partitions: {main_topic} 3 -> 5, validate_only 7 left it at 5: ok")

    # --- produce and consume across the partitions ---------------------------------------
    producer = Producer({"bootstrap.servers": bootstrap, "acks": "all", "linger.ms": 5,
                         "message.timeout.ms": 30000, "topic.metadata.refresh.interval.ms": 1000})
    reports = []
    base_ts = int(time.time() * 1000) - 3_600_000  # an hour ago: LogAppendTime must replace it
    for i in range(200):
        producer.produce(main_topic, key=f"key-{i}".encode(), value=f"value-{i}".encode(), timestamp=base_ts + i,
                         on_delivery=lambda err, msg: reports.append((err, msg.partition(), msg.offset(), msg.key())))
    for i in range(20):
        producer.produce(lat_topic, key=f"lat-{i}".encode(), value=b"v", partition=i % 2, timestamp=base_ts,
                         on_delivery=lambda err, msg: reports.append((err, msg.partition(), msg.offset(), msg.key())))
    before = int(time.time() * 1000)
    if producer.flush(40) or len(reports) != 220:
        fail(f"{len(reports)} of 220 delivery reports in 40 s")
    errors = [r for r in reports if r[0] is not None]
    if errors:
        fail(f"{len(errors)} deliveries failed, first: {errors[0]}")
    per_partition = {}
    for _err, partition, offset, key in reports:
        if key.startswith(b"key-"):
            per_partition.setdefault(partition, []).append((offset, key))
    if sorted(per_partition) != list(range(5)):
        fail(f"200 keyed messages went to partitions {sorted(per_partition)}, expected all of 0..4")
    print("delivered 200 keyed messages: " + ", ".join(f"p{p}={len(v)}" for p, v in sorted(per_partition.items())))

    consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": f"ct-{run}", "enable.auto.commit": False,
                         "auto.offset.reset": "error", "enable.partition.eof": True})
    try:
        for partition, delivered in sorted(per_partition.items()):
            delivered.sort()
            if [o for o, _ in delivered] != list(range(len(delivered))):
                fail(f"partition {partition}: delivery offsets {[o for o, _ in delivered]}, expected 0..")
            consumer.assign([TopicPartition(main_topic, partition, 0)])
            got = read_to_eof(consumer)
            if [(m.offset(), m.key()) for m in got] != delivered:
                fail(f"partition {partition}: read back {[(m.offset(), m.key()) for m in got][:5]}..., "
                     f"expected {delivered[:5]}...")
            bad = [m for m in got if m.timestamp() != (TIMESTAMP_CREATE_TIME, base_ts + int(m.key()[4:]))]
            if bad:
                fail(f"partition {partition}: CreateTime topic changed timestamps: {bad[0].timestamp()}")
        print("each partition read back exactly its delivered messages with their CreateTime: ok")
        for partition in range(2):
            consumer.assign([TopicPartition(lat_topic, partition, 0)])
            got = read_to_eof(consumer)
            if len(got) != 10:
                fail(f"{lat_topic}[{partition}]: read {len(got)} messages, expected 10")
            for m in got:
                kind, ts = m.timestamp()
                if kind != TIMESTAMP_LOG_APPEND_TIME or not before - 60_000 <= ts <= int(time.time() * 1000):
                    fail(f"{lat_topic}[{partition}]@{m.offset()}: timestamp ({kind}, {ts}), expected "
                         f"LogAppendTime near {before} (the producer said {base_ts})")
        print(f"{lat_topic}: every message carries a LogAppendTime set by the broker: ok")
    finally:
        consumer.close()

    # --- delete ------------------------------------------------------------------
    wait_all(admin.delete_topics([main_topic, dotted], request_timeout=TIMEOUT), "delete_topics")
    want = {main_topic: None, dotted: None, lat_topic: 2}
    counts = partition_counts(admin, want)
    if counts != want:
        fail(f"after delete_topics: {counts}, expected the two deleted gone and {lat_topic} still there")
    expect_error(admin.describe_topics(TopicCollection([main_topic]), request_timeout=TIMEOUT),
                 KafkaError.UNKNOWN_TOPIC_OR_PART, "describe_topics deleted")
    expect_error(admin.delete_topics([main_topic], request_timeout=TIMEOUT),
                 KafkaError.UNKNOWN_TOPIC_OR_PART, "delete_topics again")
    print("delete_topics: gone from list_topics and describe_topics: ok")

    # The same name again: a new topic, empty, with a new id.
    old_id = str(described[main_topic].topic_id)
    recreate_deadline = time.monotonic() + TIMEOUT
    while True:
        try:
            admin.create_topics([NewTopic(main_topic, 2, 1)], request_timeout=TIMEOUT)[main_topic].result(TIMEOUT)
            break
        except KafkaException as e:
            # Kafka may still be removing the old one for a moment.
            if e.args[0].code() != KafkaError.TOPIC_ALREADY_EXISTS or time.monotonic() > recreate_deadline:
                fail(f"create_topics {main_topic} after delete: {e.args[0].name()} {e.args[0].str()}")
            time.sleep(0.2)
    if partition_counts(admin, {main_topic: 2}) != {main_topic: 2}:
        fail(f"recreated {main_topic} does not list with 2 partitions")
    new = wait_all(admin.describe_topics(TopicCollection([main_topic]), request_timeout=TIMEOUT),
                   "describe_topics")[main_topic]
    if len(new.partitions) != 2 or str(new.topic_id) == old_id:
        fail(f"recreated {main_topic}: {len(new.partitions)} partitions, id {new.topic_id} (old {old_id})")
    consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": f"ct-{run}-2"})
    try:
        for partition in range(2):
            low, high = consumer.get_watermark_offsets(TopicPartition(main_topic, partition), timeout=TIMEOUT)
            if (low, high) != (0, 0):
                fail(f"recreated {main_topic}[{partition}]: watermarks ({low}, {high}), expected (0, 0)")
    finally:
        consumer.close()
    print(f"{main_topic} created again: 2 empty partitions, a new topic id: ok")
    wait_all(admin.delete_topics([main_topic, lat_topic], request_timeout=TIMEOUT), "delete_topics")
    print("confluent_topics: OK")


def read_to_eof(consumer):
    got = []
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        msg = consumer.poll(1.0)
        if msg is None:
            continue
        if msg.error():
            if msg.error().code() == KafkaError._PARTITION_EOF:
                return got
            fail(f"consume error: {msg.error()}")
        got.append(msg)
    fail(f"no end of partition within 30 s ({len(got)} messages read)")


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(f"usage: {sys.argv[0]} BOOTSTRAP")
    main()
