/*
 * worker.c - the ruleset side of the engine: pushing into ruleset queues (sharded by flow
 * key), the ruleset queue workers (parse, run the rules, collect per action), the per-worker
 * pending lists flushed to direct actions or action queues, execOnlyWhenPreviousIsSuspended
 * failover, and the action queue workers.
 *
 * Ownership and lifetime
 *   A worker (struct sl_worker) belongs to one thread; its pending lists hold a reference
 *   per entry until flushed, its failover lists point into the current batch (which holds
 *   the references) and are forgotten at the end of the batch.
 *
 * Concurrency & locking
 *   Pending and failover lists are the worker's own, no lock.  A direct action is delivered
 *   under its direct_lock: several ruleset workers share its one plugin worker block.
 *   Rings and disk-assisted queues lock themselves (queue.c, queue_da.c).
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "engine_int.h"
#include "log.h"
#include "msg_ser.h"
#include "parse/uncompress.h"
#include "trace.h"

/* The shard of a flow key. */
size_t rsq_shard(const struct sl_rsq *q, uint64_t key)
{
    return rsq_shard_from(q->nshards, key, -1, 0);
}

_Thread_local struct sl_input_home sl_input_home = { -1, 0 };

/* A flow pushed by thread i of a threaded input with T threads goes to a shard of its own
 * thread's share: with S shards a multiple of T, one of shards i, i + T, i + 2T, ... (its
 * key picks which); with T a multiple of S, shard i mod S; otherwise by key alone.  A
 * session never changes thread (imtcp, imudp's SO_REUSEPORT sockets), so a flow keeps one
 * shard and its order.  What this buys: each shard's ring has one producer instead of every
 * input thread contending for its lock with the others and with the worker; 2 imtcp
 * threads and 2 main-queue shards on 2 CPUs, 4 connections, quiet A/B against the tree
 * before: 2,779k -> 3,259k msg/s, 0.350 -> 0.310 CPU-us/msg (bench/README.md, "One shard
 * per input thread", with the first A/B). */
size_t rsq_shard_from(size_t nshards, uint64_t key, int home, int nthreads)
{
    /* splitmix-style mix so sequential keys spread over shards */
    uint64_t h = key + 0x9e3779b97f4a7c15ULL;
    h = (h ^ (h >> 30)) * 0xbf58476d1ce4e5b9ULL;
    h = (h ^ (h >> 27)) * 0x94d049bb133111ebULL;
    h ^= h >> 31;
    if (home >= 0 && nthreads > 1 && nshards > 1) {
        const size_t t = (size_t)nthreads, i = (size_t)home % t;
        if (nshards % t == 0) {
            return i + t * (size_t)(h % (nshards / t));
        }
        if (t % nshards == 0) {
            return i % nshards;
        }
    }
    return (size_t)(h % nshards);
}

/* Push msgs into a ruleset queue, keeping flow order, waiting for room up to wait_ms (< 0:
 * no limit); returns how many were taken (queued, spooled or discarded by the discard mark). */
size_t rsq_push(struct sl_rsq *q, struct sl_msg **msgs, size_t n, uint64_t key,
                int64_t wait_ms)
{
    size_t s = rsq_shard_from(q->nshards, key, sl_input_home.index, sl_input_home.nthreads);
    if (q->da != NULL) {
        return da_push(q->da[s], msgs, n, wait_ms);
    }
    return sl_ring_push_timed(&q->shards[s], msgs, n, wait_ms);
}

/* Shutdown gave up while direct action a still held m (a disk-assisted ruleset queue's
 * worker): the batch is kept from m on (saved to disk by the worker, and run again after the
 * restart: other actions may see some messages twice - duplicates, not loss). */
static void keep_unsent(struct sl_worker *w, struct sl_action_rt *a, struct sl_msg *m)
{
    for (size_t i = 0; i < w->ncur; i++) {
        if (w->cur[i] == m) {
            if (i < w->save_from) {
                w->save_from = i;
            }
            return;
        }
    }
    atomic_fetch_add(a->c_discarded, 1);    /* not of this batch: cannot be kept */
}

static void flush_action(struct sl_worker *w, size_t idx);

/* Is m among the messages action idx could not take in this batch?  Both lists are in
 * message order, so a cursor makes the usual lookups O(1). */
static int in_failed(struct sl_worker *w, size_t idx, struct sl_msg *m)
{
    struct sl_failed *f = &w->failed[idx];
    for (size_t k = 0; k < f->n; k++) {
        size_t i = (f->cur + k) % f->n;
        if (f->v[i] == m) {
            f->cur = i + 1;
            f->taken[i] = 1;
            return 1;
        }
    }
    return 0;
}

static void note_failed(struct sl_worker *w, size_t idx, struct sl_msg **v, size_t n)
{
    struct sl_failed *f = &w->failed[idx];
    if (n == 0) {
        return;   /* (f->v may still be NULL: no memcpy from or to it) */
    }
    if (f->n + n > f->cap) {
        f->cap = f->n + n + 64;
        f->v = sl_xrealloc(f->v, f->cap * sizeof *f->v);
        f->taken = sl_xrealloc(f->taken, f->cap);
    }
    memcpy(f->v + f->n, v, n * sizeof *v);   /* the batch holds a reference until it ends */
    memset(f->taken + f->n, 0, n);
    f->n += n;
    w->any_failed = 1;
}

/* execOnlyWhenPreviousIsSuspended: keep the pending messages whose previous action could
 * not take them (that action is delivered first if it still holds messages). */
static void filter_failover(struct sl_worker *w, size_t idx)
{
    struct sl_pending *p = &w->pend[idx];
    for (size_t i = 0; i < p->n; i++) {
        size_t c = p->cond[i] - 1;
        if (c != idx && w->pend[c].n > 0) {
            flush_action(w, c);
        }
    }
    size_t k = 0;
    for (size_t i = 0; i < p->n; i++) {
        if (in_failed(w, p->cond[i] - 1, p->v[i])) {
            p->v[k++] = p->v[i];
        } else {
            sl_msg_unref(p->v[i]);
        }
    }
    p->n = k;
}

static void flush_action(struct sl_worker *w, size_t idx)
{
    struct sl_action_rt *a = w->eng->actions[idx];
    struct sl_pending *p = &w->pend[idx];
    if (p->n > 0 && a->ac.exec_when_prev_suspended) {
        filter_failover(w, idx);
    }
    if (p->n == 0) {
        return;
    }
    atomic_fetch_add_explicit(a->c_processed, p->n, memory_order_relaxed);
    if (a->queued) {
        /* a full action queue: wait queue.timeoutEnqueue, then discard (counted); a
         * disk-assisted one spills instead and waits only when the disk is full */
        size_t pushed = a->da != NULL ? da_push(a->da, p->v, p->n, -1)
                                      : sl_ring_push_timed(&a->ring, p->v, p->n,
                                                           a->qc.timeout_enqueue);
        if (pushed < p->n) {
            atomic_fetch_add(a->c_discarded, p->n - pushed);
            if (a->da == NULL) {
                atomic_fetch_add(a->c_discard_full, p->n - pushed);
            }
        }
        for (size_t i = pushed; i < p->n; i++) {
            sl_msg_unref(p->v[i]);
        }
    } else {
        /* A direct action has one plugin worker, shared by every ruleset worker that runs
         * it (rsyslog's default single main-queue worker: one forwarding connection, one
         * writer per file).  Parallel outputs are what action queues with
         * queue.workerThreads are for. */
        pthread_mutex_lock(&a->direct_lock);
        size_t rem = 0;
        if (a->has_backup) {
            size_t nt = action_try(a, action_wrk(a, 0), p->v, p->n);
            note_failed(w, idx, p->v + (p->n - nt), nt);
        } else {
            rem = action_deliver(a, action_wrk(a, 0), p->v, p->n, w->rsda != NULL);
        }
        pthread_mutex_unlock(&a->direct_lock);
        if (rem > 0) {
            keep_unsent(w, a, p->v[p->n - rem]);
        }
        for (size_t i = 0; i < p->n; i++) {
            sl_msg_unref(p->v[i]);
        }
    }
    p->n = 0;
}

static int cmp_size(const void *x, const void *y)
{
    size_t a = *(const size_t *)x, b = *(const size_t *)y;
    return a < b ? -1 : a > b;
}

static void flush_all(struct sl_worker *w)
{
    w->pend_cur = NULL;
    qsort(w->touched, w->ntouched, sizeof *w->touched, cmp_size);
    for (size_t i = 0; i < w->ntouched; i++) {
        flush_action(w, w->touched[i]);
    }
    w->ntouched = 0;
}

#define SL_PENDING_MAX 1024

/* Add m (the caller's reference passes) to the worker's pending list for action a; cond is
 * index+1 of the action it fails over from (execOnlyWhenPreviousIsSuspended), else unused. */
static void pend_push(struct sl_worker *w, struct sl_action_rt *a, struct sl_msg *m, size_t cond)
{
    struct sl_pending *p = &w->pend[a->index];
    if (p->n == 0) {
        int seen = 0;
        for (size_t i = 0; i < w->ntouched; i++) {
            seen |= w->touched[i] == a->index;
        }
        if (!seen) {
            w->touched[w->ntouched++] = a->index;
        }
    }
    if (p->n == p->cap) {
        p->cap = p->cap ? p->cap * 2 : 64;
        p->v = sl_xrealloc(p->v, p->cap * sizeof *p->v);
        if (a->ac.exec_when_prev_suspended) {
            p->cond = sl_xrealloc(p->cond, p->cap * sizeof *p->cond);
        }
    }
    if (a->ac.exec_when_prev_suspended) {
        p->cond[p->n] = (uint32_t)cond;
    }
    p->v[p->n++] = m;
    if (p->n >= SL_PENDING_MAX) {
        flush_action(w, a->index);
    }
}

/* A copy of m as it is now (rsyslog's MsgDup): the record the disk queue stores, read back
 * and parsed with the parsers of the ruleset m came through, so it has m's properties and
 * its $!, $. at this moment.  NULL if m cannot be copied. */
struct sl_msg *msg_snapshot(struct sl_engine *e, struct sl_msg *m)
{
    struct sl_buf ser = { NULL, 0, 0 };
    struct sl_msg *c = NULL;
    if (sl_msg_serialize(m, "", &ser) == 0) {
        c = sl_msg_deserialize(ser.p, ser.len, NULL, 0, intern_input, e);
    }
    free(ser.p);
    if (c == NULL) {
        return NULL;
    }
    struct sl_ruleset_rt *rs = m->ruleset != NULL ? m->ruleset : e->default_rs;
    c->ruleset = m->ruleset;
    sl_msg_parse(c, &rs->popts);
    c->flags |= m->flags & SL_MSGF_TRACED;
    return c;
}

/* call of a ruleset with its own queue: as rsyslog, a copy of the message (with the values
 * of this moment) goes to that queue and this ruleset goes on.  One shard (key 0), so the
 * copies keep their order.  A Direct queue is no queue for call (rsyslog's
 * rulesetHasQueue): its statements run here, on this message, as for a ruleset without. */
static int exec_call(void *ctx, const struct sl_ruleset_ir *ir, struct sl_msg *m)
{
    struct sl_worker *w = ctx;
    struct sl_ruleset_rt *rs = ir != NULL ? ir->rt : NULL;
    if (rs == NULL || !rs->own_queue || rs->q->direct) {
        return 0;
    }
    struct sl_msg *c = msg_snapshot(w->eng, m);
    if (c == NULL) {
        return 0;   /* cannot copy: run it here rather than lose it */
    }
    c->ruleset = rs;
    if (rsq_push(rs->q, &c, 1, 0, rs->q->qc.timeout_enqueue) < 1) {
        atomic_fetch_add(rs->q->c_discard_full, 1);
        sl_msg_unref(c);
    }
    return 1;
}

/* action.writeAllMarkMessages="off" (rsyslog's doSubmitToActionQNotAllMark): a mark
 * generated less than half a mark period after the last message the action took is not
 * written; every message taken moves that time (generation time, whole seconds; a
 * compare-and-swap, as the ruleset workers run the action concurrently). */
static int mark_due(struct sl_action_rt *a, const struct sl_msg *m)
{
    int64_t gen = (int64_t)m->rcv.tv_sec;
    int64_t last = atomic_load_explicit(&a->mark_last, memory_order_relaxed);
    do {
        if ((m->flags & SL_MSGF_MARK) && gen - last < sl_mark_interval() / 2) {
            return 0;
        }
    } while (!atomic_compare_exchange_weak_explicit(&a->mark_last, &last, gen,
                                                    memory_order_relaxed,
                                                    memory_order_relaxed));
    return 1;
}

static void exec_action(void *ctx, struct sl_action_ir *ai, struct sl_msg *m)
{
    struct sl_worker *w = ctx;
    struct sl_action_rt *a = ai->rt;
    if (a == NULL || !a->created) {
        return;
    }
    if (!a->ac.write_all_marks && !mark_due(a, m)) {
        return;
    }
    /* rsyslog: an action with execOnlyWhenPreviousIsSuspended runs for a message only if
     * the action run before it for that message was suspended; skipped, it leaves that
     * state as it was.  The answer is known when the previous action has delivered, so
     * the entry remembers which action it depends on (filter_failover). */
    if (a->gate_on) {
        /* execOnlyEveryNthTime / execOnlyOnceEveryInterval: a message the gate stops is
         * gone for this action and leaves the failover state alone (exec_gate.h) */
        pthread_mutex_lock(&a->gate_lock);
        int pass = sl_exec_gate_pass(&a->gate, (int64_t)time(NULL));
        pthread_mutex_unlock(&a->gate_lock);
        if (!pass) {
            return;
        }
    }
    size_t cond = w->last;
    if (a->ac.exec_when_prev_suspended && cond == 0) {
        return;
    }
    w->last = a->index + 1;
    if (a->is_mod) {
        /* actions before this one see the message as it was (as after set/unset): what they
         * hold of m is delivered first.  Entries of earlier messages of the batch are not
         * affected, so when m is not pending nothing is flushed: a flush per message made
         * every direct action after a modifier deliver batches of one (and the ruleset
         * workers contend for its lock). */
        if (w->pend_cur == m || a->ac.exec_when_prev_suspended) {
            flush_all(w);
        }
        if (a->ac.exec_when_prev_suspended && !in_failed(w, cond - 1, m)) {
            return;
        }
        a->pl->mod->process(a->inst, action_wrk(a, w->id), m);
        atomic_fetch_add_explicit(a->c_processed, 1, memory_order_relaxed);
        return;
    }
    if (a->rep_on) {
        struct sl_msg *emit;
        int held = rep_filter(a, m, &emit);
        if (emit != NULL) {
            pend_push(w, a, emit, cond);
        }
        if (held) {
            return;
        }
    }
    if (a->queued && (a->ac.copy_msg || m->localvars != NULL)) {
        /* action.copyMsg (rsyslog's MsgDup), and any queued action of a message with
         * local variables: the action gets the values of this moment, not those of a later
         * set or foreach iteration (rsyslog shares the message there and its output
         * depends on timing; sluice gives what rsyslog gives with copyMsg) */
        struct sl_msg *c = msg_snapshot(w->eng, m);
        if (c != NULL) {
            pend_push(w, a, c, cond);
            return;
        }
    }
    pend_push(w, a, sl_msg_ref(m), cond);
    w->pend_cur = m;
}

/* set/unset (or a new foreach value) is about to change m: if direct actions hold m, deliver
 * what they collected so far, so they render the values of the moment they ran.  (Queued actions still share the message;
 * see the note at the top of engine_int.h.) */
static void exec_modify(void *ctx, struct sl_msg *m)
{
    struct sl_worker *w = ctx;
    if (m == NULL || w->pend_cur == m) {   /* NULL: a $/ variable, shared by all messages */
        flush_all(w);
    }
}

static const struct sl_exec_ops exec_ops = { .action = exec_action, .modify = exec_modify,
                                             .call = exec_call };

/* ---- the live trace (trace.c): the same ops, reporting as they go ---------------------- */
static void trace_action(void *ctx, struct sl_action_ir *ai, struct sl_msg *m)
{
    struct sl_worker *w = ctx;
    struct sl_action_rt *a = ai->rt;
    if (a != NULL && a->created) {
        const char *file = ai->loc.file != NULL ? ai->loc.file : "";
        const char *how = a->is_mod ? "runs" : a->queued ? "enqueued to its queue"
                                                         : "enqueued (direct)";
        struct sl_trace_kv kv[] = { SL_TKV_I("id", w->trace_id), SL_TKV_S("file", file),
                                    SL_TKV_I("line", ai->loc.line), SL_TKV_S("action", a->name),
                                    SL_TKV_S("module", a->pl->name), SL_TKV_S("how", how) };
        sl_trace_event("action", kv, sizeof kv / sizeof kv[0], "trace #%lu %s:%d: action '%s' (%s) %s",
                       w->trace_id, file, ai->loc.line, a->name, a->pl->name, how);
    }
    exec_action(ctx, ai, m);
}

static int trace_call(void *ctx, const struct sl_ruleset_ir *ir, struct sl_msg *m)
{
    struct sl_worker *w = ctx;
    int queued = exec_call(ctx, ir, m);
    const char *rsname = ir != NULL ? ir->name : "?";
    struct sl_trace_kv kv[] = { SL_TKV_I("id", w->trace_id), SL_TKV_S("ruleset", rsname),
                                SL_TKV_B("queued", queued) };
    sl_trace_event("call", kv, sizeof kv / sizeof kv[0], "trace #%lu call -> ruleset '%s'%s",
                   w->trace_id, rsname, queued ? " (copy queued to its own queue)" : "");
    return queued;
}

static void trace_stmt(void *ctx, const struct sl_stmt *st, struct sl_msg *m, int result)
{
    struct sl_worker *w = ctx;
    (void)m;
    sl_trace_stmt(w->trace_id, st, result);
}

static const struct sl_exec_ops trace_ops = { .action = trace_action, .modify = exec_modify,
                                              .call = trace_call, .trace = trace_stmt };

/* A message while the trace runs: selected ones run with trace_ops. */
static void rsq_run_traced(struct sl_worker *w, struct sl_ruleset_rt *rs, struct sl_msg *m)
{
    static _Atomic unsigned long seq;
    const char *rsname = rs->ir != NULL ? rs->ir->name : "";
    if (!sl_trace_select(m, rsname)) {
        sl_ruleset_exec(rs->ir, m, &exec_ops, w);
        return;
    }
    w->trace_id = atomic_fetch_add(&seq, 1) + 1;
    m->flags |= SL_MSGF_TRACED;
    size_t len = 0;
    char tmp[SL_PROP_TMP];
    char *to_free = NULL;
    struct sl_propref pr = { .id = SL_PROP_MSG };
    const char *txt = sl_msg_prop(m, &pr, &len, tmp, &to_free);
    char msg[201];
    snprintf(msg, sizeof msg, "%.*s", (int)(len > 200 ? 200 : len), txt != NULL ? txt : "");
    const char *input = m->inputname != NULL ? m->inputname : "";
    struct sl_trace_kv kv[] = { SL_TKV_I("id", w->trace_id), SL_TKV_S("input", input),
                                SL_TKV_S("ruleset", rsname), SL_TKV_S("msg", msg) };
    sl_trace_event("input", kv, sizeof kv / sizeof kv[0], "trace #%lu input '%s' -> ruleset '%s': %s",
                   w->trace_id, input, rsname, msg);
    free(to_free);
    int rc = sl_ruleset_exec(rs->ir, m, &trace_ops, w);
    struct sl_trace_kv ek[] = { SL_TKV_I("id", w->trace_id), SL_TKV_S("ruleset", rsname),
                                SL_TKV_B("stop", rc == SL_EXEC_STOP) };
    sl_trace_event("end", ek, sizeof ek / sizeof ek[0], "trace #%lu end of ruleset '%s'%s",
                   w->trace_id, rsname, rc == SL_EXEC_STOP ? " (stop)" : "");
}

struct sl_worker *worker_new(struct sl_engine *e)
{
    struct sl_worker *w = sl_xcalloc(1, sizeof *w);
    w->eng = e;
    w->id = e->nworkers++;
    w->pend = sl_xcalloc(e->nactions ? e->nactions : 1, sizeof *w->pend);
    w->failed = sl_xcalloc(e->nactions ? e->nactions : 1, sizeof *w->failed);
    w->touched = sl_xcalloc(e->nactions ? e->nactions : 1, sizeof *w->touched);
    return w;
}

void worker_free(struct sl_worker *w)
{
    if (w == NULL) {
        return;
    }
    for (size_t i = 0; i < w->eng->nactions; i++) {
        free(w->pend[i].v);
        free(w->pend[i].cond);
        free(w->failed[i].v);
        free(w->failed[i].taken);
    }
    free(w->pend);
    free(w->failed);
    free(w->touched);
    free(w);
}

/* End of a batch.  Messages an action handed on that no failover action took (its filter
 * did not match them, or the flag sits on an action of another list) go back to that action
 * with its normal retry policy: handing on must never lose a message.  Then the lists,
 * which point into the batch, are forgotten. */
static void batch_end_failover(struct sl_worker *w)
{
    if (!w->any_failed) {
        return;
    }
    for (size_t i = 0; i < w->eng->nactions; i++) {
        struct sl_failed *f = &w->failed[i];
        size_t k = 0;
        for (size_t j = 0; j < f->n; j++) {
            if (!f->taken[j]) {
                f->v[k++] = f->v[j];
            }
        }
        if (k > 0) {
            struct sl_action_rt *a = w->eng->actions[i];
            atomic_fetch_sub_explicit(a->c_failed, k, memory_order_relaxed);
            pthread_mutex_lock(&a->direct_lock);
            action_deliver(a, action_wrk(a, 0), f->v, k, 0);
            pthread_mutex_unlock(&a->direct_lock);
        }
        f->n = 0;
        f->cur = 0;
    }
    w->any_failed = 0;
}

/* No parser of the ruleset's chain took m: discarded, counted (sluiced parser.discarded)
 * and, as rsyslog 8.2302 does, logged for the first 1000. */
static void noparser_discard(struct sl_engine *e, const struct sl_msg *m)
{
    static _Atomic unsigned said;
    atomic_fetch_add_explicit(e->c_noparser, 1, memory_order_relaxed);
    if (atomic_fetch_add_explicit(&said, 1, memory_order_relaxed) < 999) {
        sl_log(SL_LOG_ERR, NULL, "Error: one message could not be processed by any "
               "parser, message is being discarded (start of raw msg: '%.*s')",
               (int)(m->raw_len < 60 ? m->raw_len : 60), m->raw);
    }
}

/* rsyslog's compression extension (parser.supportCompressionExtension): a message 'z' +
 * zlib is decompressed before it is parsed (bounded by maxMessageSize); one that does not
 * decompress is counted by reason, logged (the first 1000, in rsyslog's words) and parsed
 * as received, as rsyslog 8.2302 does. */
static void rsq_uncompress(struct sl_engine *e, struct sl_msg *m)
{
    static _Atomic unsigned said;
    if (!e->g.support_compression || m->raw_len == 0 || m->raw[0] != 'z'
        || (m->flags & (SL_MSGF_PARSED | SL_MSGF_FIELDS))
        || (m->local_flags & (SL_LOCAL_KERNEL | SL_LOCAL_UXSOCK))) {
        return;
    }
    int zrc = 0;
    int rc = sl_msg_uncompress(m, (size_t)e->g.max_message_size, &zrc);
    if (rc == SL_UNZIP_DONE) {
        atomic_fetch_add_explicit(e->c_unzip_done, 1, memory_order_relaxed);
        return;
    }
    if (rc == SL_UNZIP_NONE) {
        return;
    }
    atomic_fetch_add_explicit(rc == SL_UNZIP_TOO_LARGE ? e->c_unzip_large : e->c_unzip_bad, 1,
                              memory_order_relaxed);
    if (atomic_fetch_add_explicit(&said, 1, memory_order_relaxed) < 999) {
        /* rsyslog's words, though it too processes the message as received */
        sl_log(SL_LOG_ERR, NULL, "Uncompression of a message failed with return code %d "
               "- enable debug logging if you need further information. Message ignored.",
               zrc);
    }
}

/* Parse and run a batch through its rulesets; returns how many trailing messages a direct
 * action kept at shutdown (disk-assisted ruleset queues only; see keep_unsent).  Ruleset
 * queue workers and, for Direct queues, the submitting input threads (direct.c). */
size_t rsq_process(struct sl_worker *w, struct sl_msg **batch, size_t n)
{
    struct sl_engine *e = w->eng;
    w->cur = batch;
    w->ncur = w->save_from = n;
    for (size_t i = 0; i < n; i++) {
        struct sl_msg *m = batch[i];
        struct sl_ruleset_rt *rs = m->ruleset != NULL ? m->ruleset : e->default_rs;
        rsq_uncompress(e, m);
        sl_msg_parse(m, &rs->popts);
        if (!(m->flags & SL_MSGF_UNPARSED)) {
            w->last = 0;
            if (sl_trace_on()) {
                rsq_run_traced(w, rs, m);
            } else {
                sl_ruleset_exec(rs->ir, m, &exec_ops, w);
            }
        } else {
            noparser_discard(e, m);             /* no parser of the chain took it */
        }
    }
    flush_all(w);
    batch_end_failover(w);
    w->ncur = 0;
    return n - w->save_from;
}

void *rsq_worker_main(void *arg)
{
    struct sl_worker *w = arg;
    size_t max = (size_t)w->q->qc.batch;
    if (w->rsda != NULL) {
        return da_worker_main(w, w->rsda, max, rsq_process);
    }
    struct sl_msg **batch = sl_xcalloc(max, sizeof *batch);
    size_t n;
    while ((n = sl_ring_pop_batch(w->ring, batch, max, -1)) > 0) {
        rsq_process(w, batch, n);
        for (size_t i = 0; i < n; i++) {
            sl_msg_unref(batch[i]);
        }
    }
    free(batch);
    return NULL;
}

/* A queued action's batch through its output; returns how many trailing messages were not
 * delivered because shutdown gave up. */
static size_t da_process_action(struct sl_worker *w, struct sl_msg **batch, size_t n)
{
    return action_deliver(w->act, action_wrk(w->act, w->id), batch, n, 1);
}

void *action_worker_main(void *arg)
{
    struct sl_worker *w = arg;
    struct sl_action_rt *a = w->act;
    if (a->flight != NULL) {
        return flight_worker_main(w);   /* deferred acknowledgement (queue_da.c) */
    }
    if (a->da != NULL) {
        return da_worker_main(w, a->da, (size_t)a->qc.batch, da_process_action);
    }
    size_t max = (size_t)a->qc.batch;
    struct sl_msg **batch = sl_xcalloc(max, sizeof *batch);
    size_t n;
    void *wrk = NULL;
    while ((n = sl_ring_pop_batch(&a->ring, batch, max, -1)) > 0) {
        if (wrk == NULL) {
            wrk = action_wrk(a, w->id);
        }
        atomic_fetch_add(&a->inflight, n);
        action_deliver(a, wrk, batch, n, 0);
        atomic_fetch_sub(&a->inflight, n);
        for (size_t i = 0; i < n; i++) {
            sl_msg_unref(batch[i]);
        }
    }
    free(batch);
    return NULL;
}
