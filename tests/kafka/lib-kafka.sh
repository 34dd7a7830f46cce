# lib-kafka.sh - Kafka helpers for the omkafka/imkafka tests (sourced after
# tests/integration/lib.sh): librdkafka's mock cluster as a real peer on 127.0.0.1
# (tests/tools/mock_kafka, built by make check), commands to it through a FIFO, and kcat
# to consume.  Every process is started here and stopped by PID through lib.sh's cleanup.

MOCK_KAFKA=${MOCK_KAFKA:-$top_builddir/tests/tools/mock_kafka}
KCAT=${KCAT:-kcat}

# mk_start [BROKERS] [-T TOPIC:P]...: starts the mock cluster (default 3 brokers); sets KB
# (bootstrap list) and MK_PID; opens fd 7 as its command channel.
mk_start()
{
    local brokers=${1:-3} i
    shift || true
    [ -x "$MOCK_KAFKA" ] || fail "$MOCK_KAFKA not built"
    require_cmd "$KCAT"
    rm -f "$T/kafka.ctl" "$T/kafka.boot"
    mkfifo "$T/kafka.ctl" || fail "mkfifo"
    "$MOCK_KAFKA" -b "$brokers" -t 600 -f "$T/kafka.boot" -q "$@" < "$T/kafka.ctl" \
        > "$T/kafka.out" 2> "$T/kafka.err" &
    MK_PID=$!
    track_pid "$MK_PID"
    exec 7> "$T/kafka.ctl"
    for i in $(seq 100); do
        [ -s "$T/kafka.boot" ] && break
        sleep 0.1
    done
    [ -s "$T/kafka.boot" ] || fail "mock Kafka cluster did not start"
    KB=$(cat "$T/kafka.boot")
    log "mock Kafka cluster: $KB"
}

# mk_cmd COMMAND...: one command to the cluster; waits (5 s) for its OK/ERR reply.
mk_cmd()
{
    local before i
    before=$(grep -c '' "$T/kafka.out")
    echo "$*" >&7
    for i in $(seq 50); do
        [ "$(grep -c '' "$T/kafka.out")" -gt "$before" ] && break
        sleep 0.1
    done
    tail -n 1 "$T/kafka.out" | grep -q '^OK' || fail "mock_kafka: '$*' -> $(tail -n 1 "$T/kafka.out")"
}

# kc_consume TOPIC OUT [FORMAT]: everything in TOPIC (from the beginning) to OUT, one
# record per line (default format: the value).
kc_consume()
{
    timeout -k 20 60 "$KCAT" -C -b "$KB" -t "$1" -o beginning -e -q -f "${3:-%s}" > "$2" \
        2>> "$T/kcat.err" || fail "kcat could not consume $1"
}

# kc_wait TOPIC N OUT [TIMEOUT] [FORMAT]: consumes until TOPIC holds at least N records.
kc_wait()
{
    local topic=$1 want=$2 out=$3 timeout=${4:-30} fmt=${5:-%s} end
    end=$((SECONDS + timeout))
    while :; do
        timeout -k 20 60 "$KCAT" -C -b "$KB" -t "$topic" -o beginning -e -q -f "$fmt" > "$out" \
            2>> "$T/kcat.err" || true
        [ "$(count_lines "$out")" -ge "$want" ] && return 0
        [ "$SECONDS" -ge "$end" ] && break
        sleep 1
    done
    log "timeout: topic $topic has $(count_lines "$out") of $want records"
    return 1
}

# kc_untruncated TOPIC NPART: fails when the mock cluster dropped the oldest records of a
# partition (its partition logs are bounded, about 5 MB each), which would make a count
# of what arrived meaningless.  Spread big tests over partitions.
kc_untruncated()
{
    local p o
    for p in $(seq 0 $(($2 - 1))); do
        o=$(timeout -k 20 20 "$KCAT" -Q -b "$KB" -t "$1:$p:-2" 2>> "$T/kcat.err" |
            sed -n 's/.* offset \(-\{0,1\}[0-9]*\).*/\1/p')
        [ "$o" = 0 ] || fail "mock cluster truncated $1 partition $p (first offset '$o'): shrink the test"
    done
}
