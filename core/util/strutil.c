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
