#!/bin/bash
# kill -9 with a disk-assisted main queue (queue.syncQueueFiles="on"): the output is down,
# 30,000 TCP messages go mostly to the spool; after kill -9 and a restart with the target up
# what was synced to the spool arrives, in order, without duplicates; only what was in
# memory (the rings up to their high watermark, the batch being processed) may be lost.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"
setup
[ "$DUT" = sluice ] || { log "sluice disk-queue test: skipped for DUT=$DUT"; exit 77; }
new_port tcp
new_port rport
total=30000
size=2000
batch=256
mkdir -p "$T/work"
{
    printf 'global(workDirectory="%s/work")\n' "$T"
    printf 'main_queue(queue.size="%s" queue.dequeueBatchSize="%s" queue.filename="mainq"\n' "$size" "$batch"
    printf '           queue.syncQueueFiles="on")\n'
    printf 'module(load="imtcp")\n'
    printf 'input(type="imtcp" address="127.0.0.1" port="%s")\n' "$tcp"
    printf 'action(type="omfwd" target="127.0.0.1" port="%s" protocol="tcp"\n' "$rport"
    printf '       action.resumeRetryCount="-1" action.resumeInterval="1")\n'
} > "$T/dut.conf"

dut_start "$T/dut.conf" tcp "$tcp"
flood -p "$tcp" -t tcp -n "$total" -c 2 || fail "slflood failed (the disk queue should absorb the outage)"
# kill only once sluiced has taken every message (imtcp's submitted counter, SIGUSR1)
accepted=0
for i in $(seq 120); do
    stats_dump
    accepted=$(stat_val "imtcp($tcp)" submitted)
    [ "${accepted:-0}" -ge "$total" ] && break
done
[ "${accepted:-0}" -ge "$total" ] || fail "sluiced took only ${accepted:-0} of $total messages in 60 s"
kill -KILL "$DUT_PID"
wait "$DUT_PID" 2> /dev/null
DUT_PID=
log "killed with the target down; disk queue: $(ls "$T/work" | tr '\n' ' ')"

rs_recv rs --tcp "$rport"
dut_start "$T/dut.conf" tcp "$tcp"
# in memory at most: every shard's ring (queue.size in all) and one batch per shard (2)
lost_max=$((size + 2 * batch))
wait_lines "$T/rs/raw.log" $((total - lost_max)) 60 || fail "fewer than $((total - lost_max)) messages came back from the spool"
wait_stable "$T/rs/raw.log" 2 30 || true
verify -m -n "$total" -c 2 "$T/rs/raw.log" > "$T/verify.out" || fail "duplication or reordering after kill -9: $(cat "$T/verify.out")"
got=$(sed -n 's/^received=\([0-9]*\) .*/\1/p' "$T/verify.out")
log "after kill -9: $got of $total arrived ($(tail -n 1 "$T/verify.out"))"
grep -q ' duplicates=0 reordered=0 ' "$T/verify.out" || fail "duplicates or reordering: $(cat "$T/verify.out")"
[ "$got" -ge $((total - lost_max)) ] || fail "lost $((total - got)), more than the $lost_max that were only in memory"
dut_stop
[ "$DUT_STATUS" -eq 0 ] || fail "sluiced exited with status $DUT_STATUS"
log "ok: kill -9 lost $((total - got)) message(s), all in memory at the time; the spool delivered the rest in order"
