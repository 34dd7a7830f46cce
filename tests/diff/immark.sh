#!/bin/bash
# immark.sh - immark against rsyslog's: a mark each second (interval="1", the marks built by
# the module itself: use.syslogCall="off", a custom markMessageText), written with every
# property a mark has; action.execOnlyOnceEveryInterval keeps one line, so the output does
# not depend on how many seconds each daemon ran.  Both files must be equal byte for byte.
# (With use.syslogCall="on", rsyslog's default, marks are the daemon's own messages and go
# to the system log, not to a test's files; the legacy $MarkMessagePeriod is checked by
# tests/diff/distros.sh through openSUSE's rsyslog.conf.)
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/../integration/lib.sh"
setup
require_plugin immark

for who in rsyslog sluice; do
    cat > "$T/$who.conf" << EOF
global(workDirectory="$T")
module(load="immark" interval="1" use.syslogCall="off" markMessageText="-- MARK test --")
template(name="t" type="string" string="%syslogtag%|%msg%|%rawmsg%|%pri%|%pri-text%|%hostname%|%fromhost%|%fromhost-ip%|%inputname%|%programname%|%app-name%|%procid%|%msgid%|%structured-data%|%protocol-version%\n")
action(type="omfile" file="$T/$who.out" template="t" action.execOnlyOnceEveryInterval="3600")
EOF
    mapfile -t cmd < <(DUT=$who dut_cmd "$T/$who.conf")
    "${cmd[@]}" < /dev/null > /dev/null 2> "$T/$who.err" &
    pid=$!
    track_pid "$pid"
    wait_lines "$T/$who.out" 1 10 || fail "$who wrote no mark within 10 s"
    stop_pid "$pid"
done
if ! cmp -s "$T/rsyslog.out" "$T/sluice.out"; then
    diff "$T/rsyslog.out" "$T/sluice.out" >&2
    fail "the marks differ"
fi
log "mark: $(cat "$T/sluice.out")"
log "PASS"
