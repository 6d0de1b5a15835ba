# needs: sasl
"""SASL_PLAINTEXT with PLAIN: a wrong password and an unknown user are
SASL_AUTHENTICATION_FAILED and the connection closes; a mechanism the listener does
not enable is UNSUPPORTED_SASL_MECHANISM with the enabled list; the right password
authenticates and the broker serves requests."""
import os
from common import *

bootstrap = os.environ["SASL_BOOTSTRAP"]
user, password = os.environ["SASL_USER"], os.environ["SASL_PASSWORD"]


def show(label, hs, auth):
    line = f"{label}: handshake={err_name(hs['error_code'])} mechanisms={hs['mechanisms']}"
    if auth == "closed":
        line += " authenticate=closed"
    elif auth is not None:
        line += (f" authenticate={err_name(auth['error_code'])} message_set={bool(auth.get('error_message'))} "
                 f"session_lifetime_ms={auth.get('session_lifetime_ms')}")
    out(line)


c = Conn(bootstrap)
hs, auth = sasl_plain(c, user, password + "-wrong")
show("wrong password", hs, auth)
out("then Metadata:", c.outcome("Metadata", 12, topics=[{"name": TOPIC}]) == "closed" and "closed" or "answered")

c = Conn(bootstrap)
hs, auth = sasl_plain(c, "mallory", password)
show("unknown user", hs, auth)

c = Conn(bootstrap)
hs = c.request("SaslHandshake", 1, mechanism="SCRAM-SHA-512")
show("SCRAM-SHA-512 (not enabled)", hs, None)
r = c.outcome("SaslHandshake", 1, mechanism="PLAIN")
out("then a PLAIN handshake on that connection:", r if r == "closed" else err_name(r["error_code"]))
c = Conn(bootstrap)
hs = c.request("SaslHandshake", 1, mechanism="GSSAPI")
show("GSSAPI (not enabled)", hs, None)

c = Conn(bootstrap)
hs, auth = sasl_plain(c, user, password)
show("right password", hs, auth)
r = c.request("Metadata", 12, topics=[{"name": TOPIC}], allow_auto_topic_creation=False)
out(f"then Metadata: topic error={err_name(r['topics'][0]['error_code'])}")

c = Conn(bootstrap)
hs, auth = sasl_plain(c, user, password, handshake_version=1, auth_version=0)
show("right password, SaslAuthenticate v0", hs, auth)
