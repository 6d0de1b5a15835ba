"""confluent-kafka (librdkafka) round trip against a running strand broker.

Usage: confluent_roundtrip.py BOOTSTRAP

Produces 500 messages with keys, headers and explicit CreateTime timestamps,
checks the delivery reports, reads them back with assign() (no consumer
group), and checks offsets_for_times and get_watermark_offsets.
Exits non-zero with a message on the first mismatch.
"""

import sys
import time

from confluent_kafka import (
    OFFSET_END,
    TIMESTAMP_CREATE_TIME,
    Consumer,
    KafkaError,
    KafkaException,
    Producer,
    TopicPartition,
)

TOPIC = "interop"
COUNT = 500


def fail(msg):
    print(f"confluent_roundtrip: FAIL: {msg}", file=sys.stderr)
    sys.exit(1)


def main():
    bootstrap = sys.argv[1]
    run_id = f"{time.time_ns():x}"
    # Timestamps later than anything already in the log (kcat's messages carry
    # "now"), so offsets_for_times lands inside this batch.
    base_ts = int(time.time() * 1000) + 60_000

    def expected(i):
        key = f"ck-{run_id}-{i}".encode()
        value = f"confluent value {i} ".encode() * (1 + i % 7)
        headers = [("idx", str(i).encode()), ("src", b"confluent"), ("empty", b"")]
        return key, value, headers, base_ts + 10 * i

    producer = Producer({
        "bootstrap.servers": bootstrap,
        "enable.idempotence": False,
        "acks": "all",
        "linger.ms": 5,
        "message.timeout.ms": 30_000,
    })
    reports = {}

    def on_delivery(i):
        def cb(err, msg):
            reports[i] = (err, msg.partition(), msg.offset(), msg.timestamp())
        return cb

    for i in range(COUNT):
        key, value, headers, ts = expected(i)
        producer.produce(TOPIC, value=value, key=key, headers=headers,
                         timestamp=ts, partition=0, on_delivery=on_delivery(i))
        producer.poll(0)
    remaining = producer.flush(40)
    if remaining:
        fail(f"flush left {remaining} messages undelivered")
    if len(reports) != COUNT:
        fail(f"got {len(reports)} delivery reports, expected {COUNT}")
    errors = {i: r[0] for i, r in reports.items() if r[0] is not None}
    if errors:
        i = min(errors)
        fail(f"{len(errors)} deliveries failed, first (#{i}): {errors[i]}")
    offsets = [reports[i][2] for i in range(COUNT)]
    first = offsets[0]
    if first < 0 or offsets != list(range(first, first + COUNT)):
        fail(f"delivery offsets not contiguous from {first}: {offsets[:5]}...{offsets[-5:]}")
    if any(reports[i][1] != 0 for i in range(COUNT)):
        fail("delivery report partition != 0")
    print(f"produced {COUNT} messages, offsets {first}..{first + COUNT - 1}")

    # The Python binding insists on a group.id, but only assign() is used and
    # nothing is committed: the broker has no group APIs yet.
    consumer = Consumer({
        "bootstrap.servers": bootstrap,
        "group.id": "strand-interop-assign-only",
        "enable.auto.commit": False,
        "enable.auto.offset.store": False,
        "auto.offset.reset": "error",
        "enable.partition.eof": True,
    })
    try:
        consumer.assign([TopicPartition(TOPIC, 0, first)])
        got = []
        deadline = time.monotonic() + 30
        while len(got) < COUNT and time.monotonic() < deadline:
            msg = consumer.poll(1.0)
            if msg is None:
                continue
            if msg.error():
                if msg.error().code() == KafkaError._PARTITION_EOF:
                    continue
                fail(f"consume error: {msg.error()}")
            got.append(msg)
        if len(got) < COUNT:
            fail(f"consumed {len(got)} of {COUNT} messages in 30 s")
        for i, msg in enumerate(got):
            key, value, headers, ts = expected(i)
            if msg.offset() != first + i:
                fail(f"message #{i}: offset {msg.offset()}, expected {first + i}")
            if msg.key() != key:
                fail(f"message #{i}: key {msg.key()!r}, expected {key!r}")
            if msg.value() != value:
                fail(f"message #{i}: value {msg.value()[:40]!r}..., expected {value[:40]!r}...")
            if msg.headers() != headers:
                fail(f"message #{i}: headers {msg.headers()!r}, expected {headers!r}")
            if msg.timestamp() != (TIMESTAMP_CREATE_TIME, ts):
                fail(f"message #{i}: timestamp {msg.timestamp()}, expected (CreateTime, {ts})")
        print(f"consumed {COUNT} messages: keys, values, headers, timestamps match")

        # offsets_for_times: earliest offset with timestamp >= target.
        cases = [
            (base_ts, first),
            (base_ts + 10 * 250, first + 250),
            (base_ts + 10 * 250 - 5, first + 250),  # between two timestamps
            (base_ts + 10 * (COUNT - 1), first + COUNT - 1),
            (base_ts + 10 * COUNT + 1_000_000, OFFSET_END),  # past the last: -1
        ]
        for target, want in cases:
            res = consumer.offsets_for_times([TopicPartition(TOPIC, 0, target)], timeout=10)
            if len(res) != 1 or res[0].error is not None:
                fail(f"offsets_for_times({target}): {res}")
            if res[0].offset != want:
                fail(f"offsets_for_times(ts={target}) = {res[0].offset}, expected {want}")
        print("offsets_for_times: ok")

        low, high = consumer.get_watermark_offsets(TopicPartition(TOPIC, 0), timeout=10, cached=False)
        if high != first + COUNT:
            fail(f"get_watermark_offsets high={high}, expected {first + COUNT}")
        if low != 0:
            fail(f"get_watermark_offsets low={low}, expected 0 (fresh log, no retention)")
        cached_low, cached_high = consumer.get_watermark_offsets(TopicPartition(TOPIC, 0), cached=True)
        print(f"get_watermark_offsets: ({low}, {high}) ok (cached: ({cached_low}, {cached_high}))")
    except KafkaException as e:
        fail(f"KafkaException: {e}")
    finally:
        consumer.close()
    print("confluent_roundtrip: OK")


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(f"usage: {sys.argv[0]} BOOTSTRAP")
    main()
