/*
 * fuzz_template.c - fuzz target: template compilation (string templates with the property
 * replacer's options: positions, regexes, case and date options, json/sql escaping; and
 * the legacy "$template" line syntax) and rendering against a parsed message with a $!
 * tree and a $. variable.
 *
 * Input: byte 0 bit 0 compiles the rest as a legacy $template line instead of a string=
 * value, bits 1-2 the template option (none, sql, stdsql, json); the rest is the text.
 *
 * Ownership: templates go into a registry made and freed per input (a registry keeps what
 * is added to it).  Concurrency & locking: none.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "util/buf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char *const opts[] = { NULL, "sql", "stdsql", "json" };
    if (size < 1 || size > 8192) {
        return 0;
    }
    (void)fuzz_registry();
    char *text = malloc(size);
    if (text == NULL) {
        return 0;
    }
    memcpy(text, data + 1, size - 1);
    text[size - 1] = '\0';
    struct sl_tpl_registry *reg = sl_tpl_registry_new();
    struct sl_tpl_err err;
    const struct sl_template *t = (data[0] & 1)
        ? sl_tpl_add_legacy(reg, "fuzz", text, &err)
        : sl_tpl_add_string(reg, "fuzz", text, opts[(data[0] >> 1) & 3], &err);
    if (t != NULL) {
        static const char raw[] = "<165>1 2003-10-11T22:14:15.003Z mymachine.example.com "
            "evntslog 1234 ID47 [exampleSDID@32473 iut=\"3\" eventSource=\"Application\"] "
            "An application event log entry with \"quotes\", 'ticks', \\back\\ and \tTAB";
        struct sl_msg *m = fuzz_sample_msg(raw, sizeof raw - 1);
        struct sl_buf out = {0};
        if (sl_template_render(t, m, &out) != 0) {
            abort();
        }
        struct sl_buf dump = {0};
        sl_template_dump(t, &dump);
        sl_buf_free(&dump);
        sl_buf_free(&out);
        sl_msg_unref(m);
    }
    sl_tpl_registry_free(reg);
    free(text);
    return 0;
}
