#!/bin/bash
# describe-man: sluice.conf(5)'s MODULES section is generated from the plugin descriptors
# (sluiced --describe-man, dist/install.am): every plugin --list-plugins shows has its
# subsection, parameters without effect say so, and the list of rsyslog modules sluice
# does not have names none that is present.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"
setup
[ "$DUT" = sluice ] || { log "sluice's manual: skipped for DUT=$DUT"; exit 77; }
man5=$top_builddir/doc/sluice.conf.5
[ -f "$man5" ] || fail "$man5 not built"
"$SLUICED" --describe-man -M "$SLUICE_PLUGIN_DIR" > "$T/gen.man" || fail "--describe-man failed"
grep -q '^\.SH MODULES$' "$man5" || fail "no MODULES section in $man5"
grep -q '^\.SH RSYSLOG MODULES SLUICE DOES NOT HAVE$' "$man5" || fail "no missing-modules section"
# the installed page holds exactly what the descriptors give now
sed -n '/^\.SH MODULES$/,/^\.SH FILES$/p' "$man5" | sed '$d' > "$T/in-page.man"
sed -n '/^\.SH MODULES$/,$p' "$T/gen.man" > "$T/gen-body.man"
cmp -s "$T/in-page.man" "$T/gen-body.man" || fail "sluice.conf.5 is out of date with the descriptors"
n=0
while read -r name _; do
    case $name in ""|"("*) continue ;; esac
    grep -q "^\\.SS $name (" "$T/gen.man" || fail "plugin $name has no subsection"
    sed -n '/^\.SH RSYSLOG MODULES/,$p' "$T/gen.man" | grep -qx "\\.B $name" &&
        fail "$name is listed as missing but present"
    n=$((n + 1))
done < <("$SLUICED" --list-plugins -M "$SLUICE_PLUGIN_DIR")
[ "$n" -gt 4 ] || fail "only $n plugins listed"
sed -n '/^\.SS omfwd /,/^\.SS /p' "$T/gen.man" | grep -A1 -x '\.B conErrSkip' | grep -q 'no effect' ||
    fail "omfwd conErrSkip not marked as without effect"
sed -n '/^\.SH RSYSLOG MODULES/,$p' "$T/gen.man" | grep -qx '\.B omclickhouse' ||
    fail "omclickhouse missing from the list of absent modules"
log "ok: $n plugins described, the absent rsyslog modules listed, the page is current"
