/*
 * ruletest_expect.c - expectations files of the rule tester (sluiced --test --test-expect):
 * reading them, escaping bytes the way they are written, and the line diff printed on a
 * mismatch.  The format is documented in doc/ruletest.md:
 *
 *   # comment                      blank lines and comments are ignored
 *   input <13>Jan  1 ... app: hi   starts a case: the sample line (C escapes)
 *   inputname imudp                optional, for the current case
 *   fromhost host/127.0.0.1        optional
 *   ruleset NAME                   optional
 *   time 2026-12-06T19:30:00Z      optional: the receive time (timegenerated)
 *   expect DEST BYTES              one output, in the order the actions fire
 *   expect-nothing                 the line must produce no output
 *   end-of-input                   a case without input: the outputs at the end of the
 *                                  input (repeats held back by $RepeatedMsgReduction)
 *
 * Hand-written: the format is line based and tiny; the diff works on the handful of
 * outputs one line makes (an LCS table), no library has these semantics.
 *
 * Ownership: cases and their strings are malloc'ed here and freed by sl_rt_cases_free().
 * Concurrency & locking: none; pure functions, called on the main thread.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "ruletest_expect.h"
#include "util/buf.h"
#include "util/strutil.h"

void sl_rt_escape(struct sl_buf *out, const char *p, size_t n, int esc_space)
{
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)p[i];
        switch (c) {
        case '\\': (void)sl_buf_puts(out, "\\\\"); break;
        case '\n': (void)sl_buf_puts(out, "\\n"); break;
        case '\t': (void)sl_buf_puts(out, "\\t"); break;
        case '\r': (void)sl_buf_puts(out, "\\r"); break;
        default:
            if (c < 0x20 || c >= 0x7f || (esc_space && c == ' ')) {
                (void)sl_buf_printf(out, "\\x%02x", c);
            } else {
                (void)sl_buf_putc(out, (char)c);
            }
            break;
        }
    }
}

char *sl_rt_unescape(const char *s, size_t *len, char *err, size_t errsz)
{
    size_t n = strlen(s), k = 0;
    char *o = sl_xmalloc(n + 1);

    for (size_t i = 0; i < n; i++) {
        if (s[i] != '\\') {
            o[k++] = s[i];
            continue;
        }
        if (++i >= n) {
            snprintf(err, errsz, "a lone '\\' at the end of the line");
            free(o);
            return NULL;
        }
        switch (s[i]) {
        case '\\': o[k++] = '\\'; break;
        case 'n': o[k++] = '\n'; break;
        case 't': o[k++] = '\t'; break;
        case 'r': o[k++] = '\r'; break;
        case 'a': o[k++] = '\a'; break;
        case 'b': o[k++] = '\b'; break;
        case 'f': o[k++] = '\f'; break;
        case 'v': o[k++] = '\v'; break;
        case '0': o[k++] = '\0'; break;
        case '"': o[k++] = '"'; break;
        case 'x': {
            int h = i + 2 < n ? sl_hexval((unsigned char)s[i + 1]) : -1;
            int l = h >= 0 ? sl_hexval((unsigned char)s[i + 2]) : -1;
            if (h < 0 || l < 0) {
                snprintf(err, errsz, "\\x needs two hex digits");
                free(o);
                return NULL;
            }
            o[k++] = (char)(h * 16 + l);
            i += 2;
            break;
        }
        default:
            snprintf(err, errsz, "unknown escape '\\%c' (write '\\\\' for a backslash)", s[i]);
            free(o);
            return NULL;
        }
    }
    o[k] = '\0';
    *len = k;
    return o;
}

void sl_rt_outs_free(struct sl_rt_out *v, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(v[i].dest);
        free(v[i].bytes);
    }
    free(v);
}

void sl_rt_cases_free(struct sl_rt_case *cases, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(cases[i].input);
        free(cases[i].inputname);
        free(cases[i].fromhost);
        free(cases[i].ruleset);
        free(cases[i].time);
        sl_rt_outs_free(cases[i].exp, cases[i].nexp);
    }
    free(cases);
}

/* "word rest": is the line keyword kw, followed by a blank or its end?  *rest after it. */
static int keyword(const char *line, const char *kw, const char **rest)
{
    size_t l = strlen(kw);
    if (strncmp(line, kw, l) != 0 || (line[l] != '\0' && line[l] != ' ' && line[l] != '\t')) {
        return 0;
    }
    line += l;
    while (*line == ' ' || *line == '\t') {
        line++;
    }
    *rest = line;
    return 1;
}

int sl_rt_expect_load(FILE *f, const char *name, struct sl_rt_case **cases, size_t *n,
                      char *err, size_t errsz)
{
    struct sl_rt_case *v = NULL;
    size_t nv = 0;
    int *seen_expect = NULL;    /* per case: an expect or expect-nothing line */
    char *line = NULL, emsg[200];
    size_t cap = 0;
    ssize_t got;
    int lineno = 0, rc = 0;

    while (rc == 0 && (got = getline(&line, &cap, f)) >= 0) {
        const char *rest;
        lineno++;
        while (got > 0 && (line[got - 1] == '\n' || line[got - 1] == '\r')) {
            line[--got] = '\0';
        }
        const char *s = line;
        while (*s == ' ' || *s == '\t') {
            s++;
        }
        if (*s == '\0' || *s == '#') {
            continue;
        }
        emsg[0] = '\0';
        int end = keyword(s, "end-of-input", &rest);
        if (end || keyword(s, "input", &rest)) {
            size_t l = 0;
            char *in = end ? sl_xstrdup("") : sl_rt_unescape(rest, &l, emsg, sizeof emsg);
            if (in != NULL) {
                v = sl_xrealloc(v, (nv + 1) * sizeof *v);
                seen_expect = sl_xrealloc(seen_expect, (nv + 1) * sizeof *seen_expect);
                memset(&v[nv], 0, sizeof v[nv]);
                seen_expect[nv] = 0;
                v[nv].input = in;
                v[nv].input_len = l;
                v[nv].end = end;
                v[nv].line = lineno;
                nv++;
            }
        } else if (nv == 0) {
            snprintf(emsg, sizeof emsg, "'%.40s' before the first 'input' line", s);
        } else if (keyword(s, "inputname", &rest) || keyword(s, "fromhost", &rest)
                   || keyword(s, "ruleset", &rest) || keyword(s, "time", &rest)) {
            char **slot = s[0] == 'i' ? &v[nv - 1].inputname
                          : s[0] == 'f' ? &v[nv - 1].fromhost
                          : s[0] == 'r' ? &v[nv - 1].ruleset : &v[nv - 1].time;
            if (*rest == '\0') {
                snprintf(emsg, sizeof emsg, "'%.20s' needs a value", s);
            } else {
                free(*slot);
                *slot = sl_xstrdup(rest);
            }
        } else if (keyword(s, "expect-nothing", &rest)) {
            if (v[nv - 1].nexp > 0) {
                snprintf(emsg, sizeof emsg, "expect-nothing after expect lines");
            }
            seen_expect[nv - 1] = 1;
        } else if (keyword(s, "expect", &rest)) {
            const char *sp = strpbrk(rest, " \t");
            size_t dl, bl;
            char *dest = sp != NULL ? sl_xstrndup(rest, (size_t)(sp - rest)) : NULL;
            char *d = NULL, *b = NULL;
            if (dest == NULL || *dest == '\0') {
                snprintf(emsg, sizeof emsg, "expect needs DEST and BYTES");
            } else if ((d = sl_rt_unescape(dest, &dl, emsg, sizeof emsg)) != NULL
                       && (b = sl_rt_unescape(sp + 1, &bl, emsg, sizeof emsg)) != NULL) {
                struct sl_rt_case *c = &v[nv - 1];
                c->exp = sl_xrealloc(c->exp, (c->nexp + 1) * sizeof *c->exp);
                c->exp[c->nexp].dest = d;
                c->exp[c->nexp].bytes = b;
                c->exp[c->nexp].len = bl;
                c->nexp++;
                d = b = NULL;
                seen_expect[nv - 1] = 1;
            }
            free(dest);
            free(d);
            free(b);
        } else {
            snprintf(emsg, sizeof emsg, "unknown line '%.40s' (input, inputname, fromhost, "
                     "ruleset, time, expect, expect-nothing, end-of-input)", s);
        }
        if (emsg[0] != '\0') {
            snprintf(err, errsz, "%s:%d: %s", name, lineno, emsg);
            rc = -1;
        }
    }
    for (size_t i = 0; rc == 0 && i < nv; i++) {
        if (!seen_expect[i]) {
            snprintf(err, errsz, "%s:%d: the case has no 'expect' line (write "
                     "'expect-nothing' when the line must produce no output)", name,
                     v[i].line);
            rc = -1;
        }
    }
    if (rc == 0 && nv == 0) {
        snprintf(err, errsz, "%s: no 'input' line", name);
        rc = -1;
    }
    free(line);
    free(seen_expect);
    if (rc != 0) {
        sl_rt_cases_free(v, nv);
        return -1;
    }
    *cases = v;
    *n = nv;
    return 0;
}

static int out_eq(const struct sl_rt_out *a, const struct sl_rt_out *b)
{
    return strcmp(a->dest, b->dest) == 0 && a->len == b->len
           && memcmp(a->bytes, b->bytes, a->len) == 0;
}

static void diff_line(struct sl_buf *out, char mark, const struct sl_rt_out *o)
{
    (void)sl_buf_putc(out, mark);
    sl_rt_escape(out, o->dest, strlen(o->dest), 1);
    (void)sl_buf_putc(out, ' ');
    sl_rt_escape(out, o->bytes, o->len, 0);
    (void)sl_buf_putc(out, '\n');
}

int sl_rt_expect_diff(const struct sl_rt_out *want, size_t nw, const struct sl_rt_out *got,
                      size_t ng, struct sl_buf *out)
{
    /* LCS table over the (few) outputs of one line, then walk it front to back */
    size_t w = ng + 1;
    size_t *t = sl_xcalloc((nw + 1) * w, sizeof *t);
    int differ = nw != ng;

    for (size_t i = nw; i-- > 0;) {
        for (size_t j = ng; j-- > 0;) {
            if (out_eq(&want[i], &got[j])) {
                t[i * w + j] = t[(i + 1) * w + j + 1] + 1;
            } else {
                size_t a = t[(i + 1) * w + j], b = t[i * w + j + 1];
                t[i * w + j] = a > b ? a : b;
            }
        }
    }
    size_t i = 0, j = 0;
    while (i < nw || j < ng) {
        if (i < nw && j < ng && out_eq(&want[i], &got[j])) {
            diff_line(out, ' ', &want[i]);
            i++;
            j++;
        } else if (i < nw && (j == ng || t[(i + 1) * w + j] >= t[i * w + j + 1])) {
            diff_line(out, '-', &want[i++]);
            differ = 1;
        } else {
            diff_line(out, '+', &got[j++]);
            differ = 1;
        }
    }
    free(t);
    return differ;
}
