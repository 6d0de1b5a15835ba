"""FindCoordinator for a group (this broker) and for a transactional id, at v1, v3 and
at v4/v6 (batched keys). Like a client, it retries COORDINATOR_NOT_AVAILABLE for up to
20 s first: Kafka creates its transaction state topic on the first such request."""
import time
from common import *

c = Conn()
deadline = time.time() + 20
while time.time() < deadline:
    r = c.request("FindCoordinator", 3, key=GROUP + "-x", key_type=1)
    if r["error_code"] not in (14, 15):  # COORDINATOR_LOAD_IN_PROGRESS, COORDINATOR_NOT_AVAILABLE
        break
    time.sleep(0.2)
for v in (1, 3):
    for key_type, name in ((0, "group"), (1, "transaction")):
        r = c.request("FindCoordinator", v, key=GROUP + "-x", key_type=key_type)
        out(f"v{v} {name}: error={err_name(r['error_code'])} node={r['node_id']} host_set={bool(r['host'])} "
            f"port_set={r['port'] > 0}")
for v in (4, 6):
    for key_type, name in ((0, "group"), (1, "transaction")):
        r = c.request("FindCoordinator", v, key_type=key_type, coordinator_keys=[GROUP + "-a", GROUP + "-b"])
        for k in r["coordinators"]:
            out(f"v{v} {name} {k['key'][-1]}: error={err_name(k['error_code'])} node={k['node_id']} "
                f"host_set={bool(k['host'])} port_set={k['port'] > 0}")
