/*
 * test_tls_imtcp.c - plugin tests of imtcp's TLS stream driver (and, built with -DSL_IMTLS,
 * of the imtls plugin: the same tests with the TLS driver preset) against the fake host,
 * with real TLS peers only: gnutls-cli, openssl s_client and rsyslogd (omfwd with gtls).
 * Certificates are made at test time with certtool by tests/tls/mkcerts.sh (CA, server,
 * client, wrong-name, expired, foreign-CA) in a temporary directory.
 *
 * Covered: each auth mode (anon, x509/certvalid, x509/name, x509/fingerprint with SHA1 and
 * SHA256), the refusal matrix (no client certificate, foreign CA, expired, wrong name,
 * fingerprint mismatch, TLS 1.1-only client) with a good client delivering on the same
 * listener between the bad ones, a silent client timing out without blocking others,
 * create() failures naming the file (missing key, key mismatch, expired server certificate)
 * and a throughput figure with rsyslog as the sender.
 *
 * Every wait is bounded; peers are run under timeout(1) and reaped by PID; traffic goes
 * to 127.0.0.1 on ports picked by the kernel.
 *
 * Ownership: the PKI directory is created by the unchecked fixture (parent process) and
 * removed at teardown; each test owns its instance.
 */
#include "config.h"

#include <check.h>
#include <errno.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "fakehost.h"
#include "plugparams.h"
#include "sluice/sl_plugin.h"
#include "../../plugins/imtcp/imtcp.h"
#include "../../plugins/common/sl_tls.h"

#ifndef TLS_MKCERTS
#define TLS_MKCERTS "tests/tls/mkcerts.sh"
#endif

extern const struct sl_plugin sluice_plugin;
#define PLUGIN (&sluice_plugin)

static char pki[256];

/* parameter filling, as the core does it: tests/support/plugparams.c */

/* ---- an instance on its thread ---- */
struct tinst {
    void *mod, *inst;
    pthread_t th;
    int port;
    int created;
};

static void *run_thread(void *arg)
{
    struct tinst *t = arg;
    PLUGIN->in->run(t->inst);
    return NULL;
}

static char *pkf(const char *name)
{
    static char bufs[16][320];
    static int k;
    char *b = bufs[k++ % 16];
    snprintf(b, sizeof bufs[0], "%s/%s", pki, name);
    return b;
}

/* kv: NULL-terminated name/value pairs; "mod:" prefix = module parameter.  The TLS
 * defaults (mode 1, CA, server cert/key) come from global() settings like in a config
 * with DefaultNetstreamDriver*; kv can override them. */
static const char *global_driver = "gtls";   /* NULL: no global DefaultNetstreamDriver */

static int create_inst(struct tinst *t, const char *const *kv)
{
    static const char *globals[10];
    static char ca[320], cert[320], key[320];
    snprintf(ca, sizeof ca, "%s", pkf("ca.pem"));
    snprintf(cert, sizeof cert, "%s", pkf("server.pem"));
    snprintf(key, sizeof key, "%s", pkf("server-key.pem"));
    memset(t, 0, sizeof *t);
    globals[0] = "defaultNetstreamDriver";
    globals[1] = "gtls";
    globals[2] = "defaultNetstreamDriverCAFile";
    globals[3] = ca;
    globals[4] = "defaultNetstreamDriverCertFile";
    globals[5] = cert;
    globals[6] = "defaultNetstreamDriverKeyFile";
    globals[7] = key;
    globals[8] = NULL;
    fh_globals = global_driver != NULL ? globals : globals + 2;
    globals[1] = global_driver;
    t->mod = pt_new_block(PLUGIN->module_params, PLUGIN->mod_size);
    t->inst = pt_new_block(PLUGIN->inst_params, PLUGIN->inst_size);
    pt_set_param(PLUGIN->inst_params, t->inst, "port", "0");
    pt_set_param(PLUGIN->inst_params, t->inst, "address", "127.0.0.1");
#ifndef SL_IMTLS
    pt_set_param(PLUGIN->inst_params, t->inst, "streamDriver.mode", "1");
#endif
    for (size_t i = 0; kv != NULL && kv[i] != NULL; i += 2) {
        if (strncmp(kv[i], "mod:", 4) == 0) {
            pt_set_param(PLUGIN->module_params, t->mod, kv[i] + 4, kv[i + 1]);
        } else {
            pt_set_param(PLUGIN->inst_params, t->inst, kv[i], kv[i + 1]);
        }
    }
    int rc = PLUGIN->in->create(t->inst, t->mod, &fh_host, NULL);
    t->created = 1;
    return rc;
}

static void start_inst(struct tinst *t, const char *const *kv, int hs_timeout_ms)
{
    ck_assert_int_eq(create_inst(t, kv), 0);
    if (hs_timeout_ms > 0) {
        sl_imtcp_set_tls_handshake_timeout(t->inst, hs_timeout_ms);
    }
    ck_assert_int_eq(PLUGIN->in->open(t->inst), 0);
    t->port = sl_imtcp_bound_port(t->inst);
    ck_assert_int_gt(t->port, 0);
    ck_assert_int_eq(pthread_create(&t->th, NULL, run_thread, t), 0);
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

/* Run a shell command line (bounded by timeout(1) inside it); its exit status. */
static int sh(const char *fmt, ...)
{
    char cmd[4096];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(cmd, sizeof cmd, fmt, ap);
    va_end(ap);
    pid_t pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
        _exit(127);
    }
    int st = 0;
    for (int w = 0; w < 6000; w++) {  /* 60 s */
        pid_t r = waitpid(pid, &st, WNOHANG);
        if (r == pid) {
            return WIFEXITED(st) ? WEXITSTATUS(st) : 128;
        }
        struct timespec ts = { 0, 10000000 };
        nanosleep(&ts, NULL);
    }
    kill(pid, SIGKILL);
    waitpid(pid, NULL, 0);
    return -1;
}

/* gnutls-cli sends one octet-counted message; cert NULL = no client certificate.
 * extra: more gnutls-cli options. */
static int gnutls_send(int port, const char *cert, const char *msg, const char *extra)
{
    char certopt[700] = "";
    if (cert != NULL) {
        snprintf(certopt, sizeof certopt, "--x509certfile %s/%s.pem --x509keyfile %s/%s-key.pem",
                 pki, cert, pki, cert);
    }
    return sh("printf '%%d %%s' %zu '%s' | timeout 10 gnutls-cli --port %d --x509cafile %s/ca.pem "
              "--verify-hostname localhost %s %s 127.0.0.1 >> %s/peers.log 2>&1",
              strlen(msg), msg, port, pki, certopt, extra ? extra : "", pki);
}

static int openssl_send(int port, const char *cert, const char *msg, const char *extra)
{
    char certopt[700] = "";
    if (cert != NULL) {
        snprintf(certopt, sizeof certopt, "-cert %s/%s.pem -key %s/%s-key.pem", pki, cert, pki,
                 cert);
    }
    return sh("printf '%%s\\n' '%s' | timeout 10 openssl s_client -connect 127.0.0.1:%d "
              "-CAfile %s/ca.pem -verify_return_error -verify_hostname localhost %s -quiet "
              "-no_ign_eof %s >> %s/peers.log 2>&1",
              msg, port, pki, certopt, extra ? extra : "", pki);
}

static int has_msg(const char *text)
{
    for (size_t i = 0; i < fh_count(); i++) {
        struct sl_msg *m = fh_get(i);
        if (m != NULL && strstr(m->raw, text) != NULL) {
            return 1;
        }
    }
    return 0;
}

static int wait_msg(const char *text, int timeout_ms)
{
    for (int w = 0; w <= timeout_ms; w += 10) {
        if (has_msg(text)) {
            return 1;
        }
        struct timespec ts = { 0, 10000000 };
        nanosleep(&ts, NULL);
    }
    return 0;
}

static uint64_t refusals(void)
{
    return fh_counter_value("tls.handshake.failed") + fh_counter_value("tls.peer.refused")
           + fh_counter_value("tls.handshake.timeout");
}

/* Wait until the refusal counters reach want (bounded). */
static int wait_refusals(uint64_t want, int timeout_ms)
{
    for (int w = 0; w <= timeout_ms; w += 10) {
        if (refusals() >= want) {
            return 0;
        }
        struct timespec ts = { 0, 10000000 };
        nanosleep(&ts, NULL);
    }
    return -1;
}

static void setup(void)
{
    fh_reset();
    fh_block_when_full = 0;
    fh_max_msg_size = 8096;
    pt_reset();
}

static void pki_setup(void)
{
    snprintf(pki, sizeof pki, "/tmp/sl_tls_test_XXXXXX");
    if (mkdtemp(pki) == NULL) {
        perror("mkdtemp");
        exit(1);
    }
    char cmd[600];
    snprintf(cmd, sizeof cmd, "sh %s %s", TLS_MKCERTS, pki);
    if (system(cmd) != 0) {
        fprintf(stderr, "cannot make test certificates with %s\n", TLS_MKCERTS);
        exit(1);
    }
}

static void pki_teardown(void)
{
    char cmd[600];
    if (getenv("KEEP_SCRATCH") == NULL && strncmp(pki, "/tmp/sl_tls_test_", 17) == 0) {
        snprintf(cmd, sizeof cmd, "rm -rf '%s'", pki);
        (void)system(cmd);
    }
}

/* ---- tests ---- */

/* Mutual authentication, x509/name: gnutls-cli and openssl s_client with the client
 * certificate deliver; the frames arrive intact and the session counts as TLS. */
START_TEST(test_name_mode_good_clients)
{
    struct tinst t;
    const char *kv[] = { "streamDriver.authMode", "x509/name", "permittedPeer",
                         "other.example,sluice-*", NULL };
    start_inst(&t, kv, 0);
    ck_assert_int_eq(gnutls_send(t.port, "client", "<14>1 - h app - - - via gnutls", NULL), 0);
    ck_assert(wait_msg("via gnutls", 5000));
    ck_assert_int_eq(openssl_send(t.port, "client", "<14>openssl line one", NULL), 0);
    ck_assert(wait_msg("openssl line one", 5000));
    ck_assert_int_eq(fh_count(), 2);
    ck_assert_str_eq(fh_get(0)->raw, "<14>1 - h app - - - via gnutls");
    ck_assert_str_eq(fh_get(1)->raw, "<14>openssl line one");
    ck_assert_uint_eq(fh_counter_value("tls.sessions.ok"), 2);
    ck_assert_uint_eq(refusals(), 0);
    stop_inst(&t);
}
END_TEST

/* The refusal matrix under x509/name: every bad client is refused and counted, a good
 * client on the same listener delivers after each of them. */
START_TEST(test_refusal_matrix)
{
    struct tinst t;
    const char *kv[] = { "streamDriver.authMode", "x509/name", "permittedPeer", "sluice-client",
                         NULL };
    start_inst(&t, kv, 0);
    struct {
        const char *what;
        int gnutls;
        const char *cert;
        const char *extra;
    } bad[] = {
        { "no client cert", 1, NULL, NULL },
        { "foreign CA", 1, "foreign-client", NULL },
        { "expired", 0, "expired", NULL },
        { "wrong name", 1, "wrongname", NULL },
        { "tls1.1 only", 0, "client", "-tls1_1 -cipher DEFAULT@SECLEVEL=0" },
        { "no client cert (openssl)", 0, NULL, NULL },
    };
    size_t nbad = sizeof bad / sizeof bad[0];
    for (size_t i = 0; i < nbad; i++) {
        char msg[128], good[128];
        snprintf(msg, sizeof msg, "<13>BAD-%zu must not arrive", i);
        if (bad[i].gnutls) {
            (void)gnutls_send(t.port, bad[i].cert, msg, bad[i].extra);
        } else {
            (void)openssl_send(t.port, bad[i].cert, msg, bad[i].extra);
        }
        ck_assert_msg(wait_refusals(i + 1, 5000) == 0, "%s: not refused (refusals %llu)",
                      bad[i].what, (unsigned long long)refusals());
        ck_assert_msg(strstr(fh_last_log, "refused") != NULL, "%s: log %s", bad[i].what,
                      fh_last_log);
        snprintf(good, sizeof good, "<13>GOOD-%zu after %s", i, bad[i].what);
        ck_assert_int_eq(gnutls_send(t.port, "client", good, NULL), 0);
        ck_assert_msg(wait_msg(good, 5000), "good client after '%s' did not deliver",
                      bad[i].what);
    }
    ck_assert_uint_eq(refusals(), nbad);
    ck_assert_uint_eq(fh_counter_value("tls.sessions.ok"), nbad);
    ck_assert_int_eq(fh_count(), (int)nbad);
    ck_assert(!has_msg("must not arrive"));
    stop_inst(&t);
}
END_TEST

/* The refusal log names the reason and the certificate's fingerprint. */
START_TEST(test_refusal_logs_fingerprint)
{
    struct tinst t;
    const char *kv[] = { "streamDriver.authMode", "x509/name", "permittedPeer", "sluice-client",
                         NULL };
    start_inst(&t, kv, 0);
    char fp[200];
    ck_assert_int_eq(sl_tls_file_fingerprint(pkf("wrongname.pem"), 1, fp, sizeof fp), 0);
    (void)gnutls_send(t.port, "wrongname", "<13>x", NULL);
    ck_assert_int_eq(wait_refusals(1, 5000), 0);
    ck_assert_msg(strstr(fh_last_log, fp) != NULL, "no fingerprint %s in: %s", fp, fh_last_log);
    ck_assert_msg(strstr(fh_last_log, "wrong.invalid") != NULL, "log: %s", fh_last_log);
    ck_assert_uint_eq(fh_counter_value("tls.peer.refused"), 1);
    stop_inst(&t);
}
END_TEST

/* x509/fingerprint with a SHA1 and a SHA256 entry: both listed clients pass, a client
 * whose fingerprint is not listed is refused (the CA does not matter in this mode). */
START_TEST(test_fingerprint_mode)
{
    char f1[200], f2[200], peers[420];
    ck_assert_int_eq(sl_tls_file_fingerprint(pkf("client.pem"), 0, f1, sizeof f1), 0);
    ck_assert_int_eq(sl_tls_file_fingerprint(pkf("foreign-client.pem"), 1, f2, sizeof f2), 0);
    ck_assert(strncmp(f1, "SHA1:", 5) == 0);
    ck_assert(strncmp(f2, "SHA256:", 7) == 0);
    snprintf(peers, sizeof peers, "%s,%s", f1, f2);
    struct tinst t;
    const char *kv[] = { "streamDriver.authMode", "x509/fingerprint", "permittedPeer", peers,
                         NULL };
    start_inst(&t, kv, 0);
    ck_assert_int_eq(gnutls_send(t.port, "client", "<13>fp sha1 ok", NULL), 0);
    ck_assert(wait_msg("fp sha1 ok", 5000));
    ck_assert_int_eq(openssl_send(t.port, "foreign-client", "<13>fp sha256 ok", NULL), 0);
    ck_assert(wait_msg("fp sha256 ok", 5000));
    (void)gnutls_send(t.port, "wrongname", "<13>fp mismatch", NULL);
    ck_assert_int_eq(wait_refusals(1, 5000), 0);
    ck_assert_msg(strstr(fh_last_log, "fingerprint not permitted") != NULL, "log: %s",
                  fh_last_log);
    ck_assert_int_eq(gnutls_send(t.port, "client", "<13>still fine", NULL), 0);
    ck_assert(wait_msg("still fine", 5000));
    ck_assert(!has_msg("fp mismatch"));
    ck_assert_uint_eq(fh_counter_value("tls.peer.refused"), 1);
    stop_inst(&t);
}
END_TEST

/* x509/certvalid: any client certificate from the CA (even with a wrong name) passes,
 * a foreign one does not. */
START_TEST(test_certvalid_mode)
{
    struct tinst t;
    const char *kv[] = { "streamDriver.authMode", "x509/certvalid", NULL };
    start_inst(&t, kv, 0);
    ck_assert_int_eq(gnutls_send(t.port, "wrongname", "<13>certvalid wrongname ok", NULL), 0);
    ck_assert(wait_msg("certvalid wrongname ok", 5000));
    (void)openssl_send(t.port, "foreign-client", "<13>foreign no", NULL);
    ck_assert_int_eq(wait_refusals(1, 5000), 0);
    ck_assert_msg(strstr(fh_last_log, "signer") != NULL || strstr(fh_last_log, "issuer") != NULL,
                  "log: %s", fh_last_log);
    ck_assert_int_eq(gnutls_send(t.port, "client", "<13>certvalid client ok", NULL), 0);
    ck_assert(wait_msg("certvalid client ok", 5000));
    ck_assert(!has_msg("foreign no"));
    stop_inst(&t);
}
END_TEST

/* anon (server authentication only): clients without a certificate deliver; TLS 1.3 is
 * negotiated by default; a TLS 1.1-only client is still refused. */
START_TEST(test_anon_mode_and_versions)
{
    struct tinst t;
    const char *kv[] = { "streamDriver.authMode", "anon", NULL };
    start_inst(&t, kv, 0);
    ck_assert_int_eq(sh(": > %s/peers.log", pki), 0);
    ck_assert_int_eq(gnutls_send(t.port, NULL, "<13>anon gnutls", NULL), 0);
    ck_assert(wait_msg("anon gnutls", 5000));
    ck_assert_int_eq(sh("grep -q 'Description: (TLS1.3-X.509)' %s/peers.log", pki), 0);
    ck_assert_int_eq(sh("grep -q 'Server has requested a certificate' %s/peers.log", pki), 1);
    ck_assert_int_eq(openssl_send(t.port, NULL, "<13>anon openssl tls1.2", "-tls1_2"), 0);
    ck_assert(wait_msg("anon openssl tls1.2", 5000));
    (void)openssl_send(t.port, NULL, "<13>tls1.0 no", "-tls1 -cipher DEFAULT@SECLEVEL=0");
    ck_assert_int_eq(wait_refusals(1, 5000), 0);
    (void)gnutls_send(t.port, NULL, "<13>tls1.1 no",
                      "--priority NORMAL:-VERS-ALL:+VERS-TLS1.1");
    ck_assert_int_eq(wait_refusals(2, 5000), 0);
    ck_assert(!has_msg(" no"));
    stop_inst(&t);
}
END_TEST

/* PermitExpiredCerts: "warn" accepts an expired client certificate and logs a warning,
 * "on" accepts it silently (the default "off" refuses it: see the refusal matrix). */
START_TEST(test_permit_expired)
{
    struct tinst t;
    const char *kv[] = { "streamDriver.authMode", "x509/certvalid",
                         "streamDriver.PermitExpiredCerts", "warn", NULL };
    start_inst(&t, kv, 0);
    ck_assert_int_eq(openssl_send(t.port, "expired", "<13>expired but warned", NULL), 0);
    ck_assert(wait_msg("expired but warned", 5000));
    ck_assert_int_eq(fh_log_count[SL_LOG_WARNING], 1);
    ck_assert_msg(strstr(fh_last_log, "expired") != NULL, "log: %s", fh_last_log);
    stop_inst(&t);
    fh_reset();
    const char *kv2[] = { "streamDriver.authMode", "x509/certvalid",
                          "mod:StreamDriver.PermitExpiredCerts", "on", NULL };
    start_inst(&t, kv2, 0);
    ck_assert_int_eq(openssl_send(t.port, "expired", "<13>expired silently", NULL), 0);
    ck_assert(wait_msg("expired silently", 5000));
    ck_assert_int_eq(fh_log_count[SL_LOG_WARNING], 0);
    ck_assert_uint_eq(refusals(), 0);
    stop_inst(&t);
}
END_TEST

/* A client that connects and stays silent is dropped after the handshake timeout and
 * does not hold up others in the meantime. */
START_TEST(test_silent_client_times_out)
{
    struct tinst t;
    start_inst(&t, NULL, 1500);
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons((uint16_t)t.port) };
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ck_assert_int_eq(connect(fd, (struct sockaddr *)&sa, sizeof sa), 0);
    /* and one that sends half a ClientHello record */
    int fd2 = socket(AF_INET, SOCK_STREAM, 0);
    ck_assert_int_eq(connect(fd2, (struct sockaddr *)&sa, sizeof sa), 0);
    ck_assert_int_eq(send(fd2, "\x16\x03\x01\x02\x00\x01", 6, 0), 6);
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    ck_assert_int_eq(gnutls_send(t.port, NULL, "<13>not blocked", NULL), 0);
    ck_assert(wait_msg("not blocked", 5000));
    clock_gettime(CLOCK_MONOTONIC, &t1);
    ck_assert_msg(t1.tv_sec - t0.tv_sec < 2, "good client took too long");
    ck_assert_int_eq(wait_refusals(2, 5000), 0);
    ck_assert_uint_eq(fh_counter_value("tls.handshake.timeout"), 2);
    char c;
    ck_assert_int_le(recv(fd, &c, 1, 0), 0);   /* closed by the server */
    close(fd);
    close(fd2);
    ck_assert_int_eq(sl_imtcp_session_count(t.inst), 0);
    stop_inst(&t);
}
END_TEST

/* Bad credentials fail create() with a message naming the file. */
START_TEST(test_create_failures)
{
    struct tinst t;
    const char *missing[] = { "streamDriver.KeyFile", "/nonexistent/key.pem", NULL };
    ck_assert_int_eq(create_inst(&t, missing), SL_ECONFIG);
    ck_assert_msg(strstr(fh_last_log, "/nonexistent/key.pem") != NULL, "log: %s", fh_last_log);
    destroy_failed(&t);

    const char *mismatch[] = { "streamDriver.KeyFile", pkf("client-key.pem"), NULL };
    ck_assert_int_eq(create_inst(&t, mismatch), SL_ECONFIG);
    ck_assert_msg(strstr(fh_last_log, "client-key.pem") != NULL
                  && strstr(fh_last_log, "does not match") != NULL, "log: %s", fh_last_log);
    destroy_failed(&t);

    const char *expired[] = { "streamDriver.CertFile", pkf("expired.pem"),
                              "streamDriver.KeyFile", pkf("expired-key.pem"), NULL };
    ck_assert_int_eq(create_inst(&t, expired), SL_ECONFIG);
    ck_assert_msg(strstr(fh_last_log, "expired.pem") != NULL
                  && strstr(fh_last_log, "expired on") != NULL, "log: %s", fh_last_log);
    destroy_failed(&t);

    const char *badmode[] = { "streamDriver.authMode", "x509/bogus", NULL };
    ck_assert_int_eq(create_inst(&t, badmode), SL_ECONFIG);
    destroy_failed(&t);

    const char *noca[] = { "streamDriver.CAFile", "/nonexistent/ca.pem",
                           "streamDriver.authMode", "x509/name", NULL };
    ck_assert_int_eq(create_inst(&t, noca), SL_ECONFIG);
    ck_assert_msg(strstr(fh_last_log, "/nonexistent/ca.pem") != NULL, "log: %s", fh_last_log);
    destroy_failed(&t);

    const char *prio[] = { "gnutlsPriorityString", "NO-SUCH-PRIORITY", NULL };
    ck_assert_int_eq(create_inst(&t, prio), SL_ECONFIG);
    destroy_failed(&t);
}
END_TEST

/* rsyslogd as the TLS sender: imfile reads n numbered lines, omfwd (gtls, client auth mode
 * rs_auth, client certificate peer.pem unless rs_cert is 0) forwards them into the
 * listener, configured with kv.  Checks that all arrive in order over one session and
 * returns the rate (msg/s, rsyslog start-up included). */
static double rsyslog_sender(const char *const *kv, const char *rs_auth, const char *rs_peers,
                             int rs_cert, int n)
{
    struct tinst t;
    start_inst(&t, kv, 0);
    char conf[400], in[400], wd[300], certs[1200] = "";
    /* a work directory per run: imfile keys its state files by inode, which a new input
     * file may reuse */
    snprintf(wd, sizeof wd, "%s/rs-%d", pki, (int)getpid());
    ck_assert_int_eq(mkdir(wd, 0700), 0);
    snprintf(conf, sizeof conf, "%s/rsyslog.conf", wd);
    snprintf(in, sizeof in, "%s/in.txt", wd);
    FILE *fp = fopen(in, "w");
    ck_assert(fp != NULL);
    for (int i = 0; i < n; i++) {
        fprintf(fp, "msg %06d payload abcdefghijklmnopqrstuvwxyz0123456789\n", i);
    }
    fclose(fp);
    if (rs_cert) {
        snprintf(certs, sizeof certs, "  DefaultNetstreamDriverCertFile=\"%s/peer.pem\"\n"
                 "  DefaultNetstreamDriverKeyFile=\"%s/peer-key.pem\"\n", pki, pki);
    }
    char peers[300] = "";
    if (rs_peers != NULL) {
        snprintf(peers, sizeof peers, " StreamDriverPermittedPeers=\"%s\"", rs_peers);
    }
    fp = fopen(conf, "w");
    ck_assert(fp != NULL);
    fprintf(fp,
            "global(workDirectory=\"%s\" DefaultNetstreamDriver=\"gtls\"\n"
            "  DefaultNetstreamDriverCAFile=\"%s/ca.pem\"\n%s)\n"
            "module(load=\"imfile\")\n"
            "input(type=\"imfile\" file=\"%s\" tag=\"flood\" ruleset=\"fwd\")\n"
            "ruleset(name=\"fwd\" queue.type=\"linkedList\" queue.size=\"100000\") {\n"
            "  action(type=\"omfwd\" target=\"127.0.0.1\" port=\"%d\" protocol=\"tcp\"\n"
            "    tcp_framing=\"octet-counted\" StreamDriver=\"gtls\" StreamDriverMode=\"1\"\n"
            "    StreamDriverAuthMode=\"%s\"%s\n"
            "    template=\"RSYSLOG_SyslogProtocol23Format\")\n"
            "}\n",
            wd, pki, certs, in, t.port, rs_auth, peers);
    fclose(fp);
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    pid_t pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        char log[420];
        snprintf(log, sizeof log, "%s/rsyslogd.log", wd);
        FILE *lf = freopen(log, "w", stderr);
        (void)lf;
        execl("/usr/sbin/rsyslogd", "rsyslogd", "-n", "-iNONE", "-f", conf, (char *)NULL);
        _exit(127);
    }
    int ok = fh_wait_count((size_t)n, 40000) == 0;
    clock_gettime(CLOCK_MONOTONIC, &t1);
    kill(pid, SIGTERM);
    int st = -1;
    for (int w = 0; w < 1000 && waitpid(pid, &st, WNOHANG) != pid; w++) {
        struct timespec ts = { 0, 10000000 };
        nanosleep(&ts, NULL);
    }
    if (kill(pid, 0) == 0) {
        kill(pid, SIGKILL);
        waitpid(pid, NULL, 0);
    }
    ck_assert_msg(ok, "only %zu of %d messages arrived from rsyslog (auth %s)", fh_count(), n,
                  rs_auth);
    double secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
    /* in order, each once */
    ck_assert_int_eq(fh_count(), n);
    for (int i = 0; i < n; i += 97) {
        char want[32];
        snprintf(want, sizeof want, "msg %06d ", i);
        ck_assert_msg(strstr(fh_get((size_t)i)->raw, want) != NULL, "message %d: %s", i,
                      fh_get((size_t)i)->raw);
    }
    ck_assert_uint_eq(fh_counter_value("tls.sessions.ok"), 1);
    ck_assert_uint_eq(refusals(), 0);
    unlink(in);
    stop_inst(&t);
    return (double)n / secs;
}

/* Mutual x509/name on both sides; also gives the throughput figure of one connection. */
START_TEST(test_rsyslog_sender_x509_name)
{
    enum { N = 50000 };
    const char *kv[] = { "streamDriver.authMode", "x509/name", "permittedPeer", "localhost",
                         NULL };
    double rate = rsyslog_sender(kv, "x509/name", "localhost", 1, N);
    fprintf(stderr, "test_rsyslog_sender_x509_name: %d messages over one TLS connection from "
            "rsyslogd: %.0f msg/s (rsyslog start-up included)\n", (int)N, rate);
}
END_TEST

START_TEST(test_rsyslog_sender_certvalid)
{
    const char *kv[] = { "streamDriver.authMode", "x509/certvalid", NULL };
    (void)rsyslog_sender(kv, "x509/certvalid", NULL, 1, 500);
}
END_TEST

START_TEST(test_rsyslog_sender_fingerprint)
{
    char fp[200], srvfp[200];
    ck_assert_int_eq(sl_tls_file_fingerprint(pkf("peer.pem"), 0, fp, sizeof fp), 0);
    ck_assert_int_eq(sl_tls_file_fingerprint(pkf("server.pem"), 0, srvfp, sizeof srvfp), 0);
    const char *kv[] = { "streamDriver.authMode", "x509/fingerprint", "permittedPeer", fp,
                         NULL };
    (void)rsyslog_sender(kv, "x509/fingerprint", srvfp, 1, 500);
}
END_TEST

/* anon on both sides, rsyslog without a client certificate. */
START_TEST(test_rsyslog_sender_anon)
{
    const char *kv[] = { "streamDriver.authMode", "anon", NULL };
    (void)rsyslog_sender(kv, "anon", NULL, 0, 500);
}
END_TEST

#ifdef SL_IMTLS
/* imtls: TLS is preset (mode 1) and the port defaults to 6514. */
START_TEST(test_imtls_defaults)
{
    const struct sl_param *p = pt_find_param(PLUGIN->inst_params, "port");
    ck_assert(p != NULL && p->def != NULL);
    ck_assert_str_eq(p->def, "6514");
    ck_assert(!(p->flags & SL_P_REQUIRED));
    ck_assert_str_eq(PLUGIN->name, "imtls");
    struct tinst t;
    start_inst(&t, NULL, 0);
    ck_assert_int_eq(gnutls_send(t.port, NULL, "<13>imtls preset", NULL), 0);
    ck_assert(wait_msg("imtls preset", 5000));
    /* plain text is not accepted by a TLS listener */
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons((uint16_t)t.port) };
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ck_assert_int_eq(connect(fd, (struct sockaddr *)&sa, sizeof sa), 0);
    ck_assert_int_eq(send(fd, "<13>plain text\n", 15, 0), 15);
    ck_assert_int_eq(wait_refusals(1, 5000), 0);
    ck_assert(!has_msg("plain text"));
    close(fd);
    stop_inst(&t);

    /* TLS only: no global(DefaultNetstreamDriver="gtls") needed (issue 19), and a global
     * "ptcp" (rsyslog's default, for imtcp) does not apply to it */
    static const char *const drivers[] = { NULL, "ptcp" };
    for (size_t i = 0; i < 2; i++) {
        global_driver = drivers[i];
        fh_reset();
        start_inst(&t, NULL, 0);
        ck_assert_int_eq(gnutls_send(t.port, NULL, "<13>imtls no global driver", NULL), 0);
        ck_assert(wait_msg("imtls no global driver", 5000));
        stop_inst(&t);
    }
    /* a plain driver named for the input itself is still an error */
    global_driver = NULL;
    const char *ptcp[] = { "streamDriver.name", "ptcp", NULL };
    ck_assert_int_eq(create_inst(&t, ptcp), SL_ECONFIG);
    destroy_failed(&t);
    global_driver = "gtls";
}
END_TEST
#endif

int main(void)
{
    Suite *s = suite_create(
#ifdef SL_IMTLS
        "imtls"
#else
        "imtcp-tls"
#endif
    );
    TCase *tc = tcase_create("tls");
    tcase_add_unchecked_fixture(tc, pki_setup, pki_teardown);
    tcase_add_checked_fixture(tc, setup, NULL);
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, test_name_mode_good_clients);
    tcase_add_test(tc, test_refusal_matrix);
    tcase_add_test(tc, test_refusal_logs_fingerprint);
    tcase_add_test(tc, test_fingerprint_mode);
    tcase_add_test(tc, test_certvalid_mode);
    tcase_add_test(tc, test_anon_mode_and_versions);
    tcase_add_test(tc, test_silent_client_times_out);
    tcase_add_test(tc, test_permit_expired);
    tcase_add_test(tc, test_create_failures);
    tcase_add_test(tc, test_rsyslog_sender_x509_name);
    tcase_add_test(tc, test_rsyslog_sender_certvalid);
    tcase_add_test(tc, test_rsyslog_sender_fingerprint);
    tcase_add_test(tc, test_rsyslog_sender_anon);
#ifdef SL_IMTLS
    tcase_add_test(tc, test_imtls_defaults);
#endif
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
