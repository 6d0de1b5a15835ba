"""What the admin interop scripts share: a check that fails one part of a script,
and the loop that runs every part and reports each failure on one line (so that
run.sh's tail of the output shows them all)."""
import sys
import time
import traceback


class Failed(Exception):
    pass


def fail(msg):
    raise Failed(msg)


def check(cond, msg):
    if not cond:
        fail(msg)


def eventually(get, want, what, timeout=15):
    """Polls get() until it returns want (Kafka's broker applies an admin change
    a moment after answering it); fails with the last value after the timeout."""
    deadline = time.monotonic() + timeout
    while True:
        got = get()
        if got == want:
            return got
        if time.monotonic() > deadline:
            fail(f"{what}: {got!r}, expected {want!r}")
        time.sleep(0.1)


def run_parts(script, parts, run, only=None):
    """Runs each `part_NAME(run)` (those whose NAME contains `only`, when given);
    exits 1 when any failed."""
    failed = []
    for part in parts:
        name = part.__name__[len("part_"):]
        if only and only not in name:
            continue
        print(f"--- {name}")
        try:
            part(run)
        except Failed as e:
            failed.append(name)
            print(f"FAIL {name}: {e}")
        except Exception as e:
            here = [f for f in traceback.extract_tb(e.__traceback__) if f.filename == part.__code__.co_filename][-1:]
            where = f" (line {here[0].lineno}: {here[0].line})" if here else ""
            failed.append(name)
            print(f"FAIL {name}: {type(e).__name__}: {e}{where}")
        sys.stdout.flush()
    if failed:
        print(f"{script}: {len(failed)} of {len(parts)} parts failed: {' '.join(failed)}")
        return 1
    print(f"{script}: all parts passed")
    return 0
