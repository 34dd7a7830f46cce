#!/bin/bash
# action.execOnlyWhenPreviousIsSuspended: a failover chain omfwd (primary, TCP to a port where
# nothing listens) -> omfile (backup, only for what the primary could not take).
#   1. primary down: every message lands in the backup file, none is held back;
#   2. an rsyslogd receiver comes up on the primary's port: after the primary's back-off
#      (resumeInterval 1 s) new messages go to it again;
#   3. across both outputs every message arrives exactly once, and the last batch (sent
#      after the primary is back) goes to the primary only;
#   4. a failover action behind a filter: what the primary hands on but the filter does not
#      take goes back to the primary's own retry policy (here: 1 retry, then its
#      action.errorFile), nothing vanishes.
# rsyslog runs the same config (DUT=rsyslog) with resumeRetryCount 0, its default.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"
setup
require_cmd python3
new_port tcp
new_port rport
backup=$T/out/backup.log
raw=$T/rs/raw.log
{
    dut_global
    printf 'module(load="imtcp")\n'
    printf 'input(type="imtcp" address="127.0.0.1" port="%s")\n' "$tcp"
    printf 'template(name="m" type="string" string="%%msg%%\\n")\n'
    printf 'action(type="omfwd" target="127.0.0.1" port="%s" protocol="tcp"\n' "$rport"
    printf '       action.resumeInterval="1" action.resumeIntervalMax="1" action.resumeRetryCount="0")\n'
    printf 'action(type="omfile" file="%s" template="m"\n' "$backup"
    printf '       action.execOnlyWhenPreviousIsSuspended="on")\n'
} > "$T/dut.conf"
dut_start "$T/dut.conf" tcp "$tcp"

# send FROM TO: messages "fo-N" for N in FROM..TO, one TCP connection, LF framing
send()
{
    timeout -k 20 20 python3 - "$tcp" "$1" "$2" << 'PY' || fail "sender failed"
import socket, sys
port, lo, hi = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
s = socket.create_connection(("127.0.0.1", port))
s.sendall(b"".join(b"<13>Nov 22 10:00:00 h app: fo-%d\n" % i for i in range(lo, hi + 1)))
s.close()
PY
}
got() { cat "$backup" "$raw" 2> /dev/null | grep -o 'fo-[0-9]*' ; }

send 1 200
wait_lines "$backup" 200 20 || fail "primary down: the backup did not get every message"
log "phase 1: $(count_lines "$backup") messages in the backup"

rs_recv rs --tcp "$rport"
n=200
for i in $(seq 40); do
    send $((n + 1)) $((n + 10))
    n=$((n + 10))
    sleep 0.5
    [ "$(count_lines "$raw")" -gt 0 ] && break
done
[ "$(count_lines "$raw")" -gt 0 ] || fail "the primary never came back (receiver has nothing after $n messages)"
log "phase 2: primary back after message $n"
send $((n + 1)) $((n + 300))
n=$((n + 300))
wait_stable "$raw" 2 30
wait_stable "$backup" 1 10
total=$(got | wc -l)
uniq=$(got | sort -u | wc -l)
log "sent $n; primary $(count_lines "$raw"), backup $(count_lines "$backup"), distinct $uniq"
[ "$uniq" -eq "$n" ] || fail "$((n - uniq)) of $n messages lost across primary and backup"
if [ "$DUT" = sluice ]; then
    [ "$total" -eq "$n" ] || fail "$((total - n)) duplicates across primary and backup"
fi
late=$(grep -o 'fo-[0-9]*' "$raw" | awk -F- -v lo=$((n - 299)) '$2 >= lo' | sort -u | wc -l)
[ "$late" -eq 300 ] || fail "only $late of the last 300 messages went to the recovered primary"
inback=$(grep -o 'fo-[0-9]*' "$backup" | awk -F- -v lo=$((n - 299)) '$2 >= lo' | wc -l)
[ "$inback" -eq 0 ] || fail "$inback of the last 300 messages also went to the backup"
dut_alive || fail "$DUT died"
dut_stop
[ "$DUT_STATUS" -eq 0 ] || fail "$DUT exited with status $DUT_STATUS"
log "ok: failover to the backup and back, $n messages, none lost or duplicated"

# 4. the failover action only for messages containing "keep"
new_port tcp
new_port dead
backup=$T/out/backup4.log
err=$T/out/primary4.err
{
    dut_global
    printf 'module(load="imtcp")\n'
    printf 'input(type="imtcp" address="127.0.0.1" port="%s")\n' "$tcp"
    printf 'template(name="m" type="string" string="%%msg%%\\n")\n'
    printf 'action(type="omfwd" target="127.0.0.1" port="%s" protocol="tcp" action.errorFile="%s"\n' "$dead" "$err"
    printf '       action.resumeInterval="1" action.resumeRetryCount="1")\n'
    printf 'if $msg contains "keep" then action(type="omfile" file="%s" template="m"\n' "$backup"
    printf '       action.execOnlyWhenPreviousIsSuspended="on")\n'
} > "$T/dut.conf"
dut_start "$T/dut.conf" tcp "$tcp"
timeout -k 20 20 python3 - "$tcp" << 'PY' || fail "sender failed"
import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
s.sendall(b"".join(b"<13>Nov 22 10:00:00 h app: %s-%d\n" % (b"keep" if i % 2 else b"other", i)
                   for i in range(20)))
s.close()
PY
wait_lines "$backup" 10 20 || fail "the failover action did not get the 10 matching messages"
wait_lines "$err" 10 30 || fail "the 10 other messages are neither delivered nor in the error file"
wait_stable "$err" 1 10
nk=$(grep -c 'keep-' "$backup")
no=$(grep -c 'other-' "$err")
[ "$nk" -eq 10 ] && [ "$no" -eq 10 ] || fail "backup has $nk of 10 'keep', error file $no of 10 'other'"
# rsyslogd 8.2302 also records the 10 messages the backup took in the error file
if [ "$DUT" = sluice ]; then
    [ "$(count_lines "$backup")" -eq 10 ] && [ "$(count_lines "$err")" -eq 10 ] \
        || fail "duplicates: backup $(count_lines "$backup"), error file $(count_lines "$err")"
fi
dut_stop
[ "$DUT_STATUS" -eq 0 ] || fail "$DUT exited with status $DUT_STATUS"
log "ok: filtered failover: 10 to the backup, 10 back to the primary's retry policy"
