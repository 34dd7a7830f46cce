/*
 * test_conf.c - Check unit tests of the configuration front end: lexer token classes,
 * selector (PRI filter) semantics, property filters (including rsyslog's BRE unescaping),
 * legacy action desugaring, $Directive state, expressions, includes, diagnostics with
 * file:line, and a quick fuzz run.
 *
 * Ownership: every test frees what it loads.  Concurrency & locking: single-threaded tests
 * (Check forks one process per test).
 */
#include "config.h"

#include <arpa/inet.h>
#include <check.h>
#include <netinet/in.h>
#include <regex.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <fcntl.h>
#include <ftw.h>
#include <time.h>
#include <unistd.h>

#include "expr/expr.h"
#include "plugin.h"
#include "conf/ir.h"
#include "log.h"
#include "util/buf.h"

/* ---------------------------------------------------------------- helpers */

static struct sl_buf diag;   /* diagnostics captured through the log sink */

static void sink(int sev, const char *text)
{
    (void)sev;
    sl_buf_puts(&diag, text);
    sl_buf_puts(&diag, "\n");
}

static void setup(void)
{
    sl_cnf_set_plugins(sl_plugin_lookup, (void *)sl_plugin_dir(NULL), sl_builtin_plugins);
    sl_buf_free(&diag);
    sl_buf_puts(&diag, "");
    sl_log_set_sink(sink);
    sl_log_set_stderr(0);
}

static void teardown(void)
{
    sl_log_set_sink(NULL);
    sl_buf_free(&diag);
}

static struct sl_cnf *load(const char *text)
{
    struct sl_cnf *c = sl_cnf_load_string(text, "t.conf");
    ck_assert_ptr_nonnull(c);
    return c;
}

static char *dump(const struct sl_cnf *c)
{
    char *p = NULL;
    size_t n = 0;
    FILE *f = open_memstream(&p, &n);
    ck_assert_ptr_nonnull(f);
    sl_cnf_dump(c, f);
    fclose(f);
    return p;
}

static const struct sl_ruleset_ir *dflt(const struct sl_cnf *c)
{
    const struct sl_ruleset_ir *r = sl_cnf_ruleset(c, "RSYSLOG_DefaultRuleset");
    ck_assert_ptr_nonnull(r);
    return r;
}

static const char *kv(struct sl_kv *list, const char *name)
{
    struct sl_kv *k = sl_kv_find(list, name);
    return k != NULL && !k->is_array ? k->str : NULL;
}

/* expect a load with errors and the diagnostic text containing `what` */
static void expect_error(const char *text, const char *what)
{
    setup();
    struct sl_cnf *c = load(text);
    ck_assert_msg(c->nerrors > 0, "no error for: %s", text);
    ck_assert_msg(strstr(diag.p, what) != NULL, "diagnostics '%s' lack '%s'", diag.p, what);
    sl_cnf_free(c);
}

static int rm_one(const char *p, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    return remove(p);
}

static void rm_tree(const char *dir)
{
    nftw(dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

/* ---------------------------------------------------------------- selectors */

struct pcase {
    const char *sel;
    int fac;
    uint8_t mask;
};

START_TEST(test_prifilt_semantics)
{
    static const struct pcase cases[] = {
        { "mail.info", 2, 0x7f },
        { "mail.info", 3, 0x00 },
        { "mail.=info", 2, 0x40 },
        { "mail.!info", 2, 0x00 },
        { "mail.*;mail.!info", 2, 0x80 },
        { "mail.*;mail.!=info", 2, 0xbf },
        { "mail.none", 2, 0x00 },
        { "mail,news.err", 7, 0x0f },
        { "*.*;auth,authpriv.none", 4, 0x00 },
        { "*.*;auth,authpriv.none", 10, 0x00 },
        { "*.*;auth,authpriv.none", 0, 0xff },
        { "*.*;auth,authpriv.none", 24, 0xff },
        { "*.=debug;auth,authpriv.none;news.none;mail.none", 1, 0x80 },
        { "*.=debug;auth,authpriv.none;news.none;mail.none", 2, 0x00 },
        { "*.emerg", 24, 0x01 },
        { "*.emerg", 13, 0x01 },
        { "local7.*", 23, 0xff },
        { "local7.*", 22, 0x00 },
        { "kern.warn", 0, 0x1f },
        { "kern.!none", 0, 0xff },
        { "daemon.!crit", 3, 0x00 },
        { "*.info;mail.none;authpriv.none;cron.none", 9, 0x00 },
        { "*.info;mail.none;authpriv.none;cron.none", 1, 0x7f },
        { "security.*", 4, 0xff },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char text[256];
        setup();
        snprintf(text, sizeof text, "%s /tmp/x\n", cases[i].sel);
        struct sl_cnf *c = load(text);
        ck_assert_int_eq(c->nerrors, 0);
        const struct sl_stmt *s = dflt(c)->stmts;
        ck_assert_ptr_nonnull(s);
        ck_assert_int_eq(s->type, SL_ST_PRIFILT);
        ck_assert_str_eq(s->u.prifilt.text, cases[i].sel);
        ck_assert_msg(s->u.prifilt.pmask[cases[i].fac] == cases[i].mask,
                      "%s: facility %d mask %02x, expected %02x", cases[i].sel, cases[i].fac,
                      s->u.prifilt.pmask[cases[i].fac], cases[i].mask);
        sl_cnf_free(c);
    }
}
END_TEST

START_TEST(test_prifilt_errors)
{
    expect_error("global()\nmail.foo /tmp/x\n", "t.conf:2:");
    expect_error("mail.foo /tmp/x\n", "unknown priority name 'foo'");
    expect_error("frob.info /tmp/x\n", "unknown facility name 'frob'");
}
END_TEST

/* The oracle: rsyslogd itself.  Every selector writes the PRI of what it matched into its
 * own file; all 192 PRI values are sent over UDP; the files must hold exactly the PRIs our
 * pmask selects. */
static const char *const oracle_sels[] = {
    "*.*;auth,authpriv.none", "mail.info", "mail.=info", "mail.*;mail.!info",
    "mail.*;mail.!=info", "*.=debug;auth,authpriv.none;news.none;mail.none",
    "kern,daemon.warn;daemon.!err", "*.emerg", "local7.*;local7.!=notice",
    "*.info;mail.none;authpriv.none;cron.none", "user.!none", "cron.=err;cron.=debug",
    "*.!crit", "*.*;*.!=info",
};

static int free_udp_port(void)
{
    int s = socket(AF_INET, SOCK_DGRAM, 0);
    struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
    socklen_t l = sizeof a;
    ck_assert_int_ge(s, 0);
    ck_assert_int_eq(bind(s, (struct sockaddr *)&a, sizeof a), 0);
    ck_assert_int_eq(getsockname(s, (struct sockaddr *)&a, &l), 0);
    close(s);
    return ntohs(a.sin_port);
}

static void udp_send(int port, int pri, const char *msg)
{
    char buf[256];
    int s = socket(AF_INET, SOCK_DGRAM, 0);
    struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port),
                             .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
    int n = snprintf(buf, sizeof buf, "<%d>Nov 22 10:00:00 host tag: %s", pri, msg);
    ck_assert_int_ge(s, 0);
    ck_assert_int_eq((int)sendto(s, buf, (size_t)n, 0, (struct sockaddr *)&a, sizeof a), n);
    close(s);
}

static int file_has(const char *path, const char *what)
{
    size_t len;
    FILE *f = fopen(path, "r");
    if (f == NULL) {
        return 0;
    }
    char buf[65536];
    len = fread(buf, 1, sizeof buf - 1, f);
    buf[len] = '\0';
    fclose(f);
    return strstr(buf, what) != NULL;
}

/* Start rsyslogd on conf_path and wait (bounded) until it writes the probe into endp. */
static pid_t rs_start(const char *conf_path, int port, const char *endp)
{
    pid_t pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        int dn = open("/dev/null", O_WRONLY);
        dup2(dn, 1);
        dup2(dn, 2);
        execl("/usr/sbin/rsyslogd", "rsyslogd", "-n", "-iNONE", "-f", conf_path, (char *)NULL);
        _exit(127);
    }
    int up = 0;
    for (int i = 0; i < 100 && !up; i++) {
        udp_send(port, 13, "PROBEMARK");
        usleep(100000);
        up = file_has(endp, "PROBEMARK");
    }
    if (!up) {
        kill(pid, SIGTERM);
        waitpid(pid, NULL, 0);
        ck_abort_msg("rsyslogd did not come up on port %d", port);
    }
    return pid;
}

/* Send the end marker, wait (bounded) until rsyslogd processed it, stop rsyslogd. */
static void rs_finish(pid_t pid, int port, const char *endp)
{
    udp_send(port, 13, "ENDMARK");
    int done = 0;
    for (int i = 0; i < 100 && !done; i++) {
        usleep(100000);
        done = file_has(endp, "ENDMARK");
    }
    usleep(300000);
    kill(pid, SIGTERM);
    waitpid(pid, NULL, 0);
    ck_assert_msg(done, "rsyslogd did not process the test messages");
}

START_TEST(test_prifilt_vs_rsyslogd)
{
    const size_t nsel = sizeof oracle_sels / sizeof oracle_sels[0];
    char dir[64], path[256], line[512];
    if (access("/usr/sbin/rsyslogd", X_OK) != 0) {
        fprintf(stderr, "test_prifilt_vs_rsyslogd: rsyslogd not installed, skipped\n");
        return;
    }
    snprintf(dir, sizeof dir, "/tmp/test_conf_rs.XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(dir));
    int port = free_udp_port();
    struct sl_buf conf = { 0 };
    sl_buf_printf(&conf, "global(workDirectory=\"%s\")\nmodule(load=\"imudp\")\n"
                  "input(type=\"imudp\" port=\"%d\" address=\"127.0.0.1\")\n"
                  "template(name=\"p\" type=\"string\" string=\"%%pri%% %%msg%%\\n\")\n",
                  dir, port);
    for (size_t i = 0; i < nsel; i++) {
        sl_buf_printf(&conf, "%s action(type=\"omfile\" file=\"%s/s%zu\" template=\"p\")\n",
                      oracle_sels[i], dir, i);
    }
    sl_buf_printf(&conf, ":msg, contains, \"MARK\" action(type=\"omfile\" file=\"%s/end\" "
                  "template=\"p\")\n", dir);
    snprintf(path, sizeof path, "%s/rs.conf", dir);
    FILE *f = fopen(path, "w");
    ck_assert_ptr_nonnull(f);
    fputs(conf.p, f);
    fclose(f);

    /* our view of the same selectors */
    setup();
    struct sl_cnf *c = sl_cnf_load(path);
    ck_assert_ptr_nonnull(c);
    ck_assert_msg(c->nerrors == 0, "%s", diag.p);

    char endp[256];
    snprintf(endp, sizeof endp, "%s/end", dir);
    pid_t pid = rs_start(path, port, endp);
    for (int pri = 0; pri < 192; pri++) {
        udp_send(port, pri, "T");
    }
    rs_finish(pid, port, endp);
    const struct sl_stmt *s = dflt(c)->stmts;
    for (size_t i = 0; i < nsel; i++, s = s->next) {
        ck_assert_ptr_nonnull(s);
        ck_assert_int_eq(s->type, SL_ST_PRIFILT);
        uint8_t got[24] = { 0 };
        snprintf(path, sizeof path, "%s/s%zu", dir, i);
        f = fopen(path, "r");
        while (f != NULL && fgets(line, sizeof line, f) != NULL) {
            int pri;
            char word[16];
            if (sscanf(line, "%d %15s", &pri, word) == 2 && strcmp(word, "T") == 0 &&
                pri >= 0 && pri < 192) {
                got[pri >> 3] |= (uint8_t)(1u << (pri & 7));
            }
        }
        if (f != NULL) {
            fclose(f);
        }
        for (int fac = 0; fac < 24; fac++) {
            ck_assert_msg(got[fac] == s->u.prifilt.pmask[fac],
                          "selector '%s' facility %d: rsyslogd matched %02x, we %02x",
                          oracle_sels[i], fac, got[fac], s->u.prifilt.pmask[fac]);
        }
    }
    sl_cnf_free(c);
    sl_buf_free(&conf);
    rm_tree(dir);
}
END_TEST

/* ---------------------------------------------------------------- property filters */

/* Property filters against rsyslogd: each filter writes what it matched into its own file;
 * our IR (unescaped value, compiled regex) must select exactly the same messages. */
static const char *const pf_filters[] = {
    ":msg, regex, \"\\{.*\\}\"",
    ":msg, ereregex, \"^ ?[a-z]+=[0-9]+$\"",
    ":msg, !contains, \"brace\"",
    ":msg, startswith, \" key\"",
    ":msg, isequal, \" x=1\"",
    ":msg, regex, \"a\\.b\"",
    ":msg, contains, \"q\\\"t\"",
};
static const char *const pf_msgs[] = {
    "{\"flow\":1}", "x=1", "brace { only", "key=value {}", "a.b", "axb", "q\"t", "plain",
};

static int pf_verdict(const struct sl_stmt *s, const char *msg)
{
    int r = 0;
    const char *v = s->u.propfilt.value;
    switch (s->u.propfilt.op) {
    case SL_PF_CONTAINS: r = strstr(msg, v) != NULL; break;
    case SL_PF_ISEQUAL: r = strcmp(msg, v) == 0; break;
    case SL_PF_STARTSWITH: r = strncmp(msg, v, strlen(v)) == 0; break;
    case SL_PF_REGEX:
    case SL_PF_EREREGEX: r = regexec(s->u.propfilt.re, msg, 0, NULL, 0) == 0; break;
    default: ck_abort_msg("unexpected op");
    }
    return s->u.propfilt.negate ? !r : r;
}

START_TEST(test_propfilt_vs_rsyslogd)
{
    const size_t nf = sizeof pf_filters / sizeof pf_filters[0];
    const size_t nm = sizeof pf_msgs / sizeof pf_msgs[0];
    char dir[64], path[256], endp[256], line[512];
    if (access("/usr/sbin/rsyslogd", X_OK) != 0) {
        fprintf(stderr, "test_propfilt_vs_rsyslogd: rsyslogd not installed, skipped\n");
        return;
    }
    snprintf(dir, sizeof dir, "/tmp/test_conf_pf.XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(dir));
    int port = free_udp_port();
    struct sl_buf conf = { 0 };
    sl_buf_printf(&conf, "global(workDirectory=\"%s\")\nmodule(load=\"imudp\")\n"
                  "input(type=\"imudp\" port=\"%d\" address=\"127.0.0.1\")\n"
                  "template(name=\"m\" type=\"string\" string=\"[%%msg%%]\\n\")\n", dir, port);
    for (size_t i = 0; i < nf; i++) {
        sl_buf_printf(&conf, "%s action(type=\"omfile\" file=\"%s/f%zu\" template=\"m\")\n",
                      pf_filters[i], dir, i);
    }
    sl_buf_printf(&conf, "*.* action(type=\"omfile\" file=\"%s/all\" template=\"m\")\n"
                  ":msg, contains, \"MARK\" action(type=\"omfile\" file=\"%s/end\" "
                  "template=\"m\")\n", dir, dir);
    snprintf(path, sizeof path, "%s/rs.conf", dir);
    FILE *f = fopen(path, "w");
    ck_assert_ptr_nonnull(f);
    fputs(conf.p, f);
    fclose(f);
    setup();
    struct sl_cnf *c = sl_cnf_load(path);
    ck_assert_ptr_nonnull(c);
    ck_assert_msg(c->nerrors == 0, "%s", diag.p);

    snprintf(endp, sizeof endp, "%s/end", dir);
    pid_t pid = rs_start(path, port, endp);
    for (size_t i = 0; i < nm; i++) {
        udp_send(port, 13, pf_msgs[i]);
    }
    rs_finish(pid, port, endp);

    /* the msg property as rsyslogd saw it, from the catch-all file */
    char seen[16][512];
    size_t nseen = 0;
    snprintf(path, sizeof path, "%s/all", dir);
    f = fopen(path, "r");
    ck_assert_ptr_nonnull(f);
    while (fgets(line, sizeof line, f) != NULL && nseen < 16) {
        if (strstr(line, "MARK") == NULL && line[0] == '[') {
            char *e = strrchr(line, ']');
            ck_assert_ptr_nonnull(e);
            *e = '\0';
            snprintf(seen[nseen++], sizeof seen[0], "%s", line + 1);
        }
    }
    fclose(f);
    ck_assert_int_eq((int)nseen, (int)nm);

    const struct sl_stmt *s = dflt(c)->stmts;
    for (size_t i = 0; i < nf; i++, s = s->next) {
        ck_assert_int_eq(s->type, SL_ST_PROPFILT);
        snprintf(path, sizeof path, "%s/f%zu", dir, i);
        for (size_t k = 0; k < nseen; k++) {
            char want[520];
            snprintf(want, sizeof want, "[%.500s]\n", seen[k]);
            int rs = file_has(path, want);
            ck_assert_msg(rs == pf_verdict(s, seen[k]),
                          "filter %s on msg '%s': rsyslogd %d, our IR %d", pf_filters[i],
                          seen[k], rs, !rs);
        }
    }
    sl_cnf_free(c);
    sl_buf_free(&conf);
    rm_tree(dir);
}
END_TEST


START_TEST(test_propfilt_bre_unescape)
{
    setup();
    struct sl_cnf *c = load(":msg, regex, \"\\{.*\\}\" /var/log/flows.log\n");
    ck_assert_int_eq(c->nerrors, 0);
    const struct sl_stmt *s = dflt(c)->stmts;
    ck_assert_int_eq(s->type, SL_ST_PROPFILT);
    ck_assert_int_eq(s->u.propfilt.op, SL_PF_REGEX);
    ck_assert_int_eq(s->u.propfilt.prop.id, SL_PROP_MSG);
    ck_assert_str_eq(s->u.propfilt.value, "{.*}");
    ck_assert_ptr_nonnull(s->u.propfilt.re);
    ck_assert_int_eq(regexec(s->u.propfilt.re, " {\"src\":\"10.0.0.1\"}", 0, NULL, 0), 0);
    ck_assert_int_ne(regexec(s->u.propfilt.re, "no braces here", 0, NULL, 0), 0);
    ck_assert_int_ne(regexec(s->u.propfilt.re, "only { open", 0, NULL, 0), 0);
    const struct sl_stmt *a = s->u.propfilt.then_;
    ck_assert_int_eq(a->type, SL_ST_ACTION);
    ck_assert_str_eq(kv(a->u.act.kv, "file"), "/var/log/flows.log");
    sl_cnf_free(c);
}
END_TEST

START_TEST(test_propfilt_ops)
{
    setup();
    struct sl_cnf *c = load(":programname, !isequal, \"sshd\" /a\n"
                            ":hostname, startswith, \"web\" /b\n"
                            ":msg, ereregex, \"^a+(b|c)$\" /c\n"
                            ":msg, contains, \"say \\\"hi\\\"\" /d\n"
                            ":syslogtag, isempty, \"\" /e\n");
    ck_assert_int_eq(c->nerrors, 0);
    const struct sl_stmt *s = dflt(c)->stmts;
    ck_assert_int_eq(s->u.propfilt.op, SL_PF_ISEQUAL);
    ck_assert_int_eq(s->u.propfilt.negate, 1);
    ck_assert_int_eq(s->u.propfilt.prop.id, SL_PROP_PROGRAMNAME);
    s = s->next;
    ck_assert_int_eq(s->u.propfilt.op, SL_PF_STARTSWITH);
    ck_assert_int_eq(s->u.propfilt.negate, 0);
    s = s->next;
    ck_assert_int_eq(s->u.propfilt.op, SL_PF_EREREGEX);
    ck_assert_int_eq(regexec(s->u.propfilt.re, "aaac", 0, NULL, 0), 0);
    ck_assert_int_ne(regexec(s->u.propfilt.re, "aaad", 0, NULL, 0), 0);
    s = s->next;
    ck_assert_str_eq(s->u.propfilt.value, "say \"hi\"");
    s = s->next;
    ck_assert_int_eq(s->u.propfilt.op, SL_PF_ISEMPTY);
    ck_assert_ptr_null(s->next);
    sl_cnf_free(c);
}
END_TEST

START_TEST(test_propfilt_errors)
{
    expect_error("\n\n:msg, regex, \"a\\\\{\" /x\n", "t.conf:3:");
    expect_error(":msg, regex, \"a\\\\{\" /x\n", "does not compile");
    expect_error(":nosuchprop, contains, \"a\" /x\n", "unknown property name 'nosuchprop'");
    expect_error(":msg, frobnicate, \"a\" /x\n", "unknown compare operation 'frobnicate'");
    expect_error(":msg, ereregex, \"(\" /x\n", "does not compile");
}
END_TEST

/* ---------------------------------------------------------------- legacy actions */

START_TEST(test_legacy_actions)
{
    setup();
    struct sl_cnf *c = load("*.* /var/log/all.log\n"
                            "*.* -/var/log/nosync.log;RSYSLOG_TraditionalFileFormat\n"
                            "*.* ?DynFile\n"
                            "*.* @192.0.2.1\n"
                            "*.* @@(o)collector.example:10514;RSYSLOG_ForwardFormat\n"
                            "*.* @[2001:db8::1]:5514\n"
                            "*.* |/var/run/pipe\n"
                            "*.* :omusrmsg:root,bob\n"
                            "*.* *\n"
                            "*.* ~\n"
                            "*.* root,alice\n");
    ck_assert_int_eq(c->nerrors, 1); /* the bare user list, as rsyslog's validator */
    const struct sl_stmt *s = dflt(c)->stmts;
    struct sl_kv *k;
    const struct sl_stmt *a;

    a = s->u.prifilt.then_;
    ck_assert_str_eq(a->u.act.kv->name, "type");
    ck_assert_str_eq(kv(a->u.act.kv, "type"), "omfile");
    ck_assert_str_eq(kv(a->u.act.kv, "file"), "/var/log/all.log");
    ck_assert_ptr_null(sl_kv_find(a->u.act.kv, "sync"));
    ck_assert_str_eq(a->u.act.name, "action-0-builtin:omfile");

    s = s->next;
    a = s->u.prifilt.then_;
    ck_assert_str_eq(kv(a->u.act.kv, "file"), "/var/log/nosync.log");
    ck_assert_str_eq(kv(a->u.act.kv, "sync"), "off");
    ck_assert_str_eq(kv(a->u.act.kv, "template"), "RSYSLOG_TraditionalFileFormat");

    s = s->next;
    a = s->u.prifilt.then_;
    ck_assert_str_eq(kv(a->u.act.kv, "dynaFile"), "DynFile");

    s = s->next;
    a = s->u.prifilt.then_;
    ck_assert_str_eq(kv(a->u.act.kv, "type"), "omfwd");
    ck_assert_str_eq(kv(a->u.act.kv, "target"), "192.0.2.1");
    ck_assert_str_eq(kv(a->u.act.kv, "protocol"), "udp");
    ck_assert_ptr_null(sl_kv_find(a->u.act.kv, "port"));
    ck_assert_str_eq(a->u.act.name, "action-3-builtin:omfwd");

    s = s->next;
    a = s->u.prifilt.then_;
    ck_assert_str_eq(kv(a->u.act.kv, "target"), "collector.example");
    ck_assert_str_eq(kv(a->u.act.kv, "port"), "10514");
    ck_assert_str_eq(kv(a->u.act.kv, "protocol"), "tcp");
    ck_assert_str_eq(kv(a->u.act.kv, "tcp_framing"), "octet-counted");
    ck_assert_str_eq(kv(a->u.act.kv, "template"), "RSYSLOG_ForwardFormat");

    s = s->next;
    a = s->u.prifilt.then_;
    ck_assert_str_eq(kv(a->u.act.kv, "target"), "2001:db8::1");
    ck_assert_str_eq(kv(a->u.act.kv, "port"), "5514");

    s = s->next;
    a = s->u.prifilt.then_;
    ck_assert_str_eq(kv(a->u.act.kv, "type"), "ompipe");
    ck_assert_str_eq(kv(a->u.act.kv, "pipe"), "/var/run/pipe");

    s = s->next;
    a = s->u.prifilt.then_;
    ck_assert_str_eq(kv(a->u.act.kv, "type"), "omusrmsg");
    ck_assert_str_eq(kv(a->u.act.kv, "users"), "root,bob");

    s = s->next;
    a = s->u.prifilt.then_;
    ck_assert_str_eq(kv(a->u.act.kv, "users"), "*");

    s = s->next;
    ck_assert_int_eq(s->u.prifilt.then_->type, SL_ST_STOP);

    s = s->next;
    a = s->u.prifilt.then_;
    ck_assert_str_eq(kv(a->u.act.kv, "users"), "root,alice");
    ck_assert_str_eq(a->u.act.name, "action-10-builtin:omusrmsg"); /* "~" used 9 */
    k = sl_kv_find(a->u.act.kv, "users");
    ck_assert_int_eq(k->implicit, 0);
    ck_assert_ptr_null(s->next);
    sl_cnf_free(c);

    /* ":omfile:" is an optional prefix of omfile's selector action (rsyslog 8.2302) */
    setup();
    c = load("*.* :omfile:/var/log/a.log\n"
             "*.* :omfile:-/var/log/b.log;RSYSLOG_FileFormat\n"
             "*.* :omfile:?DynFile\n");
    ck_assert_int_eq(c->nerrors, 0);
    s = dflt(c)->stmts;
    a = s->u.prifilt.then_;
    ck_assert_str_eq(kv(a->u.act.kv, "type"), "omfile");
    ck_assert_str_eq(kv(a->u.act.kv, "file"), "/var/log/a.log");
    a = s->next->u.prifilt.then_;
    ck_assert_str_eq(kv(a->u.act.kv, "file"), "/var/log/b.log");
    ck_assert_str_eq(kv(a->u.act.kv, "sync"), "off");
    ck_assert_str_eq(kv(a->u.act.kv, "template"), "RSYSLOG_FileFormat");
    a = s->next->next->u.prifilt.then_;
    ck_assert_str_eq(kv(a->u.act.kv, "dynaFile"), "DynFile");
    sl_cnf_free(c);
}
END_TEST

START_TEST(test_ampersand_and_naming)
{
    setup();
    struct sl_cnf *c = load("mail.* /var/log/mail\n"
                            "& @@loghost:514\n"
                            "& ~\n"
                            "action(type=\"omfile\" file=\"/x\" name=\"mine\")\n"
                            "module(load=\"omrelp\")\n"
                            "action(type=\"omrelp\" target=\"h\" port=\"2514\")\n");
    ck_assert_int_eq(c->nerrors, 0);
    const struct sl_stmt *s = dflt(c)->stmts;
    const struct sl_stmt *a = s->u.prifilt.then_;
    ck_assert_str_eq(a->u.act.name, "action-0-builtin:omfile");
    ck_assert_str_eq(a->next->u.act.name, "action-1-builtin:omfwd");
    ck_assert_int_eq(a->next->next->type, SL_ST_STOP);
    ck_assert_ptr_null(a->next->next->next);
    ck_assert_str_eq(s->next->u.act.name, "mine");
    ck_assert_str_eq(s->next->next->u.act.name, "action-4-omrelp");
    sl_cnf_free(c);
}
END_TEST

/* $ActionExecOnlyWhenPreviousIsSuspended stays set for every following legacy action until
 * turned off (rsyslog does not reset it per action, unlike the $ActionQueue* settings). */
START_TEST(test_legacy_failover_chain)
{
    setup();
    struct sl_cnf *c = load("*.* @@primary:514\n"
                            "$ActionExecOnlyWhenPreviousIsSuspended on\n"
                            "& @@secondary:514\n"
                            "& /var/log/localbuffer\n"
                            "$ActionExecOnlyWhenPreviousIsSuspended off\n"
                            "*.* /var/log/all\n");
    ck_assert_int_eq(c->nerrors, 0);
    const struct sl_stmt *s = dflt(c)->stmts;
    const struct sl_stmt *a = s->u.prifilt.then_;
    ck_assert_ptr_null(kv(a->u.act.kv, "action.execOnlyWhenPreviousIsSuspended"));
    ck_assert_str_eq(kv(a->next->u.act.kv, "action.execOnlyWhenPreviousIsSuspended"), "on");
    ck_assert_str_eq(kv(a->next->next->u.act.kv, "action.execOnlyWhenPreviousIsSuspended"), "on");
    const struct sl_stmt *last = s->next->u.prifilt.then_;
    const char *v = kv(last->u.act.kv, "action.execOnlyWhenPreviousIsSuspended");
    ck_assert(v == NULL || strcmp(v, "off") == 0);
    sl_cnf_free(c);
}
END_TEST

/* $ActionExecOnlyEveryNthTime(Timeout): the next legacy action only ("~" included), an
 * action() in between neither gets nor uses them, $ResetConfigVariables keeps them;
 * $ActionExecOnlyOnceEveryInterval: every following legacy action until the reset. */
START_TEST(test_legacy_exec_gate)
{
    setup();
    struct sl_cnf *c = load("$ActionExecOnlyEveryNthTime 3\n"
                            "$ActionExecOnlyEveryNthTimeTimeout 60\n"
                            "$ActionExecOnlyOnceEveryInterval 10\n"
                            "action(type=\"omfile\" file=\"/rs\")\n"
                            "*.* /a\n"
                            "*.* /b\n"
                            "$ActionExecOnlyEveryNthTime 2\n"
                            "$ResetConfigVariables\n"
                            "*.* /c\n"
                            "$ActionExecOnlyEveryNthTime 4\n"
                            "*.* ~\n"
                            "*.* /d\n");
    ck_assert_int_eq(c->nerrors, 0);
    const struct sl_stmt *s = dflt(c)->stmts;
    struct sl_kv *a = s->u.act.kv;
    ck_assert_ptr_null(sl_kv_find(a, "action.execOnlyEveryNthTime"));
    ck_assert_ptr_null(sl_kv_find(a, "action.execOnlyOnceEveryInterval"));
    s = s->next;
    a = s->u.prifilt.then_->u.act.kv;
    ck_assert_str_eq(kv(a, "action.execOnlyEveryNthTime"), "3");
    ck_assert_str_eq(kv(a, "action.execOnlyEveryNthTimeTimeout"), "60");
    ck_assert_str_eq(kv(a, "action.execOnlyOnceEveryInterval"), "10");
    s = s->next;
    a = s->u.prifilt.then_->u.act.kv;
    ck_assert_ptr_null(sl_kv_find(a, "action.execOnlyEveryNthTime"));
    ck_assert_str_eq(kv(a, "action.execOnlyOnceEveryInterval"), "10");
    s = s->next;
    a = s->u.prifilt.then_->u.act.kv;
    ck_assert_str_eq(kv(a, "action.execOnlyEveryNthTime"), "2");
    ck_assert_ptr_null(sl_kv_find(a, "action.execOnlyOnceEveryInterval"));
    s = s->next->next;    /* "~" used up the 4 */
    a = s->u.prifilt.then_->u.act.kv;
    ck_assert_ptr_null(sl_kv_find(a, "action.execOnlyEveryNthTime"));
    sl_cnf_free(c);
}
END_TEST

/* ---------------------------------------------------------------- $Directives */

START_TEST(test_directive_state)
{
    setup();
    struct sl_cnf *c = load("$FileOwner syslog\n"
                            "$FileCreateMode 0640\n"
                            "$ActionFileDefaultTemplate RSYSLOG_TraditionalFileFormat\n"
                            "$ActionQueueType LinkedList\n"
                            "$ActionResumeRetryCount -1\n"
                            "*.* /a\n"
                            "*.* /b;RSYSLOG_FileFormat\n"
                            "$ResetConfigVariables\n"
                            "*.* /c\n"
                            "$ActionForwardDefaultTemplate RSYSLOG_ForwardFormat\n"
                            "*.* @h\n"
                            "action(type=\"omfwd\" target=\"h2\" template=\"X\")\n"
                            "$FileGroup adm\n"
                            "$ActionFileDefaultTemplate RSYSLOG_FileFormat\n"
                            "$ActionQueueType LinkedList\n"
                            "action(type=\"omfile\" file=\"/f\")\n"
                            "*.* /g\n");
    ck_assert_int_eq(c->nerrors, 0);
    const struct sl_stmt *s = dflt(c)->stmts;
    struct sl_kv *a = s->u.prifilt.then_->u.act.kv;
    ck_assert_str_eq(kv(a, "fileOwner"), "syslog");
    ck_assert_int_eq(sl_kv_find(a, "fileOwner")->implicit, 1);
    ck_assert_str_eq(kv(a, "fileCreateMode"), "0640");
    ck_assert_str_eq(kv(a, "template"), "RSYSLOG_TraditionalFileFormat");
    ck_assert_int_eq(sl_kv_find(a, "template")->implicit, 1);
    ck_assert_str_eq(kv(a, "queue.type"), "LinkedList");
    ck_assert_str_eq(kv(a, "action.resumeRetryCount"), "-1");
    s = s->next;
    a = s->u.prifilt.then_->u.act.kv;
    ck_assert_ptr_null(sl_kv_find(a, "queue.type"));       /* next action only */
    ck_assert_str_eq(kv(a, "fileOwner"), "syslog");         /* sticky */
    ck_assert_str_eq(kv(a, "template"), "RSYSLOG_FileFormat");
    ck_assert_int_eq(sl_kv_find(a, "template")->implicit, 0);
    s = s->next;
    a = s->u.prifilt.then_->u.act.kv;
    ck_assert_ptr_null(sl_kv_find(a, "fileOwner"));         /* reset */
    ck_assert_ptr_null(sl_kv_find(a, "template"));
    s = s->next;
    a = s->u.prifilt.then_->u.act.kv;
    ck_assert_str_eq(kv(a, "template"), "RSYSLOG_ForwardFormat");
    s = s->next;
    a = s->u.act.kv;
    ck_assert_str_eq(kv(a, "template"), "X");
    ck_assert_int_eq(sl_kv_find(a, "template")->implicit, 0);
    /* action(): only the default template, no ownership, no queue (but it uses that up) */
    s = s->next;
    a = s->u.act.kv;
    ck_assert_str_eq(kv(a, "template"), "RSYSLOG_FileFormat");
    ck_assert_ptr_null(sl_kv_find(a, "fileGroup"));
    ck_assert_ptr_null(sl_kv_find(a, "queue.type"));
    s = s->next;
    a = s->u.prifilt.then_->u.act.kv;
    ck_assert_str_eq(kv(a, "fileGroup"), "adm");
    ck_assert_ptr_null(sl_kv_find(a, "queue.type"));
    sl_cnf_free(c);
}
END_TEST

/* A $directive line ends at its newline: a trailing backslash is its value, not a line
 * continuation (rsyslog's lexer); selector lines still continue. */
START_TEST(test_directive_trailing_backslash)
{
    setup();
    struct sl_cnf *c = load("$ControlCharacterEscapePrefix \\\n"
                            "*.=debug;\\\n"
                            "    mail.none /var/log/debug\n");
    ck_assert_int_eq(c->nerrors, 0);
    const struct sl_obj *o = c->objs;
    ck_assert_ptr_nonnull(o);
    ck_assert_int_eq(o->type, SL_OBJ_GLOBAL);
    ck_assert_str_eq(kv(o->kv, "parser.controlCharacterEscapePrefix"), "\\");
    const struct sl_stmt *st = dflt(c)->stmts;
    ck_assert_ptr_nonnull(st);
    ck_assert_ptr_null(st->next);
    ck_assert_str_eq(kv(st->u.prifilt.then_->u.act.kv, "file"), "/var/log/debug");
    sl_cnf_free(c);
}
END_TEST

START_TEST(test_directive_objects)
{
    setup();
    struct sl_cnf *c = load("$ModLoad imudp\n"
                            "$ModLoad imtcp.so\n"
                            "$WorkDirectory /var/spool/sluice\n"
                            "$PreserveFQDN on\n"
                            "$DropMsgsWithMaliciousDnsPTRRecords on\n"
                            "$MainMsgQueueSize 50000\n"
                            "$UDPServerAddress 127.0.0.1\n"
                            "$UDPServerRun 5514\n"
                            "$InputTCPMaxSessions 500\n"
                            "$RuleSet remote\n"
                            "*.* /var/log/remote\n"
                            "$InputTCPServerBindRuleset remote\n"
                            "$InputTCPServerRun 5515\n"
                            "$RuleSet RSYSLOG_DefaultRuleset\n"
                            "*.* /var/log/local\n"
                            "$template Fmt,\"%HOSTNAME% %msg%\\n\",json\n");
    ck_assert_int_eq(c->nerrors, 0);
    const struct sl_obj *o = c->objs;
    ck_assert_int_eq(o->type, SL_OBJ_MODULE);
    ck_assert_str_eq(kv(o->kv, "load"), "imudp");
    o = o->next;
    ck_assert_str_eq(kv(o->kv, "load"), "imtcp");
    ck_assert_str_eq(kv(o->kv, "maxSessions"), "500");
    o = o->next;
    ck_assert_int_eq(o->type, SL_OBJ_GLOBAL);
    ck_assert_str_eq(kv(o->kv, "workDirectory"), "/var/spool/sluice");
    ck_assert_str_eq(kv(o->kv, "preserveFQDN"), "on");
    ck_assert_int_eq(sl_kv_find(o->kv, "preserveFQDN")->implicit, 1);
    ck_assert_str_eq(kv(o->kv, "dropMsgsWithMaliciousDnsPTRRecords"), "on");
    o = o->next;
    ck_assert_int_eq(o->type, SL_OBJ_MAIN_QUEUE);
    ck_assert_str_eq(kv(o->kv, "queue.size"), "50000");
    o = o->next;
    ck_assert_int_eq(o->type, SL_OBJ_INPUT);
    ck_assert_str_eq(kv(o->kv, "type"), "imudp");
    ck_assert_str_eq(kv(o->kv, "port"), "5514");
    ck_assert_str_eq(kv(o->kv, "address"), "127.0.0.1");
    o = o->next;
    ck_assert_str_eq(kv(o->kv, "type"), "imtcp");
    ck_assert_str_eq(kv(o->kv, "ruleset"), "remote");
    o = o->next;
    ck_assert_int_eq(o->type, SL_OBJ_TEMPLATE);
    ck_assert_str_eq(kv(o->kv, "name"), "Fmt");
    ck_assert_str_eq(kv(o->kv, "string"), "%HOSTNAME% %msg%\\n");
    ck_assert_str_eq(kv(o->kv, "option.json"), "on");
    ck_assert_str_eq(kv(o->kv, "legacy_line"), "\"%HOSTNAME% %msg%\\n\",json");
    const struct sl_ruleset_ir *r = sl_cnf_ruleset(c, "remote");
    ck_assert_ptr_nonnull(r);
    ck_assert_str_eq(kv(r->stmts->u.prifilt.then_->u.act.kv, "file"), "/var/log/remote");
    ck_assert_str_eq(kv(dflt(c)->stmts->u.prifilt.then_->u.act.kv, "file"), "/var/log/local");
    ck_assert_ptr_null(dflt(c)->stmts->next);
    sl_cnf_free(c);
}
END_TEST

START_TEST(test_directive_in_block)
{
    setup();
    struct sl_cnf *c = load("ruleset(name=\"x\") {\n"
                            "$ActionQueueType LinkedList\n"
                            "*.* /x\n"
                            "}\n"
                            "*.* /y\n");
    ck_assert_msg(c->nerrors == 0, "%s", diag.p);
    const struct sl_ruleset_ir *r = sl_cnf_ruleset(c, "x");
    ck_assert_str_eq(kv(r->stmts->u.prifilt.then_->u.act.kv, "queue.type"), "LinkedList");
    ck_assert_ptr_null(sl_kv_find(dflt(c)->stmts->u.prifilt.then_->u.act.kv, "queue.type"));
    sl_cnf_free(c);
    expect_error("ruleset(name=\"x\") {\n$RuleSet y\n}\n", "t.conf:2: $RuleSet is not permitted");
}
END_TEST

START_TEST(test_directive_errors)
{
    expect_error("\n$FrobnicateAll on\n", "t.conf:2: unknown legacy directive '$FrobnicateAll'");
    /* a legacy on/off value other than "on"/"off": an error rsyslog runs past, the
     * directive ignored (the setting keeps its default) */
    setup();
    int hard = sl_cfg_error_count();
    struct sl_cnf *c = load("$PreserveFQDN maybe\n$RepeatedMsgReduction yes\n"
                            "$EscapeControlCharactersOnReceive 1\n$DropTrailingLFOnReception on\n");
    ck_assert_int_eq(c->nerrors, 3);   /* counted for -N1, the load goes on */
    ck_assert_int_eq(sl_cfg_error_count(), hard);   /* no error that stops the daemon */
    ck_assert_msg(strstr(diag.p, "t.conf:1: $PreserveFQDN: 'on' or 'off' expected, "
                                 "not 'maybe'") != NULL, "%s", diag.p);
    ck_assert_msg(strstr(diag.p, "t.conf:2: $RepeatedMsgReduction") != NULL, "%s", diag.p);
    ck_assert_msg(strstr(diag.p, "t.conf:3: $EscapeControlCharactersOnReceive") != NULL,
                  "%s", diag.p);
    ck_assert_ptr_nonnull(c->objs);
    ck_assert_int_eq(c->objs->type, SL_OBJ_GLOBAL);
    ck_assert_ptr_null(sl_kv_find(c->objs->kv, "preserveFQDN"));
    ck_assert_ptr_null(sl_kv_find(c->objs->kv, "reduceRepeatMsgs"));
    ck_assert_ptr_null(sl_kv_find(c->objs->kv, "parser.escapeControlCharactersOnReceive"));
    ck_assert_str_eq(kv(c->objs->kv, "parser.dropTrailingLFOnReception"), "on");
    sl_cnf_free(c);
    expect_error("$UDPServerRun 514\n", "before $ModLoad imudp");
    expect_error("$template x,\"unterminated\n", "unterminated template string");
}
END_TEST

/* ---------------------------------------------------------------- RainerScript */

START_TEST(test_objects_and_strings)
{
    setup();
    struct sl_cnf *c = load("global(workDirectory=\"/tmp\" /* c */ localHostname=\"h\") # x\n"
                            "module(load=\"imtcp\" maxSessions=\"10\")\n"
                            "input(type=\"imtcp\" port=\"10514\" ruleset=\"r\")\n"
                            "template(name=\"t\" type=\"string\" string=\"a\\tb\\\\c\\\"d\\101\")\n"
                            "template(name=\"l\" type=\"list\") {\n"
                            "  property(name=\"timereported\" dateFormat=\"rfc3339\")\n"
                            "  constant(value=\" \")\n"
                            "  property(name=\"msg\" droplastlf=\"on\")\n"
                            "}\n"
                            "lookup_table(name=\"lt\" file=\"/x.json\")\n"
                            "timezone(id=\"CET\" offset=\"+01:00\")\n"
                            "parser(name=\"p\" type=\"pmrfc3164\")\n"
                            "main_queue(queue.type=\"FixedArray\")\n"
                            "ruleset(name=\"r\" queue.type=\"LinkedList\") {\n"
                            "  action(type=\"omfile\" file=\"/r\" dynaFileCacheSize=\"4\")\n"
                            "}\n"
                            "action(name=\"arr\" type=\"omfwd\" target=[\"a\", \"b\"])\n");
    ck_assert_int_eq(c->nerrors, 0);
    const struct sl_obj *o = c->objs;
    ck_assert_int_eq(o->type, SL_OBJ_GLOBAL);
    ck_assert_str_eq(kv(o->kv, "localHostname"), "h");
    o = o->next->next->next;
    ck_assert_int_eq(o->type, SL_OBJ_TEMPLATE);
    ck_assert_str_eq(kv(o->kv, "string"), "a\tb\\c\"dA");
    o = o->next;
    ck_assert_ptr_nonnull(o->children);
    ck_assert_int_eq(o->children->type, SL_OBJ_TPL_PROPERTY);
    ck_assert_str_eq(kv(o->children->kv, "dateFormat"), "rfc3339");
    ck_assert_int_eq(o->children->next->type, SL_OBJ_TPL_CONSTANT);
    ck_assert_int_eq(o->children->next->next->type, SL_OBJ_TPL_PROPERTY);
    ck_assert_ptr_null(o->children->next->next->next);
    ck_assert_int_eq(o->next->type, SL_OBJ_LOOKUP_TABLE);
    ck_assert_int_eq(o->next->next->type, SL_OBJ_TIMEZONE);
    ck_assert_int_eq(o->next->next->next->type, SL_OBJ_PARSER);
    ck_assert_int_eq(o->next->next->next->next->type, SL_OBJ_MAIN_QUEUE);
    const struct sl_ruleset_ir *r = sl_cnf_ruleset(c, "r");
    ck_assert_str_eq(kv(r->kv, "queue.type"), "LinkedList");
    ck_assert_str_eq(r->stmts->u.act.name, "action-0-builtin:omfile");
    struct sl_kv *t = sl_kv_find(dflt(c)->stmts->u.act.kv, "target");
    ck_assert_int_eq(t->is_array, 1);
    ck_assert_int_eq((int)t->arr.n, 2);
    ck_assert_str_eq(t->arr.v[1], "b");
    ck_assert_str_eq(dflt(c)->stmts->u.act.kv->name, "type");
    sl_cnf_free(c);
}
END_TEST

START_TEST(test_backticks)
{
    char text[256];
    setup();
    setenv("SL_TEST_PORT", "10999", 1);
    snprintf(text, sizeof text, "input(type=\"imudp\" port=`echo $SL_TEST_PORT` "
             "address=`echo 127.0.0.$SL_NOPE/x`)\n");
    struct sl_cnf *c = load(text);
    ck_assert_int_eq(c->nerrors, 0);
    ck_assert_str_eq(kv(c->objs->kv, "port"), "10999");
    ck_assert_str_eq(kv(c->objs->kv, "address"), "127.0.0./x");
    sl_cnf_free(c);
    expect_error("global(workDirectory=`rm -rf /`)\n", "invalid backtick parameter");
}
END_TEST

static void expect_expr(const char *cond, const char *want)
{
    char text[512];
    setup();
    snprintf(text, sizeof text, "if %s then stop\n", cond);
    struct sl_cnf *c = load(text);
    ck_assert_msg(c->nerrors == 0, "errors for %s: %s", cond, diag.p);
    char *d = dump(c);
    ck_assert_msg(strstr(d, want) != NULL, "dump of '%s' lacks '%s':\n%s", cond, want, d);
    free(d);
    sl_cnf_free(c);
}

START_TEST(test_expressions)
{
    expect_expr("$msg contains 'a' or $msg contains 'b' and $pri > 3",
                "if ((($msg contains \"a\") or ($msg contains \"b\")) and ($pri > 3))");
    expect_expr("not $msg == 'a'", "if ((not $msg) == \"a\")");
    expect_expr("not ($msg == 'a')", "if (not ($msg == \"a\"))");
    expect_expr("1 + 2 * 3 - -4 % 5", "if ((1 + (2 * 3)) - ((-4) % 5))");
    expect_expr("'a' & 'b' + 1 <> 'c'", "if (((\"a\" & \"b\") + 1) != \"c\")");
    expect_expr("$!user!name startswith_i 'ro' and $.x <= 010 or $/g >= 0x1f",
                "if ((($!user!name startswith_i \"ro\") and ($.x <= 8)) or ($/g >= 31))");
    expect_expr("re_match($msg, 'a+') and $syslogfacility-text == 'mail'",
                "if (re_match($msg, \"a+\") and ($syslogfacility-text == \"mail\"))");
    expect_expr("$programname == ['sshd', 'su']", "if ($programname == [\"sshd\", \"su\"])");
    expect_expr("$msg contains_i \"\\$HOME\\x41\\101\"", "($msg contains_i \"$HOMEAA\")");
    expect_expr("$hostname != 'x' /* comment */ and $$now != ''", "and");
}
END_TEST

START_TEST(test_statements)
{
    setup();
    struct sl_cnf *c = load("ruleset(name=\"sub\") { stop }\n"
                            "if $msg contains 'a' then {\n"
                            "  set $!x = 'v';\n"
                            "  set $.n = 1 + 1;\n"
                            "  unset $!x;\n"
                            "  call sub\n"
                            "} else if $msg contains 'b' then\n"
                            "  /var/log/b\n"
                            "else {\n"
                            "  foreach ($.i in $!arr) do { action(type=\"omfile\" file=\"/f\") }\n"
                            "}\n"
                            "continue\n"
                            "reload_lookup_table(\"lt\", \"x\")\n");
    ck_assert_msg(c->nerrors == 0, "%s", diag.p);
    const struct sl_stmt *s = dflt(c)->stmts;
    ck_assert_int_eq(s->type, SL_ST_IF);
    const struct sl_stmt *t = s->u.cond.then_;
    ck_assert_int_eq(t->type, SL_ST_SET);
    ck_assert_int_eq(t->u.set.var.id, SL_PROP_CEE);
    ck_assert_str_eq(t->u.set.var.path, "x");
    ck_assert_int_eq(t->next->type, SL_ST_SET);
    ck_assert_int_eq(t->next->u.set.var.id, SL_PROP_LOCAL_VAR);
    ck_assert_int_eq(t->next->next->type, SL_ST_UNSET);
    ck_assert_ptr_null(t->next->next->u.set.expr);
    const struct sl_stmt *call = t->next->next->next;
    ck_assert_int_eq(call->type, SL_ST_CALL);
    ck_assert_ptr_eq(call->u.call.target, sl_cnf_ruleset(c, "sub"));
    const struct sl_stmt *e = s->u.cond.else_;
    ck_assert_int_eq(e->type, SL_ST_IF);
    ck_assert_int_eq(e->u.cond.then_->type, SL_ST_ACTION);
    ck_assert_int_eq(e->u.cond.else_->type, SL_ST_FOREACH);
    ck_assert_int_eq(e->u.cond.else_->u.foreach_.var.id, SL_PROP_LOCAL_VAR);
    ck_assert_int_eq(e->u.cond.else_->u.foreach_.body->type, SL_ST_ACTION);
    ck_assert_int_eq(s->next->type, SL_ST_NOP);
    ck_assert_int_eq(s->next->next->type, SL_ST_RELOAD_LOOKUP);
    ck_assert_str_eq(s->next->next->u.reload.table, "lt");
    ck_assert_str_eq(s->next->next->u.reload.stub, "x");
    sl_cnf_free(c);
}
END_TEST

START_TEST(test_line_continuation)
{
    setup();
    struct sl_cnf *c = load("*.=debug;\\\n"
                            "\tauth,authpriv.none;\\  \n"
                            "\tmail.none\t-/var/log/debug\n"
                            "$Bogus x\n");
    ck_assert_int_eq(c->nerrors, 1);
    ck_assert_msg(strstr(diag.p, "t.conf:4:") != NULL, "%s", diag.p);
    const struct sl_stmt *s = dflt(c)->stmts;
    ck_assert_str_eq(s->u.prifilt.text, "*.=debug;auth,authpriv.none;mail.none");
    ck_assert_int_eq(s->loc.line, 1);
    ck_assert_int_eq(s->u.prifilt.pmask[4], 0);
    ck_assert_int_eq(s->u.prifilt.pmask[1], 0x80);
    ck_assert_str_eq(kv(s->u.prifilt.then_->u.act.kv, "file"), "/var/log/debug");
    sl_cnf_free(c);
}
END_TEST

START_TEST(test_bsd_blocks)
{
    /* rsyslog 8.2302 rejects BSD-style blocks (error, line ignored) */
    setup();
    struct sl_cnf *c = load("!sshd\n*.* /var/log/ssh\n+myhost\n!*\n*.* /var/log/all\n");
    ck_assert_int_eq(c->nerrors, 3);
    ck_assert_ptr_nonnull(strstr(diag.p, "t.conf:1: BSD-style blocks are not supported"));
    ck_assert_ptr_nonnull(strstr(diag.p, "t.conf:3:"));
    const struct sl_stmt *s = dflt(c)->stmts;
    ck_assert_int_eq(s->type, SL_ST_PRIFILT);
    ck_assert_int_eq(s->next->type, SL_ST_PRIFILT);
    ck_assert_ptr_null(s->next->next);
    sl_cnf_free(c);
}
END_TEST

START_TEST(test_syntax_errors)
{
    expect_error("set $!x = \"abc;\n", "t.conf:1: unterminated string");
    expect_error("global(workDirectory=\"/tmp\"\n\n", "missing ')'");
    expect_error("\nif $msg contains 'a' stop\n", "t.conf:2: 'if' without 'then'");
    expect_error("frobnicate(x=\"1\")\n", "unknown object or statement 'frobnicate'");
    expect_error("call nosuch\n", "call of unknown ruleset 'nosuch'");
    expect_error("ruleset(name=\"a\") { stop }\nruleset(name=\"a\") { stop }\n",
                 "t.conf:2: ruleset 'a' already defined at t.conf:1");
    expect_error("template(name=\"a\" type=\"string\" string=\"x\")\n$template a,\"y\"\n",
                 "template 'a' already defined");
    expect_error("if $nosuchprop == 1 then stop\n", "unknown property '$nosuchprop'");
    expect_error("if $now == 1 then stop\n", "unknown property '$now'");   /* $$now */
    expect_error("mail.=!info /x\n", "unknown priority name '!info'");
    expect_error("*.* root\n", ":omusrmsg:root");
    expect_error("set $!x = \"$y\";\n", "'$'");
    expect_error("/* never closed\n*.* /x\n", "unterminated comment");
    expect_error("if $msg == 'a' then {\n  stop\n", "missing '}'");
    expect_error("action(file=\"/x\")\n", "without type=");
    expect_error("global(port=514)\n", "quoted string");
    expect_error("if $msg == 'a' then { global(x=\"1\") }\n", "not permitted in action block");
    expect_error("mail.* /x\n& \n", "'&' must be followed by an action");
    expect_error("if ($msg == 'a' then stop\n", "missing ')'");
}
END_TEST

START_TEST(test_deep_nesting)
{
    struct sl_buf b = { 0 };
    setup();
    sl_buf_puts(&b, "if ");
    for (int i = 0; i < 100000; i++) {
        sl_buf_puts(&b, "(not -");
    }
    sl_buf_puts(&b, "1 then stop\n");
    sl_buf_puts(&b, "if 1");
    for (int i = 0; i < 100000; i++) {
        sl_buf_puts(&b, " + 1");
    }
    sl_buf_puts(&b, " then stop\n");
    for (int i = 0; i < 100000; i++) {
        sl_buf_puts(&b, "if 1 then ");
    }
    sl_buf_puts(&b, "stop\n");
    for (int i = 0; i < 100000; i++) {
        sl_buf_puts(&b, "{");
    }
    struct sl_cnf *c = load(b.p);
    ck_assert_int_gt(c->nerrors, 0);
    ck_assert_ptr_nonnull(strstr(diag.p, "nested too deeply"));
    ck_assert_ptr_nonnull(strstr(diag.p, "expression too large"));
    sl_cnf_free(c);
    sl_buf_free(&b);
}
END_TEST

START_TEST(test_errors_keep_going)
{
    setup();
    struct sl_cnf *c = load("$Bogus1 x\nmail.foo /x\n:msg, regex, \"a\\\\{\" /y\n*.* /ok\n"
                            "$Bogus2 y\n");
    ck_assert_int_eq(c->nerrors, 4);
    ck_assert_ptr_nonnull(strstr(diag.p, "t.conf:1:"));
    ck_assert_ptr_nonnull(strstr(diag.p, "t.conf:2:"));
    ck_assert_ptr_nonnull(strstr(diag.p, "t.conf:3:"));
    ck_assert_ptr_nonnull(strstr(diag.p, "t.conf:5:"));
    /* the regex filter that does not compile stays (it never matches, as in rsyslog, which
     * reports it and runs on); the selector after it is there too */
    const struct sl_stmt *s = dflt(c)->stmts;
    ck_assert_ptr_nonnull(s);
    ck_assert_int_eq(s->type, SL_ST_PROPFILT);
    ck_assert_ptr_null(s->u.propfilt.re);
    s = s->next;
    ck_assert_ptr_nonnull(s);
    ck_assert_str_eq(s->u.prifilt.text, "*.*");
    sl_cnf_free(c);
}
END_TEST

/* ---------------------------------------------------------------- includes */

static char tmpdir[64];

static void write_file(const char *name, const char *text)
{
    char p[256];
    snprintf(p, sizeof p, "%s/%s", tmpdir, name);
    FILE *f = fopen(p, "w");
    ck_assert_ptr_nonnull(f);
    fputs(text, f);
    fclose(f);
}

static void mk_tmpdir(void)
{
    snprintf(tmpdir, sizeof tmpdir, "/tmp/test_conf.XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(tmpdir));
}

START_TEST(test_includes)
{
    char main_[256], text[512];
    setup();
    mk_tmpdir();
    snprintf(main_, sizeof main_, "%s/d", tmpdir);
    ck_assert_int_eq(mkdir(main_, 0700), 0);
    write_file("d/20-b.conf", "*.* /b\n");
    write_file("d/10-a.conf", "*.* /a\n$IncludeConfig /nonexistent/dir/*.conf\n");
    write_file("d/30-c.txt", "*.* /c\n");
    snprintf(text, sizeof text,
             "$IncludeConfig %s/d/*.conf\n"
             "include(file=\"%s/d/*.txt\")\n"
             "include(file=\"%s/none/*.conf\" mode=\"optional\")\n"
             "include(text=\"*.* /t\")\n",
             tmpdir, tmpdir, tmpdir);
    write_file("main.conf", text);
    snprintf(main_, sizeof main_, "%s/main.conf", tmpdir);
    struct sl_cnf *c = sl_cnf_load(main_);
    ck_assert_ptr_nonnull(c);
    ck_assert_msg(c->nerrors == 0, "%s", diag.p);
    const struct sl_stmt *s = dflt(c)->stmts;
    const char *want[] = { "/a", "/b", "/c", "/t" };
    for (int i = 0; i < 4; i++) {
        ck_assert_ptr_nonnull(s);
        ck_assert_str_eq(kv(s->u.prifilt.then_->u.act.kv, "file"), want[i]);
        s = s->next;
    }
    ck_assert_ptr_null(s);
    /* include() inside a block */
    setup();
    snprintf(text, sizeof text, "if $msg contains 'x' then {\n  include(file=\"%s/d/20-b.conf\")\n"
             "  stop\n}\n*.* /z\n", tmpdir);
    struct sl_cnf *c2 = load(text);
    ck_assert_msg(c2->nerrors == 0, "%s", diag.p);
    const struct sl_stmt *t2 = dflt(c2)->stmts->u.cond.then_;
    ck_assert_int_eq(t2->type, SL_ST_PRIFILT);
    ck_assert_str_eq(kv(t2->u.prifilt.then_->u.act.kv, "file"), "/b");
    ck_assert_int_eq(t2->next->type, SL_ST_STOP);
    ck_assert_str_eq(kv(dflt(c2)->stmts->next->u.prifilt.then_->u.act.kv, "file"), "/z");
    sl_cnf_free(c2);
    /* locations name the included file */
    ck_assert_ptr_nonnull(strstr(dflt(c)->stmts->loc.file, "10-a.conf"));
    ck_assert_int_eq(dflt(c)->stmts->loc.line, 1);
    sl_cnf_free(c);

    /* as rsyslog: a missing plain file is an error unless mode="optional"; a wildcard
     * that matches nothing is not */
    expect_error("\ninclude(file=\"/nonexistent/sluice.conf\")\n",
                 "t.conf:2: error accessing config file or directory '/nonexistent/sluice.conf'");
    expect_error("$IncludeConfig /nonexistent/sluice.conf\n", "/nonexistent/sluice.conf");
    setup();
    c = load("include(file=\"/nonexistent/sluice.conf\" mode=\"optional\")\n"
             "include(file=\"/nonexistent/*.conf\")\n$IncludeConfig /nonexistent/*.conf\n");
    ck_assert_int_eq(c->nerrors, 0);
    sl_cnf_free(c);
    /* whole directory */
    setup();
    snprintf(text, sizeof text, "include(file=\"%s/d\")\n", tmpdir);
    c = load(text);
    ck_assert_int_eq(c->nerrors, 0);
    s = dflt(c)->stmts;
    ck_assert_str_eq(kv(s->u.prifilt.then_->u.act.kv, "file"), "/a");
    ck_assert_str_eq(kv(s->next->next->u.prifilt.then_->u.act.kv, "file"), "/c");
    sl_cnf_free(c);
    rm_tree(tmpdir);
}
END_TEST

START_TEST(test_include_recursion)
{
    char text[256], p[256];
    setup();
    mk_tmpdir();
    snprintf(text, sizeof text, "*.* /x\ninclude(file=\"%s/b.conf\")\n", tmpdir);
    write_file("a.conf", text);
    snprintf(text, sizeof text, "\n$IncludeConfig %s/a.conf\n", tmpdir);
    write_file("b.conf", text);
    snprintf(p, sizeof p, "%s/a.conf", tmpdir);
    struct sl_cnf *c = sl_cnf_load(p);
    ck_assert_ptr_nonnull(c);
    ck_assert_int_eq(c->nerrors, 1);
    ck_assert_ptr_nonnull(strstr(diag.p, "b.conf:2: config file"));
    ck_assert_ptr_nonnull(strstr(diag.p, "includes itself"));
    sl_cnf_free(c);
    rm_tree(tmpdir);
    setup();
    ck_assert_ptr_null(sl_cnf_load("/nonexistent/sluice.conf"));
    ck_assert_ptr_nonnull(strstr(diag.p, "/nonexistent/sluice.conf"));
}
END_TEST

/* ---------------------------------------------------------------- fuzz */

START_TEST(test_fuzz)
{
    static const char *const seeds[] = {
        "mail.info;kern.!=err -/var/log/x;T\n& @@(o)[::1]:514\n",
        ":msg, regex, \"\\{.*\\}\" /f\n:hostname, !isequal, \"a\" ~\n",
        "if $msg contains 'x' and not ($!a!b == 1) then { set $!c = 'a' & \"b\"; stop } else call r\n",
        "template(name=\"t\" type=\"list\") { property(name=\"msg\") constant(value=\"\\n\") }\n",
        "$ModLoad imudp\n$UDPServerRun 514\n$template T,\"%msg%\\n\"\n$RuleSet r\n*.* ?T\n",
        "ruleset(name=\"r\") { foreach ($.i in $!a) do { unset $!x; } }\n/* c */ # h\n",
    };
    const char alphabet[] = "$!.:;,&@~*/-?|(){}[]\"'\\=<>#\n abcmsg0123info";
    unsigned seed = (unsigned)time(NULL);
    srand(seed);
    time_t start = time(NULL);
    setup();
    for (int it = 0; it < 3000 && time(NULL) - start < 20; it++) {
        char buf[512];
        const char *s = seeds[(size_t)rand() % (sizeof seeds / sizeof seeds[0])];
        size_t n = strlen(s);
        memcpy(buf, s, n);
        int muts = 1 + rand() % 8;
        for (int m = 0; m < muts && n > 0; m++) {
            size_t pos = (size_t)rand() % n;
            switch (rand() % 3) {
            case 0:
                buf[pos] = alphabet[(size_t)rand() % (sizeof alphabet - 1)];
                break;
            case 1:
                memmove(buf + pos, buf + pos + 1, n - pos - 1);
                n--;
                break;
            default:
                if (n < sizeof buf - 2) {
                    memmove(buf + pos + 1, buf + pos, n - pos);
                    buf[pos] = alphabet[(size_t)rand() % (sizeof alphabet - 1)];
                    n++;
                }
                break;
            }
        }
        if (rand() % 10 == 0) {
            for (size_t i = 0; i < n; i++) {
                buf[i] = (char)(1 + rand() % 255);
            }
        }
        buf[n] = '\0';
        struct sl_cnf *c = sl_cnf_load_string(buf, "fuzz.conf");
        ck_assert_ptr_nonnull(c);
        char *d = dump(c);
        free(d);
        sl_cnf_free(c);
        if (diag.len > 1u << 20) {
            setup();
        }
    }
}
END_TEST

static Suite *conf_suite(void)
{
    Suite *s = suite_create("conf");
    TCase *tc = tcase_create("frontend");
    tcase_set_timeout(tc, 60);
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_prifilt_semantics);
    tcase_add_test(tc, test_prifilt_errors);
    tcase_add_test(tc, test_prifilt_vs_rsyslogd);
    tcase_add_test(tc, test_propfilt_bre_unescape);
    tcase_add_test(tc, test_propfilt_ops);
    tcase_add_test(tc, test_propfilt_vs_rsyslogd);
    tcase_add_test(tc, test_propfilt_errors);
    tcase_add_test(tc, test_legacy_actions);
    tcase_add_test(tc, test_ampersand_and_naming);
    tcase_add_test(tc, test_legacy_failover_chain);
    tcase_add_test(tc, test_legacy_exec_gate);
    tcase_add_test(tc, test_directive_state);
    tcase_add_test(tc, test_directive_trailing_backslash);
    tcase_add_test(tc, test_directive_objects);
    tcase_add_test(tc, test_directive_in_block);
    tcase_add_test(tc, test_directive_errors);
    tcase_add_test(tc, test_objects_and_strings);
    tcase_add_test(tc, test_backticks);
    tcase_add_test(tc, test_expressions);
    tcase_add_test(tc, test_statements);
    tcase_add_test(tc, test_line_continuation);
    tcase_add_test(tc, test_bsd_blocks);
    tcase_add_test(tc, test_syntax_errors);
    tcase_add_test(tc, test_deep_nesting);
    tcase_add_test(tc, test_errors_keep_going);
    tcase_add_test(tc, test_includes);
    tcase_add_test(tc, test_include_recursion);
    tcase_add_test(tc, test_fuzz);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(conf_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
