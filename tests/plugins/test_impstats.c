/*
 * test_impstats.c - impstats against the fake host: the line formats (legacy, json, cee,
 * json-elasticsearch) for the sets stats_foreach reports, the message it submits (MSG = the
 * line, tag rsyslogd-pstats:, PRI = facility*8+severity), log.file lines with rsyslog's
 * "<ctime>: " prefix, resetCounters, and that run() emits every interval and stop() ends it.
 * Ownership: each test frees its instance.  Concurrency: the run/stop test uses one thread.
 */
#include "config.h"

#include <check.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "fakehost.h"
#include "plugparams.h"
#include "sluice/sl_plugin.h"
#include "../../plugins/impstats/impstats.h"

extern const struct sl_plugin sluice_plugin;
#define PLUGIN (&sluice_plugin)

static _Atomic uint64_t *processed;

struct inst {
    void *mod, *inst;
};

static struct inst mk(const char *const *kv)
{
    struct inst t;
    fh_reset();
    pt_reset();
    if (processed == NULL) {
        processed = fh_host.counter("core.action", "a", "processed");
    }
    t.mod = pt_new_block(PLUGIN->module_params, PLUGIN->mod_size);
    for (size_t i = 0; kv != NULL && kv[i] != NULL; i += 2) {
        pt_set_param(PLUGIN->module_params, t.mod, kv[i], kv[i + 1]);
    }
    t.inst = calloc(1, PLUGIN->inst_size);
    ck_assert_int_eq(PLUGIN->in->create(t.inst, t.mod, &fh_host, NULL), 0);
    return t;
}

static void rm(struct inst t)
{
    PLUGIN->in->destroy(t.inst);
    free(t.inst);
    free(t.mod);
}

START_TEST(legacy_lines_and_message)
{
    char path[] = "/tmp/test_impstats.XXXXXX";
    int fd = mkstemp(path);
    ck_assert_int_ge(fd, 0);
    close(fd);
    const char *kv[] = { "log.file", path, "facility", "5", "severity", "6", NULL };
    struct inst t = mk(kv);
    atomic_store(processed, 5);
    sl_impstats_emit(t.inst);
    ck_assert_uint_eq(fh_count(), 3);
    ck_assert_str_eq(fh_get(0)->raw, "fakehost: origin=fake processed=5 ");
    ck_assert(strncmp(fh_get(1)->raw, "resource-usage: origin=impstats utime=", 38) == 0);
    ck_assert(strstr(fh_get(1)->raw, " openfiles=") != NULL);
    ck_assert_str_eq(fh_get(2)->raw, "main Q: origin=core.queue size=1 enqueued=2 discarded.full=0 ");
    /* ABI 1.4: built with msg_set_fields (SL_LOCAL_KERNEL only on older hosts) */
    ck_assert_int_eq(fh_get(0)->local_pri, -1);
    ck_assert_uint_eq(fh_get(0)->f_set, SL_MF_PRI | SL_MF_TAG);
    ck_assert_int_eq(fh_get(0)->f_pri, 5 * 8 + 6);
    ck_assert_str_eq(fh_get(0)->f_tag, "rsyslogd-pstats:");
    ck_assert_uint_eq(atomic_load(processed), 5);   /* resetCounters is off */
    FILE *f = fopen(path, "r");
    ck_assert_ptr_nonnull(f);
    char line[512];
    int n = 0;
    while (fgets(line, sizeof line, f) != NULL) {
        n++;
        if (n == 1) {
            /* "Sun Nov 22 18:09:19 2026: fakehost: ..." */
            ck_assert(strlen(line) > 26 && line[24] == ':' && line[25] == ' ');
            ck_assert_str_eq(line + 26, "fakehost: origin=fake processed=5 \n");
        }
    }
    fclose(f);
    unlink(path);
    ck_assert_int_eq(n, 3);
    rm(t);
}
END_TEST

START_TEST(json_formats)
{
    const char *kv[] = { "format", "json", NULL };
    struct inst t = mk(kv);
    atomic_store(processed, 7);
    sl_impstats_emit(t.inst);
    ck_assert_uint_eq(fh_count(), 3);
    ck_assert_str_eq(fh_get(0)->raw,
                     "{ \"name\": \"fakehost\", \"origin\": \"fake\", \"processed\": 7 }");
    ck_assert_str_eq(fh_get(2)->raw, "{ \"name\": \"main Q\", \"origin\": \"core.queue\", "
                                     "\"size\": 1, \"enqueued\": 2, \"discarded.full\": 0 }");
    rm(t);
    const char *kv2[] = { "format", "cee", "resetCounters", "on", NULL };
    t = mk(kv2);
    sl_impstats_emit(t.inst);
    ck_assert_str_eq(fh_get(0)->raw,
                     "@cee: { \"name\": \"fakehost\", \"origin\": \"fake\", \"processed\": 7 }");
    ck_assert_uint_eq(atomic_load(processed), 0);   /* reset as read */
    rm(t);
    const char *kv3[] = { "format", "json-elasticsearch", NULL };
    t = mk(kv3);
    sl_impstats_emit(t.inst);
    ck_assert_str_eq(fh_get(2)->raw, "{ \"name\": \"main Q\", \"origin\": \"core.queue\", "
                                     "\"size\": 1, \"enqueued\": 2, \"discarded!full\": 0 }");
    rm(t);
}
END_TEST

/* format="prometheus": one entry per counter, named as rsyslog names them (a legal classic
 * name as is, anything else U__-encoded), with HELP and TYPE lines. */
START_TEST(prometheus_format)
{
    const char *kv[] = { "format", "prometheus", NULL };
    struct inst t = mk(kv);
    atomic_store(processed, 9);
    sl_impstats_emit(t.inst);
    /* fakehost: 1 counter; resource-usage: 10; main Q: 3 */
    ck_assert_uint_eq(fh_count(), 14);
    ck_assert_str_eq(fh_get(0)->raw,
                     "# HELP fakehost_processed_total rsyslog stats: origin=\"fake\" "
                     "object=\"fakehost\", counter=\"processed\"\n"
                     "# TYPE fakehost_processed_total counter\n"
                     "fakehost_processed_total 9\n");
    static const char ru[] = "# HELP U__resource_2D_usage__utime__total rsyslog stats: "
                             "origin=\"impstats\" object=\"resource-usage\", counter=\"utime\"\n"
                             "# TYPE U__resource_2D_usage__utime__total counter\n"
                             "U__resource_2D_usage__utime__total ";   /* the value varies */
    ck_assert_msg(strncmp(fh_get(1)->raw, ru, sizeof ru - 1) == 0, "%s", fh_get(1)->raw);
    ck_assert_str_eq(fh_get(13)->raw,
                     "# HELP U__main_20_Q__discarded_2E_full__total rsyslog stats: "
                     "origin=\"core.queue\" object=\"main Q\", counter=\"discarded.full\"\n"
                     "# TYPE U__main_20_Q__discarded_2E_full__total counter\n"
                     "U__main_20_Q__discarded_2E_full__total 0\n");
    rm(t);
}
END_TEST

START_TEST(bracketing)
{
    const char *kv[] = { "bracketing", "on", "format", "json", NULL };
    struct inst t = mk(kv);
    sl_impstats_emit(t.inst);
    ck_assert_uint_eq(fh_count(), 5);
    ck_assert_str_eq(fh_get(0)->raw, "BEGIN");
    ck_assert_str_eq(fh_get(4)->raw, "END");
    rm(t);
}
END_TEST

START_TEST(no_syslog)
{
    const char *kv[] = { "log.syslog", "off", NULL };
    struct inst t = mk(kv);
    sl_impstats_emit(t.inst);
    ck_assert_uint_eq(fh_count(), 0);
    rm(t);
}
END_TEST

/* A core older than ABI 1.4 (struct_size without msg_set_fields): the deprecated
 * SL_LOCAL_KERNEL path gives pri and tag. */
START_TEST(older_host_local_kernel)
{
    static struct sl_host old;
    old = fh_host;
    old.struct_size = (uint32_t)offsetof(struct sl_host, msg_set_fields);
    fh_reset();
    pt_reset();
    void *mod = pt_new_block(PLUGIN->module_params, PLUGIN->mod_size);
    void *inst = calloc(1, PLUGIN->inst_size);
    ck_assert_int_eq(PLUGIN->in->create(inst, mod, &old, NULL), 0);
    sl_impstats_emit(inst);
    ck_assert_uint_ge(fh_count(), 1);
    ck_assert_uint_eq(fh_get(0)->f_set, 0);
    ck_assert_int_eq(fh_get(0)->local_pri, 5 * 8 + 6);
    ck_assert_str_eq(fh_get(0)->local_tag, "rsyslogd-pstats:");
    PLUGIN->in->destroy(inst);
    free(inst);
    free(mod);
}
END_TEST

static void *runner(void *arg)
{
    PLUGIN->in->run(arg);
    return NULL;
}

START_TEST(run_every_interval_and_stop)
{
    const char *kv[] = { "interval", "1", NULL };
    struct inst t = mk(kv);
    pthread_t th;
    pthread_create(&th, NULL, runner, t.inst);
    ck_assert_int_eq(fh_wait_count(6, 10000), 0);   /* two intervals, three lines each */
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    PLUGIN->in->stop(t.inst);
    pthread_join(th, NULL);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    ck_assert_int_lt(t1.tv_sec - t0.tv_sec, 3);     /* stop() cuts the wait short */
    rm(t);
}
END_TEST

START_TEST(bad_params)
{
    fh_reset();
    void *mod = pt_new_block(PLUGIN->module_params, PLUGIN->mod_size);
    pt_set_param(PLUGIN->module_params, mod, "severity", "9");
    void *inst = calloc(1, PLUGIN->inst_size);
    ck_assert_int_ne(PLUGIN->in->create(inst, mod, &fh_host, NULL), 0);
    PLUGIN->in->destroy(inst);
    free(inst);
    free(mod);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("impstats");
    TCase *tc = tcase_create("core");
    tcase_set_timeout(tc, 30);
    tcase_add_test(tc, legacy_lines_and_message);
    tcase_add_test(tc, json_formats);
    tcase_add_test(tc, prometheus_format);
    tcase_add_test(tc, bracketing);
    tcase_add_test(tc, no_syslog);
    tcase_add_test(tc, older_host_local_kernel);
    tcase_add_test(tc, run_every_interval_and_stop);
    tcase_add_test(tc, bad_params);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_set_fork_status(sr, CK_NOFORK);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? 0 : 1;
}
