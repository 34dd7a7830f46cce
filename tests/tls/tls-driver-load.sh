#!/bin/bash
# tls-driver-load.sh - the GnuTLS stream driver (lmnsd_gtls.so in the plugin directory) is
# loaded only when the configuration asks for TLS, as rsyslog loads lmnsd_gtls:
#   - plain imtcp and plain omfwd: neither lmnsd_gtls.so nor libgnutls is mapped, and a
#     line goes through;
#   - a TLS listener (imtcp) and a TLS forwarder (omfwd, built into sluiced): both mapped,
#     and a line goes gnutls-cli -> sluiced -> openssl s_server;
#   - a plugin directory without lmnsd_gtls.so (given with -M; $SLUICE_PLUGIN_DIR names the
#     full one, so the loader must follow -M): `sluiced -N1` fails for the listener and
#     for the forwarder, naming the driver, and passes for a plain config.
# sluice only: skipped with DUT=rsyslog.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/../integration/lib.sh"
[ "$DUT" = sluice ] || { echo "tls-driver-load: sluice only, skipped"; exit 77; }
setup
require_cmd certtool gnutls-cli openssl
[ -f "$SLUICE_PLUGIN_DIR/lmnsd_gtls.so" ] || fail "no lmnsd_gtls.so in $SLUICE_PLUGIN_DIR"
P=$T/pki
sh "$top_srcdir/tests/tls/mkcerts.sh" "$P" || fail "mkcerts.sh failed"
new_port port
new_port fport

# conf FILE TLS(0|1): imtcp on $port -> omfile, and -> omfwd to $fport (plain: with a queue
# of its own, since nothing listens there)
conf()
{
    {
        dut_global
        printf 'global(DefaultNetstreamDriverCAFile="%s/ca.pem"\n' "$P"
        printf '  DefaultNetstreamDriverCertFile="%s/server.pem" DefaultNetstreamDriverKeyFile="%s/server-key.pem")\n' "$P" "$P"
        printf 'module(load="imtcp")\n'
        if [ "$2" = 1 ]; then
            printf 'input(type="imtcp" address="127.0.0.1" port="%s" StreamDriver.Name="gtls" StreamDriver.Mode="1" StreamDriver.AuthMode="anon")\n' "$port"
            printf 'action(type="omfwd" target="127.0.0.1" port="%s" protocol="tcp" StreamDriver="gtls"\n' "$fport"
            printf '  StreamDriverMode="1" StreamDriverAuthMode="anon")\n'
        else
            printf 'input(type="imtcp" address="127.0.0.1" port="%s")\n' "$port"
            printf 'action(type="omfwd" target="127.0.0.1" port="%s" protocol="tcp" queue.type="LinkedList")\n' "$fport"
        fi
        printf 'action(type="omfile" file="%s/out/messages.log")\n' "$T"
    } > "$1"
}

# mapped PATTERN: does the daemon under test map a file matching PATTERN?
mapped() { grep -q -- "$1" "/proc/$DUT_PID/maps"; }

# --- plain: nothing of TLS loaded --------------------------------------------------------------
conf "$T/plain.conf" 0
dut_start "$T/plain.conf" tcp "$port"
printf '<13>Dec  7 10:00:00 h t: plain line\n' > "/dev/tcp/127.0.0.1/$port" || fail "cannot send"
wait_lines "$T/out/messages.log" 1 10 || fail "the plain line was not written"
mapped lmnsd_gtls && fail "plain config: lmnsd_gtls.so is mapped"
mapped libgnutls && fail "plain config: libgnutls is mapped"
dut_stop
log "ok: plain imtcp and omfwd map neither lmnsd_gtls.so nor libgnutls"

# --- TLS: the driver is loaded and works -------------------------------------------------------
mkfifo "$T/in.fifo"
timeout -k 20 60 openssl s_server -accept "127.0.0.1:$fport" -cert "$P/server.pem" \
    -key "$P/server-key.pem" -quiet < "$T/in.fifo" > "$T/out/s_server.txt" 2> "$T/s_server.err" &
track_pid $!
exec 9<> "$T/in.fifo"
wait_port tcp "$fport" 10 || fail "openssl s_server not listening"
rm -f "$T/out/messages.log"
conf "$T/tls.conf" 1
dut_start "$T/tls.conf" tcp "$port"
mapped lmnsd_gtls || fail "TLS config: lmnsd_gtls.so is not mapped"
mapped libgnutls || fail "TLS config: libgnutls is not mapped"
printf '<13>Dec  7 10:00:01 h t: tls line\n' |
    timeout -k 5 20 gnutls-cli --insecure --port "$port" 127.0.0.1 > "$T/cli.out" 2>&1 ||
    log "gnutls-cli exited non-zero (it does when stdin ends): $(tail -1 "$T/cli.out")"
wait_lines "$T/out/messages.log" 1 10 || fail "the TLS line was not written"
for _ in $(seq 100); do
    grep -q "tls line" "$T/out/s_server.txt" && break
    sleep 0.1
done
grep -q "tls line" "$T/out/s_server.txt" || fail "the TLS line did not reach openssl s_server"
dut_stop
exec 9>&-
log "ok: a TLS listener and forwarder load the driver and carry a line"

# --- a plugin directory without the driver -----------------------------------------------------
mkdir -p "$T/plugins"
for so in "$SLUICE_PLUGIN_DIR"/*.so; do
    [ "$(basename "$so")" = lmnsd_gtls.so ] || cp "$so" "$T/plugins/"
done
# check_in DIR CONF: sluiced -N1 with -M DIR (and $SLUICE_PLUGIN_DIR the full directory)
check_in()
{
    timeout -k 20 20 "$SLUICED" -N1 -f "$2" -M "$1" > "$T/check.out" 2> "$T/check.err"
}
check_in "$T/plugins" "$T/plain.conf" || fail "plain config refused without the driver: $(tail -3 "$T/check.err")"
check_in "$T/plugins" "$T/tls.conf" && fail "TLS config accepted without lmnsd_gtls.so"
grep -q "lmnsd_gtls" "$T/check.err" || fail "the error does not name the driver: $(tail -3 "$T/check.err")"
n=$(grep -c "TLS stream driver (gtls) cannot be loaded" "$T/check.err")
[ "$n" -ge 2 ] || fail "expected the listener and the forwarder to report the driver, got $n: $(cat "$T/check.err")"
check_in "$SLUICE_PLUGIN_DIR" "$T/tls.conf" || fail "TLS config refused with the driver: $(tail -3 "$T/check.err")"
log "ok: without lmnsd_gtls.so in the -M directory the TLS config fails, naming it"
