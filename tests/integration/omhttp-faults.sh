#!/bin/bash
# omhttp under server faults: 5,000 messages in batches (batch.maxsize 100) and 300 single
# requests while the HTTP sink answers 503, 429 or resets the connection for scattered
# requests (every 7th, 11th and 13th) and 503 for the first three in a row.  Every message
# must arrive exactly once (count and content), since 5xx/429/no reply suspend the action
# and the core retries the batch; the counters must account for every request; the
# retries stay bounded (action.resumeInterval 1 s).
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=tests/integration/lib-http.sh
. "$(dirname "$0")/lib-http.sh"
omhttp_setup

new_port TCP
new_port HTTP
printf '503 3\n' > "$T/control"
sink_start sink "$HTTP" --control "$T/control" --fail-every 7:503,11:429,13:reset

{
    omhttp_global "$TCP"
    printf 'template(name="plain" type="string" string="%%msg%%")\n'
    a="type=\"omhttp\" server=\"127.0.0.1\" serverport=\"$HTTP\" usehttps=\"off\" template=\"plain\""
    r='action.resumeInterval="1" action.resumeIntervalMax="1" action.resumeRetryCount="-1"'
    printf 'if $syslogtag startswith "bat" then action(%s restpath="b" batch="on" statsname="b" %s)\n' "$a" "$r"
    printf 'if $syslogtag startswith "one" then action(%s restpath="s" statsname="s" %s)\n' "$a" "$r"
} > "$T/sluice.conf"
dut_start "$T/sluice.conf" tcp "$TCP"

start=$SECONDS
flood -p "$TCP" -t tcp -n 5000 -a bat || fail "slflood (batch) failed"
flood -p "$TCP" -t tcp -n 300 -a one || fail "slflood (single) failed"

# wait (bounded) until every message arrived
for i in $(seq 300); do
    nb=$(sink_records sink /b | grep -c 'seq=')
    ns=$(sink_records sink /s | grep -c 'seq=')
    [ "$nb" -ge 5000 ] && [ "$ns" -ge 300 ] && break
    sleep 0.1
done
sleep 1
log "arrived: $nb batched, $ns single in $((SECONDS - start)) s"
stats_dump

python3 - "$T/sink" << 'PY' || fail "delivery check failed"
import json, re, sys
d = sys.argv[1]
acc = [json.loads(l) for l in open(d + "/requests.jsonl", encoding="utf-8")]
rej = [json.loads(l) for l in open(d + "/rejected.jsonl", encoding="utf-8")]
ok = True
for path, total in (("/b", 5000), ("/s", 300)):
    lines = [l for r in acc if r["path"] == path for l in r["body"].split("\n")]
    seqs = [re.search(r"seq=(\d+:\d+)$", l) for l in lines]
    got = [m.group(1) for m in seqs if m]
    want = ["0:%d" % i for i in range(1, total + 1)]
    dup = len(got) - len(set(got))
    miss = set(want) - set(got)
    print("omhttp-faults: %s: %d lines, %d duplicates, %d missing, %d refused requests" %
          (path, len(lines), dup, len(miss), sum(1 for r in rej if r["path"] == path)))
    if len(lines) != total or dup or miss or len(got) != total:
        ok = False
    if sorted(got, key=lambda s: int(s.split(":")[1])) != got:
        print("omhttp-faults: %s: out of order" % path)
        ok = False
kinds = {c: sum(1 for r in rej if r["code"] == c) for c in ("503", "429", "reset")}
print("omhttp-faults: injected", kinds)
if min(kinds.values()) == 0:
    print("omhttp-faults: a fault kind was never injected")
    ok = False
if max(len(r["body"].split("\n")) for r in acc if r["path"] == "/b") > 100:
    print("omhttp-faults: a batch above batch.maxsize")
    ok = False
sys.exit(0 if ok else 1)
PY

# counters: every request counted (libcurl itself sends a request again when a reused
# connection turns out reset, so the sink may see more than sluiced counts), every message
# counted once as a success
for set in b s; do
    want=5000
    [ $set = s ] && want=300
    acc=$(sink_count sink /$set)
    rej=$(grep -c "\"path\": \"/$set\"" "$T/sink/rejected.jsonl")
    reqs=$(stat_val "$set" request.count)
    succ=$(stat_val "$set" messages.success)
    stfail=$(stat_val "$set" request.status.fail)
    rqfail=$(stat_val "$set" request.fail)
    log "$set: request.count=$reqs (accepted $acc + refused $rej), messages.success=$succ, status.fail=$stfail, request.fail=$rqfail"
    [ "$reqs" -le $((acc + rej)) ] || fail "$set: request.count $reqs > $acc + $rej"
    [ "$(stat_val "$set" request.status.success)" = "$acc" ] ||
        fail "$set: request.status.success != $acc accepted requests"
    [ "$succ" = "$want" ] || fail "$set: messages.success $succ != $want"
    if [ $((stfail + rqfail)) -lt 1 ] || [ $((stfail + rqfail)) -gt "$rej" ]; then
        fail "$set: failures counted $stfail + $rqfail, refused $rej"
    fi
done
[ $((SECONDS - start)) -lt 35 ] || fail "retries took $((SECONDS - start)) s"
dut_stop
log "ok"
