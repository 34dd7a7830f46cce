/*
 * sl_http.h - what rsyslog's two HTTP outputs (omhttp, omelasticsearch) have in common,
 * shared by their sluice counterparts: the base URL of a server, the TLS/authentication
 * options of a libcurl handle, the certificate file check and the errorfile (one JSON
 * record per line, opened on first use, closed on HUP) and the retry ruleset (rsyslog's
 * retry messages, their rate limit, their bounded hand-over to the core).  libcurl's
 * global set-up and the buffer helpers are in sl_curl.h.
 *
 * Ownership: the strings in struct sl_curl_tls belong to the caller and must outlive the
 * handles set up with them; struct sl_curl_errfile is embedded in the caller's instance
 * and owns its descriptor (not its path).
 * Concurrency & locking: sl_curl_errfile_write and sl_curl_errfile_close may run
 * concurrently (worker threads and the main thread's HUP): ef->lock; the retry rate limit
 * is shared by the workers: r->lock.  init and fini run on the main thread
 * (create/destroy).  The rest touches only the caller's objects.
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

/* The servers of an action: base URLs and the "uid:pwd" of Basic authentication. */
struct sl_curl_servers {
    char **urls;                /* each ending in '/' (owned) */
    size_t n;
    char *userpwd;              /* "uid:pwd" or NULL (owned) */
};
/* From the server array (none: "localhost", with rsyslog's warning "WHO: No servers
 * specified, using localhost"), port, https and uid/pwd: 0 or SL_ENOMEM (s freed). */
int sl_curl_servers_init(struct sl_curl_servers *s, const struct sl_host *h, const char *who,
                         const struct sl_strarr *server, int64_t port, int https,
                         const char *uid, const char *pwd);
void sl_curl_servers_free(struct sl_curl_servers *s);
/* rsyslog's checkConn: a GET of base URL + path with handle c on each server in turn from
 * *idx until one completes (0); *idx advances past each failure (counted in fails, if
 * given).  url and reply are the caller's scratch buffers.  -1 when none did. */
int sl_curl_check_servers(const struct sl_host *h, void *c, const struct sl_curl_servers *s,
                          size_t *idx, const char *path, struct sl_buf *url,
                          struct sl_buf *reply, _Atomic uint64_t *fails);
/* curl_easy_cleanup of *c when set, *c = NULL. */
void sl_curl_easy_free(void **c);

/* The parameter entries both plugins take with the same names and meaning, for a
 * struct with the fields uid, pwd, allowunsignedcerts, skipverifyhost, tls_cacert,
 * tls_mycert, tls_myprivkey (OI: the plugin's offsetof macro). */
#define SL_HTTP_TLS_PARAMS(OI)                                                              \
    { "uid", SL_PT_WORD, 0, OI(uid), NULL, NULL, NULL, "Basic authentication user" },      \
    { "pwd", SL_PT_WORD, SL_P_SECRET, OI(pwd), NULL, NULL, NULL,                           \
      "Basic authentication password" },                                                   \
    { "allowunsignedcerts", SL_PT_BOOL, 0, OI(allowunsignedcerts), "off", NULL, NULL,      \
      "INSECURE: do not verify the server certificate" },                                  \
    { "skipverifyhost", SL_PT_BOOL, 0, OI(skipverifyhost), "off", NULL, NULL,              \
      "INSECURE: do not check the certificate's host name" },                              \
    { "tls.cacert", SL_PT_STRING, 0, OI(tls_cacert), NULL, NULL, NULL,                     \
      "CA certificates (PEM) that verify the server" },                                    \
    { "tls.mycert", SL_PT_STRING, 0, OI(tls_mycert), NULL, NULL, NULL,                     \
      "client certificate (PEM)" },                                                        \
    { "tls.myprivkey", SL_PT_STRING, 0, OI(tls_myprivkey), NULL, NULL, NULL,               \
      "client private key (PEM)" }

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
/* Appends rec's JSON text (as rsyslog writes it) and a LF; takes rec.  Nothing without a
 * path. */
void sl_curl_errfile_put(const struct sl_host *h, struct sl_curl_errfile *ef,
                         struct fjson_object *rec);
/* Close the descriptor (HUP: reopened at the next record). */
void sl_curl_errfile_close(struct sl_curl_errfile *ef);
void sl_curl_errfile_fini(struct sl_curl_errfile *ef);

/* The retry ruleset of an HTTP output (omelasticsearch retryfailures/retryruleset, omhttp
 * retry/retry.ruleset): where the retry messages go (a core handle, ABI 1.9), rsyslog's
 * "Linux like" rate limit on them (ratelimit.interval seconds, ratelimit.burst messages;
 * interval 0: none) and the bounded wait of their hand-over. */
struct sl_http_retry {
    struct sl_ruleset_ref *rs;      /* NULL: no retry ruleset (owned by the core) */
    int64_t interval, burst;
    pthread_mutex_t lock;
    int lock_ok;
    int64_t start;                  /* CLOCK_MONOTONIC s: the window's start */
    int64_t count;                  /* messages in the window */
    _Atomic uint64_t *c_drop;       /* ratelimit.discarded in counter set `set` */
};
/* In create(): 0, or SL_ECONFIG (logged) when the core has no ABI 1.9.  Ruleset `name`
 * (NULL: none) that does not exist is logged as rsyslog does ("WHO: PARAM 'NAME' not found
 * - no retry ruleset will be used") and leaves r->rs NULL; the messages carry inputname
 * who.  Then (the caller may set r->rs itself in between) sl_http_retry_limit: the rate
 * limit, its counter ratelimit.discarded in set `set`. */
int sl_http_retry_init(struct sl_http_retry *r, const struct sl_host *h, const char *who,
                       const char *param, const char *name);
void sl_http_retry_limit(struct sl_http_retry *r, const struct sl_host *h, const char *who,
                         const char *set, int64_t interval, int64_t burst);
/* 1 when one more message may go (the rate limit), else 0 (counted). */
int sl_http_retry_allowed(struct sl_http_retry *r);
/* A retry message as rsyslog's msgConstruct + MsgSetRawMsg/MSGoffs 0/MsgSetTAG make it:
 * rawmsg and MSG text[0..len), TAG tag, no HOSTNAME or sender, facility "invld". */
struct sl_msg *sl_http_retry_msg(const struct sl_host *h, const char *text, size_t len,
                                 const char *tag);
/* Hands msgs[0..n) to r->rs, waiting at most SL_HTTP_RETRY_WAIT_MS for room (rsyslog waits
 * without bound; an output worker must not block on a queue it may have to drain): what
 * does not fit is dropped, counted and logged by the core.  Takes the messages. */
#define SL_HTTP_RETRY_WAIT_MS 1000
size_t sl_http_retry_submit(const struct sl_host *h, struct sl_http_retry *r,
                            struct sl_msg **msgs, size_t n);
void sl_http_retry_fini(struct sl_http_retry *r);

#endif
