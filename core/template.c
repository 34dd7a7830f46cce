/*
 * template.c - template registry and compiler: string templates with rsyslog's property
 * replacer syntax (%name:from:to:options:fieldname%), legacy $template lines, subtree
 * templates, and the built-in RSYSLOG_* templates of rsyslog 8.2302.  List templates (built
 * element by element) are in template_list.c, rendering in template_render.c.
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
#include "util/strutil.h"

void set_err(struct sl_tpl_err *err, const char *fmt, ...)
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

struct sl_template *tpl_new(const char *name)
{
    struct sl_template *t = sl_xcalloc(1, sizeof(*t));
    t->name = sl_xstrdup(name);
    return t;
}

struct tpl_el *tpl_push(struct sl_template *t, enum tpl_el_kind kind)
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

void el_clear(struct tpl_el *e)
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

void tpl_free(struct sl_template *t)
{
    if (t == NULL) {
        return;
    }
    if (t->view_of != NULL) {
        /* a confined view: the elements and the subtree belong to the template it views */
        free(t->name);
        free(t);
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

/* Marks the elements that are "msg" with only sp-if-no-1st-sp or only drop-last-lf, or a
 * property with only a date-* format or a time without options (what the built-in file and
 * forwarding templates use), or with only positions (%syslogtag:1:32%, %msg:2:$%), which
 * the renderer does directly. */
static void classify_fast(struct sl_template *t)
{
    for (size_t i = 0; i < t->n; i++) {
        struct tpl_el *e = &t->els[i];
        e->fast = TPL_FAST_NONE;
        if (e->kind == TPL_EL_PROP && (e->from != 0 || e->to != 0) && !e->has_field &&
            e->re == NULL && !e->re_bad && e->casec == TPL_CASE_NONE && e->cc == TPL_CC_NONE &&
            !e->compress_sp && e->secpath == TPL_SP_NONE && e->format == TPL_FMT_NONE &&
            !e->sp_if_no_1st_sp && !e->drop_last_lf && e->siem == TPL_SIEM_NONE) {
            /* only positions (with a date format, pos-end-relative, fixed-width) */
            e->fast = TPL_FAST_SUBSTR;
            continue;
        }
        if (e->kind != TPL_EL_PROP || e->date_utc ||
            e->has_field || e->re != NULL || e->re_bad || e->from != 0 || e->to != 0 ||
            e->casec != TPL_CASE_NONE || e->cc != TPL_CC_NONE || e->compress_sp ||
            e->secpath != TPL_SP_NONE || e->format != TPL_FMT_NONE) {
            continue;
        }
        /* a date-* option, or timereported / timegenerated as they are (their value is the
         * default date format: sl_msg_prop) */
        if (e->date_set || ((e->ref.id == SL_PROP_TIMEREPORTED ||
                             e->ref.id == SL_PROP_TIMEGENERATED) && e->datefmt == SL_DATE_DEFAULT)) {
            if (!e->sp_if_no_1st_sp && !e->drop_last_lf && e->siem == TPL_SIEM_NONE) {
                e->fast = TPL_FAST_DATE;
            }
            continue;
        }
        if (e->ref.id != SL_PROP_MSG) {
            continue;
        }
        if (e->sp_if_no_1st_sp && !e->drop_last_lf) {
            e->fast = TPL_FAST_MSG_SPIF;
        } else if (e->drop_last_lf && !e->sp_if_no_1st_sp) {
            e->fast = TPL_FAST_MSG_DROPLF;
        }
    }
}

void reg_add(struct sl_tpl_registry *r, struct sl_template *t)
{
    classify_fast(t);
    sl_tpl_classify_builtin(t);
    if (r->tail == NULL) {
        r->head = t;
    } else {
        r->tail->next = t;
    }
    r->tail = t;
}

const char *sl_tpl_suggest(const struct sl_tpl_registry *r, const char *name, char *buf,
                           size_t size)
{
    struct sl_suggest sg;
    sl_suggest_init(&sg, name);
    for (const struct sl_template *t = r->head; t != NULL; t = t->next) {
        sl_suggest_add(&sg, t->name);
    }
    return sl_suggest_text(&sg, buf, size);
}

const struct sl_template *sl_tpl_find(const struct sl_tpl_registry *r, const char *name)
{
    if (r == NULL || name == NULL) {
        return NULL;
    }
    /* rsyslog keeps the first definition of a name; find the first one too.  Except for
     * sluice's own built-ins (SLUICE_*, doc/siem.md): rsyslog has no such template, so a
     * config's first definition of the name (after the built-in) is the one it would use. */
    int own = strncmp(name, "SLUICE_", 7) == 0;
    const struct sl_template *found = NULL;
    for (const struct sl_template *t = r->head; t != NULL; t = t->next) {
        if (t->view_of == NULL && strcmp(t->name, name) == 0) {
            if (found != NULL || !own) {
                return t;
            }
            found = t;
        }
    }
    return found;
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

size_t sl_tpl_unconfined(const struct sl_template *t, const char **first)
{
    size_t n = 0;
    if (first != NULL) {
        *first = NULL;
    }
    for (size_t i = 0; t != NULL && i < t->n; i++) {
        const struct tpl_el *e = &t->els[i];
        if (e->kind == TPL_EL_PROP && e->secpath == TPL_SP_NONE) {
            if (n++ == 0 && first != NULL) {
                *first = e->ref.path != NULL ? e->ref.path : sl_prop_name(e->ref.id);
            }
        }
    }
    return n;
}

const struct sl_template *sl_tpl_confined(struct sl_tpl_registry *r, const struct sl_template *t)
{
    if (r == NULL || t == NULL || t->view_of != NULL || sl_tpl_unconfined(t, NULL) == 0) {
        return t;
    }
    for (struct sl_template *v = r->head; v != NULL; v = v->next) {
        if (v->view_of == t) {
            return v;
        }
    }
    struct sl_template *v = sl_xcalloc(1, sizeof *v);
    *v = *t;
    v->name = sl_xstrdup(t->name);
    v->next = NULL;
    v->view_of = t;
    v->render_fn = NULL;    /* a view renders through the element loop (confinement) */
    v->fast_name = NULL;
    /* appended directly: reg_add would reclassify the shared elements */
    if (r->tail == NULL) {
        r->head = v;
    } else {
        r->tail->next = v;
    }
    r->tail = v;
    return v;
}

static int is_json_prop(enum sl_prop id)
{
    return id == SL_PROP_CEE || id == SL_PROP_LOCAL_VAR || id == SL_PROP_GLOBAL_VAR;
}

/* rsyslog lower-cases $!/$./$/ names (and the jsonf field name derived from them) unless
 * the template has option.casesensitive. */
void apply_case(struct sl_template *t)
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

int set_option(struct sl_template *t, const char *opt, struct sl_tpl_err *err)
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
                /* rsyslog 8.2302 (template.c, do_Constant) takes every digit into a
                 * signed int and appends its low byte; an unsigned accumulator gives the
                 * same byte without its overflow (found by fuzz_template:
                 * corpus/template/crash-escape-digits-overflow) */
                unsigned v = 0;
                while (isdigit((unsigned char)*p)) {
                    v = v * 10u + (unsigned)(*p - '0');
                    p++;
                }
                sl_buf_putc(&b, (char)(unsigned char)v);
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

/* The date format option named w ("date-rfc3339", ...): 0 with *fmt set, or -1. */
int tpl_date_opt(const char *w, enum sl_datefmt *fmt)
{
    for (size_t i = 0; i < sizeof(date_opts) / sizeof(date_opts[0]); i++) {
        if (strcmp(w, date_opts[i].name) == 0) {
            *fmt = date_opts[i].fmt;
            return 0;
        }
    }
    return -1;
}

/* sluice-only SIEM format options (template_siem.c); rsyslog warns about and ignores them */
static const char *const siem_names[] = { "", "cef-header", "cef-ext", "leef-attr", "sd-param",
                                          "gelf-fields", "siem-severity" };

static enum tpl_siem siem_opt(const char *w)
{
    if (strcmp(w, "leef-header") == 0) {
        return TPL_SIEM_HEADER; /* same rules as the CEF header */
    }
    for (size_t i = 1; i < sizeof(siem_names) / sizeof(siem_names[0]); i++) {
        if (strcmp(w, siem_names[i]) == 0) {
            return (enum tpl_siem)i;
        }
    }
    return TPL_SIEM_NONE;
}

/* One replacer option word (already lower-cased). */
static void apply_word(struct tpl_el *e, const char *w)
{
    if (tpl_date_opt(w, &e->datefmt) == 0) {
        e->date_set = 1;
        return;
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
    } else if (siem_opt(w) != TPL_SIEM_NONE) {
        e->siem = siem_opt(w); /* sluice-only (template_siem.c) */
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
        char nm[65], hint[160];
        snprintf(nm, sizeof nm, "%.*s", (int)name_len, name);
        set_err(err, "invalid property '%.*s'%s", (int)name_len, name,
                sl_prop_suggest(nm, hint, sizeof hint));
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
                /* rsyslog 8.2302 keeps the template (silently, even in -N1) and renders
                 * the property as "**NO MATCH** **BAD REGULAR EXPRESSION**"; sluice does
                 * the same and warns */
                e->re_bad = 1;
                if (err != NULL && err->warn[0] == '\0') {  /* the first one */
                    snprintf(err->warn, sizeof(err->warn), "error in regular expression "
                             "'%s': %s; the property renders \"" TPL_BAD_REGEX "\"", src, ebuf);
                }
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
    if (err != NULL) {
        err->warn[0] = '\0';
    }
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
    if (err != NULL) {
        err->warn[0] = '\0';
    }
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

/* sluice's SIEM formats (template_siem.c, doc/siem.md): CEF and LEEF bodies, and the RFC 3164
 * header the _SYSLOG variants put before them (what ArcSight, the Azure Monitor Agent and
 * QRadar expect on the wire: "<PRI>Mmm dd hh:mm:ss host CEF:0|..."). */
#define SIEM_3164_HDR "<%PRI%>%TIMESTAMP% %HOSTNAME% "
#define SIEM_CEF                                                                              \
    "CEF:0|sluice|syslog|1.0|%programname:::cef-header%|%msg:1:512:cef-header%|"              \
    "%syslogseverity:::siem-severity%|rt=%timereported:::date-unixtimestamp%000 "             \
    "dvchost=%hostname:::cef-ext% deviceProcessName=%programname:::cef-ext% "                 \
    "deviceFacility=%syslogfacility-text% msg=%msg:::cef-ext%%$!:::cef-ext%"
#define SIEM_LEEF                                                                             \
    "LEEF:2.0|sluice|syslog|1.0|%programname:::leef-header%|x09|devTime="                     \
    "%timereported:::date-year%-%timereported:::date-month%-%timereported:::date-day%T"       \
    "%timereported:::date-hour%:%timereported:::date-minute%:%timereported:::date-second%"    \
    "%timereported:::date-tzoffsdirection%%timereported:::date-tzoffshour%:"                  \
    "%timereported:::date-tzoffsmin%\tdevTimeFormat=yyyy-MM-dd'T'HH:mm:ssXXX\t"               \
    "sev=%syslogseverity:::siem-severity%\thostname=%hostname:::leef-attr%\t"                  \
    "facility=%syslogfacility-text%\tmsg=%msg:::leef-attr%%$!:::leef-attr%"

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
    /* sluice's SIEM formats (doc/siem.md), after rsyslog's: the syslog properties plus the
     * $! tree through the sluice-only options of template_siem.c.  No trailing LF, like the
     * forwarding formats (omfwd frames them). */
    { "SLUICE_CEF", "\"" SIEM_CEF "\"", 0 },
    { "SLUICE_CEF_SYSLOG", "\"" SIEM_3164_HDR SIEM_CEF "\"", 0 },
    { "SLUICE_LEEF", "\"" SIEM_LEEF "\"", 0 },
    { "SLUICE_LEEF_SYSLOG", "\"" SIEM_3164_HDR SIEM_LEEF "\"", 0 },
    { "SLUICE_ECS",
      "\"{\\\"@timestamp\\\":\\\"%timereported:::date-rfc3339%\\\",\\\"ecs\\\":{\\\"version\\\":"
      "\\\"8.11.0\\\"},\\\"host\\\":{\\\"name\\\":\\\"%hostname:::json%\\\"},\\\"log\\\":{"
      "\\\"syslog\\\":{\\\"priority\\\":%pri%,\\\"facility\\\":{\\\"code\\\":%syslogfacility%,"
      "\\\"name\\\":\\\"%syslogfacility-text%\\\"},\\\"severity\\\":{\\\"code\\\":"
      "%syslogseverity%,\\\"name\\\":\\\"%syslogseverity-text%\\\"},\\\"hostname\\\":"
      "\\\"%hostname:::json%\\\",\\\"appname\\\":\\\"%app-name:::json%\\\",\\\"procid\\\":"
      "\\\"%procid:::json%\\\",\\\"msgid\\\":\\\"%msgid:::json%\\\"}},\\\"message\\\":"
      "\\\"%msg:::json%\\\",\\\"event\\\":{\\\"created\\\":\\\"%timegenerated:::date-rfc3339%\\\","
      "\\\"severity\\\":%syslogseverity%},\\\"sluice\\\":%$!all-json-plain%}\"", 0 },
    { "SLUICE_GELF",
      "\"{\\\"version\\\":\\\"1.1\\\",\\\"host\\\":\\\"%hostname:::json%\\\","
      "\\\"short_message\\\":\\\"%msg:::json%\\\",\\\"timestamp\\\":"
      "%timereported:::date-unixtimestamp%.%timereported:::date-subseconds%,\\\"level\\\":"
      "%syslogseverity%,\\\"_facility\\\":\\\"%syslogfacility-text%\\\",\\\"_app_name\\\":"
      "\\\"%app-name:::json%\\\",\\\"_procid\\\":\\\"%procid:::json%\\\"%$!:::gelf-fields%}\"", 0 },
    { "SLUICE_RFC5424_SD",
      "\"<%PRI%>1 %TIMESTAMP:::date-rfc3339% %HOSTNAME% %APP-NAME% %PROCID% %MSGID% "
      "%$!:::sd-param% %msg%\"", 0 },
};

/* template(type="plugin" plugin="NAME") and "$template name,=NAME": a template bound to
 * one of rsyslog's string generators, which are exactly the four built-ins flagged strgen
 * above (rsyslog compares the name case-sensitively; no options). */
const struct sl_template *sl_tpl_add_strgen(struct sl_tpl_registry *r, const char *name,
                                            const char *strgen, struct sl_tpl_err *err)
{
    for (size_t i = 0; i < sizeof(builtins) / sizeof(builtins[0]); i++) {
        if (!builtins[i].strgen || strcmp(builtins[i].name, strgen) != 0) {
            continue;
        }
        const struct sl_template *t = sl_tpl_add_legacy(r, name, builtins[i].def, err);
        if (t != NULL) {
            struct sl_template *mt = r->tail;
            for (size_t j = 0; j < mt->n; j++) {
                if (mt->els[j].sp_if_no_1st_sp) {
                    mt->els[j].sp_always = 1;
                }
            }
            sl_tpl_classify_builtin(mt);   /* sp_always picks the renderer */
        }
        return t;
    }
    /* rsyslog's RS_RET_PARSER_NOT_FOUND */
    set_err(err, "error -2159 defining template via plugin (strgen) module '%s'", strgen);
    return NULL;
}

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
            sl_tpl_classify_builtin(mt);   /* sp_always picks the renderer */
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
    static const char *const sps[] = { "", "drop", "replace", "confine" };
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
        if (e->siem != TPL_SIEM_NONE) {
            sl_buf_printf(out, " siem=%s", siem_names[e->siem]);
        }
        sl_buf_putc(out, '\n');
    }
}
