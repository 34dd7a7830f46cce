/*
 * test_ruletest_expect.c - unit tests for the rule tester's expectations files
 * (core/ruletest_expect.c): escaping round trip, the file format (cases, options,
 * expect-nothing, the errors with FILE:LINE) and the diff of a failing expectation.
 *
 * Ownership: each test frees what it loads.  Concurrency & locking: single-threaded.
 */
#include "config.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ruletest_expect.h"
#include "util/buf.h"

static FILE *text(const char *s)
{
    return fmemopen((void *)s, strlen(s), "r");
}

static int load(const char *s, struct sl_rt_case **c, size_t *n, char *err, size_t es)
{
    FILE *f = text(s);
    ck_assert_ptr_nonnull(f);
    int rc = sl_rt_expect_load(f, "x.exp", c, n, err, es);
    fclose(f);
    return rc;
}

START_TEST(test_escape_roundtrip)
{
    static const char raw[] = "a\\b\n\tc\r\x01\x7f\xc3\xa9 end";
    struct sl_buf b = { 0 };
    char err[100];
    size_t len;

    sl_rt_escape(&b, raw, sizeof raw - 1, 0);
    (void)sl_buf_putc(&b, '\0');
    ck_assert_str_eq(b.p, "a\\\\b\\n\\tc\\r\\x01\\x7f\\xc3\\xa9 end");
    char *back = sl_rt_unescape(b.p, &len, err, sizeof err);
    ck_assert_ptr_nonnull(back);
    ck_assert_uint_eq(len, sizeof raw - 1);
    ck_assert_mem_eq(back, raw, len);
    free(back);
    b.len = 0;
    sl_rt_escape(&b, "/a b", 4, 1);   /* destinations: spaces escaped too */
    (void)sl_buf_putc(&b, '\0');
    ck_assert_str_eq(b.p, "/a\\x20b");
    sl_buf_free(&b);
    ck_assert_ptr_null(sl_rt_unescape("bad \\q", &len, err, sizeof err));
    ck_assert_ptr_nonnull(strstr(err, "\\q"));
    ck_assert_ptr_null(sl_rt_unescape("\\x4", &len, err, sizeof err));
    ck_assert_ptr_null(sl_rt_unescape("end\\", &len, err, sizeof err));
}
END_TEST

START_TEST(test_load_cases)
{
    struct sl_rt_case *c = NULL;
    size_t n = 0;
    char err[300];
    int rc = load("# comment\n\n"
                  "input <13>Jan  1 00:00:00 h app: one\n"
                  "inputname imudp\n"
                  "fromhost web1/10.0.0.1\n"
                  "expect /var/log/a.log Jan  1 00:00:00 h app: one\\n\n"
                  "expect tcp://10.0.0.9:514 <13>one\\n\n"
                  "  input two\\ttab\n"
                  "ruleset remote\n"
                  "time 2026-12-06T19:35:00.5Z\n"
                  "expect-nothing\n", &c, &n, err, sizeof err);
    ck_assert_msg(rc == 0, "%s", err);
    ck_assert_uint_eq(n, 2);
    ck_assert_str_eq(c[0].input, "<13>Jan  1 00:00:00 h app: one");
    ck_assert_int_eq(c[0].line, 3);
    ck_assert_str_eq(c[0].inputname, "imudp");
    ck_assert_str_eq(c[0].fromhost, "web1/10.0.0.1");
    ck_assert_ptr_null(c[0].ruleset);
    ck_assert_ptr_null(c[0].time);
    ck_assert_uint_eq(c[0].nexp, 2);
    ck_assert_str_eq(c[0].exp[0].dest, "/var/log/a.log");
    ck_assert_str_eq(c[0].exp[0].bytes, "Jan  1 00:00:00 h app: one\n");
    ck_assert_str_eq(c[0].exp[1].dest, "tcp://10.0.0.9:514");
    ck_assert_str_eq(c[1].input, "two\ttab");
    ck_assert_str_eq(c[1].ruleset, "remote");
    ck_assert_str_eq(c[1].time, "2026-12-06T19:35:00.5Z");
    ck_assert_uint_eq(c[1].nexp, 0);
    ck_assert_int_eq(c[0].end, 0);
    sl_rt_cases_free(c, n);

    /* end-of-input: a case without input, for what the actions hold at the end */
    rc = load("input a\nexpect-nothing\nend-of-input\nexpect /x a repeated\\n\n", &c, &n,
              err, sizeof err);
    ck_assert_msg(rc == 0, "%s", err);
    ck_assert_uint_eq(n, 2);
    ck_assert_int_eq(c[1].end, 1);
    ck_assert_int_eq(c[1].line, 3);
    ck_assert_uint_eq(c[1].nexp, 1);
    ck_assert_str_eq(c[1].exp[0].bytes, "a repeated\n");
    sl_rt_cases_free(c, n);
}
END_TEST

START_TEST(test_load_errors)
{
    struct sl_rt_case *c = NULL;
    size_t n = 0;
    char err[300];

    ck_assert_int_eq(load("expect /x a\n", &c, &n, err, sizeof err), -1);
    ck_assert_ptr_nonnull(strstr(err, "x.exp:1: "));
    ck_assert_int_eq(load("input a\n", &c, &n, err, sizeof err), -1);
    ck_assert_ptr_nonnull(strstr(err, "x.exp:1: the case has no 'expect' line"));
    ck_assert_int_eq(load("input a\nexpect /x\n", &c, &n, err, sizeof err), -1);
    ck_assert_ptr_nonnull(strstr(err, "x.exp:2: expect needs DEST and BYTES"));
    ck_assert_int_eq(load("input a\nexpect /x \\z\n", &c, &n, err, sizeof err), -1);
    ck_assert_ptr_nonnull(strstr(err, "x.exp:2: unknown escape"));
    ck_assert_int_eq(load("input a\nexpcet /x b\n", &c, &n, err, sizeof err), -1);
    ck_assert_ptr_nonnull(strstr(err, "x.exp:2: unknown line"));
    ck_assert_int_eq(load("input a\nexpect /x b\nexpect-nothing\n", &c, &n, err, sizeof err), -1);
    ck_assert_int_eq(load("# only a comment\n", &c, &n, err, sizeof err), -1);
    ck_assert_ptr_nonnull(strstr(err, "no 'input' line"));
}
END_TEST

#define O(d, b) { (char *)(d), (char *)(b), sizeof(b) - 1 }

START_TEST(test_diff)
{
    struct sl_rt_out want[] = {
        O("/a", "one\n"), O("/b", "two\n"), O("/c", "three\n"),
    };
    struct sl_rt_out got[] = {
        O("/a", "one\n"), O("/b", "TWO\n"), O("/c", "three\n"),
    };
    struct sl_buf d = { 0 };

    ck_assert_int_eq(sl_rt_expect_diff(want, 3, want, 3, &d), 0);
    d.len = 0;
    ck_assert_int_eq(sl_rt_expect_diff(want, 3, got, 3, &d), 1);
    (void)sl_buf_putc(&d, '\0');
    ck_assert_str_eq(d.p, " /a one\\n\n-/b two\\n\n+/b TWO\\n\n /c three\\n\n");
    d.len = 0;
    ck_assert_int_eq(sl_rt_expect_diff(want, 2, want, 3, &d), 1);   /* one output more */
    (void)sl_buf_putc(&d, '\0');
    ck_assert_str_eq(d.p, " /a one\\n\n /b two\\n\n+/c three\\n\n");
    d.len = 0;
    ck_assert_int_eq(sl_rt_expect_diff(want, 1, NULL, 0, &d), 1);   /* nothing fired */
    (void)sl_buf_putc(&d, '\0');
    ck_assert_str_eq(d.p, "-/a one\\n\n");
    sl_buf_free(&d);
}
END_TEST

static Suite *expect_suite(void)
{
    Suite *s = suite_create("ruletest_expect");
    TCase *tc = tcase_create("core");

    tcase_add_test(tc, test_escape_roundtrip);
    tcase_add_test(tc, test_load_cases);
    tcase_add_test(tc, test_load_errors);
    tcase_add_test(tc, test_diff);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(expect_suite());
    int nf;

    srunner_run_all(sr, CK_NORMAL);
    nf = srunner_ntests_failed(sr);
    srunner_free(sr);
    return nf == 0 ? 0 : 1;
}
