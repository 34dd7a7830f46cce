#!/bin/bash
# -v / --version: the version of the build (config.h's PACKAGE_VERSION) and the compiled-in
# default paths, exit 0, nothing started; -h exits 0; an unknown option exits 2; a bad -N
# level and --dump without -N exit 2; a missing plugin directory is named, with "-M .libs"
# from a build tree.
# shellcheck source=tests/daemon/lib-daemon.sh
. "$(dirname "$0")/lib-daemon.sh"
setup
is_sluice || { log "sluiced's own -v format: skipped for DUT=$DUT"; exit 77; }
want=$(sed -n -E 's/^#define PACKAGE_VERSION "(.*)"$/\1/p' "$top_builddir/config.h")
[ -n "$want" ] || fail "no PACKAGE_VERSION in $top_builddir/config.h"
for opt in -v --version; do
    dm_run "version$opt" 10 "$opt"
    [ "$DM_RC" -eq 0 ] || fail "sluiced $opt exited with $DM_RC"
    out=$T/version$opt.out
    line=$(head -n 1 "$out")
    re="^sluiced ${want//./\\.} \\(plugin ABI [0-9]+\\.[0-9]+\\)\$"
    [[ $line =~ $re ]] || fail "sluiced $opt: first line '$line' does not match '$re'"
    grep -q -E $'^\tConfig file:\t/.+/sluice\\.conf$' "$out" || fail "$opt: no 'Config file:' line"
    grep -q -E $'^\tPlugin dir:\t/.+' "$out" || fail "$opt: no 'Plugin dir:' line"
    grep -q -E $'^\tPID file:\t/run/sluiced\\.pid$' "$out" || fail "$opt: no 'PID file:' line"
    [ ! -s "$T/version$opt.err" ] || fail "$opt wrote to stderr: $(head -n 3 "$T/version$opt.err")"
done
# the help text names the same compiled-in config file
conf=$(sed -n -E $'s/^\tConfig file:\t//p' "$T/version-v.out")
dm_run help 10 -h
[ "$DM_RC" -eq 0 ] || fail "sluiced -h exited with $DM_RC"
grep -q -F "(default $conf)" "$T/help.out" || fail "-h does not name $conf"
dm_run badopt 10 --no-such-option
[ "$DM_RC" -eq 2 ] || fail "unknown option: exit $DM_RC, expected 2"
grep -q '^usage: sluiced' "$T/badopt.err" || fail "unknown option: no usage on stderr"
# a bad -N level and --dump without -N are refused (exit 2, nothing started), not run as a
# daemon (atoi("x") used to be level 0)
for args in "-N x" "-N 0" "-N1x" "--dump"; do
    # shellcheck disable=SC2086  # split on purpose
    dm_run "badcheck" 10 $args -f /dev/null
    [ "$DM_RC" -eq 2 ] || fail "sluiced $args: exit $DM_RC, expected 2"
    grep -q -E -- "-N takes a check level|--dump needs -N" "$T/badcheck.err" ||
        fail "sluiced $args: no explanation: $(head -n 2 "$T/badcheck.err")"
done
# a missing plugin directory is said so, and from a build tree (./.libs holds the plugin:
# the usual mistake, ./sluiced run without -M) the fix is "-M .libs"; elsewhere "-M DIR"
mkdir -p "$T/bt/.libs" "$T/nobt"
: > "$T/bt/.libs/imudp.so"
printf 'module(load="imudp")\n' > "$T/m.conf"
for d in bt nobt; do
    (cd "$T/$d" && env -u SLUICE_PLUGIN_DIR timeout -k 20 10 "$SLUICED" -N1 -f "$T/m.conf" \
        -M "$T/no-such-dir") > /dev/null 2> "$T/$d.err" && fail "$d: -N1 accepted a missing plugin directory"
    grep -q -F "the plugin directory $T/no-such-dir does not exist" "$T/$d.err" ||
        fail "$d: the missing directory is not named: $(head -n 1 "$T/$d.err")"
done
grep -q -F 'from the build tree, run with -M .libs' "$T/bt.err" ||
    fail "build tree: no '-M .libs' hint: $(head -n 1 "$T/bt.err")"
grep -q -F 'give the plugin directory with -M DIR' "$T/nobt.err" ||
    fail "outside a build tree: no '-M DIR' hint: $(head -n 1 "$T/nobt.err")"
log "ok: -v/--version print $want and the default paths; -h 0; bad option 2;" \
    "bad -N level and --dump without -N 2; missing plugin directory: -M .libs / -M DIR"
