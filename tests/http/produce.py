"""REST Proxy v2 topics and produce against a running strand, read back with a
Kafka client (confluent-kafka).

    python produce.py HTTP_ADDR KAFKA_ADDR

The broker has `events` (1 partition) and `two` (2 partitions). Checks:
- GET /topics, /topics/{t}, /topics/{t}/partitions[/{p}] shapes and 404s;
- binary (base64) and json produce: the offsets answered are where a Kafka
  consumer finds exactly those keys and values;
- keyed records land where librdkafka's murmur2_random partitioner (the Java
  client's default for keyed records) puts the same key bytes;
- explicit partitions (path and record field);
- 415, 422 (bad JSON, bad base64, a record over max.message.bytes, more than
  http_max_records_per_request records) and 404, with nothing appended.
"""

import base64
import json
import sys
import time

import requests
from confluent_kafka import Consumer, Producer, TopicPartition

HTTP = f"http://{sys.argv[1]}"
KAFKA = sys.argv[2]
BINARY = "application/vnd.kafka.binary.v2+json"
JSON = "application/vnd.kafka.json.v2+json"
TIMEOUT = 10


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def post(path, body, content_type=BINARY):
    data = body if isinstance(body, (bytes, str)) else json.dumps(body)
    return requests.post(HTTP + path, data=data, headers={"Content-Type": content_type}, timeout=TIMEOUT)


def compact(value) -> bytes:
    return json.dumps(value, separators=(",", ":")).encode()


def expect_error(response, status, code):
    assert response.status_code == status, (response.status_code, response.text)
    body = response.json()
    assert body["error_code"] == code, body
    assert isinstance(body["message"], str) and body["message"], body


def consumer():
    return Consumer({"bootstrap.servers": KAFKA, "group.id": "produce-py-reader", "enable.auto.commit": False})


def end_offsets(topic, partitions):
    c = consumer()
    try:
        return [c.get_watermark_offsets(TopicPartition(topic, p), timeout=TIMEOUT)[1] for p in range(partitions)]
    finally:
        c.close()


def read(topic, partition, offset, count):
    """`count` records of a partition from `offset`, as a Kafka client reads them."""
    c = consumer()
    c.assign([TopicPartition(topic, partition, offset)])
    records = []
    deadline = time.monotonic() + TIMEOUT
    try:
        while len(records) < count and time.monotonic() < deadline:
            m = c.poll(0.5)
            if m is None:
                continue
            assert m.error() is None, m.error()
            records.append(m)
    finally:
        c.close()
    assert len(records) == count, f"read {len(records)} of {count} records of {topic}/{partition} from {offset}"
    return records


def check_topics():
    r = requests.get(HTTP + "/topics", timeout=TIMEOUT)
    assert r.status_code == 200 and r.headers["Content-Type"] == "application/vnd.kafka.v2+json", r
    assert {"events", "two"} <= set(r.json()), r.json()

    r = requests.get(HTTP + "/topics/two", timeout=TIMEOUT)
    assert r.status_code == 200, r.text
    topic = r.json()
    assert topic["name"] == "two"
    assert topic["configs"]["cleanup.policy"] == "delete", topic["configs"]
    assert topic["configs"]["max.message.bytes"].isdigit(), topic["configs"]
    assert [p["partition"] for p in topic["partitions"]] == [0, 1], topic
    for p in topic["partitions"]:
        assert p["replicas"] == [{"broker": p["leader"], "leader": True, "in_sync": True}], p

    r = requests.get(HTTP + "/topics/two/partitions", timeout=TIMEOUT)
    assert r.json() == topic["partitions"], r.text
    r = requests.get(HTTP + "/topics/two/partitions/1", timeout=TIMEOUT)
    assert r.json() == topic["partitions"][1], r.text

    expect_error(requests.get(HTTP + "/topics/no-such-topic", timeout=TIMEOUT), 404, 40401)
    expect_error(requests.get(HTTP + "/topics/no-such-topic/partitions", timeout=TIMEOUT), 404, 40401)
    expect_error(requests.get(HTTP + "/topics/two/partitions/2", timeout=TIMEOUT), 404, 40402)
    expect_error(requests.get(HTTP + "/topics/two/partitions/x", timeout=TIMEOUT), 404, 40402)


def check_binary_produce_reads_back():
    records = [
        {"key": b64(b"k1"), "value": b64(b"\x00\x01binary\xff")},
        {"value": b64(b"no key")},
        {"key": b64(b"k1"), "value": None},
    ]
    r = post("/topics/events", {"records": records})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["key_schema_id"] is None and body["value_schema_id"] is None, body
    offsets = body["offsets"]
    assert len(offsets) == 3 and all(o["partition"] == 0 and o["error_code"] is None for o in offsets), offsets
    first = offsets[0]["offset"]
    assert [o["offset"] for o in offsets] == [first, first + 1, first + 2], offsets
    got = read("events", 0, first, 3)
    assert [(m.key(), m.value()) for m in got] == [
        (b"k1", b"\x00\x01binary\xff"),
        (None, b"no key"),
        (b"k1", None),
    ], [(m.key(), m.value()) for m in got]
    assert [m.offset() for m in got] == [o["offset"] for o in offsets]
    # The broker stamps CreateTime when a REST record has no time.
    assert abs(got[0].timestamp()[1] / 1000 - time.time()) < 60, got[0].timestamp()


def check_json_produce_reads_back():
    records = [
        {"key": "user-1", "value": {"name": "ada", "tags": [1, 2.5, None, True]}},
        {"key": {"id": 7}, "value": "a string"},
        {"value": 42},
        {"key": "user-2", "value": None},
        {"key": {"z": 1, "a": 2}, "value": {"zeta": [2, {"d": 3, "c": 4}], "alpha": "x"}},
    ]
    r = post("/topics/two", {"records": records}, JSON)
    assert r.status_code == 200, r.text
    offsets = r.json()["offsets"]
    assert len(offsets) == 5 and all(o["error_code"] is None and o["error"] is None for o in offsets), offsets
    for record, placed in zip(records, offsets):
        (m,) = read("two", placed["partition"], placed["offset"], 1)
        # Keys and values are stored as their compact JSON text, members in the order sent.
        if "key" in record:
            assert m.key() == compact(record["key"]), (m.key(), record)
        else:
            assert m.key() is None, m.key()
        if record["value"] is None:
            assert m.value() is None, m.value()
        else:
            assert m.value() == compact(record["value"]), (m.value(), record)


def check_keys_partition_like_the_java_client():
    keys = [f"key-{i}".encode() for i in range(40)] + [b"21", b"foobar", "é".encode()]
    r = post("/topics/two", {"records": [{"key": b64(k), "value": b64(b"v")} for k in keys]})
    assert r.status_code == 200, r.text
    rest_partitions = [o["partition"] for o in r.json()["offsets"]]
    assert set(rest_partitions) == {0, 1}, rest_partitions

    # librdkafka's murmur2_random is the Java default partitioner for keyed records.
    delivered = {}

    def on_delivery(err, msg):
        assert err is None, err
        delivered[msg.key()] = msg.partition()

    p = Producer({"bootstrap.servers": KAFKA, "partitioner": "murmur2_random"})
    for k in keys:
        p.produce("two", key=k, value=b"v", on_delivery=on_delivery)
    assert p.flush(TIMEOUT) == 0, "the Kafka producer did not deliver every record"
    assert [delivered[k] for k in keys] == rest_partitions, list(zip(keys, rest_partitions))

    # json keys hash as their JSON text, which is what the Kafka record's key is.
    r = post("/topics/two", {"records": [{"key": f"user-{i}", "value": i} for i in range(20)]}, JSON)
    assert r.status_code == 200, r.text
    delivered.clear()
    json_keys = [json.dumps(f"user-{i}").encode() for i in range(20)]
    for k in json_keys:
        p.produce("two", key=k, value=b"v", on_delivery=on_delivery)
    assert p.flush(TIMEOUT) == 0
    assert [delivered[k] for k in json_keys] == [o["partition"] for o in r.json()["offsets"]]


def check_explicit_partitions():
    r = post("/topics/two/partitions/1", {"records": [{"value": b64(b"a")}, {"key": b64(b"x"), "value": b64(b"b")}]})
    assert r.status_code == 200, r.text
    assert [o["partition"] for o in r.json()["offsets"]] == [1, 1], r.json()
    r = post("/topics/two", {"records": [{"value": b64(b"to 0"), "partition": 0}, {"value": b64(b"to 1"), "partition": 1}]})
    assert r.status_code == 200, r.text
    offsets = r.json()["offsets"]
    assert [o["partition"] for o in offsets] == [0, 1], offsets
    assert read("two", 1, offsets[1]["offset"], 1)[0].value() == b"to 1"


def check_errors_append_nothing():
    before = end_offsets("two", 2) + end_offsets("events", 1)

    one = {"records": [{"value": b64(b"v")}]}
    expect_error(post("/topics/two", one, "application/json"), 415, 415)
    expect_error(post("/topics/two", one, "application/vnd.kafka.avro.v2+json"), 415, 415)
    expect_error(requests.post(HTTP + "/topics/two", data=json.dumps(one), timeout=TIMEOUT), 415, 415)
    expect_error(post("/topics/two", "{not json"), 422, 422)
    expect_error(post("/topics/two", {"records": {"value": "AA=="}}), 422, 422)
    expect_error(post("/topics/two", {"records": []}), 422, 422)
    expect_error(post("/topics/two", {"records": [{"value": "AA=="}, {"value": "not base64!"}]}), 422, 422)
    expect_error(post("/topics/two", {"records": [{"value": "AA=="}, {"value": 5}]}), 422, 422)
    expect_error(post("/topics/no-such-topic", one), 404, 40401)
    expect_error(post("/topics/two/partitions/2", one), 404, 40402)
    expect_error(post("/topics/two", {"records": [{"value": "AA==", "partition": 0}, {"value": "AA==", "partition": 9}]}), 404, 40402)

    # Over max.message.bytes (1 MiB by default): 422 42206, the whole request
    # refused, the small record of the other partition too.
    big = b64(b"x" * (1024 * 1024 + 1))
    r = post("/topics/two", {"records": [{"value": "AA==", "partition": 0}, {"value": big, "partition": 1}]})
    expect_error(r, 422, 42206)
    # One more than http_max_records_per_request (10000 by default).
    r = post("/topics/two", {"records": [{"value": "AA=="}] * 10001})
    expect_error(r, 422, 422)
    assert "10000" in r.json()["message"], r.json()

    after = end_offsets("two", 2) + end_offsets("events", 1)
    assert after == before, f"a refused request appended records: {before} -> {after}"

    # Exactly the limit is fine.
    r = post("/topics/two", {"records": [{"value": "AA=="}] * 10000})
    assert r.status_code == 200 and len(r.json()["offsets"]) == 10000, r.text[:200]


def main():
    check_topics()
    check_binary_produce_reads_back()
    check_json_produce_reads_back()
    check_keys_partition_like_the_java_client()
    check_explicit_partitions()
    check_errors_append_nothing()
    print("produce.py: ok")


if __name__ == "__main__":
    main()
