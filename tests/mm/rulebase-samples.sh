#!/bin/bash
# rulebase-samples.sh - every shipped rulebase/NAME.rb must turn the messages of
# rulebase/NAME.samples into the JSON written there.  A .samples file holds pairs of lines:
#   a syslog line as it goes on the wire (RFC 3164 or 5424, with its own timestamp)
#   "=> [OK|FAIL] " followed by %$!% after mmnormalize with that rulebase
# Comment lines (#) and empty lines are skipped.  Runs the daemon under test (DUT=sluice, or
# DUT=rsyslog: rulebase-samples-rsyslog.sh, so the samples are checked against rsyslogd
# 8.2302's mmnormalize too) once, with one imudp input and ruleset per rulebase (one
# mmnormalize action each); the written lines must equal the expected ones in order.
# SAMPLES_WRITE=1 prints what the daemon wrote instead of failing (to draft new samples);
# RULEBASES="a b" limits the run to those rulebases.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/../integration/lib.sh"
setup
require_plugin mmnormalize

rbdir=$top_srcdir/rulebase
names=()
for rb in "$rbdir"/*.rb; do
    [ -f "$rb" ] || continue
    name=$(basename "$rb" .rb)
    if [ -n "${RULEBASES:-}" ] && [[ " $RULEBASES " != *" $name "* ]]; then
        continue
    fi
    names+=("$name")
done
[ "${#names[@]}" -gt 0 ] || fail "no rulebases in $rbdir"

# shellcheck source=tests/mm/rulebase-lib.sh
. "$(dirname "$0")/rulebase-lib.sh"
rb_conf '[%parsesuccess%] %$!%'
for name in "${names[@]}"; do
    samples=$rbdir/$name.samples
    [ -f "$samples" ] || fail "rulebase $name.rb has no $name.samples"
    grep -v -e '^#' -e '^$' "$samples" > "$T/$name.pairs"
    awk 'NR % 2 == 1' "$T/$name.pairs" > "$T/$name.in"
    awk 'NR % 2 == 0' "$T/$name.pairs" > "$T/$name.want"
    grep -q -v '^=> ' "$T/$name.want" && fail "$name.samples: every input line needs a '=> ' line after it"
    sed -i 's/^=> //' "$T/$name.want"
    rb_add "$name" "$rbdir/$name.rb" "$T/$name.in"
done
rb_run

bad=0
for name in "${names[@]}"; do
    out=$T/out/$name.out
    if [ -n "${SAMPLES_WRITE:-}" ]; then
        paste -d '\n' "$T/$name.in" <(sed 's/^/=> /' "$out")
    elif ! cmp -s "$T/$name.want" "$out"; then
        diff -u "$T/$name.want" "$out" >&2
        log "FAIL: $name: results differ from $name.samples (- expected, + $DUT)"
        bad=$((bad + 1))
    else
        log "ok: $name.rb: ${RB_N[$name]} samples"
    fi
done
[ "$bad" -eq 0 ] || fail "$bad of ${#names[@]} rulebases differ from their samples"
log "ok: ${#names[@]} rulebases match their samples"
