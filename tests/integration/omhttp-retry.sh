#!/bin/bash
# omhttp retry="on" with retry.ruleset (rsyslog 8.2302's queueBatchOnRetryRuleset; Debian's
# rsyslog has no omhttp to compare with, so the expected lines follow rsyslog's source):
#   A: batches the sink answers 503 go to errorfile, and each of their messages to the
#      retry ruleset as a new message - rawmsg and MSG the rendering, TAG "omhttp-retry",
#      inputname "omhttp", no HOSTNAME or sender, facility invld - and is never sent again
#      by the action (action.resumeInterval 1 s would resend it quickly); messages.retry
#      counts them; a later message is delivered.
#   B: the retry ruleset's queue is full (size 2, its one worker held by a sink path
#      answered 2 s late): the action's worker waits at most 1 s and goes on (a later
#      message is delivered); every retried message is either delivered by the retry
#      ruleset or counted in omhttp's ruleset.dropped.full (and there are drops).
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=tests/integration/lib-http.sh
. "$(dirname "$0")/lib-http.sh"
omhttp_setup

new_port TCP
new_port HA
new_port HB
new_port HS
printf '503 100\n' > "$T/controlA"
: > "$T/controlB"
sink_start a "$HA" --control "$T/controlA"
sink_start b "$HB" --control "$T/controlB" --delay /b:1
sink_start s "$HS" --delay /slow:2

{
    omhttp_global "$TCP"
    printf 'main_queue(queue.workerThreads="1")\n'   # one batch at a time (B)
    printf 'template(name="plain" type="string" string="%%msg%%")\n'
    printf 'template(name="out" type="string" string="[%%hostname%%] [%%fromhost%%] [%%fromhost-ip%%] %%pri%% [%%programname%%] [%%app-name%%] [%%procid%%] [%%msgid%%] %%syslogfacility-text%% %%syslogseverity%% %%inputname%% %%syslogtag%% [%%msg%%] [%%rawmsg%%]\\n")\n'
    o='type="omhttp" server="127.0.0.1" usehttps="off" template="plain" batch="on" batch.maxsize="20" retry="on" action.resumeInterval="1"'
    printf 'ruleset(name="retry") { action(type="omfile" file="%s/retry.log" template="out") }\n' "$T"
    printf 'ruleset(name="full" queue.type="LinkedList" queue.size="2" queue.workerThreads="1") {\n'
    printf '  action(type="omhttp" server="127.0.0.1" serverport="%s" usehttps="off" template="plain" restpath="slow") }\n' "$HS"
    printf 'if $msg contains "full" then { action(%s serverport="%s" restpath="b" retry.ruleset="full" statsname="rb")\nstop }\n' "$o" "$HB"
    printf 'action(%s serverport="%s" restpath="a" retry.ruleset="retry" errorfile="%s/err.json" statsname="ra")\n' "$o" "$HA" "$T"
} > "$T/sluice.conf"
dut_start "$T/sluice.conf" tcp "$TCP"

# A
printf '%s\n' '<13>Dec  6 10:00:00 h app[1]: first "q"' '<14>Dec  6 10:00:01 h app[2]: second' \
    '<15>Dec  6 10:00:02 h2 other: third' > "/dev/tcp/127.0.0.1/$TCP" || fail "cannot send"
wait_lines "$T/retry.log" 3 10 || fail "A: $(count_lines "$T/retry.log") of 3 lines in the retry ruleset"
sleep 2   # a resend (resumeInterval 1 s) would reach the sink now
: > "$T/controlA"   # the sink accepts from now on
printf '<13>Dec  6 10:00:03 h app: fourth\n' > "/dev/tcp/127.0.0.1/$TCP" || fail "cannot send"
wait_requests a /a 1 || fail "A: the message after the failed ones was not delivered"
[ "$(sink_records a /a)" = " fourth" ] || fail "A: the sink accepted: $(sink_records a /a)"
nrej=$(count_lines "$T/a/rejected.jsonl")
[ "$(count_lines "$T/err.json")" = "$nrej" ] ||
    fail "A: $(count_lines "$T/err.json") errorfile records for $nrej failed requests"
grep -q '"status": 503' "$T/err.json" || fail "A: errorfile: $(cat "$T/err.json")"
exp='[] [] [] invld [omhttp-retry] [omhttp-retry] [-] [-] invld 7 omhttp omhttp-retry [ first "q"] [ first "q"]
[] [] [] invld [omhttp-retry] [omhttp-retry] [-] [-] invld 7 omhttp omhttp-retry [ second] [ second]
[] [] [] invld [omhttp-retry] [omhttp-retry] [-] [-] invld 7 omhttp omhttp-retry [ third] [ third]'
[ "$(cat "$T/retry.log")" = "$exp" ] || fail "A: retry ruleset got:
$(cat "$T/retry.log")
expected:
$exp"

# B: a first line holds the action's worker (its request answered 1 s late) while the next
# 12 are queued: they go in one request, which fails; the retry ruleset takes about 3
printf '<13>Dec  6 10:00:04 h app: full warm\n' > "/dev/tcp/127.0.0.1/$TCP" || fail "cannot send"
wait_requests b /b 1 || fail "B: no first request"
printf '503 1\n' > "$T/controlB"
printf '<13>Dec  6 10:00:04 h app: full %d\n' $(seq 12) > "/dev/tcp/127.0.0.1/$TCP" ||
    fail "cannot send"
wait_lines "$T/b/rejected.jsonl" 1 10 || fail "B: no failed request"
sleep 1.5
printf '<13>Dec  6 10:00:05 h app: full after\n' > "/dev/tcp/127.0.0.1/$TCP" || fail "cannot send"
wait_requests b /b 2 6 || fail "B: the action is stuck behind the full retry queue"
# the retry ruleset's worker drains what it queued (2 s per request)
for _ in $(seq 30); do
    stats_dump
    d=$(stat_val omhttp ruleset.dropped.full)
    s=$(sink_records s /slow | wc -l)
    r=$(stat_val rb messages.retry)
    [ $((${d:-0} + s)) -ge "${r:-1}" ] && break
    sleep 0.3
done
[ "$(stat_val ra messages.retry)" = 3 ] || fail "A: messages.retry $(stat_val ra messages.retry)"
[ "$r" = 12 ] || fail "B: messages.retry $r, want 12 (the 12 lines in one failed request)"
[ "${d:-0}" -gt 0 ] || fail "B: nothing counted in ruleset.dropped.full (retry $r, delivered $s)"
[ $((d + s)) -eq "$r" ] || fail "B: $r retried, $s delivered by the retry ruleset + $d dropped"
grep -q "dropped: its queue is full" "$DUT_ERR" || fail "B: no drop logged"
dut_stop
log "ok: A 3 retried, $nrej failed request(s); B $r retried: $s delivered, $d dropped (full)"
