#!/bin/bash
# imptcp-unix.sh - imptcp's path= (a unix stream socket) against rsyslogd 8.2302's imptcp,
# the daemons one after the other, each with its own sockets:
#   "ux"    path= unlink="on" fileCreateMode="0660" (fileOwner="nobody" as root), where a
#           stale regular file lies: unlink removes it, the socket is made with that mode
#           (and owner) and removed again at shutdown;
#   "stale" path= without unlink where a regular file lies: bind() fails, the error is
#           logged, that listener does not run, the file stays, the rest runs;
#   "keep"  path= without unlink, fileCreateMode="0600" fileGroupNum="0": made, and left
#           in place at shutdown;
# Two connections (LF-framed lines of mixed.txt, then octet-counted frames) go to "ux";
# the written lines (%hostname%, %fromhost% of a unix peer, tag, msg, inputname) must be
# equal byte for byte, and so must the socket's mode and owner; the input's impstats set
# is named "NAME(*/PATH/IPv4)" in both.  %fromhost-ip% is garbage
# in rsyslog 8.2302 (tests/diff/DIVERGENCES.md): sluice's must be 127.0.0.1.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/../integration/lib.sh"
setup
require_plugin imptcp
require_cmd socat cmp stat
[ -x "$RSYSLOGD" ] || fail "$RSYSLOGD not installed"
# sun_path holds 107 bytes: a distcheck build directory can be longer, so the sockets live
# in a short private directory removed on exit
S=$(mktemp -d /tmp/sl-ux.XXXXXX) || fail "mktemp"
trap 'rc=$?; rm -rf "$S"; (exit $rc); cleanup' EXIT
data=$top_srcdir/tests/diff/data/mixed.txt
printf '%s' '29 <13>Mar  1 00:00:09 h1 a: one29 <13>Mar  1 00:00:09 h1 b: two' > "$T/octet"
want=$(($(wc -l < "$data") + 2))
owner=
[ "$(id -u)" -eq 0 ] && id nobody > /dev/null 2>&1 && owner='fileOwner="nobody"'

for who in rsyslog sluice; do
    echo stale > "$S/$who.ux"
    echo keep > "$S/$who.stale"
    cat > "$T/$who.conf" << EOF
global(workDirectory="$T/out")
module(load="impstats" interval="1" log.file="$T/$who.stats" log.syslog="off")
module(load="imptcp")
input(type="imptcp" path="$S/$who.ux" unlink="on" fileCreateMode="0660" $owner name="ux")
input(type="imptcp" path="$S/$who.stale" name="stale")
input(type="imptcp" path="$S/$who.keep" fileCreateMode="0600" fileGroupNum="0" name="keep")
template(name="t" type="string"
         string="%hostname%|%fromhost%|%syslogtag%%msg%|%inputname%\\n")
template(name="ip" type="string" string="%fromhost-ip%\\n")
if \$inputname == "ux" then {
    action(type="omfile" file="$T/out/$who.log" template="t")
    action(type="omfile" file="$T/out/$who.ip" template="ip")
}
EOF
    mapfile -t cmd < <(DUT=$who dut_cmd "$T/$who.conf")
    "${cmd[@]}" < /dev/null > /dev/null 2> "$T/$who.err" &
    pid=$!
    track_pid "$pid"
    for i in $(seq 150); do
        [ -S "$S/$who.ux" ] && break
        kill -0 "$pid" 2> /dev/null || break
        sleep 0.1
    done
    [ -S "$S/$who.ux" ] || { cat "$T/$who.err" >&2; fail "$who made no socket $S/$who.ux"; }
    stat -c '%a %U' "$S/$who.ux" > "$T/$who.mode"
    stat -c '%a %g' "$S/$who.keep" >> "$T/$who.mode" || fail "$who made no socket $who.keep"
    timeout -k 20 5 socat -u "OPEN:$data" "UNIX-CONNECT:$S/$who.ux" || fail "socat to $who (lines)"
    timeout -k 20 5 socat -u "OPEN:$T/octet" "UNIX-CONNECT:$S/$who.ux" || fail "socat to $who (octet)"
    wait_lines "$T/out/$who.log" "$want" 15 ||
        fail "$who wrote $(count_lines "$T/out/$who.log") of $want lines"
    kill -0 "$pid" 2> /dev/null || fail "$who exited"
    set="ux(*/$S/$who.ux/IPv4): origin=imptcp submitted="
    for i in $(seq 50); do
        grep -qF "$set" "$T/$who.stats" 2> /dev/null && break
        sleep 0.1
    done
    grep -qF "$set" "$T/$who.stats" || fail "$who has no counter set $set"
    [ -f "$S/$who.stale" ] && [ "$(cat "$S/$who.stale")" = keep ] ||
        fail "$who replaced the existing file of the listener without unlink"
    stop_pid "$pid"
    [ ! -e "$S/$who.ux" ] || fail "$who left its socket file (unlink=\"on\") at shutdown"
    [ -S "$S/$who.keep" ] || fail "$who removed the socket file of \"keep\" (no unlink)"
done
grep -q 'binding unix socket' "$T/sluice.err" ||
    { cat "$T/sluice.err" >&2; fail "sluiced did not log the failed bind of \"stale\""; }
if ! cmp -s "$T/rsyslog.mode" "$T/sluice.mode"; then
    fail "socket mode/owner: rsyslog $(cat "$T/rsyslog.mode"), sluice $(cat "$T/sluice.mode")"
fi
if ! cmp -s "$T/out/rsyslog.log" "$T/out/sluice.log"; then
    diff "$T/out/rsyslog.log" "$T/out/sluice.log" >&2
    fail "the lines received on the unix socket differ"
fi
[ "$(sort -u "$T/out/sluice.ip")" = 127.0.0.1 ] || fail "sluice's %fromhost-ip% is not 127.0.0.1"
log "ok: $want lines identical to rsyslogd's, sockets $(tr '\n' ' ' < "$T/sluice.mode")stale file kept"
