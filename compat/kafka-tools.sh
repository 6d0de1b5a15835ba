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

# check_fails NAME TEXT: the tool exited non-zero and printed TEXT (stdout or
# stderr): the error class and message Kafka gives, for refusals.
check_fails() {
    local name=$1 text=$2
    if [[ $RC == 0 ]]; then
        fail "$name" "exit status 0, expected a failure"
    elif [[ $OUT$'\n'$ERR != *"$text"* ]]; then
        fail "$name" "no '$text'"
    else
        pass "$name"
    fi
}

# The config overrides kafka-topics --describe lists on the topic line, comma
# separated. Kafka 4.4's storage format (--standalone, KIP-966) stores
# min.insync.replicas=1 as a cluster-wide dynamic default, so Kafka lists it for
# every topic; strand has no cluster-level dynamic configs, so it is dropped.
topic_configs() {
    sed -n "s/^Topic: $1\t.*Configs: *//p" <<<"$OUT" | tr ',' '\n' | { grep -v -x 'min.insync.replicas=1' || true; } | paste -sd, -
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
configs=$(topic_configs "$TOPIC")
if [[ $RC == 0 && -z $configs ]]; then
    pass "kafka-topics --describe (no config overrides)"
else
    fail "kafka-topics --describe (no config overrides)" "Configs: '$configs'"
fi

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
timestamps=$OUT
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

tool kafka-consumer-groups --bootstrap-server "$BOOTSTRAP" --reset-offsets --group g-console --topic "$TOPIC" \
    --to-datetime 2000-01-01T00:00:00.000Z --dry-run
row=$(group_row g-console)
if [[ $RC == 0 && $row == "g-console $TOPIC 0 0" ]]; then
    pass "kafka-consumer-groups --reset-offsets --to-datetime (before the first record) --dry-run"
else
    fail "kafka-consumer-groups --reset-offsets --to-datetime (before the first record) --dry-run" "row is '$row'"
fi

# To the newest record's time (to the ms, UTC): the first offset whose
# timestamp is at or after it (records sent in the same ms share it).
newest_ts=$(awk -F'\t' '{ ts = substr($1, index($1, ":") + 1); if (ts + 0 > max + 0) max = ts } END { print max }' <<<"$timestamps")
first_at_newest=$(awk -F'\t' -v t="$newest_ts" '{ ts = substr($1, index($1, ":") + 1)
    if (ts + 0 >= t + 0) { print substr($2, 8); exit } }' <<<"$timestamps")
datetime=$(date -u -d "@$((newest_ts / 1000))" +%Y-%m-%dT%H:%M:%S).$(printf %03d $((newest_ts % 1000)))Z
tool kafka-consumer-groups --bootstrap-server "$BOOTSTRAP" --reset-offsets --group g-console --topic "$TOPIC" \
    --to-datetime "$datetime" --execute
row=$(group_row g-console)
if [[ $RC == 0 && $row == "g-console $TOPIC 0 $first_at_newest" ]]; then
    pass "kafka-consumer-groups --reset-offsets --to-datetime (the newest record's) --execute"
else
    fail "kafka-consumer-groups --reset-offsets --to-datetime (the newest record's) --execute" \
        "row is '$row', expected offset $first_at_newest for $datetime"
fi
tool kafka-consumer-groups --bootstrap-server "$BOOTSTRAP" --describe --group g-console --offsets
row=$(group_row g-console)
if [[ $RC == 0 && $row == "g-console $TOPIC 0 $first_at_newest 3 $((3 - first_at_newest)) - - -" ]]; then
    pass "kafka-consumer-groups --describe after --to-datetime (committed)"
else
    fail "kafka-consumer-groups --describe after --to-datetime (committed)" "row is '$row'"
fi

tool kafka-consumer-groups --bootstrap-server "$BOOTSTRAP" --delete-offsets --group g-console --topic "$TOPIC"
got=$({ grep -v '^$' <<<"$OUT" || true; } | awk '{ $1 = $1; print }')
if [[ $RC == 0 && $got == "Request succeeded for deleting offsets from group g-console."$'\n'"TOPIC PARTITION STATUS"$'\n'"$TOPIC 0 Successful" ]]; then
    pass "kafka-consumer-groups --delete-offsets"
else
    fail "kafka-consumer-groups --delete-offsets" "not 'Request succeeded' and '$TOPIC 0 Successful'"
fi
tool kafka-consumer-groups --bootstrap-server "$BOOTSTRAP" --describe --group g-console
row=$(group_row g-console)
if [[ $RC == 0 && -z $row && $ERR == *"Consumer group 'g-console' has no active members."* ]]; then
    pass "kafka-consumer-groups --describe after --delete-offsets (no offsets left)"
else
    fail "kafka-consumer-groups --describe after --delete-offsets (no offsets left)" "row is '$row'"
fi

tool kafka-consumer-groups --bootstrap-server "$BOOTSTRAP" --delete-offsets --group no-such-group --topic "$TOPIC"
row=$(awk -v t="$TOPIC" '$1 == t { $1 = $1; print }' <<<"$OUT")
if [[ $RC == 0 && $OUT == *"Error: The group id does not exist."* &&
    $row == "$TOPIC 0 Error: org.apache.kafka.common.errors.GroupIdNotFoundException: The group id does not exist." ]]; then
    pass "kafka-consumer-groups --delete-offsets of an unknown group (GroupIdNotFoundException)"
else
    fail "kafka-consumer-groups --delete-offsets of an unknown group (GroupIdNotFoundException)" "row is '$row'"
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

# A console consumer stays in group g-live (it waits 5 min for records that never
# come; on a loaded machine the tool runs below take over 90 s) while
# kafka-consumer-groups looks at the group; it is stopped after them.
timeout 330 "$KAFKA_SH" tool kafka-console-consumer --bootstrap-server "$BOOTSTRAP" --topic "$TOPIC" \
    --group g-live --timeout-ms 300000 --consumer-property client.id=live-client \
    >"$WORK/live.out" 2>"$WORK/live.err" &
live_pid=$!
row=
for ((i = 0; i < 30; i++)); do
    tool kafka-consumer-groups --bootstrap-server "$BOOTSTRAP" --describe --group g-live --members
    row=$(awk '$1 == "g-live" { $1 = $1; print }' <<<"$OUT")
    # (Until the rebalance ends the member is listed with 0 partitions.)
    [[ $row == *" 1" ]] && break
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
tool kafka-consumer-groups --bootstrap-server "$BOOTSTRAP" --delete-offsets --group g-live --topic "$TOPIC"
row=$(awk -v t="$TOPIC" '$1 == t { $1 = $1; print }' <<<"$OUT")
if [[ $row == "$TOPIC 0 Error: org.apache.kafka.common.errors.GroupSubscribedToTopicException: "* ]]; then
    pass "kafka-consumer-groups --delete-offsets of a live group's topic (GroupSubscribedToTopicException)"
else
    fail "kafka-consumer-groups --delete-offsets of a live group's topic (GroupSubscribedToTopicException)" "row is '$row'"
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

# --- kafka-topics --alter, with a config override ------------------------------------

ADMIN=admin-topic
tool kafka-topics --bootstrap-server "$BOOTSTRAP" --create --topic "$ADMIN" --partitions 1 --replication-factor 1 \
    --config retention.ms=3600000
check_out "kafka-topics --create --config retention.ms=3600000" "Created topic $ADMIN."
tool kafka-topics --bootstrap-server "$BOOTSTRAP" --describe --topic "$ADMIN"
configs=$(topic_configs "$ADMIN")
if [[ $RC == 0 && $configs == retention.ms=3600000 ]]; then
    pass "kafka-topics --describe (Configs: retention.ms=3600000)"
else
    fail "kafka-topics --describe (Configs: retention.ms=3600000)" "Configs: '$configs'"
fi

tool kafka-topics --bootstrap-server "$BOOTSTRAP" --alter --topic "$ADMIN" --partitions 3
check_out "kafka-topics --alter --partitions 3" ""
tool kafka-topics --bootstrap-server "$BOOTSTRAP" --describe --topic "$ADMIN"
rows=$(grep -c -E "^[[:space:]]+Topic: $ADMIN[[:space:]]+Partition: [012][[:space:]]+Leader: 1[[:space:]]+Replicas: 1[[:space:]]+Isr: 1" <<<"$OUT" || true)
if [[ $RC == 0 && $rows == 3 ]] && grep -q -E "^Topic: $ADMIN[[:space:]].*PartitionCount: 3[[:space:]]" <<<"$OUT"; then
    pass "kafka-topics --describe after --alter (3 partitions, led by 1)"
else
    fail "kafka-topics --describe after --alter (3 partitions, led by 1)" "$rows partition lines"
fi
tool kafka-topics --bootstrap-server "$BOOTSTRAP" --alter --topic "$ADMIN" --partitions 2
check_fails "kafka-topics --alter --partitions 2 (fewer: InvalidPartitionsException)" \
    "InvalidPartitionsException: The topic $ADMIN currently has 3 partition(s); 2 would not be an increase."
tool kafka-get-offsets --bootstrap-server "$BOOTSTRAP" --topic "$ADMIN"
check_out "kafka-get-offsets of the 3 partitions" "$(printf '%s:0:0\n%s:1:0\n%s:2:0' "$ADMIN" "$ADMIN" "$ADMIN")"

# --- kafka-configs: a topic --------------------------------------------------------

# The default a DYNAMIC_TOPIC_CONFIG overrides is the broker's value: its number
# is the broker's own (so not compared), its source and name are Kafka's.
tool kafka-configs --bootstrap-server "$BOOTSTRAP" --alter --entity-type topics --entity-name "$ADMIN" \
    --add-config retention.ms=7200000,max.message.bytes=2000000
check_out "kafka-configs --alter --add-config (topic)" "Completed updating config for topic $ADMIN."
tool kafka-configs --bootstrap-server "$BOOTSTRAP" --describe --entity-type topics --entity-name "$ADMIN"
got=$(grep -v '^$' <<<"$OUT" || true)
if [[ $RC == 0 ]] && [[ $got =~ ^"Dynamic configs for topic $ADMIN are:"$'\n'"  max.message.bytes=2000000 sensitive=false synonyms={DYNAMIC_TOPIC_CONFIG:max.message.bytes=2000000, "(DEFAULT_CONFIG|STATIC_BROKER_CONFIG)":message.max.bytes="[0-9]+"}"$'\n'"  retention.ms=7200000 sensitive=false synonyms={DYNAMIC_TOPIC_CONFIG:retention.ms=7200000}"$ ]]; then
    pass "kafka-configs --describe (topic: both overrides, with synonyms)"
else
    fail "kafka-configs --describe (topic: both overrides, with synonyms)" "not the two DYNAMIC_TOPIC_CONFIG lines"
fi

# The new limit applies at once: a 500-byte record is refused. (Only the class:
# Kafka sends no message, so the client prints its own; strand says what the limit was.)
head -c 500 /dev/zero | tr '\0' x >"$WORK/big"
echo >>"$WORK/big"
tool kafka-configs --bootstrap-server "$BOOTSTRAP" --alter --entity-type topics --entity-name "$ADMIN" \
    --add-config max.message.bytes=200
STDIN=$WORK/big tool kafka-console-producer --bootstrap-server "$BOOTSTRAP" --topic "$ADMIN"
if [[ $ERR == *"org.apache.kafka.common.errors.RecordTooLargeException: "* ]]; then
    pass "kafka-console-producer over the altered max.message.bytes (RecordTooLargeException)"
else
    fail "kafka-console-producer over the altered max.message.bytes (RecordTooLargeException)" "no RecordTooLargeException"
fi

tool kafka-configs --bootstrap-server "$BOOTSTRAP" --alter --entity-type topics --entity-name "$ADMIN" \
    --delete-config max.message.bytes
check_out "kafka-configs --alter --delete-config (topic)" "Completed updating config for topic $ADMIN."
tool kafka-configs --bootstrap-server "$BOOTSTRAP" --describe --entity-type topics --entity-name "$ADMIN"
check_out "kafka-configs --describe after --delete-config (topic)" \
    "$(printf 'Dynamic configs for topic %s are:\n  retention.ms=7200000 sensitive=false synonyms={DYNAMIC_TOPIC_CONFIG:retention.ms=7200000}' "$ADMIN")"

# Every topic config Kafka 4.4 lists with --all (names only: defaults are the
# broker's own), and the two that say where they come from.
KAFKA_TOPIC_CONFIGS="cleanup.policy compression.gzip.level compression.lz4.level compression.type compression.zstd.level
delete.retention.ms errors.deadletterqueue.group.enable file.delete.delay.ms flush.messages flush.ms
follower.replication.throttled.replicas index.interval.bytes leader.replication.throttled.replicas
local.retention.bytes local.retention.ms max.compaction.lag.ms max.decompressed.message.bytes max.message.bytes
message.timestamp.after.max.ms message.timestamp.before.max.ms message.timestamp.type min.cleanable.dirty.ratio
min.compaction.lag.ms min.insync.replicas preallocate remote.copy.lag.bytes remote.copy.lag.ms
remote.log.copy.disable remote.log.delete.on.disable remote.storage.enable retention.bytes retention.ms
segment.bytes segment.index.bytes segment.jitter.ms segment.ms unclean.leader.election.enable"
tool kafka-configs --bootstrap-server "$BOOTSTRAP" --describe --entity-type topics --entity-name "$ADMIN" --all
if [[ $RC == 0 && $(head -n 1 <<<"$OUT") == "All configs for topic $ADMIN are:" ]] &&
    grep -q -x "  retention.ms=7200000 sensitive=false synonyms={DYNAMIC_TOPIC_CONFIG:retention.ms=7200000}" <<<"$OUT" &&
    grep -q -E "^  cleanup.policy=delete sensitive=false synonyms=\{(DEFAULT_CONFIG|STATIC_BROKER_CONFIG):log.cleanup.policy=delete\}$" <<<"$OUT"; then
    pass "kafka-configs --describe --all (topic: the override and a default)"
else
    fail "kafka-configs --describe --all (topic: the override and a default)" "no retention.ms override or cleanup.policy default line"
fi
missing=$(comm -23 <(tr ' ' '\n' <<<"$KAFKA_TOPIC_CONFIGS" | sort) <(sed -n 's/^  \([^=]*\)=.*/\1/p' <<<"$OUT" | sort) | paste -sd' ' -)
if [[ $RC == 0 && -z $missing ]]; then
    pass "kafka-configs --describe --all (topic: all of Kafka's 37 names)"
else
    fail "kafka-configs --describe --all (topic: all of Kafka's 37 names)" "missing: $missing"
fi

tool kafka-configs --bootstrap-server "$BOOTSTRAP" --alter --entity-type topics --entity-name "$ADMIN" \
    --add-config no.such.config=1
check_fails "kafka-configs --alter of an unknown config (InvalidConfigurationException)" \
    "InvalidConfigurationException: Unknown topic config name: no.such.config"
tool kafka-configs --bootstrap-server "$BOOTSTRAP" --alter --entity-type topics --entity-name "$ADMIN" \
    --add-config retention.ms=abc
check_fails "kafka-configs --alter with a bad value (InvalidConfigurationException)" \
    "InvalidConfigurationException: Invalid value abc for configuration retention.ms: Not a number of type LONG"
tool kafka-configs --bootstrap-server "$BOOTSTRAP" --describe --entity-type topics --entity-name no-such-topic
check_out "kafka-configs --describe of an unknown topic" "The topic 'no-such-topic' doesn't exist and doesn't have dynamic config."

# --- kafka-configs: the broker -------------------------------------------------------

if [[ $against == strand ]]; then DATA_DIR=$STRAND_DIR/data; else DATA_DIR=/tmp/strand-kafka-$KAFKA_NAME/data; fi
tool kafka-configs --bootstrap-server "$BOOTSTRAP" --describe --entity-type brokers --entity-name 1
check_out "kafka-configs --describe (broker 1: no dynamic configs)" "Dynamic configs for broker 1 are:"
tool kafka-configs --bootstrap-server "$BOOTSTRAP" --describe --entity-type brokers --entity-default
# (Kafka's min.insync.replicas=1 cluster default: see topic_configs.)
OUT=$(grep -v '^  min.insync.replicas=1 ' <<<"$OUT" || true)
check_out "kafka-configs --describe --entity-default (brokers)" "Default configs for brokers in the cluster are:"
tool kafka-configs --bootstrap-server "$BOOTSTRAP" --describe --entity-type brokers --entity-name 1 --all
leaked=$(grep -E ' sensitive=true ' <<<"$OUT" | grep -v -E '^  [^=]+=null sensitive=true synonyms=\{\}$' || true)
if [[ $RC == 0 && $(head -n 1 <<<"$OUT") == "All configs for broker 1 are:" ]] &&
    grep -q -E "^  log.dirs=$DATA_DIR sensitive=false synonyms=\{STATIC_BROKER_CONFIG:log.dirs=$DATA_DIR[,}]" <<<"$OUT" &&
    grep -q -E "^  node.id=1 sensitive=false " <<<"$OUT" &&
    grep -q -E "^  message.max.bytes=[0-9]+ sensitive=false synonyms=\{(DEFAULT_CONFIG|STATIC_BROKER_CONFIG):message.max.bytes=" <<<"$OUT" &&
    [[ -z $leaked ]]; then
    pass "kafka-configs --describe --all (broker 1: log.dirs, node.id, message.max.bytes; no sensitive value)"
else
    fail "kafka-configs --describe --all (broker 1: log.dirs, node.id, message.max.bytes; no sensitive value)" \
        "a line missing, or a sensitive value shown: $leaked"
fi
tool kafka-configs --bootstrap-server "$BOOTSTRAP" --alter --entity-type brokers --entity-name 1 \
    --add-config auto.create.topics.enable=true
check_fails "kafka-configs --alter of a read-only broker config (InvalidRequestException)" \
    "InvalidRequestException: Cannot update these configs dynamically: [auto.create.topics.enable]"
tool kafka-configs --bootstrap-server "$BOOTSTRAP" --alter --entity-type brokers --entity-default \
    --add-config num.partitions=2
check_fails "kafka-configs --alter --entity-default of a read-only config (InvalidRequestException)" \
    "InvalidRequestException: Cannot update these configs dynamically: [num.partitions]"

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
# Two mechanisms for one user in one request: Kafka refuses the whole request.
tool kafka-configs --bootstrap-server "$BOOTSTRAP" --alter --entity-type users --entity-name bob \
    --add-config 'SCRAM-SHA-256=[password=bob-secret],SCRAM-SHA-512=[password=bob-secret]'
check_fails "kafka-configs --add-config of two mechanisms at once (DuplicateResourceException)" \
    "DuplicateResourceException: A user credential cannot be altered twice in the same request"

# --- kafka-log-dirs ------------------------------------------------------------------

# The JSON line, as "broker logDir error" then "partition size>0 offsetLag isFuture"
# per partition, sorted; internal topics (Kafka's __consumer_offsets) left out.
log_dirs() {
    python3 -c '
import json, sys
for line in sys.stdin:
    if not line.startswith("{"):
        continue
    for b in json.loads(line)["brokers"]:
        for d in b["logDirs"]:
            print(b["broker"], d["logDir"], d["error"])
            for p in sorted(d["partitions"], key=lambda p: p["partition"]):
                if not p["partition"].startswith("__"):
                    print(" ", p["partition"], "size>0" if p["size"] > 0 else "size=%d" % p["size"], p["offsetLag"], p["isFuture"])
' <<<"$OUT"
}
tool kafka-log-dirs --bootstrap-server "$BOOTSTRAP" --describe
expected="1 $DATA_DIR None
  $ADMIN-0 size=0 0 False
  $ADMIN-1 size=0 0 False
  $ADMIN-2 size=0 0 False
  another-topic-0 size=0 0 False
  $TOPIC-0 size>0 0 False"
got=$(log_dirs 2>&1 || true)
if [[ $RC == 0 && $got == "$expected" ]]; then
    pass "kafka-log-dirs --describe (the data dir, every partition, sizes)"
else
    fail "kafka-log-dirs --describe (the data dir, every partition, sizes)" "parsed: $(tr '\n' '|' <<<"$got")"
fi
tool kafka-log-dirs --bootstrap-server "$BOOTSTRAP" --describe --broker-list 1 --topic-list "$TOPIC"
got=$(log_dirs 2>&1 || true)
if [[ $RC == 0 && $got == "1 $DATA_DIR None"$'\n'"  $TOPIC-0 size>0 0 False" ]]; then
    pass "kafka-log-dirs --describe --topic-list (one topic)"
else
    fail "kafka-log-dirs --describe --topic-list (one topic)" "parsed: $(tr '\n' '|' <<<"$got")"
fi

# --- kafka-delete-records: beyond and up to the high watermark ------------------------------

echo "{\"partitions\":[{\"topic\":\"$TOPIC\",\"partition\":0,\"offset\":30000}],\"version\":1}" >"$WORK/delete.json"
tool kafka-delete-records --bootstrap-server "$BOOTSTRAP" --offset-json-file "$WORK/delete.json"
check_out "kafka-delete-records beyond the high watermark (OffsetOutOfRangeException)" \
    "$(printf 'Executing records delete operation\nRecords delete operation completed:\npartition: %s-0\terror: org.apache.kafka.common.errors.OffsetOutOfRangeException: The requested offset is not within the range of offsets maintained by the server.' "$TOPIC")"
echo "{\"partitions\":[{\"topic\":\"$TOPIC\",\"partition\":0,\"offset\":-1}],\"version\":1}" >"$WORK/delete.json"
tool kafka-delete-records --bootstrap-server "$BOOTSTRAP" --offset-json-file "$WORK/delete.json"
check_out "kafka-delete-records offset -1 (the high watermark)" \
    "$(printf 'Executing records delete operation\nRecords delete operation completed:\npartition: %s-0\tlow_watermark: 20003' "$TOPIC")"
tool kafka-get-offsets --bootstrap-server "$BOOTSTRAP" --topic "$TOPIC" --time -2
check_out "kafka-get-offsets --time -2 after deleting all records" "$TOPIC:0:20003"

# --- kafka-leader-election -------------------------------------------------------------

# One replica per partition, already the leader: nothing to elect. With
# --all-topic-partitions Kafka leaves such partitions out and prints nothing.
tool kafka-leader-election --bootstrap-server "$BOOTSTRAP" --election-type preferred --all-topic-partitions
check_out "kafka-leader-election --election-type preferred --all-topic-partitions" ""
tool kafka-leader-election --bootstrap-server "$BOOTSTRAP" --election-type preferred --topic "$TOPIC" --partition 0
check_out "kafka-leader-election --election-type preferred (one partition: already elected)" \
    "Valid replica already elected for partitions $TOPIC-0"
tool kafka-leader-election --bootstrap-server "$BOOTSTRAP" --election-type unclean --topic "$TOPIC" --partition 0
check_out "kafka-leader-election --election-type unclean (one partition: already elected)" \
    "Valid replica already elected for partitions $TOPIC-0"
tool kafka-leader-election --bootstrap-server "$BOOTSTRAP" --election-type preferred --topic no-such-topic --partition 0
check_fails "kafka-leader-election of an unknown topic (UnknownTopicOrPartitionException)" \
    "Error completing leader election (PREFERRED) for partition: no-such-topic-0: org.apache.kafka.common.errors.UnknownTopicOrPartitionException"

# --- kafka-acls ---------------------------------------------------------------------

# No authorizer on either broker: Kafka refuses every ACL call.
tool kafka-acls --bootstrap-server "$BOOTSTRAP" --list
check_fails "kafka-acls --list (SecurityDisabledException)" \
    "SecurityDisabledException: No Authorizer is configured on the broker"
tool kafka-acls --bootstrap-server "$BOOTSTRAP" --add --allow-principal User:alice --operation Read --topic "$TOPIC"
check_fails "kafka-acls --add (SecurityDisabledException)" \
    "SecurityDisabledException: No Authorizer is configured on the broker"

# --- kafka-configs: client quotas ----------------------------------------------------
# AlterClientQuotas and DescribeClientQuotas. Kafka's broker answers a describe from
# its copy of the metadata log, which follows an alteration a moment later: each
# describe after an alteration waits a second. Lists are in a hash map's order on
# Kafka, so they are checked line by line. (That quotas survive a restart is checked
# against strand only, here and in tests/quotas_admin.rs: kafka.sh cannot restart a
# broker with its data.)

quotas_tool() { tool kafka-configs --bootstrap-server "$BOOTSTRAP" "$@"; }
quotas_tool --alter --entity-type clients --entity-name tools-app \
    --add-config producer_byte_rate=1048576,consumer_byte_rate=2097152
check_out "kafka-configs --alter --add-config (client quotas)" "Completed updating config for client tools-app."
quotas_tool --alter --entity-type users --entity-name tools-carol --entity-type clients --entity-name tools-app \
    --add-config request_percentage=50.5
check_out "kafka-configs --alter --add-config (user and client quota)" "Completed updating config for user tools-carol."
quotas_tool --alter --entity-type users --entity-default --add-config producer_byte_rate=1000
check_out "kafka-configs --alter --entity-default (users quota)" "Completed updating default config for users in the cluster."
quotas_tool --alter --entity-type clients --entity-default --add-config consumer_byte_rate=500
check_out "kafka-configs --alter --entity-default (clients quota)" \
    "Completed updating default config for clients in the cluster."
quotas_tool --alter --entity-type users --entity-default --entity-type clients --entity-default \
    --add-config controller_mutation_rate=2.5
check_out "kafka-configs --alter --entity-default (users and clients quota)" \
    "Completed updating default config for users in the cluster."
quotas_tool --alter --entity-type ips --entity-name 127.0.0.1 --add-config connection_creation_rate=10
check_out "kafka-configs --alter --add-config (ip quota)" "Completed updating config for ip 127.0.0.1."
sleep 1
quotas_tool --describe --entity-type clients --entity-name tools-app
check_out "kafka-configs --describe (client quotas)" \
    "Quota configs for client-id 'tools-app' are consumer_byte_rate=2097152.0, producer_byte_rate=1048576.0"
quotas_tool --describe --entity-type users --entity-name tools-carol --entity-type clients --entity-name tools-app
check_out "kafka-configs --describe (user and client quota)" \
    "Quota configs for user-principal 'tools-carol', client-id 'tools-app' are request_percentage=50.5"
quotas_tool --describe --entity-type users --entity-default
check_out "kafka-configs --describe --entity-default (users quota)" \
    "Quota configs for the default user-principal are producer_byte_rate=1000.0"
quotas_tool --describe --entity-type clients
check_match "kafka-configs --describe (all clients: the default)" \
    "^Quota configs for the default client-id are consumer_byte_rate=500.0$"
check_match "kafka-configs --describe (all clients: tools-app)" "^Quota configs for client-id 'tools-app' are "
quotas_tool --describe --entity-type users --entity-type clients
check_match "kafka-configs --describe (users and clients: both defaults)" \
    "^Quota configs for the default user-principal, the default client-id are controller_mutation_rate=2.5$"
quotas_tool --describe --entity-type ips --entity-name 127.0.0.1
check_out "kafka-configs --describe (ip quota)" "Quota configs for ip '127.0.0.1' are connection_creation_rate=10.0"
quotas_tool --describe --entity-type clients --entity-name tools-nobody
check_out "kafka-configs --describe (client without quotas)" ""
quotas_tool --alter --entity-type clients --entity-name tools-app --add-config producer_byte_rate=0
check_fails "kafka-configs --add-config of a quota of 0 (InvalidRequestException)" \
    "InvalidRequestException: Quota producer_byte_rate must be greater than 0"
quotas_tool --alter --entity-type clients --entity-name tools-app --add-config producer_byte_rate=1.5
check_fails "kafka-configs --add-config of a fractional byte rate (InvalidRequestException)" \
    "InvalidRequestException: producer_byte_rate cannot be a fractional value."
quotas_tool --alter --entity-type ips --entity-name 127.0.0.1 --add-config connection_creation_rate=2.5
check_fails "kafka-configs --add-config of a fractional connection rate (InvalidRequestException)" \
    "InvalidRequestException: connection_creation_rate cannot be a fractional value."
quotas_tool --alter --entity-type clients --entity-name tools-app --delete-config producer_byte_rate
check_out "kafka-configs --alter --delete-config (client quota)" "Completed updating config for client tools-app."
sleep 1
quotas_tool --describe --entity-type clients --entity-name tools-app
check_out "kafka-configs --describe after --delete-config (client quota)" \
    "Quota configs for client-id 'tools-app' are consumer_byte_rate=2097152.0"
if [[ $against == strand ]]; then
    # strand only: kafka.sh cannot restart Kafka with its data (Kafka keeps
    # quotas in its metadata log, which survives a restart by construction).
    compat_strand_restart
    BOOTSTRAP=$STRAND_BOOTSTRAP
    quotas_tool --describe --entity-type users --entity-name tools-carol --entity-type clients --entity-name tools-app
    check_out "kafka-configs --describe after a restart (user and client quota, strand)" \
        "Quota configs for user-principal 'tools-carol', client-id 'tools-app' are request_percentage=50.5"
    quotas_tool --describe --entity-type clients --entity-name tools-app
    check_out "kafka-configs --describe after a restart (client quota, strand)" \
        "Quota configs for client-id 'tools-app' are consumer_byte_rate=2097152.0"
fi

# --- done -------------------------------------------------------------------------

mkdir -p "$COMPAT_DIR/results"
{
    echo "# compat/kafka-tools.sh --against $against, $(date -u +%Y-%m-%dT%H:%MZ), Kafka tools ${KAFKA_VERSION:-4.4.0}"
    printf '%s\n' "${results[@]}"
    echo "$passed passed, $failed failed"
} >"$COMPAT_DIR/results/kafka-tools-$against.txt"
echo "$passed passed, $failed failed"
[[ $failed == 0 ]]
