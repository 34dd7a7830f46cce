#!/bin/bash
# distros.sh - the default rsyslog configurations of Ubuntu 22.04, RHEL 9 and openSUSE, as
# their packages ship them (tests/data/distro/, see its NOTICE), through rsyslogd and
# sluiced: the config check must agree, and on the same local input both daemons must write
# the same files with the same lines.  (Debian's default is tests/diff/defaults.sh.)
#
# Each distribution's tree (rsyslog.conf and its rsyslog.d/ files) is rewritten
# mechanically, never by hand, in two ways:
#   check  only the places outside the test directory move into it: /var/log/ and
#          /etc/rsyslog.d/ (the shipped drop-ins are copied there), the work and spool
#          directories, openSUSE's generated /run/rsyslog/additional-log-sockets.conf
#          (its service script creates it empty before starting rsyslogd; so does this
#          test) and the /dev/ devices the configs write to.  Everything else stays as
#          shipped: both -N1 runs must agree (0 on both, or non-zero on both where this
#          machine lacks what the config needs, e.g. Ubuntu's "syslog" user);
#   run    in addition: the system socket is a scratch socket (SysSock.Name or
#          $SystemLogSocketName; RHEL's SysSock.Use="off" becomes that socket, as its
#          journal is not ours to read), the lines that change owners or drop
#          privileges ($FileOwner, $FileGroup, $PrivDropTo*) are dropped (the accounts
#          may not exist here and both daemons run as the same user), imklog and
#          $klog* go (the kernel's log is not ours to read).  imjournal's module()
#          statement stays where each daemon can run with a private "system" journal
#          (lib.sh's in_private_journal: root and a private mount namespace, since
#          rsyslogd 8.2302's imjournal has no parameter naming a journal, and a sluice-only
#          one would be a dialect rsyslogd rejects); it goes otherwise (the machine's
#          journal is not the test's), and the test says so.  Both daemons must accept
#          this config with -N1 exit 0.
# The input goes through the system socket with util-linux logger: one message for each
# facility and severity below emerg (emerg goes to every logged-in user's terminal),
# lines for the distributions' own filters (NetworkManager, nm-*, acpid, "[UFW ",
# IN=/OUT=), and a repeated line (Ubuntu and openSUSE set $RepeatedMsgReduction).
# imuxsock stamps each message with its receive time in both daemons, so the time stamp
# at the start of every line is cut before comparing; nothing else is changed.  A file
# that several actions write (openSUSE's warn) gets their lines in an order that follows
# the batch boundaries of the queue worker (each action flushes its buffer at the end of a
# batch, in rsyslog as in sluice): for such a file the same lines in another order pass,
# and the test says so.  Every file
# either daemon writes under the scratch tree is compared, the named pipe openSUSE writes
# to included (a reader copies it to a file).
#
# RHEL 9 loads imjournal: where sluice was built without it, its check is skipped with a
# note.  With a private journal, the run reads JOURNAL_N entries from it first (a journal
# file systemd-journal-remote makes from tests/integration/journal-export.py's "seq" set,
# daemon.info, so they land in RHEL's /var/log/messages; an empty journal when
# systemd-journal-remote is missing), and the socket input follows once they are written.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/../integration/lib.sh"
setup
require_cmd logger cmp sed find mkfifo
DATA=$top_srcdir/tests/data/distro
DISTROS=${DISTROS:-ubuntu rhel9 opensuse}
FAILED=
JOURNAL_N=5
JOURNAL=
if plugin_built imjournal && private_journal_ok; then
    PRIVJ=1
    JR=/lib/systemd/systemd-journal-remote
    if [ -x "$JR" ] && command -v python3 > /dev/null; then
        mkdir -p "$T/journal"
        python3 "$top_srcdir/tests/integration/journal-export.py" export seq 0 "$JOURNAL_N" \
            > "$T/journal/export" || fail "journal-export.py failed"
        timeout -k 20 20 "$JR" --output="$T/journal/test.journal" "$T/journal/export" 2> "$T/journal/jr.err" ||
            fail "systemd-journal-remote failed: $(cat "$T/journal/jr.err")"
        JOURNAL=$T/journal/test.journal
        log "imjournal reads a private journal of $JOURNAL_N entries"
    else
        log "systemd-journal-remote missing: imjournal reads an empty private journal"
    fi
else
    PRIVJ=0
    log "no private journal here (needs root, unshare and sluice's imjournal): imjournal's module() statement is dropped from the run"
fi

# rewrite MODE ROOT FILE: FILE (a shipped file) rewritten for MODE (check|run) to stdout.
rewrite()
{
    local mode=$1 root=$2 file=$3
    local -a e=(
        -e "s|/var/log/|$root/log/|g"
        -e "s|/etc/rsyslog\\.d|$root/etc/rsyslog.d|g"
        -e "s|/run/rsyslog/|$root/run/|g"
        -e "s|/var/spool/rsyslog|$root/work|g"
        -e "s|/var/lib/rsyslog|$root/work|g"
        -e "s|/dev/tty10|$root/dev/tty10|g"
        -e "s|/dev/xconsole|$root/dev/xconsole|g"
        -e "s|/dev/console|$root/dev/console|g"
    )
    if [ "$mode" = run ]; then
        e+=(
            -e '/^\$(FileOwner|FileGroup|PrivDropToUser|PrivDropToGroup|PrivDropToUserID|PrivDropToGroupID)[[:space:]]/d'
            -e '/^\$ModLoad[[:space:]]+imklog/d'
            -e '/^\$klog/Id'
            -e '/^module\(load="imklog"/d'
            -e "s|^(\\\$ModLoad[[:space:]]+imuxsock.*)\$|\\1\\n\$SystemLogSocketName $root/sock|"
            -e "s|^module\\(load=\"imuxsock\"\\)|module(load=\"imuxsock\" SysSock.Name=\"$root/sock\")|"
            -e "s|SysSock\\.Use=\"off\"\\)|SysSock.Name=\"$root/sock\")|"
        )
    fi
    [ "$mode" = check ] || [ "$PRIVJ" = 1 ] || e+=(-e '/^module\(load="imjournal"/,/\)/d')
    sed -E "${e[@]}" "$file"
}

# stage MODE DISTRO WHO: builds $T/DISTRO.WHO.MODE/ (the rewritten tree); prints its path.
stage()
{
    local mode=$1 distro=$2 who=$3 root f
    root=$T/$distro.$who.$mode
    mkdir -p "$root/log" "$root/etc/rsyslog.d" "$root/run" "$root/work" "$root/dev"
    : > "$root/run/additional-log-sockets.conf"
    for f in "$DATA/$distro"/*; do
        case ${f##*/} in
            rsyslog.conf) rewrite "$mode" "$root" "$f" > "$root/rsyslog.conf" ;;
            *) rewrite "$mode" "$root" "$f" > "$root/etc/rsyslog.d/${f##*/}" ;;
        esac
    done
    printf '%s\n' "$root"
}

# check_n1 WHO CONF OUT: -N1 of daemon WHO on CONF, output to OUT; prints the status.
check_n1()
{
    local rc=0
    case $1 in
        rsyslog) timeout -k 20 20 "$RSYSLOGD" -N1 -f "$2" > "$3" 2>&1 || rc=$? ;;
        sluice) timeout -k 20 20 "$SLUICED" -N1 -f "$2" -M "$SLUICE_PLUGIN_DIR" > "$3" 2>&1 || rc=$? ;;
    esac
    printf '%s\n' "$rc"
}

# send_input SOCK: the local input, in order.
send_input()
{
    local sock=$1 i=0 fac sev
    for fac in user mail daemon auth syslog lpr news uucp cron authpriv ftp \
        local0 local1 local2 local3 local4 local5 local6 local7; do
        for sev in alert crit err warning notice info debug; do
            i=$((i + 1))
            logger -u "$sock" -t "test$i" -p "$fac.$sev" "message $i $fac.$sev" || return 1
        done
    done
    logger -u "$sock" -t NetworkManager -p daemon.info '<info> device (eth0): state change' &&
        logger -u "$sock" -t nm-dispatcher -p daemon.notice 'req:1 up eth0' &&
        logger -u "$sock" -t acpid -p daemon.notice 'client connected' &&
        logger -u "$sock" -t acpid -p daemon.info 'starting up' &&
        logger -u "$sock" -t kernel -p user.warning '[UFW BLOCK] IN=eth0 OUT= SRC=192.0.2.1 DST=192.0.2.2 PROTO=TCP' &&
        logger -u "$sock" -t kernel -p user.warning 'filter IN=eth0 OUT=eth1 SRC=192.0.2.3' &&
        logger -u "$sock" -t app -p user.info 'the same line' &&
        logger -u "$sock" -t app -p user.info 'the same line' &&
        logger -u "$sock" -t app -p user.info 'the same line' &&
        logger -u "$sock" -t app -p user.notice 'sentinel: last line'
}

# run_one DISTRO WHO ROOT: runs WHO on ROOT/rsyslog.conf with the input, then stops it.
run_one()
{
    local distro=$1 who=$2 root=$3 pid rpid='' i
    if grep -q "$root/dev/xconsole" "$root/rsyslog.conf"; then
        mkfifo "$root/dev/xconsole"
        cat "$root/dev/xconsole" > "$root/xconsole.out" &
        rpid=$!
        track_pid "$rpid"
    fi
    local journal=0
    grep -q '^module(load="imjournal"' "$root/rsyslog.conf" && journal=1
    mapfile -t cmd < <(DUT=$who dut_cmd "$root/rsyslog.conf")
    if [ "$journal" = 1 ]; then
        in_private_journal "$JOURNAL" "${cmd[@]}" < /dev/null > "$T/$distro.$who.out" 2> "$T/$distro.$who.err" &
    else
        "${cmd[@]}" < /dev/null > "$T/$distro.$who.out" 2> "$T/$distro.$who.err" &
    fi
    pid=$!
    track_pid "$pid"
    for i in $(seq 100); do
        [ -S "$root/sock" ] && break
        kill -0 "$pid" 2> /dev/null || return 1
        sleep 0.1
    done
    [ -S "$root/sock" ] || return 1
    if [ "$journal" = 1 ] && [ -n "$JOURNAL" ]; then
        # the journal's entries first, so that the order in the files does not depend on
        # which input thread is faster
        for i in $(seq 150); do
            grep -rqs "seq $((JOURNAL_N - 1))\$" "$root/log" && break
            sleep 0.1
        done
        if ! grep -rqs "seq $((JOURNAL_N - 1))\$" "$root/log"; then
            log "$distro/$who: the journal's last entry is in no file"
            stop_pid "$pid"
            return 1
        fi
    fi
    send_input "$root/sock" || return 1
    for i in $(seq 150); do
        grep -rqs 'sentinel: last line' "$root/log" && break
        sleep 0.1
    done
    grep -rqs 'sentinel: last line' "$root/log" || log "$distro/$who: the last line is in no file"
    for i in $(seq 100); do
        a=$(find "$root/log" "$root/dev" -type f -exec cat {} + 2> /dev/null | wc -c)
        sleep 0.5
        b=$(find "$root/log" "$root/dev" -type f -exec cat {} + 2> /dev/null | wc -c)
        [ "$a" = "$b" ] && break
    done
    stop_pid "$pid"
    [ -z "$rpid" ] || stop_pid "$rpid" 2
    return 0
}

# strip_time FILE: FILE without the leading time stamp of each line (RFC 3339 or RFC 3164).
strip_time()
{
    sed -E 's/^([0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:.]+(Z|[+-][0-9]{2}:[0-9]{2})|[A-Z][a-z]{2} [ 0-9][0-9] [0-9]{2}:[0-9]{2}:[0-9]{2}) //' "$1"
}

# writers ROOT REL: how many config lines of the tree ROOT write to file ROOT/REL.
writers()
{
    cat "$1/rsyslog.conf" "$1"/etc/rsyslog.d/* 2> /dev/null | grep -v '^[[:space:]]*#' |
        grep -cE "[-[:space:]]$1/$2([[:space:];]|\$)"
}

# compare DISTRO: every file under the two run trees (log/, dev/, the pipe's copy).
compare()
{
    local distro=$1 r=$T/$distro.rsyslog.run s=$T/$distro.sluice.run f rel n=0 bad=0
    while read -r rel; do
        n=$((n + 1))
        if [ ! -f "$s/$rel" ]; then
            log "$distro: $rel: written by rsyslog ($(count_lines "$r/$rel") lines), not by sluice"
            bad=1
            continue
        fi
        strip_time "$r/$rel" > "$T/cmp.r"
        strip_time "$s/$rel" > "$T/cmp.s"
        if ! cmp -s "$T/cmp.r" "$T/cmp.s" && [ "$(writers "$r" "$rel")" -gt 1 ] &&
            cmp -s <(sort "$T/cmp.r") <(sort "$T/cmp.s"); then
            log "$distro: $rel: same lines; it has $(writers "$r" "$rel") actions, whose interleaving follows batch boundaries (in rsyslog too)"
        elif ! cmp -s "$T/cmp.r" "$T/cmp.s"; then
            log "$distro: $rel differs:"
            diff "$T/cmp.r" "$T/cmp.s" | head -n 10 >&2
            bad=1
        fi
    done < <(cd "$r" && find log dev xconsole.out -type f 2> /dev/null | sort)
    while read -r rel; do
        [ -f "$r/$rel" ] || { log "$distro: $rel: written by sluice, not by rsyslog"; bad=1; }
    done < <(cd "$s" && find log dev xconsole.out -type f 2> /dev/null | sort)
    [ "$n" -ge 3 ] || { log "$distro: rsyslog wrote only $n files"; bad=1; }
    [ "$bad" -eq 0 ] && log "$distro: $n files, identical ($(cd "$r" && find log -type f | tr '\n' ' '))"
    return "$bad"
}

for distro in $DISTROS; do
    [ -r "$DATA/$distro/rsyslog.conf" ] || fail "$DATA/$distro/rsyslog.conf missing"

    # 1. the config check on the shipped config (paths moved only)
    if [ "$distro" = rhel9 ] && ! plugin_built imjournal; then
        log "$distro: shipped-config check skipped: sluice was built without imjournal (RHEL 9 loads it)"
    else
        rroot=$(stage check "$distro" rsyslog)
        sroot=$(stage check "$distro" sluice)
        rrc=$(check_n1 rsyslog "$rroot/rsyslog.conf" "$T/$distro.rsyslog.n1")
        src=$(check_n1 sluice "$sroot/rsyslog.conf" "$T/$distro.sluice.n1")
        if [ "$rrc" -eq 0 ] && [ "$src" -ne 0 ]; then
            log "$distro: shipped config: rsyslogd -N1 exits 0, sluiced -N1 exits $src:"
            cat "$T/$distro.sluice.n1" >&2
            FAILED="$FAILED $distro(-N1)"
        elif [ "$rrc" -ne 0 ] && [ "$src" -eq 0 ]; then
            log "$distro: shipped config: rsyslogd -N1 exits $rrc, sluiced -N1 exits 0:"
            cat "$T/$distro.rsyslog.n1" >&2
            FAILED="$FAILED $distro(-N1)"
        else
            log "$distro: shipped config: -N1 exits $rrc (rsyslogd) and $src (sluiced)"
        fi
    fi

    # 2. the run
    rroot=$(stage run "$distro" rsyslog)
    sroot=$(stage run "$distro" sluice)
    rrc=$(check_n1 rsyslog "$rroot/rsyslog.conf" "$T/$distro.rsyslog.runcheck")
    [ "$rrc" -eq 0 ] || { cat "$T/$distro.rsyslog.runcheck" >&2; fail "$distro: rsyslogd -N1 rejects the rewritten config (a defect of this test)"; }
    src=$(check_n1 sluice "$sroot/rsyslog.conf" "$T/$distro.sluice.runcheck")
    if [ "$src" -ne 0 ]; then
        log "$distro: sluiced -N1 exits $src on the rewritten config:"
        cat "$T/$distro.sluice.runcheck" >&2
        FAILED="$FAILED $distro(run-N1)"
        continue
    fi
    run_one "$distro" rsyslog "$rroot" || fail "$distro: rsyslogd did not start or take the input"
    if ! run_one "$distro" sluice "$sroot"; then
        log "$distro: sluiced did not start or take the input"
        FAILED="$FAILED $distro(run)"
        continue
    fi
    compare "$distro" || FAILED="$FAILED $distro(output)"
done

[ -z "$FAILED" ] || fail "differences:$FAILED"
log "PASS"
