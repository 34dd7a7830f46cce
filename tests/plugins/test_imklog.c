/*
 * test_imklog.c - plugin tests for imklog against the fake host (plus msg_set_local, see
 * tests/local/localtest.h).  The kernel log is replaced by files and FIFOs in a temporary
 * directory shaped like /proc/kmsg ("<pri>[secs.usecs] text" lines) and like /dev/kmsg
 * ("pri,seq,usec,flags;text" records with continuation lines); the expected results are
 * what rsyslog 8.2302's imklog gives for the same lines (checked with rsyslogd reading a
 * FIFO, see tests/local/README).  The real /dev/kmsg is read when it is readable, and at
 * least one record must come through.  /proc/kmsg is never read: it consumes the records.
 *
 * Ownership: each test owns its instance and temporary directory.  Every wait is bounded.
 */
#include "config.h"

#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "../local/localtest.h"
#include "../../plugins/imklog/imklog.h"

extern const struct sl_plugin sluice_plugin;
#define PLUGIN (&sluice_plugin)

struct tinst {
    void *mod, *inst;
    pthread_t th;
    int running;
};

static void *run_thread(void *arg)
{
    struct tinst *t = arg;
    PLUGIN->in->run(t->inst);
    return NULL;
}

static int start_inst(struct tinst *t, const char *const *kv)
{
    memset(t, 0, sizeof *t);
    t->mod = lt_new_block(PLUGIN->module_params, PLUGIN->mod_size);
    t->inst = lt_new_block(PLUGIN->inst_params, PLUGIN->inst_size);
    for (size_t i = 0; kv != NULL && kv[i] != NULL; i += 2) {
        lt_set_param(PLUGIN->module_params, t->mod, kv[i], kv[i + 1]);
    }
    int rc = PLUGIN->in->create(t->inst, t->mod, &lt_host, NULL);
    if (rc == 0) {
        rc = PLUGIN->in->open(t->inst);
    }
    if (rc == 0) {
        ck_assert_int_eq(pthread_create(&t->th, NULL, run_thread, t), 0);
        t->running = 1;
    }
    return rc;
}

static void stop_inst(struct tinst *t)
{
    if (t->running) {
        PLUGIN->in->stop(t->inst);
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        ts.tv_sec += 5;
        ck_assert_int_eq(pthread_timedjoin_np(t->th, NULL, &ts), 0);
    }
    PLUGIN->in->destroy(t->inst);
    free(t->inst);
    free(t->mod);
}

static void write_file(const char *path, const char *text, const char *mode)
{
    FILE *f = fopen(path, mode);
    ck_assert_ptr_nonnull(f);
    ck_assert_int_eq(fputs(text, f) >= 0, 1);
    ck_assert_int_eq(fclose(f), 0);
}

static int printk_time(void)
{
    char b[4] = "";
    FILE *f = fopen("/sys/module/printk/parameters/time", "r");
    if (f == NULL) {
        return 1;
    }
    size_t n = fread(b, 1, 1, f);
    fclose(f);
    return !(n == 1 && (b[0] == 'N' || b[0] == 'n' || b[0] == '0'));
}

static void setup(void)
{
    lt_reset();
}

/* ---- tests ---- */
START_TEST(test_proc_kmsg_lines)
{
    char dir[64], path[128];
    lt_tmpdir(dir, sizeof dir);
    snprintf(path, sizeof path, "%s/kmsg", dir);
    write_file(path, "<6>[   12.345678] usb 1-1: new device\n"
                     "<3>plain error\n"
                     "<14>[    1.000000] user-level facility: dropped\n"
                     "no pri at all\n"
                     "<6><30>systemd[1]: second PRI wins: daemon, dropped\n"
                     "<4> <28>x: space then PRI: dropped\n"
                     "<6><3>second PRI < 8 is ignored\n"
                     "<7>[bad stamp] text\n", "w");
    struct tinst t;
    const char *kv[] = { "LogPath", path, NULL };
    struct timespec before, after;
    clock_gettime(CLOCK_REALTIME, &before);
    ck_assert_int_eq(start_inst(&t, kv), 0);
    ck_assert_str_eq(sl_imklog_path(t.inst), path);
    ck_assert_int_eq(fh_wait_count(5, 5000), 0);
    /* a line appended later is read too (tail -f on files) */
    write_file(path, "<5>later\n", "a");
    ck_assert_int_eq(fh_wait_count(6, 5000), 0);
    clock_gettime(CLOCK_REALTIME, &after);
    lt_sleep_ms(200);
    ck_assert_uint_eq(fh_count(), 6);
    static const struct { const char *raw; int pri; } want[] = {
        { "[   12.345678] usb 1-1: new device", 6 },
        { "plain error", 3 },
        { "no pri at all", 6 },
        { "<3>second PRI < 8 is ignored", 6 },
        { "[bad stamp] text", 7 },
        { "later", 5 },
    };
    for (size_t i = 0; i < 6; i++) {
        struct lt_meta m = lt_meta_of(i);
        ck_assert_str_eq(lt_raw(i), want[i].raw);
        ck_assert_int_eq(m.pri, want[i].pri);
        ck_assert_str_eq(m.tag, "kernel:");
        ck_assert_uint_eq(m.flags, 0);   /* ABI 1.4: pri and tag by msg_set_fields */
        ck_assert_uint_eq(fh_get(i)->f_set, SL_MF_PRI | SL_MF_TAG);
        /* without ParseKernelTimestamp the time is the reception time */
        ck_assert(m.have_rcv && m.rcv.tv_sec >= before.tv_sec && m.rcv.tv_sec <= after.tv_sec);
    }
    ck_assert_uint_eq(fh_counter_value("dropped.nonkernel"), 3);
    stop_inst(&t);
    lt_rmdir(dir);
}
END_TEST

START_TEST(test_permit_nonkernel_and_fifo)
{
    char dir[64], path[128];
    lt_tmpdir(dir, sizeof dir);
    snprintf(path, sizeof path, "%s/kfifo", dir);
    ck_assert_int_eq(mkfifo(path, 0600), 0);
    struct tinst t;
    const char *kv[] = { "LogPath", path, "PermitNonKernelFacility", "on", NULL };
    ck_assert_int_eq(start_inst(&t, kv), 0);
    int fd = open(path, O_WRONLY);
    ck_assert_int_ge(fd, 0);
    const char *text = "<14>[    1.000000] user\n<6><30>systemd[1]: double\n<6>par";
    ck_assert_int_eq(write(fd, text, strlen(text)), (ssize_t)strlen(text));
    ck_assert_int_eq(fh_wait_count(2, 5000), 0);
    /* a line split over two writes is one message */
    ck_assert_int_eq(write(fd, "tial\n", 5), 5);
    ck_assert_int_eq(fh_wait_count(3, 5000), 0);
    close(fd);
    ck_assert_str_eq(lt_raw(0), "[    1.000000] user");
    ck_assert_int_eq(lt_meta_of(0).pri, 14);
    ck_assert_str_eq(lt_raw(1), "systemd[1]: double");
    ck_assert_int_eq(lt_meta_of(1).pri, 30);
    ck_assert_str_eq(lt_raw(2), "partial");
    stop_inst(&t);
    lt_rmdir(dir);
}
END_TEST

START_TEST(test_parse_kernel_timestamp)
{
    char dir[64], path[128];
    lt_tmpdir(dir, sizeof dir);
    snprintf(path, sizeof path, "%s/kmsg", dir);
    write_file(path, "<6>[   12.345678] usb 1-1: new device\n<6>[12.5] no pad\n"
                     "<14>[ 1.0] user\n<16>[ 1.0] pri at 4\n", "w");
    struct tinst t;
    const char *kv[] = { "LogPath", path, "ParseKernelTimestamp", "on",
                         "PermitNonKernelFacility", "on", NULL };
    struct timespec mono, real;
    clock_gettime(CLOCK_MONOTONIC, &mono);
    clock_gettime(CLOCK_REALTIME, &real);
    double boot = (double)real.tv_sec + real.tv_nsec / 1e9 -
                  ((double)mono.tv_sec + mono.tv_nsec / 1e9);
    ck_assert_int_eq(start_inst(&t, kv), 0);
    ck_assert_int_eq(fh_wait_count(4, 5000), 0);
    /* the stamp is cut out, the SP after it stays (as rsyslog) */
    ck_assert_str_eq(lt_raw(0), " usb 1-1: new device");
    ck_assert_str_eq(lt_raw(1), " no pad");
    /* "<14>[" has its '[' at byte 4, not 3: rsyslog does not see a stamp there */
    ck_assert_str_eq(lt_raw(2), "[ 1.0] user");
    struct lt_meta m0 = lt_meta_of(0), m1 = lt_meta_of(1);
    double t0 = (double)m0.rcv.tv_sec + m0.rcv.tv_nsec / 1e9;
    double t1 = (double)m1.rcv.tv_sec + m1.rcv.tv_nsec / 1e9;
    ck_assert_msg(t0 - boot > 12.3 && t0 - boot < 12.4, "t0 - boot = %f", t0 - boot);
    /* "12.5": rsyslog reads the digits after the dot as microseconds: 12.000005 */
    ck_assert_msg(t0 - t1 > 0.3456 && t0 - t1 < 0.3457, "t0 - t1 = %f", t0 - t1);
    stop_inst(&t);

    lt_reset();
    const char *kv2[] = { "LogPath", path, "ParseKernelTimestamp", "on",
                          "KeepKernelTimestamp", "on", NULL };
    ck_assert_int_eq(start_inst(&t, kv2), 0);
    ck_assert_int_eq(fh_wait_count(2, 5000), 0);
    ck_assert_str_eq(lt_raw(0), "[   12.345678] usb 1-1: new device");
    /* compared as fractions: truncating both sides to seconds fails whenever boot's
     * fraction is above .655 */
    struct timespec r0 = lt_meta_of(0).rcv;
    ck_assert((double)r0.tv_sec + r0.tv_nsec / 1e9 < boot + 13);
    stop_inst(&t);
    lt_rmdir(dir);
}
END_TEST

START_TEST(test_dev_kmsg_records)
{
    char dir[64], path[128];
    lt_tmpdir(dir, sizeof dir);
    snprintf(path, sizeof path, "%s/devkmsg", dir);
    write_file(path, "6,100,12345678,-;usb 1-1: new device\n"
                     " SUBSYSTEM=usb\n"
                     " DEVICE=c189:1\n"
                     "4,101,12400000,c,caller=T1;tab\\x09and two\\x0alines\n"
                     "30,102,13000000,-;systemd[1]: user space, dropped\n", "w");
    struct tinst t;
    const char *kv[] = { "LogPath", path, NULL };
    ck_assert_int_eq(start_inst(&t, kv), 0);
    ck_assert_int_eq(fh_wait_count(3, 5000), 0);
    lt_sleep_ms(200);
    ck_assert_uint_eq(fh_count(), 3);
    int pt = printk_time();
    ck_assert_str_eq(lt_raw(0), pt ? "[   12.345678] usb 1-1: new device" : "usb 1-1: new device");
    ck_assert_int_eq(lt_meta_of(0).pri, 6);
    ck_assert_str_eq(lt_raw(1), pt ? "[   12.400000] tab\tand two" : "tab\tand two");
    ck_assert_int_eq(lt_meta_of(1).pri, 4);
    ck_assert_str_eq(lt_raw(2), pt ? "[   12.400000] lines" : "lines");
    ck_assert_uint_eq(fh_counter_value("dropped.nonkernel"), 1);
    stop_inst(&t);
    lt_rmdir(dir);
}
END_TEST

START_TEST(test_unreadable_path)
{
    char dir[64], path[128];
    lt_tmpdir(dir, sizeof dir);
    snprintf(path, sizeof path, "%s/missing", dir);
    struct tinst t;
    const char *kv[] = { "LogPath", path, NULL };
    /* create() warns (so does -N1, which exits 0 as rsyslogd's); open() reports the error,
     * and the input idles (the daemon runs on, as rsyslog does) */
    ck_assert_int_eq(start_inst(&t, kv), 0);
    ck_assert_int_eq(fh_log_count[SL_LOG_WARNING], 1);
    ck_assert_int_eq(fh_log_count[SL_LOG_ERR], 1);
    lt_sleep_ms(300);
    ck_assert_uint_eq(fh_count(), 0);
    ck_assert_msg(strstr(fh_last_log, "cannot open kernel log") != NULL &&
                  strstr(fh_last_log, path) != NULL, "log: %s", fh_last_log);
    stop_inst(&t);
    const char *kv2[] = { "InternalMsgFacility", "nosuch", NULL };
    ck_assert_int_eq(start_inst(&t, kv2), SL_ECONFIG);
    stop_inst(&t);
    lt_rmdir(dir);
}
END_TEST

START_TEST(test_ratelimit)
{
    char dir[64], path[128];
    lt_tmpdir(dir, sizeof dir);
    snprintf(path, sizeof path, "%s/kmsg", dir);
    char text[1024] = "";
    for (int i = 0; i < 20; i++) {
        char l[32];
        snprintf(l, sizeof l, "<6>line %d\n", i);
        strcat(text, l);
    }
    write_file(path, text, "w");
    struct tinst t;
    const char *kv[] = { "LogPath", path, "RatelimitInterval", "60", "RatelimitBurst", "5",
                         NULL };
    ck_assert_int_eq(start_inst(&t, kv), 0);
    ck_assert_int_eq(fh_wait_count(5, 5000), 0);
    lt_sleep_ms(300);
    ck_assert_uint_eq(fh_count(), 5);
    ck_assert_str_eq(lt_raw(4), "line 4");
    ck_assert_uint_eq(fh_counter_value("ratelimit.discarded"), 15);
    ck_assert_msg(strstr(fh_last_log, "begin to drop messages due to rate-limiting") != NULL,
                  "log: %s", fh_last_log);
    stop_inst(&t);
    lt_rmdir(dir);
}
END_TEST

/* The real kernel log, when we may read it (root here): one record at least must parse. */
START_TEST(test_real_dev_kmsg)
{
    if (access("/dev/kmsg", R_OK) != 0) {
        fprintf(stderr, "test_real_dev_kmsg: /dev/kmsg not readable, skipped\n");
        return;
    }
    struct tinst t;
    const char *kv[] = { "LogPath", "/dev/kmsg", "PermitNonKernelFacility", "on", NULL };
    ck_assert_int_eq(start_inst(&t, kv), 0);
    ck_assert_int_eq(fh_wait_count(1, 5000), 0);
    struct lt_meta m = lt_meta_of(0);
    ck_assert_str_eq(m.tag, "kernel:");
    ck_assert(m.pri >= 0 && m.pri <= 191);
    /* the converted line: "[ secs.usecs] text" when printk.time is on */
    if (printk_time()) {
        const char *r = lt_raw(0);
        ck_assert_msg(r[0] == '[' && strchr(r, '.') != NULL && strstr(r, "] ") != NULL,
                      "raw %s", r);
    }
    stop_inst(&t);
}
END_TEST

/* A core older than ABI 1.4 (struct_size without msg_set_fields): imklog falls back to
 * the deprecated SL_LOCAL_KERNEL, with the same pri and tag. */
START_TEST(test_older_host_local_kernel)
{
    char dir[64], path[128];
    lt_tmpdir(dir, sizeof dir);
    snprintf(path, sizeof path, "%s/kmsg", dir);
    write_file(path, "<3>plain error\n", "w");
    lt_host.struct_size = (uint32_t)offsetof(struct sl_host, msg_set_fields);
    struct tinst t;
    const char *kv[] = { "LogPath", path, NULL };
    ck_assert_int_eq(start_inst(&t, kv), 0);
    ck_assert_int_eq(fh_wait_count(1, 5000), 0);
    struct lt_meta m = lt_meta_of(0);
    ck_assert_uint_eq(m.flags, SL_LOCAL_KERNEL);
    ck_assert_uint_eq(fh_get(0)->f_set, 0);
    ck_assert_int_eq(m.pri, 3);
    ck_assert_str_eq(m.tag, "kernel:");
    ck_assert_str_eq(lt_raw(0), "plain error");
    stop_inst(&t);
    lt_rmdir(dir);
}
END_TEST

static Suite *imklog_suite(void)
{
    Suite *s = suite_create("imklog");
    TCase *tc = tcase_create("klog");
    tcase_add_checked_fixture(tc, setup, NULL);
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_proc_kmsg_lines);
    tcase_add_test(tc, test_permit_nonkernel_and_fifo);
    tcase_add_test(tc, test_parse_kernel_timestamp);
    tcase_add_test(tc, test_dev_kmsg_records);
    tcase_add_test(tc, test_unreadable_path);
    tcase_add_test(tc, test_ratelimit);
    tcase_add_test(tc, test_real_dev_kmsg);
    tcase_add_test(tc, test_older_host_local_kernel);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(imklog_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
