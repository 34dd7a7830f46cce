#!/bin/bash
# pm-fuzz: a bounded libFuzzer run (ASan + UBSan) of tests/fuzz/fuzz_pm.c: the parser
# plugins (pmlastmsg, pmciscoios, pmsnare, pmaixforwardedfrom, pmcisconames) in the core's
# parse driver, seeded with one line of each kind they exist for (written by the target
# itself, built with -DPM_FUZZ_SEEDS).  Skipped (77) without clang and its libFuzzer
# runtime.  FUZZ_SECONDS (default 20) bounds the run; any crash, leak or UB report fails.
set -u
top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
top_builddir=${top_builddir:-$PWD}
secs=${FUZZ_SECONDS:-20}
command -v clang > /dev/null 2>&1 || { echo "pm-fuzz: no clang: skipped"; exit 77; }
W=$top_builddir/tests/scratch/pm-fuzz
rm -rf "$W"
mkdir -p "$W/corpus" || exit 1
c=$top_srcdir/core
p=$top_srcdir/plugins
srcs=("$c/msg.c" "$c/msg_json.c" "$c/dns.c" "$c/msg_fields.c" "$c/prop.c" "$c/util/time.c"
      "$c/parse/parse.c" "$c/parse/rfc3164.c" "$c/parse/rfc5424.c" "$c/util/buf.c"
      "$c/util/strutil.c" "$c/util/syslog_names.c"
      "$p/pmlastmsg/pmlastmsg.c" "$p/pmciscoios/pmciscoios.c" "$p/pmsnare/pmsnare.c"
      "$p/pmaixforwardedfrom/pmaixforwardedfrom.c" "$p/pmcisconames/pmcisconames.c")
flags=(-g -O1 -DSL_BUILTIN_PLUGIN -include "$top_builddir/config.h" -I"$top_builddir" -I"$top_srcdir/include" -I"$c")
# shellcheck disable=SC2046
if ! clang "${flags[@]}" -DPM_FUZZ_SEEDS -o "$W/seeds" "$top_srcdir/tests/fuzz/fuzz_pm.c" \
        "${srcs[@]}" $(pkg-config --cflags --libs libfastjson libestr) -lpthread \
        2> "$W/build.err"; then
    cat "$W/build.err" >&2
    echo "pm-fuzz: FAIL: the seed writer does not build" >&2
    exit 1
fi
# shellcheck disable=SC2046
if ! clang "${flags[@]}" -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
        -o "$W/fuzz_pm" "$top_srcdir/tests/fuzz/fuzz_pm.c" "${srcs[@]}" \
        $(pkg-config --cflags --libs libfastjson libestr) -lpthread 2> "$W/build.err"; then
    if grep -q 'libclang_rt.fuzzer\|fuzzer.*not found\|cannot find' "$W/build.err"; then
        echo "pm-fuzz: clang without the libFuzzer runtime (libclang-rt-dev): skipped"
        exit 77
    fi
    cat "$W/build.err" >&2
    echo "pm-fuzz: FAIL: the fuzz target does not build" >&2
    exit 1
fi
"$W/seeds" "$W/corpus" || { echo "pm-fuzz: FAIL: cannot write the seeds" >&2; exit 1; }
cd "$W" || exit 1
TZ=UTC timeout $((secs + 60)) ./fuzz_pm -max_total_time="$secs" -max_len=4096 -timeout=10 \
    -rss_limit_mb=1024 -print_final_stats=1 corpus > fuzz.log 2>&1
rc=$?
grep -E '^(stat::number_of_executed_units|stat::peak_rss_mb)|cov:' fuzz.log | tail -3
if [ "$rc" -ne 0 ] || ls crash-* leak-* timeout-* > /dev/null 2>&1; then
    tail -40 fuzz.log >&2
    echo "pm-fuzz: FAIL (exit $rc); artifacts in $W" >&2
    exit 1
fi
cd / && rm -rf "$W"
echo "pm-fuzz: PASS (${secs}s)"
