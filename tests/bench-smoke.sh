#!/bin/bash
# bench-smoke.sh - keeps the benchmark working: bench/run.sh --smoke runs every scenario
# once against the sluiced of this build with tiny message counts (no rsyslog, syslog-ng,
# installs or rebuilds) and fails when a run loses, duplicates or reorders a message or
# does not finish.  Its figures mean nothing; it must take well under 60 s.
# Environment from tests/tests.am (SLUICED, SLUICE_PLUGIN_DIR, SLFLOOD, SLVERIFY,
# top_srcdir, top_builddir); bench/slsink and bench/slrun come from bench/bench.am.
set -u
top_builddir=${top_builddir:-$PWD}
top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/.." && pwd)}
export SLUICED=${SLUICED:-$top_builddir/sluiced}
export SLUICE_PLUGIN_DIR=${SLUICE_PLUGIN_DIR:-$top_builddir/.libs}
export SLFLOOD=${SLFLOOD:-$top_builddir/tests/tools/slflood}
export SLVERIFY=${SLVERIFY:-$top_builddir/tests/tools/slverify}
# built by make check (bench/bench.am); otherwise run.sh compiles them itself
[ -x "$top_builddir/bench/slsink" ] && export SLSINK=$top_builddir/bench/slsink
[ -x "$top_builddir/bench/slrun" ] && export SLRUN=$top_builddir/bench/slrun
for f in "$SLUICED" "$SLFLOOD" "$SLVERIFY"; do
    [ -x "$f" ] || { echo "bench-smoke: FAIL: $f not built" >&2; exit 1; }
done
command -v ss > /dev/null || { echo "bench-smoke: SKIP: ss (iproute2) missing" >&2; exit 77; }
W=$top_builddir/tests/scratch/bench-smoke
rm -rf "$W" && mkdir -p "$W" || exit 1
start=$(date +%s)
if ! timeout -k 20 120 bash "$top_srcdir/bench/run.sh" --smoke --no-build --work "$W" > "$W/stdout" 2> "$W/stderr"; then
    echo "bench-smoke: FAIL (scratch kept in $W)" >&2
    tail -n 30 "$W/stderr" "$W/stdout" >&2
    exit 1
fi
cat "$W/stdout"
echo "bench-smoke: ok in $(($(date +%s) - start)) s"
[ -n "${KEEP_SCRATCH:-}" ] || rm -rf "$W"
exit 0
