#!/bin/bash
# omhttp with several servers and a health check: server=[A, DEAD, B] with checkpath: the
# requests go round robin, the dead server is skipped after its failed GET of checkpath
# (so nothing is lost or suspended), both live servers get requests and health checks.
# Then SIGHUP with reloadonhup="on": the handles are recreated and delivery goes on.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=tests/integration/lib-http.sh
. "$(dirname "$0")/lib-http.sh"
omhttp_setup

new_port TCP
new_port A
new_port B
new_port DEAD
sink_start a "$A"
sink_start b "$B"

{
    omhttp_global "$TCP"
    printf 'template(name="plain" type="string" string="%%msg%%")\n'
    printf 'action(type="omhttp" server=["127.0.0.1:%s", "http://127.0.0.1:%s/", "127.0.0.1:%s"] usehttps="off" restpath="rr" checkpath="health" healthchecktimeout="1000" template="plain" reloadonhup="on")\n' "$A" "$DEAD" "$B"
} > "$T/sluice.conf"
dut_start "$T/sluice.conf" tcp "$TCP"

send() { printf '<13>Dec  6 10:00:00 h app: m%s\n' "$@" > "/dev/tcp/127.0.0.1/$TCP" || fail "cannot send"; }
send 1 2 3 4 5 6
for i in $(seq 100); do
    [ $(($(sink_count a /rr) + $(sink_count b /rr))) -ge 6 ] && break
    sleep 0.1
done
na=$(sink_count a /rr)
nb=$(sink_count b /rr)
log "server A: $na requests, B: $nb"
[ $((na + nb)) = 6 ] || fail "$((na + nb)) of 6 requests arrived"
[ "$na" -ge 1 ] && [ "$nb" -ge 1 ] || fail "not round robin: A $na, B $nb"
grep -q '"/health"' "$T/a/gets.jsonl" && grep -q '"/health"' "$T/b/gets.jsonl" ||
    fail "no health check GETs"
[ "$( (sink_records a /rr; sink_records b /rr) | sort | tr '\n' ' ')" = " m1  m2  m3  m4  m5  m6 " ] ||
    fail "records: $( (sink_records a /rr; sink_records b /rr) | tr '\n' ' ')"

kill -HUP "$DUT_PID"
sleep 0.5
send 7
for i in $(seq 100); do
    [ $(($(sink_count a /rr) + $(sink_count b /rr))) -ge 7 ] && break
    sleep 0.1
done
[ $(($(sink_count a /rr) + $(sink_count b /rr))) = 7 ] || fail "nothing delivered after SIGHUP"
grep -q 'received HUP reloading curl handles' "$T/dut.err" || fail "handles not reloaded on HUP"
dut_stop
log "ok"
