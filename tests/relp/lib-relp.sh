# lib-relp.sh - shared helpers of the RELP tests (sourced after tests/integration/lib.sh).
#
# A RELP pipeline is a sender (imtcp -> omrelp) and a receiver (imrelp -> omfile), each
# either sluiced or rsyslogd (with Debian's rsyslog-relp), so every direction can be run:
# rsyslog->rsyslog (the reference), sluice->sluice, rsyslog->sluice, sluice->rsyslog.
# Every daemon gets its own directory under $T, is started in the foreground and stopped
# by PID; every wait is bounded.

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
# retried every second without end, in a queue big enough for every test.
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
        printf '  action.resumeRetryCount="-1" action.resumeInterval="1"\n'
        printf '  queue.type="LinkedList" queue.size="200000")\n'
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

# relp_stop PID NAME: SIGTERM, at most 20 s; fails on a hang.
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
    wait "$pid" 2> /dev/null
    return 0
}

# relp_send_file PORT FILE: the lines of FILE over one TCP connection (LF framing).
relp_send_file()
{
    timeout 20 socat -u "OPEN:$2" "TCP:127.0.0.1:$1" 2>> "$T/socat.err" ||
        fail "sending $2 to port $1 failed"
}
