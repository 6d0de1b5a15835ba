"""DeleteRecords (KIP-107): the log start offset moves on an empty log and on one of
three batches, below, inside and at the high watermark (-1), never back, never past
it (OFFSET_OUT_OF_RANGE, as any other negative offset); what ListOffsets, Fetch,
Produce and a consumer resetting to earliest see after; v0-v2, timeouts, several
topics and partitions in one request (a partition named twice takes the later
offset), unknown topics and partitions; confluent-kafka's AdminClient.delete_records.
Records carry recent timestamps: with T0's, Kafka's retention would delete the
segments at its next check (every 5 minutes) and move the start under the scenario."""
from confluent_kafka import Consumer, TopicPartition
from confluent_kafka.admin import AdminClient
from common import *

c = Conn()
NOW = int(time.time() * 1000) - 60_000
TWO = TOPIC + "-two"


def name(t):
    return t.replace(TOPIC, "T")


def delete(label, parts, version=2, timeout_ms=30000):
    """PARTS: [(topic, [(partition, offset), ...]), ...]. Results sorted: Kafka
    answers topics and partitions in hash order."""
    r = c.request("DeleteRecords", version, timeout_ms=timeout_ms,
                  topics=[{"name": t, "partitions": [{"partition_index": p, "offset": o} for p, o in ps]}
                          for t, ps in parts])
    results = sorted((name(t["name"]), p["partition_index"], err_name(p["error_code"]), p["low_watermark"])
                     for t in r["topics"] for p in t["partitions"])
    out(f"{label}: " + " ".join(f"{t}/{p}={e} low_watermark={lw}" for t, p, e, lw in results))


def offsets(label, topic=None, partition=0):
    got = []
    for ts, what in ((-2, "earliest"), (-1, "latest"), (NOW, "by time NOW"), (NOW + 12, "by time NOW+12")):
        p = list_offsets(c, ts, topic=topic, partition=partition)
        got.append(f"{what}={err_name(p['error_code'])}/{p['offset']}")
    out(f"{label}: " + " ".join(got))


def fetch_at(offset, topic=None):
    resp = fetch(c, offset, topic=topic)
    p = resp["responses"][0]["partitions"][0]
    line = f"fetch {offset}: error={err_name(p['error_code'])}"
    # Kafka sends -1 for the offsets of an OFFSET_OUT_OF_RANGE partition (DIFFERENCES.md, bug 11).
    if p["error_code"] == 0:
        batches, _ = parse_batches(p["records"])
        line += (f" hw={p['high_watermark']} log_start={p['log_start_offset']} "
                 f"batches={[(b.base_offset, b.last_offset) for b in batches]}")
    out(line)


def produce_one(label, topic=None, partition=0, n=5, start=0):
    p = produce(c, batch(records(n, start=start), ts=NOW + start), topic=topic, partition=partition)
    out(f"{label}: error={err_name(p['error_code'])} base_offset={p['base_offset']} "
        f"log_start_offset={p['log_start_offset']}")


delete("empty log, offset 0", [(TOPIC, [(0, 0)])])
delete("empty log, offset -1", [(TOPIC, [(0, -1)])])
delete("empty log, offset 1", [(TOPIC, [(0, 1)])])
delete("empty log, offset -2", [(TOPIC, [(0, -2)])])
for i in range(3):
    produce_one(f"produce {i}", start=5 * i)
offsets("before")
delete("to 3, inside the first batch", [(TOPIC, [(0, 3)])])
offsets("after 3")
for off in (0, 2, 3, 4, 5):
    fetch_at(off)
delete("to 2, below the start", [(TOPIC, [(0, 2)])])
delete("to 3 again", [(TOPIC, [(0, 3)])])
delete("to 16, past the high watermark", [(TOPIC, [(0, 16)])])
delete("to -2", [(TOPIC, [(0, -2)])])
delete("to min i64", [(TOPIC, [(0, -2**63)])])

# A consumer that has no committed offset and resets to earliest starts at the log start.
cons = Consumer({"bootstrap.servers": BOOTSTRAP, "group.id": GROUP, "auto.offset.reset": "earliest",
                 "enable.auto.commit": False, "client.id": "compat-delete-records"})
cons.assign([TopicPartition(TOPIC, 0)])
got = []
deadline = time.time() + 30
while len(got) < 12 and time.time() < deadline:
    m = cons.poll(0.5)
    if m is not None and not m.error():
        got.append(m.offset())
out("consumer from earliest:", got)
lo, hi = cons.get_watermark_offsets(TopicPartition(TOPIC, 0), timeout=10)
out(f"consumer watermarks: low={lo} high={hi}")
# Out of range below the start: the consumer resets to earliest, the new start.
cons.seek(TopicPartition(TOPIC, 0, 1))
got = []
deadline = time.time() + 30
while len(got) < 1 and time.time() < deadline:
    m = cons.poll(0.5)
    if m is not None and not m.error():
        got.append(m.offset())
out("consumer after seeking to 1:", got)
cons.close()

delete("to 10 at v0, timeout 0", [(TOPIC, [(0, 10)])], version=0, timeout_ms=0)
offsets("after 10")
delete("to -1 (the high watermark) at v1, timeout -1", [(TOPIC, [(0, -1)])], version=1, timeout_ms=-1)
offsets("after -1")
fetch_at(14)
fetch_at(15)
produce_one("produce after", start=15)
offsets("after producing")
fetch_at(15)

r = c.request("CreateTopics", 7, timeout_ms=30000, validate_only=False,
              topics=[{"name": TWO, "num_partitions": 2, "replication_factor": 1, "assignments": [], "configs": []}])
out("create T-two:", err_name(r["topics"][0]["error_code"]))
wait_until(lambda: all(list_offsets(c, -1, topic=TWO, partition=p)["error_code"] == 0 for p in (0, 1)))
for p in (0, 1):
    produce_one(f"produce T-two/{p}", topic=TWO, partition=p)
delete("several topics, one partition twice", [(TWO, [(0, 2), (1, -1), (0, 3), (5, 0)]), ("no-such-topic", [(0, 0)]),
                                               (TWO, [(1, 0)])])
offsets("T-two/0", topic=TWO, partition=0)
offsets("T-two/1", topic=TWO, partition=1)
delete("unknown partition only", [(TWO, [(-1, 0), (2, 0)])])
delete("nothing", [])

admin = AdminClient({"bootstrap.servers": BOOTSTRAP})
futures = admin.delete_records([TopicPartition(TWO, 1, 4), TopicPartition(TWO, 0, 99)], request_timeout=20)
for tp, f in sorted(futures.items(), key=lambda kv: kv[0].partition):
    try:
        res = f.result(timeout=20)
        out(f"admin delete_records T-two/{tp.partition}: low_watermark={res.low_watermark}")
    except Exception as e:
        err = e.args[0] if e.args else e
        out(f"admin delete_records T-two/{tp.partition}: {err.name() if hasattr(err, 'name') else err}")
offsets("T-two/1 after admin", topic=TWO, partition=1)
