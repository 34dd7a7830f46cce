/*
 * test_omkafka.c - tests of the omkafka output plugin against the fake host and a real
 * Kafka protocol peer: librdkafka's mock cluster (3 brokers), created in this process
 * (rd_kafka_mock_cluster_new, as tests/tools/mock_kafka.c does) and reached over TCP on
 * 127.0.0.1, so that the test injects faults directly.  Covered: the blocking path (no
 * ack: the verdict after the delivery reports), the deferred path (SL_PENDING, then
 * batch_done from the delivery report), a permanent broker error (SL_BAD_DATA, errorFile
 * record), every broker down (SL_SUSPEND within the grace time, immediately afterwards,
 * and delivery after they come back), a dynaTopic rendering empty, unknown confParam.
 *
 * Every wait is bounded.  Concurrency & locking: each Check test runs in its own process;
 * the plugin's poll thread calls the fake host's counter/log/batch_done, which lock.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>

#include "fakehost.h"
#include "plugparams.h"

extern const struct sl_plugin sluice_plugin;
#define PLUG (&sluice_plugin)

static rd_kafka_t *mk_rk;
static rd_kafka_mock_cluster_t *mk;
static char boot[512];
static char tmpdir[64];

static void mock_up(void)
{
    char err[256];
    rd_kafka_conf_t *c = rd_kafka_conf_new();
    rd_kafka_conf_set(c, "log_level", "3", err, sizeof err);
    mk_rk = rd_kafka_new(RD_KAFKA_PRODUCER, c, err, sizeof err);
    ck_assert_ptr_nonnull(mk_rk);
    mk = rd_kafka_mock_cluster_new(mk_rk, 3);
    ck_assert_ptr_nonnull(mk);
    ck_assert_int_eq(rd_kafka_mock_topic_create(mk, "t1", 1, 3), 0);
    snprintf(boot, sizeof boot, "%s", rd_kafka_mock_cluster_bootstraps(mk));
    snprintf(tmpdir, sizeof tmpdir, "/tmp/test_omkafka.XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(tmpdir));
}

static void mock_down(void)
{
    rd_kafka_mock_cluster_destroy(mk);
    rd_kafka_destroy(mk_rk);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", tmpdir);
    if (system(cmd) != 0) {
        fprintf(stderr, "cannot remove %s\n", tmpdir);
    }
}

/* dynaTopic tests: the plugin renders the value first, then the topic, per message (the
 * fake host's templates are one token, so the hook counts the calls). */
static int calls;
static int render_topic_hook(const struct sl_template *t, struct sl_msg *m, struct sl_buf *out)
{
    (void)t;
    const char *s = m->raw;
    size_t len = m->len;
    if (calls++ % 2 == 1) {           /* the topic */
        s = strncmp(m->raw, "notopic", 7) == 0 ? "" : "t1";
        len = strlen(s);
    }
    if (fh_host.buf_reserve(out, len + 1) != 0) {
        return SL_ENOMEM;
    }
    memcpy(out->p + out->len, s, len);
    out->len += len;
    return 0;
}

struct plug {
    void *inst;
    void *wrk;
};

static struct plug make(const char *const *kv)
{
    struct plug p;
    p.inst = pt_new_block(PLUG->inst_params, PLUG->inst_size);
    pt_set_param(PLUG->inst_params, p.inst, "broker", boot);
    for (size_t i = 0; kv != NULL && kv[i] != NULL; i += 2) {
        pt_set_param(PLUG->inst_params, p.inst, kv[i], kv[i + 1]);
    }
    ck_assert_int_eq(PLUG->out->create(p.inst, NULL, &fh_host), 0);
    p.wrk = calloc(1, PLUG->wrk_size);
    ck_assert_int_eq(PLUG->out->worker_create(p.inst, p.wrk), 0);
    return p;
}

static void unmake(struct plug *p)
{
    if (PLUG->out->flush != NULL) {
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        PLUG->out->flush(p->inst, p->wrk, (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000 + 5000);
    }
    PLUG->out->worker_destroy(p->inst, p->wrk);
    PLUG->out->destroy(p->inst);
    free(p->wrk);
    free(p->inst);
}

static int deliver(struct plug *p, struct sl_msg **msgs, size_t n, struct sl_ack *ack,
                   uint8_t *bad, size_t *done)
{
    struct sl_batch b = { n, msgs, ack };
    struct sl_verdict v = { 0, bad };
    int rc = PLUG->out->deliver(p->inst, p->wrk, &b, &v);
    if (done != NULL) {
        *done = v.done;
    }
    return rc;
}

/* Every message a test makes, released after unmake() (the plugin may hold a deferred
 * batch until then), so the ASan run's leak check stays meaningful. */
static struct sl_msg *made[256];
static size_t nmade;

static struct sl_msg *mk_msg(const char *text)
{
    struct sl_msg *m = fh_msg(text);
    ck_assert_uint_lt(nmade, sizeof made / sizeof made[0]);
    made[nmade++] = m;
    return m;
}

static void release_made(void)
{
    for (size_t i = 0; i < nmade; i++) {
        fh_host.msg_unref(made[i]);
    }
    nmade = 0;
}

static void fill(struct sl_msg **m, size_t n, const char *pfx)
{
    for (size_t i = 0; i < n; i++) {
        char buf[64];
        snprintf(buf, sizeof buf, "%s-%zu", pfx, i);
        m[i] = mk_msg(buf);
    }
}

START_TEST(blocking_ok)
{
    mock_up();
    const char *kv[] = { "topic", "t1", "statsName", "s", NULL };
    struct plug p = make(kv);
    struct sl_msg *m[50];
    uint8_t bad[50] = { 0 };
    fill(m, 50, "blk");
    ck_assert_int_eq(deliver(&p, m, 50, NULL, bad, NULL), SL_OK);
    ck_assert_uint_eq(fh_counter_value("acked"), 50);
    ck_assert_uint_eq(fh_counter_value("submitted"), 50);
    ck_assert_uint_eq(fh_counter_value("inflight"), 0);
    unmake(&p);
    release_made();
    mock_down();
}
END_TEST

START_TEST(deferred_ok)
{
    mock_up();
    const char *kv[] = { "topic", "t1", NULL };
    struct plug p = make(kv);
    struct sl_msg *m[3][20];
    uint8_t bad[20] = { 0 };
    static char acks[3];
    for (int b = 0; b < 3; b++) {
        fill(m[b], 20, "def");
        ck_assert_int_eq(deliver(&p, m[b], 20, (struct sl_ack *)&acks[b], bad, NULL),
                         SL_PENDING);
    }
    ck_assert_int_eq(fh_wait_acks(3, 10000), 0);
    for (size_t i = 0; i < 3; i++) {
        ck_assert_int_eq(fh_acks[i].verdict, SL_OK);
    }
    ck_assert_uint_eq(fh_nacks, 3);
    ck_assert_uint_eq(fh_counter_value("acked"), 60);
    unmake(&p);
    release_made();
    ck_assert_uint_eq(fh_nacks, 3);   /* exactly once per batch */
    mock_down();
}
END_TEST

START_TEST(permanent_error)
{
    mock_up();
    char ef[128];
    snprintf(ef, sizeof ef, "%s/err.json", tmpdir);
    const char *kv[] = { "topic", "t1", "errorFile", ef, NULL };
    struct plug p = make(kv);
    struct sl_msg *m[1];
    uint8_t bad[1] = { 0 };
    fill(m, 1, "warmup");
    ck_assert_int_eq(deliver(&p, m, 1, NULL, bad, NULL), SL_OK);
    rd_kafka_mock_push_request_errors(mk, 0 /* Produce */, 1,
                                      RD_KAFKA_RESP_ERR_MSG_SIZE_TOO_LARGE);
    fill(m, 1, "victim");
    ck_assert_int_eq(deliver(&p, m, 1, NULL, bad, NULL), SL_BAD_DATA);
    ck_assert_int_eq(bad[0], 1);
    FILE *f = fopen(ef, "r");
    ck_assert_ptr_nonnull(f);
    char line[512] = "";
    ck_assert_ptr_nonnull(fgets(line, sizeof line, f));
    fclose(f);
    ck_assert_str_eq(line, "{ \"errcode\": 10, \"errmsg\": \"Broker: Message size too large\", "
                           "\"data\": \"victim-0\\n\" }\n");
    ck_assert_uint_eq(fh_counter_value("failed.permanent"), 1);
    ck_assert_uint_eq(fh_counter_value("failed.MSG_SIZE_TOO_LARGE"), 1);
    bad[0] = 0;
    fill(m, 1, "after");
    ck_assert_int_eq(deliver(&p, m, 1, NULL, bad, NULL), SL_OK);
    unmake(&p);
    release_made();
    mock_down();
}
END_TEST

START_TEST(brokers_down)
{
    mock_up();
    const char *kv[] = { "topic", "t1", NULL };
    struct plug p = make(kv);
    struct sl_msg *m[10];
    uint8_t bad[10] = { 0 };
    fill(m, 10, "first");
    ck_assert_int_eq(deliver(&p, m, 10, NULL, bad, NULL), SL_OK);
    for (int id = 1; id <= 3; id++) {
        rd_kafka_mock_broker_set_down(mk, id);
    }
    fill(m, 10, "down");
    time_t t0 = time(NULL);
    int rc = deliver(&p, m, 10, NULL, bad, NULL);
    ck_assert_int_eq(rc, SL_SUSPEND);
    ck_assert_int_le(time(NULL) - t0, 30);
    /* suspended: the next attempt answers at once, without producing */
    uint64_t sub = fh_counter_value("submitted");
    t0 = time(NULL);
    ck_assert_int_eq(deliver(&p, m, 10, NULL, bad, NULL), SL_SUSPEND);
    ck_assert_int_le(time(NULL) - t0, 1);
    ck_assert_uint_eq(fh_counter_value("submitted"), sub);
    ck_assert_uint_eq(fh_counter_value("brokers.down"), 1);
    /* deferred: a pending batch comes back as not delivered while they stay down */
    for (int id = 1; id <= 3; id++) {
        rd_kafka_mock_broker_set_up(mk, id);
    }
    for (int i = 0; i < 100 && fh_counter_value("brokers.down") != 0; i++) {
        usleep(100 * 1000);
    }
    ck_assert_uint_eq(fh_counter_value("brokers.down"), 0);
    ck_assert_int_eq(deliver(&p, m, 10, NULL, bad, NULL), SL_OK);
    unmake(&p);
    release_made();
    mock_down();
}
END_TEST

START_TEST(deferred_down)
{
    mock_up();
    const char *kv[] = { "topic", "t1", NULL };
    struct plug p = make(kv);
    struct sl_msg *m[10];
    uint8_t bad[10] = { 0 };
    static char ack;
    fill(m, 10, "w");
    ck_assert_int_eq(deliver(&p, m, 10, NULL, bad, NULL), SL_OK);
    for (int id = 1; id <= 3; id++) {
        rd_kafka_mock_broker_set_down(mk, id);
    }
    fill(m, 10, "p");
    ck_assert_int_eq(deliver(&p, m, 10, (struct sl_ack *)&ack, bad, NULL), SL_PENDING);
    ck_assert_int_eq(fh_wait_acks(1, 30000), 0);
    ck_assert_int_eq(fh_acks[0].verdict, SL_SUSPEND);
    unmake(&p);
    release_made();
    mock_down();
}
END_TEST

START_TEST(empty_topic)
{
    mock_up();
    char ef[128];
    snprintf(ef, sizeof ef, "%s/err.json", tmpdir);
    const char *kv[] = { "topic", "tp", "dynaTopic", "on", "errorFile", ef, NULL };
    fh_render_hook = render_topic_hook;
    calls = 0;
    struct plug p = make(kv);
    struct sl_msg *m[3] = { mk_msg("ok-1"), mk_msg("notopic"), mk_msg("ok-2") };
    uint8_t bad[3] = { 0 };
    ck_assert_int_eq(deliver(&p, m, 3, NULL, bad, NULL), SL_BAD_DATA);
    ck_assert_int_eq(bad[0], 0);
    ck_assert_int_eq(bad[1], 1);
    ck_assert_int_eq(bad[2], 0);
    ck_assert_uint_eq(fh_counter_value("topic.empty"), 1);
    ck_assert_uint_eq(fh_counter_value("acked"), 2);
    ck_assert_int_eq(access(ef, R_OK), 0);
    unmake(&p);
    release_made();
    fh_render_hook = NULL;
    mock_down();
}
END_TEST

START_TEST(bad_confparam)
{
    void *inst = pt_new_block(PLUG->inst_params, PLUG->inst_size);
    pt_set_param(PLUG->inst_params, inst, "topic", "t");
    pt_set_param(PLUG->inst_params, inst, "confParam", "no.such.thing=1");
    ck_assert_int_eq(PLUG->out->create(inst, NULL, &fh_host), SL_ECONFIG);
    ck_assert_ptr_nonnull(strstr(fh_last_log, "No such configuration property"));
    PLUG->out->destroy(inst);
    free(inst);
}
END_TEST

static void setup(void)
{
    fh_reset();
    pt_reset();
}

int main(void)
{
    Suite *s = suite_create("omkafka");
    TCase *tc = tcase_create("core");
    tcase_add_checked_fixture(tc, setup, NULL);
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, blocking_ok);
    tcase_add_test(tc, deferred_ok);
    tcase_add_test(tc, permanent_error);
    tcase_add_test(tc, brokers_down);
    tcase_add_test(tc, deferred_down);
    tcase_add_test(tc, empty_topic);
    tcase_add_test(tc, bad_confparam);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? 0 : 1;
}
