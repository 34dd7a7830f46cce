/*
 * direct.c - queue.type="Direct" for the main queue and ruleset queues, as rsyslog 8.2302
 * has it (its qAddDirect: no queue, no worker; the thread that enqueues runs the consumer):
 * an input thread that submits a batch to a Direct-queued ruleset parses it, runs the rules
 * and delivers the direct actions itself (worker.c rsq_process, the very path of a ruleset
 * queue worker: rules, modifiers, failover, call, trace and counters behave the same).
 * Action queues (queue.* on an action) still hand off to their own workers, as in rsyslog.
 *
 * What still hands off (the queue's one shard and its worker, built by engine_build.c):
 *   - internal messages (processInternalMessages="on", host.c log_sink): they are logged
 *     from any thread, also under an action's direct_lock - running the rules there could
 *     re-enter that action and deadlock;
 *   - an output's submit_ruleset (ABI 1.9, e.g. omelasticsearch's retry ruleset): it runs
 *     in the output's worker, often under that action's direct_lock, for the same reason.
 * A `call` of a ruleset with a Direct queue runs its statements on the message itself, as
 * for a ruleset without a queue (rsyslog's rulesetHasQueue is false for Direct; exec_call).
 *
 * Ownership and lifetime
 *   The engine owns the pool (e->dpool): made by sl_engine_start before the actions' per
 *   worker arrays are sized (its workers count in e->nworkers_max), freed by
 *   sl_engine_free.  A pool worker is lent to one submitting thread for one batch.
 *
 * Concurrency & locking
 *   The pool's free list is under its lock; a thread that finds it empty waits on its cv
 *   (back-pressure, and the order of its flow holds: nothing is handed off instead).  The
 *   pool has a worker per input thread (SL_PF_THREADED inputs: `threads`) and a few spare
 *   for plugins that submit from threads of their own, so normally nobody waits.  Order per
 *   flow: one connection's batches are submitted by one thread, one after the other, and
 *   each is done (delivered to the direct actions, pushed to action queues) before submit
 *   returns.  Direct actions are serialised by their direct_lock as with several ruleset
 *   workers; modifiers get a plugin worker block per pool worker id (action_wrk).
 */
#include <stdlib.h>

#include "engine_int.h"

/* Workers beyond one per input thread: plugins that submit from threads of their own. */
#define SL_DIRECT_SPARE 4

struct sl_dpool {
    pthread_mutex_t lock;
    pthread_cond_t cv;
    struct sl_worker **all, **free;
    size_t n, nfree;
};

void direct_pool_start(struct sl_engine *e)
{
    int any = 0;
    for (size_t i = 0; i < e->nrsqs; i++) {
        any |= e->rsqs[i]->direct;
    }
    if (!any || e->dpool != NULL) {
        return;
    }
    size_t n = SL_DIRECT_SPARE;
    for (size_t i = 0; i < e->ninputs; i++) {
        n += e->inputs[i]->nthreads > 0 ? e->inputs[i]->nthreads : 1;
    }
    struct sl_dpool *p = sl_xcalloc(1, sizeof *p);
    pthread_mutex_init(&p->lock, NULL);
    pthread_cond_init(&p->cv, NULL);
    p->all = sl_xcalloc(n, sizeof *p->all);
    p->free = sl_xcalloc(n, sizeof *p->free);
    e->nworkers_max += n;
    for (size_t i = 0; i < n; i++) {
        p->all[i] = p->free[i] = worker_new(e);
    }
    p->n = p->nfree = n;
    e->dpool = p;
}

void direct_pool_free(struct sl_engine *e)
{
    struct sl_dpool *p = e->dpool;
    if (p == NULL) {
        return;
    }
    for (size_t i = 0; i < p->n; i++) {
        worker_free(p->all[i]);
    }
    free(p->all);
    free(p->free);
    pthread_mutex_destroy(&p->lock);
    pthread_cond_destroy(&p->cv);
    free(p);
    e->dpool = NULL;
}

/* Run a submitted batch on the calling thread; takes the messages (all of them).  Returns
 * n, or -1 when there is no pool (the caller queues them instead). */
int direct_run(struct sl_engine *e, struct sl_msg **msgs, size_t n)
{
    struct sl_dpool *p = e->dpool;
    if (p == NULL) {
        return -1;
    }
    pthread_mutex_lock(&p->lock);
    while (p->nfree == 0) {
        pthread_cond_wait(&p->cv, &p->lock);
    }
    struct sl_worker *w = p->free[--p->nfree];
    pthread_mutex_unlock(&p->lock);
    rsq_process(w, msgs, n);
    pthread_mutex_lock(&p->lock);
    p->free[p->nfree++] = w;
    pthread_cond_signal(&p->cv);
    pthread_mutex_unlock(&p->lock);
    for (size_t i = 0; i < n; i++) {
        sl_msg_unref(msgs[i]);
    }
    return (int)n;
}
