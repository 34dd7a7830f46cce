#!/bin/bash
# ommail-delivery.sh - delivery outcomes: 451 at DATA twice (--tempfail 2) suspends the
# action and the mail arrives after the retries, once; a 550 for the recipient
# (--reject-rcpt) is permanent: one errorFile record, the server's reply in the log,
# failed.5xx counted, no retry loop, and the action goes on with the next message; a server
# that accepts the connection and never answers (socat) is given up after timeout.session.
. "${top_srcdir:-.}/tests/integration/lib.sh"
. "$top_srcdir/tests/mail/lib-mail.sh"
setup
mail_require

sink_start temp --plain --tempfail 2
TP=$SINK_PLAIN
sink_start rej --plain --reject-rcpt nobody@example.test
RP=$SINK_PLAIN
require_cmd socat
new_port SP
socat "TCP-LISTEN:$SP,bind=127.0.0.1,reuseaddr,fork" SYSTEM:'sleep 30' 2> "$T/socat.err" &
track_pid $!
wait_port tcp "$SP" 10 || fail "socat does not listen"
new_port in
A='server="127.0.0.1" mailfrom="alert@example.test" queue.type="LinkedList" action.resumeInterval="1"'
cat > "$T/sluice.conf" <<CONF
$(dut_global)
module(load="imtcp")
module(load="ommail")
input(type="imtcp" address="127.0.0.1" port="$in")
if \$msg contains "d-temp" then action(type="ommail" $A port="$TP" mailto="ops@example.test" subject.text="temp")
if \$msg contains "d-rej" then action(type="ommail" $A port="$RP" mailto="nobody@example.test"
    action.errorFile="$T/rej.json")
if \$msg contains "d-after" then action(type="ommail" $A port="$RP" mailto="ops@example.test")
if \$msg contains "d-silent" then action(type="ommail" $A port="$SP" mailto="ops@example.test"
    timeout.session="1500")
CONF
dut_start "$T/sluice.conf" tcp "$in"
printf '<10>Dec  6 12:00:00 host1 app: d-temp one\n<10>Dec  6 12:00:01 host1 app: d-rej one\n<10>Dec  6 12:00:01 host1 app: d-silent one\n' > "$T/in1"
send_lines "$in" "$T/in1"
wait_mails "$T/temp" 1 20 || fail "--tempfail 2: the mail did not arrive after the retries"
wait_lines "$T/rej.json" 1 10 || fail "reject: no errorFile record"
printf '<10>Dec  6 12:00:02 host1 app: d-after one\n' > "$T/in2"
send_lines "$in" "$T/in2"
wait_mails "$T/rej" 1 10 || fail "the message after a rejected one did not arrive"
sleep 3     # a retry loop would show now
stats_dump
[ "$(mails "$T/temp")" -eq 1 ] || fail "--tempfail: $(mails "$T/temp") mails, not 1"
[ "$(mails "$T/rej")" -eq 1 ] || fail "reject sink: $(mails "$T/rej") mails, not 1"
[ "$(stat_val "ommail(127.0.0.1:$TP)" failed.4xx)" = 2 ] ||
    fail "failed.4xx is $(stat_val "ommail(127.0.0.1:$TP)" failed.4xx), not 2"
[ "$(stat_val "ommail(127.0.0.1:$TP)" mails.sent)" = 1 ] || fail "mails.sent for the tempfail sink is not 1"
[ "$(stat_val "ommail(127.0.0.1:$RP)" failed.5xx)" = 1 ] ||
    fail "failed.5xx is $(stat_val "ommail(127.0.0.1:$RP)" failed.5xx), not 1 (retried?)"
[ "$(stat_val "ommail(127.0.0.1:$RP)" messages.failed)" = 1 ] || fail "messages.failed is not 1"
[ "$(count_lines "$T/rej.json")" -eq 1 ] || fail "errorFile has $(count_lines "$T/rej.json") records"
grep -q '"status": -2218' "$T/rej.json" || fail "errorFile record: $(cat "$T/rej.json")"
grep -q 'd-rej one' "$T/rej.json" || fail "errorFile record lacks the message: $(cat "$T/rej.json")"
grep -q '550 5.1.1 no such user' "$DUT_ERR" || fail "the server's 550 reply is not logged"
[ "$(grep -c '451 4.3.0 try again later' "$DUT_ERR")" -eq 2 ] || fail "the two 451 replies are not logged"
[ "$(jfield "$T/temp" 1 rcpt_tos)" = '["ops@example.test"]' ] || fail "tempfail mail: wrong recipient"
v=$(stat_val "ommail(127.0.0.1:$SP)" failed.connect)
[ -n "$v" ] && [ "$v" -ge 2 ] || fail "silent server: failed.connect is '$v' (timeout.session not applied?)"
grep -q "mail to smtp://127.0.0.1:$SP/.*timed out after 15[0-9][0-9] milliseconds" "$DUT_ERR" || fail "silent server: no timeout logged"
dut_stop
[ "$DUT_STATUS" -eq 0 ] || fail "$DUT exited with status $DUT_STATUS"
log "PASS: 451 x2 then delivered once; 550 to errorFile once, not retried; silent server timed out"
