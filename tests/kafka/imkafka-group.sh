#!/bin/bash
# imkafka-group.sh - two sluiceds in one consumer group on a 4-partition topic: they write
# disjoint sets whose union is every message; then one is stopped mid-way (SIGTERM: its
# consumer commits the offsets of what reached its ruleset queue and leaves the group)
# and the other takes over its partitions: after the second half of the messages the
# union still holds every message, nothing lost (duplicates reported).  The messages are
# produced with kcat, keyed by the "connection" of their seq=C:N so that one key keeps
# its order in one partition (slverify checks it per file).
source "$(dirname "$0")/../integration/lib.sh"
source "$(dirname "$0")/lib-kafka.sh"
setup
[ "$DUT" = sluice ] || { log "sluice only"; exit 77; }
N=${KAFKA_GROUP_N:-40000}
C=4
mk_start 3 -T in:4
# N lines "C<TAB><13>Dec  6 10:00:00 kafkahost app: seq=C:I", interleaved over C
awk -v n="$N" -v c="$C" 'BEGIN { for (i = 1; i <= n / c; i++) for (k = 0; k < c; k++)
    printf "%d\t<13>Dec  6 10:00:00 kafkahost app: seq=%d:%d\n", k, k, i }' > "$T/all.txt"
head -n $((N / 2)) "$T/all.txt" > "$T/first.txt"
tail -n +$((N / 2 + 1)) "$T/all.txt" > "$T/second.txt"

member()   # member NAME: starts a group member writing the MSG of each message to NAME.log
{
    mkdir -p "$T/$1"
    {
        printf 'global(workDirectory="%s/%s")\n' "$T" "$1"
        printf 'module(load="imkafka")\n'
        printf 'template(name="m" type="string" string="%%msg%%\\n")\n'
        printf 'ruleset(name="k") { action(type="omfile" file="%s/%s.log" template="m") }\n' "$T" "$1"
        printf 'input(type="imkafka" broker=["%s"] topic="in" consumerGroup="central"\n' "$KB"
        printf '      ruleset="k" confParam=["session.timeout.ms=6000", "heartbeat.interval.ms=500",\n'
        printf '      "auto.commit.interval.ms=500"])\n'
    } > "$T/$1.conf"
    "$SLUICED" -n -iNONE -f "$T/$1.conf" -M "$SLUICE_PLUGIN_DIR" < /dev/null > /dev/null 2>> "$T/$1.err" &
    eval "PID_$1=\$!"
    track_pid "$!"
}
assigned()  # assigned NAME: waits until NAME got partitions in its last assignment
{
    local i
    for i in $(seq 150); do
        grep -q 'assigned [1-9]' "$T/$1.err" && return 0
        sleep 0.1
    done
    fail "$1 got no partitions: $(tail -n 5 "$T/$1.err")"
}
both()      # lines in both outputs
{
    echo $(( $(count_lines "$T/A.log") + $(count_lines "$T/B.log") ))
}
wait_both()
{
    local want=$1 i
    for i in $(seq 600); do
        [ "$(both)" -ge "$want" ] && return 0
        sleep 0.1
    done
    fail "only $(both) of $want messages written by the two members"
}

member A
assigned A
member B
assigned B
sleep 2   # the group settles: A gave up half of its partitions
timeout -k 20 60 "$KCAT" -P -b "$KB" -t in -K '	' -l "$T/first.txt" 2>> "$T/kcat.err" || fail "kcat -P failed"
wait_both $((N / 2))
sleep 1
a=$(count_lines "$T/A.log")
b=$(count_lines "$T/B.log")
[ "$a" -gt 0 ] && [ "$b" -gt 0 ] || fail "one member got nothing: A=$a B=$b"
cat "$T/A.log" "$T/B.log" > "$T/half.txt"
res=$(verify -n "$N" -c "$C" -p -q "$T/half.txt" 2>&1) || fail "first half: not disjoint or not complete: $res"
verify -n "$N" -c "$C" -p -q "$T/A.log" > /dev/null || fail "A: order within a key broken"
log "first half: A wrote $a, B wrote $b, disjoint, union complete ($res)"

stop_pid "$PID_B" 20
log "B stopped; A takes over"
timeout -k 20 60 "$KCAT" -P -b "$KB" -t in -K '	' -l "$T/second.txt" 2>> "$T/kcat.err" || fail "kcat -P failed"
wait_both "$N"
sleep 2
cat "$T/A.log" "$T/B.log" > "$T/union.txt"
res=$(verify -n "$N" -c "$C" -d -o -q "$T/union.txt" 2>&1) || fail "after takeover: $res"
a2=$(count_lines "$T/A.log")
[ $((a2 - a)) -ge $((N / 2)) ] || fail "A wrote only $((a2 - a)) of the second half"
log "ok: two members, $N messages, disjoint halves, takeover after SIGTERM: $res"
