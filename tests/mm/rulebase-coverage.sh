#!/bin/bash
# rulebase-coverage.sh - the share of a corpus that each rulebase parses.  Every line of the
# loghub slices in tests/mm/data (*-loghub2k.txt, see NOTICE: OpenSSH_2k and Apache_2k
# whole, the Linux_2k and Thunderbird_2k lines of the programs a rulebase is for) whose
# program is one a rulebase is for goes through sluiced's mmnormalize with that rulebase;
# the test prints "SOURCE (real): OK/ALL (PCT %)" per source and fails when one is below 95 %, or when a
# real corpus selects no line at all.  The same is done, for information only, with the
# written lines of tests/diff/data ("written").  Figures recorded in doc/rulebase.md.
# Corpus preparation, both for artefacts of the loghub files, not of the messages: the CR
# that ends every line of the Linux excerpt is dropped, and Thunderbird's relay host field
# "node/node" (which no RFC 3164 parser takes for a host name, rsyslog included) becomes
# "node", its "src@node" too ("#N#", loghub's anonymised host, becomes "anonN"); Apache's error_log lines get
# the header an imfile input tagged "httpd:" gives them ("<86>Mmm dd hh:mm:ss web1 httpd: "
# with the line's own time), the way they reach a syslog pipeline.
# COVERAGE_MIN (default 95) sets the threshold; COVERAGE_SHOW=1 lists the unparsed lines.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/../integration/lib.sh"
setup
require_plugin mmnormalize

data=$top_srcdir/tests/mm/data
min=${COVERAGE_MIN:-95}
ts='^<[0-9]+>[A-Z][a-z]{2} +[0-9]+ [0-9:]{8} [^ ]+ '
# real | source (rulebase) | corpora | perl regex on the prepared line selecting its lines
# "real" corpora are public logs (loghub, tests/mm/data): below $min % fails the test.
# "written" ones are the device and daemon lines written for the differential tests
# (tests/diff/data, see its NOTICE), many of them also in rulebase/*.samples: their figure
# is printed (and recorded in doc/rulebase.md), not enforced, so that a line added there
# for another test does not break this one.
sources=(
    "real|sshd|openssh thunderbird|${ts}sshd\\[[0-9]+\\]: (?!pam_unix\\(|PAM )"
    "real|pam_unix|linux openssh thunderbird|${ts}([^ ]+\\(pam_unix\\)\\[[0-9]+\\]: |[^ ]+\\[[0-9]+\\]: (pam_unix\\(|PAM ))"
    "real|cron|linux thunderbird|${ts}(crond?|CRON)\\[[0-9]+\\]: "
    "real|web_error|apache|${ts}httpd: \\["
    "written|sshd|rw-ubuntu|${ts}sshd\\[[0-9]+\\]: (?!pam_unix\\()"
    "written|pam_unix|rw-ubuntu rw-mail|${ts}[^ ]+: pam_unix\\("
    "written|sudo|rw-ubuntu rw-mail|${ts}sudo(\\[[0-9]+\\])?: +(?!pam_unix)"
    "written|cron|rw-ubuntu rw-mail|${ts}(crond?|CRON)\\[[0-9]+\\]: "
    "written|systemd|rw-ubuntu rw-mail|${ts}systemd(-logind)?\\[[0-9]+\\]: "
    "written|netfilter|rw-ubuntu|${ts}kernel: .* SRC="
    "written|postfix|rw-ubuntu rw-mail|${ts}postfix/"
    "written|dovecot|rw-mail|${ts}dovecot(\\[[0-9]+\\])?: "
    "written|web_access|rw-web|${ts}(nginx|apache2|httpd)(\\[[0-9]+\\])?: [^ ]+ [^ ]+ [^ ]+ (- )?[^ ]+ \\["
    "written|web_error|rw-web|${ts}(nginx|apache2|httpd)(\\[[0-9]+\\])?: (\\[|[0-9]{4}/)"
    "written|haproxy|rw-web rw-ubuntu|${ts}haproxy\\["
    "written|cef|cef rw-cef|CEF:0[|]"
    "written|leef|cef rw-cef|LEEF:[12]"
    "written|fortigate|fortigate rw-fortigate7|(date|logver)="
    "written|paloalto|paloalto| 1,[0-9]{4}/"
    "written|juniper_srx|juniper|RT_FLOW"
    "written|cisco_asa|cisco rw-cisco-asa|%(ASA|FTD)-[0-9]-"
    "written|cisco_ios|cisco rw-cisco-ios|%(?!ASA|FTD)[A-Z0-9_]+-[0-9]-"
    "written|windows|rw-snare|(MSWinEventLog|NXLOG@)"
)

for c in linux openssh thunderbird; do
    tr -d '\r' < "$data/$c-loghub2k.txt" |
        sed -E 's#^([A-Z][a-z]{2} +[0-9]+ [0-9:]{8}) ([^ /]+)/[^ ]+ #\1 \2 #; s#^([A-Z][a-z]{2} +[0-9]+ [0-9:]{8}) [^ @]+@([^ ]+) #\1 \2 #; s#^([A-Z][a-z]{2} +[0-9]+ [0-9:]{8}) \#([0-9]+)\# #\1 anon\2 #; s/^/<86>/' \
            > "$T/$c.txt"
done
tr -d '\r' < "$data/apache-loghub2k.txt" |
    sed -E 's#^\[[A-Z][a-z]{2} ([A-Z][a-z]{2}) ([0-9]{2}) ([0-9:]{8}) [0-9]{4}\]#<86>\1 \2 \3 web1 httpd: &#; s#^(<86>[A-Z][a-z]{2}) 0#\1  #' \
        > "$T/apache.txt"
for c in rw-ubuntu rw-mail rw-web cef rw-cef fortigate rw-fortigate7 paloalto juniper cisco rw-cisco-asa rw-cisco-ios rw-snare; do
    cp "$top_srcdir/tests/diff/data/$c.txt" "$T/$c.txt" || fail "tests/diff/data/$c.txt is missing"
done

# shellcheck source=tests/mm/rulebase-lib.sh
. "$(dirname "$0")/rulebase-lib.sh"
rb_conf '[%parsesuccess%] %msg%'
declare -A kind_of src_of
for s in "${sources[@]}"; do
    IFS='|' read -r kind rb corpora re <<< "$s"
    name=$rb
    [ "$kind" = real ] || name=${rb}_w
    : > "$T/$name.in"
    for c in $corpora; do
        grep -P "$re" "$T/$c.txt" >> "$T/$name.in" || true
    done
    if [ "$kind" = written ] && [ ! -s "$T/$name.in" ]; then
        log "note: $rb: no line of $corpora selected (written corpus changed?)"
        continue
    fi
    kind_of[$name]=$kind
    src_of[$name]=$rb
    rb_add "$name" "$top_srcdir/rulebase/$rb.rb" "$T/$name.in"
done
rb_run

low=0
for name in "${RB_NAMES[@]}"; do
    all=${RB_N[$name]}
    ok=$(grep -c '^\[OK\] ' "$T/out/$name.out" || true)
    pct=$(awk -v o="$ok" -v a="$all" 'BEGIN { printf "%.1f", 100 * o / a }')
    log "coverage: ${src_of[$name]} (${kind_of[$name]}): $ok/$all ($pct %)"
    if [ -n "${COVERAGE_SHOW:-}" ]; then
        grep -v '^\[OK\] ' "$T/out/$name.out" | sed "s/^/  $name unparsed: /"
    fi
    if [ "${kind_of[$name]}" = real ] &&
        awk -v o="$ok" -v a="$all" -v m="$min" 'BEGIN { exit !(100 * o < m * a) }'; then
        log "FAIL: ${src_of[$name]} parses $pct % of its real corpus, below $min %"
        low=$((low + 1))
    fi
done
[ "$low" -eq 0 ] || fail "$low sources below $min % coverage"
log "ok: every source parses at least $min % of its real corpus"
