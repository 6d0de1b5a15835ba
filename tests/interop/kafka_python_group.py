"""kafka-python consumer group against a running strand broker.

Usage: kafka_python_group.py BOOTSTRAP

Produces 30 messages of its own, then in a fresh group:
  1. a subscribe()d KafkaConsumer (auto_offset_reset=earliest, no auto commit)
     joins, is assigned partition 0, starts at the log start (no committed
     offset yet), reads through the 30 messages, commits offset first+12 with
     metadata synchronously, reads it back with committed(), and closes
     (LeaveGroup);
  2. the admin client sees the group: describe_groups says Empty with no
     members, list_groups lists it as a "consumer" group, list_group_offsets
     returns the committed offset and metadata (kafka-python 3.x names for
     describe_consumer_groups / list_consumer_groups /
     list_consumer_group_offsets);
  3. a second KafkaConsumer in the same group resumes exactly at first+12, and
     its committed() agrees.
While the first consumer is still a member, describe_groups must say Stable
with that one member assigned partition 0.
Exits non-zero with a message on the first mismatch.
"""

import logging
import sys
import time

from kafka import KafkaAdminClient, KafkaConsumer, KafkaProducer, TopicPartition
from kafka.structs import OffsetAndMetadata

TOPIC = "interop"
COUNT = 30
COMMIT_AT = 12  # index within this check's messages
META = "kafka-python-group-meta"


def fail(msg):
    print(f"kafka_python_group: FAIL: {msg}", file=sys.stderr)
    sys.exit(1)


PROBLEMS = []


def problem(msg):
    """A mismatch that does not stop the later steps; reported at the end."""
    print(f"kafka_python_group: MISMATCH: {msg}", file=sys.stderr)
    PROBLEMS.append(msg)


def attempt(what, fn, *args, **kwargs):
    try:
        return fn(*args, **kwargs)
    except Exception as e:  # noqa: BLE001 - report whatever the client raised
        fail(f"{what} raised {type(e).__name__}: {e}")


def main():
    bootstrap = sys.argv[1]
    common = {
        "bootstrap_servers": bootstrap,
        "bootstrap_timeout_ms": 10_000,
        "request_timeout_ms": 15_000,
    }
    run_id = f"{time.time_ns():x}"
    group = f"kp-group-{run_id}"
    tp = TopicPartition(TOPIC, 0)

    def key(i):
        return f"kpg-{run_id}-{i}".encode()

    producer = attempt("KafkaProducer()", KafkaProducer, acks=1, enable_idempotence=False,
                       max_block_ms=10_000, **common)
    futures = [producer.send(TOPIC, key=key(i), value=b"v%d" % i, partition=0) for i in range(COUNT)]
    producer.flush(timeout=30)
    offsets = [attempt(f"send #{i}", f.get, timeout=30).offset for i, f in enumerate(futures)]
    producer.close(timeout=10)
    first = offsets[0]
    if offsets != list(range(first, first + COUNT)):
        fail(f"send offsets not contiguous: {offsets}")
    commit_offset = first + COMMIT_AT
    print(f"produced {COUNT} messages at offsets {first}..{first + COUNT - 1}; group {group}")

    def consumer():
        return attempt("KafkaConsumer()", KafkaConsumer, group_id=group, enable_auto_commit=False,
                       auto_offset_reset="earliest", **common)

    admin = attempt("KafkaAdminClient()", KafkaAdminClient, **common)

    # --- 1. first member: earliest, read through our messages, commit, close ---
    c1 = consumer()
    c1.subscribe([TOPIC])
    begin = attempt("beginning_offsets", c1.beginning_offsets, [tp])[tp]
    got = {}
    first_seen = None
    deadline = time.monotonic() + 40
    while first + COUNT - 1 not in got and time.monotonic() < deadline:
        for records in attempt("poll", c1.poll, timeout_ms=1000).values():
            for r in records:
                if first_seen is None:
                    first_seen = r.offset
                got[r.offset] = r
    if first_seen is None:
        fail(f"first consumer got no records in 40 s (assignment {c1.assignment()}, "
             f"group state {c1.group_metadata()})")
    if first + COUNT - 1 not in got:
        fail(f"first consumer did not reach offset {first + COUNT - 1} in 40 s "
             f"(read {len(got)} records, {min(got)}..{max(got)})")
    if c1.assignment() != {tp}:
        fail(f"first consumer assignment {c1.assignment()}, expected {{{tp}}}")
    if first_seen != begin:
        fail(f"fresh group with auto_offset_reset=earliest started at {first_seen}, "
             f"expected the log start {begin}")
    for i in range(COUNT):
        r = got.get(first + i)
        if r is None or r.key != key(i):
            fail(f"offset {first + i}: {None if r is None else r.key!r}, expected key {key(i)!r}")
    print(f"consumer 1: joined, assigned {tp}, read {begin}..{max(got)} from the log start, "
          f"our {COUNT} messages match")

    desc = attempt("describe_groups (member active)", admin.describe_groups, [group])
    g = desc.get(group)
    if g is None or g.get("error"):
        fail(f"describe_groups with an active member: {desc}")
    if g.get("group_state") != "Stable" or len(g.get("members", [])) != 1:
        fail(f"describe_groups with one active member: state {g.get('group_state')!r}, "
             f"members {g.get('members')}; expected Stable with 1 member; full: {g}")
    member = g["members"][0]
    # kafka-python decodes the ConsumerProtocolAssignment into a dict.
    assignment = member.get("member_assignment")
    try:
        assigned = sorted((t["topic"], p) for t in assignment["assigned_partitions"] for p in t["partitions"])
    except (TypeError, KeyError) as e:
        fail(f"describe_groups: undecodable member_assignment {assignment!r} ({e!r}); full: {g}")
    if g.get("protocol_type") != "consumer" or not g.get("protocol_data"):
        fail(f"describe_groups: protocol_type {g.get('protocol_type')!r} protocol "
             f"{g.get('protocol_data')!r}, expected consumer/<assignor>; full: {g}")
    if assigned != [(TOPIC, 0)]:
        fail(f"describe_groups: member assignment {assignment}, expected {TOPIC}/0")
    subscription = member.get("member_metadata")
    if not isinstance(subscription, dict) or subscription.get("topics") != [TOPIC]:
        fail(f"describe_groups: member metadata {subscription!r}, expected a subscription to [{TOPIC!r}]")
    print(f"describe_groups while active: Stable, 1 member ({member.get('client_id')} "
          f"{member.get('client_host')}), protocol {g.get('protocol_data')}, assignment {assigned}")

    attempt("commit", c1.commit, {tp: OffsetAndMetadata(commit_offset, META, -1)}, timeout_ms=15_000)
    committed = attempt("committed", c1.committed, tp, metadata=True, timeout_ms=15_000)
    if committed is None or committed.offset != commit_offset or committed.metadata != META:
        fail(f"committed() after commit: {committed}, expected offset {commit_offset} metadata {META!r}")
    print(f"consumer 1: committed {commit_offset} ({META!r}), committed() agrees")
    attempt("close", c1.close, timeout_ms=15_000)

    # --- 2. admin view of the now empty group ---
    desc = attempt("describe_groups", admin.describe_groups, [group])
    g = desc.get(group)
    if g is None or g.get("error"):
        fail(f"describe_groups after close: {desc}")
    if g.get("group_state") != "Empty" or g.get("members"):
        fail(f"describe_groups after close: state {g.get('group_state')!r}, members {g.get('members')}; "
             f"expected Empty with no members; full: {g}")
    # Kafka keeps a group's protocol type once set; only the protocol name is
    # cleared when the group goes Empty.
    if g.get("protocol_type") != "consumer":
        problem(f"describe_groups after close: protocol_type {g.get('protocol_type')!r}, expected "
                f"'consumer' (Kafka keeps it for an Empty group); full: {g}")
    print(f"describe_groups after close: state Empty, no members, protocol_type {g.get('protocol_type')!r}")

    groups = attempt("list_groups", admin.list_groups)
    mine = [x for x in groups if x.get("group_id") == group]
    if len(mine) != 1:
        fail(f"list_groups: {group} listed {len(mine)} times: {groups}")
    if mine[0].get("protocol_type") != "consumer":
        problem(f"list_groups: {mine[0]}, expected protocol_type 'consumer' (Kafka keeps it for an Empty group)")
    state = mine[0].get("group_state")
    if state not in (None, "", "Empty"):
        fail(f"list_groups: {mine[0]}, expected state Empty")
    print(f"list_groups: {mine[0]}")

    offs = attempt("list_group_offsets", admin.list_group_offsets, group)
    om = offs.get(group, {}).get(tp)
    if om is None or om.offset != commit_offset or om.metadata != META:
        fail(f"list_group_offsets: {offs}, expected {tp} -> {commit_offset} {META!r}")
    print(f"list_group_offsets: {tp.topic}/{tp.partition} -> {om.offset} {om.metadata!r}")
    admin.close()

    # --- 3. second member resumes at the committed offset ---
    c2 = consumer()
    c2.subscribe([TOPIC])
    resumed = None
    deadline = time.monotonic() + 40
    while resumed is None and time.monotonic() < deadline:
        for records in attempt("poll", c2.poll, timeout_ms=1000).values():
            if records and resumed is None:
                resumed = records[0]
    if resumed is None:
        fail(f"second consumer got no records in 40 s (assignment {c2.assignment()})")
    if resumed.offset != commit_offset or resumed.key != key(COMMIT_AT):
        fail(f"second consumer resumed at offset {resumed.offset} key {resumed.key!r}, "
             f"expected {commit_offset} key {key(COMMIT_AT)!r}")
    committed = attempt("committed (consumer 2)", c2.committed, tp, timeout_ms=15_000)
    if committed != commit_offset:
        fail(f"second consumer committed() = {committed}, expected {commit_offset}")
    print(f"consumer 2: resumed at {resumed.offset} ({resumed.key.decode()}), committed() = {committed}")
    attempt("close (consumer 2)", c2.close, autocommit=False, timeout_ms=15_000)
    if PROBLEMS:
        fail(f"{len(PROBLEMS)} mismatch(es) above")
    print("kafka_python_group: OK")


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(f"usage: {sys.argv[0]} BOOTSTRAP")
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr,
                        format="kafka-python %(levelname)s %(name)s: %(message)s")
    main()
