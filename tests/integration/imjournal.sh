#!/bin/bash
# imjournal: sluiced reads private journals that systemd-journal-remote makes from export
# streams (tests/integration/journal-export.py), through the sluice-only JournalPath.
#   1. mapping: 14 entries (PRIORITY/SYSLOG_FACILITY valid and not, SYSLOG_IDENTIFIER,
#      _COMM and no identifier, SYSLOG_PID and _PID, control characters, NUL, UTF-8, no
#      MESSAGE, 2000 bytes) give the properties and the $! tree of rsyslog 8.2302's
#      imjournal mapping, as journal-export.py computes it independently.  rsyslogd 8.2302's
#      imjournal cannot read a private journal (no directory parameter); when a private mount
#      namespace is possible (root, unshare), rsyslogd reads the same journal file as its
#      "system" journal (/run/log/journal/MACHINE-ID on a tmpfs) and its output must be
#      byte-identical to sluiced's; otherwise that comparison is skipped and said so.
#   2. following and the cursor: entries appended while sluiced runs arrive; after a stop,
#      entries appended meanwhile arrive after the restart; each "seq N" exactly once, in
#      order (the state file in workDirectory carries the position).
#   3. IgnorePreviousMessages without a state file: only entries appended after the start;
#      Ratelimit.Burst, UsePid="system", DefaultSeverity and DefaultFacility; an invalid
#      state file.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"
setup
[ "$DUT" = sluice ] || { log "tests sluice's JournalPath: skipped for DUT=$DUT"; exit 77; }
require_plugin imjournal
JR=/lib/systemd/systemd-journal-remote
[ -x "$JR" ] || { log "skipped: $JR not installed (apt-get install systemd-journal-remote)"; exit 77; }
require_cmd python3 cmp
PY="python3 $top_srcdir/tests/integration/journal-export.py"
HOST=jtesthost

# append SET FIRST N FILE: entries FIRST.. of SET appended to journal FILE
append()
{
    $PY export "$1" "$2" "$3" > "$T/export.tmp" || fail "journal-export.py failed"
    timeout -k 20 20 "$JR" --output="$4" "$T/export.tmp" 2>> "$T/jr.err" || fail "systemd-journal-remote failed"
}

TPL='template(name="t" type="string" string="%pri%|%syslogtag%|%programname%|%timereported:::date-rfc3339%|%timegenerated:::date-rfc3339%|%hostname%|%inputname%|%fromhost-ip%|%msg%|%rawmsg%|%$!%\n")'

# conf FILE OUT MODULE-PARAMS...: sluiced reading the journal, writing OUT
conf()
{
    local f=$1 out=$2
    shift 2
    {
        dut_global
        printf 'global(localHostname="%s")\n' "$HOST"
        printf 'module(load="imjournal" %s)\n' "$*"
        printf '%s\n' "$TPL"
        printf 'if $inputname == "imjournal" then action(type="omfile" file="%s" template="t")\n' "$out"
    } > "$f"
}

# --- 1. mapping ------------------------------------------------------------------------------
mkdir -p "$T/j"
append mix 0 14 "$T/j/test.journal"
conf "$T/a.conf" "$T/out/a.log" "JournalPath=\"$T/j\" StateFile=\"a.state\" Ratelimit.Interval=\"0\""
dut_start "$T/a.conf"
wait_lines "$T/out/a.log" 14 15 || fail "sluiced wrote $(count_lines "$T/out/a.log") of 14 entries"
$PY expect mix 0 14 "$HOST" > "$T/expected.log"
$PY check "$T/expected.log" "$T/out/a.log" || fail "properties differ from rsyslog's imjournal mapping"
grep -q "PRIORITY' field has an unexpected length" "$DUT_ERR" || fail "PRIORITY=12 not reported"
log "ok: 14 entries map as rsyslog's imjournal does (properties and \$! fields)"

# --- 2. following, stop, restart ------------------------------------------------------------
append seq 0 40 "$T/j/test.journal"
wait_lines "$T/out/a.log" 54 15 || fail "entries appended while running: $(count_lines "$T/out/a.log") of 54 lines"
dut_stop
[ -s "$T/a.state" ] || fail "no state file $T/a.state after the stop"
append seq 40 60 "$T/j/test.journal"
dut_start "$T/a.conf"
wait_lines "$T/out/a.log" 114 15 || fail "after the restart: $(count_lines "$T/out/a.log") of 114 lines"
wait_stable "$T/out/a.log" 1 10
dut_stop
seq 0 99 | sed 's/^/seq /' > "$T/seq.want"
grep -a '|seqd\[' "$T/out/a.log" | cut -d'|' -f9 > "$T/seq.got"
cmp -s "$T/seq.want" "$T/seq.got" || { diff "$T/seq.want" "$T/seq.got" | head >&2; fail "the seq entries are not each exactly once in order"; }
[ "$(count_lines "$T/out/a.log")" -eq 114 ] || fail "$(count_lines "$T/out/a.log") lines, 114 expected (repeats)"
log "ok: 100 entries appended live and across a restart, each exactly once, in order"

# --- 3. IgnorePreviousMessages ---------------------------------------------------------------
conf "$T/c.conf" "$T/out/c.log" "JournalPath=\"$T/j/test.journal\" StateFile=\"c.state\" IgnorePreviousMessages=\"on\""
dut_start "$T/c.conf"
for i in $(seq 50); do
    grep -q 'No statefile exists' "$DUT_ERR" && break
    sleep 0.1
done
sleep 0.5
append seq 100 5 "$T/j/test.journal"
wait_lines "$T/out/c.log" 5 15 || fail "IgnorePreviousMessages: $(count_lines "$T/out/c.log") of 5 new entries"
wait_stable "$T/out/c.log" 1 10
dut_stop
[ "$(count_lines "$T/out/c.log")" -eq 5 ] || fail "IgnorePreviousMessages: $(count_lines "$T/out/c.log") lines, only the 5 new ones expected"
grep -q '^30|seqd\[1100\]:|seqd|.*|seq 100|' "$T/out/c.log" || fail "IgnorePreviousMessages: first new entry missing"
log "ok: IgnorePreviousMessages reads only what was appended after the start"

# --- 3b. rate limit, UsePid, DefaultSeverity/DefaultFacility ------------------------------------
conf "$T/d.conf" "$T/out/d.log" "JournalPath=\"$T/j\" Ratelimit.Burst=\"5\" Ratelimit.Interval=\"600\" UsePid=\"system\" DefaultSeverity=\"debug\" DefaultFacility=\"local3\""
dut_start "$T/d.conf"
wait_lines "$T/out/d.log" 5 15 || fail "rate limit: $(count_lines "$T/out/d.log") of 5 lines"
for i in $(seq 50); do
    grep -q 'begin to drop messages due to rate-limiting' "$DUT_ERR" && break
    sleep 0.1
done
wait_stable "$T/out/d.log" 1 10
dut_stop
[ "$(count_lines "$T/out/d.log")" -eq 5 ] || fail "Ratelimit.Burst=5: $(count_lines "$T/out/d.log") lines"
grep -q 'imjournal from <jtesthost:long>: begin to drop messages due to rate-limiting' "$DUT_ERR" || fail "the rate limit was not reported"
[ "$(sed -n 1p "$T/out/d.log" | cut -d'|' -f2)" = "sshd[124]:" ] || fail "UsePid=system: tag $(sed -n 1p "$T/out/d.log" | cut -d'|' -f2)"
[ "$(sed -n 3p "$T/out/d.log" | cut -d'|' -f1,2)" = "159|journal:" ] || fail "DefaultSeverity/DefaultFacility: $(sed -n 3p "$T/out/d.log" | cut -d'|' -f1,2)"
log "ok: Ratelimit.Burst, UsePid=system, DefaultSeverity and DefaultFacility"

# --- 3c. an invalid state file: reported and ignored (IgnoreNonValidStatefile, default on) ----
printf 'garbage\n' > "$T/bad.state"
conf "$T/e.conf" "$T/out/e.log" "JournalPath=\"$T/j\" StateFile=\"bad.state\" Ratelimit.Interval=\"0\""
dut_start "$T/e.conf"
wait_lines "$T/out/e.log" 119 15 || fail "invalid state file: $(count_lines "$T/out/e.log") of 119 entries"
dut_stop
grep -q "ignoring invalid state file" "$DUT_ERR" || fail "the invalid state file was not reported"
grep -q '^s=' "$T/bad.state" || fail "the invalid state file was not replaced by a cursor"
log "ok: an invalid state file is reported, ignored and replaced"

# --- 4. rsyslogd's imjournal on the same journal (needs a private mount namespace) -------------
if ! [ -x "$RSYSLOGD" ] || ! private_journal_ok; then
    log "rsyslogd comparison skipped (needs root and unshare); compared with the documented mapping only"
    exit 0
fi
mkdir -p "$T/r/j"
append mix 0 14 "$T/r/j/test.journal"
{
    printf 'global(workDirectory="%s/r" localHostname="%s")\n' "$T" "$HOST"
    printf 'main_queue(queue.workerThreads="1")\n'
    printf 'module(load="imjournal" StateFile="r.state" Ratelimit.Interval="0")\n'
    printf '%s\n' "$TPL"
    printf 'if $inputname == "imjournal" then action(type="omfile" file="%s/out/r.log" template="t")\n' "$T"
} > "$T/r.conf"
in_private_journal "$T/r/j/test.journal" "$RSYSLOGD" -n -iNONE -f "$T/r.conf" \
    < /dev/null > "$T/rsyslog.out" 2> "$T/rsyslog.err" &
rpid=$!
track_pid "$rpid"
if ! wait_lines "$T/out/r.log" 14 15; then
    kill -0 "$rpid" 2> /dev/null || { log "rsyslogd comparison skipped: the namespace set-up failed"; exit 0; }
    fail "rsyslogd wrote $(count_lines "$T/out/r.log") of 14 entries"
fi
wait_stable "$T/out/r.log" 1 10
stop_pid "$rpid" 20
head -n 14 "$T/out/a.log" > "$T/out/a14.log"
if ! cmp -s "$T/out/r.log" "$T/out/a14.log"; then
    diff -u "$T/out/r.log" "$T/out/a14.log" | cut -c1-300 | head -n 20 >&2
    fail "sluiced's output differs from rsyslogd's imjournal (- rsyslog, + sluice)"
fi
log "ok: byte-identical with rsyslogd 8.2302's imjournal on the same 14 entries"
