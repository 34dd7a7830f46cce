#!/bin/bash
# snmptrap-example: the shipped drop-in doc/examples/snmptrap.conf (port and paths moved into
# the scratch directory, nothing else changed) receives a trap from net-snmp's snmptrap and
# writes the record snmptrapd (default format, -n -On -Lf) writes for the same trap, plus a
# JSON line with the same varbinds.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"
setup
[ "$DUT" = sluice ] || { log "sluice-only test"; exit 77; }
if ! command -v snmptrap > /dev/null 2>&1 || ! command -v snmptrapd > /dev/null 2>&1; then
    log "net-snmp snmptrap/snmptrapd not installed: skipped"
    exit 77
fi
new_port PREF
new_port PDUT
export SNMP_PERSISTENT_DIR=$T/sender MIBS='' MIBDIRS='' SNMPCONFPATH=$T/sender
mkdir -p "$T/sender/cert_indexes" "$T/ref/persist/cert_indexes"
printf 'authCommunity log public\ndoNotRetainNotificationLogs yes\n' > "$T/ref/snmptrapd.conf"
SNMP_PERSISTENT_DIR=$T/ref/persist SNMPCONFPATH=$T/ref \
    snmptrapd -f -C -c "$T/ref/snmptrapd.conf" -Lf "$T/ref/traps.log" -On -n \
    "udp:127.0.0.1:$PREF" > "$T/ref.out" 2> "$T/ref.err" &
REF_PID=$!
track_pid "$REF_PID"
{
    dut_global
    sed -e "s|port=\"162\"|address=\"127.0.0.1\" port=\"$PDUT\"|" \
        -e "s|/var/log/|$T/out/|g" "$top_srcdir/doc/examples/snmptrap.conf"
} > "$T/sluice.conf"
grep -q "port=\"$PDUT\"" "$T/sluice.conf" || fail "the example's port line changed"
dut_check "$T/sluice.conf" || fail "the example does not pass -N1: $(cat "$T/check.err")"
dut_start "$T/sluice.conf" udp "$PDUT"
wait_port udp "$PREF" 15 || fail "snmptrapd does not listen"
E=1.3.6.1.4.1.8072.2.3
for port in "$PREF" "$PDUT"; do
    timeout -k 20 10 snmptrap -v 2c -c public "127.0.0.1:$port" 4200 $E.0.1 $E.2.1 s "from the example" \
        $E.2.2 x 0102 > /dev/null 2>> "$T/sender.err" || fail "snmptrap failed"
done
wait_lines "$T/out/snmptraps.json" 1 10 || fail "no JSON line"
for i in $(seq 100); do grep -q '^[0-9]' "$T/ref/traps.log" 2> /dev/null && break; sleep 0.1; done
norm()
{
    grep -v 'NET-SNMP version' "$1" |
        sed -E 's/^[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2} /TIME /;
                s/\[127\.0\.0\.1\]:[0-9]+->\[127\.0\.0\.1\]:[0-9]+/[127.0.0.1]:SPORT->[127.0.0.1]:DPORT/g'
}
norm "$T/ref/traps.log" > "$T/ref.norm"
norm "$T/out/snmptraps.log" > "$T/dut.norm"
[ -s "$T/dut.norm" ] || fail "nothing in snmptraps.log"
cmp -s "$T/ref.norm" "$T/dut.norm" || { diff -u "$T/ref.norm" "$T/dut.norm" >&2; fail "text differs from snmptrapd's"; }
grep -q '"value": "from the example"' "$T/out/snmptraps.json" || fail "JSON line wrong: $(cat "$T/out/snmptraps.json")"
grep -q '"type": "Hex-STRING", "value": "01 02"' "$T/out/snmptraps.json" || fail "JSON hex wrong"
dut_stop
stop_pid "$REF_PID"
log "PASS"
