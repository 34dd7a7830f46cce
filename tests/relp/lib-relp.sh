# lib-relp.sh - shared helpers of the RELP tests (sourced after tests/integration/lib.sh).
#
# A RELP pipeline is a sender (imtcp -> omrelp) and a receiver (imrelp -> omfile), each
# either sluiced or rsyslogd (with Debian's rsyslog-relp), so every direction can be run:
# rsyslog->rsyslog (the reference), sluice->sluice, rsyslog->sluice, sluice->rsyslog.
# Every daemon gets its own directory under $T, is started in the foreground and stopped
# by PID; every wait is bounded.

# Leaks inside librelp (see lsan.supp) are not sluice's; only sanitizer builds read this.
export LSAN_OPTIONS="suppressions=$top_srcdir/tests/relp/lsan.supp${LSAN_OPTIONS:+:$LSAN_OPTIONS}"

# The receiver's record: every field the parsers give, the peer as seen, the raw bytes.
RELP_CMP_TPL='%pri%|%timestamp:::date-rfc3339%|%hostname%|%syslogtag%|%app-name%|%procid%|%msgid%|%structured-data%|%msg%|%fromhost%|%fromhost-ip%|%inputname%|%rawmsg%\n'

# relp_require: skips (77) unless sluiced's imrelp/omrelp were built and rsyslog-relp is
# installed (for DUT=rsyslog too).
relp_require()
{
    require_plugin imrelp omrelp
    [ -n "$(find /usr/lib -path '*/rsyslog/imrelp.so' 2> /dev/null | head -n 1)" ] ||
        fail "rsyslog's imrelp not installed (tools/deps.sh installs rsyslog-relp)"
}

# relp_recv_conf DIR PORT TEMPLATE [INPUT-PARAMS...]: receiver config DIR/recv.conf writing
# DIR/out.log with TEMPLATE (a template string).
relp_recv_conf()
{
    local dir=$1 port=$2 tpl=$3
    shift 3
    mkdir -p "$dir"
    {
        printf 'global(workDirectory="%s")\n' "$dir"
        printf 'main_queue(queue.workerThreads="1" queue.size="200000")\n'
        printf 'module(load="imrelp")\n'
        printf 'template(name="cmp" type="string" string="%s")\n' "$tpl"
        printf 'input(type="imrelp" port="%s" ruleset="in" %s)\n' "$port" "$*"
        printf 'ruleset(name="in") { action(type="omfile" file="%s/out.log" template="cmp") }\n' "$dir"
    } > "$dir/recv.conf"
}

# relp_send_conf DIR IN_PORT TO_PORT [ACTION-PARAMS...]: sender config DIR/send.conf:
# imtcp on IN_PORT (LF framing), omrelp to 127.0.0.1:TO_PORT with its default template,
# retried every second without end, in a queue big enough for every test (unless the
# parameters give queue.type).
relp_send_conf()
{
    local dir=$1 in=$2 to=$3
    shift 3
    mkdir -p "$dir"
    {
        printf 'global(workDirectory="%s")\n' "$dir"
        printf 'main_queue(queue.workerThreads="1" queue.size="200000")\n'
        printf 'module(load="imtcp")\n'
        printf 'module(load="omrelp")\n'
        printf 'input(type="imtcp" address="127.0.0.1" port="%s")\n' "$in"
        printf 'action(type="omrelp" target="127.0.0.1" port="%s" %s\n' "$to" "$*"
        printf '  action.resumeRetryCount="-1" action.resumeInterval="1"'
        case "$*" in
            *queue.type=*) printf ')\n' ;;
            *) printf '\n  queue.type="LinkedList" queue.size="200000")\n' ;;
        esac
    } > "$dir/send.conf"
}

# relp_start WHO CONF NAME: starts WHO (sluice|rsyslog) on CONF, stderr to $T/NAME.err;
# sets STARTED_PID.
relp_start()
{
    local who=$1 conf=$2 name=$3 cmd
    mapfile -t cmd < <(DUT=$who dut_cmd "$conf")
    "${cmd[@]}" < /dev/null > "$T/$name.out" 2>> "$T/$name.err" &
    STARTED_PID=$!
    track_pid "$STARTED_PID"
}

# relp_stop PID NAME: SIGTERM, at most 20 s; fails on a hang or a non-zero exit status
# (a sanitizer's report at exit included).
relp_stop()
{
    local pid=$1 i
    kill -TERM "$pid" 2> /dev/null
    for i in $(seq 200); do
        kill -0 "$pid" 2> /dev/null || break
        sleep 0.1
    done
    if kill -0 "$pid" 2> /dev/null; then
        kill -KILL "$pid" 2> /dev/null
        wait "$pid" 2> /dev/null
        fail "$2 did not exit within 20 s of SIGTERM"
    fi
    local rc=0
    wait "$pid" 2> /dev/null || rc=$?
    [ "$rc" -eq 0 ] || fail "$2 exited with status $rc after SIGTERM"
    return 0
}

# relp_send_file PORT FILE: the lines of FILE over one TCP connection (LF framing).
relp_send_file()
{
    timeout -k 20 20 socat -u "OPEN:$2" "TCP:127.0.0.1:$1" 2>> "$T/socat.err" ||
        fail "sending $2 to port $1 failed"
}

# relp_restart_case SENDER RECEIVER SIGNAL [ACTION-PARAMS...]: 100,000 numbered messages (slflood) into
# SENDER's imtcp, forwarded with omrelp to RECEIVER's imrelp; when a third has arrived
# the receiver gets SIGNAL (TERM or KILL) and is started again 1 s after it exited.
# None may be lost; duplicates (RELP re-sends what was not confirmed) are counted and
# reported.  With KILL an rsyslogd receiver runs its rules on the input thread
# (main_queue Direct) so that nothing it confirmed is still in memory: what is lost then
# is lost by the protocol, not by the receiver's queue.
relp_restart_case()
{
    local snd=$1 rcv=$2 sig=$3 total=100000 pin prelp rpid spid fpid got
    shift 3
    new_port pin
    new_port prelp
    relp_recv_conf "$T/recv" "$prelp" '%msg%\n'
    if [ "$sig" = KILL ]; then
        [ "$rcv" = rsyslog ] || fail "relp_restart_case: KILL needs an rsyslogd receiver"
        sed -i 's/^main_queue(.*/main_queue(queue.type="Direct")/' "$T/recv/recv.conf"
    fi
    relp_send_conf "$T/send" "$pin" "$prelp" "$@"
    relp_start "$rcv" "$T/recv/recv.conf" recv
    rpid=$STARTED_PID
    wait_port tcp "$prelp" 15 || fail "$rcv receiver does not listen on $prelp"
    relp_start "$snd" "$T/send/send.conf" send
    spid=$STARTED_PID
    wait_port tcp "$pin" 15 || fail "$snd sender does not listen on $pin"
    [ -x "$SLFLOOD" ] || fail "$SLFLOOD not built"
    timeout -k 20 60 "$SLFLOOD" -p "$pin" -t tcp -n "$total" -c 1 2>> "$T/slflood.err" &
    fpid=$!
    track_pid "$fpid"
    wait_lines "$T/recv/out.log" $((total / 3)) 30 || fail "a third did not arrive within 30 s"
    kill -"$sig" "$rpid"
    wait_pid_exit "$rpid" 20 || fail "receiver did not exit after SIG$sig"
    wait "$rpid" 2> /dev/null
    got=$(count_lines "$T/recv/out.log")
    log "receiver ($rcv) got SIG$sig after $got messages"
    sleep 1
    relp_start "$rcv" "$T/recv/recv.conf" recv
    rpid=$STARTED_PID
    wait_port tcp "$prelp" 15 || fail "$rcv receiver did not listen again on $prelp"
    wait "$fpid" || fail "slflood failed"
    wait_lines "$T/recv/out.log" "$total" 40 || true
    wait_stable "$T/recv/out.log" 2 20 || true
    relp_stop "$spid" "sender ($snd)"
    relp_stop "$rpid" "receiver ($rcv)"
    [ -x "$SLVERIFY" ] || fail "$SLVERIFY not built"
    "$SLVERIFY" -n "$total" -c 1 -d -o "$T/recv/out.log" > "$T/verify.out" 2>&1
    local rc=$?
    cat "$T/verify.out" | tail -n 3
    [ "$rc" -eq 0 ] || fail "$snd -> $rcv: messages lost across the receiver's restart"
    log "$snd -> $rcv, receiver SIG$sig mid-stream: $(tail -n 1 "$T/verify.out")"
}
