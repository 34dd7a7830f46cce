/*
 * buf.h - growable byte buffer (struct sl_buf from the plugin ABI) helpers.
 * Concurrency: none; a buffer belongs to one thread at a time.
 */
#ifndef SLUICE_UTIL_BUF_H
#define SLUICE_UTIL_BUF_H

#include <stddef.h>
#include <string.h>
#include "sluice/sl_plugin.h"

int sl_buf_reserve(struct sl_buf *b, size_t extra);  /* 0 or SL_ENOMEM */
void sl_buf_free(struct sl_buf *b);

static inline int sl_buf_append(struct sl_buf *b, const void *p, size_t n)
{
    if (b->cap - b->len < n + 1 && sl_buf_reserve(b, n + 1) != 0) {
        return SL_ENOMEM;
    }
    if (n == 1) {
        b->p[b->len] = *(const char *)p;   /* separators: no memcpy call */
    } else if (n > 0) {
        memcpy(b->p + b->len, p, n);       /* never (NULL, 0): undefined for memcpy */
    }
    b->len += n;
    b->p[b->len] = '\0';
    return 0;
}
static inline int sl_buf_putc(struct sl_buf *b, char c)
{
    return sl_buf_append(b, &c, 1);
}
static inline int sl_buf_puts(struct sl_buf *b, const char *s)
{
    return sl_buf_append(b, s, strlen(s));
}
int sl_buf_printf(struct sl_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Aborting allocators: the core treats out-of-memory as fatal outside of buffers. */
void *sl_xmalloc(size_t n);
void *sl_xcalloc(size_t n, size_t m);
void *sl_xrealloc(void *p, size_t n);
char *sl_xstrdup(const char *s);
char *sl_xstrndup(const char *s, size_t n);

#endif
