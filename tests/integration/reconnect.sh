#!/bin/bash
# The forward target (an rsyslogd receiver) is stopped in the middle of a stream and started
# again on the same port: the daemon must reconnect and keep delivering.
#
# At-risk window: messages written into the TCP connection after the receiver went away
# but before the kernel reported the broken connection.  rsyslog's omfwd loses them (a
# handful at 1000 msg/s: DUT=rsyslog is allowed 2% loss).  sluice keeps every record until
# the peer's TCP has acknowledged its bytes (SIOCOUTQ) and sends the unacknowledged ones
# again on the new connection, so DUT=sluice must lose nothing (duplicates are allowed and
# only reported).  Either way every message of the last second must arrive.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"
setup
total=6000
new_port udp
new_port tcp
new_port rport
rs_recv rs --tcp "$rport"
first_rs=$RS_PID
raw=$T/rs/raw.log
fwd_conf "$T/dut.conf" "$udp" "$tcp" "$rport" tcp
dut_start "$T/dut.conf" udp "$udp" tcp "$tcp"
flood -p "$tcp" -t tcp -n "$total" -c 1 -r 1000 &
flood_pid=$!
track_pid "$flood_pid"
wait_lines "$raw" 1000 10 || fail "stream did not start arriving"
stop_pid "$first_rs"
wait_port_closed "$rport" 10 || fail "receiver still listening after SIGTERM"
before=$(count_lines "$raw")
log "receiver stopped after $before messages; down for 1.5 s"
sleep 1.5
rs_recv rs --tcp "$rport"
wait "$flood_pid" || fail "slflood failed"
wait_lines "$raw" $((total * 98 / 100)) 30 || fail "daemon did not resume delivery"
wait_stable "$raw" 2 30
res=$(verify -n "$total" -c 1 -m -d "$raw") || fail "slverify: reordering after reconnect: $res"
log "after reconnect: $res"
missing=$(sed -n 's/.*missing=\([0-9]*\).*/\1/p' <<< "$res")
if [ "$DUT" = sluice ]; then
    [ "$missing" -eq 0 ] || fail "$missing messages lost: unacknowledged records must be sent again"
else
    [ "$missing" -le $((total * 2 / 100)) ] || fail "$missing messages lost, more than the at-risk window allows"
fi
late=$(awk -v lo=$((total - 999)) 'match($0, /seq=0:[0-9]+$/) {
        n = substr($0, RSTART + 6) + 0; if (n >= lo && !seen[n]++) c++ } END { print c + 0 }' "$raw")
[ "$late" -eq 1000 ] || fail "only $late of the last 1000 messages (sent after the restart) arrived"
dut_alive || fail "$DUT died"
dut_stop
[ "$DUT_STATUS" -eq 0 ] || fail "$DUT exited with status $DUT_STATUS"
log "ok: reconnected; $missing of $total lost in the at-risk window"
