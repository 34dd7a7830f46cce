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
# shellcheck source=tests/integration/lib_imfile.sh
. "$(dirname "$0")/lib_imfile.sh"
setup
require_plugin imfile
require_cmd python3
require_rsyslog_imfile

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

progress()
{
    local p
    p=$(cat "$IN/app.log.progress" 2> /dev/null)
    case $p in '' | *[!0-9]*) echo 0 ;; *) echo "$p" ;; esac
}

start_both
sleep 1
timeout -k 20 40 python3 "$top_srcdir/tests/integration/imfile-writer.py" "$IN/app.log" "$N" \
    --rate 10000 --rename-at $((N / 3)) --truncate-at $((N * 3 / 4)) \
    --caught-up "$T/rsyslog/out.log" --caught-up "$T/sluice/out.log" --wait 20 \
    2> "$T/writer.err" &
W=$!
track_pid "$W"

# restart both in the middle: after the rename, before the copytruncate.  The writer waits
# for both daemons to catch up at the rename, so under ASan on a loaded machine the middle
# can take far longer than the 3 s the rate implies: wait up to 30 s (the writer's own
# bound is 40 s).
for i in $(seq 600); do
    [ "$(progress)" -ge $((N / 2)) ] && break
    sleep 0.05
done
[ "$(progress)" -ge $((N / 2)) ] || fail "the writer did not get to line $((N / 2))"
log "restart at line $(progress)"
stop_both
start_both

wait "$W" || fail "the writer failed: $(cat "$T/writer.err")"
log "writer done: $N lines (rename at $((N / 3)), copytruncate at $((N * 3 / 4)))"
for i in $(seq 150); do
    [ "$(count_lines "$T/sluice/out.log")" -ge "$N" ] && [ "$(count_lines "$T/rsyslog/out.log")" -ge "$N" ] && break
    sleep 0.1
done
sleep 0.5
stop_both

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
