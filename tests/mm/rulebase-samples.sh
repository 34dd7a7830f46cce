#!/bin/bash
# rulebase-samples.sh - every shipped rulebase/NAME.rb must turn the messages of
# rulebase/NAME.samples into the JSON written there.  A .samples file holds pairs of lines:
#   a syslog line as it goes on the wire (RFC 3164 or 5424, with its own timestamp)
#   "=> [OK|FAIL] " followed by %$!% after mmnormalize with that rulebase
# Comment lines (#) and empty lines are skipped.  Runs the daemon under test (DUT=sluice or
# DUT=rsyslog, so the samples can be checked against rsyslog itself) with imudp and one
# mmnormalize action per rulebase; the written lines must equal the expected ones in order.
# SAMPLES_WRITE=1 prints what the daemon wrote instead of failing (to draft new samples).
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/../integration/lib.sh"
setup
require_plugin mmnormalize

rbdir=$top_srcdir/rulebase
n_rb=0
for rb in "$rbdir"/*.rb; do
    [ -f "$rb" ] || continue
    name=$(basename "$rb" .rb)
    samples=$rbdir/$name.samples
    [ -f "$samples" ] || fail "rulebase $name.rb has no $name.samples"
    grep -v -e '^#' -e '^$' "$samples" > "$T/$name.pairs"
    awk 'NR % 2 == 1' "$T/$name.pairs" > "$T/$name.in"
    awk 'NR % 2 == 0' "$T/$name.pairs" > "$T/$name.want"
    grep -q -v '^=> ' "$T/$name.want" && fail "$name.samples: every input line needs a '=> ' line after it"
    sed -i 's/^=> //' "$T/$name.want"
    n=$(count_lines "$T/$name.in")
    [ "$n" -gt 0 ] || fail "$name.samples has no samples"

    new_port port
    out=$T/out/$name.out
    {
        dut_global
        printf 'module(load="imudp")\nmodule(load="mmnormalize")\n'
        printf 'input(type="imudp" address="127.0.0.1" port="%s")\n' "$port"
        printf 'template(name="t" type="string" string="[%%parsesuccess%%] %%$!%%\\n")\n'
        printf 'action(type="mmnormalize" rulebase="%s")\n' "$rb"
        printf 'action(type="omfile" file="%s" template="t")\n' "$out"
    } > "$T/$name.conf"
    dut_start "$T/$name.conf" udp "$port"
    flood -p "$port" -t udp -r 2000 -i "$T/$name.in" || fail "sending $name samples failed"
    wait_lines "$out" "$n" 15 || fail "$name: $(count_lines "$out") of $n results written"
    sleep 0.3
    dut_stop
    [ "$DUT_STATUS" -eq 0 ] || fail "$DUT exited with status $DUT_STATUS"
    if [ -n "${SAMPLES_WRITE:-}" ]; then
        paste -d '\n' "$T/$name.in" <(sed 's/^/=> /' "$out")
    elif ! cmp -s "$T/$name.want" "$out"; then
        diff -u "$T/$name.want" "$out" >&2
        fail "$name: results differ from $name.samples (- expected, + $DUT)"
    fi
    log "ok: $name.rb: $n samples"
    n_rb=$((n_rb + 1))
done
[ "$n_rb" -gt 0 ] || fail "no rulebases in $rbdir"
log "ok: $n_rb rulebases match their samples"
