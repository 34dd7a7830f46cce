#!/bin/bash
# immark: sluiced and rsyslogd (the reference) each load immark with interval 1 s and run
# 4.5 s; the mark lines they write (priority, tag, programname, hostname, fromhost,
# fromhost-ip, msg, rawmsg) must be the same bytes, 2 to 5 of them (start-up time on a
# loaded machine varies).  Three configurations:
# module parameters with the defaults (use.syslogCall on, "-- MARK --"), the legacy
# $MarkMessagePeriod; then use.syslogCall="off" with markMessageText and a ruleset (that one
# is sluice only: rsyslogd 8.2302 writes no marks in that mode).  rsyslogd sends its marks
# through syslog(3) unless processInternalMessages is on, so both get that setting.  Then
# interval="0": reported, the rest runs.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"
setup
[ "$DUT" = sluice ] || { log "compares sluice with rsyslog itself: skipped for DUT=$DUT"; exit 77; }
[ -x "$RSYSLOGD" ] || { log "the reference $RSYSLOGD is not installed"; exit 77; }
require_plugin immark
require_cmd cmp

TPL='template(name="t" type="string" string="%pri%|%syslogtag%|%programname%|%hostname%|%fromhost%|%fromhost-ip%|%msg%|%rawmsg%\n")'
TPLI='template(name="t" type="string" string="%pri%|%syslogtag%|%programname%|%hostname%|%fromhost%|%fromhost-ip%|%msg%|%rawmsg%|%inputname%\n")'

# write_conf WHO CASE: the config of CASE for WHO, output $T/WHO/CASE.log
write_conf()
{
    local d=$T/$1 out=$T/$1/$2.log
    mkdir -p "$d"
    {
        DUT=$1 dut_global
        printf 'global(localHostname="marktest" processInternalMessages="on")\n'
        case $2 in
            params)
                printf 'module(load="immark" interval="1")\n%s\n' "$TPL"
                printf 'if $msg == "-- MARK --" then action(type="omfile" file="%s" template="t")\n' "$out" ;;
            legacy)
                printf '$ModLoad immark\n$MarkMessagePeriod 1\n%s\n' "$TPL"
                printf 'if $msg == "-- MARK --" then action(type="omfile" file="%s" template="t")\n' "$out" ;;
            ruleset)
                printf 'module(load="immark" interval="1" use.syslogCall="off" markMessageText="tick tock" ruleset="marks")\n%s\n' "$TPLI"
                printf 'ruleset(name="marks") { action(type="omfile" file="%s" template="t") }\n' "$out"
                printf 'if $msg contains "tick" then action(type="omfile" file="%s.main" template="t")\n' "$out" ;;
        esac
    } > "$T/$1-$2.conf"
}

for c in params legacy ruleset; do
    whos="rsyslog sluice"
    [ $c = ruleset ] && whos=sluice
    for who in $whos; do write_conf "$who" $c; done
    pids=()
    for who in $whos; do
        mapfile -t cmd < <(DUT=$who dut_cmd "$T/$who-$c.conf")
        "${cmd[@]}" < /dev/null > "$T/$who-$c.out" 2> "$T/$who-$c.err" &
        pids+=($!)
        track_pid $!
    done
    sleep 4.5
    for p in "${pids[@]}"; do stop_pid "$p" 20; done
    for who in $whos; do
        n=$(count_lines "$T/$who/$c.log")
        [ "$n" -ge 2 ] && [ "$n" -le 5 ] || fail "$c: $who wrote $n marks in 4.5 s (interval 1 s)"
        sort -u "$T/$who/$c.log" > "$T/$who/$c.u"
        [ "$(count_lines "$T/$who/$c.u")" -eq 1 ] || fail "$c: $who's marks differ from each other"
    done
    if [ $c = ruleset ]; then
        [ "$(cat "$T/sluice/$c.u")" = "46|rsyslogd:|rsyslogd|marktest|marktest|127.0.0.1|tick tock|tick tock|immark" ] ||
            fail "ruleset: unexpected mark line $(cat "$T/sluice/$c.u")"
    elif ! cmp -s "$T/rsyslog/$c.u" "$T/sluice/$c.u"; then
        diff -u "$T/rsyslog/$c.u" "$T/sluice/$c.u" >&2
        fail "$c: the mark lines differ (- rsyslog, + sluice)"
    fi
    [ ! -s "$T/sluice/$c.log.main" ] || fail "$c: marks reached the default ruleset"
    log "ok: $c: $(count_lines "$T/sluice/$c.log") marks ($whos): $(cat "$T/sluice/$c.u")"
done

# interval 0: reported; the daemon runs on without marks
{
    dut_global
    printf 'module(load="immark" interval="0")\n'
    printf 'module(load="imtcp")\ninput(type="imtcp" address="127.0.0.1" port="%s")\n' "0"
    printf 'action(type="omfile" file="%s/out/zero.log")\n' "$T"
} > "$T/zero.conf"
dut_check "$T/zero.conf" || true
grep -q 'mark message period must not be 0' "$T/check.err" || fail "interval 0 not reported by -N1"
log "ok: interval 0 is reported"
