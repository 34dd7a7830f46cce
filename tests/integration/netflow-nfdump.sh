#!/bin/bash
# netflow-nfdump.sh - imnetflow against the reference collector: softflowd replays a pcap with
# known flows (tests/netflow/mkpcap.py) as NetFlow v5, v9 and IPFIX, once to sluiced and once to
# nfcapd; the flows sluiced writes (%msg%, nprobe profile) and nfdump -o json must agree:
# the same number of flows and per flow the same addresses, ports, protocol, packets, bytes
# and first/last times (tests/netflow/nfcompare.py).  v9 is exported with sysUptime-relative
# times (softflowd's default), IPFIX with absolute milliseconds (-A milli).  A second exporter,
# pmacctd's nfprobe plugin reading the same pcap, sends IPFIX the same two ways.
. "$(dirname "$0")/lib.sh"
[ "$DUT" = sluice ] || { echo "imnetflow is sluice's own"; exit 77; }
setup
require_cmd softflowd pmacctd nfcapd nfdump /usr/bin/python3
/usr/bin/python3 -c 'import scapy' 2> /dev/null || fail "python3-scapy missing"
NFDIR=$top_srcdir/tests/netflow
/usr/bin/python3 "$NFDIR/mkpcap.py" "$T/flows.pcap" > "$T/flows.json" || fail "mkpcap"

new_port P
cat > "$T/sluice.conf" << CONF
$(dut_global)
module(load="imnetflow")
template(name="msg" type="string" string="%msg%\n")
input(type="imnetflow" address="127.0.0.1" port="$P" ruleset="flows" persistTemplates="off")
ruleset(name="flows") { action(type="omfile" file="$T/out/flows.json" template="msg") }
CONF
dut_start "$T/sluice.conf" udp "$P"

export_to()   # VERSION PORT (VERSION pmN: pmacctd, NetFlow/IPFIX version N)
{
    local extra=''
    case $1 in pm*) pm_export_to "${1#pm}" "$2"; return ;; esac
    [ "$1" = 10 ] && extra='-A milli'
    # shellcheck disable=SC2086
    timeout -k 20 20 softflowd -a -d -6 -r "$T/flows.pcap" -n "127.0.0.1:$2" -v "$1" $extra -c none \
        -p "$T/sf.pid" > "$T/softflowd-$1.log" 2>&1 || fail "softflowd -v $1 failed"
}

pm_export_to()   # VERSION PORT: pmacctd (nfprobe) reads the pcap and exports; exits at its end
{
    cat > "$T/pmacctd.conf" << PMC
daemonize: false
pidfile: $T/pmacctd.pid
logfile: $T/pmacctd.log
pcap_savefile: $T/flows.pcap
plugins: nfprobe[np]
nfprobe_receiver[np]: 127.0.0.1:$2
nfprobe_version[np]: $1
aggregate[np]: src_host, dst_host, src_port, dst_port, proto, tos
PMC
    # its exit status depends on the order its plugin and core shut down ("connection lost
    # to 'np-nfprobe'"), not on the export: the flow counts below are what is checked
    timeout -k 20 20 pmacctd -f "$T/pmacctd.conf" > /dev/null 2>&1 || true
}

total=0
for v in 5 9 10 pm10; do
    want=5
    [ "$v" = 5 ] && want=4          # v5 cannot carry the IPv6 flow
    before=$(count_lines "$T/out/flows.json")
    export_to "$v" "$P"
    wait_lines "$T/out/flows.json" $((before + want)) 10 || fail "v$v: sluiced wrote $(($(count_lines "$T/out/flows.json") - before)) of $want flows"
    tail -n "$want" "$T/out/flows.json" > "$T/sluice-$v.json"

    new_port NP
    mkdir -p "$T/nf$v"
    nfcapd -w "$T/nf$v" -b 127.0.0.1 -p "$NP" -t 3600 -P "$T/nfcapd$v.pid" > "$T/nfcapd$v.log" 2>&1 &
    NC=$!
    track_pid "$NC"
    wait_port udp "$NP" 10 || fail "nfcapd not listening"
    export_to "$v" "$NP"
    sleep 0.5
    stop_pid "$NC" 10
    nfdump -R "$T/nf$v" -o json > "$T/nfdump-$v.json" 2> "$T/nfdump$v.err" || fail "nfdump failed"
    /usr/bin/python3 "$NFDIR/nfcompare.py" "$T/sluice-$v.json" "$T/nfdump-$v.json" > "$T/compare-$v.txt" \
        || { cat "$T/compare-$v.txt" >&2; fail "v$v: sluice and nfdump differ"; }
    log "v$v: $(tail -1 "$T/compare-$v.txt")"
    total=$((total + want))
done
[ "$(count_lines "$T/out/flows.json")" -eq "$total" ] || fail "expected $total flows in all"
stats_dump
[ "$(stat_val "imnetflow(127.0.0.1/0)" malformed)" = 0 ] || fail "malformed datagrams counted"
dut_stop
log "PASS"
