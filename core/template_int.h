/*
 * template_int.h - private structures shared by template.c (compile side) and
 * template_render.c (render side).  Not for use outside core/template*.c.
 *
 * Ownership: a struct sl_template owns its element array and everything the elements point
 * to (constant text, property path, outname, regex source and compiled copies).  Templates
 * are owned by their registry and freed with it.
 *
 * Concurrency & locking: a compiled template is immutable except for the per-element regex
 * pool, which hands out compiled copies of a regex through atomic busy flags and compiles
 * missing copies under the pool's mutex (glibc's regexec serialises callers sharing one
 * regex_t, so each concurrent renderer gets its own copy).
 */
#ifndef SLUICE_CORE_TEMPLATE_INT_H
#define SLUICE_CORE_TEMPLATE_INT_H

#include <pthread.h>
#include <regex.h>
#include <stdatomic.h>

#include "msg.h"
#include "template.h"

enum tpl_el_kind { TPL_EL_CONST = 1, TPL_EL_PROP = 2 };

/* Escaping applied to every property value of a template (template option). */
enum tpl_escape { TPL_ESC_NONE = 0, TPL_ESC_SQL, TPL_ESC_STDSQL, TPL_ESC_JSON, TPL_ESC_JSONF };

enum tpl_regex_nomatch { TPL_NM_DFLT = 0, TPL_NM_BLANK, TPL_NM_ZERO, TPL_NM_FIELD };
enum tpl_case { TPL_CASE_NONE = 0, TPL_CASE_LOWER, TPL_CASE_UPPER };
enum tpl_cc { TPL_CC_NONE = 0, TPL_CC_ESCAPE, TPL_CC_SPACE, TPL_CC_DROP };
/* TPL_SP_CONFINE: dynaFile confinement (confined views only, never parsed from a config):
 * every '/' becomes '_', a value "." or ".." becomes "_", an empty value stays empty (so
 * names rsyslog builds from empty properties do not change) */
enum tpl_secpath { TPL_SP_NONE = 0, TPL_SP_DROP, TPL_SP_REPLACE, TPL_SP_CONFINE };
enum tpl_format { TPL_FMT_NONE = 0, TPL_FMT_CSV, TPL_FMT_JSON, TPL_FMT_JSONF, TPL_FMT_JSONR,
                  TPL_FMT_JSONFR };
/* list-template dataType= and onEmpty=: only format="jsonf"/"jsonfr" looks at them */
enum tpl_dtype { TPL_DT_STRING = 0, TPL_DT_NUMBER, TPL_DT_AUTO, TPL_DT_BOOL };
enum tpl_onempty { TPL_OE_KEEP = 0, TPL_OE_SKIP, TPL_OE_NULL };
/* sluice-only SIEM options (template_siem.c): format-specific escaping / subtree rendering */
enum tpl_siem { TPL_SIEM_NONE = 0, TPL_SIEM_HEADER, TPL_SIEM_CEF_EXT, TPL_SIEM_LEEF_ATTR,
                TPL_SIEM_SD, TPL_SIEM_GELF, TPL_SIEM_SEVERITY };

#define TPL_RE_POOL 16
#define TPL_BAD_REGEX "**NO MATCH** **BAD REGULAR EXPRESSION**"  /* rsyslog's marker */

/* Compiled copies of one regex, handed out to concurrent renderers. */
struct tpl_re_pool {
    char *src;
    int cflags;
    pthread_mutex_t mu;            /* protects compiling a missing copy */
    atomic_flag busy[TPL_RE_POOL];
    atomic_int ready[TPL_RE_POOL]; /* copy i compiled */
    regex_t re[TPL_RE_POOL];
};

struct tpl_el {
    enum tpl_el_kind kind;
    /* constant */
    char *text;
    size_t len;
    /* property */
    struct sl_propref ref;
    char *outname;              /* jsonf field name (NULL for constants without outname) */
    size_t outname_len;
    int complex;                /* any replacer option present */
    enum sl_datefmt datefmt;
    int date_set;               /* a date-* option was given */
    int date_utc;
    int from, to;               /* substring positions (0/0: none) */
    int pos_end_rel;
    int fixed_width;
    int has_field;
    int field_nr;
    int field_delim;
    struct tpl_re_pool *re;     /* NULL: no regex */
    int re_bad;                 /* the regex does not compile: renders rsyslog's marker */
    int re_ere;
    int re_match, re_submatch;
    enum tpl_regex_nomatch re_nomatch;
    enum tpl_case casec;
    enum tpl_cc cc;
    enum tpl_secpath secpath;
    int sp_if_no_1st_sp;
    int sp_always;              /* strgen flavour: also add the space to an empty value */
    int drop_last_lf;
    int compress_sp;
    enum tpl_format format;
    enum tpl_dtype dtype;
    enum tpl_onempty onempty;
    int mandatory;
    enum tpl_siem siem;         /* sluice-only: cef-header, cef-ext, ... (template_siem.c) */
    /* set when the template is registered (template.c classify_fast): an element the
     * renderer can do without the replacer pipeline; 0 = the general path */
    unsigned char fast;
};

enum tpl_fast { TPL_FAST_NONE = 0, TPL_FAST_MSG_SPIF, TPL_FAST_MSG_DROPLF, TPL_FAST_DATE,
                TPL_FAST_SUBSTR };

struct sl_template {
    char *name;
    enum tpl_escape escape;
    int case_sensitive;
    int is_subtree;
    struct sl_propref subtree;
    struct tpl_el *els;
    size_t n, cap;
    struct sl_template *next;
    /* a confined view (sl_tpl_confined): shares view_of's elements, renders every property
     * element without a secpath option as secpath-replace; not found by sl_tpl_find */
    const struct sl_template *view_of;
    /* set when the template is registered (template_fast.c sl_tpl_classify_builtin): one of
     * the built-in file / forwarding formats, rendered by straight-line code instead of the
     * element loop (NULL: the element loop); fast_name says which, for tests and dumps.  A
     * confined view never has one (it renders through the loop). */
    int (*render_fn)(struct sl_msg *m, struct sl_buf *out);
    const char *fast_name;
};

struct sl_tpl_registry {
    struct sl_template *head, *tail;
};

struct sl_tpl_builder {
    struct sl_tpl_registry *reg;
    struct sl_template *t;
    int failed;
    int closed;                 /* a soft error ended the list: further elements ignored */
};

/* template_render.c */
void sl_tpl_json_escape(struct sl_buf *out, const char *p, size_t n, int keep_valid_escapes);
void sl_tpl_re_pool_free(struct tpl_re_pool *pool);
struct tpl_re_pool *sl_tpl_re_pool_new(const char *src, int ere, char *errbuf, size_t errlen);

/* The element loop, whatever render_fn says (the reference the fast renderers are tested
 * against; sl_template_render() is what everything else calls). */
int sl_tpl_render_generic(const struct sl_template *t, struct sl_msg *m, struct sl_buf *out);

/* template_fast.c: sets or clears t->render_fn / t->fast_name from t's element list (call
 * again after changing an element); sl_tpl_fast_name(): the renderer's name or NULL. */
void sl_tpl_classify_builtin(struct sl_template *t);
const char *sl_tpl_fast_name(const struct sl_template *t);

/* template_siem.c */
void sl_tpl_siem_escape(struct sl_buf *out, enum tpl_siem f, const char *p, size_t n);
void sl_tpl_siem_render(const struct tpl_el *e, struct sl_msg *m, const char *p, size_t n,
                        struct sl_buf *out);

/* template.c <-> template_list.c (compile side) */
int tpl_date_opt(const char *w, enum sl_datefmt *fmt);
void set_err(struct sl_tpl_err *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
struct sl_template *tpl_new(const char *name);
struct tpl_el *tpl_push(struct sl_template *t, enum tpl_el_kind kind);
void el_clear(struct tpl_el *e);
void tpl_free(struct sl_template *t);
void reg_add(struct sl_tpl_registry *r, struct sl_template *t);
void apply_case(struct sl_template *t);
int set_option(struct sl_template *t, const char *opt, struct sl_tpl_err *err);

#endif
