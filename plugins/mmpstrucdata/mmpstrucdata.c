/*
 * mmpstrucdata.c - the mmpstrucdata modifier: parses RFC 5424 STRUCTURED-DATA into
 *   $!rfc5424-sd!SD-ID!PARAM-NAME = "value"
 * (below jsonRoot, "!" = $! by default), as rsyslog 8.2302's mmpstrucdata does:
 *   - nothing happens when structured-data is empty or starts with "-";
 *   - SD-IDs and parameter names end at '=', '"', ']' or ' ' and are cut at 32 bytes;
 *     with sd_name.lowercase="on" (the default) both are lower-cased;
 *   - in values, \" \\ and \] lose their backslash, any other backslash is kept;
 *   - a malformed element discards the whole result (nothing is stored), whatever parsed
 *     before it;
 *   - repeated SD-IDs or names: the later one replaces the earlier one.
 * jsonRoot may be given with or without the leading "$" ("!", "$!", "!sd", ".x").
 *
 * Ownership and lifetime
 *   - Parameter strings belong to the core.  The instance owns its property handle and the
 *     resolved root ("$!..." form); each worker owns its text buffer.  The JSON tree built
 *     per message passes to the message through host->msg_json_set().
 *
 * Concurrency & locking
 *   - The instance is read-only after create(); process() only touches its worker block.
 */

#include <ctype.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <libfastjson/json.h>

#include "sluice/sl_plugin.h"

#define SD_NAME_MAX 32

struct mmpsd_inst {
    /* parameters (filled by the core) */
    char *json_root;
    int lowercase;

    /* runtime */
    const struct sl_host *h;
    void *prop;        /* "structured-data" */
    char *root;        /* "$!", "$!x", "$.x" */
};

struct mmpsd_wrk {
    struct sl_buf sd;
    struct sl_buf val;
};

#define IOFF(f) offsetof(struct mmpsd_inst, f)
static const struct sl_param inst_params[] = {
    { "jsonRoot", SL_PT_STRING, 0, IOFF(json_root), "!", NULL, NULL, "container of rfc5424-sd" },
    { "sd_name.lowercase", SL_PT_BOOL, 0, IOFF(lowercase), "on", NULL, NULL,
      "lower-case SD-IDs and parameter names" },
    SL_PARAM_END
};

static int mmpsd_create(void *inst, void *modconf, const struct sl_host *h)
{
    struct mmpsd_inst *in = inst;
    (void)modconf;
    in->h = h;
    if (h->struct_size < offsetof(struct sl_host, msg_set_parse_result) + sizeof(void *)) {
        h->log(SL_LOG_ERR, "mmpstrucdata", "the core is too old for modifier plugins");
        return SL_ECONFIG;
    }
    const char *r = in->json_root != NULL ? in->json_root : "!";
    if (r[0] == '$') {
        r++;
    }
    if (r[0] != '!' && r[0] != '.' && r[0] != '/') {
        h->log(SL_LOG_ERR, "mmpstrucdata", "jsonRoot '%s' is not a variable ($!, $. or $/)",
               in->json_root);
        return SL_ECONFIG;
    }
    size_t n = strlen(r);
    in->root = malloc(n + 2);
    if (in->root == NULL) {
        return SL_ENOMEM;
    }
    in->root[0] = '$';
    memcpy(in->root + 1, r, n + 1);
    if (h->prop_ref("structured-data", &in->prop) != 0) {
        h->log(SL_LOG_ERR, "mmpstrucdata", "cannot resolve property structured-data");
        free(in->root);
        in->root = NULL;
        return SL_ECONFIG;
    }
    return 0;
}

static void mmpsd_destroy(void *inst)
{
    struct mmpsd_inst *in = inst;
    if (in->prop != NULL) {
        in->h->prop_unref(in->prop);
        in->prop = NULL;
    }
    free(in->root);
    in->root = NULL;
}

static int mmpsd_worker_create(void *inst, void *wrk)
{
    (void)inst;
    (void)wrk;
    return 0;
}

static void mmpsd_worker_destroy(void *inst, void *wrk)
{
    struct mmpsd_inst *in = inst;
    struct mmpsd_wrk *w = wrk;
    in->h->buf_free(&w->sd);
    in->h->buf_free(&w->val);
}

/* A name: up to SD_NAME_MAX bytes before '=', '"', ']' or ' '. */
static void parse_name(const struct mmpsd_inst *in, const char *s, size_t len, size_t *i,
                       char name[SD_NAME_MAX + 1])
{
    size_t j = 0;
    while (*i < len && j < SD_NAME_MAX) {
        char c = s[*i];
        if (c == '=' || c == '"' || c == ']' || c == ' ') {
            break;
        }
        name[j++] = in->lowercase ? (char)tolower((unsigned char)c) : c;
        (*i)++;
    }
    name[j] = '\0';
}

/* A quoted value into w->val (NUL-terminated); -1 if malformed. */
static int parse_value(const struct mmpsd_inst *in, struct mmpsd_wrk *w, const char *s,
                       size_t len, size_t *i)
{
    if (*i >= len || s[*i] != '"') {
        return -1;
    }
    (*i)++;
    w->val.len = 0;
    if (in->h->buf_reserve(&w->val, len + 2) != 0) {
        return -1;
    }
    char *v = w->val.p;
    size_t j = 0;
    while (*i < len && s[*i] != '"') {
        if (s[*i] == '\\') {
            (*i)++;
            if (*i == len) {
                v[j++] = '\\';
                break;
            }
            if (s[*i] != '"' && s[*i] != '\\' && s[*i] != ']') {
                v[j++] = '\\';
            }
        }
        v[j++] = s[*i];
        (*i)++;
    }
    if (*i >= len || s[*i] != '"') {
        return -1;
    }
    (*i)++;
    v[j] = '\0';
    w->val.len = j;
    return 0;
}

/* One "[ID name="value" ...]" element added to sdroot; -1 if malformed. */
static int parse_element(const struct mmpsd_inst *in, struct mmpsd_wrk *w, const char *s,
                         size_t len, size_t *i, struct fjson_object *sdroot)
{
    char id[SD_NAME_MAX + 1];
    char name[SD_NAME_MAX + 1];
    if (*i >= len || s[*i] != '[') {
        return -1;
    }
    (*i)++;
    parse_name(in, s, len, i, id);
    struct fjson_object *elem = fjson_object_new_object();
    if (elem == NULL) {
        return -1;
    }
    while (*i < len && s[*i] != ']') {
        if (s[*i] != ' ') {
            fjson_object_put(elem);
            return -1;
        }
        (*i)++;
        while (*i < len && s[*i] == ' ') {
            (*i)++;
        }
        parse_name(in, s, len, i, name);
        if (*i >= len || s[*i] != '=') {
            fjson_object_put(elem);
            return -1;
        }
        (*i)++;
        if (parse_value(in, w, s, len, i) != 0) {
            fjson_object_put(elem);
            return -1;
        }
        fjson_object_object_add(elem, name, fjson_object_new_string(w->val.p));
    }
    if (*i >= len || s[*i] != ']') {
        fjson_object_put(elem);
        return -1;
    }
    (*i)++;
    fjson_object_object_add(sdroot, id, elem);
    return 0;
}

static int mmpsd_process(void *inst, void *wrk, struct sl_msg *m)
{
    struct mmpsd_inst *in = inst;
    struct mmpsd_wrk *w = wrk;
    const struct sl_host *h = in->h;
    w->sd.len = 0;
    if (h->msg_prop(m, in->prop, &w->sd) != 0) {
        return SL_OK;
    }
    const char *s = w->sd.p;
    size_t len = w->sd.len;
    if (len == 0 || s[0] == '-') {
        return SL_OK;
    }
    struct fjson_object *sdroot = fjson_object_new_object();
    if (sdroot == NULL) {
        return SL_OK;
    }
    size_t i = 0;
    while (i < len) {
        if (parse_element(in, w, s, len, &i, sdroot) != 0) {
            fjson_object_put(sdroot);
            return SL_OK;
        }
    }
    struct fjson_object *top = fjson_object_new_object();
    if (top == NULL) {
        fjson_object_put(sdroot);
        return SL_OK;
    }
    fjson_object_object_add(top, "rfc5424-sd", sdroot);
    (void)h->msg_json_set(m, in->root, top);
    return SL_OK;
}

static const struct sl_modifier_ops mmpsd_ops = {
    .create = mmpsd_create,
    .destroy = mmpsd_destroy,
    .worker_create = mmpsd_worker_create,
    .worker_destroy = mmpsd_worker_destroy,
    .process = mmpsd_process,
};

SL_PLUGIN_DEFINE(mmpstrucdata) = {
    SL_PLUGIN_HEADER(mmpstrucdata),
    .kinds = SL_MODIFIER,
    .flags = 0,
    .module_params = NULL,
    .inst_params = inst_params,
    .mod_size = 0,
    .inst_size = sizeof(struct mmpsd_inst),
    .wrk_size = sizeof(struct mmpsd_wrk),
    .in = NULL,
    .out = NULL,
    .mod = &mmpsd_ops,
};
