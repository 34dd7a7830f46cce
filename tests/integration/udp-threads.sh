#!/bin/bash
# Threaded inputs (ABI 1.4) through the daemon: imudp with rsyslog's module parameter
# threads="4" runs four receive threads on four SO_REUSEPORT sockets of one port (the
# daemon has 3 threads more than with threads="1", the port 4 sockets); 8 senders x 2500
# messages arrive complete, each sender's in order (slverify).  input(threads=) overrides
# the module's; an input that is not threaded (imfile) refuses threads= (-N1 fails).
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"
setup
[ "$DUT" = sluice ] || { log "sluice's threaded inputs: skipped for DUT=$DUT"; exit 77; }
new_port udp
conns=8
total=20000

# conf FILE MODULE_THREADS [INPUT_THREADS]
conf()
{
    {
        dut_global
        printf 'module(load="imudp" threads="%s")\n' "$2"
        if [ -n "${3:-}" ]; then
            printf 'input(type="imudp" address="127.0.0.1" port="%s" threads="%s" rcvbufSize="4m")\n' "$udp" "$3"
        else
            printf 'input(type="imudp" address="127.0.0.1" port="%s" rcvbufSize="4m")\n' "$udp"
        fi
        printf 'action(type="omfile" file="%s/out/all.log" template="RSYSLOG_FileFormat")\n' "$T"
    } > "$1"
}

# threads_of: the daemon's thread count once start-up is over (the port is bound before the
# input threads start, so the count can still grow after dut_start returns): the same in
# two readings 300 ms apart, at most 16 tries; sockets_on PORT: UDP sockets bound to it
threads_of()
{
    local a b _
    a=$(ls "/proc/$DUT_PID/task" | wc -l)
    for _ in $(seq 16); do
        sleep 0.3
        b=$(ls "/proc/$DUT_PID/task" | wc -l)
        [ "$a" = "$b" ] && break
        a=$b
    done
    echo "$a"
}
sockets_on() { ss -Huan "( sport = :$1 )" | wc -l; }

conf "$T/one.conf" 1
dut_start "$T/one.conf" udp "$udp"
one=$(threads_of)
[ "$(sockets_on "$udp")" -eq 1 ] || fail "threads=1: $(sockets_on "$udp") sockets on port $udp"
dut_stop
[ "$DUT_STATUS" -eq 0 ] || fail "sluiced exited with status $DUT_STATUS"

conf "$T/four.conf" 4
dut_start "$T/four.conf" udp "$udp"
four=$(threads_of)
log "threads: $one with threads=1, $four with threads=4"
[ "$four" -eq $((one + 3)) ] || fail "threads=4 started $((four - one)) more threads, not 3"
[ "$(sockets_on "$udp")" -eq 4 ] || fail "threads=4: $(sockets_on "$udp") sockets on port $udp"
flood -p "$udp" -t udp -n "$total" -c "$conns" -r 20000 || fail "slflood failed"
wait_lines "$T/out/all.log" "$total" 30 || fail "not every message arrived"
wait_stable "$T/out/all.log" 1 10
verify -n "$total" -c "$conns" "$T/out/all.log" || fail "loss, duplicates or reordering"
dut_stop
[ "$DUT_STATUS" -eq 0 ] || fail "sluiced exited with status $DUT_STATUS"

# input(threads=2) wins over the module's 4
rm -f "$T/out/all.log"
conf "$T/two.conf" 4 2
dut_start "$T/two.conf" udp "$udp"
[ "$(sockets_on "$udp")" -eq 2 ] || fail "input threads=2: $(sockets_on "$udp") sockets"
[ "$(threads_of)" -eq $((one + 1)) ] || fail "input threads=2: $(( $(threads_of) - one )) more threads, not 1"
dut_stop

# not a threaded input: threads= is unknown there
{
    dut_global
    printf 'module(load="imfile")\n'
    printf 'input(type="imfile" file="%s/in.log" tag="t" threads="2")\n' "$T"
} > "$T/bad.conf"
if dut_check "$T/bad.conf"; then
    fail "-N1 accepted threads= on imfile"
fi
grep -q "threads" "$T/check.err" || fail "-N1 did not name the parameter: $(cat "$T/check.err")"
log "ok"
