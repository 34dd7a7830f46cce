#!/bin/bash
# nfbench.sh - the flow scenario of the benchmark (issue 13): bench/nfblast sends IPFIX and
# NetFlow v9 datagrams of 25 records at increasing rates into sluiced (imnetflow -> omfile,
# one JSON object per line, format nprobe) and into nfcapd; per rate: flows sent, flows
# written, loss, and the daemon's CPU per flow (utime+stime from /proc).  Everything runs on
# 127.0.0.1 high ports; processes are stopped by PID; every wait is bounded.
#
#   bench/nfbench.sh [--rates "100000 200000 ..."] [--secs 3] [--threads 2] [--versions "10 9"]
#                    [--work DIR] [--no-nfcapd] [--flowvar]
# (--flowvar: imnetflow also fills $!flow, which costs a JSON tree per flow)
#
# Expects a built tree (sluiced, .libs/imnetflow.so) in the current directory or
# $SLUICED/$SLUICE_PLUGIN_DIR; compiles bench/nfblast.c into WORK if needed.
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
RATES="100000 200000 300000 400000 500000 600000 800000"
SECS=3
THREADS=2
VERSIONS="10 9"
WORK=/tmp/sluice-nfbench.$(id -u)
NFCAPD=1
FLOWVAR=off
while [ $# -gt 0 ]; do
    case $1 in
        --rates) RATES=$2; shift ;;
        --secs) SECS=$2; shift ;;
        --threads) THREADS=$2; shift ;;
        --versions) VERSIONS=$2; shift ;;
        --work) WORK=$2; shift ;;
        --no-nfcapd) NFCAPD=0 ;;
        --flowvar) FLOWVAR=on ;;
        *) echo "usage: $0 [--rates LIST] [--secs N] [--threads N] [--versions LIST] [--work DIR] [--no-nfcapd] [--flowvar]" >&2; exit 2 ;;
    esac
    shift
done
SLUICED=${SLUICED:-$PWD/sluiced}
SLUICE_PLUGIN_DIR=${SLUICE_PLUGIN_DIR:-$PWD/.libs}
[ -x "$SLUICED" ] || { echo "no sluiced at $SLUICED (run from the build directory)" >&2; exit 1; }
mkdir -p "$WORK"
BLAST=$WORK/nfblast
if [ ! -x "$BLAST" ] || [ "$top/bench/nfblast.c" -nt "$BLAST" ]; then
    cc -O2 -o "$BLAST" "$top/bench/nfblast.c" || exit 1
fi
PIDS=()
trap 'for p in "${PIDS[@]}"; do kill "$p" 2> /dev/null; done' EXIT   # only what this script started
port() { echo $((21000 + RANDOM % 9000)); }
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat" 2> /dev/null || echo 0; }
lines() { [ -f "$1" ] && wc -l < "$1" | tr -d ' ' || echo 0; }
wait_quiet() {   # FILE: until it stops growing for 0.5 s (at most 30 s)
    local last=-1 cur
    for _ in $(seq 60); do
        cur=$(lines "$1")
        [ "$cur" = "$last" ] && return 0
        last=$cur
        sleep 0.5
    done
}
HZ=$(getconf CLK_TCK)
RES=$WORK/results.tsv
printf 'daemon\tversion\trate\tachieved\tsent\twritten\tlost\tsend_s\tcpu_s\tus_per_flow\n' > "$RES"

for v in $VERSIONS; do
    # ---- sluiced ----
    P=$(port)
    D=$WORK/sluice-v$v
    rm -rf "$D"; mkdir -p "$D"
    cat > "$D/sluice.conf" << CONF
global(workDirectory="$D")
main_queue(queue.size="200000")
module(load="imnetflow")
template(name="msg" type="string" string="%msg%\n")
input(type="imnetflow" address="127.0.0.1" port="$P" threads="$THREADS" rcvbufSize="64m"
      flowVar="$FLOWVAR" persistTemplates="off")
action(type="omfile" file="$D/flows.json" template="msg")
CONF
    "$SLUICED" -n -iNONE -f "$D/sluice.conf" -M "$SLUICE_PLUGIN_DIR" > "$D/out" 2> "$D/err" &
    SP=$!
    PIDS+=("$SP")
    sleep 1
    for r in $RATES; do
        n=$((r * SECS))
        before=$(lines "$D/flows.json")
        c0=$(cpu_ticks "$SP")
        out=$("$BLAST" -p "$P" -v "$v" -r "$r" -n "$n" -R 25 -s 8)
        wait_quiet "$D/flows.json"
        c1=$(cpu_ticks "$SP")
        got=$(($(lines "$D/flows.json") - before))
        el=$(echo "$out" | awk '{ print $7 }')
        cpu=$(awk -v a="$c0" -v b="$c1" -v hz="$HZ" 'BEGIN { printf "%.2f", (b - a) / hz }')
        us=$(awk -v c="$cpu" -v n="$got" 'BEGIN { printf "%.2f", (n > 0 ? c * 1e6 / n : 0) }')
        ach=$(echo "$out" | sed -n 's/.*(\([0-9]*\) flows\/s).*/\1/p')
        printf 'sluiced\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$v" "$r" "$ach" "$n" "$got" $((n - got)) "$el" "$cpu" "$us" | tee -a "$RES"
    done
    kill -USR1 "$SP"; sleep 0.5
    grep 'imnetflow(' "$D/err" | tail -2
    kill "$SP"; wait "$SP" 2> /dev/null

    # ---- nfcapd ----
    if [ "$NFCAPD" != 1 ] || ! command -v nfcapd > /dev/null; then continue; fi
    for r in $RATES; do
        n=$((r * SECS))
        P=$(port)
        D=$WORK/nfcapd-v$v-$r
        rm -rf "$D"; mkdir -p "$D/nf"
        nfcapd -w "$D/nf" -b 127.0.0.1 -p "$P" -t 3600 -B 67108864 -P "$D/pid" > "$D/log" 2>&1 &
        NP=$!
        PIDS+=("$NP")
        sleep 1
        c0=$(cpu_ticks "$NP")
        out=$("$BLAST" -p "$P" -v "$v" -r "$r" -n "$n" -R 25 -s 8)
        sleep 1
        c1=$(cpu_ticks "$NP")
        kill "$NP"; wait "$NP" 2> /dev/null
        got=$(sed -n 's/.*Flows: \([0-9]*\),.*/\1/p' "$D/log" | tail -1)
        got=${got:-0}
        el=$(echo "$out" | awk '{ print $7 }')
        cpu=$(awk -v a="$c0" -v b="$c1" -v hz="$HZ" 'BEGIN { printf "%.2f", (b - a) / hz }')
        us=$(awk -v c="$cpu" -v n="$got" 'BEGIN { printf "%.2f", (n > 0 ? c * 1e6 / n : 0) }')
        ach=$(echo "$out" | sed -n 's/.*(\([0-9]*\) flows\/s).*/\1/p')
        printf 'nfcapd\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$v" "$r" "$ach" "$n" "$got" $((n - got)) "$el" "$cpu" "$us" | tee -a "$RES"
        rm -rf "$D/nf"
    done
done
echo "results: $RES"
