"""confluent-kafka producers with each compression.type and acks 0, 1 and all;
a consumer reads everything back from offset 0 (assign, no group)."""
from confluent_kafka import Consumer, Producer, TopicPartition
from common import *

i = 0
for codec in ("none", "gzip", "snappy", "lz4", "zstd"):
    for acks in ("0", "1", "all"):
        p = Producer({"bootstrap.servers": BOOTSTRAP, "compression.type": codec, "acks": acks, "linger.ms": 20,
                      "enable.idempotence": False})
        res = []
        for j in range(3):
            p.produce(TOPIC, key=f"{codec}-{acks}".encode(), value=(f"{codec} {acks} {j} " * 20).encode(),
                      timestamp=T0 + i, on_delivery=lambda e, m: res.append((str(e), m.offset())))
            i += 1
        p.flush(20)
        # acks=0 returns before the broker appended; wait for it, so the next
        # producer's records (on another connection) come after these.
        c = Conn()
        wait_until(lambda: list_offsets(c, -1)["offset"] >= i, timeout=10)
        c.close()
        out(f"{codec} acks={acks}: {res}")
cons = Consumer({"bootstrap.servers": BOOTSTRAP, "group.id": GROUP, "enable.auto.commit": False})
cons.assign([TopicPartition(TOPIC, 0, 0)])
got = []
while len(got) < 45:
    m = cons.poll(10)
    if m is None:
        break
    if m.error():
        out("error:", m.error().name())
        continue
    got.append((m.offset(), m.key().decode(), len(m.value()), m.timestamp()[1] - T0))
cons.close()
out(f"read {len(got)}:", got)
c = Conn()
r = fetch(c, 0)
batches, _ = parse_batches(r["responses"][0]["partitions"][0]["records"])
# How a producer splits records into batches depends on timing; the codec each
# record was stored with does not.
out("stored codecs:", sorted({(r_.key.decode(), CODEC_NAMES.get(b.compression_type)) for b in batches for r_ in b}))
