#!/bin/bash
# imkafka-pause.sh - a full ruleset queue pauses imkafka: 20,000 messages wait in a topic,
# the ruleset's queue holds 500 and its only action (omfwd over TCP) has no receiver, so it
# is suspended.  imkafka must not run ahead: what it submitted stays within the queue plus
# one batch (no memory growth) and it stores no offset beyond that.  Then the receiver
# (rsyslogd) starts and all 20,000 arrive, in order, none twice.
source "$(dirname "$0")/../integration/lib.sh"
source "$(dirname "$0")/lib-kafka.sh"
setup
[ "$DUT" = sluice ] || { log "sluice only (counters)"; exit 77; }
N=20000
mk_start 3 -T in:1
awk -v n="$N" 'BEGIN { for (i = 1; i <= n; i++) printf "<13>Dec  6 10:00:00 kafkahost app: seq=0:%d\n", i }' > "$T/in.txt"
timeout -k 20 60 "$KCAT" -P -b "$KB" -t in -l "$T/in.txt" 2>> "$T/kcat.err" || fail "kcat -P failed"
new_port rport
{
    dut_global
    printf 'module(load="imkafka")\n'
    printf 'ruleset(name="k" queue.type="LinkedList" queue.size="500") {\n'
    printf '  action(type="omfwd" target="127.0.0.1" port="%s" protocol="tcp" template="RSYSLOG_TraditionalForwardFormat"\n' "$rport"
    printf '         action.resumeRetryCount="-1" action.resumeInterval="1" action.resumeIntervalMax="1")\n}\n'
    printf 'input(type="imkafka" broker=["%s"] topic="in" consumerGroup="p" ruleset="k")\n' "$KB"
} > "$T/dut.conf"
dut_start "$T/dut.conf"
for i in $(seq 150); do grep -q 'assigned [1-9]' "$DUT_ERR" && break; sleep 0.1; done
sleep 4
stats_dump
sub=$(stat_val "imkafka(in)" submitted)
st=$(stat_val "imkafka(in)" offsets.stored)
log "receiver down: imkafka submitted $sub, stored $st offsets of $N"
[ -n "$sub" ] && [ "$sub" -gt 0 ] || fail "imkafka submitted nothing"
[ "$sub" -le 2000 ] || fail "imkafka ran ahead of a full queue: $sub submitted"
[ "$st" -le "$sub" ] || fail "offsets stored beyond what was submitted: $st > $sub"
rs_recv rs --tcp "$rport"
wait_lines "$T/rs/raw.log" "$N" 60 || fail "not all messages arrived after the receiver started"
sleep 1
verify -n "$N" -c 1 "$T/rs/raw.log" || fail "loss, duplicates or reordering"
dut_stop
log "ok: a full ruleset queue paused imkafka at $sub of $N; all $N delivered afterwards"
