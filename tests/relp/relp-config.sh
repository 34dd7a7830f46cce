#!/bin/bash
# relp-config: imrelp's start and stop, and a broken listener.
#  1. Ten times: start the daemon with an imrelp input and send SIGTERM as soon as the
#     port listens (or 0.05 s after the start, before it may listen): it exits within 5 s
#     each time (librelp's epoll loop is interrupted, also when stop() comes first).
#  2. tls.mycert without tls.myprivkey on one imrelp input, a good input beside it: as
#     rsyslogd 8.2302, the daemon logs "certificate file given but no corresponding private
#     key file" and runs; the good input receives (sent by rsyslogd's omrelp).
#  3. module(load="imrelp" ruleset="in") is the ruleset of an input without ruleset=.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/../integration/lib.sh"
# shellcheck source=tests/relp/lib-relp.sh
. "$(dirname "$0")/lib-relp.sh"
setup
require_cmd socat
relp_require

new_port p1
relp_recv_conf "$T/ss" "$p1" '%msg%\n'
for i in $(seq 10); do
    relp_start "$DUT" "$T/ss/recv.conf" startstop
    pid=$STARTED_PID
    if [ $((i % 2)) -eq 0 ]; then
        wait_port tcp "$p1" 15 || fail "round $i: no listener on $p1"
    else
        sleep 0.05
    fi
    kill -TERM "$pid"
    wait_pid_exit "$pid" 5 || fail "round $i: $DUT did not exit within 5 s of SIGTERM"
    wait "$pid" 2> /dev/null
    wait_port_closed "$p1" 5 || fail "round $i: port $p1 still open"
done
log "10 start/stop rounds, each exited within 5 s"

new_port pgood
new_port pbad
new_port pin
relp_recv_conf "$T/broken" "$pgood" '%msg%\n'
printf 'input(type="imrelp" port="%s" tls="on" tls.mycert="%s")\n' "$pbad" \
    "$T/no-such-cert.pem" >> "$T/broken/recv.conf"
relp_start "$DUT" "$T/broken/recv.conf" broken
rpid=$STARTED_PID
wait_port tcp "$pgood" 15 || fail "the good imrelp input does not listen"
relp_send_conf "$T/bsend" "$pin" "$pgood"
relp_start rsyslog "$T/bsend/send.conf" bsend
spid=$STARTED_PID
wait_port tcp "$pin" 15 || fail "rsyslogd sender does not listen"
printf '<13>Dec  6 10:00:01 h app: through the good listener\n' > "$T/one.txt"
relp_send_file "$pin" "$T/one.txt"
wait_lines "$T/broken/out.log" 1 15 || fail "nothing arrived through the good listener"
relp_stop "$spid" "rsyslogd sender"
relp_stop "$rpid" "$DUT receiver"
grep -q 'certificate file given but no corresponding private key file' "$T/broken.err" ||
    fail "no error about the certificate without key"
if port_in_use "$pbad"; then fail "the broken listener listens"; fi
log "broken listener reported, the good one received: $(cat "$T/broken/out.log")"

# 3. module(load="imrelp" ruleset="in"): an input without ruleset= uses it, as rsyslogd
new_port pmod
relp_recv_conf "$T/modrs" "$pmod" '%msg%\n'
sed -i "s/^module(load=\"imrelp\")/module(load=\"imrelp\" ruleset=\"in\")/; s/ ruleset=\"in\" )/ )/" "$T/modrs/recv.conf"
printf '*.* %s\n' "$T/modrs/default.log" >> "$T/modrs/recv.conf"
grep -q 'module(load="imrelp" ruleset="in")' "$T/modrs/recv.conf" || fail "module ruleset conf not made"
relp_start "$DUT" "$T/modrs/recv.conf" modrs
rpid=$STARTED_PID
wait_port tcp "$pmod" 15 || fail "module-ruleset input does not listen"
new_port pin2
relp_send_conf "$T/msend" "$pin2" "$pmod"
relp_start rsyslog "$T/msend/send.conf" msend
spid=$STARTED_PID
wait_port tcp "$pin2" 15 || fail "rsyslogd sender does not listen"
relp_send_file "$pin2" "$T/one.txt"
wait_lines "$T/modrs/out.log" 1 15 || fail "module(ruleset=) not used by the imrelp input"
relp_stop "$spid" "rsyslogd sender"
relp_stop "$rpid" "$DUT receiver"
[ "$(count_lines "$T/modrs/default.log")" -eq 0 ] || fail "message also went to the default ruleset"
log "module(load=\"imrelp\" ruleset=\"in\") binds the input without ruleset="
exit 0
