/*
 * fuzz_omes.c - libFuzzer target for omelasticsearch's reply handling: the JSON an
 * Elasticsearch (or whatever answers on its port) sends back, parsed as the plugin does
 * after a reply that is not 5xx/429, classified by reply_failed() (bulk: the "items"
 * array, each item's "create"/"index" result and its "status"; single: a "status" field)
 * and written to the errorfile in rsyslog's layouts: the default record, or erroronly /
 * interleaved (write_error_layout(), which pairs each reply item with its request lines in
 * the body that was sent).
 *
 * The plugin source is included (its functions are static), with no hook in it: the
 * target calls reply_failed() and write_error_layout() on a hand-filled instance (bulkmode,
 * erroronly, interleaved from the input; errorfile /dev/null) and worker (url, body,
 * reply); nothing goes to the network.  If those functions change their signatures (the
 * retryfailures work), this file follows.  Unlike post_body(), which writes the error
 * layout only for a failed reply, every reply goes through write_error_layout here (more
 * of it is reached; it must be safe on any reply).
 *
 * Input: byte 0 options (bit 0 bulkmode, bit 1 erroronly, bit 2 interleaved); then the
 * request body that was sent (action lines and documents, LF-separated) ended by a NUL;
 * then the reply text.
 *
 * Ownership: the instance is static and kept (its errorfile open for the process); each
 * input's buffers and JSON objects are freed before returning.
 * Concurrency & locking: none; one thread.
 */
#include "omelasticsearch.c"

#include "fakehost.h"
#include "fuzzseed.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int fuzz_write_seeds(const char *dir);

static struct omes_inst inst[8];

static void setup(void)
{
    for (int i = 0; i < 8; i++) {
        struct omes_inst *in = &inst[i];
        in->h = &fh_host;
        in->bulkmode = i & 1;
        in->erroronly = (i >> 1) & 1;
        in->interleaved = (i >> 2) & 1;
        in->errorfile = "/dev/null";
        if (sl_curl_errfile_init(&in->ef, in->errorfile, WHO) != 0) {
            abort();
        }
    }
}

static void set_buf(struct sl_buf *b, const char *p, size_t n)
{
    b->len = 0;
    if (sl_curl_buf_add(&fh_host, b, p, n) != 0) {   /* a NUL behind the text */
        abort();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (inst[0].h == NULL) {
        setup();
    }
    if (size < 1 || size > (1u << 20)) {
        return 0;
    }
    struct omes_inst *in = &inst[data[0] & 7];
    const char *p = (const char *)data + 1, *end = (const char *)data + size;
    const char *nul = memchr(p, '\0', (size_t)(end - p));
    if (nul == NULL) {
        return 0;
    }
    struct omes_wrk w = { 0 };
    set_buf(&w.url, "http://127.0.0.1:9200/_bulk", 27);
    set_buf(&w.body, p, (size_t)(nul - p));
    set_buf(&w.reply, nul + 1, (size_t)(end - nul - 1));
    fjson_object *root = fjson_tokener_parse(w.reply.p);
    if (root != NULL) {
        int failed = reply_failed(in, &w, root);
        if (in->erroronly || in->interleaved) {
            write_error_layout(in, &w, root);
            fjson_object_put(root);
        } else if (failed) {
            sl_curl_errfile_write(in->h, &in->ef, w.url.p, w.body.p, "reply", root);
        } else {
            fjson_object_put(root);
        }
    }
    fh_host.buf_free(&w.url);
    fh_host.buf_free(&w.body);
    fh_host.buf_free(&w.reply);
    fh_reset();
    return 0;
}

/* replay_omes -w DIR: the seeds, requests and replies as tests/integration/http_sink.py
 * answers them (es_reply: every item created, or one failed with status 400 and an error
 * object), a single-document reply, and replies that are not what the plugin expects. */
int fuzz_write_seeds(const char *dir)
{
    static const char bulk2[] =
        "{\"index\":{\"_index\": \"system\",\"_type\":\"events\"}}\n{\"msg\":\"one\"}\n"
        "{\"index\":{\"_index\": \"system\",\"_type\":\"events\"}}\n{\"msg\":\"two FAIL\"}\n";
    static const struct {
        const char *name;
        uint8_t opt;
        const char *body, *reply;
    } seeds[] = {
        { "bulk-ok", 1, bulk2,
          "{\"took\": 1, \"errors\": false, \"items\": [{\"index\": {\"_index\": \"x\", "
          "\"_id\": \"0\", \"result\": \"created\", \"status\": 201}}, {\"index\": "
          "{\"_index\": \"x\", \"_id\": \"1\", \"result\": \"created\", \"status\": 201}}]}" },
        { "bulk-fail", 1, bulk2,
          "{\"took\": 1, \"errors\": true, \"items\": [{\"index\": {\"_index\": \"x\", "
          "\"_id\": \"0\", \"result\": \"created\", \"status\": 201}}, {\"index\": "
          "{\"_index\": \"x\", \"status\": 400, \"error\": {\"type\": "
          "\"mapper_parsing_exception\", \"reason\": \"failed to parse\"}}}]}" },
        { "bulk-fail-erroronly", 3, bulk2,
          "{\"errors\": true, \"items\": [{\"create\": {\"status\": 409}}, "
          "{\"index\": {\"status\": 400}}]}" },
        { "bulk-interleaved", 5, bulk2,
          "{\"errors\": true, \"items\": [{\"index\": {\"status\": 201}}, "
          "{\"index\": {\"status\": 400}}]}" },
        { "bulk-both-short-body", 7, "{\"index\":{}}\n",
          "{\"items\": [{\"index\": {\"status\": 500}}, {\"index\": {\"status\": 400}}]}" },
        { "bulk-no-items", 1, bulk2, "{\"error\": \"injected 400\"}" },
        { "bulk-bad-item", 3, bulk2, "{\"items\": [1, {\"delete\": {}}, {\"index\": []}]}" },
        { "single-ok", 0, "{\"msg\":\"one\"}", "{\"_index\": \"x\", \"result\": \"created\"}" },
        { "single-status", 0, "{\"msg\":\"one\"}", "{\"status\": 400, \"error\": \"bad\"}" },
    };
    for (size_t i = 0; i < sizeof seeds / sizeof seeds[0]; i++) {
        if (fz_write_seed(dir, seeds[i].name, &seeds[i].opt, 1, seeds[i].body,
                          seeds[i].reply) != 0) {
            return 1;
        }
    }
    return 0;
}
