#!/bin/bash
# klog-vs-rsyslog.sh - the same kernel log lines (a file shaped like /proc/kmsg, given as
# imklog's LogPath) read by rsyslogd's imklog and by sluiced's, with the default settings and
# with ParseKernelTimestamp/PermitNonKernelFacility on and with the module bound to a
# ruleset (ruleset=), written with
# RSYSLOG_TraditionalFileFormat, RSYSLOG_FileFormat and a template showing the properties.
# The outputs must be identical after normalising the per-run receive time stamps (today's
# stamps become NOW; converted kernel stamps keep their date and are compared to the second).
# Never reads the real kernel log (/proc/kmsg would consume it).
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/../integration/lib.sh"
setup
[ "$DUT" = sluice ] || { log "SKIP: compares sluice with rsyslog (DUT=sluice only)"; exit 77; }
[ -x "$RSYSLOGD" ] || fail "$RSYSLOGD not installed"

lines()
{
    printf '%s\n' '<6>[   12.345678] usb 1-1: new high-speed USB device number 2' \
        '<3>plain error without stamp' \
        '<14>[    1.000000] user-level facility' \
        'no pri at all' \
        '<6><30>systemd[1]: second PRI' \
        '<4> <28>x: space then PRI' \
        '<6><3>second PRI below 8' \
        '<7>[bad stamp] text' \
        '<5>[12.5] short stamp' \
        '<0>[    0.000001] emergency' \
        '<6>[    2.000000] tab	inside'
}

write_conf()
{
    local d=$1 opts=$2
    mkdir -p "$d/out"
    lines > "$d/kmsg"
    {
        printf 'global(workDirectory="%s")\n' "$d"
        printf 'module(load="imklog" LogPath="%s/kmsg" %s)\n' "$d" "$opts"
        printf 'template(name="props" type="string" string="TS=%%timereported:::date-rfc3339%% H=%%hostname%% FH=%%fromhost%% FHIP=%%fromhost-ip%% PRI=%%pri%% F=%%syslogfacility-text%% S=%%syslogseverity%% TAG=%%syslogtag%% PN=%%programname%% APP=%%app-name%% PID=%%procid%% IN=%%inputname%% MSG=|%%msg%%| RAW=|%%rawmsg%%|\\n")\n'
        # the module's ruleset= (case rs): the lines go there, none to the default ruleset
        case $opts in *ruleset=*)
            printf 'action(type="omfile" file="%s/out/default" template="props")\n' "$d"
            printf 'ruleset(name="k") {\n' ;; esac
        printf 'action(type="omfile" file="%s/out/trad" template="RSYSLOG_TraditionalFileFormat")\n' "$d"
        printf 'action(type="omfile" file="%s/out/file" template="RSYSLOG_FileFormat")\n' "$d"
        printf 'action(type="omfile" file="%s/out/props" template="props")\n' "$d"
        case $opts in *ruleset=*) printf '}\n' ;; esac
    } > "$d/dut.conf"
}

# run_one WHO CASE OPTS EXPECTED_LINES
run_one()
{
    local who=$1 d=$T/$2.$1 pid
    write_conf "$d" "$3"
    if [ "$who" = rsyslog ]; then
        "$RSYSLOGD" -n -iNONE -f "$d/dut.conf" < /dev/null > "$d/out.txt" 2>> "$T/$who.err" &
    else
        "$SLUICED" -n -iNONE -f "$d/dut.conf" -M "$SLUICE_PLUGIN_DIR" < /dev/null > "$d/out.txt" 2>> "$T/$who.err" &
    fi
    pid=$!
    track_pid "$pid"
    wait_lines "$d/out/props" "$4" 15 || fail "$who ($2): not all kernel lines arrived"
    sleep 0.5
    stop_pid "$pid" 20
}

normalise()
{
    local today
    today=$(date -u +%Y-%m-%d)
    today3164=$(LC_ALL=C date -u '+%b %e')
    sed -E -e "s/${today}T[0-9]{2}:[0-9]{2}:[0-9]{2}\\.[0-9]{6}\\+00:00/NOW/g" \
        -e "s/^${today3164} [0-9]{2}:[0-9]{2}:[0-9]{2} /NOW3164 /" "$1"
}

# kernel stamps converted to wall-clock time: equal to the second in both (the offset
# CLOCK_REALTIME - CLOCK_MONOTONIC is read per message, to the microsecond)
normalise_kts()
{
    sed -E -e 's/(T[0-9]{2}:[0-9]{2}:[0-9]{2})\.[0-9]{6}/\1.USEC/g' "$1"
}

status=0
compare()
{
    local c=$1 f
    for f in trad file props; do
        [ -s "$T/$c.sluice/out/$f" ] || fail "sluice wrote nothing to $c/$f"
        if ! diff <(normalise "$T/$c.rsyslog/out/$f" | normalise_kts /dev/stdin) \
                  <(normalise "$T/$c.sluice/out/$f" | normalise_kts /dev/stdin) > "$T/$c.$f.diff"; then
            log "DIFF in $c/$f (< rsyslog, > sluice):"
            cat "$T/$c.$f.diff" >&2
            status=1
        fi
    done
}

run_one rsyslog default '' 7
run_one sluice default '' 7
compare default
run_one rsyslog kts 'ParseKernelTimestamp="on" PermitNonKernelFacility="on"' 11
run_one sluice kts 'ParseKernelTimestamp="on" PermitNonKernelFacility="on"' 11
compare kts
run_one rsyslog rs 'ruleset="k"' 7
run_one sluice rs 'ruleset="k"' 7
compare rs
[ ! -s "$T/rs.sluice/out/default" ] || fail "sluice: the module's ruleset= was not used"
[ "$status" -eq 0 ] || fail "sluice output differs from rsyslog's"
log "ok: kernel lines identical to rsyslog in 9 outputs"
