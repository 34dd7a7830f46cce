#!/bin/bash
# outchannel.sh - rsyslog's legacy output channels against rsyslogd:
#   $outchannel NAME,FILE,MAX-SIZE,COMMAND   and the action ":omfile:$NAME;TEMPLATE" (a bare
#   "$NAME" is a syntax error in rsyslog 8.2302's grammar, and an error in sluice): the
#   file is written until it reaches MAX-SIZE, then the command
#   (a program and one argument) runs and is waited for, and writing goes on in a new file;
#   a channel without a command stops writing at the limit, with rsyslog's error.
# The input is 40 local messages (logger through a scratch imuxsock socket), sent one at
# a time so that every message is a batch of its own in both daemons: where the limit
# falls then depends only on the bytes.  Every file each daemon leaves (the live files and
# the rotated ones) must be equal byte for byte.  An unknown channel is rsyslog's error in
# both (-N1 non-zero), the rest of the config runs.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/../integration/lib.sh"
setup
require_cmd logger cmp

cat > "$T/rotate.sh" << 'EOF'
#!/bin/sh
# rotate FILE: FILE becomes FILE.N (N = 1, 2, ...)
n=1
while [ -e "$1.$n" ]; do n=$((n + 1)); done
mv "$1" "$1.$n"
EOF
chmod +x "$T/rotate.sh"

run_one()
{
    local who=$1 d=$T/$1 pid i
    mkdir -p "$d"
    cat > "$T/$who.conf" << EOF
global(workDirectory="$T")
module(load="imuxsock" SysSock.Name="$d/sock")
\$template t,"%msg:2:\$%\\n"
\$outchannel rot,$d/rot.log,300,$T/rotate.sh $d/rot.log
\$outchannel stopper, $d/stop.log , 200
\$outchannel other,$d/other.log,250,$T/rotate.sh $d/other.log
*.* :omfile:\$rot;t
*.* :omfile:\$stopper;t
user.* :omfile:\$other
EOF
    start_who "$who" "$T/$who.conf" "$d/sock"
    pid=$STARTED_PID
    for i in $(seq 40); do
        logger -u "$d/sock" -t t -p user.info "line $i of the channel test" || fail "logger to $who"
        sleep 0.08
    done
    wait_stable "$d/rot.log" 1 10 || true
    stop_pid "$pid"
}

run_one rsyslog
run_one sluice
n=0
while read -r f; do
    n=$((n + 1))
    [ -f "$T/sluice/$f" ] || fail "$f: written by rsyslog, not by sluice"
    # other.log* use the default template: its time stamp (the receive time) is cut
    if ! cmp -s <(cut -d' ' -f2- "$T/rsyslog/$f") <(cut -d' ' -f2- "$T/sluice/$f") ||
        [ "$(wc -c < "$T/rsyslog/$f")" -ne "$(wc -c < "$T/sluice/$f")" ]; then
        diff "$T/rsyslog/$f" "$T/sluice/$f" | head -n 10 >&2
        fail "$f differs"
    fi
done < <(cd "$T/rsyslog" && find . -name '*.log*' -type f | sort)
[ "$(cd "$T/sluice" && find . -name '*.log*' -type f | wc -l)" -eq "$n" ] ||
    fail "sluice wrote other files: $(cd "$T/sluice" && find . -name '*.log*' | sort | tr '\n' ' ')"
[ -f "$T/sluice/rot.log.3" ] || fail "fewer rotations than expected"
grep -q "file size limit cmd for file '$T/sluice/stop.log'" "$T/sluice.err" ||
    fail "no error for the channel without a command"
log "$n files identical: $(cd "$T/sluice" && find . -name '*.log*' | sort | tr '\n' ' ')"

# an unknown channel: rsyslog's error, the rest runs
printf '$outchannel a,%s/a.log,0,\n*.* :omfile:$nosuch\n*.* :omfile:$a\n' "$T" > "$T/unknown.conf"
rrc=0 src=0
timeout -k 20 20 "$RSYSLOGD" -N1 -f "$T/unknown.conf" > "$T/unknown.rs" 2>&1 || rrc=$?
timeout -k 20 20 "$SLUICED" -N1 -f "$T/unknown.conf" -M "$SLUICE_PLUGIN_DIR" > "$T/unknown.sl" 2>&1 || src=$?
[ "$rrc" -ne 0 ] && [ "$src" -ne 0 ] || fail "unknown channel: -N1 exits $rrc (rsyslogd), $src (sluiced)"
grep -q "unknown.conf:2: error: outchannel 'nosuch' not found - ignoring action line" "$T/unknown.sl" ||
    { cat "$T/unknown.sl" >&2; fail "sluiced does not name the unknown channel"; }
log "unknown channel: both -N1 non-zero, sluiced says rsyslog's words with FILE:LINE"
log "PASS"
