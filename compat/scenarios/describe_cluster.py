"""DescribeCluster at every version: one broker (the one we talk to), which is
also the controller, the cluster id, the authorized operations when asked, and
the endpoint type checks of v1+ (KIP-919)."""
from common import *

c = Conn()


def describe(version, **fields):
    r = c.request("DescribeCluster", version, include_cluster_authorized_operations=False, **fields)
    brokers = []
    for b in r["brokers"]:
        where = "bootstrap" if "%s:%d" % (b["host"], b["port"]) == BOOTSTRAP else "other"
        brokers.append(f"{where} rack={b['rack']} fenced={b.get('is_fenced')}")
    ids = [b["broker_id"] for b in r["brokers"]]
    controller = ("a listed broker" if r["controller_id"] in ids else r["controller_id"])
    out(f"v{version} {fields}: error={err_name(r['error_code'])} message={r['error_message']!r} "
        f"brokers={brokers} controller={controller} cluster_id={'set' if r['cluster_id'] else repr(r['cluster_id'])} "
        f"endpoint_type={r.get('endpoint_type')} operations={r['authorized_operations']}")


describe(0)
describe(1, endpoint_type=1)
describe(2, endpoint_type=1, include_fenced_brokers=True)
describe(2, endpoint_type=1, include_fenced_brokers=False)
for version in (0, 2):
    r = c.request("DescribeCluster", version, include_cluster_authorized_operations=True,
                  **({} if version == 0 else {"endpoint_type": 1}))
    out(f"v{version} authorized operations: {sorted(r['authorized_operations'])}")
# A broker listener asked for a controller endpoint, or for an unknown type.
describe(1, endpoint_type=2)
describe(2, endpoint_type=0, include_fenced_brokers=False)
describe(1, endpoint_type=3)
