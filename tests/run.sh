#!/usr/bin/env bash
# Runs every test strand has, on a fresh machine too: it installs what the tests
# need (kcat from Debian, the Python clients into a venv), checks formatting and
# lints (cargo fmt --check, cargo clippy -D warnings), and then runs
#   1. cargo test: unit, storage and end-to-end tests (librdkafka via rdkafka,
#      built from source by the crate, and a raw kafka-protocol client), each
#      against the real strand binary on an ephemeral loopback port;
#   2. tests/java: the Java client (kafka-clients, JUnit 5 under Maven Surefire)
#      producing, consuming in groups, committing, seeking by time and using the
#      AdminClient against the release binary;
#   3. tests/interop/run.sh: kcat, confluent-kafka and kafka-python round trips,
#      the admin clients of confluent-kafka, kafka-python and kafkajs, and kcat
#      over SSL, SASL_PLAINTEXT and SASL_SSL (tests/interop/security.sh);
#   4. tests/http/run.sh: the HTTP listener (REST Proxy API v2/v3, /strand/v1)
#      with curl and Python requests, Kafka clients on the same topics and groups.
set -euo pipefail
cd "$(dirname "$0")/.."

# rdkafka's `ssl` feature (TLS and SCRAM in the security tests) links the
# system's OpenSSL, found through pkg-config. The Java tests need a JDK (17+)
# and Maven; Maven fetches kafka-clients and JUnit into ~/.m2 itself. The Redis
# offset store's tests (tests/offsets_redis.rs, tests/offsets_cli.rs) start a
# real redis-server, with redis-cli to read what it holds (Debian's redis-server
# package brings both).
missing=()
for package in libssl-dev pkg-config; do
    dpkg -s "$package" >/dev/null 2>&1 || missing+=("$package")
done
command -v redis-server >/dev/null 2>&1 || missing+=(redis-server)
command -v javac >/dev/null 2>&1 || missing+=(openjdk-17-jdk-headless)
command -v mvn >/dev/null 2>&1 || missing+=(maven)
if [[ ${#missing[@]} -gt 0 ]]; then
    echo "run.sh: installing ${missing[*]}" >&2
    apt-get update
    DEBIAN_FRONTEND=noninteractive apt-get install -y "${missing[@]}"
fi

# Style is enforced, not cited: rustfmt.toml's settings and clippy's warnings fail the run.
rustup component add rustfmt clippy >/dev/null 2>&1 || true
cargo fmt --check
cargo clippy --release --locked --all-targets -- -D warnings

cargo build --release --locked --bins
cargo test --release --locked --no-run
# The offset expiry tests wait out Kafka's shortest offset retention, a minute
# (offsets.retention.minutes), asleep most of it: they run in a lane of their
# own beside the other tests instead of after them, and their output is shown
# when both lanes are done. Every other test target runs in the main lane.
expiry=(offset_expiry offsets_redis)
others=(--lib --bins)
for file in tests/*.rs; do
    name="$(basename "$file" .rs)"
    [[ " ${expiry[*]} " == *" $name "* ]] || others+=(--test "$name")
done
expiry_log="$(mktemp)"
cargo test --release --locked "${expiry[@]/#/--test=}" >"$expiry_log" 2>&1 &
expiry_pid=$!
# A run stopped midway takes the lane down with it.
trap 'kill "$expiry_pid" 2>/dev/null; rm -f "$expiry_log"' EXIT
others_rc=0
cargo test --release --locked "${others[@]}" || others_rc=$?
expiry_rc=0
wait "$expiry_pid" || expiry_rc=$?
cat "$expiry_log"
rm -f "$expiry_log"
trap - EXIT
if [[ $others_rc != 0 || $expiry_rc != 0 ]]; then
    echo "run.sh: cargo test failed (main lane rc $others_rc, expiry lane rc $expiry_rc)" >&2
    exit 1
fi
cargo test --release --locked --doc
STRAND_BIN="$PWD/target/release/strand" mvn -B -ntp -f tests/java/pom.xml test
STRAND_BIN=target/release/strand bash tests/interop/run.sh
STRAND_BIN=target/release/strand bash tests/http/run.sh
