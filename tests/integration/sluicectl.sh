#!/bin/bash
# sluicectl (issue 17): the control socket is 0600 and owned by the daemon's user;
# `stats` shows the counts of 100 messages (text and --json); `reopen` makes omfile write
# to a new file after the old one was renamed; a request over 4 KiB, one that is no text
# and an unknown command are refused (exit 1) and the daemon answers on; no socket: exit 3.
# sluice-only.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"
setup
[ "$DUT" = sluice ] || { log "SKIP: sluice-only"; exit 77; }
# shellcheck source=tests/integration/lib-sluicectl.sh
. "$(dirname "$0")/lib-sluicectl.sh"
new_port tcp
out=$T/out/all.log
{
    printf 'global(workDirectory="%s" sluice.controlSocket="%s")\n' "$T" "$CTL"
    printf 'module(load="imtcp")\n'
    printf 'input(type="imtcp" address="127.0.0.1" port="%s" name="t1")\n' "$tcp"
    printf 'action(type="omfile" name="all" file="%s")\n' "$out"
} > "$T/dut.conf"
dut_start "$T/dut.conf" tcp "$tcp"
for i in $(seq 50); do [ -S "$CTL" ] && break; sleep 0.1; done
[ -S "$CTL" ] || fail "no control socket at $CTL"
[ "$(stat -c %a "$CTL")" = 600 ] || fail "socket mode $(stat -c %a "$CTL"), not 600"
[ "$(stat -c %u "$CTL")" = "$(id -u)" ] || fail "socket not owned by uid $(id -u)"
log "ok: socket is 0600, owned by the daemon's user"

ctl version | grep -q '^sluiced ' || fail "version: no answer"
for i in $(seq 100); do printf '<13>Dec  6 10:00:00 h t: msg %d\n' "$i"; done > "/dev/tcp/127.0.0.1/$tcp"
wait_lines "$out" 100 15 || fail "100 messages not written"
ctl stats > "$T/stats.txt" || fail "stats exit $?"
grep -q '^all: origin=core.action processed=100 ' "$T/stats.txt" ||
    { cat "$T/stats.txt" >&2; fail "stats: action 'all' has not processed=100"; }
grep -q '^t1(.*: origin=imtcp submitted=100$' "$T/stats.txt" ||
    { cat "$T/stats.txt" >&2; fail "stats: input t1 has not submitted=100"; }
ctl stats --json > "$T/stats.json" || fail "stats --json exit $?"
grep -q '^{"name":"all","origin":"core.action","processed":100,' "$T/stats.json" ||
    { cat "$T/stats.json" >&2; fail "stats --json: action 'all' has not processed 100"; }
log "ok: stats after 100 messages"

mv "$out" "$out.1"
printf '<13>Dec  6 10:00:00 h t: before reopen\n' > "/dev/tcp/127.0.0.1/$tcp"
wait_lines "$out.1" 101 10 || fail "the renamed file did not get the next line"
ctl reopen | grep -q '^ok' || fail "reopen not ok"
printf '<13>Dec  6 10:00:00 h t: after reopen\n' > "/dev/tcp/127.0.0.1/$tcp"
wait_lines "$out" 1 10 || fail "reopen: no new $out"
grep -q 'after reopen' "$out" || fail "reopen: the new file lacks the line"
grep -q 'after reopen' "$out.1" && fail "reopen: the line still went to the old file"
log "ok: reopen"

long=$(head -c 5000 /dev/zero | tr '\0' a)
ctl "$long" > /dev/null 2> "$T/long.err"; rc=$?
[ "$rc" -eq 1 ] || fail "request over 4 KiB: exit $rc, not 1"
grep -q 'longer than 4096' "$T/long.err" || fail "request over 4 KiB: no reason given"
ctl "$(printf 'sta\001ts')" > /dev/null 2> "$T/bin.err"; rc=$?
[ "$rc" -eq 1 ] && grep -q 'not a line of text' "$T/bin.err" || fail "binary request: exit $rc"
ctl frobnicate > /dev/null 2> "$T/unk.err"; rc=$?
[ "$rc" -eq 1 ] && grep -q 'unknown command' "$T/unk.err" || fail "unknown command: exit $rc"
# a client that sends half a line and nothing more does not stop the others
if command -v socat > /dev/null; then
    timeout -k 20 3 socat -u - "UNIX-CONNECT:$CTL" < <(sleep 2) > /dev/null 2>&1 &
    sleep 0.3
fi
ctl version | grep -q '^sluiced ' || fail "no answer after the refused requests"
dut_alive || fail "daemon died"
log "ok: bad requests refused, daemon answers on"

"$SLUICECTL" -s "$T/nonexistent.ctl" version 2> /dev/null; rc=$?
[ "$rc" -eq 3 ] || fail "no socket: exit $rc, not 3"
dut_stop
[ "$DUT_STATUS" -eq 0 ] || fail "exit status $DUT_STATUS"
[ -e "$CTL" ] && fail "socket left behind at exit"
log "ok"
