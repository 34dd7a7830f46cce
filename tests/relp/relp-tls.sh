#!/bin/bash
# relp-tls: RELP over TLS with certificates from tests/tls/mkcerts.sh, authMode "name" on
# both sides (each checks the other's certificate name against tls.permittedPeer).
#  1. rsyslogd -> rsyslogd (reference), sluiced -> sluiced, rsyslogd omrelp -> sluiced
#     imrelp, sluiced omrelp -> rsyslogd imrelp: the same 20 records, byte for byte.
#     And sluiced -> sluiced with authMode "fingerprint" (SHA1 fingerprints permitted).
#  2. tls.permittedPeer refusal: sluiced imrelp that permits only "someone-else" refuses
#     rsyslogd's omrelp (certificate sluice-client): nothing arrives, the refusal is logged;
#     sluiced omrelp that permits only "wrong.invalid" refuses rsyslogd's imrelp
#     (certificate localhost): nothing arrives, the refusal is logged.
# Checked: with imrelp ignoring tls.permittedPeer (none passed to librelp) step 1 fails.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/../integration/lib.sh"
# shellcheck source=tests/relp/lib-relp.sh
. "$(dirname "$0")/lib-relp.sh"
setup
require_cmd socat certtool openssl
relp_require

P=$T/pki
sh "$top_srcdir/tests/tls/mkcerts.sh" "$P" || fail "mkcerts.sh failed"
IN=$top_srcdir/tests/relp/data/interop-input.txt
N=$(wc -l < "$IN")

# receiver: server certificate (localhost), accepts the client certificate's name
RECV_TLS="tls=\"on\" tls.authMode=\"name\" tls.cacert=\"$P/ca.pem\" tls.mycert=\"$P/server.pem\" tls.myprivkey=\"$P/server-key.pem\""
SEND_TLS="tls=\"on\" tls.authMode=\"name\" tls.cacert=\"$P/ca.pem\" tls.mycert=\"$P/client.pem\" tls.myprivkey=\"$P/client-key.pem\""

# pipeline NAME SENDER RECEIVER RECV-PEER SEND-PEER: output in $T/NAME/recv/out.log;
# leaves SPID/RPID running (the caller stops them).
pipeline()
{
    local name=$1 snd=$2 rcv=$3 rpeer=$4 speer=$5 pin prelp
    new_port pin
    new_port prelp
    relp_recv_conf "$T/$name/recv" "$prelp" "$RELP_CMP_TPL" "$RECV_TLS" "tls.permittedPeer=\"$rpeer\""
    relp_send_conf "$T/$name/send" "$pin" "$prelp" "$SEND_TLS" "tls.permittedPeer=\"$speer\""
    relp_start "$rcv" "$T/$name/recv/recv.conf" "$name-recv"
    RPID=$STARTED_PID
    wait_port tcp "$prelp" 15 || fail "$name: $rcv receiver does not listen on $prelp"
    relp_start "$snd" "$T/$name/send/send.conf" "$name-send"
    SPID=$STARTED_PID
    wait_port tcp "$pin" 15 || fail "$name: $snd sender does not listen on $pin"
    relp_send_file "$pin" "$IN"
}

finish()
{
    relp_stop "$SPID" "$1 sender"
    relp_stop "$RPID" "$1 receiver"
}

S=$DUT
for p in "ref rsyslog rsyslog" "s2s $S $S" "r2s rsyslog $S" "s2r $S rsyslog"; do
    set -- $p
    pipeline "$1" "$2" "$3" sluice-client localhost
    wait_lines "$T/$1/recv/out.log" "$N" 20 || fail "$1 ($2 -> $3): not every line arrived over TLS"
    finish "$1"
done
# authMode fingerprint: each side permits the other's certificate by its SHA1 fingerprint
fp() { openssl x509 -in "$1" -noout -fingerprint -sha1 | sed 's/^[^=]*=/SHA1:/'; }
FP_CLIENT=$(fp "$P/client.pem")
FP_SERVER=$(fp "$P/server.pem")
NAME_RECV_TLS=$RECV_TLS
NAME_SEND_TLS=$SEND_TLS
RECV_TLS=${RECV_TLS/tls.authMode=\"name\"/tls.authMode=\"fingerprint\"}
SEND_TLS=${SEND_TLS/tls.authMode=\"name\"/tls.authMode=\"fingerprint\"}
pipeline fp "$S" "$S" "$FP_CLIENT" "$FP_SERVER"
RECV_TLS=$NAME_RECV_TLS
SEND_TLS=$NAME_SEND_TLS
wait_lines "$T/fp/recv/out.log" "$N" 20 || fail "fp ($S -> $S): authMode fingerprint failed"
finish fp

bad=0
for p in s2s r2s s2r fp; do
    if ! cmp -s "$T/ref/recv/out.log" "$T/$p/recv/out.log"; then
        log "$p differs from rsyslog -> rsyslog over TLS:"
        diff "$T/ref/recv/out.log" "$T/$p/recv/out.log" | head -n 20
        bad=1
    fi
done
[ "$bad" -eq 0 ] || fail "TLS outputs differ from the rsyslog -> rsyslog reference"
log "TLS: five pipelines (one with authMode fingerprint), identical output ($N lines)"

# refusals: wait 3 s, nothing may arrive, the refusing side logs it
pipeline refuse-in rsyslog "$S" someone-else localhost
sleep 3
[ "$(count_lines "$T/refuse-in/recv/out.log")" -eq 0 ] ||
    fail "imrelp ($S) accepted a client outside tls.permittedPeer"
grep -qi 'auth' "$T/refuse-in-recv.err" || fail "imrelp ($S) did not log the refused peer"
finish refuse-in
log "imrelp ($S) refused rsyslogd's omrelp: $(grep -i -m1 'auth' "$T/refuse-in-recv.err")"

pipeline refuse-out "$S" rsyslog sluice-client wrong.invalid
sleep 3
[ "$(count_lines "$T/refuse-out/recv/out.log")" -eq 0 ] ||
    fail "omrelp ($S) sent to a receiver outside tls.permittedPeer"
grep -qi 'auth' "$T/refuse-out-send.err" || fail "omrelp ($S) did not log the refused peer"
finish refuse-out
log "omrelp ($S) refused rsyslogd's imrelp: $(grep -i -m1 'auth' "$T/refuse-out-send.err")"
exit 0
