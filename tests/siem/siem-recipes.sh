#!/bin/bash
# siem-recipes.sh - every recipe in conf.d/examples/ passes `sluiced -N1` with test ports,
# paths and certificates substituted, and the ones whose plugins are all built carry one
# message end to end where the test can play the SIEM: QRadar (LEEF over TCP and TLS),
# Sentinel's AMA (CEF to the agent port), the Azure Local receiver (mutual TLS and
# server-auth only), LogStare (TCP and UDP), SNMP traps to CEF (net-snmp's snmptrap), nProbe
# JSON flows (the classic route and GELF), Elasticsearch (a bulk request over HTTPS).
# The SIEMs are socat listeners (TCP, UDP, OpenSSL) writing what arrives to a file, and for
# Elasticsearch tests/integration/http_sink.py --es; the senders are socat clients and
# snmptrap.
# Each recipe's expectations file (conf.d/examples/NAME.expect: sample lines per route, one
# that goes nowhere where the recipe has such a route; for Elasticsearch the bulk body lines
# omelasticsearch's preview gives) must pass `sluiced --test
# --test-expect` against the recipe as shipped (ports and hosts unchanged, only the TLS and
# log paths moved), so a changed template or route fails here until the file is reviewed.
#
# Substitution: in input() lines every port="N" becomes a free input port, elsewhere a
# free output port (one per distinct N); target=/server= hosts under example.net/.org
# become 127.0.0.1, other example.net names localhost (the test certificates' name);
# /etc/sluice/tls/ the test PKI (tests/tls/mkcerts.sh), /var/log/sluice/ and
# /var/lib/sluice the scratch directory.  Recipes needing an unbuilt plugin (omhttp until
# it lands) are reported as skipped.
. "$(dirname "$0")/../integration/lib.sh"
# shellcheck source=tests/integration/lib-http.sh
. "$(dirname "$0")/../integration/lib-http.sh"
[ "$DUT" = sluice ] || { echo "the recipes use sluice's SLUICE_* templates"; exit 77; }
setup
require_cmd socat certtool
sh "$top_srcdir/tests/tls/mkcerts.sh" "$T/pki" || fail "mkcerts.sh"
mkdir -p "$T/work" "$T/out"
declare -A INP OUTP

# subst RECIPE: writes $T/NAME.conf, fills INP[N] / OUTP[N]
subst()
{
    local src=$1 dst=$T/$(basename "$1") n args=()
    INP=() OUTP=()
    for n in $(grep -E '^ *input\(' "$src" | grep -oE '[Pp]ort="[0-9]+"' | grep -oE '[0-9]+' | sort -u); do
        new_port "INP[$n]"
        args+=(-e "/^ *input\(/s/([Pp]ort=\")$n\"/\1${INP[$n]}\"/g")
    done
    for n in $(grep -vE '^ *input\(' "$src" | grep -oE '[Pp]ort="[0-9]+"' | grep -oE '[0-9]+' | sort -u); do
        new_port "OUTP[$n]"
        args+=(-e "/^ *input\(/!s/([Pp]ort=\")$n\"/\1${OUTP[$n]}\"/g")
    done
    sed -E "${args[@]}" \
        -e 's#(target|server)="[a-z0-9.-]*\.example\.(net|org)"#\1="127.0.0.1"#g' \
        -e 's#[a-z0-9-]+\.example\.net#localhost#g' \
        -e "s#/etc/sluice/tls/#$T/pki/#g" -e "s#/var/log/sluice/#$T/out/#g" \
        -e "s#/var/lib/sluice#$T/work#g" "$src" > "$dst"
}

# listen tcp|udp|tls PORT FILE: a socat SIEM writing what it receives to FILE
listen()
{
    local addr
    case $1 in
        tcp) addr="TCP-LISTEN:$2,bind=127.0.0.1,reuseaddr,fork" ;;
        udp) addr="UDP-RECV:$2,bind=127.0.0.1" ;;
        tls) addr="OPENSSL-LISTEN:$2,bind=127.0.0.1,reuseaddr,fork,cert=$T/pki/server.pem,key=$T/pki/server-key.pem,verify=0" ;;
    esac
    socat -u "$addr" "OPEN:$3,creat,append" 2> "$T/socat-$2.err" &
    track_pid $!
    wait_port "${1/tls/tcp}" "$2" 10 || fail "socat does not listen on $2"
}

# send_tcp PORT LINE...: LF-framed lines to the daemon's input
send_tcp() { local p=$1; shift; printf '%s\n' "$@" | timeout -k 20 10 socat -u - "TCP:127.0.0.1:$p" || fail "send to $p"; }

# expect FILE LINE: FILE must hold exactly that line (after the wait)
expect()
{
    wait_lines "$1" 1 15 || fail "nothing arrived in $(basename "$1")"
    sleep 0.3
    local got
    got=$(cat "$1")
    [ "$got" = "$2" ] || fail "$(basename "$1"): got
$got
want
$2"
}

# the message every end-to-end run sends (RFC 5424: a full, deterministic timestamp)
MSG='<13>1 2026-12-06T19:30:00Z host1 app 42 - - login a|b=c\d'
TAB=$(printf '\t')
LEEF="<13>Dec  6 19:30:00 host1 LEEF:2.0|sluice|syslog|1.0|app|x09|devTime=2026-12-06T19:30:00-00:00${TAB}devTimeFormat=yyyy-MM-dd'T'HH:mm:ssXXX${TAB}sev=3${TAB}hostname=host1${TAB}facility=user${TAB}msg=login a|b=c\\\\d"
CEF='<13>Dec  6 19:30:00 host1 CEF:0|sluice|syslog|1.0|app|login a\|b=c\\d|3|rt=1796585400000 dvchost=host1 deviceProcessName=app deviceFacility=user msg=login a|b\=c\\d'

run_e2e()
{
    local name=$1 conf=$2
    case $name in
    qradar-leef)
        listen tcp "${OUTP[514]}" "$T/qradar-tcp.out"
        listen tls "${OUTP[6514]}" "$T/qradar-tls.out"
        dut_start "$conf" tcp "${INP[514]}"
        send_tcp "${INP[514]}" "$MSG"
        expect "$T/qradar-tcp.out" "$LEEF"
        expect "$T/qradar-tls.out" "$LEEF" ;;
    sentinel-ama-cef)
        listen tcp "${OUTP[28330]}" "$T/ama.out"
        dut_start "$conf" tcp "${INP[514]}"
        send_tcp "${INP[514]}" "$MSG"
        expect "$T/ama.out" "$CEF"
        : > "$T/ama.out"
        send_tcp "${INP[514]}" '<12>Dec  6 19:31:00 fw1 CEF:0|V|P|1|42|n|5|src=10.0.0.1'
        expect "$T/ama.out" '<12>Dec  6 19:31:00 fw1 CEF:0|V|P|1|42|n|5|src=10.0.0.1' ;;
    azure-local-receiver)
        dut_start "$conf" tcp "${INP[6514]}" tcp "${INP[6515]}"
        printf '%s\n' '<12>Dec  6 19:31:00 azl1 CEF:0|Microsoft|Azure Local|1.0|1|mtls|5|' |
            timeout -k 20 10 socat -u - "OPENSSL:localhost:${INP[6514]},cert=$T/pki/peer.pem,key=$T/pki/peer-key.pem,cafile=$T/pki/ca.pem" ||
            fail "mutual TLS send"
        printf '%s\n' '<12>Dec  6 19:31:01 azl1 CEF:0|Microsoft|Azure Local|1.0|2|srv|5|' |
            timeout -k 20 10 socat -u - "OPENSSL:localhost:${INP[6515]},cafile=$T/pki/ca.pem" ||
            fail "server-auth-only send"
        wait_lines "$T/out/azure-local-cef.log" 2 15 || fail "CEF lines missing"
        sort "$T/out/azure-local-cef.log" > "$T/azl.sorted"
        printf '%s\n' "$(date +%Y)-12-06T19:31:00+00:00 azl1 CEF:0|Microsoft|Azure Local|1.0|1|mtls|5|" \
            "$(date +%Y)-12-06T19:31:01+00:00 azl1 CEF:0|Microsoft|Azure Local|1.0|2|srv|5|" > "$T/azl.want"
        cmp -s "$T/azl.sorted" "$T/azl.want" || fail "azure-local-cef.log: $(cat "$T/azl.sorted")" ;;
    logstare)
        listen tcp "${OUTP[514]}" "$T/logstare-tcp.out"
        listen udp "${OUTP[514]}" "$T/logstare-udp.out"
        dut_start "$conf" tcp "${INP[514]}"
        send_tcp "${INP[514]}" "$MSG"
        expect "$T/logstare-tcp.out" '<13>Dec  6 19:30:00 host1 app[42] login a|b=c\d'
        # UDP: no LF framing, the datagram is the line
        wait_lines "$T/logstare-udp.out" 0 1
        for i in $(seq 50); do [ -s "$T/logstare-udp.out" ] && break; sleep 0.1; done
        [ "$(cat "$T/logstare-udp.out")" = '<13>Dec  6 19:30:00 host1 app[42] login a|b=c\d' ] ||
            fail "logstare UDP: $(cat "$T/logstare-udp.out")" ;;
    snmptrap-netflow-siem)
        command -v snmptrap > /dev/null 2>&1 || return 1
        listen tcp "${OUTP[514]}" "$T/siem-cef.out"
        dut_start "$conf" udp "${INP[162]}" udp "${INP[2055]}"
        timeout -k 20 10 snmptrap -v 2c -c public "127.0.0.1:${INP[162]}" 4200 \
            .1.3.6.1.4.1.8072.2.3.0.1 .1.3.6.1.4.1.8072.2.3.2.1 s 'link|down=1' \
            > /dev/null 2> "$T/snmptrap.err" || fail "snmptrap failed"
        wait_lines "$T/siem-cef.out" 1 15 || fail "no CEF line for the trap"
        # reception time varies: check the frame, the header and the trap's $!snmp fields
        grep -qE '^<30>[A-Z][a-z]{2} [ 0-9]{2} [0-9:]{8} [^ ]+ CEF:0\|sluice\|syslog\|1\.0\|snmptrapd\|.*\|2\|rt=[0-9]+000 dvchost=[^ ]+ .* snmp_community=public .*snmp_trap_oid=\.1\.3\.6\.1\.4\.1\.8072\.2\.3\.0\.1 ' \
            "$T/siem-cef.out" || fail "trap as CEF: $(cat "$T/siem-cef.out")"
        grep -qF 'link|down\=1' "$T/siem-cef.out" || fail "varbind value not CEF-escaped: $(cat "$T/siem-cef.out")" ;;
    nprobe-json)
        listen tcp "${OUTP[514]}" "$T/flows-siem.out"
        listen tcp "${OUTP[12201]}" "$T/flows-gelf.out"
        dut_start "$conf" udp "${INP[5514]}"
        local flow='<134>Dec  6 19:30:00 probe nprobe: {"IPV4_SRC_ADDR":"192.0.2.1","L4_SRC_PORT":443,"NOTE":"a|b=c"}'
        printf '%s' "$flow" | timeout -k 20 10 socat -u - "UDP:127.0.0.1:${INP[5514]}" || fail "send flow"
        expect "$T/flows-siem.out" "$flow"
        for i in $(seq 150); do [ -s "$T/flows-gelf.out" ] && break; sleep 0.1; done
        python3 -c '
import json, sys
frames = open(sys.argv[1]).read().split("\0")
if len(frames) != 2 or frames[1] != "":
    sys.exit("not one NUL-terminated GELF frame: %r" % frames)
g = json.loads(frames[0])
want = {"version": "1.1", "host": "probe", "level": 6, "_flow.IPV4_SRC_ADDR": "192.0.2.1",
        "_flow.L4_SRC_PORT": 443, "_flow.NOTE": "a|b=c", "_app_name": "nprobe"}
bad = {k: g.get(k) for k in want if g.get(k) != want[k]}
sys.exit("GELF flow differs: %r" % bad if bad else 0)' "$T/flows-gelf.out" || fail "GELF flow" ;;
    elasticsearch)
        sink_start es "${OUTP[9200]}" --es --cert "$T/pki/server.pem" --key "$T/pki/server-key.pem"
        dut_start "$conf" tcp "${INP[514]}"
        send_tcp "${INP[514]}" "$MSG"
        wait_requests es /_bulk 1 || fail "elasticsearch: no bulk request"
        python3 -c '
import base64, json, sys
r = json.loads(open(sys.argv[1], encoding="utf-8").readline())
h = {k.lower(): v for k, v in r["headers"]}
meta, doc, end = r["body"].split("\n")
doc = json.loads(doc)
bad = []
if meta != "{\"index\":{\"_index\": \"sluice-syslog-2026.12.06\"}}": bad.append(meta)
if doc.get("message") != "login a|b=c\\d" or doc.get("host", {}).get("name") != "host1": bad.append(doc)
if h.get("authorization") != "Basic " + base64.b64encode(b"sluice_writer:changeme").decode(): bad.append(h)
if end != "": bad.append(end)
sys.exit("elasticsearch request differs: %r" % bad if bad else 0)' "$T/es/requests.jsonl" ||
            fail "elasticsearch request" ;;
    *) return 1 ;;
    esac
    dut_stop
    return 0
}

# rt_expect NAME RECIPE: the recipe's expectations hold (ports and hosts as shipped)
rt_expect()
{
    local name=$1 recipe=$2 exp=${2%.conf}.expect paths
    [ -f "$exp" ] || fail "$name: no $(basename "$exp")"
    paths=(-e "s#/etc/sluice/tls/#$T/pki/#g" -e "s#/var/log/sluice/#$T/out/#g"
           -e "s#/var/lib/sluice#$T/work#g")
    sed "${paths[@]}" "$recipe" > "$T/$name.rt.conf"
    sed "${paths[@]}" "$exp" > "$T/$name.rt.expect"
    TZ=UTC timeout -k 20 30 "$SLUICED" --test -f "$T/$name.rt.conf" -M "$SLUICE_PLUGIN_DIR" \
        --test-expect "$T/$name.rt.expect" > "$T/$name.rt.out" 2>&1 ||
        fail "$name: sluiced --test --test-expect $(basename "$exp") fails:
$(cat "$T/$name.rt.out")"
    local cases
    cases=$(grep -c '^input ' "$exp")
    [ "$cases" -ge 3 ] || fail "$name: only $cases case(s) in $(basename "$exp")"
    grep -q "^$cases case(s), 0 failed" "$T/$name.rt.out" ||
        fail "$name: the tester did not run the $cases cases: $(tail -3 "$T/$name.rt.out")"
    rt_cases=$((rt_cases + cases))
    rt_files=$((rt_files + 1))
}

n=0 skipped=0 e2e=0 rt_files=0 rt_cases=0
for recipe in "$top_srcdir"/conf.d/examples/*.conf; do
    name=$(basename "$recipe" .conf)
    missing=
    for p in $(grep -oE 'module\(load="[a-z0-9]+"' "$recipe" | cut -d'"' -f2); do
        plugin_built "$p" || missing="$missing $p"
    done
    if [ -n "$missing" ]; then
        log "$name: skipped, plugin(s) not built:$missing"
        skipped=$((skipped + 1))
        continue
    fi
    rt_expect "$name" "$recipe"
    subst "$recipe"  # not in $(...): it fills INP/OUTP
    conf=$T/$name.conf
    dut_check "$conf" || fail "$name: sluiced -N1 fails: $(cat "$T/check.err")"
    if grep -qiE 'error|warning' "$T/check.err"; then
        fail "$name: sluiced -N1 complains: $(cat "$T/check.err")"
    fi
    n=$((n + 1))
    if run_e2e "$name" "$conf"; then
        e2e=$((e2e + 1))
        log "$name: -N1 and end to end OK"
    else
        log "$name: -N1 OK"
    fi
done
[ "$n" -ge 7 ] || fail "only $n recipes checked"
[ "$rt_files" -ge 7 ] || fail "only $rt_files expectations files checked"
log "PASS: $n recipes pass -N1 ($e2e end to end), $skipped skipped; $rt_cases expectations in $rt_files files hold"
