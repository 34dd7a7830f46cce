#!/bin/bash
# omprog-restart.sh - omprog's restart path: the program (tests/prog/exit-after.sh) exits
# after every 3 lines, so the daemon must notice (EPIPE or EOF on the confirmation pipe),
# reap it and start it again.  Two actions:
#   - confirmMessages="on" with forceSingleInstance: 20 lines sent in one burst must all
#     arrive, in order, each exactly once (nothing is lost: every line is confirmed);
#   - confirmMessages off: 7 lines sent one at a time (each waited for) must all arrive.
# The same run with rsyslogd (the oracle) must produce the same files.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/../integration/lib.sh"
setup
HELPERS=$top_srcdir/tests/prog
[ -x "$HELPERS/exit-after.sh" ] || fail "helper $HELPERS/exit-after.sh missing"
NBURST=20
NSLOW=7

run_dut()
{
    local name=$1 dir=$T/$1 port i
    mkdir -p "$dir"
    new_port port
    {
        dut_global
        printf 'module(load="imtcp")\nmodule(load="omprog")\n'
        printf 'template(name="m" type="string" string="%%msg:2:$%%\\n")\n'
        printf 'input(type="imtcp" address="127.0.0.1" port="%s" ruleset="r")\n' "$port"
        printf 'ruleset(name="r") {\n'
        printf '  if $msg contains "burst" then action(type="omprog" template="m" confirmMessages="on"\n'
        printf '     forceSingleInstance="on"\n'
        printf '     action.resumeInterval="1" action.resumeRetryCount="-1"\n'
        printf '     binary="%s/exit-after.sh %s/burst.out 3 confirm")\n' "$HELPERS" "$dir"
        printf '  if $msg contains "slow" then action(type="omprog" template="m"\n'
        printf '     action.resumeInterval="1" action.resumeRetryCount="-1"\n'
        printf '     binary="%s/exit-after.sh %s/slow.out 3")\n' "$HELPERS" "$dir"
        printf '}\n'
    } > "$dir/dut.conf"
    dut_start "$dir/dut.conf" tcp "$port"
    for i in $(seq "$NBURST"); do
        printf '<13>Oct 11 22:14:15 host1 app: burst %d\n' "$i"
    done > "$dir/burst.in"
    timeout -k 20 10 bash -c 'cat "$1" > "/dev/tcp/127.0.0.1/$2"' _ "$dir/burst.in" "$port" || fail "sending to $DUT failed"
    wait_lines "$dir/burst.out" "$NBURST" 30 || fail "$DUT: burst.out incomplete"
    for i in $(seq "$NSLOW"); do
        timeout -k 20 10 bash -c 'printf "<13>Oct 11 22:14:15 host1 app: slow %d\n" "$1" > "/dev/tcp/127.0.0.1/$2"' _ "$i" "$port" ||
            fail "sending to $DUT failed"
        wait_lines "$dir/slow.out" "$i" 30 || fail "$DUT: slow line $i did not arrive"
        sleep 0.3   # let a program that read its last line exit before the next write
    done
    sleep 0.5
    dut_stop
    [ "$DUT_STATUS" -eq 0 ] || fail "$DUT exited with status $DUT_STATUS"
}

DUT=rsyslog
[ -x "$RSYSLOGD" ] || fail "$RSYSLOGD not installed (the oracle)"
run_dut rs
DUT=sluice
run_dut sl

seq "$NBURST" | sed 's/^/burst /' > "$T/burst.expected"
seq "$NSLOW" | sed 's/^/slow /' > "$T/slow.expected"
for f in burst slow; do
    cmp "$T/$f.expected" "$T/sl/$f.out" || { diff "$T/$f.expected" "$T/sl/$f.out" >&2; fail "sluice: $f.out wrong"; }
    cmp "$T/rs/$f.out" "$T/sl/$f.out" || fail "$f.out differs from rsyslog's"
done
log "ok: program restarted; $NBURST confirmed and $NSLOW unconfirmed lines arrived exactly once"
