/*
 * test_tpl_fast.c - Check tests for the built-in formats' straight-line renderers
 * (core/template_fast.c): which templates get one, and that each writes exactly the bytes
 * of the element loop (sl_tpl_render_generic) for every message of a varied corpus.
 *
 * The corpus: every line of the parser's golden inputs (tests/data/parser/inputs: RFC 3164
 * and 5424, PRI edge cases, every time stamp and time zone form, control characters, NUL,
 * 8-bit, long fields), the odd syslog lines and the template oracle's input, each parsed
 * with four option sets (defaults; no control-character escaping, so NUL and control
 * characters reach the fields; no dropping of the trailing LF; pmrfc3164 options), plus
 * hand-made messages for what parsing never produces (no hostname, a tag outside raw, a
 * NUL in the tag, invalid PRIs, empty and space-led MSG, 300-byte hostnames, tags over 32
 * bytes) and the RFC 3164 date cache set by another template first.  Files are read
 * relative to $srcdir (default ".").
 *
 * Ownership: each test frees its registry and messages.  Concurrency & locking: none.
 */
#include "config.h"

#include <arpa/inet.h>
#include <check.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "msg_int.h"
#include "template_int.h"
#include "util/buf.h"
#include "corpus_text.h"

#define MAX_LINE 70000

struct line {
    char *p;
    size_t n;
};

/* Appends the lines of srcdir/rel (escapes decoded when esc; '#' lines skipped) */
static size_t read_lines(const char *rel, int esc, struct line **v, size_t n, size_t *cap)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", srcdir(), rel);
    FILE *f = fopen(path, "r");
    ck_assert_msg(f != NULL, "cannot open %s", path);
    char *buf = sl_xmalloc(MAX_LINE);
    while (fgets(buf, MAX_LINE, f) != NULL) {
        size_t l = strlen(buf);
        if (l > 0 && buf[l - 1] == '\n') {
            buf[--l] = '\0';
        }
        if (l == 0 || buf[0] == '#') {
            continue;
        }
        if (esc) {
            l = unescape(buf);
        }
        if (n == *cap) {
            *cap = *cap ? *cap * 2 : 256;
            *v = sl_xrealloc(*v, *cap * sizeof(**v));
        }
        (*v)[n].p = sl_xmalloc(l + 1);
        memcpy((*v)[n].p, buf, l + 1);
        (*v)[n].n = l;
        n++;
    }
    free(buf);
    fclose(f);
    return n;
}

/* lines no corpus file has: every time zone form, fractions, empty fields */
static const char *const hand_lines[] = {
    "<13>1 2026-12-07T10:11:12Z h a p m - msg utc",
    "<13>1 2026-12-07T10:11:12.1Z h a p m - one digit",
    "<13>1 2026-12-07T10:11:12.123456789+05:30 h a p m - nine digits",
    "<13>1 2026-12-07T10:11:12.000001-08:00 h a p m [x@1 a=\"b\"] neg offset",
    "<13>1 2026-12-07T10:11:12+00:00 - - - - -",
    "<13>1 2026-12-07T10:11:12-00:00 h - - - -",
    "<165>1 - - - - - -",
    "<13>1 2026-12-07T10:11:12+14:00 h app 1 ID [a@1][b@2 c=\"d\"] \xef\xbb\xbf" "bom",
    "<13>Dec  7 10:11:12 host app: lead space",
    "<13>Dec  7 10:11:12 host app:no space",
    "<13>Dec  7 10:11:12 host app:",
    "<13>Dec  7 10:11:12 host app:  two spaces",
    "<13>Dec 07 10:11:12 host app[123]: zero day",
    "<13>Dec  7 10:11:12 host a-very-long-tag-that-is-longer-than-32-bytes[1]: cut",
    "<13>Dec  7 10:11:12 host 12345678901234567890123456789012: exactly 32",
    "<13>Dec  7 10:11:12 host 1234567890123456789012345678901: 31",
    "<13>Dec  7 10:11:12 host app: ctl \x01\x1f\x7f and tab\t end",
    "<13>Dec  7 10:11:12 host app: trailing lf\n",
    "<13>Dec  7 10:11:12 host app: \\backslash \"quote\" %percent%",
    "<13>2026-12-07T10:11:12.5-03:30 host app: 3339 in 3164",
    "<13>Dec  7 2026 10:11:12 host app: year after",
    "<13>",
    "",
    " ",
    "<7>x",
    "<191>Dec 31 23:59:59 host app: max",
    "<0>Jan  1 00:00:00 host app: min",
};

static struct sl_msg *parse_one(const char *raw, size_t len, int variant, int peer)
{
    struct sl_msg *m = sl_msg_new(raw, len);
    ck_assert_ptr_nonnull(m);
    if (peer) {
        struct sockaddr_in sin = { .sin_family = AF_INET, .sin_port = htons(514) };
        sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        sl_msg_set_peer(m, (struct sockaddr *)&sin, sizeof sin);
    }
    struct sl_parse_opts o;
    sl_parse_opts_default(&o);
    switch (variant) {
    case 1:
        o.escape_cc_on_receive = 0;    /* control characters and NUL stay in the fields */
        break;
    case 2:
        o.drop_trailing_lf = 0;
        o.escape_tab = 0;
        break;
    case 3:
        o.escape_8bit = 1;
        o.escape_cc_cstyle = 1;
        o.permit_squared_tag = 1;
        o.remove_msg_first_space = 1;
        o.force_tag_colon = 1;
        break;
    default:
        break;
    }
    sl_msg_parse(m, &o);
    return m;
}

/* one list constant(value=v) */
static void lc(struct sl_tpl_builder *b, const char *v)
{
    struct sl_tpl_err err = { "", "" };
    const char *k[] = { "value" }, *vv[] = { v };
    ck_assert_msg(sl_tpl_list_constant(b, k, vv, 1, &err) == 0, "%s", err.text);
}

/* one list property() from n key/value pairs */
static void lp(struct sl_tpl_builder *b, const char *const *kv, size_t n)
{
    struct sl_tpl_err err = { "", "" };
    const char *k[8], *v[8];
    for (size_t j = 0; j < n && j < 8; j++) {
        k[j] = kv[2 * j];
        v[j] = kv[2 * j + 1];
    }
    ck_assert_msg(sl_tpl_list_property(b, k, v, n, &err) == 0, "%s", err.text);
}

/* The templates under test: every built-in with a renderer, the strgen-bound forms, and
 * the same shapes written as string, legacy and list templates. */
static void add_equivalents(struct sl_tpl_registry *r)
{
    struct sl_tpl_err err = { "", "" };
    static const char *const sg[] = { "RSYSLOG_FileFormat", "RSYSLOG_TraditionalFileFormat",
                                      "RSYSLOG_ForwardFormat",
                                      "RSYSLOG_TraditionalForwardFormat" };
    for (size_t i = 0; i < 4; i++) {
        char name[64];
        snprintf(name, sizeof name, "sg%zu", i);
        ck_assert_msg(sl_tpl_add_strgen(r, name, sg[i], &err) != NULL, "%s", err.text);
    }
    static const char *const str[] = {
        "%TIMESTAMP:::date-rfc3339% %HOSTNAME% %syslogtag%%msg:::sp-if-no-1st-sp%%msg%\n",
        "%timereported% %hostname% %SYSLOGTAG%%MSG:::sp-if-no-1st-sp%%msg%\n",
        "<%PRI%>%TIMESTAMP:::date-rfc3339% %HOSTNAME% %syslogtag:1:32%%msg:::sp-if-no-1st-sp%%msg%",
        "<%pri%>%timestamp% %hostname% %syslogtag:1:32%%msg:::sp-if-no-1st-sp%%msg%",
        "<%PRI%>1 %TIMESTAMP:::date-rfc3339% %HOSTNAME% %APP-NAME% %PROCID% %MSGID% "
        "%STRUCTURED-DATA% %msg%\n",
        "<%PRI%>1 %TIMESTAMP:::date-rfc3339% %HOSTNAME% %APP-NAME% %PROCID% %MSGID% "
        "%STRUCTURED-DATA% %msg%",
    };
    for (size_t i = 0; i < sizeof str / sizeof str[0]; i++) {
        char name[64];
        snprintf(name, sizeof name, "str%zu", i);
        ck_assert_msg(sl_tpl_add_string(r, name, str[i], NULL, &err) != NULL, "%s", err.text);
        ck_assert_msg(sl_tpl_fast_name(sl_tpl_find(r, name)) != NULL, "%s: no fast path", str[i]);
    }
    ck_assert_ptr_nonnull(sl_tpl_add_legacy(r, "leg0", "\"%TIMESTAMP% %HOSTNAME% "
                                            "%syslogtag%%msg:::sp-if-no-1st-sp%%msg%\\n\"",
                                            &err));
    ck_assert_ptr_nonnull(sl_tpl_fast_name(sl_tpl_find(r, "leg0")));

    /* list form of RSYSLOG_ForwardFormat, with its constants split differently */
    struct sl_tpl_builder *b = sl_tpl_list_begin(r, "list0", NULL);
    lc(b, "<");
    lp(b, (const char *[]){ "name", "pri" }, 1);
    lc(b, ">");
    lp(b, (const char *[]){ "name", "timereported", "dateformat", "rfc3339" }, 2);
    lc(b, " ");
    lp(b, (const char *[]){ "name", "hostname" }, 1);
    lc(b, "");
    lc(b, " ");
    lp(b, (const char *[]){ "name", "syslogtag", "position.from", "1", "position.to", "32" }, 3);
    lp(b, (const char *[]){ "name", "msg", "spifno1stsp", "on" }, 2);
    lp(b, (const char *[]){ "name", "msg" }, 1);
    ck_assert_ptr_nonnull(sl_tpl_list_end(b, &err));
    ck_assert_str_eq(sl_tpl_fast_name(sl_tpl_find(r, "list0")), "forward-rfc3339");

    /* list form of RSYSLOG_SyslogProtocol23Format: ">1 " as three constants */
    b = sl_tpl_list_begin(r, "list1", NULL);
    lc(b, "<");
    lp(b, (const char *[]){ "name", "pri" }, 1);
    lc(b, ">");
    lc(b, "1");
    lc(b, " ");
    lp(b, (const char *[]){ "name", "timestamp", "dateformat", "rfc3339" }, 2);
    lc(b, " ");
    lp(b, (const char *[]){ "name", "hostname", "outname", "h" }, 2);
    static const char *const rest[] = { "app-name", "procid", "msgid", "structured-data", "msg" };
    for (size_t i = 0; i < sizeof rest / sizeof rest[0]; i++) {
        lc(b, " ");
        lp(b, (const char *[]){ "name", rest[i] }, 1);
    }
    lc(b, "\\n");     /* a list constant is unescaped once more: LF */
    ck_assert_ptr_nonnull(sl_tpl_list_end(b, &err));
    ck_assert_str_eq(sl_tpl_fast_name(sl_tpl_find(r, "list1")), "rfc5424-lf");
}

/* Templates that look like a built-in but render differently: none may get a renderer. */
START_TEST(test_fast_path_detection)
{
    struct sl_tpl_registry *r = sl_tpl_registry_new();
    static const struct { const char *name, *fast; } want[] = {
        { "RSYSLOG_FileFormat", "file-rfc3339" },
        { "RSYSLOG_TraditionalFileFormat", "file-rfc3164" },
        { "RSYSLOG_ForwardFormat", "forward-rfc3339" },
        { "RSYSLOG_TraditionalForwardFormat", "forward-rfc3164" },
        { "RSYSLOG_SysklogdFileFormat", "file-rfc3164" },
        { "RSYSLOG_SyslogProtocol23Format", "rfc5424-lf" },
        { "RSYSLOG_SyslogRFC5424Format", "rfc5424" },
        { "RSYSLOG_DebugFormat", NULL },
        { " StdDBFmt", NULL },
        { " StdJSONFmt", NULL },
        { "SLUICE_RFC5424_SD", NULL },
    };
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
        const struct sl_template *t = sl_tpl_find(r, want[i].name);
        ck_assert_ptr_nonnull(t);
        const char *got = sl_tpl_fast_name(t);
        ck_assert_msg((got == NULL) == (want[i].fast == NULL) &&
                      (got == NULL || strcmp(got, want[i].fast) == 0),
                      "%s: fast path %s, want %s", want[i].name, got ? got : "none",
                      want[i].fast ? want[i].fast : "none");
    }
    static const struct { const char *def, *opt; } near[] = {
        { "%TIMESTAMP:::date-rfc3339% %HOSTNAME%"
          " %syslogtag%%msg:::sp-if-no-1st-sp%%msg%\n", "sql" },
        { "%TIMESTAMP:::date-rfc3339% %HOSTNAME%"
          " %syslogtag%%msg:::sp-if-no-1st-sp%%msg%\n", "jsonf" },
        { "%TIMESTAMP:::date-rfc3339% %HOSTNAME% %syslogtag%%msg:::sp-if-no-1st-sp%%msg%", NULL },
        { "%TIMESTAMP:::date-rfc3339% %HOSTNAME%"
          " %syslogtag%%msg:::sp-if-no-1st-sp%%msg%\n\n", NULL },
        { "%TIMESTAMP:::date-rfc3339,date-utc%"
          " %HOSTNAME% %syslogtag%%msg:::sp-if-no-1st-sp%%msg%\n", NULL },
        { "%TIMESTAMP:::date-rfc3164% %HOSTNAME% %syslogtag%%msg:::sp-if-no-1st-sp%%msg%\n", NULL },
        { "%TIMEGENERATED:::date-rfc3339% %HOSTNAME%"
          " %syslogtag%%msg:::sp-if-no-1st-sp%%msg%\n", NULL },
        { "%TIMESTAMP:::date-rfc3339% %HOSTNAME:::lowercase%"
          " %syslogtag%%msg:::sp-if-no-1st-sp%%msg%\n", NULL },
        { "%TIMESTAMP:::date-rfc3339% %HOSTNAME:::%"
          " %syslogtag%%msg:::sp-if-no-1st-sp%%msg%\n", NULL },
        { "%TIMESTAMP:::date-rfc3339% %FROMHOST% %syslogtag%%msg:::sp-if-no-1st-sp%%msg%\n", NULL },
        { "%TIMESTAMP:::date-rfc3339% %HOSTNAME% %syslogtag%%msg:::drop-last-lf%%msg%\n", NULL },
        { "%TIMESTAMP:::date-rfc3339% %HOSTNAME% %syslogtag%%msg%%msg%\n", NULL },
        { "%TIMESTAMP:::date-rfc3339% %HOSTNAME% %syslogtag%"
          "%msg:::sp-if-no-1st-sp%%msg:::drop-last-lf%\n", NULL },
        { "%TIMESTAMP:::date-rfc3339% %HOSTNAME%\t%syslogtag%"
          "%msg:::sp-if-no-1st-sp%%msg%\n", NULL },
        { "<%PRI%>%TIMESTAMP:::date-rfc3339% %HOSTNAME%"
          " %syslogtag:1:31%%msg:::sp-if-no-1st-sp%%msg%", NULL },
        { "<%PRI%>%TIMESTAMP:::date-rfc3339% %HOSTNAME%"
          " %syslogtag:2:32%%msg:::sp-if-no-1st-sp%%msg%", NULL },
        { "<%PRI%>%TIMESTAMP:::date-rfc3339% %HOSTNAME%"
          " %syslogtag:1:32:fixed-width%%msg:::sp-if-no-1st-sp%%msg%", NULL },
        { "<%PRI-text%>%TIMESTAMP:::date-rfc3339%"
          " %HOSTNAME% %syslogtag:1:32%%msg:::sp-if-no-1st-sp%%msg%", NULL },
        { "<%PRI%>%TIMESTAMP:::date-rfc3339%"
          " %HOSTNAME% %syslogtag%%msg:::sp-if-no-1st-sp%%msg%", NULL },
        { "<%PRI%>1 %TIMESTAMP:::date-rfc3339%"
          " %HOSTNAME% %APP-NAME% %PROCID% %MSGID% %$!% %msg%\n", NULL },
        { "<%PRI%>1 %TIMESTAMP:::date-rfc3339% %HOSTNAME%"
          " %programname% %PROCID% %MSGID% %STRUCTURED-DATA% %msg%\n", NULL },
        { "<%PRI%>1 %TIMESTAMP% %HOSTNAME% %APP-NAME%"
          " %PROCID% %MSGID% %STRUCTURED-DATA% %msg%\n", NULL },
    };
    for (size_t i = 0; i < sizeof near / sizeof near[0]; i++) {
        struct sl_tpl_err err = { "", "" };
        char name[32];
        snprintf(name, sizeof name, "near%zu", i);
        const struct sl_template *t = sl_tpl_add_string(r, name, near[i].def, near[i].opt, &err);
        ck_assert_msg(t != NULL, "%s: %s", near[i].def, err.text);
        ck_assert_msg(sl_tpl_fast_name(t) == NULL, "'%s' (%s) got fast path %s", near[i].def,
                      near[i].opt ? near[i].opt : "-", sl_tpl_fast_name(t));
    }
    /* a confined view (dynaFile) renders through the loop */
    const struct sl_template *v = sl_tpl_confined(r, sl_tpl_find(r, "RSYSLOG_FileFormat"));
    ck_assert_ptr_null(sl_tpl_fast_name(v));
    sl_tpl_registry_free(r);
}
END_TEST

static size_t g_compared;

/* Renders t both ways (into buffers that already hold text: rendering appends) and
 * compares the bytes and the result code. */
static void compare(const struct sl_template *t, struct sl_msg *m, const char *what)
{
    struct sl_buf a = { 0 }, b = { 0 };
    sl_buf_append(&a, "pre", 3);
    sl_buf_append(&b, "pre", 3);
    int ra = sl_tpl_render_generic(t, m, &a);
    int rb = sl_template_render(t, m, &b);
    ck_assert_int_eq(ra, rb);
    if (a.len != b.len || memcmp(a.p, b.p, a.len) != 0 || b.p[b.len] != '\0') {
        ck_abort_msg("%s, template %s (%s): generic %zu bytes '%.*s', fast %zu bytes '%.*s'",
                     what, sl_template_name(t), sl_tpl_fast_name(t), a.len, (int)a.len, a.p,
                     b.len, (int)b.len, b.p);
    }
    g_compared++;
    sl_buf_free(&a);
    sl_buf_free(&b);
}

static void compare_all(struct sl_tpl_registry *r, const struct sl_template **fast, size_t nf,
                        struct sl_msg *m, const char *what)
{
    (void)r;
    for (size_t i = 0; i < nf; i++) {
        compare(fast[i], m, what);
    }
}

static size_t fast_templates(struct sl_tpl_registry *r, const struct sl_template **v, size_t max)
{
    size_t n = 0;
    static const char *const names[] = {
        "RSYSLOG_FileFormat", "RSYSLOG_TraditionalFileFormat", "RSYSLOG_ForwardFormat",
        "RSYSLOG_TraditionalForwardFormat", "RSYSLOG_SysklogdFileFormat",
        "RSYSLOG_SyslogProtocol23Format", "RSYSLOG_SyslogRFC5424Format", "sg0", "sg1", "sg2",
        "sg3", "str0", "str1", "str2", "str3", "str4", "str5", "leg0", "list0", "list1"
    };
    for (size_t i = 0; i < sizeof names / sizeof names[0] && n < max; i++) {
        const struct sl_template *t = sl_tpl_find(r, names[i]);
        ck_assert_msg(t != NULL && sl_tpl_fast_name(t) != NULL, "%s: no fast path", names[i]);
        v[n++] = t;
    }
    return n;
}

START_TEST(test_fast_paths_corpus)
{
    struct sl_tpl_registry *r = sl_tpl_registry_new();
    add_equivalents(r);
    const struct sl_template *fast[32];
    size_t nf = fast_templates(r, fast, 32);
    /* one template that fills the RFC 3164 cache with the buggy-day form first */
    struct sl_tpl_err err = { "", "" };
    const struct sl_template *buggy = sl_tpl_add_string(r, "buggy",
                                                        "%timereported:::date-rfc3164-buggyday%",
                                                        NULL, &err);
    ck_assert_ptr_nonnull(buggy);

    struct line *v = NULL;
    size_t n = 0, cap = 0;
    static const char *const files[] = { "tests/data/parser/inputs/tricky.txt",
                                         "tests/data/parser/inputs/fuzz.txt",
                                         "tests/data/parser/inputs/loghub.txt",
                                         "tests/data/parser/inputs/logger.txt",
                                         "tests/data/parser/inputs/odd.txt",
                                         "tests/data/parser/inputs/tcp-basic.txt" };
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
        n = read_lines(files[i], 1, &v, n, &cap);
    }
    n = read_lines("tests/data/odd-syslog-lines/lines.txt", 0, &v, n, &cap);
    n = read_lines("tests/data/template/input.txt", 0, &v, n, &cap);
    ck_assert_uint_gt(n, 800);
    for (size_t i = 0; i < n; i++) {
        for (int variant = 0; variant < 4; variant++) {
            struct sl_msg *m = parse_one(v[i].p, v[i].n, variant, variant != 2);
            char what[96];
            snprintf(what, sizeof what, "corpus line %zu, options %d", i, variant);
            if (variant == 3) {
                struct sl_buf tmp = { 0 };
                sl_template_render(buggy, m, &tmp);
                sl_buf_free(&tmp);
            }
            compare_all(r, fast, nf, m, what);
            sl_msg_unref(m);
        }
    }
    for (size_t i = 0; i < sizeof hand_lines / sizeof hand_lines[0]; i++) {
        for (int variant = 0; variant < 4; variant++) {
            struct sl_msg *m = parse_one(hand_lines[i], strlen(hand_lines[i]), variant, 1);
            char what[96];
            snprintf(what, sizeof what, "hand line %zu, options %d", i, variant);
            compare_all(r, fast, nf, m, what);
            sl_msg_unref(m);
        }
    }
    for (size_t i = 0; i < n; i++) {
        free(v[i].p);
    }
    free(v);
    ck_assert_uint_gt(g_compared, 50000);
    sl_tpl_registry_free(r);
}
END_TEST

/* What parsing never produces, set by hand on parsed messages. */
START_TEST(test_fast_paths_edges)
{
    struct sl_tpl_registry *r = sl_tpl_registry_new();
    add_equivalents(r);
    const struct sl_template *fast[32];
    size_t nf = fast_templates(r, fast, 32);
    static const char base[] = "<13>Dec  7 10:11:12 host app[42]: hello world";
    char longhost[301];
    memset(longhost, 'h', 300);
    longhost[300] = '\0';
    static const char tag_nul[] = "ta\0g-with-nul-and-more-than-32-bytes-of-text:";
    static const char msg_nul[] = " before\0after";
    static const char tag40[] = "0123456789012345678901234567890123456789";
    for (int c = 0; c < 14; c++) {
        struct sl_msg *m = parse_one(base, sizeof base - 1, 0, c != 1);
        switch (c) {
        case 0:
            m->hostname = (struct sl_str){ NULL, 0 };          /* fromhost */
            break;
        case 1:
            m->hostname = (struct sl_str){ NULL, 0 };          /* no peer: local host */
            break;
        case 2:
            m->hostname = (struct sl_str){ longhost, 300 };
            break;
        case 3:
            m->tag = (struct sl_str){ tag_nul, sizeof tag_nul - 1 };   /* not in raw */
            break;
        case 4:
            m->tag = (struct sl_str){ tag40, 40 };
            m->flags &= ~(uint32_t)SL_MSGF_RAW_NO_NUL;
            break;
        case 5:
            m->tag = (struct sl_str){ NULL, 0 };
            m->msg = (struct sl_str){ NULL, 0 };
            break;
        case 6:
            m->msg = (struct sl_str){ msg_nul, sizeof msg_nul - 1 };
            m->flags &= ~(uint32_t)SL_MSGF_RAW_NO_NUL;
            break;
        case 7:
            m->msg = (struct sl_str){ msg_nul + 1, sizeof msg_nul - 2 };
            m->flags &= ~(uint32_t)SL_MSGF_RAW_NO_NUL;
            break;
        case 8:
            m->msg = (struct sl_str){ "\0x", 2 };             /* empty as a C string */
            m->flags &= ~(uint32_t)SL_MSGF_RAW_NO_NUL;
            break;
        case 9:
            m->pri = -1;
            break;
        case 10:
            m->pri = SL_PRI_INVALID;
            break;
        case 11:
            m->pri = 192;
            break;
        case 12:
            m->t_reported.year = 12345;    /* outside the RFC 3339 cache */
            m->t_reported.type = 2;
            break;
        case 13:
            m->msg = (struct sl_str){ "", 0 };
            m->tag = (struct sl_str){ "", 0 };
            m->hostname = (struct sl_str){ "", 0 };
            break;
        }
        char what[32];
        snprintf(what, sizeof what, "edge case %d", c);
        compare_all(r, fast, nf, m, what);
        sl_msg_unref(m);
    }
    /* the RFC 3164 cache: set by either path first, the other follows it */
    const struct sl_template *trad = sl_tpl_find(r, "RSYSLOG_TraditionalFileFormat");
    struct sl_tpl_err err = { "", "" };
    const struct sl_template *buggy = sl_tpl_add_string(r, "buggy2",
                                                        "%timestamp:::date-rfc3164-buggyday%",
                                                        NULL, &err);
    struct sl_msg *m = parse_one(base, sizeof base - 1, 0, 1);
    struct sl_buf out = { 0 };
    ck_assert_int_eq(sl_template_render(buggy, m, &out), 0);
    out.len = 0;
    ck_assert_int_eq(sl_template_render(trad, m, &out), 0);
    ck_assert_msg(strncmp(out.p, "Dec 07 10:11:12 host app[42]: hello world\n", out.len) == 0,
                  "got '%s'", out.p);
    sl_buf_free(&out);
    sl_msg_unref(m);
    sl_tpl_registry_free(r);
}
END_TEST

static Suite *tpl_fast_suite(void)
{
    Suite *s = suite_create("template_fast");
    TCase *tc = tcase_create("core");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, test_fast_path_detection);
    tcase_add_test(tc, test_fast_paths_corpus);
    tcase_add_test(tc, test_fast_paths_edges);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(tpl_fast_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
