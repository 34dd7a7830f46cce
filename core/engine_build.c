/*
 * engine_build.c - sl_engine_build: the IR (conf/ir.h) turned into a runtime, with the
 * core's parameter tables of engine_params.c; in order: globals, templates,
 * modules (loaded and mod_init()ed), ruleset queues and rulesets, actions (each bound to its
 * plugin, with its own queue when it asks for one), inputs.  Every problem is reported with
 * file:line through sl_cfg_error(); the caller checks sl_cfg_error_count() (that is -N1).
 * The queue.* parameters are read into a struct sl_queue_conf by engine_params.c
 * (queue_defaults, apply_queue_params, apply_main_queue_params); this file builds the
 * queues from it (rsq_new, the actions' queues).
 *
 * Ownership and lifetime
 *   Everything built here belongs to the engine and is released by sl_engine_free
 *   (engine.c).  Actions keep pointers into the IR (ai->rt points back), which must outlive
 *   the engine.
 *
 * Concurrency & locking
 *   Runs on the main thread before any engine thread exists; plugins' create()/mod_init()
 *   are called from here.  cur_engine (host.c) is set here for the host functions.
 */
#include <stdlib.h>
#include <ctype.h>
#include <errno.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "conf/expr_bind.h"
#include "expr/expr.h"
#include "log.h"

#include "engine_int.h"

/* ---------------------------------------------------------------------------------------
 * Build: globals, templates, modules
 * ------------------------------------------------------------------------------------- */
static const struct sl_template *resolve_tpl(void *arg, const char *name)
{
    struct sl_engine *e = arg;
    return sl_tpl_find(e->tpls, name);
}

struct sl_ruleset_rt *find_ruleset(struct sl_engine *e, const char *name)
{
    for (size_t i = 0; i < e->nrulesets; i++) {
        if (strcmp(e->rulesets[i]->ir->name, name) == 0) {
            return e->rulesets[i];
        }
    }
    return NULL;
}

static void *resolve_ruleset(void *arg, const char *name)
{
    return find_ruleset(arg, name);
}

static const char *resolve_suggest(void *arg, int is_ruleset, const char *name, char *buf,
                                   size_t size)
{
    struct sl_engine *e = arg;
    return is_ruleset ? sl_cnf_ruleset_suggest(e->cnf, name, buf, size)
                      : sl_tpl_suggest(e->tpls, name, buf, size);
}

static const char *kv_str(struct sl_kv *kvs, const char *name)
{
    struct sl_kv *kv = sl_kv_find(kvs, name);
    if (kv == NULL) {
        return NULL;
    }
    kv->used = 1;
    return kv->is_array ? (kv->arr.n ? kv->arr.v[0] : "") : kv->str;
}

/* global(environment=["NAME=value", ...]): set when the config is loaded, as rsyslog's
 * do_setenv() (so getenv() and programs started later see them).  A malformed entry is an
 * error rsyslog runs past; rsyslog's name check rejects names of 64 characters or more. */
static void set_environment(struct sl_kv *kv)
{
    size_t n = kv->is_array ? kv->arr.n : 1;
    kv->used = 1;
    for (size_t i = 0; i < n; i++) {
        const char *var = kv->is_array ? kv->arr.v[i] : kv->str;
        const char *eq = var != NULL ? strchr(var, '=') : NULL;
        if (eq == NULL) {
            sl_cfg_error_soft(&kv->loc, "environment variable entry is missing equal sign "
                              "(for value): '%s'", var != NULL ? var : "");
            continue;
        }
        if (eq - var >= 64) {
            sl_cfg_error_soft(&kv->loc, "environment variable name too long [max 127 chars] "
                              "or malformed entry: '%s'", var);
            continue;
        }
        char *name = sl_xstrndup(var, (size_t)(eq - var));
        if (setenv(name, eq + 1, 1) != 0) {
            sl_cfg_error_soft(&kv->loc, "error setting environment variable '%s' to '%s': %s",
                              name, eq + 1, strerror(errno));
        }
        free(name);
    }
}

static void build_globals(struct sl_engine *e)
{
    struct sl_param_resolver res = { resolve_tpl, resolve_ruleset, e, resolve_suggest };
    int first = 1;
    for (struct sl_obj *o = e->cnf->objs; o != NULL; o = o->next) {
        if (o->type != SL_OBJ_GLOBAL) {
            continue;
        }
        /* every global() sets only what it names: apply the table to a scratch block and
         * copy the named fields over the running values */
        struct sl_global_conf tmp;
        memset(&tmp, 0, sizeof tmp);
        sl_params_apply(global_params, &tmp, o->kv, &res, "global()", &o->loc);
        sl_params_apply(global_ignored, &tmp, o->kv, &res, "global()", &o->loc);
        for (const struct sl_param *p = global_params; p->name != NULL; p++) {
            struct sl_kv *kv = sl_kv_find(o->kv, p->name);
            if (kv == NULL && !first) {
                continue;
            }
            size_t sz = (p->type == SL_PT_BOOL) ? sizeof(int)
                        : (p->type == SL_PT_STRING || p->type == SL_PT_WORD) ? sizeof(char *)
                                                                               : sizeof(int64_t);
            if (p->type == SL_PT_STRING || p->type == SL_PT_WORD) {
                char **dst = (char **)(void *)((char *)&e->g + p->offset);
                char **src = (char **)(void *)((char *)&tmp + p->offset);
                free(*dst);
                *dst = *src;
                *src = NULL;
            } else {
                memcpy((char *)&e->g + p->offset, (char *)&tmp + p->offset, sz);
            }
        }
        sl_params_free(global_params, &tmp);
        struct sl_kv *env = sl_kv_find(o->kv, "environment");
        if (env != NULL) {
            set_environment(env);
        }
        sl_params_check_unused(o->kv, "global()", global_accepted);
        struct sl_kv *pk = sl_kv_find(o->kv, "parser.controlCharacterEscapePrefix");
        const char *pv = pk != NULL && !pk->is_array ? pk->str : NULL;
        if (pv != NULL && strlen(pv) != 1) {
            /* rsyslog's eCmdHdlrGetChar, in both dialects */
            sl_cfg_error(&pk->loc, "global(): parameter 'parser.controlCharacterEscapePrefix' "
                         "must contain exactly one character but contains %zu", strlen(pv));
        }
        first = 0;
    }
    if (first) {
        struct sl_loc none = { "", 0, 0 };
        sl_params_apply(global_params, &e->g, NULL, NULL, "global()", &none);
    }
    if (e->g.local_hostname != NULL) {
        sl_set_local_hostname(e->g.local_hostname);
    }
    sl_msg_set_dns(e->g.enable_dns);
    sl_dns_set_cache_ttl(e->g.dns_ttl_enable, e->g.dns_ttl);
    sl_msg_set_vars_case_sensitive(e->g.vars_case_sensitive);
    sl_parse_opts_default(&e->popts);
    e->popts.escape_cc_on_receive = e->g.escape_cc;
    e->popts.cc_escape_prefix = e->g.cc_prefix && e->g.cc_prefix[0] ? e->g.cc_prefix[0] : '#';
    e->popts.drop_trailing_lf = e->g.drop_trailing_lf;
    e->popts.space_lf_on_receive = e->g.space_lf;
    e->popts.escape_tab = e->g.escape_tab;
    e->popts.escape_8bit = e->g.escape_8bit;
    e->popts.escape_cc_cstyle = e->g.escape_cc_cstyle;
    e->popts.permit_slash_progname = e->g.permit_slash;
}

static void build_templates(struct sl_engine *e)
{
    for (struct sl_obj *o = e->cnf->objs; o != NULL; o = o->next) {
        if (o->type != SL_OBJ_TEMPLATE) {
            continue;
        }
        const char *name = kv_str(o->kv, "name");
        const char *type = kv_str(o->kv, "type");
        struct sl_tpl_err err = { { 0 }, { 0 } };
        if (name == NULL) {
            sl_cfg_error(&o->loc, "template(): parameter 'name' is missing");
            continue;
        }
        if (sl_tpl_find(e->tpls, name) != NULL && strncmp(name, "RSYSLOG_", 8) != 0 &&
            strncmp(name, "SLUICE_", 7) != 0) { /* sluice's built-ins: as rsyslog's */
            sl_cfg_error(&o->loc, "template '%s' is defined twice", name);
            continue;
        }
        const char *option = kv_str(o->kv, "option");
        static const char *const opts[] = { "sql", "stdsql", "json", "jsonf", NULL };
        for (int i = 0; opts[i] != NULL; i++) {
            char key[32];
            snprintf(key, sizeof key, "option.%s", opts[i]);
            const char *v = kv_str(o->kv, key);
            int on = 0;
            if (v != NULL && sl_param_parse_bool(v, &on) == 0 && on) {
                option = opts[i];
            }
        }
        const char *cs = kv_str(o->kv, "option.casesensitive");
        int cs_on = 0;
        if (cs != NULL && sl_param_parse_bool(cs, &cs_on) == 0 && cs_on && option == NULL) {
            option = "casesensitive";
        }
        const char *legacy = kv_str(o->kv, "legacy_line");
        const struct sl_template *t = NULL;
        const char *lp = legacy;
        while (lp != NULL && (*lp == ' ' || *lp == '\t')) {
            lp++;
        }
        if ((lp != NULL && *lp == '=') ||
            (legacy == NULL && type != NULL && strcasecmp(type, "plugin") == 0)) {
            /* a string generator (rsyslog: the name runs to the first white space); a
             * failure leaves the template undefined, an error rsyslog runs past */
            char sg[256] = "";
            const char *src = lp != NULL ? lp + 1 : kv_str(o->kv, "plugin");
            if (src == NULL) {
                sl_cfg_error_soft(&o->loc, "template '%s' of type plugin needs plugin "
                                  "parameter", name);
                continue;
            }
            kv_str(o->kv, "string");
            size_t k = 0;
            while (src[k] != '\0' && !isspace((unsigned char)src[k]) && k < sizeof sg - 1) {
                sg[k] = src[k];
                k++;
            }
            sg[k] = '\0';
            t = sl_tpl_add_strgen(e->tpls, name, sg, &err);
            if (t == NULL) {
                sl_cfg_error_soft(&o->loc, "template '%s': %s", name, err.text);
                continue;
            }
        } else if (legacy != NULL) {
            /* $template name,"...",opt: rsyslog's legacy escapes apply to the raw text */
            kv_str(o->kv, "string");
            t = sl_tpl_add_legacy(e->tpls, name, legacy, &err);
        } else if (type == NULL || strcasecmp(type, "string") == 0) {
            const char *str = kv_str(o->kv, "string");
            if (str == NULL) {
                sl_cfg_error(&o->loc, "template '%s': parameter 'string' is missing", name);
                continue;
            }
            t = sl_tpl_add_string(e->tpls, name, str, option, &err);
        } else if (strcasecmp(type, "list") == 0) {
            struct sl_tpl_builder *b = sl_tpl_list_begin(e->tpls, name, option);
            int bad = 0;
            for (struct sl_obj *c = o->children; c != NULL && !bad; c = c->next) {
                const char *keys[64], *vals[64];
                size_t n = 0;
                for (struct sl_kv *kv = c->kv; kv != NULL && n < 64; kv = kv->next) {
                    keys[n] = kv->name;
                    vals[n] = kv->is_array ? (kv->arr.n ? kv->arr.v[0] : "") : kv->str;
                    n++;
                }
                int rc = c->type == SL_OBJ_TPL_CONSTANT
                             ? sl_tpl_list_constant(b, keys, vals, n, &err)
                             : sl_tpl_list_property(b, keys, vals, n, &err);
                if (rc == SL_TPL_SOFT) {
                    /* rsyslog: error, the list ends here, the template is used */
                    sl_cfg_error_soft(&c->loc, "template '%s': %s; the template ends with "
                                      "this element", name, err.text);
                    break;
                }
                if (rc != 0) {
                    sl_cfg_error(&c->loc, "template '%s': %s", name, err.text);
                    bad = 1;
                }
            }
            t = sl_tpl_list_end(b, &err);
            if (bad) {
                continue;
            }
        } else if (strcasecmp(type, "subtree") == 0) {
            const char *st = kv_str(o->kv, "subtree");
            t = sl_tpl_add_subtree(e->tpls, name, st ? st : "", &err);
        } else {
            sl_cfg_error(&o->loc, "template '%s': unknown type '%s'", name, type);
            continue;
        }
        if (t == NULL) {
            struct sl_kv *sk = sl_kv_find(o->kv, "string");   /* the text at fault */
            sl_cfg_error(sk != NULL ? &sk->loc : &o->loc,
                         "template '%s': %s", name, err.text);
        } else if (err.warn[0] != '\0') {
            sl_cfg_warn(&o->loc, "template '%s': %s", name, err.warn);
        }
        static const char *const tpl_known[] = { "name", "type", "string", "subtree",
                                                 "plugin", "option", NULL };
        sl_params_check_unused(o->kv, "template()", tpl_known);
    }
}

static struct sl_module_rt *find_module(struct sl_engine *e, const char *name)
{
    const char *bare = strncasecmp(name, "builtin:", 8) == 0 ? name + 8 : name;
    for (struct sl_module_rt *m = e->modules; m != NULL; m = m->next) {
        if (strcasecmp(m->pl->name, bare) == 0) {
            return m;
        }
    }
    return NULL;
}

static struct sl_module_rt *load_module(struct sl_engine *e, const char *name,
                                        const struct sl_loc *loc)
{
    const struct sl_plugin *pl;
    void *dl;
    char err[1024];
    int rc = sl_plugin_open(name, sl_plugin_dir(e->opts.plugin_dir), &pl, &dl, err, sizeof err);
    if (rc == SL_ENOENT && e->g.unknown_modules == 1) {
        sl_cfg_warn(loc, "%s; skipped with everything that uses it "
                         "(global sluice.unknownModules=\"warn\")", err);
        e->skipped = sl_xrealloc(e->skipped, (e->nskipped + 1) * sizeof *e->skipped);
        e->skipped[e->nskipped++] = sl_xstrdup(strncasecmp(name, "builtin:", 8) == 0 ? name + 8
                                                                                  : name);
        return NULL;
    }
    if (rc != 0) {
        sl_cfg_error(loc, "%s", err);
        e->failed = sl_xrealloc(e->failed, (e->nfailed + 1) * sizeof *e->failed);
        e->failed[e->nfailed++] = sl_xstrdup(strncasecmp(name, "builtin:", 8) == 0 ? name + 8
                                                                                : name);
        return NULL;
    }
    struct sl_module_rt *m = sl_xcalloc(1, sizeof *m);
    m->name = sl_xstrdup(pl->name);
    m->pl = pl;
    m->dl = dl;
    m->loc = *loc;
    m->modconf = pl->mod_size ? sl_xcalloc(1, pl->mod_size) : NULL;
    m->next = e->modules;
    e->modules = m;
    return m;
}

/* A plugin that logged errors (host log() at SL_LOG_ERR) since `logged` and still set
 * itself up corrected its configuration, as rsyslog's modules do with LogError() in
 * newActInst/newInpInst/checkCnf and run on: an error the daemon runs past, so -N1 exits 1
 * as rsyslogd -N1 does.  part: "the module", "the input", "the action". */
static void report_corrected(int logged, const struct sl_loc *loc, const char *what,
                             const char *part)
{
    if (sl_log_errors_logged() != logged) {
        sl_cfg_error_soft(loc, "%s: configuration corrected (see above); %s runs with the "
                          "corrected values", what, part);
    }
}

static int init_module(struct sl_engine *e, struct sl_module_rt *m, struct sl_kv *kvs,
                       const struct sl_loc *loc)
{
    struct sl_param_resolver res = { resolve_tpl, resolve_ruleset, e, resolve_suggest };
    char what[128];
    snprintf(what, sizeof what, "module '%s'", m->pl->name);
    int errs = 0;
    if (m->modconf != NULL) {
        errs += sl_params_apply(m->pl->module_params, m->modconf, kvs, &res, what, loc);
    }
    static const char *const mod_known[] = { "load", NULL };
    errs += sl_params_check_unused(kvs, what, mod_known);
    sl_log_plugin_loc(loc);
    int logged = sl_log_errors_logged();
    if (errs == 0 && m->pl->mod_init != NULL && m->pl->mod_init(&host, m->modconf) != 0) {
        sl_cfg_error(loc, "%s: initialisation failed", what);
        errs++;
    } else if (errs == 0) {
        /* errors a mod_init() logs and runs past (imudp's scheduling settings, as
         * rsyslog's checkCnf) count for -N1 */
        report_corrected(logged, loc, what, "the module");
    }
    sl_log_plugin_loc(NULL);
    m->inited = 1;
    return errs;
}

static int in_list(char *const *list, size_t n, const char *name)
{
    for (size_t i = 0; i < n; i++) {
        if (strcasecmp(list[i], name) == 0) {
            return 1;
        }
    }
    return 0;
}

static int is_skipped(struct sl_engine *e, const char *name)
{
    return in_list(e->skipped, e->nskipped, name);
}

static void mark_all_used(struct sl_kv *kvs)
{
    for (struct sl_kv *kv = kvs; kv != NULL; kv = kv->next) {
        kv->used = 1;
    }
}

static void build_modules(struct sl_engine *e)
{
    /* explicit module() objects, in order */
    for (struct sl_obj *o = e->cnf->objs; o != NULL; o = o->next) {
        if (o->type != SL_OBJ_MODULE) {
            continue;
        }
        const char *name = kv_str(o->kv, "load");
        if (name == NULL) {
            sl_cfg_error(&o->loc, "module(): parameter 'load' is missing");
            continue;
        }
        if (sl_expr_is_fmod(name)) {
            /* a function module the core provides (fmhash): no plugin, no parameters */
            static const char *const fmod_known[] = { "load", NULL };
            sl_params_check_unused(o->kv, "module()", fmod_known);
            continue;
        }
        struct sl_module_rt *m = find_module(e, name);
        if (m != NULL) {
            if (strncasecmp(name, "builtin:", 8) != 0) {
                /* rsyslog: "module already in this config, cannot be added", and runs
                 * with the first load */
                sl_cfg_error_soft(&o->loc, "module '%s' is loaded twice; this load and "
                                  "its parameters are ignored", name);
            }
            continue;
        }
        m = load_module(e, name, &sl_kv_find(o->kv, "load")->loc);
        if (m != NULL) {
            init_module(e, m, o->kv, &o->loc);
        }
    }
    /* built-in outputs are always there */
    for (int i = 0; sl_builtin_plugins[i] != NULL; i++) {
        if (find_module(e, sl_builtin_plugins[i]->name) == NULL) {
            struct sl_loc none = { "", 0, 0 };
            struct sl_module_rt *m = load_module(e, sl_builtin_plugins[i]->name, &none);
            if (m != NULL) {
                init_module(e, m, NULL, &none);
            }
        }
    }
}

/* ---------------------------------------------------------------------------------------
 * Build: queues, rulesets, actions, inputs
 * ------------------------------------------------------------------------------------- */
/* queue.discardMark / queue.discardSeverity on one of nshards rings (a sharded queue's mark
 * is shared out like its size).  rsyslog's defaults: the mark at 80% of queue.size,
 * severity 8 (nothing is discarded). */
static void ring_limits_setup(struct sl_ring *r, const struct sl_queue_conf *qc, size_t nshards,
                               _Atomic uint64_t *c_nf)
{
    r->c_discard_nf = c_nf;
    /* queue.maxBytes, shared out like the size; memory queues only (a disk-assisted queue
     * spools by message count) */
    if (qc->max_bytes > 0 && qc->type != SL_QT_DISK && qc->filename == NULL) {
        size_t per = (size_t)qc->max_bytes / nshards;
        sl_ring_set_max_bytes(r, per ? per : 1);
    }
    /* queue.minDequeueBatchSize: the workers of a memory queue wait for a batch of that
     * many (a disk-assisted or disk queue takes what is there, see sluice.conf(5)) */
    if (qc->min_batch > 1 && qc->type != SL_QT_DISK && qc->type != SL_QT_DIRECT &&
        qc->filename == NULL) {
        sl_ring_set_min_batch(r, (size_t)qc->min_batch, qc->min_batch_timeout);
    }
    if (qc->discard_sev >= 8) {
        return;                 /* off: the push fast path stays one compare */
    }
    int64_t mark = qc->discard_mark >= 0 ? qc->discard_mark : qc->size * 8 / 10;
    r->discard_mark = (size_t)mark / nshards;
    r->discard_sev = (int)qc->discard_sev;
}

static struct sl_rsq *rsq_new(struct sl_engine *e, const char *name, const struct sl_queue_conf *qc,
                              const struct sl_loc *loc)
{
    struct sl_rsq *q = sl_xcalloc(1, sizeof *q);
    q->name = sl_xstrdup(name);
    q->qc = *qc;
    if (q->qc.type == SL_QT_DIRECT) {
        /* Direct: inputs run the rules on their own thread (direct.c); one shard with one
         * worker stays for what must not run inline (internal messages, submit_ruleset).
         * As rsyslog, its disk settings are ignored (qConstructDirect: never DA). */
        q->qc.workers = 1;
        q->direct = 1;
    }
    q->nshards = (size_t)q->qc.workers;
    q->shards = sl_xcalloc(q->nshards, sizeof *q->shards);
    size_t per = (size_t)q->qc.size / q->nshards;
    _Atomic uint64_t *c_nf = &q->q_nf;
    q->c_discard_full = &q->q_full;
    for (size_t i = 0; i < q->nshards; i++) {
        sl_ring_init(&q->shards[i], per ? per : 1);
        ring_limits_setup(&q->shards[i], &q->qc, q->nshards, c_nf);
    }
    if (!q->direct && (q->qc.type == SL_QT_DISK || q->qc.filename != NULL)) {
        /* disk-assisted: one spool per shard (flow order holds per shard), shard 0 named
         * queue.filename, shard N queue.filename.wN */
        const char *dir = q->qc.spool_dir != NULL ? q->qc.spool_dir : e->g.work_directory;
        if (q->qc.filename == NULL) {
            sl_cfg_error(loc, "queue '%s': queue.type=\"Disk\" needs queue.filename", name);
        } else if (dir == NULL) {
            sl_cfg_error(loc, "queue '%s': queue.filename needs a directory: set "
                              "global(workDirectory=...) or queue.spoolDirectory", name);
        } else {
            q->da = sl_xcalloc(q->nshards, sizeof *q->da);
            for (size_t i = 0; i < q->nshards; i++) {
                char fn[1100];
                if (i == 0) {
                    snprintf(fn, sizeof fn, "%s", q->qc.filename);
                } else {
                    snprintf(fn, sizeof fn, "%s.w%zu", q->qc.filename, i);
                }
                q->da[i] = da_new(e, &q->qc, dir, fn, q->name, &q->shards[i], q->nshards);
                q->da[i]->rsq = 1;
                q->da[i]->c_lost = q->c_discard_full;
            }
            q->c_spooled = sluice_counter(e, q->name, "sluice.queue", "disk.enqueued");
            q->c_unspooled = sluice_counter(e, q->name, "sluice.queue", "disk.dequeued");
        }
    }
    q->thr = sl_xcalloc(q->nshards, sizeof *q->thr);
    q->workers = sl_xcalloc(q->nshards, sizeof *q->workers);
    e->rsqs = sl_xrealloc(e->rsqs, (e->nrsqs + 1) * sizeof *e->rsqs);
    e->rsqs[e->nrsqs++] = q;
    e->nworkers_max += q->nshards;
    return q;
}

static void build_rulesets(struct sl_engine *e)
{
    struct sl_queue_conf mqc;
    queue_defaults(&mqc, 1);
    /* rsyslog 8.2302 reports a main_queue() or ruleset() parameter it cannot take (an
     * unknown name, a bad value; $MainMsgQueue* values too) and runs on with that
     * parameter's default (verified with rsyslogd: tests/diff/cases/degraded-*-params) */
    int qsoft = sl_cfg_soft_begin();
    apply_main_queue_params(e, &mqc);
    sl_cfg_soft_end(qsoft);
    struct sl_loc mloc = { "", 0, 0 };
    for (struct sl_obj *o = e->cnf->objs; o != NULL; o = o->next) {
        if (o->type == SL_OBJ_MAIN_QUEUE) {
            mloc = o->loc;
        }
    }
    struct sl_rsq *mainq = rsq_new(e, "main Q", &mqc, &mloc);
    {
        /* parser plugins (ABI 1.5): the loaded ones, in load order (e->modules is newest
         * first), and the global settings their instances may read */
        size_t n = 0;
        for (struct sl_module_rt *m = e->modules; m != NULL; m = m->next) {
            n += sl_module_is_parser(m->pl);
        }
        struct sl_parser_mod *pms = sl_xcalloc(n > 0 ? n : 1, sizeof *pms);
        size_t i = n;
        for (struct sl_module_rt *m = e->modules; m != NULL; m = m->next) {
            if (sl_module_is_parser(m->pl)) {
                pms[--i] = (struct sl_parser_mod){ m->pl, m->modconf };
            }
        }
        struct sl_parser_env env = {
            .struct_size = sizeof env,
            .escape_cc_on_receive = e->popts.escape_cc_on_receive,
            .escape_tab = e->popts.escape_tab,
            .escape_cstyle = (int)sl_engine_global_int(e, "parser.escapeControlCharactersCStyle", 0),
            .cc_escape_prefix = e->popts.cc_escape_prefix,
            .escape_8bit = e->popts.escape_8bit,
        };
        /* rsyslog 8.2302 reports a broken parser() or timezone() object and runs without
         * it (soft scope: -N1 fails, sluice.strictConfig refuses to start) */
        int soft = sl_cfg_soft_begin();
        sl_parser_objs_check(e->cnf, pms, n, &host, &env, &e->parsers);
        /* timezone() objects: zone names in RFC 3164 timestamps (pmciscoios) */
        sl_timezones_build(e->cnf, &e->tz, &e->ntz);
        sl_cfg_soft_end(soft);
        sl_parse_set_timezones(e->tz, e->ntz);
        free(pms);
    }
    for (struct sl_ruleset_ir *r = e->cnf->rulesets; r != NULL; r = r->next) {
        struct sl_ruleset_rt *rt = sl_xcalloc(1, sizeof *rt);
        rt->ir = r;
        r->rt = rt;
        rt->q = mainq;
        static const char *const rs_known[] = { "name", "parser", NULL };
        char what[300];
        snprintf(what, sizeof what, "ruleset '%s'", r->name);
        /* soft: rsyslog leaves unknown parsers and bad parameters out (see main_queue()) */
        int soft = sl_cfg_soft_begin();
        if (has_queue_params(r->kv)) {
            struct sl_queue_conf qc;
            queue_defaults(&qc, 1);
            apply_queue_params(e, &qc, r->kv, what, &r->loc);
            rt->q = rsq_new(e, r->name, &qc, &r->loc);
            rt->own_queue = 1;
        }
        rt->popts = e->popts;
        sl_parser_chain_build(e->cnf, sl_kv_find(r->kv, "parser"), &e->popts, &e->parsers,
                              &rt->chain);
        rt->popts.chain = rt->chain;
        sl_params_check_unused(r->kv, what, rs_known);
        sl_cfg_soft_end(soft);
        e->rulesets = sl_xrealloc(e->rulesets, (e->nrulesets + 1) * sizeof *e->rulesets);
        e->rulesets[e->nrulesets++] = rt;
    }
    e->default_rs = e->nrulesets > 0 ? e->rulesets[0] : NULL;
    if (e->default_rs == NULL) {
        /* an empty config still has the default ruleset */
        static struct sl_ruleset_ir empty = { .name = "RSYSLOG_DefaultRuleset" };
        struct sl_ruleset_rt *rt = sl_xcalloc(1, sizeof *rt);
        rt->ir = &empty;
        rt->q = mainq;
        rt->popts = e->popts;
        e->rulesets = sl_xrealloc(e->rulesets, sizeof *e->rulesets);
        e->rulesets[e->nrulesets++] = rt;
        e->default_rs = rt;
    }
}

/* Action types that stock configs use and sluice does not provide yet: accepted with a
 * warning (the action does nothing) so a distribution config still loads. */
static const char *const unsupported_actions[] = { NULL };   /* none at the moment */

/* dynaFile confinement (issue 19; rsyslog 8.2302 has the traversal too, 8.2608 applies the
 * same rule under global(compatibility.defaults.secure="strict")): a template parameter
 * named "dynaFile" names files, so by default its property values cannot add path segments
 * or climb out of the directory the template's constant text names (sl_tpl_confined).  The
 * plugin's boolean "dynaFileConfine" (omfile: on by default) turns that off, with a
 * warning when a property of the template could then escape. */
static void confine_dynafile(struct sl_engine *e, struct sl_action_rt *a, struct sl_action_ir *ai,
                             const char *what)
{
    const struct sl_param *tp = NULL;
    const struct sl_param *cp = NULL;
    for (const struct sl_param *p = a->pl->inst_params; p != NULL && p->name != NULL; p++) {
        if (p->type == SL_PT_TEMPLATE && strcasecmp(p->name, "dynaFile") == 0) {
            tp = p;
        } else if (p->type == SL_PT_BOOL && strcasecmp(p->name, "dynaFileConfine") == 0) {
            cp = p;
        }
    }
    if (tp == NULL) {
        return;
    }
    const struct sl_template **slot =
        (const struct sl_template **)(void *)((char *)a->inst + tp->offset);
    if (*slot == NULL) {
        return;
    }
    int confine = cp == NULL || *(const int *)(const void *)((const char *)a->inst + cp->offset);
    const char *first = NULL;
    size_t n = sl_tpl_unconfined(*slot, &first);
    if (n == 0) {
        return;
    }
    if (confine) {
        *slot = sl_tpl_confined(e->tpls, *slot);
        return;
    }
    sl_cfg_warn(&ai->loc, "%s: dynaFile template '%s' is not confined (dynaFileConfine=\"off\"): "
                          "%zu propert%s without secpath-replace (first: '%s') can make it write "
                          "outside its directory (a value such as \"../x\")", what,
                sl_template_name(*slot), n, n == 1 ? "y" : "ies", first != NULL ? first : "?");
}

/* Runs the create() of module m's plugin for one instance (inst; ctx for an input, NULL for
 * an action) with the object's configuration location loc set for the plugin's log calls
 * (sl_log_plugin_loc), and reports the result at loc: a refusal as "WHAT: the input|action
 * could not be created" followed by `then` (what the daemon does without it), an error it
 * runs past when soft, else a hard one.  0 when the instance was created (or the plugin has
 * no create()), -1 when the plugin refused it.
 * Errors create() logged while it still created the instance: report_corrected(). */
static int create_instance(struct sl_module_rt *m, void *inst, struct sl_input_ctx *ctx,
                           const struct sl_loc *loc, const char *what, int soft,
                           const char *then)
{
    const struct sl_plugin *pl = m->pl;
    int (*out_create)(void *, void *, const struct sl_host *) =
        ctx != NULL ? NULL : (pl->kinds & SL_OUTPUT) ? pl->out->create : pl->mod->create;
    if (ctx == NULL && out_create == NULL) {
        return 0;
    }
    const char *part = ctx != NULL ? "input" : "action";
    int logged = sl_log_errors_logged();
    sl_log_plugin_loc(loc);
    int crc = ctx != NULL ? pl->in->create(inst, m->modconf, &host, ctx)
                          : out_create(inst, m->modconf, &host);
    sl_log_plugin_loc(NULL);
    if (crc != 0) {
        if (soft) {
            sl_cfg_error_soft(loc, "%s: the %s could not be created%s", what, part, then);
        } else {
            sl_cfg_error(loc, "%s: the %s could not be created%s", what, part, then);
        }
        return -1;
    }
    report_corrected(logged, loc, what, ctx != NULL ? "the input" : "the action");
    return 0;
}

static void build_action(struct sl_engine *e, struct sl_action_ir *ai)
{
    const char *type = kv_str(ai->kv, "type");
    if (type == NULL) {
        sl_cfg_error(&ai->loc, "action(): parameter 'type' is missing");
        return;
    }
    struct sl_module_rt *m = find_module(e, type);
    if (m == NULL && is_skipped(e, type)) {
        sl_cfg_warn(&ai->loc, "action of skipped module '%s' ignored", type);
        mark_all_used(ai->kv);
        return;
    }
    if (m == NULL && in_list(e->failed, e->nfailed, type)) {
        mark_all_used(ai->kv);   /* its module(load=) failed: reported there */
        return;
    }
    if (m == NULL) {
        for (int i = 0; unsupported_actions[i] != NULL; i++) {
            if (strcasecmp(type, unsupported_actions[i]) == 0) {
                sl_cfg_warn(&ai->loc, "action type '%s' is not supported yet: action ignored",
                            type);
                for (struct sl_kv *kv = ai->kv; kv != NULL; kv = kv->next) {
                    kv->used = 1;
                }
                return;
            }
        }
        /* rsyslog 8.2302 ("module name '...' is unknown") disables the action and runs */
        sl_cfg_error_soft(&ai->loc, "action type '%s' is unknown: module not loaded or not a "
                                    "sluice module (add module(load=\"%s\")?), action disabled",
                          type, type);
        mark_all_used(ai->kv);
        return;
    }
    if (!(m->pl->kinds & (SL_OUTPUT | SL_MODIFIER))) {
        sl_cfg_error_soft(&ai->loc, "module '%s' is neither an output nor a message "
                                    "modification module, action disabled", type);
        mark_all_used(ai->kv);
        return;
    }
    /* rsyslog 8.2302 reports an undefined template= and disables the action; the rest of
     * the configuration runs (soft error: -N1 still fails) */
    const char *tn_use = kv_str(ai->kv, "template");
    if (tn_use != NULL && sl_tpl_find(e->tpls, tn_use) == NULL) {
        char hint[200];
        sl_cfg_error_soft(&sl_kv_find(ai->kv, "template")->loc, "action '%s': template '%s' "
                          "is not defined, action disabled%s", type, tn_use,
                          sl_tpl_suggest(e->tpls, tn_use, hint, sizeof hint));
        mark_all_used(ai->kv);
        return;
    }
    struct sl_action_rt *a = sl_xcalloc(1, sizeof *a);
    a->eng = e;
    a->ir = ai;
    a->mod = m;
    a->pl = m->pl;
    a->index = e->nactions;
    pthread_mutex_init(&a->wrk_lock, NULL);
    pthread_mutex_init(&a->direct_lock, NULL);
    pthread_mutex_init(&a->err_lock, NULL);
    a->err_fd = -1;
    char what[256];
    snprintf(what, sizeof what, "action '%s'", type);
    struct sl_param_resolver res = { resolve_tpl, resolve_ruleset, e, resolve_suggest };
    /* rsyslog 8.2302 (cnfstmtNewAct): a parameter it cannot take (bad value, missing
     * required one) or a module that refuses the instance disables that action only, the
     * rest of the configuration runs (soft scope: -N1 still fails; sluice.strictConfig
     * refuses to start) */
    check_queue_cry(ai->kv, what);
    queue_defaults(&a->qc, 0);
    int soft = sl_cfg_soft_begin();
    apply_queue_params(e, &a->qc, ai->kv, what, &ai->loc);
    if (sl_cfg_soft_end(soft) != 0) {
        /* rsyslog 8.2302 (qqueueApplyCnfParam): queue parameters in error are reported and
         * all of them ignored; the action runs with its default queue */
        sl_params_free(queue_params, &a->qc);
        queue_defaults(&a->qc, 0);
    }
    soft = sl_cfg_soft_begin();
    sl_params_apply(action_params, &a->ac, ai->kv, &res, what, &ai->loc);
    pthread_mutex_init(&a->rep_lock, NULL);
    pthread_mutex_init(&a->gate_lock, NULL);
    sl_exec_gate_init(&a->gate, a->ac.exec_every_nth, a->ac.exec_nth_timeout,
                      a->ac.exec_once_every, (int64_t)time(NULL));
    a->gate_on = sl_exec_gate_active(&a->gate);
    /* the outputs rsyslog reports as compatible with repeated-message reduction say so */
    a->rep_on = e->g.reduce_repeated && (a->pl->flags & SL_PF_REPEAT_REDUCTION) != 0;
    a->inst = a->pl->inst_size ? sl_xcalloc(1, a->pl->inst_size) : NULL;
    if (a->inst != NULL) {
        sl_params_apply(a->pl->inst_params, a->inst, ai->kv, &res, what, &ai->loc);
    }
    int errs = sl_cfg_soft_end(soft);
    if (a->inst != NULL && errs == 0) {
        confine_dynafile(e, a, ai, what);
    }
    /* an unknown parameter is reported, and the action still runs (rsyslog's
     * nvlstChkUnused) */
    soft = sl_cfg_soft_begin();
    sl_params_check_unused(ai->kv, what, action_accepted);
    sl_cfg_soft_end(soft);
    char nm[300];
    if (a->ac.name != NULL) {
        snprintf(nm, sizeof nm, "%s", a->ac.name);
    } else if (ai->name != NULL) {
        snprintf(nm, sizeof nm, "%s", ai->name);
    } else {
        snprintf(nm, sizeof nm, "action-%zu-%s", e->nactions, a->pl->name);
    }
    a->name = sl_xstrdup(nm);
    ai->rt = a;
    e->actions = sl_xrealloc(e->actions, (e->nactions + 1) * sizeof *e->actions);
    e->actions[e->nactions++] = a;
    a->is_mod = !(a->pl->kinds & SL_OUTPUT);
    if (errs != 0) {
        sl_cfg_note(&ai->loc, "%s: errors in its parameters (see above), action disabled",
                    what);
    } else if (create_instance(m, a->inst, NULL, &ai->loc, what, 1, ", action disabled")
               != 0) {
        return;
    }
    a->created = errs == 0;
    if (!a->created) {
        a->qc.type = SL_QT_DIRECT;   /* disabled: no queue, no workers, no spool */
    }
    if (a->is_mod && a->qc.type != SL_QT_DIRECT) {
        sl_cfg_warn(&ai->loc, "%s: a message modification module runs inline; its queue "
                              "settings are ignored", what);
        a->qc.type = SL_QT_DIRECT;
    }
    a->queued = a->qc.type != SL_QT_DIRECT;
    if (a->queued && (a->qc.type == SL_QT_DISK || a->qc.filename != NULL)) {
        const char *dir = a->qc.spool_dir != NULL ? a->qc.spool_dir : e->g.work_directory;
        if (a->qc.filename == NULL) {
            sl_cfg_error(&ai->loc, "%s: queue.type=\"Disk\" needs queue.filename", what);
        } else if (dir == NULL) {
            sl_cfg_error(&ai->loc, "%s: queue.filename needs a directory: set "
                                   "global(workDirectory=...) or queue.spoolDirectory", what);
        } else {
            a->da = da_new(e, &a->qc, dir, a->qc.filename, a->name, &a->ring, 1);
        }
    }
    if (a->queued) {
        sl_ring_init(&a->ring, (size_t)a->qc.size);
        char qn[320];
        snprintf(qn, sizeof qn, "%s queue", a->name);
        ring_limits_setup(&a->ring, &a->qc, 1, &a->q_nf);
        a->c_discard_full = &a->q_full;
        a->nthr = (size_t)a->qc.workers;
        a->thr = sl_xcalloc(a->nthr, sizeof *a->thr);
        e->nworkers_max += a->nthr;
    }
    /* rsyslog's core.action set, in its order; sluice's own counters in a set of their own
     * so the rsyslog line keeps rsyslog's keys */
    a->c_processed = counter_in_set(e, a->name, "core.action", "processed");
    a->c_failed = counter_in_set(e, a->name, "core.action", "failed");
    a->c_suspended = counter_in_set(e, a->name, "core.action", "suspended");
    a->c_susp_dur = counter_in_set(e, a->name, "core.action", "suspended.duration");
    a->c_resumed = counter_in_set(e, a->name, "core.action", "resumed");
    a->c_discarded = sluice_counter(e, a->name, "sluice.action", "discarded");
    if (a->ac.error_file != NULL) {
        a->c_errfile = sluice_counter(e, a->name, "sluice.action", "errorfile.written");
        a->c_errfile_lost = sluice_counter(e, a->name, "sluice.action", "errorfile.failed");
    }
    if (a->ac.error_file != NULL && !a->is_mod) {
        /* the record's "template0" is the action's template as rsyslog renders it; sluice
         * takes it from template= (or the legacy default) and the module's default */
        const char *tn = kv_str(ai->kv, "template");
        if (tn == NULL && SL_PLUGIN_HAS(a->pl, default_template)) {
            tn = a->pl->default_template;
        }
        if (tn == NULL) {
            tn = "RSYSLOG_FileFormat";
        }
        a->err_tpl = sl_tpl_find(e->tpls, tn);
    }
    if (a->da != NULL) {
        a->da->c_lost = a->c_discarded;
    }
    action_flight_setup(e, a);
}

static void walk_actions(struct sl_engine *e, struct sl_stmt *st)
{
    for (; st != NULL; st = st->next) {
        switch (st->type) {
        case SL_ST_ACTION:
            build_action(e, &st->u.act);
            break;
        case SL_ST_IF:
            walk_actions(e, st->u.cond.then_);
            walk_actions(e, st->u.cond.else_);
            break;
        case SL_ST_PRIFILT:
            walk_actions(e, st->u.prifilt.then_);
            break;
        case SL_ST_PROPFILT:
            walk_actions(e, st->u.propfilt.then_);
            break;
        case SL_ST_FOREACH:
            walk_actions(e, st->u.foreach_.body);
            break;
        default:
            break;
        }
    }
}

static void input_counters(struct sl_engine *e, struct sl_input_ctx *ctx, struct sl_kv *kvs,
                           const char *name);

/* SL_PF_THREADED inputs (ABI 1.4): the core binds input(threads=N), 1..SL_INPUT_THREADS_MAX.
 * Not given: the default of the plugin's own input parameter `threads` if it has one with a
 * default, else the module's `threads` parameter if the plugin has one (rsyslog's imudp has
 * it as a module parameter), else 1.  Sets ctx->nthreads; other inputs keep 0 (one thread
 * running run()).  Returns the number of errors. */
#define SL_INPUT_THREADS_MAX 64
static int bind_input_threads(struct sl_input_ctx *ctx, struct sl_kv *kvs, const char *what,
                              const struct sl_loc *loc)
{
    static const struct sl_param threads_param[] = {
        { "threads", SL_PT_POSINT, 0, 0, NULL, NULL, NULL,
          "threads running the input (inputs that support it)" },
        SL_PARAM_END
    };
    const struct sl_plugin *pl = ctx->mod->pl;
    if (!(pl->flags & SL_PF_THREADED)) {
        return 0;
    }
    if (pl->abi_minor < 4 || pl->in->run_thread == NULL) {
        sl_cfg_error(loc, "%s: module '%s' is flagged threaded but has no run_thread()", what,
                     pl->name);
        return 1;
    }
    int64_t n = 0;
    int errs = sl_params_apply(threads_param, &n, kvs, NULL, what, loc);
    /* a plugin that declares `threads` itself (to know it before run_thread, e.g. to bind
     * as many sockets in open()) gets the same value: its instance's, default included */
    for (const struct sl_param *p = pl->inst_params; n == 0 && p != NULL && p->name != NULL;
         p++) {
        if (strcasecmp(p->name, "threads") == 0 && ctx->inst != NULL &&
            (p->type == SL_PT_POSINT || p->type == SL_PT_NONNEG || p->type == SL_PT_INT)) {
            n = *(const int64_t *)(const void *)((const char *)ctx->inst + p->offset);
        }
    }
    for (const struct sl_param *p = pl->module_params; n == 0 && p != NULL && p->name != NULL;
         p++) {
        if (strcasecmp(p->name, "threads") == 0 && ctx->mod->modconf != NULL &&
            (p->type == SL_PT_POSINT || p->type == SL_PT_NONNEG || p->type == SL_PT_INT)) {
            n = *(const int64_t *)(const void *)((const char *)ctx->mod->modconf + p->offset);
        }
    }
    if (n <= 0) {
        n = 1;
    }
    if (n > SL_INPUT_THREADS_MAX) {
        sl_cfg_error(loc, "%s: threads=%lld is more than %d", what, (long long)n,
                     SL_INPUT_THREADS_MAX);
        errs++;
        n = 1;
    }
    ctx->nthreads = (unsigned)n;
    return errs;
}

/* Inputs flagged SL_PF_MODULE_INSTANCE run as soon as their module is loaded (rsyslog's
 * imuxsock system socket, imklog): one instance with default parameters, bound to the
 * default ruleset, named after the module. */
static void build_module_inputs(struct sl_engine *e)
{
    for (struct sl_module_rt *m = e->modules; m != NULL; m = m->next) {
        if (!(m->pl->kinds & SL_INPUT) || !(m->pl->flags & SL_PF_MODULE_INSTANCE) ||
            m->pl->in == NULL) {
            continue;
        }
        struct sl_input_ctx *ctx = sl_xcalloc(1, sizeof *ctx);
        ctx->eng = e;
        ctx->mod = m;
        ctx->loc = m->loc;
        ctx->no_delay = (m->pl->flags & SL_PF_NO_DELAY) != 0;
        ctx->rs = e->default_rs;
        /* the module's ruleset= (impstats) binds the instance's messages */
        for (struct sl_obj *o = e->cnf->objs; o != NULL; o = o->next) {
            const char *ld = o->type == SL_OBJ_MODULE ? kv_str(o->kv, "load") : NULL;
            const char *rsn = ld != NULL && strcasecmp(ld, m->pl->name) == 0
                                  ? kv_str(o->kv, "ruleset") : NULL;
            if (rsn != NULL && find_ruleset(e, rsn) != NULL) {
                ctx->rs = find_ruleset(e, rsn);
            } else if (rsn != NULL) {
                char hint[200];
                sl_cfg_error_soft(&sl_kv_find(o->kv, "ruleset")->loc, "module '%s': ruleset "
                                  "'%s' is not defined, using the default ruleset%s", ld, rsn,
                                  sl_cnf_ruleset_suggest(e->cnf, rsn, hint, sizeof hint));
            }
        }
        ctx->inputname = sl_xstrdup(m->pl->name);
        char what[256];
        snprintf(what, sizeof what, "module '%s'", m->pl->name);
        int errs = 0;
        ctx->inst = m->pl->inst_size ? sl_xcalloc(1, m->pl->inst_size) : NULL;
        if (ctx->inst != NULL) {
            errs += sl_params_apply(m->pl->inst_params, ctx->inst, NULL, NULL, what, &m->loc);
        }
        errs += bind_input_threads(ctx, NULL, what, &m->loc);
        input_counters(e, ctx, NULL, ctx->inputname);
        e->inputs = sl_xrealloc(e->inputs, (e->ninputs + 1) * sizeof *e->inputs);
        e->inputs[e->ninputs++] = ctx;
        if (errs == 0 && create_instance(m, ctx->inst, ctx, &m->loc, what, 0, "") != 0) {
            continue;
        }
        ctx->created = errs == 0;
    }
}

/* rsyslog's statistics object names for inputs, from the plugin's stats_set format when
 * port= (or imptcp's path=, in the place of the port) is given ("NAME(514)" for imtcp, "NAME(ADDR/514/IPv4)" for imudp and imptcp, ADDR
 * "*" when unset: its listener per address family is one set here), else the input name. */
static void stats_set_name(char *set, size_t size, const char *fmt, const char *name,
                           const char *port, const char *addr)
{
    size_t o = 0;
    set[0] = '\0';
    for (const char *f = fmt; *f != '\0' && o + 1 < size; f++) {
        const char *ins = NULL;
        char c[2] = { *f, '\0' };
        if (*f == '%' && f[1] != '\0') {
            f++;
            ins = *f == 'n' ? name : *f == 'p' ? port : *f == 'a' ? addr : *f == '%' ? "%" : "";
        } else {
            ins = c;
        }
        int w = snprintf(set + o, size - o, "%s", ins);
        o = w < 0 ? o : o + (size_t)w >= size ? size - 1 : o + (size_t)w;
    }
}

static void input_counters(struct sl_engine *e, struct sl_input_ctx *ctx, struct sl_kv *kvs,
                           const char *name)
{
    const struct sl_plugin *pl = ctx->mod->pl;
    const char *mod = pl->name;
    struct sl_kv *pk = sl_kv_find(kvs, "port");
    if (pk == NULL) {
        pk = sl_kv_find(kvs, "path");   /* imptcp path=: the path stands for the port */
    }
    const char *port = pk == NULL ? NULL : pk->is_array ? (pk->arr.n ? pk->arr.v[0] : NULL)
                                                       : pk->str;
    struct sl_kv *ak = sl_kv_find(kvs, "address");
    const char *addr = ak != NULL && !ak->is_array && ak->str != NULL ? ak->str : "*";
    const char *fmt = SL_PLUGIN_HAS(pl, stats_set) ? pl->stats_set : NULL;
    char set[512];
    if (port != NULL && fmt != NULL) {
        stats_set_name(set, sizeof set, fmt, name, port, addr);
    } else {
        snprintf(set, sizeof set, "%s", name);
    }
    ctx->c_submitted = counter_in_set(e, set, mod, "submitted");
    if (SL_PLUGIN_HAS(pl, stats_counters) && pl->stats_counters != NULL) {
        for (size_t i = 0; pl->stats_counters[i] != NULL; i++) {
            counter_in_set(e, set, mod, pl->stats_counters[i]);   /* rsyslog's keys, 0 */
        }
    }
    ctx->c_dropped = sluice_counter(e, set, "sluice.input", "dropped.queue_full");
}

/* Whether the plugin declares input parameter `name`. */
static int declares_param(const struct sl_plugin *pl, const char *name)
{
    for (const struct sl_param *p = pl->inst_params; p != NULL && p->name != NULL; p++) {
        if (strcasecmp(p->name, name) == 0) {
            return 1;
        }
    }
    return 0;
}

/* kv `name` of an input, when its plugin declares that parameter (else NULL). */
static struct sl_kv *declared_kv(const struct sl_plugin *pl, struct sl_kv *kvs, const char *name)
{
    return declares_param(pl, name) ? sl_kv_find(kvs, name) : NULL;
}

/* name.appendPort (rsyslog 8.2302's imudp; inputname.appendPort its deprecated form) and
 * the deprecated inputname= beside name=: each pair is declared by the plugin, and giving
 * both of a pair is an error for which rsyslog drops the input (-1).  *base: the input name
 * (the module's unless named); *append: the bool set (a bad value is reported when the
 * parameters are bound). */
static int input_naming(const struct sl_plugin *pl, struct sl_kv *kvs, const struct sl_loc *loc,
                        const char **base, int *append)
{
    struct sl_kv *nk = sl_kv_find(kvs, "name");
    struct sl_kv *ik = declared_kv(pl, kvs, "inputname");
    struct sl_kv *ak = declared_kv(pl, kvs, "name.appendPort");
    struct sl_kv *dk = declared_kv(pl, kvs, "inputname.appendPort");
    if ((nk != NULL && ik != NULL) || (ak != NULL && dk != NULL)) {
        sl_cfg_error(loc, "input '%s': %s parameters specified - only one can be used",
                     pl->name, nk != NULL && ik != NULL ? "name and inputname"
                                                        : "name.appendPort and inputname.appendPort");
        return -1;
    }
    nk = nk != NULL ? nk : ik;
    *base = nk != NULL && !nk->is_array && nk->str != NULL ? nk->str : pl->name;
    ak = ak != NULL ? ak : dk;
    *append = 0;
    if (ak != NULL && !ak->is_array && ak->str != NULL) {
        (void)sl_param_parse_bool(ak->str, append);
    }
    return 0;
}

/* The port= text of listener i as written (rsyslog appends it, not the bound number), the
 * plugin's default when port= is not given. */
static const char *port_text(const struct sl_plugin *pl, const struct sl_kv *pk, size_t i)
{
    if (pk != NULL) {
        return pk->is_array ? (i < pk->arr.n ? pk->arr.v[i] : "") : pk->str != NULL ? pk->str : "";
    }
    for (const struct sl_param *p = pl->inst_params; p != NULL && p->name != NULL; p++) {
        if (strcasecmp(p->name, "port") == 0 && p->def != NULL) {
            return p->def;
        }
    }
    return "";
}

/* One input context for input() object o.  port_i >= 0: the input is one of the per-port
 * inputs an input with several ports becomes (port= bound to that value alone);
 * append: the inputname gets the port text.  0, or -1 when the parameters
 * had errors. */
static int build_one_input(struct sl_engine *e, struct sl_obj *o, struct sl_module_rt *m,
                           const char *type, struct sl_ruleset_rt *rs, const char *base,
                           int append, long port_i)
{
    struct sl_param_resolver res = { resolve_tpl, resolve_ruleset, e, resolve_suggest };
    struct sl_input_ctx *ctx = sl_xcalloc(1, sizeof *ctx);
    ctx->eng = e;
    ctx->mod = m;
    ctx->loc = o->loc;
    ctx->no_delay = (m->pl->flags & SL_PF_NO_DELAY) != 0;
    /* inputs known to create a batch's messages from one read and submit them before
     * they wait again (see host_msg_new) */
    ctx->batch_clock = strcmp(m->pl->name, "imtcp") == 0 || strcmp(m->pl->name, "imptcp") == 0
                       || strcmp(m->pl->name, "imudp") == 0;
    ctx->rs = rs;
    struct sl_kv *pk = sl_kv_find(o->kv, "port");
    struct sl_strarr ports = pk != NULL ? pk->arr : (struct sl_strarr){ 0, NULL };
    if (port_i >= 0) {
        pk->arr.v = ports.v + port_i;
        pk->arr.n = 1;
    }
    /* rsyslog's inputname is the module name unless name= is given; its imudp listeners
     * with name.appendPort are named NAME followed by their port= text ("udp514") */
    if (append) {
        const char *pt = port_text(m->pl, pk, 0);
        size_t bl = strlen(base), pl = strlen(pt);
        ctx->inputname = sl_xcalloc(1, bl + pl + 1);
        memcpy(ctx->inputname, base, bl);
        memcpy(ctx->inputname + bl, pt, pl);
    } else {
        ctx->inputname = sl_xstrdup(base);
    }
    char what[256];
    snprintf(what, sizeof what, "input '%s'", type);
    ctx->inst = m->pl->inst_size ? sl_xcalloc(1, m->pl->inst_size) : NULL;
    int errs = 0;
    if (ctx->inst != NULL) {
        errs += sl_params_apply(m->pl->inst_params, ctx->inst, o->kv, &res, what, &o->loc);
    }
    errs += bind_input_threads(ctx, o->kv, what, &o->loc);
    errs += sl_params_check_unused(o->kv, what, NULL);
    /* the statistics set keeps the name without the port (rsyslog names it before it
     * appends): "udp(ADDR/514/IPv4)" */
    input_counters(e, ctx, o->kv, base);
    if (port_i >= 0) {
        pk->arr = ports;
    }
    e->inputs = sl_xrealloc(e->inputs, (e->ninputs + 1) * sizeof *e->inputs);
    e->inputs[e->ninputs++] = ctx;
    /* rsyslog 8.2302 logs a listener it cannot start (port in use, missing TLS files) and
     * runs without it */
    if (errs == 0 && create_instance(m, ctx->inst, ctx, &o->loc, what, 1,
                                     ", running without it") != 0) {
        return 0;
    }
    ctx->created = errs == 0;
    return errs == 0 ? 0 : -1;
}

static void build_inputs(struct sl_engine *e)
{
    build_module_inputs(e);
    for (struct sl_obj *o = e->cnf->objs; o != NULL; o = o->next) {
        if (o->type != SL_OBJ_INPUT) {
            continue;
        }
        const char *type = kv_str(o->kv, "type");
        if (type == NULL) {
            sl_cfg_error(&o->loc, "input(): parameter 'type' is missing");
            continue;
        }
        struct sl_module_rt *m = find_module(e, type);
        if (m == NULL && is_skipped(e, type)) {
            sl_cfg_warn(&o->loc, "input of skipped module '%s' ignored", type);
            mark_all_used(o->kv);
            continue;
        }
        if (m == NULL && in_list(e->failed, e->nfailed, type)) {
            mark_all_used(o->kv);   /* its module(load=) failed: reported there */
            continue;
        }
        if (m == NULL) {
            sl_cfg_error(&o->loc, "input module '%s' is not loaded (add module(load=\"%s\") "
                                  "before the input)", type, type);
            continue;
        }
        if (!(m->pl->kinds & SL_INPUT)) {
            sl_cfg_error(&o->loc, "module '%s' is not an input module", type);
            continue;
        }
        const char *rsname = kv_str(o->kv, "ruleset");
        /* no ruleset= on the input: the module's ruleset= (rsyslog's imrelp takes its
         * inputs' default ruleset from module(load="imrelp" ruleset="...")) */
        for (struct sl_obj *mo = e->cnf->objs; rsname == NULL && mo != NULL; mo = mo->next) {
            const char *ld = mo->type == SL_OBJ_MODULE ? kv_str(mo->kv, "load") : NULL;
            if (ld != NULL && strcasecmp(ld, type) == 0) {
                rsname = kv_str(mo->kv, "ruleset");
            }
        }
        struct sl_ruleset_rt *rs = e->default_rs;
        if (rsname != NULL) {
            rs = find_ruleset(e, rsname);
            if (rs == NULL) {
                /* rsyslog 8.2302 logs this and binds the input to the default ruleset */
                struct sl_kv *rk = sl_kv_find(o->kv, "ruleset");
                char hint[200];
                sl_cfg_error_soft(rk != NULL ? &rk->loc : &o->loc, "input '%s': ruleset '%s' is "
                                  "not defined, using the default ruleset%s", type, rsname,
                                  sl_cnf_ruleset_suggest(e->cnf, rsname, hint, sizeof hint));
                rs = e->default_rs;
            }
        }
        (void)kv_str(o->kv, "name");   /* the core's parameter */
        const char *base;
        int append;
        if (input_naming(m->pl, o->kv, &o->loc, &base, &append) != 0) {
            mark_all_used(o->kv);
            continue;
        }
        /* Several ports on an input whose plugin has rsyslog's imudp listener model (it
         * declares name.appendPort): rsyslog 8.2302's imudp makes a listener per port=
         * value, with or without name.appendPort, each with its own rate limiter and
         * statistics object (and, with name.appendPort, named after its port); here each
         * becomes an input of its own (instance, sockets, threads, limiter, counters) */
        struct sl_kv *pk = sl_kv_find(o->kv, "port");
        size_t nsplit = declares_param(m->pl, "name.appendPort") && pk != NULL && pk->is_array
                        && pk->arr.n > 1 ? pk->arr.n : 0;
        if (nsplit == 0) {
            build_one_input(e, o, m, type, rs, base, append, -1);
        }
        for (size_t i = 0; i < nsplit; i++) {
            if (build_one_input(e, o, m, type, rs, base, append, (long)i) != 0) {
                break;   /* the same errors for every port: reported once */
            }
        }
    }
}

struct sl_engine *sl_engine_build(struct sl_cnf *cnf, const struct sl_engine_opts *o)
{
    struct sl_engine *e = sl_xcalloc(1, sizeof *e);
    e->cnf = cnf;
    e->opts = *o;
    pthread_mutex_init(&e->counters_lock, NULL);
    pthread_mutex_init(&e->sleep_lock, NULL);
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&e->sleep_cv, &ca);
    pthread_condattr_destroy(&ca);
    cur_engine = e;
    e->c_internal_dropped = counter_new(e, "sluiced", "", "internal.dropped");
    e->c_noparser = counter_new(e, "sluiced", "", "parser.discarded");
    e->c_unzip_done = counter_new(e, "sluiced", "", "parser.uncompress.done");
    e->c_unzip_bad = counter_new(e, "sluiced", "", "parser.uncompress.badData");
    e->c_unzip_large = counter_new(e, "sluiced", "", "parser.uncompress.tooLarge");
    e->tpls = sl_tpl_registry_new();
    sl_expr_bind_lookups(cnf);   /* lookup_table() files are read and checked at load time */
    build_globals(e);
    build_templates(e);
    sl_expr_bind_templates(cnf, e->tpls, sl_tpl_find, sl_template_render);   /* exec_template() */
    build_modules(e);
    build_rulesets(e);
    for (size_t i = 0; i < e->nrulesets; i++) {
        walk_actions(e, e->rulesets[i]->ir->stmts);
    }
    /* action.execOnlyWhenPreviousIsSuspended: the action before a failover action must not
     * stall on failure (see action_try) */
    for (size_t i = 1; i < e->nactions; i++) {
        if (e->actions[i]->ac.exec_when_prev_suspended) {
            e->actions[i - 1]->has_backup = 1;
        }
    }
    build_inputs(e);
    sl_report_rsyslog_queue_files(e);   /* core/takeover.c */
    return e;
}
