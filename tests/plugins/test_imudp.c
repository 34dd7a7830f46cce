/*
 * test_imudp.c - plugin tests for imudp against the fake host, with real peers: logger(1)
 * over UDP and plain UDP sockets (empty and oversize datagrams, several senders).  All
 * traffic goes to 127.0.0.1 (and ::1 when available) on kernel-chosen ports (port "0").
 *
 * The instance is built as the core would: inst_size zeroed bytes filled from the plugin's
 * parameter table (defaults first, then the test's values), create(), open(), run() on a
 * thread, stop(), destroy().
 *
 * Ownership: each test owns its instance; parameter strings point to literals.  Every wait
 * is bounded.
 */
#include "config.h"

#include <check.h>
#include <errno.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "fakehost.h"
#include "plugparams.h"
#include "sluice/sl_plugin.h"
#include "../../plugins/imudp/imudp.h"

extern const struct sl_plugin sluice_plugin;
#define PLUGIN (&sluice_plugin)

/* parameter filling, as the core does it: tests/support/plugparams.c */

/* ---- an instance on its thread ---- */
struct tinst {
    void *mod, *inst;
    pthread_t th;
    int port;
    int no_thread;      /* set before start_inst(): open only, the test starts run() */
};

static void *run_thread(void *arg)
{
    struct tinst *t = arg;
    PLUGIN->in->run(t->inst);
    return NULL;
}

/* kv: NULL-terminated name/value pairs; names starting with "mod:" go to the module.
 * ports: NULL for one port "0", else the port array to use. */
static int start_inst(struct tinst *t, const char *const *kv, struct sl_strarr *ports)
{
    int no_thread = t->no_thread;
    memset(t, 0, sizeof *t);
    t->no_thread = no_thread;
    t->mod = pt_new_block(PLUGIN->module_params, PLUGIN->mod_size);
    t->inst = pt_new_block(PLUGIN->inst_params, PLUGIN->inst_size);
    pt_set_param(PLUGIN->inst_params, t->inst, "address", "127.0.0.1");
    const struct sl_param *pp = pt_find_param(PLUGIN->inst_params, "port");
    ck_assert(pp != NULL && pp->type == SL_PT_ARRAY);
    if (ports != NULL) {
        memcpy((char *)t->inst + pp->offset, ports, sizeof *ports);
    } else {
        pt_set_param(PLUGIN->inst_params, t->inst, "port", "0");
    }
    for (size_t i = 0; kv != NULL && kv[i] != NULL; i += 2) {
        if (strncmp(kv[i], "mod:", 4) == 0) {
            pt_set_param(PLUGIN->module_params, t->mod, kv[i] + 4, kv[i + 1]);
        } else {
            pt_set_param(PLUGIN->inst_params, t->inst, kv[i], kv[i + 1]);
        }
    }
    int rc = PLUGIN->in->create(t->inst, t->mod, &fh_host, NULL);
    if (rc != 0) {
        return rc;
    }
    rc = PLUGIN->in->open(t->inst);
    if (rc != 0) {
        return rc;
    }
    t->port = sl_imudp_bound_port(t->inst, 0);
    ck_assert_int_gt(t->port, 0);
    if (!t->no_thread) {
        ck_assert_int_eq(pthread_create(&t->th, NULL, run_thread, t), 0);
    }
    return 0;
}

static void stop_inst(struct tinst *t)
{
    PLUGIN->in->stop(t->inst);
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    ts.tv_sec += 5;
    ck_assert_int_eq(pthread_timedjoin_np(t->th, NULL, &ts), 0);
    PLUGIN->in->destroy(t->inst);
    free(t->inst);
    free(t->mod);
}

/* ---- peers ---- */
static int udp_sock(void)
{
    int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    ck_assert_int_ge(fd, 0);
    return fd;
}

static void send_to(int fd, int port, const char *p, size_t n)
{
    struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ck_assert_int_eq(sendto(fd, p, n, 0, (struct sockaddr *)&sa, sizeof sa), (ssize_t)n);
}

static int wait_pid(pid_t pid, int timeout_ms)
{
    for (int w = 0; w <= timeout_ms; w += 5) {
        int st;
        pid_t r = waitpid(pid, &st, WNOHANG);
        if (r == pid) {
            return WIFEXITED(st) ? WEXITSTATUS(st) : 128;
        }
        struct timespec ts = { 0, 5000000 };
        nanosleep(&ts, NULL);
    }
    return -1;
}

static void run_logger(int port, const char *const *args)
{
    char portstr[16];
    const char *argv[32];
    size_t k = 0;
    snprintf(portstr, sizeof portstr, "%d", port);
    argv[k++] = "logger";
    argv[k++] = "-n";
    argv[k++] = "127.0.0.1";
    argv[k++] = "-P";
    argv[k++] = portstr;
    argv[k++] = "-d";
    for (size_t i = 0; args[i] != NULL && k < 31; i++) {
        argv[k++] = args[i];
    }
    argv[k] = NULL;
    pid_t pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        execvp("logger", (char *const *)argv);
        _exit(127);
    }
    int st = wait_pid(pid, 20000);
    if (st < 0) {
        kill(pid, SIGKILL);
        waitpid(pid, NULL, 0);
    }
    ck_assert_int_eq(st, 0);
}

static void setup(void)
{
    fh_reset();
    fh_block_when_full = 0;
    fh_max_msg_size = 8096;
}

/* ---- tests ---- */
START_TEST(test_logger)
{
    struct tinst t = { 0 };
    ck_assert_int_eq(start_inst(&t, NULL, NULL), 0);
    const char *a1[] = { "--rfc3164", "-t", "app", "hello udp", NULL };
    run_logger(t.port, a1);
    ck_assert_int_eq(fh_wait_count(1, 5000), 0);
    const char *a2[] = { "--rfc5424", "-t", "app", "hello 5424", NULL };
    run_logger(t.port, a2);
    ck_assert_int_eq(fh_wait_count(2, 5000), 0);
    struct sl_msg *m = fh_get(0);
    ck_assert_msg(m->len > 14 && strcmp(m->raw + m->len - 14, "app: hello udp") == 0, "got %s",
                  m->raw);
    ck_assert(m->raw[0] == '<');
    m = fh_get(1);
    ck_assert(strncmp(m->raw, "<13>1 ", 6) == 0);
    ck_assert(strstr(m->raw, "hello 5424") != NULL);
    const struct sockaddr_in *sin = (const struct sockaddr_in *)&fh_get(0)->peer;
    ck_assert_int_eq(sin->sin_family, AF_INET);
    ck_assert_uint_eq(ntohl(sin->sin_addr.s_addr), INADDR_LOOPBACK);
    ck_assert_uint_eq(fh_counter_value("received"), 2);
    stop_inst(&t);
}
END_TEST

/* One logger sending a numbered file: every datagram, in order, one flow key. */
START_TEST(test_logger_file_order)
{
    enum { NLINES = 3000 };
    struct tinst t = { 0 };
    const char *kv[] = { "rcvbufSize", "16777216", "mod:batchSize", "64", NULL };
    ck_assert_int_eq(start_inst(&t, kv, NULL), 0);
    char path[64];
    snprintf(path, sizeof path, "/tmp/sl_imudp_test_%d.txt", (int)getpid());
    FILE *fp = fopen(path, "w");
    ck_assert(fp != NULL);
    for (int i = 0; i < NLINES; i++) {
        fprintf(fp, "seq %d\n", i);
    }
    fclose(fp);
    const char *args[] = { "--rfc3164", "-t", "ord", "-f", path, NULL };
    run_logger(t.port, args);
    unlink(path);
    ck_assert_int_eq(fh_wait_count(NLINES, 10000), 0);
    ck_assert_int_eq(fh_count(), NLINES);
    ck_assert_uint_eq(fh_counter_value("kernel.dropped"), 0);
    uint64_t key = fh_get(0)->flow_key;
    for (int i = 0; i < NLINES; i++) {
        struct sl_msg *m = fh_get((size_t)i);
        const char *sq = strstr(m->raw, "ord: seq ");
        ck_assert_msg(sq != NULL, "got %s", m->raw);
        ck_assert_int_eq(atoi(sq + 9), i);
        ck_assert(m->flow_key == key);
    }
    stop_inst(&t);
}
END_TEST

START_TEST(test_empty_and_oversize)
{
    struct tinst t = { 0 };
    fh_max_msg_size = 8096;
    ck_assert_int_eq(start_inst(&t, NULL, NULL), 0);
    int fd = udp_sock();
    char *big = malloc(9000);
    for (int i = 0; i < 9000; i++) {
        big[i] = (char)('a' + i % 26);
    }
    send_to(fd, t.port, "", 0);
    send_to(fd, t.port, big, 9000);
    send_to(fd, t.port, big, 8096);
    send_to(fd, t.port, "udp\n", 4);
    ck_assert_int_eq(fh_wait_count(3, 5000), 0);
    usleep(50000);
    ck_assert_int_eq(fh_count(), 3);
    /* rsyslog 8.2302: 9000 bytes arrive as the first 8096, the datagram as-is otherwise */
    ck_assert_int_eq(fh_get(0)->len, 8096);
    ck_assert(memcmp(fh_get(0)->raw, big, 8096) == 0);
    ck_assert_int_eq(fh_get(1)->len, 8096);
    ck_assert_int_eq(fh_get(2)->len, 4);
    ck_assert_str_eq(fh_get(2)->raw, "udp\n");
    ck_assert_uint_eq(fh_counter_value("empty"), 1);
    ck_assert_uint_eq(fh_counter_value("truncated"), 1);
    ck_assert_uint_eq(fh_counter_value("received"), 3);
    free(big);
    close(fd);
    stop_inst(&t);
}
END_TEST

START_TEST(test_several_ports)
{
    struct tinst t = { 0 };
    static char p0[] = "0", p1[] = "0";
    static char *pv[] = { p0, p1 };
    struct sl_strarr ports = { 2, pv };
    ck_assert_int_eq(start_inst(&t, NULL, &ports), 0);
    ck_assert_int_eq(sl_imudp_socket_count(t.inst), 2);
    int port2 = sl_imudp_bound_port(t.inst, 1);
    ck_assert_int_gt(port2, 0);
    ck_assert_int_ne(port2, t.port);
    int fd = udp_sock();
    send_to(fd, t.port, "to first", 8);
    send_to(fd, port2, "to second", 9);
    ck_assert_int_eq(fh_wait_count(2, 5000), 0);
    int seen1 = 0, seen2 = 0;
    for (size_t i = 0; i < fh_count(); i++) {
        seen1 |= strcmp(fh_get(i)->raw, "to first") == 0;
        seen2 |= strcmp(fh_get(i)->raw, "to second") == 0;
    }
    ck_assert(seen1 && seen2);
    close(fd);
    stop_inst(&t);
}
END_TEST

START_TEST(test_ipv6)
{
    int probe = socket(AF_INET6, SOCK_DGRAM, 0);
    struct sockaddr_in6 sa = { .sin6_family = AF_INET6, .sin6_addr = IN6ADDR_LOOPBACK_INIT };
    if (probe < 0 || bind(probe, (struct sockaddr *)&sa, sizeof sa) != 0) {
        if (probe >= 0) {
            close(probe);
        }
        return; /* no IPv6 loopback on this machine */
    }
    close(probe);
    struct tinst t = { 0 };
    const char *kv[] = { "address", "::1", NULL };
    ck_assert_int_eq(start_inst(&t, kv, NULL), 0);
    int fd = socket(AF_INET6, SOCK_DGRAM, 0);
    sa.sin6_port = htons((uint16_t)t.port);
    ck_assert_int_eq(sendto(fd, "v6", 2, 0, (struct sockaddr *)&sa, sizeof sa), 2);
    ck_assert_int_eq(fh_wait_count(1, 5000), 0);
    ck_assert_str_eq(fh_get(0)->raw, "v6");
    ck_assert_int_eq(fh_get(0)->peer.ss_family, AF_INET6);
    close(fd);
    stop_inst(&t);
}
END_TEST

/* NO_DELAY: a full queue drops, counted; the input goes on once the queue has room. */
START_TEST(test_queue_full_drops)
{
    struct tinst t = { 0 };
    ck_assert_int_eq(start_inst(&t, NULL, NULL), 0);
    int fd = udp_sock();
    fh_queue_full = 1;
    for (int i = 0; i < 10; i++) {
        send_to(fd, t.port, "lost", 4);
    }
    for (int w = 0; w < 500 && fh_counter_value("dropped") < 10; w++) {
        usleep(10000);
    }
    ck_assert_uint_eq(fh_counter_value("dropped"), 10);
    ck_assert_int_eq(fh_cap.dropped, 10);
    ck_assert_int_eq(fh_count(), 0);
    fh_queue_full = 0;
    send_to(fd, t.port, "kept", 4);
    ck_assert_int_eq(fh_wait_count(1, 5000), 0);
    ck_assert_str_eq(fh_get(0)->raw, "kept");
    close(fd);
    stop_inst(&t);
}
END_TEST

/* Interleaved senders: per-sender order and one stable flow key per sender. */
START_TEST(test_senders_keep_order)
{
    enum { NS = 3, N = 400 };
    struct tinst t = { 0 };
    const char *kv[] = { "rcvbufSize", "8388608", NULL };
    ck_assert_int_eq(start_inst(&t, kv, NULL), 0);
    int fds[NS];
    for (int s = 0; s < NS; s++) {
        fds[s] = udp_sock();
    }
    char buf[64];
    for (int i = 0; i < N; i++) {
        for (int s = 0; s < NS; s++) {
            int n = snprintf(buf, sizeof buf, "s%d %d", s, i);
            send_to(fds[s], t.port, buf, (size_t)n);
        }
    }
    ck_assert_int_eq(fh_wait_count(NS * N, 10000), 0);
    ck_assert_int_eq(fh_count(), NS * N);
    int next[NS] = { 0 };
    uint64_t key[NS] = { 0 };
    for (size_t i = 0; i < fh_count(); i++) {
        struct sl_msg *m = fh_get(i);
        int s = m->raw[1] - '0';
        ck_assert(s >= 0 && s < NS);
        ck_assert_int_eq(atoi(m->raw + 3), next[s]);
        next[s]++;
        if (key[s] == 0) {
            key[s] = m->flow_key;
        }
        ck_assert(key[s] == m->flow_key);
    }
    ck_assert(key[0] != key[1] && key[1] != key[2] && key[0] != key[2]);
    for (int s = 0; s < NS; s++) {
        close(fds[s]);
    }
    stop_inst(&t);
}
END_TEST

START_TEST(test_bad_port_and_busy_port)
{
    struct tinst t = { 0 };
    const char *kv[] = { "port", "no-such-service-x", NULL };
    ck_assert_int_eq(start_inst(&t, kv, NULL), SL_ECONFIG);
    PLUGIN->in->destroy(t.inst);
    free(t.inst);
    free(t.mod);
    /* a port in use: open() fails with a logged error */
    int fd = udp_sock();
    struct sockaddr_in sa = { .sin_family = AF_INET };
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ck_assert_int_eq(bind(fd, (struct sockaddr *)&sa, sizeof sa), 0);
    socklen_t l = sizeof sa;
    getsockname(fd, (struct sockaddr *)&sa, &l);
    char portstr[16];
    snprintf(portstr, sizeof portstr, "%d", ntohs(sa.sin_port));
    const char *kv2[] = { "port", portstr, NULL };
    ck_assert_int_eq(start_inst(&t, kv2, NULL), SL_EIO);
    ck_assert(strstr(fh_last_log, "could not create udp listener") != NULL);
    PLUGIN->in->destroy(t.inst);
    free(t.inst);
    free(t.mod);
    close(fd);
}
END_TEST

/* Datagrams the kernel dropped on a full receive queue are counted (SO_RXQ_OVFL): the
 * input is opened with a small rcvbufSize but not run while 500 datagrams arrive. */
START_TEST(test_kernel_drops_counted)
{
    enum { N = 500 };
    struct tinst t = { .no_thread = 1 };
    const char *kv[] = { "rcvbufSize", "4096", NULL };
    ck_assert_int_eq(start_inst(&t, kv, NULL), 0);
    int fd = udp_sock();
    char buf[200];
    memset(buf, 'k', sizeof buf);
    for (int i = 0; i < N; i++) {
        send_to(fd, t.port, buf, sizeof buf);
    }
    ck_assert_int_eq(pthread_create(&t.th, NULL, run_thread, &t), 0);
    /* the kernel reports the drop count with the next datagram it queues */
    ck_assert_int_eq(fh_wait_count(1, 5000), 0);
    usleep(100000);
    send_to(fd, t.port, "after", 5);
    uint64_t got = 0, dropped = 0;
    for (int w = 0; w < 500 && got + dropped < N + 1; w++) {
        usleep(10000);
        got = fh_counter_value("received");
        dropped = fh_counter_value("kernel.dropped");
    }
    ck_assert_uint_gt(got, 1);
    ck_assert_uint_gt(dropped, 0);
    ck_assert_uint_eq(got + dropped, N + 1);
    ck_assert_uint_eq(fh_count(), got);
    close(fd);
    stop_inst(&t);
}
END_TEST

/* rateLimit.interval/burst: 5 datagrams of 20 pass in one 30 s window, the other 15 are
 * dropped and counted (ratelimit.discarded); received counts all 20.  Without the limit
 * (the default interval 0) all 20 pass. */
START_TEST(test_ratelimit_counted)
{
    enum { N = 20 };
    for (int limited = 1; limited >= 0; limited--) {
        fh_reset();             /* messages only: counters are read as deltas */
        uint64_t r0 = fh_counter_value("received"), d0 = fh_counter_value("ratelimit.discarded");
        struct tinst t = { 0 };
        const char *kv[] = { "rateLimit.interval", limited ? "30" : "0", "rateLimit.burst", "5",
                             NULL };
        ck_assert_int_eq(start_inst(&t, kv, NULL), 0);
        int fd = udp_sock();
        for (int i = 0; i < N; i++) {
            char buf[32];
            int n = snprintf(buf, sizeof buf, "<13>rl %d", i);
            send_to(fd, t.port, buf, (size_t)n);
        }
        uint64_t got = 0;
        for (int w = 0; w < 500 && got < N; w++) {
            usleep(10000);
            got = fh_counter_value("received") - r0;
        }
        usleep(50000);
        ck_assert_uint_eq(got, N);
        ck_assert_int_eq(fh_count(), limited ? 5 : N);
        ck_assert_uint_eq(fh_counter_value("ratelimit.discarded") - d0, limited ? N - 5 : 0);
        ck_assert(strstr(fh_get(0)->raw, "rl 0") != NULL);
        close(fd);
        stop_inst(&t);
    }
}
END_TEST

/* ABI 1.4 threads: module threads=4 makes 4 SO_REUSEPORT socket sets on the one port, the
 * core runs run_thread() 4 times; input(threads=) overrides the module's.  Eight senders:
 * everything arrives, each sender's datagrams in order with one flow key, and stop() ends
 * every thread. */
struct thr_arg {
    void *inst;
    unsigned index, n;
};

static void *run_one(void *arg)
{
    struct thr_arg *a = arg;
    PLUGIN->in->run_thread(a->inst, a->index, a->n);
    return NULL;
}

START_TEST(test_threads)
{
    enum { NT = 4, NS = 8, N = 250 };
    ck_assert(PLUGIN->flags & SL_PF_THREADED);
    ck_assert_ptr_nonnull(PLUGIN->in->run_thread);
    struct tinst t = { .no_thread = 1 };
    const char *kv[] = { "mod:threads", "4", "rcvbufSize", "4194304", NULL };
    ck_assert_int_eq(start_inst(&t, kv, NULL), 0);
    ck_assert_uint_eq(sl_imudp_threads(t.inst), NT);
    ck_assert_int_eq(sl_imudp_socket_count(t.inst), 1);   /* listeners per set */
    pthread_t th[NT];
    struct thr_arg a[NT];
    for (unsigned i = 0; i < NT; i++) {
        a[i] = (struct thr_arg){ t.inst, i, NT };
        ck_assert_int_eq(pthread_create(&th[i], NULL, run_one, &a[i]), 0);
    }
    int fds[NS];
    for (int s = 0; s < NS; s++) {
        fds[s] = udp_sock();
    }
    char buf[64];
    for (int i = 0; i < N; i++) {
        for (int s = 0; s < NS; s++) {
            int n = snprintf(buf, sizeof buf, "s%d %d", s, i);
            send_to(fds[s], t.port, buf, (size_t)n);
        }
        if (i % 50 == 49) {
            usleep(2000);
        }
    }
    ck_assert_int_eq(fh_wait_count(NS * N, 10000), 0);
    usleep(50000);
    ck_assert_int_eq(fh_count(), NS * N);
    int next[NS] = { 0 };
    uint64_t key[NS] = { 0 };
    for (size_t i = 0; i < fh_count(); i++) {
        struct sl_msg *m = fh_get(i);
        int s = m->raw[1] - '0';
        ck_assert(s >= 0 && s < NS);
        ck_assert_int_eq(atoi(m->raw + 3), next[s]);
        next[s]++;
        if (key[s] == 0) {
            key[s] = m->flow_key;
        }
        ck_assert(key[s] == m->flow_key);
    }
    ck_assert_uint_eq(fh_counter_value("received"), NS * N);
    PLUGIN->in->stop(t.inst);
    for (unsigned i = 0; i < NT; i++) {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        ts.tv_sec += 5;
        ck_assert_int_eq(pthread_timedjoin_np(th[i], NULL, &ts), 0);
    }
    for (int s = 0; s < NS; s++) {
        close(fds[s]);
    }
    PLUGIN->in->destroy(t.inst);
    free(t.inst);
    free(t.mod);

    /* input(threads=2) wins over the module's 4; run() alone still serves both sets */
    fh_reset();
    struct tinst t2 = { 0 };
    const char *kv2[] = { "mod:threads", "4", "threads", "2", NULL };
    ck_assert_int_eq(start_inst(&t2, kv2, NULL), 0);
    ck_assert_uint_eq(sl_imudp_threads(t2.inst), 2);
    int fd = udp_sock();
    for (int i = 0; i < 20; i++) {
        int n = snprintf(buf, sizeof buf, "x %d", i);
        send_to(fd, t2.port, buf, (size_t)n);
    }
    ck_assert_int_eq(fh_wait_count(20, 5000), 0);
    close(fd);
    stop_inst(&t2);

    /* more threads than the 64 the listener takes: a config error */
    struct tinst t3 = { 0 };
    const char *kv3[] = { "threads", "65", NULL };
    ck_assert_int_eq(start_inst(&t3, kv3, NULL), SL_ECONFIG);
    PLUGIN->in->destroy(t3.inst);
    free(t3.inst);
    free(t3.mod);
}
END_TEST

static Suite *imudp_suite(void)
{
    Suite *s = suite_create("imudp");
    TCase *tc = tcase_create("net");
    tcase_add_checked_fixture(tc, setup, NULL);
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_logger);
    tcase_add_test(tc, test_logger_file_order);
    tcase_add_test(tc, test_empty_and_oversize);
    tcase_add_test(tc, test_several_ports);
    tcase_add_test(tc, test_ipv6);
    tcase_add_test(tc, test_queue_full_drops);
    tcase_add_test(tc, test_senders_keep_order);
    tcase_add_test(tc, test_bad_port_and_busy_port);
    tcase_add_test(tc, test_kernel_drops_counted);
    tcase_add_test(tc, test_ratelimit_counted);
    tcase_add_test(tc, test_threads);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(imudp_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
