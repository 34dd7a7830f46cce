#!/bin/bash
# omelasticsearch retryfailures="on" under main_queue(queue.type="Direct"): the input
# thread runs the rules and the omelasticsearch action (holding its delivery lock); the
# items of a reply with errors go back to the default ruleset, which holds that very
# action.  host submit_ruleset (plugin ABI 1.9) hands them to the main queue's one worker
# instead of running the rules inline (that would wait for the lock its own thread holds):
# the retried items must reach the sink in a second bulk request, and SIGTERM must end the
# daemon.  The template takes characters 2-3 of MSG (" RJ one": "RJ"), so a retried item
# (MSG = the document, '{"msg":...') carries '"m', not the "RJ" the sink refuses: one retry
# round only.
# sluice-only (submit_ruleset's hand-off).
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=tests/integration/lib-http.sh
. "$(dirname "$0")/lib-http.sh"
es_sluice_setup
{
    printf 'global(workDirectory="%s")\nmain_queue(queue.type="Direct")\n' "$T"
    printf 'module(load="imtcp")\nmodule(load="omelasticsearch")\n'
    printf 'input(type="imtcp" address="127.0.0.1" port="%s")\n' "$TCP"
    printf 'template(name="doc2" type="string" string="{\\"msg\\":\\"%%msg:2:3:json%%\\"}")\n'
    printf 'action(type="omelasticsearch" server="127.0.0.1:%s/r" bulkmode="on" searchIndex="i"\n' "$HTTP"
    printf '       template="doc2" retryfailures="on")\n'
} > "$T/direct.conf"
es_retry_start direct
printf '%s\n' '<13>Dec  6 10:00:00 h1 app: RJ one' '<13>Dec  6 10:00:01 h1 app: ok two' \
    > "/dev/tcp/127.0.0.1/$TCP" || fail "cannot send"
wait_requests es /r/_bulk 2 10 ||
    fail "no second bulk request: the retried items did not come back through the rules"
sink_records es /r/_bulk > "$T/records.txt"
grep -qF '{"msg":"\"m"}' "$T/records.txt" ||
    fail "no retried item among the records: $(cat "$T/records.txt")"
start=$(date +%s)
stop_pid "$ES_PID"
took=$(($(date +%s) - start))
[ "$took" -le 10 ] || fail "SIGTERM took $took s"
log "ok: $(sink_count es /r/_bulk) bulk requests, the retried items went through the main queue's worker; stopped in $took s"
