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

#include <json.h>

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
        free(m->f_hostname);
        free(m->f_tag);
        free(m->f_app_name);
        free(m->f_procid);
        free(m->f_msgid);
        free(m->f_msg);
        free(m->props);
        if (m->json != NULL) {
            json_object_put(m->json);
        }
        free(m);
    }
}

struct sl_msg *fh_msg(const char *text)
{
    return fh_msg_new(NULL, text, strlen(text), NULL, 0);
}

/* m into the captured list (1), or dropped and counted while fh_queue_full (0). */
static size_t fh_capture(struct sl_msg *m)
{
    pthread_mutex_lock(&fh_cap.lock);
    if (fh_queue_full) {
        fh_cap.dropped++;
        pthread_mutex_unlock(&fh_cap.lock);
        fh_msg_unref(m);
        return 0;
    }
    if (fh_cap.n == fh_cap.cap) {
        fh_cap.cap = fh_cap.cap ? fh_cap.cap * 2 : 64;
        fh_cap.v = realloc(fh_cap.v, fh_cap.cap * sizeof *fh_cap.v);
    }
    fh_cap.v[fh_cap.n++] = m;
    pthread_mutex_unlock(&fh_cap.lock);
    return 1;
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
        msgs[i]->flow_key = key;
        accepted += fh_capture(msgs[i]);
    }
    return (int)accepted;
}

/* ABI 1.9: every ruleset exists unless fh_ruleset_names lists the ones that do; a handle
 * is the name itself (static storage, up to 16 distinct names). */
const char *const *fh_ruleset_names;
static char fh_rs_store[16][64];

static struct sl_ruleset_ref *fh_ruleset_ref(const char *ruleset, const char *inputname)
{
    const char *name = ruleset != NULL ? ruleset : "RSYSLOG_DefaultRuleset";
    int known = fh_ruleset_names == NULL;
    for (size_t i = 0; !known && fh_ruleset_names[i] != NULL; i++) {
        known = strcmp(fh_ruleset_names[i], name) == 0;
    }
    (void)inputname;
    for (size_t i = 0; known && i < 16; i++) {
        if (fh_rs_store[i][0] == '\0' || strcmp(fh_rs_store[i], name) == 0) {
            snprintf(fh_rs_store[i], sizeof fh_rs_store[i], "%s", name);
            return (struct sl_ruleset_ref *)(void *)fh_rs_store[i];
        }
    }
    return NULL;
}

/* Recorded like submit() (never blocking: fh_queue_full drops), with the ruleset's name. */
static size_t fh_submit_ruleset(struct sl_ruleset_ref *r, struct sl_msg **msgs, size_t n,
                                int64_t wait_ms)
{
    (void)wait_ms;
    size_t accepted = 0;
    for (size_t i = 0; i < n; i++) {
        msgs[i]->ruleset = (const char *)(const void *)r;
        accepted += fh_capture(msgs[i]);
    }
    return accepted;
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
    m->local_flags = lm->flags;
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

static char *fh_strndup(const char *s, size_t len)
{
    char *p = malloc(len + 1);
    if (len > 0) {
        memcpy(p, s, len);
    }
    p[len] = '\0';
    return p;
}

static int fh_msg_set_fields(struct sl_msg *m, const struct sl_msg_fields *f)
{
    if ((f->set & SL_MF_PRI) && (f->pri < 0 || f->pri > 191)) {
        return SL_EINVAL;
    }
    m->f_set = f->set;
    m->f_pri = f->pri;
    m->f_ts_sec = f->ts_sec;
    m->f_ts_nsec = f->ts_nsec;
    m->f_tzoff = f->ts_tzoff_min;
#define FH_SETSTR(bit, field)                                                              \
    if (f->set & (bit)) {                                                                  \
        free(m->f_##field);                                                                \
        m->f_##field = fh_strndup(f->field != NULL ? f->field : "", f->field##_len);       \
    }
    FH_SETSTR(SL_MF_HOSTNAME, hostname)
    FH_SETSTR(SL_MF_TAG, tag)
    FH_SETSTR(SL_MF_APPNAME, app_name)
    FH_SETSTR(SL_MF_PROCID, procid)
    FH_SETSTR(SL_MF_MSGID, msgid)
    FH_SETSTR(SL_MF_MSG, msg)
#undef FH_SETSTR
    return 0;
}

/* prop_ref: the handle is a copy of the name; only "$!..." names are JSON variables here. */
static int fh_prop_ref(const char *name, void **handle)
{
    *handle = strdup(name);
    return 0;
}

static void fh_prop_unref(void *handle)
{
    free(handle);
}

/* fh_json_put: store val at the "$!a!b" path of m's tree, creating objects on the way. */
static int fh_json_put(struct sl_msg *m, const void *handle, struct json_object *val)
{
    const char *name = handle;
    if (strncmp(name, "$!", 2) != 0) {
        json_object_put(val);
        return SL_EINVAL;
    }
    if (m->json == NULL) {
        m->json = json_object_new_object();
    }
    if (name[2] == '\0') {  /* "$!": the whole tree */
        json_object_put(m->json);
        m->json = val;
        return 0;
    }
    struct json_object *cur = m->json;
    char *path = strdup(name + 2);
    char *save = NULL;
    char *tok = strtok_r(path, "!", &save);
    while (tok != NULL) {
        char *next = strtok_r(NULL, "!", &save);
        if (next == NULL) {
            json_object_object_add(cur, tok, val);
            break;
        }
        struct json_object *child = NULL;
        if (!json_object_object_get_ex(cur, tok, &child) ||
            !json_object_is_type(child, json_type_object)) {
            child = json_object_new_object();
            json_object_object_add(cur, tok, child);
        }
        cur = child;
        tok = next;
    }
    free(path);
    return 0;
}

static int fh_msg_json_set_str(struct sl_msg *m, const void *handle, const char *s, size_t len)
{
    return fh_json_put(m, handle, json_object_new_string_len(s, (int)len));
}

static int fh_msg_json_set_int(struct sl_msg *m, const void *handle, int64_t v)
{
    return fh_json_put(m, handle, json_object_new_int64(v));
}

static int fh_msg_json_set_ref(struct sl_msg *m, const void *handle, void *val)
{
    return fh_json_put(m, handle, val);
}

static int fh_msg_json_set(struct sl_msg *m, const char *var, void *val)
{
    return fh_json_put(m, var, val);
}

const char *fh_json_text(struct sl_msg *m)
{
    if (m->json == NULL) {
        return "{}";
    }
    return json_object_to_json_string_ext(m->json, JSON_C_TO_STRING_PLAIN);
}

static void fh_msg_set_mark(struct sl_msg *m, int64_t interval)
{
    m->mark_interval = interval;
}

/* ABI 1.8: the properties set, in order, as "name=value\n" lines in m->props */
static int fh_msg_set_prop(struct sl_msg *m, const char *name, const char *val, size_t len)
{
    static const char *const known[] = { "msg", "rawmsg", "syslogtag", "hostname", "source",
                                         "procid", "msgid", "structured-data", "fromhost",
                                         "fromhost-ip", "pri", "syslogfacility",
                                         "syslogseverity", NULL };
    int ok = 0;
    for (int i = 0; known[i] != NULL; i++) {
        ok |= strcmp(known[i], name) == 0;
    }
    if (!ok) {
        return SL_ENOENT;
    }
    size_t have = m->props != NULL ? strlen(m->props) : 0;
    char *p = realloc(m->props, have + strlen(name) + len + 3);
    if (p == NULL) {
        return SL_ENOMEM;
    }
    m->props = p;
    p += have;
    p += sprintf(p, "%s=", name);
    memcpy(p, val, len);
    p[len] = '\n';
    p[len + 1] = '\0';
    return 0;
}

/* ABI 1.8 render_json: the fake host has no templates; {"MESSAGE": what render() gives} */
static int fh_render_json(const struct sl_template *t, struct sl_msg *m, void **obj)
{
    struct sl_buf b = { 0 };
    int rc = fh_host.render(t, m, &b);
    if (rc == 0) {
        struct json_object *o = json_object_new_object();
        json_object_object_add(o, "MESSAGE", json_object_new_string_len(b.p != NULL ? b.p : "",
                                                                        (int)b.len));
        *obj = o;
    }
    fh_host.buf_free(&b);
    return rc;
}

struct fh_ack_rec fh_acks[1024];
size_t fh_nacks;

static void fh_batch_done(struct sl_ack *ack, int verdict, size_t done, const uint8_t *bad)
{
    (void)bad;
    pthread_mutex_lock(&fh_cap.lock);
    if (fh_nacks < sizeof fh_acks / sizeof fh_acks[0]) {
        fh_acks[fh_nacks].ack = ack;
        fh_acks[fh_nacks].verdict = verdict;
        fh_acks[fh_nacks].done = done;
        fh_nacks++;
    }
    pthread_mutex_unlock(&fh_cap.lock);
}

int fh_wait_acks(size_t n, int timeout_ms)
{
    for (int waited = 0; waited <= timeout_ms; waited += 2) {
        pthread_mutex_lock(&fh_cap.lock);
        size_t have = fh_nacks;
        pthread_mutex_unlock(&fh_cap.lock);
        if (have >= n) {
            return 0;
        }
        struct timespec ts = { 0, 2000000 };
        nanosleep(&ts, NULL);
    }
    return -1;
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
    .prop_ref = fh_prop_ref,
    .prop_unref = fh_prop_unref,
    .msg_json_set = fh_msg_json_set,
    .msg_set_fields = fh_msg_set_fields,
    .msg_json_set_str = fh_msg_json_set_str,
    .msg_json_set_int = fh_msg_json_set_int,
    .msg_json_set_ref = fh_msg_json_set_ref,
    .batch_done = fh_batch_done,
    .msg_set_mark = fh_msg_set_mark,
    .msg_set_prop = fh_msg_set_prop,
    .render_json = fh_render_json,
    .ruleset_ref = fh_ruleset_ref,
    .submit_ruleset = fh_submit_ruleset,
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
    fh_nacks = 0;
    memset(fh_log_count, 0, sizeof fh_log_count);
    pthread_mutex_unlock(&fh_cap.lock);
    fh_queue_full = 0;
    fh_render_hook = NULL;
}
