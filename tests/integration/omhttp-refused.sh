#!/bin/bash
# omhttp refused requests: a 400 reply is permanent.  The request goes to errorfile as
# rsyslog's omhttp writes it ({"request": {"url", "postdata"}, "response": {"status",
# "message"}}, libfastjson's spaced layout), its messages count as failed, go to
# action.errorFile, and are never sent again; the messages after it are delivered.  Both
# without batching (one message refused) and with batch="on" (the whole batch refused).
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=tests/integration/lib-http.sh
. "$(dirname "$0")/lib-http.sh"
omhttp_setup

new_port TCP
new_port H1
new_port H2
printf '400 1\n' > "$T/control1"
printf '400 1\n' > "$T/control2"
sink_start one "$H1" --control "$T/control1"
sink_start bat "$H2" --control "$T/control2"

{
    omhttp_global "$TCP"
    printf 'template(name="plain" type="string" string="%%msg%%")\n'
    a='type="omhttp" server="127.0.0.1" usehttps="off" template="plain"'
    printf 'action(%s serverport="%s" restpath="r1" errorfile="%s/err1.json" action.errorFile="%s/core1.json" statsname="one")\n' "$a" "$H1" "$T" "$T"
    printf 'action(%s serverport="%s" restpath="r2" errorfile="%s/err2.json" batch="on" statsname="bat")\n' "$a" "$H2" "$T"
} > "$T/sluice.conf"
dut_start "$T/sluice.conf" tcp "$TCP"

printf '%s\n' '<13>Dec  6 10:00:00 h app: first "q"' '<13>Dec  6 10:00:01 h app: second' \
    '<13>Dec  6 10:00:02 h app: third' > "/dev/tcp/127.0.0.1/$TCP" || fail "cannot send"
wait_lines "$T/err1.json" 1 || fail "no errorfile record (single)"
wait_lines "$T/err2.json" 1 || fail "no errorfile record (batch)"
wait_requests one /r1 2 || fail "single: the messages after the refused one did not arrive"
sleep 1
printf '%s\n' '<13>Dec  6 10:00:03 h app: fourth' > "/dev/tcp/127.0.0.1/$TCP" || fail "cannot send"
wait_requests one /r1 3 || fail "single: fourth not delivered"
wait_requests bat /r2 1 || fail "batch: fourth not delivered"
sleep 1
stats_dump

exp1=$(printf '{ "request": { "url": "http:\\/\\/127.0.0.1:%s\\/r1", "postdata": " first \\"q\\"" }, "response": { "status": 400, "message": "{\\"error\\":\\"injected 400\\"}" } }' "$H1")
[ "$(cat "$T/err1.json")" = "$exp1" ] || fail "errorfile (single): $(cat "$T/err1.json") expected $exp1"
rec2=$(cat "$T/err2.json")
# the refused batch is whatever the queue dequeued first: "first" and maybe the lines
# after it (one, two or three lines, depending on timing)
case $rec2 in
    *'"postdata": " first \"q\"\n second\n third" }'* | *'"postdata": " first \"q\"\n second" }'* | \
    *'"postdata": " first \"q\"" }'*) ;;
    *) fail "errorfile (batch): $rec2" ;;
esac
if [ "$(wc -l < "$T/err1.json")" != 1 ] || [ "$(wc -l < "$T/err2.json")" != 1 ]; then
    fail "refused requests were sent again"
fi
grep -q 'first' "$T/core1.json" || fail "action.errorFile has no record of the refused message"
[ "$(sink_records one /r1 | tr '\n' '|')" = " second| third| fourth|" ] ||
    fail "single: delivered $(sink_records one /r1 | tr '\n' '|')"
sink_records bat /r2 | grep -q first && fail "batch: the refused batch was sent again"
[ "$(stat_val one messages.fail)" = 1 ] || fail "one: messages.fail $(stat_val one messages.fail)"
[ "$(stat_val one request.status.fail)" = 1 ] || fail "one: request.status.fail"
[ "$(stat_val one messages.success)" = 3 ] || fail "one: messages.success $(stat_val one messages.success)"
dut_stop
log "ok"
