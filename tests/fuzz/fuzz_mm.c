/*
 * fuzz_mm.c - libFuzzer target for the message modifiers that parse message text they are
 * given: mmpstrucdata (RFC 5424 STRUCTURED-DATA into $!rfc5424-sd, its own SD scanner:
 * names cut at 32 bytes, \" \\ \] escapes), mmfields (fields by a separator into $!f1..)
 * and mmjsonparse (the cookie, then the JSON into $!, or the fallback $!msg).  The text
 * comes from the sender of the message.
 *
 * Each plugin runs on tests/support/fakehost with two host calls the fake host lacks
 * supplied here: msg_prop() answers every property with the message's raw text (the input),
 * msg_set_parse_result() is recorded nowhere.  Byte 0 of the input picks one of 8
 * instances (mmpstrucdata with sd_name.lowercase on/off; mmfields with separators ",",
 * " " and "|"; mmjsonparse with cookie "@cee:", none, and "cee" into "$!x"); the rest is
 * the text.  Out-of-bounds accesses, leaks and undefined behaviour show under the
 * sanitizers; the modifier's result goes into the fake message's JSON tree, freed with it.
 *
 * Ownership: the instances and their worker blocks are created once and kept; the message
 * is per input.  Concurrency & locking: none; one thread.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fakehost.h"
#include "fuzzplugin.h"

extern const struct sl_plugin sl_builtin_mmpstrucdata, sl_builtin_mmfields,
    sl_builtin_mmjsonparse;

static struct sl_host host;
static const struct sl_plugin *pl[8];
static void *inst[8], *wrk[8];

static int prop_raw(struct sl_msg *m, const void *handle, struct sl_buf *out)
{
    (void)handle;
    if (fh_host.buf_reserve(out, m->len + 1) != 0) {
        return SL_ENOMEM;
    }
    memcpy(out->p + out->len, m->raw, m->len);
    out->len += m->len;
    out->p[out->len] = '\0';
    return 0;
}

static void parse_result(struct sl_msg *m, int ok)
{
    (void)m;
    (void)ok;
}

static void make(int i, const struct sl_plugin *p, const char *n1, const char *v1,
                 const char *n2, const char *v2)
{
    const char *names[2] = { n1, n2 }, *values[2] = { v1, v2 };
    pl[i] = p;
    inst[i] = fz_param_block(p->inst_params, p->inst_size, names, values,
                             n1 == NULL ? 0 : n2 == NULL ? 1 : 2);
    wrk[i] = calloc(1, p->wrk_size ? p->wrk_size : 1);
    if (wrk[i] == NULL || p->mod->create(inst[i], NULL, &host) != 0 ||
        (p->mod->worker_create != NULL && p->mod->worker_create(inst[i], wrk[i]) != 0)) {
        abort();
    }
}

static void setup(void)
{
    host = fh_host;
    host.msg_prop = prop_raw;
    host.msg_set_parse_result = parse_result;
    make(0, &sl_builtin_mmpstrucdata, NULL, NULL, NULL, NULL);
    make(1, &sl_builtin_mmpstrucdata, "sd_name.lowercase", "off", "jsonRoot", "!sd");
    make(2, &sl_builtin_mmfields, NULL, NULL, NULL, NULL);
    make(3, &sl_builtin_mmfields, "separator", " ", NULL, NULL);
    make(4, &sl_builtin_mmfields, "separator", "|", "jsonRoot", "!f");
    make(5, &sl_builtin_mmjsonparse, NULL, NULL, NULL, NULL);
    make(6, &sl_builtin_mmjsonparse, "cookie", "", NULL, NULL);
    make(7, &sl_builtin_mmjsonparse, "cookie", "cee", "container", "$!x");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (pl[0] == NULL) {
        setup();
    }
    if (size < 1 || size > (1u << 20)) {
        return 0;
    }
    int i = data[0] & 7;
    struct sl_msg *m = fh_host.msg_new(NULL, (const char *)data + 1, size - 1, NULL, 0);
    if (m == NULL) {
        abort();
    }
    (void)pl[i]->mod->process(inst[i], wrk[i], m);
    fh_host.msg_unref(m);
    return 0;
}
