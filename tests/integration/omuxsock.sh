#!/bin/bash
# omuxsock: sluiced and rsyslogd (the reference) each get the same RFC 3164 lines over UDP
# and send them with the legacy configuration of rsyslog 8.2302 ($OMUxSockSocket +
# :omuxsock:) to Unix datagram sockets read by socat: once with the default template
# (RSYSLOG_TraditionalForwardFormat) and once with a template ending in LF.  What the
# sockets receive must be the same bytes.  Then a socket nobody listens on: the daemon
# reports it, runs on and delivers to its other action (rsyslog drops such messages too).
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"
setup
[ "$DUT" = sluice ] || { log "compares sluice with rsyslog itself: skipped for DUT=$DUT"; exit 77; }
[ -x "$RSYSLOGD" ] || { log "the reference $RSYSLOGD is not installed"; exit 77; }
require_plugin omuxsock
require_cmd socat cmp

# write_conf WHO PORT
write_conf()
{
    local d=$T/$1
    mkdir -p "$d"
    {
        DUT=$1 dut_global
        printf 'module(load="imudp")\n'
        printf 'input(type="imudp" address="127.0.0.1" port="%s")\n' "$2"
        printf 'template(name="t" type="string" string="%%syslogtag%%|%%msg%%\\n")\n'
        printf '$ModLoad omuxsock\n'
        printf '$OMUxSockSocket %s/s1\n*.* :omuxsock:\n' "$d"
        printf '$OMUxSockSocket %s/s2\n*.* :omuxsock:;t\n' "$d"
        printf 'action(type="omfile" file="%s/all.log" template="t")\n' "$d"
    } > "$T/$1.conf"
}

new_port rport
new_port sport
write_conf rsyslog "$rport"
write_conf sluice "$sport"
for who in rsyslog sluice; do
    for s in s1 s2; do
        socat -u "UNIX-RECV:$T/$who/$s" "OPEN:$T/$who/$s.out,creat,append" 2>> "$T/socat.err" &
        track_pid $!
    done
done
for i in $(seq 50); do
    [ -S "$T/rsyslog/s2" ] && [ -S "$T/sluice/s2" ] && [ -S "$T/rsyslog/s1" ] && [ -S "$T/sluice/s1" ] && break
    sleep 0.1
done
pids=()
for who in rsyslog sluice; do
    mapfile -t cmd < <(DUT=$who dut_cmd "$T/$who.conf")
    "${cmd[@]}" < /dev/null > "$T/$who.out" 2> "$T/$who.err" &
    pids+=($!)
    track_pid $!
done
wait_port udp "$rport" 15 || fail "rsyslogd does not listen"
wait_port udp "$sport" 15 || fail "sluiced does not listen"
data=$top_srcdir/tests/diff/data/rfc3164.txt
n=$(wc -l < "$data")
flood -p "$rport" -t udp -r 2000 -i "$data" || fail "sending to rsyslogd failed"
flood -p "$sport" -t udp -r 2000 -i "$data" || fail "sending to sluiced failed"
for who in rsyslog sluice; do
    wait_lines "$T/$who/all.log" "$n" 20 || fail "$who wrote $(count_lines "$T/$who/all.log") of $n lines"
    wait_lines "$T/$who/s2.out" "$n" 20 || fail "$who: socket s2 got $(count_lines "$T/$who/s2.out") of $n datagrams"
done
sleep 0.5
for p in "${pids[@]}"; do stop_pid "$p" 20; done
for s in s1 s2; do
    [ -s "$T/sluice/$s.out" ] || fail "nothing arrived on $s"
    if ! cmp -s "$T/rsyslog/$s.out" "$T/sluice/$s.out"; then
        cmp "$T/rsyslog/$s.out" "$T/sluice/$s.out" >&2
        fail "$s: the datagrams differ from rsyslogd's"
    fi
done
log "ok: $n messages on two sockets (default template and ;t) identical to rsyslogd's"

# nobody listening: reported, the other action goes on
new_port uport
{
    dut_global
    printf 'module(load="imudp")\ninput(type="imudp" address="127.0.0.1" port="%s")\n' "$uport"
    printf 'module(load="omuxsock")\n'
    printf 'action(type="omuxsock" socket="%s/nobody")\n' "$T"
    printf 'action(type="omfile" file="%s/out/after.log")\n' "$T"
} > "$T/nobody.conf"
dut_start "$T/nobody.conf" udp "$uport"
flood -p "$uport" -t udp -n 200 -r 2000 || fail "sending failed"
wait_lines "$T/out/after.log" 200 20 || fail "the file action got $(count_lines "$T/out/after.log") of 200"
dut_stop
grep -q 'sendto .*nobody failed' "$DUT_ERR" || fail "the missing socket was not reported"
log "ok: a socket nobody listens on is reported; the other action delivers"
