#!/bin/bash
# relp-rebind: sluiced omrelp with windowSize="16" and rebindInterval="1000" sends 20,000
# numbered messages to rsyslogd's imrelp: every message arrives once, in order, and the
# sender opened a new RELP session about every 1,000 messages (counter "rebinds"; a
# rebind happens at the end of the batch that reached the interval).
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/../integration/lib.sh"
# shellcheck source=tests/relp/lib-relp.sh
. "$(dirname "$0")/lib-relp.sh"
setup
relp_require
[ "$DUT" = sluice ] || { log "skipped: sluice's counters only"; exit 77; }
total=20000
new_port pin
new_port prelp
relp_recv_conf "$T/recv" "$prelp" '%msg%\n'
relp_send_conf "$T/send" "$pin" "$prelp" 'windowSize="16" rebindInterval="1000"'
relp_start rsyslog "$T/recv/recv.conf" recv
RPID=$STARTED_PID
wait_port tcp "$prelp" 15 || fail "rsyslogd receiver does not listen on $prelp"
relp_start sluice "$T/send/send.conf" send
DUT_PID=$STARTED_PID
DUT_ERR=$T/send.err
wait_port tcp "$pin" 15 || fail "sender does not listen on $pin"
timeout -k 20 60 "$SLFLOOD" -p "$pin" -t tcp -n "$total" -c 1 -r 4000 2>> "$T/slflood.err" ||
    fail "slflood failed"
wait_lines "$T/recv/out.log" "$total" 30 || fail "not every message arrived"
stats_dump
rebinds=$(stat_val "127.0.0.1:$prelp" rebinds)
sent=$(stat_val "127.0.0.1:$prelp" sent)
relp_stop "$DUT_PID" sender
DUT_PID=
relp_stop "$RPID" receiver
"$SLVERIFY" -n "$total" -c 1 "$T/recv/out.log" > "$T/verify.out" 2>&1 ||
    { cat "$T/verify.out"; fail "lost, duplicated or reordered messages"; }
log "$(tail -n 1 "$T/verify.out"); sent=$sent rebinds=$rebinds"
[ "$sent" = "$total" ] || fail "counter sent=$sent, expected $total"
[ -n "$rebinds" ] && [ "$rebinds" -ge 10 ] && [ "$rebinds" -le 20 ] ||
    fail "rebinds=$rebinds, expected 10..20 for $total messages at rebindInterval 1000"
exit 0
