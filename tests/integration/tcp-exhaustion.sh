#!/bin/bash
# TCP session exhaustion (issue 19): 100 idle and 100 slowloris connections (one byte a
# second, never a delimiter) fill imtcp's default maxSessions (200) and keep reconnecting
# when closed; meanwhile a good sender delivers 20,000 messages.  With the defaults
# (session.evictAfter 5 s) each new connection evicts the session that has delivered no
# complete frame for the longest time, so the good sender gets in and every message must
# arrive within a bounded time (rsyslogd 8.2302 and sluiced before this limit: 0 of them).
# The evictions are counted (sessions.evicted) and logged once plus a summary, not once
# per connection.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"
setup
[ "$DUT" = sluice ] || { log "sluice-only behaviour: skipped"; exit 77; }
require_cmd python3
new_port tcp
total=20000
out=$T/out/good.log
{
    dut_global
    printf 'module(load="imtcp")\n'
    printf 'input(type="imtcp" address="127.0.0.1" port="%s")\n' "$tcp"
    printf 'if $msg contains "seq=" then action(type="omfile" file="%s")\n' "$out"
} > "$T/dut.conf"
dut_start "$T/dut.conf" tcp "$tcp"

cat > "$T/attack.py" << 'PY'
import socket, sys, time
port, idle, slow, secs = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4])
def conn():
    s = socket.socket()
    s.settimeout(2)
    try:
        s.connect(("127.0.0.1", port))
    except OSError:
        return None
    s.setblocking(False)
    return s
socks = [[conn(), i >= idle] for i in range(idle + slow)]
end = time.time() + secs
reconnects = 0
while time.time() < end:
    for e in socks:
        s = e[0]
        if s is None:
            e[0] = conn(); reconnects += 1
            continue
        try:
            if s.recv(1, socket.MSG_PEEK) == b"":
                raise OSError("closed")
        except BlockingIOError:
            pass
        except OSError:
            s.close(); e[0] = conn(); reconnects += 1
            continue
        if e[1]:
            try:
                s.send(b"<")
            except OSError:
                s.close(); e[0] = None
    time.sleep(1)
print("attack: reconnects=%d" % reconnects)
PY
python3 "$T/attack.py" "$tcp" 100 100 30 > "$T/attack.out" 2>&1 &
attack=$!
track_pid "$attack"
# all 200 slots taken, and old enough to be evicted (session.evictAfter 5 s)
for i in $(seq 100); do
    n=$(ss -Htn state established "( sport = :$tcp )" | wc -l)
    [ "$n" -ge 200 ] && break
    sleep 0.1
done
[ "$n" -ge 200 ] || fail "the attack holds only $n sessions"
sleep 6
start=$(date +%s)
flood -p "$tcp" -t tcp -n "$total" -c 1 || fail "slflood failed"
wait_lines "$out" "$total" 20 || fail "good sender: $(count_lines "$out") of $total delivered"
took=$(($(date +%s) - start))
stats_dump
evicted=$(stat_val "imtcp(127.0.0.1:$tcp)" sessions.evicted)
kill "$attack" 2> /dev/null
wait "$attack" 2> /dev/null
dut_stop
verify -n "$total" -c 1 "$out" || fail "loss, duplicates or reordering"
[ "${evicted:-0}" -ge 1 ] || fail "no eviction counted (sessions.evicted='$evicted')"
lines=$(grep -c 'closing the session from' "$DUT_ERR")
[ "$lines" -le 3 ] || fail "$lines eviction log lines: not rate limited"
log "ok: $total of $total delivered in ${took}s under 200 idle/slowloris sessions; evicted=$evicted, $lines eviction lines"
