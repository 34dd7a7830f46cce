#!/bin/bash
# relp-interop: the same 20 lines (RFC 3164, RFC 5424 with structured data, unicode, tabs,
# JSON, CEF) through four RELP pipelines - rsyslogd -> rsyslogd (the reference),
# sluiced -> sluiced, rsyslogd omrelp -> sluiced imrelp, sluiced omrelp -> rsyslogd imrelp.
# Each sender takes the lines on imtcp and forwards them with omrelp's default template
# (RSYSLOG_ForwardFormat); each receiver writes every property the parser gives plus
# fromhost, fromhost-ip, inputname and rawmsg.  Every output must equal the reference byte
# for byte.  (DUT=rsyslog runs rsyslogd in all four places: the case is deterministic.)
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/../integration/lib.sh"
# shellcheck source=tests/relp/lib-relp.sh
. "$(dirname "$0")/lib-relp.sh"
setup
require_cmd socat
relp_require

IN=$top_srcdir/tests/relp/data/interop-input.txt
N=$(wc -l < "$IN")

# pipeline NAME SENDER RECEIVER: runs one pipeline, output in $T/NAME/recv/out.log
pipeline()
{
    local name=$1 snd=$2 rcv=$3 pin prelp rpid spid
    new_port pin
    new_port prelp
    relp_recv_conf "$T/$name/recv" "$prelp" "$RELP_CMP_TPL"
    relp_send_conf "$T/$name/send" "$pin" "$prelp"
    relp_start "$rcv" "$T/$name/recv/recv.conf" "$name-recv"
    rpid=$STARTED_PID
    wait_port tcp "$prelp" 15 || fail "$name: $rcv receiver does not listen on $prelp"
    relp_start "$snd" "$T/$name/send/send.conf" "$name-send"
    spid=$STARTED_PID
    wait_port tcp "$pin" 15 || fail "$name: $snd sender does not listen on $pin"
    relp_send_file "$pin" "$IN"
    wait_lines "$T/$name/recv/out.log" "$N" 20 || fail "$name: not every line arrived"
    relp_stop "$spid" "$name sender ($snd)"
    relp_stop "$rpid" "$name receiver ($rcv)"
    log "$name: $(count_lines "$T/$name/recv/out.log") lines"
}

S=$DUT
pipeline ref rsyslog rsyslog
pipeline s2s "$S" "$S"
pipeline r2s rsyslog "$S"
pipeline s2r "$S" rsyslog

bad=0
for p in s2s r2s s2r; do
    if ! cmp -s "$T/ref/recv/out.log" "$T/$p/recv/out.log"; then
        log "$p differs from rsyslog -> rsyslog:"
        diff "$T/ref/recv/out.log" "$T/$p/recv/out.log" | head -n 20
        bad=1
    fi
done
[ "$bad" -eq 0 ] || fail "outputs differ from the rsyslog -> rsyslog reference"
log "all four pipelines gave identical output ($N lines)"
exit 0
