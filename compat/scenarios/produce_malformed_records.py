"""Batches whose header and CRC are right but whose contents are not: garbage where
the compressed records should be, an unknown codec id, zstd on Produce v6 (zstd
needs v7+), records whose lengths disagree with the batch. Kafka reads the records
on produce and refuses these; a broker that stores them hands consumers a batch
they cannot read."""
import struct
from kafka.record.util import calc_crc32c
from common import *


def fix_crc(b):
    struct.pack_into(">I", b, 17, calc_crc32c(bytes(b[21:])))
    struct.pack_into(">i", b, 8, len(b) - 12)
    return bytes(b)


def recompress_gzip(plain):
    """PLAIN (an uncompressed batch) with its records gzipped and the codec set."""
    import gzip
    b = bytearray(plain[:61] + gzip.compress(plain[61:]))
    struct.pack_into(">h", b, 21, 1)
    return b


c = Conn()
gz = bytearray(batch(records(5, size=100), codec="gzip"))
garbage = gz[:61] + bytes((i * 37) & 0xFF for i in range(len(gz) - 61))
show_produce(produce(c, fix_crc(bytearray(garbage))), "gzip batch with garbage records")
zs = bytearray(batch(records(5, size=100), codec="zstd"))
show_produce(produce(c, fix_crc(bytearray(zs[:61] + zs[61:-8]))), "zstd batch cut short (CRC fixed)")
bad_codec = bytearray(batch(records(2)))
struct.pack_into(">h", bad_codec, 21, 6)
show_produce(produce(c, fix_crc(bad_codec)), "codec id 6")
show_produce(produce(c, batch(records(5, size=100), codec="zstd"), version=6), "zstd on Produce v6")
show_produce(produce(c, batch(records(5, size=100), codec="zstd"), version=7), "zstd on Produce v7")
plain = bytearray(batch(records(3)))
plain[61] = plain[61] + 2  # first record's length varint (zigzag): one byte longer than it is
show_produce(produce(c, fix_crc(plain)), "record length one byte too long")
extra = bytearray(batch(records(3))) + b"\x00\x00"
show_produce(produce(c, fix_crc(extra)), "two stray bytes after the last record")
# Records 0, 1, 2 of a gzip batch carrying offset deltas 0, 1, 5: Kafka would
# re-compress the batch with the right ones (4.4 fails doing so), strand refuses it.
skewed = bytearray(batch(records(3)))
pos = 61
for i in range(3):
    length = skewed[pos] >> 1  # one-byte zigzag length: these records are short
    if i == 2:
        assert skewed[pos + 3] == 4  # offset delta 2 (zigzag), after attributes and a one-byte timestamp delta
        skewed[pos + 3] = 10  # offset delta 5
    pos += 1 + length
show_produce(produce(c, fix_crc(bytearray(recompress_gzip(bytes(skewed))))), "gzip records with offset deltas 0, 1, 5")
show_list_offsets(list_offsets(c, -1), "latest")
r = fetch(c, 0)
for t in r["responses"]:
    for p in t["partitions"]:
        bs, _ = parse_batches(p["records"])
        readable = []
        for b in bs:
            try:
                readable.append((b.base_offset, len(list(b))))
            except Exception as e:
                readable.append((b.base_offset, f"unreadable: {type(e).__name__}"))
        out(f"stored batches: {readable}")
