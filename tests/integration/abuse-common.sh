# abuse-common.sh - body of tests/integration/abuse-imtcp.sh and abuse-imtls.sh (issue 19),
# sourced by them with PROTO=tcp or PROTO=tls.
#
# 2,000 idle connections and 200 slowloris connections (abuse-attack.py: a started frame,
# then one byte a second, never a delimiter; over TLS after a completed handshake for
# imtls) are held open against one listener with maxSessions="2500", and then a good
# sender (slflood, one connection, TLS for imtls) delivers 100,000 messages.  Checked for
# sluiced:
#   - all 100,000 delivered, within GOOD_MAX seconds of the sender's start;
#   - the attack's connections were all accepted and held (none reopened);
#   - sluiced's peak RSS (VmHWM) grew by at most ATTACK_MAX_KB while the attack's 2,200
#     connections were opened (per-connection memory, see doc/limits.md: a regression of
#     a few KiB per connection fails it) and by at most RSS_MAX_KB in all (good stream
#     included) over its value before the attack (reported only for a sanitizer build).
# DUT=rsyslog runs the same against rsyslogd (imtcp, gtls for TLS) and only reports the
# figures (doc/limits.md records them).
# ulimit -n is raised to 8192 (skipped if the hard limit is lower).
# shellcheck shell=bash disable=SC2016,SC2153  # PROTO comes from the sourcing script
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"
setup
require_unsanitized "the good sender's time and the RSS growth under attack are bounds"
require_cmd python3
idle=2000
slow=200
total=100000
hard=$(ulimit -Hn)
if [ "$hard" != unlimited ] && [ "$hard" -lt 8192 ]; then
    log "skipped: the hard limit of open files is $hard, this test needs 8192"
    exit 77
fi
ulimit -n 8192 || fail "cannot raise ulimit -n to 8192"
new_port port
out=$T/out/good.log
tlsargs=()
{
    dut_global
    if [ "$PROTO" = tls ]; then
        require_cmd certtool
        sh "$top_srcdir/tests/tls/mkcerts.sh" "$T/pki" > /dev/null 2>&1 || fail "mkcerts.sh failed"
        printf 'global(DefaultNetstreamDriverCAFile="%s/ca.pem"\n' "$T/pki"
        printf '  DefaultNetstreamDriverCertFile="%s/server.pem"\n' "$T/pki"
        printf '  DefaultNetstreamDriverKeyFile="%s/server-key.pem")\n' "$T/pki"
        tlsargs=(-A "$T/pki/ca.pem")
        if [ "$DUT" = sluice ]; then
            printf 'module(load="imtls" maxSessions="2500")\n'
            printf 'input(type="imtls" address="127.0.0.1" port="%s" StreamDriver.AuthMode="anon")\n' "$port"
        else
            printf 'global(DefaultNetstreamDriver="gtls")\n'
            printf 'module(load="imtcp" maxSessions="2500" StreamDriver.Name="gtls"\n'
            printf '  StreamDriver.Mode="1" StreamDriver.AuthMode="anon")\n'
            printf 'input(type="imtcp" address="127.0.0.1" port="%s")\n' "$port"
        fi
    else
        printf 'module(load="imtcp" maxSessions="2500")\n'
        printf 'input(type="imtcp" address="127.0.0.1" port="%s")\n' "$port"
    fi
    printf 'if $msg contains "seq=" then action(type="omfile" file="%s")\n' "$out"
} > "$T/dut.conf"
dut_start "$T/dut.conf" tcp "$port"
hwm() { awk '/^VmHWM:/ { print $2 }' "/proc/$DUT_PID/status"; }
# a few messages first, so the baseline includes the output path's buffers
flood -p "$port" -t "$PROTO" -n 1000 -c 1 "${tlsargs[@]}" || fail "warm-up sender failed"
wait_lines "$out" 1000 10 || fail "warm-up: $(count_lines "$out") of 1000 delivered"
base=$(hwm)

t0=$(date +%s%N)
timeout -k 20 40 python3 "$top_srcdir/tests/integration/abuse-attack.py" "$port" "$idle" "$slow" 35 \
    "$T/attack.ready" "$PROTO" > "$T/attack.out" 2>&1 &
attack=$!
track_pid "$attack"
for i in $(seq 300); do
    [ -s "$T/attack.ready" ] && break
    sleep 0.1
done
[ -s "$T/attack.ready" ] || fail "the attack did not open its connections within 30 s"
opened=$(awk '{ print $2 }' "$T/attack.ready")
setup_ms=$((($(date +%s%N) - t0) / 1000000))
held=$(ss -Htn state established "( sport = :$port )" | wc -l)
log "attack: $opened of $((idle + slow)) connections open in ${setup_ms} ms, $held established at the listener"
sleep 2    # the slowloris connections send more bytes
attack_hwm=$(hwm)
attack_grow=$((attack_hwm - base))

t1=$(date +%s%N)
flood -p "$port" -t "$PROTO" -n "$total" -c 1 "${tlsargs[@]}" || fail "good sender failed: $(tail -n 2 "$T/slflood.err")"
wait_lines "$out" $((total + 1000)) 30 || fail "good sender: $(($(count_lines "$out") - 1000)) of $total delivered"
took_ms=$((($(date +%s%N) - t1) / 1000000))
peak=$(hwm)
held_after=$(ss -Htn state established "( sport = :$port )" | wc -l)
grow=$((peak - base))
log "good sender: $total delivered in ${took_ms} ms under attack; $held_after connections still established"
log "$DUT VmHWM: ${base} KiB before the attack, ${attack_hwm} KiB with it open (+${attack_grow} KiB:" \
    "$((attack_grow * 1024 / (idle + slow))) bytes per connection), ${peak} KiB after the good sender (+${grow} KiB)"
rm -f "$T/attack.ready"
wait "$attack" 2> /dev/null
cat "$T/attack.out" >&2
reopened=$(sed -n 's/.*reopened=\([0-9]*\).*/\1/p' "$T/attack.out")
dut_alive || fail "$DUT died"
if [ "$DUT" = sluice ]; then
    [ "$opened" -eq $((idle + slow)) ] || fail "only $opened attack connections could be opened"
    [ "${reopened:-1}" -eq 0 ] || fail "$reopened attack connections were closed by sluiced"
    [ "$took_ms" -le $((GOOD_MAX * 1000)) ] ||
        fail "the good sender took ${took_ms} ms (bound ${GOOD_MAX} s)"
    if grep -aq '__asan_init\|__tsan_init' "$SLUICED"; then
        log "sanitizer build: the VmHWM bounds are reported, not asserted"
        ATTACK_MAX_KB=$attack_grow RSS_MAX_KB=$grow
    fi
    [ "$attack_grow" -le "$ATTACK_MAX_KB" ] ||
        fail "the attack's connections grew VmHWM by ${attack_grow} KiB (bound ${ATTACK_MAX_KB} KiB)"
    [ "$grow" -le "$RSS_MAX_KB" ] || fail "VmHWM grew by ${grow} KiB in all (bound ${RSS_MAX_KB} KiB)"
fi
dut_stop
[ "$DUT_STATUS" -eq 0 ] || fail "$DUT exited with status $DUT_STATUS"
log "ok: $DUT $PROTO: 100,000 delivered in ${took_ms} ms past $opened attack connections; VmHWM +${grow} KiB"
