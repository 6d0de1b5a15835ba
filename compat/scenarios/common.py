"""What every differential scenario shares: a raw Kafka wire connection, record
batch building and parsing, and printing what a client observes in a form that
is the same on any broker (no ids, hosts, ports or wall-clock times).

A scenario gets its broker from the environment, set by compat/differential.sh:
  BOOTSTRAP   host:port of a PLAINTEXT listener
  TOPIC       the one single-partition topic the scenario may use (created empty)
  GROUP       a prefix for group ids no other scenario uses
  SASL_BOOTSTRAP, SASL_USER, SASL_PASSWORD   a SASL_PLAINTEXT (PLAIN) listener
  BROKER      "kafka" or "strand"; only for saying why a scenario is skipped
"""

import os
import socket
import struct
import sys
import time
import uuid

from kafka import errors as kerrors
from kafka.protocol import admin, consumer, metadata, producer, sasl
from kafka.record.default_records import DefaultRecordBatch, DefaultRecordBatchBuilder

BOOTSTRAP = os.environ.get("BOOTSTRAP", "127.0.0.1:9092")
TOPIC = os.environ.get("TOPIC", "events")
GROUP = os.environ.get("GROUP", "g")
BROKER = os.environ.get("BROKER", "?")

# Fixed CreateTime timestamps: 2023-11-14T22:13:20Z and on, far enough in the past
# to be valid on any broker and never "now".
T0 = 1_700_000_000_000

CODECS = {"none": 0, "gzip": 1, "snappy": 2, "lz4": 3, "zstd": 4}
CODEC_NAMES = {v: k for k, v in CODECS.items()}

# Every API class a scenario may send, by name.
API = {}
for _mod in (admin, consumer, metadata, producer, sasl):
    for _name in dir(_mod):
        if _name.endswith("Request") and _name != "SaslBytesRequest":
            API[_name[: -len("Request")]] = getattr(_mod, _name)
# ListGroups, DescribeGroups, DeleteGroups and the group APIs live in admin/consumer;
# any the library lacks fails loudly at lookup.


def out(*parts):
    print(*parts, flush=True)


def err_name(code):
    """Kafka's own name for an error code (UNKNOWN_TOPIC_OR_PARTITION, ...)."""
    if code == 0:
        return "NONE"
    cls = kerrors.for_code(code)
    name = getattr(cls, "message", None)
    if not name or cls is kerrors.UnknownError and code != -1:
        return f"ERROR_{code}"
    return name


def _build(cls, values):
    """A protocol data object from nested dicts and lists of dicts."""
    kwargs = {}
    for key, value in values.items():
        field = cls._struct.fields[key]
        if field.is_struct_array() and value is not None:
            value = [_build(field.data_class, v) if isinstance(v, dict) else v for v in value]
        elif field.is_struct() and isinstance(value, dict):
            value = _build(field.data_class, value)
        kwargs[key] = value
    return cls(**kwargs)


def _response_class(req_cls):
    module = sys.modules[req_cls.__module__]
    return getattr(module, req_cls.__name__[: -len("Request")] + "Response")


class Closed(Exception):
    """The broker closed the connection instead of answering."""


class Conn:
    """One TCP connection speaking the Kafka protocol, one request at a time."""

    def __init__(self, bootstrap=None, client_id="compat"):
        host, port = (bootstrap or BOOTSTRAP).rsplit(":", 1)
        self.sock = socket.create_connection((host, int(port)), timeout=30)
        self.client_id = client_id
        self.correlation = 0

    def close(self):
        self.sock.close()

    def _read(self, n):
        buf = bytearray()
        while len(buf) < n:
            try:
                chunk = self.sock.recv(n - len(buf))
            except (ConnectionResetError, socket.timeout) as e:
                raise Closed(str(e))
            if not chunk:
                raise Closed("eof")
            buf += chunk
        return bytes(buf)

    def send_raw(self, frame):
        self.sock.sendall(frame)

    def read_frame(self):
        (size,) = struct.unpack(">i", self._read(4))
        return self._read(size)

    def request(self, api, version, expect_response=True, **fields):
        """Sends API (a name such as "Fetch") at VERSION with FIELDS (nested dicts);
        returns the decoded response as a dict, or None when none is expected."""
        req_cls = API[api]
        req = _build(req_cls, fields)
        self.correlation += 1
        req.with_header(correlation_id=self.correlation, client_id=self.client_id)
        self.sock.sendall(bytes(req.encode(version=version, header=True, framed=True)))
        if not expect_response:
            return None
        body = self.read_frame()
        resp = _response_class(req_cls).decode(body, version=version, header=True)
        if resp.header.correlation_id != self.correlation:
            raise RuntimeError(f"correlation id {resp.header.correlation_id} != {self.correlation}")
        return resp.to_dict(json=False)

    def outcome(self, api, version, **fields):
        """Like request, but a closed connection is an outcome: the string "closed"."""
        try:
            return self.request(api, version, **fields)
        except Closed:
            return "closed"


# --- record batches -------------------------------------------------------------


def batch(records, codec="none", ts=T0, producer_id=-1, epoch=-1, sequence=-1):
    """One v2 record batch of RECORDS: (key, value) or (key, value, headers) tuples,
    timestamps ts, ts+1, ..."""
    b = DefaultRecordBatchBuilder(
        magic=2, compression_type=CODECS[codec], is_transactional=False,
        producer_id=producer_id, producer_epoch=epoch, base_sequence=sequence, batch_size=1 << 30)
    for i, rec in enumerate(records):
        key, value = rec[0], rec[1]
        headers = rec[2] if len(rec) > 2 else []
        b.append(i, timestamp=ts + i, key=key, value=value, headers=headers)
    return bytes(b.build())


def records(n, prefix="r", start=0, size=None):
    """N deterministic (key, value) pairs; values padded to SIZE bytes if given."""
    out_ = []
    for i in range(start, start + n):
        v = f"{prefix}-value-{i}".encode()
        if size is not None:
            v = (v * (size // len(v) + 1))[:size]
        out_.append((f"k{i % 3}".encode(), v))
    return out_


def parse_batches(data):
    """Complete batches in DATA, plus the count of trailing bytes that do not
    make a whole batch (Kafka may cut a fetch inside a batch; clients drop it)."""
    batches = []
    pos = 0
    data = bytes(data or b"")
    while pos + 12 <= len(data):
        (length,) = struct.unpack_from(">i", data, pos + 8)
        end = pos + 12 + length
        if end > len(data):
            break
        batches.append(DefaultRecordBatch(data[pos:end]))
        pos = end
    return batches, len(data) - pos


def describe_batch(b, with_records=True):
    line = (f"batch base={b.base_offset} last={b.last_offset} count={b.records_count} "
            f"codec={CODEC_NAMES.get(b.compression_type, b.compression_type)} tstype={b.timestamp_type} "
            f"first_ts={_ts(b.first_timestamp)} max_ts={_ts(b.max_timestamp)} "
            f"pid={'set' if b.producer_id >= 0 else b.producer_id} epoch={b.producer_epoch} "
            f"seq={b.base_sequence} crc_ok={b.validate_crc()}")
    lines = [line]
    if with_records:
        for r in b:
            lines.append(f"  record offset={r.offset} ts={_ts(r.timestamp)} key={r.key!r} "
                         f"value={_short(r.value)} headers={r.headers}")
    return lines


def _ts(t):
    """Fixed timestamps print relative to T0; anything else is a broker's clock."""
    if t is None or t < 0:
        return t
    if abs(t - T0) < 10**7:
        return f"T0+{t - T0}"
    if t < 1_600_000_000_000:
        return t
    return "<now>"


def _short(v):
    if v is None:
        return None
    if len(v) > 40:
        return f"<{len(v)} bytes {v[:16]!r}...>"
    return repr(v)


# --- common requests -----------------------------------------------------------


def produce(conn, data, acks=-1, version=9, topic=None, partition=0, **kw):
    resp = conn.request("Produce", version, expect_response=acks != 0, acks=acks, timeout_ms=10000,
                        transactional_id=None,
                        topic_data=[{"name": topic or TOPIC,
                                     "partition_data": [{"index": partition, "records": data}]}], **kw)
    if resp is None:
        return None
    p = resp["responses"][0]["partition_responses"][0]
    return p


def show_produce(p, label="produce"):
    if p is None:
        out(f"{label}: no response (acks=0)")
        return
    log_append = p.get("log_append_time_ms")
    out(f"{label}: error={err_name(p['error_code'])} base_offset={p['base_offset']} "
        f"log_append_time={_ts(log_append)} log_start_offset={p.get('log_start_offset')} "
        f"record_errors={[e['batch_index'] for e in p.get('record_errors') or []]}")
    # Error messages are free text (Kafka often sends none); only codes are compared.


def fetch(conn, offset, version=12, max_bytes=52428800, partition_max_bytes=1048576, max_wait_ms=0,
          min_bytes=0, topic=None, partition=0, topic_id=None):
    t = {"partitions": [{"partition": partition, "fetch_offset": offset, "partition_max_bytes": partition_max_bytes,
                         "log_start_offset": -1, "current_leader_epoch": -1, "last_fetched_epoch": -1}]}
    if version >= 13:
        t["topic_id"] = topic_id
    else:
        t["topic"] = topic or TOPIC
    resp = conn.request("Fetch", version, replica_id=-1, max_wait_ms=max_wait_ms, min_bytes=min_bytes,
                        max_bytes=max_bytes, isolation_level=0, session_id=0, session_epoch=-1,
                        topics=[t], forgotten_topics_data=[], rack_id="")
    return resp


def show_fetch(resp, label="fetch", with_records=True):
    out(f"{label}: top_error={err_name(resp.get('error_code', 0))} session_id={resp.get('session_id')}")
    for t in resp["responses"]:
        for p in t["partitions"]:
            batches, partial = parse_batches(p["records"])
            out(f"  partition={p['partition_index']} error={err_name(p['error_code'])} hw={p['high_watermark']} "
                f"lso={p.get('last_stable_offset')} log_start={p.get('log_start_offset')} "
                f"aborted={p.get('aborted_transactions')} batches={len(batches)} trailing_partial_bytes={partial > 0}")
            for b in batches:
                for line in describe_batch(b, with_records):
                    out("  " + line)


def list_offsets(conn, timestamp, version=9, topic=None, partition=0, isolation=0):
    resp = conn.request("ListOffsets", version, replica_id=-1, isolation_level=isolation, timeout_ms=10000,
                        topics=[{"name": topic or TOPIC,
                                 "partitions": [{"partition_index": partition, "timestamp": timestamp,
                                                 "current_leader_epoch": -1}]}])
    return resp["topics"][0]["partitions"][0]


def show_list_offsets(p, label):
    out(f"{label}: error={err_name(p['error_code'])} offset={p['offset']} timestamp={_ts(p['timestamp'])} "
        f"leader_epoch={_epoch(p.get('leader_epoch'))}")


def _epoch(e):
    """Leader epochs count leader changes; any epoch >= 0 is as good as another."""
    return ">=0" if e is not None and e >= 0 else e


def topic_id(conn, topic=None):
    resp = conn.request("Metadata", 12, topics=[{"name": topic or TOPIC}], allow_auto_topic_creation=False,
                        include_topic_authorized_operations=False)
    return resp["topics"][0]["topic_id"]


def init_producer_id(conn, transactional_id=None, version=4):
    resp = conn.request("InitProducerId", version, transactional_id=transactional_id, transaction_timeout_ms=60000,
                        producer_id=-1, producer_epoch=-1)
    return resp


def has_leader(conn, topic):
    """Whether Metadata names a leader for the topic's partition 0: a topic just
    created on Kafka has none for a moment."""
    md = conn.request("Metadata", 12, topics=[{"name": topic}], allow_auto_topic_creation=False,
                      include_topic_authorized_operations=False)
    t = md["topics"][0]
    return t["error_code"] == 0 and bool(t["partitions"]) and t["partitions"][0]["leader_id"] >= 0


def wait_until(pred, timeout=10.0, step=0.1):
    deadline = time.time() + timeout
    while time.time() < deadline:
        v = pred()
        if v:
            return v
        time.sleep(step)
    return None


def sasl_plain(conn, user, password, handshake_version=1, auth_version=2):
    """SaslHandshake + SaslAuthenticate with PLAIN; returns (handshake, authenticate)
    responses (authenticate is "closed" if the broker closed instead of answering)."""
    hs = conn.request("SaslHandshake", handshake_version, mechanism="PLAIN")
    if hs["error_code"] != 0:
        return hs, None
    token = b"\0" + user.encode() + b"\0" + password.encode()
    auth = conn.outcome("SaslAuthenticate", auth_version, auth_bytes=token)
    return hs, auth


# --- consumer groups -----------------------------------------------------------


def subscription(topics, user_data=None):
    """ConsumerProtocolSubscription v0, as the Java client and kafka-python send it."""
    b = struct.pack(">hi", 0, len(topics))
    for t in topics:
        b += struct.pack(">h", len(t)) + t.encode()
    b += struct.pack(">i", -1) if user_data is None else struct.pack(">i", len(user_data)) + user_data
    return b


def assignment(parts):
    """ConsumerProtocolAssignment v0 of {topic: [partitions]}."""
    b = struct.pack(">hi", 0, len(parts))
    for t, ps in parts.items():
        b += struct.pack(">h", len(t)) + t.encode() + struct.pack(">i", len(ps))
        for p in ps:
            b += struct.pack(">i", p)
    return b + struct.pack(">i", -1)


class Member:
    """One classic-protocol group member on its own connection; member ids and
    generations are remembered, and printed only as labels."""

    def __init__(self, group, label, topics=None, session_timeout_ms=30000, rebalance_timeout_ms=30000,
                 instance_id=None, protocols=("range",)):
        self.conn = Conn(client_id=f"compat-{label}")
        self.group = group
        self.label = label
        self.topics = topics or [TOPIC]
        self.session_timeout_ms = session_timeout_ms
        self.rebalance_timeout_ms = rebalance_timeout_ms
        self.instance_id = instance_id
        self.protocols = protocols
        self.member_id = ""
        self.generation = -1
        self.leader = None
        self.protocol = None

    def join(self, version=9, handle_member_id_required=True):
        """JoinGroup; with MEMBER_ID_REQUIRED (KIP-394) joins again with the given id.
        Returns the (last) response."""
        while True:
            r = self.conn.request("JoinGroup", version, group_id=self.group, session_timeout_ms=self.session_timeout_ms,
                                  rebalance_timeout_ms=self.rebalance_timeout_ms, member_id=self.member_id,
                                  group_instance_id=self.instance_id, protocol_type="consumer",
                                  protocols=[{"name": p, "metadata": subscription(self.topics)} for p in self.protocols],
                                  reason=None)
            if r["error_code"] == 79 and handle_member_id_required:  # MEMBER_ID_REQUIRED
                self.member_id = r["member_id"]
                out(f"{self.label} join: MEMBER_ID_REQUIRED member_id_given={bool(r['member_id'])} "
                    f"member_id_prefix_is_client_id={r['member_id'].startswith(self.conn.client_id + '-')}")
                continue
            if r["error_code"] == 0:
                self.member_id = r["member_id"]
                self.generation = r["generation_id"]
                self.leader = r["leader"]
                self.protocol = r["protocol_name"]
            return r

    def show_join(self, r, members_by_id):
        is_leader = r["leader"] == r["member_id"] and r["error_code"] == 0
        names = sorted(members_by_id.get(m["member_id"], "?") for m in r.get("members") or [])
        out(f"{self.label} join: error={err_name(r['error_code'])} generation={r['generation_id']} "
            f"protocol_type={r.get('protocol_type')} protocol={r['protocol_name']} leader={is_leader} "
            f"skip_assignment={r.get('skip_assignment')} members={names} "
            f"metadata_ok={all(m['metadata'] == subscription(self.topics) for m in r.get('members') or [])}")

    def sync(self, assignments=None, version=5):
        assigns = [{"member_id": mid, "assignment": a} for mid, a in (assignments or {}).items()]
        r = self.conn.request("SyncGroup", version, group_id=self.group, generation_id=self.generation,
                              member_id=self.member_id, group_instance_id=self.instance_id,
                              protocol_type="consumer", protocol_name=self.protocol or "range", assignments=assigns)
        return r

    def show_sync(self, r):
        a = r["assignment"]
        out(f"{self.label} sync: error={err_name(r['error_code'])} protocol_type={r.get('protocol_type')} "
            f"protocol={r.get('protocol_name')} assignment={decode_assignment(a)}")

    def heartbeat(self, version=4, generation=None, member_id=None):
        r = self.conn.request("Heartbeat", version, group_id=self.group,
                              generation_id=self.generation if generation is None else generation,
                              member_id=self.member_id if member_id is None else member_id,
                              group_instance_id=self.instance_id)
        return err_name(r["error_code"])

    def leave(self, version=5):
        if version >= 3:
            r = self.conn.request("LeaveGroup", version, group_id=self.group,
                                  members=[{"member_id": self.member_id, "group_instance_id": self.instance_id,
                                            "reason": None}])
            return err_name(r["error_code"]) + " " + ",".join(err_name(m["error_code"]) for m in r["members"])
        r = self.conn.request("LeaveGroup", version, group_id=self.group, member_id=self.member_id)
        return err_name(r["error_code"])


def decode_assignment(a):
    if not a:
        return a
    version, n = struct.unpack_from(">hi", a, 0)
    pos = 6
    parts = {}
    for _ in range(n):
        (tl,) = struct.unpack_from(">h", a, pos)
        t = a[pos + 2:pos + 2 + tl].decode()
        pos += 2 + tl
        (pn,) = struct.unpack_from(">i", a, pos)
        pos += 4
        parts["T" if t == TOPIC else t] = list(struct.unpack_from(f">{pn}i", a, pos))
        pos += 4 * pn
    return f"v{version} {parts}"


def describe_group(conn, group, version=5, labels=None):
    r = conn.request("DescribeGroups", version, groups=[group], include_authorized_operations=False)
    g = r["groups"][0]
    labels = labels or {}
    out(f"describe {group}: error={err_name(g['error_code'])} state={g['group_state']} "
        f"protocol_type={g['protocol_type']!r} protocol={g['protocol_data']!r} members={len(g['members'])} "
        f"error_message_set={bool(g.get('error_message'))}")
    for m in sorted(g["members"], key=lambda m: labels.get(m["member_id"], "?")):
        out(f"  member {labels.get(m['member_id'], '?')}: client_id={m['client_id']} "
            f"client_host={'set' if m['client_host'] else m['client_host']!r} "
            f"instance_id={m.get('group_instance_id')} metadata={m['member_metadata'] == subscription([TOPIC])} "
            f"assignment={decode_assignment(m['member_assignment'])}")
    return g


def commit(conn, group, offsets, generation=-1, member_id="", version=8, topic=None, metadata=None, instance_id=None):
    r = conn.request("OffsetCommit", version, group_id=group, generation_id_or_member_epoch=generation,
                     member_id=member_id, group_instance_id=instance_id, retention_time_ms=-1,
                     topics=[{"name": topic or TOPIC,
                              "partitions": [{"partition_index": p, "committed_offset": o, "committed_leader_epoch": -1,
                                              "committed_metadata": metadata} for p, o in offsets.items()]}])
    return " ".join(f"p{p['partition_index']}={err_name(p['error_code'])}" for t in r["topics"] for p in t["partitions"])


def fetch_committed(conn, group, partitions=(0,), version=8, topic=None):
    """OffsetFetch of one group (v8 form: a groups array) or, below v8, the single-group form."""
    topics = None if partitions is None else [{"name": topic or TOPIC, "partition_indexes": list(partitions)}]
    if version >= 8:
        r = conn.request("OffsetFetch", version, groups=[{"group_id": group, "topics": topics}], require_stable=False)
        g = r["groups"][0]
        parts = [(t["name"], p) for t in g["topics"] for p in t["partitions"]]
        top = err_name(g["error_code"])
    else:
        r = conn.request("OffsetFetch", version, group_id=group, topics=topics, require_stable=False)
        parts = [(t["name"], p) for t in r["topics"] for p in t["partitions"]]
        top = err_name(r.get("error_code", 0))
    shown = " ".join(f"{'T' if n == TOPIC else n}/{p['partition_index']}={p['committed_offset']}"
                     f"({err_name(p['error_code'])},meta={p['metadata']!r},epoch={p.get('committed_leader_epoch')})"
                     for n, p in sorted(parts, key=lambda x: (x[0], x[1]['partition_index'])))
    return f"error={top} {shown}"


def fill(conn, batches=3, per_batch=3, size=None, ts_step=1000):
    """BATCHES batches of PER_BATCH records, batch i timestamped T0 + i*TS_STEP (+ record index)."""
    for i in range(batches):
        p = produce(conn, batch(records(per_batch, start=i * per_batch, size=size), ts=T0 + i * ts_step))
        assert p["error_code"] == 0, p
