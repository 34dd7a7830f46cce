#!/bin/bash
# omelasticsearch retryfailures="on" with retryruleset= (and without: the default ruleset)
# against rsyslogd's own omelasticsearch (Debian's rsyslog-elasticsearch, 8.2302): the same
# config and messages through sluiced and then rsyslogd, each against its own
# tests/integration/http_sink.py --es, which fails some bulk items (RJ: 429
# es_rejected_execution_exception, VC: 409 version_conflict_engine_exception).  rsyslog
# turns every item of a reply with "errors":true (the failed ones and the others) into a
# message - rawmsg/MSG the document's "message" (else the document), TAG "omes", $! the
# document, $.omes the action line's and the reply item's fields; no HOSTNAME or sender,
# facility "invld" - for the retry ruleset; omfile writes them with a template of those
# properties, and the files must be the same bytes.  A reply without errors submits nothing (checked: the /k action's lines all pass).
# As in omes-errorfile.sh, a first line to /w (answered 1 s late) holds the single worker,
# so the lines go in one bulk request per action.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=tests/integration/lib-http.sh
. "$(dirname "$0")/lib-http.sh"
es_diff_setup HTTP

# conf NAME: the config of one run (its own work directory and output files)
conf()
{
    local d=$T/$1 s="type=\"omelasticsearch\" server=\"127.0.0.1:$HTTP"
    es_conf_doc "$d"
    printf 'template(name="docm" type="string" string="{\\"message\\":\\"%%msg:::json%%\\",\\"n\\":1}")\n'
    printf 'template(name="out" type="string" string="[%%hostname%%] [%%fromhost%%] [%%fromhost-ip%%] %%pri%% [%%programname%%] [%%app-name%%] [%%procid%%] [%%msgid%%] %%syslogfacility-text%% %%syslogseverity%% %%syslogpriority-text%% %%inputname%% %%syslogtag%% [%%msg%%] [%%rawmsg%%] %%$.omes!status%% %%$.omes!error!type%% %%$.omes%% %%$!%%\\n")\n'
    printf 'ruleset(name="retry") { action(type="omfile" file="%s/retry.log" template="out") }\n' "$d"
    printf 'if $syslogtag == "omes" then { action(type="omfile" file="%s/default.log" template="out")\nstop }\n' "$d"
    printf 'if $msg contains "warmup" then { action(%s/w" template="doc")\nstop }\n' "$s"
    printf 'action(%s/r" bulkmode="on" searchIndex="i" template="doc" retryfailures="on" retryruleset="retry")\n' "$s"
    printf 'template(name="bid" type="string" string="id-%%procid%%")\n'
    printf 'action(%s/d" bulkmode="on" searchIndex="i" searchType="t" template="docm" writeoperation="create" bulkid="bid" dynbulkid="on" retryfailures="on")\n' "$s"
    printf 'if $msg contains "okonly" then action(%s/k" bulkmode="on" searchIndex="i" template="doc" retryfailures="on" retryruleset="retry")\n' "$s"
}

run()
{
    local name=$1
    shift
    sink_start "$name-sink" "$HTTP" --es --es-item RJ:429:es_rejected_execution_exception \
        --es-item VC:409:version_conflict_engine_exception --delay /w:1
    local sink=$SINK_PID
    es_start "$name" "$@"
    printf '%s\n' '<13>Dec  6 10:00:00 h1 app1[1]: one "quoted" \back' \
        '<13>Dec  6 10:00:01 h1 app1[2]: two RJ/slash	tab' \
        '<14>Dec  6 10:00:02 h2 app2[3]: three é VC' \
        '<13>Dec  6 10:00:04 h2 app3[5]: four' \
        > "/dev/tcp/127.0.0.1/$TCP" || fail "cannot send to $name"
    sleep 1.3
    printf '%s\n' '<13>Dec  6 10:00:05 h2 app3[6]: five okonly' \
        > "/dev/tcp/127.0.0.1/$TCP" || fail "cannot send to $name"
    # /w, /r, /d, then /r, /d, /k for the last line: at most 15 s
    sink_wait_all 6 15 "$name-sink" || log "$name: not every request arrived"
    wait_lines "$T/$name/retry.log" 4 10 || log "$name: retry.log short"
    wait_lines "$T/$name/default.log" 4 10 || log "$name: default.log short"
    es_stop "$ES_PID" "$sink"
}

es_both

for f in retry.log default.log; do
    [ -s "$T/rsyslog/$f" ] || fail "rsyslogd wrote no $f: $(cat "$T/rsyslog.err")"
    cmp -s "$T/sluice/$f" "$T/rsyslog/$f" || fail "$f differs:
--- sluiced
$(cat "$T/sluice/$f" 2>&1)
--- rsyslogd
$(cat "$T/rsyslog/$f")"
done
# four items of the first reply each (it had errors); the okonly request had none
n=$(wc -l < "$T/sluice/retry.log")
[ "$n" -eq 4 ] || fail "retry.log: $n lines, want 4"
grep -q ' 429 es_rejected_execution_exception ' "$T/sluice/retry.log" || fail "no 429 item"
grep -q ' 409 version_conflict_engine_exception ' "$T/sluice/default.log" || fail "no 409 item"
log "ok: retry.log $(wc -c < "$T/sluice/retry.log") bytes, default.log $(wc -c < "$T/sluice/default.log") bytes, same as rsyslogd"
