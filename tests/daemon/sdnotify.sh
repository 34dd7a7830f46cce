#!/bin/bash
# sd_notify (systemd Type=notify): with NOTIFY_SOCKET set, the daemon sends READY=1 (and,
# from sluiced, MAINPID) once it runs - its input is already listening then - and STOPPING=1
# on SIGTERM; for a path socket and for an abstract one (@name).  socat is the service
# manager's end.  An unusable NOTIFY_SOCKET does not stop the daemon.
# shellcheck source=tests/daemon/lib-daemon.sh
. "$(dirname "$0")/lib-daemon.sh"
setup
require_cmd socat

# notify_case NAME SOCAT_ADDRESS NOTIFY_SOCKET_VALUE
notify_case()
{
    local name=$1 addr=$2 value=$3 port got pid i rc
    got=$T/$name.notify
    : > "$got"
    timeout -k 20 120 socat -u "$addr" "OPEN:$got,append" 2>> "$T/socat-$name.err" &
    track_pid "$!"
    # socat is ready when its socket exists (path) or shows in ss (abstract)
    for i in $(seq 50); do
        if [ "${value#@}" = "$value" ]; then
            [ -S "$value" ] && break
        else
            ss -Hxl 2> /dev/null | grep -q -F "@${value#@}" && break
        fi
        sleep 0.1
    done
    new_port port
    dm_udp_conf "$T/$name.conf" "$port" "$T/out/$name.log"
    NOTIFY_SOCKET=$value dm_start_fg "$name" -f "$T/$name.conf" -iNONE
    pid=$DM_PID
    wait_grep "$got" 'READY=1' 15 || fail "$name: no READY=1 (got: '$(tr '\n' '|' < "$got")')"
    [ -n "$(ss -Hlun "( sport = :$port )")" ] || fail "$name: READY=1 before the input listens"
    if is_sluice; then
        grep -q -E "MAINPID=$pid([^0-9]|\$)" "$got" || fail "$name: no MAINPID=$pid (got: '$(tr '\n' '|' < "$got")')"
        grep -q 'STOPPING=1' "$got" && fail "$name: STOPPING=1 before SIGTERM"
    fi
    kill -TERM "$pid"
    wait_pid_exit "$pid" 20 || fail "$name: no exit within 20 s of SIGTERM"
    rc=0
    wait "$pid" || rc=$?
    [ "$rc" -eq 0 ] || fail "$name: exit $rc after SIGTERM"
    if is_sluice; then
        wait_grep "$got" 'STOPPING=1' 5 || fail "$name: no STOPPING=1 (got: '$(tr '\n' '|' < "$got")')"
    fi
    log "ok: $name: $(tr '\n' ' ' < "$got")"
}

sock=$T/notify.sock
if [ "${#sock}" -lt 100 ]; then
    notify_case path "UNIX-RECV:$sock" "$sock"
else
    log "scratch path too long for a unix socket (${#sock} bytes): path case not run"
fi
abstract="sluice-test-notify-$$-$RANDOM"
notify_case abstract "ABSTRACT-RECV:$abstract" "@$abstract"

# an unusable NOTIFY_SOCKET: the daemon runs anyway
new_port port
dm_udp_conf "$T/nosock.conf" "$port" "$T/out/nosock.log"
NOTIFY_SOCKET=$T/no-such-dir/sock dm_start_fg nosock -f "$T/nosock.conf" -iNONE
wait_port udp "$port" 15 || fail "daemon with an unusable NOTIFY_SOCKET does not listen"
sleep 0.5
kill -0 "$DM_PID" 2> /dev/null || fail "daemon with an unusable NOTIFY_SOCKET exited"
stop_pid "$DM_PID" 20
log "ok: READY=1 and STOPPING=1 over path and abstract sockets"
