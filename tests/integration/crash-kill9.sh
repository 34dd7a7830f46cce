#!/bin/bash
# kill -9 of the daemon while a Disk action queue (queue.syncQueueFiles="on") is being
# filled: what the daemon reported as on disk must survive every crash.
#
# The forward target is down (omfwd to a closed port).  For each of REPS repetitions,
# sluiced is started, a paced single-connection TCP flood runs with the tag "repN", at a
# random moment SIGUSR1 makes the daemon print its counters -- "fwd disk.enqueued=K" counts
# records appended AND fdatasync'ed (core/queue_da.c da_append) -- and a few random ms later
# the daemon is killed with SIGKILL.  The next repetition restarts it on the same spool.
# Finally an rsyslog receiver comes up, sluiced drains the spool (killed once more with
# SIGKILL half-way, so records delivered but not checkpointed come again), and the test
# checks, per repetition: seq 1..K all arrived (no loss of acknowledged data), what arrived
# is a prefix 1..M (no hole), first arrivals are in order; duplicates are counted and shown.
# Also: the number of records the daemon recovered at the first drain start equals the
# number of distinct messages that arrived.
#
# CRASH_REPS (default 20) and CRASH_SEED (default: random, printed) for reproduction.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"
setup
[ "$DUT" = sluice ] || { log "sluice disk-queue test: skipped for DUT=$DUT"; exit 77; }
reps=${CRASH_REPS:-20}
seed=${CRASH_SEED:-$((RANDOM * 32768 + RANDOM))}
RANDOM=$seed
log "repetitions: $reps, seed: $seed (CRASH_SEED=$seed to repeat)"

new_port tcp
new_port rport
mkdir -p "$T/work"
{
    printf 'global(workDirectory="%s/work")\n' "$T"
    printf 'main_queue(queue.timeoutShutdown="2000")\n'
    printf 'module(load="imtcp")\n'
    printf 'input(type="imtcp" address="127.0.0.1" port="%s")\n' "$tcp"
    printf 'action(name="fwd" type="omfwd" target="127.0.0.1" port="%s" protocol="tcp"\n' "$rport"
    printf '       queue.type="Disk" queue.filename="crashq" queue.syncQueueFiles="on"\n'
    printf '       queue.maxFileSize="256k" queue.checkpointInterval="5000"\n'
    printf '       action.resumeRetryCount="-1" action.resumeInterval="1")\n'
} > "$T/dut.conf"

# untrack PID: forget a reaped process, so the cleanup never signals a reused PID
untrack()
{
    local keep=() p
    for p in "${SL_PIDS[@]}"; do
        [ "$p" = "$1" ] || keep+=("$p")
    done
    SL_PIDS=("${keep[@]}")
}

# crash_dut: SIGKILL the daemon under test and reap it
crash_dut()
{
    kill -KILL "$DUT_PID" 2> /dev/null
    wait "$DUT_PID" 2> /dev/null
    untrack "$DUT_PID"
    DUT_PID=
}

# stats_value FILE NAME: the last NAME=V of the "fwd sluice" set printed in FILE (empty if none)
stats_value()
{
    awk -v key="$2" 'index($0, "fwd sluice: origin=") == 1 {
        for (i = 4; i <= NF; i++) if (index($i, key "=") == 1) v = substr($i, length(key) + 2)
    } END { print v }' "$1"
}

declare -a snap
for r in $(seq "$reps"); do
    dut_start "$T/dut.conf" tcp "$tcp"
    timeout -k 20 60 "$SLFLOOD" -p "$tcp" -t tcp -n 40000 -c 1 -r 4000 -a "rep$r" \
        2>> "$T/slflood.err" &
    fpid=$!
    track_pid "$fpid"
    # random point: 0.2 .. 1.7 s into the flood
    sleep "$(printf '0.%03d' $((RANDOM % 1000)))"
    sleep "0.$((2 + RANDOM % 5))"
    kill -USR1 "$DUT_PID"
    for i in $(seq 200); do
        [ -n "$(stats_value "$T/dut.err" disk.enqueued)" ] && break
        sleep 0.05
    done
    k=$(stats_value "$T/dut.err" disk.enqueued)
    [ -n "$k" ] || fail "rep $r: no disk.enqueued counter on stderr 10 s after SIGUSR1"
    sleep "0.0$((RANDOM % 10))$((RANDOM % 10))"    # 0..99 ms more traffic before the crash
    dut_alive || fail "rep $r: sluiced died before the kill"
    crash_dut
    wait "$fpid" 2> /dev/null
    untrack "$fpid"
    snap[r]=$k
    mv "$T/dut.err" "$T/dut.rep$r.err.txt"
    [ "$k" -gt 0 ] || log "rep $r: nothing was on disk yet at the snapshot"
done
log "snapshots (durable records per repetition): ${snap[*]}"
grep -h 'set aside\|damaged' "$T"/dut.rep*.err.txt | head -n 5 | sed "s/^/$TEST_NAME: restart said: /"

# drain: the target comes up; crash once more half-way through the delivery
rs_recv rs --tcp "$rport"
raw=$T/rs/raw.log
dut_start "$T/dut.conf" tcp "$tcp"
for i in $(seq 100); do
    grep -q "from before the restart" "$T/dut.err" && break
    sleep 0.05
done
# (no such line: nothing was recovered, which the check against the snapshots catches)
waiting=$(sed -n "s/.*disk queue 'crashq': \\([0-9]*\\) message(s) from before the restart.*/\\1/p" "$T/dut.err" | head -n 1)
waiting=${waiting:-0}
sum=0
for r in $(seq "$reps"); do sum=$((sum + snap[r])); done
log "recovered at restart: $waiting records (sum of the snapshots: $sum)"
[ "$waiting" -ge "$sum" ] || fail "recovered $waiting records, fewer than the $sum reported durable"
wait_lines "$raw" $((waiting / 3)) 60 || fail "the drain does not progress"
crash_dut
sleep 0.5
log "drain killed with $(count_lines "$raw") lines at the receiver"
mv "$T/dut.err" "$T/dut.drain1.err.txt"
dut_start "$T/dut.conf" tcp "$tcp"
for i in $(seq 100); do
    grep -q "from before the restart" "$T/dut.err" && break
    sleep 0.05
done
log "second restart: $(grep -o "[0-9]* message(s) from before the restart" "$T/dut.err")"
# distinct messages at the receiver (duplicates make the line count run ahead)
distinct() { grep -o 'rep[0-9]*\[[0-9]*\]: seq=[0-9]*:[0-9]*$' "$raw" 2> /dev/null | sort -u | wc -l; }
for i in $(seq 180); do
    [ "$(distinct)" -ge "$waiting" ] && break
    sleep 0.5
done
[ "$(distinct)" -ge "$waiting" ] || fail "not every recovered record arrived in 90 s: $(distinct) of $waiting"
wait_stable "$raw" 1 20
dut_stop
[ "$DUT_STATUS" -eq 0 ] || fail "sluiced exited with status $DUT_STATUS"

# per repetition: loss of durable records, holes, order, duplicates
snaps="${snap[*]}"
LC_ALL=C awk -v snaps="$snaps" -v reps="$reps" -v waiting="$waiting" '
BEGIN { n = split(snaps, s, " "); for (i = 1; i <= n; i++) snap[i] = s[i] }
{
    if (!match($0, /rep[0-9]+\[[0-9]+\]: seq=[0-9]+:[0-9]+$/)) { foreign++; next }
    t = substr($0, RSTART, RLENGTH)
    r = t; sub(/^rep/, "", r); sub(/\[.*/, "", r)
    q = t; sub(/.*:/, "", q)
    r += 0; q += 0
    if ((r, q) in seen) { dups[r]++; totdups++; next }
    seen[r, q] = 1
    uniq++
    if (q < last[r]) { reord[r]++ }
    last[r] = q
    if (q > max[r]) max[r] = q
    cnt[r]++
}
END {
    bad = 0
    for (r = 1; r <= reps; r++) {
        lost = 0
        for (q = 1; q <= snap[r]; q++) if (!((r, q) in seen)) lost++
        hole = max[r] - cnt[r]
        printf "rep %d: durable=%d arrived=%d max=%d lost_durable=%d holes=%d duplicates=%d reordered=%d\n",
            r, snap[r], cnt[r], max[r], lost, hole, dups[r] + 0, reord[r] + 0
        if (lost > 0 || hole > 0 || reord[r] > 0) bad = 1
    }
    printf "total: distinct=%d duplicates=%d foreign=%d recovered_at_restart=%d\n", uniq, totdups, foreign, waiting
    if (uniq != waiting) { print "distinct messages differ from what the daemon recovered"; bad = 1 }
    exit bad
}' "$raw" > "$T/check.txt"
rc=$?
sed "s/^/$TEST_NAME: /" "$T/check.txt"
[ "$rc" -eq 0 ] || fail "loss, hole or reordering after kill -9 (see above)"
log "ok: $reps kill -9 crashes, every durable record arrived, in order; $(tail -n 1 "$T/check.txt")"
