#!/bin/bash
# ratelimit-unsigned.sh - rate-limit parameters rsyslog 8.2302 reads as any integer and
# keeps as unsigned int, against rsyslogd: imuxsock RateLimit.Interval="-1" is an interval
# of 2^32-1 seconds, so after RateLimit.Burst messages of one process the rest are dropped
# (a sluice that took -1 as "off" would pass all).  Ten messages from one logger process
# through a scratch socket; the lines of that program must be equal byte for byte (three).
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/../integration/lib.sh"
setup
require_cmd logger cmp
require_plugin imuxsock

run_one()
{
    local who=$1 d=$T/$1 pid i
    mkdir -p "$d"
    cat > "$T/$who.conf" << EOF2
global(workDirectory="$T")
module(load="imuxsock" SysSock.Use="off")
input(type="imuxsock" Socket="$d/sock" RateLimit.Interval="-1" RateLimit.Burst="3")
template(name="t" type="string" string="%programname%|%msg%\n")
if \$programname == "rltest" then action(type="omfile" file="$d/out.log" template="t")
EOF2
    start_who "$who" "$T/$who.conf" "$d/sock"
    pid=$STARTED_PID
    seq 10 | sed 's/^/message /' | logger -u "$d/sock" -t rltest -p user.info ||
        fail "logger to $who"
    wait_stable "$d/out.log" 1 10 || true
    stop_pid "$pid"
}

run_one rsyslog
run_one sluice
[ -f "$T/rsyslog/out.log" ] || fail "rsyslog wrote nothing"
cmp -s "$T/rsyslog/out.log" "$T/sluice/out.log" ||
    { diff -u "$T/rsyslog/out.log" "$T/sluice/out.log" >&2; fail "out.log differs"; }
[ "$(wc -l < "$T/sluice/out.log")" -eq 3 ] || fail "expected 3 lines, got $(wc -l < "$T/sluice/out.log")"
log "ok: $(wc -l < "$T/sluice/out.log") lines identical (7 of 10 rate-limited in both)"
