#!/bin/bash
# bash-completion.sh - dist/bash-completion/sluiced completes sluiced's options, -N levels
# and --describe plugin names (the built-in outputs at least), the rule tester's options
# and --test-format's values.
set -u
top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
top_builddir=${top_builddir:-$PWD}
fail() { echo "bash-completion: FAIL: $*" >&2; exit 1; }
compopt() { :; }
# shellcheck source=dist/bash-completion/sluiced
. "$top_srcdir/dist/bash-completion/sluiced" || fail "does not load"
complete -p sluiced > /dev/null 2>&1 || fail "no completion registered for sluiced"
try() { COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); COMPREPLY=(); _sluiced; }
try "$top_builddir/sluiced" --de
[ "${COMPREPLY[*]}" = "--describe" ] || fail "--de gave '${COMPREPLY[*]}'"
try "$top_builddir/sluiced" -N ""
[ "${COMPREPLY[*]}" = "1 2" ] || fail "-N gave '${COMPREPLY[*]}'"
try "$top_builddir/sluiced" --describe omf
[ "${COMPREPLY[*]}" = "omfile omfwd" ] || fail "--describe omf gave '${COMPREPLY[*]}'"
try "$top_builddir/sluiced" --test-f
[ "${COMPREPLY[*]}" = "--test-fromhost --test-format" ] || fail "--test-f gave '${COMPREPLY[*]}'"
try "$top_builddir/sluiced" --test-format ""
[ "${COMPREPLY[*]}" = "text json expect" ] || fail "--test-format gave '${COMPREPLY[*]}'"
echo "bash-completion: ok"
