/*
 * rule.c - rule execution: runs a ruleset's statement tree for one message, with rsyslog
 * 8.2302's semantics (scriptExec): statements in order; "stop" ends the processing of the
 * message, also from inside a called ruleset or a foreach body; "call" runs the target's
 * statements inline and continues; property filters compare the rendered property value.
 *
 * Ownership: the statement trees belong to the sl_cnf; this file allocates nothing that
 * outlives a call except the per-thread regex copies (see conf/expr_int.h).
 *
 * Concurrency & locking: statement trees are read-only; many workers run sl_ruleset_exec()
 * at once on different messages.  The message is written (set/unset/foreach variables) only
 * by the worker running it.  Property-filter regexes are matched with a per-thread copy
 * compiled from st->u.propfilt.value, never with the shared st->u.propfilt.re, because
 * glibc's regexec() serialises callers of one regex_t.
 */
#include "config.h"

#include <ctype.h>
#include <regex.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <libfastjson/json.h>

#include "expr/expr.h"
#include "expr/expr_int.h"
#include "conf/ir.h"
#include "log.h"
#include "util/buf.h"
#include "util/strutil.h"

/* Nesting bound (blocks, calls, foreach bodies); rsyslog has none, but a ruleset calling itself
 * would otherwise overflow the worker's stack. */
#define SL_EXEC_MAX_DEPTH 200

static int exec_list(const struct sl_stmt *st, struct sl_msg *m, const struct sl_exec_ops *ops,
                     void *ctx, int depth);

static int has_sub(const char *h, size_t hl, const char *n, size_t nl, int icase)
{
    return nl == 0 || sl_find_bytes(h, hl, n, nl, icase) != NULL;
}

static int eval_propfilt(const struct sl_stmt *st, struct sl_msg *m)
{
    char tmp[SL_PROP_TMP];
    char *to_free = NULL;
    size_t len = 0, vl;
    const char *s, *v = st->u.propfilt.value != NULL ? st->u.propfilt.value : "";
    int r = 0;

    if (st->u.propfilt.prop.id == SL_PROP_INVALID) {
        return 0;   /* as rsyslog: false, even when negated */
    }
    s = sl_msg_prop(m, &st->u.propfilt.prop, &len, tmp, &to_free);
    if (s == NULL) {
        s = "";
        len = 0;
    }
    /* the regex operators do not use the value's length: no strlen() per message for
     * them (~20 instructions on tcp_regex_route) */
    vl = st->u.propfilt.op == SL_PF_REGEX || st->u.propfilt.op == SL_PF_EREREGEX ? 0 : strlen(v);
    switch (st->u.propfilt.op) {
    case SL_PF_CONTAINS:
        r = has_sub(s, len, v, vl, 0);
        break;
    case SL_PF_CONTAINS_I:
        r = has_sub(s, len, v, vl, 1);
        break;
    case SL_PF_ISEQUAL:
        r = len == vl && memcmp(s, v, vl) == 0;
        break;
    case SL_PF_STARTSWITH:
        r = len >= vl && memcmp(s, v, vl) == 0;
        break;
    case SL_PF_STARTSWITH_I:
        r = len >= vl && strncasecmp(s, v, vl) == 0;
        break;
    case SL_PF_ISEMPTY:
        r = len == 0;
        break;
    case SL_PF_REGEX:
    case SL_PF_EREREGEX:
        /* the statement's site id (set once, atomically, by the first match: the only
         * field of the loaded statement that is written) */
        r = sl_re_exec((_Atomic uint64_t *)&st->u.propfilt.re_site, v,
                       (st->u.propfilt.op == SL_PF_EREREGEX ? REG_EXTENDED : 0) | REG_NOSUB,
                       s, len, 0, NULL) == 0;
        break;
    default:
        r = 1;
        break;
    }
    if (to_free != NULL) {
        free(to_free);
    }
    return st->u.propfilt.negate ? !r : r;
}

static int pri_match(const uint8_t *pmask, const struct sl_msg *m)
{
    int fac = m->pri >> 3, sev = m->pri & 7;

    if (fac < 0 || fac > 24) {
        fac = 24;
    }
    return (pmask[fac] & (1u << sev)) != 0;
}

/* The loop variable is about to change: like set/unset, let the host deliver what the body's
 * actions collected, so each one renders the element of its own iteration. */
static void foreach_modify(const struct sl_exec_ops *ops, void *ctx, struct sl_msg *m)
{
    if (ops != NULL && ops->modify != NULL) {
        ops->modify(ctx, m);
    }
}

static int exec_foreach(const struct sl_stmt *st, struct sl_msg *m,
                        const struct sl_exec_ops *ops, void *ctx, int depth)
{
    const struct sl_propref *var = &st->u.foreach_.var;
    const char *path = var->path != NULL ? var->path : "";
    struct fjson_object *coll = sl_expr_eval_json(st->u.foreach_.iter, m);
    int rc = SL_EXEC_CONTINUE, i, n;

    if (coll == NULL) {
        return SL_EXEC_CONTINUE;
    }
    if (fjson_object_is_type(coll, fjson_type_array)) {
        n = fjson_object_array_length(coll);
        for (i = 0; i < n && rc == SL_EXEC_CONTINUE; i++) {
            struct fjson_object *el = fjson_object_array_get_idx(coll, i);
            foreach_modify(ops, ctx, m);
            (void)sl_msg_json_set(m, var->id, path, el != NULL ? fjson_object_get(el) : NULL);
            rc = exec_list(st->u.foreach_.body, m, ops, ctx, depth + 1);
        }
    } else if (fjson_object_is_type(coll, fjson_type_object)) {
        struct fjson_object_iterator it = fjson_object_iter_begin(coll);
        struct fjson_object_iterator end = fjson_object_iter_end(coll);
        while (rc == SL_EXEC_CONTINUE && !fjson_object_iter_equal(&it, &end)) {
            struct fjson_object *entry = fjson_object_new_object();
            struct fjson_object *val = fjson_object_iter_peek_value(&it);
            fjson_object_object_add(entry, "key",
                                    fjson_object_new_string(fjson_object_iter_peek_name(&it)));
            fjson_object_object_add(entry, "value", val != NULL ? fjson_object_get(val) : NULL);
            foreach_modify(ops, ctx, m);
            (void)sl_msg_json_set(m, var->id, path, entry);
            rc = exec_list(st->u.foreach_.body, m, ops, ctx, depth + 1);
            fjson_object_iter_next(&it);
        }
    } else {
        fjson_object_put(coll);
        return SL_EXEC_CONTINUE;
    }
    if (rc == SL_EXEC_CONTINUE) {
        foreach_modify(ops, ctx, m);
        (void)sl_msg_json_unset(m, var->id, path);
    }
    fjson_object_put(coll);
    return rc;
}

/* call_indirect: the ruleset named by the expression's value for this message; as in
 * rsyslog, a name that is no ruleset is reported and the statement does nothing. */
static int exec_indirect(const struct sl_stmt *st, struct sl_msg *m,
                         const struct sl_exec_ops *ops, void *ctx, int depth)
{
    char *name = sl_expr_eval_str(st->u.call.expr, m);
    const struct sl_ruleset_ir *rs = NULL;
    int rc = SL_EXEC_CONTINUE;

    if (name != NULL && st->u.call.cnf != NULL) {
        /* (own search: the unit tests link rule.c without ir.c) */
        for (rs = st->u.call.cnf->rulesets; rs != NULL; rs = rs->next) {
            if (strcmp(rs->name, name) == 0) {
                break;
            }
        }
    }
    if (rs != NULL) {
        if (ops == NULL || ops->call == NULL || !ops->call(ctx, rs, m)) {
            rc = exec_list(rs->stmts, m, ops, ctx, depth + 1);
        }
    } else {
        sl_log(SL_LOG_ERR, "rules",
               "CALL_INDIRECT: ruleset '%s' cannot be found, treating as NOP",
               name != NULL ? name : "");
    }
    free(name);
    return rc;
}

/* The tester's hook (sluiced --test): the filter result r, passed through. */
static int traced(const struct sl_exec_ops *ops, void *ctx, const struct sl_stmt *st,
                  struct sl_msg *m, int r)
{
    if (ops != NULL && ops->trace != NULL) {
        ops->trace(ctx, st, m, r);
    }
    return r;
}

static int exec_list(const struct sl_stmt *st, struct sl_msg *m, const struct sl_exec_ops *ops,
                     void *ctx, int depth)
{
    int rc = SL_EXEC_CONTINUE;

    if (depth > SL_EXEC_MAX_DEPTH) {
        sl_log(SL_LOG_ERR, "rules", "ruleset nesting deeper than %d (call loop?): skipped",
               SL_EXEC_MAX_DEPTH);
        return SL_EXEC_CONTINUE;
    }
    for (; st != NULL && rc == SL_EXEC_CONTINUE; st = st->next) {
        switch (st->type) {
        case SL_ST_NOP:
            break;
        case SL_ST_STOP:
            (void)traced(ops, ctx, st, m, -1);
            rc = SL_EXEC_STOP;
            break;
        case SL_ST_RELOAD_LOOKUP:
            sl_lookup_reload(st->u.reload.lt, st->u.reload.stub);
            break;
        case SL_ST_ACTION:
            if (ops != NULL && ops->action != NULL) {
                ops->action(ctx, (struct sl_action_ir *)&st->u.act, m);
            }
            break;
        case SL_ST_IF:
            if (traced(ops, ctx, st, m, sl_expr_eval_bool(st->u.cond.cond, m) != 0)) {
                rc = exec_list(st->u.cond.then_, m, ops, ctx, depth + 1);
            } else {
                rc = exec_list(st->u.cond.else_, m, ops, ctx, depth + 1);
            }
            break;
        case SL_ST_PRIFILT:
            if (traced(ops, ctx, st, m, pri_match(st->u.prifilt.pmask, m))) {
                rc = exec_list(st->u.prifilt.then_, m, ops, ctx, depth + 1);
            }
            break;
        case SL_ST_PROPFILT:
            if (traced(ops, ctx, st, m, eval_propfilt(st, m) != 0)) {
                rc = exec_list(st->u.propfilt.then_, m, ops, ctx, depth + 1);
            }
            break;
        case SL_ST_CALL:
            (void)traced(ops, ctx, st, m, -1);
            if (st->u.call.target != NULL) {
                if (ops == NULL || ops->call == NULL || !ops->call(ctx, st->u.call.target, m)) {
                    rc = exec_list(st->u.call.target->stmts, m, ops, ctx, depth + 1);
                }
            } else if (st->u.call.expr != NULL) {
                rc = exec_indirect(st, m, ops, ctx, depth);
            }
            break;
        case SL_ST_SET:
            if (ops != NULL && ops->modify != NULL) {
                ops->modify(ctx, st->u.set.var.id == SL_PROP_GLOBAL_VAR ? NULL : m);
            }
            if (st->u.set.expr != NULL) {
                const char *path = st->u.set.var.path != NULL ? st->u.set.var.path : "";
                struct fjson_object *v = sl_expr_eval_json(st->u.set.expr, m);
                if (st->u.set.force_reset) {
                    (void)sl_msg_json_set(m, st->u.set.var.id, path, v);
                } else {
                    (void)sl_msg_json_assign(m, st->u.set.var.id, path, v);
                }
            }
            (void)traced(ops, ctx, st, m, -1);
            break;
        case SL_ST_UNSET:
            if (ops != NULL && ops->modify != NULL) {
                ops->modify(ctx, st->u.set.var.id == SL_PROP_GLOBAL_VAR ? NULL : m);
            }
            (void)sl_msg_json_unset(m, st->u.set.var.id,
                                    st->u.set.var.path != NULL ? st->u.set.var.path : "");
            (void)traced(ops, ctx, st, m, -1);
            break;
        case SL_ST_FOREACH:
            rc = exec_foreach(st, m, ops, ctx, depth);
            break;
        default:
            break;
        }
    }
    return rc;
}

int sl_ruleset_exec(const struct sl_ruleset_ir *rs, struct sl_msg *m,
                    const struct sl_exec_ops *ops, void *ctx)
{
    if (rs == NULL || m == NULL) {
        return SL_EXEC_CONTINUE;
    }
    return exec_list(rs->stmts, m, ops, ctx, 0);
}
