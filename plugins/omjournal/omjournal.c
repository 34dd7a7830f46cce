/*
 * omjournal.c - the omjournal output plugin: messages into the systemd journal with
 * libsystemd's sd_journal_send/sendv, as rsyslog 8.2302's omjournal.
 *
 * One parameter, template (optional), as rsyslog:
 *   - without it each message becomes the entry MESSAGE=%msg%, PRIORITY=severity,
 *     SYSLOG_FACILITY=facility (numbers), SYSLOG_IDENTIFIER=%syslogtag% (the whole tag,
 *     "sshd[12]:" - rsyslog's choice, kept);
 *   - with it the template "as JSON" (rsyslog's tplToJSON, the ABI 1.8 host call
 *     render_json: a subtree template's object, or the outname= of each list-template
 *     element with its value) and every member is sent as KEY=VALUE with sd_journal_sendv
 *     (values that are not strings as their JSON text, as json_object_get_string gives
 *     them).  With a core older than 1.8 the template is rendered as text and parsed as a
 *     JSON object; a text that is not one is sent as MESSAGE=TEXT with the message's
 *     PRIORITY, SYSLOG_FACILITY and SYSLOG_IDENTIFIER, warned once.
 * Values are cut at their first NUL, as rsyslog's strlen() does.  A send the journal does
 * not take is lost, as with rsyslog (counted: send.failed, warned once per run).
 *
 * Ownership: property handles are the instance's (create/destroy); buffers the worker's.
 * Concurrency & locking: deliver() uses only its worker block and the thread-safe
 * sd_journal_send*(); the warn-once flags are atomics.
 */
#include "config.h"

#include <errno.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>

#include <libfastjson/json.h>
#define SD_JOURNAL_SUPPRESS_LOCATION 1
#include <systemd/sd-journal.h>

#include "sluice/sl_plugin.h"

#define WHO "omjournal"

struct omjournal_inst {
    const struct sl_template *tpl;
    /* runtime */
    const struct sl_host *h;
    void *p_msg, *p_sev, *p_fac, *p_tag;
    atomic_int warned_text, failing;
    /* ABI 1.8 host render_json (NULL with an older core: the template's text is parsed) */
    int (*render_json)(const struct sl_template *t, struct sl_msg *m, void **obj);
    _Atomic uint64_t *c_sent, *c_failed;
};

struct omjournal_wrk {
    struct sl_buf b;            /* template text, or MESSAGE= ... fields */
    struct iovec *iov;
    size_t iov_cap;
};

static const struct sl_param inst_params[] = {
    { "template", SL_PT_TEMPLATE, 0, offsetof(struct omjournal_inst, tpl), NULL, NULL, NULL,
      "fields as a JSON object (optional)" },
    SL_PARAM_END
};

static int omjournal_create(void *inst, void *modconf, const struct sl_host *h)
{
    struct omjournal_inst *in = inst;
    (void)modconf;
    in->h = h;
    if (h->prop_ref == NULL || h->prop_ref("msg", &in->p_msg) != 0 ||
        h->prop_ref("syslogseverity", &in->p_sev) != 0 ||
        h->prop_ref("syslogfacility", &in->p_fac) != 0 ||
        h->prop_ref("syslogtag", &in->p_tag) != 0) {
        h->log(SL_LOG_ERR, WHO, "omjournal: cannot resolve message properties");
        return SL_ECONFIG;
    }
    if (h->struct_size >= offsetof(struct sl_host, render_json) + sizeof h->render_json) {
        in->render_json = h->render_json;
    }
    in->c_sent = h->counter(WHO, WHO, "sent");
    in->c_failed = h->counter(WHO, WHO, "send.failed");
    return 0;
}

static void omjournal_destroy(void *inst)
{
    struct omjournal_inst *in = inst;
    void **hs[] = { &in->p_msg, &in->p_sev, &in->p_fac, &in->p_tag };
    for (size_t i = 0; i < sizeof hs / sizeof hs[0]; i++) {
        if (*hs[i] != NULL) {
            in->h->prop_unref(*hs[i]);
            *hs[i] = NULL;
        }
    }
}

static int omjournal_worker_create(void *inst, void *wrk)
{
    (void)inst;
    memset(wrk, 0, sizeof(struct omjournal_wrk));
    return 0;
}

static void omjournal_worker_destroy(void *inst, void *wrk)
{
    struct omjournal_inst *in = inst;
    struct omjournal_wrk *w = wrk;
    in->h->buf_free(&w->b);
    free(w->iov);
    w->iov = NULL;
}

/* Property prop of m as a NUL-terminated string in w->b from offset *off. */
static int prop_str(struct omjournal_inst *in, struct omjournal_wrk *w, struct sl_msg *m,
                    void *prop, size_t *off)
{
    *off = w->b.len;
    if (in->h->msg_prop(m, prop, &w->b) != 0 || in->h->buf_reserve(&w->b, 1) != 0) {
        return -1;
    }
    w->b.p[w->b.len++] = '\0';
    return 0;
}

static void sent(struct omjournal_inst *in, int r)
{
    if (r >= 0) {
        atomic_fetch_add(in->c_sent, 1);
        if (atomic_exchange(&in->failing, 0)) {
            in->h->log(SL_LOG_INFO, WHO, "omjournal: sending to the journal again");
        }
        return;
    }
    atomic_fetch_add(in->c_failed, 1);
    if (!atomic_exchange(&in->failing, 1)) {
        in->h->log(SL_LOG_WARNING, WHO, "omjournal: sd_journal_send failed: %s; messages "
                   "are lost until it works again (as rsyslog)", strerror(-r));
    }
}

/* The entry without a template, with rsyslog's call (sd_journal_send, which also strips
 * trailing white space from each field); for a template that is not a JSON object,
 * MESSAGE is text instead of %msg%. */
static int send_plain(struct omjournal_inst *in, struct omjournal_wrk *w, struct sl_msg *m,
                      const char *text)
{
    size_t o_msg = 0, o_sev, o_fac, o_tag;
    w->b.len = 0;
    if ((text == NULL && prop_str(in, w, m, in->p_msg, &o_msg) != 0) ||
        prop_str(in, w, m, in->p_sev, &o_sev) != 0 ||
        prop_str(in, w, m, in->p_fac, &o_fac) != 0 ||
        prop_str(in, w, m, in->p_tag, &o_tag) != 0) {
        return -1;
    }
    const char *b = w->b.p;
    sent(in, sd_journal_send("MESSAGE=%s", text != NULL ? text : b + o_msg,
                             "PRIORITY=%d", atoi(b + o_sev),
                             "SYSLOG_FACILITY=%d", atoi(b + o_fac),
                             "SYSLOG_IDENTIFIER=%s", b + o_tag,
                             NULL));
    return 0;
}

static int ensure_iov(struct omjournal_wrk *w, size_t n)
{
    if (w->iov_cap >= n) {
        return 0;
    }
    struct iovec *v = realloc(w->iov, n * sizeof *v);
    if (v == NULL) {
        return -1;
    }
    w->iov = v;
    w->iov_cap = n;
    return 0;
}

static int send_fields(struct omjournal_inst *in, struct omjournal_wrk *w,
                       struct fjson_object *obj);

static int send_template(struct omjournal_inst *in, struct omjournal_wrk *w, struct sl_msg *m)
{
    struct fjson_object *obj = NULL;
    if (in->render_json != NULL) {
        /* ABI 1.8: the template as rsyslog hands it over (tplToJSON) */
        void *o = NULL;
        if (in->render_json(in->tpl, m, &o) != 0) {
            return -1;
        }
        return send_fields(in, w, o);
    }
    w->b.len = 0;
    if (in->h->render(in->tpl, m, &w->b) != 0) {
        return -1;
    }
    struct fjson_tokener *tok = fjson_tokener_new();
    if (tok != NULL) {
        obj = fjson_tokener_parse_ex(tok, w->b.p != NULL ? w->b.p : "", (int)w->b.len);
        fjson_tokener_free(tok);
    }
    if (obj == NULL || !fjson_object_is_type(obj, fjson_type_object)) {
        if (obj != NULL) {
            fjson_object_put(obj);
        }
        if (!atomic_exchange(&in->warned_text, 1)) {
            in->h->log(SL_LOG_WARNING, WHO, "omjournal: the template does not render a JSON "
                       "object (use option.jsonf or a subtree template for journal fields); "
                       "sending it as MESSAGE");
        }
        char *copy = malloc(w->b.len + 1);
        if (copy == NULL) {
            return -1;
        }
        memcpy(copy, w->b.p != NULL ? w->b.p : "", w->b.len);
        copy[w->b.len] = '\0';
        int rc = send_plain(in, w, m, copy);
        free(copy);
        return rc;
    }
    return send_fields(in, w, obj);
}

/* Every member of obj (released here) as KEY=VALUE, values as json_object_get_string gives
 * them (cut at a NUL, as rsyslog's strlen), with sd_journal_sendv; an empty object sends
 * nothing, as rsyslog. */
static int send_fields(struct omjournal_inst *in, struct omjournal_wrk *w,
                       struct fjson_object *obj)
{
    size_t argc = (size_t)fjson_object_object_length(obj);
    if (argc == 0) {
        fjson_object_put(obj);
        return 0;    /* as rsyslog: nothing to send */
    }
    if (ensure_iov(w, argc) != 0) {
        fjson_object_put(obj);
        return -1;
    }
    char **bufs = calloc(argc, sizeof *bufs);
    if (bufs == NULL) {
        fjson_object_put(obj);
        return -1;
    }
    size_t i = 0;
    struct fjson_object_iterator it = fjson_object_iter_begin(obj);
    struct fjson_object_iterator end = fjson_object_iter_end(obj);
    int rc = 0;
    while (i < argc && !fjson_object_iter_equal(&it, &end)) {
        const char *key = fjson_object_iter_peek_name(&it);
        const char *val = fjson_object_get_string(fjson_object_iter_peek_value(&it));
        if (val == NULL) {
            val = "";
        }
        size_t kl = strlen(key), vl = strlen(val);
        bufs[i] = malloc(kl + vl + 2);
        if (bufs[i] == NULL) {
            rc = -1;
            break;
        }
        memcpy(bufs[i], key, kl);
        bufs[i][kl] = '=';
        memcpy(bufs[i] + kl + 1, val, vl + 1);
        w->iov[i].iov_base = bufs[i];
        w->iov[i].iov_len = kl + vl + 1;
        i++;
        fjson_object_iter_next(&it);
    }
    if (rc == 0) {
        sent(in, sd_journal_sendv(w->iov, (int)i));
    }
    for (size_t k = 0; k < argc; k++) {
        free(bufs[k]);
    }
    free(bufs);
    fjson_object_put(obj);
    return rc;
}

static int omjournal_deliver(void *inst, void *wrk, const struct sl_batch *b,
                             struct sl_verdict *v)
{
    struct omjournal_inst *in = inst;
    struct omjournal_wrk *w = wrk;
    (void)v;
    for (size_t i = 0; i < b->n; i++) {
        int rc = in->tpl != NULL ? send_template(in, w, b->msgs[i])
                                 : send_plain(in, w, b->msgs[i], NULL);
        if (rc != 0) {
            return SL_RETRY;    /* out of memory */
        }
    }
    return SL_OK;
}

static const struct sl_output_ops omjournal_ops = {
    .create = omjournal_create,
    .destroy = omjournal_destroy,
    .worker_create = omjournal_worker_create,
    .worker_destroy = omjournal_worker_destroy,
    .deliver = omjournal_deliver,
};

SL_PLUGIN_DEFINE(omjournal) = {
    SL_PLUGIN_HEADER(omjournal),
    .kinds = SL_OUTPUT,
    .flags = SL_PF_REPEAT_REDUCTION,
    .module_params = NULL,
    .inst_params = inst_params,
    .mod_size = 0,
    .inst_size = sizeof(struct omjournal_inst),
    .wrk_size = sizeof(struct omjournal_wrk),
    .out = &omjournal_ops,
    .default_template = "RSYSLOG_FileFormat",
};
