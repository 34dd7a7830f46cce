/*
 * test_omfwd.c - tests of the omfwd output plugin against the fake host and a real
 * receiver: rsyslogd 8.2302 started by the test in the foreground on free high ports of
 * 127.0.0.1 (its own config in the test's temp directory, imudp + imtcp writing %rawmsg%
 * to raw.log).  Covered: UDP, TCP LF framing, TCP octet counting, truncation to
 * maxMessageSize, the exact framing bytes (read from a plain listening socket), connect
 * failure and the reconnect path (receiver stopped mid-stream, then restarted).
 *
 * Every wait is bounded (ports: 10 s, files: 10 s, process exit: 10 s then SIGKILL).
 * rsyslogd is stopped by its PID only.
 *
 * Concurrency & locking: single-threaded tests (Check forks one process per test).
 */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "fakehost.h"

#ifdef SL_BUILTIN_PLUGIN
extern const struct sl_plugin sl_builtin_omfwd;
#define PLUG (&sl_builtin_omfwd)
#else
extern const struct sl_plugin sluice_plugin;
#define PLUG (&sluice_plugin)
#endif

/* ---- templates: the record template renders the raw text unchanged ------------------ */
static const char tok_rec = 'r';

static int render_hook(const struct sl_template *t, struct sl_msg *m, struct sl_buf *out)
{
    (void)t;
    if (fh_host.buf_reserve(out, m->len + 1) != 0) {
        return SL_ENOMEM;
    }
    memcpy(out->p + out->len, m->raw, m->len);
    out->len += m->len;
    return 0;
}

/* ---- parameter filling, as the core does it ----------------------------------------- */
struct kv {
    const char *k;
    const char *v;
};

static void set_param(const struct sl_param *p, void *blk, const char *val)
{
    char *f = (char *)blk + p->offset;
    int64_t n;
    switch (p->type) {
    case SL_PT_BOOL:
        *(int *)f = (strcasecmp(val, "on") == 0 || strcasecmp(val, "yes") == 0
                     || strcmp(val, "1") == 0);
        break;
    case SL_PT_INT: case SL_PT_NONNEG: case SL_PT_POSINT: case SL_PT_PORT:
    case SL_PT_SIZE:
        *(int64_t *)f = strtoll(val, NULL, 10);
        break;
    case SL_PT_STRING: case SL_PT_WORD:
        *(const char **)f = val;
        break;
    case SL_PT_TEMPLATE:
        *(const struct sl_template **)f = (const struct sl_template *)&tok_rec;
        break;
    case SL_PT_ENUM:
        for (n = 0; p->enums[n] != NULL; n++) {
            if (strcasecmp(p->enums[n], val) == 0) {
                break;
            }
        }
        ck_assert_msg(p->enums[n] != NULL, "bad enum value %s for %s", val, p->name);
        *(int64_t *)f = n;
        break;
    default:
        ck_abort_msg("unexpected param type %d", (int)p->type);
    }
}

static void fill(const struct sl_param *tab, void *blk, const struct kv *cfg)
{
    for (const struct sl_param *p = tab; p->name != NULL; p++) {
        if (p->def != NULL) {
            set_param(p, blk, p->def);
        }
    }
    for (; cfg != NULL && cfg->k != NULL; cfg++) {
        const struct sl_param *p = tab;
        while (p->name != NULL && strcasecmp(p->name, cfg->k) != 0) {
            p++;
        }
        ck_assert_msg(p->name != NULL, "unknown parameter %s", cfg->k);
        set_param(p, blk, cfg->v);
    }
}

struct om {
    void *mod, *inst, *wrk;
};

static int om_new(struct om *o, const struct kv *cfg)
{
    fh_reset();
    fh_render_hook = render_hook;
    o->mod = calloc(1, PLUG->mod_size);
    o->inst = calloc(1, PLUG->inst_size);
    o->wrk = calloc(1, PLUG->wrk_size);
    fill(PLUG->module_params, o->mod, NULL);
    fill(PLUG->inst_params, o->inst, cfg);
    int rc = PLUG->out->create(o->inst, o->mod, &fh_host);
    if (rc == 0) {
        ck_assert_int_eq(PLUG->out->worker_create(o->inst, o->wrk), 0);
    }
    return rc;
}

static void om_free(struct om *o, int created)
{
    if (created) {
        PLUG->out->worker_destroy(o->inst, o->wrk);
        PLUG->out->destroy(o->inst);
    }
    free(o->mod);
    free(o->inst);
    free(o->wrk);
}

static int deliver_texts(struct om *o, const char *const *texts, size_t n)
{
    struct sl_msg **m = calloc(n, sizeof *m);
    for (size_t i = 0; i < n; i++) {
        m[i] = fh_msg(texts[i]);
    }
    struct sl_batch b = { n, m, NULL };
    struct sl_verdict v = { 0, NULL };
    int rc = PLUG->out->deliver(o->inst, o->wrk, &b, &v);
    for (size_t i = 0; i < n; i++) {
        fh_host.msg_unref(m[i]);
    }
    free(m);
    return rc;
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void sleep_ms(int ms)
{
    struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };
    nanosleep(&ts, NULL);
}

/* A free port of the given type on 127.0.0.1 (bind to 0, read it back, close). */
static int free_port(int type)
{
    int fd = socket(AF_INET, type, 0);
    ck_assert_int_ge(fd, 0);
    struct sockaddr_in sa = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
    ck_assert_int_eq(bind(fd, (struct sockaddr *)&sa, sizeof sa), 0);
    socklen_t sl = sizeof sa;
    ck_assert_int_eq(getsockname(fd, (struct sockaddr *)&sa, &sl), 0);
    close(fd);
    return ntohs(sa.sin_port);
}

static char *slurp(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        return NULL;
    }
    size_t cap = 4096, len = 0, r;
    char *p = malloc(cap);
    while ((r = fread(p + len, 1, cap - len - 1, f)) > 0) {
        len += r;
        if (cap - len < 2) {
            cap *= 2;
            p = realloc(p, cap);
        }
    }
    p[len] = '\0';
    fclose(f);
    return p;
}

static int count_lines(const char *s)
{
    int n = 0;
    for (; s != NULL && *s != '\0'; s++) {
        n += (*s == '\n');
    }
    return n;
}

/* ---- rsyslogd as the receiving peer ------------------------------------------------- */
struct rs {
    char dir[128];
    char raw[200];
    int udp, tcp;
    pid_t pid;
};

static int port_listening(const char *ssflags, int port)
{
    char cmd[128], line[512], want[64];
    snprintf(cmd, sizeof cmd, "ss %s 2>/dev/null", ssflags);
    snprintf(want, sizeof want, "127.0.0.1:%d ", port);
    FILE *p = popen(cmd, "r");
    int found = 0;
    while (p != NULL && fgets(line, sizeof line, p) != NULL) {
        if (strstr(line, want) != NULL) {
            found = 1;
        }
    }
    if (p != NULL) {
        pclose(p);
    }
    return found;
}

static void rs_start(struct rs *r)
{
    char conf[200];
    snprintf(conf, sizeof conf, "%s/rs.conf", r->dir);
    snprintf(r->raw, sizeof r->raw, "%s/raw.log", r->dir);
    FILE *f = fopen(conf, "w");
    ck_assert_ptr_nonnull(f);
    fprintf(f,
            "global(workDirectory=\"%s\" maxMessageSize=\"64k\")\n"
            "template(name=\"raw\" type=\"string\" string=\"%%rawmsg%%\\n\")\n"
            "ruleset(name=\"in\") {\n"
            "  action(type=\"omfile\" file=\"%s\" template=\"raw\")\n"
            "}\n"
            "module(load=\"imudp\")\n"
            "input(type=\"imudp\" address=\"127.0.0.1\" port=\"%d\" ruleset=\"in\")\n"
            "module(load=\"imtcp\")\n"
            "input(type=\"imtcp\" address=\"127.0.0.1\" port=\"%d\" ruleset=\"in\")\n",
            r->dir, r->raw, r->udp, r->tcp);
    fclose(f);
    char errpath[200];
    snprintf(errpath, sizeof errpath, "%s/rs.err", r->dir);
    r->pid = fork();
    ck_assert_int_ge(r->pid, 0);
    if (r->pid == 0) {
        int fd = open(errpath, O_WRONLY | O_CREAT | O_APPEND, 0644);
        if (fd >= 0) {
            dup2(fd, 1);
            dup2(fd, 2);
        }
        /* never outlive the test process, even when an assertion ends it early */
        prctl(PR_SET_PDEATHSIG, SIGTERM);
        execlp("rsyslogd", "rsyslogd", "-n", "-iNONE", "-f", conf, (char *)NULL);
        _exit(127);
    }
    int ok = 0;
    for (int i = 0; i < 100 && !ok; i++) {
        ok = port_listening("-Hlun", r->udp) && port_listening("-Hltn", r->tcp);
        if (!ok) {
            int st;
            ck_assert_msg(waitpid(r->pid, &st, WNOHANG) == 0, "rsyslogd exited early");
            sleep_ms(100);
        }
    }
    ck_assert_msg(ok, "rsyslogd did not listen on udp %d / tcp %d", r->udp, r->tcp);
}

static void rs_stop(struct rs *r)
{
    if (r->pid <= 0) {
        return;
    }
    kill(r->pid, SIGTERM);
    int st;
    for (int i = 0; i < 100; i++) {
        if (waitpid(r->pid, &st, WNOHANG) == r->pid) {
            r->pid = 0;
            return;
        }
        sleep_ms(100);
    }
    kill(r->pid, SIGKILL);
    waitpid(r->pid, &st, 0);
    r->pid = 0;
}

static void rs_init(struct rs *r)
{
    snprintf(r->dir, sizeof r->dir, "/tmp/sl_omfwd_XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(r->dir));
    r->udp = free_port(SOCK_DGRAM);
    r->tcp = free_port(SOCK_STREAM);
    r->pid = 0;
    rs_start(r);
}

static void rs_cleanup(struct rs *r)
{
    rs_stop(r);
    char cmd[200];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", r->dir);
    ck_assert_int_eq(system(cmd), 0);
}

/* Wait (bounded) until raw.log has at least n lines; returns its content. */
static char *rs_wait_lines(struct rs *r, int n)
{
    char *s = NULL;
    for (int i = 0; i < 100; i++) {
        free(s);
        s = slurp(r->raw);
        if (s != NULL && count_lines(s) >= n) {
            return s;
        }
        sleep_ms(100);
    }
    ck_abort_msg("receiver wrote only %d of %d lines", count_lines(s), n);
    return s;
}

/* ---- tests -------------------------------------------------------------------------- */

START_TEST(udp_to_rsyslog_with_truncation)
{
    struct rs r;
    rs_init(&r);
    char port[16];
    snprintf(port, sizeof port, "%d", r.udp);
    struct kv cfg[] = { { "target", "127.0.0.1" }, { "port", port }, { "protocol", "udp" },
                        { NULL, NULL } };
    struct om o;
    ck_assert_int_eq(om_new(&o, cfg), 0);
    fh_max_msg_size = 100;
    char texts[20][200];
    const char *p[20];
    char expect[8192] = "";
    for (int i = 0; i < 20; i++) {
        snprintf(texts[i], sizeof texts[i], "<13>Nov 22 10:00:00 host app: udp message %d", i);
        p[i] = texts[i];
    }
    /* the last one is longer than maxMessageSize: rsyslog sends the first 100 bytes */
    memset(texts[19], 'x', 150);
    memcpy(texts[19], "<13>long ", 9);
    texts[19][150] = '\0';
    size_t el = 0;
    for (int i = 0; i < 20; i++) {
        size_t l = strlen(texts[i]) < 100 ? strlen(texts[i]) : 100;
        memcpy(expect + el, texts[i], l);
        el += l;
        expect[el++] = '\n';
    }
    expect[el] = '\0';
    uint64_t sent0 = fh_counter_value("sent");
    ck_assert_int_eq(deliver_texts(&o, p, 20), SL_OK);
    char *s = rs_wait_lines(&r, 20);
    ck_assert_str_eq(s, expect);
    free(s);
    ck_assert_uint_eq(fh_counter_value("sent") - sent0, 20);
    om_free(&o, 1);
    rs_cleanup(&r);
}
END_TEST

START_TEST(udp_to_closed_port_never_suspends)
{
    int port = free_port(SOCK_DGRAM);
    char ps[16];
    snprintf(ps, sizeof ps, "%d", port);
    struct kv cfg[] = { { "target", "127.0.0.1" }, { "port", ps },
                        { "maxErrorMessages", "1" }, { NULL, NULL } };
    struct om o;
    ck_assert_int_eq(om_new(&o, cfg), 0);
    const char *m[] = { "a", "b" };
    for (int i = 0; i < 5; i++) {
        ck_assert_int_eq(deliver_texts(&o, m, 2), SL_OK);
    }
    ck_assert_uint_eq(fh_counter_value("failed"), 0);
    /* records too big for a datagram are truncated to 65507 bytes and sent, with an error
     * logged each time, as rsyslog 8.2302 does; the action is never suspended */
    fh_max_msg_size = 70000;
    char *big = malloc(70001);
    memset(big, 'B', 70000);
    big[70000] = '\0';
    const char *mb[] = { big, "small", big };
    uint64_t sent0 = fh_counter_value("sent");
    int errs0 = fh_log_count[SL_LOG_ERR];
    ck_assert_int_eq(deliver_texts(&o, mb, 3), SL_OK);
    ck_assert_uint_eq(fh_counter_value("failed"), 0);
    ck_assert_uint_eq(fh_counter_value("sent") - sent0, 3);
    ck_assert_int_eq(fh_log_count[SL_LOG_ERR] - errs0, 2);
    ck_assert_ptr_nonnull(strstr(fh_last_log, "truncating message"));
    free(big);
    om_free(&o, 1);
}
END_TEST

START_TEST(tcp_lf_to_rsyslog)
{
    struct rs r;
    rs_init(&r);
    char port[16];
    snprintf(port, sizeof port, "%d", r.tcp);
    struct kv cfg[] = { { "target", "127.0.0.1" }, { "port", port }, { "protocol", "tcp" },
                        { NULL, NULL } };
    struct om o;
    ck_assert_int_eq(om_new(&o, cfg), 0);
    /* a record that already ends in LF gets no second one (no empty message appears) */
    const char *m[] = { "<13>first", "<13>second already terminated\n", "<13>third" };
    ck_assert_int_eq(deliver_texts(&o, m, 3), SL_OK);
    const char *m2[] = { "<13>fourth" };
    ck_assert_int_eq(deliver_texts(&o, m2, 1), SL_OK);
    char *s = rs_wait_lines(&r, 4);
    sleep_ms(300);  /* let a wrong extra frame show up, if any */
    free(s);
    s = slurp(r.raw);
    ck_assert_str_eq(s, "<13>first\n<13>second already terminated\n<13>third\n<13>fourth\n");
    free(s);
    om_free(&o, 1);
    rs_cleanup(&r);
}
END_TEST

START_TEST(tcp_octet_counted_to_rsyslog)
{
    struct rs r;
    rs_init(&r);
    char port[16];
    snprintf(port, sizeof port, "%d", r.tcp);
    struct kv cfg[] = { { "target", "127.0.0.1" }, { "port", port }, { "protocol", "tcp" },
                        { "tcp_framing", "octet-counted" }, { NULL, NULL } };
    struct om o;
    ck_assert_int_eq(om_new(&o, cfg), 0);
    /* an embedded LF stays inside its frame (rsyslog escapes it as #012) */
    const char *m[] = { "<13>one", "<13>multi\nline", "<13>three" };
    ck_assert_int_eq(deliver_texts(&o, m, 3), SL_OK);
    char *s = rs_wait_lines(&r, 3);
    ck_assert_str_eq(s, "<13>one\n<13>multi#012line\n<13>three\n");
    free(s);
    om_free(&o, 1);
    rs_cleanup(&r);
}
END_TEST

/* Exact bytes on the wire, read from a plain listening socket. */
static int listen_tcp(int *port)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    int one = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    struct sockaddr_in sa = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
    ck_assert_int_eq(bind(fd, (struct sockaddr *)&sa, sizeof sa), 0);
    ck_assert_int_eq(listen(fd, 4), 0);
    socklen_t sl = sizeof sa;
    getsockname(fd, (struct sockaddr *)&sa, &sl);
    *port = ntohs(sa.sin_port);
    return fd;
}

/* Accept one connection and read until want bytes arrived (or 5 s passed). */
static size_t read_bytes(int lfd, int *cfd, char *buf, size_t want)
{
    struct pollfd p = { .fd = lfd, .events = POLLIN };
    if (*cfd < 0) {
        ck_assert_int_eq(poll(&p, 1, 5000), 1);
        *cfd = accept(lfd, NULL, NULL);
        ck_assert_int_ge(*cfd, 0);
    }
    size_t got = 0;
    double end = now_s() + 5;
    while (got < want && now_s() < end) {
        struct pollfd q = { .fd = *cfd, .events = POLLIN };
        if (poll(&q, 1, 200) == 1) {
            ssize_t r = read(*cfd, buf + got, want - got);
            if (r <= 0) {
                break;
            }
            got += (size_t)r;
        }
    }
    return got;
}

START_TEST(exact_framing_bytes)
{
    char buf[512];
    int port, cfd = -1;
    int lfd = listen_tcp(&port);
    char ps[16];
    snprintf(ps, sizeof ps, "%d", port);
    fh_max_msg_size = 8;

    struct kv lf[] = { { "target", "127.0.0.1" }, { "port", ps }, { "protocol", "tcp" },
                       { "tcp_frameDelimiter", "0" }, { NULL, NULL } };
    struct om o;
    ck_assert_int_eq(om_new(&o, lf), 0);
    fh_max_msg_size = 8;   /* om_new reset the fake host */
    const char *m[] = { "abc", "123456789012", "", "xy" };
    ck_assert_int_eq(deliver_texts(&o, m, 4), SL_OK);
    const char want1[] = "abc\0" "12345678\0" "\0" "xy\0";
    ck_assert_uint_eq(read_bytes(lfd, &cfd, buf, sizeof want1 - 1), sizeof want1 - 1);
    ck_assert_mem_eq(buf, want1, sizeof want1 - 1);
    om_free(&o, 1);
    close(cfd);
    cfd = -1;

    struct kv oc[] = { { "target", "127.0.0.1" }, { "port", ps }, { "protocol", "tcp" },
                       { "tcp_framing", "octet-counted" }, { NULL, NULL } };
    ck_assert_int_eq(om_new(&o, oc), 0);
    fh_max_msg_size = 8;
    const char *m2[] = { "abc\n", "123456789012", "", "a" };
    ck_assert_int_eq(deliver_texts(&o, m2, 4), SL_OK);
    const char want2[] = "4 abc\n8 123456780 1 a";
    ck_assert_uint_eq(read_bytes(lfd, &cfd, buf, sizeof want2 - 1), sizeof want2 - 1);
    ck_assert_mem_eq(buf, want2, sizeof want2 - 1);
    om_free(&o, 1);
    close(cfd);
    cfd = -1;

    /* default delimiter LF: appended only when the record does not end with it */
    struct kv dl[] = { { "target", "127.0.0.1" }, { "port", ps }, { "protocol", "tcp" },
                       { NULL, NULL } };
    ck_assert_int_eq(om_new(&o, dl), 0);
    const char *m3[] = { "x\n", "y", "", "z\n" };
    ck_assert_int_eq(deliver_texts(&o, m3, 4), SL_OK);
    om_free(&o, 1);   /* closes the connection: read everything up to EOF */
    const char want3[] = "x\ny\n\nz\n";
    ck_assert_uint_eq(read_bytes(lfd, &cfd, buf, sizeof buf), sizeof want3 - 1);
    ck_assert_mem_eq(buf, want3, sizeof want3 - 1);
    close(cfd);
    close(lfd);
}
END_TEST

/* address= binds the source; rebindInterval=N reconnects after N records. */
START_TEST(source_address_and_rebind_interval)
{
    char buf[256];
    int port;
    int lfd = listen_tcp(&port);
    char ps[16];
    snprintf(ps, sizeof ps, "%d", port);
    struct kv cfg[] = { { "target", "127.0.0.1" }, { "port", ps }, { "protocol", "tcp" },
                        { "address", "127.0.0.2" }, { "rebindInterval", "2" }, { NULL, NULL } };
    struct om o;
    ck_assert_int_eq(om_new(&o, cfg), 0);
    const char *m[] = { "a", "b" };
    ck_assert_int_eq(deliver_texts(&o, m, 2), SL_OK);   /* 2 records: closed afterwards */
    const char *m2[] = { "c" };
    ck_assert_int_eq(deliver_texts(&o, m2, 1), SL_OK);  /* a second connection */
    om_free(&o, 1);
    int c1 = -1, c2 = -1;
    ck_assert_uint_eq(read_bytes(lfd, &c1, buf, sizeof buf), 4);
    ck_assert_mem_eq(buf, "a\nb\n", 4);
    struct sockaddr_in peer;
    socklen_t pl = sizeof peer;
    ck_assert_int_eq(getpeername(c1, (struct sockaddr *)&peer, &pl), 0);
    ck_assert_uint_eq(ntohl(peer.sin_addr.s_addr), 0x7f000002u);
    ck_assert_uint_eq(read_bytes(lfd, &c2, buf, sizeof buf), 2);
    ck_assert_mem_eq(buf, "c\n", 2);
    close(c1);
    close(c2);
    close(lfd);
}
END_TEST

START_TEST(connect_refused_suspends_quickly)
{
    int port = free_port(SOCK_STREAM);
    char ps[16];
    snprintf(ps, sizeof ps, "%d", port);
    struct kv cfg[] = { { "target", "127.0.0.1" }, { "port", ps }, { "protocol", "tcp" },
                        { NULL, NULL } };
    struct om o;
    ck_assert_int_eq(om_new(&o, cfg), 0);
    const char *m[] = { "x" };
    double t0 = now_s();
    ck_assert_int_eq(deliver_texts(&o, m, 1), SL_SUSPEND);
    ck_assert_int_eq(deliver_texts(&o, m, 1), SL_SUSPEND);
    ck_assert(now_s() - t0 < 2.0);
    ck_assert_int_eq(fh_log_count[SL_LOG_WARNING], 1);  /* logged once per outage */
    om_free(&o, 1);
}
END_TEST

START_TEST(tcp_reconnect_after_receiver_restart)
{
    struct rs r;
    rs_init(&r);
    char port[16];
    snprintf(port, sizeof port, "%d", r.tcp);
    struct kv cfg[] = { { "target", "127.0.0.1" }, { "port", port }, { "protocol", "tcp" },
                        { "KeepAlive", "on" }, { NULL, NULL } };
    struct om o;
    ck_assert_int_eq(om_new(&o, cfg), 0);
    const char *m1[] = { "<13>before 1", "<13>before 2" };
    ck_assert_int_eq(deliver_texts(&o, m1, 2), SL_OK);
    char *s = rs_wait_lines(&r, 2);
    free(s);

    rs_stop(&r);
    const char *m2[] = { "<13>after 1", "<13>after 2" };
    double t0 = now_s();
    ck_assert_int_eq(deliver_texts(&o, m2, 2), SL_SUSPEND);
    ck_assert_msg(now_s() - t0 < 2.0, "SL_SUSPEND took %.1f s", now_s() - t0);
    ck_assert_int_eq(deliver_texts(&o, m2, 2), SL_SUSPEND);

    rs_start(&r);
    /* the core retries the suspended batch after its back-off */
    ck_assert_int_eq(deliver_texts(&o, m2, 2), SL_OK);
    s = rs_wait_lines(&r, 4);
    ck_assert_str_eq(s, "<13>before 1\n<13>before 2\n<13>after 1\n<13>after 2\n");
    free(s);
    om_free(&o, 1);
    rs_cleanup(&r);
}
END_TEST

/* Reset tests: N records of L bytes ("r000001-xxxxxxxxxxx\n"...) written in batches of 500
 * (gap_ms between the halves) to a listener that accepts, never reads and closes: the
 * kernel resets the connection with the data its TCP acknowledged unread.  160 KB: the held
 * bytes span three chunks (OMFWD_HC_SIZE), so a replay crosses chunk boundaries, and one
 * bounded by bytes starts behind chunks already let go. */
enum { RST_N = 8000, RST_L = 20 };
static char rst_texts[RST_N][24];
static char rst_buf[RST_N * RST_L + 64];

static void write_then_reset(struct om *o, int lfd, const char *max_age,
                             const char *max_bytes, int gap_ms)
{
    static const char *ptr[RST_N];
    for (int i = 0; i < RST_N; i++) {
        snprintf(rst_texts[i], sizeof rst_texts[i], "r%06d-xxxxxxxxxxx", i + 1); /* 19 + LF */
        ptr[i] = rst_texts[i];
    }
    int port;
    struct sockaddr_in sa;
    socklen_t sl = sizeof sa;
    ck_assert_int_eq(getsockname(lfd, (struct sockaddr *)&sa, &sl), 0);
    port = ntohs(sa.sin_port);
    int rcvbuf = 1 << 20;   /* the accepted socket takes all of it unread (and acknowledged) */
    setsockopt(lfd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof rcvbuf);
    char ps[16];
    snprintf(ps, sizeof ps, "%d", port);
    struct kv cfg[] = { { "target", "127.0.0.1" }, { "port", ps }, { "protocol", "tcp" },
                        { "resend.maxAge", max_age }, { "resend.maxBytes", max_bytes },
                        { NULL, NULL } };
    ck_assert_int_eq(om_new(o, cfg), 0);
    for (int i = 0; i < RST_N; i += 500) {
        if (i == RST_N / 2 && gap_ms > 0) {
            sleep_ms(gap_ms);
        }
        ck_assert_int_eq(deliver_texts(o, ptr + i, 500), SL_OK);
    }
    struct pollfd p = { .fd = lfd, .events = POLLIN };
    ck_assert_int_eq(poll(&p, 1, 5000), 1);
    int cfd = accept(lfd, NULL, NULL);
    ck_assert_int_ge(cfd, 0);
    sleep_ms(200);          /* acknowledged by our TCP, never read */
    close(cfd);             /* unread data: the kernel resets the connection */
    sleep_ms(100);
}

/* After the reset: the next batch ("after 1") comes on a new connection (*cfd) behind the
 * newest `expect` records sent again, and "resent" counts them. */
static void expect_replay(struct om *o, int lfd, int *cfd, size_t expect)
{
    const char *after[] = { "after 1" };
    ck_assert_int_eq(deliver_texts(o, after, 1), SL_OK);
    size_t want = expect * RST_L + 8;
    *cfd = -1;
    ck_assert_uint_eq(read_bytes(lfd, cfd, rst_buf, want), want);
    for (size_t i = 0; i < expect; i++) {
        ck_assert_mem_eq(rst_buf + i * RST_L, rst_texts[RST_N - expect + i], RST_L - 1);
    }
    ck_assert_mem_eq(rst_buf + expect * RST_L, "after 1\n", 8);
    ck_assert_uint_eq(fh_counter_value("resent"), expect);
}

/* A receiver that closes its socket with data unread resets the connection: what its TCP
 * had acknowledged is sent again on the next connection (duplicates rather than loss).  A
 * receiver that read everything and closed cleanly gets only what is new. */
START_TEST(tcp_reset_replays_acknowledged_tail)
{
    int port, cfd;
    int lfd = listen_tcp(&port);
    struct om o;
    write_then_reset(&o, lfd, "2000", "4194304", 0);  /* 40 KB left unread */
    expect_replay(&o, lfd, &cfd, RST_N);

    /* everything read, then a clean close: nothing is sent twice */
    sleep_ms(200);
    close(cfd);
    sleep_ms(100);
    const char *after2[] = { "after 2" };
    ck_assert_int_eq(deliver_texts(&o, after2, 1), SL_OK);
    cfd = -1;
    ck_assert_uint_eq(read_bytes(lfd, &cfd, rst_buf, 8), 8);
    ck_assert_mem_eq(rst_buf, "after 2\n", 8);
    om_free(&o, 1);
    ck_assert_uint_eq(read_bytes(lfd, &cfd, rst_buf, sizeof rst_buf), 0);   /* nothing more */
    close(cfd);
    close(lfd);
}
END_TEST

/* The replay after a reset is bounded: records written more than resend.maxAge ms before
 * the last write, and acknowledged bytes beyond resend.maxBytes, are not sent again (they
 * are what the old fixed 4 MiB window resent as duplicates).  The halves are written
 * 400 ms apart. */
static void reset_replay_bounded(const char *max_age, const char *max_bytes, size_t expect)
{
    int port, cfd;
    int lfd = listen_tcp(&port);
    struct om o;
    write_then_reset(&o, lfd, max_age, max_bytes, 400);
    expect_replay(&o, lfd, &cfd, expect);
    om_free(&o, 1);
    ck_assert_uint_eq(read_bytes(lfd, &cfd, rst_buf, sizeof rst_buf), 0);   /* nothing more */
    close(cfd);
    close(lfd);
}

START_TEST(tcp_reset_replay_bounded_by_age)
{
    reset_replay_bounded("150", "4194304", RST_N / 2);    /* the second half only */
}
END_TEST

START_TEST(tcp_reset_replay_bounded_by_bytes)
{
    reset_replay_bounded("2000", "8192", 8192 / RST_L);  /* the newest 409 records */
}
END_TEST

START_TEST(tcp_reset_no_replay_with_max_age_0)
{
    reset_replay_bounded("0", "4194304", 0);    /* only what was not acknowledged: nothing */
}
END_TEST

START_TEST(config_checks)
{
    struct om o;
    struct kv tls[] = { { "target", "127.0.0.1" }, { "protocol", "tcp" },
                        { "StreamDriver", "gtls" }, { "StreamDriverMode", "1" },
                        { "StreamDriverAuthMode", "x509/name" }, { NULL, NULL } };
    ck_assert_int_eq(om_new(&o, tls), SL_ECONFIG);
    ck_assert_ptr_nonnull(strstr(fh_last_log, "needs a CA file"));
    om_free(&o, 0);
    struct kv plain[] = { { "target", "127.0.0.1" }, { "protocol", "tcp" },
                          { "StreamDriver", "gtls" }, { "StreamDriverMode", "0" },
                          { NULL, NULL } };
    ck_assert_int_eq(om_new(&o, plain), 0);
    om_free(&o, 1);
    struct kv notarget[] = { { "port", "1514" }, { NULL, NULL } };
    ck_assert_int_eq(om_new(&o, notarget), SL_ECONFIG);
    om_free(&o, 0);
    /* compression is accepted (tests/integration/fwd-compress.sh checks it on the wire) */
    struct kv zip[] = { { "target", "h" }, { "compression.mode", "single" }, { NULL, NULL } };
    ck_assert_int_eq(om_new(&o, zip), 0);
    om_free(&o, 1);
}
END_TEST

static Suite *omfwd_suite(void)
{
    Suite *s = suite_create("omfwd");
    TCase *tc = tcase_create("core");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, config_checks);
    tcase_add_test(tc, exact_framing_bytes);
    tcase_add_test(tc, connect_refused_suspends_quickly);
    tcase_add_test(tc, source_address_and_rebind_interval);
    tcase_add_test(tc, udp_to_closed_port_never_suspends);
    tcase_add_test(tc, udp_to_rsyslog_with_truncation);
    tcase_add_test(tc, tcp_lf_to_rsyslog);
    tcase_add_test(tc, tcp_octet_counted_to_rsyslog);
    tcase_add_test(tc, tcp_reconnect_after_receiver_restart);
    tcase_add_test(tc, tcp_reset_replays_acknowledged_tail);
    tcase_add_test(tc, tcp_reset_replay_bounded_by_age);
    tcase_add_test(tc, tcp_reset_replay_bounded_by_bytes);
    tcase_add_test(tc, tcp_reset_no_replay_with_max_age_0);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    signal(SIGPIPE, SIG_IGN);
    SRunner *sr = srunner_create(omfwd_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
