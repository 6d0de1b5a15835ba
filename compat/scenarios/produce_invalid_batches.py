"""Batches a plain client should not send: a transactional batch outside a
transaction, a control batch, a magic v1 message set, a producer id without a
sequence. And ones Kafka accepts: a base offset other than 0 (the broker assigns
offsets), a producer id without InitProducerId being asked first."""
import struct
from kafka.record.legacy_records import LegacyRecordBatchBuilder
from kafka.record.util import calc_crc32c
from common import *


def with_attributes(data, set_bits):
    """DATA with attribute bits set and the CRC fixed."""
    b = bytearray(data)
    (attrs,) = struct.unpack_from(">h", b, 21)
    struct.pack_into(">h", b, 21, attrs | set_bits)
    struct.pack_into(">I", b, 17, calc_crc32c(bytes(b[21:])))
    return bytes(b)


def with_base_offset(data, base):
    b = bytearray(data)
    struct.pack_into(">q", b, 0, base)  # the base offset is outside the CRC
    return bytes(b)


c = Conn()
pid = init_producer_id(c)["producer_id"]
show_produce(produce(c, with_attributes(batch(records(1), producer_id=pid, epoch=0, sequence=0), 0x10)),
             "transactional batch without a transaction")
show_produce(produce(c, with_attributes(batch(records(1)), 0x20)), "control batch from a client")
show_produce(produce(c, with_attributes(batch(records(1), producer_id=pid, epoch=0, sequence=0), 0x30)),
             "transactional control batch from a client")
legacy = LegacyRecordBatchBuilder(magic=1, compression_type=0, batch_size=1 << 20)
legacy.append(0, timestamp=T0, key=b"k", value=b"v")
show_produce(produce(c, bytes(legacy.build())), "magic 1 message set")
show_produce(produce(c, batch(records(1), producer_id=pid, epoch=0, sequence=-1)), "producer id without sequence")
show_produce(produce(c, with_base_offset(batch(records(2)), 1000)), "base offset 1000")
show_produce(produce(c, batch(records(1), producer_id=pid + 77, epoch=3, sequence=0)),
             "a producer id never handed out, epoch 3")
show_list_offsets(list_offsets(c, -1), "latest")
show_fetch(fetch(c, 0), with_records=False)
