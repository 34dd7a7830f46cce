#!/bin/bash
# fwd-reset-replay.sh - omfwd's replay after a reset is bounded by age (resend.maxAge).
#
# A stream of 4,000 msg/s goes through sluiced (imtcp -> omfwd over plain TCP with an action
# queue, so deferred acknowledgement is on) into an rsyslogd receiver, which is stopped with
# SIGTERM mid-stream (it closes its socket with data unread: a reset) and started again.
# omfwd sends again what the receiver did not acknowledge (the core's pending batches) and,
# after the reset, the acknowledged records written within resend.maxAge ms of its last
# write (what the receiver may have left unread).  Checked:
#   - nothing is lost;
#   - duplicates <= 1.5 x resend.maxAge's worth of the stream (REPLAY_AGE ms at RATE msg/s)
#     plus 1,000 in-flight records: 7,000, where the bytes-only 4 MiB window of before gave
#     every record of the first connection again (>= 8,000: 8,220 measured);
#   - duplicates <= omfwd's counter "resent" + the core's "ack.retried" (every duplicate is
#     one sluice counted as sent again), and "resent" itself is within the age bound.
# REPLAY_AGE (default 1000) can be set to measure other windows.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"
setup
[ "$DUT" = sluice ] || { log "sluice omfwd replay test: skipped for DUT=$DUT"; exit 77; }
total=24000
rate=4000
age=${REPLAY_AGE:-1000}
new_port tcp
new_port rport
rs_recv rs --tcp "$rport"
first_rs=$RS_PID
raw=$T/rs/raw.log
{
    dut_global
    printf 'module(load="imtcp")\n'
    printf 'input(type="imtcp" address="127.0.0.1" port="%s")\n' "$tcp"
    printf 'action(type="omfwd" name="fwd" target="127.0.0.1" port="%s" protocol="tcp"\n' "$rport"
    printf '       resend.maxAge="%s" queue.type="LinkedList" queue.size="100000"\n' "$age"
    printf '       action.resumeRetryCount="-1" action.resumeInterval="1")\n'
} > "$T/dut.conf"
dut_start "$T/dut.conf" tcp "$tcp"
flood -p "$tcp" -t tcp -n "$total" -c 1 -r "$rate" &
flood_pid=$!
track_pid "$flood_pid"
wait_lines "$raw" $((rate * 2)) 10 || fail "stream did not start arriving"
stop_pid "$first_rs"
wait_port_closed "$rport" 10 || fail "receiver still listening after SIGTERM"
before=$(count_lines "$raw")
log "receiver stopped after $before messages; down for 1 s"
sleep 1
rs_recv rs --tcp "$rport"
wait "$flood_pid" || fail "slflood failed"
wait_lines "$raw" "$total" 30 || fail "not every message arrived after the restart"
wait_stable "$raw" 2 30
res=$(verify -n "$total" -c 1 -d "$raw") || fail "slverify: $res"
stats_dump "$T/stats"
resent=$(stat_val "omfwd 127.0.0.1:$rport" resent)
retried=$(stat_val "fwd sluice" ack.retried)
log "after the restart: $res; omfwd resent=$resent, core ack.retried=$retried"
missing=$(sed -n 's/.*missing=\([0-9]*\).*/\1/p' <<< "$res")
dups=$(sed -n 's/.*duplicates=\([0-9]*\).*/\1/p' <<< "$res")
[ "$missing" -eq 0 ] || fail "$missing messages lost"
# the age window's worth of the stream (half as much again for a sender catching up after
# a stall on a loaded machine), plus the in-flight batches the core sends again; without
# the age bound every record of the first connection (>= 2 s of the stream) comes again
bound=$((rate * age * 3 / 2000 + 1000))
[ "$dups" -le "$bound" ] || fail "$dups duplicates: more than the replay bound $bound (resend.maxAge=$age)"
[ "${resent:-0}" -le "$bound" ] || fail "omfwd resent $resent records: more than the bound $bound"
[ "$dups" -le $((${resent:-0} + ${retried:-0})) ] ||
    fail "$dups duplicates but only ${resent:-0} resent + ${retried:-0} retried counted"
dut_alive || fail "$DUT died"
dut_stop
[ "$DUT_STATUS" -eq 0 ] || fail "$DUT exited with status $DUT_STATUS"
log "ok: no loss, $dups duplicates (bound $bound for resend.maxAge=$age at $rate msg/s)"
