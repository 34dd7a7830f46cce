#!/bin/bash
# bench/diskq.sh - throughput of sluiced's action queue types: imtcp -> omfile with no action
# queue (direct), an in-memory LinkedList queue, and a Disk queue per
# queue.syncQueueFiles ("off", "on") and queue.checkpointInterval.  Every run is a fresh
# daemon; slflood sends N messages over C TCP connections and bench/slrun times first byte
# sent .. last line written and reads the daemon's CPU time; slverify checks the output.
# The variants run interleaved (round 1: every variant, round 2: ...), so drift on a shared
# machine hits them alike; the table gives median (min-max) over the rounds.
#
# Usage: bench/diskq.sh BUILD_DIR [N] [ROUNDS] [VARIANTS]
#   BUILD_DIR  a configured, built tree (sluiced, .libs, tests/tools, bench/slrun are built
#              here with make if missing)
#   VARIANTS   comma-separated subset of: direct,memory,disk-off-c0,disk-off-c1000,
#              disk-on-c0,disk-on-c1000,disk-on-c10000 (default: all); any of them with
#              the prefix "rsyslog-" runs /usr/sbin/rsyslogd ($RSYSLOGD) on the same config
#              (note: rsyslog's checkpointInterval 0 means "no checkpoints", sluice's "every
#              batch")
# The spool lives in WORK (default /tmp/sluice-diskq.UID, or $DISKQ_WORK): on the disk you
# want to measure.  Only 127.0.0.1; the daemon is stopped by PID (SIGTERM, SIGKILL after 20 s).
set -u
build=$(cd "${1:?usage: bench/diskq.sh BUILD_DIR [N] [ROUNDS] [VARIANTS]}" && pwd)
n=${2:-200000}
rounds=${3:-3}
all=direct,memory,disk-off-c0,disk-off-c1000,disk-on-c0,disk-on-c1000,disk-on-c10000
variants=${4:-$all}
conns=2
work=${DISKQ_WORK:-/tmp/sluice-diskq.$(id -u)}
export TZ=UTC

for t in sluiced tests/tools/slflood tests/tools/slverify bench/slrun; do
    [ -x "$build/$t" ] || make -C "$build" "$t" > /dev/null || { echo "cannot build $t" >&2; exit 1; }
done
sluiced=$build/sluiced
plugins=$build/.libs
pid=

cleanup()
{
    if [ -n "$pid" ] && kill -0 "$pid" 2> /dev/null; then
        kill -TERM "$pid"
        for _ in $(seq 200); do kill -0 "$pid" 2> /dev/null || break; sleep 0.1; done
        kill -KILL "$pid" 2> /dev/null
        wait "$pid" 2> /dev/null
    fi
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP

free_port()
{
    local p
    for _ in $(seq 200); do
        p=$((20000 + (RANDOM * 32768 + RANDOM) % 40000))
        [ -z "$(ss -Htuan "( sport = :$p )" 2> /dev/null)" ] && { echo "$p"; return 0; }
    done
    return 1
}

# config VARIANT DIR PORT: the daemon's config for one run
config()
{
    local v=${1#rsyslog-} dir=$2 port=$3 q=''
    case $v in
        direct) q='' ;;
        memory) q=' queue.type="LinkedList" queue.size="100000"' ;;
        disk-*)
            local sync=${v#disk-}; sync=${sync%%-*}
            local ck=${v##*-c}
            q=" queue.type=\"Disk\" queue.filename=\"bq\" queue.syncQueueFiles=\"$sync\""
            q="$q queue.checkpointInterval=\"$ck\" queue.maxDiskSpace=\"1g\""
            ;;
        *) echo "unknown variant $v" >&2; exit 2 ;;
    esac
    printf 'global(workDirectory="%s" maxMessageSize="64k")\n' "$dir"
    printf 'module(load="imtcp" maxSessions="200")\n'
    printf 'input(type="imtcp" address="127.0.0.1" port="%s")\n' "$port"
    printf 'action(type="omfile" file="%s/out.log"%s)\n' "$dir" "$q"
}

# one VARIANT ROUND: prints "rate cpu_us_per_msg"
one()
{
    local v=$1 dir=$work/$1.$2 port res
    rm -rf "$dir"
    mkdir -p "$dir"
    port=$(free_port) || { echo "no free port" >&2; return 1; }
    config "$v" "$dir" "$port" > "$dir/sluiced.conf"
    case $v in
        rsyslog-*)
            "${RSYSLOGD:-/usr/sbin/rsyslogd}" -n -iNONE -f "$dir/sluiced.conf" < /dev/null > /dev/null 2> "$dir/sluiced.err" &
            ;;
        *)
            "$sluiced" -n -iNONE -f "$dir/sluiced.conf" -M "$plugins" < /dev/null > /dev/null 2> "$dir/sluiced.err" &
            ;;
    esac
    pid=$!
    for _ in $(seq 150); do
        [ -n "$(ss -Hltn "( sport = :$port )" 2> /dev/null)" ] && break
        sleep 0.1
    done
    res=$("$build/bench/slrun" -n "$n" -o "$dir/out.log" -p "$pid" -t 300 -q 15 -- \
        "$build/tests/tools/slflood" -p "$port" -t tcp -n "$n" -c "$conns" 2> "$dir/slrun.err")
    cleanup
    pid=
    local lost
    lost=$("$build/tests/tools/slverify" -q -n "$n" -c "$conns" "$dir/out.log" 2>&1 | tail -n 1)
    case $lost in *"missing=0 duplicates=0 reordered=0"*) ;; *) echo "$v round $2: $lost" >&2 ;; esac
    echo "$v round $2: $lost" >> "$work/verify.log"
    local rate cpu
    rate=$(sed -n 's/.*rate=\([0-9.]*\).*/\1/p' <<< "$res")
    cpu=$(sed -n 's/.*cpu_us_per_msg=\([0-9.]*\).*/\1/p' <<< "$res")
    echo "$v round $2: $res" >> "$work/runs.log"
    rm -rf "$dir"
    echo "${rate:-0} ${cpu:-0}"
}

mkdir -p "$work"
: > "$work/runs.log"
: > "$work/verify.log"
declare -A rates cpus
IFS=, read -r -a vs <<< "$variants"
for r in $(seq "$rounds"); do
    for v in "${vs[@]}"; do
        read -r rate cpu < <(one "$v" "$r")
        rates[$v]+="$rate "
        cpus[$v]+="$cpu "
        printf 'round %d: %-15s %8.0f msg/s %6.2f CPU-us/msg\n' "$r" "$v" "$rate" "$cpu"
    done
done

median()
{
    tr ' ' '\n' | grep . | sort -g | awk -v f="$1" '{ v[NR] = $1 }
        END { printf f " (" f "-" f ")", v[int((NR + 1) / 2)], v[1], v[NR] }'
}
echo
echo "$(date -u '+%Y-%m-%d %H:%M') UTC, $(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg);" \
     "N=$n over $conns TCP connections, $rounds rounds, spool in $work ($(df -T "$work" | awk 'NR == 2 { print $2 }'))"
echo
echo "| variant | msg/s median (min-max) | CPU-us/msg median (min-max) |"
echo "|---|---:|---:|"
for v in "${vs[@]}"; do
    printf '| %s | %s | %s |\n' "$v" "$(median '%.0f' <<< "${rates[$v]}")" "$(median '%.2f' <<< "${cpus[$v]}")"
done
