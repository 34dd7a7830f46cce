#!/bin/bash
# The live trace (issue 17): `sluicectl trace on input=t1` streams, for the messages of
# input t1 only, the ruleset entered, each filter with FILE:LINE and result, the actions
# enqueued and delivered; nothing of input u1's messages; `trace off` ends the stream (the
# client exits 0) and later messages are not traced; match= selects by text, ruleset= by
# ruleset; sluiced -d traces to stderr, at most 1000 lines/s then a "suppressed" line.
# A second client with --json gets the same events as JSON objects, one a line (parsed
# with python3's json), each with the text line in "text".
# sluice-only.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"
setup
[ "$DUT" = sluice ] || { log "SKIP: sluice-only"; exit 77; }
# shellcheck source=tests/integration/lib-sluicectl.sh
. "$(dirname "$0")/lib-sluicectl.sh"
new_port tcp
new_port udp
out=$T/out/all.log
{
    printf 'global(workDirectory="%s" sluice.controlSocket="%s")\n' "$T" "$CTL"
    printf 'module(load="imtcp")\nmodule(load="imudp")\n'
    printf 'input(type="imtcp" address="127.0.0.1" port="%s" name="t1")\n' "$tcp"
    printf 'input(type="imudp" address="127.0.0.1" port="%s" name="u1")\n' "$udp"
    printf 'if $msg contains "keep" then {\n'
    printf '    set $!seen = "yes";\n'
    printf '    action(type="omfile" name="kept" file="%s")\n' "$out"
    printf '}\n'
} > "$T/dut.conf"
dut_start "$T/dut.conf" tcp "$tcp" udp "$udp"
timeout -k 20 30 "$SLUICECTL" -s "$CTL" trace on input=t1 > "$T/trace.out" 2> "$T/trace.err" &
TR_PID=$!
track_pid "$TR_PID"
for i in $(seq 50); do grep -q '^ok: trace on' "$T/trace.out" && break; sleep 0.1; done
grep -q '^ok: trace on for input=t1' "$T/trace.out" || fail "trace on not acknowledged"
timeout -k 20 30 "$SLUICECTL" -s "$CTL" trace on input=t1 --json > "$T/trace.json" 2> "$T/tracej.err" &
TJ_PID=$!
track_pid "$TJ_PID"
for i in $(seq 50); do grep -q '"event":"trace on"' "$T/trace.json" && break; sleep 0.1; done
send_logger "$tcp" tcp "keep alpha-tcp" -t sltest
send_logger "$udp" udp "keep beta-udp" -t sltest
wait_lines "$out" 2 10 || fail "messages not written"
for i in $(seq 50); do grep -q "delivered 1 traced" "$T/trace.out" && break; sleep 0.1; done
cat "$T/trace.out"
grep -Eq "^trace #[0-9]+ input 't1' -> ruleset 'RSYSLOG_DefaultRuleset': keep alpha-tcp" "$T/trace.out" ||
    fail "no ruleset line for t1's message"
grep -Eq "^trace #[0-9]+ .*dut.conf:6: if \(\\\$msg contains \"keep\"\) => true$" "$T/trace.out" ||
    fail "no filter line with FILE:LINE and result"
grep -Eq "^trace #[0-9]+ .*dut.conf:7: set \\\$!seen" "$T/trace.out" || fail "no set line"
grep -Eq "^trace #[0-9]+ .*dut.conf:8: action 'kept' \(omfile\) enqueued" "$T/trace.out" ||
    fail "no action enqueued line"
grep -q "^trace action 'kept' delivered 1 traced message(s)" "$T/trace.out" ||
    fail "no action delivered line"
# (not a bare 'u1': the scratch path, e.g. a worktree named cpu10b, may contain it)
grep -q "beta-udp\\|input 'u1'" "$T/trace.out" && fail "input u1's message was traced"
log "ok: trace of input t1 only"

ctl trace off | grep -q '^ok: trace off (2 followers' || fail "trace off not ok"
for i in $(seq 50); do kill -0 "$TR_PID" 2> /dev/null || kill -0 "$TJ_PID" 2> /dev/null || break; sleep 0.1; done
kill -0 "$TR_PID" 2> /dev/null && fail "sluicectl trace on still runs after trace off"
wait "$TR_PID"; rc=$?
[ "$rc" -eq 0 ] || fail "sluicectl trace on exit $rc after trace off"
wait "$TJ_PID"; rc=$?
[ "$rc" -eq 0 ] || fail "sluicectl trace on --json exit $rc after trace off"
# --json: every line one JSON object; the same events as the text client, in order
python3 - "$T/trace.json" "$T/trace.out" << 'EOF' || { cat "$T/trace.json" >&2; fail "trace on --json"; }
import json, sys
objs = [json.loads(l) for l in open(sys.argv[1])]
text = [l.rstrip("\n") for l in open(sys.argv[2])]
ev = [o["event"] for o in objs]
assert ev[0] == "trace on" and objs[0]["input"] == "t1", objs[0]
assert objs[0]["max_lines_per_second"] == 1000 and ev[-1] == "trace off", ev
body = objs[1:-1]
assert [o["text"] for o in body] == text[1:-1], "JSON texts differ from the text client's lines"
by = {e: [o for o in body if o["event"] == e]
      for e in ("input", "statement", "action", "delivery", "end")}
i, = by["input"]
assert i["input"] == "t1" and i["ruleset"] == "RSYSLOG_DefaultRuleset", i
assert "keep alpha-tcp" in i["msg"], i
f = [o for o in by["statement"] if o["line"] == 6][0]
assert f["result"] is True and f["file"].endswith("dut.conf") and f["id"] == i["id"], f
a, = by["action"]
assert (a["action"], a["module"], a["how"], a["line"]) == ("kept", "omfile", "enqueued (direct)", 8), a
d, = by["delivery"]
assert (d["action"], d["outcome"], d["count"], d["suspended"]) == ("kept", "delivered", 1, False), d
assert by["end"][0]["stop"] is False
print("json: %d objects" % len(objs))
EOF
n=$(wc -l < "$T/trace.out")
send_logger "$tcp" tcp "keep gamma-tcp" -t sltest
wait_lines "$out" 3 10 || fail "third message not written"
grep -q gamma "$T/trace.out" && fail "traced after trace off"
[ "$(wc -l < "$T/trace.out")" -eq "$n" ] || fail "trace output grew after trace off"
log "ok: trace off"

# match=: only messages whose text holds the string; a burst over the rate limit (600
# messages, 5 lines each, > 1000 lines/s) ends in one "N trace lines suppressed" line (it
# also counts the lines a follower that falls behind lost; -d below checks the limit)
timeout -k 20 30 "$SLUICECTL" -s "$CTL" trace on match=keep burst > "$T/trace2.out" 2>&1 &
TR_PID=$!
track_pid "$TR_PID"
for i in $(seq 50); do grep -q '^ok: trace on' "$T/trace2.out" && break; sleep 0.1; done
grep -q '^ok: trace on for match=keep burst ' "$T/trace2.out" || fail "trace on match= not acknowledged"
send_logger "$tcp" tcp "keep other" -t sltest
for i in $(seq 600); do printf '<13>Dec  6 10:00:00 h t: keep burst %d\n' "$i"; done > "/dev/tcp/127.0.0.1/$tcp"
wait_lines "$out" 604 15 || fail "burst not written"
sleep 1.1
send_logger "$tcp" tcp "keep burst last" -t sltest
for i in $(seq 50); do grep -q "trace lines suppressed" "$T/trace2.out" && break; sleep 0.1; done
grep -Eq '^trace: [0-9]+ trace lines suppressed$' "$T/trace2.out" || fail "no suppressed line"
n=$(grep -c . "$T/trace2.out")
[ "$n" -le 2100 ] || fail "rate limit: $n trace lines in about 2 s"
grep -q 'keep burst last' "$T/trace2.out" || fail "no trace after the suppressed line"
grep -q 'keep other' "$T/trace2.out" && fail "match=: a message without the string was traced"
ctl trace off > /dev/null
wait "$TR_PID"
log "ok: match= and a burst ($n lines)"

# ruleset=: a ruleset no message runs in traces nothing
timeout -k 20 30 "$SLUICECTL" -s "$CTL" trace on ruleset=nosuch > "$T/trace3.out" 2>&1 &
TR_PID=$!
track_pid "$TR_PID"
for i in $(seq 50); do grep -q '^ok: trace on' "$T/trace3.out" && break; sleep 0.1; done
grep -q '^ok: trace on for ruleset=nosuch ' "$T/trace3.out" || fail "trace on ruleset= not acknowledged"
send_logger "$tcp" tcp "keep epsilon" -t sltest
wait_lines "$out" 606 10 || fail "epsilon not written"
sleep 0.3
grep -q '^trace' "$T/trace3.out" && fail "ruleset=nosuch traced a message"
ctl trace off > /dev/null
wait "$TR_PID"
log "ok: ruleset="
dut_stop
[ "$DUT_STATUS" -eq 0 ] || fail "exit status $DUT_STATUS"
grep -q '^trace' "$DUT_ERR" && fail "trace lines on stderr without -d"

# -d: every message traced to stderr
mapfile -t cmd < <(dut_cmd "$T/dut.conf")
"${cmd[@]}" -d < /dev/null > /dev/null 2> "$T/debug.err" &
DUT_PID=$!
track_pid "$DUT_PID"
wait_port tcp "$tcp" 15 || fail "-d: not listening"
send_logger "$udp" udp "keep delta-udp" -t sltest
for i in $(seq 50); do grep -q "delivered 1 traced" "$T/debug.err" && break; sleep 0.1; done
grep -Eq "^trace #[0-9]+ input 'u1' -> ruleset .*keep delta-udp" "$T/debug.err" ||
    { cat "$T/debug.err" >&2; fail "-d: no trace on stderr"; }
# the rate limit, where no line is lost to a slow reader: a burst of 600 messages
# (> 3000 lines) gives at most 1000 lines in its second, then the "suppressed" line
for i in $(seq 600); do printf '<13>Dec  6 10:00:00 h t: keep dburst %d\n' "$i"; done > "/dev/tcp/127.0.0.1/$tcp"
for i in $(seq 100); do [ "$(grep -c 'dburst' "$T/debug.err")" -gt 0 ] && break; sleep 0.1; done
sleep 1.5
send_logger "$udp" udp "keep zeta-udp" -t sltest
for i in $(seq 50); do grep -q "zeta-udp" "$T/debug.err" && break; sleep 0.1; done
grep -Eq '^trace: [0-9]+ trace lines suppressed$' "$T/debug.err" || fail "-d: no suppressed line"
n=$(grep -c '^trace' "$T/debug.err")
[ "$n" -le 2100 ] || fail "-d: rate limit: $n trace lines"
[ "$n" -ge 500 ] || fail "-d: only $n trace lines"
log "ok: -d and its rate limit ($n lines)"
dut_stop
log "ok"
