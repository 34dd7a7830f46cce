#!/bin/bash
# metrics-drops.sh - the two drop reasons loss-books.sh cannot induce in its flood, scraped
# from imhttp's /metrics (issue 17: "drops are counted by reason everywhere"):
#   kernel receive-buffer overflow: sluiced is stopped (SIGSTOP) while NK datagrams are
#     sent to an imudp input with a small rcvbufSize, so the kernel drops most of them;
#     after SIGCONT one more datagram carries the socket's drop count (SO_RXQ_OVFL).  The
#     imudp set's kernel.dropped > 0 and received + kernel.dropped = NK + 1 exactly.
#   oversize datagram: one of 1.5k to the same input (maxMessageSize 1k): truncated = 1
#     and the line written is cut (loss-books.sh covers the stream inputs' oversize).
#   TLS refusal: an imtcp input with gtls, x509/name and PermittedPeer "sluice-client";
#     a client with a certificate of the trusted CA but another name (wrong.invalid) is
#     refused (tls.peer.refused = 1) and nothing of it is written; a client with the
#     permitted certificate delivers its line (tls.sessions.ok = 1).
# Both are outside loss-books' equation: neither reaches "received".  sluice-only (the
# endpoint and these counters are sluice's).  Certificates: tests/tls/mkcerts.sh.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"
setup
[ "$DUT" = sluice ] || { log "reads sluiced's /metrics: skipped for DUT=$DUT"; exit 77; }
require_plugin imudp imtcp imhttp
require_cmd curl certtool gnutls-cli python3
NK=2000
P=$T/pki
sh "$top_srcdir/tests/tls/mkcerts.sh" "$P" || fail "mkcerts.sh failed"
new_port U
new_port S
new_port HP
{
    dut_global
    printf 'global(maxMessageSize="1k")\n'
    printf 'global(DefaultNetstreamDriver="gtls" DefaultNetstreamDriverCAFile="%s/ca.pem"\n' "$P"
    printf '  DefaultNetstreamDriverCertFile="%s/server.pem" DefaultNetstreamDriverKeyFile="%s/server-key.pem")\n' "$P" "$P"
    printf 'module(load="imhttp" ports="127.0.0.1:%s")\n' "$HP"
    printf 'module(load="imudp")\n'
    printf 'input(type="imudp" address="127.0.0.1" port="%s" rcvbufSize="4k" ruleset="udp")\n' "$U"
    printf 'module(load="imtcp" StreamDriver.Name="gtls" StreamDriver.Mode="1"\n'
    printf '  StreamDriver.AuthMode="x509/name" PermittedPeer=["sluice-client"])\n'
    printf 'input(type="imtcp" address="127.0.0.1" port="%s" ruleset="tls")\n' "$S"
    printf 'ruleset(name="udp") { action(type="omfile" file="%s/udp.log") }\n' "$T"
    printf 'ruleset(name="tls") { action(type="omfile" file="%s/tls.log") }\n' "$T"
} > "$T/dut.conf"
dut_check "$T/dut.conf" || fail "-N1 rejects the config: $(cat "$T/check.err")"
dut_start "$T/dut.conf" udp "$U" tcp "$S" tcp "$HP"

# metric OBJECT COUNTER: the value /metrics gives (the HELP line names the set and counter)
metric()
{
    curl -s -m 10 "http://127.0.0.1:$HP/metrics" > "$T/metrics" || fail "curl /metrics failed"
    awk -v want="object=\"$1\", counter=\"$2\"" '
        /^# HELP / && index($0, want) { name = $3 }
        name != "" && $1 == name { print $2; found = 1; exit }
        END { if (!found) print "none" }' "$T/metrics"
}

# --- kernel receive-buffer overflow ---------------------------------------------------------
kill -STOP "$DUT_PID"
flood -p "$U" -t udp -n "$NK" || { kill -CONT "$DUT_PID"; fail "slflood udp failed"; }
kill -CONT "$DUT_PID"
wait_stable "$T/udp.log" 1 10 > /dev/null 2>&1 || true
printf '<13>Dec  7 01:00:00 h k: after the overflow\n' > "/dev/udp/127.0.0.1/$U"
wait_lines "$T/udp.log" 1 10 || fail "imudp wrote nothing"
for i in $(seq 50); do
    grep -q 'after the overflow' "$T/udp.log" && break
    sleep 0.1
done
grep -q 'after the overflow' "$T/udp.log" || fail "the datagram after the overflow was not written"
kd=$(metric "imudp(127.0.0.1:$U)" kernel.dropped)
rx=$(metric "imudp(127.0.0.1:$U)" received)
log "udp: sent $((NK + 1)), received=$rx kernel.dropped=$kd"
case "$kd$rx" in *none*) fail "no imudp kernel.dropped / received in /metrics" ;; esac
[ "$kd" -gt 0 ] || fail "kernel.dropped is 0 after an overflow of a 4k receive buffer"
[ $((rx + kd)) -eq $((NK + 1)) ] || fail "received + kernel.dropped = $((rx + kd)), not $((NK + 1))"

# --- oversize datagram: longer than maxMessageSize (1k), the tail is lost and counted
python3 -c 'import socket, sys
socket.socket(socket.AF_INET, socket.SOCK_DGRAM).sendto(
    b"<13>Dec  7 01:00:00 h k: big " + b"x" * 1500, ("127.0.0.1", int(sys.argv[1])))' "$U" ||
    fail "cannot send the oversize datagram"
for i in $(seq 50); do
    grep -q ' big x' "$T/udp.log" && break
    sleep 0.1
done
big=$(grep ' big x' "$T/udp.log" | wc -c)
tr=$(metric "imudp(127.0.0.1:$U)" truncated)
log "oversize: truncated=$tr, the line written has $big bytes"
[ "$tr" = 1 ] || fail "imudp truncated is '$tr', not 1"
{ [ "$big" -gt 900 ] && [ "$big" -lt 1100 ]; } || fail "the oversize line is $big bytes, not cut at 1k"

# --- TLS refusal -----------------------------------------------------------------------------
# tls_send CERT: one line over TLS with the client certificate CERT (its key CERT-key.pem)
tls_send()
{
    printf '<13>Dec  7 01:00:00 h tlsin: from %s\n' "$1" |
        timeout -k 20 10 gnutls-cli --logfile=/dev/null --x509cafile="$P/ca.pem" \
            --x509certfile="$P/$1.pem" --x509keyfile="$P/$1-key.pem" -p "$S" 127.0.0.1 \
            > "$T/gnutls-$1.out" 2>&1 || true
}
tls_send wrongname
tls_send client
wait_lines "$T/tls.log" 1 10 || fail "the permitted client's line was not written"
for i in $(seq 50); do
    [ "$(metric "imtcp(127.0.0.1:$S)" tls.peer.refused)" = 1 ] && break
    sleep 0.1
done
ref=$(metric "imtcp(127.0.0.1:$S)" tls.peer.refused)
ok=$(metric "imtcp(127.0.0.1:$S)" tls.sessions.ok)
log "tls: tls.peer.refused=$ref tls.sessions.ok=$ok"
[ "$ref" = 1 ] || fail "tls.peer.refused is '$ref', not 1"
[ "$ok" = 1 ] || fail "tls.sessions.ok is '$ok', not 1"
grep -q 'from wrongname' "$T/tls.log" && fail "the refused peer's line was written"
[ "$(count_lines "$T/tls.log")" = 1 ] || fail "tls.log has $(count_lines "$T/tls.log") lines, not 1"
dut_stop
[ "$DUT_STATUS" -eq 0 ] || fail "sluiced exited with status $DUT_STATUS"
log "ok: metrics-drops"
