/*
 * mmfields.c - the mmfields modifier: splits MSG at a separator character into fields
 * f1, f2, ... stored as strings in one JSON object at jsonRoot (default "!", i.e. merged
 * into $!), as rsyslog 8.2302's mmfields does:
 *   - separator is the first character of the parameter (default ",");
 *   - fields are taken while text remains: "a,,b" gives f1="a" f2="" f3="b", but a
 *     separator at the very end opens no empty last field ("a," gives f1 only), and an
 *     empty MSG gives an empty object;
 *   - a field ends at a NUL byte as well (rsyslog builds each value as a C string);
 *   - the object is added as rsyslog's msgAddJSON adds it (the host's msg_json_set);
 *   - jsonRoot is a variable name without "$" ("!", "!a!b", ".x", "/g"); rsyslog accepts
 *     any other text ("x", "$!x") without a word at start and -N1, and then stores
 *     nothing, logging an internal error per message: here a warning at start, the
 *     messages pass unchanged, counted (set "mmfields(ROOT)", "badroot") with one error
 *     logged per instance.
 *
 * Ownership and lifetime
 *   - Parameter strings belong to the core.  The instance owns its property handle and the
 *     "$!..." name built from jsonRoot; each worker owns its text buffer.
 *
 * Concurrency & locking
 *   - The instance is read-only after create() but for the atomic flag that logs a bad
 *     jsonRoot once; process() otherwise touches only its worker block.
 */

#include <stdatomic.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libfastjson/json.h>

#include "sluice/sl_plugin.h"

struct mmf_inst {
    /* parameters (filled by the core) */
    char *separator;
    char *root;

    /* runtime */
    const struct sl_host *h;
    char sep;
    char var[512];     /* "$" + jsonRoot; "" when jsonRoot is not a variable name */
    void *prop;        /* "msg" */
    _Atomic uint64_t *c_badroot;   /* messages left unchanged for a bad jsonRoot */
    atomic_int badroot_logged;
};

struct mmf_wrk {
    struct sl_buf text;
};

#define IOFF(f) offsetof(struct mmf_inst, f)
static const struct sl_param inst_params[] = {
    { "separator", SL_PT_STRING, 0, IOFF(separator), ",", NULL, NULL,
      "the character between fields (only the first character counts)" },
    { "jsonRoot", SL_PT_STRING, 0, IOFF(root), "!", NULL, NULL,
      "where the f1, f2, ... object goes: \"!\" ($!), \"!sub\", \".local\", \"/global\"" },
    SL_PARAM_END
};

static int mmf_create(void *inst, void *modconf, const struct sl_host *h)
{
    struct mmf_inst *in = inst;
    (void)modconf;
    in->h = h;
    /* rsyslog's eCmdHdlrGetChar: exactly one character */
    if (in->separator == NULL || strlen(in->separator) != 1) {
        h->log(SL_LOG_ERR, "mmfields", "parameter 'separator' must contain exactly one "
               "character but contains %zu - cannot be processed",
               in->separator != NULL ? strlen(in->separator) : (size_t)0);
        return SL_ECONFIG;
    }
    in->sep = in->separator[0];
    const char *root = in->root != NULL ? in->root : "!";
    /* rsyslog's jsonRoot is a variable name without "$": "!", "!a!b", ".x", "/g" */
    if (root[0] != '!' && root[0] != '.' && root[0] != '/') {
        char set[300];
        snprintf(set, sizeof set, "mmfields(%s)", root);
        in->c_badroot = h->counter("mmfields", set, "badroot");
        h->log(SL_LOG_WARNING, "mmfields", "jsonRoot '%s' is not a JSON variable name "
               "(\"!\", \"!name\", \".name\" or \"/name\", without \"$\"): as rsyslog "
               "8.2302, the action stores no fields and passes messages unchanged", root);
        in->var[0] = '\0';
    } else if (snprintf(in->var, sizeof in->var, "$%s", root) >= (int)sizeof in->var) {
        h->log(SL_LOG_ERR, "mmfields", "jsonRoot is too long");
        return SL_ECONFIG;
    }
    if (h->prop_ref("msg", &in->prop) != 0) {
        h->log(SL_LOG_ERR, "mmfields", "cannot resolve property msg");
        return SL_ECONFIG;
    }
    return 0;
}

static void mmf_destroy(void *inst)
{
    struct mmf_inst *in = inst;
    if (in->prop != NULL) {
        in->h->prop_unref(in->prop);
        in->prop = NULL;
    }
}

static int mmf_worker_create(void *inst, void *wrk)
{
    (void)inst;
    (void)wrk;
    return 0;
}

static void mmf_worker_destroy(void *inst, void *wrk)
{
    struct mmf_inst *in = inst;
    struct mmf_wrk *w = wrk;
    in->h->buf_free(&w->text);
}

static int mmf_process(void *inst, void *wrk, struct sl_msg *m)
{
    struct mmf_inst *in = inst;
    struct mmf_wrk *w = wrk;
    if (in->var[0] == '\0') {
        /* rsyslog's msgAddJSON refuses the name (an internal error per message) */
        atomic_fetch_add(in->c_badroot, 1);
        if (atomic_exchange(&in->badroot_logged, 1) == 0) {
            in->h->log(SL_LOG_ERR, "mmfields", "jsonRoot '%s' is not a JSON variable name: "
                       "no fields stored (logged once, counted as badroot)", in->root);
        }
        return SL_OK;
    }
    w->text.len = 0;
    if (in->h->msg_prop(m, in->prop, &w->text) != 0) {
        return SL_OK;
    }
    const char *s = w->text.p;
    size_t len = w->text.len;
    struct fjson_object *obj = fjson_object_new_object();
    if (obj == NULL) {
        return SL_OK;
    }
    size_t i = 0;
    unsigned field = 1;
    while (i < len) {
        size_t start = i;
        while (i < len && s[i] != in->sep) {
            i++;
        }
        size_t flen = i - start;
        const char *nul = memchr(s + start, '\0', flen);
        if (nul != NULL) {
            flen = (size_t)(nul - (s + start));
        }
        char name[32];
        snprintf(name, sizeof name, "f%u", field++);
        fjson_object_object_add(obj, name, fjson_object_new_string_len(s + start, (int)flen));
        if (i < len) {
            i++;   /* past the separator */
        }
    }
    (void)in->h->msg_json_set(m, in->var, obj);
    return SL_OK;
}

static const struct sl_modifier_ops mmf_ops = {
    .create = mmf_create,
    .destroy = mmf_destroy,
    .worker_create = mmf_worker_create,
    .worker_destroy = mmf_worker_destroy,
    .process = mmf_process,
};

SL_PLUGIN_DEFINE(mmfields) = {
    SL_PLUGIN_HEADER(mmfields),
    .kinds = SL_MODIFIER,
    .inst_params = inst_params,
    .inst_size = sizeof(struct mmf_inst),
    .wrk_size = sizeof(struct mmf_wrk),
    .mod = &mmf_ops,
};
