#!/bin/bash
# omelasticsearch retryfailures when the retry ruleset's queue is full: the output worker
# must not wait for it (that queue may be the one it has to drain).  sluice's
# submit_ruleset (plugin ABI 1.9) waits at most 1 s, then drops what did not fit, counted
# and logged ("dropped: its queue is full"); rsyslog would block, so there is no
# reference run.  The retry ruleset has a queue of 2 and one worker held by an action that
# posts to a sink path answered 2 s late; a bulk request of 12 refused items (429) fills
# it; a later line must still reach the bulk action's sink within 6 s.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=tests/integration/lib-http.sh
. "$(dirname "$0")/lib-http.sh"
es_sluice_setup
s="type=\"omelasticsearch\" server=\"127.0.0.1:$HTTP"
{
    es_conf_head "$T"
    printf 'template(name="doc" type="string" string="{\\"msg\\":\\"%%msg:::json%%\\"}")\n'
    printf 'ruleset(name="retry" queue.type="LinkedList" queue.size="2" queue.workerThreads="1") {\n'
    printf '  action(%s/slow" searchIndex="s" template="doc") }\n' "$s"
    printf 'action(%s/r" bulkmode="on" searchIndex="i" template="doc" retryfailures="on" retryruleset="retry")\n' "$s"
} > "$T/full.conf"
es_retry_start full --delay /slow:2
for i in $(seq 12); do printf '<13>Dec  6 10:00:00 h1 app: refused RJ %d\n' "$i"; done \
    > "/dev/tcp/127.0.0.1/$TCP" || fail "cannot send"
wait_requests es /r/_bulk 1 || fail "no bulk request"
sleep 0.5
start=$(date +%s%N)
printf '<13>Dec  6 10:00:01 h1 app: after\n' > "/dev/tcp/127.0.0.1/$TCP" || fail "cannot send"
got=
for i in $(seq 60); do
    grep -q ' after' "$T/es/requests.jsonl" 2> /dev/null && { got=1; break; }
    sleep 0.1
done
ms=$(( ($(date +%s%N) - start) / 1000000 ))
[ -n "$got" ] || fail "the bulk action is stuck behind the full retry queue (6 s)"
grep -q "dropped: its queue is full" "$T/full.err" ||
    fail "no drop logged: $(cat "$T/full.err")"
stop_pid "$ES_PID"
log "ok: the line after 12 refused items went out in $ms ms; $(grep -c 'dropped: its queue is full' "$T/full.err") drop line(s) logged"
