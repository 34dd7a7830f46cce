#!/bin/bash
# inline-unbalanced.sh - an mmnormalize inline rule with an unbalanced '%' (issue 19):
# liblognorm 2.0.6 crashes loading it from a string (fgetpos(NULL)), and rsyslogd 8.2302
# with it, at -N1 and at start-up.  sluiced must refuse the rule before liblognorm sees it,
# name the rule and FILE:LINE of the action, and exit 1 (no signal) from -N1.  A start runs
# without that action (a module that refuses an action() instance disables only that action,
# as rsyslog does with any action it cannot create), names it, and is not a crash; with
# global(sluice.strictConfig="on") it exits 1.  Balanced rules and '#' comment lines with a
# lone '%' still load.  sluice-only.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/../integration/lib.sh"
setup
[ "$DUT" = sluice ] || { log "rsyslogd 8.2302 crashes on this config: sluice only"; exit 77; }
require_plugin mmnormalize

conf=$T/bad.conf
{
    dut_global
    printf 'module(load="mmnormalize")\n'
    printf 'action(type="mmnormalize" rule=["rule=x:%%a:word:<%%b:number%%"])\n'
} > "$conf"
rc=0
dut_check "$conf" || rc=$?
[ "$rc" -eq 1 ] || fail "-N1 status $rc (139: the liblognorm crash): $(cat "$T/check.err")"
grep -q "rule 1: 'rule=x:%a:word:<%b:number%': unbalanced '%'" "$T/check.err" \
    || fail "the rule is not named: $(cat "$T/check.err")"
grep -q "$conf:3: .*mmnormalize" "$T/check.err" || fail "no FILE:LINE: $(cat "$T/check.err")"

# start-up: runs without the action (killed by timeout's TERM after 3 s: status 124, a
# clean exit on SIGTERM inside), names it, no crash
rc=0
timeout -k 20 3 "$SLUICED" -n -iNONE -f "$conf" -M "$SLUICE_PLUGIN_DIR" > "$T/start.out" 2> "$T/start.err" || rc=$?
[ "$rc" -eq 124 ] || fail "start-up status $rc (want 124: still running): $(cat "$T/start.err")"
grep -q "$conf:3: .*action disabled" "$T/start.err" || fail "start-up: no FILE:LINE: $(cat "$T/start.err")"
grep -q "exiting on signal 15" "$T/start.err" || fail "start-up: no clean exit: $(cat "$T/start.err")"
# strict: refuses to start
{
    printf 'global(sluice.strictConfig="on")\n'
    cat "$conf"
} > "$T/strict.conf"
rc=0
timeout -k 20 20 "$SLUICED" -n -iNONE -f "$T/strict.conf" -M "$SLUICE_PLUGIN_DIR" > "$T/strict.out" 2> "$T/strict.err" || rc=$?
[ "$rc" -eq 1 ] || fail "strict start-up status $rc: $(cat "$T/strict.err")"

# a second line of one array element, and a comment line with a lone '%' (skipped by
# liblognorm's reader, so harmless)
{
    dut_global
    printf 'module(load="mmnormalize")\n'
    printf 'action(type="mmnormalize" rule=["# 100%% comment\\nrule=:a %%b:word%%", "rule=:c %%d:number%%\\nrule=:e %%f"])\n'
} > "$T/two.conf"
rc=0
dut_check "$T/two.conf" || rc=$?
[ "$rc" -eq 1 ] || fail "second case: -N1 status $rc: $(cat "$T/check.err")"
grep -q "rule 2, line 2: 'rule=:e %f'" "$T/check.err" || fail "line not named: $(cat "$T/check.err")"
grep -q "rule 1" "$T/check.err" && fail "the comment line was refused: $(cat "$T/check.err")"
{
    dut_global
    printf 'module(load="mmnormalize")\n'
    printf 'action(type="mmnormalize" rule=["# 100%% comment\\nrule=:a %%b:word%%", "rule=:c %%d:number%%"])\n'
} > "$T/good.conf"
dut_check "$T/good.conf" || fail "balanced rules refused: $(cat "$T/check.err")"
log "ok: unbalanced inline rule refused with its FILE:LINE (-N1, start-up without it, strict refusal), no crash"
