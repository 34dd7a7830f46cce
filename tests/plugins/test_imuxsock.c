/*
 * test_imuxsock.c - plugin tests for imuxsock against the fake host (plus msg_set_local, see
 * tests/local/localtest.h), with real peers: logger(1) -u and unix datagram sockets of the
 * test process (which carry its real credentials), on private sockets in a temporary
 * directory; never /dev/log.  Socket activation is tested with the documented protocol
 * (LISTEN_PID/LISTEN_FDS, fds from 3) in a forked child that owns its fd table.
 *
 * The instance is built as the core would: zeroed blocks filled from the parameter tables,
 * create(), open(), run() on a thread, stop(), destroy().
 *
 * Ownership: each test owns its instance and temporary directory.  Every wait is bounded.
 */
#include "config.h"

#include <check.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "../local/localtest.h"
#include "../../plugins/imuxsock/imuxsock.h"

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

/* kv: name/value pairs, "mod:" prefix for module parameters.  Returns create/open's rc. */
static int start_inst(struct tinst *t, const char *const *kv)
{
    memset(t, 0, sizeof *t);
    t->mod = lt_new_block(PLUGIN->module_params, PLUGIN->mod_size);
    t->inst = lt_new_block(PLUGIN->inst_params, PLUGIN->inst_size);
    for (size_t i = 0; kv != NULL && kv[i] != NULL; i += 2) {
        if (strncmp(kv[i], "mod:", 4) == 0) {
            lt_set_param(PLUGIN->module_params, t->mod, kv[i] + 4, kv[i + 1]);
        } else {
            lt_set_param(PLUGIN->inst_params, t->inst, kv[i], kv[i + 1]);
        }
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

static void set_sun(struct sockaddr_un *sa, const char *path)
{
    size_t n = strlen(path);
    ck_assert_uint_lt(n, sizeof sa->sun_path);
    memset(sa, 0, sizeof *sa);
    sa->sun_family = AF_UNIX;
    memcpy(sa->sun_path, path, n + 1);
}

/* a datagram from this process */
static void send_dgram(const char *path, const char *text)
{
    int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    ck_assert_int_ge(fd, 0);
    struct sockaddr_un sa;
    set_sun(&sa, path);
    ssize_t n = sendto(fd, text, strlen(text), 0, (struct sockaddr *)&sa, sizeof sa);
    ck_assert_int_eq(n, (ssize_t)strlen(text));
    close(fd);
}

static int logger(const char *sock, const char *const *args, pid_t *pid)
{
    const char *argv[16];
    size_t k = 0;
    argv[k++] = "logger";
    argv[k++] = "-u";
    argv[k++] = sock;
    for (size_t i = 0; args[i] != NULL && k < 15; i++) {
        argv[k++] = args[i];
    }
    argv[k] = NULL;
    return lt_run(argv, pid);
}

static void setup(void)
{
    lt_reset();
}

/* ---- tests ---- */
START_TEST(test_logger_default)
{
    char dir[64], sock[128];
    lt_tmpdir(dir, sizeof dir);
    snprintf(sock, sizeof sock, "%s/log.sock", dir);
    struct tinst t;
    const char *kv[] = { "Socket", sock, NULL };
    ck_assert_int_eq(start_inst(&t, kv), 0);
    ck_assert_str_eq(sl_imuxsock_path(t.inst), sock);
    struct stat st;
    ck_assert_int_eq(stat(sock, &st), 0);
    ck_assert(S_ISSOCK(st.st_mode));
    ck_assert_int_eq(st.st_mode & 0777, 0666);   /* as rsyslog: everyone may log */

    struct timespec before, after;
    clock_gettime(CLOCK_REALTIME, &before);
    const char *a1[] = { "-t", "app", "hello local", NULL };
    ck_assert_int_eq(logger(sock, a1, NULL), 0);
    ck_assert_int_eq(fh_wait_count(1, 5000), 0);
    clock_gettime(CLOCK_REALTIME, &after);
    const char *raw = lt_raw(0);
    /* logger's local format: "<13>Mmm dd hh:mm:ss app: hello local", no host name */
    ck_assert_msg(strncmp(raw, "<13>", 4) == 0, "raw %s", raw);
    ck_assert_msg(strlen(raw) == 4 + 16 + 16 && strcmp(raw + 20, "app: hello local") == 0,
                  "raw %s", raw);
    struct lt_meta m = lt_meta_of(0);
    /* defaults: special parser, system time stamp (SO_TIMESTAMP), no pid rewrite */
    ck_assert_uint_eq(m.flags, SL_LOCAL_UXSOCK | SL_LOCAL_SYS_TS);
    ck_assert(m.have_rcv);
    ck_assert(m.rcv.tv_sec >= before.tv_sec && m.rcv.tv_sec <= after.tv_sec);
    ck_assert_str_eq(m.hostname, "");
    ck_assert_uint_eq(fh_get(0)->peerlen, 0);   /* local: no peer address */
    ck_assert_uint_eq(fh_counter_value("received"), 1);
    stop_inst(&t);
    /* Unlink="on": the socket is gone after the end */
    ck_assert_int_ne(stat(sock, &st), 0);
    lt_rmdir(dir);
}
END_TEST

START_TEST(test_timestamp_options)
{
    char dir[64], sock[128];
    lt_tmpdir(dir, sizeof dir);
    snprintf(sock, sizeof sock, "%s/log.sock", dir);
    struct tinst t;
    const char *kv[] = { "Socket", sock, "UseSysTimeStamp", "off", NULL };
    ck_assert_int_eq(start_inst(&t, kv), 0);
    send_dgram(sock, "<14>Jan  1 00:00:00 x: y");
    ck_assert_int_eq(fh_wait_count(1, 5000), 0);
    ck_assert_uint_eq(lt_meta_of(0).flags, SL_LOCAL_UXSOCK | SL_LOCAL_IGNORE_TS);
    ck_assert(!lt_meta_of(0).have_rcv);
    stop_inst(&t);

    lt_reset();
    const char *kv2[] = { "Socket", sock, "UseSysTimeStamp", "off", "IgnoreTimestamp", "off",
                          NULL };
    ck_assert_int_eq(start_inst(&t, kv2), 0);
    send_dgram(sock, "<14>Jan  1 00:00:00 x: y");
    ck_assert_int_eq(fh_wait_count(1, 5000), 0);
    ck_assert_uint_eq(lt_meta_of(0).flags, SL_LOCAL_UXSOCK);
    stop_inst(&t);
    lt_rmdir(dir);
}
END_TEST

START_TEST(test_pid_from_system_and_hostname)
{
    char dir[64], sock[128];
    lt_tmpdir(dir, sizeof dir);
    snprintf(sock, sizeof sock, "%s/log.sock", dir);
    struct tinst t;
    const char *kv[] = { "Socket", sock, "UsePIDFromSystem", "on", "HostName", "myname", NULL };
    ck_assert_int_eq(start_inst(&t, kv), 0);
    send_dgram(sock, "<14>me[1]: from the test");
    pid_t lpid = 0;
    const char *a1[] = { "-t", "app", "--id=4242", "from logger", NULL };
    ck_assert_int_eq(logger(sock, a1, &lpid), 0);
    ck_assert_int_eq(fh_wait_count(2, 5000), 0);
    struct lt_meta m0 = lt_meta_of(0), m1 = lt_meta_of(1);
    ck_assert(m0.flags & SL_LOCAL_PID);
    ck_assert_int_eq(m0.pid, getpid());          /* the kernel's word, not the message's */
    ck_assert_int_eq(m1.pid, lpid);              /* logger's real pid, not 4242 */
    ck_assert_str_eq(m0.hostname, "myname");
    stop_inst(&t);
    lt_rmdir(dir);
}
END_TEST

START_TEST(test_ignore_own_messages)
{
    char dir[64], sock[128];
    lt_tmpdir(dir, sizeof dir);
    snprintf(sock, sizeof sock, "%s/log.sock", dir);
    struct tinst t;
    const char *kv[] = { "Socket", sock, "IgnoreOwnMessages", "on", NULL };
    ck_assert_int_eq(start_inst(&t, kv), 0);
    send_dgram(sock, "<14>self: dropped");
    const char *a1[] = { "-t", "app", "kept", NULL };
    ck_assert_int_eq(logger(sock, a1, NULL), 0);
    ck_assert_int_eq(fh_wait_count(1, 5000), 0);
    lt_sleep_ms(200);
    ck_assert_uint_eq(fh_count(), 1);
    ck_assert_msg(strstr(lt_raw(0), "app: kept") != NULL, "raw %s", lt_raw(0));
    ck_assert_uint_eq(fh_counter_value("own.discarded"), 1);
    stop_inst(&t);
    lt_rmdir(dir);
}
END_TEST

START_TEST(test_ratelimit_per_pid)
{
    char dir[64], sock[128];
    lt_tmpdir(dir, sizeof dir);
    snprintf(sock, sizeof sock, "%s/log.sock", dir);
    struct tinst t;
    const char *kv[] = { "Socket", sock, "RateLimit.Interval", "60", "RateLimit.Burst", "3",
                         NULL };
    ck_assert_int_eq(start_inst(&t, kv), 0);
    char b[64];
    for (int i = 0; i < 10; i++) {
        snprintf(b, sizeof b, "<14>burst: msg %d", i);
        send_dgram(sock, b);
    }
    send_dgram(sock, "<8>burst: emergency passes");   /* severity 0 < RateLimit.Severity 1 */
    /* another process has its own limiter */
    const char *a1[] = { "-t", "other", "own budget", NULL };
    ck_assert_int_eq(logger(sock, a1, NULL), 0);
    ck_assert_int_eq(fh_wait_count(5, 5000), 0);
    lt_sleep_ms(300);
    ck_assert_uint_eq(fh_count(), 5);
    ck_assert_str_eq(lt_raw(0), "<14>burst: msg 0");
    ck_assert_str_eq(lt_raw(2), "<14>burst: msg 2");
    ck_assert_str_eq(lt_raw(3), "<8>burst: emergency passes");
    ck_assert_uint_eq(fh_counter_value("ratelimit.discarded"), 7);
    ck_assert_int_eq(fh_log_count[SL_LOG_INFO], 1);
    ck_assert_msg(strstr(fh_last_log, "begin to drop messages due to rate-limiting") != NULL &&
                  strstr(fh_last_log, "imuxsock[] from <") != NULL &&
                  strstr(fh_last_log, ":burst>") != NULL, "log: %s", fh_last_log);
    stop_inst(&t);
    /* at the end the loss is reported */
    ck_assert_msg(strstr(fh_last_log, "7 messages lost due to rate-limiting (3 allowed within "
                         "60 seconds)") != NULL, "log: %s", fh_last_log);
    lt_rmdir(dir);
}
END_TEST

START_TEST(test_annotate)
{
    char dir[64], sock[128], want[96];
    lt_tmpdir(dir, sizeof dir);
    snprintf(sock, sizeof sock, "%s/log.sock", dir);
    struct tinst t;
    const char *kv[] = { "Socket", sock, "Annotate", "on", NULL };
    ck_assert_int_eq(start_inst(&t, kv), 0);
    send_dgram(sock, "<14>me: annotated");
    ck_assert_int_eq(fh_wait_count(1, 5000), 0);
    snprintf(want, sizeof want, "<14>me: annotated @[_PID=%d _UID=%u _GID=%u _COMM=",
             (int)getpid(), (unsigned)getuid(), (unsigned)getgid());
    const char *raw = lt_raw(0);
    ck_assert_msg(strncmp(raw, want, strlen(want)) == 0, "raw %s", raw);
    /* cmdline's NUL separators (the last one too) become SP, as rsyslog writes them */
    size_t rl = strlen(raw);
    ck_assert_msg(strstr(raw, " _EXE=/") != NULL && strstr(raw, " _CMDLINE=\"") != NULL &&
                  rl > 3 && strcmp(raw + rl - 3, " \"]") == 0, "raw %s", raw);
    ck_assert_uint_eq(lt_njson, 0);
    stop_inst(&t);

    /* ParseTrusted: the same properties as $! fields, the text as sent */
    lt_reset();
    const char *kv2[] = { "Socket", sock, "Annotate", "on", "ParseTrusted", "on", NULL };
    ck_assert_int_eq(start_inst(&t, kv2), 0);
    send_dgram(sock, "<14>me: trusted");
    ck_assert_int_eq(fh_wait_count(1, 5000), 0);
    ck_assert_str_eq(lt_raw(0), "<14>me: trusted");
    ck_assert_uint_eq(lt_njson, 6);
    char w[64];
    snprintf(w, sizeof w, "$!pid=%d", (int)getpid());
    ck_assert_str_eq(lt_jsons[0].text, w);
    snprintf(w, sizeof w, "$!uid=%u", (unsigned)getuid());
    ck_assert_str_eq(lt_jsons[1].text, w);
    ck_assert_str_eq(lt_jsons[3].text, "$!appname=\"test_imuxsock\"");
    ck_assert_msg(strncmp(lt_jsons[4].text, "$!exe=\"\\/", 9) == 0, "%s", lt_jsons[4].text);
    ck_assert_msg(strncmp(lt_jsons[5].text, "$!cmd=\"", 7) == 0, "%s", lt_jsons[5].text);
    stop_inst(&t);
    lt_rmdir(dir);
}
END_TEST

START_TEST(test_create_path_unlink_and_errors)
{
    char dir[64], sock[160];
    lt_tmpdir(dir, sizeof dir);
    /* missing directory without CreatePath: open fails with a message */
    snprintf(sock, sizeof sock, "%s/sub/dir/log.sock", dir);
    struct tinst t;
    const char *kv[] = { "Socket", sock, NULL };
    ck_assert_int_eq(start_inst(&t, kv), SL_EIO);
    ck_assert_msg(strstr(fh_last_log, "cannot create") != NULL, "log: %s", fh_last_log);
    stop_inst(&t);
    /* with CreatePath the directories are made */
    const char *kv2[] = { "Socket", sock, "CreatePath", "on", NULL };
    ck_assert_int_eq(start_inst(&t, kv2), 0);
    send_dgram(sock, "<14>x: y");
    ck_assert_int_eq(fh_wait_count(1, 5000), 0);
    stop_inst(&t);
    /* a stale socket file is replaced (Unlink="on"), kept with Unlink="off" */
    int fd = socket(AF_UNIX, SOCK_DGRAM, 0);
    struct sockaddr_un sa;
    set_sun(&sa, sock);
    ck_assert_int_eq(bind(fd, (struct sockaddr *)&sa, sizeof sa), 0);
    close(fd);
    const char *kv3[] = { "Socket", sock, "Unlink", "off", NULL };
    ck_assert_int_eq(start_inst(&t, kv3), SL_EIO);
    stop_inst(&t);
    ck_assert_int_eq(start_inst(&t, kv2), 0);
    stop_inst(&t);
    /* an empty Socket is a configuration error */
    const char *kv4[] = { "Socket", "", NULL };
    ck_assert_int_eq(start_inst(&t, kv4), SL_ECONFIG);
    stop_inst(&t);
    lt_rmdir(dir);
}
END_TEST

START_TEST(test_syssock)
{
    char dir[64], sock[128];
    lt_tmpdir(dir, sizeof dir);
    snprintf(sock, sizeof sock, "%s/dev-log", dir);
    struct tinst t;
    /* the implicit instance (no Socket) with SysSock.Use="off" does nothing */
    const char *kv[] = { "mod:SysSock.Use", "off", NULL };
    ck_assert_int_eq(start_inst(&t, kv), 0);
    ck_assert_ptr_null(sl_imuxsock_path(t.inst));
    stop_inst(&t);
    /* with a SysSock.Name it listens there, with the SysSock.* settings */
    const char *kv2[] = { "mod:SysSock.Name", sock, "mod:SysSock.UsePIDFromSystem", "on",
                          "mod:SysSock.UseSysTimeStamp", "off", NULL };
    ck_assert_int_eq(start_inst(&t, kv2), 0);
    ck_assert_str_eq(sl_imuxsock_path(t.inst), sock);
    const char *a1[] = { "-t", "sys", "via syssock", NULL };
    ck_assert_int_eq(logger(sock, a1, NULL), 0);
    ck_assert_int_eq(fh_wait_count(1, 5000), 0);
    ck_assert_uint_eq(lt_meta_of(0).flags,
                      SL_LOCAL_UXSOCK | SL_LOCAL_IGNORE_TS | SL_LOCAL_PID);
    stop_inst(&t);
    /* a system socket that cannot be made is reported, but does not stop the daemon */
    char bad[160];
    snprintf(bad, sizeof bad, "%s/no/such/dir/log", dir);
    int errs = fh_log_count[SL_LOG_ERR];
    const char *kv3[] = { "mod:SysSock.Name", bad, NULL };
    ck_assert_int_eq(start_inst(&t, kv3), 0);
    ck_assert_int_eq(fh_log_count[SL_LOG_ERR], errs + 1);
    ck_assert_msg(strstr(fh_last_log, "cannot create") != NULL, "log: %s", fh_last_log);
    stop_inst(&t);
    lt_rmdir(dir);
}
END_TEST

/* Socket activation: a child gets the listening socket as fd 3 with LISTEN_PID/LISTEN_FDS
 * naming it, runs the plugin and reports through its exit status. */
static int activation_child(const char *sock, int fd, int right_pid)
{
    if (dup2(fd, 3) != 3) {
        return 10;
    }
    if (fd != 3) {
        close(fd);
    }
    char pidbuf[32];
    snprintf(pidbuf, sizeof pidbuf, "%d", right_pid ? (int)getpid() : (int)getpid() + 1);
    setenv("LISTEN_PID", pidbuf, 1);
    setenv("LISTEN_FDS", "1", 1);
    void *mod = lt_new_block(PLUGIN->module_params, PLUGIN->mod_size);
    void *inst = lt_new_block(PLUGIN->inst_params, PLUGIN->inst_size);
    lt_set_value(lt_find_param(PLUGIN->inst_params, "Socket"), inst, sock);
    if (PLUGIN->in->create(inst, mod, &lt_host, NULL) != 0) {
        return 11;
    }
    int rc = PLUGIN->in->open(inst);
    if (rc != 0) {
        return right_pid ? 12 : 0;   /* wrong pid: it must not take fd 3 and binding fails */
    }
    if (sl_imuxsock_from_systemd(inst) != right_pid) {
        return 13;
    }
    pthread_t th;
    struct tinst t = { .mod = mod, .inst = inst };
    if (pthread_create(&th, NULL, run_thread, &t) != 0) {
        return 14;
    }
    send_dgram(sock, "<14>act: through the passed socket");
    int ok = fh_wait_count(1, 5000) == 0 && strcmp(lt_raw(0), "<14>act: through the passed "
                                                              "socket") == 0;
    PLUGIN->in->stop(inst);
    pthread_join(th, NULL);
    PLUGIN->in->destroy(inst);
    /* a passed socket is not removed at the end; one we made ourselves is */
    struct stat st;
    if ((stat(sock, &st) == 0) != right_pid) {
        return 15;
    }
    return ok ? 0 : 16;
}

START_TEST(test_socket_activation)
{
    char dir[64], sock[128];
    lt_tmpdir(dir, sizeof dir);
    snprintf(sock, sizeof sock, "%s/activated.sock", dir);
    int fd = socket(AF_UNIX, SOCK_DGRAM, 0);
    struct sockaddr_un sa;
    set_sun(&sa, sock);
    ck_assert_int_eq(bind(fd, (struct sockaddr *)&sa, sizeof sa), 0);
    for (int right = 1; right >= 0; right--) {
        pid_t pid = fork();
        ck_assert_int_ge(pid, 0);
        if (pid == 0) {
            /* Unlink="off" for the wrong-pid case would fail to bind; default Unlink="on"
             * would replace the file: the right-pid case must keep it */
            _exit(activation_child(sock, fd, right));
        }
        ck_assert_int_eq(lt_wait_pid(pid, 15000), 0);
    }
    close(fd);
    lt_rmdir(dir);
}
END_TEST

START_TEST(test_many_messages_in_order)
{
    char dir[64], sock[128];
    lt_tmpdir(dir, sizeof dir);
    snprintf(sock, sizeof sock, "%s/log.sock", dir);
    struct tinst t;
    const char *kv[] = { "Socket", sock, NULL };
    ck_assert_int_eq(start_inst(&t, kv), 0);
    int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    struct sockaddr_un sa;
    set_sun(&sa, sock);
    char b[64];
    for (int i = 0; i < 2000; i++) {
        int n = snprintf(b, sizeof b, "<14>seq: %d", i);
        /* a full socket buffer blocks the sender: the datagram is not lost */
        ck_assert_int_eq(sendto(fd, b, (size_t)n, 0, (struct sockaddr *)&sa, sizeof sa), n);
    }
    close(fd);
    ck_assert_int_eq(fh_wait_count(2000, 10000), 0);
    for (int i = 0; i < 2000; i += 199) {
        snprintf(b, sizeof b, "<14>seq: %d", i);
        ck_assert_str_eq(lt_raw((size_t)i), b);
    }
    stop_inst(&t);
    lt_rmdir(dir);
}
END_TEST

static Suite *imuxsock_suite(void)
{
    Suite *s = suite_create("imuxsock");
    TCase *tc = tcase_create("local");
    tcase_add_checked_fixture(tc, setup, NULL);
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_logger_default);
    tcase_add_test(tc, test_timestamp_options);
    tcase_add_test(tc, test_pid_from_system_and_hostname);
    tcase_add_test(tc, test_ignore_own_messages);
    tcase_add_test(tc, test_ratelimit_per_pid);
    tcase_add_test(tc, test_annotate);
    tcase_add_test(tc, test_create_path_unlink_and_errors);
    tcase_add_test(tc, test_syssock);
    tcase_add_test(tc, test_socket_activation);
    tcase_add_test(tc, test_many_messages_in_order);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(imuxsock_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
