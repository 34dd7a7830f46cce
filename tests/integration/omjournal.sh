#!/bin/bash
# omjournal: rsyslogd (the reference) and sluiced each send the same RFC 3164 lines (UDP)
# into a real systemd-journald, started by the test in a private mount namespace (tmpfs
# over /run/systemd, /run/log, /var/log/journal: the host's journal is not touched), with
# action(type="omjournal") without a template.  The journal fields the daemons wrote
# (MESSAGE, PRIORITY, SYSLOG_FACILITY, SYSLOG_IDENTIFIER; journald's trusted fields aside)
# must be the same.  sshd's lines also go through a subtree template of $! fields and a
# list template whose elements' outname= name the fields (rsyslog's tplToJSON; ABI 1.8
# render_json).  Needs root and unshare, else skipped.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"
setup
[ "$DUT" = sluice ] || { log "compares sluice with rsyslog itself: skipped for DUT=$DUT"; exit 77; }
[ -x "$RSYSLOGD" ] || { log "the reference $RSYSLOGD is not installed"; exit 77; }
require_plugin omjournal
JD=/lib/systemd/systemd-journald
if [ "$(id -u)" -ne 0 ] || ! [ -x "$JD" ] || ! unshare --mount --propagation private true 2> /dev/null; then
    log "skipped: needs root, unshare and $JD (a private journald)"
    exit 77
fi
require_cmd python3 journalctl

# run WHO PORT: the daemon and a private journald in one mount namespace; the journal's
# entries go to $T/WHO.json when $T/WHO.done appears (bounded: 40 s).
run()
{
    local who=$1 cmd
    {
        DUT=$who dut_global
        printf 'module(load="imudp")\ninput(type="imudp" address="127.0.0.1" port="%s")\n' "$2"
        printf 'module(load="omjournal")\n'
        printf 'action(type="omjournal")\n'
        # sshd's lines also through a subtree template and a list template (rsyslog's
        # tplToJSON: outname= names the fields; a constant without one and a missing $!
        # property are left out)
        printf 'template(name="jt" type="subtree" subtree="$!j")\n'
        printf 'template(name="jl" type="list") {\n'
        printf '  constant(value="from list" outname="EXTRA_FIELD")\n'
        printf '  property(name="msg" outname="MESSAGE" caseConversion="upper")\n'
        printf '  constant(value="no outname")\n  property(name="programname")\n'
        printf '  property(name="$!n" outname="NUM")\n  property(name="$!nosuch" outname="MISSING")\n'
        printf '  property(name="procid" outname="SYSLOG_IDENTIFIER" position.from="1" position.to="2")\n}\n'
        printf 'if $programname == "sshd" then {\n'
        printf '  set $!j!MESSAGE = $msg;\n  set $!j!EXTRA_FIELD = "x y ";\n'
        printf '  set $!j!SYSLOG_IDENTIFIER = $programname;\n  set $!j!NUM = 5;\n  set $!n = 7;\n'
        printf '  action(type="omjournal" template="jt")\n  action(type="omjournal" template="jl")\n}\n'
        printf 'action(type="omfile" file="%s/%s.log")\n' "$T" "$who"
    } > "$T/$who.conf"
    mapfile -t cmd < <(DUT=$who dut_cmd "$T/$who.conf")
    # shellcheck disable=SC2016  # expanded by the inner shell
    unshare --mount --propagation private bash -c '
        T=$1; who=$2; jd=$3; shift 3
        mount -t tmpfs sluice-test /run/systemd && mount -t tmpfs sluice-test /run/log &&
            mkdir -p /run/systemd/journal || exit 3
        mount -t tmpfs sluice-test /var/log/journal 2> /dev/null
        "$jd" > "$T/$who.jd.err" 2>&1 &
        jp=$!
        for i in $(seq 100); do [ -S /run/systemd/journal/socket ] && break; sleep 0.1; done
        "$@" < /dev/null > "$T/$who.out" 2> "$T/$who.err" &
        dp=$!
        for i in $(seq 400); do [ -e "$T/$who.done" ] && break; sleep 0.1; done
        kill $dp; wait $dp
        sleep 0.3
        journalctl -D /run/log/journal -o json > "$T/$who.json" 2> "$T/$who.jctl.err"
        kill $jp; wait $jp' sh "$T" "$who" "$JD" "${cmd[@]}" &
    RUN_PID=$!
    track_pid "$RUN_PID"
}

data=$top_srcdir/tests/diff/data/rfc3164.txt
n=$(wc -l < "$data")
for who in rsyslog sluice; do
    new_port port
    run "$who" "$port"
    wait_port udp "$port" 15 || fail "$who does not listen (namespace set-up: $(cat "$T/$who.jd.err" 2> /dev/null | head -c 200))"
    flood -p "$port" -t udp -r 2000 -i "$data" || fail "sending to $who failed"
    wait_lines "$T/$who.log" "$n" 20 || fail "$who wrote $(count_lines "$T/$who.log") of $n lines"
    sleep 0.5
    touch "$T/$who.done"
    wait_pid_exit "$RUN_PID" 30 || fail "$who's namespace did not finish"
    [ -s "$T/$who.json" ] || fail "no journal entries read back for $who"
done
# fields the daemons set, one entry per line, in journal order
fields()
{
    python3 -c '
import json, sys
for line in open(sys.argv[1], encoding="utf-8"):
    e = json.loads(line)
    if e.get("_TRANSPORT") != "journal":
        continue
    print(json.dumps({k: e[k] for k in ("MESSAGE", "PRIORITY", "SYSLOG_FACILITY", "SYSLOG_IDENTIFIER", "EXTRA_FIELD", "NUM", "MISSING", "programname") if k in e}, sort_keys=True))
' "$1"
}
# sorted: sluiced's ruleset workers may interleave the entries of different messages
fields "$T/rsyslog.json" | sort > "$T/rsyslog.fields"
fields "$T/sluice.json" | sort > "$T/sluice.fields"
grep -qxF '{"EXTRA_FIELD": "x y ", "MESSAGE": " Invalid user webmaster from 173.234.31.186", "NUM": "5", "SYSLOG_IDENTIFIER": "sshd"}' "$T/sluice.fields" ||
    fail "the subtree template's members are not the journal fields: $(grep NUM "$T/sluice.fields" | head -n 2)"
# (journald refuses the lower-case field names: programname, and $!n's NUM, which rsyslog
# lower-cases as it does every $! name without option.caseSensitive)
grep -qxF '{"EXTRA_FIELD": "from list", "MESSAGE": " INVALID USER WEBMASTER FROM 173.234.31.186", "SYSLOG_IDENTIFIER": "24"}' "$T/sluice.fields" ||
    fail "the list template's outname= fields are not the journal fields: $(grep '"from list"' "$T/sluice.fields" | head -n 2)"
k=$(grep -c '"from list"' "$T/sluice.fields")
[ "$(grep -c '"x y "' "$T/sluice.fields")" -eq "$k" ] || fail "not as many subtree as list entries"
[ "$(count_lines "$T/sluice.fields")" -eq $((n + 2 * k)) ] ||
    fail "sluiced: $(count_lines "$T/sluice.fields") journal entries for $n messages and $k sshd lines twice more"
if ! cmp -s "$T/rsyslog.fields" "$T/sluice.fields"; then
    diff -u "$T/rsyslog.fields" "$T/sluice.fields" | head -n 20 >&2
    fail "the journal entries differ (- rsyslog, + sluice)"
fi
log "ok: $(count_lines "$T/sluice.fields") journal entries with the same fields as rsyslogd's omjournal"
