#!/bin/bash
# strict-config.sh - global(sluice.strictConfig="on") (sluice only) refuses to start on the
# errors rsyslog 8.2302 runs past (tests/diff/cases/degraded-*): the same config with one
# broken action() starts without it by default and is refused, with its FILE:LINE, in
# strict mode; -N1 exits 1 either way.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"
setup
[ "$DUT" = sluice ] || { log "sluice-only global: skipped for DUT=$DUT"; exit 77; }
new_port PORT
mkdir -p "$T/out"

# write_conf NAME STRICT
write_conf()
{
    {
        [ "$2" = on ] && printf 'global(sluice.strictConfig="on")\n'
        printf 'module(load="imudp")\n'
        printf 'input(type="imudp" address="127.0.0.1" port="%s")\n' "$PORT"
        printf 'action(type="omfile" file="%s/out/broken" queue.type="nosuchtype" flushOnTXEnd="maybe")\n' "$T"
        printf 'action(type="omfile" file="%s/out/working")\n' "$T"
    } > "$T/$1.conf"
}
write_conf lenient off
write_conf strict on

for c in lenient strict; do
    rc=0
    dut_check "$T/$c.conf" || rc=$?
    [ "$rc" -eq 1 ] || { cat "$T/check.err" >&2; fail "$c: -N1 exits $rc, not 1"; }
    grep -q "$c.conf:[0-9]*: notice: .*action disabled" "$T/check.err" ||
        { cat "$T/check.err" >&2; fail "$c: -N1 does not name the disabled action"; }
done
log "ok: -N1 exits 1 with and without strict mode"

# default: starts without the broken action
dut_start "$T/lenient.conf" udp "$PORT"
printf '<13>Mar  1 00:00:01 h t: one\n' > /dev/udp/127.0.0.1/"$PORT"
wait_lines "$T/out/working" 1 10 || fail "the working action wrote nothing"
[ ! -e "$T/out/broken" ] || fail "the disabled action wrote"
dut_stop
log "ok: default mode runs without the broken action"

# strict: refused, with the reason
mapfile -t cmd < <(dut_cmd "$T/strict.conf")
rc=0
timeout -k 20 20 "${cmd[@]}" < /dev/null > /dev/null 2> "$T/strict.err" || rc=$?
[ "$rc" -eq 1 ] || { cat "$T/strict.err" >&2; fail "strict mode: sluiced exits $rc, not 1"; }
grep -q 'not starting (global sluice.strictConfig="on")' "$T/strict.err" ||
    { cat "$T/strict.err" >&2; fail "strict mode: no refusal message"; }
grep -q "strict.conf:4: error: " "$T/strict.err" || fail "strict mode: no FILE:LINE"
# strict: a bad ruleset() or main_queue() parameter is refused as well
printf 'global(sluice.strictConfig="on")\nmain_queue(queue.size="abc")\nruleset(name="r" bogus="1") { action(type="omfile" file="%s/out/r") }\n' \
    "$T" > "$T/strict-q.conf"
mapfile -t cmd < <(dut_cmd "$T/strict-q.conf")
rc=0
timeout -k 20 20 "${cmd[@]}" < /dev/null > /dev/null 2> "$T/strict-q.err" || rc=$?
[ "$rc" -eq 1 ] || { cat "$T/strict-q.err" >&2; fail "strict mode (queue): sluiced exits $rc, not 1"; }
grep -q "strict-q.conf:2: error: main_queue(): parameter 'queue.size'" "$T/strict-q.err" &&
    grep -q "strict-q.conf:3: error: ruleset 'r': parameter 'bogus' not known" "$T/strict-q.err" ||
    { cat "$T/strict-q.err" >&2; fail "strict mode (queue): errors not reported"; }
log "PASS"
