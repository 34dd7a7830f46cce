#!/bin/bash
# rsyslog-leftovers: sluiced taking over from rsyslogd finds the disk queue rsyslog left in
# the work directory (PREFIX.qi + numbered segments) and says so with FILE:LINE and what to
# do, in -N1 and at start, without touching the files.  The queue is made by rsyslogd
# itself: a disk-assisted omfwd queue to a port nobody listens on, saved at shutdown.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"
setup
[ "$DUT" = sluice ] || { log "sluice's take-over check: skipped for DUT=$DUT"; exit 77; }
[ -x "$RSYSLOGD" ] || { log "$RSYSLOGD is not installed"; exit 77; }
require_cmd logger
new_port port
new_port dead
mkdir -p "$T/work"
{
    printf 'global(workDirectory="%s/work")\n' "$T"
    printf 'module(load="imudp")\n'
    printf 'input(type="imudp" address="127.0.0.1" port="%s")\n' "$port"
    printf 'action(type="omfwd" target="127.0.0.1" port="%s" protocol="tcp"\n' "$dead"
    printf '       queue.type="LinkedList" queue.filename="fwdq" queue.saveOnShutdown="on"\n'
    printf '       action.resumeRetryCount="-1")\n'
} > "$T/takeover.conf"
"$RSYSLOGD" -n -iNONE -f "$T/takeover.conf" < /dev/null > "$T/rsyslog.out" 2> "$T/rsyslog.err" &
rpid=$!
track_pid "$rpid"
wait_port udp "$port" 15 || fail "rsyslogd does not listen"
for i in $(seq 20); do send_logger "$port" udp "queued $i" -t takeover; done
sleep 1
kill -TERM "$rpid"
wait_pid_exit "$rpid" 20 || fail "rsyslogd did not stop"
ls "$T/work" > "$T/files.before"
grep -qx 'fwdq.qi' "$T/files.before" || fail "rsyslogd left no fwdq.qi: $(tr '\n' ' ' < "$T/files.before")"
# -N1: a warning naming the queue, with FILE:LINE of workDirectory; the check passes
dut_check "$T/takeover.conf" || fail "sluiced -N1 failed: $(cat "$T/check.err")"
grep -E "takeover\\.conf:1: warning: $T/work/fwdq\\.qi: disk queue 'fwdq' left by rsyslog \\([0-9]+ segment file\\(s\\), [0-9]+ bytes\\): .*run rsyslogd once more" \
    "$T/check.err" > /dev/null || fail "no take-over warning in -N1: $(cat "$T/check.err")"
# at start too, and the files are left as they were
new_port port2
sed -i "s/port=\"$port\"/port=\"$port2\"/" "$T/takeover.conf"
dut_start "$T/takeover.conf" udp "$port2"
grep -q "fwdq.qi: disk queue 'fwdq' left by rsyslog" "$DUT_ERR" || fail "no take-over warning at start"
dut_stop
grep -qx 'fwdq.qi' < <(ls "$T/work") || fail "fwdq.qi is gone"
log "ok: rsyslog's queue files ($(tr '\n' ' ' < "$T/files.before")) reported in -N1 and at start, left in place"
