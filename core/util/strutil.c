/*
 * util/strutil.c - see strutil.h.
 *
 * Ownership: nothing is allocated.  Concurrency & locking: pure functions, no state.
 */
#include "config.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "util/strutil.h"

int sl_hexval(int c)
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

const char *sl_find_bytes(const char *h, size_t hl, const char *n, size_t nl, int icase)
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

int sl_rs_str2num(const char *s, int64_t *out)
{
    int base = 10;
    int neg = 0;
    const char *p = s;
    if (*p == '\0') {
        return -1;
    }
    if (*p == '-') {
        neg = 1;
        p++;
    } else if (*p == '0') {
        base = 8;
    }
    int64_t v = 0;
    for (; *p != '\0'; p++) {
        int d = *p - '0';
        if (d < 0 || d >= base) {
            return -1;
        }
        if (v > (INT64_MAX - d) / base) {
            return -1;
        }
        v = v * base + d;
    }
    *out = neg ? -v : v;
    return 0;
}

int sl_size_suffix(char c, int64_t *mul)
{
    switch (c) {
    case 'k': *mul = 1024; return 0;
    case 'm': *mul = 1024 * 1024; return 0;
    case 'g': *mul = 1024LL * 1024 * 1024; return 0;
    case 't': *mul = 1024LL * 1024 * 1024 * 1024; return 0;
    case 'p': *mul = 1024LL * 1024 * 1024 * 1024 * 1024; return 0;
    case 'e': *mul = 1024LL * 1024 * 1024 * 1024 * 1024 * 1024; return 0;
    case 'K': *mul = 1000; return 0;
    case 'M': *mul = 1000 * 1000; return 0;
    case 'G': *mul = 1000LL * 1000 * 1000; return 0;
    case 'T': *mul = 1000LL * 1000 * 1000 * 1000; return 0;
    case 'P': *mul = 1000LL * 1000 * 1000 * 1000 * 1000; return 0;
    case 'E': *mul = 1000LL * 1000 * 1000 * 1000 * 1000 * 1000; return 0;
    default: return -1;
    }
}

int sl_legacy_num(const char *s, int64_t *out)
{
    const char *p = s;
    int neg = 0;
    if (*p == '-') {
        neg = 1;
        p++;
    }
    if (!isdigit((unsigned char)*p)) {
        return -1;
    }
    int64_t v = 0;
    for (; isdigit((unsigned char)*p) || *p == '.' || *p == ','; p++) {
        if (isdigit((unsigned char)*p)) {
            if (v > (INT64_MAX - 9) / 10) {
                return -1;
            }
            v = v * 10 + (*p - '0');
        }
    }
    int64_t mul = 1;
    if (*p != '\0') {
        if (sl_size_suffix(*p, &mul) != 0 || p[1] != '\0') {
            return -1;
        }
        if (v != 0 && mul > INT64_MAX / v) {
            return -1;
        }
    }
    *out = (neg ? -v : v) * mul;
    return 0;
}


size_t sl_edit_distance(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    if (la > 64 || lb > 64) {
        return 99;
    }
    size_t d[65][65];
    for (size_t i = 0; i <= la; i++) {
        d[i][0] = i;
    }
    for (size_t j = 0; j <= lb; j++) {
        d[0][j] = j;
    }
    for (size_t i = 1; i <= la; i++) {
        for (size_t j = 1; j <= lb; j++) {
            int ai = tolower((unsigned char)a[i - 1]), bj = tolower((unsigned char)b[j - 1]);
            size_t v = d[i - 1][j] + 1;
            if (d[i][j - 1] + 1 < v) {
                v = d[i][j - 1] + 1;
            }
            if (d[i - 1][j - 1] + (ai != bj) < v) {
                v = d[i - 1][j - 1] + (ai != bj);
            }
            if (i > 1 && j > 1 && ai == tolower((unsigned char)b[j - 2]) &&
                tolower((unsigned char)a[i - 2]) == bj && d[i - 2][j - 2] + 1 < v) {
                v = d[i - 2][j - 2] + 1;   /* two neighbours swapped */
            }
            d[i][j] = v;
        }
    }
    return d[la][lb];
}

void sl_suggest_init(struct sl_suggest *s, const char *name)
{
    s->name = name;
    s->best = (size_t)-1;
    s->cand[0] = '\0';
}

void sl_suggest_add(struct sl_suggest *s, const char *cand)
{
    if (cand == NULL || strlen(cand) >= sizeof s->cand) {
        return;
    }
    size_t dist = sl_edit_distance(s->name, cand);
    if (dist < s->best) {
        s->best = dist;
        snprintf(s->cand, sizeof s->cand, "%s", cand);
    }
}

const char *sl_suggest_best(const struct sl_suggest *s)
{
    size_t n = strlen(s->name);
    return s->cand[0] != '\0' && s->best <= 2 && s->best * 3 <= n ? s->cand : NULL;
}

const char *sl_suggest_text(const struct sl_suggest *s, char *buf, size_t size)
{
    const char *b = sl_suggest_best(s);
    if (b == NULL) {
        buf[0] = '\0';
    } else {
        snprintf(buf, size, "; did you mean '%s'?", b);
    }
    return buf;
}
