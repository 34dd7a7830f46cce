/*
 * expr/functions.c - the table of RainerScript built-in functions (name, arity,
 * load-time init, evaluation, destroy of the node data) that conf/expr_resolve.c binds
 * function calls against, and the few functions that belong to no family (exec_template,
 * the unsupported ones).
 *
 * Ownership: the table is static data; exec_template()'s fdata belongs to its node.
 * Concurrency & locking: read-only.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "expr/eval_int.h"

/* exec_template("name"): the template rendered for the message, as a string.  The name
 * must be a constant; the template is bound once the engine has built its registry. */
static int init_exec_template(struct sl_expr *e)
{
    if (e->args[0]->op != SL_E_STR) {
        sl_cfg_error(&e->loc, "exec_template(): the template name must be a constant string");
        return 1;
    }
    return 0;
}

void f_exec_template(const struct sl_expr *e, struct sl_msg *m, struct sl_val *out)
{
    const struct exec_tpl *x = e->fdata;
    struct sl_buf b = { NULL, 0, 0 };

    if (x == NULL || x->render(x->tpl, m, &b) != 0 || b.p == NULL) {
        free(b.p);
        val_copy_str(out, "", 0);
        return;
    }
    val_take(out, b.p, b.len);
}

static int init_unsupported(struct sl_expr *e)
{
    sl_cfg_error(&e->loc, "function '%s' is not supported by sluice yet", e->fname);
    return 1;
}

static void f_zero(const struct sl_expr *e, struct sl_msg *m, struct sl_val *out)
{
    val_num(out, 0);
}

const struct sl_func sl_expr_functions[] = {
    { "strlen", 1, 1, f_strlen, NULL, NULL },
    { "getenv", 1, 1, f_getenv, NULL, NULL },
    { "num2ipv4", 1, 1, f_num2ipv4, NULL, NULL },
    { "int2hex", 1, 1, f_int2hex, NULL, NULL },
    { "substring", 3, 3, f_substring, NULL, NULL },
    { "ltrim", 1, 1, f_ltrim, NULL, NULL },
    { "rtrim", 1, 1, f_rtrim, NULL, NULL },
    { "tolower", 1, 1, f_tolower, NULL, NULL },
    { "cstr", 1, 1, f_cstr, NULL, NULL },
    { "cnum", 1, 1, f_cnum, NULL, NULL },
    { "ip42num", 1, 1, f_ipv42num, NULL, NULL },
    { "ipv42num", 1, 1, f_ipv42num, NULL, NULL },
    { "re_match", 2, 2, f_re_match, init_re, re_data_free },
    { "re_match_i", 2, 2, f_re_match, init_re_i, re_data_free },
    { "re_extract", 5, 5, f_re_extract, init_re, re_data_free },
    { "re_extract_i", 5, 5, f_re_extract, init_re_i, re_data_free },
    { "field", 3, 3, f_field, NULL, NULL },
    { "prifilt", 1, 1, f_prifilt, init_prifilt, free },
    { "replace", 3, 3, f_replace, NULL, NULL },
    { "wrap", 2, 3, f_wrap, NULL, NULL },
    { "random", 1, 1, f_random, NULL, NULL },
    { "format_time", 2, 2, f_format_time, NULL, NULL },
    { "parse_time", 1, 1, f_parse_time, NULL, NULL },
    { "is_time", 1, 2, f_is_time, NULL, NULL },
    { "parse_json", 2, 2, f_parse_json, NULL, NULL },
    { "exists", 1, 1, f_exists, init_exists, NULL },
    { "get_property", 2, 2, f_get_property, NULL, NULL },
    { "lookup", 2, 2, f_lookup, init_lookup, lookup_unref },
    { "script_error", 0, 0, f_script_error, NULL, NULL },
    { "previous_action_suspended", 0, 0, f_prev_suspended, NULL, NULL },
    /* fmhash's (fn_hash.c): known only after module(load="fmhash") */
    { "hash32", 1, 2, f_hash32, init_fmhash, NULL },
    { "hash32mod", 2, 3, f_hash32mod, init_fmhash, NULL },
    { "hash64", 1, 2, f_hash64, init_fmhash, NULL },
    { "hash64mod", 2, 3, f_hash64mod, init_fmhash, NULL },
    /* known to rsyslog 8.2302 but not implemented here: rejected at load time */
    { "exec_template", 1, 1, f_exec_template, init_exec_template, free },
    { "dyn_inc", 2, 2, f_zero, init_unsupported, NULL },
    { NULL, 0, 0, NULL, NULL, NULL }
};
