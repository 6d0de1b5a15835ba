#!/usr/bin/env bash
# Redpanda Console's calls against the reference Kafka and strand, diffed.
#
#   compat/ui.sh
#
# compat/ui-console/ (Go, franz-go kgo + kadm, as Console's backend) makes the
# calls Console makes on connect, on its overview, topic and consumer group pages
# and for their actions (compat/UIS.md lists them and their sources), and prints
# one JSON line per call with what Console renders of the answer, normalised. This
# runs it against the reference Kafka and against a fresh strand and compares the
# lines call by call. kafka-ui's and AKHQ's calls (Java AdminClient) are replayed
# by tests/java's UiCallsTest instead.
#
# Output: a line per call (SAME or DIFFERS, page, API) in
# compat/results/ui.txt, each differing call's diff and both runs' raw lines in
# compat/results/ui/, and a last line `N calls, M differ`. The program's stderr and
# strand's log stay in the cache dir (ui-console/).
#
# Environment:
#   STRAND_BIN            strand binary (default: release build of this checkout)
#   STRAND_COMPAT_CACHE   where the program is built ($HOME/.cache/strand-compat)
#   KAFKA_BOOTSTRAP       a running reference Kafka to use (the program makes its own
#                         topic and group); default: start compat/kafka.sh instance `ui-console`
#
# Exit status: 0 when no call differs, 1 otherwise, 2 on build errors.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

compat_parse_args "$@"
command -v go >/dev/null || compat_die "go is not installed"

BIN=$COMPAT_CACHE/ui-console/ui-console
mkdir -p "$COMPAT_CACHE/ui-console"
# go.mod/go.sum pin franz-go v1.22.3 and kadm v1.20.0; the proxy serves them.
(cd "$COMPAT_DIR/ui-console" && go build -o "$BIN" .) >&2 || { compat_log "go build failed"; exit 2; }

OUT=$COMPAT_DIR/results/ui
LOGS=$COMPAT_CACHE/ui-console # the program's stderr and strand's log
rm -rf "$OUT"
mkdir -p "$OUT"

started_kafka=
cleanup() {
    [[ -n ${STRAND_DIR:-} && -f $STRAND_DIR/strand.log ]] && cp "$STRAND_DIR/strand.log" "$LOGS/strand.log"
    compat_strand_stop
    [[ -n $started_kafka ]] && KAFKA_INSTANCE=ui-console "$COMPAT_DIR/kafka.sh" stop >&2 || true
}
trap cleanup EXIT
trap 'exit 130' INT TERM

kafka=${KAFKA_BOOTSTRAP:-}
if [[ -z $kafka ]]; then
    out=$(KAFKA_INSTANCE=ui-console KAFKA_TOPIC= "$COMPAT_DIR/kafka.sh" start) || compat_die "compat/kafka.sh start failed"
    started_kafka=1
    kafka=$(sed -n 's/^BOOTSTRAP=//p' <<<"$out" | tail -n1)
fi
compat_log "reference Kafka at $kafka"
set +e
timeout 300 "$BIN" -brokers "$kafka" >"$OUT/kafka.jsonl" 2>"$LOGS/kafka.stderr"
kafka_rc=$?
set -e
((kafka_rc == 0)) || compat_log "against Kafka: exit $kafka_rc: $(tail -n3 "$LOGS/kafka.stderr")"

compat_strand_start
compat_log "strand at $STRAND_BOOTSTRAP"
set +e
timeout 300 "$BIN" -brokers "$STRAND_BOOTSTRAP" >"$OUT/strand.jsonl" 2>"$LOGS/strand.stderr"
strand_rc=$?
set -e
((strand_rc == 0)) || compat_log "against strand: exit $strand_rc: $(tail -n3 "$LOGS/strand.stderr")"

strand_desc="strand $("$(compat_strand_bin)" --version 2>/dev/null | awk '{print $2}') ($(git -C "$REPO_DIR" rev-parse --short HEAD 2>/dev/null || echo unknown))"
python3 - "$OUT" "$COMPAT_DIR/results/ui.txt" "$strand_desc" "$kafka_rc" "$strand_rc" <<'EOF'
import difflib, json, sys
out, summary, strand_desc, kafka_rc, strand_rc = sys.argv[1:6]

def load(name):
    calls = {}
    for line in open(f"{out}/{name}.jsonl"):
        rec = json.loads(line)
        key = rec["call"]
        n = 2
        while key in calls:  # a call made once per broker
            key = f'{rec["call"]}#{n}'
            n += 1
        calls[key] = rec
    return calls

kafka, strand = load("kafka"), load("strand")
order = list(kafka) + [k for k in strand if k not in kafka]
lines, differ = [], 0
for key in order:
    k, s = kafka.get(key), strand.get(key)
    rec = k or s
    if k is None or s is None:
        state = "MISSING on " + ("Kafka" if k is None else "strand")
    elif k["result"] == s["result"]:
        state = "SAME"
    else:
        state = "DIFFERS"
    if state != "SAME":
        differ += 1
        pretty = lambda r: json.dumps(r["result"], indent=1, sort_keys=True).splitlines() if r else []
        diff = difflib.unified_diff(pretty(k), pretty(s), "kafka", "strand", lineterm="", n=2)
        with open(f"{out}/{key}.diff", "w") as f:
            f.write(f'{rec["page"]}: {rec["api"]}\n' + "\n".join(diff) + "\n")
    lines.append(f'{key:28} {state:8} {rec["page"]:22} {rec["api"]}')
with open(summary, "w") as f:
    f.write(f"# Redpanda Console's calls (compat/ui-console) against Apache Kafka and {strand_desc}\n")
    f.write(f"# exit status: Kafka {kafka_rc}, strand {strand_rc}; diffs in results/ui/CALL.diff\n")
    f.write("\n".join(lines) + "\n")
    f.write(f"{len(order)} calls, {differ} differ\n")
print(f"{len(order)} calls, {differ} differ")
sys.exit(1 if differ or kafka_rc != "0" or strand_rc != "0" else 0)
EOF
