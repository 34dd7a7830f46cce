# golden-setup.sh - the set-up shared by the golden-file runners tests/configs/run.sh and
# tests/configs/errors/run.sh; sourced by them, not run (distributed with the whole
# tests/configs directory: EXTRA_DIST in core/conf/conf.am).
#
# golden_setup WHAT PROGRAM [--regen]: with --regen sets regen=1 (else 0); exits 99 when
# PROGRAM (named WHAT in the message) is not an executable; makes the scratch directory
# $tmp (removed at exit), changes to $here (set by the caller) and sets fail=0 and n=0.
golden_setup() {
    regen=0
    [ "${3:-}" = "--regen" ] && regen=1
    if [ ! -x "$2" ]; then
        echo "$1 not found at $2" >&2
        exit 99
    fi
    tmp=$(mktemp -d)
    trap 'rm -rf "$tmp"' EXIT
    cd "$here" || exit 99
    fail=0
    n=0
}
