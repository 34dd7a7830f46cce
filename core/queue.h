/*
 * queue.h - the in-memory ring queue that every core queue is built from.
 *
 * A ring is a fixed-capacity FIFO of message pointers with one mutex and two condition
 * variables (not_empty, not_full).  rsyslog's "LinkedList" and "FixedArray" queue types both
 * map to it: a bounded array is simpler and faster than a list, and queue.size bounds it.
 * Producers push runs of messages under one lock; consumers pop batches under one lock.
 *
 * A ruleset queue ("main queue") is a set of rings, one per worker thread ("shard"):
 * messages carry a flow key (a TCP connection, a UDP sender) and all messages of one key go
 * to the same shard, so one worker handles them in order.  That keeps per-connection order
 * end to end without a global lock and without giving up parallelism across connections.
 *
 * Ownership: the ring holds one reference per queued message; pop hands it to the caller.
 * Concurrency & locking: every function is thread-safe; the ring's mutex protects all
 * fields.  sl_ring_close() wakes every waiter: pushes then fail, pops drain what is left and
 * then return 0.
 */
#ifndef SLUICE_CORE_QUEUE_H
#define SLUICE_CORE_QUEUE_H

#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

struct sl_msg;

struct sl_ring {
    pthread_mutex_t lock;
    pthread_cond_t not_empty;
    pthread_cond_t not_full;
    struct sl_msg **v;
    size_t cap;
    size_t head;     /* index of the oldest element */
    size_t count;
    int closed;
    int waiting_producers;
    int waiting_consumers;
    _Atomic uint64_t enqueued, dequeued, full_waits, dropped;
    size_t max_seen;
    /* queue.discardMark / queue.discardSeverity: once the ring holds discard_mark messages,
     * a message whose severity is >= discard_sev is discarded on enqueue (counted in
     * *c_discard_nf, rsyslog's "discarded.nf").  discard_mark SIZE_MAX: off (the default,
     * discardSeverity 8).  Set before the ring is used; the fast path costs one compare. */
    size_t discard_mark;
    int discard_sev;
    _Atomic uint64_t *c_discard_nf;
    /* queue.maxBytes (sluice only): a bound in bytes on top of cap.  A push waits (as for a
     * full ring) while the queued messages take max_bytes or more, except into an empty
     * ring, so one message larger than the bound still passes.  What a message takes is
     * its block (sl_ring_msg_bytes), noted per slot in cost[] at push time, so a message
     * changed while queued cannot unbalance bytes.  max_bytes 0: off (cost NULL). */
    size_t max_bytes;
    size_t bytes;
    uint32_t *cost;
    /* queue.minDequeueBatchSize / .timeout: sl_ring_pop_batch() waits until min_batch
     * messages are queued, the ring is full or closed, or min_wait_ms have passed since the
     * ring last became non-empty (since_ms, CLOCK_MONOTONIC ms, read only when min_batch is
     * set).  min_batch <= 1: off. */
    size_t min_batch;
    int64_t min_wait_ms;
    int64_t since_ms;
};

int sl_ring_init(struct sl_ring *r, size_t cap);
void sl_ring_destroy(struct sl_ring *r);   /* unrefs anything left */
/* Sets the byte bound (see max_bytes; 0: off); call before the ring is used. */
void sl_ring_set_max_bytes(struct sl_ring *r, size_t max_bytes);
/* What a queued message counts against queue.maxBytes: its struct and raw bytes. */
size_t sl_ring_msg_bytes(const struct sl_msg *m);

/* Push up to n messages in order.  block=0: push what fits and return how many were pushed
 * (the caller owns the rest).  block=1: wait for room; returns n, or fewer if the ring was
 * closed meanwhile (the caller owns the rest). */
size_t sl_ring_push(struct sl_ring *r, struct sl_msg *const *msgs, size_t n, int block);

/* As sl_ring_push, waiting for room at most timeout_ms (< 0: no limit, 0: not at all).
 * Returns how many of msgs were consumed: pushed, or discarded by the discard mark (those
 * are unreferenced and counted here); the caller owns msgs[ret..n). */
size_t sl_ring_push_timed(struct sl_ring *r, struct sl_msg *const *msgs, size_t n,
                          int64_t timeout_ms);

/* The severity discardSeverity compares: the parsed PRI's, else the raw "<PRI>" (not yet
 * parsed: the ruleset queue holds raw messages), else rsyslog's default 5 (user.notice). */
int sl_ring_msg_severity(const struct sl_msg *m);

/* Pop up to max messages (waits for at least one); returns 0 only when the ring is closed
 * and empty.  With timeout_ms >= 0, returns 0 after that long without data too. */
size_t sl_ring_pop(struct sl_ring *r, struct sl_msg **out, size_t max, int timeout_ms);

/* Sets queue.minDequeueBatchSize (capped at the ring's capacity) and its timeout; call
 * before the ring is used. */
void sl_ring_set_min_batch(struct sl_ring *r, size_t min_batch, int64_t wait_ms);

/* A worker's pop: as sl_ring_pop(r, out, max, timeout_ms), but with a minimum batch set
 * (sl_ring_set_min_batch) a batch is due only when min(min_batch, max) messages are queued,
 * min_wait_ms have passed since the oldest queued one arrived (rsyslog: since the dequeue
 * began), or the ring is full or closed; until then it waits (at most timeout_ms; 0: not at
 * all) and returns 0 if none became due. */
size_t sl_ring_pop_batch(struct sl_ring *r, struct sl_msg **out, size_t max, int timeout_ms);

void sl_ring_close(struct sl_ring *r);
size_t sl_ring_len(struct sl_ring *r);
int sl_ring_closed(struct sl_ring *r);   /* closed (pushes fail); pops may still drain */

#endif
