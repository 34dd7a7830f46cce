#!/bin/bash
# action.errorFile: one JSON object per line, rsyslog's layout
#   { "action": "NAME", "status": N, "template0": "rendered template" }
#   A. an omfwd action whose target is down, resumeRetryCount 0: the message is dropped after
#      the retry and recorded with status -2007 (RS_RET_SUSPENDED).  The record is compared
#      byte for byte with what rsyslogd 8.2302 writes for the same config and input.
#   B. (sluice only) an omfile dynaFile that cannot be created (a path component is a
#      regular file): the output reports a permanent failure (SL_BAD_DATA) and the record
#      gets status -2218 (RS_RET_DATAFAIL); the other message still goes to its own file.
#      rsyslog 8.2302 drops such a message with only an error message (checked by hand).
# Every record must parse as JSON (python3 json).
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"
setup
require_cmd python3

# send PORT TEXT...: one TCP connection, LF framing, fixed time stamp and host
send()
{
    local port=$1
    shift
    timeout -k 20 20 python3 - "$port" "$@" << 'PY' || fail "sender failed"
import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
for t in sys.argv[2:]:
    tag, msg = t.split(" ", 1)
    s.sendall(b"<13>Nov 22 10:00:00 h %s: %s\n" % (tag.encode(), msg.encode()))
s.close()
PY
}

# conf_a FILE INPORT DEADPORT ERRFILE
conf_a()
{
    {
        printf 'global(workDirectory="%s")\n' "$(dirname "$1")"
        printf 'module(load="imtcp")\n'
        printf 'input(type="imtcp" address="127.0.0.1" port="%s")\n' "$2"
        printf 'action(type="omfwd" target="127.0.0.1" port="%s" protocol="tcp"\n' "$3"
        printf '       action.resumeRetryCount="0" action.resumeInterval="1" action.errorFile="%s")\n' "$4"
    } > "$1"
}

check_json()
{
    python3 -c '
import json, sys
n = 0
for line in open(sys.argv[1]):
    o = json.loads(line)
    assert list(o) == ["action", "status", "template0"], list(o)
    n += 1
print(n)' "$1" || fail "$1 is not one JSON object per line: $(head -3 "$1")"
}

# --- A: retries exhausted ----------------------------------------------------------------------
new_port tcp
new_port dead
errA=$T/out/a.err
conf_a "$T/dut.conf" "$tcp" "$dead" "$errA"
dut_start "$T/dut.conf" tcp "$tcp"
send "$tcp" "app first"
wait_lines "$errA" 1 20 || fail "no error record after the retry was used up"
[ "$(check_json "$errA")" -eq 1 ] || fail "expected one record: $(cat "$errA")"
want='{ "action": "action-0-builtin:omfwd", "status": -2007, "template0": "<13>Nov 22 10:00:00 h app: first" }'
[ "$(head -1 "$errA")" = "$want" ] || fail "record differs: $(head -1 "$errA")"
log "A: $(head -1 "$errA")"
dut_stop
[ "$DUT_STATUS" -eq 0 ] || fail "$DUT exited with status $DUT_STATUS"
if [ "$DUT" = sluice ] && [ -x "$RSYSLOGD" ]; then
    # the oracle: the same config through rsyslogd
    new_port rtcp
    new_port rdead
    mkdir -p "$T/rs"
    conf_a "$T/rs/rs.conf" "$rtcp" "$rdead" "$T/rs/a.err"
    "$RSYSLOGD" -n -iNONE -f "$T/rs/rs.conf" < /dev/null > /dev/null 2>> "$T/rs.err" &
    rs_pid=$!
    track_pid "$rs_pid"
    wait_port tcp "$rtcp" 15 || fail "rsyslogd not listening"
    send "$rtcp" "app first"
    wait_lines "$T/rs/a.err" 1 20 || fail "rsyslogd wrote no error record"
    stop_pid "$rs_pid"
    cmp -s "$errA" "$T/rs/a.err" || fail "record differs from rsyslogd's: $(cat "$T/rs/a.err")"
    log "A: identical to rsyslogd 8.2302's record"
fi

# --- B: permanent failure -------------------------------------------------------------------------
if [ "$DUT" = sluice ]; then
    new_port tcpb
    errB=$T/out/b.err
    mkdir -p "$T/out/dyn"
    : > "$T/out/dyn/blocker"
    {
        dut_global
        printf 'module(load="imtcp")\n'
        printf 'input(type="imtcp" address="127.0.0.1" port="%s")\n' "$tcpb"
        printf 'template(name="dyn" type="string" string="%s/out/dyn/%%programname%%/f.log")\n' "$T"
        printf 'template(name="m" type="string" string="%%programname%% %%msg%%\\n")\n'
        printf 'action(type="omfile" dynaFile="dyn" template="m" action.errorFile="%s")\n' "$errB"
    } > "$T/dut.conf"
    dut_start "$T/dut.conf" tcp "$tcpb"
    send "$tcpb" "blocker goes nowhere" "good goes to its file"
    wait_lines "$T/out/dyn/good/f.log" 1 20 || fail "the good message was not written"
    wait_lines "$errB" 1 20 || fail "no error record for the permanent failure"
    [ "$(check_json "$errB")" -eq 1 ] || fail "expected one record: $(cat "$errB")"
    want='{ "action": "action-0-builtin:omfile", "status": -2218, "template0": "blocker  goes nowhere\n" }'
    [ "$(head -1 "$errB")" = "$want" ] || fail "record differs: $(head -1 "$errB")"
    log "B: $(head -1 "$errB")"
    dut_stop
    [ "$DUT_STATUS" -eq 0 ] || fail "$DUT exited with status $DUT_STATUS"
fi
log "ok: error file records"
