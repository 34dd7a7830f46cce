#!/bin/bash
# udp-batch-wait.sh - imudp's batch coalescing (module parameter batchWait, sluice only;
# plugins/common/sl_udp.c): 20,000 datagrams at a steady 20,000/s arrive complete and in
# order (slverify) with the default batchWait and with batchWait="0"; with the default the
# receive thread took coalescing sleeps (imudp(ADDR:PORT) batch.waits > 0), with "0" none
# (batch.waits = 0: rsyslog's read-at-once behaviour); batch.reads (recvmmsg calls that
# returned datagrams) is there in both and at most the datagrams received.  -N1 refuses a
# batchWait out of 0..100000.  The datagrams per read of both runs are logged, not
# compared: on a loaded machine a late reader batches without help.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"
setup
[ "$DUT" = sluice ] || { log "imudp's batchWait is sluice's: skipped for DUT=$DUT"; exit 77; }
require_plugin imudp
new_port udp
total=20000

# conf FILE [MODULE PARAMETERS]
conf()
{
    {
        dut_global
        printf 'module(load="imudp" %s)\n' "${2:-}"
        printf 'input(type="imudp" address="127.0.0.1" port="%s" rcvbufSize="4m")\n' "$udp"
        printf 'action(type="omfile" file="%s/out/all.log" template="RSYSLOG_FileFormat")\n' "$T"
    } > "$1"
}

# run NAME [MODULE PARAMETERS]: one daemon, the flood, the counters into $T/stats.NAME
run()
{
    rm -f "$T/out/all.log"
    conf "$T/$1.conf" "${2:-}"
    dut_check "$T/$1.conf" || fail "$1: -N1 rejects the config: $(cat "$T/check.err")"
    dut_start "$T/$1.conf" udp "$udp"
    flood -p "$udp" -t udp -n "$total" -r 20000 || fail "$1: slflood failed"
    wait_lines "$T/out/all.log" "$total" 30 || fail "$1: not every message arrived"
    wait_stable "$T/out/all.log" 1 10
    verify -n "$total" "$T/out/all.log" || fail "$1: loss, duplicates or reordering"
    stats_dump "$T/stats.$1"
    dut_stop
    [ "$DUT_STATUS" -eq 0 ] || fail "$1: sluiced exited with status $DUT_STATUS"
}

set_name="imudp(127.0.0.1:$udp)"
run default
run off 'batchWait="0"'
for v in default off; do
    rcv=$(stat_val "$set_name" received "$T/stats.$v")
    reads=$(stat_val "$set_name" batch.reads "$T/stats.$v")
    waits=$(stat_val "$set_name" batch.waits "$T/stats.$v")
    [ -n "$reads" ] && [ -n "$waits" ] || fail "$v: no batch.reads / batch.waits in $set_name"
    [ "$rcv" = "$total" ] || fail "$v: received=$rcv, not $total"
    [ "$reads" -ge 1 ] && [ "$reads" -le "$rcv" ] || fail "$v: batch.reads=$reads for $rcv datagrams"
    log "$v: $rcv datagrams in $reads reads ($((rcv / reads)) per read), $waits waits"
    eval "waits_$v=\$waits"
done
# shellcheck disable=SC2154  # set by the eval above
[ "$waits_default" -gt 0 ] || fail "the default batchWait never waited at 20,000 datagrams/s"
# shellcheck disable=SC2154
[ "$waits_off" -eq 0 ] || fail "batchWait=\"0\" waited $waits_off times"

for bad in -1 100001; do
    conf "$T/bad.conf" "batchWait=\"$bad\""
    if dut_check "$T/bad.conf"; then
        fail "-N1 accepted batchWait=\"$bad\""
    fi
    grep -q "batchWait" "$T/check.err" || fail "-N1 did not name batchWait: $(cat "$T/check.err")"
done
log "ok"
