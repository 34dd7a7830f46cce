#!/bin/bash
# imptcp-framing.sh - imptcp's multiLine and framing.delimiter.regex against rsyslogd 8.2302's
# imptcp, and what both do with a partial frame when the sender closes (dropped).
#   multiLine="on": an LF ends a frame only as the last byte of what one recv() returned or
#     before a '<'; otherwise it stays in the message (escaped #012 by the parser).
#   framing.delimiter.regex: a frame starts where a line matches the regex, matched byte by
#     byte from the line's second byte on the first line (so bytes before a match inside
#     the first line are lost), frames longer than twice maxMessageSize are cut there.
# Both facts depend on recv() boundaries, so every connection sends its bytes in one
# write() (socat from a file, small), which one recv() returns whole in both daemons.
# The rendered raw messages (with the input name) must be equal byte for byte.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/../integration/lib.sh"
setup
require_plugin imptcp
require_cmd socat cmp

# inputs: ml (multiLine), re1 (^<[0-9]+>), re2 (^[0-9]{4}-: Java-style time stamps),
# re3 (a regex that never matches: the 2 x maxMessageSize cut), plain (no option)
INPUTS="ml re1 re2 re3 plain"
send()   # send NAME PORT DATA(printf format)
{
    printf "$3" > "$T/chunk"
    timeout -k 20 5 socat -u "OPEN:$T/chunk" "TCP4:127.0.0.1:$2" || fail "socat to $1"
    sleep 0.3
}

run_one()
{
    local who=$1 pid name
    declare -A port
    {
        printf 'global(workDirectory="%s" maxMessageSize="200")\n' "$T"
        printf 'module(load="imptcp")\n'
        for name in $INPUTS; do
            new_port "port_$name"
            eval "port[$name]=\$port_$name"
            case $name in
                ml) opt='multiLine="on"' ;;
                re1) opt='framing.delimiter.regex="^<[0-9]+>"' ;;
                re2) opt='framing.delimiter.regex="^[0-9]{4}-"' ;;
                re3) opt='framing.delimiter.regex="^NEVER"' ;;
                *) opt='' ;;
            esac
            printf 'input(type="imptcp" address="127.0.0.1" port="%s" name="%s" %s)\n' \
                "${port[$name]}" "$name" "$opt"
        done
        printf 'template(name="t" type="string" string="[%%inputname%%][%%rawmsg%%]\\n")\n'
        printf 'action(type="omfile" file="%s/%s.out" template="t")\n' "$T" "$who"
    } > "$T/$who.conf"
    mapfile -t cmd < <(DUT=$who dut_cmd "$T/$who.conf")
    "${cmd[@]}" < /dev/null > /dev/null 2> "$T/$who.err" &
    pid=$!
    track_pid "$pid"
    for name in $INPUTS; do
        wait_port tcp "${port[$name]}" 15 || fail "$who: $name does not listen"
    done
    send ml "${port[ml]}" '<13>one\n  continued\n\tand tabbed\n<13>two\nno pri here\n<14>three\n'
    send ml "${port[ml]}" '<13>four\n<13>five with no final LF'
    send ml "${port[ml]}" '123 <13>digits first\nthen more\n'
    send re1 "${port[re1]}" '<13>one\n  continued\n<13>two\nthird no pri\n<13>last one kept?'
    send re1 "${port[re1]}" 'x<13>match inside the first line\n<13>b\n<1x>c\n<14>d\n<15>e\n'
    send re2 "${port[re2]}" '2024-05-01 12:00:00 ERROR boom\n\tat a.b.C(C.java:1)\n\tat d.E(E.java:2)\n2024-05-01 12:00:01 INFO ok\n2024-05-01 12:00:02 INFO end\n'
    send re3 "${port[re3]}" "$(printf 'x%.0s' $(seq 450))\\nline after\\n"
    send plain "${port[plain]}" '<13>plain\n<13>no final lf'
    sleep 0.5
    stop_pid "$pid"
}

run_one rsyslog
run_one sluice
[ -s "$T/sluice.out" ] || fail "sluice wrote nothing"
if ! cmp -s "$T/rsyslog.out" "$T/sluice.out"; then
    diff "$T/rsyslog.out" "$T/sluice.out" >&2
    fail "the frames differ"
fi
grep -q '^\[ml\]\[<13>one#012  continued#011and tabbed\]$' "$T/sluice.out" ||
    grep -q '^\[ml\]\[<13>one#012  continued#012#011and tabbed\]$' "$T/sluice.out" ||
    fail "multiLine did not join the continuation lines"
grep -q '^\[re2\]\[2024-05-01 12:00:00 ERROR boom#012#011at a.b.C' "$T/sluice.out" ||
    fail "the regex did not join the stack trace"
log "$(count_lines "$T/sluice.out") frames identical with rsyslogd's"
log "PASS"
