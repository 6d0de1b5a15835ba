"""REST Proxy v2 consumer instances against a real strand, with `requests` on
the REST side and confluent-kafka (librdkafka) on the Kafka side.

    python tests/http/consumers.py CHECK KAFKA_ADDR HTTP_ADDR

CHECK is one of the functions named in CHECKS below; each exits non-zero (an
AssertionError with the reason) when strand does not behave as the REST Proxy
does. Every wait is bounded.
"""

import base64
import json
import sys
import time
import uuid

import requests
from confluent_kafka import Consumer, Producer, TopicPartition
from confluent_kafka.admin import AdminClient, NewTopic

V2 = "application/vnd.kafka.v2+json"
BINARY = "application/vnd.kafka.binary.v2+json"
JSON = "application/vnd.kafka.json.v2+json"
WAIT = 30.0


def unique(prefix):
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


class Rest:
    def __init__(self, http):
        self.base = f"http://{http}"
        self.session = requests.Session()

    def call(self, method, path, body=None, content_type=V2, accept=None, expect=None, **kwargs):
        headers = {}
        data = None
        if body is not None:
            headers["Content-Type"] = content_type
            data = body if isinstance(body, (bytes, str)) else json.dumps(body)
        if accept:
            headers["Accept"] = accept
        r = self.session.request(method, self.base + path, data=data, headers=headers, timeout=WAIT + 30, **kwargs)
        if expect is not None:
            assert r.status_code == expect, f"{method} {path}: expected {expect}, got {r.status_code}: {r.text}"
        return r

    def error(self, r, status, code):
        assert r.status_code == status, f"expected {status}, got {r.status_code}: {r.text}"
        body = r.json()
        assert body.get("error_code") == code, f"expected error_code {code}, got {body}"
        assert isinstance(body.get("message"), str) and body["message"], body

    def create(self, group, **config):
        r = self.call("POST", f"/consumers/{group}", config, expect=200)
        body = r.json()
        assert r.headers["Content-Type"].startswith(V2), r.headers
        name = body["instance_id"]
        if "name" in config:
            assert name == config["name"], body
        assert body["base_uri"].endswith(f"/consumers/{group}/instances/{name}"), body
        assert body["base_uri"].startswith("http://"), body
        return f"/consumers/{group}/instances/{name}"

    def records(self, instance, accept=BINARY, timeout_ms=500, max_bytes=None):
        params = {"timeout": timeout_ms}
        if max_bytes is not None:
            params["max_bytes"] = max_bytes
        r = self.call("GET", instance + "/records", accept=accept, params=params, expect=200)
        return r.json()

    def read_until(self, instance, count, accept=BINARY, limit=WAIT):
        """Records until at least `count` came back, within `limit` seconds."""
        got = []
        deadline = time.monotonic() + limit
        while len(got) < count and time.monotonic() < deadline:
            got.extend(self.records(instance, accept=accept))
        assert len(got) >= count, f"only {len(got)} of {count} records within {limit}s: {got}"
        return got

    def assignment(self, instance):
        r = self.call("GET", instance + "/assignments", expect=200)
        return sorted((p["topic"], p["partition"]) for p in r.json()["partitions"])

    def wait_assignment(self, instance, want, limit=WAIT):
        deadline = time.monotonic() + limit
        got = None
        while time.monotonic() < deadline:
            got = self.assignment(instance)
            if want(got):
                return got
            time.sleep(0.2)
        raise AssertionError(f"assignment never became what was expected, last {got}")


def create_topic(kafka, name, partitions=1):
    admin = AdminClient({"bootstrap.servers": kafka})
    futures = admin.create_topics([NewTopic(name, num_partitions=partitions, replication_factor=1)])
    futures[name].result(timeout=WAIT)


def produce(kafka, topic, records):
    """records: (partition, key, value[, timestamp_ms]); returns their offsets."""
    producer = Producer({"bootstrap.servers": kafka, "linger.ms": 0})
    offsets = {}

    def delivered(err, msg):
        assert err is None, err
        offsets[(msg.partition(), msg.value())] = msg.offset()

    for record in records:
        partition, key, value = record[:3]
        kwargs = {"timestamp": record[3]} if len(record) > 3 else {}
        producer.produce(topic, key=key, value=value, partition=partition, on_delivery=delivered, **kwargs)
    assert producer.flush(WAIT) == 0, "records not delivered"
    return offsets


def b64(data):
    return base64.b64encode(data).decode() if data is not None else None


# --- checks ---------------------------------------------------------------------


def kafka_produces_rest_reads_binary_and_json(kafka, http):
    rest = Rest(http)
    topic = unique("c-read")
    create_topic(kafka, topic)
    produce(kafka, topic, [(0, b'"k1"', b'{"n": 1}'), (0, None, b'[1, "two"]'), (0, b'"k3"', b"null")])

    binary = rest.create(unique("g"), name="bin", format="binary", **{"auto.offset.reset": "earliest"})
    rest.call("POST", binary + "/subscription", {"topics": [topic]}, expect=204)
    got = rest.read_until(binary, 3)
    assert [(r["topic"], r["partition"], r["offset"]) for r in got] == [(topic, 0, 0), (topic, 0, 1), (topic, 0, 2)], got
    assert [r["key"] for r in got] == [b64(b'"k1"'), None, b64(b'"k3"')], got
    assert [r["value"] for r in got] == [b64(b'{"n": 1}'), b64(b'[1, "two"]'), b64(b"null")], got
    r = rest.call("GET", binary + "/subscription", expect=200)
    assert r.json() == {"topics": [topic]}, r.text

    js = rest.create(unique("g"), format="json", **{"auto.offset.reset": "earliest"})
    rest.call("POST", js + "/subscription", {"topics": [topic]}, expect=204)
    got = rest.read_until(js, 3, accept=JSON)
    assert [r["key"] for r in got] == ["k1", None, "k3"], got
    assert [r["value"] for r in got] == [{"n": 1}, [1, "two"], None], got
    # A binary Accept on a json instance is 406 40601.
    rest.error(rest.call("GET", js + "/records", accept=BINARY), 406, 40601)
    # Nothing new: an empty array after the long poll, which waits about `timeout`.
    started = time.monotonic()
    assert rest.records(js, accept=JSON, timeout_ms=700) == []
    waited = time.monotonic() - started
    assert 0.6 <= waited < 5, f"a 700 ms long poll took {waited:.2f}s"
    # A record produced during a long poll ends it early.
    deadline_ms = 10_000
    import threading

    later = threading.Timer(0.5, lambda: produce(kafka, topic, [(0, None, b'{"late": true}')]))
    later.start()
    started = time.monotonic()
    got = rest.records(js, accept=JSON, timeout_ms=deadline_ms)
    later.join()
    assert [r["value"] for r in got] == [{"late": True}], got
    assert time.monotonic() - started < 5, "the long poll did not wake on the append"
    for instance in (binary, js):
        rest.call("DELETE", instance, expect=204)


def max_bytes_bounds_a_response(kafka, http):
    rest = Rest(http)
    topic = unique("c-max")
    create_topic(kafka, topic)
    produce(kafka, topic, [(0, None, bytes([65 + i]) * 100) for i in range(10)])
    instance = rest.create(unique("g"), **{"auto.offset.reset": "earliest", "auto.commit.enable": "false"})
    rest.call("POST", instance + "/assignments", {"partitions": [{"topic": topic, "partition": 0}]}, expect=204)
    assert rest.assignment(instance) == [(topic, 0)]
    got = rest.records(instance, max_bytes=350)
    assert [r["offset"] for r in got] == [0, 1, 2], got
    got = rest.records(instance, max_bytes=1)
    assert [r["offset"] for r in got] == [3], f"one record even over max_bytes: {got}"
    got = rest.records(instance)
    assert [r["offset"] for r in got] == list(range(4, 10)), got
    rest.call("DELETE", instance, expect=204)


def split_two_partitions(kafka, http, rest_first):
    """A REST consumer and a librdkafka consumer in one group, subscribed to
    `two` (2 partitions): one partition each, each reads only its own; the
    first to join leads the group and computes the range assignment."""
    rest = Rest(http)
    group = unique("split")
    topic = "two"
    consumer = Consumer(
        {
            "bootstrap.servers": kafka,
            "group.id": group,
            "auto.offset.reset": "latest",
            "enable.auto.commit": False,
            "session.timeout.ms": 10000,
        }
    )
    instance = rest.create(group, name="rest-member", **{"auto.offset.reset": "latest"})

    def kafka_assignment():
        return sorted((tp.topic, tp.partition) for tp in consumer.assignment())

    def wait_kafka(want):
        deadline = time.monotonic() + WAIT
        while time.monotonic() < deadline:
            consumer.poll(0.2)
            if want(kafka_assignment()):
                return
        raise AssertionError(f"the Kafka consumer's assignment stayed {kafka_assignment()}")

    both = [(topic, 0), (topic, 1)]
    try:
        if rest_first:
            rest.call("POST", instance + "/subscription", {"topics": [topic]}, expect=204)
            # Alone in the group, the REST member leads and takes both partitions.
            rest.wait_assignment(instance, lambda a: a == both)
            consumer.subscribe([topic])
        else:
            consumer.subscribe([topic])
            wait_kafka(lambda a: a == both)
            rest.call("POST", instance + "/subscription", {"topics": [topic]}, expect=204)
        deadline = time.monotonic() + WAIT
        kafka_owned, rest_owned = [], []
        while time.monotonic() < deadline:
            consumer.poll(0.2)
            kafka_owned = kafka_assignment()
            rest_owned = rest.assignment(instance)
            if len(kafka_owned) == 1 and len(rest_owned) == 1:
                break
        assert len(kafka_owned) == 1 and len(rest_owned) == 1, f"kafka {kafka_owned}, rest {rest_owned}"
        assert sorted(kafka_owned + rest_owned) == both, f"kafka {kafka_owned}, rest {rest_owned}"
        rest_partition = rest_owned[0][1]
        kafka_partition = kafka_owned[0][1]

        # Both start at the end (latest); they take their positions before the records land.
        assert rest.records(instance, timeout_ms=100) == []
        deadline = time.monotonic() + WAIT
        while time.monotonic() < deadline:
            consumer.poll(0.2)
            if consumer.position([TopicPartition(topic, kafka_partition)])[0].offset >= 0:
                break
        tag = uuid.uuid4().hex.encode()
        produce(kafka, topic, [(0, None, tag + b"-0"), (1, None, tag + b"-1")])

        got = rest.read_until(instance, 1)
        assert [(r["partition"], base64.b64decode(r["value"])) for r in got] == [
            (rest_partition, tag + b"-%d" % rest_partition)
        ], got
        kafka_got = []
        deadline = time.monotonic() + WAIT
        while not kafka_got and time.monotonic() < deadline:
            msg = consumer.poll(0.2)
            if msg is not None and msg.error() is None:
                kafka_got.append((msg.partition(), msg.value()))
        assert kafka_got == [(kafka_partition, tag + b"-%d" % kafka_partition)], kafka_got
        assert rest.records(instance, timeout_ms=300) == [], "the REST member read the Kafka consumer's partition"
    finally:
        consumer.close()
    # The Kafka consumer left: the REST member gets both partitions back.
    rest.wait_assignment(instance, lambda a: a == both)
    rest.call("DELETE", instance, expect=204)
    rest.error(rest.call("GET", instance + "/assignments"), 404, 40403)


def rest_and_kafka_consumer_split_two_partitions(kafka, http):
    split_two_partitions(kafka, http, rest_first=True)


def kafka_led_group_splits_two_partitions_with_a_rest_consumer(kafka, http):
    split_two_partitions(kafka, http, rest_first=False)


def two_rest_consumers_split_and_follow_subscription_changes(kafka, http):
    """Two REST members of one group split `two`; one leaving gives the other
    both partitions; a new subscription rejoins the group with its topics."""
    rest = Rest(http)
    group = unique("pair")
    both = [("two", 0), ("two", 1)]
    a = rest.create(group, name="a")
    b = rest.create(group, name="b")
    rest.call("POST", a + "/subscription", {"topics": ["two"]}, expect=204)
    rest.wait_assignment(a, lambda got: got == both)
    rest.call("POST", b + "/subscription", {"topics": ["two"]}, expect=204)
    deadline = time.monotonic() + WAIT
    owned_a = owned_b = []
    while time.monotonic() < deadline:
        owned_a, owned_b = rest.assignment(a), rest.assignment(b)
        if len(owned_a) == 1 and len(owned_b) == 1:
            break
        time.sleep(0.2)
    assert sorted(owned_a + owned_b) == both and len(owned_a) == 1, f"a {owned_a}, b {owned_b}"
    # b unsubscribes: it leaves the group, a gets both partitions back.
    rest.call("DELETE", b + "/subscription", expect=204)
    assert rest.assignment(b) == []
    rest.wait_assignment(a, lambda got: got == both)
    # a subscribes to another topic instead: it rejoins with that topic only.
    topic = unique("c-resub")
    create_topic(kafka, topic, partitions=3)
    rest.call("POST", a + "/subscription", {"topics": [topic]}, expect=204)
    rest.wait_assignment(a, lambda got: got == [(topic, 0), (topic, 1), (topic, 2)])
    assert rest.call("GET", a + "/subscription", expect=200).json() == {"topics": [topic]}
    for instance in (a, b):
        rest.call("DELETE", instance, expect=204)


def deleted_instances_leave_no_member_behind(kafka, http):
    """Instances deleted at once after subscribing (their member mid-join)
    leave the group: it ends with no members, and a Kafka consumer then gets
    every partition."""
    rest = Rest(http)
    group = unique("churn")
    for i in range(15):
        instance = rest.create(group, name=f"c{i}")
        rest.call("POST", instance + "/subscription", {"topics": ["two"]}, expect=204)
        if i % 3 == 0:
            time.sleep(0.3)
        rest.call("DELETE", instance, expect=204)
    admin = AdminClient({"bootstrap.servers": kafka})
    deadline = time.monotonic() + WAIT
    members = None
    while time.monotonic() < deadline:
        members = len(admin.describe_consumer_groups([group])[group].result(timeout=WAIT).members)
        if members == 0:
            break
        time.sleep(0.2)
    assert members == 0, f"{members} members left behind"
    consumer = Consumer({"bootstrap.servers": kafka, "group.id": group, "session.timeout.ms": 10000})
    try:
        consumer.subscribe(["two"])
        deadline = time.monotonic() + WAIT
        while time.monotonic() < deadline and len(consumer.assignment()) != 2:
            consumer.poll(0.2)
        assert sorted(tp.partition for tp in consumer.assignment()) == [0, 1], consumer.assignment()
    finally:
        consumer.close()


def compressed_batches_are_read(kafka, http):
    """Records in gzip, snappy, lz4 and zstd batches (as librdkafka writes them) come back whole."""
    rest = Rest(http)
    topic = unique("c-codec")
    create_topic(kafka, topic)
    sent = []
    for codec in ("gzip", "snappy", "lz4", "zstd"):
        producer = Producer({"bootstrap.servers": kafka, "compression.type": codec, "linger.ms": 50})
        for i in range(20):
            value = (f"{codec}-{i}-" + "x" * 200).encode()
            producer.produce(topic, value=value, partition=0)
            sent.append(value)
        assert producer.flush(WAIT) == 0
    instance = rest.create(unique("g"), **{"auto.offset.reset": "earliest"})
    rest.call("POST", instance + "/subscription", {"topics": [topic]}, expect=204)
    got = rest.read_until(instance, len(sent))
    assert [base64.b64decode(r["value"]) for r in got] == sent
    assert [r["offset"] for r in got] == list(range(len(sent)))
    rest.call("DELETE", instance, expect=204)


def commit_and_committed_offsets(kafka, http):
    rest = Rest(http)
    topic = unique("c-commit")
    group = unique("g")
    create_topic(kafka, topic)
    produce(kafka, topic, [(0, None, b"v%d" % i) for i in range(5)])
    instance = rest.create(group, **{"auto.offset.reset": "earliest", "auto.commit.enable": "false"})
    rest.call("POST", instance + "/subscription", {"topics": [topic]}, expect=204)
    rest.read_until(instance, 5)
    # The REST Proxy commits the offset given plus one: the next record to read.
    offsets = {"offsets": [{"topic": topic, "partition": 0, "offset": 1, "metadata": "m1"}]}
    rest.call("POST", instance + "/offsets", offsets, expect=204)
    r = rest.call("GET", instance + "/offsets", {"partitions": [{"topic": topic, "partition": 0}]}, expect=200)
    assert r.json() == {"offsets": [{"topic": topic, "partition": 0, "offset": 2, "metadata": "m1"}]}, r.text

    # A Kafka client sees the group's commit.
    consumer = Consumer({"bootstrap.servers": kafka, "group.id": group})
    try:
        committed = consumer.committed([TopicPartition(topic, 0)], timeout=WAIT)
        assert committed[0].offset == 2, committed
        # An empty commit commits every position: all 5 read.
        rest.call("POST", instance + "/offsets", expect=204)
        committed = consumer.committed([TopicPartition(topic, 0)], timeout=WAIT)
        assert committed[0].offset == 5, committed
    finally:
        consumer.close()
    r = rest.call("GET", instance + "/offsets", {"partitions": [{"topic": topic, "partition": 0}]}, expect=200)
    assert r.json()["offsets"][0]["offset"] == 5, r.text
    rest.call("DELETE", instance, expect=204)

    # Auto-commit: records returned by one request are committed by the next, and on delete.
    group2 = unique("g")
    auto = rest.create(group2, **{"auto.offset.reset": "earliest", "auto.commit.enable": "true"})
    rest.call("POST", auto + "/subscription", {"topics": [topic]}, expect=204)
    rest.read_until(auto, 5)
    rest.call("DELETE", auto, expect=204)
    consumer = Consumer({"bootstrap.servers": kafka, "group.id": group2})
    try:
        committed = consumer.committed([TopicPartition(topic, 0)], timeout=WAIT)
        assert committed[0].offset == 5, committed
    finally:
        consumer.close()


def positions_beginning_end_and_seek(kafka, http):
    rest = Rest(http)
    topic = unique("c-seek")
    create_topic(kafka, topic)
    produce(kafka, topic, [(0, None, b"v%d" % i) for i in range(6)])
    instance = rest.create(unique("g"), **{"auto.offset.reset": "latest", "auto.commit.enable": "false"})
    part = {"topic": topic, "partition": 0}
    # Seeking a partition not assigned is refused, as Kafka's seek is.
    rest.error(rest.call("POST", instance + "/positions/beginning", {"partitions": [part]}), 409, 409)
    rest.call("POST", instance + "/assignments", {"partitions": [part]}, expect=204)
    assert rest.records(instance, timeout_ms=200) == [], "latest starts at the end"
    rest.call("POST", instance + "/positions/beginning", {"partitions": [part]}, expect=204)
    assert [r["offset"] for r in rest.read_until(instance, 6)] == list(range(6))
    rest.call("POST", instance + "/positions", {"offsets": [dict(part, offset=3)]}, expect=204)
    assert [r["offset"] for r in rest.read_until(instance, 3)] == [3, 4, 5]
    rest.call("POST", instance + "/positions/beginning", {"partitions": [part]}, expect=204)
    rest.call("POST", instance + "/positions/end", {"partitions": [part]}, expect=204)
    assert rest.records(instance, timeout_ms=200) == []
    produce(kafka, topic, [(0, None, b"after-end")])
    got = rest.read_until(instance, 1)
    assert [(r["offset"], base64.b64decode(r["value"])) for r in got] == [(6, b"after-end")], got
    # Assigned by hand, a subscription is refused (Kafka: mutually exclusive).
    rest.error(rest.call("POST", instance + "/subscription", {"topics": [topic]}), 409, 409)
    rest.call("DELETE", instance, expect=204)


def auto_offset_reset_by_duration(kafka, http):
    rest = Rest(http)
    topic = unique("c-duration")
    create_topic(kafka, topic)
    now = int(time.time() * 1000)
    two_hours_ago = now - 2 * 3600 * 1000
    old = [(0, None, b"old-%d" % i, two_hours_ago + i) for i in range(3)]
    new = [(0, None, b"new-%d" % i, now - 60_000 + i) for i in range(2)]
    produce(kafka, topic, old + new)

    def first_values(reset, count):
        instance = rest.create(unique("g"), **{"auto.offset.reset": reset})
        rest.call("POST", instance + "/subscription", {"topics": [topic]}, expect=204)
        got = rest.read_until(instance, count) if count else rest.records(instance, timeout_ms=1500)
        rest.call("DELETE", instance, expect=204)
        return [base64.b64decode(r["value"]) for r in got]

    assert first_values("by_duration:PT1H", 2) == [b"new-0", b"new-1"]
    assert first_values("by_duration:P1D", 5) == [b"old-0", b"old-1", b"old-2", b"new-0", b"new-1"]
    assert first_values("by_duration:PT30S", 0) == [], "nothing in the last 30 s starts at the end"
    assert first_values("earliest", 5)[0] == b"old-0"
    # Seeking by timestamp (an ISO-8601 instant), as the REST Proxy's positions take it.
    instance = rest.create(unique("g"), **{"auto.offset.reset": "latest", "auto.commit.enable": "false"})
    part = {"topic": topic, "partition": 0}
    rest.call("POST", instance + "/assignments", {"partitions": [part]}, expect=204)
    at = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime((two_hours_ago + 1) // 1000)) + ".%03dZ" % ((two_hours_ago + 1) % 1000)
    rest.call("POST", instance + "/positions", {"timestamps": [dict(part, timestamp=at)]}, expect=204)
    got = rest.read_until(instance, 4)
    assert [base64.b64decode(r["value"]) for r in got] == [b"old-1", b"old-2", b"new-0", b"new-1"], got
    rest.error(rest.call("POST", instance + "/positions", {"timestamps": [dict(part, timestamp="yesterday")]}), 422, 422)
    rest.call("DELETE", instance, expect=204)
    r = rest.call("POST", f"/consumers/{unique('g')}", {"auto.offset.reset": "by_duration:1h"})
    rest.error(r, 422, 42204)


def errors_as_the_rest_proxy_gives_them(kafka, http):
    rest = Rest(http)
    group = unique("g")
    instance = rest.create(group, name="dup")
    # 409 40902: the name is taken in this group (not in another).
    rest.error(rest.call("POST", f"/consumers/{group}", {"name": "dup"}), 409, 40902)
    other = rest.create(unique("g"), name="dup")
    rest.call("DELETE", other, expect=204)
    # 404 40403: unknown instance, on every endpoint.
    missing = f"/consumers/{group}/instances/nobody"
    for method, suffix, body in [
        ("GET", "/records", None),
        ("POST", "/subscription", {"topics": ["two"]}),
        ("GET", "/subscription", None),
        ("DELETE", "/subscription", None),
        ("GET", "/assignments", None),
        ("POST", "/assignments", {"partitions": []}),
        ("POST", "/offsets", None),
        ("GET", "/offsets", None),
        ("POST", "/positions", {"offsets": []}),
        ("POST", "/positions/beginning", {"partitions": []}),
        ("POST", "/positions/end", {"partitions": []}),
        ("DELETE", "", None),
    ]:
        rest.error(rest.call(method, missing + suffix, body), 404, 40403)
    # 406 40601: a json Accept on a binary instance.
    rest.error(rest.call("GET", instance + "/records", accept=JSON), 406, 40601)
    # 415: a body that is not JSON by its media type.
    rest.error(rest.call("POST", instance + "/subscription", {"topics": ["two"]}, content_type="text/plain"), 415, 415)
    # 422: bodies that do not parse or say nothing usable.
    rest.error(rest.call("POST", instance + "/subscription", "{not json"), 422, 422)
    rest.error(rest.call("POST", instance + "/subscription", {"topics": []}), 422, 422)
    rest.error(rest.call("POST", instance + "/subscription", {"topic_pattern": "("}), 422, 422)
    rest.error(rest.call("POST", instance + "/subscription", {"topics": ["a b"]}), 422, 422)
    rest.error(rest.call("POST", instance + "/subscription", {"topics": ["x" * 40000]}), 422, 422)
    rest.error(rest.call("POST", instance + "/positions", {"offsets": [{"topic": "two", "partition": 0}]}), 422, 422)
    rest.error(rest.call("GET", instance + "/records", params={"timeout": "soon"}), 422, 422)
    # 42204: instance settings the REST Proxy refuses.
    rest.error(rest.call("POST", f"/consumers/{group}", {"format": "avro"}), 422, 42204)
    rest.error(rest.call("POST", f"/consumers/{group}", {"auto.offset.reset": "sometime"}), 422, 42204)
    rest.error(rest.call("POST", f"/consumers/{group}", {"auto.commit.enable": "perhaps"}), 422, 42204)
    # 404 40401 / 40402: unknown topic or partition.
    rest.error(rest.call("POST", instance + "/assignments", {"partitions": [{"topic": unique("no"), "partition": 0}]}), 404, 40401)
    rest.error(rest.call("POST", instance + "/assignments", {"partitions": [{"topic": "two", "partition": 7}]}), 404, 40402)
    # auto.offset.reset none with nothing committed: reading needs a seek first.
    strict = rest.create(unique("g"), **{"auto.offset.reset": "none"})
    rest.call("POST", strict + "/assignments", {"partitions": [{"topic": "two", "partition": 0}]}, expect=204)
    rest.error(rest.call("GET", strict + "/records", accept=BINARY), 409, 409)
    rest.call("POST", strict + "/positions/end", {"partitions": [{"topic": "two", "partition": 0}]}, expect=204)
    assert rest.records(strict, timeout_ms=100) == []
    rest.call("DELETE", strict, expect=204)
    # Subscribed by pattern: the subscription lists what matches.
    rest.call("POST", instance + "/subscription", {"topic_pattern": "tw."}, expect=204)
    assert rest.call("GET", instance + "/subscription", expect=200).json() == {"topics": ["two"]}
    rest.call("DELETE", instance + "/subscription", expect=204)
    assert rest.call("GET", instance + "/subscription", expect=200).json() == {"topics": []}
    rest.call("DELETE", instance, expect=204)
    rest.error(rest.call("DELETE", instance), 404, 40403)


def lag_shows_in_metrics(kafka, http):
    """Needs STRAND_METRICS (the broker's metrics address) in the environment."""
    import os
    import re

    metrics = os.environ["STRAND_METRICS"]
    rest = Rest(http)
    topic = unique("c-lag")
    group = unique("g")
    create_topic(kafka, topic)
    produce(kafka, topic, [(0, None, b"v%d" % i) for i in range(5)])
    instance = rest.create(group, **{"auto.offset.reset": "earliest", "auto.commit.enable": "false"})
    rest.call("POST", instance + "/subscription", {"topics": [topic]}, expect=204)
    rest.read_until(instance, 5)
    rest.call("POST", instance + "/offsets", {"offsets": [{"topic": topic, "partition": 0, "offset": 1}]}, expect=204)
    pattern = re.compile(
        r'^strand_consumer_group_lag\{(?=[^}]*group="%s")(?=[^}]*topic="%s")(?=[^}]*partition="0")[^}]*\} (\S+)$'
        % (re.escape(group), re.escape(topic)),
        re.M,
    )
    deadline = time.monotonic() + WAIT
    lag = None
    while time.monotonic() < deadline:
        found = pattern.search(requests.get(f"http://{metrics}/metrics", timeout=WAIT).text)
        lag = float(found.group(1)) if found else None
        if lag == 3:
            break
        time.sleep(0.2)
    assert lag == 3, f"expected lag 3 (end 5, committed 2) in /metrics, got {lag}"
    members = re.search(r'^strand_consumer_group_members\{group="%s"\} (\S+)$' % re.escape(group),
                        requests.get(f"http://{metrics}/metrics", timeout=WAIT).text, re.M)
    assert members and float(members.group(1)) == 1, "the REST member is not counted in the group"
    rest.call("DELETE", instance, expect=204)


def idle_instances_expire_and_leave_their_group(kafka, http):
    """Needs a broker with --consumer-instance-timeout-ms 2000 --http-max-consumer-instances 3."""
    rest = Rest(http)
    topic = unique("c-expire")
    group = unique("g")
    create_topic(kafka, topic)
    admin = AdminClient({"bootstrap.servers": kafka})

    def members():
        description = admin.describe_consumer_groups([group])[group].result(timeout=WAIT)
        return len(description.members)

    idle = rest.create(group, name="idle")
    busy = rest.create(unique("g"), name="busy")
    rest.call("POST", idle + "/subscription", {"topics": [topic]}, expect=204)
    rest.wait_assignment(idle, lambda a: a == [(topic, 0)])
    assert members() == 1
    # The instance limit: 3 here, one more is 429.
    third = rest.create(unique("g"))
    rest.error(rest.call("POST", f"/consumers/{unique('g')}", {}), 429, 429)
    rest.call("DELETE", third, expect=204)
    # `busy` is used every 0.5 s and stays; `idle` is not (looking at it would
    # use it) and goes after 2 s: its member leaves the group, then it is 404.
    started = time.monotonic()
    deadline = started + 15
    while members() != 0 and time.monotonic() < deadline:
        rest.call("GET", busy + "/assignments", expect=200)
        time.sleep(0.5)
    assert members() == 0, "the idle instance never expired and left its group"
    assert time.monotonic() - started >= 1.0, "expired before its timeout"
    rest.error(rest.call("GET", idle + "/assignments"), 404, 40403)
    rest.call("GET", busy + "/assignments", expect=200)
    # Its name is free again.
    rest.create(group, name="idle")


CHECKS = {
    f.__name__: f
    for f in [
        kafka_produces_rest_reads_binary_and_json,
        max_bytes_bounds_a_response,
        rest_and_kafka_consumer_split_two_partitions,
        kafka_led_group_splits_two_partitions_with_a_rest_consumer,
        two_rest_consumers_split_and_follow_subscription_changes,
        compressed_batches_are_read,
        deleted_instances_leave_no_member_behind,
        commit_and_committed_offsets,
        positions_beginning_end_and_seek,
        auto_offset_reset_by_duration,
        errors_as_the_rest_proxy_gives_them,
        idle_instances_expire_and_leave_their_group,
        lag_shows_in_metrics,
    ]
}

if __name__ == "__main__":
    if len(sys.argv) != 4 or sys.argv[1] not in CHECKS:
        sys.exit(f"usage: consumers.py {{{'|'.join(CHECKS)}}} KAFKA_ADDR HTTP_ADDR")
    CHECKS[sys.argv[1]](sys.argv[2], sys.argv[3])
    print(f"ok {sys.argv[1]}")
