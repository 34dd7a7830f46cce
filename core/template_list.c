/*
 * template_list.c - list templates (template(type="list") { constant(...) property(...) }),
 * built element by element by the config front end through sl_tpl_list_begin / _constant /
 * _property / _end, with rsyslog 8.2302's parameter names, defaults and checks.  The string
 * template compiler, the registry and the built-ins are in template.c.
 *
 * Ownership: a builder owns its half-built template until sl_tpl_list_end() adds it to the
 * registry (or frees it on error).
 *
 * Concurrency & locking: configuration thread only; nothing is shared.
 */
#include "config.h"
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "log.h"
#include "template_int.h"
#include "util/buf.h"
#include "util/strutil.h"

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

/* rsyslog's template parameters are eCmdHdlrBinary: exactly "on" or "off" */
static int parse_bool(const char *v, int *out)
{
    if (strcmp(v, "on") == 0) {
        *out = 1;
    } else if (strcmp(v, "off") == 0) {
        *out = 0;
    } else {
        return SL_EINVAL;
    }
    return 0;
}

/* eCmdHdlrInt, read as rsyslog does (util/strutil.h: "010" is eight) */
static int parse_int(const char *v, int *out)
{
    int64_t x;
    if (sl_rs_str2num(v, &x) != 0 || x < -2000000000LL || x > 2000000000LL) {
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
    if (b != NULL && b->closed) {
        return 0;  /* after a soft error (see SL_TPL_SOFT): ignored, as in rsyslog */
    }
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
    if (b != NULL && b->closed) {
        return 0;  /* after a soft error (see SL_TPL_SOFT): ignored, as in rsyslog */
    }
    const char *name = "", *outname = NULL, *re_expr = NULL;
    /* as rsyslog: from -1 is "not given"; to has its own flag (a negative to counts from
     * the end) */
    int frompos = -1, topos = 0, topos_set = 0, fieldnum = -1, fielddelim = 9, rel = 0;
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
            topos_set = 1;
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
            enum sl_datefmt df;
            if (tpl_date_opt(w, &df) == 0) {
                datefmt = (int)df;
                date_set = 1;
                rc = 0;
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

    if (!topos_set && frompos != -1) {
        topos = 2000000000;
    }
    if (frompos == -1 && topos_set) {
        frompos = 0;
    }
    if (rel) {
        if (topos > frompos) {
            set_err(err, "position.to=%d is higher than postion.from=%d in 'relativeToEnd' mode",
                    topos, frompos);
            goto fail;
        }
    } else if (topos >= 0 && topos < frompos) {
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
        char hint[160];
        set_err(err, "invalid property '%s'%s", name, sl_prop_suggest(name, hint, sizeof hint));
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
            /* rsyslog 8.2302 logs an error, keeps the element (it renders "**NO MATCH**
             * **BAD REGULAR EXPRESSION**") and stops building the list there: the
             * template is used with the elements up to this one */
            set_err(err, "error compiling regex '%s': %s", re_expr, ebuf);
            e->re_bad = 1;
            e->complex = 1;
            b->closed = 1;
            return SL_TPL_SOFT;
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
