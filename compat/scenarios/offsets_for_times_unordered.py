"""Records whose timestamps go backwards within and across batches: the lookup finds
the first offset whose timestamp is at or after the target."""
from common import *

c = Conn()
# batch 0: T0+500, T0+100, T0+300; batch 1: T0+200 .. T0+202; batch 2: T0+900 ..
b = DefaultRecordBatchBuilder(magic=2, compression_type=0, is_transactional=False, producer_id=-1,
                              producer_epoch=-1, base_sequence=-1, batch_size=1 << 20)
for i, dt in enumerate((500, 100, 300)):
    b.append(i, timestamp=T0 + dt, key=b"k", value=f"v{i}".encode(), headers=[])
show_produce(produce(c, bytes(b.build())), "batch with timestamps 500,100,300")
show_produce(produce(c, batch(records(3, start=3), ts=T0 + 200)), "batch at 200..202")
show_produce(produce(c, batch(records(3, start=6), ts=T0 + 900)), "batch at 900..902")
for dt in (0, 100, 150, 200, 201, 300, 301, 500, 501, 900, 902, 903):
    show_list_offsets(list_offsets(c, T0 + dt), f"time T0+{dt}")
show_list_offsets(list_offsets(c, -3), "max timestamp")
