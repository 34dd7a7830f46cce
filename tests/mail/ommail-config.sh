#!/bin/bash
# ommail-config.sh - configuration errors of ommail: sluiced -N1 fails and names the file
# and line of the action, with a message that says what is wrong.  A good config with every
# sluice-only parameter passes -N1 and prints no secret.
. "${top_srcdir:-.}/tests/integration/lib.sh"
. "$top_srcdir/tests/mail/lib-mail.sh"
setup
mail_require
printf 'x\n' > "$T/ca.pem"

bad()   # bad NAME EXPECTED-TEXT ACTION-PARAMETERS
{
    printf 'module(load="ommail")\n# line 2\naction(type="ommail" %s)\n' "$3" > "$T/$1.conf"
    if dut_check "$T/$1.conf"; then
        fail "$1: -N1 accepted it"
    fi
    grep -q "$T/$1.conf:3: error" "$T/check.err" || fail "$1: no '$1.conf:3: error' in: $(cat "$T/check.err")"
    grep -q -e "$2" "$T/check.err" || fail "$1: no '$2' in: $(cat "$T/check.err")"
}
M='mailfrom="a@example.test"'
bad no-mailto "mailto" "server=\"127.0.0.1\" $M"
bad no-mailfrom "mailfrom" 'server="127.0.0.1" mailto="b@example.test"'
bad port-word 'port "smtp" is not a port number' "port=\"smtp\" $M mailto=\"b@example.test\""
bad port-range 'port "70000" is not a port number' "port=\"70000\" $M mailto=\"b@example.test\""
bad starttls-no-ca 'tls="starttls" verifies the server' "tls=\"starttls\" $M mailto=\"b@example.test\""
bad implicit-no-ca 'tls="implicit" verifies the server' "tls=\"implicit\" $M mailto=\"b@example.test\""
bad tls-word 'tls' "tls=\"yes\" $M mailto=\"b@example.test\""
bad ca-missing "tls.caFile '$T/nope.pem'" "tls=\"starttls\" tls.caFile=\"$T/nope.pem\" $M mailto=\"b@example.test\""
bad two-subjects 'only one of subject.template, subject.text' \
    "subject.template=\"RSYSLOG_FileFormat\" subject.text=\"x\" $M mailto=\"b@example.test\""
bad pwfile-missing "auth.passwordFile '$T/nope'" "auth.user=\"u\" auth.passwordFile=\"$T/nope\" $M mailto=\"b@example.test\""
bad user-no-password 'auth.user needs auth.password' "auth.user=\"u\" $M mailto=\"b@example.test\""
bad password-no-user 'need auth.user' "auth.password=\"Zq-secret-9\" $M mailto=\"b@example.test\""
bad bad-rcpt 'is not a mail address' "$M mailto=[\"b@example.test\", \"x <y@z>\"]"
bad cert-no-key 'tls.certFile and tls.keyFile go together' \
    "tls=\"implicit\" tls.caFile=\"$T/ca.pem\" tls.certFile=\"$T/ca.pem\" $M mailto=\"b@example.test\""
bad digest-zero-max 'digest.maxMessages' "digest.maxMessages=\"0\" $M mailto=\"b@example.test\""
bad key-missing "tls.keyFile '$T/nokey.pem'" \
    "tls=\"implicit\" tls.caFile=\"$T/ca.pem\" tls.certFile=\"$T/ca.pem\" tls.keyFile=\"$T/nokey.pem\" $M mailto=\"b@example.test\""
grep -q 'Zq-secret-9' "$T/check.err" && fail "password printed in an error"

# legacy: $ActionMailTo missing
printf 'module(load="ommail")\n$ActionMailFrom a@example.test\n*.* :ommail:\n' > "$T/legacy.conf"
dut_check "$T/legacy.conf" && fail "legacy without \$ActionMailTo accepted"
grep -q "legacy.conf:3: error" "$T/check.err" || fail "legacy: $(cat "$T/check.err")"

# every parameter, accepted
printf 'Zq-secret-9\n' > "$T/pw"
cat > "$T/good.conf" <<CONF
module(load="ommail")
action(type="ommail" server="mail.example.test" port="587" $M mailto=["b@example.test","c@example.test"]
       subject.text="alert" body.enable="off" template="RSYSLOG_TraditionalFileFormat"
       tls="starttls" tls.caFile="$T/ca.pem" tls.checkName="on" tls.allowUnsignedCerts="off"
       tls.certFile="$T/ca.pem" tls.keyFile="$T/ca.pem" auth.user="alert" auth.passwordFile="$T/pw"
       auth.mechanism="PLAIN" helo="relay.example.test" timeout.connect="5000" timeout.session="20000"
       digest.interval="60" digest.maxMessages="100")
action(type="ommail" server="mail.example.test" port="465" $M mailto="b@example.test"
       tls="implicit" tls.caFile="$T/ca.pem" auth.user="alert" auth.password="Zq-secret-9")
CONF
dut_check "$T/good.conf" || fail "good config refused: $(cat "$T/check.err")"
grep -q 'Zq-secret-9' "$T/check.err" "$T/check.out" && fail "password printed by -N1"
timeout -k 20 20 "$SLUICED" -N1 --dump -f "$T/good.conf" -M "$SLUICE_PLUGIN_DIR" > "$T/dump.out" 2>&1 ||
    fail "-N1 --dump failed: $(cat "$T/dump.out")"
grep -q 'auth.password' "$T/dump.out" || fail "--dump does not show the action's parameters"
grep -q 'Zq-secret-9' "$T/dump.out" && fail "password printed by -N1 --dump"
log "PASS: 17 bad configs named by file:line, full config accepted"
