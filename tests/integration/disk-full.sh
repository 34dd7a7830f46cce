#!/bin/bash
# A disk-assisted action queue hits queue.maxDiskSpace while its target is down.
#
# omfwd to a closed port behind a LinkedList queue of 1000 with queue.filename and
# queue.maxDiskSpace="2m"; main queue 1000.  200,000 TCP messages (2 connections, ~230
# bytes each: 45 MB) are sent.  Once the spool is at its limit the ruleset workers wait,
# the main queue fills and the TCP senders block: the flood must still be running after
# a few seconds and the spool must have stopped growing at about 2 MB.  5,000 UDP
# datagrams sent meanwhile find the main queue full: they are dropped and counted
# (imudp's dropped.queue_full, read with SIGUSR1).  The main queue has
# queue.timeoutEnqueue="0" so UDP drops at once; with the default 2 s wait per batch the
# kernel's socket buffer overflows instead, which udp-queue-full.sh covers.  Then the target comes up: every TCP
# message arrives (nothing queued is lost), in order per connection, and every UDP
# message sluiced counted as submitted arrives too.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"
setup
[ "$DUT" = sluice ] || { log "sluice disk-queue test: skipped for DUT=$DUT"; exit 77; }
new_port tcp
new_port udp
new_port rport
total=200000
conns=2
nudp=5000
limit=$((2 * 1024 * 1024))
mkdir -p "$T/work"
{
    printf 'global(workDirectory="%s/work")\n' "$T"
    printf 'main_queue(queue.size="1000" queue.timeoutEnqueue="0")\n'
    printf 'module(load="imtcp")\nmodule(load="imudp")\n'
    printf 'input(type="imtcp" name="tcpin" address="127.0.0.1" port="%s")\n' "$tcp"
    printf 'input(type="imudp" name="udpin" address="127.0.0.1" port="%s")\n' "$udp"
    printf 'action(type="omfwd" target="127.0.0.1" port="%s" protocol="tcp"\n' "$rport"
    printf '       queue.type="LinkedList" queue.size="1000" queue.filename="dfq"\n'
    printf '       queue.maxDiskSpace="2m"\n'
    printf '       action.resumeRetryCount="-1" action.resumeInterval="1")\n'
} > "$T/dut.conf"
dut_start "$T/dut.conf" tcp "$tcp" udp "$udp"

spool_bytes() { cat "$T/work"/dfq* 2> /dev/null | wc -c; }
counter() { stat_val "$1" "$2" "$DUT_ERR"; }   # counter SET KEY: last value on stderr

timeout -k 20 150 "$SLFLOOD" -p "$tcp" -t tcp -n "$total" -c "$conns" -s 100 2>> "$T/slflood.err" &
flood_pid=$!
track_pid "$flood_pid"
# wait (bounded) until the spool is near its limit, then it must stay there
for i in $(seq 300); do
    [ "$(spool_bytes)" -ge $((limit * 3 / 4)) ] && break
    sleep 0.1
done
s1=$(spool_bytes)
[ "$s1" -ge $((limit * 3 / 4)) ] || fail "the spool did not grow towards its limit: $s1 bytes"
sleep 3
s2=$(spool_bytes)
kill -0 "$flood_pid" 2> /dev/null || fail "the TCP sender finished although the disk queue was full"
sleep 2
s3=$(spool_bytes)
log "spool: $s1, $s2, $s3 bytes (limit $limit); TCP sender still blocked"
[ "$s3" -eq "$s2" ] || fail "the spool still grows at its limit: $s2 -> $s3 bytes"
[ "$s3" -le $((limit + 64 * 1024)) ] || fail "the spool exceeds queue.maxDiskSpace: $s3 bytes"

# UDP while everything is full: dropped and counted, never blocking
timeout -k 20 30 "$SLFLOOD" -p "$udp" -t udp -n "$nudp" -r 5000 -a udpflood 2>> "$T/slflood.err" ||
    fail "UDP slflood failed"
sleep 1
kill -USR1 "$DUT_PID"
sleep 0.5
udp_dropped=$(counter "udpin(127.0.0.1/$udp/IPv4) sluice" dropped.queue_full)
udp_sub=$(counter "udpin(127.0.0.1/$udp/IPv4)" submitted)
log "UDP: $udp_sub of $nudp submitted, ${udp_dropped:-?} dropped and counted (queue full)"
[ "${udp_dropped:-0}" -gt 0 ] || fail "no UDP drop counted while the queue was full"
[ $((udp_dropped + udp_sub)) -le "$nudp" ] || fail "more UDP messages counted than sent"
[ $((udp_dropped + udp_sub)) -ge $((nudp * 9 / 10)) ] ||
    fail "UDP: $udp_dropped dropped + $udp_sub submitted, far below the $nudp sent"
kill -0 "$flood_pid" 2> /dev/null || fail "the TCP sender finished although the disk queue was full"

# the target comes up: everything queued, then the rest of the stream
rs_recv rs --tcp "$rport"
raw=$T/rs/raw.log
wait_pid_exit "$flood_pid" 120 || fail "the TCP sender did not finish after the target came up"
wait "$flood_pid" || fail "slflood (TCP) failed: $(tail -n 2 "$T/slflood.err")"
wait_lines "$raw" $((total + udp_sub)) 90 || fail "not every queued message arrived"
wait_stable "$raw" 2 30 || fail "the output did not settle"
grep -a -v 'udpflood\[' "$raw" > "$T/tcp.log"
res=$(verify -d -n "$total" -c "$conns" "$T/tcp.log") || fail "TCP: loss or reordering: $res"
log "TCP: $res"
udp_got=$(grep -a -c 'udpflood\[' "$raw")
[ "$udp_got" -eq "$udp_sub" ] || fail "UDP: $udp_sub submitted but $udp_got arrived"
dut_stop 30
[ "$DUT_STATUS" -eq 0 ] || fail "sluiced exited with status $DUT_STATUS"
log "ok: senders blocked at the disk limit, UDP drops counted, all $total TCP messages and" \
    "$udp_got submitted UDP messages delivered in order"
