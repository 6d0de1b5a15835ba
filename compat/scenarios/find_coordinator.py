"""FindCoordinator for a group (this broker) and for a transactional id, at v1 and at
v4 (batched keys)."""
from common import *

c = Conn()
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
