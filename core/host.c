/*
 * host.c - the sl_host table the plugins call (sluice/sl_plugin.h), and the sinks of the
 * core's own log lines (processInternalMessages).  Host functions that carry no context
 * find the engine through cur_engine (a process singleton, set by sl_engine_build and
 * cleared by sl_engine_free).
 *
 * Ownership and lifetime
 *   Messages made by msg_new belong to the input until submitted; submit takes them all
 *   (those it could not queue are unreferenced and counted).  The same holds for
 *   submit_ruleset (ABI 1.9); its handles (struct sl_ruleset_ref) belong to the engine.
 *
 * Concurrency & locking
 *   Host calls come from any plugin thread: they touch only atomics, rings (locked by
 *   queue.c) and the counter registry (counters_lock); submit to a Direct-queued ruleset
 *   runs the rules on the calling input thread (direct.c), submit_ruleset never does.  The internal-message sink pushes
 *   straight into the main queue's ring, never the spool (the disk queue's lock may be held
 *   by the thread logging).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>

#include <json.h>

#include "log.h"

#include "engine_int.h"
#include "msg_int.h"

struct sl_engine *cur_engine;

/* ---------------------------------------------------------------------------------------
 * Host table
 * ------------------------------------------------------------------------------------- */
/* The receive time of the batch an input thread is building: read from the clock by the
 * first msg_new after a submit or unref of that thread (inputs with batch_clock only), so
 * the frames of one read share one clock read (rsyslog's imtcp and imudp also take one
 * time per read).  Thread-local: an input thread's batch is its own. */
static __thread const struct sl_input_ctx *batch_ctx;
static __thread struct timespec batch_rcv;

static struct sl_msg *host_msg_new(struct sl_input_ctx *ctx, const char *raw, size_t len,
                                   const struct sockaddr *peer, socklen_t peerlen)
{
    struct sl_msg *m;
    if (ctx != NULL && ctx->batch_clock) {
        if (batch_ctx != ctx) {
            clock_gettime(CLOCK_REALTIME, &batch_rcv);
            batch_ctx = ctx;
        }
        m = sl_msg_new_at(raw, len, &batch_rcv);
    } else {
        m = sl_msg_new(raw, len);
    }
    if (peer != NULL && peerlen > 0) {
        sl_msg_set_peer(m, peer, peerlen);
    }
    if (ctx != NULL) {
        m->inputname = ctx->inputname;
        m->ruleset = ctx->rs;
    }
    return m;
}

static void host_msg_unref(struct sl_msg *m)
{
    batch_ctx = NULL;
    sl_msg_unref(m);
}

static int host_submit(struct sl_input_ctx *ctx, struct sl_msg **msgs, size_t n, uint64_t key)
{
    /* Inputs that can be paused (TCP, unix sockets) wait for room as long as it takes: what
     * was accepted from a sender is never dropped.  UDP (SL_PF_NO_DELAY) waits at most
     * queue.timeoutEnqueue, then drops (counted). */
    struct sl_rsq *q = ctx->rs->q;
    batch_ctx = NULL;           /* the next message starts a new batch: a fresh time */
    if (q->direct && n > 0) {
        /* queue.type="Direct": this thread runs the rules itself (direct.c) */
        int rc = direct_run(ctx->eng, msgs, n);
        if (rc >= 0) {
            atomic_fetch_add_explicit(ctx->c_submitted, n, memory_order_relaxed);
            return rc;
        }
    }
    size_t done = rsq_push(q, msgs, n, key, ctx->no_delay ? q->qc.timeout_enqueue : -1);
    atomic_fetch_add_explicit(ctx->c_submitted, done, memory_order_relaxed);
    if (done < n) {
        atomic_fetch_add_explicit(ctx->c_dropped, n - done, memory_order_relaxed);
        atomic_fetch_add_explicit(q->c_discard_full, n - done, memory_order_relaxed);
        for (size_t i = done; i < n; i++) {
            sl_msg_unref(msgs[i]);
        }
        if (!ctx->no_delay) {
            return SL_ESHUTDOWN;
        }
    }
    return (int)done;
}

static _Atomic uint64_t *host_counter(const char *owner, const char *inst, const char *name)
{
    return counter_new(cur_engine, owner, inst, name);
}

static size_t host_max_message_size(void)
{
    return cur_engine != NULL ? (size_t)cur_engine->g.max_message_size : 8096;
}

static int host_render(const struct sl_template *tpl, struct sl_msg *m, struct sl_buf *out)
{
    return sl_template_render(tpl, m, out);
}

static int host_render_json(const struct sl_template *tpl, struct sl_msg *m, void **obj)
{
    struct fjson_object *o = NULL;
    int rc = sl_template_render_json(tpl, m, &o);
    *obj = o;
    return rc;
}

static const struct sl_template *host_template_find(const char *name)
{
    return cur_engine != NULL && name != NULL ? sl_tpl_find(cur_engine->tpls, name) : NULL;
}

static int host_prop_ref(const char *name, void **handle)
{
    return sl_prop_handle_new(name, handle);   /* core/msg_fields.c */
}

static void host_prop_unref(void *handle)
{
    sl_prop_handle_free(handle);
}

static int host_msg_prop(struct sl_msg *m, const void *handle, struct sl_buf *out)
{
    char tmp[SL_PROP_TMP];
    char *to_free = NULL;
    size_t len = 0;
    const char *v = sl_msg_prop(m, handle, &len, tmp, &to_free);
    int rc = sl_buf_append(out, v, len);
    free(to_free);
    return rc;
}

static int host_msg_json_set(struct sl_msg *m, const char *var, void *val)
{
    struct sl_propref r;
    if (var == NULL || sl_propref_parse(var, strlen(var), &r) != 0 ||
        (r.id != SL_PROP_CEE && r.id != SL_PROP_LOCAL_VAR && r.id != SL_PROP_GLOBAL_VAR)) {
        fjson_object_put(val);
        return SL_EINVAL;
    }
    /* rsyslog's msgAddJSON (as the mm* modules call it): the root is merged into; below
     * it a new key is added, but when the key exists already an object is merged into the
     * ROOT (not into the key - so it is in rsyslog 8.2302), and a non-object must not
     * replace an object. */
    int rc;
    struct fjson_object *leaf = NULL;
    if (r.path != NULL && *r.path != '\0') {
        leaf = sl_msg_json_get(m, r.id, r.path);
    }
    if (leaf != NULL && fjson_object_is_type(val, fjson_type_object)) {
        rc = sl_msg_json_set(m, r.id, "", val);
    } else if (leaf != NULL && fjson_object_is_type(leaf, fjson_type_object)) {
        fjson_object_put(val);
        rc = SL_EINVAL;
    } else {
        rc = sl_msg_json_set(m, r.id, r.path != NULL ? r.path : "", val);
    }
    sl_propref_clear(&r);
    return rc;
}

static int host_msg_json_set_ref(struct sl_msg *m, const void *handle, void *val)
{
    return sl_msg_json_set_ref(m, handle, val);
}

static void host_msg_set_parse_result(struct sl_msg *m, int ok)
{
    m->parse_result = ok ? 1 : 2;
}

static int host_msg_set_msg(struct sl_msg *m, const char *text, size_t len)
{
    return sl_msg_replace_msg(m, text, len);
}

static void host_stats_foreach(sl_stats_cb cb, void *arg, int reset)
{
    if (cur_engine != NULL) {
        sl_engine_stats_foreach(cur_engine, cb, arg, reset);
    }
}

static const char *host_global_str(const char *name)
{
    return sl_engine_global_str(cur_engine, name);
}

static const char *host_legacy_default(const char *key)
{
    (void)key;
    return NULL; /* legacy defaults arrive as implicit action parameters (see conf/ir.h) */
}

/* ABI 1.9: an output's handle on a ruleset (ruleset_ref / submit_ruleset).  Made on the
 * main thread in create(), read-only afterwards except the atomics; kept on the engine's
 * list and freed with it. */
struct sl_ruleset_ref {
    struct sl_ruleset_ref *next;
    struct sl_engine *e;
    struct sl_ruleset_rt *rs;
    const char *inputname;              /* interned (intern_input) */
    _Atomic uint64_t *c_submitted, *c_full, *c_shutdown;
    _Atomic int64_t last_log;           /* CLOCK_MONOTONIC s of the last drop log line */
};

static struct sl_ruleset_ref *host_ruleset_ref(const char *ruleset, const char *inputname)
{
    struct sl_engine *e = cur_engine;
    struct sl_ruleset_rt *rs = NULL;
    if (e == NULL || inputname == NULL) {
        return NULL;
    }
    rs = ruleset != NULL ? find_ruleset(e, ruleset) : e->default_rs;
    if (rs == NULL) {
        return NULL;
    }
    struct sl_ruleset_ref *r = sl_xcalloc(1, sizeof *r);
    r->e = e;
    r->rs = rs;
    r->inputname = intern_input(e, inputname);
    r->c_submitted = counter_new(e, inputname, inputname, "ruleset.submitted");
    r->c_full = counter_new(e, inputname, inputname, "ruleset.dropped.full");
    r->c_shutdown = counter_new(e, inputname, inputname, "ruleset.dropped.shutdown");
    atomic_init(&r->last_log, INT64_MIN);
    r->next = e->rrefs;
    e->rrefs = r;
    return r;
}

void ruleset_refs_free(struct sl_engine *e)
{
    while (e->rrefs != NULL) {
        struct sl_ruleset_ref *r = e->rrefs;
        e->rrefs = r->next;
        free(r);
    }
}

static size_t host_submit_ruleset(struct sl_ruleset_ref *r, struct sl_msg **msgs, size_t n,
                                  int64_t wait_ms)
{
    /* Never unbounded: an output worker may be the one that would drain this queue. */
    size_t done = 0;
    int down = atomic_load(&r->e->give_up);
    for (size_t i = 0; i < n; i++) {
        msgs[i]->inputname = r->inputname;
        msgs[i]->ruleset = r->rs;
    }
    if (!down && n > 0) {
        done = rsq_push(r->rs->q, msgs, n, (uint64_t)(uintptr_t)r,
                        wait_ms < 0 ? 0 : wait_ms);
    }
    atomic_fetch_add_explicit(r->c_submitted, done, memory_order_relaxed);
    if (done == n) {
        return done;
    }
    atomic_fetch_add_explicit(down ? r->c_shutdown : r->c_full, n - done,
                              memory_order_relaxed);
    for (size_t i = done; i < n; i++) {
        sl_msg_unref(msgs[i]);
    }
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    int64_t last = atomic_load(&r->last_log);
    if ((last == INT64_MIN || (int64_t)now.tv_sec - last >= 10) &&
        atomic_compare_exchange_strong(&r->last_log, &last, (int64_t)now.tv_sec)) {
        sl_log(SL_LOG_WARNING, r->inputname, "%s: %zu message(s) for ruleset '%s' dropped: %s "
               "(counted in ruleset.dropped.*; this line at most every 10 s)", r->inputname,
               n - done, r->rs->ir->name, down ? "shutting down" : "its queue is full");
    }
    return done;
}

const struct sl_host host = {
    .version = SL_HOST_VERSION,
    .struct_size = sizeof(struct sl_host),
    .log = sl_log,
    .msg_new = host_msg_new,
    .msg_unref = host_msg_unref,
    .submit = host_submit,
    .counter = host_counter,
    .max_message_size = host_max_message_size,
    .render = host_render,
    .template_find = host_template_find,
    .legacy_default = host_legacy_default,
    .buf_reserve = sl_buf_reserve,
    .buf_free = sl_buf_free,
    .global_str = host_global_str,
    .prop_ref = host_prop_ref,
    .prop_unref = host_prop_unref,
    .msg_prop = host_msg_prop,
    .msg_json_set = host_msg_json_set,
    .msg_set_parse_result = host_msg_set_parse_result,
    .msg_set_msg = host_msg_set_msg,
    .msg_set_local = sl_msg_set_local,
    .stats_foreach = host_stats_foreach,
    .msg_set_fields = sl_msg_set_fields,           /* ABI 1.4: core/msg_fields.c */
    .msg_json_set_str = sl_msg_json_set_str,
    .msg_json_set_int = sl_msg_json_set_int,
    .msg_json_set_ref = host_msg_json_set_ref,
    .batch_done = host_batch_done,
    .msg_parse_raw = sl_msg_parse_raw,             /* ABI 1.5: core/parse/parse.c */
    .msg_parse_set_raw = sl_msg_parse_set_raw,
    .msg_parse_ts3164 = sl_msg_parse_ts3164,
    .msg_parse_set_prop = sl_msg_parse_set_prop,
    .msg_set_mark = sl_msg_set_mark,               /* ABI 1.7: core/msg.c */
    .msg_set_prop = sl_msg_set_prop,               /* ABI 1.8: core/msg.c */
    .render_json = host_render_json,
    .ruleset_ref = host_ruleset_ref,               /* ABI 1.9 */
    .submit_ruleset = host_submit_ruleset,
};

/* Internal messages with global(processInternalMessages="off") (rsyslog's default): to the
 * system log through syslog(3) - when sluiced is the system log daemon they come back in
 * through imuxsock, as rsyslog's do. */
void log_sink_syslog(int severity, const char *text)
{
    syslog(LOG_SYSLOG | (severity & 7), "%s", text);
}

/* Internal messages with processInternalMessages="on": into the main queue, never blocking
 * (a full queue drops them). */
void log_sink(int severity, const char *text)
{
    struct sl_engine *e = cur_engine;
    if (e == NULL || e->nrsqs == 0) {
        return;
    }
    struct sl_msg *m = sl_msg_new_internal(5 /* syslog */, severity, text);
    m->inputname = "rsyslogd";
    m->ruleset = e->default_rs;
    /* straight into the ring, never the spool: the disk queue's lock may be held by the
     * thread logging this */
    struct sl_rsq *q = e->rsqs[0];
    if (sl_ring_push(&q->shards[rsq_shard(q, 0)], &m, 1, 0) != 1) {
        atomic_fetch_add_explicit(e->c_internal_dropped, 1, memory_order_relaxed);
        sl_msg_unref(m);
    }
}
