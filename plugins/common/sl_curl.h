/*
 * sl_curl.h - plumbing shared by the libcurl plugins (ommail, omhttp): libcurl's global
 * set-up for mod_init/mod_fini and appending to the host's growable buffers.
 *
 * Ownership: the buffers belong to the caller (freed with host->buf_free).
 * Concurrency & locking: sl_curl_global_init/fini run on the main thread (mod_init and
 * mod_fini, before any worker and after the last); the buffer helpers touch only the
 * caller's buffer.
 */
#ifndef SLUICE_SL_CURL_H
#define SLUICE_SL_CURL_H

#include <stddef.h>

#include "sluice/sl_plugin.h"

/* curl_global_init(CURL_GLOBAL_ALL); 0, or SL_ENOMEM after logging "WHO: libcurl
 * initialisation failed". */
int sl_curl_global_init(const struct sl_host *h, const char *who);
void sl_curl_global_fini(void);

/* Append s[0..n) (a NUL is kept after the content, not counted in len): 0 or SL_ENOMEM. */
int sl_curl_buf_add(const struct sl_host *h, struct sl_buf *b, const void *s, size_t n);
/* Append a C string. */
int sl_curl_buf_str(const struct sl_host *h, struct sl_buf *b, const char *s);

#endif
