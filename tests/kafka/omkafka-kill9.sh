#!/bin/bash
# omkafka-kill9.sh - kill -9 of sluiced while every broker is down, with a disk action
# queue (queue.type="Disk", syncQueueFiles): after a restart with the brokers up, every
# message that sluiced had accepted and synced (the "NAME sluice" counter disk.enqueued,
# read before the kill) reaches the topic; per connection the topic holds a hole-free
# prefix of what was sent; duplicates are reported (allowed).  Then the same with the
# brokers up, kill -9 in the middle of a paced flood while omkafka is delivering (the
# deferred acknowledgement keeps every record in the spool until its delivery report).
source "$(dirname "$0")/../integration/lib.sh"
source "$(dirname "$0")/lib-kafka.sh"
setup
[ "$DUT" = sluice ] || { log "sluice only (disk.enqueued counter)"; exit 77; }
N=${KAFKA_KILL9_N:-20000}
C=2
mk_start 3 -T k9:4
mk_cmd down -1
new_port tcp
{
    dut_global
    printf 'module(load="imtcp")\nmodule(load="omkafka")\n'
    printf 'input(type="imtcp" address="127.0.0.1" port="%s")\n' "$tcp"
    printf 'action(type="omkafka" name="k" broker=["%s"] topic="k9" template="RSYSLOG_TraditionalFileFormat"\n' "$KB"
    printf '       partitions.auto="on" key="x"\n'
    printf '       action.resumeRetryCount="-1" action.resumeInterval="1" action.resumeIntervalMax="1"\n'
    printf '       queue.type="Disk" queue.filename="k9q" queue.syncQueueFiles="on"\n'
    printf '       queue.maxDiskSpace="1g")\n'
} > "$T/dut.conf"
dut_start "$T/dut.conf" tcp "$tcp"
flood -p "$tcp" -t tcp -n "$N" -c "$C" -r 20000 || fail "slflood failed"
# wait until the spool stopped growing, then read the counter and kill at once
last=-1
for i in $(seq 60); do
    stats_dump
    k=$(stat_val "k sluice" disk.enqueued)
    [ "$k" = "$last" ] && break
    last=$k
    sleep 0.5
done
[ -n "$k" ] && [ "$k" -gt 0 ] || fail "no disk.enqueued counter"
kill -KILL "$DUT_PID"
wait "$DUT_PID" 2> /dev/null
DUT_PID=
log "killed with $k of $N messages synced to the spool, brokers down"
mk_cmd up -1
dut_start "$T/dut.conf" tcp "$tcp"
kc_wait k9 "$k" "$T/topic.txt" 60 || fail "after restart the topic holds fewer than the $k synced messages"
sleep 2
kc_consume k9 "$T/topic.txt"
res=$(verify -n "$N" -c "$C" -p -d -o -q "$T/topic.txt" 2>&1) || fail "holes after kill -9: $res"
uniq=$(echo "$res" | sed -n 's/.*unique=\([0-9]*\).*/\1/p')
[ "$uniq" -ge "$k" ] || fail "only $uniq unique messages in the topic, $k were synced: $res"
dut_stop
log "ok: kill -9 with brokers down: $k synced, all in the topic after restart ($res)"

# --- kill -9 while delivering ------------------------------------------------------------
N2=${KAFKA_KILL9_N2:-40000}
sed 's/topic="k9"/topic="k9b"/; s/queue.filename="k9q"/queue.filename="k9bq"/' "$T/dut.conf" > "$T/dut2.conf"
dut_start "$T/dut2.conf" tcp "$tcp"
"$SLFLOOD" -p "$tcp" -t tcp -n "$N2" -c "$C" -r 10000 2>> "$T/slflood.err" &
FL=$!
track_pid "$FL"
sleep 2
stats_dump
k=$(stat_val "k sluice" disk.enqueued)
kill -KILL "$DUT_PID"
wait "$DUT_PID" 2> /dev/null
DUT_PID=
wait "$FL" 2> /dev/null   # its connections end with the daemon
[ -n "$k" ] && [ "$k" -gt 0 ] || fail "no disk.enqueued counter before the second kill"
log "killed while delivering, $k synced"
dut_start "$T/dut2.conf" tcp "$tcp"
kc_wait k9b "$k" "$T/topic2.txt" 60 || fail "after restart fewer than the $k synced messages in k9b"
sleep 2
kc_consume k9b "$T/topic2.txt"
res=$(verify -n "$N2" -c "$C" -p -d -o -q "$T/topic2.txt" 2>&1) || fail "holes after kill -9 while delivering: $res"
uniq=$(echo "$res" | sed -n 's/.*unique=\([0-9]*\).*/\1/p')
[ "$uniq" -ge "$k" ] || fail "only $uniq unique messages in k9b, $k were synced: $res"
dut_stop
log "ok: kill -9 while delivering: $k synced before the kill, all in the topic ($res)"
