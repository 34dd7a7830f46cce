/*
 * sl_http.c - the pieces omhttp and omelasticsearch share (rsyslog's computeBaseUrl, the
 * handle options, the errorfile, the retry ruleset); see sl_http.h.  Compiled into each of those plugins
 * (a copy per .so, no shared state).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>
#include <libfastjson/json.h>

#include "sl_curl.h"
#include "sl_http.h"

char *sl_curl_base_url(const char *server, int64_t port, int https)
{
    size_t n = strlen(server);
    char *s = strndup(server, n > 0 && server[n - 1] == '/' ? n - 1 : n);
    if (s == NULL) {
        return NULL;
    }
    const char *host = s;
    const char *scheme = "";
    if (strcasestr(s, "http://") != NULL) {
        host = s + strlen("http://");
    } else if (strcasestr(s, "https://") != NULL) {
        host = s + strlen("https://");
    } else {
        scheme = https ? "https://" : "http://";
    }
    char portbuf[32] = "";
    if (strchr(host, ':') == NULL) {
        snprintf(portbuf, sizeof portbuf, ":%lld", (long long)port);
    }
    size_t len = strlen(scheme) + strlen(s) + strlen(portbuf) + 2;
    char *url = malloc(len);
    if (url != NULL) {
        snprintf(url, len, "%s%s%s/", scheme, s, portbuf);
    }
    free(s);
    return url;
}

int sl_curl_servers_init(struct sl_curl_servers *s, const struct sl_host *h, const char *who,
                         const struct sl_strarr *server, int64_t port, int https,
                         const char *uid, const char *pwd)
{
    memset(s, 0, sizeof *s);
    if (server->n == 0) {
        h->log(SL_LOG_WARNING, who, "%s: No servers specified, using localhost", who);
    }
    size_t ns = server->n > 0 ? server->n : 1;
    s->urls = calloc(ns, sizeof *s->urls);
    int bad = s->urls == NULL;
    for (size_t i = 0; i < ns && !bad; i++) {
        s->urls[i] = sl_curl_base_url(server->n > 0 ? server->v[i] : "localhost", port, https);
        bad = s->urls[i] == NULL;
        s->n = i + 1;
    }
    if (!bad && uid != NULL) {
        size_t n = strlen(uid) + (pwd != NULL ? strlen(pwd) : 0) + 2;
        s->userpwd = malloc(n);
        bad = s->userpwd == NULL;
        if (!bad) {
            snprintf(s->userpwd, n, "%s:%s", uid, pwd != NULL ? pwd : "");
        }
    }
    if (bad) {
        sl_curl_servers_free(s);
        return SL_ENOMEM;
    }
    return 0;
}

void sl_curl_servers_free(struct sl_curl_servers *s)
{
    for (size_t i = 0; i < s->n; i++) {
        free(s->urls[i]);
    }
    free(s->urls);
    free(s->userpwd);
    memset(s, 0, sizeof *s);
}

int sl_curl_check_servers(const struct sl_host *h, void *c, const struct sl_curl_servers *s,
                          size_t *idx, const char *path, struct sl_buf *url,
                          struct sl_buf *reply, _Atomic uint64_t *fails)
{
    struct sl_curl_reply cb = { h, reply };
    for (size_t i = 0; i < s->n; i++) {
        url->len = 0;
        if (sl_curl_buf_str(h, url, s->urls[*idx]) != 0 || sl_curl_buf_str(h, url, path) != 0) {
            return -1;
        }
        reply->len = 0;
        curl_easy_setopt(c, CURLOPT_WRITEDATA, &cb);
        curl_easy_setopt(c, CURLOPT_URL, url->p);
        if (curl_easy_perform(c) == CURLE_OK) {
            return 0;
        }
        if (fails != NULL) {
            atomic_fetch_add(fails, 1);
        }
        *idx = (*idx + 1) % s->n;
    }
    return -1;
}

void sl_curl_easy_free(void **c)
{
    if (*c != NULL) {
        curl_easy_cleanup(*c);
        *c = NULL;
    }
}

static size_t reply_cb(char *p, size_t size, size_t nmemb, void *arg)
{
    struct sl_curl_reply *r = arg;
    size_t n = size * nmemb;
    return sl_curl_buf_add(r->h, r->buf, p, n) == 0 ? n : 0;
}

void sl_curl_setup(void *curl, const struct sl_curl_tls *t, long connect_ms)
{
    CURL *c = curl;
    sl_curl_easy_base(c, "http,https", (long)(CURLPROTO_HTTP | CURLPROTO_HTTPS),
                      connect_ms > 0 ? connect_ms : 0);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, reply_cb);
    struct sl_curl_certs certs = {
        .ca_file = t->cacert, .ca_only = 0, .cert_file = t->mycert, .key_file = t->myprivkey,
        .verify_peer = !t->allowunsignedcerts, .verify_host = !t->skipverifyhost,
    };
    sl_curl_easy_certs(c, &certs);
    if (t->userpwd != NULL) {
        curl_easy_setopt(c, CURLOPT_USERPWD, t->userpwd);
        curl_easy_setopt(c, CURLOPT_PROXYAUTH, CURLAUTH_ANY);
    }
}

void sl_curl_check_files(const struct sl_host *h, const char *who, const struct sl_curl_tls *t)
{
    const char *files[3] = { t->cacert, t->mycert, t->myprivkey };
    const char *fname[3] = { "tls.cacert", "tls.mycert", "tls.myprivkey" };
    for (int i = 0; i < 3; i++) {
        if (files[i] != NULL && access(files[i], R_OK) != 0) {
            h->log(SL_LOG_ERR, who, "error: '%s' file %s couldn't be accessed: %s", fname[i],
                   files[i], strerror(errno));
        }
    }
}

int sl_curl_errfile_init(struct sl_curl_errfile *ef, const char *path, const char *who)
{
    ef->path = path;
    ef->who = who;
    ef->fd = -1;
    if (pthread_mutex_init(&ef->lock, NULL) != 0) {
        return SL_ENOMEM;
    }
    ef->lock_ok = 1;
    return 0;
}

void sl_curl_errfile_write(const struct sl_host *h, struct sl_curl_errfile *ef,
                           const char *url, const char *post, const char *key,
                           struct fjson_object *val)
{
    if (ef->path == NULL || !ef->lock_ok) {
        fjson_object_put(val);
        return;
    }
    fjson_object *req = fjson_object_new_object();
    fjson_object *root = fjson_object_new_object();
    if (req == NULL || root == NULL) {
        fjson_object_put(req);
        fjson_object_put(root);
        fjson_object_put(val);
        return;
    }
    fjson_object_object_add(req, "url", fjson_object_new_string(url));
    fjson_object_object_add(req, "postdata", fjson_object_new_string(post));
    fjson_object_object_add(root, "request", req);
    fjson_object_object_add(root, key, val);
    sl_curl_errfile_put(h, ef, root);
}

void sl_curl_errfile_put(const struct sl_host *h, struct sl_curl_errfile *ef,
                         struct fjson_object *rec)
{
    if (ef->path == NULL || !ef->lock_ok) {
        fjson_object_put(rec);
        return;
    }
    const char *s = fjson_object_to_json_string(rec);
    pthread_mutex_lock(&ef->lock);
    if (ef->fd < 0) {
        ef->fd = open(ef->path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0660);
        if (ef->fd < 0) {
            h->log(SL_LOG_ERR, ef->who, "%s: error opening error file %s: %s", ef->who,
                   ef->path, strerror(errno));
        }
    }
    if (ef->fd >= 0 && s != NULL) {
        const char *parts[2] = { s, "\n" };
        for (int i = 0; i < 2; i++) {
            size_t n = strlen(parts[i]);
            if (write(ef->fd, parts[i], n) != (ssize_t)n) {
                h->log(SL_LOG_ERR, ef->who, "%s: error writing error file %s", ef->who,
                       ef->path);
                break;
            }
        }
    }
    pthread_mutex_unlock(&ef->lock);
    fjson_object_put(rec);
}

void sl_curl_errfile_close(struct sl_curl_errfile *ef)
{
    if (!ef->lock_ok) {
        return;
    }
    pthread_mutex_lock(&ef->lock);
    if (ef->fd >= 0) {
        close(ef->fd);
        ef->fd = -1;
    }
    pthread_mutex_unlock(&ef->lock);
}

void sl_curl_errfile_fini(struct sl_curl_errfile *ef)
{
    if (ef->fd >= 0) {
        close(ef->fd);
        ef->fd = -1;
    }
    if (ef->lock_ok) {
        pthread_mutex_destroy(&ef->lock);
        ef->lock_ok = 0;
    }
}

/* ------------------------------------------------------------------ retry ruleset --- */

int sl_http_retry_init(struct sl_http_retry *r, const struct sl_host *h, const char *who,
                       const char *param, const char *name)
{
    if (h->struct_size < offsetof(struct sl_host, submit_ruleset) + sizeof h->submit_ruleset) {
        h->log(SL_LOG_ERR, who, "%s: this sluiced cannot take retried messages (plugin ABI "
               "older than 1.9)", who);
        return SL_ECONFIG;
    }
    r->rs = NULL;
    if (name != NULL) {
        r->rs = h->ruleset_ref(name, who);
        if (r->rs == NULL) {
            h->log(SL_LOG_ERR, who, "%s: %s '%s' not found - no retry ruleset will be used",
                   who, param, name);
        }
    }
    return 0;
}

void sl_http_retry_limit(struct sl_http_retry *r, const struct sl_host *h, const char *who,
                         const char *set, int64_t interval, int64_t burst)
{
    r->interval = interval;
    r->burst = burst;
    r->start = INT64_MIN;
    r->count = 0;
    r->c_drop = h->counter(who, set, "ratelimit.discarded");
    r->lock_ok = pthread_mutex_init(&r->lock, NULL) == 0;
}

int sl_http_retry_allowed(struct sl_http_retry *r)
{
    if (r->interval <= 0 || !r->lock_ok) {
        return 1;
    }
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    pthread_mutex_lock(&r->lock);
    if (r->start == INT64_MIN || (int64_t)now.tv_sec - r->start >= r->interval) {
        r->start = (int64_t)now.tv_sec;
        r->count = 0;
    }
    int ok = r->count < r->burst;
    r->count += ok;
    pthread_mutex_unlock(&r->lock);
    if (!ok && r->c_drop != NULL) {
        atomic_fetch_add(r->c_drop, 1);
    }
    return ok;
}

struct sl_msg *sl_http_retry_msg(const struct sl_host *h, const char *text, size_t len,
                                 const char *tag)
{
    struct sl_msg *m = h->msg_new(NULL, text, len, NULL, 0);
    if (m == NULL) {
        return NULL;
    }
    struct sl_msg_fields f = { .set = SL_MF_TAG | SL_MF_MSG, .tag = tag, .tag_len = strlen(tag),
                               .msg = text, .msg_len = len };
    (void)h->msg_set_fields(m, &f);
    /* rsyslog's msgConstruct: no sender, no HOSTNAME, facility "invld" */
    static const char *const unset[][2] = { { "hostname", "" }, { "fromhost", "" },
                                            { "fromhost-ip", "" }, { "pri", "192" } };
    for (size_t k = 0; k < sizeof unset / sizeof unset[0]; k++) {
        (void)h->msg_set_prop(m, unset[k][0], unset[k][1], strlen(unset[k][1]));
    }
    return m;
}

size_t sl_http_retry_submit(const struct sl_host *h, struct sl_http_retry *r,
                            struct sl_msg **msgs, size_t n)
{
    return n > 0 ? h->submit_ruleset(r->rs, msgs, n, SL_HTTP_RETRY_WAIT_MS) : 0;
}

void sl_http_retry_fini(struct sl_http_retry *r)
{
    if (r->lock_ok) {
        pthread_mutex_destroy(&r->lock);
        r->lock_ok = 0;
    }
}
