/*
 * expr/eval.c - RainerScript expression evaluation with rsyslog 8.2302's typing rules: the
 * values (struct sl_val), the operators, and the entry points sl_expr_eval_bool/_json/_str.
 * The built-in functions are in fn_*.c, regex.c, prifilt.c and lookup.c, their table in
 * functions.c; resolution (binding names, arity checks, compiling constants) runs at load
 * time in conf/expr_resolve.c.  This is the hot path: it runs for every message.
 *
 * Values are numbers, strings or JSON values (from $!, $. and $/ variables that are not
 * JSON strings).  Evaluation follows rsyslog, including its oddities, verified against
 * rsyslogd 8.2302:
 *   - "==" and "!=": string vs string compares strings; if one side is a number and the other
 *     converts completely ("-"? digits, or empty) the compare is numeric, else both sides are
 *     compared as strings.  A constant array on either side means "equals any element".
 *   - "<", "<=", ">", ">=": numeric when both sides convert, with the difference truncated
 *     to 32 bits as rsyslog does (so 4294967301 <= 5 holds), otherwise string compare.
 *   - "if" truth: the number value (strings convert by their leading digits), truncated to 8
 *     bits as rsyslog's sbool does: "256" is false.  and/or/not use the full number.
 *   - a constant array used as a value is its first element;
 *   - a JSON number on the right of "=="/"!=" is never equal (rsyslog compares with the
 *     object's storage), startswith_i matches a subject shorter than the prefix (libestr).
 * Every rule above is pinned by a unit test whose expected values came from rsyslogd.
 *
 * Ownership: nodes belong to the IR and are released by sl_expr_free(); fdata is owned by the
 * node and released through the function table entry (or, for comparison nodes optimized
 * into a priority mask, freed directly).  Lookup tables are shared by the lookup() nodes
 * that use them (atomic reference count).  Evaluation results (struct sl_val) live on the
 * caller's stack and are released with val_free(); the common case (property compared with
 * a constant) allocates nothing.
 *
 * Concurrency & locking: a resolved tree is read-only.  Evaluation may run on many threads at
 * once; per-thread state is limited to the regex copies (see expr_int.h), the script error
 * code (script_error()) and the random() generator state, all thread-local.  Regexes are
 * never matched through a shared regex_t: glibc's regexec() locks the pattern, and on this
 * 2-core machine 2 threads sharing one regex_t took 0.18 s for 2 x 400000 matches against
 * 0.07 s with per-thread copies (4 threads: 0.24 s vs 0.12 s).
 */
#include "config.h"

#include <ctype.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <libfastjson/json.h>

#include "util/buf.h"
#include "expr/eval_int.h"

static void val_init(struct sl_val *v)
{
    v->type = V_NUM;
    v->n = 0;
    v->s = "";
    v->len = 0;
    v->owned = NULL;
    v->json = NULL;
}

void val_free(struct sl_val *v)
{
    free(v->owned);
    v->owned = NULL;
    if (v->json != NULL) {
        fjson_object_put(v->json);
        v->json = NULL;
    }
}

void val_num(struct sl_val *v, int64_t n)
{
    v->type = V_NUM;
    v->n = n;
}

/* Take ownership of a malloc'd buffer of len bytes (NUL-terminated). */
void val_take(struct sl_val *v, char *p, size_t len)
{
    v->type = V_STR;
    v->owned = p;
    v->s = p;
    v->len = len;
}

void val_copy_str(struct sl_val *v, const char *s, size_t len)
{
    if (len < sizeof(v->buf)) {
        memcpy(v->buf, s, len);
        v->buf[len] = '\0';
        v->type = V_STR;
        v->s = v->buf;
        v->len = len;
    } else {
        val_take(v, sl_xstrndup(s, len), len);
    }
}

/* rsyslog's string-to-number: optional '-', decimal digits; complete iff every character
 * was consumed (the empty string converts to 0 successfully). */
int64_t str2num(const char *s, size_t len, int *ok)
{
    size_t i = 0;
    uint64_t n = 0;
    int neg = 0;

    if (len > 0 && s[0] == '-') {
        neg = 1;
        i = 1;
    }
    while (i < len && s[i] >= '0' && s[i] <= '9') {
        n = n * 10 + (uint64_t)(s[i] - '0');
        i++;
    }
    if (ok != NULL) {
        *ok = (i == len);
    }
    return neg ? (int64_t)(0 - n) : (int64_t)n;
}

/* The conversion rsyslog's optimizer applies when it folds cnum() of a constant string at
 * load time (libestr's): optional '-', then "0x" and hex digits, or '0' and octal digits,
 * or decimal digits; stops at the first other character.  cnum("0x10") is 16, cnum("010")
 * 8, cnum("0X1F") 0 - while the same strings coming from a message convert as decimals
 * (cnum($msg) of "010" is 10, of "0x10" 0). */
int64_t const_str2num(const char *s, size_t len)
{
    size_t i = 0;
    uint64_t n = 0;
    int neg = 0;

    if (len > 0 && s[0] == '-') {
        neg = 1;
        i = 1;
    }
    if (i + 1 < len && s[i] == '0' && s[i + 1] == 'x') {
        for (i += 2; i < len && sl_hexval(s[i]) >= 0; i++) {
            n = n * 16 + (uint64_t)sl_hexval(s[i]);
        }
    } else if (i < len && s[i] == '0') {
        for (; i < len && s[i] >= '0' && s[i] <= '7'; i++) {
            n = n * 8 + (uint64_t)(s[i] - '0');
        }
    } else {
        for (; i < len && s[i] >= '0' && s[i] <= '9'; i++) {
            n = n * 10 + (uint64_t)(s[i] - '0');
        }
    }
    return neg ? (int64_t)(0 - n) : (int64_t)n;
}

int64_t val_to_num(const struct sl_val *v, int *ok)
{
    if (ok != NULL) {
        *ok = 1;
    }
    switch (v->type) {
    case V_STR:
        return str2num(v->s, v->len, ok);
    case V_JSON:
        return v->json == NULL ? 0 : fjson_object_get_int64(v->json);
    default:
        return v->n;
    }
}

static size_t dump_cb(void *ptr, const char *buf, size_t len)
{
    return sl_buf_append((struct sl_buf *)ptr, buf, len) == 0 ? len : 0;
}

/* String form of any value; valid until v is freed or modified. */
const char *val_to_str(struct sl_val *v, size_t *len)
{
    const char *s;

    switch (v->type) {
    case V_NUM:
        *len = (size_t)snprintf(v->buf, sizeof(v->buf), "%" PRId64, v->n);
        return v->buf;
    case V_JSON:
        if (v->json == NULL) {
            *len = 0;
            return "";
        }
        if (fjson_object_is_type(v->json, fjson_type_string)) {
            s = fjson_object_get_string(v->json);
            *len = (size_t)fjson_object_get_string_len(v->json);
            return s != NULL ? s : "";
        }
        if (v->owned == NULL) {
            /* render privately: fjson_object_get_string() would cache into the object,
             * which other threads may be reading */
            struct sl_buf b = { NULL, 0, 0 };
            fjson_object_dump_ext(v->json, FJSON_TO_STRING_SPACED, dump_cb, &b);
            v->owned = b.p != NULL ? b.p : sl_xstrdup("");
            v->len = b.len;
        }
        *len = v->len;
        return v->owned;
    default:
        *len = v->len;
        return v->s;
    }
}

/* Malloc'd NUL-terminated copy of the string form. */
char *val_cstr(struct sl_val *v, size_t *lenp)
{
    size_t len;
    const char *s = val_to_str(v, &len);

    if (lenp != NULL) {
        *lenp = len;
    }
    return sl_xstrndup(s, len);
}

/* Deep copy of a JSON value (libfastjson has none). */
static struct fjson_object *json_deep_copy(struct fjson_object *src)
{
    struct fjson_object *dst;
    struct fjson_object_iterator it, end;
    int i, n;

    if (src == NULL) {
        return NULL;
    }
    switch (fjson_object_get_type(src)) {
    case fjson_type_boolean:
        return fjson_object_new_boolean(fjson_object_get_boolean(src));
    case fjson_type_double:
        return fjson_object_new_double(fjson_object_get_double(src));
    case fjson_type_int:
        return fjson_object_new_int64(fjson_object_get_int64(src));
    case fjson_type_string:
        return fjson_object_new_string_len(fjson_object_get_string(src),
                                           fjson_object_get_string_len(src));
    case fjson_type_array:
        dst = fjson_object_new_array();
        n = fjson_object_array_length(src);
        for (i = 0; i < n; i++) {
            fjson_object_array_add(dst, json_deep_copy(fjson_object_array_get_idx(src, i)));
        }
        return dst;
    case fjson_type_object:
        dst = fjson_object_new_object();
        it = fjson_object_iter_begin(src);
        end = fjson_object_iter_end(src);
        while (!fjson_object_iter_equal(&it, &end)) {
            fjson_object_object_add(dst, fjson_object_iter_peek_name(&it),
                                    json_deep_copy(fjson_object_iter_peek_value(&it)));
            fjson_object_iter_next(&it);
        }
        return dst;
    default:
        return NULL;
    }
}

/* Lexicographic compare of byte strings (libestr's es_strcmp order). */
static int bytes_cmp(const char *a, size_t la, const char *b, size_t lb)
{
    size_t n = la < lb ? la : lb;
    int r = n > 0 ? memcmp(a, b, n) : 0;

    if (r != 0) {
        return r;
    }
    return la < lb ? -1 : (la > lb ? 1 : 0);
}

/* startswith: a real prefix test.  startswith_i follows libestr's es_strncasecmp, which
 * stops at the end of the subject: a subject shorter than the prefix matches when it is a
 * prefix of it ("ab" and "" startswith_i "ABC" are true in rsyslog 8.2302). */
static int starts_with(const char *s, size_t sl, const char *p, size_t pl, int icase)
{
    size_t i;

    if (pl > sl) {
        if (!icase) {
            return 0;
        }
        pl = sl;
    }
    for (i = 0; i < pl; i++) {
        unsigned char a = (unsigned char)s[i], b = (unsigned char)p[i];
        if (icase) {
            a = (unsigned char)tolower(a);
            b = (unsigned char)tolower(b);
        }
        if (a != b) {
            return 0;
        }
    }
    return 1;
}

static void eval_node(const struct sl_expr *e, struct sl_msg *m, struct sl_val *out);

/* Evaluate argument i into v (caller frees). */
void fn_arg(const struct sl_expr *e, size_t i, struct sl_msg *m, struct sl_val *v)
{
    val_init(v);
    eval_node(e->args[i], m, v);
}

_Thread_local int tls_script_errno;
_Thread_local uint64_t tls_rand_state;

/* ---------------------------------------------------------------------------------------
 * Evaluation
 * ------------------------------------------------------------------------------------- */
static void eval_prop(const struct sl_expr *e, struct sl_msg *m, struct sl_val *out)
{
    const struct sl_propref *ref = &e->prop;
    char *to_free = NULL;
    size_t len = 0;
    const char *s;

    if (ref->id == SL_PROP_CEE || ref->id == SL_PROP_LOCAL_VAR || ref->id == SL_PROP_GLOBAL_VAR) {
        struct fjson_object *j = sl_msg_json_get(m, ref->id, ref->path ? ref->path : "");
        if (j == NULL) {
            out->type = V_STR;
            out->s = "";
            out->len = 0;
        } else if (fjson_object_is_type(j, fjson_type_string)) {
            out->json = fjson_object_get(j);
            out->type = V_STR;
            out->s = fjson_object_get_string(j);
            out->len = (size_t)fjson_object_get_string_len(j);
        } else {
            out->json = fjson_object_get(j);
            out->type = V_JSON;
        }
        return;
    }
    s = sl_msg_prop(m, ref, &len, out->buf, &to_free);
    out->type = V_STR;
    out->s = s != NULL ? s : "";
    out->len = s != NULL ? len : 0;
    out->owned = to_free;
}

static int in_array(const struct sl_strarr *a, const char *s, size_t len)
{
    size_t i;

    for (i = 0; i < a->n; i++) {
        if (strlen(a->v[i]) == len && memcmp(a->v[i], s, len) == 0) {
            return 1;
        }
    }
    return 0;
}

/* == and != (rsyslog keeps the exact, type-driven logic here). */
static int eval_equal(const struct sl_expr *e, struct sl_msg *m)
{
    const struct sl_expr *le = e->l, *re = e->r;
    struct sl_val l, r;
    const char *ls, *rs;
    size_t ll, rl;
    int eq, ok;
    int64_t n;

    if (le->op == SL_E_ARRAY && re->op != SL_E_ARRAY) {
        const struct sl_expr *t = le;   /* rsyslog's optimizer swaps these */
        le = re;
        re = t;
    }
    val_init(&l);
    val_init(&r);
    eval_node(le, m, &l);
    if (re->op == SL_E_ARRAY && (l.type == V_STR || (l.type == V_JSON && e->op == SL_E_EQ))) {
        /* (rsyslog's "!=" with a JSON left side compares with the first element only: that
         * case falls through to the generic code, where the array is its first element) */
        ls = val_to_str(&l, &ll);
        eq = in_array(&re->arr, ls, ll);
        val_free(&l);
        return e->op == SL_E_EQ ? eq : !eq;
    }
    eval_node(re, m, &r);
    if (r.type == V_JSON) {
        /* rsyslog 8.2302 compares the left number with the JSON operand's storage, not its
         * value: never equal, unless the left side is a non-numeric string, which is
         * compared with the JSON text ($!n == $!m is false even for equal numbers). */
        if (l.type == V_STR) {
            (void)str2num(l.s, l.len, &ok);
            if (!ok) {
                rs = val_to_str(&r, &rl);
                eq = bytes_cmp(l.s, l.len, rs, rl) == 0;
            } else {
                eq = 0;
            }
        } else {
            eq = 0;
        }
    } else if (l.type == V_STR && r.type == V_STR) {
        eq = bytes_cmp(l.s, l.len, r.s, r.len) == 0;
    } else if (l.type != V_NUM && r.type != V_NUM) {
        /* JSON (left) with a string: compare string forms */
        ls = val_to_str(&l, &ll);
        rs = val_to_str(&r, &rl);
        eq = bytes_cmp(ls, ll, rs, rl) == 0;
    } else if (l.type == V_NUM && r.type == V_NUM) {
        eq = l.n == r.n;
    } else {
        struct sl_val *sv = l.type == V_NUM ? &r : &l;   /* the non-number side */
        struct sl_val *nv = l.type == V_NUM ? &l : &r;
        n = val_to_num(sv, &ok);
        if (ok) {
            eq = n == nv->n;
        } else {
            ls = val_to_str(&l, &ll);
            rs = val_to_str(&r, &rl);
            eq = bytes_cmp(ls, ll, rs, rl) == 0;
        }
    }
    val_free(&l);
    val_free(&r);
    return e->op == SL_E_EQ ? eq : !eq;
}

/* <, <=, >, >= : numeric when both convert (difference truncated to int), else strings. */
static int eval_order(const struct sl_expr *e, struct sl_msg *m)
{
    struct sl_val l, r;
    int okl, okr, c;
    int64_t nl, nr;

    val_init(&l);
    val_init(&r);
    eval_node(e->l, m, &l);
    eval_node(e->r, m, &r);
    nl = val_to_num(&l, &okl);
    nr = val_to_num(&r, &okr);
    if (okl && okr) {
        c = (int)(int32_t)(uint32_t)((uint64_t)nl - (uint64_t)nr);
    } else {
        const char *ls, *rs;
        size_t ll, rl;
        ls = val_to_str(&l, &ll);
        rs = val_to_str(&r, &rl);
        c = bytes_cmp(ls, ll, rs, rl);
    }
    val_free(&l);
    val_free(&r);
    switch (e->op) {
    case SL_E_LT: return c < 0;
    case SL_E_LE: return c <= 0;
    case SL_E_GT: return c > 0;
    default: return c >= 0;
    }
}

static int eval_strop(const struct sl_expr *e, struct sl_msg *m)
{
    struct sl_val l, r;
    const char *ls, *rs;
    size_t ll, rl, i;
    int res = 0, icase = (e->op == SL_E_CONTAINS_I || e->op == SL_E_STARTSWITH_I);
    int contains = (e->op == SL_E_CONTAINS || e->op == SL_E_CONTAINS_I);

    val_init(&l);
    eval_node(e->l, m, &l);
    ls = val_to_str(&l, &ll);
    if (e->r->op == SL_E_ARRAY) {
        for (i = 0; i < e->r->arr.n && !res; i++) {
            const char *p = e->r->arr.v[i];
            res = contains ? sl_find_bytes(ls, ll, p, strlen(p), icase) != NULL
                           : starts_with(ls, ll, p, strlen(p), icase);
        }
    } else {
        val_init(&r);
        eval_node(e->r, m, &r);
        rs = val_to_str(&r, &rl);
        res = contains ? sl_find_bytes(ls, ll, rs, rl, icase) != NULL
                       : starts_with(ls, ll, rs, rl, icase);
        val_free(&r);
    }
    val_free(&l);
    return res;
}

static int64_t eval_num(const struct sl_expr *e, struct sl_msg *m)
{
    struct sl_val v;
    int64_t n;

    val_init(&v);
    eval_node(e, m, &v);
    n = val_to_num(&v, NULL);
    val_free(&v);
    return n;
}

static void eval_node(const struct sl_expr *e, struct sl_msg *m, struct sl_val *out)
{
    int64_t a, b;

    switch (e->op) {
    case SL_E_STR:
        out->type = V_STR;
        out->s = e->str != NULL ? e->str : "";
        out->len = strlen(out->s);
        break;
    case SL_E_NUM:
        val_num(out, e->num);
        break;
    case SL_E_ARRAY:
        out->type = V_STR;
        out->s = e->arr.n > 0 ? e->arr.v[0] : "";
        out->len = strlen(out->s);
        break;
    case SL_E_PROP:
        eval_prop(e, m, out);
        break;
    case SL_E_AND:
        val_num(out, eval_num(e->l, m) != 0 && eval_num(e->r, m) != 0);
        break;
    case SL_E_OR:
        val_num(out, eval_num(e->l, m) != 0 || eval_num(e->r, m) != 0);
        break;
    case SL_E_NOT:
        val_num(out, eval_num(e->l != NULL ? e->l : e->r, m) == 0);
        break;
    case SL_E_EQ:
    case SL_E_NE:
        if (e->fdata != NULL) {
            val_num(out, msg_pri_match(((const struct cmp_mask *)e->fdata)->pmask, m));
        } else {
            val_num(out, eval_equal(e, m));
        }
        break;
    case SL_E_LT:
    case SL_E_LE:
    case SL_E_GT:
    case SL_E_GE:
        val_num(out, eval_order(e, m));
        break;
    case SL_E_CONTAINS:
    case SL_E_CONTAINS_I:
    case SL_E_STARTSWITH:
    case SL_E_STARTSWITH_I:
        val_num(out, eval_strop(e, m));
        break;
    case SL_E_PLUS:
    case SL_E_MINUS:
    case SL_E_TIMES:
    case SL_E_DIV:
    case SL_E_MOD:
        a = eval_num(e->l, m);
        b = eval_num(e->r, m);
        if (e->op == SL_E_PLUS) {
            val_num(out, (int64_t)((uint64_t)a + (uint64_t)b));
        } else if (e->op == SL_E_MINUS) {
            val_num(out, (int64_t)((uint64_t)a - (uint64_t)b));
        } else if (e->op == SL_E_TIMES) {
            val_num(out, (int64_t)((uint64_t)a * (uint64_t)b));
        } else if (b == 0) {
            val_num(out, 0);   /* rsyslog: division by zero yields 0 */
        } else if (b == -1) {
            val_num(out, e->op == SL_E_DIV ? (int64_t)(0 - (uint64_t)a) : 0);
        } else {
            val_num(out, e->op == SL_E_DIV ? a / b : a % b);
        }
        break;
    case SL_E_NEG:
        val_num(out, (int64_t)(0 - (uint64_t)eval_num(e->l != NULL ? e->l : e->r, m)));
        break;
    case SL_E_CONCAT: {
        struct sl_val l, r;
        const char *ls, *rs;
        size_t ll, rl;
        char *p;
        val_init(&l);
        val_init(&r);
        eval_node(e->l, m, &l);
        eval_node(e->r, m, &r);
        ls = val_to_str(&l, &ll);
        rs = val_to_str(&r, &rl);
        p = sl_xmalloc(ll + rl + 1);
        memcpy(p, ls, ll);
        memcpy(p + ll, rs, rl);
        p[ll + rl] = '\0';
        val_take(out, p, ll + rl);
        val_free(&l);
        val_free(&r);
        break;
    }
    case SL_E_FUNC:
        if (e->fn == NULL) {
            val_num(out, 0);   /* unresolved (config error reported): evaluates to 0 */
        } else {
            e->fn->eval(e, m, out);
        }
        break;
    default:
        val_num(out, 0);
        break;
    }
}

int sl_expr_truth(int64_t n)
{
    /* rsyslog stores the if-condition in an sbool (char): only the low 8 bits count */
    return (n & 0xff) != 0;
}

int sl_expr_eval_bool(const struct sl_expr *e, struct sl_msg *m)
{
    if (e == NULL) {
        return 0;
    }
    return sl_expr_truth(eval_num(e, m));
}

struct fjson_object *sl_expr_eval_json(const struct sl_expr *e, struct sl_msg *m)
{
    struct sl_val v;
    struct fjson_object *j;

    if (e == NULL) {
        return NULL;
    }
    val_init(&v);
    eval_node(e, m, &v);
    switch (v.type) {
    case V_NUM:
        j = fjson_object_new_int64(v.n);
        break;
    case V_JSON:
        j = json_deep_copy(v.json);
        break;
    default:
        j = fjson_object_new_string_len(v.s, (int)v.len);
        break;
    }
    val_free(&v);
    return j;
}

char *sl_expr_eval_str(const struct sl_expr *e, struct sl_msg *m)
{
    struct sl_val v;
    char *s;

    if (e == NULL) {
        return sl_xstrdup("");
    }
    val_init(&v);
    eval_node(e, m, &v);
    s = val_cstr(&v, NULL);
    val_free(&v);
    return s;
}
