#!/bin/bash
# rulebase-lint.sh - every shipped rulebase (rulebase/*.rb) is a liblognorm v2 rulebase:
# its first line is exactly "version=2" (without it liblognorm falls back to the v1 format
# silently), it has a .samples file, and the daemon under test loads it without any error
# (-N1 with an mmnormalize action; with DUT=rsyslog, rsyslogd 8.2302 does the same check),
# and the copy in the differential case mm-normalize-sshd is up to date.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/../integration/lib.sh"
setup
require_plugin mmnormalize

n=0
for rb in "$top_srcdir"/rulebase/*.rb; do
    [ -f "$rb" ] || continue
    name=$(basename "$rb")
    first=$(head -n 1 "$rb")
    [ "$first" = "version=2" ] || fail "$name: first line is '$first', not 'version=2'"
    [ -f "${rb%.rb}.samples" ] || fail "$name: no ${name%.rb}.samples next to it"
    grep -q '^rule=' "$rb" || fail "$name: no rule= lines"
    {
        dut_global
        printf 'module(load="mmnormalize")\n'
        printf 'action(type="mmnormalize" rulebase="%s")\n' "$rb"
    } > "$T/check.conf"
    dut_check "$T/check.conf" || fail "$name: -N1 failed: $(cat "$T/check.err")"
    # liblognorm's and the daemons' error lines ("...: error: ...", "liblognorm error"),
    # not a path that happens to contain the word
    if sed "s|$T||g; s|$top_srcdir||g" "$T/check.err" | grep -qi 'error'; then
        fail "$name: loading reported errors: $(cat "$T/check.err")"
    fi
    n=$((n + 1))
done
[ "$n" -gt 0 ] || fail "no rulebases found in $top_srcdir/rulebase"

# the differential case runs a copy of sshd.rb (the runner copies case directories only)
cmp -s "$top_srcdir/rulebase/sshd.rb" "$top_srcdir/tests/diff/cases/mm-normalize-sshd/sshd.rb" ||
    fail "tests/diff/cases/mm-normalize-sshd/sshd.rb differs from rulebase/sshd.rb: copy it again"

# the lint itself must catch a rulebase without the version line
printf 'rule=:a %%b:word%%\n' > "$T/bad.rb"
[ "$(head -n 1 "$T/bad.rb")" = "version=2" ] && fail "lint self-check: bad.rb looks valid"
log "ok: $n rulebases are v2 and load cleanly"
