#!/bin/bash
# tls-config-errors.sh - TLS credentials are checked when the configuration is loaded:
# `sluiced -N1` fails, naming the file, for a missing key file, a key that does not match
# the certificate and an expired server certificate (listener and forwarder), and passes
# for the good files.  Then the legacy directives ($DefaultNetstreamDriver*,
# $InputTCPServerStreamDriverMode/AuthMode/PermittedPeer, $ActionSendStreamDriver*) set up a
# working TLS listener and forwarder: gnutls-cli -> sluiced -> openssl s_server.
# sluice only (rsyslogd -N1 does not load certificates): skipped with DUT=rsyslog.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/../integration/lib.sh"
[ "$DUT" = sluice ] || { echo "tls-config-errors: sluice only, skipped"; exit 77; }
setup
require_cmd certtool gnutls-cli openssl
P=$T/pki
sh "$top_srcdir/tests/tls/mkcerts.sh" "$P" || fail "mkcerts.sh failed"
new_port port
new_port fport

# listener_conf CONF CERT KEY
listener_conf()
{
    {
        dut_global
        printf 'global(DefaultNetstreamDriver="gtls" DefaultNetstreamDriverCAFile="%s/ca.pem"\n' "$P"
        printf '  DefaultNetstreamDriverCertFile="%s" DefaultNetstreamDriverKeyFile="%s")\n' "$2" "$3"
        printf 'module(load="imtcp")\n'
        printf 'input(type="imtcp" address="127.0.0.1" port="%s" StreamDriver.Mode="1"\n' "$port"
        printf '  StreamDriver.AuthMode="x509/certvalid")\n'
        printf 'action(type="omfile" file="%s/out/messages.log")\n' "$T"
    } > "$1"
}

# forwarder_conf CONF CERT KEY
forwarder_conf()
{
    {
        dut_global
        printf 'action(type="omfwd" target="127.0.0.1" port="%s" protocol="tcp" StreamDriver="gtls"\n' "$fport"
        printf '  StreamDriverMode="1" StreamDriverAuthMode="x509/name"\n'
        printf '  StreamDriver.CAFile="%s/ca.pem" StreamDriver.CertFile="%s" StreamDriver.KeyFile="%s")\n' "$P" "$2" "$3"
    } > "$1"
}

# expect_bad KIND CERT KEY WORD: -N1 must fail and name WORD in its messages.
expect_bad()
{
    "$1"_conf "$T/bad.conf" "$2" "$3"
    if dut_check "$T/bad.conf"; then
        fail "$1 with $2 / $3: sluiced -N1 accepted it"
    fi
    grep -q -- "$4" "$T/check.err" || fail "$1: '$4' not named: $(tail -3 "$T/check.err")"
}

for kind in listener forwarder; do
    ${kind}_conf "$T/good.conf" "$P/peer.pem" "$P/peer-key.pem"
    dut_check "$T/good.conf" || fail "$kind: good certificate refused: $(tail -3 "$T/check.err")"
    expect_bad "$kind" "$P/peer.pem" "$P/missing-key.pem" "missing-key.pem"
    expect_bad "$kind" "$P/peer.pem" "$P/client-key.pem" "client-key.pem"
    expect_bad "$kind" "$P/expired.pem" "$P/expired-key.pem" "expired.pem"
done
chmod 000 "$P/server-key.pem"
if [ "$(id -u)" -ne 0 ]; then
    expect_bad listener "$P/server.pem" "$P/server-key.pem" "server-key.pem"
fi
chmod 600 "$P/server-key.pem"
log "ok: bad credentials fail the config check naming the file"

# --- legacy directives: a TLS listener and forwarder -----------------------------------------
mkfifo "$T/in.fifo"
timeout -k 20 60 openssl s_server -accept "127.0.0.1:$fport" -cert "$P/server.pem" \
    -key "$P/server-key.pem" -CAfile "$P/ca.pem" -Verify 1 -verify_return_error -quiet \
    < "$T/in.fifo" > "$T/out/s_server.txt" 2> "$T/s_server.err" &
track_pid $!
exec 9<> "$T/in.fifo"
wait_port tcp "$fport" 10 || fail "openssl s_server not listening"
{
    dut_global
    printf '$DefaultNetstreamDriver gtls\n'
    printf '$DefaultNetstreamDriverCAFile %s/ca.pem\n' "$P"
    printf '$DefaultNetstreamDriverCertFile %s/peer.pem\n' "$P"
    printf '$DefaultNetstreamDriverKeyFile %s/peer-key.pem\n' "$P"
    printf '$ModLoad imtcp\n'
    printf '$InputTCPServerStreamDriverMode 1\n'
    printf '$InputTCPServerStreamDriverAuthMode x509/name\n'
    printf '$InputTCPServerStreamDriverPermittedPeer sluice-client\n'
    printf '$InputTCPServerRun %s\n' "$port"
    printf '$ActionSendStreamDriverMode 1\n'
    printf '$ActionSendStreamDriverAuthMode x509/name\n'
    printf '$ActionSendStreamDriverPermittedPeer localhost\n'
    printf '*.* @@127.0.0.1:%s\n' "$fport"
} > "$T/legacy.conf"
dut_start "$T/legacy.conf" tcp "$port"
m='<13>1 2024-01-01T00:00:00Z h app - - - legacy-tls hello'
printf '%d %s' ${#m} "$m" | timeout -k 20 10 gnutls-cli --port "$port" --x509cafile "$P/ca.pem" \
    --x509certfile "$P/client.pem" --x509keyfile "$P/client-key.pem" \
    127.0.0.1 > "$T/cli.out" 2>&1 || fail "gnutls-cli failed: $(tail -3 "$T/cli.out")"
for i in $(seq 100); do
    grep -q 'legacy-tls hello' "$T/out/s_server.txt" && break
    sleep 0.1
done
grep -q 'legacy-tls hello' "$T/out/s_server.txt" || fail "message did not reach s_server"
dut_stop
exec 9>&-
[ "$DUT_STATUS" -eq 0 ] || fail "$DUT exited with status $DUT_STATUS"
log "ok: legacy TLS directives: gnutls-cli -> sluiced -> openssl s_server"
