#!/bin/bash
# normalize-load.sh - mmnormalize under load on several ruleset workers (one liblognorm
# context per worker): the samples of rulebase/sshd.samples, repeated to 24,000 messages,
# go in over 4 TCP connections with main_queue(queue.workerThreads="4"); every message
# must come out once with exactly the result its sample expects (compared as multisets,
# since workers may interleave connections).  Works with DUT=rsyslog too.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/../integration/lib.sh"
setup
require_plugin mmnormalize

rb=$top_srcdir/rulebase/sshd.rb
samples=$top_srcdir/rulebase/sshd.samples
reps=1000
grep -v -e '^#' -e '^$' "$samples" > "$T/pairs"
awk 'NR % 2 == 1' "$T/pairs" > "$T/one.in"
awk 'NR % 2 == 0 { sub(/^=> /, ""); print }' "$T/pairs" > "$T/one.want"
per=$(count_lines "$T/one.in")
[ "$per" -gt 0 ] || fail "no samples in $samples"
for _ in $(seq "$reps"); do cat "$T/one.in"; done > "$T/all.in"
for _ in $(seq "$reps"); do cat "$T/one.want"; done | LC_ALL=C sort > "$T/want.sorted"
n=$((per * reps))

new_port port
out=$T/out/norm.log
{
    dut_global
    printf 'main_queue(queue.workerThreads="4" queue.size="200000")\n'
    printf 'module(load="imtcp")\nmodule(load="mmnormalize")\n'
    printf 'input(type="imtcp" address="127.0.0.1" port="%s")\n' "$port"
    printf 'template(name="t" type="string" string="[%%parsesuccess%%] %%$!%%\\n")\n'
    printf 'action(type="mmnormalize" rulebase="%s")\n' "$rb"
    printf 'action(type="omfile" file="%s" template="t")\n' "$out"
} > "$T/dut.conf"
dut_start "$T/dut.conf" tcp "$port"
# four connections, each a quarter of the file
split -n l/4 -d "$T/all.in" "$T/part."
pids=()
for f in "$T"/part.*; do
    flood -p "$port" -t tcp -i "$f" &
    pids+=("$!")
done
for p in "${pids[@]}"; do
    wait "$p" || fail "a sender failed"
done
wait_lines "$out" "$n" 60 || fail "only $(count_lines "$out") of $n results"
sleep 0.5
dut_stop
[ "$DUT_STATUS" -eq 0 ] || fail "$DUT exited with status $DUT_STATUS"
LC_ALL=C sort "$out" > "$T/got.sorted"
if ! cmp -s "$T/want.sorted" "$T/got.sorted"; then
    diff "$T/want.sorted" "$T/got.sorted" | head -n 20 >&2
    fail "results differ from the samples (< expected, > $DUT)"
fi
log "ok: $n messages normalized on 4 workers, all as their samples say"
