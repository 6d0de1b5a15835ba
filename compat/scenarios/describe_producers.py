"""DescribeProducers (61): no producers on a fresh partition, then an idempotent
producer's id, epoch, last sequence and last timestamp after two batches (a
plain producer's batch is not listed); an unknown partition, an unknown topic
and an illegal topic name, with Kafka's messages."""
from common import *
from common import _ts as show_ts

c = Conn()


def describe(*topics):
    return c.request("DescribeProducers", 0, topics=[{"name": n, "partition_indexes": ps} for n, ps in topics])


def show(resp, label, pid=None):
    for t in resp["topics"]:
        name = "TOPIC" if t["name"] == TOPIC else t["name"]
        for p in t["partitions"]:
            out(f"{label}: {name}[{p['partition_index']}] error={err_name(p['error_code'])} "
                f"message={p['error_message']!r} producers={len(p['active_producers'])}")
            for s in p["active_producers"]:
                out(f"  producer id={'ours' if s['producer_id'] == pid else s['producer_id']} "
                    f"epoch={s['producer_epoch']} last_sequence={s['last_sequence']} "
                    f"last_timestamp={show_ts(s['last_timestamp'])} coordinator_epoch={s['coordinator_epoch']} "
                    f"txn_start={s['current_txn_start_offset']}")


show(describe((TOPIC, [0])), "fresh")
r = init_producer_id(c)
pid, epoch = r["producer_id"], r["producer_epoch"]
show_produce(produce(c, batch(records(3), producer_id=pid, epoch=epoch, sequence=0)), "idempotent seq 0")
show_produce(produce(c, batch(records(2, start=3), ts=T0 + 50, producer_id=pid, epoch=epoch, sequence=3)),
             "idempotent seq 3")
show_produce(produce(c, batch(records(1, start=5), ts=T0 + 99)), "plain")
show(describe((TOPIC, [0])), "after", pid)
show(describe((TOPIC, [0, 1, 0])), "partitions 0, 1, 0", pid)
show(describe(("no-such-topic-producers", [0, 1])), "unknown topic")
show(describe(("bad name", [0]), ("", [0])), "illegal names")
show(describe(("no-such-topic-producers", []), (TOPIC, [])), "no partitions")
