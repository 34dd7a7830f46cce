/*
 * action.c - the action state machine: one deliver() call (deliver_once), the retry loop
 * that owns suspension and resumption (action_deliver), the failover variant that hands on
 * instead of retrying (action_try), action.errorFile records, and rsyslog's
 * $RepeatedMsgReduction.  Both retry paths use the one back-off of struct sl_backoff:
 * action.resumeInterval, doubled per failed try up to action.resumeIntervalMax.
 *
 * Ownership and lifetime
 *   Messages are borrowed: the callers (worker.c, queue_da.c) hold the references and drop
 *   them after delivery.  The repeated-message state holds one reference (rep_prev).
 *
 * Concurrency & locking
 *   A direct action is delivered under its direct_lock (taken by the caller); a queued one
 *   by its own queue workers, each with its plugin worker block (action_wrk, created under
 *   wrk_lock).  suspended/resume_at/interval are atomics (read by every ruleset worker
 *   before trying a failover action).  errorFile writes are under err_lock, the repeat state
 *   under rep_lock.  Back-off sleeps wait on eng->sleep_cv so shutdown can cut them short.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include <json.h>

#include "log.h"
#include "msg_ser.h"

#include "engine_int.h"
#include "flight.h"
#include "trace.h"

/* ---------------------------------------------------------------------------------------
 * Delivery
 * ------------------------------------------------------------------------------------- */
int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Sleep up to ms, cut short when the engine gives up at shutdown. */
void backoff_sleep(struct sl_engine *e, int64_t ms)
{
    struct timespec dl;
    clock_gettime(CLOCK_MONOTONIC, &dl);
    dl.tv_sec += ms / 1000;
    dl.tv_nsec += (ms % 1000) * 1000000L;
    if (dl.tv_nsec >= 1000000000L) {
        dl.tv_sec++;
        dl.tv_nsec -= 1000000000L;
    }
    pthread_mutex_lock(&e->sleep_lock);
    while (!atomic_load(&e->give_up)) {
        if (pthread_cond_timedwait(&e->sleep_cv, &e->sleep_lock, &dl) == ETIMEDOUT) {
            break;
        }
    }
    pthread_mutex_unlock(&e->sleep_lock);
}

void *action_wrk(struct sl_action_rt *a, size_t wid)
{
    if (a->pl->wrk_size == 0) {
        return NULL;
    }
    if (a->wrks[wid] == NULL) {
        pthread_mutex_lock(&a->wrk_lock);
        void *w = sl_xcalloc(1, a->pl->wrk_size);
        int (*wc)(void *, void *) = a->is_mod ? a->pl->mod->worker_create
                                              : a->pl->out->worker_create;
        if (wc != NULL && wc(a->inst, w) != 0) {
            sl_log(SL_LOG_ERR, a->name, "worker could not be created");
        }
        a->wrks[wid] = w;
        pthread_mutex_unlock(&a->wrk_lock);
    }
    return a->wrks[wid];
}

/* rsyslog's status codes in action.errorFile records */
#define RS_RET_SUSPENDED (-2007)
#define RS_RET_DATAFAIL (-2218)

/* action.errorFile: one JSON object per message, rsyslog's layout
 * { "action": "NAME", "status": N, "template0": "rendered text" }.  mask NULL: all of msgs. */
static void error_file_write(struct sl_action_rt *a, struct sl_msg **msgs, const uint8_t *mask,
                             size_t n, int status)
{
    if (a->ac.error_file == NULL) {
        return;
    }
    struct sl_buf txt = { 0 };
    pthread_mutex_lock(&a->err_lock);
    if (a->err_fd < 0) {
        a->err_fd = open(a->ac.error_file, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0660);
        if (a->err_fd < 0) {
            sl_log(SL_LOG_ERR, a->name, "action '%s': error file %s cannot be opened: %s",
                   a->name, a->ac.error_file, strerror(errno));
        }
    }
    for (size_t i = 0; i < n; i++) {
        if (mask != NULL && !mask[i]) {
            continue;
        }
        if (a->err_fd < 0) {
            atomic_fetch_add(a->c_errfile_lost, 1);   /* counted, as every loss */
            continue;
        }
        txt.len = 0;
        if (a->err_tpl != NULL) {
            sl_template_render(a->err_tpl, msgs[i], &txt);
        }
        struct fjson_object *o = fjson_object_new_object();
        fjson_object_object_add(o, "action", fjson_object_new_string(a->name));
        fjson_object_object_add(o, "status", fjson_object_new_int(status));
        fjson_object_object_add(o, "template0",
                                fjson_object_new_string_len(txt.p ? txt.p : "", (int)txt.len));
        const char *js = fjson_object_to_json_string(o);
        size_t len = strlen(js);
        struct iovec iov[2] = { { (void *)js, len }, { (void *)"\n", 1 } };
        if (writev(a->err_fd, iov, 2) != (ssize_t)(len + 1)) {
            atomic_fetch_add(a->c_errfile_lost, 1);
            sl_log(SL_LOG_ERR, a->name, "action '%s': error writing error file %s", a->name,
                   a->ac.error_file);
        } else {
            atomic_fetch_add(a->c_errfile, 1);
        }
        fjson_object_put(o);
    }
    pthread_mutex_unlock(&a->err_lock);
    sl_buf_free(&txt);
}

/* One deliver() call for msgs[0..n); returns how many leading messages are done (n: all).
 * Permanent failures (SL_BAD_DATA) are done too: counted as failed and discarded (lost),
 * written to the error file. */
static size_t deliver_once(struct sl_action_rt *a, void *wrk, struct sl_msg **msgs, size_t n)
{
    uint8_t badbuf[256];
    uint8_t *bad = n <= sizeof badbuf ? badbuf : sl_xcalloc(n, 1);
    memset(bad, 0, n);
    struct sl_batch b = { n, msgs, NULL };
    struct sl_verdict v = { 0, bad };
    int rc = action_call(a, wrk, &b, &v);
    size_t done = 0;
    if (rc == SL_OK) {
        done = n;
    } else if (rc == SL_BAD_DATA) {
        size_t nbad = 0;
        for (size_t i = 0; i < n; i++) {
            nbad += bad[i] != 0;
        }
        atomic_fetch_add_explicit(a->c_failed, nbad, memory_order_relaxed);
        atomic_fetch_add_explicit(a->c_discarded, nbad, memory_order_relaxed);  /* lost */
        error_file_write(a, msgs, bad, n, RS_RET_DATAFAIL);
        done = n;
    } else if (rc == SL_PARTIAL) {
        done = v.done < n ? v.done : n;
    }
    if (bad != badbuf) {
        free(bad);
    }
    return done;
}

/* The back-off of a failing action, in ms: action.resumeInterval, doubled per failed try up
 * to action.resumeIntervalMax.  The one implementation for both retry paths: action_deliver
 * keeps the current interval on its stack (one delivery), action_try in a->interval (across
 * deliveries, since a failover action is tried again only when resume_at has passed). */
struct sl_backoff {
    int64_t first;              /* action.resumeInterval */
    int64_t max;                /* action.resumeIntervalMax */
};

/* action.resumeInterval in ms; rsyslog accepts 0 and negative values and then retries at
 * once, again and again: sluice waits 100 ms (doubling) so a dead target costs no core */
static int64_t resume_first_ms(const struct sl_action_rt *a)
{
    return a->ac.resume_interval > 0 ? a->ac.resume_interval * 1000 : 100;
}

static struct sl_backoff action_backoff(const struct sl_action_rt *a)
{
    struct sl_backoff b = { resume_first_ms(a), a->ac.resume_interval_max * 1000 };
    return b;
}

/* The interval after cur (<= 0: none yet, the first one), never above max.  (bo.first
 * itself, the interval of a first failure, is used as configured.) */
static int64_t backoff_next(const struct sl_backoff *b, int64_t cur)
{
    int64_t iv = cur <= 0 ? b->first : cur * 2;
    return iv > b->max ? b->max : iv;
}

/* Live trace (trace.h): one line for the traced messages among msgs[0..n). */
static void trace_batch(struct sl_action_rt *a, struct sl_msg **msgs, size_t n, const char *what,
                        int64_t interval)
{
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        k += (msgs[i]->flags & SL_MSGF_TRACED) != 0;
    }
    if (k == 0) {
        return;
    }
    unsigned long long retry = (unsigned long long)atomic_load(&a->retries) + 1;
    struct sl_trace_kv kv[] = { SL_TKV_S("action", a->name), SL_TKV_S("outcome", what),
                                SL_TKV_I("count", k), SL_TKV_B("suspended", interval >= 0),
                                SL_TKV_I("retry", retry), SL_TKV_I("interval_ms", interval) };
    if (interval >= 0) {
        sl_trace_event("delivery", kv, 6,
                       "trace action '%s' %s %zu traced message(s): suspended, retry %llu in %lld ms",
                       a->name, what, k, retry, (long long)interval);
    } else {
        sl_trace_event("delivery", kv, 4, "trace action '%s' %s %zu traced message(s)", a->name,
                       what, k);
    }
}

static void action_resumed(struct sl_action_rt *a)
{
    if (atomic_exchange(&a->suspended, 0)) {
        atomic_store(&a->suspended_since, 0);
        atomic_store(&a->retries, 0);
        atomic_fetch_add(a->c_resumed, 1);
        if (a->ac.report_suspension) {
            sl_log(SL_LOG_INFO, a->name, "action '%s' resumed (module '%s')", a->name,
                   a->pl->name);
        }
    }
}

static void action_suspend(struct sl_action_rt *a, int64_t interval)
{
    atomic_fetch_add(a->c_susp_dur, (uint64_t)(interval / 1000));
    if (atomic_exchange(&a->suspended, 1)) {
        atomic_fetch_add(&a->retries, 1);
    } else {
        atomic_store(&a->suspended_since, (int64_t)time(NULL));
        atomic_store(&a->retries, 0);
        atomic_fetch_add(a->c_suspended, 1);
        if (a->ac.report_suspension) {
            sl_log(SL_LOG_WARNING, a->name,
                   "action '%s' suspended (module '%s'), retry in %lld seconds", a->name,
                   a->pl->name, (long long)(interval / 1000));
        }
    }
}

/* Deliver n messages through action a with worker block wrk, owning the retry loop:
 * an immediate retry first (a broken connection is often fixed by reconnecting), then
 * back-off from action.resumeInterval doubling up to action.resumeIntervalMax, for
 * action.resumeRetryCount retries (-1: until shutdown gives up). */
/* Returns how many trailing messages were NOT delivered: only when keep != 0 and shutdown
 * gave up (the caller saves them to disk); otherwise undeliverable ones are discarded and
 * counted (and written to action.errorFile), and 0 is returned. */
size_t action_deliver(struct sl_action_rt *a, void *wrk, struct sl_msg **msgs, size_t n,
                      int keep)
{
    struct sl_engine *e = a->eng;
    size_t off = 0;
    int64_t attempt = 0;
    struct sl_backoff bo = action_backoff(a);
    int64_t interval = bo.first;
    while (off < n) {
        size_t done = deliver_once(a, wrk, msgs + off, n - off);
        if (done > 0) {
            if (sl_trace_on()) {
                trace_batch(a, msgs + off, done, "delivered", -1);
            }
            off += done;
            attempt = 0;
            if (off >= n) {
                action_resumed(a);
                return 0;
            }
            continue;
        }
        /* SL_RETRY / SL_SUSPEND / anything unknown */
        attempt++;
        if (attempt == 1) {
            continue;   /* immediate retry */
        }
        if (sl_trace_on()) {
            trace_batch(a, msgs + off, n - off, "holds", interval);
        }
        action_suspend(a, interval);
        if (keep && atomic_load(&e->give_up)) {
            return n - off;
        }
        if ((a->ac.resume_retry_count >= 0 && attempt - 1 > a->ac.resume_retry_count) ||
            atomic_load(&e->give_up)) {
            atomic_fetch_add(a->c_discarded, n - off);
            atomic_fetch_add(a->c_failed, n - off);
            error_file_write(a, msgs + off, NULL, n - off, RS_RET_SUSPENDED);
            sl_log(SL_LOG_ERR, a->name, "action '%s': %zu message(s) discarded after %lld "
                   "failed retries%s", a->name, n - off, (long long)(attempt - 1),
                   atomic_load(&e->give_up) ? " (shutdown deadline passed)" : "");
            return 0;
        }
        backoff_sleep(e, interval);
        interval = backoff_next(&bo, interval);
    }
    return 0;
}

/* A direct action with a failover action after it (rsyslog's execOnlyWhenPreviousIsSuspended
 * chain): it is suspended after its first failed attempt (and the immediate reconnect
 * retry), and while suspended it is not tried at all until the back-off has passed; the
 * messages it did not take go to the next action instead of waiting.  Returns how many
 * trailing messages were not taken (counted as failed, as rsyslog does). */
size_t action_try(struct sl_action_rt *a, void *wrk, struct sl_msg **msgs, size_t n)
{
    size_t off = 0;
    int attempt = 0;
    if (atomic_load(&a->suspended) && now_ms() < atomic_load(&a->resume_at)) {
        atomic_fetch_add_explicit(a->c_failed, n, memory_order_relaxed);
        return n;
    }
    while (off < n) {
        size_t done = deliver_once(a, wrk, msgs + off, n - off);
        if (done > 0) {
            if (sl_trace_on()) {
                trace_batch(a, msgs + off, done, "delivered", -1);
            }
            off += done;
            attempt = 0;
            continue;
        }
        if (++attempt == 1 && !atomic_load(&a->suspended)) {
            continue;   /* immediate retry */
        }
        /* suspended already: the next step of the back-off; newly failed: the first */
        struct sl_backoff bo = action_backoff(a);
        int64_t iv = atomic_load(&a->suspended) ? backoff_next(&bo, atomic_load(&a->interval))
                                                : bo.first;
        atomic_store(&a->interval, iv);
        atomic_store(&a->resume_at, now_ms() + iv);
        if (sl_trace_on()) {
            trace_batch(a, msgs + off, n - off, "hands on", iv);
        }
        action_suspend(a, iv);
        atomic_fetch_add_explicit(a->c_failed, n - off, memory_order_relaxed);
        return n - off;
    }
    atomic_store(&a->interval, 0);
    action_resumed(a);
    return 0;
}

/* ---- ABI 1.4: the output lifecycle and deferred acknowledgement --------------------------
 * connect() runs before a plugin worker's first deliver() and after a suspension; a
 * failed connect() is a failed attempt without a deliver() (the retry policy backs off).
 * SL_SUSPEND (a verdict now, or through batch_done) means the connection is gone:
 * disconnect() releases it and the next attempt connects again.  At shutdown every plugin
 * worker gets flush(deadline), then disconnect().  The per-worker "connected" flags
 * (a->wconn) are touched only by the thread that uses that worker block. */
static int *wrk_conn(struct sl_action_rt *a, void *wrk)
{
    size_t n = a->eng->nworkers_max + 1;
    for (size_t i = 0; a->wrks != NULL && a->wconn != NULL && i < n; i++) {
        if (a->wrks[i] == wrk) {
            return &a->wconn[i];
        }
    }
    return NULL;
}

static int has_lifecycle(const struct sl_action_rt *a)
{
    return !a->is_mod && a->pl->abi_minor >= 4;
}

static void action_disconnect(struct sl_action_rt *a, void *wrk)
{
    if (!has_lifecycle(a) || a->pl->out->disconnect == NULL) {
        return;
    }
    int *c = wrk_conn(a, wrk);
    if (a->pl->out->connect == NULL || (c != NULL && *c)) {
        a->pl->out->disconnect(a->inst, wrk);
    }
    if (c != NULL) {
        *c = 0;
    }
}

int action_call(struct sl_action_rt *a, void *wrk, const struct sl_batch *b, struct sl_verdict *v)
{
    const struct sl_output_ops *o = a->pl->out;
    if (has_lifecycle(a) && o->connect != NULL) {
        int *c = wrk_conn(a, wrk);
        if (c != NULL && !*c) {
            if (o->connect(a->inst, wrk) != 0) {
                return SL_SUSPEND;  /* not connected: no disconnect() */
            }
            *c = 1;
        }
    }
    int rc = o->deliver(a->inst, wrk, b, v);
    if (rc == SL_SUSPEND) {
        action_disconnect(a, wrk);
    }
    return rc;
}

/* The window's owner of a take is the queue worker (struct sl_worker): its plugin worker
 * block may be NULL (wrk_size 0), which could not tell workers apart. */
static int fl_deliver(void *ctx, void *owner, const struct sl_batch *b, struct sl_verdict *v)
{
    struct sl_action_rt *a = ctx;
    struct sl_worker *w = owner;
    return action_call(a, action_wrk(a, w->id), b, v);
}

static void fl_bad(void *ctx, struct sl_msg **msgs, const uint8_t *bad, size_t n)
{
    struct sl_action_rt *a = ctx;
    size_t nbad = 0;
    for (size_t i = 0; i < n; i++) {
        nbad += bad[i] != 0;
    }
    atomic_fetch_add_explicit(a->c_failed, nbad, memory_order_relaxed);
    atomic_fetch_add_explicit(a->c_discarded, nbad, memory_order_relaxed);  /* lost */
    error_file_write(a, msgs, bad, n, RS_RET_DATAFAIL);
}

static void fl_suspend(void *ctx, int64_t interval_ms)
{
    action_suspend(ctx, interval_ms);
}

static void fl_resumed(void *ctx)
{
    action_resumed(ctx);
}

static void fl_discard(void *ctx, struct sl_msg **msgs, size_t n, int attempts)
{
    struct sl_action_rt *a = ctx;
    atomic_fetch_add(a->c_discarded, n);
    atomic_fetch_add(a->c_failed, n);
    error_file_write(a, msgs, NULL, n, RS_RET_SUSPENDED);
    sl_log(SL_LOG_ERR, a->name, "action '%s': %zu message(s) discarded after %d failed "
           "retries", a->name, n, attempts);
}

static void fl_trace(void *ctx, struct sl_msg **msgs, size_t n, int64_t interval_ms)
{
    if (sl_trace_on()) {
        trace_batch(ctx, msgs, n, interval_ms < 0 ? "delivered" : "holds", interval_ms);
    }
}

static void fl_lost(void *ctx, void *owner)
{
    struct sl_action_rt *a = ctx;
    struct sl_worker *w = owner;
    action_disconnect(a, action_wrk(a, w->id));
}

static const struct sl_flight_ops action_flight_ops = {
    .deliver = fl_deliver,
    .bad = fl_bad,
    .release = da_flight_release,
    .suspend = fl_suspend,
    .resumed = fl_resumed,
    .discard = fl_discard,
    .lost = fl_lost,
    .trace = fl_trace,
};

/* A queued output action of an ABI 1.4 plugin gets an in-flight window (unless
 * action.maxInFlight is 0); its counters go to the action's sluice set. */
void action_flight_setup(struct sl_engine *e, struct sl_action_rt *a)
{
    if (!a->queued || !a->created || !has_lifecycle(a) || a->ac.max_inflight <= 0) {
        return;
    }
    struct sl_flight_conf c = {
        .max_msgs = (size_t)a->ac.max_inflight,
        .timeout_ms = a->ac.ack_timeout,
        .resume_interval_ms = resume_first_ms(a),
        .resume_interval_max_ms = a->ac.resume_interval_max * 1000,
        .resume_retry_count = a->ac.resume_retry_count,
    };
    struct sl_flight_counters cnt = {
        .inflight = sluice_counter(e, a->name, "sluice.action", "ack.inflight"),
        .confirmed = sluice_counter(e, a->name, "sluice.action", "ack.confirmed"),
        .pending = sluice_counter(e, a->name, "sluice.action", "ack.pending"),
        .timeouts = sluice_counter(e, a->name, "sluice.action", "ack.timeouts"),
        .late = sluice_counter(e, a->name, "sluice.action", "ack.late"),
        .retried = sluice_counter(e, a->name, "sluice.action", "ack.retried"),
    };
    a->flight = sl_flight_new(&c, &action_flight_ops, a, &cnt);
}

void host_batch_done(struct sl_ack *ack, int verdict, size_t done, const uint8_t *bad)
{
    sl_flight_batch_done(ack, verdict, done, bad);
}

/* Shutdown, after every worker thread ended and before worker_destroy(): flush(deadline)
 * and disconnect() each plugin worker of a 1.4 output.  Batches still pending after that
 * stay in their queue's window: not released (a disk queue delivers them again at the
 * next start), counted as lost for a memory queue by the worker that abandoned them. */
void action_lifecycle_end(struct sl_engine *e)
{
    int64_t deadline = atomic_load(&e->stop_deadline);
    for (size_t i = 0; i < e->nactions; i++) {
        struct sl_action_rt *a = e->actions[i];
        if (!has_lifecycle(a) || !a->created || a->wrks == NULL) {
            continue;
        }
        for (size_t w = 0; w <= e->nworkers_max; w++) {
            void *wrk = a->wrks[w];
            if (wrk == NULL) {
                continue;
            }
            if (a->pl->out->flush != NULL &&
                a->pl->out->flush(a->inst, wrk, deadline > 0 ? deadline : now_ms()) != 0) {
                sl_log(SL_LOG_WARNING, a->name, "action '%s': batches still unconfirmed at "
                       "the shutdown deadline", a->name);
            }
            action_disconnect(a, wrk);
        }
    }
}

/* ---- $RepeatedMsgReduction, as rsyslog 8.2302's action layer does it -------------------
 * A message with the same MSG, HOSTNAME, PROCID and APP-NAME as the action's previous one
 * is held back and counted.  The next different message first lets the held repeat
 * through: the message itself after one repeat, otherwise a copy of the last repeat with
 * MSG " message repeated N times: [MSG]".  While repeats go on, one is let through that way
 * when the last record is older than 30 s (then 60 s), and at shutdown the held repeat is
 * let through.  Like rsyslog 8.2302 (observed: nothing within 65 s), a held repeat is not
 * flushed by a timer when no message follows. */
static const int64_t rep_intervals[] = { 30, 60 };

static int rep_prop_eq(struct sl_msg *x, struct sl_msg *y, enum sl_prop id)
{
    struct sl_propref r = { id, NULL };
    char tx[SL_PROP_TMP], ty[SL_PROP_TMP];
    char *fx = NULL, *fy = NULL;
    size_t lx, ly;
    const char *px = sl_msg_prop(x, &r, &lx, tx, &fx);
    const char *py = sl_msg_prop(y, &r, &ly, ty, &fy);
    int eq = lx == ly && memcmp(px, py, lx) == 0;
    free(fx);
    free(fy);
    return eq;
}

static int rep_same(struct sl_msg *x, struct sl_msg *y)
{
    return rep_prop_eq(x, y, SL_PROP_MSG) && rep_prop_eq(x, y, SL_PROP_HOSTNAME) &&
           rep_prop_eq(x, y, SL_PROP_PROCID) && rep_prop_eq(x, y, SL_PROP_APP_NAME);
}

/* What lets n held repeats of prev through: prev itself for one, else the summary. */
static struct sl_msg *rep_release(struct sl_engine *e, struct sl_msg *prev, int n)
{
    if (n == 1) {
        return sl_msg_ref(prev);
    }
    struct sl_buf ser = { NULL, 0, 0 };
    struct sl_msg *c = NULL;
    if (sl_msg_serialize(prev, "", &ser) == 0) {
        c = sl_msg_deserialize(ser.p, ser.len, NULL, 0, intern_input, e);
    }
    free(ser.p);
    if (c == NULL) {
        return sl_msg_ref(prev);   /* cannot copy: the repeat itself is better than nothing */
    }
    struct sl_ruleset_rt *rs = prev->ruleset != NULL ? prev->ruleset : e->default_rs;
    c->ruleset = prev->ruleset;
    sl_msg_parse(c, &rs->popts);
    struct sl_propref r = { SL_PROP_MSG, NULL };
    char tmp[SL_PROP_TMP], *fr = NULL, text[1024];
    size_t ml;
    const char *mp = sl_msg_prop(prev, &r, &ml, tmp, &fr);
    /* (rsyslog 8.2302 includes the message also with $RepeatedMsgContainsOriginalMsg off) */
    int tl = snprintf(text, sizeof text, " message repeated %d times: [%.*s]", n,
                      (int)(ml < 800 ? ml : 800), mp);
    free(fr);
    (void)sl_msg_replace_msg(c, text, (size_t)tl);
    return c;
}

/* Returns 1 if m is held back as a repeat.  *emit: a message (own reference) to deliver
 * before m, or NULL. */
int rep_filter(struct sl_action_rt *a, struct sl_msg *m, struct sl_msg **emit)
{
    int held = 0;
    int64_t now = (int64_t)time(NULL);

    *emit = NULL;
    pthread_mutex_lock(&a->rep_lock);
    if (a->rep_prev != NULL && rep_same(a->rep_prev, m)) {
        a->rep_count++;
        sl_msg_unref(a->rep_prev);
        a->rep_prev = sl_msg_ref(m);   /* the newest repeat: its header is used */
        held = 1;
        if (now > a->rep_time + rep_intervals[a->rep_backoff]) {
            *emit = rep_release(a->eng, m, a->rep_count);
            a->rep_count = 0;
            a->rep_time = now;
            if (a->rep_backoff + 1 < (int)(sizeof rep_intervals / sizeof rep_intervals[0])) {
                a->rep_backoff++;
            }
        }
    } else {
        if (a->rep_prev != NULL) {
            if (a->rep_count > 0) {
                *emit = rep_release(a->eng, a->rep_prev, a->rep_count);
            }
            sl_msg_unref(a->rep_prev);
        }
        a->rep_prev = sl_msg_ref(m);
        a->rep_count = 0;
        a->rep_backoff = 0;
        a->rep_time = now;
    }
    pthread_mutex_unlock(&a->rep_lock);
    return held;
}

/* The repeat a held back, let through (own reference), or NULL: at shutdown, and at the
 * end of the rule tester's input (core/ruletest.c). */
struct sl_msg *rep_take(struct sl_engine *e, struct sl_action_rt *a)
{
    struct sl_msg *m = NULL;
    if (!a->rep_on) {
        return NULL;
    }
    pthread_mutex_lock(&a->rep_lock);
    if (a->rep_prev != NULL && a->rep_count > 0) {
        m = rep_release(e, a->rep_prev, a->rep_count);
        a->rep_count = 0;
    }
    pthread_mutex_unlock(&a->rep_lock);
    return m;
}

/* At shutdown, after the ruleset workers ended: let every held repeat through, into the
 * action's queue (or straight to a direct action). */
void rep_flush_all(struct sl_engine *e)
{
    for (size_t i = 0; i < e->nactions; i++) {
        struct sl_action_rt *a = e->actions[i];
        struct sl_msg *m = rep_take(e, a);
        if (m == NULL) {
            continue;
        }
        if (a->da != NULL) {
            if (da_push(a->da, &m, 1, -1) != 1) {   /* da_push unrefs what it took */
                atomic_fetch_add(a->c_discarded, 1);
                sl_msg_unref(m);
            }
        } else if (a->queued) {
            if (sl_ring_push(&a->ring, &m, 1, 1) != 1) {
                atomic_fetch_add(a->c_discarded, 1);
                sl_msg_unref(m);
            }
        } else {
            pthread_mutex_lock(&a->direct_lock);
            action_deliver(a, action_wrk(a, 0), &m, 1, 0);
            pthread_mutex_unlock(&a->direct_lock);
            sl_msg_unref(m);
        }
    }
}
