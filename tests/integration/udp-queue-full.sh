#!/bin/bash
# UDP into a full ruleset queue, the output down.  (1) Memory main queue: imudp waits
# queue.timeoutEnqueue (200 ms here), then drops, and the drops are counted alike in the
# input's dropped.queue_full and the queue's discarded.full.  (2) A ruleset with its own
# disk-assisted queue: nothing is dropped for lack of room (it spills); after SIGTERM and a
# restart with the target up, everything the input accepted arrives once, in order, through
# the right ruleset (nothing reaches the default ruleset's file).
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"
setup
[ "$DUT" = sluice ] || { log "reads sluiced's SIGUSR1 counters: skipped for DUT=$DUT"; exit 77; }
new_port udp
new_port rport
total=20000

# snapshot: one SIGUSR1 dump into $T/stats (lib.sh); val SET KEY reads a counter from it
snapshot() { stats_dump; }
val() { stat_val "$1" "$2"; }
in_set() { echo "imudp(127.0.0.1/$udp/IPv4)"; }
# quiesce: snapshots until the input has handled everything the kernel held (bounded)
quiesce()
{
    local last=-1 cur i
    for i in $(seq 60); do
        snapshot
        cur=$(( $(val "$(in_set)" submitted) + $(val "$(in_set) sluice" dropped.queue_full) ))
        [ "$cur" = "$last" ] && return 0
        last=$cur
        sleep 1
    done
    fail "the UDP input did not settle within 60 s"
}

# --- (1) memory queue: wait timeoutEnqueue, then drop (counted) -----------------------------
{
    dut_global
    printf 'main_queue(queue.size="1000" queue.timeoutEnqueue="200")\n'
    printf 'module(load="imudp")\n'
    printf 'input(type="imudp" address="127.0.0.1" port="%s")\n' "$udp"
    printf 'action(type="omfwd" target="127.0.0.1" port="%s" protocol="tcp"\n' "$rport"
    printf '       action.resumeRetryCount="-1" action.resumeInterval="1")\n'
} > "$T/mem.conf"
dut_start "$T/mem.conf" udp "$udp"
flood -p "$udp" -t udp -n "$total" -r 10000 || fail "slflood failed"
quiesce
full=$(val 'main Q' discarded.full)
dropped=$(val "$(in_set) sluice" dropped.queue_full)
sub=$(val "$(in_set)" submitted)
log "memory queue: submitted=$sub dropped.queue_full=$dropped discarded.full=$full"
[ "$full" -gt 0 ] || fail "the full main queue discarded nothing"
[ "$full" -eq "$dropped" ] || fail "discarded.full=$full but the input counted $dropped drops"
mem_full=$full
dut_stop
[ "$DUT_STATUS" -eq 0 ] || fail "sluiced exited with status $DUT_STATUS"

# --- (2) disk-assisted ruleset queue: spill, no drops, replay after restart ------------------
mkdir -p "$T/work"
: > "$DUT_ERR"
{
    printf 'global(workDirectory="%s/work")\n' "$T"
    printf 'module(load="imudp")\n'
    printf 'input(type="imudp" address="127.0.0.1" port="%s" ruleset="udp")\n' "$udp"
    printf 'action(type="omfile" file="%s/default.log")\n' "$T"
    printf 'ruleset(name="udp" queue.type="FixedArray" queue.size="1000" queue.filename="udpq"\n'
    printf '        queue.timeoutEnqueue="200" queue.timeoutShutdown="1000") {\n'
    printf '    action(type="omfwd" target="127.0.0.1" port="%s" protocol="tcp"\n' "$rport"
    printf '           action.resumeRetryCount="-1" action.resumeInterval="1")\n'
    printf '}\n'
} > "$T/da.conf"
dut_start "$T/da.conf" udp "$udp"
flood -p "$udp" -t udp -n "$total" -r 10000 || fail "slflood failed"
quiesce
full=$(val udp discarded.full)
dropped=$(val "$(in_set) sluice" dropped.queue_full)
sub=$(val "$(in_set)" submitted)
spooled=$(val 'udp sluice' disk.enqueued)
log "disk-assisted ruleset queue: submitted=$sub spooled=$spooled dropped.queue_full=$dropped discarded.full=$full"
if [ "$full" -ne 0 ] || [ "$dropped" -ne 0 ]; then
    fail "UDP dropped although the queue could spill to disk"
fi
[ "$spooled" -gt 0 ] || fail "nothing went to the spool with the output down"
[ "$sub" -gt $((total / 2)) ] || fail "only $sub of $total accepted: the test proves little"
dut_stop 30
[ "$DUT_STATUS" -eq 0 ] || fail "sluiced exited with status $DUT_STATUS on SIGTERM"
ls "$T/work"/udpq* > /dev/null 2>&1 || fail "no disk queue files after the shutdown"

rs_recv rs --tcp "$rport"
dut_start "$T/da.conf" udp "$udp"
wait_lines "$T/rs/raw.log" "$sub" 60 || fail "not every accepted message arrived after the restart"
sleep 1
verify -m -n "$total" -c 1 "$T/rs/raw.log" > "$T/verify.out" || fail "duplication or reordering: $(cat "$T/verify.out")"
grep -q "received=$sub unique=$sub " "$T/verify.out" || fail "expected $sub: $(cat "$T/verify.out")"
[ ! -s "$T/default.log" ] || fail "replayed messages went to the default ruleset"
dut_stop
[ "$DUT_STATUS" -eq 0 ] || fail "sluiced exited with status $DUT_STATUS"
log "ok: memory queue drops counted ($mem_full); the disk-assisted ruleset queue kept all $sub"
