#!/bin/bash
# Back-pressure and nothing lost across an output outage: the only action forwards over TCP
# to a port where nobody listens yet (endless retries), and the main queue holds only 2000
# messages.  A TCP sender of 200,000 messages must stall (sluiced stops reading, the kernel
# window closes) instead of sluiced's memory growing or messages being dropped; once the
# receiver (rsyslogd) starts, every message arrives, in order per connection.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"
setup
new_port tcp
new_port rport
total=200000
{
    dut_global
    printf 'main_queue(queue.size="2000")\n'
    printf 'module(load="imtcp")\n'
    printf 'input(type="imtcp" address="127.0.0.1" port="%s")\n' "$tcp"
    printf 'action(type="omfwd" target="127.0.0.1" port="%s" protocol="tcp"\n' "$rport"
    printf '       action.resumeRetryCount="-1" action.resumeInterval="1")\n'
} > "$T/dut.conf"
dut_start "$T/dut.conf" tcp "$tcp"

"$SLFLOOD" -p "$tcp" -t tcp -n "$total" -c 2 -s 100 2>> "$T/slflood.err" &
FLOOD_PID=$!
track_pid "$FLOOD_PID"
sleep 3
kill -0 "$FLOOD_PID" 2> /dev/null || fail "the sender finished while the output was down: nothing pushed back"
rss_kb=$(awk '/^VmHWM:/ { print $2 }' "/proc/$DUT_PID/status")
log "sender stalled as expected; sluiced peak RSS ${rss_kb} kB with the output down"
# 200,000 messages of ~160 bytes are 32 MB; a bounded queue keeps sluiced far below that
[ "$rss_kb" -lt 65536 ] || fail "peak RSS ${rss_kb} kB: the queue did not bound memory"

rs_recv rs --tcp "$rport"
wait_pid_exit "$FLOOD_PID" 60 || fail "the sender did not finish after the receiver came up"
wait "$FLOOD_PID" || fail "slflood failed"
wait_lines "$T/rs/raw.log" "$total" 60 || fail "not every message arrived after the outage"
sleep 0.5
verify -n "$total" -c 2 "$T/rs/raw.log" || fail "loss, duplication or reordering after the outage"
dut_stop
[ "$DUT_STATUS" -eq 0 ] || fail "$DUT exited with status $DUT_STATUS"
log "ok: sender blocked during the outage, all $total messages delivered afterwards, in order"
