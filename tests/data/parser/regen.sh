#!/bin/sh
# regen.sh - regenerate the parser golden corpus (expected/*.txt) from rsyslogd 8.2302.
#
# Starts a private rsyslogd in the foreground (imudp + imtcp on free high ports on
# 127.0.0.1, no imuxsock/imklog), sends every inputs/*.txt message (UDP, one datagram per
# message; inputs/tcp-*.txt over TCP with octet-counted framing), and converts rsyslog's
# JSON lines (one per message, property(... format="jsonf")) into expected/<name>.txt.
# Run under TZ=UTC; needs python3, rsyslogd, ss (and logger for REGEN_LOGGER=1, which
# re-captures inputs/logger.txt from util-linux logger first).  Usage: sh regen.sh
# The helper regen.py documents the file formats.  Known rsyslog 8.2302 crashes to keep out
# of the inputs: a message of under 4 bytes starting with '<' ("<", "<3", "<>": it dies),
# date-wday of years before 1970 (negative table index), and date-ordinal on a
# Dec 31 time with a '-' offset late in the day (index past its table).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
export TZ=UTC
work=$(mktemp -d /tmp/sluice-parser-regen.XXXXXX)
py="python3 $here/regen.py"

# logger-produced inputs: capture what logger really sends (UDP) with a tiny listener
if [ "${REGEN_LOGGER:-0}" = 1 ]; then
    lport=$($py freeport udp)
    python3 -c '
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("127.0.0.1", int(sys.argv[1])))
s.settimeout(3)
with open(sys.argv[2], "w") as o:
    o.write("# captured from util-linux logger by regen.sh (REGEN_LOGGER=1)\n")
    while True:
        try: d = s.recv(65536)
        except socket.timeout: break
        sys.path.insert(0, sys.argv[3]); import regen
        o.write(regen.escape(d) + "\n")
' "$lport" "$here/inputs/logger.txt" "$here" &
    lpid=$!
    sleep 0.3
    L="logger -n 127.0.0.1 -P $lport -d"
    $L --rfc3164 -t myapp -p local3.warning "plain 3164 from logger"
    $L --rfc3164 -t myapp -i -p user.info "3164 with pid"
    $L --rfc5424 -t myapp -p daemon.err "5424 from logger"
    $L --rfc5424 -t myapp -i --msgid MID42 -p auth.notice "5424 with msgid and pid"
    $L --rfc5424 --sd-id 'exampleSDID@32473' --sd-param 'iut="3"' --sd-param 'eventSource="App"' -t sdapp "5424 with SD"
    $L --rfc5424=notq,notime -t notime "5424 without time"
    $L --rfc5424=nohost -t nohost "5424 without host"
    $L --octet-count --rfc5424 -t oc "octet counted"
    $L --rfc3164 -p kern.emerg -t kernel "emergency"
    $L --rfc3164 -p local7.debug -t "with space" "tag with space"
    wait $lpid
fi

uport=$($py freeport udp)
tport=$($py freeport tcp)
cat > "$work/rs.conf" <<CONF
global(workDirectory="$work" maxMessageSize="64k")
module(load="imudp")
module(load="imtcp")
input(type="imudp" port="$uport" address="127.0.0.1")
input(type="imtcp" port="$tport" address="127.0.0.1")
template(name="fields" type="list" option.jsonf="on") {
  property(outname="pri" name="pri" format="jsonf")
  property(outname="pri-text" name="pri-text" format="jsonf")
  property(outname="syslogfacility" name="syslogfacility" format="jsonf")
  property(outname="syslogfacility-text" name="syslogfacility-text" format="jsonf")
  property(outname="syslogseverity" name="syslogseverity" format="jsonf")
  property(outname="syslogseverity-text" name="syslogseverity-text" format="jsonf")
  property(outname="timereported" name="timereported" format="jsonf")
  property(outname="timereported-rfc3339" name="timereported" dateFormat="rfc3339" format="jsonf")
  property(outname="timereported-mysql" name="timereported" dateFormat="mysql" format="jsonf")
  property(outname="timereported-pgsql" name="timereported" dateFormat="pgsql" format="jsonf")
  property(outname="timereported-subseconds" name="timereported" dateFormat="subseconds" format="jsonf")
  property(outname="timereported-unixtimestamp" name="timereported" dateFormat="unixtimestamp" format="jsonf")
  property(outname="timereported-year" name="timereported" dateFormat="year" format="jsonf")
  property(outname="timereported-month" name="timereported" dateFormat="month" format="jsonf")
  property(outname="timereported-day" name="timereported" dateFormat="day" format="jsonf")
  property(outname="timereported-hour" name="timereported" dateFormat="hour" format="jsonf")
  property(outname="timereported-minute" name="timereported" dateFormat="minute" format="jsonf")
  property(outname="timereported-second" name="timereported" dateFormat="second" format="jsonf")
  property(outname="timereported-tzoffshour" name="timereported" dateFormat="tzoffshour" format="jsonf")
  property(outname="timereported-tzoffsmin" name="timereported" dateFormat="tzoffsmin" format="jsonf")
  property(outname="timereported-tzoffsdirection" name="timereported" dateFormat="tzoffsdirection" format="jsonf")
  property(outname="timereported-ordinal" name="timereported" dateFormat="ordinal" format="jsonf")
  property(outname="timereported-week" name="timereported" dateFormat="week" format="jsonf")
  property(outname="timereported-wday" name="timereported" dateFormat="wday" format="jsonf")
  property(outname="timereported-wdayname" name="timereported" dateFormat="wdayname" format="jsonf")
  property(outname="timegenerated-rfc3339" name="timegenerated" dateFormat="rfc3339" format="jsonf")
  property(outname="hostname" name="hostname" format="jsonf")
  property(outname="fromhost" name="fromhost" format="jsonf")
  property(outname="fromhost-ip" name="fromhost-ip" format="jsonf")
  property(outname="syslogtag" name="syslogtag" format="jsonf")
  property(outname="programname" name="programname" format="jsonf")
  property(outname="app-name" name="app-name" format="jsonf")
  property(outname="procid" name="procid" format="jsonf")
  property(outname="msgid" name="msgid" format="jsonf")
  property(outname="structured-data" name="structured-data" format="jsonf")
  property(outname="protocol-version" name="protocol-version" format="jsonf")
  property(outname="inputname" name="inputname" format="jsonf")
  property(outname="msg" name="msg" format="jsonf")
  property(outname="rawmsg" name="rawmsg" format="jsonf")
  property(outname="rawmsg-after-pri" name="rawmsg-after-pri" format="jsonf")
}
action(type="omfile" file="$work/out.jsonl" template="fields")
CONF
rsyslogd -n -iNONE -f "$work/rs.conf" 2>"$work/rsyslog.err" &
rpid=$!
trap 'kill $rpid 2>/dev/null || true' EXIT
i=0
while ! ss -Hltn "sport = :$tport" 2>/dev/null | grep -q . ; do
    i=$((i + 1)); [ $i -lt 100 ] || { echo "rsyslogd did not start" >&2; cat "$work/rsyslog.err" >&2; exit 1; }
    sleep 0.1
done
year=$(date -u +%Y)
echo "$year" > "$here/expected/YEAR"
for f in "$here"/inputs/*.txt; do
    name=$(basename "$f" .txt)
    : > "$work/out.jsonl"
    case $name in
        tcp-*) n=$($py send "$f" "$tport" tcp) ;;
        *) n=$($py send "$f" "$uport" udp) ;;
    esac
    i=0
    while [ "$(grep -c '' "$work/out.jsonl" 2>/dev/null || echo 0)" -lt "$n" ]; do
        i=$((i + 1)); [ $i -lt 100 ] || { echo "$name: rsyslog wrote too few lines ($(grep -c "" "$work/out.jsonl") of $n), see $work" >&2; trap - EXIT; kill $rpid; exit 1; }
        sleep 0.1
    done
    sleep 0.3
    $py convert "$work/out.jsonl" "$here/expected/$name.txt" "$year"
    echo "$name: $n messages"
done
kill $rpid
wait $rpid 2>/dev/null || true
trap - EXIT
rm -rf "$work"
