# needs: sasl
"""What a SASL listener does with requests out of order: Metadata before
authenticating closes the connection; ApiVersions first is answered; SaslAuthenticate
without a handshake closes; a second handshake after authenticating is refused."""
import os
from common import *

bootstrap = os.environ["SASL_BOOTSTRAP"]
user, password = os.environ["SASL_USER"], os.environ["SASL_PASSWORD"]

c = Conn(bootstrap)
r = c.outcome("Metadata", 12, topics=[{"name": TOPIC}])
out("Metadata before auth:", "closed" if r == "closed" else f"answered {r}")

c = Conn(bootstrap)
r = c.request("ApiVersions", 3, client_software_name="compat", client_software_version="1")
out(f"ApiVersions before auth: error={err_name(r['error_code'])} lists SaslHandshake="
    f"{any(k['api_key'] == 17 for k in r['api_keys'])}")
hs, auth = sasl_plain(c, user, password)
out(f"then PLAIN: {err_name(hs['error_code'])} {auth if auth == 'closed' else err_name(auth['error_code'])}")
r = c.outcome("SaslHandshake", 1, mechanism="PLAIN")
out("second handshake after auth:", r if r == "closed" else err_name(r["error_code"]))

c = Conn(bootstrap)
r = c.outcome("SaslAuthenticate", 2, auth_bytes=b"\0" + user.encode() + b"\0" + password.encode())
out("SaslAuthenticate without handshake:", r if r == "closed" else err_name(r["error_code"]))

c = Conn(bootstrap)
r = c.outcome("Produce", 9, acks=-1, timeout_ms=1000, transactional_id=None,
              topic_data=[{"name": TOPIC, "partition_data": [{"index": 0, "records": batch(records(1))}]}])
out("Produce before auth:", "closed" if r == "closed" else f"answered")
