"""DescribeTopicPartitions (KIP-966): partitions of named topics in name order,
unknown and invalid names, and pagination as Kafka does it (the partition limit,
the cursor, next_cursor), over three topics of 3, 2 and 1 partitions."""
import time

from common import *

c = Conn()
A, B, C = TOPIC + "-a", TOPIC + "-b", TOPIC + "-c"
SHORT = {TOPIC: "T", A: "A", B: "B", C: "C"}


def create(name, partitions):
    r = c.request("CreateTopics", 7, timeout_ms=10000, validate_only=False,
                  topics=[{"name": name, "num_partitions": partitions, "replication_factor": 1,
                           "assignments": [], "configs": []}])
    assert r["topics"][0]["error_code"] in (0, 36), r
    deadline = time.time() + 30
    while time.time() < deadline:
        md = c.request("Metadata", 12, topics=[{"name": name}], allow_auto_topic_creation=False,
                       include_topic_authorized_operations=False)
        t = md["topics"][0]
        if t["error_code"] == 0 and len(t["partitions"]) == partitions and \
                all(p["leader_id"] >= 0 for p in t["partitions"]):
            return
        time.sleep(0.1)
    raise SystemExit(f"{name} not ready")


for name, partitions in ((A, 3), (B, 2), (C, 1)):
    create(name, partitions)


def describe(label, names, limit=2000, cursor=None):
    r = c.request("DescribeTopicPartitions", 0, topics=[{"name": n} for n in names],
                  response_partition_limit=limit,
                  cursor=None if cursor is None else {"topic_name": cursor[0], "partition_index": cursor[1]})
    topics = []
    for t in r["topics"]:
        parts = [f"{p['partition_index']}:{err_name(p['error_code'])}:leader={'set' if p['leader_id'] >= 0 else p['leader_id']}"
                 f":epoch={'>=0' if p['leader_epoch'] >= 0 else p['leader_epoch']}"
                 f":replicas={len(p['replica_nodes'])}:isr={len(p['isr_nodes'])}"
                 f":elr={p['eligible_leader_replicas']}:last_elr={p['last_known_elr']}:offline={p['offline_replicas']}"
                 for p in t["partitions"]]
        topics.append(f"{SHORT.get(t['name'], t['name'])} {err_name(t['error_code'])} "
                      f"id={'set' if t['topic_id'] else None} internal={t['is_internal']} "
                      f"ops={t['topic_authorized_operations']} [{', '.join(parts)}]")
    nc = r["next_cursor"]
    nc = None if nc is None else f"{SHORT.get(nc['topic_name'], nc['topic_name'])}/{nc['partition_index']}"
    out(f"{label}: next_cursor={nc}")
    for t in topics:
        out(f"  {t}")
    return r


describe("named, unknown, invalid, repeated", [B, TOPIC, A, TOPIC + "-nope", "bad/name", A, C])
describe("limit 2", [A, B, C], limit=2)
describe("limit 2 from A/2", [A, B, C], limit=2, cursor=(A, 2))
describe("limit 2 from B/1", [A, B, C], limit=2, cursor=(B, 1))
describe("limit 3 (A exactly)", [A, B], limit=3)
describe("limit 5 (A and B exactly)", [A, B], limit=5)
describe("limit 0", [A], limit=0)
describe("limit -1", [A], limit=-1)
describe("limit 1 with an unknown name first", [A, TOPIC + "-0", B], limit=1)
describe("limit 3 ends before an unknown name", [A, TOPIC + "-z"], limit=3)
describe("cursor past the topic's partitions", [A, B], limit=10, cursor=(A, 7))
describe("cursor topic not in the list", [A, C], limit=10, cursor=(B, 0))
describe("cursor with a negative partition", [A], limit=10, cursor=(A, -1))

# Paging through all three with two partitions a page.
cursor, seen, pages = None, [], 0
while pages < 10:
    r = c.request("DescribeTopicPartitions", 0, topics=[{"name": n} for n in (C, A, B)],
                  response_partition_limit=2,
                  cursor=None if cursor is None else {"topic_name": cursor[0], "partition_index": cursor[1]})
    pages += 1
    seen += [f"{SHORT[t['name']]}{p['partition_index']}" for t in r["topics"] for p in t["partitions"]]
    nc = r["next_cursor"]
    if nc is None:
        break
    cursor = (nc["topic_name"], nc["partition_index"])
out(f"paged: {pages} pages, {seen}")

# Every topic: only this scenario's are compared (Kafka holds other scenarios' and
# internal topics), so no limit or next_cursor is either.
for label, cursor in (("every topic", None), ("every topic from B/1", (B, 1)),
                      ("every topic from a cursor on no topic", (B + "0", 5)),
                      ("every topic, cursor with a negative partition", (B, -1))):
    r = c.request("DescribeTopicPartitions", 0, topics=[], response_partition_limit=2000,
                  cursor=None if cursor is None else {"topic_name": cursor[0], "partition_index": cursor[1]})
    mine = [f"{SHORT[t['name']]}:{err_name(t['error_code'])}:{[p['partition_index'] for p in t['partitions']]}"
            for t in r["topics"] if t["name"] in SHORT]
    out(f"{label}: {mine}")
