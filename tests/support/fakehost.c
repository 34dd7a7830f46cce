/*
 * fakehost.c - see fakehost.h.
 */

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "fakehost.h"

struct fh_captured fh_cap = { .lock = PTHREAD_MUTEX_INITIALIZER };
int fh_queue_full;
int fh_block_when_full;
size_t fh_max_msg_size = 8096;
int fh_log_count[8];
char fh_last_log[1024];
int (*fh_render_hook)(const struct sl_template *t, struct sl_msg *m, struct sl_buf *out);

static void fh_log(int severity, const char *who, const char *fmt, ...)
{
    va_list ap;
    char buf[900];
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    pthread_mutex_lock(&fh_cap.lock);
    if (severity >= 0 && severity < 8) {
        fh_log_count[severity]++;
    }
    snprintf(fh_last_log, sizeof fh_last_log, "%s: %s", who ? who : "", buf);
    pthread_mutex_unlock(&fh_cap.lock);
    if (getenv("FH_VERBOSE")) {
        fprintf(stderr, "fakehost log <%d> %s\n", severity, fh_last_log);
    }
}

static struct sl_msg *fh_msg_new(struct sl_input_ctx *ctx, const char *raw, size_t len,
                                 const struct sockaddr *peer, socklen_t peerlen)
{
    (void)ctx;
    struct sl_msg *m = calloc(1, sizeof *m);
    m->raw = malloc(len + 1);
    memcpy(m->raw, raw, len);
    m->raw[len] = '\0';
    m->len = len;
    m->local_pri = -1;
    if (peer != NULL && peerlen <= sizeof m->peer) {
        memcpy(&m->peer, peer, peerlen);
        m->peerlen = peerlen;
    }
    return m;
}

static void fh_msg_unref(struct sl_msg *m)
{
    if (m != NULL) {
        free(m->raw);
        free(m);
    }
}

struct sl_msg *fh_msg(const char *text)
{
    return fh_msg_new(NULL, text, strlen(text), NULL, 0);
}

static int fh_submit(struct sl_input_ctx *ctx, struct sl_msg **msgs, size_t n, uint64_t key)
{
    (void)ctx;
    size_t accepted = 0;
    for (size_t i = 0; i < n; i++) {
        /* a blocking input waits while the fake queue is full (bounded: 10 s) */
        for (int w = 0; fh_queue_full && fh_block_when_full && w < 10000; w++) {
            struct timespec ts = { 0, 1000000 };
            nanosleep(&ts, NULL);
        }
        pthread_mutex_lock(&fh_cap.lock);
        if (fh_queue_full) {
            fh_cap.dropped++;
            pthread_mutex_unlock(&fh_cap.lock);
            fh_msg_unref(msgs[i]);
            continue;
        }
        if (fh_cap.n == fh_cap.cap) {
            fh_cap.cap = fh_cap.cap ? fh_cap.cap * 2 : 64;
            fh_cap.v = realloc(fh_cap.v, fh_cap.cap * sizeof *fh_cap.v);
        }
        msgs[i]->flow_key = key;
        fh_cap.v[fh_cap.n++] = msgs[i];
        accepted++;
        pthread_mutex_unlock(&fh_cap.lock);
    }
    return (int)accepted;
}

struct fh_counter {
    char name[128];
    _Atomic uint64_t v;
};
static struct fh_counter counters[256];
static size_t ncounters;

static _Atomic uint64_t *fh_counter(const char *owner, const char *inst, const char *name)
{
    (void)owner;
    (void)inst;
    pthread_mutex_lock(&fh_cap.lock);
    struct fh_counter *c = &counters[ncounters < 255 ? ncounters++ : 255];
    snprintf(c->name, sizeof c->name, "%s", name);
    pthread_mutex_unlock(&fh_cap.lock);
    return &c->v;
}

uint64_t fh_counter_value(const char *name)
{
    uint64_t sum = 0;
    for (size_t i = 0; i < ncounters; i++) {
        if (strcmp(counters[i].name, name) == 0) {
            sum += counters[i].v;
        }
    }
    return sum;
}

static void fh_stats_foreach(sl_stats_cb cb, void *arg, int reset)
{
    struct sl_stat st[256];
    size_t n = 0;
    for (size_t i = 0; i < ncounters && n < 256; i++) {
        st[n].name = counters[i].name;
        st[n++].value = reset ? atomic_exchange(&counters[i].v, 0) : atomic_load(&counters[i].v);
    }
    cb(arg, "fakehost", "fake", st, n);
    struct sl_stat q[] = { { "size", 1 }, { "enqueued", 2 }, { "discarded.full", 0 } };
    cb(arg, "main Q", "core.queue", q, 3);
}

static void fh_msg_set_local(struct sl_msg *m, const struct sl_local_meta *lm)
{
    m->local_pri = lm->pri;
    snprintf(m->local_tag, sizeof m->local_tag, "%s", lm->tag != NULL ? lm->tag : "");
}

static size_t fh_max_message_size(void)
{
    return fh_max_msg_size;
}

static int fh_buf_reserve(struct sl_buf *b, size_t extra)
{
    if (b->cap - b->len >= extra) {
        return 0;
    }
    size_t nc = b->cap ? b->cap : 256;
    while (nc - b->len < extra) {
        nc *= 2;
    }
    char *p = realloc(b->p, nc);
    if (p == NULL) {
        return SL_ENOMEM;
    }
    b->p = p;
    b->cap = nc;
    return 0;
}

static void fh_buf_free(struct sl_buf *b)
{
    free(b->p);
    b->p = NULL;
    b->len = b->cap = 0;
}

static int fh_render(const struct sl_template *t, struct sl_msg *m, struct sl_buf *out)
{
    if (fh_render_hook != NULL) {
        return fh_render_hook(t, m, out);
    }
    if (fh_buf_reserve(out, m->len + 2) != 0) {
        return SL_ENOMEM;
    }
    memcpy(out->p + out->len, m->raw, m->len);
    out->len += m->len;
    out->p[out->len++] = '\n';
    out->p[out->len] = '\0';
    return 0;
}

/* Templates are opaque: the fake hands out distinct non-NULL tokens by name. */
static const struct sl_template *fh_template_find(const char *name)
{
    static char token;
    return name != NULL ? (const struct sl_template *)&token : NULL;
}

static const char *fh_legacy_default(const char *key)
{
    (void)key;
    return NULL;
}

/* global() settings for plugin tests: fh_globals is a NULL-terminated name/value list. */
const char *const *fh_globals;

static const char *fh_global_str(const char *name)
{
    for (size_t i = 0; fh_globals != NULL && fh_globals[i] != NULL; i += 2) {
        if (strcasecmp(fh_globals[i], name) == 0) {
            return fh_globals[i + 1];
        }
    }
    return NULL;
}

const struct sl_host fh_host = {
    .version = SL_HOST_VERSION,
    .struct_size = sizeof(struct sl_host),
    .log = fh_log,
    .msg_new = fh_msg_new,
    .msg_unref = fh_msg_unref,
    .submit = fh_submit,
    .counter = fh_counter,
    .max_message_size = fh_max_message_size,
    .render = fh_render,
    .template_find = fh_template_find,
    .legacy_default = fh_legacy_default,
    .buf_reserve = fh_buf_reserve,
    .buf_free = fh_buf_free,
    .global_str = fh_global_str,
    .msg_set_local = fh_msg_set_local,
    .stats_foreach = fh_stats_foreach,
};

size_t fh_count(void)
{
    pthread_mutex_lock(&fh_cap.lock);
    size_t n = fh_cap.n;
    pthread_mutex_unlock(&fh_cap.lock);
    return n;
}

struct sl_msg *fh_get(size_t i)
{
    pthread_mutex_lock(&fh_cap.lock);
    struct sl_msg *m = i < fh_cap.n ? fh_cap.v[i] : NULL;
    pthread_mutex_unlock(&fh_cap.lock);
    return m;
}

int fh_wait_count(size_t n, int timeout_ms)
{
    for (int waited = 0; waited <= timeout_ms; waited += 2) {
        if (fh_count() >= n) {
            return 0;
        }
        struct timespec ts = { 0, 2000000 };
        nanosleep(&ts, NULL);
    }
    return -1;
}

void fh_reset(void)
{
    pthread_mutex_lock(&fh_cap.lock);
    for (size_t i = 0; i < fh_cap.n; i++) {
        fh_msg_unref(fh_cap.v[i]);
    }
    fh_cap.n = 0;
    fh_cap.dropped = 0;
    memset(fh_log_count, 0, sizeof fh_log_count);
    pthread_mutex_unlock(&fh_cap.lock);
    fh_queue_full = 0;
    fh_render_hook = NULL;
}
