#!/bin/bash
# Messages inputs build themselves (ABI 1.4 msg_set_fields: imklog here) come back from the
# disk spool identical: the same rules write every property of each message (jsonmesg
# included) through a direct action and through an action with a Disk queue (every message
# serialised to the spool and read back); the two files must be byte for byte the same, for
# imklog's kernel lines with ParseKernelTimestamp on (timereported and timegenerated in the
# past).  Then a restart: sluiced is stopped with the records still spooled (the Disk-queued
# action cannot write: its directory is a plain file) and started again with the way clear;
# what comes out of the spool of the earlier run is again the same as that run's direct copy.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"
setup
[ "$DUT" = sluice ] || { log "sluice's spool records: skipped for DUT=$DUT"; exit 77; }

props='TS=%timereported:::date-rfc3339% TG=%timegenerated:::date-rfc3339% T3=%timestamp% H=%hostname% FH=%fromhost% FHIP=%fromhost-ip% PRI=%pri% PT=%pri-text% F=%syslogfacility-text% S=%syslogseverity-text% TAG=%syslogtag% PN=%programname% APP=%app-name% PID=%procid% MID=%msgid% SD=%structured-data% V=%protocol-version% IN=%inputname% MSG=|%msg%| RAW=|%rawmsg%| J=%jsonmesg%\n'
printf '%s\n' '<6>[   12.345678] usb 1-1: new high-speed USB device number 2' \
    '<3>plain error without stamp' \
    '<14>[    1.000000] user-level facility' \
    'no pri at all' \
    '<6><30>systemd[1]: second PRI' \
    '<7>[bad stamp] text' \
    '<6>[    2.000000] tab	inside' > "$T/kmsg"
n=7

# conf FILE OUTDIR: the direct copy in OUTDIR/direct, the spooled one in OUTDIR/spooled
conf()
{
    {
        printf 'global(workDirectory="%s")\n' "$T"
        printf 'module(load="imklog" LogPath="%s/kmsg" ParseKernelTimestamp="on" PermitNonKernelFacility="on")\n' "$T"
        printf 'template(name="props" type="string" string="%s")\n' "${props//\"/\\\"}"
        printf 'action(type="omfile" file="%s/direct" template="props")\n' "$2"
        printf 'action(type="omfile" file="%s/spooled" template="props" queue.type="Disk" queue.filename="spq")\n' "$2"
    } > "$1"
}

mkdir -p "$T/a"
conf "$T/a.conf" "$T/a"
dut_start "$T/a.conf"
wait_lines "$T/a/direct" "$n" 15 || fail "the kernel lines did not arrive"
wait_lines "$T/a/spooled" "$n" 15 || fail "the kernel lines did not come out of the spool"
dut_stop
[ "$DUT_STATUS" -eq 0 ] || fail "sluiced exited with status $DUT_STATUS"
[ "$(count_lines "$T/a/spooled")" -eq "$n" ] || fail "$(count_lines "$T/a/spooled") spooled lines, want $n"
cmp "$T/a/direct" "$T/a/spooled" || { diff "$T/a/direct" "$T/a/spooled" | head -20; fail "the spooled messages differ"; }
grep -q 'TAG=kernel: PN=kernel APP=kernel' "$T/a/direct" || fail "no kernel tag: $(head -1 "$T/a/direct")"

# restart: the spooled action's directory is a plain file, so its records stay in the spool
# (the action is suspended and retries, also as root); after the restart the directory
# exists and the records of the previous run come out - identical to its direct copy
mkdir -p "$T/b"
conf "$T/b.conf" "$T/b/missing"
sed -i 's/queue.filename="spq"/queue.filename="spq2" action.resumeInterval="1"/' "$T/b.conf"
sed -i "s#file=\"$T/b/missing/direct\"#file=\"$T/b/direct\"#" "$T/b.conf"
: > "$T/b/missing"
dut_start "$T/b.conf"
wait_lines "$T/b/direct" "$n" 15 || fail "the kernel lines did not arrive (run 2)"
sleep 1
dut_stop
[ "$DUT_STATUS" -eq 0 ] || fail "sluiced exited with status $DUT_STATUS (run 2)"
ls "$T"/spq2* > /dev/null 2>&1 || fail "no spool files left after the stop"
rm -f "$T/b/missing"
mkdir -p "$T/b/missing"
: > "$T/kmsg"      # nothing new from the kernel: only the spool's records come out
dut_start "$T/b.conf"
wait_lines "$T/b/missing/spooled" "$n" 20 || fail "the spooled records did not come back after the restart"
dut_stop
cmp "$T/b/direct" "$T/b/missing/spooled" || { diff "$T/b/direct" "$T/b/missing/spooled" | head -20; fail "the records restored after the restart differ"; }
log "ok: $n built messages identical through the spool, also across a restart"
