#!/bin/bash
# impstats (interval 1 s) with an imudp input on two ports, an imtcp input, a direct omfile
# action and a named action with a queue of its own.  After N messages over TCP, N over UDP
# to the first port and N/2 to the second:
#   - the legacy lines in log.file say processed=2.5N for both actions, submitted=N for
#     imtcp, enqueued=2.5N for the named action's queue; imudp has one set per port (as
#     rsyslog's listeners) with submitted=N and N/2; the lines carry rsyslog's "<ctime>: "
#     prefix;
#   - log.syslog="on": the lines also come through the rules as messages from
#     rsyslogd-pstats with PRI syslog.info (46);
#   - format="json": the same counters as JSON objects, every line valid JSON.
# With DUT=sluice the same configs also run through rsyslogd 8.2302 and, for every counter
# set both print (port numbers in names normalised), the key lists must be the same: the
# line shapes match, the values are not compared.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"
setup
require_cmd python3
N=40
N2=$((N / 2))
ALL=$((2 * N + N2))

# conf FILE FORMAT UDP TCP DIR DAEMON UDP2
conf()
{
    local f=$1 fmt=$2 udp=$3 tcp=$4 dir=$5 who=$6 udp2=$7 sys=on
    [ "$fmt" = json ] && sys=off
    mkdir -p "$dir"
    {
        printf 'global(workDirectory="%s")\n' "$dir"
        [ "$who" = rsyslog ] && printf 'main_queue(queue.workerThreads="1")\n'
        printf 'module(load="impstats" interval="1" format="%s" log.file="%s/stats.log" log.syslog="%s")\n' "$fmt" "$dir" "$sys"
        printf 'module(load="imudp")\nmodule(load="imtcp")\n'
        printf 'input(type="imudp" address="127.0.0.1" port=["%s", "%s"])\n' "$udp" "$udp2"
        printf 'input(type="imtcp" address="127.0.0.1" port="%s")\n' "$tcp"
        printf 'template(name="p" type="string" string="%%pri%% %%programname%% %%msg%%\\n")\n'
        printf 'if $programname == "rsyslogd-pstats" then {\n'
        printf '  action(type="omfile" file="%s/pstats.log" template="p" name="pstats")\n' "$dir"
        printf '  stop\n}\n'
        printf 'action(type="omfile" file="%s/all.log")\n' "$dir"
        printf 'action(type="omfile" file="%s/q.log" name="queued" queue.type="LinkedList")\n' "$dir"
    } > "$f"
}

# send UDP TCP UDP2: N messages over each of UDP and TCP, N/2 to UDP2
send()
{
    timeout -k 20 30 python3 - "$1" "$2" "$N" "$3" << 'PY' || fail "sender failed"
import socket, sys, time
udp, tcp, n, udp2 = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
s = socket.create_connection(("127.0.0.1", tcp))
s.sendall(b"".join(b"<13>Nov 22 10:00:00 h app: tcp-%d\n" % i for i in range(n)))
s.close()
u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
for i in range(n):
    u.sendto(b"<13>Nov 22 10:00:00 h app: udp-%d" % i, ("127.0.0.1", udp))
    time.sleep(0.002)
for i in range(n // 2):
    u.sendto(b"<13>Nov 22 10:00:00 h app: udp2-%d" % i, ("127.0.0.1", udp2))
    time.sleep(0.002)
PY
}

# wait_stat FILE REGEX [TIMEOUT]: waits for a stats line matching REGEX
wait_stat()
{
    local i
    for i in $(seq $((${3:-20} * 10))); do
        grep -Eq -- "$2" "$1" 2> /dev/null && return 0
        sleep 0.1
    done
    return 1
}

# keys FILE legacy|json: "name|origin|key key key" per set, names normalised, sorted unique
keys()
{
    python3 - "$1" "$2" << 'PY'
import json, re, sys
out = set()
for line in open(sys.argv[1]):
    line = line.rstrip("\n")
    m = re.match(r"^\w{3} \w{3} [ \d]\d \d\d:\d\d:\d\d \d{4}: (.*)$", line)
    if not m:
        sys.exit("no ctime prefix: " + line)
    body = m.group(1)
    if sys.argv[2] == "json":
        o = json.loads(body)
        name, origin = o.pop("name"), o.pop("origin")
        ks = list(o)
    else:
        name, rest = body.split(": origin=", 1)
        f = rest.split(" ")
        assert f[-1] == "", "no trailing space: " + body
        origin, ks = f[0], [x.split("=")[0] for x in f[1:-1]]
    name = re.sub(r"\d{4,5}", "PORT", name)
    out.add("%s|%s|%s" % (name, origin, " ".join(ks)))
print("\n".join(sorted(out)))
PY
}

run_case()
{
    local fmt=$1 who=$2 dir=$3 udp tcp udp2 pid
    new_port udp
    new_port tcp
    new_port udp2
    conf "$dir.conf" "$fmt" "$udp" "$tcp" "$dir" "$who" "$udp2"
    if [ "$who" = "$DUT" ]; then
        dut_start "$dir.conf" udp "$udp" tcp "$tcp" udp "$udp2"
    else
        "$RSYSLOGD" -n -iNONE -f "$dir.conf" < /dev/null > /dev/null 2>> "$dir.err" &
        pid=$!
        track_pid "$pid"
        wait_port tcp "$tcp" 15 || fail "rsyslogd not listening"
    fi
    send "$udp" "$tcp" "$udp2"
    local s=$dir/stats.log
    if [ "$fmt" = legacy ]; then
        wait_stat "$s" ": action-[0-9]+-builtin:omfile: origin=core.action processed=$ALL failed=0 suspended=0 suspended.duration=0 resumed=0 \$" \
            || fail "$who $fmt: no action line with processed=$ALL: $(grep core.action "$s" | tail -3)"
        wait_stat "$s" ": queued: origin=core.action processed=$ALL " || fail "$who: named action"
        wait_stat "$s" ": queued queue: origin=core.queue size=0 enqueued=$ALL full=0 discarded.full=0 discarded.nf=0 maxqsize=[0-9]+ \$" \
            || fail "$who: action queue line: $(grep 'queued queue' "$s" | tail -1)"
        wait_stat "$s" ": imtcp\\($tcp\\): origin=imtcp submitted=$N \$" || fail "$who: imtcp line: $(grep imtcp "$s" | tail -1)"
        wait_stat "$s" ": imudp\\([^/]*/$udp/IPv4\\): origin=imudp submitted=$N " || fail "$who: imudp line: $(grep imudp "$s" | tail -2)"
        wait_stat "$s" ": imudp\\([^/]*/$udp2/IPv4\\): origin=imudp submitted=$N2 " || fail "$who: second port's imudp line: $(grep imudp "$s" | tail -2)"
        wait_stat "$s" ": main Q: origin=core.queue size=[0-9]+ enqueued=[0-9]+ " || fail "$who: main Q line"
        wait_stat "$dir/pstats.log" "^46 rsyslogd-pstats main Q: origin=core.queue size=" \
            || fail "$who: no stats message through the rules: $(head -2 "$dir/pstats.log")"
    else
        wait_stat "$s" '"name": "queued", "origin": "core.action", "processed": '$ALL', "failed": 0, "suspended": 0, "suspended.duration": 0, "resumed": 0 }$' \
            || fail "$who $fmt: no json action line: $(grep core.action "$s" | tail -2)"
        wait_stat "$s" '\{ "name": "main Q", "origin": "core.queue", "size": [0-9]+, "enqueued": '$ALL', ' \
            || fail "$who $fmt: main Q: $(grep 'main Q' "$s" | tail -1)"
    fi
    if [ "$who" = "$DUT" ]; then
        dut_stop
        [ "$DUT_STATUS" -eq 0 ] || fail "$DUT exited with status $DUT_STATUS"
    else
        stop_pid "$pid"
    fi
    keys "$s" "$fmt" > "$dir.keys" || fail "$who $fmt: bad stats file: $(tail -1 "$dir.keys")"
    log "$who $fmt: $(wc -l < "$dir.keys") counter sets"
}

for fmt in legacy json; do
    run_case "$fmt" "$DUT" "$T/$fmt.dut"
    if [ "$DUT" = sluice ] && [ -x "$RSYSLOGD" ]; then
        run_case "$fmt" rsyslog "$T/$fmt.rs"
        # the sets both print must have the same keys
        common=$(comm -12 <(cut -d'|' -f1,2 "$T/$fmt.dut.keys" | sort -u) \
                          <(cut -d'|' -f1,2 "$T/$fmt.rs.keys" | sort -u) | wc -l)
        [ "$common" -ge 8 ] || fail "$fmt: only $common counter sets in common with rsyslogd"
        diffs=$(awk -F'|' 'NR == FNR { k[$1 "|" $2] = $3; next }
                           ($1 "|" $2) in k && k[$1 "|" $2] != $3 { print $1 ": " k[$1 "|" $2] " vs " $3 }' \
                "$T/$fmt.rs.keys" "$T/$fmt.dut.keys")
        [ -z "$diffs" ] || fail "$fmt: key sets differ from rsyslogd's: $diffs"
        log "$fmt: $common counter sets with the same keys as rsyslogd 8.2302"
    fi
done
log "ok: impstats"
