#!/bin/bash
# ommail-diff.sh - rsyslog's ommail (rsyslogd 8.2302) and sluice's on the same config and
# input, against the aiosmtpd sink's plain listener: the same mails byte for byte (the Date
# value aside), the same envelopes.  Covers action() parameters (mailto array, subject.template,
# subject.text, body.enable, template) and the legacy directives ($ActionMailSMTPServer,
# $ActionMailSMTPPort, $ActionMailFrom, $ActionMailTo accumulated and handed over,
# $ActionMailSubject, $ActionMailEnableBody), dot-stuffing of body lines, and
# $RepeatedMsgReduction (rsyslog's ommail supports it: a "repeated" mail).
. "${top_srcdir:-.}/tests/integration/lib.sh"
. "$top_srcdir/tests/mail/lib-mail.sh"
setup
mail_require
[ -x "$RSYSLOGD" ] || fail "$RSYSLOGD not installed"
[ -f /usr/lib/x86_64-linux-gnu/rsyslog/ommail.so ] || fail "rsyslog's ommail.so not installed"

cat > "$T/input" <<'IN'
<10>Dec  6 12:00:00 host1 app[11]: case-a first alert
<9>Dec  6 12:00:01 host1 app[11]: case-b constant subject
<11>Dec  6 12:00:02 host2 other: case-c no body
<12>Dec  6 12:00:03 host2 other: case-d legacy directives
<13>Dec  6 12:00:04 host3 x: case-e legacy, second action, no body
<14>Dec  6 12:00:05 host3 x: case-f dots
<10>Dec  6 12:00:06 host1 app[11]: case-a second "quoted" and 8bit: ümlaut
<9>Dec  6 12:00:07 host1 app[11]: case-b repeated
<9>Dec  6 12:00:07 host1 app[11]: case-b repeated
<9>Dec  6 12:00:07 host1 app[11]: case-b repeated
<9>Dec  6 12:00:08 host1 app[11]: case-b after the repeats
IN
NMAILS=10   # 7 + "case-b repeated" + "message repeated 2 times" + "after the repeats"

run_one()   # run_one DUT: the config through that daemon, mails into $T/DUT
{
    DUT=$1
    sink_start "$1" --plain
    local in
    new_port in
    cat > "$T/$1.conf" <<CONF
$(dut_global)
\$RepeatedMsgReduction on
module(load="imtcp")
module(load="ommail")
input(type="imtcp" address="127.0.0.1" port="$in")
template(name="subj" type="string" string="[%syslogseverity-text%] %hostname% %programname%")
template(name="body" type="string" string="%timereported:::date-rfc3339% %hostname% %syslogtag%%msg%\n")
template(name="dots" type="string" string="first line\r\n.dot after CRLF %msg%\r\n..two dots\n.after a bare LF\n")
if \$msg contains "case-a" then action(type="ommail" server="127.0.0.1" port="$SINK_PLAIN"
    mailfrom="alert@example.test" mailto=["ops@example.test","oncall@example.test","third@example.test"]
    subject.template="subj")
if \$msg contains "case-b" then action(type="ommail" server="127.0.0.1" port="$SINK_PLAIN"
    mailfrom="alert@example.test" mailto="ops@example.test" subject.text="Constant subject" template="body")
if \$msg contains "case-c" then action(type="ommail" server="127.0.0.1" port="$SINK_PLAIN"
    mailfrom="alert@example.test" mailto="ops@example.test" body.enable="off")
if \$msg contains "case-f" then action(type="ommail" server="127.0.0.1" port="$SINK_PLAIN"
    mailfrom="alert@example.test" mailto="ops@example.test" template="dots")
\$ActionMailSMTPServer 127.0.0.1
\$ActionMailSMTPPort $SINK_PLAIN
\$ActionMailFrom legacy@example.test
\$ActionMailTo one@example.test
\$ActionMailTo two@example.test
\$ActionMailSubject subj
:msg, contains, "case-d" :ommail:
\$ActionMailTo three@example.test
\$ActionMailEnableBody off
:msg, contains, "case-e" :ommail:;body
CONF
    dut_check "$T/$1.conf" || fail "$1 -N1: $(cat "$T/check.err")"
    dut_start "$T/$1.conf" tcp "$in"
    send_lines "$in" "$T/input"
    wait_mails "$T/$1" "$NMAILS" 20 || fail "$1: $(mails "$T/$1") of $NMAILS mails"
    sleep 1   # nothing more may come
    [ "$(mails "$T/$1")" -eq "$NMAILS" ] || fail "$1: $(mails "$T/$1") mails, not $NMAILS"
    dut_stop
    [ "$DUT_STATUS" -eq 0 ] || fail "$DUT exited with status $DUT_STATUS"
    stop_pid "$SINK_PID"
    "$PY3" "$top_srcdir/tests/mail/mailnorm.py" "$T/$1" > "$T/$1.norm" ||
        fail "$1: malformed Date header"
}

run_one rsyslog
run_one sluice
if ! diff -u "$T/rsyslog.norm" "$T/sluice.norm" > "$T/diff.out"; then
    cat "$T/diff.out" >&2
    fail "sluice's mails differ from rsyslog's"
fi
grep -q 'X-Mailer: rsyslog-ommail' "$T/sluice.norm" || fail "no mail content compared"
log "PASS: $NMAILS mails identical to rsyslog's ommail"
