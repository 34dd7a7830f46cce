#!/bin/bash
# immark.sh - immark against rsyslog's: a mark each second (interval="1", the marks built by
# the module itself: use.syslogCall="off", a custom markMessageText), written with every
# property a mark has; action.execOnlyOnceEveryInterval keeps one line, so the output does
# not depend on how many seconds each daemon ran; a legacy action after
# $ActionWriteAllMarkMessages on (rsyslog's default, for the next legacy action) writes it
# too.  Both daemons' files must be equal byte for byte.
# (With use.syslogCall="on", rsyslog's default, marks are the daemon's own messages and go
# to the system log, not to a test's files; the legacy $MarkMessagePeriod is checked by
# tests/diff/distros.sh through openSUSE's rsyslog.conf.)  Then action.writeAllMarkMessages="off"
# (ABI 1.7 mark flag) against rsyslogd: see the second part below.
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

# action.writeAllMarkMessages="off" and $ActionWriteAllMarkMessages off: with marks every
# 6 s and a UDP message every 0.25 s, each mark comes less than 3 s (half the interval)
# after the last message those actions took, so they write none; an action that only marks
# reach writes them, as one without the setting does.  Both daemons run side by side on the
# same input; the files must be equal byte for byte (the marks are counted, not compared:
# how many fall into the run depends on its length).
new_port P_RS
new_port P_SL
for who in rsyslog sluice; do
    port=$P_RS
    [ "$who" = sluice ] && port=$P_SL
    cat > "$T/$who.off.conf" << EOF
global(workDirectory="$T")
module(load="immark" interval="6" use.syslogCall="off")
module(load="imudp")
input(type="imudp" address="127.0.0.1" port="$port")
template(name="m" type="string" string="%msg%\\n")
action(type="omfile" file="$T/$who.busy" template="m" action.writeAllMarkMessages="off")
if \$inputname == "immark" then action(type="omfile" file="$T/$who.quiet" template="m" action.writeAllMarkMessages="off")
action(type="omfile" file="$T/$who.all" template="m")
\$ActionWriteAllMarkMessages off
*.* $T/$who.legacy;m
EOF
    mapfile -t cmd < <(DUT=$who dut_cmd "$T/$who.off.conf")
    "${cmd[@]}" < /dev/null > /dev/null 2> "$T/$who.off.err" &
    printf -v "PID_$who" '%s' "$!"
    track_pid "$!"
done
wait_port udp "$P_RS" 15 || fail "rsyslogd does not listen"
wait_port udp "$P_SL" 15 || fail "sluiced does not listen"
for i in $(seq 52); do
    printf '<13>Mar  1 00:00:01 h t: busy %d\n' "$i" > /dev/udp/127.0.0.1/"$P_RS"
    printf '<13>Mar  1 00:00:01 h t: busy %d\n' "$i" > /dev/udp/127.0.0.1/"$P_SL"
    sleep 0.25
done
for who in rsyslog sluice; do
    wait_lines "$T/$who.quiet" 1 10 || fail "$who wrote no mark to the action only marks reach"
done
stop_pid "$PID_rsyslog"
stop_pid "$PID_sluice"
for f in busy legacy quiet; do
    [ "$(grep -c MARK "$T/sluice.$f")" -eq "$(grep -c MARK "$T/rsyslog.$f")" ] ||
        fail "$f: $(grep -c MARK "$T/sluice.$f") marks from sluice, $(grep -c MARK "$T/rsyslog.$f") from rsyslog"
done
for f in busy legacy; do
    cmp -s "$T/rsyslog.$f" "$T/sluice.$f" ||
        { diff "$T/rsyslog.$f" "$T/sluice.$f" >&2; fail "$f differs"; }
    ! grep -q MARK "$T/sluice.$f" || fail "$f: a mark written though the action was busy"
done
grep -q MARK "$T/sluice.all" || fail "no mark in the action without the setting"
log "writeAllMarkMessages off: busy $(wc -l < "$T/sluice.busy") lines and no mark in both, quiet $(grep -c MARK "$T/sluice.quiet") mark(s), all $(grep -c MARK "$T/sluice.all")"
log "PASS"
