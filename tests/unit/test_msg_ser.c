/*
 * test_msg_ser.c - messages survive the trip to spool bytes and back: every property the
 * templates see is the same after deserialising and parsing again; malformed records are
 * refused, never a crash.
 */
#include <arpa/inet.h>
#include <check.h>
#include <json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "msg.h"
#include "msg_ser.h"
#include "util/buf.h"

static const char *intern(void *arg, const char *name)
{
    (void)arg;
    static const char *const known[] = { "imtcp", "imudp", NULL };
    for (int i = 0; known[i] != NULL; i++) {
        if (strcmp(known[i], name) == 0) {
            return known[i];
        }
    }
    return "unknown";
}

static struct sl_msg *sample(const char *raw)
{
    struct sl_msg *m = sl_msg_new(raw, strlen(raw));
    struct sockaddr_in sin = { .sin_family = AF_INET, .sin_port = htons(51000) };
    inet_pton(AF_INET, "192.0.2.9", &sin.sin_addr);
    sl_msg_set_peer(m, (struct sockaddr *)&sin, sizeof sin);
    m->inputname = "imtcp";
    return m;
}

static char *prop(struct sl_msg *m, const char *name)
{
    struct sl_propref r;
    ck_assert_int_eq(sl_propref_parse(name, strlen(name), &r), 0);
    char tmp[SL_PROP_TMP];
    char *to_free = NULL;
    size_t len;
    const char *v = sl_msg_prop(m, &r, &len, tmp, &to_free);
    char *copy = sl_xstrndup(v, len);
    free(to_free);
    sl_propref_clear(&r);
    return copy;
}

/* a through the spool's bytes (ruleset name rsname) and parsed again with o */
static struct sl_msg *round_trip(struct sl_msg *a, const char *rsname,
                                 const struct sl_parse_opts *o)
{
    struct sl_buf b = { 0 };
    ck_assert_int_eq(sl_msg_serialize(a, rsname, &b), 0);
    char rs[64];
    struct sl_msg *c = sl_msg_deserialize(b.p, b.len, rs, sizeof rs, intern, NULL);
    ck_assert_ptr_nonnull(c);
    ck_assert_str_eq(rs, rsname);
    sl_msg_parse(c, o);
    sl_buf_free(&b);
    return c;
}

START_TEST(round_trip_keeps_every_property)
{
    static const char *const lines[] = {
        "<34>Oct 11 22:14:15 mymachine su: 'su root' failed for lonvick on /dev/pts/8",
        "<165>1 2003-10-11T22:14:15.003Z host.example.com evntslog 77 ID47 "
        "[exampleSDID@32473 iut=\"3\"] An application event",
        "no pri at all \x01 with a control character",
    };
    static const char *const props[] = {
        "msg", "rawmsg", "hostname", "fromhost-ip", "syslogtag", "programname", "pri",
        "syslogfacility-text", "syslogseverity-text", "timereported", "timegenerated",
        "structured-data", "app-name", "procid", "msgid", "inputname", "$!", "parsesuccess",
    };
    struct sl_parse_opts o;
    sl_parse_opts_default(&o);
    for (size_t i = 0; i < sizeof lines / sizeof *lines; i++) {
        struct sl_msg *a = sample(lines[i]);
        sl_msg_parse(a, &o);
        sl_msg_json_set(a, SL_PROP_CEE, "flow!bytes", fjson_object_new_int(42));
        a->parse_result = 1;
        struct sl_msg *c = round_trip(a, "remote", &o);
        for (size_t k = 0; k < sizeof props / sizeof *props; k++) {
            char *x = prop(a, props[k]), *y = prop(c, props[k]);
            ck_assert_msg(strcmp(x, y) == 0, "line %zu property %s: '%s' != '%s'", i, props[k],
                          x, y);
            free(x);
            free(y);
        }
        sl_msg_unref(a);
        sl_msg_unref(c);
    }
}
END_TEST

/* ABI 1.6 SL_LOCAL_PRESET (imfile needParse): no HOSTNAME parsing, the preset TAG where no
 * parser sets one, the local HOSTNAME; the same after a trip through the spool. */
START_TEST(preset_fields_parse_and_round_trip)
{
    static const char *const lines[] = {
        "<13>Mar  1 00:00:01 host1 app[12]: msg one",
        "<165>1 2024-01-01T00:00:00Z h5 app5 123 ID5 - five",
        "{\"json\":1}",
    };
    static const char *const want[][3] = {   /* hostname, syslogtag, msg */
        { NULL, "host1", " app[12]: msg one" },
        { "h5", "ftag:", "five" },
        { NULL, "ftag:", "{\"json\":1}" },
    };
    struct sl_parse_opts o;
    sl_parse_opts_default(&o);
    for (size_t i = 0; i < sizeof lines / sizeof *lines; i++) {
        struct sl_msg *a = sample(lines[i]);
        struct sl_local_meta lm;
        memset(&lm, 0, sizeof lm);
        lm.flags = SL_LOCAL_PRESET;
        lm.tag = "ftag:";
        sl_msg_set_local(a, &lm);
        sl_msg_parse(a, &o);
        struct sl_msg *c = round_trip(a, "", &o);
        static const char *const props[] = { "hostname", "syslogtag", "msg" };
        for (int k = 0; k < 3; k++) {
            const char *w = want[i][k] != NULL ? want[i][k] : sl_local_hostname();
            char *x = prop(a, props[k]), *y = prop(c, props[k]);
            ck_assert_msg(strcmp(x, w) == 0, "line %zu %s: '%s', want '%s'", i, props[k], x, w);
            ck_assert_msg(strcmp(y, w) == 0, "line %zu %s after the spool: '%s'", i, props[k], y);
            free(x);
            free(y);
        }
        sl_msg_unref(a);
        sl_msg_unref(c);
    }
}
END_TEST

START_TEST(internal_messages_keep_their_priority)
{
    struct sl_msg *a = sl_msg_new_internal(5, 3, "action suspended");
    struct sl_buf b = { 0 };
    ck_assert_int_eq(sl_msg_serialize(a, NULL, &b), 0);
    struct sl_msg *c = sl_msg_deserialize(b.p, b.len, NULL, 0, intern, NULL);
    ck_assert_ptr_nonnull(c);
    ck_assert_int_eq(c->pri, a->pri);
    char *x = prop(c, "syslogtag");
    ck_assert_str_eq(x, "sluiced:");
    free(x);
    sl_buf_free(&b);
    sl_msg_unref(a);
    sl_msg_unref(c);
}
END_TEST

START_TEST(malformed_records_are_refused)
{
    struct sl_msg *a = sample("<13>Nov 22 10:00:00 h app: hello");
    sl_msg_json_set(a, SL_PROP_CEE, "k", fjson_object_new_string("v"));
    struct sl_buf b = { 0 };
    ck_assert_int_eq(sl_msg_serialize(a, "", &b), 0);
    /* every truncation is refused */
    for (size_t n = 0; n < b.len; n++) {
        ck_assert_ptr_null(sl_msg_deserialize(b.p, n, NULL, 0, intern, NULL));
    }
    /* trailing garbage and a wrong version are refused */
    sl_buf_append(&b, "x", 1);
    ck_assert_ptr_null(sl_msg_deserialize(b.p, b.len, NULL, 0, intern, NULL));
    b.len--;
    b.p[0] = 99;
    ck_assert_ptr_null(sl_msg_deserialize(b.p, b.len, NULL, 0, intern, NULL));
    /* random bytes never crash */
    srand(7);
    char junk[300];
    for (int i = 0; i < 20000; i++) {
        size_t n = (size_t)(rand() % (int)sizeof junk);
        for (size_t k = 0; k < n; k++) {
            junk[k] = (char)rand();
        }
        junk[0] = 1;
        struct sl_msg *m = sl_msg_deserialize(junk, n, NULL, 0, intern, NULL);
        if (m != NULL) {
            sl_msg_unref(m);
        }
    }
    sl_buf_free(&b);
    sl_msg_unref(a);
}
END_TEST

/* A raw message a parser plugin repaired (pmsnare) is stored as repaired and not repaired
 * again when it is parsed after restore; plugins that would run again see nothing. */
static int plugin_runs;
static int drop_x(void *inst, struct sl_msg *m)
{
    const char *raw;
    size_t len, ap;
    (void)inst;
    plugin_runs++;
    sl_msg_parse_raw(m, &raw, &len, &ap);
    const char *x = memchr(raw + ap, 'X', len - ap);
    if (x != NULL) {
        char buf[256];
        size_t a = (size_t)(x - (raw + ap)), rest = len - ap - a - 1;
        memcpy(buf, raw + ap, a);
        memcpy(buf + a, x + 1, rest);
        ck_assert_int_eq(sl_msg_parse_set_raw(m, buf, a + rest), 0);
    }
    return SL_PARSE_NOT_MINE;
}
static const struct sl_parser_ops drop_x_ops = { .parse = drop_x };

START_TEST(repaired_raw_is_not_repaired_twice)
{
    struct sl_parse_opts o;
    struct sl_parser_chain c;
    sl_parse_opts_default(&o);
    memset(&c, 0, sizeof c);
    c.n = 2;
    c.e[0].kind = SL_PARSER_PLUGIN;
    c.e[0].ops = &drop_x_ops;
    c.e[1].kind = SL_PARSER_RFC3164;
    c.e[1].opts = o;
    o.chain = &c;
    struct sl_msg *m = sample("<13>Mar  1 00:00:00 hXXost app: XmsgX");
    sl_msg_parse(m, &o);
    ck_assert_int_eq(plugin_runs, 1);
    char *raw = prop(m, "rawmsg");
    ck_assert_str_eq(raw, "<13>Mar  1 00:00:00 hXost app: XmsgX");
    struct sl_buf b = { 0 };
    ck_assert_int_eq(sl_msg_serialize(m, "rs", &b), 0);
    char rs[64];
    struct sl_msg *c2 = sl_msg_deserialize(b.p, b.len, rs, sizeof rs, intern, NULL);
    ck_assert_ptr_nonnull(c2);
    sl_msg_parse(c2, &o);
    ck_assert_int_eq(plugin_runs, 1);
    const char *names[] = { "rawmsg", "hostname", "syslogtag", "msg" };
    for (size_t i = 0; i < 4; i++) {
        char *a = prop(m, names[i]), *d = prop(c2, names[i]);
        ck_assert_str_eq(a, d);
        free(a);
        free(d);
    }
    free(raw);
    sl_buf_free(&b);
    sl_msg_unref(c2);
    sl_msg_unref(m);
}
END_TEST

/* The probe's fuzz finding (issue 19): a 59-byte spool record of a local message without
 * tag or fromhost; serializing what it restores passed (NULL, 0) to memcpy (UBSan:
 * "null pointer passed as argument 2").  Run under --enable-sanitizers to see the UB; here
 * the record must restore, serialize again and restore to the same bytes. */
START_TEST(fuzz_local_record_without_tag)
{
    /* the probe's bytes with flags 0x02 (local) for its 0x06: bit 2 now marks a version-2
     * record with header fields, which this one is not */
    static const char hex[] = "01020000d14c156b0008000000000000000000000000000000000000000000"
                              "000000000009ff0800000000000000000800000000ff747869640000";
    unsigned char rec[sizeof hex / 2];
    size_t n = 0;
    for (size_t i = 0; hex[i] != '\0' && hex[i + 1] != '\0'; i += 2) {
        unsigned v;
        ck_assert_int_eq(sscanf(hex + i, "%2x", &v), 1);
        rec[n++] = (unsigned char)v;
    }
    ck_assert_uint_eq(n, 59);
    struct sl_msg *m = sl_msg_deserialize(rec, n, NULL, 0, intern, NULL);
    ck_assert_ptr_nonnull(m);
    struct sl_buf b = { 0 }, b2 = { 0 };
    ck_assert_int_eq(sl_msg_serialize(m, NULL, &b), 0);
    struct sl_msg *m2 = sl_msg_deserialize(b.p, b.len, NULL, 0, intern, NULL);
    ck_assert_ptr_nonnull(m2);
    ck_assert_int_eq(sl_msg_serialize(m2, NULL, &b2), 0);
    ck_assert_uint_eq(b.len, b2.len);
    ck_assert(memcmp(b.p, b2.p, b.len) == 0);
    /* empty appends from NULL are no-ops */
    struct sl_buf e = { 0 };
    ck_assert_int_eq(sl_buf_append(&e, NULL, 0), 0);
    ck_assert_uint_eq(e.len, 0);
    sl_buf_free(&e);
    sl_buf_free(&b);
    sl_buf_free(&b2);
    sl_msg_unref(m);
    sl_msg_unref(m2);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("msg_ser");
    TCase *t = tcase_create("ser");
    tcase_set_timeout(t, 30);
    tcase_add_test(t, round_trip_keeps_every_property);
    tcase_add_test(t, internal_messages_keep_their_priority);
    tcase_add_test(t, malformed_records_are_refused);
    tcase_add_test(t, repaired_raw_is_not_repaired_twice);
    tcase_add_test(t, fuzz_local_record_without_tag);
    tcase_add_test(t, preset_fields_parse_and_round_trip);
    suite_add_tcase(s, t);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
