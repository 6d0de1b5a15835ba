"""SaslHandshake on a PLAINTEXT listener, and SaslAuthenticate there."""
from common import *

c = Conn()
r = c.outcome("SaslHandshake", 1, mechanism="PLAIN")
out("SaslHandshake:", r if r == "closed" else f"{err_name(r['error_code'])} mechanisms={r['mechanisms']}")
c = Conn()
r = c.outcome("SaslAuthenticate", 2, auth_bytes=b"\0u\0p")
out("SaslAuthenticate:", r if r == "closed" else err_name(r["error_code"]))
c = Conn()
r = c.request("Metadata", 12, topics=[{"name": TOPIC}])
out(f"Metadata: {err_name(r['topics'][0]['error_code'])}")
