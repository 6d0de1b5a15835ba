#!/usr/bin/env bash
# Interop tests: runs the real strand binary and talks to it with real Kafka
# clients (kcat/librdkafka, confluent-kafka, kafka-python, kafkajs); security.sh
# adds kcat over SSL, SASL_PLAINTEXT and SASL_SSL, on brokers of its own.
#
#   bash tests/interop/run.sh
#
# Installs what it needs on a Debian machine (kcat via apt-get, a Python venv
# with pinned clients via pip, kafkajs via npm), reusing what is already there.
# Environment:
#   STRAND_BIN    broker binary (default target/release/strand; not built here)
#   STRAND_VENV   venv for the Python clients (default target/interop-venv)
#   STRAND_NODE_DIR  npm prefix for kafkajs (default target/interop-node)
#   INTEROP_ONLY  run only the checks whose name matches this extended regex
#   INTEROP_BOOTSTRAP  run the checks against this broker instead of a strand
#                 started here (e.g. the reference Kafka: compat/kafka.sh start
#                 prints its BOOTSTRAP); the checks that need strand itself
#                 (its binary, its process, its TLS listeners) are skipped
#   INTEROP_AUTO_CREATE_BOOTSTRAP, INTEROP_AUTO_CREATE_PARTITIONS  with
#                 INTEROP_BOOTSTRAP: a broker that auto-creates topics with that
#                 many partitions (default 3) for the auto-creation checks
#                 (KAFKA_AUTO_CREATE=true KAFKA_EXTRA_PROPS=num.partitions=3
#                 compat/kafka.sh start auto); without it they are skipped.
#                 Against strand they run on a second strand started with
#                 --auto-create-topics true --num-partitions 3.
# To check the topic checks against Kafka, for instance:
#   INTEROP_ONLY=^topics: INTEROP_BOOTSTRAP=127.0.0.1:PORT \
#     INTEROP_AUTO_CREATE_BOOTSTRAP=127.0.0.1:PORT2 bash tests/interop/run.sh
# and the admin-client checks: INTEROP_ONLY=^admin: INTEROP_BOOTSTRAP=127.0.0.1:PORT ...
# Prints PASS/FAIL per check and ends with "N passed, M failed"; exits non-zero
# when any check failed.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
# Paths given in the environment are relative to the caller's directory; the
# defaults are relative to the repo root.
abspath() { if [[ $1 == /* ]]; then echo "$1"; else echo "$PWD/$1"; fi; }
STRAND_BIN="$(abspath "${STRAND_BIN:-$ROOT/target/release/strand}")"
STRAND_VENV="$(abspath "${STRAND_VENV:-$ROOT/target/interop-venv}")"
STRAND_NODE_DIR="$(abspath "${STRAND_NODE_DIR:-$ROOT/target/interop-node}")"
cd "$ROOT"
HERE="tests/interop"
TOPIC="interop"
# Client versions this suite was verified with.
CONFLUENT_KAFKA_VERSION="2.16.1"
KAFKA_PYTHON_VERSION="3.0.12"
KAFKAJS_VERSION="2.2.4"

log() { echo "interop: $*" >&2; }

# --- install -----------------------------------------------------------------

APT_UPDATED=0
apt_install() {
    if [[ $APT_UPDATED == 0 ]]; then
        apt-get update
        APT_UPDATED=1
    fi
    DEBIAN_FRONTEND=noninteractive apt-get install -y "$@"
}

if ! command -v kcat >/dev/null 2>&1; then
    log "installing kcat"
    apt_install kcat
fi

venv_ok() {
    [[ -x "$STRAND_VENV/bin/python" ]] && "$STRAND_VENV/bin/python" - "$CONFLUENT_KAFKA_VERSION" "$KAFKA_PYTHON_VERSION" <<'EOF' >/dev/null 2>&1
import sys
import confluent_kafka, kafka
sys.exit(0 if (confluent_kafka.__version__, kafka.__version__) == (sys.argv[1], sys.argv[2]) else 1)
EOF
}

if ! venv_ok; then
    log "creating venv $STRAND_VENV"
    # Debian's own python3 needs python3-venv for ensurepip.
    if ! python3 -c 'import ensurepip, venv' >/dev/null 2>&1; then
        apt_install python3-venv
    fi
    venv_args=()
    # A venv whose interpreter no longer runs (its base python moved) is rebuilt.
    "$STRAND_VENV/bin/python" -c '' >/dev/null 2>&1 || venv_args=(--clear)
    python3 -m venv "${venv_args[@]}" "$STRAND_VENV"
    "$STRAND_VENV/bin/pip" install --disable-pip-version-check -q \
        "confluent-kafka==$CONFLUENT_KAFKA_VERSION" "kafka-python==$KAFKA_PYTHON_VERSION"
    venv_ok || { log "venv $STRAND_VENV does not import the pinned clients"; exit 1; }
fi
PY="$STRAND_VENV/bin/python"

# kafkajs (pure JavaScript) with npm into its own prefix, found via NODE_PATH.
if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
    log "installing nodejs and npm"
    apt_install nodejs npm
fi
node_ok() {
    [[ "$(NODE_PATH="$STRAND_NODE_DIR/node_modules" node -p 'require("kafkajs/package.json").version' 2>/dev/null)" == "$KAFKAJS_VERSION" ]]
}
if ! node_ok; then
    log "installing kafkajs $KAFKAJS_VERSION into $STRAND_NODE_DIR"
    mkdir -p "$STRAND_NODE_DIR"
    timeout 300 npm install --prefix "$STRAND_NODE_DIR" --no-save --no-package-lock --no-audit --no-fund \
        --loglevel=error "kafkajs@$KAFKAJS_VERSION" >&2
    node_ok || { log "$STRAND_NODE_DIR does not hold kafkajs $KAFKAJS_VERSION"; exit 1; }
fi

log "kcat: $(kcat -V 2>&1 | grep -m1 '^Version' || true)"
log "kafkajs $KAFKAJS_VERSION on node $(node --version)"
log "python clients: $("$PY" -c 'import confluent_kafka, kafka; print("confluent-kafka", confluent_kafka.__version__, "librdkafka", confluent_kafka.libversion()[0], "kafka-python", kafka.__version__)')"

# --- broker --------------------------------------------------------------------

EXTERNAL="${INTEROP_BOOTSTRAP:-}"
AUTO_PARTITIONS="${INTEROP_AUTO_CREATE_PARTITIONS:-3}"
if [[ -z "$EXTERNAL" && ! -x "$STRAND_BIN" ]]; then
    log "no broker binary at $STRAND_BIN (build it, or set STRAND_BIN)"
    echo "FAIL broker binary exists"
    echo "0 passed, 1 failed"
    exit 1
fi

WORK="$(mktemp -d "${TMPDIR:-/tmp}/strand-interop.XXXXXX")"
BROKER_LOG="$WORK/broker.log"
BROKER_PID=""
PASSED=0
FAILED=0

stop_broker() {
    # SIGTERM, then wait for a graceful exit (SIGKILL after 10 s). Sets BROKER_RC.
    BROKER_RC=""
    [[ -n "$BROKER_PID" ]] || return 0
    kill -TERM "$BROKER_PID" 2>/dev/null || true
    local i
    for ((i = 0; i < 100; i++)); do
        kill -0 "$BROKER_PID" 2>/dev/null || break
        sleep 0.1
    done
    if kill -0 "$BROKER_PID" 2>/dev/null; then
        log "broker ignored SIGTERM for 10 s, killing it"
        kill -KILL "$BROKER_PID" 2>/dev/null || true
    fi
    BROKER_RC=0
    wait "$BROKER_PID" 2>/dev/null || BROKER_RC=$?
    BROKER_PID=""
}

cleanup() {
    stop_broker
    if [[ $FAILED == 0 ]]; then
        rm -rf "$WORK"
    else
        log "kept $WORK (broker.log, data/) for inspection"
    fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# wait_listening LOG PID: the address PID's log reports it listens on (10 s at most).
wait_listening() {
    local log="$1" pid="$2" addr="" i
    for ((i = 0; i < 100; i++)); do
        addr="$(sed -e 's/\x1b\[[0-9;]*m//g' "$log" | grep -m1 'listening' |
            sed -n 's/.*[[:space:]]addr=\(127\.0\.0\.1:[0-9][0-9]*\).*/\1/p' || true)"
        [[ -n "$addr" ]] && break
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.1
    done
    echo "$addr"
}

# The second broker, for the auto-creation checks (started when they run).
AUTO_LOG="$WORK/auto-broker.log"
AUTO_PID=""
AUTO_ADDR="${INTEROP_AUTO_CREATE_BOOTSTRAP:-}"
stop_auto_broker() {
    [[ -n "$AUTO_PID" ]] || return 0
    kill -TERM "$AUTO_PID" 2>/dev/null || true
    wait "$AUTO_PID" 2>/dev/null || true
    AUTO_PID=""
}
trap 'stop_auto_broker; cleanup' EXIT

if [[ -n "$EXTERNAL" ]]; then
    ADDR="$EXTERNAL"
    log "checks against the broker at $ADDR (INTEROP_BOOTSTRAP); strand-only checks skipped"
else
    "$STRAND_BIN" --listen 127.0.0.1:0 --metrics-listen 127.0.0.1:0 --http-listen 127.0.0.1:0 \
        --data-dir "$WORK/data" --topic "$TOPIC" 2>"$BROKER_LOG" &
    BROKER_PID=$!
    ADDR="$(wait_listening "$BROKER_LOG" "$BROKER_PID")"
    if [[ -z "$ADDR" ]]; then
        log "broker did not report a listening address within 10 s; its log:"
        cat "$BROKER_LOG" >&2
        echo "FAIL broker starts and reports its address"
        FAILED=1
        echo "0 passed, 1 failed"
        exit 1
    fi
    log "broker pid $BROKER_PID listening on $ADDR (data in $WORK/data)"
fi

# --- checks ----------------------------------------------------------------------

# strand_check NAME CMD...: a check of strand itself (its binary, process or
# listeners), skipped against an INTEROP_BOOTSTRAP broker.
strand_check() {
    [[ -z "$EXTERNAL" ]] || return 0
    check "$@"
}

# check NAME CMD...: runs CMD, PASS if it exits 0; on failure prints its output.
check() {
    local name="$1"
    shift
    local out rc=0
    if [[ -n "${INTEROP_ONLY:-}" ]] && ! [[ $name =~ $INTEROP_ONLY ]]; then
        return 0
    fi
    # Not in a subshell: broker_shutdown must reap the broker from this shell.
    "$@" >"$WORK/check.out" 2>&1 </dev/null || rc=$?
    out="$(cat "$WORK/check.out")"
    if [[ $rc == 0 ]]; then
        PASSED=$((PASSED + 1))
        echo "PASS $name"
        [[ -n "${INTEROP_VERBOSE:-}" && -n "$out" ]] && sed 's/^/    /' <<<"$out"
    else
        FAILED=$((FAILED + 1))
        echo "FAIL $name (exit $rc)"
        [[ -n "$out" ]] && sed 's/^/    /' <<<"$out" | tail -n 60
    fi
    return 0
}

KCAT=(kcat -b "$ADDR" -X socket.timeout.ms=10000)

kcat_roundtrip() {
    local i in="$WORK/kcat_in.txt" out="$WORK/kcat_out.txt"
    for ((i = 0; i < 1000; i++)); do
        printf 'key-%04d:value %d %s\n' "$i" "$i" "$(printf '%*s' $((i % 50)) '' | tr ' ' x)"
    done >"$in"
    timeout 60 "${KCAT[@]}" -P -t "$TOPIC" -p 0 -K: -X message.timeout.ms=20000 <"$in" ||
        { echo "kcat -P exited $?"; return 1; }
    timeout 60 "${KCAT[@]}" -C -t "$TOPIC" -o beginning -c 1000 -e -f '%k:%s\n' >"$out" ||
        { echo "kcat -C exited $?"; return 1; }
    if ! cmp -s "$in" "$out"; then
        echo "consumed $(wc -l <"$out") lines, produced 1000; first differences:"
        diff "$in" "$out" | head -n 20
        return 1
    fi
    echo "1000 keyed messages round-tripped"
}

# Debian's kcat (librdkafka 2.0.2) compresses with gzip, snappy and lz4 only when
# the broker lists Produce from v0 (librdkafka before 2.11.1; Kafka 4 lists it so,
# KAFKA-18659): otherwise it sends those batches uncompressed, without a word.
kcat_compression() {
    local codec codecs=(gzip snappy lz4 zstd) got
    for codec in "${codecs[@]}"; do
        python3 -c "print('$codec ' * 500)" |
            timeout 60 "${KCAT[@]}" -P -t "$TOPIC" -p 0 -z "$codec" -X message.timeout.ms=20000 ||
            { echo "kcat -P -z $codec exited $?"; return 1; }
    done
    got="$("$STRAND_BIN" inspect --batches "$WORK/data" | grep -o 'codec [a-z0-9]*' | tail -n 4 | cut -d' ' -f2 | xargs)"
    if [[ $got != "${codecs[*]}" ]]; then
        echo "the last four batches on disk have codecs '$got', expected '${codecs[*]}'"
        return 1
    fi
    echo "batches on disk: $got"
}

kcat_metadata() {
    local json
    json="$(timeout 30 "${KCAT[@]}" -L -J)" || { echo "kcat -L exited $?"; return 1; }
    python3 - "$TOPIC" "$ADDR" "$json" <<'EOF'
import json, sys
topic, addr, md = sys.argv[1], sys.argv[2], json.loads(sys.argv[3])
brokers = md.get("brokers", [])
topics = {t["topic"]: t for t in md.get("topics", [])}
problems = []
if [f'{b["name"]}' for b in brokers] != [addr]:
    problems.append(f"brokers {brokers}, expected exactly one at {addr}")
t = topics.get(topic)
if t is None:
    problems.append(f"topic {topic!r} missing; topics: {list(topics)}")
else:
    if "error" in t:
        problems.append(f"topic error: {t['error']}")
    parts = t.get("partitions", [])
    if len(parts) != 1 or parts[0].get("partition") != 0:
        problems.append(f"partitions {parts}, expected exactly partition 0")
    elif not brokers or parts[0].get("leader") != brokers[0]["id"]:
        problems.append(f"partition 0 leader {parts[0].get('leader')}, brokers {brokers}")
if problems:
    print("kcat -L -J:", json.dumps(md))
    print("\n".join(problems))
    sys.exit(1)
print(f"topic {topic} with 1 partition, leader broker {brokers[0]['id']} at {addr}")
EOF
}

kcat_headers() {
    local got want='hkey|k=v,k2=v2|hvalue'
    printf 'hkey:hvalue\n' |
        timeout 60 "${KCAT[@]}" -P -t "$TOPIC" -p 0 -K: -H k=v -H k2=v2 -X message.timeout.ms=20000 ||
        { echo "kcat -P exited $?"; return 1; }
    # -o -1: the last message in the partition, i.e. the one just produced.
    got="$(timeout 60 "${KCAT[@]}" -C -t "$TOPIC" -o -1 -c 1 -e -f '%k|%h|%s\n')" ||
        { echo "kcat -C exited $?"; return 1; }
    if [[ "$got" != "$want" ]]; then
        echo "consumed '$got', expected '$want'"
        return 1
    fi
    echo "headers round-tripped: $got"
}

kcat_unknown_topic() {
    local out rc=0 start=$SECONDS
    out="$(printf 'k:v\n' | timeout 40 "${KCAT[@]}" -P -t "no-such-topic-$RANDOM" -K: \
        -X message.timeout.ms=5000 -X topic.metadata.propagation.max.ms=1000 2>&1)" || rc=$?
    echo "$out"
    if [[ $rc == 124 ]]; then
        echo "kcat hung (killed after 40 s)"
        return 1
    fi
    if [[ $rc == 0 ]]; then
        echo "kcat -P to an unknown topic exited 0 after $((SECONDS - start)) s: expected a delivery failure"
        return 1
    fi
    if ! grep -qi 'unknown topic' <<<"$out"; then
        echo "kcat -P exited $rc without an unknown topic error"
        return 1
    fi
    echo "kcat -P to an unknown topic failed (exit $rc) after $((SECONDS - start)) s: ok"
}

# kcat_group_consume OUT GROUP ARGS...: a balanced (-G) kcat consumer of $TOPIC
# in GROUP with auto commit every 100 ms, printing "offset key" lines to OUT
# (its stderr, with the rebalance notices, to OUT.err).
kcat_group_consume() {
    local out="$1" group="$2"
    shift 2
    timeout 40 "${KCAT[@]}" -G "$group" -X enable.auto.commit=true -X auto.commit.interval.ms=100 \
        -f '%o %k\n' "$@" "$TOPIC" >"$out" 2>"$out.err" ||
        { echo "kcat -G $group $* exited $?; its stderr:"; cat "$out.err"; return 1; }
    if ! grep -q "assigned: $TOPIC \[0\]" "$out.err"; then
        echo "kcat -G $group: no 'assigned: $TOPIC [0]' rebalance notice; its stderr:"
        cat "$out.err"
        return 1
    fi
}

# kcat_group_committed GROUP WANT: GROUP's committed offset (read with
# confluent-kafka) is WANT.
kcat_group_committed() {
    local got
    got="$(timeout 30 "$PY" "$HERE/group_util.py" committed "$ADDR" "$1")" || return 1
    if [[ "$got" != "$2" ]]; then
        echo "group $1: committed offset $got, expected $2"
        return 1
    fi
}

# kcat_group_expect OUT FROM TO PREFIX PREFIX_FROM: OUT holds exactly offsets
# FROM..TO, and those from PREFIX_FROM on are keyed PREFIX-0, PREFIX-1, ...
kcat_group_expect() {
    python3 - "$@" <<'EOF'
import sys
path, lo, hi, prefix, pfirst = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4], int(sys.argv[5])
lines = [l.split(" ", 1) for l in open(path).read().splitlines()]
offsets = [int(o) for o, _ in lines]
if offsets != list(range(lo, hi + 1)):
    print(f"kcat consumed {len(lines)} messages at offsets {offsets[:3]}...{offsets[-3:]}, "
          f"expected exactly {lo}..{hi}")
    sys.exit(1)
keys = {int(o): k for o, k in lines}
bad = [(o, keys[o]) for o in range(pfirst, hi + 1) if keys[o] != f"{prefix}-{o - pfirst}"]
if bad:
    print(f"kcat consumed wrong keys (offset, key): {bad[:5]}")
    sys.exit(1)
EOF
}

kcat_group() {
    local group="kcat-group-$$-$RANDOM" prefix="kcg-$$-$RANDOM" out="$WORK/kcat_group.txt"
    local range first last start
    range="$(timeout 60 "$PY" "$HERE/group_util.py" produce "$ADDR" 20 "$prefix-a")" || return 1
    read -r first last start <<<"$range"
    # A fresh group with auto.offset.reset=earliest starts at the log start; -e
    # exits at the end of the partition, committing on close.
    kcat_group_consume "$out" "$group" -X auto.offset.reset=earliest -e || return 1
    kcat_group_expect "$out" "$start" "$last" "$prefix-a" "$first" || return 1
    echo "kcat -G $group (earliest, -e): assigned $TOPIC [0], consumed $(wc -l <"$out") messages, $start..$last"
    kcat_group_committed "$group" $((last + 1)) || return 1
    echo "committed offset $((last + 1)) read back with confluent-kafka"

    # The same group again: it starts at the committed offset (not at the
    # latest, its reset policy now); -c 4 stops after 4 messages, and exactly
    # those are committed.
    range="$(timeout 60 "$PY" "$HERE/group_util.py" produce "$ADDR" 10 "$prefix-b")" || return 1
    read -r first last start <<<"$range"
    kcat_group_consume "$out" "$group" -X auto.offset.reset=latest -c 4 || return 1
    kcat_group_expect "$out" "$first" $((first + 3)) "$prefix-b" "$first" || return 1
    echo "kcat -G $group again (-c 4): resumed at the committed $first, consumed $first..$((first + 3))"
    kcat_group_committed "$group" $((first + 4)) || return 1
    echo "committed offset $((first + 4)) read back with confluent-kafka"
}

broker_alive() {
    kill -0 "$BROKER_PID" 2>/dev/null || { echo "broker process $BROKER_PID is gone; log tail:"; tail -n 30 "$BROKER_LOG"; return 1; }
}

kafka_python() {
    # Default: let kafka-python probe the broker's versions. If that fails,
    # report it and run the same checks again with a pinned version.
    check "kafka-python round trip (api_version auto-detect)" \
        timeout 180 "$PY" "$HERE/kafka_python_roundtrip.py" "$ADDR" auto
    if [[ $LAST_FAILED_BEFORE != "$FAILED" ]]; then
        check "kafka-python round trip (api_version=(2,8) fallback)" \
            timeout 180 "$PY" "$HERE/kafka_python_roundtrip.py" "$ADDR" 2.8
    fi
}

check "kcat: produce/consume 1000 keyed messages" kcat_roundtrip
check "kcat: -L lists topic $TOPIC with 1 partition" kcat_metadata
check "kcat: header round trip" kcat_headers
check "confluent-kafka: 500 messages with keys/headers/timestamps, offsets_for_times, watermarks" \
    timeout 180 "$PY" "$HERE/confluent_roundtrip.py" "$ADDR"
LAST_FAILED_BEFORE=$FAILED
kafka_python
check "kafka-python: consumer group commit/resume, describe/list groups, list offsets" \
    timeout 90 "$PY" -u "$HERE/kafka_python_group.py" "$ADDR"
check "kcat: balanced consumer (-G) consumes, auto-commits, resumes at the committed offset" kcat_group
check "confluent-kafka: consumer group commit/resume, list offsets, delete groups" \
    timeout 90 "$PY" -u "$HERE/confluent_group.py" "$ADDR"
check "confluent-kafka: static members (KIP-345): a restart within the session timeout rebalances no one; two processes with one group.instance.id: the older is fenced (FENCED_INSTANCE_ID)" \
    timeout 150 "$PY" -u "$HERE/confluent_static_group.py" "$ADDR"
check "kafkajs: default+idempotent producers, group commit/resume from setOffsets, admin offsets/groups/topics" \
    env NODE_PATH="$STRAND_NODE_DIR/node_modules" timeout 180 node "$HERE/kafkajs_roundtrip.js" "$ADDR"
check "kcat: produce to unknown topic fails" kcat_unknown_topic
check "confluent-kafka: produce to unknown topic fails" \
    timeout 60 "$PY" "$HERE/confluent_unknown_topic.py" "$ADDR"
# Last, so that no client without every codec reads these batches from offset 0.
strand_check "kcat: -z gzip, snappy, lz4 and zstd batches land compressed" kcat_compression

# Topics and partitions at run time (each on topics of its own, deleted at its end).
check "topics: confluent-kafka AdminClient creates (configs, validate_only, bad names/rf/partitions/configs), describes, adds partitions, deletes, recreates; keyed produce/consume across partitions, LogAppendTime" \
    timeout 120 "$PY" -u "$HERE/confluent_topics.py" "$ADDR"
check "topics: confluent-kafka CreateTopics(validate_only) takes Kafka's topic configs and refuses bad values with INVALID_CONFIG, case by case as Kafka" \
    timeout 120 "$PY" -u "$HERE/confluent_topic_configs.py" "$ADDR"
check "topics: kafka-python KafkaAdminClient creates, describes, adds partitions, deletes by name and by topic id; produce/consume across 6 partitions" \
    timeout 120 "$PY" -u "$HERE/kafka_python_topics.py" "$ADDR"
check "topics: kafkajs admin creates, describes, adds partitions, deletes; murmur2-keyed produce, group consume across 4 partitions" \
    env NODE_PATH="$STRAND_NODE_DIR/node_modules" timeout 120 node "$HERE/kafkajs_topics.js" "$ADDR"

# The admin clients (issue 16): every admin call whose API strand serves, on
# topics, groups and users of their own; each script names its failed parts.
check "admin: confluent-kafka AdminClient: describe/incremental_alter/alter_configs, delete_records, list_offsets, describe_cluster/topics, elect_leaders, ACLs, SCRAM credentials, consumer groups and offsets" \
    timeout 240 "$PY" -W ignore::DeprecationWarning -u "$HERE/confluent_admin.py" "$ADDR"
check "admin: kafka-python KafkaAdminClient: describe/alter_configs, describe_cluster, describe_topic_partitions, groups and offsets, delete_records, describe_log_dirs, describe_acls" \
    timeout 240 "$PY" -u "$HERE/kafka_python_admin.py" "$ADDR"
check "admin: kafkajs admin: describeConfigs, alterConfigs, describeCluster, fetchTopicMetadata, fetchTopicOffsets(ByTimestamp), deleteTopicRecords, listGroups/describeGroups, describeAcls" \
    env NODE_PATH="$STRAND_NODE_DIR/node_modules" timeout 240 node "$HERE/kafkajs_admin.js" "$ADDR"

# auto_broker: AUTO_ADDR is a broker that auto-creates topics with
# AUTO_PARTITIONS partitions; a second strand started for it on first use.
auto_broker() {
    [[ -n "$AUTO_ADDR" ]] && return 0
    if [[ -n "$EXTERNAL" ]]; then
        echo "no INTEROP_AUTO_CREATE_BOOTSTRAP"
        return 1
    fi
    "$STRAND_BIN" --listen 127.0.0.1:0 --metrics-listen 127.0.0.1:0 --http-listen 127.0.0.1:0 --data-dir "$WORK/auto-data" \
        --auto-create-topics true --num-partitions "$AUTO_PARTITIONS" 2>"$AUTO_LOG" &
    AUTO_PID=$!
    AUTO_ADDR="$(wait_listening "$AUTO_LOG" "$AUTO_PID")"
    if [[ -z "$AUTO_ADDR" ]]; then
        echo "strand --auto-create-topics true did not report a listening address; its log:"
        cat "$AUTO_LOG"
        return 1
    fi
}
auto_check() {
    auto_broker || return 1
    "$@" "$AUTO_ADDR" "$AUTO_PARTITIONS"
}
if [[ -z "$EXTERNAL" || -n "$AUTO_ADDR" ]]; then
    check "topics: auto-creation (confluent-kafka): produce and Metadata(allow_auto_topic_creation) create a topic with num.partitions partitions, a bad name never" \
        auto_check timeout 60 "$PY" -u "$HERE/confluent_auto_create.py"
    check "topics: auto-creation (kafkajs): a send to an unknown topic creates it with num.partitions partitions" \
        auto_check env NODE_PATH="$STRAND_NODE_DIR/node_modules" timeout 120 node "$HERE/kafkajs_topics.js"
    check "time lookups in compressed batches: kcat -o s@TS, kafka-python offsets_for_times, confluent-kafka max timestamp land on the record (gzip, snappy, lz4, zstd)" \
        auto_check timeout 180 "$PY" -u "$HERE/time_lookup_compressed.py"
fi
stop_auto_broker
strand_check "broker still running after all checks" broker_alive

# TLS and SASL listeners, each on a broker of its own: security.sh prints a
# PASS/FAIL line per check, counted here with the rest.
security_checks() {
    local out="$WORK/security.out"
    STRAND_BIN="$STRAND_BIN" PY="$PY" bash "$HERE/security.sh" >"$out" 2>"$out.err" || true
    grep -E '^(PASS|FAIL) |^    ' "$out" || true
    PASSED=$((PASSED + $(grep -c '^PASS ' "$out" || true)))
    FAILED=$((FAILED + $(grep -c '^FAIL ' "$out" || true)))
    if ! grep -q '^security: [0-9]* passed, [0-9]* failed$' "$out"; then
        FAILED=$((FAILED + 1))
        echo "FAIL tests/interop/security.sh did not finish cleanly; its stderr:"
        sed 's/^/    /' "$out.err" | tail -n 30
    fi
}
# Against an INTEROP_BOOTSTRAP broker, or with INTEROP_ONLY, they are left out.
[[ -n "$EXTERNAL" || -n "${INTEROP_ONLY:-}" ]] || security_checks

broker_shutdown() {
    stop_broker
    if [[ "$BROKER_RC" != 0 ]]; then
        echo "broker exited with status $BROKER_RC after SIGTERM; log tail:"
        tail -n 30 "$BROKER_LOG"
        return 1
    fi
    echo "broker exited 0"
}
strand_check "broker exits cleanly on SIGTERM" broker_shutdown

if [[ $FAILED != 0 && -z "$EXTERNAL" ]]; then
    echo "--- broker log tail ($BROKER_LOG) ---"
    tail -n 40 "$BROKER_LOG"
fi
echo "$PASSED passed, $FAILED failed"
[[ $FAILED == 0 ]]
