#!/bin/bash
# ommail-example.sh - conf.d/ommail-alerts.conf, the documented example: -N1 accepts it
# as shipped, and with only the server, port, CA file, paths and the digest interval
# changed (sed) it mails the critical messages of a mix, as one STARTTLS digest, to the sink.
. "${top_srcdir:-.}/tests/integration/lib.sh"
. "$top_srcdir/tests/mail/lib-mail.sh"
setup
mail_require
EX=$top_srcdir/conf.d/ommail-alerts.conf
[ -f /etc/ssl/certs/ca-certificates.crt ] || fail "ca-certificates not installed"
dut_check "$EX" || fail "-N1 refuses the example: $(cat "$T/check.err")"

mail_pki
sink_start sink --starttls --cert "$P/server.pem" --key "$P/server-key.pem"
new_port in
{
    dut_global
    printf 'module(load="imtcp")\ninput(type="imtcp" address="127.0.0.1" port="%s")\n' "$in"
    sed -e "s|server=\"mail.example.org\" port=\"587\"|server=\"localhost\" port=\"$SINK_STARTTLS\"|" \
        -e "s|/etc/ssl/certs/ca-certificates.crt|$P/ca.pem|" \
        -e "s|digest.interval=\"60\"|digest.interval=\"2\"|" \
        -e "s|/var/log/sluice-alert-mail.errors|$T/errors|" \
        -e "s|# queue.filename=|queue.filename=|" "$EX"
} > "$T/sluice.conf"
grep -q "port=\"$SINK_STARTTLS\"" "$T/sluice.conf" && grep -q 'digest.interval="2"' "$T/sluice.conf" &&
    grep -q '^ *queue.filename=' "$T/sluice.conf" ||
    fail "the example's text changed: update this test's sed"
dut_start "$T/sluice.conf" tcp "$in"
for pri in 0 1 2 3 4 6 10 11 13; do   # kern.emerg/alert/crit/err/warning/info, user.crit/err/notice
    printf '<%d>Dec  6 12:00:00 host%d app: pri-%d\n' "$pri" "$pri" "$pri"
done > "$T/input"
send_lines "$in" "$T/input"
wait_mails "$T/sink" 1 15 || fail "no digest mail"
sleep 2.5
[ "$(mails "$T/sink")" -eq 1 ] || fail "$(mails "$T/sink") mails, not one digest"
read -r _ n k < <("$PY3" "$top_srcdir/tests/mail/digestcount.py" "$T/sink") || fail "malformed digest"
[ "$n" -eq 4 ] && [ "$k" -eq 0 ] || fail "digest has $n messages, $k suppressed; expected 4, 0"
for pri in 0 1 2 10; do grep -q "pri-$pri"$'\r' "$T/sink/000001.eml" || fail "pri $pri not mailed"; done
for pri in 3 4 6 11 13; do grep -q "pri-$pri"$'\r' "$T/sink/000001.eml" && fail "pri $pri mailed"; done
grep -q '^Subject: \[emerg\] host0 app: *pri-0'$'\r' "$T/sink/000001.eml" || fail "subject: $(grep Subject "$T/sink/000001.eml")"
[ "$(jfield "$T/sink" 1 tls)" = true ] || fail "not over TLS"
[ "$(jfield "$T/sink" 1 rcpt_tos)" = '["operator@example.org"]' ] || fail "wrong recipient"
dut_stop
[ "$DUT_STATUS" -eq 0 ] || fail "$DUT exited with status $DUT_STATUS"
log "PASS: example accepted; severities 0-2 of 9 messages in one STARTTLS digest"
