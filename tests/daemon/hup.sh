#!/bin/bash
# SIGHUP reopens output files: after the file is moved away (log rotation) the daemon keeps
# writing to the moved file until SIGHUP, and writes a new file after it.
# shellcheck source=tests/daemon/lib-daemon.sh
. "$(dirname "$0")/lib-daemon.sh"
setup
require_cmd logger
new_port port
out=$T/out/hup.log
dm_udp_conf "$T/hup.conf" "$port" "$out"
dm_start_fg hup -f "$T/hup.conf" -iNONE
pid=$DM_PID
wait_port udp "$port" 15 || fail "not listening on udp $port"
send_logger "$port" udp "before rotation" -t huptest
wait_grep "$out" 'before rotation$' 10 || fail "first message not written"
mv "$out" "$out.1"
send_logger "$port" udp "after move" -t huptest
wait_grep "$out.1" 'after move$' 10 || fail "message after the move not in the moved file"
[ ! -e "$out" ] || fail "$out recreated before SIGHUP"
kill -HUP "$pid"
# the HUP message goes to the old file or to the new one
for i in $(seq 100); do
    cat "$out.1" "$out" 2> /dev/null | grep -q ' was HUPed$' && break
    sleep 0.1
done
cat "$out.1" "$out" 2> /dev/null | grep -q ' was HUPed$' || fail "no 'was HUPed' message"
send_logger "$port" udp "after hup" -t huptest
wait_grep "$out" 'after hup$' 10 || fail "message after SIGHUP not in a new $out"
grep -q 'after hup$' "$out.1" && fail "message after SIGHUP went to the old file"
kill -0 "$pid" 2> /dev/null || fail "daemon died on SIGHUP"
DUT_PID=$pid
dut_stop
[ "$DUT_STATUS" -eq 0 ] || fail "exit $DUT_STATUS after SIGTERM"
log "ok: SIGHUP closed the moved file; the next message created $out"
