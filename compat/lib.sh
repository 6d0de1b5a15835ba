# Shared helpers for the compat scripts; source it, don't run it.
#
#   . "$(dirname "$0")/lib.sh"
#   compat_strand_start [strand flags...]   # sets STRAND_BOOTSTRAP, STRAND_PID, STRAND_DIR
#   compat_strand_restart                   # same data dir and flags; new STRAND_BOOTSTRAP
#   compat_strand_stop
#
# STRAND_BIN names the broker binary; without it a fresh clone builds
# target/release/strand first.

COMPAT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO_DIR=$(dirname "$COMPAT_DIR")
# Downloads (Kafka's jars, client sources) live outside the repo and are reused.
COMPAT_CACHE=${STRAND_COMPAT_CACHE:-$HOME/.cache/strand-compat}

compat_log() { echo "$(basename "$0"): $*" >&2; }
compat_die() {
    compat_log "$*"
    exit 1
}

# A loopback TCP port nobody listens on now. The kernel picks it (bind to port
# 0), so two callers at once do not collide the way random guesses can.
compat_free_port() {
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# Succeeds once something accepts TCP connections on host:port.
compat_port_open() {
    local host=${1%:*} port=${1##*:}
    (exec 3<>"/dev/tcp/$host/$port") 2>/dev/null
}

# The strand binary to test: $STRAND_BIN, else a release build of this checkout.
compat_strand_bin() {
    if [[ -n ${STRAND_BIN:-} ]]; then
        [[ -x $STRAND_BIN ]] || compat_die "STRAND_BIN=$STRAND_BIN is not an executable"
        echo "$STRAND_BIN"
        return
    fi
    if [[ ! -x $REPO_DIR/target/release/strand ]]; then
        compat_log "building strand (cargo build --release --bin strand)"
        (cd "$REPO_DIR" && cargo build --release --locked --bin strand >&2)
    fi
    echo "$REPO_DIR/target/release/strand"
}

# Starts a fresh strand on ephemeral loopback ports with its own temp data dir.
# Extra arguments go to strand (e.g. --topic NAME). Waits for its "listening"
# line, which strand prints only once the listener accepts.
compat_strand_start() {
    STRAND_DIR=$(mktemp -d /tmp/strand-compat.XXXXXX)
    STRAND_ARGS=("$@")
    compat_strand_launch
}

# Stops strand gracefully and starts it again on the same data dir with the same
# flags (new ports: STRAND_BOOTSTRAP changes): what survives a restart.
compat_strand_restart() {
    kill -TERM "$STRAND_PID" 2>/dev/null || true
    wait "$STRAND_PID" 2>/dev/null || true
    mv "$STRAND_DIR/strand.log" "$STRAND_DIR/strand.log.1"
    compat_strand_launch
}

compat_strand_launch() {
    local bin
    bin=$(compat_strand_bin) || return 1
    "$bin" --listen 127.0.0.1:0 --metrics-listen 127.0.0.1:0 --http-listen 127.0.0.1:0 --data-dir "$STRAND_DIR/data" \
        --log-level "${STRAND_LOG_LEVEL:-info}" "${STRAND_ARGS[@]}" >"$STRAND_DIR/strand.log" 2>&1 &
    STRAND_PID=$!
    local i line
    for ((i = 0; i < 200; i++)); do
        line=$(grep -m1 ' listening' "$STRAND_DIR/strand.log" 2>/dev/null || true)
        if [[ -n $line ]]; then
            STRAND_BOOTSTRAP=$(sed -n 's/.*addr=\([^ ]*\).*/\1/p' <<<"$line")
            # The log is text with ANSI colours off when not a terminal; strip any anyway.
            STRAND_BOOTSTRAP=$(sed 's/\x1b\[[0-9;]*m//g' <<<"$STRAND_BOOTSTRAP")
            export STRAND_BOOTSTRAP STRAND_PID STRAND_DIR
            return 0
        fi
        if ! kill -0 "$STRAND_PID" 2>/dev/null; then
            cat "$STRAND_DIR/strand.log" >&2
            compat_die "strand exited before listening"
        fi
        sleep 0.1
    done
    cat "$STRAND_DIR/strand.log" >&2
    compat_die "strand did not report listening within 20 s"
}

# SIGTERM (a clean shutdown), then removes its data dir.
compat_strand_stop() {
    [[ -n ${STRAND_PID:-} ]] || return 0
    kill -TERM "$STRAND_PID" 2>/dev/null || true
    wait "$STRAND_PID" 2>/dev/null || true
    [[ -n ${STRAND_DIR:-} && -d $STRAND_DIR ]] && rm -rf "$STRAND_DIR"
    STRAND_PID=
}

# The options the suites take: --against strand|kafka (default strand) and
# --tests A,B,... (default $only, as the caller set it). Sets `against` and `only`;
# -h prints the calling script's header comment.
compat_parse_args() {
    against=strand
    only=${only:-}
    while (($#)); do
        case $1 in
            --against) against=${2:-}; shift 2 ;;
            --against=*) against=${1#*=}; shift ;;
            --tests) only=${2:-}; shift 2 ;;
            --tests=*) only=${1#*=}; shift ;;
            -h | --help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
            *) compat_log "unknown argument $1"; exit 2 ;;
        esac
    done
    case $against in strand | kafka) ;; *) compat_log "--against must be strand or kafka"; exit 2 ;; esac
}
