#!/bin/bash
# 100,000 messages over 4 TCP connections (slflood) into a file: slverify must find none
# lost, duplicated or reordered per connection.  Then the file is moved away, SIGHUP makes
# the daemon reopen it, and 20,000 octet-counted RFC 5424 ones must all land in the new file.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"
setup
new_port udp
new_port tcp
out=$T/out/flood.log
file_input_conf "$T/dut.conf" "$out" "$udp" "$tcp"
dut_start "$T/dut.conf" udp "$udp" tcp "$tcp"
flood -p "$tcp" -t tcp -n 100000 -c 4 || fail "slflood failed"
wait_lines "$out" 100000 60 || fail "not all 100000 messages were written"
wait_stable "$out" 1 10
verify -n 100000 -c 4 "$out" || fail "slverify: loss, duplicates or reordering (LF framing)"
dut_alive || fail "$DUT died"

mv "$out" "$out.lf"
kill -HUP "$DUT_PID"
# SIGHUP is handled asynchronously: send markers until one lands in the new file
for i in $(seq 20); do
    send_logger "$tcp" tcp "after-hup-marker $i" -t sltest
    wait_lines "$out" 1 1 > /dev/null && break
done
[ -f "$out" ] || fail "no new $out after SIGHUP (file not reopened)"
flood -p "$tcp" -t octet -5 -n 20000 -c 2 -s 200 || fail "slflood (octet) failed"
wait_lines "$out" 20001 60 || fail "not all 20000 octet-counted messages were written after SIGHUP"
wait_stable "$out" 1 10
verify -n 20000 -c 2 "$out" || fail "slverify: loss, duplicates or reordering (octet counting)"
dut_stop
[ "$DUT_STATUS" -eq 0 ] || fail "$DUT exited with status $DUT_STATUS"
log "ok: 100000 + 20000 messages, none lost, duplicated or reordered; SIGHUP reopened the file"
