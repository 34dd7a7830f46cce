#!/bin/bash
# siem-formats.sh - the SIEM built-in templates (SLUICE_CEF, SLUICE_LEEF, SLUICE_ECS, SLUICE_GELF,
# SLUICE_RFC5424_SD) through the real daemon: five RFC 5424 messages with tricky values
# (pipes, equals signs, backslashes, quotes, brackets, tabs, newlines, non-ASCII, empty,
# null and missing fields) arrive over imtcp, mmjsonparse fills $!, omfile writes one file
# per case and format.  formats.py parses every file back with a reference parser per
# format, checks the original values, and compares the bytes with formats.golden.
. "$(dirname "$0")/../integration/lib.sh"
[ "$DUT" = sluice ] || { echo "the SLUICE_* templates are sluice's own"; exit 77; }
setup
require_plugin imtcp mmjsonparse
require_cmd python3
new_port P
cat > "$T/sluice.conf" << CONF
$(dut_global)
module(load="imtcp")
module(load="mmjsonparse")
input(type="imtcp" address="127.0.0.1" port="$P")
template(name="fn" type="string" string="$T/out/%procid%.%\$.fmt%")
action(type="mmjsonparse")
set \$.fmt = "cef";  action(type="omfile" dynaFile="fn" template="SLUICE_CEF")
set \$.fmt = "leef"; action(type="omfile" dynaFile="fn" template="SLUICE_LEEF")
set \$.fmt = "ecs";  action(type="omfile" dynaFile="fn" template="SLUICE_ECS")
set \$.fmt = "gelf"; action(type="omfile" dynaFile="fn" template="SLUICE_GELF")
set \$.fmt = "sd";   action(type="omfile" dynaFile="fn" template="SLUICE_RFC5424_SD")
CONF
dut_start "$T/sluice.conf" tcp "$P"
python3 "$top_srcdir/tests/siem/formats.py" send "$P" || fail "cannot send"
for i in $(seq 100); do
    [ "$(ls "$T/out" | wc -l)" -ge 25 ] && break
    sleep 0.1
done
dut_stop
[ "$DUT_STATUS" = 0 ] || fail "sluiced exited with $DUT_STATUS"
python3 "$top_srcdir/tests/siem/formats.py" "${SIEM_REGEN:-check}" "$T/out" \
    "$top_srcdir/tests/siem/formats.golden" || fail "formats differ (SIEM_REGEN=regen rewrites the golden file)"
log "PASS"
