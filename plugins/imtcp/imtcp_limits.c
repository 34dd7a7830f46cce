/*
 * imtcp_limits.c - the session limits of imtcp/imptcp/imtls (sluice only, doc/limits.md),
 * split from imtcp.c.
 *
 * Against session exhaustion (idle or slowloris connections holding every slot, issue 19):
 *   - at maxSessions, or at session.maxPerAddress sessions from the new peer's address, the
 *     session that has delivered no complete frame for the longest time is evicted for the
 *     new one, if that is at least session.evictAfter seconds; otherwise the new connection
 *     is refused (reset at once, so its sender learns instead of writing into the void);
 *   - session.idleTimeout closes a session that sent nothing for that long (off by
 *     default: rsyslog senders keep quiet connections open for hours), and
 *     session.frameTimeout one whose incomplete frame stays incomplete for that long;
 *   - the clocks restart after the core held the input back (a blocking submit), so
 *     back-pressure never counts against the peers.
 * Each kind is counted; the first event of a 10 s window is logged with its details, the
 * rest as one summary line when the window ends (no log flood under attack).
 *
 * Ownership: nothing of its own; it works on the instance's session table (imtcp_int.h)
 * and ends sessions through imtcp_doom() (their own thread resets and frees them).
 *
 * Concurrency & locking: the session table and the abuse window are shared by the input
 * threads; every function here runs with the instance lock held (imtcp_housekeeping()
 * takes it itself).  A session's last_frame_ms is written by its thread without the lock
 * (relaxed atomic), the rest of what is read here is set before the session entered the
 * table.  The counters are atomics the core reads.
 */
#include "config.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "imtcp_int.h"

#define HOUSEKEEPING_MS 1000      /* session timeouts are checked about once a second */
#define ABUSE_LOG_WINDOW_MS 10000 /* refusals/evictions/timeouts: one line, then a summary */

/* Close with a reset: the peer's next write fails instead of vanishing. */
void imtcp_rst_linger(int fd)
{
    struct linger lg = { 1, 0 };
    (void)setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
}

/* Count one abuse event; returns 1 if it is the first of its window (log it in full). */
int imtcp_abuse_event(struct imtcp_inst *in, int64_t now, uint64_t *kind)
{
    (*kind)++;
    if (in->abuse_window_ms == 0) {
        in->abuse_window_ms = now > 0 ? now : imtcp_mono_ms();
        return 1;
    }
    return 0;
}

void imtcp_abuse_summary(struct imtcp_inst *in, int64_t now, int force)
{
    if (in->abuse_window_ms == 0
        || (!force && now - in->abuse_window_ms < ABUSE_LOG_WINDOW_MS)) {
        return;
    }
    uint64_t total = in->abuse_evicted + in->abuse_refused + in->abuse_timedout
                     + in->abuse_framing;
    if (total > 1) {
        in->h->log(SL_LOG_WARNING, IM_NAME, IM_NAME " port %lld: in the last %lld s: %llu "
                   "sessions evicted, %llu refused, %llu timed out, %llu framing errors "
                   "(maxSessions=%zu)", (long long)in->port,
                   (long long)((now - in->abuse_window_ms + 999) / 1000),
                   (unsigned long long)in->abuse_evicted, (unsigned long long)in->abuse_refused,
                   (unsigned long long)in->abuse_timedout, (unsigned long long)in->abuse_framing,
                   in->max_sess);
    }
    in->abuse_window_ms = 0;
    in->abuse_evicted = in->abuse_refused = in->abuse_timedout = in->abuse_framing = 0;
    in->framing_logged = 0;
}

static size_t sessions_from(const struct imtcp_inst *in, const char *ip)
{
    size_t n = 0;
    for (size_t i = 0; i < in->max_sess; i++) {
        if (in->sess[i] != NULL && strcmp(in->sess[i]->peer_ip, ip) == 0) {
            n++;
        }
    }
    return n;
}

/* The session (from ip, or any with ip NULL) without a complete frame for the longest
 * time, if that is at least session.evictAfter; NULL if there is none. */
static int64_t last_frame(struct sess *s)
{
    return atomic_load_explicit(&s->last_frame_ms, memory_order_relaxed);
}

static struct sess *eviction_victim(const struct imtcp_inst *in, int64_t now, const char *ip)
{
    if (in->evict_ms <= 0) {
        return NULL;
    }
    struct sess *best = NULL;
    int64_t best_lf = 0;
    int64_t limit = now - in->evict_ms;
    for (size_t i = 0; i < in->max_sess; i++) {
        struct sess *s = in->sess[i];
        if (s == NULL || (ip != NULL && strcmp(s->peer_ip, ip) != 0)) {
            continue;
        }
        /* back-pressure on the session's own thread restarts its clock */
        int64_t lf = last_frame(s);
        int64_t rs = atomic_load_explicit(&s->thr->resume_ms, memory_order_relaxed);
        int64_t t = lf > rs ? lf : rs;
        if (t <= limit && (best == NULL || lf < best_lf)) {
            best = s;
            best_lf = lf;
        }
    }
    return best;
}

static void evict(struct imtcp_inst *in, int64_t now, struct sess *s, const char *why)
{
    atomic_fetch_add(in->c_evicted, 1);
    if (imtcp_abuse_event(in, now, &in->abuse_evicted)) {
        in->h->log(SL_LOG_WARNING, IM_NAME, IM_NAME " port %lld: %s: closing the session from "
                   "%s:%s, no complete frame for %lld s, for a new connection",
                   (long long)in->port, why, s->peer_ip, s->peer_port,
                   (long long)((now - last_frame(s)) / 1000));
    }
    imtcp_doom(s);
}

static void refuse(struct imtcp_inst *in, int64_t now, int fd, const char *ip, int per_addr)
{
    atomic_fetch_add(in->c_refused, 1);
    if (per_addr) {
        atomic_fetch_add(in->c_refused_addr, 1);
    }
    if (imtcp_abuse_event(in, now, &in->abuse_refused)) {
        if (per_addr) {
            in->h->log(SL_LOG_ERR, IM_NAME, "too many tcp sessions from %s "
                       "(session.maxPerAddress=%zu) - dropping incoming request", ip,
                       in->max_per_addr);
        } else {
            in->h->log(SL_LOG_ERR, IM_NAME, "too many tcp sessions (maxSessions=%zu) - "
                       "dropping incoming request", in->max_sess);
        }
    }
    imtcp_rst_linger(fd);
    close(fd);
}

/* At session.maxPerAddress sessions from ip, then at maxSessions: evict the stalest session
 * for the new connection fd, or refuse it. */
int imtcp_admit(struct imtcp_thr *t, int fd, const char *ip)
{
    struct imtcp_inst *in = t->in;
    int64_t now = t->now_ms;
    if (in->max_per_addr > 0 && sessions_from(in, ip) >= in->max_per_addr) {
        struct sess *v = eviction_victim(in, now, ip);
        if (v == NULL) {
            refuse(in, now, fd, ip, 1);
            return 0;
        }
        evict(in, now, v, "session.maxPerAddress reached");
    }
    if (atomic_load(&in->nsess) >= in->max_sess) {
        struct sess *v = eviction_victim(in, now, NULL);
        if (v == NULL) {
            refuse(in, now, fd, ip, 0);
            return 0;
        }
        evict(in, now, v, "maxSessions reached");
    }
    return 1;
}

/* Once a second: idle and frame timeouts, and the end of a log window. */
void imtcp_housekeeping(struct imtcp_thr *t)
{
    struct imtcp_inst *in = t->in;
    int64_t now = t->now_ms;
    if (now - t->last_hk_ms < HOUSEKEEPING_MS) {
        return;
    }
    t->last_hk_ms = now;
    int64_t resume = atomic_load_explicit(&t->resume_ms, memory_order_relaxed);
    pthread_mutex_lock(&in->lock);
    for (size_t i = 0; (in->idle_ms > 0 || in->frame_ms > 0) && i < in->max_sess; i++) {
        struct sess *s = in->sess[i];
        if (s == NULL || s->thr != t) {
            continue;   /* each thread times out its own sessions */
        }
        int64_t rx = s->last_rx_ms > resume ? s->last_rx_ms : resume;
        int64_t fs = s->frame_start_ms > resume ? s->frame_start_ms : resume;
        const char *what = NULL;
        if (in->idle_ms > 0 && now - rx >= in->idle_ms) {
            atomic_fetch_add(in->c_idle_timeout, 1);
            what = "nothing received for session.idleTimeout";
        } else if (in->frame_ms > 0 && s->frame_start_ms != 0 && now - fs >= in->frame_ms) {
            atomic_fetch_add(in->c_frame_timeout, 1);
            what = "frame incomplete for session.frameTimeout";
        }
        if (what != NULL) {
            if (imtcp_abuse_event(in, now, &in->abuse_timedout)) {
                in->h->log(SL_LOG_WARNING, IM_NAME, IM_NAME " port %lld: closing the "
                           "session from %s:%s: %s", (long long)in->port, s->peer_ip,
                           s->peer_port, what);
            }
            imtcp_doom(s);
        }
    }
    imtcp_abuse_summary(in, now, 0);
    pthread_mutex_unlock(&in->lock);
    imtcp_reap(t);
}
