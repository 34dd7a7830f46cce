/*
 * conf/expr_resolve.c - the load-time half of RainerScript expressions:
 * sl_expr_resolve (function calls bound to the function table of expr/functions.c, arity
 * checks, constant arguments compiled, facility/severity text comparisons turned into a
 * priority mask, impossible priority constants rejected), sl_expr_free, and binding
 * lookup() and exec_template() calls to the configuration's lookup tables and the engine's
 * templates (sl_expr_bind_lookups, sl_expr_bind_templates).  Nothing here runs per message.
 *
 * Ownership: resolution stores its results in the nodes (fn, fdata), which belong to the IR.
 * Concurrency & locking: runs on the main thread while the configuration is loaded, before any evaluation.
 */
#include "config.h"

#include <inttypes.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <libfastjson/json.h>

#include "log.h"
#include "util/buf.h"
#include "util/strutil.h"
#include "expr/eval_int.h"

struct bind_ctx {
    const struct sl_cnf *c;
    const struct tpl_binder *tb;   /* set: bind exec_template(); NULL: bind lookup() */
    struct sl_lookup **loaded;
    size_t nloaded;
    const char **failed;   /* names already reported (borrowed from the IR) */
    size_t nfailed;
    int nerr;
};

static struct sl_lookup *bind_fail(struct bind_ctx *b, const char *name)
{
    b->nerr++;
    b->failed = sl_xrealloc(b->failed, (b->nfailed + 1) * sizeof(*b->failed));
    b->failed[b->nfailed++] = name;
    return NULL;
}

/* (own kv search, so that this file does not need ir.c: the unit tests link without it) */
static struct sl_kv *kv_get(struct sl_kv *kv, const char *name)
{
    for (; kv != NULL; kv = kv->next) {
        if (kv->name != NULL && strcasecmp(kv->name, name) == 0) {
            return kv;
        }
    }
    return NULL;
}

static struct sl_lookup *bind_find(struct bind_ctx *b, const char *name, const struct sl_loc *loc)
{
    const struct sl_obj *o;
    struct sl_kv *kn, *kf;
    size_t i;

    for (i = 0; i < b->nloaded; i++) {
        if (strcmp(b->loaded[i]->name, name) == 0) {
            return b->loaded[i];
        }
    }
    for (i = 0; i < b->nfailed; i++) {
        if (strcmp(b->failed[i], name) == 0) {
            return NULL;   /* reported once already */
        }
    }
    for (o = b->c->objs; o != NULL; o = o->next) {
        if (o->type != SL_OBJ_LOOKUP_TABLE) {
            continue;
        }
        kn = kv_get(o->kv, "name");
        if (kn == NULL || kn->is_array || kn->str == NULL || strcmp(kn->str, name) != 0) {
            continue;
        }
        kf = kv_get(o->kv, "file");
        if (kf == NULL || kf->is_array || kf->str == NULL) {
            sl_cfg_error(&o->loc, "lookup_table '%s' needs file=", name);
            return bind_fail(b, name);
        }
        {
            struct sl_lookup *t = lookup_load(name, kf->str, &o->loc);
            if (t == NULL) {
                return bind_fail(b, name);
            }
            t->refs = 1;   /* held by the bind context until the end */
            struct sl_kv *kr = kv_get(o->kv, "reloadOnHUP");
            lookup_register(t, kf->str, kr == NULL || kr->is_array || kr->str == NULL ||
                                            strcmp(kr->str, "off") != 0);
            b->loaded = sl_xrealloc(b->loaded, (b->nloaded + 1) * sizeof(*b->loaded));
            b->loaded[b->nloaded++] = t;
            return t;
        }
    }
    sl_cfg_error(loc, "lookup table '%s' not found (used in function: lookup)", name);
    return bind_fail(b, name);
}

static void bind_expr(struct bind_ctx *b, struct sl_expr *e)
{
    size_t i;

    if (e == NULL) {
        return;
    }
    bind_expr(b, e->l);
    bind_expr(b, e->r);
    for (i = 0; i < e->nargs; i++) {
        bind_expr(b, e->args[i]);
    }
    if (b->tb != NULL) {
        if (e->op == SL_E_FUNC && e->fn != NULL && e->fn->eval == f_exec_template &&
            e->fdata == NULL) {
            const struct sl_template *t = b->tb->find(b->tb->reg, e->args[0]->str);
            if (t == NULL) {
                sl_cfg_error(&e->loc, "exec_template(): template '%s' could not be found",
                             e->args[0]->str);
                b->nerr++;
            } else {
                struct exec_tpl *x = sl_xcalloc(1, sizeof(*x));
                x->tpl = t;
                x->render = b->tb->render;
                e->fdata = x;
            }
        }
        return;
    }
    if (e->op == SL_E_FUNC && e->fn != NULL && e->fn->eval == f_lookup && e->fdata == NULL) {
        struct sl_lookup *t = bind_find(b, e->args[0]->str, &e->loc);
        if (t != NULL) {
            atomic_fetch_add(&t->refs, 1);
            e->fdata = t;
        }
    }
}

static void bind_stmts(struct bind_ctx *b, struct sl_stmt *s)
{
    for (; s != NULL; s = s->next) {
        switch (s->type) {
        case SL_ST_IF:
            bind_expr(b, s->u.cond.cond);
            bind_stmts(b, s->u.cond.then_);
            bind_stmts(b, s->u.cond.else_);
            break;
        case SL_ST_PRIFILT:
            bind_stmts(b, s->u.prifilt.then_);
            break;
        case SL_ST_PROPFILT:
            bind_stmts(b, s->u.propfilt.then_);
            break;
        case SL_ST_SET:
            bind_expr(b, s->u.set.expr);
            break;
        case SL_ST_FOREACH:
            bind_expr(b, s->u.foreach_.iter);
            bind_stmts(b, s->u.foreach_.body);
            break;
        case SL_ST_CALL:
            bind_expr(b, s->u.call.expr);
            break;
        case SL_ST_RELOAD_LOOKUP:
            if (b->tb == NULL && s->u.reload.lt == NULL) {
                struct sl_lookup *t = bind_find(b, s->u.reload.table, &s->loc);
                if (t != NULL) {
                    atomic_fetch_add(&t->refs, 1);
                    s->u.reload.lt = t;
                }
            }
            break;
        default:
            break;
        }
    }
}

int sl_expr_bind_lookups(struct sl_cnf *c)
{
    struct bind_ctx b = { c, NULL, NULL, 0, NULL, 0, 0 };
    struct sl_ruleset_ir *rs;
    size_t i;

    if (c == NULL) {
        return 0;
    }
    for (rs = c->rulesets; rs != NULL; rs = rs->next) {
        bind_stmts(&b, rs->stmts);
    }
    for (i = 0; i < b.nloaded; i++) {
        lookup_unref(b.loaded[i]);
    }
    free(b.loaded);
    free(b.failed);
    return b.nerr;
}

int sl_expr_bind_templates(struct sl_cnf *c, const struct sl_tpl_registry *reg,
                           sl_expr_tpl_find_fn find, sl_expr_tpl_render_fn render)
{
    struct tpl_binder tb = { reg, find, render };
    struct bind_ctx b = { c, &tb, NULL, 0, NULL, 0, 0 };
    struct sl_ruleset_ir *rs;

    if (c == NULL) {
        return 0;
    }
    for (rs = c->rulesets; rs != NULL; rs = rs->next) {
        bind_stmts(&b, rs->stmts);
    }
    return b.nerr;
}

static int resolve_cmp_text(struct sl_expr *e)
{
    struct cmp_mask *cm;
    int v, i;
    const struct sl_expr *l = e->l, *r = e->r;

    if (l == NULL || r == NULL || l->op != SL_E_PROP || r->op != SL_E_STR) {
        return 0;
    }
    if (l->prop.id == SL_PROP_SYSLOGFACILITY_TEXT) {
        v = name_lookup(r->str, strlen(r->str), 1);
        if (v < 0) {
            sl_cfg_error(&e->loc, "invalid facility '%s', expression will always evaluate to "
                         "FALSE", r->str);
            return 1;
        }
        cm = sl_xcalloc(1, sizeof(*cm));
        if (v < 25) {  /* "mark" (SL_FAC_MARK): no received message has it */
            cm->pmask[v] = PRI_ALL;
        }
    } else if (l->prop.id == SL_PROP_SYSLOGSEVERITY_TEXT) {
        v = strcmp(r->str, "*") == 0 ? -1 : name_lookup(r->str, strlen(r->str), 0);
        if (v < 0) {
            sl_cfg_error(&e->loc, "invalid syslogseverity '%s', expression will always "
                         "evaluate to FALSE", r->str);
            return 1;
        }
        cm = sl_xcalloc(1, sizeof(*cm));
        for (i = 0; i < 25; i++) {
            /* "none" (not a severity) selects nothing, as in rsyslog */
            cm->pmask[i] = v <= 7 ? (uint8_t)(1u << v) : 0;
        }
    } else {
        return 0;
    }
    if (e->op == SL_E_NE) {
        for (i = 0; i < 25; i++) {
            cm->pmask[i] = (uint8_t)~cm->pmask[i];
        }
    }
    e->fdata = cm;
    return 0;
}

/* rsyslog rejects $syslogseverity / $syslogfacility compared with an impossible constant
 * (the comparison itself keeps its numeric meaning). */
static int check_pri_range(const struct sl_expr *e)
{
    const struct sl_expr *l = e->l, *r = e->r;

    if (l == NULL || r == NULL || l->op != SL_E_PROP || r->op != SL_E_NUM) {
        return 0;
    }
    if (l->prop.id == SL_PROP_SYSLOGSEVERITY && (r->num < 0 || r->num > 7)) {
        sl_cfg_error(&e->loc, "invalid syslogseverity %" PRId64 ", expression will always "
                     "evaluate to FALSE", r->num);
        return 1;
    }
    if (l->prop.id == SL_PROP_SYSLOGFACILITY && (r->num < 0 || r->num > 24)) {
        sl_cfg_error(&e->loc, "invalid syslogfacility %" PRId64 ", expression will always "
                     "evaluate to FALSE", r->num);
        return 1;
    }
    return 0;
}

int sl_expr_resolve(struct sl_expr *e)
{
    int nerr = 0;
    size_t i;
    const struct sl_func *f;

    if (e == NULL) {
        return 0;
    }
    if (e->l != NULL) {
        nerr += sl_expr_resolve(e->l);
    }
    if (e->r != NULL) {
        nerr += sl_expr_resolve(e->r);
    }
    for (i = 0; i < e->nargs; i++) {
        nerr += sl_expr_resolve(e->args[i]);
    }
    switch (e->op) {
    case SL_E_FUNC:
        if (e->fn != NULL) {
            return nerr;   /* resolved already */
        }
        for (f = sl_expr_functions; f->name != NULL; f++) {
            if (e->fname != NULL && strcmp(f->name, e->fname) == 0) {
                break;
            }
        }
        if (f->name == NULL) {
            struct sl_suggest sg;
            char hint[160] = "";
            if (e->fname != NULL) {
                sl_suggest_init(&sg, e->fname);
                for (f = sl_expr_functions; f->name != NULL; f++) {
                    sl_suggest_add(&sg, f->name);
                }
                sl_suggest_text(&sg, hint, sizeof hint);
            }
            sl_cfg_error(&e->loc, "function '%s' not found%s", e->fname ? e->fname : "", hint);
            return nerr + 1;
        }
        if (e->nargs < f->min_args || e->nargs > f->max_args) {
            if (f->min_args == f->max_args) {
                sl_cfg_error(&e->loc, "number of parameters for %s() must be %u but is %zu",
                             f->name, f->max_args, e->nargs);
            } else if (e->nargs < f->min_args) {
                sl_cfg_error(&e->loc, "number of parameters for %s() must be at least %u but "
                             "is %zu", f->name, f->min_args, e->nargs);
            } else {
                sl_cfg_error(&e->loc, "number of parameters for %s() must be at most %u but "
                             "is %zu", f->name, f->max_args, e->nargs);
            }
            return nerr + 1;
        }
        if (f->init != NULL) {
            int n = f->init(e);
            if (n > 0) {
                return nerr + n;
            }
        }
        e->fn = f;
        break;
    case SL_E_EQ:
    case SL_E_NE:
        if (e->fdata == NULL) {
            nerr += resolve_cmp_text(e);
        }
        nerr += check_pri_range(e);
        break;
    case SL_E_LT:
    case SL_E_LE:
    case SL_E_GT:
    case SL_E_GE:
        nerr += check_pri_range(e);
        break;
    default:
        break;
    }
    return nerr;
}

void sl_expr_free(struct sl_expr *e)
{
    size_t i;

    if (e == NULL) {
        return;
    }
    if (e->fdata != NULL) {
        if (e->op == SL_E_FUNC && e->fn != NULL && e->fn->destroy != NULL) {
            e->fn->destroy(e->fdata);
        } else if (e->op == SL_E_EQ || e->op == SL_E_NE) {
            free(e->fdata);
        }
    }
    sl_expr_free(e->l);
    sl_expr_free(e->r);
    free(e->str);
    for (i = 0; i < e->arr.n; i++) {
        free(e->arr.v[i]);
    }
    free(e->arr.v);
    sl_propref_clear(&e->prop);
    free(e->fname);
    for (i = 0; i < e->nargs; i++) {
        sl_expr_free(e->args[i]);
    }
    free(e->args);
    free(e);
}
