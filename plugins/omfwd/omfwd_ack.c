/*
 * omfwd_ack.c - omfwd's deferred acknowledgement on plain TCP (ABI 1.4, a queued action:
 * b->ack != NULL): the FIFO of batches written but not yet confirmed, each with the stream
 * offset of its last byte; a batch is confirmed (host->batch_done, SL_OK) once SIOCOUTQ
 * shows that the peer's TCP acknowledged that byte, by deliver() or by the worker's
 * confirmation thread (omfwd_ackpoll); a lost connection answers them all SL_RETRY.
 *
 * Ownership: the FIFO belongs to the worker (struct omfwd_wrk); each sl_ack in it belongs
 * to the core until it is answered.  Concurrency & locking: the FIFO, fd and conn_sent are
 * read and changed under wrk->lock (the confirmation thread and deliver() share them);
 * batch_done() is always called without the lock.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <linux/sockios.h>
#include <sys/ioctl.h>

#include "omfwd_int.h"

/* With w->lock held: move the pending batches whose last byte the peer's TCP acknowledged
 * (SIOCOUTQ: bytes not yet acknowledged) to out[0..max); returns how many. */
static size_t omfwd_pend_acked(struct omfwd_wrk *w, struct sl_ack **out, size_t max)
{
    int outq = 0;
    if (w->npend == 0 || w->fd < 0 || ioctl(w->fd, SIOCOUTQ, &outq) != 0 || outq < 0) {
        return 0;
    }
    uint64_t acked = w->conn_sent > (uint64_t)outq ? w->conn_sent - (uint64_t)outq : 0;
    size_t k = 0;
    while (k < w->npend && k < max && w->pend[k].end <= acked) {
        out[k] = w->pend[k].ack;
        k++;
    }
    memmove(w->pend, w->pend + k, (w->npend - k) * sizeof *w->pend);
    w->npend -= k;
    return k;
}

/* Confirm what the peer acknowledged (without the lock held). */
void omfwd_confirm(struct omfwd_inst *in, struct omfwd_wrk *w)
{
    struct sl_ack *done[64];
    size_t k;
    do {
        pthread_mutex_lock(&w->lock);
        k = omfwd_pend_acked(w, done, 64);
        pthread_mutex_unlock(&w->lock);
        for (size_t i = 0; i < k; i++) {
            in->h->batch_done(done[i], SL_OK, 0, NULL);
        }
    } while (k == 64);
}

/* The connection is lost: every pending batch goes back to the core (SL_RETRY), which
 * delivers them again in order.  Returns how many there were. */
size_t omfwd_pend_fail(struct omfwd_inst *in, struct omfwd_wrk *w)
{
    pthread_mutex_lock(&w->lock);
    struct omfwd_pend *v = w->pend;
    size_t n = w->npend;
    w->pend = NULL;
    w->npend = w->pend_cap = 0;
    pthread_mutex_unlock(&w->lock);
    for (size_t i = 0; i < n; i++) {
        in->h->batch_done(v[i].ack, SL_RETRY, 0, NULL);
    }
    free(v);
    return n;
}

/* Remember a batch just written (its last byte is at conn_sent).  0 or SL_ENOMEM. */
int omfwd_pend_add(struct omfwd_wrk *w, struct sl_ack *ack)
{
    pthread_mutex_lock(&w->lock);
    if (w->npend == w->pend_cap) {
        size_t cap = w->pend_cap ? w->pend_cap * 2 : 64;
        struct omfwd_pend *np = realloc(w->pend, cap * sizeof *np);
        if (np == NULL) {
            pthread_mutex_unlock(&w->lock);
            return SL_ENOMEM;
        }
        w->pend = np;
        w->pend_cap = cap;
    }
    w->pend[w->npend].ack = ack;
    w->pend[w->npend++].end = w->conn_sent;
    pthread_cond_signal(&w->cv);
    pthread_mutex_unlock(&w->lock);
    return 0;
}

/* The worker's confirmation thread: while batches are pending, look at SIOCOUTQ every
 * OMFWD_ACKPOLL_MS and confirm; a connection the peer closed or reset fails them. */
void *omfwd_ackpoll(void *arg)
{
    struct omfwd_wrk *w = arg;
    struct omfwd_inst *in = w->in;
    pthread_mutex_lock(&w->lock);
    while (!w->poll_stop) {
        if (w->npend == 0) {
            pthread_cond_wait(&w->cv, &w->lock);
            continue;
        }
        struct sl_ack *done[64];
        size_t k = omfwd_pend_acked(w, done, 64);
        int dead = k == 0 && w->fd >= 0 && omfwd_tcp_dead(w->fd) != 0;
        pthread_mutex_unlock(&w->lock);
        for (size_t i = 0; i < k; i++) {
            in->h->batch_done(done[i], SL_OK, 0, NULL);
        }
        if (dead) {
            omfwd_pend_fail(in, w);     /* deliver() notices the dead socket and reconnects */
        }
        pthread_mutex_lock(&w->lock);
        if (k == 0 && !w->poll_stop) {
            struct timespec dl;
            clock_gettime(CLOCK_MONOTONIC, &dl);
            dl.tv_nsec += OMFWD_ACKPOLL_MS * 1000000L;
            if (dl.tv_nsec >= 1000000000L) {
                dl.tv_sec++;
                dl.tv_nsec -= 1000000000L;
            }
            pthread_cond_timedwait(&w->cv, &w->lock, &dl);
        }
    }
    pthread_mutex_unlock(&w->lock);
    return NULL;
}
