#!/bin/bash
# omkafka-restart.sh - a restart while every broker is down: N (default 20,000) messages
# arrive over TCP while the brokers are down, the daemon is stopped (SIGTERM) with them
# still undelivered, the brokers come back, the daemon starts again: every message must
# reach the topic (disk-assisted action queue, saveOnShutdown).  What omkafka had handed
# to librdkafka's buffer must not be lost with the process.  With DUT=rsyslog the same
# runs through rsyslog's omkafka and only reports what arrived.
source "$(dirname "$0")/../integration/lib.sh"
source "$(dirname "$0")/lib-kafka.sh"
setup
N=${KAFKA_RESTART_N:-20000}
C=2
mk_start 3 -T rs:4
mk_cmd down -1
new_port tcp
{
    dut_global
    printf 'module(load="imtcp")\nmodule(load="omkafka")\n'
    printf 'input(type="imtcp" address="127.0.0.1" port="%s")\n' "$tcp"
    printf 'action(type="omkafka" broker=["%s"] topic="rs" partitions.number="4"\n' "$KB"
    printf '       template="RSYSLOG_TraditionalFileFormat" closeTimeout="1000"\n'
    printf '       action.resumeRetryCount="-1" action.resumeInterval="1" action.resumeIntervalMax="2"\n'
    printf '       queue.type="LinkedList" queue.size="50000" queue.filename="rsq"\n'
    printf '       queue.saveOnShutdown="on" queue.maxDiskSpace="1g")\n'
} > "$T/dut.conf"
dut_start "$T/dut.conf" tcp "$tcp"
flood -p "$tcp" -t tcp -n "$N" -c "$C" -r 10000 || fail "slflood failed"
sleep 5   # everything accepted; the brokers are still down
dut_stop 60
log "$DUT stopped with the brokers down (status $DUT_STATUS)"
mk_cmd up -1
dut_start "$T/dut.conf" tcp "$tcp"
kc_wait rs "$N" "$T/topic.txt" 40 || true
sleep 1
kc_consume rs "$T/topic.txt"
dut_stop 30
res=$(verify -n "$N" -c "$C" -d -o -m -q "$T/topic.txt" 2>&1)
log "$DUT: $res"
if [ "$DUT" = sluice ]; then
    verify -n "$N" -c "$C" -d -o -q "$T/topic.txt" > /dev/null || fail "messages lost across the restart: $res"
fi
log "ok: restart with the brokers down, $N messages: $res"
