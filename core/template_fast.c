/*
 * template_fast.c - the built-in file and forwarding formats rendered by straight-line code
 * (issue #20): RSYSLOG_FileFormat, RSYSLOG_TraditionalFileFormat, RSYSLOG_ForwardFormat,
 * RSYSLOG_TraditionalForwardFormat, RSYSLOG_SysklogdFileFormat,
 * RSYSLOG_SyslogProtocol23Format and RSYSLOG_SyslogRFC5424Format.
 *
 * When a template is registered (template.c reg_add, and again after the string-generator
 * flag is set), sl_tpl_classify_builtin() compares its element list with the shapes of
 * these formats: what each element renders, not how it was written, so a string, legacy or
 * list template with the same elements (adjacent constants may be split differently) gets
 * the same renderer.  Such a template keeps its element list (the generic renderer in
 * template_render.c, sl_tpl_render_generic(), is still what every other template and the
 * tests' reference use) and gets t->render_fn: one function that takes the message's fields,
 * reserves the output once and writes them in sequence, with no per-element dispatch and
 * no option test at run time (the variants - date form, string generator's space, PRI
 * prefix, tag cut at 32, final LF - are separate instantiations of one inline function).
 * Each renderer writes exactly the bytes the element loop writes for every message,
 * including its corner cases: a NUL in MSG (the sp-if-no-1st-sp test stops at it, the plain
 * MSG does not), a tag that is not a span of raw, a missing HOSTNAME (fromhost), an invalid
 * PRI; tests/unit/test_template.c test_builtin_fast_paths and tests/fuzz/fuzz_template.c
 * compare both paths byte for byte.
 *
 * Ownership: renderers append to the caller's sl_buf; property values are borrowed from
 * the message (or freed here when sl_msg_prop hands one over).
 * Concurrency & locking: classification runs on the configuration thread; renderers may
 * run on any number of threads at once (sl_msg_3164_fmt's per-message cache is atomic).
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "msg_int.h"
#include "template_int.h"
#include "util/buf.h"

/* ------------------------------------------------------------------------------------- */
/* the renderers                                                                         */
/* ------------------------------------------------------------------------------------- */

/* A property the generic path renders with sl_msg_prop (non-complex element, no fast
 * path): the value, with a copy kept in *to_free when sl_msg_prop hands one over. */
static inline struct sl_str prop_value(struct sl_msg *m, enum sl_prop id, char tmp[SL_PROP_TMP],
                                       char **to_free)
{
    const struct sl_propref ref = { id, NULL };
    struct sl_str s;
    s.p = sl_msg_prop(m, &ref, &s.len, tmp, to_free);
    if (s.p == NULL) {
        s.p = "";
        s.len = 0;
    }
    return s;
}

/* HOSTNAME as the element loop renders a plain %HOSTNAME%: the span, or (no hostname
 * parsed) sl_msg_prop's fromhost. */
static inline struct sl_str host_value(struct sl_msg *m, char tmp[SL_PROP_TMP], char **to_free)
{
    if (m->hostname.p != NULL) {
        return m->hostname;
    }
    return prop_value(m, SL_PROP_HOSTNAME, tmp, to_free);
}

/* APP-NAME, PROCID, MSGID, STRUCTURED-DATA: sl_msg_prop returns the field's span whenever
 * one is set; only a missing one needs it (defaults, or derived from the tag). */
static inline struct sl_str field_value(struct sl_msg *m, const struct sl_str *f, enum sl_prop id,
                                        char tmp[SL_PROP_TMP], char **to_free)
{
    if (f->p != NULL) {
        return *f;
    }
    return prop_value(m, id, tmp, to_free);
}

/* MSG up to its first NUL, as the sp-if-no-1st-sp test sees it (render_msg_fast). */
static inline size_t msg_c_len(const struct sl_msg *m)
{
    size_t n = m->msg.p != NULL ? m->msg.len : 0;
    if (n > 0 && !(m->flags & SL_MSGF_RAW_NO_NUL)) {
        const char *nul = memchr(m->msg.p, '\0', n);
        if (nul != NULL) {
            n = (size_t)(nul - m->msg.p);
        }
    }
    return n;
}

/* %syslogtag:1:32% (render_substr_fast + put_substr): at most 32 bytes of the tag, which
 * ends at a NUL unless it is a span of raw and raw holds none. */
static inline struct sl_str tag32_value(const struct sl_msg *m)
{
    struct sl_str s = { m->tag.p != NULL ? m->tag.p : "", m->tag.p != NULL ? m->tag.len : 0 };
    const uintptr_t rp = (uintptr_t)m->raw, fp = (uintptr_t)m->tag.p;
    int no_nul = (m->flags & SL_MSGF_RAW_NO_NUL) != 0 && fp >= rp &&
                 fp + m->tag.len <= rp + m->raw_len;
    if (!no_nul && s.len > 0) {
        const char *nul = memchr(s.p, '\0', s.len);
        if (nul != NULL) {
            s.len = (size_t)(nul - s.p);
        }
    }
    if (s.len > 32) {
        s.len = 32;
    }
    return s;
}

/* PRI as sl_msg_prop writes it: 0..191 in decimal, else "invld". */
static inline size_t put_pri(char *w, int pri)
{
    if (pri < 0 || pri > 191) {
        memcpy(w, "invld", 5);
        return 5;
    }
    unsigned v = (unsigned)pri;
    if (v >= 100) {
        w[0] = (char)('0' + v / 100);
        w[1] = (char)('0' + v / 10 % 10);
        w[2] = (char)('0' + v % 10);
        return 3;
    }
    if (v >= 10) {
        w[0] = (char)('0' + v / 10);
        w[1] = (char)('0' + v % 10);
        return 2;
    }
    w[0] = (char)('0' + v);
    return 1;
}

static inline char *put(char *w, const char *p, size_t n)
{
    if (n > 0) {
        memcpy(w, p, n);
    }
    return w + n;
}

/* the room sl_time_format may take (render_date_fast reserves as much) */
#define DATE_ROOM 80

/* [<PRI>]DATE HOSTNAME TAG[SP]MSG[\n]: the file formats (fwd 0: plain tag, LF) and the
 * forwarding formats (fwd 1: "<PRI>" first, the tag cut at 32 bytes, no LF).  rfc3339:
 * %TIMESTAMP:::date-rfc3339%, else %TIMESTAMP% (the RFC 3164 form cached per message);
 * sp_always: the string generators' space before an empty MSG. */
static inline __attribute__((always_inline)) int render_file_like(struct sl_msg *m,
                                                                  struct sl_buf *out,
                                                                  int rfc3339, int sp_always,
                                                                  int fwd)
{
    char tmp[SL_PROP_TMP];
    char *to_free = NULL;
    const struct sl_str host = host_value(m, tmp, &to_free);
    const struct sl_str tag = fwd ? tag32_value(m)
                                  : (struct sl_str){ m->tag.p, m->tag.p != NULL ? m->tag.len : 0 };
    const size_t mlen = m->msg.p != NULL ? m->msg.len : 0;
    const size_t cn = msg_c_len(m);
    const int sp = (cn > 0 || sp_always) && !(cn > 0 && m->msg.p[0] == ' ');
    const enum sl_datefmt df = rfc3339 ? SL_DATE_RFC3339
                                       : sl_msg_3164_fmt(m, SL_PROP_TIMEREPORTED, SL_DATE_DEFAULT);
    /* "<" PRI(<=5) ">" DATE " " HOST " " TAG SP MSG "\n" NUL */
    size_t need = (fwd ? 7 : 0) + DATE_ROOM + 2 + host.len + tag.len + 1 + mlen + 2;
    if (out->cap - out->len < need && sl_buf_reserve(out, need) != 0) {
        free(to_free);
        return SL_ENOMEM;
    }
    char *w = out->p + out->len;
    if (fwd) {
        *w++ = '<';
        w += put_pri(w, m->pri);
        *w++ = '>';
    }
    w += sl_time_format(&m->t_reported, df, w);
    *w++ = ' ';
    w = put(w, host.p, host.len);
    *w++ = ' ';
    w = put(w, tag.p, tag.len);
    if (sp) {
        *w++ = ' ';
    }
    w = put(w, m->msg.p, mlen);
    if (!fwd) {
        *w++ = '\n';
    }
    *w = '\0';
    out->len = (size_t)(w - out->p);
    if (to_free != NULL) {
        free(to_free);
    }
    return 0;
}

/* <PRI>1 DATE HOSTNAME APP-NAME PROCID MSGID STRUCTURED-DATA MSG[\n]: RFC 5424 (lf 1: the
 * SyslogProtocol23 form, lf 0: SyslogRFC5424). */
static inline __attribute__((always_inline)) int render_5424(struct sl_msg *m, struct sl_buf *out,
                                                             int lf)
{
    char tmp[5][SL_PROP_TMP];
    char *to_free[5] = { NULL, NULL, NULL, NULL, NULL };
    struct sl_str f[5];
    f[0] = host_value(m, tmp[0], &to_free[0]);
    f[1] = field_value(m, &m->appname, SL_PROP_APP_NAME, tmp[1], &to_free[1]);
    f[2] = field_value(m, &m->procid, SL_PROP_PROCID, tmp[2], &to_free[2]);
    f[3] = field_value(m, &m->msgid, SL_PROP_MSGID, tmp[3], &to_free[3]);
    f[4] = field_value(m, &m->sd, SL_PROP_STRUCTURED_DATA, tmp[4], &to_free[4]);
    const size_t mlen = m->msg.p != NULL ? m->msg.len : 0;
    size_t need = 9 + DATE_ROOM + 6 + f[0].len + f[1].len + f[2].len + f[3].len + f[4].len +
                  mlen + 2;
    int rc = 0;
    if (out->cap - out->len < need && sl_buf_reserve(out, need) != 0) {
        rc = SL_ENOMEM;
        goto done;
    }
    char *w = out->p + out->len;
    *w++ = '<';
    w += put_pri(w, m->pri);
    memcpy(w, ">1 ", 3);
    w += 3;
    w += sl_time_format(&m->t_reported, SL_DATE_RFC3339, w);
    for (int i = 0; i < 5; i++) {
        *w++ = ' ';
        w = put(w, f[i].p, f[i].len);
    }
    *w++ = ' ';
    w = put(w, m->msg.p, mlen);
    if (lf) {
        *w++ = '\n';
    }
    *w = '\0';
    out->len = (size_t)(w - out->p);
done:
    for (int i = 0; i < 5; i++) {
        if (to_free[i] != NULL) {
            free(to_free[i]);
        }
    }
    return rc;
}

#define FILE_LIKE(name, rfc3339, sp_always, fwd)                                              \
    static int name(struct sl_msg *m, struct sl_buf *out)                                     \
    {                                                                                         \
        return render_file_like(m, out, rfc3339, sp_always, fwd);                              \
    }
FILE_LIKE(r_file_3339, 1, 0, 0)
FILE_LIKE(r_file_3339_sg, 1, 1, 0)
FILE_LIKE(r_file_3164, 0, 0, 0)
FILE_LIKE(r_file_3164_sg, 0, 1, 0)
FILE_LIKE(r_fwd_3339, 1, 0, 1)
FILE_LIKE(r_fwd_3339_sg, 1, 1, 1)
FILE_LIKE(r_fwd_3164, 0, 0, 1)
FILE_LIKE(r_fwd_3164_sg, 0, 1, 1)

static int r_5424_lf(struct sl_msg *m, struct sl_buf *out)
{
    return render_5424(m, out, 1);
}

static int r_5424(struct sl_msg *m, struct sl_buf *out)
{
    return render_5424(m, out, 0);
}

/* ------------------------------------------------------------------------------------- */
/* classification                                                                        */
/* ------------------------------------------------------------------------------------- */

/* What an element of a built-in format renders. */
enum shape_kind {
    S_END = 0,
    S_CONST,      /* text (adjacent constants of the template are joined) */
    S_DATE,       /* timereported, date-rfc3339 or the default (RFC 3164) form */
    S_PLAIN,      /* a property without options: hostname, syslogtag, msg, pri, ... */
    S_TAG32,      /* %syslogtag:1:32% */
    S_MSG_SPIF,   /* %msg:::sp-if-no-1st-sp% (sp_always noted) */
};

struct shape {
    enum shape_kind k;
    const char *text;     /* S_CONST */
    int arg;              /* S_DATE: the sl_datefmt; S_PLAIN: the sl_prop */
};

#define C(s) { S_CONST, s, 0 }
#define DATE(f) { S_DATE, NULL, f }
#define PLAIN(p) { S_PLAIN, NULL, p }
#define TAG32 { S_TAG32, NULL, 0 }
#define SPIF { S_MSG_SPIF, NULL, 0 }
#define END { S_END, NULL, 0 }

static const struct shape sh_file_3339[] = {
    DATE(SL_DATE_RFC3339), C(" "), PLAIN(SL_PROP_HOSTNAME), C(" "), PLAIN(SL_PROP_SYSLOGTAG),
    SPIF, PLAIN(SL_PROP_MSG), C("\n"), END
};
static const struct shape sh_file_3164[] = {
    DATE(SL_DATE_DEFAULT), C(" "), PLAIN(SL_PROP_HOSTNAME), C(" "), PLAIN(SL_PROP_SYSLOGTAG),
    SPIF, PLAIN(SL_PROP_MSG), C("\n"), END
};
static const struct shape sh_fwd_3339[] = {
    C("<"), PLAIN(SL_PROP_PRI), C(">"), DATE(SL_DATE_RFC3339), C(" "),
    PLAIN(SL_PROP_HOSTNAME), C(" "), TAG32, SPIF, PLAIN(SL_PROP_MSG), END
};
static const struct shape sh_fwd_3164[] = {
    C("<"), PLAIN(SL_PROP_PRI), C(">"), DATE(SL_DATE_DEFAULT), C(" "),
    PLAIN(SL_PROP_HOSTNAME), C(" "), TAG32, SPIF, PLAIN(SL_PROP_MSG), END
};
#define SH_5424_HEAD                                                                          \
    C("<"), PLAIN(SL_PROP_PRI), C(">1 "), DATE(SL_DATE_RFC3339), C(" "),                      \
    PLAIN(SL_PROP_HOSTNAME), C(" "), PLAIN(SL_PROP_APP_NAME), C(" "), PLAIN(SL_PROP_PROCID),  \
    C(" "), PLAIN(SL_PROP_MSGID), C(" "), PLAIN(SL_PROP_STRUCTURED_DATA), C(" "),             \
    PLAIN(SL_PROP_MSG)
static const struct shape sh_5424_lf[] = { SH_5424_HEAD, C("\n"), END };
static const struct shape sh_5424[] = { SH_5424_HEAD, END };

typedef int (*render_fn)(struct sl_msg *, struct sl_buf *);

static const struct {
    const struct shape *shape;
    const char *name;
    render_fn fn, fn_sg;      /* without / with the string generator's space */
} shapes[] = {
    { sh_file_3339, "file-rfc3339", r_file_3339, r_file_3339_sg },
    { sh_file_3164, "file-rfc3164", r_file_3164, r_file_3164_sg },
    { sh_fwd_3339, "forward-rfc3339", r_fwd_3339, r_fwd_3339_sg },
    { sh_fwd_3164, "forward-rfc3164", r_fwd_3164, r_fwd_3164_sg },
    { sh_5424_lf, "rfc5424-lf", r_5424_lf, NULL },
    { sh_5424, "rfc5424", r_5424, NULL },
};

/* A property element whose rendering the element loop leaves to sl_msg_prop (or, for
 * hostname/syslogtag/msg, to the plain span): no replacer option, no fast path of its own
 * (a date-* option on a property that is no time ends there too, but is not taken here). */
static int el_plain(const struct tpl_el *e, enum sl_prop id)
{
    return e->kind == TPL_EL_PROP && e->ref.id == id && e->ref.path == NULL && !e->complex &&
           e->fast == TPL_FAST_NONE && !e->date_set && !e->date_utc &&
           e->siem == TPL_SIEM_NONE && e->secpath == TPL_SP_NONE;
}

/* Matches one shape element at els[*i] (constants: as many elements as the text takes).
 * *sg collects the string generator flag of sp-if-no-1st-sp elements (-1: none seen). */
static int match_el(const struct sl_template *t, size_t *i, const struct shape *s, int *sg)
{
    if (*i >= t->n) {
        return 0;
    }
    const struct tpl_el *e = &t->els[*i];
    switch (s->k) {
    case S_CONST: {
        const char *want = s->text;
        size_t left = strlen(want);
        while (left > 0 && *i < t->n && t->els[*i].kind == TPL_EL_CONST) {
            const struct tpl_el *c = &t->els[*i];
            if (c->len > left || memcmp(c->text, want, c->len) != 0) {
                return 0;
            }
            want += c->len;
            left -= c->len;
            (*i)++;
        }
        /* empty constants between (a list constant(value="")) change nothing */
        while (*i < t->n && t->els[*i].kind == TPL_EL_CONST && t->els[*i].len == 0) {
            (*i)++;
        }
        return left == 0;
    }
    case S_DATE:
        /* render_date_fast: sl_msg_time is timereported, the format is the element's */
        if (e->kind != TPL_EL_PROP || e->ref.id != SL_PROP_TIMEREPORTED ||
            e->fast != TPL_FAST_DATE || e->date_utc || (int)e->datefmt != s->arg) {
            return 0;
        }
        break;
    case S_PLAIN:
        if (!el_plain(e, (enum sl_prop)s->arg)) {
            return 0;
        }
        break;
    case S_TAG32:
        /* render_substr_fast on the tag span: positions only, 1 to 32 (complex: else the
         * loop's plain-span test comes first) */
        if (e->kind != TPL_EL_PROP || e->ref.id != SL_PROP_SYSLOGTAG || !e->complex ||
            e->fast != TPL_FAST_SUBSTR || e->date_set || e->date_utc || e->from != 1 ||
            e->to != 32 || e->pos_end_rel || e->fixed_width) {
            return 0;
        }
        break;
    case S_MSG_SPIF:
        /* render_msg_fast with TPL_FAST_MSG_SPIF */
        if (e->kind != TPL_EL_PROP || e->ref.id != SL_PROP_MSG || !e->complex ||
            e->fast != TPL_FAST_MSG_SPIF) {
            return 0;
        }
        if (*sg != -1 && *sg != (e->sp_always != 0)) {
            return 0;
        }
        *sg = e->sp_always != 0;
        break;
    case S_END:
        return 0;
    }
    (*i)++;
    return 1;
}

void sl_tpl_classify_builtin(struct sl_template *t)
{
    t->render_fn = NULL;
    t->fast_name = NULL;
    /* the element loop's template-level behaviour: no escaping, no jsonf braces, no
     * subtree, not a confined view */
    if (t->is_subtree || t->view_of != NULL || t->escape != TPL_ESC_NONE) {
        return;
    }
    for (size_t k = 0; k < sizeof(shapes) / sizeof(shapes[0]); k++) {
        size_t i = 0;
        int sg = -1;
        const struct shape *s = shapes[k].shape;
        for (; s->k != S_END; s++) {
            if (!match_el(t, &i, s, &sg)) {
                break;
            }
        }
        if (s->k != S_END || i != t->n) {
            continue;
        }
        render_fn fn = sg == 1 ? shapes[k].fn_sg : shapes[k].fn;
        if (fn == NULL) {
            continue;
        }
        t->render_fn = fn;
        t->fast_name = shapes[k].name;
        return;
    }
}

const char *sl_tpl_fast_name(const struct sl_template *t)
{
    return t != NULL ? t->fast_name : NULL;
}
