#!/bin/bash
# uxsock-activation.sh - socket activation: systemd-socket-activate (the service manager's
# protocol: LISTEN_PID/LISTEN_FDS, fds from 3) creates two unix datagram sockets, starts
# sluiced on the first datagram, and sluiced must use both passed sockets - the system
# socket (SysSock.Name) and an input(Socket=) - instead of making new ones: the socket files
# keep their inodes, logger's messages (including the one that triggered the start) arrive,
# and sluiced says "Acquired UNIX socket".  Skipped (exit 77) without systemd-socket-activate.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/../integration/lib.sh"
setup
require_cmd logger
command -v systemd-socket-activate > /dev/null 2>&1 || { log "SKIP: no systemd-socket-activate"; exit 77; }
[ "$DUT" = sluice ] || { log "SKIP: sluice only"; exit 77; }

sys=$T/sys.sock in=$T/in.sock out=$T/out/messages.log
{
    dut_global
    printf 'module(load="imuxsock" SysSock.Name="%s")\n' "$sys"
    printf 'input(type="imuxsock" Socket="%s")\n' "$in"
    printf 'action(type="omfile" file="%s" template="RSYSLOG_TraditionalFileFormat")\n' "$out"
} > "$T/dut.conf"

DUT_ERR=$T/dut.err
systemd-socket-activate --datagram -l "$sys" -l "$in" -- \
    "$SLUICED" -n -iNONE -f "$T/dut.conf" -M "$SLUICE_PLUGIN_DIR" < /dev/null > "$T/dut.out" 2>> "$DUT_ERR" &
DUT_PID=$!
track_pid "$DUT_PID"
for i in $(seq 100); do
    [ -S "$sys" ] && [ -S "$in" ] && break
    sleep 0.1
done
[ -S "$sys" ] && [ -S "$in" ] || fail "systemd-socket-activate did not create the sockets"
ino_sys=$(stat -c %i "$sys") ino_in=$(stat -c %i "$in")

# this datagram starts sluiced; it waits in the socket meanwhile
timeout -k 20 10 logger -u "$sys" -t first "starts the daemon" || fail "logger failed"
wait_lines "$out" 1 15 || fail "the activating message did not arrive"
timeout -k 20 10 logger -u "$in" -t second "into the passed input socket" || fail "logger failed"
timeout -k 20 10 logger -u "$sys" -t third "system socket again" || fail "logger failed"
wait_lines "$out" 3 15 || fail "not all messages arrived"
grep -q ' first: starts the daemon$' "$out" || fail "first message wrong: $(cat "$out")"
grep -q ' second: into the passed input socket$' "$out" || fail "second message wrong"
grep -q ' third: system socket again$' "$out" || fail "third message wrong"
[ "$(stat -c %i "$sys")" = "$ino_sys" ] || fail "system socket was re-created"
[ "$(stat -c %i "$in")" = "$ino_in" ] || fail "input socket was re-created"
grep -q "Acquired UNIX socket '$sys'" "$DUT_ERR" || fail "no 'Acquired UNIX socket' for $sys"
grep -q "Acquired UNIX socket '$in'" "$DUT_ERR" || fail "no 'Acquired UNIX socket' for $in"
dut_stop
[ "$DUT_STATUS" -eq 0 ] || fail "sluiced exited with status $DUT_STATUS"
# passed sockets belong to the service manager: not removed
[ -S "$sys" ] || fail "passed socket removed at exit"
log "ok: both passed sockets used, 3 messages arrived"
