#!/bin/bash
# run.sh - differential tests: the same config and input through rsyslogd (the reference)
# and the daemon under test; every output file must be equal byte for byte.
#
# A case is a directory cases/NAME/ with
#   conf.in   rsyslog-syntax config; @PORT@ is the input port, @OUTDIR@ the output directory
#   send      one line "udp|tcp|octet PATH": how to send, and the input file (one message
#             per line) relative to the source tree
#   normalise optional; "received-time": timestamps of today (messages without their own
#             timestamp get the receive time, which differs between runs) become
#             <RECEIVED> in both outputs before comparing.  Nothing else is changed.
# Usage: run.sh [CASE...]   (all cases by default).  DUT=rsyslog compares rsyslog with
# itself, which shows that the cases are deterministic.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/../integration/lib.sh"
TEST_NAME='diff'
CASES_DIR=$top_srcdir/tests/diff/cases

# run_case_with WHO CASE OUT: one daemon, one case; outputs land in OUT/.
run_case_with()
{
    local DUT=$1 case=$2 out=$3 how path port proto conf n
    read -r how path < "$CASES_DIR/$case/send"
    new_port port
    proto=tcp
    [ "$how" = udp ] && proto=udp
    mkdir -p "$out"
    conf=$T/$case.$DUT.conf
    { dut_global; sed -e "s|@PORT@|$port|g" -e "s|@OUTDIR@|$out|g" "$CASES_DIR/$case/conf.in"; } > "$conf"
    DUT_ERR=
    dut_start "$conf" "$proto" "$port"
    if [ "$how" = udp ]; then
        flood -p "$port" -t udp -r 2000 -i "$top_srcdir/$path" || fail "$case: sending failed"
    else
        flood -p "$port" -t "$how" -i "$top_srcdir/$path" || fail "$case: sending failed"
    fi
    n=0
    for i in $(seq 100); do
        n=$(cat "$out"/* 2> /dev/null | wc -l)
        [ "$n" -gt 0 ] && break
        sleep 0.1
    done
    [ "$n" -gt 0 ] || fail "$case: $DUT wrote nothing"
    wait_stable_dir "$out"
    dut_stop
    [ "$DUT_STATUS" -eq 0 ] || fail "$case: $DUT exited with status $DUT_STATUS"
    mv "$T/dut.err" "$T/$case.$DUT.stderr" 2> /dev/null
    return 0
}

# wait_stable_dir DIR: all files in DIR together stopped growing for 1 s (max 20 s).
wait_stable_dir()
{
    local last=-1 same=0 cur i
    for i in $(seq 200); do
        cur=$(cat "$1"/* 2> /dev/null | wc -c)
        if [ "$cur" = "$last" ]; then
            same=$((same + 1))
            [ "$same" -ge 10 ] && return 0
        else
            same=0
            last=$cur
        fi
        sleep 0.1
    done
}

normalise_dir()
{
    local dir=$1 day iso f
    iso=$(date -u +%Y-%m-%d)
    day=$(date -u '+%b %e')
    for f in "$dir"/*; do
        sed -E -i -e "s/${iso}T[0-9:]{8}(\\.[0-9]{1,6})?(Z|[+-][0-9]{2}:[0-9]{2})/<RECEIVED>/g" \
            -e "s/${day} [0-9]{2}:[0-9]{2}:[0-9]{2}/<RECEIVED>/g" "$f"
    done
}

# compare_case CASE: runs the reference and the DUT, compares.  Returns 1 on a difference.
compare_case()
{
    local case=$1 ref=$T/$1/rsyslog dut=$T/$1/$DUT.dut f rc=0
    run_case_with rsyslog "$case" "$ref"
    run_case_with "$DUT" "$case" "$dut"
    if [ -f "$CASES_DIR/$case/normalise" ]; then
        normalise_dir "$ref"
        normalise_dir "$dut"
    fi
    for f in "$ref"/* "$dut"/*; do
        [ -f "$ref/$(basename "$f")" ] || { log "$case: only $DUT wrote $(basename "$f")"; rc=1; }
        [ -f "$dut/$(basename "$f")" ] || { log "$case: $DUT did not write $(basename "$f")"; rc=1; }
    done
    for f in "$ref"/*; do
        [ -f "$dut/$(basename "$f")" ] || continue
        if ! cmp -s "$f" "$dut/$(basename "$f")"; then
            log "$case: $(basename "$f") differs (- rsyslog, + $DUT):"
            diff -u "$f" "$dut/$(basename "$f")" | head -n 40
            rc=1
        fi
    done
    [ "$rc" -eq 0 ] && log "ok: $case ($(cat "$ref"/* | wc -l) lines in $(ls "$ref" | wc -l) files identical)"
    return "$rc"
}

main()
{
    local cases=("$@") c failed=0
    setup
    [ -x "$RSYSLOGD" ] || fail "the reference $RSYSLOGD is not installed"
    if [ ${#cases[@]} -eq 0 ]; then
        for c in "$CASES_DIR"/*/; do
            cases+=("$(basename "$c")")
        done
    fi
    [ ${#cases[@]} -gt 0 ] || fail "no cases in $CASES_DIR"
    for c in "${cases[@]}"; do
        compare_case "$c" || failed=$((failed + 1))
    done
    [ "$failed" -eq 0 ] || fail "$failed of ${#cases[@]} cases differ"
    log "ok: all ${#cases[@]} cases identical"
}

main "$@"
