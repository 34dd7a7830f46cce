#!/bin/bash
# uxsock-vs-rsyslog.sh - the same datagrams into rsyslogd's imuxsock and into sluiced's, on
# private sockets in the scratch directory, four inputs with different timestamp/pid/host
# settings and two more with Annotate and Annotate+ParseTrusted, written with
# RSYSLOG_TraditionalFileFormat, RSYSLOG_FileFormat, a template showing the parsed properties
# and one showing $!.  The outputs must be identical after normalising what is
# inherently per run: receive timestamps (checked to be of this run's day and format, then
# replaced by "TS"), the sender pids (UsePIDFromSystem, trusted properties: "PID") and the
# scratch directory in the senders' command lines ("DIR").
# Senders are real peers: logger(1) -u and socat UNIX-SENDTO with fixed bytes.
# Needs no systemd and never touches /dev/log.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/../integration/lib.sh"
setup
[ "$DUT" = sluice ] || { log "SKIP: compares sluice with rsyslog (DUT=sluice only)"; exit 77; }
require_cmd logger socat /usr/bin/python3
[ -x "$RSYSLOGD" ] || fail "$RSYSLOGD not installed"

# conf DIR WORKDIR: the config, sockets and outputs under DIR
write_conf()
{
    local d=$1 i
    mkdir -p "$d/out"
    {
        printf 'global(workDirectory="%s")\n' "$d"
        printf 'module(load="imuxsock" SysSock.Use="off")\n'
        printf 'template(name="props" type="string" string="TS=%%timereported:::date-rfc3339%% H=%%hostname%% FH=%%fromhost%% FHIP=%%fromhost-ip%% PRI=%%pri%% F=%%syslogfacility-text%% S=%%syslogseverity%% TAG=%%syslogtag%% PN=%%programname%% APP=%%app-name%% PID=%%procid%% IN=%%inputname%% MSG=|%%msg%%| RAW=|%%rawmsg%%|\\n")\n'
        printf 'template(name="json" type="string" string="TAG=%%syslogtag%% J=%%$!%% RAW=|%%rawmsg%%|\\n")\n'
        for i in a b c d e f; do
            printf 'ruleset(name="r%s") {\n' "$i"
            printf '  action(type="omfile" file="%s/out/%s.trad" template="RSYSLOG_TraditionalFileFormat")\n' "$d" "$i"
            printf '  action(type="omfile" file="%s/out/%s.file" template="RSYSLOG_FileFormat")\n' "$d" "$i"
            printf '  action(type="omfile" file="%s/out/%s.props" template="props")\n' "$d" "$i"
            printf '  action(type="omfile" file="%s/out/%s.json" template="json")\n' "$d" "$i"
            printf '}\n'
        done
        printf 'input(type="imuxsock" Socket="%s/a.sock" ruleset="ra")\n' "$d"
        printf 'input(type="imuxsock" Socket="%s/b.sock" ruleset="rb" UseSysTimeStamp="off")\n' "$d"
        printf 'input(type="imuxsock" Socket="%s/c.sock" ruleset="rc" UseSysTimeStamp="off" IgnoreTimestamp="off")\n' "$d"
        printf 'input(type="imuxsock" Socket="%s/d.sock" ruleset="rd" HostName="myname" UsePIDFromSystem="on")\n' "$d"
        printf 'input(type="imuxsock" Socket="%s/e.sock" ruleset="re" Annotate="on")\n' "$d"
        printf 'input(type="imuxsock" Socket="%s/f.sock" ruleset="rf" Annotate="on" ParseTrusted="on")\n' "$d"
    } > "$d/dut.conf"
}

wait_sockets()
{
    local d=$1 i s
    for i in $(seq 150); do
        for s in a b c d e f; do
            [ -S "$d/$s.sock" ] || { sleep 0.1; continue 2; }
        done
        return 0
    done
    return 1
}

DATAGRAMS=('<13>Jan  1 00:00:00 foo: d1'
           '<13>2020-01-01T00:00:00.123456+02:00 foo: d2'
           '<13>Jan 1 00:00:00 foo: d3 one-digit day'
           'no pri d4'
           '<999>app:x y z d5'
           '<30> d6 lead space'
           '<30>Jan  1 00:00:00'
           '<165>Nov 22 2026 12:00:00 foo[7]: d8 year in time'
           '<14>foo[12]:d9 no space after tag'
           '<13>Jan  1 00:00:00 foo: d10 tab	and trailing LF
')

# Into e and f not the bare timestamp: rsyslog parses the annotated text's length over the
# original datagram there and so reads the stale bytes of its receive buffer after it.
TRUSTED_DATAGRAMS=("${DATAGRAMS[@]:0:6}" "${DATAGRAMS[@]:7}")

# the cases: logger lines and fixed datagrams (socat) into a..d; into e and f (trusted
# properties read from /proc/PID) the datagrams come from one Debian python3 process that stays
# alive a moment, so that both daemons can read its /proc entries
send_all()
{
    local d=$1 s
    for s in e f; do
        timeout -k 20 20 /usr/bin/python3 -c '
import socket, sys, time
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
for dg in sys.argv[2:]:
    s.sendto(dg.encode(), sys.argv[1])
time.sleep(0.5)' "$d/$s.sock" "${TRUSTED_DATAGRAMS[@]}" || fail "python3 sender failed"
    done
    for s in a b c d; do
        local sock=$d/$s.sock
        timeout -k 20 10 logger -u "$sock" -t app "m1 plain" || fail "logger -u failed"
        timeout -k 20 10 logger -u "$sock" --rfc5424 -t app "m2 rfc5424" || fail "logger failed"
        timeout -k 20 10 logger -u "$sock" --rfc3164 -t app "m3 rfc3164 with host" || fail "logger failed"
        timeout -k 20 10 logger -u "$sock" --id=4242 -p local3.warning -t app "m4 with  id" || fail "logger failed"
        timeout -k 20 10 logger -u "$sock" -p kern.emerg -t 'a:b' "m5 colon tag" || fail "logger failed"
        for dg in "${DATAGRAMS[@]}"; do
            printf '%s' "$dg" | timeout -k 20 10 socat -u - "UNIX-SENDTO:$sock" || fail "socat failed"
        done
    done
}

normalise()
{
    # every time stamp of today (receive times, logger's own stamps; RFC 3339 with or without
    # fraction, RFC 3164) becomes NOW / NOW3164; the fixed stamps of the test data stay.
    # Digits before "]:" are sender pids (UsePIDFromSystem, logger) and become PID.
    local today today3164 tj
    # $T with "/" written as "\\/", a regex for the JSON-escaped path
    tj=$(printf '%s' "$T" | sed 's#/#\\\\/#g')
    today=$(date -u +%Y-%m-%d)
    today3164=$(LC_ALL=C date -u '+%b %e')
    sed -E -e "s/${today}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]{6})?\+00:00/NOW/g" \
        -e "s/${today3164} [0-9]{2}:[0-9]{2}:[0-9]{2}/NOW3164/g" \
        -e 's/[0-9]+\]:/PID]:/g' -e 's/(PN|APP)=[0-9]+\]/\1=PID]/g' -e 's/ PID=[0-9]+ / PID=PID /' \
        -e 's/[0-9]+ _UID=/PID _UID=/g' -e 's/"pid": ?[0-9]+/"pid": PID/' \
        -e "s#$T/(rsyslog|sluice)/#DIR/#g" -e "s#${tj}\\\\/(rsyslog|sluice)\\\\/#DIR/#g" "$1"
}

run_one()
{
    local who=$1 d=$T/$1 cmd
    write_conf "$d"
    if [ "$who" = rsyslog ]; then
        "$RSYSLOGD" -n -iNONE -f "$d/dut.conf" < /dev/null > "$d/out.txt" 2>> "$T/$who.err" &
    else
        "$SLUICED" -n -iNONE -f "$d/dut.conf" -M "$SLUICE_PLUGIN_DIR" < /dev/null > "$d/out.txt" 2>> "$T/$who.err" &
    fi
    local pid=$!
    track_pid "$pid"
    wait_sockets "$d" || fail "$who: sockets not created"
    send_all "$d"
    wait_lines "$d/out/d.props" 15 15 || fail "$who: not all messages arrived"
    wait_lines "$d/out/f.props" 9 15 || fail "$who: not all messages arrived"
    sleep 0.5
    stop_pid "$pid" 20
    [ ! -e "$d/a.sock" ] || fail "$who: socket not removed at exit (Unlink=on)"
}

run_one rsyslog
run_one sluice

today_rfc=$(date -u +%Y-%m-%d)
status=0
for f in {a,b,c,d,e,f}.{trad,file,props,json}; do
    r=$T/rsyslog/out/$f s=$T/sluice/out/$f
    [ -s "$s" ] || fail "sluice wrote nothing to $f"
    # the receive time must be today's (not a stale or a message-provided one) in a.*
    case $f in a.file) grep -qv "^$today_rfc" "$s" && fail "a.file: receive timestamp not of today: $(grep -v "^$today_rfc" "$s" | head -1)";; esac
    if ! diff <(normalise "$r") <(normalise "$s") > "$T/$f.diff"; then
        log "DIFF in $f (< rsyslog, > sluice):"
        cat "$T/$f.diff" >&2
        status=1
    fi
done
[ "$status" -eq 0 ] || fail "sluice output differs from rsyslog's"
log "ok: $(cat "$T"/sluice/out/*.props | wc -l) messages identical to rsyslog in 24 outputs"
