"""confluent-kafka against a broker that auto-creates topics
(strand --auto-create-topics true --num-partitions N; Kafka's
auto.create.topics.enable=true, num.partitions=N).

Usage: confluent_auto_create.py BOOTSTRAP N

  - a producer's produce to an unknown topic creates it with N partitions and
    is delivered (librdkafka's producer asks Metadata to create it)
  - Metadata alone: a consumer with allow.auto.create.topics=true asking for an
    unknown topic (list_topics(topic)) creates it with N partitions (the first
    answer may still say UNKNOWN_TOPIC_OR_PART: Kafka's does while its
    controller creates the topic); with allow.auto.create.topics=false (the consumer's
    default) the answer is UNKNOWN_TOPIC_OR_PART and nothing is created
  - a name Kafka refuses ("bad name!") is never created and the produce fails
"""

import sys
import time

from confluent_kafka import Consumer, KafkaError, KafkaException, Producer
from confluent_kafka.admin import AdminClient


def fail(msg):
    print(f"confluent_auto_create: FAIL: {msg}", file=sys.stderr)
    sys.exit(1)


def partitions(admin, topic, want, wait=10):
    """The topic's partition count (None: absent) once it is `want`, else after `wait` s."""
    deadline = time.monotonic() + wait
    while True:
        md = admin.list_topics(timeout=10)
        t = md.topics.get(topic)
        got = len(t.partitions) if t is not None and t.error is None else None
        if got == want or time.monotonic() > deadline:
            return got
        time.sleep(0.2)


def metadata_for(bootstrap, topic, run, allow):
    """The consumer's Metadata answer for `topic` (librdkafka sends
    allow_auto_topic_creation as allow.auto.create.topics says)."""
    consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": f"cac-{run}-{allow}",
                         "allow.auto.create.topics": allow})
    try:
        return consumer.list_topics(topic, timeout=10).topics[topic]
    finally:
        consumer.close()


def main():
    bootstrap, n = sys.argv[1], int(sys.argv[2])
    run = f"{time.time_ns():x}"
    admin = AdminClient({"bootstrap.servers": bootstrap})

    produced = f"cac-{run}-produced"
    producer = Producer({"bootstrap.servers": bootstrap, "message.timeout.ms": 20000, "acks": "all"})
    reports = []
    producer.produce(produced, key=b"k", value=b"auto", on_delivery=lambda err, msg: reports.append((err, msg)))
    if producer.flush(30) or len(reports) != 1:
        fail(f"no delivery report for the produce to unknown {produced} within 30 s")
    err, msg = reports[0]
    if err is not None:
        fail(f"produce to unknown {produced}: {err.name()} {err.str()}, expected auto-creation")
    got = partitions(admin, produced, n)
    if got != n:
        fail(f"{produced} auto-created by produce has {got} partitions, expected {n}")
    print(f"produce to unknown {produced}: delivered to [{msg.partition()}]@{msg.offset()}, "
          f"topic created with {n} partitions: ok")

    by_metadata = f"cac-{run}-by-metadata"
    t = metadata_for(bootstrap, by_metadata, run, "true")
    if t.error is not None and t.error.code() != KafkaError.UNKNOWN_TOPIC_OR_PART:
        fail(f"Metadata({by_metadata}, allow_auto_topic_creation=true): error {t.error}")
    got = partitions(admin, by_metadata, n)
    if got != n:
        fail(f"{by_metadata} after Metadata with allow_auto_topic_creation=true: {got} partitions, expected {n}")
    print(f"Metadata with allow_auto_topic_creation=true created {by_metadata} with {n} partitions: ok")

    not_allowed = f"cac-{run}-not-allowed"
    t = metadata_for(bootstrap, not_allowed, run, "false")
    if t.error is None or t.error.code() != KafkaError.UNKNOWN_TOPIC_OR_PART:
        fail(f"Metadata({not_allowed}, allow_auto_topic_creation=false): error {t.error}, expected UNKNOWN_TOPIC_OR_PART")
    got = partitions(admin, not_allowed, None, wait=1)
    if got is not None:
        fail(f"{not_allowed} exists ({got} partitions) after Metadata with allow_auto_topic_creation=false")
    print(f"Metadata with allow_auto_topic_creation=false: UNKNOWN_TOPIC_OR_PART, {not_allowed} not created: ok")

    bad = "bad name!"
    producer = Producer({"bootstrap.servers": bootstrap, "message.timeout.ms": 4000,
                         "topic.metadata.propagation.max.ms": 1000})
    reports = []
    try:
        producer.produce(bad, value=b"x", on_delivery=lambda err, msg: reports.append(err))
    except KafkaException as e:
        # librdkafka refuses at once when its metadata already says the topic is
        # unknown (it depends on how fast the first Metadata came back): the
        # same failure as a failed delivery report.
        reports.append(e.args[0])
    producer.flush(20)
    if len(reports) != 1 or reports[0] is None:
        fail(f"produce to {bad!r}: {reports}, expected a failed delivery")
    if partitions(admin, bad, None, wait=1) is not None:
        fail(f"{bad!r} was created")
    print(f"produce to {bad!r} failed ({reports[0].name()}), nothing created: ok")
    for f in admin.delete_topics([produced, by_metadata]).values():
        f.result(20)
    print("confluent_auto_create: OK")


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(f"usage: {sys.argv[0]} BOOTSTRAP PARTITIONS")
    main()
