#!/bin/bash
# Privilege drop (runs as root only; exit 77 otherwise): the daemon opens its inputs as root
# (a port below 1024), then runs as privDrop.user / privDrop.group, so the files it creates
# afterwards belong to that user.  Checked for legacy names ($PrivDropToUser/Group), for
# numeric ids (global privDrop.*.id), for a group-only drop with and without
# privDrop.group.keepSupplemental, for an output path the user cannot write (reported at
# start, the daemon runs on), and for an unknown user name (configuration error).
# The user is "nobody" with its primary group.
# shellcheck source=tests/daemon/lib-daemon.sh
. "$(dirname "$0")/lib-daemon.sh"
setup
require_cmd logger setpriv getent id stat
[ "$(id -u)" -eq 0 ] || { log "not root: privilege drop not testable"; exit 77; }
user=nobody
uid=$(id -u "$user") || fail "no user $user"
gid=$(id -g "$user") || fail "no group id for $user"
group=$(getent group "$gid" | cut -d: -f1)
[ -n "$group" ] || fail "group $gid of $user has no name"
# shellcheck disable=SC2046  # one word per group wanted
want_groups=$(sorted_words $(id -G "$user"))
chmod 0777 "$T/out" || fail "cannot chmod $T/out"
setpriv --reuid="$uid" --regid="$gid" --clear-groups test -w "$T/out" ||
    { log "$T/out not reachable for $user (a parent directory is closed): not testable here"; exit 77; }

# low_port VAR: a free port below 1024 on 127.0.0.1 (bounded tries)
low_port()
{
    local i p
    for i in $(seq 200); do
        p=$((600 + RANDOM % 400))
        port_in_use "$p" && continue
        printf -v "$1" '%s' "$p"
        return 0
    done
    fail "no free port below 1024"
}

# drop_case NAME WANT_UID WANT_GID WANT_GROUPS LINE...: starts the daemon with the config
# lines, checks /proc/PID/status and the owner of the file written after the drop.
drop_case()
{
    local name=$1 wuid=$2 wgid=$3 wgroups=$4 port out pid got_groups owner
    shift 4
    low_port port
    out=$T/out/$name.log
    dm_udp_conf "$T/$name.conf" "$port" "$out" "$@"
    dm_start_fg "$name" -f "$T/$name.conf" -iNONE
    pid=$DM_PID
    wait_port udp "$port" 15 || fail "$name: not listening on udp $port (below 1024)"
    wait_grep "$out" "'s (user|group)id changed to" 10 || true
    [ "$(status_field "$pid" Uid)" = "$wuid $wuid $wuid $wuid" ] ||
        fail "$name: Uid is '$(status_field "$pid" Uid)', expected $wuid everywhere"
    [ "$(status_field "$pid" Gid)" = "$wgid $wgid $wgid $wgid" ] ||
        fail "$name: Gid is '$(status_field "$pid" Gid)', expected $wgid everywhere"
    # shellcheck disable=SC2046  # word splitting wanted
    got_groups=$(sorted_words $(status_field "$pid" Groups))
    [ "$got_groups" = "$wgroups" ] || fail "$name: supplementary groups '$got_groups', expected '$wgroups'"
    send_logger "$port" udp "written after the drop" -t droptest
    wait_grep "$out" 'droptest:? written after the drop$' 10 || fail "$name: message not written"
    owner=$(stat -c '%u:%g' "$out")
    [ "$owner" = "$wuid:$wgid" ] || fail "$name: $out owned by $owner, expected $wuid:$wgid"
    if [ "$wuid" != 0 ]; then
        grep -q -E "'s userid changed to $wuid\$" "$out" || fail "$name: no 'userid changed' message"
    fi
    if [ "$wgid" != 0 ]; then
        grep -q -E "'s groupid changed to $wgid\$" "$out" || fail "$name: no 'groupid changed' message"
    fi
    DROP_PID=$pid
    log "ok: $name: uid $wuid gid $wgid groups '$got_groups', $out owned by $owner"
}

# stop_drop: SIGTERM to the last drop_case daemon; it must exit 0 (the dropped process too)
stop_drop()
{
    local rc=0
    kill -TERM "$DROP_PID" 2> /dev/null
    wait_pid_exit "$DROP_PID" 30 || fail "no exit within 30 s of SIGTERM"
    wait "$DROP_PID" || rc=$?
    [ "$rc" -eq 0 ] || fail "exit status $rc after SIGTERM"
}

drop_case names "$uid" "$gid" "$want_groups" "\$PrivDropToUser $user" "\$PrivDropToGroup $group"
stop_drop

drop_case ids "$uid" "$gid" "$want_groups" \
    "global(privDrop.user.id=\"$uid\" privDrop.group.id=\"$gid\")"
stop_drop

# group only: the daemon starts with supplementary groups 4 and 24 (setpriv), which the
# drop removes unless keepSupplemental is on
DM_WRAP=(setpriv '--groups=4,24')
drop_case group-only 0 "$gid" "" "global(privDrop.group.name=\"$group\")"
stop_drop
drop_case keep-supplemental 0 "$gid" "4 24" \
    "global(privDrop.group.name=\"$group\" privDrop.group.keepSupplemental=\"on\")"
stop_drop
DM_WRAP=()

# a path the dropped user cannot create: reported at start, the rest works
mkdir -p "$T/closed"
chmod 0755 "$T/closed"
# (its own action queue: while it is suspended the other action must not wait for it)
drop_case unwritable "$uid" "$gid" "$want_groups" "\$PrivDropToUser $user" "\$PrivDropToGroup $group" \
    "action(type=\"omfile\" file=\"$T/closed/sub/never.log\" queue.type=\"LinkedList\")"
kill -0 "$DROP_PID" 2> /dev/null || fail "unwritable: daemon exited"
if is_sluice; then
    grep -q -F "cannot create $T/closed/sub/never.log: directory $T/closed is not writable by uid $uid" \
        "$T/unwritable.err" || fail "unwritable path not reported at start: $(cat "$T/unwritable.err")"
    grep -q -F "cannot create $T/closed/sub/never.log" "$T/out/unwritable.log" ||
        fail "unwritable path not reported in the log"
fi
[ ! -e "$T/closed/sub" ] || fail "the dropped daemon created $T/closed/sub"
stop_drop
log "ok: unwritable output path reported, daemon ran on"

# unknown user: a configuration error for -N1 and for a start
new_port port
dm_udp_conf "$T/unknown.conf" "$port" "$T/out/unknown.log" 'global(privDrop.user.name="no-such-user-sluice")'
dm_run unknown-check 20 -N1 -f "$T/unknown.conf"
[ "$DM_RC" -eq 1 ] || fail "-N1 with an unknown user: exit $DM_RC, expected 1"
grep -q 'no-such-user-sluice' "$T/unknown-check.err" || fail "-N1 does not name the unknown user"
if is_sluice; then
    grep -q -F "unknown.conf:3: error: privDrop.user.name: user 'no-such-user-sluice' could not be found" \
        "$T/unknown-check.err" || fail "unexpected -N1 message: $(cat "$T/unknown-check.err")"
    dm_run unknown-start 20 -n -iNONE -f "$T/unknown.conf"
    [ "$DM_RC" -eq 1 ] || fail "start with an unknown user: exit $DM_RC, expected 1"
fi
log "ok: unknown user rejected"
