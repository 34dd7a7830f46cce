/*
 * parse_expr.c - the RainerScript expression parser of the config front end: its tokenizer
 * (on top of the lexer, lexer.c) and a precedence-climbing parser with rsyslog 8.2302's
 * levels: and/or (one level, left associative) < comparisons < + - & < * / % < unary - and
 * not.  Builds struct sl_expr trees (expr/expr.h) and resolves them (conf/expr_resolve.c);
 * statements and objects are parsed in parser.c, which calls parse_expr().
 *
 * Ownership: the trees built belong to the IR (ps->cnf); temporary strings are freed before
 * returning.  Nesting and node counts are bounded (SL_MAX_NESTING, SL_MAX_EXPR_NODES).
 * Concurrency & locking: none (main thread, config load only).
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "conf/conf_int.h"
#include "expr/expr.h"
#include "log.h"
#include "util/buf.h"

struct tok {
    enum tok_kind k;
    char *s;        /* T_STR, T_VAR (without '$'), T_FUNC */
    int64_t n;
    struct sl_loc loc;
};

struct ep {
    struct sl_pstate *ps;
    struct sl_lx *lx;
    struct tok t;   /* current token */
    int nerr;
    int depth;      /* nesting, bounded so that hostile input cannot exhaust the stack */
    int nodes;      /* nodes built, bounded for the same reason (the tree walkers recurse) */
};

static const struct {
    const char *w;
    enum tok_kind k;
} expr_words[] = {
    { "and", T_AND }, { "or", T_OR }, { "not", T_NOT }, { "contains_i", T_CONTAINS_I },
    { "contains", T_CONTAINS }, { "startswith_i", T_STARTSWITH_I },
    { "startswith", T_STARTSWITH }, { "then", T_THEN }, { "do", T_DO }, { "in", T_IN },
    { "else", T_ELSE }, { NULL, T_EOF }
};

static void tok_clear(struct tok *t)
{
    free(t->s);
    t->s = NULL;
}

/* Read the next expression token into e->t. */
static void ep_next(struct ep *e)
{
    struct sl_lx *lx = e->lx;
    tok_clear(&e->t);
    e->nerr += sl_lx_skip_ws(lx, 0);
    e->t.loc = sl_lx_loc(lx);
    int c = sl_lx_peek(lx);
    int c1 = sl_lx_peek_at(lx, 1);
    switch (c) {
    case -1: e->t.k = T_EOF; return;
    case '(': e->t.k = T_LP; sl_lx_adv(lx, 1); return;
    case ')': e->t.k = T_RP; sl_lx_adv(lx, 1); return;
    case '[': e->t.k = T_LB; sl_lx_adv(lx, 1); return;
    case ']': e->t.k = T_RB; sl_lx_adv(lx, 1); return;
    case ',': e->t.k = T_COMMA; sl_lx_adv(lx, 1); return;
    case ';': e->t.k = T_SEMI; sl_lx_adv(lx, 1); return;
    case '+': e->t.k = T_PLUS; sl_lx_adv(lx, 1); return;
    case '-': e->t.k = T_MINUS; sl_lx_adv(lx, 1); return;
    case '*': e->t.k = T_STAR; sl_lx_adv(lx, 1); return;
    case '/': e->t.k = T_SLASH; sl_lx_adv(lx, 1); return;
    case '%': e->t.k = T_PCT; sl_lx_adv(lx, 1); return;
    case '&': e->t.k = T_AMP; sl_lx_adv(lx, 1); return;
    case '=':
        if (c1 == '=') {
            e->t.k = T_EQ;
            sl_lx_adv(lx, 2);
        } else {
            e->t.k = T_ASSIGN;
            sl_lx_adv(lx, 1);
        }
        return;
    case '!':
        if (c1 == '=') {
            e->t.k = T_NE;
            sl_lx_adv(lx, 2);
            return;
        }
        break;
    case '<':
        if (c1 == '=') {
            e->t.k = T_LE;
            sl_lx_adv(lx, 2);
        } else if (c1 == '>') {
            e->t.k = T_NE;
            sl_lx_adv(lx, 2);
        } else {
            e->t.k = T_LT;
            sl_lx_adv(lx, 1);
        }
        return;
    case '>':
        if (c1 == '=') {
            e->t.k = T_GE;
            sl_lx_adv(lx, 2);
        } else {
            e->t.k = T_GT;
            sl_lx_adv(lx, 1);
        }
        return;
    case '"':
    case '\'':
        if (sl_lx_string(lx, 0, &e->t.s) != 0) {
            e->nerr++;
            e->t.k = T_ERR;
        } else {
            e->t.k = T_STR;
        }
        return;
    case '$': {
        size_t k = 1;
        int d = sl_lx_peek_at(lx, k);
        if (d == '$' || d == '!' || d == '.' || d == '/') {
            k++;
        }
        for (;;) {
            d = sl_lx_peek_at(lx, k);
            if (d != -1 && (isalnum(d) || strchr("@_!-.[]", d) != NULL)) {
                k++;
            } else {
                break;
            }
        }
        e->t.k = T_VAR;
        e->t.s = sl_xstrndup(lx->s + lx->i + 1, k - 1);
        sl_lx_adv(lx, k);
        return;
    }
    default:
        break;
    }
    if (c >= '0' && c <= '9') {
        size_t k = 0;
        while (isalnum(sl_lx_peek_at(lx, k))) {
            k++;
        }
        char *txt = sl_xstrndup(lx->s + lx->i, k);
        char *end = NULL;
        errno = 0;
        long long v = strtoll(txt, &end, 0);
        if (end == NULL || *end != '\0' || errno != 0) {
            sl_cfg_error(&e->t.loc, "invalid number '%s' in expression", txt);
            e->nerr++;
            e->t.k = T_ERR;
        } else {
            e->t.k = T_NUM;
            e->t.n = v;
        }
        free(txt);
        sl_lx_adv(lx, k);
        return;
    }
    if (isalpha(c)) {
        size_t k = sl_lx_ident_len(lx, NULL);
        for (size_t i = 0; expr_words[i].w != NULL; i++) {
            if (strlen(expr_words[i].w) == k &&
                strncasecmp(lx->s + lx->i, expr_words[i].w, k) == 0) {
                e->t.k = expr_words[i].k;
                sl_lx_adv(lx, k);
                return;
            }
        }
        e->t.k = T_FUNC;
        e->t.s = sl_xstrndup(lx->s + lx->i, k);
        sl_lx_adv(lx, k);
        return;
    }
    sl_cfg_error(&e->t.loc, "invalid character '%c' in expression", c);
    e->nerr++;
    e->t.k = T_ERR;
    sl_lx_adv(lx, 1);
}

static struct sl_expr *ex_new(enum sl_expr_op op, struct sl_loc loc)
{
    struct sl_expr *x = sl_xcalloc(1, sizeof *x);
    x->op = op;
    x->loc = loc;
    return x;
}

static struct sl_expr *ex_bin(enum sl_expr_op op, struct sl_expr *l, struct sl_expr *r,
                              struct sl_loc loc)
{
    struct sl_expr *x = ex_new(op, loc);
    x->l = l;
    x->r = r;
    return x;
}

/* Property name as written after '$' -> ref; error reported when unknown.  As in rsyslog,
 * the text after the first '$' is the property name: "$msg" is msg, "$$now" is $now (a
 * plain "$now" is unknown), "$!a" / "$.a" / "$/a" are variables. */
int var_to_ref(struct sl_pstate *ps, const char *name, struct sl_loc loc,
               struct sl_propref *ref)
{
    struct sl_buf b = { 0 };
    sl_buf_printf(&b, "$%s", name);
    int rc;
    if (name[0] == '!' || name[0] == '.' || name[0] == '/') {
        rc = sl_propref_parse(b.p, b.len, ref);
    } else {
        rc = sl_propref_parse(name, strlen(name), ref);
    }
    if (rc != 0) {
        char hint[160];
        sl_perr(ps, &loc, "unknown property '%s'%s", b.p,
                sl_prop_suggest(name, hint, sizeof hint));
        memset(ref, 0, sizeof *ref);
    }
    sl_buf_free(&b);
    return rc == 0 ? 0 : SL_ECONFIG;
}

static struct sl_expr *ep_expr(struct ep *e);

static struct sl_expr *ep_primary(struct ep *e)
{
    struct sl_loc loc = e->t.loc;
    struct sl_expr *x;
    switch (e->t.k) {
    case T_LP:
        ep_next(e);
        e->depth++;
        x = ep_expr(e);
        e->depth--;
        if (x == NULL) {
            return NULL;
        }
        if (e->t.k != T_RP) {
            sl_cfg_error(&e->t.loc, "missing ')' in expression");
            e->nerr++;
            sl_expr_free(x);
            return NULL;
        }
        ep_next(e);
        return x;
    case T_NUM:
        x = ex_new(SL_E_NUM, loc);
        x->num = e->t.n;
        ep_next(e);
        return x;
    case T_STR:
        x = ex_new(SL_E_STR, loc);
        x->str = e->t.s;
        e->t.s = NULL;
        ep_next(e);
        return x;
    case T_VAR:
        x = ex_new(SL_E_PROP, loc);
        if (var_to_ref(e->ps, e->t.s, loc, &x->prop) != 0) {
            e->nerr++;
        }
        ep_next(e);
        return x;
    case T_LB:
        x = ex_new(SL_E_ARRAY, loc);
        ep_next(e);
        for (;;) {
            if (e->t.k != T_STR) {
                sl_cfg_error(&e->t.loc, "array elements must be strings");
                e->nerr++;
                sl_expr_free(x);
                return NULL;
            }
            x->arr.v = sl_xrealloc(x->arr.v, (x->arr.n + 1) * sizeof(char *));
            x->arr.v[x->arr.n++] = e->t.s;
            e->t.s = NULL;
            ep_next(e);
            if (e->t.k == T_COMMA) {
                ep_next(e);
                continue;
            }
            if (e->t.k == T_RB) {
                ep_next(e);
                return x;
            }
            sl_cfg_error(&e->t.loc, "missing ']' in array");
            e->nerr++;
            sl_expr_free(x);
            return NULL;
        }
    case T_FUNC: {
        x = ex_new(SL_E_FUNC, loc);
        x->fname = e->t.s;
        e->t.s = NULL;
        ep_next(e);
        if (e->t.k != T_LP) {
            sl_cfg_error(&loc, "unexpected word '%s' in expression (function call without '(')",
                         x->fname);
            e->nerr++;
            sl_expr_free(x);
            return NULL;
        }
        ep_next(e);
        if (e->t.k == T_RP) {
            ep_next(e);
            return x;
        }
        for (;;) {
            e->depth++;
            struct sl_expr *a = ep_expr(e);
            e->depth--;
            if (a == NULL) {
                sl_expr_free(x);
                return NULL;
            }
            x->args = sl_xrealloc(x->args, (x->nargs + 1) * sizeof *x->args);
            x->args[x->nargs++] = a;
            if (e->t.k == T_COMMA) {
                ep_next(e);
                continue;
            }
            if (e->t.k == T_RP) {
                ep_next(e);
                return x;
            }
            sl_cfg_error(&e->t.loc, "missing ')' after arguments of %s()", x->fname);
            e->nerr++;
            sl_expr_free(x);
            return NULL;
        }
    }
    case T_ERR:
        return NULL;
    case T_EOF:
        sl_cfg_error(&loc, "unexpected end of file in expression");
        e->nerr++;
        return NULL;
    default:
        sl_cfg_error(&loc, "syntax error in expression (unexpected token)");
        e->nerr++;
        return NULL;
    }
}

static struct sl_expr *ep_unary(struct ep *e)
{
    struct sl_loc loc = e->t.loc;
    if (e->depth > SL_MAX_NESTING) {
        sl_cfg_error(&loc, "expression nested too deeply (more than %d levels)", SL_MAX_NESTING);
        e->nerr++;
        return NULL;
    }
    if (e->t.k == T_NOT || e->t.k == T_MINUS) {
        enum sl_expr_op op = e->t.k == T_NOT ? SL_E_NOT : SL_E_NEG;
        ep_next(e);
        e->depth++;
        struct sl_expr *l = ep_unary(e);
        e->depth--;
        if (l == NULL) {
            return NULL;
        }
        return ex_bin(op, l, NULL, loc);
    }
    return ep_primary(e);
}

static int binop_level(enum tok_kind k, enum sl_expr_op *op)
{
    switch (k) {
    case T_AND: *op = SL_E_AND; return 1;
    case T_OR: *op = SL_E_OR; return 1;
    case T_EQ: *op = SL_E_EQ; return 2;
    case T_NE: *op = SL_E_NE; return 2;
    case T_LT: *op = SL_E_LT; return 2;
    case T_LE: *op = SL_E_LE; return 2;
    case T_GT: *op = SL_E_GT; return 2;
    case T_GE: *op = SL_E_GE; return 2;
    case T_CONTAINS: *op = SL_E_CONTAINS; return 2;
    case T_CONTAINS_I: *op = SL_E_CONTAINS_I; return 2;
    case T_STARTSWITH: *op = SL_E_STARTSWITH; return 2;
    case T_STARTSWITH_I: *op = SL_E_STARTSWITH_I; return 2;
    case T_PLUS: *op = SL_E_PLUS; return 3;
    case T_MINUS: *op = SL_E_MINUS; return 3;
    case T_AMP: *op = SL_E_CONCAT; return 3;
    case T_STAR: *op = SL_E_TIMES; return 4;
    case T_SLASH: *op = SL_E_DIV; return 4;
    case T_PCT: *op = SL_E_MOD; return 4;
    default: return 0;
    }
}

/* precedence climbing, all binary operators left associative */
static struct sl_expr *ep_bin(struct ep *e, int minlev)
{
    struct sl_expr *l = ep_unary(e);
    if (l == NULL) {
        return NULL;
    }
    for (;;) {
        enum sl_expr_op op;
        int lev = binop_level(e->t.k, &op);
        if (lev == 0 || lev < minlev) {
            return l;
        }
        if (++e->nodes > SL_MAX_EXPR_NODES) {
            sl_cfg_error(&e->t.loc, "expression too large (more than %d operators)",
                         SL_MAX_EXPR_NODES);
            e->nerr++;
            sl_expr_free(l);
            return NULL;
        }
        struct sl_loc loc = e->t.loc;
        ep_next(e);
        struct sl_expr *r = ep_bin(e, lev + 1);
        if (r == NULL) {
            sl_expr_free(l);
            return NULL;
        }
        l = ex_bin(op, l, r, loc);
    }
}

static struct sl_expr *ep_expr(struct ep *e)
{
    return ep_bin(e, 1);
}

/* Parse an expression at the cursor; stops at a token that cannot continue it (which is
 * left in *stop, the cursor just after it).  Resolves the tree.  NULL on error. */
struct sl_expr *parse_expr(struct sl_pstate *ps, enum tok_kind *stop)
{
    struct ep e = { ps, ps->lx, { T_EOF, NULL, 0, { NULL, 0, 0 } }, 0, 0, 0 };
    ep_next(&e);
    struct sl_expr *x = ep_expr(&e);
    *stop = e.t.k;
    tok_clear(&e.t);
    if (x != NULL && e.nerr > 0) {
        sl_expr_free(x);
        x = NULL;
    }
    if (x != NULL) {
        sl_expr_resolve(x);
    }
    return x;
}

struct sl_expr *sl_parse_expr_str(struct sl_pstate *ps, const char *text, struct sl_loc loc)
{
    struct sl_lx lx, *save = ps->lx;
    sl_lx_init(&lx, text, strlen(text), loc.file);
    lx.line = loc.line;
    lx.nocol = 1;
    ps->lx = &lx;
    enum tok_kind stop;
    struct sl_expr *x = parse_expr(ps, &stop);
    if (x != NULL && stop != T_EOF) {
        sl_perr(ps, &loc, "trailing text after expression");
        sl_expr_free(x);
        x = NULL;
    }
    ps->lx = save;
    return x;
}
