/*
 * expr/fn_string.c - the string, number and address functions of RainerScript
 * (strlen, tolower, cstr, cnum, getenv, substring, replace, wrap, ltrim, rtrim, field,
 * int2hex, num2ipv4, ipv42num, random) with rsyslog 8.2302's results.
 *
 * Ownership: results are written into the caller's struct sl_val.
 * Concurrency & locking: random() keeps its state per thread; nothing else is shared.
 */
#include "config.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <libfastjson/json.h>

#include "util/buf.h"
#include "expr/eval_int.h"

/* ---- string functions ---- */
void f_strlen(const struct sl_expr *e, struct sl_msg *m, struct sl_val *out)
{
    struct sl_val a;
    size_t len;

    fn_arg(e, 0, m, &a);
    (void)val_to_str(&a, &len);
    val_num(out, (int64_t)len);
    val_free(&a);
}

static void f_case(const struct sl_expr *e, struct sl_msg *m, struct sl_val *out, int upper)
{
    struct sl_val a;
    size_t len, i;
    char *s;

    fn_arg(e, 0, m, &a);
    s = val_cstr(&a, &len);
    for (i = 0; i < len; i++) {
        s[i] = (char)(upper ? toupper((unsigned char)s[i]) : tolower((unsigned char)s[i]));
    }
    val_take(out, s, len);
    val_free(&a);
}

void f_tolower(const struct sl_expr *e, struct sl_msg *m, struct sl_val *out)
{
    f_case(e, m, out, 0);
}

void f_cstr(const struct sl_expr *e, struct sl_msg *m, struct sl_val *out)
{
    struct sl_val a;
    size_t len;
    const char *s;

    fn_arg(e, 0, m, &a);
    s = val_to_str(&a, &len);
    val_copy_str(out, s, len);
    val_free(&a);
}

void f_cnum(const struct sl_expr *e, struct sl_msg *m, struct sl_val *out)
{
    struct sl_val a;

    fn_arg(e, 0, m, &a);
    if (e->args[0]->op == SL_E_STR && a.type == V_STR) {
        val_num(out, const_str2num(a.s, a.len));
    } else {
        val_num(out, val_to_num(&a, NULL));
    }
    val_free(&a);
}

void f_getenv(const struct sl_expr *e, struct sl_msg *m, struct sl_val *out)
{
    struct sl_val a;
    char *name;
    const char *v;

    fn_arg(e, 0, m, &a);
    name = val_cstr(&a, NULL);
    v = getenv(name);
    if (v == NULL) {
        v = "";
    }
    val_copy_str(out, v, strlen(v));
    free(name);
    val_free(&a);
}

void f_substring(const struct sl_expr *e, struct sl_msg *m, struct sl_val *out)
{
    struct sl_val a, b, c;
    size_t len;
    const char *s;
    int64_t start, n, l;

    fn_arg(e, 0, m, &a);
    fn_arg(e, 1, m, &b);
    fn_arg(e, 2, m, &c);
    s = val_to_str(&a, &len);
    /* rsyslog 8.2302: int start and length; a negative length counts from the end of the
     * whole string (not from start), then the length is cut to what follows start.  A
     * negative start gives "" (rsyslog: "" or, when start + length wraps as unsigned
     * 32-bit, a crash). */
    l = (int64_t)len;
    start = (int32_t)val_to_num(&b, NULL);
    n = (int32_t)val_to_num(&c, NULL);
    if (start < 0 || start >= l) {
        start = n = 0;
    } else {
        if (n < 0) {
            n = l + n < 0 ? 0 : l + n;
        }
        if (n > l - start) {
            n = l - start;
        }
    }
    val_copy_str(out, s + start, (size_t)n);
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

void f_replace(const struct sl_expr *e, struct sl_msg *m, struct sl_val *out)
{
    struct sl_val a, b, c;
    size_t la, lb, lc, ol;
    const char *sa, *sb, *sc;
    char *res;

    fn_arg(e, 0, m, &a);
    fn_arg(e, 1, m, &b);
    fn_arg(e, 2, m, &c);
    sa = val_to_str(&a, &la);
    sb = val_to_str(&b, &lb);
    sc = val_to_str(&c, &lc);
    res = do_replace(sa, la, sb, lb, sc, lc, &ol);
    val_take(out, res, ol);
    val_free(&a);
    val_free(&b);
    val_free(&c);
}

void f_wrap(const struct sl_expr *e, struct sl_msg *m, struct sl_val *out)
{
    struct sl_val a, w, x;
    size_t la, lw, lx, lsrc;
    const char *sa, *sw, *sx;
    char *src = NULL, *res;

    fn_arg(e, 0, m, &a);
    fn_arg(e, 1, m, &w);
    sa = val_to_str(&a, &la);
    sw = val_to_str(&w, &lw);
    if (e->nargs == 3) {
        fn_arg(e, 2, m, &x);
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

void f_ltrim(const struct sl_expr *e, struct sl_msg *m, struct sl_val *out)
{
    struct sl_val a;
    size_t len, i = 0;
    const char *s;

    fn_arg(e, 0, m, &a);
    s = val_to_str(&a, &len);
    while (i < len && s[i] == ' ') {
        i++;
    }
    val_copy_str(out, s + i, len - i);
    val_free(&a);
}

void f_rtrim(const struct sl_expr *e, struct sl_msg *m, struct sl_val *out)
{
    struct sl_val a;
    size_t len;
    const char *s;

    fn_arg(e, 0, m, &a);
    s = val_to_str(&a, &len);
    while (len > 0 && s[len - 1] == ' ') {
        len--;
    }
    val_copy_str(out, s, len);
    val_free(&a);
}

void f_field(const struct sl_expr *e, struct sl_msg *m, struct sl_val *out)
{
    struct sl_val a, d, n;
    size_t len, dl = 1;
    const char *s, *ds, *p, *end, *q;
    char dc;
    int64_t want, cur = 1;

    fn_arg(e, 0, m, &a);
    fn_arg(e, 1, m, &d);
    fn_arg(e, 2, m, &n);
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
        q = sl_find_bytes(p, (size_t)(end - p), ds, dl, 0);
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
        q = sl_find_bytes(p, (size_t)(end - p), ds, dl, 0);
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
void f_int2hex(const struct sl_expr *e, struct sl_msg *m, struct sl_val *out)
{
    struct sl_val a;
    int ok;
    int64_t n;
    char buf[24];

    fn_arg(e, 0, m, &a);
    n = val_to_num(&a, &ok);
    if (!ok) {
        val_copy_str(out, "NAN", 3);
    } else {
        snprintf(buf, sizeof(buf), "%" PRIx64, (uint64_t)n);
        val_copy_str(out, buf, strlen(buf));
    }
    val_free(&a);
}

void f_num2ipv4(const struct sl_expr *e, struct sl_msg *m, struct sl_val *out)
{
    struct sl_val a;
    int ok;
    int64_t n;
    char buf[20];

    fn_arg(e, 0, m, &a);
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

void f_ipv42num(const struct sl_expr *e, struct sl_msg *m, struct sl_val *out)
{
    struct sl_val a;
    size_t len;
    const char *s;

    fn_arg(e, 0, m, &a);
    s = val_to_str(&a, &len);
    val_num(out, ipv4_to_num(s, len));
    val_free(&a);
}

void f_random(const struct sl_expr *e, struct sl_msg *m, struct sl_val *out)
{
    struct sl_val a;
    int ok;
    int64_t max, x;
    uint64_t z;

    fn_arg(e, 0, m, &a);
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
