#!/bin/bash
# imuxsock's counters under rsyslog's name (issue 17): rsyslog 8.2302's impstats prints one
# set for the whole module, "imuxsock: origin=imuxsock submitted=N ratelimit.discarded=0
# ratelimit.numratelimiters=K", not one per socket path.  Two sockets (one with a
# per-process rate limit), NA lines from NA logger processes to the first and NB to the
# second: sluiced's impstats line for the set equals rsyslogd's byte for byte (after the
# time stamp), and no set is named after a socket path.  sluiced's own counters
# (received, own.discarded) are in "imuxsock sluice".
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"
setup
require_plugin imuxsock impstats
require_cmd logger
[ -x "$RSYSLOGD" ] || { log "SKIP: no rsyslogd to compare with"; exit 77; }
NA=4 NB=2
for who in rsyslog sluice; do
    d=$T/$who
    mkdir -p "$d"
    {
        printf 'global(workDirectory="%s")\n' "$d"
        printf 'module(load="impstats" interval="1" log.file="%s/stats.log" log.syslog="off")\n' "$d"
        printf 'module(load="imuxsock" SysSock.Use="off")\n'
        printf 'input(type="imuxsock" Socket="%s/a.sock" RateLimit.Interval="30" RateLimit.Burst="50")\n' "$d"
        printf 'input(type="imuxsock" Socket="%s/b.sock")\n' "$d"
        printf 'action(type="omfile" file="%s/out.log")\n' "$d"
    } > "$d/conf"
    mapfile -t cmd < <(DUT=$who dut_cmd "$d/conf")
    "${cmd[@]}" < /dev/null > "$d/out" 2> "$d/err" &
    pid=$!
    track_pid "$pid"
    for i in $(seq 100); do [ -S "$d/b.sock" ] && [ -s "$d/stats.log" ] && break; sleep 0.1; done
    [ -S "$d/b.sock" ] || fail "$who: no socket $d/b.sock"
    [ -s "$d/stats.log" ] || fail "$who: no impstats line within 10 s"
    for i in $(seq "$NA"); do logger -u "$d/a.sock" -t uxs "a line $i" || fail "logger"; done
    for i in $(seq "$NB"); do logger -u "$d/b.sock" -t uxs "b line $i" || fail "logger"; done
    wait_lines "$d/out.log" $((NA + NB)) 10 || fail "$who: not all lines written"
    # the first stats line after all lines were written
    n=$(wc -l < "$d/stats.log")
    for i in $(seq 50); do
        [ "$(sed -n "$((n + 1)),\$p" "$d/stats.log" | grep -c ': imuxsock: ')" -gt 0 ] && break
        sleep 0.1
    done
    sed -n "$((n + 1)),\$p" "$d/stats.log" | grep ': imuxsock: ' | head -n 1 |
        sed 's/^.*: imuxsock: /imuxsock: /' > "$d/line"
    stop_pid "$pid"
    grep -Fq "$d/" "$d/stats.log" && { cat "$d/stats.log" >&2; fail "$who: a set named after a socket path"; }
    log "$who: $(cat "$d/line")"
done
[ -s "$T/rsyslog/line" ] || fail "rsyslogd printed no imuxsock set"
want="imuxsock: origin=imuxsock submitted=$((NA + NB)) ratelimit.discarded=0 ratelimit.numratelimiters=$NA "
[ "$(cat "$T/rsyslog/line")" = "$want" ] || fail "rsyslogd's line is not '$want' (test assumption)"
cmp "$T/rsyslog/line" "$T/sluice/line" || fail "sluiced's imuxsock line differs from rsyslogd's"
grep -q ": imuxsock sluice: origin=sluice.input .*received=$((NA + NB)) own.discarded=0" "$T/sluice/stats.log" ||
    fail "no 'imuxsock sluice' set with received=$((NA + NB))"
log "ok"
