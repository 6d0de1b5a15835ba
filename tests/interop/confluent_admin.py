"""confluent-kafka's AdminClient: every call whose API strand serves, each
checked for the values it reads back, not only for the absence of an error.

Usage: confluent_admin.py BOOTSTRAP

Against any broker (run.sh runs it against strand, and against the reference
Kafka with INTEROP_BOOTSTRAP). Topic, group and user names carry this run's id,
so reruns against one broker never meet. Each part runs even when an earlier
one failed; the script prints "FAIL part: why" per failed part and exits 1.
  - describe_configs: a topic's override (DYNAMIC_TOPIC_CONFIG) and defaults
    (DEFAULT_CONFIG) with synonyms; the broker's node.id (1, read-only); an unknown topic UNKNOWN_TOPIC_OR_PART
  - incremental_alter_configs: SET (a bigger record then MSG_SIZE_TOO_LARGE),
    DELETE (back to the default), APPEND and SUBTRACT on a list
    (leader.replication.throttled.replicas), validate_only (no change), a bad
    value and an unknown name INVALID_CONFIG, a read-only broker config
    INVALID_REQUEST
  - alter_configs (legacy): replaces the topic's whole set
  - delete_records: the low watermark moves, list_offsets earliest follows,
    a consumer from the beginning starts there; beyond the high watermark
    OFFSET_OUT_OF_RANGE
  - list_offsets: earliest, latest, max_timestamp and for_timestamp
  - describe_cluster (with authorized operations) and describe_topics (with
    authorized operations, 30 partitions)
  - elect_leaders: ELECTION_NOT_NEEDED per partition
  - describe_acls (an empty list: librdkafka drops Kafka's SECURITY_DISABLED),
    create_acls, delete_acls: SECURITY_DISABLED
  - describe_user_scram_credentials / alter_user_scram_credentials: upsert,
    describe, delete; RESOURCE_NOT_FOUND for a user without credentials
  - consumer groups: list, describe (a live member and its assignment),
    list/alter group offsets, delete
"""

import sys
import time

from confluent_kafka import (
    Consumer,
    ConsumerGroupState,
    ConsumerGroupTopicPartitions,
    ElectionType,
    KafkaError,
    KafkaException,
    Producer,
    TopicCollection,
    TopicPartition,
)
from confluent_kafka.admin import (
    AclBinding,
    AclBindingFilter,
    AclOperation,
    AclPermissionType,
    AdminClient,
    AlterConfigOpType,
    ConfigEntry,
    ConfigResource,
    ConfigSource,
    NewTopic,
    OffsetSpec,
    ResourcePatternType,
    ResourceType,
    ScramCredentialInfo,
    ScramMechanism,
    UserScramCredentialDeletion,
    UserScramCredentialUpsertion,
)

from parts import check, eventually, fail, run_parts

TIMEOUT = 20


def result(future, what):
    try:
        return future.result(timeout=TIMEOUT)
    except KafkaException as e:
        err = e.args[0]
        fail(f"{what}: {err.name()} ({err.str()})")


def error_of(future, what):
    """The KafkaError a future fails with; fails the part if it succeeds."""
    try:
        got = future.result(timeout=TIMEOUT)
    except KafkaException as e:
        return e.args[0]
    fail(f"{what} succeeded ({got!r}), expected an error")


def expect_error(future, code, what):
    err = error_of(future, what)
    check(err.code() == code, f"{what}: {err.name()} ({err.str()}), expected {KafkaError(code).name()}")
    print(f"{what} -> {err.name()}: {err.str()}")
    return err


class Run:
    def __init__(self, bootstrap):
        self.bootstrap = bootstrap
        self.id = f"{time.time_ns():x}"
        self.admin = AdminClient({"bootstrap.servers": bootstrap, "socket.timeout.ms": 10000})

    def name(self, what):
        return f"ca-{self.id}-{what}"

    def topic(self, what, partitions=1, config=None):
        name = self.name(what)
        result(self.admin.create_topics([NewTopic(name, partitions, 1, config=config or {})],
                                        request_timeout=TIMEOUT)[name], f"create_topics {name}")
        eventually(lambda: self.partitions(name), partitions, f"{name} partitions")
        return name

    def partitions(self, name):
        md = self.admin.list_topics(name, timeout=TIMEOUT).topics.get(name)
        return None if md is None or md.error is not None else len(md.partitions)

    def produce(self, topic, partition, count, timestamps=None):
        producer = Producer({"bootstrap.servers": self.bootstrap, "linger.ms": 0})
        offsets = []

        def delivered(err, msg):
            offsets.append(err or msg.offset())

        for i in range(count):
            kwargs = {"timestamp": timestamps[i]} if timestamps else {}
            producer.produce(topic, key=f"k{i}", value=f"v{i}", partition=partition, on_delivery=delivered,
                             **kwargs)
            producer.flush(TIMEOUT)
        check(producer.flush(TIMEOUT) == 0, "produce: messages left undelivered")
        check(all(isinstance(o, int) for o in offsets), f"produce: delivery errors {offsets}")
        return offsets

    def configs(self, resource, **kwargs):
        return result(self.admin.describe_configs([resource], request_timeout=TIMEOUT, **kwargs)[resource],
                      f"describe_configs {resource}")

    def value(self, topic, name):
        entry = self.configs(ConfigResource(ResourceType.TOPIC, topic)).get(name)
        return None if entry is None else (entry.value, entry.source)

    def offset(self, tp, spec):
        return result(self.admin.list_offsets({tp: spec}, request_timeout=TIMEOUT)[tp], f"list_offsets {tp} {spec}")


def part_describe_configs(run):
    topic = run.topic("describe", config={"retention.ms": "3600000"})
    resource = ConfigResource(ResourceType.TOPIC, topic)
    entries = run.configs(resource)  # librdkafka always asks for synonyms
    for name in ["cleanup.policy", "compression.type", "max.message.bytes", "message.timestamp.type",
                 "retention.bytes", "retention.ms", "segment.bytes", "segment.ms", "min.insync.replicas"]:
        check(name in entries, f"{name} not among the topic's configs {sorted(entries)}")
    retention = entries["retention.ms"]
    check((retention.value, retention.source) == ("3600000", ConfigSource.DYNAMIC_TOPIC_CONFIG.value),
          f"retention.ms {retention.value} source {retention.source}, expected 3600000 DYNAMIC_TOPIC_CONFIG")
    check(not retention.is_read_only and not retention.is_sensitive and not retention.is_default,
          f"retention.ms read_only {retention.is_read_only} sensitive {retention.is_sensitive} "
          f"default {retention.is_default}")
    check(list(retention.synonyms) == ["retention.ms"], f"retention.ms synonyms {list(retention.synonyms)}")
    policy = entries["cleanup.policy"]
    check((policy.value, policy.source) == ("delete", ConfigSource.DEFAULT_CONFIG.value),
          f"cleanup.policy {policy.value} source {policy.source}, expected delete DEFAULT_CONFIG")
    check(policy.is_default, "cleanup.policy is_default")
    check([(s.name, s.value) for s in policy.synonyms.values()] == [("log.cleanup.policy", "delete")],
          f"cleanup.policy synonyms {[(s.name, s.value) for s in policy.synonyms.values()]}")
    check(entries["max.message.bytes"].value == "1048588", f"max.message.bytes {entries['max.message.bytes'].value}")
    print(f"describe_configs {topic}: retention.ms 3600000 DYNAMIC_TOPIC_CONFIG, cleanup.policy delete DEFAULT_CONFIG")

    broker = run.configs(ConfigResource(ResourceType.BROKER, "1"))
    node = broker.get("node.id")
    check(node is not None, f"broker 1 has no node.id among {len(broker)} configs")
    # Kafka cannot start without node.id (STATIC_BROKER_CONFIG); strand defaults it to 1 (DEFAULT_CONFIG).
    check(node.value == "1" and node.is_read_only
          and node.source in (ConfigSource.STATIC_BROKER_CONFIG.value, ConfigSource.DEFAULT_CONFIG.value),
          f"node.id {node.value} source {node.source} read_only {node.is_read_only}")
    check(broker["message.max.bytes"].value == "1048588", f"message.max.bytes {broker['message.max.bytes'].value}")
    check(broker["log.retention.hours"].value == "168", f"log.retention.hours {broker['log.retention.hours'].value}")
    print(f"describe_configs broker 1: {len(broker)} configs, node.id 1 read-only")

    missing = ConfigResource(ResourceType.TOPIC, run.name("missing"))
    expect_error(run.admin.describe_configs([missing], request_timeout=TIMEOUT)[missing],
                 KafkaError.UNKNOWN_TOPIC_OR_PART, "describe_configs unknown topic")


def incremental(run, topic, ops, **kwargs):
    resource = ConfigResource(ResourceType.TOPIC, topic, incremental_configs=[
        ConfigEntry(name, value, incremental_operation=op) for name, value, op in ops])
    return run.admin.incremental_alter_configs([resource], request_timeout=TIMEOUT, **kwargs)[resource]


def part_incremental_alter_configs(run):
    topic = run.topic("incremental")
    SET, DELETE, APPEND, SUBTRACT = (AlterConfigOpType.SET, AlterConfigOpType.DELETE, AlterConfigOpType.APPEND,
                                     AlterConfigOpType.SUBTRACT)
    dyn, default = ConfigSource.DYNAMIC_TOPIC_CONFIG.value, ConfigSource.DEFAULT_CONFIG.value
    result(incremental(run, topic, [("retention.ms", "7200000", SET), ("max.message.bytes", "2000", SET)]),
           "incremental_alter_configs SET")
    eventually(lambda: run.value(topic, "retention.ms"), ("7200000", dyn), "retention.ms after SET")
    eventually(lambda: run.value(topic, "max.message.bytes"), ("2000", dyn), "max.message.bytes after SET")
    # The new maximum holds for the next produce.
    producer = Producer({"bootstrap.servers": run.bootstrap, "linger.ms": 0, "message.timeout.ms": 10000})
    errors = []
    producer.produce(topic, value=b"x" * 3000, partition=0, on_delivery=lambda err, msg: errors.append(err))
    producer.flush(TIMEOUT)
    check(len(errors) == 1 and errors[0] is not None and errors[0].code() == KafkaError.MSG_SIZE_TOO_LARGE,
          f"a 3000-byte message over max.message.bytes=2000: {errors}, expected MSG_SIZE_TOO_LARGE")
    print("produce over the new max.message.bytes -> MSG_SIZE_TOO_LARGE")

    result(incremental(run, topic, [("retention.ms", None, DELETE)]), "incremental_alter_configs DELETE")
    eventually(lambda: run.value(topic, "retention.ms"), ("604800000", default), "retention.ms after DELETE")
    check(run.value(topic, "max.message.bytes") == ("2000", dyn), "DELETE of retention.ms touched max.message.bytes")

    # A list config strand can hold (cleanup.policy=compact it refuses: no compaction).
    replicas = "leader.replication.throttled.replicas"
    result(incremental(run, topic, [(replicas, "0:1", APPEND)]), "incremental_alter_configs APPEND")
    result(incremental(run, topic, [(replicas, "1:1,0:1", APPEND)]), "incremental_alter_configs APPEND")
    eventually(lambda: run.value(topic, replicas), ("0:1,1:1", dyn), f"{replicas} after APPEND")
    result(incremental(run, topic, [(replicas, "0:1", SUBTRACT)]), "incremental_alter_configs SUBTRACT")
    eventually(lambda: run.value(topic, replicas), ("1:1", dyn), f"{replicas} after SUBTRACT")
    print("SET, DELETE, APPEND, SUBTRACT read back")

    result(incremental(run, topic, [("segment.bytes", "1048576", SET)], validate_only=True),
           "incremental_alter_configs validate_only")
    expect_error(incremental(run, topic, [("retention.ms", "soon", SET)]), KafkaError.INVALID_CONFIG,
                 "incremental_alter_configs retention.ms=soon")
    expect_error(incremental(run, topic, [("no.such.config", "1", SET)]), KafkaError.INVALID_CONFIG,
                 "incremental_alter_configs unknown config")
    expect_error(incremental(run, topic, [("retention.ms", "1", APPEND)]), KafkaError.INVALID_CONFIG,
                 "incremental_alter_configs APPEND to a non-list")
    expect_error(incremental(run, run.name("missing"), [("retention.ms", "1", SET)]),
                 KafkaError.UNKNOWN_TOPIC_OR_PART, "incremental_alter_configs unknown topic")
    time.sleep(0.5)
    check(run.value(topic, "segment.bytes") == ("1073741824", default),
          f"segment.bytes after validate_only: {run.value(topic, 'segment.bytes')}")
    broker = ConfigResource(ResourceType.BROKER, "1", incremental_configs=[
        ConfigEntry("log.dirs", "/tmp/elsewhere", incremental_operation=SET)])
    err = expect_error(run.admin.incremental_alter_configs([broker], request_timeout=TIMEOUT)[broker],
                       KafkaError.INVALID_REQUEST, "incremental_alter_configs broker log.dirs")
    check("log.dirs" in err.str(), f"the refusal does not name log.dirs: {err.str()}")


def part_alter_configs(run):
    topic = run.topic("legacy", config={"retention.ms": "3600000"})
    resource = ConfigResource(ResourceType.TOPIC, topic, set_config={"segment.bytes": "1048576"})
    result(run.admin.alter_configs([resource], request_timeout=TIMEOUT)[resource], "alter_configs")
    eventually(lambda: run.value(topic, "segment.bytes"), ("1048576", ConfigSource.DYNAMIC_TOPIC_CONFIG.value),
               "segment.bytes after alter_configs")
    # AlterConfigs replaces the whole set: retention.ms is back to its default.
    check(run.value(topic, "retention.ms") == ("604800000", ConfigSource.DEFAULT_CONFIG.value),
          f"retention.ms after alter_configs without it: {run.value(topic, 'retention.ms')}")
    bad = ConfigResource(ResourceType.TOPIC, topic, set_config={"segment.bytes": "lots"})
    expect_error(run.admin.alter_configs([bad], request_timeout=TIMEOUT)[bad], KafkaError.INVALID_CONFIG,
                 "alter_configs segment.bytes=lots")
    dry = ConfigResource(ResourceType.TOPIC, topic, set_config={"retention.ms": "1000"})
    result(run.admin.alter_configs([dry], validate_only=True, request_timeout=TIMEOUT)[dry],
           "alter_configs validate_only")
    time.sleep(0.5)
    check(run.value(topic, "segment.bytes")[0] == "1048576" and run.value(topic, "retention.ms")[0] == "604800000",
          "a refused or validate_only alter_configs changed the topic")
    print("alter_configs replaced the set; a bad value and validate_only changed nothing")


def part_delete_records(run):
    topic = run.topic("delete-records", partitions=2)
    tp0, tp1 = TopicPartition(topic, 0), TopicPartition(topic, 1)
    run.produce(topic, 0, 10)
    run.produce(topic, 1, 5)
    deleted = result(run.admin.delete_records([TopicPartition(topic, 0, 4)], request_timeout=TIMEOUT)[tp0],
                     "delete_records before 4")
    check(deleted.low_watermark == 4, f"low watermark {deleted.low_watermark}, expected 4")
    check(run.offset(tp0, OffsetSpec.earliest()).offset == 4, "earliest after delete_records")
    check(run.offset(tp0, OffsetSpec.latest()).offset == 10, "latest after delete_records")
    consumer = Consumer({"bootstrap.servers": run.bootstrap, "group.id": run.name("dr"),
                         "auto.offset.reset": "earliest", "enable.auto.commit": False})
    consumer.assign([TopicPartition(topic, 0, -2)])  # OFFSET_BEGINNING
    got = []
    deadline = time.monotonic() + TIMEOUT
    while len(got) < 6 and time.monotonic() < deadline:
        msg = consumer.poll(0.5)
        if msg is not None and msg.error() is None:
            got.append((msg.offset(), msg.key().decode()))
    consumer.close()
    check(got == [(o, f"k{o}") for o in range(4, 10)], f"consumed from the beginning: {got}")
    print("delete_records before 4: low watermark 4, earliest 4, the consumer starts at offset 4 (key k4)")

    # -1 (OFFSET_END): up to the high watermark.
    deleted = result(run.admin.delete_records([TopicPartition(topic, 1, -1)], request_timeout=TIMEOUT)[tp1],
                     "delete_records before the end")
    check(deleted.low_watermark == 5, f"low watermark {deleted.low_watermark} after deleting all, expected 5")
    check(run.produce(topic, 1, 1) == [5], "a new record after deleting everything is not at offset 5")
    expect_error(run.admin.delete_records([TopicPartition(topic, 0, 11)], request_timeout=TIMEOUT)[tp0],
                 KafkaError.OFFSET_OUT_OF_RANGE, "delete_records beyond the high watermark")
    check(run.offset(tp0, OffsetSpec.earliest()).offset == 4, "earliest moved after a refused delete_records")


def part_list_offsets(run):
    topic = run.topic("list-offsets")
    tp = TopicPartition(topic, 0)
    check(run.offset(tp, OffsetSpec.latest()).offset == 0, "latest of an empty partition")
    base = int(time.time() * 1000) - 60000
    stamps = [base, base + 1000, base + 5000, base + 3000, base + 4000]
    run.produce(topic, 0, 5, timestamps=stamps)
    got = {
        "earliest": run.offset(tp, OffsetSpec.earliest()).offset,
        "latest": run.offset(tp, OffsetSpec.latest()).offset,
    }
    mx = run.offset(tp, OffsetSpec.max_timestamp())
    at = run.offset(tp, OffsetSpec.for_timestamp(base + 2000))
    after = run.offset(tp, OffsetSpec.for_timestamp(base + 6000))
    got.update({"max_timestamp": (mx.offset, mx.timestamp), "for_timestamp": (at.offset, at.timestamp),
                "after_last": after.offset, "leader_epoch": at.leader_epoch})
    want = {"earliest": 0, "latest": 5, "max_timestamp": (2, base + 5000), "for_timestamp": (2, base + 5000),
            "after_last": -1, "leader_epoch": 0}
    check(got == want, f"list_offsets {got}, expected {want}")
    print(f"list_offsets: {got}")


def part_describe_cluster_and_topics(run):
    cluster = result(run.admin.describe_cluster(include_authorized_operations=True, request_timeout=TIMEOUT),
                     "describe_cluster")
    host, port = run.bootstrap.rsplit(":", 1)
    nodes = [(n.id, n.host, n.port) for n in cluster.nodes]
    check(nodes == [(1, host, int(port))], f"nodes {nodes}")
    check(cluster.controller is not None and cluster.controller.id == 1, f"controller {cluster.controller}")
    check(cluster.cluster_id and len(cluster.cluster_id) == 22, f"cluster id {cluster.cluster_id!r}")
    ops = sorted(op.name for op in cluster.authorized_operations or [])
    want_ops = ["ALTER", "ALTER_CONFIGS", "CLUSTER_ACTION", "CREATE", "DESCRIBE", "DESCRIBE_CONFIGS",
                "IDEMPOTENT_WRITE"]
    check(ops == want_ops, f"cluster authorized operations {ops}, expected {want_ops}")
    print(f"describe_cluster: node 1 at {run.bootstrap}, controller 1, cluster id {cluster.cluster_id}, ops {ops}")

    topic = run.topic("describe-topics", partitions=30)
    futures = run.admin.describe_topics(TopicCollection([topic]), include_authorized_operations=True,
                                        request_timeout=TIMEOUT)
    desc = result(futures[topic], "describe_topics")
    parts = [(p.id, p.leader.id, [r.id for r in p.replicas], [r.id for r in p.isr]) for p in desc.partitions]
    check(parts == [(i, 1, [1], [1]) for i in range(30)], f"partitions {parts}")
    check(not desc.is_internal and desc.topic_id is not None, f"internal {desc.is_internal} id {desc.topic_id}")
    ops = sorted(op.name for op in desc.authorized_operations or [])
    want_ops = ["ALTER", "ALTER_CONFIGS", "CREATE", "DELETE", "DESCRIBE", "DESCRIBE_CONFIGS", "READ", "WRITE"]
    check(ops == want_ops, f"topic authorized operations {ops}, expected {want_ops}")
    missing = run.name("missing")
    expect_error(run.admin.describe_topics(TopicCollection([missing]), request_timeout=TIMEOUT)[missing],
                 KafkaError.UNKNOWN_TOPIC_OR_PART, "describe_topics unknown topic")
    print(f"describe_topics: 30 partitions led by 1, ops {ops}")


def part_elect_leaders(run):
    topic = run.topic("elect", partitions=2)
    tps = [TopicPartition(topic, 0), TopicPartition(topic, 1)]
    for kind in (ElectionType.PREFERRED, ElectionType.UNCLEAN):
        # confluent-kafka 2.16.1's elect_leaders raises SystemError when given request_timeout.
        got = result(run.admin.elect_leaders(kind, tps), f"elect_leaders {kind}")
        codes = {(tp.topic, tp.partition): (err.name() if err else None) for tp, err in got.items()}
        want = {(topic, 0): "ELECTION_NOT_NEEDED", (topic, 1): "ELECTION_NOT_NEEDED"}
        check(codes == want, f"elect_leaders {kind}: {codes}")
    print("elect_leaders PREFERRED and UNCLEAN: ELECTION_NOT_NEEDED per partition")


def part_acls(run):
    any_filter = AclBindingFilter(ResourceType.ANY, None, ResourcePatternType.ANY, None, None, AclOperation.ANY,
                                  AclPermissionType.ANY)
    # Kafka answers SECURITY_DISABLED, as to the Java client, but librdkafka (2.16.1)
    # hands confluent-kafka an empty list for it: observed against Kafka 4.4.
    acls = result(run.admin.describe_acls(any_filter, request_timeout=TIMEOUT), "describe_acls")
    check(acls == [], f"describe_acls {acls}, expected [] as against Kafka")
    binding = AclBinding(ResourceType.TOPIC, "events", ResourcePatternType.LITERAL, "User:alice", "*",
                         AclOperation.READ, AclPermissionType.ALLOW)
    for f in run.admin.create_acls([binding], request_timeout=TIMEOUT).values():
        err = expect_error(f, KafkaError.SECURITY_DISABLED, "create_acls")
        check(err.str() == "No Authorizer is configured.", f"create_acls message {err.str()!r}")
    for f in run.admin.delete_acls([any_filter], request_timeout=TIMEOUT).values():
        expect_error(f, KafkaError.SECURITY_DISABLED, "delete_acls")


def part_scram(run):
    alice, bob = run.name("alice"), run.name("bob")
    sha256, sha512 = ScramMechanism.SCRAM_SHA_256, ScramMechanism.SCRAM_SHA_512

    def describe(users):
        return run.admin.describe_user_scram_credentials(users, request_timeout=TIMEOUT)

    expect_error(describe([alice])[alice], KafkaError.RESOURCE_NOT_FOUND, "describe_user_scram_credentials unknown")
    futures = run.admin.alter_user_scram_credentials([
        UserScramCredentialUpsertion(alice, ScramCredentialInfo(sha256, 8192), b"alice-secret"),
        UserScramCredentialUpsertion(bob, ScramCredentialInfo(sha512, 4096), b"bob-secret", b"some-salt"),
    ], request_timeout=TIMEOUT)
    for user, f in futures.items():
        result(f, f"alter_user_scram_credentials upsert {user}")

    def infos(user):
        try:
            d = describe([user])[user].result(timeout=TIMEOUT)
        except KafkaException as e:
            return e.args[0].name()
        return sorted((i.mechanism.name, i.iterations) for i in d.scram_credential_infos)

    eventually(lambda: infos(alice), [("SCRAM_SHA_256", 8192)], "alice's credentials")
    eventually(lambda: infos(bob), [("SCRAM_SHA_512", 4096)], "bob's credentials")
    every = result(run.admin.describe_user_scram_credentials(request_timeout=TIMEOUT), "describe all users")
    check({alice, bob} <= set(every), f"describe all users: {sorted(every)}")
    print("alter_user_scram_credentials upserts read back; both users among every user")

    for f in run.admin.alter_user_scram_credentials([UserScramCredentialDeletion(bob, sha512)],
                                                    request_timeout=TIMEOUT).values():
        result(f, "alter_user_scram_credentials delete")
    eventually(lambda: infos(bob), "RESOURCE_NOT_FOUND", "bob after deleting his one credential")
    for f in run.admin.alter_user_scram_credentials([UserScramCredentialDeletion(bob, sha512)],
                                                    request_timeout=TIMEOUT).values():
        expect_error(f, KafkaError.RESOURCE_NOT_FOUND, "delete a credential that is gone")
    for f in run.admin.alter_user_scram_credentials([
            UserScramCredentialUpsertion(run.name("carol"), ScramCredentialInfo(sha256, 1000), b"pw")],
            request_timeout=TIMEOUT).values():
        expect_error(f, KafkaError.UNACCEPTABLE_CREDENTIAL, "upsert with 1000 iterations")
    check(infos(alice) == [("SCRAM_SHA_256", 8192)], "alice changed")


def part_groups(run):
    topic = run.topic("groups", partitions=2)
    run.produce(topic, 0, 3)
    live, simple = run.name("live"), run.name("simple")
    # A simple group: offsets committed by assign(), no members.
    c = Consumer({"bootstrap.servers": run.bootstrap, "group.id": simple, "enable.auto.commit": False})
    c.commit(offsets=[TopicPartition(topic, 0, 2)], asynchronous=False)
    c.close()
    member = Consumer({"bootstrap.servers": run.bootstrap, "group.id": live, "client.id": "admin-live",
                       "enable.auto.commit": False, "auto.offset.reset": "earliest", "session.timeout.ms": 6000,
                       "heartbeat.interval.ms": 500})
    member.subscribe([topic])
    try:
        deadline = time.monotonic() + 30
        while len(member.assignment()) < 2 and time.monotonic() < deadline:
            member.poll(0.2)
        check(len(member.assignment()) == 2, f"no assignment for {live}: {member.assignment()}")
        member.commit(offsets=[TopicPartition(topic, 0, 1)], asynchronous=False)

        listed = result(run.admin.list_consumer_groups(request_timeout=TIMEOUT), "list_consumer_groups")
        states = {g.group_id: (g.state, g.is_simple_consumer_group) for g in listed.valid}
        check(states.get(live) == (ConsumerGroupState.STABLE, False), f"{live} listed as {states.get(live)}")
        check(states.get(simple) == (ConsumerGroupState.EMPTY, True), f"{simple} listed as {states.get(simple)}")
        desc = result(run.admin.describe_consumer_groups([live], request_timeout=TIMEOUT)[live],
                      "describe_consumer_groups")
        check(desc.state == ConsumerGroupState.STABLE and desc.partition_assignor in ("range", "roundrobin")
              and desc.coordinator.id == 1, f"{live}: {desc.state} {desc.partition_assignor} {desc.coordinator}")
        check(len(desc.members) == 1 and desc.members[0].client_id == "admin-live",
              f"{live} members {desc.members}")
        assigned = sorted((tp.topic, tp.partition) for tp in desc.members[0].assignment.topic_partitions)
        check(assigned == [(topic, 0), (topic, 1)], f"{live} assignment {assigned}")
        print(f"list/describe_consumer_groups: {live} STABLE with 1 member on 2 partitions, {simple} EMPTY simple")

        def offsets(group):
            got = result(run.admin.list_consumer_group_offsets([ConsumerGroupTopicPartitions(group)],
                                                               request_timeout=TIMEOUT)[group],
                         f"list_consumer_group_offsets {group}")
            return sorted((tp.partition, tp.offset) for tp in got.topic_partitions if tp.topic == topic)

        check(offsets(live) == [(0, 1)], f"{live} offsets {offsets(live)}")
        check(offsets(simple) == [(0, 2)], f"{simple} offsets {offsets(simple)}")
        # A group with a live member refuses an admin commit (no member, generation -1):
        # the error comes per partition.
        altered = result(run.admin.alter_consumer_group_offsets(
            [ConsumerGroupTopicPartitions(live, [TopicPartition(topic, 0, 3)])], request_timeout=TIMEOUT)[live],
            "alter_consumer_group_offsets of a live group")
        errors = [tp.error.name() if tp.error else None for tp in altered.topic_partitions]
        print(f"alter_consumer_group_offsets of a live group: per-partition errors {errors}")
        check(errors == ["UNKNOWN_MEMBER_ID"], f"alter_consumer_group_offsets of a live group: {errors}")
        check(offsets(live) == [(0, 1)], f"{live} offsets after a refused alter {offsets(live)}")
        altered = result(run.admin.alter_consumer_group_offsets(
            [ConsumerGroupTopicPartitions(simple, [TopicPartition(topic, 0, 3), TopicPartition(topic, 1, 0)])],
            request_timeout=TIMEOUT)[simple], "alter_consumer_group_offsets")
        check([tp.error for tp in altered.topic_partitions] == [None, None],
              f"alter_consumer_group_offsets per-partition errors {[tp.error for tp in altered.topic_partitions]}")
        check(offsets(simple) == [(0, 3), (1, 0)], f"{simple} offsets after alter {offsets(simple)}")
        expect_error(run.admin.delete_consumer_groups([live], request_timeout=TIMEOUT)[live],
                     KafkaError.NON_EMPTY_GROUP, "delete_consumer_groups of a live group")
    finally:
        member.close()
    result(run.admin.delete_consumer_groups([simple], request_timeout=TIMEOUT)[simple], "delete_consumer_groups")
    check(offsets(simple) == [], f"{simple} offsets after delete {offsets(simple)}")
    listed = result(run.admin.list_consumer_groups(request_timeout=TIMEOUT), "list_consumer_groups")
    check(simple not in {g.group_id for g in listed.valid}, f"{simple} still listed after delete")
    print("alter/list offsets read back; delete_consumer_groups removed the group and its offsets")


PARTS = [
    part_describe_configs,
    part_incremental_alter_configs,
    part_alter_configs,
    part_delete_records,
    part_list_offsets,
    part_describe_cluster_and_topics,
    part_elect_leaders,
    part_acls,
    part_scram,
    part_groups,
]


def main():
    run = Run(sys.argv[1])
    status = run_parts("confluent_admin", PARTS, run, only=sys.argv[2] if len(sys.argv) > 2 else None)
    sys.exit(status)


if __name__ == "__main__":
    main()
