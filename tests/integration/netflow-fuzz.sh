#!/bin/bash
# netflow-fuzz.sh - a bounded libFuzzer run (20 s, 512 MB RSS limit) of imnetflow's decoders
# (tests/fuzz/fuzz_nf.c) under ASan/UBSan, from a seed corpus of softflowd's datagrams and
# hand-made bad input.  Skipped (77) without clang and its libFuzzer runtime
# (libclang-rt-14-dev).  A crash, leak, UB report or the RSS limit fails the test; the
# crashing input is kept in the scratch directory.
. "$(dirname "$0")/lib.sh"
command -v clang > /dev/null 2>&1 || { echo "clang not installed: skipped"; exit 77; }
[ "$DUT" = sluice ] || { echo "imnetflow is sluice's own"; exit 77; }
setup
SRC=$top_srcdir
SOURCES="$SRC/tests/fuzz/fuzz_nf.c $SRC/plugins/imnetflow/nf5.c $SRC/plugins/imnetflow/nf9.c
 $SRC/plugins/imnetflow/nfstate.c $SRC/plugins/imnetflow/nfie.c"
FLAGS="-g -O1 -include $top_builddir/config.h -I$top_builddir -I$SRC/include"
# shellcheck disable=SC2086
if ! clang $FLAGS -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
        -o "$T/fuzz_nf" $SOURCES -lm 2> "$T/clang.err"; then
    grep -q 'libclang_rt.fuzzer\|fsanitize=fuzzer' "$T/clang.err" && { echo "no libFuzzer runtime: skipped"; exit 77; }
    fail "fuzz target does not build"
fi
# shellcheck disable=SC2086
clang $FLAGS -DNF_FUZZ_SEEDS -o "$T/seeds" "$SRC/tests/fuzz/fuzz_nf.c" || fail "seed writer"
mkdir -p "$T/corpus"
"$T/seeds" "$T/corpus" || fail "seeds"
cd "$T" || fail "cd"
rc=0
timeout $((${FUZZ_SECONDS:-20} + 100)) ./fuzz_nf -max_total_time=${FUZZ_SECONDS:-20} -rss_limit_mb=512 -print_final_stats=1 \
    -artifact_prefix="$T/" corpus > fuzz.log 2>&1 || rc=$?
grep -E 'stat::(number_of_executed_units|peak_rss_mb)' fuzz.log | while read -r l; do log "$l"; done
[ "$rc" -eq 0 ] || { tail -30 fuzz.log >&2; fail "fuzzer exit $rc"; }
log "PASS"
