/*
 * test_expr.c - unit tests for RainerScript expression resolution and evaluation
 * (core/expr/, resolution in core/conf/expr_resolve.c).  Expression trees are built by
 * hand; the expected values were
 * obtained from rsyslogd 8.2302 with the same expressions and messages (see the comments
 * at each table).
 *
 * Ownership: every test builds its own trees and messages and frees them.
 * Concurrency & locking: the threaded test runs evaluation on several threads over one
 * read-only tree, each with its own messages.
 */
#include "config.h"

#include <check.h>
#include <pthread.h>
#include <regex.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <libfastjson/json.h>

#include "expr/expr.h"
#include "expr/expr_int.h"
#include "log.h"
#include "msg.h"
#include "util/buf.h"

/* ---- tree builders ---- */
static struct sl_expr *node(enum sl_expr_op op)
{
    struct sl_expr *e = sl_xcalloc(1, sizeof(*e));
    e->op = op;
    e->loc.file = "test.conf";
    e->loc.line = 7;
    return e;
}

static struct sl_expr *S(const char *s)
{
    struct sl_expr *e = node(SL_E_STR);
    e->str = sl_xstrdup(s);
    return e;
}

static struct sl_expr *N(int64_t n)
{
    struct sl_expr *e = node(SL_E_NUM);
    e->num = n;
    return e;
}

static struct sl_expr *P(const char *name)
{
    struct sl_expr *e = node(SL_E_PROP);
    ck_assert_int_eq(sl_propref_parse(name, strlen(name), &e->prop), 0);
    return e;
}

static struct sl_expr *B(enum sl_expr_op op, struct sl_expr *l, struct sl_expr *r)
{
    struct sl_expr *e = node(op);
    e->l = l;
    e->r = r;
    return e;
}

static struct sl_expr *A(int n, ...)
{
    struct sl_expr *e = node(SL_E_ARRAY);
    va_list ap;
    int i;

    e->arr.n = (size_t)n;
    e->arr.v = sl_xcalloc((size_t)n, sizeof(char *));
    va_start(ap, n);
    for (i = 0; i < n; i++) {
        e->arr.v[i] = sl_xstrdup(va_arg(ap, const char *));
    }
    va_end(ap);
    return e;
}

static struct sl_expr *F(const char *name, int n, ...)
{
    struct sl_expr *e = node(SL_E_FUNC);
    va_list ap;
    int i;

    e->fname = sl_xstrdup(name);
    e->nargs = (size_t)n;
    e->args = n > 0 ? sl_xcalloc((size_t)n, sizeof(*e->args)) : NULL;
    va_start(ap, n);
    for (i = 0; i < n; i++) {
        e->args[i] = va_arg(ap, struct sl_expr *);
    }
    va_end(ap);
    return e;
}

/* ---- messages built directly (no parser needed) ---- */
static struct sl_msg *mk_msg(const char *text, int pri)
{
    struct sl_msg *m = sl_xcalloc(1, sizeof(*m));
    m->refcnt = 1;
    m->flags = SL_MSGF_PARSED | SL_MSGF_PROGNAME_DONE;
    m->raw = sl_xstrdup(text);
    m->raw_len = strlen(text);
    m->msg.p = m->raw;
    m->msg.len = m->raw_len;
    m->hostname.p = "host";
    m->hostname.len = 4;
    m->tag.p = "app[1]:";
    m->tag.len = 7;
    m->programname.p = "app";
    m->programname.len = 3;
    m->pri = pri;
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

/* resolve (must succeed), evaluate as string for text, free */
static char *eval_s(struct sl_expr *e, const char *text)
{
    struct sl_msg *m = mk_msg(text, 13);
    char *s;

    ck_assert_int_eq(sl_expr_resolve(e), 0);
    s = sl_expr_eval_str(e, m);
    free_msg(m);
    sl_expr_free(e);
    return s;
}

#define CK_EVAL(expr, text, want)                                                          \
    do {                                                                                   \
        char *got_ = eval_s((expr), (text));                                               \
        ck_assert_msg(strcmp(got_, (want)) == 0, "%s on '%s': got '%s' want '%s'", #expr,  \
                      (text), got_, (want));                                               \
        free(got_);                                                                        \
    } while (0)

static int eval_b(struct sl_expr *e, const char *text)
{
    struct sl_msg *m = mk_msg(text, 13);
    int r;

    ck_assert_int_eq(sl_expr_resolve(e), 0);
    r = sl_expr_eval_bool(e, m);
    free_msg(m);
    sl_expr_free(e);
    return r;
}

/* ---------------------------------------------------------------------------------------
 * Comparisons: rows are messages, expected truth observed with rsyslogd 8.2302
 * ("if <expr> then" with the message text as MSG).
 * ------------------------------------------------------------------------------------- */
START_TEST(test_truth)
{
    /* if $msg then: number value, low 8 bits ("256" is false in rsyslog) */
    static const struct { const char *msg; int want; } t[] = {
        { "5", 1 }, { "abc", 0 }, { "256", 0 }, { "5x", 1 }, { "-", 0 }, { "", 0 },
        { "4294967296", 0 }, { "100", 1 }, { "9", 1 }
    };
    size_t i;

    for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
        ck_assert_msg(eval_b(P("msg"), t[i].msg) == t[i].want, "if $msg on '%s'", t[i].msg);
        ck_assert_msg(eval_b(F("cnum", 1, P("msg")), t[i].msg) == t[i].want, "cnum '%s'",
                      t[i].msg);
    }
    ck_assert_int_eq(sl_expr_truth(256), 0);
    ck_assert_int_eq(sl_expr_truth(257), 1);
    /* not "" is true; and/or short-circuit with full-width numbers */
    ck_assert_int_eq(eval_b(B(SL_E_NOT, S(""), NULL), "x"), 1);
    ck_assert_int_eq(eval_b(B(SL_E_AND, N(256), N(1)), "x"), 1);
    ck_assert_int_eq(eval_b(B(SL_E_OR, N(0), S("abc")), "x"), 0);
    /* short circuit: the right side has a side effect (parse_json of bad text sets
     * script_error() to 1); with "0 and ..." it must not run */
    ck_assert_int_eq(eval_b(F("parse_json", 2, S("{}"), S("$.x")), "x"), 0);   /* errno 0 */
    ck_assert_int_eq(eval_b(B(SL_E_AND, N(0), F("parse_json", 2, S("bad"), S("$.x"))), "x"), 0);
    ck_assert_int_eq(eval_b(F("script_error", 0), "x"), 0);
    ck_assert_int_eq(eval_b(B(SL_E_OR, N(1), F("parse_json", 2, S("bad"), S("$.x"))), "x"), 1);
    ck_assert_int_eq(eval_b(F("script_error", 0), "x"), 0);
    ck_assert_int_eq(eval_b(B(SL_E_OR, N(0), F("parse_json", 2, S("bad"), S("$.x"))), "x"), 1);
    ck_assert_int_eq(eval_b(F("script_error", 0), "x"), 1);
}
END_TEST

START_TEST(test_compare_eq)
{
    static const char *msgs[] = { "5", "abc", "256", "5x", "-", "", "05", "4294967301" };
    /* $msg == 5, $msg == "5", $msg == 0, 5 == $msg, "5" == $msg, $msg != "5", $msg != 5 */
    static const int want[][7] = {
        /* 5 */     { 1, 1, 0, 1, 1, 0, 0 },
        /* abc */   { 0, 0, 0, 0, 0, 1, 1 },
        /* 256 */   { 0, 0, 0, 0, 0, 1, 1 },
        /* 5x */    { 0, 0, 0, 0, 0, 1, 1 },
        /* - */     { 0, 0, 1, 0, 0, 1, 1 },
        /* "" */    { 0, 0, 1, 0, 0, 1, 1 },
        /* 05 */    { 1, 0, 0, 1, 0, 1, 0 },
        /* 2^32+5 */{ 0, 0, 0, 0, 0, 1, 1 },
    };
    size_t i;

    for (i = 0; i < sizeof(msgs) / sizeof(msgs[0]); i++) {
        const char *s = msgs[i];
        ck_assert_msg(eval_b(B(SL_E_EQ, P("msg"), N(5)), s) == want[i][0], "== 5 '%s'", s);
        ck_assert_msg(eval_b(B(SL_E_EQ, P("msg"), S("5")), s) == want[i][1], "== \"5\" '%s'", s);
        ck_assert_msg(eval_b(B(SL_E_EQ, P("msg"), N(0)), s) == want[i][2], "== 0 '%s'", s);
        ck_assert_msg(eval_b(B(SL_E_EQ, N(5), P("msg")), s) == want[i][3], "5 == '%s'", s);
        ck_assert_msg(eval_b(B(SL_E_EQ, S("5"), P("msg")), s) == want[i][4], "\"5\"== '%s'", s);
        ck_assert_msg(eval_b(B(SL_E_NE, P("msg"), S("5")), s) == want[i][5], "!= \"5\" '%s'", s);
        ck_assert_msg(eval_b(B(SL_E_NE, P("msg"), N(5)), s) == want[i][6], "!= 5 '%s'", s);
    }
    /* arrays: equals any element, on either side; != means none */
    ck_assert_int_eq(eval_b(B(SL_E_EQ, P("msg"), A(3, "abc", "5", "x")), "5"), 1);
    ck_assert_int_eq(eval_b(B(SL_E_EQ, P("msg"), A(3, "abc", "5", "x")), "abc"), 1);
    ck_assert_int_eq(eval_b(B(SL_E_EQ, P("msg"), A(3, "abc", "5", "x")), "ab"), 0);
    ck_assert_int_eq(eval_b(B(SL_E_EQ, A(2, "q", "ab"), P("msg")), "ab"), 1);
    ck_assert_int_eq(eval_b(B(SL_E_NE, P("msg"), A(3, "abc", "5", "x")), "5"), 0);
    ck_assert_int_eq(eval_b(B(SL_E_NE, P("msg"), A(3, "abc", "5", "x")), "256"), 1);
}
END_TEST

START_TEST(test_compare_order)
{
    static const char *msgs[] = {
        "5", "abc", "256", "-", "", "4294967296", "9", "4294967306", "2147483648", "-5",
        "05", "10", "9x", " 5", "4294967301", "+5", "5.0", "0x5"
    };
    /* $msg < 10, $msg < "10", 5 < $msg, $msg <= 5, $msg > "5", $msg >= "10" */
    static const int want[][6] = {
        /* 5 */          { 1, 1, 0, 1, 0, 0 },
        /* abc */        { 0, 0, 1, 0, 1, 1 },
        /* 256 */        { 0, 0, 1, 0, 1, 1 },
        /* - */          { 1, 1, 0, 1, 0, 0 },
        /* "" */         { 1, 1, 0, 1, 0, 0 },
        /* 2^32 */       { 1, 1, 0, 1, 0, 0 },
        /* 9 */          { 1, 1, 1, 0, 1, 0 },
        /* 2^32+10 */    { 0, 0, 1, 0, 1, 1 },
        /* 2^31 */       { 0, 0, 1, 0, 1, 1 },
        /* -5 */         { 1, 1, 0, 1, 0, 0 },
        /* 05 */         { 1, 1, 0, 1, 0, 0 },
        /* 10 */         { 0, 0, 1, 0, 1, 1 },
        /* 9x */         { 0, 0, 1, 0, 1, 1 },
        /* " 5" */       { 1, 1, 0, 1, 0, 0 },
        /* 2^32+5 */     { 1, 1, 0, 1, 0, 0 },
        /* +5 */         { 1, 1, 0, 1, 0, 0 },
        /* 5.0 */        { 0, 0, 1, 0, 1, 1 },
        /* 0x5 */        { 1, 1, 0, 1, 0, 0 },
    };
    size_t i;

    for (i = 0; i < sizeof(msgs) / sizeof(msgs[0]); i++) {
        const char *s = msgs[i];
        ck_assert_msg(eval_b(B(SL_E_LT, P("msg"), N(10)), s) == want[i][0], "< 10 '%s'", s);
        ck_assert_msg(eval_b(B(SL_E_LT, P("msg"), S("10")), s) == want[i][1], "< \"10\" '%s'", s);
        ck_assert_msg(eval_b(B(SL_E_LT, N(5), P("msg")), s) == want[i][2], "5 < '%s'", s);
        ck_assert_msg(eval_b(B(SL_E_LE, P("msg"), N(5)), s) == want[i][3], "<= 5 '%s'", s);
        ck_assert_msg(eval_b(B(SL_E_GT, P("msg"), S("5")), s) == want[i][4], "> \"5\" '%s'", s);
        ck_assert_msg(eval_b(B(SL_E_GE, P("msg"), S("10")), s) == want[i][5], ">= \"10\" '%s'", s);
    }
}
END_TEST

START_TEST(test_string_ops)
{
    ck_assert_int_eq(eval_b(B(SL_E_CONTAINS, P("msg"), A(2, "ab", "zz")), "xabc"), 1);
    ck_assert_int_eq(eval_b(B(SL_E_CONTAINS, P("msg"), A(2, "ab", "zz")), "5"), 0);
    ck_assert_int_eq(eval_b(B(SL_E_CONTAINS, P("msg"), S("")), "5"), 1);
    ck_assert_int_eq(eval_b(B(SL_E_CONTAINS_I, P("msg"), S("AB")), "xabc"), 1);
    ck_assert_int_eq(eval_b(B(SL_E_CONTAINS, P("msg"), S("AB")), "xabc"), 0);
    ck_assert_int_eq(eval_b(B(SL_E_STARTSWITH, P("msg"), S("a")), "abc"), 1);
    ck_assert_int_eq(eval_b(B(SL_E_STARTSWITH, P("msg"), S("a")), ""), 0);
    ck_assert_int_eq(eval_b(B(SL_E_STARTSWITH, P("msg"), S("abcd")), "abc"), 0);
    ck_assert_int_eq(eval_b(B(SL_E_STARTSWITH_I, P("msg"), S("A")), "abc"), 1);
    ck_assert_int_eq(eval_b(B(SL_E_STARTSWITH_I, P("msg"), A(2, "x", "AB")), "abc"), 1);
    /* libestr quirk kept by rsyslog 8.2302: a shorter subject matches startswith_i */
    ck_assert_int_eq(eval_b(B(SL_E_STARTSWITH_I, P("msg"), S("ABC")), "ab"), 1);
    ck_assert_int_eq(eval_b(B(SL_E_STARTSWITH_I, P("msg"), S("ABC")), ""), 1);
    ck_assert_int_eq(eval_b(B(SL_E_STARTSWITH_I, P("msg"), S("ABC")), "ax"), 0);
    ck_assert_int_eq(eval_b(B(SL_E_STARTSWITH_I, P("msg"), A(2, "XYZ", "AB")), "x"), 1);
    ck_assert_int_eq(eval_b(B(SL_E_STARTSWITH, P("msg"), S("abc")), "ab"), 0);
    ck_assert_int_eq(eval_b(B(SL_E_CONTAINS_I, P("msg"), S("ABCD")), "ab"), 0);
    ck_assert_int_eq(eval_b(B(SL_E_STARTSWITH, P("hostname"), S("ho")), "abc"), 1);
    /* concatenation and arithmetic (rsyslog: "5a,b,c", "...21", 10/0 = 0, -7%3 = -1) */
    CK_EVAL(B(SL_E_CONCAT, F("cstr", 1, N(5)), P("msg")), "a,b,c", "5a,b,c");
    CK_EVAL(B(SL_E_CONCAT, P("msg"), B(SL_E_TIMES, N(7), N(3))), "a,b,c", "a,b,c21");
    CK_EVAL(B(SL_E_DIV, N(10), N(0)), "x", "0");
    CK_EVAL(B(SL_E_MOD, N(-7), N(3)), "x", "-1");
    CK_EVAL(B(SL_E_MOD, N(7), N(0)), "x", "0");
    CK_EVAL(B(SL_E_DIV, N(INT64_MIN), N(-1)), "x", "-9223372036854775808");
    CK_EVAL(B(SL_E_PLUS, P("msg"), N(1)), "192.168.1.1", "193");
    CK_EVAL(B(SL_E_MINUS, N(1), S("3")), "x", "-2");
    CK_EVAL(B(SL_E_NEG, P("msg"), NULL), "12", "-12");
    CK_EVAL(A(2, "first", "second"), "x", "first");
    CK_EVAL(B(SL_E_CONCAT, P("syslogtag"), P("programname")), "x", "app[1]:app");
}
END_TEST

/* ---------------------------------------------------------------------------------------
 * Functions: expected strings observed with rsyslogd 8.2302 (set $.r = f(...), %$.r%).
 * ------------------------------------------------------------------------------------- */
START_TEST(test_functions_string)
{
    CK_EVAL(F("strlen", 1, P("msg")), "  abc12 def34  ", "15");
    CK_EVAL(F("tolower", 1, P("msg")), "2023-11-14T22:13:20Z", "2023-11-14t22:13:20z");
    CK_EVAL(F("substring", 3, P("msg"), N(1), N(3)), "a,b,c", ",b,");
    CK_EVAL(F("substring", 3, P("msg"), N(2), N(-1)), "  abc12 def34  ", "abc12 def34  ");
    CK_EVAL(F("substring", 3, P("msg"), N(10), N(2)), "192.168.1.1", "1");
    CK_EVAL(F("substring", 3, P("msg"), N(10), N(2)), "a,b,c", "");
    CK_EVAL(F("substring", 3, P("msg"), N(-1), N(2)), "a,b,c", "");
    CK_EVAL(F("replace", 3, P("msg"), S("a"), S("XY")), "  abc12 def34  ", "  XYbc12 def34  ");
    CK_EVAL(F("replace", 3, P("msg"), S("aa"), S("b")), "aaaaa", "bba");
    /* rsyslogd 8.2302: an empty search string matches at every position */
    CK_EVAL(F("replace", 3, P("msg"), S(""), S("X")), " a=b", "X XaX=XbX");
    CK_EVAL(F("replace", 3, S(""), S(""), S("X")), "x", "X");
    CK_EVAL(F("field", 3, P("msg"), S(","), N(2)), "a,b,c", "b");
    CK_EVAL(F("field", 3, P("msg"), N(44), N(3)), "a,b,c", "c");
    CK_EVAL(F("field", 3, P("msg"), S(","), N(0)), "a,b,c", "***FIELD NOT FOUND***");
    CK_EVAL(F("field", 3, P("msg"), S(","), N(9)), "a,b,c", "***FIELD NOT FOUND***");
    CK_EVAL(F("field", 3, P("msg"), S(",b"), N(2)), "a,b,c", ",c");
    CK_EVAL(F("field", 3, P("msg"), S(","), N(2)), "abc", "***FIELD NOT FOUND***");
    CK_EVAL(F("field", 3, P("msg"), N(44), N(1)), "abc", "abc");
    CK_EVAL(B(SL_E_CONCAT, F("ltrim", 1, P("msg")), S("|")), "  abc12 def34  ", "abc12 def34  |");
    CK_EVAL(B(SL_E_CONCAT, F("rtrim", 1, P("msg")), S("|")), "  abc12 def34  ", "  abc12 def34|");
    CK_EVAL(F("rtrim", 1, P("msg")), "   ", "");
    CK_EVAL(F("wrap", 2, P("msg"), S("'")), "a,b,c", "'a,b,c'");
    CK_EVAL(F("wrap", 3, P("msg"), S("a"), S("b")), "a,b,c", "ab,b,ca");
    CK_EVAL(F("cstr", 1, P("msg")), "xyz", "xyz");
    CK_EVAL(F("cnum", 1, P("msg")), "2023-11-14", "2023");
}
END_TEST

START_TEST(test_functions_num)
{
    CK_EVAL(F("int2hex", 1, P("msg")), "a,b,c", "NAN");
    CK_EVAL(F("int2hex", 1, P("msg")), "3232235777", "c0a80101");
    CK_EVAL(F("int2hex", 1, N(255)), "x", "ff");
    CK_EVAL(F("int2hex", 1, N(-1)), "x", "ffffffffffffffff");
    CK_EVAL(F("num2ipv4", 1, P("msg")), "3232235777", "192.168.1.1");
    CK_EVAL(F("num2ipv4", 1, P("msg")), "a,b,c", "-1");
    CK_EVAL(F("num2ipv4", 1, N(4294967296LL)), "x", "-1");
    CK_EVAL(F("ipv42num", 1, P("msg")), "192.168.1.1", "3232235777");
    CK_EVAL(F("ip42num", 1, P("msg")), " 10.0.0.1", "167772161");
    CK_EVAL(F("ipv42num", 1, P("msg")), "3232235777", "-1");
    CK_EVAL(F("ipv42num", 1, P("msg")), "1..2.3", "-1");
    CK_EVAL(F("ipv42num", 1, P("msg")), "1.2.3.4.5", "-1");
    CK_EVAL(F("random", 1, N(0)), "x", "0");
    CK_EVAL(F("random", 1, S("abc")), "x", "0");
    {
        int i;
        for (i = 0; i < 50; i++) {
            char *s = eval_s(F("random", 1, N(10)), "x");
            int v = atoi(s);
            ck_assert_msg(v >= 0 && v < 10, "random(10) = %s", s);
            free(s);
        }
    }
    /* lookup() not bound to a table (sl_expr_bind_lookups not run): rsyslog's text */
    CK_EVAL(F("lookup", 2, S("t"), P("msg")), "x", "TABLE-NOT-FOUND");
    CK_EVAL(F("getenv", 1, S("SLUICE_TEST_ENV")), "x", "hello env");
    CK_EVAL(F("getenv", 1, S("SLUICE_TEST_ENV_UNSET_XYZ")), "x", "");
}
END_TEST

/* cnum(): a constant string is folded with libestr's conversion (hex with "0x", octal with
 * a leading 0), a run-time string converts as a decimal (rsyslogd 8.2302, diff case
 * rs-functions-num). */
START_TEST(test_cnum_const_vs_runtime)
{
    CK_EVAL(F("cnum", 1, S("0x10")), "x", "16");
    CK_EVAL(F("cnum", 1, S("010")), "x", "8");
    CK_EVAL(F("cnum", 1, S("09")), "x", "0");
    CK_EVAL(F("cnum", 1, S("0X1F")), "x", "0");
    CK_EVAL(F("cnum", 1, S("0x1g")), "x", "1");
    CK_EVAL(F("cnum", 1, S("-5")), "x", "-5");
    CK_EVAL(F("cnum", 1, S("42abc")), "x", "42");
    CK_EVAL(F("cnum", 1, P("msg")), "0x10", "0");
    CK_EVAL(F("cnum", 1, P("msg")), "010", "10");
    CK_EVAL(F("cnum", 1, P("msg")), "-5", "-5");
}
END_TEST

/* variable names are case-insensitive (rsyslog's variables.caseSensitive="off") */
START_TEST(test_variables_case)
{
    struct sl_msg *m = mk_msg("{\"CamelKey\":\"v1\",\"Nested\":{\"Deep\":\"v2\"}}", 13);
    struct sl_expr *pj = F("parse_json", 2, P("msg"), S("$!p"));
    struct sl_expr *e;
    char *s;

    ck_assert_int_eq(sl_expr_resolve(pj), 0);
    ck_assert_int_eq(sl_expr_eval_bool(pj, m), 0);
    sl_expr_free(pj);
    e = P("$!P!camelkey");
    s = sl_expr_eval_str(e, m);
    ck_assert_str_eq(s, "v1");
    free(s);
    sl_expr_free(e);
    e = P("$!p!NESTED!deep");
    s = sl_expr_eval_str(e, m);
    ck_assert_str_eq(s, "v2");
    free(s);
    sl_expr_free(e);
    free_msg(m);
}
END_TEST

START_TEST(test_functions_regex)
{
    CK_EVAL(F("re_match", 2, P("msg"), S("b+")), "a,b,c", "1");
    CK_EVAL(F("re_match", 2, P("msg"), S("b+")), "3232235777", "0");
    CK_EVAL(F("re_match", 2, P("msg"), S("^a")), "xa", "0");
    CK_EVAL(F("re_match_i", 2, P("msg"), S("A")), "a,b,c", "1");
    CK_EVAL(F("re_match", 2, P("msg"), S("A")), "a,b,c", "0");
    CK_EVAL(F("re_extract", 5, P("msg"), S("([a-z]+)([0-9]*)"), N(1), N(2), S("none")),
            "a,b,c", "");
    CK_EVAL(F("re_extract", 5, P("msg"), S("([a-z]+)([0-9]*)"), N(1), N(2), S("none")),
            "  abc12 def34  ", "34");
    CK_EVAL(F("re_extract", 5, P("msg"), S("([a-z]+)([0-9]*)"), N(1), N(2), S("none")),
            "3232235777", "none");
    CK_EVAL(F("re_extract", 5, P("msg"), S("([a-z]+)"), N(0), N(1), S("none")),
            "Nov 14 22:13:20", "ov");
    CK_EVAL(F("re_extract", 5, P("msg"), S("(a)"), N(5), N(1), S("dflt")), "a,b,c", "dflt");
    CK_EVAL(F("re_extract", 5, P("msg"), S("(a)"), N(0), N(60), S("big")), "a", "big");
    CK_EVAL(F("re_extract", 5, P("msg"), S("x*"), N(3), N(0), S("empty")), "abc", "empty");
}
END_TEST

START_TEST(test_functions_time_json)
{
    CK_EVAL(F("is_time", 1, P("msg")), "a,b,c", "0");
    CK_EVAL(F("is_time", 1, P("msg")), "3232235777", "1");
    CK_EVAL(F("is_time", 1, P("msg")), "2023-11-14T22:13:20Z", "1");
    CK_EVAL(F("is_time", 1, P("msg")), "Nov 14 22:13:20", "1");
    CK_EVAL(F("is_time", 2, P("msg"), S("date-rfc3339")), "Nov 14 22:13:20", "0");
    CK_EVAL(F("parse_time", 1, P("msg")), "2023-11-14T22:13:20Z", "1700000000");
    CK_EVAL(F("parse_time", 1, P("msg")), "2023-11-14T23:13:20.123+01:00", "1700000000");
    CK_EVAL(F("parse_time", 1, P("msg")), "a,b,c", "0");
    CK_EVAL(F("format_time", 2, N(1700000000), S("date-rfc3164")), "x", "Nov 14 22:13:20");
    CK_EVAL(F("format_time", 2, N(1700000000), S("date-rfc3339")), "x", "2023-11-14T22:13:20Z");
    CK_EVAL(F("format_time", 2, P("msg"), S("date-rfc3339")), "3232235777",
            "2072-06-04T03:16:17Z");
    CK_EVAL(F("format_time", 2, P("msg"), S("date-rfc3339")), "a,b,c", "a,b,c");
    /* other formats: "" for a number (rsyslogd 8.2302), the text unchanged otherwise */
    CK_EVAL(F("format_time", 2, N(1700000000), S("date-unixtimestamp")), "x", "");
    CK_EVAL(F("format_time", 2, N(1700000000), S("date-mysql")), "x", "");
    CK_EVAL(F("format_time", 2, P("msg"), S("")), "abc", "abc");
    CK_EVAL(B(SL_E_CONCAT, F("parse_json", 2, P("msg"), S("$.j")), F("script_error", 0)),
            "a,b,c", "11");
    CK_EVAL(B(SL_E_CONCAT, F("parse_json", 2, P("msg"), S("$.j")), F("script_error", 0)),
            "3232235777", "11");
    CK_EVAL(B(SL_E_CONCAT, F("parse_json", 2, P("msg"), S("$.j")), F("script_error", 0)),
            "{\"k\":1}", "00");
}
END_TEST

START_TEST(test_variables)
{
    struct sl_msg *m = mk_msg("{\"a\":{\"b\":\"str\",\"n\":42,\"arr\":[1,2]}}", 13);
    struct sl_expr *pj = F("parse_json", 2, P("msg"), S("$!"));
    struct sl_expr *e;
    struct fjson_object *j;
    char *s;

    ck_assert_int_eq(sl_expr_resolve(pj), 0);
    ck_assert_int_eq(sl_expr_eval_bool(pj, m), 0);   /* 0 = success */
    sl_expr_free(pj);

    e = P("$!a!b");
    s = sl_expr_eval_str(e, m);
    ck_assert_str_eq(s, "str");
    free(s);
    j = sl_expr_eval_json(e, m);
    ck_assert(fjson_object_is_type(j, fjson_type_string));
    fjson_object_put(j);
    sl_expr_free(e);

    /* a JSON number variable compares numerically; as a string it renders as JSON */
    e = B(SL_E_EQ, P("$!a!n"), N(42));
    ck_assert_int_eq(sl_expr_resolve(e), 0);
    ck_assert_int_eq(sl_expr_eval_bool(e, m), 1);
    sl_expr_free(e);
    e = B(SL_E_EQ, P("$!a!n"), S("42"));
    ck_assert_int_eq(sl_expr_eval_bool(e, m), 1);
    sl_expr_free(e);
    e = P("$!a!arr");
    s = sl_expr_eval_str(e, m);
    ck_assert_str_eq(s, "[ 1, 2 ]");
    free(s);
    j = sl_expr_eval_json(e, m);   /* deep copy, independent of the message */
    ck_assert(fjson_object_is_type(j, fjson_type_array));
    ck_assert_int_eq(fjson_object_array_length(j), 2);
    fjson_object_put(j);
    sl_expr_free(e);

    /* rsyslog 8.2302 never finds a JSON number equal to another JSON value
     * ($!n == $!m is false, != true, even for equal numbers), see eval_equal() */
    e = B(SL_E_EQ, P("$!a!n"), P("$!a!n"));
    ck_assert_int_eq(sl_expr_resolve(e), 0);
    ck_assert_int_eq(sl_expr_eval_bool(e, m), 0);
    sl_expr_free(e);
    e = B(SL_E_NE, P("$!a!n"), P("$!a!n"));
    ck_assert_int_eq(sl_expr_resolve(e), 0);
    ck_assert_int_eq(sl_expr_eval_bool(e, m), 1);
    sl_expr_free(e);
    /* ... but a non-numeric string is compared with the JSON text */
    e = B(SL_E_EQ, S("[ 1, 2 ]"), P("$!a!arr"));
    ck_assert_int_eq(sl_expr_resolve(e), 0);
    ck_assert_int_eq(sl_expr_eval_bool(e, m), 1);
    sl_expr_free(e);

    /* get_property(): dynamic index/key (outputs as rsyslogd 8.2302 gives them) */
    e = F("get_property", 2, P("$!a!arr"), N(1));
    ck_assert_int_eq(sl_expr_resolve(e), 0);
    s = sl_expr_eval_str(e, m);
    ck_assert_str_eq(s, "2");
    free(s);
    sl_expr_free(e);
    e = F("get_property", 2, P("$!a"), B(SL_E_CONCAT, S("n"), S("")));
    ck_assert_int_eq(sl_expr_resolve(e), 0);
    s = sl_expr_eval_str(e, m);
    ck_assert_str_eq(s, "42");
    free(s);
    sl_expr_free(e);
    e = F("get_property", 2, P("$!a"), S("zz"));
    ck_assert_int_eq(sl_expr_resolve(e), 0);
    s = sl_expr_eval_str(e, m);
    ck_assert_str_eq(s, "");
    free(s);
    sl_expr_free(e);
    e = F("get_property", 2, P("$!a!arr"), N(-1));
    ck_assert_int_eq(sl_expr_resolve(e), 0);
    s = sl_expr_eval_str(e, m);
    ck_assert_str_eq(s, "");
    free(s);
    sl_expr_free(e);
    e = F("get_property", 2, P("$!a!b"), N(0));   /* not a collection: unchanged */
    ck_assert_int_eq(sl_expr_resolve(e), 0);
    s = sl_expr_eval_str(e, m);
    ck_assert_str_eq(s, "str");
    free(s);
    sl_expr_free(e);

    /* script_error() after get_property(), as rsyslogd 8.2302 sets it (rw-fn-misc): 1 for
     * a missing key, a non-numeric or negative index and a constant string (result "");
     * 0 for hits, an index past the end, a scalar variable and a constant number ("") */
    {
        static const struct {
            const char *var, *key;
            int num_key, errno_want;
            const char *want;
        } gp[] = {
            { "$!a", "n", 0, 0, "42" },       { "$!a", "zz", 0, 1, "" },
            { "$!a!arr", "1", 0, 0, "2" },    { "$!a!arr", NULL, 7, 0, "" },
            { "$!a!arr", "x", 0, 1, "" },     { "$!a!arr", NULL, -1, 1, "" },
            { "$!a!b", "1", 0, 0, "str" },    { "$!nosuch", "x", 0, 0, "" },
            { "\"abc\"", "1", 0, 1, "" },     { "5", "1", 0, 0, "" },
        };
        for (size_t i = 0; i < sizeof gp / sizeof gp[0]; i++) {
            struct sl_expr *v = gp[i].var[0] == '"' ? S("abc")
                                : gp[i].var[0] == '5' ? N(5) : P(gp[i].var);
            struct sl_expr *k = gp[i].key != NULL ? S(gp[i].key) : N(gp[i].num_key);
            char want[64];
            /* "(" & get_property(...) & ")" & script_error(), with the error state set to
             * the opposite first */
            e = B(SL_E_CONCAT, F("parse_json", 2, S(gp[i].errno_want ? "{}" : "{"), S("$.j")),
                  B(SL_E_CONCAT, S("("), B(SL_E_CONCAT, F("get_property", 2, v, k),
                                           B(SL_E_CONCAT, S(")"), F("script_error", 0)))));
            ck_assert_int_eq(sl_expr_resolve(e), 0);
            s = sl_expr_eval_str(e, m);
            snprintf(want, sizeof want, "%d(%s)%d", gp[i].errno_want ? 0 : 1, gp[i].want,
                     gp[i].errno_want);
            ck_assert_msg(strcmp(s, want) == 0, "get_property(%s, %s): '%s' want '%s'",
                          gp[i].var, gp[i].key ? gp[i].key : "N", s, want);
            free(s);
            sl_expr_free(e);
        }
    }

    /* missing variables are "" */
    e = B(SL_E_EQ, P("$!nope"), S(""));
    ck_assert_int_eq(sl_expr_eval_bool(e, m), 1);
    sl_expr_free(e);

    e = F("exists", 1, P("$!a!n"));
    ck_assert_int_eq(sl_expr_resolve(e), 0);
    ck_assert_int_eq(sl_expr_eval_bool(e, m), 1);
    sl_expr_free(e);
    e = F("exists", 1, P("$!a!zz"));
    ck_assert_int_eq(sl_expr_resolve(e), 0);
    ck_assert_int_eq(sl_expr_eval_bool(e, m), 0);
    sl_expr_free(e);

    /* number -> JSON int, string -> JSON string */
    e = B(SL_E_PLUS, N(1), N(2));
    j = sl_expr_eval_json(e, m);
    ck_assert(fjson_object_is_type(j, fjson_type_int));
    ck_assert_int_eq(fjson_object_get_int64(j), 3);
    fjson_object_put(j);
    sl_expr_free(e);
    free_msg(m);
}
END_TEST

START_TEST(test_prifilt)
{
    struct { const char *sel; int pri; int want; } t[] = {
        { "mail.info", 2 * 8 + 6, 1 },
        { "mail.info", 2 * 8 + 7, 0 },
        { "mail.info", 2 * 8 + 3, 1 },
        { "mail.=info", 2 * 8 + 3, 0 },
        /* "!" only removes: alone it selects nothing (rsyslogd 8.2302 agrees) */
        { "mail.!info", 2 * 8 + 7, 0 },
        { "mail.!info", 2 * 8 + 6, 0 },
        { "mail.*;mail.!info", 2 * 8 + 7, 1 },
        { "mail.*;mail.!info", 2 * 8 + 6, 0 },
        { "*.info;mail.none", 2 * 8 + 6, 0 },
        { "*.info;mail.none", 3 * 8 + 6, 1 },
        { "mail,news.*", 7 * 8 + 7, 1 },
        { "local7.*", 23 * 8 + 0, 1 },
        { "*.*", 5, 1 },
        { "kern.!=err", 3, 0 },
        { "kern.!=err", 4, 0 },   /* "!=" alone starts from an empty mask */
        { "kern.*;kern.!=err", 4, 1 },
        { "kern.*;kern.!=err", 3, 0 },
        { "AUTH.WARN", 4 * 8 + 4, 1 },
    };
    size_t i;

    for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
        struct sl_expr *e = F("prifilt", 1, S(t[i].sel));
        struct sl_msg *m = mk_msg("x", t[i].pri);
        ck_assert_int_eq(sl_expr_resolve(e), 0);
        ck_assert_msg(sl_expr_eval_bool(e, m) == t[i].want, "prifilt(%s) pri %d", t[i].sel,
                      t[i].pri);
        free_msg(m);
        sl_expr_free(e);
    }
}
END_TEST

START_TEST(test_facility_text_optimized)
{
    /* rsyslog turns $syslogfacility-text == "name" into a priority filter: names match
     * case-insensitively */
    struct sl_msg *m = mk_msg("x", 2 * 8 + 4);   /* mail.warning */
    struct sl_expr *e;

    e = B(SL_E_EQ, P("syslogfacility-text"), S("MAIL"));
    ck_assert_int_eq(sl_expr_resolve(e), 0);
    ck_assert_int_eq(sl_expr_eval_bool(e, m), 1);
    sl_expr_free(e);
    e = B(SL_E_NE, P("syslogfacility-text"), S("mail"));
    ck_assert_int_eq(sl_expr_resolve(e), 0);
    ck_assert_int_eq(sl_expr_eval_bool(e, m), 0);
    sl_expr_free(e);
    e = B(SL_E_EQ, P("syslogseverity-text"), S("warn"));
    ck_assert_int_eq(sl_expr_resolve(e), 0);
    ck_assert_int_eq(sl_expr_eval_bool(e, m), 1);
    sl_expr_free(e);
    /* numbers are syslog.h constants: facility "16" is mail (16 >> 3), severity "4" warning */
    e = B(SL_E_EQ, P("syslogfacility-text"), S("16"));
    ck_assert_int_eq(sl_expr_resolve(e), 0);
    ck_assert_int_eq(sl_expr_eval_bool(e, m), 1);
    sl_expr_free(e);
    e = B(SL_E_EQ, P("syslogseverity-text"), S("4"));
    ck_assert_int_eq(sl_expr_resolve(e), 0);
    ck_assert_int_eq(sl_expr_eval_bool(e, m), 1);
    sl_expr_free(e);
    e = B(SL_E_EQ, P("syslogseverity-text"), S("none"));   /* accepted, never true */
    ck_assert_int_eq(sl_expr_resolve(e), 0);
    ck_assert_int_eq(sl_expr_eval_bool(e, m), 0);
    sl_expr_free(e);
    free_msg(m);
}
END_TEST

START_TEST(test_resolve_errors)
{
    struct sl_expr *e;
    int before;

    sl_log_set_stderr(0);
    before = sl_cfg_error_count();
    e = F("nosuchfn", 1, N(1));
    ck_assert_int_eq(sl_expr_resolve(e), 1);
    sl_expr_free(e);
    e = F("re_match", 1, P("msg"));
    ck_assert_int_eq(sl_expr_resolve(e), 1);
    sl_expr_free(e);
    e = F("wrap", 4, S("a"), S("b"), S("c"), S("d"));
    ck_assert_int_eq(sl_expr_resolve(e), 1);
    sl_expr_free(e);
    e = F("re_match", 2, P("msg"), S("a("));   /* bad ERE */
    ck_assert_int_eq(sl_expr_resolve(e), 1);
    sl_expr_free(e);
    e = F("re_extract", 5, P("msg"), P("msg"), N(0), N(0), S(""));   /* not constant */
    ck_assert_int_eq(sl_expr_resolve(e), 1);
    sl_expr_free(e);
    e = F("prifilt", 1, S("nosuchfac.info"));
    ck_assert_int_eq(sl_expr_resolve(e), 1);
    sl_expr_free(e);
    e = F("exists", 1, P("msg"));
    ck_assert_int_eq(sl_expr_resolve(e), 1);
    sl_expr_free(e);
    e = F("lookup", 2, P("msg"), P("msg"));   /* table name must be constant */
    ck_assert_int_eq(sl_expr_resolve(e), 1);
    sl_expr_free(e);
    e = F("exec_template", 1, P("msg"));        /* template name must be constant */
    ck_assert_int_eq(sl_expr_resolve(e), 1);
    sl_expr_free(e);
    e = F("exec_template", 1, S("t"));          /* bound later by the engine */
    ck_assert_int_eq(sl_expr_resolve(e), 0);
    sl_expr_free(e);
    e = F("dyn_inc", 2, S("b"), S("k"));        /* known to rsyslog, not implemented */
    ck_assert_int_eq(sl_expr_resolve(e), 1);
    sl_expr_free(e);
    /* errors inside nested expressions are counted too */
    e = B(SL_E_AND, F("nosuchfn", 0), F("re_match", 2, P("msg"), S("[")));
    ck_assert_int_eq(sl_expr_resolve(e), 2);
    sl_expr_free(e);
    /* impossible constants for the numeric priority properties, bad names for the text
     * ones (rsyslogd -N1 exits 1 for these) */
    e = B(SL_E_EQ, P("syslogseverity"), N(9));
    ck_assert_int_eq(sl_expr_resolve(e), 1);
    sl_expr_free(e);
    e = B(SL_E_GT, P("syslogfacility"), N(25));
    ck_assert_int_eq(sl_expr_resolve(e), 1);
    sl_expr_free(e);
    e = B(SL_E_EQ, P("syslogfacility-text"), S("bogus"));
    ck_assert_int_eq(sl_expr_resolve(e), 1);
    sl_expr_free(e);
    e = B(SL_E_NE, P("syslogseverity-text"), S("bogus"));
    ck_assert_int_eq(sl_expr_resolve(e), 1);
    sl_expr_free(e);
    ck_assert_int_eq(sl_cfg_error_count() - before, 16);
    e = B(SL_E_LE, P("syslogseverity"), N(7));
    ck_assert_int_eq(sl_expr_resolve(e), 0);
    sl_expr_free(e);
    /* the BRE-only form is fine as ERE here: "\\{" is a literal brace */
    e = F("re_match", 2, P("msg"), S("\\{x\\}"));
    ck_assert_int_eq(sl_expr_resolve(e), 0);
    sl_expr_free(e);
}
END_TEST

/* ---- threads: one shared tree, per-thread regex copies ---- */
struct thr_arg {
    const struct sl_expr *e;
    int ok;
    size_t cache;
};

static void *thr_main(void *p)
{
    struct thr_arg *a = p;
    int i;

    a->ok = 1;
    for (i = 0; i < 2000 && a->ok; i++) {
        struct sl_msg *m = mk_msg((i & 1) ? "user=bob id=42" : "nothing here", 13);
        char *s = sl_expr_eval_str(a->e, m);
        if (strcmp(s, (i & 1) ? "42" : "none") != 0) {
            a->ok = 0;
        }
        free(s);
        free_msg(m);
    }
    a->cache = sl_re_cache_size();
    return NULL;
}

START_TEST(test_threads)
{
    struct sl_expr *e = F("re_extract", 5, P("msg"), S("id=([0-9]+)"), N(0), N(1), S("none"));
    pthread_t t[4];
    struct thr_arg a[4];
    int i;

    ck_assert_int_eq(sl_expr_resolve(e), 0);
    for (i = 0; i < 4; i++) {
        a[i].e = e;
        ck_assert_int_eq(pthread_create(&t[i], NULL, thr_main, &a[i]), 0);
    }
    for (i = 0; i < 4; i++) {
        pthread_join(t[i], NULL);
        ck_assert(a[i].ok);
        ck_assert_int_eq(a[i].cache, 1);   /* one private copy per thread */
    }
    sl_expr_free(e);
    sl_re_cache_flush();
    ck_assert_int_eq(sl_re_cache_size(), 0);
}
END_TEST

START_TEST(test_regex_cache)
{
    static _Atomic uint64_t site;   /* a use site's id word, zero when made */

    sl_re_cache_flush();
    ck_assert_int_eq(sl_re_exec(&site, "^ab+c$", REG_EXTENDED, "abbbc", 5, 0, NULL), 0);
    ck_assert_uint_ne(site, 0);     /* given an id on first use */
    ck_assert_int_eq(sl_re_exec(&site, "^ab+c$", REG_EXTENDED, "abbbcX", 5, 0, NULL), 0);
    ck_assert_int_eq(sl_re_exec(&site, "^ab+c$", REG_EXTENDED, "ac", 2, 0, NULL), REG_NOMATCH);
    ck_assert_int_eq(sl_re_cache_size(), 1);
    /* a later configuration's site at the same address (zeroed again when made): its own
     * pattern, never the earlier copy */
    site = 0;
    ck_assert_int_eq(sl_re_exec(&site, "^x", REG_EXTENDED, "abbbc", 5, 0, NULL), REG_NOMATCH);
    ck_assert_int_eq(sl_re_exec(&site, "^x", REG_EXTENDED, "xyz", 3, 0, NULL), 0);
    ck_assert_int_eq(sl_re_cache_size(), 2);
    /* two sites with the same text, BRE and ERE: each keeps its own flags */
    {
        _Atomic uint64_t bre = 0, ere = 0;
        ck_assert_int_eq(sl_re_exec(&bre, "a+", 0, "a+", 2, 0, NULL), 0);
        ck_assert_int_eq(sl_re_exec(&ere, "a+", REG_EXTENDED, "a+", 2, 0, NULL), 0);
        ck_assert_int_eq(sl_re_exec(&bre, "a+", 0, "aa", 2, 0, NULL), REG_NOMATCH);
        ck_assert_int_eq(sl_re_exec(&ere, "a+", REG_EXTENDED, "aa", 2, 0, NULL), 0);
        ck_assert_int_eq(sl_re_exec(&bre, "a+", 0, "aa", 2, 0, NULL), REG_NOMATCH);
        ck_assert_uint_ne(bre, ere);
    }
    /* after a flush (a reload frees the tables) the same site compiles its pattern again */
    sl_re_cache_flush();
    ck_assert_int_eq(sl_re_exec(&site, "^x", REG_EXTENDED, "abbbc", 5, 0, NULL), REG_NOMATCH);
    ck_assert_int_eq(sl_re_exec(&site, "^x", REG_EXTENDED, "xyz", 3, 0, NULL), 0);
    ck_assert_int_eq(sl_re_cache_size(), 1);
    /* an invalid pattern reports the regcomp error instead of matching */
    {
        _Atomic uint64_t bad = 0;
        ck_assert_int_ne(sl_re_exec(&bad, "(", REG_EXTENDED, "(", 1, 0, NULL), 0);
        ck_assert_int_ne(sl_re_exec(&bad, "(", REG_EXTENDED, "(", 1, 0, NULL), 0);
    }
    /* many sites: the table grows and keeps every entry */
    {
        static _Atomic uint64_t sites[200];
        int i;
        for (i = 0; i < 200; i++) {
            ck_assert_int_eq(sl_re_exec(&sites[i], i % 2 ? "b" : "^b", REG_EXTENDED, "abc", 3,
                                        0, NULL), i % 2 ? 0 : REG_NOMATCH);
        }
        ck_assert_int_eq(sl_re_cache_size(), 202);
        for (i = 0; i < 200; i++) {
            ck_assert_int_eq(sl_re_exec(&sites[i], i % 2 ? "b" : "^b", REG_EXTENDED, "bxyz", 4,
                                        0, NULL), 0);
            ck_assert_int_eq(sl_re_exec(&sites[i], i % 2 ? "b" : "^b", REG_EXTENDED, "xbyz", 4,
                                        0, NULL), i % 2 ? 0 : REG_NOMATCH);
        }
        ck_assert_int_eq(sl_re_cache_size(), 202);
    }
    sl_re_cache_flush();
    ck_assert_int_eq(sl_re_cache_size(), 0);
}
END_TEST

static Suite *expr_suite(void)
{
    Suite *s = suite_create("expr");
    TCase *tc = tcase_create("core");

    tcase_set_timeout(tc, 30);
    tcase_add_test(tc, test_truth);
    tcase_add_test(tc, test_compare_eq);
    tcase_add_test(tc, test_compare_order);
    tcase_add_test(tc, test_string_ops);
    tcase_add_test(tc, test_functions_string);
    tcase_add_test(tc, test_functions_num);
    tcase_add_test(tc, test_functions_regex);
    tcase_add_test(tc, test_functions_time_json);
    tcase_add_test(tc, test_variables);
    tcase_add_test(tc, test_prifilt);
    tcase_add_test(tc, test_facility_text_optimized);
    tcase_add_test(tc, test_resolve_errors);
    tcase_add_test(tc, test_cnum_const_vs_runtime);
    tcase_add_test(tc, test_variables_case);
    tcase_add_test(tc, test_regex_cache);
    tcase_add_test(tc, test_threads);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(expr_suite());
    int nf;

    setenv("SLUICE_TEST_ENV", "hello env", 1);
    srunner_run_all(sr, CK_NORMAL);
    nf = srunner_ntests_failed(sr);
    srunner_free(sr);
    return nf == 0 ? 0 : 1;
}
