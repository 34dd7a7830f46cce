/*
 * mmjsonparse.c - the mmjsonparse modifier: parses the JSON that follows a cookie ("@cee:"
 * by default, "" for plain JSON such as nProbe flow records) in msg (or rawmsg) and stores
 * the object under a container ("$!" by default), as rsyslog 8.2302's mmjsonparse does:
 *   - leading white space of the text is skipped, then the cookie must follow;
 *   - the rest must be exactly one JSON object (trailing bytes make it a failure);
 *   - success: the object is merged into the container, $parsesuccess = "OK";
 *   - failure (no cookie, empty text, bad JSON, not an object): {"msg": TEXT} goes into the
 *     container instead, where TEXT is the text after the skipped white space and, if the
 *     cookie matched, after the cookie; $parsesuccess = "FAIL".
 * Parameters (8.2302): cookie, container, userawmsg.  mode/max_scan_bytes only came with
 * rsyslog 8.2506+ and are rejected as unknown, as 8.2302 does.
 *
 * Ownership and lifetime
 *   - Parameter strings belong to the core.  The instance owns its property handle and its
 *     normalised container name (both released in destroy()).  Each worker owns a
 *     libfastjson tokener and a text buffer.
 *   - Parsed objects pass to the message through host->msg_json_set().
 *
 * Concurrency & locking
 *   - process() runs on ruleset workers; the instance is read-only after create() and all
 *     mutable state is in the per-worker block, so no locks are needed.
 */

#include <ctype.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <libfastjson/json.h>

#include "sluice/sl_plugin.h"

struct mmjp_inst {
    /* parameters (filled by the core) */
    char *cookie;
    char *container;
    int use_raw_msg;

    /* runtime */
    const struct sl_host *h;
    void *prop;          /* "msg" or "rawmsg" */
    size_t cookie_len;
    char *cont;          /* the container as a variable name ("$!cim"), owned */
};

struct mmjp_wrk {
    struct fjson_tokener *tok;
    struct sl_buf text;
};

#define IOFF(f) offsetof(struct mmjp_inst, f)
static const struct sl_param inst_params[] = {
    { "cookie", SL_PT_STRING, 0, IOFF(cookie), "@cee:", NULL, NULL, "text before the JSON" },
    { "container", SL_PT_STRING, 0, IOFF(container), "$!", NULL, NULL, "where the object goes" },
    { "userawmsg", SL_PT_BOOL, 0, IOFF(use_raw_msg), "off", NULL, NULL, "parse rawmsg, not msg" },
    SL_PARAM_END
};

static int mmjp_create(void *inst, void *modconf, const struct sl_host *h)
{
    struct mmjp_inst *in = inst;
    (void)modconf;
    in->h = h;
    if (h->struct_size < offsetof(struct sl_host, msg_set_parse_result) + sizeof(void *)) {
        h->log(SL_LOG_ERR, "mmjsonparse", "the core is too old for modifier plugins");
        return SL_ECONFIG;
    }
    /* as rsyslog: the leading '$' is optional ("!cim" is "$!cim", the pre-8.35 form) */
    const char *cont = in->container != NULL ? in->container : "$!";
    if (cont[0] == '$') {
        cont++;
    }
    if (cont[0] != '!' && cont[0] != '.' && cont[0] != '/') {
        h->log(SL_LOG_ERR, "mmjsonparse", "invalid container name '%s', name must start with "
               "either '$!', '$.', or '$/'", cont);
        return SL_ECONFIG;
    }
    size_t clen = strlen(cont);
    in->cont = malloc(clen + 2);
    if (in->cont == NULL) {
        return SL_ENOMEM;
    }
    in->cont[0] = '$';
    memcpy(in->cont + 1, cont, clen + 1);
    in->cookie_len = in->cookie != NULL ? strlen(in->cookie) : 0;
    if (h->prop_ref(in->use_raw_msg ? "rawmsg" : "msg", &in->prop) != 0) {
        h->log(SL_LOG_ERR, "mmjsonparse", "cannot resolve the message property");
        return SL_ECONFIG;
    }
    return 0;
}

static void mmjp_destroy(void *inst)
{
    struct mmjp_inst *in = inst;
    if (in->prop != NULL) {
        in->h->prop_unref(in->prop);
        in->prop = NULL;
    }
    free(in->cont);
    in->cont = NULL;
}

static int mmjp_worker_create(void *inst, void *wrk)
{
    struct mmjp_wrk *w = wrk;
    (void)inst;
    w->tok = fjson_tokener_new();
    if (w->tok == NULL) {
        return SL_ENOMEM;
    }
    return 0;
}

static void mmjp_worker_destroy(void *inst, void *wrk)
{
    struct mmjp_inst *in = inst;
    struct mmjp_wrk *w = wrk;
    if (w->tok != NULL) {
        fjson_tokener_free(w->tok);
        w->tok = NULL;
    }
    in->h->buf_free(&w->text);
}

/* Parses text[0..len) as one JSON object; NULL unless it is exactly one object. */
static struct fjson_object *parse_object(struct mmjp_wrk *w, const char *text, size_t len)
{
    if (len > (size_t)0x7fffffff) {
        return NULL;
    }
    fjson_tokener_reset(w->tok);
    struct fjson_object *o = fjson_tokener_parse_ex(w->tok, text, (int)len);
    if (o == NULL) {
        return NULL;
    }
    if ((size_t)w->tok->char_offset < len || !fjson_object_is_type(o, fjson_type_object)) {
        fjson_object_put(o);
        return NULL;
    }
    return o;
}

static int mmjp_process(void *inst, void *wrk, struct sl_msg *m)
{
    struct mmjp_inst *in = inst;
    struct mmjp_wrk *w = wrk;
    const struct sl_host *h = in->h;
    const char *cont = in->cont;

    w->text.len = 0;
    if (h->msg_prop(m, in->prop, &w->text) != 0 || h->buf_reserve(&w->text, 1) != 0) {
        return SL_OK;
    }
    w->text.p[w->text.len] = '\0';
    const char *p = w->text.p;
    while (*p != '\0' && isspace((unsigned char)*p)) {
        p++;
    }
    struct fjson_object *o = NULL;
    if (*p != '\0' && strncmp(p, in->cookie != NULL ? in->cookie : "", in->cookie_len) == 0) {
        p += in->cookie_len;
        o = parse_object(w, p, strlen(p));
    }
    if (o != NULL) {
        (void)h->msg_json_set(m, cont, o);
        h->msg_set_parse_result(m, 1);
        return SL_OK;
    }
    struct fjson_object *fb = fjson_object_new_object();
    if (fb != NULL) {
        fjson_object_object_add(fb, "msg", fjson_object_new_string(p));
        (void)h->msg_json_set(m, cont, fb);
    }
    h->msg_set_parse_result(m, 0);
    return SL_OK;
}

static const struct sl_modifier_ops mmjp_ops = {
    .create = mmjp_create,
    .destroy = mmjp_destroy,
    .worker_create = mmjp_worker_create,
    .worker_destroy = mmjp_worker_destroy,
    .process = mmjp_process,
};

SL_PLUGIN_DEFINE(mmjsonparse) = {
    SL_PLUGIN_HEADER(mmjsonparse),
    .kinds = SL_MODIFIER,
    .flags = 0,
    .module_params = NULL,
    .inst_params = inst_params,
    .mod_size = 0,
    .inst_size = sizeof(struct mmjp_inst),
    .wrk_size = sizeof(struct mmjp_wrk),
    .in = NULL,
    .out = NULL,
    .mod = &mmjp_ops,
};
