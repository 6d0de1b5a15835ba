"""Basic auth and HTTPS on the REST listener, end to end against real brokers.

    python auth_tls.py off   HTTP
    python auth_tls.py basic HTTP METRICS
    python auth_tls.py https HTTPS KAFKA METRICS CA_PEM [USER:PASSWORD]

HTTP, HTTPS, KAFKA and METRICS are host:port of one broker's REST, Kafka and
metrics listeners (tests/http/run.sh starts the brokers with the flags each
mode needs and generates the CA and certificate with openssl).

- off: a broker without SASL serves every request without credentials and
  ignores an Authorization header; it never asks for one.
- basic: a broker with SASL users asks for HTTP Basic auth (RFC 7617) with those
  users, as the REST Proxy does with `authentication.method=BASIC`: 401 with
  `WWW-Authenticate: Basic` and the REST Proxy's JSON error without or with
  wrong credentials, the real answer with right ones. Each wrong attempt counts
  once in `strand_sasl_authentication_failures_total{mechanism="HTTP_BASIC"}`
  (a request with no credentials is the challenge's first leg, not a failure).
  /metrics and /health stay plain and open on the metrics port.
- https: a broker with TLS serves the REST API over HTTPS with the Kafka
  listener's certificate (the very same certificate on both ports), a client
  verifying against the CA gets through and one without it does not, plain
  HTTP on that port gets no HTTP answer, and records produced over HTTPS are
  read back by a Kafka client over SSL (topic `over-tls`). With USER:PASSWORD
  the broker also has SASL, and Basic auth is checked over HTTPS. /metrics and /health stay plain HTTP.

Every request has a timeout; every wait is bounded.
"""

import base64
import json
import re
import socket
import ssl
import sys
import time

import requests

TIMEOUT = 10
TOPICS = {"events", "two"}
FAILURES = re.compile(r'^strand_sasl_authentication_failures_total\{mechanism="HTTP_BASIC"\} (\d+)$', re.M)


def fail(message):
    print(f"FAIL: {message}", file=sys.stderr)
    sys.exit(1)


def expect(condition, message):
    if not condition:
        fail(message)


def expect_unauthorized(response, what):
    expect(response.status_code == 401, f"{what}: status {response.status_code}, want 401: {response.text[:200]}")
    challenge = response.headers.get("WWW-Authenticate", "")
    expect(challenge.lower().startswith("basic "), f"{what}: WWW-Authenticate {challenge!r}, want a Basic challenge")
    expect("realm=" in challenge, f"{what}: WWW-Authenticate {challenge!r} names no realm (RFC 7617)")
    body = response.json()
    expect(body.get("error_code") == 401, f"{what}: body {body}, want error_code 401")
    expect(isinstance(body.get("message"), str) and body["message"], f"{what}: body {body} has no message")


def expect_topics(response, what):
    """The real answer of GET /topics: the broker's topics, not a stand-in."""
    expect(response.status_code == 200, f"{what}: status {response.status_code}, want 200: {response.text[:200]}")
    topics = response.json()
    expect(isinstance(topics, list), f"{what}: GET /topics answered {topics!r}, want a list")
    expect(TOPICS <= set(topics), f"{what}: GET /topics answered {topics}, want {sorted(TOPICS)} among them")
    expect("WWW-Authenticate" not in response.headers, f"{what}: a 200 carries WWW-Authenticate")


def basic_header(credentials):
    return "Basic " + base64.b64encode(credentials.encode()).decode()


def http_basic_failures(metrics):
    text = requests.get(f"http://{metrics}/metrics", timeout=TIMEOUT).text
    found = FAILURES.search(text)
    return int(found.group(1)) if found else 0


def check_ops_plain(metrics):
    """/metrics and /health on the metrics port: plain HTTP, no credentials."""
    health = requests.get(f"http://{metrics}/health", timeout=TIMEOUT)
    expect(health.status_code == 200 and health.text.strip() == "ok", f"/health: {health.status_code} {health.text!r}")
    scrape = requests.get(f"http://{metrics}/metrics", timeout=TIMEOUT)
    expect(scrape.status_code == 200, f"/metrics: status {scrape.status_code}")
    expect("strand_" in scrape.text, "/metrics has no strand_ series")


def check_basic(base, metrics, session=None, user="alice:alice-secret", other="bob:pass:with:colons"):
    """Basic auth against `base` (http:// or https://)."""
    get = (session or requests).get
    before = http_basic_failures(metrics)

    expect_unauthorized(get(f"{base}/topics", timeout=TIMEOUT), "no credentials")
    # The challenge covers every path, unknown ones too: nothing is revealed before auth.
    expect_unauthorized(get(f"{base}/no/such/path", timeout=TIMEOUT), "no credentials, unknown path")
    name, password = user.split(":", 1)
    wrong = [
        basic_header(f"{name}:{password}x"),  # wrong password
        basic_header(f"mallory:{password}"),  # unknown user
        basic_header(name),  # no colon at all
        "Basic !!!not-base64!!!",
        "Bearer " + base64.b64encode(user.encode()).decode(),  # another scheme
    ]
    for header in wrong:
        response = get(f"{base}/topics", headers={"Authorization": header}, timeout=TIMEOUT)
        expect_unauthorized(response, f"Authorization {header!r}")
    # A failed request body is not read into a handler either.
    response = requests.post(
        f"{base}/topics/events",
        headers={"Authorization": wrong[0], "Content-Type": "application/vnd.kafka.json.v2+json"},
        data=b'{"records":[{"value":1}]}',
        timeout=TIMEOUT,
        verify=session.verify if session else True,
    )
    expect_unauthorized(response, "produce with a wrong password")

    after = http_basic_failures(metrics)
    want = len(wrong) + 1
    expect(after - before == want, f"HTTP_BASIC failures went {before} -> {after}, want +{want} (one per wrong attempt)")

    expect_topics(get(f"{base}/topics", auth=tuple(user.split(":", 1)), timeout=TIMEOUT), f"right credentials {name}")
    # The user ends at the first colon (RFC 7617): a password may hold colons.
    expect_topics(get(f"{base}/topics", auth=tuple(other.split(":", 1)), timeout=TIMEOUT), "password with colons")
    # The scheme name is case-insensitive (RFC 7235).
    header = "basic " + base64.b64encode(user.encode()).decode()
    expect_topics(get(f"{base}/topics", headers={"Authorization": header}, timeout=TIMEOUT), "lowercase scheme")
    expect(http_basic_failures(metrics) == after, "a successful request counted as a failure")


def mode_off(http):
    expect_topics(requests.get(f"http://{http}/topics", timeout=TIMEOUT), "no auth configured")
    # Credentials a client sends anyway are not checked, as the REST Proxy without auth ignores them.
    response = requests.get(f"http://{http}/topics", auth=("nobody", "nothing"), timeout=TIMEOUT)
    expect_topics(response, "no auth configured, credentials sent anyway")
    missing = requests.get(f"http://{http}/topics/no-such-topic", timeout=TIMEOUT)
    expect(missing.status_code == 404, f"unknown topic without auth: {missing.status_code}, want 404")
    expect("WWW-Authenticate" not in missing.headers, "a broker without SASL asked for credentials")


def mode_basic(http, metrics):
    check_basic(f"http://{http}", metrics)
    check_ops_plain(metrics)


def peer_certificate(hostport, ca):
    """The DER certificate a TLS server on `hostport` presents, verified against `ca`."""
    host, port = hostport.rsplit(":", 1)
    context = ssl.create_default_context(cafile=ca)
    with socket.create_connection((host, int(port)), timeout=TIMEOUT) as raw:
        with context.wrap_socket(raw, server_hostname=host) as tls:
            return tls.getpeercert(binary_form=True)


def plain_http_is_refused(hostport):
    """A plain HTTP request to a TLS port gets no HTTP answer (the handshake fails, the connection closes)."""
    try:
        response = requests.get(f"http://{hostport}/topics", timeout=TIMEOUT)
    except requests.exceptions.ConnectionError:
        return True
    except requests.exceptions.Timeout:
        fail(f"plain HTTP to the HTTPS port {hostport} hung instead of being refused")
    fail(f"plain HTTP to the HTTPS port {hostport} was answered: {response.status_code} {response.text[:200]}")


def kafka_ssl_config(kafka, ca, credentials):
    config = {"bootstrap.servers": kafka, "security.protocol": "SSL", "ssl.ca.location": ca}
    if credentials:
        name, password = credentials.split(":", 1)
        config.update(
            {
                "security.protocol": "SASL_SSL",
                "sasl.mechanisms": "SCRAM-SHA-256",
                "sasl.username": name,
                "sasl.password": password,
            }
        )
    return config


def produce_https_read_kafka_ssl(session, https, kafka, ca, credentials):
    """Records produced over HTTPS are read back by a Kafka client over SSL."""
    from confluent_kafka import Consumer, TopicPartition

    values = [f"over-tls-{i}" for i in range(3)]
    response = session.post(
        f"https://{https}/topics/over-tls",
        headers={"Content-Type": "application/vnd.kafka.json.v2+json"},
        json={"records": [{"value": v} for v in values]},
        timeout=TIMEOUT,
    )
    expect(response.status_code == 200, f"produce over HTTPS: {response.status_code} {response.text[:300]}")
    offsets = [o.get("offset") for o in response.json().get("offsets", [])]
    expect(offsets == [0, 1, 2], f"produce over HTTPS answered offsets {offsets}, want [0, 1, 2]")

    config = kafka_ssl_config(kafka, ca, credentials)
    config.update({"group.id": "auth-tls-reader", "enable.auto.commit": False})
    consumer = Consumer(config)
    try:
        consumer.assign([TopicPartition("over-tls", 0, 0)])
        got = []
        deadline = time.monotonic() + 20
        while len(got) < len(values) and time.monotonic() < deadline:
            message = consumer.poll(1.0)
            if message is None:
                continue
            expect(message.error() is None, f"Kafka SSL consumer: {message.error()}")
            got.append(json.loads(message.value()))
    finally:
        consumer.close()
    expect(got == values, f"Kafka SSL consumer read {got}, want {values}")


def mode_https(https, kafka, metrics, ca, credentials=None):
    rest_cert = peer_certificate(https, ca)
    kafka_cert = peer_certificate(kafka, ca)
    expect(rest_cert == kafka_cert, "the REST listener presents another certificate than the Kafka listener")

    session = requests.Session()
    # Not the environment's CA bundle (REQUESTS_CA_BUNDLE would win over `verify`): the test CA only.
    session.trust_env = False
    session.verify = ca
    if credentials:
        check_basic(f"https://{https}", metrics, session=session, user=credentials)
        session.auth = tuple(credentials.split(":", 1))
    else:
        response = session.get(f"https://{https}/topics", timeout=TIMEOUT)
        expect_topics(response, "HTTPS without auth")
        expect("WWW-Authenticate" not in response.headers, "a broker without SASL asked for credentials over HTTPS")

    # Without the CA, the client cannot verify the server: TLS is really on and really verified.
    try:
        requests.get(f"https://{https}/topics", timeout=TIMEOUT)
        fail("HTTPS verified without the test CA")
    except requests.exceptions.SSLError:
        pass
    plain_http_is_refused(https)
    # The listener goes on serving HTTPS after a plain-HTTP attempt.
    expect_topics(session.get(f"https://{https}/topics", timeout=TIMEOUT), "HTTPS after a plain-HTTP attempt")

    produce_https_read_kafka_ssl(session, https, kafka, ca, credentials)
    # Keep-alive: many requests on one TLS connection.
    for _ in range(20):
        expect_topics(session.get(f"https://{https}/topics", timeout=TIMEOUT), "HTTPS keep-alive request")
    check_ops_plain(metrics)


def main(argv):
    if len(argv) < 2:
        fail(__doc__)
    mode, args = argv[1], argv[2:]
    if mode == "off" and len(args) == 1:
        mode_off(*args)
    elif mode == "basic" and len(args) == 2:
        mode_basic(*args)
    elif mode == "https" and len(args) in (4, 5):
        mode_https(*args)
    else:
        fail(f"usage: {__doc__}")
    print(f"{mode}: ok")


if __name__ == "__main__":
    main(sys.argv)
