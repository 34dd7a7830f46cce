#!/bin/bash
# netflow-seqgap.sh - sequence-gap counters: softflowd exports ~1000 flows as v5, v9 and IPFIX
# through a relay (tests/netflow/nfrelay.py) that drops every 10th datagram; imnetflow's
# sequence.lost must equal the loss the relay computed from the exporter's headers (v5 flows,
# v9 export packets, IPFIX data records), with no resets; for v5 the flows received plus the
# flows lost must be the flows softflowd exported.
. "$(dirname "$0")/lib.sh"
[ "$DUT" = sluice ] || { echo "imnetflow is sluice's own"; exit 77; }
setup
require_cmd softflowd /usr/bin/python3
/usr/bin/python3 -c 'import scapy' 2> /dev/null || fail "python3-scapy missing"
NFDIR=$top_srcdir/tests/netflow
/usr/bin/python3 "$NFDIR/mkpcap.py" "$T/flows.pcap" --count 1000 > /dev/null || fail "mkpcap"
new_port P
OUT=$T/out/flows.log
cat > "$T/sluice.conf" << CONF
$(dut_global)
module(load="imnetflow")
template(name="msg" type="string" string="%msg%\n")
input(type="imnetflow" address="127.0.0.1" port="$P" ruleset="flows" persistTemplates="off")
ruleset(name="flows") { action(type="omfile" file="$OUT" template="msg") }
CONF
dut_start "$T/sluice.conf" udp "$P"
SET="imnetflow(127.0.0.1/0)"
lost0=0
resets0=0
for v in 5 9 10; do
    new_port R
    /usr/bin/python3 "$NFDIR/nfrelay.py" "$R" "$P" "$T/relay$v" 10 2> "$T/relay$v.err" &
    RP=$!
    track_pid "$RP"
    wait_port udp "$R" 10 || fail "relay not listening"
    before=$(count_lines "$OUT")
    timeout -k 20 30 softflowd -a -d -6 -r "$T/flows.pcap" -n "127.0.0.1:$R" -v "$v" -A milli -c none \
        -p "$T/sf.pid" > "$T/softflowd$v.log" 2>&1 || fail "softflowd -v $v"
    wait_pid_exit "$RP" 25 || fail "relay did not finish"
    read -r _ fwd _ dropped _ want < "$T/relay$v"
    if [ "$dropped" -lt 2 ] || [ "$want" -le 0 ]; then fail "v$v: relay dropped $dropped datagrams"; fi
    wait_stable "$OUT" 1 10
    stats_dump
    lost=$(stat_val "$SET" sequence.lost)
    resets=$(stat_val "$SET" sequence.resets)
    got=$((lost - lost0))
    log "v$v: relay forwarded $fwd dropped $dropped, expected loss $want, counted $got"
    [ "$got" -eq "$want" ] || fail "v$v: sequence.lost $got, expected $want"
    [ "$resets" -eq "$resets0" ] || fail "v$v: sequence.resets went up"
    if [ "$v" = 5 ]; then
        flows=$(($(count_lines "$OUT") - before))
        sent=$(sed -n 's/^Flows exported: \([0-9]*\) .*/\1/p' "$T/softflowd$v.log")
        [ $((flows + got)) -eq "$sent" ] || fail "v5: $flows received + $got lost != $sent exported"
    fi
    lost0=$lost
    # the next version is another source of the same exporter address: its first datagram
    # starts a new sequence without counting a gap
done
dut_stop
log "PASS"
