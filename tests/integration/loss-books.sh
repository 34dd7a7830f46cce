#!/bin/bash
# The books balance: received = delivered + dropped (by reason) + queued, scraped from
# imhttp's /metrics during and after a flood with induced drops of several kinds.
#   sluiced: imudp U, imtcp TP, imtcp T2 bound to ruleset "strict" (RFC 5424 parser only,
#   an omfile action that cannot write, resumeRetryCount 0, and one whose dynaFile cannot be
#   created (bad data) for lines with "dyn", both with an errorFile), imuxsock
#   (own socket, RateLimit 5 per 30 s), imtcp T3 (rateLimit 5 per 300 s), one main queue of 200 with queue.timeoutEnqueue=0
#   and queue.discardMark=150 for debug messages, and one omfwd action to a TCP port that
#   is closed at first (the queue backs up).
#   While it is down: over TCP NT lines, one oversize line and one oversize octet frame
#   (maxMessageSize 1k) and one malformed octet frame; to "strict" NP RFC 3164 lines (no
#   parser takes them), NG RFC 5424 lines (the action fails, errorFile) and NB with "dyn"
#   (bad data, errorFile); over the socket
#   NX lines from one logger (5 pass the rate limit); to T3 NR lines over two connections
#   (5 pass: one limiter for the input's sessions); over UDP NU notices (the queue fills:
#   discarded.full) and ND debug lines (all past the discard mark: discarded.nf).
#   Scrape 1: every induced reason > 0 and received >= delivered + dropped + queued.  Then
#   an rsyslogd receiver comes up on the omfwd port and the queue drains.  Scrape 2
#   (settled): the equation holds exactly, the receiver has the lines omfwd delivered, and
#   the reasons whose count is exact (rate limit, discard mark, oversize, malformed frame,
#   parse failure, errorFile) equal what was induced.
#   received  = imudp's datagrams read + imuxsock's datagrams read + imtcp's submitted
#               + imtcp's ratelimit.discarded (frames dropped before they are submitted)
#   dropped   = ratelimit.discarded (imuxsock, imtcp) + main Q discarded.full + discarded.nf
#               + actions' discarded + sluiced parser.discarded
#   delivered = actions' processed - failed;  queued = main Q size
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"
setup
[ "$DUT" = sluice ] || { log "reads sluiced's /metrics: skipped for DUT=$DUT"; exit 77; }
require_plugin imudp imtcp imuxsock imhttp
require_cmd curl python3 logger
[ -x "$RSYSLOGD" ] || { log "skipped: the receiver is rsyslogd, not installed"; exit 77; }
NT=40 NX=20 NR=12 NU=1500 ND=100 NP=3 NG=2 NB=4
new_port U
new_port TP
new_port HP
new_port R
new_port T2
new_port T3
{
    dut_global
    printf 'global(maxMessageSize="1k")\n'
    printf 'main_queue(queue.type="FixedArray" queue.size="200" queue.timeoutEnqueue="0"\n'
    printf '           queue.discardMark="150" queue.discardSeverity="7" queue.workerThreads="1")\n'
    printf 'module(load="imhttp" ports="127.0.0.1:%s")\n' "$HP"
    printf 'module(load="imuxsock" SysSock.Use="off")\n'
    printf 'input(type="imuxsock" Socket="%s/log.sock" RateLimit.Interval="30" RateLimit.Burst="5")\n' "$T"
    printf 'module(load="imudp")\ninput(type="imudp" address="127.0.0.1" port="%s")\n' "$U"
    printf 'module(load="imtcp")\ninput(type="imtcp" address="127.0.0.1" port="%s")\n' "$TP"
    printf 'action(type="omfwd" name="fwd" target="127.0.0.1" port="%s" protocol="tcp"\n' "$R"
    printf '       action.resumeRetryCount="-1" action.resumeInterval="1")\n'
    printf 'input(type="imtcp" address="127.0.0.1" port="%s" ruleset="strict")\n' "$T2"
    printf 'input(type="imtcp" address="127.0.0.1" port="%s" rateLimit.interval="300" rateLimit.burst="5")\n' "$T3"
    printf 'ruleset(name="strict" parser=["rsyslog.rfc5424"]) {\n'
    printf '    if $msg contains "dyn" then\n'
    printf '        action(type="omfile" name="baddyn" dynaFile="dyn" action.errorFile="%s/errors.json")\n' "$T"
    printf '    else\n'
    printf '        action(type="omfile" name="bad" file="/proc/sluice-none/x" action.resumeRetryCount="0"\n'
    printf '               action.errorFile="%s/errors.json")\n}\n' "$T"
    printf 'template(name="dyn" type="string" string="/proc/sluice-none/%%programname%%")\n'
} > "$T/dut.conf"
dut_check "$T/dut.conf" || fail "-N1 rejects the config: $(cat "$T/check.err")"
dut_start "$T/dut.conf" udp "$U" tcp "$TP" tcp "$HP" tcp "$T2" tcp "$T3"
for i in $(seq 50); do [ -S "$T/log.sock" ] && break; sleep 0.1; done

# scrape FILE: /metrics as "object|counter value" lines
scrape()
{
    curl -s -m 10 "http://127.0.0.1:$HP/metrics" > "$1.raw" || fail "curl /metrics failed"
    sed -n 's/^# HELP \([^ ]*\) rsyslog stats: origin="[^"]*" object="\(.*\)", counter="\(.*\)"$/\1 \2|\3/p' \
        "$1.raw" | while read -r name key; do
        printf '%s %s\n' "$key" "$(awk -v n="$name" '$1 == n { print $2 }' "$1.raw")"
    done > "$1"
}
# get FILE OBJECT COUNTER
get() { awk -v k="$2|$3" '{ v = $NF; $NF = ""; sub(/ $/, "") } $0 == k { print v }' "$1"; }

# --- the flood, the action down ------------------------------------------------------------
{
    for i in $(seq "$NT"); do printf '<13>Dec  6 12:00:00 h tcpin: tcp line %d\n' "$i"; done
    printf '<13>Dec  6 12:00:00 h tcpin: oversize %s\n' "$(head -c 1500 /dev/zero | tr '\0' x)"
} > "$T/tcp.txt"
flood -p "$TP" -t tcp -i "$T/tcp.txt" -W 1 || fail "slflood tcp failed"
# a malformed octet-counted frame: a count with a letter in it
printf '12x <13>bad frame\n' > "$T/bad.txt"
python3 - "$TP" "$T/bad.txt" << 'PY' || fail "cannot send the malformed frame"
import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=5)
s.sendall(open(sys.argv[2], "rb").read())
s.shutdown(socket.SHUT_WR)
s.settimeout(5)
try:
    s.recv(1)
except OSError:
    pass
PY
# an octet-counted frame longer than maxMessageSize (cut: frames.oversize)
python3 - "$TP" << 'PY' || fail "cannot send the oversize octet frame"
import socket, sys
m = b"<13>Dec  6 12:00:00 h big: " + b"y" * 1500
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=5)
s.sendall(b"%d %s" % (len(m), m))
s.close()
PY
# the "strict" ruleset parses RFC 5424 only: NP RFC 3164 lines are discarded (parse
# failure), NG RFC 5424 lines reach an action that fails (to its errorFile)
{
    for i in $(seq "$NP"); do printf '<13>Dec  6 12:00:00 h strict: 3164 line %d\n' "$i"; done
    for i in $(seq "$NG"); do printf '<13>1 2026-12-06T12:00:00Z h strict - - - 5424 line %d\n' "$i"; done
    for i in $(seq "$NB"); do printf '<13>1 2026-12-06T12:00:00Z h strict - - - dyn line %d\n' "$i"; done
} > "$T/strict.txt"
flood -p "$T2" -t tcp -i "$T/strict.txt" -W 1 || fail "slflood strict failed"
for c in 1 2; do
    for i in $(seq $((NR / 2))); do printf '<13>Dec  6 12:00:00 h rlin: conn %d line %d\n' "$c" "$i"; done > "$T/rl$c.txt"
    flood -p "$T3" -t tcp -i "$T/rl$c.txt" -W 1 || fail "slflood to T3 failed"
done
seq "$NX" | sed 's/^/socket line /' | logger -u "$T/log.sock" -t sockin -p user.notice ||
    fail "logger failed"
flood -p "$U" -t udp -n "$NU" -r 5000 || fail "slflood udp failed"
for i in $(seq "$ND"); do printf '<15>Dec  6 12:00:00 h dbg: debug line %d\n' "$i"; done > "$T/dbg.txt"
flood -p "$U" -t udp -i "$T/dbg.txt" || fail "slflood udp debug failed"
sleep 1

# books FILE [exact]: prints the figures; checks the equation (exact) or the inequality
books()
{
    python3 - "$1" "$2" "$U" "$TP" "$T" "$T2" "$T3" << 'PY'
import sys
f, mode, u, tp, t, t2, t3 = sys.argv[1:8]
v = {}
for line in open(f):
    k, _, n = line.rstrip("\n").rpartition(" ")
    v[k] = int(n)
def g(obj, ctr):
    if obj + "|" + ctr not in v:
        sys.exit("no counter %s %s in /metrics" % (obj, ctr))
    return v[obj + "|" + ctr]
received = (g("imudp(127.0.0.1:%s)" % u, "received") + g("imuxsock sluice", "received")
            + g("imtcp(%s)" % tp, "submitted") + g("imtcp(%s)" % t2, "submitted")
            + g("imtcp(%s)" % t3, "submitted")
            + g("imtcp(127.0.0.1:%s)" % t3, "ratelimit.discarded"))
drops = {
    "ratelimit.discarded": g("imuxsock", "ratelimit.discarded"),  # rsyslog's set name
    "tcp.ratelimit.discarded": g("imtcp(127.0.0.1:%s)" % t3, "ratelimit.discarded"),
    "discarded.full": g("main Q", "discarded.full"),
    "discarded.nf": g("main Q", "discarded.nf"),
    "action.discarded": sum(g(a + " sluice", "discarded") for a in ("fwd", "bad", "baddyn")),
    "parser.discarded": g("sluiced", "parser.discarded"),
}
delivered = sum(g(a, "processed") - g(a, "failed") for a in ("fwd", "bad", "baddyn"))
queued = g("main Q", "size")
dropped = sum(drops.values())
print("received=%d delivered=%d dropped=%d %s queued=%d" % (received, delivered, dropped,
      " ".join("%s=%d" % kv for kv in drops.items()), queued))
print("errorfile=%d octet.oversize=%d oversize=%d malformed=%d kernel=%d" % (
      g("bad sluice", "errorfile.written") + g("baddyn sluice", "errorfile.written"), g("imtcp(127.0.0.1:%s)" % tp, "frames.oversize"),
      g("imtcp(127.0.0.1:%s)" % tp, "frames.truncated"),
      g("imtcp(127.0.0.1:%s)" % tp, "framing.errors"), g("imudp(127.0.0.1:%s)" % u, "kernel.dropped")))
ok = received == delivered + dropped + queued if mode == "exact" else \
     received >= delivered + dropped + queued
sys.exit(0 if ok else 1)
PY
}
scrape "$T/m1"
b1=$(books "$T/m1" during) || fail "during the flood: books do not balance: $b1"
log "during: $b1"
for k in ratelimit.discarded tcp.ratelimit.discarded discarded.full discarded.nf oversize octet.oversize malformed; do
    v=$(printf '%s\n' "$b1" | tr ' ' '\n' | sed -n "s/^$k=//p")
    [ "${v:-0}" -gt 0 ] || fail "during: $k is '${v}', not > 0"
done

# --- the receiver comes up, the queue drains ------------------------------------------------
rs_recv rx --tcp "$R"
prev=
for i in $(seq 40); do
    sleep 0.5
    scrape "$T/m2"
    cur=$(books "$T/m2" exact) && [ "$cur" = "$prev" ] && case $cur in *" queued=0"*) break ;; esac
    prev=$cur
done
b2=$(books "$T/m2" exact) || fail "after the flood: received != delivered + dropped + queued: $b2"
log "after: $b2"
field() { printf '%s\n' "$b2" | tr ' ' '\n' | sed -n "s/^$1=//p"; }
[ "$(field ratelimit.discarded)" = $((NX - 5)) ] || fail "ratelimit.discarded != $((NX - 5))"
[ "$(field tcp.ratelimit.discarded)" = $((NR - 5)) ] || fail "imtcp ratelimit.discarded != $((NR - 5))"
[ "$(field discarded.nf)" = "$ND" ] || fail "discarded.nf != $ND (all debug lines past the mark)"
[ "$(field oversize)" = 2 ] || fail "oversize (frames.truncated) != 2 (an LF line, an octet frame)"
[ "$(field octet.oversize)" = 1 ] || fail "frames.oversize != 1"
[ "$(field parser.discarded)" = "$NP" ] || fail "parser.discarded != $NP"
[ "$(field errorfile)" = $((NG + NB)) ] || fail "errorfile.written != $((NG + NB))"
[ "$(field action.discarded)" = $((NG + NB)) ] || fail "action discarded != $((NG + NB))"
[ "$(count_lines "$T/errors.json")" = $((NG + NB)) ] || fail "errors.json has not $((NG + NB)) lines"
[ "$(field malformed)" = 1 ] || fail "malformed (framing.errors) != 1"
[ "$(field queued)" = 0 ] || fail "the queue did not drain"
[ "$(field discarded.full)" -gt 0 ] || fail "queue full did not drop"
wait_lines "$T/rx/raw.log" "$(field delivered)" 10 ||
    fail "receiver has $(count_lines "$T/rx/raw.log") lines, delivered=$(field delivered)"
dut_stop
[ "$DUT_STATUS" -eq 0 ] || fail "sluiced exited with status $DUT_STATUS"
[ "$(count_lines "$T/rx/raw.log")" = "$(field delivered)" ] ||
    fail "receiver has $(count_lines "$T/rx/raw.log") lines, delivered=$(field delivered)"
log "ok: loss-books"
