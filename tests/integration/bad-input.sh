#!/bin/bash
# Bad input must not stop the daemon: random bytes over TCP and UDP, a 1 MiB line, a TCP
# frame claiming 2147483648 octets, and a half-open connection (half a frame, kept open)
# while other traffic still flows.  Afterwards the daemon is alive, still accepts and
# writes messages, and exits 0 on SIGTERM.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"
setup
new_port udp
new_port tcp
out=$T/out/messages.log
file_input_conf "$T/dut.conf" "$out" "$udp" "$tcp"
dut_start "$T/dut.conf" udp "$udp" tcp "$tcp"

# send_tcp FILE: one connection, send FILE, close (bounded).
send_tcp()
{
    timeout -k 20 10 bash -c 'cat "$1" > "/dev/tcp/127.0.0.1/$2"' _ "$1" "$tcp" || log "sending $1 ended with an error (accepted)"
}

head -c 65536 /dev/urandom > "$T/garbage.bin"
send_tcp "$T/garbage.bin"
for i in $(seq 20); do
    head -c $((i * 50)) /dev/urandom > "$T/dgram.bin"
    timeout -k 20 5 bash -c 'cat "$1" > "/dev/udp/127.0.0.1/$2"' _ "$T/dgram.bin" "$udp"
done
dut_alive || fail "$DUT died on random bytes"

{ printf '<13>Nov 22 10:00:00 h big: '; head -c 1048576 /dev/zero | tr '\0' x; printf '\n'; } > "$T/big.txt"
send_tcp "$T/big.txt"
dut_alive || fail "$DUT died on a 1 MiB line"

printf '2147483648 <13>Nov 22 10:00:00 h huge: frame that claims 2 GiB' > "$T/huge.txt"
send_tcp "$T/huge.txt"
printf '99999999999999999999 <13>x\n-5 <13>y\n' > "$T/badcount.txt"
send_tcp "$T/badcount.txt"
dut_alive || fail "$DUT died on absurd octet counts"

# Half-open: half of an octet-counted frame on a connection that stays open.
exec 5<> "/dev/tcp/127.0.0.1/$tcp" || fail "cannot connect for the half-open test"
printf '120 <13>Nov 22 10:00:00 h half: only half of th' >&5
flood -p "$tcp" -t tcp -n 4000 -c 2 || fail "slflood failed while a half-open connection exists"
flood -p "$udp" -t udp -n 200 -c 1 -r 2000 -a sludp || fail "slflood (udp) failed"
for i in $(seq 100); do
    [ "$(grep -c 'seq=' "$out")" -ge 4200 ] && break
    sleep 0.1
done
dut_alive || fail "$DUT died with a half-open connection"
grep ' slflood\[' "$out" > "$T/tcp-seq.log"
grep ' sludp\[' "$out" > "$T/udp-seq.log"
verify -n 4000 -c 2 "$T/tcp-seq.log" || fail "TCP traffic beside the half-open connection was damaged"
verify -n 200 -c 1 "$T/udp-seq.log" || fail "UDP traffic beside the half-open connection was damaged"
exec 5>&-
send_logger "$tcp" tcp "still-alive-marker" -t sltest
wait_lines "$out" 1 5
for i in $(seq 50); do
    grep -q 'still-alive-marker' "$out" && break
    sleep 0.1
done
grep -q 'still-alive-marker' "$out" || fail "daemon stopped writing after bad input"
dut_stop
[ "$DUT_STATUS" -eq 0 ] || fail "$DUT exited with status $DUT_STATUS after bad input"
log "ok: survived garbage, 1 MiB line, 2 GiB frame claim, half-open connection"
