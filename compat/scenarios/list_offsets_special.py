"""ListOffsets -1 latest, -2 earliest, -3 max timestamp, -4 earliest local, on an
empty log and after three batches, at v1 (old style), v7 and v9."""
from common import *

c = Conn()
SPECIAL = {-1: "latest", -2: "earliest", -3: "max timestamp", -4: "earliest local"}
for v in (1, 7, 9):
    for ts, name in SPECIAL.items():
        if (ts == -3 and v < 7) or (ts == -4 and v < 8):
            continue
        show_list_offsets(list_offsets(c, ts, version=v), f"empty v{v} {name}")
fill(c)
for v in (1, 7, 9):
    for ts, name in SPECIAL.items():
        if (ts == -3 and v < 7) or (ts == -4 and v < 8):
            continue
        show_list_offsets(list_offsets(c, ts, version=v), f"filled v{v} {name}")
show_list_offsets(list_offsets(c, -1, isolation=1), "read_committed latest")
