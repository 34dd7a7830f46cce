#!/bin/bash
# netflow-nprobe-route.sh - the nProbe-style route end to end: softflowd exports IPFIX to
# imnetflow (format="nprobe"), the classic rule `:msg, regex, "\{.*\}" @@host:port` forwards
# every flow over TCP to rsyslogd, which writes them to a file.  Each line there must carry
# exactly one JSON object (the flow, nProbe's numeric keys) after the syslog header, and
# the five flows of tests/netflow/mkpcap.py must all arrive with their addresses and counts.
. "$(dirname "$0")/lib.sh"
[ "$DUT" = sluice ] || { echo "imnetflow is sluice's own"; exit 77; }
setup
require_cmd softflowd /usr/bin/python3
/usr/bin/python3 -c 'import scapy' 2> /dev/null || fail "python3-scapy missing"
/usr/bin/python3 "$top_srcdir/tests/netflow/mkpcap.py" "$T/flows.pcap" > /dev/null || fail "mkpcap"
new_port P
new_port TCP
rs_recv siem --tcp "$TCP"
cat > "$T/sluice.conf" << CONF
$(dut_global)
module(load="imnetflow")
input(type="imnetflow" address="127.0.0.1" port="$P" format="nprobe" persistTemplates="off")
:msg, regex, "\{.*\}" @@127.0.0.1:$TCP
CONF
dut_start "$T/sluice.conf" udp "$P"
timeout -k 20 20 softflowd -a -d -6 -r "$T/flows.pcap" -n "127.0.0.1:$P" -v 10 -A milli -c none \
    -p "$T/sf.pid" > "$T/softflowd.log" 2>&1 || fail "softflowd"
wait_lines "$T/siem/raw.log" 5 15 || fail "rsyslogd received $(count_lines "$T/siem/raw.log") of 5 flows"
sleep 0.5
[ "$(count_lines "$T/siem/raw.log")" -eq 5 ] || fail "more than 5 lines at rsyslogd"
/usr/bin/python3 - "$T/siem/raw.log" << 'PY' || fail "flows at rsyslogd are not as exported"
import json, re, sys
want = {("192.0.2.10", "198.51.100.20"): (8, 820), ("198.51.100.20", "192.0.2.10"): (3, 120),
        ("192.0.2.11", "198.51.100.21"): (3, 264), ("192.0.2.12", "198.51.100.22"): (2, 168),
        ("2001:db8::1", "2001:db8::2"): (4, 340)}
seen = set()
for line in open(sys.argv[1]):
    m = re.match(r"^<133>\w{3} [ \d]\d \d\d:\d\d:\d\d \S+ netflow: (\{.*\})$", line.rstrip("\n"))
    if not m:
        sys.exit("not a flow line: " + line)
    j = json.loads(m.group(1))
    k = (j.get("8", j.get("27")), j.get("12", j.get("28")))
    if want.get(k) != (j["2"], j["1"]):
        sys.exit("unexpected flow: " + line)
    seen.add(k)
if seen != set(want):
    sys.exit("missing flows: %s" % (set(want) - seen))
PY
dut_stop
log "PASS"
