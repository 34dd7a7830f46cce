/*
 * engine.c - the engine's lifecycle (see engine.h): open the inputs, start the threads,
 * HUP, stop (inputs first, then the ruleset queues drain, then the action queues), free,
 * and the -N --dump listing.  The build step is in engine_build.c; the runtime objects are
 * described in engine_int.h.
 *
 * Ownership and lifetime
 *   sl_engine_free releases everything sl_engine_build made and sl_engine_start started
 *   (threads are joined by sl_engine_stop first).  The IR stays the caller's.
 *
 * Concurrency & locking
 *   open_inputs/start/stop/free/dump run on the main thread; hup() may run while workers
 *   deliver (plugins lock what they share).  Stop waits for each thread up to the main
 *   queue's queue.timeoutShutdown, then sets give_up and wakes every back-off sleep
 *   (eng->sleep_cv) so suspended actions stop retrying and everything drains.
 */
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "log.h"

#include "engine_int.h"
#include "expr/expr.h"
#include "flight.h"

static void *input_main(void *arg)
{
    struct sl_input_ctx *ctx = arg;
    int rc = ctx->mod->pl->in->run(ctx->inst);
    if (rc != 0 && !atomic_load(&ctx->eng->stopping)) {
        sl_log(SL_LOG_ERR, ctx->mod->pl->name, "input '%s' stopped with error %d",
               ctx->inputname, rc);
    }
    return NULL;
}

/* An SL_PF_THREADED input: one of its `threads` threads (ABI 1.4). */
static void *input_thread_main(void *arg)
{
    struct sl_input_thr *t = arg;
    struct sl_input_ctx *ctx = t->ctx;
    sl_input_home = (struct sl_input_home){ (int)t->index, (int)ctx->nthreads };
    int rc = ctx->mod->pl->in->run_thread(ctx->inst, t->index, ctx->nthreads);
    if (rc != 0 && !atomic_load(&ctx->eng->stopping)) {
        sl_log(SL_LOG_ERR, ctx->mod->pl->name, "input '%s' thread %u stopped with error %d",
               ctx->inputname, t->index, rc);
    }
    return NULL;
}

/* Starts an input's thread(s); with SL_PF_THREADED all `threads` of them or none (the ones
 * started are stopped and joined again if one cannot be). */
static void start_input(struct sl_input_ctx *ctx)
{
    if (ctx->nthreads == 0) {
        if (pthread_create(&ctx->thr, NULL, input_main, ctx) == 0) {
            ctx->running = 1;
        }
        return;
    }
    ctx->thrs = sl_xcalloc(ctx->nthreads, sizeof *ctx->thrs);
    ctx->targs = sl_xcalloc(ctx->nthreads, sizeof *ctx->targs);
    for (unsigned i = 0; i < ctx->nthreads; i++) {
        ctx->targs[i] = (struct sl_input_thr){ ctx, i };
        if (pthread_create(&ctx->thrs[i], NULL, input_thread_main, &ctx->targs[i]) != 0) {
            sl_log(SL_LOG_ERR, ctx->mod->pl->name, "input '%s': cannot start thread %u of %u",
                   ctx->inputname, i + 1, ctx->nthreads);
            if (ctx->mod->pl->in->stop != NULL) {
                ctx->mod->pl->in->stop(ctx->inst);
            }
            for (unsigned k = 0; k < i; k++) {
                pthread_join(ctx->thrs[k], NULL);
            }
            ctx->nrunning = 0;
            return;
        }
        ctx->nrunning = i + 1;
    }
    ctx->running = 1;
}

/* ---------------------------------------------------------------------------------------
 * Start / stop
 * ------------------------------------------------------------------------------------- */
int sl_engine_open_inputs(struct sl_engine *e)
{
    size_t tried = 0, opened = 0;
    for (size_t i = 0; i < e->ninputs; i++) {
        struct sl_input_ctx *ctx = e->inputs[i];
        if (!ctx->created) {
            continue;
        }
        tried++;
        if (ctx->mod->pl->in->open != NULL && ctx->mod->pl->in->open(ctx->inst) != 0) {
            /* rsyslog 8.2302 logs a listener it cannot bind (port in use, no privilege,
             * missing TLS files) and runs without it: one broken remote listener must not
             * stop local logging */
            sl_cfg_error_soft(&ctx->loc, "input '%s' could not be opened, running without it",
                              ctx->mod->pl->name);
            continue;
        }
        ctx->opened = 1;
        opened++;
    }
    /* sluice-only: when not one input could be opened there is nothing to run (a daemon
     * that can never receive a message); start-up fails then, as before */
    return tried > 0 && opened == 0 ? SL_EIO : 0;
}

int sl_engine_start(struct sl_engine *e)
{
    for (size_t i = 0; i < e->nactions; i++) {
        if (e->actions[i]->da != NULL && da_open(e, e->actions[i]->da) != 0) {
            return SL_EIO;
        }
    }
    for (size_t i = 0; i < e->nrsqs; i++) {
        struct sl_rsq *q = e->rsqs[i];
        for (size_t s = 0; q->da != NULL && s < q->nshards; s++) {
            q->da[s]->c_spooled = q->c_spooled;
            q->da[s]->c_unspooled = q->c_unspooled;
            if (da_open(e, q->da[s]) != 0) {
                return SL_EIO;
            }
            struct sl_da *da = q->da[s];
            da->replaying = &q->replaying;
            da->replay_left = sl_spool_count(da->head) + sl_spool_count(da->spool);
            if (da->replay_left > 0) {
                atomic_fetch_add(&q->replaying, 1);
            }
        }
    }
    direct_pool_start(e);   /* Direct queues: workers of the input threads (direct.c) */
    for (size_t i = 0; i < e->nactions; i++) {
        struct sl_action_rt *a = e->actions[i];
        a->wrks = sl_xcalloc(e->nworkers_max + 1, sizeof *a->wrks);
        a->wconn = sl_xcalloc(e->nworkers_max + 1, sizeof *a->wconn);
    }
    for (size_t i = 0; i < e->nactions; i++) {
        struct sl_action_rt *a = e->actions[i];
        if (!a->queued) {
            continue;
        }
        a->qworkers = sl_xcalloc(a->nthr, sizeof *a->qworkers);
        for (size_t t = 0; t < a->nthr; t++) {
            struct sl_worker *w = worker_new(e);
            w->act = a;
            a->qworkers[t] = w;
            pthread_create(&a->thr[t], NULL, action_worker_main, w);
        }
    }
    for (size_t i = 0; i < e->nrsqs; i++) {
        struct sl_rsq *q = e->rsqs[i];
        for (size_t s = 0; s < q->nshards; s++) {
            struct sl_worker *w = worker_new(e);
            w->q = q;
            w->ring = &q->shards[s];
            w->rsda = q->da != NULL ? q->da[s] : NULL;
            q->workers[s] = w;
            pthread_create(&q->thr[s], NULL, rsq_worker_main, w);
        }
        q->started = 1;
    }
    if (e->g.process_internal) {
        sl_log_set_sink(log_sink);
    } else {
        openlog("sluiced", LOG_NDELAY, LOG_SYSLOG);
        sl_log_set_sink(log_sink_syslog);
    }
    sl_log_set_stderr(e->opts.foreground);
    sl_log(SL_LOG_INFO, NULL, "[origin software=\"sluiced\" swVersion=\"%s\" x-pid=\"%d\"] start",
           PACKAGE_VERSION, (int)getpid());
    for (size_t i = 0; i < e->ninputs; i++) {
        struct sl_input_ctx *ctx = e->inputs[i];
        if (!ctx->opened) {
            continue;
        }
        start_input(ctx);
    }
    return 0;
}

/* SIGHUP (main thread) and the control socket's reopen/reload (its thread) may overlap:
 * one at a time, so a plugin's hup() never runs twice at once. */
static pthread_mutex_t hup_lock = PTHREAD_MUTEX_INITIALIZER;

/* What HUP does for files: the inputs' and outputs' hup() (omfile reopens its files). */
void sl_engine_reopen(struct sl_engine *e)
{
    pthread_mutex_lock(&hup_lock);
    for (size_t i = 0; i < e->ninputs; i++) {
        struct sl_input_ctx *ctx = e->inputs[i];
        const struct sl_plugin *pl = ctx->mod->pl;
        if (ctx->opened && pl->abi_minor >= 2 && pl->in->hup != NULL) {
            pl->in->hup(ctx->inst);
        }
    }
    for (size_t i = 0; i < e->nactions; i++) {
        struct sl_action_rt *a = e->actions[i];
        if (a->created && !a->is_mod && a->pl->out->hup != NULL) {
            a->pl->out->hup(a->inst);
        }
    }
    pthread_mutex_unlock(&hup_lock);
}

/* What HUP reloads: the lookup tables (unless reloadOnHUP="off"), as rsyslog's HUP does. */
void sl_engine_reload(struct sl_engine *e)
{
    (void)e;
    pthread_mutex_lock(&hup_lock);
    sl_lookup_reload_all();
    pthread_mutex_unlock(&hup_lock);
}

void sl_engine_hup(struct sl_engine *e)
{
    sl_engine_reload(e);
    sl_engine_reopen(e);
}

/* Join t, giving up waiting at the deadline.  A wait longer than a second says what it
 * waits for (`kind` `name`, with the messages still in `ring` when there is one, and those
 * action `a` holds) instead of a silent pause. */
static void join_until(pthread_t t, int64_t deadline, struct sl_engine *e, const char *kind,
                       const char *name, struct sl_ring *ring, struct sl_action_rt *a)
{
    int64_t said = now_ms() + 1000;
    while (now_ms() < deadline) {
        int64_t now = now_ms();
        if (said != 0 && now >= said && now < deadline) {
            said = 0;
            size_t n = (ring != NULL ? sl_ring_len(ring) : 0) +
                       (a != NULL ? atomic_load(&a->inflight) : 0) +
                       (a != NULL && a->flight != NULL ? sl_flight_count(a->flight) : 0);
            char msgs[64] = "";
            if (ring != NULL) {
                snprintf(msgs, sizeof msgs, " for %zu message%s on", n, n == 1 ? "" : "s");
            } else {
                snprintf(msgs, sizeof msgs, " for");
            }
            sl_log(SL_LOG_NOTICE, NULL, "shutdown: waiting up to %lld s%s %s '%s'",
                   (long long)((deadline - now + 999) / 1000), msgs, kind, name);
        }
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        ts.tv_nsec += 100 * 1000000L;
        if (ts.tv_nsec >= 1000000000L) {
            ts.tv_sec++;
            ts.tv_nsec -= 1000000000L;
        }
        if (pthread_timedjoin_np(t, NULL, &ts) == 0) {
            return;
        }
    }
    /* past the deadline: suspended actions stop retrying so everything can drain */
    atomic_store(&e->give_up, 1);
    pthread_mutex_lock(&e->sleep_lock);
    pthread_cond_broadcast(&e->sleep_cv);
    pthread_mutex_unlock(&e->sleep_lock);
    pthread_join(t, NULL);
}

void sl_engine_stop(struct sl_engine *e, int signo)
{
    atomic_store(&e->stopping, 1);
    int64_t deadline = now_ms() + (e->nrsqs ? e->rsqs[0]->qc.timeout_shutdown : 10000);
    atomic_store(&e->stop_deadline, deadline);
    for (size_t i = 0; i < e->ninputs; i++) {
        struct sl_input_ctx *ctx = e->inputs[i];
        if (ctx->running && ctx->mod->pl->in->stop != NULL) {
            ctx->mod->pl->in->stop(ctx->inst);
        }
    }
    for (size_t i = 0; i < e->ninputs; i++) {
        struct sl_input_ctx *ctx = e->inputs[i];
        if (ctx->running && ctx->nthreads > 0) {
            for (unsigned t = 0; t < ctx->nrunning; t++) {
                join_until(ctx->thrs[t], deadline, e, "input", ctx->inputname, NULL, NULL);
            }
            ctx->running = 0;
        } else if (ctx->running) {
            join_until(ctx->thr, deadline, e, "input", ctx->inputname, NULL, NULL);
            ctx->running = 0;
        }
    }
    if (signo > 0) {
        sl_log(SL_LOG_INFO, NULL, "[origin software=\"sluiced\" swVersion=\"%s\" x-pid=\"%d\"] "
               "exiting on signal %d.", PACKAGE_VERSION, (int)getpid(), signo);
    }
    /* ruleset queues drain: their workers see the close after the last message */
    for (size_t i = 0; i < e->nrsqs; i++) {
        struct sl_rsq *q = e->rsqs[i];
        for (size_t s = 0; s < q->nshards; s++) {
            sl_ring_close(&q->shards[s]);
        }
    }
    for (size_t i = 0; i < e->nrsqs; i++) {
        struct sl_rsq *q = e->rsqs[i];
        if (!q->started) {
            continue;
        }
        if (i == 0) {
            sl_log_set_sink(NULL);  /* nothing may enter the main queue now */
        }
        for (size_t s = 0; s < q->nshards; s++) {
            join_until(q->thr[s], deadline, e, "queue", q->name, &q->shards[s], NULL);
        }
        q->started = 0;
    }
    sl_log_set_sink(NULL);
    rep_flush_all(e);   /* $RepeatedMsgReduction: the repeats still held back */
    for (size_t i = 0; i < e->nactions; i++) {
        struct sl_action_rt *a = e->actions[i];
        if (!a->queued || a->thr == NULL) {
            continue;
        }
        sl_ring_close(&a->ring);
        for (size_t t = 0; t < a->nthr; t++) {
            if (a->thr[t]) {
                join_until(a->thr[t], deadline, e, "action", a->name, &a->ring, a);
            }
        }
        free(a->thr);
        a->thr = NULL;
    }
    action_lifecycle_end(e);  /* ABI 1.4: flush(), disconnect() of every plugin worker */
}

void sl_engine_free(struct sl_engine *e)
{
    if (e == NULL) {
        return;
    }
    for (size_t i = 0; i < e->ninputs; i++) {
        struct sl_input_ctx *ctx = e->inputs[i];
        if (ctx->created && ctx->mod->pl->in->destroy != NULL) {
            ctx->mod->pl->in->destroy(ctx->inst);
        }
        sl_params_free(ctx->mod->pl->inst_params, ctx->inst);
        free(ctx->inst);
        free(ctx->inputname);
        free(ctx->thrs);
        free(ctx->targs);
        free(ctx);
    }
    free(e->inputs);
    for (size_t i = 0; i < e->nactions; i++) {
        struct sl_action_rt *a = e->actions[i];
        for (size_t w = 0; a->wrks != NULL && w <= e->nworkers_max; w++) {
            if (a->wrks[w] != NULL) {
                void (*wd)(void *, void *) = a->is_mod ? a->pl->mod->worker_destroy
                                                       : a->pl->out->worker_destroy;
                if (wd != NULL) {
                    wd(a->inst, a->wrks[w]);
                }
                free(a->wrks[w]);
            }
        }
        free(a->wrks);
        free(a->wconn);
        sl_flight_free(a->flight);  /* after worker_destroy(): no batch_done() can follow */
        void (*destroy)(void *) = a->is_mod ? a->pl->mod->destroy : a->pl->out->destroy;
        if (a->created && destroy != NULL) {
            destroy(a->inst);
        }
        if (a->queued) {
            sl_ring_destroy(&a->ring);
        }
        da_free(a->da);
        free(a->thr);
        for (size_t t = 0; a->qworkers != NULL && t < a->nthr; t++) {
            worker_free(a->qworkers[t]);
        }
        free(a->qworkers);
        sl_params_free(a->pl->inst_params, a->inst);
        sl_params_free(action_params, &a->ac);
        sl_params_free(queue_params, &a->qc);
        free(a->inst);
        free(a->name);
        pthread_mutex_destroy(&a->wrk_lock);
        pthread_mutex_destroy(&a->direct_lock);
        if (a->err_fd >= 0) {
            close(a->err_fd);
        }
        pthread_mutex_destroy(&a->err_lock);
        if (a->rep_prev != NULL) {
            sl_msg_unref(a->rep_prev);
        }
        pthread_mutex_destroy(&a->rep_lock);
        pthread_mutex_destroy(&a->gate_lock);
        free(a);
    }
    free(e->actions);
    for (size_t i = 0; i < e->nrsqs; i++) {
        struct sl_rsq *q = e->rsqs[i];
        for (size_t s = 0; s < q->nshards; s++) {
            sl_ring_destroy(&q->shards[s]);
            worker_free(q->workers[s]);
            if (q->da != NULL) {
                da_free(q->da[s]);
            }
        }
        free(q->da);
        free(q->shards);
        free(q->thr);
        free(q->workers);
        sl_params_free(queue_params, &q->qc);
        free(q->name);
        free(q);
    }
    free(e->rsqs);
    direct_pool_free(e);
    for (size_t i = 0; i < e->nrulesets; i++) {
        if (e->rulesets[i]->ir != NULL) {
            e->rulesets[i]->ir->rt = NULL;
        }
        free(e->rulesets[i]->chain);
        free(e->rulesets[i]);
    }
    free(e->rulesets);
    sl_parser_reg_free(&e->parsers);   /* before the modules that hold their code */
    if (e->tz != NULL) {
        sl_parse_set_timezones(NULL, 0);
        sl_timezones_free(e->tz, e->ntz);
        e->tz = NULL;
    }
    while (e->modules != NULL) {
        struct sl_module_rt *m = e->modules;
        e->modules = m->next;
        if (m->inited && m->pl->mod_fini != NULL) {
            m->pl->mod_fini(m->modconf);
        }
        sl_params_free(m->pl->module_params, m->modconf);
        free(m->modconf);
        /* plugins stay mapped until exit: a thread they started may still be unwinding */
        free(m->name);
        free(m);
    }
    sl_tpl_registry_free(e->tpls);
    while (e->counters != NULL) {
        struct sl_counter *c = e->counters;
        e->counters = c->next;
        free(c->set);
        free(c->origin);
        free(c->name);
        free(c);
    }
    for (size_t i = 0; i < e->nskipped; i++) {
        free(e->skipped[i]);
    }
    free(e->skipped);
    for (size_t i = 0; i < e->nfailed; i++) {
        free(e->failed[i]);
    }
    free(e->failed);
    for (size_t i = 0; i < e->ninterned; i++) {
        free(e->interned[i]);
    }
    free(e->interned);
    ruleset_refs_free(e);
    sl_params_free(global_params, &e->g);
    pthread_mutex_destroy(&e->counters_lock);
    pthread_mutex_destroy(&e->sleep_lock);
    pthread_cond_destroy(&e->sleep_cv);
    if (cur_engine == e) {
        cur_engine = NULL;
    }
    free(e);
}

void sl_engine_dump(struct sl_engine *e, FILE *out)
{
    fprintf(out, "# runtime\n");
    for (struct sl_module_rt *m = e->modules; m != NULL; m = m->next) {
        fprintf(out, "module %s (%s)\n", m->pl->name, m->dl ? "loaded" : "built-in");
    }
    for (size_t i = 0; i < e->nrsqs; i++) {
        struct sl_rsq *q = e->rsqs[i];
        fprintf(out, "queue '%s' type=%s size=%lld workers=%zu batch=%lld", q->name,
                queue_types[q->qc.type], (long long)q->qc.size, q->nshards,
                (long long)q->qc.batch);
        if (q->da != NULL) {
            fprintf(out, " spool=%s/%s highWatermark/shard=%zu", q->da[0]->dir, q->da[0]->name,
                    q->da[0]->high);
        }
        if (q->shards[0].discard_mark != SIZE_MAX) {
            fprintf(out, " discardMark/shard=%zu discardSeverity=%d", q->shards[0].discard_mark,
                    q->shards[0].discard_sev);
        }
        fputc('\n', out);
    }
    for (size_t i = 0; i < e->ninputs; i++) {
        struct sl_input_ctx *c = e->inputs[i];
        fprintf(out, "input %s name=%s ruleset=%s\n", c->mod->pl->name, c->inputname,
                c->rs->ir->name);
    }
    for (size_t i = 0; i < e->nactions; i++) {
        struct sl_action_rt *a = e->actions[i];
        fprintf(out, "action %s module=%s queue=%s resumeInterval=%lld resumeRetryCount=%lld\n",
                a->name, a->pl->name, queue_types[a->qc.type],
                (long long)a->ac.resume_interval, (long long)a->ac.resume_retry_count);
    }
}

const struct sl_plugin *sl_engine_action_plugin(const struct sl_action_ir *ai)
{
    const struct sl_action_rt *a = ai != NULL ? ai->rt : NULL;
    return a != NULL ? a->pl : NULL;
}
