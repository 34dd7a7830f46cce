/*
 * fuzz_common.c - helpers shared by the core fuzz targets (see fuzz.h).
 *
 * Ownership: the registry is process-wide and intentionally never freed.
 * Concurrency & locking: none (one fuzzing thread).
 */
#include "config.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libfastjson/json.h>

#include "fuzz.h"
#include "template_int.h"
#include "util/buf.h"

/* the string-generator bindings of the four strgen formats (their own renderers) */
static const char *const sg_formats[] = { "RSYSLOG_FileFormat", "RSYSLOG_TraditionalFileFormat",
                                          "RSYSLOG_ForwardFormat",
                                          "RSYSLOG_TraditionalForwardFormat" };

struct sl_tpl_registry *fuzz_registry(void)
{
    static struct sl_tpl_registry *reg;
    if (reg == NULL) {
        sl_msg_set_dns(0);
        reg = sl_tpl_registry_new();
        if (reg == NULL) {
            abort();
        }
        for (size_t i = 0; i < sizeof sg_formats / sizeof sg_formats[0]; i++) {
            struct sl_tpl_err err;
            char name[32];
            snprintf(name, sizeof name, "fuzz_strgen_%zu", i);
            if (sl_tpl_add_strgen(reg, name, sg_formats[i], &err) == NULL) {
                abort();
            }
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
    fuzz_compare_fast(m);
}

void fuzz_compare_tpl(const struct sl_template *t, struct sl_msg *m)
{
    if (sl_tpl_fast_name(t) == NULL) {
        return;
    }
    struct sl_buf a = {0}, b = {0};
    int ra = sl_tpl_render_generic(t, m, &a);
    int rb = sl_template_render(t, m, &b);
    if (ra != rb || a.len != b.len || (a.len > 0 && memcmp(a.p, b.p, a.len) != 0)) {
        fprintf(stderr, "fuzz: template %s: fast path (%s) differs from the element loop:\n"
                "  loop %zu bytes: '%.*s'\n  fast %zu bytes: '%.*s'\n", sl_template_name(t),
                sl_tpl_fast_name(t), a.len, (int)a.len, a.p ? a.p : "", b.len, (int)b.len,
                b.p ? b.p : "");
        abort();
    }
    sl_buf_free(&a);
    sl_buf_free(&b);
}

void fuzz_compare_fast(struct sl_msg *m)
{
    static const char *const names[] = {
        "RSYSLOG_FileFormat", "RSYSLOG_TraditionalFileFormat", "RSYSLOG_ForwardFormat",
        "RSYSLOG_TraditionalForwardFormat", "RSYSLOG_SysklogdFileFormat",
        "RSYSLOG_SyslogProtocol23Format", "RSYSLOG_SyslogRFC5424Format", "fuzz_strgen_0",
        "fuzz_strgen_1", "fuzz_strgen_2", "fuzz_strgen_3", NULL
    };
    struct sl_tpl_registry *reg = fuzz_registry();
    for (size_t i = 0; names[i] != NULL; i++) {
        const struct sl_template *t = sl_tpl_find(reg, names[i]);
        if (t == NULL || sl_tpl_fast_name(t) == NULL) {
            abort();    /* a built-in format lost its renderer */
        }
        fuzz_compare_tpl(t, m);
    }
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
