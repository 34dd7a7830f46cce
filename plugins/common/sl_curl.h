/*
 * sl_curl.h - plumbing shared by the libcurl plugins (ommail, omhttp, omelasticsearch):
 * libcurl's global set-up for mod_init/mod_fini, the options of a new easy handle that do
 * not depend on the protocol (no signals, allowed protocols, connect timeout; certificate
 * verification, CA and client certificate: ommail and sl_http.c's sl_curl_setup) and
 * appending to the host's growable buffers.
 *
 * Ownership: the buffers belong to the caller (freed with host->buf_free).
 * Concurrency & locking: sl_curl_global_init/fini run on the main thread (mod_init and
 * mod_fini, before any worker and after the last); the handle and buffer helpers touch
 * only the caller's handle or buffer.
 */
#ifndef SLUICE_SL_CURL_H
#define SLUICE_SL_CURL_H

#include <stddef.h>
#include <stdint.h>

#include <curl/curl.h>

#include "sluice/sl_plugin.h"

/* curl_global_init(CURL_GLOBAL_ALL); 0, or SL_ENOMEM after logging "WHO: libcurl
 * initialisation failed". */
int sl_curl_global_init(const struct sl_host *h, const char *who);
void sl_curl_global_fini(void);

/* On a new easy handle: no signals (worker threads), only the protocols named (libcurl's
 * comma list, e.g. "http,https"; mask: the same as CURLPROTO_* bits for libcurl < 7.85),
 * and the connect timeout in ms. */
void sl_curl_easy_base(CURL *c, const char *protocols, long protocol_mask, int64_t connect_ms);

/* Certificate verification, CA and client certificate of an easy handle.  The strings
 * belong to the caller (libcurl copies them). */
struct sl_curl_certs {
    const char *ca_file;    /* CA certificates (CURLOPT_CAINFO), NULL: libcurl's default */
    int ca_only;            /* with ca_file: those alone, not also the CA directory */
    const char *cert_file;  /* client certificate (PEM), or NULL */
    const char *key_file;   /* its private key (PEM), or NULL */
    int verify_peer;        /* 0: INSECURE, the server certificate is not verified */
    int verify_host;        /* 0: INSECURE, its host name is not checked */
};
void sl_curl_easy_certs(CURL *c, const struct sl_curl_certs *t);

/* Append s[0..n) (a NUL is kept after the content, not counted in len): 0 or SL_ENOMEM. */
int sl_curl_buf_add(const struct sl_host *h, struct sl_buf *b, const void *s, size_t n);
/* Append a C string. */
int sl_curl_buf_str(const struct sl_host *h, struct sl_buf *b, const char *s);

#endif
