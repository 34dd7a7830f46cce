#!/bin/bash
# omkafka-flood.sh - N (default 100,000) messages over 4 TCP connections into omkafka
# with the connection's number as the key (dynaKey) and librdkafka's partitioner
# (partitions.auto): consumed with kcat, none lost, none duplicated, and each key's
# messages in order within its partition (slverify's per-connection order check: one key
# is one partition).  The counters must add up: submitted = acked = N, inflight 0.  The
# action has a queue, so the core takes deferred acknowledgements (SL_PENDING, the
# delivery reports confirm batches through batch_done).
source "$(dirname "$0")/../integration/lib.sh"
source "$(dirname "$0")/lib-kafka.sh"
setup
N=${KAFKA_FLOOD_N:-100000}
C=4
mk_start 3 -T flood:4
new_port tcp
{
    dut_global
    printf 'module(load="imtcp")\nmodule(load="omkafka")\n'
    printf 'input(type="imtcp" address="127.0.0.1" port="%s")\n' "$tcp"
    printf 'template(name="conn" type="string" string="%%msg:R,ERE,1,FIELD:seq=([0-9]+):--end%%")\n'
    printf 'action(type="omkafka" name="kafka" broker=["%s"] topic="flood" key="conn" dynaKey="on"\n' "$KB"
    printf '       partitions.auto="on" template="RSYSLOG_TraditionalFileFormat" statsName="kflood"\n'
    printf '       action.resumeInterval="1" queue.type="LinkedList" queue.size="50000")\n'
} > "$T/dut.conf"
dut_start "$T/dut.conf" tcp "$tcp"
flood -p "$tcp" -t tcp -n "$N" -c "$C" || fail "slflood failed"
kc_wait flood "$N" "$T/topic.txt" 60 '%p %k %s' || fail "topic incomplete"
sleep 1
kc_consume flood "$T/topic.txt" '%p %k %s'
kc_untruncated flood 4
verify -n "$N" -c "$C" "$T/topic.txt" || fail "loss, duplicates or reordering in the topic"
# one partition per key, and the key is the connection of the seq
awk '{ split($0, a, "seq="); split(a[2], b, ":"); if (b[1] != $2) bad++; part[$2] = part[$2] " " $1 }
     END { exit bad > 0 }' "$T/topic.txt" || fail "a record's key is not its connection"
kp=$(awk '{ print $2, $1 }' "$T/topic.txt" | sort -u | awk '{ print $1 }' | uniq -d)
[ -z "$kp" ] || fail "keys spread over several partitions: $kp"
stats_dump
for k in submitted acked; do
    [ "$(stat_val kflood "$k")" = "$N" ] || fail "counter $k=$(stat_val kflood "$k"), expected $N"
done
[ "$(stat_val kflood inflight)" = 0 ] || fail "inflight=$(stat_val kflood inflight)"
[ "$(stat_val kflood failures)" = 0 ] || fail "failures=$(stat_val kflood failures)"
[ "$(stat_val "kafka sluice" ack.confirmed)" = "$N" ] ||
    fail "core: ack.confirmed=$(stat_val "kafka sluice" ack.confirmed), expected $N (deferred path)"
dut_stop
[ "$DUT_STATUS" -eq 0 ] || fail "$DUT exited with $DUT_STATUS"
log "ok: $N messages over $C connections: none lost or duplicated, per-key order kept"
