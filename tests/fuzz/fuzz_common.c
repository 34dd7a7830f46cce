/*
 * fuzz_common.c - helpers shared by the core fuzz targets (see fuzz.h).
 *
 * Ownership: the registry is process-wide and intentionally never freed.
 * Concurrency & locking: none (one fuzzing thread).
 */
#include "config.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

#include <libfastjson/json.h>

#include "fuzz.h"
#include "util/buf.h"

struct sl_tpl_registry *fuzz_registry(void)
{
    static struct sl_tpl_registry *reg;
    if (reg == NULL) {
        sl_msg_set_dns(0);
        reg = sl_tpl_registry_new();
        if (reg == NULL) {
            abort();
        }
    }
    return reg;
}

void fuzz_render_all(struct sl_msg *m)
{
    static const char *const names[] = {
        "RSYSLOG_DebugFormat", "RSYSLOG_SyslogProtocol23Format", "RSYSLOG_FileFormat",
        "RSYSLOG_TraditionalFileFormat", "RSYSLOG_ForwardFormat", "RSYSLOG_StdJSONFmt",
        NULL
    };
    struct sl_tpl_registry *reg = fuzz_registry();
    struct sl_buf out = {0};
    for (size_t i = 0; names[i] != NULL; i++) {
        const struct sl_template *t = sl_tpl_find(reg, names[i]);
        if (t == NULL) {
            continue;   /* not every build has every built-in */
        }
        out.len = 0;
        if (sl_template_render(t, m, &out) != 0) {
            abort();
        }
    }
    sl_buf_free(&out);
}

struct sl_msg *fuzz_sample_msg(const char *raw, size_t len)
{
    (void)fuzz_registry();
    struct sl_msg *m = sl_msg_new(raw, len);
    if (m == NULL) {
        abort();
    }
    struct sockaddr_in sin = { .sin_family = AF_INET, .sin_port = htons(514) };
    sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    sl_msg_set_peer(m, (struct sockaddr *)&sin, sizeof sin);
    sl_msg_parse(m, NULL);
    struct fjson_object *tree = fjson_tokener_parse(
        "{\"a\":{\"b\":[1,\"x\",{\"c\":true}]},\"s\":\"v\"}");
    if (tree == NULL || sl_msg_json_set(m, SL_PROP_CEE, "", tree) != 0) {
        abort();
    }
    if (sl_msg_json_set(m, SL_PROP_LOCAL_VAR, "l", fjson_object_new_string("loc")) != 0) {
        abort();
    }
    return m;
}
