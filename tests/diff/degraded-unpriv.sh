#!/bin/bash
# degraded-unpriv.sh - a listener on a port below 1024 in a daemon that runs without
# privileges (setpriv to nobody: bind() fails with EACCES).  rsyslog 8.2302 logs the error
# and runs without that listener; sluiced must do the same and name the listener's
# FILE:LINE, and the other listener's messages must be written byte for byte as rsyslogd
# writes them.  The daemons run one after the other (each with its own ports).
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/../integration/lib.sh"
setup
require_cmd setpriv
[ -x "$RSYSLOGD" ] || fail "$RSYSLOGD not installed"
id nobody > /dev/null 2>&1 || { log "SKIP: no user nobody"; exit 77; }
[ "$(id -u)" -eq 0 ] || { log "SKIP: needs root to drop to nobody"; exit 77; }
start=$(cat /proc/sys/net/ipv4/ip_unprivileged_port_start 2> /dev/null || echo 1024)
[ "$start" -gt 600 ] || { log "SKIP: unprivileged ports start at $start"; exit 77; }
low=
for p in $(seq 600 $((start - 1))); do
    port_in_use "$p" || { low=$p; break; }
done
[ -n "$low" ] || { log "SKIP: no free port below $start"; exit 77; }
chmod 0777 "$T" "$T/out"
data=$top_srcdir/tests/diff/data/mixed.txt
want=$(wc -l < "$data")
for who in rsyslog sluice; do
    new_port high
    cat > "$T/$who.conf" << EOF
global(workDirectory="$T/out")
module(load="imtcp")
input(type="imtcp" address="127.0.0.1" port="$low")
input(type="imtcp" address="127.0.0.1" port="$high")
template(name="t" type="string" string="%hostname% %syslogtag%%msg%|%inputname%\\n")
action(type="omfile" file="$T/out/$who.log" template="t")
EOF
    chmod 0644 "$T/$who.conf"
    mapfile -t cmd < <(DUT=$who dut_cmd "$T/$who.conf")
    setpriv --reuid=nobody --regid=nogroup --clear-groups "${cmd[@]}" < /dev/null \
        > /dev/null 2> "$T/$who.err" &
    pid=$!
    track_pid "$pid"
    wait_port tcp "$high" 15 || { cat "$T/$who.err" >&2; fail "$who does not listen on $high"; }
    ! port_in_use "$low" || fail "$who (as nobody) listens on port $low"
    cat "$data" > /dev/tcp/127.0.0.1/"$high" || fail "cannot send to $who"
    wait_lines "$T/out/$who.log" "$want" 15 ||
        fail "$who wrote $(count_lines "$T/out/$who.log") of $want lines"
    kill -0 "$pid" 2> /dev/null || fail "$who exited"
    stop_pid "$pid"
done
grep -q "$T/sluice.conf:3: error: " "$T/sluice.err" ||
    { cat "$T/sluice.err" >&2; fail "sluiced did not name the listener's FILE:LINE"; }
if ! cmp -s "$T/out/rsyslog.log" "$T/out/sluice.log"; then
    diff "$T/out/rsyslog.log" "$T/out/sluice.log" >&2
    fail "the output of the working listener differs"
fi
log "ok: port $low refused to nobody, $want lines identical to rsyslogd"
