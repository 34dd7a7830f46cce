#!/bin/bash
# omhttp over HTTPS (usehttps="on", the default) against the Python sink speaking TLS with
# a test PKI (tests/tls/mkcerts.sh): tls.cacert verifies the server by name ("localhost")
# and by address (https://127.0.0.1:PORT, the certificate's IP SAN); a server the CA does
# not vouch for gets nothing (counted as request.fail); allowunsignedcerts="on" with
# skipverifyhost="on" sends to it anyway.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=tests/integration/lib-http.sh
. "$(dirname "$0")/lib-http.sh"
omhttp_setup
require_cmd certtool

sh "$top_srcdir/tests/tls/mkcerts.sh" "$T/pki" || fail "mkcerts.sh failed (see $T/pki/certtool.log)"
new_port TCP
new_port HTTPS
new_port FOREIGN
sink_start good "$HTTPS" --cert "$T/pki/server.pem" --key "$T/pki/server-key.pem"
sink_start foreign "$FOREIGN" --cert "$T/pki/foreign-server.pem" --key "$T/pki/foreign-server-key.pem"

{
    omhttp_global "$TCP"
    printf 'template(name="plain" type="string" string="%%msg%%")\n'
    printf 'action(type="omhttp" server="localhost" serverport="%s" restpath="name" template="plain" tls.cacert="%s")\n' "$HTTPS" "$T/pki/ca.pem"
    printf 'action(type="omhttp" server="https://127.0.0.1:%s" restpath="ip" template="plain" tls.cacert="%s")\n' "$HTTPS" "$T/pki/ca.pem"
    printf 'action(type="omhttp" server="localhost" serverport="%s" restpath="bad" template="plain" tls.cacert="%s" statsname="bad" action.resumeRetryCount="0")\n' "$FOREIGN" "$T/pki/ca.pem"
    printf 'action(type="omhttp" server="127.0.0.1" serverport="%s" restpath="insecure" template="plain" allowunsignedcerts="on" skipverifyhost="on")\n' "$FOREIGN"
} > "$T/sluice.conf"
dut_start "$T/sluice.conf" tcp "$TCP"

printf '%s\n' '<13>Dec  6 10:00:00 h app: over tls' > "/dev/tcp/127.0.0.1/$TCP" || fail "cannot send"
wait_requests good /name 1 || fail "no request verified by name"
wait_requests good /ip 1 || fail "no request verified by address"
wait_requests foreign /insecure 1 || fail "allowunsignedcerts: no request"
sleep 1
stats_dump
[ "$(sink_records good /name)" = " over tls" ] || fail "body $(sink_records good /name)"
[ "$(sink_count foreign /bad)" = 0 ] || fail "a server with a foreign certificate got the message"
[ "$(stat_val bad request.fail)" -ge 1 ] || fail "the refused handshake was not counted"
grep -q 'omhttp: suspending ourselves due to server failure' "$T/dut.err" ||
    fail "the TLS failure was not reported"
dut_stop
log "ok"
