#!/bin/bash
# queue.type="Direct" for the main queue and a ruleset's own queue (the input thread runs
# the rules, as rsyslog's qAddDirect):
#   - order: 40,000 messages over 4 TCP connections to one imtcp input and, at the same
#     time, 20,000 over 2 to a second one (two input threads running the default ruleset's
#     modifier and one file action concurrently), then 10,000 over 2 into a ruleset with a
#     Direct queue of its own: slverify finds none lost, duplicated or reordered per
#     connection;
#   - statistics: as rsyslog 8.2302 (qqueueStart returns before making them), a Direct
#     queue has no core.queue set in impstats: no "main Q", no "r2" line;
#   - disk settings on a Direct queue are ignored, as rsyslog does (never disk-assisted):
#     no spool file after SIGTERM with queue.saveOnShutdown="on";
#   - back-pressure and shutdown: a direct omfwd action to a port where nothing listens,
#     retried forever, holds the input thread that runs it: of 3,000 messages sent, imtcp
#     has submitted none (a queue would have taken them all); SIGTERM still ends the
#     daemon soon after the main queue's queue.timeoutShutdown (3 s), with status 0;
#   - $MainMsgQueueType Direct with a main_queue() object: as rsyslog's createMainQueue,
#     the object wins and the directive is left out: the main queue is a queue ("main Q"
#     statistics);
#   - processInternalMessages="on": the suspension message that omfwd's delivery logs on
#     the input thread (in sluiced under the action's lock) still reaches the rules (it is
#     handed to the queue's one worker, never run inline: that would deadlock).
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"
setup
# wait_grep PATTERN FILE TENTHS: waits up to TENTHS tenths of a second for PATTERN in FILE
wait_grep()
{
    local i
    for i in $(seq "$3"); do
        grep -q -- "$1" "$2" 2> /dev/null && return 0
        sleep 0.1
    done
    grep -q -- "$1" "$2" 2> /dev/null
}
new_port tcp
new_port tcp1
new_port tcp2
out=$T/out/main.log
out2=$T/out/r2.log
mkdir -p "$T/out"
{
    # rsyslog takes the first main_queue() only: leave out the harness's
    dut_global | grep -v '^main_queue('
    printf 'module(load="impstats" interval="1" log.file="%s/stats.log" log.syslog="off")\n' "$T"
    printf 'module(load="imtcp")\nmodule(load="mmutf8fix")\n'
    printf 'main_queue(queue.type="Direct" queue.filename="mainq" queue.saveOnShutdown="on")\n'
    printf 'ruleset(name="r2" queue.type="Direct" queue.filename="r2q") {\n'
    printf '  action(type="omfile" file="%s")\n}\n' "$out2"
    printf 'input(type="imtcp" address="127.0.0.1" port="%s")\n' "$tcp"
    printf 'input(type="imtcp" address="127.0.0.1" port="%s")\n' "$tcp1"
    printf 'input(type="imtcp" address="127.0.0.1" port="%s" ruleset="r2")\n' "$tcp2"
    printf 'action(type="mmutf8fix")\n'
    printf 'action(type="omfile" file="%s")\n' "$out"
} > "$T/dut.conf"
dut_start "$T/dut.conf" tcp "$tcp" tcp "$tcp1" tcp "$tcp2"
flood -p "$tcp" -t tcp -n 40000 -c 4 -H hosta &
fa=$!
flood -p "$tcp1" -t tcp -n 20000 -c 2 -H hostb || fail "slflood (second input) failed"
wait "$fa" || fail "slflood (first input) failed"
flood -p "$tcp2" -t tcp -n 10000 -c 2 || fail "slflood (r2) failed"
wait_lines "$out" 60000 30 || fail "not all 60000 messages were written"
wait_lines "$out2" 10000 30 || fail "not all 10000 messages of ruleset r2 were written"
grep ' hosta ' "$out" > "$T/out/a.log"
grep ' hostb ' "$out" > "$T/out/b.log"
verify -n 40000 -c 4 "$T/out/a.log" || fail "slverify: loss, duplicates or reordering (input 1)"
verify -n 20000 -c 2 "$T/out/b.log" || fail "slverify: loss, duplicates or reordering (input 2)"
verify -n 10000 -c 2 "$out2" || fail "slverify: loss, duplicates or reordering (ruleset r2)"
# two more impstats intervals, so the counters after the flood are out
for i in $(seq 50); do
    [ "$(cat "$T/stats.log" 2> /dev/null | grep -c "origin=imtcp submitted=")" -ge 6 ] && break
    sleep 0.1
done
grep -q 'origin=core.action processed=60000 ' "$T/stats.log" ||
    { cat "$T/stats.log"; fail "no core.action line with processed=60000"; }
if grep -E ': (main Q|r2): origin=core.queue' "$T/stats.log"; then
    fail "a Direct queue has a core.queue set (rsyslog 8.2302 has none)"
fi
dut_stop
[ "$DUT_STATUS" -eq 0 ] || fail "$DUT exited with status $DUT_STATUS"
if find "$T" -maxdepth 1 -name 'mainq*' -o -maxdepth 1 -name 'r2q*' | grep .; then
    fail "a Direct queue wrote spool files (rsyslog ignores queue.filename there)"
fi

# shutdown while the input thread is stuck in a suspended direct action
new_port tcp3
new_port dead   # nothing listens here
{
    dut_global | grep -v '^main_queue('
    printf 'module(load="impstats" interval="1" log.file="%s/stats2.log" log.syslog="off")\n' "$T"
    printf 'main_queue(queue.type="Direct" queue.timeoutShutdown="3000")\n'
    printf 'module(load="imtcp")\n'
    printf 'input(type="imtcp" address="127.0.0.1" port="%s")\n' "$tcp3"
    printf 'action(type="omfwd" name="fwd" target="127.0.0.1" port="%s" protocol="tcp"\n' "$dead"
    printf '       action.resumeRetryCount="-1" action.resumeInterval="30")\n'
} > "$T/dut2.conf"
dut_start "$T/dut2.conf" tcp "$tcp3"
send_logger "$tcp3" tcp "one message for a peer that is down"
sleep 1.5   # the input thread has tried, the action is suspended and sleeps 30 s
timeout -k 20 5 "$SLFLOOD" -p "$tcp3" -t tcp -n 3000 -c 1 -W 1 2> /dev/null &
fl=$!
for i in $(seq 50); do   # three stats lines after the flood started
    [ "$(cat "$T/stats2.log" 2> /dev/null | grep -c "origin=imtcp submitted=")" -ge 4 ] && break
    sleep 0.1
done
sub=$(grep 'origin=imtcp submitted=' "$T/stats2.log" | tail -n 1 | sed 's/.*submitted=\([0-9]*\).*/\1/')
[ -n "$sub" ] && [ "$sub" -lt 3000 ] ||
    { cat "$T/stats2.log"; fail "imtcp submitted '$sub' messages past a suspended direct action"; }
start=$(date +%s)
dut_stop 20
took=$(($(date +%s) - start))
[ "$DUT_STATUS" -eq 0 ] || fail "exit status $DUT_STATUS on SIGTERM"
[ "$took" -le 10 ] || fail "shutdown took $took s (deadline 3 s)"
wait "$fl" 2> /dev/null

# a main_queue() object makes rsyslog ignore the $MainMsgQueue* directives
new_port tcp5
{
    dut_global | grep -v '^main_queue('
    printf 'module(load="impstats" interval="1" log.file="%s/stats5.log" log.syslog="off")\n' "$T"
    printf 'main_queue(queue.workerThreads="1")\n$MainMsgQueueType Direct\n'
    printf 'module(load="imtcp")\n'
    printf 'input(type="imtcp" address="127.0.0.1" port="%s")\n' "$tcp5"
    printf 'action(type="omfile" file="%s/out5.log")\n' "$T"
} > "$T/dut5.conf"
dut_start "$T/dut5.conf" tcp "$tcp5"
wait_grep 'origin=imtcp' "$T/stats5.log" 50
wait_grep ': main Q: origin=core.queue' "$T/stats5.log" 1 ||
    { cat "$T/stats5.log"; fail "\$MainMsgQueueType Direct applied beside a main_queue() object"; }
dut_stop
[ "$DUT_STATUS" -eq 0 ] || fail "exit status $DUT_STATUS (legacy directive beside main_queue())"

# internal messages while the input thread runs a failing action
new_port tcp4
{
    dut_global | grep -v '^main_queue('
    printf 'global(processInternalMessages="on")\n'
    printf 'main_queue(queue.type="Direct")\n'
    printf 'module(load="imtcp")\n'
    printf 'input(type="imtcp" address="127.0.0.1" port="%s")\n' "$tcp4"
    printf 'if $inputname == "rsyslogd" then {\n'
    printf '  action(type="omfile" file="%s/internal.log")\n  stop\n}\n' "$T"
    printf 'action(type="omfwd" name="fwd2" target="127.0.0.1" port="%s" protocol="tcp"\n' "$dead"
    printf '       action.resumeRetryCount="1" action.resumeInterval="1" action.reportSuspension="on")\n'
} > "$T/dut3.conf"
dut_start "$T/dut3.conf" tcp "$tcp4"
send_logger "$tcp4" tcp "a message for a peer that is down"
wait_grep "suspended" "$T/internal.log" 100 ||
    { dump_stderr; fail "no internal 'suspended' message went through the rules"; }
dut_alive || fail "$DUT died"
dut_stop
[ "$DUT_STATUS" -eq 0 ] || fail "exit status $DUT_STATUS on SIGTERM (internal messages)"
log "ok: order kept on 4+2+2 connections, no queue statistics or spool files, $sub submitted past a suspended action, shutdown in $took s"
