"""strand's /strand/v1 query and stats, and /openapi.json, end to end.

    python tests/http/query.py HTTP_ADDR KAFKA_ADDR [records|budget|stats|openapi]

A Kafka client (confluent-kafka) creates a two-partition topic of its own and
produces records with keys, headers and timestamps; the REST query must find
exactly the records each filter selects, page through them with the cursor
(each record once), refuse bad input with the REST Proxy's error codes, and
the stats must agree with what was produced (and with a Kafka consumer's
fetches). `budget` fills a topic past one request's scan budget and checks a
filter that matches nothing still answers, with a cursor, until it is done.
Every wait is bounded; exits non-zero on the first failed assertion.
"""

import base64
import sys
import time
import uuid

import requests
from confluent_kafka import Consumer, Producer, TopicPartition
from confluent_kafka.admin import AdminClient, NewTopic

HTTP, KAFKA = sys.argv[1], sys.argv[2]
WHAT = sys.argv[3] if len(sys.argv) > 3 else "records"
BASE = f"http://{HTTP}"
TIMEOUT = 30  # seconds, for every HTTP call
NOW = int(time.time() * 1000)
# An hour back: under strand's default message.timestamp.after.max.ms and well after retention's reach.
T0 = NOW - 3_600_000
COUNT = 40


def create_topic(partitions):
    name = f"query-{uuid.uuid4().hex[:10]}"
    admin = AdminClient({"bootstrap.servers": KAFKA})
    futures = admin.create_topics([NewTopic(name, partitions, 1)], request_timeout=15)
    futures[name].result(timeout=20)
    return name


def produce(topic, records):
    """records: dicts with partition, key, value, timestamp, headers."""
    producer = Producer({"bootstrap.servers": KAFKA, "linger.ms": 5, "message.max.bytes": 2_000_000})
    failures = []
    for r in records:
        producer.produce(
            topic,
            value=r["value"],
            key=r["key"],
            partition=r["partition"],
            timestamp=r["timestamp"],
            headers=r["headers"],
            on_delivery=lambda err, msg: err and failures.append(err),
        )
    left = producer.flush(30)
    assert left == 0 and not failures, f"produce: {left} undelivered, failures {failures}"


def spec(i):
    """Record i of the main topic: partition i % 2, five keys, every fourth value an error."""
    value = f"error {i}: disk full" if i % 4 == 0 else f"line {i} ok"
    headers = [("level", b"warn" if i % 3 == 0 else b"info"), ("seq", str(i).encode())]
    if i % 10 == 0:
        headers.append(("flag", None))
    return {
        "partition": i % 2,
        "key": f"k{i % 5}".encode(),
        "value": value.encode(),
        "timestamp": T0 + i * 1000,
        "headers": headers,
        "i": i,
    }


def get(path, **params):
    return requests.get(f"{BASE}{path}", params=params, timeout=TIMEOUT)


def query(topic, **params):
    response = get(f"/strand/v1/topics/{topic}/records", **params)
    assert response.status_code == 200, (params, response.status_code, response.text)
    body = response.json()
    assert set(body) == {"records", "next_cursor"}, body.keys()
    return body


def all_pages(topic, max_pages=200, **params):
    """Every record the query yields, following next_cursor; asserts each page's size."""
    seen = []
    limit = int(params.get("limit", 100))
    cursor = None
    for _ in range(max_pages):
        page = query(topic, **params, **({"cursor": cursor} if cursor else {}))
        assert len(page["records"]) <= limit, len(page["records"])
        seen.extend(page["records"])
        cursor = page["next_cursor"]
        if cursor is None:
            return seen
    raise AssertionError(f"no end after {max_pages} pages")


def ids(records):
    return [(r["partition"], r["offset"]) for r in records]


def expected(specs, keep):
    """(partition, offset) of the specs `keep` selects, in the query's order: by partition, then offset."""
    offsets, out = {0: 0, 1: 0}, []
    for s in specs:
        offset = offsets[s["partition"]]
        offsets[s["partition"]] += 1
        if keep(s):
            out.append((s["partition"], offset))
    return sorted(out)


def check_error(response, status, code):
    assert response.status_code == status, (response.status_code, response.text)
    body = response.json()
    assert body["error_code"] == code, body
    assert isinstance(body["message"], str) and body["message"], body


def records_check():
    topic = create_topic(2)
    specs = [spec(i) for i in range(COUNT)]
    produce(topic, specs)

    # Everything, in one page, every field as produced.
    page = query(topic, limit=1000)
    assert page["next_cursor"] is None, page["next_cursor"]
    assert ids(page["records"]) == expected(specs, lambda s: True), ids(page["records"])
    by_seq = {int(dict((h["name"], h["value"]) for h in r["headers"])["seq"]): r for r in page["records"]}
    assert sorted(by_seq) == list(range(COUNT))
    for i, r in by_seq.items():
        s = specs[i]
        assert r["partition"] == s["partition"] and r["timestamp"] == s["timestamp"], (r, s)
        assert (r["key"], r["key_encoding"]) == (s["key"].decode(), "utf8"), r
        assert (r["value"], r["value_encoding"]) == (s["value"].decode(), "utf8"), r
        want = [{"name": k, "value": v.decode() if v is not None else None,
                 "value_encoding": "utf8" if v is not None else None} for k, v in s["headers"]]
        assert r["headers"] == want, (r["headers"], want)

    # Each filter, alone and together, selects exactly what it says.
    filters = [
        ({"key": "k1"}, lambda s: s["key"] == b"k1"),
        ({"header": "level:warn"}, lambda s: s["i"] % 3 == 0),
        ({"header": "flag"}, lambda s: s["i"] % 10 == 0),
        ({"contains": "disk full"}, lambda s: s["i"] % 4 == 0),
        ({"partition": 1}, lambda s: s["partition"] == 1),
        ({"from_time": T0 + 10_000, "to_time": T0 + 19_000}, lambda s: 10 <= s["i"] <= 19),
        ({"from_offset": 15}, lambda s: s["i"] // 2 >= 15),
        ({"key": "k0", "header": "level:warn", "contains": "error"},
         lambda s: s["key"] == b"k0" and s["i"] % 3 == 0 and s["i"] % 4 == 0),
        ({"partition": 0, "from_time": T0 + 30_000}, lambda s: s["partition"] == 0 and s["i"] >= 30),
        ({"key": "nobody"}, lambda s: False),
    ]
    for params, keep in filters:
        got = ids(query(topic, limit=1000, **params)["records"])
        assert got == expected(specs, keep), (params, got, expected(specs, keep))

    # Paging: every record once, in order, for several page sizes and a filter.
    for params, keep in [({"limit": 3}, lambda s: True), ({"limit": 7, "contains": "ok"}, lambda s: s["i"] % 4 != 0),
                         ({"limit": 1, "header": "level:warn"}, lambda s: s["i"] % 3 == 0)]:
        got = ids(all_pages(topic, **params))
        assert got == expected(specs, keep), (params, got)

    # A cursor stays good while records are appended; the new ones come after.
    first = query(topic, limit=5)
    assert first["next_cursor"], first
    more = [dict(spec(i)) for i in range(COUNT, COUNT + 4)]
    produce(topic, more)
    cursor, rest = first["next_cursor"], []
    for _ in range(100):
        page = query(topic, limit=5, cursor=cursor)
        rest.extend(page["records"])
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert cursor is None
    assert ids(first["records"]) + ids(rest) == expected(specs + more, lambda s: True)

    # A value that is not UTF-8 comes back as base64; a null key stays null.
    binary_topic = create_topic(1)
    produce(binary_topic, [{"partition": 0, "key": None, "value": b"\xff\x00\xfe", "timestamp": NOW, "headers": None}])
    (r,) = query(binary_topic)["records"]
    assert (r["key"], r["key_encoding"]) == (None, None), r
    assert r["value_encoding"] == "base64" and base64.b64decode(r["value"]) == b"\xff\x00\xfe", r

    # Errors as the REST Proxy gives them.
    check_error(get("/strand/v1/topics/no-such-topic/records"), 404, 40401)
    check_error(get(f"/strand/v1/topics/{topic}/records", partition=2), 404, 40402)
    for params in [{"limit": 0}, {"limit": 1001}, {"limit": "ten"}, {"from_offset": -1}, {"partition": "x"},
                   {"cursor": "garbage!"}, {"cursor": "MTtub3Q"}]:
        check_error(get(f"/strand/v1/topics/{topic}/records", **params), 422, 422)
    # A cursor from one topic is refused on another.
    check_error(get(f"/strand/v1/topics/{binary_topic}/records", cursor=first["next_cursor"]), 422, 422)


def budget_check():
    """More log than one request scans (32 MiB): a filter matching nothing answers
    empty pages with a cursor, each quickly, until the cursor runs out."""
    topic = create_topic(1)
    big = b"x" * 900_000
    produce(topic, [{"partition": 0, "key": b"big", "value": big, "timestamp": NOW, "headers": None}
                    for _ in range(48)])
    pages, cursor = 0, None
    while True:
        started = time.monotonic()
        page = query(topic, key="absent", **({"cursor": cursor} if cursor else {}))
        assert time.monotonic() - started < 10, "one page took too long"
        assert page["records"] == [], page["records"][:1]
        pages += 1
        cursor = page["next_cursor"]
        if cursor is None:
            break
        assert pages < 10, "no end to the cursor"
    assert pages >= 2, f"the whole 43 MB were scanned in {pages} page(s): no scan budget"
    # And a match at the end is found by following the cursor.
    produce(topic, [{"partition": 0, "key": b"needle", "value": b"found", "timestamp": NOW, "headers": None}])
    found = all_pages(topic, key="needle")
    assert [(r["offset"], r["value"]) for r in found] == [(48, "found")], found


def stats_check():
    topic = create_topic(2)
    specs = [spec(i) for i in range(COUNT)]
    produce(topic, specs)
    # A Kafka consumer reads everything: fetches the stats count.
    consumer = Consumer({"bootstrap.servers": KAFKA, "group.id": f"g-{topic}", "enable.auto.commit": False,
                         "fetch.wait.max.ms": 50})
    consumer.assign([TopicPartition(topic, p, 0) for p in (0, 1)])
    read, deadline = 0, time.monotonic() + 30
    while read < COUNT and time.monotonic() < deadline:
        msg = consumer.poll(0.5)
        if msg is not None and not msg.error():
            read += 1
    consumer.close()
    assert read == COUNT, f"consumer read {read} of {COUNT}"

    response = get(f"/strand/v1/topics/{topic}/stats")
    assert response.status_code == 200, response.text
    stats = response.json()
    assert stats["topic"] == topic
    assert stats["record_count"] == COUNT, stats
    assert [(p["partition"], p["start_offset"], p["end_offset"]) for p in stats["partitions"]] == [(0, 0, 20), (1, 0, 20)]
    assert stats["bytes"] == sum(p["bytes"] for p in stats["partitions"]) and stats["bytes"] > COUNT * 20, stats
    assert stats["first_timestamp"] == T0, (stats["first_timestamp"], T0)
    assert stats["last_timestamp"] == T0 + (COUNT - 1) * 1000, stats["last_timestamp"]
    rate = stats["produce_rate"]
    assert rate["window_seconds"] == 60
    assert abs(rate["records_per_second"] - COUNT / 60) < 1e-9, rate
    assert rate["bytes_per_second"] > 0, rate
    for name in ("produce_latency_ms", "fetch_latency_ms"):
        latency = stats[name]
        assert latency["samples"] >= 1, (name, latency)
        assert 0 <= latency["p50"] <= latency["p95"] <= latency["p99"], (name, latency)
    # The fetches' latency includes their wait: under the consumer's 50 ms max wait
    # plus scheduling, not seconds.
    assert stats["fetch_latency_ms"]["p50"] < 1000, stats["fetch_latency_ms"]

    # An empty topic: zeros and nulls, not errors.
    empty = create_topic(1)
    stats = get(f"/strand/v1/topics/{empty}/stats").json()
    assert (stats["record_count"], stats["first_timestamp"], stats["last_timestamp"]) == (0, None, None), stats
    assert stats["produce_rate"]["records_per_second"] == 0 and stats["produce_latency_ms"]["p99"] is None, stats
    check_error(get("/strand/v1/topics/no-such-topic/stats"), 404, 40401)


# Every REST route the issue names: the OpenAPI document must describe each.
ROUTES = {
    ("get", "/topics"), ("get", "/topics/{topic}"), ("get", "/topics/{topic}/partitions"),
    ("get", "/topics/{topic}/partitions/{partition}"),
    ("post", "/topics/{topic}"), ("post", "/topics/{topic}/partitions/{partition}"),
    ("post", "/consumers/{group}"), ("delete", "/consumers/{group}/instances/{instance}"),
    ("post", "/consumers/{group}/instances/{instance}/subscription"),
    ("get", "/consumers/{group}/instances/{instance}/subscription"),
    ("delete", "/consumers/{group}/instances/{instance}/subscription"),
    ("post", "/consumers/{group}/instances/{instance}/assignments"),
    ("get", "/consumers/{group}/instances/{instance}/assignments"),
    ("get", "/consumers/{group}/instances/{instance}/records"),
    ("post", "/consumers/{group}/instances/{instance}/offsets"),
    ("get", "/consumers/{group}/instances/{instance}/offsets"),
    ("post", "/consumers/{group}/instances/{instance}/positions"),
    ("post", "/consumers/{group}/instances/{instance}/positions/beginning"),
    ("post", "/consumers/{group}/instances/{instance}/positions/end"),
    ("get", "/v3/clusters"), ("get", "/v3/clusters/{cluster_id}"), ("get", "/v3/clusters/{cluster_id}/topics"),
    ("get", "/v3/clusters/{cluster_id}/topics/{topic_name}"),
    ("get", "/v3/clusters/{cluster_id}/topics/{topic_name}/partitions"),
    ("get", "/v3/clusters/{cluster_id}/consumer-groups"),
    ("get", "/v3/clusters/{cluster_id}/consumer-groups/{consumer_group_id}"),
    ("get", "/v3/clusters/{cluster_id}/consumer-groups/{consumer_group_id}/consumers"),
    ("get", "/v3/clusters/{cluster_id}/consumer-groups/{consumer_group_id}/lags"),
    ("get", "/v3/clusters/{cluster_id}/consumer-groups/{consumer_group_id}/lag-summary"),
    ("get", "/v3/clusters/{cluster_id}/brokers"), ("get", "/v3/clusters/{cluster_id}/brokers/{broker_id}"),
    ("get", "/v3/clusters/{cluster_id}/topics/{topic_name}/partitions/{partition_id}"),
    ("post", "/v3/clusters/{cluster_id}/topics/{topic_name}/records"),
    ("get", "/strand/v1/topics/{topic}/records"), ("get", "/strand/v1/topics/{topic}/stats"),
    ("get", "/openapi.json"),
}


def openapi_check():
    response = get("/openapi.json")
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/json"), response.headers
    doc = response.json()
    assert doc["openapi"].startswith("3."), doc["openapi"]
    documented = {(m, p) for p, item in doc["paths"].items() for m in item}
    missing = ROUTES - documented
    assert not missing, f"undocumented routes: {sorted(missing)}"
    schemas = doc["components"]["schemas"]
    for path, item in doc["paths"].items():
        for method, op in item.items():
            assert "default" in op["responses"] and any(s.startswith("2") for s in op["responses"]), (method, path)
            body = op.get("requestBody")
            if body:
                assert body["content"], (method, path)
            for parameter in op.get("parameters", []):
                if parameter["in"] == "path":
                    assert "{%s}" % parameter["name"] in path, (method, path, parameter)
    # Produce bodies name their media types, as the REST Proxy takes them.
    produce = doc["paths"]["/topics/{topic}"]["post"]["requestBody"]["content"]
    assert set(produce) == {"application/vnd.kafka.binary.v2+json", "application/vnd.kafka.json.v2+json"}, produce
    assert "QueryPage" in schemas and "TopicStats" in schemas


def main():
    {"records": records_check, "budget": budget_check, "stats": stats_check, "openapi": openapi_check}[WHAT]()
    print(f"ok {WHAT}")


if __name__ == "__main__":
    main()
