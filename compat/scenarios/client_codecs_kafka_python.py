"""kafka-python producers with each compression_type; a consumer reads everything
back with assign() and seek, and by time."""
from kafka import KafkaConsumer, KafkaProducer, TopicPartition
from common import *

i = 0
for codec in (None, "gzip", "snappy", "lz4", "zstd"):
    p = KafkaProducer(bootstrap_servers=BOOTSTRAP, compression_type=codec, acks=1, linger_ms=20,
                      enable_idempotence=False)
    futs = []
    for j in range(3):
        futs.append(p.send(TOPIC, key=f"{codec}".encode(), value=(f"{codec} {j} " * 20).encode(), timestamp_ms=T0 + i))
        i += 1
    out(f"{codec}: offsets {[f.get(timeout=20).offset for f in futs]}")
    p.close()
tp = TopicPartition(TOPIC, 0)
cons = KafkaConsumer(bootstrap_servers=BOOTSTRAP, enable_auto_commit=False, consumer_timeout_ms=3000)
cons.assign([tp])
cons.seek(tp, 4)
got = [(m.offset, m.key, len(m.value), m.timestamp - T0) for m in cons]
out(f"from offset 4, read {len(got)}:", got)
t = cons.offsets_for_times({tp: T0 + 7})
out("offset for T0+7:", [(v.offset, v.timestamp - T0) for v in t.values()])
cons.close()
