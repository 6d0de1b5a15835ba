"""confluent-kafka (librdkafka) with enable.idempotence: twenty records in order, read
back with their offsets; the batches carry a producer id and sequences 0, 1, ..."""
from confluent_kafka import Producer
from common import *

p = Producer({"bootstrap.servers": BOOTSTRAP, "enable.idempotence": True, "acks": "all", "linger.ms": 50,
              "batch.num.messages": 5})
acks = []
for i in range(20):
    p.produce(TOPIC, key=f"k{i % 4}".encode(), value=f"v{i}".encode(), timestamp=T0 + i,
              on_delivery=lambda err, msg: acks.append((str(err), msg.offset(), msg.value())))
p.flush(30)
out(f"acked {len(acks)}: errors={sorted(set(a[0] for a in acks))} offsets in order={[a[1] for a in acks] == list(range(20))}")
c = Conn()
r = fetch(c, 0)
batches, _ = parse_batches(r["responses"][0]["partitions"][0]["records"])
seqs = [b.base_sequence for b in batches]
out(f"batches={'several' if len(batches) > 1 else len(batches)} producer_id_set={all(b.producer_id >= 0 for b in batches)} "
    f"epochs={sorted(set(b.producer_epoch for b in batches))} sequences follow offsets="
    f"{all(b.base_sequence == b.base_offset for b in batches)}")
out("records:", [(r_.offset, r_.key, r_.value) for b in batches for r_ in b])
