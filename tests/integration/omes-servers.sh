#!/bin/bash
# omelasticsearch with several servers and with rebindinterval, against rsyslogd's own
# omelasticsearch (Debian's rsyslog-elasticsearch, 8.2302): the same config and lines
# through sluiced and then rsyslogd, each against its own two HTTP sinks A and B
# (tests/integration/http_sink.py --es) and a port where nothing listens (D):
#   m  server=[D, A, B], one request per message: before each request a health check
#      (GET _cat/health) from the current server on, a dead one skipped, then the request
#      goes to the server that answered and the next request starts at the one after it
#      (rsyslog's checkConn and round robin): 9 lines, then A is stopped and 4 more lines
#      must all go to B; nothing lost, nothing twice;
#   k  server=[D, A], bulk mode: the batch goes to A past the dead first server; a health
#      check before each bulk request (how many requests depends on how the lines were
#      batched, which timing decides in either daemon, so each daemon is held to one check
#      per request of its own rather than to the other's count);
#   r  server=A, rebindinterval="2": a new connection every third request (rsyslog closes
#      the connection after the request that reaches the interval and opens a fresh one at
#      the next), seen as the sink's client port per request.
# Both daemons must give each sink the same documents in the same order, the same health
# checks, and the same connection grouping for r.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=tests/integration/lib-http.sh
. "$(dirname "$0")/lib-http.sh"
es_diff_setup HA HB D   # D: never listened on

# conf NAME: the config of one run
conf()
{
    local d=127.0.0.1:$D a=127.0.0.1:$HA b=127.0.0.1:$HB
    local o='type="omelasticsearch" searchIndex="i" template="doc" healthchecktimeout="2000"'
    es_conf_head "$T/$1"
    printf 'template(name="doc" type="string" string="{\\"msg\\":\\"%%msg:::json%%\\"}")\n'
    printf 'if $programname == "m" then action(%s server=["%s/m", "%s/m", "%s/m"])\n' "$o" "$d" "$a" "$b"
    printf 'if $programname == "k" then action(%s server=["%s/k", "%s/k"] bulkmode="on")\n' "$o" "$d" "$a"
    printf 'if $programname == "r" then action(%s server="%s/r" rebindinterval="2")\n' "$o" "$a"
}

# lines TAG FROM TO: syslog lines TAG: TAG-FROM .. TAG-TO
lines()
{
    local i
    for i in $(seq "$2" "$3"); do
        printf '<13>Dec  6 10:00:00 h %s: %s-%s\n' "$1" "$1" "$i"
    done
}

# seen_all TIMEOUT FILE... -- WORD...: waits until each WORD (a whole document's text,
# as in " m-9\") is in one of the FILEs
seen_all()
{
    local timeout=$1 i w files=() missing
    shift
    while [ "$1" != -- ]; do files+=("$1"); shift; done
    shift
    for i in $(seq $((timeout * 10))); do
        missing=
        for w in "$@"; do
            cat "${files[@]}" 2> /dev/null | grep -qF "\\\" $w\\\"" || missing="$missing $w"
        done
        [ -z "$missing" ] && return 0
        sleep 0.1
    done
    log "timeout: not at the sinks:$missing"
    return 1
}

# run NAME CMD...: both sinks, the daemon, phase 1 (m, k, r), A stopped, phase 2 (m)
run()
{
    local name=$1
    shift
    mkdir -p "$T/$name"
    conf "$name" > "$T/$name.conf"
    sink_start "$name-A" "$HA" --es
    local sa=$SINK_PID
    sink_start "$name-B" "$HB" --es
    local sb=$SINK_PID
    es_daemon "$name" "$@"
    { lines m 1 9; lines k 1 6; lines r 1 9; } > "/dev/tcp/127.0.0.1/$TCP" ||
        fail "cannot send to $name"
    # the last line of each of m, k and r at a sink, at most 15 s (a request count would
    # not do: k takes one bulk request or more, as the lines were batched)
    seen_all 15 "$T/$name-A/requests.jsonl" "$T/$name-B/requests.jsonl" -- m-9 k-6 r-9 ||
        log "$name: phase 1 incomplete"
    sleep 0.3
    stop_pid "$sa"
    wait_port_closed "$HA" 5 || fail "sink A still listens"
    lines m 10 13 > "/dev/tcp/127.0.0.1/$TCP" || fail "cannot send to $name"
    sink_wait_all 23 15 "$name-A" "$name-B" || log "$name: phase 2 incomplete"
    sleep 0.3
    stop_pid "$ES_PID"
    stop_pid "$sb"
}

start=$SECONDS
es_both

python3 - "$T" << 'PY' || fail "sluiced differs from rsyslogd or lost messages (see above)"
import collections, json, os, sys
t = sys.argv[1]

def jl(p):
    return [json.loads(l) for l in open(p, encoding="utf-8")] if os.path.exists(p) else []

def view(name):
    """per sink: the documents per path in order, the health checks per path, and the
    client-port groups of /r (consecutive requests on one connection)"""
    v = {}
    for s in ("A", "B"):
        reqs = jl("%s/%s-%s/requests.jsonl" % (t, name, s))
        docs = collections.defaultdict(list)
        for r in reqs:
            b = r["body"].split("\n")
            docs[r["path"]] += b[1::2] if r["path"].endswith("_bulk") else [r["body"]]
        groups = []
        last = None
        for r in reqs:
            if r["path"].startswith("/r/"):
                if r["peer"] != last:
                    groups.append(0)
                    last = r["peer"]
                groups[-1] += 1
        gets = collections.Counter(g["path"] for g in jl("%s/%s-%s/gets.jsonl" % (t, name, s)))
        bulk = sum(1 for r in reqs if r["path"] == "/k/_bulk")
        kgets = gets.pop("/k/_cat/health", 0)
        if kgets != bulk:
            print("%s, sink %s: %d health checks for k, %d bulk requests" % (name, s, kgets, bulk))
            bad.append(name)
        v[s] = {"docs": dict(docs), "gets": dict(gets), "r-connections": groups}
    return v

bad = []
s, r = view("sluice"), view("rsyslog")
ok = s == r and not bad
if s != r:
    print("differs:\n  sluiced: %s\n  rsyslog: %s" % (json.dumps(s), json.dumps(r)))
for tag, total in (("m", 13), ("k", 6), ("r", 9)):
    got = [d for x in ("A", "B") for p, ds in s[x]["docs"].items() if p.startswith("/%s/" % tag)
           for d in ds]
    want = {'{"msg":" %s-%d"}' % (tag, i) for i in range(1, total + 1)}
    if len(got) != total or set(got) != want:
        print("%s: %d documents, %d distinct, expected %d" % (tag, len(got), len(set(got)), total))
        ok = False
phase2 = [d for d in s["B"]["docs"].get("/m/i/events", []) if int(d.split("-")[1][:-2]) > 9]
if len(phase2) != 4:
    print("m: %d of the 4 lines sent after A stopped went to B" % len(phase2))
    ok = False
if s["A"]["r-connections"] != [3, 3, 3]:
    print("r: connections %s, expected [3, 3, 3]" % s["A"]["r-connections"])
    ok = False
print("omes-servers: sluiced: A %s, B %s" % (
    {p: len(d) for p, d in s["A"]["docs"].items()}, {p: len(d) for p, d in s["B"]["docs"].items()}))
print("omes-servers: health checks A %s, B %s; r connections %s" % (
    s["A"]["gets"], s["B"]["gets"], s["A"]["r-connections"]))
sys.exit(0 if ok else 1)
PY
[ $((SECONDS - start)) -lt 40 ] || fail "took $((SECONDS - start)) s"
log "ok"
