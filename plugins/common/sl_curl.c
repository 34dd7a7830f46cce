/*
 * sl_curl.c - plumbing shared by the libcurl plugins (ommail, omhttp); see sl_curl.h.
 * Compiled into each of those plugins (a copy per .so, no shared state beyond libcurl's
 * own global state, which curl_global_init/cleanup reference-count).
 */
#include <string.h>

#include <curl/curl.h>

#include "sl_curl.h"

int sl_curl_global_init(const struct sl_host *h, const char *who)
{
    if (curl_global_init(CURL_GLOBAL_ALL) != CURLE_OK) {
        h->log(SL_LOG_ERR, who, "%s: libcurl initialisation failed", who);
        return SL_ENOMEM;
    }
    return 0;
}

void sl_curl_global_fini(void)
{
    curl_global_cleanup();
}

int sl_curl_buf_add(const struct sl_host *h, struct sl_buf *b, const void *s, size_t n)
{
    if (h->buf_reserve(b, n + 1) != 0) {
        return SL_ENOMEM;
    }
    if (n > 0) {
        memcpy(b->p + b->len, s, n);
    }
    b->len += n;
    b->p[b->len] = '\0';
    return 0;
}

int sl_curl_buf_str(const struct sl_host *h, struct sl_buf *b, const char *s)
{
    return sl_curl_buf_add(h, b, s, strlen(s));
}
