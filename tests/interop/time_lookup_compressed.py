"""Lookups by time land on the exact record inside compressed batches, as on Kafka
(ListOffsets by timestamp and max timestamp look inside the batch).

Usage: time_lookup_compressed.py BOOTSTRAP N   (a broker that auto-creates topics)

For each codec (gzip, snappy, lz4, zstd): confluent-kafka produces one batch of
four records timestamped T0, T0+10, T0+20, T0+30 to partition 0 of a new topic,
then
  - `kcat -C -o s@TS` starts at the first record at or after TS,
  - kafka-python's offsets_for_times answers that record's offset and timestamp,
  - confluent-kafka's AdminClient.list_offsets(OffsetSpec.max_timestamp()) answers
    the record with the largest timestamp (T0+30 at offset 3), not the batch.
"""

import subprocess
import sys
import time
import uuid

from confluent_kafka import Producer, TopicPartition
from confluent_kafka.admin import AdminClient, OffsetSpec
from kafka import KafkaConsumer
from kafka import TopicPartition as KpTopicPartition

T0 = 1_700_000_000_000


def fail(msg):
    print(f"time_lookup_compressed: FAIL: {msg}", file=sys.stderr)
    sys.exit(1)


def produce_one_batch(bootstrap, topic, codec):
    producer = Producer({"bootstrap.servers": bootstrap, "compression.type": codec, "linger.ms": 500,
                         "message.timeout.ms": 20000})
    acked = []
    for i in range(4):
        producer.produce(topic, key=f"k{i}", value=f"value {i} " + "x" * 200, partition=0, timestamp=T0 + 10 * i,
                         on_delivery=lambda err, msg: acked.append((err, msg.offset() if msg else None)))
    if producer.flush(30) != 0:
        fail(f"{codec}: records still queued after 30 s")
    if [e for e, _ in acked if e is not None] or sorted(o for _, o in acked) != [0, 1, 2, 3]:
        fail(f"{codec}: deliveries {acked}")


def kcat_from(bootstrap, topic, ts):
    out = subprocess.run(["kcat", "-C", "-b", bootstrap, "-t", topic, "-p", "0", "-o", f"s@{ts}", "-c", "1", "-e",
                          "-f", "%o %T\n", "-X", "socket.timeout.ms=10000"],
                         capture_output=True, text=True, timeout=60)
    if out.returncode != 0:
        fail(f"kcat -o s@{ts} exited {out.returncode}: {out.stderr}")
    offset, timestamp = out.stdout.split()
    return int(offset), int(timestamp)


def main():
    bootstrap = sys.argv[1]
    admin = AdminClient({"bootstrap.servers": bootstrap})
    consumer = KafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False)
    run = uuid.uuid4().hex[:8]
    for codec in ("gzip", "snappy", "lz4", "zstd"):
        topic = f"time-lookup-{codec}-{run}"
        produce_one_batch(bootstrap, topic, codec)
        # (asked, offset, timestamp): the first record at or after the time.
        for ts, offset, timestamp in [(T0, 0, T0), (T0 + 5, 1, T0 + 10), (T0 + 20, 2, T0 + 20), (T0 + 21, 3, T0 + 30)]:
            got = kcat_from(bootstrap, topic, ts)
            if got != (offset, timestamp):
                fail(f"{codec}: kcat -o s@T0+{ts - T0} started at {got}, expected {(offset, timestamp)}")
            tp = KpTopicPartition(topic, 0)
            found = consumer.offsets_for_times({tp: ts})[tp]
            if found is None or (found.offset, found.timestamp) != (offset, timestamp):
                fail(f"{codec}: kafka-python offsets_for_times(T0+{ts - T0}) = {found}, expected {(offset, timestamp)}")
        tp = TopicPartition(topic, 0)
        deadline = time.monotonic() + 30
        while True:
            try:
                info = admin.list_offsets({tp: OffsetSpec.max_timestamp()})[tp].result(timeout=30)
                break
            except Exception as e:  # the new topic's metadata may lag a moment
                if time.monotonic() > deadline:
                    fail(f"{codec}: list_offsets(max_timestamp): {e}")
                time.sleep(0.2)
        if (info.offset, info.timestamp) != (3, T0 + 30):
            fail(f"{codec}: max timestamp at offset {info.offset}, timestamp {info.timestamp}; expected 3, T0+30")
        print(f"{codec}: kcat s@TS, offsets_for_times and max timestamp land on the record")
    consumer.close()


if __name__ == "__main__":
    main()
