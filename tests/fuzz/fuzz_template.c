/*
 * fuzz_template.c - fuzz target: template compilation (string templates with the property
 * replacer's options: positions, regexes, case and date options, json/sql escaping; and
 * the legacy "$template" line syntax) and rendering against a parsed message with a $!
 * tree and a $. variable.
 *
 * Input: byte 0 bit 0 compiles the rest as a legacy $template line instead of a string=
 * value, bits 1-2 the template option (none, sql, stdsql, json); the rest is the text.
 * A template that gets a straight-line renderer (core/template_fast.c: it has the shape of
 * a built-in file or forwarding format) is also rendered by the element loop, and the
 * bytes must be the same.
 *
 * Byte 0 bit 3 set: the rest is a raw message instead, parsed (bit 4: no control-character
 * escaping, so NUL and control characters reach the fields; bit 5: keep the trailing LF;
 * bit 6: no peer address, so a missing HOSTNAME is the local host name; bit 7: the RFC
 * 3164 date cache set to the buggy-day form first) and rendered by every built-in format
 * with a straight-line renderer and by the element loop: any difference aborts.
 *
 * Ownership: templates go into a registry made and freed per input (a registry keeps what
 * is added to it).  Concurrency & locking: none.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include "fuzz.h"
#include "msg_int.h"
#include "util/buf.h"

/* byte 0 bit 3: a raw message through every straight-line renderer and the element loop */
static int message_mode(uint8_t flags, const uint8_t *raw, size_t len)
{
    struct sl_msg *m = sl_msg_new((const char *)raw, len);
    if (m == NULL) {
        abort();
    }
    if (!(flags & 0x40)) {
        struct sockaddr_in sin = { .sin_family = AF_INET, .sin_port = htons(514) };
        sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        sl_msg_set_peer(m, (struct sockaddr *)&sin, sizeof sin);
    }
    struct sl_parse_opts o;
    sl_parse_opts_default(&o);
    o.escape_cc_on_receive = !(flags & 0x10);
    o.drop_trailing_lf = !(flags & 0x20);
    sl_msg_parse(m, &o);
    if (flags & 0x80) {
        struct sl_tpl_registry *reg = fuzz_registry();
        const struct sl_template *b = sl_tpl_find(reg, "fuzz_buggyday");
        if (b == NULL) {
            struct sl_tpl_err err;
            b = sl_tpl_add_string(reg, "fuzz_buggyday", "%timestamp:::date-rfc3164-buggyday%",
                                  NULL, &err);
        }
        struct sl_buf out = {0};
        if (b == NULL || sl_template_render(b, m, &out) != 0) {
            abort();
        }
        sl_buf_free(&out);
    }
    fuzz_compare_fast(m);
    sl_msg_unref(m);
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char *const opts[] = { NULL, "sql", "stdsql", "json" };
    if (size < 1 || size > 8192) {
        return 0;
    }
    (void)fuzz_registry();
    if (data[0] & 0x08) {
        return message_mode(data[0], data + 1, size - 1);
    }
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
        fuzz_compare_tpl(t, m);
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
