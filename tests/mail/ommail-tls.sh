#!/bin/bash
# ommail-tls.sh - transports and authentication against the aiosmtpd sink (real TLS with
# a throwaway PKI): plain, STARTTLS and implicit TLS deliver; AUTH PLAIN and LOGIN (password
# and password file) succeed; a wrong password fails once (535: logged, counted, errorFile,
# no mail, not retried); TLS refusals send nothing: unknown CA, wrong server name, a
# listener that does not offer STARTTLS (nothing may go in clear); the opt-outs work
# (tls.checkName="off", tls.allowUnsignedCerts="on"), and a client certificate is presented.
# Secrets never appear in sluiced's output.
. "${top_srcdir:-.}/tests/integration/lib.sh"
. "$top_srcdir/tests/mail/lib-mail.sh"
setup
mail_require
mail_pki

sink_start good --plain --starttls --smtps --cert "$P/server.pem" --key "$P/server-key.pem" \
    --auth sluice:s3cret-Pw
GP=$SINK_PLAIN GS=$SINK_STARTTLS GI=$SINK_SMTPS
sink_start foreign --smtps --cert "$P/foreign-server.pem" --key "$P/foreign-server-key.pem"
FI=$SINK_SMTPS
sink_start wrongname --smtps --cert "$P/wrongname.pem" --key "$P/wrongname-key.pem"
WI=$SINK_SMTPS
sink_start nostarttls --plain
NP=$SINK_PLAIN
sink_start clientcert --smtps --cert "$P/server.pem" --key "$P/server-key.pem" \
    --require-client-cert "$P/ca.pem"
CI=$SINK_SMTPS
printf 's3cret-Pw\n' > "$T/pw"
chmod 600 "$T/pw"

new_port in
A='server="127.0.0.1" mailfrom="alert@example.test" queue.type="LinkedList" action.resumeInterval="1"'
CA="tls.caFile=\"$P/ca.pem\""
cat > "$T/sluice.conf" <<CONF
$(dut_global)
module(load="imtcp")
module(load="ommail")
input(type="imtcp" address="127.0.0.1" port="$in")
if \$msg contains "t-plain" then action(type="ommail" $A port="$GP" mailto="plain@example.test")
if \$msg contains "t-starttls" then action(type="ommail" $A port="$GS" mailto="starttls@example.test" tls="starttls" $CA)
if \$msg contains "t-implicit" then action(type="ommail" $A port="$GI" mailto="implicit@example.test" tls="implicit" $CA)
if \$msg contains "t-authplain" then action(type="ommail" $A port="$GS" mailto="authplain@example.test" tls="starttls" $CA
    auth.user="sluice" auth.password="s3cret-Pw" auth.mechanism="PLAIN")
if \$msg contains "t-authlogin" then action(type="ommail" $A port="$GI" mailto="authlogin@example.test" tls="implicit" $CA
    auth.user="sluice" auth.passwordFile="$T/pw" auth.mechanism="LOGIN")
if \$msg contains "t-authbad" then action(type="ommail" $A port="$GS" mailto="authbad@example.test" tls="starttls" $CA
    auth.user="sluice" auth.password="Wr0ng-Pw" action.errorFile="$T/authbad.json")
if \$msg contains "t-unknownca" then action(type="ommail" $A port="$FI" mailto="unknownca@example.test" tls="implicit" $CA)
if \$msg contains "t-unsigned" then action(type="ommail" $A port="$FI" mailto="unsigned@example.test" tls="implicit" tls.allowUnsignedCerts="on")
if \$msg contains "t-wrongname" then action(type="ommail" $A port="$WI" mailto="wrongname@example.test" tls="implicit" $CA)
if \$msg contains "t-nocheckname" then action(type="ommail" $A port="$WI" mailto="nocheckname@example.test" tls="implicit" $CA tls.checkName="off")
if \$msg contains "t-nostarttls" then action(type="ommail" $A port="$NP" mailto="nostarttls@example.test" tls="starttls" $CA)
if \$msg contains "t-clientcert" then action(type="ommail" $A port="$CI" mailto="clientcert@example.test" tls="implicit" $CA
    tls.certFile="$P/client.pem" tls.keyFile="$P/client-key.pem" helo="sluice-test.example")
if \$msg contains "t-nocert" then action(type="ommail" $A port="$CI" mailto="nocert@example.test" tls="implicit" $CA)
CONF
dut_check "$T/sluice.conf" || fail "-N1: $(cat "$T/check.err")"
dut_start "$T/sluice.conf" tcp "$in"
for c in plain starttls implicit authplain authlogin authbad unknownca unsigned wrongname \
         nocheckname nostarttls clientcert nocert; do
    printf '<10>Dec  6 12:00:00 host1 app: t-%s\n' "$c"
done > "$T/input"
send_lines "$in" "$T/input"

# good: 5 (plain starttls implicit authplain authlogin), foreign: 1 (unsigned),
# wrongname: 1 (nocheckname), clientcert: 1
wait_mails "$T/good" 5 20 || fail "good sink: $(mails "$T/good") of 5 mails"
wait_mails "$T/foreign" 1 20 || fail "tls.allowUnsignedCerts: no mail"
wait_mails "$T/wrongname" 1 20 || fail "tls.checkName=off: no mail"
wait_mails "$T/clientcert" 1 20 || fail "client certificate: no mail"
# the refused ones have had 4+ s of retries (resumeInterval 1 s)
sleep 4
stats_dump

check()   # check SINKDIR RCPT FIELD VALUE
{
    local seq
    seq=$("$PY3" -c 'import json,sys
for l in open(sys.argv[1] + "/index.jsonl"):
    r = json.loads(l)
    if r["rcpt_tos"] == [sys.argv[2]]: print(r["seq"])' "$1" "$2")
    [ -n "$seq" ] || fail "no mail for $2 in $1"
    [ "$(echo "$seq" | wc -l)" -eq 1 ] || fail "$2: more than one mail"
    [ "$(jfield "$1" "$seq" "$3")" = "$4" ] || fail "$2: $3 is $(jfield "$1" "$seq" "$3"), not $4"
}
check "$T/good" plain@example.test listener '"plain"'
check "$T/good" plain@example.test tls false
check "$T/good" starttls@example.test listener '"starttls"'
check "$T/good" starttls@example.test tls true
check "$T/good" implicit@example.test listener '"smtps"'
check "$T/good" implicit@example.test tls true
check "$T/good" authplain@example.test auth_user '"sluice"'
check "$T/good" authlogin@example.test auth_user '"sluice"'
check "$T/foreign" unsigned@example.test tls true
check "$T/wrongname" nocheckname@example.test tls true
check "$T/clientcert" clientcert@example.test client_cert_cn '"sluice-client"'
check "$T/clientcert" clientcert@example.test helo '"sluice-test.example"'
[ "$(mails "$T/good")" -eq 5 ] || fail "good sink: $(mails "$T/good") mails, not 5 (wrong password delivered?)"
[ "$(mails "$T/foreign")" -eq 1 ] || fail "unknown CA: mail delivered"
[ "$(mails "$T/wrongname")" -eq 1 ] || fail "wrong server name: mail delivered"
[ "$(mails "$T/nostarttls")" -eq 0 ] || fail "STARTTLS not offered: mail sent in clear"
[ "$(mails "$T/clientcert")" -eq 1 ] || fail "no client certificate: mail delivered"

# wrong password: one 5xx, logged with the server's reply, errorFile record, not retried
[ "$(stat_val "ommail(127.0.0.1:$GS)" failed.5xx)" = 1 ] ||
    fail "failed.5xx for $GS is '$(stat_val "ommail(127.0.0.1:$GS)" failed.5xx)', not 1"
grep -q '535 5.7.8 Authentication credentials invalid' "$DUT_ERR" || fail "535 reply not logged"
[ "$(count_lines "$T/authbad.json")" -eq 1 ] || fail "errorFile has $(count_lines "$T/authbad.json") records, not 1"
grep -q '"status": -2218' "$T/authbad.json" || fail "errorFile record: $(cat "$T/authbad.json")"
# TLS refusals: counted, logged, retried (the server may be fixed), nothing sent
for p in "$FI" "$WI" "$NP"; do
    v=$(stat_val "ommail(127.0.0.1:$p)" failed.tls)
    [ -n "$v" ] && [ "$v" -ge 1 ] || fail "failed.tls for port $p is '$v'"
done
[ "$(grep -c 'TLS refused' "$DUT_ERR")" -ge 3 ] || fail "TLS refusals not logged"
grep -q 'mails.sent=5 ' "$T/stats" || true
# no secret in any output
if grep -q -e 's3cret-Pw' -e 'Wr0ng-Pw' "$DUT_ERR" "$T/dut.out" "$T/check.err" "$T/check.out"; then
    fail "a password appears in sluiced's output"
fi
dut_stop
[ "$DUT_STATUS" -eq 0 ] || fail "$DUT exited with status $DUT_STATUS"
log "PASS: 3 transports, AUTH PLAIN/LOGIN, wrong password, 3 TLS refusals, 2 opt-outs, client cert"
