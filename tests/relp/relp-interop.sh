#!/bin/bash
# relp-interop: the same 20 lines (RFC 3164, RFC 5424 with structured data, unicode, tabs,
# JSON, CEF) through four RELP pipelines - rsyslogd -> rsyslogd (the reference),
# sluiced -> sluiced, rsyslogd omrelp -> sluiced imrelp, sluiced omrelp -> rsyslogd imrelp.
# Each sender takes the lines on imtcp and forwards them with omrelp's default template
# (RSYSLOG_ForwardFormat); each receiver writes every property the parser gives plus
# fromhost, fromhost-ip, inputname and rawmsg.  Every output must equal the reference byte
# for byte; so must $DUT -> $DUT configured with rsyslog's legacy directives and the
# ":omrelp:HOST:PORT" selector action.  (DUT=rsyslog runs rsyslogd in all four places: the case is deterministic.)
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

# legacy NAME WHO: the same with legacy syntax on both sides ($InputRELPServerRun,
# $InputRELPServerBindRuleset, "*.* :omrelp:HOST:PORT"), WHO sending and receiving.
legacy()
{
    local name=$1 who=$2 d=$T/$1 pin prelp rpid spid
    new_port pin
    new_port prelp
    mkdir -p "$d/recv" "$d/send"
    {
        printf '$WorkDirectory %s\n$ModLoad imrelp\n' "$d/recv"
        printf 'template(name="cmp" type="string" string="%s")\n' "$RELP_CMP_TPL"
        printf '$RuleSet in\n*.* %s;cmp\n' "$d/recv/out.log"
        printf '$InputRELPServerBindRuleset in\n$InputRELPServerRun %s\n' "$prelp"
    } > "$d/recv/recv.conf"
    {
        printf '$WorkDirectory %s\n$ModLoad imtcp\n$ModLoad omrelp\n' "$d/send"
        printf 'input(type="imtcp" address="127.0.0.1" port="%s")\n' "$pin"
        printf '$ActionResumeRetryCount -1\n$ActionResumeInterval 1\n'
        printf '*.* :omrelp:127.0.0.1:%s\n' "$prelp"
    } > "$d/send/send.conf"
    relp_start "$who" "$d/recv/recv.conf" "$name-recv"
    rpid=$STARTED_PID
    wait_port tcp "$prelp" 15 || fail "$name: $who receiver does not listen on $prelp"
    relp_start "$who" "$d/send/send.conf" "$name-send"
    spid=$STARTED_PID
    wait_port tcp "$pin" 15 || fail "$name: $who sender does not listen on $pin"
    relp_send_file "$pin" "$IN"
    wait_lines "$d/recv/out.log" "$N" 20 || fail "$name: not every line arrived"
    relp_stop "$spid" "$name sender ($who)"
    relp_stop "$rpid" "$name receiver ($who)"
    log "$name: $(count_lines "$d/recv/out.log") lines"
}

S=$DUT
pipeline ref rsyslog rsyslog
pipeline s2s "$S" "$S"
pipeline r2s rsyslog "$S"
pipeline s2r "$S" rsyslog
legacy leg "$S"

bad=0
for p in s2s r2s s2r leg; do
    if ! cmp -s "$T/ref/recv/out.log" "$T/$p/recv/out.log"; then
        log "$p differs from rsyslog -> rsyslog:"
        diff "$T/ref/recv/out.log" "$T/$p/recv/out.log" | head -n 20
        bad=1
    fi
done
[ "$bad" -eq 0 ] || fail "outputs differ from the rsyslog -> rsyslog reference"
log "all five pipelines gave identical output ($N lines)"
exit 0
