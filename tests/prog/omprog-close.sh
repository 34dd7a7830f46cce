#!/bin/bash
# omprog-close.sh - what omprog does to its program at shutdown, compared with rsyslogd:
#   a: signalOnClose="on": the program gets SIGTERM (recorded by tests/prog/stubborn.sh);
#   b: killUnresponsive="on", closeTimeout="500": a program that ignores stdin EOF is
#      killed (SIGKILL) and nothing is recorded;
#   c: hup.signal="USR1": SIGHUP to the daemon reaches the program as SIGUSR1;
# in both cases the program must be gone when the daemon has exited, and the files of the
# two daemons must be identical.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/../integration/lib.sh"
setup
HELPERS=$top_srcdir/tests/prog
[ -x "$HELPERS/stubborn.sh" ] || fail "helper $HELPERS/stubborn.sh missing"

run_dut()
{
    local name=$1 dir=$T/$1 port x pid
    mkdir -p "$dir"
    new_port port
    {
        dut_global
        printf 'module(load="imtcp")\nmodule(load="omprog")\n'
        printf 'template(name="m" type="string" string="%%msg:2:$%%\\n")\n'
        printf 'input(type="imtcp" address="127.0.0.1" port="%s" ruleset="r")\n' "$port"
        printf 'ruleset(name="r") {\n'
        printf '  action(type="omprog" template="m" signalOnClose="on" binary="%s/stubborn.sh %s/a")\n' "$HELPERS" "$dir"
        printf '  action(type="omprog" template="m" killUnresponsive="on" closeTimeout="500"\n'
        printf '         binary="%s/stubborn.sh %s/b")\n' "$HELPERS" "$dir"
        printf '  action(type="omprog" template="m" signalOnClose="on" hup.signal="USR1"\n'
        printf '         binary="%s/stubborn.sh %s/c")\n' "$HELPERS" "$dir"
        printf '}\n'
    } > "$dir/dut.conf"
    dut_start "$dir/dut.conf" tcp "$port"
    timeout -k 20 10 bash -c 'printf "<13>Oct 11 22:14:15 host1 app: one\n" > "/dev/tcp/127.0.0.1/$1"' _ "$port" ||
        fail "sending to $DUT failed"
    wait_lines "$dir/a" 1 15 || fail "$DUT: program a got nothing"
    wait_lines "$dir/b" 1 15 || fail "$DUT: program b got nothing"
    wait_lines "$dir/c" 1 15 || fail "$DUT: program c got nothing"
    kill -HUP "$DUT_PID"
    wait_lines "$dir/c.sig" 1 10 || fail "$DUT: SIGHUP was not forwarded as SIGUSR1"
    dut_stop
    [ "$DUT_STATUS" -eq 0 ] || fail "$DUT exited with status $DUT_STATUS"
    for x in a b c; do
        pid=$(cat "$dir/$x.pid") || fail "$DUT: no pid file for $x"
        if ! wait_pid_exit "$pid" 5; then
            kill -KILL "$pid" 2> /dev/null
            fail "$DUT: program $x (pid $pid) still running after shutdown"
        fi
    done
}

DUT=rsyslog
[ -x "$RSYSLOGD" ] || fail "$RSYSLOGD not installed (the oracle)"
run_dut rs
DUT=sluice
run_dut sl

[ "$(cat "$T/sl/a.sig" 2> /dev/null)" = TERM ] || fail "sluice: program a did not get SIGTERM"
[ ! -e "$T/sl/b.sig" ] || fail "sluice: program b got SIGTERM instead of being killed"
for f in a a.sig b c c.sig; do
    cmp "$T/rs/$f" "$T/sl/$f" || fail "$f differs from rsyslog's"
done
[ "$(cat "$T/sl/c.sig")" = "$(printf 'USR1\nTERM')" ] || fail "sluice: c.sig is '$(cat "$T/sl/c.sig")'"
[ -e "$T/rs/b.sig" ] && fail "oracle: b.sig exists (test assumption wrong)"
log "ok: signalOnClose sends SIGTERM, killUnresponsive kills after closeTimeout, hup.signal forwarded (as rsyslogd)"
