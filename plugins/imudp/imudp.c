/*
 * imudp.c - the imudp input plugin: syslog over UDP, compatible with rsyslog 8.2302's imudp.
 *
 * open() binds one socket per (port, address) pair (IPv4 and IPv6; "0" picks a free port).
 * run() waits with epoll on all sockets plus an eventfd used by stop(), reads with
 * recvmmsg() in batches of batchSize datagrams into preallocated buffers, creates one
 * message per datagram (with the peer address) and submits the batch: datagrams of the same
 * peer go in one submit with flow_key = hash(peer address, port), so one sender's datagrams
 * keep their order (a batch from a single sender is a single submit; a batch mixing peers is
 * one submit per peer, each in arrival order).  The input is SL_PF_NO_DELAY: when the queue
 * is full, submit drops and the drops are counted.
 *
 * As rsyslog does: empty datagrams are dropped (counted), datagrams longer than
 * global(maxMessageSize) are truncated to it (counted), the datagram is handed over as-is.
 * Kernel receive-queue drops are counted via SO_RXQ_OVFL.
 * Counters (owner "imudp", instance "port N"): received, submitted, dropped, empty,
 * truncated, kernel.dropped.
 *
 * Parameters (rsyslog's names and defaults).  Module: batchSize (32, capped at 128);
 * accepted but ignored: threads (one input thread per instance is used), timeRequery,
 * schedulingPolicy, schedulingPriority, preserveCase.  Input: port (array, "514"), address
 * (all), rcvbufSize (SO_RCVBUFFORCE when permitted, else SO_RCVBUF), ipFreeBind (2: on),
 * device (SO_BINDTODEVICE); accepted but ignored: rateLimit.interval, rateLimit.burst,
 * defaultTZ, name.appendPort, preserveCase.
 *
 * Ownership: the instance block belongs to the core; sockets and buffers allocated here
 * are owned by the instance and released by destroy().
 *
 * Concurrency & locking: create/open/destroy run on the main thread, run() on the input
 * thread; stop() only sets an atomic flag and writes the eventfd.  Nothing else is shared.
 */
#include "config.h"

#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include "sluice/sl_plugin.h"
#include "imudp.h"

#define MAX_SOCKS 64
#define MAX_BATCH 128
#define ROUNDS_PER_WAKEUP 8

struct imudp_mod {
    int64_t threads;
    int64_t batch_size;
    int64_t time_requery;
    char *sched_policy;
    int64_t sched_priority;
    int preserve_case;
};

struct usock {
    int is_stop;            /* first member: epoll data points here */
    int fd;
    int port;
    uint32_t last_ovfl;
};

struct imudp_inst {
    /* ---- parameters (filled by the core) ---- */
    struct sl_strarr port;
    char *address;
    int64_t rcvbuf;
    int64_t freebind;
    char *device;
    int64_t rl_interval, rl_burst;
    char *default_tz;
    int name_append_port;
    int preserve_case;

    /* ---- runtime ---- */
    const struct sl_host *h;
    struct sl_input_ctx *ctx;
    size_t max_msg;
    size_t batch;
    char label[32];
    struct usock socks[MAX_SOCKS];
    size_t nsock;
    struct usock stop_obj;
    int epfd;
    atomic_int stopping;

    char *bufs;                         /* batch * max_msg bytes */
    struct mmsghdr *hdrs;
    struct iovec *iov;
    struct sockaddr_storage *addrs;
    char *ctrl;                         /* batch * CTRL_SIZE */
    size_t hdr_dirty;                   /* hdrs[0..hdr_dirty) need setting up again */
    struct sl_msg **msgs;
    struct sl_msg **run_buf;
    uint64_t *keys;
    unsigned char *done;

    _Atomic uint64_t *c_received, *c_submitted, *c_dropped, *c_empty, *c_truncated,
                     *c_kernel;
};

#define CTRL_SIZE CMSG_SPACE(sizeof(uint32_t))

#define MOFF(f) offsetof(struct imudp_mod, f)
#define IOFF(f) offsetof(struct imudp_inst, f)

static const struct sl_param mod_params[] = {
    { "threads", SL_PT_POSINT, 0, MOFF(threads), "1", NULL, NULL, NULL },
    { "batchSize", SL_PT_POSINT, 0, MOFF(batch_size), "32", NULL, NULL, NULL },
    { "timeRequery", SL_PT_NONNEG, 0, MOFF(time_requery), "2", NULL, NULL, NULL },
    { "schedulingPolicy", SL_PT_WORD, 0, MOFF(sched_policy), NULL, NULL, NULL, NULL },
    { "schedulingPriority", SL_PT_INT, 0, MOFF(sched_priority), NULL, NULL, NULL, NULL },
    { "preserveCase", SL_PT_BOOL, 0, MOFF(preserve_case), "off", NULL, NULL, NULL },
    SL_PARAM_END
};

static const struct sl_param inst_params[] = {
    { "port", SL_PT_ARRAY, 0, IOFF(port), "514", NULL, "$UDPServerRun", NULL },
    { "address", SL_PT_STRING, 0, IOFF(address), NULL, NULL, NULL, NULL },
    { "rcvbufSize", SL_PT_SIZE, 0, IOFF(rcvbuf), "0", NULL, NULL, NULL },
    { "ipFreeBind", SL_PT_NONNEG, 0, IOFF(freebind), "2", NULL, NULL, NULL },
    { "device", SL_PT_STRING, 0, IOFF(device), NULL, NULL, NULL, NULL },
    { "rateLimit.interval", SL_PT_NONNEG, 0, IOFF(rl_interval), "0", NULL, NULL, NULL },
    { "rateLimit.burst", SL_PT_NONNEG, 0, IOFF(rl_burst), "10000", NULL, NULL, NULL },
    { "defaultTZ", SL_PT_STRING, 0, IOFF(default_tz), NULL, NULL, NULL, NULL },
    { "name.appendPort", SL_PT_BOOL, 0, IOFF(name_append_port), "off", NULL, NULL, NULL },
    { "preserveCase", SL_PT_BOOL, 0, IOFF(preserve_case), "off", NULL, NULL, NULL },
    SL_PARAM_END
};

int sl_imudp_socket_count(const void *inst)
{
    const struct imudp_inst *in = inst;
    return (int)in->nsock;
}

int sl_imudp_bound_port(const void *inst, int i)
{
    const struct imudp_inst *in = inst;
    return (i >= 0 && (size_t)i < in->nsock) ? in->socks[i].port : -1;
}

static int imudp_create(void *inst, void *modconf, const struct sl_host *h,
                        struct sl_input_ctx *ctx)
{
    struct imudp_inst *in = inst;
    const struct imudp_mod *m = modconf;

    in->h = h;
    in->ctx = ctx;
    in->epfd = -1;
    in->stop_obj.is_stop = 1;
    in->stop_obj.fd = -1;
    int64_t bs = m != NULL && m->batch_size > 0 ? m->batch_size : 32;
    in->batch = (size_t)(bs > MAX_BATCH ? MAX_BATCH : bs);
    in->max_msg = h->max_message_size();
    if (in->max_msg == 0) {
        in->max_msg = 8096;
    }
    if (in->rcvbuf < 0 || in->rcvbuf > 1024LL * 1024 * 1024) {
        h->log(SL_LOG_ERR, "imudp", "imudp: rcvbufSize %lld out of range (0..1G)",
               (long long)in->rcvbuf);
        return SL_ECONFIG;
    }
    for (size_t i = 0; i < in->port.n; i++) {
        char *end;
        long p = strtol(in->port.v[i], &end, 10);
        if (*end != '\0' || p < 0 || p > 65535 || end == in->port.v[i]) {
            /* service names are resolved in open() */
            struct servent *se = getservbyname(in->port.v[i], "udp");
            if (se == NULL) {
                h->log(SL_LOG_ERR, "imudp", "imudp: invalid port '%s'", in->port.v[i]);
                return SL_ECONFIG;
            }
        }
    }
    snprintf(in->label, sizeof in->label, "port %s",
             in->port.n > 0 ? in->port.v[0] : "514");
    in->c_received = h->counter("imudp", in->label, "received");
    in->c_submitted = h->counter("imudp", in->label, "submitted");
    in->c_dropped = h->counter("imudp", in->label, "dropped");
    in->c_empty = h->counter("imudp", in->label, "empty");
    in->c_truncated = h->counter("imudp", in->label, "truncated");
    in->c_kernel = h->counter("imudp", in->label, "kernel.dropped");
    return 0;
}

static void set_rcvbuf(struct imudp_inst *in, int fd)
{
    if (in->rcvbuf <= 0) {
        return;
    }
    int v = (int)in->rcvbuf;
    if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &v, sizeof v) != 0 &&
        setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &v, sizeof v) != 0) {
        in->h->log(SL_LOG_WARNING, "imudp", "imudp: cannot set rcvbufSize %d: %s", v,
                   strerror(errno));
    }
}

static int bind_one(struct imudp_inst *in, const struct addrinfo *ai)
{
    int fd = socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC,
                    ai->ai_protocol);
    if (fd < 0) {
        return -errno;
    }
    int one = 1;
    if (ai->ai_family == AF_INET6) {
        (void)setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one);
    }
    (void)setsockopt(fd, SOL_SOCKET, SO_RXQ_OVFL, &one, sizeof one);
    if (in->freebind > 0) {
        (void)setsockopt(fd, IPPROTO_IP, IP_FREEBIND, &one, sizeof one);
    }
    if (in->device != NULL && in->device[0] != '\0' &&
        setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, in->device,
                   (socklen_t)strlen(in->device)) != 0) {
        int e = errno;
        in->h->log(SL_LOG_ERR, "imudp", "imudp: cannot bind to device '%s': %s", in->device,
                   strerror(e));
        close(fd);
        return -e;
    }
    set_rcvbuf(in, fd);
    if (bind(fd, ai->ai_addr, ai->ai_addrlen) != 0) {
        int e = errno;
        close(fd);
        return -e;
    }
    return fd;
}

static int sock_port(int fd)
{
    struct sockaddr_storage sa;
    socklen_t l = sizeof sa;
    if (getsockname(fd, (struct sockaddr *)&sa, &l) != 0) {
        return -1;
    }
    if (sa.ss_family == AF_INET) {
        return ntohs(((struct sockaddr_in *)&sa)->sin_port);
    }
    if (sa.ss_family == AF_INET6) {
        return ntohs(((struct sockaddr_in6 *)&sa)->sin6_port);
    }
    return -1;
}

static int imudp_open(void *inst)
{
    struct imudp_inst *in = inst;
    const struct sl_host *h = in->h;
    static char *dflt_port[] = { "514" };
    size_t nports = in->port.n;
    char **ports = in->port.v;
    if (nports == 0) {
        nports = 1;
        ports = dflt_port;
    }
    const char *addr = in->address;
    if (addr != NULL && (addr[0] == '\0' || strcmp(addr, "*") == 0)) {
        addr = NULL;
    }
    for (size_t p = 0; p < nports; p++) {
        struct addrinfo hints, *res = NULL;
        memset(&hints, 0, sizeof hints);
        hints.ai_family = AF_UNSPEC;
        hints.ai_socktype = SOCK_DGRAM;
        hints.ai_flags = AI_PASSIVE;
        int rc = getaddrinfo(addr, ports[p], &hints, &res);
        if (rc != 0) {
            h->log(SL_LOG_ERR, "imudp", "imudp: cannot resolve '%s' port %s: %s",
                   addr ? addr : "*", ports[p], gai_strerror(rc));
            return SL_EIO;
        }
        size_t before = in->nsock;
        int last_err = 0;
        for (struct addrinfo *ai = res; ai != NULL; ai = ai->ai_next) {
            if (in->nsock == MAX_SOCKS) {
                break;
            }
            int fd = bind_one(in, ai);
            if (fd < 0) {
                last_err = -fd;
                continue;
            }
            in->socks[in->nsock].is_stop = 0;
            in->socks[in->nsock].fd = fd;
            in->socks[in->nsock].port = sock_port(fd);
            in->nsock++;
        }
        freeaddrinfo(res);
        if (in->nsock == before) {
            h->log(SL_LOG_ERR, "imudp", "imudp: could not create udp listener on %s port %s: %s",
                   addr ? addr : "*", ports[p], strerror(last_err));
            return SL_EIO;
        }
    }

    size_t b = in->batch;
    in->bufs = malloc(b * in->max_msg);
    in->hdrs = calloc(b, sizeof *in->hdrs);
    in->iov = calloc(b, sizeof *in->iov);
    in->addrs = calloc(b, sizeof *in->addrs);
    in->ctrl = calloc(b, CTRL_SIZE);
    in->msgs = calloc(b, sizeof *in->msgs);
    in->run_buf = calloc(b, sizeof *in->run_buf);
    in->keys = calloc(b, sizeof *in->keys);
    in->done = calloc(b, 1);
    in->hdr_dirty = b;
    in->epfd = epoll_create1(EPOLL_CLOEXEC);
    in->stop_obj.fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (in->bufs == NULL || in->hdrs == NULL || in->iov == NULL || in->addrs == NULL ||
        in->ctrl == NULL || in->msgs == NULL || in->run_buf == NULL || in->keys == NULL ||
        in->done == NULL || in->epfd < 0 || in->stop_obj.fd < 0) {
        h->log(SL_LOG_ERR, "imudp", "imudp: cannot set up the listener: %s", strerror(errno));
        return SL_EIO;
    }
    struct epoll_event ev = { .events = EPOLLIN, .data.ptr = &in->stop_obj };
    if (epoll_ctl(in->epfd, EPOLL_CTL_ADD, in->stop_obj.fd, &ev) != 0) {
        return SL_EIO;
    }
    for (size_t i = 0; i < in->nsock; i++) {
        ev.data.ptr = &in->socks[i];
        if (epoll_ctl(in->epfd, EPOLL_CTL_ADD, in->socks[i].fd, &ev) != 0) {
            return SL_EIO;
        }
    }
    return 0;
}

/* FNV-1a over the peer's address and port: one sender, one flow. */
static uint64_t peer_key(const struct sockaddr_storage *sa)
{
    const unsigned char *p;
    size_t n;
    unsigned char tmp[18];
    if (sa->ss_family == AF_INET) {
        const struct sockaddr_in *s4 = (const struct sockaddr_in *)sa;
        memcpy(tmp, &s4->sin_addr, 4);
        memcpy(tmp + 4, &s4->sin_port, 2);
        n = 6;
    } else if (sa->ss_family == AF_INET6) {
        const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)sa;
        memcpy(tmp, &s6->sin6_addr, 16);
        memcpy(tmp + 16, &s6->sin6_port, 2);
        n = 18;
    } else {
        n = 0;
    }
    p = tmp;
    uint64_t hsh = 1469598103934665603ULL;
    for (size_t i = 0; i < n; i++) {
        hsh ^= p[i];
        hsh *= 1099511628211ULL;
    }
    return hsh;
}

/* Submit n messages (msgs/keys parallel): one submit per distinct peer, arrival order kept. */
static int submit_grouped(struct imudp_inst *in, size_t n)
{
    memset(in->done, 0, n);
    for (size_t i = 0; i < n; i++) {
        if (in->done[i]) {
            continue;
        }
        size_t k = 0;
        for (size_t j = i; j < n; j++) {
            if (!in->done[j] && in->keys[j] == in->keys[i]) {
                in->run_buf[k++] = in->msgs[j];
                in->done[j] = 1;
            }
        }
        int rc = in->h->submit(in->ctx, in->run_buf, k, in->keys[i]);
        if (rc < 0) {
            /* the core is stopping; the remaining messages still belong to us */
            for (size_t j = i + 1; j < n; j++) {
                if (!in->done[j]) {
                    in->h->msg_unref(in->msgs[j]);
                }
            }
            return rc;
        }
        atomic_fetch_add(in->c_submitted, (uint64_t)rc);
        if ((size_t)rc < k) {
            atomic_fetch_add(in->c_dropped, (uint64_t)(k - (size_t)rc));
        }
    }
    return 0;
}

/* Read and submit up to ROUNDS_PER_WAKEUP batches from one socket. */
static int read_socket(struct imudp_inst *in, struct usock *s)
{
    for (int round = 0; round < ROUNDS_PER_WAKEUP; round++) {
        /* only the headers the last recvmmsg filled in are changed (name and control
         * lengths, flags): at low rates that is one, not the whole batch */
        for (size_t i = 0; i < in->hdr_dirty; i++) {
            in->iov[i].iov_base = in->bufs + i * in->max_msg;
            in->iov[i].iov_len = in->max_msg;
            struct msghdr *mh = &in->hdrs[i].msg_hdr;
            mh->msg_name = &in->addrs[i];
            mh->msg_namelen = sizeof in->addrs[i];
            mh->msg_iov = &in->iov[i];
            mh->msg_iovlen = 1;
            mh->msg_control = in->ctrl + i * CTRL_SIZE;
            mh->msg_controllen = CTRL_SIZE;
            mh->msg_flags = 0;
        }
        int got = recvmmsg(s->fd, in->hdrs, (unsigned)in->batch, MSG_DONTWAIT, NULL);
        /* after EAGAIN at most the first one (to be safe); after another error all */
        in->hdr_dirty = got >= 0 ? (size_t)got
                                 : (errno == EAGAIN || errno == EWOULDBLOCK) ? 1 : in->batch;
        if (got < 0) {
            if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
                in->h->log(SL_LOG_WARNING, "imudp", "imudp: recvmmsg: %s", strerror(errno));
            }
            return 0;
        }
        size_t n = 0;
        for (int i = 0; i < got; i++) {
            struct msghdr *mh = &in->hdrs[i].msg_hdr;
            for (struct cmsghdr *c = CMSG_FIRSTHDR(mh); c != NULL; c = CMSG_NXTHDR(mh, c)) {
                if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SO_RXQ_OVFL) {
                    uint32_t ov;
                    memcpy(&ov, CMSG_DATA(c), sizeof ov);
                    if (ov != s->last_ovfl) {
                        atomic_fetch_add(in->c_kernel, (uint64_t)(uint32_t)(ov - s->last_ovfl));
                        s->last_ovfl = ov;
                    }
                }
            }
            size_t len = in->hdrs[i].msg_len;
            if (len == 0) {
                atomic_fetch_add(in->c_empty, 1);
                continue;
            }
            if (mh->msg_flags & MSG_TRUNC) {
                atomic_fetch_add(in->c_truncated, 1);
            }
            in->msgs[n] = in->h->msg_new(in->ctx, in->iov[i].iov_base, len,
                                         (struct sockaddr *)&in->addrs[i], mh->msg_namelen);
            in->keys[n] = peer_key(&in->addrs[i]);
            n++;
        }
        atomic_fetch_add(in->c_received, (uint64_t)n);
        if (n > 0 && submit_grouped(in, n) != 0) {
            return SL_ESHUTDOWN;
        }
        if ((size_t)got < in->batch) {
            return 0;
        }
    }
    return 0;
}

static int imudp_run(void *inst)
{
    struct imudp_inst *in = inst;
    struct epoll_event evs[MAX_SOCKS + 1];

    while (!atomic_load(&in->stopping)) {
        int n = epoll_wait(in->epfd, evs, MAX_SOCKS + 1, 1000);
        if (n < 0) {
            if (errno == EINTR) {
                continue;
            }
            in->h->log(SL_LOG_ERR, "imudp", "imudp: epoll_wait failed: %s", strerror(errno));
            return SL_EIO;
        }
        for (int i = 0; i < n && !atomic_load(&in->stopping); i++) {
            struct usock *s = evs[i].data.ptr;
            if (!s->is_stop && read_socket(in, s) != 0) {
                atomic_store(&in->stopping, 1);
            }
        }
    }
    return 0;
}

static void imudp_stop(void *inst)
{
    struct imudp_inst *in = inst;
    atomic_store(&in->stopping, 1);
    if (in->stop_obj.fd >= 0) {
        uint64_t one = 1;
        ssize_t w = write(in->stop_obj.fd, &one, sizeof one);
        (void)w;
    }
}

static void imudp_destroy(void *inst)
{
    struct imudp_inst *in = inst;
    for (size_t i = 0; i < in->nsock; i++) {
        close(in->socks[i].fd);
    }
    in->nsock = 0;
    if (in->epfd >= 0) {
        close(in->epfd);
        in->epfd = -1;
    }
    if (in->stop_obj.fd >= 0) {
        close(in->stop_obj.fd);
        in->stop_obj.fd = -1;
    }
    free(in->bufs);
    free(in->hdrs);
    free(in->iov);
    free(in->addrs);
    free(in->ctrl);
    free(in->msgs);
    free(in->run_buf);
    free(in->keys);
    free(in->done);
    in->bufs = NULL;
    in->hdrs = NULL;
    in->iov = NULL;
    in->addrs = NULL;
    in->ctrl = NULL;
    in->msgs = NULL;
    in->run_buf = NULL;
    in->keys = NULL;
    in->done = NULL;
}

static const struct sl_input_ops imudp_ops = {
    .create = imudp_create,
    .open = imudp_open,
    .run = imudp_run,
    .stop = imudp_stop,
    .destroy = imudp_destroy,
};

/* rsyslog's imudp set has "disallowed" (its sender ACLs; sluice has none: always 0) */
static const char *const imudp_stats_counters[] = { "disallowed", NULL };

SL_PLUGIN_DEFINE(imudp) = {
    SL_PLUGIN_HEADER(imudp),
    .kinds = SL_INPUT,
    .flags = SL_PF_NO_DELAY | SL_PF_PRE_PRIVDROP_OPEN,
    .module_params = mod_params,
    .inst_params = inst_params,
    .mod_size = sizeof(struct imudp_mod),
    .inst_size = sizeof(struct imudp_inst),
    .wrk_size = 0,
    .in = &imudp_ops,
    .stats_set = "%n(%a/%p/IPv4)",
    .stats_counters = imudp_stats_counters,
};
