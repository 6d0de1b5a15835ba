#!/usr/bin/env bash
# Differential scenarios: every compat/scenarios/*.py runs against the reference
# Apache Kafka (compat/kafka.sh) and against a fresh strand, and what each prints
# is normalised (compat/normalize.py) and diffed.
#
#   compat/differential.sh [SCENARIO...]     all scenarios, or only those named
#
# Each scenario gets a topic of its own with one partition (strand: a fresh broker
# started with --topic NAME; Kafka: the topic created before the scenario, with
# auto-creation off), a group-id prefix of its own, and for SASL scenarios a
# SASL_PLAINTEXT listener with PLAIN (strand: a second broker with --sasl-*;
# Kafka: a second instance whose one listener is SASL_PLAINTEXT). A scenario
# marked `# needs: auto-create` runs with auto-creation on and 3 partitions per
# created topic (strand: --auto-create-topics true --num-partitions 3; Kafka: a
# second instance with auto.create.topics.enable=true, num.partitions=3). One
# marked `# needs: fast-expiry` runs with a one-minute offset retention checked
# every 5 s (strand: --offsets-retention-minutes 1
# --offsets-retention-check-interval-ms 5000; Kafka: an instance with
# offsets.retention.minutes=1, offsets.retention.check.interval.ms=5000).
# Ends with "N scenarios, M differ[, K skipped]". Writes the summary and every
# diff to compat/results/differential.txt and each differing scenario's diff to
# compat/results/differential/NAME.diff. Exits 1 when any scenario differs.
#
# Environment:
#   STRAND_BIN       broker binary (default this checkout's target/release/strand,
#                    built if missing)
#   KAFKA_BOOTSTRAP  an already running reference Kafka to use instead of starting one
#   KAFKA_EXPIRY_BOOTSTRAP  likewise for the fast-expiry scenarios (started with the
#                    offsets.retention.* settings above and KAFKA_TOPIC=)
#   COMPAT_VENV      the Python venv with the clients ($HOME/.cache/strand-compat/venv)
#   SCENARIO_TIMEOUT seconds per scenario and broker (120)
#   KEEP_OUTPUT      a dir to keep each scenario's raw outputs in
set -euo pipefail
. "$(dirname "$0")/lib.sh"

SCENARIOS_DIR=$COMPAT_DIR/scenarios
RESULTS_DIR=$COMPAT_DIR/results
VENV=${COMPAT_VENV:-$COMPAT_CACHE/venv}
TIMEOUT=${SCENARIO_TIMEOUT:-120}
# The versions these scenarios were written against.
CONFLUENT_KAFKA_VERSION=2.16.1
KAFKA_PYTHON_VERSION=3.0.12
SASL_USER=alice
SASL_PASSWORD=alice-secret


# --- the clients ------------------------------------------------------------------

venv_ok() {
    [[ -x $VENV/bin/python ]] && "$VENV/bin/python" - "$CONFLUENT_KAFKA_VERSION" "$KAFKA_PYTHON_VERSION" <<'PY' >/dev/null 2>&1
import sys
import confluent_kafka, kafka, cramjam, lz4, zstandard, snappy
sys.exit(0 if (confluent_kafka.__version__, kafka.__version__) == (sys.argv[1], sys.argv[2]) else 1)
PY
}
if ! venv_ok; then
    compat_log "creating the clients' venv in $VENV"
    if ! python3 -c 'import ensurepip, venv' >/dev/null 2>&1; then
        apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y python3-venv
    fi
    python3 -m venv --clear "$VENV"
    # The codec packages let kafka-python read and write gzip/snappy/lz4/zstd batches.
    "$VENV/bin/pip" install --disable-pip-version-check -q "confluent-kafka==$CONFLUENT_KAFKA_VERSION" \
        "kafka-python==$KAFKA_PYTHON_VERSION" cramjam lz4 zstandard python-snappy
    venv_ok || compat_die "venv $VENV does not import the pinned clients"
fi
PY=$VENV/bin/python
# Debian's kcat (librdkafka 2.0.2) for the scenario on old librdkafka; without it
# that scenario is skipped.
if ! command -v kcat >/dev/null 2>&1; then
    compat_log "installing kcat"
    { apt-get install -y kcat || { apt-get update && apt-get install -y kcat; }; } >/dev/null 2>&1 ||
        compat_log "could not install kcat; kcat_compression will be skipped"
fi

# --- which scenarios ----------------------------------------------------------------

mapfile -t ALL < <(cd "$SCENARIOS_DIR" && ls -1 -- *.py | sed 's/\.py$//' | grep -v -e '^_' -e '^common$' | sort)
if (($# > 0)); then
    SELECTED=("$@")
    for s in "${SELECTED[@]}"; do
        [[ -f $SCENARIOS_DIR/$s.py ]] || compat_die "no scenario $s (in $SCENARIOS_DIR)"
    done
else
    SELECTED=("${ALL[@]}")
fi
needs_sasl() { grep -q '^# needs: sasl' "$SCENARIOS_DIR/$1.py"; }
needs_auto_create() { grep -q '^# needs: auto-create' "$SCENARIOS_DIR/$1.py"; }
needs_fast_expiry() { grep -q '^# needs: fast-expiry' "$SCENARIOS_DIR/$1.py"; }
EXPIRY_PROPS=$'offsets.retention.minutes=1\noffsets.retention.check.interval.ms=5000'
EXPIRY_FLAGS=(--offsets-retention-minutes 1 --offsets-retention-check-interval-ms 5000)
AUTO_CREATE_PARTITIONS=3

# --- brokers ---------------------------------------------------------------------------

WORK=$(mktemp -d /tmp/strand-differential.XXXXXX)
KAFKA_STARTED=()
SASL_STRAND_PID=
cleanup() {
    compat_strand_stop || true
    if [[ -n $SASL_STRAND_PID ]]; then
        STRAND_PID=$SASL_STRAND_PID STRAND_DIR=$SASL_STRAND_DIR compat_strand_stop || true
    fi
    for name in "${KAFKA_STARTED[@]}"; do
        "$COMPAT_DIR/kafka.sh" stop "$name" >/dev/null 2>&1 || true
    done
    [[ -n ${KEEP_OUTPUT:-} ]] || rm -rf "$WORK"
}
trap cleanup EXIT

# Kafka's instances are named for this script so they never meet another suite's.
if [[ -z ${KAFKA_BOOTSTRAP:-} ]]; then
    compat_log "starting the reference Kafka"
    KAFKA_STARTED+=(differential)
    KAFKA_BOOTSTRAP=$(KAFKA_TOPIC="" KAFKA_AUTO_CREATE=false "$COMPAT_DIR/kafka.sh" start differential |
        sed -n 's/^BOOTSTRAP=//p')
    [[ -n $KAFKA_BOOTSTRAP ]] || compat_die "compat/kafka.sh start printed no BOOTSTRAP"
fi

KAFKA_SASL_BOOTSTRAP=
kafka_sasl() {
    [[ -n $KAFKA_SASL_BOOTSTRAP ]] && return 0
    compat_log "starting a reference Kafka with a SASL_PLAINTEXT (PLAIN) listener"
    # kafka.sh's listener is named PLAINTEXT; mapping that name to SASL_PLAINTEXT
    # (later lines of server.properties win) makes it the one SASL listener.
    local props
    props=$(cat <<PROPS
listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:SASL_PLAINTEXT
sasl.enabled.mechanisms=PLAIN
sasl.mechanism.inter.broker.protocol=PLAIN
listener.name.plaintext.plain.sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required username="$SASL_USER" password="$SASL_PASSWORD" user_$SASL_USER="$SASL_PASSWORD";
PROPS
)
    KAFKA_STARTED+=(differential-sasl)
    KAFKA_SASL_BOOTSTRAP=$(KAFKA_TOPIC="" KAFKA_EXTRA_PROPS=$props KAFKA_HEAP_OPTS="-Xmx512m -Xms128m" \
        "$COMPAT_DIR/kafka.sh" start differential-sasl | sed -n 's/^BOOTSTRAP=//p')
    [[ -n $KAFKA_SASL_BOOTSTRAP ]] || compat_die "the SASL Kafka printed no BOOTSTRAP"
}

KAFKA_AUTO_BOOTSTRAP=
kafka_auto_create() {
    [[ -n $KAFKA_AUTO_BOOTSTRAP ]] && return 0
    compat_log "starting a reference Kafka with auto-creation on"
    KAFKA_STARTED+=(differential-auto)
    KAFKA_AUTO_BOOTSTRAP=$(KAFKA_TOPIC="" KAFKA_AUTO_CREATE=true KAFKA_EXTRA_PROPS="num.partitions=$AUTO_CREATE_PARTITIONS" \
        KAFKA_HEAP_OPTS="-Xmx512m -Xms128m" "$COMPAT_DIR/kafka.sh" start differential-auto | sed -n 's/^BOOTSTRAP=//p')
    [[ -n $KAFKA_AUTO_BOOTSTRAP ]] || compat_die "the auto-creating Kafka printed no BOOTSTRAP"
}

KAFKA_EXPIRY_BOOTSTRAP=${KAFKA_EXPIRY_BOOTSTRAP:-}
kafka_fast_expiry() {
    [[ -n $KAFKA_EXPIRY_BOOTSTRAP ]] && return 0
    compat_log "starting a reference Kafka with a one-minute offset retention"
    KAFKA_STARTED+=(differential-expiry)
    KAFKA_EXPIRY_BOOTSTRAP=$(KAFKA_TOPIC="" KAFKA_EXTRA_PROPS=$EXPIRY_PROPS KAFKA_HEAP_OPTS="-Xmx512m -Xms128m" \
        "$COMPAT_DIR/kafka.sh" start differential-expiry | sed -n 's/^BOOTSTRAP=//p')
    [[ -n $KAFKA_EXPIRY_BOOTSTRAP ]] || compat_die "the fast-expiry Kafka printed no BOOTSTRAP"
}

printf '%s:%s\n' "$SASL_USER" "$SASL_PASSWORD" >"$WORK/users"

# Runs scenario $1 against broker $2 (kafka|strand); output to $3.
run_one() {
    local name=$1 broker=$2 outfile=$3 topic="d-$1" bootstrap sasl_bootstrap= rc=0
    if [[ $broker == kafka ]]; then
        bootstrap=$KAFKA_BOOTSTRAP
        if needs_auto_create "$name"; then
            kafka_auto_create
            bootstrap=$KAFKA_AUTO_BOOTSTRAP
        fi
        if needs_fast_expiry "$name"; then
            kafka_fast_expiry
            bootstrap=$KAFKA_EXPIRY_BOOTSTRAP
        fi
        if ! "$PY" "$SCENARIOS_DIR/_setup.py" create "$bootstrap" "$topic" >"$outfile.setup" 2>&1; then
            { echo "SETUP FAILED"; cat "$outfile.setup"; } >"$outfile"
            return
        fi
        if needs_sasl "$name"; then
            kafka_sasl
            sasl_bootstrap=$KAFKA_SASL_BOOTSTRAP
            "$PY" "$SCENARIOS_DIR/_setup.py" create "$sasl_bootstrap" "$topic" "$SASL_USER" "$SASL_PASSWORD" \
                >>"$outfile.setup" 2>&1 || true
        fi
    else
        local auto=()
        if needs_auto_create "$name"; then
            auto=(--auto-create-topics true --num-partitions "$AUTO_CREATE_PARTITIONS")
        fi
        if needs_fast_expiry "$name"; then
            auto+=("${EXPIRY_FLAGS[@]}")
        fi
        compat_strand_start --topic "$topic" "${auto[@]}"
        bootstrap=$STRAND_BOOTSTRAP
        if needs_sasl "$name"; then
            local plain_pid=$STRAND_PID plain_dir=$STRAND_DIR
            compat_strand_start --topic "$topic" --sasl-mechanisms PLAIN --users-file "$WORK/users"
            sasl_bootstrap=$STRAND_BOOTSTRAP
            SASL_STRAND_PID=$STRAND_PID SASL_STRAND_DIR=$STRAND_DIR
            STRAND_PID=$plain_pid STRAND_DIR=$plain_dir
        fi
    fi
    BOOTSTRAP=$bootstrap TOPIC=$topic GROUP="dg-$name" BROKER=$broker SASL_BOOTSTRAP=$sasl_bootstrap \
        SASL_USER=$SASL_USER SASL_PASSWORD=$SASL_PASSWORD PYTHONPATH=$SCENARIOS_DIR \
        timeout -k 5 "$TIMEOUT" "$PY" "$SCENARIOS_DIR/$name.py" >"$outfile" 2>"$outfile.err" || rc=$?
    if ((rc != 0)); then
        echo "EXIT $rc" >>"$outfile"
        # The exception's last line says what failed; the traceback stays in .err.
        tail -n 1 "$outfile.err" | sed 's/^/stderr: /' >>"$outfile"
    fi
    if [[ $broker == strand ]]; then
        if grep -q 'panicked' "$STRAND_DIR/strand.log"; then
            echo "STRAND PANICKED" >>"$outfile"
            cp "$STRAND_DIR/strand.log" "$outfile.strand.log"
        fi
        compat_strand_stop
        if [[ -n $SASL_STRAND_PID ]]; then
            STRAND_PID=$SASL_STRAND_PID STRAND_DIR=$SASL_STRAND_DIR compat_strand_stop
            SASL_STRAND_PID=
        fi
    fi
}

# --- run and diff ---------------------------------------------------------------------

STRAND_BIN_USED=$(compat_strand_bin)

rm -rf "$RESULTS_DIR/differential"
mkdir -p "$RESULTS_DIR/differential"
SUMMARY=$WORK/summary
: >"$SUMMARY"
n=0 differ=0 skipped=0
for name in "${SELECTED[@]}"; do
    n=$((n + 1))
    run_one "$name" kafka "$WORK/$name.kafka"
    run_one "$name" strand "$WORK/$name.strand"
    "$PY" "$COMPAT_DIR/normalize.py" <"$WORK/$name.kafka" >"$WORK/$name.kafka.norm"
    "$PY" "$COMPAT_DIR/normalize.py" <"$WORK/$name.strand" >"$WORK/$name.strand.norm"
    if grep -q '^SKIP' "$WORK/$name.kafka.norm" "$WORK/$name.strand.norm"; then
        status="skipped ($(grep -h -m1 '^SKIP' "$WORK/$name.kafka.norm" "$WORK/$name.strand.norm" | head -n1))"
        skipped=$((skipped + 1))
    elif diff -u --label "kafka/$name" --label "strand/$name" "$WORK/$name.kafka.norm" "$WORK/$name.strand.norm" \
        >"$RESULTS_DIR/differential/$name.diff"; then
        status=same
        rm -f "$RESULTS_DIR/differential/$name.diff"
    else
        status=differs
        differ=$((differ + 1))
    fi
    if grep -q -e '^EXIT' -e '^SETUP FAILED' "$WORK/$name.kafka.norm"; then
        status="$status (the scenario failed on Kafka: $(grep -m1 '^stderr:' "$WORK/$name.kafka.norm" || echo setup))"
    fi
    printf '%-40s %s\n' "$name" "$status" | tee -a "$SUMMARY"
    if [[ -n ${KEEP_OUTPUT:-} ]]; then
        mkdir -p "$KEEP_OUTPUT"
        cp "$WORK/$name".* "$KEEP_OUTPUT/"
    fi
done

total="$n scenarios, $differ differ"
((skipped > 0)) && total="$total, $skipped skipped"
{
    echo "# compat/differential.sh: $(date -u +%Y-%m-%dT%H:%MZ), Apache Kafka ${KAFKA_VERSION:-4.4.0}"
    echo "# strand: $STRAND_BIN_USED ($("$STRAND_BIN_USED" --version 2>/dev/null), built $(date -u -r "$STRAND_BIN_USED" +%Y-%m-%dT%H:%MZ))"
    echo "# clients: confluent-kafka $CONFLUENT_KAFKA_VERSION, kafka-python $KAFKA_PYTHON_VERSION"
    cat "$SUMMARY"
    echo "$total"
    for name in "${SELECTED[@]}"; do
        if [[ -f $RESULTS_DIR/differential/$name.diff ]]; then
            echo
            cat "$RESULTS_DIR/differential/$name.diff"
        fi
    done
} >"$RESULTS_DIR/differential.txt"
echo "$total"
((differ == 0))
