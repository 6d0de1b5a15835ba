#!/usr/bin/env bash
# kcat against strand's secured listeners: SSL, SASL_PLAINTEXT and SASL_SSL with
# each SASL mechanism (PLAIN, SCRAM-SHA-256, SCRAM-SHA-512), and the refusals
# (wrong password, no credentials, plaintext on a TLS port). Certificates are
# made here with openssl; each listener kind gets its own broker.
#
#   STRAND_BIN=target/release/strand bash tests/interop/security.sh
#
# Called by tests/interop/run.sh, which counts its PASS/FAIL lines; needs kcat
# (Debian's 1.7.1 with librdkafka 2.0.2 is what this was verified with) and openssl.
# With PY set to a Python that has kafka-python and confluent-kafka (run.sh's
# venv), python_security.py checks those clients over SASL_PLAINTEXT and SASL_SSL.
# Ends with "security: N passed, M failed"; exits non-zero when a check failed.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
abspath() { if [[ $1 == /* ]]; then echo "$1"; else echo "$PWD/$1"; fi; }
STRAND_BIN="$(abspath "${STRAND_BIN:-$ROOT/target/release/strand}")"
TOPIC="secured"
MECHANISMS=(PLAIN SCRAM-SHA-256 SCRAM-SHA-512)
PASSED=0
FAILED=0
BROKER_PIDS=()

log() { echo "security: $*" >&2; }

for tool in kcat openssl; do
    command -v "$tool" >/dev/null 2>&1 || { log "$tool is missing"; echo "FAIL $tool installed"; exit 1; }
done

WORK="$(mktemp -d "${TMPDIR:-/tmp}/strand-security.XXXXXX")"
cleanup() {
    local pid
    for pid in "${BROKER_PIDS[@]}"; do
        kill -TERM "$pid" 2>/dev/null || true
        wait "$pid" 2>/dev/null || true
    done
    if [[ $FAILED == 0 ]]; then rm -rf "$WORK"; else log "kept $WORK for inspection"; fi
}
trap cleanup EXIT

# --- certificates and users --------------------------------------------------------

make_pki() {
    cd "$WORK"
    openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=strand interop CA" \
        -keyout ca.key -out ca.pem 2>/dev/null
    openssl req -newkey rsa:2048 -nodes -subj "/CN=localhost" -keyout server.key -out server.csr 2>/dev/null
    printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth\n' >server.ext
    openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 2 \
        -extfile server.ext -out server.pem 2>/dev/null
    printf '# interop users\nalice:alice-secret\nbob:pass:with:colons\n' >users
    cd - >/dev/null
}
make_pki

# --- brokers -------------------------------------------------------------------------

# start_broker NAME ARGS...: starts a broker, sets ADDR to its address.
start_broker() {
    local name="$1" i
    shift
    "$STRAND_BIN" --listen 127.0.0.1:0 --metrics-listen 127.0.0.1:0 --http-listen 127.0.0.1:0 \
        --data-dir "$WORK/$name-data" --topic "$TOPIC" "$@" 2>"$WORK/$name.log" &
    BROKER_PIDS+=($!)
    ADDR=""
    for ((i = 0; i < 100; i++)); do
        ADDR="$(sed -e 's/\x1b\[[0-9;]*m//g' "$WORK/$name.log" | grep -m1 'listening' |
            sed -n 's/.*[[:space:]]addr=\(127\.0\.0\.1:[0-9][0-9]*\).*/\1/p' || true)"
        [[ -n "$ADDR" ]] && return 0
        sleep 0.1
    done
    log "broker $name did not start; its log:"
    cat "$WORK/$name.log" >&2
    return 1
}

TLS_ARGS=(--tls-cert "$WORK/server.pem" --tls-key "$WORK/server.key")
SASL_ARGS=(--sasl-mechanisms "$(IFS=,; echo "${MECHANISMS[*]}")" --users-file "$WORK/users")
start_broker ssl "${TLS_ARGS[@]}"
SSL_ADDR="$ADDR"
start_broker sasl-plaintext "${SASL_ARGS[@]}"
SASL_PLAINTEXT_ADDR="$ADDR"
start_broker sasl-ssl "${TLS_ARGS[@]}" "${SASL_ARGS[@]}"
SASL_SSL_ADDR="$ADDR"
log "SSL on $SSL_ADDR, SASL_PLAINTEXT on $SASL_PLAINTEXT_ADDR, SASL_SSL on $SASL_SSL_ADDR"

# --- checks ----------------------------------------------------------------------------

check() {
    local name="$1" rc=0
    shift
    "$@" >"$WORK/check.out" 2>&1 </dev/null || rc=$?
    if [[ $rc == 0 ]]; then
        PASSED=$((PASSED + 1))
        echo "PASS $name"
    else
        FAILED=$((FAILED + 1))
        echo "FAIL $name (exit $rc)"
        sed 's/^/    /' "$WORK/check.out" | tail -n 30
    fi
}

# kcat_args ADDR PROTOCOL [MECHANISM USER PASSWORD]: kcat's -b and -X options.
kcat_args() {
    local addr="$1" protocol="$2"
    KCAT=(kcat -b "$addr" -X socket.timeout.ms=10000 -X security.protocol="$protocol")
    if [[ ${protocol,,} == *ssl ]]; then
        KCAT+=(-X ssl.ca.location="$WORK/ca.pem")
    fi
    if [[ $# -ge 5 ]]; then
        KCAT+=(-X sasl.mechanisms="$3" -X sasl.username="$4" -X sasl.password="$5")
    fi
}

# round_trip ADDR PROTOCOL [MECHANISM USER PASSWORD]: produces 100 keyed
# messages and reads exactly those back from the offset the first one got.
round_trip() {
    local tag="rt-$RANDOM-$RANDOM" in="$WORK/rt_in.txt" out="$WORK/rt_out.txt" i start
    kcat_args "$@"
    for ((i = 0; i < 100; i++)); do printf '%s-%03d:value %d\n' "$tag" "$i" "$i"; done >"$in"
    timeout 60 "${KCAT[@]}" -P -t "$TOPIC" -p 0 -K: -X message.timeout.ms=20000 <"$in" ||
        { echo "kcat -P exited $?"; return 1; }
    # The messages just produced end the partition: start 100 before its end.
    timeout 60 "${KCAT[@]}" -C -t "$TOPIC" -o -100 -c 100 -e -f '%k:%s\n' >"$out" ||
        { echo "kcat -C exited $?"; return 1; }
    if ! cmp -s "$in" "$out"; then
        echo "consumed $(wc -l <"$out") lines, produced 100; first differences:"
        diff "$in" "$out" | head -n 10
        return 1
    fi
    echo "100 messages round-tripped over $2${3:+ with $3}"
}

# refused ADDR PROTOCOL [MECHANISM USER PASSWORD]: kcat -L fails, within 30 s.
refused() {
    local out rc=0
    kcat_args "$@"
    out="$(timeout 30 "${KCAT[@]}" -L -m 5 2>&1)" || rc=$?
    echo "$out" | tail -n 5
    if [[ $rc == 124 ]]; then echo "kcat hung"; return 1; fi
    if [[ $rc == 0 ]] && ! grep -q 'ERROR' <<<"$out"; then echo "kcat -L succeeded: expected a refusal"; return 1; fi
    if grep -q " topic \"$TOPIC\" with" <<<"$out"; then echo "kcat -L got metadata"; return 1; fi
    echo "refused (kcat exit $rc)"
}

# wrong_password MECHANISM: refused, and the broker logged why.
wrong_password() {
    refused "$SASL_PLAINTEXT_ADDR" SASL_PLAINTEXT "$1" alice not-alices-password || return 1
    grep -q "SASL $1 authentication failed" "$WORK/sasl-plaintext.log" ||
        { echo "no SASL $1 authentication failure in the broker log"; return 1; }
}

# untrusted: an SSL client that does not trust our CA (only the system's) is refused.
untrusted() {
    local out rc=0
    out="$(timeout 30 kcat -b "$SSL_ADDR" -X security.protocol=SSL -L -m 5 2>&1)" || rc=$?
    echo "$out" | tail -n 5
    if [[ $rc == 124 ]]; then echo "kcat hung"; return 1; fi
    if grep -q " topic \"$TOPIC\" with" <<<"$out"; then echo "kcat -L got metadata"; return 1; fi
    grep -qi 'certificate verify failed' <<<"$out" || { echo "no certificate verification failure"; return 1; }
}

check "kcat: SSL round trip" round_trip "$SSL_ADDR" SSL
for mechanism in "${MECHANISMS[@]}"; do
    check "kcat: SASL_PLAINTEXT $mechanism round trip" \
        round_trip "$SASL_PLAINTEXT_ADDR" SASL_PLAINTEXT "$mechanism" alice alice-secret
    check "kcat: SASL_SSL $mechanism round trip" \
        round_trip "$SASL_SSL_ADDR" SASL_SSL "$mechanism" bob 'pass:with:colons'
    check "kcat: SASL_PLAINTEXT $mechanism with a wrong password is refused" wrong_password "$mechanism"
done
check "kcat: SASL listener without credentials is refused" refused "$SASL_PLAINTEXT_ADDR" PLAINTEXT
check "kcat: plaintext client on the SSL listener is refused" refused "$SSL_ADDR" PLAINTEXT
check "kcat: SSL client that does not trust the broker's CA is refused" untrusted
if [[ -n "${PY:-}" ]]; then
    HERE="$ROOT/tests/interop"
    check "kafka-python and confluent-kafka: SASL_PLAINTEXT with each mechanism" \
        timeout 180 "$PY" "$HERE/python_security.py" "$SASL_PLAINTEXT_ADDR" SASL_PLAINTEXT "$WORK/ca.pem"
    check "kafka-python and confluent-kafka: SASL_SSL with each mechanism" \
        timeout 180 "$PY" "$HERE/python_security.py" "$SASL_SSL_ADDR" SASL_SSL "$WORK/ca.pem"
fi

echo "security: $PASSED passed, $FAILED failed"
[[ $FAILED == 0 ]]
