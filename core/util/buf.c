/*
 * buf.c - growable buffers and aborting allocators.
 */

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "util/buf.h"

int sl_buf_reserve(struct sl_buf *b, size_t extra)
{
    if (b->cap - b->len >= extra) {
        return 0;
    }
    size_t ncap = b->cap ? b->cap : 256;
    while (ncap - b->len < extra) {
        if (ncap > ((size_t)-1) / 2) {
            return SL_ENOMEM;
        }
        ncap *= 2;
    }
    char *np = realloc(b->p, ncap);
    if (np == NULL) {
        return SL_ENOMEM;
    }
    b->p = np;
    b->cap = ncap;
    return 0;
}

void sl_buf_free(struct sl_buf *b)
{
    free(b->p);
    b->p = NULL;
    b->len = b->cap = 0;
}

int sl_buf_printf(struct sl_buf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0) {
        return SL_EINVAL;
    }
    if (sl_buf_reserve(b, (size_t)n + 1) != 0) {
        return SL_ENOMEM;
    }
    va_start(ap, fmt);
    vsnprintf(b->p + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
    return 0;
}

static void oom(void)
{
    fputs("sluiced: out of memory\n", stderr);
    abort();
}

void *sl_xmalloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    if (p == NULL) {
        oom();
    }
    return p;
}

void *sl_xcalloc(size_t n, size_t m)
{
    void *p = calloc(n ? n : 1, m ? m : 1);
    if (p == NULL) {
        oom();
    }
    return p;
}

void *sl_xrealloc(void *p, size_t n)
{
    p = realloc(p, n ? n : 1);
    if (p == NULL) {
        oom();
    }
    return p;
}

char *sl_xstrdup(const char *s)
{
    char *p = strdup(s);
    if (p == NULL) {
        oom();
    }
    return p;
}

char *sl_xstrndup(const char *s, size_t n)
{
    char *p = strndup(s, n);
    if (p == NULL) {
        oom();
    }
    return p;
}
