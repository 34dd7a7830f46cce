#!/bin/bash
# Shutdown says what it waits for: a message queued for an action whose peer is down
# keeps SIGTERM waiting until the main queue's queue.timeoutShutdown; after a second the
# daemon says so ("shutdown: waiting up to N s for 1 message on action 'fwd'") instead of
# pausing silently, and it still exits 0 at the deadline.  sluice-only (rsyslog pauses
# without a word).
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"
setup
[ "$DUT" = sluice ] || { log "SKIP: sluice-only"; exit 77; }
new_port udp
new_port tcp   # nothing listens here: the forwarding action stays suspended
{
    dut_global
    printf 'main_queue(queue.timeoutShutdown="4000")\n'
    printf 'module(load="imudp")\n'
    printf 'input(type="imudp" address="127.0.0.1" port="%s")\n' "$udp"
    printf 'action(type="omfwd" name="fwd" target="127.0.0.1" port="%s" protocol="tcp"\n' "$tcp"
    printf '       queue.type="linkedList" action.resumeInterval="30")\n'
} > "$T/dut.conf"
dut_start "$T/dut.conf" udp "$udp"
send_logger "$udp" udp "one message for a peer that is down"
sleep 1   # the action has tried and is suspended
start=$(date +%s)
dut_stop 20
took=$(($(date +%s) - start))
[ "$DUT_STATUS" -eq 0 ] || fail "exit status $DUT_STATUS on SIGTERM"
grep -E "shutdown: waiting up to [0-9]+ s for 1 message on action 'fwd'" "$DUT_ERR" ||
    { dump_stderr; fail "no 'waiting up to ... on action' line during the shutdown"; }
[ "$took" -le 10 ] || fail "shutdown took $took s (deadline 4 s)"
log "ok: shutdown said what it waited for and ended after $took s"
