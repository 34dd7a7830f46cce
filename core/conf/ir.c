/*
 * ir.c - construction, lookup and destruction of the configuration IR (conf/ir.h).
 *
 * Ownership: every object, kv, statement, ruleset and interned file name hangs off the
 * struct sl_cnf and is released by sl_cnf_free(); engine `rt` pointers are never freed here.
 * Concurrency & locking: built on the main thread; read-only afterwards.
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "conf/conf_int.h"
#include "expr/expr.h"
#include "log.h"
#include "util/buf.h"
#include "util/strutil.h"

void sl_perr(struct sl_pstate *ps, const struct sl_loc *loc, const char *fmt, ...)
{
    char buf[2048];
    va_list ap;
    (void)ps;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    sl_cfg_error(loc, "%s", buf);
}

void sl_perr_soft(struct sl_pstate *ps, const struct sl_loc *loc, const char *fmt, ...)
{
    char buf[2048];
    va_list ap;
    (void)ps;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    sl_cfg_error_soft(loc, "%s", buf);
}

void sl_pwarn(struct sl_pstate *ps, const struct sl_loc *loc, const char *fmt, ...)
{
    char buf[2048];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    sl_cfg_warn(loc, "%s", buf);
    ps->cnf->nwarnings++;
}

const char *sl_cnf_intern_file(struct sl_cnf *c, const char *name)
{
    for (size_t i = 0; i < c->nfiles; i++) {
        if (strcmp(c->files[i], name) == 0) {
            return c->files[i];
        }
    }
    c->files = sl_xrealloc(c->files, (c->nfiles + 1) * sizeof *c->files);
    c->files[c->nfiles] = sl_xstrdup(name);
    return c->files[c->nfiles++];
}

struct sl_kv *sl_kv_new(const char *name, const char *val, struct sl_loc loc, int implicit)
{
    struct sl_kv *kv = sl_xcalloc(1, sizeof *kv);
    kv->name = sl_xstrdup(name);
    kv->str = val != NULL ? sl_xstrdup(val) : NULL;
    kv->loc = loc;
    kv->implicit = implicit;
    return kv;
}

void sl_kv_append(struct sl_kv **list, struct sl_kv *kv)
{
    while (*list != NULL) {
        list = &(*list)->next;
    }
    *list = kv;
}

void sl_strarr_free(struct sl_strarr *a)
{
    for (size_t i = 0; i < a->n; i++) {
        free(a->v[i]);
    }
    free(a->v);
    a->v = NULL;
    a->n = 0;
}

void sl_kv_free_list(struct sl_kv *kv)
{
    while (kv != NULL) {
        struct sl_kv *n = kv->next;
        free(kv->name);
        free(kv->str);
        sl_strarr_free(&kv->arr);
        free(kv);
        kv = n;
    }
}

struct sl_kv *sl_kv_copy_list(const struct sl_kv *kv)
{
    struct sl_kv *head = NULL, **tail = &head;
    for (; kv != NULL; kv = kv->next) {
        struct sl_kv *c = sl_kv_new(kv->name, kv->str, kv->loc, kv->implicit);
        c->vloc = kv->vloc;
        c->is_array = kv->is_array;
        if (kv->is_array) {
            c->arr.n = kv->arr.n;
            c->arr.v = sl_xcalloc(kv->arr.n ? kv->arr.n : 1, sizeof(char *));
            for (size_t i = 0; i < kv->arr.n; i++) {
                c->arr.v[i] = sl_xstrdup(kv->arr.v[i]);
            }
        }
        *tail = c;
        tail = &c->next;
    }
    return head;
}

void sl_kv_remove(struct sl_kv **list, const char *name)
{
    while (*list != NULL) {
        if (strcasecmp((*list)->name, name) == 0) {
            struct sl_kv *d = *list;
            *list = d->next;
            d->next = NULL;
            sl_kv_free_list(d);
        } else {
            list = &(*list)->next;
        }
    }
}

void sl_kv_set_implicit(struct sl_kv **list, const char *name, const char *val,
                        struct sl_loc loc)
{
    sl_kv_remove(list, name);
    sl_kv_append(list, sl_kv_new(name, val, loc, 1));
}

struct sl_kv *sl_kv_find(struct sl_kv *list, const char *name)
{
    for (; list != NULL; list = list->next) {
        if (strcasecmp(list->name, name) == 0) {
            return list;
        }
    }
    return NULL;
}

struct sl_obj *sl_obj_new(enum sl_obj_type t, struct sl_loc loc)
{
    struct sl_obj *o = sl_xcalloc(1, sizeof *o);
    o->type = t;
    o->loc = loc;
    return o;
}

void sl_obj_free(struct sl_obj *o)
{
    while (o != NULL) {
        struct sl_obj *n = o->next;
        sl_kv_free_list(o->kv);
        sl_obj_free(o->children);
        free(o);
        o = n;
    }
}

void sl_cnf_add_obj(struct sl_pstate *ps, struct sl_obj *o)
{
    if (o->type == SL_OBJ_MODULE) {
        /* function modules (fmhash) make their functions known from here on */
        struct sl_kv *l = sl_kv_find(o->kv, "load");
        if (l != NULL && l->str != NULL) {
            sl_expr_fmod_load(l->str);
        }
    }
    if (ps->obj_tail == NULL) {
        struct sl_obj **p = &ps->cnf->objs;
        while (*p != NULL) {
            p = &(*p)->next;
        }
        *p = o;
    } else {
        ps->obj_tail->next = o;
    }
    ps->obj_tail = o;
}

struct sl_stmt *sl_stmt_new(enum sl_stmt_type t, struct sl_loc loc)
{
    struct sl_stmt *s = sl_xcalloc(1, sizeof *s);
    s->type = t;
    s->loc = loc;
    return s;
}

void sl_stmt_append(struct sl_stmt **list, struct sl_stmt *s)
{
    while (*list != NULL) {
        list = &(*list)->next;
    }
    *list = s;
}

void sl_stmt_free_list(struct sl_stmt *s)
{
    while (s != NULL) {
        struct sl_stmt *n = s->next;
        switch (s->type) {
        case SL_ST_ACTION:
            sl_kv_free_list(s->u.act.kv);
            free(s->u.act.name);
            break;
        case SL_ST_IF:
            sl_expr_free(s->u.cond.cond);
            sl_stmt_free_list(s->u.cond.then_);
            sl_stmt_free_list(s->u.cond.else_);
            break;
        case SL_ST_PRIFILT:
            free(s->u.prifilt.text);
            sl_stmt_free_list(s->u.prifilt.then_);
            break;
        case SL_ST_PROPFILT:
            free(s->u.propfilt.prop.path);
            free(s->u.propfilt.value);
            if (s->u.propfilt.re != NULL) {
                regfree(s->u.propfilt.re);
                free(s->u.propfilt.re);
            }
            sl_stmt_free_list(s->u.propfilt.then_);
            break;
        case SL_ST_CALL:
            free(s->u.call.name);
            sl_expr_free(s->u.call.expr);
            break;
        case SL_ST_SET:
        case SL_ST_UNSET:
            free(s->u.set.var.path);
            sl_expr_free(s->u.set.expr);
            break;
        case SL_ST_FOREACH:
            free(s->u.foreach_.var.path);
            sl_expr_free(s->u.foreach_.iter);
            sl_stmt_free_list(s->u.foreach_.body);
            break;
        case SL_ST_RELOAD_LOOKUP:
            free(s->u.reload.table);
            free(s->u.reload.stub);
            sl_lookup_release(s->u.reload.lt);
            break;
        default:
            break;
        }
        free(s);
        s = n;
    }
}

const char *sl_cnf_ruleset_suggest(const struct sl_cnf *c, const char *name, char *buf,
                                   size_t size)
{
    struct sl_suggest sg;
    sl_suggest_init(&sg, name);
    for (const struct sl_ruleset_ir *r = c->rulesets; r != NULL; r = r->next) {
        sl_suggest_add(&sg, r->name);
    }
    return sl_suggest_text(&sg, buf, size);
}

struct sl_ruleset_ir *sl_cnf_ruleset(const struct sl_cnf *c, const char *name)
{
    for (struct sl_ruleset_ir *r = c->rulesets; r != NULL; r = r->next) {
        if (strcmp(r->name, name) == 0) {
            return r;
        }
    }
    return NULL;
}

struct sl_ruleset_ir *sl_ruleset_get(struct sl_pstate *ps, const char *name,
                                     struct sl_loc loc, int create)
{
    struct sl_ruleset_ir *r = sl_cnf_ruleset(ps->cnf, name);
    if (r != NULL || !create) {
        return r;
    }
    r = sl_xcalloc(1, sizeof *r);
    r->name = sl_xstrdup(name);
    r->loc = loc;
    struct sl_ruleset_ir **p = &ps->cnf->rulesets;
    while (*p != NULL) {
        p = &(*p)->next;
    }
    *p = r;
    return r;
}

/* Modules rsyslog 8.2302 has built in: their actions are named "builtin:<name>". */
static int is_builtin_module(const char *t)
{
    static const char *const b[] = { "omfile", "omfwd", "ompipe", "omusrmsg", "omdiscard",
                                     "omshell", NULL };
    for (size_t i = 0; b[i] != NULL; i++) {
        if (strcasecmp(b[i], t) == 0) {
            return 1;
        }
    }
    return 0;
}

/* only_template: action() objects take just the default template from the legacy
 * directives ($ActionFileDefaultTemplate, $ActionForwardDefaultTemplate); the other
 * settings ($FileOwner, $FileCreateMode, $CreateDirs, ...) reach legacy actions only, as
 * rsyslog 8.2302 does (checked by running it: action(type="omfile") ignores them). */
static void add_defaults(struct sl_kv **list, const struct sl_kv *defs, int only_template)
{
    for (; defs != NULL; defs = defs->next) {
        if (only_template && strcasecmp(defs->name, "template") != 0) {
            continue;
        }
        if (sl_kv_find(*list, defs->name) == NULL) {
            sl_kv_append(list, sl_kv_new(defs->name, defs->str, defs->loc, 1));
        }
    }
}

void sl_action_finish(struct sl_pstate *ps, struct sl_stmt *st, int legacy)
{
    struct sl_action_ir *a = &st->u.act;
    struct sl_kv *type = sl_kv_find(a->kv, "type");
    const char *t = (type != NULL && !type->is_array && type->str != NULL) ? type->str : "";
    int n = ps->nactions++;

    if (legacy) {
        add_defaults(&a->kv, ps->leg.action_once, 0);
        add_defaults(&a->kv, ps->leg.action_all, 0);
        add_defaults(&a->kv, ps->leg.action_next_legacy, 0);
        sl_kv_free_list(ps->leg.action_next_legacy);
        ps->leg.action_next_legacy = NULL;
    }
    sl_kv_free_list(ps->leg.action_once);
    ps->leg.action_once = NULL;
    add_defaults(&a->kv, sl_legacy_mod_defaults(ps, t), !legacy);
    if (legacy && strcasecmp(t, "ommail") == 0) {
        /* $ActionMailTo accumulates recipients; the next legacy ommail action takes the
         * list and the one after starts without (rsyslog hands it over) */
        if (ps->leg.ommail_to != NULL && sl_kv_find(a->kv, "mailto") == NULL) {
            sl_kv_append(&a->kv, ps->leg.ommail_to);
            ps->leg.ommail_to = NULL;
        }
        sl_kv_free_list(ps->leg.ommail_to);
        ps->leg.ommail_to = NULL;
    }
    struct sl_kv *nm = sl_kv_find(a->kv, "name");
    if (nm != NULL && !nm->is_array && nm->str != NULL) {
        a->name = sl_xstrdup(nm->str);
    } else {
        struct sl_buf b = { 0 };
        sl_buf_printf(&b, "action-%d-%s%s", n, is_builtin_module(t) ? "builtin:" : "", t);
        a->name = b.p;
    }
}

void sl_cnf_free(struct sl_cnf *c)
{
    if (c == NULL) {
        return;
    }
    sl_obj_free(c->objs);
    struct sl_ruleset_ir *r = c->rulesets;
    while (r != NULL) {
        struct sl_ruleset_ir *n = r->next;
        free(r->name);
        sl_kv_free_list(r->kv);
        sl_stmt_free_list(r->stmts);
        free(r);
        r = n;
    }
    for (size_t i = 0; i < c->nfiles; i++) {
        free(c->files[i]);
    }
    free(c->files);
    free(c);
}
