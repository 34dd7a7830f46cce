#!/bin/bash
# rulebase-coverage.sh - the share of a real corpus that each rulebase parses.  Every line
# of the loghub excerpts in tests/mm/data (*-loghub.txt, see NOTICE) whose program is one a
# rulebase is for goes through sluiced's mmnormalize with that rulebase; the test prints
# "SOURCE: OK/ALL (PCT %)" per source and fails when one is below 95 %, or when a corpus
# selects no line at all.  The figures are recorded in doc/rulebase.md.
# Corpus preparation, both for artefacts of the loghub files, not of the messages: the CR
# that ends every line of the Linux excerpt is dropped, and Thunderbird's relay host field
# "node/node" (which no RFC 3164 parser takes for a host name, rsyslog included) becomes
# "node" ("#N#", loghub's anonymised host, becomes "anonN").
# COVERAGE_MIN (default 95) sets the threshold; COVERAGE_SHOW=1 lists the unparsed lines.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/../integration/lib.sh"
setup
require_plugin mmnormalize

data=$top_srcdir/tests/mm/data
min=${COVERAGE_MIN:-95}
ts='^[A-Z][a-z]{2} +[0-9]+ [0-9:]{8} [^ ]+ '
# source (rulebase) | corpora | perl regex on the prepared line selecting its lines
sources=(
    "sshd|openssh thunderbird|${ts}sshd\\[[0-9]+\\]: (?!pam_unix\\(|PAM )"
    "pam_unix|linux openssh thunderbird|${ts}([^ ]+\\(pam_unix\\)\\[[0-9]+\\]: |[^ ]+\\[[0-9]+\\]: (pam_unix\\(|PAM ))"
    "cron|linux thunderbird|${ts}(crond?|CRON)\\[[0-9]+\\]: "
)

for c in linux openssh thunderbird; do
    tr -d '\r' < "$data/$c-loghub.txt" |
        sed -E 's#^([A-Z][a-z]{2} +[0-9]+ [0-9:]{8}) ([^ /]+)/[^ ]+ #\1 \2 #; s#^([A-Z][a-z]{2} +[0-9]+ [0-9:]{8}) \#([0-9]+)\# #\1 anon\2 #' \
            > "$T/$c.txt"
done

# shellcheck source=tests/mm/rulebase-lib.sh
. "$(dirname "$0")/rulebase-lib.sh"
rb_conf '[%parsesuccess%] %msg%'
for s in "${sources[@]}"; do
    IFS='|' read -r name corpora re <<< "$s"
    : > "$T/$name.in"
    for c in $corpora; do
        grep -P "$re" "$T/$c.txt" | sed 's/^/<86>/' >> "$T/$name.in" || true
    done
    rb_add "$name" "$top_srcdir/rulebase/$name.rb" "$T/$name.in"
done
rb_run

low=0
for s in "${sources[@]}"; do
    name=${s%%|*}
    all=${RB_N[$name]}
    ok=$(grep -c '^\[OK\] ' "$T/out/$name.out" || true)
    pct=$(awk -v o="$ok" -v a="$all" 'BEGIN { printf "%.1f", 100 * o / a }')
    log "coverage: $name: $ok/$all ($pct %)"
    if [ -n "${COVERAGE_SHOW:-}" ]; then
        grep -v '^\[OK\] ' "$T/out/$name.out" | sed "s/^/  $name unparsed: /"
    fi
    if awk -v o="$ok" -v a="$all" -v m="$min" 'BEGIN { exit !(100 * o < m * a) }'; then
        log "FAIL: $name parses $pct % of its corpus, below $min %"
        low=$((low + 1))
    fi
done
[ "$low" -eq 0 ] || fail "$low sources below $min % coverage"
log "ok: every source parses at least $min % of its corpus"
