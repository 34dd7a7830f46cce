#!/bin/bash
# omfwd-netns.sh - omfwd networkNamespace= against rsyslogd 8.2302's omfwd: a private
# network namespace (ip netns add, loopback only) holds a TCP and a UDP receiver (socat);
# each daemon, in the root namespace, takes the lines of mixed.txt on an imtcp port there
# and forwards them by TCP and by UDP with networkNamespace= to 127.0.0.1 - which only the
# namespace's loopback answers (nothing listens on those ports in the root namespace, so a
# daemon that ignored the parameter would deliver nothing).  The bytes each receiver got
# must be equal byte for byte.  Needs root (CAP_SYS_ADMIN for setns and ip netns): 77
# otherwise; the namespace is deleted on exit.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/../integration/lib.sh"
setup
require_cmd socat ip cmp
[ -x "$RSYSLOGD" ] || fail "$RSYSLOGD not installed"
[ "$(id -u)" -eq 0 ] || { log "SKIP: needs root for ip netns"; exit 77; }
NS=sl-omfwd-$$
ip netns add "$NS" 2> "$T/netns.err" || { log "SKIP: ip netns add: $(cat "$T/netns.err")"; exit 77; }
trap 'rc=$?; ip netns del "$NS" 2> /dev/null; (exit $rc); cleanup' EXIT
ip netns exec "$NS" ip link set lo up || fail "cannot bring up lo in $NS"
data=$top_srcdir/tests/diff/data/mixed.txt
want=$(wc -l < "$data")

# ns_listening tcp|udp PORT: something listens on PORT inside the namespace (at most 10 s)
ns_listening()
{
    local flag i
    case $1 in tcp) flag=-Hltn ;; *) flag=-Hlun ;; esac
    for i in $(seq 100); do
        [ -n "$(ip netns exec "$NS" ss "$flag" "( sport = :$2 )" 2> /dev/null)" ] && return 0
        sleep 0.1
    done
    return 1
}

for who in rsyslog sluice; do
    new_port pin
    new_port ptcp
    new_port pudp
    ip netns exec "$NS" timeout -k 20 60 socat -u "TCP4-LISTEN:$ptcp,bind=127.0.0.1,reuseaddr" \
        "OPEN:$T/out/$who.tcp,creat,trunc" &
    track_pid $!
    ip netns exec "$NS" timeout -k 20 60 socat -u "UDP4-RECV:$pudp,bind=127.0.0.1" \
        "OPEN:$T/out/$who.udp,creat,trunc" &
    track_pid $!
    ns_listening tcp "$ptcp" && ns_listening udp "$pudp" || fail "socat in $NS does not listen"
    ! port_in_use "$ptcp" || fail "port $ptcp is in use in the root namespace"
    cat > "$T/$who.conf" << EOF
global(workDirectory="$T/out")
module(load="imtcp")
input(type="imtcp" address="127.0.0.1" port="$pin")
template(name="t" type="string" string="%hostname% %syslogtag%%msg%\\n")
if \$inputname == "imtcp" then {
    action(type="omfwd" target="127.0.0.1" port="$ptcp" protocol="tcp" template="t"
           networkNamespace="$NS")
    action(type="omfwd" target="127.0.0.1" port="$pudp" protocol="udp" template="t"
           networkNamespace="$NS")
}
EOF
    mapfile -t cmd < <(DUT=$who dut_cmd "$T/$who.conf")
    "${cmd[@]}" < /dev/null > /dev/null 2> "$T/$who.err" &
    pid=$!
    track_pid "$pid"
    wait_port tcp "$pin" 15 || { cat "$T/$who.err" >&2; fail "$who does not listen on $pin"; }
    cat "$data" > /dev/tcp/127.0.0.1/"$pin" || fail "cannot send to $who"
    wait_lines "$T/out/$who.tcp" "$want" 15 ||
        { cat "$T/$who.err" >&2; fail "$who forwarded $(count_lines "$T/out/$who.tcp") of $want lines by TCP"; }
    wait_lines "$T/out/$who.udp" "$want" 15 ||
        fail "$who forwarded $(count_lines "$T/out/$who.udp") of $want lines by UDP"
    stop_pid "$pid"
done
for p in tcp udp; do
    if ! cmp -s "$T/out/rsyslog.$p" "$T/out/sluice.$p"; then
        diff "$T/out/rsyslog.$p" "$T/out/sluice.$p" >&2
        fail "what the $p receiver in $NS got differs"
    fi
done
log "ok: $want lines by TCP and by UDP into namespace $NS, identical to rsyslogd's"
