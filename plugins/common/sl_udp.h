/*
 * sl_udp.h - the UDP listener shared by the UDP inputs (imudp, imsnmptrap, imnetflow):
 * bind, receive buffer, SO_REUSEPORT socket sets for several receive threads, recvmmsg
 * batches, the kernel's drop counter (SO_RXQ_OVFL) and an eventfd stop.  Compiled into each
 * plugin that uses it (like sl_tls.c); not part of the plugin ABI.
 *
 * Use: sl_udp_open() in the plugin's open() (before privileges are dropped: it binds), then
 * sl_udp_run() from each input thread (run_thread(inst, index, nthreads)), sl_udp_stop()
 * from stop(), sl_udp_close() from destroy().  The callback gets each batch of datagrams
 * that one recvmmsg() returned (empty datagrams already dropped and counted); the data and
 * peer addresses are valid only during the call.
 *
 * Batch coalescing (max_wait_us > 0): a thread whose sockets were drained by a short batch
 * while datagrams are still arriving sleeps a short, bounded time before it polls again,
 * so that one wake-up (of this thread, then of the queue worker it submits to) carries a
 * batch rather than a few datagrams.  The sleep is sized from the arrival rate this thread
 * measured: long enough for about 3/4 of four batches (the next pass reads them with as
 * many recvmmsg calls, one callback each), at most max_wait_us, and so short that
 * the datagrams queued meanwhile fill at most a quarter of the receive buffer the kernel
 * granted; none at low rates (under 4 datagrams expected) or after an idle gap.
 *
 * Ownership: the listener owns its sockets, eventfd and per-thread buffers (allocated by
 * each sl_udp_run() call on its own thread, freed when it returns).  Counters passed in the
 * options belong to the caller (host->counter()).
 *
 * Concurrency & locking: open/close on the main thread; any number of sl_udp_run() at once,
 * each on its own thread with its own epoll set and buffers; stop() from any thread (it only
 * sets a flag and signals the eventfd every thread polls).  The per-socket drop counter
 * state is updated with compare-and-swap, as threads may share a socket.
 */
#ifndef SLUICE_SL_UDP_H
#define SLUICE_SL_UDP_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "sluice/sl_plugin.h"

struct sl_udp;

struct sl_udp_opts {
    const char *who;            /* name in log messages ("imudp") */
    const char *address;        /* NULL, "" or "*": every address (IPv4 and IPv6) */
    const char *const *ports;   /* nports ports or service names; "0" picks a free port */
    size_t nports;
    unsigned nsets;             /* socket sets: one per receive thread expected; > 1 binds
                                 * every listener nsets times with SO_REUSEPORT (0 = 1) */
    int64_t rcvbuf;             /* SO_RCVBUF(FORCE) bytes, 0 = the kernel's default; a
                                 * warning is logged when the kernel grants less */
    int freebind;               /* IP_FREEBIND */
    const char *device;         /* SO_BINDTODEVICE, NULL = none */
    size_t max_msg;             /* bytes per datagram buffer (longer ones are truncated) */
    size_t batch;               /* datagrams per recvmmsg (1..SL_UDP_MAX_BATCH) */
    unsigned max_wait_us;       /* batch coalescing (imudp's batchWait, sluice only): after
                                 * a pass that drained its sockets while datagrams keep
                                 * coming, sleep up to this long before the next epoll_wait
                                 * so the next recvmmsg returns a fuller batch; 0 = off (read
                                 * as soon as a socket is readable, as rsyslog does) */
    /* counters (may be NULL): kernel receive-queue drops, empty datagrams, truncated ones */
    _Atomic uint64_t *c_kernel, *c_empty, *c_truncated;
    /* (may be NULL) recvmmsg calls that returned datagrams; coalescing sleeps taken */
    _Atomic uint64_t *c_reads, *c_waits;
};

#define SL_UDP_MAX_BATCH 128
#define SL_UDP_MAX_LISTENERS 64

struct sl_udp_dgram {
    const char *data;
    size_t len;                 /* > 0 */
    const struct sockaddr *peer;
    socklen_t peerlen;
    int truncated;              /* longer than max_msg: data holds the first max_msg bytes */
    int local_port;             /* the port it arrived on */
};

/* Called with each batch (n >= 1) on the receiving thread.  Return 0 to go on, or a
 * negative SL_E* code: sl_udp_run() then stops every thread and returns that code. */
typedef int (*sl_udp_cb)(void *arg, const struct sl_udp_dgram *d, size_t n);

/* Binds every listener; logs and returns SL_EIO (nothing left open) on failure. */
int sl_udp_open(struct sl_udp **out, const struct sl_host *h, const struct sl_udp_opts *o);

/* Receive until sl_udp_stop(): thread `index` of `nthreads` serves the socket sets
 * index, index + nthreads, ... (with more threads than sets, set index % nsets, shared).
 * 0 after stop, SL_ENOMEM/SL_EIO, or the callback's error. */
int sl_udp_run(struct sl_udp *u, unsigned index, unsigned nthreads, sl_udp_cb cb, void *arg);

void sl_udp_stop(struct sl_udp *u);     /* any thread; every sl_udp_run() returns */
void sl_udp_close(struct sl_udp *u);    /* after every sl_udp_run() has returned; NULL ok */

size_t sl_udp_listener_count(const struct sl_udp *u);  /* listeners per set */
int sl_udp_bound_port(const struct sl_udp *u, size_t i); /* listener i's port, or -1 */
unsigned sl_udp_sets(const struct sl_udp *u);
/* The receive buffer the kernel granted listener i (getsockopt SO_RCVBUF), or -1. */
int sl_udp_rcvbuf(const struct sl_udp *u, size_t i);

#endif
