#!/usr/bin/env bash
# librdkafka's own integration test suite, run against strand or the reference Kafka.
#
#   compat/librdkafka.sh [--against strand|kafka] [--tests 0001,0012,...]
#
# The suite is the tests/ folder shipped inside the rdkafka-sys crate that
# Cargo.lock pins (the same librdkafka the Rust tests link), taken from the cargo
# registry: no other download. It is configured and built once under
# $STRAND_COMPAT_CACHE (default ~/.cache/strand-compat), missing Debian build
# packages are installed with apt-get, and test-runner is driven the way the
# suite's own `make quick` does (-Q quick mode, -E no sockem), with -L to leave
# out the broker-less tests (they exercise librdkafka's built-in mock cluster,
# not the broker). A test that passes in quick mode having run nothing (all its
# subtests are non-quick) runs again in full mode. Each test number runs in its
# own test-runner process under a time bound, so one hang costs its bound.
#
# Output: one line per test in compat/results/librdkafka-<against>.txt
# (PASSED/FAILED/SKIPPED and the runner's reason), and a last line
# `N passed, M failed, K skipped`. Logs of every test stay in the cache dir.
#
# Environment:
#   STRAND_BIN                 strand binary (default: release build of this checkout)
#   STRAND_COMPAT_CACHE        build and log dir ($HOME/.cache/strand-compat)
#   LIBRDKAFKA_TEST_TIMEOUT    seconds one test number may take (default 240)
#   LIBRDKAFKA_FULL_TIMEOUT    the same for a rerun in full mode (default 480)
#   LIBRDKAFKA_TIMEOUT_MULTIPLIER  the suite's test.timeout.multiplier (default 2: two
#                              shared cores, and tests that start Kafka's JVM tools)
#   TEST_KAFKA_VERSION         broker version the suite assumes (default: $KAFKA_VERSION
#                              or 4.4.0, the reference Kafka; the same for both brokers
#                              so that both run the same selection of tests)
#   TEST_LEVEL                 test-runner verbosity (default 2)
#   TESTS                      the suite's own filter, as --tests
#
# Exit status: 0 when no test failed, 1 otherwise, 2 on usage or build errors.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

only=${TESTS:-}
compat_parse_args "$@"
unset TESTS

TIMEOUT=${LIBRDKAFKA_TEST_TIMEOUT:-240}
MULTIPLIER=${LIBRDKAFKA_TIMEOUT_MULTIPLIER:-2}
FULL_TIMEOUT=${LIBRDKAFKA_FULL_TIMEOUT:-480}
BROKER_VERSION=${TEST_KAFKA_VERSION:-${KAFKA_VERSION:-4.4.0}}

# Whole test numbers left out, and why. Only what neither broker is set up for:
# the brokers here have one PLAINTEXT listener and strand has no transactions
# yet. (The reference Kafka runs an ACL authorizer that allows everything until
# a test adds a deny ACL, as the suite assumes: 0081 calls CreateAcls, 0109,
# 0115 and 0119 run kafka-acls. strand has no ACLs,
# so the ACL tests fail on it, for that reason.) Sockem, manual, known-issue
# and broker-less tests are left out by their TEST_F_* flags, noautocreate-
# scenario tests by their scenario; tests that find their environment missing
# skip themselves and say why.
declare -A SKIP=(
    [0098]="transactions: strand has no transactional APIs (AddPartitionsToTxn, EndTxn, TxnOffsetCommit) yet"
    [0103]="transactions: strand has no transactional APIs (AddPartitionsToTxn, EndTxn, TxnOffsetCommit) yet"
    [0129]="transactions: reads aborted transactional messages, strand has no transactions yet"
    [0126]="needs a SASL/OAUTHBEARER listener and an OIDC token endpoint"
)

# ---------------------------------------------------------------------------
# The librdkafka sources, from the cargo registry.

lock_version=$(awk '/^name = "rdkafka-sys"$/ { getline; gsub(/"/, "", $3); print $3; exit }' "$REPO_DIR/Cargo.lock")
[[ -n $lock_version ]] || compat_die "rdkafka-sys is not in Cargo.lock"
librdkafka_version=${lock_version#*+}

find_crate() {
    local d
    for d in "${CARGO_HOME:-$HOME/.cargo}"/registry/src/*/"rdkafka-sys-$lock_version"/librdkafka; do
        [[ -f $d/tests/test.c ]] && { echo "$d"; return 0; }
    done
    return 1
}
if ! crate=$(find_crate); then
    compat_log "rdkafka-sys $lock_version is not in the cargo registry yet: cargo fetch --locked"
    (cd "$REPO_DIR" && cargo fetch --locked >&2)
    crate=$(find_crate) || compat_die "rdkafka-sys $lock_version still missing after cargo fetch"
fi

# Debian packages the build needs: compilers, and the codec/TLS headers so the
# suite's compression and SSL-aware tests see the features they test.
need_pkgs=()
for p in gcc g++ make pkg-config python3 libssl-dev zlib1g-dev libzstd-dev liblz4-dev; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || need_pkgs+=("$p")
done
if ((${#need_pkgs[@]})); then
    compat_log "installing build packages: ${need_pkgs[*]}"
    sudo=()
    ((EUID == 0)) || sudo=(sudo)
    "${sudo[@]}" apt-get update -qq >&2
    DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq "${need_pkgs[@]}" >&2
fi

SRC=$COMPAT_CACHE/librdkafka-$librdkafka_version
mkdir -p "$COMPAT_CACHE"
exec 8>"$COMPAT_CACHE/librdkafka-$librdkafka_version.lock"
flock 8
if [[ ! -x $SRC/tests/test-runner || ! -f $SRC/.strand-built ]]; then
    compat_log "building librdkafka $librdkafka_version and its test-runner in $SRC (a few minutes, once)"
    rm -rf "$SRC"
    cp -a "$crate" "$SRC"
    chmod -R u+w "$SRC"
    (
        cd "$SRC"
        # --no-download: mklove would otherwise fetch modules and dependencies.
        # No GSSAPI (Kerberos) and no libcurl (OIDC): no test here can use them.
        nice -n 5 ./configure --no-download --disable-gssapi --disable-curl >"$COMPAT_CACHE/librdkafka-configure.out" 2>&1 || {
            tail -n 30 "$COMPAT_CACHE/librdkafka-configure.out" >&2
            exit 2
        }
        nice -n 5 make -j"$(nproc)" libs >"$COMPAT_CACHE/librdkafka-make.out" 2>&1 &&
            nice -n 5 make -C tests -j"$(nproc)" build >>"$COMPAT_CACHE/librdkafka-make.out" 2>&1 || {
            tail -n 30 "$COMPAT_CACHE/librdkafka-make.out" >&2
            exit 2
        }
    ) || compat_die "librdkafka build failed (logs in $COMPAT_CACHE)"
    touch "$SRC/.strand-built"
fi
flock -u 8

# ---------------------------------------------------------------------------
# The test list, from the suite's own table in test.c: name, flags, scenario.

list_tests() {
    python3 - "$SRC/tests/test.c" <<'EOF'
import re, sys
src = open(sys.argv[1]).read()
table = src[src.index("struct test tests[] = {"):]
table = table[:table.index("{NULL}")]
for m in re.finditer(r"_TEST\(", table):
    i, depth = m.end(), 1
    while depth:
        depth += {"(": 1, ")": -1}.get(table[i], 0)
        i += 1
    body = table[m.end():i - 1]
    name, _, rest = body.partition(",")
    flags = rest.split(",")[0].strip() if rest else "0"
    sc = re.search(r'\.scenario\s*=\s*"([^"]*)"', rest)
    print(f"{name.strip()}\t{flags}\t{sc.group(1) if sc else 'default'}")
EOF
}

declare -a ORDER=()        # every test name, in the suite's order
declare -A STATE=() WHY=() # per name: PASSED/FAILED/SKIPPED/LOCAL, reason
declare -a NUMS=()         # test numbers to run
declare -A RUN_NUM=()

while IFS=$'\t' read -r name flags scenario; do
    num=${name%%_*}
    if [[ -n $only && ",${only//[[:space:]]/}," != *",$num,"* ]]; then
        continue
    fi
    ORDER+=("$name")
    if [[ $flags == *TEST_F_MANUAL* ]]; then
        STATE[$name]=SKIPPED WHY[$name]="manual test (TEST_F_MANUAL): needs a hand-made setup"
    elif [[ $flags == *TEST_F_LOCAL* ]]; then
        STATE[$name]=LOCAL WHY[$name]="broker-less (TEST_F_LOCAL): librdkafka's mock cluster or no cluster, not run (-L)"
    elif [[ $flags =~ TEST_F_KNOWN_ISSUE($|[^_]) ]]; then
        STATE[$name]=SKIPPED WHY[$name]="upstream known issue (TEST_F_KNOWN_ISSUE), not run by default"
    elif [[ $flags == *TEST_F_SOCKEM* ]]; then
        STATE[$name]=SKIPPED WHY[$name]="sockem: needs librdkafka's socket emulator (-E, as the suite's make quick)"
    elif [[ ,$scenario, != *,default,* ]]; then
        STATE[$name]=SKIPPED WHY[$name]="needs scenario $scenario (broker with auto.create.topics.enable=false)"
    elif [[ -n ${SKIP[$num]:-} ]]; then
        STATE[$name]=SKIPPED WHY[$name]=${SKIP[$num]}
    else
        STATE[$name]=PENDING
        if [[ -z ${RUN_NUM[$num]:-} ]]; then
            RUN_NUM[$num]=1
            NUMS+=("$num")
        fi
    fi
done < <(list_tests)
((${#ORDER[@]})) || compat_die "no test matches --tests $only"

# ---------------------------------------------------------------------------
# The broker.

RUN=$COMPAT_CACHE/librdkafka-run-$against
rm -rf "$RUN"
mkdir -p "$RUN/logs" "$RUN/kafka/bin"
broker_desc=
cleanup() {
    if [[ $against == strand ]]; then
        [[ -n ${STRAND_DIR:-} && -f $STRAND_DIR/strand.log ]] && cp "$STRAND_DIR/strand.log" "$RUN/strand.log"
        compat_strand_stop
    else
        KAFKA_INSTANCE=librdkafka "$COMPAT_DIR/kafka.sh" stop >&2 || true
    fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

if [[ $against == strand ]]; then
    strand_args=()
    # The suite's default scenario is a broker that auto-creates topics with 4
    # partitions (tests/scenarios/default.json); ask strand for that when it can.
    help=$("$(compat_strand_bin)" --help)
    if grep -q -- '--auto-create-topics' <<<"$help"; then
        strand_args+=(--auto-create-topics true)
        compat_log "strand: topic auto-creation on"
    else
        compat_log "strand has no --auto-create-topics (issue 15): tests relying on auto-creation will fail"
    fi
    grep -q -- '--num-partitions' <<<"$help" && strand_args+=(--num-partitions 4)
    compat_strand_start "${strand_args[@]}"
    bootstrap=$STRAND_BOOTSTRAP
    broker_desc="strand $("$(compat_strand_bin)" --version 2>/dev/null | awk '{print $2}') (${strand_args[*]:-no auto-creation})"
else
    props="num.partitions=4
authorizer.class.name=org.apache.kafka.metadata.authorizer.StandardAuthorizer
allow.everyone.if.no.acl.found=true"
    out=$(KAFKA_INSTANCE=librdkafka KAFKA_AUTO_CREATE=true KAFKA_EXTRA_PROPS=$props \
        "$COMPAT_DIR/kafka.sh" start) || compat_die "compat/kafka.sh start failed"
    bootstrap=$(sed -n 's/^BOOTSTRAP=//p' <<<"$out" | tail -n1)
    [[ -n $bootstrap ]] || compat_die "compat/kafka.sh printed no BOOTSTRAP"
    broker_desc="Apache Kafka ${KAFKA_VERSION:-4.4.0} (auto.create.topics.enable=true, num.partitions=4, StandardAuthorizer allowing all)"
fi
compat_log "broker: $broker_desc at $bootstrap"

# Kafka's bin/ scripts for the few tests that call them (KAFKA_PATH/bin/...):
# thin wrappers over the same jars compat/kafka.sh runs.
for tool in kafka-topics kafka-configs; do
    printf '#!/bin/sh\nexec "%s" tool %s "$@"\n' "$COMPAT_DIR/kafka.sh" "$tool" >"$RUN/kafka/bin/$tool.sh"
done
# kafka.sh has no kafka-acls entry; the class is in the same jars.
kafka_home=$COMPAT_CACHE/kafka-${KAFKA_VERSION:-4.4.0}
"$COMPAT_DIR/kafka.sh" fetch >&2
printf '#!/bin/sh\nexec java -Xmx256m -Dlog4j2.configurationFile="%s" -cp "%s/*" org.apache.kafka.tools.AclCommand "$@"\n' \
    "$kafka_home/log4j2-tools.properties" "$kafka_home/libs" >"$RUN/kafka/bin/kafka-acls.sh"
chmod +x "$RUN"/kafka/bin/*.sh

cat >"$RUN/test.conf" <<EOF
bootstrap.servers=$bootstrap
# Random topic names: a rerun or a leftover never meets an old topic.
test.topic.random=true
test.timeout.multiplier=$MULTIPLIER
EOF

# ---------------------------------------------------------------------------
# Run each test number under its bound and read the runner's summary table.

cd "$SRC/tests"
export LD_LIBRARY_PATH=$SRC/src:$SRC/src-cpp${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}
export RDKAFKA_TEST_CONF=$RUN/test.conf TEST_KAFKA_VERSION=$BROKER_VERSION
export KAFKA_PATH=$RUN/kafka BROKERS=$bootstrap
export TEST_LEVEL=${TEST_LEVEL:-2}

# Runs test number $1 (log $2, bound $3 s, then test-runner flags) and reads the
# runner's summary table, or failure blocks, into STATE/WHY for its PENDING names.
run_number() {
    local num=$1 log=$2 bound=$3
    shift 3
    local started=$SECONDS rc name state _ reason
    set +e
    TESTS=$num timeout -k 10 "$bound" nice -n 5 ./test-runner -p1 -L -E "$@" >"$log" 2>&1
    rc=$?
    set -e
    # Without colours, into a file: a reader that stops early (sed q, grep -q)
    # on a pipe would kill its writer with SIGPIPE, and pipefail would pass it on.
    sed 's/\x1b\[[0-9;]*m//g' "$log" >"$log.txt"
    # Summary rows look like "| 0001_multiobj   |     PASSED |   1.234s | reason".
    while IFS='|' read -r _ name state _ reason; do
        name=${name//[[:space:]]/}
        state=${state//[[:space:]]/}
        [[ ${STATE[$name]:-} == PENDING ]] || continue
        case $state in
            PASSED | FAILED | SKIPPED) ;;
            RUNNING) state=FAILED reason="still running when test-runner ended" ;;
            *) continue ;;
        esac
        reason=$(sed 's/^[[:space:]]*//; s/[[:space:]]*$//' <<<"$reason")
        STATE[$name]=$state WHY[$name]=$reason
    done < <(grep -E '^\| [0-9]{4}_' "$log.txt")
    for name in "${ORDER[@]}"; do
        [[ ${name%%_*} == "$num" && ${STATE[$name]} == PENDING ]] || continue
        # A test that fails hard (its own timeout, an assert) kills test-runner
        # before the summary table; its "### Test ... failed" block says why.
        reason=$(sed -n "/^### Test \"$name\( [^\"]*\)\{0,1\}\" failed at /{n;p;q}" "$log.txt")
        reason=${reason:0:300}
        if [[ -n $reason ]]; then
            STATE[$name]=FAILED WHY[$name]=$reason
        elif ((rc == 124)) || { ((rc == 137)) && ((SECONDS - started >= bound)); }; then
            STATE[$name]=FAILED WHY[$name]="timeout: no result within ${bound}s"
        elif grep -q "Filtered due to\|requires test scenario\|not applicable for broker" "$log.txt"; then
            STATE[$name]=SKIPPED WHY[$name]="left out by test-runner's own filters"
        else
            STATE[$name]=FAILED WHY[$name]="no result from test-runner (exit $rc)"
        fi
    done
}

# True when test $1 started no subtest in log $2 though its source has
# subtests that quick mode leaves out: it passed without running them.
ran_nothing() {
    grep -q 'SUB_TEST(' "${1%%_*}"-*.c* && ! grep -qE "^\[$1 */ *[0-9.]+s\] \[ " "$2.txt"
}

total=${#NUMS[@]} n=0
for num in "${NUMS[@]}"; do
    n=$((n + 1))
    started=$SECONDS
    names=()
    for name in "${ORDER[@]}"; do
        [[ ${name%%_*} == "$num" && ${STATE[$name]} == PENDING ]] && names+=("$name")
    done
    run_number "$num" "$RUN/logs/$num.log" "$TIMEOUT" -Q
    # Quick mode (-Q, the suite's CI mode) leaves out every subtest not marked
    # quick, so a test made only of those "passes" having run nothing. Such a
    # number runs again in full, and that run's results count.
    full=
    for name in "${names[@]}"; do
        [[ ${STATE[$name]} == PASSED ]] && ran_nothing "$name" "$RUN/logs/$num.log" && full=1
    done
    if [[ -n $full ]]; then
        for name in "${names[@]}"; do STATE[$name]=PENDING; done
        run_number "$num" "$RUN/logs/$num.full.log" "$FULL_TIMEOUT"
        for name in "${names[@]}"; do WHY[$name]="(full mode) ${WHY[$name]}"; done
    fi
    summary=
    for name in "${names[@]}"; do summary+=" $name=${STATE[$name]}"; done
    compat_log "[$n/$total] $((SECONDS - started))s${full:+ (full mode)}$summary"
    if [[ $against == strand ]] && ! kill -0 "$STRAND_PID" 2>/dev/null; then
        compat_log "strand died during $num; see $RUN/strand.log. Restarting it for the rest."
        cp "$STRAND_DIR/strand.log" "$RUN/strand-died-at-$num.log" 2>/dev/null || true
        compat_strand_start "${strand_args[@]}"
        sed -i "s/^bootstrap.servers=.*/bootstrap.servers=$STRAND_BOOTSTRAP/" "$RUN/test.conf"
        export BROKERS=$STRAND_BOOTSTRAP
    fi
done

# ---------------------------------------------------------------------------
# Results.

passed=0 failed=0 skipped=0 local=0
mkdir -p "$COMPAT_DIR/results"
out=$COMPAT_DIR/results/librdkafka-$against.txt
{
    echo "# librdkafka $librdkafka_version test suite (rdkafka-sys $lock_version) against $broker_desc"
    echo "# $(date -u +%Y-%m-%dT%H:%MZ); test-runner -p1 -L -E -Q, TEST_KAFKA_VERSION=$BROKER_VERSION, test.timeout.multiplier=$MULTIPLIER, ${TIMEOUT}s bound per test number (${FULL_TIMEOUT}s in full mode)"
    for name in "${ORDER[@]}"; do
        case ${STATE[$name]} in
            PASSED) passed=$((passed + 1)) ;;
            FAILED) failed=$((failed + 1)) ;;
            SKIPPED) skipped=$((skipped + 1)) ;;
            LOCAL) local=$((local + 1)); continue ;;
        esac
        printf '%-50s %-8s %s\n' "$name" "${STATE[$name]}" "${WHY[$name]}"
    done
    echo "# not run: $local broker-less tests (TEST_F_LOCAL)"
    echo "$passed passed, $failed failed, $skipped skipped"
} >"$out"
compat_log "per-test results in $out, logs in $RUN/logs"
echo "$passed passed, $failed failed, $skipped skipped"
((failed == 0))
