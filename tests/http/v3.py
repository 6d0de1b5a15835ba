"""REST Proxy v3 against a running strand, with a Kafka client (confluent-kafka)
on the other side.

    python v3.py HTTP_ADDR KAFKA_ADDR

The broker has `events` (1 partition) and `two` (2 partitions). Checks:
- clusters, brokers, topics, partitions: the REST Proxy's shapes, 404s;
- consumer groups: a confluent-kafka consumer's group, its consumer, lags and
  lag-summary (log end offset minus the committed offset), STABLE then EMPTY;
- records produce: one record answered with its own status; a chunked stream
  over a raw socket where each record's answer line arrives before the next
  record is sent, a bad record answered with an error line without ending the
  stream, a body that stops being JSON ending it; records read back with their
  keys, values, headers and timestamps by a Kafka client.
"""

import base64
import json
import socket
import sys
import time

import requests
from confluent_kafka import Consumer, TopicPartition

HTTP_ADDR = sys.argv[1]
HTTP = f"http://{HTTP_ADDR}"
KAFKA = sys.argv[2]
TIMEOUT = 10


def get(path, status=200):
    r = requests.get(HTTP + path, timeout=TIMEOUT)
    assert r.status_code == status, (path, r.status_code, r.text)
    return r.json()


def check_resource(entity, kind, path):
    assert entity["kind"] == kind, entity
    assert entity["metadata"]["self"] == HTTP + path, (entity["metadata"], path)
    assert entity["metadata"]["resource_name"].startswith("crn:///kafka="), entity["metadata"]


def check_clusters():
    clusters = get("/v3/clusters")
    assert clusters["kind"] == "KafkaClusterList" and clusters["metadata"]["self"] == HTTP + "/v3/clusters", clusters
    (cluster,) = clusters["data"]
    cid = cluster["cluster_id"]
    assert cid, cluster
    check_resource(cluster, "KafkaCluster", f"/v3/clusters/{cid}")
    assert cluster["topics"]["related"] == f"{HTTP}/v3/clusters/{cid}/topics", cluster
    assert get(f"/v3/clusters/{cid}") == cluster
    error = get("/v3/clusters/not-this-one", 404)
    assert error["error_code"] == 404, error
    get("/v3/clusters/not-this-one/topics", 404)

    (broker,) = get(f"/v3/clusters/{cid}/brokers")["data"]
    check_resource(broker, "KafkaBroker", f"/v3/clusters/{cid}/brokers/{broker['broker_id']}")
    assert broker["host"] and broker["port"] == int(KAFKA.rsplit(":", 1)[1]), broker
    assert cluster["controller"]["related"] == broker["metadata"]["self"], (cluster, broker)
    return cid


def check_topics(cid):
    topics = get(f"/v3/clusters/{cid}/topics")
    assert topics["kind"] == "KafkaTopicList", topics
    by_name = {t["topic_name"]: t for t in topics["data"]}
    assert {"events", "two"} <= set(by_name), by_name.keys()
    two = by_name["two"]
    check_resource(two, "KafkaTopic", f"/v3/clusters/{cid}/topics/two")
    assert (two["cluster_id"], two["partitions_count"], two["replication_factor"], two["is_internal"]) == (cid, 2, 1, False), two
    assert two["partitions"]["related"] == f"{HTTP}/v3/clusters/{cid}/topics/two/partitions", two
    assert get(f"/v3/clusters/{cid}/topics/two") == two
    assert get(f"/v3/clusters/{cid}/topics/no-such-topic", 404)["error_code"] == 40401

    partitions = get(f"/v3/clusters/{cid}/topics/two/partitions")
    assert partitions["kind"] == "KafkaPartitionList", partitions
    assert [p["partition_id"] for p in partitions["data"]] == [0, 1], partitions
    for p in partitions["data"]:
        check_resource(p, "KafkaPartition", f"/v3/clusters/{cid}/topics/two/partitions/{p['partition_id']}")
        assert p["topic_name"] == "two" and p["leader"]["related"].startswith(p["metadata"]["self"] + "/replicas/"), p
    assert get(f"/v3/clusters/{cid}/topics/two/partitions/1") == partitions["data"][1]
    assert get(f"/v3/clusters/{cid}/topics/two/partitions/2", 404)["error_code"] == 40402

    configs = get(f"/v3/clusters/{cid}/topics/two/configs")
    assert configs["kind"] == "KafkaTopicConfigList", configs
    by_name = {c["name"]: c for c in configs["data"]}
    policy = by_name["cleanup.policy"]
    check_resource(policy, "KafkaTopicConfig", f"/v3/clusters/{cid}/topics/two/configs/cleanup.policy")
    assert (policy["value"], policy["is_default"], policy["source"]) == ("delete", True, "DEFAULT_CONFIG"), policy
    assert by_name["max.message.bytes"]["value"].isdigit(), by_name["max.message.bytes"]
    assert get(f"/v3/clusters/{cid}/topics/two/configs/cleanup.policy") == policy
    get(f"/v3/clusters/{cid}/topics/two/configs/no.such.config", 404)


def produce(cid, topic, record):
    return requests.post(
        f"{HTTP}/v3/clusters/{cid}/topics/{topic}/records",
        data=json.dumps(record),
        headers={"Content-Type": "application/json"},
        timeout=TIMEOUT,
    )


def wait_for(what, predicate, timeout=30):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


def check_consumer_groups(cid):
    for i in range(5):
        assert produce(cid, "events", {"value": {"data": {"lag": i}}}).status_code == 200
    group = "v3-lag-group"
    c = Consumer({
        "bootstrap.servers": KAFKA,
        "group.id": group,
        "client.id": "v3-py",
        "auto.offset.reset": "earliest",
        "enable.auto.commit": False,
    })
    try:
        c.subscribe(["events"])
        wait_for("an assignment", lambda: c.poll(0.2) is not None or c.assignment())
        end = c.get_watermark_offsets(TopicPartition("events", 0), timeout=TIMEOUT)[1]
        committed = end - 3
        c.commit(offsets=[TopicPartition("events", 0, committed)], asynchronous=False)

        groups = get(f"/v3/clusters/{cid}/consumer-groups")
        assert groups["kind"] == "KafkaConsumerGroupList", groups
        g = {x["consumer_group_id"]: x for x in groups["data"]}[group]
        check_resource(g, "KafkaConsumerGroup", f"/v3/clusters/{cid}/consumer-groups/{group}")
        g = wait_for("a STABLE group", lambda: (lambda x: x if x["state"] == "STABLE" else None)(
            get(f"/v3/clusters/{cid}/consumer-groups/{group}")))
        assert (g["is_simple"], g["partition_assignor"], g["type"]) == (False, "range", "CLASSIC"), g
        assert g["lag_summary"]["related"] == f"{HTTP}/v3/clusters/{cid}/consumer-groups/{group}/lag-summary", g

        consumers = get(f"/v3/clusters/{cid}/consumer-groups/{group}/consumers")
        (member,) = consumers["data"]
        assert member["kind"] == "KafkaConsumer" and member["client_id"] == "v3-py", member
        assert member["consumer_id"] and member["consumer_group_id"] == group, member
        assert get(f"/v3/clusters/{cid}/consumer-groups/{group}/consumers/{member['consumer_id']}") == member
        get(f"/v3/clusters/{cid}/consumer-groups/{group}/consumers/no-such-member", 404)

        (lag,) = get(f"/v3/clusters/{cid}/consumer-groups/{group}/lags")["data"]
        assert (lag["topic_name"], lag["partition_id"], lag["current_offset"], lag["log_end_offset"], lag["lag"]) == (
            "events", 0, committed, end, 3), lag
        assert lag["consumer_id"] == member["consumer_id"], (lag, member)

        summary = get(f"/v3/clusters/{cid}/consumer-groups/{group}/lag-summary")
        assert summary["kind"] == "KafkaConsumerGroupLagSummary", summary
        assert (summary["max_lag"], summary["total_lag"], summary["max_lag_topic_name"], summary["max_lag_partition_id"]) == (
            3, 3, "events", 0), summary
        assert summary["max_lag_consumer_id"] == member["consumer_id"] and summary["max_lag_client_id"] == "v3-py", summary
    finally:
        c.close()

    # The consumer left: the group is EMPTY, its lag stays, owned by nobody.
    wait_for("an EMPTY group", lambda: get(f"/v3/clusters/{cid}/consumer-groups/{group}")["state"] == "EMPTY")
    summary = get(f"/v3/clusters/{cid}/consumer-groups/{group}/lag-summary")
    assert (summary["max_lag"], summary["max_lag_consumer_id"]) == (3, None), summary
    assert get(f"/v3/clusters/{cid}/consumer-groups/no-such-group", 404)["error_code"] == 404
    assert get(f"/v3/clusters/{cid}/consumer-groups/no-such-group/lag-summary", 404)["error_code"] == 404


def check_single_record(cid):
    r = produce(cid, "two", {"partition_id": 1, "key": {"type": "STRING", "data": "one"}, "value": {"type": "BINARY", "data": "AAEC"}})
    assert r.status_code == 200, r.text
    body = r.json()
    assert (body["error_code"], body["cluster_id"], body["topic_name"], body["partition_id"]) == (200, cid, "two", 1), body
    assert body["key"] == {"type": "STRING", "size": 3} and body["value"] == {"type": "BINARY", "size": 3}, body
    assert isinstance(body["offset"], int) and body["timestamp"].endswith("Z"), body

    r = produce(cid, "two", {"partition_id": 9, "value": {"data": 1}})
    assert r.status_code == 404 and r.json()["error_code"] == 40402, r.text
    r = produce(cid, "two", {"value": {"type": "AVRO", "data": 1}})
    assert r.status_code == 400 and r.json()["error_code"] == 400, r.text
    r = produce(cid, "two", {"timestamp": "yesterday"})
    assert r.status_code == 422, r.text
    r = produce(cid, "two", {"timestamp": "1969-12-31T23:59:59.999Z"})
    assert r.status_code == 422, r.text
    r = produce(cid, "no-such-topic", {"value": {"data": 1}})
    assert r.status_code == 404 and r.json()["error_code"] == 40401, r.text
    r = requests.post(f"{HTTP}/v3/clusters/{cid}/topics/two/records", data="{}", headers={"Content-Type": "text/plain"}, timeout=TIMEOUT)
    assert r.status_code == 415, r.text


class ChunkedPost:
    """A chunked POST over a raw socket, reading the chunked answer line by line
    while the request is still being sent."""

    def __init__(self, path):
        host, port = HTTP_ADDR.rsplit(":", 1)
        self.sock = socket.create_connection((host, int(port)), timeout=TIMEOUT)
        self.reader = self.sock.makefile("rb")
        self.sock.sendall(
            f"POST {path} HTTP/1.1\r\nHost: {HTTP_ADDR}\r\nContent-Type: application/json\r\n"
            "Transfer-Encoding: chunked\r\n\r\n".encode()
        )
        self.pending = b""
        self.status = None
        self.done = False

    def send(self, data: bytes):
        self.sock.sendall(b"%x\r\n%s\r\n" % (len(data), data))

    def finish(self):
        self.sock.sendall(b"0\r\n\r\n")

    def _headers(self):
        status = self.reader.readline()
        assert status.startswith(b"HTTP/1.1 "), status
        self.status = int(status.split()[1])
        headers = {}
        while (line := self.reader.readline()) not in (b"\r\n", b""):
            name, value = line.decode().split(":", 1)
            headers[name.strip().lower()] = value.strip()
        assert headers.get("transfer-encoding") == "chunked", headers
        assert headers.get("content-type") == "application/json", headers

    def line(self):
        """The next answer line as JSON, or None at the end of the answer."""
        if self.status is None:
            self._headers()
        while b"\n" not in self.pending and not self.done:
            size = int(self.reader.readline().strip(), 16)
            data = self.reader.read(size)
            assert self.reader.readline() == b"\r\n"
            if size == 0:
                self.done = True
            self.pending += data
        if not self.pending:
            return None
        line, _, self.pending = self.pending.partition(b"\n")
        return json.loads(line)

    def close(self):
        self.reader.close()
        self.sock.close()


def check_streamed_records(cid):
    path = f"/v3/clusters/{cid}/topics/two/records"
    post = ChunkedPost(path)
    try:
        first = json.dumps({"partition_id": 0, "value": {"type": "STRING", "data": "streamed-1"}}).encode()
        # One record cut across two chunks.
        post.send(first[:10])
        time.sleep(0.2)
        post.send(first[10:] + b"\n")
        a = post.line()
        assert post.status == 200 and a["error_code"] == 200 and a["partition_id"] == 0, a

        # The answer to the first came before the second was sent: the stream is answered as it goes.
        second = {
            "partition_id": 1,
            "key": {"type": "BINARY", "data": base64.b64encode(b"\x00key").decode()},
            "value": {"type": "JSON", "data": {"n": 2}},
            "headers": [{"name": "h1", "value": base64.b64encode(b"x").decode()}, {"name": "h2", "value": None}],
            "timestamp": "2024-01-02T03:04:05.678Z",
        }
        post.send(json.dumps(second).encode())
        b = post.line()
        assert b["error_code"] == 200 and b["partition_id"] == 1 and b["timestamp"] == "2024-01-02T03:04:05.678Z", b
        assert b["key"] == {"type": "BINARY", "size": 4} and b["value"] == {"type": "JSON", "size": 7}, b

        # A bad record is answered with an error line; the stream goes on.
        post.send(b'{"partition_id": 7, "value": {"data": 1}}')
        c = post.line()
        assert c == {"error_code": 40402, "message": "Partition not found."}, c
        post.send(b' {"value": {"type": "STRING", "data": "streamed-4"}, "partition_id": 0}')
        d = post.line()
        assert d["error_code"] == 200 and d["offset"] == a["offset"] + 1, (a, d)
        post.finish()
        assert post.line() is None
    finally:
        post.close()

    c = Consumer({"bootstrap.servers": KAFKA, "group.id": "v3-py-reader", "enable.auto.commit": False})
    try:
        c.assign([TopicPartition("two", 1, b["offset"])])
        m = wait_for("the streamed record", lambda: c.poll(0.5))
        assert m.error() is None and m.offset() == b["offset"], m
        assert (m.key(), json.loads(m.value())) == (b"\x00key", {"n": 2}), (m.key(), m.value())
        assert m.headers() == [("h1", b"x"), ("h2", None)], m.headers()
        assert m.timestamp()[1] == 1704164645678, m.timestamp()
        c.assign([TopicPartition("two", 0, a["offset"])])
        m = wait_for("the first streamed record", lambda: c.poll(0.5))
        assert (m.offset(), m.value()) == (a["offset"], b"streamed-1"), (m.offset(), m.value())
    finally:
        c.close()

    # A body that stops being JSON: the records before it are answered, then one error line ends the answer.
    post = ChunkedPost(path)
    try:
        post.send(b'{"value": {"data": "ok"}} ] {"value": {"data": "never"}}')
        post.finish()
        lines = []
        while (line := post.line()) is not None:
            lines.append(line)
        assert [x["error_code"] for x in lines] == [200, 422], lines
    finally:
        post.close()


def main():
    cid = check_clusters()
    check_topics(cid)
    check_single_record(cid)
    check_streamed_records(cid)
    check_consumer_groups(cid)
    print("v3.py: ok")


if __name__ == "__main__":
    main()
