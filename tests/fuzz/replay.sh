#!/bin/bash
# replay.sh - every core fuzz target, built as a plain program (tests/fuzz/replay.c), over
# its committed corpus tests/fuzz/corpus/NAME: seeds and the reproducers of every crash
# found so far.  Any crash, abort or sanitizer report fails.
set -u
top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
top_builddir=${top_builddir:-$PWD}
rc=0
for name in parse framing conf template json msgser spool imklog imkmsg imjournal imfile lookup ptcp omes mm pm nf \
        inflate rxlit; do
    bin=$top_builddir/tests/fuzz/replay_$name
    corpus=$top_srcdir/tests/fuzz/corpus/$name
    if { [ "$name" = imjournal ] || [ "$name" = omes ] || [ "$name" = inflate ]; } &&
            [ ! -x "$bin" ]; then
        echo "replay: $name: not built (configured without the plugin): skipped"
        continue
    fi
    [ -x "$bin" ] || { echo "replay: $bin not built" >&2; rc=1; continue; }
    [ -d "$corpus" ] || { echo "replay: no corpus $corpus" >&2; rc=1; continue; }
    n=$(find "$corpus" -type f | wc -l)
    [ "$n" -gt 0 ] || { echo "replay: corpus $corpus is empty" >&2; rc=1; continue; }
    if ! timeout -k 20 300 "$bin" "$corpus" > "$top_builddir/tests/fuzz/replay_$name.out" 2>&1; then
        tail -30 "$top_builddir/tests/fuzz/replay_$name.out" >&2
        echo "replay: FAIL: $name" >&2
        rc=1
        continue
    fi
    echo "replay: $name: $n input(s) ok"
done
exit $rc
