/*
 * test_omelasticsearch.c - unit test of omelasticsearch's request framing against the fake
 * host (no server): the bulk action lines, the size estimate and the POST URLs must be
 * rsyslog 8.2302's bytes (its META_* pieces and setPostURL), and create() must apply
 * rsyslog's defaults and refusals.  The end-to-end bytes are compared with rsyslogd's in
 * tests/integration/omes-bulk.sh.
 * Concurrency & locking: single-threaded.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "fakehost.h"
#include "omelasticsearch.h"
#include "plugparams.h"

extern const struct sl_plugin sluice_plugin;

static char *meta(int create, int skip, struct omes_fields f)
{
    struct sl_buf b = { 0 };
    ck_assert_int_eq(omes_bulk_meta(&fh_host, &b, create, skip, &f), 0);
    char *s = strdup(b.p);
    fh_host.buf_free(&b);
    return s;
}

static void meta_is(int create, int skip, struct omes_fields f, const char *want)
{
    char *s = meta(create, skip, f);
    ck_assert_str_eq(s, want);
    free(s);
}

START_TEST(bulk_meta)
{
    meta_is(0, 0, (struct omes_fields){ .index = "system", .type = "events" },
            "{\"index\":{\"_index\": \"system\",\"_type\":\"events\"}}\n");
    /* rsyslog's estimate (computeMessageSize) leaves out the "_type" key: 38, not 49 */
    ck_assert_uint_eq(omes_msg_size(0, 0, &(struct omes_fields){ .index = "system",
                                                                  .type = "events" }, 10),
                      48);
    meta_is(0, 0, (struct omes_fields){ .index = "idx" },
            "{\"index\":{\"_index\": \"idx\"}}\n");
    meta_is(0, 0, (struct omes_fields){ .index = "i", .type = "t", .bulkid = "42",
                                        .pipeline = "p", .parent = "par" },
            "{\"index\":{\"_index\": \"i\",\"_type\":\"t\",\"_parent\":\"par\","
            "\"pipeline\":\"p\", \"_id\":\"42\"}}\n");
    meta_is(1, 0, (struct omes_fields){ .index = "idx", .bulkid = "7" },
            "{\"create\":{\"_index\": \"idx\", \"_id\":\"7\"}}\n");
    meta_is(1, 0, (struct omes_fields){ 0 }, "{\"create\":{ }}\n");
    /* skippipelineifempty drops an empty pipeline, else it is sent as "" */
    meta_is(0, 1, (struct omes_fields){ .index = "i", .pipeline = "" },
            "{\"index\":{\"_index\": \"i\"}}\n");
    meta_is(0, 0, (struct omes_fields){ .index = "i", .pipeline = "" },
            "{\"index\":{\"_index\": \"i\",\"pipeline\":\"\"}}\n");
}
END_TEST

static void url_is(int bulk, int skip, const char *timeout, struct omes_fields f,
                   const char *want)
{
    struct sl_buf b = { 0 };
    ck_assert_int_eq(omes_post_url(&fh_host, &b, "http://h:9200/", bulk, skip, timeout, &f), 0);
    ck_assert_str_eq(b.p, want);
    fh_host.buf_free(&b);
}

START_TEST(post_url)
{
    url_is(1, 0, NULL, (struct omes_fields){ .index = "i", .parent = "x", .pipeline = "p" },
           "http://h:9200/_bulk");
    url_is(1, 0, "1m", (struct omes_fields){ 0 }, "http://h:9200/_bulk?timeout=1m");
    url_is(0, 0, NULL, (struct omes_fields){ .index = "i", .type = "t" }, "http://h:9200/i/t");
    url_is(0, 0, NULL, (struct omes_fields){ .index = "i", .type = "" },
           "http://h:9200/i/_doc");
    url_is(0, 0, "5s", (struct omes_fields){ .index = "i", .pipeline = "p", .parent = "x" },
           "http://h:9200/i/_doc?pipeline=p&timeout=5s&parent=x");
    url_is(0, 1, NULL, (struct omes_fields){ .index = "i", .pipeline = "" },
           "http://h:9200/i/_doc");
}
END_TEST

/* create() with name/value pairs; its return code (the instance is destroyed on success) */
static int create_with(const char *const *kv)
{
    const struct sl_plugin *p = &sluice_plugin;
    void *blk = pt_new_block(p->inst_params, p->inst_size);
    for (size_t i = 0; kv[i] != NULL; i += 2) {
        pt_set_param(p->inst_params, blk, kv[i], kv[i + 1]);
    }
    int r = p->out->create(blk, NULL, &fh_host);
    if (r == 0) {
        p->out->destroy(blk);
    }
    free(blk);
    return r;
}

START_TEST(create_checks)
{
    ck_assert_int_eq(sluice_plugin.mod_init(&fh_host, NULL), 0);
    ck_assert_int_eq(create_with((const char *const[]){ "server", "127.0.0.1", NULL }), 0);
    /* pwd without uid, dynamic index without its template name, create without bulkid */
    ck_assert_int_ne(create_with((const char *const[]){ "pwd", "x", NULL }), 0);
    ck_assert_int_ne(create_with((const char *const[]){ "dynsearchindex", "on", NULL }), 0);
    ck_assert_int_ne(create_with((const char *const[]){ "writeoperation", "create", NULL }), 0);
    /* from Elasticsearch 8 on, create needs no bulkid */
    ck_assert_int_eq(create_with((const char *const[]){ "writeoperation", "create",
                                                         "esversion.major", "8", NULL }), 0);
    ck_assert_int_eq(create_with((const char *const[]){ "uid", "u", "pwd", "secret",
                                                         "bulkmode", "on", NULL }), 0);
    ck_assert(strstr(fh_last_log, "secret") == NULL);
    sluice_plugin.mod_fini(NULL);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("omelasticsearch");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, bulk_meta);
    tcase_add_test(tc, post_url);
    tcase_add_test(tc, create_checks);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? 0 : 1;
}
