#!/bin/bash
# Fork mode (no -n): the command returns 0 only once the daemon runs - the pid file then
# names a live process in its own session whose stdio is /dev/null, listening already - and
# the daemon delivers messages; SIGTERM stops it and removes the pid file.  A start-up error
# (the port is taken) gives exit 1 and leaves no process and no pid file.
# shellcheck source=tests/daemon/lib-daemon.sh
. "$(dirname "$0")/lib-daemon.sh"
setup
require_cmd logger socat ps
port='' port2=''
new_port port
pf=$T/fork.pid
out=$T/out/fork.log
dm_udp_conf "$T/fork.conf" "$port" "$out"
start=$(date +%s)
dm_run launch 30 -f "$T/fork.conf" -i "$pf"
[ "$DM_RC" -eq 0 ] || fail "fork mode start exited with $DM_RC: $(cat "$T/launch.err")"
pid=$(pidfile_pid "$pf") || fail "no live pid in $pf right after the start returned: '$(cat "$pf" 2> /dev/null)'"
track_pid "$pid"
log "daemon pid $pid, start took $(($(date +%s) - start)) s"
[ -n "$(ss -Hlun "( sport = :$port )")" ] || fail "not listening on udp $port when the start returned"
[ "$(ps -o sid= -p "$pid" | tr -d ' ')" != "$(ps -o sid= -p $$ | tr -d ' ')" ] ||
    fail "daemon still in the test's session"
# stdio detached from the launcher (rsyslogd keeps the launcher's stdout: not checked)
if is_sluice; then
    for fd in 0 1 2; do
        target=$(readlink "/proc/$pid/fd/$fd" || true)
        [ "$target" = /dev/null ] || fail "daemon fd $fd is '$target', not /dev/null"
    done
fi
if is_sluice; then
    # the pid file lock taken before the fork is still held by the daemon
    new_port port2
    dm_udp_conf "$T/second.conf" "$port2" "$T/out/second.log"
    dm_run second 30 -f "$T/second.conf" -i "$pf"
    [ "$DM_RC" -eq 1 ] || fail "second fork-mode start on the same pid file: exit $DM_RC, expected 1"
    grep -q -F "already running with pid file $pf" "$T/second.err" || fail "second start: $(cat "$T/second.err")"
    [ "$(pidfile_pid "$pf")" = "$pid" ] || fail "second start changed the pid file"
fi
send_logger "$port" udp "forked hello" -t forktest
wait_grep "$out" 'forktest:? forked hello$' 10 || fail "message not delivered by the forked daemon"
kill -TERM "$pid"
wait_pid_exit "$pid" 20 || fail "forked daemon did not exit within 20 s of SIGTERM"
[ ! -e "$pf" ] || fail "pid file $pf left behind after SIGTERM"
grep -q 'exiting on signal 15' "$out" || fail "no shutdown message in $out"
log "ok: fork mode: ready on return, detached, delivers, SIGTERM removes the pid file"

# start-up failure: the port is taken -> exit 1, nothing left running (rsyslogd runs on
# without that input: not checked there)
is_sluice || exit 0
busy=''
new_port busy
timeout -k 20 60 socat -u "UDP-RECV:$busy,bind=127.0.0.1" /dev/null 2>> "$T/socat.err" &
track_pid "$!"
wait_port udp "$busy" 10 || fail "socat not listening on udp $busy"
dm_udp_conf "$T/busy.conf" "$busy" "$T/out/busy.log"
dm_run busy 30 -f "$T/busy.conf" -i "$T/busy.pid"
if [ "$DM_RC" -eq 0 ] || [ "$DM_RC" -eq 124 ]; then
    fail "start on a taken port: exit $DM_RC, expected failure"
fi
is_sluice && { [ "$DM_RC" -eq 1 ] || fail "start on a taken port: exit $DM_RC, expected 1"; }
[ -z "$(pidfile_pid "$T/busy.pid" || true)" ] || fail "a daemon runs after the failed start"
if is_sluice; then
    [ ! -e "$T/busy.pid" ] || fail "failed start left its pid file"
    grep -q -i 'in use\|could not be opened' "$T/busy.err" || fail "no reason on stderr: $(cat "$T/busy.err")"
fi
log "ok: failed start in fork mode: exit $DM_RC, no daemon left"
