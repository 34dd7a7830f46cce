#!/bin/bash
# A disk-assisted main queue at queue.maxDiskSpace: with the output down the queue spills
# until the spool holds 1 MB, then the TCP sender is held up again (nothing accepted is
# dropped); once the receiver is up every message arrives, in order per connection.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"
setup
[ "$DUT" = sluice ] || { log "sluice disk-queue test: skipped for DUT=$DUT"; exit 77; }
new_port tcp
new_port rport
total=100000
mkdir -p "$T/work"
# shellcheck disable=SC2016  # $Directives are literal config text
{
    printf 'global(workDirectory="%s/work")\n' "$T"
    printf '$MainMsgQueueSize 1000\n'
    printf '$MainMsgQueueFileName mainq\n'
    printf '$MainMsgQueueMaxDiskSpace 1m\n'
    printf '$MainMsgQueueMaxFileSize 128k\n'
    printf 'module(load="imtcp")\n'
    printf 'input(type="imtcp" address="127.0.0.1" port="%s")\n' "$tcp"
    printf 'action(type="omfwd" target="127.0.0.1" port="%s" protocol="tcp"\n' "$rport"
    printf '       action.resumeRetryCount="-1" action.resumeInterval="1")\n'
} > "$T/dut.conf"
dut_start "$T/dut.conf" tcp "$tcp"

"$SLFLOOD" -p "$tcp" -t tcp -n "$total" -c 2 -s 100 2>> "$T/slflood.err" &
FLOOD_PID=$!
track_pid "$FLOOD_PID"
# wait until the spool has stopped growing (full), then the sender must still be held up
last=-1
for i in $(seq 60); do
    sleep 1
    bytes=$(cat "$T/work"/mainq*.seg 2> /dev/null | wc -c)
    [ "$bytes" -gt 0 ] && [ "$bytes" = "$last" ] && break
    last=$bytes
done
sleep 1
kill -0 "$FLOOD_PID" 2> /dev/null || fail "the sender finished: the 1 MB spool did not hold it up"
log "sender held up with the spool full: $bytes bytes in segments"
[ "$bytes" -gt 0 ] || fail "nothing spooled before the sender was held up"
# 1 MB in all, shared by the two shards, plus at most one segment each over the mark
[ "$bytes" -le $((1024 * 1024 + 2 * 128 * 1024 + 65536)) ] || fail "the spool grew to $bytes bytes, past queue.maxDiskSpace"

rs_recv rs --tcp "$rport"
wait_pid_exit "$FLOOD_PID" 90 || fail "the sender did not finish after the receiver came up"
wait "$FLOOD_PID" || fail "slflood failed"
wait_lines "$T/rs/raw.log" "$total" 90 || fail "not every message arrived"
sleep 1
verify -n "$total" -c 2 "$T/rs/raw.log" || fail "loss, duplication or reordering"
dut_stop
[ "$DUT_STATUS" -eq 0 ] || fail "sluiced exited with status $DUT_STATUS"
log "ok: spool bounded at $bytes bytes, sender held up, all $total delivered in order"
