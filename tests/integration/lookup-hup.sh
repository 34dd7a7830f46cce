#!/bin/bash
# lookup-hup: SIGHUP reloads lookup tables, as rsyslog does (lookupDoHUP): a table with the
# default reloadOnHUP="on" gives the new file's values after the HUP, one with
# reloadOnHUP="off" keeps its old contents, and a table whose file became invalid keeps
# its old contents (the error is logged) while the daemon runs on.  Then the
# reload_lookup_table statement, run by a message tagged "reload": it reloads a table
# whatever its reloadOnHUP (b), and with a stub value a table whose file does not load
# gives the stub for every key until a reload succeeds (c).  Runs against rsyslogd too
# (DUT=rsyslog), whose reloads are asynchronous: each new value is awaited, bounded.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"
setup
require_cmd logger
new_port port
out=$T/out/l.log
table() { printf '{"version":1,"nomatch":"none","type":"string","table":[{"index":"k","value":"%s"}]}\n' "$2" > "$T/$1.json"; }
table a a1
table b b1
table c c1
{
    dut_global
    printf 'module(load="imudp")\n'
    printf 'input(type="imudp" address="127.0.0.1" port="%s")\n' "$port"
    printf 'lookup_table(name="a" file="%s/a.json")\n' "$T"
    printf 'lookup_table(name="b" file="%s/b.json" reloadOnHUP="off")\n' "$T"
    printf 'lookup_table(name="c" file="%s/c.json")\n' "$T"
    printf 'template(name="t" type="string" string="%%$.a%% %%$.b%% %%$.c%%\\n")\n'
    printf 'if $programname == "reload" then { reload_lookup_table("b") reload_lookup_table("c", "STUB") stop }\n'
    printf 'if $programname == "lt" then {\n'
    printf '  set $.a = lookup("a", "k"); set $.b = lookup("b", "k"); set $.c = lookup("c", "k");\n'
    printf '  action(type="omfile" file="%s" template="t")\n}\n' "$out"
} > "$T/lt.conf"
dut_start "$T/lt.conf" udp "$port"
send_logger "$port" udp "first" -t lt
wait_lines "$out" 1 10 || fail "first message not written"
[ "$(sed -n 1p "$out")" = "a1 b1 c1" ] || fail "before HUP: '$(sed -n 1p "$out")'"
table a a2
table b b2
echo '{"version":1, "table": [' > "$T/c.json"   # broken: the old contents stay
kill -HUP "$DUT_PID"
n=1
for i in $(seq 50); do
    send_logger "$port" udp "again $i" -t lt
    n=$((n + 1))
    wait_lines "$out" "$n" 10 || fail "message $n not written"
    [ "$(sed -n "${n}p" "$out")" = "a2 b1 c1" ] && break
    sleep 0.2
done
[ "$(sed -n "${n}p" "$out")" = "a2 b1 c1" ] || fail "after HUP: '$(sed -n "${n}p" "$out")' (want 'a2 b1 c1')"
dut_alive || fail "$DUT died on SIGHUP"
# expect TAG WANT: send TAG messages (then one "lt") until the last line is WANT (bounded)
expect()
{
    local i
    for i in $(seq 50); do
        send_logger "$port" udp "go" -t "$1"
        send_logger "$port" udp "probe $i" -t lt
        n=$((n + 1))
        wait_lines "$out" "$n" 10 || fail "message $n not written"
        [ "$(sed -n "${n}p" "$out")" = "$2" ] && return 0
        sleep 0.2
    done
    fail "after '$1': '$(sed -n "${n}p" "$out")' (want '$2')"
}
expect reload "a2 b2 STUB"          # b reloaded by the statement, c's file broken: stub
table c c3
expect reload "a2 b2 c3"            # c loads again
dut_stop
[ "$DUT_STATUS" -eq 0 ] || fail "exit $DUT_STATUS after SIGTERM"
log "ok: SIGHUP reloads a, not b (reloadOnHUP off) nor c (broken file); reload_lookup_table reloads b, and gives c's stub while its file is broken"
