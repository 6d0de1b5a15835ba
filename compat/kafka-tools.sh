#!/usr/bin/env bash
# Kafka's own command-line tools against a fresh broker, checking what they print.
#
#   compat/kafka-tools.sh [--against strand|kafka]
#
# The tools run from the Kafka jars compat/kafka.sh fetches (`kafka.sh tool`).
# Against strand: a fresh release binary (STRAND_BIN, else built) on an
# ephemeral port with a temp dir, serving `events`. Against kafka: a fresh
# reference broker from compat/kafka.sh with the topic `events` (one partition).
# The expectations are what Apache Kafka prints; a check that fails against
# strand is a difference, listed in compat/DIFFERENCES.md ("Kafka CLI tools").
#
# Prints PASS/FAIL per check (the tool's output after a failure), writes the
# list to compat/results/kafka-tools-<against>.txt and ends with
# "N passed, M failed"; exit status 1 when any check failed.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

compat_parse_args "$@"

TOPIC=events
KAFKA_SH=$COMPAT_DIR/kafka.sh
# The Kafka jars first, so their download does not count against a tool's timeout.
"$KAFKA_SH" fetch

WORK=$(mktemp -d /tmp/kafka-tools.XXXXXX)
KAFKA_NAME=kafka-tools-$$
cleanup() {
    if [[ $against == strand ]]; then
        compat_strand_stop
    else
        "$KAFKA_SH" stop "$KAFKA_NAME" >/dev/null 2>&1 || true
    fi
    rm -rf "$WORK"
}
trap cleanup EXIT

if [[ $against == strand ]]; then
    compat_strand_start --topic "$TOPIC"
    BOOTSTRAP=$STRAND_BOOTSTRAP
else
    BOOTSTRAP=$(KAFKA_TOPIC=$TOPIC KAFKA_AUTO_CREATE=false "$KAFKA_SH" start "$KAFKA_NAME" | sed -n 's/^BOOTSTRAP=//p')
fi
[[ -n $BOOTSTRAP ]] || compat_die "no broker"
compat_log "against $against at $BOOTSTRAP"

passed=0
failed=0
results=()

# tool NAME ARGS...: runs a Kafka tool; its stdout, stderr and exit status land
# in $OUT, $ERR and $RC. A tool that hangs is stopped after 120 s (RC 124).
tool() {
    local rc=0
    timeout 120 "$KAFKA_SH" tool "$@" <"${STDIN:-/dev/null}" >"$WORK/out" 2>"$WORK/err" || rc=$?
    OUT=$(<"$WORK/out")
    ERR=$(<"$WORK/err")
    RC=$rc
}

pass() {
    passed=$((passed + 1))
    results+=("PASS $1")
    echo "PASS $1"
}

# fail NAME WHY: prints what the tool printed, so the reason is in the log.
fail() {
    failed=$((failed + 1))
    results+=("FAIL $1: $2")
    echo "FAIL $1: $2"
    echo "  exit status $RC; stdout:"
    sed 's/^/    /' <<<"$OUT" | head -n 20
    echo "  stderr:"
    grep -v -E '^\s+at |deprecated|KIP-848' <<<"$ERR" | sed 's/^/    /' | head -n 20
}

# check NAME EXPECTED: the tool exited 0 and printed exactly EXPECTED on stdout
# (after dropping empty lines, which the tools put around tables).
check_out() {
    local name=$1 expected=$2 got
    got=$(grep -v '^$' <<<"$OUT" || true)
    if [[ $RC != 0 ]]; then
        fail "$name" "exit status $RC"
    elif [[ $got != "$expected" ]]; then
        fail "$name" "stdout is not: $(tr '\n' '|' <<<"$expected")"
    else
        pass "$name"
    fi
}

# check_match NAME REGEX: the tool exited 0 and some line of stdout matches REGEX.
check_match() {
    local name=$1 regex=$2
    if [[ $RC != 0 ]]; then
        fail "$name" "exit status $RC"
    elif ! grep -q -E "$regex" <<<"$OUT"; then
        fail "$name" "no stdout line matches /$regex/"
    else
        pass "$name"
    fi
}

# One row of a kafka-consumer-groups table, columns squeezed to single spaces.
group_row() {
    awk -v g="$1" '$1 == g && $2 == "'"$TOPIC"'" { $1 = $1; print }' <<<"$OUT"
}

# --- kafka-topics -------------------------------------------------------------

tool kafka-topics --bootstrap-server "$BOOTSTRAP" --list
check_out "kafka-topics --list" "$TOPIC"

tool kafka-topics --bootstrap-server "$BOOTSTRAP" --describe --topic "$TOPIC"
check_match "kafka-topics --describe (partition line)" \
    "^[[:space:]]*Topic: $TOPIC[[:space:]]+Partition: 0[[:space:]]+Leader: 1[[:space:]]+Replicas: 1[[:space:]]+Isr: 1"
check_match "kafka-topics --describe (topic line)" \
    "^Topic: $TOPIC[[:space:]]+TopicId: [A-Za-z0-9_-]{22}[[:space:]]+PartitionCount: 1[[:space:]]+ReplicationFactor: 1[[:space:]]+Configs:"

tool kafka-topics --bootstrap-server "$BOOTSTRAP" --describe --topic no-such-topic
if [[ $RC == 1 && $OUT == *"Topic 'no-such-topic' does not exist as expected"* ]]; then
    pass "kafka-topics --describe of an unknown topic"
else
    fail "kafka-topics --describe of an unknown topic" "expected exit 1 and 'does not exist as expected'"
fi

# --- console producer and consumer ----------------------------------------------

printf 'k1:v1\nk2:v2\nk3:v3\n' >"$WORK/in"
STDIN=$WORK/in tool kafka-console-producer --bootstrap-server "$BOOTSTRAP" --topic "$TOPIC" \
    --reader-property parse.key=true --reader-property key.separator=:
check_out "kafka-console-producer (3 keyed records)" ""

tool kafka-console-consumer --bootstrap-server "$BOOTSTRAP" --topic "$TOPIC" --from-beginning \
    --max-messages 3 --timeout-ms 30000 --group g-console \
    --formatter-property print.key=true --formatter-property print.offset=true \
    --formatter-property print.partition=true
check_out "kafka-console-consumer --group (reads them back)" \
    "$(printf 'Partition:0\tOffset:0\tk1\tv1\nPartition:0\tOffset:1\tk2\tv2\nPartition:0\tOffset:2\tk3\tv3')"

tool kafka-console-consumer --bootstrap-server "$BOOTSTRAP" --topic "$TOPIC" --partition 0 --offset 1 \
    --max-messages 2 --timeout-ms 30000
check_out "kafka-console-consumer --partition 0 --offset 1" "$(printf 'v2\nv3')"

# --- kafka-get-offsets ------------------------------------------------------------

tool kafka-get-offsets --bootstrap-server "$BOOTSTRAP" --topic "$TOPIC"
check_out "kafka-get-offsets (latest)" "$TOPIC:0:3"
tool kafka-get-offsets --bootstrap-server "$BOOTSTRAP" --topic "$TOPIC" --time -2
check_out "kafka-get-offsets --time -2 (earliest)" "$TOPIC:0:0"
# The max-timestamp offset is the first record with the newest timestamp; the
# console producer stamps the time of sending, so read the timestamps back
# (with --partition: assign(), so no group of its own shows up in the listings).
tool kafka-console-consumer --bootstrap-server "$BOOTSTRAP" --topic "$TOPIC" --partition 0 --offset 0 \
    --max-messages 3 --timeout-ms 30000 --formatter-property print.timestamp=true \
    --formatter-property print.offset=true
max_ts_offset=$(awk -F'\t' '{ ts = substr($1, index($1, ":") + 1); off = substr($2, 8)
    if (NR == 1 || ts + 0 > max + 0) { max = ts; at = off } } END { print at }' <<<"$OUT")
tool kafka-get-offsets --bootstrap-server "$BOOTSTRAP" --topic "$TOPIC" --time -3
check_out "kafka-get-offsets --time -3 (max timestamp)" "$TOPIC:0:$max_ts_offset"
tool kafka-get-offsets --bootstrap-server "$BOOTSTRAP" --topic-partitions "$TOPIC:0" --time 0
check_out "kafka-get-offsets --time 0 (first record at or after)" "$TOPIC:0:0"

# --- kafka-consumer-groups --------------------------------------------------------

tool kafka-consumer-groups --bootstrap-server "$BOOTSTRAP" --list
check_out "kafka-consumer-groups --list" "g-console"

tool kafka-consumer-groups --bootstrap-server "$BOOTSTRAP" --describe --group g-console
row=$(group_row g-console)
if [[ $RC == 0 && $row == "g-console $TOPIC 0 3 3 0 - - -" ]]; then
    pass "kafka-consumer-groups --describe (committed 3, lag 0)"
else
    fail "kafka-consumer-groups --describe (committed 3, lag 0)" "row is '$row'"
fi

tool kafka-consumer-groups --bootstrap-server "$BOOTSTRAP" --describe --group g-console --state
if [[ $RC == 0 ]] && grep -q -E "^g-console +127\.0\.0\.1:[0-9]+ +\(1\) +- +Empty +0 *$" <<<"$OUT"; then
    pass "kafka-consumer-groups --describe --state (Empty)"
else
    fail "kafka-consumer-groups --describe --state (Empty)" "no 'g-console <coordinator> (1) Empty 0' row"
fi

tool kafka-consumer-groups --bootstrap-server "$BOOTSTRAP" --reset-offsets --group g-console --topic "$TOPIC" \
    --to-offset 1 --dry-run
row=$(group_row g-console)
if [[ $RC == 0 && $row == "g-console $TOPIC 0 1" ]]; then
    pass "kafka-consumer-groups --reset-offsets --to-offset 1 --dry-run"
else
    fail "kafka-consumer-groups --reset-offsets --to-offset 1 --dry-run" "row is '$row'"
fi

tool kafka-consumer-groups --bootstrap-server "$BOOTSTRAP" --reset-offsets --group g-console --topic "$TOPIC" \
    --to-earliest --execute
row=$(group_row g-console)
if [[ $RC == 0 && $row == "g-console $TOPIC 0 0" ]]; then
    pass "kafka-consumer-groups --reset-offsets --to-earliest --execute"
else
    fail "kafka-consumer-groups --reset-offsets --to-earliest --execute" "row is '$row'"
fi

tool kafka-consumer-groups --bootstrap-server "$BOOTSTRAP" --describe --group g-console --offsets
row=$(group_row g-console)
if [[ $RC == 0 && $row == "g-console $TOPIC 0 0 3 3 - - -" ]]; then
    pass "kafka-consumer-groups --describe after the reset (committed 0, lag 3)"
else
    fail "kafka-consumer-groups --describe after the reset (committed 0, lag 3)" "row is '$row'"
fi

tool kafka-consumer-groups --bootstrap-server "$BOOTSTRAP" --reset-offsets --group g-console --topic "$TOPIC" \
    --shift-by 2 --execute
row=$(group_row g-console)
if [[ $RC == 0 && $row == "g-console $TOPIC 0 2" ]]; then
    pass "kafka-consumer-groups --reset-offsets --shift-by 2 --execute"
else
    fail "kafka-consumer-groups --reset-offsets --shift-by 2 --execute" "row is '$row'"
fi

tool kafka-consumer-groups --bootstrap-server "$BOOTSTRAP" --delete --group g-console
check_out "kafka-consumer-groups --delete" "Deletion of requested consumer groups ('g-console') was successful."

tool kafka-consumer-groups --bootstrap-server "$BOOTSTRAP" --list
check_out "kafka-consumer-groups --list after the delete" ""

# --- perf tests ------------------------------------------------------------------

tool kafka-producer-perf-test --topic "$TOPIC" --num-records 20000 --record-size 100 --throughput -1 \
    --command-property bootstrap.servers="$BOOTSTRAP" acks=all
check_match "kafka-producer-perf-test (20000 records)" "^20000 records sent, [0-9.]+ records/sec"

tool kafka-get-offsets --bootstrap-server "$BOOTSTRAP" --topic "$TOPIC"
check_out "kafka-get-offsets after the perf test" "$TOPIC:0:20003"

tool kafka-consumer-perf-test --bootstrap-server "$BOOTSTRAP" --topic "$TOPIC" --num-records 20003 --timeout 30000
# The data line: start, end, MB, MB/s, then the record count.
count=$(awk -F', ' 'NR > 1 && NF >= 5 { print $5 }' <<<"$OUT" | tail -n 1)
if [[ $RC == 0 && $count == 20003 ]]; then
    pass "kafka-consumer-perf-test (20003 records)"
else
    fail "kafka-consumer-perf-test (20003 records)" "consumed '$count'"
fi

# --- a live group ----------------------------------------------------------------

# A console consumer stays in group g-live (it waits 90 s for records that never
# come) while kafka-consumer-groups looks at the group.
timeout 120 "$KAFKA_SH" tool kafka-console-consumer --bootstrap-server "$BOOTSTRAP" --topic "$TOPIC" \
    --group g-live --timeout-ms 90000 --consumer-property client.id=live-client \
    >"$WORK/live.out" 2>"$WORK/live.err" &
live_pid=$!
row=
for ((i = 0; i < 30; i++)); do
    tool kafka-consumer-groups --bootstrap-server "$BOOTSTRAP" --describe --group g-live --members
    row=$(awk '$1 == "g-live" { $1 = $1; print }' <<<"$OUT")
    [[ -n $row ]] && break
    sleep 1
done
if [[ $RC == 0 && $row =~ ^g-live\ live-client-[0-9a-f-]{36}\ /127\.0\.0\.1\ live-client\ 1$ ]]; then
    pass "kafka-consumer-groups --describe --members (a live member)"
else
    fail "kafka-consumer-groups --describe --members (a live member)" "row is '$row'"
fi
tool kafka-consumer-groups --bootstrap-server "$BOOTSTRAP" --describe --group g-live --members --verbose
row=$(awk '$1 == "g-live" { $1 = $1; print }' <<<"$OUT")
if [[ $RC == 0 && $row =~ ^g-live\ live-client-[0-9a-f-]{36}\ /127\.0\.0\.1\ live-client\ 1\ -\ $TOPIC:0\ -\ -$ ]]; then
    pass "kafka-consumer-groups --describe --members --verbose (its assignment)"
else
    fail "kafka-consumer-groups --describe --members --verbose (its assignment)" "row is '$row'"
fi
tool kafka-consumer-groups --bootstrap-server "$BOOTSTRAP" --describe --group g-live --state
if [[ $RC == 0 ]] && grep -q -E "^g-live +127\.0\.0\.1:[0-9]+ +\(1\) +range +Stable +1 *$" <<<"$OUT"; then
    pass "kafka-consumer-groups --describe --state (Stable, range, 1 member)"
else
    fail "kafka-consumer-groups --describe --state (Stable, range, 1 member)" "no 'g-live <coordinator> (1) range Stable 1' row"
fi
tool kafka-consumer-groups --bootstrap-server "$BOOTSTRAP" --delete --group g-live
# (The tool reports the failure and still exits 0.)
if [[ $RC == 0 && $OUT == *"* Group 'g-live' could not be deleted due to: org.apache.kafka.common.errors.GroupNotEmptyException: The group is not empty."* ]]; then
    pass "kafka-consumer-groups --delete of a live group (GroupNotEmptyException)"
else
    fail "kafka-consumer-groups --delete of a live group (GroupNotEmptyException)" "no GroupNotEmptyException"
fi
kill "$live_pid" 2>/dev/null || true
wait "$live_pid" 2>/dev/null || true

# --- more tools ------------------------------------------------------------------

tool kafka-broker-api-versions --bootstrap-server "$BOOTSTRAP"
if [[ $RC == 0 ]] && grep -q -E "^127\.0\.0\.1:[0-9]+ \(id: 1 rack: null isFenced: false\) -> \($" <<<"$OUT" &&
    grep -q -E "^\s+Produce\(0\): [0-9]+ to 13 \[usable: 13\],$" <<<"$OUT" &&
    grep -q -E "^\s+Fetch\(1\): 4 to 18 \[usable: 18\],$" <<<"$OUT"; then
    pass "kafka-broker-api-versions (node 1, Produce v13, Fetch v18 usable)"
else
    fail "kafka-broker-api-versions (node 1, Produce v13, Fetch v18 usable)" "header or Produce/Fetch lines missing"
fi

tool kafka-configs --bootstrap-server "$BOOTSTRAP" --describe --entity-type topics --entity-name "$TOPIC"
check_out "kafka-configs --describe (topic)" "Dynamic configs for topic $TOPIC are:"

tool kafka-topics --bootstrap-server "$BOOTSTRAP" --create --topic another-topic --partitions 1 --replication-factor 1
check_out "kafka-topics --create (another topic)" "Created topic another-topic."

echo "{\"partitions\":[{\"topic\":\"$TOPIC\",\"partition\":0,\"offset\":3}],\"version\":1}" >"$WORK/delete.json"
tool kafka-delete-records --bootstrap-server "$BOOTSTRAP" --offset-json-file "$WORK/delete.json"
check_out "kafka-delete-records (before offset 3)" \
    "$(printf 'Executing records delete operation\nRecords delete operation completed:\npartition: %s-0\tlow_watermark: 3' "$TOPIC")"
tool kafka-get-offsets --bootstrap-server "$BOOTSTRAP" --topic "$TOPIC" --time -2
check_out "kafka-get-offsets --time -2 after delete-records" "$TOPIC:0:3"

# --- kafka-configs --entity-type users: SCRAM credentials ---------------------------
# --describe also sends DescribeClientQuotas. Kafka lists a user's mechanisms in
# its hash map's order, which changes from one JVM start to the next; strand by type.

users_tool() { tool kafka-configs --bootstrap-server "$BOOTSTRAP" --entity-type users "$@"; }
users_tool --entity-name tools-alice --alter --add-config 'SCRAM-SHA-256=[iterations=8192,password=pw]'
check_out "kafka-configs --alter --add-config SCRAM-SHA-256 (user)" "Completed updating config for user tools-alice."
users_tool --entity-name tools-alice --alter --add-config 'SCRAM-SHA-512=[password=pw2]'
check_out "kafka-configs --alter --add-config SCRAM-SHA-512 (same user)" "Completed updating config for user tools-alice."
users_tool --entity-name tools-alice --describe
check_match "kafka-configs --describe (user with two mechanisms)" \
    "^SCRAM credential configs for user-principal 'tools-alice' are (SCRAM-SHA-256=iterations=8192, SCRAM-SHA-512=iterations=4096|SCRAM-SHA-512=iterations=4096, SCRAM-SHA-256=iterations=8192)$"
users_tool --describe
check_match "kafka-configs --describe (all users)" "^SCRAM credential configs for user-principal 'tools-alice' are "
users_tool --entity-name tools-alice --alter --delete-config SCRAM-SHA-256
check_out "kafka-configs --alter --delete-config SCRAM-SHA-256 (user)" "Completed updating config for user tools-alice."
users_tool --entity-name tools-alice --describe
check_out "kafka-configs --describe (user after a delete)" \
    "SCRAM credential configs for user-principal 'tools-alice' are SCRAM-SHA-512=iterations=4096"
users_tool --entity-name tools-alice --alter --delete-config SCRAM-SHA-256
if grep -q "ResourceNotFoundException: Attempt to delete a user credential that does not exist" <<<"$OUT$ERR"; then
    pass "kafka-configs --delete-config of a deleted credential (ResourceNotFoundException)"
else
    fail "kafka-configs --delete-config of a deleted credential (ResourceNotFoundException)" "no ResourceNotFoundException"
fi
users_tool --entity-name tools-alice --alter --delete-config SCRAM-SHA-512
check_out "kafka-configs --alter --delete-config SCRAM-SHA-512 (last one)" "Completed updating config for user tools-alice."
users_tool --entity-name tools-alice --describe
check_out "kafka-configs --describe (user without credentials)" ""

# --- done -------------------------------------------------------------------------

mkdir -p "$COMPAT_DIR/results"
{
    echo "# compat/kafka-tools.sh --against $against, $(date -u +%Y-%m-%dT%H:%MZ), Kafka tools ${KAFKA_VERSION:-4.4.0}"
    printf '%s\n' "${results[@]}"
    echo "$passed passed, $failed failed"
} >"$COMPAT_DIR/results/kafka-tools-$against.txt"
echo "$passed passed, $failed failed"
[[ $failed == 0 ]]
