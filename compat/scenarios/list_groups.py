"""ListGroups with no filter, by state (v4+) and by type (v5+): an Empty group (offsets
only) and a Stable one. Only this scenario's groups are printed."""
from common import *

c = Conn()
empty, stable = GROUP + "-empty", GROUP + "-stable"
commit(c, empty, {0: 0})
a = Member(stable, "A")
a.join()
a.sync({a.member_id: assignment({TOPIC: [0]})})


def show(label, version, **filters):
    r = c.request("ListGroups", version, **filters)
    mine = sorted((x["group_id"], x["protocol_type"], x.get("group_state"), x.get("group_type"))
                  for x in r["groups"] if x["group_id"] in (empty, stable))
    out(f"{label}: error={err_name(r['error_code'])} groups={[(n[len(GROUP):],) + tuple(rest) for n, *rest in mine]}")


show("v0", 0)
show("v3", 3)
show("v4", 4)
show("v4 states Stable", 4, states_filter=["Stable"])
show("v4 states Empty", 4, states_filter=["Empty"])
show("v4 states stable (lower case)", 4, states_filter=["stable"])
show("v4 states Dead", 4, states_filter=["Dead"])
show("v5", 5)
show("v5 types classic", 5, types_filter=["classic"])
show("v5 types Classic", 5, types_filter=["Classic"])
show("v5 types consumer", 5, types_filter=["consumer"])
show("v5 states Stable types classic", 5, states_filter=["Stable"], types_filter=["classic"])
a.leave()
show("v5 after A left", 5)
