"""confluent-kafka against a topic the broker does not serve.

Usage: confluent_unknown_topic.py BOOTSTRAP

The broker never auto-creates topics, so Metadata for another topic must carry
UNKNOWN_TOPIC_OR_PARTITION and a produce to it must fail promptly with an
unknown-topic error (not hang, and not merely time out).
"""

import sys
import time

from confluent_kafka import KafkaError, Producer

TOPIC = f"no-such-topic-{time.time_ns():x}"
# Errors that say "this topic does not exist": the broker's error code, and
# librdkafka's local error once metadata has kept saying so.
UNKNOWN = {KafkaError.UNKNOWN_TOPIC_OR_PART, KafkaError._UNKNOWN_TOPIC}


def fail(msg):
    print(f"confluent_unknown_topic: FAIL: {msg}", file=sys.stderr)
    sys.exit(1)


def main():
    bootstrap = sys.argv[1]
    producer = Producer({
        "bootstrap.servers": bootstrap,
        "message.timeout.ms": 5000,
        # Fail messages for a topic the broker reports as unknown after 1 s
        # instead of waiting out the 30 s default for it to appear.
        "topic.metadata.propagation.max.ms": 1000,
    })

    md = producer.list_topics(TOPIC, timeout=10)
    tmd = md.topics.get(TOPIC)
    if tmd is None:
        fail(f"Metadata for {TOPIC!r} has no entry for it: {md.topics}")
    if tmd.error is None or tmd.error.code() != KafkaError.UNKNOWN_TOPIC_OR_PART:
        fail(f"Metadata for {TOPIC!r}: error {tmd.error!r}, expected UNKNOWN_TOPIC_OR_PART "
             f"(partitions: {list(tmd.partitions)})")
    print(f"Metadata({TOPIC}) -> {tmd.error.name()}: ok")

    results = []
    started = time.monotonic()
    producer.produce(TOPIC, key=b"k", value=b"v", on_delivery=lambda err, msg: results.append(err))
    remaining = producer.flush(20)
    elapsed = time.monotonic() - started
    if remaining or not results:
        fail(f"no delivery report within 20 s ({remaining} messages still queued)")
    err = results[0]
    if err is None:
        fail(f"produce to unknown topic {TOPIC!r} succeeded: the broker must not auto-create topics")
    if err.code() not in UNKNOWN:
        fail(f"produce to unknown topic failed with {err.name()} ({err.str()}) after {elapsed:.1f} s, "
             f"expected an unknown topic error")
    print(f"produce to unknown topic -> {err.name()} ({err.str()}) after {elapsed:.1f} s: ok")
    print("confluent_unknown_topic: OK")


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(f"usage: {sys.argv[0]} BOOTSTRAP")
    main()
