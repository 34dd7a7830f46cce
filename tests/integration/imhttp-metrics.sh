#!/bin/bash
# imhttp: the Prometheus /metrics and the /healthz endpoints (module parameters of newer
# rsyslog's imhttp), scraped with curl.
#   1. open endpoints: /healthz answers "OK"; /metrics starts with the imhttp_up gauge and,
#      after N messages over TCP, says submitted=N for the imtcp input and processed=N for
#      the file action - the same values as sluiced's own counter dump (SIGUSR1), every
#      entry a HELP/TYPE/value triple; 404 for other paths, 405 for POST; the file got N lines.
#   2. metricsapikeyfile: no key or a wrong one -> 401, "X-API-Key: K" and
#      "Authorization: ApiKey K" -> 200; /healthz stays open.
#   3. metricsbasicauthfile (htpasswd with a bcrypt hash): right password -> 200, wrong ->
#      401; an "$apr1$" entry is refused with a log line.
#   4. ports="PORT s" (HTTPS) is refused by -N1 with a message naming it.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"
setup
require_plugin imhttp imtcp
require_cmd curl python3
N=500

# conf FILE HTTPPORT TCPPORT [EXTRA MODULE PARAMETERS]
conf()
{
    {
        dut_global
        printf 'module(load="imhttp" ports="127.0.0.1:%s" %s)\n' "$2" "${4:-}"
        printf 'module(load="imtcp")\ninput(type="imtcp" address="127.0.0.1" port="%s")\n' "$3"
        printf 'action(type="omfile" file="%s/out.log" name="tofile")\n' "$T"
    } > "$1"
}

# get URL [CURL ARGS...]: prints "STATUS" on the first line, then the body
get()
{
    local url=$1
    shift
    curl -s -m 10 -o "$T/body" -w '%{http_code}\n' "$@" "$url" || echo "curl-failed"
    cat "$T/body" 2> /dev/null
}

status() { get "$@" | head -n 1; }

# --- 1. open endpoints ------------------------------------------------------------------
new_port HP
new_port TP
conf "$T/a.conf" "$HP" "$TP"
dut_check "$T/a.conf" || fail "-N1 rejects the config: $(cat "$T/check.err")"
dut_start "$T/a.conf" tcp "$HP" tcp "$TP"
base=http://127.0.0.1:$HP
out=$(get "$base/healthz")
[ "$out" = "$(printf '200\nOK')" ] || fail "/healthz: '$out'"
[ "$(status "$base/nothing")" = 404 ] || fail "/nothing is not 404"
[ "$(status "$base/metrics" -X POST -d x=1)" = 405 ] || fail "POST /metrics is not 405"
"$SLFLOOD" -p "$TP" -t tcp -n "$N" -c 1 > "$T/flood.out" 2>&1 || fail "slflood failed"
wait_lines "$T/out.log" "$N" 20 || fail "only $(count_lines "$T/out.log") of $N lines arrived"
sleep 0.5
get "$base/metrics" > "$T/metrics" -D "$T/headers"
[ "$(head -n 1 "$T/metrics")" = 200 ] || fail "/metrics: status $(head -n 1 "$T/metrics")"
grep -qi '^Content-Type: text/plain; version=0.0.4; charset=utf-8' "$T/headers" ||
    fail "/metrics Content-Type: $(grep -i content-type "$T/headers")"
stats_dump
python3 - "$T/metrics" "$T/stats" "$TP" "$N" << 'PY' || fail "the metrics do not match (above)"
import re, sys
text = open(sys.argv[1]).read().split("\n", 1)[1]
tp, n = sys.argv[3], int(sys.argv[4])
lines = text.splitlines()
assert lines[:3] == ["# HELP imhttp_up Indicates if the imhttp module is operational (1 for up, 0 for down).",
                     "# TYPE imhttp_up gauge", "imhttp_up 1"], lines[:3]
vals = {}
i = 3
while i < len(lines):
    m = re.match(r'# HELP (\S+) rsyslog stats: origin="(.*)" object="(.*)", counter="(.*)"$', lines[i])
    assert m, "not a HELP line: %r" % lines[i]
    name = m.group(1)
    assert lines[i + 1] == "# TYPE %s counter" % name, lines[i + 1]
    vname, v = lines[i + 2].rsplit(" ", 1)
    assert vname == name, lines[i + 2]
    vals[(m.group(3), m.group(4))] = int(v)
    i += 3
dump = {}
for l in open(sys.argv[2]):
    m = re.match(r'^(.*): origin=\S+ (.*)$', l.rstrip("\n"))
    if m:
        for kv in m.group(2).split():
            k, _, v = kv.partition("=")
            dump[(m.group(1), k)] = int(v)
bad = 0
for key, want in (((f"imtcp({tp})", "submitted"), n), (("tofile", "processed"), n)):
    if vals.get(key) != want:
        print("metrics %s = %s, want %d" % (key, vals.get(key), want)); bad += 1
for key in (f"imtcp({tp})", "submitted"), ("tofile", "processed"), ("main Q", "enqueued"):
    if key not in dump or vals.get(key) != dump[key]:
        print("metrics %s = %s, SIGUSR1 dump %s" % (key, vals.get(key), dump.get(key))); bad += 1
print("imhttp-metrics: %d counters scraped" % len(vals))
sys.exit(1 if bad else 0)
PY
dut_stop

# --- 2. API keys --------------------------------------------------------------------------
printf '# scrape keys\nsecret-one\n\nk2\n' > "$T/keys"
new_port HP
new_port TP
conf "$T/b.conf" "$HP" "$TP" "metricsapikeyfile=\"$T/keys\""
dut_start "$T/b.conf" tcp "$HP"
base=http://127.0.0.1:$HP
[ "$(status "$base/metrics")" = 401 ] || fail "no key: not 401"
[ "$(status "$base/metrics" -H 'X-API-Key: wrong')" = 401 ] || fail "wrong key: not 401"
[ "$(status "$base/metrics" -H 'X-API-Key: secret-one')" = 200 ] || fail "X-API-Key: not 200"
[ "$(status "$base/metrics" -H 'Authorization: ApiKey k2')" = 200 ] || fail "ApiKey: not 200"
[ "$(status "$base/healthz")" = 200 ] || fail "/healthz needs no key, yet not 200"
grep -q 'secret-one' "$DUT_ERR" && fail "a key was logged"
dut_stop

# --- 3. htpasswd with bcrypt --------------------------------------------------------------
python3 - "$T/htpasswd" << 'PY' 2> /dev/null || fail "cannot make a bcrypt hash"
import crypt, sys
open(sys.argv[1], "w").write("scraper:%s\nold:$apr1$abcdefgh$0123456789012345678901\n"
    % crypt.crypt("pa:ss word", crypt.mksalt(crypt.METHOD_BLOWFISH)))
PY
new_port HP
new_port TP
conf "$T/c.conf" "$HP" "$TP" "metricsbasicauthfile=\"$T/htpasswd\""
dut_start "$T/c.conf" tcp "$HP"
base=http://127.0.0.1:$HP
[ "$(status "$base/metrics" -u 'scraper:pa:ss word')" = 200 ] || fail "right password: not 200"
[ "$(status "$base/metrics" -u 'scraper:nope')" = 401 ] || fail "wrong password: not 401"
[ "$(status "$base/metrics")" = 401 ] || fail "no credentials: not 401"
[ "$(status "$base/metrics" -u 'old:whatever')" = 401 ] || fail "\$apr1\$ entry: not 401"
grep -q 'apr1' "$DUT_ERR" || fail "no log line for the \$apr1\$ entry"
grep -q 'pa:ss word' "$DUT_ERR" && fail "a password was logged"
dut_stop

# --- 4. HTTPS ports refused ---------------------------------------------------------------
new_port HP
new_port TP
conf "$T/d.conf" "${HP}s" "$TP"
if dut_check "$T/d.conf"; then
    fail "-N1 accepts an HTTPS port"
fi
grep -q "HTTPS" "$T/check.err" || fail "-N1 does not say why: $(cat "$T/check.err")"
log "ok"
