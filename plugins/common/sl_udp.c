/*
 * sl_udp.c - the UDP listener shared by the UDP inputs; see sl_udp.h for the interface.
 *
 * Why hand-written: no library does this job at this level (libevent/libuv offer neither
 * recvmmsg batches nor SO_RXQ_OVFL nor SO_REUSEPORT socket sets), and the receive loop is
 * the hot path of every UDP input.
 *
 * Layout: every (port, address) pair that getaddrinfo() gives is a listener; the listener
 * is bound once per socket set (nsets), all with SO_REUSEPORT when nsets > 1, so the kernel
 * spreads senders over the sets by their address hash - one sender always lands in the same
 * set, so its datagrams are read in order by one thread.  Port "0" takes the port the
 * kernel picked for set 0 for the other sets.  socks[s * nl + k] is listener k of set s.
 *
 * Each sl_udp_run() has its own epoll set (its sockets plus the shared stop eventfd, which
 * is never read: once signalled it wakes every thread for good) and its own recvmmsg
 * buffers.  A ready socket is read up to ROUNDS_PER_WAKEUP full batches before the next
 * epoll_wait, so one busy socket cannot starve the stop check.  Only the message headers
 * the previous recvmmsg filled in are set up again.
 *
 * Coalescing (max_wait_us, see sl_udp.h): each thread keeps a smoothed arrival rate (datagrams
 * and bytes per second, from what each pass read and the time since the previous pass).
 * After a pass that read datagrams but no full batch (the sockets are drained), it sleeps
 * wait = min(max_wait, 0.75 * 4 batches / rate, (rcvbuf / 4) / (byte rate + 1 KiB * rate)) and
 * then polls again (level-triggered: epoll_wait returns at once when data came).  No sleep
 * when fewer than 4 datagrams are expected in it, when it would be under 20 us, after a full
 * batch (a backlog: read on), or when the previous pass is more than 10 ms ago (the rate is
 * measured afresh).  rcvbuf is the smallest SO_RCVBUF the kernel reports for this
 * listener's sockets (twice the granted size: what it charges datagrams' truesize against);
 * 1 KiB per datagram stands for the kernel's overhead.  The time a message is stamped with
 * (timegenerated) is read when its batch is built, after the sleep, as rsyslog reads it
 * once per recvmmsg batch.
 *
 * Kernel drops: SO_RXQ_OVFL makes every datagram carry the socket's cumulative drop count;
 * the difference to the last one seen is added to c_kernel.  Threads sharing a socket (more
 * threads than sets) advance the last value with compare-and-swap, only forwards.
 *
 * Ownership and concurrency: see sl_udp.h.
 */
#include "config.h"

#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#include "sl_sock.h"
#include "sl_udp.h"
#include "sl_stop.h"

#define ROUNDS_PER_WAKEUP 8
#define CTRL_SIZE CMSG_SPACE(sizeof(uint32_t))
#define WAIT_MIN_NS 20000               /* shorter sleeps are not worth a context switch */
#define WAIT_IDLE_NS 10000000           /* a gap this long between passes: rate unknown */
#define WAIT_MIN_DGRAMS 4.0             /* fewer expected in the sleep: do not sleep */
#define DGRAM_OVERHEAD 1024.0           /* the kernel's bytes per datagram besides data */
#define COALESCE_BATCHES 4              /* batches one coalescing sleep aims at */

struct usock {
    int fd;
    int port;
    _Atomic uint32_t last_ovfl;
};

struct sl_udp {
    const struct sl_host *h;
    const char *who;
    size_t max_msg, batch;
    uint64_t max_wait_ns;           /* 0: no coalescing */
    double rcvbuf;                  /* smallest SO_RCVBUF reported (bytes; coalescing) */
    _Atomic uint64_t *c_kernel, *c_empty, *c_truncated, *c_reads, *c_waits;
    unsigned nsets;
    size_t nl;                      /* listeners per set */
    struct usock *socks;            /* nsets * nl */
    int stopfd;
    atomic_int stopping;
};

static void set_rcvbuf(struct sl_udp *u, int fd, int64_t want, int warn)
{
    if (want <= 0) {
        return;
    }
    int v = want > 0x7fffffff / 2 ? 0x7fffffff / 2 : (int)want;
    /* SO_RCVBUFFORCE passes net.core.rmem_max, but only with CAP_NET_ADMIN */
    if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &v, sizeof v) != 0 &&
        setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &v, sizeof v) != 0) {
        u->h->log(SL_LOG_WARNING, u->who, "%s: cannot set the receive buffer to %d: %s",
                  u->who, v, strerror(errno));
        return;
    }
    int got = 0;
    socklen_t l = sizeof got;
    /* Linux reports twice what it grants (the bookkeeping overhead) */
    if (warn && getsockopt(fd, SOL_SOCKET, SO_RCVBUF, &got, &l) == 0 && got / 2 < v) {
        u->h->log(SL_LOG_WARNING, u->who, "%s: the kernel limits the receive buffer to %d "
                  "bytes, not %d (raise net.core.rmem_max, or run with CAP_NET_ADMIN)",
                  u->who, got / 2, v);
    }
}

static int bind_one(struct sl_udp *u, const struct sl_udp_opts *o, const struct sockaddr *sa,
                    socklen_t salen, int family, int warn)
{
    int fd = socket(family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        return -errno;
    }
    int one = 1;
    if (family == AF_INET6) {
        (void)setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one);
    }
    (void)setsockopt(fd, SOL_SOCKET, SO_RXQ_OVFL, &one, sizeof one);
    if (u->nsets > 1 && setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof one) != 0) {
        int e = errno;
        close(fd);
        return -e;
    }
    if (o->freebind > 0) {
        (void)setsockopt(fd, IPPROTO_IP, IP_FREEBIND, &one, sizeof one);
    }
    if (o->device != NULL && o->device[0] != '\0' &&
        setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, o->device, (socklen_t)strlen(o->device)) != 0) {
        int e = errno;
        u->h->log(SL_LOG_ERR, u->who, "%s: cannot bind to device '%s': %s", u->who, o->device,
                  strerror(e));
        close(fd);
        return -e;
    }
    set_rcvbuf(u, fd, o->rcvbuf, warn);
    if (bind(fd, sa, salen) != 0) {
        int e = errno;
        close(fd);
        return -e;
    }
    return fd;
}

static void set_port(struct sockaddr_storage *sa, int port)
{
    if (sa->ss_family == AF_INET) {
        ((struct sockaddr_in *)sa)->sin_port = htons((uint16_t)port);
    } else if (sa->ss_family == AF_INET6) {
        ((struct sockaddr_in6 *)sa)->sin6_port = htons((uint16_t)port);
    }
}

void sl_udp_close(struct sl_udp *u)
{
    if (u == NULL) {
        return;
    }
    for (size_t i = 0; u->socks != NULL && i < (size_t)u->nsets * SL_UDP_MAX_LISTENERS; i++) {
        if (u->socks[i].fd >= 0) {
            close(u->socks[i].fd);
        }
    }
    free(u->socks);
    if (u->stopfd >= 0) {
        close(u->stopfd);
    }
    free(u);
}

int sl_udp_open(struct sl_udp **out, const struct sl_host *h, const struct sl_udp_opts *o)
{
    static const char *const dflt_port[] = { "514" };
    *out = NULL;
    struct sl_udp *u = calloc(1, sizeof *u);
    if (u == NULL) {
        return SL_ENOMEM;
    }
    u->h = h;
    u->who = o->who != NULL ? o->who : "udp";
    u->max_msg = o->max_msg > 0 ? o->max_msg : 8096;
    u->batch = o->batch == 0 ? 32 : o->batch > SL_UDP_MAX_BATCH ? SL_UDP_MAX_BATCH : o->batch;
    u->c_kernel = o->c_kernel;
    u->c_empty = o->c_empty;
    u->c_truncated = o->c_truncated;
    u->c_reads = o->c_reads;
    u->c_waits = o->c_waits;
    u->max_wait_ns = (uint64_t)o->max_wait_us * 1000u;
    u->nsets = o->nsets > 0 ? o->nsets : 1;
    u->stopfd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    u->socks = calloc((size_t)u->nsets * SL_UDP_MAX_LISTENERS, sizeof *u->socks);
    for (size_t i = 0; u->socks != NULL && i < (size_t)u->nsets * SL_UDP_MAX_LISTENERS; i++) {
        u->socks[i].fd = -1;
    }
    if (u->stopfd < 0 || u->socks == NULL) {
        h->log(SL_LOG_ERR, u->who, "%s: cannot set up the listener: %s", u->who, strerror(errno));
        sl_udp_close(u);
        return SL_EIO;
    }
    size_t nports = o->nports;
    const char *const *ports = o->ports;
    if (nports == 0 || ports == NULL) {
        nports = 1;
        ports = dflt_port;
    }
    const char *addr = sl_sock_any(o->address);
    /* listeners are numbered in set 0 first; the other sets are filled in below */
    struct sockaddr_storage la[SL_UDP_MAX_LISTENERS];
    socklen_t lalen[SL_UDP_MAX_LISTENERS];
    for (size_t p = 0; p < nports; p++) {
        struct addrinfo *res = NULL;
        int rc = sl_sock_resolve(addr, ports[p], SOCK_DGRAM, 0, &res);
        if (rc != 0) {
            h->log(SL_LOG_ERR, u->who, "%s: cannot resolve '%s' port %s: %s", u->who,
                   addr ? addr : "*", ports[p], gai_strerror(rc));
            sl_udp_close(u);
            return SL_EIO;
        }
        size_t before = u->nl;
        int last_err = 0;
        for (struct addrinfo *ai = res; ai != NULL; ai = ai->ai_next) {
            if (u->nl == SL_UDP_MAX_LISTENERS || ai->ai_addrlen > sizeof la[0]) {
                break;
            }
            int fd = bind_one(u, o, ai->ai_addr, ai->ai_addrlen, ai->ai_family, 1);
            if (fd < 0) {
                last_err = -fd;
                continue;
            }
            struct usock *s = &u->socks[u->nl];
            s->fd = fd;
            s->port = sl_sock_port(fd);
            memcpy(&la[u->nl], ai->ai_addr, ai->ai_addrlen);
            lalen[u->nl] = ai->ai_addrlen;
            set_port(&la[u->nl], s->port);
            u->nl++;
        }
        freeaddrinfo(res);
        if (u->nl == before) {
            h->log(SL_LOG_ERR, u->who, "%s: could not create udp listener on %s port %s: %s",
                   u->who, addr ? addr : "*", ports[p], strerror(last_err));
            u->nl = before;
            sl_udp_close(u);
            return SL_EIO;
        }
    }
    /* set 0 was bound into socks[0..nl); the sets s > 0 go to socks[s * nl + k] */
    size_t nl = u->nl;
    for (unsigned s = 1; s < u->nsets; s++) {
        for (size_t k = 0; k < nl; k++) {
            int fd = bind_one(u, o, (const struct sockaddr *)&la[k], lalen[k], la[k].ss_family, 0);
            if (fd < 0) {
                h->log(SL_LOG_ERR, u->who, "%s: cannot bind receive socket %u of port %d "
                       "(SO_REUSEPORT): %s", u->who, s + 1, u->socks[k].port, strerror(-fd));
                sl_udp_close(u);
                return SL_EIO;
            }
            u->socks[s * nl + k].fd = fd;
            u->socks[s * nl + k].port = u->socks[k].port;
        }
    }
    u->rcvbuf = 0;
    for (size_t i = 0; i < (size_t)u->nsets * nl; i++) {
        int got = 0;
        socklen_t l = sizeof got;
        if (getsockopt(u->socks[i].fd, SOL_SOCKET, SO_RCVBUF, &got, &l) == 0 && got > 0 &&
            (u->rcvbuf == 0 || got < u->rcvbuf)) {
            u->rcvbuf = got;
        }
    }
    if (u->rcvbuf == 0) {
        u->rcvbuf = 212992;   /* Linux's usual net.core.rmem_default, doubled */
    }
    *out = u;
    return 0;
}

size_t sl_udp_listener_count(const struct sl_udp *u)
{
    return u != NULL ? u->nl : 0;
}

int sl_udp_bound_port(const struct sl_udp *u, size_t i)
{
    return u != NULL && i < u->nl ? u->socks[i].port : -1;
}

unsigned sl_udp_sets(const struct sl_udp *u)
{
    return u != NULL ? u->nsets : 0;
}

int sl_udp_rcvbuf(const struct sl_udp *u, size_t i)
{
    int got = -1;
    socklen_t l = sizeof got;
    if (u == NULL || i >= u->nl || getsockopt(u->socks[i].fd, SOL_SOCKET, SO_RCVBUF, &got, &l) != 0) {
        return -1;
    }
    return got;
}

void sl_udp_stop(struct sl_udp *u)
{
    if (u == NULL) {
        return;
    }
    sl_stop_wake(&u->stopping, u->stopfd);
}

/* One thread's receive buffers. */
struct rx {
    char *bufs;                     /* batch * max_msg */
    struct mmsghdr *hdrs;
    struct iovec *iov;
    struct sockaddr_storage *addrs;
    char *ctrl;                     /* batch * CTRL_SIZE */
    struct sl_udp_dgram *dg;
    size_t dirty;                   /* hdrs[0..dirty) need setting up again */
    /* this pass (one epoll_wait's worth of reading), for coalescing */
    size_t pass_dgrams, pass_bytes;
    int pass_full;                  /* a socket gave ROUNDS_PER_WAKEUP full batches */
};

static void rx_free(struct rx *r)
{
    free(r->bufs);
    free(r->hdrs);
    free(r->iov);
    free(r->addrs);
    free(r->ctrl);
    free(r->dg);
}

static void count_ovfl(struct sl_udp *u, struct usock *s, uint32_t ov)
{
    uint32_t last = atomic_load_explicit(&s->last_ovfl, memory_order_relaxed);
    /* forwards only: another thread may have seen a newer value already */
    while ((int32_t)(ov - last) > 0) {
        if (atomic_compare_exchange_weak(&s->last_ovfl, &last, ov)) {
            if (u->c_kernel != NULL) {
                atomic_fetch_add_explicit(u->c_kernel, (uint64_t)(ov - last), memory_order_relaxed);
            }
            break;
        }
    }
}

/* Reads up to ROUNDS_PER_WAKEUP batches from s.  0, or the callback's error. */
static int read_socket(struct sl_udp *u, struct rx *r, struct usock *s, sl_udp_cb cb, void *arg)
{
    for (int round = 0; round < ROUNDS_PER_WAKEUP; round++) {
        for (size_t i = 0; i < r->dirty; i++) {
            r->iov[i].iov_base = r->bufs + i * u->max_msg;
            r->iov[i].iov_len = u->max_msg;
            struct msghdr *mh = &r->hdrs[i].msg_hdr;
            mh->msg_name = &r->addrs[i];
            mh->msg_namelen = sizeof r->addrs[i];
            mh->msg_iov = &r->iov[i];
            mh->msg_iovlen = 1;
            mh->msg_control = r->ctrl + i * CTRL_SIZE;
            mh->msg_controllen = CTRL_SIZE;
            mh->msg_flags = 0;
        }
        int got = recvmmsg(s->fd, r->hdrs, (unsigned)u->batch, MSG_DONTWAIT, NULL);
        /* after EAGAIN at most the first header changed (to be safe); after another error all */
        r->dirty = got >= 0 ? (size_t)got
                            : (errno == EAGAIN || errno == EWOULDBLOCK) ? 1 : u->batch;
        if (got < 0) {
            if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
                u->h->log(SL_LOG_WARNING, u->who, "%s: recvmmsg: %s", u->who, strerror(errno));
            }
            return 0;
        }
        if (got > 0 && u->c_reads != NULL) {
            atomic_fetch_add_explicit(u->c_reads, 1, memory_order_relaxed);
        }
        r->pass_dgrams += (size_t)got;
        size_t n = 0;
        for (int i = 0; i < got; i++) {
            struct msghdr *mh = &r->hdrs[i].msg_hdr;
            for (struct cmsghdr *c = CMSG_FIRSTHDR(mh); c != NULL; c = CMSG_NXTHDR(mh, c)) {
                if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SO_RXQ_OVFL) {
                    uint32_t ov;
                    memcpy(&ov, CMSG_DATA(c), sizeof ov);
                    count_ovfl(u, s, ov);
                }
            }
            size_t len = r->hdrs[i].msg_len;
            r->pass_bytes += len;
            if (len == 0) {
                if (u->c_empty != NULL) {
                    atomic_fetch_add_explicit(u->c_empty, 1, memory_order_relaxed);
                }
                continue;
            }
            int trunc = (mh->msg_flags & MSG_TRUNC) != 0;
            if (trunc && u->c_truncated != NULL) {
                atomic_fetch_add_explicit(u->c_truncated, 1, memory_order_relaxed);
            }
            r->dg[n] = (struct sl_udp_dgram){ r->iov[i].iov_base, len > u->max_msg ? u->max_msg : len,
                                              (const struct sockaddr *)&r->addrs[i],
                                              mh->msg_namelen, trunc, s->port };
            n++;
        }
        if (n > 0) {
            int rc = cb(arg, r->dg, n);
            if (rc < 0) {
                return rc;
            }
        }
        if ((size_t)got < u->batch) {
            return 0;
        }
    }
    r->pass_full = 1;   /* ROUNDS_PER_WAKEUP full batches: a backlog */
    return 0;
}

static uint64_t mono_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* Coalescing state of one receive thread (see the top of the file). */
struct coalesce {
    uint64_t last_ns;               /* end of the previous pass that read something; 0: none */
    double rate, brate;             /* smoothed datagrams and bytes per ns */
};

/* After a pass: how long to sleep before polling again, in ns (0: do not). */
static uint64_t coalesce_wait(const struct sl_udp *u, struct coalesce *c, const struct rx *r)
{
    if (r->pass_dgrams == 0) {
        return 0;                   /* nothing read (stop, EAGAIN): keep last_ns */
    }
    uint64_t now = mono_ns();
    uint64_t gap = c->last_ns != 0 ? now - c->last_ns : 0;
    c->last_ns = now;
    if (gap == 0 || gap > WAIT_IDLE_NS) {
        c->rate = c->brate = 0;     /* first pass after an idle spell: measure first */
        return 0;
    }
    double rate = (double)r->pass_dgrams / (double)gap;
    double brate = (double)r->pass_bytes / (double)gap;
    c->rate = c->rate == 0 ? rate : (c->rate + rate) / 2;
    c->brate = c->brate == 0 ? brate : (c->brate + brate) / 2;
    if (r->pass_full) {
        return 0;                   /* a backlog: read on at once */
    }
    double w = 0.75 * (double)(COALESCE_BATCHES * u->batch) / c->rate;
    double room = (u->rcvbuf / 4) / (c->brate + DGRAM_OVERHEAD * c->rate);
    if (room < w) {
        w = room;
    }
    if (w > (double)u->max_wait_ns) {
        w = (double)u->max_wait_ns;
    }
    if (w < WAIT_MIN_NS || w * c->rate < WAIT_MIN_DGRAMS) {
        return 0;
    }
    return (uint64_t)w;
}

int sl_udp_run(struct sl_udp *u, unsigned index, unsigned nthreads, sl_udp_cb cb, void *arg)
{
    if (nthreads == 0) {
        nthreads = 1;
    }
    struct rx r;
    memset(&r, 0, sizeof r);
    size_t b = u->batch;
    r.bufs = malloc(b * u->max_msg);
    r.hdrs = calloc(b, sizeof *r.hdrs);
    r.iov = calloc(b, sizeof *r.iov);
    r.addrs = calloc(b, sizeof *r.addrs);
    r.ctrl = calloc(b, CTRL_SIZE);
    r.dg = calloc(b, sizeof *r.dg);
    r.dirty = b;
    int epfd = epoll_create1(EPOLL_CLOEXEC);
    if (r.bufs == NULL || r.hdrs == NULL || r.iov == NULL || r.addrs == NULL || r.ctrl == NULL ||
        r.dg == NULL || epfd < 0) {
        u->h->log(SL_LOG_ERR, u->who, "%s: receive thread %u: %s", u->who, index,
                  strerror(errno));
        rx_free(&r);
        if (epfd >= 0) {
            close(epfd);
        }
        return SL_ENOMEM;
    }
    struct epoll_event ev = { .events = EPOLLIN, .data.ptr = NULL };
    int rc = epoll_ctl(epfd, EPOLL_CTL_ADD, u->stopfd, &ev);
    for (unsigned s = 0; rc == 0 && s < u->nsets; s++) {
        int mine = nthreads <= u->nsets ? s % nthreads == index % nthreads
                                        : s == index % u->nsets;
        for (size_t k = 0; mine && rc == 0 && k < u->nl; k++) {
            ev.data.ptr = &u->socks[s * u->nl + k];
            rc = epoll_ctl(epfd, EPOLL_CTL_ADD, u->socks[s * u->nl + k].fd, &ev);
        }
    }
    if (rc != 0) {
        u->h->log(SL_LOG_ERR, u->who, "%s: epoll_ctl: %s", u->who, strerror(errno));
        rx_free(&r);
        close(epfd);
        return SL_EIO;
    }
    struct epoll_event evs[SL_UDP_MAX_LISTENERS + 1];
    struct coalesce co = { 0, 0, 0 };
    int ret = 0;
    while (!atomic_load(&u->stopping)) {
        int n = epoll_wait(epfd, evs, (int)(sizeof evs / sizeof evs[0]), 1000);
        if (n < 0) {
            if (errno == EINTR) {
                continue;
            }
            u->h->log(SL_LOG_ERR, u->who, "%s: epoll_wait failed: %s", u->who, strerror(errno));
            ret = SL_EIO;
            break;
        }
        r.pass_dgrams = r.pass_bytes = 0;
        r.pass_full = 0;
        for (int i = 0; i < n && !atomic_load(&u->stopping); i++) {
            struct usock *s = evs[i].data.ptr;
            if (s == NULL) {
                continue;      /* the stop eventfd: the loop condition sees it */
            }
            int e = read_socket(u, &r, s, cb, arg);
            if (e < 0) {
                ret = e;
                sl_udp_stop(u);   /* the core is stopping: every thread ends */
                break;
            }
        }
        uint64_t w = u->max_wait_ns > 0 && ret == 0 ? coalesce_wait(u, &co, &r) : 0;
        if (w > 0 && !atomic_load(&u->stopping)) {
            struct timespec ts = { (time_t)(w / 1000000000u), (long)(w % 1000000000u) };
            if (u->c_waits != NULL) {
                atomic_fetch_add_explicit(u->c_waits, 1, memory_order_relaxed);
            }
            (void)nanosleep(&ts, NULL);   /* EINTR: poll early, harmless */
        }
    }
    rx_free(&r);
    close(epfd);
    return ret;
}
