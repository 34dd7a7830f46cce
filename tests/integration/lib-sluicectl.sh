#!/bin/bash
# lib-sluicectl.sh - for the sluicectl tests: the control socket's path (under the scratch
# directory, or in /tmp when that path is too long for a unix socket address) and `ctl`,
# sluicectl on it.  Sourced after lib.sh's setup.
SLUICECTL=${SLUICECTL:-$top_builddir/sluicectl}
[ -x "$SLUICECTL" ] || fail "$SLUICECTL not built"
CTL=$T/ctl
if [ ${#CTL} -ge 100 ]; then
    CTL=$(mktemp -u /tmp/slctl.XXXXXXXX)
fi
ctl() { timeout -k 20 10 "$SLUICECTL" -s "$CTL" "$@"; }
# ctl_wait REGEX SECONDS COMMAND...: until COMMAND's output matches REGEX (status 0) or the
# time is up (status 1).
ctl_wait()
{
    local re=$1 secs=$2 i
    shift 2
    for i in $(seq $((secs * 10))); do
        ctl "$@" 2> /dev/null | grep -Eq -- "$re" && return 0
        sleep 0.1
    done
    return 1
}
