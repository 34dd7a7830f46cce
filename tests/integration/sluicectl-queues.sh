#!/bin/bash
# sluicectl queues (issue 17): a forwarding action whose TCP target is down shows as
# suspended (since when, retries) and its queue holds the message; once a real receiver
# (rsyslogd) listens, the action shows resumed and the queue empty.  The live trace follows
# the message through the action's in-flight window (deferred acknowledgement, core/flight.c):
# held while the target is down, delivered once the receiver confirmed it.  `queues --json`
# says the same as one JSON object a line (parsed with python3's json).  sluice-only.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"
setup
[ "$DUT" = sluice ] || { log "SKIP: sluice-only"; exit 77; }
[ -x "$RSYSLOGD" ] || { log "SKIP: no rsyslogd for the receiver"; exit 77; }
# shellcheck source=tests/integration/lib-sluicectl.sh
. "$(dirname "$0")/lib-sluicectl.sh"
new_port udp
new_port target   # nothing listens here until the receiver starts
{
    printf 'global(workDirectory="%s" sluice.controlSocket="%s")\n' "$T" "$CTL"
    printf 'module(load="imudp")\n'
    printf 'input(type="imudp" address="127.0.0.1" port="%s")\n' "$udp"
    printf 'action(type="omfwd" name="fwd" target="127.0.0.1" port="%s" protocol="tcp"\n' "$target"
    printf '       queue.type="linkedList" queue.size="500" action.resumeInterval="1"\n'
    printf '       action.resumeIntervalMax="1")\n'
} > "$T/dut.conf"
dut_start "$T/dut.conf" udp "$udp"
ctl_wait '^action "fwd" .* suspended=no$' 5 queues || fail "queues: fwd not listed as running"
timeout -k 20 40 "$SLUICECTL" -s "$CTL" trace on match=held > "$T/trace.out" 2> "$T/trace.err" &
TR_PID=$!
track_pid "$TR_PID"
for i in $(seq 50); do grep -q '^ok: trace on' "$T/trace.out" && break; sleep 0.1; done
grep -q '^ok: trace on for match=held' "$T/trace.out" || fail "trace on not acknowledged"
send_logger "$udp" udp "held while the target is down"
ctl_wait '^action "fwd" module=omfwd queue.type=LinkedList queue.size=500 queue.depth=1 .*suspended=yes since=[0-9T:-]+Z retries=[1-9]' 10 queues ||
    { ctl queues >&2; fail "queues: fwd not shown suspended with retries"; }
ctl queues | grep -E '^queue "main Q" type=FixedArray size=[0-9]+ depth=0 disk.bytes=0 workers=[0-9]+$' > /dev/null ||
    { ctl queues >&2; fail "queues: no main queue line"; }
log "ok: suspended while the target is down: $(ctl queues | grep fwd)"
ctl queues --json > "$T/queues.json" || fail "queues --json exit $?"
python3 - "$T/queues.json" << 'EOF' || { cat "$T/queues.json" >&2; fail "queues --json while suspended"; }
import json, sys
objs = [json.loads(l) for l in open(sys.argv[1])]
q = [o for o in objs if o["kind"] == "queue" and o["name"] == "main Q"][0]
assert q["type"] == "FixedArray" and q["depth"] == 0 and q["workers"] >= 1, q
a = [o for o in objs if o["kind"] == "action" and o["name"] == "fwd"][0]
assert a["module"] == "omfwd" and a["queue.type"] == "LinkedList", a
assert a["queue.size"] == 500 and a["queue.depth"] == 1 and a["queue.disk.bytes"] == 0, a
assert a["suspended"] is True and a["retries"] >= 1 and a["since"].endswith("Z"), a
EOF
for i in $(seq 50); do grep -q "^trace action 'fwd' holds" "$T/trace.out" && break; sleep 0.1; done
grep -Eq "^trace action 'fwd' holds 1 traced message\(s\): suspended, retry [0-9]+ in 1000 ms$" \
    "$T/trace.out" || { cat "$T/trace.out" >&2; fail "trace: no held line for the window's batch"; }
rs_recv sink --tcp "$target"
ctl_wait '^action "fwd" .*queue.depth=0 .*suspended=no$' 15 queues ||
    { ctl queues >&2; fail "queues: fwd not resumed after the target came up"; }
wait_lines "$T/sink/raw.log" 1 10 || fail "the held message did not arrive"
for i in $(seq 50); do grep -q "^trace action 'fwd' delivered" "$T/trace.out" && break; sleep 0.1; done
grep -q "^trace action 'fwd' delivered 1 traced message(s)$" "$T/trace.out" ||
    { cat "$T/trace.out" >&2; fail "trace: no delivered line for the confirmed batch"; }
ctl trace off > /dev/null
wait "$TR_PID"
log "ok: trace through the in-flight window: $(grep -c . "$T/trace.out") lines"
log "ok: resumed: $(ctl queues | grep fwd)"
ctl queues --json | python3 -c '
import json, sys
a = [o for o in map(json.loads, sys.stdin) if o["name"] == "fwd"][0]
assert a["suspended"] is False and a["queue.depth"] == 0 and "since" not in a, a
' || fail "queues --json after the resumption"
log "ok: queues --json"
dut_stop
[ "$DUT_STATUS" -eq 0 ] || fail "exit status $DUT_STATUS"
log "ok"
