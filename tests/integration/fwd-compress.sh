#!/bin/bash
# omfwd compression (issue 16): compression.mode="single" (TCP and UDP) and
# "stream:always" (TCP) with ziplevel, sending to rsyslogd 8.2302 receivers: imtcp and
# imudp undo single mode in rsyslog's parser, imptcp compression.mode="stream:always"
# inflates the stream.  rsyslogd's own omfwd and sluiced's send the same input with the
# same action; the lines each receiver writes (%rawmsg%) must be identical, and equal to
# the input.  Then the other way: rsyslogd's omfwd (single mode, TCP and UDP) sends to an
# rsyslogd and a sluiced receiver (imtcp, imudp), whose lines must be identical - also for
# datagrams that start with 'z' but do not decompress (plain text, truncated zlib data, more
# than maxMessageSize once decompressed): rsyslog logs them and processes them as received,
# and so does sluiced (counted in parser.uncompress.badData / tooLarge); and omfwd
# compression.mode="stream:always" to imptcp compression.mode="stream:always" (rsyslogd's
# and sluiced's), where a plain-text connection yields nothing in both.  That the records really were compressed is checked on the wire: a second
# action sends the same to a socat capture (single over TCP: octet-counted frames starting
# with 'z'; over UDP: datagrams 'z' + a zlib header); in stream mode imptcp reads nothing
# but a zlib stream, so the received lines show it.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"
setup
[ "$DUT" = sluice ] || { log "compares sluiced with rsyslogd itself: skipped"; exit 77; }
[ -x "$RSYSLOGD" ] || { log "rsyslogd not installed: skipped"; exit 77; }
grep -q -e '-DSL_HAVE_ZIP' "$top_builddir/Makefile" ||
    { log "sluiced built without zlib (--enable-zip): skipped"; exit 77; }
require_cmd socat python3

N=400
IN=$T/input.txt
for i in $(seq "$N"); do
    printf '<13>Dec  7 05:00:00 host1 app[%d]: compressed line %05d user=alice action=login result=success src=10.0.0.%d padding padding padding\n' \
        $((i % 7)) "$i" $((i % 250))
done > "$IN"
# a few short lines (not compressed: 60 bytes or less) in between
printf '<13>Dec  7 05:00:01 host1 app: short %d\n' 1 2 3 >> "$IN"

# receiver NAME KIND PORT [WHO]: rsyslogd (or WHO) writing %rawmsg% of what it receives to
# $T/NAME/raw.log
receiver()
{
    local name=$1 kind=$2 port=$3 who=${4:-rsyslog} dir=$T/$1 cmd
    mkdir -p "$dir"
    {
        printf 'global(workDirectory="%s")\n' "$dir"
        printf 'main_queue(queue.workerThreads="1")\n'
        printf 'template(name="raw" type="string" string="%%rawmsg%%\\n")\n'
        printf 'ruleset(name="in") { action(type="omfile" file="%s/raw.log" template="raw") }\n' "$dir"
        case $kind in
            imtcp) printf 'module(load="imtcp")\ninput(type="imtcp" address="127.0.0.1" port="%s" ruleset="in")\n' "$port" ;;
            imudp) printf 'module(load="imudp")\ninput(type="imudp" address="127.0.0.1" port="%s" ruleset="in")\n' "$port" ;;
            imptcp) printf 'module(load="imptcp")\ninput(type="imptcp" address="127.0.0.1" port="%s" ruleset="in" compression.mode="stream:always")\n' "$port" ;;
        esac
    } > "$dir/rsyslog.conf"
    mapfile -t cmd < <(DUT=$who dut_cmd "$dir/rsyslog.conf")
    "${cmd[@]}" < /dev/null > /dev/null 2>> "$T/$name.err" &
    track_pid "$!"
    case $kind in imudp) wait_port udp "$port" 15 ;; *) wait_port tcp "$port" 15 ;; esac ||
        fail "receiver $name not listening"
}

# sender WHO PORT_IN PROTO TARGET_PORT PARAMS [CAPTURE_PORT]: config for WHO's omfwd
sender_conf()
{
    local who=$1 in=$2 proto=$3 to=$4 params=$5 cap=${6:-}
    mkdir -p "$T/snd-$who"
    {
        printf 'global(workDirectory="%s")\n' "$T/snd-$who"
        [ "$who" = rsyslog ] && printf 'main_queue(queue.workerThreads="1")\n'
        printf 'module(load="imtcp")\ninput(type="imtcp" address="127.0.0.1" port="%s")\n' "$in"
        printf 'action(type="omfwd" target="127.0.0.1" port="%s" protocol="%s" %s)\n' "$to" "$proto" "$params"
        [ -z "$cap" ] || printf 'action(type="omfwd" target="127.0.0.1" port="%s" protocol="%s" %s)\n' "$cap" "$proto" "$params"
    } > "$T/snd-$who.conf"
}

# one CASE PROTO KIND PARAMS: both senders to their own receivers, received lines compared
one()
{
    local case=$1 proto=$2 kind=$3 params=$4 who in rp cap pids=()
    for who in rsyslog sluice; do
        new_port in
        new_port rp
        receiver "$case-$who" "$kind" "$rp"
        cap=''
        if [ "$who" = sluice ] && [ "$kind" != imptcp ]; then
            new_port cap
            if [ "$proto" = tcp ]; then
                timeout -k 20 60 socat -u "TCP-LISTEN:$cap,bind=127.0.0.1,reuseaddr" "OPEN:$T/$case.wire,creat,trunc" 2>> "$T/socat.err" &
                track_pid "$!"
                wait_port tcp "$cap" 10 || fail "capture not listening"
            else
                timeout -k 20 60 socat -u "UDP-RECV:$cap,bind=127.0.0.1" "OPEN:$T/$case.wire,creat,trunc" 2>> "$T/socat.err" &
                track_pid "$!"
                wait_port udp "$cap" 10 || fail "capture not listening"
            fi
        fi
        sender_conf "$who" "$in" "$proto" "$rp" "$params" "$cap"
        start_who "$who" "$T/snd-$who.conf"
        pids+=("$STARTED_PID")
        mv "$T/$who.err" "$T/$case-snd-$who.err" 2> /dev/null || true
        wait_port tcp "$in" 15 || fail "$case: sender $who not listening"
        flood -p "$in" -t tcp -i "$IN" || fail "$case: sending to $who failed"
    done
    for who in rsyslog sluice; do
        wait_lines "$T/$case-$who/raw.log" "$((N + 3))" 20 ||
            fail "$case: $who's records did not all arrive ($(count_lines "$T/$case-$who/raw.log"))"
    done
    sleep 0.5
    for pid in "${pids[@]}"; do stop_pid "$pid"; done
    cmp -s "$T/$case-rsyslog/raw.log" "$T/$case-sluice/raw.log" ||
        { diff "$T/$case-rsyslog/raw.log" "$T/$case-sluice/raw.log" | head -5; fail "$case: received lines differ"; }
    cmp -s "$IN" "$T/$case-sluice/raw.log" || fail "$case: received lines differ from the input"
    case $case in
        single-tcp)
            python3 - "$T/$case.wire" << 'EOF' || fail "$case: no compressed frames on the wire"
import sys, zlib
b = open(sys.argv[1], 'rb').read()
i = z = plain = 0
while i < len(b):
    if b[i:i + 1].isdigit():   # octet-counted (compressed records always are)
        sp = b.index(b' ', i)
        n = int(b[i:sp]); rec = b[sp + 1:sp + 1 + n]; i = sp + 1 + n
    else:                      # traditional LF framing of the uncompressed ones
        lf = b.index(b'\n', i)
        rec = b[i:lf]; i = lf + 1
    if rec[:1] == b'z':
        zlib.decompress(rec[1:]); z += 1
    else:
        plain += 1
print("single-tcp wire: %d compressed, %d plain frames" % (z, plain))
sys.exit(0 if z == 400 and plain == 3 else 1)
EOF
            ;;
        single-udp)
            [ "$(grep -c -a 'zx' "$T/$case.wire")" -gt 0 ] || fail "$case: no compressed datagram captured" ;;
    esac
    log "$case: $((N + 3)) lines, identical to rsyslogd's omfwd"
}

one single-tcp tcp imtcp 'compression.mode="single" ziplevel="6"'
one single-udp udp imudp 'ziplevel="9"'
one stream-tcp tcp imptcp 'compression.mode="stream:always" compression.stream.flushOnTXEnd="on"'

# --- rsyslogd's omfwd -> sluiced ----------------------------------------------------------
# back NAME PROTO KIND PARAMS: one rsyslogd sender, two actions: to an rsyslogd and to a
# sluiced receiver
back()
{
    local case=$1 proto=$2 kind=$3 params=$4 in rr rs who pid
    new_port in
    new_port rr
    new_port rs
    receiver "$case-rsyslog" "$kind" "$rr" rsyslog
    receiver "$case-sluice" "$kind" "$rs" sluice
    mkdir -p "$T/snd-$case"
    {
        printf 'global(workDirectory="%s")\n' "$T/snd-$case"
        printf 'main_queue(queue.workerThreads="1")\n'
        printf 'module(load="imtcp")\ninput(type="imtcp" address="127.0.0.1" port="%s")\n' "$in"
        printf 'action(type="omfwd" target="127.0.0.1" port="%s" protocol="%s" %s)\n' "$rr" "$proto" "$params"
        printf 'action(type="omfwd" target="127.0.0.1" port="%s" protocol="%s" %s)\n' "$rs" "$proto" "$params"
    } > "$T/snd-$case.conf"
    start_who rsyslog "$T/snd-$case.conf"
    pid=$STARTED_PID
    wait_port tcp "$in" 15 || fail "$case: sender not listening"
    flood -p "$in" -t tcp -i "$IN" || fail "$case: sending failed"
    local want=$((N + 3))
    if [ "$kind" = imudp ]; then
        # the forwarded lines first: the bad datagrams below come from another peer, and
        # neither daemon orders one peer's datagrams against another's (sluiced hands
        # each peer to its own queue shard), so they must not overlap
        for who in rsyslog sluice; do
            wait_lines "$T/$case-$who/raw.log" "$want" 20 ||
                fail "$case: $who received $(count_lines "$T/$case-$who/raw.log") of $want lines"
        done
        # not decompressible: plain text, truncated zlib, too large once decompressed
        python3 - "$rr" "$rs" << 'EOF' || fail "$case: sending bad datagrams failed"
import socket, sys, zlib
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
d = b'<13>Dec  7 05:00:02 host1 app: ' + b'x' * 100
for port in sys.argv[1:]:
    for p in (b'zabbix agent says hello', b'z' + zlib.compress(d)[:-3],
              b'z' + zlib.compress(b'<13>Dec  7 05:00:03 host1 app: ' + b'y' * 9000)):
        s.sendto(p, ('127.0.0.1', int(port)))
EOF
        want=$((want + 3))
    fi
    for who in rsyslog sluice; do
        wait_lines "$T/$case-$who/raw.log" "$want" 20 ||
            fail "$case: $who received $(count_lines "$T/$case-$who/raw.log") of $want lines"
    done
    sleep 0.5
    stop_pid "$pid"
    cmp -s "$T/$case-rsyslog/raw.log" "$T/$case-sluice/raw.log" ||
        { diff "$T/$case-rsyslog/raw.log" "$T/$case-sluice/raw.log" | head -5; fail "$case: received lines differ"; }
    head -n $((N + 3)) "$T/$case-sluice/raw.log" | cmp -s "$IN" - || fail "$case: received lines differ from the input"
    if [ "$kind" = imptcp ]; then
        # a connection that is no zlib stream: rsyslogd decodes nothing of it, sluiced
        # neither (it logs, counts and closes the session)
        for p in "$rr" "$rs"; do
            printf '<13>Dec  7 05:00:04 host1 app: plain text on a compressed input\n' |
                timeout -k 20 5 socat -u - "TCP:127.0.0.1:$p" 2>> "$T/socat.err" || true
        done
        sleep 1
        cmp -s "$T/$case-rsyslog/raw.log" "$T/$case-sluice/raw.log" ||
            fail "$case: a plain-text connection changed what was received"
        grep -q 'is not a zlib stream' "$T/$case-sluice.err" ||
            fail "$case: sluiced did not report the plain-text connection"
    fi
    if [ "$kind" = imudp ]; then
        # the same errors, with zlib's return codes (-3 twice, -5), as rsyslogd logs them
        grep -o 'Uncompression of a message failed with return code -*[0-9]*' "$T/$case-rsyslog.err" > "$T/$case.rs-errs"
        grep -o 'Uncompression of a message failed with return code -*[0-9]*' "$T/$case-sluice.err" > "$T/$case.sl-errs"
        [ "$(wc -l < "$T/$case.rs-errs")" -eq 3 ] && cmp -s "$T/$case.rs-errs" "$T/$case.sl-errs" ||
            fail "$case: uncompression errors differ: $(cat "$T/$case.sl-errs")"
    fi
    log "$case: rsyslogd's omfwd -> sluiced: $want lines identical to rsyslogd's receiver"
}

back back-single-tcp tcp imtcp 'compression.mode="single" ziplevel="6"'
back back-single-udp udp imudp 'ziplevel="9"'
back back-stream-tcp tcp imptcp 'compression.mode="stream:always" compression.stream.flushOnTXEnd="on"'
