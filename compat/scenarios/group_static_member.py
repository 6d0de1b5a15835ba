"""Static membership (KIP-345): a member with group.instance.id joins without
MEMBER_ID_REQUIRED; a new process with the same instance id takes its slot (same
generation, no rebalance) and the old member id is FENCED_INSTANCE_ID."""
from common import *

g = GROUP
a = Member(g, "A", instance_id="instance-1")
ra = a.join()
labels = {a.member_id: "A"}
a.show_join(ra, labels)
a.show_sync(a.sync({a.member_id: assignment({TOPIC: [0]})}))
describe_group(a.conn, g, labels=labels)

a2 = Member(g, "A2", instance_id="instance-1")
r2 = a2.join()
labels[a2.member_id] = "A2"
a2.show_join(r2, labels)
out(f"A2 generation same as A's: {a2.generation == a.generation} new member id: {a2.member_id != a.member_id}")
a2.show_sync(a2.sync())
out("A heartbeat (old member id):", a.heartbeat())
out("A2 heartbeat:", a2.heartbeat())
describe_group(a2.conn, g, labels=labels)
out("A leave (old member id):", a.leave())
out("A2 leave:", a2.leave())
describe_group(a2.conn, g, labels=labels)
