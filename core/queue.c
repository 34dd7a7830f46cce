/*
 * queue.c - see queue.h.
 *
 * Concurrency & locking: all state under r->lock.  Producers wait on not_full, consumers on
 * not_empty; signals are sent only when someone waits (counted), which keeps the common
 * uncontended path to one lock/unlock per batch.
 */

#include <errno.h>
#include <stdlib.h>
#include <time.h>

#include "msg.h"
#include "queue.h"
#include "util/buf.h"

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
    pthread_mutex_destroy(&r->lock);
    pthread_cond_destroy(&r->not_empty);
    pthread_cond_destroy(&r->not_full);
}

size_t sl_ring_push(struct sl_ring *r, struct sl_msg *const *msgs, size_t n, int block)
{
    size_t done = 0;
    pthread_mutex_lock(&r->lock);
    while (done < n && !r->closed) {
        size_t room = r->cap - r->count;
        if (room == 0) {
            if (!block) {
                break;
            }
            atomic_fetch_add_explicit(&r->full_waits, 1, memory_order_relaxed);
            r->waiting_producers++;
            pthread_cond_wait(&r->not_full, &r->lock);
            r->waiting_producers--;
            continue;
        }
        size_t k = n - done < room ? n - done : room;
        size_t tail = (r->head + r->count) % r->cap;
        for (size_t i = 0; i < k; i++) {
            r->v[tail] = msgs[done + i];
            tail = tail + 1 == r->cap ? 0 : tail + 1;
        }
        r->count += k;
        done += k;
        if (r->count > r->max_seen) {
            r->max_seen = r->count;
        }
        if (r->waiting_consumers > 0) {
            pthread_cond_signal(&r->not_empty);
        }
    }
    pthread_mutex_unlock(&r->lock);
    atomic_fetch_add_explicit(&r->enqueued, done, memory_order_relaxed);
    return done;
}

size_t sl_ring_pop(struct sl_ring *r, struct sl_msg **out, size_t max, int timeout_ms)
{
    struct timespec deadline;
    if (timeout_ms >= 0) {
        clock_gettime(CLOCK_MONOTONIC, &deadline);
        deadline.tv_sec += timeout_ms / 1000;
        deadline.tv_nsec += (long)(timeout_ms % 1000) * 1000000L;
        if (deadline.tv_nsec >= 1000000000L) {
            deadline.tv_sec++;
            deadline.tv_nsec -= 1000000000L;
        }
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
    size_t k = r->count < max ? r->count : max;
    for (size_t i = 0; i < k; i++) {
        out[i] = r->v[r->head];
        r->head = r->head + 1 == r->cap ? 0 : r->head + 1;
    }
    r->count -= k;
    if (k > 0 && r->waiting_producers > 0) {
        pthread_cond_broadcast(&r->not_full);
    }
    pthread_mutex_unlock(&r->lock);
    atomic_fetch_add_explicit(&r->dequeued, k, memory_order_relaxed);
    return k;
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
