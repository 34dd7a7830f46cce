/*
 * expr_eval.c - RainerScript expressions: resolution (function binding, arity checks,
 * constant regex compilation) and evaluation with rsyslog 8.2302's typing rules.
 *
 * Values are numbers, strings or JSON values (from $!, $. and $/ variables that are not
 * JSON strings).  Evaluation follows rsyslog, including its oddities, verified against
 * rsyslogd 8.2302:
 *   - "==" and "!=": string vs string compares strings; if one side is a number and the other
 *     converts completely ("-"? digits, or empty) the compare is numeric, else both sides are
 *     compared as strings.  A constant array on either side means "equals any element".
 *   - "<", "<=", ">", ">=": numeric when both sides convert, with the difference truncated
 *     to 32 bits as rsyslog does (so 4294967301 <= 5 holds), otherwise string compare.
 *   - "if" truth: the number value (strings convert by their leading digits), truncated to 8
 *     bits as rsyslog's sbool does: "256" is false.  and/or/not use the full number.
 *   - a constant array used as a value is its first element;
 *   - a JSON number on the right of "=="/"!=" is never equal (rsyslog compares with the
 *     object's storage), startswith_i matches a subject shorter than the prefix (libestr).
 * Every rule above is pinned by a unit test whose expected values came from rsyslogd.
 *
 * Ownership: nodes belong to the IR and are released by sl_expr_free(); fdata is owned by the
 * node and released through the function table entry (or, for comparison nodes optimized
 * into a priority mask, freed directly).  Lookup tables are shared by the lookup() nodes
 * that use them (atomic reference count).  Evaluation results (struct sl_val) live on the
 * caller's stack and are released with val_free(); the common case (property compared with
 * a constant) allocates nothing.
 *
 * Concurrency & locking: a resolved tree is read-only.  Evaluation may run on many threads at
 * once; per-thread state is limited to the regex copies (see expr_int.h), the script error
 * code (script_error()) and the random() generator state, all thread-local.  Regexes are
 * never matched through a shared regex_t: glibc's regexec() locks the pattern, and on this
 * 2-core machine 2 threads sharing one regex_t took 0.18 s for 2 x 400000 matches against
 * 0.07 s with per-thread copies (4 threads: 0.24 s vs 0.12 s).
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <regex.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <libfastjson/json.h>

#include "conf/expr.h"
#include "conf/expr_int.h"
#include "log.h"
#include "util/buf.h"

/* ---------------------------------------------------------------------------------------
 * Values
 * ------------------------------------------------------------------------------------- */
enum { V_NUM = 1, V_STR, V_JSON };

struct sl_val {
    int type;
    int64_t n;                    /* V_NUM */
    const char *s;                /* V_STR: not necessarily NUL-terminated */
    size_t len;
    char *owned;                  /* malloc'd storage behind s, or NULL */
    struct fjson_object *json;    /* V_JSON value, or the string object behind s; held ref */
    char buf[SL_PROP_TMP];        /* property scratch and number formatting */
};

static void val_init(struct sl_val *v)
{
    v->type = V_NUM;
    v->n = 0;
    v->s = "";
    v->len = 0;
    v->owned = NULL;
    v->json = NULL;
}

static void val_free(struct sl_val *v)
{
    free(v->owned);
    v->owned = NULL;
    if (v->json != NULL) {
        fjson_object_put(v->json);
        v->json = NULL;
    }
}

static void val_num(struct sl_val *v, int64_t n)
{
    v->type = V_NUM;
    v->n = n;
}

/* Take ownership of a malloc'd buffer of len bytes (NUL-terminated). */
static void val_take(struct sl_val *v, char *p, size_t len)
{
    v->type = V_STR;
    v->owned = p;
    v->s = p;
    v->len = len;
}

static void val_copy_str(struct sl_val *v, const char *s, size_t len)
{
    if (len < sizeof(v->buf)) {
        memcpy(v->buf, s, len);
        v->buf[len] = '\0';
        v->type = V_STR;
        v->s = v->buf;
        v->len = len;
    } else {
        val_take(v, sl_xstrndup(s, len), len);
    }
}

/* rsyslog's string-to-number: optional '-', decimal digits; complete iff every character
 * was consumed (the empty string converts to 0 successfully). */
static int64_t str2num(const char *s, size_t len, int *ok)
{
    size_t i = 0;
    uint64_t n = 0;
    int neg = 0;

    if (len > 0 && s[0] == '-') {
        neg = 1;
        i = 1;
    }
    while (i < len && s[i] >= '0' && s[i] <= '9') {
        n = n * 10 + (uint64_t)(s[i] - '0');
        i++;
    }
    if (ok != NULL) {
        *ok = (i == len);
    }
    return neg ? (int64_t)(0 - n) : (int64_t)n;
}

static int hex_digit(char c)
{
    if (c >= '0' && c <= '9') {
        return c - '0';
    }
    if (c >= 'a' && c <= 'f') {
        return c - 'a' + 10;
    }
    if (c >= 'A' && c <= 'F') {
        return c - 'A' + 10;
    }
    return -1;
}

/* The conversion rsyslog's optimizer applies when it folds cnum() of a constant string at
 * load time (libestr's): optional '-', then "0x" and hex digits, or '0' and octal digits,
 * or decimal digits; stops at the first other character.  cnum("0x10") is 16, cnum("010")
 * 8, cnum("0X1F") 0 - while the same strings coming from a message convert as decimals
 * (cnum($msg) of "010" is 10, of "0x10" 0). */
static int64_t const_str2num(const char *s, size_t len)
{
    size_t i = 0;
    uint64_t n = 0;
    int neg = 0;

    if (len > 0 && s[0] == '-') {
        neg = 1;
        i = 1;
    }
    if (i + 1 < len && s[i] == '0' && s[i + 1] == 'x') {
        for (i += 2; i < len && hex_digit(s[i]) >= 0; i++) {
            n = n * 16 + (uint64_t)hex_digit(s[i]);
        }
    } else if (i < len && s[i] == '0') {
        for (; i < len && s[i] >= '0' && s[i] <= '7'; i++) {
            n = n * 8 + (uint64_t)(s[i] - '0');
        }
    } else {
        for (; i < len && s[i] >= '0' && s[i] <= '9'; i++) {
            n = n * 10 + (uint64_t)(s[i] - '0');
        }
    }
    return neg ? (int64_t)(0 - n) : (int64_t)n;
}

static int64_t val_to_num(const struct sl_val *v, int *ok)
{
    if (ok != NULL) {
        *ok = 1;
    }
    switch (v->type) {
    case V_STR:
        return str2num(v->s, v->len, ok);
    case V_JSON:
        return v->json == NULL ? 0 : fjson_object_get_int64(v->json);
    default:
        return v->n;
    }
}

static size_t dump_cb(void *ptr, const char *buf, size_t len)
{
    return sl_buf_append((struct sl_buf *)ptr, buf, len) == 0 ? len : 0;
}

/* String form of any value; valid until v is freed or modified. */
static const char *val_to_str(struct sl_val *v, size_t *len)
{
    const char *s;

    switch (v->type) {
    case V_NUM:
        *len = (size_t)snprintf(v->buf, sizeof(v->buf), "%" PRId64, v->n);
        return v->buf;
    case V_JSON:
        if (v->json == NULL) {
            *len = 0;
            return "";
        }
        if (fjson_object_is_type(v->json, fjson_type_string)) {
            s = fjson_object_get_string(v->json);
            *len = (size_t)fjson_object_get_string_len(v->json);
            return s != NULL ? s : "";
        }
        if (v->owned == NULL) {
            /* render privately: fjson_object_get_string() would cache into the object,
             * which other threads may be reading */
            struct sl_buf b = { NULL, 0, 0 };
            fjson_object_dump_ext(v->json, FJSON_TO_STRING_SPACED, dump_cb, &b);
            v->owned = b.p != NULL ? b.p : sl_xstrdup("");
            v->len = b.len;
        }
        *len = v->len;
        return v->owned;
    default:
        *len = v->len;
        return v->s;
    }
}

/* Malloc'd NUL-terminated copy of the string form. */
static char *val_cstr(struct sl_val *v, size_t *lenp)
{
    size_t len;
    const char *s = val_to_str(v, &len);

    if (lenp != NULL) {
        *lenp = len;
    }
    return sl_xstrndup(s, len);
}

/* Deep copy of a JSON value (libfastjson has none). */
static struct fjson_object *json_deep_copy(struct fjson_object *src)
{
    struct fjson_object *dst;
    struct fjson_object_iterator it, end;
    int i, n;

    if (src == NULL) {
        return NULL;
    }
    switch (fjson_object_get_type(src)) {
    case fjson_type_boolean:
        return fjson_object_new_boolean(fjson_object_get_boolean(src));
    case fjson_type_double:
        return fjson_object_new_double(fjson_object_get_double(src));
    case fjson_type_int:
        return fjson_object_new_int64(fjson_object_get_int64(src));
    case fjson_type_string:
        return fjson_object_new_string_len(fjson_object_get_string(src),
                                           fjson_object_get_string_len(src));
    case fjson_type_array:
        dst = fjson_object_new_array();
        n = fjson_object_array_length(src);
        for (i = 0; i < n; i++) {
            fjson_object_array_add(dst, json_deep_copy(fjson_object_array_get_idx(src, i)));
        }
        return dst;
    case fjson_type_object:
        dst = fjson_object_new_object();
        it = fjson_object_iter_begin(src);
        end = fjson_object_iter_end(src);
        while (!fjson_object_iter_equal(&it, &end)) {
            fjson_object_object_add(dst, fjson_object_iter_peek_name(&it),
                                    json_deep_copy(fjson_object_iter_peek_value(&it)));
            fjson_object_iter_next(&it);
        }
        return dst;
    default:
        return NULL;
    }
}

/* Lexicographic compare of byte strings (libestr's es_strcmp order). */
static int bytes_cmp(const char *a, size_t la, const char *b, size_t lb)
{
    size_t n = la < lb ? la : lb;
    int r = n > 0 ? memcmp(a, b, n) : 0;

    if (r != 0) {
        return r;
    }
    return la < lb ? -1 : (la > lb ? 1 : 0);
}

static const char *find_bytes(const char *h, size_t hl, const char *n, size_t nl, int icase)
{
    size_t i, j;

    if (nl == 0) {
        return h;
    }
    if (nl > hl) {
        return NULL;
    }
    for (i = 0; i + nl <= hl; i++) {
        for (j = 0; j < nl; j++) {
            unsigned char a = (unsigned char)h[i + j], b = (unsigned char)n[j];
            if (icase) {
                a = (unsigned char)tolower(a);
                b = (unsigned char)tolower(b);
            }
            if (a != b) {
                break;
            }
        }
        if (j == nl) {
            return h + i;
        }
    }
    return NULL;
}

/* startswith: a real prefix test.  startswith_i follows libestr's es_strncasecmp, which
 * stops at the end of the subject: a subject shorter than the prefix matches when it is a
 * prefix of it ("ab" and "" startswith_i "ABC" are true in rsyslog 8.2302). */
static int starts_with(const char *s, size_t sl, const char *p, size_t pl, int icase)
{
    size_t i;

    if (pl > sl) {
        if (!icase) {
            return 0;
        }
        pl = sl;
    }
    for (i = 0; i < pl; i++) {
        unsigned char a = (unsigned char)s[i], b = (unsigned char)p[i];
        if (icase) {
            a = (unsigned char)tolower(a);
            b = (unsigned char)tolower(b);
        }
        if (a != b) {
            return 0;
        }
    }
    return 1;
}

/* ---------------------------------------------------------------------------------------
 * Function table
 * ------------------------------------------------------------------------------------- */
typedef void (*sl_func_eval_fn)(const struct sl_expr *e, struct sl_msg *m, struct sl_val *out);

struct sl_func {
    const char *name;
    unsigned min_args, max_args;
    sl_func_eval_fn eval;
    int (*init)(struct sl_expr *e);   /* resolve time; returns the number of errors */
    void (*destroy)(void *fdata);
};

static void eval_node(const struct sl_expr *e, struct sl_msg *m, struct sl_val *out);

/* Evaluate argument i into v (caller frees). */
static void arg(const struct sl_expr *e, size_t i, struct sl_msg *m, struct sl_val *v)
{
    val_init(v);
    eval_node(e->args[i], m, v);
}

static _Thread_local int tls_script_errno;
static _Thread_local uint64_t tls_rand_state;

/* ---- regex per-thread cache ---- */
struct re_slot {
    const void *key;
    char *pat;
    int cflags;
    int rc;            /* regcomp result; 0 = re valid */
    regex_t re;
};

struct re_cache {
    struct re_slot *v;
    size_t cap;        /* power of two, or 0 */
    size_t n;
};

static pthread_key_t re_tkey;
static pthread_once_t re_once = PTHREAD_ONCE_INIT;
static _Thread_local struct re_cache *tls_re;

static void re_cache_free(struct re_cache *c)
{
    size_t i;

    if (c == NULL) {
        return;
    }
    for (i = 0; i < c->cap; i++) {
        if (c->v[i].key != NULL) {
            if (c->v[i].rc == 0) {
                regfree(&c->v[i].re);
            }
            free(c->v[i].pat);
        }
    }
    free(c->v);
    free(c);
}

static void re_tkey_destroy(void *p)
{
    re_cache_free(p);
}

static void re_tkey_init(void)
{
    (void)pthread_key_create(&re_tkey, re_tkey_destroy);
}

static size_t re_hash(const void *key, size_t cap)
{
    uint64_t h = (uint64_t)(uintptr_t)key;

    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdULL;
    h ^= h >> 33;
    return (size_t)h & (cap - 1);
}

static struct re_slot *re_probe(struct re_cache *c, const void *key)
{
    size_t i = re_hash(key, c->cap);

    while (c->v[i].key != NULL && c->v[i].key != key) {
        i = (i + 1) & (c->cap - 1);
    }
    return &c->v[i];
}

static void re_grow(struct re_cache *c)
{
    struct re_slot *old = c->v;
    size_t oldcap = c->cap, i;

    c->cap = oldcap == 0 ? 16 : oldcap * 2;
    c->v = sl_xcalloc(c->cap, sizeof(*c->v));
    for (i = 0; i < oldcap; i++) {
        if (old[i].key != NULL) {
            /* regex_t is relocatable by plain copy in glibc: it holds only pointers */
            *re_probe(c, old[i].key) = old[i];
        }
    }
    free(old);
}

static struct re_slot *re_get(const void *key, const char *pattern, int cflags)
{
    struct re_cache *c = tls_re;
    struct re_slot *sl;

    if (c == NULL) {
        (void)pthread_once(&re_once, re_tkey_init);
        c = sl_xcalloc(1, sizeof(*c));
        tls_re = c;
        (void)pthread_setspecific(re_tkey, c);
    }
    if ((c->n + 1) * 2 > c->cap) {
        re_grow(c);
    }
    sl = re_probe(c, key);
    if (sl->key != NULL) {
        if (sl->cflags == cflags && strcmp(sl->pat, pattern) == 0) {
            return sl;
        }
        /* stale entry from an earlier configuration at the same address */
        if (sl->rc == 0) {
            regfree(&sl->re);
        }
        free(sl->pat);
    } else {
        c->n++;
    }
    sl->key = key;
    sl->pat = sl_xstrdup(pattern);
    sl->cflags = cflags;
    sl->rc = regcomp(&sl->re, pattern, cflags);
    return sl;
}

int sl_re_exec(const void *key, const char *pattern, int cflags, const char *s, size_t len,
               size_t nmatch, regmatch_t *pm)
{
    struct re_slot *sl = re_get(key, pattern, cflags);
    regmatch_t one;

    if (sl->rc != 0) {
        return sl->rc;
    }
    if (nmatch == 0 || pm == NULL) {
        nmatch = 1;
        pm = &one;
    }
    pm[0].rm_so = 0;
    pm[0].rm_eo = (regoff_t)len;
    return regexec(&sl->re, s, nmatch, pm, REG_STARTEND);
}

void sl_re_cache_flush(void)
{
    if (tls_re != NULL) {
        (void)pthread_setspecific(re_tkey, NULL);
        re_cache_free(tls_re);
        tls_re = NULL;
    }
}

size_t sl_re_cache_size(void)
{
    return tls_re == NULL ? 0 : tls_re->n;
}

struct re_data {
    char *pat;
    int cflags;
};

static void re_data_free(void *p)
{
    struct re_data *d = p;

    if (d != NULL) {
        free(d->pat);
        free(d);
    }
}

static int init_regex(struct sl_expr *e, int icase)
{
    struct re_data *d;
    regex_t re;
    int rc;
    char ebuf[256];

    if (e->args[1]->op != SL_E_STR) {
        sl_cfg_error(&e->loc, "param 2 of %s() must be a constant string", e->fname);
        return 1;
    }
    d = sl_xcalloc(1, sizeof(*d));
    d->pat = sl_xstrdup(e->args[1]->str);
    d->cflags = REG_EXTENDED | (icase ? REG_ICASE : 0);
    rc = regcomp(&re, d->pat, d->cflags);
    if (rc != 0) {
        regerror(rc, &re, ebuf, sizeof(ebuf));
        sl_cfg_error(&e->loc, "cannot compile regex '%s': %s", d->pat, ebuf);
        re_data_free(d);
        return 1;
    }
    regfree(&re);
    e->fdata = d;
    return 0;
}

static int init_re(struct sl_expr *e)
{
    return init_regex(e, 0);
}

static int init_re_i(struct sl_expr *e)
{
    return init_regex(e, 1);
}

static void f_re_match(const struct sl_expr *e, struct sl_msg *m, struct sl_val *out)
{
    const struct re_data *d = e->fdata;
    struct sl_val a;
    const char *s;
    size_t len;

    arg(e, 0, m, &a);
    s = val_to_str(&a, &len);
    val_num(out, sl_re_exec(d, d->pat, d->cflags, s, len, 0, NULL) == 0);
    val_free(&a);
}

#define RE_MAX_SUB 50

static void f_re_extract(const struct sl_expr *e, struct sl_msg *m, struct sl_val *out)
{
    const struct re_data *d = e->fdata;
    struct sl_val a, nv, sv, dv;
    regmatch_t pm[RE_MAX_SUB];
    const char *s;
    size_t len, off = 0;
    int64_t want, sub, tries = 0;
    int found = 0;

    arg(e, 0, m, &a);
    arg(e, 2, m, &nv);
    arg(e, 3, m, &sv);
    s = val_to_str(&a, &len);
    want = (int16_t)val_to_num(&nv, NULL);   /* rsyslog keeps it in a short */
    sub = val_to_num(&sv, NULL);
    if (sub >= 0 && sub < RE_MAX_SUB) {
        /* walk successive matches; every iteration consumes input or stops (bounded) */
        while (off <= len) {
            if (sl_re_exec(d, d->pat, d->cflags, s + off, len - off, (size_t)sub + 1, pm) != 0
                || pm[0].rm_so < 0) {
                break;
            }
            if (tries == want) {
                found = 1;
                break;
            }
            if (pm[0].rm_eo == 0) {
                break;   /* empty match at the start: rsyslog would loop here forever */
            }
            off += (size_t)pm[0].rm_eo;
            tries++;
        }
    }
    if (found && pm[sub].rm_so >= 0) {
        val_copy_str(out, s + off + pm[sub].rm_so, (size_t)(pm[sub].rm_eo - pm[sub].rm_so));
    } else {
        size_t dl;
        const char *ds;
        arg(e, 4, m, &dv);
        ds = val_to_str(&dv, &dl);
        val_copy_str(out, ds, dl);
        val_free(&dv);
    }
    val_free(&a);
    val_free(&nv);
    val_free(&sv);
}

/* ---- priority filters: selector decoding for prifilt() ---- */
#define PRI_ALL 0xff
#define PRI_NONE_MARK 0x10   /* "none" */

static const struct {
    const char *name;
    int val;
} fac_names[] = {
    { "auth", 4 }, { "authpriv", 10 }, { "console", 14 }, { "cron", 9 }, { "daemon", 3 },
    { "ftp", 11 }, { "kern", 0 }, { "lpr", 6 }, { "mail", 2 }, { "mark", 24 },
    { "news", 7 }, { "ntp", 12 }, { "security", 4 }, { "syslog", 5 }, { "user", 1 },
    { "uucp", 8 }, { "local0", 16 }, { "local1", 17 }, { "local2", 18 }, { "local3", 19 },
    { "local4", 20 }, { "local5", 21 }, { "local6", 22 }, { "local7", 23 }, { NULL, 0 }
}, sev_names[] = {
    { "alert", 1 }, { "crit", 2 }, { "debug", 7 }, { "emerg", 0 }, { "err", 3 },
    { "error", 3 }, { "info", 6 }, { "none", PRI_NONE_MARK }, { "notice", 5 },
    { "panic", 0 }, { "warn", 4 }, { "warning", 4 }, { "*", PRI_ALL }, { NULL, 0 }
};

static int name_lookup(const char *s, size_t len, int is_fac)
{
    size_t i;

    if (len > 0 && isdigit((unsigned char)s[0])) {
        /* rsyslog takes the number as the syslog.h constant: facilities are multiplied by 8
         * there ("16" is mail), severities are plain */
        int64_t n = str2num(s, len, NULL);
        if (is_fac) {
            return (n >= 0 && (n >> 3) <= 24) ? (int)(n >> 3) : -1;
        }
        return (n >= 0 && n <= 7) ? (int)n : -1;
    }
    if (is_fac) {
        for (i = 0; fac_names[i].name != NULL; i++) {
            if (strlen(fac_names[i].name) == len && strncasecmp(fac_names[i].name, s, len) == 0) {
                return fac_names[i].val;
            }
        }
    } else {
        for (i = 0; sev_names[i].name != NULL; i++) {
            if (strlen(sev_names[i].name) == len && strncasecmp(sev_names[i].name, s, len) == 0) {
                return sev_names[i].val;
            }
        }
    }
    return -1;
}

static void apply_sel(uint8_t *mask, int pri, int negate, int single)
{
    int i;

    if (pri == PRI_NONE_MARK) {
        *mask = (negate || single) ? PRI_ALL : 0;
    } else if (single) {
        if (negate) {
            *mask &= (uint8_t)~(1u << pri);
        } else {
            *mask |= (uint8_t)(1u << pri);
        }
    } else if (pri == PRI_ALL) {
        *mask = negate ? 0 : PRI_ALL;
    } else {
        for (i = 0; i <= pri; i++) {
            if (negate) {
                *mask &= (uint8_t)~(1u << i);
            } else {
                *mask |= (uint8_t)(1u << i);
            }
        }
    }
}

/* "fac[,fac].[!][=]sev;..." -> pmask; returns 0 or -1 with *bad set to the bad word. */
static int decode_selector(const char *text, uint8_t pmask[25], char *err, size_t errlen)
{
    const char *p = text;

    memset(pmask, 0, 25);
    while (*p != '\0') {
        const char *sel_end = strchr(p, ';'), *dot, *q;
        const char *pp;
        size_t sel_len = sel_end ? (size_t)(sel_end - p) : strlen(p);
        int negate = 0, single = 0, pri, i;

        dot = memchr(p, '.', sel_len);
        if (dot == NULL) {
            snprintf(err, errlen, "invalid selector '%.*s'", (int)sel_len, p);
            return -1;
        }
        pp = dot + 1;
        if (*pp == '!') {
            negate = 1;
            pp++;
        }
        if (*pp == '=') {
            single = 1;
            pp++;
        }
        pri = name_lookup(pp, (size_t)(p + sel_len - pp), 0);
        if (pri < 0) {
            snprintf(err, errlen, "unknown priority name \"%.*s\"", (int)(p + sel_len - pp), pp);
            return -1;
        }
        for (q = p; q < dot;) {
            const char *c = memchr(q, ',', (size_t)(dot - q));
            size_t fl = c ? (size_t)(c - q) : (size_t)(dot - q);
            if (fl == 1 && *q == '*') {
                for (i = 0; i <= 24; i++) {
                    apply_sel(&pmask[i], pri, negate, single);
                }
            } else {
                int fac = name_lookup(q, fl, 1);
                if (fac < 0) {
                    snprintf(err, errlen, "unknown facility name \"%.*s\"", (int)fl, q);
                    return -1;
                }
                apply_sel(&pmask[fac], pri, negate, single);
            }
            q += fl + (c ? 1 : 0);
        }
        p += sel_len + (sel_end ? 1 : 0);
    }
    return 0;
}

static int msg_pri_match(const uint8_t *pmask, struct sl_msg *m)
{
    int fac = m->pri >> 3, sev = m->pri & 7;

    if (fac < 0 || fac > 24) {
        fac = 24;
    }
    return (pmask[fac] & (1u << sev)) != 0;
}

static int init_prifilt(struct sl_expr *e)
{
    uint8_t *mask;
    char err[256];

    if (e->args[0]->op != SL_E_STR) {
        sl_cfg_error(&e->loc, "param 1 of prifilt() must be a constant string");
        return 1;
    }
    mask = sl_xcalloc(1, 25);
    if (decode_selector(e->args[0]->str, mask, err, sizeof(err)) != 0) {
        sl_cfg_error(&e->loc, "%s", err);
        free(mask);
        return 1;
    }
    e->fdata = mask;
    return 0;
}

static void f_prifilt(const struct sl_expr *e, struct sl_msg *m, struct sl_val *out)
{
    val_num(out, msg_pri_match(e->fdata, m));
}

/* ---- string functions ---- */
static void f_strlen(const struct sl_expr *e, struct sl_msg *m, struct sl_val *out)
{
    struct sl_val a;
    size_t len;

    arg(e, 0, m, &a);
    (void)val_to_str(&a, &len);
    val_num(out, (int64_t)len);
    val_free(&a);
}

static void f_case(const struct sl_expr *e, struct sl_msg *m, struct sl_val *out, int upper)
{
    struct sl_val a;
    size_t len, i;
    char *s;

    arg(e, 0, m, &a);
    s = val_cstr(&a, &len);
    for (i = 0; i < len; i++) {
        s[i] = (char)(upper ? toupper((unsigned char)s[i]) : tolower((unsigned char)s[i]));
    }
    val_take(out, s, len);
    val_free(&a);
}

static void f_tolower(const struct sl_expr *e, struct sl_msg *m, struct sl_val *out)
{
    f_case(e, m, out, 0);
}

static void f_cstr(const struct sl_expr *e, struct sl_msg *m, struct sl_val *out)
{
    struct sl_val a;
    size_t len;
    const char *s;

    arg(e, 0, m, &a);
    s = val_to_str(&a, &len);
    val_copy_str(out, s, len);
    val_free(&a);
}

static void f_cnum(const struct sl_expr *e, struct sl_msg *m, struct sl_val *out)
{
    struct sl_val a;

    arg(e, 0, m, &a);
    if (e->args[0]->op == SL_E_STR && a.type == V_STR) {
        val_num(out, const_str2num(a.s, a.len));
    } else {
        val_num(out, val_to_num(&a, NULL));
    }
    val_free(&a);
}

static void f_getenv(const struct sl_expr *e, struct sl_msg *m, struct sl_val *out)
{
    struct sl_val a;
    char *name;
    const char *v;

    arg(e, 0, m, &a);
    name = val_cstr(&a, NULL);
    v = getenv(name);
    if (v == NULL) {
        v = "";
    }
    val_copy_str(out, v, strlen(v));
    free(name);
    val_free(&a);
}

static void f_substring(const struct sl_expr *e, struct sl_msg *m, struct sl_val *out)
{
    struct sl_val a, b, c;
    size_t len;
    const char *s;
    uint32_t start, n;

    arg(e, 0, m, &a);
    arg(e, 1, m, &b);
    arg(e, 2, m, &c);
    s = val_to_str(&a, &len);
    /* rsyslog passes int values as unsigned 32-bit start/length */
    start = (uint32_t)(int32_t)val_to_num(&b, NULL);
    n = (uint32_t)(int32_t)val_to_num(&c, NULL);
    if ((uint64_t)start + n > len) {
        n = start > len ? 0 : (uint32_t)(len - start);
    }
    val_copy_str(out, start > len ? "" : s + start, start > len ? 0 : n);
    val_free(&a);
    val_free(&b);
    val_free(&c);
}

/* replace every occurrence of find (left to right, non-overlapping) */
static char *do_replace(const char *s, size_t len, const char *f, size_t fl, const char *r,
                        size_t rl, size_t *outlen)
{
    struct sl_buf b = { NULL, 0, 0 };
    size_t i = 0;

    if (fl == 0) {
        /* rsyslog: the empty string matches at every position, the end included */
        for (i = 0; i < len; i++) {
            sl_buf_append(&b, r, rl);
            sl_buf_append(&b, s + i, 1);
        }
        sl_buf_append(&b, r, rl);
        if (b.p == NULL) {
            b.p = sl_xstrdup("");
        }
        *outlen = b.len;
        return b.p;
    }
    while (i < len) {
        if (i + fl <= len && memcmp(s + i, f, fl) == 0) {
            sl_buf_append(&b, r, rl);
            i += fl;
        } else {
            sl_buf_append(&b, s + i, 1);
            i++;
        }
    }
    if (b.p == NULL) {
        b.p = sl_xstrdup("");
    }
    *outlen = b.len;
    return b.p;
}

static void f_replace(const struct sl_expr *e, struct sl_msg *m, struct sl_val *out)
{
    struct sl_val a, b, c;
    size_t la, lb, lc, ol;
    const char *sa, *sb, *sc;
    char *res;

    arg(e, 0, m, &a);
    arg(e, 1, m, &b);
    arg(e, 2, m, &c);
    sa = val_to_str(&a, &la);
    sb = val_to_str(&b, &lb);
    sc = val_to_str(&c, &lc);
    res = do_replace(sa, la, sb, lb, sc, lc, &ol);
    val_take(out, res, ol);
    val_free(&a);
    val_free(&b);
    val_free(&c);
}

static void f_wrap(const struct sl_expr *e, struct sl_msg *m, struct sl_val *out)
{
    struct sl_val a, w, x;
    size_t la, lw, lx, lsrc;
    const char *sa, *sw, *sx;
    char *src = NULL, *res;

    arg(e, 0, m, &a);
    arg(e, 1, m, &w);
    sa = val_to_str(&a, &la);
    sw = val_to_str(&w, &lw);
    if (e->nargs == 3) {
        arg(e, 2, m, &x);
        sx = val_to_str(&x, &lx);
        src = do_replace(sa, la, sw, lw, sx, lx, &lsrc);
        sa = src;
        la = lsrc;
        val_free(&x);
    }
    res = sl_xmalloc(la + 2 * lw + 1);
    memcpy(res, sw, lw);
    memcpy(res + lw, sa, la);
    memcpy(res + lw + la, sw, lw);
    res[la + 2 * lw] = '\0';
    val_take(out, res, la + 2 * lw);
    free(src);
    val_free(&a);
    val_free(&w);
}

static void f_ltrim(const struct sl_expr *e, struct sl_msg *m, struct sl_val *out)
{
    struct sl_val a;
    size_t len, i = 0;
    const char *s;

    arg(e, 0, m, &a);
    s = val_to_str(&a, &len);
    while (i < len && s[i] == ' ') {
        i++;
    }
    val_copy_str(out, s + i, len - i);
    val_free(&a);
}

static void f_rtrim(const struct sl_expr *e, struct sl_msg *m, struct sl_val *out)
{
    struct sl_val a;
    size_t len;
    const char *s;

    arg(e, 0, m, &a);
    s = val_to_str(&a, &len);
    while (len > 0 && s[len - 1] == ' ') {
        len--;
    }
    val_copy_str(out, s, len);
    val_free(&a);
}

static void f_field(const struct sl_expr *e, struct sl_msg *m, struct sl_val *out)
{
    struct sl_val a, d, n;
    size_t len, dl = 1;
    const char *s, *ds, *p, *end, *q;
    char dc;
    int64_t want, cur = 1;

    arg(e, 0, m, &a);
    arg(e, 1, m, &d);
    arg(e, 2, m, &n);
    s = val_to_str(&a, &len);
    end = s + len;
    want = (int32_t)val_to_num(&n, NULL);
    if (d.type == V_STR) {
        ds = d.s;
        dl = d.len;
    } else {
        dc = (char)val_to_num(&d, NULL);
        ds = &dc;
        dl = 1;
    }
    p = s;
    /* every step consumes at least one character or ends the walk */
    while (p != NULL && p < end && cur < want) {
        q = find_bytes(p, (size_t)(end - p), ds, dl, 0);
        if (q == NULL) {
            p = NULL;
            break;
        }
        p = q + dl;
        cur++;
        if (dl == 0 && p >= end) {
            break;
        }
    }
    if (p != NULL && cur == want && want >= 1) {
        q = find_bytes(p, (size_t)(end - p), ds, dl, 0);
        if (q == NULL || dl == 0) {
            q = dl == 0 ? p : end;
        }
        val_copy_str(out, p, (size_t)(q - p));
    } else {
        val_copy_str(out, "***FIELD NOT FOUND***", strlen("***FIELD NOT FOUND***"));
    }
    val_free(&a);
    val_free(&d);
    val_free(&n);
}

/* ---- numbers and addresses ---- */
static void f_int2hex(const struct sl_expr *e, struct sl_msg *m, struct sl_val *out)
{
    struct sl_val a;
    int ok;
    int64_t n;
    char buf[24];

    arg(e, 0, m, &a);
    n = val_to_num(&a, &ok);
    if (!ok) {
        val_copy_str(out, "NAN", 3);
    } else {
        snprintf(buf, sizeof(buf), "%" PRIx64, (uint64_t)n);
        val_copy_str(out, buf, strlen(buf));
    }
    val_free(&a);
}

static void f_num2ipv4(const struct sl_expr *e, struct sl_msg *m, struct sl_val *out)
{
    struct sl_val a;
    int ok;
    int64_t n;
    char buf[20];

    arg(e, 0, m, &a);
    n = val_to_num(&a, &ok);
    if (!ok || n < 0 || n > 4294967295LL) {
        snprintf(buf, sizeof(buf), "-1");
    } else {
        snprintf(buf, sizeof(buf), "%d.%d.%d.%d", (int)((n >> 24) & 255), (int)((n >> 16) & 255),
                 (int)((n >> 8) & 255), (int)(n & 255));
    }
    val_copy_str(out, buf, strlen(buf));
    val_free(&a);
}

static int64_t ipv4_to_num(const char *s, size_t len)
{
    uint64_t part[4] = { 0, 0, 0, 0 };
    int idx = 0, prevdot = 0, lead = 0, trail = 0;
    size_t i;

    for (i = 0; i < len; i++) {
        char c = s[i];
        if (c >= '0' && c <= '9') {
            if (trail) {
                return -1;
            }
            prevdot = 0;
            lead = 0;
            part[idx] = part[idx] * 10 + (uint64_t)(c - '0');
            if (part[idx] > 0xffffffffULL) {
                part[idx] &= 0xffffffffULL;   /* rsyslog keeps these in unsigned ints */
            }
        } else if (c == ' ') {
            prevdot = 0;
            if (i == 0 || lead) {
                lead = 1;
            } else {
                trail = 1;
            }
        } else if (c == '.') {
            if (trail || prevdot) {
                return -1;
            }
            lead = 0;
            prevdot = 1;
            if (++idx > 3) {
                return -1;
            }
        } else {
            return -1;
        }
    }
    if (idx != 3) {
        return -1;
    }
    return (int64_t)(uint32_t)(part[0] * 16777216u + part[1] * 65536u + part[2] * 256u + part[3]);
}

static void f_ipv42num(const struct sl_expr *e, struct sl_msg *m, struct sl_val *out)
{
    struct sl_val a;
    size_t len;
    const char *s;

    arg(e, 0, m, &a);
    s = val_to_str(&a, &len);
    val_num(out, ipv4_to_num(s, len));
    val_free(&a);
}

static void f_random(const struct sl_expr *e, struct sl_msg *m, struct sl_val *out)
{
    struct sl_val a;
    int ok;
    int64_t max, x;
    uint64_t z;

    arg(e, 0, m, &a);
    max = val_to_num(&a, &ok);
    if (!ok || max == 0) {
        val_num(out, 0);
    } else {
        if (tls_rand_state == 0) {
            struct timespec ts;
            clock_gettime(CLOCK_MONOTONIC, &ts);
            tls_rand_state = ((uint64_t)ts.tv_nsec << 20) ^ (uint64_t)(uintptr_t)&ts ^
                             (uint64_t)ts.tv_sec;
            tls_rand_state |= 1;
        }
        /* splitmix64 step, reduced to random()'s range [0, 2^31) */
        z = (tls_rand_state += 0x9e3779b97f4a7c15ULL);
        z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
        z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
        z ^= z >> 31;
        x = (int64_t)(z & 0x7fffffff);
        val_num(out, x % max);
    }
    val_free(&a);
}

/* ---- JSON and variables ---- */
static int var_root(char c, enum sl_prop *root)
{
    switch (c) {
    case '!': *root = SL_PROP_CEE; return 0;
    case '.': *root = SL_PROP_LOCAL_VAR; return 0;
    case '/': *root = SL_PROP_GLOBAL_VAR; return 0;
    default: return -1;
    }
}

static int init_exists(struct sl_expr *e)
{
    const struct sl_expr *a = e->args[0];

    if (a->op != SL_E_PROP || (a->prop.id != SL_PROP_CEE && a->prop.id != SL_PROP_LOCAL_VAR
                               && a->prop.id != SL_PROP_GLOBAL_VAR)) {
        sl_cfg_error(&e->loc, "exists() needs a variable ($!, $. or $/) as its parameter");
        return 1;
    }
    return 0;
}

static void f_exists(const struct sl_expr *e, struct sl_msg *m, struct sl_val *out)
{
    const struct sl_expr *a = e->args[0];

    val_num(out, sl_msg_json_get(m, a->prop.id, a->prop.path ? a->prop.path : "") != NULL);
}

static void f_parse_json(const struct sl_expr *e, struct sl_msg *m, struct sl_val *out)
{
    struct sl_val a, c;
    size_t len, cl;
    const char *s, *cs;
    struct fjson_tokener *tok;
    struct fjson_object *j = NULL;
    enum sl_prop root = SL_PROP_CEE;
    int rc = 1;

    arg(e, 0, m, &a);
    arg(e, 1, m, &c);
    s = val_to_str(&a, &len);
    cs = val_to_str(&c, &cl);
    if (cl > 0 && cs[0] == '$') {
        cs++;
        cl--;
    }
    tok = fjson_tokener_new();
    if (tok != NULL) {
        j = fjson_tokener_parse_ex(tok, s, (int)len);
        fjson_tokener_free(tok);
    }
    if (j != NULL && cl > 0 && var_root(cs[0], &root) == 0) {
        char *path = sl_xstrndup(cs + 1, cl - 1);
        /* rsyslog returns 0 for valid JSON even when the assignment is refused */
        (void)sl_msg_json_assign(m, root, path, j);
        rc = 0;
        free(path);
    } else if (j != NULL) {
        fjson_object_put(j);
    }
    tls_script_errno = rc;
    val_num(out, rc);
    val_free(&a);
    val_free(&c);
}

/* get_property(var, key): index into a JSON array (key as number) or object (key as
 * string); anything that is not a JSON collection is returned unchanged; misses are "".
 * script_error() afterwards, as rsyslogd 8.2302 sets it (probed): 1 for an object key that
 * is not there, an array index that is not a number or is negative, and a constant string
 * instead of a variable (whose result is ""); 0 otherwise, also for an index past the end.
 * A constant number as the variable gives "" as well. */
static void f_get_property(const struct sl_expr *e, struct sl_msg *m, struct sl_val *out)
{
    struct sl_val a, k;
    struct fjson_object *el = NULL;
    int found = 0, ok = 1;
    enum sl_expr_op op0 = e->args[0]->op;

    tls_script_errno = 0;
    if (op0 == SL_E_STR || op0 == SL_E_NUM) {
        tls_script_errno = op0 == SL_E_STR;
        val_copy_str(out, "", 0);
        return;
    }
    arg(e, 0, m, &a);
    arg(e, 1, m, &k);
    if (a.type == V_JSON && a.json != NULL && fjson_object_is_type(a.json, fjson_type_array)) {
        int64_t idx = val_to_num(&k, &ok);
        if (!ok || idx < 0) {
            tls_script_errno = 1;
        } else if (idx < fjson_object_array_length(a.json)) {
            el = fjson_object_array_get_idx(a.json, (int)idx);
            found = 1;
        }
    } else if (a.type == V_JSON && a.json != NULL
               && fjson_object_is_type(a.json, fjson_type_object)) {
        char *key = val_cstr(&k, NULL);
        found = fjson_object_object_get_ex(a.json, key, &el);
        tls_script_errno = !found;
        free(key);
    } else if (a.type == V_NUM) {
        val_num(out, a.n);
    } else {
        size_t len;
        const char *s = val_to_str(&a, &len);
        val_copy_str(out, s, len);
    }
    if (a.type == V_JSON && a.json != NULL) {
        if (!found || el == NULL) {
            val_copy_str(out, "", 0);
        } else if (fjson_object_is_type(el, fjson_type_string)) {
            val_copy_str(out, fjson_object_get_string(el),
                         (size_t)fjson_object_get_string_len(el));
        } else {
            out->type = V_JSON;
            out->json = fjson_object_get(el);
        }
    } else if (a.type == V_JSON) {
        val_copy_str(out, "", 0);
    }
    val_free(&a);
    val_free(&k);
}

static void f_script_error(const struct sl_expr *e, struct sl_msg *m, struct sl_val *out)
{
    val_num(out, tls_script_errno);
}

static void f_prev_suspended(const struct sl_expr *e, struct sl_msg *m, struct sl_val *out)
{
    val_num(out, 0);   /* the evaluator has no view of action state (see report) */
}

/* ---- time ---- */
static int parse_digits(const char **p, const char *end, int n, int *out)
{
    int v = 0, i;

    for (i = 0; i < n; i++) {
        if (*p >= end || !isdigit((unsigned char)**p)) {
            return -1;
        }
        v = v * 10 + (**p - '0');
        (*p)++;
    }
    *out = v;
    return 0;
}

static int64_t days_from_civil(int64_t y, unsigned mo, unsigned d)
{
    int64_t era;
    unsigned yoe, doy, doe;

    y -= mo <= 2;
    era = (y >= 0 ? y : y - 399) / 400;
    yoe = (unsigned)(y - era * 400);
    doy = (153 * (mo + (mo > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + (int64_t)doe - 719468;
}

/* RFC 3339 "YYYY-MM-DDThh:mm:ss[.frac](Z|+hh:mm)" -> unix time; whole string. */
static int parse_3339(const char *s, size_t len, int64_t *t)
{
    const char *p = s, *end = s + len;
    int y, mo, d, h, mi, sec, oh = 0, om = 0, sign = 0;

    if (parse_digits(&p, end, 4, &y) || p >= end || *p++ != '-' ||
        parse_digits(&p, end, 2, &mo) || p >= end || *p++ != '-' ||
        parse_digits(&p, end, 2, &d) || p >= end || *p++ != 'T' ||
        parse_digits(&p, end, 2, &h) || p >= end || *p++ != ':' ||
        parse_digits(&p, end, 2, &mi) || p >= end || *p++ != ':' ||
        parse_digits(&p, end, 2, &sec)) {
        return -1;
    }
    if (p < end && *p == '.') {
        p++;
        if (p >= end || !isdigit((unsigned char)*p)) {
            return -1;
        }
        while (p < end && isdigit((unsigned char)*p)) {
            p++;
        }
    }
    if (p >= end) {
        return -1;
    }
    if (*p == 'Z') {
        p++;
    } else if (*p == '+' || *p == '-') {
        sign = *p == '-' ? -1 : 1;
        p++;
        if (parse_digits(&p, end, 2, &oh) || p >= end || *p++ != ':' ||
            parse_digits(&p, end, 2, &om)) {
            return -1;
        }
    } else {
        return -1;
    }
    if (p != end || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || sec > 60 ||
        oh > 23 || om > 59) {
        return -1;
    }
    *t = days_from_civil(y, (unsigned)mo, (unsigned)d) * 86400 + h * 3600 + mi * 60 + sec
         - sign * (oh * 3600 + om * 60);
    return 0;
}

static const char *const month_names[12] = {
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"
};

/* RFC 3164 "Mmm dd hh:mm:ss" (day space- or zero-padded) -> month/day/time. */
static int parse_3164(const char *s, size_t len, int *mo, int *d, int *h, int *mi, int *sec)
{
    const char *p = s, *end = s + len;
    int i;

    if (len < 15) {
        return -1;
    }
    *mo = 0;
    for (i = 0; i < 12; i++) {
        if (strncasecmp(p, month_names[i], 3) == 0) {
            *mo = i + 1;
        }
    }
    if (*mo == 0) {
        return -1;
    }
    p += 3;
    if (*p++ != ' ') {
        return -1;
    }
    if (*p == ' ') {
        p++;
        if (parse_digits(&p, end, 1, d)) {
            return -1;
        }
    } else if (parse_digits(&p, end, 2, d)) {
        return -1;
    }
    if (p >= end || *p++ != ' ' || parse_digits(&p, end, 2, h) || p >= end || *p++ != ':' ||
        parse_digits(&p, end, 2, mi) || p >= end || *p++ != ':' ||
        parse_digits(&p, end, 2, sec)) {
        return -1;
    }
    if (p != end || *d < 1 || *d > 31 || *h > 23 || *mi > 59 || *sec > 60) {
        return -1;
    }
    return 0;
}

static void f_parse_time(const struct sl_expr *e, struct sl_msg *m, struct sl_val *out)
{
    struct sl_val a;
    size_t len;
    const char *s;
    int64_t t = 0;
    int mo, d, h, mi, sec;

    arg(e, 0, m, &a);
    s = val_to_str(&a, &len);
    tls_script_errno = 0;
    if (parse_3339(s, len, &t) == 0) {
        /* done */
    } else if (parse_3164(s, len, &mo, &d, &h, &mi, &sec) == 0) {
        time_t now = time(NULL);
        struct tm tm;
        int y;
        gmtime_r(&now, &tm);
        y = tm.tm_year + 1900;
        /* year guess: a month far in the future belongs to last year, December seen in
         * January... to next year's turn */
        if (mo - (tm.tm_mon + 1) == -11) {
            /* incoming January while it is December */
            y += 1;
        } else if (mo - (tm.tm_mon + 1) > 1) {
            y -= 1;
        }
        t = days_from_civil(y, (unsigned)mo, (unsigned)d) * 86400 + h * 3600 + mi * 60 + sec;
    } else {
        t = 0;
        tls_script_errno = 1;
    }
    val_num(out, t);
    val_free(&a);
}

static void f_is_time(const struct sl_expr *e, struct sl_msg *m, struct sl_val *out)
{
    struct sl_val a, f;
    size_t len, fl = 0;
    const char *s, *fs = NULL;
    int64_t t;
    int mo, d, h, mi, sec, r = 0, ok;

    arg(e, 0, m, &a);
    s = val_to_str(&a, &len);
    if (e->nargs == 2) {
        arg(e, 1, m, &f);
        fs = val_to_str(&f, &fl);
    }
    if (fs == NULL || (fl == 12 && strncmp(fs, "date-rfc3164", 12) == 0)) {
        r = parse_3164(s, len, &mo, &d, &h, &mi, &sec) == 0;
    }
    if (!r && (fs == NULL || (fl == 12 && strncmp(fs, "date-rfc3339", 12) == 0))) {
        r = parse_3339(s, len, &t) == 0;
    }
    if (!r && (fs == NULL || (fl == 9 && strncmp(fs, "date-unix", 9) == 0))) {
        (void)val_to_num(&a, &ok);
        r = ok;
    }
    tls_script_errno = r ? 0 : 1;
    val_num(out, r);
    if (e->nargs == 2) {
        val_free(&f);
    }
    val_free(&a);
}

static void f_format_time(const struct sl_expr *e, struct sl_msg *m, struct sl_val *out)
{
    struct sl_val a, f;
    size_t len, fl;
    const char *s, *fs;
    int ok;
    int64_t t;
    char buf[64];
    struct tm tm;
    time_t tt;

    arg(e, 0, m, &a);
    arg(e, 1, m, &f);
    t = val_to_num(&a, &ok);
    s = val_to_str(&a, &len);
    fs = val_to_str(&f, &fl);
    tt = (time_t)t;
    if (ok && gmtime_r(&tt, &tm) != NULL && fl == 12 && strncmp(fs, "date-rfc3164", 12) == 0) {
        snprintf(buf, sizeof(buf), "%s %2d %02d:%02d:%02d", month_names[tm.tm_mon], tm.tm_mday,
                 tm.tm_hour, tm.tm_min, tm.tm_sec);
        val_copy_str(out, buf, strlen(buf));
    } else if (ok && gmtime_r(&tt, &tm) != NULL && fl == 12
               && strncmp(fs, "date-rfc3339", 12) == 0) {
        snprintf(buf, sizeof(buf), "%04d-%02d-%02dT%02d:%02d:%02dZ", tm.tm_year + 1900,
                 tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
        val_copy_str(out, buf, strlen(buf));
    } else if (ok) {
        /* rsyslogd 8.2302 knows only these two formats: a number with any other format
         * (date-unixtimestamp, date-mysql, "") gives "" */
        val_copy_str(out, "", 0);
    } else {
        val_copy_str(out, s, len < 63 ? len : 63);
    }
    val_free(&a);
    val_free(&f);
}

/* ---- lookup tables ---- */
enum { LT_STRING = 1, LT_ARRAY, LT_SPARSE };

struct lt_entry {
    char *skey;        /* LT_STRING */
    uint32_t nkey;     /* LT_ARRAY, LT_SPARSE: rsyslog's 32-bit unsigned index */
    char *val;
};

struct sl_lookup {
    _Atomic int refs;  /* one per lookup() node using it */
    char *name;
    int type;
    char *nomatch;
    size_t n;
    struct lt_entry *e;  /* sorted by key */
};

static void lookup_unref(void *p)
{
    struct sl_lookup *t = p;
    size_t i;

    if (t == NULL || atomic_fetch_sub(&t->refs, 1) != 1) {
        return;
    }
    for (i = 0; i < t->n; i++) {
        free(t->e[i].skey);
        free(t->e[i].val);
    }
    free(t->e);
    free(t->name);
    free(t->nomatch);
    free(t);
}

static int lt_cmp(const void *a, const void *b)
{
    const struct lt_entry *x = a, *y = b;

    return strcmp(x->skey, y->skey);
}

/* Numeric tables order and search their keys as rsyslog 8.2302's lookup.c does: with the
 * difference of the two unsigned 32-bit keys taken as an int.  That is not a total order
 * when keys are 2^31 or more apart (e.g. IPv4 addresses as numbers from 10.x to 198.x), so
 * the sorted order, and which entry a sparse lookup finds, follow from the sort and search
 * algorithms: the same qsort() over the entries in file order, and search_lte() below. */
static int lt_ncmp(const void *a, const void *b)
{
    const struct lt_entry *x = a, *y = b;

    return (int)(x->nkey - y->nkey);
}

/* rsyslog's search for a sparseArray: a binary search that remembers the last probe; on a
 * miss it returns that probe, or the one before it if the key compared lower. */
static const struct lt_entry *search_lte(uint32_t key, const struct lt_entry *e, size_t n)
{
    size_t l = 0, u = n, idx = 0;
    int c = 0;

    if (n == 0) {
        return NULL;
    }
    while (l < u) {
        idx = (l + u) / 2;
        c = (int)(key - e[idx].nkey);
        if (c < 0) {
            u = idx;
        } else if (c > 0) {
            l = idx + 1;
        } else {
            return &e[idx];
        }
    }
    if (c < 0) {
        if (idx == 0) {
            return NULL;
        }
        idx--;
    }
    return &e[idx];
}

static const char *json_str_member(struct fjson_object *o, const char *key)
{
    struct fjson_object *v = NULL;

    if (!fjson_object_object_get_ex(o, key, &v) || v == NULL) {
        return NULL;
    }
    return fjson_object_get_string(v);
}

/* Load a table file (rsyslog's lookup table JSON, version 1). NULL after a reported error. */
static struct sl_lookup *lookup_load(const char *name, const char *file, const struct sl_loc *loc)
{
    struct fjson_object *root = fjson_object_from_file(file), *tab = NULL, *el, *iv;
    struct sl_lookup *t;
    const char *type, *nm;
    int i, n;

    if (root == NULL || !fjson_object_is_type(root, fjson_type_object)) {
        sl_cfg_error(loc, "lookup table '%s': cannot read or parse file '%s'", name, file);
        if (root != NULL) {
            fjson_object_put(root);
        }
        return NULL;
    }
    t = sl_xcalloc(1, sizeof(*t));
    t->refs = 0;
    t->name = sl_xstrdup(name);
    type = json_str_member(root, "type");
    if (type == NULL || strcmp(type, "string") == 0) {
        t->type = LT_STRING;
    } else if (strcmp(type, "array") == 0) {
        t->type = LT_ARRAY;
    } else if (strcmp(type, "sparseArray") == 0) {
        t->type = LT_SPARSE;
    } else {
        sl_cfg_error(loc, "lookup table '%s': unknown type '%s'", name, type);
        goto fail;
    }
    nm = json_str_member(root, "nomatch");
    t->nomatch = sl_xstrdup(nm != NULL ? nm : "");
    if (fjson_object_object_get_ex(root, "table", &tab) && tab != NULL
        && fjson_object_is_type(tab, fjson_type_array)) {
        n = fjson_object_array_length(tab);
        t->e = sl_xcalloc((size_t)n + 1, sizeof(*t->e));
        for (i = 0; i < n; i++) {
            const char *v;
            el = fjson_object_array_get_idx(tab, i);
            if (el == NULL || !fjson_object_is_type(el, fjson_type_object)
                || !fjson_object_object_get_ex(el, "index", &iv) || iv == NULL
                || (v = json_str_member(el, "value")) == NULL) {
                sl_cfg_error(loc, "lookup table '%s': entry %d needs \"index\" and \"value\"",
                             name, i);
                goto fail;
            }
            if (t->type == LT_STRING) {
                t->e[t->n].skey = sl_xstrdup(fjson_object_get_string(iv));
            } else {
                /* rsyslog: (uint32_t)json_object_get_int(), which clamps to the int32
                 * range: indexes of 2^31 and more all become 2147483647 */
                t->e[t->n].nkey = (uint32_t)fjson_object_get_int(iv);
            }
            t->e[t->n].val = sl_xstrdup(v);
            t->n++;
        }
        qsort(t->e, t->n, sizeof(*t->e), t->type == LT_STRING ? lt_cmp : lt_ncmp);
    }
    if (t->type == LT_ARRAY) {
        size_t k;
        for (k = 1; k < t->n; k++) {
            if (t->e[k].nkey != (uint32_t)(t->e[k - 1].nkey + 1)) {
                sl_cfg_error(loc, "lookup table '%s': array indexes must be consecutive", name);
                goto fail;
            }
        }
    }
    fjson_object_put(root);
    return t;
fail:
    fjson_object_put(root);
    t->refs = 1;
    lookup_unref(t);
    return NULL;
}

static int init_lookup(struct sl_expr *e)
{
    if (e->args[0]->op != SL_E_STR) {
        sl_cfg_error(&e->loc, "table name (param 1) of lookup() must be a constant string");
        return 1;
    }
    return 0;   /* bound to its table by sl_expr_bind_lookups() */
}

static void f_lookup(const struct sl_expr *e, struct sl_msg *m, struct sl_val *out)
{
    const struct sl_lookup *t = e->fdata;
    const char *res;
    struct sl_val k;

    if (t == NULL) {
        val_copy_str(out, "TABLE-NOT-FOUND", 15);
        return;
    }
    res = t->nomatch;
    arg(e, 1, m, &k);
    if (t->type == LT_STRING) {
        char *key = val_cstr(&k, NULL);
        struct lt_entry probe = { key, 0, NULL };
        const struct lt_entry *hit = bsearch(&probe, t->e, t->n, sizeof(*t->e), lt_cmp);
        if (hit != NULL) {
            res = hit->val;
        }
        free(key);
    } else {
        /* rsyslog: (uint32_t) of the number */
        uint32_t key = (uint32_t)val_to_num(&k, NULL);
        if (t->type == LT_ARRAY) {
            if (t->n > 0 && (uint32_t)(key - t->e[0].nkey) < t->n) {
                res = t->e[key - t->e[0].nkey].val;
            }
        } else {
            const struct lt_entry *hit = search_lte(key, t->e, t->n);
            if (hit != NULL) {
                res = hit->val;
            }
        }
    }
    val_copy_str(out, res, strlen(res));
    val_free(&k);
}

/* exec_template(): the engine's template registry and renderer (see sl_expr_bind_templates) */
struct tpl_binder {
    const struct sl_tpl_registry *reg;
    sl_expr_tpl_find_fn find;
    sl_expr_tpl_render_fn render;
};

/* fdata of a bound exec_template() node */
struct exec_tpl {
    const struct sl_template *tpl;
    sl_expr_tpl_render_fn render;
};

/* exec_template("name"): the template rendered for the message, as a string.  The name
 * must be a constant; the template is bound once the engine has built its registry. */
static int init_exec_template(struct sl_expr *e)
{
    if (e->args[0]->op != SL_E_STR) {
        sl_cfg_error(&e->loc, "exec_template(): the template name must be a constant string");
        return 1;
    }
    return 0;
}

static void f_exec_template(const struct sl_expr *e, struct sl_msg *m, struct sl_val *out)
{
    const struct exec_tpl *x = e->fdata;
    struct sl_buf b = { NULL, 0, 0 };

    if (x == NULL || x->render(x->tpl, m, &b) != 0 || b.p == NULL) {
        free(b.p);
        val_copy_str(out, "", 0);
        return;
    }
    val_take(out, b.p, b.len);
}

struct bind_ctx {
    const struct sl_cnf *c;
    const struct tpl_binder *tb;   /* set: bind exec_template(); NULL: bind lookup() */
    struct sl_lookup **loaded;
    size_t nloaded;
    const char **failed;   /* names already reported (borrowed from the IR) */
    size_t nfailed;
    int nerr;
};

static struct sl_lookup *bind_fail(struct bind_ctx *b, const char *name)
{
    b->nerr++;
    b->failed = sl_xrealloc(b->failed, (b->nfailed + 1) * sizeof(*b->failed));
    b->failed[b->nfailed++] = name;
    return NULL;
}

/* (own kv search, so that this file does not need ir.c: the unit tests link without it) */
static struct sl_kv *kv_get(struct sl_kv *kv, const char *name)
{
    for (; kv != NULL; kv = kv->next) {
        if (kv->name != NULL && strcasecmp(kv->name, name) == 0) {
            return kv;
        }
    }
    return NULL;
}

static struct sl_lookup *bind_find(struct bind_ctx *b, const char *name, const struct sl_loc *loc)
{
    const struct sl_obj *o;
    struct sl_kv *kn, *kf;
    size_t i;

    for (i = 0; i < b->nloaded; i++) {
        if (strcmp(b->loaded[i]->name, name) == 0) {
            return b->loaded[i];
        }
    }
    for (i = 0; i < b->nfailed; i++) {
        if (strcmp(b->failed[i], name) == 0) {
            return NULL;   /* reported once already */
        }
    }
    for (o = b->c->objs; o != NULL; o = o->next) {
        if (o->type != SL_OBJ_LOOKUP_TABLE) {
            continue;
        }
        kn = kv_get(o->kv, "name");
        if (kn == NULL || kn->is_array || kn->str == NULL || strcmp(kn->str, name) != 0) {
            continue;
        }
        kf = kv_get(o->kv, "file");
        if (kf == NULL || kf->is_array || kf->str == NULL) {
            sl_cfg_error(&o->loc, "lookup_table '%s' needs file=", name);
            return bind_fail(b, name);
        }
        {
            struct sl_lookup *t = lookup_load(name, kf->str, &o->loc);
            if (t == NULL) {
                return bind_fail(b, name);
            }
            t->refs = 1;   /* held by the bind context until the end */
            b->loaded = sl_xrealloc(b->loaded, (b->nloaded + 1) * sizeof(*b->loaded));
            b->loaded[b->nloaded++] = t;
            return t;
        }
    }
    sl_cfg_error(loc, "lookup table '%s' not found (used in function: lookup)", name);
    return bind_fail(b, name);
}

static void bind_expr(struct bind_ctx *b, struct sl_expr *e)
{
    size_t i;

    if (e == NULL) {
        return;
    }
    bind_expr(b, e->l);
    bind_expr(b, e->r);
    for (i = 0; i < e->nargs; i++) {
        bind_expr(b, e->args[i]);
    }
    if (b->tb != NULL) {
        if (e->op == SL_E_FUNC && e->fn != NULL && e->fn->eval == f_exec_template &&
            e->fdata == NULL) {
            const struct sl_template *t = b->tb->find(b->tb->reg, e->args[0]->str);
            if (t == NULL) {
                sl_cfg_error(&e->loc, "exec_template(): template '%s' could not be found",
                             e->args[0]->str);
                b->nerr++;
            } else {
                struct exec_tpl *x = sl_xcalloc(1, sizeof(*x));
                x->tpl = t;
                x->render = b->tb->render;
                e->fdata = x;
            }
        }
        return;
    }
    if (e->op == SL_E_FUNC && e->fn != NULL && e->fn->eval == f_lookup && e->fdata == NULL) {
        struct sl_lookup *t = bind_find(b, e->args[0]->str, &e->loc);
        if (t != NULL) {
            atomic_fetch_add(&t->refs, 1);
            e->fdata = t;
        }
    }
}

static void bind_stmts(struct bind_ctx *b, struct sl_stmt *s)
{
    for (; s != NULL; s = s->next) {
        switch (s->type) {
        case SL_ST_IF:
            bind_expr(b, s->u.cond.cond);
            bind_stmts(b, s->u.cond.then_);
            bind_stmts(b, s->u.cond.else_);
            break;
        case SL_ST_PRIFILT:
            bind_stmts(b, s->u.prifilt.then_);
            break;
        case SL_ST_PROPFILT:
            bind_stmts(b, s->u.propfilt.then_);
            break;
        case SL_ST_SET:
            bind_expr(b, s->u.set.expr);
            break;
        case SL_ST_FOREACH:
            bind_expr(b, s->u.foreach_.iter);
            bind_stmts(b, s->u.foreach_.body);
            break;
        case SL_ST_CALL:
            bind_expr(b, s->u.call.expr);
            break;
        default:
            break;
        }
    }
}

int sl_expr_bind_lookups(struct sl_cnf *c)
{
    struct bind_ctx b = { c, NULL, NULL, 0, NULL, 0, 0 };
    struct sl_ruleset_ir *rs;
    size_t i;

    if (c == NULL) {
        return 0;
    }
    for (rs = c->rulesets; rs != NULL; rs = rs->next) {
        bind_stmts(&b, rs->stmts);
    }
    for (i = 0; i < b.nloaded; i++) {
        lookup_unref(b.loaded[i]);
    }
    free(b.loaded);
    free(b.failed);
    return b.nerr;
}

int sl_expr_bind_templates(struct sl_cnf *c, const struct sl_tpl_registry *reg,
                           sl_expr_tpl_find_fn find, sl_expr_tpl_render_fn render)
{
    struct tpl_binder tb = { reg, find, render };
    struct bind_ctx b = { c, &tb, NULL, 0, NULL, 0, 0 };
    struct sl_ruleset_ir *rs;

    if (c == NULL) {
        return 0;
    }
    for (rs = c->rulesets; rs != NULL; rs = rs->next) {
        bind_stmts(&b, rs->stmts);
    }
    return b.nerr;
}

static int init_unsupported(struct sl_expr *e)
{
    sl_cfg_error(&e->loc, "function '%s' is not supported by sluice yet", e->fname);
    return 1;
}

static void f_zero(const struct sl_expr *e, struct sl_msg *m, struct sl_val *out)
{
    val_num(out, 0);
}

static const struct sl_func functions[] = {
    { "strlen", 1, 1, f_strlen, NULL, NULL },
    { "getenv", 1, 1, f_getenv, NULL, NULL },
    { "num2ipv4", 1, 1, f_num2ipv4, NULL, NULL },
    { "int2hex", 1, 1, f_int2hex, NULL, NULL },
    { "substring", 3, 3, f_substring, NULL, NULL },
    { "ltrim", 1, 1, f_ltrim, NULL, NULL },
    { "rtrim", 1, 1, f_rtrim, NULL, NULL },
    { "tolower", 1, 1, f_tolower, NULL, NULL },
    { "cstr", 1, 1, f_cstr, NULL, NULL },
    { "cnum", 1, 1, f_cnum, NULL, NULL },
    { "ip42num", 1, 1, f_ipv42num, NULL, NULL },
    { "ipv42num", 1, 1, f_ipv42num, NULL, NULL },
    { "re_match", 2, 2, f_re_match, init_re, re_data_free },
    { "re_match_i", 2, 2, f_re_match, init_re_i, re_data_free },
    { "re_extract", 5, 5, f_re_extract, init_re, re_data_free },
    { "re_extract_i", 5, 5, f_re_extract, init_re_i, re_data_free },
    { "field", 3, 3, f_field, NULL, NULL },
    { "prifilt", 1, 1, f_prifilt, init_prifilt, free },
    { "replace", 3, 3, f_replace, NULL, NULL },
    { "wrap", 2, 3, f_wrap, NULL, NULL },
    { "random", 1, 1, f_random, NULL, NULL },
    { "format_time", 2, 2, f_format_time, NULL, NULL },
    { "parse_time", 1, 1, f_parse_time, NULL, NULL },
    { "is_time", 1, 2, f_is_time, NULL, NULL },
    { "parse_json", 2, 2, f_parse_json, NULL, NULL },
    { "exists", 1, 1, f_exists, init_exists, NULL },
    { "get_property", 2, 2, f_get_property, NULL, NULL },
    { "lookup", 2, 2, f_lookup, init_lookup, lookup_unref },
    { "script_error", 0, 0, f_script_error, NULL, NULL },
    { "previous_action_suspended", 0, 0, f_prev_suspended, NULL, NULL },
    /* known to rsyslog 8.2302 but not implemented here: rejected at load time */
    { "exec_template", 1, 1, f_exec_template, init_exec_template, free },
    { "dyn_inc", 2, 2, f_zero, init_unsupported, NULL },
    { NULL, 0, 0, NULL, NULL, NULL }
};

/* ---------------------------------------------------------------------------------------
 * Resolution
 * ------------------------------------------------------------------------------------- */

/* A comparison optimized the way rsyslog's optimizer does it: $syslogfacility-text or
 * $syslogseverity-text compared (==, !=) with a constant name becomes a priority mask,
 * matching names case-insensitively. */
struct cmp_mask {
    uint8_t pmask[25];
};

static int resolve_cmp_text(struct sl_expr *e)
{
    struct cmp_mask *cm;
    int v, i;
    const struct sl_expr *l = e->l, *r = e->r;

    if (l == NULL || r == NULL || l->op != SL_E_PROP || r->op != SL_E_STR) {
        return 0;
    }
    if (l->prop.id == SL_PROP_SYSLOGFACILITY_TEXT) {
        v = name_lookup(r->str, strlen(r->str), 1);
        if (v < 0) {
            sl_cfg_error(&e->loc, "invalid facility '%s', expression will always evaluate to "
                         "FALSE", r->str);
            return 1;
        }
        cm = sl_xcalloc(1, sizeof(*cm));
        cm->pmask[v] = PRI_ALL;
    } else if (l->prop.id == SL_PROP_SYSLOGSEVERITY_TEXT) {
        v = strcmp(r->str, "*") == 0 ? -1 : name_lookup(r->str, strlen(r->str), 0);
        if (v < 0) {
            sl_cfg_error(&e->loc, "invalid syslogseverity '%s', expression will always "
                         "evaluate to FALSE", r->str);
            return 1;
        }
        cm = sl_xcalloc(1, sizeof(*cm));
        for (i = 0; i < 25; i++) {
            /* "none" (not a severity) selects nothing, as in rsyslog */
            cm->pmask[i] = v <= 7 ? (uint8_t)(1u << v) : 0;
        }
    } else {
        return 0;
    }
    if (e->op == SL_E_NE) {
        for (i = 0; i < 25; i++) {
            cm->pmask[i] = (uint8_t)~cm->pmask[i];
        }
    }
    e->fdata = cm;
    return 0;
}

/* rsyslog rejects $syslogseverity / $syslogfacility compared with an impossible constant
 * (the comparison itself keeps its numeric meaning). */
static int check_pri_range(const struct sl_expr *e)
{
    const struct sl_expr *l = e->l, *r = e->r;

    if (l == NULL || r == NULL || l->op != SL_E_PROP || r->op != SL_E_NUM) {
        return 0;
    }
    if (l->prop.id == SL_PROP_SYSLOGSEVERITY && (r->num < 0 || r->num > 7)) {
        sl_cfg_error(&e->loc, "invalid syslogseverity %" PRId64 ", expression will always "
                     "evaluate to FALSE", r->num);
        return 1;
    }
    if (l->prop.id == SL_PROP_SYSLOGFACILITY && (r->num < 0 || r->num > 24)) {
        sl_cfg_error(&e->loc, "invalid syslogfacility %" PRId64 ", expression will always "
                     "evaluate to FALSE", r->num);
        return 1;
    }
    return 0;
}

int sl_expr_resolve(struct sl_expr *e)
{
    int nerr = 0;
    size_t i;
    const struct sl_func *f;

    if (e == NULL) {
        return 0;
    }
    if (e->l != NULL) {
        nerr += sl_expr_resolve(e->l);
    }
    if (e->r != NULL) {
        nerr += sl_expr_resolve(e->r);
    }
    for (i = 0; i < e->nargs; i++) {
        nerr += sl_expr_resolve(e->args[i]);
    }
    switch (e->op) {
    case SL_E_FUNC:
        if (e->fn != NULL) {
            return nerr;   /* resolved already */
        }
        for (f = functions; f->name != NULL; f++) {
            if (e->fname != NULL && strcmp(f->name, e->fname) == 0) {
                break;
            }
        }
        if (f->name == NULL) {
            sl_cfg_error(&e->loc, "function '%s' not found", e->fname ? e->fname : "");
            return nerr + 1;
        }
        if (e->nargs < f->min_args || e->nargs > f->max_args) {
            if (f->min_args == f->max_args) {
                sl_cfg_error(&e->loc, "number of parameters for %s() must be %u but is %zu",
                             f->name, f->max_args, e->nargs);
            } else if (e->nargs < f->min_args) {
                sl_cfg_error(&e->loc, "number of parameters for %s() must be at least %u but "
                             "is %zu", f->name, f->min_args, e->nargs);
            } else {
                sl_cfg_error(&e->loc, "number of parameters for %s() must be at most %u but "
                             "is %zu", f->name, f->max_args, e->nargs);
            }
            return nerr + 1;
        }
        if (f->init != NULL) {
            int n = f->init(e);
            if (n > 0) {
                return nerr + n;
            }
        }
        e->fn = f;
        break;
    case SL_E_EQ:
    case SL_E_NE:
        if (e->fdata == NULL) {
            nerr += resolve_cmp_text(e);
        }
        nerr += check_pri_range(e);
        break;
    case SL_E_LT:
    case SL_E_LE:
    case SL_E_GT:
    case SL_E_GE:
        nerr += check_pri_range(e);
        break;
    default:
        break;
    }
    return nerr;
}

void sl_expr_free(struct sl_expr *e)
{
    size_t i;

    if (e == NULL) {
        return;
    }
    if (e->fdata != NULL) {
        if (e->op == SL_E_FUNC && e->fn != NULL && e->fn->destroy != NULL) {
            e->fn->destroy(e->fdata);
        } else if (e->op == SL_E_EQ || e->op == SL_E_NE) {
            free(e->fdata);
        }
    }
    sl_expr_free(e->l);
    sl_expr_free(e->r);
    free(e->str);
    for (i = 0; i < e->arr.n; i++) {
        free(e->arr.v[i]);
    }
    free(e->arr.v);
    sl_propref_clear(&e->prop);
    free(e->fname);
    for (i = 0; i < e->nargs; i++) {
        sl_expr_free(e->args[i]);
    }
    free(e->args);
    free(e);
}

/* ---------------------------------------------------------------------------------------
 * Evaluation
 * ------------------------------------------------------------------------------------- */
static void eval_prop(const struct sl_expr *e, struct sl_msg *m, struct sl_val *out)
{
    const struct sl_propref *ref = &e->prop;
    char *to_free = NULL;
    size_t len = 0;
    const char *s;

    if (ref->id == SL_PROP_CEE || ref->id == SL_PROP_LOCAL_VAR || ref->id == SL_PROP_GLOBAL_VAR) {
        struct fjson_object *j = sl_msg_json_get(m, ref->id, ref->path ? ref->path : "");
        if (j == NULL) {
            out->type = V_STR;
            out->s = "";
            out->len = 0;
        } else if (fjson_object_is_type(j, fjson_type_string)) {
            out->json = fjson_object_get(j);
            out->type = V_STR;
            out->s = fjson_object_get_string(j);
            out->len = (size_t)fjson_object_get_string_len(j);
        } else {
            out->json = fjson_object_get(j);
            out->type = V_JSON;
        }
        return;
    }
    s = sl_msg_prop(m, ref, &len, out->buf, &to_free);
    out->type = V_STR;
    out->s = s != NULL ? s : "";
    out->len = s != NULL ? len : 0;
    out->owned = to_free;
}

static int in_array(const struct sl_strarr *a, const char *s, size_t len)
{
    size_t i;

    for (i = 0; i < a->n; i++) {
        if (strlen(a->v[i]) == len && memcmp(a->v[i], s, len) == 0) {
            return 1;
        }
    }
    return 0;
}

/* == and != (rsyslog keeps the exact, type-driven logic here). */
static int eval_equal(const struct sl_expr *e, struct sl_msg *m)
{
    const struct sl_expr *le = e->l, *re = e->r;
    struct sl_val l, r;
    const char *ls, *rs;
    size_t ll, rl;
    int eq, ok;
    int64_t n;

    if (le->op == SL_E_ARRAY && re->op != SL_E_ARRAY) {
        const struct sl_expr *t = le;   /* rsyslog's optimizer swaps these */
        le = re;
        re = t;
    }
    val_init(&l);
    val_init(&r);
    eval_node(le, m, &l);
    if (re->op == SL_E_ARRAY && (l.type == V_STR || (l.type == V_JSON && e->op == SL_E_EQ))) {
        /* (rsyslog's "!=" with a JSON left side compares with the first element only: that
         * case falls through to the generic code, where the array is its first element) */
        ls = val_to_str(&l, &ll);
        eq = in_array(&re->arr, ls, ll);
        val_free(&l);
        return e->op == SL_E_EQ ? eq : !eq;
    }
    eval_node(re, m, &r);
    if (r.type == V_JSON) {
        /* rsyslog 8.2302 compares the left number with the JSON operand's storage, not its
         * value: never equal, unless the left side is a non-numeric string, which is
         * compared with the JSON text ($!n == $!m is false even for equal numbers). */
        if (l.type == V_STR) {
            (void)str2num(l.s, l.len, &ok);
            if (!ok) {
                rs = val_to_str(&r, &rl);
                eq = bytes_cmp(l.s, l.len, rs, rl) == 0;
            } else {
                eq = 0;
            }
        } else {
            eq = 0;
        }
    } else if (l.type == V_STR && r.type == V_STR) {
        eq = bytes_cmp(l.s, l.len, r.s, r.len) == 0;
    } else if (l.type != V_NUM && r.type != V_NUM) {
        /* JSON (left) with a string: compare string forms */
        ls = val_to_str(&l, &ll);
        rs = val_to_str(&r, &rl);
        eq = bytes_cmp(ls, ll, rs, rl) == 0;
    } else if (l.type == V_NUM && r.type == V_NUM) {
        eq = l.n == r.n;
    } else {
        struct sl_val *sv = l.type == V_NUM ? &r : &l;   /* the non-number side */
        struct sl_val *nv = l.type == V_NUM ? &l : &r;
        n = val_to_num(sv, &ok);
        if (ok) {
            eq = n == nv->n;
        } else {
            ls = val_to_str(&l, &ll);
            rs = val_to_str(&r, &rl);
            eq = bytes_cmp(ls, ll, rs, rl) == 0;
        }
    }
    val_free(&l);
    val_free(&r);
    return e->op == SL_E_EQ ? eq : !eq;
}

/* <, <=, >, >= : numeric when both convert (difference truncated to int), else strings. */
static int eval_order(const struct sl_expr *e, struct sl_msg *m)
{
    struct sl_val l, r;
    int okl, okr, c;
    int64_t nl, nr;

    val_init(&l);
    val_init(&r);
    eval_node(e->l, m, &l);
    eval_node(e->r, m, &r);
    nl = val_to_num(&l, &okl);
    nr = val_to_num(&r, &okr);
    if (okl && okr) {
        c = (int)(int32_t)(uint32_t)((uint64_t)nl - (uint64_t)nr);
    } else {
        const char *ls, *rs;
        size_t ll, rl;
        ls = val_to_str(&l, &ll);
        rs = val_to_str(&r, &rl);
        c = bytes_cmp(ls, ll, rs, rl);
    }
    val_free(&l);
    val_free(&r);
    switch (e->op) {
    case SL_E_LT: return c < 0;
    case SL_E_LE: return c <= 0;
    case SL_E_GT: return c > 0;
    default: return c >= 0;
    }
}

static int eval_strop(const struct sl_expr *e, struct sl_msg *m)
{
    struct sl_val l, r;
    const char *ls, *rs;
    size_t ll, rl, i;
    int res = 0, icase = (e->op == SL_E_CONTAINS_I || e->op == SL_E_STARTSWITH_I);
    int contains = (e->op == SL_E_CONTAINS || e->op == SL_E_CONTAINS_I);

    val_init(&l);
    eval_node(e->l, m, &l);
    ls = val_to_str(&l, &ll);
    if (e->r->op == SL_E_ARRAY) {
        for (i = 0; i < e->r->arr.n && !res; i++) {
            const char *p = e->r->arr.v[i];
            res = contains ? find_bytes(ls, ll, p, strlen(p), icase) != NULL
                           : starts_with(ls, ll, p, strlen(p), icase);
        }
    } else {
        val_init(&r);
        eval_node(e->r, m, &r);
        rs = val_to_str(&r, &rl);
        res = contains ? find_bytes(ls, ll, rs, rl, icase) != NULL
                       : starts_with(ls, ll, rs, rl, icase);
        val_free(&r);
    }
    val_free(&l);
    return res;
}

static int64_t eval_num(const struct sl_expr *e, struct sl_msg *m)
{
    struct sl_val v;
    int64_t n;

    val_init(&v);
    eval_node(e, m, &v);
    n = val_to_num(&v, NULL);
    val_free(&v);
    return n;
}

static void eval_node(const struct sl_expr *e, struct sl_msg *m, struct sl_val *out)
{
    int64_t a, b;

    switch (e->op) {
    case SL_E_STR:
        out->type = V_STR;
        out->s = e->str != NULL ? e->str : "";
        out->len = strlen(out->s);
        break;
    case SL_E_NUM:
        val_num(out, e->num);
        break;
    case SL_E_ARRAY:
        out->type = V_STR;
        out->s = e->arr.n > 0 ? e->arr.v[0] : "";
        out->len = strlen(out->s);
        break;
    case SL_E_PROP:
        eval_prop(e, m, out);
        break;
    case SL_E_AND:
        val_num(out, eval_num(e->l, m) != 0 && eval_num(e->r, m) != 0);
        break;
    case SL_E_OR:
        val_num(out, eval_num(e->l, m) != 0 || eval_num(e->r, m) != 0);
        break;
    case SL_E_NOT:
        val_num(out, eval_num(e->l != NULL ? e->l : e->r, m) == 0);
        break;
    case SL_E_EQ:
    case SL_E_NE:
        if (e->fdata != NULL) {
            val_num(out, msg_pri_match(((const struct cmp_mask *)e->fdata)->pmask, m));
        } else {
            val_num(out, eval_equal(e, m));
        }
        break;
    case SL_E_LT:
    case SL_E_LE:
    case SL_E_GT:
    case SL_E_GE:
        val_num(out, eval_order(e, m));
        break;
    case SL_E_CONTAINS:
    case SL_E_CONTAINS_I:
    case SL_E_STARTSWITH:
    case SL_E_STARTSWITH_I:
        val_num(out, eval_strop(e, m));
        break;
    case SL_E_PLUS:
    case SL_E_MINUS:
    case SL_E_TIMES:
    case SL_E_DIV:
    case SL_E_MOD:
        a = eval_num(e->l, m);
        b = eval_num(e->r, m);
        if (e->op == SL_E_PLUS) {
            val_num(out, (int64_t)((uint64_t)a + (uint64_t)b));
        } else if (e->op == SL_E_MINUS) {
            val_num(out, (int64_t)((uint64_t)a - (uint64_t)b));
        } else if (e->op == SL_E_TIMES) {
            val_num(out, (int64_t)((uint64_t)a * (uint64_t)b));
        } else if (b == 0) {
            val_num(out, 0);   /* rsyslog: division by zero yields 0 */
        } else if (b == -1) {
            val_num(out, e->op == SL_E_DIV ? (int64_t)(0 - (uint64_t)a) : 0);
        } else {
            val_num(out, e->op == SL_E_DIV ? a / b : a % b);
        }
        break;
    case SL_E_NEG:
        val_num(out, (int64_t)(0 - (uint64_t)eval_num(e->l != NULL ? e->l : e->r, m)));
        break;
    case SL_E_CONCAT: {
        struct sl_val l, r;
        const char *ls, *rs;
        size_t ll, rl;
        char *p;
        val_init(&l);
        val_init(&r);
        eval_node(e->l, m, &l);
        eval_node(e->r, m, &r);
        ls = val_to_str(&l, &ll);
        rs = val_to_str(&r, &rl);
        p = sl_xmalloc(ll + rl + 1);
        memcpy(p, ls, ll);
        memcpy(p + ll, rs, rl);
        p[ll + rl] = '\0';
        val_take(out, p, ll + rl);
        val_free(&l);
        val_free(&r);
        break;
    }
    case SL_E_FUNC:
        if (e->fn == NULL) {
            val_num(out, 0);   /* unresolved (config error reported): evaluates to 0 */
        } else {
            e->fn->eval(e, m, out);
        }
        break;
    default:
        val_num(out, 0);
        break;
    }
}

int sl_expr_truth(int64_t n)
{
    /* rsyslog stores the if-condition in an sbool (char): only the low 8 bits count */
    return (n & 0xff) != 0;
}

int sl_expr_eval_bool(const struct sl_expr *e, struct sl_msg *m)
{
    if (e == NULL) {
        return 0;
    }
    return sl_expr_truth(eval_num(e, m));
}

struct fjson_object *sl_expr_eval_json(const struct sl_expr *e, struct sl_msg *m)
{
    struct sl_val v;
    struct fjson_object *j;

    if (e == NULL) {
        return NULL;
    }
    val_init(&v);
    eval_node(e, m, &v);
    switch (v.type) {
    case V_NUM:
        j = fjson_object_new_int64(v.n);
        break;
    case V_JSON:
        j = json_deep_copy(v.json);
        break;
    default:
        j = fjson_object_new_string_len(v.s, (int)v.len);
        break;
    }
    val_free(&v);
    return j;
}

char *sl_expr_eval_str(const struct sl_expr *e, struct sl_msg *m)
{
    struct sl_val v;
    char *s;

    if (e == NULL) {
        return sl_xstrdup("");
    }
    val_init(&v);
    eval_node(e, m, &v);
    s = val_cstr(&v, NULL);
    val_free(&v);
    return s;
}
