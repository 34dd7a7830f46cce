#!/bin/bash
# omelasticsearch under server faults and item errors, against the HTTP sink
# (tests/integration/http_sink.py --es):
#   - 3,000 messages in bulk mode (maxbytes 4 KiB, so a batch spans several requests) and
#     60 single requests while the sink answers 503 for the first three requests, then
#     503, 429 or a connection reset for scattered ones: each refused request suspends the
#     action and the queue keeps its messages, so every message must arrive exactly once,
#     in order, and no body may exceed maxbytes; the resumption does rsyslog's health check
#     (GET /_cat/health);
#   - then three documents the sink refuses item by item ("errors":true in a 200 reply):
#     rsyslog's errorfile record (the request and the reply) must be written, failed.es
#     counted, the other documents of the request delivered, nothing retried.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=tests/integration/lib-http.sh
. "$(dirname "$0")/lib-http.sh"
setup
[ "$DUT" = sluice ] || { log "HTTP fault injection runs against sluiced: skipped for DUT=$DUT"; exit 77; }
require_plugin omelasticsearch
require_cmd python3

new_port TCP
new_port HTTP
printf '503 3\n' > "$T/control"
sink_start sink "$HTTP" --es --es-fail ESFAIL --control "$T/control" \
    --fail-every 7:503,11:429,13:reset

{
    omhttp_global "$TCP" omelasticsearch
    printf 'template(name="doc" type="string" string="{\\"msg\\":\\"%%msg:::json%%\\"}")\n'
    a="type=\"omelasticsearch\" server=\"127.0.0.1:$HTTP"
    r='action.resumeInterval="1" action.resumeIntervalMax="1" action.resumeRetryCount="-1"'
    printf 'if $syslogtag startswith "bat" then action(%s/b" bulkmode="on" maxbytes="4k" template="doc" searchIndex="i" errorfile="%s/errors.json" %s)\n' "$a" "$T" "$r"
    printf 'if $syslogtag startswith "one" then action(%s/s" template="doc" searchIndex="i" %s)\n' "$a" "$r"
} > "$T/sluice.conf"
dut_start "$T/sluice.conf" tcp "$TCP"

start=$SECONDS
flood -p "$TCP" -t tcp -n 3000 -a bat || fail "slflood (bulk) failed"
flood -p "$TCP" -t tcp -n 60 -a one || fail "slflood (single) failed"

# docs PATH-PREFIX: the documents the sink accepted on paths starting so, in order
docs()
{
    python3 - "$T/sink/requests.jsonl" "$1" << 'PY'
import json, sys
for l in open(sys.argv[1], encoding="utf-8"):
    r = json.loads(l)
    if not r["path"].startswith(sys.argv[2]):
        continue
    lines = r["body"].split("\n")
    if r["path"].endswith("_bulk"):
        lines = lines[1::2]
    for d in lines:
        if d:
            print(d)
PY
}
for i in $(seq 300); do   # at most 300 tries and 25 s
    nb=$(docs /b/ | grep -c 'seq=')
    ns=$(docs /s/ | grep -c 'seq=')
    [ "$nb" -ge 3000 ] && [ "$ns" -ge 60 ] && break
    [ $((SECONDS - start)) -lt 25 ] || break
    sleep 0.1
done
sleep 1
log "arrived: $nb bulk, $ns single in $((SECONDS - start)) s"

python3 - "$T/sink" << 'PY' || fail "delivery check failed"
import json, re, sys
d = sys.argv[1]
acc = [json.loads(l) for l in open(d + "/requests.jsonl", encoding="utf-8")]
rej = [json.loads(l) for l in open(d + "/rejected.jsonl", encoding="utf-8")]
ok = True
for path, total in (("/b/_bulk", 3000), ("/s/i/events", 60)):
    bodies = [r["body"] for r in acc if r["path"] == path]
    if path.endswith("_bulk"):
        docs = [l for b in bodies for l in b.split("\n")[1::2]]
        if max(len(b.encode()) for b in bodies) > 4096:
            print("omes-faults: a bulk body above maxbytes")
            ok = False
    else:
        docs = bodies
    got = [m.group(1) for m in (re.search(r"seq=(\d+:\d+)", x) for x in docs) if m]
    want = ["0:%d" % i for i in range(1, total + 1)]
    dup = len(got) - len(set(got))
    miss = set(want) - set(got)
    print("omes-faults: %s: %d requests, %d documents, %d duplicates, %d missing, "
          "%d refused requests" % (path, len(bodies), len(docs), dup, len(miss),
                                   sum(1 for r in rej if r["path"] == path)))
    if len(docs) != total or dup or miss or got != want:
        ok = False
kinds = {c: sum(1 for r in rej if r["code"] == c) for c in ("503", "429", "reset")}
print("omes-faults: injected", kinds)
if min(kinds.values()) == 0:
    print("omes-faults: a fault kind was never injected")
    ok = False
sys.exit(0 if ok else 1)
PY
grep -q '"path": "/b/_cat/health"' "$T/sink/gets.jsonl" ||
    fail "no health check (GET /_cat/health) when resuming"

# item errors: stop injecting faults, then one batch with three documents refused
: > "$T/control"
reqs=$(sink_count sink /b/_bulk)
printf '%s\n' '<13>Dec  6 10:00:00 h bat: ok 1' '<13>Dec  6 10:00:01 h bat: bad ESFAIL 1' \
    '<13>Dec  6 10:00:02 h bat: ok 2' '<13>Dec  6 10:00:03 h bat: bad ESFAIL 2' \
    '<13>Dec  6 10:00:04 h bat: bad ESFAIL 3' > "/dev/tcp/127.0.0.1/$TCP" || fail "cannot send"
t0=$SECONDS
for i in $(seq 100); do   # at most 100 tries and 10 s
    [ "$(docs /b/ | grep -c -e ' ok [12]' -e ESFAIL)" -ge 5 ] && break
    [ $((SECONDS - t0)) -lt 10 ] || break
    sleep 0.1
done
sleep 1
[ "$(docs /b/ | grep -c -e ' ok [12]' -e ESFAIL)" = 5 ] ||
    fail "the item-error batch: $(docs /b/ | grep -c -e ' ok [12]' -e ESFAIL) of 5 documents sent (retried?)"
[ -s "$T/errors.json" ] || fail "no errorfile record"
python3 - "$T/errors.json" << 'PY' || fail "errorfile check failed"
import json, sys
recs = [json.loads(l) for l in open(sys.argv[1], encoding="utf-8")]
ok = len(recs) >= 1
fails = 0
for r in recs:
    ok = ok and sorted(r) == ["reply", "request"] and sorted(r["request"]) == ["postdata", "url"]
    ok = ok and r["request"]["url"].endswith("/b/_bulk") and r["reply"]["errors"] is True
    fails += sum(1 for it in r["reply"]["items"] if next(iter(it.values()))["status"] >= 300)
    ok = ok and r["request"]["postdata"].count("\n") == 2 * len(r["reply"]["items"])
print("omes-faults: errorfile: %d records, %d failed items" % (len(recs), fails))
sys.exit(0 if ok and fails == 3 else 1)
PY
stats_dump
es=$(stat_val omelasticsearch failed.es)
log "failed.es=$es submitted=$(stat_val omelasticsearch submitted) failed.http=$(stat_val omelasticsearch failed.http)"
[ "${es:-0}" -ge 1 ] || fail "failed.es not counted"
[ "$(stat_val omelasticsearch failed.http)" -ge 1 ] || fail "failed.http not counted"
[ $((SECONDS - start)) -lt 35 ] || fail "took $((SECONDS - start)) s"
dut_stop
log "ok"
