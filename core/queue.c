/*
 * queue.c - see queue.h.
 *
 * Concurrency & locking: all state under r->lock.  Producers wait on not_full, consumers on
 * not_empty; signals are sent only when someone waits (counted), which keeps the common
 * uncontended path to one lock/unlock per batch.
 */

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <time.h>

#include "msg.h"
#include "queue.h"
#include "util/buf.h"
#include "util/time.h"

int sl_ring_init(struct sl_ring *r, size_t cap)
{
    pthread_condattr_t ca;
    if (cap == 0) {
        cap = 1;
    }
    r->v = sl_xcalloc(cap, sizeof *r->v);
    r->cap = cap;
    r->head = r->count = 0;
    r->closed = 0;
    r->waiting_producers = r->waiting_consumers = 0;
    r->max_seen = 0;
    r->discard_mark = SIZE_MAX;
    r->discard_sev = 8;
    r->c_discard_nf = NULL;
    r->max_bytes = r->bytes = 0;
    r->cost = NULL;
    atomic_init(&r->enqueued, 0);
    atomic_init(&r->dequeued, 0);
    atomic_init(&r->full_waits, 0);
    atomic_init(&r->dropped, 0);
    pthread_mutex_init(&r->lock, NULL);
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&r->not_empty, &ca);
    pthread_cond_init(&r->not_full, &ca);
    pthread_condattr_destroy(&ca);
    return 0;
}

void sl_ring_destroy(struct sl_ring *r)
{
    if (r->v == NULL) {
        return;
    }
    for (size_t i = 0; i < r->count; i++) {
        sl_msg_unref(r->v[(r->head + i) % r->cap]);
    }
    free(r->v);
    r->v = NULL;
    free(r->cost);
    r->cost = NULL;
    pthread_mutex_destroy(&r->lock);
    pthread_cond_destroy(&r->not_empty);
    pthread_cond_destroy(&r->not_full);
}

void sl_ring_set_max_bytes(struct sl_ring *r, size_t max_bytes)
{
    free(r->cost);
    r->cost = NULL;
    r->max_bytes = max_bytes;
    if (max_bytes > 0) {
        r->cost = sl_xcalloc(r->cap, sizeof *r->cost);
    }
}

size_t sl_ring_msg_bytes(const struct sl_msg *m)
{
    return sizeof *m + m->raw_len + 1;
}

/* No room: the ring holds cap messages, or (with a byte bound) max_bytes or more. */
static int ring_full(const struct sl_ring *r)
{
    return r->count == r->cap || (r->max_bytes > 0 && r->count > 0 && r->bytes >= r->max_bytes);
}

static int64_t mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Before messages go into the ring: with a minimum batch, an empty ring notes when its
 * oldest message arrived. */
static inline void ring_note_first(struct sl_ring *r)
{
    if (r->min_batch > 1 && r->count == 0) {
        r->since_ms = mono_ms();
    }
}

/* Stores m at the tail (the caller checked there is room). */
static void ring_put(struct sl_ring *r, struct sl_msg *m)
{
    size_t tail = r->head + r->count;
    if (tail >= r->cap) {
        tail -= r->cap;
    }
    r->v[tail] = m;
    if (r->cost != NULL) {
        size_t c = sl_ring_msg_bytes(m);
        c = c > UINT32_MAX ? UINT32_MAX : c;
        r->cost[tail] = (uint32_t)c;
        r->bytes += c;
    }
    r->count++;
}

int sl_ring_msg_severity(const struct sl_msg *m)
{
    if (m->flags & SL_MSGF_PARSED) {
        return m->pri & 7;
    }
    const char *p = m->raw;
    if (m->raw_len >= 3 && p[0] == '<') {
        int pri = 0;
        size_t i = 1;
        while (i < m->raw_len && i <= 3 && p[i] >= '0' && p[i] <= '9') {
            pri = pri * 10 + (p[i] - '0');
            i++;
        }
        if (i > 1 && i < m->raw_len && p[i] == '>' && pri <= 191) {
            return pri & 7;
        }
    }
    return 5;
}

/* Slow path of a push past the discard mark: message by message, discarding what the
 * severity allows while the ring is at or above the mark.  Returns how many were consumed
 * (stops when the ring is full).  Called with r->lock held. */
static size_t push_discarding(struct sl_ring *r, struct sl_msg *const *msgs, size_t n)
{
    size_t i = 0, disc = 0;
    for (; i < n; i++) {
        if (r->count >= r->discard_mark && sl_ring_msg_severity(msgs[i]) >= r->discard_sev) {
            sl_msg_unref(msgs[i]);
            disc++;
            continue;
        }
        if (ring_full(r)) {
            break;
        }
        ring_note_first(r);
        ring_put(r, msgs[i]);
    }
    if (disc > 0 && r->c_discard_nf != NULL) {
        atomic_fetch_add_explicit(r->c_discard_nf, disc, memory_order_relaxed);
    }
    atomic_fetch_add_explicit(&r->enqueued, i - disc, memory_order_relaxed);
    return i;
}

size_t sl_ring_push(struct sl_ring *r, struct sl_msg *const *msgs, size_t n, int block)
{
    return sl_ring_push_timed(r, msgs, n, block ? -1 : 0);
}

size_t sl_ring_push_timed(struct sl_ring *r, struct sl_msg *const *msgs, size_t n,
                          int64_t timeout_ms)
{
    size_t done = 0, pushed = 0;
    struct timespec deadline = { 0, 0 };
    int have_deadline = 0;
    pthread_mutex_lock(&r->lock);
    while (done < n && !r->closed) {
        if (r->count >= r->discard_mark || n - done > r->discard_mark - r->count) {
            /* the push reaches queue.discardMark (never when discarding is off) */
            size_t k = push_discarding(r, msgs + done, n - done);
            done += k;
            if (r->count > r->max_seen) {
                r->max_seen = r->count;
            }
            if (k > 0 && r->waiting_consumers > 0) {
                pthread_cond_signal(&r->not_empty);
            }
            if (done == n) {
                break;
            }
        }
        if (ring_full(r)) {
            if (timeout_ms == 0) {
                break;
            }
            atomic_fetch_add_explicit(&r->full_waits, 1, memory_order_relaxed);
            r->waiting_producers++;
            if (timeout_ms < 0) {
                pthread_cond_wait(&r->not_full, &r->lock);
            } else {
                if (!have_deadline) {
                    sl_deadline_ms(&deadline, timeout_ms);
                    have_deadline = 1;
                }
                int rc = pthread_cond_timedwait(&r->not_full, &r->lock, &deadline);
                if (rc == ETIMEDOUT && ring_full(r)) {
                    r->waiting_producers--;
                    break;
                }
            }
            r->waiting_producers--;
            continue;
        }
        size_t room = r->cap - r->count;
        size_t k = n - done < room ? n - done : room;
        ring_note_first(r);
        if (r->cost != NULL) {
            /* byte bound: up to the first message that reaches it */
            size_t i = 0;
            while (i < k && (i == 0 || r->bytes < r->max_bytes)) {
                ring_put(r, msgs[done + i]);
                i++;
            }
            k = i;
        } else {
            size_t tail = (r->head + r->count) % r->cap;
            for (size_t i = 0; i < k; i++) {
                r->v[tail] = msgs[done + i];
                tail = tail + 1 == r->cap ? 0 : tail + 1;
            }
            r->count += k;
        }
        done += k;
        pushed += k;
        if (r->count > r->max_seen) {
            r->max_seen = r->count;
        }
        if (r->waiting_consumers > 0) {
            pthread_cond_signal(&r->not_empty);
        }
    }
    pthread_mutex_unlock(&r->lock);
    atomic_fetch_add_explicit(&r->enqueued, pushed, memory_order_relaxed);
    return done;
}

/* Takes up to max messages (r->lock held, released here) and wakes waiting producers. */
static size_t ring_take(struct sl_ring *r, struct sl_msg **out, size_t max)
{
    size_t k = r->count < max ? r->count : max;
    for (size_t i = 0; i < k; i++) {
        out[i] = r->v[r->head];
        if (r->cost != NULL) {
            r->bytes -= r->cost[r->head];
        }
        r->head = r->head + 1 == r->cap ? 0 : r->head + 1;
    }
    r->count -= k;
    if (r->count == 0) {
        /* an empty ring starts again at slot 0: the slots a ring touches (and keeps
         * resident) are then those of its deepest backlog, not all cap of them as the
         * head goes round (100,000 main-queue slots are 800 KB) */
        r->head = 0;
    }
    if (k > 0 && r->waiting_producers > 0) {
        pthread_cond_broadcast(&r->not_full);
    }
    pthread_mutex_unlock(&r->lock);
    atomic_fetch_add_explicit(&r->dequeued, k, memory_order_relaxed);
    return k;
}

size_t sl_ring_pop(struct sl_ring *r, struct sl_msg **out, size_t max, int timeout_ms)
{
    struct timespec deadline;
    if (timeout_ms >= 0) {
        sl_deadline_ms(&deadline, timeout_ms);
    }
    pthread_mutex_lock(&r->lock);
    while (r->count == 0 && !r->closed) {
        r->waiting_consumers++;
        int rc = 0;
        if (timeout_ms >= 0) {
            rc = pthread_cond_timedwait(&r->not_empty, &r->lock, &deadline);
        } else {
            pthread_cond_wait(&r->not_empty, &r->lock);
        }
        r->waiting_consumers--;
        if (rc == ETIMEDOUT && r->count == 0) {
            pthread_mutex_unlock(&r->lock);
            return 0;
        }
    }
    return ring_take(r, out, max);
}

void sl_ring_set_min_batch(struct sl_ring *r, size_t min_batch, int64_t wait_ms)
{
    r->min_batch = min_batch < r->cap ? min_batch : r->cap;
    r->min_wait_ms = wait_ms > 0 ? wait_ms : 0;
}

/* With r->lock held and messages queued: 0 when a batch of up to max may be taken now,
 * else the ms left of the minimum-batch wait. */
static int64_t batch_wait_left(const struct sl_ring *r, size_t max)
{
    size_t want = r->min_batch < max ? r->min_batch : max;
    if (r->count >= want || r->closed || ring_full(r)) {
        return 0;
    }
    int64_t left = r->since_ms + r->min_wait_ms - mono_ms();
    return left > 0 ? left : 0;
}

static int ts_before(const struct timespec *a, const struct timespec *b)
{
    return a->tv_sec < b->tv_sec || (a->tv_sec == b->tv_sec && a->tv_nsec < b->tv_nsec);
}

size_t sl_ring_pop_batch(struct sl_ring *r, struct sl_msg **out, size_t max, int timeout_ms)
{
    if (r->min_batch <= 1) {
        return sl_ring_pop(r, out, max, timeout_ms);
    }
    struct timespec deadline;
    if (timeout_ms > 0) {
        sl_deadline_ms(&deadline, timeout_ms);
    }
    pthread_mutex_lock(&r->lock);
    for (;;) {
        int64_t left = 0;
        if (r->count > 0 && (left = batch_wait_left(r, max)) == 0) {
            break;                  /* a batch is due */
        }
        if (r->count == 0 && r->closed) {
            break;                  /* closed and drained: 0 */
        }
        if (timeout_ms == 0) {
            pthread_mutex_unlock(&r->lock);
            return 0;
        }
        /* wait for more: until the minimum-batch wait ends (messages queued) or the
         * caller's deadline, whichever is first (neither: until signalled) */
        struct timespec until;
        int timed = 0;
        if (r->count > 0) {
            sl_deadline_ms(&until, left);
            timed = 1;
        }
        if (timeout_ms > 0 && (!timed || ts_before(&deadline, &until))) {
            until = deadline;
            timed = 1;
        }
        r->waiting_consumers++;
        if (timed) {
            pthread_cond_timedwait(&r->not_empty, &r->lock, &until);
        } else {
            pthread_cond_wait(&r->not_empty, &r->lock);
        }
        r->waiting_consumers--;
        if (timeout_ms > 0) {
            struct timespec now;
            clock_gettime(CLOCK_MONOTONIC, &now);
            if (!ts_before(&now, &deadline) &&
                (r->count == 0 ? !r->closed : batch_wait_left(r, max) > 0)) {
                pthread_mutex_unlock(&r->lock);
                return 0;           /* the caller's time is up, no batch due */
            }
        }
    }
    return ring_take(r, out, max);
}

void sl_ring_close(struct sl_ring *r)
{
    pthread_mutex_lock(&r->lock);
    r->closed = 1;
    pthread_cond_broadcast(&r->not_empty);
    pthread_cond_broadcast(&r->not_full);
    pthread_mutex_unlock(&r->lock);
}

size_t sl_ring_len(struct sl_ring *r)
{
    pthread_mutex_lock(&r->lock);
    size_t n = r->count;
    pthread_mutex_unlock(&r->lock);
    return n;
}

int sl_ring_closed(struct sl_ring *r)
{
    pthread_mutex_lock(&r->lock);
    int c = r->closed;
    pthread_mutex_unlock(&r->lock);
    return c;
}
