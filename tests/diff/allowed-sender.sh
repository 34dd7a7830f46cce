#!/bin/bash
# allowed-sender.sh - the legacy $AllowedSender directive against rsyslogd: UDP and TCP
# sender ACLs with rsyslog's syntax (a.b.c.d, a.b.c.d/bits, [ipv6], wildcard host names,
# entries separated by commas and blanks, a '#' comment) and its complaints.
#   1. -N1 on lines rsyslog complains about (0 bits, too many bits for IPv4 and IPv6, an
#      unknown protocol, a name that does not resolve, an unclosed '['): both exit
#      non-zero, and sluiced says what rsyslogd says (the same words, with FILE:LINE).
#   2. Both daemons run one config with an imudp and an imtcp input, and messages are sent
#      from several loopback addresses (socat bind=127.0.0.N): the files written (the sender
#      address and the text of every message let in) must be equal byte for byte, and hold
#      exactly the allowed senders' messages.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/../integration/lib.sh"
setup
require_cmd socat cmp

# --- 1. the complaints -------------------------------------------------------------------
n=0
while IFS='|' read -r line words; do
    n=$((n + 1))
    printf '%s\n*.* %s/n1.log\n' "$line" "$T" > "$T/bad$n.conf"
    rrc=0 src=0
    timeout -k 20 20 "$RSYSLOGD" -N1 -f "$T/bad$n.conf" > "$T/bad$n.rs" 2>&1 || rrc=$?
    timeout -k 20 20 "$SLUICED" -N1 -f "$T/bad$n.conf" -M "$SLUICE_PLUGIN_DIR" > "$T/bad$n.sl" 2>&1 || src=$?
    [ "$rrc" -ne 0 ] || fail "'$line': rsyslogd -N1 exits 0 (the test expects a complaint)"
    grep -qF "$words" "$T/bad$n.rs" || fail "'$line': rsyslogd does not say '$words'"
    [ "$src" -ne 0 ] || { cat "$T/bad$n.sl" >&2; fail "'$line': sluiced -N1 exits 0, rsyslogd $rrc"; }
    grep -qF "bad$n.conf:1: error: $words" "$T/bad$n.sl" ||
        { cat "$T/bad$n.sl" >&2; fail "'$line': sluiced does not say '$words' with FILE:LINE"; }
    log "'$line': both exit non-zero, both say '$words'"
done << 'EOF2'
$AllowedSender UDP, 127.0.0.1/0|You can not specify 0 bits of the netmask, this would match ALL systems. If you really intend to do that, remove all $AllowedSender directives.
$AllowedSender UDP, 127.0.0.1/0|Invalid number of bits (0) in IPv4 address - adjusted to 32
$AllowedSender TCP, 10.0.0.0/33|Invalid number of bits (33) in IPv4 address - adjusted to 32
$AllowedSender UDP, [::1]/200|Invalid number of bits (200) in IPv6 address - adjusted to 128
$AllowedSender FOO, 127.0.0.1|Invalid protocol 'FOO' in allowed sender list, line ignored
$AllowedSender UDP, nosuchhost.invalid|DNS error: Can't resolve "nosuchhost.invalid"
$AllowedSender UDP, nosuchhost.invalid|Hostname "nosuchhost.invalid" WON'T be added to ACL.
EOF2
# an unclosed '[' : both refuse the rest of the line (the words differ)
printf '$AllowedSender UDP, [::1\n*.* %s/n1.log\n' "$T" > "$T/bracket.conf"
timeout -k 20 20 "$RSYSLOGD" -N1 -f "$T/bracket.conf" > /dev/null 2>&1 && fail "rsyslogd -N1 accepts '[::1'"
timeout -k 20 20 "$SLUICED" -N1 -f "$T/bracket.conf" -M "$SLUICE_PLUGIN_DIR" > /dev/null 2>&1 &&
    fail "sluiced -N1 accepts '[::1'"

# --- 2. the ACLs at work --------------------------------------------------------------------
# run_one WHO VARIANT: VARIANT a: IP entries for UDP, a wildcard name for TCP (checked at
# accept against the sender's name: 127.0.0.1 is "localhost"); b: a wildcard name in the UDP
# list, which in rsyslog 8.2302 lets in every UDP sender its IP entries do not (the
# name check is deferred and never drops), so sluice does the same.
run_one()
{
    local who=$1 v=$2 udp tcp pid src
    new_port udp
    new_port tcp
    {
        printf 'global(workDirectory="%s")\n' "$T"
        if [ "$v" = a ]; then
            printf '$AllowedSender UDP, 127.0.0.2, 127.0.1.0/24 # a comment, 127.0.0.4\n'
            printf '$AllowedSender UDP,[::1]/128\n'
            printf '$AllowedSender TCP, 127.0.0.3/32,*.nowhere.invalid\n'
        else
            printf '$AllowedSender UDP, 127.0.0.2 *.nowhere.invalid\n'
        fi
        printf 'module(load="imudp")\nmodule(load="imtcp")\n'
        printf 'input(type="imudp" address="127.0.0.1" port="%s")\n' "$udp"
        printf 'input(type="imtcp" address="127.0.0.1" port="%s")\n' "$tcp"
        printf 'template(name="t" type="string" string="%%fromhost-ip%% %%inputname%% %%msg%%\\n")\n'
        printf 'action(type="omfile" file="%s/%s.%s.out" template="t")\n' "$T" "$who" "$v"
    } > "$T/$who.$v.conf"
    mapfile -t cmd < <(DUT=$who dut_cmd "$T/$who.$v.conf")
    "${cmd[@]}" < /dev/null > /dev/null 2> "$T/$who.$v.err" &
    pid=$!
    track_pid "$pid"
    wait_port udp "$udp" 15 || fail "$who: no UDP listener"
    wait_port tcp "$tcp" 15 || fail "$who: no TCP listener"
    for src in 127.0.0.1 127.0.0.2 127.0.1.5 127.0.0.4; do
        printf '<13>Dec  6 10:00:00 h app: udp from %s\n' "$src" |
            timeout -k 20 5 socat -u - "UDP4-SENDTO:127.0.0.1:$udp,bind=$src" || fail "$who: socat udp $src"
        sleep 0.2
    done
    if [ "$v" = a ]; then
        for src in 127.0.0.1 127.0.0.3 127.0.0.5; do
            printf '<13>Dec  6 10:00:00 h app: tcp from %s\n' "$src" |
                timeout -k 20 5 socat -u - "TCP4:127.0.0.1:$tcp,bind=$src" 2> /dev/null
            sleep 0.2
        done
    fi
    wait_lines "$T/$who.$v.out" 3 10 || true
    sleep 0.5
    stop_pid "$pid"
}

for v in a b; do
    run_one rsyslog "$v"
    run_one sluice "$v"
    [ -f "$T/sluice.$v.out" ] || fail "$v: sluice wrote nothing"
    if ! cmp -s "$T/rsyslog.$v.out" "$T/sluice.$v.out"; then
        diff "$T/rsyslog.$v.out" "$T/sluice.$v.out" >&2
        fail "$v: the messages let in differ"
    fi
done
printf '%s\n' '127.0.0.2 imudp  udp from 127.0.0.2' '127.0.1.5 imudp  udp from 127.0.1.5' \
    '127.0.0.3 imtcp  tcp from 127.0.0.3' > "$T/expected.a"
cmp -s "$T/expected.a" "$T/sluice.a.out" || { cat "$T/sluice.a.out" >&2; fail "a: not exactly the allowed senders"; }
[ "$(count_lines "$T/sluice.b.out")" -eq 4 ] || fail "b: not every UDP sender let in"
grep -q "UDP message from disallowed sender discarded" "$T/sluice.a.err" ||
    fail "sluiced did not log the refused UDP sender"
grep -q "connection request from disallowed sender localhost discarded" "$T/sluice.a.err" ||
    fail "sluiced did not log the refused TCP sender by name"
log "a: 3 of 7 senders let in, b: 4 of 4 UDP senders, the same in both daemons"
log "PASS"
