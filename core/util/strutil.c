/*
 * util/strutil.c - see strutil.h.
 *
 * Ownership: nothing is allocated.  Concurrency & locking: pure functions, no state.
 */
#include "config.h"

#include <ctype.h>

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

