# shellcheck shell=bash
# lib-http.sh - helpers of the omhttp tests (sourced after lib.sh): the HTTP sink
# (tests/integration/http_sink.py, Python's standard library) as a real peer, and reading
# what it recorded.

# shellcheck disable=SC2154  # top_srcdir comes from lib.sh
HTTP_SINK=$top_srcdir/tests/integration/http_sink.py

# sink_start NAME PORT [ARGS...]: starts the sink recording into $T/NAME (requests.jsonl,
# rejected.jsonl, gets.jsonl), waits until it listens.  Sets SINK_PID.
sink_start()
{
    local name=$1 port=$2
    shift 2
    mkdir -p "$T/$name"
    python3 "$HTTP_SINK" --port "$port" --dir "$T/$name" "$@" 2>> "$T/$name.err" &
    SINK_PID=$!
    track_pid "$SINK_PID"
    wait_port tcp "$port" 10 || fail "the HTTP sink $name does not listen on $port"
}

# sink_records NAME PATH: the records (lines of newline bodies, elements of JSON bodies)
# the sink accepted on PATH, one per line, in arrival order (python3 helper below).
sink_records()
{
    python3 - "$T/$1/requests.jsonl" "$2" << 'PY'
import json, sys
f, path = sys.argv[1], sys.argv[2]
try:
    reqs = [json.loads(l) for l in open(f, encoding="utf-8")]
except FileNotFoundError:
    reqs = []
for r in reqs:
    if r["path"] != path:
        continue
    print(r["body"])
PY
}

# sink_count NAME PATH: how many requests the sink accepted on PATH.
sink_count()
{
    [ -f "$T/$1/requests.jsonl" ] || { echo 0; return; }
    grep -c "\"path\": \"$2\"" "$T/$1/requests.jsonl"
}

# wait_requests NAME PATH N [TIMEOUT]: waits until the sink accepted N requests on PATH.
wait_requests()
{
    local _
    for _ in $(seq $((${4:-15} * 10))); do
        [ "$(sink_count "$1" "$2")" -ge "$3" ] && return 0
        sleep 0.1
    done
    log "timeout: $(sink_count "$1" "$2") of $3 requests on $2"
    return 1
}

# omhttp_global PORT [MODULE]: config lines of every omhttp (or MODULE, e.g.
# omelasticsearch) test: work directory, the module, imtcp on PORT.
omhttp_global()
{
    dut_global
    printf 'module(load="imtcp")\nmodule(load="%s")\n' "${2:-omhttp}"
    printf 'input(type="imtcp" address="127.0.0.1" port="%s")\n' "$1"
}

# omhttp_setup: lib.sh's setup, then skip unless the daemon under test is sluiced with the
# omhttp plugin built (Debian's rsyslog has no omhttp to compare with).
omhttp_setup()
{
    setup
    [ "$DUT" = sluice ] || { log "omhttp is not in Debian's rsyslog: skipped for DUT=$DUT"; exit 77; }
    require_plugin omhttp
    require_cmd python3
}

# es_daemon NAME CMD...: runs CMD (sluiced with its options, or rsyslogd) in the foreground
# on $T/NAME.conf, stderr to $T/NAME.err, and waits until it listens on TCP port $TCP
# (the omelasticsearch tests that run both daemons).  Sets ES_PID.
es_daemon()
{
    local name=$1
    shift
    "$@" -n -iNONE -f "$T/$name.conf" < /dev/null > /dev/null 2>> "$T/$name.err" &
    ES_PID=$!
    track_pid "$ES_PID"
    wait_port tcp "$TCP" 15 || fail "$name does not listen on $TCP"
}

# sink_wait_all N TIMEOUT NAME...: waits until the sinks NAME... accepted N requests in all.
sink_wait_all()
{
    local want=$1 timeout=$2 i n s
    shift 2
    for i in $(seq $((timeout * 10))); do
        n=0
        for s in "$@"; do
            n=$((n + $(count_lines "$T/$s/requests.jsonl")))
        done
        [ "$n" -ge "$want" ] && return 0
        sleep 0.1
    done
    log "timeout: the sinks $* accepted $n of $want requests"
    return 1
}

# es_diff_setup [PORT...]: lib.sh's setup for the omelasticsearch tests that run sluiced and
# rsyslogd themselves: skipped for another DUT, without the plugin or without Debian's
# rsyslog-elasticsearch (rsyslogd's omelasticsearch, the reference); then new_port TCP (the
# daemons' imtcp) and each PORT name (the sinks).
es_diff_setup()
{
    local p
    setup
    [ "$DUT" = sluice ] || { log "runs both daemons itself: skipped for DUT=$DUT"; exit 77; }
    require_plugin omelasticsearch
    require_cmd python3
    compgen -G '/usr/lib/*/rsyslog/omelasticsearch.so' > /dev/null ||
        { log "rsyslog-elasticsearch is not installed: skipped"; exit 77; }
    for p in TCP "$@"; do
        new_port "$p"
    done
}

# es_sluice_setup: lib.sh's setup for the omelasticsearch tests of sluice-only behaviour
# (no reference run: direct-retry.sh, omes-retry-full.sh): skipped for another DUT or
# without the plugin; then new_port TCP (sluiced's imtcp) and HTTP (the sink).
es_sluice_setup()
{
    setup
    [ "$DUT" = sluice ] || { log "sluice-only behaviour: skipped for DUT=$DUT"; exit 77; }
    require_plugin omelasticsearch
    require_cmd python3
    new_port TCP
    new_port HTTP
}

# es_retry_start NAME [SINK-ARGS...]: the sink "es" on $HTTP refusing the items that carry
# "RJ" (429, es_rejected_execution_exception; SINK-ARGS added), then sluiced on
# $T/NAME.conf (es_daemon: ES_PID, stderr in $T/NAME.err).  The retryfailures tests.
es_retry_start()
{
    local name=$1
    shift
    sink_start es "$HTTP" --es --es-item RJ:429:es_rejected_execution_exception "$@"
    es_daemon "$name" "$SLUICED" -M "$SLUICE_PLUGIN_DIR"
}

# es_both: the test's run() for sluiced (its plugins) and then for rsyslogd.
es_both()
{
    run sluice "$SLUICED" -M "$SLUICE_PLUGIN_DIR"
    run rsyslog "$RSYSLOGD"
}

# es_stop PID...: lets the last records settle (0.5 s), then stops the daemon and sinks.
es_stop()
{
    local p
    sleep 0.5
    for p in "$@"; do
        stop_pid "$p"
    done
}

# es_conf_head WORKDIR: the first lines of their configs, the same for both daemons: the
# work directory, one main queue worker (a deterministic order), imtcp on $TCP and the
# module.
es_conf_head()
{
    printf 'global(workDirectory="%s")\nmain_queue(queue.workerThreads="1")\n' "$1"
    printf 'module(load="imtcp")\nmodule(load="omelasticsearch")\n'
    printf 'input(type="imtcp" address="127.0.0.1" port="%s")\n' "$TCP"
}

# es_conf_doc WORKDIR: es_conf_head, then the template "doc" of the warmed-up runs
# (omes-errorfile.sh, omes-retry.sh): {"msg": MSG, "tag": TAG}.
es_conf_doc()
{
    es_conf_head "$1"
    printf 'template(name="doc" type="string" string="{\\"msg\\":\\"%%msg:::json%%\\",\\"tag\\":\\"%%syslogtag:::json%%\\"}")\n'
}

# es_start NAME CMD...: writes $T/NAME.conf with the test's conf(), runs the daemon (as
# es_daemon) and sends it a first line for /w ("warmup"), which the sink answers late
# (--delay /w:1): the daemon's single worker waits there while the test queues its lines,
# so they go in one bulk request per action (omes-errorfile.sh, omes-retry.sh).
es_start()
{
    local name=$1
    mkdir -p "$T/$name"
    conf "$name" > "$T/$name.conf"
    es_daemon "$@"
    printf '<13>Dec  6 09:59:59 h0 w: warmup\n' > "/dev/tcp/127.0.0.1/$TCP" ||
        fail "cannot send to $name"
    sleep 0.3
}
