#!/bin/bash
# A damaged disk queue through the daemon: sluiced fills a Disk action queue (target down,
# small segments), stops cleanly (SIGTERM), and three fresh copies of the spool are damaged:
#   truncate  - a middle segment cut inside one of its records
#   flip      - bytes flipped inside one record of a middle segment
#   nostate   - the state file deleted
# Each copy is then opened by sluiced with the target (an rsyslog receiver) up.  sluiced
# must start, say which segment it set aside (*.bad) and how many records it could not
# read, deliver every other record exactly once and in order, and stop on SIGTERM.
# The damaged segment's records are known from the files (grep -b of the "seq=0:N" text in
# each record), so the exact set of messages that must arrive is known:
#   truncate:  all but the cut record and the ones after it in that segment (gone)
#   flip:      all but the damaged record (the records after it verify up to the footer)
#   nostate:   all of them (nothing had been delivered)
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"
setup
[ "$DUT" = sluice ] || { log "sluice disk-queue test: skipped for DUT=$DUT"; exit 77; }
total=6000

new_port tcp
new_port rport

# conf FILE WORKDIR TARGETPORT
conf()
{
    {
        printf 'global(workDirectory="%s")\n' "$2"
        printf 'main_queue(queue.timeoutShutdown="2000")\n'
        printf 'module(load="imtcp")\n'
        printf 'input(type="imtcp" address="127.0.0.1" port="%s")\n' "$tcp"
        printf 'action(name="fwd" type="omfwd" target="127.0.0.1" port="%s" protocol="tcp"\n' "$3"
        printf '       queue.type="Disk" queue.filename="dq" queue.syncQueueFiles="on"\n'
        printf '       queue.maxFileSize="64k"\n'
        printf '       action.resumeRetryCount="-1" action.resumeInterval="1")\n'
    } > "$1"
}

stats_value()
{
    awk -v key="$2" 'index($0, "fwd sluice: origin=") == 1 {
        for (i = 4; i <= NF; i++) if (index($i, key "=") == 1) v = substr($i, length(key) + 2)
    } END { print v }' "$1"
}

# --- fill the spool with the target down ------------------------------------------------
mkdir -p "$T/fill"
conf "$T/fill.conf" "$T/fill" "$rport"
dut_start "$T/fill.conf" tcp "$tcp"
flood -p "$tcp" -t tcp -n "$total" -c 1 || fail "slflood failed"
k=0
for i in $(seq 100); do
    kill -USR1 "$DUT_PID"
    sleep 0.2
    k=$(stats_value "$T/dut.err" disk.enqueued)
    [ "${k:-0}" -ge "$total" ] && break
done
[ "${k:-0}" -eq "$total" ] || fail "only ${k:-0} of $total messages reached the disk queue"
dut_stop
[ "$DUT_STATUS" -eq 0 ] || fail "sluiced exited with status $DUT_STATUS on SIGTERM"
mv "$T/dut.err" "$T/fill.err.txt"
mapfile -t segs < <(cd "$T/fill" && ls dq.[0-9]*.seg)
[ "${#segs[@]}" -ge 4 ] || fail "expected at least 4 segments, got: ${segs[*]}"
# every segment's "seq=0:N" numbers, in file order, with byte offsets
for s in "${segs[@]}"; do
    grep -a -b -o 'seq=0:[0-9]*' "$T/fill/$s" > "$T/fill.$s.seqs" || true
done
victim=${segs[1]}
nv=$(count_lines "$T/fill.$victim.seqs")
[ "$nv" -ge 10 ] || fail "segment $victim holds only $nv records"
log "spool: ${#segs[@]} segments, $total records; damaged segment: $victim ($nv records)"

# expected_except SEGFILE-SEQS FROM TO: all of 1..total except the segment's records FROM..TO
# (0-based, inclusive); printed one number a line, sorted
expected_except()
{
    sed -n "$(($2 + 1)),$(($3 + 1))p" "$1" | sed 's/.*seq=0://' | LC_ALL=C sort > "$T/excluded"
    seq "$total" | LC_ALL=C sort | LC_ALL=C comm -23 - "$T/excluded" | sort -n
}

# run_case NAME EXPECTED-FILE: start on the damaged copy with the receiver up, check
run_case()
{
    local name=$1 expect=$2 port n want raw
    new_port port
    rs_recv "rs-$name" --tcp "$port"
    raw=$T/rs-$name/raw.log
    conf "$T/$name.conf" "$T/$name" "$port"
    dut_start "$T/$name.conf" tcp "$tcp"
    want=$(count_lines "$expect")
    wait_lines "$raw" "$want" 60 || fail "$name: not every intact record arrived"
    sleep 1
    wait_stable "$raw" 1 10
    dut_stop
    [ "$DUT_STATUS" -eq 0 ] || fail "$name: sluiced exited with status $DUT_STATUS"
    mv "$T/dut.err" "$T/$name.err.txt"
    n=$(count_lines "$raw")
    sed 's/.*seq=0://' "$raw" > "$T/$name.got"
    sort -n -c "$T/$name.got" 2> /dev/null || fail "$name: records arrived out of order"
    cmp -s "$T/$name.got" "$expect" ||
        fail "$name: $n records arrived, $want expected; first differences: $(diff "$expect" "$T/$name.got" | head -n 5 | tr '\n' ' ')"
    log "$name: ok, $n of $total records arrived (exactly the intact ones, in order)"
}

# --- truncate: cut the victim inside its 5th-from-last record ------------------------------
cp -a "$T/fill" "$T/truncate"
idx=$((nv - 5))
off=$(sed -n "$((idx + 1))p" "$T/fill.$victim.seqs" | cut -d: -f1)
truncate -s "$off" "$T/truncate/$victim"
expected_except "$T/fill.$victim.seqs" "$idx" "$((nv - 1))" > "$T/truncate.expect"
run_case truncate "$T/truncate.expect"
grep -q "$victim: damaged at offset .* set aside as $victim.bad with ~[0-9]* record(s) lost" \
    "$T/truncate.err.txt" || fail "truncate: no message naming the set-aside segment"
[ -f "$T/truncate/$victim.bad" ] || fail "truncate: $victim.bad not kept"
log "truncate: sluiced said: $(grep -o "$victim: damaged.*" "$T/truncate.err.txt")"

# --- flip: damage the victim's 10th record (the footer survives: the loss count is exact) ---
cp -a "$T/fill" "$T/flip"
idx=9
off=$(sed -n "$((idx + 1))p" "$T/fill.$victim.seqs" | cut -d: -f1)
printf 'XYZ' | dd of="$T/flip/$victim" bs=1 seek="$off" conv=notrunc status=none
expected_except "$T/fill.$victim.seqs" "$idx" "$idx" > "$T/flip.expect"
run_case flip "$T/flip.expect"
lost=1
grep -q "$victim: damaged at offset .* set aside as $victim.bad with ~$lost record(s) lost, $((nv - 1)) intact" \
    "$T/flip.err.txt" || fail "flip: no message naming $victim.bad with $lost record lost, $((nv - 1)) kept"
grep -q "1 damaged segment(s) set aside (\\*.bad, about $lost message(s) in them)" "$T/flip.err.txt" ||
    fail "flip: the action's warning does not give the count ($lost)"
[ -f "$T/flip/$victim.bad" ] || fail "flip: $victim.bad not kept"
log "flip: sluiced said: $(grep -o "$victim: damaged.*" "$T/flip.err.txt")"

# --- nostate: the state file is gone: start from the oldest segment, everything arrives -----
cp -a "$T/fill" "$T/nostate"
rm -f "$T/nostate/dq.state"
seq "$total" > "$T/nostate.expect"
run_case nostate "$T/nostate.expect"
grep -q "dq: state file missing; starting from the oldest segment" "$T/nostate.err.txt" ||
    fail "nostate: no message about the missing state file"
log "ok: truncated, flipped and state-less spools: sluiced started, reported, delivered the rest"
