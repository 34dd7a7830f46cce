#!/bin/bash
# Counter sets keyed by owner: imudp and imtcp listening on the same port number keep their
# own counter sets ("imudp(127.0.0.1:P)", "imtcp(127.0.0.1:P)"), not one shared "port P"
# set that adds both inputs' counts up.  NU datagrams and NT TCP lines (NU != NT): the
# SIGUSR1 dump and, when imhttp is built, /metrics show submitted=NU for imudp and
# submitted=NT for imtcp, next to the core's rsyslog-named input sets.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"
setup
[ "$DUT" = sluice ] || { log "reads sluiced's own counter sets: skipped for DUT=$DUT"; exit 77; }
require_plugin imudp imtcp
NU=30
NT=70
new_port P
http=0
if plugin_built imhttp && command -v curl > /dev/null; then
    http=1
    new_port HP
fi
{
    dut_global
    [ "$http" = 1 ] && printf 'module(load="imhttp" ports="127.0.0.1:%s")\n' "$HP"
    printf 'module(load="imudp")\nmodule(load="imtcp")\n'
    printf 'input(type="imudp" address="127.0.0.1" port="%s")\n' "$P"
    printf 'input(type="imtcp" address="127.0.0.1" port="%s")\n' "$P"
    printf 'action(type="omfile" file="%s/out.log")\n' "$T"
} > "$T/dut.conf"
dut_start "$T/dut.conf" udp "$P" tcp "$P"
flood -p "$P" -t udp -n "$NU" -r 1000 || fail "slflood udp failed"
flood -p "$P" -t tcp -n "$NT" || fail "slflood tcp failed"
wait_lines "$T/out.log" $((NU + NT)) 20 || fail "only $(count_lines "$T/out.log") of $((NU + NT)) lines"
stats_dump
u=$(stat_val "imudp(127.0.0.1:$P)" submitted)
t=$(stat_val "imtcp(127.0.0.1:$P)" submitted)
log "imudp(127.0.0.1:$P) submitted=$u, imtcp(127.0.0.1:$P) submitted=$t"
[ "$u" = "$NU" ] || fail "imudp's own set: submitted='$u', want $NU: $(grep "$P" "$T/stats")"
[ "$t" = "$NT" ] || fail "imtcp's own set: submitted='$t', want $NT: $(grep "$P" "$T/stats")"
[ "$(stat_val "imudp(127.0.0.1/$P/IPv4)" submitted)" = "$NU" ] || fail "core imudp set"
[ "$(stat_val "imtcp($P)" submitted)" = "$NT" ] || fail "core imtcp set"
# no set name may carry two origins (their counters would print under one name)
dups=$(sed -n 's/^\(.*\): origin=\([^ ]*\).*/\1|\2/p' "$T/stats" | sort -u | cut -d'|' -f1 | uniq -d)
[ -z "$dups" ] || fail "set names with two origins: $dups"
if [ "$http" = 1 ]; then
    curl -s -m 10 -o "$T/metrics" "http://127.0.0.1:$HP/metrics" || fail "curl /metrics"
    for want in "imudp(127.0.0.1:$P)|submitted|$NU" "imtcp(127.0.0.1:$P)|submitted|$NT"; do
        IFS='|' read -r set key n <<< "$want"
        name=$(grep -F "object=\"$set\", counter=\"$key\"" "$T/metrics" | awk '{ print $3 }')
        [ -n "$name" ] || fail "/metrics has no $set $key"
        v=$(awk -v n="$name" '$1 == n { print $2 }' "$T/metrics")
        [ "$v" = "$n" ] || fail "/metrics $set $key = '$v', want $n"
    done
    log "/metrics: both sets with their own counts"
fi
dut_stop
[ "$DUT_STATUS" -eq 0 ] || fail "sluiced exited with status $DUT_STATUS"
log "ok: stats-owner"
