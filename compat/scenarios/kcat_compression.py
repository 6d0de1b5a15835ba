"""Debian's kcat (librdkafka 2.0.2) producing with -z gzip/snappy/lz4/zstd: the
batches as stored, read back over the wire. librdkafka before 2.8 enables gzip,
snappy and lz4 only if the broker lists Produce from v0 (librdkafka issue 4956);
Kafka 4.x lists v0-v2 for that reason (KAFKA-18659) though it refuses them."""
import shutil
import subprocess
from common import *

if not shutil.which("kcat"):
    out("SKIP: kcat is not installed")
    raise SystemExit(0)
version = subprocess.run(["kcat", "-V"], capture_output=True, text=True).stdout
out("librdkafka 2.0.2:", "librdkafka 2.0.2 " in version)
for codec in ("gzip", "snappy", "lz4", "zstd"):
    data = "".join(f"{codec}-{i}:{(codec + ' value ') * 20}\n" for i in range(3))
    r = subprocess.run(["kcat", "-P", "-b", BOOTSTRAP, "-t", TOPIC, "-K:", "-z", codec, "-X", "linger.ms=50"],
                       input=data, capture_output=True, text=True, timeout=60)
    out(f"kcat -z {codec}: exit={r.returncode}")
c = Conn()
r = fetch(c, 0)
batches, _ = parse_batches(r["responses"][0]["partitions"][0]["records"])
# Per record: how kcat splits its lines into batches depends on timing.
for b in batches:
    for rec in b:
        out(f"offset {rec.offset} key={rec.key!r} stored codec={CODEC_NAMES.get(b.compression_type)}")
