/*
 * pmnormalize.c - the pmnormalize parser (parser name "rsyslog.pmnormalize"), as rsyslog
 * 8.2302's: the whole raw message (PRI included) is normalized with liblognorm, and the
 * fields of the result named like message properties become those properties:
 *   msg, rawmsg            the text (rsyslog's MSG starts at offset 0 here, so both make
 *                          rawmsg and MSG the value);
 *   syslogtag, hostname (or source), procid, msgid, structured-data, fromhost,
 *   fromhost-ip, pri, syslogfacility, syslogseverity;
 *   $!                     merged into the $! tree;
 * other fields are ignored.  It takes every message ("parsed" even when no rule matched:
 * MSG is then the whole raw message, and with undefinedPropertyError="on" the failure is
 * logged with liblognorm's result).  No timestamp is parsed: timereported is the
 * reception time.
 * Parameters: rulebase= (a file) or rule= (inline rules, joined with "\n"), exactly one;
 * undefinedPropertyError (default off).  A rulebase liblognorm cannot load is a
 * configuration error (rsyslog: the parser instance is not created).
 *
 * Uses liblognorm (the library rsyslog uses) and libfastjson for the result.
 *
 * Ownership and lifetime
 *   - Parameter strings and arrays belong to the core; the instance owns the joined inline
 *     rules and its liblognorm contexts.
 *   - Result objects are owned here until freed; $! values pass to the message through
 *     host->msg_json_set (which takes them).
 *
 * Concurrency & locking
 *   - parse() runs on several ruleset workers at once.  liblognorm documents no thread
 *     safety for ln_normalize on one context, so contexts are kept in a free list under
 *     `lock`: a worker takes one (loading another when none is free, so there are at most
 *     as many as workers ever ran at once) and puts it back.  Loads are serialised by
 *     `lock` too (liblognorm's error callback needs the sink of the load in progress).
 */
#include <pthread.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json.h>
#include <liblognorm.h>

#include "sluice/sl_plugin.h"
#include "../common/sl_pm.h"

struct ctx_node {
    ln_ctx ctx;
    struct ctx_node *next;      /* in the free list */
    struct ctx_node *all_next;  /* in the list of all contexts */
};

struct pmn_inst {
    const struct sl_host *h;
    char *rulebase;             /* parameters (core-owned) */
    struct sl_strarr rule;
    int undef_err;
    char *rules;                /* rule= joined with "\n" (owned) */
    char name[128];
    void *root;                 /* prop handle of "$!" */
    pthread_mutex_t lock;
    int lock_ok;
    struct ctx_node *free_ctx;  /* idle contexts, under lock */
    struct ctx_node *all;       /* every context (for destroy); under lock */
};

#define POFF(f) offsetof(struct pmn_inst, f)
static const struct sl_param inst_params[] = {
    { "rulebase", SL_PT_WORD, 0, POFF(rulebase), NULL, NULL, NULL, "liblognorm rulebase file" },
    { "rule", SL_PT_ARRAY, 0, POFF(rule), NULL, NULL, NULL,
      "inline liblognorm rules (one per element)" },
    { "undefinedPropertyError", SL_PT_BOOL, 0, POFF(undef_err), "off", NULL, NULL,
      "log an error when no rule matched" },
    SL_PARAM_END
};

/* The load in progress (under lock): liblognorm's error messages go to its log. */
static const struct sl_host *load_host;
static int load_errors;

static void ln_err_cb(void *cookie, const char *msg, size_t len)
{
    (void)cookie;
    if (load_host == NULL) {
        return;
    }
    load_errors++;
    load_host->log(SL_LOG_ERR, "pmnormalize", "liblognorm error: %.*s",
                   len > 4096 ? 4096 : (int)len, msg);
}

/* A new context with the rules loaded (call with lock held); NULL after logging. */
static struct ctx_node *load_ctx(struct pmn_inst *in)
{
    struct ctx_node *n = calloc(1, sizeof *n);
    if (n == NULL) {
        return NULL;
    }
    n->ctx = ln_initCtx();
    if (n->ctx == NULL) {
        free(n);
        in->h->log(SL_LOG_ERR, "pmnormalize", "cannot create a liblognorm context");
        return NULL;
    }
    load_host = in->h;
    load_errors = 0;
    ln_setErrMsgCB(n->ctx, ln_err_cb, NULL);
    int rc = in->rules != NULL ? ln_loadSamplesFromString(n->ctx, in->rules)
                               : ln_loadSamples(n->ctx, in->rulebase);
    ln_setErrMsgCB(n->ctx, NULL, NULL);
    load_host = NULL;
    if (rc != 0 || load_errors != 0) {
        if (in->rules != NULL) {
            in->h->log(SL_LOG_ERR, "pmnormalize", "parser '%s': inline rules could not be "
                       "loaded", in->name);
        } else {
            in->h->log(SL_LOG_ERR, "pmnormalize", "parser '%s': cannot open rulebase '%s'",
                       in->name, in->rulebase);
        }
        ln_exitCtx(n->ctx);
        free(n);
        return NULL;
    }
    n->all_next = in->all;
    in->all = n;
    return n;
}

static void pmn_destroy(void *inst)
{
    struct pmn_inst *in = inst;
    struct ctx_node *c = in->all;
    while (c != NULL) {
        struct ctx_node *next = c->all_next;
        ln_exitCtx(c->ctx);
        free(c);
        c = next;
    }
    in->all = NULL;
    in->free_ctx = NULL;
    if (in->root != NULL) {
        in->h->prop_unref(in->root);
        in->root = NULL;
    }
    free(in->rules);
    in->rules = NULL;
    if (in->lock_ok) {
        pthread_mutex_destroy(&in->lock);
        in->lock_ok = 0;
    }
}

static int pmn_create(void *inst, void *modconf, const struct sl_host *h,
                      const struct sl_parser_env *env, const char *name)
{
    struct pmn_inst *in = inst;
    (void)modconf;
    (void)env;
    in->h = h;
    snprintf(in->name, sizeof in->name, "%s", name != NULL ? name : "rsyslog.pmnormalize");
    if (!sl_pm_host_ok(h, "pmnormalize") ||
        h->struct_size < offsetof(struct sl_host, msg_parse_set_prop) + sizeof(void *) ||
        h->msg_parse_set_prop == NULL || h->msg_set_msg == NULL) {
        return SL_ECONFIG;
    }
    int have_rule = in->rule.n > 0;
    if (in->rulebase == NULL && !have_rule) {
        h->log(SL_LOG_ERR, "pmnormalize", "parser '%s': you need to specify either parameter "
               "'rule' or 'rulebase'", in->name);
        return SL_ECONFIG;
    }
    if (in->rulebase != NULL && have_rule) {
        h->log(SL_LOG_ERR, "pmnormalize", "parser '%s': you need to specify one of the "
               "parameters 'rule' and 'rulebase', but not both", in->name);
        return SL_ECONFIG;
    }
    if (have_rule) {
        size_t len = 1;
        for (size_t i = 0; i < in->rule.n; i++) {
            len += strlen(in->rule.v[i]) + 1;
        }
        in->rules = malloc(len);
        if (in->rules == NULL) {
            return SL_ENOMEM;
        }
        size_t off = 0;
        for (size_t i = 0; i < in->rule.n; i++) {
            size_t l = strlen(in->rule.v[i]);
            memcpy(in->rules + off, in->rule.v[i], l);
            off += l;
            in->rules[off++] = '\n';
        }
        in->rules[off] = '\0';
    }
    if (h->prop_ref("$!", &in->root) != 0) {
        h->log(SL_LOG_ERR, "pmnormalize", "cannot resolve $!");
        pmn_destroy(in);
        return SL_ECONFIG;
    }
    if (pthread_mutex_init(&in->lock, NULL) != 0) {
        pmn_destroy(in);
        return SL_ENOMEM;
    }
    in->lock_ok = 1;
    /* load once now: a rulebase that does not load is a configuration error */
    pthread_mutex_lock(&in->lock);
    struct ctx_node *n = load_ctx(in);
    if (n != NULL) {
        n->next = NULL;
        in->free_ctx = n;
    }
    pthread_mutex_unlock(&in->lock);
    if (n == NULL) {
        pmn_destroy(in);
        return SL_ECONFIG;
    }
    return 0;
}

static struct ctx_node *take_ctx(struct pmn_inst *in)
{
    pthread_mutex_lock(&in->lock);
    struct ctx_node *n = in->free_ctx;
    if (n != NULL) {
        in->free_ctx = n->next;
    } else {
        n = load_ctx(in);
    }
    pthread_mutex_unlock(&in->lock);
    return n;
}

static void give_ctx(struct pmn_inst *in, struct ctx_node *n)
{
    pthread_mutex_lock(&in->lock);
    n->next = in->free_ctx;
    in->free_ctx = n;
    pthread_mutex_unlock(&in->lock);
}

/* One field of the result, as rsyslog's msgSetPropViaJSON. */
static void set_prop(struct pmn_inst *in, struct sl_msg *m, const char *name,
                     struct fjson_object *v, struct sl_msg_fields *f)
{
    const struct sl_host *h = in->h;
    if (strcmp(name, "$!") == 0) {
        h->msg_json_set_ref(m, in->root, fjson_object_get(v));
        return;
    }
    const char *s = fjson_object_get_string(v);
    if (s == NULL) {
        s = "";
    }
    size_t len = strlen(s);
    if (strcmp(name, "msg") == 0 || strcmp(name, "rawmsg") == 0) {
        (void)h->msg_set_msg(m, s, len);
    } else if (strcmp(name, "syslogtag") == 0) {
        f->set |= SL_MF_TAG;
        f->tag = s;
        f->tag_len = len;
    } else if (strcmp(name, "hostname") == 0 || strcmp(name, "source") == 0) {
        f->set |= SL_MF_HOSTNAME;
        f->hostname = s;
        f->hostname_len = len;
    } else if (strcmp(name, "procid") == 0) {
        f->set |= SL_MF_PROCID;
        f->procid = s;
        f->procid_len = len;
    } else if (strcmp(name, "msgid") == 0) {
        f->set |= SL_MF_MSGID;
        f->msgid = s;
        f->msgid_len = len;
    } else if (strcmp(name, "pri") == 0 || strcmp(name, "syslogfacility") == 0 ||
               strcmp(name, "syslogseverity") == 0) {
        char num[32];
        int n = snprintf(num, sizeof num, "%d", fjson_object_get_int(v));
        (void)h->msg_parse_set_prop(m, name, num, (size_t)n);
    } else if (strcmp(name, "structured-data") == 0 || strcmp(name, "fromhost") == 0 ||
               strcmp(name, "fromhost-ip") == 0) {
        (void)h->msg_parse_set_prop(m, name, s, len);
    }
}

static int pmn_parse(void *inst, struct sl_msg *m)
{
    struct pmn_inst *in = inst;
    const struct sl_host *h = in->h;
    const char *raw;
    size_t rawlen, ap;
    h->msg_parse_raw(m, &raw, &rawlen, &ap);
    /* MSG is the whole raw message (rsyslog sets its offset to 0) */
    struct sl_msg_fields f0;
    memset(&f0, 0, sizeof f0);
    f0.set = SL_MF_MSG;
    f0.msg = raw;
    f0.msg_len = rawlen;
    if (h->msg_set_fields(m, &f0) != 0) {
        return SL_ENOMEM;
    }
    struct ctx_node *n = take_ctx(in);
    if (n == NULL) {
        return SL_EIO;      /* no context: the message is discarded (logged at load) */
    }
    struct fjson_object *json = NULL;
    int r = ln_normalize(n->ctx, raw, rawlen, &json);
    give_ctx(in, n);
    if (r != 0) {
        if (in->undef_err) {
            h->log(SL_LOG_ERR, "pmnormalize", "error %d during ln_normalize; json: %s", r,
                   json != NULL ? fjson_object_to_json_string(json) : "null");
        }
        if (json != NULL) {
            fjson_object_put(json);
        }
        return SL_PARSE_DONE;
    }
    if (json == NULL || !fjson_object_is_type(json, fjson_type_object)) {
        if (json != NULL) {
            fjson_object_put(json);
        }
        return SL_PARSE_DONE;
    }
    struct sl_msg_fields f;
    memset(&f, 0, sizeof f);
    struct fjson_object_iterator it = fjson_object_iter_begin(json);
    struct fjson_object_iterator end = fjson_object_iter_end(json);
    while (!fjson_object_iter_equal(&it, &end)) {
        set_prop(in, m, fjson_object_iter_peek_name(&it), fjson_object_iter_peek_value(&it),
                 &f);
        fjson_object_iter_next(&it);
    }
    int rc = f.set != 0 ? h->msg_set_fields(m, &f) : 0;
    fjson_object_put(json);
    return rc == 0 ? SL_PARSE_DONE : rc;
}

static const struct sl_parser_ops pmn_ops = {
    .create = pmn_create,
    .destroy = pmn_destroy,
    .parse = pmn_parse,
};

SL_PLUGIN_DEFINE(pmnormalize) = {
    SL_PLUGIN_HEADER(pmnormalize),
    .kinds = SL_PARSER,
    .inst_params = inst_params,
    .inst_size = sizeof(struct pmn_inst),
    .parser = &pmn_ops,
    .parser_name = NULL,    /* rsyslog's default instance has no rules: unusable */
};
