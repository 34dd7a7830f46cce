#!/bin/bash
# imkmsg: sluiced reads a file of /dev/kmsg records (the sluice-only Path) and must give
# the properties and $! tree rsyslog 8.2302's imkmsg gives.  The reference is rsyslogd
# itself: in a private mount namespace (root, unshare) a FIFO is bind-mounted over
# /dev/kmsg and the same records are written into it one per write, as the kernel hands
# them out one per read; the lines (all but the time stamps, which rsyslog derives from the
# current time) must be the same bytes.  Without a namespace, the expected lines below
# (from rsyslog's imkmsg source) are checked instead.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"
setup
[ "$DUT" = sluice ] || { log "tests sluice's Path: skipped for DUT=$DUT"; exit 77; }
require_plugin imkmsg
require_cmd cmp mkfifo

RECS=(
    '6,100,5000000,-;hello kernel'
    $'4,101,5100000,-;usb 1-1: new high-speed USB device\n SUBSYSTEM=usb\n DEVICE=c189:1'
    '30,102,5200000,c;systemd[1]: Started foo.service.'
    '3,103,5300000,-,caller=T1;escaped \x1b[0m text'
    '13,105,6000000,-;user space via /dev/kmsg'
)
TPL='template(name="t" type="string" string="%pri%|%syslogtag%|%programname%|%hostname%|%fromhost-ip%|%inputname%|%msg%|%rawmsg%|%$!%\n")'
for r in "${RECS[@]}"; do printf '%s\n' "$r"; done > "$T/records"

# conf WHO OUT [MODPARAMS]
conf()
{
    {
        DUT=$1 dut_global
        printf 'global(localHostname="kmsgtest")\n'
        printf 'module(load="imkmsg" %s)\n%s\n' "${3:-}" "$TPL"
        printf 'if $inputname == "imkmsg" then action(type="omfile" file="%s" template="t")\n' "$2"
        printf 'if $inputname == "imkmsg" then action(type="omfile" file="%s.ts" template="RSYSLOG_FileFormat")\n' "$2"
    }
}
conf sluice "$T/out/s.log" "Path=\"$T/records\"" > "$T/s.conf"
dut_start "$T/s.conf"
wait_lines "$T/out/s.log" 5 15 || fail "sluiced wrote $(count_lines "$T/out/s.log") of 5 records"
wait_stable "$T/out/s.log" 1 5
dut_stop
cat > "$T/expected" <<'XEOF'
6|kernel:|kernel|kmsgtest|127.0.0.1|imkmsg|hello kernel|hello kernel|{ "sequnum": 100, "msg": "hello kernel" }
4|kernel:|kernel|kmsgtest|127.0.0.1|imkmsg|usb 1-1: new high-speed USB device|usb 1-1: new high-speed USB device|{ "sequnum": 101, "msg": "usb 1-1: new high-speed USB device", "SUBSYSTEM": "usb", "DEVICE": "c189:1" }
30|kernel:|kernel|kmsgtest|127.0.0.1|imkmsg|systemd[1]: Started foo.service.|systemd[1]: Started foo.service.|{ "sequnum": 102, "msg": "systemd[1]: Started foo.service." }
3|kernel:|kernel|kmsgtest|127.0.0.1|imkmsg|escaped \x1b[0m text|escaped \x1b[0m text|{ "sequnum": 103, "msg": "escaped \\x1b[0m text" }
13|kernel:|kernel|kmsgtest|127.0.0.1|imkmsg|user space via /dev/kmsg|user space via /dev/kmsg|{ "sequnum": 105, "msg": "user space via \/dev\/kmsg" }
XEOF
if ! cmp -s "$T/expected" "$T/out/s.log"; then
    diff -u "$T/expected" "$T/out/s.log" >&2
    fail "sluiced's lines differ from rsyslog's imkmsg mapping (- expected, + sluice)"
fi
# the time: boot time + the record's microseconds (5.0 s after boot for the first)
boot=$(awk '{ print int(systime() - $1) }' /proc/uptime 2> /dev/null)
ts=$(head -n 1 "$T/out/s.log.ts" | cut -d' ' -f1)
t=$(date -d "$ts" +%s 2> /dev/null)
if [ -n "$boot" ] && [ -n "$t" ]; then
    d=$((t - boot - 5))
    [ "$d" -ge -2 ] && [ "$d" -le 2 ] || fail "time stamp $ts is not boot time + 5 s (off by $d s)"
fi
log "ok: 5 records map as rsyslog's imkmsg does (pri, tag, msg, \$! with properties)"

# bad records: no ';' (counted, dropped), priority above 191 (191), a 9000-byte text (cut at
# 1023 bytes as rsyslog's buffer), continuation lines without '=' - then a good one
{
    printf '6,1,2,-no semicolon here\n'
    printf '999,2,3,-;pri too big\n'
    printf '6,3,4,-;'; head -c 9000 /dev/zero | tr '\0' 'x'; printf '\n'
    printf '6,4,5,-;odd properties\n NOEQUALS\n =\n'
    printf '6,5,6,-;the end\n'
} > "$T/bad"
conf sluice "$T/out/bad.log" "Path=\"$T/bad\"" > "$T/bad.conf"
dut_start "$T/bad.conf"
wait_lines "$T/out/bad.log" 4 15 || fail "bad records: $(count_lines "$T/out/bad.log") of 4 lines"
wait_stable "$T/out/bad.log" 1 5
dut_stop
[ "$DUT_STATUS" -eq 0 ] || fail "sluiced exited with status $DUT_STATUS after bad records"
[ "$(count_lines "$T/out/bad.log")" -eq 4 ] || fail "bad records: $(count_lines "$T/out/bad.log") lines, 4 expected"
grep -q '^191|kernel:|.*|pri too big|' "$T/out/bad.log" || fail "priority 999 not mapped to 191"
[ "$(sed -n 2p "$T/out/bad.log" | cut -d'|' -f7 | wc -c)" -eq 1024 ] || fail "the long text is not cut at 1023 bytes"
grep -q '"NOEQUALS": ""' "$T/out/bad.log" || fail "a property without '=' is not kept with an empty value (rsyslog reads on into the next line there)"
grep -q '|the end|' "$T/out/bad.log" || fail "the record after the bad ones is missing"
log "ok: malformed, oversized and odd records are counted or cut, the input runs on"

if [ "$(id -u)" -ne 0 ] || ! [ -x "$RSYSLOGD" ] || ! unshare --mount --propagation private true 2> /dev/null; then
    log "rsyslogd comparison skipped (needs root and unshare)"
    exit 0
fi
mkfifo "$T/kfifo" || fail "mkfifo failed"
conf rsyslog "$T/out/r.log" > "$T/r.conf"
# shellcheck disable=SC2016  # expanded by the inner shell
unshare --mount --propagation private bash -c '
    mount --bind "$1" /dev/kmsg || exit 3
    exec "$2" -n -iNONE -f "$3"' sh "$T/kfifo" "$RSYSLOGD" "$T/r.conf" \
    < /dev/null > "$T/rsyslog.out" 2> "$T/rsyslog.err" &
rpid=$!
track_pid "$rpid"
{
    for r in "${RECS[@]}"; do
        # one write() per record, as the kernel's one record per read() (bash's printf may
        # write line by line; cat writes a small file at once)
        printf '%s\n' "$r" > "$T/one"
        cat "$T/one"
        sleep 0.2
    done
    wait_lines "$T/out/r.log" 5 10
} > "$T/kfifo"
if ! kill -0 "$rpid" 2> /dev/null; then
    log "rsyslogd comparison skipped: the namespace set-up failed ($(head -c 200 "$T/rsyslog.err"))"
    exit 0
fi
stop_pid "$rpid" 20
if ! cmp -s "$T/out/r.log" "$T/out/s.log"; then
    diff -u "$T/out/r.log" "$T/out/s.log" >&2
    fail "sluiced's lines differ from rsyslogd's imkmsg (- rsyslog, + sluice)"
fi
log "ok: byte-identical with rsyslogd 8.2302's imkmsg reading the same records"
