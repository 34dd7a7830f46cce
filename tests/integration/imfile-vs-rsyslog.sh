#!/bin/bash
# imfile-vs-rsyslog.sh - differential test of imfile: rsyslogd 8.2302 and sluiced read the
# same files at the same time (each with its own work directory), through the same config;
# every output file and every state file must be equal byte for byte.  Covered: plain
# lines (tab, empty lines, UTF-8, an unfinished last line kept in the state), readMode 1
# and 2, startmsg.regex, endmsg.regex with escapeLF.replacement, trimLineOverBytes,
# facility/severity names and numbers, addCeeTag, freshStartTail, tag with and without
# colon, addMetadata default (on) and off, ruleset=, wildcards in directory and file names
# (a directory made while running), needParse="on", a file longer than 512 bytes (state name with
# rsyslog's file id), a file deleted while running (its state file goes).  Then both are restarted after more lines are
# appended: the second part must again be equal, with nothing repeated.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=tests/integration/lib_imfile.sh
. "$(dirname "$0")/lib_imfile.sh"
# IMFILE_MODE=polling: the same in polling mode (imfile-vs-rsyslog-polling.sh)
MODE=${IMFILE_MODE:-inotify}
[ "$MODE" = inotify ] || TEST_NAME=imfile-vs-rsyslog-$MODE
setup
require_plugin imfile
require_rsyslog_imfile

IN=$T/in
mkdir -p "$IN/w/a" "$IN/w/b" "$IN/w/c"
printf 'first line\n\tsecond with tab\n\n   spaces  \nutf-8: gr\xc3\xbc\xc3\x9fe\n' > "$IN/plain.log"
for i in $(seq 1 40); do printf 'filler line %03d to pass 512 bytes\n' "$i"; done >> "$IN/plain.log"
printf 'unfinished' >> "$IN/plain.log"
printf 'p1 a\np1 b\n\np2 a\n\n\np3 a\np3 b\np3 c\n\np4 pending\n' > "$IN/para.log"
printf 'e1\n  at one\n\tat two\ne2\ne3\n more\ne4\n' > "$IN/indent.log"
printf '2024-01-01 first\n  cont 1\n  cont 2\n2024-01-02 second\n2024-01-03 third\nx\n' > "$IN/start.log"
printf 'a\nb END\nc END\nd\ne\nf END\ng\n' > "$IN/end.log"
printf 'short\n0123456789abcdef\n0123456789\n' > "$IN/trim.log"
printf '{"a":1}\nplain\n' > "$IN/cee.log"
printf 'old 1\nold 2\n' > "$IN/fresh.log"
printf 'wa1\nwa2\n' > "$IN/w/a/x1.log"
printf 'wb1\n' > "$IN/w/b/x2.log"
printf 'not matched\n' > "$IN/w/c/y.log"
# needParse: the parser chain without hostname parsing (the word after the timestamp is the
# TAG, HOSTNAME stays the local host's), PRI from the line (13 without one), the tag
# parameter kept where no parser sets a TAG (RFC 5424, JSON)
printf '%s\n' '<13>Mar  1 00:00:01 host1 app[12]: msg one' 'Mar  1 00:00:02 host2 app2: msg two' \
    'plain line no header' '<165>1 2024-01-01T00:00:00Z h5 app5 123 ID5 - five' \
    '<34>app3: msg three' '{"json":1}' > "$IN/np.log"

# conf WHO: the config for daemon WHO (rsyslog or sluice), work dir and outputs in $T/WHO
conf()
{
    local d=$T/$1
    mkdir -p "$d/out"
    cat << EOF
global(workDirectory="$d")
main_queue(queue.workerThreads="1")
module(load="imfile" mode="$MODE" pollingInterval="1")
template(name="t" type="string" string="%pri%|%syslogfacility-text%|%syslogseverity-text%|%hostname%|%fromhost%|%fromhost-ip%|%syslogtag%|%programname%|%app-name%|%procid%|%msgid%|%inputname%|%protocol-version%|%structured-data%|%\$!%|%msg%|%rawmsg%|%msg:::drop-last-lf%\n")
template(name="trad" type="string" string="%HOSTNAME% %syslogtag%%msg:::sp-if-no-1st-sp%%msg:::drop-last-lf%\n")
ruleset(name="plain") { action(type="omfile" file="$d/out/plain" template="t") action(type="omfile" file="$d/out/plain.trad" template="trad") }
ruleset(name="para") { action(type="omfile" file="$d/out/para" template="t") }
ruleset(name="indent") { action(type="omfile" file="$d/out/indent" template="t") }
ruleset(name="start") { action(type="omfile" file="$d/out/start" template="t") }
ruleset(name="end") { action(type="omfile" file="$d/out/end" template="t") }
ruleset(name="trim") { action(type="omfile" file="$d/out/trim" template="t") }
template(name="tc" type="string" string="%syslogtag%|%\$!%|%msg%|%rawmsg%\n")
ruleset(name="cee") { action(type="omfile" file="$d/out/cee" template="tc") }
ruleset(name="fresh") { action(type="omfile" file="$d/out/fresh" template="t") }
ruleset(name="np") { action(type="omfile" file="$d/out/np" template="t") }
ruleset(name="wild") { action(type="omfile" file="$d/out/wild" template="t") }
input(type="imfile" file="$IN/plain.log" tag="plain" ruleset="plain")
input(type="imfile" file="$IN/para.log" tag="para:" readMode="1" ruleset="para" facility="user" severity="info")
input(type="imfile" file="$IN/indent.log" tag="indent" readMode="2" ruleset="indent" facility="local7" severity="3")
input(type="imfile" file="$IN/start.log" tag="start" startmsg.regex="^[0-9]{4}-" ruleset="start")
input(type="imfile" file="$IN/end.log" tag="end[42]:" endmsg.regex="END\$" escapeLF.replacement=" | " ruleset="end")
input(type="imfile" file="$IN/trim.log" tag="trim:" trimLineOverBytes="10" facility="mail" severity="err" addMetadata="off" ruleset="trim")
input(type="imfile" file="$IN/w/*/x*.log" tag="wild" ruleset="wild")
input(type="imfile" file="$IN/cee.log" tag="cee" addCeeTag="on" ruleset="cee")
input(type="imfile" file="$IN/fresh.log" tag="fresh" freshStartTail="on" ruleset="fresh")
input(type="imfile" file="$IN/np.log" tag="ftag:" needParse="on" facility="local3" severity="warning" ruleset="np")
EOF
}

conf rsyslog > "$T/rsyslog.conf"
conf sluice > "$T/sluice.conf"
DUT=sluice dut_check "$T/sluice.conf" || { cat "$T/check.err" >&2; fail "sluiced -N1 rejects the config"; }

# wait until both output trees stopped changing for QUIET tenths of a second (at most 15 s;
# longer than the polling interval in polling mode)
QUIET=5
[ "$MODE" = polling ] && QUIET=15
wait_quiet()
{
    local prev='' cur i
    for i in $(seq 150); do
        sleep 0.1
        cur=$(cat "$T"/rsyslog/out/* "$T"/sluice/out/* 2> /dev/null | md5sum)
        if [ "$cur" = "$prev" ] && [ "$i" -gt $((2 * QUIET)) ]; then
            return 0
        fi
        [ $((i % QUIET)) -eq 0 ] && prev=$cur
    done
    return 0
}

compare()
{
    local f bad=0
    for f in plain plain.trad para indent start end trim cee np $2; do
        [ -s "$T/rsyslog/out/$f" ] || fail "rsyslogd wrote no $f"
        if ! cmp -s "$T/rsyslog/out/$f" "$T/sluice/out/$f"; then
            log "$1: output $f differs:"
            diff "$T/rsyslog/out/$f" "$T/sluice/out/$f" | head -20
            bad=1
        fi
    done
    # the files of one wildcard input may be read in either order
    if ! cmp -s <(sort "$T/rsyslog/out/wild") <(sort "$T/sluice/out/wild"); then
        log "$1: output wild differs:"
        diff <(sort "$T/rsyslog/out/wild") <(sort "$T/sluice/out/wild") | head -20
        bad=1
    fi
    # state files: same names (inode, file id) and contents
    (cd "$T/rsyslog" && ls imfile-state:* 2> /dev/null | grep -vx "${DELETED:-none}" | sort) > "$T/rs.states"
    (cd "$T/sluice" && ls imfile-state:* 2> /dev/null | grep -vx "${DELETED:-none}" | sort) > "$T/sl.states"
    [ -s "$T/rs.states" ] || fail "rsyslogd wrote no state files"
    if ! cmp -s "$T/rs.states" "$T/sl.states"; then
        log "$1: state file names differ:"
        diff "$T/rs.states" "$T/sl.states"
        bad=1
    else
        while read -r f; do
            if ! cmp -s "$T/rsyslog/$f" "$T/sluice/$f"; then
                log "$1: state file $f differs:"
                cat "$T/rsyslog/$f"; echo; cat "$T/sluice/$f"; echo
                bad=1
            fi
        done < "$T/rs.states"
    fi
    [ "$bad" -eq 0 ] || fail "$1: sluiced differs from rsyslogd"
}

start_both
wait_quiet
stop_both
compare "first run" ''
[ -e "$T/sluice/out/fresh" ] && fail "freshStartTail: old lines were read"
n1=$(wc -l < "$T/sluice/out/plain")
[ "$n1" -eq 44 ] || fail "expected 44 lines from plain.log, got $n1"

# more lines while both are down, then a restart: only the new lines come
printf ' finished\nafter restart\n' >> "$IN/plain.log"
printf "\np5 a\np5 b\n\n" >> "$IN/para.log"
printf '2024-01-04 fourth\n' >> "$IN/start.log"
printf 'h END\n' >> "$IN/end.log"
printf 'wa3\n' >> "$IN/w/a/x1.log"
start_both
wait_quiet
printf 'while running\n' >> "$IN/plain.log"
printf 'wb2\n' >> "$IN/w/b/x2.log"
printf 'new 1\n' >> "$IN/fresh.log"
mkdir -p "$IN/w/d"
printf 'wd1\n' > "$IN/w/d/x3.log"
wait_quiet
# a deleted file's state file goes (deleteStateOnFileDelete, default on).  rsyslogd keeps
# reading a deleted file for 5 s and removes its state only at a later directory event:
# that state file is left out of the comparison.
DELETED=imfile-state:$(stat -c %i "$IN/w/b/x2.log")
rm -f "$IN/w/b/x2.log"
sleep 1.5
[ -e "$T/sluice/$DELETED" ] && fail "the state file of the deleted file is still there"
stop_both
compare "after restart" fresh
[ "$(cat "$T/sluice/out/fresh" | wc -l)" -eq 1 ] || fail "freshStartTail: want only the new line"
n2=$(wc -l < "$T/sluice/out/plain")
[ "$n2" -eq $((n1 + 3)) ] || fail "expected 3 more lines from plain.log after the restart, got $((n2 - n1))"
grep -q 'unfinished finished' "$T/sluice/out/plain" || fail "the line unfinished at the restart is not whole"
log "ok ($MODE): outputs and state files equal to rsyslogd's ($n2 plain lines, 2 runs)"
exit 0
