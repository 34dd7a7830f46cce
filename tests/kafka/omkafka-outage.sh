#!/bin/bash
# omkafka-outage.sh - every broker of a 3-broker mock cluster goes down for OUTAGE seconds
# (default 30) in the middle of N (default 200,000) messages sent over TCP at RATE msg/s
# into omkafka behind a disk-assisted action queue; then they come back.  Every message
# must reach the topic: 0 lost (duplicates are reported, allowed: a batch purged while
# in flight is produced again).  With DUT=rsyslog the same scenario runs through rsyslog's
# omkafka and only reports what arrived (rsyslog loses messages here: issue 14).
source "$(dirname "$0")/../integration/lib.sh"
source "$(dirname "$0")/lib-kafka.sh"
setup

N=${KAFKA_OUTAGE_N:-200000}
OUTAGE=${KAFKA_OUTAGE_SECS:-30}
RATE=${KAFKA_OUTAGE_RATE:-10000}
C=4
mk_start 3 -T outage:4
new_port tcp
{
    dut_global
    printf 'module(load="imtcp")\nmodule(load="omkafka")\n'
    printf 'input(type="imtcp" address="127.0.0.1" port="%s")\n' "$tcp"
    printf 'action(type="omkafka" broker=["%s"] topic="outage" partitions.number="4"\n' "$KB"
    printf '       template="RSYSLOG_TraditionalFileFormat" errorFile="%s/err.json"\n' "$T"
    printf '       action.resumeRetryCount="-1" action.resumeInterval="1" action.resumeIntervalMax="2"\n'
    printf '       queue.type="LinkedList" queue.size="20000" queue.filename="kq"\n'
    printf '       queue.highWatermark="10000" queue.lowWatermark="2000" queue.maxDiskSpace="1g"\n'
    printf '       queue.saveOnShutdown="on" queue.timeoutEnqueue="60000")\n'
} > "$T/dut.conf"
dut_start "$T/dut.conf" tcp "$tcp"

# the sender runs in the background; the outage starts at about a third of it
"$SLFLOOD" -p "$tcp" -t tcp -n "$N" -c "$C" -r "$RATE" 2>> "$T/slflood.err" &
FL=$!
track_pid "$FL"
sleep $((N / RATE / 3))
log "all brokers down for ${OUTAGE}s"
mk_cmd down -1
sleep "$OUTAGE"
mk_cmd up -1
log "brokers up"
wait_pid_exit "$FL" 120 || fail "sender did not finish"
wait "$FL" || fail "slflood failed"

# wait until the topic holds N records (bounded), then check
kc_wait outage "$N" "$T/topic.txt" 90 || true
dut_stop 30
kc_untruncated outage 4
got=$(count_lines "$T/topic.txt")
res=$(verify -n "$N" -c "$C" -d -o -m -q "$T/topic.txt" 2>&1)
log "$DUT: $res (records in topic: $got)"
if [ "$DUT" = sluice ]; then
    verify -n "$N" -c "$C" -d -o -q "$T/topic.txt" > /dev/null ||
        fail "messages lost during the broker outage: $res"
    [ ! -s "$T/err.json" ] || fail "errorFile written during an outage: $(head -n 2 "$T/err.json")"
fi
log "ok: ${OUTAGE}s outage of every broker in $N messages, $res"
