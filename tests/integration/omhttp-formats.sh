#!/bin/bash
# omhttp request framing against a real HTTP server (tests/integration/http_sink.py): for
# three messages sent in one TCP write, each action's requests must be what rsyslog 8.2302's
# omhttp sends (contrib/omhttp/omhttp.c): URL http://server:port/restpath, Content-Type per
# batch.format, Basic authentication from uid/pwd, httpheaderkey/value and httpheaders,
# no "Expect: 100-continue", gzip with compress="on"; bodies byte for byte: one message per
# request, newline-joined, a JSON array, Kafka REST {"records":[{"value":..}]}, Loki
# {"streams":[..]}; dynrestpath splits a batch per path; the default template is
# StdJSONFmt; batch.maxsize and batch.maxbytes bound every request.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=tests/integration/lib-http.sh
. "$(dirname "$0")/lib-http.sh"
omhttp_setup

new_port TCP
new_port HTTP
sink_start sink "$HTTP"

{
    omhttp_global "$TCP"
    printf 'template(name="t" type="string" string="{\\"msg\\":\\"%%msg:::json%%\\",\\"tag\\":\\"%%syslogtag:::json%%\\"}")\n'
    printf 'template(name="loki" type="string" string="{\\"stream\\":{\\"app\\":\\"%%programname%%\\"},\\"values\\":[[\\"1\\",\\"%%msg:::json%%\\"]]}")\n'
    printf 'template(name="path" type="string" string="dyn/%%programname%%")\n'
    printf 'template(name="plain" type="string" string="%%msg%%")\n'
    a="type=\"omhttp\" server=\"127.0.0.1\" serverport=\"$HTTP\" usehttps=\"off\""
    printf 'action(%s restpath="single" template="t" uid="user" pwd="s3cr3t" httpheaderkey="X-Key" httpheadervalue="k v" httpheaders=["X-A: 1", "X-B: 2"])\n' "$a"
    printf 'action(%s restpath="nl" template="t" batch="on")\n' "$a"
    printf 'action(%s restpath="arr" template="t" batch="on" batch.format="jsonarray")\n' "$a"
    printf 'action(%s restpath="kafka" template="t" batch="on" batch.format="kafkarest")\n' "$a"
    printf 'action(%s restpath="loki" template="loki" batch="on" batch.format="lokirest")\n' "$a"
    printf 'action(%s restpath="gz" template="t" batch="on" batch.format="jsonarray" compress="on" compress.level="9")\n' "$a"
    printf 'action(%s restpath="std")\n' "$a"
    printf 'action(%s restpath="path" dynrestpath="on" template="t" batch="on")\n' "$a"
    printf 'action(%s restpath="ct" template="t" batch="on" httpcontenttype="text/x-custom")\n' "$a"
    printf 'action(%s restpath="max2" template="plain" batch="on" batch.maxsize="2")\n' "$a"
    printf 'action(%s restpath="bytes" template="plain" batch="on" batch.maxbytes="25")\n' "$a"
} > "$T/sluice.conf"
dut_start "$T/sluice.conf" tcp "$TCP"

# one write: imtcp reads the three lines at once, so they reach the actions in one batch
printf '%s\n' '<13>Dec  6 10:00:00 h1 app1: one "quoted" \back' \
    '<13>Dec  6 10:00:01 h1 app1: two/slash' '<13>Dec  6 10:00:02 h2 app2: three é' \
    '<13>Dec  6 10:00:03 h2 app2: 0123456789' '<13>Dec  6 10:00:04 h2 app2: abcdefghij' \
    > "/dev/tcp/127.0.0.1/$TCP" || fail "cannot send to imtcp"

wait_requests sink /single 5 || fail "single: not all requests arrived"
for p in /nl /arr /kafka /loki /gz /std /ct; do
    wait_requests sink "$p" 1 || fail "$p: no request"
done
wait_requests sink /dyn/app2 1 || fail "dynrestpath: no request on /dyn/app2"
wait_requests sink /max2 3 || fail "max2: not 3 requests"
wait_requests sink /bytes 3 || fail "bytes: not 3 requests"
sleep 1   # let stragglers (a split batch) arrive

python3 - "$T/sink/requests.jsonl" << 'PY' || fail "request check failed (see above)"
import base64, json, sys
reqs = [json.loads(l) for l in open(sys.argv[1], encoding="utf-8")]
bad = []
def check(cond, what):
    if not cond:
        bad.append(what)
def on(path):
    return [r for r in reqs if r["path"] == path]
def hdr(r, name):
    v = [h[1] for h in r["headers"] if h[0].lower() == name.lower()]
    return v[0] if v else None
# rsyslog's MSG keeps the space after the tag; its json escaping writes '/' as '\/', and
# libfastjson (rsyslog's library) keeps that when it writes the parsed records back
M = [' one "quoted" \\back', " two/slash", " three é", " 0123456789", " abcdefghij"]
E = ['{"msg":" one \\"quoted\\" \\\\back","tag":"app1:"}',
     '{"msg":" two\\/slash","tag":"app1:"}',
     '{"msg":" three é","tag":"app2:"}',
     '{"msg":" 0123456789","tag":"app2:"}',
     '{"msg":" abcdefghij","tag":"app2:"}']
J = E
for r in reqs:
    check(r["method"] == "POST", "method %s" % r["method"])
    check(hdr(r, "Expect") is None, "%s: Expect header sent" % r["path"])
# one request per message, headers in rsyslog's order
s = on("/single")
check([r["body"] for r in s] == E, "single bodies %r" % [r["body"] for r in s])
for r in s:
    check(hdr(r, "Content-Type") == "application/json; charset=utf-8", "single content type")
    check(hdr(r, "Authorization") == "Basic " + base64.b64encode(b"user:s3cr3t").decode(),
          "single authorization %r" % hdr(r, "Authorization"))
    check(hdr(r, "X-Key") == "k v" and hdr(r, "X-A") == "1" and hdr(r, "X-B") == "2",
          "single custom headers")
    names = [h[0] for h in r["headers"]]
    check(names.index("Content-Type") < names.index("X-Key") < names.index("X-A") <
          names.index("X-B"), "header order %r" % names)
# batches: whatever the split, the requests' framing and the records in order
def framed(path, pre, sep, post, recs, ctype):
    rs = on(path)
    check(len(rs) >= 1, "%s: no request" % path)
    inner = []
    for r in rs:
        b = r["body"]
        check(b.startswith(pre) and b.endswith(post), "%s framing %r" % (path, b))
        inner.append(b[len(pre):len(b) - len(post)])
        check(hdr(r, "Content-Type") == ctype, "%s content type %r" % (path, hdr(r, "Content-Type")))
    check(sep.join(inner) == sep.join(recs), "%s records %r" % (path, inner))
    return rs
framed("/nl", "", "\n", "", E, "text/plain")
framed("/arr", "[", ",", "]", J, "application/json; charset=utf-8")
framed("/kafka", '{"records":[', ",", "]}", ['{"value":%s}' % j for j in J],
       "application/vnd.kafka.v1+json")
L = ['{"stream":{"app":"%s"},"values":[["1",%s]]}' % (a, e[7:e.index(',"tag"')])
     for a, e in zip(["app1", "app1", "app2", "app2", "app2"], E)]
framed("/loki", '{"streams":[', ",", "]}", L, "application/json; charset=utf-8")
for r in framed("/gz", "[", ",", "]", J, "application/json; charset=utf-8"):
    check(r["gzip"] and hdr(r, "Content-Encoding") == "gzip", "gz: not gzip-encoded")
framed("/ct", "", "\n", "", E, "text/x-custom")
framed("/dyn/app1", "", "\n", "", E[:2], "text/plain")
framed("/dyn/app2", "", "\n", "", E[2:], "text/plain")
# default template: rsyslog's StdJSONFmt
for r in on("/std"):
    o = json.loads(r["body"])
    check(list(o) == ["message", "fromhost", "facility", "priority", "timereported",
                      "timegenerated"], "std keys %r" % list(o))
    check(o["facility"] == "user" and o["priority"] == "notice", "std values %r" % o)
check([json.loads(r["body"])["message"] for r in on("/std")] == M, "std messages")
# limits: at most 2 messages per request; batch.maxbytes="25" cuts where rsyslog's estimate
# (computeBatchSize + length - 1) passes 25.  A batch may reach the action in parts (the
# queue worker can wake before the whole write is read), so check each request's records.
m = [r["body"].split("\n") for r in on("/max2")]
check(all(1 <= len(x) <= 2 for x in m) and sum(m, []) == M and [2] in [[len(x)] for x in m],
      "max2 %r" % m)
b = [r["body"].split("\n") for r in on("/bytes")]
check(sum(b, []) == M, "bytes records %r" % b)
for x in b:
    n = len(x) - 1
    est = sum(len(y.encode()) for y in x[:-1]) + max(n - 1, 0) + 1 + len(x[-1].encode()) - 1
    check(n == 0 or est <= 25, "bytes: %r passes batch.maxbytes" % x)
# the whole write in one batch gives exactly rsyslog's cuts
if len(on("/nl")) == 1:
    check(b == [M[0:1], M[1:3], M[3:]], "bytes cuts %r" % b)
for x in bad:
    if x:
        print("omhttp-formats:", x)
sys.exit(1 if [x for x in bad if x] else 0)
PY
dut_stop
grep -q 's3cr3t' "$T/dut.err" && fail "the password appears in sluiced's output"
log "ok"
