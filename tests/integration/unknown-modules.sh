#!/bin/bash
# Modules sluice does not have (imdocker, omclickhouse as in real configs): by default -N1 fails
# naming each module with file:line; with global(sluice.unknownModules="warn") the config
# loads, the module, its inputs and its actions are skipped with warnings, and the rest of
# the config still works (a UDP message lands in the file).  sluice-only (rsyslog has these
# modules or fails differently).
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"
setup
[ "$DUT" = sluice ] || { log "sluice-only test: skipped for DUT=$DUT"; exit 77; }
new_port udp

# write_conf NAME [GLOBAL]: a config using two unknown modules and one real route.
write_conf()
{
    {
        [ -n "${2:-}" ] && printf '%s\n' "$2"
        printf 'module(load="imudp")\n'
        printf 'module(load="imdocker")\n'
        printf 'module(load="omclickhouse")\n'
        printf 'input(type="imdocker")\n'
        printf 'input(type="imudp" address="127.0.0.1" port="%s")\n' "$udp"
        printf '*.* action(type="omclickhouse" server="127.0.0.1")\n'
        printf '*.* action(type="omfile" file="%s/out/all.log")\n' "$T"
    } > "$T/$1.conf"
}

write_conf strict
if dut_check "$T/strict.conf"; then
    fail "-N1 accepted a config with unknown modules"
fi
grep -Eq 'strict\.conf:2: error: .*imdocker' "$T/check.err" || { cat "$T/check.err" >&2; fail "imdocker not reported at line 2"; }
grep -Eq 'strict\.conf:3: error: .*omclickhouse' "$T/check.err" || { cat "$T/check.err" >&2; fail "omclickhouse not reported at line 3"; }
log "ok: unknown modules rejected by default with file:line"

write_conf lenient 'global(sluice.unknownModules="warn")'
dut_check "$T/lenient.conf" || { cat "$T/check.err" >&2; fail "-N1 rejected the config in warn mode"; }
grep -Eq 'lenient\.conf:3: warning: .*imdocker.*skipped' "$T/check.err" || { cat "$T/check.err" >&2; fail "no warning for imdocker"; }
grep -Eq 'lenient\.conf:7: warning: action of skipped module .omclickhouse. ignored' "$T/check.err" || { cat "$T/check.err" >&2; fail "no warning for the omclickhouse action"; }
log "ok: warn mode accepts the config and names what it skips"

dut_start "$T/lenient.conf" udp "$udp"
send_logger "$udp" udp 'still routed' -t app
wait_lines "$T/out/all.log" 1 10 || fail "the rest of the config did not route the message"
grep -q 'still routed' "$T/out/all.log" || fail "message not in all.log"
dut_stop
[ "$DUT_STATUS" -eq 0 ] || fail "sluiced exited with status $DUT_STATUS"
log "ok: with the unknown modules skipped the rest of the config delivers"
