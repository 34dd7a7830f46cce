#!/bin/bash
# omelasticsearch against rsyslogd's own omelasticsearch (Debian's rsyslog-elasticsearch,
# 8.2302): the same config and the same eight messages through sluiced and then rsyslogd,
# each against its own run of the HTTP sink (tests/integration/http_sink.py --es) on the
# same ports; the requests must be the same bytes:
#   /a  bulk, dynSearchIndex and dynbulkid from templates, writeoperation="create",
#       pipelineName, a list template;
#   /b  bulk with every default (index system, type events, StdJSONFmt), uid/pwd;
#   /s  one request per message to /INDEX/TYPE?pipeline=..&timeout=.. (dynSearchIndex,
#       searchType, timeout), errorfile: the sink refuses the documents containing ESFAIL
#       (400 and "status") and both errorfiles must be equal too; /a's errorfile gets a
#       record per bulk request with "errors":true (the whole request and the reply): the
#       records must have the same layout and, per failed item, the same action line,
#       document and reply item (which request carried them is queue timing).
# Compared: the method, the path, Content-Type and Authorization, and the bulk bodies as
# one NDJSON stream per path (a bulk request's boundaries follow each daemon's queue
# batches, which are timing; every body must hold whole action/document pairs).
# Normalised: only "timegenerated" of StdJSONFmt (the time each daemon received the line).
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=tests/integration/lib-http.sh
. "$(dirname "$0")/lib-http.sh"
es_diff_setup HTTP

# conf NAME: the config of one run (its own work directory and errorfile)
conf()
{
    es_conf_head "$T/$1"
    printf 'template(name="idx" type="string" string="logs-%%programname%%")\n'
    printf 'template(name="bid" type="string" string="%%programname%%-%%procid%%")\n'
    printf 'template(name="doc" type="list") { constant(value="{\\"msg\\":\\"")\n'
    printf '  property(name="msg" format="json") constant(value="\\",\\"host\\":\\"")\n'
    printf '  property(name="hostname" format="json") constant(value="\\"}") }\n'
    s="type=\"omelasticsearch\" server=\"127.0.0.1:$HTTP"
    printf 'action(%s/a\" bulkmode="on" searchIndex="idx" dynSearchIndex="on" template="doc" bulkid="bid" dynbulkid="on" writeoperation="create" pipelineName="pipe" errorfile="%s/%s/errors-bulk.json")\n' "$s" "$T" "$1"
    printf 'action(%s/b\" bulkmode="on" uid="elastic" pwd="changeme")\n' "$s"
    printf 'action(%s/s\" searchIndex="idx" dynSearchIndex="on" searchType="t1" pipelineName="pipe" timeout="1m" template="doc" errorfile="%s/%s/errors.json")\n' "$s" "$T" "$1"
}

# run NAME CMD...: sink NAME, the daemon, the messages, until every request arrived.
run()
{
    local name=$1 pid
    shift
    mkdir -p "$T/$name"
    conf "$name" > "$T/$name.conf"
    sink_start "$name-sink" "$HTTP" --es --es-fail ESFAIL
    local sink=$SINK_PID
    es_daemon "$name" "$@"
    pid=$ES_PID
    printf '%s\n' '<13>Dec  6 10:00:00 h1 app1[1]: one "quoted" \back' \
        '<13>Dec  6 10:00:01 h1 app1[2]: two/slash	tab' \
        '<14>Dec  6 10:00:02 h2 app2[3]: three é ESFAIL' \
        '<15>Dec  6 10:00:03 h2 app2[4]: four {"json":1}' \
        '<13>Dec  6 10:00:04 h2 app3[5]: five' '<13>Dec  6 10:00:05 h2 app3[6]: six ESFAIL' \
        '<165>Dec  6 10:00:06 h3 app1[7]: seven' '<13>Dec  6 10:00:07 h3 app1[8]: eight' \
        > "/dev/tcp/127.0.0.1/$TCP" || fail "cannot send to $name"
    # /s: 8 requests; /a and /b: 8 documents each
    local i n t0=$SECONDS
    for i in $(seq 150); do   # at most 150 tries and 15 s
        n=$(grep -c '"path": "/s/' "$T/$name-sink/requests.jsonl" 2> /dev/null)
        [ "${n:-0}" -ge 8 ] &&
            [ "$(python3 -c 'import json,sys
n=0
for l in open(sys.argv[1]):
    r=json.loads(l)
    if r["path"].endswith("_bulk"): n+=r["body"].count("\n")//2
print(n)' "$T/$name-sink/requests.jsonl")" -ge 16 ] && break
        [ $((SECONDS - t0)) -lt 15 ] || break
        sleep 0.1
    done
    es_stop "$pid" "$sink"
}

es_both

python3 - "$T" << 'PY' || fail "sluiced's requests differ from rsyslogd's (see above)"
import json, re, sys
t = sys.argv[1]

def view(name):
    reqs = [json.loads(l) for l in open("%s/%s-sink/requests.jsonl" % (t, name), encoding="utf-8")]
    out, ok = {}, True
    for r in reqs:
        h = {k.lower(): v for k, v in r["headers"]}
        key = (r["method"], r["path"], h.get("content-type"), h.get("authorization"))
        body = re.sub(r'"timegenerated":"[^"]*"', '"timegenerated":"T"', r["body"])
        if r["path"].endswith("_bulk") and (not body.endswith("\n") or body.count("\n") % 2):
            print("%s: a bulk body without whole pairs: %r" % (name, body))
            ok = False
        out.setdefault(key, []).append(body)
    return {k: "".join(v) if k[1].endswith("_bulk") else v for k, v in out.items()}, ok

s, ok1 = view("sluice")
r, ok2 = view("rsyslog")
ok = ok1 and ok2
for k in sorted(set(s) | set(r), key=str):
    if s.get(k) != r.get(k):
        ok = False
        print("differs:", k)
        print("  sluiced:", json.dumps(s.get(k), ensure_ascii=False)[:1500])
        print("  rsyslog:", json.dumps(r.get(k), ensure_ascii=False)[:1500])
if len(s) != 5:
    print("expected 5 kinds of request (/a, /b, 3 indexes on /s), got", list(s))
    ok = False
es = [open("%s/%s/errors.json" % (t, n), encoding="utf-8").read() for n in ("sluice", "rsyslog")]
if es[0] != es[1] or es[0].count("\n") != 2:
    print("errors.json: differ or not 2 records:\n sluiced: %s\n rsyslog: %s" % tuple(es))
    ok = False

def bulk_errors(name, bodies):
    """(layout of each record, failed items) of NAME's bulk errorfile"""
    lay, failed = set(), []
    for l in open("%s/%s/errors-bulk.json" % (t, name), encoding="utf-8"):
        # the key layout and spacing: the record with every string value emptied and the
        # items array (its length is the request's) cut to its first item's layout
        k = l.index('"items": [ ')
        v = re.sub(r'"(?:[^"\\]|\\.)*"(?!:)', '""', re.sub(r'\d+', '0', l[:k]))
        lay.add((v, l.rstrip("\n").endswith(" ] } }")))
        r = json.loads(l)
        post = r["request"]["postdata"]
        if r["request"]["url"].split("/", 3)[3] != "a/_bulk" or post not in bodies:
            print(name, "errorfile: a record whose request was not sent:", l[:300])
            failed.append(None)
        lines = post.split("\n")
        for i, it in enumerate(r["reply"]["items"]):
            st = next(iter(it.values()))
            if st["status"] >= 300:
                failed.append((lines[2 * i], lines[2 * i + 1], json.dumps(st["error"])))
    return lay, failed

bodies = {n: [json.loads(l)["body"] for l in open("%s/%s-sink/requests.jsonl" % (t, n),
                                                   encoding="utf-8")] for n in ("sluice", "rsyslog")}
bs, br = bulk_errors("sluice", bodies["sluice"]), bulk_errors("rsyslog", bodies["rsyslog"])
if bs[0] != br[0] or bs[1] != br[1] or len(bs[1]) != 2:
    print("errors-bulk.json: differ or not 2 failed items:\n sluiced: %r\n rsyslog: %r" % (bs, br))
    ok = False
print("omes-bulk: %d request kinds, %d bulk bytes, errorfile %d bytes" %
      (len(s), sum(len(v) for k, v in s.items() if k[1].endswith("_bulk")), len(es[0])))
sys.exit(0 if ok else 1)
PY
log "ok"
