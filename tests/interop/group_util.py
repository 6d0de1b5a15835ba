"""Helpers for run.sh's kcat consumer-group check (confluent-kafka).

Usage:
  group_util.py produce BOOTSTRAP COUNT PREFIX
      produces COUNT messages keyed PREFIX-0..PREFIX-<COUNT-1> to partition 0
      and prints "FIRST LAST", the offsets from the delivery reports, and the
      partition's log start offset: "FIRST LAST LOG_START"
  group_util.py committed BOOTSTRAP GROUP
      prints GROUP's committed offset for partition 0 (OffsetFetch, without
      joining the group), -1001 when there is none
"""

import sys

from confluent_kafka import Consumer, Producer, TopicPartition

TOPIC = "interop"


def fail(msg):
    print(f"group_util: FAIL: {msg}", file=sys.stderr)
    sys.exit(1)


def produce(bootstrap, count, prefix):
    producer = Producer({"bootstrap.servers": bootstrap, "message.timeout.ms": 20000, "linger.ms": 5})
    reports = []
    for i in range(count):
        producer.produce(TOPIC, key=f"{prefix}-{i}".encode(), value=b"v%d" % i, partition=0,
                         on_delivery=lambda err, msg: reports.append((err, msg.offset())))
    if producer.flush(30) or len(reports) != count:
        fail(f"only {len(reports)} of {count} delivery reports in 30 s")
    errors = [err for err, _ in reports if err is not None]
    if errors:
        fail(f"delivery failed: {errors[0]}")
    offsets = [off for _, off in reports]
    if offsets != list(range(offsets[0], offsets[0] + count)):
        fail(f"delivery offsets not contiguous: {offsets}")
    low, _high = log_start_and_end(bootstrap)
    print(offsets[0], offsets[-1], low)


def log_start_and_end(bootstrap):
    consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": "group-util-watermarks",
                         "socket.timeout.ms": 10000})
    try:
        return consumer.get_watermark_offsets(TopicPartition(TOPIC, 0), timeout=15)
    except Exception as e:  # noqa: BLE001
        fail(f"get_watermark_offsets raised {type(e).__name__}: {e}")
    finally:
        consumer.close()


def committed(bootstrap, group):
    consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": group, "enable.auto.commit": False,
                         "socket.timeout.ms": 10000})
    try:
        [tp] = consumer.committed([TopicPartition(TOPIC, 0)], timeout=15)
    except Exception as e:  # noqa: BLE001
        fail(f"committed() for group {group} raised {type(e).__name__}: {e}")
    finally:
        consumer.close()
    if tp.error:
        fail(f"committed() for group {group}: {tp.error}")
    print(tp.offset)


if __name__ == "__main__":
    if len(sys.argv) == 5 and sys.argv[1] == "produce":
        produce(sys.argv[2], int(sys.argv[3]), sys.argv[4])
    elif len(sys.argv) == 4 and sys.argv[1] == "committed":
        committed(sys.argv[2], sys.argv[3])
    else:
        sys.exit(__doc__)
