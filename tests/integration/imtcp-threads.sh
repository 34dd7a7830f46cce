#!/bin/bash
# imtcp on several input threads (issue 20): with input(threads="2") the daemon runs two
# imtcp threads (named imtcp/0 and imtcp/1); 16 connections x 6,250 messages arrive
# complete, without duplicates and each connection in order (slverify), and both threads
# did the work of their connections (each used CPU time: thread 0 accepts and gives every
# new connection to the thread with the fewest).  maxSessions still holds for the whole
# input across the threads: with maxSessions="4" and session.evictAfter="0" (refuse, as
# rsyslog), of 6 connections 4 stay open and 2 are reset (sessions.refused = 2).
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"
setup
[ "$DUT" = sluice ] || { log "sluice's imtcp threads: skipped for DUT=$DUT"; exit 77; }
require_cmd python3
new_port tcp
conns=16
total=100000
out=$T/out/all.log

# thread_cpu NAME: CPU time (ns, schedstat) of the daemon's thread NAME; empty: none
thread_cpu()
{
    local d
    for d in /proc/"$DUT_PID"/task/*; do
        if [ "$(cat "$d/comm" 2> /dev/null)" = "$1" ]; then
            awk '{ print $1 }' "$d/schedstat"
            return
        fi
    done
}

{
    dut_global
    printf 'module(load="imtcp")\n'
    printf 'input(type="imtcp" address="127.0.0.1" port="%s" threads="2")\n' "$tcp"
    printf 'action(type="omfile" file="%s" template="RSYSLOG_FileFormat")\n' "$out"
} > "$T/dut.conf"
dut_start "$T/dut.conf" tcp "$tcp"
[ -n "$(thread_cpu imtcp/0)" ] || fail "no thread imtcp/0"
[ -n "$(thread_cpu imtcp/1)" ] || fail "no thread imtcp/1"
[ -z "$(thread_cpu imtcp/2)" ] || fail "a third imtcp thread with threads=2"
flood -p "$tcp" -t tcp -n "$total" -c "$conns" || fail "slflood failed"
wait_lines "$out" "$total" 30 || fail "not every message arrived"
wait_stable "$out" 1 10
verify -n "$total" -c "$conns" "$out" || fail "loss, duplicates or reordering"
t0=$(thread_cpu imtcp/0)
t1=$(thread_cpu imtcp/1)
log "CPU ns: imtcp/0 $t0, imtcp/1 $t1"
# an idle thread wakes once a second (about 50 us each); a thread that framed and
# submitted 8 connections' 50,000 messages used well over 2 ms (5-10 ms)
if [ "$t0" -le 2000000 ] || [ "$t1" -le 2000000 ]; then
    fail "a thread did no work: imtcp/0 $t0, imtcp/1 $t1 ns"
fi
dut_stop
[ "$DUT_STATUS" -eq 0 ] || fail "sluiced exited with status $DUT_STATUS"

# maxSessions across the threads
{
    dut_global
    printf 'module(load="imtcp")\n'
    printf 'input(type="imtcp" address="127.0.0.1" port="%s" threads="2" maxSessions="4" session.evictAfter="0")\n' "$tcp"
    printf 'action(type="omfile" file="%s/out/max.log")\n' "$T"
} > "$T/max.conf"
dut_start "$T/max.conf" tcp "$tcp"
cat > "$T/hold.py" << 'PY'
import socket, sys, time
port, n = int(sys.argv[1]), int(sys.argv[2])
socks = []
for i in range(n):
    try:
        socks.append(socket.create_connection(("127.0.0.1", port), timeout=5))
    except OSError:
        pass    # refused (reset) before connect() returned: not alive
    time.sleep(0.2)
time.sleep(1)
alive = 0
for s in socks:
    s.setblocking(False)
    try:
        alive += s.recv(1, socket.MSG_PEEK) != b""
    except BlockingIOError:
        alive += 1
    except OSError:
        pass
print(alive)
PY
alive=$(timeout 20 python3 "$T/hold.py" "$tcp" 6) || fail "hold.py failed"
stats_dump "$T/stats"
refused=$(stat_val "imtcp(127.0.0.1:$tcp)" sessions.refused)
log "maxSessions=4, 6 connections: $alive open, refused=$refused"
[ "$alive" = 4 ] || fail "$alive of 6 connections stayed open with maxSessions=4"
[ "$refused" = 2 ] || fail "sessions.refused=$refused, not 2"
dut_stop
[ "$DUT_STATUS" -eq 0 ] || fail "sluiced exited with status $DUT_STATUS"
log "ok"
