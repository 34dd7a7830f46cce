#!/bin/bash
# imsnmptrap-fuzz: a bounded libFuzzer run (ASan + UBSan) of plugins/imsnmptrap/fuzz_snmp.c
# over the seed corpus of real PDUs captured from net-snmp's snmptrap/snmpinform
# (tests/fuzz/snmp-corpus).  Skipped (77) without clang and its libFuzzer runtime.
# FUZZ_SECONDS (default 20) bounds the run; any crash, leak or UB report fails the test.
set -u
top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
top_builddir=${top_builddir:-$PWD}
secs=${FUZZ_SECONDS:-20}
command -v clang > /dev/null 2>&1 || { echo "imsnmptrap-fuzz: no clang: skipped"; exit 77; }
W=$top_builddir/tests/scratch/imsnmptrap-fuzz
rm -rf "$W"
mkdir -p "$W/corpus" || exit 1
src=$top_srcdir/plugins/imsnmptrap
# shellcheck disable=SC2046
if ! clang -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
        -I"$top_builddir" -I"$top_srcdir/include" -I"$src" \
        $(pkg-config --cflags libfastjson nettle) \
        -o "$W/fuzz_snmp" "$src/fuzz_snmp.c" "$src/ber.c" "$src/render.c" "$src/usm.c" \
        $(pkg-config --libs libfastjson nettle) 2> "$W/build.err"; then
    if grep -q 'libclang_rt.fuzzer\|fuzzer.*not found\|cannot find' "$W/build.err"; then
        echo "imsnmptrap-fuzz: clang without the libFuzzer runtime (libclang-rt-dev): skipped"
        exit 77
    fi
    cat "$W/build.err" >&2
    echo "imsnmptrap-fuzz: FAIL: the fuzz target does not build" >&2
    exit 1
fi
cp "$top_srcdir"/tests/fuzz/snmp-corpus/* "$W/corpus/"
cd "$W" || exit 1
timeout $((secs + 60)) ./fuzz_snmp -max_total_time="$secs" -max_len=65507 -timeout=10 \
    -rss_limit_mb=1024 -print_final_stats=1 corpus > fuzz.log 2>&1
rc=$?
grep -E '^(stat::number_of_executed_units|stat::peak_rss_mb)|cov:' fuzz.log | tail -3
if [ "$rc" -ne 0 ] || ls crash-* leak-* timeout-* > /dev/null 2>&1; then
    tail -40 fuzz.log >&2
    echo "imsnmptrap-fuzz: FAIL (exit $rc); artifacts in $W" >&2
    exit 1
fi
cd / && rm -rf "$W"
echo "imsnmptrap-fuzz: PASS (${secs}s)"
