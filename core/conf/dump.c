/*
 * dump.c - stable text form of the configuration IR (sl_cnf_dump), used by golden tests
 * and by `sluiced -N1 --dump`.
 *
 * Format: one item per line, two spaces of indent per nesting level; objects list their
 * kvs in written order (implicit ones tagged "(implicit)"), rulesets list their statement
 * trees, expressions are fully parenthesised.  Locations are printed as basename:line so
 * the output does not depend on the directory the config was loaded from.  Secret values
 * are redacted by the rule written in log.h (sl_secret_key, sl_redact).
 *
 * Ownership: reads the IR only.  Concurrency & locking: none.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "conf/conf_int.h"
#include "expr/expr.h"

static void ind(FILE *o, int n)
{
    for (int i = 0; i < n; i++) {
        fputs("  ", o);
    }
}

static void qstr(FILE *o, const char *s)
{
    fputc('"', o);
    for (const unsigned char *p = (const unsigned char *)(s ? s : ""); *p != '\0'; p++) {
        if (*p == '"' || *p == '\\') {
            fprintf(o, "\\%c", *p);
        } else if (*p == '\n') {
            fputs("\\n", o);
        } else if (*p == '\t') {
            fputs("\\t", o);
        } else if (*p < 0x20 || *p == 0x7f) {
            fprintf(o, "\\x%02x", *p);
        } else {
            fputc(*p, o);
        }
    }
    fputc('"', o);
}

static void loc(FILE *o, const struct sl_loc *l)
{
    const char *f = l->file != NULL ? l->file : "";
    const char *b = strrchr(f, '/');
    fprintf(o, " @%s:%d", b != NULL ? b + 1 : f, l->line);
}

static void dump_kvs(FILE *o, const struct sl_kv *kv, int depth)
{
    char sb[256];
    for (; kv != NULL; kv = kv->next) {
        ind(o, depth);
        fprintf(o, "%s = ", kv->name);
        if (kv->is_array) {
            fputc('[', o);
            for (size_t i = 0; i < kv->arr.n; i++) {
                if (i > 0) {
                    fputs(", ", o);
                }
                qstr(o, sl_kv_shown(kv, kv->arr.v[i], sb, sizeof sb));
            }
            fputc(']', o);
        } else {
            qstr(o, sl_kv_shown(kv, kv->str, sb, sizeof sb));
        }
        if (kv->implicit) {
            fputs(" (implicit)", o);
        }
        fputc('\n', o);
    }
}

static const char *obj_name(enum sl_obj_type t)
{
    switch (t) {
    case SL_OBJ_GLOBAL: return "global";
    case SL_OBJ_MODULE: return "module";
    case SL_OBJ_INPUT: return "input";
    case SL_OBJ_TEMPLATE: return "template";
    case SL_OBJ_TPL_PROPERTY: return "property";
    case SL_OBJ_TPL_CONSTANT: return "constant";
    case SL_OBJ_MAIN_QUEUE: return "main_queue";
    case SL_OBJ_PARSER: return "parser";
    case SL_OBJ_LOOKUP_TABLE: return "lookup_table";
    case SL_OBJ_TIMEZONE: return "timezone";
    }
    return "?";
}

static void dump_prop(FILE *o, const struct sl_propref *p)
{
    switch (p->id) {
    case SL_PROP_CEE: fprintf(o, "$!%s", p->path ? p->path : ""); break;
    case SL_PROP_LOCAL_VAR: fprintf(o, "$.%s", p->path ? p->path : ""); break;
    case SL_PROP_GLOBAL_VAR: fprintf(o, "$/%s", p->path ? p->path : ""); break;
    default: {
        const char *n = sl_prop_name(p->id);
        fprintf(o, "$%s", n != NULL ? n : "?");
        break;
    }
    }
}

static const char *op_text(enum sl_expr_op op)
{
    switch (op) {
    case SL_E_AND: return "and";
    case SL_E_OR: return "or";
    case SL_E_EQ: return "==";
    case SL_E_NE: return "!=";
    case SL_E_LT: return "<";
    case SL_E_LE: return "<=";
    case SL_E_GT: return ">";
    case SL_E_GE: return ">=";
    case SL_E_CONTAINS: return "contains";
    case SL_E_CONTAINS_I: return "contains_i";
    case SL_E_STARTSWITH: return "startswith";
    case SL_E_STARTSWITH_I: return "startswith_i";
    case SL_E_PLUS: return "+";
    case SL_E_MINUS: return "-";
    case SL_E_TIMES: return "*";
    case SL_E_DIV: return "/";
    case SL_E_MOD: return "%";
    case SL_E_CONCAT: return "&";
    default: return "?";
    }
}

static void dump_expr(FILE *o, const struct sl_expr *e)
{
    if (e == NULL) {
        fputs("<null>", o);
        return;
    }
    switch (e->op) {
    case SL_E_STR: qstr(o, e->str); break;
    case SL_E_NUM: fprintf(o, "%lld", (long long)e->num); break;
    case SL_E_ARRAY:
        fputc('[', o);
        for (size_t i = 0; i < e->arr.n; i++) {
            if (i > 0) {
                fputs(", ", o);
            }
            qstr(o, e->arr.v[i]);
        }
        fputc(']', o);
        break;
    case SL_E_PROP: dump_prop(o, &e->prop); break;
    case SL_E_NOT:
        fputs("(not ", o);
        dump_expr(o, e->l);
        fputc(')', o);
        break;
    case SL_E_NEG:
        fputs("(-", o);
        dump_expr(o, e->l);
        fputc(')', o);
        break;
    case SL_E_FUNC:
        fprintf(o, "%s(", e->fname);
        for (size_t i = 0; i < e->nargs; i++) {
            if (i > 0) {
                fputs(", ", o);
            }
            dump_expr(o, e->args[i]);
        }
        fputc(')', o);
        break;
    default:
        fputc('(', o);
        dump_expr(o, e->l);
        fprintf(o, " %s ", op_text(e->op));
        dump_expr(o, e->r);
        fputc(')', o);
        break;
    }
}

static const char *pf_name(enum sl_propfilt_op op)
{
    switch (op) {
    case SL_PF_CONTAINS: return "contains";
    case SL_PF_ISEQUAL: return "isequal";
    case SL_PF_STARTSWITH: return "startswith";
    case SL_PF_REGEX: return "regex";
    case SL_PF_EREREGEX: return "ereregex";
    case SL_PF_ISEMPTY: return "isempty";
    case SL_PF_CONTAINS_I: return "contains_i";
    case SL_PF_STARTSWITH_I: return "startswith_i";
    }
    return "?";
}

static void dump_stmts(FILE *o, const struct sl_stmt *s, int d)
{
    for (; s != NULL; s = s->next) {
        ind(o, d);
        switch (s->type) {
        case SL_ST_NOP:
            fputs("nop", o);
            loc(o, &s->loc);
            fputc('\n', o);
            break;
        case SL_ST_ACTION:
            fputs("action ", o);
            qstr(o, s->u.act.name);
            loc(o, &s->loc);
            fputc('\n', o);
            dump_kvs(o, s->u.act.kv, d + 1);
            break;
        case SL_ST_IF:
            sl_stmt_head_dump(o, s);
            loc(o, &s->loc);
            fputc('\n', o);
            ind(o, d);
            fputs("then\n", o);
            dump_stmts(o, s->u.cond.then_, d + 1);
            if (s->u.cond.else_ != NULL) {
                ind(o, d);
                fputs("else\n", o);
                dump_stmts(o, s->u.cond.else_, d + 1);
            }
            ind(o, d);
            fputs("endif\n", o);
            break;
        case SL_ST_PRIFILT:
            fputs("prifilt ", o);
            qstr(o, s->u.prifilt.text);
            fputs(" pmask=[", o);
            {
                int first = 1;
                for (int i = 0; i < 25; i++) {
                    if (s->u.prifilt.pmask[i] != 0) {
                        fprintf(o, "%s%d:%02x", first ? "" : " ", i, s->u.prifilt.pmask[i]);
                        first = 0;
                    }
                }
            }
            fputc(']', o);
            loc(o, &s->loc);
            fputc('\n', o);
            dump_stmts(o, s->u.prifilt.then_, d + 1);
            break;
        case SL_ST_PROPFILT:
            sl_stmt_head_dump(o, s);
            if (s->u.propfilt.re != NULL) {
                fputs(" (compiled)", o);
            }
            loc(o, &s->loc);
            fputc('\n', o);
            dump_stmts(o, s->u.propfilt.then_, d + 1);
            break;
        case SL_ST_STOP:
            fputs("stop", o);
            loc(o, &s->loc);
            fputc('\n', o);
            break;
        case SL_ST_RELOAD_LOOKUP:
            fputs("reload_lookup_table ", o);
            qstr(o, s->u.reload.table);
            if (s->u.reload.stub != NULL) {
                fputs(" stub ", o);
                qstr(o, s->u.reload.stub);
            }
            loc(o, &s->loc);
            fputc('\n', o);
            break;
        case SL_ST_CALL:
            if (s->u.call.name == NULL) {
                fputs("call_indirect ", o);
                dump_expr(o, s->u.call.expr);
                loc(o, &s->loc);
                fputc('\n', o);
                break;
            }
            fputs("call ", o);
            qstr(o, s->u.call.name);
            fputs(s->u.call.target != NULL ? " (resolved)" : " (unresolved)", o);
            loc(o, &s->loc);
            fputc('\n', o);
            break;
        case SL_ST_SET:
        case SL_ST_UNSET:
            sl_stmt_head_dump(o, s);
            loc(o, &s->loc);
            fputc('\n', o);
            break;
        case SL_ST_FOREACH:
            fputs("foreach ", o);
            dump_prop(o, &s->u.foreach_.var);
            fputs(" in ", o);
            dump_expr(o, s->u.foreach_.iter);
            loc(o, &s->loc);
            fputc('\n', o);
            dump_stmts(o, s->u.foreach_.body, d + 1);
            ind(o, d);
            fputs("endforeach\n", o);
            break;
        }
    }
}

static void dump_obj(FILE *o, const struct sl_obj *ob, int d)
{
    ind(o, d);
    fputs(obj_name(ob->type), o);
    loc(o, &ob->loc);
    fputc('\n', o);
    dump_kvs(o, ob->kv, d + 1);
    for (const struct sl_obj *c = ob->children; c != NULL; c = c->next) {
        dump_obj(o, c, d + 1);
    }
}

void sl_cnf_dump(const struct sl_cnf *c, FILE *out)
{
    if (c == NULL) {
        fputs("# no configuration\n", out);
        return;
    }
    fputs("# objects\n", out);
    for (const struct sl_obj *ob = c->objs; ob != NULL; ob = ob->next) {
        dump_obj(out, ob, 0);
    }
    fputs("# rulesets\n", out);
    for (const struct sl_ruleset_ir *r = c->rulesets; r != NULL; r = r->next) {
        fputs("ruleset ", out);
        qstr(out, r->name);
        loc(out, &r->loc);
        fputc('\n', out);
        dump_kvs(out, r->kv, 1);
        dump_stmts(out, r->stmts, 1);
    }
}

/* One statement's head on one line, without its location or body ("if EXPR", "prifilt
 * TEXT", "propfilt PROP OP VALUE", "set VAR = EXPR", "unset VAR", "stop"): the rule tester
 * (core/ruletest.c) names the statements it traces with it. */
void sl_stmt_head_dump(FILE *o, const struct sl_stmt *s)
{
    switch (s->type) {
    case SL_ST_IF:
        fputs("if ", o);
        dump_expr(o, s->u.cond.cond);
        break;
    case SL_ST_PRIFILT:
        fputs("prifilt ", o);
        qstr(o, s->u.prifilt.text);
        break;
    case SL_ST_PROPFILT:
        fputs("propfilt ", o);
        dump_prop(o, &s->u.propfilt.prop);
        fprintf(o, " %s%s ", s->u.propfilt.negate ? "!" : "", pf_name(s->u.propfilt.op));
        qstr(o, s->u.propfilt.value);
        break;
    case SL_ST_SET:
        fputs(s->u.set.force_reset ? "reset " : "set ", o);
        dump_prop(o, &s->u.set.var);
        fputs(" = ", o);
        dump_expr(o, s->u.set.expr);
        break;
    case SL_ST_UNSET:
        fputs("unset ", o);
        dump_prop(o, &s->u.set.var);
        break;
    case SL_ST_STOP:
        fputs("stop", o);
        break;
    case SL_ST_CALL:
        if (s->u.call.name == NULL) {
            fputs("call_indirect ", o);
            dump_expr(o, s->u.call.expr);
        } else {
            fprintf(o, "call %s", s->u.call.name);
        }
        break;
    default:
        fputs("statement", o);
        break;
    }
}
