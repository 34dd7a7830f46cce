#!/bin/bash
# A 30-second outage of the forward target in the middle of 1,000,000 messages.
#
# Four TCP connections send 1,000,000 messages (paced at 40,000 msg/s) into the daemon,
# which forwards them with omfwd over TCP to an rsyslogd receiver.  Once 300,000 have
# arrived the receiver is stopped (SIGTERM by PID, until its port is closed), stays down
# for 30 s and is started again on the same port.  Every message must arrive, in order per
# connection; duplicates (records sent again because the receiver's TCP had not
# acknowledged them yet) are allowed and reported.  During the outage the daemon's queue
# fills and the senders block (back-pressure), so nothing is dropped on the way in.
#
# DUT=rsyslog (rsyslogd 8.2302 in the middle, same config) is allowed to lose what its
# omfwd had written into the dying connection; the figure is only reported.  Measured on
# 2026-11-22 (loaded 2-core box): rsyslog lost 0 and 448 of 1,000,000 in two runs (448 =
# 128 + 192 + 128 on three connections, all at the moment the receiver stopped), 0
# duplicates.  sluice lost 0, 0 and 1,190 before omfwd replayed the acknowledged tail after
# a reset: the 1,190 were acknowledged by the stopping rsyslogd's TCP but never written
# (it closed with them unread, which resets the connection).  With the replay: see
# doc/architecture.md, "Delivery promises".
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"
setup
total=${OUTAGE_TOTAL:-1000000}
conns=4
rate=40000
down=${OUTAGE_DOWN:-30}
new_port udp
new_port tcp
new_port rport
rs_recv rs --tcp "$rport"
first_rs=$RS_PID
raw=$T/rs/raw.log
fwd_conf "$T/dut.conf" "$udp" "$tcp" "$rport" tcp
if [ -n "${OUTAGE_QUEUE:-}" ]; then
    # ack-outage.sh: the same through an action queue (deferred acknowledgement)
    sed -i "s/action.resumeInterval=\"1\")/action.resumeInterval=\"1\" $OUTAGE_QUEUE)/" "$T/dut.conf"
    grep -q "$OUTAGE_QUEUE" "$T/dut.conf" || fail "OUTAGE_QUEUE not applied"
fi
dut_start "$T/dut.conf" udp "$udp" tcp "$tcp"
[ -x "$SLFLOOD" ] || fail "$SLFLOOD not built"
timeout -k 20 200 "$SLFLOOD" -p "$tcp" -t tcp -n "$total" -c "$conns" -r "$rate" 2>> "$T/slflood.err" &
flood_pid=$!
track_pid "$flood_pid"
wait_lines "$raw" $((total * 3 / 10)) 90 || fail "the stream did not start arriving"
stop_pid "$first_rs" 20
wait_port_closed "$rport" 10 || fail "receiver still listening after SIGTERM"
before=$(count_lines "$raw")
log "receiver stopped after $before messages; down for $down s"
sleep "$down"
kill -0 "$flood_pid" 2> /dev/null ||
    log "note: the sender finished during the outage (everything was queued)"
rs_recv rs --tcp "$rport"
log "receiver started again"
wait "$flood_pid" || fail "slflood failed: $(tail -n 3 "$T/slflood.err")"
if [ "$DUT" = sluice ]; then
    wait_lines "$raw" "$total" 150 || fail "not every message arrived after the outage"
else
    wait_lines "$raw" "$total" 30 || true   # rsyslog may have lost some: settle below
fi
wait_stable "$raw" 3 60 || fail "the output did not settle"
res=$(verify -q -n "$total" -c "$conns" -m -d "$raw") || fail "slverify: reordering: $res"
log "after the outage: $res"
missing=$(sed -n 's/.*missing=\([0-9]*\).*/\1/p' <<< "$res")
dups=$(sed -n 's/.*duplicates=\([0-9]*\).*/\1/p' <<< "$res")
dut_alive || fail "$DUT died"
if [ -n "${OUTAGE_QUEUE:-}" ] && [ "$DUT" = sluice ]; then
    stats_dump "$T/stats"
    pending=$(grep -o 'ack.pending=[0-9]*' "$T/stats" | cut -d= -f2)
    log "batches omfwd confirmed later (SL_PENDING): ${pending:-none}; $(grep -o 'ack.retried=[0-9]*' "$T/stats")"
    [ -n "$pending" ] && [ "$pending" -gt 0 ] || fail "the queued omfwd never answered SL_PENDING"
fi
dut_stop 30
[ "$DUT_STATUS" -eq 0 ] || fail "$DUT exited with status $DUT_STATUS"
if [ "$DUT" = sluice ]; then
    [ "$missing" -eq 0 ] || fail "$missing of $total messages lost across the outage"
    log "ok: all $total messages arrived in order across a ${down}s outage; $dups duplicates"
else
    log "rsyslog: $missing of $total messages lost, $dups duplicates across a ${down}s outage"
fi
