#!/bin/bash
# omprog-bytes.sh - omprog end to end: the same fixed lines go over TCP into sluiced and
# into rsyslogd (the oracle) with the same config; three omprog actions write what they get
# on stdin to files (tests/prog/args.sh): with the default template (RSYSLOG_FileFormat),
# with a custom template and arguments that show rsyslog's splitting (every space
# separates; quotes and backslashes are plain characters), and with output= catching the
# program's stderr.  Every file must be byte-identical between the two daemons, and
# the program's argument vector must be split the same way.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/../integration/lib.sh"
setup
HELPERS=$top_srcdir/tests/prog
[ -x "$HELPERS/args.sh" ] || fail "helper $HELPERS/args.sh missing"

INPUT=$T/input.txt
{
    printf '<13>Oct 11 22:14:15 host1 app1[12]: first message\n'
    printf '<165>Nov  3 01:02:03 host2 app2: second message with  two spaces\n'
    printf '<14>Jan 31 23:59:59 host3 tag3: third \\ backslash "quotes" and %%percent\n'
    printf '<191>Feb  1 00:00:00 host4 last: done\n'
} > "$INPUT"
NLINES=$(count_lines "$INPUT")

# run_dut NAME: runs the scenario with the current $DUT; outputs go to $T/NAME/.
run_dut()
{
    local name=$1 dir=$T/$1 port
    mkdir -p "$dir"
    new_port port
    {
        dut_global
        printf 'module(load="imtcp")\nmodule(load="omprog")\n'
        printf 'template(name="raw" type="string" string="[%%rawmsg%%]|%%syslogtag%%|%%msg%%\\n")\n'
        printf 'input(type="imtcp" address="127.0.0.1" port="%s" ruleset="r")\n' "$port"
        printf 'ruleset(name="r") {\n'
        printf '  action(type="omprog" binary="%s/args.sh %s/default.out")\n' "$HELPERS" "$dir"
        printf '  action(type="omprog" template="raw" binary="%s/args.sh %s/raw.out one \\"two words\\" '"'"'three  sq'"'"' four\\\\ esc")\n' "$HELPERS" "$dir"
        printf '  action(type="omprog" output="%s/stderr.out" binary="%s/args.sh %s/third.out")\n' "$dir" "$HELPERS" "$dir"
        printf '}\n'
    } > "$dir/dut.conf"
    dut_start "$dir/dut.conf" tcp "$port"
    timeout -k 20 10 bash -c 'cat "$1" > "/dev/tcp/127.0.0.1/$2"' _ "$INPUT" "$port" || fail "sending to $DUT failed"
    wait_lines "$dir/default.out" "$NLINES" 15 || fail "$DUT: default.out incomplete"
    wait_lines "$dir/raw.out" "$NLINES" 15 || fail "$DUT: raw.out incomplete"
    wait_lines "$dir/third.out" "$NLINES" 15 || fail "$DUT: third.out incomplete"
    dut_stop
    [ "$DUT_STATUS" -eq 0 ] || fail "$DUT exited with status $DUT_STATUS"
}

DUT=rsyslog
[ -x "$RSYSLOGD" ] || fail "$RSYSLOGD not installed (the oracle)"
run_dut rs
DUT=sluice
run_dut sl

for f in default.out raw.out raw.out.args third.out stderr.out; do
    [ -f "$T/rs/$f" ] || fail "oracle produced no $f"
    cmp "$T/rs/$f" "$T/sl/$f" || { diff "$T/rs/$f" "$T/sl/$f" >&2; fail "$f differs from rsyslog's"; }
done
[ "$(stat -c %a "$T/sl/stderr.out")" = "$(stat -c %a "$T/rs/stderr.out")" ] ||
    fail "output file mode differs: $(stat -c %a "$T/sl/stderr.out") vs $(stat -c %a "$T/rs/stderr.out")"
[ "$(count_lines "$T/sl/default.out")" -eq "$NLINES" ] || fail "expected $NLINES lines"
log "ok: omprog output identical to rsyslogd's ($NLINES lines, 3 actions, argv split)"
