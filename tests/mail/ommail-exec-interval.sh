#!/bin/bash
# ommail-exec-interval.sh - rsyslog's own storm control with ommail:
# action.execOnlyOnceEveryInterval="3" mails the first message of a burst and drops the
# rest until 3 s have passed.  rsyslogd 8.2302 and sluiced on the same config and input:
# two bursts of 20 alerts 4 s apart give the same 2 mails (Date aside) from both.
. "${top_srcdir:-.}/tests/integration/lib.sh"
. "$top_srcdir/tests/mail/lib-mail.sh"
setup
mail_require
[ -x "$RSYSLOGD" ] || fail "$RSYSLOGD not installed"
for i in $(seq 20); do printf '<10>Dec  6 12:00:00 host1 app: burst-one %d\n' "$i"; done > "$T/in1"
for i in $(seq 20); do printf '<10>Dec  6 12:00:04 host1 app: burst-two %d\n' "$i"; done > "$T/in2"

run_one()
{
    DUT=$1
    sink_start "$1" --plain
    local in
    new_port in
    cat > "$T/$1.conf" <<CONF
$(dut_global)
module(load="imtcp")
module(load="ommail")
input(type="imtcp" address="127.0.0.1" port="$in")
template(name="subj" type="string" string="%msg%")
action(type="ommail" server="127.0.0.1" port="$SINK_PLAIN" mailfrom="alert@example.test"
       mailto="ops@example.test" subject.template="subj" action.execOnlyOnceEveryInterval="3")
CONF
    dut_start "$T/$1.conf" tcp "$in"
    send_lines "$in" "$T/in1"
    wait_mails "$T/$1" 1 10 || fail "$1: no mail for the first burst"
    sleep 4
    send_lines "$in" "$T/in2"
    wait_mails "$T/$1" 2 10 || fail "$1: no mail for the second burst"
    sleep 1.5
    [ "$(mails "$T/$1")" -eq 2 ] || fail "$1: $(mails "$T/$1") mails, not 2"
    dut_stop
    [ "$DUT_STATUS" -eq 0 ] || fail "$1 exited with status $DUT_STATUS"
    stop_pid "$SINK_PID"
    "$PY3" "$top_srcdir/tests/mail/mailnorm.py" "$T/$1" > "$T/$1.norm" || fail "$1: malformed mail"
}
run_one rsyslog
run_one sluice
diff -u "$T/rsyslog.norm" "$T/sluice.norm" >&2 || fail "sluice's mails differ from rsyslog's"
grep -q 'Subject:  *burst-one 1\\r' "$T/sluice.norm" && grep -q 'Subject:  *burst-two 1\\r' "$T/sluice.norm" ||
    fail "not the first message of each burst: $(cat "$T/sluice.norm")"
log "PASS: 40 alerts in 2 bursts, 2 mails, as rsyslogd"
