#!/bin/bash
# defaults.sh - the shipped /etc/sluice.conf against Debian 12's /etc/rsyslog.conf: both
# default configurations, run by their own daemons on the same local input, must write the
# same files with the same lines.
#
# Each file is run as shipped except for what a test cannot do as root on a shared machine:
# the system socket is a scratch socket (SysSock.Name), /var/log/ and the work directory are
# scratch directories, imklog is not loaded (the kernel's log is not ours to read), and the
# drop-in directory is not included.  The input goes through the system socket with
# util-linux logger, one message per facility and severity below emerg (emerg is written
# to every logged-in user's terminal by both configs), plus lines holding "{...}" (an
# earlier sluice.conf sent those to a flows file instead of syslog).  imuxsock stamps each
# message with its receive time in both daemons, so the first field of every line (the
# time stamp: Debian 12's default file format is RFC 3339 with microseconds) is cut before
# comparing; nothing else is changed.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/../integration/lib.sh"
setup
require_cmd logger cmp sed
RSYSLOG_CONF=${RSYSLOG_CONF:-/etc/rsyslog.conf}
[ -r "$RSYSLOG_CONF" ] || fail "$RSYSLOG_CONF not found (the rsyslog package installs it)"
grep -q '^\*\.emerg' "$RSYSLOG_CONF" || fail "$RSYSLOG_CONF does not look like Debian's default"

# conf_for WHO SRC: the scratch version of SRC for daemon WHO (rsyslog or sluice).
conf_for()
{
    local who=$1 src=$2
    mkdir -p "$T/$who.log" "$T/$who.work"
    sed -E -e "s|^module\\(load=\"imuxsock\"\\)|module(load=\"imuxsock\" SysSock.Name=\"$T/$who.sock\")|" \
        -e '/^module\(load="imklog"\)/d' \
        -e "s|^\\\$WorkDirectory .*|\$WorkDirectory $T/$who.work|" \
        -e '/^\$IncludeConfig /d' \
        -e "s|/var/log/|$T/$who.log/|g" \
        "$src" > "$T/$who.conf"
    grep -q "SysSock.Name=\"$T/$who.sock\"" "$T/$who.conf" || fail "$src: no imuxsock line to rewrite"
}

# run_one WHO: starts WHO on its config, sends the input, waits for the files, stops it.
run_one()
{
    local who=$1 pid i f sev fac
    mapfile -t cmd < <(DUT=$who dut_cmd "$T/$who.conf")
    "${cmd[@]}" < /dev/null > "$T/$who.out" 2> "$T/$who.err" &
    pid=$!
    track_pid "$pid"
    for i in $(seq 100); do
        [ -S "$T/$who.sock" ] && break
        kill -0 "$pid" 2> /dev/null || fail "$who exited during start-up"
        sleep 0.1
    done
    [ -S "$T/$who.sock" ] || fail "$who did not create $T/$who.sock"
    i=0
    for fac in kern user mail daemon auth syslog lpr news uucp cron authpriv ftp local0 local7; do
        for sev in alert crit err warning notice info debug; do
            i=$((i + 1))
            logger -u "$T/$who.sock" -t "test$i" -p "$fac.$sev" "message $i $fac.$sev" ||
                fail "logger to $who failed"
        done
    done
    logger -u "$T/$who.sock" -t app -p user.info 'payload {"a":1,"b":"x"} end'
    logger -u "$T/$who.sock" -t app -p daemon.notice '{"8":"192.0.2.1","7":55378}'
    wait_lines "$T/$who.log/user.log" 8 15 || fail "$who: user.log incomplete"
    for f in syslog auth.log cron.log kern.log mail.log user.log; do
        wait_stable "$T/$who.log/$f" 1 15 || fail "$who: $f keeps growing"
    done
    stop_pid "$pid"
}

conf_for rsyslog "$RSYSLOG_CONF"
conf_for sluice "$top_srcdir/conf.d/sluice.conf"
run_one rsyslog
run_one sluice

for f in syslog auth.log cron.log kern.log mail.log user.log; do
    # logger cannot send kern messages (the kernel's facility is refused to user space and
    # becomes user), so kern.log stays empty or missing in both
    if [ ! -s "$T/rsyslog.log/$f" ]; then
        [ ! -s "$T/sluice.log/$f" ] || fail "sluice wrote $f, rsyslog did not"
        log "$f: empty in both"
        continue
    fi
    [ -f "$T/sluice.log/$f" ] || fail "sluice wrote no $f"
    cut -d" " -f2- "$T/rsyslog.log/$f" > "$T/rsyslog.$f.cut"
    cut -d" " -f2- "$T/sluice.log/$f" > "$T/sluice.$f.cut"
    if ! cmp -s "$T/rsyslog.$f.cut" "$T/sluice.$f.cut"; then
        diff "$T/rsyslog.$f.cut" "$T/sluice.$f.cut" | head -n 20 >&2
        fail "$f differs between rsyslog's default config and sluice's"
    fi
    log "$f: $(count_lines "$T/sluice.log/$f") lines, identical"
done
[ "$(count_lines "$T/sluice.log/syslog")" -ge 80 ] || fail "syslog has too few lines"
grep -q 'payload {"a":1,"b":"x"} end' "$T/sluice.log/syslog" || fail "a line with {...} did not reach syslog"
log "PASS"
