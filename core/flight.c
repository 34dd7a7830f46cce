/*
 * flight.c - the in-flight window of a queued action (deferred acknowledgement); see
 * flight.h for the contract, ownership and locking.
 *
 * Design notes
 *   - Every dequeued batch is a take in one list, in dequeue order; the window's size is the
 *     number of messages held by takes in the list (done or not: a confirmed take that waits
 *     for an earlier one still holds its messages, and for a disk queue its records).
 *   - A take has at most one outstanding deliver() (its pend ack) covering msgs[off..n).
 *     The ack carries its own copy of the message pointers and its own references, so a
 *     timed-out ack the plugin still holds stays valid while the take is delivered again
 *     and even released.
 *   - Takes change state only in their owner's thread (sl_flight_pump / sl_flight_abandon);
 *     batch_done() only fills in the ack.  A take being worked on outside the lock is BUSY,
 *     which no other worker releases.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "flight.h"
#include "log.h"
#include "msg.h"
#include "util/buf.h"
#include "util/time.h"

enum { FL_T_SEND = 0, FL_T_PEND = 1, FL_T_BUSY = 2, FL_T_DONE = 3 };
enum { ACK_CALLING = 0, ACK_PENDING = 1, ACK_DONE = 2 };

struct sl_ack {
    struct sl_flight *f;
    struct sl_flight_take *t;   /* NULL: timed out or abandoned (freed once done) */
    struct sl_batch b;          /* what deliver() was given; b.msgs = msgs */
    struct sl_msg **msgs;       /* own references */
    int state;
    int64_t deadline;
    int verdict;
    size_t done;
    uint8_t *bad;               /* SL_BAD_DATA: copy of the plugin's array */
    struct sl_ack *prev, *next;
};

struct sl_flight {
    pthread_mutex_t lock, take_lock, rel_lock;
    pthread_cond_t cv;
    struct sl_flight_conf c;
    const struct sl_flight_ops *ops;
    void *ctx;
    struct sl_flight_counters cnt;
    struct sl_flight_take *head, *tail;
    size_t count;               /* messages held by the takes in the list */
    struct sl_ack *acks;        /* every live ack */
    uint64_t seq;
    int halted;                 /* abandoned at shutdown: nothing is released any more */
};

static int64_t fl_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void gauge(struct sl_flight *f)
{
    if (f->cnt.inflight != NULL) {
        atomic_store_explicit(f->cnt.inflight, f->count, memory_order_relaxed);
    }
}

static void bump(_Atomic uint64_t *c, uint64_t n)
{
    if (c != NULL && n > 0) {
        atomic_fetch_add_explicit(c, n, memory_order_relaxed);
    }
}

struct sl_flight *sl_flight_new(const struct sl_flight_conf *c, const struct sl_flight_ops *ops,
                                void *ctx, const struct sl_flight_counters *cnt)
{
    struct sl_flight *f = sl_xcalloc(1, sizeof *f);
    pthread_mutex_init(&f->lock, NULL);
    pthread_mutex_init(&f->take_lock, NULL);
    pthread_mutex_init(&f->rel_lock, NULL);
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&f->cv, &ca);
    pthread_condattr_destroy(&ca);
    f->c = *c;
    if (f->c.max_msgs == 0) {
        f->c.max_msgs = 1;
    }
    f->ops = ops;
    f->ctx = ctx;
    if (cnt != NULL) {
        f->cnt = *cnt;
    }
    return f;
}

static void ack_free(struct sl_ack *a)
{
    for (size_t i = 0; i < a->b.n; i++) {
        sl_msg_unref(a->msgs[i]);
    }
    free(a->msgs);
    free(a->bad);
    free(a);
}

static void ack_unlink(struct sl_flight *f, struct sl_ack *a)
{
    if (a->prev != NULL) {
        a->prev->next = a->next;
    } else {
        f->acks = a->next;
    }
    if (a->next != NULL) {
        a->next->prev = a->prev;
    }
    a->prev = a->next = NULL;
}

static void take_free(struct sl_flight_take *t)
{
    for (size_t i = 0; i < t->n; i++) {
        sl_msg_unref(t->msgs[i]);
    }
    free(t->msgs);
    free(t);
}

void sl_flight_free(struct sl_flight *f)
{
    if (f == NULL) {
        return;
    }
    for (struct sl_flight_take *t = f->head, *nx; t != NULL; t = nx) {
        nx = t->next;
        take_free(t);
    }
    for (struct sl_ack *a = f->acks, *nx; a != NULL; a = nx) {
        nx = a->next;
        ack_free(a);
    }
    pthread_cond_destroy(&f->cv);
    pthread_mutex_destroy(&f->lock);
    pthread_mutex_destroy(&f->take_lock);
    pthread_mutex_destroy(&f->rel_lock);
    free(f);
}

size_t sl_flight_room(struct sl_flight *f)
{
    pthread_mutex_lock(&f->lock);
    size_t r = f->count < f->c.max_msgs ? f->c.max_msgs - f->count : 0;
    pthread_mutex_unlock(&f->lock);
    return r;
}

size_t sl_flight_count(struct sl_flight *f)
{
    pthread_mutex_lock(&f->lock);
    size_t r = f->count;
    pthread_mutex_unlock(&f->lock);
    return r;
}

void sl_flight_take_begin(struct sl_flight *f)
{
    pthread_mutex_lock(&f->take_lock);
}

void sl_flight_take_end(struct sl_flight *f)
{
    pthread_mutex_unlock(&f->take_lock);
}

struct sl_flight_take *sl_flight_add(struct sl_flight *f, void *owner, struct sl_msg **msgs,
                                     size_t n, void *src, size_t src_n)
{
    struct sl_flight_take *t = sl_xcalloc(1, sizeof *t);
    t->msgs = sl_xcalloc(n ? n : 1, sizeof *t->msgs);
    memcpy(t->msgs, msgs, n * sizeof *msgs);
    t->n = n;
    t->src = src;
    t->src_n = src_n;
    t->owner = owner;
    t->state = n > 0 ? FL_T_SEND : FL_T_DONE;
    pthread_mutex_lock(&f->lock);
    t->seq = f->seq++;
    if (f->tail != NULL) {
        f->tail->next = t;
    } else {
        f->head = t;
    }
    f->tail = t;
    f->count += n;
    gauge(f);
    pthread_mutex_unlock(&f->lock);
    return t;
}

void sl_flight_batch_done(struct sl_ack *ack, int verdict, size_t done, const uint8_t *bad)
{
    if (ack == NULL) {
        return;
    }
    struct sl_flight *f = ack->f;
    pthread_mutex_lock(&f->lock);
    if (ack->state == ACK_DONE) {
        pthread_mutex_unlock(&f->lock);
        sl_log(SL_LOG_ERR, NULL, "a plugin confirmed a batch twice (ignored)");
        return;
    }
    ack->verdict = verdict;
    ack->done = done;
    if (verdict == SL_BAD_DATA && bad != NULL) {
        ack->bad = sl_xcalloc(ack->b.n ? ack->b.n : 1, 1);
        memcpy(ack->bad, bad, ack->b.n);
    }
    ack->state = ACK_DONE;
    if (ack->t == NULL) {
        bump(f->cnt.late, 1);
    }
    pthread_cond_broadcast(&f->cv);
    pthread_mutex_unlock(&f->lock);
}

/* The live trace's line for msgs[0..n) (interval_ms < 0: delivered; else held).  The
 * callback checks whether a trace runs (this file does not depend on trace.c). */
static void trace_out(struct sl_flight *f, struct sl_msg **msgs, size_t n, int64_t interval_ms)
{
    if (n > 0 && f->ops->trace != NULL) {
        f->ops->trace(f->ctx, msgs, n, interval_ms);
    }
}

/* The outcome of one deliver() of take t (owned by the calling worker, state BUSY, no lock
 * held): update t; callbacks run here.  Returns the new state. */
static int apply(struct sl_flight *f, struct sl_flight_take *t, int verdict, size_t done,
                 const uint8_t *bad, int confirmed, int64_t now)
{
    size_t left = t->n - t->off;
    if (verdict == SL_OK) {
        bump(confirmed ? f->cnt.confirmed : NULL, left);
        trace_out(f, t->msgs + t->off, left, -1);
        t->off = t->n;
    } else if (verdict == SL_BAD_DATA) {
        if (bad != NULL && f->ops->bad != NULL) {
            f->ops->bad(f->ctx, t->msgs + t->off, bad, left);
        }
        bump(confirmed ? f->cnt.confirmed : NULL, left);
        trace_out(f, t->msgs + t->off, left, -1);
        t->off = t->n;
    } else if (verdict == SL_PARTIAL && done > 0) {
        done = done < left ? done : left;
        bump(confirmed ? f->cnt.confirmed : NULL, done);
        trace_out(f, t->msgs + t->off, done, -1);
        t->off += done;
        if (t->off < t->n) {
            t->attempts = 0;
            t->retry_at = now;
            bump(f->cnt.retried, t->n - t->off);
            return FL_T_SEND;
        }
    } else {
        /* SL_RETRY, SL_SUSPEND, a timeout, SL_PARTIAL with nothing done, anything unknown */
        if (verdict == SL_SUSPEND && f->ops->lost != NULL) {
            f->ops->lost(f->ctx, t->owner);
        }
        t->attempts++;
        if (t->attempts == 1) {
            t->retry_at = now;   /* immediate retry: a broken connection is often fixed */
            bump(f->cnt.retried, left);
            return FL_T_SEND;
        }
        int64_t iv = t->interval <= 0 ? f->c.resume_interval_ms : t->interval * 2;
        if (iv > f->c.resume_interval_max_ms) {
            iv = f->c.resume_interval_max_ms;
        }
        t->interval = iv;
        trace_out(f, t->msgs + t->off, left, iv);
        if (f->ops->suspend != NULL) {
            f->ops->suspend(f->ctx, iv);
        }
        if (f->c.resume_retry_count >= 0 && t->attempts - 1 > f->c.resume_retry_count) {
            if (f->ops->discard != NULL) {
                f->ops->discard(f->ctx, t->msgs + t->off, left, t->attempts - 1);
            }
            t->off = t->n;
            return FL_T_DONE;
        }
        t->retry_at = now + iv;
        bump(f->cnt.retried, left);
        return FL_T_SEND;
    }
    if (t->attempts > 0 || t->interval > 0) {
        t->attempts = 0;
        t->interval = 0;
        if (f->ops->resumed != NULL) {
            f->ops->resumed(f->ctx);
        }
    }
    return FL_T_DONE;
}

static void set_state(struct sl_flight *f, struct sl_flight_take *t, int st)
{
    pthread_mutex_lock(&f->lock);
    t->state = st;
    pthread_mutex_unlock(&f->lock);
}

/* One deliver() of t's messages not yet done, with an ack. */
static void send_take(struct sl_flight *f, struct sl_flight_take *t)
{
    struct sl_ack *a = sl_xcalloc(1, sizeof *a);
    size_t n = t->n - t->off;
    a->msgs = sl_xcalloc(n, sizeof *a->msgs);
    for (size_t i = 0; i < n; i++) {
        a->msgs[i] = sl_msg_ref(t->msgs[t->off + i]);
    }
    a->b.n = n;
    a->b.msgs = a->msgs;
    a->b.ack = a;
    a->f = f;
    a->t = t;
    a->state = ACK_CALLING;
    pthread_mutex_lock(&f->lock);
    a->next = f->acks;
    if (f->acks != NULL) {
        f->acks->prev = a;
    }
    f->acks = a;
    t->pend = a;
    t->state = FL_T_PEND;
    pthread_mutex_unlock(&f->lock);

    uint8_t badbuf[256];
    uint8_t *bad = n <= sizeof badbuf ? badbuf : sl_xcalloc(n, 1);
    memset(bad, 0, n);
    struct sl_verdict v = { 0, bad };
    int rc = f->ops->deliver(f->ctx, t->owner, &a->b, &v);
    int64_t now = fl_now();
    pthread_mutex_lock(&f->lock);
    if (rc == SL_PENDING) {
        bump(f->cnt.pending, 1);
        if (a->state == ACK_CALLING) {
            a->state = ACK_PENDING;
            a->deadline = f->c.timeout_ms > 0 ? now + f->c.timeout_ms : INT64_MAX;
        }
        pthread_mutex_unlock(&f->lock);
    } else {
        ack_unlink(f, a);
        t->pend = NULL;
        t->state = FL_T_BUSY;
        pthread_mutex_unlock(&f->lock);
        ack_free(a);
        int st = apply(f, t, rc, v.done, bad, 0, now);
        set_state(f, t, st);
    }
    if (bad != badbuf) {
        free(bad);
    }
}

/* Release the complete takes at the head of the list, in order. */
static void release_done(struct sl_flight *f)
{
    pthread_mutex_lock(&f->rel_lock);
    pthread_mutex_lock(&f->lock);
    while (!f->halted && f->head != NULL && f->head->state == FL_T_DONE) {
        struct sl_flight_take *t = f->head;
        f->head = t->next;
        if (f->head == NULL) {
            f->tail = NULL;
        }
        f->count -= t->n;
        gauge(f);
        pthread_mutex_unlock(&f->lock);
        if (f->ops->release != NULL) {
            f->ops->release(f->ctx, t);
        }
        take_free(t);
        pthread_mutex_lock(&f->lock);
        pthread_cond_broadcast(&f->cv);   /* room in the window */
    }
    pthread_mutex_unlock(&f->lock);
    pthread_mutex_unlock(&f->rel_lock);
}

#define FL_BATCH 64

size_t sl_flight_pump(struct sl_flight *f, void *owner, int64_t *wait_ms)
{
    struct ev {
        struct sl_flight_take *t;
        struct sl_ack *a;       /* the done ack (freed here), NULL on a timeout */
    } ev[FL_BATCH];
    struct sl_ack *zombies = NULL;
    for (;;) {
        /* 1. confirmations and timeouts of the owner's takes; done zombies */
        size_t nev = 0;
        int64_t now = fl_now();
        pthread_mutex_lock(&f->lock);
        for (struct sl_ack *a = f->acks, *nx; a != NULL; a = nx) {
            nx = a->next;
            if (a->t == NULL && a->state == ACK_DONE) {
                ack_unlink(f, a);
                a->next = zombies;
                zombies = a;
            }
        }
        for (struct sl_flight_take *t = f->head; t != NULL && nev < FL_BATCH; t = t->next) {
            if (t->owner != owner || t->state != FL_T_PEND) {
                continue;
            }
            struct sl_ack *a = t->pend;
            if (a->state == ACK_DONE) {
                ack_unlink(f, a);
                ev[nev].a = a;
            } else if (a->state == ACK_PENDING && now >= a->deadline) {
                a->t = NULL;    /* the plugin still holds it: freed after its batch_done */
                ev[nev].a = NULL;
                bump(f->cnt.timeouts, 1);
            } else {
                continue;
            }
            t->pend = NULL;
            t->state = FL_T_BUSY;
            ev[nev++].t = t;
        }
        pthread_mutex_unlock(&f->lock);
        for (size_t i = 0; i < nev; i++) {
            struct sl_ack *a = ev[i].a;
            int st = a != NULL ? apply(f, ev[i].t, a->verdict, a->done, a->bad, 1, now)
                               : apply(f, ev[i].t, SL_RETRY, 0, NULL, 0, now);
            if (a != NULL) {
                ack_free(a);
            }
            set_state(f, ev[i].t, st);
        }
        /* 2. deliver what is due, in order */
        struct sl_flight_take *due = NULL;
        pthread_mutex_lock(&f->lock);
        for (struct sl_flight_take *t = f->head; t != NULL; t = t->next) {
            /* only the owner's first take waiting to be sent: a batch to be delivered
             * again goes before the later ones (order), and while it backs off, no later
             * batch is tried (the action is suspended) */
            if (t->owner == owner && t->state == FL_T_SEND) {
                due = t->retry_at <= now ? t : NULL;
                break;
            }
        }
        pthread_mutex_unlock(&f->lock);
        if (due != NULL) {
            send_take(f, due);  /* only its owner changes a take: no other can take it */
        }
        if (nev == 0 && due == NULL) {
            break;
        }
    }
    for (struct sl_ack *a = zombies, *nx; a != NULL; a = nx) {
        nx = a->next;
        ack_free(a);
    }
    release_done(f);
    /* 3. what is outstanding, and when the owner has something to do next */
    size_t open = 0;
    int64_t now = fl_now(), wait = -1;
    int first_send = 1;
    pthread_mutex_lock(&f->lock);
    for (struct sl_flight_take *t = f->head; t != NULL; t = t->next) {
        if (t->owner != owner || t->state == FL_T_DONE) {
            continue;
        }
        open++;
        if (t->state == FL_T_SEND && !first_send) {
            continue;           /* waits for the first one (see above) */
        }
        first_send &= t->state != FL_T_SEND;
        int64_t at = t->state == FL_T_SEND ? t->retry_at
                     : t->state == FL_T_PEND && t->pend->state == ACK_DONE ? now
                     : t->state == FL_T_PEND && t->pend->state == ACK_PENDING ? t->pend->deadline
                     : now + 100;
        int64_t w = at > now ? at - now : 0;
        if (wait < 0 || w < wait) {
            wait = w;
        }
    }
    pthread_mutex_unlock(&f->lock);
    if (wait_ms != NULL) {
        *wait_ms = wait;
    }
    return open;
}

void sl_flight_wait(struct sl_flight *f, int64_t ms)
{
    if (ms <= 0) {
        return;
    }
    struct timespec dl;
    sl_deadline_ms(&dl, ms);
    pthread_mutex_lock(&f->lock);
    pthread_cond_timedwait(&f->cv, &f->lock, &dl);
    pthread_mutex_unlock(&f->lock);
}

void sl_flight_abandon(struct sl_flight *f, void *owner,
                       void (*abandon)(void *ctx, struct sl_flight_take *t,
                                       struct sl_msg **msgs, size_t n))
{
    struct sl_flight_take *mine = NULL, **tail = &mine;
    pthread_mutex_lock(&f->lock);
    f->halted = 1;
    struct sl_flight_take **pp = &f->head, *prev = NULL;
    while (*pp != NULL) {
        struct sl_flight_take *t = *pp;
        if (t->owner != owner || t->state == FL_T_DONE) {
            prev = t;
            pp = &t->next;
            continue;
        }
        if (t->pend != NULL) {
            t->pend->t = NULL;
            t->pend = NULL;
        }
        *pp = t->next;
        if (f->tail == t) {
            f->tail = prev;
        }
        f->count -= t->n;
        t->next = NULL;
        *tail = t;
        tail = &t->next;
    }
    gauge(f);
    pthread_cond_broadcast(&f->cv);
    pthread_mutex_unlock(&f->lock);
    for (struct sl_flight_take *t = mine, *nx; t != NULL; t = nx) {
        nx = t->next;
        if (abandon != NULL) {
            abandon(f->ctx, t, t->msgs + t->off, t->n - t->off);
        }
        take_free(t);
    }
}
