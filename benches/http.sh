#!/usr/bin/env bash
# HTTP produce throughput beside the Kafka-protocol path, on one fresh broker,
# in one run, on this machine:
#
#   - REST Proxy v2 produce (POST /topics/{topic}, binary = base64 values) with
#     1 and with 100 records per request, and JSON values with 100 per request,
#     driven by wrk (keep-alive connections, BENCH_CONNECTIONS at once);
#   - the Kafka protocol: kcat (librdkafka) producing the same number of bytes
#     per record from a file, linger 5 ms, acks all (librdkafka's default).
#
#   bash benches/http.sh
#
# Prints one table: records/s, MB/s of values, requests/s, wrk's latency p50 and
# p99, and the broker's CPU seconds per million records. Each run's record count
# is checked against the log end offset the broker reports in /metrics, and any
# non-2xx answer fails the run, so a number never comes from failed requests.
# Results are printed, never asserted: the machine is shared and noisy.
#
# Needs wrk and kcat (Debian packages; installed with apt-get when missing) and
# the release binary (cargo build --release; not built here). Environment:
#   STRAND_BIN          broker binary (default target/release/strand)
#   BENCH_DURATION      seconds per HTTP run (default 10)
#   BENCH_CONNECTIONS   wrk connections (default 16)
#   BENCH_THREADS       wrk threads (default 2)
#   BENCH_VALUE_BYTES   bytes per record value (default 100)
#   BENCH_KAFKA_RECORDS records kcat produces (default 1000000)
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
abspath() { if [[ $1 == /* ]]; then echo "$1"; else echo "$PWD/$1"; fi; }
STRAND_BIN="$(abspath "${STRAND_BIN:-$ROOT/target/release/strand}")"
DURATION="${BENCH_DURATION:-10}"
CONNECTIONS="${BENCH_CONNECTIONS:-16}"
THREADS="${BENCH_THREADS:-2}"
VALUE_BYTES="${BENCH_VALUE_BYTES:-100}"
KAFKA_RECORDS="${BENCH_KAFKA_RECORDS:-1000000}"

log() { echo "bench: $*" >&2; }

missing=()
command -v wrk >/dev/null 2>&1 || missing+=(wrk)
command -v kcat >/dev/null 2>&1 || missing+=(kcat)
command -v curl >/dev/null 2>&1 || missing+=(curl)
if ((${#missing[@]})); then
    log "installing ${missing[*]}"
    apt-get update >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y "${missing[@]}" >/dev/null
fi
[[ -x "$STRAND_BIN" ]] || { log "no broker binary at $STRAND_BIN (cargo build --release first)"; exit 1; }

WORK="$(mktemp -d -t strand-bench-http.XXXXXX)"
PID=""
cleanup() {
    if [[ -n $PID ]]; then
        kill -TERM "$PID" 2>/dev/null || true
        wait "$PID" 2>/dev/null || true
    fi
    rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

TOPICS=(http-binary-1 http-binary-100 http-json-100 kafka)
topic_args=()
for t in "${TOPICS[@]}"; do topic_args+=(--topic "$t"); done
: >"$WORK/broker.log" # there before the first look at it, which could race the broker's open
"$STRAND_BIN" --listen 127.0.0.1:0 --metrics-listen 127.0.0.1:0 --http-listen 127.0.0.1:0 \
    --data-dir "$WORK/data" "${topic_args[@]}" 2>"$WORK/broker.log" &
PID=$!
addr_of() {
    sed -e 's/\x1b\[[0-9;]*m//g' "$WORK/broker.log" | grep -m1 "$1" |
        sed -n 's/.*[[:space:]]addr=\(127\.0\.0\.1:[0-9][0-9]*\).*/\1/p' || true
}
KAFKA=""
for ((i = 0; i < 100; i++)); do
    KAFKA="$(addr_of ' listening ')"
    [[ -n $KAFKA ]] && break
    kill -0 "$PID" 2>/dev/null || break
    sleep 0.1
done
HTTP="$(addr_of 'serving REST')"
METRICS="$(addr_of 'serving metrics')"
[[ -n $KAFKA && -n $HTTP && -n $METRICS ]] || { log "broker did not start:"; cat "$WORK/broker.log" >&2; exit 1; }

# log_end TOPIC: partition 0's log end offset, as /metrics reports it.
log_end() {
    curl -sS --max-time 10 "http://$METRICS/metrics" |
        sed -n "s/^strand_log_end_offset{[^}]*topic=\"$1\"[^}]*} \([0-9]*\).*/\1/p" | head -n1
}
# cpu_ticks: the broker's user+system CPU time in clock ticks.
cpu_ticks() { awk '{print $14 + $15}' "/proc/$PID/stat"; }
TICKS="$(getconf CLK_TCK)"
now() { date +%s.%N; }

# The record value: VALUE_BYTES printable bytes (the same bytes on both paths).
VALUE="$(head -c "$VALUE_BYTES" /dev/zero | tr '\0' 'x')"
B64="$(printf '%s' "$VALUE" | base64 -w0)"

# body FORMAT N: a v2 produce body with N records.
body() {
    local format="$1" n="$2" i records=""
    for ((i = 0; i < n; i++)); do
        if [[ $format == binary ]]; then
            records+="{\"value\":\"$B64\"},"
        else
            records+="{\"value\":{\"v\":\"$VALUE\"}},"
        fi
    done
    printf '{"records":[%s]}' "${records%,}"
}

ROWS=()
# http_run TOPIC FORMAT N: wrk POSTs an N-record body to TOPIC for DURATION seconds.
http_run() {
    local topic="$1" format="$2" n="$3"
    local script="$WORK/$topic.lua" bodyfile="$WORK/$topic.json"
    body "$format" "$n" >"$bodyfile"
    # The lua body is read from the file, so any bytes survive quoting.
    cat >"$script" <<EOF
local f = assert(io.open("$bodyfile", "rb"))
wrk.method = "POST"
wrk.body = f:read("*a")
f:close()
wrk.headers["Content-Type"] = "application/vnd.kafka.$format.v2+json"
wrk.headers["Accept"] = "application/vnd.kafka.v2+json"
EOF
    # Warm-up and correctness: one request by curl must succeed.
    local code
    code="$(curl -sS --max-time 10 -o "$WORK/first.out" -w '%{http_code}' -H "Content-Type: application/vnd.kafka.$format.v2+json" \
        --data-binary "@$bodyfile" "http://$HTTP/topics/$topic")"
    [[ $code == 200 ]] || { log "$topic: first request answered $code: $(head -c 300 "$WORK/first.out")"; exit 1; }
    local start_offset cpu0 cpu1
    start_offset="$(log_end "$topic")"
    cpu0="$(cpu_ticks)"
    wrk -t"$THREADS" -c"$CONNECTIONS" -d"${DURATION}s" --latency -s "$script" "http://$HTTP/topics/$topic" >"$WORK/wrk.out" 2>&1
    cpu1="$(cpu_ticks)"
    if grep -q 'Non-2xx' "$WORK/wrk.out" || grep -q 'Socket errors' "$WORK/wrk.out"; then
        log "$topic: wrk saw errors:"
        cat "$WORK/wrk.out" >&2
        exit 1
    fi
    local requests rps p50 p99 records
    requests="$(sed -n 's/^ *\([0-9]*\) requests in .*/\1/p' "$WORK/wrk.out")"
    rps="$(sed -n 's/^Requests\/sec: *\([0-9.]*\).*/\1/p' "$WORK/wrk.out")"
    p50="$(awk '$1 == "50%" {print $2}' "$WORK/wrk.out")"
    p99="$(awk '$1 == "99%" {print $2}' "$WORK/wrk.out")"
    records=$(($(log_end "$topic") - start_offset))
    # wrk counts the requests it got an answer to, each n records; those still
    # in flight when it stops (at most one per connection) may have landed too.
    if ((records < requests * n || records > (requests + CONNECTIONS) * n)); then
        log "$topic: log grew by $records records, wrk counted $requests requests x $n"
        exit 1
    fi
    ROWS+=("$(awk -v label="HTTP $format, $n/request" -v rps="$rps" -v n="$n" -v bytes="$VALUE_BYTES" -v records="$records" \
        -v cpu="$(((cpu1 - cpu0)))" -v ticks="$TICKS" -v p50="$p50" -v p99="$p99" \
        'BEGIN { r = rps * n; printf "%-26s %12.0f %8.1f %12.0f %10s %10s %10.2f", label, r, r * bytes / 1e6, rps, p50, p99, (cpu / ticks) / (records / 1e6) }')")
    log "${ROWS[-1]}"
}

# kafka_run: kcat produces KAFKA_RECORDS values from a file, timed to its exit (after its flush).
kafka_run() {
    local file="$WORK/values.txt"
    awk -v n="$KAFKA_RECORDS" -v v="$VALUE" 'BEGIN { for (i = 0; i < n; i++) print v }' >"$file"
    # Warm-up: the topic's leader known, the connection up.
    printf '%s\n' "$VALUE" | kcat -P -b "$KAFKA" -t kafka -X linger.ms=5
    local start_offset cpu0 cpu1 t0 t1
    start_offset="$(log_end kafka)"
    cpu0="$(cpu_ticks)"
    t0="$(now)"
    kcat -P -b "$KAFKA" -t kafka -l -X linger.ms=5 "$file"
    t1="$(now)"
    cpu1="$(cpu_ticks)"
    local records=$(($(log_end kafka) - start_offset))
    ((records == KAFKA_RECORDS)) || { log "kafka: log grew by $records records, want $KAFKA_RECORDS"; exit 1; }
    ROWS+=("$(awk -v t0="$t0" -v t1="$t1" -v records="$records" -v bytes="$VALUE_BYTES" -v cpu="$((cpu1 - cpu0))" -v ticks="$TICKS" \
        'BEGIN { r = records / (t1 - t0); printf "%-26s %12.0f %8.1f %12s %10s %10s %10.2f", "Kafka (kcat, linger 5ms)", r, r * bytes / 1e6, "-", "-", "-", (cpu / ticks) / (records / 1e6) }')")
    log "${ROWS[-1]}"
}

log "broker: kafka $KAFKA, http $HTTP; ${DURATION}s per HTTP run, $CONNECTIONS connections, $THREADS wrk threads, ${VALUE_BYTES}-byte values"
http_run http-binary-1 binary 1
http_run http-binary-100 binary 100
http_run http-json-100 json 100
kafka_run

echo
echo "HTTP produce vs the Kafka protocol ($(nproc) cores, ${VALUE_BYTES}-byte values, $CONNECTIONS HTTP connections)"
printf '%-26s %12s %8s %12s %10s %10s %10s\n' "path" "records/s" "MB/s" "requests/s" "p50" "p99" "cpu s/M"
for row in "${ROWS[@]}"; do echo "$row"; done
