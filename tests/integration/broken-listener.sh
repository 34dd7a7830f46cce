#!/bin/bash
# broken-listener.sh - a system logger with a broken remote listener still logs locally,
# as rsyslog does: the shipped Debian-like /etc/sluice.conf (conf.d/sluice.conf) plus a
# drop-in that loads imtcp on a port another process already holds (socat).
#   - sluiced runs anyway and names the listener's FILE:LINE in its error: local messages
#     (logger through the system socket) land in syslog and user.log exactly as rsyslogd
#     writes them with the same config;
#   - -N1 exits as rsyslogd's does: a check run binds nothing (neither daemon's), so a port
#     held by another process - often the running daemon itself - is not a config error
#     there; configuration errors (an undefined ruleset or template, two inputs on one
#     port) keep -N1 non-zero, see tests/diff/cases/degraded-*.
# The config is rewritten as tests/diff/defaults.sh does (scratch socket, log and work
# directories, no imklog, the drop-in directory is the test's).
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"
setup
require_cmd socat logger cmp
require_plugin imtcp imuxsock

new_port PORT
socat -u "TCP4-LISTEN:$PORT,bind=127.0.0.1,reuseaddr,fork" /dev/null < /dev/null 2> /dev/null &
HOLDER=$!
track_pid "$HOLDER"
wait_port tcp "$PORT" 10 || fail "socat does not hold port $PORT"

conf_for()
{
    local who=$1
    mkdir -p "$T/$who.log" "$T/$who.work" "$T/$who.d"
    printf 'module(load="imtcp")\ninput(type="imtcp" address="127.0.0.1" port="%s")\n' "$PORT" \
        > "$T/$who.d/remote.conf"
    sed -E -e "s|^module\\(load=\"imuxsock\"\\)|module(load=\"imuxsock\" SysSock.Name=\"$T/$who.sock\")|" \
        -e '/^module\(load="imklog"\)/d' \
        -e "s|^\\\$WorkDirectory .*|\$WorkDirectory $T/$who.work|" \
        -e "s|^\\\$IncludeConfig .*|\$IncludeConfig $T/$who.d/*.conf|" \
        -e "s|/var/log/|$T/$who.log/|g" \
        "$top_srcdir/conf.d/sluice.conf" > "$T/$who.conf"
    grep -q "SysSock.Name=\"$T/$who.sock\"" "$T/$who.conf" || fail "no imuxsock line to rewrite"
    grep -q "IncludeConfig $T/$who.d" "$T/$who.conf" || fail "no \$IncludeConfig line to rewrite"
}

run_one()
{
    local who=$1 pid i
    mapfile -t cmd < <(DUT=$who dut_cmd "$T/$who.conf")
    "${cmd[@]}" < /dev/null > /dev/null 2> "$T/$who.err" &
    pid=$!
    track_pid "$pid"
    for i in $(seq 100); do
        [ -S "$T/$who.sock" ] && break
        kill -0 "$pid" 2> /dev/null || fail "$who exited during start-up (a broken listener must not stop it)"
        sleep 0.1
    done
    [ -S "$T/$who.sock" ] || fail "$who did not create its system socket"
    for i in 1 2 3 4 5; do
        logger -u "$T/$who.sock" -t local -p user.notice "local line $i while a listener is broken" ||
            fail "logger to $who failed"
    done
    wait_lines "$T/$who.log/user.log" 5 15 || fail "$who: local lines did not reach user.log"
    wait_stable "$T/$who.log/syslog" 1 10 || true
    kill -0 "$pid" 2> /dev/null || fail "$who is not running any more"
    stop_pid "$pid"
}

for who in rsyslog sluice; do
    conf_for "$who"
done
rrc=0 src=0
DUT=rsyslog dut_check "$T/rsyslog.conf" || rrc=$?
dut_check "$T/sluice.conf" || src=$?
[ "$rrc" -eq "$src" ] || { cat "$T/check.err" >&2; fail "-N1: rsyslogd exits $rrc, sluiced $src"; }
log "-N1 with port $PORT taken: both exit $src"

run_one rsyslog
run_one sluice
grep -q "$T/sluice.d/remote.conf:2" "$T/sluice.err" ||
    fail "sluiced did not log the listener's FILE:LINE at start"
for f in syslog user.log; do
    cut -d' ' -f2- "$T/rsyslog.log/$f" > "$T/rsyslog.$f.cut"
    cut -d' ' -f2- "$T/sluice.log/$f" > "$T/sluice.$f.cut"
    if ! cmp -s "$T/rsyslog.$f.cut" "$T/sluice.$f.cut"; then
        diff "$T/rsyslog.$f.cut" "$T/sluice.$f.cut" >&2
        fail "$f differs from rsyslogd's"
    fi
    log "$f: $(count_lines "$T/sluice.log/$f") lines, identical with rsyslogd's"
done
log "PASS"
