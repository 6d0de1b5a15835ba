"""kafka-python's KafkaAdminClient: the admin calls whose API strand serves,
each checked for the values it reads back.

Usage: kafka_python_admin.py BOOTSTRAP [PART]

Against any broker (run.sh runs it against strand, and against the reference
Kafka with INTEROP_BOOTSTRAP). Topic and group names carry this run's id. Each
part runs even when an earlier one failed; the script prints "FAIL part: why"
per failed part and exits 1.
  - describe_configs: a topic's override and defaults (with synonyms, and only
    the overrides by default); the broker's node.id; an unknown topic
  - alter_configs: incremental (SET, DELETE; the new max.message.bytes refuses a
    bigger record) and legacy AlterConfigs, validate_only, a bad value
    INVALID_CONFIG
  - describe_cluster: the one node, controller, cluster id, authorized operations
  - describe_topic_partitions: a 25-partition topic paged 10 at a time
  - list_groups, describe_groups (a live member, its assignment),
    list_group_offsets, alter_group_offsets, delete_group_offsets, delete_groups
  - delete_records: low watermark, list_partition_offsets earliest follows, a
    consumer from the beginning starts there; beyond the end OffsetOutOfRangeError
  - describe_log_dirs: every partition of the topic with its size, lag 0
  - describe_acls: SecurityDisabledError
"""

import sys
import time

import kafka.errors as Errors
from kafka import KafkaConsumer, KafkaProducer, TopicPartition
from kafka.admin import (
    ACLFilter,
    ACLOperation,
    ACLPermissionType,
    ACLResourcePatternType,
    AlterConfigOp,
    ConfigResource,
    ConfigResourceType,
    KafkaAdminClient,
    NewTopic,
    OffsetSpec,
    ResourcePatternFilter,
    ResourceType,
)
from kafka.structs import OffsetAndMetadata

from parts import check, eventually, fail, run_parts


def expect_error(error_type, what, fn, *args, **kwargs):
    try:
        got = fn(*args, **kwargs)
    except error_type as e:
        print(f"{what} -> {type(e).__name__}: {e}")
        return e
    except Errors.KafkaError as e:
        fail(f"{what}: {type(e).__name__} ({e}), expected {error_type.__name__}")
    fail(f"{what} succeeded ({got!r:.300}), expected {error_type.__name__}")


class Run:
    def __init__(self, bootstrap):
        self.bootstrap = bootstrap
        self.id = f"{time.time_ns():x}"
        self.admin = KafkaAdminClient(bootstrap_servers=bootstrap, request_timeout_ms=20000)

    def name(self, what):
        return f"kpa-{self.id}-{what}"

    def topic(self, what, partitions=1, configs=None):
        name = self.name(what)
        self.admin.create_topics([NewTopic(name, partitions, 1, topic_configs=configs or {})])
        eventually(lambda: self.partitions(name), partitions, f"{name} partitions")
        return name

    def partitions(self, name):
        for t in self.admin.describe_topics([name]):
            if t["name"] == name and t["error_code"] == 0:
                return len(t["partitions"])
        return None

    def produce(self, topic, partition, count):
        producer = KafkaProducer(bootstrap_servers=self.bootstrap, linger_ms=0)
        offsets = [producer.send(topic, key=f"k{i}".encode(), value=f"v{i}".encode(), partition=partition)
                   .get(timeout=20).offset for i in range(count)]
        producer.close()
        return offsets

    def configs(self, kind, name, **kwargs):
        got = self.admin.describe_configs([ConfigResource(kind, name)], **kwargs)
        return got[kind.name.lower()][name]

    def topic_config(self, topic, name):
        entry = self.configs(ConfigResourceType.TOPIC, topic, config_filter="all").get(name)
        return None if entry is None else (entry["value"], entry["config_source"])


def part_describe_configs(run):
    topic = run.topic("describe", configs={"retention.ms": "3600000"})
    every = run.configs(ConfigResourceType.TOPIC, topic, config_filter="all", include_synonyms=True)
    for name in ["cleanup.policy", "compression.type", "max.message.bytes", "message.timestamp.type",
                 "retention.bytes", "retention.ms", "segment.bytes", "segment.ms"]:
        check(name in every, f"{name} not among {sorted(every)}")
    retention = every["retention.ms"]
    check((retention["value"], retention["config_source"], retention["read_only"], retention["is_sensitive"],
           retention["config_type"]) == ("3600000", "DYNAMIC_TOPIC_CONFIG", False, False, "LONG"),
          f"retention.ms {retention}")
    check([(s["name"], s["source"]) for s in retention["synonyms"]] == [("retention.ms", "DYNAMIC_TOPIC_CONFIG")],
          f"retention.ms synonyms {retention['synonyms']}")
    policy = every["cleanup.policy"]
    check((policy["value"], policy["config_source"], policy["config_type"]) == ("delete", "DEFAULT_CONFIG", "LIST"),
          f"cleanup.policy {policy}")
    check([(s["name"], s["value"], s["source"]) for s in policy["synonyms"]]
          == [("log.cleanup.policy", "delete", "DEFAULT_CONFIG")], f"cleanup.policy synonyms {policy['synonyms']}")
    # kafka-python's default filter: only what is set on the topic.
    modified = run.configs(ConfigResourceType.TOPIC, topic)
    check(sorted(modified) == ["retention.ms"], f"modified configs {sorted(modified)}")
    print(f"describe_configs {topic}: {len(every)} configs, retention.ms the one override")

    broker = run.configs(ConfigResourceType.BROKER, "1", config_filter="all")
    node = broker.get("node.id")
    # Kafka cannot start without node.id (STATIC_BROKER_CONFIG); strand defaults it to 1 (DEFAULT_CONFIG).
    check(node is not None and (node["value"], node["read_only"]) == ("1", True)
          and node["config_source"] in ("STATIC_BROKER_CONFIG", "DEFAULT_CONFIG"), f"node.id {node}")
    check(broker["message.max.bytes"]["value"] == "1048588", f"message.max.bytes {broker['message.max.bytes']}")
    print(f"describe_configs broker 1: {len(broker)} configs, node.id 1 read-only")
    # Kafka answers UNKNOWN_TOPIC_OR_PARTITION; kafka-python 3.0.12 hands back no configs for it.
    missing = run.configs(ConfigResourceType.TOPIC, run.name("missing"), config_filter="all")
    check(missing == {}, f"describe_configs of an unknown topic: {missing}")


def part_alter_configs(run):
    topic = run.topic("alter", configs={"retention.ms": "3600000"})
    resource = ConfigResource(ConfigResourceType.TOPIC, topic, configs={
        "max.message.bytes": (AlterConfigOp.SET, "2000"), "retention.ms": (AlterConfigOp.DELETE, None)})
    got = run.admin.alter_configs([resource], incremental=True)
    print(f"alter_configs(incremental): {got}")
    eventually(lambda: run.topic_config(topic, "max.message.bytes"), ("2000", "DYNAMIC_TOPIC_CONFIG"),
               "max.message.bytes after SET")
    check(run.topic_config(topic, "retention.ms") == ("604800000", "DEFAULT_CONFIG"),
          f"retention.ms after DELETE {run.topic_config(topic, 'retention.ms')}")
    producer = KafkaProducer(bootstrap_servers=run.bootstrap, linger_ms=0, retries=0)
    expect_error(Errors.MessageSizeTooLargeError, "a 3000-byte record over max.message.bytes=2000",
                 lambda: producer.send(topic, value=b"x" * 3000, partition=0).get(timeout=20))
    producer.close()

    # Legacy AlterConfigs replaces the topic's whole set; kafka-python sends the
    # topic's other overrides along (read with DescribeConfigs), so they stay.
    legacy = ConfigResource(ConfigResourceType.TOPIC, topic, configs={"segment.bytes": "1048576"})
    got = run.admin.alter_configs([legacy], incremental=False, raise_on_unknown=False)
    print(f"alter_configs(legacy): {got}")
    eventually(lambda: run.topic_config(topic, "segment.bytes"), ("1048576", "DYNAMIC_TOPIC_CONFIG"),
               "segment.bytes after AlterConfigs")
    check(run.topic_config(topic, "max.message.bytes") == ("2000", "DYNAMIC_TOPIC_CONFIG"),
          f"max.message.bytes after AlterConfigs: {run.topic_config(topic, 'max.message.bytes')}")

    for incremental in (True, False):
        dry = ConfigResource(ConfigResourceType.TOPIC, topic, configs={"retention.ms": "1000"})
        run.admin.alter_configs([dry], validate_only=True, incremental=incremental, raise_on_unknown=False)
        bad = ConfigResource(ConfigResourceType.TOPIC, topic, configs={"segment.bytes": "lots"})
        # kafka-python reports a resource's error in the result, as text.
        got = run.admin.alter_configs([bad], incremental=incremental, raise_on_unknown=False)["topic"][topic]
        print(f"alter_configs(incremental={incremental}) segment.bytes=lots -> {got}")
        check(str(got).startswith("[Error 40] InvalidConfigurationError"),
              f"alter_configs(incremental={incremental}) segment.bytes=lots: {got}")
    time.sleep(0.5)
    check(run.topic_config(topic, "retention.ms") == ("604800000", "DEFAULT_CONFIG")
          and run.topic_config(topic, "segment.bytes")[0] == "1048576",
          "validate_only or a refused alter_configs changed the topic")
    print("alter_configs: SET/DELETE, legacy replace, validate_only and refusals read back")


def part_describe_cluster(run):
    cluster = run.admin.describe_cluster()
    host, port = run.bootstrap.rsplit(":", 1)
    brokers = [(b["broker_id"], b["host"], b["port"]) for b in cluster["brokers"]]
    check(brokers == [(1, host, int(port))], f"brokers {brokers}")
    check(cluster["controller_id"] == 1, f"controller {cluster['controller_id']}")
    check(isinstance(cluster["cluster_id"], str) and len(cluster["cluster_id"]) == 22,
          f"cluster id {cluster['cluster_id']!r}")
    ops = sorted(str(op) for op in cluster["authorized_operations"])
    want = ["ALTER", "ALTER_CONFIGS", "CLUSTER_ACTION", "CREATE", "DESCRIBE", "DESCRIBE_CONFIGS", "IDEMPOTENT_WRITE"]
    check(ops == want, f"authorized operations {ops}, expected {want}")
    print(f"describe_cluster: {cluster}")


def part_describe_topic_partitions(run):
    topic = run.topic("paged", partitions=25)
    seen, cursor, pages = [], None, 0
    while True:
        page = run.admin.describe_topic_partitions([topic], response_partition_limit=10, cursor=cursor)
        pages += 1
        for t in page["topics"]:
            check(t["name"] == topic and t["error_code"] == 0 and not t["is_internal"], f"page topic {t}")
            for p in t["partitions"]:
                check((p["leader_id"], p["replica_nodes"], p["isr_nodes"]) == (1, [1], [1]), f"partition {p}")
                seen.append(p["partition_index"])
        cursor = page["next_cursor"]
        if cursor is None or pages > 10:
            break
        check(cursor["topic_name"] == topic, f"cursor {cursor}")
    check(seen == list(range(25)), f"partitions over {pages} pages: {seen}")
    check(pages == 3, f"{pages} pages of at most 10 for 25 partitions")
    print(f"describe_topic_partitions: 25 partitions in {pages} pages")


def part_groups(run):
    topic = run.topic("groups", partitions=2)
    run.produce(topic, 0, 5)
    live, idle = run.name("live"), run.name("idle")
    tp0, tp1 = TopicPartition(topic, 0), TopicPartition(topic, 1)
    member = KafkaConsumer(topic, bootstrap_servers=run.bootstrap, group_id=live, client_id="kpa-live",
                           enable_auto_commit=False, auto_offset_reset="earliest", session_timeout_ms=6000,
                           heartbeat_interval_ms=500)
    try:
        deadline = time.monotonic() + 30
        while len(member.assignment()) < 2 and time.monotonic() < deadline:
            member.poll(200)
        check(member.assignment() == {tp0, tp1}, f"{live} assignment {member.assignment()}")
        member.commit({tp0: OffsetAndMetadata(2, "", -1)})

        groups = {g["group_id"]: g for g in run.admin.list_groups()}
        check(groups.get(live, {}).get("group_state") == "Stable", f"{live} listed as {groups.get(live)}")
        desc = run.admin.describe_groups([live])[live]
        check(desc["group_state"] == "Stable" and desc["protocol_type"] == "consumer", f"{live}: {desc}")
        members = desc["members"]
        check(len(members) == 1 and members[0]["client_id"] == "kpa-live", f"{live} members {members}")
        assignment = members[0]["member_assignment"]
        assigned = sorted((t["topic"], p) for t in assignment["assigned_partitions"] for p in t["partitions"])
        check(assigned == [(topic, 0), (topic, 1)], f"{live} assignment as described: {assignment}")
        print(f"list_groups/describe_groups: {live} Stable, 1 member on {assigned}")

        offsets = run.admin.list_group_offsets({live: None})[live]
        check({tp: o.offset for tp, o in offsets.items()} == {tp0: 2}, f"{live} offsets {offsets}")
        # Offsets of a group with a live member cannot be deleted for a topic it consumes.
        errs = run.admin.delete_group_offsets(live, [tp0])
        check(errs.get(tp0) is Errors.GroupSubscribedToTopicError, f"delete_group_offsets of a live group: {errs}")
    finally:
        member.close()

    errs = run.admin.alter_group_offsets(idle, {tp0: OffsetAndMetadata(3, "by admin", -1),
                                                tp1: OffsetAndMetadata(0, "", -1)})
    check(set(errs.values()) == {Errors.NoError}, f"alter_group_offsets: {errs}")
    offsets = run.admin.list_group_offsets({idle: None})[idle]
    check({tp: (o.offset, o.metadata) for tp, o in offsets.items()} == {tp0: (3, "by admin"), tp1: (0, "")},
          f"{idle} offsets after alter {offsets}")
    errs = run.admin.delete_group_offsets(idle, [tp1])
    check(errs.get(tp1) is Errors.NoError, f"delete_group_offsets: {errs}")
    offsets = run.admin.list_group_offsets({idle: None})[idle]
    check({tp: o.offset for tp, o in offsets.items()} == {tp0: 3}, f"{idle} offsets after delete {offsets}")
    deleted = run.admin.delete_groups([idle, live])
    print(f"delete_groups: {deleted}")
    check(deleted == {idle: "OK", live: "OK"}, f"delete_groups {deleted}")
    left = {g["group_id"] for g in run.admin.list_groups()}
    check(not ({idle, live} & left), f"groups left after delete: {({idle, live} & left)}")
    print("list/alter/delete group offsets read back; delete_groups removed both")


def part_delete_records(run):
    topic = run.topic("delete-records", partitions=2)
    tp0 = TopicPartition(topic, 0)
    run.produce(topic, 0, 10)
    got = run.admin.delete_records({tp0: 4})
    check(got[tp0]["low_watermark"] == 4, f"delete_records {got}")
    earliest = run.admin.list_partition_offsets({tp0: OffsetSpec.EARLIEST})[tp0]
    latest = run.admin.list_partition_offsets({tp0: OffsetSpec.LATEST})[tp0]
    check((earliest.offset, latest.offset) == (4, 10), f"earliest {earliest}, latest {latest}")
    consumer = KafkaConsumer(bootstrap_servers=run.bootstrap, enable_auto_commit=False)
    consumer.assign([tp0])
    consumer.seek_to_beginning(tp0)
    seen = []
    deadline = time.monotonic() + 20
    while len(seen) < 6 and time.monotonic() < deadline:
        for records in consumer.poll(500).values():
            seen.extend((r.offset, r.key.decode()) for r in records)
    consumer.close()
    check(seen == [(o, f"k{o}") for o in range(4, 10)], f"consumed from the beginning {seen}")
    print("delete_records before 4: low watermark 4, earliest 4, latest 10, the consumer starts at 4")
    expect_error(Errors.OffsetOutOfRangeError, "delete_records beyond the high watermark",
                 run.admin.delete_records, {tp0: 11})


def part_describe_log_dirs(run):
    topic = run.topic("log-dirs", partitions=2)
    run.produce(topic, 0, 20)
    got = run.admin.describe_log_dirs()
    check([b["broker"] for b in got] == [1], f"brokers {[b['broker'] for b in got]}")
    dirs = got[0]["log_dirs"]
    check(len(dirs) == 1 and dirs[0]["error_code"] == 0, f"log dirs {[(d['log_dir'], d['error_code']) for d in dirs]}")
    parts = {p["partition_index"]: p for t in dirs[0]["topics"] if t["name"] == topic for p in t["partitions"]}
    check(sorted(parts) == [0, 1], f"{topic} partitions {sorted(parts)}")
    check(parts[0]["partition_size"] > 0 and parts[1]["partition_size"] == 0,
          f"sizes {parts[0]['partition_size']} and {parts[1]['partition_size']}")
    check(all(p["offset_lag"] == 0 and not p["is_future_key"] for p in parts.values()), f"partitions {parts}")
    if "total_bytes" in dirs[0]:
        check(dirs[0]["total_bytes"] >= dirs[0]["usable_bytes"] > 0, f"total/usable {dirs[0]}")
    only = run.admin.describe_log_dirs(topic_partitions={topic: [0]})
    listed = [(t["name"], p["partition_index"]) for t in only[0]["log_dirs"][0]["topics"] for p in t["partitions"]]
    check(listed == [(topic, 0)], f"describe_log_dirs for one partition: {listed}")
    print(f"describe_log_dirs: {dirs[0]['log_dir']}, {topic} sizes {parts[0]['partition_size']} and 0")


def part_describe_acls(run):
    acl_filter = ACLFilter(principal=None, host="*", operation=ACLOperation.ANY,
                           permission_type=ACLPermissionType.ANY,
                           resource_pattern=ResourcePatternFilter(ResourceType.ANY, None, ACLResourcePatternType.ANY))
    e = expect_error(Errors.SecurityDisabledError, "describe_acls", run.admin.describe_acls, acl_filter)
    check("No Authorizer is configured on the broker" in str(e), f"describe_acls message {e}")


PARTS = [
    part_describe_configs,
    part_alter_configs,
    part_describe_cluster,
    part_describe_topic_partitions,
    part_groups,
    part_delete_records,
    part_describe_log_dirs,
    part_describe_acls,
]


def main():
    run = Run(sys.argv[1])
    status = run_parts("kafka_python_admin", PARTS, run, only=sys.argv[2] if len(sys.argv) > 2 else None)
    run.admin.close()
    sys.exit(status)


if __name__ == "__main__":
    main()
