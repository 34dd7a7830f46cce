/*
 * ruletest_expect.h - the rule tester's expectations files (sluiced --test --test-expect)
 * and its byte escaping (core/ruletest_expect.c; format in doc/ruletest.md).
 *
 * Ownership: sl_rt_expect_load() returns cases the caller frees with sl_rt_cases_free().
 * Concurrency & locking: none (pure functions, main thread).
 */
#ifndef SLUICE_CORE_RULETEST_EXPECT_H
#define SLUICE_CORE_RULETEST_EXPECT_H

#include <stddef.h>
#include <stdio.h>

#include "sluice/sl_plugin.h"

/* One action's output: where it goes (file path, "tcp://host:port", action name) and the
 * exact bytes. */
struct sl_rt_out {
    char *dest;
    char *bytes;
    size_t len;
};

/* One sample line with its input options and the outputs it must produce, in order. */
struct sl_rt_case {
    char *input;
    size_t input_len;
    char *inputname, *fromhost, *ruleset;   /* NULL: the command line's */
    char *time;                             /* receive time; NULL: the command line's */
    int line;                               /* of its "input" line */
    int end;                                /* "end-of-input": no input, the outputs at
                                               the end (held repeats let through) */
    struct sl_rt_out *exp;
    size_t nexp;
};

/* Append p[0..n) with C escapes (\\ \n \t \r \xHH for other bytes < 0x20 or >= 0x7f; with
 * esc_space also ' ' as \x20), so the text stays on one line and reads back exactly. */
void sl_rt_escape(struct sl_buf *out, const char *p, size_t n, int esc_space);
/* Decode those escapes (and \" \a \b \f \v \0); returns a malloc'ed NUL-terminated copy
 * with its length in *len, or NULL (message in err) on a bad escape. */
char *sl_rt_unescape(const char *s, size_t *len, char *err, size_t errsz);

/* Read an expectations file; 0, or -1 with "NAME:LINE: reason" in err. */
int sl_rt_expect_load(FILE *f, const char *name, struct sl_rt_case **cases, size_t *n,
                      char *err, size_t errsz);
void sl_rt_cases_free(struct sl_rt_case *cases, size_t n);
void sl_rt_outs_free(struct sl_rt_out *v, size_t n);

/* Compare the expected outputs with the predicted ones: 0 when equal (same order), else 1
 * and a line diff in out (" " both, "-" expected only, "+" predicted only), each line
 * "DEST BYTES" in the file's escaped form. */
int sl_rt_expect_diff(const struct sl_rt_out *want, size_t nw, const struct sl_rt_out *got,
                      size_t ng, struct sl_buf *out);

#endif
