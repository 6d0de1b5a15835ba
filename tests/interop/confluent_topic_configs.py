"""confluent-kafka AdminClient: which per-topic configs CreateTopics takes and
which values it refuses with INVALID_CONFIG, as Apache Kafka 4.4 answers.

Usage: confluent_topic_configs.py BOOTSTRAP

Each case is one CreateTopics with validate_only (nothing is created). The
expected answers are Kafka's own (checked against compat/kafka.sh's broker):
every topic config Kafka knows is accepted with a valid value, even one a
one-node broker has no use for (min.insync.replicas, unclean leader election,
remote storage), since applications and frameworks set them when they create
topics; an unknown name, a value of the wrong type, an unknown enum value and
a number outside Kafka's range are INVALID_CONFIG. cleanup.policy=compact is
left out: strand refuses it by design (no compaction; tests/topics.rs).
All cases run; the mismatches are listed together.
"""

import sys
import time

from confluent_kafka import KafkaException
from confluent_kafka.admin import AdminClient, NewTopic

OK, INVALID = "OK", "INVALID_CONFIG"

CASES = [
    # Accepted: the configs strand applies, at valid values and at their bounds.
    ("retention.ms", "-1", OK),
    ("retention.ms", "9223372036854775807", OK),
    ("retention.bytes", "-1", OK),
    ("retention.bytes", "1073741824", OK),
    ("segment.bytes", "1048576", OK),
    ("segment.ms", "1", OK),
    ("max.message.bytes", "0", OK),
    ("max.message.bytes", "1048588", OK),
    ("message.timestamp.type", "CreateTime", OK),
    ("message.timestamp.type", "LogAppendTime", OK),
    ("flush.messages", "1", OK),
    ("flush.ms", "1000", OK),
    ("index.interval.bytes", "4096", OK),
    ("cleanup.policy", "delete", OK),
    # Accepted: topic configs Kafka knows that a one-node broker may ignore.
    ("min.insync.replicas", "1", OK),
    ("compression.type", "producer", OK),
    ("compression.type", "zstd", OK),
    ("unclean.leader.election.enable", "false", OK),
    ("delete.retention.ms", "86400000", OK),
    ("file.delete.delay.ms", "60000", OK),
    ("preallocate", "false", OK),
    ("message.timestamp.before.max.ms", "86400000", OK),
    ("message.timestamp.after.max.ms", "3600000", OK),
    ("min.cleanable.dirty.ratio", "0.5", OK),
    ("max.compaction.lag.ms", "100000", OK),
    ("segment.index.bytes", "10485760", OK),
    ("segment.jitter.ms", "0", OK),
    ("remote.storage.enable", "false", OK),
    ("local.retention.ms", "-2", OK),
    # Refused: unknown names, bad types, unknown enum values, out of range.
    ("no.such.config", "1", INVALID),
    ("retention.ms", "soon", INVALID),
    ("retention.ms", "99999999999999999999", INVALID),
    ("retention.ms", "-5", INVALID),
    ("segment.bytes", "1000", INVALID),
    ("segment.bytes", "-1", INVALID),
    ("segment.ms", "0", INVALID),
    ("max.message.bytes", "-1", INVALID),
    ("flush.messages", "0", INVALID),
    ("flush.ms", "-1", INVALID),
    ("index.interval.bytes", "-1", INVALID),
    ("message.timestamp.type", "WallClock", INVALID),
    ("cleanup.policy", "bogus", INVALID),
    ("compression.type", "bogus", INVALID),
    ("min.insync.replicas", "0", INVALID),
]


def main():
    bootstrap = sys.argv[1]
    run = f"{time.time_ns():x}"
    admin = AdminClient({"bootstrap.servers": bootstrap, "socket.timeout.ms": 10000})
    mismatches = []
    for i, (name, value, want) in enumerate(CASES):
        topic = f"cfg-{run}-{i}"
        try:
            admin.create_topics([NewTopic(topic, 1, 1, config={name: value})], validate_only=True,
                                request_timeout=20)[topic].result(20)
            got = OK
        except KafkaException as e:
            got = e.args[0].name()
        line = f"{name}={value}: {got}"
        if got != want:
            mismatches.append(f"{line}, Kafka answers {want}")
        print(line + ("" if got == want else f"  <- Kafka: {want}"))
    if mismatches:
        print(f"confluent_topic_configs: FAIL: {len(mismatches)} of {len(CASES)} answers differ from Kafka's:",
              file=sys.stderr)
        for m in mismatches:
            print(f"  {m}", file=sys.stderr)
        sys.exit(1)
    print(f"confluent_topic_configs: OK ({len(CASES)} cases)")


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(f"usage: {sys.argv[0]} BOOTSTRAP")
    main()
