#!/bin/bash
# kafka.sh - Kafka benchmark scenarios (issue 14): sluiced against rsyslogd 8.2302 (with
# rsyslog-kafka) on the same librdkafka mock cluster (3 brokers, one fresh cluster per run,
# the topic pre-created with 16 partitions), interleaved round by round.
#
#   tcp_to_kafka   slflood -> imtcp -> omkafka (queued action, partitions.number=16,
#                  RSYSLOG_TraditionalFileFormat).  Time: sender start until the topic's
#                  high watermarks add up to N.  Then the topic is consumed (kcat) and
#                  checked with slverify: lost / duplicated.
#   kafka_to_file  the topic is filled with N messages first (kcat -P); then the daemon
#                  starts with imkafka (a new consumer group per run) -> omfile %rawmsg%.
#                  Time: first line written until N lines (the group join is not timed).
#
# msg/s = N / time; CPU-us/msg = the daemon's utime+stime (all threads, /proc/PID/stat)
# over the timed part / N.  Usage, from a build tree (make check builds mock_kafka):
#   bench/kafka.sh [--rounds R] [--n N] [--scenarios a,b] [--daemons sluice,rsyslog]
# Everything on 127.0.0.1, every wait bounded, the processes it started stopped by PID.
set -u
ROUNDS=3
N=200000
SCENARIOS=tcp_to_kafka,kafka_to_file
DAEMONS=sluice,rsyslog
while [ $# -gt 0 ]; do
    case $1 in
        --rounds) ROUNDS=$2; shift 2 ;;
        --n) N=$2; shift 2 ;;
        --scenarios) SCENARIOS=$2; shift 2 ;;
        --daemons) DAEMONS=$2; shift 2 ;;
        *) echo "usage: $0 [--rounds R] [--n N] [--scenarios LIST] [--daemons LIST]" >&2; exit 2 ;;
    esac
done
B=${top_builddir:-$PWD}
SLUICED=${SLUICED:-$B/sluiced}
SLUICE_PLUGIN_DIR=${SLUICE_PLUGIN_DIR:-$B/.libs}
SLFLOOD=${SLFLOOD:-$B/tests/tools/slflood}
SLVERIFY=${SLVERIFY:-$B/tests/tools/slverify}
MOCK_KAFKA=${MOCK_KAFKA:-$B/tests/tools/mock_kafka}
RSYSLOGD=${RSYSLOGD:-/usr/sbin/rsyslogd}
for x in "$SLUICED" "$SLFLOOD" "$SLVERIFY" "$MOCK_KAFKA" "$RSYSLOGD"; do
    [ -x "$x" ] || { echo "kafka.sh: $x missing (build, make check)" >&2; exit 1; }
done
command -v kcat > /dev/null || { echo "kafka.sh: kcat missing" >&2; exit 1; }
W=$(mktemp -d /tmp/sluice-kafka-bench.XXXXXX)
PIDS=()
cleanup()
{
    local p
    for p in "${PIDS[@]}"; do kill "$p" 2> /dev/null; done
    for p in "${PIDS[@]}"; do wait "$p" 2> /dev/null; done
    [ -n "${KEEP:-}" ] || rm -rf "$W"
}
trap cleanup EXIT
trap 'exit 1' INT TERM
C=4
P=16

cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat" 2> /dev/null || echo 0; }
now() { date +%s.%N; }
free_port()
{
    local p i
    for i in $(seq 100); do
        p=$((20000 + RANDOM % 12000))
        [ -z "$(ss -Htan "( sport = :$p )")" ] && { echo "$p"; return; }
    done
    echo 0
}
# topic_count: sum of the high watermarks of the bench topic
topic_count()
{
    local args=() p
    for p in $(seq 0 $((P - 1))); do args+=(-t "bench:$p:-1"); done
    timeout 10 kcat -Q -b "$KB" "${args[@]}" 2> /dev/null |
        awk '{ s += $NF } END { print s + 0 }'
}
mk_start()
{
    rm -f "$1/boot"
    "$MOCK_KAFKA" -b 3 -t 900 -f "$1/boot" -q -T "bench:$P" < /dev/null > "$1/mk.out" 2>&1 &
    MK=$!
    PIDS+=("$MK")
    for i in $(seq 100); do [ -s "$1/boot" ] && break; sleep 0.1; done
    KB=$(cat "$1/boot")
}
daemon_start()   # daemon_start DAEMON CONF DIR
{
    if [ "$1" = rsyslog ]; then
        "$RSYSLOGD" -n -iNONE -f "$2" < /dev/null > /dev/null 2> "$3/daemon.err" &
    else
        "$SLUICED" -n -iNONE -f "$2" -M "$SLUICE_PLUGIN_DIR" < /dev/null > /dev/null 2> "$3/daemon.err" &
    fi
    DP=$!
    PIDS+=("$DP")
}
stop() { kill "$1" 2> /dev/null; for i in $(seq 200); do kill -0 "$1" 2> /dev/null || break; sleep 0.1; done; kill -9 "$1" 2> /dev/null; wait "$1" 2> /dev/null; }

run_tcp_to_kafka()   # DAEMON DIR -> "msgs secs ticks lost dup"
{
    local d=$1 dir=$2 port t0 t1 c0 c1 i n
    port=$(free_port)
    mk_start "$dir"
    {
        printf 'global(workDirectory="%s")\n' "$dir"
        [ "$d" = rsyslog ] && printf 'main_queue(queue.workerThreads="1")\n'
        printf 'module(load="imtcp")\nmodule(load="omkafka")\n'
        printf 'input(type="imtcp" address="127.0.0.1" port="%s")\n' "$port"
        printf 'action(type="omkafka" broker=["%s"] topic="bench" partitions.number="%s"\n' "$KB" "$P"
        printf '       template="RSYSLOG_TraditionalFileFormat" queue.type="LinkedList"\n'
        printf '       queue.size="100000" action.resumeRetryCount="-1" action.resumeInterval="1")\n'
    } > "$dir/d.conf"
    daemon_start "$d" "$dir/d.conf" "$dir"
    for i in $(seq 150); do [ -n "$(ss -Hltn "( sport = :$port )")" ] && break; sleep 0.1; done
    c0=$(cpu_ticks "$DP")
    t0=$(now)
    timeout 120 "$SLFLOOD" -p "$port" -t tcp -n "$N" -c "$C" 2> "$dir/slflood.err"
    for i in $(seq 1200); do
        n=$(topic_count)
        [ "$n" -ge "$N" ] && break
        sleep 0.1
    done
    t1=$(now)
    c1=$(cpu_ticks "$DP")
    stop "$DP"
    timeout 120 kcat -C -b "$KB" -t bench -o beginning -e -q -f '%s' > "$dir/topic.txt" 2> /dev/null
    v=$("$SLVERIFY" -n "$N" -c "$C" -q -m -d -o "$dir/topic.txt" 2>&1)
    stop "$MK"
    echo "$N $(echo "$t1 - $t0" | bc -l) $((c1 - c0)) $(echo "$v" | sed -n 's/.*missing=\([0-9]*\).*/\1/p') $(echo "$v" | sed -n 's/.*duplicates=\([0-9]*\).*/\1/p')"
}

run_kafka_to_file()   # DAEMON DIR
{
    local d=$1 dir=$2 t0 t1 c0 c1 i n out=$dir/out.log lines0
    mk_start "$dir"
    awk -v n="$N" -v c="$C" 'BEGIN { for (i = 1; i <= n / c; i++) for (k = 0; k < c; k++)
        printf "<13>Dec  6 10:00:00 kafkahost app: seq=%d:%d\n", k, i }' > "$dir/in.txt"
    timeout 120 kcat -P -b "$KB" -t bench -l "$dir/in.txt" 2> /dev/null
    n=$(topic_count)
    [ "$n" -eq "$N" ] || echo "kafka.sh: preload put $n of $N messages into the topic" >&2
    {
        printf 'global(workDirectory="%s")\n' "$dir"
        [ "$d" = rsyslog ] && printf 'main_queue(queue.workerThreads="1")\n'
        printf 'module(load="imkafka")\n'
        printf 'template(name="raw" type="string" string="%%rawmsg%%\\n")\n'
        printf 'ruleset(name="k") { action(type="omfile" file="%s" template="raw") }\n' "$out"
        printf 'input(type="imkafka" broker=["%s"] topic="bench" consumerGroup="b-%s-%s" ruleset="k")\n' "$KB" "$d" "$RANDOM"
    } > "$dir/d.conf"
    daemon_start "$d" "$dir/d.conf" "$dir"
    for i in $(seq 600); do [ -s "$out" ] && break; sleep 0.05; done
    c0=$(cpu_ticks "$DP")
    t0=$(now)
    lines0=$(wc -l < "$out" 2> /dev/null || echo 0)
    for i in $(seq 2400); do
        n=$(wc -l < "$out" 2> /dev/null || echo 0)
        [ "$n" -ge "$N" ] && break
        sleep 0.05
    done
    t1=$(now)
    c1=$(cpu_ticks "$DP")
    stop "$DP"
    v=$("$SLVERIFY" -n "$N" -c "$C" -q -m -d "$out" 2>&1)
    stop "$MK"
    echo "$((N - lines0)) $(echo "$t1 - $t0" | bc -l) $((c1 - c0)) $(echo "$v" | sed -n 's/.*missing=\([0-9]*\).*/\1/p') $(echo "$v" | sed -n 's/.*duplicates=\([0-9]*\).*/\1/p')"
}

HZ=$(getconf CLK_TCK)
printf 'round\tscenario\tdaemon\tmsg/s\tCPU-us/msg\tlost\tdup\n' | tee "$W/results.tsv"
for r in $(seq "$ROUNDS"); do
    for s in ${SCENARIOS//,/ }; do
        for d in ${DAEMONS//,/ }; do
            dir=$W/$r-$s-$d
            mkdir -p "$dir"
            read -r m secs ticks lost dup < <("run_$s" "$d" "$dir")
            awk -v r="$r" -v s="$s" -v d="$d" -v m="$m" -v t="$secs" -v k="$ticks" -v hz="$HZ" \
                -v l="$lost" -v u="$dup" 'BEGIN { printf "%d\t%s\t%s\t%.0f\t%.2f\t%s\t%s\n",
                r, s, d, m / t, k * 1e6 / hz / m, l, u }' | tee -a "$W/results.tsv"
        done
    done
done
echo
echo "medians over $ROUNDS round(s), N=$N:"
median() { sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
for s in ${SCENARIOS//,/ }; do
    for d in ${DAEMONS//,/ }; do
        sel() { awk -F'\t' -v s="$s" -v d="$d" -v c="$1" '$2 == s && $3 == d { print $c }' "$W/results.tsv"; }
        printf '%s\t%s\t%s msg/s (%s-%s)\t%s CPU-us/msg\tlost %s\tdup %s\n' "$s" "$d" \
            "$(sel 4 | median)" "$(sel 4 | sort -n | head -n 1)" "$(sel 4 | sort -n | tail -n 1)" \
            "$(sel 5 | median)" "$(sel 6 | awk '{ t += $1 } END { print t + 0 }')" \
            "$(sel 7 | awk '{ t += $1 } END { print t + 0 }')"
    done
done
