#!/bin/bash
# The pid file: the daemon writes its pid and holds a lock; a second instance with the same
# pid file is refused (exit 1) before it opens any input, and leaves the file alone; another
# pid file is no obstacle; a stale pid file (no lock) is taken over; SIGTERM removes it.
# shellcheck source=tests/daemon/lib-daemon.sh
. "$(dirname "$0")/lib-daemon.sh"
setup
p1='' p2=''
new_port p1
new_port p2
pf=$T/daemon.pid
dm_udp_conf "$T/a.conf" "$p1" "$T/out/a.log"
dm_start_fg a -f "$T/a.conf" -i "$pf"
a_pid=$DM_PID
wait_port udp "$p1" 15 || fail "first instance does not listen on udp $p1"
wait_pidfile "$pf" "$a_pid" 10 || fail "pid file $pf does not hold $a_pid: '$(cat "$pf" 2> /dev/null)'"

# same pid file, same config (same port): refused because of the pid file
dm_run b 20 -n -f "$T/a.conf" -i "$pf"
[ "$DM_RC" -ne 0 ] || fail "second instance on the same pid file started (exit 0)"
[ "$DM_RC" -ne 124 ] || fail "second instance on the same pid file did not exit"
kill -0 "$a_pid" 2> /dev/null || fail "the first instance died"
[ "$(pidfile_pid "$pf")" = "$a_pid" ] || fail "pid file changed to '$(cat "$pf")'"
if is_sluice; then
    [ "$DM_RC" -eq 1 ] || fail "second instance: exit $DM_RC, expected 1"
    grep -q -F "already running with pid file $pf" "$T/b.err" || fail "no pid file message: $(cat "$T/b.err")"
    grep -q -F "pid $a_pid" "$T/b.err" || fail "message does not name pid $a_pid: $(cat "$T/b.err")"
    grep -q -i 'address already in use\|could not be opened' "$T/b.err" &&
        fail "second instance opened its inputs before checking the pid file: $(cat "$T/b.err")"
fi
log "ok: second instance on $pf refused (exit $DM_RC)"

# another pid file: no conflict
dm_udp_conf "$T/c.conf" "$p2" "$T/out/c.log"
dm_start_fg c -f "$T/c.conf" -i "$T/other.pid"
c_pid=$DM_PID
wait_port udp "$p2" 15 || fail "instance with another pid file does not listen on udp $p2"
wait_pidfile "$T/other.pid" "$c_pid" 10 || fail "other.pid does not hold $c_pid"
stop_pid "$c_pid" 20
[ ! -e "$T/other.pid" ] || fail "other.pid left behind after SIGTERM"

# SIGTERM: exit 0, pid file removed
kill -TERM "$a_pid"
wait_pid_exit "$a_pid" 20 || fail "first instance did not exit within 20 s of SIGTERM"
rc=0
wait "$a_pid" || rc=$?
[ "$rc" -eq 0 ] || fail "first instance exited with $rc on SIGTERM"
[ ! -e "$pf" ] || fail "pid file left behind after SIGTERM"

# a stale pid file (a pid that is not ours, no lock) is taken over
printf '%s\n' "$c_pid" > "$pf"
dm_start_fg d -f "$T/a.conf" -i "$pf"
d_pid=$DM_PID
wait_port udp "$p1" 15 || fail "instance with a stale pid file does not listen"
wait_pidfile "$pf" "$d_pid" 10 || fail "stale pid file not taken over: '$(cat "$pf")'"
stop_pid "$d_pid" 20
[ ! -e "$pf" ] || fail "pid file left behind after SIGTERM (stale case)"
log "ok: pid file written, locked, refused for a second instance, taken over when stale, removed"
