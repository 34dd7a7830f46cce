#!/bin/bash
# bash-completion.sh - dist/bash-completion/sluiced completes sluiced's options, -N levels
# and --describe plugin names (the built-in outputs at least), the rule tester's options
# and --test-format's values; dist/bash-completion/sluicectl sluicectl's commands.
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
# sluicectl: commands, stats/queues --json, trace on|off, the selectors and --json
# shellcheck source=dist/bash-completion/sluicectl
. "$top_srcdir/dist/bash-completion/sluicectl" || fail "sluicectl's does not load"
complete -p sluicectl > /dev/null 2>&1 || fail "no completion registered for sluicectl"
tryctl() { COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); COMPREPLY=(); _sluicectl; }
tryctl sluicectl re
[ "${COMPREPLY[*]}" = "reopen reload" ] || fail "sluicectl re gave '${COMPREPLY[*]}'"
tryctl sluicectl -s /run/x.ctl st
[ "${COMPREPLY[*]}" = "stats" ] || fail "sluicectl -s X st gave '${COMPREPLY[*]}'"
tryctl sluicectl stats ""
[ "${COMPREPLY[*]}" = "--json" ] || fail "stats gave '${COMPREPLY[*]}'"
tryctl sluicectl trace ""
[ "${COMPREPLY[*]}" = "on off" ] || fail "trace gave '${COMPREPLY[*]}'"
tryctl sluicectl trace on input=x r
[ "${COMPREPLY[*]}" = "ruleset=" ] || fail "trace on ... r gave '${COMPREPLY[*]}'"
tryctl sluicectl queues --j
[ "${COMPREPLY[*]}" = "--json" ] || fail "queues --j gave '${COMPREPLY[*]}'"
tryctl sluicectl trace on input=x -
[ "${COMPREPLY[*]}" = "--json" ] || fail "trace on ... - gave '${COMPREPLY[*]}'"
tryctl sluicectl trace on --json m
[ "${COMPREPLY[*]}" = "match=" ] || fail "trace on --json m gave '${COMPREPLY[*]}'"
echo "bash-completion: ok"
