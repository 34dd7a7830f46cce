#!/bin/bash
# kill -9 of sluiced while omfwd sends to a TCP peer that reads slowly, behind a disk queue
# with syncing on (queue.type="Disk", queue.syncQueueFiles="on"): with deferred
# acknowledgement (ABI 1.4) the spool lets go of a record only once the peer's TCP
# acknowledged it, so after the restart every record on disk that the peer's TCP had not
# acknowledged arrives (duplicates counted, none lost).
#
# The peer is socat writing what it reads to a file, with a small receive buffer, made a
# slow reader by stopping it (SIGSTOP) 80 ms of every 100 ms.  A single-connection flood
# runs into sluiced; then the peer is stopped for good (its receive window closes), SIGUSR1
# prints the counters -- "fwd sluice" disk.enqueued=K (records appended and fdatasync'ed),
# ack.confirmed=C (records whose bytes the peer's TCP acknowledged, released from the
# spool), ack.inflight (written or queued but not confirmed) -- and sluiced is killed with
# SIGKILL.  A killed process's socket still delivers what it had queued to a live peer, so
# the peer is killed too: its socket, closed with data unread, resets the orphaned
# connection and what sluiced had written but the peer had not acknowledged is gone from
# the network.  A new peer comes up, sluiced restarts on the same spool, and every record
# C+1..K must arrive.  (What the first peer's TCP acknowledged but it never read, at most
# its receive buffer, is the peer's loss and only reported.)  Before deferred
# acknowledgement omfwd told the core that every record it had written was delivered, the
# spool let go of them, and this kill lost the unacknowledged ones: the test requires
# records in flight at the kill, so it would fail there.
#
# ACK_QUEUE=da (ack-kill9-da.sh) runs the same kill behind a disk-assisted queue instead
# (queue.type="LinkedList" with queue.filename, a small memory part, syncing on).  What is
# in its memory part at the kill is gone, as in rsyslog (that part is never on disk); the
# promise checked is the one for the disk part: every record that reached the spool and
# that the peer's TCP had not acknowledged arrives after the restart.  The spool segment
# is made large enough that none is deleted during the test; the records on disk at the
# kill are the records found in the spool file.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"
setup
[ "$DUT" = sluice ] || { log "sluice deferred-acknowledgement test: skipped for DUT=$DUT"; exit 77; }
total=${ACK_TOTAL:-60000}
qmode=${ACK_QUEUE:-disk}
rate=${ACK_RATE:-20000}

require_cmd socat
new_port tcp
new_port rport
# peer NAME: socat accepting one connection on $rport, appending what it reads to
# $T/NAME.log; sets PEER_PID
peer()
{
    socat -u "TCP4-LISTEN:$rport,bind=127.0.0.1,reuseaddr,rcvbuf=16384" \
        "OPEN:$T/$1.log,creat,append" 2>> "$T/$1.err" &
    PEER_PID=$!
    track_pid "$PEER_PID"
    wait_port tcp "$rport" 15 || fail "socat peer $1 not listening on $rport"
}
peer peer1
p1=$PEER_PID
mkdir -p "$T/work"
{
    printf 'global(workDirectory="%s/work")\n' "$T"
    printf 'main_queue(queue.timeoutShutdown="3000")\n'
    printf 'module(load="imtcp")\n'
    printf 'input(type="imtcp" address="127.0.0.1" port="%s")\n' "$tcp"
    printf 'action(name="fwd" type="omfwd" target="127.0.0.1" port="%s" protocol="tcp"\n' "$rport"
    if [ "$qmode" = da ]; then
        printf '       queue.type="LinkedList" queue.size="2000" queue.filename="ackq"\n'
        printf '       queue.syncQueueFiles="on" queue.maxFileSize="64m"\n'
        # a window smaller than what the slow peer leaves unread, so the memory part fills
        # and the queue spills to disk while the peer is slow
        printf '       action.maxInFlight="2000" action.ackTimeout="60000"\n'
    else
        printf '       queue.type="Disk" queue.filename="ackq" queue.syncQueueFiles="on"\n'
        printf '       queue.maxFileSize="1m" action.maxInFlight="20000" action.ackTimeout="60000"\n'
    fi
    printf '       action.resumeRetryCount="-1" action.resumeInterval="1")\n'
} > "$T/dut.conf"

dut_start "$T/dut.conf" tcp "$tcp"
[ -x "$SLFLOOD" ] || fail "$SLFLOOD not built"
if [ "$qmode" = da ]; then
    kill -STOP "$p1"    # a stalled peer from the start: the memory part fills and spills
fi
timeout -k 20 60 "$SLFLOOD" -p "$tcp" -t tcp -n "$total" -c 1 -r "$rate" -a ack 2>> "$T/slflood.err" &
fpid=$!
track_pid "$fpid"

# the slow reader: stopped 80 ms of every 100 ms, for about 1.5 s; behind a disk-assisted
# queue until the consumer has moved on from the memory part into the spool (some spooled
# records confirmed: the window then holds records read from disk), at most about 15 s
if [ "$qmode" = da ]; then
    for i in $(seq 50); do
        sleep 0.2
        stats_dump "$T/stats.loop"
        [ "$(stat_val "fwd sluice" disk.enqueued "$T/stats.loop")" -ge 5000 ] && break
    done
    kill -CONT "$p1"
fi
for i in $(seq 150); do
    kill -STOP "$p1"
    sleep 0.08
    kill -CONT "$p1"
    sleep 0.02
    if [ "$qmode" = da ]; then
        [ $((i % 5)) -eq 0 ] || continue
        stats_dump "$T/stats.loop"
        [ "$(stat_val "fwd sluice" disk.dequeued "$T/stats.loop")" -ge 500 ] && break
    elif [ "$i" -ge 15 ]; then
        break
    fi
done
kill -STOP "$p1"
sleep 0.5               # its receive window closes, sluiced's send buffer fills
stats_dump "$T/stats"
k=$(stat_val "fwd sluice" disk.enqueued)
inflight=$(stat_val "fwd sluice" ack.inflight)
c=$(stat_val "fwd sluice" ack.confirmed)
sent=$(stat_val "omfwd 127.0.0.1:$rport" sent)
log "at the kill: on disk $k, written to the peer ${sent:-?}, confirmed $c, in flight $inflight"
dut_alive || fail "sluiced died before the kill"
kill -KILL "$DUT_PID"
wait "$DUT_PID" 2> /dev/null
DUT_PID=
kill "$fpid" 2> /dev/null
wait "$fpid" 2> /dev/null
if [ "$qmode" = da ]; then
    # the disk part: the records in the spool file.  Delivery follows seq order (one
    # connection; once spilling, everything new goes to the spool until it is drained, and
    # only then to memory again), so the confirmed records are seq 1..C.  Records that went
    # through the memory part and were unconfirmed at the kill are gone, as in rsyslog; the
    # promise is for the spooled records after C.  (A segment is deleted only once all of
    # its records are confirmed, so deleted ones do not matter.)
    grep -aoh 'seq=[0-9]*:[0-9]*' "$T"/work/ackq* 2> /dev/null | cut -d: -f2 | sort -un > "$T/spooled"
    lo=$(head -n1 "$T/spooled")
    k=$(tail -n1 "$T/spooled")
    [ -n "$lo" ] || fail "nothing reached the spool: the disk part was never used"
    [ "$lo" -gt 1 ] || fail "the memory part was never used (spool starts at seq $lo)"
    awk -v c="$c" '$1 > c' "$T/spooled" > "$T/need"
    memonly=$(awk -v lo="$lo" -v hi="$k" 'NR == FNR { sp[$1] = 1; next } END {
        n = 0; for (i = lo; i <= hi; i++) if (!(i in sp)) n++; print n }' "$T/spooled" /dev/null)
    log "disk-assisted: $(wc -l < "$T/spooled") records in the spool (seq $lo..$k; $memonly seqs" \
        "in that range went through memory after the spool drained), $(wc -l < "$T/need")" \
        "of them unconfirmed at the kill"
    [ -s "$T/need" ] || fail "every spooled record was confirmed before the kill: nothing to prove"
fi
[ -n "$k" ] && [ "$k" -gt 0 ] || fail "no disk.enqueued in the counters"
[ -n "$c" ] || fail "no ack.confirmed in the counters"
[ -n "$sent" ] && [ "$sent" -gt "$c" ] ||
    fail "nothing written was unconfirmed at the kill (sent=$sent confirmed=$c): the test proves nothing"
# the peer dies with data unread: its reset takes the orphaned connection's queue with it
kill -KILL "$p1"
wait "$p1" 2> /dev/null
read1=$(grep -c 'seq=' "$T/peer1.log")
log "the first peer read $read1 records"
[ "$read1" -lt "$k" ] || fail "the first peer read everything ($read1 of $k): nothing to prove"

peer peer2
mv "$T/dut.err" "$T/dut.kill.err.txt"
dut_start "$T/dut.conf" tcp "$tcp"
# seq numbers C+1..K must all arrive (bounded wait)
covered()
{
    if [ "$qmode" = da ]; then
        cat "$T/peer1.log" "$T/peer2.log" 2> /dev/null | grep -o 'seq=[0-9]*:[0-9]*' |
            cut -d: -f2 | sort -un | awk 'NR == FNR { need[$1] = 1; next }
                ($1 in need) { n++ } END { print n + 0 }' "$T/need" -
        return
    fi
    cat "$T/peer1.log" "$T/peer2.log" 2> /dev/null | grep -o 'seq=[0-9]*:[0-9]*' |
        cut -d: -f2 | sort -un | awk -v lo="$c" -v hi="$k" '$1 > lo && $1 <= hi { n++ } END { print n + 0 }'
}
need=$((k - c))
[ "$qmode" = da ] && need=$(wc -l < "$T/need")
for i in $(seq 300); do
    [ "$(covered)" -ge "$need" ] && break
    sleep 0.1
done
wait_stable "$T/peer2.log" 1 20
dut_stop
[ "$DUT_STATUS" -eq 0 ] || fail "sluiced exited with status $DUT_STATUS"
got=$(covered)
cat "$T/peer1.log" "$T/peer2.log" > "$T/all.log"
res=$(verify -q -m -d -o -n "$total" -c 1 "$T/all.log") || true
log "both peers: $res"
dups=$(sed -n 's/.*duplicates=\([0-9]*\).*/\1/p' <<< "$res")
# the peer's own loss: acknowledged by its TCP (<= C), never read
peerloss=$(grep -o 'seq=[0-9]*:[0-9]*' "$T/all.log" | cut -d: -f2 | sort -un |
    awk -v hi="$c" '$1 <= hi { n++ } END { print hi - n }')
[ "$got" -eq "$need" ] || fail "$((need - got)) of the $need records the peer had not acknowledged were lost"
log "ok ($qmode queue): all $need records on disk that the peer had not acknowledged arrived after the restart" \
    "($dups duplicates; $peerloss acknowledged by the killed peer's TCP but never read)"
