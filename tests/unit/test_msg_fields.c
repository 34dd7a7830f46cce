/*
 * test_msg_fields.c - the core side of ABI 1.4's messages built by inputs
 * (core/msg_fields.c): msg_set_fields and its defaults, every property of such a message
 * against the same message parsed from its syslog line, the typed JSON setters with handles
 * resolved once (also from several threads at once, as input threads do), and the trip
 * through the disk spool (core/msg_ser.c + core/spool.c): a built message comes back
 * identical, old (version 1) records still read, damaged records are refused.
 *
 * Ownership: each test owns its messages and temporary directory.  Threads are joined.
 */
#include "config.h"

#include <arpa/inet.h>
#include <check.h>
#include <json.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>
#include <unistd.h>

#include "msg.h"
#include "msg_ser.h"
#include "spool.h"
#include "util/buf.h"

static const char *intern(void *arg, const char *name)
{
    (void)arg;
    static const char *const known[] = { "imsnmptrap", "imudp", "imklog", NULL };
    for (int i = 0; known[i] != NULL; i++) {
        if (strcmp(known[i], name) == 0) {
            return known[i];
        }
    }
    return "unknown";
}

static void set_peer(struct sl_msg *m)
{
    struct sockaddr_in sin = { .sin_family = AF_INET, .sin_port = htons(51000) };
    inet_pton(AF_INET, "192.0.2.9", &sin.sin_addr);
    sl_msg_set_peer(m, (struct sockaddr *)&sin, sizeof sin);
}

static char *prop(struct sl_msg *m, const char *name)
{
    struct sl_propref r;
    ck_assert_msg(sl_propref_parse(name, strlen(name), &r) == 0, "property %s", name);
    char tmp[SL_PROP_TMP];
    char *to_free = NULL;
    size_t len;
    const char *v = sl_msg_prop(m, &r, &len, tmp, &to_free);
    char *copy = sl_xstrndup(v, len);
    free(to_free);
    sl_propref_clear(&r);
    return copy;
}

#define ASSERT_PROP(m, name, want)                                                         \
    do {                                                                                   \
        char *v_ = prop((m), (name));                                                      \
        ck_assert_msg(strcmp(v_, (want)) == 0, "%s: \"%s\", want \"%s\"", (name), v_,       \
                      (want));                                                             \
        free(v_);                                                                          \
    } while (0)

static const char *const all_props[] = {
    "msg", "rawmsg", "rawmsg-after-pri", "hostname", "source", "fromhost", "fromhost-ip",
    "syslogtag", "programname", "pri", "pri-text", "iut", "syslogfacility",
    "syslogfacility-text", "syslogseverity", "syslogseverity-text", "syslogpriority",
    "timegenerated", "timereported", "timestamp", "protocol-version", "structured-data",
    "app-name", "procid", "msgid", "inputname", "$!", "$!all-json", "$.", "parsesuccess",
    "jsonmesg",
};

/* Every property, and both times in every date format, of a and b are the same. */
static void assert_same(struct sl_msg *a, struct sl_msg *b, const char *what)
{
    for (size_t k = 0; k < sizeof all_props / sizeof *all_props; k++) {
        char *x = prop(a, all_props[k]), *y = prop(b, all_props[k]);
        ck_assert_msg(strcmp(x, y) == 0, "%s: %s: \"%s\" vs \"%s\"", what, all_props[k], x, y);
        free(x);
        free(y);
    }
    static const enum sl_prop times[] = { SL_PROP_TIMEREPORTED, SL_PROP_TIMEGENERATED };
    for (size_t t = 0; t < 2; t++) {
        struct sl_time ta, tb;
        const struct sl_time *pa = sl_msg_time(a, times[t], &ta);
        const struct sl_time *pb = sl_msg_time(b, times[t], &tb);
        for (int f = SL_DATE_DEFAULT; f <= SL_DATE_ISO_WEEKYEAR; f++) {
            char ba[80], bb[80];
            size_t la = sl_time_format(pa, (enum sl_datefmt)f, ba);
            size_t lb = sl_time_format(pb, (enum sl_datefmt)f, bb);
            ck_assert_msg(la == lb && memcmp(ba, bb, la) == 0, "%s: time %zu format %d: %.*s vs %.*s",
                          what, t, f, (int)la, ba, (int)lb, bb);
        }
    }
}

static struct sl_msg_fields fields(uint32_t set)
{
    struct sl_msg_fields f;
    memset(&f, 0, sizeof f);
    f.set = set;
    return f;
}

#define FSTR(f, field, s) ((f).field = (s), (f).field##_len = strlen(s))

/* ---- the same as the parsed syslog line ---- */
START_TEST(same_as_parsed_line)
{
    /* 2026-12-06T13:20:50.123456+01:00 = 1796559650 UTC seconds */
    static const struct {
        const char *line;       /* what an equivalent sender would have sent */
        int pri;
        const char *host, *tag, *app, *procid, *msg;
    } c[] = {
        { "<34>2026-12-06T13:20:50.123456+01:00 mymachine su: 'su root' failed", 34,
          "mymachine", "su:", NULL, NULL, " 'su root' failed" },
        { "<165>2026-12-06T13:20:50.123456+01:00 h.example.com app[123]: event x", 165,
          "h.example.com", "app[123]:", NULL, NULL, " event x" },
        { "<13>2026-12-06T13:20:50.123456+01:00 host snmptrapd[77]: trap", 13,
          "host", NULL, "snmptrapd", "77", " trap" },
        { "<0>2026-12-06T13:20:50.123456+01:00 host kernel: oops", 0,
          "host", NULL, "kernel", "-", " oops" },
        { "<191>2026-12-06T13:20:50.123456+01:00 host tag/with/slash: x", 191,
          "host", "tag/with/slash:", NULL, NULL, " x" },
    };
    sl_msg_set_dns(0);
    struct sl_parse_opts o;
    sl_parse_opts_default(&o);
    struct timespec rcv = { 1796559600, 987654321 };
    for (size_t i = 0; i < sizeof c / sizeof *c; i++) {
        struct sl_msg *p = sl_msg_new(c[i].line, strlen(c[i].line));
        struct sl_msg *b = sl_msg_new(c[i].line, strlen(c[i].line));
        set_peer(p);
        set_peer(b);
        p->inputname = b->inputname = "imudp";
        p->rcv = b->rcv = rcv;
        sl_msg_parse(p, &o);
        struct sl_msg_fields f = fields(SL_MF_PRI | SL_MF_TIME | SL_MF_HOSTNAME | SL_MF_MSG);
        f.pri = c[i].pri;
        f.ts_sec = 1796559650;
        f.ts_nsec = 123456789;
        f.ts_tzoff_min = 60;
        FSTR(f, hostname, c[i].host);
        FSTR(f, msg, c[i].msg);
        if (c[i].tag != NULL) {
            f.set |= SL_MF_TAG;
            FSTR(f, tag, c[i].tag);
        }
        if (c[i].app != NULL) {
            f.set |= SL_MF_APPNAME | SL_MF_PROCID;
            FSTR(f, app_name, c[i].app);
            FSTR(f, procid, c[i].procid);
        }
        ck_assert_int_eq(sl_msg_set_fields(b, &f), 0);
        ck_assert(b->flags & SL_MSGF_PARSED);
        sl_msg_parse(b, &o);   /* no-op: built messages are parsed */
        char what[32];
        snprintf(what, sizeof what, "case %zu", i);
        assert_same(p, b, what);
        sl_msg_unref(p);
        sl_msg_unref(b);
    }
}
END_TEST

/* ---- defaults ---- */
START_TEST(defaults)
{
    sl_msg_set_dns(0);
    struct sl_msg *m = sl_msg_new("the text", 8);
    set_peer(m);
    struct sl_msg_fields f = fields(0);
    ck_assert_int_eq(sl_msg_set_fields(m, &f), 0);
    ASSERT_PROP(m, "pri", "13");
    ASSERT_PROP(m, "syslogfacility-text", "user");
    ASSERT_PROP(m, "syslogseverity-text", "notice");
    ASSERT_PROP(m, "hostname", "192.0.2.9");
    ASSERT_PROP(m, "fromhost", "192.0.2.9");
    ASSERT_PROP(m, "syslogtag", "");
    ASSERT_PROP(m, "programname", "");
    ASSERT_PROP(m, "app-name", "-");
    ASSERT_PROP(m, "procid", "-");
    ASSERT_PROP(m, "msgid", "-");
    ASSERT_PROP(m, "structured-data", "-");
    ASSERT_PROP(m, "protocol-version", "0");
    ASSERT_PROP(m, "msg", "the text");
    ASSERT_PROP(m, "rawmsg", "the text");
    char *tr = prop(m, "timereported"), *tg = prop(m, "timegenerated");
    ck_assert_str_eq(tr, tg);
    free(tr);
    free(tg);
    sl_msg_unref(m);

    /* a local input: HOSTNAME is the local host; receive time moved by msg_set_local before
     * or after: both timestamps follow it */
    for (int order = 0; order < 2; order++) {
        m = sl_msg_new("k", 1);
        struct timespec ts = { 1700000000, 500000000 };
        struct sl_local_meta lm = { .rcv = &ts };
        if (order == 0) {
            sl_msg_set_local(m, &lm);
        }
        f = fields(SL_MF_PRI | SL_MF_TAG);
        f.pri = 6;
        FSTR(f, tag, "kernel:");
        ck_assert_int_eq(sl_msg_set_fields(m, &f), 0);
        if (order == 1) {
            sl_msg_set_local(m, &lm);
        }
        ASSERT_PROP(m, "hostname", sl_local_hostname());
        ASSERT_PROP(m, "fromhost-ip", "127.0.0.1");
        ASSERT_PROP(m, "programname", "kernel");
        ASSERT_PROP(m, "app-name", "kernel");
        ASSERT_PROP(m, "msg", "k");
        ASSERT_PROP(m, "syslogfacility-text", "kern");
        ck_assert_int_eq(m->t_reported.secfrac, 500000);
        ck_assert_int_eq(m->t_generated.secfrac, 500000);
        char a[64], b[64];
        size_t la = sl_time_format(&m->t_reported, SL_DATE_UNIXTIMESTAMP, a);
        size_t lb = sl_time_format(&m->t_generated, SL_DATE_UNIXTIMESTAMP, b);
        ck_assert_int_eq(la, lb);
        ck_assert(memcmp(a, "1700000000", 10) == 0 && memcmp(b, "1700000000", 10) == 0);
        sl_msg_unref(m);
    }

    /* a given timestamp stays when msg_set_local moves the receive time afterwards */
    m = sl_msg_new("k", 1);
    f = fields(SL_MF_TIME);
    f.ts_sec = 86400;
    f.ts_tzoff_min = -90;
    ck_assert_int_eq(sl_msg_set_fields(m, &f), 0);
    struct timespec ts = { 1700000000, 0 };
    struct sl_local_meta lm = { .rcv = &ts };
    sl_msg_set_local(m, &lm);
    char b[80];
    size_t n = sl_time_format(&m->t_reported, SL_DATE_RFC3339, b);
    ck_assert_str_eq((b[n] = '\0', b), "1970-01-01T22:30:00.000000-01:30");
    sl_msg_unref(m);
}
END_TEST

START_TEST(tag_from_app_and_procid)
{
    static const struct {
        uint32_t set;
        const char *tag, *app, *procid;
        const char *want_tag, *want_prog, *want_app, *want_procid;
    } c[] = {
        { SL_MF_APPNAME, NULL, "app", NULL, "app:", "app", "app", "-" },
        { SL_MF_APPNAME | SL_MF_PROCID, NULL, "app", "-", "app:", "app", "app", "-" },
        { SL_MF_APPNAME | SL_MF_PROCID, NULL, "app", "", "app:", "app", "app", "" },
        { SL_MF_APPNAME | SL_MF_PROCID, NULL, "app", "42", "app[42]:", "app", "app", "42" },
        { SL_MF_PROCID, NULL, NULL, "7", "[7]:", "", "-", "7" },
        { SL_MF_TAG | SL_MF_APPNAME, "other[9]:", "app", NULL, "other[9]:", "other", "app", "9" },
        { SL_MF_TAG, "x", NULL, NULL, "x", "x", "x", "-" },
    };
    for (size_t i = 0; i < sizeof c / sizeof *c; i++) {
        struct sl_msg *m = sl_msg_new("t", 1);
        struct sl_msg_fields f = fields(c[i].set);
        if (c[i].tag) {
            FSTR(f, tag, c[i].tag);
        }
        if (c[i].app) {
            FSTR(f, app_name, c[i].app);
        }
        if (c[i].procid) {
            FSTR(f, procid, c[i].procid);
        }
        ck_assert_int_eq(sl_msg_set_fields(m, &f), 0);
        ASSERT_PROP(m, "syslogtag", c[i].want_tag);
        ASSERT_PROP(m, "programname", c[i].want_prog);
        ASSERT_PROP(m, "app-name", c[i].want_app);
        ASSERT_PROP(m, "procid", c[i].want_procid);
        sl_msg_unref(m);
    }
}
END_TEST

START_TEST(second_call_and_errors)
{
    struct sl_msg *m = sl_msg_new("raw", 3);
    struct sl_msg_fields f = fields(SL_MF_HOSTNAME | SL_MF_APPNAME | SL_MF_MSGID);
    FSTR(f, hostname, "h1");
    FSTR(f, app_name, "a1");
    FSTR(f, msgid, "ID1");
    ck_assert_int_eq(sl_msg_set_fields(m, &f), 0);
    f = fields(SL_MF_MSG | SL_MF_PROCID | SL_MF_PRI);
    FSTR(f, msg, "not nul-terminated: cut here");
    f.msg_len = 18;
    FSTR(f, procid, "5");
    f.pri = 0;
    ck_assert_int_eq(sl_msg_set_fields(m, &f), 0);
    ASSERT_PROP(m, "hostname", "h1");
    ASSERT_PROP(m, "syslogtag", "a1[5]:");   /* derived again with the new procid */
    ASSERT_PROP(m, "msgid", "ID1");
    ASSERT_PROP(m, "msg", "not nul-terminated");
    ASSERT_PROP(m, "pri", "0");
    /* errors change nothing */
    f = fields(SL_MF_PRI | SL_MF_HOSTNAME);
    f.pri = 192;
    FSTR(f, hostname, "h2");
    ck_assert_int_eq(sl_msg_set_fields(m, &f), SL_EINVAL);
    f.pri = -1;
    ck_assert_int_eq(sl_msg_set_fields(m, &f), SL_EINVAL);
    f = fields(SL_MF_TIME);
    f.ts_nsec = 1000000000;
    ck_assert_int_eq(sl_msg_set_fields(m, &f), SL_EINVAL);
    f.ts_nsec = 0;
    f.ts_tzoff_min = 24 * 60 + 1;
    ck_assert_int_eq(sl_msg_set_fields(m, &f), SL_EINVAL);
    ck_assert_int_eq(sl_msg_set_fields(m, NULL), SL_EINVAL);
    ASSERT_PROP(m, "hostname", "h1");
    ASSERT_PROP(m, "pri", "0");
    /* an empty string given stays empty; NULL with a length is "" */
    f = fields(SL_MF_HOSTNAME | SL_MF_MSG);
    f.hostname = "";
    f.msg = NULL;
    f.msg_len = 5;
    ck_assert_int_eq(sl_msg_set_fields(m, &f), 0);
    ASSERT_PROP(m, "hostname", "");
    ASSERT_PROP(m, "msg", "");
    sl_msg_unref(m);
}
END_TEST

/* ---- typed JSON setters ---- */
START_TEST(json_setters)
{
    void *h_ab, *h_ac, *h_a, *h_root, *h_local, *h_global, *h_msg, *h_deep;
    ck_assert_int_eq(sl_prop_handle_new("$!a!b", &h_ab), 0);
    ck_assert_int_eq(sl_prop_handle_new("$!a!c", &h_ac), 0);
    ck_assert_int_eq(sl_prop_handle_new("$!a", &h_a), 0);
    ck_assert_int_eq(sl_prop_handle_new("$!", &h_root), 0);
    ck_assert_int_eq(sl_prop_handle_new("$.x!y", &h_local), 0);
    ck_assert_int_eq(sl_prop_handle_new("$/g_fields_test", &h_global), 0);
    ck_assert_int_eq(sl_prop_handle_new("msg", &h_msg), 0);
    ck_assert_int_eq(sl_prop_handle_new("$!d!e!f!", &h_deep), 0);
    void *bad = (void *)1;
    ck_assert_int_eq(sl_prop_handle_new("nosuchprop", &bad), SL_ENOENT);
    ck_assert_ptr_null(bad);

    struct sl_msg *m = sl_msg_new("x", 1);
    ck_assert_int_eq(sl_msg_json_set_str(m, h_ab, "vw, cut", 2), 0);
    ck_assert_int_eq(sl_msg_json_set_int(m, h_ac, -5), 0);
    ck_assert_int_eq(sl_msg_json_set_int(m, h_deep, 1), 0);
    ASSERT_PROP(m, "$!all-json-plain", "{\"a\":{\"b\":\"vw\",\"c\":-5},\"d\":{\"e\":{\"f\":1}}}");
    /* an existing leaf is replaced */
    ck_assert_int_eq(sl_msg_json_set_int(m, h_ab, INT64_MAX), 0);
    ASSERT_PROP(m, "$!a!b", "9223372036854775807");
    /* not through a value that is not an object */
    void *h_abz;
    ck_assert_int_eq(sl_prop_handle_new("$!a!b!z", &h_abz), 0);
    ck_assert_int_eq(sl_msg_json_set_int(m, h_abz, 1), SL_EINVAL);
    sl_prop_handle_free(h_abz);
    /* not a JSON variable; the root takes only objects (merged) */
    ck_assert_int_eq(sl_msg_json_set_str(m, h_msg, "s", 1), SL_EINVAL);
    ck_assert_int_eq(sl_msg_json_set_str(m, h_root, "s", 1), SL_EINVAL);
    struct fjson_object *o = fjson_object_new_object();
    fjson_object_object_add(o, "top", fjson_object_new_boolean(1));
    ck_assert_int_eq(sl_msg_json_set_ref(m, h_root, o), 0);
    ASSERT_PROP(m, "$!top", "true");
    ASSERT_PROP(m, "$!a!c", "-5");
    /* a subtree by reference replaces $!a */
    o = fjson_object_new_object();
    fjson_object_object_add(o, "n", fjson_object_new_int(1));
    ck_assert_int_eq(sl_msg_json_set_ref(m, h_a, o), 0);
    ASSERT_PROP(m, "$!a", "{ \"n\": 1 }");
    /* $. and $/ */
    ck_assert_int_eq(sl_msg_json_set_str(m, h_local, "loc", 3), 0);
    ASSERT_PROP(m, "$.x!y", "loc");
    ck_assert_int_eq(sl_msg_json_set_int(m, h_global, 7), 0);
    ASSERT_PROP(m, "$/g_fields_test", "7");
    /* the handle is also a plain propref (host->msg_prop reads it as one) */
    ck_assert_int_eq(((const struct sl_propref *)h_local)->id, SL_PROP_LOCAL_VAR);
    ck_assert_str_eq(((const struct sl_propref *)h_local)->path, "x!y");
    sl_msg_unref(m);
    sl_prop_handle_free(h_ab);
    sl_prop_handle_free(h_ac);
    sl_prop_handle_free(h_a);
    sl_prop_handle_free(h_root);
    sl_prop_handle_free(h_local);
    sl_prop_handle_free(h_global);
    sl_prop_handle_free(h_msg);
    sl_prop_handle_free(h_deep);
    sl_prop_handle_free(NULL);
}
END_TEST

/* Input threads build messages at the same time with shared handles. */
struct thr_arg {
    void *h_str, *h_int;
    int id;
    int ok;
};

static void *builder(void *p)
{
    struct thr_arg *a = p;
    a->ok = 1;
    for (int i = 0; i < 2000; i++) {
        struct sl_msg *m = sl_msg_new("flow", 4);
        struct sl_msg_fields f = fields(SL_MF_PRI | SL_MF_TAG | SL_MF_HOSTNAME);
        f.pri = 134;
        FSTR(f, tag, "netflow:");
        FSTR(f, hostname, "exporter");
        char s[32];
        int n = snprintf(s, sizeof s, "t%d-%d", a->id, i);
        if (sl_msg_set_fields(m, &f) != 0 || sl_msg_json_set_str(m, a->h_str, s, (size_t)n) != 0 ||
            sl_msg_json_set_int(m, a->h_int, i) != 0) {
            a->ok = 0;
        }
        struct fjson_object *v = sl_msg_json_get(m, SL_PROP_CEE, "flow!n");
        if (v == NULL || fjson_object_get_int64(v) != i) {
            a->ok = 0;
        }
        sl_msg_unref(m);
    }
    return NULL;
}

START_TEST(json_setters_threads)
{
    void *hs, *hi;
    ck_assert_int_eq(sl_prop_handle_new("$!flow!src", &hs), 0);
    ck_assert_int_eq(sl_prop_handle_new("$!flow!n", &hi), 0);
    pthread_t th[4];
    struct thr_arg a[4];
    for (int t = 0; t < 4; t++) {
        a[t] = (struct thr_arg){ hs, hi, t, 0 };
        ck_assert_int_eq(pthread_create(&th[t], NULL, builder, &a[t]), 0);
    }
    for (int t = 0; t < 4; t++) {
        pthread_join(th[t], NULL);
        ck_assert(a[t].ok);
    }
    sl_prop_handle_free(hs);
    sl_prop_handle_free(hi);
}
END_TEST

/* ---- the disk spool ---- */
static struct sl_msg *built(int full)
{
    const char *raw = "\x30\x82 binary trap bytes";
    struct sl_msg *m = sl_msg_new(raw, strlen(raw));
    set_peer(m);
    m->inputname = "imsnmptrap";
    m->rcv = (struct timespec){ 1765023600, 250000000 };
    struct sl_msg_fields f = fields(SL_MF_PRI);
    f.pri = 85;
    if (full) {
        f.set |= SL_MF_TIME | SL_MF_HOSTNAME | SL_MF_APPNAME | SL_MF_PROCID | SL_MF_MSGID |
                 SL_MF_MSG;
        f.ts_sec = 1765023650;
        f.ts_nsec = 999999999;
        f.ts_tzoff_min = -330;
        FSTR(f, hostname, "agent.example");
        FSTR(f, app_name, "snmptrapd");
        FSTR(f, procid, "101");
        FSTR(f, msgid, "TRAP");
        FSTR(f, msg, "linkDown ifIndex=3");
    }
    ck_assert_int_eq(sl_msg_set_fields(m, &f), 0);
    void *h;
    ck_assert_int_eq(sl_prop_handle_new("$!trap!oid", &h), 0);
    ck_assert_int_eq(sl_msg_json_set_str(m, h, "1.3.6.1.6.3.1.1.5.3", 19), 0);
    sl_prop_handle_free(h);
    m->parse_result = 1;
    return m;
}

START_TEST(record_round_trip)
{
    sl_msg_set_dns(0);
    for (int full = 0; full < 2; full++) {
        struct sl_msg *a = built(full);
        struct sl_buf b = { 0 };
        ck_assert_int_eq(sl_msg_serialize(a, "traps", &b), 0);
        ck_assert_int_eq((unsigned char)b.p[0], 2);     /* version 2: built fields */
        char rs[64];
        struct sl_msg *c = sl_msg_deserialize(b.p, b.len, rs, sizeof rs, intern, NULL);
        ck_assert_ptr_nonnull(c);
        ck_assert_str_eq(rs, "traps");
        ck_assert(c->flags & SL_MSGF_PARSED);
        ck_assert(c->flags & SL_MSGF_FIELDS);
        sl_msg_parse(c, NULL);
        /* a restored message serialises to the same bytes */
        struct sl_buf b2 = { 0 };
        ck_assert_int_eq(sl_msg_serialize(c, "traps", &b2), 0);
        ck_assert_uint_eq(b2.len, b.len);
        ck_assert(memcmp(b.p, b2.p, b.len) == 0);
        assert_same(a, c, full ? "full" : "defaults");
        /* every truncation and a flipped version are refused, never a crash */
        for (size_t cut = 0; cut < b.len; cut++) {
            struct sl_msg *t = sl_msg_deserialize(b.p, cut, NULL, 0, intern, NULL);
            ck_assert_msg(t == NULL, "cut at %zu accepted", cut);
        }
        b.p[0] = 1;
        ck_assert_ptr_null(sl_msg_deserialize(b.p, b.len, NULL, 0, intern, NULL));
        sl_buf_free(&b);
        sl_buf_free(&b2);
        sl_msg_unref(a);
        sl_msg_unref(c);
    }
}
END_TEST

START_TEST(old_records_still_read)
{
    /* a version 1 record as sluiced wrote it before ABI 1.4 (an imudp message), bytes
     * written out by hand */
    static const char raw[] = "<13>Dec  6 10:00:00 h app: hi";
    struct sl_buf b = { 0 };
    unsigned char head[4] = { 1, 0, 0, 0 };
    sl_buf_append(&b, head, 4);
    unsigned char sec[8] = { 0x10, 0x32, 0x34, 0x69, 0, 0, 0, 0 };   /* 0x69343210 */
    sl_buf_append(&b, sec, 8);
    unsigned char z4[4] = { 0, 0, 0, 0 };
    sl_buf_append(&b, z4, 4);                      /* nsec */
    unsigned char z2[2] = { 0, 0 };
    sl_buf_append(&b, z2, 2);                      /* no peer */
    unsigned char l5[2] = { 5, 0 };
    sl_buf_append(&b, l5, 2);
    sl_buf_append(&b, "imudp", 5);
    sl_buf_append(&b, z2, 2);                      /* default ruleset */
    unsigned char rl[4] = { (unsigned char)(sizeof raw - 1), 0, 0, 0 };
    sl_buf_append(&b, rl, 4);
    sl_buf_append(&b, raw, sizeof raw - 1);
    sl_buf_append(&b, z4, 4);
    sl_buf_append(&b, z4, 4);
    struct sl_msg *m = sl_msg_deserialize(b.p, b.len, NULL, 0, intern, NULL);
    ck_assert_ptr_nonnull(m);
    ck_assert(!(m->flags & SL_MSGF_FIELDS));
    sl_msg_parse(m, NULL);
    ASSERT_PROP(m, "programname", "app");
    ASSERT_PROP(m, "msg", " hi");
    /* what sluiced writes for such a message is still exactly this version 1 record */
    struct sl_buf b2 = { 0 };
    ck_assert_int_eq(sl_msg_serialize(m, "", &b2), 0);
    ck_assert_uint_eq(b2.len, b.len);
    ck_assert(memcmp(b.p, b2.p, b.len) == 0);
    sl_msg_unref(m);
    sl_buf_free(&b);
    sl_buf_free(&b2);
}
END_TEST

/* Built messages through a real spool (write, close, reopen, read) come back identical. */
START_TEST(spool_round_trip)
{
    sl_msg_set_dns(0);
    char dir[] = "/tmp/test_msg_fields.XXXXXX";
    ck_assert_ptr_nonnull(mkdtemp(dir));
    struct sl_msg *orig[2] = { built(0), built(1) };
    struct sl_spool_opts o = { .dir = dir, .name = "fields" };
    struct sl_spool *s;
    struct sl_spool_report rep;
    ck_assert_int_eq(sl_spool_open(&o, &s, &rep), 0);
    struct sl_buf b[2] = { { 0 }, { 0 } };
    struct iovec iov[2];
    for (int i = 0; i < 2; i++) {
        ck_assert_int_eq(sl_msg_serialize(orig[i], "", &b[i]), 0);
        iov[i] = (struct iovec){ b[i].p, b[i].len };
    }
    ck_assert_int_eq(sl_spool_append(s, iov, 2), 0);
    ck_assert_int_eq(sl_spool_sync(s), 0);
    sl_spool_close(s);
    ck_assert_int_eq(sl_spool_open(&o, &s, &rep), 0);
    ck_assert_uint_eq(rep.records, 2);
    struct sl_spool_rec r[2];
    size_t n = 0;
    ck_assert_int_eq(sl_spool_peek(s, r, 2, &n), 0);
    ck_assert_uint_eq(n, 2);
    for (int i = 0; i < 2; i++) {
        struct sl_msg *c = sl_msg_deserialize(r[i].p, r[i].len, NULL, 0, intern, NULL);
        ck_assert_ptr_nonnull(c);
        assert_same(orig[i], c, "spool");
        sl_msg_unref(c);
        sl_msg_unref(orig[i]);
        sl_buf_free(&b[i]);
    }
    ck_assert_int_eq(sl_spool_ack(s, 2), 0);
    sl_spool_close(s);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    ck_assert_int_eq(system(cmd), 0);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("msg_fields");
    TCase *tc = tcase_create("fields");
    tcase_set_timeout(tc, 30);
    tcase_add_test(tc, same_as_parsed_line);
    tcase_add_test(tc, defaults);
    tcase_add_test(tc, tag_from_app_and_procid);
    tcase_add_test(tc, second_call_and_errors);
    tcase_add_test(tc, json_setters);
    tcase_add_test(tc, json_setters_threads);
    tcase_add_test(tc, record_round_trip);
    tcase_add_test(tc, old_records_still_read);
    tcase_add_test(tc, spool_round_trip);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? 0 : 1;
}
