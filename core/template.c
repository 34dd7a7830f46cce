/*
 * template.c - template registry and compiler: string templates with rsyslog's property
 * replacer syntax (%name:from:to:options:fieldname%), legacy $template lines, list
 * templates built element by element, subtree templates, and the built-in RSYSLOG_*
 * templates of rsyslog 8.2302.  Rendering lives in template_render.c.
 *
 * Ownership and lifetime: the registry owns every template added to it; pointers returned
 * by the add/find functions stay valid until sl_tpl_registry_free().  A list builder owns
 * its half-built template until sl_tpl_list_end() adds it to the registry (or frees it on
 * error).
 *
 * Concurrency & locking: compiling happens on the configuration thread only; the registry
 * is not locked.  Once compiled, templates are immutable (see template_int.h for the regex
 * pool, the one part touched at render time).
 *
 * Fidelity notes (checked against rsyslogd 8.2302, see tests/data/template):
 *   - v6 string templates take the string as the config front end unescaped it; only legacy
 *     $template lines get rsyslog's own escapes (\n \r \\ \% \<decimal>, others drop the
 *     backslash).  There is no "%%" escape: "%%" is an empty (invalid) property name.
 *   - A list constant's value is unescaped a second time (C escapes), as rsyslog does.
 *   - Unknown property names, bad regexes, a regex without "--end", list parameters that
 *     rsyslog rejects are compile errors; unknown replacer options are only warned about
 *     (rsyslog ignores them too).
 *   - The four strgen-backed built-ins (RSYSLOG_FileFormat, ...TraditionalFileFormat,
 *     ...ForwardFormat, ...TraditionalForwardFormat) add the space before an empty MSG,
 *     unlike the sp-if-no-1st-sp option; that is what rsyslog's string generators do.
 *   - Subtree templates render as an empty string, as rsyslog 8.2302's string rendering
 *     of a subtree template does (omfile writes nothing for them).
 */
#include "config.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "log.h"
#include "template_int.h"
#include "util/buf.h"

/* ------------------------------------------------------------------------------------- */
/* errors                                                                                */
/* ------------------------------------------------------------------------------------- */

static void set_err(struct sl_tpl_err *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void set_err(struct sl_tpl_err *err, const char *fmt, ...)
{
    if (err == NULL) {
        return;
    }
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err->text, sizeof(err->text), fmt, ap);
    va_end(ap);
}

/* ------------------------------------------------------------------------------------- */
/* template objects                                                                      */
/* ------------------------------------------------------------------------------------- */

static struct sl_template *tpl_new(const char *name)
{
    struct sl_template *t = sl_xcalloc(1, sizeof(*t));
    t->name = sl_xstrdup(name);
    return t;
}

static struct tpl_el *tpl_push(struct sl_template *t, enum tpl_el_kind kind)
{
    if (t->n == t->cap) {
        t->cap = t->cap ? t->cap * 2 : 8;
        t->els = sl_xrealloc(t->els, t->cap * sizeof(*t->els));
    }
    struct tpl_el *e = &t->els[t->n++];
    memset(e, 0, sizeof(*e));
    e->kind = kind;
    return e;
}

static void el_clear(struct tpl_el *e)
{
    free(e->text);
    free(e->outname);
    if (e->kind == TPL_EL_PROP) {
        sl_propref_clear(&e->ref);
    }
    if (e->re != NULL) {
        sl_tpl_re_pool_free(e->re);
    }
    memset(e, 0, sizeof(*e));
}

static void tpl_free(struct sl_template *t)
{
    if (t == NULL) {
        return;
    }
    for (size_t i = 0; i < t->n; i++) {
        el_clear(&t->els[i]);
    }
    free(t->els);
    if (t->is_subtree) {
        sl_propref_clear(&t->subtree);
    }
    free(t->name);
    free(t);
}

/* Marks the elements that are "msg" with only sp-if-no-1st-sp or only drop-last-lf (what
 * the built-in file and forwarding templates use), which the renderer does directly. */
static void classify_fast(struct sl_template *t)
{
    for (size_t i = 0; i < t->n; i++) {
        struct tpl_el *e = &t->els[i];
        e->fast = TPL_FAST_NONE;
        if (e->kind != TPL_EL_PROP || e->ref.id != SL_PROP_MSG || e->date_set || e->date_utc ||
            e->has_field || e->re != NULL || e->from != 0 || e->to != 0 ||
            e->casec != TPL_CASE_NONE || e->cc != TPL_CC_NONE || e->compress_sp ||
            e->secpath != TPL_SP_NONE || e->format != TPL_FMT_NONE) {
            continue;
        }
        if (e->sp_if_no_1st_sp && !e->drop_last_lf) {
            e->fast = TPL_FAST_MSG_SPIF;
        } else if (e->drop_last_lf && !e->sp_if_no_1st_sp) {
            e->fast = TPL_FAST_MSG_DROPLF;
        }
    }
}

static void reg_add(struct sl_tpl_registry *r, struct sl_template *t)
{
    classify_fast(t);
    if (r->tail == NULL) {
        r->head = t;
    } else {
        r->tail->next = t;
    }
    r->tail = t;
}

const struct sl_template *sl_tpl_find(const struct sl_tpl_registry *r, const char *name)
{
    if (r == NULL || name == NULL) {
        return NULL;
    }
    /* rsyslog keeps the first definition of a name; find the first one too. */
    for (const struct sl_template *t = r->head; t != NULL; t = t->next) {
        if (strcmp(t->name, name) == 0) {
            return t;
        }
    }
    return NULL;
}

const char *sl_template_name(const struct sl_template *t)
{
    return t != NULL ? t->name : NULL;
}

void sl_tpl_registry_free(struct sl_tpl_registry *r)
{
    if (r == NULL) {
        return;
    }
    struct sl_template *t = r->head;
    while (t != NULL) {
        struct sl_template *nx = t->next;
        tpl_free(t);
        t = nx;
    }
    free(r);
}

static int is_json_prop(enum sl_prop id)
{
    return id == SL_PROP_CEE || id == SL_PROP_LOCAL_VAR || id == SL_PROP_GLOBAL_VAR;
}

/* rsyslog lower-cases $!/$./$/ names (and the jsonf field name derived from them) unless
 * the template has option.casesensitive. */
static void apply_case(struct sl_template *t)
{
    if (t->case_sensitive) {
        return;
    }
    for (size_t i = 0; i < t->n; i++) {
        struct tpl_el *e = &t->els[i];
        if (e->kind != TPL_EL_PROP || !is_json_prop(e->ref.id)) {
            continue;
        }
        for (char *p = e->outname; p != NULL && *p; p++) {
            *p = (char)tolower((unsigned char)*p);
        }
        for (char *p = e->ref.path; p != NULL && *p; p++) {
            *p = (char)tolower((unsigned char)*p);
        }
    }
}

static int set_option(struct sl_template *t, const char *opt, struct sl_tpl_err *err)
{
    if (opt == NULL || *opt == '\0') {
        t->escape = TPL_ESC_NONE;
    } else if (strcasecmp(opt, "sql") == 0) {
        t->escape = TPL_ESC_SQL;
    } else if (strcasecmp(opt, "stdsql") == 0) {
        t->escape = TPL_ESC_STDSQL;
    } else if (strcasecmp(opt, "json") == 0) {
        t->escape = TPL_ESC_JSON;
    } else if (strcasecmp(opt, "jsonf") == 0) {
        t->escape = TPL_ESC_JSONF;
    } else if (strcasecmp(opt, "nosql") == 0) {
        t->escape = TPL_ESC_NONE;
    } else if (strcasecmp(opt, "casesensitive") == 0) {
        t->case_sensitive = 1;
    } else {
        set_err(err, "invalid template option '%s'", opt);
        return SL_EINVAL;
    }
    return 0;
}

/* ------------------------------------------------------------------------------------- */
/* string template parsing                                                               */
/* ------------------------------------------------------------------------------------- */

/* Constant text up to the next '%' (and, for legacy lines, up to the closing quote),
 * with legacy escapes when legacy is set. */
static const char *parse_constant(struct sl_template *t, const char *p, int legacy)
{
    struct sl_buf b = { 0 };
    while (*p && *p != '%' && !(legacy && *p == '"')) {
        if (legacy && *p == '\\') {
            p++;
            switch (*p) {
            case '\0':
                break;
            case 'n':
                sl_buf_putc(&b, '\n');
                p++;
                break;
            case 'r':
                sl_buf_putc(&b, '\r');
                p++;
                break;
            case '0': case '1': case '2': case '3': case '4':
            case '5': case '6': case '7': case '8': case '9': {
                int v = 0;
                int digits = 0;
                while (isdigit((unsigned char)*p) && digits < 10) {
                    v = v * 10 + (*p - '0');
                    p++;
                    digits++;
                }
                sl_buf_putc(&b, (char)v);
                break;
            }
            default:
                sl_buf_putc(&b, *p);
                p++;
                break;
            }
        } else {
            sl_buf_putc(&b, *p);
            p++;
        }
    }
    if (b.len > 0) {
        struct tpl_el *e = tpl_push(t, TPL_EL_CONST);
        e->text = b.p;
        e->len = b.len;
    } else {
        sl_buf_free(&b);
    }
    return p;
}

static int read_num(const char **pp)
{
    const char *p = *pp;
    long v = 0;
    while (isdigit((unsigned char)*p)) {
        if (v < 100000000) {
            v = v * 10 + (*p - '0');
        }
        p++;
    }
    *pp = p;
    return (int)v;
}

static int has_format(const struct tpl_el *e)
{
    return e->format != TPL_FMT_NONE;
}

static void set_format(struct tpl_el *e, enum tpl_format f, const char *word)
{
    if (has_format(e)) {
        sl_log(SL_LOG_ERR, "template", "can only specify one option out of (json, jsonf, "
               "jsonr, jsonfr, csv) - %s ignored", word);
        return;
    }
    e->format = f;
}

static const struct {
    const char *name;
    enum sl_datefmt fmt;
} date_opts[] = {
    { "date-mysql", SL_DATE_MYSQL },
    { "date-pgsql", SL_DATE_PGSQL },
    { "date-rfc3164", SL_DATE_RFC3164 },
    { "date-rfc3164-buggyday", SL_DATE_RFC3164_BUGGYDAY },
    { "date-rfc3339", SL_DATE_RFC3339 },
    { "date-unixtimestamp", SL_DATE_UNIXTIMESTAMP },
    { "date-subseconds", SL_DATE_SUBSECONDS },
    { "date-wdayname", SL_DATE_WDAYNAME },
    { "date-wday", SL_DATE_WDAY },
    { "date-year", SL_DATE_YEAR },
    { "date-month", SL_DATE_MONTH },
    { "date-day", SL_DATE_DAY },
    { "date-hour", SL_DATE_HOUR },
    { "date-minute", SL_DATE_MINUTE },
    { "date-second", SL_DATE_SECOND },
    { "date-tzoffshour", SL_DATE_TZOFFSHOUR },
    { "date-tzoffsmin", SL_DATE_TZOFFSMIN },
    { "date-tzoffsdirection", SL_DATE_TZOFFSDIRECTION },
    { "date-ordinal", SL_DATE_ORDINAL },
    { "date-week", SL_DATE_WEEK },
    { "date-iso-week", SL_DATE_ISO_WEEK },
    { "date-iso-week-year", SL_DATE_ISO_WEEKYEAR },
};

/* One replacer option word (already lower-cased). */
static void apply_word(struct tpl_el *e, const char *w)
{
    for (size_t i = 0; i < sizeof(date_opts) / sizeof(date_opts[0]); i++) {
        if (strcmp(w, date_opts[i].name) == 0) {
            e->datefmt = date_opts[i].fmt;
            e->date_set = 1;
            return;
        }
    }
    if (strcmp(w, "date-utc") == 0) {
        e->date_utc = 1;
    } else if (strcmp(w, "lowercase") == 0) {
        e->casec = TPL_CASE_LOWER;
    } else if (strcmp(w, "uppercase") == 0) {
        e->casec = TPL_CASE_UPPER;
    } else if (strcmp(w, "sp-if-no-1st-sp") == 0) {
        e->sp_if_no_1st_sp = 1;
    } else if (strcmp(w, "compressspace") == 0) {
        e->compress_sp = 1;
    } else if (strcmp(w, "escape-cc") == 0) {
        e->cc = TPL_CC_ESCAPE;
    } else if (strcmp(w, "drop-cc") == 0) {
        /* rsyslog tests drop before space before escape */
        e->cc = TPL_CC_DROP;
    } else if (strcmp(w, "space-cc") == 0) {
        if (e->cc != TPL_CC_DROP) {
            e->cc = TPL_CC_SPACE;
        }
    } else if (strcmp(w, "drop-last-lf") == 0) {
        e->drop_last_lf = 1;
    } else if (strcmp(w, "secpath-drop") == 0) {
        e->secpath = TPL_SP_DROP;
    } else if (strcmp(w, "secpath-replace") == 0) {
        if (e->secpath != TPL_SP_DROP) {
            e->secpath = TPL_SP_REPLACE;
        }
    } else if (strcmp(w, "pos-end-relative") == 0) {
        e->pos_end_rel = 1;
    } else if (strcmp(w, "fixed-width") == 0) {
        e->fixed_width = 1;
    } else if (strcmp(w, "csv") == 0) {
        set_format(e, TPL_FMT_CSV, w);
    } else if (strcmp(w, "json") == 0) {
        set_format(e, TPL_FMT_JSON, w);
    } else if (strcmp(w, "jsonf") == 0) {
        set_format(e, TPL_FMT_JSONF, w);
    } else if (strcmp(w, "jsonr") == 0) {
        set_format(e, TPL_FMT_JSONR, w);
    } else if (strcmp(w, "jsonfr") == 0) {
        set_format(e, TPL_FMT_JSONFR, w);
    } else if (strcmp(w, "mandatory-field") == 0) {
        e->mandatory = 1;
    } else {
        sl_log(SL_LOG_WARNING, "template", "invalid field option '%s' specified "
               "- ignored", w);
    }
}

/* Option list after the third ':' up to '%' or ':'. */
static const char *parse_options(struct tpl_el *e, const char *p)
{
    while (*p && *p != '%' && *p != ':') {
        char w[64];
        size_t i = 0;
        while (*p && *p != '%' && *p != ':' && *p != ',') {
            if (i < sizeof(w) - 1) {
                w[i++] = (char)tolower((unsigned char)*p);
            }
            p++;
        }
        w[i] = '\0';
        if (*p == ',') {
            p++;
        }
        if (i > 0) {
            apply_word(e, w);
        }
    }
    return p;
}

/* "R,ERE,1,DFLT,0" part; p is just after 'R'.  Returns NULL on error. */
static const char *parse_regex_head(struct tpl_el *e, const char *p, struct sl_tpl_err *err)
{
    e->re_ere = 0;
    if (*p == ',') {
        p++;
        if (strncmp(p, "BRE", 3) == 0 && (p[3] == ',' || p[3] == ':')) {
            p += 3;
        } else if (strncmp(p, "ERE", 3) == 0 && (p[3] == ',' || p[3] == ':')) {
            e->re_ere = 1;
            p += 3;
        } else {
            set_err(err, "invalid regular expression type, rest of line %s", p);
            return NULL;
        }
    }
    if (*p == ',') {
        p++;
        if (isdigit((unsigned char)*p)) {
            e->re_submatch = *p - '0';
            p++;
        }
    }
    if (*p == ',') {
        p++;
        static const struct {
            const char *w;
            enum tpl_regex_nomatch m;
        } nm[] = { { "DFLT", TPL_NM_DFLT }, { "BLANK", TPL_NM_BLANK }, { "FIELD", TPL_NM_FIELD },
                   { "ZERO", TPL_NM_ZERO } };
        int found = 0;
        for (size_t i = 0; i < sizeof(nm) / sizeof(nm[0]); i++) {
            size_t l = strlen(nm[i].w);
            if (strncmp(p, nm[i].w, l) == 0 && (p[l] == ',' || p[l] == ':')) {
                e->re_nomatch = nm[i].m;
                p += l;
                found = 1;
                break;
            }
        }
        if (!found && *p != ',') {
            set_err(err, "invalid regular expression no-match mode, rest of line %s", p);
            return NULL;
        }
    }
    if (*p == ',') {
        p++;
        if (isdigit((unsigned char)*p)) {
            e->re_match = *p - '0';
            p++;
        }
    }
    if (*p != ':') {
        set_err(err, "invalid character in frompos after \"R\"");
        return NULL;
    }
    return p;
}

/* A %...% parameter; p is just after the opening '%'.  Returns the position after the
 * closing '%' or NULL with err set. */
static const char *parse_parameter(struct sl_template *t, const char *p, struct sl_tpl_err *err)
{
    const char *name = p;
    while (*p && *p != '%' && *p != ':') {
        p++;
    }
    size_t name_len = (size_t)(p - name);
    struct tpl_el *e = tpl_push(t, TPL_EL_PROP);
    if (sl_propref_parse(name, name_len, &e->ref) != 0) {
        set_err(err, "invalid property '%.*s'", (int)name_len, name);
        t->n--;
        return NULL;
    }
    e->datefmt = SL_DATE_DEFAULT;
    e->field_delim = 9;
    int has_regex = 0;

    if (*p == ':') {
        e->complex = 1;
        p++;
        if (*p == 'R') {
            p = parse_regex_head(e, p + 1, err);
            if (p == NULL) {
                return NULL;
            }
            has_regex = 1;
        } else if (*p == 'F') {
            p++;
            e->has_field = 1;
            if (*p == ',') {
                p++;
                if (!isdigit((unsigned char)*p)) {
                    sl_log(SL_LOG_ERR, "template", "invalid character in frompos after "
                           "\"F,\" - using 9 (HT) as field delimiter");
                } else {
                    int d = read_num(&p);
                    if (d > 255) {
                        sl_log(SL_LOG_ERR, "template", "non-USASCII delimiter character "
                               "value %d in template - using 9 (HT) as substitute", d);
                    } else {
                        e->field_delim = d;
                    }
                    if (*p == ',') {
                        p++;
                        e->from = read_num(&p);
                    } else if (*p != ':') {
                        set_err(err, "invalid character '%c' in frompos after \"F,\", be sure to "
                                "use DECIMAL character codes", *p);
                        return NULL;
                    }
                }
            } else if (*p != ':') {
                sl_log(SL_LOG_ERR, "template", "invalid character in frompos after \"F\"");
            }
        } else {
            e->from = read_num(&p);
            while (*p && *p != '%' && *p != ':') {
                p++;
            }
        }
    }

    if (*p == ':') {
        p++;
        if (has_regex) {
            const char *end = strstr(p, "--end");
            if (end == NULL) {
                set_err(err, "regular expression without \"--end\" in property '%.*s'",
                        (int)name_len, name);
                return NULL;
            }
            char *src = sl_xstrndup(p, (size_t)(end - p));
            char ebuf[160];
            e->re = sl_tpl_re_pool_new(src, e->re_ere, ebuf, sizeof(ebuf));
            if (e->re == NULL) {
                set_err(err, "error in regular expression '%s': %s", src, ebuf);
                free(src);
                return NULL;
            }
            free(src);
            p = end + 5;
        } else if (*p == '$') {
            p++;
            e->to = 9999999;
        } else {
            if (e->has_field) {
                e->field_nr = read_num(&p);
                if (*p == ',') {
                    p++;
                    e->to = read_num(&p);
                }
            } else {
                e->to = read_num(&p);
            }
            while (*p && *p != '%' && *p != ':') {
                p++;
            }
        }
    }

    if (*p == ':') {
        p++;
        p = parse_options(e, p);
    }

    if (e->pos_end_rel) {
        if (e->to > e->from) {
            int x = e->to;
            e->to = e->from;
            e->from = x;
        }
    } else if (e->to < e->from) {
        int x = e->to;
        e->to = e->from;
        e->from = x;
    }

    if (*p == ':') {
        p++;
        const char *fn = p;
        while (*p && *p != ':' && *p != '%') {
            p++;
        }
        e->outname = sl_xstrndup(fn, (size_t)(p - fn));
    } else if (is_json_prop(e->ref.id) && name_len >= 2 && e->ref.id != SL_PROP_GLOBAL_VAR) {
        e->outname = sl_xstrndup(name + 2, name_len - 2);
    } else {
        e->outname = sl_xstrndup(name, name_len);
    }
    e->outname_len = strlen(e->outname);
    if (*p) {
        p++; /* the closing '%' (rsyslog eats whatever stands here) */
    }
    return p;
}

/* Parse a template body.  legacy: rsyslog's legacy escapes and '"' ends the string. */
static const char *parse_body(struct sl_template *t, const char *p, int legacy,
                              struct sl_tpl_err *err)
{
    while (*p) {
        if (*p == '%') {
            p = parse_parameter(t, p + 1, err);
            if (p == NULL) {
                return NULL;
            }
        } else {
            p = parse_constant(t, p, legacy);
        }
        if (legacy && *p == '"') {
            p++;
            break;
        }
    }
    return p;
}

static struct sl_template *compile_string(const char *name, const char *str, const char *option,
                                          struct sl_tpl_err *err)
{
    struct sl_template *t = tpl_new(name);
    if (set_option(t, option, err) != 0 || parse_body(t, str, 0, err) == NULL) {
        tpl_free(t);
        return NULL;
    }
    apply_case(t);
    return t;
}

const struct sl_template *sl_tpl_add_string(struct sl_tpl_registry *r, const char *name,
                                            const char *str, const char *option,
                                            struct sl_tpl_err *err)
{
    if (r == NULL || name == NULL || str == NULL) {
        set_err(err, "template without name or string");
        return NULL;
    }
    struct sl_template *t = compile_string(name, str, option, err);
    if (t == NULL) {
        return NULL;
    }
    reg_add(r, t);
    return t;
}

/* Legacy "$template name,"..."[,option...]" (line = everything after "name,"). */
const struct sl_template *sl_tpl_add_legacy(struct sl_tpl_registry *r, const char *name,
                                            const char *line, struct sl_tpl_err *err)
{
    if (r == NULL || name == NULL || line == NULL) {
        set_err(err, "template without name or string");
        return NULL;
    }
    const char *p = line;
    while (isspace((unsigned char)*p)) {
        p++;
    }
    if (*p == '=') {
        set_err(err, "template '%s': string generator modules are not supported", name);
        return NULL;
    }
    if (*p != '"') {
        set_err(err, "template '%s' invalid, does not start with '\"'", name);
        return NULL;
    }
    struct sl_template *t = tpl_new(name);
    p = parse_body(t, p + 1, 1, err);
    if (p == NULL) {
        tpl_free(t);
        return NULL;
    }
    while (*p) {
        while (isspace((unsigned char)*p)) {
            p++;
        }
        if (*p != ',') {
            break;
        }
        p++;
        while (isspace((unsigned char)*p)) {
            p++;
        }
        char opt[128];
        size_t i = 0;
        while (*p && *p != '=' && *p != ',' && *p != '\n') {
            if (i < sizeof(opt) - 1) {
                opt[i++] = (char)tolower((unsigned char)*p);
            }
            p++;
        }
        opt[i] = '\0';
        /* rsyslog reads the word up to ',' and ignores what it does not know */
        while (i > 0 && isspace((unsigned char)opt[i - 1])) {
            opt[--i] = '\0';
        }
        if (*p == '\n') {
            p++;
        }
        struct sl_tpl_err dummy;
        if (i > 0 && set_option(t, opt, &dummy) != 0) {
            sl_log(SL_LOG_DEBUG, "template", "invalid option '%s' ignored", opt);
        }
    }
    apply_case(t);
    reg_add(r, t);
    return t;
}

/* ------------------------------------------------------------------------------------- */
/* list templates                                                                        */
/* ------------------------------------------------------------------------------------- */

struct sl_tpl_builder *sl_tpl_list_begin(struct sl_tpl_registry *r, const char *name,
                                         const char *option)
{
    struct sl_tpl_builder *b = sl_xcalloc(1, sizeof(*b));
    b->reg = r;
    b->t = tpl_new(name != NULL ? name : "");
    struct sl_tpl_err err;
    if (set_option(b->t, option, &err) != 0) {
        sl_log(SL_LOG_ERR, "template", "%s", err.text);
        b->failed = 1;
    }
    return b;
}

static int parse_bool(const char *v, int *out)
{
    if (strcasecmp(v, "on") == 0 || strcasecmp(v, "yes") == 0 || strcmp(v, "1") == 0) {
        *out = 1;
    } else if (strcasecmp(v, "off") == 0 || strcasecmp(v, "no") == 0 || strcmp(v, "0") == 0) {
        *out = 0;
    } else {
        return SL_EINVAL;
    }
    return 0;
}

static int parse_int(const char *v, int *out)
{
    char *end;
    long x = strtol(v, &end, 10);
    while (end != NULL && isspace((unsigned char)*end)) {
        end++;
    }
    if (end == v || *end != '\0' || x < -2000000000L || x > 2000000000L) {
        return SL_EINVAL;
    }
    *out = (int)x;
    return 0;
}

/* C-style unescape as rsyslog's es_unescapeStr() applies to list constants. */
static char *unescape_c(const char *s, size_t *lenp)
{
    struct sl_buf b = { 0 };
    sl_buf_reserve(&b, strlen(s) + 1);
    for (const char *p = s; *p; p++) {
        if (*p != '\\' || p[1] == '\0') {
            sl_buf_putc(&b, *p);
            continue;
        }
        p++;
        switch (*p) {
        case 'a': sl_buf_putc(&b, '\a'); break;
        case 'b': sl_buf_putc(&b, '\b'); break;
        case 'f': sl_buf_putc(&b, '\f'); break;
        case 'n': sl_buf_putc(&b, '\n'); break;
        case 'r': sl_buf_putc(&b, '\r'); break;
        case 't': sl_buf_putc(&b, '\t'); break;
        case 'v': sl_buf_putc(&b, '\v'); break;
        case 'x':
            if (isxdigit((unsigned char)p[1]) && isxdigit((unsigned char)p[2])) {
                char hex[3] = { p[1], p[2], 0 };
                sl_buf_putc(&b, (char)strtol(hex, NULL, 16));
                p += 2;
            } else {
                sl_buf_putc(&b, 'x');
            }
            break;
        default:
            sl_buf_putc(&b, *p);
            break;
        }
    }
    if (b.p == NULL) {
        b.p = sl_xstrdup("");
    }
    *lenp = b.len;
    return b.p;
}

int sl_tpl_list_constant(struct sl_tpl_builder *b, const char *const *keys,
                         const char *const *vals, size_t n, struct sl_tpl_err *err)
{
    const char *value = NULL, *outname = NULL;
    int jsonf = 0;
    for (size_t i = 0; i < n; i++) {
        if (strcasecmp(keys[i], "value") == 0) {
            value = vals[i];
        } else if (strcasecmp(keys[i], "outname") == 0) {
            outname = vals[i];
        } else if (strcasecmp(keys[i], "format") == 0) {
            if (strcmp(vals[i], "jsonf") == 0) {
                jsonf = 1;
            } else {
                set_err(err, "invalid format type '%s' for constant", vals[i]);
                goto fail;
            }
        } else {
            set_err(err, "parameter '%s' not known -- typo in config file?", keys[i]);
            goto fail;
        }
    }
    if (value == NULL) {
        set_err(err, "constant: parameter 'value' required but not specified");
        goto fail;
    }
    if (jsonf && outname == NULL) {
        set_err(err, "constant set to format jsonf, but outname not specified - aborting");
        goto fail;
    }
    size_t len;
    char *text = unescape_c(value, &len);
    struct tpl_el *e = tpl_push(b->t, TPL_EL_CONST);
    if (outname != NULL) {
        e->outname = sl_xstrdup(outname);
        e->outname_len = strlen(outname);
    }
    if (jsonf) {
        /* rsyslog builds {"outname":"value"} with libfastjson and strips the braces:
         * the result is "outname": "value" (note the blank after the colon). */
        struct sl_buf jb = { 0 };
        sl_buf_putc(&jb, '"');
        sl_tpl_json_escape(&jb, outname, strlen(outname), 0);
        sl_buf_puts(&jb, "\": \"");
        sl_tpl_json_escape(&jb, text, len, 0);
        sl_buf_putc(&jb, '"');
        free(text);
        e->text = jb.p;
        e->len = jb.len;
    } else {
        e->text = text;
        e->len = len;
    }
    return 0;
fail:
    b->failed = 1;
    return SL_EINVAL;
}

static int enum_val(const char *v, const char *const *names, const int *values, int *out)
{
    for (size_t i = 0; names[i] != NULL; i++) {
        if (strcmp(v, names[i]) == 0) {
            *out = values[i];
            return 0;
        }
    }
    return SL_EINVAL;
}

int sl_tpl_list_property(struct sl_tpl_builder *b, const char *const *keys,
                         const char *const *vals, size_t n, struct sl_tpl_err *err)
{
    const char *name = "", *outname = NULL, *re_expr = NULL;
    int frompos = -1, topos = -1, fieldnum = -1, fielddelim = 9, rel = 0;
    int re_ere = 0, re_nm = TPL_NM_DFLT, re_match = 0, re_sub = 0;
    int fmt = TPL_FMT_NONE, cc = TPL_CC_NONE, sp = TPL_SP_NONE, casec = TPL_CASE_NONE;
    int datefmt = SL_DATE_DEFAULT, date_set = 0, utc = 0, compress = 0;
    int droplf = 0, spif = 0, mand = 0, fixed = 0, complex = 0;

    static const char *const fmt_n[] = { "csv", "json", "jsonf", "jsonr", "jsonfr", NULL };
    static const int fmt_v[] = { TPL_FMT_CSV, TPL_FMT_JSON, TPL_FMT_JSONF, TPL_FMT_JSONR,
                                 TPL_FMT_JSONFR };
    static const char *const cc_n[] = { "escape", "space", "drop", NULL };
    static const int cc_v[] = { TPL_CC_ESCAPE, TPL_CC_SPACE, TPL_CC_DROP };
    static const char *const sp_n[] = { "drop", "replace", NULL };
    static const int sp_v[] = { TPL_SP_DROP, TPL_SP_REPLACE };
    static const char *const case_n[] = { "lower", "upper", NULL };
    static const int case_v[] = { TPL_CASE_LOWER, TPL_CASE_UPPER };
    static const char *const nm_n[] = { "DFLT", "BLANK", "FIELD", "ZERO", NULL };
    static const int nm_v[] = { TPL_NM_DFLT, TPL_NM_BLANK, TPL_NM_FIELD, TPL_NM_ZERO };
    static const char *const re_n[] = { "BRE", "ERE", NULL };
    static const int re_v[] = { 0, 1 };
    static const char *const dt_n[] = { "string", "number", "auto", "bool", NULL };
    static const int dt_v[] = { TPL_DT_STRING, TPL_DT_NUMBER, TPL_DT_AUTO, TPL_DT_BOOL };
    static const char *const oe_n[] = { "keep", "skip", "null", NULL };
    static const int oe_v[] = { TPL_OE_KEEP, TPL_OE_SKIP, TPL_OE_NULL };
    int dtype = TPL_DT_STRING, onempty = TPL_OE_KEEP;

    for (size_t i = 0; i < n; i++) {
        const char *k = keys[i], *v = vals[i];
        int rc = 0;
        if (strcasecmp(k, "name") == 0) {
            name = v;
        } else if (strcasecmp(k, "outname") == 0) {
            outname = v;
        } else if (strcasecmp(k, "droplastlf") == 0) {
            rc = parse_bool(v, &droplf);
            complex = 1;
        } else if (strcasecmp(k, "fixedwidth") == 0) {
            rc = parse_bool(v, &fixed);
            complex = 1;
        } else if (strcasecmp(k, "mandatory") == 0) {
            rc = parse_bool(v, &mand);
        } else if (strcasecmp(k, "spifno1stsp") == 0) {
            rc = parse_bool(v, &spif);
            complex = 1;
        } else if (strcasecmp(k, "position.from") == 0) {
            rc = parse_int(v, &frompos);
            complex = 1;
        } else if (strcasecmp(k, "position.to") == 0) {
            rc = parse_int(v, &topos);
            complex = 1;
        } else if (strcasecmp(k, "position.relativetoend") == 0) {
            rc = parse_bool(v, &rel);
        } else if (strcasecmp(k, "field.number") == 0) {
            rc = parse_int(v, &fieldnum);
            complex = 1;
        } else if (strcasecmp(k, "field.delimiter") == 0) {
            rc = parse_int(v, &fielddelim);
            complex = 1;
        } else if (strcasecmp(k, "regex.expression") == 0) {
            re_expr = v;
            complex = 1;
        } else if (strcasecmp(k, "regex.type") == 0) {
            rc = enum_val(v, re_n, re_v, &re_ere);
            complex = 1;
        } else if (strcasecmp(k, "regex.nomatchmode") == 0) {
            rc = enum_val(v, nm_n, nm_v, &re_nm);
            complex = 1;
        } else if (strcasecmp(k, "regex.match") == 0) {
            rc = parse_int(v, &re_match);
            complex = 1;
        } else if (strcasecmp(k, "regex.submatch") == 0) {
            rc = parse_int(v, &re_sub);
            complex = 1;
        } else if (strcasecmp(k, "format") == 0) {
            rc = enum_val(v, fmt_n, fmt_v, &fmt);
            complex = 1;
        } else if (strcasecmp(k, "datatype") == 0) {
            rc = enum_val(v, dt_n, dt_v, &dtype);
            complex = 1;
        } else if (strcasecmp(k, "onempty") == 0) {
            rc = enum_val(v, oe_n, oe_v, &onempty);
            complex = 1;
        } else if (strcasecmp(k, "controlcharacters") == 0) {
            rc = enum_val(v, cc_n, cc_v, &cc);
            complex = 1;
        } else if (strcasecmp(k, "securepath") == 0) {
            rc = enum_val(v, sp_n, sp_v, &sp);
            complex = 1;
        } else if (strcasecmp(k, "caseconversion") == 0) {
            rc = enum_val(v, case_n, case_v, &casec);
            complex = 1;
        } else if (strcasecmp(k, "compressspace") == 0) {
            rc = parse_bool(v, &compress);
            complex = 1;
        } else if (strcasecmp(k, "date.inutc") == 0) {
            rc = parse_bool(v, &utc);
        } else if (strcasecmp(k, "dateformat") == 0) {
            char w[64];
            snprintf(w, sizeof(w), "date-%s", v);
            rc = SL_EINVAL;
            for (size_t j = 0; j < sizeof(date_opts) / sizeof(date_opts[0]); j++) {
                if (strcmp(w, date_opts[j].name) == 0) {
                    datefmt = date_opts[j].fmt;
                    date_set = 1;
                    rc = 0;
                    break;
                }
            }
        } else {
            set_err(err, "parameter '%s' not known -- typo in config file?", k);
            goto fail;
        }
        if (rc != 0) {
            set_err(err, "invalid value '%s' for property parameter '%s'", v, k);
            goto fail;
        }
    }

    if (topos == -1 && frompos != -1) {
        topos = 2000000000;
    }
    if (frompos == -1 && topos != -1) {
        frompos = 0;
    }
    if (rel) {
        if (topos > frompos) {
            set_err(err, "position.to=%d is higher than postion.from=%d in 'relativeToEnd' mode",
                    topos, frompos);
            goto fail;
        }
    } else if (topos < frompos) {
        set_err(err, "position.to=%d is lower than postion.from=%d", topos, frompos);
        goto fail;
    }
    if (fieldnum != -1 && re_expr != NULL) {
        set_err(err, "both field extraction and regex extraction specified - this is not "
                "possible, remove one");
        goto fail;
    }

    struct tpl_el *e = tpl_push(b->t, TPL_EL_PROP);
    if (sl_propref_parse(name, strlen(name), &e->ref) != 0) {
        b->t->n--;
        set_err(err, "invalid property '%s'", name);
        goto fail;
    }
    e->complex = complex;
    e->drop_last_lf = droplf;
    e->sp_if_no_1st_sp = spif;
    e->mandatory = mand;
    e->fixed_width = fixed;
    e->casec = (enum tpl_case)casec;
    e->format = (enum tpl_format)fmt;
    e->dtype = (enum tpl_dtype)dtype;
    e->onempty = (enum tpl_onempty)onempty;
    e->cc = (enum tpl_cc)cc;
    e->secpath = (enum tpl_secpath)sp;
    e->datefmt = (enum sl_datefmt)datefmt;
    e->date_set = date_set;
    e->date_utc = utc;
    e->compress_sp = compress;
    e->field_delim = 9;
    if (outname == NULL) {
        outname = (strncmp(name, "$!", 2) == 0) ? name + 2 : name;
    }
    e->outname = sl_xstrdup(outname);
    e->outname_len = strlen(outname);
    if (fieldnum != -1) {
        e->has_field = 1;
        e->field_nr = fieldnum;
        e->field_delim = fielddelim;
    }
    if (frompos != -1) {
        e->from = frompos;
        e->to = topos;
        e->pos_end_rel = rel;
    }
    if (re_expr != NULL) {
        char ebuf[160];
        e->re_ere = re_ere;
        e->re_nomatch = (enum tpl_regex_nomatch)re_nm;
        e->re_match = re_match;
        e->re_submatch = re_sub;
        e->re = sl_tpl_re_pool_new(re_expr, re_ere, ebuf, sizeof(ebuf));
        if (e->re == NULL) {
            set_err(err, "error compiling regex '%s': %s", re_expr, ebuf);
            el_clear(e);
            b->t->n--;
            goto fail;
        }
    }
    return 0;
fail:
    b->failed = 1;
    return SL_EINVAL;
}

const struct sl_template *sl_tpl_list_end(struct sl_tpl_builder *b, struct sl_tpl_err *err)
{
    if (b == NULL) {
        return NULL;
    }
    struct sl_template *t = b->t;
    int failed = b->failed;
    struct sl_tpl_registry *r = b->reg;
    free(b);
    if (failed || r == NULL) {
        set_err(err, "error processing template object");
        tpl_free(t);
        return NULL;
    }
    if (t->n == 0) {
        set_err(err, "template '%s' of type list has has no parameters specified", t->name);
        tpl_free(t);
        return NULL;
    }
    apply_case(t);
    reg_add(r, t);
    return t;
}

/* ------------------------------------------------------------------------------------- */
/* subtree templates                                                                     */
/* ------------------------------------------------------------------------------------- */

const struct sl_template *sl_tpl_add_subtree(struct sl_tpl_registry *r, const char *name,
                                             const char *subtree, struct sl_tpl_err *err)
{
    if (r == NULL || name == NULL || subtree == NULL) {
        set_err(err, "template without name or subtree");
        return NULL;
    }
    if (subtree[0] != '$' || subtree[1] != '!') {
        set_err(err, "invalid subtree parameter, variable must start with '$!' but var name "
                "is '%s'", subtree);
        return NULL;
    }
    struct sl_template *t = tpl_new(name);
    if (sl_propref_parse(subtree, strlen(subtree), &t->subtree) != 0) {
        set_err(err, "invalid subtree variable '%s'", subtree);
        tpl_free(t);
        return NULL;
    }
    t->is_subtree = 1;
    reg_add(r, t);
    return t;
}

/* ------------------------------------------------------------------------------------- */
/* built-in templates                                                                    */
/* ------------------------------------------------------------------------------------- */

/* As rsyslog 8.2302 defines them at startup (legacy syntax, same order).  Names with a
 * leading blank are internal defaults of output modules (they cannot be named in a config
 * because names are trimmed there). */
static const struct {
    const char *name;
    const char *def;
    int strgen; /* emulate rsyslog's string generator: space before an empty MSG */
} builtins[] = {
    { "RSYSLOG_DebugFormat",
      "\"Debug line with all properties:\\nFROMHOST: '%FROMHOST%', fromhost-ip: "
      "'%fromhost-ip%', HOSTNAME: '%HOSTNAME%', PRI: %PRI%,\\nsyslogtag '%syslogtag%', "
      "programname: '%programname%', APP-NAME: '%APP-NAME%', PROCID: '%PROCID%', "
      "MSGID: '%MSGID%',\\nTIMESTAMP: '%TIMESTAMP%', STRUCTURED-DATA: '%STRUCTURED-DATA%',"
      "\\nmsg: '%msg%'\\nescaped msg: '%msg:::drop-cc%'\\ninputname: %inputname% "
      "rawmsg: '%rawmsg%'\\n$!:%$!%\\n$.:%$.%\\n$/:%$/%\\n\\n\"", 0 },
    { "RSYSLOG_SyslogProtocol23Format",
      "\"<%PRI%>1 %TIMESTAMP:::date-rfc3339% %HOSTNAME% %APP-NAME% %PROCID% %MSGID% "
      "%STRUCTURED-DATA% %msg%\\n\"", 0 },
    { "RSYSLOG_SyslogRFC5424Format",
      "\"<%PRI%>1 %TIMESTAMP:::date-rfc3339% %HOSTNAME% %APP-NAME% %PROCID% %MSGID% "
      "%STRUCTURED-DATA% %msg%\"", 0 },
    { "RSYSLOG_FileFormat",
      "\"%TIMESTAMP:::date-rfc3339% %HOSTNAME% %syslogtag%%msg:::sp-if-no-1st-sp%%msg%\\n\"", 1 },
    { "RSYSLOG_TraditionalFileFormat",
      "\"%TIMESTAMP% %HOSTNAME% %syslogtag%%msg:::sp-if-no-1st-sp%%msg%\\n\"", 1 },
    { " WallFmt",
      "\"\\r\\n\\7Message from syslogd@%HOSTNAME% at %timegenerated% ...\\r\\n "
      "%syslogtag%%msg%\\n\\r\"", 0 },
    { "RSYSLOG_ForwardFormat",
      "\"<%PRI%>%TIMESTAMP:::date-rfc3339% %HOSTNAME% %syslogtag:1:32%"
      "%msg:::sp-if-no-1st-sp%%msg%\"", 1 },
    { "RSYSLOG_TraditionalForwardFormat",
      "\"<%PRI%>%TIMESTAMP% %HOSTNAME% %syslogtag:1:32%%msg:::sp-if-no-1st-sp%%msg%\"", 1 },
    { " StdUsrMsgFmt", "\" %syslogtag%%msg%\\n\\r\"", 0 },
    { " StdDBFmt",
      "\"insert into SystemEvents (Message, Facility, FromHost, Priority, DeviceReportedTime, "
      "ReceivedAt, InfoUnitID, SysLogTag) values ('%msg%', %syslogfacility%, '%HOSTNAME%', "
      "%syslogpriority%, '%timereported:::date-mysql%', '%timegenerated:::date-mysql%', %iut%, "
      "'%syslogtag%')\",SQL", 0 },
    { "RSYSLOG_SysklogdFileFormat",
      "\"%TIMESTAMP% %HOSTNAME% %syslogtag%%msg:::sp-if-no-1st-sp%%msg%\\n\"", 0 },
    { " StdPgSQLFmt",
      "\"insert into SystemEvents (Message, Facility, FromHost, Priority, DeviceReportedTime, "
      "ReceivedAt, InfoUnitID, SysLogTag) values ('%msg%', %syslogfacility%, '%HOSTNAME%', "
      "%syslogpriority%, '%timereported:::date-pgsql%', '%timegenerated:::date-pgsql%', %iut%, "
      "'%syslogtag%')\",STDSQL", 0 },
    { " StdJSONFmt",
      "\"{\\\"message\\\":\\\"%msg:::json%\\\",\\\"fromhost\\\":\\\"%HOSTNAME:::json%\\\","
      "\\\"facility\\\":\\\"%syslogfacility-text%\\\",\\\"priority\\\":\\\""
      "%syslogpriority-text%\\\",\\\"timereported\\\":\\\"%timereported:::date-rfc3339%\\\","
      "\\\"timegenerated\\\":\\\"%timegenerated:::date-rfc3339%\\\"}\"", 0 },
    { " FullJSONFmt",
      "\"{\\\"message\\\":\\\"%msg:::json%\\\",\\\"fromhost\\\":\\\"%HOSTNAME:::json%\\\","
      "\\\"programname\\\":\\\"%programname%\\\",\\\"procid\\\":\\\"%PROCID%\\\","
      "\\\"msgid\\\":\\\"%MSGID%\\\",\\\"facility\\\":\\\"%syslogfacility-text%\\\","
      "\\\"priority\\\":\\\"%syslogpriority-text%\\\",\\\"timereported\\\":\\\""
      "%timereported:::date-rfc3339%\\\",\\\"timegenerated\\\":\\\""
      "%timegenerated:::date-rfc3339%\\\"}\"", 0 },
    { " StdClickHouseFmt",
      "\"INSERT INTO rsyslog.SystemEvents (severity, facility, timestamp, hostname, tag, "
      "message) VALUES (%syslogseverity%, %syslogfacility%, "
      "'%timereported:::date-unixtimestamp%', '%hostname%', '%syslogtag%', '%msg%')\",STDSQL", 0 },
    { "RSYSLOG_omudpspoofDfltSourceTpl", "\"%fromhost-ip%\"", 0 },
};

struct sl_tpl_registry *sl_tpl_registry_new(void)
{
    struct sl_tpl_registry *r = sl_xcalloc(1, sizeof(*r));
    for (size_t i = 0; i < sizeof(builtins) / sizeof(builtins[0]); i++) {
        struct sl_tpl_err err;
        const struct sl_template *t = sl_tpl_add_legacy(r, builtins[i].name, builtins[i].def, &err);
        if (t == NULL) {
            /* only possible while the property table is incomplete */
            sl_log(SL_LOG_ERR, "template", "built-in template '%s': %s", builtins[i].name, err.text);
            continue;
        }
        if (builtins[i].strgen) {
            struct sl_template *mt = r->tail;
            for (size_t j = 0; j < mt->n; j++) {
                if (mt->els[j].sp_if_no_1st_sp) {
                    mt->els[j].sp_always = 1;
                }
            }
        }
    }
    return r;
}

/* ------------------------------------------------------------------------------------- */
/* dump                                                                                  */
/* ------------------------------------------------------------------------------------- */

static void dump_str(struct sl_buf *out, const char *p, size_t n)
{
    sl_buf_putc(out, '"');
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)p[i];
        if (c == '"' || c == '\\') {
            sl_buf_putc(out, '\\');
            sl_buf_putc(out, (char)c);
        } else if (c == '\n') {
            sl_buf_puts(out, "\\n");
        } else if (c == '\t') {
            sl_buf_puts(out, "\\t");
        } else if (c < 0x20 || c == 0x7f) {
            sl_buf_printf(out, "\\x%02x", c);
        } else {
            sl_buf_putc(out, (char)c);
        }
    }
    sl_buf_putc(out, '"');
}

void sl_template_dump(const struct sl_template *t, struct sl_buf *out)
{
    static const char *const esc[] = { "", " option=sql", " option=stdsql", " option=json",
                                       " option=jsonf" };
    static const char *const fmts[] = { "", "csv", "json", "jsonf", "jsonr", "jsonfr" };
    static const char *const ccs[] = { "", "escape", "space", "drop" };
    static const char *const sps[] = { "", "drop", "replace" };
    static const char *const nms[] = { "DFLT", "BLANK", "ZERO", "FIELD" };
    if (t == NULL) {
        return;
    }
    sl_buf_puts(out, "template ");
    dump_str(out, t->name, strlen(t->name));
    sl_buf_puts(out, esc[t->escape]);
    if (t->is_subtree) {
        sl_buf_printf(out, " subtree=%s!%s\n", sl_prop_name(t->subtree.id),
                      t->subtree.path ? t->subtree.path : "");
        return;
    }
    sl_buf_putc(out, '\n');
    for (size_t i = 0; i < t->n; i++) {
        const struct tpl_el *e = &t->els[i];
        if (e->kind == TPL_EL_CONST) {
            sl_buf_puts(out, "  constant ");
            dump_str(out, e->text, e->len);
            sl_buf_putc(out, '\n');
            continue;
        }
        sl_buf_printf(out, "  property %s", sl_prop_name(e->ref.id));
        if (e->ref.path != NULL) {
            sl_buf_printf(out, " path=%s", e->ref.path);
        }
        if (e->outname != NULL) {
            sl_buf_puts(out, " outname=");
            dump_str(out, e->outname, e->outname_len);
        }
        if (e->from != 0 || e->to != 0) {
            sl_buf_printf(out, " from=%d to=%d%s%s", e->from, e->to,
                          e->pos_end_rel ? " relative-to-end" : "",
                          e->fixed_width ? " fixed-width" : "");
        }
        if (e->has_field) {
            sl_buf_printf(out, " field=%d delim=%d", e->field_nr, e->field_delim);
        }
        if (e->re != NULL) {
            sl_buf_printf(out, " regex(%s,sub=%d,match=%d,nomatch=%s)=", e->re_ere ? "ERE" : "BRE",
                          e->re_submatch, e->re_match, nms[e->re_nomatch]);
            dump_str(out, e->re->src, strlen(e->re->src));
        }
        if (e->date_set) {
            sl_buf_printf(out, " date=%d", (int)e->datefmt);
        }
        if (e->date_utc) {
            sl_buf_puts(out, " date-utc");
        }
        if (e->casec != TPL_CASE_NONE) {
            sl_buf_puts(out, e->casec == TPL_CASE_UPPER ? " uppercase" : " lowercase");
        }
        if (e->cc != TPL_CC_NONE) {
            sl_buf_printf(out, " cc=%s", ccs[e->cc]);
        }
        if (e->secpath != TPL_SP_NONE) {
            sl_buf_printf(out, " secpath=%s", sps[e->secpath]);
        }
        if (e->sp_if_no_1st_sp) {
            sl_buf_puts(out, e->sp_always ? " sp-always" : " sp-if-no-1st-sp");
        }
        if (e->drop_last_lf) {
            sl_buf_puts(out, " drop-last-lf");
        }
        if (e->compress_sp) {
            sl_buf_puts(out, " compressspace");
        }
        if (e->format != TPL_FMT_NONE) {
            sl_buf_printf(out, " format=%s", fmts[e->format]);
        }
        if (e->mandatory) {
            sl_buf_puts(out, " mandatory");
        }
        sl_buf_putc(out, '\n');
    }
}
