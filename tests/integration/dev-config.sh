#!/bin/bash
# The shipped configs: conf.d/sluice.conf and conf.d/sluice-dev.conf pass the config check,
# and the dev config (port moved to a free one, its build-directory paths moved into a scratch
# directory) routes a JSON flow message to var/log/flows.log only and a plain message to
# var/log/messages only.  configure generates conf.d/sluice-dev.conf in the build directory.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"
setup
require_cmd logger
conf_dir=$top_srcdir/conf.d
dut_check "$conf_dir/sluice.conf" || { cat "$T/check.err" >&2; fail "conf.d/sluice.conf rejected by -N1"; }
dut_check "$top_builddir/conf.d/sluice-dev.conf" || { cat "$T/check.err" >&2; fail "conf.d/sluice-dev.conf rejected by -N1"; }
log "ok: shipped configs pass -N1"

new_port port
run=$T/run
mkdir -p "$run"
{
    dut_global
    sed -e "s/\"5514\"/\"$port\"/g" -e "s|\([ \"]\)$top_builddir/var/|\1$run/var/|g" \
        "$top_builddir/conf.d/sluice-dev.conf"
} > "$run/dev.conf"
grep -q "\"$port\"" "$run/dev.conf" || fail "port 5514 not found in sluice-dev.conf"
cd "$run" || fail "cannot cd to $run"
dut_start "$run/dev.conf" udp "$port" tcp "$port"
if [ ${#run} -lt 80 ]; then   # a unix socket path has at most 107 bytes
    timeout -k 20 10 "$top_builddir/sluicectl" -s "$run/var/run/sluiced.ctl" version | grep -q '^sluiced ' ||
        fail "the dev config's control socket does not answer"
fi
send_logger "$port" tcp '{"IPV4_SRC_ADDR":"192.0.2.1","L4_SRC_PORT":443,"IN_BYTES":42}' -t nprobe
send_logger "$port" udp 'plain dev message' -t demo
wait_lines "$run/var/log/flows.log" 1 10 || fail "JSON message not in var/log/flows.log"
wait_lines "$run/var/log/messages" 1 10 || fail "plain message not in var/log/messages"
sleep 0.3
grep -q 'IPV4_SRC_ADDR' "$run/var/log/flows.log" || fail "flows.log lacks the JSON message"
grep -q 'IPV4_SRC_ADDR' "$run/var/log/messages" && fail "JSON message also reached messages (& stop ignored)"
grep -q 'plain dev message' "$run/var/log/messages" || fail "messages lacks the plain message"
grep -q 'plain dev message' "$run/var/log/flows.log" && fail "plain message reached flows.log"
dut_stop
[ "$DUT_STATUS" -eq 0 ] || fail "$DUT exited with status $DUT_STATUS"
log "ok: dev config routes JSON to flows.log and the rest to messages"
