# lib.sh - shared harness for sluice integration tests (sourced, bash).
#
# The daemon under test is chosen with DUT=sluice (default) or DUT=rsyslog; both are driven
# with the same rsyslog-syntax configs.  Every test gets a scratch directory under the build
# tree, free ports on 127.0.0.1, and a cleanup trap that stops exactly the processes it
# started (by PID).  Every wait is bounded in count and time.
#
# Environment (set by tests/tests.am, defaults for running a script by hand from the build
# directory): SLUICED, SLUICE_PLUGIN_DIR, SLFLOOD, SLVERIFY, top_srcdir, top_builddir, TZ.

set -u

DUT=${DUT:-sluice}
top_builddir=${top_builddir:-$PWD}
top_srcdir=${top_srcdir:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
SLUICED=${SLUICED:-$top_builddir/sluiced}
SLUICE_PLUGIN_DIR=${SLUICE_PLUGIN_DIR:-$top_builddir/.libs}
SLFLOOD=${SLFLOOD:-$top_builddir/tests/tools/slflood}
SLVERIFY=${SLVERIFY:-$top_builddir/tests/tools/slverify}
RSYSLOGD=${RSYSLOGD:-/usr/sbin/rsyslogd}
export TZ=UTC

TEST_NAME=$(basename "$0" .sh)
T=
SL_PIDS=()
DUT_PID=
DUT_ERR=
DUT_STATUS=

# --- messages and failing ---------------------------------------------------------------

log() { printf '%s: %s\n' "$TEST_NAME" "$*"; }

fail()
{
    printf '%s: FAIL: %s\n' "$TEST_NAME" "$*" >&2
    dump_stderr
    exit 1
}

dump_stderr()
{
    local f
    [ -n "$T" ] && [ -d "$T" ] || return 0
    for f in "$T"/*.err; do
        [ -s "$f" ] || continue
        printf -- '--- %s (last 20 lines)\n' "$f" >&2
        tail -n 20 "$f" >&2
    done
}

require_cmd()
{
    local c
    for c in "$@"; do
        command -v "$c" > /dev/null 2>&1 || fail "required program '$c' not found (tools/deps.sh installs it)"
    done
}

# plugin_built NAME: true unless DUT=sluice and the plugin is neither built in nor in
# $SLUICE_PLUGIN_DIR (configure skips optional plugins whose library is missing).
plugin_built()
{
    [ "$DUT" = sluice ] || return 0
    case $1 in omfile | omfwd | ompipe | omusrmsg | omdiscard | fmhash | builtin:*) return 0 ;; esac
    [ -f "$SLUICE_PLUGIN_DIR/$1.so" ]
}

# require_plugin NAME...: skip the test (exit 77) if one of the plugins was not built.
require_plugin()
{
    local p
    for p in "$@"; do
        if ! plugin_built "$p"; then
            log "skipped: plugin $p was not built (see the summary of ./configure)"
            exit 77
        fi
    done
}

# lsan_liblognorm: for tests that load mmnormalize.  liblognorm 2.0.6 leaks inside
# ln_normalizeRec (tests/mm/lsan.supp says where); the suppression names a liblognorm frame,
# which only the slow unwinder sees (liblognorm and libfastjson have no frame pointers), so
# only such tests pay for it.  Read by sanitizer builds only.
lsan_liblognorm()
{
    export LSAN_OPTIONS="suppressions=$top_srcdir/tests/mm/lsan.supp${LSAN_OPTIONS:+:$LSAN_OPTIONS}"
    export ASAN_OPTIONS="fast_unwind_on_malloc=0${ASAN_OPTIONS:+:$ASAN_OPTIONS}"
}

# require_unsanitized WHAT: skip the test (exit 77) in a sanitizer build (the suite's ASan run
# in CI).  For tests whose property is a time or memory bound (WHAT says which): ASan slows
# the daemon 2-5x and pads every allocation, so the bound says nothing there; the plain runs
# (make check, make distcheck) keep checking it.
require_unsanitized()
{
    if [ -n "${SLUICE_SAN_CFLAGS:-}" ]; then
        log "skipped in a sanitizer build: $*"
        exit 77
    fi
}

# --- set-up and cleanup --------------------------------------------------------------------

cleanup()
{
    local rc=$? pid i
    for pid in "${SL_PIDS[@]}"; do
        kill -0 "$pid" 2> /dev/null || continue
        kill -TERM "$pid" 2> /dev/null
    done
    for pid in "${SL_PIDS[@]}"; do
        for i in $(seq 50); do
            kill -0 "$pid" 2> /dev/null || break
            sleep 0.1
        done
        kill -KILL "$pid" 2> /dev/null
        wait "$pid" 2> /dev/null
    done
    if { [ "$rc" -eq 0 ] || [ "$rc" -eq 77 ]; } && [ -n "$T" ] && [ -z "${KEEP_SCRATCH:-}" ]; then
        rm -rf "$T"
    elif [ -n "$T" ]; then
        printf '%s: scratch kept in %s\n' "$TEST_NAME" "$T" >&2
    fi
    exit "$rc"
}

# setup: scratch dir, trap, basic checks.  Call first in every test.
setup()
{
    T=$top_builddir/tests/scratch/$TEST_NAME.$DUT
    rm -rf "$T"
    mkdir -p "$T/out" || fail "cannot create scratch dir $T"
    T=$(cd "$T" && pwd)
    trap cleanup EXIT
    trap 'exit 1' INT TERM HUP
    require_cmd ss timeout
    case $DUT in
        sluice) [ -x "$SLUICED" ] || fail "daemon under test $SLUICED not built" ;;
        rsyslog) [ -x "$RSYSLOGD" ] || fail "$RSYSLOGD not installed" ;;
        *) fail "unknown DUT=$DUT (sluice or rsyslog)" ;;
    esac
    log "daemon under test: $DUT, scratch $T"
}

track_pid() { SL_PIDS+=("$1"); }

# --- ports -------------------------------------------------------------------------------

port_in_use()
{
    [ -n "$(ss -Htuan "( sport = :$1 )" 2> /dev/null)" ]
}

# new_port VAR: sets VAR to a port in 20000..59999 unused for TCP and UDP (bounded tries).
# Ports handed out by this shell are remembered so two calls never give the same one.
# (Not a $(...) function, so that fail stops the test.)
SL_GIVEN_PORTS=" "
new_port()
{
    local i p
    for i in $(seq 200); do
        # below the kernel's ephemeral range (32768-60999 by default): a port a test keeps
        # closed on purpose must not become some connection's source port meanwhile
        p=$((20000 + (RANDOM * 32768 + RANDOM) % 12000))
        case $SL_GIVEN_PORTS in *" $p "*) continue ;; esac
        port_in_use "$p" && continue
        SL_GIVEN_PORTS="$SL_GIVEN_PORTS$p "
        printf -v "$1" '%s' "$p"
        return 0
    done
    fail "no free port found"
}

# wait_port tcp|udp PORT [TIMEOUT]: waits until something listens on 127.0.0.1:PORT.
wait_port()
{
    local proto=$1 port=$2 timeout=${3:-10} flag i n
    case $proto in tcp) flag=-Hltn ;; udp) flag=-Hlun ;; *) fail "wait_port: $proto" ;; esac
    n=$((timeout * 10))
    for i in $(seq "$n"); do
        if [ -n "$(ss "$flag" "( sport = :$port )" 2> /dev/null)" ]; then
            return 0
        fi
        sleep 0.1
    done
    return 1
}

# wait_port_closed PORT [TIMEOUT]: waits until nothing listens on the port any more.
wait_port_closed()
{
    local port=$1 timeout=${2:-10} i
    for i in $(seq $((timeout * 10))); do
        [ -z "$(ss -Hltun "( sport = :$port )" 2> /dev/null)" ] && return 0
        sleep 0.1
    done
    return 1
}

# --- files -------------------------------------------------------------------------------

count_lines()
{
    if [ -f "$1" ]; then
        wc -l < "$1" | tr -d ' '
    else
        echo 0
    fi
}

# wait_lines FILE N [TIMEOUT]: waits until FILE has at least N lines; 1 on timeout.
wait_lines()
{
    local file=$1 want=$2 timeout=${3:-10} i
    for i in $(seq $((timeout * 10))); do
        [ "$(count_lines "$file")" -ge "$want" ] && return 0
        sleep 0.1
    done
    log "timeout: $file has $(count_lines "$file") of $want lines"
    return 1
}

# wait_stable FILE [QUIET_SECS] [TIMEOUT]: waits until FILE stopped growing for QUIET_SECS.
wait_stable()
{
    local file=$1 quiet=${2:-1} timeout=${3:-20} last=-1 same=0 i cur
    for i in $(seq $((timeout * 10))); do
        cur=$(count_lines "$file")
        if [ "$cur" = "$last" ]; then
            same=$((same + 1))
            [ "$same" -ge $((quiet * 10)) ] && return 0
        else
            same=0
            last=$cur
        fi
        sleep 0.1
    done
    return 1
}

# --- the daemon under test -----------------------------------------------------------------

# dut_cmd CONF: prints the command line (one word per line) for the daemon under test.
dut_cmd()
{
    case $DUT in
        sluice) printf '%s\n' "$SLUICED" -n -iNONE -f "$1" -M "$SLUICE_PLUGIN_DIR" ;;
        rsyslog) printf '%s\n' "$RSYSLOGD" -n -iNONE -f "$1" ;;
    esac
}

# dut_check CONF: runs the config check (-N1); stderr to $T/check.err; returns its status.
dut_check()
{
    local rc=0
    case $DUT in
        sluice) timeout -k 20 20 "$SLUICED" -N1 -f "$1" -M "$SLUICE_PLUGIN_DIR" > "$T/check.out" 2> "$T/check.err" || rc=$? ;;
        rsyslog) timeout -k 20 20 "$RSYSLOGD" -N1 -f "$1" > "$T/check.out" 2> "$T/check.err" || rc=$? ;;
    esac
    return "$rc"
}

# dut_global: config lines the daemon under test needs before anything else.  rsyslog
# wants a private work directory, and one main queue worker: with more than one it
# reorders messages of one connection under load (seen with 200k messages), which the
# ordering checks would report.  sluice keeps per-connection order by design.
dut_global()
{
    printf 'global(workDirectory="%s")\n' "$T"
    if [ "$DUT" = rsyslog ]; then
        printf 'main_queue(queue.workerThreads="1")\n'
    fi
}

# dut_start CONF [PROTO PORT]...: starts the daemon in the foreground (background job),
# then waits until every given port listens.
dut_start()
{
    local conf=$1 cmd
    shift
    mapfile -t cmd < <(dut_cmd "$conf")
    DUT_ERR=$T/dut.err
    "${cmd[@]}" < /dev/null > "$T/dut.out" 2>> "$DUT_ERR" &
    DUT_PID=$!
    track_pid "$DUT_PID"
    while [ $# -ge 2 ]; do
        if ! wait_port "$1" "$2" 15; then
            kill -0 "$DUT_PID" 2> /dev/null || fail "$DUT exited during start-up"
            fail "$DUT does not listen on $1 port $2"
        fi
        shift 2
    done
    kill -0 "$DUT_PID" 2> /dev/null || fail "$DUT exited during start-up"
}

dut_alive() { kill -0 "$DUT_PID" 2> /dev/null; }

# --- sluiced's counters (SIGUSR1) --------------------------------------------------------------

# stats_dump [FILE]: SIGUSR1 to sluiced (DUT=sluice), waits (up to 10 s) until the new
# dump is on its stderr and copies it to FILE (default $T/stats).  A dump is one write of
# impstats legacy lines "SET: origin=ORIGIN KEY=VALUE ...", the "sluiced" set first.
stats_dump()
{
    local out=${1:-$T/stats} before after i
    before=$(grep -c '^sluiced: origin=sluiced ' "$DUT_ERR")
    kill -USR1 "$DUT_PID" 2> /dev/null || fail "stats_dump: $DUT is not running"
    for i in $(seq 100); do
        after=$(grep -c '^sluiced: origin=sluiced ' "$DUT_ERR")
        [ "$after" -gt "$before" ] && break
        sleep 0.1
    done
    [ "$after" -gt "$before" ] || fail "no counters on stderr 10 s after SIGUSR1"
    awk -v n="$after" '/^sluiced: origin=sluiced / { k++ } k == n && /: origin=/' "$DUT_ERR" > "$out"
}

# stat_val SET KEY [FILE]: KEY's value in counter set SET of a dump (default $T/stats);
# empty when there is no such set or key.  Sets are e.g. "main Q", "fwd queue", "fwd",
# "fwd sluice" (sluice's own keys such as disk.enqueued), "imtcp(PORT)".
stat_val()
{
    awk -v set="$1" -v key="$2" '
        index($0, set ": origin=") == 1 {
            rest = substr($0, length(set) + 3)
            n = split(rest, f, " ")
            for (i = 1; i <= n; i++) if (index(f[i], key "=") == 1) v = substr(f[i], length(key) + 2)
        }
        END { print v }' "${3:-$T/stats}"
}

# dut_stop [TIMEOUT]: SIGTERM, wait up to TIMEOUT s; sets DUT_STATUS; fails on a hang.
# shellcheck disable=SC2120  # TIMEOUT is optional
dut_stop()
{
    local timeout=${1:-20} i
    [ -n "$DUT_PID" ] || return 0
    kill -TERM "$DUT_PID" 2> /dev/null
    for i in $(seq $((timeout * 10))); do
        kill -0 "$DUT_PID" 2> /dev/null || break
        sleep 0.1
    done
    if kill -0 "$DUT_PID" 2> /dev/null; then
        kill -KILL "$DUT_PID" 2> /dev/null
        wait "$DUT_PID" 2> /dev/null
        fail "$DUT did not exit within ${timeout}s of SIGTERM"
    fi
    DUT_STATUS=0
    wait "$DUT_PID" || DUT_STATUS=$?
    DUT_PID=
    return 0
}

# --- rsyslogd as a real peer -----------------------------------------------------------------

# rs_recv NAME [--udp PORT] [--tcp PORT]: rsyslogd receiver writing each message as
# received (%rawmsg%, framing removed) to $T/NAME/raw.log.  Sets RS_PID.  One main queue
# worker: with rsyslog's default of more, batches of 256 swap places under load (seen
# with 1,000,000 messages at 25k msg/s), which the ordering checks would blame on the sender.
rs_recv()
{
    local name=$1 dir=$T/$1 udp='' tcp=''
    shift
    while [ $# -ge 2 ]; do
        case $1 in --udp) udp=$2 ;; --tcp) tcp=$2 ;; *) fail "rs_recv: $1" ;; esac
        shift 2
    done
    mkdir -p "$dir"
    {
        printf 'global(workDirectory="%s" maxMessageSize="64k")\n' "$dir"
        printf 'main_queue(queue.workerThreads="1")\n'
        printf 'template(name="raw" type="string" string="%%rawmsg%%\\n")\n'
        printf 'ruleset(name="in") { action(type="omfile" file="%s/raw.log" template="raw") }\n' "$dir"
        if [ -n "$udp" ]; then
            printf 'module(load="imudp")\n'
            printf 'input(type="imudp" address="127.0.0.1" port="%s" ruleset="in" rcvbufSize="4m")\n' "$udp"
        fi
        if [ -n "$tcp" ]; then
            printf 'module(load="imtcp" maxSessions="200")\n'
            printf 'input(type="imtcp" address="127.0.0.1" port="%s" ruleset="in")\n' "$tcp"
        fi
    } > "$dir/rsyslog.conf"
    "$RSYSLOGD" -n -iNONE -f "$dir/rsyslog.conf" < /dev/null > /dev/null 2>> "$T/$name.err" &
    RS_PID=$!
    track_pid "$RS_PID"
    [ -z "$udp" ] || wait_port udp "$udp" 15 || fail "rsyslog receiver $name not listening on udp $udp"
    [ -z "$tcp" ] || wait_port tcp "$tcp" 15 || fail "rsyslog receiver $name not listening on tcp $tcp"
}

# rs_fwd NAME IN_UDP_PORT TO_PORT udp|tcp: rsyslogd forwarder (RFC 5424, octet-counted on
# TCP, queue and endless retries) from 127.0.0.1:IN_UDP_PORT to 127.0.0.1:TO_PORT.
rs_fwd()
{
    local name=$1 in=$2 to=$3 proto=$4 dir=$T/$1 extra=''
    mkdir -p "$dir"
    [ "$proto" = tcp ] && extra='tcp_framing="octet-counted"'
    {
        printf 'global(workDirectory="%s" maxMessageSize="64k")\n' "$dir"
        printf 'module(load="imudp")\n'
        printf 'input(type="imudp" address="127.0.0.1" port="%s" ruleset="fwd")\n' "$in"
        printf 'ruleset(name="fwd") { action(type="omfwd" target="127.0.0.1" port="%s" protocol="%s" %s\n' "$to" "$proto" "$extra"
        printf '  template="RSYSLOG_SyslogProtocol23Format" action.resumeRetryCount="-1"\n'
        printf '  action.resumeInterval="1" queue.type="linkedList" queue.size="100000") }\n'
    } > "$dir/rsyslog.conf"
    "$RSYSLOGD" -n -iNONE -f "$dir/rsyslog.conf" < /dev/null > /dev/null 2>> "$T/$name.err" &
    RS_PID=$!
    track_pid "$RS_PID"
    wait_port udp "$in" 15 || fail "rsyslog forwarder $name not listening on udp $in"
}

# wait_pid_exit PID TIMEOUT: waits until a process we started has exited.
wait_pid_exit()
{
    local i
    for i in $(seq $(($2 * 10))); do
        kill -0 "$1" 2> /dev/null || return 0
        sleep 0.1
    done
    return 1
}

# stop_pid PID [TIMEOUT]: SIGTERM one process we started and reap it.
stop_pid()
{
    local pid=$1 timeout=${2:-10} i
    kill -TERM "$pid" 2> /dev/null
    for i in $(seq $((timeout * 10))); do
        kill -0 "$pid" 2> /dev/null || break
        sleep 0.1
    done
    kill -KILL "$pid" 2> /dev/null
    wait "$pid" 2> /dev/null
    return 0
}

# --- senders ------------------------------------------------------------------------------

# flood ARGS...: runs slflood bounded in time.
flood()
{
    [ -x "$SLFLOOD" ] || fail "$SLFLOOD not built"
    timeout -k 20 60 "$SLFLOOD" "$@" 2>> "$T/slflood.err"
}

verify()
{
    [ -x "$SLVERIFY" ] || fail "$SLVERIFY not built"
    "$SLVERIFY" "$@"
}

# send_logger PORT udp|tcp|octet MSG [EXTRA LOGGER ARGS...]
send_logger()
{
    local port=$1 how=$2 msg=$3
    shift 3
    local args=(-n 127.0.0.1 -P "$port")
    case $how in
        udp) args+=(-d) ;;
        tcp) args+=(-T) ;;
        octet) args+=(-T --octet-count) ;;
    esac
    timeout -k 20 10 logger "${args[@]}" "$@" -- "$msg" || fail "logger ($how) failed"
}

# --- common scenario: logger into a file -------------------------------------------------------

# file_input_conf CONF OUTFILE UDP_PORT TCP_PORT [TEMPLATE]: writes a config with imudp and
# imtcp on 127.0.0.1 and one omfile action (default template unless TEMPLATE given).
file_input_conf()
{
    local conf=$1 out=$2 udp=$3 tcp=$4 tpl=${5:-}
    {
        dut_global
        printf 'module(load="imudp")\nmodule(load="imtcp")\n'
        printf 'input(type="imudp" address="127.0.0.1" port="%s")\n' "$udp"
        printf 'input(type="imtcp" address="127.0.0.1" port="%s")\n' "$tcp"
        if [ -n "$tpl" ]; then
            printf 'action(type="omfile" file="%s" template="%s")\n' "$out" "$tpl"
        else
            printf 'action(type="omfile" file="%s")\n' "$out"
        fi
    } > "$conf"
}

# logger_case HOW EXPECT_REGEX_TAIL [LOGGER ARGS...]: sends three messages with logger
# (HOW = udp|tcp|octet) into the daemon and checks that each arrives exactly once in
# RSYSLOG_FileFormat: "RFC3339-TIME HOST TAG MSG".  The timestamp must carry +00:00
# (TZ=UTC) and the host is the one logger put in the message.
logger_case()
{
    local how=$1 udp tcp out port i token line host re tag='sltest'
    shift
    # RFC 5424 (logger's default): the tag is APP-NAME alone; RFC 3164 keeps "sltest:"
    case " $* " in *" --rfc3164 "*) tag='sltest:' ;; esac
    new_port udp
    new_port tcp
    out=$T/out/messages.log
    file_input_conf "$T/dut.conf" "$out" "$udp" "$tcp"
    dut_start "$T/dut.conf" udp "$udp" tcp "$tcp"
    port=$tcp
    [ "$how" = udp ] && port=$udp
    host="$(hostname -s)(\\.[^ ]+)?"   # logger may send the short or the full name
    for i in 1 2 3; do
        send_logger "$port" "$how" "token-$how-$i hello world $i" -t sltest -p local3.warning "$@"
    done
    wait_lines "$out" 3 10 || fail "expected 3 lines in $out"
    sleep 0.3
    [ "$(count_lines "$out")" -eq 3 ] || fail "expected exactly 3 lines, got $(count_lines "$out")"
    for i in 1 2 3; do
        token="token-$how-$i hello world $i"
        line=$(grep -F -- "$token" "$out") || fail "message $i missing from $out"
        re="^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\\.[0-9]{6})?\\+00:00 $host $tag $token\$"
        [[ $line =~ $re ]] || fail "line not in RSYSLOG_FileFormat: '$line'"
    done
    dut_stop
    [ "$DUT_STATUS" -eq 0 ] || fail "$DUT exited with status $DUT_STATUS after SIGTERM"
    log "ok: 3 messages over $how arrived in RSYSLOG_FileFormat"
}

# --- common scenario: rsyslog forwarder into the daemon ----------------------------------------

# rsyslog_into_case udp|tcp: logger -> rsyslogd (omfwd, RFC 5424) -> daemon -> file.
rsyslog_into_case()
{
    local proto=$1 udp tcp fin out i line re host
    new_port udp
    new_port tcp
    new_port fin
    out=$T/out/messages.log
    host="$(hostname -s)(\\.[^ ]+)?"   # logger may send the short or the full name
    file_input_conf "$T/dut.conf" "$out" "$udp" "$tcp"
    dut_start "$T/dut.conf" udp "$udp" tcp "$tcp"
    if [ "$proto" = udp ]; then
        rs_fwd fwd "$fin" "$udp" udp
    else
        rs_fwd fwd "$fin" "$tcp" tcp
    fi
    for i in $(seq 5); do
        send_logger "$fin" udp "via-rsyslog-$proto $i" -t relayed -p user.notice
    done
    wait_lines "$out" 5 15 || fail "expected 5 relayed lines in $out"
    sleep 0.3
    [ "$(count_lines "$out")" -eq 5 ] || fail "expected exactly 5 lines, got $(count_lines "$out")"
    for i in $(seq 5); do
        line=$(grep -F -- "via-rsyslog-$proto $i" "$out") || fail "relayed message $i missing"
        re="^[0-9-]{10}T[0-9:]{8}\\.[0-9]{6}\\+00:00 $host relayed via-rsyslog-$proto $i\$"
        [[ $line =~ $re ]] || fail "unexpected line: '$line'"
    done
    dut_stop
    [ "$DUT_STATUS" -eq 0 ] || fail "$DUT exited with status $DUT_STATUS"
    log "ok: 5 messages relayed by rsyslog over $proto arrived"
}

# --- common scenario: the daemon forwards to an rsyslog receiver ----------------------------

# fwd_conf CONF UDP_IN TCP_IN TARGET_PORT udp|tcp|octet [CAPTURE_PORT]: forwarding config;
# with CAPTURE_PORT a second, identical omfwd action sends there too.
fwd_conf()
{
    local conf=$1 udp=$2 tcp=$3 to=$4 how=$5 proto=udp framing=
    case $how in
        tcp) proto=tcp ;;
        octet) proto=tcp framing=' tcp_framing="octet-counted"' ;;
    esac
    {
        dut_global
        printf 'module(load="imudp")\nmodule(load="imtcp")\n'
        printf 'input(type="imudp" address="127.0.0.1" port="%s")\n' "$udp"
        printf 'input(type="imtcp" address="127.0.0.1" port="%s")\n' "$tcp"
        printf 'action(type="omfwd" target="127.0.0.1" port="%s" protocol="%s"%s\n' "$to" "$proto" "$framing"
        printf '       action.resumeRetryCount="-1" action.resumeInterval="1")\n'
        if [ -n "${6:-}" ]; then
            printf 'action(type="omfwd" target="127.0.0.1" port="%s" protocol="%s"%s)\n' "$6" "$proto" "$framing"
        fi
    } > "$conf"
}

# raw_capture PORT FILE: socat accepts one TCP connection on 127.0.0.1:PORT and writes the
# bytes it receives to FILE unchanged (framing included).  Sets CAP_PID.
raw_capture()
{
    require_cmd socat
    timeout -k 20 120 socat -u "TCP-LISTEN:$1,bind=127.0.0.1,reuseaddr" "OPEN:$2,creat,trunc" 2>> "$T/socat.err" &
    CAP_PID=$!
    track_pid "$CAP_PID"
    wait_port tcp "$1" 10 || fail "socat capture not listening on $1"
}

# frame_file udp|tcp|octet FILE: prints FILE's lines framed as they must go on the wire.
frame_file()
{
    case $1 in
        octet) LC_ALL=C awk '{ printf "%d %s", length($0), $0 }' "$2" ;;
        *) cat "$2" ;;
    esac
}

# fwd_out_case udp|tcp|octet: fixed RFC 3164 lines go into the daemon over TCP and must
# arrive at the rsyslog receiver byte for byte (default RSYSLOG_TraditionalForwardFormat
# reproduces such lines exactly); then 2000 slflood messages must all arrive.  For TCP a
# second action sends the same to a socat capture, whose bytes must show the framing
# (LF or octet counting): rsyslog's receiver accepts both, so it cannot tell.
fwd_out_case()
{
    local how=$1 udp tcp rport input=$top_srcdir/tests/integration/data/fwd-input.txt raw n
    local cport='' cap=$T/out/wire.bin
    new_port udp
    new_port tcp
    new_port rport
    if [ "$how" = udp ]; then
        rs_recv rs --udp "$rport"
    else
        rs_recv rs --tcp "$rport"
        new_port cport
        raw_capture "$cport" "$cap"
    fi
    raw=$T/rs/raw.log
    fwd_conf "$T/dut.conf" "$udp" "$tcp" "$rport" "$how" "$cport"
    dut_start "$T/dut.conf" udp "$udp" tcp "$tcp"
    flood -p "$tcp" -t tcp -i "$input" || fail "slflood -i failed"
    n=$(count_lines "$input")
    wait_lines "$raw" "$n" 15 || fail "forwarded lines did not arrive"
    sleep 0.3
    cmp "$input" "$raw" || { diff "$input" "$raw" >&2; fail "forwarded bytes differ from input"; }
    flood -p "$tcp" -t tcp -n 2000 -c 2 || fail "slflood failed"
    wait_lines "$raw" $((n + 2000)) 20 || fail "flood did not arrive completely"
    sleep 0.3
    tail -n +$((n + 1)) "$raw" > "$raw.flood"
    verify -n 2000 -c 2 "$raw.flood" || fail "slverify found loss/duplication/reordering"
    dut_stop
    [ "$DUT_STATUS" -eq 0 ] || fail "$DUT exited with status $DUT_STATUS"
    if [ -n "$cport" ]; then
        # the wire bytes: framing as configured, the fixed lines first
        wait_pid_exit "$CAP_PID" 10 || fail "socat capture did not see the connection close"
        frame_file "$how" "$input" > "$T/wire.expected"
        cmp -n "$(wc -c < "$T/wire.expected")" "$T/wire.expected" "$cap" ||
            fail "bytes on the wire are not framed as $how: $(head -c 120 "$cap" | od -c | head -n 3)"
    fi
    log "ok: forwarding over $how: exact bytes and 2000 messages arrived"
}

# start_who WHO CONF [SOCKET]: starts rsyslogd or sluiced (WHO) in the foreground on CONF,
# stderr to $T/WHO.err; sets STARTED_PID (tracked).  With SOCKET, waits (at most 10 s) until
# that Unix socket exists, and fails if the daemon exits first.
start_who()
{
    local who=$1 i cmd
    mapfile -t cmd < <(DUT=$who dut_cmd "$2")
    "${cmd[@]}" < /dev/null > /dev/null 2> "$T/$who.err" &
    STARTED_PID=$!
    track_pid "$STARTED_PID"
    [ -n "${3:-}" ] || return 0
    for i in $(seq 100); do
        [ -S "$3" ] && return 0
        kill -0 "$STARTED_PID" 2> /dev/null || fail "$who exited during start-up"
        sleep 0.1
    done
}

# --- a private systemd journal (rsyslogd 8.2302's imjournal has no directory parameter) -------

# private_journal_ok: a daemon can be run with a private "system" journal: root, unshare with a
# private mount namespace, /etc/machine-id.
private_journal_ok()
{
    [ "$(id -u)" -eq 0 ] && [ -f /etc/machine-id ] &&
        unshare --mount --propagation private true 2> /dev/null
}

# in_private_journal JOURNAL CMD... &: runs CMD in a private mount namespace whose /run/log
# and /var/log/journal are empty tmpfs, so sd_journal's "system" journal is JOURNAL alone
# (copied to /run/log/journal/MACHINE-ID/; "" for an empty journal).  Exits 3 when the
# namespace cannot be set up.  Call it in the background: it execs (the background subshell
# becomes unshare, then CMD), so $! is CMD's PID and stop_pid / the exit trap stop CMD itself
# (without the exec, $! was the subshell and CMD outlived the test).
in_private_journal()
{
    local j=$1
    shift
    # shellcheck disable=SC2016  # expanded by the inner shell
    exec unshare --mount --propagation private bash -c '
        mount -t tmpfs sluice-test /run/log 2> /dev/null ||
            { mkdir -p /run/log && mount -t tmpfs sluice-test /run/log; } || exit 3
        [ ! -d /var/log/journal ] || mount -t tmpfs sluice-test /var/log/journal || exit 3
        if [ -n "$2" ]; then
            mkdir -p "/run/log/journal/$1" && cp "$2" "/run/log/journal/$1/" || exit 3
        fi
        shift 2
        exec "$@"' sh "$(cat /etc/machine-id)" "$j" "$@"
}
