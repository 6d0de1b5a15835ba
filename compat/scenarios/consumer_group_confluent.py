"""confluent-kafka (librdkafka) end to end: a subscribing consumer in a group reads six
records, commits, and the AdminClient lists and describes the group, reads its
offsets, and deletes it once the consumer closed."""
import time
from confluent_kafka import Consumer, TopicPartition, ConsumerGroupState
from confluent_kafka.admin import AdminClient
from common import *

c = Conn()
fill(c, batches=2)
cons = Consumer({"bootstrap.servers": BOOTSTRAP, "group.id": GROUP, "auto.offset.reset": "earliest",
                 "enable.auto.commit": False, "session.timeout.ms": 10000, "client.id": "compat-confluent"})
cons.subscribe([TOPIC])
got = []
deadline = time.time() + 40
while len(got) < 6 and time.time() < deadline:
    m = cons.poll(0.5)
    if m is None:
        continue
    if m.error():
        out("consumer error:", m.error().name())
        continue
    got.append((m.offset(), m.key(), m.value(), m.timestamp()[1] - T0))
out("consumed:", got)
out("assignment:", [(tp.partition,) for tp in cons.assignment()])
cons.commit(asynchronous=False)
out("committed:", [(tp.partition, tp.offset) for tp in cons.committed([TopicPartition(TOPIC, 0)], timeout=10)])
lo, hi = cons.get_watermark_offsets(TopicPartition(TOPIC, 0), timeout=10)
out(f"watermarks: low={lo} high={hi}")

admin = AdminClient({"bootstrap.servers": BOOTSTRAP})


def describe(label):
    d = admin.describe_consumer_groups([GROUP])[GROUP].result(timeout=20)
    members = [(m.client_id, [(tp.partition,) for tp in m.assignment.topic_partitions]) for m in d.members]
    out(f"{label}: state={d.state.name} simple={d.is_simple_consumer_group} assignor={d.partition_assignor!r} "
        f"type={getattr(d, 'type', None)} members={members}")


groups = admin.list_consumer_groups(request_timeout=20).result()
mine = sorted((g.group_id, g.is_simple_consumer_group, g.state.name, str(getattr(g, "type", None)))
              for g in groups.valid if g.group_id == GROUP)
out("list while consuming:", mine, "errors:", [str(e) for e in groups.errors])
describe("describe while consuming")
cons.close()
describe("describe after close")
offs = admin.list_consumer_group_offsets([__import__("confluent_kafka").ConsumerGroupTopicPartitions(GROUP)])
res = offs[GROUP].result(timeout=20)
out("group offsets:", [(tp.partition, tp.offset, tp.error) for tp in res.topic_partitions])
r = admin.delete_consumer_groups([GROUP])[GROUP]
try:
    r.result(timeout=20)
    out("delete: ok")
except Exception as e:
    out("delete:", e.args[0].name() if e.args else e)
groups = admin.list_consumer_groups(request_timeout=20).result()
out("list after delete:", sorted(g.group_id for g in groups.valid if g.group_id == GROUP))
