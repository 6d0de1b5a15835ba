"""confluent-kafka (librdkafka) consumer group against a running strand broker.

Usage: confluent_group.py BOOTSTRAP

Produces 30 messages of its own, then in a fresh group:
  1. a subscribe()d Consumer (auto commit off) is assigned partition 0, starts
     at the first of those messages (set in on_assign: the group has no
     committed offset), reads them, commits the 17th with
     commit(message=..., asynchronous=False), checks committed(), and closes;
  2. AdminClient: list_consumer_group_offsets returns the committed offset,
     describe_consumer_groups and list_consumer_groups show the group Empty and
     not "simple" (it has protocol type "consumer");
  3. a second Consumer in the group resumes exactly at the committed offset
     and stays a member, so delete_consumer_groups fails with NON_EMPTY_GROUP;
     after it closes, delete_consumer_groups succeeds and the group's offsets
     are gone.
Exits non-zero with a message on the first mismatch; a few mismatches that do
not stop the later steps are collected and reported at the end.
"""

import sys
import time

from confluent_kafka import (
    ConsumerGroupState,
    ConsumerGroupTopicPartitions,
    Consumer,
    KafkaError,
    KafkaException,
    Producer,
    TopicPartition,
)
from confluent_kafka.admin import AdminClient

TOPIC = "interop"
COUNT = 30
COMMIT_AT = 17  # index within this check's messages of the committed offset

PROBLEMS = []


def fail(msg):
    print(f"confluent_group: FAIL: {msg}", file=sys.stderr)
    sys.exit(1)


def problem(msg):
    print(f"confluent_group: MISMATCH: {msg}", file=sys.stderr)
    PROBLEMS.append(msg)


def attempt(what, fn, *args, **kwargs):
    try:
        return fn(*args, **kwargs)
    except Exception as e:  # noqa: BLE001 - report whatever the client raised
        fail(f"{what} raised {type(e).__name__}: {e}")


def main():
    bootstrap = sys.argv[1]
    run_id = f"{time.time_ns():x}"
    group = f"ck-group-{run_id}"

    def key(i):
        return f"ckg-{run_id}-{i}".encode()

    # --- produce this check's messages ---
    producer = Producer({"bootstrap.servers": bootstrap, "message.timeout.ms": 20000, "linger.ms": 5})
    reports = {}

    def on_delivery(err, msg, i):
        reports[i] = (err, msg.offset() if err is None else None)

    for i in range(COUNT):
        producer.produce(TOPIC, key=key(i), value=b"v%d" % i, partition=0,
                         on_delivery=lambda err, msg, i=i: on_delivery(err, msg, i))
    if producer.flush(30) or len(reports) != COUNT:
        fail(f"only {len(reports)} of {COUNT} delivery reports in 30 s")
    errors = {i: e for i, (e, _) in reports.items() if e is not None}
    if errors:
        fail(f"delivery failed: {errors}")
    offsets = [reports[i][1] for i in range(COUNT)]
    first = offsets[0]
    if offsets != list(range(first, first + COUNT)):
        fail(f"delivery offsets not contiguous: {offsets}")
    commit_offset = first + COMMIT_AT
    print(f"produced {COUNT} messages at offsets {first}..{first + COUNT - 1}; group {group}", flush=True)

    conf = {
        "bootstrap.servers": bootstrap,
        "group.id": group,
        "enable.auto.commit": False,
        "auto.offset.reset": "earliest",
        "socket.timeout.ms": 10000,
    }
    tp0 = TopicPartition(TOPIC, 0)

    def consume_until(consumer, what, done, seconds=40):
        """Polls until done(messages) or the deadline; returns the messages."""
        msgs = []
        deadline = time.monotonic() + seconds
        while not done(msgs) and time.monotonic() < deadline:
            msg = consumer.poll(0.5)
            if msg is None:
                continue
            if msg.error():
                fail(f"{what}: consume error {msg.error().name()}: {msg.error().str()}")
            msgs.append(msg)
        if not done(msgs):
            fail(f"{what}: gave up after {seconds} s with {len(msgs)} messages "
                 f"(assignment {consumer.assignment()})")
        return msgs

    # --- 1. first member: start at our messages, commit mid-range, close ---
    assigned = []

    def start_at_first(consumer, partitions):
        assigned.append([(p.topic, p.partition) for p in partitions])
        for p in partitions:
            p.offset = first
        consumer.assign(partitions)

    c1 = Consumer(conf)
    c1.subscribe([TOPIC], on_assign=start_at_first)
    msgs = consume_until(c1, "consumer 1", lambda ms: any(m.offset() >= first + COUNT - 1 for m in ms))
    if assigned != [[(TOPIC, 0)]]:
        fail(f"consumer 1 assignments {assigned}, expected one assignment of {TOPIC}/0")
    by_offset = {m.offset(): m for m in msgs}
    if msgs[0].offset() != first:
        fail(f"consumer 1 started at {msgs[0].offset()}, expected {first} (set in on_assign)")
    for i in range(COUNT):
        m = by_offset.get(first + i)
        if m is None or m.key() != key(i):
            fail(f"consumer 1 offset {first + i}: {None if m is None else m.key()!r}, expected {key(i)!r}")
    print(f"consumer 1: assigned {TOPIC}/0, read our {COUNT} messages", flush=True)

    # Committing a message commits the offset after it.
    result = attempt("commit", c1.commit, message=by_offset[commit_offset - 1], asynchronous=False)
    got = [(p.topic, p.partition, p.offset, p.error) for p in result or []]
    if got != [(TOPIC, 0, commit_offset, None)]:
        fail(f"commit(asynchronous=False) returned {got}, expected [({TOPIC!r}, 0, {commit_offset}, None)]")
    committed = attempt("committed", c1.committed, [tp0], timeout=10)
    if [(p.offset, p.error) for p in committed] != [(commit_offset, None)]:
        fail(f"committed() = {committed}, expected offset {commit_offset}")
    print(f"consumer 1: committed {commit_offset}, committed() agrees", flush=True)
    attempt("close", c1.close)

    # --- 2. admin view ---
    admin = AdminClient({"bootstrap.servers": bootstrap, "socket.timeout.ms": 10000})

    def group_offsets(what):
        futs = admin.list_consumer_group_offsets([ConsumerGroupTopicPartitions(group, [tp0])],
                                                 request_timeout=15)
        res = attempt(what, futs[group].result, timeout=20)
        return [(p.topic, p.partition, p.offset, p.error) for p in res.topic_partitions]

    got = group_offsets("list_consumer_group_offsets")
    if got != [(TOPIC, 0, commit_offset, None)]:
        fail(f"list_consumer_group_offsets: {got}, expected [({TOPIC!r}, 0, {commit_offset}, None)]")
    print(f"list_consumer_group_offsets: {TOPIC}/0 -> {commit_offset}", flush=True)

    desc = attempt("describe_consumer_groups",
                   admin.describe_consumer_groups([group], request_timeout=15)[group].result, timeout=20)
    if desc.state != ConsumerGroupState.EMPTY or desc.members:
        fail(f"describe_consumer_groups after close: state {desc.state}, members {desc.members}, "
             f"expected EMPTY with no members")
    if desc.is_simple_consumer_group:
        problem("describe_consumer_groups after close: is_simple_consumer_group True (empty protocol "
                "type), expected False: the group was formed by JoinGroup with protocol type 'consumer'")
    print(f"describe_consumer_groups: state {desc.state.name}, simple={desc.is_simple_consumer_group}",
          flush=True)

    listing = attempt("list_consumer_groups", admin.list_consumer_groups(request_timeout=15).result, timeout=20)
    if listing.errors:
        fail(f"list_consumer_groups errors: {listing.errors}")
    mine = [g for g in listing.valid if g.group_id == group]
    if len(mine) != 1:
        fail(f"list_consumer_groups: {group} listed {len(mine)} times among {[g.group_id for g in listing.valid]}")
    if mine[0].state != ConsumerGroupState.EMPTY:
        fail(f"list_consumer_groups: {group} state {mine[0].state}, expected EMPTY")
    if mine[0].is_simple_consumer_group:
        problem("list_consumer_groups: is_simple_consumer_group True (empty protocol type in "
                "ListGroups), expected False")
    print(f"list_consumer_groups: {group} {mine[0].state.name} simple={mine[0].is_simple_consumer_group}",
          flush=True)

    # --- 3. second member resumes, blocks deletion while active ---
    c2 = Consumer(conf)
    c2.subscribe([TOPIC])
    msgs = consume_until(c2, "consumer 2", lambda ms: len(ms) >= 1)
    if msgs[0].offset() != commit_offset or msgs[0].key() != key(COMMIT_AT):
        fail(f"consumer 2 resumed at offset {msgs[0].offset()} key {msgs[0].key()!r}, "
             f"expected {commit_offset} key {key(COMMIT_AT)!r}")
    committed = attempt("committed (consumer 2)", c2.committed, [tp0], timeout=10)
    if [(p.offset, p.error) for p in committed] != [(commit_offset, None)]:
        fail(f"consumer 2 committed() = {committed}, expected offset {commit_offset}")
    print(f"consumer 2: resumed at {commit_offset} ({msgs[0].key().decode()}), committed() agrees", flush=True)

    fut = admin.delete_consumer_groups([group], request_timeout=15)[group]
    try:
        fut.result(timeout=20)
        err = None
    except KafkaException as e:
        err = e.args[0]
    except Exception as e:  # noqa: BLE001
        fail(f"delete_consumer_groups with an active member raised {type(e).__name__}: {e}")
    if err is None:
        fail("delete_consumer_groups of a group with an active member succeeded, expected NON_EMPTY_GROUP")
    if err.code() != KafkaError.NON_EMPTY_GROUP or err.name() != "NON_EMPTY_GROUP":
        fail(f"delete_consumer_groups with an active member failed with {err.name()} ({err.str()}), "
             f"expected NON_EMPTY_GROUP")
    print(f"delete_consumer_groups with an active member: {err.name()}", flush=True)
    # The member is unaffected: it keeps consuming.
    c2.poll(0.5)
    attempt("close (consumer 2)", c2.close)

    attempt("delete_consumer_groups (empty group)",
            admin.delete_consumer_groups([group], request_timeout=15)[group].result, timeout=20)
    print("delete_consumer_groups of the empty group: ok", flush=True)
    got = group_offsets("list_consumer_group_offsets after delete")
    if got != [(TOPIC, 0, -1001, None)]:
        fail(f"list_consumer_group_offsets after delete: {got}, expected no committed offset (-1001)")
    listing = attempt("list_consumer_groups after delete",
                      admin.list_consumer_groups(request_timeout=15).result, timeout=20)
    if any(g.group_id == group for g in listing.valid):
        fail(f"list_consumer_groups after delete still lists {group}")
    print("after delete: no committed offset, group not listed", flush=True)

    if PROBLEMS:
        fail(f"{len(PROBLEMS)} mismatch(es) above")
    print("confluent_group: OK")


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(f"usage: {sys.argv[0]} BOOTSTRAP")
    main()
