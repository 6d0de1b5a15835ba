"""ApiVersions at v0 and v3 and an unsupported version (KIP-511: UNSUPPORTED_VERSION
in v0 form, listing ApiVersions' own range). Printed: the version ranges of the APIs
strand serves, as both brokers list them."""
import struct
from common import *

SERVED = [0, 1, 2, 3, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 22, 36, 42, 47]
c = Conn()
for v in (0, 3, 4):
    r = c.request("ApiVersions", v, client_software_name="compat", client_software_version="1.0")
    keys = {k["api_key"]: (k["min_version"], k["max_version"]) for k in r["api_keys"]}
    out(f"v{v}: error={err_name(r['error_code'])} throttle={r.get('throttle_time_ms')}")
    for k in SERVED:
        out(f"  api {k}: {keys.get(k, 'not listed')}")
    out(f"  zk_migration_ready={r.get('zk_migration_ready')}")

# ApiVersions v127 by hand: the header is v2 (flexible), the body empty.
hdr = struct.pack(">hhih", 18, 127, 99, 6) + b"compat" + b"\0" + b"\0\0"
c.send_raw(struct.pack(">i", len(hdr)) + hdr)
body = c.read_frame()
corr, err = struct.unpack_from(">ih", body, 0)
(n,) = struct.unpack_from(">i", body, 6)
entries = [struct.unpack_from(">hhh", body, 10 + 6 * i) for i in range(n)]
out(f"v127: correlation={corr} error={err_name(err)} api_keys={[e for e in entries if e[0] == 18]} "
    f"entries_other_than_api_versions={len([e for e in entries if e[0] != 18]) > 0}")

# Kafka 4 lists Produce v0-v2 (KAFKA-18659) but does not serve them.
p = Conn()
r = p.outcome("Produce", 2, acks=-1, timeout_ms=1000, transactional_id=None,
              topic_data=[{"name": TOPIC, "partition_data": [{"index": 0, "records": batch(records(1))}]}])
if r == "closed":
    out("Produce v2: closed")
else:
    part = r["responses"][0]["partition_responses"][0]
    out(f"Produce v2: error={err_name(part['error_code'])} base_offset={part['base_offset']}")
