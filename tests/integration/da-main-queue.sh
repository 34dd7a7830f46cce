#!/bin/bash
# Disk-assisted MAIN queue across an outage and a restart: the only action forwards over TCP
# to a port where nobody listens; the main queue holds 2000 messages in memory and spills to
# disk (queue.filename) past its high watermark, so a sender of 100,000 TCP messages is NOT
# held up (without queue.filename it would stall: see backpressure.sh).  SIGTERM saves what
# is in memory next to the spool; after a restart with the target up every message arrives
# exactly once, in order per connection, and before anything sent after the restart.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"
setup
[ "$DUT" = sluice ] || { log "sluice disk-queue test: skipped for DUT=$DUT"; exit 77; }
new_port tcp
new_port rport
total=100000
mkdir -p "$T/work"
{
    printf 'global(workDirectory="%s/work")\n' "$T"
    printf 'main_queue(queue.type="LinkedList" queue.size="2000" queue.filename="mainq"\n'
    printf '           queue.highWatermark="1500" queue.timeoutShutdown="2000"\n'
    printf '           queue.saveOnShutdown="on" queue.checkpointInterval="100")\n'
    printf 'module(load="imtcp")\n'
    printf 'input(type="imtcp" address="127.0.0.1" port="%s")\n' "$tcp"
    printf 'action(type="omfwd" target="127.0.0.1" port="%s" protocol="tcp"\n' "$rport"
    printf '       action.resumeRetryCount="-1" action.resumeInterval="1")\n'
} > "$T/dut.conf"

dut_start "$T/dut.conf" tcp "$tcp"
"$SLFLOOD" -p "$tcp" -t tcp -n "$total" -c 2 2>> "$T/slflood.err" &
FLOOD_PID=$!
track_pid "$FLOOD_PID"
wait_pid_exit "$FLOOD_PID" 90 || fail "the sender was held up although the main queue can spill to disk"
wait "$FLOOD_PID" || fail "slflood failed"
ls "$T/work"/mainq*.seg > /dev/null 2>&1 || fail "no spool segments in $T/work while the output is down"
log "sender finished with the output down; spool: $(du -sh "$T/work" | cut -f1)"
sleep 1
dut_stop 30
[ "$DUT_STATUS" -eq 0 ] || fail "sluiced exited with status $DUT_STATUS on SIGTERM"
ls "$T/work"/mainq* > /dev/null 2>&1 || fail "no disk queue files in $T/work after the shutdown"
log "stopped with the target down; disk queue: $(ls "$T/work" | tr '\n' ' ')"

rs_recv rs --tcp "$rport"
dut_start "$T/dut.conf" tcp "$tcp"
# new input right after the restart must come after everything replayed, on any shard
flood -p "$tcp" -t tcp -n 2000 -c 4 -a newinput || fail "slflood (new input) failed"
wait_lines "$T/rs/raw.log" $((total + 2000)) 90 || fail "not every message arrived after the restart"
sleep 1
grep -v ' newinput' "$T/rs/raw.log" > "$T/old.log"
verify -n "$total" -c 2 "$T/old.log" || fail "loss, duplication or reordering across the restart"
[ "$(grep -c ' newinput' "$T/rs/raw.log")" -eq 2000 ] || fail "new input lost or duplicated"
first_new=$(grep -n ' newinput' "$T/rs/raw.log" | head -n 1 | cut -d: -f1)
last_old=$(grep -n -v ' newinput' "$T/rs/raw.log" | tail -n 1 | cut -d: -f1)
log "after the restart: last replayed message on line $last_old, first new one on line $first_new"
[ "$first_new" -gt "$last_old" ] || fail "new input was delivered before the replay had finished"
dut_stop
[ "$DUT_STATUS" -eq 0 ] || fail "sluiced exited with status $DUT_STATUS"
log "ok: $total messages spilled to disk without holding up the sender, all delivered once, in order"
