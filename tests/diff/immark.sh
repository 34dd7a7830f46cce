#!/bin/bash
# immark.sh - immark against rsyslog's: a mark each second (interval="1", the marks built by
# the module itself: use.syslogCall="off", a custom markMessageText), written with every
# property a mark has; action.execOnlyOnceEveryInterval keeps one line, so the output does
# not depend on how many seconds each daemon ran; a legacy action after
# $ActionWriteAllMarkMessages on (rsyslog's default, for the next legacy action) writes it
# too.  Both daemons' files must be equal byte for byte.
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
\$template t2,"%msg%|%syslogtag%|%syslogfacility-text%.%syslogseverity-text%\\n"
\$ActionExecOnlyOnceEveryInterval 3600
\$ActionWriteAllMarkMessages on
:programname, isequal, "rsyslogd" $T/$who.legacy.out;t2
EOF
    mapfile -t cmd < <(DUT=$who dut_cmd "$T/$who.conf")
    "${cmd[@]}" < /dev/null > /dev/null 2> "$T/$who.err" &
    pid=$!
    track_pid "$pid"
    wait_lines "$T/$who.out" 1 10 || fail "$who wrote no mark within 10 s"
    wait_lines "$T/$who.legacy.out" 1 10 || fail "$who wrote no mark with the legacy action"
    stop_pid "$pid"
done
for f in out legacy.out; do
    if ! cmp -s "$T/rsyslog.$f" "$T/sluice.$f"; then
        diff "$T/rsyslog.$f" "$T/sluice.$f" >&2
        fail "the marks differ ($f)"
    fi
done
log "mark: $(cat "$T/sluice.out")"

# $ActionWriteAllMarkMessages off: accepted by both; sluice says it does not act on it
printf '$ActionWriteAllMarkMessages off\n*.* %s/off.log\n' "$T" > "$T/off.conf"
timeout 20 "$RSYSLOGD" -N1 -f "$T/off.conf" > /dev/null 2>&1 || fail "rsyslogd -N1 rejects \$ActionWriteAllMarkMessages off"
timeout 20 "$SLUICED" -N1 -f "$T/off.conf" -M "$SLUICE_PLUGIN_DIR" > "$T/off.err" 2>&1 ||
    { cat "$T/off.err" >&2; fail "sluiced -N1 rejects \$ActionWriteAllMarkMessages off"; }
grep -q 'off.conf:2: warning: .*writeAllMarkMessages="off" is not acted on' "$T/off.err" ||
    { cat "$T/off.err" >&2; fail "no warning for \$ActionWriteAllMarkMessages off"; }
log "PASS"
