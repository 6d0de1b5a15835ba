"""Metadata for the topic at several versions: brokers, controller, the partition's
leader, epochs, replicas and ISR."""
import uuid
from common import *

c = Conn()
fill(c, batches=1)
for v in (0, 1, 4, 9, 12):
    req = {"topics": [{"name": TOPIC}]}
    if v >= 4:
        req["allow_auto_topic_creation"] = False
    r = c.request("Metadata", v, **req)
    out(f"v{v}: brokers={[(b['node_id'], b.get('rack')) for b in r['brokers']]} "
        f"cluster_id={'set' if r.get('cluster_id') else r.get('cluster_id')} controller={r.get('controller_id')}")
    for t in r["topics"]:
        tid = t.get("topic_id")
        out(f"  topic error={err_name(t['error_code'])} name_matches={t['name'] == TOPIC} "
            f"internal={t.get('is_internal')} topic_id={'set' if tid and tid != uuid.UUID(int=0) else tid} "
            f"authorized_ops={t.get('topic_authorized_operations')}")
        for p in t["partitions"]:
            out(f"  partition {p['partition_index']}: error={err_name(p['error_code'])} leader={p['leader_id']} "
                f"leader_epoch={p.get('leader_epoch')} replicas={p['replica_nodes']} isr={p['isr_nodes']} "
                f"offline={p.get('offline_replicas')}")
    out(f"  cluster_authorized_ops={r.get('cluster_authorized_operations')}")
