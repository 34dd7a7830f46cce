/*
 * test_rule.c - unit tests for rule execution (core/rule.c): statement order, if/else,
 * priority and property filters, stop (also from a called ruleset and a foreach body), call,
 * set/unset and foreach.  Statement trees are built by hand; the semantics checked here were
 * compared with rsyslogd 8.2302 (see comments).
 *
 * Ownership: each test builds and frees its own statements, expressions and messages.
 * Concurrency & locking: the threaded test runs one read-only ruleset on several threads.
 */
#include "config.h"

#include <check.h>
#include <pthread.h>
#include <regex.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include <libfastjson/json.h>

#include "expr/expr.h"
#include "expr/expr_int.h"
#include "conf/ir.h"
#include "log.h"
#include "msg.h"
#include "util/buf.h"

/* ---- recording action ---- */
struct rec {
    struct sl_buf out;   /* "name;name;..." */
    const char *show;    /* if set, a property appended as name=value */
};

static void rec_action(void *ctx, struct sl_action_ir *a, struct sl_msg *m)
{
    struct rec *r = ctx;

    sl_buf_puts(&r->out, a->name);
    if (r->show != NULL) {
        struct sl_propref ref;
        char tmp[SL_PROP_TMP];
        char *tf = NULL;
        size_t len;
        const char *v;
        ck_assert_int_eq(sl_propref_parse(r->show, strlen(r->show), &ref), 0);
        v = sl_msg_prop(m, &ref, &len, tmp, &tf);
        sl_buf_putc(&r->out, '=');
        sl_buf_append(&r->out, v, len);
        free(tf);
        sl_propref_clear(&ref);
    }
    sl_buf_putc(&r->out, ';');
}

static const struct sl_exec_ops rec_ops = { .action = rec_action };

/* the same with the modify hook: "~" in the trace wherever the message is about to change */
static void rec_modify(void *ctx, struct sl_msg *m)
{
    (void)m;
    sl_buf_puts(&((struct rec *)ctx)->out, "~");
}

static const struct sl_exec_ops rec_mod_ops = { .action = rec_action, .modify = rec_modify };

/* ---- builders ---- */
static struct sl_stmt *stmt(enum sl_stmt_type t)
{
    struct sl_stmt *s = sl_xcalloc(1, sizeof(*s));
    s->type = t;
    s->loc.file = "test.conf";
    s->loc.line = 3;
    return s;
}

static struct sl_stmt *act(const char *name)
{
    struct sl_stmt *s = stmt(SL_ST_ACTION);
    s->u.act.name = sl_xstrdup(name);
    return s;
}

/* link a NULL-terminated list of statements */
static struct sl_stmt *seq(struct sl_stmt *first, ...)
{
    va_list ap;
    struct sl_stmt *cur = first, *n;

    va_start(ap, first);
    while (cur != NULL && (n = va_arg(ap, struct sl_stmt *)) != NULL) {
        cur->next = n;
        cur = n;
    }
    va_end(ap);
    return first;
}

static struct sl_expr *enode(enum sl_expr_op op)
{
    struct sl_expr *e = sl_xcalloc(1, sizeof(*e));
    e->op = op;
    e->loc.file = "test.conf";
    e->loc.line = 3;
    return e;
}

static struct sl_expr *S(const char *s)
{
    struct sl_expr *e = enode(SL_E_STR);
    e->str = sl_xstrdup(s);
    return e;
}

static struct sl_expr *N(int64_t n)
{
    struct sl_expr *e = enode(SL_E_NUM);
    e->num = n;
    return e;
}

static struct sl_expr *P(const char *name)
{
    struct sl_expr *e = enode(SL_E_PROP);
    ck_assert_int_eq(sl_propref_parse(name, strlen(name), &e->prop), 0);
    return e;
}

static struct sl_expr *B(enum sl_expr_op op, struct sl_expr *l, struct sl_expr *r)
{
    struct sl_expr *e = enode(op);
    e->l = l;
    e->r = r;
    ck_assert_int_eq(sl_expr_resolve(e), 0);
    return e;
}

static struct sl_expr *F2(const char *name, struct sl_expr *a0, struct sl_expr *a1)
{
    struct sl_expr *e = enode(SL_E_FUNC);
    e->fname = sl_xstrdup(name);
    e->nargs = 2;
    e->args = sl_xcalloc(2, sizeof(*e->args));
    e->args[0] = a0;
    e->args[1] = a1;
    ck_assert_int_eq(sl_expr_resolve(e), 0);
    return e;
}

static struct sl_stmt *if_(struct sl_expr *c, struct sl_stmt *then_, struct sl_stmt *else_)
{
    struct sl_stmt *s = stmt(SL_ST_IF);
    s->u.cond.cond = c;
    s->u.cond.then_ = then_;
    s->u.cond.else_ = else_;
    return s;
}

static struct sl_stmt *pri(const uint8_t mask[25], struct sl_stmt *then_)
{
    struct sl_stmt *s = stmt(SL_ST_PRIFILT);
    memcpy(s->u.prifilt.pmask, mask, 25);
    s->u.prifilt.text = sl_xstrdup("sel");
    s->u.prifilt.then_ = then_;
    return s;
}

static struct sl_stmt *prop(const char *p, enum sl_propfilt_op op, int neg, const char *val,
                            struct sl_stmt *then_)
{
    struct sl_stmt *s = stmt(SL_ST_PROPFILT);
    if (sl_propref_parse(p, strlen(p), &s->u.propfilt.prop) != 0) {
        s->u.propfilt.prop.id = SL_PROP_INVALID;
    }
    s->u.propfilt.op = op;
    s->u.propfilt.negate = neg;
    s->u.propfilt.value = sl_xstrdup(val);
    s->u.propfilt.then_ = then_;
    return s;
}

static struct sl_stmt *set_(const char *var, struct sl_expr *e)
{
    struct sl_stmt *s = stmt(e != NULL ? SL_ST_SET : SL_ST_UNSET);
    ck_assert_int_eq(sl_propref_parse(var, strlen(var), &s->u.set.var), 0);
    s->u.set.expr = e;
    return s;
}

static struct sl_stmt *call_(struct sl_ruleset_ir *rs)
{
    struct sl_stmt *s = stmt(SL_ST_CALL);
    s->u.call.name = sl_xstrdup(rs->name);
    s->u.call.target = rs;
    return s;
}

static struct sl_stmt *foreach_(const char *var, struct sl_expr *iter, struct sl_stmt *body)
{
    struct sl_stmt *s = stmt(SL_ST_FOREACH);
    ck_assert_int_eq(sl_propref_parse(var, strlen(var), &s->u.foreach_.var), 0);
    s->u.foreach_.iter = iter;
    s->u.foreach_.body = body;
    return s;
}

static void free_stmts(struct sl_stmt *s)
{
    while (s != NULL) {
        struct sl_stmt *n = s->next;
        switch (s->type) {
        case SL_ST_ACTION:
            free(s->u.act.name);
            break;
        case SL_ST_IF:
            sl_expr_free(s->u.cond.cond);
            free_stmts(s->u.cond.then_);
            free_stmts(s->u.cond.else_);
            break;
        case SL_ST_PRIFILT:
            free(s->u.prifilt.text);
            free_stmts(s->u.prifilt.then_);
            break;
        case SL_ST_PROPFILT:
            sl_propref_clear(&s->u.propfilt.prop);
            free(s->u.propfilt.value);
            free_stmts(s->u.propfilt.then_);
            break;
        case SL_ST_CALL:
            free(s->u.call.name);
            break;
        case SL_ST_SET:
        case SL_ST_UNSET:
            sl_propref_clear(&s->u.set.var);
            sl_expr_free(s->u.set.expr);
            break;
        case SL_ST_FOREACH:
            sl_propref_clear(&s->u.foreach_.var);
            sl_expr_free(s->u.foreach_.iter);
            free_stmts(s->u.foreach_.body);
            break;
        default:
            break;
        }
        free(s);
        s = n;
    }
}

static struct sl_msg *mk_msg(const char *text, int prival)
{
    struct sl_msg *m = sl_xcalloc(1, sizeof(*m));
    m->refcnt = 1;
    m->flags = SL_MSGF_PARSED | SL_MSGF_PROGNAME_DONE;
    m->raw = sl_xstrdup(text);
    m->raw_len = strlen(text);
    m->msg.p = m->raw;
    m->msg.len = m->raw_len;
    m->hostname.p = "web01";
    m->hostname.len = 5;
    m->tag.p = "sshd[7]:";
    m->tag.len = 8;
    m->programname.p = "sshd";
    m->programname.len = 4;
    m->pri = prival;
    m->pri_from_msg = 1;
    return m;
}

static void free_msg(struct sl_msg *m)
{
    if (m->json != NULL) {
        fjson_object_put(m->json);
    }
    if (m->localvars != NULL) {
        fjson_object_put(m->localvars);
    }
    free(m->raw);
    free(m);
}

/* run rs on a message text, return the recorded action trace (caller frees) */
static char *run(const struct sl_ruleset_ir *rs, const char *text, int prival, const char *show,
                 int *rc)
{
    struct rec r = { { NULL, 0, 0 }, show };
    struct sl_msg *m = mk_msg(text, prival);
    int x = sl_ruleset_exec(rs, m, &rec_ops, &r);

    if (rc != NULL) {
        *rc = x;
    }
    free_msg(m);
    return r.out.p != NULL ? r.out.p : sl_xstrdup("");
}

#define CK_RUN(rs, text, prival, want)                                                    \
    do {                                                                                  \
        char *got_ = run((rs), (text), (prival), NULL, NULL);                             \
        ck_assert_msg(strcmp(got_, (want)) == 0, "on '%s': got '%s' want '%s'", (text),   \
                      got_, (want));                                                      \
        free(got_);                                                                       \
    } while (0)

START_TEST(test_order_stop_call)
{
    struct sl_ruleset_ir sub = { 0 }, main_rs = { 0 };
    int rc;
    char *got;

    sub.name = "sub";
    /* sub: a2; if $msg contains "halt" then stop; a3 */
    sub.stmts = seq(act("a2"), if_(B(SL_E_CONTAINS, P("msg"), S("halt")), stmt(SL_ST_STOP),
                                   NULL), act("a3"), NULL);
    main_rs.name = "RSYSLOG_DefaultRuleset";
    main_rs.stmts = seq(act("a1"), call_(&sub), act("a4"), stmt(SL_ST_STOP), act("never"), NULL);

    got = run(&main_rs, "hello", 13, NULL, &rc);
    ck_assert_str_eq(got, "a1;a2;a3;a4;");
    ck_assert_int_eq(rc, SL_EXEC_STOP);
    free(got);
    /* stop inside a called ruleset ends the whole message (rsyslog: RS_RET_DISCARDMSG) */
    got = run(&main_rs, "please halt", 13, NULL, &rc);
    ck_assert_str_eq(got, "a1;a2;");
    ck_assert_int_eq(rc, SL_EXEC_STOP);
    free(got);
    /* calling the sub ruleset directly */
    got = run(&sub, "x", 13, NULL, &rc);
    ck_assert_str_eq(got, "a2;a3;");
    ck_assert_int_eq(rc, SL_EXEC_CONTINUE);
    free(got);
    /* NULL ruleset, empty ruleset */
    ck_assert_int_eq(sl_ruleset_exec(NULL, NULL, &rec_ops, NULL), SL_EXEC_CONTINUE);
    free_stmts(sub.stmts);
    free_stmts(main_rs.stmts);
}
END_TEST

START_TEST(test_if_else_prifilt)
{
    struct sl_ruleset_ir rs = { 0 };
    uint8_t mail_info[25] = { 0 };

    mail_info[2] = 0x7f;   /* mail.info: severities 0..6 */
    rs.name = "r";
    rs.stmts = seq(if_(B(SL_E_EQ, P("msg"), S("yes")), act("then"), act("else")),
                   pri(mail_info, act("mail")),
                   if_(B(SL_E_GT, P("syslogseverity"), N(3)), act("sev>3"), NULL), NULL);
    CK_RUN(&rs, "yes", 2 * 8 + 6, "then;mail;sev>3;");
    CK_RUN(&rs, "no", 2 * 8 + 7, "else;sev>3;");
    CK_RUN(&rs, "no", 3 * 8 + 2, "else;");
    CK_RUN(&rs, "no", 2 * 8 + 0, "else;mail;");
    free_stmts(rs.stmts);
}
END_TEST

START_TEST(test_propfilt)
{
    struct sl_ruleset_ir rs = { 0 };

    rs.name = "r";
    rs.stmts = seq(prop("msg", SL_PF_CONTAINS, 0, "error", act("contains")),
                   prop("msg", SL_PF_ISEQUAL, 0, "error", act("isequal")),
                   prop("msg", SL_PF_STARTSWITH, 0, "err", act("startswith")),
                   prop("msg", SL_PF_CONTAINS, 1, "error", act("!contains")),
                   prop("msg", SL_PF_ISEMPTY, 0, "", act("isempty")),
                   prop("msg", SL_PF_ISEMPTY, 1, "", act("!isempty")),
                   /* BRE after rsyslog's unescaping: "{.*}" matches literal braces */
                   prop("msg", SL_PF_REGEX, 0, "{.*}", act("bre")),
                   prop("msg", SL_PF_REGEX, 0, "^er\\+or", act("bre+")),
                   prop("msg", SL_PF_EREREGEX, 0, "e(r)+o", act("ere")),
                   prop("hostname", SL_PF_STARTSWITH, 0, "web", act("host")),
                   prop("programname", SL_PF_ISEQUAL, 1, "sshd", act("!sshd")),
                   NULL);
    CK_RUN(&rs, "error", 13, "contains;isequal;startswith;!isempty;bre+;ere;host;");
    CK_RUN(&rs, "an error {x}", 13, "contains;!isempty;bre;ere;host;");
    CK_RUN(&rs, "errrror", 13, "startswith;!contains;!isempty;bre+;ere;host;");
    CK_RUN(&rs, "", 13, "!contains;isempty;host;");
    free_stmts(rs.stmts);

    /* an invalid property never matches, not even negated (rsyslog evalPROPFILT) */
    rs.stmts = prop("nosuchprop", SL_PF_CONTAINS, 1, "x", act("bad"));
    CK_RUN(&rs, "abc", 13, "");
    free_stmts(rs.stmts);
}
END_TEST

START_TEST(test_set_unset)
{
    struct sl_ruleset_ir rs = { 0 };
    char *got;

    rs.name = "r";
    rs.stmts = seq(set_("$!n", B(SL_E_PLUS, N(40), N(2))),
                   set_("$!s", B(SL_E_CONCAT, P("programname"), S("-x"))),
                   set_("$.loc", S("local")),
                   if_(B(SL_E_EQ, P("$!n"), N(42)), act("n42"), NULL),
                   if_(B(SL_E_EQ, P("$!s"), S("sshd-x")), act("s"), NULL),
                   act("all"),
                   set_("$!n", NULL),
                   if_(B(SL_E_EQ, P("$!n"), S("")), act("unset"), NULL),
                   NULL);
    got = run(&rs, "m", 13, "$!", NULL);
    ck_assert_str_eq(got, "n42={ \"n\": 42, \"s\": \"sshd-x\" };s={ \"n\": 42, \"s\": \"sshd-x\" };"
                     "all={ \"n\": 42, \"s\": \"sshd-x\" };unset={ \"s\": \"sshd-x\" };");
    free(got);
    free_stmts(rs.stmts);
}
END_TEST

START_TEST(test_foreach)
{
    struct sl_ruleset_ir rs = { 0 };
    char *got;
    int rc;

    rs.name = "r";
    rs.stmts = seq(set_("$.dummy", F2("parse_json", P("msg"), S("$!"))),
                   foreach_("$.i", P("$!arr"), act("arr")),
                   foreach_("$.i", P("$!obj"), act("obj")),
                   foreach_("$.i", P("$!str"), act("str")),    /* not a collection: skipped */
                   if_(B(SL_E_EQ, P("$.i"), S("")), act("gone"), NULL),
                   foreach_("$.i", P("$!arr"),
                            seq(act("stop?"), if_(B(SL_E_EQ, P("$.i"), N(2)),
                                                  stmt(SL_ST_STOP), NULL), NULL)),
                   act("never"),
                   NULL);
    got = run(&rs, "{\"arr\":[1,2,3],\"obj\":{\"a\":\"x\",\"b\":[true]},\"str\":\"s\"}", 13,
              "$.i", &rc);
    ck_assert_str_eq(got, "arr=1;arr=2;arr=3;"
                     "obj={ \"key\": \"a\", \"value\": \"x\" };"
                     "obj={ \"key\": \"b\", \"value\": [ true ] };"
                     "gone=;stop?=1;stop?=2;");
    ck_assert_int_eq(rc, SL_EXEC_STOP);
    free(got);
    free_stmts(rs.stmts);
}
END_TEST

/* foreach tells the host before each new value of the loop variable and before the final
 * unset (as set/unset do), so queued-up actions of the body render their own element
 * (rsyslog renders %$.f% of every iteration; sluice once wrote the last or none). */
START_TEST(test_foreach_modify)
{
    struct sl_ruleset_ir rs = { 0 };
    struct rec r = { { NULL, 0, 0 }, "$.i" };
    struct sl_msg *m = mk_msg("{\"arr\":[1,2],\"obj\":{\"k\":1}}", 13);

    rs.name = "r";
    rs.stmts = seq(set_("$.dummy", F2("parse_json", P("msg"), S("$!"))),
                   foreach_("$.i", P("$!arr"), act("a")),
                   foreach_("$.i", P("$!obj"), act("o")),
                   NULL);
    ck_assert_int_eq(sl_ruleset_exec(&rs, m, &rec_mod_ops, &r), SL_EXEC_CONTINUE);
    ck_assert_str_eq(r.out.p, "~~a=1;~a=2;~~o={ \"key\": \"k\", \"value\": 1 };~");
    free(r.out.p);
    free_msg(m);
    free_stmts(rs.stmts);
}
END_TEST

START_TEST(test_call_loop_bounded)
{
    struct sl_ruleset_ir rs = { 0 };
    char *got;

    sl_log_set_stderr(0);
    rs.name = "loop";
    rs.stmts = seq(act("x"), call_(&rs), NULL);
    got = run(&rs, "m", 13, NULL, NULL);
    /* the depth bound stops the recursion: one action per level */
    ck_assert_int_eq(strlen(got), 2 * 201);
    free(got);
    free_stmts(rs.stmts);
}
END_TEST

struct thr_arg {
    const struct sl_ruleset_ir *rs;
    int ok;
    size_t cache;
};

static void *thr_main(void *p)
{
    struct thr_arg *a = p;
    int i;

    a->ok = 1;
    for (i = 0; i < 3000 && a->ok; i++) {
        char *got = run(a->rs, (i % 3 == 0) ? "user bob failed" : "ok", 13, NULL, NULL);
        if (strcmp(got, (i % 3 == 0) ? "fail;" : "") != 0) {
            a->ok = 0;
        }
        free(got);
    }
    a->cache = sl_re_cache_size();
    return NULL;
}

START_TEST(test_threads)
{
    struct sl_ruleset_ir rs = { 0 };
    pthread_t t[4];
    struct thr_arg a[4];
    int i;

    rs.name = "r";
    rs.stmts = prop("msg", SL_PF_EREREGEX, 0, "user [a-z]+ fail(ed)?", act("fail"));
    for (i = 0; i < 4; i++) {
        a[i].rs = &rs;
        ck_assert_int_eq(pthread_create(&t[i], NULL, thr_main, &a[i]), 0);
    }
    for (i = 0; i < 4; i++) {
        pthread_join(t[i], NULL);
        ck_assert(a[i].ok);
        ck_assert_int_eq(a[i].cache, 1);
    }
    free_stmts(rs.stmts);
}
END_TEST

/* The tester's hook (sluiced --test): every filter with its result, set/unset/stop/call,
 * in the order they run, and nothing after a stop. */
static void rec_trace(void *ctx, const struct sl_stmt *st, struct sl_msg *m, int result)
{
    struct rec *r = ctx;
    static const char *const names[] = { "nop", "action", "if", "pri", "prop", "stop",
                                         "call", "set", "unset", "foreach", "reload" };
    (void)m;
    sl_buf_printf(&r->out, "%s:%d%s;", names[st->type], st->loc.line,
                  result < 0 ? "" : result ? "=T" : "=F");
}

static const struct sl_exec_ops rec_trace_ops = { .action = rec_action, .trace = rec_trace };

START_TEST(test_trace_hook)
{
    struct sl_ruleset_ir sub = { 0 }, rs = { 0 };
    static const uint8_t none[25] = { 0 };
    struct rec r = { { NULL, 0, 0 }, NULL };
    struct sl_msg *m = mk_msg("disk full", 13);

    sub.name = "sub";
    sub.stmts = seq(stmt(SL_ST_STOP), act("never"), NULL);
    rs.name = "r";
    rs.stmts = seq(if_(B(SL_E_EQ, P("msg"), S("x")), act("no"), act("else")),
                   pri(none, act("no2")),
                   prop("msg", SL_PF_CONTAINS, 0, "disk", act("p")),
                   set_("$!a", S("v")), set_("$!a", NULL),
                   call_(&sub), act("after"), NULL);
    for (struct sl_stmt *s = rs.stmts; s != NULL; s = s->next) {
        s->loc.line = 10 + s->type;
    }
    ck_assert_int_eq(sl_ruleset_exec(&rs, m, &rec_trace_ops, &r), SL_EXEC_STOP);
    ck_assert_ptr_nonnull(r.out.p);
    ck_assert_str_eq(r.out.p, "if:12=F;else;pri:13=F;prop:14=T;p;set:17;unset:18;call:16;stop:3;");
    sl_buf_free(&r.out);
    free_msg(m);
    free_stmts(rs.stmts);
    free_stmts(sub.stmts);
}
END_TEST

static Suite *rule_suite(void)
{
    Suite *s = suite_create("rule");
    TCase *tc = tcase_create("core");

    tcase_set_timeout(tc, 30);
    tcase_add_test(tc, test_order_stop_call);
    tcase_add_test(tc, test_if_else_prifilt);
    tcase_add_test(tc, test_propfilt);
    tcase_add_test(tc, test_set_unset);
    tcase_add_test(tc, test_foreach);
    tcase_add_test(tc, test_foreach_modify);
    tcase_add_test(tc, test_call_loop_bounded);
    tcase_add_test(tc, test_threads);
    tcase_add_test(tc, test_trace_hook);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(rule_suite());
    int nf;

    srunner_run_all(sr, CK_NORMAL);
    nf = srunner_ntests_failed(sr);
    srunner_free(sr);
    return nf == 0 ? 0 : 1;
}
