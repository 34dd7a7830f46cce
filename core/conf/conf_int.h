/*
 * conf_int.h - private interfaces of the configuration front end (lexer, parser, legacy
 * desugaring, includes, IR helpers).  Not used outside core/conf.
 *
 * Ownership: a struct sl_pstate lives for one sl_cnf_load*() call and owns the text buffers
 * of the files being read; everything it builds is handed to the struct sl_cnf.
 *
 * Concurrency & locking: none; the front end runs on the main thread only.
 */
#ifndef SLUICE_CONF_CONF_INT_H
#define SLUICE_CONF_CONF_INT_H

#include <stddef.h>
#include <stdint.h>

#include "conf/ir.h"
#include "expr/expr.h"

/* ---- lexer: a cursor over one configuration text ---- */
struct sl_lx {
    const char *s;     /* text (NUL-terminated, n bytes) */
    size_t n;
    size_t i;          /* current position */
    int line;          /* line of s[i] */
    const char *file;  /* interned file name */
    const int *linemap; /* after sl_lx_preprocess: text line -> file line (or NULL) */
    size_t nlinemap;
    int nocol;          /* text is not the file's own (include(text=), a sub-expression):
                         * locations get no column, errors no source line */
};

/* rsyslog's file preprocessing: trailing blanks of every line are dropped, and a line
 * ending in '\\' is joined with the next one (whose leading blanks are dropped).  Returns
 * the new text (malloc'd, NUL-terminated) and, in *linemap (malloc'd, *nlines entries), the
 * original line number of every line of the new text. */
char *sl_lx_preprocess(const char *in, size_t n, size_t *outlen, int **linemap, size_t *nlines);

void sl_lx_init(struct sl_lx *lx, const char *text, size_t n, const char *file);
int sl_lx_peek(const struct sl_lx *lx);            /* next char or -1 */
int sl_lx_peek_at(const struct sl_lx *lx, size_t k); /* char at i+k or -1 */
void sl_lx_adv(struct sl_lx *lx, size_t k);        /* advance, counting lines */
struct sl_loc sl_lx_loc(const struct sl_lx *lx);
/* Skip blanks, newlines and comments; hash_comments: '#' starts a comment.  Reports an
 * unterminated block comment; returns the number of errors. */
int sl_lx_skip_ws(struct sl_lx *lx, int hash_comments);
/* Only blanks between the start of the current line and the cursor. */
int sl_lx_at_line_start(const struct sl_lx *lx);
/* Length of an identifier [A-Za-z_][A-Za-z0-9_.-]* at the cursor (extra chars in `more`). */
size_t sl_lx_ident_len(const struct sl_lx *lx, const char *more);
/* Case-insensitive keyword at cursor, not followed by an identifier character. */
int sl_lx_is_kw(const struct sl_lx *lx, const char *kw);
/* Keyword followed by optional blanks and '(' (object start); *len gets length up to '('. */
int sl_lx_is_obj(const struct sl_lx *lx, const char *kw, size_t *len);
/* Rest of the current line (without the newline); cursor moves to the newline. */
char *sl_lx_rest_of_line(struct sl_lx *lx);
/* Quoted string at the cursor (quote char at cursor).  objmode: object value escapes, else
 * expression escapes (where '$' must be escaped in "...").  Returns 0 or SL_ECONFIG (error
 * already reported). */
int sl_lx_string(struct sl_lx *lx, int objmode, char **out);

/* ---- parse state ---- */
struct sl_legacy_mod {
    char *module;                /* plugin name */
    struct sl_kv *kv;            /* implicit kvs, parameter names of the plugin */
    struct sl_legacy_mod *next;
};

struct sl_legacy {
    struct sl_kv *action_once;   /* $ActionQueue*, $ActionResume*: next legacy action only */
    struct sl_kv *action_all;    /* $ActionExecOnlyWhenPreviousIsSuspended,
                                  * $ActionExecOnlyOnceEveryInterval: every following
                                  * legacy action (rsyslog does not reset them per action) */
    struct sl_kv *action_next_legacy; /* $ActionExecOnlyEveryNthTime(Timeout): the next
                                  * legacy action only; action() neither uses nor resets them */
    struct sl_legacy_mod *mods;  /* output modules' directives from their descriptors
                                  * ($FileOwner & co for omfile, $ActionSendStreamDriver* for
                                  * omfwd): following legacy actions of that module; the
                                  * default template: every following action of it */
    struct sl_kv *ommail_to;     /* $ActionMailTo, accumulated: the next legacy ommail action
                                  * takes the list (rsyslog hands it over) */
    char *udp_address;           /* $UDPServerAddress */
    char *udp_ruleset;           /* $InputUDPServerBindRuleset */
    char *tcp_ruleset;           /* $InputTCPServerBindRuleset */
    char *tcp_inputname;         /* $InputTCPServerInputName */
    char *relp_ruleset;          /* $InputRELPServerBindRuleset */
};

/* $outchannel (core/conf/outchannel.c) */
struct sl_outchannel {
    char *name;
    char *file;                  /* NULL: none given */
    long long size;              /* 0: no limit */
    char *cmd;                   /* NULL: none */
    struct sl_loc loc;
    struct sl_outchannel *next;
};

struct sl_pstate {
    struct sl_cnf *cnf;
    struct sl_outchannel *och;   /* $outchannel definitions, in order */
    struct sl_lx *lx;
    char **incstack;             /* real paths of files being read (recursion check) */
    size_t nincstack;
    struct sl_ruleset_ir *cur_rs;      /* where top-level statements go ($RuleSet) */
    struct sl_stmt **block_target;     /* include() inside a block: statements go here */
    struct sl_legacy leg;
    int nactions;
    int depth;                   /* statement nesting (bounded) */
    struct sl_obj *obj_tail;
};

/* errors (counted in cnf->nerrors) */
void sl_perr(struct sl_pstate *ps, const struct sl_loc *loc, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* an error rsyslog runs past (see sl_cfg_error_soft in core/log.h) */
void sl_legacy_outchannel(struct sl_pstate *ps, const char *args, struct sl_loc loc);
const struct sl_outchannel *sl_outchannel_find(const struct sl_pstate *ps, const char *name,
                                               size_t len);
void sl_outchannel_free_all(struct sl_pstate *ps);

/* $AllowedSender (core/conf/acl.c); the global() object legacy directives fill */
void sl_legacy_allowed_sender(struct sl_pstate *ps, const char *args, struct sl_loc loc);
struct sl_obj *sl_legacy_global_obj(struct sl_pstate *ps, struct sl_loc loc);

void sl_perr_soft(struct sl_pstate *ps, const struct sl_loc *loc, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void sl_pwarn(struct sl_pstate *ps, const struct sl_loc *loc, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* ---- IR helpers (ir.c) ---- */
const char *sl_cnf_intern_file(struct sl_cnf *c, const char *name);
struct sl_kv *sl_kv_new(const char *name, const char *val, struct sl_loc loc, int implicit);
void sl_kv_append(struct sl_kv **list, struct sl_kv *kv);
void sl_kv_free_list(struct sl_kv *kv);
struct sl_kv *sl_kv_copy_list(const struct sl_kv *kv);
void sl_kv_set_implicit(struct sl_kv **list, const char *name, const char *val,
                        struct sl_loc loc);
void sl_kv_remove(struct sl_kv **list, const char *name);
struct sl_obj *sl_obj_new(enum sl_obj_type t, struct sl_loc loc);
void sl_obj_free(struct sl_obj *o);
void sl_cnf_add_obj(struct sl_pstate *ps, struct sl_obj *o);
struct sl_stmt *sl_stmt_new(enum sl_stmt_type t, struct sl_loc loc);
void sl_stmt_free_list(struct sl_stmt *s);
struct sl_ruleset_ir *sl_ruleset_get(struct sl_pstate *ps, const char *name,
                                     struct sl_loc loc, int create);
void sl_stmt_append(struct sl_stmt **list, struct sl_stmt *s);
void sl_strarr_free(struct sl_strarr *a);
/* Name and finish an action: "action-N-<module>" unless name= given.  Legacy actions get
 * the pending $Action... settings and the per-type defaults; action() objects only the
 * default template.  Either way the pending next-action settings are used up. */
void sl_action_finish(struct sl_pstate *ps, struct sl_stmt *st, int legacy);

/* ---- parser.c ---- */
/* Parse one text; preprocess: apply rsyslog's file preprocessing (line continuation). */
void sl_parse_text(struct sl_pstate *ps, const char *text, size_t n, const char *file,
                   int preprocess);
struct sl_expr *sl_parse_expr_str(struct sl_pstate *ps, const char *text, struct sl_loc loc);

/* ---- legacy.c ---- */
/* Selector text "mail.info;kern.none" -> pmask. Returns 0 or SL_ECONFIG (reported). */
int sl_legacy_prifilt(struct sl_pstate *ps, const char *text, struct sl_loc loc,
                      uint8_t pmask[25]);
/* Property filter ":prop, op, \"value\"" (text from ':' to the closing quote). */
struct sl_stmt *sl_legacy_propfilt(struct sl_pstate *ps, const char *text, struct sl_loc loc);
/* Legacy action text -> ACTION or STOP statement (NULL after a reported error). */
struct sl_stmt *sl_legacy_action(struct sl_pstate *ps, const char *text, struct sl_loc loc);
/* One "$Directive args" line (text starts at '$'). */
void sl_legacy_directive(struct sl_pstate *ps, const char *text, struct sl_loc loc);
void sl_legacy_free(struct sl_legacy *l);
/* What output module `module` ("omfile", "builtin:omfile") gets from legacy directives
 * so far (implicit kvs), or NULL. */
const struct sl_kv *sl_legacy_mod_defaults(struct sl_pstate *ps, const char *module);
/* Compile a property filter regex the way rsyslog does (value already unescaped). */
int sl_legacy_compile_re(struct sl_pstate *ps, struct sl_stmt *st, struct sl_loc loc);

/* ---- include.c ---- */
/* Read a file and parse it (with recursion check).  optional: missing file is no error.
 * Returns 0 or negative SL_E*. */
int sl_include_file(struct sl_pstate *ps, const char *path, int optional, struct sl_loc loc);
/* Glob / directory expansion, sorted; each match parsed in order. */
int sl_include_glob(struct sl_pstate *ps, const char *pattern, int optional,
                    struct sl_loc loc);
char *sl_read_file(const char *path, size_t *len);

/* ---- parser.c <-> parse_expr.c: the expression tokens, the parser's bounds ---- */
enum tok_kind {
    T_EOF = 0, T_ERR, T_LP, T_RP, T_LB, T_RB, T_COMMA, T_SEMI, T_ASSIGN,
    T_PLUS, T_MINUS, T_STAR, T_SLASH, T_PCT, T_AMP,
    T_EQ, T_NE, T_LT, T_LE, T_GT, T_GE,
    T_AND, T_OR, T_NOT, T_CONTAINS, T_CONTAINS_I, T_STARTSWITH, T_STARTSWITH_I,
    T_THEN, T_DO, T_IN, T_ELSE,
    T_NUM, T_STR, T_VAR, T_FUNC
};

#define SL_MAX_NESTING 200
#define SL_MAX_EXPR_NODES 5000

int var_to_ref(struct sl_pstate *ps, const char *name, struct sl_loc loc,
               struct sl_propref *ref);
struct sl_expr *parse_expr(struct sl_pstate *ps, enum tok_kind *stop);

#endif
