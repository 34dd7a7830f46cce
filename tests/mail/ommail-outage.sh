#!/bin/bash
# ommail-outage.sh - the mail server is down for 30 s, and sluiced is restarted meanwhile:
# the disk-assisted action queue keeps the alerts across the restart and every one
# arrives once after the server is back.
. "${top_srcdir:-.}/tests/integration/lib.sh"
. "$top_srcdir/tests/mail/lib-mail.sh"
setup
mail_require
[ "$DUT" = sluice ] || { log "sluice disk-queue test: skipped for DUT=$DUT"; exit 77; }
new_port in
new_port sp
N=5
mkdir -p "$T/work"
cat > "$T/sluice.conf" <<CONF
global(workDirectory="$T/work")
main_queue(queue.timeoutShutdown="2000")
module(load="imtcp")
module(load="ommail")
input(type="imtcp" address="127.0.0.1" port="$in")
template(name="subj" type="string" string="%msg%")
action(type="ommail" server="127.0.0.1" port="$sp" mailfrom="alert@example.test" mailto="ops@example.test"
       subject.template="subj" timeout.connect="2000"
       queue.type="LinkedList" queue.filename="mailq" queue.saveOnShutdown="on" queue.syncQueueFiles="on"
       action.resumeRetryCount="-1" action.resumeInterval="1" action.resumeIntervalMax="2")
CONF
t0=$SECONDS
dut_start "$T/sluice.conf" tcp "$in"
for i in $(seq $N); do printf '<10>Dec  6 12:00:0%d host1 app: outage-%d\n' "$i" "$i"; done > "$T/input"
send_lines "$in" "$T/input"
sleep 8
dut_stop
[ "$DUT_STATUS" -eq 0 ] || fail "sluiced exited with status $DUT_STATUS"
ls "$T/work"/mailq* > /dev/null 2>&1 || fail "no queue files kept across the restart"
grep -q "Couldn't connect to server" "$DUT_ERR" || fail "connection failure not logged"
dut_start "$T/sluice.conf" tcp "$in"
while [ $((SECONDS - t0)) -lt 30 ]; do sleep 1; done
log "server comes up after $((SECONDS - t0)) s"
sink_start sink "--plain=$sp"
wait_mails "$T/sink" "$N" 20 || fail "$(mails "$T/sink") of $N mails after the outage"
sleep 2
[ "$(mails "$T/sink")" -eq "$N" ] || fail "$(mails "$T/sink") mails, not $N (duplicates)"
for i in $(seq $N); do
    [ "$(grep -l "^Subject:  *outage-$i"$'\r'"\$" "$T/sink"/*.eml | wc -l)" -eq 1 ] || fail "outage-$i not mailed exactly once"
done
dut_stop
log "PASS: $N alerts kept across a 30 s outage and a restart, each mailed once ($((SECONDS - t0)) s)"
