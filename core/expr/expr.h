/*
 * expr/expr.h - RainerScript expressions: the AST the parser builds and the evaluator runs.
 *
 * The parser (conf/parse_expr.c) builds sl_expr trees and calls sl_expr_resolve() once per
 * expression at load time; resolve binds function names to the function table, checks
 * arities, compiles constant regexes (re_match, re_extract) and reports problems with
 * sl_cfg_error() at the expression's location (conf/expr_resolve.c).  Evaluation
 * (core/expr/) never looks a name up by string.
 *
 * Ownership: nodes are owned by the IR and freed by sl_expr_free().
 * Concurrency & locking: resolved trees are read-only; evaluation may run on many threads;
 * per-node state that is not thread-safe (glibc regex_t) is kept per thread by the evaluator.
 */
#ifndef SLUICE_EXPR_EXPR_H
#define SLUICE_EXPR_EXPR_H

#include <stdint.h>

#include "conf/ir.h"

enum sl_expr_op {
    SL_E_STR = 1,     /* constant string: str (after escape processing) */
    SL_E_NUM,         /* constant number: num */
    SL_E_ARRAY,       /* constant array: arr (["a","b"]) */
    SL_E_PROP,        /* property or variable: prop */
    SL_E_AND, SL_E_OR, SL_E_NOT,
    SL_E_EQ, SL_E_NE, SL_E_LT, SL_E_LE, SL_E_GT, SL_E_GE,
    SL_E_CONTAINS, SL_E_CONTAINS_I, SL_E_STARTSWITH, SL_E_STARTSWITH_I,
    SL_E_PLUS, SL_E_MINUS, SL_E_TIMES, SL_E_DIV, SL_E_MOD,
    SL_E_NEG,         /* unary minus: l */
    SL_E_CONCAT,      /* & */
    SL_E_FUNC         /* fname(args...) */
};

struct sl_func;       /* the evaluator's function table entry */

struct sl_expr {
    enum sl_expr_op op;
    struct sl_loc loc;
    struct sl_expr *l, *r;         /* operands (unary: l) */
    char *str;                     /* SL_E_STR */
    int64_t num;                   /* SL_E_NUM */
    struct sl_strarr arr;          /* SL_E_ARRAY */
    struct sl_propref prop;        /* SL_E_PROP */
    char *fname;                   /* SL_E_FUNC */
    struct sl_expr **args;
    size_t nargs;
    const struct sl_func *fn;      /* set by sl_expr_resolve */
    void *fdata;                   /* function's compiled data (e.g. regex), set by resolve */
};

/* Bind and check; 0 or the number of errors reported. */
int sl_expr_resolve(struct sl_expr *e);
void sl_expr_free(struct sl_expr *e);

/* Function modules the core provides (rsyslog's fmhash; expr/fn_hash.c): their functions
 * resolve only after the config loaded the module.  The parser resets the state per
 * config and reports every module() load; the engine skips these names when it loads
 * plugins.  Main thread only. */
void sl_expr_fmods_reset(void);
void sl_expr_fmod_load(const char *name);
int sl_expr_is_fmod(const char *name);

/* Evaluate as a condition (rsyslog's truth rules: non-empty non-"0" string, non-zero
 * number). */
int sl_expr_eval_bool(const struct sl_expr *e, struct sl_msg *m);

/* Evaluate to a JSON value for set $!x = expr (caller owns the result; NULL = null). */
struct fjson_object *sl_expr_eval_json(const struct sl_expr *e, struct sl_msg *m);

/* Evaluate to a string (malloc'd, NUL-terminated; caller frees). */
char *sl_expr_eval_str(const struct sl_expr *e, struct sl_msg *m);

/* HUP: reload every bound lookup table whose lookup_table() has reloadOnHUP on (the
 * default), as rsyslog does; a table that fails to load keeps its contents (logged).
 * Returns the number of failures.  Thread-safe with lookup() running. */
int sl_lookup_reload_all(void);
/* reload_lookup_table(): reload table t (a bound struct sl_lookup, NULL: nothing); if the
 * file does not load and stub is not NULL, every lookup() gives stub until the next
 * successful reload (rsyslog's stub table).  0 or -1.  Thread-safe. */
int sl_lookup_reload(void *t, const char *stub);
/* Drop one reference to a bound table (the IR's, at free time). */
void sl_lookup_release(void *t);

#endif
