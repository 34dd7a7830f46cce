/*
 * omhttp.c - the omhttp output plugin: messages as HTTP(S) POST requests (Splunk HEC,
 * Elasticsearch/OpenSearch, Loki, Kafka REST proxy, Microsoft Sentinel's Logs Ingestion API).
 *
 * rsyslog 8.2302's contrib/omhttp with the same parameters and the same requests for the
 * same config:
 *   - URL: for each server "[http|https]://server[:serverport]/" (the scheme from usehttps
 *     unless the server names one, the port unless the server has one) followed by restpath
 *     (or, with dynrestpath="on", the rendering of the template restpath names);
 *   - headers, in rsyslog's order: "Content-Type: ..." (httpcontenttype, else by format:
 *     jsonarray and lokirest "application/json; charset=utf-8", kafkarest
 *     "application/vnd.kafka.v1+json", newline "text/plain"; without batching
 *     "application/json; charset=utf-8"), "httpheaderkey: httpheadervalue", the httpheaders,
 *     "Expect:" (no 100-continue wait), "Content-Encoding: gzip" with compress="on"; Basic
 *     authentication from uid/pwd;
 *   - bodies: without batching the rendered message; with batch="on" the messages of a
 *     transaction in chunks of at most batch.maxsize messages and (as rsyslog estimates it)
 *     batch.maxbytes bytes, as newline (joined by LF, none after the last), jsonarray
 *     ("[m1,m2]"), kafkarest ({"records":[{"value":m1},...]}) or lokirest
 *     ({"streams":[m1,...]}); the JSON formats parse each rendering and write it again with
 *     libfastjson (rsyslog's library, so the bytes are the same), renderings that are not
 *     JSON are left out, logged and counted (messages.badjson in the "NAME sluice" set);
 *   - several servers: round robin per request; checkpath is the health check (a GET that
 *     must complete, healthchecktimeout ms) done before each request when there are several
 *     servers and when a suspended action is tried again (connect());
 *   - errorfile: one JSON record per refused request, rsyslog's layout
 *     {"request": {"url": ..., "postdata": ...}, "response": {"status": N, "message": ...}};
 *   - counters in the set "omhttp" (statsname= names another set): messages.submitted,
 *     .success, .fail, .retry, request.count, .success, .fail, request.status.success, .fail.
 *
 * Replies (the one deliberate difference from rsyslog, documented in sluice.conf(5)):
 *   - 1xx/2xx: the messages are done;
 *   - 5xx, 429, no reply (connection refused or reset, TLS failure, timeout): transient.  The
 *     verdict is SL_SUSPEND (SL_PARTIAL when earlier chunks of the transaction went out): the
 *     action queue keeps the messages and the core retries after its back-off, so nothing is
 *     lost.  rsyslog's batch mode instead reports such a batch as done, i.e. drops it, unless
 *     retry="on" names a retry.ruleset: then (batch="on", batch.maxsize > 1) a chunk the
 *     server answers 5xx (or without a status) is written to errorfile and each of its
 *     messages goes to that ruleset as rsyslog's queueBatchOnRetryRuleset makes it (rawmsg
 *     and MSG the rendering, TAG "omhttp-retry", inputname "omhttp", no HOSTNAME),
 *     rate-limited by ratelimit.interval/burst and counted in messages.retry; the chunk is
 *     done.  They are handed over through the ABI 1.9 submit_ruleset with a bounded wait
 *     (struct sl_http_retry, shared with omelasticsearch): a full retry queue drops them,
 *     counted by the core, where rsyslog would block.  429 and no reply at all stay
 *     transient (the action queue retries), as without a retry ruleset;
 *   - any other status (3xx, 4xx): permanent.  The request goes to errorfile, its messages
 *     count as failed (messages.fail) and are reported SL_BAD_DATA (action.errorFile), never
 *     retried.  A permanent chunk followed by a transient one in the same transaction is
 *     reported as done (it is in errorfile already), so only the transient part is retried.
 * Also sluice-only: timeout.connect and timeout.request (rsyslog waits forever on a server
 * that accepts and never answers), and chunks of a dynrestpath batch always go to the path
 * of their own messages (rsyslog's may use the previous chunk's).
 *
 * libcurl (GnuTLS flavour) is the HTTP client (global set-up and buffers shared with ommail
 * in plugins/common/sl_curl.c; base URL, handle options and errorfile shared with
 * omelasticsearch in plugins/common/sl_http.c) and zlib does the gzip encoding; what is
 * hand-written is only rsyslog's request framing and the reply classification above.
 *
 * Ownership and lifetime
 *   - Parameter strings, arrays and templates belong to the core.
 *   - The instance owns the base URLs, the prebuilt header lists (read-only after create(),
 *     shared by the workers' handles), the "uid:pwd" string, the errorfile descriptor and
 *     the retry rate limit's lock; the retry ruleset handle belongs to the core, and the
 *     retry messages pass to it in submit_ruleset.
 *   - Each worker owns its two CURL easy handles (POST and health check) and its buffers.
 *
 * Concurrency & locking
 *   - deliver()/connect() run on core worker threads, each with its own wrk block; they share
 *     only read-only instance data, the atomic counters, the errorfile (inst->ef, with
 *     its own lock), the retry rate limit (inst->rt, with its own lock) and inst->hup_gen.
 *   - hup() (main thread, concurrent with deliver()) closes the errorfile (under its lock) and
 *     bumps hup_gen; with reloadonhup="on" each worker recreates its handles at its next
 *     deliver() (a handle is never touched by another thread).
 *   - curl_global_init runs in mod_init (main thread, before any worker); CURLOPT_NOSIGNAL
 *     keeps libcurl away from the daemon's signals.
 */

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <curl/curl.h>
#include <libfastjson/json.h>
#include <zlib.h>

#include "sluice/sl_plugin.h"
#include "sl_curl.h"
#include "sl_http.h"

#define HDR_CT_JSON "Content-Type: application/json; charset=utf-8"
#define HDR_CT_TEXT "Content-Type: text/plain"
#define HDR_CT_KAFKA "Content-Type: application/vnd.kafka.v1+json"
#define HDR_GZIP "Content-Encoding: gzip"
#define HDR_NO_EXPECT "Expect:"
#define ERR_NO_REPLY "NULL: curl request failed or no response"

enum { FMT_NEWLINE = 0, FMT_JSONARRAY, FMT_KAFKAREST, FMT_LOKIREST };
static const char *const fmt_names[] = { "newline", "jsonarray", "kafkarest", "lokirest", NULL };

/* What one request came to (HR_RETRY: failed, for the retry ruleset). */
enum { HR_OK = 0, HR_TEMP = 1, HR_PERM = 2, HR_RETRY = 3 };

struct omhttp_inst {
    /* parameters (filled by the core) */
    struct sl_strarr server;
    int64_t serverport;
    int64_t healthchecktimeout;
    char *httpcontenttype;
    char *httpheaderkey;
    char *httpheadervalue;
    struct sl_strarr httpheaders;
    char *uid;
    char *pwd;
    char *restpath;
    char *checkpath;
    int dynrestpath;
    int batch;
    char *batch_format;
    int64_t batch_maxbytes;
    int64_t batch_maxsize;
    int compress;
    int64_t compress_level;
    int usehttps;
    char *errorfile;
    const struct sl_template *tpl;
    int allowunsignedcerts;
    int skipverifyhost;
    char *tls_cacert;
    char *tls_mycert;
    char *tls_myprivkey;
    int reloadonhup;
    int retry;
    char *retry_ruleset;
    int64_t ratelimit_interval;
    int64_t ratelimit_burst;
    char *statsname;
    int64_t timeout_connect;          /* ms, sluice-only */
    int64_t timeout_request;          /* ms, sluice-only */

    /* runtime */
    const struct sl_host *h;
    const struct sl_template *body_tpl;
    const struct sl_template *path_tpl; /* dynrestpath */
    int fmt;
    int level;
    struct sl_curl_servers srv;       /* base URLs, "uid:pwd" (owned) */
    struct curl_slist *hdrs;          /* request headers (owned) */
    struct curl_slist *hdrs_gz;       /* the same + Content-Encoding: gzip (owned) */
    struct sl_curl_tls tls;           /* points into the parameters and userpwd */
    struct sl_curl_errfile ef;
    struct sl_http_retry rt;          /* retry.ruleset and its rate limit */
    int retry_on;                     /* failed chunks go to rt.rs */
    atomic_uint hup_gen;

    _Atomic uint64_t *c_submitted, *c_success, *c_fail, *c_retry;
    _Atomic uint64_t *c_req, *c_req_ok, *c_req_fail, *c_st_ok, *c_st_fail;
    _Atomic uint64_t *c_badjson;
};

struct omhttp_wrk {
    void *post;                       /* CURL easy handles */
    void *check;
    unsigned gen;
    size_t server_idx;
    struct sl_buf rend;               /* renderings of the batch, back to back */
    struct sl_buf paths;              /* dynrestpath renderings */
    size_t *off, *len, *poff, *plen;  /* per message of the batch */
    size_t cap;
    struct sl_buf body;               /* the request body */
    struct sl_buf gz;                 /* its gzip encoding */
    struct sl_buf reply;              /* the server's reply body */
    struct sl_buf url;
    struct sl_buf tmp;
};

#define OI(f) offsetof(struct omhttp_inst, f)
static const struct sl_param omhttp_inst_params[] = {
    { "server", SL_PT_ARRAY, 0, OI(server), NULL, NULL, NULL,
      "server(s): host, host:port or a URL with scheme (default localhost)" },
    { "serverport", SL_PT_INT, 0, OI(serverport), "443", NULL, NULL,
      "port for servers that name none" },
    { "healthchecktimeout", SL_PT_INT, 0, OI(healthchecktimeout), "3500", NULL, NULL,
      "ms for the checkpath health check" },
    { "httpcontenttype", SL_PT_WORD, 0, OI(httpcontenttype), NULL, NULL, NULL,
      "Content-Type header value (default by batch.format)" },
    { "httpheaderkey", SL_PT_WORD, 0, OI(httpheaderkey), NULL, NULL, NULL,
      "name of one extra header" },
    { "httpheadervalue", SL_PT_STRING, 0, OI(httpheadervalue), NULL, NULL, NULL,
      "value of that header" },
    { "httpheaders", SL_PT_ARRAY, 0, OI(httpheaders), NULL, NULL, NULL,
      "extra headers, each \"Name: value\"" },
    { "restpath", SL_PT_WORD, 0, OI(restpath), NULL, NULL, NULL,
      "path after the server's URL (a template name with dynrestpath)" },
    { "checkpath", SL_PT_WORD, 0, OI(checkpath), NULL, NULL, NULL,
      "health check path (GET)" },
    { "dynrestpath", SL_PT_BOOL, 0, OI(dynrestpath), "off", NULL, NULL,
      "restpath names a template rendered per message" },
    { "batch", SL_PT_BOOL, 0, OI(batch), "off", NULL, NULL, "several messages per request" },
    { "batch.format", SL_PT_WORD, 0, OI(batch_format), "newline", NULL, NULL,
      "newline, jsonarray, kafkarest or lokirest" },
    { "batch.maxbytes", SL_PT_SIZE, 0, OI(batch_maxbytes), "10485760", NULL, NULL,
      "largest request body of a batch" },
    { "batch.maxsize", SL_PT_SIZE, 0, OI(batch_maxsize), "100", NULL, NULL,
      "most messages in one request" },
    { "compress", SL_PT_BOOL, 0, OI(compress), "off", NULL, NULL, "gzip the request body" },
    { "compress.level", SL_PT_INT, 0, OI(compress_level), "-1", NULL, NULL,
      "zlib level -1 (default) or 0..9" },
    { "usehttps", SL_PT_BOOL, 0, OI(usehttps), "on", NULL, NULL,
      "https:// for servers without a scheme" },
    { "errorfile", SL_PT_WORD, 0, OI(errorfile), NULL, NULL, NULL,
      "file for refused requests (JSON records)" },
    { "template", SL_PT_TEMPLATE, 0, OI(tpl), NULL, NULL, NULL,
      "message template (default StdJSONFmt)" },
    { "reloadonhup", SL_PT_BOOL, 0, OI(reloadonhup), "off", NULL, NULL,
      "recreate the HTTP handles (re-read certificates) on SIGHUP" },
    { "retry", SL_PT_BOOL, 0, OI(retry), "off", NULL, NULL,
      "batches the server fails (5xx) go to retry.ruleset" },
    { "retry.ruleset", SL_PT_STRING, 0, OI(retry_ruleset), NULL, NULL, NULL,
      "ruleset for the failed messages (with retry=\"on\")" },
    { "ratelimit.interval", SL_PT_INT, 0, OI(ratelimit_interval), "600", NULL, NULL,
      "seconds of the retry rate limit (0: none)" },
    { "ratelimit.burst", SL_PT_INT, 0, OI(ratelimit_burst), "20000", NULL, NULL,
      "retry messages per ratelimit.interval" },
    { "statsname", SL_PT_WORD, 0, OI(statsname), "omhttp", NULL, NULL,
      "name of the counter set" },
    SL_HTTP_TLS_PARAMS(OI),
    /* sluice-only */
    { "timeout.connect", SL_PT_POSINT, 0, OI(timeout_connect), "10000", NULL, NULL,
      "ms to connect (TLS handshake included)" },
    { "timeout.request", SL_PT_POSINT, 0, OI(timeout_request), "60000", NULL, NULL,
      "ms for one whole request" },
    SL_PARAM_END
};

/* ------------------------------------------------------------------------------------- */

static char *str_cat3(const char *a, const char *b, const char *c)
{
    size_t la = strlen(a), lb = strlen(b), lc = strlen(c);
    char *s = malloc(la + lb + lc + 1);
    if (s != NULL) {
        memcpy(s, a, la);
        memcpy(s + la, b, lb);
        memcpy(s + la + lb, c, lc + 1);
    }
    return s;
}

static struct curl_slist *hdr_add(struct curl_slist *l, const char *s, int *bad)
{
    struct curl_slist *n = curl_slist_append(l, s);
    if (n == NULL) {
        *bad = 1;
        return l;
    }
    return n;
}

/* rsyslog's buildCurlHeaders. */
static struct curl_slist *build_headers(struct omhttp_inst *in, int gzip, int *bad)
{
    struct curl_slist *l = NULL;
    if (in->httpcontenttype != NULL) {
        char *ct = str_cat3("Content-Type: ", in->httpcontenttype, "");
        if (ct == NULL) {
            *bad = 1;
            return NULL;
        }
        l = hdr_add(l, ct, bad);
        free(ct);
    } else if (!in->batch) {
        l = hdr_add(l, HDR_CT_JSON, bad);
    } else {
        static const char *const ct[] = { HDR_CT_TEXT, HDR_CT_JSON, HDR_CT_KAFKA, HDR_CT_JSON };
        l = hdr_add(l, ct[in->fmt], bad);
    }
    if (in->httpheaderkey != NULL) {
        char *kv = str_cat3(in->httpheaderkey, ": ", in->httpheadervalue);
        if (kv == NULL) {
            *bad = 1;
        } else {
            l = hdr_add(l, kv, bad);
            free(kv);
        }
    }
    for (size_t i = 0; i < in->httpheaders.n; i++) {
        l = hdr_add(l, in->httpheaders.v[i], bad);
    }
    l = hdr_add(l, HDR_NO_EXPECT, bad);
    if (gzip) {
        l = hdr_add(l, HDR_GZIP, bad);
    }
    return l;
}

static void inst_free(struct omhttp_inst *in)
{
    sl_curl_servers_free(&in->srv);
    curl_slist_free_all(in->hdrs);
    curl_slist_free_all(in->hdrs_gz);
    in->hdrs = in->hdrs_gz = NULL;
    sl_curl_errfile_fini(&in->ef);
    sl_http_retry_fini(&in->rt);
}

static int omhttp_create(void *inst, void *modconf, const struct sl_host *h)
{
    struct omhttp_inst *in = inst;
    (void)modconf;
    in->h = h;
    in->ef.fd = -1;
    const char *who = "omhttp";

    in->fmt = -1;
    for (int i = 0; fmt_names[i] != NULL; i++) {
        if (strcasecmp(in->batch_format, fmt_names[i]) == 0) {
            in->fmt = i;
        }
    }
    if (in->fmt < 0) {
        h->log(SL_LOG_ERR, who, "omhttp: batch.format '%s' unknown, using 'newline' (valid: "
               "newline jsonarray kafkarest lokirest)", in->batch_format);
        in->fmt = FMT_NEWLINE;
    }
    in->level = (int)in->compress_level;
    if (in->compress_level < -1 || in->compress_level > 9) {
        h->log(SL_LOG_WARNING, who, "omhttp: invalid compress.level %lld, using the default; "
               "valid levels are -1 and 0-9", (long long)in->compress_level);
        in->level = -1;
    }
    if (in->pwd != NULL && in->uid == NULL) {
        h->log(SL_LOG_ERR, who, "omhttp: password is provided, but no uid - action "
               "definition invalid");
        return SL_ECONFIG;
    }
    if (in->httpheaderkey != NULL && in->httpheadervalue == NULL) {
        h->log(SL_LOG_ERR, who, "omhttp: http header key is provided, but no http header "
               "value - action definition invalid");
        return SL_ECONFIG;
    }
    if (in->dynrestpath && in->restpath == NULL) {
        h->log(SL_LOG_ERR, who, "omhttp: requested dynamic rest path, but no name for rest "
               "path template given - action definition invalid");
        return SL_ECONFIG;
    }
    for (size_t i = 0; i < in->httpheaders.n; i++) {
        if (strchr(in->httpheaders.v[i], ':') == NULL) {
            h->log(SL_LOG_ERR, who, "omhttp: missing ':' delimiter in parameter '%s'",
                   in->httpheaders.v[i]);
            return SL_ECONFIG;
        }
    }
    if (in->batch_maxsize < 1) {
        h->log(SL_LOG_ERR, who, "omhttp: batch.maxsize must be at least 1");
        return SL_ECONFIG;
    }
    in->tls = (struct sl_curl_tls){ .allowunsignedcerts = in->allowunsignedcerts,
                                    .skipverifyhost = in->skipverifyhost,
                                    .userpwd = NULL,
                                    .cacert = in->tls_cacert,
                                    .mycert = in->tls_mycert,
                                    .myprivkey = in->tls_myprivkey };
    sl_curl_check_files(h, who, &in->tls); /* rsyslog reports it and goes on */
    if (in->allowunsignedcerts) {
        h->log(SL_LOG_WARNING, who, "omhttp: INSECURE: allowunsignedcerts=\"on\": any server "
               "certificate is accepted");
    }
    if (in->dynrestpath) {
        in->path_tpl = h->template_find(in->restpath);
        if (in->path_tpl == NULL) {
            h->log(SL_LOG_ERR, who, "omhttp: dynrestpath: template '%s' not found",
                   in->restpath);
            return SL_ECONFIG;
        }
    }
    in->body_tpl = in->tpl != NULL ? in->tpl : h->template_find(" StdJSONFmt");
    if (in->body_tpl == NULL) {
        h->log(SL_LOG_ERR, who, "omhttp: template StdJSONFmt not found");
        return SL_ECONFIG;
    }
    if (sl_curl_errfile_init(&in->ef, in->errorfile, "omhttp") != 0) {
        return SL_ENOMEM;
    }

    if (sl_curl_servers_init(&in->srv, h, who, &in->server, in->serverport, in->usehttps,
                             in->uid, in->pwd) != 0) {
        inst_free(in);
        return SL_ENOMEM;
    }
    in->tls.userpwd = in->srv.userpwd;
    int bad = 0;
    if (!bad) {
        in->hdrs = build_headers(in, 0, &bad);
    }
    if (!bad && in->compress) {
        in->hdrs_gz = build_headers(in, 1, &bad);
    }
    if (bad) {
        inst_free(in);
        return SL_ENOMEM;
    }
    atomic_init(&in->hup_gen, 0);

    const char *set = in->statsname;
    in->c_submitted = h->counter("omhttp", set, "messages.submitted");
    in->c_success = h->counter("omhttp", set, "messages.success");
    in->c_fail = h->counter("omhttp", set, "messages.fail");
    in->c_retry = h->counter("omhttp", set, "messages.retry");
    in->c_req = h->counter("omhttp", set, "request.count");
    in->c_req_ok = h->counter("omhttp", set, "request.success");
    in->c_req_fail = h->counter("omhttp", set, "request.fail");
    in->c_st_ok = h->counter("omhttp", set, "request.status.success");
    in->c_st_fail = h->counter("omhttp", set, "request.status.fail");
    char own[300];
    snprintf(own, sizeof own, "%s sluice", set);
    in->c_badjson = h->counter("omhttp", own, "messages.badjson");
    /* rsyslog's checkCnf looks retry.ruleset up whether or not retry is on */
    if (in->retry || in->retry_ruleset != NULL) {
        if (sl_http_retry_init(&in->rt, h, who, "retry.ruleset", in->retry_ruleset) != 0) {
            inst_free(in);
            return SL_ECONFIG;
        }
        sl_http_retry_limit(&in->rt, h, who, own, in->ratelimit_interval, in->ratelimit_burst);
    }
    in->retry_on = in->retry && in->rt.rs != NULL && in->batch && in->batch_maxsize > 1;
    return 0;
}

static void omhttp_destroy(void *inst)
{
    inst_free(inst);
}

static void omhttp_hup(void *inst)
{
    struct omhttp_inst *in = inst;
    sl_curl_errfile_close(&in->ef);
    atomic_fetch_add(&in->hup_gen, 1);
}

/* ------------------------------------------------------------------------------------- */

static void setup_common(struct omhttp_inst *in, CURL *c)
{
    sl_curl_setup(c, &in->tls, (long)in->timeout_connect);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, in->hdrs);
}

static void handles_free(struct omhttp_wrk *w)
{
    sl_curl_easy_free(&w->post);
    sl_curl_easy_free(&w->check);
}

static int handles_make(struct omhttp_inst *in, struct omhttp_wrk *w)
{
    w->post = curl_easy_init();
    w->check = curl_easy_init();
    if (w->post == NULL || w->check == NULL) {
        handles_free(w);
        return SL_ENOMEM;
    }
    setup_common(in, w->post);
    curl_easy_setopt(w->post, CURLOPT_POST, 1L);
    curl_easy_setopt(w->post, CURLOPT_TIMEOUT_MS, (long)in->timeout_request);
    curl_easy_setopt(w->post, CURLOPT_TCP_KEEPALIVE, 1L);
    curl_easy_setopt(w->post, CURLOPT_TCP_KEEPIDLE, 120L);
    curl_easy_setopt(w->post, CURLOPT_TCP_KEEPINTVL, 60L);
    setup_common(in, w->check);
    curl_easy_setopt(w->check, CURLOPT_TIMEOUT_MS, (long)in->healthchecktimeout);
    w->gen = atomic_load(&in->hup_gen);
    return 0;
}

static int omhttp_worker_create(void *inst, void *wrk)
{
    return handles_make(inst, wrk);
}

static void omhttp_worker_destroy(void *inst, void *wrk)
{
    struct omhttp_inst *in = inst;
    struct omhttp_wrk *w = wrk;
    handles_free(w);
    struct sl_buf *bufs[] = { &w->rend, &w->paths, &w->body, &w->gz, &w->reply, &w->url,
                              &w->tmp };
    for (size_t i = 0; i < sizeof bufs / sizeof bufs[0]; i++) {
        in->h->buf_free(bufs[i]);
    }
    free(w->off);
    free(w->len);
    free(w->poff);
    free(w->plen);
    w->off = w->len = w->poff = w->plen = NULL;
    w->cap = 0;
}

/* rsyslog's checkConn: without checkpath nothing to check; else a GET of checkpath on each
 * server in turn (from the current one) until one completes. */
static int health_check(struct omhttp_inst *in, struct omhttp_wrk *w)
{
    if (in->checkpath == NULL) {
        return 0;
    }
    if (sl_curl_check_servers(in->h, w->check, &in->srv, &w->server_idx, in->checkpath,
                              &w->url, &w->reply, NULL) == 0) {
        return 0;
    }
    in->h->log(SL_LOG_WARNING, "omhttp", "omhttp: checkConn failed after %zu attempts.",
               in->srv.n);
    return SL_EAGAIN;
}

static int omhttp_connect(void *inst, void *wrk)
{
    return health_check(inst, wrk);
}

/* rsyslog's errorfile record: {"request": {...}, "response": {"status", "message"}}. */
static void error_record(struct omhttp_inst *in, const char *url, const char *post,
                         long status, const struct sl_buf *reply)
{
    if (in->errorfile == NULL) {
        return;
    }
    fjson_object *res = fjson_object_new_object();
    if (res == NULL) {
        return;
    }
    fjson_object_object_add(res, "status", fjson_object_new_int((int)status));
    if (reply->len == 0) {
        fjson_object_object_add(res, "message", fjson_object_new_string(ERR_NO_REPLY));
    } else {
        fjson_object_object_add(res, "message",
                                fjson_object_new_string_len(reply->p, (int)reply->len));
    }
    sl_curl_errfile_write(in->h, &in->ef, url, post, "response", res);
}

/* gzip (zlib, windowBits 31) of body into w->gz, at the configured level. */
static int gzip_body(struct omhttp_inst *in, struct omhttp_wrk *w)
{
    z_stream z;
    memset(&z, 0, sizeof z);
    if (deflateInit2(&z, in->level, Z_DEFLATED, 31, 8, Z_DEFAULT_STRATEGY) != Z_OK) {
        return -1;
    }
    size_t bound = deflateBound(&z, (uLong)w->body.len) + 32;
    w->gz.len = 0;
    if (in->h->buf_reserve(&w->gz, bound) != 0) {
        deflateEnd(&z);
        return -1;
    }
    z.next_in = (Bytef *)w->body.p;
    z.avail_in = (uInt)w->body.len;
    z.next_out = (Bytef *)w->gz.p;
    z.avail_out = (uInt)bound;
    int r = deflate(&z, Z_FINISH);
    w->gz.len = bound - z.avail_out;
    deflateEnd(&z);
    return r == Z_STREAM_END ? 0 : -1;
}

static void log_reply(struct omhttp_inst *in, struct omhttp_wrk *w, long status)
{
    char txt[256];
    size_t k = 0;
    for (size_t i = 0; i < w->reply.len && k < sizeof txt - 1; i++) {
        unsigned char c = (unsigned char)w->reply.p[i];
        txt[k++] = (c < 0x20 || c == 0x7f) ? ' ' : (char)c;
    }
    txt[k] = '\0';
    in->h->log(SL_LOG_ERR, "omhttp", "omhttp: checkResult error http status code: %ld "
               "reply: %s", status, w->reply.len > 0 ? txt : "NULL");
}

/* POST w->body (nmsg messages) to the current server + path; classify the outcome. */
static int post_body(struct omhttp_inst *in, struct omhttp_wrk *w, const char *path,
                     size_t path_len, size_t nmsg)
{
    if (in->srv.n > 1 && health_check(in, w) != 0) {
        return HR_TEMP;
    }
    w->url.len = 0;
    if (sl_curl_buf_str(in->h, &w->url, in->srv.urls[w->server_idx]) != 0 ||
        (path != NULL && sl_curl_buf_add(in->h, &w->url, path, path_len) != 0)) {
        return HR_TEMP;
    }
    w->server_idx = (w->server_idx + 1) % in->srv.n;
    if (sl_curl_buf_add(in->h, &w->body, "", 0) != 0) {   /* NUL-terminate (errorfile) */
        return HR_TEMP;
    }
    const char *data = w->body.p != NULL ? w->body.p : "";
    size_t len = w->body.len;
    int gz = 0;
    if (in->compress) {
        if (gzip_body(in, w) == 0) {
            data = w->gz.p;
            len = w->gz.len;
            gz = 1;
        } else {
            in->h->log(SL_LOG_ERR, "omhttp", "omhttp: curlPost error while compressing, "
                       "will default to uncompressed");
        }
    }
    struct sl_curl_reply cb = { in->h, &w->reply };
    w->reply.len = 0;
    curl_easy_setopt(w->post, CURLOPT_URL, w->url.p);
    curl_easy_setopt(w->post, CURLOPT_HTTPHEADER, gz ? in->hdrs_gz : in->hdrs);
    curl_easy_setopt(w->post, CURLOPT_WRITEDATA, &cb);
    curl_easy_setopt(w->post, CURLOPT_POSTFIELDS, data);
    curl_easy_setopt(w->post, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)len);
    char errbuf[CURL_ERROR_SIZE] = "";
    curl_easy_setopt(w->post, CURLOPT_ERRORBUFFER, errbuf);
    CURLcode rc = curl_easy_perform(w->post);
    curl_easy_setopt(w->post, CURLOPT_ERRORBUFFER, NULL);
    atomic_fetch_add(in->c_req, 1);
    if (rc != CURLE_OK) {
        atomic_fetch_add(in->c_req_fail, 1);
        atomic_fetch_add(in->c_fail, nmsg);
        in->h->log(SL_LOG_ERR, "omhttp", "omhttp: suspending ourselves due to server failure "
                   "%d: %s", (int)rc, errbuf[0] ? errbuf : curl_easy_strerror(rc));
        return HR_TEMP;
    }
    atomic_fetch_add(in->c_req_ok, 1);
    long status = 0;
    curl_easy_getinfo(w->post, CURLINFO_RESPONSE_CODE, &status);
    if (status >= 500 || status == 429 || status == 0) {
        atomic_fetch_add(in->c_st_fail, 1);
        atomic_fetch_add(in->c_fail, nmsg);
        log_reply(in, w, status);
        if (in->retry_on && status != 429) {
            /* rsyslog's checkResult: the errorfile, then the retry ruleset */
            error_record(in, w->url.p, w->body.p, status, &w->reply);
            return HR_RETRY;
        }
        return HR_TEMP;
    }
    if (status >= 300) {
        atomic_fetch_add(in->c_st_fail, 1);
        atomic_fetch_add(in->c_fail, nmsg);
        log_reply(in, w, status);
        error_record(in, w->url.p, w->body.p, status, &w->reply);
        return HR_PERM;
    }
    atomic_fetch_add(in->c_st_ok, 1);
    atomic_fetch_add(in->c_success, nmsg);
    return HR_OK;
}

/* The rendering of message i as a NUL-terminated string (in w->tmp): rsyslog's message
 * strings end at the first NUL. */
static const char *rendering(struct omhttp_inst *in, struct omhttp_wrk *w, size_t i)
{
    w->tmp.len = 0;
    if (sl_curl_buf_add(in->h, &w->tmp, w->rend.p + w->off[i], w->len[i]) != 0) {
        return NULL;
    }
    return w->tmp.p;
}

/* The body for messages [a, b) of the batch; bad[i] = 1 for renderings the JSON formats
 * cannot parse. */
static int serialize(struct omhttp_inst *in, struct omhttp_wrk *w, size_t a, size_t b,
                     uint8_t *bad, size_t *nbad)
{
    const struct sl_host *h = in->h;
    w->body.len = 0;
    if (!in->batch || in->fmt == FMT_NEWLINE) {
        for (size_t i = a; i < b; i++) {
            const char *s = w->rend.p + w->off[i];
            if ((i > a && sl_curl_buf_add(h, &w->body, "\n", 1) != 0) ||
                sl_curl_buf_add(h, &w->body, s, strnlen(s, w->len[i])) != 0) {
                return SL_ENOMEM;
            }
        }
        return 0;
    }
    fjson_object *arr = fjson_object_new_array();
    if (arr == NULL) {
        return SL_ENOMEM;
    }
    for (size_t i = a; i < b; i++) {
        const char *s = rendering(in, w, i);
        fjson_object *o = s != NULL ? fjson_tokener_parse(s) : NULL;
        if (o == NULL) {
            in->h->log(SL_LOG_WARNING, "omhttp", "omhttp: failed to parse %.200s as json, "
                       "ignoring it", s != NULL ? s : "");
            atomic_fetch_add(in->c_badjson, 1);
            bad[i] = 1;
            (*nbad)++;
            continue;
        }
        if (in->fmt == FMT_KAFKAREST) {
            fjson_object *v = fjson_object_new_object();
            if (v == NULL) {
                fjson_object_put(o);
                fjson_object_put(arr);
                return SL_ENOMEM;
            }
            fjson_object_object_add(v, "value", o);
            o = v;
        }
        fjson_object_array_add(arr, o);
    }
    fjson_object *root = arr;
    if (in->fmt == FMT_KAFKAREST || in->fmt == FMT_LOKIREST) {
        root = fjson_object_new_object();
        if (root == NULL) {
            fjson_object_put(arr);
            return SL_ENOMEM;
        }
        fjson_object_object_add(root, in->fmt == FMT_KAFKAREST ? "records" : "streams", arr);
    }
    const char *js = fjson_object_to_json_string_ext(root, FJSON_TO_STRING_PLAIN);
    int r = js != NULL ? sl_curl_buf_str(h, &w->body, js) : SL_ENOMEM;
    fjson_object_put(root);
    return r;
}

/* rsyslog's computeBatchSize: its estimate of the body of n messages of `bytes` bytes. */
static size_t batch_estimate(int fmt, size_t bytes, size_t n)
{
    size_t extra;
    switch (fmt) {
    case FMT_JSONARRAY:
        extra = n > 0 ? n + 1 : 2;
        break;
    case FMT_KAFKAREST:
        extra = n * 10 + 14;
        break;
    case FMT_LOKIREST:
        extra = n * 2 + 14;
        break;
    default:
        extra = n > 0 ? n - 1 : 0;
    }
    return bytes + extra + 1;
}

static int grow(struct omhttp_wrk *w, size_t n)
{
    if (n <= w->cap) {
        return 0;
    }
    size_t *p[4] = { w->off, w->len, w->poff, w->plen };
    for (int i = 0; i < 4; i++) {
        size_t *q = realloc(p[i], n * sizeof *q);
        if (q == NULL) {
            w->off = p[0], w->len = p[1], w->poff = p[2], w->plen = p[3];
            return SL_ENOMEM;
        }
        p[i] = q;
    }
    w->off = p[0], w->len = p[1], w->poff = p[2], w->plen = p[3];
    w->cap = n;
    return 0;
}

/* Render messages [a, z) of batch b into w's buffers (from scratch when a == 0 or
 * without batching). */
static int render_range(struct omhttp_inst *in, struct omhttp_wrk *w, const struct sl_batch *b,
                        size_t a, size_t z)
{
    const struct sl_host *h = in->h;
    if (a == 0 || !in->batch) {
        w->rend.len = 0;
        w->paths.len = 0;
    }
    for (size_t i = a; i < z; i++) {
        w->off[i] = w->rend.len;
        if (h->render(in->body_tpl, b->msgs[i], &w->rend) != 0) {
            return SL_ENOMEM;
        }
        w->len[i] = w->rend.len - w->off[i];
        if (in->dynrestpath) {
            w->poff[i] = w->paths.len;
            if (h->render(in->path_tpl, b->msgs[i], &w->paths) != 0) {
                return SL_ENOMEM;
            }
            w->plen[i] = w->paths.len - w->poff[i];
        }
    }
    return 0;
}

/* rsyslog's queueBatchOnRetryRuleset: each message [a, z) of a chunk the server failed
 * becomes a new message (sl_http_retry_msg: rawmsg and MSG its rendering up to the first
 * NUL, TAG "omhttp-retry") for retry.ruleset, counted in messages.retry, those over the rate
 * limit dropped.  -1 without memory (the chunk is then retried as a transient failure). */
static int retry_chunk(struct omhttp_inst *in, struct omhttp_wrk *w, size_t a, size_t z)
{
    struct sl_msg **msgs = calloc(z - a, sizeof *msgs);
    if (msgs == NULL) {
        return -1;
    }
    size_t n = 0;
    for (size_t i = a; i < z; i++) {
        const char *s = w->rend.p + w->off[i];
        atomic_fetch_add(in->c_retry, 1);
        if (!sl_http_retry_allowed(&in->rt)) {
            continue;
        }
        struct sl_msg *m = sl_http_retry_msg(in->h, s, strnlen(s, w->len[i]), "omhttp-retry");
        if (m != NULL) {
            msgs[n++] = m;
        }
    }
    (void)sl_http_retry_submit(in->h, &in->rt, msgs, n);
    free(msgs);
    return 0;
}

/* Send messages [a, b) as one request. */
static int send_range(struct omhttp_inst *in, struct omhttp_wrk *w, size_t a, size_t b,
                      uint8_t *bad, size_t *nbad)
{
    size_t nb = 0;
    if (serialize(in, w, a, b, bad, &nb) != 0) {
        for (size_t i = a; i < b; i++) {
            bad[i] = 0;
        }
        return HR_TEMP;
    }
    const char *path = in->restpath;
    size_t plen = path != NULL ? strlen(path) : 0;
    if (in->dynrestpath) {
        path = w->paths.p + w->poff[a];
        plen = w->plen[a];
    }
    int r = post_body(in, w, path, plen, b - a);
    if (r == HR_RETRY) {
        r = retry_chunk(in, w, a, b) == 0 ? HR_OK : HR_TEMP;
    }
    if (r == HR_TEMP) {
        for (size_t i = a; i < b; i++) {
            bad[i] = 0;
        }
        return r;
    }
    if (r == HR_PERM) {
        for (size_t i = a; i < b; i++) {
            nb += !bad[i];
            bad[i] = 1;
        }
    }
    *nbad += nb;
    return r;
}

static int omhttp_deliver(void *inst, void *wrk, const struct sl_batch *b, struct sl_verdict *v)
{
    struct omhttp_inst *in = inst;
    struct omhttp_wrk *w = wrk;
    const struct sl_host *h = in->h;
    unsigned gen = atomic_load(&in->hup_gen);
    if (gen != w->gen) {
        w->gen = gen;
        if (in->reloadonhup) {
            h->log(SL_LOG_INFO, "omhttp", "omhttp: received HUP reloading curl handles");
            handles_free(w);
            if (handles_make(in, w) != 0) {
                return SL_RETRY;
            }
        }
    }
    if (b->n == 0) {
        return SL_OK;
    }
    if (grow(w, b->n) != 0) {
        return SL_RETRY;
    }
    /* without batching, each message is rendered just before its request: a retry of
     * the rest of the batch renders only what it sends (and counts it as submitted, as
     * rsyslog counts each doAction call) */
    size_t rendered = in->batch ? b->n : 0;
    if (render_range(in, w, b, 0, rendered) != 0) {
        return SL_RETRY;
    }
    size_t nbad = 0;
    size_t start = 0;
    size_t bytes = 0;
    for (size_t i = 0; i <= b->n; i++) {
        size_t n = i - start;
        int cut = i == b->n;
        if (!cut && n > 0) {
            if (!in->batch) {
                cut = 1;
            } else if (in->dynrestpath &&
                       (w->plen[i] != w->plen[start] ||
                        memcmp(w->paths.p + w->poff[i], w->paths.p + w->poff[start],
                               w->plen[i]) != 0)) {
                cut = 1;
            } else if (n >= (size_t)in->batch_maxsize) {
                cut = 1;
            } else {
                size_t mlen = strnlen(w->rend.p + w->off[i], w->len[i]);
                if (batch_estimate(in->fmt, bytes, n) + (mlen > 0 ? mlen - 1 : 0) >
                    (size_t)in->batch_maxbytes) {
                    cut = 1;
                }
            }
        }
        if (cut && n > 0) {
            atomic_fetch_add(in->c_submitted, n);
            int r = send_range(in, w, start, i, v->bad, &nbad);
            if (r == HR_TEMP) {
                if (start == 0) {
                    return SL_SUSPEND;
                }
                /* earlier chunks are done; refused ones are in errorfile already */
                for (size_t j = 0; j < start; j++) {
                    v->bad[j] = 0;
                }
                v->done = start;
                return SL_PARTIAL;
            }
            start = i;
            bytes = 0;
        }
        if (i < b->n && i >= rendered) {
            /* single requests: only message i is in the buffers */
            if (render_range(in, w, b, i, i + 1) != 0) {
                return i == 0 ? SL_RETRY : (v->done = i, SL_PARTIAL);
            }
        }
        if (i < b->n) {
            bytes += strnlen(w->rend.p + w->off[i], w->len[i]);
        }
    }
    return nbad > 0 ? SL_BAD_DATA : SL_OK;
}

static int omhttp_mod_init(const struct sl_host *h, void *modconf)
{
    (void)modconf;
    return sl_curl_global_init(h, "omhttp");
}

static void omhttp_mod_fini(void *modconf)
{
    (void)modconf;
    sl_curl_global_fini();
}

static const struct sl_output_ops omhttp_ops = {
    .create = omhttp_create,
    .destroy = omhttp_destroy,
    .worker_create = omhttp_worker_create,
    .worker_destroy = omhttp_worker_destroy,
    .deliver = omhttp_deliver,
    .hup = omhttp_hup,
    .connect = omhttp_connect,
    .disconnect = NULL,
    .flush = NULL,
};

SL_PLUGIN_DEFINE(omhttp) = {
    SL_PLUGIN_HEADER(omhttp),
    .kinds = SL_OUTPUT,
    .flags = SL_PF_REPEAT_REDUCTION,   /* rsyslog's omhttp has sFEATURERepeatedMsgReduction */
    .module_params = NULL,
    .inst_params = omhttp_inst_params,
    .mod_size = 0,
    .inst_size = sizeof(struct omhttp_inst),
    .wrk_size = sizeof(struct omhttp_wrk),
    .mod_init = omhttp_mod_init,
    .mod_fini = omhttp_mod_fini,
    .in = NULL,
    .out = &omhttp_ops,
    .mod = NULL,
    .default_template = " StdJSONFmt",
    .stats_set = NULL,
    .stats_counters = NULL,
    .path_param = NULL,
    .parser = NULL,
    .parser_name = NULL,
};
