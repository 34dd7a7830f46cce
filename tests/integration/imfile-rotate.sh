#!/bin/bash
# imfile-rotate.sh - rotation under load: an application (imfile-writer.py) appends
# numbered lines at 10,000 lines/s; on the way the file is rotated by rename (logrotate's
# default), both daemons are restarted in the middle (SIGTERM, start again: the state files
# must carry the offsets), and the file is rotated by copytruncate (after the readers have
# caught up, as copytruncate needs).  sluiced must deliver every line exactly once and in
# order; rsyslogd's imfile reads the same file at the same time with the same config and
# must give the same output.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"
setup
require_plugin imfile
require_cmd python3
[ -x "$RSYSLOGD" ] || { log "skipped: $RSYSLOGD not installed"; exit 77; }
ls /usr/lib/*/rsyslog/imfile.so > /dev/null 2>&1 || { log "skipped: rsyslog's imfile is not installed"; exit 77; }

N=${IMFILE_ROTATE_LINES:-60000}
IN=$T/in
mkdir -p "$IN"
: > "$IN/app.log"

conf()
{
    local d=$T/$1
    mkdir -p "$d"
    cat << EOF
global(workDirectory="$d")
main_queue(queue.workerThreads="1")
module(load="imfile")
template(name="m" type="string" string="%msg%\n")
input(type="imfile" file="$IN/app.log" tag="app:" reopenOnTruncate="on")
action(type="omfile" file="$d/out.log" template="m")
EOF
}
conf rsyslog > "$T/rsyslog.conf"
conf sluice > "$T/sluice.conf"

# stop_sluiced: SIGTERM; it must exit within 20 s with status 0 and no sanitizer report
stop_sluiced()
{
    local st=0
    kill -TERM "$SL" 2> /dev/null
    wait_pid_exit "$SL" 20 || fail "sluiced did not exit within 20 s of SIGTERM"
    wait "$SL" || st=$?
    [ "$st" -eq 0 ] || fail "sluiced exited with status $st"
    ! grep -q 'Sanitizer\|runtime error' "$T/sluice.err" || fail "sanitizer report in sluice.err"
}

start_both()
{
    "$RSYSLOGD" -n -iNONE -f "$T/rsyslog.conf" < /dev/null > /dev/null 2>> "$T/rsyslog.err" &
    RS=$!
    track_pid "$RS"
    "$SLUICED" -n -iNONE -f "$T/sluice.conf" -M "$SLUICE_PLUGIN_DIR" < /dev/null > /dev/null \
        2>> "$T/sluice.err" &
    SL=$!
    track_pid "$SL"
}

progress()
{
    local p
    p=$(cat "$IN/app.log.progress" 2> /dev/null)
    case $p in '' | *[!0-9]*) echo 0 ;; *) echo "$p" ;; esac
}

start_both
sleep 1
timeout 40 python3 "$top_srcdir/tests/integration/imfile-writer.py" "$IN/app.log" "$N" \
    --rate 10000 --rename-at $((N / 3)) --truncate-at $((N * 3 / 4)) \
    --caught-up "$T/rsyslog/out.log" --caught-up "$T/sluice/out.log" --wait 20 \
    2> "$T/writer.err" &
W=$!
track_pid "$W"

# restart both in the middle: after the rename, before the copytruncate
for i in $(seq 200); do
    [ "$(progress)" -ge $((N / 2)) ] && break
    sleep 0.05
done
[ "$(progress)" -ge $((N / 2)) ] || fail "the writer did not get to line $((N / 2))"
log "restart at line $(progress)"
stop_pid "$RS" 20
stop_sluiced
start_both

wait "$W" || fail "the writer failed: $(cat "$T/writer.err")"
log "writer done: $N lines (rename at $((N / 3)), copytruncate at $((N * 3 / 4)))"
for i in $(seq 150); do
    [ "$(count_lines "$T/sluice/out.log")" -ge "$N" ] && [ "$(count_lines "$T/rsyslog/out.log")" -ge "$N" ] && break
    sleep 0.1
done
sleep 0.5
stop_pid "$RS" 20
stop_sluiced

# check_seq FILE: exactly the lines 1..N in order
check_seq()
{
    awk -v n="$N" '
        $0 != NR { printf "line %d is \"%s\"\n", NR, $0; bad = 1; exit }
        END { if (!bad && NR != n) { printf "%d lines, want %d\n", NR, n; bad = 1 } exit bad }' "$1"
}
sl_err=$(check_seq "$T/sluice/out.log") || fail "sluiced: not every line exactly once in order: $sl_err"
rs_err=$(check_seq "$T/rsyslog/out.log") || fail "rsyslogd: $rs_err (the reference should be exact)"
cmp -s "$T/rsyslog/out.log" "$T/sluice/out.log" || fail "outputs differ"
grep -q 'truncation detected' "$T/sluice.err" || fail "sluiced did not report the copytruncate"
log "ok: $N lines exactly once and in order, same as rsyslogd (rename, restart, copytruncate)"
exit 0
