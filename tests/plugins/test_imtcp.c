/*
 * test_imtcp.c - plugin tests for imtcp against the fake host, with real peers: logger(1)
 * over TCP (LF and octet-counted framing, RFC 3164 and 5424), and raw sockets for the
 * cases logger cannot produce (garbage, oversize and 2^31 frames, partial frames).
 * All traffic goes to 127.0.0.1 on a port picked by the kernel (port "0").
 *
 * The instance is built as the core would: inst_size zeroed bytes filled from the plugin's
 * parameter table (defaults first, then the test's values), create(), open(), run() on a
 * thread, stop(), destroy().
 *
 * Ownership: each test owns its instance; parameter strings point to literals (core-owned
 * in real life, never freed by the plugin).  Every wait is bounded.
 */
#include "config.h"

#include <check.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "fakehost.h"
#include "plugparams.h"
#include "sluice/sl_plugin.h"
#include "../../plugins/imtcp/imtcp.h"

extern const struct sl_plugin sluice_plugin;
#define PLUGIN (&sluice_plugin)

/* parameter filling, as the core does it: tests/support/plugparams.c */

/* ---- an instance on its thread ---- */
struct tinst {
    void *mod, *inst;
    pthread_t th;
    int port;
};

static void *run_thread(void *arg)
{
    struct tinst *t = arg;
    PLUGIN->in->run(t->inst);
    return NULL;
}

/* kv: NULL-terminated name/value pairs; names starting with "mod:" go to the module. */
static int start_inst(struct tinst *t, const char *const *kv)
{
    memset(t, 0, sizeof *t);
    t->mod = pt_new_block(PLUGIN->module_params, PLUGIN->mod_size);
    t->inst = pt_new_block(PLUGIN->inst_params, PLUGIN->inst_size);
    pt_set_param(PLUGIN->inst_params, t->inst, "port", "0");
    pt_set_param(PLUGIN->inst_params, t->inst, "address", "127.0.0.1");
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
    ck_assert_int_eq(rc, 0);
    t->port = sl_imtcp_bound_port(t->inst);
    ck_assert_int_gt(t->port, 0);
    ck_assert_int_eq(pthread_create(&t->th, NULL, run_thread, t), 0);
    return 0;
}

static void stop_inst(struct tinst *t)
{
    PLUGIN->in->stop(t->inst);
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    ts.tv_sec += 10;
    ck_assert_int_eq(pthread_timedjoin_np(t->th, NULL, &ts), 0);
    PLUGIN->in->destroy(t->inst);
    free(t->inst);
    free(t->mod);
}

static void destroy_failed(struct tinst *t)
{
    PLUGIN->in->destroy(t->inst);
    free(t->inst);
    free(t->mod);
}

/* ---- peers ---- */
static int connect_port(int port)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq(connect(fd, (struct sockaddr *)&sa, sizeof sa), 0);
    return fd;
}

static void send_all(int fd, const char *p, size_t n)
{
    while (n > 0) {
        ssize_t w = send(fd, p, n, MSG_NOSIGNAL);
        ck_assert_int_gt(w, 0);
        p += w;
        n -= (size_t)w;
    }
}

static void send_and_close(int port, const char *p, size_t n)
{
    int fd = connect_port(port);
    send_all(fd, p, n);
    close(fd);
}

/* Start logger; argv gets "-n 127.0.0.1 -P port -T" prepended. */
static pid_t spawn_logger(int port, const char *const *args)
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
    argv[k++] = "-T";
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
    return pid;
}

/* Wait for pid up to timeout_ms: its exit status, or -1 on timeout (the child is then
 * still running). */
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
    pid_t pid = spawn_logger(port, args);
    int st = wait_pid(pid, 20000);
    if (st < 0) {
        kill(pid, SIGKILL);
        waitpid(pid, NULL, 0);
    }
    ck_assert_int_eq(st, 0);
}

static int ends_with(const struct sl_msg *m, const char *s)
{
    size_t n = strlen(s);
    return m->len >= n && memcmp(m->raw + m->len - n, s, n) == 0;
}

static void setup(void)
{
    fh_reset();
    fh_block_when_full = 0;
    fh_max_msg_size = 8096;
}

/* ---- tests ---- */
START_TEST(test_logger_lf_and_octet)
{
    struct tinst t;
    ck_assert_int_eq(start_inst(&t, NULL), 0);
    const char *a1[] = { "--rfc3164", "-t", "app", "hello lf", NULL };
    run_logger(t.port, a1);
    const char *a2[] = { "--octet-count", "--rfc5424", "-t", "app", "hello octet", NULL };
    run_logger(t.port, a2);
    const char *a3[] = { "--octet-count", "--rfc3164", "-t", "app", "line with\nLF inside",
                         NULL };
    run_logger(t.port, a3);
    ck_assert_int_eq(fh_wait_count(3, 5000), 0);
    ck_assert_int_eq(fh_count(), 3);
    struct sl_msg *m = fh_get(0);
    ck_assert_msg(ends_with(m, "app: hello lf"), "got %s", m->raw);
    ck_assert(m->raw[0] == '<');
    m = fh_get(1);
    ck_assert_msg(ends_with(m, "] hello octet"), "got %s", m->raw);
    ck_assert(strncmp(m->raw, "<13>1 ", 6) == 0);
    m = fh_get(2);
    ck_assert_msg(ends_with(m, "app: line with\nLF inside"), "got %s", m->raw);
    /* the peer address is handed over */
    const struct sockaddr_in *sin = (const struct sockaddr_in *)&fh_get(0)->peer;
    ck_assert_int_eq(sin->sin_family, AF_INET);
    ck_assert_uint_eq(ntohl(sin->sin_addr.s_addr), INADDR_LOOPBACK);
    /* three connections, three flow keys */
    ck_assert(fh_get(0)->flow_key != fh_get(1)->flow_key);
    ck_assert(fh_get(1)->flow_key != fh_get(2)->flow_key);
    ck_assert_uint_eq(fh_counter_value("sessions.opened"), 3);
    stop_inst(&t);
}
END_TEST

/* Several logger processes at once, each sending a numbered file over one connection. */
START_TEST(test_ordering_many_connections)
{
    enum { NCONN = 4, NLINES = 1500 };
    struct tinst t;
    ck_assert_int_eq(start_inst(&t, NULL), 0);
    char path[NCONN][64];
    char tag[NCONN][16];
    pid_t pids[NCONN];
    for (int c = 0; c < NCONN; c++) {
        snprintf(path[c], sizeof path[c], "/tmp/sl_imtcp_test_%d_%d.txt", (int)getpid(), c);
        snprintf(tag[c], sizeof tag[c], "conn%d", c);
        FILE *fp = fopen(path[c], "w");
        ck_assert(fp != NULL);
        for (int i = 0; i < NLINES; i++) {
            fprintf(fp, "seq %d payload %0*d\n", i, (i * 7 + c) % 200, 0);
        }
        fclose(fp);
    }
    for (int c = 0; c < NCONN; c++) {
        const char *args[] = { c % 2 ? "--octet-count" : "--rfc3164", "-t", tag[c], "-f",
                               path[c], NULL };
        pids[c] = spawn_logger(t.port, args);
    }
    for (int c = 0; c < NCONN; c++) {
        int st = wait_pid(pids[c], 30000);
        if (st < 0) {
            kill(pids[c], SIGKILL);
            waitpid(pids[c], NULL, 0);
        }
        ck_assert_int_eq(st, 0);
        unlink(path[c]);
    }
    ck_assert_int_eq(fh_wait_count(NCONN * NLINES, 10000), 0);
    ck_assert_int_eq(fh_count(), NCONN * NLINES);
    int next[NCONN] = { 0 };
    uint64_t key[NCONN] = { 0 };
    for (size_t i = 0; i < fh_count(); i++) {
        struct sl_msg *m = fh_get(i);
        int c = -1;
        for (int k = 0; k < NCONN; k++) {
            if (strstr(m->raw, tag[k]) != NULL) {
                c = k;
            }
        }
        ck_assert_msg(c >= 0, "unexpected message %s", m->raw);
        const char *sq = strstr(m->raw, " seq ");
        ck_assert(sq != NULL);
        int seq = atoi(sq + 5);
        ck_assert_int_eq(seq, next[c]);
        next[c]++;
        if (key[c] == 0) {
            key[c] = m->flow_key;
        }
        ck_assert(m->flow_key == key[c]);
    }
    for (int c = 0; c < NCONN; c++) {
        ck_assert_int_eq(next[c], NLINES);
        for (int k = 0; k < c; k++) {
            ck_assert(key[k] != key[c]);
        }
    }
    stop_inst(&t);
}
END_TEST

START_TEST(test_garbage_and_odd_frames)
{
    struct tinst t;
    ck_assert_int_eq(start_inst(&t, NULL), 0);
    /* the 2^31 count: rsyslog caps the count, logs, and reads the frame LF-delimited with
     * the digits kept and the space dropped */
    send_and_close(t.port, "2147483648 hello\nnext\n", 22);
    ck_assert_int_eq(fh_wait_count(2, 5000), 0);
    ck_assert_str_eq(fh_get(0)->raw, "2147483648hello");
    ck_assert_str_eq(fh_get(1)->raw, "next");
    ck_assert_int_ge(fh_log_count[SL_LOG_ERR], 2);
    ck_assert(strstr(fh_last_log, "frame too large: 214748364") != NULL);
    /* a partial LF frame at close is submitted, a partial counted one dropped */
    send_and_close(t.port, "a\0b\n12 incompl", 14);
    send_and_close(t.port, "partial-at-close", 16);
    ck_assert_int_eq(fh_wait_count(4, 5000), 0);
    ck_assert_int_eq(fh_get(2)->len, 3);
    ck_assert(memcmp(fh_get(2)->raw, "a\0b", 3) == 0);
    ck_assert_str_eq(fh_get(3)->raw, "partial-at-close");
    /* random garbage: no crash, the input keeps serving */
    unsigned seed = 4711;
    char *junk = malloc(1 << 20);
    for (size_t i = 0; i < (1u << 20); i++) {
        junk[i] = (char)rand_r(&seed);
    }
    send_and_close(t.port, junk, 1 << 20);
    free(junk);
    send_and_close(t.port, "still alive\n", 12);
    int found = 0;
    for (int w = 0; w < 500 && !found; w++) {
        size_t n = fh_count();
        for (size_t i = 4; i < n && !found; i++) {
            found = strcmp(fh_get(i)->raw, "still alive") == 0;
        }
        if (!found) {
            usleep(10000);
        }
    }
    ck_assert(found);
    for (size_t i = 0; i < fh_count(); i++) {
        ck_assert_int_le(fh_get(i)->len, 8096);
        ck_assert_int_gt(fh_get(i)->len, 0);
    }
    stop_inst(&t);
}
END_TEST

START_TEST(test_big_line)
{
    struct tinst t;
    ck_assert_int_eq(start_inst(&t, NULL), 0);
    size_t n = 1u << 20;
    char *line = malloc(n + 7);
    memset(line, 'q', n);
    memcpy(line + n, "\nend\n", 5);
    send_and_close(t.port, line, n + 5);
    free(line);
    /* rsyslog: pieces of maxMessageSize bytes, the byte arriving on a full buffer is lost */
    size_t full = n / 8097, rest = n % 8097;
    size_t want = full + (rest > 0) + 1;
    ck_assert_int_eq(fh_wait_count(want, 10000), 0);
    usleep(100000);
    ck_assert_int_eq(fh_count(), want);
    for (size_t i = 0; i < full; i++) {
        ck_assert_int_eq(fh_get(i)->len, 8096);
    }
    ck_assert_int_eq(fh_get(full)->len, rest);
    ck_assert_str_eq(fh_get(want - 1)->raw, "end");
    ck_assert_uint_eq(fh_counter_value("frames.truncated"), full);
    stop_inst(&t);
}
END_TEST

START_TEST(test_discard_truncated_and_max_frame)
{
    struct tinst t;
    const char *kv[] = { "mod:discardTruncatedMsg", "on", "mod:maxFrameSize", "20000", NULL };
    fh_max_msg_size = 100;
    ck_assert_int_eq(start_inst(&t, kv), 0);
    char buf[512];
    int n = sprintf(buf, "150 ");
    memset(buf + n, 'x', 150);
    n += 150;
    n += sprintf(buf + n, "5 after25000 abc\ndef\n");
    send_and_close(t.port, buf, (size_t)n);
    ck_assert_int_eq(fh_wait_count(4, 5000), 0);
    ck_assert_int_eq(fh_get(0)->len, 100);
    ck_assert_str_eq(fh_get(1)->raw, "after");
    ck_assert_str_eq(fh_get(2)->raw, "25000abc");
    ck_assert_str_eq(fh_get(3)->raw, "def");
    stop_inst(&t);
}
END_TEST

/* A full queue blocks the input: logger must stall, not lose; everything arrives once the
 * queue drains. */
START_TEST(test_backpressure)
{
    enum { NLINES = 20000 };
    struct tinst t;
    ck_assert_int_eq(start_inst(&t, NULL), 0);
    char path[64];
    snprintf(path, sizeof path, "/tmp/sl_imtcp_bp_%d.txt", (int)getpid());
    FILE *fp = fopen(path, "w");
    ck_assert(fp != NULL);
    for (int i = 0; i < NLINES; i++) {
        fprintf(fp, "seq %d %0900d\n", i, 0);
    }
    fclose(fp);
    fh_queue_full = 1;
    fh_block_when_full = 1;
    const char *args[] = { "--octet-count", "--rfc3164", "-S", "2000", "-t", "bp", "-f", path,
                           NULL };
    pid_t pid = spawn_logger(t.port, args);
    /* while full, logger cannot finish: ~18 MB do not fit into the socket buffers */
    int st = wait_pid(pid, 2000);
    ck_assert_int_eq(st, -1);
    ck_assert_uint_le(fh_count(), 1);
    fh_queue_full = 0;
    st = wait_pid(pid, 30000);
    if (st < 0) {
        kill(pid, SIGKILL);
        waitpid(pid, NULL, 0);
    }
    unlink(path);
    ck_assert_int_eq(st, 0);
    ck_assert_int_eq(fh_wait_count(NLINES, 10000), 0);
    ck_assert_int_eq(fh_count(), NLINES);
    ck_assert_int_eq(fh_cap.dropped, 0);
    for (int i = 0; i < NLINES; i++) {
        ck_assert_int_eq(atoi(strstr(fh_get((size_t)i)->raw, "bp: seq ") + 8), i);
    }
    stop_inst(&t);
}
END_TEST

/* Wait until the server closes fd (recv returns 0 or an error). */
static int closed_by_server(int fd, int timeout_ms)
{
    struct pollfd pfd = { .fd = fd, .events = POLLIN };
    if (poll(&pfd, 1, timeout_ms) != 1) {
        return 0;
    }
    char c;
    return recv(fd, &c, 1, MSG_DONTWAIT) <= 0;
}

START_TEST(test_max_sessions)
{
    struct tinst t;
    /* no eviction: rsyslog's refusal at maxSessions */
    const char *kv[] = { "maxSessions", "2", "session.evictAfter", "0", NULL };
    ck_assert_int_eq(start_inst(&t, kv), 0);
    int a = connect_port(t.port), b = connect_port(t.port);
    send_all(a, "a1\n", 3);
    send_all(b, "b1\n", 3);
    ck_assert_int_eq(fh_wait_count(2, 5000), 0);
    int err_before = fh_log_count[SL_LOG_ERR];
    for (int i = 0; i < 3; i++) {
        int c = connect_port(t.port);
        send(c, "refused\n", 8, MSG_NOSIGNAL);
        ck_assert(closed_by_server(c, 5000));
        close(c);
    }
    ck_assert_int_eq(fh_log_count[SL_LOG_ERR] - err_before, 1); /* logged once per burst */
    ck_assert_uint_eq(fh_counter_value("sessions.refused"), 3);
    /* the idle sessions were not disturbed */
    ck_assert(!closed_by_server(a, 50));
    close(a);
    for (int w = 0; w < 500 && sl_imtcp_session_count(t.inst) != 1; w++) {
        usleep(10000);
    }
    ck_assert_int_eq(sl_imtcp_session_count(t.inst), 1);
    int c = connect_port(t.port);
    send_all(c, "c1\n", 3);
    send_all(b, "b2\n", 3);
    ck_assert_int_eq(fh_wait_count(4, 5000), 0);
    close(b);
    close(c);
    for (size_t i = 0; i < fh_count(); i++) {
        ck_assert(strstr(fh_get(i)->raw, "refused") == NULL);
    }
    stop_inst(&t);
}
END_TEST

static void sleep_ms(int ms)
{
    struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };
    nanosleep(&ts, NULL);
}

/* Session exhaustion (issue 19): at maxSessions the session that delivered no complete
 * frame for the longest time (idle or slowloris) makes room for a new sender; sessions
 * that deliver frames are never evicted, so a new connection is then refused. */
START_TEST(test_session_eviction)
{
    struct tinst t;
    const char *kv[] = { "maxSessions", "3", "session.evictAfter", "1", NULL };
    ck_assert_int_eq(start_inst(&t, kv), 0);
    int idle1 = connect_port(t.port);
    int idle2 = connect_port(t.port);
    int slow = connect_port(t.port);
    send_all(slow, "<13>slow", 8);           /* a frame that never ends */
    for (int w = 0; w < 500 && sl_imtcp_session_count(t.inst) != 3; w++) {
        sleep_ms(10);
    }
    sleep_ms(1300);
    int good[3];
    for (int i = 0; i < 3; i++) {
        good[i] = connect_port(t.port);
        char line[32];
        int n = snprintf(line, sizeof line, "good %d\n", i);
        send_all(good[i], line, (size_t)n);
        ck_assert_int_eq(fh_wait_count((size_t)i + 1, 5000), 0);
    }
    ck_assert(closed_by_server(idle1, 2000));
    ck_assert(closed_by_server(idle2, 2000));
    ck_assert(closed_by_server(slow, 2000));
    ck_assert_uint_eq(fh_counter_value("sessions.evicted"), 3);
    ck_assert_uint_eq(fh_counter_value("sessions.refused"), 0);
    /* the three good senders just delivered frames: a fourth connection is refused */
    int late = connect_port(t.port);
    ck_assert(closed_by_server(late, 5000));
    ck_assert_uint_eq(fh_counter_value("sessions.refused"), 1);
    for (int i = 0; i < 3; i++) {
        ck_assert(!closed_by_server(good[i], 20));
        close(good[i]);
    }
    close(idle1);
    close(idle2);
    close(slow);
    close(late);
    ck_assert_uint_eq(fh_count(), 3);
    stop_inst(&t);
}
END_TEST

START_TEST(test_session_per_address)
{
    struct tinst t;
    const char *kv[] = { "session.maxPerAddress", "2", "session.evictAfter", "0", NULL };
    ck_assert_int_eq(start_inst(&t, kv), 0);
    int a = connect_port(t.port), b = connect_port(t.port);
    for (int w = 0; w < 500 && sl_imtcp_session_count(t.inst) != 2; w++) {
        sleep_ms(10);
    }
    int c = connect_port(t.port);
    ck_assert(closed_by_server(c, 5000));
    ck_assert_uint_eq(fh_counter_value("sessions.refused.peraddress"), 1);
    ck_assert_uint_eq(fh_counter_value("sessions.refused"), 1);
    ck_assert(strstr(fh_last_log, "session.maxPerAddress=2") != NULL);
    send_all(a, "a\n", 2);
    ck_assert_int_eq(fh_wait_count(1, 5000), 0);
    close(a);
    close(b);
    close(c);
    stop_inst(&t);
}
END_TEST

/* session.idleTimeout closes a silent session; session.frameTimeout one whose frame stays
 * incomplete (slowloris: a byte at a time, never a delimiter); steady senders stay. */
START_TEST(test_session_timeouts)
{
    struct tinst t;
    const char *kv[] = { "session.idleTimeout", "2", "session.frameTimeout", "1", NULL };
    ck_assert_int_eq(start_inst(&t, kv), 0);
    int idle = connect_port(t.port);
    int slow = connect_port(t.port);
    int steady = connect_port(t.port);
    for (int i = 0; i < 12; i++) {         /* 3.6 s */
        send(slow, "x", 1, MSG_NOSIGNAL);
        send_all(steady, "s\n", 2);
        sleep_ms(300);
    }
    ck_assert(closed_by_server(slow, 10));
    ck_assert(closed_by_server(idle, 10));
    ck_assert(!closed_by_server(steady, 10));
    ck_assert_uint_eq(fh_counter_value("sessions.timeout.frame"), 1);
    ck_assert_uint_eq(fh_counter_value("sessions.timeout.idle"), 1);
    close(idle);
    close(slow);
    close(steady);
    stop_inst(&t);
}
END_TEST

/* 1 MiB of random bytes (xorshift, fixed seed): framing errors galore. */
static char *garbage_mib(void)
{
    size_t n = 1024 * 1024;
    char *g = malloc(n);
    ck_assert_ptr_nonnull(g);
    uint64_t x = 0x9e3779b97f4a7c15ULL;
    for (size_t i = 0; i < n; i++) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        g[i] = (char)(x >> 24);
    }
    return g;
}

/* Framing errors (issue 19): rsyslog logs each one (~170 lines per MiB of garbage); sluice
 * logs the first three of a session, says that the rest are only counted, and closes the
 * session after session.maxFramingErrors. */
START_TEST(test_framing_error_limits)
{
    char *g = garbage_mib();
    struct tinst t;
    const char *kv[] = { "session.maxFramingErrors", "0", NULL };
    ck_assert_int_eq(start_inst(&t, kv), 0);
    int before = fh_log_count[SL_LOG_ERR] + fh_log_count[SL_LOG_WARNING];
    int c = connect_port(t.port);
    send_all(c, g, 1024 * 1024);
    send_all(c, "\n<13>after garbage\n", 20);
    for (int w = 0; w < 1000; w++) {
        if (fh_count() > 0 && ends_with(fh_get(fh_count() - 1), "after garbage")) {
            break;
        }
        sleep_ms(10);
    }
    ck_assert(ends_with(fh_get(fh_count() - 1), "after garbage"));
    uint64_t errs = fh_counter_value("framing.errors");
    int lines = fh_log_count[SL_LOG_ERR] + fh_log_count[SL_LOG_WARNING] - before;
    ck_assert_msg(errs >= 50, "only %llu framing errors in 1 MiB of garbage",
                  (unsigned long long)errs);
    ck_assert_msg(lines <= 4, "%d log lines for %llu framing errors", lines,
                  (unsigned long long)errs);
    ck_assert(!closed_by_server(c, 20));
    close(c);
    stop_inst(&t);

    /* the default closes the session after 100 framing errors */
    uint64_t errs0 = fh_counter_value("framing.errors");
    ck_assert_int_eq(start_inst(&t, NULL), 0);
    c = connect_port(t.port);
    (void)send(c, g, 1024 * 1024, MSG_NOSIGNAL);
    ck_assert(closed_by_server(c, 5000));
    ck_assert_uint_eq(fh_counter_value("sessions.closed.framing"), 1);
    ck_assert_uint_eq(fh_counter_value("framing.errors") - errs0, 100);
    close(c);
    stop_inst(&t);
    free(g);
}
END_TEST

START_TEST(test_tls_refused)
{
    struct tinst t;
    const char *kv[] = { "streamDriver.mode", "1", NULL };
    ck_assert_int_eq(start_inst(&t, kv), SL_ECONFIG);
    ck_assert(strstr(fh_last_log, "needs a TLS stream driver") != NULL);
    destroy_failed(&t);
    const char *kv2[] = { "mod:StreamDriver.Mode", "1", NULL };
    ck_assert_int_eq(start_inst(&t, kv2), SL_ECONFIG);
    destroy_failed(&t);
}
END_TEST

START_TEST(test_stop_while_idle_sessions)
{
    struct tinst t;
    ck_assert_int_eq(start_inst(&t, NULL), 0);
    int fds[5];
    for (int i = 0; i < 5; i++) {
        fds[i] = connect_port(t.port);
        send_all(fds[i], "12 part", 7);
    }
    for (int w = 0; w < 500 && sl_imtcp_session_count(t.inst) != 5; w++) {
        usleep(10000);
    }
    ck_assert_int_eq(sl_imtcp_session_count(t.inst), 5);
    stop_inst(&t);
    for (int i = 0; i < 5; i++) {
        ck_assert(closed_by_server(fds[i], 2000));
        close(fds[i]);
    }
    ck_assert_int_eq(fh_count(), 0);
}
END_TEST

/* SIGTERM with data in the sockets: stop() while the core blocks a submit; once it takes
 * messages again, everything the kernel had already received is read and submitted before
 * run() returns: complete frames of a live session (its incomplete tail is dropped and
 * counted), and of a session whose peer had closed, the tail too (as at any EOF). */
START_TEST(test_stop_drains_socket_buffers)
{
    enum { NLINES = 1000 };
    struct tinst t;
    ck_assert_int_eq(start_inst(&t, NULL), 0);
    fh_queue_full = 1;
    fh_block_when_full = 1;
    int a = connect_port(t.port);
    send_all(a, "first\n", 6);
    usleep(300000);             /* run() is now blocked in submit() */
    char line[64];
    size_t bytes = 0;
    for (int i = 0; i < NLINES; i++) {
        int n = snprintf(line, sizeof line, "drain line %04d %030d\n", i, 0);
        send_all(a, line, (size_t)n);
        bytes += (size_t)n;
    }
    send_all(a, "unfinished", 10);
    int b = connect_port(t.port);
    send_all(b, "b1\nb-tail", 9);
    ck_assert_int_eq(shutdown(b, SHUT_WR), 0);
    usleep(200000);
    PLUGIN->in->stop(t.inst);   /* SIGTERM arrives while the core still pushes back */
    fh_queue_full = 0;
    stop_inst(&t);
    ck_assert_int_eq(fh_cap.dropped, 0);
    ck_assert_int_eq(fh_count(), 1 + NLINES + 2);
    size_t na = 0;
    for (size_t i = 0; i < fh_count(); i++) {
        const struct sl_msg *m = fh_get(i);
        if (strncmp(m->raw, "drain line ", 11) == 0) {
            ck_assert_int_eq(atoi(m->raw + 11), (int)na);
            na++;
        }
        ck_assert(strstr(m->raw, "unfinished") == NULL);
    }
    ck_assert_uint_eq(na, NLINES);
    ck_assert(ends_with(fh_get(fh_count() - 1), "b-tail") || ends_with(fh_get(fh_count() - 2), "b-tail"));
    ck_assert_uint_eq(fh_counter_value("shutdown.partial.frames"), 1);
    ck_assert_uint_ge(fh_counter_value("shutdown.drained.bytes"), bytes + 10);
    close(a);
    close(b);
}
END_TEST

/* listenPortFileName gets the bound port, without a newline (as rsyslog writes it);
 * notifyOnConnectionClose logs rsyslog's text at an orderly close by the peer. */
START_TEST(test_port_file_and_notify_close)
{
    char path[64];
    snprintf(path, sizeof path, "/tmp/sl_imtcp_port_%d.txt", (int)getpid());
    struct tinst t;
    const char *kv[] = { "listenPortFileName", path, "notifyOnConnectionClose", "on", NULL };
    ck_assert_int_eq(start_inst(&t, kv), 0);
    FILE *fp = fopen(path, "r");
    ck_assert(fp != NULL);
    char buf[32] = { 0 };
    size_t n = fread(buf, 1, sizeof buf - 1, fp);
    fclose(fp);
    unlink(path);
    char want[16];
    snprintf(want, sizeof want, "%d", t.port);
    ck_assert_int_eq(n, strlen(want));
    ck_assert_str_eq(buf, want);
    int info_before = fh_log_count[SL_LOG_INFO];
    send_and_close(t.port, "x\n", 2);
    ck_assert_int_eq(fh_wait_count(1, 5000), 0);
    for (int w = 0; w < 500 && fh_log_count[SL_LOG_INFO] == info_before; w++) {
        usleep(10000);
    }
    ck_assert_int_eq(fh_log_count[SL_LOG_INFO] - info_before, 1);
    ck_assert(strstr(fh_last_log, "closed by remote peer 127.0.0.1.") != NULL);
    stop_inst(&t);
}
END_TEST

/* Out of file descriptors: the pending connection is shed (no busy loop on a listener that
 * stays ready), logged once, and the existing session keeps working. */
START_TEST(test_emfile_no_busy_loop)
{
    struct tinst t;
    ck_assert_int_eq(start_inst(&t, NULL), 0);
    /* fill every hole below the highest open descriptor, then allow exactly 3 more */
    int maxfd = 0, fillers[256], nfill = 0;
    DIR *d = opendir("/proc/self/fd");
    ck_assert(d != NULL);
    for (struct dirent *e = readdir(d); e != NULL; e = readdir(d)) {
        int v = atoi(e->d_name);
        maxfd = v > maxfd ? v : maxfd;
    }
    closedir(d);
    for (int fd = open("/dev/null", O_RDONLY); fd >= 0 && fd < maxfd && nfill < 255;
         fd = open("/dev/null", O_RDONLY)) {
        fillers[nfill++] = fd;
    }
    int top = dup(0);
    ck_assert_int_gt(top, maxfd - 1);
    struct rlimit rl = { (rlim_t)top + 3, (rlim_t)top + 3 };
    close(top);
    ck_assert_int_eq(setrlimit(RLIMIT_NOFILE, &rl), 0);
    int a = connect_port(t.port);           /* client + accepted socket: 2 */
    send_all(a, "a1\n", 3);
    ck_assert_int_eq(fh_wait_count(1, 5000), 0);
    int err_before = fh_log_count[SL_LOG_ERR];
    int b = connect_port(t.port);           /* the last one: accept() gets EMFILE */
    ck_assert(closed_by_server(b, 5000));
    close(b);
    /* the input logs after it shed the connection: wait (bounded) for the message */
    for (int w = 0; w < 500 && fh_log_count[SL_LOG_ERR] == err_before; w++) {
        usleep(10000);
    }
    ck_assert_int_eq(fh_log_count[SL_LOG_ERR] - err_before, 1);
    ck_assert(strstr(fh_last_log, "cannot accept") != NULL);
    struct rusage r0, r1;
    getrusage(RUSAGE_SELF, &r0);
    usleep(300000);
    getrusage(RUSAGE_SELF, &r1);
    long cpu_us = (r1.ru_utime.tv_sec - r0.ru_utime.tv_sec) * 1000000L +
                  (r1.ru_utime.tv_usec - r0.ru_utime.tv_usec) +
                  (r1.ru_stime.tv_sec - r0.ru_stime.tv_sec) * 1000000L +
                  (r1.ru_stime.tv_usec - r0.ru_stime.tv_usec);
    ck_assert_int_lt(cpu_us, 100000);
    send_all(a, "a2\n", 3);
    ck_assert_int_eq(fh_wait_count(2, 5000), 0);
    ck_assert_str_eq(fh_get(1)->raw, "a2");
    close(a);
    for (int i = 0; i < nfill; i++) {
        close(fillers[i]);
    }
    stop_inst(&t);
}
END_TEST

/* Module switches apply to every input; an input's own value wins. */
START_TEST(test_module_and_input_switches)
{
    struct tinst t1, t2;
    const char *kv1[] = { "mod:DisableLFDelimiter", "on", "mod:AddtlFrameDelimiter", "0",
                          "supportOctetCountedFraming", "off", NULL };
    ck_assert_int_eq(start_inst(&t1, kv1), 0);
    send_and_close(t1.port, "5 a\nb\0c\0", 8);
    ck_assert_int_eq(fh_wait_count(2, 5000), 0);
    ck_assert_str_eq(fh_get(0)->raw, "5 a\nb");
    ck_assert_str_eq(fh_get(1)->raw, "c");
    stop_inst(&t1);
    const char *kv2[] = { "mod:DisableLFDelimiter", "on", "mod:AddtlFrameDelimiter", "0",
                          "disableLFDelimiter", "off", "addtlFrameDelimiter", "-1", NULL };
    ck_assert_int_eq(start_inst(&t2, kv2), 0);
    send_and_close(t2.port, "x\0y\nz\n", 6);
    ck_assert_int_eq(fh_wait_count(4, 5000), 0);
    ck_assert_int_eq(fh_get(2)->len, 3);
    ck_assert(memcmp(fh_get(2)->raw, "x\0y", 3) == 0);
    ck_assert_str_eq(fh_get(3)->raw, "z");
    stop_inst(&t2);
}
END_TEST

static Suite *imtcp_suite(void)
{
    Suite *s = suite_create("imtcp");
    TCase *tc = tcase_create("net");
    tcase_add_checked_fixture(tc, setup, NULL);
    tcase_set_timeout(tc, 90);
    tcase_add_test(tc, test_logger_lf_and_octet);
    tcase_add_test(tc, test_ordering_many_connections);
    tcase_add_test(tc, test_garbage_and_odd_frames);
    tcase_add_test(tc, test_big_line);
    tcase_add_test(tc, test_discard_truncated_and_max_frame);
    tcase_add_test(tc, test_backpressure);
    tcase_add_test(tc, test_max_sessions);
    tcase_add_test(tc, test_session_eviction);
    tcase_add_test(tc, test_session_per_address);
    tcase_add_test(tc, test_session_timeouts);
    tcase_add_test(tc, test_framing_error_limits);
    tcase_add_test(tc, test_tls_refused);
    tcase_add_test(tc, test_stop_while_idle_sessions);
    tcase_add_test(tc, test_stop_drains_socket_buffers);
    tcase_add_test(tc, test_port_file_and_notify_close);
    tcase_add_test(tc, test_emfile_no_busy_loop);
    tcase_add_test(tc, test_module_and_input_switches);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    signal(SIGPIPE, SIG_IGN);
    SRunner *sr = srunner_create(imtcp_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
