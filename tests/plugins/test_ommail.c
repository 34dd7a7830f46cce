/*
 * test_ommail.c - the ommail plugin against the fake host and the real aiosmtpd sink
 * (tests/mail/smtp_sink.py, started by the test on a free port of 127.0.0.1): the verdicts
 * of deliver() for batches that mix outcomes, which the integration tests cannot arrange
 * (the core chooses the batches there).  A body line longer than 998 bytes draws a
 * permanent "500 Line too long" from the sink, --tempfail 1 a transient 451 for the next
 * DATA; the retry of the same batch must neither send a mail twice nor lose a 5xx mark.
 *
 * Every wait is bounded (sink start 10 s); the sink is stopped by its PID and dies with the
 * test process (PR_SET_PDEATHSIG).
 *
 * Concurrency & locking: single-threaded tests (Check forks one process per test).
 */
#include <check.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "fakehost.h"
#include "plugparams.h"

extern const struct sl_plugin sluice_plugin;
#define PLUG (&sluice_plugin)

struct sink {
    char dir[128];
    int port;
    pid_t pid;
};

static void sleep_ms(int ms)
{
    struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };
    nanosleep(&ts, NULL);
}

static int free_port(void)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    ck_assert_int_ge(fd, 0);
    struct sockaddr_in sa = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
    ck_assert_int_eq(bind(fd, (struct sockaddr *)&sa, sizeof sa), 0);
    socklen_t sl = sizeof sa;
    ck_assert_int_eq(getsockname(fd, (struct sockaddr *)&sa, &sl), 0);
    close(fd);
    return ntohs(sa.sin_port);
}

static int file_has(const char *path, const char *what)
{
    char line[512];
    int found = 0;
    FILE *f = fopen(path, "r");
    while (f != NULL && fgets(line, sizeof line, f) != NULL) {
        found |= strstr(line, what) != NULL;
    }
    if (f != NULL) {
        fclose(f);
    }
    return found;
}

static int count_mails(const struct sink *s)
{
    char path[200], line[2048];
    snprintf(path, sizeof path, "%s/index.jsonl", s->dir);
    FILE *f = fopen(path, "r");
    int n = 0;
    while (f != NULL && fgets(line, sizeof line, f) != NULL) {
        n++;
    }
    if (f != NULL) {
        fclose(f);
    }
    return n;
}

static void sink_start_on(struct sink *s, const char *tempfail, int port_no)
{
    const char *src = getenv("top_srcdir");
    char script[512], out[200], port[16];
    snprintf(script, sizeof script, "%s/tests/mail/smtp_sink.py", src != NULL ? src : ".");
    snprintf(s->dir, sizeof s->dir, "/tmp/test_ommail.XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(s->dir));
    snprintf(out, sizeof out, "%s/sink.out", s->dir);
    s->port = port_no != 0 ? port_no : free_port();
    snprintf(port, sizeof port, "%d", s->port);
    s->pid = fork();
    ck_assert_int_ge(s->pid, 0);
    if (s->pid == 0) {
        int fd = open(out, O_WRONLY | O_CREAT | O_TRUNC, 0644);
        if (fd >= 0) {
            dup2(fd, 1);
            dup2(fd, 2);
        }
        prctl(PR_SET_PDEATHSIG, SIGTERM);
        execl("/usr/bin/python3", "python3", script, "--dir", s->dir, "--plain", port,
              "--tempfail", tempfail, "--timeout", "60", (char *)NULL);
        _exit(127);
    }
    for (int i = 0; i < 100; i++) {
        if (file_has(out, "READY")) {
            return;
        }
        int st;
        ck_assert_msg(waitpid(s->pid, &st, WNOHANG) == 0, "smtp_sink.py exited early");
        sleep_ms(100);
    }
    ck_abort_msg("smtp_sink.py not ready after 10 s");
}

static void sink_start(struct sink *s, const char *tempfail)
{
    sink_start_on(s, tempfail, 0);
}

static void sink_stop(struct sink *s)
{
    if (s->pid > 0) {
        kill(s->pid, SIGTERM);
        int st;
        waitpid(s->pid, &st, 0);
        s->pid = 0;
    }
    char cmd[256];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", s->dir);
    ck_assert_int_eq(system(cmd), 0);
}

struct fixture {
    void *inst, *wrk;
    char port[16];
};

static void mail_open(struct fixture *f, const struct sink *s)
{
    pt_reset();
    fh_reset();
    ck_assert_int_eq(PLUG->mod_init(&fh_host, NULL), 0);
    f->inst = pt_new_block(PLUG->inst_params, PLUG->inst_size);
    snprintf(f->port, sizeof f->port, "%d", s->port);
    pt_set_param(PLUG->inst_params, f->inst, "server", "127.0.0.1");
    pt_set_param(PLUG->inst_params, f->inst, "port", f->port);
    pt_set_param(PLUG->inst_params, f->inst, "mailfrom", "alert@example.test");
    pt_set_param(PLUG->inst_params, f->inst, "mailto", "ops@example.test,oncall@example.test");
    pt_set_param(PLUG->inst_params, f->inst, "subject.text", "unit");
    ck_assert_int_eq(PLUG->out->create(f->inst, NULL, &fh_host), 0);
    f->wrk = calloc(1, PLUG->wrk_size);
    ck_assert_int_eq(PLUG->out->worker_create(f->inst, f->wrk), 0);
}

static void mail_close(struct fixture *f)
{
    PLUG->out->worker_destroy(f->inst, f->wrk);
    PLUG->out->destroy(f->inst);
    PLUG->mod_fini(NULL);
    free(f->wrk);
    free(f->inst);
}

static struct sl_msg *long_msg(void)
{
    static char text[1601];
    memset(text, 'x', sizeof text - 1);
    text[sizeof text - 1] = '\0';
    return fh_msg(text);
}

static int deliver(struct fixture *f, struct sl_msg **m, size_t n, uint8_t *bad, size_t *done)
{
    struct sl_batch b = { .n = n, .msgs = m, .ack = NULL };
    memset(bad, 0, n);
    struct sl_verdict v = { .done = 0, .bad = bad };
    int r = PLUG->out->deliver(f->inst, f->wrk, &b, &v);
    *done = v.done;
    return r;
}

/* [5xx, 451, ok]: suspend without marks; the retry marks the first bad, sends the others
 * once. */
START_TEST(perm_then_temp_at_start)
{
    struct sink s;
    struct fixture f;
    sink_start(&s, "1");
    mail_open(&f, &s);
    struct sl_msg *m[3] = { long_msg(), fh_msg("second"), fh_msg("third") };
    uint8_t bad[3];
    size_t done;
    ck_assert_int_eq(deliver(&f, m, 3, bad, &done), SL_SUSPEND);
    ck_assert_int_eq(bad[0] | bad[1] | bad[2], 0);
    ck_assert_int_eq(count_mails(&s), 0);
    ck_assert_int_eq(deliver(&f, m, 3, bad, &done), SL_BAD_DATA);
    ck_assert_int_eq(bad[0], 1);
    ck_assert_int_eq(bad[1] | bad[2], 0);
    ck_assert_int_eq(count_mails(&s), 2);
    /* the 500 was sent once only: remembered, not tried again */
    ck_assert_uint_eq(fh_counter_value("failed.5xx"), 1);
    ck_assert_uint_eq(fh_counter_value("failed.4xx"), 1);
    ck_assert_uint_eq(fh_counter_value("mails.sent"), 2);
    ck_assert_int_gt(fh_log_count[SL_LOG_ERR], 0);
    for (int i = 0; i < 3; i++) {
        fh_host.msg_unref(m[i]);
    }
    mail_close(&f);
    sink_stop(&s);
}
END_TEST

/* The sink goes away while the batch is being delivered: the render hook stops it just
 * before the named message is mailed. */
static struct sink *kill_sink;
static const char *kill_before;

static int render_and_kill(const struct sl_template *t, struct sl_msg *m, struct sl_buf *out)
{
    (void)t;
    if (kill_sink != NULL && kill_before != NULL && strcmp(m->raw, kill_before) == 0 &&
        kill_sink->pid > 0) {
        kill(kill_sink->pid, SIGTERM);
        int st;
        waitpid(kill_sink->pid, &st, 0);
        kill_sink->pid = 0;
    }
    if (fh_host.buf_reserve(out, m->len + 2) != 0) {
        return SL_ENOMEM;
    }
    memcpy(out->p + out->len, m->raw, m->len);
    out->len += m->len;
    out->p[out->len++] = '\n';
    out->p[out->len] = '\0';
    return 0;
}

/* [ok, 5xx, connection refused, ok]: partial after the first, remembering the 5xx; the
 * retry of [5xx, ...] marks it without sending it again and mails the rest once. */
START_TEST(ok_perm_down)
{
    struct sink s;
    struct fixture f;
    sink_start(&s, "0");
    mail_open(&f, &s);
    struct sl_msg *m[4] = { fh_msg("first"), long_msg(), fh_msg("third"), fh_msg("fourth") };
    uint8_t bad[4];
    size_t done;
    kill_sink = &s;
    kill_before = "third";
    fh_render_hook = render_and_kill;
    ck_assert_int_eq(deliver(&f, m, 4, bad, &done), SL_PARTIAL);
    ck_assert_uint_eq(done, 1);
    ck_assert_int_eq(bad[0] | bad[1] | bad[2] | bad[3], 0);
    ck_assert_int_eq(count_mails(&s), 1);
    ck_assert_uint_eq(fh_counter_value("failed.5xx"), 1);
    ck_assert_uint_eq(fh_counter_value("failed.connect"), 1);
    /* the server is back on the same port; the core retries from the 5xx on */
    kill_before = NULL;
    int port = s.port;
    sink_stop(&s);
    sink_start_on(&s, "0", port);
    ck_assert_int_eq(deliver(&f, m + 1, 3, bad, &done), SL_BAD_DATA);
    ck_assert_int_eq(bad[0], 1);
    ck_assert_int_eq(bad[1] | bad[2], 0);
    ck_assert_int_eq(count_mails(&s), 2);
    ck_assert_uint_eq(fh_counter_value("failed.5xx"), 1);   /* not sent again */
    ck_assert_uint_eq(fh_counter_value("mails.sent"), 3);
    /* a new batch starts clean */
    ck_assert_int_eq(deliver(&f, m + 1, 1, bad, &done), SL_BAD_DATA);
    ck_assert_uint_eq(fh_counter_value("failed.5xx"), 2);
    fh_render_hook = NULL;
    for (int i = 0; i < 4; i++) {
        fh_host.msg_unref(m[i]);
    }
    mail_close(&f);
    sink_stop(&s);
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("ommail");
    TCase *tc = tcase_create("verdicts");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, perm_then_temp_at_start);
    tcase_add_test(tc, ok_perm_down);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? 0 : 1;
}
