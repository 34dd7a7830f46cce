#!/bin/bash
# netflow-templates.sh - imnetflow's template cases end to end, with hand-made v9/IPFIX
# datagrams (tests/netflow/nfsend.py) from fixed exporter addresses and ports: data before its
# template (held, decoded when the template arrives), a template changed under the same ID,
# two exporters using one template ID with different layouts, an options template with a
# sampling rate applied to the flows of its selector, and a restart of sluiced between
# template and data (decoded from the cache persisted in workDirectory).
. "$(dirname "$0")/lib.sh"
[ "$DUT" = sluice ] || { echo "imnetflow is sluice's own"; exit 77; }
setup
require_cmd /usr/bin/python3
SEND=$top_srcdir/tests/netflow/nfsend.py
new_port P
new_port SA
new_port SB
new_port SC
new_port SD
OUT=$T/out/flows.log
cat > "$T/sluice.conf" << CONF
$(dut_global)
module(load="imnetflow")
template(name="msg" type="string" string="%fromhost-ip% %msg%\n")
input(type="imnetflow" address="127.0.0.1" port="$P" ruleset="flows")
ruleset(name="flows") { action(type="omfile" file="$OUT" template="msg") }
CONF
dut_start "$T/sluice.conf" udp "$P"
send() { /usr/bin/python3 "$SEND" 127.0.0.1 "$P" "$1" "$2" "$3" || fail "nfsend $3"; }
expect() { # LINE...: each line must be in the output
    local l
    for l in "$@"; do
        grep -qxF -- "$l" "$OUT" || { cat "$OUT" >&2; fail "missing: $l"; }
    done
}

# data before its template
send 127.0.0.1 "$SA" held-data
sleep 0.5
[ "$(count_lines "$OUT")" -eq 0 ] || fail "data decoded without a template"
send 127.0.0.1 "$SA" held-template
wait_lines "$OUT" 2 10 || fail "held data not decoded after its template"
expect '127.0.0.1 {"8":"192.0.2.1","12":"198.51.100.7","7":1001,"11":443,"4":6,"1":100,"2":2}' \
       '127.0.0.1 {"8":"192.0.2.2","12":"198.51.100.7","7":1002,"11":443,"4":6,"1":200,"2":2}'

# a template changed under the same ID
send 127.0.0.1 "$SA" changed-a
send 127.0.0.1 "$SA" changed-b
wait_lines "$OUT" 4 10 || fail "changed template"
expect '127.0.0.1 {"8":"192.0.2.31","4":6}' '127.0.0.1 {"12":"198.51.100.32","7":3232}'

# another exporter, same template ID 300, another layout
send 127.0.0.2 "$SB" other-layout
wait_lines "$OUT" 5 10 || fail "second exporter"
expect '127.0.0.2 {"12":"203.0.113.40","2":40}'

# options template: selector 7 samples 1 in 100
send 127.0.0.1 "$SC" options
wait_lines "$OUT" 6 10 || fail "options"
expect '127.0.0.1 {"8":"192.0.2.50","302":7,"34":100}'

stats_dump
[ "$(stat_val "imnetflow(127.0.0.1/0)" notemplate.held)" = 1 ] || fail "notemplate.held"
[ "$(stat_val "imnetflow(127.0.0.1/0)" notemplate.decoded)" = 1 ] || fail "notemplate.decoded"
[ "$(stat_val "imnetflow(127.0.0.1/0)" templates.changed)" = 1 ] || fail "templates.changed"
[ "$(stat_val "imnetflow(127.0.0.1/1)" options.records)" = 1 ] || fail "options.records"

# restart between template and data
send 127.0.0.1 "$SD" persist-template
sleep 0.3
dut_stop
grep -q "^T 4 127.0.0.1 $SD 10 5 410 " "$T/imnetflow-$P.templates" || fail "template 410 not persisted"
dut_start "$T/sluice.conf" udp "$P"
send 127.0.0.1 "$SD" persist-data
wait_lines "$OUT" 7 10 || fail "data after restart not decoded"
expect '127.0.0.1 {"8":"192.0.2.60","11":6060}'
dut_stop
[ "$(count_lines "$OUT")" -eq 7 ] || fail "unexpected extra flows"
log "PASS"
