#!/usr/bin/env bash
# Sarama's ClusterAdmin against the reference Kafka and a fresh strand, diffed
# call by call.
#
#   compat/sarama.sh
#
# compat/sarama/ is a Go program (github.com/IBM/sarama, from the Go module
# proxy) that makes the ClusterAdmin calls admin tools and UIs built on Sarama
# make (ListTopics, which sends DescribeConfigs whatever ApiVersions says;
# DescribeTopics, DescribeConfig, AlterConfig, IncrementalAlterConfig,
# CreatePartitions, DeleteRecords, DescribeLogDirs, DescribeCluster, consumer
# group listing, offsets and deletion, SCRAM credentials, ListAcls,
# ElectLeaders, partition reassignments, client quotas) and prints each call's
# result normalised (addresses, the data dir, sizes). It runs once per Sarama
# protocol setting in SARAMA_VERSIONS (Sarama picks each request's version from
# it) against each broker, and every call's output is compared.
#
# Ends with "N calls, M differ"; the per-call list and every diff are in
# compat/results/sarama.txt, the raw outputs in compat/results/sarama/.
# Exit status 1 when any call differs.
#
# Environment:
#   STRAND_BIN        broker binary (default this checkout's target/release/strand,
#                     built if missing)
#   KAFKA_BOOTSTRAP   an already running reference Kafka (with the topic `events`,
#                     one partition) to use instead of starting one
#   SARAMA_VERSIONS   Kafka versions Sarama is configured for ("2.8.0 4.3.1":
#                     Sarama's default and its newest)
#   SARAMA_TIMEOUT    seconds one run may take (300)
set -euo pipefail
. "$(dirname "$0")/lib.sh"

VERSIONS=${SARAMA_VERSIONS:-2.8.0 4.3.1}
TIMEOUT=${SARAMA_TIMEOUT:-300}
RESULTS=$COMPAT_DIR/results
TOPIC=events

command -v go >/dev/null || compat_die "go is not installed"

# The program, built once per source change (its go.sum pins Sarama v1.61.1).
mkdir -p "$COMPAT_CACHE"
src_sum=$(cat "$COMPAT_DIR"/sarama/go.mod "$COMPAT_DIR"/sarama/go.sum "$COMPAT_DIR"/sarama/*.go | sha256sum | cut -c1-12)
BIN=$COMPAT_CACHE/sarama-admin-$src_sum
if [[ ! -x $BIN ]]; then
    compat_log "building compat/sarama into $BIN"
    (cd "$COMPAT_DIR/sarama" && go build -o "$BIN" .) >&2 || compat_die "go build failed"
fi

KAFKA_NAME=sarama-$$
cleanup() {
    compat_strand_stop
    [[ -z ${KAFKA_BOOTSTRAP:-} ]] && { "$COMPAT_DIR/kafka.sh" stop "$KAFKA_NAME" >/dev/null 2>&1 || true; }
}
trap cleanup EXIT
trap 'exit 130' INT TERM

if [[ -n ${KAFKA_BOOTSTRAP:-} ]]; then
    kafka=$KAFKA_BOOTSTRAP
else
    kafka=$(KAFKA_TOPIC=$TOPIC KAFKA_AUTO_CREATE=false "$COMPAT_DIR/kafka.sh" start "$KAFKA_NAME" | sed -n 's/^BOOTSTRAP=//p')
fi
[[ -n $kafka ]] || compat_die "no reference Kafka"
compat_strand_start --topic "$TOPIC"
strand_bin=$(compat_strand_bin)
strand_version="$("$strand_bin" --version 2>/dev/null | awk '{print $2}') ($strand_bin, built $(date -u -r "$strand_bin" +%Y-%m-%dT%H:%MZ))"
compat_log "Kafka at $kafka, strand $strand_version at $STRAND_BOOTSTRAP"

rm -rf "$RESULTS/sarama"
mkdir -p "$RESULTS/sarama"
for v in $VERSIONS; do
    for against in kafka strand; do
        # The data dir is printed as <datadir>; a Kafka given by KAFKA_BOOTSTRAP
        # is asked for its log.dirs.
        if [[ $against == kafka ]]; then
            addr=$kafka datadir=
            if [[ -z ${KAFKA_BOOTSTRAP:-} ]]; then datadir=/tmp/strand-kafka-$KAFKA_NAME/data; fi
        else
            addr=$STRAND_BOOTSTRAP datadir=$STRAND_DIR/data
        fi
        out=$RESULTS/sarama/$against-$v.txt
        rc=0
        timeout "$TIMEOUT" "$BIN" -bootstrap "$addr" -version "$v" -datadir "$datadir" >"$out" 2>"$RESULTS/sarama/$against-$v.err" || rc=$?
        ((rc == 0)) || echo "(exit status $rc)" >>"$out"
        compat_log "sarama $v against $against: exit $rc"
    done
    if ! kill -0 "$STRAND_PID" 2>/dev/null; then
        compat_log "strand died; restarting it for the next run"
        cp "$STRAND_DIR/strand.log" "$RESULTS/sarama/strand-died-$v.log" 2>/dev/null || true
        compat_strand_start --topic "$TOPIC"
    fi
done

# Call by call: the reference's calls in its order, each compared with strand's
# lines under the same "== NAME" header (a call strand's run never reached differs).
python3 - "$RESULTS/sarama" "$VERSIONS" "$strand_version" >"$RESULTS/sarama.txt" <<'EOF'
import datetime, difflib, sys
root, versions, strand = sys.argv[1], sys.argv[2].split(), sys.argv[3]

def calls(path):
    out, name = {}, None
    order = []
    for line in open(path, errors="replace"):
        line = line.rstrip("\n")
        if line.startswith("== "):
            name = line[3:]
            order.append(name)
            out[name] = []
        elif name is not None:
            out[name].append(line)
        else:
            out.setdefault("(before the first call)", []).append(line)
    return order, out

now = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%MZ")
print(f"# compat/sarama.sh, {now}: Sarama v1.61.1 ClusterAdmin, Kafka 4.4.0 vs strand {strand}")
total = differ = 0
diffs = []
for v in versions:
    korder, k = calls(f"{root}/kafka-{v}.txt")
    _, s = calls(f"{root}/strand-{v}.txt")
    for name in korder:
        total += 1
        got = s.get(name)
        if got == k[name]:
            print(f"SAME   [{v}] {name}")
            continue
        differ += 1
        print(f"DIFFER [{v}] {name}")
        d = difflib.unified_diff(k[name], got if got is not None else ["(not reached)"],
                                 f"kafka [{v}] {name}", f"strand [{v}] {name}", lineterm="", n=20)
        diffs.append("\n".join(d))
if diffs:
    print()
    print("\n\n".join(diffs))
print(f"{total} calls, {differ} differ")
EOF
tail -n 1 "$RESULTS/sarama.txt"
compat_log "per-call results and diffs in $RESULTS/sarama.txt"
tail -n 1 "$RESULTS/sarama.txt" | grep -q ', 0 differ$'
