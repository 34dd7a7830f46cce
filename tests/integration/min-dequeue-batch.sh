#!/bin/bash
# queue.minDequeueBatchSize / queue.minDequeueBatchSize.timeout on action queues (rsyslog
# 8.2302: a worker that finds fewer messages waits up to the timeout for the minimum).
# Over one TCP connection: 20 messages for action A (minimum 20, timeout 30 s) arrive as one
# batch long before its timeout; 5 for action B (minimum 20, timeout 2 s) are still held
# 0.8 s after they were sent and arrive after the timeout; with sluiced, the same for action
# D without the in-flight window (action.maxInFlight="0": the plain action worker).  The
# same checks pass with DUT=rsyslog.  With sluiced, also an omhttp batch action (the in-flight window's worker):
# 10 messages sent 50 ms apart with a minimum of 10 (timeout 30 s) make one request of 10
# records (without the minimum: several).
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=tests/integration/lib-http.sh
. "$(dirname "$0")/lib-http.sh"
setup
new_port TCP
http=0
if [ "$DUT" = sluice ] && plugin_built omhttp && command -v python3 > /dev/null; then
    http=1
    new_port HTTP
    sink_start sink "$HTTP"
fi
{
    dut_global
    printf 'module(load="imtcp")\n'
    [ "$http" = 1 ] && printf 'module(load="omhttp")\n'
    printf 'input(type="imtcp" address="127.0.0.1" port="%s")\n' "$TCP"
    printf 'template(name="m" type="string" string="%%msg%%\\n")\n'
    printf 'template(name="p" type="string" string="%%msg%%")\n'
    q='queue.type="LinkedList" queue.dequeueBatchSize="100" queue.minDequeueBatchSize="20"'
    printf 'if $msg contains "A-" then action(type="omfile" file="%s/out/a.log" template="m" %s queue.minDequeueBatchSize.timeout="30000")\n' "$T" "$q"
    printf 'if $msg contains "B-" then action(type="omfile" file="%s/out/b.log" template="m" %s queue.minDequeueBatchSize.timeout="2000")\n' "$T" "$q"
    # sluiced: D as B without the in-flight window (the plain action worker)
    [ "$DUT" = sluice ] &&
        printf 'if $msg contains "D-" then action(type="omfile" file="%s/out/d.log" template="m" %s queue.minDequeueBatchSize.timeout="2000" action.maxInFlight="0")\n' "$T" "$q"
    if [ "$http" = 1 ]; then
        printf 'if $msg contains "C-" then action(type="omhttp" server="127.0.0.1" serverport="%s" usehttps="off" restpath="c" template="p" batch="on" batch.maxsize="100" queue.type="LinkedList" queue.minDequeueBatchSize="10" queue.minDequeueBatchSize.timeout="30000")\n' "$HTTP"
    fi
} > "$T/d.conf"
dut_start "$T/d.conf" tcp "$TCP"

exec 3<> "/dev/tcp/127.0.0.1/$TCP" || fail "cannot connect to $TCP"
logs="a b"
for i in $(seq 5); do
    printf '<13>Dec  6 10:00:00 h t: B-%s\n' "$i" >&3
    [ "$DUT" = sluice ] && printf '<13>Dec  6 10:00:00 h t: D-%s\n' "$i" >&3
done
[ "$DUT" = sluice ] && logs="a b d"
t0=$(date +%s%N)
for i in $(seq 20); do
    printf '<13>Dec  6 10:00:00 h t: A-%s\n' "$i" >&3
done
wait_lines "$T/out/a.log" 20 15 || fail "A: the minimum batch of 20 was not delivered"
# B: still waiting for its minimum 0.8 s after the messages were sent
now=$(date +%s%N)
[ $(((now - t0) / 1000000)) -lt 800 ] && sleep "0.$(printf '%03d' $((800 - (now - t0) / 1000000)))"
for f in ${logs#a }; do
    [ "$(count_lines "$T/out/$f.log")" -eq 0 ] ||
        fail "$f: $(count_lines "$T/out/$f.log") message(s) delivered before the minimum or the timeout"
done
for f in ${logs#a }; do
    wait_lines "$T/out/$f.log" 5 15 || fail "$f: the messages did not come after the timeout"
    t1=$(date +%s%N)
    [ $(((t1 - t0) / 1000000)) -ge 1500 ] || fail "$f: delivered after $(((t1 - t0) / 1000000)) ms (timeout 2000)"
done
for f in $logs; do
    n=$(grep -c . "$T/out/$f.log")
    u=$(sort -u "$T/out/$f.log" | grep -c .)
    [ "$n" = "$u" ] || fail "$f: duplicates"
done
if [ "$http" = 1 ]; then
    for i in $(seq 10); do
        printf '<13>Dec  6 10:00:00 h t: C-%s\n' "$i" >&3
        sleep 0.05
    done
    wait_requests sink /c 1 15 || fail "C: no request"
    sleep 0.5
    [ "$(sink_count sink /c)" -eq 1 ] || fail "C: $(sink_count sink /c) requests, want 1"
    [ "$(sink_records sink /c | grep -c 'C-')" -eq 10 ] || fail "C: the request does not hold the 10 records"
fi
exec 3>&-
dut_stop
log "ok"
