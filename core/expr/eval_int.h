/*
 * expr/eval_int.h - internals shared by the files of the RainerScript evaluator (core/expr/)
 * and by its load-time half (conf/expr_resolve.c).  Not for the rest of the core, which uses
 * expr/expr.h (the AST and the evaluation calls) and expr/expr_int.h.
 *
 * The evaluator's files:
 *   eval.c        values (struct sl_val), operators, sl_expr_eval_bool/_json/_str
 *   functions.c   the built-in function table (name, arity, init, eval, destroy)
 *   fn_string.c   string, number and address functions (strlen ... random)
 *   fn_json.c     JSON and variable functions (exists, parse_json, get_property, ...)
 *   fn_time.c     parse_time, is_time, format_time
 *   regex.c       the per-thread regex cache (sl_re_exec), re_match, re_extract
 *   prifilt.c     prifilt() and the selector decoder
 *   lookup.c      lookup tables (loaded at bind time) and lookup()
 *   fn_hash.c     fmhash's hash32/hash32mod/hash64/hash64mod
 *
 * Ownership: values live on the caller's stack and are released with val_free(); fdata of a
 * function node belongs to the node (released through its table entry's destroy).
 * Concurrency & locking: a resolved tree is read-only; the per-thread state (regex copies,
 * script_error() code, random() state) is thread-local.
 */
#ifndef SLUICE_EXPR_EVAL_INT_H
#define SLUICE_EXPR_EVAL_INT_H

#include <stddef.h>
#include <pthread.h>
#include <stdint.h>

#include "expr/expr.h"
#include "expr/expr_int.h"
#include "conf/expr_bind.h"
#include "util/strutil.h"
#include "util/syslog_names.h"

struct fjson_object;

/* ---------------------------------------------------------------------------------------
 * Values
 * ------------------------------------------------------------------------------------- */
enum { V_NUM = 1, V_STR, V_JSON };

struct sl_val {
    int type;
    int64_t n;                    /* V_NUM */
    const char *s;                /* V_STR: not necessarily NUL-terminated */
    size_t len;
    char *owned;                  /* malloc'd storage behind s, or NULL */
    struct fjson_object *json;    /* V_JSON value, or the string object behind s; held ref */
    char buf[SL_PROP_TMP];        /* property scratch and number formatting */
};

/* ---------------------------------------------------------------------------------------
 * Function table
 * ------------------------------------------------------------------------------------- */
typedef void (*sl_func_eval_fn)(const struct sl_expr *e, struct sl_msg *m, struct sl_val *out);

struct sl_func {
    const char *name;
    unsigned min_args, max_args;
    sl_func_eval_fn eval;
    int (*init)(struct sl_expr *e);   /* resolve time; returns the number of errors */
    void (*destroy)(void *fdata);
};

/* ---- priority masks: prifilt() (prifilt.c) and the comparisons of cmp_mask below ---- */
#define PRI_ALL 0xff
#define PRI_NONE_MARK 0x10   /* "none" */

/* ---- lookup tables (lookup.c; bound by conf/expr_resolve.c) ---- */
enum { LT_STRING = 1, LT_ARRAY, LT_SPARSE };

struct lt_entry {
    char *skey;        /* LT_STRING */
    uint32_t nkey;     /* LT_ARRAY, LT_SPARSE: rsyslog's 32-bit unsigned index */
    char *val;
};

struct sl_lookup {
    _Atomic int refs;  /* one per lookup() node using it */
    char *name;
    /* the table's contents: read under `lock` (shared), replaced by a reload (exclusive) */
    pthread_rwlock_t lock;
    int type;
    char *nomatch;
    size_t n;
    struct lt_entry *e;  /* sorted by key */
    /* set by lookup_register: reloaded by sl_lookup_reload_all (HUP) when reload_on_hup */
    char *file;
    int reload_on_hup;
    struct sl_lookup *reg_next, *reg_prev;
    int registered;
};

/* ---- exec_template() (functions.c; bound by conf/expr_resolve.c) ---- */
/* exec_template(): the engine's template registry and renderer (see sl_expr_bind_templates) */
struct tpl_binder {
    const struct sl_tpl_registry *reg;
    sl_expr_tpl_find_fn find;
    sl_expr_tpl_render_fn render;
};

/* fdata of a bound exec_template() node */
struct exec_tpl {
    const struct sl_template *tpl;
    sl_expr_tpl_render_fn render;
};

/* A comparison optimized the way rsyslog's optimizer does it: $syslogfacility-text or
 * $syslogseverity-text compared (==, !=) with a constant name becomes a priority mask,
 * matching names case-insensitively. */
struct cmp_mask {
    uint8_t pmask[25];
};

/* ---- functions shared between the files above (values in eval.c, the f_* and init_* of
 * the function table in their family's file) ---- */
void val_free(struct sl_val *v);
void val_num(struct sl_val *v, int64_t n);
void val_take(struct sl_val *v, char *p, size_t len);
void val_copy_str(struct sl_val *v, const char *s, size_t len);
int64_t str2num(const char *s, size_t len, int *ok);
int64_t const_str2num(const char *s, size_t len);
int64_t val_to_num(const struct sl_val *v, int *ok);
const char *val_to_str(struct sl_val *v, size_t *len);
char *val_cstr(struct sl_val *v, size_t *lenp);
void fn_arg(const struct sl_expr *e, size_t i, struct sl_msg *m, struct sl_val *v);
extern _Thread_local int tls_script_errno;
extern _Thread_local uint64_t tls_rand_state;
void re_data_free(void *p);
int init_re(struct sl_expr *e);
int init_re_i(struct sl_expr *e);
void f_re_match(const struct sl_expr *e, struct sl_msg *m, struct sl_val *out);
void f_re_extract(const struct sl_expr *e, struct sl_msg *m, struct sl_val *out);
int name_lookup(const char *s, size_t len, int is_fac);
int msg_pri_match(const uint8_t *pmask, struct sl_msg *m);
int init_prifilt(struct sl_expr *e);
void f_prifilt(const struct sl_expr *e, struct sl_msg *m, struct sl_val *out);
void f_strlen(const struct sl_expr *e, struct sl_msg *m, struct sl_val *out);
void f_tolower(const struct sl_expr *e, struct sl_msg *m, struct sl_val *out);
void f_cstr(const struct sl_expr *e, struct sl_msg *m, struct sl_val *out);
void f_cnum(const struct sl_expr *e, struct sl_msg *m, struct sl_val *out);
void f_getenv(const struct sl_expr *e, struct sl_msg *m, struct sl_val *out);
void f_substring(const struct sl_expr *e, struct sl_msg *m, struct sl_val *out);
void f_replace(const struct sl_expr *e, struct sl_msg *m, struct sl_val *out);
void f_wrap(const struct sl_expr *e, struct sl_msg *m, struct sl_val *out);
void f_ltrim(const struct sl_expr *e, struct sl_msg *m, struct sl_val *out);
void f_rtrim(const struct sl_expr *e, struct sl_msg *m, struct sl_val *out);
void f_field(const struct sl_expr *e, struct sl_msg *m, struct sl_val *out);
void f_int2hex(const struct sl_expr *e, struct sl_msg *m, struct sl_val *out);
void f_num2ipv4(const struct sl_expr *e, struct sl_msg *m, struct sl_val *out);
void f_ipv42num(const struct sl_expr *e, struct sl_msg *m, struct sl_val *out);
void f_random(const struct sl_expr *e, struct sl_msg *m, struct sl_val *out);
int init_exists(struct sl_expr *e);
void f_exists(const struct sl_expr *e, struct sl_msg *m, struct sl_val *out);
void f_parse_json(const struct sl_expr *e, struct sl_msg *m, struct sl_val *out);
void f_get_property(const struct sl_expr *e, struct sl_msg *m, struct sl_val *out);
void f_script_error(const struct sl_expr *e, struct sl_msg *m, struct sl_val *out);
void f_prev_suspended(const struct sl_expr *e, struct sl_msg *m, struct sl_val *out);
void f_parse_time(const struct sl_expr *e, struct sl_msg *m, struct sl_val *out);
void f_is_time(const struct sl_expr *e, struct sl_msg *m, struct sl_val *out);
void f_format_time(const struct sl_expr *e, struct sl_msg *m, struct sl_val *out);
void lookup_unref(void *p);
struct sl_lookup *lookup_load(const char *name, const char *file, const struct sl_loc *loc);
/* A bound table joins the list sl_lookup_reload_all() walks (until its last unref). */
void lookup_register(struct sl_lookup *t, const char *file, int reload_on_hup);
int init_lookup(struct sl_expr *e);
void f_lookup(const struct sl_expr *e, struct sl_msg *m, struct sl_val *out);
void f_exec_template(const struct sl_expr *e, struct sl_msg *m, struct sl_val *out);
int init_fmhash(struct sl_expr *e);
void f_hash32(const struct sl_expr *e, struct sl_msg *m, struct sl_val *out);
void f_hash32mod(const struct sl_expr *e, struct sl_msg *m, struct sl_val *out);
void f_hash64(const struct sl_expr *e, struct sl_msg *m, struct sl_val *out);
void f_hash64mod(const struct sl_expr *e, struct sl_msg *m, struct sl_val *out);
extern const struct sl_func sl_expr_functions[];

#endif
