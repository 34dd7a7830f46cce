/*
 * ir.h - the one intermediate representation of a configuration.
 *
 * Legacy sysklogd selector lines, $Directives and RainerScript all become these objects.
 * The front end (lexer.c, parser.c, legacy.c, include handling) builds an sl_cnf from the
 * main file and its includes, checks everything it can check without the plugins (syntax,
 * regexes, property names, ruleset/template references), and reports every problem as
 * "FILE:LINE: message" through sl_cfg_error().  The engine then binds object parameters to
 * plugin descriptors (params.c) and builds the runtime.  sl_cnf_dump() prints the IR in a
 * stable text form for golden tests (-N1 --dump).
 *
 * Ownership: everything hangs off the sl_cnf and is freed by sl_cnf_free().  The engine may
 * store its own pointers in the `rt` fields; the IR never frees them.
 *
 * Concurrency & locking: built and checked on the main thread.  After load, the statement
 * trees are read-only and sl_ruleset_exec() runs on many worker threads at once.
 */
#ifndef SLUICE_CONF_IR_H
#define SLUICE_CONF_IR_H

#include <regex.h>
#include <stdint.h>
#include <stdio.h>

#include "sluice/sl_plugin.h"
#include "msg.h"

struct sl_loc {
    const char *file; /* interned in the sl_cnf; "" for built-in text */
    int line;
    int col;          /* 1-based byte column of the token on that line; 0: not known (the
                       * error then shows no source line, see sl_cfg_error in log.h) */
};

/* name=value parameter of an object, as written. */
struct sl_kv {
    char *name;            /* as written; compare with strcasecmp */
    int is_array;
    char *str;             /* !is_array */
    struct sl_strarr arr;  /* is_array */
    struct sl_loc loc;
    struct sl_loc vloc;    /* where the value starts (col 0: not known, e.g. legacy lines):
                            * errors about the value put their caret there */
    int implicit;          /* added by a legacy $Directive: silently ignored where unknown */
    int used;              /* set by parameter binding; unused explicit ones are errors */
    int secret;            /* set by parameter binding: the parameter is SL_P_SECRET, so the
                            * value is never printed (dump, error messages) */
    struct sl_kv *next;
};

enum sl_obj_type {
    SL_OBJ_GLOBAL = 1,
    SL_OBJ_MODULE,
    SL_OBJ_INPUT,
    SL_OBJ_TEMPLATE,
    SL_OBJ_TPL_PROPERTY,   /* child of a list template */
    SL_OBJ_TPL_CONSTANT,   /* child of a list template */
    SL_OBJ_MAIN_QUEUE,
    SL_OBJ_PARSER,
    SL_OBJ_LOOKUP_TABLE,
    SL_OBJ_TIMEZONE
};

struct sl_obj {
    enum sl_obj_type type;
    struct sl_kv *kv;
    struct sl_loc loc;
    struct sl_obj *children; /* list template elements, in order */
    struct sl_obj *next;
    void *rt;                /* engine's runtime object */
};

/* ---- expressions (RainerScript) ---- */
struct sl_expr;   /* defined in expr.h, owned by the front end */

/* ---- statements ---- */
enum sl_stmt_type {
    SL_ST_NOP = 0,
    SL_ST_ACTION,      /* action(...) or a legacy action */
    SL_ST_IF,          /* if expr then ... else ... */
    SL_ST_PRIFILT,     /* legacy selector "mail.info;kern.none" */
    SL_ST_PROPFILT,    /* ":prop, [!]op, \"value\"" */
    SL_ST_STOP,        /* stop, ~ */
    SL_ST_CALL,        /* call name, call_indirect expr; */
    SL_ST_SET,         /* set $!x = expr; */
    SL_ST_UNSET,       /* unset $!x; */
    SL_ST_FOREACH,
    SL_ST_RELOAD_LOOKUP /* reload_lookup_table("name" [, "stub value"]) */
};

enum sl_propfilt_op {
    SL_PF_CONTAINS = 1, SL_PF_ISEQUAL, SL_PF_STARTSWITH, SL_PF_REGEX, SL_PF_EREREGEX,
    SL_PF_ISEMPTY, SL_PF_CONTAINS_I, SL_PF_STARTSWITH_I /* rsyslog has no _i here; reserved */
};

struct sl_action_ir {
    struct sl_kv *kv;      /* "type" first, then the parameters */
    struct sl_loc loc;
    char *name;            /* action name: name= or "action-N-<type>" as rsyslog numbers them */
    void *rt;              /* engine's compiled action */
};

struct sl_stmt {
    enum sl_stmt_type type;
    struct sl_loc loc;
    struct sl_stmt *next;
    union {
        struct sl_action_ir act;
        struct {
            struct sl_expr *cond;
            struct sl_stmt *then_, *else_;
        } cond;
        struct {
            /* pmask[facility] has bit (1 << severity) set when the selector matches;
             * index 0..23 facilities, 24 = LOG_NFACILITIES (the "mark"/invalid slot). */
            uint8_t pmask[25];
            char *text;                /* as written, for dumps */
            struct sl_stmt *then_;
        } prifilt;
        struct {
            struct sl_propref prop;
            enum sl_propfilt_op op;
            int negate;
            char *value;               /* after rsyslog's unescaping */
            regex_t *re;               /* compiled at load time (regex/ereregex) */
            _Atomic uint64_t re_site;  /* rule.c's sl_re_exec site id (0 until first use) */
            struct sl_stmt *then_;
        } propfilt;
        struct {
            char *name;                /* NULL for call_indirect */
            struct sl_ruleset_ir *target; /* resolved at load time */
            struct sl_expr *expr;      /* call_indirect: the ruleset name, per message */
            const struct sl_cnf *cnf;  /* call_indirect: where to look the name up */
        } call;
        struct {
            struct sl_propref var;     /* SL_PROP_CEE / LOCAL_VAR / GLOBAL_VAR */
            struct sl_expr *expr;      /* NULL for unset */
            int force_reset;           /* "reset": replace whatever is there */
        } set;
        struct {
            struct sl_propref var;
            struct sl_expr *iter;
            struct sl_stmt *body;
        } foreach_;
        struct {
            char *table;
            char *stub;                /* NULL: keep the old contents if the reload fails */
            void *lt;                  /* the bound table (expr/lookup.c), one reference */
        } reload;
    } u;
};

struct sl_ruleset_ir {
    char *name;                 /* "RSYSLOG_DefaultRuleset" for the default one */
    struct sl_kv *kv;           /* ruleset(...) parameters: queue.*, parser= */
    struct sl_loc loc;
    struct sl_stmt *stmts;
    void *rt;                   /* engine's runtime ruleset */
    struct sl_ruleset_ir *next;
};

struct sl_cnf {
    struct sl_obj *objs;              /* every object in config order */
    struct sl_ruleset_ir *rulesets;   /* the default ruleset first */
    char **files;                     /* interned file names */
    size_t nfiles;
    int nerrors;                      /* problems reported while loading, incl. those rsyslog runs past */
    int nwarnings;
};

/* Load path (and its includes).  Every problem is reported with sl_cfg_error(); returns
 * the config (possibly with nerrors > 0, for -N reporting) or NULL if the main file cannot
 * be read at all. */
struct sl_cnf *sl_cnf_load(const char *path);
/* Same from a string (tests; include(text=) uses it internally). fname is used in locations. */
struct sl_cnf *sl_cnf_load_string(const char *text, const char *fname);
void sl_cnf_free(struct sl_cnf *c);
/* Stable text dump of the whole IR for golden tests.  Secrets are redacted (log.h). */
void sl_cnf_dump(const struct sl_cnf *c, FILE *out);
void sl_stmt_head_dump(FILE *o, const struct sl_stmt *s);  /* one line, for the tester */

/* The text to show for value v of kv (the string or an array element): see log.h for the
 * redaction rule. */
const char *sl_redact(int secret, const char *name, const char *v, char *buf, size_t size);
static inline const char *sl_kv_shown(const struct sl_kv *kv, const char *v, char *buf,
                                      size_t size)
{
    return kv != NULL ? sl_redact(kv->secret, kv->name, v, buf, size)
                      : sl_redact(0, NULL, v, buf, size);
}

struct sl_kv *sl_kv_find(struct sl_kv *list, const char *name);  /* case-insensitive */

/* Plugin descriptors for the front end: $Directives of plugins come from the `legacy` fields
 * of their parameter tables.  builtins (NULL-terminated, may be NULL) are always there;
 * fn(name, arg) returns the descriptor of a module a config loads by name (module(load=),
 * $ModLoad), or NULL.  Without it only the core's own directives are known.  Set before
 * sl_cnf_load(); config time only. */
typedef const struct sl_plugin *(*sl_cnf_plugin_fn)(const char *name, void *arg);
void sl_cnf_set_plugins(sl_cnf_plugin_fn fn, void *arg, const struct sl_plugin *const *builtins);
struct sl_ruleset_ir *sl_cnf_ruleset(const struct sl_cnf *c, const char *name);
/* "; did you mean 'NAME'?" for an unknown ruleset name, or "" (into buf). */
const char *sl_cnf_ruleset_suggest(const struct sl_cnf *c, const char *name, char *buf,
                                   size_t size);

/* ---- rule execution ---- */
enum { SL_EXEC_CONTINUE = 0, SL_EXEC_STOP = 1 };

struct sl_exec_ops {
    /* run (or enqueue for) action a with message m */
    void (*action)(void *ctx, struct sl_action_ir *a, struct sl_msg *m);
    /* called before set/unset (or a new foreach value) change m (the hook may be NULL):
     * actions that already ran must see the values as they were, as in rsyslog, so the
     * engine delivers what it collected of m.  m is NULL when state every message shares
     * changes (a $/ global variable): then everything collected is delivered. */
    void (*modify)(void *ctx, struct sl_msg *m);
    /* call / call_indirect of rs (may be NULL): returns 1 when the engine handed a copy of m
     * to rs's own queue (rsyslog's asynchronous call: the rest of this ruleset goes on, a
     * stop there does not end it), 0 to run rs's statements here. */
    int (*call)(void *ctx, const struct sl_ruleset_ir *rs, struct sl_msg *m);
    /* (may be NULL; the rule tester, core/ruletest.c) st was just run for m: a filter (if,
     * selector, property filter) with result 0 or 1, or set/unset/stop/call (-1) */
    void (*trace)(void *ctx, const struct sl_stmt *st, struct sl_msg *m, int result);
};

/* Run the statements of rs for m (parsed already).  Returns SL_EXEC_STOP if a "stop"
 * ended processing (a stop inside a called ruleset ends the whole message, as rsyslog). */
int sl_ruleset_exec(const struct sl_ruleset_ir *rs, struct sl_msg *m,
                    const struct sl_exec_ops *ops, void *ctx);

#endif
