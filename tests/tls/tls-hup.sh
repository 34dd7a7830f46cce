#!/bin/bash
# tls-hup.sh - certificates are read again on SIGHUP: a TLS listener (imtcp + gtls) presents
# the new server certificate after the files were replaced and sluiced got SIGHUP; a broken
# file at the next SIGHUP is reported and the current certificate stays in use; a client
# still delivers over the reloaded listener.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/../integration/lib.sh"
setup
[ "$DUT" = sluice ] || { log "rsyslog does not re-read certificates on HUP: skipped for DUT=$DUT"; exit 77; }
require_cmd certtool openssl gnutls-cli
P=$T/pki
sh "$top_srcdir/tests/tls/mkcerts.sh" "$P" > /dev/null 2>&1 || fail "mkcerts.sh failed"
cp "$P/server.pem" "$T/cur.pem"
cp "$P/server-key.pem" "$T/cur-key.pem"
new_port port
{
    dut_global
    printf 'global(DefaultNetstreamDriver="gtls" DefaultNetstreamDriverCAFile="%s/ca.pem"\n' "$P"
    printf '  DefaultNetstreamDriverCertFile="%s/cur.pem" DefaultNetstreamDriverKeyFile="%s/cur-key.pem")\n' "$T" "$T"
    printf 'module(load="imtcp" StreamDriver.Name="gtls" StreamDriver.Mode="1" StreamDriver.AuthMode="anon")\n'
    printf 'input(type="imtcp" address="127.0.0.1" port="%s")\n' "$port"
    printf 'template(name="m" type="string" string="%%msg%%\\n")\n'
    printf '*.* action(type="omfile" file="%s/out/tls.log" template="m")\n' "$T"
} > "$T/dut.conf"
dut_start "$T/dut.conf" tcp "$port"

# served_fpr: the SHA256 fingerprint of the certificate the listener presents
served_fpr()
{
    timeout -k 20 10 openssl s_client -connect "127.0.0.1:$port" -servername localhost < /dev/null 2> /dev/null |
        openssl x509 -noout -fingerprint -sha256 2> /dev/null
}
file_fpr() { openssl x509 -noout -fingerprint -sha256 -in "$1"; }

[ "$(served_fpr)" = "$(file_fpr "$P/server.pem")" ] || fail "the listener does not present server.pem at start"
cp "$P/peer.pem" "$T/cur.pem"
cp "$P/peer-key.pem" "$T/cur-key.pem"
kill -HUP "$DUT_PID"
ok=0
for _ in $(seq 50); do
    if [ "$(served_fpr)" = "$(file_fpr "$P/peer.pem")" ]; then ok=1; break; fi
    sleep 0.1
done
[ "$ok" -eq 1 ] || fail "after SIGHUP the listener still presents the old certificate"
log "ok: new certificate served after SIGHUP"

printf 'not a certificate\n' > "$T/cur.pem"
kill -HUP "$DUT_PID"
for _ in $(seq 50); do
    grep -q 'reload at HUP failed' "$T/dut.err" && break
    sleep 0.1
done
grep -q 'reload at HUP failed' "$T/dut.err" || fail "a broken certificate at HUP was not reported"
[ "$(served_fpr)" = "$(file_fpr "$P/peer.pem")" ] || fail "a broken certificate at HUP replaced the working one"
log "ok: a broken certificate at HUP is reported and the current one stays"

m='<14>1 2026-01-01T00:00:00Z host app 77 ID1 - after reload'
printf '%d %s' ${#m} "$m" | timeout -k 20 10 gnutls-cli --port "$port" --x509cafile "$P/ca.pem" \
    --verify-hostname localhost 127.0.0.1 > /dev/null 2>&1 || fail "gnutls-cli could not send after the reload"
wait_lines "$T/out/tls.log" 1 10 || fail "the message sent after the reload did not arrive"
grep -q 'after reload' "$T/out/tls.log" || fail "wrong content after the reload"
dut_stop
[ "$DUT_STATUS" -eq 0 ] || fail "sluiced exited with status $DUT_STATUS"
log "ok: TLS certificates are reloaded on SIGHUP"
