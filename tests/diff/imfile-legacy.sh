#!/bin/bash
# imfile-legacy.sh - imfile's legacy directives against rsyslogd 8.2302: $InputFileName,
# $InputFileTag, $InputFileStateFile, $InputFileFacility, $InputFileSeverity,
# $InputFileReadMode, $InputFileMaxLinesAtOnce, $InputFilePersistStateInterval,
# $InputFileBindRuleset, $InputFilePollInterval and $InputRunFileMonitor.
# Three legacy monitors on files that exist before the start (each daemon its own copy):
# the first in the default ruleset, then $InputFileBindRuleset, which stays set for the
# second and third, while every other setting is reset after each run (the third gets
# local0.notice and readMode 0 again).  Legacy instances have no metadata and do not
# escape LF in multi-line messages (readMode 2 here); $ModLoad without module() polls
# ($InputFilePollInterval 1).  Every output file must be equal byte for byte; then -N1 on
# a monitor without a tag is an error in both (non-zero), and the rest of it runs.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/../integration/lib.sh"
setup
require_cmd cmp
require_plugin imfile
ls /usr/lib/*/rsyslog/imfile.so > /dev/null 2>&1 ||
    { log "skipped: rsyslog's imfile module is not installed"; exit 77; }

conf()
{
    local d=$1
    cat << EOF
\$WorkDirectory $d/work
\$ModLoad imfile
\$InputFilePollInterval 1
\$template t,"%syslogtag%|%pri-text%|%\$!metadata!filename%|%msg%\\n"
\$InputFileName $d/in/plain.log
\$InputFileTag plain:
\$InputFileStateFile st-plain
\$InputFileFacility local3
\$InputFileSeverity error
\$InputRunFileMonitor
\$InputFileBindRuleset r1
\$InputFileName $d/in/multi.log
\$InputFileTag multi:
\$InputFileReadMode 2
\$InputFileMaxLinesAtOnce 3
\$InputFilePersistStateInterval 2
\$InputFileFacility daemon
\$InputRunFileMonitor
\$InputFileName $d/in/third.log
\$InputFileTag third:
\$InputRunFileMonitor
ruleset(name="r1") {
    if \$syslogtag == "multi:" then action(type="omfile" file="$d/out/multi.out" template="t")
    else action(type="omfile" file="$d/out/third.out" template="t")
}
*.* $d/out/default.out;t
EOF
}

run_one()
{
    local who=$1 d=$T/$1 pid i
    mkdir -p "$d/work" "$d/in" "$d/out"
    for i in $(seq 20); do printf 'plain line %d\n' "$i"; done > "$d/in/plain.log"
    for i in $(seq 6); do
        printf 'multi %d start\n  continued %d\n\tand tab %d\n' "$i" "$i" "$i"
    done > "$d/in/multi.log"
    printf 'multi last\n' >> "$d/in/multi.log"
    for i in $(seq 15); do printf 'third %d\n' "$i"; done > "$d/in/third.log"
    conf "$d" > "$T/$who.conf"
    start_who "$who" "$T/$who.conf"
    pid=$STARTED_PID
    for i in $(seq 100); do
        [ -s "$d/out/third.out" ] && [ -s "$d/out/default.out" ] && break
        kill -0 "$pid" 2> /dev/null || fail "$who exited during start-up"
        sleep 0.1
    done
    wait_stable "$d/out/third.out" 2 10 || true
    wait_stable "$d/out/multi.out" 1 5 || true
    stop_pid "$pid" 20
}

run_one rsyslog
run_one sluice
[ "$(find "$T/rsyslog/out" -type f | wc -l)" -eq 3 ] || fail "rsyslog did not write 3 files"
diff -r "$T/rsyslog/out" "$T/sluice/out" >&2 || fail "the outputs differ"
grep -q '^third:|local0.notice|' "$T/sluice/out/third.out" || fail "settings not reset"
log "$(cat "$T"/sluice/out/* | wc -l) lines in 3 files identical"

# a monitor without a tag: rsyslog's error, -N1 non-zero in both, the rest of the config loads
printf '$ModLoad imfile\n$InputFileName %s/x.log\n$InputRunFileMonitor\n*.* %s/x.out\n' \
    "$T" "$T" > "$T/notag.conf"
for who in rsyslog sluice; do
    rc=0
    DUT=$who dut_check "$T/notag.conf" || rc=$?
    [ "$rc" -ne 0 ] || fail "$who -N1 accepted a monitor without a tag"
    grep -q 'no tag value given' "$T/check.err" || { cat "$T/check.err" >&2; fail "$who: no error"; }
done
log "ok: a monitor without a tag is an error in both"
