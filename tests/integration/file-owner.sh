#!/bin/bash
# File ownership and modes as Debian's rsyslog.conf sets them ($FileOwner root, $FileGroup
# adm, $FileCreateMode 0640, $DirCreateMode 0755 on legacy actions) and per action
# (fileGroup=, fileCreateMode=): sluiced must create the files with the same owner, group
# and mode as rsyslogd does for the same config.  Needs root (chown).
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"
setup
[ "$(id -u)" -eq 0 ] || { log "needs root to chown: skipped"; exit 77; }
getent group adm > /dev/null || { log "no group adm on this machine: skipped"; exit 77; }

# run_one WHO(sluice|rsyslog) DIR: the config through one daemon, one message in.
run_one()
{
    local who=$1 dir=$2 port pid
    new_port port
    mkdir -p "$dir"
    {
        printf 'global(workDirectory="%s")\n' "$dir"
        printf 'module(load="imudp")\n'
        printf 'input(type="imudp" address="127.0.0.1" port="%s")\n' "$port"
        printf '$FileOwner root\n$FileGroup adm\n$FileCreateMode 0640\n$DirCreateMode 0755\n'
        printf '$Umask 0022\n'
        printf '*.* -%s/legacy/syslog\n' "$dir"
        printf '*.* action(type="omfile" file="%s/rs/plain.log")\n' "$dir"
        printf '*.* action(type="omfile" file="%s/rs/grouped.log" fileGroup="adm" fileCreateMode="0604")\n' "$dir"
    } > "$dir/conf"
    if [ "$who" = sluice ]; then
        "$SLUICED" -n -iNONE -f "$dir/conf" -M "$SLUICE_PLUGIN_DIR" 2> "$dir/err" &
    else
        "$RSYSLOGD" -n -iNONE -f "$dir/conf" 2> "$dir/err" &
    fi
    pid=$!
    track_pid "$pid"
    wait_port udp "$port" 15 || fail "$who does not listen"
    logger -n 127.0.0.1 -P "$port" -d -t owner "ownership check"
    wait_lines "$dir/rs/grouped.log" 1 10 || fail "$who wrote nothing"
    wait_lines "$dir/legacy/syslog" 1 10 || fail "$who did not write the legacy file"
    stop_pid "$pid"
}

run_one rsyslog "$T/r"
run_one sluice "$T/s"
for f in legacy legacy/syslog rs rs/plain.log rs/grouped.log; do
    want=$(stat -c '%U:%G %a' "$T/r/$f")
    got=$(stat -c '%U:%G %a' "$T/s/$f")
    [ "$want" = "$got" ] || fail "$f: rsyslog made it $want, sluiced $got"
    log "ok: $f $got (as rsyslog)"
done
