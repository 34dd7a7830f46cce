#!/bin/bash
# omfile zipLevel (issue 16): rsyslogd 8.2302 and sluiced run the same config (a static
# file and a dynaFile, zipLevel 6) on the same TCP input.
#   1. after SIGTERM, "zcat" of each output file is identical between the two, and each of
#      sluiced's files is a valid gzip stream (gzip -t);
#   2. veryRobustZip="on", then kill -9: each file ends with a complete gzip member, so
#      "gzip -dc" reads every line without a warning (status 0) - rsyslogd gives the same;
#   3. veryRobustZip off (rsyslog's default), then kill -9: the file ends with a sync flush
#      and no trailer: "gzip -dc" gives every line written up to the last batch and says
#      "unexpected end of file" (status 1) - rsyslogd gives the same.
# The compressed bytes are not compared: zlib's flush points follow the batches, which
# differ between the two daemons; only the uncompressed content is rsyslog's.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"
setup
[ "$DUT" = sluice ] || { log "compares sluiced with rsyslogd itself: skipped"; exit 77; }
require_cmd gzip zcat
[ -x "$RSYSLOGD" ] || { log "rsyslogd not installed: skipped"; exit 77; }
grep -q -e '-DSL_HAVE_ZIP' "$top_builddir/Makefile" ||
    { log "sluiced built without zlib (--enable-zip): skipped"; exit 77; }

N=3000
IN=$T/input.txt
for i in $(seq "$N"); do
    printf '<13>Dec  7 05:00:00 host1 prog%d: zip line %05d %s\n' $((i % 3)) "$i" \
        "payload-$((i * 7919 % 10007))-abcdefghijklmnopqrstuvwxyz"
done > "$IN"

# conf WHO ROBUST PORT [EXTRA]: config of one run into $T/WHO/ (EXTRA: more omfile params)
conf()
{
    local who=$1 robust=$2 port=$3 extra=${4:-}
    mkdir -p "$T/$who"
    {
        printf 'global(workDirectory="%s")\n' "$T/$who"
        [ "$who" = rsyslog ] && printf 'main_queue(queue.workerThreads="1")\n'
        printf 'module(load="imtcp")\n'
        printf 'input(type="imtcp" address="127.0.0.1" port="%s")\n' "$port"
        printf 'template(name="t" type="string" string="%%timereported%% %%hostname%% %%syslogtag%%%%msg%%\\n")\n'
        printf 'template(name="dyn" type="string" string="%s/%%programname%%.log.gz")\n' "$T/$who"
        printf 'action(type="omfile" file="%s/static.log.gz" template="t" zipLevel="6" veryRobustZip="%s" %s)\n' \
            "$T/$who" "$robust" "$extra"
        printf 'action(type="omfile" dynaFile="dyn" template="t" zipLevel="6" veryRobustZip="%s")\n' "$robust"
    } > "$T/$who.conf"
}

# run WHO ROBUST [EXTRA]: start WHO, send the input, wait until static.log.gz holds N lines.
run()
{
    local who=$1 port i
    rm -rf "${T:?}/$who"
    new_port port
    conf "$who" "$2" "$port" "${3:-}"
    start_who "$who" "$T/$who.conf"
    PID=$STARTED_PID
    wait_port tcp "$port" 15 || fail "$who does not listen on $port"
    flood -p "$port" -t tcp -i "$IN" || fail "sending to $who failed"
    for i in $(seq 150); do
        [ "$(zcat "$T/$who/static.log.gz" 2> /dev/null | wc -l)" -ge "$N" ] && break
        sleep 0.1
    done
    sleep 0.5
}

# gunzip_check WHO: each output file through gzip -dc; writes WHO.FILE.txt and .rc/.err
gunzip_check()
{
    local who=$1 f b
    for f in "$T/$who"/*.log.gz; do
        b=$(basename "$f" .log.gz)
        rc=0
        gzip -dc "$f" > "$T/$who.$b.txt" 2> "$T/$who.$b.err" || rc=$?
        echo "$rc" > "$T/$who.$b.rc"
    done
}

compare()
{
    local label=$1 b
    for b in static prog0 prog1 prog2; do
        [ -f "$T/sluice/$b.log.gz" ] || fail "$label: sluiced wrote no $b.log.gz"
        cmp -s "$T/rsyslog.$b.txt" "$T/sluice.$b.txt" ||
            { diff "$T/rsyslog.$b.txt" "$T/sluice.$b.txt" | head -5; fail "$label: $b differs"; }
        [ "$(cat "$T/rsyslog.$b.rc")" = "$(cat "$T/sluice.$b.rc")" ] ||
            fail "$label: $b: gzip -dc status rsyslog $(cat "$T/rsyslog.$b.rc"), sluice $(cat "$T/sluice.$b.rc")"
    done
    [ "$(wc -l < "$T/sluice.static.txt")" -eq "$N" ] || fail "$label: static has $(wc -l < "$T/sluice.static.txt") of $N lines"
}

# 1. SIGTERM
for who in rsyslog sluice; do
    run "$who" off
    stop_pid "$PID" || true
    gunzip_check "$who"
done
compare "SIGTERM"
for b in static prog0 prog1 prog2; do
    gzip -t "$T/sluice/$b.log.gz" || fail "SIGTERM: sluiced's $b.log.gz is not a valid gzip file"
    [ "$(cat "$T/sluice.$b.rc")" = 0 ] || fail "SIGTERM: gzip -dc $b: $(cat "$T/sluice.$b.err")"
done
log "SIGTERM: zcat identical, gzip -t ok"

# both daemons with veryRobustZip $1, killed with -9, then read back and compared ($2)
kill9_round()
{
    for who in rsyslog sluice; do
        run "$who" "$1"
        kill -KILL "$PID"
        wait "$PID" 2> /dev/null
        gunzip_check "$who"
    done
    compare "$2"
}

# 2. veryRobustZip, kill -9
kill9_round on "veryRobustZip + kill -9"
[ "$(cat "$T/sluice.static.rc")" = 0 ] || fail "veryRobustZip + kill -9: gzip -dc: $(cat "$T/sluice.static.err")"
log "veryRobustZip + kill -9: every line readable, gzip -dc status 0 (as rsyslogd)"

# 3. no veryRobustZip, kill -9
kill9_round off "kill -9"
grep -q 'unexpected end of file' "$T/sluice.static.err" ||
    fail "kill -9: gzip -dc did not report the missing trailer: $(cat "$T/sluice.static.err")"
log "kill -9 without veryRobustZip: every line readable, gzip -dc: unexpected end of file, status $(cat "$T/sluice.static.rc") (as rsyslogd)"

# 4. flushOnTXEnd="off": a few lines stay in the ioBufferSize buffer (nothing readable after
#    2 s); with asyncWriting="on" flushInterval="1" they are flushed after a second without
#    input.  Both as rsyslogd.
N=20
head -n "$N" "$T/input.txt" > "$T/few.txt"
IN=$T/few.txt
for mode in sync async; do
    extra='flushOnTXEnd="off"'
    [ "$mode" = async ] && extra="$extra asyncWriting=\"on\" flushInterval=\"1\""
    for who in rsyslog sluice; do
        rm -rf "${T:?}/$who"
        new_port port
        conf "$who" off "$port" "$extra"
        start_who "$who" "$T/$who.conf"
        PID=$STARTED_PID
        wait_port tcp "$port" 15 || fail "$who does not listen on $port"
        flood -p "$port" -t tcp -i "$IN" || fail "sending to $who failed"
        sleep 3
        got=$(gzip -dc "$T/$who/static.log.gz" 2> /dev/null | wc -l)
        echo "$got" > "$T/$who.$mode.lines"
        kill -KILL "$PID"
        wait "$PID" 2> /dev/null
    done
    rs=$(cat "$T/rsyslog.$mode.lines")
    sl=$(cat "$T/sluice.$mode.lines")
    [ "$rs" = "$sl" ] || fail "flushOnTXEnd off ($mode): after 3 s rsyslogd has $rs lines readable, sluiced $sl"
    case $mode in
        sync) [ "$sl" -eq 0 ] || fail "flushOnTXEnd off: $sl lines written before the buffer filled" ;;
        async) [ "$sl" -eq "$N" ] || fail "asyncWriting: $sl of $N lines flushed" ;;
    esac
done
log "flushOnTXEnd off: 0 lines readable after 3 s, with asyncWriting flushInterval 1: all $N (as rsyslogd)"
