/*
 * flight.h - the in-flight window of a queued action: deferred acknowledgement (ABI 1.4).
 *
 * An output that learns only later whether a batch arrived answers deliver() with
 * SL_PENDING and calls host->batch_done() once, from any thread.  The window keeps every
 * batch an action worker dequeued (a "take") until it is confirmed, in dequeue order:
 *   - a take holds one reference per message; its queue bookkeeping (for a disk queue: the
 *     spool and the number of records peeked) is handed back to the queue through
 *     ops->release() strictly in dequeue order, so a later take confirmed first waits for
 *     the earlier ones and the spool's read frontier never passes an unconfirmed record;
 *   - the window is bounded in messages (action.maxInFlight): sl_flight_room() says how many
 *     the worker may dequeue now; at 0 it waits for confirmations (back-pressure: no more
 *     deliver() calls for new messages);
 *   - a batch not confirmed within action.ackTimeout ms counts as SL_RETRY: the take is
 *     delivered again from the messages it holds (the queue's "rewind"); the old sl_ack
 *     stays valid for the plugin (with its own references) until its late batch_done();
 *   - SL_RETRY / SL_SUSPEND (now or through batch_done) follow the action's retry policy:
 *     one immediate retry, then back-off from action.resumeInterval doubling to
 *     action.resumeIntervalMax, action.resumeRetryCount retries (-1: for ever); SL_PARTIAL
 *     keeps the confirmed prefix; SL_BAD_DATA hands the bad ones to ops->bad().
 *
 * Ownership: the window owns its takes and acks.  A take is delivered and retried only by
 * the worker that added it (the owner, handed to ops->deliver); any worker releases complete takes.
 * An sl_ack is freed by the owner's next sl_flight_pump() after batch_done(), or by
 * sl_flight_free() (after the plugin's worker_destroy(): no batch_done() can follow).
 *
 * Concurrency & locking: `lock` guards the take list, the acks and the counters;
 * batch_done() takes only `lock` (never held across a plugin call, so a plugin may call
 * batch_done() from inside deliver()).  `take_lock` is held by a worker from dequeueing a
 * batch until it is added (sl_flight_take_begin/end), so the list is in dequeue order even
 * with several workers.  Callbacks run without `lock`; release() runs under `rel_lock`, so
 * releases reach the queue in order.
 */
#ifndef SLUICE_CORE_FLIGHT_H
#define SLUICE_CORE_FLIGHT_H

#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include "sluice/sl_plugin.h"

struct sl_msg;
struct sl_flight;

/* One dequeued batch. */
struct sl_flight_take {
    struct sl_msg **msgs;       /* references owned by the take */
    size_t n;
    size_t off;                 /* msgs[0..off) are done */
    void *src;                  /* queue bookkeeping, given back to release() */
    size_t src_n;
    uint64_t seq;               /* dequeue order */
    void *owner;                /* the worker that delivers it (opaque to the window) */
    struct sl_ack *pend;        /* the outstanding deliver() covering msgs[off..n) */
    int state;                  /* FL_T_* (flight.c) */
    int attempts;               /* failed attempts in a row */
    int64_t retry_at;           /* monotonic ms: not before */
    int64_t interval;           /* current back-off, ms */
    struct sl_flight_take *next;
};

struct sl_flight_conf {
    size_t max_msgs;            /* action.maxInFlight */
    int64_t timeout_ms;         /* action.ackTimeout (0: no timeout) */
    int64_t resume_interval_ms; /* action.resumeInterval * 1000 */
    int64_t resume_interval_max_ms;
    int64_t resume_retry_count; /* -1: retry for ever */
};

struct sl_flight_ops {
    /* the plugin's deliver() for the take's owner (connect() first when needed); returns a
     * verdict */
    int (*deliver)(void *ctx, void *wrk, const struct sl_batch *b, struct sl_verdict *v);
    /* SL_BAD_DATA: msgs[i] with bad[i] != 0 failed for good (count, action.errorFile) */
    void (*bad)(void *ctx, struct sl_msg **msgs, const uint8_t *bad, size_t n);
    /* a take is complete, in dequeue order: give its queue records back (may be NULL) */
    void (*release)(void *ctx, struct sl_flight_take *t);
    /* retry policy: failed attempt with back-off interval ms (suspend), success after
     * failures (resumed), messages given up after resumeRetryCount (discard: counted) */
    void (*suspend)(void *ctx, int64_t interval_ms);
    void (*resumed)(void *ctx);
    void (*discard)(void *ctx, struct sl_msg **msgs, size_t n, int attempts);
    /* SL_SUSPEND seen for wrk: the connection is gone (plugin disconnect()); may be NULL */
    void (*lost)(void *ctx, void *wrk);
    /* live trace (trace.h; the callback checks that it runs): msgs[0..n) delivered (interval_ms
     * < 0: confirmed, or done for good with SL_BAD_DATA) or held for a retry after
     * interval_ms (before suspend()); may be NULL */
    void (*trace)(void *ctx, struct sl_msg **msgs, size_t n, int64_t interval_ms);
};

struct sl_flight_counters {     /* any may be NULL */
    _Atomic uint64_t *inflight; /* gauge: messages in the window */
    _Atomic uint64_t *confirmed;/* messages confirmed through batch_done() */
    _Atomic uint64_t *pending;  /* batches answered SL_PENDING */
    _Atomic uint64_t *timeouts; /* batches not confirmed within ackTimeout */
    _Atomic uint64_t *late;     /* batch_done() after the timeout (ignored) */
    _Atomic uint64_t *retried;  /* messages delivered again after a failure or timeout */
};

struct sl_flight *sl_flight_new(const struct sl_flight_conf *c, const struct sl_flight_ops *ops,
                                void *ctx, const struct sl_flight_counters *cnt);
/* Frees every take and ack left (references dropped, no release()). */
void sl_flight_free(struct sl_flight *f);

/* How many messages a worker may dequeue now (0: the window is full). */
size_t sl_flight_room(struct sl_flight *f);

/* Dequeue under take_lock: begin, dequeue, add (if anything), end. */
void sl_flight_take_begin(struct sl_flight *f);
void sl_flight_take_end(struct sl_flight *f);
/* Add a dequeued batch: the references in msgs[0..n) pass to the window (msgs is copied).
 * n may be 0 (records that could not be decoded: the take completes at once). */
struct sl_flight_take *sl_flight_add(struct sl_flight *f, void *owner, struct sl_msg **msgs,
                                     size_t n, void *src, size_t src_n);

/* The owner's turn: apply confirmations and timeouts, deliver what is due (new takes,
 * retries whose back-off has passed), release complete takes in order.  Returns the
 * number of the owner's takes not yet done; *wait_ms (if non-NULL) is how long the owner
 * may sleep before something of its own is due (-1: nothing of its own outstanding). */
size_t sl_flight_pump(struct sl_flight *f, void *owner, int64_t *wait_ms);

/* Sleep up to ms, woken early by batch_done(). */
void sl_flight_wait(struct sl_flight *f, int64_t ms);

/* Shutdown gave up: the owner's unfinished takes go to abandon(ctx, take, msgs, n) in
 * order (msgs: the messages not done) and are forgotten; no release() for them or for any
 * later take (their records stay in the queue: delivered again at the next start). */
void sl_flight_abandon(struct sl_flight *f, void *owner,
                       void (*abandon)(void *ctx, struct sl_flight_take *t,
                                       struct sl_msg **msgs, size_t n));

/* Messages in the window (all workers). */
size_t sl_flight_count(struct sl_flight *f);

/* host->batch_done */
void sl_flight_batch_done(struct sl_ack *ack, int verdict, size_t done, const uint8_t *bad);

#endif
