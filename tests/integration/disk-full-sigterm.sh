#!/bin/bash
# SIGTERM while a disk-assisted action queue is at queue.maxDiskSpace and its target is
# down: the ruleset workers wait for disk space, the main queue is full, TCP senders block.
# Everything sluiced accepted (imtcp's "submitted" counter at exit, printed with -d) must
# arrive after a restart with the target up: the spool, the action's ring, what the
# ruleset queue still held (saveOnShutdown) and what imtcp read from the full sockets at
# shutdown, exactly once, in order per connection.  Before the fix, shutdown discarded
# (and counted) what did not fit under maxDiskSpace: 19,892 of 30,584 accepted.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"
setup
[ "$DUT" = sluice ] || { log "sluice disk-queue test: skipped for DUT=$DUT"; exit 77; }
new_port tcp
new_port rport
total=200000
conns=2
limit=$((2 * 1024 * 1024))
mkdir -p "$T/work"
{
    printf 'global(workDirectory="%s/work")\n' "$T"
    printf 'main_queue(queue.size="1000" queue.timeoutShutdown="2000")\n'
    printf 'module(load="imtcp")\n'
    printf 'input(type="imtcp" name="tcpin" address="127.0.0.1" port="%s")\n' "$tcp"
    printf 'action(type="omfwd" target="127.0.0.1" port="%s" protocol="tcp"\n' "$rport"
    printf '       queue.type="LinkedList" queue.size="1000" queue.filename="dfq"\n'
    printf '       queue.maxDiskSpace="2m" queue.saveOnShutdown="on"\n'
    printf '       action.resumeRetryCount="-1" action.resumeInterval="1")\n'
} > "$T/dut.conf"
DUT_ERR=$T/dut.err
"$SLUICED" -d -iNONE -f "$T/dut.conf" -M "$SLUICE_PLUGIN_DIR" < /dev/null > "$T/dut.out" 2> "$DUT_ERR" &
DUT_PID=$!
track_pid "$DUT_PID"
wait_port tcp "$tcp" 15 || fail "sluiced does not listen on $tcp"

spool_bytes() { cat "$T/work"/dfq* 2> /dev/null | wc -c; }
counter() { stat_val "$1" "$2" "$DUT_ERR"; }   # counter SET KEY: last value on stderr

timeout -k 20 150 "$SLFLOOD" -p "$tcp" -t tcp -n "$total" -c "$conns" -s 100 2>> "$T/slflood.err" &
flood_pid=$!
track_pid "$flood_pid"
for i in $(seq 300); do
    [ "$(spool_bytes)" -ge $((limit * 3 / 4)) ] && break
    sleep 0.1
done
s1=$(spool_bytes)
[ "$s1" -ge $((limit * 3 / 4)) ] || fail "the spool did not grow towards its limit: $s1 bytes"
sleep 2
kill -0 "$flood_pid" 2> /dev/null || fail "the TCP sender finished although the disk queue was full"
dut_stop 60
[ "$DUT_STATUS" -eq 0 ] || fail "sluiced exited with status $DUT_STATUS on SIGTERM"
wait_pid_exit "$flood_pid" 30 || fail "slflood did not end after sluiced closed its connections"
accepted=$(counter "tcpin($tcp)" submitted)
discarded=$(counter 'action-0-builtin:omfwd sluice' discarded)
drained=$(counter "imtcp(127.0.0.1:$tcp)" shutdown.drained.bytes)
[ "${accepted:-0}" -gt 0 ] || fail "no submitted counter at exit"
log "SIGTERM at the disk limit ($(spool_bytes) bytes spooled): $accepted accepted" \
    "(${drained:-?} bytes of them read from the full sockets at shutdown)," \
    "${discarded:-?} counted as discarded"
[ "${discarded:-0}" -eq 0 ] || fail "$discarded accepted messages discarded at shutdown"
# the senders were blocked, so their sockets were full: imtcp's final read must find data
[ "${drained:-0}" -gt 0 ] || fail "imtcp read nothing from the full sockets at shutdown"

rs_recv rs --tcp "$rport"
raw=$T/rs/raw.log
dut_start "$T/dut.conf" tcp "$tcp"
wait_lines "$raw" "$accepted" 90 || fail "not every accepted message arrived after the restart"
wait_stable "$raw" 2 30 || fail "the output did not settle"
res=$(verify -p -n "$total" -c "$conns" "$raw") || fail "loss, duplicates or reordering: $res"
unique=$(sed -n 's/.*unique=\([0-9]*\).*/\1/p' <<< "$res")
log "after the restart: $res"
[ "$unique" -eq "$accepted" ] || fail "$accepted accepted but $unique delivered"
dut_stop
[ "$DUT_STATUS" -eq 0 ] || fail "sluiced exited with status $DUT_STATUS"
log "ok: all $accepted messages accepted before SIGTERM at the disk limit delivered, in order"
