#!/bin/bash
# tls-relay.sh - end to end over TLS with real peers:
#   rsyslogd (imfile -> omfwd, gtls, x509/name, client certificate)
#     -> daemon under test: imtls (sluice) / imtcp+gtls (rsyslog), x509/name
#     -> omfwd, gtls, x509/name (client certificate)
#     -> rsyslogd (imtcp, gtls, x509/name) -> raw.log
# Checks that N numbered messages arrive once each and in order, prints the rate of the TLS
# path (msg/s), then that a client with a foreign-CA certificate is refused (logged with its
# fingerprint) while a good gnutls-cli client on the same listener still delivers, and that
# a second listener (imtcp + gtls, x509/certvalid) accepts a certificate with another name.
# Certificates are made by tests/tls/mkcerts.sh at test time.  DUT=rsyslog runs the same
# configuration through rsyslogd (imtcp with StreamDriver.Mode=1 instead of imtls).
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/../integration/lib.sh"
setup
require_cmd certtool gnutls-cli
N=${TLS_RELAY_N:-100000}
P=$T/pki
sh "$top_srcdir/tests/tls/mkcerts.sh" "$P" || fail "mkcerts.sh failed"

new_port tls_in
new_port tls_cv
new_port rport

# --- receiver: rsyslogd, imtcp + gtls, requires a client certificate named localhost --------
mkdir -p "$T/rcv"
cat > "$T/rcv/rsyslog.conf" <<EOF
global(workDirectory="$T/rcv" maxMessageSize="64k" DefaultNetstreamDriver="gtls"
  DefaultNetstreamDriverCAFile="$P/ca.pem" DefaultNetstreamDriverCertFile="$P/server.pem"
  DefaultNetstreamDriverKeyFile="$P/server-key.pem")
module(load="imtcp" StreamDriver.Name="gtls" StreamDriver.Mode="1"
  StreamDriver.AuthMode="x509/name" PermittedPeer=["localhost"])
template(name="msgonly" type="string" string="%msg:2:\$%\n")
input(type="imtcp" address="127.0.0.1" port="$rport" ruleset="in")
ruleset(name="in") { action(type="omfile" file="$T/rcv/raw.log" template="msgonly") }
EOF
"$RSYSLOGD" -n -iNONE -f "$T/rcv/rsyslog.conf" < /dev/null > /dev/null 2>> "$T/rcv.err" &
track_pid $!
wait_port tcp "$rport" 15 || fail "rsyslog TLS receiver not listening"

# --- the daemon under test ---------------------------------------------------------------
{
    dut_global
    printf 'global(DefaultNetstreamDriver="gtls" DefaultNetstreamDriverCAFile="%s/ca.pem"\n' "$P"
    printf '  DefaultNetstreamDriverCertFile="%s/peer.pem" DefaultNetstreamDriverKeyFile="%s/peer-key.pem")\n' "$P" "$P"
    if [ "$DUT" = sluice ]; then
        printf 'module(load="imtls")\n'
        printf 'input(type="imtls" address="127.0.0.1" port="%s" StreamDriver.AuthMode="x509/name"\n' "$tls_in"
        printf '  PermittedPeer=["sluice-client", "local*"])\n'
    fi
    printf 'module(load="imtcp")\n'
    if [ "$DUT" = rsyslog ]; then
        printf 'input(type="imtcp" address="127.0.0.1" port="%s" StreamDriver.Name="gtls"\n' "$tls_in"
        printf '  StreamDriver.Mode="1" StreamDriver.AuthMode="x509/name"\n'
        printf '  PermittedPeer=["sluice-client", "local*"])\n'
    fi
    printf 'input(type="imtcp" address="127.0.0.1" port="%s" StreamDriver.Name="gtls"\n' "$tls_cv"
    printf '  StreamDriver.Mode="1" StreamDriver.AuthMode="x509/certvalid")\n'
    printf 'if $msg contains "tls-" then {\n'
    printf '  action(type="omfwd" target="127.0.0.1" port="%s" protocol="tcp"\n' "$rport"
    printf '    tcp_framing="octet-counted" StreamDriver="gtls" StreamDriverMode="1"\n'
    printf '    StreamDriverAuthMode="x509/name" StreamDriverPermittedPeers="localhost"\n'
    printf '    action.resumeRetryCount="-1" action.resumeInterval="1")\n'
    printf '}\n'
} > "$T/dut.conf"
dut_start "$T/dut.conf" tcp "$tls_in" tcp "$tls_cv"

# --- sender: rsyslogd reading a file, forwarding over TLS ----------------------------------
mkdir -p "$T/snd"
awk -v n="$N" 'BEGIN { for (i = 0; i < n; i++) printf "tls-seq %07d payload abcdefghijklmnopqrstuvwxyz0123456789\n", i }' > "$T/in.txt"
cat > "$T/snd/rsyslog.conf" <<EOF
global(workDirectory="$T/snd" DefaultNetstreamDriver="gtls"
  DefaultNetstreamDriverCAFile="$P/ca.pem" DefaultNetstreamDriverCertFile="$P/peer.pem"
  DefaultNetstreamDriverKeyFile="$P/peer-key.pem")
module(load="imfile")
input(type="imfile" file="$T/in.txt" tag="relay" ruleset="fwd")
ruleset(name="fwd" queue.type="linkedList" queue.size="200000") {
  action(type="omfwd" target="127.0.0.1" port="$tls_in" protocol="tcp"
    tcp_framing="octet-counted" StreamDriver="gtls" StreamDriverMode="1"
    StreamDriverAuthMode="x509/name" StreamDriverPermittedPeers="localhost"
    template="RSYSLOG_SyslogProtocol23Format"
    action.resumeRetryCount="-1" action.resumeInterval="1")
}
EOF
start=$(date +%s.%N)
"$RSYSLOGD" -n -iNONE -f "$T/snd/rsyslog.conf" < /dev/null > /dev/null 2>> "$T/snd.err" &
SND=$!
track_pid "$SND"
raw=$T/rcv/raw.log
wait_lines "$raw" "$N" 120 || fail "only $(count_lines "$raw") of $N messages arrived"
end=$(date +%s.%N)
rate=$(awk -v s="$start" -v e="$end" -v n="$N" 'BEGIN { printf "%.0f", n / (e - s) }')
log "$N messages rsyslog -> $DUT -> rsyslog over TLS in $(awk -v s="$start" -v e="$end" 'BEGIN { printf "%.2f", e - s }') s: $rate msg/s"
sleep 0.5
got=$(grep -c '^tls-seq ' "$raw")
[ "$got" -eq "$N" ] || fail "expected $N relayed lines, got $got (duplicates?)"
grep '^tls-seq ' "$raw" | cmp -s - "$T/in.txt" || fail "relayed lines differ from the input (order or content)"
stop_pid "$SND"

# --- a foreign-CA client is refused, a good one on the same listener delivers ----------------
m='<13>1 2024-01-01T00:00:00Z h app - - - tls-foreign must not arrive'
printf '%d %s' ${#m} "$m" | timeout -k 20 10 gnutls-cli --port "$tls_in" --x509cafile "$P/ca.pem" \
    --x509certfile "$P/foreign-client.pem" --x509keyfile "$P/foreign-client-key.pem" \
    127.0.0.1 > "$T/foreign.out" 2>&1
m='<13>1 2024-01-01T00:00:00Z h app - - - tls-good after foreign'
printf '%d %s' ${#m} "$m" | timeout -k 20 10 gnutls-cli --port "$tls_in" --x509cafile "$P/ca.pem" \
    --x509certfile "$P/client.pem" --x509keyfile "$P/client-key.pem" \
    127.0.0.1 > "$T/good.out" 2>&1 || fail "good gnutls-cli client failed: $(tail -3 "$T/good.out")"
m='<13>1 2024-01-01T00:00:00Z h app - - - tls-certvalid wrong name ok'
printf '%d %s' ${#m} "$m" | timeout -k 20 10 gnutls-cli --port "$tls_cv" --x509cafile "$P/ca.pem" \
    --x509certfile "$P/wrongname.pem" --x509keyfile "$P/wrongname-key.pem" \
    127.0.0.1 > "$T/cv.out" 2>&1 || fail "certvalid gnutls-cli client failed: $(tail -3 "$T/cv.out")"
wait_lines "$raw" $((N + 2)) 15 || fail "good clients' messages did not arrive"
sleep 0.5
grep -q 'tls-good after foreign' "$raw" || fail "good client after the foreign one missing"
grep -q 'tls-certvalid wrong name ok' "$raw" || fail "certvalid listener message missing"
grep -q 'tls-foreign must not arrive' "$raw" && fail "foreign-CA client was accepted"
if [ "$DUT" = sluice ]; then
    fp=$(certtool --fingerprint --hash sha256 --infile "$P/foreign-client.pem" 2> /dev/null |
         tr 'a-f' 'A-F' | sed 's/../&:/g; s/:$//')
    grep -q "refused.*SHA256:$fp" "$DUT_ERR" || fail "refusal with fingerprint $fp not logged"
fi
dut_stop
[ "$DUT_STATUS" -eq 0 ] || fail "$DUT exited with status $DUT_STATUS"
log "ok: $N messages relayed over TLS in order ($rate msg/s); foreign CA refused; good clients delivered"
