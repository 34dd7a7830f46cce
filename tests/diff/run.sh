#!/bin/bash
# run.sh - differential tests: the same config and input through rsyslogd (the reference)
# and the daemon under test; every output file must be equal byte for byte.
#
# A case is a directory cases/NAME/ with
#   conf.in   rsyslog-syntax config; @PORT@ (and @PORT2@) are input ports, @OUTDIR@ the
#             output directory (files may also go into subdirectories of it), @CASEDIR@
#             the case directory (for $IncludeConfig / include() of files shipped with
#             the case; the placeholders are replaced in those files too)
#   send      one or more lines "HOW PATH": HOW is udp|tcp|octet (to @PORT@) or
#             udp2|tcp2|octet2 (to @PORT2@); PATH is the input file (one message per line)
#             relative to the source tree.  Lines are sent in order; between two lines
#             the runner waits until the output is quiet, so the order is deterministic.
#   normalise optional; "received-time": timestamps of today (messages without their own
#             timestamp get the receive time, which differs between runs) become
#             <RECEIVED> in both outputs before comparing.  Nothing else is changed.
#   xfail     optional; first line the reason: the outputs are known to differ until a
#             change outside the suite lands (see DIVERGENCES.md).  Such a case passes
#             when it differs and fails once it is identical, so the marker gets removed.
#             (DUT=rsyslog ignores the marker: rsyslog must agree with itself.)
# The reference and the daemon under test run side by side, and JOBS cases (default 4)
# run at the same time; every case has its own scratch directory, ports and daemons.
# Usage: run.sh [CASE...]   (all cases by default).  DUT=rsyslog compares rsyslog with
# itself, which shows that the cases are deterministic.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/../integration/lib.sh"
TEST_NAME='diff'
CASES_DIR=$top_srcdir/tests/diff/cases
JOBS=${JOBS:-4}

# --- one case (runs in a worker process with its own scratch directory and trap) --------

# start_daemon WHO CONF TAG: starts WHO (rsyslog or sluice) in the background, output to
# $T/WHO.TAG.{out,err}; sets STARTED_PID.  Does not wait for the ports (see wait_ports).
start_daemon()
{
    local who=$1 conf=$2 cmd
    mapfile -t cmd < <(DUT=$who dut_cmd "$conf")
    "${cmd[@]}" < /dev/null > "$T/$who.$3.out" 2>> "$T/$who.$3.err" &
    STARTED_PID=$!
    track_pid "$STARTED_PID"
}

# wait_ports WHO PID PROTO PORT...: all given ports listen, and the daemon still runs.
wait_ports()
{
    local who=$1 pid=$2
    shift 2
    while [ $# -ge 2 ]; do
        if ! wait_port "$1" "$2" 15; then
            kill -0 "$pid" 2> /dev/null || fail "$who exited during start-up"
            fail "$who does not listen on $1 port $2"
        fi
        shift 2
    done
    kill -0 "$pid" 2> /dev/null || fail "$who exited during start-up"
}

# stop_daemon WHO PID: SIGTERM, bounded wait; fails on a hang or a non-zero status.
stop_daemon()
{
    local who=$1 pid=$2 i st=0
    kill -TERM "$pid" 2> /dev/null
    for i in $(seq 200); do
        kill -0 "$pid" 2> /dev/null || break
        sleep 0.1
    done
    if kill -0 "$pid" 2> /dev/null; then
        kill -KILL "$pid" 2> /dev/null
        wait "$pid" 2> /dev/null
        fail "$who did not exit within 20s of SIGTERM"
    fi
    wait "$pid" || st=$?
    [ "$st" -eq 0 ] || fail "$who exited with status $st"
}

# wait_stable_dir DIR QUIET: all files under DIR together stopped growing for QUIET tenths
# of a second (at most 20 s in all).
wait_stable_dir()
{
    local dir=$1 quiet=$2 last=-1 same=0 cur i
    for i in $(seq 200); do
        cur=$(find "$dir" -type f -exec cat {} + 2> /dev/null | wc -c)
        if [ "$cur" = "$last" ]; then
            same=$((same + 1))
            [ "$same" -ge "$quiet" ] && return 0
        else
            same=0
            last=$cur
        fi
        sleep 0.1
    done
}

# wait_some_output DIR: something was written (at most 10 s).
wait_some_output()
{
    local i
    for i in $(seq 100); do
        [ -n "$(find "$1" -type f -size +0 2> /dev/null | head -n 1)" ] && return 0
        sleep 0.1
    done
    return 1
}

normalise_dir()
{
    local dir=$1 day iso f
    iso=$(date -u +%Y-%m-%d)
    day=$(date -u '+%b %e')
    find "$dir" -type f | while read -r f; do
        sed -E -i -e "s/${iso}T[0-9:]{8}(\\.[0-9]{1,6})?(Z|[+-][0-9]{2}:[0-9]{2})/<RECEIVED>/g" \
            -e "s/${day} [0-9]{2}:[0-9]{2}:[0-9]{2}/<RECEIVED>/g" "$f"
    done
}

# send_all CASE REF_PORT1 REF_PORT2 DUT_PORT1 DUT_PORT2: sends the inputs to both daemons.
send_all()
{
    local case=$1 ref_p1=$2 ref_p2=$3 dut_p1=$4 dut_p2=$5 how path first=1 proto p_ref p_dut
    while read -r how path; do
        [ -n "$how" ] || continue
        if [ "$first" -eq 0 ]; then
            wait_stable_dir "$T/rsyslog" 5
            wait_stable_dir "$T/$DUT.dut" 5
        fi
        first=0
        p_ref=$ref_p1
        p_dut=$dut_p1
        case $how in
            *2) how=${how%2} p_ref=$ref_p2 p_dut=$dut_p2 ;;
        esac
        proto=$how
        [ "$how" = udp ] && proto="udp -r 2000"
        # shellcheck disable=SC2086  # proto carries the rate option for udp
        flood -p "$p_ref" -t $proto -i "$top_srcdir/$path" || fail "$case: sending to rsyslog failed"
        # shellcheck disable=SC2086
        flood -p "$p_dut" -t $proto -i "$top_srcdir/$path" || fail "$case: sending to $DUT failed"
    done < "$CASES_DIR/$case/send"
}

# case_protos CASE: prints "proto1 proto2" (proto2 "-" when @PORT2@ is not used).
case_protos()
{
    local how path p1=- p2=-
    while read -r how path; do
        case $how in
            udp) p1=udp ;; tcp | octet) p1=tcp ;;
            udp2) p2=udp ;; tcp2 | octet2) p2=tcp ;;
            '') ;;
            *) fail "$1: bad send line '$how $path'" ;;
        esac
    done < "$CASES_DIR/$1/send"
    printf '%s %s\n' "$p1" "$p2"
}

# make_conf WHO CASE OUT P1 P2 TAG: writes the config for one daemon to $T/TAG.conf.  The
# case directory is copied to $T/TAG.case with the placeholders replaced in every file (so
# that files included from conf.in can use them too); @CASEDIR@ names that copy.
make_conf()
{
    local who=$1 case=$2 out=$3 p1=$4 p2=$5 tag=$6 rel
    local dir=$T/$tag.case
    mkdir -p "$dir"
    while read -r rel; do
        mkdir -p "$dir/$(dirname "$rel")"
        sed -e "s|@PORT@|$p1|g" -e "s|@PORT2@|$p2|g" -e "s|@OUTDIR@|$out|g" \
            -e "s|@CASEDIR@|$dir|g" "$CASES_DIR/$case/$rel" > "$dir/$rel"
    done < <(cd "$CASES_DIR/$case" && find . -type f)
    {
        # a case with a main_queue() of its own keeps it: rsyslog takes only the first one
        if grep -q '^main_queue(' "$dir/conf.in"; then
            DUT=$who dut_global | grep -v '^main_queue('
        else
            DUT=$who dut_global
        fi
        cat "$dir/conf.in"
    } > "$T/$tag.conf"
}

# new_port VAR: as in lib.sh, but from this worker's own range of 400 ports, so that
# workers running at the same time never pick the same port.
new_port()
{
    local i p
    for i in $(seq 200); do
        p=$((20000 + PORT_SLOT * 400 + RANDOM % 400))
        case $SL_GIVEN_PORTS in *" $p "*) continue ;; esac
        port_in_use "$p" && continue
        SL_GIVEN_PORTS="$SL_GIVEN_PORTS$p "
        printf -v "$1" '%s' "$p"
        return 0
    done
    fail "no free port found"
}

# one_case CASE: runs in its own process; exit status 0 when identical.
one_case()
{
    local case=$1 ref dut rp1 rp2 dp1 dp2 pr1 pr2 rpid dpid f rel rc=0 waits_ref waits_dut m
    T=$SCRATCH/$case
    rm -rf "$T"
    mkdir -p "$T" || fail "cannot create $T"
    TEST_NAME="diff $case"
    trap cleanup EXIT
    trap 'exit 1' INT TERM HUP
    ref=$T/rsyslog
    dut=$T/$DUT.dut
    mkdir -p "$ref" "$dut"
    # a case using a plugin configure skipped (optional library missing) is skipped
    for m in $(sed -nE -e 's/.*module\(load="([^"]+)".*/\1/p' \
        -e 's/^[[:space:]]*\$ModLoad[[:space:]]+([^[:space:]]+).*/\1/p' "$CASES_DIR/$case/conf.in"); do
        if ! plugin_built "${m%.so}"; then
            log "skipped: plugin ${m%.so} was not built"
            echo "$case" > "$SCRATCH/$case.skipped"
            return 0
        fi
    done
    ! grep -q mmnormalize "$CASES_DIR/$case/conf.in" || lsan_liblognorm
    read -r pr1 pr2 < <(case_protos "$case")
    [ "$pr1" != - ] || [ "$pr2" != - ] || fail "$case: nothing to send"
    new_port rp1
    new_port rp2
    new_port dp1
    new_port dp2
    make_conf rsyslog "$case" "$ref" "$rp1" "$rp2" ref
    make_conf "$DUT" "$case" "$dut" "$dp1" "$dp2" dut
    waits_ref=()
    waits_dut=()
    [ "$pr1" = - ] || { waits_ref+=("$pr1" "$rp1"); waits_dut+=("$pr1" "$dp1"); }
    [ "$pr2" = - ] || { waits_ref+=("$pr2" "$rp2"); waits_dut+=("$pr2" "$dp2"); }
    start_daemon rsyslog "$T/ref.conf" ref
    rpid=$STARTED_PID
    start_daemon "$DUT" "$T/dut.conf" dut
    dpid=$STARTED_PID
    wait_ports rsyslog "$rpid" "${waits_ref[@]}"
    wait_ports "$DUT" "$dpid" "${waits_dut[@]}"
    send_all "$case" "$rp1" "$rp2" "$dp1" "$dp2"
    wait_some_output "$ref" || fail "rsyslog wrote nothing"
    wait_some_output "$dut" || fail "$DUT wrote nothing"
    wait_stable_dir "$ref" 10
    wait_stable_dir "$dut" 10
    stop_daemon rsyslog "$rpid"
    stop_daemon "$DUT" "$dpid"
    if [ -f "$CASES_DIR/$case/normalise" ]; then
        normalise_dir "$ref"
        normalise_dir "$dut"
    fi
    while read -r rel; do
        [ -f "$ref/$rel" ] || { log "only $DUT wrote $rel"; rc=1; }
    done < <(cd "$dut" && find . -type f | sort)
    while read -r rel; do
        f=$ref/$rel
        if [ ! -f "$dut/$rel" ]; then
            log "$DUT did not write $rel"
            rc=1
        elif ! cmp -s "$f" "$dut/$rel"; then
            log "$rel differs (- rsyslog, + $DUT):"
            diff -u "$f" "$dut/$rel" | head -n 40
            rc=1
        fi
    done < <(cd "$ref" && find . -type f | sort)
    if [ -f "$CASES_DIR/$case/xfail" ] && [ "$DUT" != rsyslog ]; then
        if [ "$rc" -eq 0 ]; then
            log "FAIL: identical, but marked xfail ($(head -n 1 "$CASES_DIR/$case/xfail")): remove the marker"
            exit 1
        fi
        log "ok: differs as expected (xfail: $(head -n 1 "$CASES_DIR/$case/xfail"))"
        return 0
    fi
    if [ "$rc" -eq 0 ]; then
        log "ok ($(find "$ref" -type f -exec cat {} + | wc -l) lines in $(find "$ref" -type f | wc -l) files identical)"
        return 0
    fi
    KEEP_SCRATCH=1
    exit 1
}

main()
{
    local cases=("$@") c failed=0 running=0 i xfails skipped=0
    if [ "${1:-}" = --one ]; then
        SCRATCH=$2
        PORT_SLOT=$(($3 % 100))
        one_case "$4"
        exit $?
    fi
    setup
    [ -x "$RSYSLOGD" ] || fail "the reference $RSYSLOGD is not installed"
    if [ ${#cases[@]} -eq 0 ]; then
        for c in "$CASES_DIR"/*/; do
            cases+=("$(basename "$c")")
        done
    fi
    [ ${#cases[@]} -gt 0 ] || fail "no cases in $CASES_DIR"
    i=0
    for c in "${cases[@]}"; do
        [ -f "$CASES_DIR/$c/conf.in" ] || fail "no case $c"
        i=$((i + 1))
        if [ "$running" -ge "$JOBS" ]; then
            wait -n
            running=$((running - 1))
        fi
        (
            status=0
            bash "$0" --one "$T" "$i" "$c" > "$T/$c.log" 2>&1 || status=$?
            echo "$status" > "$T/$c.status"
        ) &
        running=$((running + 1))
    done
    for i in $(seq "$running"); do
        wait -n
    done
    wait
    for c in "${cases[@]}"; do
        cat "$T/$c.log" 2> /dev/null
        if [ "$(cat "$T/$c.status" 2> /dev/null)" != 0 ]; then
            failed=$((failed + 1))
            log "FAILED: $c"
        fi
    done
    [ "$failed" -eq 0 ] || fail "$failed of ${#cases[@]} cases differ"
    xfails=0
    for c in "${cases[@]}"; do
        if [ -f "$T/$c.skipped" ]; then
            skipped=$((skipped + 1))
        elif [ "$DUT" != rsyslog ] && [ -f "$CASES_DIR/$c/xfail" ]; then
            xfails=$((xfails + 1))
        fi
    done
    log "ok: all ${#cases[@]} cases as expected ($((${#cases[@]} - xfails - skipped)) identical, $xfails xfail, $skipped skipped: plugin not built)"
}

main "$@"
