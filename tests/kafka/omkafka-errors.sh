#!/bin/bash
# omkafka-errors.sh - what omkafka does with bad input and failures:
#   1. a permanent broker error (mock_kafka: err Produce 1 MSG_SIZE_TOO_LARGE) on one
#      message: that message in errorFile with librdkafka's error, the others delivered,
#      the counters right (failed.permanent, failed.MSG_SIZE_TOO_LARGE, core "failed");
#   2. a topic template that renders empty: counted (topic.empty), in errorFile;
#   3. an unknown confParam: -N1 fails naming FILE:LINE and librdkafka's own text;
#   4. unreachable brokers at start: sluiced starts, the action is suspended with a clear
#      log line, and the messages arrive once the brokers come up.
source "$(dirname "$0")/../integration/lib.sh"
source "$(dirname "$0")/lib-kafka.sh"
setup
[ "$DUT" = sluice ] || { log "sluice only (counters, -N1 text)"; exit 77; }

# --- 3. unknown confParam at config check ------------------------------------------------
{
    printf 'module(load="omkafka")\n'
    printf 'action(type="omkafka" broker=["127.0.0.1:1"] topic="t"\n'
    printf '       confParam=["acks=all", "no.such.property=1"])\n'
} > "$T/bad.conf"
dut_check "$T/bad.conf" && fail "-N1 accepted an unknown librdkafka property"
grep -q 'No such configuration property: "no.such.property"' "$T/check.err" ||
    fail "librdkafka's error text missing: $(cat "$T/check.err")"
grep -q "bad.conf:2: error: action 'omkafka'" "$T/check.err" ||
    fail "-N1 does not name bad.conf:2: $(cat "$T/check.err")"
printf 'module(load="omkafka")\naction(type="omkafka" topic="t" confParam="novalue")\n' > "$T/bad2.conf"
dut_check "$T/bad2.conf" && fail "-N1 accepted a confParam without '='"
grep -q 'missing equal sign' "$T/check.err" || fail "no 'missing equal sign': $(cat "$T/check.err")"
log "ok: unknown confParam rejected at -N1 with file:line and librdkafka's text"
# the scale-out examples of conf.d pass the check (paths moved into the scratch dir)
for f in kafka-edge kafka-central; do
    sed "s|/var/lib/sluice|$T|; s|/var/log|$T|g" "$top_srcdir/conf.d/$f.conf" > "$T/$f.conf"
    dut_check "$T/$f.conf" || fail "conf.d/$f.conf: $(cat "$T/check.err")"
done

# --- 4. unreachable brokers at start -------------------------------------------------------
mk_start 3 -T perm:1
mk_cmd down -1
new_port tcp
{
    dut_global
    printf 'module(load="imtcp")\nmodule(load="omkafka")\n'
    printf 'input(type="imtcp" address="127.0.0.1" port="%s")\n' "$tcp"
    printf 'template(name="empty" type="string" string="%%$!nosuch%%")\n'
    printf 'template(name="m" type="string" string="%%msg%%\\n")\n'
    printf 'if $programname == "notopic" then {\n'
    printf '  action(type="omkafka" name="dyn" broker=["%s"] topic="empty" dynaTopic="on"\n' "$KB"
    printf '         template="m" errorFile="%s/dyn-err.json" statsName="kdyn")\n' "$T"
    printf '  stop\n}\n'
    printf 'action(type="omkafka" name="perm" broker=["%s"] topic="perm" template="m"\n' "$KB"
    printf '       errorFile="%s/err.json" statsName="kperm" statsFile="%s/stats.json"\n' "$T" "$T"
    printf '       confParam=["statistics.interval.ms=500"]\n'
    printf '       action.resumeInterval="1" action.resumeIntervalMax="1")\n'
} > "$T/dut.conf"
dut_start "$T/dut.conf" tcp "$tcp"
for i in 1 2 3; do send_logger "$tcp" tcp "before-$i" -t app; done
for i in $(seq 100); do
    grep -q "all Kafka brokers are down" "$DUT_ERR" && grep -q "action 'perm' suspended" "$DUT_ERR" && break
    sleep 0.1
done
grep -q "all Kafka brokers are down" "$DUT_ERR" || fail "no log line about unreachable brokers"
grep -q "action 'perm' suspended" "$DUT_ERR" || fail "the action was not suspended"
dut_alive || fail "sluiced exited with unreachable brokers"
mk_cmd up -1
kc_wait perm 3 "$T/t1.txt" 30 || fail "messages held while the brokers were down did not arrive"
log "ok: unreachable brokers at start: suspended, logged, delivered after they came up"

# --- 1. permanent error on one message --------------------------------------------------------
mk_cmd err Produce 1 MSG_SIZE_TOO_LARGE
send_logger "$tcp" tcp "victim" -t app
for i in $(seq 100); do [ -s "$T/err.json" ] && break; sleep 0.1; done
[ -s "$T/err.json" ] || fail "no errorFile record for the message the broker refused"
for i in 1 2 3 4 5; do send_logger "$tcp" tcp "after-$i" -t app; done
kc_wait perm 8 "$T/topic.txt" 30 || fail "the messages after the refused one did not arrive"
sleep 1
kc_consume perm "$T/topic.raw"
sort "$T/topic.raw" > "$T/topic.txt"   # one logger connection each: no order between them
printf '%s\n' after-1 after-2 after-3 after-4 after-5 before-1 before-2 before-3 > "$T/expect.txt"
cmp "$T/expect.txt" "$T/topic.txt" || { diff "$T/expect.txt" "$T/topic.txt" >&2; fail "topic content"; }
[ "$(count_lines "$T/err.json")" -eq 1 ] || fail "errorFile: $(cat "$T/err.json")"
grep -Fq '"errcode": 10, "errmsg": "Broker: Message size too large", "data": "victim\n"' "$T/err.json" ||
    fail "errorFile record: $(cat "$T/err.json")"

# --- 2. topic template renders empty ------------------------------------------------------------
send_logger "$tcp" tcp "lost-topic" -t notopic
for i in $(seq 50); do [ -s "$T/dyn-err.json" ] && break; sleep 0.1; done
grep -Fq '"errmsg": "topic template rendered an empty topic name", "data": "lost-topic\n"' "$T/dyn-err.json" ||
    fail "empty topic not in errorFile: $(cat "$T/dyn-err.json" 2> /dev/null)"

stats_dump
[ "$(stat_val kperm acked)" = 8 ] || fail "acked=$(stat_val kperm acked), expected 8"
[ "$(stat_val kperm failed.permanent)" = 1 ] || fail "failed.permanent=$(stat_val kperm failed.permanent)"
[ "$(stat_val kperm failed.MSG_SIZE_TOO_LARGE)" = 1 ] ||
    fail "failed.MSG_SIZE_TOO_LARGE=$(stat_val kperm failed.MSG_SIZE_TOO_LARGE)"
[ "$(stat_val kperm inflight)" = 0 ] || fail "inflight=$(stat_val kperm inflight)"
[ "$(stat_val perm failed)" = 1 ] || fail "core action failed=$(stat_val perm failed), expected 1"
[ "$(stat_val kdyn topic.empty)" = 1 ] || fail "topic.empty=$(stat_val kdyn topic.empty)"
[ "$(stat_val dyn failed)" = 1 ] || fail "core action dyn failed=$(stat_val dyn failed)"
grep -q '"brokers":' "$T/stats.json" || fail "statsFile holds no librdkafka statistics"
dut_stop
log "ok: permanent error and empty topic: errorFile, counters, the rest delivered"
