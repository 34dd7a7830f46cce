#!/bin/bash
# mmexternal: rsyslogd (the reference) and sluiced each get the same RFC 3164 lines over
# UDP and run mmexternal with tests/integration/mmexternal-prog.py, which speaks rsyslog's
# protocol: interface.input msg, rawmsg and fulljson echoed back into $!in (so the output
# shows byte for byte what each daemon sent the program), and replies changing msg and
# adding $! fields.  The lines written must be the same bytes.  Then sluice alone: invalid
# replies are reported and the message goes on; a program that does not answer is
# restarted after replyTimeout (sluice only) and the message goes on unchanged; a program
# that exits is restarted with the next message.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"
setup
[ "$DUT" = sluice ] || { log "compares sluice with rsyslog itself: skipped for DUT=$DUT"; exit 77; }
[ -x "$RSYSLOGD" ] || { log "the reference $RSYSLOGD is not installed"; exit 77; }
require_plugin mmexternal
[ -x /usr/bin/python3 ] || { log "skipped: /usr/bin/python3 needed by the external program"; exit 77; }
PROG=$top_srcdir/tests/integration/mmexternal-prog.py

# write_conf WHO PORT
write_conf()
{
    local d=$T/$1
    mkdir -p "$d"
    {
        DUT=$1 dut_global
        printf 'module(load="imudp")\ninput(type="imudp" address="127.0.0.1" port="%s")\n' "$2"
        printf 'module(load="mmexternal")\n'
        printf 'template(name="in" type="string" string="%%$!in%%\\n")\n'
        printf 'template(name="t" type="string" string="%%syslogtag%%|%%msg%%|%%$!n%%\\n")\n'
        printf 'action(type="mmexternal" binary="%s echo" output="%s/replies")\n' "$PROG" "$d"
        printf 'action(type="omfile" file="%s/msg.log" template="in")\n' "$d"
        printf 'unset $!in;\n'
        printf 'action(type="mmexternal" binary="%s echo" interface.input="rawmsg")\n' "$PROG"
        printf 'action(type="omfile" file="%s/rawmsg.log" template="in")\n' "$d"
        printf 'unset $!in;\n'
        printf 'action(type="mmexternal" binary="%s echo" interface.input="fulljson" forceSingleInstance="on")\n' "$PROG"
        printf 'action(type="omfile" file="%s/fulljson.log" template="in")\n' "$d"
        printf 'unset $!in;\n'
        printf 'action(type="mmexternal" binary="%s upper")\n' "$PROG"
        printf 'action(type="omfile" file="%s/upper.log" template="t")\n' "$d"
    } > "$T/$1.conf"
}

new_port rport
new_port sport
write_conf rsyslog "$rport"
write_conf sluice "$sport"
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
flood -p "$rport" -t udp -r 500 -i "$data" || fail "sending to rsyslogd failed"
flood -p "$sport" -t udp -r 500 -i "$data" || fail "sending to sluiced failed"
for who in rsyslog sluice; do
    wait_lines "$T/$who/upper.log" "$n" 20 || fail "$who wrote $(count_lines "$T/$who/upper.log") of $n lines"
done
for p in "${pids[@]}"; do stop_pid "$p" 20; done
for f in msg rawmsg upper replies; do
    if ! cmp -s "$T/rsyslog/$f.log" "$T/sluice/$f.log" 2> /dev/null && ! { [ $f = replies ] && cmp -s "$T/rsyslog/replies" "$T/sluice/replies"; }; then
        diff -u "$T/rsyslog/$f.log" "$T/sluice/$f.log" | head -n 20 >&2
        fail "$f: sluiced differs from rsyslogd (- rsyslog, + sluice)"
    fi
done
# fulljson: the same except the time stamps of reception (two daemons, two clocks)
sed -E 's/"timegenerated": "[^"]*"/"timegenerated": "T"/' "$T/rsyslog/fulljson.log" > "$T/r.full"
sed -E 's/"timegenerated": "[^"]*"/"timegenerated": "T"/' "$T/sluice/fulljson.log" > "$T/s.full"
if ! cmp -s "$T/r.full" "$T/s.full"; then
    diff -u "$T/r.full" "$T/s.full" | head -n 20 >&2
    fail "fulljson: what sluiced sends differs from rsyslogd (- rsyslog, + sluice)"
fi
log "ok: $n messages: msg, rawmsg, fulljson input and msg/\$! replies identical to rsyslogd"

# sluice alone: invalid replies, a program that does not answer, a syslogtag reply (ABI 1.8;
# tests/diff/cases/mm-external-keys has every key against rsyslogd)
new_port uport
{
    dut_global
    printf 'module(load="imudp")\ninput(type="imudp" address="127.0.0.1" port="%s")\n' "$uport"
    printf 'module(load="mmexternal")\n'
    printf 'action(type="mmexternal" binary="%s bad")\n' "$PROG"
    printf 'action(type="mmexternal" binary="%s slow" replyTimeout="500")\n' "$PROG"
    printf 'action(type="mmexternal" binary="%s tag")\n' "$PROG"
    printf 'action(type="mmexternal" binary="%s die3")\n' "$PROG"
    printf 'action(type="omfile" file="%s/out/after.log" template="RSYSLOG_FileFormat")\n' "$T"
} > "$T/bad.conf"
dut_start "$T/bad.conf" udp "$uport"
# one sender (one flow: one ruleset worker, one program per action, in order)
for i in 1 2 3 4 5 6; do
    w=ok; [ $i = 4 ] && w=hang
    printf '<13>Jan  5 10:00:00 h app: line %s %s\n' "$i" "$w"
done > "$T/six"
flood -p "$uport" -t udp -r 100 -i "$T/six" || fail "sending failed"
wait_lines "$T/out/after.log" 6 20 || fail "$(count_lines "$T/out/after.log") of 6 messages got through"
dut_stop
grep -q "invalid reply 'not json'" "$DUT_ERR" || fail "the invalid reply was not reported"
grep -q 'did not reply within 500 ms' "$DUT_ERR" || fail "the silent program was not reported"
grep -q 'x: LINE 4 HANG' "$T/out/after.log" || fail "the unanswered message was lost"
# die3: each program exits on its 3rd message (no reply: unchanged, as rsyslog); the next
# message finds it gone and restarts it: 1 2 changed, 3 not, 4 5 changed, 6 not
grep -q 'terminated; will be restarted' "$DUT_ERR" || fail "the program's exit was not reported"
for i in 1 2 4 5; do
    grep -q "x: LINE $i " "$T/out/after.log" || fail "message $i not changed by the (restarted) program"
done
for i in 3 6; do
    grep -q "x: line $i ok" "$T/out/after.log" || fail "message $i (no reply) not passed on unchanged"
done
log "ok: invalid replies, a silent program (restarted), a program that exits, a new syslogtag"

