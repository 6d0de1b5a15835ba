"""kafka-python round trip against a running strand broker.

Usage: kafka_python_roundtrip.py BOOTSTRAP [API_VERSION]

API_VERSION is "auto" (default: kafka-python probes the broker with
ApiVersions) or a dotted version such as "2.8" to pin it.

Sends 100 messages with acks=1 (idempotence off) and 100 with acks='all' and
kafka-python's defaults (3.x turns idempotence on: InitProducerId and sequence
numbers), reads them back with assign()/seek() and no group, and
checks end_offsets, beginning_offsets and offsets_for_times.
Exits non-zero with a message on the first mismatch.
"""

import logging
import sys
import time

from kafka import KafkaConsumer, KafkaProducer, TopicPartition

TOPIC = "interop"
PER_PRODUCER = 100
COUNT = 2 * PER_PRODUCER


def fail(msg):
    print(f"kafka_python_roundtrip: FAIL: {msg}", file=sys.stderr)
    sys.exit(1)


def main():
    bootstrap = sys.argv[1]
    version_arg = sys.argv[2] if len(sys.argv) > 2 else "auto"
    api_version = None if version_arg == "auto" else tuple(int(p) for p in version_arg.split("."))
    common = {
        "bootstrap_servers": bootstrap,
        "api_version": api_version,
        "bootstrap_timeout_ms": 10_000,
        "request_timeout_ms": 15_000,
    }
    run_id = f"{time.time_ns():x}"
    # Later than every timestamp earlier checks wrote, so offsets_for_times
    # lands inside this batch.
    base_ts = int(time.time() * 1000) + 120_000

    def expected(i):
        return (f"kp-{run_id}-{i}".encode(), f"kafka-python value {i}".encode(),
                [("idx", str(i).encode()), ("src", b"kafka-python")], base_ts + 10 * i)

    tp = TopicPartition(TOPIC, 0)
    offsets = []
    for acks, start in ((1, 0), ("all", PER_PRODUCER)):
        try:
            # acks=all keeps kafka-python's default idempotence, as users run it.
            idempotence = {} if acks == "all" else {"enable_idempotence": False}
            producer = KafkaProducer(acks=acks, max_block_ms=10_000, linger_ms=5, **idempotence, **common)
        except Exception as e:  # noqa: BLE001 - report whatever the client raised
            fail(f"KafkaProducer(acks={acks!r}, api_version={version_arg}) failed: {type(e).__name__}: {e}")
        print(f"producer acks={acks!r}: broker api_version resolved to {producer.config['api_version']}")
        futures = []
        for i in range(start, start + PER_PRODUCER):
            key, value, headers, ts = expected(i)
            futures.append(producer.send(TOPIC, value=value, key=key, headers=headers,
                                         partition=0, timestamp_ms=ts))
        producer.flush(timeout=30)
        for i, fut in zip(range(start, start + PER_PRODUCER), futures):
            try:
                md = fut.get(timeout=30)
            except Exception as e:  # noqa: BLE001
                fail(f"send #{i} (acks={acks!r}) failed: {type(e).__name__}: {e}")
            if md.partition != 0:
                fail(f"send #{i}: partition {md.partition}")
            offsets.append(md.offset)
        producer.close(timeout=10)
    first = offsets[0]
    if first < 0 or offsets != list(range(first, first + COUNT)):
        fail(f"send offsets not contiguous from {first}: {offsets[:5]}...{offsets[-5:]}")
    print(f"sent {COUNT} messages (acks=1 then acks='all'), offsets {first}..{first + COUNT - 1}")

    try:
        consumer = KafkaConsumer(group_id=None, enable_auto_commit=False,
                                 auto_offset_reset="earliest", **common)
    except Exception as e:  # noqa: BLE001
        fail(f"KafkaConsumer(api_version={version_arg}) failed: {type(e).__name__}: {e}")
    try:
        consumer.assign([tp])
        consumer.seek(tp, first)
        got = []
        deadline = time.monotonic() + 30
        while len(got) < COUNT and time.monotonic() < deadline:
            for records in consumer.poll(timeout_ms=1000).values():
                got.extend(r for r in records if r.offset < first + COUNT)
        if len(got) < COUNT:
            fail(f"consumed {len(got)} of {COUNT} records in 30 s")
        for i, rec in enumerate(got):
            key, value, headers, ts = expected(i)
            if rec.offset != first + i:
                fail(f"record #{i}: offset {rec.offset}, expected {first + i}")
            if rec.key != key or rec.value != value:
                fail(f"record #{i}: key/value {rec.key!r}/{rec.value!r}, expected {key!r}/{value!r}")
            if list(rec.headers) != headers:
                fail(f"record #{i}: headers {rec.headers!r}, expected {headers!r}")
            if rec.timestamp != ts or rec.timestamp_type != 0:
                fail(f"record #{i}: timestamp {rec.timestamp} type {rec.timestamp_type}, expected {ts} CreateTime")
        print(f"consumed {COUNT} records: keys, values, headers, timestamps match")

        end = consumer.end_offsets([tp])
        if end != {tp: first + COUNT}:
            fail(f"end_offsets {end}, expected {first + COUNT}")
        begin = consumer.beginning_offsets([tp])
        if begin != {tp: 0}:
            fail(f"beginning_offsets {begin}, expected 0")
        print(f"end_offsets {end[tp]}, beginning_offsets {begin[tp]}: ok")

        target = base_ts + 10 * 150
        found = consumer.offsets_for_times({tp: target})
        if found.get(tp) is None or found[tp].offset != first + 150 or found[tp].timestamp != target:
            fail(f"offsets_for_times({target}) = {found}, expected offset {first + 150} timestamp {target}")
        print("offsets_for_times: ok")
    finally:
        consumer.close()
    print("kafka_python_roundtrip: OK")


if __name__ == "__main__":
    if len(sys.argv) not in (2, 3):
        sys.exit(f"usage: {sys.argv[0]} BOOTSTRAP [auto|MAJOR.MINOR]")
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr,
                        format="kafka-python %(levelname)s %(name)s: %(message)s")
    main()
