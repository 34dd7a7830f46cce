/*
 * test_tls_omfwd.c - plugin tests of omfwd's TLS client (the gtls stream driver) against
 * the fake host and real TLS servers: openssl s_server (-Verify 1: client certificate
 * required and verified) and rsyslogd's imtcp with the gtls driver in x509/name mode.
 * Certificates come from tests/tls/mkcerts.sh (certtool) at test time.
 *
 * Covered: delivery to both servers; the client-side policy: x509/name (permitted peers,
 * or the target name), x509/certvalid ("skip name check": a wrong-name server passes),
 * anon ("skip cert check": a foreign-CA server passes, logged as insecure at create),
 * x509/fingerprint; refusals (wrong name, foreign CA, fingerprint mismatch) suspend the
 * action, are counted and logged with the fingerprint; create() failures naming the file.
 *
 * Every wait is bounded; servers are started by the test and stopped by PID.
 *
 * Ownership: the PKI directory belongs to the unchecked fixture (parent process).
 */
#include "config.h"

#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <arpa/inet.h>
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
#include "../../plugins/common/sl_tls.h"

#ifndef TLS_MKCERTS
#define TLS_MKCERTS "tests/tls/mkcerts.sh"
#endif

#ifdef SL_BUILTIN_PLUGIN
extern const struct sl_plugin sl_builtin_omfwd;
#define PLUG (&sl_builtin_omfwd)
#else
extern const struct sl_plugin sluice_plugin;
#define PLUG (&sluice_plugin)
#endif

static char pki[256];
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

static char *pkf(const char *name)
{
    static char bufs[16][320];
    static int k;
    char *b = bufs[k++ % 16];
    snprintf(b, sizeof bufs[0], "%s/%s", pki, name);
    return b;
}

struct om {
    void *mod, *inst, *wrk;
    int created;
};

/* TLS client defaults as global() settings: CA, client certificate and key. */
static int om_new(struct om *o, const struct kv *cfg)
{
    static const char *globals[10];
    static char ca[320], cert[320], key[320];
    snprintf(ca, sizeof ca, "%s", pkf("ca.pem"));
    snprintf(cert, sizeof cert, "%s", pkf("client.pem"));
    snprintf(key, sizeof key, "%s", pkf("client-key.pem"));
    globals[0] = "defaultNetstreamDriverCAFile";
    globals[1] = ca;
    globals[2] = "defaultNetstreamDriverCertFile";
    globals[3] = cert;
    globals[4] = "defaultNetstreamDriverKeyFile";
    globals[5] = key;
    globals[6] = NULL;
    fh_globals = globals;
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
    o->created = rc == 0;
    return rc;
}

static void om_free(struct om *o)
{
    if (o->created) {
        PLUG->out->worker_destroy(o->inst, o->wrk);
        PLUG->out->destroy(o->inst);
    }
    free(o->mod);
    free(o->inst);
    free(o->wrk);
}

static int deliver1(struct om *o, const char *text)
{
    struct sl_msg *m[1] = { fh_msg(text) };
    struct sl_batch b = { 1, m, NULL };
    struct sl_verdict v = { 0, NULL };
    int rc = PLUG->out->deliver(o->inst, o->wrk, &b, &v);
    fh_host.msg_unref(m[0]);
    return rc;
}

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

static int sh(const char *fmt, ...)
{
    char cmd[2048];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(cmd, sizeof cmd, fmt, ap);
    va_end(ap);
    int st = system(cmd);
    return WIFEXITED(st) ? WEXITSTATUS(st) : 128;
}

static int wait_listen(int port)
{
    for (int i = 0; i < 150; i++) {
        if (sh("ss -Hltn '( sport = :%d )' | grep -q .", port) == 0) {
            return 0;
        }
        sleep_ms(100);
    }
    return -1;
}

/* Does FILE contain TEXT within timeout_ms? */
static int wait_file_has(const char *file, const char *text, int timeout_ms)
{
    for (int w = 0; w <= timeout_ms; w += 50) {
        if (sh("grep -qF -- '%s' '%s' 2>/dev/null", text, file) == 0) {
            return 1;
        }
        sleep_ms(50);
    }
    return 0;
}

/* ---- a server: openssl s_server or rsyslogd, started and stopped by PID ---- */
struct srv {
    pid_t pid;
    int port;
    int fifo_fd;
    char out[400];
};

static void srv_spawn(struct srv *s, const char *cmd)
{
    s->pid = fork();
    ck_assert_int_ge(s->pid, 0);
    if (s->pid == 0) {
        setpgid(0, 0);
        execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
        _exit(127);
    }
    ck_assert_msg(wait_listen(s->port) == 0, "server did not listen: %s", cmd);
}

/* openssl s_server presenting CERT, requiring a client certificate from the CA. */
static void s_server_start(struct srv *s, const char *cert)
{
    char fifo[400], cmd[4096];
    memset(s, 0, sizeof *s);
    s->port = free_port();
    snprintf(fifo, sizeof fifo, "%s/fifo-%d", pki, (int)getpid());
    snprintf(s->out, sizeof s->out, "%s/s_server-%d.out", pki, (int)getpid());
    unlink(fifo);
    ck_assert_int_eq(mkfifo(fifo, 0600), 0);
    s->fifo_fd = open(fifo, O_RDWR);    /* keeps s_server's stdin open */
    ck_assert_int_ge(s->fifo_fd, 0);
    snprintf(cmd, sizeof cmd, "exec timeout 60 openssl s_server -accept 127.0.0.1:%d "
             "-cert %s/%s.pem -key %s/%s-key.pem -CAfile %s/ca.pem -Verify 1 "
             "-verify_return_error -quiet < %s > %s 2> %s.err", s->port, pki, cert, pki, cert,
             pki, fifo, s->out, s->out);
    srv_spawn(s, cmd);
}

/* rsyslogd with imtcp + gtls (x509/name, permitted peer sluice-client) writing %rawmsg%. */
static void rsyslog_start(struct srv *s, int port)
{
    char conf[400], cmd[1024];
    memset(s, 0, sizeof *s);
    s->fifo_fd = -1;
    s->port = port > 0 ? port : free_port();
    snprintf(conf, sizeof conf, "%s/rs-%d.conf", pki, (int)getpid());
    snprintf(s->out, sizeof s->out, "%s/rs-%d.out", pki, (int)getpid());
    FILE *fp = fopen(conf, "w");
    ck_assert(fp != NULL);
    fprintf(fp,
            "global(workDirectory=\"%s\" DefaultNetstreamDriver=\"gtls\"\n"
            "  DefaultNetstreamDriverCAFile=\"%s/ca.pem\"\n"
            "  DefaultNetstreamDriverCertFile=\"%s/server.pem\"\n"
            "  DefaultNetstreamDriverKeyFile=\"%s/server-key.pem\")\n"
            "module(load=\"imtcp\" StreamDriver.Name=\"gtls\" StreamDriver.Mode=\"1\"\n"
            "  StreamDriver.AuthMode=\"x509/name\" PermittedPeer=[\"sluice-client\"])\n"
            "template(name=\"raw\" type=\"string\" string=\"%%rawmsg%%\\n\")\n"
            "input(type=\"imtcp\" address=\"127.0.0.1\" port=\"%d\" ruleset=\"r\")\n"
            "ruleset(name=\"r\") { action(type=\"omfile\" file=\"%s\" template=\"raw\") }\n",
            pki, pki, pki, pki, s->port, s->out);
    fclose(fp);
    snprintf(cmd, sizeof cmd, "exec rsyslogd -n -iNONE -f %s 2> %s.err", conf, s->out);
    srv_spawn(s, cmd);
}

static void srv_stop(struct srv *s)
{
    if (s->pid > 0) {
        kill(s->pid, SIGTERM);
        int st;
        int i;
        for (i = 0; i < 500 && waitpid(s->pid, &st, WNOHANG) != s->pid; i++) {
            sleep_ms(10);
        }
        if (i == 500) {
            kill(s->pid, SIGKILL);
            waitpid(s->pid, NULL, 0);
        }
        s->pid = 0;
    }
    if (s->fifo_fd >= 0) {
        close(s->fifo_fd);
        s->fifo_fd = -1;
    }
}

static void pki_setup(void)
{
    signal(SIGPIPE, SIG_IGN);
    snprintf(pki, sizeof pki, "/tmp/sl_tlsfwd_test_XXXXXX");
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
    if (getenv("KEEP_SCRATCH") == NULL && strncmp(pki, "/tmp/sl_tlsfwd_test_", 20) == 0) {
        snprintf(cmd, sizeof cmd, "rm -rf '%s'", pki);
        (void)system(cmd);
    }
}

static char portstr[16];

static const char *port_of(const struct srv *s)
{
    snprintf(portstr, sizeof portstr, "%d", s->port);
    return portstr;
}

/* ---- tests ---- */

/* x509/name with permitted peers, to s_server -Verify 1: the records arrive in order with
 * octet-counted framing; TLS 1.3 is used. */
START_TEST(to_s_server_x509_name)
{
    struct srv s;
    s_server_start(&s, "server");
    struct om o;
    struct kv cfg[] = { { "target", "127.0.0.1" }, { "port", port_of(&s) },
                        { "protocol", "tcp" }, { "tcp_framing", "octet-counted" },
                        { "StreamDriver", "gtls" }, { "StreamDriverMode", "1" },
                        { "StreamDriverAuthMode", "x509/name" },
                        { "StreamDriverPermittedPeers", "other.example, localhost" },
                        { NULL, NULL } };
    ck_assert_int_eq(om_new(&o, cfg), 0);
    ck_assert_int_eq(deliver1(&o, "<13>first over tls"), SL_OK);
    ck_assert_int_eq(deliver1(&o, "<13>second over tls"), SL_OK);
    ck_assert(wait_file_has(s.out, "18 <13>first over tls19 <13>second over tls", 5000));
    om_free(&o);
    srv_stop(&s);
}
END_TEST

/* x509/name without permitted peers checks the target name (127.0.0.1 is in the server
 * certificate's SAN); traditional framing. */
START_TEST(to_s_server_target_name)
{
    struct srv s;
    s_server_start(&s, "server");
    struct om o;
    struct kv cfg[] = { { "target", "127.0.0.1" }, { "port", port_of(&s) },
                        { "protocol", "tcp" }, { "StreamDriver", "gtls" },
                        { "StreamDriverMode", "1" }, { "StreamDriverAuthMode", "x509/name" },
                        { NULL, NULL } };
    ck_assert_int_eq(om_new(&o, cfg), 0);
    ck_assert_int_eq(deliver1(&o, "<13>by target name"), SL_OK);
    ck_assert(wait_file_has(s.out, "<13>by target name", 5000));
    om_free(&o);
    srv_stop(&s);
}
END_TEST

/* Refusals: wrong server name, foreign CA, fingerprint mismatch.  Each suspends, counts
 * and logs the fingerprint; nothing reaches the server. */
START_TEST(refused_servers)
{
    struct {
        const char *cert;
        const char *mode;
        const char *peers;
        const char *expect;
    } cases[] = {
        { "wrongname", "x509/name", "localhost", "not authorized" },
        { "foreign-server", "x509/certvalid", NULL, "issuer" },
        { "foreign-server", "x509/name", "localhost", "issuer" },
        { "server", "x509/fingerprint", "SHA256:00:11:22", "fingerprint not permitted" },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct srv s;
        s_server_start(&s, cases[i].cert);
        struct om o;
        struct kv cfg[] = { { "target", "127.0.0.1" }, { "port", port_of(&s) },
                            { "protocol", "tcp" }, { "StreamDriver", "gtls" },
                            { "StreamDriverMode", "1" },
                            { "StreamDriverAuthMode", cases[i].mode },
                            { "StreamDriverPermittedPeers", cases[i].peers },
                            { NULL, NULL } };
        if (cases[i].peers == NULL) {
            cfg[6].k = NULL;
        }
        uint64_t before = fh_counter_value("tls.peer.refused");
        ck_assert_int_eq(om_new(&o, cfg), 0);
        ck_assert_int_eq(deliver1(&o, "<13>must not arrive"), SL_SUSPEND);
        ck_assert_msg(strstr(fh_last_log, cases[i].expect) != NULL, "case %zu: log %s", i,
                      fh_last_log);
        char fp[200];
        ck_assert_int_eq(sl_tls_file_fingerprint(pkf(cases[i].cert[0] == 'w' ? "wrongname.pem"
                                                     : cases[i].cert[0] == 'f'
                                                         ? "foreign-server.pem"
                                                         : "server.pem"), 1, fp, sizeof fp), 0);
        ck_assert_msg(strstr(fh_last_log, fp) != NULL, "case %zu: no fingerprint in %s", i,
                      fh_last_log);
        ck_assert_uint_eq(fh_counter_value("tls.peer.refused") - before, 1);
        /* still refused on the retry, counted again */
        ck_assert_int_eq(deliver1(&o, "<13>must not arrive"), SL_SUSPEND);
        ck_assert_uint_eq(fh_counter_value("tls.peer.refused") - before, 2);
        om_free(&o);
        sleep_ms(200);
        ck_assert_int_ne(sh("grep -q 'must not arrive' %s", s.out), 0);
        srv_stop(&s);
    }
}
END_TEST

/* The client-side switches: x509/certvalid skips the name check, anon skips the
 * certificate check (and says so at create), x509/fingerprint accepts a listed server. */
START_TEST(skip_switches_and_fingerprint)
{
    struct srv s;
    struct om o;
    s_server_start(&s, "wrongname");
    struct kv cv[] = { { "target", "127.0.0.1" }, { "port", port_of(&s) },
                       { "protocol", "tcp" }, { "StreamDriver", "gtls" },
                       { "StreamDriverMode", "1" }, { "StreamDriverAuthMode", "x509/certvalid" },
                       { NULL, NULL } };
    ck_assert_int_eq(om_new(&o, cv), 0);
    ck_assert_int_eq(deliver1(&o, "<13>certvalid to wrong name"), SL_OK);
    ck_assert(wait_file_has(s.out, "certvalid to wrong name", 5000));
    om_free(&o);
    srv_stop(&s);

    s_server_start(&s, "foreign-server");
    struct kv an[] = { { "target", "127.0.0.1" }, { "port", port_of(&s) },
                       { "protocol", "tcp" }, { "StreamDriver", "gtls" },
                       { "StreamDriverMode", "1" }, { "StreamDriverAuthMode", "anon" },
                       { NULL, NULL } };
    ck_assert_int_eq(om_new(&o, an), 0);
    ck_assert_msg(strstr(fh_last_log, "INSECURE") != NULL, "log: %s", fh_last_log);
    ck_assert_int_eq(fh_log_count[SL_LOG_WARNING], 1);
    ck_assert_int_eq(deliver1(&o, "<13>anon to foreign"), SL_OK);
    ck_assert(wait_file_has(s.out, "anon to foreign", 5000));
    om_free(&o);
    srv_stop(&s);

    char fp[200];
    ck_assert_int_eq(sl_tls_file_fingerprint(pkf("foreign-server.pem"), 0, fp, sizeof fp), 0);
    s_server_start(&s, "foreign-server");
    struct kv fpc[] = { { "target", "127.0.0.1" }, { "port", port_of(&s) },
                        { "protocol", "tcp" }, { "StreamDriver", "gtls" },
                        { "StreamDriverMode", "1" },
                        { "StreamDriverAuthMode", "x509/fingerprint" },
                        { "StreamDriverPermittedPeers", fp }, { NULL, NULL } };
    ck_assert_int_eq(om_new(&o, fpc), 0);
    ck_assert_int_eq(deliver1(&o, "<13>fingerprint ok"), SL_OK);
    ck_assert(wait_file_has(s.out, "fingerprint ok", 5000));
    om_free(&o);
    srv_stop(&s);
}
END_TEST

/* Into rsyslogd's imtcp with gtls (it checks our client certificate by name), then the
 * receiver restarts and the action reconnects. */
START_TEST(to_rsyslog_gtls)
{
    struct srv s;
    rsyslog_start(&s, 0);
    struct om o;
    struct kv cfg[] = { { "target", "127.0.0.1" }, { "port", port_of(&s) },
                        { "protocol", "tcp" }, { "tcp_framing", "octet-counted" },
                        { "StreamDriver", "gtls" }, { "StreamDriverMode", "1" },
                        { "StreamDriverAuthMode", "x509/name" },
                        { "StreamDriverPermittedPeers", "localhost" }, { NULL, NULL } };
    ck_assert_int_eq(om_new(&o, cfg), 0);
    for (int i = 0; i < 100; i++) {
        char m[64];
        snprintf(m, sizeof m, "<13>rsyslog gets %03d", i);
        ck_assert_int_eq(deliver1(&o, m), SL_OK);
    }
    ck_assert(wait_file_has(s.out, "rsyslog gets 099", 5000));
    ck_assert_int_eq(sh("test $(grep -c 'rsyslog gets' %s) -eq 100", s.out), 0);
    int port = s.port;
    srv_stop(&s);
    /* receiver gone: the dead session is noticed before data is lost in it */
    ck_assert_int_eq(deliver1(&o, "<13>while down"), SL_SUSPEND);
    rsyslog_start(&s, port);
    ck_assert_int_eq(deliver1(&o, "<13>after restart"), SL_OK);
    ck_assert(wait_file_has(s.out, "after restart", 5000));
    om_free(&o);
    srv_stop(&s);
}
END_TEST

/* HUP reloads the client certificate: bad files are refused (old ones kept, delivery goes
 * on); good new files are used for the next connection (here a certificate from a foreign
 * CA, which s_server then rejects: nothing more arrives and the action suspends). */
START_TEST(hup_reloads_certificates)
{
    char cert[400], key[400];
    snprintf(cert, sizeof cert, "%s/hup-%d.pem", pki, (int)getpid());
    snprintf(key, sizeof key, "%s/hup-%d-key.pem", pki, (int)getpid());
    ck_assert_int_eq(sh("cp %s/client.pem %s && cp %s/client-key.pem %s", pki, cert, pki, key),
                     0);
    struct srv s;
    s_server_start(&s, "server");
    struct om o;
    struct kv cfg[] = { { "target", "127.0.0.1" }, { "port", port_of(&s) },
                        { "protocol", "tcp" }, { "StreamDriver", "gtls" },
                        { "StreamDriverMode", "1" }, { "StreamDriverAuthMode", "x509/name" },
                        { "StreamDriver.CertFile", cert }, { "StreamDriver.KeyFile", key },
                        { NULL, NULL } };
    ck_assert_int_eq(om_new(&o, cfg), 0);
    ck_assert_ptr_nonnull(PLUG->out->hup);
    ck_assert_int_eq(deliver1(&o, "<13>before hup"), SL_OK);
    ck_assert(wait_file_has(s.out, "before hup", 5000));

    ck_assert_int_eq(sh("cp %s/server-key.pem %s", pki, key), 0);   /* mismatch */
    PLUG->out->hup(o.inst);
    ck_assert_msg(strstr(fh_last_log, "keeping the current") != NULL, "log: %s", fh_last_log);
    ck_assert_int_eq(deliver1(&o, "<13>after bad hup"), SL_OK);
    ck_assert(wait_file_has(s.out, "after bad hup", 5000));

    ck_assert_int_eq(sh("cp %s/foreign-client.pem %s && cp %s/foreign-client-key.pem %s", pki,
                        cert, pki, key), 0);
    PLUG->out->hup(o.inst);
    ck_assert_msg(strstr(fh_last_log, "reloaded") != NULL, "log: %s", fh_last_log);
    int suspended = 0;
    for (int i = 0; i < 10 && !suspended; i++) {
        suspended = deliver1(&o, "<13>foreign after hup") == SL_SUSPEND;
        sleep_ms(100);
    }
    ck_assert(suspended);
    sleep_ms(200);
    ck_assert_int_ne(sh("grep -q 'foreign after hup' %s", s.out), 0);
    om_free(&o);
    srv_stop(&s);
}
END_TEST

/* Bad client credentials fail create() naming the file. */
START_TEST(create_failures)
{
    struct om o;
    struct kv exp[] = { { "target", "127.0.0.1" }, { "protocol", "tcp" },
                        { "StreamDriver", "gtls" }, { "StreamDriverMode", "1" },
                        { "StreamDriverAuthMode", "x509/name" },
                        { "StreamDriver.CertFile", pkf("expired.pem") },
                        { "StreamDriver.KeyFile", pkf("expired-key.pem") }, { NULL, NULL } };
    ck_assert_int_eq(om_new(&o, exp), SL_ECONFIG);
    ck_assert_msg(strstr(fh_last_log, "expired.pem") != NULL, "log: %s", fh_last_log);
    om_free(&o);
    struct kv mis[] = { { "target", "127.0.0.1" }, { "protocol", "tcp" },
                        { "StreamDriver", "gtls" }, { "StreamDriverMode", "1" },
                        { "StreamDriver.KeyFile", pkf("server-key.pem") }, { NULL, NULL } };
    ck_assert_int_eq(om_new(&o, mis), SL_ECONFIG);
    ck_assert_msg(strstr(fh_last_log, "does not match") != NULL, "log: %s", fh_last_log);
    om_free(&o);
    struct kv nokey[] = { { "target", "127.0.0.1" }, { "protocol", "tcp" },
                          { "StreamDriver", "gtls" }, { "StreamDriverMode", "1" },
                          { "StreamDriver.KeyFile", "/nonexistent/k.pem" }, { NULL, NULL } };
    ck_assert_int_eq(om_new(&o, nokey), SL_ECONFIG);
    ck_assert_msg(strstr(fh_last_log, "/nonexistent/k.pem") != NULL, "log: %s", fh_last_log);
    om_free(&o);
    struct kv ptcp[] = { { "target", "127.0.0.1" }, { "protocol", "tcp" },
                         { "StreamDriver", "ptcp" }, { "StreamDriverMode", "1" },
                         { NULL, NULL } };
    ck_assert_int_eq(om_new(&o, ptcp), SL_ECONFIG);
    om_free(&o);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("omfwd-tls");
    TCase *tc = tcase_create("tls");
    tcase_add_unchecked_fixture(tc, pki_setup, pki_teardown);
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, to_s_server_x509_name);
    tcase_add_test(tc, to_s_server_target_name);
    tcase_add_test(tc, refused_servers);
    tcase_add_test(tc, skip_switches_and_fingerprint);
    tcase_add_test(tc, to_rsyslog_gtls);
    tcase_add_test(tc, create_failures);
    tcase_add_test(tc, hup_reloads_certificates);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
