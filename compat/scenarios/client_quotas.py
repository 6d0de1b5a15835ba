"""AlterClientQuotas and DescribeClientQuotas together: quotas set on every kind
of entity (user, client-id, both, their defaults, ip), validate_only, removal,
every refusal Kafka gives (entity types, combinations, ip names, keys, values,
duplicates) with its message, a request mixing accepted and refused entries, and
what DescribeClientQuotas then shows. Alter answers are printed in the order the
broker gives them; Describe answers are sorted (Kafka's order is a hash map's).
Kafka's broker answers Describe from its copy of the metadata log, which follows
an alteration a moment later: each alteration waits SETTLE seconds."""
from common import *

SETTLE = 1.0

c = Conn()


def entity(parts):
    return [dict(entity_type=t, entity_name=n) for t, n in parts]


def alter(label, entries, validate_only=False, version=1):
    r = c.request("AlterClientQuotas", version, validate_only=validate_only, entries=[
        dict(entity=entity(parts), ops=[dict(key=k, value=0.0 if v is None else v, remove=v is None) for k, v in ops])
        for parts, ops in entries])
    time.sleep(SETTLE)
    out(f"alter {label} v{version}:")
    for e in r["entries"]:
        ent = ",".join(f"{d['entity_type']}={d['entity_name']}" for d in e["entity"])
        out(f"  [{ent}] {err_name(e['error_code'])} {e['error_message']!r}")


def describe(label, components=(), strict=False, version=1):
    r = c.request("DescribeClientQuotas", version, strict=strict, components=[
        dict(entity_type=t, match_type=m, match=x) for t, m, x in components])
    if r["entries"] is None:
        out(f"describe {label} v{version}: {err_name(r['error_code'])} {r['error_message']!r}")
        return
    lines = []
    for e in r["entries"]:
        ent = ",".join(sorted(f"{d['entity_type']}={d['entity_name']}" for d in e["entity"]))
        vals = ",".join(sorted(f"{v['key']}={v['value']}" for v in e["values"]))
        lines.append(f"  [{ent}] {vals}")
    out(f"describe {label} v{version}: {err_name(r['error_code'])} {len(lines)} entries")
    for line in sorted(lines):
        out(line)


def clear():
    """Removes every quota (a reference Kafka keeps them between runs)."""
    r = c.request("DescribeClientQuotas", 1, strict=False, components=[])
    entries = [([(d["entity_type"], d["entity_name"]) for d in e["entity"]], [(v["key"], None) for v in e["values"]])
               for e in r["entries"] or []]
    if entries:
        c.request("AlterClientQuotas", 1, validate_only=False, entries=[
            dict(entity=entity(parts), ops=[dict(key=k, value=0.0, remove=True) for k, _ in ops])
            for parts, ops in entries])
        time.sleep(SETTLE)


ALICE = [("user", "alice")]
clear()
describe("nothing set")

alter("validate_only", [(ALICE, [("producer_byte_rate", 1048576.0)])], validate_only=True)
describe("after validate_only", [("user", 0, "alice")])

alter("every entity kind", [
    (ALICE, [("producer_byte_rate", 1048576.0), ("consumer_byte_rate", 2097152.0)]),
    ([("user", "alice"), ("client-id", "app")], [("request_percentage", 50.5)]),
    ([("user", None)], [("producer_byte_rate", 1000.0)]),
    ([("client-id", None)], [("consumer_byte_rate", 500.0)]),
    ([("user", None), ("client-id", None)], [("controller_mutation_rate", 2.5)]),
    ([("client-id", "app")], [("producer_byte_rate", 4096.0), ("controller_mutation_rate", 10.0)]),
    ([("user", "bob")], [("request_percentage", 200.0)]),
    ([("ip", "127.0.0.1")], [("connection_creation_rate", 10.0)]),
    ([("ip", None)], [("connection_creation_rate", 100.0)]),
    ([("ip", "localhost")], [("connection_creation_rate", 5.0)]),
])
describe("all")
describe("user alice", [("user", 0, "alice")])
describe("user alice, strict", [("user", 0, "alice")], strict=True)
describe("default user", [("user", 1, None)])
describe("any user, strict", [("user", 2, None)], strict=True)
describe("default client-id, strict", [("client-id", 1, None)], strict=True)
describe("any ip", [("ip", 2, None)], version=0)

alter("refusals", [
    ([], [("producer_byte_rate", 1.0)]),
    ([("bogus", "a")], [("producer_byte_rate", 1.0)]),
    ([("user", "")], [("producer_byte_rate", 1.0)]),
    ([("client-id", "")], [("producer_byte_rate", 1.0)]),
    ([("ip", "10.0.0.1"), ("user", "carol")], [("connection_creation_rate", 1.0)]),
    ([("ip", "no-such-host.invalid")], [("connection_creation_rate", 1.0)]),
    ([("user", "carol")], [("connection_creation_rate", 1.0)]),
    ([("ip", "10.0.0.2")], [("producer_byte_rate", 1.0)]),
    ([("user", "dave")], [("bogus_key", 1.0)]),
    ([("user", "erin")], [("producer_byte_rate", 0.0)]),
    ([("user", "frank")], [("request_percentage", -5.0)]),
    ([("user", "grace")], [("consumer_byte_rate", 1.5)]),
    ([("user", "heidi")], [("producer_byte_rate", 1e19)]),
    ([("ip", "10.0.0.3")], [("connection_creation_rate", 3e9)]),
    ([("ip", "10.0.0.4")], [("connection_creation_rate", 2.5)]),
    ([("user", "ivan")], [("producer_byte_rate", 10.0), ("request_percentage", 0.0)]),
    ([("user", "judy"), ("client-id", "x")], [("producer_byte_rate", 1.0), ("producer_byte_rate", None)]),
])
alter("one refusal fails only its entry", [
    ([("user", "mallory")], [("producer_byte_rate", 100.0)]),
    ([("user", "niaj")], [("producer_byte_rate", -1.0)]),
    ([("client-id", "trent")], [("consumer_byte_rate", 300.0)]),
])
alter("an entity twice: the first applies, both answer the error", [
    ([("user", "olivia")], [("producer_byte_rate", 700.0)]),
    ([("user", "olivia")], [("consumer_byte_rate", 800.0)]),
])
alter("a type named twice keeps its last name", [([("user", "peggy"), ("user", "rupert")], [("producer_byte_rate", 900.0)])],
      version=0)
describe("the users of the refusals", [("user", 2, None)], strict=True)

alter("removals", [
    (ALICE, [("producer_byte_rate", None), ("request_percentage", None)]),
    ([("user", None)], [("producer_byte_rate", None)]),
    ([("user", "nobody")], [("producer_byte_rate", None), ("unknown_key", None)]),
    ([("ip", "localhost")], [("connection_creation_rate", None)]),
])
alter("update", [(ALICE, [("consumer_byte_rate", 1024.0)]), ([("user", "bob")], [("request_percentage", 200.0)])])
describe("after removals")
clear()
describe("after clearing")
