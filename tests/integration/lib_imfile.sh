#!/bin/bash
# lib_imfile.sh - the daemons of the imfile tests that run rsyslogd and sluiced side by side
# on the same files (imfile-rotate.sh, imfile-vs-rsyslog.sh): sourced after lib.sh's setup.
# Both daemons read $T/rsyslog.conf and $T/sluice.conf, write their stderr to
# $T/rsyslog.err and $T/sluice.err, and run as $RS and $SL (tracked: lib.sh's clean-up
# stops them if the test fails).

# require_rsyslog_imfile: skip (77) without rsyslogd or its imfile module
require_rsyslog_imfile()
{
    [ -x "$RSYSLOGD" ] || { log "skipped: $RSYSLOGD not installed"; exit 77; }
    ls /usr/lib/*/rsyslog/imfile.so > /dev/null 2>&1 ||
        { log "skipped: rsyslog's imfile module is not installed"; exit 77; }
}

# start_both: start rsyslogd and sluiced in the foreground, in the background
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

# stop_both: rsyslogd (within 20 s), then sluiced (stop_sluiced)
stop_both()
{
    stop_pid "$RS" 20
    stop_sluiced
}
