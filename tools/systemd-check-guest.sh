#!/bin/bash
# systemd-check-guest.sh - the part of tools/systemd-check.sh that runs inside the booted
# Debian 12 guest, as a oneshot unit (sluice-check.service) after multi-user.target.
# Not part of CI.
#
#   stage 1 (first boot, rsyslog is the system logger as Debian installs it):
#     disable and stop rsyslog, set its logrotate snippet aside, enable sluiced.service
#     (and with it the syslog.service alias that syslog.socket activates), start it; then
#     check Type=notify readiness, the socket hand-over, "logger" -> journald ->
#     /run/systemd/journal/syslog -> sluiced -> /var/log/syslog (root:adm 0640),
#     systemctl reload, a logrotate run, systemctl stop and re-activation through
#     syslog.socket; then power off.
#   With /var/lib/sluice-check/mode = "package" (tools/systemd-check.sh -p), stage 1
#     starts instead with sluice installed as the Debian package (apt removed rsyslog):
#     sluiced.service must be enabled and running from the boot without any manual step,
#     rsyslog gone, and the rest of the checks (logrotate with every snippet in
#     /etc/logrotate.d, as the daily run does it) the same.
#   stage 2 (second boot): sluiced must have been started at boot by the enabled unit and
#     must have the boot's messages forwarded by journald; the daily logrotate run (forced)
#     must succeed and sluiced write into the new files; then power off.
#
# Every result line goes to /var/log/sluice-check.txt (read by the driver afterwards) and
# to the console; the last line is "SLUICE-CHECK stageN: PASS" or "... FAIL (n)".
set -u

OUT=/var/log/sluice-check.txt
STAGEFILE=/var/lib/sluice-check/stage
MODE=$(cat /var/lib/sluice-check/mode 2> /dev/null || echo source)
fails=0

say() { printf '%s\n' "$*" | tee -a "$OUT" > /dev/console; }
ok() { say "ok: $*"; }
bad() { say "FAIL: $*"; fails=$((fails + 1)); }
run() { say "# $*"; "$@" 2>&1 | tee -a "$OUT" > /dev/console; return "${PIPESTATUS[0]}"; }

# wait_grep PATTERN FILE: up to 20 s for a fixed string in FILE.
wait_grep()
{
    local _
    for _ in $(seq 1 40); do
        if [ -f "$2" ] && grep -qF -- "$1" "$2"; then
            return 0
        fi
        sleep 0.5
    done
    return 1
}

# check_logger TAG: "logger" a unique line and find it in /var/log/syslog.
check_logger()
{
    local line
    line="sluice-check $1 $(date +%s%N)"
    logger -t sluicecheck "$line"
    if wait_grep "$line" /var/log/syslog; then
        ok "logger line in /var/log/syslog ($1): $(grep -F -- "$line" /var/log/syslog)"
    else
        bad "logger line '$line' not in /var/log/syslog ($1)"
    fi
}

check_active()
{
    local st
    st=$(systemctl show -p ActiveState,SubState,Type,MainPID,Result sluiced.service | tr '\n' ' ')
    case $st in
        *ActiveState=active*SubState=running*) ok "sluiced $1: $st" ;;
        *) bad "sluiced $1: $st" ;;
    esac
}

check_socket_handover()
{
    local pid fds
    pid=$(systemctl show -p MainPID --value sluiced.service)
    fds=$(tr '\0' '\n' < "/proc/$pid/environ" 2> /dev/null | grep -E '^LISTEN_(FDS|PID)=' | tr '\n' ' ')
    say "sluiced pid $pid environment: $fds"
    run ls -l "/proc/$pid/fd/3"
    if ss -xlp 2> /dev/null | grep '/run/systemd/journal/syslog' | grep -q "pid=$pid,"; then
        ok "sluiced (pid $pid) holds /run/systemd/journal/syslog"
    else
        bad "sluiced (pid $pid) does not hold /run/systemd/journal/syslog"
        run ss -xlp
    fi
}

stage1()
{
    say "== stage 1 ($MODE): $(date -u '+%Y-%m-%d %H:%M:%S UTC'), $(uname -r), systemd $(systemctl --version | head -n 1)"
    if [ "$MODE" = package ]; then
        stage1_package
    else
        stage1_source
    fi
    stage1_common
}

# The package replaced rsyslog: nothing to do by hand.
stage1_package()
{
    local st en
    run dpkg -l 'sluice*' rsyslog
    st=$(dpkg-query -W -f='${db:Status-Abbrev}' rsyslog 2> /dev/null)
    case $st in
        ii*) bad "rsyslog is still installed next to the sluice package ($st)" ;;
        *) ok "rsyslog not installed any more (dpkg status '${st:-none}')" ;;
    esac
    en=$(systemctl is-enabled sluiced.service)
    [ "$en" = enabled ] && ok "the package enabled sluiced.service" \
        || bad "sluiced.service is '$en' after the package install"
    run ls -l /etc/systemd/system/syslog.service
    check_active "at boot (package)"
    run ls -l /etc/logrotate.d/
    run logrotate -d /etc/logrotate.conf
}

# Source install: switch from rsyslog to sluiced at run time, as sluiced(8) says.
stage1_source()
{
    if run systemctl is-active rsyslog.service; then
        ok "rsyslog.service ran as the system logger at boot"
    else
        bad "rsyslog.service was not running at boot: nothing to replace"
    fi
    run systemctl disable --now rsyslog.service
    # rsyslog's logrotate snippet names the same files and HUPs rsyslog.service: with it in
    # place logrotate skips ours ("duplicate log entry") and sluiced is never told to
    # reopen (sluiced(8), REPLACING RSYSLOG)
    run mv /etc/logrotate.d/rsyslog /etc/logrotate.d/rsyslog.disabled
    # rsyslog created these at boot: sluiced must create them itself
    rm -f /var/log/syslog /var/log/auth.log /var/log/kern.log /var/log/cron.log \
          /var/log/mail.log /var/log/user.log
    run systemctl enable sluiced.service
    run ls -l /etc/systemd/system/syslog.service
    run systemctl start sluiced.service || bad "systemctl start sluiced.service failed"
}

stage1_common()
{
    local pid1 pid2 mode st
    check_active "after start"
    run systemctl status --no-pager -l sluiced.service
    run systemctl status --no-pager syslog.socket
    check_socket_handover
    check_logger "start"
    mode=$(stat -c '%U:%G %a' /var/log/syslog 2> /dev/null)
    if [ "$mode" = "root:adm 640" ]; then
        ok "/var/log/syslog is $mode"
    else
        bad "/var/log/syslog is '$mode', want root:adm 640"
    fi
    run ls -l /var/log/
    # journald's own stream (not /dev/log) reaches sluiced too
    echo "sluice-check systemd-cat $$" | systemd-cat -t sluicecat
    if wait_grep "sluice-check systemd-cat $$" /var/log/syslog; then
        ok "systemd-cat line forwarded: $(grep -F "sluice-check systemd-cat $$" /var/log/syslog)"
    else
        bad "systemd-cat line not forwarded by journald"
    fi

    pid1=$(systemctl show -p MainPID --value sluiced.service)
    run systemctl reload sluiced.service || bad "systemctl reload failed"
    sleep 1
    pid2=$(systemctl show -p MainPID --value sluiced.service)
    [ "$pid1" = "$pid2" ] && ok "reload kept pid $pid1" || bad "reload changed pid $pid1 -> $pid2"
    check_active "after reload"
    check_logger "reload"

    if [ "$MODE" = package ]; then
        # as logrotate.service runs it: every snippet, exit status 0
        if run logrotate -v -f /etc/logrotate.conf; then
            ok "logrotate -f /etc/logrotate.conf: exit status 0"
        else
            bad "logrotate -f /etc/logrotate.conf failed"
        fi
    else
        run logrotate -v -f /etc/logrotate.d/sluice
    fi
    check_logger "logrotate"
    if [ -f /var/log/syslog.1 ]; then
        ok "rotated: $(ls -l /var/log/syslog /var/log/syslog.1 | tr '\n' ' ')"
        mode=$(stat -c '%U:%G %a' /var/log/syslog 2> /dev/null)
        [ "$mode" = "root:adm 640" ] && ok "new /var/log/syslog is $mode" \
            || bad "new /var/log/syslog is '$mode', want root:adm 640"
    else
        bad "no /var/log/syslog.1 after logrotate -f"
    fi
    check_active "after logrotate"

    pid1=$(systemctl show -p MainPID --value sluiced.service)
    run systemctl stop sluiced.service
    # journald forwards systemd's own "Stopping ..." lines at once, so syslog.socket may
    # already have started sluiced again: the old process must be gone after a clean exit
    if kill -0 "$pid1" 2> /dev/null; then
        bad "stop: pid $pid1 still runs"
    elif journalctl -b -u sluiced.service --no-pager | grep -q 'sluiced.service: Deactivated successfully'; then
        ok "stop: pid $pid1 exited, sluiced.service: Deactivated successfully"
    else
        bad "stop: no clean deactivation in the journal"
    fi
    # syslog.socket still listens: the next forwarded message starts syslog.service = sluiced
    logger -t sluicecheck "sluice-check socket-activation $$"
    if wait_grep "sluice-check socket-activation $$" /var/log/syslog; then
        ok "socket activation after stop delivered the message"
    else
        bad "socket activation after stop: message not delivered"
    fi
    check_active "after socket activation"
    run journalctl --no-pager -b -u sluiced.service -u syslog.socket -u rsyslog.service
    # stop both: nothing starts it again
    run systemctl stop syslog.socket sluiced.service
    st=$(systemctl show -p ActiveState --value sluiced.service)
    [ "$st" = inactive ] && ok "socket and service stopped: ActiveState=$st" \
        || bad "after stopping socket and service: ActiveState=$st"
    run systemctl start syslog.socket
}

stage2()
{
    local en
    say "== stage 2 (second boot): $(date -u '+%Y-%m-%d %H:%M:%S UTC')"
    if [ "$MODE" = package ]; then
        en=$(systemctl is-enabled sluiced.service)
        [ "$en" = enabled ] && ok "is-enabled sluiced: $en" || bad "is-enabled sluiced: $en"
    else
        en=$(systemctl is-enabled sluiced.service rsyslog.service | tr '\n' ' ')
        [ "$en" = "enabled disabled " ] && ok "is-enabled sluiced, rsyslog: $en" \
            || bad "is-enabled sluiced, rsyslog: $en"
    fi
    check_active "at boot"
    run systemctl status --no-pager -l sluiced.service
    check_socket_handover
    # journald forwards the boot's messages it had before sluiced started
    if grep -q 'systemd\[1\]' /var/log/syslog; then
        ok "boot messages of systemd[1] in /var/log/syslog: $(grep -c 'systemd\[1\]' /var/log/syslog) lines"
    else
        bad "no systemd[1] boot messages in /var/log/syslog"
    fi
    check_logger "second boot"
    # the daily rotation as logrotate.service runs it (forced), with every snippet in
    # /etc/logrotate.d: the new /var/log/syslog must get the next line
    run ls /etc/logrotate.d/
    if run logrotate -f /etc/logrotate.conf; then
        ok "logrotate -f /etc/logrotate.conf: exit status 0"
    else
        bad "logrotate -f /etc/logrotate.conf failed"
    fi
    check_logger "daily logrotate"
    run ls -l /var/log/syslog /var/log/syslog.1
    run tail -n 5 /var/log/syslog
    run journalctl --no-pager -b -u sluiced.service
}

main()
{
    local stage
    mkdir -p "$(dirname "$STAGEFILE")"
    stage=$(cat "$STAGEFILE" 2> /dev/null || echo 1)
    case $stage in
        1) stage1; echo 2 > "$STAGEFILE" ;;
        2) stage2; echo finished > "$STAGEFILE" ;;
        *) say "stage $stage: nothing to do"; systemctl poweroff; return 0 ;;
    esac
    if [ "$fails" -eq 0 ]; then
        say "SLUICE-CHECK stage$stage: PASS"
    else
        say "SLUICE-CHECK stage$stage: FAIL ($fails)"
    fi
    sync
    systemctl --no-block poweroff
}

main "$@"
