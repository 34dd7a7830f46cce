/*
 * template_render.c - rendering compiled templates: the property replacer pipeline
 * (field / regex extraction, substring, sp-if-no-1st-sp, case, control characters,
 * compressspace, secure path, drop-last-lf, csv/json formats) and the template options
 * (sql, stdsql, json, jsonf), in rsyslog 8.2302's order and with its quirks.
 *
 * Ownership: rendering appends to the caller's sl_buf; per-call scratch buffers live on the
 * stack of sl_template_render() and are freed before it returns.  Property values come from
 * sl_msg_prop() (borrowed, or freed here when it hands one over).
 *
 * Concurrency & locking: sl_template_render() may run on any number of threads at once.
 * The only shared mutable state is each regex element's pool of compiled copies: a renderer
 * claims a copy with an atomic test-and-set flag, compiles it on first use under the pool
 * mutex, and releases the flag when done; if every copy is busy it compiles a private
 * temporary one.  So no two threads ever call regexec() on the same regex_t.
 */
#include "config.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <libfastjson/json.h>
#include <pthread.h>

#include "msg_int.h"
#include "template_int.h"
#include "util/buf.h"
#include "util/sl_regcomp.h"

/* ------------------------------------------------------------------------------------- */
/* regex pool                                                                            */
/* ------------------------------------------------------------------------------------- */

struct tpl_re_pool *sl_tpl_re_pool_new(const char *src, int ere, char *errbuf, size_t errlen)
{
    struct tpl_re_pool *pool = sl_xcalloc(1, sizeof(*pool));
    pool->src = sl_xstrdup(src);
    pool->cflags = ere ? REG_EXTENDED : 0;
    pthread_mutex_init(&pool->mu, NULL);
    for (int i = 0; i < TPL_RE_POOL; i++) {
        atomic_flag_clear(&pool->busy[i]);
        atomic_init(&pool->ready[i], 0);
    }
    /* compile the first copy now: a bad expression is a configuration error */
    int rc = sl_regcomp(&pool->re[0], pool->src, pool->cflags);
    if (rc != 0) {
        regerror(rc, &pool->re[0], errbuf, errlen);
        regfree(&pool->re[0]);
        pthread_mutex_destroy(&pool->mu);
        free(pool->src);
        free(pool);
        return NULL;
    }
    atomic_store(&pool->ready[0], 1);
    return pool;
}

void sl_tpl_re_pool_free(struct tpl_re_pool *pool)
{
    if (pool == NULL) {
        return;
    }
    for (int i = 0; i < TPL_RE_POOL; i++) {
        if (atomic_load(&pool->ready[i])) {
            regfree(&pool->re[i]);
        }
    }
    pthread_mutex_destroy(&pool->mu);
    free(pool->src);
    free(pool);
}

/* Claim a compiled copy; returns its index, or -1 (caller uses a temporary regex). */
static int re_acquire(struct tpl_re_pool *pool)
{
    for (int i = 0; i < TPL_RE_POOL; i++) {
        if (atomic_flag_test_and_set_explicit(&pool->busy[i], memory_order_acquire)) {
            continue;
        }
        if (!atomic_load_explicit(&pool->ready[i], memory_order_acquire)) {
            pthread_mutex_lock(&pool->mu);
            int ok = sl_regcomp(&pool->re[i], pool->src, pool->cflags) == 0;
            if (ok) {
                atomic_store_explicit(&pool->ready[i], 1, memory_order_release);
            }
            pthread_mutex_unlock(&pool->mu);
            if (!ok) {
                atomic_flag_clear_explicit(&pool->busy[i], memory_order_release);
                return -1;
            }
        }
        return i;
    }
    return -1;
}

static void re_release(struct tpl_re_pool *pool, int i)
{
    if (i >= 0) {
        atomic_flag_clear_explicit(&pool->busy[i], memory_order_release);
    }
}

/* ------------------------------------------------------------------------------------- */
/* encoders                                                                              */
/* ------------------------------------------------------------------------------------- */

static int is_json_escape_char(char c)
{
    return c == '"' || c == '\\' || c == '/' || c == 'b' || c == 'f' || c == 'n' || c == 'r' ||
           c == 't' || c == 'u';
}

/* rsyslog's JSON string encoding: '"', '\\' and '/' are escaped, control characters get
 * their short form or \u00XX, DEL and 8-bit bytes pass as they are.  keep_valid_escapes
 * (the "jsonr" flavour) leaves a backslash that starts a valid JSON escape alone. */
void sl_tpl_json_escape(struct sl_buf *out, const char *p, size_t n, int keep_valid_escapes)
{
    sl_buf_reserve(out, n + 8);
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)p[i];
        switch (c) {
        case '"':
            sl_buf_append(out, "\\\"", 2);
            break;
        case '\\':
            if (keep_valid_escapes && i + 1 < n && is_json_escape_char(p[i + 1])) {
                sl_buf_putc(out, '\\');
                sl_buf_putc(out, p[i + 1]);
                i++;
            } else {
                sl_buf_append(out, "\\\\", 2);
            }
            break;
        case '/':
            sl_buf_append(out, "\\/", 2);
            break;
        case '\b':
            sl_buf_append(out, "\\b", 2);
            break;
        case '\f':
            sl_buf_append(out, "\\f", 2);
            break;
        case '\n':
            sl_buf_append(out, "\\n", 2);
            break;
        case '\r':
            sl_buf_append(out, "\\r", 2);
            break;
        case '\t':
            sl_buf_append(out, "\\t", 2);
            break;
        default:
            if (c < 0x20) {
                char u[8];
                snprintf(u, sizeof(u), "\\u%04x", c);
                sl_buf_append(out, u, 6);
            } else {
                sl_buf_putc(out, (char)c);
            }
            break;
        }
    }
}

/* ------------------------------------------------------------------------------------- */
/* time                                                                                  */
/* ------------------------------------------------------------------------------------- */

/* Days since 1970-01-01 for a proleptic Gregorian date (era arithmetic on March-based
 * years so that the leap day is the last day of the year). */
static long long civil_days(long y, int m, int d)
{
    y -= m <= 2;
    long era = (y >= 0 ? y : y - 399) / 400;
    long yoe = y - era * 400;
    long mp = (m + 9) % 12;
    long doy = (153 * mp + 2) / 5 + d - 1;
    long doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return (long long)era * 146097 + doe - 719468;
}

/* date-utc: the same instant in UTC.  rsyslog keeps the raw secfrac value and formats it
 * with six digits afterwards (".003" becomes ".000003"). */
static void time_to_utc(const struct sl_time *in, struct sl_time *out)
{
    long long secs = civil_days(in->year, in->month, in->day) * 86400LL + in->hour * 3600LL +
                     in->minute * 60LL + in->second;
    long long off = in->offset_hour * 3600LL + in->offset_minute * 60LL;
    secs += (in->offset_mode == '-') ? off : -off;
    time_t tt = (time_t)secs;
    struct tm tm;
    gmtime_r(&tt, &tm);
    sl_time_from_tm(out, &tm);
    out->secfrac = in->secfrac;
}

/* ------------------------------------------------------------------------------------- */
/* the property replacer                                                                 */
/* ------------------------------------------------------------------------------------- */

/* Working value: a span (borrowed or in one of two scratch buffers).  priv tracks whether
 * rsyslog would hold a private copy at this point: its secpath-replace works in place on a
 * private copy and then skips the character after each '/', which is observable. */
struct val {
    const char *p;
    size_t n;
    struct sl_buf *s;  /* two scratch buffers */
    int k;             /* next scratch to write */
    int priv;
};

static struct sl_buf *scratch_begin(struct val *v)
{
    struct sl_buf *b = &v->s[v->k];
    b->len = 0;
    sl_buf_reserve(b, v->n + 16);
    return b;
}

static void scratch_end(struct val *v, struct sl_buf *b)
{
    if (b->p == NULL) {
        sl_buf_reserve(b, 1);
    }
    v->p = b->p != NULL ? b->p : "";
    v->n = b->len;
    v->k ^= 1;
    v->priv = 1;
}

static void set_const(struct val *v, const char *s)
{
    v->p = s;
    v->n = strlen(s);
    v->priv = 0;
}

static void do_field(const struct tpl_el *e, struct val *v, int *not_found)
{
    const char *p = v->p;
    size_t n = v->n, i = 0;
    int cur = 1;
    unsigned char d = (unsigned char)e->field_delim;
    while (i < n && cur < e->field_nr) {
        while (i < n && (unsigned char)p[i] != d) {
            i++;
        }
        if (i < n) {
            i++;
            cur++;
        }
    }
    if (cur != e->field_nr) {
        *not_found = 1;
        return;
    }
    size_t end = i;
    while (end < n && (unsigned char)p[end] != d) {
        end++;
    }
    v->p = p + i;
    v->n = end - i;
    v->priv = 1;
}

static void regex_nomatch(const struct tpl_el *e, struct val *v)
{
    switch (e->re_nomatch) {
    case TPL_NM_FIELD:
        break; /* keep the whole value */
    case TPL_NM_BLANK:
        set_const(v, "");
        break;
    case TPL_NM_ZERO:
        set_const(v, "0");
        break;
    default:
        set_const(v, "**NO MATCH**");
        break;
    }
}

static void do_regex(const struct tpl_el *e, struct val *v)
{
    /* regexec needs a NUL-terminated subject */
    int was_priv = v->priv;
    struct sl_buf *b = scratch_begin(v);
    sl_buf_append(b, v->p, v->n);
    scratch_end(v, b);
    v->priv = was_priv;
    const char *subj = v->p;

    regex_t tmp;
    regex_t *re;
    int slot = re_acquire(e->re);
    if (slot >= 0) {
        re = &e->re->re[slot];
    } else {
        if (sl_regcomp(&tmp, e->re->src, e->re->cflags) != 0) {
            set_const(v, TPL_BAD_REGEX);
            return;
        }
        re = &tmp;
    }
    regmatch_t pm[10];
    size_t off = 0;
    int tries = 0, found = 0;
    /* at most re_match + 1 rounds (re_match is a single digit) */
    while (!found && tries <= 9) {
        if (regexec(re, subj + off, 10, pm, 0) != 0 || pm[0].rm_so == -1) {
            break;
        }
        if (tries == e->re_match) {
            found = 1;
        } else {
            off += (size_t)pm[0].rm_eo;
            tries++;
        }
    }
    if (slot >= 0) {
        re_release(e->re, slot);
    } else {
        regfree(&tmp);
    }
    if (!found) {
        regex_nomatch(e, v);
        return;
    }
    if (pm[e->re_submatch].rm_so == -1) {
        /* the expression matched but the wanted group did not take part: rsyslog yields an
         * empty string whatever the no-match mode */
        set_const(v, "");
        v->priv = 1;
        return;
    }
    v->p = subj + off + pm[e->re_submatch].rm_so;
    v->n = (size_t)(pm[e->re_submatch].rm_eo - pm[e->re_submatch].rm_so);
    v->priv = 1;
}

/* the widest value fixed-width pads to */
#define SL_TPL_MAX_FIXED_WIDTH (1L << 20)

/* What position.from/to (and pos-end-relative, fixed-width) take of a value of len bytes:
 * *off and *have, the bytes of the value kept from *off on, then *pad spaces.  rsyslog
 * counts bytes, not characters (a UTF-8 sequence may be cut).  Returns 0 when the value is
 * kept as it is (nothing to cut or pad), 1 otherwise.  Shared by do_substring (the general
 * pipeline) and render_substr_fast. */
static inline int substr_span(const struct tpl_el *e, long len, long *off, long *have,
                              long *pad)
{
    long from = e->from, to = e->to;
    if (e->pos_end_rel) {
        from = (len < from) ? 0 : len - from;
        to = (len < to) ? 0 : len - to;
    } else {
        if (from > 0) {
            from--;
        }
        if (to > 0) {
            to--;
        } else if (to < 0) {
            /* rsyslog 8.2302: position.to="-N" ends N characters before the end */
            to = len - 1 + to < 0 ? 0 : len - 1 + to;
        }
    }
    *off = *have = *pad = 0;
    if (from >= len) {
        return 1;   /* "" */
    }
    if (from == 0 && to >= len && !e->fixed_width) {
        *have = len;
        return 0;
    }
    if (to >= len && !e->fixed_width) {
        to = len - 1;
    }
    long want = to - from + 1;
    if (want <= 0) {
        return 1;   /* rsyslog: "" for 0, a crash below */
    }
    if (e->fixed_width && want > SL_TPL_MAX_FIXED_WIDTH) {
        /* rsyslog pads every value to the whole span (position.to="999999999" with
         * fixed-width: ~1 GB per message, found by fuzz_template); sluice stops at 1 MiB
         * (tests/diff/DIVERGENCES.md) */
        want = SL_TPL_MAX_FIXED_WIDTH;
    }
    if (from < 0) {
        /* rsyslog skips -from characters that never reach 0 (to the end of the value),
         * then pads: the result is as many spaces as the span is long */
        *pad = want;
        return 1;
    }
    *off = from;
    *have = len - from < want ? len - from : want;
    *pad = want - *have;
    return 1;
}

static void do_substring(const struct tpl_el *e, struct val *v)
{
    long off, have, pad;
    if (substr_span(e, (long)v->n, &off, &have, &pad) == 0) {
        return;
    }
    if (have == 0 && pad == 0) {
        set_const(v, "");
        return;
    }
    if (pad == 0) {
        /* a span of the value: no copy needed (priv as after the copy rsyslog makes) */
        v->p += off;
        v->n = (size_t)have;
        v->priv = 1;
        return;
    }
    struct sl_buf *b = scratch_begin(v);
    sl_buf_append(b, v->p + off, (size_t)have);
    for (long i = 0; i < pad; i++) {
        sl_buf_putc(b, ' ');
    }
    scratch_end(v, b);
}

static void do_case(const struct tpl_el *e, struct val *v)
{
    struct sl_buf *b = scratch_begin(v);
    for (size_t i = 0; i < v->n; i++) {
        unsigned char c = (unsigned char)v->p[i];
        sl_buf_putc(b, (char)(e->casec == TPL_CASE_UPPER ? toupper(c) : tolower(c)));
    }
    scratch_end(v, b);
}

static int is_cc(unsigned char c)
{
    return c < 0x20 || c == 0x7f;
}

static void do_cc(const struct tpl_el *e, struct val *v)
{
    size_t i;
    if (e->cc == TPL_CC_SPACE) {
        v->priv = 1; /* rsyslog copies for space-cc even when nothing changes */
    }
    for (i = 0; i < v->n && !is_cc((unsigned char)v->p[i]); i++) {
    }
    if (i == v->n) {
        return;
    }
    struct sl_buf *b = scratch_begin(v);
    for (i = 0; i < v->n; i++) {
        unsigned char c = (unsigned char)v->p[i];
        if (!is_cc(c)) {
            sl_buf_putc(b, (char)c);
        } else if (e->cc == TPL_CC_SPACE) {
            sl_buf_putc(b, ' ');
        } else if (e->cc == TPL_CC_ESCAPE) {
            sl_buf_printf(b, "#%03d", c);
        }
    }
    scratch_end(v, b);
}

static void do_compress(struct val *v)
{
    if (memmem(v->p, v->n, "  ", 2) == NULL) {
        return;
    }
    struct sl_buf *b = scratch_begin(v);
    for (size_t i = 0; i < v->n; i++) {
        if (v->p[i] == ' ' && i > 0 && v->p[i - 1] == ' ') {
            continue;
        }
        sl_buf_putc(b, v->p[i]);
    }
    scratch_end(v, b);
}

static void do_confine(struct val *v)
{
    if (memchr(v->p, '/', v->n) != NULL) {
        struct sl_buf *b = scratch_begin(v);
        for (size_t i = 0; i < v->n; i++) {
            sl_buf_putc(b, v->p[i] == '/' ? '_' : v->p[i]);
        }
        scratch_end(v, b);
    }
    if ((v->n == 1 && v->p[0] == '.') || (v->n == 2 && v->p[0] == '.' && v->p[1] == '.')) {
        set_const(v, "_");
    }
}

static void do_secpath(const struct tpl_el *e, struct val *v)
{
    if (e->secpath == TPL_SP_CONFINE) {
        do_confine(v);
        return;
    }
    if (memchr(v->p, '/', v->n) != NULL) {
        int skip_after_slash = e->secpath == TPL_SP_REPLACE && v->priv;
        struct sl_buf *b = scratch_begin(v);
        for (size_t i = 0; i < v->n; i++) {
            if (v->p[i] != '/') {
                sl_buf_putc(b, v->p[i]);
            } else if (e->secpath == TPL_SP_REPLACE) {
                sl_buf_putc(b, '_');
                if (skip_after_slash && i + 1 < v->n) {
                    /* rsyslog's in-place loop steps over the next character unchecked */
                    sl_buf_putc(b, v->p[++i]);
                }
            }
        }
        scratch_end(v, b);
    }
    if (v->n == 0) {
        set_const(v, "_");
    } else if (v->n == 1 && v->p[0] == '.') {
        set_const(v, "_");
    } else if (v->n == 2 && v->p[0] == '.' && v->p[1] == '.') {
        set_const(v, "_.");
    }
}

static int all_digits(const char *p, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (p[i] < '0' || p[i] > '9') {
            return 0;
        }
    }
    return n > 0;
}

/* The value of a jsonf field as rsyslog 8.2302 writes it for dataType= / onEmpty=: null for
 * an empty value with onEmpty="null"; numbers unquoted and unchecked ("" is 0); "auto" is a
 * number iff all digits; bool is false for exactly "0", true for anything else. */
static void put_typed(const struct tpl_el *e, const struct val *v, struct sl_buf *b)
{
    if (v->n == 0 && e->onempty == TPL_OE_NULL) {
        sl_buf_append(b, "null", 4);
        return;
    }
    switch (e->dtype) {
    case TPL_DT_NUMBER:
        if (v->n == 0) {
            sl_buf_putc(b, '0');
        } else {
            sl_buf_append(b, v->p, v->n);
        }
        return;
    case TPL_DT_BOOL:
        if (v->n == 1 && v->p[0] == '0') {
            sl_buf_append(b, "false", 5);
        } else {
            sl_buf_append(b, "true", 4);
        }
        return;
    case TPL_DT_AUTO:
        if (all_digits(v->p, v->n)) {
            sl_buf_append(b, v->p, v->n);
            return;
        }
        break;
    case TPL_DT_STRING:
        break;
    }
    sl_buf_putc(b, '"');
    sl_tpl_json_escape(b, v->p, v->n, e->format == TPL_FMT_JSONFR);
    sl_buf_putc(b, '"');
}

static void do_format(const struct tpl_el *e, struct val *v)
{
    struct sl_buf *b = scratch_begin(v);
    switch (e->format) {
    case TPL_FMT_CSV:
        sl_buf_putc(b, '"');
        for (size_t i = 0; i < v->n; i++) {
            if (v->p[i] == '"') {
                sl_buf_putc(b, '"');
            }
            sl_buf_putc(b, v->p[i]);
        }
        sl_buf_putc(b, '"');
        break;
    case TPL_FMT_JSON:
    case TPL_FMT_JSONR:
        sl_tpl_json_escape(b, v->p, v->n, e->format == TPL_FMT_JSONR);
        break;
    case TPL_FMT_JSONF:
    case TPL_FMT_JSONFR:
        if (v->n == 0 && e->onempty == TPL_OE_SKIP) {
            break;  /* the field is left out, separator included */
        }
        sl_buf_putc(b, '"');
        sl_buf_append(b, e->outname, e->outname_len);
        sl_buf_append(b, "\":", 2);
        put_typed(e, v, b);
        break;
    default:
        break;
    }
    scratch_end(v, b);
}

/* The full replacer pipeline on a complex element; v holds the raw property value. */
static void replace(const struct tpl_el *e, struct val *v, int no_nul)
{
    const char *nul = no_nul ? NULL : memchr(v->p, '\0', v->n); /* rsyslog works on C strings */
    if (nul != NULL) {
        v->n = (size_t)(nul - v->p);
    }
    if (e->has_field) {
        int not_found = 0;
        do_field(e, v, &not_found);
        if (not_found) {
            set_const(v, "**FIELD NOT FOUND**");
            return;
        }
    } else if (e->re_bad) {
        set_const(v, TPL_BAD_REGEX);
        return;  /* rsyslog returns the marker as it is: no further option applies */
    } else if (e->re != NULL) {
        do_regex(e, v);
    }
    if (e->from != 0 || e->to != 0) {
        do_substring(e, v);
    }
    if (e->sp_if_no_1st_sp && (v->n > 0 || e->sp_always)) {
        int sp = v->n > 0 && v->p[0] == ' ';
        v->p = sp ? "" : " ";
        v->n = sp ? 0 : 1;
        v->priv = 0;
    }
    if (v->n > 0) {
        if (e->casec != TPL_CASE_NONE) {
            do_case(e, v);
        }
        if (e->cc != TPL_CC_NONE) {
            do_cc(e, v);
        }
        if (e->compress_sp) {
            do_compress(v);
        }
    }
    if (e->secpath != TPL_SP_NONE) {
        do_secpath(e, v);
    }
    if (e->drop_last_lf && e->cc != TPL_CC_ESCAPE && v->n > 0 && v->p[v->n - 1] == '\n') {
        v->n--;
    }
    if (e->format != TPL_FMT_NONE) {
        do_format(e, v);
    }
}

/* Template-level escaping of a property value (option sql/stdsql/json). */
static int put_escaped_slow(struct sl_buf *out, enum tpl_escape esc, const char *p, size_t n);

static inline __attribute__((always_inline)) int put_escaped(struct sl_buf *out,
                                                             enum tpl_escape esc,
                                                             const char *p, size_t n)
{
    if (esc != TPL_ESC_SQL && esc != TPL_ESC_STDSQL && esc != TPL_ESC_JSON) {
        return sl_buf_append(out, p, n);
    }
    return put_escaped_slow(out, esc, p, n);
}

static int put_escaped_slow(struct sl_buf *out, enum tpl_escape esc, const char *p, size_t n)
{
    int rc = sl_buf_reserve(out, n + 8);
    for (size_t i = 0; i < n && rc == 0; i++) {
        char c = p[i];
        if (c == '\'' && esc == TPL_ESC_STDSQL) {
            rc = sl_buf_putc(out, '\'');
        } else if ((c == '\'' || c == '\\') && esc == TPL_ESC_SQL) {
            rc = sl_buf_putc(out, '\\');
        } else if ((c == '"' || c == '\\') && esc == TPL_ESC_JSON) {
            rc = sl_buf_putc(out, '\\');
        }
        if (rc == 0) {
            rc = sl_buf_putc(out, c);
        }
    }
    return rc;
}

/* For the fast path: the span behind a property that sl_msg_prop would return as it is
 * (NULL span: ""), or NULL when the property needs sl_msg_prop. */
static inline const struct sl_str *plain_span(const struct sl_msg *m, enum sl_prop id)
{
    switch (id) {
    case SL_PROP_MSG:
        return &m->msg;
    case SL_PROP_SYSLOGTAG:
        return &m->tag;
    case SL_PROP_HOSTNAME:
        return m->hostname.p != NULL ? &m->hostname : NULL;
    default:
        return NULL;
    }
}

/* "msg" with only sp-if-no-1st-sp or only drop-last-lf (tpl_el.fast): what replace() does
 * for these, without its pipeline. */
static int render_msg_fast(const struct sl_template *t, const struct tpl_el *e,
                           const struct sl_msg *m, struct sl_buf *out)
{
    const char *p = m->msg.p != NULL ? m->msg.p : "";
    size_t n = m->msg.p != NULL ? m->msg.len : 0;
    if (!(m->flags & SL_MSGF_RAW_NO_NUL)) {
        const char *nul = memchr(p, '\0', n); /* rsyslog works on C strings */
        if (nul != NULL) {
            n = (size_t)(nul - p);
        }
    }
    if (e->fast == TPL_FAST_MSG_SPIF) {
        if ((n > 0 || e->sp_always) && !(n > 0 && p[0] == ' ')) {
            return put_escaped(out, t->escape, " ", 1);
        }
        return 0;
    }
    if (n > 0 && p[n - 1] == '\n') {
        n--;
    }
    return put_escaped(out, t->escape, p, n);
}

/* A value with only position.from/to (tpl_el.fast TPL_FAST_SUBSTR, also pos-end-relative
 * and fixed-width): what replace() does for these, without its pipeline and scratch
 * buffers: the span of the value, then the padding. */
static int put_substr(const struct sl_template *t, const struct tpl_el *e, const char *p,
                      size_t n, int no_nul, struct sl_buf *out)
{
    if (!no_nul) {
        const char *nul = memchr(p, '\0', n); /* rsyslog works on C strings */
        if (nul != NULL) {
            n = (size_t)(nul - p);
        }
    }
    long off, have, pad;
    (void)substr_span(e, (long)n, &off, &have, &pad);
    int rc = put_escaped(out, t->escape, p + off, (size_t)have);
    if (pad > 0 && rc == 0) {
        rc = sl_buf_reserve(out, (size_t)pad + 1);
        if (rc == 0) {
            memset(out->p + out->len, ' ', (size_t)pad);
            out->len += (size_t)pad;
            out->p[out->len] = '\0';
        }
    }
    return rc;
}

/* One property element the slow way: sl_msg_prop or a date, then the replacer options. */
static int render_prop(const struct sl_template *t, const struct tpl_el *e, struct sl_msg *m,
                       struct sl_buf *out, struct sl_buf scratch[2])
{
    char tmp[SL_PROP_TMP];
    char datebuf[80];
    char *to_free = NULL;
    struct val v = { NULL, 0, scratch, 0, 0 };
    const struct sl_time *tm = NULL;
    struct sl_time tt, ut;
    int rc = 0;
    int no_nul = 0;
    if (e->date_set || e->date_utc) {
        tm = sl_msg_time(m, e->ref.id, &tt);
    }
    if (tm != NULL) {
        enum sl_datefmt df = e->datefmt;
        if (e->date_utc) {
            time_to_utc(tm, &ut);
            tm = &ut;
        } else {
            df = sl_msg_3164_fmt(m, e->ref.id, df);
        }
        v.n = sl_time_format(tm, df, datebuf);
        v.p = datebuf;
    } else if (e->ref.id == SL_PROP_MSG) {
        /* MSG is a span of raw; the parser's sanitizer says when raw holds no NUL */
        v.p = m->msg.p != NULL ? m->msg.p : "";
        v.n = m->msg.p != NULL ? m->msg.len : 0;
        no_nul = (m->flags & SL_MSGF_RAW_NO_NUL) != 0;
    } else {
        v.p = sl_msg_prop(m, &e->ref, &v.n, tmp, &to_free);
        if (v.p == NULL) {
            v.p = "";
            v.n = 0;
        }
    }
    v.priv = to_free != NULL;
    if (e->fast == TPL_FAST_SUBSTR) {
        rc |= put_substr(t, e, v.p, v.n, no_nul, out);
        if (to_free != NULL) {
            free(to_free);
        }
        return rc;
    }
    if (e->complex) {
        replace(e, &v, no_nul);
    }
    if (e->siem != TPL_SIEM_NONE) {
        /* sluice-only SIEM option: the format's own escaping replaces the template's */
        sl_tpl_siem_render(e, m, v.p, v.n, out);
    } else {
        rc |= put_escaped(out, t->escape, v.p, v.n);
    }
    if (to_free != NULL) {
        free(to_free);
    }
    return rc;
}

/* Positions only (TPL_FAST_SUBSTR) on msg, syslogtag or hostname: the span of the message
 * field, cut and padded; other properties and dates go through render_prop's value set-up
 * (which then also takes put_substr). */
static int render_substr_fast(const struct sl_template *t, const struct tpl_el *e,
                              struct sl_msg *m, struct sl_buf *out, struct sl_buf scratch[2])
{
    const struct sl_str *fs;
    if (e->date_set || e->date_utc || (fs = plain_span(m, e->ref.id)) == NULL) {
        return render_prop(t, e, m, out, scratch);
    }
    /* the sanitizer's no-NUL flag holds for what lies in raw: MSG (as in render_prop), and
     * a tag or hostname that is a span of raw, not a string a parser built */
    const uintptr_t rp = (uintptr_t)m->raw, fp = (uintptr_t)fs->p;
    int no_nul = (m->flags & SL_MSGF_RAW_NO_NUL) != 0 &&
                 (e->ref.id == SL_PROP_MSG || (fp >= rp && fp + fs->len <= rp + m->raw_len));
    return put_substr(t, e, fs->p != NULL ? fs->p : "", fs->p != NULL ? fs->len : 0, no_nul,
                      out);
}

/* A property with only a date-* format (tpl_el.fast): what render_prop() does for it,
 * formatted straight into out.  A property that is not a time takes the general path. */
static int render_date_fast(const struct sl_template *t, const struct tpl_el *e,
                            struct sl_msg *m, struct sl_buf *out, struct sl_buf scratch[2])
{
    struct sl_time tt;
    const struct sl_time *tm = sl_msg_time(m, e->ref.id, &tt);
    if (tm == NULL) {
        return render_prop(t, e, m, out, scratch);
    }
    enum sl_datefmt df = sl_msg_3164_fmt(m, e->ref.id, e->datefmt);
    if (t->escape == TPL_ESC_SQL || t->escape == TPL_ESC_STDSQL || t->escape == TPL_ESC_JSON) {
        char datebuf[80];
        size_t n = sl_time_format(tm, df, datebuf);
        return put_escaped(out, t->escape, datebuf, n);
    }
    if (sl_buf_reserve(out, 80) != 0) {    /* render_prop's datebuf */
        return SL_ENOMEM;
    }
    out->len += sl_time_format(tm, df, out->p + out->len);
    out->p[out->len] = '\0';
    return 0;
}

int sl_template_render(const struct sl_template *t, struct sl_msg *m, struct sl_buf *out)
{
    if (t != NULL && t->render_fn != NULL && out != NULL) {
        /* a built-in file / forwarding format: straight-line code (template_fast.c) */
        return t->render_fn(m, out);
    }
    return sl_tpl_render_generic(t, m, out);
}

int sl_tpl_render_generic(const struct sl_template *t, struct sl_msg *m, struct sl_buf *out)
{
    if (t == NULL || out == NULL) {
        return SL_EINVAL;
    }
    if (sl_buf_reserve(out, 1) != 0) {
        return SL_ENOMEM;
    }
    out->p[out->len] = '\0';
    if (t->is_subtree) {
        return 0; /* what rsyslog 8.2302 writes for a subtree template in string mode */
    }
    struct sl_buf scratch[2] = { { 0 }, { 0 } };
    int jsonf = t->escape == TPL_ESC_JSONF;
    int wrote = 0;
    int rc = 0;
    if (jsonf) {
        rc |= sl_buf_putc(out, '{');
    }
    for (size_t i = 0; i < t->n; i++) {
        const struct tpl_el *e = &t->els[i];
        size_t before = out->len;
        const struct sl_str *fs;
        if (e->kind == TPL_EL_CONST) {
            rc |= sl_buf_append(out, e->text, e->len);
        } else if (t->view_of != NULL && e->secpath == TPL_SP_NONE) {
            /* a confined view (dynaFile): the element as it is, then confined */
            struct tpl_el ce = *e;
            ce.secpath = TPL_SP_CONFINE;
            ce.complex = 1;
            ce.fast = TPL_FAST_NONE;
            rc |= render_prop(t, &ce, m, out, scratch);
        } else if (!e->complex && (fs = plain_span(m, e->ref.id)) != NULL) {
            /* fast path: a message field without options, copied as it is */
            if (fs->p != NULL) {
                rc |= put_escaped(out, t->escape, fs->p, fs->len);
            }
        } else if (e->fast == TPL_FAST_DATE) {
            rc |= render_date_fast(t, e, m, out, scratch);
        } else if (e->fast == TPL_FAST_SUBSTR) {
            rc |= render_substr_fast(t, e, m, out, scratch);
        } else if (e->fast == TPL_FAST_MSG_SPIF || e->fast == TPL_FAST_MSG_DROPLF) {
            rc |= render_msg_fast(t, e, m, out);
        } else {
            rc |= render_prop(t, e, m, out, scratch);
        }
        if (jsonf && out->len > before) {
            rc |= sl_buf_append(out, ", ", 2);
            wrote = 1;
        }
    }
    if (jsonf) {
        /* rsyslog ends the object with "}\n" in place of the last separator, also when
         * the last field was left out (onEmpty="skip") */
        if (wrote) {
            out->len -= 2;
        }
        rc |= sl_buf_append(out, "}\n", 2);
    }
    if (scratch[0].p != NULL) {
        sl_buf_free(&scratch[0]);
    }
    if (scratch[1].p != NULL) {
        sl_buf_free(&scratch[1]);
    }
    return rc != 0 ? SL_ENOMEM : 0;
}

/* A private copy of the JSON value a $!, $. or $/ property names (NULL: none), so that the
 * caller may keep and release it while other workers read the message's tree. */
static struct fjson_object *json_prop_copy(struct sl_msg *m, const struct sl_propref *ref)
{
    int global = ref->id == SL_PROP_GLOBAL_VAR;
    if (global) {
        pthread_mutex_lock(&sl_global_vars_lock);
    }
    struct fjson_object *v = sl_msg_json_get(m, ref->id, ref->path), *copy = NULL;
    if (v != NULL) {
        struct sl_buf b = { 0 };
        fjson_object_dump_ext(v, FJSON_TO_STRING_PLAIN, sl_json_dump_cb, &b);
        if (sl_buf_putc(&b, '\0') == 0) {
            copy = fjson_tokener_parse(b.p);
        }
        sl_buf_free(&b);
    }
    if (global) {
        pthread_mutex_unlock(&sl_global_vars_lock);
    }
    return copy;
}

int sl_template_render_json(const struct sl_template *t, struct sl_msg *m, struct fjson_object **out)
{
    if (t == NULL || m == NULL || out == NULL) {
        return SL_EINVAL;
    }
    if (t->is_subtree) {
        *out = json_prop_copy(m, &t->subtree);
        if (*out == NULL) {
            *out = fjson_object_new_object();   /* rsyslog: "we need to have a root object" */
        }
        return *out != NULL ? 0 : SL_ENOMEM;
    }
    struct fjson_object *o = fjson_object_new_object();
    if (o == NULL) {
        return SL_ENOMEM;
    }
    static const struct sl_template plain = { .escape = TPL_ESC_NONE };
    struct sl_buf scratch[2] = { { 0 }, { 0 } }, val = { 0 };
    int rc = 0;
    for (size_t i = 0; i < t->n && rc == 0; i++) {
        const struct tpl_el *e = &t->els[i];
        if (e->outname == NULL) {
            continue;   /* a constant without outname= */
        }
        if (e->kind == TPL_EL_CONST) {
            {
                fjson_object_object_add(o, e->outname, fjson_object_new_string_len(e->text,
                                                                                   (int)e->len));
            }
        } else if (e->ref.id == SL_PROP_CEE || e->ref.id == SL_PROP_LOCAL_VAR ||
                   e->ref.id == SL_PROP_GLOBAL_VAR) {
            /* the JSON value itself, no replacer options (rsyslog's msgGetJSONPropJSON) */
            struct fjson_object *v = json_prop_copy(m, &e->ref);
            if (v != NULL || e->mandatory) {
                fjson_object_object_add(o, e->outname, v);
            }
        } else {
            val.len = 0;
            rc = render_prop(&plain, e, m, &val, scratch);
            if (rc == 0 && (val.len > 0 || e->mandatory)) {
                fjson_object_object_add(o, e->outname,
                                        fjson_object_new_string_len(val.p != NULL ? val.p : "",
                                                                    (int)val.len));
            }
        }
    }
    sl_buf_free(&val);
    sl_buf_free(&scratch[0]);
    sl_buf_free(&scratch[1]);
    if (rc != 0) {
        fjson_object_put(o);
        return SL_ENOMEM;
    }
    *out = o;
    return 0;
}
