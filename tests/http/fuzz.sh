#!/usr/bin/env bash
# Fuzzes the REST listener from its own OpenAPI document with schemathesis:
# a fresh strand on ephemeral loopback ports, every operation of
# /openapi.json exercised with generated valid and invalid requests (path and
# query parameters, headers, bodies of each declared content type), and the
# run fails on any 5xx answer, a request the broker does not answer (crash,
# hang, reset), a panic in the broker's log, or the broker not running or not
# healthy afterwards. Bounded: at most FUZZ_MAX_EXAMPLES cases per operation,
# FUZZ_MAX_TIME seconds for the run, and a hard timeout above both.
#
#   bash tests/http/fuzz.sh
#
# Environment:
#   STRAND_BIN         broker binary (default target/release/strand; not built here)
#   STRAND_FUZZ_VENV   venv for schemathesis (default target/fuzz-venv)
#   FUZZ_MAX_EXAMPLES  cases per operation (default 25)
#   FUZZ_MAX_TIME      seconds for the whole schemathesis run (default 120)
#   FUZZ_SEED          schemathesis seed (default: a random one, printed)
#   FUZZ_CHECKS        schemathesis checks that fail the run (default not_a_server_error)
#   FUZZ_KEEP          keep the work dir (broker log, schemathesis reports) even on success
# Exits non-zero on any failure and keeps the work dir with the broker's log
# and schemathesis' reports (a pytest file that replays each failure).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
abspath() { if [[ $1 == /* ]]; then echo "$1"; else echo "$PWD/$1"; fi; }
STRAND_BIN="$(abspath "${STRAND_BIN:-$ROOT/target/release/strand}")"
STRAND_FUZZ_VENV="$(abspath "${STRAND_FUZZ_VENV:-$ROOT/target/fuzz-venv}")"
SCHEMATHESIS_VERSION="4.32.5"
MAX_EXAMPLES="${FUZZ_MAX_EXAMPLES:-25}"
MAX_TIME="${FUZZ_MAX_TIME:-120}"
SEED="${FUZZ_SEED:-$((RANDOM * 32768 + RANDOM))}"
CHECKS="${FUZZ_CHECKS:-not_a_server_error}"
cd "$ROOT"

log() { echo "fuzz: $*" >&2; }

# --- install -----------------------------------------------------------------

st_ok() {
    [[ "$("$STRAND_FUZZ_VENV/bin/schemathesis" --version 2>/dev/null)" == *" $SCHEMATHESIS_VERSION" ]]
}
if ! st_ok; then
    log "installing schemathesis $SCHEMATHESIS_VERSION into $STRAND_FUZZ_VENV"
    if ! python3 -c 'import ensurepip, venv' >/dev/null 2>&1; then
        apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y python3-venv
    fi
    python3 -m venv --clear "$STRAND_FUZZ_VENV"
    "$STRAND_FUZZ_VENV/bin/pip" install --disable-pip-version-check -q "schemathesis==$SCHEMATHESIS_VERSION"
    st_ok || { log "$STRAND_FUZZ_VENV has no schemathesis $SCHEMATHESIS_VERSION"; exit 1; }
fi
command -v curl >/dev/null 2>&1 || { apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y curl; }
[[ -x "$STRAND_BIN" ]] || { log "no broker binary at $STRAND_BIN (cargo build --release first)"; exit 1; }

# --- broker --------------------------------------------------------------------

WORK="$(mktemp -d -t strand-fuzz.XXXXXX)"
PID=""
OK=0
cleanup() {
    if [[ -n $PID ]]; then
        kill -TERM "$PID" 2>/dev/null || true
        wait "$PID" 2>/dev/null || true
    fi
    if [[ $OK == 1 && -z ${FUZZ_KEEP:-} ]]; then rm -rf "$WORK"; else log "kept $WORK (broker.log, reports/)"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# Small limits, so the fuzzer reaches them (413, 422, 429) rather than filling
# the disk or memory; a short instance timeout so the consumer instances it
# creates go away.
: >"$WORK/broker.log" # there before the first look at it, which could race the broker's open
"$STRAND_BIN" --listen 127.0.0.1:0 --metrics-listen 127.0.0.1:0 --http-listen 127.0.0.1:0 \
    --data-dir "$WORK/data" --topic events --topic two:2 \
    --http-max-body-bytes 65536 --http-max-records-per-request 100 --http-max-consumer-instances 50 \
    --consumer-instance-timeout-ms 10000 2>"$WORK/broker.log" &
PID=$!
addr_of() {
    sed -e 's/\x1b\[[0-9;]*m//g' "$WORK/broker.log" | grep -m1 "$1" |
        sed -n 's/.*[[:space:]]addr=\(127\.0\.0\.1:[0-9][0-9]*\).*/\1/p' || true
}
KAFKA="" HTTP="" METRICS=""
for ((i = 0; i < 100; i++)); do
    KAFKA="$(addr_of ' listening ')"
    [[ -n $KAFKA ]] && break
    kill -0 "$PID" 2>/dev/null || break
    sleep 0.1
done
HTTP="$(addr_of 'serving REST')"
METRICS="$(addr_of 'serving metrics')"
if [[ -z $KAFKA || -z $HTTP || -z $METRICS ]]; then
    log "broker did not start; its log:"
    cat "$WORK/broker.log" >&2
    exit 1
fi
log "broker: kafka $KAFKA, http $HTTP; schemathesis seed $SEED, $MAX_EXAMPLES examples per operation, ${MAX_TIME}s"

# Some records to read, so consumer and query operations have something to serve.
for topic in events two; do
    curl -sS --max-time 10 -o /dev/null -H 'Content-Type: application/vnd.kafka.json.v2+json' \
        --data '{"records":[{"key":"k","value":{"n":1}},{"value":"plain"}]}' "http://$HTTP/topics/$topic" || true
done

# A consumer instance subscribed to `events`, so the instance operations reach
# their handlers, not only the 404 of a name the fuzzer made up.
curl -sS --max-time 10 -o /dev/null -H 'Content-Type: application/vnd.kafka.v2+json' \
    --data '{"name":"fuzz-c","format":"binary","auto.offset.reset":"earliest"}' "http://$HTTP/consumers/fuzz-g" || true
curl -sS --max-time 10 -o /dev/null -H 'Content-Type: application/vnd.kafka.v2+json' \
    --data '{"topics":["events"]}' "http://$HTTP/consumers/fuzz-g/instances/fuzz-c/subscription" || true
CLUSTER="$(curl -sS --max-time 10 "http://$HTTP/v3/clusters" |
    sed -n 's/.*"cluster_id" *: *"\([^"]*\)".*/\1/p' | head -n1 || true)"

# --- fuzz ------------------------------------------------------------------------

# Names that exist, drawn half of the time for their path parameters (the other
# half is generated), so operations get past "not found" into their own logic.
cat >"$WORK/schemathesis.toml" <<EOF
[dictionaries]
topics = { values = ["events", "two"] }
partitions = { values = [0, 1] }
groups = { values = ["fuzz-g"] }
instances = { values = ["fuzz-c"] }
clusters = { values = ["${CLUSTER:-no-cluster-id}"] }

[parameters]
"path.topic" = { dictionary = "topics", probability = 0.5 }
"path.topic_name" = { dictionary = "topics", probability = 0.5 }
"path.partition" = { dictionary = "partitions", probability = 0.5 }
"path.partition_id" = { dictionary = "partitions", probability = 0.5 }
"path.group" = { dictionary = "groups", probability = 0.5 }
"path.consumer_group_id" = { dictionary = "groups", probability = 0.5 }
"path.instance" = { dictionary = "instances", probability = 0.5 }
"path.cluster_id" = { dictionary = "clusters", probability = 0.8 }
EOF

rc=0
# The hard timeout is the last resort: schemathesis stops itself at MAX_TIME.
# One worker: with two, hypothesis' threads hit CPython 3.11's non-thread-safe
# ast.parse ("AST constructor recursion depth mismatch"), a fuzzer error.
# From the work dir: schemathesis keeps a .schemathesis/ cache where it runs.
(cd "$WORK" && timeout --kill-after=10 $((MAX_TIME + 120)) \
    "$STRAND_FUZZ_VENV/bin/schemathesis" --config-file "$WORK/schemathesis.toml" run "http://$HTTP/openapi.json" \
    --checks "$CHECKS" \
    --max-examples "$MAX_EXAMPLES" \
    --max-time "$MAX_TIME" \
    --seed "$SEED" \
    --workers 1 \
    --request-timeout 30 \
    --suppress-health-check all \
    --no-color \
    --report junit,pytest --report-dir "$WORK/reports") \
    >"$WORK/schemathesis.out" 2>&1 || rc=$?
tail -n 80 "$WORK/schemathesis.out"

failed=0
if [[ $rc != 0 ]]; then
    log "schemathesis exited $rc (seed $SEED): failures above, replay with $WORK/reports"
    failed=1
fi
if ! kill -0 "$PID" 2>/dev/null; then
    log "the broker exited during the run"
    failed=1
elif [[ "$(curl -sS --max-time 5 "http://$METRICS/health" || true)" != ok* ]]; then
    log "the broker is not healthy after the run"
    failed=1
elif ! curl -sS --max-time 10 -o /dev/null -w '%{http_code}' "http://$HTTP/topics" | grep -qx 200; then
    log "the broker no longer answers GET /topics after the run"
    failed=1
fi
if grep -q 'panicked' "$WORK/broker.log"; then
    log "the broker panicked:"
    grep -A5 'panicked' "$WORK/broker.log" | head -n 40 >&2
    failed=1
fi
if [[ $failed == 0 ]]; then
    OK=1
    log "no 5xx, no crash (seed $SEED)"
fi
[[ $failed == 0 ]]
