#!/bin/bash
# omelasticsearch's errorfile layouts erroronly and interleaved against rsyslogd's own
# omelasticsearch (Debian's rsyslog-elasticsearch, 8.2302): the same config and the same
# eight messages (three the sink refuses item by item: tests/integration/http_sink.py --es
# --es-fail ESFAIL) through sluiced and then rsyslogd, each against its own sink; the
# errorfiles must be the same bytes:
#   /o  bulk, erroronly="on": {"url", "request": [failed items], "reply": [their replies]}
#   /i  bulk, interleaved="on": {"url", "response": [{"request", "reply"} for every item]}
#   /x  bulk, both: the failed items interleaved
#   /s  one request per message, erroronly="on": rsyslog writes no record (the reply has no
#       "items"), only its error message; so must sluiced.
# A first line goes to /w, which the sink answers 1 s late: the daemon's only worker waits
# there while the eight lines are queued, so each daemon sends them in one bulk request per
# action (checked: the layouts are per request).  Nothing is normalised: the template has
# no time.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=tests/integration/lib-http.sh
. "$(dirname "$0")/lib-http.sh"
es_diff_setup HTTP

# conf NAME: the config of one run (its own work directory and errorfiles)
conf()
{
    local d=$T/$1 s="type=\"omelasticsearch\" server=\"127.0.0.1:$HTTP"
    es_conf_doc "$d"
    printf 'if $msg contains "warmup" then { action(%s/w" template="doc")\nstop }\n' "$s"
    printf 'action(%s/o" bulkmode="on" searchIndex="i" template="doc" erroronly="on" errorfile="%s/eo.json")\n' "$s" "$d"
    printf 'action(%s/i" bulkmode="on" searchIndex="i" template="doc" interleaved="on" errorfile="%s/il.json")\n' "$s" "$d"
    printf 'action(%s/x" bulkmode="on" searchIndex="i" template="doc" erroronly="on" interleaved="on" errorfile="%s/eoil.json")\n' "$s" "$d"
    printf 'action(%s/s" searchIndex="i" template="doc" erroronly="on" errorfile="%s/s.json")\n' "$s" "$d"
}

# run NAME CMD...: sink NAME-sink, the daemon, the messages, until every request arrived
run()
{
    local name=$1
    shift
    sink_start "$name-sink" "$HTTP" --es --es-fail ESFAIL --delay /w:1
    local sink=$SINK_PID
    es_start "$name" "$@"
    printf '%s\n' '<13>Dec  6 10:00:00 h1 app1[1]: one "quoted" \back' \
        '<13>Dec  6 10:00:01 h1 app1[2]: two ESFAIL/slash	tab' \
        '<14>Dec  6 10:00:02 h2 app2[3]: three é' \
        '<15>Dec  6 10:00:03 h2 app2[4]: four {"json":1} ESFAIL' \
        '<13>Dec  6 10:00:04 h2 app3[5]: five' '<13>Dec  6 10:00:05 h2 app3[6]: six ESFAIL' \
        '<165>Dec  6 10:00:06 h3 app1[7]: seven' '<13>Dec  6 10:00:07 h3 app1[8]: eight' \
        > "/dev/tcp/127.0.0.1/$TCP" || fail "cannot send to $name"
    # /w, 8 single and 3 bulk requests, at most 15 s
    sink_wait_all 12 15 "$name-sink" || log "$name: not every request arrived"
    es_stop "$ES_PID" "$sink"
}

es_both

python3 - "$T" << 'PY' || fail "sluiced's errorfiles differ from rsyslogd's (see above)"
import json, os, sys
t = sys.argv[1]
ok = True
for n in ("sluice", "rsyslog"):
    reqs = [json.loads(l) for l in open("%s/%s-sink/requests.jsonl" % (t, n), encoding="utf-8")]
    paths = sorted(r["path"] for r in reqs)
    if paths != ["/i/_bulk", "/o/_bulk"] + ["/s/i/events"] * 8 + ["/w/system/events",
                                                                  "/x/_bulk"]:
        print("%s: not one bulk request per action and 8 single ones: %s" % (n, paths))
        ok = False
want = {"eo.json": (1, 3), "il.json": (1, 8), "eoil.json": (1, 3)}
for f in ("eo.json", "il.json", "eoil.json", "s.json"):
    p = ["%s/%s/%s" % (t, n, f) for n in ("sluice", "rsyslog")]
    got = [open(x, "rb").read() if os.path.exists(x) else None for x in p]
    if got[0] != got[1]:
        print("%s differs:\n  sluiced: %r\n  rsyslog: %r" % (f, got[0], got[1]))
        ok = False
        continue
    if f == "s.json":
        if got[0] is not None:
            print("s.json: rsyslog and sluiced wrote a record (expected none)")
            ok = False
        continue
    recs = [json.loads(l) for l in got[0].decode().splitlines()] if got[0] else []
    items = [len(r.get("reply", r.get("response", []))) for r in recs]
    print("omes-errorfile: %s: %d bytes, %d records, items %s" % (f, len(got[0] or b""),
                                                                   len(recs), items))
    if (len(recs), sum(items)) != want[f]:
        print("%s: expected %d records with %d items" % ((f,) + want[f]))
        ok = False
sys.exit(0 if ok else 1)
PY
grep -q 'bulkmode insert does not return array' "$T/sluice.err" ||
    fail "sluiced did not log rsyslog's error for /s"
log "ok"
