/*
 * mmnormalize.c - the mmnormalize modifier: normalizes msg (or rawmsg, or any property
 * given by variable=) with liblognorm and stores the result under path ("$!" by default),
 * as rsyslog 8.2302's mmnormalize does:
 *   - rulebase= (a file) or rule= (inline rules, joined with "\n"; v1 or v2 as liblognorm
 *     decides), exactly one of the two;
 *   - every message gets liblognorm's result merged under path, also when no rule matched
 *     (then it holds liblognorm's "originalmsg" / "unparsed-data"); $parsesuccess is "OK"
 *     when a rule matched, else "FAIL";
 *   - module(load="mmnormalize" allowRegex="on") enables liblognorm's regex support.
 * Differences on purpose: any liblognorm error while loading the rules (a missing file, an
 * unknown field type, ...) fails the action's creation, so `sluiced -N1` fails and names
 * it; rsyslog logs the same error, counts it for -N1 and runs with the rules that loaded.
 * An inline rule line with an unbalanced '%' is refused before liblognorm sees it
 * (check_inline_rules): liblognorm 2.0.6, and rsyslogd 8.2302 with it, crash on it.
 *
 * Ownership and lifetime
 *   - Parameter strings and arrays belong to the core.  The instance owns the joined
 *     inline rules and its property handle.  Every ruleset worker owns a liblognorm
 *     context of its own (liblognorm documents no thread safety for ln_normalize on one
 *     context, and its statistics mutate the context); the context loaded in create() to
 *     check the rules is handed to the first worker, the others load their own.
 *   - Normalization results pass to the message through host->msg_json_set().
 *
 * Concurrency & locking
 *   - create/destroy run on the main thread; worker_create/process on ruleset workers.
 *   - The only instance state written after create() is `spare`, the checked context,
 *     taken once with an atomic exchange.  Everything else a worker touches is its own.
 */

#include <stdatomic.h>
#include <stddef.h>
#include <stdio.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <libfastjson/json.h>
#include <liblognorm.h>

#include "sluice/sl_plugin.h"

struct mmn_mod {
    int allow_regex;
};

struct mmn_inst {
    /* parameters (filled by the core) */
    char *rulebase;
    struct sl_strarr rule;
    int use_raw_msg;
    char *path;
    char *variable;

    /* runtime */
    const struct sl_host *h;
    const struct mmn_mod *mod;
    char *rules;            /* joined inline rules, or NULL */
    const char *out_path;   /* path or "$!" */
    void *prop;
    _Atomic(ln_ctx) spare;  /* the context loaded by create(), until a worker takes it */
};

struct mmn_wrk {
    ln_ctx ctx;
    struct sl_buf text;
};

#define MOFF(f) offsetof(struct mmn_mod, f)
static const struct sl_param mod_params[] = {
    { "allowRegex", SL_PT_BOOL, 0, MOFF(allow_regex), "off", NULL, NULL,
      "permit liblognorm's regex field type" },
    SL_PARAM_END
};

#define IOFF(f) offsetof(struct mmn_inst, f)
static const struct sl_param inst_params[] = {
    { "rulebase", SL_PT_WORD, 0, IOFF(rulebase), NULL, NULL, NULL, "liblognorm rulebase file" },
    { "rule", SL_PT_ARRAY, 0, IOFF(rule), NULL, NULL, NULL, "inline rules" },
    { "userawmsg", SL_PT_BOOL, 0, IOFF(use_raw_msg), "off", NULL, NULL, "normalize rawmsg" },
    { "path", SL_PT_WORD, 0, IOFF(path), NULL, NULL, NULL, "where results go ($!)" },
    { "variable", SL_PT_WORD, 0, IOFF(variable), NULL, NULL, NULL, "property to normalize" },
    SL_PARAM_END
};

/* liblognorm error messages go to the host log, counted so create() can fail on them.
 * liblognorm 2.0.6 does not always hand the cookie back (its loader for inline rules calls
 * the callback with NULL), so the sink of the load in progress is found through a
 * thread-local pointer instead; loads run on one thread from start to end. */
struct err_sink {
    const struct sl_host *h;
    int errors;
};

/* The load being reported on.  liblognorm passes no usable cookie for inline rules, so the
 * sink is found here; loads are serialised by load_lock.  (Not a thread-local: GCC 12's
 * LeakSanitizer crashes scanning the dynamic TLS of a dlopen'ed module at exit.) */
static struct err_sink *cur_sink;
static pthread_mutex_t load_lock = PTHREAD_MUTEX_INITIALIZER;

static void ln_err_cb(void *cookie, const char *msg, size_t len)
{
    struct err_sink *s = cur_sink;
    (void)cookie;
    if (s == NULL) {
        return;   /* not during a load: nothing to report to */
    }
    s->errors++;
    s->h->log(SL_LOG_ERR, "mmnormalize", "liblognorm error: %.*s",
              len > 4096 ? 4096 : (int)len, msg);
}

/* A context with the instance's rules loaded; NULL (after logging) on any error. */
static ln_ctx load_ctx(struct mmn_inst *in)
{
    struct err_sink sink = { in->h, 0 };
    ln_ctx ctx = ln_initCtx();
    if (ctx == NULL) {
        in->h->log(SL_LOG_ERR, "mmnormalize", "cannot create a liblognorm context");
        return NULL;
    }
    if (in->mod != NULL && in->mod->allow_regex) {
        ln_setCtxOpts(ctx, LN_CTXOPT_ALLOW_REGEX);
    }
    pthread_mutex_lock(&load_lock);
    cur_sink = &sink;
    ln_setErrMsgCB(ctx, ln_err_cb, &sink);
    int rc = in->rules != NULL ? ln_loadSamplesFromString(ctx, in->rules)
                               : ln_loadSamples(ctx, in->rulebase);
    ln_setErrMsgCB(ctx, NULL, NULL);
    cur_sink = NULL;
    pthread_mutex_unlock(&load_lock);
    if (rc != 0 || sink.errors != 0) {
        if (in->rules != NULL) {
            in->h->log(SL_LOG_ERR, "mmnormalize", "inline rules could not be loaded");
        } else {
            in->h->log(SL_LOG_ERR, "mmnormalize", "normalization rulebase '%s' could not be loaded",
                       in->rulebase);
        }
        ln_exitCtx(ctx);
        return NULL;
    }
    return ctx;
}

static char *join_rules(const struct sl_strarr *a)
{
    size_t n = 1;
    for (size_t i = 0; i < a->n; i++) {
        n += strlen(a->v[i]) + 1;
    }
    char *s = malloc(n);
    if (s == NULL) {
        return NULL;
    }
    size_t off = 0;
    for (size_t i = 0; i < a->n; i++) {
        size_t l = strlen(a->v[i]);
        memcpy(s + off, a->v[i], l);
        off += l;
        s[off++] = '\n';
    }
    s[off] = '\0';
    return s;
}

/* liblognorm 2.0.6 crashes (fgetpos(NULL) in ln_sampChkRunawayRule) when a line of rules
 * loaded from a string ends while a field is open, i.e. after an odd number of '%'; rsyslogd
 * 8.2302 crashes the same way, at -N1 too.  Its reader toggles "in a field" at every '%'
 * and skips lines that start with '#', so a line of an inline rule with an odd number of
 * '%' is refused here, naming the rule, before liblognorm sees it (the core then names
 * FILE:LINE of the action).  Returns 0 or SL_ECONFIG. */
static int check_inline_rules(const struct sl_host *h, const struct sl_strarr *a)
{
    for (size_t i = 0; i < a->n; i++) {
        const char *line = a->v[i];
        for (size_t ln = 1; line != NULL; ln++) {
            const char *end = strchr(line, '\n');
            size_t len = end != NULL ? (size_t)(end - line) : strlen(line);
            size_t pct = 0;
            for (size_t k = 0; k < len; k++) {
                pct += line[k] == '%';
            }
            if (len > 0 && line[0] != '#' && pct % 2 != 0) {
                char where[64];
                if (ln > 1 || end != NULL) {
                    snprintf(where, sizeof where, "rule %zu, line %zu", i + 1, ln);
                } else {
                    snprintf(where, sizeof where, "rule %zu", i + 1);
                }
                h->log(SL_LOG_ERR, "mmnormalize", "%s: '%.*s%s': unbalanced '%%' (a field is "
                       "not closed); the rule is refused (liblognorm cannot load it)", where,
                       len > 200 ? 200 : (int)len, line, len > 200 ? "..." : "");
                return SL_ECONFIG;
            }
            line = end != NULL ? end + 1 : NULL;
        }
    }
    return 0;
}

static void mmn_destroy(void *inst);

static int mmn_create(void *inst, void *modconf, const struct sl_host *h)
{
    struct mmn_inst *in = inst;
    in->h = h;
    in->mod = modconf;
    atomic_init(&in->spare, NULL);
    if (h->struct_size < offsetof(struct sl_host, msg_set_parse_result) + sizeof(void *)) {
        h->log(SL_LOG_ERR, "mmnormalize", "the core is too old for modifier plugins");
        return SL_ECONFIG;
    }
    int have_rule = in->rule.n > 0;
    if (in->rulebase != NULL && have_rule) {
        h->log(SL_LOG_ERR, "mmnormalize", "only one rulebase possible, rulebase can't be used with rule");
        return SL_ECONFIG;
    }
    if (in->rulebase == NULL && !have_rule) {
        h->log(SL_LOG_ERR, "mmnormalize", "rulebase needed. Use option rulebase or rule.");
        return SL_ECONFIG;
    }
    in->out_path = "$!";
    if (in->path != NULL) {
        /* rsyslog warns and keeps the default for these */
        if (strlen(in->path) < 2) {
            h->log(SL_LOG_WARNING, "mmnormalize",
                   "valid path name should be at least 2 symbols long, got %s", in->path);
        } else if (in->path[0] != '$') {
            h->log(SL_LOG_WARNING, "mmnormalize", "valid path name should start with $, got %s",
                   in->path);
        } else if (in->path[1] != '!' && in->path[1] != '.' && in->path[1] != '/') {
            h->log(SL_LOG_ERR, "mmnormalize", "path '%s' is not a $!, $. or $/ variable",
                   in->path);
            return SL_ECONFIG;
        } else {
            in->out_path = in->path;
        }
    }
    const char *prop = in->use_raw_msg ? "rawmsg" : "msg";
    if (in->variable != NULL) {
        if (in->use_raw_msg) {
            h->log(SL_LOG_WARNING, "mmnormalize", "'variable' param can't be used with "
                   "'useRawMsg'. Ignoring 'variable', will use raw message.");
        } else {
            prop = in->variable;
        }
    }
    if (h->prop_ref(prop, &in->prop) != 0) {
        h->log(SL_LOG_ERR, "mmnormalize", "invalid property '%s'", prop);
        return SL_ECONFIG;
    }
    if (have_rule && check_inline_rules(h, &in->rule) != 0) {
        mmn_destroy(in);
        return SL_ECONFIG;
    }
    if (have_rule) {
        in->rules = join_rules(&in->rule);
        if (in->rules == NULL) {
            mmn_destroy(in);
            return SL_ENOMEM;
        }
    }
    ln_ctx ctx = load_ctx(in);
    if (ctx == NULL) {
        mmn_destroy(in);
        return SL_ECONFIG;
    }
    atomic_store(&in->spare, ctx);
    return 0;
}

static void mmn_destroy(void *inst)
{
    struct mmn_inst *in = inst;
    ln_ctx ctx = atomic_exchange(&in->spare, NULL);
    if (ctx != NULL) {
        ln_exitCtx(ctx);
    }
    if (in->prop != NULL) {
        in->h->prop_unref(in->prop);
        in->prop = NULL;
    }
    free(in->rules);
    in->rules = NULL;
}

static int mmn_worker_create(void *inst, void *wrk)
{
    struct mmn_inst *in = inst;
    struct mmn_wrk *w = wrk;
    w->ctx = atomic_exchange(&in->spare, NULL);
    if (w->ctx == NULL) {
        w->ctx = load_ctx(in);
    }
    return w->ctx != NULL ? 0 : SL_ECONFIG;
}

static void mmn_worker_destroy(void *inst, void *wrk)
{
    struct mmn_inst *in = inst;
    struct mmn_wrk *w = wrk;
    if (w->ctx != NULL) {
        ln_exitCtx(w->ctx);
        w->ctx = NULL;
    }
    in->h->buf_free(&w->text);
}

static int mmn_process(void *inst, void *wrk, struct sl_msg *m)
{
    struct mmn_inst *in = inst;
    struct mmn_wrk *w = wrk;
    const struct sl_host *h = in->h;
    if (w->ctx == NULL) {
        return SL_OK;
    }
    w->text.len = 0;
    if (h->msg_prop(m, in->prop, &w->text) != 0 || h->buf_reserve(&w->text, 1) != 0) {
        return SL_OK;
    }
    w->text.p[w->text.len] = '\0';
    struct fjson_object *json = NULL;
    int rc = ln_normalize(w->ctx, w->text.p, w->text.len, &json);
    h->msg_set_parse_result(m, rc == 0);
    if (json != NULL) {
        (void)h->msg_json_set(m, in->out_path, json);
    }
    return SL_OK;
}

static const struct sl_modifier_ops mmn_ops = {
    .create = mmn_create,
    .destroy = mmn_destroy,
    .worker_create = mmn_worker_create,
    .worker_destroy = mmn_worker_destroy,
    .process = mmn_process,
};

SL_PLUGIN_DEFINE(mmnormalize) = {
    SL_PLUGIN_HEADER(mmnormalize),
    .kinds = SL_MODIFIER,
    .flags = 0,
    .module_params = mod_params,
    .inst_params = inst_params,
    .mod_size = sizeof(struct mmn_mod),
    .inst_size = sizeof(struct mmn_inst),
    .wrk_size = sizeof(struct mmn_wrk),
    .in = NULL,
    .out = NULL,
    .mod = &mmn_ops,
};
