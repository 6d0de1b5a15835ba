#!/usr/bin/env bash
# franz-go's own pkg/kgo integration tests, run against strand or the reference Kafka.
#
#   compat/franz-go.sh [--against strand|kafka] [--tests TestA,TestB,...]
#
# The module comes from the Go module proxy (`go mod download`, the ordinary Go
# client), is copied writable into $STRAND_COMPAT_CACHE (default
# ~/.cache/strand-compat) and its kgo test binary is built once. The tests that
# talk to a broker (those reaching the suite's broker helpers: adm(),
# newTestClient, tmpTopic, tmpGroup, ... found by scanning the test sources) run
# one at a time, each in its own process under a time bound, with KGO_SEEDS
# pointing at the broker. The pure unit tests of the package do not touch a
# broker; they are listed as not run.
#
# Output: one line per test in compat/results/franz-go-<against>.txt
# (PASSED/FAILED/SKIPPED, failing subtests or the skip reason), and a last
# line `N passed, M failed, K skipped`. Test logs stay in the cache dir.
#
# Environment:
#   STRAND_BIN              strand binary (default: release build of this checkout)
#   STRAND_COMPAT_CACHE     module copy, test binary and logs ($HOME/.cache/strand-compat)
#   FRANZ_GO_VERSION        v1.22.3
#   FRANZ_GO_TEST_TIMEOUT   seconds one test may take (default 300)
#   KGO_TEST_RECORDS        records the ETL tests push through (suite default 500000;
#                           here 50000 so a run fits two shared cores)
#
# Exit status: 0 when no test failed, 1 otherwise, 2 on usage or build errors.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

compat_parse_args "$@"

VERSION=${FRANZ_GO_VERSION:-v1.22.3}
TIMEOUT=${FRANZ_GO_TEST_TIMEOUT:-300}
export KGO_TEST_RECORDS=${KGO_TEST_RECORDS:-50000}
# One node: every topic the suite creates gets replication factor 1.
export KGO_TEST_RF=1
export KGO_LOG_LEVEL=${KGO_LOG_LEVEL:-info}

# Tests left out, and why: only what neither broker is set up for.
declare -A SKIP=(
    [TestTxnEtl]="transactions: strand has no transactional APIs (AddPartitionsToTxn, EndTxn, TxnOffsetCommit) yet"
)

command -v go >/dev/null || compat_die "go is not installed"

# ---------------------------------------------------------------------------
# The module and its test binary.

WORK=$COMPAT_CACHE/franz-go-${VERSION#v}
mkdir -p "$COMPAT_CACHE"
exec 8>"$WORK.lock"
flock 8
if [[ ! -x $WORK/kgo.test ]]; then
    dir=$(cd /tmp && go mod download -json "github.com/twmb/franz-go@$VERSION" |
        python3 -c 'import json, sys; d = json.load(sys.stdin); print(d.get("Dir") or sys.exit(d.get("Error", "no Dir")))') ||
        compat_die "go mod download github.com/twmb/franz-go@$VERSION failed"
    rm -rf "$WORK"
    mkdir -p "$WORK"
    cp -a "$dir" "$WORK/src"
    chmod -R u+w "$WORK/src"
    compat_log "building franz-go $VERSION pkg/kgo tests in $WORK"
    (cd "$WORK/src/pkg/kgo" && nice -n 5 go test -c -o "$WORK/kgo.test" .) >&2 || compat_die "go test -c failed"
fi
flock -u 8

# ---------------------------------------------------------------------------
# Which tests reach a broker: a function does when it calls one of the suite's
# broker helpers, or a function that does (to a fixed point).

list_tests() {
    python3 - "$WORK/src/pkg/kgo" <<'EOF'
import glob, re, sys
funcs = {}
for path in sorted(glob.glob(sys.argv[1] + "/*_test.go")):
    text = open(path).read()
    starts = [m for m in re.finditer(r"^func (?:\([^)]*\) )?(\w+)\(", text, re.M)]
    for i, m in enumerate(starts):
        end = starts[i + 1].start() if i + 1 < len(starts) else len(text)
        funcs[m.group(1)] = text[m.end():end]
broker = {"adm", "newTestClient", "testClientOpts", "getSeedBrokers"}
changed = True
while changed:
    changed = False
    for name, body in funcs.items():
        if name in broker:
            continue
        if any(re.search(r"\b%s\(" % re.escape(b), body) for b in broker):
            broker.add(name)
            changed = True
for name in funcs:
    if re.match(r"Test[A-Z0-9_]", name) or name == "Test":
        print(name, "broker" if name in broker else "unit")
EOF
}

declare -a ORDER=() UNIT=()
declare -A STATE=() WHY=()
listed=$(cd "$WORK/src/pkg/kgo" && "$WORK/kgo.test" -test.list '^Test' | sort)
while read -r name kind; do
    grep -qx "$name" <<<"$listed" || continue # e.g. a build-tagged file's test
    if [[ -n $only && ",${only//[[:space:]]/}," != *",$name,"* ]]; then
        continue
    fi
    if [[ $kind == unit ]]; then
        UNIT+=("$name")
        continue
    fi
    ORDER+=("$name")
    if [[ -n ${SKIP[$name]:-} ]]; then
        STATE[$name]=SKIPPED WHY[$name]=${SKIP[$name]}
    else
        STATE[$name]=PENDING
    fi
done < <(list_tests)
((${#ORDER[@]})) || compat_die "no broker test matches --tests $only"

# ---------------------------------------------------------------------------
# The broker.

RUN=$COMPAT_CACHE/franz-go-run-$against
rm -rf "$RUN"
mkdir -p "$RUN/logs"
cleanup() {
    if [[ $against == strand ]]; then
        [[ -n ${STRAND_DIR:-} && -f $STRAND_DIR/strand.log ]] && cp "$STRAND_DIR/strand.log" "$RUN/strand.log"
        compat_strand_stop
    else
        KAFKA_INSTANCE=franz-go "$COMPAT_DIR/kafka.sh" stop >&2 || true
    fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

if [[ $against == strand ]]; then
    strand_args=()
    help=$("$(compat_strand_bin)" --help)
    if grep -q -- '--auto-create-topics' <<<"$help"; then
        strand_args+=(--auto-create-topics true)
    else
        compat_log "strand has no --auto-create-topics (issue 15)"
    fi
    compat_strand_start "${strand_args[@]}"
    bootstrap=$STRAND_BOOTSTRAP
    broker_desc="strand $("$(compat_strand_bin)" --version 2>/dev/null | awk '{print $2}') (${strand_args[*]:-defaults})"
else
    # franz-go creates its topics itself; auto-creation on, as its CI broker has it.
    out=$(KAFKA_INSTANCE=franz-go KAFKA_AUTO_CREATE=true "$COMPAT_DIR/kafka.sh" start) ||
        compat_die "compat/kafka.sh start failed"
    bootstrap=$(sed -n 's/^BOOTSTRAP=//p' <<<"$out" | tail -n1)
    [[ -n $bootstrap ]] || compat_die "compat/kafka.sh printed no BOOTSTRAP"
    broker_desc="Apache Kafka ${KAFKA_VERSION:-4.4.0} (auto.create.topics.enable=true)"
fi
export KGO_SEEDS=$bootstrap
compat_log "broker: $broker_desc at $bootstrap"

# ---------------------------------------------------------------------------
# One process per test, bounded twice: Go's own -test.timeout (which prints
# every goroutine's stack, the useful part of a hang) and a kill a little later.

# Reads one test's test2json events; prints its state and a one-line reason:
# the failing subtests and the first message a failed (sub)test logged, or why
# it skipped.
summarise() {
    python3 - "$@" <<'EOF2'
import json, sys
path, top, rc = sys.argv[1], sys.argv[2], int(sys.argv[3])
out, final, timed_out = {}, {}, False
for line in open(path, errors="replace"):
    try:
        ev = json.loads(line)
    except ValueError:
        timed_out |= "panic: test timed out" in line
        continue
    t, act = ev.get("Test", ""), ev.get("Action")
    if act == "output":
        text = ev.get("Output", "")
        timed_out |= "panic: test timed out" in text
        out.setdefault(t, []).append(text.strip())
    elif act in ("pass", "fail", "skip") and t:
        final[t] = act
def said(t):
    return [l for l in out.get(t, []) if l and not l.startswith(("===", "---", "["))]
state = final.get(top)
if timed_out or (state is None and rc in (124, 137)):
    print("FAILED\ttimeout: no result within the bound")
elif state == "pass":
    print("PASSED\t")
elif state == "skip":
    print("SKIPPED\t" + (said(top) or [""])[0][:200])
else:
    failed = [t for t, a in final.items() if a == "fail" and t.startswith(top + "/")]
    msgs = [m for t in failed + [top] for m in said(t)]
    why = ("failed subtests: " + " ".join(failed) + "; " if failed else "") + (msgs[0] if msgs else "exit %d, see log" % rc)
    print("FAILED\t" + why[:300])
EOF2
}

cd "$WORK/src/pkg/kgo"
total=${#ORDER[@]} n=0
for name in "${ORDER[@]}"; do
    n=$((n + 1))
    [[ ${STATE[$name]} == PENDING ]] || continue
    log=$RUN/logs/$name.json
    started=$SECONDS
    set +e
    timeout -k 10 $((TIMEOUT + 15)) nice -n 5 go tool test2json -p kgo "$WORK/kgo.test" -test.run "^$name\$" \
        -test.v=test2json -test.count 1 -test.timeout "${TIMEOUT}s" >"$log" 2>&1
    rc=$?
    set -e
    IFS=$'\t' read -r state why < <(summarise "$log" "$name" "$rc")
    STATE[$name]=$state WHY[$name]=$why
    compat_log "[$n/$total] $name ${STATE[$name]} ($((SECONDS - started))s)"
    if [[ $against == strand ]] && ! kill -0 "$STRAND_PID" 2>/dev/null; then
        compat_log "strand died during $name; restarting it for the rest"
        cp "$STRAND_DIR/strand.log" "$RUN/strand-died-in-$name.log" 2>/dev/null || true
        compat_strand_start "${strand_args[@]}"
        export KGO_SEEDS=$STRAND_BOOTSTRAP
    fi
done

# ---------------------------------------------------------------------------
# Results.

passed=0 failed=0 skipped=0
mkdir -p "$COMPAT_DIR/results"
out=$COMPAT_DIR/results/franz-go-$against.txt
{
    echo "# franz-go $VERSION pkg/kgo integration tests against $broker_desc"
    echo "# $(date -u +%Y-%m-%dT%H:%MZ); KGO_TEST_RF=1 KGO_TEST_RECORDS=$KGO_TEST_RECORDS, ${TIMEOUT}s bound per test"
    for name in "${ORDER[@]}"; do
        case ${STATE[$name]} in
            PASSED) passed=$((passed + 1)) ;;
            FAILED) failed=$((failed + 1)) ;;
            *) skipped=$((skipped + 1)) ;;
        esac
        printf '%-50s %-8s %s\n' "$name" "${STATE[$name]}" "${WHY[$name]}"
    done
    echo "# not run: ${#UNIT[@]} unit tests that reach no broker (kgo.test -test.list lists them)"
    echo "$passed passed, $failed failed, $skipped skipped"
} >"$out"
compat_log "per-test results in $out, logs in $RUN/logs"
echo "$passed passed, $failed failed, $skipped skipped"
((failed == 0))
