/*
 * imudp.c - the imudp input plugin: syslog over UDP, compatible with rsyslog 8.2302's imudp.
 *
 * The sockets are plugins/common/sl_udp.c's: open() binds one socket per (port, address)
 * pair (IPv4 and IPv6; "0" picks a free port), once per receive thread with SO_REUSEPORT
 * when there is more than one; each thread reads with recvmmsg() in batches of batchSize
 * datagrams.  Per batch one message per datagram (with the peer address) is created and
 * submitted: datagrams of the same peer go in one submit with flow_key = hash(peer address,
 * port), so one sender's datagrams keep their order (a batch from a single sender is a
 * single submit; a batch mixing peers is one submit per peer, each in arrival order; with
 * several threads the kernel hands one sender to one socket, so to one thread).  The input
 * is SL_PF_NO_DELAY: when the queue is full, submit drops and the drops are counted.
 *
 * Threads (ABI 1.4, SL_PF_THREADED): rsyslog's module parameter threads= (default 1) is the
 * number of receive threads of every imudp input; input(threads=N) (sluice only) sets it
 * per input.  The core starts that many run_thread() threads; open() prepared as many
 * socket sets, by the same rule.
 *
 * As rsyslog does: empty datagrams are dropped (counted), datagrams longer than
 * global(maxMessageSize) are truncated to it (counted), the datagram is handed over as-is.
 * Kernel receive-queue drops are counted via SO_RXQ_OVFL.
 * Senders not in the legacy $AllowedSender UDP list (plugins/common/sl_acl.c) are dropped,
 * counted (disallowed) and logged as rsyslog does.
 * Counters (owner "imudp", set "imudp(ADDR:PORT)", ADDR "*" when unset): received,
 * submitted, dropped, empty, truncated, kernel.dropped, disallowed, ratelimit.discarded,
 * batch.reads (recvmmsg calls that returned datagrams), batch.waits (coalescing sleeps).
 *
 * Parameters (rsyslog's names and defaults).  Module: threads (1), batchSize (32, capped at
 * 128), batchWait (sluice only, microseconds, default 1000, 0..100000: batch coalescing in
 * sl_udp.c, a receive thread that drained its sockets while datagrams keep arriving sleeps
 * up to that long, sized from the rate, before it polls again; 0: rsyslog's read at once),
 * schedulingPolicy + schedulingPriority (checked in mod_init() as rsyslog's
 * checkSchedParam: one without the other, an unknown policy or a priority out of the
 * policy's range is an error rsyslog runs past, the settings ignored; valid, every receive
 * thread calls pthread_setschedparam(), a failure logged and ignored); accepted but
 * ignored: timeRequery, preserveCase.  Input: port (array, "514"), address (all), rcvbufSize (SO_RCVBUFFORCE when
 * permitted, else SO_RCVBUF, with a warning when the kernel grants less), ipFreeBind (2:
 * on), device (SO_BINDTODEVICE), threads (sluice only: the module's by default),
 * rateLimit.interval (0: off) and rateLimit.burst (10000) per input (rsyslog's Linux-like
 * limiter, dropped datagrams counted as ratelimit.discarded), name.appendPort (off; the
 * core names the input NAME followed by its port= text, e.g. "udp514"; its deprecated
 * forms inputname and inputname.appendPort are read the same way, with rsyslog's error);
 * accepted but ignored: defaultTZ, preserveCase.  Because this plugin declares
 * name.appendPort, the core makes an input with several ports one input per port, with or
 * without it (rsyslog's listeners: each its own rate limiter and statistics object), see
 * build_inputs() in core/engine_build.c (an instance sees several ports only when it is
 * created directly, as the unit tests do).
 *
 * Ownership: the instance block belongs to the core; the listener (sl_udp) is owned by the
 * instance and released by destroy().
 *
 * Concurrency & locking: create/open/destroy run on the main thread, run_thread() on the
 * core's input threads (each with its own buffers inside sl_udp_run and its own message
 * arrays on its stack); stop() only signals the listener.  The counters are atomic; nothing
 * else is shared between the threads.
 */
#include "config.h"

#include <netdb.h>
#include <pthread.h>
#include <sched.h>
#include <strings.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "sluice/sl_plugin.h"
#include "sl_acl.h"
#include "sl_ratelimit.h"
#include "sl_udp.h"
#include "imudp.h"

#define MAX_BATCH SL_UDP_MAX_BATCH
#define MAX_THREADS 64
/* batchWait's default, microseconds (see sl_udp.h: the wait is sized from the rate) */
#define BATCH_WAIT_DEFAULT "1000"

struct imudp_mod {
    int64_t threads;
    int64_t batch_size;
    int64_t batch_wait;                 /* sluice only: coalescing, microseconds */
    int64_t time_requery;
    char *sched_policy;
    int64_t sched_priority;
    int preserve_case;
    /* set by mod_init(): the scheduling the receive threads take (sched_set 0: none) */
    int sched_set, sched_pol;
};

/* rsyslog's SCHED_PRIO_UNSET: schedulingPriority's default, meaning "not given" */
#define SCHED_PRIO_UNSET (-12345678)

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
    char *inputname;                    /* deprecated name= (the core reads both) */
    int inputname_append_port;          /* deprecated name.appendPort */
    int preserve_case;
    int64_t threads;                    /* 0: the module's threads= */
    int sched_set, sched_pol, sched_prio;  /* the module's, see imudp_mod_init() */

    /* ---- runtime ---- */
    const struct sl_host *h;
    struct sl_input_ctx *ctx;
    size_t max_msg;
    size_t batch;
    unsigned batch_wait_us;             /* the module's batchWait */
    unsigned nthreads;
    char label[96];                     /* counter set "imudp(ADDR:PORT)" */
    struct sl_udp *udp;
    struct sl_acl *acl;                 /* $AllowedSender UDP (NULL: everyone) */

    _Atomic uint64_t *c_disallowed, *c_received, *c_submitted, *c_dropped, *c_empty, *c_truncated,
                     *c_kernel, *c_ratelimit, *c_reads, *c_waits;

    /* rateLimit.interval/burst: rsyslog's Linux-like limiter, one per input, under rl_lock */
    pthread_mutex_t rl_lock;
    int rl_ready;
    struct sl_ratelimit_state rl;
};

#define MOFF(f) offsetof(struct imudp_mod, f)
#define IOFF(f) offsetof(struct imudp_inst, f)

static const struct sl_param mod_params[] = {
    { "threads", SL_PT_POSINT, 0, MOFF(threads), "1", NULL, NULL,
      "receive threads of every imudp input" },
    { "batchSize", SL_PT_INT, 0, MOFF(batch_size), "32", NULL, NULL, NULL },
    { "batchWait", SL_PT_INT, 0, MOFF(batch_wait), BATCH_WAIT_DEFAULT, NULL, NULL,
      "sluice only: microseconds a receive thread may wait for a fuller batch while "
      "datagrams keep coming (0..100000; 0: read at once, as rsyslog)" },
    { "timeRequery", SL_PT_INT, SL_P_IGNORED, MOFF(time_requery), "2", NULL, NULL, NULL },
    { "schedulingPolicy", SL_PT_WORD, 0, MOFF(sched_policy), NULL, NULL, NULL,
      "fifo, rr or other: the receive threads' scheduling policy (with schedulingPriority)" },
    { "schedulingPriority", SL_PT_INT, 0, MOFF(sched_priority), "-12345678", NULL, NULL,
      "the receive threads' priority in that policy (-12345678, rsyslog's default: unset)" },
    { "preserveCase", SL_PT_BOOL, SL_P_IGNORED, MOFF(preserve_case), "off", NULL, NULL, NULL },
    SL_PARAM_END
};

static const struct sl_param inst_params[] = {
    { "port", SL_PT_ARRAY, 0, IOFF(port), "514", NULL, "$UDPServerRun", NULL },
    { "address", SL_PT_STRING, 0, IOFF(address), NULL, NULL, NULL, NULL },
    { "rcvbufSize", SL_PT_SIZE, 0, IOFF(rcvbuf), "0", NULL, NULL, NULL },
    { "ipFreeBind", SL_PT_INT, 0, IOFF(freebind), "2", NULL, NULL, NULL },
    { "device", SL_PT_STRING, 0, IOFF(device), NULL, NULL, NULL, NULL },
    /* any integer, as rsyslog accepts; rsyslog keeps a negative value as a huge unsigned
     * window (after the burst, the input drops everything for ~136 years): a value <= 0
     * here means no limit, since matching that would only lose data */
    { "rateLimit.interval", SL_PT_INT, 0, IOFF(rl_interval), "0", NULL, NULL,
      "seconds of a rate-limit window (0 or less: no limit)" },
    { "rateLimit.burst", SL_PT_INT, 0, IOFF(rl_burst), "10000", NULL, NULL,
      "datagrams let through per window; the rest are dropped (ratelimit.discarded)" },
    { "defaultTZ", SL_PT_STRING, SL_P_IGNORED, IOFF(default_tz), NULL, NULL, NULL, NULL },
    /* acted on by the core (the inputname; one input per port), see the top */
    { "name.appendPort", SL_PT_BOOL, 0, IOFF(name_append_port), "off", NULL, NULL,
      "append the port to the input name (\"udp514\"), per port" },
    /* rsyslog's deprecated forms ("deprecated but accepted", an error it runs past); the
     * core reads them like name= and name.appendPort and rejects a pair given together */
    { "inputname", SL_PT_WORD, SL_P_DEPRECATED_ERROR, IOFF(inputname), NULL, NULL, NULL,
      "deprecated form of name=" },
    { "inputname.appendPort", SL_PT_BOOL, SL_P_DEPRECATED_ERROR, IOFF(inputname_append_port),
      "off", NULL, NULL, "deprecated form of name.appendPort" },
    { "preserveCase", SL_PT_BOOL, SL_P_IGNORED, IOFF(preserve_case), "off", NULL, NULL, NULL },
    /* the core binds threads= for SL_PF_THREADED inputs too (same rule: the module's when
     * not given); the plugin reads it to bind as many socket sets in open() */
    { "threads", SL_PT_POSINT, 0, IOFF(threads), NULL, NULL, NULL,
      "receive threads of this input (sluice only; default: the module's threads=)" },
    SL_PARAM_END
};

int sl_imudp_socket_count(const void *inst)
{
    const struct imudp_inst *in = inst;
    return (int)sl_udp_listener_count(in->udp);
}

int sl_imudp_bound_port(const void *inst, int i)
{
    const struct imudp_inst *in = inst;
    return i >= 0 ? sl_udp_bound_port(in->udp, (size_t)i) : -1;
}

unsigned sl_imudp_threads(const void *inst)
{
    const struct imudp_inst *in = inst;
    return in->nthreads;
}

/* rsyslog 8.2302's checkSchedParam(): an error it runs past (the settings ignored) when
 * only one of the two is given, the policy is unknown or the priority out of its range;
 * logged as errors, which the core counts for -N1. */
static int imudp_mod_init(const struct sl_host *h, void *modconf)
{
    struct imudp_mod *m = modconf;
    const char *pol = m->sched_policy;
    int have_prio = m->sched_priority != SCHED_PRIO_UNSET;
    m->sched_set = 0;
    if (pol == NULL && !have_prio) {
        return 0;
    }
    if (pol == NULL || !have_prio) {
        h->log(SL_LOG_ERR, "imudp", "imudp: scheduling %s set, but without %s - ignoring "
               "settings", pol != NULL ? "policy" : "priority", pol != NULL ? "priority" : "policy");
        return 0;
    }
    if (strcasecmp(pol, "fifo") == 0) {
        m->sched_pol = SCHED_FIFO;
    } else if (strcasecmp(pol, "rr") == 0) {
        m->sched_pol = SCHED_RR;
    } else if (strcasecmp(pol, "other") == 0) {
        m->sched_pol = SCHED_OTHER;
    } else {
        h->log(SL_LOG_ERR, "imudp", "imudp: invalid scheduling policy '%s' - ignoring setting",
               pol);
        return 0;
    }
    int lo = sched_get_priority_min(m->sched_pol), hi = sched_get_priority_max(m->sched_pol);
    if (m->sched_priority < lo || m->sched_priority > hi) {
        h->log(SL_LOG_ERR, "imudp", "imudp: scheduling priority %lld out of range (%d - %d) "
               "for scheduling policy '%s' - ignoring settings", (long long)m->sched_priority,
               lo, hi, pol);
        return 0;
    }
    m->sched_set = 1;
    return 0;
}

static int imudp_create(void *inst, void *modconf, const struct sl_host *h,
                        struct sl_input_ctx *ctx)
{
    struct imudp_inst *in = inst;
    const struct imudp_mod *m = modconf;

    in->h = h;
    in->ctx = ctx;
    int64_t bs = m != NULL ? m->batch_size : 32;
    if (bs < 1) {
        /* any integer for rsyslog, whose recvmmsg() then takes nothing (0) or whose buffers
         * cannot be allocated (negative): it receives nothing */
        h->log(SL_LOG_WARNING, "imudp", "imudp: batchSize=%lld: rsyslog 8.2302 receives "
               "nothing with it; sluice uses 32", (long long)bs);
        bs = 32;
    }
    in->batch = (size_t)(bs > MAX_BATCH ? MAX_BATCH : bs);
    int64_t bw = m != NULL ? m->batch_wait : 0;
    if (bw < 0 || bw > 100000) {
        h->log(SL_LOG_ERR, "imudp", "imudp: batchWait=%lld out of range (0..100000 "
               "microseconds)", (long long)bw);
        return SL_ECONFIG;
    }
    in->batch_wait_us = (unsigned)bw;
    int64_t nt = in->threads > 0 ? in->threads : m != NULL && m->threads > 0 ? m->threads : 1;
    if (nt > MAX_THREADS) {
        h->log(SL_LOG_ERR, "imudp", "imudp: threads=%lld is more than %d", (long long)nt,
               MAX_THREADS);
        return SL_ECONFIG;
    }
    in->nthreads = (unsigned)nt;
    if (m != NULL && m->sched_set) {
        in->sched_set = 1;
        in->sched_pol = m->sched_pol;
        in->sched_prio = (int)m->sched_priority;
    }
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
    /* The plugin's own counters, in a set keyed by owner and listener (not "port N",
     * which imtcp on the same port number would share). */
    snprintf(in->label, sizeof in->label, "imudp(%s:%s)",
             in->address != NULL && *in->address != '\0' ? in->address : "*",
             in->port.n > 0 ? in->port.v[0] : "514");
    if (h->struct_size >= offsetof(struct sl_host, global_str) + sizeof h->global_str &&
        h->global_str != NULL) {
        in->acl = sl_acl_new(h->global_str("$AllowedSender.UDP"));
    }
    in->c_disallowed = h->counter("imudp", in->label, "disallowed");
    in->c_received = h->counter("imudp", in->label, "received");
    in->c_submitted = h->counter("imudp", in->label, "submitted");
    in->c_dropped = h->counter("imudp", in->label, "dropped");
    in->c_empty = h->counter("imudp", in->label, "empty");
    in->c_truncated = h->counter("imudp", in->label, "truncated");
    in->c_kernel = h->counter("imudp", in->label, "kernel.dropped");
    in->c_ratelimit = h->counter("imudp", in->label, "ratelimit.discarded");
    in->c_reads = h->counter("imudp", in->label, "batch.reads");
    in->c_waits = h->counter("imudp", in->label, "batch.waits");
    if (sl_ratelimit_on(in->rl_interval, in->rl_burst)) {
        pthread_mutex_init(&in->rl_lock, NULL);
        in->rl_ready = 1;
    }
    return 0;
}

static int imudp_open(void *inst)
{
    struct imudp_inst *in = inst;
    struct sl_udp_opts o = {
        .who = "imudp",
        .address = in->address,
        .ports = (const char *const *)in->port.v,
        .nports = in->port.n,
        .nsets = in->nthreads,
        .rcvbuf = in->rcvbuf,
        .freebind = in->freebind != 0,   /* rsyslog: anything but 0 enables it */
        .device = in->device,
        .max_msg = in->max_msg,
        .batch = in->batch,
        .max_wait_us = in->batch_wait_us,
        .c_reads = in->c_reads,
        .c_waits = in->c_waits,
        .c_kernel = in->c_kernel,
        .c_empty = in->c_empty,
        .c_truncated = in->c_truncated,
    };
    return sl_udp_open(&in->udp, in->h, &o);
}

/* FNV-1a over the peer's address and port: one sender, one flow. */
static uint64_t peer_key(const struct sockaddr *sa)
{
    unsigned char tmp[18];
    size_t n;
    if (sa->sa_family == AF_INET) {
        const struct sockaddr_in *s4 = (const struct sockaddr_in *)(const void *)sa;
        memcpy(tmp, &s4->sin_addr, 4);
        memcpy(tmp + 4, &s4->sin_port, 2);
        n = 6;
    } else if (sa->sa_family == AF_INET6) {
        const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)(const void *)sa;
        memcpy(tmp, &s6->sin6_addr, 16);
        memcpy(tmp + 16, &s6->sin6_port, 2);
        n = 18;
    } else {
        n = 0;
    }
    uint64_t hsh = 1469598103934665603ULL;
    for (size_t i = 0; i < n; i++) {
        hsh ^= tmp[i];
        hsh *= 1099511628211ULL;
    }
    return hsh;
}

/* $AllowedSender UDP, as rsyslog 8.2302's imudp: the address is checked; a refused
 * datagram is counted and dropped, and logged when the sender is not the one logged last
 * on this thread (rsyslog logs once per change of sender).  A sender that only a host-name
 * entry could allow is let in: rsyslog defers that check to its main queue, where 8.2302
 * never drops the message (seen with rsyslogd: tests/diff/allowed-sender.sh), and sluice
 * gives the same output. */
static int permitted(struct imudp_inst *in, const struct sockaddr *peer, socklen_t plen)
{
    static __thread struct sockaddr_storage last;
    if (sl_acl_check(in->acl, peer, NULL) != 0) {
        return 1;
    }
    atomic_fetch_add(in->c_disallowed, 1);
    if ((size_t)plen <= sizeof last && memcmp(&last, peer, (size_t)plen) != 0) {
        memcpy(&last, peer, (size_t)plen);
        in->h->log(SL_LOG_ERR, "imudp", "imudp: UDP message from disallowed sender discarded");
    }
    return 0;
}

/* rateLimit.interval/burst as rsyslog's Linux-like limiter (sl_ratelimit.h): the dropped
 * datagrams are counted (rsyslog 8.2302's imudp logs nothing for them, checked with
 * rsyslogd). */
static int rl_pass(struct imudp_inst *in)
{
    time_t now = time(NULL);
    pthread_mutex_lock(&in->rl_lock);
    int ok = sl_ratelimit_pass(&in->rl, in->rl_interval, in->rl_burst, now);
    pthread_mutex_unlock(&in->rl_lock);
    if (!ok) {
        atomic_fetch_add(in->c_ratelimit, 1);
    }
    return ok;
}

/* One batch from sl_udp: a message per datagram, one submit per distinct peer in arrival
 * order.  Runs on the receiving thread; its arrays live on that thread's stack. */
static int on_batch(void *arg, const struct sl_udp_dgram *d, size_t n)
{
    struct imudp_inst *in = arg;
    struct sl_msg *msgs[MAX_BATCH], *run_buf[MAX_BATCH];
    uint64_t keys[MAX_BATCH];
    unsigned char done[MAX_BATCH];
    size_t m = 0;
    for (size_t i = 0; i < n; i++) {
        if (in->acl != NULL && !permitted(in, d[i].peer, d[i].peerlen)) {
            continue;
        }
        if (in->rl_ready && !rl_pass(in)) {
            continue;
        }
        msgs[m] = in->h->msg_new(in->ctx, d[i].data, d[i].len, d[i].peer, d[i].peerlen);
        keys[m++] = peer_key(d[i].peer);
    }
    atomic_fetch_add(in->c_received, (uint64_t)n);
    n = m;
    memset(done, 0, n);
    for (size_t i = 0; i < n; i++) {
        if (done[i]) {
            continue;
        }
        size_t k = 0;
        for (size_t j = i; j < n; j++) {
            if (!done[j] && keys[j] == keys[i]) {
                run_buf[k++] = msgs[j];
                done[j] = 1;
            }
        }
        int rc = in->h->submit(in->ctx, run_buf, k, keys[i]);
        if (rc < 0) {
            /* the core is stopping; the remaining messages still belong to us */
            for (size_t j = i + 1; j < n; j++) {
                if (!done[j]) {
                    in->h->msg_unref(msgs[j]);
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

static int imudp_run_thread(void *inst, unsigned index, unsigned nthreads)
{
    struct imudp_inst *in = inst;
    if (in->sched_set) {
        /* as rsyslog's setSchedParams(), on each receive thread */
        struct sched_param sp;
        memset(&sp, 0, sizeof sp);
        sp.sched_priority = in->sched_prio;
        int err = pthread_setschedparam(pthread_self(), in->sched_pol, &sp);
        if (err != 0) {
            in->h->log(SL_LOG_ERR, "imudp", "imudp: pthread_setschedparam() failed: %s - "
                       "ignoring", strerror(err));
        }
    }
    int rc = sl_udp_run(in->udp, index, nthreads, on_batch, in);
    return rc == SL_ESHUTDOWN ? 0 : rc;
}

static int imudp_run(void *inst)
{
    return imudp_run_thread(inst, 0, 1);
}

static void imudp_stop(void *inst)
{
    struct imudp_inst *in = inst;
    sl_udp_stop(in->udp);
}

static void imudp_destroy(void *inst)
{
    struct imudp_inst *in = inst;
    sl_udp_close(in->udp);
    in->udp = NULL;
    sl_acl_free(in->acl);
    in->acl = NULL;
    if (in->rl_ready) {
        pthread_mutex_destroy(&in->rl_lock);
        in->rl_ready = 0;
    }
}

static const struct sl_input_ops imudp_ops = {
    .create = imudp_create,
    .open = imudp_open,
    .run = imudp_run,
    .stop = imudp_stop,
    .destroy = imudp_destroy,
    .run_thread = imudp_run_thread,
};

/* rsyslog's imudp set has "disallowed" (its sender ACLs; sluice has none: always 0) */
static const char *const imudp_stats_counters[] = { "disallowed", NULL };

SL_PLUGIN_DEFINE(imudp) = {
    SL_PLUGIN_HEADER(imudp),
    .kinds = SL_INPUT,
    .flags = SL_PF_NO_DELAY | SL_PF_PRE_PRIVDROP_OPEN | SL_PF_THREADED,
    .module_params = mod_params,
    .inst_params = inst_params,
    .mod_size = sizeof(struct imudp_mod),
    .inst_size = sizeof(struct imudp_inst),
    .wrk_size = 0,
    .in = &imudp_ops,
    .mod_init = imudp_mod_init,
    .stats_set = "%n(%a/%p/IPv4)",
    .stats_counters = imudp_stats_counters,
};
