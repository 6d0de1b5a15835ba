"""The REST listener's limits, end to end: clear 4xx errors, never a 5xx,
never a partial append.

    python limits.py CHECK KAFKA HTTP

KAFKA and HTTP are host:port of a broker started (by tests/http/run.sh) with
    --topic events --topic two:2 --max-message-bytes 1000
    --http-max-body-bytes 8192 --http-max-records-per-request 10
    --http-max-consumer-instances 3
The numbers below are those flags; each check says which limit it exercises.

Checks:
- body_over_the_limit_is_413: a body over --http-max-body-bytes is 413 with the
  REST Proxy's JSON error, with a Content-Length and chunked (no length known up
  front), on produce and on consumer endpoints; a body of exactly the limit is
  served; nothing is appended by a refused request.
- records_over_the_limit_are_422: more records than
  --http-max-records-per-request in one request is 422, to a topic and to a
  partition; exactly the limit is served; nothing is appended by a refused one.
- a_refused_request_appends_nothing: one bad record (undecodable base64, a
  record over the topic's max.message.bytes, a partition that does not exist)
  refuses the whole request with 422/404 and the log does not move, on either
  partition of `two`.
- consumer_instances_over_the_limit_are_429: past --http-max-consumer-instances
  a new instance is 429 (in any group); deleting one frees its place.
- every_error_is_a_json_error: malformed requests (a path segment that is not
  UTF-8, a body that is not JSON, a wrong content type, an unknown method or
  path) are 4xx with the REST Proxy's JSON error body, never axum's plain text.
"""

import base64
import json
import sys
import uuid

import requests
from confluent_kafka import Consumer, TopicPartition

TIMEOUT = 15
MAX_BODY = 8192
MAX_RECORDS = 10
MAX_MESSAGE = 1000
MAX_INSTANCES = 3
BINARY = "application/vnd.kafka.binary.v2+json"
JSON = "application/vnd.kafka.json.v2+json"
V2 = "application/vnd.kafka.v2+json"


def fail(message):
    print(f"FAIL: {message}", file=sys.stderr)
    sys.exit(1)


def expect(condition, message):
    if not condition:
        fail(message)


def expect_error(response, status, what, codes=None):
    """`status` with the REST Proxy's JSON error body (error_code in `codes`, or status-prefixed)."""
    expect(response.status_code == status, f"{what}: status {response.status_code}, want {status}: {response.text[:300]}")
    expect(
        response.headers.get("Content-Type", "").startswith("application/"),
        f"{what}: content type {response.headers.get('Content-Type')!r}, want JSON",
    )
    try:
        body = response.json()
    except ValueError:
        fail(f"{what}: body is not JSON: {response.text[:300]!r}")
    code = body.get("error_code")
    expect(isinstance(code, int), f"{what}: body {body} has no numeric error_code")
    if codes is None:
        expect(str(code).startswith(str(status)), f"{what}: error_code {code} does not belong to HTTP {status}")
    else:
        expect(code in codes, f"{what}: error_code {code}, want one of {codes}")
    expect(isinstance(body.get("message"), str) and body["message"], f"{what}: body {body} has no message")


class Watermarks:
    """Log end offsets as a Kafka client sees them (ListOffsets), to prove nothing was appended."""

    def __init__(self, kafka):
        self.consumer = Consumer({"bootstrap.servers": kafka, "group.id": f"limits-{uuid.uuid4()}"})

    def end(self, topic, partition=0):
        _, high = self.consumer.get_watermark_offsets(TopicPartition(topic, partition), timeout=TIMEOUT)
        return high

    def ends(self, topic, partitions):
        return [self.end(topic, p) for p in range(partitions)]

    def close(self):
        self.consumer.close()


def binary_records(values):
    return {"records": [{"value": base64.b64encode(v).decode()} for v in values]}


def sized_body(size):
    """A valid binary produce body (one small record) of exactly `size` bytes:
    JSON whitespace makes up the rest, so only the body limit can refuse it."""
    text = json.dumps(binary_records([b"at the limit"]), separators=(",", ":"))
    expect(len(text) <= size, f"test bug: no body of {size} bytes")
    return (text + " " * (size - len(text))).encode()


def post(http, path, body, content_type=BINARY, **kwargs):
    return requests.post(
        f"http://{http}{path}", data=body, headers={"Content-Type": content_type}, timeout=TIMEOUT, **kwargs
    )


def body_over_the_limit_is_413(kafka, http):
    marks = Watermarks(kafka)
    try:
        before = marks.end("events")
        over = sized_body(MAX_BODY + 4)
        expect_error(post(http, "/topics/events", over), 413, "produce body over the limit", codes=[413])
        expect_error(post(http, "/topics/events/partitions/0", over), 413, "partition produce body over the limit")

        # Chunked: no Content-Length, the limit is found while reading.
        def chunks():
            for i in range(0, len(over), 1000):
                yield over[i : i + 1000]

        response = requests.post(
            f"http://{http}/topics/events", data=chunks(), headers={"Content-Type": BINARY}, timeout=TIMEOUT
        )
        expect("Content-Length" not in response.request.headers, "test bug: the chunked body had a length")
        expect_error(response, 413, "chunked produce body over the limit", codes=[413])
        # Far over the limit: refused without reading it all, connection or not.
        huge = b"x" * (MAX_BODY * 64)
        try:
            response = post(http, "/topics/events", huge)
            expect_error(response, 413, "produce body 64 times the limit", codes=[413])
        except requests.exceptions.ConnectionError:
            pass  # the server may answer 413 and close before the client has sent it all
        expect(marks.end("events") == before, "a refused body appended records")

        at_limit = post(http, "/topics/events", sized_body(MAX_BODY))
        expect(at_limit.status_code == 200, f"a body of exactly the limit: {at_limit.status_code} {at_limit.text[:300]}")
        expect(marks.end("events") == before + 1, "the body at the limit did not append its one record")

        # A consumer endpoint reads its body under the same limit.
        group = f"limits-{uuid.uuid4().hex[:8]}"
        padded = json.dumps({"name": "c", "format": "binary", "padding": "x" * MAX_BODY}).encode()
        expect_error(post(http, f"/consumers/{group}", padded, content_type=V2), 413, "consumer create body over the limit")
        listed = requests.get(f"http://{http}/topics", timeout=TIMEOUT)
        expect(listed.status_code == 200, "the listener stopped serving after refused bodies")
    finally:
        marks.close()


def records_over_the_limit_are_422(kafka, http):
    marks = Watermarks(kafka)
    try:
        before = marks.ends("two", 2)
        too_many = json.dumps(binary_records([b"r%d" % i for i in range(MAX_RECORDS + 1)])).encode()
        expect_error(post(http, "/topics/two", too_many), 422, "one record over the limit")
        expect_error(post(http, "/topics/two/partitions/1", too_many), 422, "one record over the limit, to a partition")
        many = json.dumps({"records": [{"value": i} for i in range(MAX_RECORDS * 50)]}).encode()
        expect_error(post(http, "/topics/two", many, content_type=JSON), 422, "json records far over the limit")
        expect(marks.ends("two", 2) == before, "a request over the record limit appended records")

        exactly = json.dumps(binary_records([b"r%d" % i for i in range(MAX_RECORDS)])).encode()
        response = post(http, "/topics/two/partitions/1", exactly)
        expect(response.status_code == 200, f"exactly the record limit: {response.status_code} {response.text[:300]}")
        offsets = response.json()["offsets"]
        expect(len(offsets) == MAX_RECORDS, f"{len(offsets)} offsets for {MAX_RECORDS} records")
        expect(marks.ends("two", 2) == [before[0], before[1] + MAX_RECORDS], "the records at the limit did not all land")
    finally:
        marks.close()


def a_refused_request_appends_nothing(kafka, http):
    marks = Watermarks(kafka)
    try:
        before = marks.ends("two", 2)
        good = {"value": base64.b64encode(b"fine").decode()}
        cases = [
            ("undecodable base64 in the last record", [good, good, {"value": "not base64!"}], 422),
            (
                "a record over max.message.bytes",
                [dict(good, partition=0), {"value": base64.b64encode(b"v" * (MAX_MESSAGE * 2)).decode(), "partition": 1}],
                422,
            ),
            ("a partition that does not exist", [dict(good, partition=0), dict(good, partition=7)], 404),
            ("a negative partition", [dict(good, partition=0), dict(good, partition=-2)], 404),
        ]
        for what, records, status in cases:
            response = post(http, "/topics/two", json.dumps({"records": records}).encode())
            expect(
                400 <= response.status_code < 500,
                f"{what}: status {response.status_code}, want a 4xx: {response.text[:300]}",
            )
            expect_error(response, status, what)
            expect(marks.ends("two", 2) == before, f"{what}: the log moved from {before} to {marks.ends('two', 2)}")
        # Keys and values that are the wrong JSON type for the format.
        for what, body in [
            ("a record that is not an object", {"records": [good, 5]}),
            ("a value that is not a string in binary", {"records": [good, {"value": {"x": 1}}]}),
            ("records that is not a list", {"records": {"value": "eA=="}}),
            ("no records field", {"values": []}),
        ]:
            response = post(http, "/topics/two", json.dumps(body).encode())
            expect(400 <= response.status_code < 500, f"{what}: status {response.status_code}: {response.text[:300]}")
            expect_error(response, response.status_code, what)
        expect(marks.ends("two", 2) == before, "a refused request moved the log")
    finally:
        marks.close()


def consumer_instances_over_the_limit_are_429(kafka, http):
    created = []

    def create(group, name):
        return post(http, f"/consumers/{group}", json.dumps({"name": name, "format": "binary"}).encode(), content_type=V2)

    try:
        for i in range(MAX_INSTANCES):
            group = f"limits-g{i % 2}"
            response = create(group, f"c{i}")
            expect(response.status_code == 200, f"instance {i + 1} of {MAX_INSTANCES}: {response.status_code} {response.text}")
            expect(response.json().get("instance_id") == f"c{i}", f"instance {i}: {response.json()}")
            created.append((group, f"c{i}"))
        for group in ["limits-g0", "limits-other"]:
            expect_error(create(group, "one-too-many"), 429, f"instance {MAX_INSTANCES + 1} in {group}")
        group, name = created.pop()
        deleted = requests.delete(
            f"http://{http}/consumers/{group}/instances/{name}", headers={"Content-Type": V2}, timeout=TIMEOUT
        )
        expect(deleted.status_code == 204, f"delete instance: {deleted.status_code} {deleted.text}")
        response = create("limits-other", "after-delete")
        expect(response.status_code == 200, f"an instance after a delete: {response.status_code} {response.text}")
        created.append(("limits-other", "after-delete"))
    finally:
        for group, name in created:
            requests.delete(f"http://{http}/consumers/{group}/instances/{name}", headers={"Content-Type": V2}, timeout=TIMEOUT)


def every_error_is_a_json_error(kafka, http):
    base = f"http://{http}"
    cases = [
        ("GET", "/topics/%ff", None, None, 400),
        ("GET", "/topics/events/partitions/%ff%fe", None, None, 400),
        ("GET", "/consumers/%ff/instances/x/records", None, None, 400),
        ("POST", "/topics/events", b"{not json", BINARY, 422),
        ("POST", "/topics/events", b'{"records":[]}', "text/plain", 415),
        ("POST", "/topics/events", b'{"records":[{"value":"eA=="}]}', None, 415),
        ("PATCH", "/topics", None, None, 405),
        ("GET", "/no/such/path", None, None, 404),
    ]
    for method, path, body, content_type, status in cases:
        headers = {"Content-Type": content_type} if content_type else {}
        response = requests.request(method, base + path, data=body, headers=headers, timeout=TIMEOUT)
        expect_error(response, status, f"{method} {path}")


CHECKS = {
    f.__name__: f
    for f in [
        body_over_the_limit_is_413,
        records_over_the_limit_are_422,
        a_refused_request_appends_nothing,
        consumer_instances_over_the_limit_are_429,
        every_error_is_a_json_error,
    ]
}

if __name__ == "__main__":
    if len(sys.argv) != 4 or sys.argv[1] not in CHECKS:
        fail(f"usage: limits.py {{{'|'.join(CHECKS)}}} KAFKA HTTP")
    CHECKS[sys.argv[1]](sys.argv[2], sys.argv[3])
    print(f"{sys.argv[1]}: ok")
