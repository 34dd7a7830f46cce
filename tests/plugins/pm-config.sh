#!/bin/bash
# pm-config.sh - config checks (-N1) of parser chains and the parser plugins: valid chains
# (ruleset parser= lists, $RulesetParser, parser() instances of pmciscoios, pmsnare and
# pmnormalize, timezone() objects) pass; a parser() of a module not loaded, of a module
# without parser() instances (pmlastmsg), a name used twice, a bad boolean, an unknown
# parameter, a chain naming an unknown parser, pmnormalize without rules / with both /
# with a missing rulebase and a malformed timezone() fail.  Runs with DUT=sluice and
# DUT=rsyslog alike (rsyslogd returns non-zero for every failing case too); with sluice the
# error text is checked as well.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/../integration/lib.sh"
setup
require_plugin pmlastmsg pmciscoios pmsnare pmnormalize

printf 'version=2\nrule=:<%%pri:number%%>%%msg:rest%%\n' > "$T/good.rb"

# check_case NAME EXPECT(pass|fail) SLUICE_STDERR_PATTERN CONFIG_LINES...
check_case()
{
    local name=$1 expect=$2 pat=$3 rc=0
    shift 3
    {
        dut_global
        printf '%s\n' "$@"
        printf 'action(type="omfile" file="%s/out.log")\n' "$T"
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

check_case chains pass '' 'module(load="pmlastmsg")' 'module(load="pmciscoios")' \
    'module(load="pmsnare")' \
    'parser(name="ios.o" type="pmciscoios" present.origin="on" present.xr="off")' \
    'parser(name="sn" type="pmsnare" parser.escapeControlCharacterTab="off" parser.controlCharacterEscapePrefix="!")' \
    'timezone(id="CET" offset="+01:00")' \
    'ruleset(name="r" parser=["rsyslog.lastline", "ios.o", "sn", "rsyslog.ciscoios", "rsyslog.snare", "rsyslog.rfc5424", "rsyslog.rfc3164"]) { stop }' \
    '$RuleSet leg' '$RulesetParser rsyslog.lastline' '$RulesetParser rsyslog.rfc3164'
check_case normalize pass '' 'module(load="pmnormalize")' \
    "parser(name=\"n1\" type=\"pmnormalize\" rulebase=\"$T/good.rb\" undefinedPropertyError=\"on\")" \
    'parser(name="n2" type="pmnormalize" rule=["rule=:<%pri:number%>%msg:rest%"])' \
    'ruleset(name="r" parser=["n1", "n2"]) { stop }'
check_case not-loaded fail "parser module name 'pmsnare' is unknown" \
    'parser(name="sn" type="pmsnare")'
check_case no-instances fail 'pmlastmsg' 'module(load="pmlastmsg")' \
    'parser(name="lm" type="pmlastmsg")'
check_case name-twice fail 'already exists' 'module(load="pmciscoios")' \
    'parser(name="rsyslog.ciscoios" type="pmciscoios")'
check_case bad-bool fail 'present.origin' 'module(load="pmciscoios")' \
    'parser(name="i" type="pmciscoios" present.origin="maybe")'
check_case unknown-param fail 'nosuchparam' 'module(load="pmciscoios")' \
    'parser(name="i" type="pmciscoios" nosuchparam="1")'
check_case unknown-parser fail "parser 'rsyslog.nosuch' unknown" \
    'ruleset(name="r" parser=["rsyslog.nosuch", "rsyslog.rfc3164"]) { stop }'
check_case normalize-no-rules fail "either parameter 'rule' or 'rulebase'" \
    'module(load="pmnormalize")' 'parser(name="n" type="pmnormalize")'
check_case normalize-both fail 'but not both' 'module(load="pmnormalize")' \
    "parser(name=\"n\" type=\"pmnormalize\" rulebase=\"$T/good.rb\" rule=\"rule=:%a:rest%\")"
check_case normalize-missing fail 'cannot open rulebase' 'module(load="pmnormalize")' \
    "parser(name=\"n\" type=\"pmnormalize\" rulebase=\"$T/no-such.rb\")"
check_case timezone-format fail 'invalid format' 'timezone(id="X" offset="+1:00")'
check_case timezone-range fail 'outside of supported range' 'timezone(id="X" offset="+13:00")'
log "ok: all parser config checks behave as rsyslog 8.2302's"
