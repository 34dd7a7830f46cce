#!/bin/bash
# dynaFile confinement (issue 19, path traversal): one UDP datagram whose RFC 5424
# HOSTNAME is "../../esc" must not make omfile write outside the directory of a
# "<dir>/%hostname%.log" dynaFile (rsyslogd 8.2302 writes <dir>/../../esc.log).  The
# property value is confined ('/' -> '_', a "."/".." value -> "_") for the RainerScript
# dynaFile= and the legacy "?template" action alike; dynaFileConfine="off" restores the
# unconfined name and the config check warns about it.  sluice-only (DUT=rsyslog: skipped).
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"
setup
[ "$DUT" = sluice ] || { log "sluice-only behaviour: skipped"; exit 77; }

new_port udp
conf=$T/dut.conf
mkdir -p "$T/out/a/logs" "$T/out/b/logs" "$T/out/c/logs"
{
    dut_global
    printf 'module(load="imudp")\n'
    printf 'input(type="imudp" address="127.0.0.1" port="%s")\n' "$udp"
    printf 'template(name="dynA" type="string" string="%s/out/a/logs/%%hostname%%.log")\n' "$T"
    printf '$template dynB,"%s/out/b/logs/%%hostname%%.log"\n' "$T"
    printf 'template(name="dynC" type="string" string="%s/out/c/logs/%%hostname%%.log")\n' "$T"
    printf 'action(type="omfile" dynaFile="dynA" template="RSYSLOG_FileFormat")\n'
    printf '*.* ?dynB\n'
    printf 'action(type="omfile" dynaFile="dynC" dynaFileConfine="off")\n'
} > "$conf"

# the check warns about the unconfined action only, naming the template and property
dut_check "$conf" || fail "config check failed: $(cat "$T/check.err")"
grep -q "dynaFile template 'dynC' is not confined.*'hostname'" "$T/check.err" \
    || fail "no warning about the unconfined dynaFile: $(cat "$T/check.err")"
[ "$(grep -c 'is not confined' "$T/check.err")" -eq 1 ] || fail "warned about confined actions"

dut_start "$conf" udp "$udp"
for h in ../../esc .. host1; do
    printf '<13>1 2026-12-06T10:00:00Z %s app - - - token %s\n' "$h" "$h" > "/dev/udp/127.0.0.1/$udp"
done
wait_lines "$T/out/c/logs/host1.log" 1 10 || fail "nothing written"
for d in a b; do
    wait_lines "$T/out/$d/logs/host1.log" 1 10 || fail "$d: host1.log missing"
    wait_lines "$T/out/$d/logs/.._.._esc.log" 1 10 || fail "$d: the traversal was not confined"
    wait_lines "$T/out/$d/logs/_.log" 1 10 || fail "$d: hostname '..' not confined"
done
# the opt-out writes where rsyslog does: $T/out/c/logs/../../esc.log = $T/out/esc.log
wait_lines "$T/out/esc.log" 1 10 || fail "dynaFileConfine=off did not keep rsyslog's name"
dut_stop
[ "$DUT_STATUS" -eq 0 ] || fail "exit status $DUT_STATUS"
# nothing else escaped: every file outside out/c is under its own logs/ directory
stray=$(cd "$T/out" && find . -type f ! -path './a/logs/*' ! -path './b/logs/*' ! -path './c/logs/*' ! -name esc.log)
[ -z "$stray" ] || fail "files outside the dynaFile directories: $stray"
[ ! -e "$T/esc.log" ] && [ ! -e "$T/out/a/esc.log" ] || fail "confined action escaped"
log "ok: '../../esc' and '..' confined (dynaFile= and ?template), opt-out warned and unconfined"
