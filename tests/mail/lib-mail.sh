# lib-mail.sh - helpers for the ommail tests (sourced after tests/integration/lib.sh):
# the aiosmtpd sink (tests/mail/smtp_sink.py, a copy of the peer recipe in PEERS.md
# section 6) on free ports of 127.0.0.1, a throwaway PKI (tests/tls/mkcerts.sh), and waits
# on the sink's index.  Every wait is bounded; sinks are stopped by PID (track_pid).

SMTP_SINK=$top_srcdir/tests/mail/smtp_sink.py
PY3=/usr/bin/python3

mail_require()
{
    [ "$DUT" = rsyslog ] || require_plugin ommail
    require_cmd certtool
    [ -x "$PY3" ] || fail "$PY3 not found"
    "$PY3" -c 'import aiosmtpd' 2> /dev/null ||
        fail "python3-aiosmtpd not installed (tools/deps.sh installs it)"
}

# mail_pki: certificates in $T/pki (ca.pem, server.pem, wrongname.pem, foreign-server.pem...)
mail_pki()
{
    P=$T/pki
    sh "$top_srcdir/tests/tls/mkcerts.sh" "$P" || fail "mkcerts.sh failed"
}

# sink_start NAME [SINK OPTIONS...]: starts a sink writing to $T/NAME; listeners are given
# as "--plain" "--starttls" "--smtps" WITHOUT a port (a free one is picked) or as
# "--plain=PORT" (a port picked before, e.g. for a server that comes up late).  Sets
# SINK_PID and SINK_PLAIN / SINK_STARTTLS / SINK_SMTPS (0 when off).
sink_start()
{
    local name=$1 a i
    shift
    local args=()
    SINK_PLAIN=0 SINK_STARTTLS=0 SINK_SMTPS=0
    for a in "$@"; do
        case $a in
            --plain) new_port SINK_PLAIN; args+=(--plain "$SINK_PLAIN") ;;
            --plain=*) SINK_PLAIN=${a#--plain=}; args+=(--plain "$SINK_PLAIN") ;;
            --starttls) new_port SINK_STARTTLS; args+=(--starttls "$SINK_STARTTLS") ;;
            --smtps) new_port SINK_SMTPS; args+=(--smtps "$SINK_SMTPS") ;;
            *) args+=("$a") ;;
        esac
    done
    mkdir -p "$T/$name"
    "$PY3" "$SMTP_SINK" --dir "$T/$name" --timeout 300 "${args[@]}" \
        > "$T/$name.sink.out" 2> "$T/$name.sink.err" &
    SINK_PID=$!
    track_pid "$SINK_PID"
    for i in $(seq 100); do
        grep -q READY "$T/$name.sink.out" 2> /dev/null && return 0
        kill -0 "$SINK_PID" 2> /dev/null || break
        sleep 0.1
    done
    fail "SMTP sink $name did not start: $(cat "$T/$name.sink.err")"
}

# mails DIR: how many mails the sink of DIR has accepted
mails() { count_lines "$1/index.jsonl"; }

# wait_mails DIR N [TIMEOUT]: until the sink has N mails; 1 on timeout
wait_mails() { wait_lines "$1/index.jsonl" "$2" "${3:-15}"; }

# send_lines PORT FILE: the lines of FILE over one TCP connection (LF framing)
send_lines()
{
    timeout -k 20 10 bash -c 'exec 3<>"/dev/tcp/127.0.0.1/$1" && cat "$2" >&3 && exec 3>&-' _ "$1" "$2" ||
        fail "cannot send to tcp port $1"
}

# jfield DIR SEQ FIELD: a field of the sink's index line SEQ (1-based), as JSON
jfield()
{
    "$PY3" -c 'import json,sys
for l in open(sys.argv[1]):
    r = json.loads(l)
    if r["seq"] == int(sys.argv[2]):
        print(json.dumps(r[sys.argv[3]]))' "$1/index.jsonl" "$2" "$3"
}

# sluiced with the mail plugin: start CONF and wait for its TCP input
mail_dut_start()
{
    dut_start "$1" tcp "$2"
}
