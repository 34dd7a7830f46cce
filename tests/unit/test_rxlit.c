/*
 * test_rxlit.c - unit tests of the regex literal prefilter (core/util/sl_rxlit.c): what the
 * analysis derives for typical patterns, and its answers against glibc's regexec() on a
 * table of patterns x subjects and on a bounded pseudo-random differential (fixed seed,
 * small alphabets), in the C locale and, where installed, in C.UTF-8.  The two properties
 * checked everywhere: "no match" from the prefilter => regexec() finds no match; an
 * exact verdict == regexec()'s answer.  regexec() gets the subject as sl_re_exec() passes
 * it (REG_STARTEND over the whole length, NULs included).
 *
 * Ownership: every test compiles and frees its own patterns.
 * Concurrency & locking: single-threaded; the locale tests switch LC_CTYPE and restore "C".
 */
#include "config.h"

#include <check.h>
#include <locale.h>
#include <regex.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/sl_regcomp.h"
#include "util/sl_rxlit.h"

static unsigned long n_decided;   /* answers given without regexec(), over all checks */

/* regexec() as sl_re_exec() calls it: 1 match, 0 no match */
static int re_says(regex_t *re, const char *s, size_t len)
{
    regmatch_t pm[1];
    int rc;

    pm[0].rm_so = 0;
    pm[0].rm_eo = (regoff_t)len;
    rc = regexec(re, s, 1, pm, REG_STARTEND);
    ck_assert(rc == 0 || rc == REG_NOMATCH);
    return rc == 0;
}

/* compile pat, then check both properties on every subject; returns 0 when regcomp
 * refused the pattern (nothing to compare) */
static int diff_one(const char *pat, int cflags, const char *const *subj, const size_t *lens,
                    size_t nsubj)
{
    regex_t re;
    struct sl_rxlit rl;
    size_t i;

    if (sl_regcomp(&re, pat, cflags) != 0) {
        return 0;
    }
    sl_rxlit_analyse(&rl, pat, cflags);
    for (i = 0; i < nsubj; i++) {
        int want = re_says(&re, subj[i], lens[i]);
        int pre = sl_rxlit_check(&rl, subj[i], lens[i], 0);
        int ex = sl_rxlit_check(&rl, subj[i], lens[i], 1);
        if (pre == SL_RXLIT_NOMATCH && want) {
            ck_abort_msg("prefilter rejects a match: pattern '%s' flags %#x subject '%.*s' "
                         "(literal '%.*s')", pat, cflags, (int)lens[i], subj[i], rl.len,
                         (const char *)rl.lit);
        }
        ck_assert_msg(pre != SL_RXLIT_MATCH, "prefilter without verdict said match");
        if (ex != SL_RXLIT_UNKNOWN && ex != want) {
            ck_abort_msg("exact verdict %d, regexec %d: pattern '%s' flags %#x subject '%.*s'",
                         ex, want, pat, cflags, (int)lens[i], subj[i]);
        }
        n_decided += ex != SL_RXLIT_UNKNOWN;
    }
    regfree(&re);
    return 1;
}

/* ---- what the analysis derives ---- */

struct want {
    const char *pat;
    int cflags;
    const char *lit;     /* required literal, "" none */
    int exact, bol, eol;
};

static const struct want wants[] = {
    { "error", 0, "error", 1, 0, 0 },
    { "error", REG_EXTENDED, "error", 1, 0, 0 },
    { "^sshd", 0, "sshd", 1, 1, 0 },
    { "^sshd", REG_EXTENDED, "sshd", 1, 1, 0 },
    { ".*fail.*", REG_EXTENDED, "fail", 1, 0, 0 },
    { "^.*fail", 0, "fail", 1, 0, 0 },
    { "timeout$", REG_EXTENDED, "timeout", 1, 0, 1 },
    { "^exact$", 0, "exact", 1, 1, 1 },
    { "^$", REG_EXTENDED, "", 1, 1, 1 },
    { "", 0, "", 1, 0, 0 },
    { "ERROR", REG_ICASE, "error", 1, 0, 0 },
    { "{.*}", 0, "{", 1, 0, 0 },                 /* bench tcp_regex_route's filter */
    { "^user .*failed$", REG_EXTENDED, "failed", 1, 1, 1 },
    { "a.*bc.*d.*e", REG_EXTENDED, "bc", 1, 0, 0 },
    { "a.*b.*c.*d.*e", REG_EXTENDED, "a", 0, 0, 0 },   /* 5 segments: prefilter only */
    { "a.*.*b", 0, "a", 1, 0, 0 },
    { "a.+b", REG_EXTENDED, "a", 0, 0, 0 },
    { "a(b|c)d", REG_EXTENDED, "a", 0, 0, 0 },
    { "a\\(b\\|c\\)dd", 0, "dd", 0, 0, 0 },
    { "a(b)|c", REG_EXTENDED, "", 0, 0, 0 },
    { "a\\|bc", 0, "", 0, 0, 0 },
    { "a|bc", 0, "a|bc", 1, 0, 0 },              /* BRE: | ( ) + ? { } are literals */
    { "ab+cd", REG_EXTENDED, "ab", 0, 0, 0 },
    { "ab*cd", REG_EXTENDED, "cd", 0, 0, 0 },
    { "xab?c", REG_EXTENDED, "xa", 0, 0, 0 },
    { "ab\\+c", 0, "ab", 0, 0, 0 },
    { "a+b", 0, "a+b", 1, 0, 0 },
    { "port [0-9]+ closed", REG_EXTENDED, " closed", 0, 0, 0 },
    { "x[]a]yz", REG_EXTENDED, "yz", 0, 0, 0 },
    { "[[:digit:]]abc", REG_EXTENDED, "abc", 0, 0, 0 },
    { "a\\.b\\*c", 0, "a.b*c", 1, 0, 0 },
    { "a\\(b", REG_EXTENDED, "a(b", 1, 0, 0 },
    { "a{2}", REG_EXTENDED, "", 0, 0, 0 },      /* intervals: given up */
    { "ab\\{2\\}", 0, "", 0, 0, 0 },
    { "\\(ab\\)\\1", 0, "", 0, 0, 0 },          /* back-reference */
    { "\\bword", REG_EXTENDED, "", 0, 0, 0 },   /* GNU escape */
    { "\\w+ing", REG_EXTENDED, "", 0, 0, 0 },
    { "[[.a.]]xy", REG_EXTENDED, "", 0, 0, 0 },
    { "*ab", 0, "", 0, 0, 0 },                  /* BRE leading * is a literal: given up */
    { "a^b", 0, "a", 0, 0, 0 },                 /* BRE ^ inside: not modelled */
    { "a$b", 0, "a", 0, 0, 0 },
    { "error", REG_NEWLINE, "error", 0, 0, 0 }, /* REG_NEWLINE: prefilter only */
    { "a.*b", REG_EXTENDED, "a", 1, 0, 0 },
    { "a.b", REG_EXTENDED, "a", 0, 0, 0 },
    { ".*", REG_EXTENDED, "", 1, 0, 0 },
    { "ab)", REG_EXTENDED, "", 0, 0, 0 },       /* unmatched ) */
};

START_TEST(analysis)
{
    for (size_t i = 0; i < sizeof(wants) / sizeof(wants[0]); i++) {
        const struct want *w = &wants[i];
        struct sl_rxlit rl;
        sl_rxlit_analyse(&rl, w->pat, w->cflags);
        ck_assert_msg(rl.len == strlen(w->lit) && memcmp(rl.lit, w->lit, rl.len) == 0,
                      "'%s' %#x: literal '%.*s', want '%s'", w->pat, w->cflags, rl.len,
                      (const char *)rl.lit, w->lit);
        ck_assert_msg(rl.exact == w->exact, "'%s': exact %d", w->pat, rl.exact);
        if (w->exact) {
            ck_assert_msg(rl.bol == w->bol && rl.eol == w->eol, "'%s': bol %d eol %d", w->pat,
                          rl.bol, rl.eol);
        }
    }
}
END_TEST

/* ---- table: patterns x subjects against regexec ---- */

static const char *const tpats[] = {
    "error", "^sshd", ".*fail.*", "timeout$", "^exact$", "^$", "", ".*", "^.*$", "^.*x",
    "x.*$", "ab", "a|b", "a\\|b", "(ab|cd)e", "\\(ab\\|cd\\)e", "a(b)c", "a\\(b\\)c",
    "[ab]c", "x[^a]y", "[]]x", "[[:alpha:]]z", "a\\.b", "a\\{2\\}", "a{2}", "a{2,3}b",
    "\\(a\\)\\1", "(a)\\1", "ab+c", "ab\\+c", "ab?c", "ab\\?c", "ab*c", "a+b", "a?b",
    "{.*}", "\\{.*\\}", "^a.*b$", "a^b", "a$b", "^*a", "a**b", "(a*)*b", "KELVIN", "k",
    "\\w", "\\bab", "a\\|", "|a", "()", "(|a)b", "a\\nb", "x\\/y", "^^a", "a$$",
    "^a.*b", "a.*b$", "^a.*b$", "^ab.*ab$", "a.*a", "ab.*bc.*c", "^.*a.*$", "{.*}$", "x.*y.*z",
    "^a.*a.*a$", "^e.*r", "e.*r.*r$",
};

static const char subj_buf[][16] = {
    "error", "an error here", "ERROR", "sshd[1]: x", "x sshd", "fail", "it failed",
    "timeout", "a timeout x", "exact", "exactly", "", "x", "ab", "a", "b", "cde", "abe",
    "ac", "bc", "xay", "xby", "]x", "zz", "a.b", "axb", "aa", "aab", "aaab", "abc", "abbc",
    "ac", "b", "{}", "{a}", "x{y", "a^b", "a$b", "*a", "kelvin", "\xe2\x84\xaa", "a\nb",
    "x/y", "a|b", "a\\|b", "aba", "abab", "xyz", "zyx", "aaa", "abcbc", "eror", "error r",
};

START_TEST(table)
{
    const char *subj[64];
    size_t lens[64], n = 0, i;

    for (i = 0; i < sizeof(subj_buf) / sizeof(subj_buf[0]); i++, n++) {
        subj[n] = subj_buf[i];
        lens[n] = strlen(subj_buf[i]);
    }
    /* NUL inside the subject: regexec with REG_STARTEND reads past it */
    subj[n] = "x\0error";  lens[n++] = 7;
    subj[n] = "\0sshd";    lens[n++] = 5;
    subj[n] = "a\0b";      lens[n++] = 3;
    subj[n] = "exact\0";   lens[n++] = 6;
    subj[n] = "\0";        lens[n++] = 1;
    ck_assert_uint_le(n, 64);
    static const int flags[] = {
        0, REG_EXTENDED, REG_ICASE, REG_EXTENDED | REG_ICASE, REG_NEWLINE,
        REG_EXTENDED | REG_NEWLINE, REG_NOSUB, REG_EXTENDED | REG_NOSUB | REG_ICASE,
    };
    for (size_t f = 0; f < sizeof(flags) / sizeof(flags[0]); f++) {
        for (i = 0; i < sizeof(tpats) / sizeof(tpats[0]); i++) {
            (void)diff_one(tpats[i], flags[f], subj, lens, n);
        }
    }
    ck_assert_uint_gt(n_decided, 0);
}
END_TEST

/* ---- pseudo-random differential ---- */

static uint32_t rnd_state;

static uint32_t rnd(uint32_t n)
{
    rnd_state = rnd_state * 1103515245u + 12345u;
    return (rnd_state >> 8) % n;
}

/* pattern and subject alphabets: a few literals (both cases), the operators of both
 * syntaxes, anchors, brackets, and (subjects) NUL, newline and non-ASCII bytes */
static const char pat_atoms[][4] = {
    "a", "b", "A", "k", ".", "*", "+", "?", "|", "(", ")", "^", "$", "[", "]", "\\",
    "\\(", "\\)", "\\|", "\\+", "\\?", "\\.", "{", "}", "\\{", "\\}", ".*", "[ab]", "[^a]",
    "\\1", "-", "\n",
};
static const char subj_bytes[] = "abAkK.*|(){}\n\0\x80\xe2\x84\xaa\xff";

static void random_diff(unsigned long rounds, uint32_t seed, int *compiled)
{
    static const int flags[] = { 0, REG_EXTENDED, REG_ICASE, REG_EXTENDED | REG_ICASE,
                                 REG_NEWLINE, REG_EXTENDED | REG_NEWLINE };
    char pat[64];
    char sbuf[16][16];
    const char *subj[16];
    size_t lens[16];

    rnd_state = seed;
    for (unsigned long r = 0; r < rounds; r++) {
        size_t np = rnd(7), pl = 0;
        pat[0] = '\0';
        for (size_t k = 0; k < np; k++) {
            const char *a = pat_atoms[rnd(sizeof(pat_atoms) / sizeof(pat_atoms[0]))];
            if (pl + strlen(a) < sizeof(pat)) {
                memcpy(pat + pl, a, strlen(a) + 1);
                pl += strlen(a);
            }
        }
        for (size_t k = 0; k < 16; k++) {
            size_t sl = rnd(9);
            for (size_t j = 0; j < sl; j++) {
                sbuf[k][j] = subj_bytes[rnd(sizeof(subj_bytes) - 1)];
            }
            /* half the subjects contain a piece of the pattern, so that matches occur */
            if (k % 2 == 1 && pl > 0) {
                size_t off = rnd((uint32_t)pl), m = 1 + rnd(4);
                for (size_t j = 0; j < m && off + j < pl && sl + 1 < sizeof(sbuf[k]); j++) {
                    sbuf[k][sl++] = pat[off + j] == '\\' ? 'a' : pat[off + j];
                }
            }
            sbuf[k][sl] = '\0';             /* ASan's regexec() reads up to a NUL */
            subj[k] = sbuf[k];
            lens[k] = sl;
        }
        *compiled += diff_one(pat, flags[rnd(sizeof(flags) / sizeof(flags[0]))], subj, lens, 16);
    }
}

START_TEST(random_c)
{
    int compiled = 0;
    unsigned long before = n_decided;

    random_diff(20000, 20261207u, &compiled);
    ck_assert_int_gt(compiled, 5000);
    ck_assert_uint_gt(n_decided - before, 1000);
}
END_TEST

/* C.UTF-8 (skipped when not installed): no exact verdicts, no REG_ICASE prefilter */
START_TEST(random_utf8)
{
    int compiled = 0;
    struct sl_rxlit rl;

    if (setlocale(LC_CTYPE, "C.UTF-8") == NULL) {
        return;
    }
    sl_rxlit_analyse(&rl, "k", REG_ICASE);
    ck_assert_uint_eq(rl.len, 0);           /* U+212A KELVIN SIGN matches `k` */
    sl_rxlit_analyse(&rl, "error", 0);
    ck_assert_uint_eq(rl.len, 5);
    ck_assert_uint_eq(rl.exact, 0);
    sl_rxlit_analyse(&rl, "\xe2\x84\xaa", 0);
    ck_assert_uint_eq(rl.len, 0);
    static const char *const s1[] = { "\xe2\x84\xaa", "K", "x" };
    static const size_t l1[] = { 3, 1, 1 };
    ck_assert(diff_one("k", REG_ICASE, s1, l1, 3));
    static const char *const s2[] = { "\xff", "a\xff", "ab" };
    static const size_t l2[] = { 1, 2, 2 };
    ck_assert(diff_one("^a.*$", REG_EXTENDED, s2, l2, 3));
    random_diff(5000, 7u, &compiled);
    ck_assert_int_gt(compiled, 1000);
    setlocale(LC_CTYPE, "C");
}
END_TEST

static Suite *rxlit_suite(void)
{
    Suite *s = suite_create("rxlit");
    TCase *tc = tcase_create("core");

    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, analysis);
    tcase_add_test(tc, table);
    tcase_add_test(tc, random_c);
    tcase_add_test(tc, random_utf8);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(rxlit_suite());
    int failed;

    setlocale(LC_CTYPE, "C");
    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
