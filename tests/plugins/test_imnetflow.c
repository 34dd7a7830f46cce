/*
 * test_imnetflow.c - plugin tests for imnetflow against the fake host: softflowd's captured
 * v5/v9/IPFIX datagrams (nf_softflowd.h) sent over UDP on 127.0.0.1 to an instance on a
 * kernel-chosen port; checks the messages (header fields through msg_set_fields, %msg% JSON
 * in each profile, the $!flow tree), the allow-list, the counters, and the template cache
 * surviving a restart through workDirectory.
 *
 * The instance is built as the core would (parameter table defaults, then values), create,
 * open, run on a thread, stop, destroy.  Every wait is bounded.
 * Ownership: each test owns its instance.  Concurrency & locking: the fake host's capture
 * list is locked by fakehost.c.
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
#include "plugparams.h"
#include "sluice/sl_plugin.h"
#include "nf_softflowd.h"

extern const struct sl_plugin sluice_plugin;
#define PLUGIN (&sluice_plugin)
int sl_imnetflow_bound_port(const void *inst, int i);

struct tinst {
    void *inst;
    pthread_t th;
    int port;
};

static void *run_thread(void *arg)
{
    struct tinst *t = arg;
    PLUGIN->in->run(t->inst);
    return NULL;
}

static void start_inst(struct tinst *t, const char *const *kv)
{
    memset(t, 0, sizeof *t);
    t->inst = pt_new_block(PLUGIN->inst_params, PLUGIN->inst_size);
    pt_set_param(PLUGIN->inst_params, t->inst, "address", "127.0.0.1");
    pt_set_param(PLUGIN->inst_params, t->inst, "port", "0");
    pt_set_param(PLUGIN->inst_params, t->inst, "rcvbufSize", "4000000"); /* plugparams takes digits only */
    for (size_t i = 0; kv != NULL && kv[i] != NULL; i += 2) {
        pt_set_param(PLUGIN->inst_params, t->inst, kv[i], kv[i + 1]);
    }
    ck_assert_int_eq(PLUGIN->in->create(t->inst, NULL, &fh_host, NULL), 0);
    ck_assert_int_eq(PLUGIN->in->open(t->inst), 0);
    t->port = sl_imnetflow_bound_port(t->inst, 0);
    ck_assert_int_gt(t->port, 0);
    ck_assert_int_eq(pthread_create(&t->th, NULL, run_thread, t), 0);
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
}

static void send_to(int port, const void *p, size_t n)
{
    int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    ck_assert_int_ge(fd, 0);
    struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ck_assert_int_eq(sendto(fd, p, n, 0, (struct sockaddr *)&sa, sizeof sa), (ssize_t)n);
    close(fd);
}

static void setup(void)
{
    fh_reset();
    pt_reset();
}

START_TEST(t_messages)
{
    struct tinst t;
    start_inst(&t, NULL);
    send_to(t.port, sf_v5, sizeof sf_v5);
    ck_assert_int_eq(fh_wait_count(4, 5000), 0);
    struct sl_msg *m = fh_get(0);
    ck_assert_uint_eq(m->f_set, SL_MF_PRI | SL_MF_TAG | SL_MF_MSG);
    ck_assert_int_eq(m->f_pri, 16 * 8 + 5);
    ck_assert_str_eq(m->f_tag, "netflow:");
    ck_assert_str_eq(m->f_msg,
        "{\"8\":\"192.0.2.10\",\"12\":\"198.51.100.20\",\"15\":\"0.0.0.0\",\"10\":0,\"14\":0,"
        "\"2\":8,\"1\":820,\"22\":1700000000,\"21\":1700000000,\"7\":40000,\"11\":443,"
        "\"6\":27,\"4\":6,\"5\":0,\"16\":0,\"17\":0,\"9\":0,\"13\":0,"
        "\"152\":1700000000000,\"153\":1700000000100}");
    ck_assert_str_eq(m->raw, m->f_msg);
    ck_assert_int_eq(((struct sockaddr_in *)&m->peer)->sin_family, AF_INET);
    /* $!flow holds the same fields */
    const char *j = fh_json_text(m);
    char want[2048];
    snprintf(want, sizeof want, "{\"flow\":%s}", m->f_msg);
    ck_assert_str_eq(j, want);
    /* v9 and IPFIX from the same exporter */
    send_to(t.port, sf_v9, sizeof sf_v9);
    send_to(t.port, sf_v10, sizeof sf_v10);
    fh_wait_count(14, 5000);
    ck_assert_uint_eq(fh_count(), 14);
    ck_assert_ptr_nonnull(strstr(fh_get(13)->f_msg, "\"27\":\"2001:db8::1\""));
    /* garbage is counted */
    send_to(t.port, "\x00\x0a\x00\x30garbage-garbage", 20);
    send_to(t.port, "\x00\x07hello", 7);
    for (int i = 0; i < 500 && fh_counter_value("version.unknown") < 1; i++) {
        usleep(10000);
    }
    stop_inst(&t);
    ck_assert_uint_eq(fh_counter_value("flows"), 14 * 2);   /* listener + per exporter sets */
    ck_assert_uint_eq(fh_counter_value("submitted"), 14);
    ck_assert_uint_ge(fh_counter_value("malformed"), 1);
    ck_assert_uint_eq(fh_counter_value("version.unknown"), 1);
    ck_assert_uint_eq(fh_counter_value("options.records"), 2);
}
END_TEST

START_TEST(t_labels_and_allow)
{
    struct tinst t;
    static const char *const kv[] = { "format", "nprobe-labels", "allowedExporters",
                                      "192.0.2.0/24,127.0.0.0/8", "tag", "nprobe:",
                                      "severity", "info", "facility", "local3", NULL };
    start_inst(&t, kv);
    send_to(t.port, sf_v10, sizeof sf_v10);
    ck_assert_int_eq(fh_wait_count(5, 5000), 0);
    struct sl_msg *m = fh_get(0);
    ck_assert_int_eq(m->f_pri, 19 * 8 + 6);
    ck_assert_str_eq(m->f_tag, "nprobe:");
    ck_assert_ptr_nonnull(strstr(m->f_msg, "{\"IPV4_SRC_ADDR\":\"192.0.2.10\",\"IPV4_DST_ADDR\":"
                                           "\"198.51.100.20\",\"FLOW_START_MILLISECONDS\":"));
    ck_assert_ptr_nonnull(strstr(m->f_msg, "\"L4_SRC_PORT\":40000,\"L4_DST_PORT\":443,"
                                           "\"PROTOCOL\":6,"));
    stop_inst(&t);

    /* an exporter outside the list is dropped and counted */
    fh_reset();
    pt_reset();
    static const char *const kv2[] = { "format", "ipfix", "allowedExporters", "192.0.2.1",
                                       NULL };
    start_inst(&t, kv2);
    send_to(t.port, sf_v10, sizeof sf_v10);
    for (int i = 0; i < 500 && fh_counter_value("exporter.denied") < 1; i++) {
        usleep(10000);
    }
    stop_inst(&t);
    ck_assert_uint_eq(fh_counter_value("exporter.denied"), 1);
    ck_assert_uint_eq(fh_count(), 0);
}
END_TEST

struct thr_arg {
    void *inst;
    unsigned index;
};

static void *run_thr(void *arg)
{
    struct thr_arg *a = arg;
    PLUGIN->in->run_thread(a->inst, a->index, 2);
    return NULL;
}

/* threads=2: two socket sets (SO_REUSEPORT), two receive threads, one collector each; 8
 * exporters (source ports) spread over them, every flow decoded */
START_TEST(t_threads)
{
    void *inst = pt_new_block(PLUGIN->inst_params, PLUGIN->inst_size);
    pt_set_param(PLUGIN->inst_params, inst, "address", "127.0.0.1");
    pt_set_param(PLUGIN->inst_params, inst, "port", "0");
    pt_set_param(PLUGIN->inst_params, inst, "rcvbufSize", "4000000");
    pt_set_param(PLUGIN->inst_params, inst, "threads", "2");
    ck_assert_int_eq(PLUGIN->in->create(inst, NULL, &fh_host, NULL), 0);
    ck_assert_int_eq(PLUGIN->in->open(inst), 0);
    int port = sl_imnetflow_bound_port(inst, 0);
    pthread_t th[2];
    struct thr_arg a[2] = { { inst, 0 }, { inst, 1 } };
    for (int i = 0; i < 2; i++) {
        ck_assert_int_eq(pthread_create(&th[i], NULL, run_thr, &a[i]), 0);
    }
    for (int i = 0; i < 8; i++) {
        send_to(port, sf_v10, sizeof sf_v10);
    }
    fh_wait_count(40, 5000);
    ck_assert_uint_eq(fh_count(), 40);
    PLUGIN->in->stop(inst);
    for (int i = 0; i < 2; i++) {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        ts.tv_sec += 5;
        ck_assert_int_eq(pthread_timedjoin_np(th[i], NULL, &ts), 0);
    }
    PLUGIN->in->destroy(inst);
    free(inst);
    ck_assert_uint_eq(fh_counter_value("submitted"), 40);
}
END_TEST

/* an IPv6 exporter (::1), allowed by prefix */
START_TEST(t_ipv6_exporter)
{
    int probe = socket(AF_INET6, SOCK_DGRAM, 0);
    struct sockaddr_in6 lo = { .sin6_family = AF_INET6, .sin6_addr = IN6ADDR_LOOPBACK_INIT };
    if (probe < 0 || bind(probe, (struct sockaddr *)&lo, sizeof lo) != 0) {
        if (probe >= 0) {
            close(probe);
        }
        return;     /* no IPv6 loopback here */
    }
    close(probe);
    struct tinst t;
    static const char *const kv[] = { "address", "::1", "allowedExporters", "::1/128", NULL };
    start_inst(&t, kv);
    int fd = socket(AF_INET6, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    struct sockaddr_in6 to = lo;
    to.sin6_port = htons((uint16_t)t.port);
    ck_assert_int_eq(sendto(fd, sf_v10, sizeof sf_v10, 0, (struct sockaddr *)&to, sizeof to),
                     (ssize_t)sizeof sf_v10);
    close(fd);
    ck_assert_int_eq(fh_wait_count(5, 5000), 0);
    ck_assert_int_eq(fh_get(0)->peer.ss_family, AF_INET6);
    stop_inst(&t);
    ck_assert_uint_eq(fh_counter_value("exporter.denied"), 0);
}
END_TEST

/* a host older than ABI 1.4 (no msg_set_fields): the message is "<PRI>TAG JSON" for the
 * parser chain, and no $!flow */
START_TEST(t_old_host)
{
    static struct sl_host old;
    old = fh_host;
    old.struct_size = (uint32_t)offsetof(struct sl_host, msg_set_fields);
    void *inst = pt_new_block(PLUGIN->inst_params, PLUGIN->inst_size);
    pt_set_param(PLUGIN->inst_params, inst, "address", "127.0.0.1");
    pt_set_param(PLUGIN->inst_params, inst, "port", "0");
    pt_set_param(PLUGIN->inst_params, inst, "rcvbufSize", "4000000");
    ck_assert_int_eq(PLUGIN->in->create(inst, NULL, &old, NULL), 0);
    ck_assert_int_eq(PLUGIN->in->open(inst), 0);
    struct tinst t = { .inst = inst, .port = sl_imnetflow_bound_port(inst, 0) };
    ck_assert_int_eq(pthread_create(&t.th, NULL, run_thread, &t), 0);
    send_to(t.port, sf_v5, sizeof sf_v5);
    ck_assert_int_eq(fh_wait_count(4, 5000), 0);
    struct sl_msg *m = fh_get(0);
    ck_assert_uint_eq(m->f_set, 0);
    static const char want[] = "<133>netflow: {\"8\":\"192.0.2.10\",";
    ck_assert_int_eq(strncmp(m->raw, want, sizeof want - 1), 0);
    ck_assert_int_eq(m->raw[m->len - 1], '}');
    ck_assert_str_eq(fh_json_text(m), "{}");
    stop_inst(&t);
}
END_TEST

START_TEST(t_bad_config)
{
    static const char *const bad[][2] = { { "allowedExporters", "300.1.2.3" },
                                          { "allowedExporters", "10.0.0.0/33" },
                                          { "facility", "nosuch" },
                                          { "severity", "9" } };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        pt_reset();
        void *inst = pt_new_block(PLUGIN->inst_params, PLUGIN->inst_size);
        pt_set_param(PLUGIN->inst_params, inst, bad[i][0], bad[i][1]);
        ck_assert_int_eq(PLUGIN->in->create(inst, NULL, &fh_host, NULL), SL_ECONFIG);
        PLUGIN->in->destroy(inst);
        free(inst);
    }
}
END_TEST

START_TEST(t_persist_restart)
{
    char dir[] = "/tmp/imnetflowXXXXXX";
    ck_assert_ptr_nonnull(mkdtemp(dir));
    static const char *globals[] = { "workDirectory", NULL, NULL };
    globals[1] = dir;
    fh_globals = globals;
    struct tinst t;
    /* templates only: the IPFIX datagram up to its first data set (0x16c bytes) */
    uint8_t tm[0x16c];
    memcpy(tm, sf_v10, sizeof tm);
    tm[2] = 0x01;
    tm[3] = 0x6c;
    static const char *const kv[] = { "port", "0", NULL };
    start_inst(&t, kv);
    send_to(t.port, tm, sizeof tm);
    for (int i = 0; i < 500 && fh_counter_value("templates") < 5; i++) {
        usleep(10000);
    }
    int port = t.port;
    stop_inst(&t);
    ck_assert_uint_eq(fh_count(), 0);
    char path[256];
    snprintf(path, sizeof path, "%s/imnetflow-0.templates", dir);
    ck_assert_int_eq(access(path, R_OK), 0);
    (void)port;
    /* restart: data only; sent from the same source port would be needed for the same
     * exporter key, so the test binds its sender to the port the first one used */
    fh_reset();
    pt_reset();
    fh_globals = globals;
    start_inst(&t, kv);
    int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    struct sockaddr_in me = { .sin_family = AF_INET, .sin_port = 0 };
    me.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    /* the first run's sender port is in the file: read it */
    FILE *f = fopen(path, "r");
    ck_assert_ptr_nonnull(f);
    char line[4096];
    unsigned sport = 0;
    while (fgets(line, sizeof line, f) != NULL) {
        if (sscanf(line, "T 4 127.0.0.1 %u", &sport) == 1) {
            break;
        }
    }
    fclose(f);
    ck_assert_uint_gt(sport, 0);
    me.sin_port = htons((uint16_t)sport);
    int one = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    ck_assert_int_eq(bind(fd, (struct sockaddr *)&me, sizeof me), 0);
    /* data sets only: a header plus the rest of the datagram */
    uint8_t d[sizeof sf_v10];
    memcpy(d, sf_v10, 16);
    size_t dl = sizeof sf_v10 - 0x16c + 16;
    memcpy(d + 16, sf_v10 + 0x16c, sizeof sf_v10 - 0x16c);
    d[2] = (uint8_t)(dl >> 8);
    d[3] = (uint8_t)dl;
    struct sockaddr_in to = { .sin_family = AF_INET, .sin_port = htons((uint16_t)t.port) };
    to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ck_assert_int_eq(sendto(fd, d, dl, 0, (struct sockaddr *)&to, sizeof to), (ssize_t)dl);
    close(fd);
    ck_assert_int_eq(fh_wait_count(5, 5000), 0);
    ck_assert_ptr_nonnull(strstr(fh_get(4)->f_msg, "\"27\":\"2001:db8::1\""));
    stop_inst(&t);
    fh_globals = NULL;
    unlink(path);
    rmdir(dir);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("imnetflow");
    TCase *tc = tcase_create("core");
    tcase_add_checked_fixture(tc, setup, NULL);
    tcase_set_timeout(tc, 30);
    tcase_add_test(tc, t_messages);
    tcase_add_test(tc, t_labels_and_allow);
    tcase_add_test(tc, t_threads);
    tcase_add_test(tc, t_ipv6_exporter);
    tcase_add_test(tc, t_old_host);
    tcase_add_test(tc, t_bad_config);
    tcase_add_test(tc, t_persist_restart);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int nf = srunner_ntests_failed(sr);
    srunner_free(sr);
    return nf == 0 ? 0 : 1;
}
