#!/bin/bash
# queue.discardMark / queue.discardSeverity on the main queue: the only action forwards over
# TCP to a port where nobody listens yet, the main queue holds 1000 messages and discards
# severity >= 4 once it holds 500.  20,000 TCP messages, errors (3) and infos (6) in turn:
# every error must arrive once the receiver is up, only infos may be missing, and the
# main queue's discarded.nf counter (SIGUSR1) says exactly how many.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"
setup
[ "$DUT" = sluice ] || { log "reads sluiced's SIGUSR1 counters: skipped for DUT=$DUT"; exit 77; }
new_port tcp
new_port rport
half=10000
awk -v n="$half" 'BEGIN { for (i = 1; i <= n; i++) {
    printf "<11>Nov 22 10:00:00 h t: e-%06d xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\n", i
    printf "<14>Nov 22 10:00:00 h t: i-%06d xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\n", i } }' > "$T/input"
# shellcheck disable=SC2016  # $Directives are literal config text
{
    dut_global
    printf '$MainMsgQueueSize 1000\n'
    printf '$MainMsgQueueDiscardMark 500\n'
    printf '$MainMsgQueueDiscardSeverity 4\n'
    printf 'module(load="imtcp")\n'
    printf 'input(type="imtcp" address="127.0.0.1" port="%s")\n' "$tcp"
    printf 'action(type="omfwd" target="127.0.0.1" port="%s" protocol="tcp"\n' "$rport"
    printf '       action.resumeRetryCount="-1" action.resumeInterval="1")\n'
} > "$T/dut.conf"
dut_start "$T/dut.conf" tcp "$tcp"

# counter NAME: the main queue's counter from a fresh SIGUSR1 dump on stderr
counter() { stats_dump; stat_val "main Q" "$1"; }

"$SLFLOOD" -p "$tcp" -t tcp -i "$T/input" 2>> "$T/slflood.err" &
FLOOD_PID=$!
track_pid "$FLOOD_PID"
sleep 3
nf=$(counter discarded.nf)
log "output down: discarded.nf=$nf so far"
[ "$nf" -gt 0 ] || fail "nothing discarded although the main queue passed its discard mark"

rs_recv rs --tcp "$rport"
wait_pid_exit "$FLOOD_PID" 60 || fail "the sender did not finish after the receiver came up"
wait "$FLOOD_PID" || fail "slflood failed"
wait_lines "$T/rs/raw.log" "$half" 60 || fail "too few messages arrived"
# every message has been enqueued (the sender is done): wait until what arrived and what was
# counted discarded add up, or the output stops changing (bounded)
for i in $(seq 60); do
    nf=$(counter discarded.nf)
    errs=$(grep -c ' e-' "$T/rs/raw.log")
    infos=$(grep -c ' i-' "$T/rs/raw.log")
    [ "$errs" -eq "$half" ] && [ $((infos + nf)) -eq "$half" ] && break
    wait_stable "$T/rs/raw.log" 3 10 > /dev/null 2>&1 && [ "$i" -gt 3 ] && break
done
full=$(counter discarded.full)
log "received $errs errors, $infos infos; discarded.nf=$nf discarded.full=$full"
[ "$errs" -eq "$half" ] || fail "$errs of $half errors arrived: a severity below the discard severity was lost"
[ "$(grep ' e-' "$T/rs/raw.log" | sort -u | wc -l)" -eq "$half" ] || fail "errors duplicated"
[ "$infos" -lt "$half" ] || fail "no info was discarded"
[ $((infos + nf)) -eq "$half" ] || fail "$infos infos arrived and $nf were counted discarded: $((half - infos - nf)) unaccounted"
[ "$full" -eq 0 ] || fail "discarded.full=$full: a TCP input must block, not drop"
dut_stop
[ "$DUT_STATUS" -eq 0 ] || fail "sluiced exited with status $DUT_STATUS"
log "ok: only infos discarded past the mark ($nf), all $half errors delivered"
