#!/bin/bash
# imfile.sh - file input benchmark (issue 16): sluiced's imfile against rsyslogd 8.2302's,
# both reading the same pre-written file of N lines (inotify mode, one main queue worker
# for rsyslog as in the tests) and writing it with omfile (template "%msg%\n", so the output
# can be checked).  Each (round, daemon) run starts the daemon afresh with an empty work
# directory, times from start to the N-th output line, checks that the output is the input
# line for line, and reads the daemon's CPU time (utime+stime from /proc) just before
# stopping it.  Reported per daemon: median lines/s and CPU microseconds per line (min-max).
#
#   bench/imfile.sh [--build DIR] [--lines N] [--rounds R] [--daemons sluice,rsyslog]
#                   [--metadata on|off] [--work DIR]
# DIR is a configured and built sluice tree (default: the current directory).
set -u
BUILD=$PWD
N=1000000
ROUNDS=3
DAEMONS=sluice,rsyslog
META=on
WORK=/tmp/slimfile-bench.$(id -u)
while [ $# -gt 0 ]; do
    case $1 in
        --build) BUILD=$2; shift 2 ;;
        --lines) N=$2; shift 2 ;;
        --rounds) ROUNDS=$2; shift 2 ;;
        --daemons) DAEMONS=$2; shift 2 ;;
        --metadata) META=$2; shift 2 ;;
        --work) WORK=$2; shift 2 ;;
        *) sed -n '2,12p' "$0"; exit 2 ;;
    esac
done
BUILD=$(cd "$BUILD" && pwd)
[ -x "$BUILD/sluiced" ] || { echo "no sluiced in $BUILD (build it first)"; exit 1; }
RSYSLOGD=${RSYSLOGD:-/usr/sbin/rsyslogd}
rm -rf "$WORK"
mkdir -p "$WORK" || exit 1
PID=
trap '[ -n "$PID" ] && kill -KILL "$PID" 2> /dev/null; wait 2> /dev/null' EXIT

# the input: numbered lines of about 100 bytes, like an application log
awk -v n="$N" 'BEGIN { for (i = 1; i <= n; i++)
    printf "2024-05-01T12:00:00.000Z app[1234]: INFO request %d handled in 12 ms path=/api/v1/items status=200\n", i }' \
    > "$WORK/in.log"
BYTES=$(stat -c %s "$WORK/in.log")

cpu_us()   # PID: utime+stime in microseconds
{
    awk -v hz="$(getconf CLK_TCK)" '{ print int(($14 + $15) * 1000000 / hz) }' "/proc/$1/stat"
}

run_one()  # DAEMON ROUND
{
    local who=$1 d=$WORK/$1.$2 t0 t1 cpu lines i
    mkdir -p "$d"
    cat > "$d/conf" << EOF
global(workDirectory="$d")
main_queue(queue.workerThreads="1")
module(load="imfile" mode="inotify")
template(name="m" type="string" string="%msg%\n")
input(type="imfile" file="$WORK/in.log" tag="app:" addMetadata="$META")
action(type="omfile" file="$d/out.log" template="m")
EOF
    t0=$(date +%s.%N)
    if [ "$who" = sluice ]; then
        "$BUILD/sluiced" -n -iNONE -f "$d/conf" -M "$BUILD/.libs" < /dev/null > /dev/null 2> "$d/err" &
    else
        "$RSYSLOGD" -n -iNONE -f "$d/conf" < /dev/null > /dev/null 2> "$d/err" &
    fi
    PID=$!
    lines=0
    for i in $(seq 6000); do      # at most 600 s
        lines=$( (wc -l < "$d/out.log") 2> /dev/null || echo 0)
        [ "$lines" -ge "$N" ] && break
        kill -0 "$PID" 2> /dev/null || break
        sleep 0.1
    done
    t1=$(date +%s.%N)
    cpu=$(cpu_us "$PID" 2> /dev/null || echo 0)
    kill -TERM "$PID" 2> /dev/null
    wait "$PID" 2> /dev/null
    PID=
    local ok=ok
    cmp -s "$WORK/in.log" "$d/out.log" || ok=MISMATCH
    awk -v w="$who" -v r="$2" -v n="$N" -v l="$lines" -v t0="$t0" -v t1="$t1" -v c="$cpu" -v ok="$ok" \
        'BEGIN { s = t1 - t0; printf "%s\t%d\t%d\t%.3f\t%.0f\t%.2f\t%s\n", w, r, l, s, l / s, c / n, ok }' \
        >> "$WORK/results.tsv"
    rm -rf "$d/out.log"
}

printf 'daemon\tround\tlines\tseconds\tlines_per_s\tcpu_us_per_line\tcheck\n' > "$WORK/results.tsv"
for r in $(seq "$ROUNDS"); do
    for who in ${DAEMONS//,/ }; do
        run_one "$who" "$r"
    done
done
echo "imfile benchmark: $N lines ($BYTES bytes) file -> omfile, addMetadata=$META, $ROUNDS rounds"
echo "(the rate includes the start-up of the daemon; lines/s and CPU us/line: median (min-max))"
awk -F'\t' 'NR > 1 { k = $1; n[k]++; r[k, n[k]] = $5; c[k, n[k]] = $6; if ($7 != "ok") bad[k]++ }
    function med(a, k, m,   i, j, t, v) { for (i = 1; i <= m; i++) v[i] = a[k, i]
        for (i = 1; i <= m; i++) for (j = i + 1; j <= m; j++) if (v[j] < v[i]) { t = v[i]; v[i] = v[j]; v[j] = t }
        return sprintf("%s (%s-%s)", v[int((m + 1) / 2)], v[1], v[m]) }
    END { for (k in n) printf "%-8s lines/s %-28s cpu us/line %-20s %s\n", k, med(r, k, n[k]), med(c, k, n[k]),
        bad[k] ? bad[k] " run(s) with wrong output" : "output checked" }' "$WORK/results.tsv"
