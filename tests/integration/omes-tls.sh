#!/bin/bash
# omelasticsearch over HTTPS (usehttps="on") against the HTTP sink speaking TLS with the
# test PKI (tests/tls/mkcerts.sh): tls.cacert verifies the server by name ("localhost")
# and a server URL with the scheme (https://127.0.0.1:PORT, the certificate's IP SAN)
# needs no usehttps; a server the CA does not vouch for gets nothing (failed.httprequests
# counted); allowunsignedcerts="on" with skipverifyhost="on" sends to it anyway.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=tests/integration/lib-http.sh
. "$(dirname "$0")/lib-http.sh"
setup
[ "$DUT" = sluice ] || { log "runs against sluiced only: skipped for DUT=$DUT"; exit 77; }
require_plugin omelasticsearch
require_cmd python3
require_cmd certtool

sh "$top_srcdir/tests/tls/mkcerts.sh" "$T/pki" || fail "mkcerts.sh failed (see $T/pki/certtool.log)"
new_port TCP
new_port HTTPS
new_port FOREIGN
sink_start good "$HTTPS" --es --cert "$T/pki/server.pem" --key "$T/pki/server-key.pem"
sink_start foreign "$FOREIGN" --es --cert "$T/pki/foreign-server.pem" \
    --key "$T/pki/foreign-server-key.pem"

{
    omhttp_global "$TCP" omelasticsearch
    printf 'template(name="doc" type="string" string="{\\"msg\\":\\"%%msg:::json%%\\"}")\n'
    a='type="omelasticsearch" template="doc" bulkmode="on"'
    printf 'action(%s server="localhost" serverport="%s" usehttps="on" searchIndex="name" tls.cacert="%s")\n' "$a" "$HTTPS" "$T/pki/ca.pem"
    printf 'action(%s server="https://127.0.0.1:%s/ip" searchIndex="ip" tls.cacert="%s")\n' "$a" "$HTTPS" "$T/pki/ca.pem"
    printf 'action(%s server="localhost:%s/bad" usehttps="on" tls.cacert="%s" action.resumeRetryCount="0")\n' "$a" "$FOREIGN" "$T/pki/ca.pem"
    printf 'action(%s server="127.0.0.1:%s/insecure" usehttps="on" allowunsignedcerts="on" skipverifyhost="on")\n' "$a" "$FOREIGN"
} > "$T/sluice.conf"
dut_start "$T/sluice.conf" tcp "$TCP"

printf '%s\n' '<13>Dec  6 10:00:00 h app: over tls' > "/dev/tcp/127.0.0.1/$TCP" || fail "cannot send"
wait_requests good /_bulk 1 || fail "no request verified by name"
wait_requests good /ip/_bulk 1 || fail "no request verified by address"
wait_requests foreign /insecure/_bulk 1 || fail "allowunsignedcerts: no request"
sleep 1
stats_dump
want=$(printf '%s\n%s' '{"index":{"_index": "name","_type":"events"}}' '{"msg":" over tls"}')
[ "$(sink_records good /_bulk)" = "$want" ] || fail "body $(sink_records good /_bulk)"
[ "$(sink_count foreign /bad/_bulk)" = 0 ] || fail "a server with a foreign certificate got the message"
[ "$(stat_val omelasticsearch failed.httprequests)" -ge 1 ] ||
    fail "the refused handshake was not counted"
grep -q 'omelasticsearch: we are suspending ourselfs due to server failure' "$T/dut.err" ||
    fail "the TLS failure was not reported"
dut_stop
log "ok"
