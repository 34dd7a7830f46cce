/*
 * omfwd_replay.c - omfwd's held records on plain TCP (see omfwd.c, "Plain TCP uses deferred
 * acknowledgement ..."): every framed record written on the connection is kept until
 * SIOCOUTQ shows that the peer's TCP acknowledged it; after the connection is lost the
 * unacknowledged ones (except batches pending in the core, which sends them again itself)
 * and, after a reset, the acknowledged tail within resend.maxBytes and resend.maxAge are
 * written first on the next connection.  Also the plain blocking write used for all TCP
 * output.
 *
 * Ownership: the held buffer and its arrays belong to the worker (struct omfwd_wrk, freed
 * in omfwd_worker_destroy()).  Concurrency & locking: called from deliver() and connect()
 * of the worker only; the held state is not shared with the confirmation thread, except
 * conn_sent, which omfwd_held_resend() raises under wrk->lock.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <linux/sockios.h>
#include <sys/ioctl.h>
#include <sys/socket.h>

#include "omfwd_int.h"

/* Holding is bounded: past this many bytes the oldest records are let go (they sit in a
 * socket buffer far larger than any real window, and the peer is not reading). */
#define OMFWD_HELD_MAX (64u * 1024 * 1024)

/* Is an acknowledged record written at ts outside the replay window: written more than
 * resend.maxAge ms before the last write (at last)?  resend.maxAge 0: no replay at all. */
static int omfwd_replay_too_old(const struct omfwd_inst *in, int64_t last, int64_t ts)
{
    return in->resend_max_age == 0 || last - ts > in->resend_max_age;
}

/* Forget every held record (a clean close: the kernel still delivers what it queued). */
void omfwd_held_clear(struct omfwd_wrk *w)
{
    w->held.len = 0;
    w->held_start = 0;
    w->held_base = 0;
    w->stream_sent = 0;
    w->nheld = w->held_first = 0;
    w->replay_first = w->replay_start = 0;
    w->resend = 0;
    w->reset = 0;
}

/* Drop the held records the peer's TCP has acknowledged (SIOCOUTQ: bytes not yet
 * acknowledged), and compact the buffer now and then. */
void omfwd_held_ack(struct omfwd_wrk *w)
{
    int outq = 0;
    if (w->fd < 0 || w->tls != NULL || w->resend || w->nheld == w->held_first ||
        ioctl(w->fd, SIOCOUTQ, &outq) != 0 || outq < 0) {
        return;
    }
    uint64_t acked = w->stream_sent - (uint64_t)outq;
    while (w->held_first < w->nheld && w->held_base + w->held_ends[w->held_first] <= acked) {
        w->held_start = w->held_ends[w->held_first++];
    }
    /* keep at most resend.maxBytes acknowledged bytes, written at most resend.maxAge ms
     * before the last write, for a replay after a reset */
    while (w->replay_first < w->held_first &&
           (w->held_start - w->replay_start > (uint64_t)w->in->resend_max_bytes ||
            omfwd_replay_too_old(w->in, w->held_ts[w->nheld - 1], w->held_ts[w->replay_first]))) {
        w->replay_start = w->held_ends[w->replay_first++];
    }
    if (w->replay_start > w->held.len / 2) {
        size_t cut = w->replay_start;
        memmove(w->held.p, w->held.p + cut, w->held.len - cut);
        w->held.len -= cut;
        w->held_base += cut;
        w->held_start -= cut;
        w->replay_start = 0;
        size_t k = 0;
        for (size_t i = w->replay_first; i < w->nheld; i++) {
            w->held_core[k] = w->held_core[i];
            w->held_ts[k] = w->held_ts[i];
            w->held_ends[k++] = w->held_ends[i] - cut;
        }
        w->held_first -= w->replay_first;
        w->nheld = k;
        w->replay_first = 0;
    }
}

/* Remember the batch just written (w->out with w->ends[0..n)); core: its batch is pending
 * in the core, which sends it again if the connection is lost. */
int omfwd_held_add(struct omfwd_inst *in, struct omfwd_wrk *w, size_t n, int core)
{
    if (w->held.len - w->held_start + w->out.len > OMFWD_HELD_MAX) {
        omfwd_held_clear(w);    /* not reading: stop holding rather than grow */
    }
    size_t base = w->held.len;
    if (in->h->buf_reserve(&w->held, w->out.len + 1) != 0) {
        return SL_ENOMEM;
    }
    if (w->nheld + n > w->held_cap) {
        size_t cap = w->held_cap ? w->held_cap : 256;
        while (cap < w->nheld + n) {
            cap *= 2;
        }
        size_t *ne = realloc(w->held_ends, cap * sizeof *ne);
        if (ne == NULL) {
            return SL_ENOMEM;
        }
        w->held_ends = ne;
        uint8_t *nc = realloc(w->held_core, cap);
        if (nc == NULL) {
            return SL_ENOMEM;
        }
        w->held_core = nc;
        int64_t *nt = realloc(w->held_ts, cap * sizeof *nt);
        if (nt == NULL) {
            return SL_ENOMEM;
        }
        w->held_ts = nt;
        w->held_cap = cap;
    }
    memcpy(w->held.p + base, w->out.p, w->out.len);
    w->held.len += w->out.len;
    int64_t now = omfwd_now_ms();
    for (size_t i = 0; i < n; i++) {
        w->held_core[w->nheld] = (uint8_t)core;
        w->held_ts[w->nheld] = now;
        w->held_ends[w->nheld++] = base + w->ends[i];
    }
    w->stream_sent += w->out.len;
    return 0;
}

/* Plain write of buf[0..len) on the connection.  0 or -errno. */
int omfwd_write_all(int fd, const char *buf, size_t len)
{
    size_t off = 0;
    int stalls = 0;
    while (off < len) {
        ssize_t r = send(fd, buf + off, len - off, MSG_NOSIGNAL);
        if (r < 0) {
            if (errno == EINTR && stalls++ < 100) {
                continue;
            }
            return -(errno == EAGAIN || errno == EWOULDBLOCK ? ETIMEDOUT : errno);
        }
        off += (size_t)r;
    }
    return 0;
}

/* On a new connection: first the records the old one did not get acknowledged (except
 * those whose batches are pending in the core: it sends them again itself), and after a
 * reset also the acknowledged tail within resend.maxBytes and resend.maxAge (duplicates
 * rather than loss).  The held buffer is compacted to what is sent, which becomes the new
 * connection's stream. */
int omfwd_held_resend(struct omfwd_inst *in, struct omfwd_wrk *w)
{
    size_t first = w->reset ? w->replay_first : w->held_first;
    if (!w->resend || w->nheld == first) {
        w->resend = w->reset = 0;
        return 0;
    }
    size_t k = 0, out = 0, acked = 0;
    const int64_t last = w->held_ts[w->nheld - 1];
    for (size_t i = first; i < w->nheld; i++) {
        size_t st = i == 0 ? 0 : w->held_ends[i - 1];
        size_t en = w->held_ends[i];
        if (i >= w->held_first ? w->held_core[i] != 0
                               : omfwd_replay_too_old(in, last, w->held_ts[i])) {
            continue;
        }
        memmove(w->held.p + out, w->held.p + st, en - st);
        out += en - st;
        w->held_ends[k] = out;
        w->held_ts[k] = w->held_ts[i];
        w->held_core[k++] = 0;
        acked += i < w->held_first;
    }
    w->held.len = out;
    w->nheld = k;
    w->held_base = 0;
    w->stream_sent = 0;
    w->held_first = w->replay_first = 0;
    w->held_start = w->replay_start = 0;
    w->resend = w->reset = 0;
    if (k == 0) {
        return 0;
    }
    int rc = omfwd_write_all(w->fd, w->held.p, out);
    if (rc != 0) {
        return rc;
    }
    /* the new connection's stream starts with them, all unacknowledged again */
    w->stream_sent = out;
    pthread_mutex_lock(&w->lock);
    w->conn_sent += out;
    pthread_mutex_unlock(&w->lock);
    if (in->c_resent != NULL) {
        atomic_fetch_add(in->c_resent, k);
    }
    if (acked > 0) {
        in->h->log(SL_LOG_INFO, in->who, "sent %zu record(s) again after %s:%s reset the "
                   "connection: %zu it had not acknowledged, %zu its TCP had acknowledged "
                   "but it may not have read", k, in->target, in->portstr, k - acked, acked);
    } else {
        in->h->log(SL_LOG_INFO, in->who, "sent %zu record(s) again that %s:%s had not "
                   "acknowledged before the connection was lost", k, in->target,
                   in->portstr);
    }
    return 0;
}
