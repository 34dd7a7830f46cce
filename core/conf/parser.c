/*
 * parser.c - recursive-descent parser for rsyslog configuration (RainerScript objects and
 * statements, plus the hooks for legacy lines handled in legacy.c; expressions are parsed
 * by parse_expr.c).
 *
 * It follows rsyslog 8.2302's grammar: top level is a sequence of objects, statements,
 * $Directive lines and BSD !prog/+host selectors; a statement is an action list joined by
 * '&', if/then/else, foreach, set/unset, call, stop, or a selector / property filter
 * followed by a block.
 *
 * Size: about 1,100 lines, kept as one file on purpose: objects, statements and the top
 * level are one mutually recursive grammar (blocks contain statements, statements contain
 * action objects and blocks, include() re-enters the top level), and splitting it would only
 * trade static functions for a header of forward declarations.
 *
 * Ownership: builds IR owned by ps->cnf; temporary strings are freed before returning.
 * Concurrency & locking: none (main thread, config load only).
 */
#include "config.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "conf/conf_int.h"
#include "expr/expr.h"
#include "log.h"
#include "util/buf.h"
#include "util/strutil.h"

/* ------------------------------------------------------------------ objects */

/* Skip to the end of the current line (error recovery). */
static void skip_line(struct sl_lx *lx)
{
    while (sl_lx_peek(lx) != -1 && sl_lx_peek(lx) != '\n') {
        sl_lx_adv(lx, 1);
    }
}

/* rsyslog's backtick values: `echo text with $VARS` and `cat /file`.  Returns the value
 * (malloc'd); reports unsupported commands (the value is then ""). */
static char *backtick_value(struct sl_pstate *ps, const char *cmd, struct sl_loc loc)
{
    struct sl_buf b = { 0 };
    sl_buf_puts(&b, "");
    if (strncmp(cmd, "echo ", 5) == 0) {
        const char *p = cmd + 5;
        while (*p != '\0') {
            if (*p != '$') {
                sl_buf_putc(&b, *p++);
                continue;
            }
            const char *v = ++p;
            while (*p != '\0' && !isspace((unsigned char)*p) && *p != '/') {
                p++;
            }
            char *name = sl_xstrndup(v, (size_t)(p - v));
            const char *val = getenv(name);
            if (val != NULL) {
                sl_buf_puts(&b, val);
            }
            free(name);
        }
    } else if (strncmp(cmd, "cat ", 4) == 0) {
        size_t len;
        char *t = sl_read_file(cmd + 4, &len);
        if (t == NULL) {
            sl_perr(ps, &loc, "backtick `cat %s`: cannot read the file", cmd + 4);
        } else {
            sl_buf_append(&b, t, len);
            free(t);
        }
    } else {
        sl_perr(ps, &loc, "invalid backtick parameter `%s` (only `echo ...` and `cat FILE`)", cmd);
    }
    return b.p;
}

/* Parse "name=value ..." up to and including ')'; cursor is after '('.  Returns 0 or
 * SL_ECONFIG (errors reported, the cursor after ')' or at EOF). */
static int parse_nvlst(struct sl_pstate *ps, struct sl_kv **out, const char *what,
                       struct sl_loc start)
{
    struct sl_lx *lx = ps->lx;
    int rc = 0;
    for (;;) {
        if (sl_lx_skip_ws(lx, 1) != 0) {
            return SL_ECONFIG;
        }
        int c = sl_lx_peek(lx);
        if (c == -1) {
            sl_perr(ps, &start, "missing ')' for %s(...) started here", what);
            return SL_ECONFIG;
        }
        if (c == ')') {
            sl_lx_adv(lx, 1);
            return rc;
        }
        struct sl_loc loc = sl_lx_loc(lx);
        size_t k = isalpha(c) ? sl_lx_ident_len(lx, ".") : 0;
        if (k == 0) {
            sl_perr(ps, &loc, "invalid character '%c' in %s() object definition", c, what);
            rc = SL_ECONFIG;
            sl_lx_adv(lx, 1);
            continue;
        }
        char *name = sl_xstrndup(lx->s + lx->i, k);
        sl_lx_adv(lx, k);
        sl_lx_skip_ws(lx, 1);
        if (sl_lx_peek(lx) != '=') {
            sl_perr(ps, &loc, "missing '=' after parameter '%s' in %s()", name, what);
            free(name);
            rc = SL_ECONFIG;
            continue;
        }
        sl_lx_adv(lx, 1);
        sl_lx_skip_ws(lx, 1);
        c = sl_lx_peek(lx);
        struct sl_kv *kv = sl_kv_new(name, NULL, loc, 0);
        kv->vloc = sl_lx_loc(lx);
        free(name);
        if (c == '"') {
            if (sl_lx_string(lx, 1, &kv->str) != 0) {
                sl_kv_free_list(kv);
                if (sl_lx_peek(lx) == -1) {
                    return SL_ECONFIG;   /* unterminated: no "missing ')'" after it */
                }
                rc = SL_ECONFIG;
                continue;
            }
        } else if (c == '`') {
            char *cmd = NULL;
            if (sl_lx_string(lx, 1, &cmd) != 0) {
                sl_kv_free_list(kv);
                rc = SL_ECONFIG;
                continue;
            }
            kv->str = backtick_value(ps, cmd, loc);
            free(cmd);
        } else if (c == '[') {
            kv->is_array = 1;
            sl_lx_adv(lx, 1);
            int ok = 1;
            for (;;) {
                sl_lx_skip_ws(lx, 1);
                if (sl_lx_peek(lx) == ']' && kv->arr.n == 0) {
                    sl_lx_adv(lx, 1);
                    break;
                }
                char *s = NULL;
                if (sl_lx_peek(lx) != '"' || sl_lx_string(lx, 1, &s) != 0) {
                    if (sl_lx_peek(lx) != '"') {
                        struct sl_loc l2 = sl_lx_loc(lx);
                        sl_perr(ps, &l2, "array values of '%s' must be quoted strings", kv->name);
                    }
                    ok = 0;
                    break;
                }
                kv->arr.v = sl_xrealloc(kv->arr.v, (kv->arr.n + 1) * sizeof(char *));
                kv->arr.v[kv->arr.n++] = s;
                sl_lx_skip_ws(lx, 1);
                if (sl_lx_peek(lx) == ',') {
                    sl_lx_adv(lx, 1);
                    continue;
                }
                if (sl_lx_peek(lx) == ']') {
                    sl_lx_adv(lx, 1);
                    break;
                }
                struct sl_loc l2 = sl_lx_loc(lx);
                sl_perr(ps, &l2, "missing ']' in array value of '%s'", kv->name);
                ok = 0;
                break;
            }
            if (!ok) {
                sl_kv_free_list(kv);
                rc = SL_ECONFIG;
                continue;
            }
        } else {
            struct sl_loc l2 = sl_lx_loc(lx);
            sl_perr(ps, &l2, "value of '%s' must be a quoted string or an array", kv->name);
            sl_kv_free_list(kv);
            rc = SL_ECONFIG;
            continue;
        }
        sl_kv_append(out, kv);
    }
}

struct objname {
    const char *kw;
    enum sl_obj_type t;
};

static const struct objname objnames[] = {
    { "global", SL_OBJ_GLOBAL }, { "module", SL_OBJ_MODULE }, { "input", SL_OBJ_INPUT },
    { "template", SL_OBJ_TEMPLATE }, { "main_queue", SL_OBJ_MAIN_QUEUE },
    { "parser", SL_OBJ_PARSER }, { "lookup_table", SL_OBJ_LOOKUP_TABLE },
    { "timezone", SL_OBJ_TIMEZONE }, { NULL, 0 }
};

/* rsyslog's nvlstChkDisabled(): config.enabled= other than exactly "on" disables the
 * object, action() or include(); the parameter itself is consumed either way. */
static int config_disabled(struct sl_kv **kv)
{
    struct sl_kv *ce = sl_kv_find(*kv, "config.enabled");
    if (ce == NULL) {
        return 0;
    }
    int off = ce->is_array || ce->str == NULL || strcmp(ce->str, "on") != 0;
    sl_kv_remove(kv, "config.enabled");
    return off;
}

/* 1 (reported) when o's name is taken: the duplicate is dropped, so that the engine does
 * not report it again */
static int check_dup_template(struct sl_pstate *ps, struct sl_obj *o)
{
    struct sl_kv *nm = sl_kv_find(o->kv, "name");
    if (nm == NULL || nm->is_array || nm->str == NULL) {
        sl_perr(ps, &o->loc, "template() without name=");
        return 0;
    }
    for (struct sl_obj *p = ps->cnf->objs; p != NULL; p = p->next) {
        if (p == o || p->type != SL_OBJ_TEMPLATE) {
            continue;
        }
        struct sl_kv *pn = sl_kv_find(p->kv, "name");
        if (pn != NULL && pn->str != NULL && strcmp(pn->str, nm->str) == 0) {
            sl_perr(ps, &nm->loc, "template '%s' already defined at %s:%d", nm->str,
                    p->loc.file, p->loc.line);
            return 1;
        }
    }
    return 0;
}

/* list template children: { property(...) constant(...) } ; cursor after '{' */
static void parse_tpl_children(struct sl_pstate *ps, struct sl_obj *o, struct sl_loc start)
{
    struct sl_lx *lx = ps->lx;
    struct sl_obj **tail = &o->children;
    for (;;) {
        sl_lx_skip_ws(lx, 1);
        int c = sl_lx_peek(lx);
        struct sl_loc loc = sl_lx_loc(lx);
        size_t k;
        if (c == -1) {
            sl_perr(ps, &start, "missing '}' for template started here");
            return;
        }
        if (c == '}') {
            sl_lx_adv(lx, 1);
            return;
        }
        enum sl_obj_type t;
        if (sl_lx_is_obj(lx, "property", &k)) {
            t = SL_OBJ_TPL_PROPERTY;
        } else if (sl_lx_is_obj(lx, "constant", &k)) {
            t = SL_OBJ_TPL_CONSTANT;
        } else {
            sl_perr(ps, &loc, "expected property() or constant() in template body");
            skip_line(lx);
            continue;
        }
        sl_lx_adv(lx, k + 1);
        struct sl_obj *ch = sl_obj_new(t, loc);
        parse_nvlst(ps, &ch->kv, t == SL_OBJ_TPL_PROPERTY ? "property" : "constant", loc);
        *tail = ch;
        tail = &ch->next;
    }
}

/* ------------------------------------------------------------------ statements */

static struct sl_stmt *parse_stmt(struct sl_pstate *ps, int toplevel);
static struct sl_stmt *parse_block(struct sl_pstate *ps);
static struct sl_stmt *parse_block_inner(struct sl_pstate *ps);
static void parse_include_obj(struct sl_pstate *ps, struct sl_loc loc);

/* '{' script '}' ; cursor on '{' */
static struct sl_stmt *parse_script_braced(struct sl_pstate *ps)
{
    struct sl_lx *lx = ps->lx;
    struct sl_loc start = sl_lx_loc(lx);
    struct sl_stmt *list = NULL;
    sl_lx_adv(lx, 1);
    for (;;) {
        sl_lx_skip_ws(lx, 1);
        int c = sl_lx_peek(lx);
        if (c == -1) {
            sl_perr(ps, &start, "missing '}' for block started here");
            return list;
        }
        if (c == '}') {
            sl_lx_adv(lx, 1);
            return list;
        }
        if (c == '$' && sl_lx_at_line_start(lx) && isalpha(sl_lx_peek_at(lx, 1))) {
            /* rsyslog processes $Directive lines wherever they start a line */
            struct sl_loc dl = sl_lx_loc(lx);
            char *line = sl_lx_rest_of_line(lx);
            if (strncasecmp(line, "$RuleSet", 8) == 0 ||
                strncasecmp(line, "$IncludeConfig", 14) == 0) {
                sl_perr(ps, &dl, "%.*s is not permitted inside a block", (int)strcspn(line, " \t"),
                        line);
            } else {
                sl_legacy_directive(ps, line, dl);
            }
            free(line);
            continue;
        }
        size_t k;
        if (sl_lx_is_obj(lx, "include", &k)) {
            /* include() as a statement: the included statements go into this block */
            struct sl_loc il = sl_lx_loc(lx);
            struct sl_stmt **save_target = ps->block_target;
            ps->block_target = &list;
            sl_lx_adv(lx, k + 1);
            parse_include_obj(ps, il);
            ps->block_target = save_target;
            lx = ps->lx;
            continue;
        }
        size_t before = lx->i;
        struct sl_stmt *s = parse_stmt(ps, 0);
        if (s != NULL) {
            sl_stmt_append(&list, s);
        }
        if (lx->i == before) {
            sl_lx_adv(lx, 1);
        }
    }
}

static struct sl_stmt *parse_block(struct sl_pstate *ps)
{
    sl_lx_skip_ws(ps->lx, 1);
    if (ps->depth >= SL_MAX_NESTING) {
        struct sl_loc l = sl_lx_loc(ps->lx);
        sl_perr(ps, &l, "statements nested too deeply (more than %d levels)", SL_MAX_NESTING);
        /* give up on the rest of the text: recovery inside such input is pointless */
        ps->lx->i = ps->lx->n;
        return NULL;
    }
    ps->depth++;
    struct sl_stmt *r = parse_block_inner(ps);
    ps->depth--;
    return r;
}

static struct sl_stmt *parse_block_inner(struct sl_pstate *ps)
{
    if (sl_lx_peek(ps->lx) == '{') {
        return parse_script_braced(ps);
    }
    if (sl_lx_peek(ps->lx) == -1) {
        struct sl_loc l = sl_lx_loc(ps->lx);
        sl_perr(ps, &l, "unexpected end of file: statement expected");
        return NULL;
    }
    return parse_stmt(ps, 0);
}

/* action(...) ; cursor after '(' */
static struct sl_stmt *parse_action_obj(struct sl_pstate *ps, struct sl_loc loc)
{
    struct sl_stmt *st = sl_stmt_new(SL_ST_ACTION, loc);
    st->u.act.loc = loc;
    if (parse_nvlst(ps, &st->u.act.kv, "action", loc) != 0) {
        sl_stmt_free_list(st);
        return NULL;
    }
    if (config_disabled(&st->u.act.kv)) {
        /* rsyslog builds the action (its number is used up) and keeps a no-op statement */
        ps->nactions++;
        sl_stmt_free_list(st);
        return sl_stmt_new(SL_ST_NOP, loc);
    }
    struct sl_kv **pp = &st->u.act.kv;
    while (*pp != NULL && strcasecmp((*pp)->name, "type") != 0) {
        pp = &(*pp)->next;
    }
    if (*pp == NULL || (*pp)->is_array) {
        sl_perr(ps, &loc, "action() without type= parameter");
        sl_stmt_free_list(st);
        return NULL;
    }
    struct sl_kv *t = *pp;
    *pp = t->next;
    t->next = st->u.act.kv;
    st->u.act.kv = t;
    sl_action_finish(ps, st, 0);
    return st;
}

/* Is the cursor at a legacy PRI selector (rsyslog's PRIFILT token)?  Returns its length. */
static size_t prifilt_len(const struct sl_lx *lx)
{
    if (!sl_lx_at_line_start(lx)) {
        return 0;
    }
    size_t k = 0;
    int c;
    while ((c = sl_lx_peek_at(lx, k)) != -1 && (isalpha(c) || c == '*')) {
        k++;
    }
    if (k == 0) {
        return 0;
    }
    while ((c = sl_lx_peek_at(lx, k)) >= '0' && c <= '7') {
        k++;
    }
    c = sl_lx_peek_at(lx, k);
    if (c != '.' && c != ',') {
        return 0;
    }
    k++;
    size_t st = k;
    while ((c = sl_lx_peek_at(lx, k)) != -1 &&
           (isalpha(c) || (c >= '0' && c <= '7') || strchr(",!=;.*", c) != NULL)) {
        k++;
    }
    return k > st ? k : 0;
}

/* Legacy action token at the cursor (rsyslog's LEGACY_ACTION classes); its text or NULL. */
static char *legacy_action_text(struct sl_lx *lx)
{
    int c = sl_lx_peek(lx);
    int c1 = sl_lx_peek_at(lx, 1);
    if (c == '~' && (c1 == -1 || isspace(c1) || c1 == '&' || c1 == '}')) {
        sl_lx_adv(lx, 1);
        return sl_xstrdup("~");
    }
    if (c == '*' && (c1 == -1 || isspace(c1) || c1 == '&' || c1 == '}')) {
        sl_lx_adv(lx, 1);
        return sl_xstrdup("*");
    }
    if ((c == '/' && c1 != '*') || (c == '-' && c1 == '/')) {
        return sl_lx_rest_of_line(lx);
    }
    if (c == ':') {
        size_t k = 1;
        while (isalnum(sl_lx_peek_at(lx, k))) {
            k++;
        }
        if (k > 1 && sl_lx_peek_at(lx, k) == ':') {
            return sl_lx_rest_of_line(lx);
        }
        return NULL;
    }
    if (c != -1 && strchr("|.-@^?>", c) != NULL && c1 != -1 && c1 != '\n') {
        return sl_lx_rest_of_line(lx);
    }
    if (c != -1 && (isalnum(c) || c == '_')) {
        size_t k = 0;
        int d;
        while ((d = sl_lx_peek_at(lx, k)) != -1 && (isalnum(d) || strchr("_-+,;", d) != NULL)) {
            k++;
        }
        char *s = sl_xstrndup(lx->s + lx->i, k);
        sl_lx_adv(lx, k);
        return s;
    }
    return NULL;
}

static const char *const block_objects[] = {
    "global", "module", "input", "template", "main_queue", "parser", "lookup_table",
    "timezone", "ruleset", "dyn_stats", "include", NULL
};

/* s_act: action(), legacy action, stop, call, call_indirect, continue. NULL if the cursor
 * is not at one (nothing consumed) or after a reported error. *matched tells which. */
static struct sl_stmt *parse_sact(struct sl_pstate *ps, int *matched)
{
    struct sl_lx *lx = ps->lx;
    struct sl_loc loc = sl_lx_loc(lx);
    size_t k;
    *matched = 1;
    if (sl_lx_is_obj(lx, "action", &k)) {
        sl_lx_adv(lx, k + 1);
        return parse_action_obj(ps, loc);
    }
    if (sl_lx_is_kw(lx, "stop")) {
        sl_lx_adv(lx, 4);
        return sl_stmt_new(SL_ST_STOP, loc);
    }
    if (sl_lx_is_kw(lx, "continue")) {
        sl_lx_adv(lx, 8);
        return sl_stmt_new(SL_ST_NOP, loc);
    }
    if (sl_lx_is_kw(lx, "call_indirect")) {
        sl_lx_adv(lx, 13);
        enum tok_kind stop;
        struct sl_expr *x = parse_expr(ps, &stop);
        if (x == NULL) {
            return NULL;
        }
        if (stop != T_SEMI) {
            sl_perr(ps, &loc, "call_indirect: missing ';' after the expression");
            sl_expr_free(x);
            return NULL;
        }
        struct sl_stmt *st = sl_stmt_new(SL_ST_CALL, loc);
        st->u.call.expr = x;
        st->u.call.cnf = ps->cnf;
        return st;
    }
    if (sl_lx_is_kw(lx, "call")) {
        sl_lx_adv(lx, 4);
        sl_lx_skip_ws(lx, 1);
        size_t n = sl_lx_ident_len(lx, "-.");
        if (n == 0) {
            sl_perr(ps, &loc, "call without a ruleset name");
            skip_line(lx);
            return NULL;
        }
        struct sl_stmt *st = sl_stmt_new(SL_ST_CALL, loc);
        st->u.call.name = sl_xstrndup(lx->s + lx->i, n);
        sl_lx_adv(lx, n);
        return st;
    }
    for (size_t i = 0; block_objects[i] != NULL; i++) {
        if (sl_lx_is_obj(lx, block_objects[i], &k)) {
            *matched = 0;
            return NULL;
        }
    }
    if (sl_lx_is_kw(lx, "if") || sl_lx_is_kw(lx, "foreach") || sl_lx_is_kw(lx, "set") ||
        sl_lx_is_kw(lx, "unset") || sl_lx_is_kw(lx, "reset") ||
        sl_lx_is_kw(lx, "reload_lookup_table") || sl_lx_is_kw(lx, "else")) {
        *matched = 0;
        return NULL;
    }
    if (sl_lx_at_line_start(lx) && (prifilt_len(lx) > 0 || sl_lx_peek(lx) == '$')) {
        *matched = 0;
        return NULL;
    }
    if (isalpha(sl_lx_peek(lx))) {
        size_t n = sl_lx_ident_len(lx, NULL);
        size_t j = n;
        while (sl_lx_peek_at(lx, j) == ' ' || sl_lx_peek_at(lx, j) == '\t') {
            j++;
        }
        if (sl_lx_peek_at(lx, j) == '(') {
            static const char *const others[] = { "action", "ruleset", "include", "prifilt",
                                                  "reload_lookup_table", "dyn_stats", NULL };
            char word[65], hint[160];
            snprintf(word, sizeof word, "%.*s", (int)(n < 64 ? n : 64), lx->s + lx->i);
            struct sl_suggest sg;
            sl_suggest_init(&sg, word);
            for (size_t i = 0; objnames[i].kw != NULL; i++) {
                sl_suggest_add(&sg, objnames[i].kw);
            }
            for (size_t i = 0; others[i] != NULL; i++) {
                sl_suggest_add(&sg, others[i]);
            }
            sl_perr(ps, &loc, "unknown object or statement '%.*s'%s", (int)n, lx->s + lx->i,
                    sl_suggest_text(&sg, hint, sizeof hint));
            /* skip the object */
            sl_lx_adv(lx, j + 1);
            struct sl_kv *junk = NULL;
            parse_nvlst(ps, &junk, "unknown", loc);
            sl_kv_free_list(junk);
            return NULL;
        }
    }
    char *txt = legacy_action_text(lx);
    if (txt == NULL) {
        *matched = 0;
        return NULL;
    }
    struct sl_stmt *st = sl_legacy_action(ps, txt, loc);
    free(txt);
    return st;
}

/* actlst: s_act { '&' s_act } */
static struct sl_stmt *parse_actlst(struct sl_pstate *ps, int *matched)
{
    struct sl_stmt *list = parse_sact(ps, matched);
    if (!*matched) {
        return NULL;
    }
    for (;;) {
        size_t save_i = ps->lx->i;
        int save_line = ps->lx->line;
        if (sl_lx_skip_ws(ps->lx, 1) != 0) {
            return list;   /* an unterminated comment, reported: the cursor is at the end */
        }
        if (sl_lx_peek(ps->lx) == '$' && sl_lx_at_line_start(ps->lx) &&
            isalpha(sl_lx_peek_at(ps->lx, 1))) {
            /* rsyslog's failover idiom puts $Action... directives between the actions of
             * one selector ("$ActionExecOnlyWhenPreviousIsSuspended on" before "& ...");
             * a directive here is processed in order, as it would be after the list */
            struct sl_loc dl = sl_lx_loc(ps->lx);
            char *line = sl_lx_rest_of_line(ps->lx);
            if (strncasecmp(line, "$RuleSet", 8) == 0 ||
                strncasecmp(line, "$IncludeConfig", 14) == 0) {
                free(line);
                ps->lx->i = save_i;
                ps->lx->line = save_line;
                return list;
            }
            sl_legacy_directive(ps, line, dl);
            free(line);
            continue;
        }
        if (sl_lx_peek(ps->lx) != '&') {
            ps->lx->i = save_i;
            ps->lx->line = save_line;
            return list;
        }
        struct sl_loc aloc = sl_lx_loc(ps->lx);
        sl_lx_adv(ps->lx, 1);
        sl_lx_skip_ws(ps->lx, 1);
        int m;
        struct sl_stmt *s = parse_sact(ps, &m);
        if (!m) {
            sl_perr(ps, &aloc, "'&' must be followed by an action");
            skip_line(ps->lx);
            return list;
        }
        if (s != NULL) {
            sl_stmt_append(&list, s);
        }
    }
}

static int parse_var_target(struct sl_pstate *ps, struct sl_propref *ref, struct sl_loc loc,
                            const char *what)
{
    struct sl_lx *lx = ps->lx;
    sl_lx_skip_ws(lx, 0);
    if (sl_lx_peek(lx) != '$') {
        sl_perr(ps, &loc, "%s needs a variable ($!name, $.name or $/name)", what);
        return SL_ECONFIG;
    }
    size_t k = 1;
    int d;
    while ((d = sl_lx_peek_at(lx, k)) != -1 && (isalnum(d) || strchr("@_!-.[]/$", d) != NULL)) {
        k++;
    }
    char *name = sl_xstrndup(lx->s + lx->i + 1, k - 1);
    sl_lx_adv(lx, k);
    int rc = var_to_ref(ps, name, loc, ref);
    if (rc == 0 && ref->id != SL_PROP_CEE && ref->id != SL_PROP_LOCAL_VAR &&
        ref->id != SL_PROP_GLOBAL_VAR) {
        sl_perr(ps, &loc, "%s: '$%s' is not a variable ($!, $. or $/)", what, name);
        rc = SL_ECONFIG;
    }
    free(name);
    return rc;
}

static struct sl_stmt *parse_if(struct sl_pstate *ps, struct sl_loc loc)
{
    enum tok_kind stop;
    struct sl_expr *cond = parse_expr(ps, &stop);
    if (stop != T_THEN) {
        if (cond != NULL) {     /* NULL: the expression's error is reported already */
            sl_perr(ps, &loc, "'if' without 'then'");
        }
        sl_expr_free(cond);
        skip_line(ps->lx);
        return NULL;
    }
    struct sl_stmt *st = sl_stmt_new(SL_ST_IF, loc);
    st->u.cond.cond = cond;
    st->u.cond.then_ = parse_block(ps);
    size_t save_i = ps->lx->i;
    int save_line = ps->lx->line;
    sl_lx_skip_ws(ps->lx, 1);
    if (sl_lx_is_kw(ps->lx, "else")) {
        sl_lx_adv(ps->lx, 4);
        st->u.cond.else_ = parse_block(ps);
    } else {
        ps->lx->i = save_i;
        ps->lx->line = save_line;
    }
    if (cond == NULL) {
        sl_stmt_free_list(st);
        return NULL;
    }
    return st;
}

static struct sl_stmt *parse_foreach(struct sl_pstate *ps, struct sl_loc loc)
{
    struct sl_lx *lx = ps->lx;
    sl_lx_skip_ws(lx, 0);
    if (sl_lx_peek(lx) != '(') {
        sl_perr(ps, &loc, "foreach needs '(' $.var in expression ')'");
        skip_line(lx);
        return NULL;
    }
    sl_lx_adv(lx, 1);
    struct sl_stmt *st = sl_stmt_new(SL_ST_FOREACH, loc);
    if (parse_var_target(ps, &st->u.foreach_.var, loc, "foreach") != 0) {
        sl_stmt_free_list(st);
        skip_line(lx);
        return NULL;
    }
    sl_lx_skip_ws(lx, 0);
    if (!sl_lx_is_kw(lx, "in")) {
        sl_perr(ps, &loc, "foreach: 'in' expected");
        sl_stmt_free_list(st);
        skip_line(lx);
        return NULL;
    }
    sl_lx_adv(lx, 2);
    enum tok_kind stop;
    st->u.foreach_.iter = parse_expr(ps, &stop);
    if (st->u.foreach_.iter == NULL || stop != T_RP) {
        if (st->u.foreach_.iter != NULL) {
            sl_perr(ps, &loc, "foreach: missing ')'");
        }
        sl_stmt_free_list(st);
        skip_line(lx);
        return NULL;
    }
    sl_lx_skip_ws(lx, 0);
    if (!sl_lx_is_kw(lx, "do")) {
        sl_perr(ps, &loc, "foreach: 'do' expected");
        sl_stmt_free_list(st);
        skip_line(lx);
        return NULL;
    }
    sl_lx_adv(lx, 2);
    st->u.foreach_.body = parse_block(ps);
    return st;
}

static struct sl_stmt *parse_set(struct sl_pstate *ps, struct sl_loc loc, int unset)
{
    struct sl_stmt *st = sl_stmt_new(unset ? SL_ST_UNSET : SL_ST_SET, loc);
    if (parse_var_target(ps, &st->u.set.var, loc, unset ? "unset" : "set") != 0) {
        sl_stmt_free_list(st);
        skip_line(ps->lx);
        return NULL;
    }
    sl_lx_skip_ws(ps->lx, 0);
    if (unset) {
        if (sl_lx_peek(ps->lx) != ';') {
            sl_perr(ps, &loc, "unset: missing ';'");
            sl_stmt_free_list(st);
            return NULL;
        }
        sl_lx_adv(ps->lx, 1);
        return st;
    }
    if (sl_lx_peek(ps->lx) != '=') {
        sl_perr(ps, &loc, "set: missing '='");
        sl_stmt_free_list(st);
        skip_line(ps->lx);
        return NULL;
    }
    sl_lx_adv(ps->lx, 1);
    enum tok_kind stop;
    st->u.set.expr = parse_expr(ps, &stop);
    if (st->u.set.expr == NULL || stop != T_SEMI) {
        if (st->u.set.expr != NULL) {
            sl_perr(ps, &loc, "set: missing ';' after the expression");
        }
        sl_stmt_free_list(st);
        return NULL;
    }
    return st;
}

/* PRIFILT block */
static struct sl_stmt *parse_prifilt(struct sl_pstate *ps, size_t len)
{
    struct sl_lx *lx = ps->lx;
    struct sl_loc loc = sl_lx_loc(lx);
    char *text = sl_xstrndup(lx->s + lx->i, len);
    sl_lx_adv(lx, len);
    struct sl_stmt *st = sl_stmt_new(SL_ST_PRIFILT, loc);
    st->u.prifilt.text = text;
    int bad = sl_legacy_prifilt(ps, text, loc, st->u.prifilt.pmask) != 0;
    st->u.prifilt.then_ = parse_block(ps);
    if (bad) {
        sl_stmt_free_list(st);
        return NULL;
    }
    return st;
}

/* PROPFILT: ':prop, op, "value"' then block */
static struct sl_stmt *parse_propfilt(struct sl_pstate *ps)
{
    struct sl_lx *lx = ps->lx;
    struct sl_loc loc = sl_lx_loc(lx);
    size_t k = 0;
    int commas = 0;
    int c;
    /* up to the opening quote after the second comma, then to the closing quote */
    while ((c = sl_lx_peek_at(lx, k)) != -1 && c != '\n') {
        if (c == ',') {
            commas++;
        }
        if (c == '"' && commas >= 2) {
            break;
        }
        k++;
    }
    if (c != '"') {
        sl_perr(ps, &loc, "bad property filter: expected ':property, [!]operation, \"value\"'");
        skip_line(lx);
        return NULL;
    }
    k++;
    while ((c = sl_lx_peek_at(lx, k)) != -1 && c != '"' && c != '\n') {
        if (c == '\\' && sl_lx_peek_at(lx, k + 1) != -1 && sl_lx_peek_at(lx, k + 1) != '\n') {
            k++;
        }
        k++;
    }
    if (c != '"') {
        sl_perr(ps, &loc, "bad property filter: unterminated value string");
        skip_line(lx);
        return NULL;
    }
    k++;
    char *text = sl_xstrndup(lx->s + lx->i, k);
    sl_lx_adv(lx, k);
    struct sl_stmt *st = sl_legacy_propfilt(ps, text, loc);
    free(text);
    struct sl_stmt *body = parse_block(ps);
    if (st == NULL) {
        sl_stmt_free_list(body);
        return NULL;
    }
    st->u.propfilt.then_ = body;
    return st;
}

static struct sl_stmt *parse_stmt(struct sl_pstate *ps, int toplevel)
{
    struct sl_lx *lx = ps->lx;
    struct sl_loc loc = sl_lx_loc(lx);
    int c = sl_lx_peek(lx);
    size_t k;
    (void)toplevel;

    if (sl_lx_is_kw(lx, "if")) {
        sl_lx_adv(lx, 2);
        return parse_if(ps, loc);
    }
    if (sl_lx_is_kw(lx, "foreach")) {
        sl_lx_adv(lx, 7);
        return parse_foreach(ps, loc);
    }
    if (sl_lx_is_kw(lx, "set")) {
        sl_lx_adv(lx, 3);
        return parse_set(ps, loc, 0);
    }
    if (sl_lx_is_kw(lx, "reset")) {
        sl_lx_adv(lx, 5);
        struct sl_stmt *st = parse_set(ps, loc, 0);
        if (st != NULL) {
            st->u.set.force_reset = 1;
        }
        return st;
    }
    if (sl_lx_is_kw(lx, "unset")) {
        sl_lx_adv(lx, 5);
        return parse_set(ps, loc, 1);
    }
    if (sl_lx_is_obj(lx, "reload_lookup_table", &k)) {
        /* reload_lookup_table("name" [, "stub value"]), as rsyslog's grammar has it */
        sl_lx_adv(lx, k + 1);
        char *args[2] = { NULL, NULL };
        int na = 0, bad = 0;
        for (;;) {
            sl_lx_skip_ws(lx, 1);
            int ch = sl_lx_peek(lx);
            if (ch == ')' && na > 0) {
                sl_lx_adv(lx, 1);
                break;
            }
            if (ch == ',' && na > 0 && na < 2) {
                sl_lx_adv(lx, 1);
                continue;
            }
            if ((ch == '"' || ch == '\'') && na < 2) {
                if (sl_lx_string(lx, 0, &args[na]) != 0) {
                    bad = 1;
                    break;
                }
                na++;
                continue;
            }
            sl_perr(ps, &loc, "reload_lookup_table: expected (\"table\" [, \"stub value\"])");
            bad = 1;
            while (sl_lx_peek(lx) != -1 && sl_lx_peek(lx) != ')' && sl_lx_peek(lx) != '\n') {
                sl_lx_adv(lx, 1);
            }
            if (sl_lx_peek(lx) == ')') {
                sl_lx_adv(lx, 1);
            }
            break;
        }
        if (bad) {
            free(args[0]);
            free(args[1]);
            return NULL;
        }
        struct sl_stmt *st = sl_stmt_new(SL_ST_RELOAD_LOOKUP, loc);
        st->u.reload.table = args[0];
        st->u.reload.stub = args[1];
        return st;
    }
    if (sl_lx_is_kw(lx, "else")) {
        sl_perr(ps, &loc, "'else' without 'if'");
        sl_lx_adv(lx, 4);
        return NULL;
    }
    if (c == ':' && sl_lx_at_line_start(lx)) {
        size_t j = 1;
        while (isalnum(sl_lx_peek_at(lx, j))) {
            j++;
        }
        if (!(j > 1 && sl_lx_peek_at(lx, j) == ':')) {
            return parse_propfilt(ps);
        }
    }
    if ((k = prifilt_len(lx)) > 0) {
        return parse_prifilt(ps, k);
    }
    if (c == '{') {
        sl_perr(ps, &loc, "unexpected '{' (a block must follow a filter, 'then', 'else' or 'do')");
        sl_lx_adv(lx, 1);
        return NULL;
    }
    if (c == '}') {
        sl_perr(ps, &loc, "unexpected '}'");
        sl_lx_adv(lx, 1);
        return NULL;
    }
    if (c == '&') {
        sl_perr(ps, &loc, "'&' without a preceding action");
        sl_lx_adv(lx, 1);
        return NULL;
    }
    for (size_t i = 0; block_objects[i] != NULL; i++) {
        if (sl_lx_is_obj(lx, block_objects[i], &k)) {
            sl_perr(ps, &loc, "declarative object '%s' not permitted in action block",
                    block_objects[i]);
            sl_lx_adv(lx, k + 1);
            struct sl_kv *junk = NULL;
            parse_nvlst(ps, &junk, block_objects[i], loc);
            sl_kv_free_list(junk);
            return NULL;
        }
    }
    int matched;
    struct sl_stmt *s = parse_actlst(ps, &matched);
    if (matched) {
        return s;
    }
    if (c == '$') {
        sl_perr(ps, &loc, "$Directive not permitted here (must start a line outside blocks)");
    } else if (isprint(c)) {
        sl_perr(ps, &loc, "syntax error: unexpected character '%c'", c);
    } else {
        sl_perr(ps, &loc, "syntax error: unexpected character 0x%02x", c & 0xff);
    }
    skip_line(lx);
    return NULL;
}

/* ------------------------------------------------------------------ top level */

static void add_top(struct sl_pstate *ps, struct sl_stmt *s)
{
    if (s == NULL) {
        return;
    }
    if (ps->block_target != NULL) {
        sl_stmt_append(ps->block_target, s);
    } else {
        sl_stmt_append(&ps->cur_rs->stmts, s);
    }
}

/* !prog, +host, -host, !*, +* : sysklogd's BSD-style blocks.  rsyslog 8.2302 no longer
 * supports them: it reports an error and ignores the line (the following selectors then
 * apply to every message), and so do we. */
static void parse_bsd(struct sl_pstate *ps)
{
    struct sl_lx *lx = ps->lx;
    struct sl_loc loc = sl_lx_loc(lx);
    char *line = sl_lx_rest_of_line(lx);
    sl_perr_soft(ps, &loc, "BSD-style blocks are not supported (as in rsyslog 8.2302): '%s' "
                 "is ignored, the selectors after it apply to every message; use a filter "
                 "such as 'if $programname == \"...\" then { ... }'", line);
    free(line);
}

static void parse_ruleset_obj(struct sl_pstate *ps, struct sl_loc loc)
{
    struct sl_lx *lx = ps->lx;
    struct sl_kv *kv = NULL;
    int bad = parse_nvlst(ps, &kv, "ruleset", loc) != 0;
    struct sl_kv *nm = sl_kv_find(kv, "name");
    sl_lx_skip_ws(lx, 1);
    if (sl_lx_peek(lx) != '{') {
        sl_perr(ps, &loc, "ruleset() must be followed by '{' ... '}'");
        sl_kv_free_list(kv);
        return;
    }
    struct sl_stmt *body = parse_script_braced(ps);
    if (nm == NULL || nm->is_array || nm->str == NULL || nm->str[0] == '\0') {
        if (!bad) {
            sl_perr(ps, &loc, "ruleset() without name=");
        }
        sl_kv_free_list(kv);
        sl_stmt_free_list(body);
        return;
    }
    struct sl_ruleset_ir *r = sl_cnf_ruleset(ps->cnf, nm->str);
    if (r != NULL) {
        sl_perr(ps, &nm->loc, "ruleset '%s' already defined at %s:%d", nm->str, r->loc.file,
                r->loc.line);
        sl_kv_free_list(kv);
        sl_stmt_free_list(body);
        return;
    }
    r = sl_ruleset_get(ps, nm->str, loc, 1);
    r->kv = kv;
    r->stmts = body;
}

static void parse_include_obj(struct sl_pstate *ps, struct sl_loc loc)
{
    struct sl_kv *kv = NULL;
    if (parse_nvlst(ps, &kv, "include", loc) != 0) {
        sl_kv_free_list(kv);
        return;
    }
    if (config_disabled(&kv)) {
        sl_kv_free_list(kv);
        return;
    }
    struct sl_kv *file = sl_kv_find(kv, "file");
    struct sl_kv *text = sl_kv_find(kv, "text");
    struct sl_kv *mode = sl_kv_find(kv, "mode");
    int optional = 0;
    for (struct sl_kv *p = kv; p != NULL; p = p->next) {
        if (strcasecmp(p->name, "file") != 0 && strcasecmp(p->name, "text") != 0 &&
            strcasecmp(p->name, "mode") != 0) {
            sl_perr(ps, &p->loc, "include(): unknown parameter '%s'", p->name);
        }
    }
    if (mode != NULL && mode->str != NULL) {
        if (strcasecmp(mode->str, "optional") == 0) {
            optional = 1;
        } else if (strcasecmp(mode->str, "abort-if-missing") != 0) {
            sl_perr(ps, &mode->loc, "include(): invalid mode '%s' (optional or abort-if-missing)",
                    mode->str);
        }
    }
    if ((file == NULL) == (text == NULL)) {
        sl_perr(ps, &loc, "include() needs exactly one of file= or text=");
    } else if (file != NULL && file->str != NULL) {
        sl_include_glob(ps, file->str, optional, loc);
    } else if (text != NULL && text->str != NULL) {
        char *t = sl_xstrdup(text->str);
        sl_parse_text(ps, t, strlen(t), loc.file, 0);
        free(t);
    }
    sl_kv_free_list(kv);
}

static void parse_top(struct sl_pstate *ps)
{
    struct sl_lx *lx = ps->lx;
    struct sl_loc loc = sl_lx_loc(lx);
    int c = sl_lx_peek(lx);
    size_t k;

    if (c == '$' && sl_lx_at_line_start(lx) && isalpha(sl_lx_peek_at(lx, 1))) {
        char *line = sl_lx_rest_of_line(lx);
        sl_legacy_directive(ps, line, loc);
        free(line);
        return;
    }
    if (c == '!' && sl_lx_peek_at(lx, 1) != '=') {
        parse_bsd(ps);
        return;
    }
    if ((c == '+' || c == '-') && sl_lx_at_line_start(lx) && sl_lx_peek_at(lx, 1) != '/' &&
        sl_lx_peek_at(lx, 1) != '?') {
        parse_bsd(ps);
        return;
    }
    for (size_t i = 0; objnames[i].kw != NULL; i++) {
        if (sl_lx_is_obj(lx, objnames[i].kw, &k)) {
            sl_lx_adv(lx, k + 1);
            struct sl_obj *o = sl_obj_new(objnames[i].t, loc);
            parse_nvlst(ps, &o->kv, objnames[i].kw, loc);
            if (o->type == SL_OBJ_TEMPLATE) {
                size_t save_i = lx->i;
                int save_line = lx->line;
                if (sl_lx_skip_ws(lx, 1) != 0) {
                    /* an unterminated comment, reported: the cursor stays at the end */
                } else if (sl_lx_peek(lx) == '{') {
                    sl_lx_adv(lx, 1);
                    parse_tpl_children(ps, o, loc);
                } else {
                    lx->i = save_i;
                    lx->line = save_line;
                }
            }
            if (config_disabled(&o->kv)) {
                sl_obj_free(o);
                return;
            }
            if (o->type == SL_OBJ_TEMPLATE && check_dup_template(ps, o)) {
                sl_obj_free(o);
                return;
            }
            sl_cnf_add_obj(ps, o);
            return;
        }
    }
    if (sl_lx_is_obj(lx, "ruleset", &k)) {
        sl_lx_adv(lx, k + 1);
        parse_ruleset_obj(ps, loc);
        return;
    }
    if (sl_lx_is_obj(lx, "include", &k)) {
        sl_lx_adv(lx, k + 1);
        parse_include_obj(ps, loc);
        return;
    }
    if (sl_lx_is_obj(lx, "dyn_stats", &k)) {
        sl_perr(ps, &loc, "dyn_stats() is not supported by sluice");
        sl_lx_adv(lx, k + 1);
        struct sl_kv *junk = NULL;
        parse_nvlst(ps, &junk, "dyn_stats", loc);
        sl_kv_free_list(junk);
        return;
    }
    if (sl_lx_is_obj(lx, "property", &k) || sl_lx_is_obj(lx, "constant", &k)) {
        sl_perr(ps, &loc, "property()/constant() outside of a template body");
        sl_lx_adv(lx, k + 1);
        struct sl_kv *junk = NULL;
        parse_nvlst(ps, &junk, "template element", loc);
        sl_kv_free_list(junk);
        return;
    }
    add_top(ps, parse_stmt(ps, 1));
}

void sl_parse_text(struct sl_pstate *ps, const char *text, size_t n, const char *file,
                   int preprocess)
{
    struct sl_lx lx, *save = ps->lx;
    char *pre = NULL;
    int *map = NULL;
    size_t nmap = 0;
    if (preprocess) {
        pre = sl_lx_preprocess(text, n, &n, &map, &nmap);
        text = pre;
    }
    sl_lx_init(&lx, text, n, sl_cnf_intern_file(ps->cnf, file));
    lx.linemap = map;
    lx.nlinemap = nmap;
    lx.nocol = !preprocess;   /* include(text=): not the file's lines */
    ps->lx = &lx;
    for (;;) {
        if (sl_lx_skip_ws(&lx, 1) != 0) {
            break;
        }
        if (sl_lx_peek(&lx) == -1) {
            break;
        }
        size_t before = lx.i;
        parse_top(ps);
        if (lx.i == before) {
            sl_lx_adv(&lx, 1);
        }
    }
    ps->lx = save;
    free(pre);
    free(map);
}
