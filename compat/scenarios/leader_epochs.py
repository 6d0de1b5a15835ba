"""Leader epochs on a one-leader partition: the leader epoch stamped into every
batch appended (whatever the producer wrote there, -1, 0 or 7), as Fetch returns
the batches; Metadata's and ListOffsets' leader_epoch; current_leader_epoch
checked by ListOffsets (v4+) and Fetch (v9+); Fetch v12+'s last_fetched_epoch
and diverging_epoch."""
import struct

from common import *
from common import _ts as show_ts

c = Conn()


def with_epoch(b, epoch):
    """The batch with partitionLeaderEpoch (bytes 12..16, outside the CRC) set."""
    return b[:12] + struct.pack(">i", epoch) + b[16:]


m = c.request("Metadata", 12, topics=[{"name": TOPIC}], allow_auto_topic_creation=False,
              include_topic_authorized_operations=False)
for p in m["topics"][0]["partitions"]:
    out(f"metadata partition={p['partition_index']} leader_epoch={p['leader_epoch']}")

for v in (4, 9):
    for ts in (-1, -2, -3, -4, T0):
        show_list_offsets(list_offsets(c, ts, version=v), f"empty v{v} ts={show_ts(ts)}")

for i, epoch in enumerate((-1, 0, 7)):
    show_produce(produce(c, with_epoch(batch(records(2, start=2 * i), ts=T0 + 10 * i), epoch)),
                 f"produce with epoch {epoch}")
r = fetch(c, 0)
for t in r["responses"]:
    for p in t["partitions"]:
        batches, _ = parse_batches(p["records"])
        for b in batches:
            out(f"stored batch base={b.base_offset} partition_leader_epoch={b.leader_epoch} crc_ok={b.validate_crc()}")

for v in (4, 9):
    for ts in (-1, -2, -3, -4, T0 + 5, T0 + 21, T0 + 1000):
        show_list_offsets(list_offsets(c, ts, version=v), f"filled v{v} ts={show_ts(ts)}")


def list_at(current, ts=-1, version=9):
    resp = c.request("ListOffsets", version, replica_id=-1, isolation_level=0, timeout_ms=10000,
                     topics=[{"name": TOPIC, "partitions": [
                         {"partition_index": 0, "timestamp": ts, "current_leader_epoch": current}]}])
    return resp["topics"][0]["partitions"][0]


for current in (0, 1, -2, -1):
    show_list_offsets(list_at(current), f"list_offsets current {current}")
show_list_offsets(list_at(1, ts=-2, version=4), "list_offsets v4 current 1")


def fetch_at(offset, current=-1, last=-1, version=12, partition=0):
    resp = c.request("Fetch", version, replica_id=-1, max_wait_ms=0, min_bytes=0, max_bytes=52428800,
                     isolation_level=0, session_id=0, session_epoch=-1, rack_id="", forgotten_topics_data=[],
                     topics=[{"topic": TOPIC, "partitions": [
                         {"partition": partition, "fetch_offset": offset, "partition_max_bytes": 1048576,
                          "log_start_offset": -1, "current_leader_epoch": current, "last_fetched_epoch": last}]}])
    return resp


def show_epoch_fetch(resp, label):
    out(f"{label}: top_error={err_name(resp.get('error_code', 0))}")
    for t in resp["responses"]:
        for p in t["partitions"]:
            batches, _ = parse_batches(p["records"])
            div = p.get("diverging_epoch")
            out(f"  error={err_name(p['error_code'])} hw={p['high_watermark']} log_start={p.get('log_start_offset')} "
                f"batches={[b.base_offset for b in batches]} diverging_epoch={div}")


for current in (0, 1, -2, -1):
    show_epoch_fetch(fetch_at(0, current=current, version=9), f"fetch v9 current {current}")
show_epoch_fetch(fetch_at(0, current=5, partition=1), "fetch unknown partition current 5")
for last, offset in ((0, 0), (0, 4), (0, 6), (0, 7), (0, 100), (1, 2), (-2, 2), (0, -1)):
    show_epoch_fetch(fetch_at(offset, last=last), f"fetch v12 last_fetched {last} at {offset}")
show_epoch_fetch(fetch_at(7, current=1, last=0), "fetch v12 current 1 last_fetched 0 at 7")
