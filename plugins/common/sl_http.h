/*
 * sl_http.h - what rsyslog's two HTTP outputs (omhttp, omelasticsearch) have in common,
 * shared by their sluice counterparts: the base URL of a server, the TLS/authentication
 * options of a libcurl handle, the certificate file check and the errorfile (one JSON
 * record per line, opened on first use, closed on HUP).  libcurl's global set-up and the
 * buffer helpers are in sl_curl.h.
 *
 * Ownership: the strings in struct sl_curl_tls belong to the caller and must outlive the
 * handles set up with them; struct sl_curl_errfile is embedded in the caller's instance
 * and owns its descriptor (not its path).
 * Concurrency & locking: sl_curl_errfile_write and sl_curl_errfile_close may run
 * concurrently (worker threads and the main thread's HUP): ef->lock; init and fini run
 * on the main thread (create/destroy).  The rest touches only the caller's objects.
 */
#ifndef SLUICE_SL_HTTP_H
#define SLUICE_SL_HTTP_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

#include "sluice/sl_plugin.h"

/* rsyslog's computeBaseUrl (omhttp and omelasticsearch): one trailing '/' of server is
 * dropped, the scheme from https unless server names one, ":port" unless the host part has
 * a port, then '/'.  malloc'ed, NULL without memory. */
char *sl_curl_base_url(const char *server, int64_t port, int https);

/* The TLS and authentication options rsyslog's HTTP outputs set on each handle. */
struct sl_curl_tls {
    int allowunsignedcerts;
    int skipverifyhost;
    const char *userpwd;        /* "uid:pwd" or NULL */
    const char *cacert, *mycert, *myprivkey;
};
/* curl_easy_setopt of NOSIGNAL, http/https only, the write callback (appending to the
 * sl_curl_reply given as CURLOPT_WRITEDATA), connect timeout (ms, 0: libcurl's) and t. */
struct sl_curl_reply {
    const struct sl_host *h;
    struct sl_buf *buf;
};
void sl_curl_setup(void *curl, const struct sl_curl_tls *t, long connect_ms);
/* rsyslog reports an unreadable tls.cacert/tls.mycert/tls.myprivkey and goes on. */
void sl_curl_check_files(const struct sl_host *h, const char *who, const struct sl_curl_tls *t);

/* The errorfile of an HTTP output. */
struct sl_curl_errfile {
    const char *path;           /* NULL: no errorfile (not owned) */
    const char *who;
    pthread_mutex_t lock;
    int lock_ok;
    int fd;
};
int sl_curl_errfile_init(struct sl_curl_errfile *ef, const char *path, const char *who);
/* Appends {"request": {"url": url, "postdata": post}, key: val} and a LF; takes val. */
struct fjson_object;
void sl_curl_errfile_write(const struct sl_host *h, struct sl_curl_errfile *ef,
                           const char *url, const char *post, const char *key,
                           struct fjson_object *val);
/* Close the descriptor (HUP: reopened at the next record). */
void sl_curl_errfile_close(struct sl_curl_errfile *ef);
void sl_curl_errfile_fini(struct sl_curl_errfile *ef);

#endif
