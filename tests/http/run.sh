#!/usr/bin/env bash
# The HTTP listener's end-to-end tests: the REST Proxy API v2 and v3, the
# /strand/v1 query API, Basic auth and HTTPS, each against the real strand
# binary on ephemeral loopback ports, with curl and Python `requests`, and Kafka
# clients (confluent-kafka) on the other side of the same topics and groups.
#
#   bash tests/http/run.sh
#
# Installs what it needs on a Debian machine (curl via apt-get, a venv with
# pinned requests and confluent-kafka via pip), reusing what is already there.
# Environment:
#   STRAND_BIN      broker binary (default target/release/strand; not built here)
#   STRAND_HTTP_VENV  venv (default target/http-venv)
#   HTTP_ONLY       run only the checks whose name matches this extended regex
# Prints PASS/FAIL per check and ends with "N passed, M failed"; exits non-zero
# when any check failed.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
abspath() { if [[ $1 == /* ]]; then echo "$1"; else echo "$PWD/$1"; fi; }
STRAND_BIN="$(abspath "${STRAND_BIN:-$ROOT/target/release/strand}")"
STRAND_HTTP_VENV="$(abspath "${STRAND_HTTP_VENV:-$ROOT/target/http-venv}")"
cd "$ROOT"
HERE="tests/http"
# Versions this suite was verified with.
REQUESTS_VERSION="2.34.2"
CONFLUENT_KAFKA_VERSION="2.16.1"

log() { echo "http: $*" >&2; }

# --- install -----------------------------------------------------------------

APT_UPDATED=0
apt_install() {
    if [[ $APT_UPDATED == 0 ]]; then
        apt-get update
        APT_UPDATED=1
    fi
    DEBIAN_FRONTEND=noninteractive apt-get install -y "$@"
}
command -v curl >/dev/null 2>&1 || apt_install curl

venv_ok() {
    [[ -x "$STRAND_HTTP_VENV/bin/python" ]] && "$STRAND_HTTP_VENV/bin/python" - "$REQUESTS_VERSION" "$CONFLUENT_KAFKA_VERSION" <<'PYEOF' >/dev/null 2>&1
import sys
import requests, confluent_kafka
sys.exit(0 if (requests.__version__, confluent_kafka.__version__) == (sys.argv[1], sys.argv[2]) else 1)
PYEOF
}
if ! venv_ok; then
    log "creating venv $STRAND_HTTP_VENV"
    if ! python3 -c 'import ensurepip, venv' >/dev/null 2>&1; then
        apt_install python3-venv
    fi
    venv_args=()
    "$STRAND_HTTP_VENV/bin/python" -c '' >/dev/null 2>&1 || venv_args=(--clear)
    python3 -m venv "${venv_args[@]}" "$STRAND_HTTP_VENV"
    "$STRAND_HTTP_VENV/bin/pip" install --disable-pip-version-check -q \
        "requests==$REQUESTS_VERSION" "confluent-kafka==$CONFLUENT_KAFKA_VERSION"
    venv_ok || { log "venv $STRAND_HTTP_VENV does not import the pinned packages"; exit 1; }
fi
PY="$STRAND_HTTP_VENV/bin/python"

[[ -x "$STRAND_BIN" ]] || { log "no broker binary at $STRAND_BIN (cargo build --release first)"; exit 1; }

# --- brokers -------------------------------------------------------------------

WORK="$(mktemp -d -t strand-http.XXXXXX)"
PASSED=0
FAILED=0
PIDS=()
cleanup() {
    local pid
    for pid in "${PIDS[@]}"; do
        kill -TERM "$pid" 2>/dev/null || true
        wait "$pid" 2>/dev/null || true
    done
    if [[ $FAILED == 0 ]]; then rm -rf "$WORK"; else log "kept $WORK (broker logs, data) for inspection"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# start_strand NAME ARGS...: starts a broker with its own data dir and log in
# $WORK/NAME, and sets NAME_KAFKA (host:port), NAME_HTTP (host:port) and
# NAME_PID. Extra ARGS go to strand (topics, TLS, SASL, limits).
start_strand() {
    local name="$1" i kafka="" http=""
    shift
    mkdir -p "$WORK/$name"
    "$STRAND_BIN" --listen 127.0.0.1:0 --metrics-listen 127.0.0.1:0 --http-listen 127.0.0.1:0 \
        --data-dir "$WORK/$name/data" "$@" 2>"$WORK/$name/broker.log" &
    local pid=$!
    PIDS+=("$pid")
    for ((i = 0; i < 100; i++)); do
        local text
        text="$(sed -e 's/\x1b\[[0-9;]*m//g' "$WORK/$name/broker.log")"
        http="$(grep -m1 'serving REST' <<<"$text" | sed -n 's/.*[[:space:]]addr=\(127\.0\.0\.1:[0-9][0-9]*\).*/\1/p' || true)"
        kafka="$(grep -m1 ' listening ' <<<"$text" | sed -n 's/.*[[:space:]]addr=\(127\.0\.0\.1:[0-9][0-9]*\).*/\1/p' || true)"
        [[ -n "$kafka" ]] && break
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.1
    done
    if [[ -z "$kafka" || -z "$http" ]]; then
        log "broker $name did not start; its log:"
        cat "$WORK/$name/broker.log" >&2
        exit 1
    fi
    printf -v "${name}_KAFKA" '%s' "$kafka"
    printf -v "${name}_HTTP" '%s' "$http"
    printf -v "${name}_PID" '%s' "$pid"
    log "broker $name: kafka $kafka, http $http"
}

# check NAME CMD...: runs CMD, PASS if it exits 0; on failure prints its output.
check() {
    local name="$1"
    shift
    local rc=0
    if [[ -n "${HTTP_ONLY:-}" ]] && ! [[ $name =~ $HTTP_ONLY ]]; then
        return 0
    fi
    "$@" >"$WORK/check.out" 2>&1 </dev/null || rc=$?
    if [[ $rc == 0 ]]; then
        PASSED=$((PASSED + 1))
        echo "PASS $name"
    else
        FAILED=$((FAILED + 1))
        echo "FAIL $name (exit $rc)"
        sed 's/^/    /' "$WORK/check.out" | tail -n 60
    fi
    return 0
}

# --- checks ----------------------------------------------------------------------

# The shared broker: `events` (1 partition) and `two` (2 partitions); checks
# that need other settings start a broker of their own.
start_strand main --topic events --topic two:2

# v2 topics and produce (produce.py, curl_produce.sh)
check "v2 topics and produce: binary and json read back by a Kafka client, Java key partitioning, 404/415/422, all-or-nothing" \
    "$PY" "$HERE/produce.py" "$main_HTTP" "$main_KAFKA"
check "v2 and v3 produce with curl" bash "$HERE/curl_produce.sh" "$main_HTTP"

# v2 consumers (consumers.py)
for c in kafka_produces_rest_reads_binary_and_json max_bytes_bounds_a_response \
    rest_and_kafka_consumer_split_two_partitions kafka_led_group_splits_two_partitions_with_a_rest_consumer \
    two_rest_consumers_split_and_follow_subscription_changes compressed_batches_are_read \
    deleted_instances_leave_no_member_behind commit_and_committed_offsets \
    positions_beginning_end_and_seek auto_offset_reset_by_duration errors_as_the_rest_proxy_gives_them; do
    check "v2 consumers: ${c//_/ }" "$PY" "$HERE/consumers.py" "$c" "$main_KAFKA" "$main_HTTP"
done
main_METRICS="$(sed -e 's/\x1b\[[0-9;]*m//g' "$WORK/main/broker.log" | grep -m1 'serving metrics' |
    sed -n 's/.*[[:space:]]addr=\(127\.0\.0\.1:[0-9][0-9]*\).*/\1/p' || true)"
check "v2 consumers: a REST consumer's lag and membership show in /metrics" \
    env STRAND_METRICS="$main_METRICS" "$PY" "$HERE/consumers.py" lag_shows_in_metrics "$main_KAFKA" "$main_HTTP"
EXPIRY_CHECK="v2 consumers: idle instances expire and leave their group, at most http_max_consumer_instances"
if [[ -z "${HTTP_ONLY:-}" || $EXPIRY_CHECK =~ $HTTP_ONLY ]]; then
    start_strand expiry --consumer-instance-timeout-ms 2000 --http-max-consumer-instances 3
    check "$EXPIRY_CHECK" \
        "$PY" "$HERE/consumers.py" idle_instances_expire_and_leave_their_group "$expiry_KAFKA" "$expiry_HTTP"
fi

# v3 (v3.py)
check "v3: clusters, topics, partitions, consumer groups and lag-summary; records produce, single and streamed" \
    "$PY" "$HERE/v3.py" "$main_HTTP" "$main_KAFKA"

# /strand/v1 query and stats (query.py)
check "query filters and cursor paging" "$PY" "$HERE/query.py" "$main_HTTP" "$main_KAFKA" records
check "query scan budget" "$PY" "$HERE/query.py" "$main_HTTP" "$main_KAFKA" budget
check "topic stats" "$PY" "$HERE/query.py" "$main_HTTP" "$main_KAFKA" stats
check "openapi document" "$PY" "$HERE/query.py" "$main_HTTP" "$main_KAFKA" openapi

# Basic auth, HTTPS, limits, fuzzing (auth_tls.py, fuzz.sh)

check "broker still running after all checks" kill -0 "$main_PID"

echo "$PASSED passed, $FAILED failed"
[[ $FAILED == 0 ]]
