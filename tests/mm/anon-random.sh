#!/bin/bash
# anon-random.sh - mmanon's random modes, which cannot be compared with rsyslog byte for
# byte: with ipv4.mode="random-consistent" (and the same for IPv6 and embedded IPv4) every
# address keeps its prefix (the bits not anonymized), comes out as a valid normalized
# address, and the same original address gets the same replacement in every message, while
# different ones (200 of them) do not all collapse into one; ipv4.mode="random" keeps the
# prefix too.  Needs the host's msg_set_msg: skipped (77) when this sluiced lacks it.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/../integration/lib.sh"
setup
[ "$DUT" = sluice ] || { log "random modes are checked on sluice only"; exit 77; }

new_port port
out=$T/out/anon.log
{
    dut_global
    printf 'module(load="imtcp")\nmodule(load="mmanon")\n'
    printf 'input(type="imtcp" address="127.0.0.1" port="%s" ruleset="r")\n' "$port"
    printf 'template(name="t" type="string" string="%%msg%%\\n")\n'
    printf 'ruleset(name="r") {\n'
    # shellcheck disable=SC2016  # rsyslog syntax, not shell
    printf '  if $msg contains "rc " then {\n'
    printf '    action(type="mmanon" ipv4.mode="random-consistent" ipv4.bits="8"\n'
    printf '           ipv6.anonmode="random-consistent" ipv6.bits="64"\n'
    printf '           embeddedipv4.anonmode="random-consistent" embeddedipv4.bits="40")\n'
    printf '  } else {\n'
    printf '    action(type="mmanon" ipv4.mode="random" ipv4.bits="16")\n'
    printf '  }\n'
    printf '  action(type="omfile" file="%s" template="t")\n}\n' "$out"
} > "$T/dut.conf"
dut_check "$T/dut.conf" || {
    grep -q 'msg_set_msg' "$T/check.err" && { log "SKIP: this sluiced has no msg_set_msg"; exit 77; }
    fail "-N1 failed: $(cat "$T/check.err")"
}

# input: 200 distinct IPv4 addresses, each twice in one message and once more in a later
# message; a fixed IPv6 and embedded address in every message; then "random" lines.
in=$T/in.txt
: > "$in"
for i in $(seq 0 199); do
    a="10.20.$((i % 250)).$((i * 7 % 250))"
    printf '<13>Nov 22 16:00:00 h app: rc %s and %s v6 2001:db8:1:2:3:4:5:6 emb ::ffff:192.0.2.1\n' "$a" "$a" >> "$in"
done
for i in $(seq 0 199); do
    printf '<13>Nov 22 16:00:01 h app: rc again 10.20.%d.%d\n' $((i % 250)) $((i * 7 % 250)) >> "$in"
done
for i in $(seq 1 20); do
    printf '<13>Nov 22 16:00:02 h app: rnd 172.16.%d.%d\n' "$i" "$i" >> "$in"
done
n=$(count_lines "$in")

dut_start "$T/dut.conf" tcp "$port"
flood -p "$port" -t tcp -i "$in" || fail "sending failed"
wait_lines "$out" "$n" 20 || fail "only $(count_lines "$out") of $n lines written"
dut_stop
[ "$DUT_STATUS" -eq 0 ] || fail "$DUT exited with status $DUT_STATUS"

awk -v n=200 '
function v4ok(a,   p, k) {
    if (split(a, p, ".") != 4) return 0
    for (k = 1; k <= 4; k++) if (p[k] !~ /^(0|[1-9][0-9]*)$/ || p[k] > 255) return 0
    return 1
}
/ rc again / { again[++na] = $3; next }
/ rc / {
    ++nr
    if ($2 != $4) { print "line " NR ": same address, two replacements: " $0; bad = 1 }
    if ($2 !~ /^10\./ || !v4ok($2)) { print "line " NR ": bad IPv4 replacement " $2; bad = 1 }
    first[nr] = $2; seen[$2] = 1
    if (nr == 1) { v6 = $6; emb = $8 }
    if ($6 != v6 || $8 != emb) { print "line " NR ": IPv6/embedded replacement not consistent"; bad = 1 }
    if ($6 !~ /^2001:db8:1:2:[0-9a-f][0-9a-f]?[0-9a-f]?[0-9a-f]?:[0-9a-f][0-9a-f]?[0-9a-f]?[0-9a-f]?:[0-9a-f][0-9a-f]?[0-9a-f]?[0-9a-f]?:[0-9a-f][0-9a-f]?[0-9a-f]?[0-9a-f]?$/) { print "bad IPv6 " $6; bad = 1 }
    if ($8 !~ /^0:0:0:0:ffff:[0-9a-f][0-9a-f]?:[0-9]+\.[0-9]+\.[0-9]+\.[0-9]+$/) { print "bad embedded " $8; bad = 1 }
    next
}
/ rnd / {
    if ($2 !~ /^172\.16\./ || !v4ok($2)) { print "line " NR ": bad random replacement " $2; bad = 1 }
    next
}
{ print "unexpected line " NR ": " $0; bad = 1 }
END {
    if (nr != n || na != n) { print "expected " n " + " n " lines, got " nr " + " na; bad = 1 }
    for (i = 1; i <= na; i++) if (again[i] != first[i]) { print "message " i ": " first[i] " then " again[i]; bad = 1 }
    d = 0; for (k in seen) d++
    if (d < n / 2) { print "only " d " distinct replacements for " n " addresses"; bad = 1 }
    exit bad
}' "$out" > "$T/check.txt" || { head -n 20 "$T/check.txt" >&2; fail "random anonymization is wrong"; }
log "ok: random-consistent keeps prefixes and mappings over $n messages; random keeps prefixes"
