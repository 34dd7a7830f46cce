#!/bin/bash
# bench/tls.sh - TLS throughput, sluiced against rsyslogd on the same machine, interleaved.
# Each run is tests/tls/tls-relay.sh: rsyslogd sends N messages over TLS (x509/name, client
# certificate) to the daemon under test, which forwards them over TLS to an rsyslogd
# receiver; the rate is N / (first sent .. last written).  The daemon in the middle is
# sluiced (imtls + omfwd/gtls) or rsyslogd (imtcp + omfwd/gtls), alternately, ROUNDS times.
# Usage: bench/tls.sh BUILD_DIR [N] [ROUNDS]    (BUILD_DIR: a configured, built tree)
set -u
build=${1:?usage: bench/tls.sh BUILD_DIR [N] [ROUNDS]}
n=${2:-200000}
rounds=${3:-3}
src=$(cd "$(dirname "$0")/.." && pwd)
declare -A rates
for r in $(seq "$rounds"); do
    for dut in sluice rsyslog; do
        out=$(cd "$build" && TLS_RELAY_N=$n DUT=$dut TZ=UTC top_srcdir=$src top_builddir=$build \
            SLUICED=$build/sluiced SLUICE_PLUGIN_DIR=$build/.libs SLFLOOD=$build/tests/tools/slflood \
            SLVERIFY=$build/tests/tools/slverify bash "$src/tests/tls/tls-relay.sh" 2>&1)
        rate=$(sed -n 's/.* over TLS in [0-9.]* s: \([0-9]*\) msg\/s.*/\1/p' <<< "$out" | head -n 1)
        [ -n "$rate" ] || { printf '%s\n' "$out" | tail -n 5 >&2; echo "round $r $dut: failed" >&2; exit 1; }
        rates[$dut]+="$rate "
        echo "round $r: $dut in the middle: $rate msg/s"
    done
done
median() { tr ' ' '\n' | grep . | sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] " (" v[1] "-" v[NR] ")" }'; }
echo "tls relay, $n messages, $rounds rounds, median (min-max) msg/s:"
echo "  sluiced : $(median <<< "${rates[sluice]}")"
echo "  rsyslogd: $(median <<< "${rates[rsyslog]}")"
