#!/bin/bash
# bench/relp.sh - relp_to_file: RELP receive throughput, sluiced against rsyslogd 8.2302
# (Debian's rsyslog-relp) on the same machine, interleaved.  A fixed sender - sluiced with
# imtcp -> omrelp (windowSize 1024, uncorked; rsyslogd's own omrelp corks its batches and
# would be the bottleneck) - forwards N numbered messages (slflood, one connection) to the
# receiver under test: imrelp -> omfile (%msg%).  Rate = N / (first message sent .. last
# line written); every run is checked with slverify (no loss, no duplicate, in order).
# Usage: bench/relp.sh BUILD_DIR [N] [ROUNDS]   (BUILD_DIR: configured, built, with
# tests/tools/slflood and slverify built - "make check" builds them)
set -u
build=${1:?usage: bench/relp.sh BUILD_DIR [N] [ROUNDS]}
n=${2:-200000}
rounds=${3:-3}
build=$(cd "$build" && pwd)
src=$(cd "$(dirname "$0")/.." && pwd)
export top_srcdir=$src top_builddir=$build TZ=UTC
export SLUICED=$build/sluiced SLUICE_PLUGIN_DIR=$build/.libs
export SLFLOOD=$build/tests/tools/slflood SLVERIFY=$build/tests/tools/slverify
# shellcheck source=tests/integration/lib.sh
. "$src/tests/integration/lib.sh"
# shellcheck source=tests/relp/lib-relp.sh
. "$src/tests/relp/lib-relp.sh"
TEST_NAME=relp-bench
setup
relp_require

# one_run WHO: prints the rate of one relp_to_file run with WHO receiving
one_run()
{
    local who=$1 d=$T/$1 pin prelp rpid spid t0 t1
    rm -rf "$d"
    new_port pin
    new_port prelp
    relp_recv_conf "$d/recv" "$prelp" '%msg%\n'
    relp_send_conf "$d/send" "$pin" "$prelp" 'windowSize="1024"'
    relp_start "$who" "$d/recv/recv.conf" "$who-recv"
    rpid=$STARTED_PID
    wait_port tcp "$prelp" 15 || fail "$who does not listen on $prelp"
    relp_start sluice "$d/send/send.conf" "$who-send"
    spid=$STARTED_PID
    wait_port tcp "$pin" 15 || fail "sender does not listen on $pin"
    t0=$(date +%s.%N)
    timeout 120 "$SLFLOOD" -p "$pin" -t tcp -n "$n" -c 1 2>> "$T/slflood.err" || fail "slflood failed"
    while [ "$(count_lines "$d/recv/out.log")" -lt "$n" ]; do
        sleep 0.02
        awk -v a="$(date +%s.%N)" -v b="$t0" 'BEGIN { exit !(a - b > 300) }' &&
            fail "$who: not all arrived in 300 s"
    done
    t1=$(date +%s.%N)
    relp_stop "$spid" sender
    relp_stop "$rpid" "$who"
    "$SLVERIFY" -n "$n" -c 1 -q "$d/recv/out.log" > "$d/verify" 2>&1 || fail "$who: $(cat "$d/verify")"
    awk -v n="$n" -v a="$t0" -v b="$t1" 'BEGIN { printf "%d\n", n / (b - a) }'
}

declare -A rates
for r in $(seq "$rounds"); do
    for who in sluice rsyslog; do
        rate=$(one_run "$who")
        [ -n "$rate" ] || { echo "round $r $who: failed" >&2; exit 1; }
        rates[$who]+="$rate "
        echo "round $r: $who receiving: $rate msg/s"
    done
done
median() { tr ' ' '\n' | grep . | sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] " (" v[1] "-" v[NR] ")" }'; }
echo "relp_to_file, $n messages, $rounds rounds, median (min-max) msg/s:"
echo "  sluiced : $(median <<< "${rates[sluice]}")"
echo "  rsyslogd: $(median <<< "${rates[rsyslog]}")"
