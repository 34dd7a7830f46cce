#!/bin/bash
# params.sh - rsyslog's parameter types, accepted and rejected alike: every config in
# tests/diff/param-types/cases goes through `rsyslogd -N1` and `sluiced -N1`; both must agree
# with the verdict its first line states ("# accept" or "# reject"), so a file sluice
# accepts does not fail on rsyslog and the other way round.  The diagnostics sluiced prints
# (FILE:LINE: error|warning: ...) for all of them, in order, must equal
# tests/diff/param-types/expected.
#
# Unknown modules are rejected by both; sluiced names the alternative or the plugin meant
# (PLUGINDIR stands for the plugin directory in the golden file).
# A case file holds one config; every case also gets one working action (rsyslog fails a
# config without any).  Run from the case's scratch directory with a relative file name, so
# FILE:LINE is stable.  The outputs of accepted values are compared with rsyslogd's in the
# params-* cases of run.sh.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/../integration/lib.sh"
setup
[ -x "$RSYSLOGD" ] || fail "$RSYSLOGD not installed"
DIR=$top_srcdir/tests/diff/param-types
n=0
: > "$T/got"
for f in "$DIR"/cases/*.conf; do
    name=$(basename "$f" .conf)
    verdict=$(head -n 1 "$f")
    d=$T/$name
    mkdir -p "$d"
    { cat "$f"; printf 'action(type="omfile" file="%s/ok.log")\n' "$d"; } > "$d/$name.conf"
    rs=0
    ( cd "$d" && timeout -k 20 20 "$RSYSLOGD" -N1 -f "$name.conf" -i "$d/rs.pid" ) > "$d/rs.out" 2>&1 || rs=$?
    sl=0
    ( cd "$d" && timeout -k 20 20 "$SLUICED" -N1 -f "$name.conf" -M "$SLUICE_PLUGIN_DIR" ) > "$d/sl.out" 2>&1 || sl=$?
    case $verdict in
        "# accept")
            [ "$rs" -eq 0 ] || { cat "$d/rs.out" >&2; fail "$name: rsyslogd -N1 rejects it ($rs)"; }
            [ "$sl" -eq 0 ] || { cat "$d/sl.out" >&2; fail "$name: sluiced -N1 rejects it ($sl)"; } ;;
        "# reject")
            [ "$rs" -ne 0 ] || fail "$name: rsyslogd -N1 accepts it"
            [ "$sl" -ne 0 ] || fail "$name: sluiced -N1 accepts it"
            grep -Eq "^(sluiced: )?$name\\.conf:[0-9]+: error: " "$d/sl.out" ||
                { cat "$d/sl.out" >&2; fail "$name: no FILE:LINE error from sluiced"; } ;;
        *) fail "$name: first line must be '# accept' or '# reject'" ;;
    esac
    grep -E "^(sluiced: )?$name\\.conf:[0-9]+: (error|warning): " "$d/sl.out" |
        sed "s|$SLUICE_PLUGIN_DIR|PLUGINDIR|g" >> "$T/got"
    n=$((n + 1))
done
[ "$n" -gt 0 ] || fail "no cases in $DIR/cases"
if ! diff -u "$DIR/expected" "$T/got" > "$T/diff"; then
    cat "$T/diff" >&2
    fail "sluiced's diagnostics differ from $DIR/expected (new output: $T/got)"
fi
log "ok: $n configs, rsyslogd and sluiced agree on every verdict"
