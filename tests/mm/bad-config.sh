#!/bin/bash
# bad-config.sh - config checks (-N1) of the mm* modules: a missing or broken rulebase,
# broken inline rules, rulebase and rule together or neither, and parameters rsyslog 8.2302
# does not know (mmjsonparse's mode= and max_scan_bytes= came with 8.2506+) must fail the
# check; valid configs must pass.  Runs with DUT=sluice and DUT=rsyslog alike (rsyslogd
# returns 1 for every failing case too).  With sluice the error text is checked as well.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/../integration/lib.sh"
setup
require_plugin mmnormalize

printf 'version=2\nrule=:hello %%name:word%%\n' > "$T/good.rb"
printf 'version=2\nrule=:hello %%name:word%%\nrule=:bye %%x:nosuchparser%%\n' > "$T/broken.rb"

# check_case NAME EXPECT(pass|fail) SLUICE_STDERR_PATTERN ACTION_LINES...
check_case()
{
    local name=$1 expect=$2 pat=$3 rc=0
    shift 3
    {
        dut_global
        printf 'module(load="mmnormalize")\nmodule(load="mmjsonparse")\n'
        printf '%s\n' "$@"
    } > "$T/$name.conf"
    dut_check "$T/$name.conf" || rc=$?
    cp "$T/check.err" "$T/$name.err.txt"
    if [ "$expect" = pass ]; then
        [ "$rc" -eq 0 ] || fail "$name: -N1 failed (status $rc): $(cat "$T/check.err")"
    else
        [ "$rc" -ne 0 ] || fail "$name: -N1 passed, expected a config error"
        if [ "$DUT" = sluice ] && [ -n "$pat" ] && ! grep -qi -- "$pat" "$T/check.err"; then
            fail "$name: error output lacks '$pat': $(cat "$T/check.err")"
        fi
    fi
    log "ok: $name ($expect)"
}

check_case good-rulebase pass '' "action(type=\"mmnormalize\" rulebase=\"$T/good.rb\")"
check_case good-inline pass '' 'action(type="mmnormalize" rule=["rule=:a %b:word%", "rule=:c %d:number%"])'
check_case good-json pass '' 'action(type="mmjsonparse" cookie="" container="$!j" useRawMsg="off")'
check_case missing-rulebase fail 'cannot open rulebase' \
    "action(type=\"mmnormalize\" rulebase=\"$T/no-such.rb\")"
check_case broken-rulebase fail "invalid field type 'nosuchparser'" \
    "action(type=\"mmnormalize\" rulebase=\"$T/broken.rb\")"
check_case broken-inline fail "invalid field type 'zzz'" \
    'action(type="mmnormalize" rule=["rule=:x %a:word%", "rule=:y %b:zzz%"])'
check_case rule-and-rulebase fail 'only one rulebase' \
    "action(type=\"mmnormalize\" rulebase=\"$T/good.rb\" rule=\"rule=:a %b:word%\")"
check_case no-rules fail 'rulebase needed' 'action(type="mmnormalize")'
check_case unknown-param-normalize fail 'nosuchparam' \
    "action(type=\"mmnormalize\" rulebase=\"$T/good.rb\" nosuchparam=\"1\")"
check_case json-mode-8.2506 fail 'mode' 'action(type="mmjsonparse" mode="find-json")'
check_case json-max-scan-8.2506 fail 'max_scan_bytes' 'action(type="mmjsonparse" max_scan_bytes="100")'
log "ok: all mm config checks behave as rsyslog 8.2302's"
