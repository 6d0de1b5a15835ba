"""Fetch sessions (KIP-227): a full fetch with session epoch 0 asks for a session.
Kafka creates one (a non-zero id) and serves incremental fetches on it; strand
answers session id 0 (no session), which tells a client to keep sending full fetches."""
from common import *

c = Conn()
fill(c, batches=2)
t = {"topic": TOPIC, "partitions": [{"partition": 0, "fetch_offset": 0, "partition_max_bytes": 1 << 20,
                                     "log_start_offset": -1, "current_leader_epoch": -1}]}
r = c.request("Fetch", 12, replica_id=-1, max_wait_ms=0, min_bytes=0, max_bytes=1 << 20, isolation_level=0,
              session_id=0, session_epoch=0, topics=[t], forgotten_topics_data=[], rack_id="")
sid = r["session_id"]
out(f"full fetch, epoch 0: error={err_name(r['error_code'])} session created={sid != 0} "
    f"partitions={[(p['partition_index'], len(parse_batches(p['records'])[0])) for x in r['responses'] for p in x['partitions']]}")
if sid != 0:
    # An incremental fetch that names no partitions: the session's partitions, from
    # where the last fetch left them, with nothing new: empty.
    r = c.request("Fetch", 12, replica_id=-1, max_wait_ms=0, min_bytes=0, max_bytes=1 << 20, isolation_level=0,
                  session_id=sid, session_epoch=1, topics=[], forgotten_topics_data=[], rack_id="")
    out(f"incremental fetch, epoch 1: error={err_name(r['error_code'])} same session={r['session_id'] == sid}")
r = c.request("Fetch", 12, replica_id=-1, max_wait_ms=0, min_bytes=0, max_bytes=1 << 20, isolation_level=0,
              session_id=0, session_epoch=-1, topics=[t], forgotten_topics_data=[], rack_id="")
out(f"sessionless fetch (epoch -1): error={err_name(r['error_code'])} session_id={r['session_id']}")
r = c.request("Fetch", 12, replica_id=-1, max_wait_ms=0, min_bytes=0, max_bytes=1 << 20, isolation_level=0,
              session_id=12345, session_epoch=3, topics=[t], forgotten_topics_data=[], rack_id="")
out(f"unknown session 12345, epoch 3: error={err_name(r['error_code'])}")
r = c.request("Fetch", 12, replica_id=-1, max_wait_ms=0, min_bytes=0, max_bytes=1 << 20, isolation_level=0,
              session_id=12345, session_epoch=0, topics=[t], forgotten_topics_data=[], rack_id="")
out(f"unknown session 12345, epoch 0 (a full fetch): error={err_name(r['error_code'])} "
    f"records={sum(len(parse_batches(p['records'])[0]) for x in r['responses'] for p in x['partitions'])} batches")
