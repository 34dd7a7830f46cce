#!/bin/bash
# smoke.sh NAME... - `make fuzz-smoke`: each libFuzzer target tests/fuzz/fuzz_NAME for
# FUZZ_SECONDS (default 60) from a copy of tests/fuzz/corpus/NAME, then imsnmptrap's own
# fuzz test (its corpus is tests/fuzz/snmp-corpus) for the same time.  A crash, leak,
# timeout (10 s per input) or RSS over 2 GiB fails; the reproducer is kept in
# tests/scratch/fuzz-NAME and belongs in the corpus once fixed.  Prints the executions and
# coverage of each run (doc/fuzzing.md records longer campaigns).
set -u
top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
top_builddir=${top_builddir:-$PWD}
top_srcdir=$(cd "$top_srcdir" && pwd)
top_builddir=$(cd "$top_builddir" && pwd)
secs=${FUZZ_SECONDS:-60}
rc=0
for name in "$@"; do
    W=$top_builddir/tests/scratch/fuzz-$name
    rm -rf "$W"
    mkdir -p "$W/corpus"
    cp "$top_srcdir/tests/fuzz/corpus/$name"/* "$W/corpus/"
    (cd "$W" && timeout $((secs + 120)) "$top_builddir/tests/fuzz/fuzz_$name" \
        -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 -max_len=16384 \
        -close_fd_mask=2 -print_final_stats=1 -artifact_prefix="$W/" corpus > fuzz.log 2>&1)
    r=$?
    execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$W/fuzz.log")
    cov=$(grep -o 'cov: [0-9]*' "$W/fuzz.log" | tail -1)
    if [ "$r" -ne 0 ] || ls "$W"/crash-* "$W"/leak-* "$W"/timeout-* "$W"/oom-* > /dev/null 2>&1; then
        tail -40 "$W/fuzz.log" >&2
        echo "fuzz-smoke: FAIL: $name (exit $r); artifacts in $W" >&2
        rc=1
        continue
    fi
    echo "fuzz-smoke: $name: ${secs}s, ${execs:-?} executions, ${cov:-cov: ?}"
    rm -rf "$W/corpus"
done
for t in tests/plugins/imsnmptrap-fuzz.sh; do   # (imnetflow: fuzz_nf, a NAME above)
    [ -f "$top_srcdir/$t" ] || continue
    if FUZZ_SECONDS=$secs top_srcdir=$top_srcdir top_builddir=$top_builddir \
            bash "$top_srcdir/$t" > "$top_builddir/tests/scratch/$(basename "$t" .sh).log" 2>&1; then
        echo "fuzz-smoke: $t: ok"
    else
        r=$?
        [ "$r" -eq 77 ] && { echo "fuzz-smoke: $t: skipped"; continue; }
        tail -20 "$top_builddir/tests/scratch/$(basename "$t" .sh).log" >&2
        echo "fuzz-smoke: FAIL: $t" >&2
        rc=1
    fi
done
exit $rc
