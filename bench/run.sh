#!/bin/bash
# bench/run.sh - throughput / CPU / memory benchmark: sluiced against rsyslogd 8.2302,
# syslog-ng 3.38 and a raw socket-to-file sink (bench/slsink.c, the ceiling), on the same
# scenarios with equivalent configs, interleaved (A B C D, A B C D, ...).  See bench/README.md.
#
#   bench/run.sh [--smoke] [--rounds N] [--scenarios a,b,...] [--daemons d,...] [--scale F]
#                [--work DIR] [--no-install] [--no-build] [--build-only] [--pin] [--keep] [--report]
#                [--quiet-wait S] [--max-busy P]
#                [--scaling] [--list]
#
#   --smoke        tiny N, 1 round, sluiced only, no installs (CI: under 60 s)
#   --rounds N     rounds (default 3); each round runs every scenario on every daemon
#   --scenarios    comma list (default: all; --list shows them)
#                  (udp_200k_contended: udp_200k with a busy process on one CPU)
#   --daemons      comma list of sluice,rsyslog,syslog-ng,sink (default: all four)
#   --scale F      multiply every message count by F (default 1)
#   --work DIR     scratch root (default /tmp/sluice-bench.UID): build tree, tools, runs
#   --no-install   do not apt-get anything (missing peers are skipped with a note)
#   --no-build     use SLUICED / SLUICE_PLUGIN_DIR from the environment (as make check sets)
#   --build-only   install and build (sluiced, tools), then stop (for bench/profile.sh)
#   --pin          daemon (all its threads) on CPU 1, sender and timer on CPU 0 (taskset):
#                  msg/s then shows what one core of daemon does, with less noise
#   --quiet-wait S before each run wait up to S seconds (default 30) until other processes
#                  use less than --max-busy P percent of the machine (default 25); every run
#                  records "other %" (CPU used by others during the run) in the table
#   --keep         keep every run directory (outputs, configs, daemon stderr)
#   --report       only print the table of the earlier run in --work DIR
#   --scaling      the scaling table: tcp_to_file with 1, 4, 16, 64 and 256 connections
#                  (--scenarios tcp_to_file_1conn,tcp_to_file,tcp_to_file_16conn,
#                  tcp_to_file_64conn,tcp_to_file_256conn), then msg/s and CPU-us/msg per
#                  daemon by connections
#
# Environment: SYSLOG_NG_ROOT (an unpacked syslog-ng-core; default: the cache below, or
# ~/.cache/sluice-peers/syslog-ng when install-peers.sh put one there), BENCH_CACHE
# (default ~/.cache/sluice-bench), CC, SLFLOOD/SLVERIFY/SLSINK/SLRUN (prebuilt tools).
#
# Every daemon runs in the foreground on 127.0.0.1 high ports, every wait is bounded, and
# the cleanup trap stops exactly the processes this script started (by PID).
set -u

SRC=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
ROUNDS=3
SCENARIOS=
DAEMONS=sluice,rsyslog,syslog-ng,sink
SCALE=1
WORK=/tmp/sluice-bench.$(id -u)
INSTALL=1
BUILD=1
KEEP=0
SMOKE=0
QUIET_WAIT=30
MAX_BUSY=25
PIN=0
BUILD_ONLY=0
REPORT=0
BENCH_CACHE=${BENCH_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/sluice-bench}
RSYSLOGD=${RSYSLOGD:-/usr/sbin/rsyslogd}
export TZ=UTC LC_ALL=C

ALL_SCENARIOS="tcp_to_file tcp_to_file_1conn tcp_octet_to_file udp_25k udp_50k udp_100k udp_200k udp_max tcp_regex_route tcp_forward tls_to_file normalize_to_json tls_forward tcp_to_file_16conn tcp_to_file_64conn tcp_to_file_256conn udp_200k_contended"
SCALING_SCENARIOS=tcp_to_file_1conn,tcp_to_file,tcp_to_file_16conn,tcp_to_file_64conn,tcp_to_file_256conn
SCALING=0

# scenario table: name | base N (messages) | sender arguments (after -p PORT -n N)
scenario_n()
{
    case $1 in
        tcp_to_file | tcp_to_file_1conn | tcp_octet_to_file) echo 3000000 ;;
        tcp_to_file_16conn | tcp_to_file_64conn | tcp_to_file_256conn) echo 3000000 ;;
        tcp_regex_route | tcp_forward | tls_forward) echo 2000000 ;;
        tls_to_file) echo 2000000 ;;
        normalize_to_json) echo 1000000 ;;
        udp_25k) echo 75000 ;;       # 3 s at the rate
        udp_50k) echo 150000 ;;
        udp_100k) echo 300000 ;;
        udp_200k | udp_200k_contended) echo 600000 ;;
        udp_max) echo 600000 ;;
        *) echo 0 ;;
    esac
}
scenario_sender()
{
    case $1 in
        tcp_to_file | tcp_forward | tls_forward) echo "-t tcp -c 4" ;;
        tcp_to_file_1conn) echo "-t tcp -c 1" ;;
        tcp_to_file_16conn) echo "-t tcp -c 16" ;;
        tcp_to_file_64conn) echo "-t tcp -c 64" ;;
        tcp_to_file_256conn) echo "-t tcp -c 256" ;;
        tcp_octet_to_file) echo "-t octet -5 -c 4" ;;
        tcp_regex_route) echo "-t tcp -c 4 -j 3" ;;
        tls_to_file) echo "-t tls -c 4 -A $WORK/pki/ca.pem" ;;
        normalize_to_json) echo "-t tcp -c 4 -a sshd -P $WORK/sshd.lines" ;;
        udp_25k) echo "-t udp -c 1 -r 25000" ;;
        udp_50k) echo "-t udp -c 1 -r 50000" ;;
        udp_100k) echo "-t udp -c 1 -r 100000" ;;
        udp_200k | udp_200k_contended) echo "-t udp -c 1 -r 200000" ;;
        udp_max) echo "-t udp -c 1" ;;
    esac
}
scenario_conns()
{
    case $1 in
        tcp_to_file_1conn | udp_*) echo 1 ;;
        tcp_to_file_16conn) echo 16 ;;
        tcp_to_file_64conn) echo 64 ;;
        tcp_to_file_256conn) echo 256 ;;
        *) echo 4 ;;
    esac
}
scenario_proto() { case $1 in udp_*) echo udp ;; tcp_octet_to_file) echo octet ;; tls_to_file) echo tls ;; *) echo tcp ;; esac; }
# scenario_runs SCENARIO DAEMON: whether DAEMON takes part (the sink neither routes, speaks
# TLS nor normalizes; syslog-ng's normalizer, patterndb, takes no liblognorm rulebase).
# tls_forward has no sink row: slflood's TLS speaks octet counting, omfwd's LF framing.
scenario_runs()
{
    case $2:$1 in
        sink:tcp_regex_route | sink:tls_to_file | sink:normalize_to_json | sink:tls_forward) return 1 ;;
        syslog-ng:normalize_to_json) return 1 ;;
    esac
    return 0
}

usage() { sed -n '2,37p' "$0" >&2; exit 2; }

while [ $# -gt 0 ]; do
    case $1 in
        --smoke) SMOKE=1 ;;
        --rounds) ROUNDS=$2; shift ;;
        --scenarios) SCENARIOS=$2; shift ;;
        --daemons) DAEMONS=$2; shift ;;
        --scale) SCALE=$2; shift ;;
        --work) WORK=$2; shift ;;
        --no-install) INSTALL=0 ;;
        --no-build) BUILD=0 ;;
        --build-only) BUILD_ONLY=1 ;;
        --report) REPORT=1 ;;
        --pin) PIN=1 ;;
        --quiet-wait) QUIET_WAIT=$2; shift ;;
        --max-busy) MAX_BUSY=$2; shift ;;
        --keep) KEEP=1 ;;
        --scaling) SCALING=1 ;;
        --list) echo "$ALL_SCENARIOS" | tr ' ' '\n'; exit 0 ;;
        -h | --help) usage ;;
        *) echo "run.sh: unknown argument $1" >&2; usage ;;
    esac
    shift
done
if [ "$SMOKE" = 1 ]; then
    ROUNDS=1
    DAEMONS=sluice
    SCALE=${SMOKE_SCALE:-0.03}
    INSTALL=0
    QUIET_WAIT=0
    [ -n "$SCENARIOS" ] || SCENARIOS=tcp_to_file,tcp_octet_to_file,udp_25k,tcp_regex_route,tcp_forward,udp_200k_contended
fi
[ "$SCALING" = 1 ] && [ -z "$SCENARIOS" ] && SCENARIOS=$SCALING_SCENARIOS
[ -n "$SCENARIOS" ] || SCENARIOS=$(echo "$ALL_SCENARIOS" | tr ' ' ',')
case $ROUNDS in '' | *[!0-9]*) usage ;; esac
for s in ${SCENARIOS//,/ }; do
    case " $ALL_SCENARIOS " in *" $s "*) ;; *) echo "run.sh: unknown scenario $s" >&2; exit 2 ;; esac
done
for d in ${DAEMONS//,/ }; do
    case $d in sluice | rsyslog | syslog-ng | sink) ;; *) echo "run.sh: unknown daemon $d" >&2; exit 2 ;; esac
done

# --- summary table: medians with min-max ------------------------------------------------------

summarize()
{
    awk -F '\t' -v scen="$SCENARIOS" -v daemons="$DAEMONS" '
    function sortv(a, n,   i, j, t) { for (i = 2; i <= n; i++) { t = a[i]; for (j = i - 1; j >= 1 && a[j] > t; j--) a[j + 1] = a[j]; a[j + 1] = t } }
    function med(key, col,   n, a, i, v) {
        n = cnt[key]; if (n == 0) return ""
        for (i = 1; i <= n; i++) a[i] = val[key, i, col] + 0
        sortv(a, n)
        v = (n % 2) ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
        lo[col] = a[1]; hi[col] = a[n]
        return v
    }
    function fmt(v, col, unit,   f) {
        f = (col == "cpu") ? "%.2f" : "%.0f"
        if (col == "rate") return sprintf("%.0fk (%.0f-%.0f)", v / 1000, lo[col] / 1000, hi[col] / 1000)
        if (col == "hwm") return sprintf("%.1f (%.1f-%.1f)", v / 1024, lo[col] / 1024, hi[col] / 1024)
        if (lo[col] == hi[col]) return sprintf(f, v)
        return sprintf(f " (" f "-" f ")", v, lo[col], hi[col])
    }
    NR == 1 { next }
    {
        key = $2 SUBSEP $3; i = ++cnt[key]
        val[key, i, "rate"] = $7; val[key, i, "cpu"] = $8; val[key, i, "hwm"] = $9
        val[key, i, "miss"] = $10; val[key, i, "dup"] = $11; val[key, i, "ord"] = $12; val[key, i, "oth"] = $14
        if ($13 != "complete" && $13 != "stable") bad[key] = bad[key] " " $13
        n[key] = $4
    }
    END {
        print "| scenario | daemon | N | msg/s | CPU-us/msg | peak RSS MiB | lost | dup | reordered | other % |"
        print "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|"
        ns = split(scen, S, ","); nd = split(daemons, D, ",")
        for (i = 1; i <= ns; i++) {
            for (j = 1; j <= nd; j++) {
                if (D[j] == "") continue
                key = S[i] SUBSEP D[j]
                if (cnt[key] == 0) continue
                r = med(key, "rate"); rs = fmt(r, "rate")
                c = med(key, "cpu"); cs = fmt(c, "cpu")
                h = med(key, "hwm"); hs = fmt(h, "hwm")
                m = med(key, "miss"); ms = fmt(m, "miss")
                d = med(key, "dup"); ds = fmt(d, "dup")
                o = med(key, "ord"); os = fmt(o, "ord")
                x = med(key, "oth"); xs = fmt(x, "oth")
                if (D[j] == "sink") { cs = cs " (sink)"; hs = hs " (sink)" }
                extra = (key in bad) ? " [" bad[key] " ]" : ""
                printf "| %s | %s | %s | %s%s | %s | %s | %s | %s | %s | %s |\n", S[i], D[j], n[key], rs, extra, cs, hs, ms, ds, os, xs
            }
        }
    }' "$RESULTS"
}
# scaling_table: tcp_to_file by connections (1, 4, 16, 64, 256), one row per daemon: median
# msg/s and CPU-us/msg of the complete runs (issue 20: cost growth with load).
scaling_table()
{
    awk -F '\t' '
    function med(list,   a, k, i, j, t) {
        k = split(list, a, " ")
        for (i = 2; i <= k; i++) for (j = i; j > 1 && a[j - 1] + 0 > a[j] + 0; j--) { t = a[j]; a[j] = a[j - 1]; a[j - 1] = t }
        return k == 0 ? "" : (k % 2 ? a[(k + 1) / 2] : (a[k / 2] + a[k / 2 + 1]) / 2)
    }
    BEGIN { c["tcp_to_file_1conn"] = 1; c["tcp_to_file"] = 4; c["tcp_to_file_16conn"] = 16; c["tcp_to_file_64conn"] = 64; c["tcp_to_file_256conn"] = 256 }
    NR > 1 && ($2 in c) && $13 == "complete" {
        k = $3 SUBSEP c[$2]; rate[k] = rate[k] " " $7; cpu[k] = cpu[k] " " $8
        if (!($3 in seen)) { seen[$3] = 1; order[++nd] = $3 }
        have = 1
    }
    END {
        if (!have) exit
        print "| daemon | 1 conn | 4 conns | 16 conns | 64 conns | 256 conns |"
        print "|---|---:|---:|---:|---:|---:|"
        split("1 4 16 64 256", cs, " ")
        for (d = 1; d <= nd; d++) {
            line = "| " order[d]
            for (i = 1; i <= 5; i++) {
                k = order[d] SUBSEP cs[i]
                line = line " | " (k in rate ? sprintf("%.0fk msg/s, %.2f CPU-us/msg", med(rate[k]) / 1000, med(cpu[k])) : "-")
            }
            print line " |"
        }
    }' "$RESULTS"
}

print_table()
{
    summarize > "$WORK/table.md"
    {
        echo
        cat "$WORK/table.md"
        echo
        echo "msg/s: median (min-max) over rounds, first byte sent to last line written; CPU-us/msg:"
        echo "daemon utime+stime / lines written; peak RSS: VmHWM; other %: machine share used by"
        echo "other processes during the run (median; high = noisy neighbours).  Raw: $RESULTS"
        scaling_table > "$WORK/scaling.md"
        if [ -s "$WORK/scaling.md" ]; then
            echo
            echo "Scaling (tcp_to_file by connections; medians of complete runs):"
            cat "$WORK/scaling.md"
        fi
    } | tee -a "$LOG"
}

mkdir -p "$WORK" || exit 1
WORK=$(cd "$WORK" && pwd)
RESULTS=$WORK/results.tsv
if [ "$REPORT" = 1 ]; then
    # --report: only print the table of an earlier run in WORK
    [ -f "$RESULTS" ] || { echo "run.sh: no $RESULTS" >&2; exit 1; }
    LOG=/dev/null
    SCENARIOS=$(awk -F '\t' 'NR > 1 && !seen[$2]++ { printf "%s%s", sep, $2; sep = "," }' "$RESULTS")
    DAEMONS=$(awk -F '\t' 'NR > 1 && !seen[$3]++ { printf "%s%s", sep, $3; sep = "," }' "$RESULTS")
    [ -f "$WORK/header.txt" ] && cat "$WORK/header.txt"
    print_table
    exit 0
fi
LOG=$WORK/run.log
: > "$LOG"
note() { printf '%s\n' "$*" | tee -a "$LOG" >&2; }
die() { note "run.sh: $*"; exit 1; }

# --- process bookkeeping -------------------------------------------------------------------

PIDS=()
cleanup()
{
    local pid i
    for pid in "${PIDS[@]}"; do
        kill -0 "$pid" 2> /dev/null && kill -TERM "$pid" 2> /dev/null
    done
    for pid in "${PIDS[@]}"; do
        for i in $(seq 100); do
            kill -0 "$pid" 2> /dev/null || break
            sleep 0.1
        done
        kill -KILL "$pid" 2> /dev/null
        wait "$pid" 2> /dev/null
    done
    PIDS=()
}
trap 'cleanup' EXIT
trap 'exit 1' INT TERM HUP

# stop_pid PID: SIGTERM, up to 20 s, then SIGKILL; reaps it and forgets it.
stop_pid()
{
    local pid=$1 i keep=()
    kill -TERM "$pid" 2> /dev/null
    for i in $(seq 200); do
        kill -0 "$pid" 2> /dev/null || break
        sleep 0.1
    done
    kill -KILL "$pid" 2> /dev/null && note "  (pid $pid needed SIGKILL)"
    wait "$pid" 2> /dev/null
    for i in "${PIDS[@]}"; do [ "$i" = "$pid" ] || keep+=("$i"); done
    PIDS=("${keep[@]}")
}

# --- ports ---------------------------------------------------------------------------------

port_in_use() { [ -n "$(ss -Htuan "( sport = :$1 )" 2> /dev/null)" ]; }
GIVEN=" "
new_port()
{
    local i p
    for i in $(seq 200); do
        p=$((30000 + (RANDOM * 32768 + RANDOM) % 29000))
        case $GIVEN in *" $p "*) continue ;; esac
        port_in_use "$p" && continue
        GIVEN="$GIVEN$p "
        printf -v "$1" '%s' "$p"
        return 0
    done
    die "no free port"
}
wait_port()
{
    local proto=$1 port=$2 pid=$3 flag=-Hltn i
    [ "$proto" = udp ] && flag=-Hlun
    for i in $(seq 150); do
        [ -n "$(ss "$flag" "( sport = :$port )" 2> /dev/null)" ] && return 0
        kill -0 "$pid" 2> /dev/null || return 1
        sleep 0.1
    done
    return 1
}

# --- set-up: packages, syslog-ng, build, tools ----------------------------------------------

have_pkg() { dpkg-query -W -f='${Status}' "$1" 2> /dev/null | grep -q 'ok installed'; }

install_peers()
{
    local need=() p
    for p in rsyslog gnutls-bin rsyslog-gnutls liblognorm5 rsync iproute2 procps libivykis0 libjson-c5 libnet1 libpcre3 libwrap0 libcap2 libglib2.0-0; do
        have_pkg "$p" || need+=("$p")
    done
    if [ ${#need[@]} -gt 0 ]; then
        [ "$(id -u)" = 0 ] || die "need root to install: ${need[*]}"
        note "installing: ${need[*]}"
        timeout 600 apt-get install -y --no-install-recommends "${need[@]}" >> "$LOG" 2>&1 ||
            { timeout 300 apt-get update >> "$LOG" 2>&1 &&
              timeout 600 apt-get install -y --no-install-recommends "${need[@]}" >> "$LOG" 2>&1; } ||
            die "apt-get install failed (see $LOG)"
    fi
    # syslog-ng-core conflicts with rsyslog in apt: unpack the .deb into the cache instead
    if [ ! -x "$SNG_ROOT/usr/sbin/syslog-ng" ]; then
        note "unpacking syslog-ng-core into $SNG_ROOT"
        mkdir -p "$BENCH_CACHE/deb" && rm -f "$BENCH_CACHE"/deb/syslog-ng-core_*.deb
        (cd "$BENCH_CACHE/deb" && timeout 300 apt-get download syslog-ng-core >> "$LOG" 2>&1) ||
            die "apt-get download syslog-ng-core failed"
        rm -rf "$SNG_ROOT" && mkdir -p "$SNG_ROOT"
        dpkg-deb -x "$BENCH_CACHE"/deb/syslog-ng-core_*.deb "$SNG_ROOT" || die "dpkg-deb -x failed"
    fi
}

if [ -n "${SYSLOG_NG_ROOT:-}" ]; then
    SNG_ROOT=$SYSLOG_NG_ROOT
elif [ ! -x "$BENCH_CACHE/syslog-ng/usr/sbin/syslog-ng" ] &&
     [ -x "$HOME/.cache/sluice-peers/syslog-ng/usr/sbin/syslog-ng" ]; then
    SNG_ROOT=$HOME/.cache/sluice-peers/syslog-ng
else
    SNG_ROOT=$BENCH_CACHE/syslog-ng
fi

want_daemon() { case ",$DAEMONS," in *",$1,"*) return 0 ;; *) return 1 ;; esac; }

if [ "$INSTALL" = 1 ]; then
    install_peers
fi
if want_daemon rsyslog && [ ! -x "$RSYSLOGD" ]; then
    note "note: $RSYSLOGD not installed: rsyslog skipped"
    DAEMONS=${DAEMONS//rsyslog/}
fi
if want_daemon syslog-ng && [ ! -x "$SNG_ROOT/usr/sbin/syslog-ng" ]; then
    note "note: no syslog-ng under $SNG_ROOT: syslog-ng skipped"
    DAEMONS=${DAEMONS//syslog-ng/}
fi

TREE=$WORK/tree
if [ "$BUILD" = 1 ]; then
    note "building sluiced (-O2 -g) in $TREE"
    mkdir -p "$TREE"
    if command -v rsync > /dev/null; then
        rsync -a --delete --exclude .git --exclude tests/scratch "$SRC"/ "$TREE"/ || die "rsync failed"
    else
        (cd "$SRC" && tar --exclude=./.git -cf - .) | (cd "$TREE" && tar -xf -) || die "copy failed"
    fi
    (
        cd "$TREE" || exit 1
        if [ ! -f Makefile ]; then
            ./autogen.sh && ./configure CFLAGS="-O2 -g" || exit 1
        fi
        make -j2 sluiced && make -j2 all && make -j2 tests/tools/slflood tests/tools/slverify
    ) >> "$LOG" 2>&1 || die "build failed (see $LOG)"
    SLUICED=$TREE/sluiced
    SLUICE_PLUGIN_DIR=$TREE/.libs
    SLFLOOD=${SLFLOOD:-$TREE/tests/tools/slflood}
    SLVERIFY=${SLVERIFY:-$TREE/tests/tools/slverify}
else
    [ -x "${SLUICED:-}" ] || die "--no-build needs SLUICED (and SLUICE_PLUGIN_DIR)"
    SLUICE_PLUGIN_DIR=${SLUICE_PLUGIN_DIR:-$(dirname "$SLUICED")/.libs}
fi

BIN=$WORK/bin
mkdir -p "$BIN"
CC=${CC:-cc}
build_tool()   # build_tool NAME SOURCE [LIBS]: compiles when missing or older than the source
{
    local out=$BIN/$1
    if [ ! -x "$out" ] || [ "$2" -nt "$out" ]; then
        "$CC" -D_GNU_SOURCE -std=gnu11 -O2 -g -Wall -Wextra -o "$out" "$2" ${3:-} >> "$LOG" 2>&1 ||
            die "cannot compile $2"
    fi
}
if [ -z "${SLSINK:-}" ]; then build_tool slsink "$SRC/bench/slsink.c" -lgnutls; SLSINK=$BIN/slsink; fi
if [ -z "${SLRUN:-}" ]; then build_tool slrun "$SRC/bench/slrun.c"; SLRUN=$BIN/slrun; fi
if [ -z "${SLFLOOD:-}" ]; then build_tool slflood "$SRC/tests/tools/slflood.c" "-pthread -lgnutls"; SLFLOOD=$BIN/slflood; fi
if [ -z "${SLVERIFY:-}" ]; then build_tool slverify "$SRC/tests/tools/slverify.c"; SLVERIFY=$BIN/slverify; fi

if [ "$BUILD_ONLY" = 1 ]; then
    note "built: $SLUICED, tools in $BIN"
    exit 0
fi

# Inputs of the TLS and normalization scenarios: a throwaway PKI (tests/tls/mkcerts.sh,
# certtool) and sshd lines from rulebase/sshd.samples with the seq in front, normalized by
# rulebase/sshd.rb with a "seq=%seq:word% " prefix on every rule (so slverify still counts).
case ",$SCENARIOS," in
    *,tls_to_file,* | *,tls_forward,*)
        if [ ! -f "$WORK/pki/ca.pem" ]; then
            sh "$SRC/tests/tls/mkcerts.sh" "$WORK/pki" >> "$LOG" 2>&1 || die "cannot make the TLS test PKI (certtool from gnutls-bin?)"
        fi ;;
esac
sed -n 's/^<[0-9]*>[A-Z][a-z][a-z] [ 0-9][0-9] [0-9:]* [^ ]* sshd\[[0-9]*\]: //p' "$SRC/rulebase/sshd.samples" > "$WORK/sshd.lines"
sed 's/^\(rule=[^:]*:\) /\1 seq=%seq:word% /' "$SRC/rulebase/sshd.rb" > "$WORK/sshd-bench.rb"
[ -s "$WORK/sshd.lines" ] || die "no sshd sample lines in $SRC/rulebase/sshd.samples"

DPIN='' SPIN=''
if [ "$PIN" = 1 ]; then
    command -v taskset > /dev/null && [ "$(nproc)" -ge 2 ] || die "--pin needs taskset and 2 CPUs"
    DPIN="taskset -c 1" SPIN="taskset -c 0"
fi

# --- configs -------------------------------------------------------------------------------

# rsyslog_conf SCENARIO RUNDIR PORT [FWDPORT]: one config for rsyslogd and sluiced alike.
rsyslog_conf()
{
    local s=$1 d=$2 port=$3 fwd=${4:-}
    printf 'global(workDirectory="%s" maxMessageSize="64k")\n' "$d"
    case $(scenario_proto "$s") in
        udp)
            printf 'module(load="imudp")\n'
            printf 'input(type="imudp" address="127.0.0.1" port="%s" rcvbufSize="4m")\n' "$port" ;;
        tls)
            printf 'global(defaultNetstreamDriver="gtls" defaultNetstreamDriverCAFile="%s/ca.pem"\n' "$WORK/pki"
            printf '       defaultNetstreamDriverCertFile="%s/server.pem" defaultNetstreamDriverKeyFile="%s/server-key.pem")\n' "$WORK/pki" "$WORK/pki"
            printf 'module(load="imtcp" maxSessions="200" streamDriver.name="gtls" streamDriver.mode="1" streamDriver.authMode="anon")\n'
            printf 'input(type="imtcp" address="127.0.0.1" port="%s")\n' "$port" ;;
        *)
            # rsyslog listens with a backlog of maxSessions / 10 + 5: 25 would refuse some
            # of the 64 or 256 connections the scaling scenarios open at once
            local ms=200
            [ "$(scenario_conns "$s")" -gt 8 ] && ms=3000
            printf 'module(load="imtcp" maxSessions="%s")\n' "$ms"
            printf 'input(type="imtcp" address="127.0.0.1" port="%s")\n' "$port" ;;
    esac
    case $s in
        tcp_regex_route)
            printf ':msg, regex, "\\{.*\\}" action(type="omfile" file="%s/json.log")\n' "$d"
            printf '& stop\n'
            printf 'action(type="omfile" file="%s/out.log")\n' "$d" ;;
        tcp_forward)
            printf 'action(type="omfwd" target="127.0.0.1" port="%s" protocol="tcp")\n' "$fwd" ;;
        tls_forward)
            # TLS 1.3 to slsink -t tls (the throwaway PKI's server certificate, not checked:
            # anon, as tls_to_file's input)
            printf 'global(defaultNetstreamDriverCAFile="%s/ca.pem")\n' "$WORK/pki"
            printf 'action(type="omfwd" target="127.0.0.1" port="%s" protocol="tcp"\n' "$fwd"
            printf '       StreamDriver="gtls" StreamDriverMode="1" StreamDriverAuthMode="anon")\n' ;;
        normalize_to_json)
            printf 'module(load="mmnormalize")\n'
            printf 'template(name="normjson" type="list") {\n'
            printf '  constant(value="seq=") property(name="$!seq") constant(value=" ")\n'
            printf '  property(name="$!all-json") constant(value="\\n")\n}\n'
            printf 'action(type="mmnormalize" rulebase="%s/sshd-bench.rb")\n' "$WORK"
            printf 'action(type="omfile" file="%s/out.log" template="normjson")\n' "$d" ;;
        *)
            printf 'action(type="omfile" file="%s/out.log")\n' "$d" ;;
    esac
}

# syslogng_conf SCENARIO RUNDIR PORT [FWDPORT]: the same with syslog-ng 3.38 drivers.
# Flow control makes TCP lossless like the other two (senders are throttled instead).
syslogng_conf()
{
    local s=$1 d=$2 port=$3 fwd=${4:-} tpl mc=10
    # the scaling scenarios open more connections than the others' max-connections(10)
    [ "$(scenario_conns "$s")" -gt 8 ] && mc=$(($(scenario_conns "$s") + 4))
    tpl='template("${ISODATE} ${HOST} ${MSGHDR}${MSG}\n")'
    echo '@version: 3.38'
    echo 'options { keep-hostname(yes); chain-hostnames(no); use-dns(no); dns-cache(no); use-fqdn(no);'
    echo '          stats-freq(0); ts-format(iso); frac-digits(0); log-msg-size(65536); };'
    case $(scenario_proto "$s") in
        udp) echo "source s_in { network(ip(\"127.0.0.1\") port($port) transport(\"udp\") so-rcvbuf(4194304)); };" ;;
        octet) echo "source s_in { syslog(ip(\"127.0.0.1\") port($port) transport(\"tcp\") max-connections(10) log-iw-size(10000) log-fetch-limit(100)); };" ;;
        tls) echo "source s_in { syslog(ip(\"127.0.0.1\") port($port) transport(\"tls\") max-connections(10) log-iw-size(10000) log-fetch-limit(100)"
             echo "  tls(key-file(\"$WORK/pki/server-key.pem\") cert-file(\"$WORK/pki/server.pem\") peer-verify(optional-untrusted))); };" ;;
        *) echo "source s_in { network(ip(\"127.0.0.1\") port($port) transport(\"tcp\") max-connections($mc) log-iw-size(10000) log-fetch-limit(100)); };" ;;
    esac
    case $s in
        tcp_regex_route)
            echo "destination d_json { file(\"$d/json.log\" $tpl); };"
            echo "destination d_out { file(\"$d/out.log\" $tpl); };"
            echo "filter f_json { message('\\{.*\\}' type(pcre)); };"
            echo 'log { source(s_in); filter(f_json); destination(d_json); flags(final, flow-control); };'
            echo 'log { source(s_in); destination(d_out); flags(flow-control); };' ;;
        tcp_forward)
            echo "destination d_out { network(\"127.0.0.1\" port($fwd) transport(\"tcp\")); };"
            echo 'log { source(s_in); destination(d_out); flags(flow-control); };' ;;
        tls_forward)
            echo "destination d_out { network(\"127.0.0.1\" port($fwd) transport(\"tls\")"
            echo "  tls(ca-file(\"$WORK/pki/ca.pem\") peer-verify(optional-untrusted))); };"
            echo 'log { source(s_in); destination(d_out); flags(flow-control); };' ;;
        *)
            echo "destination d_out { file(\"$d/out.log\" $tpl); };"
            echo 'log { source(s_in); destination(d_out); flags(flow-control); };' ;;
    esac
}

# --- one run -------------------------------------------------------------------------------

printf 'round\tscenario\tdaemon\tn\tlines\tsecs\trate\tcpu_us_per_msg\thwm_kb\tmissing\tduplicates\treordered\treason\tother_pct\n' > "$RESULTS"

# start_daemon DAEMON SCENARIO RUNDIR PORT [FWDPORT]: sets DPID.
start_daemon()
{
    local dm=$1 s=$2 d=$3 port=$4 fwd=${5:-} proto
    proto=$(scenario_proto "$s")
    case $dm in
        sluice)
            rsyslog_conf "$s" "$d" "$port" "$fwd" > "$d/daemon.conf"
            $DPIN "$SLUICED" -n -iNONE -f "$d/daemon.conf" -M "$SLUICE_PLUGIN_DIR" < /dev/null > "$d/daemon.out" 2> "$d/daemon.err" & ;;
        rsyslog)
            rsyslog_conf "$s" "$d" "$port" "$fwd" > "$d/daemon.conf"
            $DPIN "$RSYSLOGD" -n -iNONE -f "$d/daemon.conf" < /dev/null > "$d/daemon.out" 2> "$d/daemon.err" & ;;
        syslog-ng)
            syslogng_conf "$s" "$d" "$port" "$fwd" > "$d/daemon.conf"
            SYSLOGNG_PREFIX=$SNG_ROOT/usr LD_LIBRARY_PATH=$SNG_ROOT/usr/lib/syslog-ng${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH} \
                $DPIN "$SNG_ROOT/usr/sbin/syslog-ng" -F -e --no-caps --module-path="$SNG_ROOT/usr/lib/syslog-ng/3.38" \
                -f "$d/daemon.conf" -R "$d/persist" -c "$d/ctl" -p "$d/pid" \
                < /dev/null > "$d/daemon.out" 2> "$d/daemon.err" & ;;
        sink)
            # the ceiling: the sender writes straight into slsink (forwarding: no daemon)
            $DPIN "$SLSINK" -t "$proto" -p "$port" -o "$d/out.log" -T 900 < /dev/null > "$d/daemon.out" 2> "$d/daemon.err" & ;;
    esac
    DPID=$!
    PIDS+=("$DPID")
    wait_port "$([ "$proto" = udp ] && echo udp || echo tcp)" "$port" "$DPID"
}

# start_busy SCENARIO: for a *_contended scenario, a competing busy process (a shell loop)
# pinned to the last CPU (with --pin: the daemon's), for every daemon alike; sets BUSY_PID.
# slrun gets it with -x, so "other %" still shows only foreign load.
start_busy()
{
    BUSY_PID=
    case $1 in *_contended) ;; *) return 0 ;; esac
    local pin=()
    command -v taskset > /dev/null && pin=(taskset -c "$(($(nproc) - 1))")
    "${pin[@]}" sh -c 'while :; do :; done' < /dev/null > /dev/null 2>&1 &
    BUSY_PID=$!
    PIDS+=("$BUSY_PID")
}

# busy_pct: share of the machine busy (user+nice+system+steal) over 0.5 s, in percent.
busy_pct()
{
    local a b
    a=$(awk '/^cpu / { print $2 + $3 + $4 + $9, $2 + $3 + $4 + $5 + $6 + $7 + $8 + $9 }' /proc/stat)
    sleep 0.5
    b=$(awk '/^cpu / { print $2 + $3 + $4 + $9, $2 + $3 + $4 + $5 + $6 + $7 + $8 + $9 }' /proc/stat)
    awk -v a="$a" -v b="$b" 'BEGIN { split(a, x, " "); split(b, y, " "); t = y[2] - x[2]; print (t > 0) ? int(100 * (y[1] - x[1]) / t) : 0 }'
}

# wait_quiet: on a shared machine, wait (up to QUIET_WAIT s) until others use less than
# MAX_BUSY % of it; then run anyway (each run records other_pct, see slrun.c).
wait_quiet()
{
    local i b
    [ "$QUIET_WAIT" -gt 0 ] || return 0
    for i in $(seq $((QUIET_WAIT * 2))); do
        b=$(busy_pct)
        [ "$b" -lt "$MAX_BUSY" ] && return 0
        [ "$i" = 1 ] && note "  (machine ${b}% busy with other work: waiting up to ${QUIET_WAIT}s)"
    done
    note "  (still ${b}% busy: running anyway)"
}

FAILED=0
fail_row()   # fail_row ROUND SCENARIO DAEMON N REASON: a run that could not be measured
{
    FAILED=$((FAILED + 1))
    printf '%s\t%s\t%s\t%s\t0\t0\t0\t0\t0\t%s\t0\t0\t%s\t0\n' "$1" "$2" "$3" "$4" "$4" "$5" >> "$RESULTS"
}

# run_one ROUND SCENARIO DAEMON: one measured run; appends a line to $RESULTS.
run_one()
{
    local r=$1 s=$2 dm=$3 n d port fwd='' rpid='' res outs=() vres missing dups reord
    DPID=
    n=$(awk -v n="$(scenario_n "$s")" -v f="$SCALE" 'BEGIN { v = int(n * f); if (v < 100) v = 100; print v }')
    d=$WORK/runs/$s.$dm.$r
    rm -rf "$d" && mkdir -p "$d"
    new_port port
    if { [ "$s" = tcp_forward ] || [ "$s" = tls_forward ]; } && [ "$dm" != sink ]; then
        new_port fwd
        local tlsargs=()
        [ "$s" = tls_forward ] && tlsargs=(-t tls -C "$WORK/pki/server.pem" -K "$WORK/pki/server-key.pem")
        "$SLSINK" -t tcp "${tlsargs[@]}" -p "$fwd" -o "$d/recv.log" -T 900 < /dev/null 2> "$d/recv.err" &
        rpid=$!
        PIDS+=("$rpid")
        wait_port tcp "$fwd" "$rpid" || { note "  $s/$dm: receiving sink did not start"; fail_row "$r" "$s" "$dm" "$n" nosink; return 1; }
        outs=(-o "$d/recv.log")
    elif [ "$s" = tcp_regex_route ] && [ "$dm" != sink ]; then
        outs=(-o "$d/out.log" -o "$d/json.log")
    else
        outs=(-o "$d/out.log")
    fi
    if ! start_daemon "$dm" "$s" "$d" "$port" "$fwd"; then
        note "  $s/$dm: daemon did not start: $(tail -n 3 "$d/daemon.err" 2> /dev/null | tr '\n' ' ')"
        [ -n "$DPID" ] && stop_pid "$DPID"
        [ -n "$rpid" ] && stop_pid "$rpid"
        fail_row "$r" "$s" "$dm" "$n" nostart
        return 1
    fi
    [ "$dm" = syslog-ng ] && sleep 0.3   # its file destinations open lazily; let it settle
    wait_quiet
    start_busy "$s"
    # shellcheck disable=SC2046,SC2086  # sender arguments and the taskset prefix are word lists
    res=$($SPIN "$SLRUN" -n "$n" "${outs[@]}" -p "$DPID" ${rpid:+-x "$rpid"} ${BUSY_PID:+-x "$BUSY_PID"} -t 120 -q 1.5 -- \
          timeout 150 "$SLFLOOD" -p "$port" -n "$n" $(scenario_sender "$s") 2>> "$d/slflood.err")
    [ -n "$BUSY_PID" ] && stop_pid "$BUSY_PID"
    stop_pid "$DPID"
    [ -n "$rpid" ] && stop_pid "$rpid"
    local files=()
    local i
    for ((i = 1; i < ${#outs[@]}; i += 2)); do [ -f "${outs[i]}" ] && files+=("${outs[i]}"); done
    vres=$("$SLVERIFY" -q -m -d -o -n "$n" -c "$(scenario_conns "$s")" "${files[@]}" 2> /dev/null)
    missing=$(sed -n 's/.*missing=\([0-9]*\).*/\1/p' <<< "$vres")
    dups=$(sed -n 's/.*duplicates=\([0-9]*\).*/\1/p' <<< "$vres")
    reord=$(sed -n 's/.*reordered=\([0-9]*\).*/\1/p' <<< "$vres")
    get() { sed -n "s/.*\\b$1=\\([^ ]*\\).*/\\1/p" <<< "$res"; }
    printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$r" "$s" "$dm" "$n" \
        "$(get lines)" "$(get secs)" "$(get rate)" "$(get cpu_us_per_msg)" "$(get hwm_kb)" \
        "${missing:-?}" "${dups:-?}" "${reord:-?}" "$(get reason)" "$(get other_pct)" >> "$RESULTS"
    note "$(printf '  %-18s %-9s n=%-8s %s | %s' "$s" "$dm" "$n" "$res" "$vres")"
    [ "$KEEP" = 1 ] || rm -rf "$d"
}

# --- main loop -----------------------------------------------------------------------------

{
    echo "sluice benchmark $(date -u '+%Y-%m-%d %H:%M UTC')"
    echo "machine: $(nproc) CPUs, $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1), kernel $(uname -r), $(awk '/MemTotal/ { printf "%.0f GiB RAM", $2 / 1048576 }' /proc/meminfo)"
    if [ "$BUILD" = 1 ]; then
        echo "sluiced: $("$SLUICED" -v 2>&1 | head -n 1) (built from $SRC with -O2 -g)"
    else
        echo "sluiced: $("$SLUICED" -v 2>&1 | head -n 1) ($SLUICED)"
    fi
    want_daemon rsyslog && echo "rsyslogd: $("$RSYSLOGD" -v 2>&1 | head -n 1)"
    want_daemon syslog-ng && echo "syslog-ng: $(SYSLOGNG_PREFIX=$SNG_ROOT/usr LD_LIBRARY_PATH=$SNG_ROOT/usr/lib/syslog-ng "$SNG_ROOT/usr/sbin/syslog-ng" --version 2>&1 | sed -n 's/^Installer-Version: //p')"
    echo "rounds: $ROUNDS, scale: $SCALE, daemons: $DAEMONS$([ "$PIN" = 1 ] && echo ', pinned: daemon on CPU 1, sender on CPU 0')"
} | tee "$WORK/header.txt" | tee -a "$LOG" >&2

START=$(date +%s)
for r in $(seq "$ROUNDS"); do
    note "round $r/$ROUNDS"
    for s in ${SCENARIOS//,/ }; do
        for dm in ${DAEMONS//,/ }; do
            scenario_runs "$s" "$dm" || continue
            run_one "$r" "$s" "$dm"
        done
    done
done
note "runs took $(($(date +%s) - START)) s"

print_table

# the smoke check: every sluiced run delivered everything (UDP at 25k may lose nothing here;
# under contention UDP may lose, but nothing may come twice or out of order)
if [ "$SMOKE" = 1 ]; then
    awk -F '\t' 'NR > 1 && $2 ~ /_contended$/ && $13 != "timeout" && $11 == 0 && $12 == 0 { next }
                  NR > 1 && ($13 != "complete" || $10 != 0 || $11 != 0 || $12 != 0) { bad = 1; print "smoke: bad run: " $0 > "/dev/stderr" } END { exit bad }' "$RESULTS" ||
        exit 1
fi
exit 0
