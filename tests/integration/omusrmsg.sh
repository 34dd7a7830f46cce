#!/bin/bash
# omusrmsg: messages to the terminals of logged-in users, read from a private utmp file
# (tests/tools/mkutmp) with the terminals as fifos in the scratch directory (sluice-only
# module parameters sluice.utmpFile / sluice.devDir): the real utmp and ttys are never
# touched.  Checks the user selection (":omusrmsg:alice", users="bob, carol", "*" for
# everybody; LOGIN and dead entries skipped), rsyslog's default templates (" StdUsrMsgFmt",
# " WallFmt") byte for byte, and that a user list action with template= uses it.
# sluice-only: rsyslogd cannot be pointed at a private utmp.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"
setup
[ "$DUT" = sluice ] || { log "sluice-only test: skipped for DUT=$DUT"; exit 77; }
MKUTMP=${MKUTMP:-$top_builddir/tests/tools/mkutmp}
[ -x "$MKUTMP" ] || fail "$MKUTMP not built"
require_cmd mkfifo cat

dev=$T/dev
mkdir -p "$dev/pts"
# Each terminal is a fifo read by cat; a sleeping writer holds it open, so cat does not
# see the end of the file each time sluiced closes the terminal after a message (a fifo
# without a reader would make the next O_NONBLOCK open fail).
cats=()
holders=()
for t in pts/1 pts/2 pts/3 pts/4 tty5; do
    mkfifo "$dev/$t" || fail "mkfifo failed"
    cat "$dev/$t" > "$T/out/${t//\//_}.txt" &
    cats+=($!)
    track_pid $!
    sleep 300 > "$dev/$t" &
    holders+=($!)
    track_pid $!
done
# alice on pts/1 and tty5, bob on pts/2, a LOGIN entry on pts/3, a dead session of carol
# on pts/4
"$MKUTMP" "$T/utmp" user:alice:pts/1 user:bob:pts/2 login:LOGIN:pts/3 dead:carol:pts/4 \
    user:alice:tty5 || fail "mkutmp failed"

new_port port
{
    dut_global
    printf 'module(load="builtin:omusrmsg" sluice.utmpFile="%s/utmp" sluice.devDir="%s/")\n' "$T" "$dev"
    printf 'module(load="imtcp")\n'
    printf 'input(type="imtcp" address="127.0.0.1" port="%s")\n' "$port"
    printf 'template(name="t" type="string" string="T:%%msg%%\\n")\n'
    printf ':msg, contains, "to-alice" :omusrmsg:alice\n'
    printf ':msg, contains, "to-bob-carol" action(type="omusrmsg" users="bob, carol" template="t")\n'
    printf ':msg, contains, "to-all" *\n'
    printf 'action(type="omfile" file="%s/out/all.log")\n' "$T"
} > "$T/usrmsg.conf"
dut_start "$T/usrmsg.conf" tcp "$port"
printf '%s\n' '<13>Mar  1 10:00:00 h1 app[1]: to-alice one' \
    '<13>Mar  1 10:00:01 h1 app[2]: to-bob-carol two' \
    '<8>Mar  1 10:00:02 h2 kern: to-all three' > "$T/in.txt"
flood -p "$port" -t tcp -i "$T/in.txt" || fail "sending failed"
wait_lines "$T/out/all.log" 3 20 || fail "the messages did not arrive"
dut_stop
[ "$DUT_STATUS" -eq 0 ] || fail "sluiced exited with status $DUT_STATUS"
for pid in "${holders[@]}"; do
    stop_pid "$pid" 5
done
for pid in "${cats[@]}"; do  # the readers end once the last writer closed the fifo
    wait_pid_exit "$pid" 10 || fail "a terminal reader did not finish"
done

wall_re=$'^\r\n\aMessage from syslogd@h2 at [A-Z][a-z][a-z] [ 0-9][0-9] [0-9:]{8} \\.\\.\\.\r\n kern: to-all three\n\r$'
# check_wall NAME PREFIX: terminal NAME got exactly PREFIX, then the wall message.
check_wall()
{
    local got
    got=$(cat "$T/out/$1.txt"; printf x)
    got=${got%x}
    [ "${got:0:${#2}}" = "$2" ] || { od -c "$T/out/$1.txt" >&2; fail "$1: first message not as expected"; }
    got=${got:${#2}}
    [[ $got =~ $wall_re ]] || { od -c "$T/out/$1.txt" >&2; fail "$1: wall message not in WallFmt"; }
}
# alice: her message (StdUsrMsgFmt) then the wall message, on both her terminals
check_wall pts_1 $' app[1]: to-alice one\n\r'
check_wall tty5 $' app[1]: to-alice one\n\r'
# bob: his message with template t, then the wall message
check_wall pts_2 $'T: to-bob-carol two\n'
for t in pts_3 pts_4; do
    [ ! -s "$T/out/$t.txt" ] || fail "$t (LOGIN or dead entry) got a message"
done
log "ok: user lists, wall, LOGIN/dead entries skipped, StdUsrMsgFmt/WallFmt/template= as rsyslog"
