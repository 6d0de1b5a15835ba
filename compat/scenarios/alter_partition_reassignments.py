"""AlterPartitionReassignments on a one-broker cluster: to a broker that does not
exist, to the broker itself, a cancellation with none in progress, bad replica
lists, unknown topics and partitions, an empty request and an expired timeout."""
from common import *

c = Conn()
md = c.request("Metadata", 12, topics=[{"name": TOPIC}], allow_auto_topic_creation=False,
               include_topic_authorized_operations=False)
ME = md["topics"][0]["partitions"][0]["leader_id"]
OTHER = ME + 1


def alter(label, version, topics, timeout_ms=10000, **fields):
    r = c.request("AlterPartitionReassignments", version, timeout_ms=timeout_ms, topics=topics, **fields)
    out(f"{label} v{version}: error={err_name(r['error_code'])} message={r['error_message']!r} "
        f"allow_rf_change={r.get('allow_replication_factor_change')}")
    for t in r["responses"]:
        for p in t["partitions"]:
            # Broker ids differ between the two brokers: print them by role.
            message = p["error_message"]
            if message is not None:
                message = message.replace(f"broker {OTHER},", "broker OTHER,").replace(f"broker {ME} more", "broker ME more")
            out(f"  {'T' if t['name'] == TOPIC else t['name']}:{p['partition_index']} "
                f"{err_name(p['error_code'])} {message!r}")


def part(index, replicas):
    return {"partition_index": index, "replicas": replicas}


cases = [{"name": TOPIC, "partitions": [part(0, [OTHER]), part(0, [ME]), part(0, None), part(7, [ME]),
                                        part(0, [ME, OTHER]), part(0, []), part(0, [ME, ME]), part(0, [-1])]},
         {"name": TOPIC + "-nope", "partitions": [part(0, [ME]), part(0, None)]},
         {"name": "bad/name", "partitions": [part(0, [ME])]}]
alter("mixed", 0, cases)
alter("mixed", 1, cases, allow_replication_factor_change=True)
alter("replication factor change refused", 1,
      [{"name": TOPIC, "partitions": [part(0, [ME, OTHER]), part(0, [ME])]}], allow_replication_factor_change=False)
alter("empty", 0, [])
alter("empty, timeout 0", 1, [], timeout_ms=0, allow_replication_factor_change=True)
alter("timeout 0", 0, [{"name": TOPIC, "partitions": [part(0, [ME])]}], timeout_ms=0)
alter("same topic twice", 0, [{"name": TOPIC, "partitions": [part(0, [ME])]},
                              {"name": TOPIC, "partitions": [part(0, [OTHER])]}])
