"""DescribeGroups of an unknown group at each version (Dead; GROUP_ID_NOT_FOUND from
v6), of a Stable and an Empty group, and several groups in one request."""
from common import *

c = Conn()
for v in range(0, 7):
    describe_group(c, GROUP + "-unknown", version=v)
commit(c, GROUP + "-empty", {0: 0})
a = Member(GROUP + "-stable", "A")
a.join()
a.sync({a.member_id: assignment({TOPIC: [0]})})
labels = {a.member_id: "A"}
for v in (0, 3, 5, 6):
    describe_group(c, GROUP + "-stable", version=v, labels=labels)
    describe_group(c, GROUP + "-empty", version=v, labels=labels)
r = c.request("DescribeGroups", 5, groups=[GROUP + "-stable", GROUP + "-empty", GROUP + "-unknown"])
out("three at once:", [(x["group_id"][len(GROUP):], err_name(x["error_code"]), x["group_state"], len(x["members"]))
                       for x in r["groups"]])
r = c.request("DescribeGroups", 5, groups=[GROUP + "-stable"], include_authorized_operations=True)
out(f"authorized operations asked: {r['groups'][0]['authorized_operations']}")
