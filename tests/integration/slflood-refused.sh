#!/bin/bash
# slflood must not report success for messages a receiver refused (issue 19): a connection
# refused at maxSessions (reset), a connection accepted and closed at once without reading
# (the kernel takes the writes: 2,000 "sent", 0 delivered), and a TLS 1.3 client
# certificate refused after the client's handshake (x509/name, wrong name) each make it
# exit 1 and say why; a normal run still exits 0.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"
setup
[ "$DUT" = sluice ] || { log "tests slflood against sluiced: skipped for DUT=$DUT"; exit 77; }
require_cmd python3
new_port tcp
new_port tls
new_port dumb
mkdir -p "$T/pki"
sh "$top_srcdir/tests/tls/mkcerts.sh" "$T/pki" > /dev/null 2>&1 || fail "mkcerts.sh failed"
P=$T/pki
{
    dut_global
    printf 'module(load="imtcp" maxSessions="1" session.evictAfter="0")\nmodule(load="imtls")\n'
    printf 'input(type="imtcp" address="127.0.0.1" port="%s")\n' "$tcp"
    printf 'input(type="imtls" address="127.0.0.1" port="%s" streamDriver.authMode="x509/name"\n' "$tls"
    printf '      permittedPeer="sluice-client" streamDriver.CAFile="%s/ca.pem"\n' "$P"
    printf '      streamDriver.CertFile="%s/server.pem" streamDriver.KeyFile="%s/server-key.pem")\n' "$P" "$P"
    printf 'action(type="omfile" file="%s/out/all.log")\n' "$T"
} > "$T/dut.conf"
dut_start "$T/dut.conf" tcp "$tcp" tcp "$tls"

# 1. normal runs: exit 0
flood -p "$tcp" -t tcp -n 2000 -c 1 || fail "a normal TCP run failed: $(tail -n 2 "$T/slflood.err")"
flood -p "$tls" -t tls -n 500 -A "$P/ca.pem" -C "$P/client.pem" -K "$P/client-key.pem" \
    || fail "a normal TLS run failed: $(tail -n 2 "$T/slflood.err")"

# 2. refused at maxSessions (the one slot is held by an idle connection)
exec {hold}<> "/dev/tcp/127.0.0.1/$tcp"
sleep 0.5
rc=0
flood -p "$tcp" -t tcp -n 2000 -c 1 -W 5 || rc=$?
[ "$rc" -eq 1 ] || fail "refused at maxSessions: slflood exit $rc"
exec {hold}>&-
tail -n 2 "$T/slflood.err" | grep -q "reset\|closed by the receiver\|Connection reset" || fail "no reason given: $(tail -n 2 "$T/slflood.err")"

# 3. accepted and closed at once, never read
python3 -c '
import socket, sys, time
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", int(sys.argv[1]))); s.listen(5)
end = time.time() + 20
s.settimeout(1)
while time.time() < end:
    try:
        c, _ = s.accept()
    except socket.timeout:
        continue
    c.close()
' "$dumb" &
track_pid $!
wait_port tcp "$dumb" 10 || fail "the closing server does not listen"
rc=0
flood -p "$dumb" -t tcp -n 2000 -c 1 -W 5 || rc=$?
[ "$rc" -eq 1 ] || fail "accepted and closed: slflood exit $rc: $(tail -n 2 "$T/slflood.err")"

# 4. TLS 1.3: the client certificate (wrong name) is refused after the client's handshake
rc=0
flood -p "$tls" -t tls -n 500 -W 5 -A "$P/ca.pem" -C "$P/wrongname.pem" -K "$P/wrongname-key.pem" || rc=$?
[ "$rc" -eq 1 ] || fail "refused TLS client certificate: slflood exit $rc"
tail -n 3 "$T/slflood.err" | grep -qi "alert\|TLS\|reset\|closed" || fail "no reason: $(tail -n 3 "$T/slflood.err")"
dut_stop
[ "$(grep -c 'seq=' "$T/out/all.log")" -eq 2500 ] || fail "expected only the 2,500 good messages"
log "ok: refusals make slflood exit 1 (reset, accept+close, TLS alert); normal runs exit 0"
