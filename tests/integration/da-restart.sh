#!/bin/bash
# Disk-assisted action queue across a restart: the forward target is down, 50,000 TCP
# messages go into a small in-memory queue that spills to disk; SIGTERM saves what is in
# memory (saveOnShutdown) next to the spool; after a restart with the target up every
# message arrives exactly once, in order per connection.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"
setup
[ "$DUT" = sluice ] || { log "sluice disk-queue test: skipped for DUT=$DUT"; exit 77; }
new_port tcp
new_port rport
total=50000
mkdir -p "$T/work"
{
    printf 'global(workDirectory="%s/work")\n' "$T"
    printf 'main_queue(queue.timeoutShutdown="2000")\n'
    printf 'module(load="imtcp")\n'
    printf 'input(type="imtcp" address="127.0.0.1" port="%s")\n' "$tcp"
    printf 'action(type="omfwd" target="127.0.0.1" port="%s" protocol="tcp"\n' "$rport"
    printf '       queue.type="LinkedList" queue.size="2000" queue.filename="fwdq"\n'
    printf '       queue.saveOnShutdown="on" queue.syncQueueFiles="on"\n'
    printf '       action.resumeRetryCount="-1" action.resumeInterval="1")\n'
} > "$T/dut.conf"

dut_start "$T/dut.conf" tcp "$tcp"
flood -p "$tcp" -t tcp -n "$total" -c 2 || fail "slflood failed (the disk queue should absorb the outage)"
sleep 1
dut_stop
[ "$DUT_STATUS" -eq 0 ] || fail "sluiced exited with status $DUT_STATUS on SIGTERM"
ls "$T/work"/fwdq* > /dev/null 2>&1 || fail "no disk queue files in $T/work after the shutdown"
log "stopped with the target down; disk queue: $(ls "$T/work" | tr '\n' ' ')"

rs_recv rs --tcp "$rport"
dut_start "$T/dut.conf" tcp "$tcp"
wait_lines "$T/rs/raw.log" "$total" 60 || fail "not every spooled message arrived after the restart"
sleep 1
verify -n "$total" -c 2 "$T/rs/raw.log" || fail "loss, duplication or reordering across the restart"
dut_stop
[ "$DUT_STATUS" -eq 0 ] || fail "sluiced exited with status $DUT_STATUS"
log "ok: $total messages survived the outage and the restart through the disk queue, in order"
