/*
 * fuzz_lookup.c - libFuzzer target for lookup tables (core/expr/lookup.c): a table file in
 * rsyslog's JSON format (version 1: "string", "array", "sparseArray", "nomatch") loaded as
 * lookup_table() does at start and at HUP, then lookup("t", key) evaluated for keys from
 * the input, as strings and as numbers (the array and sparseArray indexes, rsyslog's
 * 32-bit arithmetic, the sparse search).  The file is outside input in the sense that the
 * daemon reloads it on HUP from wherever the administrator's tooling writes it.
 *
 * Input: byte 0 chooses options (bit 0: reload the table from the same file and check every
 * answer is unchanged; bit 1: a second reload from an emptied file, which fails and stubs
 * the table with "STUB"); the table text follows, ended by a NUL; then keys, one a line (at
 * most 64).  The table is written to a memfd and loaded through /proc/self/fd/N.
 * Invariants checked (abort on failure): every lookup gives a string (the value, the
 * nomatch text, or "TABLE-NOT-FOUND" when the file did not load); a reload of the same
 * file gives the same answer for every key; after the stub every key gives "STUB".
 *
 * Ownership: the memfd is opened once and kept; the table, the expression nodes and the
 * message are per input and freed before returning.  Concurrency & locking: none (one
 * thread; lookup() itself takes the table's read lock, the reload its write lock).
 */
#include "config.h"

#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "fuzz.h"
#include "fuzzseed.h"
#include "log.h"
#include "util/buf.h"
#include "expr/eval_int.h"

#define MAX_KEYS 64

static int memfd = -1;
static char path[64];

static int write_file(const char *p, size_t n)
{
    if (ftruncate(memfd, 0) != 0 || (n > 0 && pwrite(memfd, p, n, 0) != (ssize_t)n)) {
        return -1;
    }
    return 0;
}

static struct sl_expr *node(enum sl_expr_op op, const char *s, size_t n)
{
    struct sl_expr *e = sl_xcalloc(1, sizeof *e);
    e->op = op;
    if (s != NULL) {
        e->str = sl_xstrndup(s, n);
    }
    return e;
}

/* lookup("t", key) bound to table t (which it then holds a reference to). */
static struct sl_expr *lookup_call(struct sl_lookup *t, const char *key, size_t n)
{
    static const struct sl_func *fn;
    if (fn == NULL) {
        for (fn = sl_expr_functions; fn->name != NULL && strcmp(fn->name, "lookup") != 0; fn++) {
        }
        if (fn->name == NULL) {
            abort();
        }
    }
    struct sl_expr *e = node(SL_E_FUNC, NULL, 0);
    e->fname = sl_xstrdup("lookup");
    e->fn = fn;
    e->nargs = 2;
    e->args = sl_xcalloc(2, sizeof *e->args);
    e->args[0] = node(SL_E_STR, "t", 1);
    e->args[1] = node(SL_E_STR, key, n);
    if (t != NULL) {
        atomic_fetch_add(&t->refs, 1);
        e->fdata = t;
    }
    return e;
}

static void log_nothing(int severity, const char *text)
{
    (void)severity;
    (void)text;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (memfd < 0) {
        sl_log_set_sink(log_nothing);   /* load errors are expected, and many */
        sl_log_set_stderr(0);
        memfd = memfd_create("fuzz_lookup", 0);
        if (memfd < 0) {
            abort();
        }
        snprintf(path, sizeof path, "/proc/self/fd/%d", memfd);
    }
    if (size < 1 || size > (1u << 20)) {
        return 0;
    }
    const char *p = (const char *)data + 1, *end = (const char *)data + size;
    const char *nul = memchr(p, '\0', (size_t)(end - p));
    size_t tlen = nul != NULL ? (size_t)(nul - p) : (size_t)(end - p);
    if (write_file(p, tlen) != 0) {
        abort();
    }
    struct sl_lookup *t = lookup_load("t", path, NULL);
    if (t != NULL) {
        t->refs = 1;   /* held here until the end, as the bind context holds it */
        t->file = sl_xstrdup(path);   /* what lookup_register records for a reload */
    }
    struct sl_expr *calls[MAX_KEYS + 2];
    char *first[MAX_KEYS + 2];
    size_t nk = 0;
    const char *k = nul != NULL ? nul + 1 : end;
    /* the keys, plus "" and one past the last line */
    while (nk < MAX_KEYS + 2) {
        const char *lf = k < end ? memchr(k, '\n', (size_t)(end - k)) : NULL;
        size_t kl = lf != NULL ? (size_t)(lf - k) : (size_t)(end - k);
        calls[nk++] = lookup_call(t, k, kl);
        if (lf == NULL) {
            break;
        }
        k = lf + 1;
    }
    static const char raw[] = "<13>Dec  7 01:02:03 host tag: fuzz";
    struct sl_msg *m = fuzz_sample_msg(raw, sizeof raw - 1);
    for (size_t i = 0; i < nk; i++) {
        first[i] = sl_expr_eval_str(calls[i], m);
        if (first[i] == NULL || (t == NULL && strcmp(first[i], "TABLE-NOT-FOUND") != 0)) {
            abort();
        }
    }
    if (t != NULL && (data[0] & 1)) {
        if (sl_lookup_reload(t, NULL) != 0) {
            abort();   /* the same file loaded once: it must load again */
        }
        for (size_t i = 0; i < nk; i++) {
            char *again = sl_expr_eval_str(calls[i], m);
            if (again == NULL || strcmp(again, first[i]) != 0) {
                fprintf(stderr, "fuzz_lookup: key %zu gave '%s', after a reload '%s'\n", i,
                        first[i], again != NULL ? again : "(null)");
                abort();
            }
            free(again);
        }
    }
    if (t != NULL && (data[0] & 2)) {
        if (write_file("", 0) != 0 || sl_lookup_reload(t, "STUB") != -1) {
            abort();
        }
        for (size_t i = 0; i < nk; i++) {
            char *s = sl_expr_eval_str(calls[i], m);
            if (s == NULL || strcmp(s, "STUB") != 0) {
                abort();
            }
            free(s);
        }
    }
    for (size_t i = 0; i < nk; i++) {
        free(first[i]);
        sl_expr_free(calls[i]);
    }
    sl_msg_unref(m);
    if (t != NULL) {
        lookup_unref(t);
    }
    return 0;
}

/* replay_lookup -w DIR: the seeds, the tables of tests/diff/cases' lookup cases and the
 * unit tests' shapes, each with keys that hit, miss and fall between sparse entries. */
int fuzz_write_seeds(const char *dir);
int fuzz_write_seeds(const char *dir)
{
    static const struct {
        const char *name;
        uint8_t opt;
        const char *table, *keys;
    } seeds[] = {
        { "string", 1,
          "{ \"version\": 1, \"nomatch\": \"unk\", \"type\": \"string\", \"table\": [ "
          "{\"index\": \"10.0.0.1\", \"value\": \"web\"}, "
          "{\"index\": \"10.0.0.2\", \"value\": \"db\"} ] }",
          "10.0.0.1\n10.0.0.2\n10.0.0.3\n\nweb" },
        { "array", 3,
          "{ \"version\": 1, \"nomatch\": \"none\", \"type\": \"array\", \"table\": [ "
          "{\"index\": 1, \"value\": \"one\"}, {\"index\": 2, \"value\": \"two\"}, "
          "{\"index\": 3, \"value\": \"three\"} ] }",
          "0\n1\n2\n3\n4\n-1\n4294967297\nx" },
        { "array-wrap", 1,
          "{ \"type\": \"array\", \"table\": [ {\"index\": -1, \"value\": \"m1\"}, "
          "{\"index\": 0, \"value\": \"z\"} ] }",
          "-1\n0\n4294967295\n1" },
        { "sparse", 1,
          "{ \"version\": 1, \"nomatch\": \"low\", \"type\": \"sparseArray\", \"table\": [ "
          "{\"index\": 100, \"value\": \"a\"}, {\"index\": 200, \"value\": \"b\"}, "
          "{\"index\": 3000000000, \"value\": \"c\"}, {\"index\": 167772161, \"value\": \"ip\"} ] }",
          "99\n100\n150\n200\n2999999999\n3000000000\n4294967295\n167772161" },
        { "bad-entry", 0,
          "{ \"type\": \"string\", \"table\": [ {\"index\": \"a\"} ] }", "a" },
        { "bad-type", 0, "{ \"type\": \"hash\", \"table\": [] }", "a" },
        { "not-consecutive", 0,
          "{ \"type\": \"array\", \"table\": [ {\"index\": 1, \"value\": \"a\"}, "
          "{\"index\": 3, \"value\": \"b\"} ] }", "1" },
    };
    for (size_t i = 0; i < sizeof seeds / sizeof seeds[0]; i++) {
        if (fz_write_seed(dir, seeds[i].name, &seeds[i].opt, 1, seeds[i].table,
                          seeds[i].keys) != 0) {
            return 1;
        }
    }
    return 0;
}
