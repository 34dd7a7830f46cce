/*
 * expr/fn_json.c - the JSON and variable functions of RainerScript (exists,
 * parse_json, get_property, script_error, previous_action_suspended).
 *
 * Ownership: JSON values taken from the message are referenced or deep-copied into the result.
 * Concurrency & locking: script_error()'s code is per thread; the message's variables are read as the caller
 * allows (the ruleset worker owns the message while it runs the rules).
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <libfastjson/json.h>

#include "log.h"
#include "util/buf.h"
#include "expr/eval_int.h"

/* ---- JSON and variables ---- */
static int var_root(char c, enum sl_prop *root)
{
    switch (c) {
    case '!': *root = SL_PROP_CEE; return 0;
    case '.': *root = SL_PROP_LOCAL_VAR; return 0;
    case '/': *root = SL_PROP_GLOBAL_VAR; return 0;
    default: return -1;
    }
}

int init_exists(struct sl_expr *e)
{
    const struct sl_expr *a = e->args[0];

    if (a->op != SL_E_PROP || (a->prop.id != SL_PROP_CEE && a->prop.id != SL_PROP_LOCAL_VAR
                               && a->prop.id != SL_PROP_GLOBAL_VAR)) {
        sl_cfg_error(&e->loc, "exists() needs a variable ($!, $. or $/) as its parameter");
        return 1;
    }
    return 0;
}

void f_exists(const struct sl_expr *e, struct sl_msg *m, struct sl_val *out)
{
    const struct sl_expr *a = e->args[0];

    val_num(out, sl_msg_json_get(m, a->prop.id, a->prop.path ? a->prop.path : "") != NULL);
}

void f_parse_json(const struct sl_expr *e, struct sl_msg *m, struct sl_val *out)
{
    struct sl_val a, c;
    size_t len, cl;
    const char *s, *cs;
    struct fjson_tokener *tok;
    struct fjson_object *j = NULL;
    enum sl_prop root = SL_PROP_CEE;
    int rc = 1;

    fn_arg(e, 0, m, &a);
    fn_arg(e, 1, m, &c);
    s = val_to_str(&a, &len);
    cs = val_to_str(&c, &cl);
    if (cl > 0 && cs[0] == '$') {
        cs++;
        cl--;
    }
    tok = fjson_tokener_new();
    if (tok != NULL) {
        j = fjson_tokener_parse_ex(tok, s, (int)len);
        fjson_tokener_free(tok);
    }
    if (j != NULL && cl > 0 && var_root(cs[0], &root) == 0) {
        char *path = sl_xstrndup(cs + 1, cl - 1);
        /* rsyslog returns 0 for valid JSON even when the assignment is refused */
        (void)sl_msg_json_assign(m, root, path, j);
        rc = 0;
        free(path);
    } else if (j != NULL) {
        fjson_object_put(j);
    }
    tls_script_errno = rc;
    val_num(out, rc);
    val_free(&a);
    val_free(&c);
}

/* get_property(var, key): index into a JSON array (key as number) or object (key as
 * string); anything that is not a JSON collection is returned unchanged; misses are "".
 * script_error() afterwards, as rsyslogd 8.2302 sets it (probed): 1 for an object key that
 * is not there, an array index that is not a number or is negative, and a constant string
 * instead of a variable (whose result is ""); 0 otherwise, also for an index past the end.
 * A constant number as the variable gives "" as well. */
void f_get_property(const struct sl_expr *e, struct sl_msg *m, struct sl_val *out)
{
    struct sl_val a, k;
    struct fjson_object *el = NULL;
    int ok = 1;
    enum sl_expr_op op0 = e->args[0]->op;

    /* as rsyslog 8.2302's doFunc_get_property() */
    tls_script_errno = 0;
    if (op0 == SL_E_STR || op0 == SL_E_NUM) {
        tls_script_errno = op0 == SL_E_STR;
        val_copy_str(out, "", 0);
        return;
    }
    fn_arg(e, 0, m, &a);
    fn_arg(e, 1, m, &k);
    if (a.type == V_STR) {
        val_copy_str(out, a.s, a.len);   /* a string: itself, whatever the key */
    } else if (a.type != V_JSON || a.json == NULL) {
        val_copy_str(out, "", 0);        /* a number (rsyslog: a 1-byte NUL string) */
    } else {
        switch (fjson_object_get_type(a.json)) {
        case fjson_type_object: {
            char *key = val_cstr(&k, NULL);
            if (key[0] == '\0') {
                el = a.json;             /* the empty key: the object itself */
            } else if (!fjson_object_object_get_ex(a.json, key, &el)) {
                tls_script_errno = 1;
                el = NULL;
            }
            free(key);
            break;
        }
        case fjson_type_array: {
            int64_t idx = val_to_num(&k, &ok);
            /* rsyslog compares the index with sizeof(size_t): 8 and above are errors */
            if (!ok || idx < 0 || idx >= (int64_t)sizeof(size_t)) {
                tls_script_errno = 1;
            } else if (idx < fjson_object_array_length(a.json)) {
                el = fjson_object_array_get_idx(a.json, (int)idx);
            }
            break;
        }
        case fjson_type_boolean:
        case fjson_type_int:
            val_num(out, fjson_object_get_int64(a.json));
            val_free(&a);
            val_free(&k);
            return;
        case fjson_type_double:
            val_num(out, (int64_t)fjson_object_get_double(a.json));
            val_free(&a);
            val_free(&k);
            return;
        default:
            el = NULL;
            break;
        }
        if (el == NULL) {
            val_copy_str(out, "", 0);
        } else if (fjson_object_is_type(el, fjson_type_string)) {
            val_copy_str(out, fjson_object_get_string(el),
                         (size_t)fjson_object_get_string_len(el));
        } else {
            out->type = V_JSON;
            out->json = fjson_object_get(el);
        }
    }
    val_free(&a);
    val_free(&k);
}

void f_script_error(const struct sl_expr *e, struct sl_msg *m, struct sl_val *out)
{
    val_num(out, tls_script_errno);
}

void f_prev_suspended(const struct sl_expr *e, struct sl_msg *m, struct sl_val *out)
{
    val_num(out, 0);   /* the evaluator has no view of action state (see report) */
}
