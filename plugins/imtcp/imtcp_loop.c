/*
 * imtcp_loop.c - the session loop of imtcp/imptcp/imtls (split from imtcp.c): accepting
 * connections, reading and framing sessions (plain TCP, TLS, imptcp's zlib stream),
 * handing complete frames to the core in batches, and the drain at shutdown.
 *
 * Ownership: the sessions, their framing buffers and the batch belong to the instance
 * (imtcp_int.h); a session is allocated at accept and freed by imtcp_close_session().
 *
 * Threads (ABI 1.4, SL_PF_THREADED): the core runs `threads` input threads, each in
 * imtcp_run_thread() with its own epoll set, read buffer and batch (struct imtcp_thr).
 * Thread 0 accepts on the listeners and gives each new session to the running thread that
 * owns the fewest sessions; that thread alone reads, frames, submits, times out and frees
 * the session for its whole life, so one connection's frames stay in order (its flow key
 * and framing state never change threads) while the connections of an instance spread
 * over several cores.
 *
 * Concurrency & locking: the instance lock guards the session table (slots, maxSessions
 * and maxPerAddress), the abuse log window, thr[] and every thread's doomed list; it is
 * never held across a submit or a read.  Another thread never closes a session: eviction
 * (at accept) takes the victim out of the table, marks it SESS_DOOMED, arms a reset
 * (SO_LINGER 0) and wakes the owner with shutdown(SHUT_RD); the owner skips doomed
 * sessions and frees them from its doomed list after its round (imtcp_reap()).  A new
 * session is published to its thread with a release store of SESS_LIVE before it is added
 * to that thread's epoll set; the owner reads it after an acquire load.  The rate limiter
 * is shared under rl_lock; the counters are atomics the core reads; the TLS credentials
 * are taken under tls_lock (hup() swaps them).
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "sluice/sl_plugin.h"
#include "framing.h"
#include "imtcp_int.h"
#include "../common/sl_tls.h"
#include "../common/sl_acl.h"

#define ACCEPTS_PER_ROUND 64
#define BACKPRESSURE_MS 500       /* a submit that blocked this long restarts the clocks */
#define FRAMING_LOG_PER_SESSION 3 /* framing/oversize lines logged per session ... */
#define FRAMING_LOG_PER_WINDOW 20 /* ... and per input and 10 s window; the rest: a summary */

static _Atomic uint64_t flow_serial;


/* ---- batches ------------------------------------------------------------------------ */

/* Submit what thread t collected for t->cur.  Returns SL_ESHUTDOWN if the core is
 * stopping. */
static int flush_batch(struct imtcp_thr *t)
{
    if (t->nbatch == 0) {
        return 0;
    }
    struct imtcp_inst *in = t->in;
    size_t n = t->nbatch;
    t->nbatch = 0;
    int64_t t0 = imtcp_mono_ms();
    int rc = in->h->submit(in->ctx, t->batch, n, t->cur->key);
    int64_t t1 = imtcp_mono_ms();
    if (t1 - t0 >= BACKPRESSURE_MS) {
        /* the core held us back: nobody was read meanwhile, so the session clocks
         * (idle, frame, eviction) restart from now rather than blame the peers */
        atomic_store_explicit(&t->resume_ms, t1, memory_order_relaxed);
    }
    t->now_ms = t1;
    if (rc < 0) {
        atomic_store(&in->core_gone, 1);
        atomic_store(&in->stopping, 1);
        return rc;
    }
    atomic_fetch_add(in->c_submitted, (uint64_t)rc);
    return 0;
}

static int on_frame(void *arg, const char *p, size_t n)
{
    struct sess *s = arg;
    struct imtcp_thr *t = s->thr;
    struct imtcp_inst *in = s->in;
    if (s->kill) {
        return 2;   /* session.maxFramingErrors reached: the rest of the read is dropped */
    }
    s->nframes++;
    atomic_store_explicit(&s->last_frame_ms, t->now_ms, memory_order_relaxed);
    if (in->rl_on) {
        pthread_mutex_lock(&in->rl_lock);
        int pass = sl_ratelimit_pass(&in->rl, in->rl_interval, in->rl_burst, time(NULL));
        pthread_mutex_unlock(&in->rl_lock);
        if (!pass) {
            atomic_fetch_add(in->c_ratelimit, 1);
            return 0;
        }
    }
    t->batch[t->nbatch++] = in->h->msg_new(in->ctx, p, n, (struct sockaddr *)&s->peer,
                                           s->peerlen);
    if (t->nbatch == BATCH_MAX) {
        return flush_batch(t) != 0 ? 1 : 0;
    }
    return 0;
}

static void on_event(void *arg, enum sl_framing_event ev, int64_t value)
{
    struct sess *s = arg;
    struct imtcp_inst *in = s->in;
    const struct sl_host *h = in->h;
    const char *ip = s->peer_ip;
    long long v = (long long)value;

    if (ev == SL_FRAMING_EV_SPLIT) {
        atomic_fetch_add(in->c_truncated, 1);
#ifdef SL_IMPTCP
        if (in->fcfg.start_re != NULL) {
            h->log(SL_LOG_ERR, IM_NAME, "imptcp: more then double max message size (%lld) "
                   "received without finding frame terminator via regex - assuming end of "
                   "frame now.", v + 1);
        }
#endif
        return;
    }
    int is_err = ev != SL_FRAMING_EV_OVERSIZE;
    if (!is_err) {
        atomic_fetch_add(in->c_oversize, 1);    /* an octet frame cut to maxMessageSize */
    } else {
        atomic_fetch_add(in->c_framing_err, 1);
        s->framing_errs++;
    }
    /* rsyslog logs every one (the probe: ~170 lines per MiB of garbage): sluice logs the
     * first few per session and per 10 s window, the rest go into the window's summary */
    pthread_mutex_lock(&in->lock);
    (void)imtcp_abuse_event(in, s->thr->now_ms, &in->abuse_framing);
    int say = s->framing_logged < FRAMING_LOG_PER_SESSION
              && in->framing_logged < FRAMING_LOG_PER_WINDOW;
    if (say) {
        s->framing_logged++;
        in->framing_logged++;
    }
    int window_full = in->framing_logged == FRAMING_LOG_PER_WINDOW;
    pthread_mutex_unlock(&in->lock);
    if (is_err && in->max_framing_err > 0 && s->framing_errs >= in->max_framing_err
        && !s->kill) {
        s->kill = 1;
        atomic_fetch_add(in->c_framing_closed, 1);
        h->log(SL_LOG_WARNING, IM_NAME, IM_NAME " port %lld: closing the session from %s:%s "
               "after %u framing errors (session.maxFramingErrors)", (long long)in->port, ip,
               s->peer_port, s->framing_errs);
    }
    if (!say) {
        return;
    }
    switch (ev) {
    case SL_FRAMING_EV_BAD_DELIM:
        h->log(SL_LOG_ERR, IM_NAME,
               "imtcp imtcp: Framing Error in received TCP message from peer: (hostname) %s, "
               "(ip) %s: delimiter is not SP but has ASCII value %lld.", ip, ip, v);
        break;
    case SL_FRAMING_EV_BAD_COUNT:
        h->log(SL_LOG_ERR, IM_NAME,
               "imtcp imtcp: Framing Error in received TCP message from peer: (hostname) %s, "
               "(ip) %s: invalid octet count %lld.", ip, ip, v);
        break;
    case SL_FRAMING_EV_OVERSIZE:
        h->log(SL_LOG_ERR, IM_NAME,
               "imtcp imtcp: received oversize message from peer: (hostname) %s, (ip) %s: "
               "size is %lld bytes, max msg size is %zu, truncating...", ip, ip, v,
               in->fcfg.max_msg);
        break;
    case SL_FRAMING_EV_FRAME_TOO_LARGE:
        h->log(SL_LOG_ERR, IM_NAME,
               "imtcp imtcp: Framing Error in received TCP message from peer: (hostname) %s, "
               "(ip) %s: frame too large: %lld, change to octet stuffing", ip, ip, v);
        break;
    case SL_FRAMING_EV_INCOMPLETE:
        h->log(SL_LOG_ERR, IM_NAME,
               "Incomplete frame at end of stream in session %p - ignoring extra data "
               "(a message may be lost).", (void *)s);
        break;
    case SL_FRAMING_EV_SPLIT:
        break;
    }
    if (s->framing_logged == FRAMING_LOG_PER_SESSION || window_full) {
        h->log(SL_LOG_WARNING, IM_NAME, IM_NAME " port %lld: further framing errors and "
               "oversize messages %s are counted, not logged, for 10 s (framing.errors)",
               (long long)in->port, s->framing_logged == FRAMING_LOG_PER_SESSION
               ? "of this session" : "on this input");
    }
}

/* ---- sessions ----------------------------------------------------------------------- */

/* On s's thread, s out of the table: release everything of s. */
static void free_session(struct imtcp_thr *t, struct sess *s)
{
    struct imtcp_inst *in = t->in;
    if (s->tls != NULL) {
        sl_tls_conn_free(s->tls);
        s->tls = NULL;
    }
    if (s->hs) {
        atomic_fetch_sub(&t->nhs, 1);
    }
    if (s->pending) {
        t->npending--;
    }
    (void)epoll_ctl(t->epfd, EPOLL_CTL_DEL, s->ep.fd, NULL);
    close(s->ep.fd);
    sl_framing_free(&s->fr);
    ptcp_inflate_free(s);
    atomic_fetch_sub(&t->nown, 1);
    atomic_fetch_add(in->c_closed, 1);
    free(s);
}

/* Under the lock: s leaves the table. */
static void unslot(struct imtcp_inst *in, struct sess *s)
{
    in->sess[s->slot] = NULL;
    atomic_fetch_sub(&in->nsess, 1);
}

void imtcp_doom(struct sess *s)
{
    struct imtcp_thr *t = s->thr;
    unslot(s->in, s);
    atomic_store_explicit(&s->state, SESS_DOOMED, memory_order_release);
    s->dnext = t->doomed;
    t->doomed = s;
    atomic_fetch_add(&t->ndoomed, 1);
    imtcp_rst_linger(s->ep.fd);
    /* wakes the owner if it waits (the socket reads EOF now); it skips doomed sessions */
    (void)shutdown(s->ep.fd, SHUT_RD);
}

void imtcp_reap(struct imtcp_thr *t)
{
    if (atomic_load(&t->ndoomed) == 0) {
        return;
    }
    pthread_mutex_lock(&t->in->lock);
    struct sess *list = t->doomed;
    t->doomed = NULL;
    atomic_store(&t->ndoomed, 0);
    pthread_mutex_unlock(&t->in->lock);
    while (list != NULL) {
        struct sess *s = list;
        list = s->dnext;
        free_session(t, s);
    }
}

void imtcp_close_session(struct sess *s, int orderly)
{
    struct imtcp_inst *in = s->in;
    struct imtcp_thr *t = s->thr;
    pthread_mutex_lock(&in->lock);
    int doomed = atomic_load_explicit(&s->state, memory_order_acquire) == SESS_DOOMED;
    if (!doomed) {
        unslot(in, s);
    }
    pthread_mutex_unlock(&in->lock);
    if (doomed) {
        return;     /* evicted meanwhile: reset and freed from t->doomed */
    }
#ifndef SL_IMPTCP
    if (orderly) {
        t->cur = s;
        (void)sl_framing_close(&s->fr);
        (void)flush_batch(t);
    }
#endif
    /* rsyslog's imptcp drops a partial frame at the end of a connection (its closeSess
     * submits nothing); imtcp emits it (above) */
    if (orderly && in->notify_close_on) {
        in->h->log(SL_LOG_INFO, IM_NAME, "Netstream session %p closed by remote peer %s.",
                   (void *)s, s->peer_ip);
    }
    if (s->tls != NULL && orderly && !s->hs) {
        sl_tls_bye(s->tls);
    }
    free_session(t, s);
}

static void set_keepalive(const struct imtcp_inst *in, int fd)
{
    int one = 1;
    (void)setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &one, sizeof one);
    if (in->eff_ka_probes > 0) {
        int v = (int)in->eff_ka_probes;
        (void)setsockopt(fd, IPPROTO_TCP, TCP_KEEPCNT, &v, sizeof v);
    }
    if (in->eff_ka_time > 0) {
        int v = (int)in->eff_ka_time;
        (void)setsockopt(fd, IPPROTO_TCP, TCP_KEEPIDLE, &v, sizeof v);
    }
    if (in->eff_ka_interval > 0) {
        int v = (int)in->eff_ka_interval;
        (void)setsockopt(fd, IPPROTO_TCP, TCP_KEEPINTVL, &v, sizeof v);
    }
}

/* $AllowedSender TCP at accept, as rsyslog's tcpsrv: name entries match the sender's
 * resolved name; a refused connection is closed, counted and logged with that name (the
 * address when it has none). */
static int permitted(struct imtcp_inst *in, const struct sockaddr *peer, socklen_t pl)
{
    char host[NI_MAXHOST] = "";
    int ok = sl_acl_check(in->acl, peer, NULL);
    if (ok == 1) {
        return 1;
    }
    if (getnameinfo(peer, pl, host, sizeof host, NULL, 0, NI_NAMEREQD) != 0) {
        host[0] = '\0';
    }
    if (ok == 2 && host[0] != '\0' && sl_acl_check(in->acl, peer, host) == 1) {
        return 1;
    }
    if (host[0] == '\0') {
        (void)getnameinfo(peer, pl, host, sizeof host, NULL, 0, NI_NUMERICHOST);
    }
    atomic_fetch_add(in->c_disallowed, 1);
    in->h->log(SL_LOG_ERR, IM_NAME, "connection request from disallowed sender %s discarded",
               host);
    /* rsyslog's tcpsrv follows it with this (-2063: RS_RET_HOST_NOT_PERMITTED) */
    in->h->log(SL_LOG_ERR, IM_NAME, "tcpsrv listener (inputname: '%s') failed to process "
               "incoming connection with error -2063", IM_NAME);
    return 0;
}

/* Under the lock: the running thread that owns the fewest sessions (at shutdown: t
 * itself, whose drain follows; a thread marked done has begun its drain, which takes
 * only the sessions it owned by then). */
static struct imtcp_thr *pick_thread(struct imtcp_thr *t)
{
    struct imtcp_inst *in = t->in;
    if (atomic_load(&in->stopping)) {
        return t;
    }
    struct imtcp_thr *best = t;
    size_t bn = atomic_load(&t->nown);
    for (unsigned i = 0; i < in->nthr; i++) {
        struct imtcp_thr *o = in->thr[i];
        size_t n = o != NULL ? atomic_load(&o->nown) : 0;
        if (o != NULL && !o->done && n < bn) {
            best = o;
            bn = n;
        }
    }
    return best;
}

static void accept_ready(struct imtcp_thr *t, int lfd)
{
    struct imtcp_inst *in = t->in;
    for (int k = 0; k < ACCEPTS_PER_ROUND; k++) {
        struct sockaddr_storage peer;
        socklen_t pl = sizeof peer;
        int fd = accept4(lfd, (struct sockaddr *)&peer, &pl, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd < 0) {
            if (errno == EINTR || errno == ECONNABORTED) {
                continue;
            }
            if ((errno == EMFILE || errno == ENFILE) && t->reserve_fd >= 0) {
                /* out of descriptors: the pending connection would keep the listener
                 * ready forever (a busy loop), so accept it on the reserve slot and drop it */
                int e = errno;
                close(t->reserve_fd);
                int dropfd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
                if (dropfd >= 0) {
                    close(dropfd);
                    atomic_fetch_add(in->c_refused, 1);
                }
                t->reserve_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
                if (!t->refusing) {
                    t->refusing = 1;
                    in->h->log(SL_LOG_ERR, IM_NAME, "imtcp: cannot accept connection: %s",
                               strerror(e));
                }
                continue;
            }
            return;
        }
        char ip[INET6_ADDRSTRLEN];
        char port[8];
        if (peer.ss_family == AF_UNIX) {
            /* imptcp path=: no peer address; the core names it as rsyslog does (local host
             * name, 127.0.0.1) for a message with none */
            pl = 0;
            snprintf(ip, sizeof ip, "127.0.0.1");
            port[0] = '\0';
        } else if (getnameinfo((struct sockaddr *)&peer, pl, ip, sizeof ip, port, sizeof port,
                               NI_NUMERICHOST | NI_NUMERICSERV) != 0) {
            ip[0] = '\0';
            port[0] = '\0';
        }
        if (t->now_ms == 0) {
            t->now_ms = imtcp_mono_ms();
        }
        pthread_mutex_lock(&in->lock);
        int ok = imtcp_admit(t, fd, ip);
        pthread_mutex_unlock(&in->lock);
        if (!ok) {
            continue;
        }
        t->refusing = 0;
        if (in->acl != NULL && !permitted(in, (struct sockaddr *)&peer, pl)) {
            close(fd);
            continue;
        }
        struct sess *s = calloc(1, sizeof *s);
        if (s == NULL) {
            close(fd);
            continue;
        }
        s->last_rx_ms = t->now_ms;
        atomic_init(&s->last_frame_ms, t->now_ms);
        s->ep.kind = OBJ_SESSION;
        s->ep.fd = fd;
        s->in = in;
        s->key = atomic_fetch_add(&flow_serial, 1) + 1;
        memcpy(&s->peer, &peer, pl);
        s->peerlen = pl;
        memcpy(s->peer_ip, ip, sizeof s->peer_ip);
        memcpy(s->peer_port, port, sizeof s->peer_port);
        sl_framing_init(&s->fr, &in->fcfg, on_frame, on_event, s);
        if (in->keepalive_on) {
            set_keepalive(in, fd);
        }
        /* in->tls only under tls_lock: hup() swaps it (never to or from NULL) */
        pthread_mutex_lock(&in->tls_lock);
        int crc = in->tls != NULL ? sl_tls_conn_new(in->tls, fd, NULL, &s->tls) : 0;
        pthread_mutex_unlock(&in->tls_lock);
        if (crc != 0) {
            close(fd);
            free(s);
            continue;
        }
        if (s->tls != NULL) {
            s->hs = 1;
            s->hs_deadline = imtcp_mono_ms() + in->hs_timeout_ms;
        }
        /* into the table (admit made room; another connection cannot have taken it: only
         * this thread accepts), then published to its thread */
        pthread_mutex_lock(&in->lock);
        struct imtcp_thr *o = pick_thread(t);
        s->thr = o;
        size_t slot = 0;
        while (slot < in->max_sess && in->sess[slot] != NULL) {
            slot++;
        }
        if (slot == in->max_sess) {
            pthread_mutex_unlock(&in->lock);
            sl_tls_conn_free(s->tls);
            close(fd);
            free(s);
            continue;
        }
        s->slot = slot;
        in->sess[slot] = s;
        atomic_fetch_add(&in->nsess, 1);
        atomic_fetch_add(&o->nown, 1);
        if (s->hs) {
            atomic_fetch_add(&o->nhs, 1);
        }
        o->nsessions++;
        atomic_store_explicit(&s->state, SESS_LIVE, memory_order_release);
        pthread_mutex_unlock(&in->lock);
        atomic_fetch_add(in->c_opened, 1);
        struct epoll_event ev = { .events = EPOLLIN | EPOLLRDHUP, .data.ptr = &s->ep };
        if (epoll_ctl(o->epfd, EPOLL_CTL_ADD, fd, &ev) != 0) {
            /* its thread never sees it: out of the table again (or doomed meanwhile: its
             * thread frees it) */
            pthread_mutex_lock(&in->lock);
            if (atomic_load(&s->state) != SESS_DOOMED) {
                imtcp_doom(s);
            }
            pthread_mutex_unlock(&in->lock);
        }
    }
}

static int feed_frames(struct sess *s, const char *p, size_t len)
{
    return sl_framing_feed(&s->fr, p, len);
}

/* On s's thread t: frame and submit n bytes of s from t->rbuf.  Returns 1 if the session
 * was closed. */
static int feed_session(struct imtcp_thr *t, struct sess *s, size_t n)
{
    struct imtcp_inst *in = t->in;
    t->cur = s;
    uint64_t frames = s->nframes;
    s->last_rx_ms = t->now_ms;
    int rc = in->ptcp_zstream ? ptcp_inflate(s, t->rbuf, n, feed_frames)
                              : sl_framing_feed(&s->fr, t->rbuf, n);
    if (rc == PTCP_ZBAD) {
        (void)flush_batch(t);
        atomic_fetch_add(in->c_unzip_failed, 1);
        in->h->log(SL_LOG_ERR, IM_NAME, "imptcp: data from %s is not a zlib stream "
                   "(compression.mode=\"stream:always\"); session closed", s->peer_ip);
        imtcp_close_session(s, 0);
        return 1;
    }
    if (sl_framing_idle(&s->fr)) {
        s->frame_start_ms = 0;
    } else if (s->frame_start_ms == 0 || s->nframes != frames) {
        s->frame_start_ms = t->now_ms;   /* a new incomplete frame begins in this read */
    }
    int frc = flush_batch(t);
    if (s->kill) {
        imtcp_rst_linger(s->ep.fd);
        imtcp_close_session(s, 0);
        return 1;
    }
    if (rc == SL_ENOMEM) {
        in->h->log(SL_LOG_ERR, IM_NAME, "imtcp: out of memory, closing session from %s",
                   s->peer_ip);
        imtcp_close_session(s, 0);
        return 1;
    }
    if (rc != 0 || frc != 0) {
        /* the core is shutting down: stop() follows */
        atomic_store(&in->stopping, 1);
    }
    return 0;
}

static void set_events(struct imtcp_thr *t, struct sess *s, int want_out)
{
    if (s->want_out == want_out) {
        return;
    }
    struct epoll_event ev = { .events = want_out ? EPOLLOUT : EPOLLIN | EPOLLRDHUP,
                              .data.ptr = &s->ep };
    (void)epoll_ctl(t->epfd, EPOLL_CTL_MOD, s->ep.fd, &ev);
    s->want_out = want_out;
}

/* A TLS session failed the handshake or the policy: log, count, close. */
static void tls_refuse(struct sess *s, _Atomic uint64_t *counter, const char *what,
                       const char *reason, const char *fpr)
{
    atomic_fetch_add(counter, 1);
    s->in->h->log(SL_LOG_ERR, IM_NAME, IM_NAME ": TLS session from %s:%s refused: %s: %s; "
                  "peer certificate fingerprint: %s", s->peer_ip, s->peer_port, what, reason,
                  fpr != NULL && fpr[0] != '\0' ? fpr : "(none)");
    imtcp_close_session(s, 0);
}

static void tls_session_ready(struct imtcp_thr *t, struct sess *s)
{
    struct imtcp_inst *in = t->in;
    if (s->hs) {
        int rc = sl_tls_handshake(s->tls);
        if (rc == SL_EAGAIN) {
            set_events(t, s, sl_tls_want_write(s->tls));
            return;
        }
        if (rc != 0) {
            tls_refuse(s, in->c_tls_hs_failed, "handshake failed", sl_tls_error(s->tls),
                       NULL);
            return;
        }
        char reason[768], fpr[160];
        if (sl_tls_verify_peer(s->tls, reason, sizeof reason, fpr, sizeof fpr) != 0) {
            tls_refuse(s, in->c_tls_refused, "peer not permitted", reason, fpr);
            return;
        }
        if (reason[0] != '\0') {
            in->h->log(SL_LOG_WARNING, IM_NAME, IM_NAME ": TLS session from %s:%s: %s; peer "
                       "certificate fingerprint: %s", s->peer_ip, s->peer_port, reason, fpr);
        }
        s->hs = 0;
        atomic_fetch_sub(&t->nhs, 1);
        atomic_fetch_add(in->c_tls_ok, 1);
        set_events(t, s, 0);
    }
    size_t off = 0;
    int eof = 0, err = 0;
    for (int i = 0; i < 64 && off < READ_BUF_SIZE; i++) {
        ssize_t r = sl_tls_recv(s->tls, t->rbuf + off, READ_BUF_SIZE - off);
        if (r > 0) {
            off += (size_t)r;
            continue;
        }
        if (r == 0) {
            eof = 1;
        } else if (r != SL_EAGAIN) {
            err = 1;
        }
        break;
    }
    if (off > 0 && feed_session(t, s, off)) {
        return;
    }
    if (eof || err) {
        if (err) {
            in->h->log(SL_LOG_WARNING, IM_NAME, IM_NAME ": TLS session from %s:%s: %s",
                       s->peer_ip, s->peer_port, sl_tls_error(s->tls));
        }
        imtcp_close_session(s, eof);
        return;
    }
    int pend = sl_tls_pending(s->tls) > 0;
    if (pend != s->pending) {
        s->pending = pend;
        if (pend) {
            t->npending++;
        } else {
            t->npending--;
        }
    }
}

static void session_ready(struct imtcp_thr *t, struct sess *s)
{
    if (atomic_load_explicit(&s->state, memory_order_acquire) != SESS_LIVE) {
        return;     /* doomed: freed by imtcp_reap() after this round */
    }
    if (s->tls != NULL) {
        tls_session_ready(t, s);
        return;
    }
    ssize_t n = recv(s->ep.fd, t->rbuf, READ_BUF_SIZE, 0);
    if (n > 0) {
        (void)feed_session(t, s, (size_t)n);
        return;
    }
    if (n == 0) {
        imtcp_close_session(s, 1);
        return;
    }
    if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) {
        return;
    }
    imtcp_close_session(s, 0);
}

/* Thread t's next own session in the table from slot *i on (NULL: none); with want, only
 * one that wants TLS attention (decrypted data waiting, or a handshake past now). */
static struct sess *next_own(struct imtcp_thr *t, size_t *i, int want, int64_t now)
{
    struct imtcp_inst *in = t->in;
    struct sess *found = NULL;
    pthread_mutex_lock(&in->lock);
    for (; *i < in->max_sess && found == NULL; (*i)++) {
        struct sess *s = in->sess[*i];
        if (s != NULL && s->thr == t
            && (!want || s->pending || (s->hs && now >= s->hs_deadline))) {
            found = s;
        }
    }
    pthread_mutex_unlock(&in->lock);
    return found;
}

/* Own sessions whose decrypted data waits inside GnuTLS, and handshakes past their
 * deadline. */
static void tls_housekeeping(struct imtcp_thr *t)
{
    struct imtcp_inst *in = t->in;
    int64_t now = atomic_load(&t->nhs) > 0 ? imtcp_mono_ms() : 0;
    size_t i = 0;
    struct sess *s;
    while ((t->npending > 0 || atomic_load(&t->nhs) > 0)
           && (s = next_own(t, &i, 1, now)) != NULL) {
        if (atomic_load_explicit(&s->state, memory_order_acquire) != SESS_LIVE) {
            continue;
        }
        if (s->pending) {
            s->pending = 0;
            t->npending--;
            tls_session_ready(t, s);
        } else if (s->hs && now >= s->hs_deadline) {
            tls_refuse(s, in->c_tls_timeout, "handshake timed out",
                       "no complete handshake in time", NULL);
        }
    }
}

/* Shutdown (stop() ended the loop, the core still takes messages): thread 0 accepts what
 * waits in the listen backlog (for itself) and closes the listeners; every thread then
 * reads from each of its plain-TCP sessions exactly the bytes its receive buffer held at
 * that moment (FIONREAD) - bytes the kernel already acknowledged to the sender - and
 * submits every complete frame in them.  A session the peer had closed (EOF right behind
 * the data) ends as an orderly close would; an incomplete last frame of a live session is
 * dropped and counted (shutdown.partial.frames), its sender never finished it.  Every
 * session is closed right after its read, so its sender learns at once (a reset) instead
 * of writing into a buffer nobody reads while the queues drain.  Bounded: each session is
 * read once up to its FIONREAD figure.  TLS sessions are closed without a drain (their
 * record layer does not map kernel bytes to frames). */
static void drain_sessions(struct imtcp_thr *t)
{
    struct imtcp_inst *in = t->in;
    if (t->idx == 0) {
        for (size_t i = 0; i < in->nlst; i++) {
            if (in->lst[i].fd >= 0) {
                accept_ready(t, in->lst[i].fd);
            }
        }
        imtcp_close_listeners(in);
    }
    imtcp_reap(t);
    size_t i = 0;
    struct sess *s;
    while (!atomic_load(&in->core_gone) && (s = next_own(t, &i, 0, 0)) != NULL) {
        if (atomic_load_explicit(&s->state, memory_order_acquire) != SESS_LIVE) {
            continue;
        }
        if (s->tls != NULL) {
            imtcp_close_session(s, 0);
            continue;
        }
        int avail = 0;
        if (ioctl(s->ep.fd, FIONREAD, &avail) != 0 || avail < 0) {
            avail = 0;
        }
        size_t left = (size_t)avail;
        while (left > 0 && !atomic_load(&in->core_gone)) {
            ssize_t n = recv(s->ep.fd, t->rbuf, left < READ_BUF_SIZE ? left : READ_BUF_SIZE,
                             MSG_DONTWAIT);
            if (n < 0 && errno == EINTR) {
                continue;
            }
            if (n <= 0) {
                break;
            }
            left -= (size_t)n;
            atomic_fetch_add(in->c_drained, (uint64_t)n);
            if (feed_session(t, s, (size_t)n)) {
                s = NULL;   /* closed (out of memory) */
                break;
            }
        }
        if (s == NULL || atomic_load(&in->core_gone)) {
            continue;
        }
        char c;
        if (recv(s->ep.fd, &c, 1, MSG_PEEK | MSG_DONTWAIT) == 0) {
            imtcp_close_session(s, 1);    /* the peer had finished: emit as at EOF */
            continue;
        }
        if (!sl_framing_idle(&s->fr)) {
            atomic_fetch_add(in->c_partial, 1);
        }
        /* closed now, not when the engine has drained (seconds later): the sender's
         * kernel learns at once (a reset) instead of filling our buffer for nothing */
        imtcp_close_session(s, 0);
    }
    imtcp_reap(t);
}

/* Thread index's own state, published in in->thr[] (NULL: out of memory, logged). */
static struct imtcp_thr *thr_new(struct imtcp_inst *in, unsigned index)
{
    struct imtcp_thr *t = calloc(1, sizeof *t);
    if (t == NULL) {
        return NULL;
    }
    t->in = in;
    t->idx = index;
    t->reserve_fd = index == 0 ? open("/dev/null", O_RDONLY | O_CLOEXEC) : -1;
    t->epfd = epoll_create1(EPOLL_CLOEXEC);
    t->rbuf = malloc(READ_BUF_SIZE);
    struct epoll_event ev = { .events = EPOLLIN, .data.ptr = &in->stop_obj };
    int ok = t->epfd >= 0 && t->rbuf != NULL
             && epoll_ctl(t->epfd, EPOLL_CTL_ADD, in->stop_obj.fd, &ev) == 0;
    for (size_t i = 0; ok && index == 0 && i < in->nlst; i++) {
        ev.events = EPOLLIN;
        ev.data.ptr = &in->lst[i];
        ok = epoll_ctl(t->epfd, EPOLL_CTL_ADD, in->lst[i].fd, &ev) == 0;
    }
    if (!ok) {
        in->h->log(SL_LOG_ERR, IM_NAME, IM_NAME ": cannot set up input thread %u: %s", index,
                   strerror(errno));
        imtcp_thr_free(in, t);
        return NULL;
    }
    pthread_mutex_lock(&in->lock);
    in->thr[index] = t;
    if (index + 1 > in->nthr) {
        in->nthr = index + 1;
    }
    pthread_mutex_unlock(&in->lock);
    return t;
}

int imtcp_thr0_new(struct imtcp_inst *in)
{
    return thr_new(in, 0) != NULL ? 0 : SL_EIO;
}

void imtcp_thr_free(struct imtcp_inst *in, struct imtcp_thr *t)
{
    if (t == NULL) {
        return;
    }
    while (t->doomed != NULL) {
        struct sess *s = t->doomed;
        t->doomed = s->dnext;
        sl_tls_conn_free(s->tls);
        close(s->ep.fd);
        sl_framing_free(&s->fr);
        ptcp_inflate_free(s);
        free(s);
    }
    for (size_t i = 0; i < t->nbatch; i++) {
        in->h->msg_unref(t->batch[i]);
    }
    if (t->epfd >= 0) {
        close(t->epfd);
    }
    if (t->reserve_fd >= 0) {
        close(t->reserve_fd);
    }
    free(t->rbuf);
    free(t);
}

int imtcp_run_thread(void *inst, unsigned index, unsigned nthreads)
{
    struct imtcp_inst *in = inst;
    struct epoll_event evs[64];

    if (index >= IMTCP_THREADS_MAX) {
        return 0;
    }
    char name[16];
    snprintf(name, sizeof name, IM_NAME "/%u", index);
    (void)prctl(PR_SET_NAME, name, 0, 0, 0);    /* "imtcp/1" in top -H and /proc */
    pthread_mutex_lock(&in->lock);
    struct imtcp_thr *t = in->thr[index];   /* thread 0's: made by open() */
    pthread_mutex_unlock(&in->lock);
    if (t == NULL) {
        t = thr_new(in, index);
    }
    if (t == NULL) {
        return SL_ENOMEM;
    }
    while (!atomic_load(&in->stopping)) {
        int tmo = t->npending > 0 ? 0 : atomic_load(&t->nhs) > 0 ? 100 : 1000;
        int n = epoll_wait(t->epfd, evs, 64, tmo);
        t->now_ms = imtcp_mono_ms();
        if (n < 0) {
            if (errno == EINTR) {
                continue;
            }
            in->h->log(SL_LOG_ERR, IM_NAME, "imtcp: epoll_wait failed: %s", strerror(errno));
            return SL_EIO;
        }
        for (int i = 0; i < n && !atomic_load(&in->stopping); i++) {
            struct ep_obj *o = evs[i].data.ptr;
            if (o->kind == OBJ_LISTENER) {
                accept_ready(t, o->fd);
            } else if (o->kind == OBJ_SESSION) {
                session_ready(t, (struct sess *)o);
            }
            /* OBJ_STOP: the flag is set, the loop ends */
        }
        imtcp_reap(t);
        if (t->npending > 0 || atomic_load(&t->nhs) > 0) {
            tls_housekeeping(t);
        }
        imtcp_housekeeping(t);
    }
    pthread_mutex_lock(&in->lock);
    t->done = 1;
    if (index == 0) {
        imtcp_abuse_summary(in, t->now_ms, 1);
    }
    pthread_mutex_unlock(&in->lock);
    if (!atomic_load(&in->core_gone)) {
        drain_sessions(t);
    }
    pthread_mutex_lock(&in->lock);
    uint64_t served = t->nsessions;     /* the acceptor counts under the lock */
    pthread_mutex_unlock(&in->lock);
    in->h->log(SL_LOG_DEBUG, IM_NAME, IM_NAME ": input thread %u of %u served %llu sessions",
               index, nthreads, (unsigned long long)served);
    return 0;
}

int imtcp_run(void *inst)
{
    return imtcp_run_thread(inst, 0, 1);
}
