#!/bin/bash
# ruletest.sh - sluiced --test: the text trace (filters with FILE:LINE and result, set,
# call, stop, actions with their bytes), one JSON object per line, the ruleset bound to
# the named input, no side effects (no file, no directory, no connection), and the
# expectations file as a CI gate: a matching file exits 0, a failing expectation exits 1
# with a diff, a malformed file exits 2; $RepeatedMsgReduction as the daemon applies it.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"
setup
if [ "$DUT" != sluice ]; then
    log "skipped: the rule tester is sluice's"
    exit 77
fi
new_port udp
new_port fwd
OUT=$T/out
cat > "$T/t.conf" << EOF
module(load="imudp")
template(name="line" type="string" string="%hostname% %syslogtag%%msg%\\n")
template(name="dyn" type="string" string="$OUT/dyn/%programname%.log")
ruleset(name="remote") {
  action(type="omfile" file="$OUT/remote.log" template="line")
}
input(type="imudp" port="$udp" ruleset="remote")
if \$programname == "app" then {
  set \$!level = "high";
  action(type="omfile" dynaFile="dyn" template="line")
  if \$msg contains "halt" then stop
  call fwd
}
:msg, contains, "disk" $OUT/disk.log;line
ruleset(name="fwd") {
  action(type="omfwd" target="127.0.0.1" port="$fwd" protocol="tcp" TCP_Framing="octet-counted")
}
EOF
LINE1='<13>Jan  2 03:04:05 h1 app: disk full'
LINE2='<13>Jan  2 03:04:05 h1 app: halt now'
# a real receiver on the omfwd port: the tester must send it nothing
rs_recv peer --tcp "$fwd"

rt() { timeout -k 20 20 "$SLUICED" --test -f "$T/t.conf" -M "$SLUICE_PLUGIN_DIR" "$@"; }

rt -- "$LINE1" "$LINE2" > "$T/text.out" 2> "$T/text.err" || fail "--test failed: $(cat "$T/text.err")"
grep -q "^   $T/t.conf:8: if (\$programname == \"app\") => true$" "$T/text.out" \
    || fail "no filter line with FILE:LINE and result: $(cat "$T/text.out")"
grep -q "^   $T/t.conf:9: set \$!level = \"high\" => \"high\"$" "$T/text.out" || fail "no set line"
grep -q "^   $T/t.conf:11: if (\$msg contains \"halt\") => false$" "$T/text.out" || fail "no false filter"
grep -q "^   $T/t.conf:11: stop$" "$T/text.out" || fail "no stop"
grep -q "^   $T/t.conf:12: call fwd -> fwd$" "$T/text.out" || fail "no call"
grep -q "action-1-builtin:omfile (omfile) -> $OUT/dyn/app.log \[template line\]" "$T/text.out" \
    || fail "no dynaFile path"
grep -qF "tcp://127.0.0.1:$fwd (framing octet-counted)" "$T/text.out" || fail "no omfwd target"
grep -qF "       37 <13>Jan  2 03:04:05 h1 app: disk full" "$T/text.out" || fail "no framed omfwd bytes"
grep -qF "$T/t.conf:14: propfilt \$msg contains \"disk\" => true" "$T/text.out" || fail "no property filter"
[ "$(grep -c '^== line' "$T/text.out")" -eq 2 ] || fail "not two lines reported"

# JSON: one object per line; the ruleset bound to the input named imudp
rt --test-format json --test-inputname imudp --test-fromhost web1/10.1.2.3 -- "$LINE1" \
    > "$T/json.out" 2> "$T/json.err" || fail "--test json failed: $(cat "$T/json.err")"
[ "$(wc -l < "$T/json.out")" -eq 1 ] || fail "not one JSON line"
grep -q '"ruleset":"remote"' "$T/json.out" || fail "input binding not applied: $(cat "$T/json.out")"
grep -q '"fromhost":"web1","fromhost-ip":"10.1.2.3"' "$T/json.out" || fail "fromhost not applied"
grep -qF '"bytes":"h1 app: disk full\n"' "$T/json.out" || fail "no bytes in JSON"

# no side effects
[ -z "$(find "$OUT" -mindepth 1 2> /dev/null)" ] || fail "the tester created files: $(find "$OUT")"
sleep 0.5
[ ! -s "$T/peer/raw.log" ] || fail "the tester sent something to the omfwd target"

# expectations: generated, checked, broken
rt --test-format expect -- "$LINE1" "$LINE2" > "$T/good.exp" 2> /dev/null || fail "expect format"
grep -q '^expect-nothing$' "$T/good.exp" && fail "line 2 writes the dynaFile: no expect-nothing"
rt --test-expect "$T/good.exp" > "$T/good.res" 2>&1 || fail "matching expectations failed: $(cat "$T/good.res")"
grep -q '^2 case(s), 0 failed$' "$T/good.res" || fail "no summary: $(cat "$T/good.res")"
sed '/^expect /s/halt now/HALT now/' "$T/good.exp" > "$T/bad.exp"
rc=0
rt --test-expect "$T/bad.exp" > "$T/bad.res" 2>&1 || rc=$?
[ "$rc" -eq 1 ] || fail "a failing expectation exited $rc, not 1: $(cat "$T/bad.res")"
grep -q "^FAIL $T/bad.exp:[0-9]*: <13>Jan  2 03:04:05 h1 app: halt now$" "$T/bad.res" || fail "no FAIL line"
grep -qF -- "-$OUT/dyn/app.log h1 app: HALT now\\n" "$T/bad.res" || fail "no - line: $(cat "$T/bad.res")"
grep -qF -- "+$OUT/dyn/app.log h1 app: halt now\\n" "$T/bad.res" || fail "no + line"
grep -q '^2 case(s), 1 failed$' "$T/bad.res" || fail "no failure count"
printf 'input x\nexpcet /a b\n' > "$T/broken.exp"
rc=0
rt --test-expect "$T/broken.exp" > /dev/null 2> "$T/broken.err" || rc=$?
[ "$rc" -eq 2 ] || fail "a malformed expectations file exited $rc, not 2"
grep -q "broken.exp:2: unknown line" "$T/broken.err" || fail "no FILE:LINE for the malformed file"
[ -z "$(find "$OUT" -mindepth 1 2> /dev/null)" ] || fail "the tester created files"

# the receive time: --test-time and a case's "time" fix timegenerated (and the reported
# time of a line without one); a bad time is a usage error
cat > "$T/time.conf" << 'EOF'
template(name="tg" type="string" string="%timegenerated:::date-rfc3339% %timereported:::date-rfc3339% %msg%\n")
action(type="omfile" file="/dev/null" template="tg")
EOF
rtt() { TZ=UTC timeout -k 20 20 "$SLUICED" --test -f "$T/time.conf" -M "$SLUICE_PLUGIN_DIR" "$@"; }
rtt --test-format expect --test-time 2026-12-06T19:35:00.25+09:00 -- '<13>app: hello' > "$T/time.exp" 2>&1 ||
    fail "--test-time: $(cat "$T/time.exp")"
grep -qxF 'time 2026-12-06T19:35:00.25+09:00' "$T/time.exp" || fail "no time line: $(cat "$T/time.exp")"
grep -qxF 'expect /dev/null 2026-12-06T10:35:00.250000+00:00 2026-12-06T10:35:00.250000+00:00  hello\n' "$T/time.exp" ||
    fail "--test-time did not set the receive time: $(cat "$T/time.exp")"
rtt --test-expect "$T/time.exp" > "$T/time.res" 2>&1 || fail "a case's time is not used: $(cat "$T/time.res")"
rc=0
rtt --test-time 2026-12-06 -- x > /dev/null 2>&1 || rc=$?
[ "$rc" -eq 2 ] || fail "a bad --test-time exited $rc, not 2"

# $RepeatedMsgReduction: a repeat is held back (expect-nothing), the next different line
# lets "message repeated N times" through first, and what is still held at the end of the
# input is an "end-of-input" case; the generated file checks, one with the end case
# removed fails (exit 1)
# shellcheck disable=SC2016  # a legacy directive, not an expansion
printf '$RepeatedMsgReduction on\n*.* %s/rep.log;RSYSLOG_TraditionalFileFormat\n' "$OUT" > "$T/rep.conf"
rtr() { timeout -k 20 20 "$SLUICED" --test -f "$T/rep.conf" -M "$SLUICE_PLUGIN_DIR" "$@"; }
R1='<13>Jan  2 03:04:05 h1 app[1]: same'
R2='<13>Jan  2 03:04:06 h1 app[1]: other'
rtr --test-format expect -- "$R1" "$R1" "$R1" "$R2" "$R2" > "$T/rep.exp" 2>&1 ||
    fail "--test with repeats: $(cat "$T/rep.exp")"
[ "$(grep -c '^expect-nothing$' "$T/rep.exp")" -eq 3 ] || fail "repeats not held back: $(cat "$T/rep.exp")"
grep -qxF "expect $OUT/rep.log Jan  2 03:04:05 h1 app[1]: message repeated 2 times: [ same]\\n" "$T/rep.exp" ||
    fail "no 'message repeated 2 times': $(cat "$T/rep.exp")"
[ "$(sed -n '/^end-of-input$/{n;p}' "$T/rep.exp")" = "expect $OUT/rep.log Jan  2 03:04:06 h1 app[1]: other\\n" ] ||
    fail "the repeat held at the end is not let through: $(cat "$T/rep.exp")"
rtr --test-expect "$T/rep.exp" > "$T/rep.res" 2>&1 || fail "repeats: expectations failed: $(cat "$T/rep.res")"
sed '/^end-of-input$/,$d' "$T/rep.exp" > "$T/rep-noend.exp"
rc=0
rtr --test-expect "$T/rep-noend.exp" > "$T/rep-noend.res" 2>&1 || rc=$?
[ "$rc" -eq 1 ] || fail "a missing end-of-input case exited $rc, not 1: $(cat "$T/rep-noend.res")"
grep -q ': end-of-input$' "$T/rep-noend.res" || fail "no end-of-input FAIL line: $(cat "$T/rep-noend.res")"
[ -z "$(find "$OUT" -mindepth 1 2> /dev/null)" ] || fail "the tester created files"
log "ok"
