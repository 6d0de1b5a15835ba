"""OffsetForLeaderEpoch (23) v2-v4 on a one-leader partition (epoch 0), empty and
after three batches: the current epoch ends at the log end offset; -1, newer
epochs and an epoch below -1 as the leader's epoch cache answers them;
current_leader_epoch older/newer/absent; an unknown topic and partition; the
replica_id of v3+ (a consumer's -1, a debugging -2, a broker id) changes nothing."""
from common import *

c = Conn()


def ask(partitions, version=4, replica_id=-1, topic=None):
    fields = {"topics": [{"topic": topic or TOPIC, "partitions": partitions}]}
    if version >= 3:
        fields["replica_id"] = replica_id
    return c.request("OffsetForLeaderEpoch", version, **fields)


def show(resp, label):
    for t in resp["topics"]:
        for p in t["partitions"]:
            out(f"{label}: topic_is_ours={t['topic'] == TOPIC} partition={p['partition']} "
                f"error={err_name(p['error_code'])} leader_epoch={p['leader_epoch']} end_offset={p['end_offset']}")


def part(epoch, current=-1, partition=0):
    return {"partition": partition, "current_leader_epoch": current, "leader_epoch": epoch}


for epoch in (0, -1, 1):
    show(ask([part(epoch)]), f"empty epoch {epoch}")
fill(c)
for epoch in (0, 1, 5, 2147483647, -1, -2):
    show(ask([part(epoch)]), f"filled epoch {epoch}")
for current in (0, 1, -2, -1):
    show(ask([part(0, current=current)]), f"current {current}")
show(ask([part(0, partition=1), part(0, current=3, partition=1)]), "unknown partition")
show(ask([part(0)], topic="no-such-topic-epochs"), "unknown topic")
show(ask([part(0), part(3), part(0, current=9)]), "three partitions in one topic")
for v in (2, 3):
    show(ask([part(0), part(1)], version=v), f"v{v}")
for replica in (-2, 1, 5):
    show(ask([part(0), part(1)], replica_id=replica), f"replica_id {replica}")
