/*
 * fuzz_json.c - fuzz target: the $!/$./$/ trees - JSON text as parse_json() and
 * mmjsonparse take it (libfastjson's tokener, depth-limited) stored at a path with
 * "set" (assign/merge) or "reset" semantics, then unset, read back and rendered through
 * the property paths and the whole-tree properties ($!, $!all-json, jsonmesg).  The tree's
 * JSON text from sl_json_dump() must equal libfastjson's fjson_object_dump_ext() byte for
 * byte (PLAIN and SPACED): aborts otherwise.
 *
 * Input: "PATH\nJSON".  PATH's first byte picks the tree and the operation (see below),
 * the rest is the variable path as written after "$!" ("a!b!c"; may be empty: the root).
 *
 * Ownership: the message, its trees and the parsed value are freed per input (the value is
 * owned by the tree once set).  Concurrency & locking: none ($/ is process-wide and takes
 * its lock inside the core calls).
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <libfastjson/json.h>

#include "fuzz.h"
#include "msg_int.h"
#include "util/buf.h"

/* sl_json_dump against the library it stands in for */
static void dump_same(struct fjson_object *o)
{
    static const int flags[] = { FJSON_TO_STRING_PLAIN, FJSON_TO_STRING_SPACED };
    for (size_t f = 0; f < 2; f++) {
        struct sl_buf a = { 0 }, b = { 0 };
        fjson_object_dump_ext(o, flags[f], sl_json_dump_cb, &a);
        if (sl_json_dump(o, flags[f], &b) != 0 || a.len != b.len ||
            (a.len > 0 && memcmp(a.p, b.p, a.len) != 0)) {
            abort();
        }
        sl_buf_free(&a);
        sl_buf_free(&b);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 2 || size > 65536) {
        return 0;
    }
    const char *nl = memchr(data, '\n', size);
    if (nl == NULL) {
        return 0;
    }
    size_t plen = (size_t)(nl - (const char *)data);
    if (plen == 0) {
        return 0;
    }
    uint8_t sel = data[0];
    char *path = strndup((const char *)data + 1, plen - 1);
    const char *js = nl + 1;
    size_t jlen = size - plen - 1;
    struct fjson_tokener *tok = fjson_tokener_new_ex(64);
    if (path == NULL || tok == NULL) {
        free(path);
        if (tok != NULL) {
            fjson_tokener_free(tok);
        }
        return 0;
    }
    struct fjson_object *val = fjson_tokener_parse_ex(tok, js, (int)jlen);
    fjson_tokener_free(tok);
    static const char raw[] = "<13>Oct 11 22:14:15 host app[1]: hello";
    struct sl_msg *m = fuzz_sample_msg(raw, sizeof raw - 1);
    /* $/ is process-wide: a fuzzer must not grow it without bound, so only $! and $. */
    enum sl_prop root = (sel & 1) ? SL_PROP_LOCAL_VAR : SL_PROP_CEE;
    if (val != NULL) {
        int rc = (sel & 2) ? sl_msg_json_assign(m, root, path, val)
                           : sl_msg_json_set(m, root, path, val);
        (void)rc;
    }
    (void)sl_msg_json_get(m, root, path);
    dump_same(sl_msg_json_get(m, root, ""));
    fuzz_render_all(m);
    if (sel & 4) {
        (void)sl_msg_json_unset(m, root, path);
        fuzz_render_all(m);
    }
    sl_msg_unref(m);
    free(path);
    return 0;
}
