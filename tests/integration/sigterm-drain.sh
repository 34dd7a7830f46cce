#!/bin/bash
# SIGTERM with messages still queued: everything the daemon accepted is written before it
# exits, and it exits 0.  300,000 messages go to four output files (four actions, so the
# queue builds up); once the daemon has read every connection to its end (only the
# listener is left on its port) SIGTERM is sent at once, while the files are still being
# written.  The number of messages not yet in the files at that moment is logged.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"
setup
total=300000
new_port tcp
out=$T/out
{
    dut_global
    printf 'module(load="imtcp")\n'
    printf 'input(type="imtcp" address="127.0.0.1" port="%s")\n' "$tcp"
    for i in 1 2 3 4; do
        printf 'action(type="omfile" file="%s/drain%s.log")\n' "$out" "$i"
    done
} > "$T/dut.conf"
dut_start "$T/dut.conf" tcp "$tcp"
flood -p "$tcp" -t tcp -n "$total" -c 4 -s 100 || fail "slflood failed"
for i in $(seq 1000); do
    [ -z "$(ss -Htn state all "( sport = :$tcp )" | grep -v LISTEN)" ] && break
    sleep 0.01
done
written=$(cat "$out"/drain*.log 2> /dev/null | wc -l)
log "SIGTERM with about $((4 * total - written)) of $((4 * total)) writes still to do"
dut_stop 60
[ "$DUT_STATUS" -eq 0 ] || fail "$DUT exited with status $DUT_STATUS on SIGTERM"
for i in 1 2 3 4; do
    verify -n "$total" -c 4 "$out/drain$i.log" || fail "messages lost on SIGTERM (drain$i.log)"
done
log "ok: all $total messages written to all four files before exit"
