/*
 * test_sl_udp.c - the shared UDP listener (plugins/common/sl_udp.c) on its own, with real
 * sockets on 127.0.0.1 / ::1 and kernel-chosen ports: socket sets on one port
 * (SO_REUSEPORT), threads sharing a set, empty and truncated datagrams, the peer and local
 * port per datagram, the receive-buffer warning when the kernel grants less, stop from
 * another thread and a callback error ending every thread.  Logging goes to the fake host.
 *
 * Ownership: each test owns its listener and sockets; every wait is bounded.
 */
#include "config.h"

#include <arpa/inet.h>
#include <check.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "fakehost.h"
#include "sl_udp.h"

struct sink {
    _Atomic uint64_t n, bytes, v6, trunc;
    _Atomic int fail_after;     /* > 0: return SL_ESHUTDOWN once n reaches it */
    _Atomic int port_seen;
};

static int on_batch(void *arg, const struct sl_udp_dgram *d, size_t n)
{
    struct sink *s = arg;
    for (size_t i = 0; i < n; i++) {
        atomic_fetch_add(&s->n, 1);
        atomic_fetch_add(&s->bytes, d[i].len);
        if (d[i].peer->sa_family == AF_INET6) {
            atomic_fetch_add(&s->v6, 1);
        }
        if (d[i].truncated) {
            atomic_fetch_add(&s->trunc, 1);
        }
        atomic_store(&s->port_seen, d[i].local_port);
    }
    int fa = atomic_load(&s->fail_after);
    return fa > 0 && atomic_load(&s->n) >= (uint64_t)fa ? SL_ESHUTDOWN : 0;
}

struct runner {
    struct sl_udp *u;
    unsigned index, n;
    struct sink *sink;
    int rc;
    pthread_t th;
};

static void *run_main(void *arg)
{
    struct runner *r = arg;
    r->rc = sl_udp_run(r->u, r->index, r->n, on_batch, r->sink);
    return NULL;
}

static void start(struct runner *r, struct sl_udp *u, unsigned nthreads, struct sink *s)
{
    for (unsigned i = 0; i < nthreads; i++) {
        r[i] = (struct runner){ u, i, nthreads, s, 0, 0 };
        ck_assert_int_eq(pthread_create(&r[i].th, NULL, run_main, &r[i]), 0);
    }
}

static void join_all(struct runner *r, unsigned nthreads)
{
    for (unsigned i = 0; i < nthreads; i++) {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        ts.tv_sec += 5;
        ck_assert_int_eq(pthread_timedjoin_np(r[i].th, NULL, &ts), 0);
    }
}

static void send4(int port, const char *p, size_t n)
{
    int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    ck_assert_int_ge(fd, 0);
    struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ck_assert_int_eq(sendto(fd, p, n, 0, (struct sockaddr *)&sa, sizeof sa), (ssize_t)n);
    close(fd);
}

static int wait_n(struct sink *s, uint64_t n, int ms)
{
    for (int w = 0; w < ms; w += 5) {
        if (atomic_load(&s->n) >= n) {
            return 0;
        }
        usleep(5000);
    }
    return -1;
}

static struct sl_udp_opts opts(const char *addr, unsigned nsets)
{
    static const char *const port0[] = { "0" };
    struct sl_udp_opts o;
    memset(&o, 0, sizeof o);
    o.who = "test";
    o.address = addr;
    o.ports = port0;
    o.nports = 1;
    o.nsets = nsets;
    o.max_msg = 1024;
    o.batch = 16;
    return o;
}

START_TEST(sets_share_one_port)
{
    struct sl_udp_opts o = opts("127.0.0.1", 3);
    struct sl_udp *u;
    ck_assert_int_eq(sl_udp_open(&u, &fh_host, &o), 0);
    ck_assert_uint_eq(sl_udp_listener_count(u), 1);
    ck_assert_uint_eq(sl_udp_sets(u), 3);
    int port = sl_udp_bound_port(u, 0);
    ck_assert_int_gt(port, 0);
    ck_assert_int_eq(sl_udp_bound_port(u, 1), -1);
    /* a fourth socket without SO_REUSEPORT cannot take the port */
    int fd = socket(AF_INET, SOCK_DGRAM, 0);
    struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ck_assert_int_ne(bind(fd, (struct sockaddr *)&sa, sizeof sa), 0);
    close(fd);
    /* 3 threads, one set each; 40 senders spread over the sets by the kernel */
    struct sink s = { 0 };
    struct runner r[3];
    start(r, u, 3, &s);
    for (int i = 0; i < 40; i++) {
        send4(port, "hello", 5);
    }
    ck_assert_int_eq(wait_n(&s, 40, 5000), 0);
    usleep(50000);
    ck_assert_uint_eq(atomic_load(&s.n), 40);
    ck_assert_int_eq(atomic_load(&s.port_seen), port);
    sl_udp_stop(u);
    join_all(r, 3);
    for (int i = 0; i < 3; i++) {
        ck_assert_int_eq(r[i].rc, 0);
    }
    sl_udp_close(u);
}
END_TEST

START_TEST(threads_share_a_set)
{
    struct sl_udp_opts o = opts("127.0.0.1", 1);
    o.rcvbuf = 1 << 20;
    struct sl_udp *u;
    ck_assert_int_eq(sl_udp_open(&u, &fh_host, &o), 0);
    ck_assert_int_ge(sl_udp_rcvbuf(u, 0), 1 << 20);
    int port = sl_udp_bound_port(u, 0);
    struct sink s = { 0 };
    struct runner r[3];
    start(r, u, 3, &s);
    int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    for (int i = 0; i < 600; i++) {
        ck_assert_int_eq(sendto(fd, "0123456789", 10, 0, (struct sockaddr *)&sa, sizeof sa), 10);
    }
    ck_assert_int_eq(wait_n(&s, 600, 5000), 0);
    usleep(50000);
    ck_assert_uint_eq(atomic_load(&s.n), 600);     /* each datagram exactly once */
    ck_assert_uint_eq(atomic_load(&s.bytes), 6000);
    close(fd);
    sl_udp_stop(u);
    join_all(r, 3);
    sl_udp_close(u);
}
END_TEST

START_TEST(empty_truncated_and_ipv6)
{
    _Atomic uint64_t empty = 0, trunc = 0, kernel = 0;
    struct sl_udp_opts o = opts(NULL, 1);     /* every address: IPv4 and IPv6 */
    o.max_msg = 100;
    o.c_empty = &empty;
    o.c_truncated = &trunc;
    o.c_kernel = &kernel;
    struct sl_udp *u;
    ck_assert_int_eq(sl_udp_open(&u, &fh_host, &o), 0);
    size_t nl = sl_udp_listener_count(u);
    ck_assert_uint_ge(nl, 1);
    struct sink s = { 0 };
    struct runner r[1];
    start(r, u, 1, &s);
    int port6 = -1;
    int port4 = sl_udp_bound_port(u, 0);   /* getaddrinfo gives 0.0.0.0 first */
    send4(port4, "", 0);
    char big[300];
    memset(big, 'b', sizeof big);
    send4(port4, big, sizeof big);
    send4(port4, "ok", 2);
    ck_assert_int_eq(wait_n(&s, 2, 5000), 0);
    for (int w = 0; w < 100 && atomic_load(&empty) == 0; w++) {
        usleep(10000);
    }
    ck_assert_uint_eq(atomic_load(&empty), 1);
    ck_assert_uint_eq(atomic_load(&trunc), 1);
    ck_assert_uint_eq(atomic_load(&s.trunc), 1);
    ck_assert_uint_eq(atomic_load(&s.bytes), 102);   /* 100 of the big one + "ok" */
    /* IPv6 loopback, when the machine has it: the second listener of "*" port 0 */
    int fd6 = socket(AF_INET6, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    for (size_t i = 0; fd6 >= 0 && i < nl; i++) {
        struct sockaddr_in6 sa6 = { .sin6_family = AF_INET6,
                                    .sin6_port = htons((uint16_t)sl_udp_bound_port(u, i)) };
        sa6.sin6_addr = in6addr_loopback;
        port6 = sl_udp_bound_port(u, i);
        if (sendto(fd6, "v6", 2, 0, (struct sockaddr *)&sa6, sizeof sa6) == 2 &&
            wait_n(&s, 3, 300) == 0) {
            break;
        }
        port6 = -1;
    }
    if (fd6 >= 0 && port6 > 0) {
        ck_assert_uint_eq(atomic_load(&s.v6), 1);
        ck_assert_int_eq(atomic_load(&s.port_seen), port6);
    }
    if (fd6 >= 0) {
        close(fd6);
    }
    sl_udp_stop(u);
    join_all(r, 1);
    sl_udp_close(u);
}
END_TEST

START_TEST(callback_error_stops_every_thread)
{
    struct sl_udp_opts o = opts("127.0.0.1", 2);
    struct sl_udp *u;
    ck_assert_int_eq(sl_udp_open(&u, &fh_host, &o), 0);
    struct sink s = { 0 };
    atomic_store(&s.fail_after, 1);
    struct runner r[2];
    start(r, u, 2, &s);
    send4(sl_udp_bound_port(u, 0), "x", 1);
    join_all(r, 2);     /* both end: the one that got it, and the other through stop */
    ck_assert(r[0].rc == SL_ESHUTDOWN || r[1].rc == SL_ESHUTDOWN);
    sl_udp_close(u);
}
END_TEST

START_TEST(busy_port_and_bad_address)
{
    struct sl_udp_opts o = opts("127.0.0.1", 1);
    struct sl_udp *u, *u2;
    ck_assert_int_eq(sl_udp_open(&u, &fh_host, &o), 0);
    char port[16];
    snprintf(port, sizeof port, "%d", sl_udp_bound_port(u, 0));
    const char *const ports[] = { port };
    o.ports = ports;
    ck_assert_int_eq(sl_udp_open(&u2, &fh_host, &o), SL_EIO);
    ck_assert_ptr_null(u2);
    ck_assert(strstr(fh_last_log, "could not create udp listener") != NULL);
    /* more sets: also refused, the first holds the port without SO_REUSEPORT */
    o.nsets = 2;
    ck_assert_int_eq(sl_udp_open(&u2, &fh_host, &o), SL_EIO);
    o = opts("no.such.host.invalid", 1);
    ck_assert_int_eq(sl_udp_open(&u2, &fh_host, &o), SL_EIO);
    ck_assert(strstr(fh_last_log, "cannot resolve") != NULL);
    sl_udp_close(u);
    sl_udp_close(NULL);
}
END_TEST

/* Without CAP_NET_ADMIN the kernel caps SO_RCVBUF at net.core.rmem_max: a warning says so. */
START_TEST(rcvbuf_capped_warns)
{
    if (geteuid() == 0) {
        /* as root SO_RCVBUFFORCE passes the cap: become nobody for this (forked) test */
        ck_assert_int_eq(setresgid(65534, 65534, 65534), 0);
        ck_assert_int_eq(setresuid(65534, 65534, 65534), 0);
    }
    FILE *f = fopen("/proc/sys/net/core/rmem_max", "r");
    long max = 0;
    if (f != NULL) {
        if (fscanf(f, "%ld", &max) != 1) {
            max = 0;
        }
        fclose(f);
    }
    ck_assert_int_gt(max, 0);
    struct sl_udp_opts o = opts("127.0.0.1", 1);
    o.rcvbuf = (int64_t)max * 4;
    int before = fh_log_count[SL_LOG_WARNING];
    struct sl_udp *u;
    ck_assert_int_eq(sl_udp_open(&u, &fh_host, &o), 0);
    ck_assert_int_eq(fh_log_count[SL_LOG_WARNING], before + 1);
    ck_assert_msg(strstr(fh_last_log, "limits the receive buffer") != NULL, "%s", fh_last_log);
    sl_udp_close(u);
    /* what the kernel grants: no warning */
    o.rcvbuf = max / 4;
    ck_assert_int_eq(sl_udp_open(&u, &fh_host, &o), 0);
    ck_assert_int_eq(fh_log_count[SL_LOG_WARNING], before + 1);
    sl_udp_close(u);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("sl_udp");
    TCase *tc = tcase_create("net");
    tcase_set_timeout(tc, 30);
    tcase_add_test(tc, sets_share_one_port);
    tcase_add_test(tc, threads_share_a_set);
    tcase_add_test(tc, empty_truncated_and_ipv6);
    tcase_add_test(tc, callback_error_stops_every_thread);
    tcase_add_test(tc, busy_port_and_bad_address);
    tcase_add_test(tc, rcvbuf_capped_warns);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
