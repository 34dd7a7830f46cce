# lib-daemon.sh - helpers for the daemon life-cycle tests (sourced, bash).  Builds on
# tests/integration/lib.sh (scratch dir, ports, cleanup by PID, bounded waits) and adds what
# those tests need beyond a foreground daemon with -iNONE: a pid file, fork mode, the
# daemon's own messages in a file.  DUT=rsyslog runs the same scenarios against rsyslogd
# where rsyslogd has the feature (sluice-only checks are marked with is_sluice).
# shellcheck disable=SC2034  # DM_RC and DM_PID are set here for the tests that source this
# shellcheck source=tests/integration/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/../integration/lib.sh"

DM_RC=0
is_sluice() { [ "$DUT" = sluice ]; }

# dm_cmd ARGS...: prints the daemon command line (one word per line) with ARGS appended.
dm_cmd()
{
    case $DUT in
        sluice) printf '%s\n' "$SLUICED" -M "$SLUICE_PLUGIN_DIR" "$@" ;;
        rsyslog) printf '%s\n' "$RSYSLOGD" "$@" ;;
    esac
}

# dm_udp_conf CONF PORT OUTFILE [EXTRA LINE]...: imudp on 127.0.0.1:PORT into OUTFILE; the
# daemon's own messages are processed (global processInternalMessages) so that they land in
# OUTFILE too instead of going to the system's /dev/log.
dm_udp_conf()
{
    local conf=$1 port=$2 out=$3 line
    shift 3
    {
        dut_global
        printf 'global(processInternalMessages="on")\n'
        for line in "$@"; do
            printf '%s\n' "$line"
        done
        printf 'module(load="imudp")\n'
        printf 'input(type="imudp" address="127.0.0.1" port="%s")\n' "$port"
        printf 'action(type="omfile" file="%s")\n' "$out"
    } > "$conf"
}

# dm_start_fg NAME ARGS...: starts the daemon in the foreground (-n) with ARGS as a
# background job, stderr to $T/NAME.err.  Sets DM_PID.  A command in the array DM_WRAP
# (which must exec the daemon, e.g. setpriv) is put in front.
DM_WRAP=()
dm_start_fg()
{
    local name=$1 cmd
    shift
    mapfile -t cmd < <(dm_cmd -n "$@")
    "${DM_WRAP[@]}" "${cmd[@]}" < /dev/null > "$T/$name.out" 2>> "$T/$name.err" &
    DM_PID=$!
    track_pid "$DM_PID"
}

# dm_run NAME TIMEOUT ARGS...: runs the daemon command to its end (fork mode, -N, -v),
# stdout to $T/NAME.out, stderr to $T/NAME.err.  Sets DM_RC.
dm_run()
{
    local name=$1 timeout=$2 cmd
    shift 2
    mapfile -t cmd < <(dm_cmd "$@")
    DM_RC=0
    timeout "$timeout" "${cmd[@]}" < /dev/null > "$T/$name.out" 2> "$T/$name.err" || DM_RC=$?
}

# wait_grep FILE ERE [TIMEOUT]: waits until FILE has a line matching ERE.
wait_grep()
{
    local file=$1 re=$2 timeout=${3:-10} i
    for i in $(seq $((timeout * 10))); do
        grep -q -E -- "$re" "$file" 2> /dev/null && return 0
        sleep 0.1
    done
    log "timeout: no line matching '$re' in $file"
    return 1
}

# pidfile_pid FILE: prints the pid in FILE if it names a live process (else nothing).
pidfile_pid()
{
    local p
    p=$(head -n 1 "$1" 2> /dev/null | tr -d ' \n')
    case $p in '' | *[!0-9]*) return 1 ;; esac
    kill -0 "$p" 2> /dev/null || return 1
    printf '%s\n' "$p"
}

# wait_pidfile FILE PID [TIMEOUT]: waits until FILE holds PID.
wait_pidfile()
{
    local i
    for i in $(seq $((${3:-10} * 10))); do
        [ "$(pidfile_pid "$1" || true)" = "$2" ] && return 0
        sleep 0.1
    done
    return 1
}

# status_field PID FIELD: the values of a /proc/PID/status line ("Uid", "Gid", "Groups").
status_field()
{
    sed -n -E "s/^$2:[[:space:]]*//p" "/proc/$1/status" | tr -s ' \t' ' ' | sed -e 's/ *$//'
}

# sorted_words WORDS...: the words sorted numerically, space separated.
sorted_words()
{
    printf '%s\n' "$@" | grep . | sort -n | tr '\n' ' ' | sed -e 's/ *$//'
}
