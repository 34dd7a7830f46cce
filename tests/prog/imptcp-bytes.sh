#!/bin/bash
# imptcp-bytes.sh - imptcp end to end: logger -T output (LF framing and --octet-count) is
# captured once with socat, then the same bytes, plus fixed lines, are sent to sluiced and
# to rsyslogd (the oracle), both loading imptcp with the same config (imptcp's own
# parameter names: module threads/processOnPoller, input maxFrameSize, name, ruleset).
# The files written with RSYSLOG_FileFormat and with a template showing rawmsg and
# inputname must be byte-identical.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/../integration/lib.sh"
setup
require_cmd logger socat

# 1. logger's bytes, captured once
INPUT=$T/input.bin
for how in tcp octet; do
    new_port cport
    raw_capture "$cport" "$T/cap.$how"
    send_logger "$cport" "$how" "imptcp-$how hello" -t sltest -p local3.warning
    # socat exits by itself once logger closed the connection and all bytes are written
    wait_pid_exit "$CAP_PID" 10 || fail "socat did not exit after logger's connection closed"
    [ -s "$T/cap.$how" ] || fail "nothing captured from logger ($how)"
done
# (socat takes one connection: one logger message per framing)
cat "$T/cap.tcp" > "$INPUT"
printf '<13>Oct 11 22:14:15 host1 app1[12]: fixed line\n' >> "$INPUT"
[ -s "$T/cap.octet" ] || fail "no octet-counted capture"
NMSG=2

run_dut()
{
    local name=$1 dir=$T/$1 port port2
    mkdir -p "$dir"
    new_port port
    new_port port2
    {
        dut_global
        printf 'module(load="imptcp" threads="2" processOnPoller="on")\n'
        printf 'template(name="raw" type="string" string="%%inputname%%|%%fromhost-ip%%|%%rawmsg%%\\n")\n'
        printf 'input(type="imptcp" address="127.0.0.1" port="%s" ruleset="r" name="lf" maxFrameSize="2000")\n' "$port"
        printf 'input(type="imptcp" address="127.0.0.1" port="%s" ruleset="r" supportOctetCountedFraming="on")\n' "$port2"
        printf 'ruleset(name="r") {\n'
        printf '  action(type="omfile" file="%s/file.out")\n' "$dir"
        printf '  action(type="omfile" file="%s/raw.out" template="raw")\n' "$dir"
        printf '}\n'
    } > "$dir/dut.conf"
    dut_start "$dir/dut.conf" tcp "$port" tcp "$port2"
    timeout -k 20 10 bash -c 'cat "$1" > "/dev/tcp/127.0.0.1/$2"' _ "$INPUT" "$port" || fail "sending to $DUT failed"
    wait_lines "$dir/raw.out" "$NMSG" 15 || fail "$DUT: LF-framed messages incomplete"
    timeout -k 20 10 bash -c 'cat "$1" > "/dev/tcp/127.0.0.1/$2"' _ "$T/cap.octet" "$port2" || fail "sending to $DUT failed"
    wait_lines "$dir/raw.out" $((NMSG + 1)) 15 || fail "$DUT: octet-counted message missing"
    sleep 0.3
    dut_stop
    [ "$DUT_STATUS" -eq 0 ] || fail "$DUT exited with status $DUT_STATUS"
}

DUT=rsyslog
[ -x "$RSYSLOGD" ] || fail "$RSYSLOGD not installed (the oracle)"
run_dut rs
DUT=sluice
run_dut sl

for f in file.out raw.out; do
    cmp "$T/rs/$f" "$T/sl/$f" || { diff "$T/rs/$f" "$T/sl/$f" >&2; fail "$f differs from rsyslog's"; }
done
[ "$(count_lines "$T/sl/raw.out")" -eq $((NMSG + 1)) ] || fail "expected $((NMSG + 1)) messages"
grep -q '^imptcp|127.0.0.1|' "$T/sl/raw.out" || fail "inputname is not imptcp"
log "ok: imptcp wrote the same bytes as rsyslogd's imptcp ($((NMSG + 1)) messages)"
