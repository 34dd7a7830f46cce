#!/bin/bash
# bench/profile.sh - where sluiced's time goes on tcp_to_file (4 TCP connections, LF framing,
# one omfile action, the same config as bench/run.sh), tcp_regex_route, normalize_to_json or
# udp_to_file.
# Each step starts a fresh daemon on 127.0.0.1, floods it with slflood, waits for the last
# line and stops it (by PID).
#
#   bench/profile.sh [--daemon sluice|rsyslog]
#                    [--scenario tcp_to_file|tcp_octet_to_file|tcp_regex_route|normalize_to_json|
#                                udp_to_file]
#                    [--n N]
#                    [--small N] [--udp-rate R] [--work DIR]
#                    [--steps perf,syscalls,callgrind,dhat] [--conns C] [--extra LINE]
#                    [--template NAME]
#
#   udp_to_file: imudp (rcvbufSize 4m) -> omfile, slflood -t udp -c 1 paced at --udp-rate
#              messages/s (default 100000; under valgrind 3000, which it keeps up with), so
#              per-message figures are divided by the lines written, not N, in case of loss
#   tcp_octet_to_file: bench/run.sh's scenario: tcp_to_file's config, slflood -t octet -5
#              (octet-counted RFC 5424 messages with structured data)
#   tcp_regex_route: bench/run.sh's scenario: `:msg, regex, "\{.*\}"` -> json.log, `& stop`,
#              the rest -> out.log; slflood -j 3 (every 3rd message has a JSON object)
#   normalize_to_json: bench/run.sh's scenario: mmnormalize with rulebase/sshd.rb (a
#              "seq=%seq:word% " prefix on every rule) -> omfile with a list template
#              "seq=$!seq $!all-json"; slflood -a sshd -P (the lines of rulebase/sshd.samples)
#
#   perf       perf record -e cpu-clock (no hardware counters needed) over N messages:
#              top symbols (self), split by thread and by kernel/user
#   syscalls   perf stat on syscall tracepoints (exact counts, no slowdown) over N, then
#              strace -c -f over --small N (slowed down: smaller batches) for the rest
#   callgrind  valgrind --tool=callgrind over --small N: instructions per message, top
#              functions (self and inclusive); repeatable on a noisy machine
#   dhat       valgrind --tool=dhat over --small N: heap blocks per message and the top
#              allocation sites (sluice only)
#
#   --conns C  tcp_to_file: slflood connections (default 4)
#   --extra LINE  one more config line before the input, e.g.
#              'main_queue(queue.type="Direct")' (the measurement of 2026-12-07)
#   --template NAME  the omfile action's template= (default: none, i.e. omfile's default
#              RSYSLOG_FileFormat), e.g. RSYSLOG_SyslogProtocol23Format; a template
#              without a final LF writes one line, so divide callgrind's total by N
#
# Uses SLUICED / SLUICE_PLUGIN_DIR from the environment, else the tree bench/run.sh built
# under WORK (run "bench/run.sh --build-only" first).  Results: WORK/profile/*.txt.
set -u
WORK=/tmp/sluice-bench.$(id -u)
DAEMON=sluice
N=3000000
SMALL=200000
STEPS=perf,syscalls,callgrind,dhat
SCENARIO=tcp_to_file
UDP_RATE=100000
UDP_RATE_VG=3000
CONNS=4
EXTRA=
TEMPLATE=
RSYSLOGD=${RSYSLOGD:-/usr/sbin/rsyslogd}
export TZ=UTC LC_ALL=C
while [ $# -gt 0 ]; do
    case $1 in
        --daemon) DAEMON=$2; shift ;;
        --n) N=$2; shift ;;
        --small) SMALL=$2; shift ;;
        --work) WORK=$2; shift ;;
        --steps) STEPS=$2; shift ;;
        --scenario) SCENARIO=$2; shift ;;
        --udp-rate) UDP_RATE=$2; UDP_RATE_VG=$2; shift ;;
        --conns) CONNS=$2; shift ;;
        --extra) EXTRA=$2; shift ;;
        --template) TEMPLATE=$2; shift ;;
        *) sed -n '2,40p' "$0" >&2; exit 2 ;;
    esac
    shift
done
case $SCENARIO in
    tcp_to_file | tcp_octet_to_file | tcp_regex_route | normalize_to_json | udp_to_file) ;;
    *) echo "profile.sh: unknown scenario $SCENARIO (tcp_to_file, tcp_octet_to_file, tcp_regex_route, normalize_to_json, udp_to_file)" >&2; exit 2 ;;
esac
SRC=$(cd "$(dirname "$0")/.." && pwd)
SLUICED=${SLUICED:-$WORK/tree/sluiced}
SLUICE_PLUGIN_DIR=${SLUICE_PLUGIN_DIR:-$(dirname "$SLUICED")/.libs}
SLFLOOD=${SLFLOOD:-$WORK/tree/tests/tools/slflood}
SLRUN=${SLRUN:-$WORK/bin/slrun}
[ -x "$SLUICED" ] && [ -x "$SLFLOOD" ] && [ -x "$SLRUN" ] ||
    { echo "profile.sh: run bench/run.sh --build-only --work $WORK first (or set SLUICED etc.)" >&2; exit 1; }
OUT=$WORK/profile
mkdir -p "$OUT"
if [ "$SCENARIO" = normalize_to_json ]; then
    # the same inputs as bench/run.sh makes for it
    sed -n 's/^<[0-9]*>[A-Z][a-z][a-z] [ 0-9][0-9] [0-9:]* [^ ]* sshd\[[0-9]*\]: //p' "$SRC/rulebase/sshd.samples" > "$OUT/sshd.lines"
    sed 's/^\(rule=[^:]*:\) /\1 seq=%seq:word% /' "$SRC/rulebase/sshd.rb" > "$OUT/sshd-bench.rb"
    [ -s "$OUT/sshd.lines" ] || { echo "profile.sh: no sshd sample lines in $SRC/rulebase/sshd.samples" >&2; exit 1; }
fi
# the profilers: installed on demand (as root) with apt-get, else the step is skipped
need_tool()   # need_tool COMMAND PACKAGE
{
    command -v "$1" > /dev/null && return 0
    [ "$(id -u)" = 0 ] && timeout 600 apt-get install -y --no-install-recommends "$2" > "$OUT/apt-$2.log" 2>&1 &&
        command -v "$1" > /dev/null && return 0
    echo "profile.sh: $1 not available ($2): step skipped" >&2
    return 1
}

PIDS=()
cleanup()
{
    local p
    for p in "${PIDS[@]}"; do kill -TERM "$p" 2> /dev/null; done
    for p in "${PIDS[@]}"; do
        for _ in $(seq 100); do kill -0 "$p" 2> /dev/null || break; sleep 0.1; done
        kill -KILL "$p" 2> /dev/null
        wait "$p" 2> /dev/null
    done
    PIDS=()
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP

stop_pid()
{
    local p=$1
    kill -TERM "$p" 2> /dev/null
    for _ in $(seq 600); do kill -0 "$p" 2> /dev/null || break; sleep 0.1; done   # valgrind is slow
    kill -KILL "$p" 2> /dev/null
    wait "$p" 2> /dev/null
    PIDS=()
}

free_port()
{
    local p
    for _ in $(seq 100); do
        p=$((30000 + RANDOM % 29000))
        [ -z "$(ss -Htuan "( sport = :$p )" 2> /dev/null)" ] && { echo "$p"; return 0; }
    done
    return 1
}

# start WRAPPER...: starts the daemon (under an optional wrapper such as valgrind) on a
# fresh port with the tcp_to_file config; sets PORT, DPID, D.
start()
{
    PORT=$(free_port) || exit 1
    D=$OUT/run
    rm -rf "$D" && mkdir -p "$D"
    {
        printf 'global(workDirectory="%s" maxMessageSize="64k")\n' "$D"
        [ -n "$EXTRA" ] && printf '%s\n' "$EXTRA"
        if [ "$SCENARIO" = udp_to_file ]; then
            printf 'module(load="imudp")\n'
            printf 'input(type="imudp" address="127.0.0.1" port="%s" rcvbufSize="4m")\n' "$PORT"
        else
            printf 'module(load="imtcp" maxSessions="200")\n'
            printf 'input(type="imtcp" address="127.0.0.1" port="%s")\n' "$PORT"
        fi
        if [ "$SCENARIO" = tcp_regex_route ]; then
            printf ':msg, regex, "\\{.*\\}" action(type="omfile" file="%s/json.log")\n' "$D"
            printf '& stop\n'
        fi
        if [ "$SCENARIO" = normalize_to_json ]; then
            printf 'module(load="mmnormalize")\n'
            printf 'template(name="normjson" type="list") {\n'
            printf '  constant(value="seq=") property(name="$!seq") constant(value=" ")\n'
            printf '  property(name="$!all-json") constant(value="\\n")\n}\n'
            printf 'action(type="mmnormalize" rulebase="%s/sshd-bench.rb")\n' "$OUT"
            printf 'action(type="omfile" file="%s/out.log" template="normjson")\n' "$D"
        elif [ -n "$TEMPLATE" ]; then
            printf 'action(type="omfile" file="%s/out.log" template="%s")\n' "$D" "$TEMPLATE"
        else
            printf 'action(type="omfile" file="%s/out.log")\n' "$D"
        fi
    } > "$D/daemon.conf"
    if [ "$DAEMON" = sluice ]; then
        "$@" "$SLUICED" -n -iNONE -f "$D/daemon.conf" -M "$SLUICE_PLUGIN_DIR" < /dev/null > "$D/daemon.out" 2> "$D/daemon.err" &
    else
        "$@" "$RSYSLOGD" -n -iNONE -f "$D/daemon.conf" < /dev/null > "$D/daemon.out" 2> "$D/daemon.err" &
    fi
    DPID=$!
    PIDS=("$DPID")
    local ssflags=-Hltn
    [ "$SCENARIO" = udp_to_file ] && ssflags=-Hlun
    for _ in $(seq 600); do
        [ -n "$(ss $ssflags "( sport = :$PORT )" 2> /dev/null)" ] && return 0
        kill -0 "$DPID" 2> /dev/null || break
        sleep 0.1
    done
    echo "profile.sh: daemon did not start: $(tail -n 5 "$D/daemon.err")" >&2
    exit 1
}

# flood N [TIMEOUT [UDP_RATE]]
flood()
{
    local args="-t tcp -c $CONNS" outs=(-o "$D/out.log")
    [ "$SCENARIO" = udp_to_file ] && args="-t udp -c 1 -r ${3:-$UDP_RATE}"
    [ "$SCENARIO" = tcp_octet_to_file ] && args="-t octet -5 -c $CONNS"
    [ "$SCENARIO" = tcp_regex_route ] && { args="$args -j 3"; outs+=(-o "$D/json.log"); }
    [ "$SCENARIO" = normalize_to_json ] && args="$args -a sshd -P $OUT/sshd.lines"
    # shellcheck disable=SC2086
    "$SLRUN" -n "$1" "${outs[@]}" -p "$DPID" -t "${2:-300}" -- timeout "${2:-300}" "$SLFLOOD" -p "$PORT" -n "$1" $args 2> /dev/null
}
# lines written in the last run (UDP may lose some)
written() { cat "$D/out.log" "$D/json.log" 2> /dev/null | wc -l; }

want() { case ",$STEPS," in *",$1,"*) return 0 ;; *) return 1 ;; esac; }
TAG=$DAEMON
[ "$SCENARIO" = tcp_to_file ] || TAG=$DAEMON.$SCENARIO

if want perf && need_tool perf linux-perf; then
    echo "== perf record ($DAEMON, N=$N)" >&2
    start
    perf record -q -e cpu-clock -F 4000 -g -o "$OUT/perf.$TAG.data" -p "$DPID" 2> /dev/null &
    PPID_PERF=$!
    sleep 0.5
    flood "$N" | tee "$OUT/perf.$TAG.run.txt"
    kill -INT "$PPID_PERF"; wait "$PPID_PERF"
    stop_pid "$DPID"
    {
        echo "# perf: $DAEMON $SCENARIO N=$N, cpu-clock samples, self time"
        echo "# samples: $(perf report -i "$OUT/perf.$TAG.data" --stdio -g none 2> /dev/null | sed -n 's/^# Samples: \([^ ]*\) .*/\1/p') at 4000 Hz"
        echo "# by thread (a thread with ~4000 samples per second of the run is saturated):"
        perf report -i "$OUT/perf.$TAG.data" --no-children --sort pid --stdio -g none -n 2> /dev/null | grep -v '^$' | grep -v '^#' | head -n 12
        echo "# by object (kernel = [kernel.kallsyms]):"
        perf report -i "$OUT/perf.$TAG.data" --no-children --sort dso --stdio -g none 2> /dev/null | grep -v '^$' | grep -v '^#' | head -n 12
        echo "# top symbols (self):"
        perf report -i "$OUT/perf.$TAG.data" --no-children --sort sym --stdio -g none 2> /dev/null | grep -v '^$' | grep -v '^#' | head -n 45
        echo "# top symbols per thread (self):"
        perf report -i "$OUT/perf.$TAG.data" --no-children --sort pid,sym --stdio -g none 2> /dev/null | grep -v '^$' | grep -v '^#' | head -n 40
    } > "$OUT/perf.$TAG.txt"
    cat "$OUT/perf.$TAG.txt"
fi

if want syscalls && need_tool perf linux-perf && need_tool strace strace; then
    echo "== syscalls ($DAEMON)" >&2
    start
    ev=raw_syscalls:sys_enter,context-switches,cpu-migrations,page-faults
    for sc in futex mprotect madvise mmap munmap brk writev write recvfrom read recvmmsg epoll_wait; do
        ev=$ev,syscalls:sys_enter_$sc
    done
    perf stat -e "$ev" -p "$DPID" -o "$OUT/sysstat.$TAG.txt" &
    PS=$!
    sleep 0.3
    flood "$N" > "$OUT/sysstat.$TAG.run.txt"
    kill -INT "$PS"; wait "$PS"
    stop_pid "$DPID"
    start
    strace -c -f -q -o "$OUT/strace.$TAG.txt" -p "$DPID" &
    ST=$!
    sleep 0.5
    flood "$SMALL" > "$OUT/strace.$TAG.run.txt"
    kill -INT "$ST"; wait "$ST"
    stop_pid "$DPID"
    {
        echo "# syscalls: $DAEMON $SCENARIO; perf stat over N=$N (undisturbed):"
        grep -E 'sys_enter|context-switches|cpu-migrations|page-faults' "$OUT/sysstat.$TAG.txt" |
            awk -v n="$N" '{ gsub(",", "", $1); if ($1 + 0 > 0) printf "  %-34s %12d  %.4f per message\n", $2, $1, $1 / n }'
        echo "# strace -c -f over N=$SMALL (slowed down, so batches are smaller than at full speed):"
        awk -v n="$SMALL" '/^[ ]*[0-9.]+ +[0-9.]+ +[0-9]+ +[0-9]+/ { c = $4; name = $NF; printf "  %-16s %10d  %.4f per message\n", name, c, c / n }' "$OUT/strace.$TAG.txt"
    } > "$OUT/syscalls.$TAG.txt"
    cat "$OUT/syscalls.$TAG.txt"
fi

if want callgrind && need_tool valgrind valgrind; then
    echo "== callgrind ($DAEMON, N=$SMALL)" >&2
    start valgrind --tool=callgrind --callgrind-out-file="$OUT/callgrind.$TAG.out" --separate-threads=no
    flood "$SMALL" 900 "$UDP_RATE_VG" > "$OUT/callgrind.$TAG.run.txt"
    stop_pid "$DPID"
    got=$(written)
    [ "$got" -gt 0 ] 2> /dev/null || got=1
    {
        total=$(callgrind_annotate "$OUT/callgrind.$TAG.out" 2> /dev/null | sed -n 's/^\([0-9,]*\) .*PROGRAM TOTALS.*/\1/p' | tr -d ,)
        echo "# callgrind: $DAEMON $SCENARIO N=$SMALL ($got written): $total instructions = $((total / got)) per message (start-up included)"
        echo "# self:"
        callgrind_annotate --threshold=99 "$OUT/callgrind.$TAG.out" 2> /dev/null | sed -n '/^Ir/,$p' | sed -n '3,40p'
        echo "# inclusive:"
        callgrind_annotate --inclusive=yes --threshold=99 "$OUT/callgrind.$TAG.out" 2> /dev/null | sed -n '/^Ir/,$p' | sed -n '3,40p'
    } > "$OUT/callgrind.$TAG.txt"
    cat "$OUT/callgrind.$TAG.txt"
fi

if want dhat && [ "$DAEMON" = sluice ] && need_tool valgrind valgrind; then
    echo "== dhat ($DAEMON, N=$SMALL)" >&2
    start valgrind --tool=dhat --dhat-out-file="$OUT/dhat.$TAG.json"
    flood "$SMALL" 600 > "$OUT/dhat.$TAG.run.txt"
    stop_pid "$DPID"
    /usr/bin/python3 - "$OUT/dhat.$TAG.json" "$SMALL" > "$OUT/dhat.$TAG.txt" << 'EOF'
import json, sys
d = json.load(open(sys.argv[1])); n = int(sys.argv[2])
ftbl = d["ftbl"]; pps = d["pps"]
# DHAT: "tbk" = total blocks, "tb" = total bytes of a program point
tb = sum(p["tbk"] for p in pps); tbytes = sum(p["tb"] for p in pps)
print(f"# dhat: {tb} heap blocks, {tbytes} bytes in total over N={n}: "
      f"{tb / n:.2f} blocks and {tbytes / n:.0f} bytes per message (start-up included)")
print("# top allocation sites by blocks (blocks per message, bytes per block, first frames):")
for p in sorted(pps, key=lambda p: -p["tbk"])[:12]:
    frames = [ftbl[i] for i in p["fs"]]
    frames = [f.split(": ", 1)[-1].split(" (in /")[0] for f in frames
              if "vgpreload" not in f and "sl_xmalloc" not in f and "sl_xcalloc" not in f][:4]
    print(f"  {p['tbk'] / n:8.4f}/msg  {p['tb'] / max(p['tbk'], 1):7.0f} B  " + " <- ".join(frames))
EOF
    cat "$OUT/dhat.$TAG.txt"
fi
