#!/bin/bash
# ommail-digest-queue.sh - digest mode on a queued action (ABI 1.4 deferred acknowledgement:
# batches shown in a digest are confirmed only when it is mailed).
#  1. The server defers the first digest (--tempfail 1): its batches go back to the queue and
#     come again; 1,000 messages are each counted once (mailed + suppressed = 1,000) and the
#     mails show what the counters say.
#  2. The server is down, sluiced is stopped and started again: the alerts of the open window
#     wait in the disk-assisted queue and are mailed after the restart, each once.
. "${top_srcdir:-.}/tests/integration/lib.sh"
. "$top_srcdir/tests/mail/lib-mail.sh"
setup
mail_require
[ "$DUT" = sluice ] || { log "sluice digest/queue test: skipped for DUT=$DUT"; exit 77; }

# --- 1. a deferred digest goes back to the queue ---------------------------------------
TOTAL=1000
sink_start one --plain --tempfail 1
new_port in
cat > "$T/one.conf" <<CONF
$(dut_global)
module(load="imtcp")
module(load="ommail")
input(type="imtcp" address="127.0.0.1" port="$in")
action(type="ommail" server="127.0.0.1" port="$SINK_PLAIN" mailfrom="alert@example.test"
       mailto="ops@example.test" subject.text="digest" digest.interval="1" digest.maxMessages="20"
       queue.type="LinkedList" action.resumeInterval="1")
CONF
dut_start "$T/one.conf" tcp "$in"
flood -p "$in" -t tcp -n "$TOTAL" -c 1 -r 2000 || fail "slflood failed"
S="ommail(127.0.0.1:$SINK_PLAIN)"
for i in $(seq 30); do
    sleep 1
    stats_dump
    m=$(stat_val "$S" messages.mailed) s=$(stat_val "$S" messages.suppressed)
    [ $((m + s)) -ge "$TOTAL" ] && break
done
sleep 2
stats_dump
m=$(stat_val "$S" messages.mailed) s=$(stat_val "$S" messages.suppressed)
log "deferred digest: mailed $m, suppressed $s, failed.4xx $(stat_val "$S" failed.4xx)"
[ "$(stat_val "$S" failed.4xx)" = 1 ] || fail "failed.4xx is $(stat_val "$S" failed.4xx), not 1"
[ $((m + s)) -eq "$TOTAL" ] || fail "mailed $m + suppressed $s != $TOTAL"
[ "$(stat_val "$S" messages.lost)" = 0 ] || fail "messages lost"
read -r nmails sum_n _ < <("$PY3" "$top_srcdir/tests/mail/digestcount.py" "$T/one") || fail "malformed digest"
[ "$sum_n" -eq "$m" ] || fail "the mails show $sum_n messages, the counter says $m"
[ "$nmails" = "$(stat_val "$S" mails.sent)" ] || fail "$nmails mails, mails.sent $(stat_val "$S" mails.sent)"
# the first 20 shown (deferred) are shown again, not lost: seq=0:1 .. seq=0:20 in the mails
for i in 1 2 20; do
    grep -q "seq=0:$i"$'\r' "$T/one"/*.eml || fail "seq=0:$i of the deferred digest never mailed"
done
dut_stop
[ "$DUT_STATUS" -eq 0 ] || fail "sluiced exited with status $DUT_STATUS"
stop_pid "$SINK_PID"

# --- 2. across a restart with the server down --------------------------------------------
new_port in
new_port sp
mkdir -p "$T/work"
cat > "$T/two.conf" <<CONF
global(workDirectory="$T/work")
main_queue(queue.timeoutShutdown="3000")
module(load="imtcp")
module(load="ommail")
input(type="imtcp" address="127.0.0.1" port="$in")
action(type="ommail" server="127.0.0.1" port="$sp" mailfrom="alert@example.test"
       mailto="ops@example.test" subject.text="digest" digest.interval="2" timeout.connect="1000"
       queue.type="LinkedList" queue.filename="digestq" queue.saveOnShutdown="on"
       queue.syncQueueFiles="on" action.resumeInterval="1" action.resumeIntervalMax="2")
CONF
dut_start "$T/two.conf" tcp "$in"
for i in 1 2 3 4 5; do printf '<10>Dec  6 12:00:00 host1 app: alert-%d\n' "$i"; done > "$T/in2"
send_lines "$in" "$T/in2"
sleep 4      # one window has failed (connection refused) and gone back to the queue
dut_stop
[ "$DUT_STATUS" -eq 0 ] || fail "sluiced exited with status $DUT_STATUS"
grep -q "Couldn't connect to server" "$DUT_ERR" || fail "no failed digest before the restart"
sink_start two "--plain=$sp"
dut_start "$T/two.conf" tcp "$in"
wait_mails "$T/two" 1 20 || fail "no digest after the restart"
sleep 3
for i in 1 2 3 4 5; do
    n=$(grep -h -c "alert-$i"$'\r' "$T/two"/*.eml | awk '{ s += $1 } END { print s + 0 }')
    [ "$n" -eq 1 ] || fail "alert-$i mailed $n times after the restart, not once"
done
dut_stop
[ "$DUT_STATUS" -eq 0 ] || fail "sluiced exited with status $DUT_STATUS"
log "PASS: deferred digest re-queued ($TOTAL counted once); open window kept across a restart"
