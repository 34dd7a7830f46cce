#!/bin/bash
# ommail-storm.sh - storm control: 10,000 matching messages in a few seconds with
# digest.interval="1" digest.maxMessages="20": at most one mail per second of storm (plus
# the last window), each a well-formed digest, and every message accounted for: mailed in
# a digest or counted as suppressed, in the mails and in the counters.  The server defers
# the first digest (--tempfail 1): it is kept and goes out with the next window.  A window
# still open at shutdown is mailed before sluiced exits.
. "${top_srcdir:-.}/tests/integration/lib.sh"
. "$top_srcdir/tests/mail/lib-mail.sh"
setup
mail_require
TOTAL=10000
sink_start sink --plain --tempfail 1
new_port in
cat > "$T/sluice.conf" <<CONF
$(dut_global)
module(load="imtcp")
module(load="ommail")
input(type="imtcp" address="127.0.0.1" port="$in")
if \$msg contains "seq=" then action(type="ommail" server="127.0.0.1" port="$SINK_PLAIN"
    mailfrom="alert@example.test" mailto="ops@example.test" subject.text="storm"
    digest.interval="1" digest.maxMessages="20")
CONF
dut_start "$T/sluice.conf" tcp "$in"
t0=$(date +%s.%N)
flood -p "$in" -t tcp -n "$TOTAL" -c 2 -r 4000 || fail "slflood failed"
t1=$(date +%s.%N)
secs=$(awk -v a="$t0" -v b="$t1" 'BEGIN { s = b - a; printf "%d", (s == int(s)) ? s : int(s) + 1 }')
# the last window closes 1 s after its first message
sleep 2.5
stats_dump
read -r nmails sum_n sum_k < <("$PY3" "$top_srcdir/tests/mail/digestcount.py" "$T/sink") ||
    fail "malformed digest mail"
bound=$((secs + 2))
log "storm of $TOTAL in ${secs} s: $nmails mails, $sum_n messages mailed, $sum_k suppressed"
[ "$nmails" -ge 1 ] || fail "no digest mail"
[ "$nmails" -le "$bound" ] || fail "$nmails mails for a ${secs} s storm (bound $bound)"
[ $((sum_n + sum_k)) -eq "$TOTAL" ] || fail "mails account for $((sum_n + sum_k)) of $TOTAL messages"
[ "$sum_n" -le $((nmails * 20)) ] || fail "more than digest.maxMessages records in a mail"
S="ommail(127.0.0.1:$SINK_PLAIN)"
[ "$(stat_val "$S" mails.sent)" = "$nmails" ] || fail "mails.sent $(stat_val "$S" mails.sent) != $nmails"
[ "$(stat_val "$S" messages.mailed)" = "$sum_n" ] || fail "messages.mailed $(stat_val "$S" messages.mailed) != $sum_n"
[ "$(stat_val "$S" messages.suppressed)" = "$sum_k" ] || fail "messages.suppressed $(stat_val "$S" messages.suppressed) != $sum_k"
[ "$(stat_val "$S" failed.4xx)" = 1 ] || fail "failed.4xx $(stat_val "$S" failed.4xx) != 1"
[ "$(mails "$T/sink")" -eq "$nmails" ] || fail "more mails than digests counted"
# a window open at shutdown
printf '<10>Dec  6 12:00:00 host1 app: seq=late:%d\n' 1 2 3 > "$T/late"
send_lines "$in" "$T/late"
sleep 0.3
dut_stop
[ "$DUT_STATUS" -eq 0 ] || fail "sluiced exited with $DUT_STATUS"
[ "$(mails "$T/sink")" -eq $((nmails + 1)) ] || fail "the open window was not mailed at shutdown"
read -r _ late_n late_k < <("$PY3" "$top_srcdir/tests/mail/digestcount.py" "$T/sink")
[ $((late_n - sum_n)) -eq 3 ] && [ "$late_k" -eq "$sum_k" ] || fail "shutdown digest: $((late_n - sum_n)) messages, not 3"
log "PASS: $nmails digest mails, $sum_n + $sum_k = $TOTAL, first one deferred and kept; open window mailed at shutdown"
