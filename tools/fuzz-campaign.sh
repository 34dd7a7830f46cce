#!/bin/bash
# fuzz-campaign.sh - the long fuzzing run issue #19 asks for before a parser is called done:
# each named libFuzzer target runs from a copy of its committed corpus until it has used
# CPU_SECONDS of its own CPU time (default 1800, i.e. 30 CPU-minutes), read from
# /proc/PID/stat, then gets SIGINT (libFuzzer prints its final stats and exits 72).
# CPU time rather than wall time, so a run on a shared machine measures the same work as a
# run on an idle one; the target runs under `nice -n 19` so it only takes idle CPU.
#
# Run it from a build made with `CC=clang ./configure --enable-fuzzing && make`:
#     tools/fuzz-campaign.sh [-c CPU_SECONDS] [-o OUTDIR] NAME...
# NAME is a target of tests/fuzz (parse, framing, conf, template, json, spool, msgser,
# imklog, imkmsg, imjournal, imfile, lookup, ptcp, omes, mm, pm, nf, rxlit) or `snmp`
# (imsnmptrap's target, built here the way tests/plugins/imsnmptrap-fuzz.sh builds it).
# Each run works in OUTDIR/NAME (default tests/scratch/campaign/NAME): the grown corpus,
# fuzz.log and any crash-/leak-/timeout-/oom- reproducer stay there.  One line per target
# goes to stdout and to OUTDIR/results.txt: CPU and wall seconds, libFuzzer's exit status,
# executions, coverage (cov/ft), corpus size before and after, reproducers found.
# Exit status: 1 if any target left a reproducer or exited other than 0/72, else 0.
set -u
cpu_limit=1800
top_srcdir=$(cd "$(dirname "$0")/.." && pwd)
top_builddir=$PWD
out=$top_builddir/tests/scratch/campaign
while getopts c:o: opt; do
    case $opt in
    c) cpu_limit=$OPTARG ;;
    o) out=$OPTARG ;;
    *) echo "usage: $0 [-c CPU_SECONDS] [-o OUTDIR] NAME..." >&2; exit 2 ;;
    esac
done
shift $((OPTIND - 1))
[ $# -gt 0 ] || { echo "usage: $0 [-c CPU_SECONDS] [-o OUTDIR] NAME..." >&2; exit 2; }
mkdir -p "$out" || exit 1
out=$(cd "$out" && pwd)
tck=$(getconf CLK_TCK)
rc=0

build_snmp() {   # $1: output binary
    local src=$top_srcdir/plugins/imsnmptrap
    # shellcheck disable=SC2046
    clang -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
        -I"$top_builddir" -I"$top_srcdir/include" -I"$src" \
        $(pkg-config --cflags libfastjson nettle) -o "$1" "$src/fuzz_snmp.c" "$src/ber.c" \
        "$src/render.c" "$src/usm.c" $(pkg-config --libs libfastjson nettle)
}

for name in "$@"; do
    W=$out/$name
    rm -rf "$W"
    mkdir -p "$W/corpus" || exit 1
    max_len=16384
    case $name in
    snmp)
        bin=$W/fuzz_snmp
        build_snmp "$bin" || { echo "fuzz-campaign: $name: build failed" >&2; rc=1; continue; }
        seeds=$top_srcdir/tests/fuzz/snmp-corpus
        max_len=65507 ;;
    *)
        bin=$top_builddir/tests/fuzz/fuzz_$name
        seeds=$top_srcdir/tests/fuzz/corpus/$name ;;
    esac
    [ "$name" = pm ] && max_len=4096
    if [ ! -x "$bin" ] || [ ! -d "$seeds" ]; then
        echo "fuzz-campaign: $name: no $bin or no $seeds (build with --enable-fuzzing)" >&2
        rc=1
        continue
    fi
    cp "$seeds"/* "$W/corpus/"
    n0=$(find "$W/corpus" -type f | wc -l)
    start=$(date +%s)
    (cd "$W" && exec env TZ=UTC nice -n 19 "$bin" -max_total_time=$((cpu_limit * 20)) \
        -timeout=10 -rss_limit_mb=2048 -max_len=$max_len -close_fd_mask=2 \
        -print_final_stats=1 -artifact_prefix="$W/" corpus > "$W/fuzz.log" 2>&1) &
    pid=$!
    cpu=0
    while kill -0 "$pid" 2> /dev/null; do
        sleep 5
        st=$(cat "/proc/$pid/stat" 2> /dev/null) || break
        # fields 14 and 15 (utime, stime) are the 12th and 13th after "(comm) "
        read -r -a f <<< "${st##*) }"
        cpu=$(( (f[11] + f[12]) / tck ))
        if [ "$cpu" -ge "$cpu_limit" ]; then
            kill -INT "$pid"
            break
        fi
    done
    wait "$pid"
    r=$?
    execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$W/fuzz.log")
    cov=$(grep -o 'cov: [0-9]* ft: [0-9]*' "$W/fuzz.log" | tail -1)
    n1=$(find "$W/corpus" -type f | wc -l)
    arts=$(find "$W" -maxdepth 1 \( -name 'crash-*' -o -name 'leak-*' -o -name 'timeout-*' \
        -o -name 'oom-*' \) | wc -l)
    line="$name cpu_s=$cpu wall_s=$(( $(date +%s) - start )) rc=$r execs=${execs:-?}"
    line="$line ${cov:-cov: ?} corpus=$n0->$n1 artifacts=$arts $(date -u +%FT%TZ)"
    echo "$line" | tee -a "$out/results.txt"
    if [ "$arts" -gt 0 ] || { [ "$r" -ne 0 ] && [ "$r" -ne 72 ]; }; then
        tail -30 "$W/fuzz.log" >&2
        rc=1
    fi
done
exit $rc
