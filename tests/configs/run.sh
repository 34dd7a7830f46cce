#!/bin/bash
# run.sh - golden tests of the configuration front end.
#
# For each tests/configs/NAME.conf: run cnfdump (from the build tree), compare stdout with
# NAME.ir and stderr with NAME.err; bad-*.conf must exit 1, the others 0.  If rsyslogd is
# installed, cross-check acceptance with `rsyslogd -N1` (good files must pass it, bad ones
# fail it) unless the file says "sluice-only" in its header.
#   run.sh --regen   rewrite the .ir/.err files from the current output (review the diff!)
set -u
here=$(cd "$(dirname "$0")" && pwd)
CNFDUMP=${CNFDUMP:-${top_builddir:-$here/../..}/tests/tools/cnfdump}
. "$here/golden-setup.sh"
golden_setup cnfdump "$CNFDUMP" "${1:-}"
for conf in *.conf; do
    name=${conf%.conf}
    n=$((n + 1))
    timeout -k 20 30 "$CNFDUMP" "$conf" >"$tmp/out" 2>"$tmp/err"
    rc=$?
    want=0
    case $name in bad-*) want=1 ;; esac
    if [ $regen = 1 ]; then
        cp "$tmp/out" "$name.ir"
        cp "$tmp/err" "$name.err"
    fi
    if [ $rc != $want ]; then
        echo "FAIL $conf: exit $rc, expected $want"; cat "$tmp/err"; fail=1
    fi
    if ! diff -u "$name.ir" "$tmp/out" >"$tmp/d"; then
        echo "FAIL $conf: dump differs"; cat "$tmp/d"; fail=1
    fi
    if ! diff -u "$name.err" "$tmp/err" >"$tmp/d"; then
        echo "FAIL $conf: diagnostics differ"; cat "$tmp/d"; fail=1
    fi
    if command -v rsyslogd >/dev/null 2>&1 && ! head -5 "$conf" | grep -q sluice-only; then
        timeout -k 20 30 rsyslogd -N1 -f "$here/$conf" >"$tmp/rs" 2>&1
        rrc=$?
        if [ $want = 0 ] && [ $rrc != 0 ]; then
            echo "FAIL $conf: rsyslogd -N1 rejects a file sluice accepts"; cat "$tmp/rs"; fail=1
        elif [ $want = 1 ] && [ $rrc = 0 ]; then
            echo "FAIL $conf: rsyslogd -N1 accepts a file sluice rejects"; cat "$tmp/rs"; fail=1
        fi
    fi
done
if [ $n = 0 ]; then
    echo "no fixtures found"; exit 99
fi
[ $fail = 0 ] && echo "PASS: $n config fixtures"
exit $fail
