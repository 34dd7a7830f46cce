/*
 * omelasticsearch.c - the omelasticsearch output plugin: messages indexed into
 * Elasticsearch/OpenSearch over HTTP(S), one POST per message or one POST /_bulk per batch.
 *
 * rsyslog 8.2302's plugins/omelasticsearch with the same parameters, defaults and requests
 * for the same config:
 *   - URL per server: "[http|https]://server[:serverport]/" (serverport 9200, usehttps off;
 *     rsyslog's computeBaseUrl, shared with omhttp in plugins/common/sl_http.c), then
 *     "_bulk" (bulkmode) or "searchIndex/searchType" (searchType "_doc" when empty), then
 *     "?pipeline=NAME" (not bulk), "timeout=T", "parent=P" (not bulk) joined by '?' / '&';
 *   - bulk body: per message the action line {"index":{"_index": "IDX","_type":"TYPE",...}}
 *     (writeoperation="create": {"create":{...}}), LF, the rendered message, LF: the exact
 *     bytes of rsyslog's buildBatch; a new request starts when the next message would take
 *     the body above maxbytes (rsyslog's own size estimate);
 *   - searchIndex/searchType/parent/bulkid/pipelineName name templates with their dyn*
 *     switches; before esversion.major 8 the index defaults to "system" and the type to
 *     "events", and writeoperation="create" needs bulkid;
 *   - the only header is "Content-Type: application/json; charset=utf-8", uid/pwd give
 *     Basic authentication; template default StdJSONFmt;
 *   - the health check is a GET of "_cat/health" (healthchecktimeout ms), done when a
 *     suspended action is tried again (rsyslog's tryResume: connect() after a suspension,
 *     not before the first request) and before each request when there are several
 *     servers (round robin per request, as rsyslog);
 *   - a reply that reports failure (bulk: "items" missing or an item whose status is not
 *     2xx, i.e. "errors":true; single: a "status" field) goes to errorfile as rsyslog's
 *     default record {"request": {"url": ..., "postdata": ...}, "reply": REPLY}, or with
 *     erroronly/interleaved as rsyslog's per-item records (write_error_layout), counts in
 *     failed.es, and the messages are done (rsyslog: "we have handled the problem");
 *   - counters in the set "omelasticsearch": submitted, failed.http, failed.httprequests,
 *     failed.checkConn, failed.es, response.* and rebinds (rebindinterval).
 * The deliberate difference (like omhttp's, documented in sluice.conf(5)): a reply with
 * status 5xx or 429, or none at all (refused, reset, TLS failure, timeout), suspends the
 * action and the action queue keeps the messages (SL_SUSPEND, SL_PARTIAL after requests of
 * the batch that went through), so nothing is lost and nothing is sent twice by us;
 * rsyslog takes a 5xx reply with a JSON body as handled.
 *   - retryfailures (bulk): every item of a reply with errors becomes a message (rsyslog's
 *     createMsgFromRequest: $! the document, $.omes the action line's and the reply item's
 *     fields, TAG "omes") for retryruleset (else the default ruleset), through the ABI 1.9
 *     submit_ruleset with a bounded wait (SL_HTTP_RETRY_WAIT_MS; rsyslog waits without
 *     bound - an output worker here never blocks on a queue it may have to drain),
 *     rate-limited by ratelimit.interval/burst (struct sl_http_retry, shared with omhttp);
 *     the response.* counters as rsyslog's.
 *   - the rule tester's preview (ABI 1.9): the bulk body lines of one message.
 *
 * libcurl is the HTTP client and libfastjson (rsyslog's JSON library) parses the replies
 * and writes the errorfile; hand-written is only rsyslog's request framing (the
 * omelasticsearch.h functions) and the reply classification above.
 *
 * Ownership and lifetime
 *   - Parameter strings and templates belong to the core.
 *   - The instance owns the base URLs, the header list (read-only after create()), the
 *     "uid:pwd" string, the errorfile (struct sl_curl_errfile) and the rate limit's mutex;
 *     the retry ruleset handle belongs to the core.  Retry messages pass to the core in
 *     submit_ruleset.
 *   - Each worker owns its two CURL easy handles (POST, health check) and its buffers.
 *
 * Concurrency & locking
 *   - deliver()/connect() run on core worker threads, each with its own wrk block; they
 *     share only read-only instance data, the atomic counters, the errorfile (its own
 *     lock) and the retry rate limit (its own lock).  hup() (main thread) closes the errorfile under that lock.
 *   - curl_global_init runs in mod_init (main thread, before any worker); CURLOPT_NOSIGNAL
 *     keeps libcurl away from the daemon's signals.
 */

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <curl/curl.h>
#include <libfastjson/json.h>

#include "sluice/sl_plugin.h"
#include "sl_curl.h"
#include "sl_http.h"
#include "omelasticsearch.h"

#define WHO "omelasticsearch"
#define HDR_CT_JSON "Content-Type: application/json; charset=utf-8"
#define HEALTH_URI "_cat/health"

/* rsyslog's bulk action line pieces */
#define META_STRT "{\"index\":{\"_index\": \""
#define META_STRT_CREATE "{\"create\":{"
#define META_IX "\"_index\": \""
#define META_TYPE "\",\"_type\":\""
#define META_PIPELINE "\",\"pipeline\":\""
#define META_PARENT "\",\"_parent\":\""
#define META_ID "\", \"_id\":\""
#define META_END "\"}}\n"
#define META_END_NOQUOTE " }}\n"
#define SLEN(s) (sizeof(s) - 1)

/* What one request came to. */
enum { ES_OK = 0, ES_TEMP = 1 };

/* per-message renderings: the message and the dynamic fields */
enum { R_MSG = 0, R_INDEX, R_TYPE, R_PARENT, R_BULKID, R_PIPELINE, R_N };

struct omes_inst {
    /* parameters (filled by the core) */
    struct sl_strarr server;
    int64_t serverport;
    int64_t healthchecktimeout;
    int64_t indextimeout;
    char *uid;
    char *pwd;
    char *searchindex;
    char *searchtype;
    char *pipelinename;
    int skippipelineifempty;
    char *parent;
    int dynsearchindex;
    int dynsearchtype;
    int dynparent;
    int bulkmode;
    int64_t maxbytes;
    int usehttps;
    char *timeout;
    char *errorfile;
    int erroronly;
    int interleaved;
    const struct sl_template *tpl;
    int dynbulkid;
    int dynpipelinename;
    char *bulkid;
    int allowunsignedcerts;
    int skipverifyhost;
    char *tls_cacert;
    char *tls_mycert;
    char *tls_myprivkey;
    char *writeoperation;
    int retryfailures;
    int64_t ratelimit_interval;
    int64_t ratelimit_burst;
    char *retryruleset;
    int64_t rebindinterval;
    int64_t esversion_major;
    int asyncrepl;

    /* runtime */
    const struct sl_host *h;
    const struct sl_template *rtpl[R_N];  /* NULL: the field is static (or unset) */
    const char *stat[R_N];                /* static values */
    int create;                           /* writeoperation="create" */
    struct sl_curl_servers srv;           /* base URLs, "uid:pwd" (owned) */
    struct curl_slist *hdrs;              /* owned */
    struct sl_curl_tls tls;
    struct sl_curl_errfile ef;
    struct sl_http_retry retry;           /* retryfailures: where the items go, rate limit */

    _Atomic uint64_t *c_submitted, *c_http, *c_httpreq, *c_checkconn, *c_es;
    _Atomic uint64_t *c_rsp_success, *c_rsp_bad, *c_rsp_dup, *c_rsp_badarg, *c_rsp_reject,
        *c_rsp_other, *c_rebinds;
};

struct omes_wrk {
    void *post;                           /* CURL easy handles */
    void *check;
    size_t server_idx;
    int connected;                        /* connect() ran once: later calls check */
    int64_t nops;                         /* rebindinterval */
    struct sl_buf r[R_N];                 /* renderings of the current message */
    struct sl_buf body;
    struct sl_buf reply;
    struct sl_buf url;
};

#define OI(f) offsetof(struct omes_inst, f)
static const struct sl_param omes_inst_params[] = {
    { "server", SL_PT_ARRAY, 0, OI(server), NULL, NULL, NULL,
      "server(s): host, host:port or a URL with scheme (default localhost)" },
    { "serverport", SL_PT_INT, 0, OI(serverport), "9200", NULL, NULL,
      "port for servers that name none" },
    { "healthchecktimeout", SL_PT_INT, 0, OI(healthchecktimeout), "3500", NULL, NULL,
      "ms for the _cat/health check" },
    { "indextimeout", SL_PT_INT, 0, OI(indextimeout), "0", NULL, NULL,
      "ms for one indexing request (0: none)" },
    { "searchindex", SL_PT_WORD, 0, OI(searchindex), NULL, NULL, NULL,
      "index (a template name with dynsearchindex); default system" },
    { "searchtype", SL_PT_WORD, 0, OI(searchtype), NULL, NULL, NULL,
      "type (a template name with dynsearchtype); default events" },
    { "pipelinename", SL_PT_WORD, 0, OI(pipelinename), NULL, NULL, NULL,
      "ingest pipeline (a template name with dynpipelinename)" },
    { "skippipelineifempty", SL_PT_BOOL, 0, OI(skippipelineifempty), "off", NULL, NULL,
      "no pipeline when its name renders empty" },
    { "parent", SL_PT_WORD, 0, OI(parent), NULL, NULL, NULL,
      "parent document id (a template name with dynparent)" },
    { "dynsearchindex", SL_PT_BOOL, 0, OI(dynsearchindex), "off", NULL, NULL,
      "searchindex names a template" },
    { "dynsearchtype", SL_PT_BOOL, 0, OI(dynsearchtype), "off", NULL, NULL,
      "searchtype names a template" },
    { "dynparent", SL_PT_BOOL, 0, OI(dynparent), "off", NULL, NULL,
      "parent names a template" },
    { "bulkmode", SL_PT_BOOL, 0, OI(bulkmode), "off", NULL, NULL,
      "one POST /_bulk per batch" },
    { "maxbytes", SL_PT_SIZE, 0, OI(maxbytes), "104857600", NULL, NULL,
      "largest bulk request body" },
    { "asyncrepl", SL_PT_BOOL, SL_P_IGNORED, OI(asyncrepl), "off", NULL, NULL,
      "gone in rsyslog (no effect)" },
    { "usehttps", SL_PT_BOOL, 0, OI(usehttps), "off", NULL, NULL,
      "https:// for servers without a scheme" },
    { "timeout", SL_PT_WORD, 0, OI(timeout), NULL, NULL, NULL,
      "the timeout= URL parameter (Elasticsearch's wait, e.g. 1m)" },
    { "errorfile", SL_PT_WORD, 0, OI(errorfile), NULL, NULL, NULL,
      "file for failed requests (JSON records)" },
    { "erroronly", SL_PT_BOOL, 0, OI(erroronly), "off", NULL, NULL,
      "errorfile: only the failed items of a bulk request" },
    { "interleaved", SL_PT_BOOL, 0, OI(interleaved), "off", NULL, NULL,
      "errorfile: each item's request next to its reply" },
    { "template", SL_PT_TEMPLATE, 0, OI(tpl), NULL, NULL, NULL,
      "document template (default StdJSONFmt)" },
    { "dynbulkid", SL_PT_BOOL, 0, OI(dynbulkid), "off", NULL, NULL,
      "bulkid names a template" },
    { "dynpipelinename", SL_PT_BOOL, 0, OI(dynpipelinename), "off", NULL, NULL,
      "pipelinename names a template" },
    { "bulkid", SL_PT_WORD, 0, OI(bulkid), NULL, NULL, NULL,
      "document _id (a template name with dynbulkid)" },
    { "writeoperation", SL_PT_WORD, 0, OI(writeoperation), "index", NULL, NULL,
      "index or create" },
    { "retryfailures", SL_PT_BOOL, 0, OI(retryfailures), "off", NULL, NULL,
      "failed bulk items as messages to retryruleset, $.omes their reply" },
    { "ratelimit.interval", SL_PT_INT, 0, OI(ratelimit_interval), "600", NULL,
      NULL, "seconds of the retry rate limit (0: none)" },
    { "ratelimit.burst", SL_PT_INT, 0, OI(ratelimit_burst), "20000", NULL, NULL,
      "retry messages per ratelimit.interval" },
    { "retryruleset", SL_PT_STRING, 0, OI(retryruleset), NULL, NULL, NULL,
      "ruleset for the retry messages (default: the default ruleset)" },
    { "rebindinterval", SL_PT_INT, 0, OI(rebindinterval), "-1", NULL, NULL,
      "requests before a new connection (-1: never)" },
    { "esversion.major", SL_PT_NONNEG, 0, OI(esversion_major), "0", NULL, NULL,
      "Elasticsearch major version (8 and up: no default index/type)" },
    SL_HTTP_TLS_PARAMS(OI),
    SL_PARAM_END
};

/* ---------------------------------------------------------------- request framing --- */

static int use_pipeline(int skip_empty, const char *p)
{
    return p != NULL && (!skip_empty || p[0] != '\0');
}

int omes_bulk_meta(const struct sl_host *h, struct sl_buf *out, int create,
                   int skip_empty_pipeline, const struct omes_fields *f)
{
    int endquote = 1;
    int r = sl_curl_buf_str(h, out, create ? META_STRT_CREATE : META_STRT);
    if (create) {
        endquote = 0;
    }
    if (f->index != NULL) {
        endquote = 1;
        if (create && r == 0) {
            r = sl_curl_buf_str(h, out, META_IX);
        }
        if (r == 0) {
            r = sl_curl_buf_str(h, out, f->index);
        }
        if (f->type != NULL && f->type[0] != '\0') {
            if (r == 0) {
                r = sl_curl_buf_str(h, out, META_TYPE);
            }
            if (r == 0) {
                r = sl_curl_buf_str(h, out, f->type);
            }
        }
    }
    const char *tail[3][2] = { { META_PARENT, f->parent },
                               { META_PIPELINE,
                                 use_pipeline(skip_empty_pipeline, f->pipeline) ? f->pipeline
                                                                                : NULL },
                               { META_ID, f->bulkid } };
    for (int i = 0; i < 3; i++) {
        if (tail[i][1] != NULL) {
            endquote = 1;
            if (r == 0) {
                r = sl_curl_buf_str(h, out, tail[i][0]);
            }
            if (r == 0) {
                r = sl_curl_buf_str(h, out, tail[i][1]);
            }
        }
    }
    if (r == 0) {
        r = sl_curl_buf_str(h, out, endquote ? META_END : META_END_NOQUOTE);
    }
    return r;
}

size_t omes_msg_size(int create, int skip_empty_pipeline, const struct omes_fields *f,
                     size_t msglen)
{
    size_t r = SLEN(META_END) + 1 + (create ? SLEN(META_STRT_CREATE) : SLEN(META_STRT));
    r += msglen;
    if (f->index != NULL) {
        r += strlen(f->index);
    }
    if (f->type != NULL) {
        r += f->type[0] == '\0' ? 4 : strlen(f->type);
    }
    if (f->parent != NULL) {
        r += SLEN(META_PARENT) + strlen(f->parent);
    }
    if (f->bulkid != NULL) {
        r += SLEN(META_ID) + strlen(f->bulkid);
    }
    if (use_pipeline(skip_empty_pipeline, f->pipeline)) {
        r += SLEN(META_PIPELINE) + strlen(f->pipeline);
    }
    return r;
}

static int url_param(const struct sl_host *h, struct sl_buf *out, char *sep, const char *name,
                     const char *val)
{
    char s[2] = { *sep, '\0' };
    *sep = '&';
    int r = sl_curl_buf_str(h, out, s);
    if (r == 0) {
        r = sl_curl_buf_str(h, out, name);
    }
    return r == 0 ? sl_curl_buf_str(h, out, val) : r;
}

int omes_post_url(const struct sl_host *h, struct sl_buf *out, const char *base, int bulk,
                  int skip_empty_pipeline, const char *timeout, const struct omes_fields *f)
{
    char sep = '?';
    int r = sl_curl_buf_str(h, out, base);
    if (bulk) {
        if (r == 0) {
            r = sl_curl_buf_str(h, out, "_bulk");
        }
    } else {
        if (f->index != NULL) {
            const char *type = f->type != NULL && f->type[0] != '\0' ? f->type : "_doc";
            if (r == 0) {
                r = sl_curl_buf_str(h, out, f->index);
            }
            if (r == 0) {
                r = sl_curl_buf_str(h, out, "/");
            }
            if (r == 0) {
                r = sl_curl_buf_str(h, out, type);
            }
        }
        if (r == 0 && use_pipeline(skip_empty_pipeline, f->pipeline)) {
            r = url_param(h, out, &sep, "pipeline=", f->pipeline);
        }
    }
    if (r == 0 && timeout != NULL) {
        r = url_param(h, out, &sep, "timeout=", timeout);
    }
    if (r == 0 && !bulk && f->parent != NULL) {
        r = url_param(h, out, &sep, "parent=", f->parent);
    }
    return r;
}

/* ------------------------------------------------------------------------ instance --- */

static void inst_free(struct omes_inst *in)
{
    sl_curl_servers_free(&in->srv);
    curl_slist_free_all(in->hdrs);
    in->hdrs = NULL;
    sl_curl_errfile_fini(&in->ef);
    sl_http_retry_fini(&in->retry);
}

/* A field: static value, or (dyn) the template it names. */
static int field_setup(struct omes_inst *in, int k, const char *val, int dyn, const char *what)
{
    in->stat[k] = val;
    in->rtpl[k] = NULL;
    if (!dyn) {
        return 0;
    }
    in->rtpl[k] = in->h->template_find(val);
    if (in->rtpl[k] == NULL) {
        in->h->log(SL_LOG_ERR, WHO, "omelasticsearch: %s template '%s' not found", what, val);
        return SL_ECONFIG;
    }
    return 0;
}

/* rsyslog's refusal of a dyn* switch without the template name. */
static int dyn_check(struct omes_inst *in)
{
    const struct { int dyn; const char *val, *what, *tname; } d[] = {
        { in->dynsearchindex, in->searchindex, "search index", "index" },
        { in->dynsearchtype, in->searchtype, "search type", "type" },
        { in->dynparent, in->parent, "parent", "parent" },
        { in->dynbulkid, in->bulkid, "bulkid", "bulkid" },
        { in->dynpipelinename, in->pipelinename, "pipeline name", "pipelineName" },
    };
    for (size_t i = 0; i < sizeof d / sizeof d[0]; i++) {
        if (d[i].dyn && d[i].val == NULL) {
            in->h->log(SL_LOG_ERR, WHO, "omelasticsearch: requested dynamic %s, but no name "
                       "for %s template given - action definition invalid", d[i].what,
                       d[i].tname);
            return SL_ECONFIG;
        }
    }
    return 0;
}

/* retryfailures/retryruleset (rsyslog's checkCnf): a retryruleset that does not exist is
 * an error rsyslog runs past with the default ruleset.  Needs a core of ABI 1.9. */
static int retry_setup(struct omes_inst *in)
{
    const struct sl_host *h = in->h;
    if (in->retryruleset == NULL && !in->retryfailures) {
        return 0;
    }
    if (sl_http_retry_init(&in->retry, h, WHO, "retryruleset", in->retryruleset) != 0) {
        return SL_ECONFIG;
    }
    if (in->retryfailures && in->retry.rs == NULL) {
        in->retry.rs = h->ruleset_ref(NULL, WHO);
    }
    if (in->retryfailures && in->retry.rs == NULL) {
        h->log(SL_LOG_ERR, WHO, "omelasticsearch: no default ruleset for retryfailures");
        return SL_ECONFIG;
    }
    sl_http_retry_limit(&in->retry, h, WHO, WHO, in->ratelimit_interval, in->ratelimit_burst);
    return 0;
}

static int omes_create(void *inst, void *modconf, const struct sl_host *h)
{
    struct omes_inst *in = inst;
    (void)modconf;
    in->h = h;
    in->ef.fd = -1;
    if (in->pwd != NULL && in->uid == NULL) {
        h->log(SL_LOG_ERR, WHO, "omelasticsearch: password is provided, but no uid - action "
               "definition invalid");
        return SL_ECONFIG;
    }
    if (dyn_check(in) != 0) {
        return SL_ECONFIG;
    }
    if (strcmp(in->writeoperation, "create") == 0) {
        in->create = 1;
    } else if (strcmp(in->writeoperation, "index") != 0) {
        h->log(SL_LOG_ERR, WHO, "omelasticsearch: invalid value '%s' for writeoperation: must "
               "be one of 'index' or 'create' - using default value 'index'",
               in->writeoperation);
    }
    const char *index = in->searchindex, *type = in->searchtype;
    if (in->esversion_major < 8) {
        if (index == NULL) {
            index = "system";
        }
        if (type == NULL) {
            type = "events";
        }
        if (in->create && in->bulkid == NULL) {
            h->log(SL_LOG_ERR, WHO, "omelasticsearch: writeoperation '1' requires bulkid");
            return SL_ECONFIG;
        }
    }
    if (field_setup(in, R_INDEX, index, in->dynsearchindex, "search index") != 0 ||
        field_setup(in, R_TYPE, type, in->dynsearchtype, "search type") != 0 ||
        field_setup(in, R_PARENT, in->parent, in->dynparent, "parent") != 0 ||
        field_setup(in, R_BULKID, in->bulkid, in->dynbulkid, "bulkid") != 0 ||
        field_setup(in, R_PIPELINE, in->pipelinename, in->dynpipelinename, "pipeline name") !=
            0) {
        return SL_ECONFIG;
    }
    in->rtpl[R_MSG] = in->tpl != NULL ? in->tpl : h->template_find(" StdJSONFmt");
    if (in->rtpl[R_MSG] == NULL) {
        h->log(SL_LOG_ERR, WHO, "omelasticsearch: template StdJSONFmt not found");
        return SL_ECONFIG;
    }
    in->tls = (struct sl_curl_tls){ .allowunsignedcerts = in->allowunsignedcerts,
                                    .skipverifyhost = in->skipverifyhost,
                                    .userpwd = NULL,
                                    .cacert = in->tls_cacert,
                                    .mycert = in->tls_mycert,
                                    .myprivkey = in->tls_myprivkey };
    sl_curl_check_files(h, WHO, &in->tls);
    if (in->allowunsignedcerts) {
        h->log(SL_LOG_WARNING, WHO, "omelasticsearch: INSECURE: allowunsignedcerts=\"on\": any "
               "server certificate is accepted");
    }
    if (sl_curl_errfile_init(&in->ef, in->errorfile, WHO) != 0) {
        return SL_ENOMEM;
    }
    if (sl_curl_servers_init(&in->srv, h, WHO, &in->server, in->serverport, in->usehttps,
                             in->uid, in->pwd) != 0) {
        return SL_ENOMEM;
    }
    in->tls.userpwd = in->srv.userpwd;
    int bad = 0;
    if (!bad) {
        in->hdrs = curl_slist_append(NULL, HDR_CT_JSON);
        bad = in->hdrs == NULL;
    }
    if (bad) {
        inst_free(in);
        return SL_ENOMEM;
    }
    if (retry_setup(in) != 0) {
        inst_free(in);
        return SL_ECONFIG;
    }
    static const char *const names[] = {
        "submitted", "failed.http", "failed.httprequests", "failed.checkConn", "failed.es",
        "response.success", "response.bad", "response.duplicate", "response.badargument",
        "response.bulkrejection", "response.other", "rebinds"
    };
    _Atomic uint64_t **ctr[] = { &in->c_submitted, &in->c_http, &in->c_httpreq,
                                 &in->c_checkconn, &in->c_es, &in->c_rsp_success,
                                 &in->c_rsp_bad, &in->c_rsp_dup, &in->c_rsp_badarg,
                                 &in->c_rsp_reject, &in->c_rsp_other, &in->c_rebinds };
    for (size_t i = 0; i < sizeof ctr / sizeof ctr[0]; i++) {
        *ctr[i] = h->counter(WHO, WHO, names[i]);
    }
    return 0;
}

static void omes_destroy(void *inst)
{
    inst_free(inst);
}

static void omes_hup(void *inst)
{
    struct omes_inst *in = inst;
    sl_curl_errfile_close(&in->ef);
}

/* ------------------------------------------------------------------------- workers --- */

static void handles_free(struct omes_wrk *w)
{
    sl_curl_easy_free(&w->post);
    sl_curl_easy_free(&w->check);
}

static int omes_worker_create(void *inst, void *wrk)
{
    struct omes_inst *in = inst;
    struct omes_wrk *w = wrk;
    w->post = curl_easy_init();
    w->check = curl_easy_init();
    if (w->post == NULL || w->check == NULL) {
        handles_free(w);
        return SL_ENOMEM;
    }
    CURL *hs[2] = { w->post, w->check };
    for (int i = 0; i < 2; i++) {
        sl_curl_setup(hs[i], &in->tls, 0);
        curl_easy_setopt(hs[i], CURLOPT_HTTPHEADER, in->hdrs);
    }
    curl_easy_setopt(w->post, CURLOPT_POST, 1L);
    curl_easy_setopt(w->post, CURLOPT_TIMEOUT_MS, (long)in->indextimeout);
    curl_easy_setopt(w->check, CURLOPT_TIMEOUT_MS, (long)in->healthchecktimeout);
    return 0;
}

static void omes_worker_destroy(void *inst, void *wrk)
{
    struct omes_inst *in = inst;
    struct omes_wrk *w = wrk;
    handles_free(w);
    for (int k = 0; k < R_N; k++) {
        in->h->buf_free(&w->r[k]);
    }
    in->h->buf_free(&w->body);
    in->h->buf_free(&w->reply);
    in->h->buf_free(&w->url);
}

/* rsyslog's checkConn: a GET of _cat/health on each server in turn until one completes. */
static int check_conn(struct omes_inst *in, struct omes_wrk *w)
{
    if (sl_curl_check_servers(in->h, w->check, &in->srv, &w->server_idx, HEALTH_URI, &w->url,
                              &w->reply, in->c_checkconn) == 0) {
        return 0;
    }
    in->h->log(SL_LOG_WARNING, WHO, "omelasticsearch: checkConn failed after %zu attempts.",
               in->srv.n);
    return SL_EAGAIN;
}

static int omes_connect(void *inst, void *wrk)
{
    struct omes_wrk *w = wrk;
    if (!w->connected) {
        w->connected = 1;   /* rsyslog checks only when resuming */
        return 0;
    }
    return check_conn(inst, w);
}

/* After SL_SUSPEND: nothing to release (libcurl keeps or drops its connection itself); the
 * core calls connect() again before the next deliver(), which is rsyslog's tryResume. */
static void omes_disconnect(void *inst, void *wrk)
{
    (void)inst;
    (void)wrk;
}

/* Render message m: the document and the dynamic fields into w->r[], f filled. */
static int render_msg(struct omes_inst *in, struct omes_wrk *w, struct sl_msg *m,
                      struct omes_fields *f)
{
    const char *v[R_N];
    for (int k = 0; k < R_N; k++) {
        v[k] = in->stat[k];
        if (in->rtpl[k] == NULL) {
            continue;
        }
        w->r[k].len = 0;
        if (in->h->render(in->rtpl[k], m, &w->r[k]) != 0 ||
            sl_curl_buf_add(in->h, &w->r[k], "", 0) != 0) {
            return SL_ENOMEM;
        }
        v[k] = w->r[k].p;   /* rsyslog's strings end at the first NUL */
    }
    *f = (struct omes_fields){ .index = v[R_INDEX], .type = v[R_TYPE], .parent = v[R_PARENT],
                               .bulkid = v[R_BULKID], .pipeline = v[R_PIPELINE] };
    return 0;
}

/* The items array of a bulk reply, or NULL after rsyslog's error message. */
static fjson_object *reply_items(struct omes_inst *in, struct omes_wrk *w, fjson_object *root)
{
    fjson_object *items = NULL;
    if (!fjson_object_object_get_ex(root, "items", &items) ||
        !fjson_object_is_type(items, fjson_type_array)) {
        in->h->log(SL_LOG_ERR, WHO, "omelasticsearch: error in elasticsearch reply: bulkmode "
                   "insert does not return array, reply is: %s", w->reply.p);
        return NULL;
    }
    return items;
}

/* The result object of bulk reply item i ({"create":{...}} or {"index":{...}}), or NULL
 * after rsyslog's error message. */
static fjson_object *item_result(struct omes_inst *in, fjson_object *items, size_t i)
{
    fjson_object *item = fjson_object_array_get_idx(items, i);
    fjson_object *res = NULL;
    if (item == NULL) {
        in->h->log(SL_LOG_ERR, WHO, "omelasticsearch: error in elasticsearch reply: cannot "
                   "obtain reply array item %zu", i);
        return NULL;
    }
    if ((!fjson_object_object_get_ex(item, "create", &res) ||
         !fjson_object_is_type(res, fjson_type_object)) &&
        (!fjson_object_object_get_ex(item, "index", &res) ||
         !fjson_object_is_type(res, fjson_type_object))) {
        in->h->log(SL_LOG_ERR, WHO, "omelasticsearch: error in elasticsearch reply: cannot "
                   "obtain 'result' item for #%zu", i);
        return NULL;
    }
    return res;
}

/* rsyslog's checkReplyStatus: 1 when the item's status is missing or not 2xx. */
static int item_failed(fjson_object *res)
{
    fjson_object *st = NULL;
    return !fjson_object_object_get_ex(res, "status", &st) ||
           !fjson_object_is_type(st, fjson_type_int) || fjson_object_get_int(st) < 0 ||
           fjson_object_get_int(st) > 299;
}

/* rsyslog's checkResult on a parsed reply: 1 when it reports a failure. */
static int reply_failed(struct omes_inst *in, struct omes_wrk *w, fjson_object *root)
{
    if (!in->bulkmode) {
        return fjson_object_object_get_ex(root, "status", NULL);
    }
    fjson_object *items = reply_items(in, w, root);
    if (items == NULL) {
        return 1;
    }
    size_t n = fjson_object_array_length(items);
    for (size_t i = 0; i < n; i++) {
        fjson_object *res = item_result(in, items, i);
        if (res == NULL || item_failed(res)) {
            return 1;
        }
    }
    return 0;
}

/* JSON string s[0..len) added to array arr; 0 or SL_ENOMEM. */
static int add_str(fjson_object *arr, const char *s, size_t len)
{
    fjson_object *o = fjson_object_new_string_len(s, (int)len);
    if (o == NULL || fjson_object_array_add(arr, o) != 0) {
        fjson_object_put(o);
        return SL_ENOMEM;
    }
    return 0;
}

/* rsyslog's writeDataError with erroronly and/or interleaved, for the failed request in
 * w->url/w->body and its reply root: one record
 *   erroronly:   { "url": URL, "request": [ REQ, ... ], "reply": [ REP, ... ] }
 *   interleaved: { "url": URL, "response": [ { "request": REQ, "reply": REP }, ... ] }
 * with the failed items only (erroronly) or every item (interleaved, both: failed only);
 * REQ is the item's action line and document with their LFs, REP its result object as
 * plain JSON text.  Like rsyslog, no record when the reply has no items array (so never
 * without bulkmode) or the body has fewer requests than the reply items; the error is
 * logged. */
static void write_error_layout(struct omes_inst *in, struct omes_wrk *w, fjson_object *root)
{
    fjson_object *rec = fjson_object_new_object();
    fjson_object *a = fjson_object_new_array(), *b = NULL;
    fjson_object *items = reply_items(in, w, root);
    int bad = rec == NULL || a == NULL || items == NULL;
    if (!bad) {
        fjson_object_object_add(rec, "url", fjson_object_new_string(w->url.p));
        if (!in->interleaved) {
            b = fjson_object_new_array();
            fjson_object_object_add(rec, "request", a);
            fjson_object_object_add(rec, "reply", b);
            bad = b == NULL;
        } else {
            fjson_object_object_add(rec, "response", a);
        }
    } else {
        fjson_object_put(a);
    }
    const char *req = w->body.p;
    size_t n = bad ? 0 : fjson_object_array_length(items);
    for (size_t i = 0; i < n && !bad; i++) {
        fjson_object *res = item_result(in, items, i);
        const char *l1 = req != NULL ? strchr(req, '\n') : NULL;
        const char *l2 = l1 != NULL ? strchr(l1 + 1, '\n') : NULL;
        if (res == NULL || l2 == NULL) {
            bad = 1;   /* rsyslog: "Couldn't get post request" */
            break;
        }
        size_t rlen = (size_t)(l2 + 1 - req);
        const char *rep = fjson_object_to_json_string_ext(res, FJSON_TO_STRING_PLAIN);
        if (item_failed(res) || (in->interleaved && !in->erroronly)) {
            if (!in->interleaved) {
                bad = add_str(a, req, rlen) != 0 || add_str(b, rep, strlen(rep)) != 0;
            } else {
                fjson_object *pair = fjson_object_new_object();
                bad = pair == NULL || fjson_object_array_add(a, pair) != 0;
                if (!bad) {
                    fjson_object_object_add(pair, "request",
                                            fjson_object_new_string_len(req, (int)rlen));
                    fjson_object_object_add(pair, "reply", fjson_object_new_string(rep));
                } else {
                    fjson_object_put(pair);
                }
            }
        }
        req = l2 + 1;
    }
    if (bad) {
        fjson_object_put(rec);
        return;
    }
    sl_curl_errfile_put(in->h, &in->ef, rec);
}

/* ------------------------------------------------------------ retryfailures --- */

/* rsyslog's formatBulkReqOrResp: of {"OP": {K: V, ...}} into out, "writeoperation" = OP
 * ("unknown" without one) unless out has it, then each K that out does not have yet. */
static void flatten_op(fjson_object *src, fjson_object *out)
{
    struct fjson_object_iterator it = fjson_object_iter_begin(src);
    struct fjson_object_iterator end = fjson_object_iter_end(src);
    int empty = fjson_object_iter_equal(&it, &end);
    if (!fjson_object_object_get_ex(out, "writeoperation", NULL)) {
        const char *op = empty ? NULL : fjson_object_iter_peek_name(&it);
        fjson_object_object_add(out, "writeoperation",
                                fjson_object_new_string(op != NULL ? op : "unknown"));
    }
    fjson_object *inner = empty ? NULL : fjson_object_iter_peek_value(&it);
    if (inner == NULL || !fjson_object_is_type(inner, fjson_type_object)) {
        return;
    }
    it = fjson_object_iter_begin(inner);
    end = fjson_object_iter_end(inner);
    for (; !fjson_object_iter_equal(&it, &end); fjson_object_iter_next(&it)) {
        const char *k = fjson_object_iter_peek_name(&it);
        if (!fjson_object_object_get_ex(out, k, NULL)) {
            fjson_object_object_add(out, k, fjson_object_get(fjson_object_iter_peek_value(&it)));
        }
    }
}

/* rsyslog's response.* accounting of one retried item (getDataRetryFailures). */
static void count_item(struct omes_inst *in, fjson_object *omes, int status)
{
    fjson_object *jo = NULL, *err = NULL;
    const char *op = fjson_object_object_get_ex(omes, "writeoperation", &jo)
                     ? fjson_object_get_string(jo) : NULL;
    int createop = op != NULL && (strcmp(op, "create") == 0 ||
                                  (strcmp(op, "index") == 0 && !in->create));
    _Atomic uint64_t *c;
    if (op == NULL) {
        c = in->c_rsp_bad;
    } else if (status == 200 || status == 201) {
        c = in->c_rsp_success;
    } else if (status == 409 && createop) {
        c = in->c_rsp_dup;
    } else if (status == 400 || status < 200) {
        c = in->c_rsp_badarg;
    } else if (fjson_object_object_get_ex(omes, "error", &err) &&
               fjson_object_object_get_ex(err, "type", NULL)) {
        c = status == 429 ? in->c_rsp_reject : in->c_rsp_other;
    } else {
        c = in->c_rsp_bad;
        in->h->log(SL_LOG_INFO, WHO, "omelasticsearch: unexpected error response [%s]",
                   fjson_object_to_json_string_ext(omes, FJSON_TO_STRING_PLAIN));
    }
    atomic_fetch_add(c, 1);
}

/* JSON text s[0..len) parsed whole (rsyslog's json_tokener_parse_ex), or NULL. */
static fjson_object *parse_len(const char *s, size_t len)
{
    struct fjson_tokener *tok = fjson_tokener_new();
    fjson_object *o = tok != NULL ? fjson_tokener_parse_ex(tok, s, (int)len) : NULL;
    if (o != NULL && fjson_tokener_get_error(tok) != fjson_tokener_success) {
        fjson_object_put(o);
        o = NULL;
    }
    if (tok != NULL) {
        fjson_tokener_free(tok);
    }
    return o;
}

/* rsyslog's createMsgFromRequest + getDataRetryFailures: the message for one request
 * (action line, LF, document, LF) and its reply item: rawmsg and MSG the document's
 * "message" (else the document text), TAG "omes", $! the document, $.omes the action line's
 * and then the reply item's fields.  NULL when the request cannot be read back (counted). */
static struct sl_msg *retry_msg(struct omes_inst *in, const char *req, size_t len,
                                fjson_object *item)
{
    const char *nl = memchr(req, '\n', len);
    if (nl == NULL || (size_t)(nl - req) + 2 > len || nl[1] != '{' || req[len - 1] != '\n') {
        in->h->log(SL_LOG_ERR, WHO, "omelasticsearch: malformed original request - could not "
                   "find start of original data [%.*s]", (int)len, req);
        return NULL;
    }
    const char *data = nl + 1;
    size_t dlen = (size_t)(req + len - 1 - data);
    fjson_object *meta = parse_len(req, (size_t)(nl - req));
    fjson_object *doc = parse_len(data, dlen);
    fjson_object *omes = fjson_object_new_object();
    if (meta == NULL || doc == NULL || omes == NULL) {
        in->h->log(SL_LOG_ERR, WHO, "omelasticsearch: parse error - could not convert original "
                   "request JSON back into JSON object [%.*s]", (int)len, req);
        fjson_object_put(meta);
        fjson_object_put(doc);
        fjson_object_put(omes);
        return NULL;
    }
    flatten_op(meta, omes);
    fjson_object_put(meta);
    flatten_op(item, omes);
    fjson_object *st = NULL;
    (void)fjson_object_object_get_ex(omes, "status", &st);
    count_item(in, omes, st != NULL ? fjson_object_get_int(st) : 0);
    fjson_object *jm = NULL;
    const char *raw = data;
    size_t rlen = dlen;
    if (fjson_object_object_get_ex(doc, "message", &jm)) {
        raw = fjson_object_get_string(jm);
        rlen = (size_t)fjson_object_get_string_len(jm);
    }
    struct sl_msg *m = sl_http_retry_msg(in->h, raw != NULL ? raw : "", raw != NULL ? rlen : 0,
                                         "omes");
    if (m == NULL) {
        fjson_object_put(doc);
        fjson_object_put(omes);
        return NULL;
    }
    (void)in->h->msg_json_set(m, "$!", doc);
    (void)in->h->msg_json_set(m, "$.omes", omes);
    return m;
}

/* retryfailures: rsyslog's checkResultBulkmode with the retry context.  "errors": false -
 * nothing to do; else every item of the reply (failed or not, as rsyslog 8.2302) becomes a
 * message for retryruleset.  Returns 1 when the reply cannot be read (rsyslog then writes
 * the errorfile), else 0.  The messages are queued with a bounded wait
 * (SL_HTTP_RETRY_WAIT_MS): an output worker never waits for a queue it may itself have to
 * drain. */
static int retry_reply(struct omes_inst *in, struct omes_wrk *w, fjson_object *root)
{
    fjson_object *items = reply_items(in, w, root), *errs = NULL;
    if (items == NULL) {
        return 1;
    }
    size_t n = fjson_object_array_length(items);
    if (fjson_object_object_get_ex(root, "errors", &errs) && !fjson_object_get_boolean(errs)) {
        atomic_fetch_add(in->c_rsp_success, n);
        return 0;
    }
    struct sl_msg **msgs = calloc(n > 0 ? n : 1, sizeof *msgs);
    if (msgs == NULL) {
        return 1;
    }
    size_t nm = 0;
    int bad = 0;
    const char *req = w->body.p;
    for (size_t i = 0; i < n && !bad; i++) {
        fjson_object *res = item_result(in, items, i);
        const char *l1 = req != NULL ? strchr(req, '\n') : NULL;
        const char *l2 = l1 != NULL ? strchr(l1 + 1, '\n') : NULL;
        if (res == NULL || l2 == NULL) {
            bad = 1;
            break;
        }
        struct sl_msg *m = retry_msg(in, req, (size_t)(l2 + 1 - req),
                                     fjson_object_array_get_idx(items, i));
        if (m == NULL) {
            atomic_fetch_add(in->c_rsp_bad, 1);
            bad = 1;
            break;
        }
        if (sl_http_retry_allowed(&in->retry)) {
            msgs[nm++] = m;
        } else {
            in->h->msg_unref(m);
        }
        req = l2 + 1;
    }
    (void)sl_http_retry_submit(in->h, &in->retry, msgs, nm);
    free(msgs);
    return bad;
}

/* POST w->body (nmsg messages) to w->url's server; classify the outcome. */
static int post_body(struct omes_inst *in, struct omes_wrk *w, const struct omes_fields *f,
                     size_t nmsg)
{
    if (in->srv.n > 1 && check_conn(in, w) != 0) {
        w->server_idx = (w->server_idx + 1) % in->srv.n;   /* rsyslog's curlPost: always */
        return ES_TEMP;
    }
    w->url.len = 0;
    if (omes_post_url(in->h, &w->url, in->srv.urls[w->server_idx], in->bulkmode,
                      in->skippipelineifempty, in->timeout, f) != 0 ||
        sl_curl_buf_add(in->h, &w->body, "", 0) != 0) {
        return ES_TEMP;
    }
    w->server_idx = (w->server_idx + 1) % in->srv.n;
    if (in->rebindinterval > -1) {
        int fresh = w->nops > in->rebindinterval;
        curl_easy_setopt(w->post, CURLOPT_FRESH_CONNECT, fresh ? 1L : 0L);
        if (fresh) {
            w->nops = 0;
            atomic_fetch_add(in->c_rebinds, 1);
        }
        curl_easy_setopt(w->post, CURLOPT_FORBID_REUSE,
                         w->nops == in->rebindinterval ? 1L : 0L);
    }
    struct sl_curl_reply cb = { in->h, &w->reply };
    w->reply.len = 0;
    curl_easy_setopt(w->post, CURLOPT_URL, w->url.p);
    curl_easy_setopt(w->post, CURLOPT_WRITEDATA, &cb);
    curl_easy_setopt(w->post, CURLOPT_POSTFIELDS, w->body.p);
    curl_easy_setopt(w->post, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)w->body.len);
    char errbuf[CURL_ERROR_SIZE] = "";
    curl_easy_setopt(w->post, CURLOPT_ERRORBUFFER, errbuf);
    CURLcode rc = curl_easy_perform(w->post);
    curl_easy_setopt(w->post, CURLOPT_ERRORBUFFER, NULL);
    if (rc != CURLE_OK) {
        atomic_fetch_add(in->c_httpreq, 1);
        atomic_fetch_add(in->c_http, nmsg);
        in->h->log(SL_LOG_ERR, WHO, "omelasticsearch: we are suspending ourselfs due to "
                   "server failure %d: %s", (int)rc, errbuf[0] ? errbuf : curl_easy_strerror(rc));
        return ES_TEMP;
    }
    if (in->rebindinterval > -1) {
        w->nops++;
    }
    long status = 0;
    curl_easy_getinfo(w->post, CURLINFO_RESPONSE_CODE, &status);
    if (status >= 500 || status == 429) {
        atomic_fetch_add(in->c_http, nmsg);
        in->h->log(SL_LOG_ERR, WHO, "omelasticsearch: server replied %ld, suspending", status);
        return ES_TEMP;
    }
    if (sl_curl_buf_add(in->h, &w->reply, "", 0) != 0) {
        return ES_TEMP;
    }
    fjson_object *root = fjson_tokener_parse(w->reply.p);
    if (root == NULL) {
        in->h->log(SL_LOG_WARNING, WHO, "omelasticsearch: could not parse JSON result");
        atomic_fetch_add(in->c_rsp_bad, 1);
        atomic_fetch_add(in->c_es, 1);
        return ES_OK;
    }
    if (in->bulkmode && in->retryfailures ? retry_reply(in, w, root)
                                          : reply_failed(in, w, root)) {
        atomic_fetch_add(in->c_es, 1);
        if (in->erroronly || in->interleaved) {
            if (in->errorfile != NULL) {
                write_error_layout(in, w, root);
            }
            fjson_object_put(root);
        } else {
            sl_curl_errfile_write(in->h, &in->ef, w->url.p, w->body.p, "reply", root);
        }
        return ES_OK;   /* rsyslog: handled (it is in errorfile) */
    }
    fjson_object_put(root);
    return ES_OK;
}

/* SL_SUSPEND when nothing of the batch went out, else SL_PARTIAL with done = start. */
static int temp_verdict(size_t start, struct sl_verdict *v)
{
    if (start == 0) {
        return SL_SUSPEND;
    }
    v->done = start;
    return SL_PARTIAL;
}

static int omes_deliver(void *inst, void *wrk, const struct sl_batch *b, struct sl_verdict *v)
{
    struct omes_inst *in = inst;
    struct omes_wrk *w = wrk;
    const struct sl_host *h = in->h;
    struct omes_fields f;
    size_t start = 0;   /* first message of the body being built */
    w->body.len = 0;
    for (size_t i = 0; i < b->n; i++) {
        if (render_msg(in, w, b->msgs[i], &f) != 0) {
            return i == 0 ? SL_RETRY : temp_verdict(in->bulkmode ? start : i, v);
        }
        const char *doc = w->r[R_MSG].p;
        size_t dlen = strlen(doc);
        atomic_fetch_add(in->c_submitted, 1);
        if (!in->bulkmode) {
            w->body.len = 0;
            if (sl_curl_buf_add(h, &w->body, doc, dlen) != 0 ||
                post_body(in, w, &f, 1) != ES_OK) {
                return temp_verdict(i, v);
            }
            continue;
        }
        size_t need = omes_msg_size(in->create, in->skippipelineifempty, &f, dlen);
        if (in->maxbytes > 0 && i > start && w->body.len + need > (size_t)in->maxbytes) {
            if (post_body(in, w, &f, i - start) != ES_OK) {
                return temp_verdict(start, v);
            }
            start = i;
            w->body.len = 0;
        }
        if (omes_bulk_meta(h, &w->body, in->create, in->skippipelineifempty, &f) != 0 ||
            sl_curl_buf_add(h, &w->body, doc, dlen) != 0 ||
            sl_curl_buf_add(h, &w->body, "\n", 1) != 0) {
            return temp_verdict(start, v);
        }
    }
    if (in->bulkmode && b->n > start) {
        memset(&f, 0, sizeof f);
        if (post_body(in, w, &f, b->n - start) != ES_OK) {
            return temp_verdict(start, v);
        }
    }
    return SL_OK;
}

/* The rule tester's view (ABI 1.9 preview): the URL of the first server and what the
 * request body carries for m - its bulk action line, the document and LF (bulkmode), or the
 * document alone.  Main thread, no worker running: a worker block of its own. */
static int omes_preview(void *inst, struct sl_msg *m, struct sl_buf *bytes, struct sl_buf *dest)
{
    struct omes_inst *in = inst;
    struct omes_wrk w;
    struct omes_fields f;
    memset(&w, 0, sizeof w);
    int r = render_msg(in, &w, m, &f);
    if (r == 0) {
        r = omes_post_url(in->h, dest, in->srv.urls[0], in->bulkmode, in->skippipelineifempty,
                          in->timeout, &f);
    }
    if (r == 0 && in->bulkmode) {
        r = omes_bulk_meta(in->h, bytes, in->create, in->skippipelineifempty, &f);
    }
    if (r == 0) {
        r = sl_curl_buf_add(in->h, bytes, w.r[R_MSG].p, strlen(w.r[R_MSG].p));
    }
    if (r == 0 && in->bulkmode) {
        r = sl_curl_buf_add(in->h, bytes, "\n", 1);
    }
    for (int k = 0; k < R_N; k++) {
        in->h->buf_free(&w.r[k]);
    }
    return r;
}

static int omes_mod_init(const struct sl_host *h, void *modconf)
{
    (void)modconf;
    return sl_curl_global_init(h, WHO);
}

static void omes_mod_fini(void *modconf)
{
    (void)modconf;
    sl_curl_global_fini();
}

static const struct sl_output_ops omes_ops = {
    .create = omes_create,
    .destroy = omes_destroy,
    .worker_create = omes_worker_create,
    .worker_destroy = omes_worker_destroy,
    .deliver = omes_deliver,
    .hup = omes_hup,
    .connect = omes_connect,
    .disconnect = omes_disconnect,
    .flush = NULL,
};

SL_PLUGIN_DEFINE(omelasticsearch) = {
    SL_PLUGIN_HEADER(omelasticsearch),
    .kinds = SL_OUTPUT,
    .flags = SL_PF_REPEAT_REDUCTION,   /* rsyslog's has sFEATURERepeatedMsgReduction */
    .module_params = NULL,
    .inst_params = omes_inst_params,
    .mod_size = 0,
    .inst_size = sizeof(struct omes_inst),
    .wrk_size = sizeof(struct omes_wrk),
    .mod_init = omes_mod_init,
    .mod_fini = omes_mod_fini,
    .in = NULL,
    .out = &omes_ops,
    .mod = NULL,
    .default_template = " StdJSONFmt",
    .stats_set = NULL,
    .stats_counters = NULL,
    .path_param = NULL,
    .parser = NULL,
    .parser_name = NULL,
    .preview = omes_preview,
};
