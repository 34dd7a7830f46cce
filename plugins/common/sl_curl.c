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

void sl_curl_easy_base(CURL *c, const char *protocols, long protocol_mask, int64_t connect_ms)
{
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
#if LIBCURL_VERSION_NUM >= 0x075500
    (void)protocol_mask;
    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, protocols);
#else
    (void)protocols;
    curl_easy_setopt(c, CURLOPT_PROTOCOLS, protocol_mask);
#endif
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, (long)connect_ms);
}

void sl_curl_easy_certs(CURL *c, const struct sl_curl_certs *t)
{
    if (t->ca_file != NULL) {
        curl_easy_setopt(c, CURLOPT_CAINFO, t->ca_file);
        if (t->ca_only) {
            curl_easy_setopt(c, CURLOPT_CAPATH, NULL);
        }
    }
    /* 1 and 2 are libcurl's defaults: set anyway, so the handle says what it does */
    curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, t->verify_peer ? 1L : 0L);
    curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, t->verify_host ? 2L : 0L);
    if (t->cert_file != NULL) {
        curl_easy_setopt(c, CURLOPT_SSLCERT, t->cert_file);
        curl_easy_setopt(c, CURLOPT_SSLCERTTYPE, "PEM");
    }
    if (t->key_file != NULL) {
        curl_easy_setopt(c, CURLOPT_SSLKEY, t->key_file);
        curl_easy_setopt(c, CURLOPT_SSLKEYTYPE, "PEM");
    }
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
