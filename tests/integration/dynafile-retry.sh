#!/bin/bash
# A dynaFile that cannot be opened for a reason that passes (EACCES here; EROFS, ENOSPC,
# EDQUOT, EMFILE, ... alike) suspends the action and retries the batch, as a static file
# does: nothing is lost, nothing is written twice (issue 19; before, the records of the
# file that could not be opened were dropped as bad data).
# sluiced drops privileges to nobody; of the two dynaFile directories (one per slflood
# connection, chosen by a regex on "seq=C:"), d0 is writable for nobody and d1 is not.
# After a few seconds d1 is made writable: both files must then hold every message of
# their connection exactly once, in order.  Needs root (privilege drop).
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"
setup
[ "$DUT" = sluice ] || { log "sluice-only behaviour: skipped"; exit 77; }
[ "$(id -u)" -eq 0 ] || { log "needs root (privilege drop to nobody): skipped"; exit 77; }
id nobody > /dev/null 2>&1 || { log "no user nobody: skipped"; exit 77; }
new_port tcp
D=$T/out/dyn
mkdir -p "$D/d0" "$D/d1"
chmod 0755 "$T" "$T/out" "$D" "$D/d1"
chmod 0777 "$D/d0"
total=2000
{
    dut_global
    printf 'global(privDrop.user.name="nobody")\n'
    printf 'module(load="imtcp")\n'
    printf 'input(type="imtcp" address="127.0.0.1" port="%s")\n' "$tcp"
    printf 'template(name="dyn" type="string" string="%s/d%%msg:R,ERE,1,DFLT:seq=([0-9]+)--end%%/x.log")\n' "$D"
    printf 'action(type="omfile" dynaFile="dyn" action.resumeInterval="1" action.resumeIntervalMax="1")\n'
} > "$T/dut.conf"
dut_start "$T/dut.conf" tcp "$tcp"
flood -p "$tcp" -t tcp -n "$total" -c 2 || fail "slflood failed"
sleep 3
[ ! -e "$D/d1/x.log" ] || fail "d1/x.log exists while d1 is not writable"
grep -q "cannot open '$D/d1/x.log'.*suspended" "$DUT_ERR" || fail "no suspension logged"
chmod 0777 "$D/d1"
for i in $(seq 150); do
    n=$(( $(count_lines "$D/d0/x.log") + $(count_lines "$D/d1/x.log") ))
    [ "$n" -ge "$total" ] && break
    sleep 0.1
done
sleep 0.5
dut_stop
verify -n "$total" -c 2 "$D/d0/x.log" "$D/d1/x.log" || fail "loss or duplicates (see above)"
[ "$(count_lines "$D/d1/x.log")" -eq $((total / 2)) ] || fail "d1 does not hold connection 1"
log "ok: $total of $total delivered once after the directory became writable"
