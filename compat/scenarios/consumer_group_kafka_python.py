"""kafka-python end to end: KafkaProducer (acks=all, idempotent, its 3.x default)
writes six records; a subscribing KafkaConsumer in a group reads them, commits;
KafkaAdminClient lists, describes, reads offsets of and deletes the group."""
import time
from kafka import KafkaAdminClient, KafkaConsumer, KafkaProducer, TopicPartition
from common import *

p = KafkaProducer(bootstrap_servers=BOOTSTRAP, linger_ms=20)
futs = [p.send(TOPIC, key=f"k{i}".encode(), value=f"v{i}".encode(), timestamp_ms=T0 + i) for i in range(6)]
out("produced offsets:", [f.get(timeout=20).offset for f in futs])
p.close()

cons = KafkaConsumer(TOPIC, bootstrap_servers=BOOTSTRAP, group_id=GROUP, auto_offset_reset="earliest",
                     enable_auto_commit=False, client_id="compat-kafka-python", session_timeout_ms=10000)
got = []
deadline = time.time() + 40
while len(got) < 6 and time.time() < deadline:
    for tp, msgs in cons.poll(timeout_ms=500).items():
        got += [(m.offset, m.key, m.value, m.timestamp - T0) for m in msgs]
out("consumed:", got)
out("assignment:", sorted(tp.partition for tp in cons.assignment()))
cons.commit()
out("committed:", cons.committed(TopicPartition(TOPIC, 0)))
out("end offsets:", list(cons.end_offsets([TopicPartition(TOPIC, 0)]).values()))
out("beginning offsets:", list(cons.beginning_offsets([TopicPartition(TOPIC, 0)]).values()))
t = cons.offsets_for_times({TopicPartition(TOPIC, 0): T0 + 3})
out("offsets for T0+3:", [(v.offset, v.timestamp - T0) for v in t.values()])

admin = KafkaAdminClient(bootstrap_servers=BOOTSTRAP)


def describe(label):
    d = admin.describe_groups([GROUP])[GROUP]
    members = [(m.get("client_id"), m.get("member_assignment")) for m in d.get("members", [])]
    out(f"{label}: error={err_name(d.get('error_code', 0))} state={d.get('group_state')} "
        f"protocol_type={d.get('protocol_type')} protocol={d.get('protocol_data')} members={members}")


def listed():
    return sorted((g["group_id"], g.get("protocol_type"), g.get("group_state"), g.get("group_type"))
                  for g in admin.list_groups() if g["group_id"] == GROUP)


out("list:", listed())
describe("describe while consuming")
cons.close()
describe("describe after close")
offs = admin.list_group_offsets({GROUP: None})[GROUP]
out("group offsets:", {tp.partition: (m.offset, m.metadata) for tp, m in offs.items()})
out("delete:", admin.delete_groups([GROUP]))
out("list after delete:", listed())
admin.close()
