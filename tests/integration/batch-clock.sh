#!/bin/bash
# timegenerated after a pause: imtcp and imudp read the clock once per read (the frames of
# one read share a receive time, as in rsyslog), so a message that arrives after a pause
# must still get a fresh time: for each input, two messages, then 1.2 s later a third;
# the third's timegenerated is not before the moment it was sent, and the first two are
# not after the moment the third was sent.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"
setup
require_cmd date
new_port tcp
new_port udp
{
    dut_global
    printf 'module(load="imtcp")\nmodule(load="imudp")\n'
    printf 'input(type="imtcp" address="127.0.0.1" port="%s")\n' "$tcp"
    printf 'input(type="imudp" address="127.0.0.1" port="%s")\n' "$udp"
    printf 'template(name="tg" type="string" string="%%timegenerated:::date-rfc3339%% %%msg%%\\n")\n'
    printf 'action(type="omfile" file="%s/out/tg.log" template="tg")\n' "$T"
} > "$T/d.conf"
dut_start "$T/d.conf" tcp "$tcp" udp "$udp"

exec 3<> "/dev/tcp/127.0.0.1/$tcp" || fail "cannot connect to $tcp"
printf '<13>Dec  6 10:00:00 h t: tcp1\n<13>Dec  6 10:00:00 h t: tcp2\n' >&3
printf '<13>Dec  6 10:00:00 h t: udp1' > "/dev/udp/127.0.0.1/$udp"
printf '<13>Dec  6 10:00:00 h t: udp2' > "/dev/udp/127.0.0.1/$udp"
wait_lines "$T/out/tg.log" 4 10 || fail "the first messages did not arrive"
sleep 1.2
t_send=$(date +%s.%N)
printf '<13>Dec  6 10:00:00 h t: tcp3\n' >&3
printf '<13>Dec  6 10:00:00 h t: udp3' > "/dev/udp/127.0.0.1/$udp"
wait_lines "$T/out/tg.log" 6 10 || fail "the last messages did not arrive"
exec 3>&-
dut_stop

# tg TAG: timegenerated of the line whose msg is TAG, in seconds since the epoch
tg()
{
    local ts
    ts=$(awk -v m=" $1" '$0 ~ m "$" { print $1; exit }' "$T/out/tg.log")
    [ -n "$ts" ] || fail "no line for $1"
    date -d "$ts" +%s.%N
}
for p in tcp udp; do
    late=$(tg "${p}3")
    awk -v a="$late" -v b="$t_send" 'BEGIN { exit !(a + 0.001 >= b) }' ||
        fail "$p: timegenerated $late of the message after the pause is before it was sent ($t_send)"
    for i in 1 2; do
        early=$(tg "$p$i")
        awk -v a="$early" -v b="$t_send" 'BEGIN { exit !(a < b) }' ||
            fail "$p: timegenerated $early of message $i is not before the pause ended ($t_send)"
    done
done
log "ok"
