#!/bin/bash
# ompipe: sluiced and rsyslogd (the reference) each write into named pipes read by cat;
# what comes out of the pipes must be the same bytes.  Covers action(type="ompipe") with a
# template, the legacy "|fifo" form and the default template (RSYSLOG_FileFormat), and a
# pipe that does not exist (reported, the daemon still runs and the other actions deliver).
# Then a pipe nobody reads: the daemon keeps running and delivers to its file action.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"
setup
[ "$DUT" = sluice ] || { log "compares sluice with rsyslog itself: skipped for DUT=$DUT"; exit 77; }
[ -x "$RSYSLOGD" ] || { log "the reference $RSYSLOGD is not installed"; exit 77; }
require_cmd mkfifo cat cmp

# write_conf WHO PORT: the config for WHO (rsyslog or sluice), pipes under $T/WHO.
write_conf()
{
    local d=$T/$1
    mkdir -p "$d"
    mkfifo "$d/p1" "$d/p2" "$d/p3" || fail "mkfifo failed"
    {
        DUT=$1 dut_global
        printf 'module(load="imudp")\n'
        printf 'input(type="imudp" address="127.0.0.1" port="%s")\n' "$2"
        printf 'template(name="t" type="string" string="%%syslogtag%%|%%msg%%\\n")\n'
        printf 'action(type="ompipe" pipe="%s/p1" template="t")\n' "$d"
        printf '*.* |%s/p2\n' "$d"
        printf 'action(type="ompipe" pipe="%s/p3")\n' "$d"
        printf 'action(type="ompipe" pipe="%s/missing")\n' "$d"
        printf 'action(type="omfile" file="%s/all.log" template="t")\n' "$d"
    } > "$T/$1.conf"
}

# start WHO: readers on the pipes, then the daemon.  Sets START_PID.
start()
{
    local who=$1 p cmd
    for p in p1 p2 p3; do
        cat "$T/$who/$p" > "$T/$who/$p.out" &
        track_pid $!
    done
    mapfile -t cmd < <(DUT=$who dut_cmd "$T/$who.conf")
    "${cmd[@]}" < /dev/null > "$T/$who.out" 2> "$T/$who.err" &
    START_PID=$!
    track_pid "$START_PID"
}

new_port rport
new_port sport
write_conf rsyslog "$rport"
write_conf sluice "$sport"
start rsyslog
rpid=$START_PID
start sluice
spid=$START_PID
wait_port udp "$rport" 15 || fail "rsyslogd does not listen"
wait_port udp "$sport" 15 || fail "sluiced does not listen"
data=$top_srcdir/tests/diff/data/rfc3164.txt
n=$(wc -l < "$data")
flood -p "$rport" -t udp -r 2000 -i "$data" || fail "sending to rsyslogd failed"
flood -p "$sport" -t udp -r 2000 -i "$data" || fail "sending to sluiced failed"
wait_lines "$T/rsyslog/all.log" "$n" 20 || fail "rsyslogd wrote $(count_lines "$T/rsyslog/all.log") of $n lines"
wait_lines "$T/sluice/all.log" "$n" 20 || fail "sluiced wrote $(count_lines "$T/sluice/all.log") of $n lines"
for p in p1 p2 p3; do
    wait_lines "$T/rsyslog/$p.out" "$n" 10 || fail "rsyslogd: $p has $(count_lines "$T/rsyslog/$p.out") of $n lines"
    wait_lines "$T/sluice/$p.out" "$n" 10 || fail "sluiced: $p has $(count_lines "$T/sluice/$p.out") of $n lines"
done
stop_pid "$rpid" 20
stop_pid "$spid" 20
for p in p1 p2 p3; do
    if ! cmp -s "$T/rsyslog/$p.out" "$T/sluice/$p.out"; then
        diff -u "$T/rsyslog/$p.out" "$T/sluice/$p.out" | head -n 20 >&2
        fail "$p differs (- rsyslog, + sluice)"
    fi
done
grep -q 'missing' "$T/sluice.err" || fail "sluiced did not report the missing pipe"
log "ok: $n records through 3 pipes identical to rsyslogd; missing pipe reported"

# A pipe nobody reads: records fill the pipe buffer, then what does not fit is discarded
# (reported); the daemon goes on delivering to the file action and stops cleanly.
mkfifo "$T/unread" || fail "mkfifo failed"
new_port uport
{
    dut_global
    printf 'module(load="imtcp")\n'
    printf 'input(type="imtcp" address="127.0.0.1" port="%s")\n' "$uport"
    printf 'action(type="ompipe" pipe="%s/unread")\n' "$T"
    printf 'action(type="omfile" file="%s/out/after.log")\n' "$T"
} > "$T/unread.conf"
dut_start "$T/unread.conf" tcp "$uport"
flood -p "$uport" -t tcp -n 3000 -s 200 || fail "sending failed"
wait_lines "$T/out/after.log" 3000 30 || fail "the file action got $(count_lines "$T/out/after.log") of 3000 lines while the pipe was full"
dut_alive || fail "sluiced died with a full pipe"
dut_stop
[ "$DUT_STATUS" -eq 0 ] || fail "sluiced exited with status $DUT_STATUS"
grep -q 'pipe full' "$DUT_ERR" || fail "the full pipe was not reported"
log "ok: a pipe nobody reads does not hold up the other actions (status $DUT_STATUS)"
