"""DescribeClientQuotas with no quotas set: an empty list for any valid filter,
and Kafka's refusals of bad filters (strict, match types, entity types)."""
from common import *

c = Conn()


def describe(label, components, strict=False, version=1):
    r = c.request("DescribeClientQuotas", version, strict=strict, components=[
        dict(entity_type=e, match_type=m, match=x) for e, m, x in components])
    out(f"{label} v{version}: error={err_name(r['error_code'])} message={r['error_message']!r} entries={r['entries']}")


describe("no component", [], version=0)
describe("no component, strict", [], strict=True)
describe("user alice", [("user", 0, "alice")])
describe("default user", [("user", 1, None)])
describe("any user, strict", [("user", 2, None)], strict=True)
describe("user and any client-id", [("user", 0, "alice"), ("client-id", 2, None)])
describe("client-id", [("client-id", 0, TOPIC)], version=0)
describe("ip", [("ip", 0, "10.0.0.1")])
describe("any ip", [("ip", 2, None)])
describe("empty user name", [("user", 0, "")])
describe("ip with user", [("ip", 0, "10.0.0.1"), ("user", 0, "alice")])
describe("any client-id with any ip", [("client-id", 2, None), ("ip", 2, None)])
describe("unknown entity type", [("bogus", 0, "a")])
describe("empty entity type", [("", 0, "a")])
describe("user twice", [("user", 0, "a"), ("user", 2, None)])
describe("match type 3", [("user", 3, "a")])
describe("match type -1", [("user", -1, None)])
describe("exact without a name", [("user", 0, None)])
describe("default with a name", [("user", 1, "x")])
describe("any with a name", [("user", 2, "x")])
describe("unknown type after a bad match type", [("user", 3, None), ("bogus", 0, "a")])
