"""Commits from a group member are checked against the member id and generation;
a member-less commit (generation -1) is refused while the group has members and
accepted once it is Empty."""
from common import *

g = GROUP
a = Member(g, "A")
r = a.join()
a.show_join(r, {a.member_id: "A"})
a.show_sync(a.sync({a.member_id: assignment({TOPIC: [0]})}))
c = a.conn
fill(c, batches=1)
out("commit as A, right generation:", commit(c, g, {0: 1}, generation=a.generation, member_id=a.member_id))
out("commit as A, generation+1:", commit(c, g, {0: 2}, generation=a.generation + 1, member_id=a.member_id))
out("commit as an unknown member:", commit(c, g, {0: 2}, generation=a.generation, member_id="nobody"))
out("commit without member, generation -1:", commit(c, g, {0: 2}))
out("committed:", fetch_committed(c, g))
out("A leave:", a.leave())
out("commit as A after leaving:", commit(c, g, {0: 2}, generation=a.generation, member_id=a.member_id))
out("commit without member once Empty:", commit(c, g, {0: 3}))
out("committed:", fetch_committed(c, g))
