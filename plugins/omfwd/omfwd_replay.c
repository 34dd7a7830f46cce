/*
 * omfwd_replay.c - omfwd's held records on plain TCP (see omfwd.c, "Plain TCP uses deferred
 * acknowledgement ..."): every framed record written on the connection is kept until
 * SIOCOUTQ shows that the peer's TCP acknowledged it; after the connection is lost the
 * unacknowledged ones (except batches pending in the core, which sends them again itself)
 * and, after a reset, the acknowledged tail within resend.maxBytes and resend.maxAge are
 * written first on the next connection.  Also the plain blocking write used for all TCP
 * output.
 *
 * Memory: the held bytes live in chunks of OMFWD_HC_SIZE bytes, mmap()ed, in stream order.
 * A chunk is let go as soon as the replay window has moved past it (the oldest first), and
 * taken again for the newest bytes (up to eight are kept spare, as the unacknowledged bytes
 * come and go), so a steady stream needs no allocation, no page faults and no copying of
 * bytes, and what is held costs about the window plus the unacknowledged bytes (the
 * contiguous buffer of before grew by doubling and was compacted only at half dead: twice
 * the window, 8-10 MiB for the default 4 MiB, and one byte copied per byte sent).  After a
 * burst the chunks beyond the spare ones are unmapped and the record array shrinks.  A
 * record costs 8 bytes in that array (length, write time, core flag: see rec_tsc).
 *
 * Ownership: the held chunks and the arrays belong to the worker (struct omfwd_wrk, freed
 * in omfwd_worker_destroy()).  Concurrency & locking: called from deliver() and connect()
 * of the worker only; the held state is not shared with the confirmation thread, except
 * conn_sent, which omfwd_held_resend() raises under wrk->lock.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <linux/sockios.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
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

#define HC OMFWD_HC_SIZE

/* The record array (struct omfwd_held_rec, 8 bytes a record where end offset, time and
 * core flag took 17): a length, and the write time in ms after held_t0 in 31 bits (24
 * days) with the core flag in bit 0.  Records are walked in order, so their offsets are
 * sums of lengths kept in held_org, held_start and replay_start. */
#define TS_MAX ((int64_t)INT32_MAX)

static inline int64_t rec_ts(const struct omfwd_wrk *w, size_t i)
{
    return w->held_t0 + (int64_t)(w->held_rec[i].tsc >> 1);
}

static inline int rec_core(const struct omfwd_wrk *w, size_t i)
{
    return (int)(w->held_rec[i].tsc & 1u);
}

/* The time field of a record written at now (monotonic ms).  Past 24 days after held_t0
 * (a connection that holds records that long), held_t0 moves up by 12 days and older
 * times stop at it: such a record then looks 12 days old, which only matters with a
 * resend.maxAge of more than 12 days. */
static uint32_t rec_tsc(struct omfwd_wrk *w, int64_t now, int core)
{
    if (w->nheld == 0 || now < w->held_t0) {
        w->held_t0 = now;
    }
    if (now - w->held_t0 > TS_MAX) {
        const int64_t shift = now - TS_MAX / 2 - w->held_t0;
        for (size_t i = 0; i < w->nheld; i++) {
            int64_t t = (int64_t)(w->held_rec[i].tsc >> 1) - shift;
            w->held_rec[i].tsc = (uint32_t)(t > 0 ? t : 0) << 1 | (w->held_rec[i].tsc & 1u);
        }
        w->held_t0 += shift;
    }
    return (uint32_t)(now - w->held_t0) << 1 | (uint32_t)(core != 0);
}

/* A chunk for held bytes: a spare one, or a fresh mapping.  NULL when out of memory. */
static char *hc_take(struct omfwd_wrk *w)
{
    if (w->hc_nspare > 0) {
        return w->hc_spare[--w->hc_nspare];
    }
    void *p = mmap(NULL, HC, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    return p == MAP_FAILED ? NULL : p;
}

static void hc_give(struct omfwd_wrk *w, char *c)
{
    if (w->hc_nspare < sizeof w->hc_spare / sizeof w->hc_spare[0]) {
        w->hc_spare[w->hc_nspare++] = c;
    } else {
        munmap(c, HC);
    }
}

/* Let the chunks hc[from..hc_n) go. */
static void hc_trim_back(struct omfwd_wrk *w, size_t from)
{
    while (w->hc_n > from) {
        hc_give(w, w->hc[--w->hc_n]);
    }
}

/* Let the first k chunks go (their bytes are outside the replay window). */
static void hc_drop_front(struct omfwd_wrk *w, size_t k)
{
    for (size_t i = 0; i < k; i++) {
        hc_give(w, w->hc[i]);
    }
    memmove(w->hc, w->hc + k, (w->hc_n - k) * sizeof *w->hc);
    w->hc_n -= k;
    w->hc_first += k;
}

/* Chunks for every held byte below end.  0 or SL_ENOMEM. */
static int hc_cover(struct omfwd_wrk *w, size_t end)
{
    if (w->hc_n == 0) {
        w->hc_first = w->held_len / HC;
    }
    size_t need = (end + HC - 1) / HC - w->hc_first;
    if (need > w->hc_cap) {
        size_t cap = w->hc_cap ? w->hc_cap * 2 : 32;
        while (cap < need) {
            cap *= 2;
        }
        char **n = realloc(w->hc, cap * sizeof *n);
        if (n == NULL) {
            return SL_ENOMEM;
        }
        w->hc = n;
        w->hc_cap = cap;
    }
    while (w->hc_n < need) {
        char *c = hc_take(w);
        if (c == NULL) {
            return SL_ENOMEM;
        }
        w->hc[w->hc_n++] = c;
    }
    return 0;
}

/* Where held byte off is, and how many bytes from there are in the same chunk. */
static char *hc_at(const struct omfwd_wrk *w, size_t off, size_t *room)
{
    *room = HC - off % HC;
    return w->hc[off / HC - w->hc_first] + off % HC;
}

/* Move len held bytes from src down to dst (dst <= src; the ranges may overlap). */
static void hc_move(struct omfwd_wrk *w, size_t dst, size_t src, size_t len)
{
    while (len > 0 && dst != src) {
        size_t dr, sr;
        char *d = hc_at(w, dst, &dr);
        const char *s = hc_at(w, src, &sr);
        size_t n = len < dr ? len : dr;
        n = n < sr ? n : sr;
        memmove(d, s, n);
        dst += n;
        src += n;
        len -= n;
    }
}

/* Make the record arrays at most twice what nheld needs (after a burst), never below 256. */
static void held_arrays_shrink(struct omfwd_wrk *w)
{
    size_t cap = w->held_cap;
    while (cap > 256 && w->nheld * 4 < cap) {
        cap /= 2;
    }
    if (cap == w->held_cap) {
        return;
    }
    struct omfwd_held_rec *nr = realloc(w->held_rec, cap * sizeof *nr);
    if (nr != NULL) {
        w->held_rec = nr;
        w->held_cap = cap;
    }
}

/* Drop every held record and its bytes; held offsets start again at 0 (the stream offsets
 * stream_sent and held_base are the caller's). */
static void held_drop(struct omfwd_wrk *w)
{
    hc_trim_back(w, 0);
    w->hc_first = 0;
    w->held_len = w->held_org = 0;
    w->held_start = 0;
    w->nheld = w->held_first = 0;
    w->replay_first = w->replay_start = 0;
    held_arrays_shrink(w);
}

/* Forget every held record (a clean close: the kernel still delivers what it queued). */
void omfwd_held_clear(struct omfwd_wrk *w)
{
    held_drop(w);
    w->held_base = 0;
    w->stream_sent = 0;
    w->resend = 0;
    w->reset = 0;
}

/* Worker teardown: every chunk, the spares and the arrays. */
void omfwd_held_free(struct omfwd_wrk *w)
{
    hc_trim_back(w, 0);
    while (w->hc_nspare > 0) {
        munmap(w->hc_spare[--w->hc_nspare], HC);
    }
    free(w->hc);
    w->hc = NULL;
    w->hc_cap = 0;
    free(w->held_rec);
    w->held_rec = NULL;
    w->held_cap = w->nheld = w->held_first = w->replay_first = 0;
}

/* Drop the held records the peer's TCP has acknowledged (SIOCOUTQ: bytes not yet
 * acknowledged) beyond the replay window, let the chunks behind the window go, and move
 * the record arrays down now and then. */
void omfwd_held_ack(struct omfwd_wrk *w)
{
    int outq = 0;
    if (w->fd < 0 || w->tls != NULL || w->resend || w->nheld == w->held_first ||
        ioctl(w->fd, SIOCOUTQ, &outq) != 0 || outq < 0) {
        return;
    }
    uint64_t acked = w->stream_sent - (uint64_t)outq;
    while (w->held_first < w->nheld &&
           w->held_base + w->held_start + w->held_rec[w->held_first].len <= acked) {
        w->held_start += w->held_rec[w->held_first++].len;
    }
    /* keep at most resend.maxBytes acknowledged bytes, written at most resend.maxAge ms
     * before the last write, for a replay after a reset */
    const int64_t last = rec_ts(w, w->nheld - 1);
    while (w->replay_first < w->held_first &&
           (w->held_start - w->replay_start > (uint64_t)w->in->resend_max_bytes ||
            omfwd_replay_too_old(w->in, last, rec_ts(w, w->replay_first)))) {
        w->replay_start += w->held_rec[w->replay_first++].len;
    }
    size_t behind = w->replay_start / HC;
    if (w->hc_n > 0 && behind > w->hc_first) {
        size_t k = behind - w->hc_first;
        hc_drop_front(w, k < w->hc_n ? k : w->hc_n);
    }
    /* the arrays: moved down when a quarter of them is behind the window (each entry is
     * moved at most three times on average; at half, they took twice the window) */
    if (w->replay_first >= 256 && w->replay_first * 4 >= w->nheld) {
        size_t d = w->replay_first, k = w->nheld - d;
        memmove(w->held_rec, w->held_rec + d, k * sizeof *w->held_rec);
        w->held_org = w->replay_start;
        w->held_first -= d;
        w->nheld = k;
        w->replay_first = 0;
        held_arrays_shrink(w);
    }
}

/* Remember the batch just written (w->out with w->ends[0..n)); core: its batch is pending
 * in the core, which sends it again if the connection is lost. */
int omfwd_held_add(struct omfwd_inst *in, struct omfwd_wrk *w, size_t n, int core)
{
    (void)in;
    if (w->held_len - w->held_start + w->out.len > OMFWD_HELD_MAX) {
        /* not reading: stop holding rather than grow; held byte 0 is this batch's first */
        held_drop(w);
        w->held_base = w->stream_sent;
    }
    size_t base = w->held_len;
    if (hc_cover(w, base + w->out.len) != 0) {
        return SL_ENOMEM;
    }
    if (w->nheld + n > w->held_cap) {
        size_t cap = w->held_cap ? w->held_cap : 256;
        while (cap < w->nheld + n) {
            cap *= 2;
        }
        struct omfwd_held_rec *nr = realloc(w->held_rec, cap * sizeof *nr);
        if (nr == NULL) {
            return SL_ENOMEM;
        }
        w->held_rec = nr;
        w->held_cap = cap;
    }
    for (size_t off = 0; off < w->out.len;) {
        size_t room;
        char *d = hc_at(w, base + off, &room);
        size_t k = w->out.len - off < room ? w->out.len - off : room;
        memcpy(d, w->out.p + off, k);
        off += k;
    }
    w->held_len += w->out.len;
    const uint32_t tsc = rec_tsc(w, omfwd_now_ms(), core);
    for (size_t i = 0; i < n; i++) {
        /* one rendered record: far below 4 GiB (maxMessageSize is an int) */
        w->held_rec[w->nheld].len = (uint32_t)(w->ends[i] - (i == 0 ? 0 : w->ends[i - 1]));
        w->held_rec[w->nheld++].tsc = tsc;
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
        omfwd_held_clear(w);    /* nothing to send again: the new stream starts empty */
        return 0;
    }
    size_t k = 0, acked = 0;
    const size_t org = w->hc_first * HC;    /* the records go down to the first chunk */
    size_t dst = org;
    const int64_t last = rec_ts(w, w->nheld - 1);
    /* held_rec[k] (k <= i) is rewritten after held_rec[i] is read: st carries the old
     * start of record i */
    size_t st = w->reset ? w->replay_start : w->held_start;
    for (size_t i = first; i < w->nheld; i++) {
        const size_t from = st, len = w->held_rec[i].len;
        const uint32_t tsc = w->held_rec[i].tsc;
        st += len;
        if (i >= w->held_first ? rec_core(w, i) != 0
                               : omfwd_replay_too_old(in, last, rec_ts(w, i))) {
            continue;
        }
        hc_move(w, dst, from, len);
        dst += len;
        w->held_rec[k].len = (uint32_t)len;
        w->held_rec[k++].tsc = tsc & ~1u;     /* sent again by us, not by the core */
        acked += i < w->held_first;
    }
    /* held offsets start again at 0 (the first chunk stays the first) */
    const size_t out = dst - org;
    w->hc_first = 0;
    hc_trim_back(w, (out + HC - 1) / HC);
    w->held_len = out;
    w->held_org = 0;
    w->nheld = k;
    w->held_base = 0;
    w->stream_sent = 0;
    w->held_first = w->replay_first = 0;
    w->held_start = w->replay_start = 0;
    w->resend = w->reset = 0;
    if (k == 0) {
        return 0;
    }
    for (size_t off = 0; off < out; off += HC) {
        size_t room;
        const char *p = hc_at(w, off, &room);
        int rc = omfwd_write_all(w->fd, p, out - off < room ? out - off : room);
        if (rc != 0) {
            return rc;
        }
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
