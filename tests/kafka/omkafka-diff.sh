#!/bin/bash
# omkafka-diff.sh - the same config and input through rsyslogd 8.2302's omkafka
# (rsyslog-kafka) and sluiced's, into one mock cluster: the topics must hold the same
# values byte for byte and the same keys, in the same order.  Four actions: the default
# template with a static key; dynaTopic + dynaKey templates; a list template with a fixed
# partition; round robin over partitions.number=3 (rsyslog starts at partition 0).  And a
# fifth action gets a permanent broker error (mock: err Produce 1 MSG_SIZE_TOO_LARGE) on
# its one message: both errorFile records must be the same bytes.  The
# two daemons write to topics with their own prefix (a constant in the
# topic template), everything else is the same text.
source "$(dirname "$0")/../integration/lib.sh"
source "$(dirname "$0")/lib-kafka.sh"
setup
[ -x "$RSYSLOGD" ] || fail "$RSYSLOGD not installed"
[ -f /usr/lib/x86_64-linux-gnu/rsyslog/omkafka.so ] || ls /usr/lib/*/rsyslog/omkafka.so > /dev/null 2>&1 ||
    fail "rsyslog's omkafka not installed (package rsyslog-kafka, tools/deps.sh)"
INPUT=$top_srcdir/tests/kafka/data/diff-input.txt
mk_start 3 -T s-static:1 -T r-static:1 -T s-fixed:3 -T r-fixed:3 -T s-rr:3 -T r-rr:3 -T s-perm:1 -T r-perm:1

# conf PFX PORT: the config, identical but for the topic prefix and the port
conf()
{
    printf 'global(workDirectory="%s")\n' "$T"
    printf 'main_queue(queue.workerThreads="1")\n'
    printf 'module(load="imtcp")\nmodule(load="omkafka")\n'
    printf 'input(type="imtcp" address="127.0.0.1" port="%s")\n' "$2"
    printf 'template(name="tp" type="string" string="%s-%%programname%%")\n' "$1"
    printf 'template(name="ky" type="string" string="%%hostname%%/%%syslogseverity-text%%")\n'
    printf 'template(name="m" type="string" string="%%msg%%\\n")\n'
    printf 'if $msg contains "victim" then {\n'
    printf '  action(type="omkafka" broker=["%s"] topic="%s-perm" template="m" errorFile="%s/%s-err.json")\n' "$KB" "$1" "$T" "$1"
    printf '  stop\n}\n'
    printf 'template(name="js" type="list") { constant(value="{\\"m\\":\\"") property(name="msg" format="json") constant(value="\\",\\"h\\":\\"") property(name="hostname") constant(value="\\"}") }\n'
    printf 'action(type="omkafka" broker=["%s"] topic="%s-static" key="fixedkey")\n' "$KB" "$1"
    printf 'action(type="omkafka" broker=["%s"] topic="tp" dynaTopic="on" key="ky" dynaKey="on"\n' "$KB"
    printf '       template="RSYSLOG_SyslogProtocol23Format")\n'
    printf 'action(type="omkafka" broker="%s" topic="%s-fixed" partitions.useFixed="2" template="js"\n' "$KB" "$1"
    printf '       confParam=["compression.codec=gzip", "linger.ms=5"] topicConfParam=["message.timeout.ms=60000"])\n'
    printf 'action(type="omkafka" broker=["%s"] topic="%s-rr" partitions.number="3" template="RSYSLOG_TraditionalFileFormat")\n' "$KB" "$1"
}

run_one()
{
    local dut=$1 pfx=$2 port pid
    new_port port
    conf "$pfx" "$port" > "$T/$pfx.conf"
    if [ "$dut" = rsyslog ]; then
        "$RSYSLOGD" -n -iNONE -f "$T/$pfx.conf" < /dev/null > /dev/null 2>> "$T/$pfx.err" &
    else
        "$SLUICED" -n -iNONE -f "$T/$pfx.conf" -M "$SLUICE_PLUGIN_DIR" < /dev/null > /dev/null 2>> "$T/$pfx.err" &
    fi
    pid=$!
    track_pid "$pid"
    wait_port tcp "$port" 15 || fail "$dut does not listen on $port"
    flood -p "$port" -t tcp -i "$INPUT" || fail "slflood -i failed"
    kc_wait "$pfx-static" "$(count_lines "$INPUT")" "$T/$pfx-static.raw" 20 '%k|%s' ||
        fail "$dut: topic $pfx-static incomplete"
    sleep 2
    # a permanent broker error on the one message of the "victim" action: errorFile
    mk_cmd err Produce 1 MSG_SIZE_TOO_LARGE
    send_logger "$port" tcp "victim" -t app
    sleep 2
    # rsyslog serves delivery reports only when its next message comes or at shutdown
    stop_pid "$pid" 15
    [ -s "$T/$pfx-err.json" ] || fail "$dut: no errorFile record for the refused message"
}

run_one rsyslog r
run_one sluice s
n=$(count_lines "$INPUT")
# what each topic holds: partition, key and value, framed so that any byte shows
# (one partition at a time: kcat interleaves partitions as they come)
for t in static fixed rr app sshd myapp ftpd kernel prog local7; do
    case $t in static) np=1 ;; fixed|rr) np=3 ;; *) np=4 ;; esac
    for p in r s; do
        : > "$T/$p-$t.txt"
        for part in $(seq 0 $((np - 1))); do
            timeout -k 20 30 "$KCAT" -C -b "$KB" -t "$p-$t" -p "$part" -o beginning -e -q \
                -f 'p=%p key(%K)=%k value(%S)=%s\n' >> "$T/$p-$t.txt" 2>> "$T/kcat.err" || true
        done
    done
    [ -s "$T/s-$t.txt" ] || fail "topic s-$t is empty"
    cmp "$T/r-$t.txt" "$T/s-$t.txt" ||
        { diff "$T/r-$t.txt" "$T/s-$t.txt" >&2; fail "topic $t differs between rsyslog and sluice"; }
done
[ "$(grep -c '^p=' "$T/s-static.txt")" -eq "$n" ] || fail "s-static does not hold $n records"
grep -q '^p=2 ' "$T/s-fixed.txt" || fail "partitions.useFixed=2 not honoured"
[ "$(grep '^p=' "$T/s-rr.txt" | cut -d' ' -f1 | sort -u | wc -l)" -eq 3 ] || fail "partitions.number=3: not 3 partitions used"
cmp "$T/r-err.json" "$T/s-err.json" ||
    { diff "$T/r-err.json" "$T/s-err.json" >&2; fail "errorFile records differ"; }
log "ok: $n messages, 4 actions + errorFile record: rsyslog's and sluice's topics are identical (values, keys, partitions)"
