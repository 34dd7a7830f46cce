#!/bin/bash
# check-status.sh - the config check (-N1) against rsyslogd's: for every config in
# tests/diff/checks/*.conf, `sluiced -N1` must exit with the status `rsyslogd -N1` exits
# with (0, or 1 for a config rsyslog reports errors in but still runs: the runtime side of
# those configs is in a tests/diff case).  A line "# expect: TEXT" in the config names
# text sluiced's stderr must contain (the warning or error with FILE:LINE), so a check
# that says nothing cannot pass.  @OUTDIR@ in a config is a scratch directory.
# With DUT=rsyslog both sides are rsyslogd (the "expect" lines are not checked).
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/../integration/lib.sh"
setup
[ -x "$RSYSLOGD" ] || fail "the reference $RSYSLOGD is not installed"
failed=0
n=0
for src in "$top_srcdir"/tests/diff/checks/*.conf; do
    name=$(basename "$src" .conf)
    conf=$T/$name.conf
    sed -e "s|@OUTDIR@|$T/out|g" "$src" > "$conf"
    ref=0
    timeout -k 20 20 "$RSYSLOGD" -N1 -f "$conf" > "$T/$name.ref.out" 2> "$T/$name.ref.err" || ref=$?
    got=0
    dut_check "$conf" || got=$?
    cp "$T/check.err" "$T/$name.dut.err"
    n=$((n + 1))
    if [ "$got" != "$ref" ]; then
        log "$name: -N1 exits $got, rsyslogd -N1 exits $ref"
        sed 's/^/    /' "$T/$name.dut.err"
        failed=$((failed + 1))
        continue
    fi
    if [ "$DUT" = sluice ]; then
        while IFS= read -r want; do
            if ! grep -Fq -- "$want" "$T/$name.dut.err"; then
                log "$name: stderr does not contain '$want'"
                sed 's/^/    /' "$T/$name.dut.err"
                failed=$((failed + 1))
            fi
        done < <(sed -n 's/^# expect: //p' "$src" | sed "s|@OUTDIR@|$T/out|g; s|@CONF@|$conf|g")
    fi
    log "ok: $name (status $got)"
done
[ "$n" -gt 0 ] || fail "no configs in tests/diff/checks"
[ "$failed" -eq 0 ] || fail "$failed of $n checks differ"
log "ok: all $n checks exit as rsyslogd -N1 does"
