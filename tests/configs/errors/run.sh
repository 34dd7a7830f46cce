#!/bin/bash
# run.sh - error-message goldens: for each tests/configs/errors/NAME.conf, the exact stderr
# of `sluiced -N1` (NAME.err) and a non-zero exit.  These are the messages of typical
# mistakes (misspelt names, types, quotes, braces): "FILE:LINE: error: text", the source
# line with a caret under the token, the nearest known name (sluiced(8), DIAGNOSTICS).
# NAME.args, when present, holds extra options (replacing -M $SLUICE_PLUGIN_DIR).
#   run.sh --regen   rewrite the .err files from the current output (review the diff!)
set -u
here=$(cd "$(dirname "$0")" && pwd)
SLUICED=${SLUICED:-${top_builddir:-$here/../../..}/sluiced}
PLUGINS=${SLUICE_PLUGIN_DIR:-${top_builddir:-$here/../../..}/.libs}
. "$here/../golden-setup.sh"
golden_setup sluiced "$SLUICED" "${1:-}"
for conf in *.conf; do
    name=${conf%.conf}
    n=$((n + 1))
    args=(-M "$PLUGINS")
    if [ -f "$name.args" ]; then
        read -r -a args < "$name.args"
    fi
    # the plugin directory comes from -M only (SLUICE_PLUGIN_DIR would hide a missing one)
    env -u SLUICE_PLUGIN_DIR timeout -k 20 30 "$SLUICED" -N1 -f "$conf" "${args[@]}" \
        >"$tmp/out" 2>"$tmp/raw"
    rc=$?
    # the plugin directory of this build is PLUGINDIR in the goldens
    sed "s|$PLUGINS|PLUGINDIR|g" "$tmp/raw" >"$tmp/err"
    if [ $regen = 1 ]; then
        cp "$tmp/err" "$name.err"
    fi
    if [ $rc != 1 ]; then
        echo "FAIL $conf: exit $rc, expected 1"; cat "$tmp/err"; fail=1
    fi
    if grep -q hunter2 "$tmp/err"; then
        echo "FAIL $conf: a secret value is printed"; fail=1
    fi
    if ! diff -u "$name.err" "$tmp/err" >"$tmp/d"; then
        echo "FAIL $conf: diagnostics differ"; cat "$tmp/d"; fail=1
    fi
done
# bounded: 60 errors are all counted, the first 50 shown
for i in $(seq 60); do printf '*.inf /tmp/sluice-errors-never.log\n'; done > "$tmp/many.conf"
env -u SLUICE_PLUGIN_DIR timeout -k 20 30 "$SLUICED" -N1 -f "$tmp/many.conf" -M "$PLUGINS" \
    >/dev/null 2>"$tmp/err"
shown=$(grep -c ': error: bad selector' "$tmp/err")
if [ "$shown" != 50 ] || ! grep -q 'too many errors in the configuration' "$tmp/err" ||
   ! grep -q '^sluiced: 60 error(s) in configuration' "$tmp/err"; then
    echo "FAIL: 60 errors: $shown shown (want 50), no 'too many' line or count"; fail=1
fi
if [ $n -lt 20 ]; then
    echo "only $n fixtures found"; exit 99
fi
[ $fail = 0 ] && echo "PASS: $n error goldens"
exit $fail
