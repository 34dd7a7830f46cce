#!/bin/bash
# A full memory action queue does not stop the ruleset: the forwarding action (its own
# LinkedList queue of 200, target down) discards what does not fit after
# queue.timeoutEnqueue (100 ms), counted in "NAME queue" discarded.full; the file action of
# the same ruleset still gets every message.  Once the target is up, what the queue kept
# arrives: forwarded + discarded.full = sent.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"
setup
[ "$DUT" = sluice ] || { log "reads sluiced's SIGUSR1 counters: skipped for DUT=$DUT"; exit 77; }
new_port tcp
new_port rport
total=20000
{
    dut_global
    printf 'module(load="imtcp")\n'
    printf 'input(type="imtcp" address="127.0.0.1" port="%s")\n' "$tcp"
    printf 'action(type="omfile" file="%s/all.log")\n' "$T"
    printf 'action(type="omfwd" name="fwd" target="127.0.0.1" port="%s" protocol="tcp"\n' "$rport"
    printf '       queue.type="LinkedList" queue.size="200" queue.timeoutEnqueue="100"\n'
    printf '       action.resumeRetryCount="-1" action.resumeInterval="1")\n'
} > "$T/dut.conf"
dut_start "$T/dut.conf" tcp "$tcp"

# counter NAME: "fwd queue" counter NAME from a fresh SIGUSR1 dump
counter() { stats_dump; stat_val "fwd queue" "$1"; }

flood -p "$tcp" -t tcp -n "$total" -c 2 -r 20000 || fail "slflood failed: the ruleset was held up by the full action queue"
wait_lines "$T/all.log" "$total" 60 || fail "the file action did not get every message while the forward queue was full"
full=$(counter discarded.full)
log "target down: the file has all $total, fwd queue discarded.full=$full"
[ "$full" -gt 0 ] || fail "nothing discarded although the action queue was full"

rs_recv rs --tcp "$rport"
for i in $(seq 60); do
    got=$(count_lines "$T/rs/raw.log")
    [ $((got + full)) -ge "$total" ] && break
    sleep 1
done
sleep 1
got=$(count_lines "$T/rs/raw.log")
full=$(counter discarded.full)
log "forwarded $got, discarded.full=$full"
[ $((got + full)) -eq "$total" ] || fail "forwarded $got + discarded $full != $total sent"
verify -m -n "$total" -c 2 "$T/rs/raw.log" > "$T/verify.out" || fail "duplicates or reordering: $(cat "$T/verify.out")"
dut_stop
[ "$DUT_STATUS" -eq 0 ] || fail "sluiced exited with status $DUT_STATUS"
log "ok: the full action queue discarded $full after queue.timeoutEnqueue, the rest of the ruleset went on"
