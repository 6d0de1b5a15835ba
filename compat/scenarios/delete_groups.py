"""DeleteGroups: a group with members is NON_EMPTY_GROUP, an Empty one is deleted with
its offsets, an unknown one is GROUP_ID_NOT_FOUND; several in one request."""
from common import *

c = Conn()
empty, stable = GROUP + "-empty", GROUP + "-stable"
commit(c, empty, {0: 5})
a = Member(stable, "A")
a.join()
a.sync({a.member_id: assignment({TOPIC: [0]})})
for v in (0, 2):
    r = c.request("DeleteGroups", v, groups_names=[stable, GROUP + "-unknown"])
    # Kafka answers in no particular order; clients match results by group id.
    out(f"v{v} delete stable, unknown:",
        sorted((x["group_id"][len(GROUP):], err_name(x["error_code"])) for x in r["results"]))
out("offsets of empty before:", fetch_committed(c, empty))
r = c.request("DeleteGroups", 2, groups_names=[empty])
out("delete empty:", [(x["group_id"][len(GROUP):], err_name(x["error_code"])) for x in r["results"]])
out("offsets of empty after:", fetch_committed(c, empty))
describe_group(c, empty)
r = c.request("DeleteGroups", 2, groups_names=[empty])
out("delete empty again:", [(x["group_id"][len(GROUP):], err_name(x["error_code"])) for x in r["results"]])
a.leave()
r = c.request("DeleteGroups", 2, groups_names=[stable])
out("delete stable after A left:", [(x["group_id"][len(GROUP):], err_name(x["error_code"])) for x in r["results"]])
describe_group(c, stable)
