/*
 * msg_json.c - the message's JSON variables: $! (the message's own), $. (local, per
 * message) and $/ (global, one tree for the process), with rsyslog's path rules and its
 * merge and assignment semantics (set, unset, reset, parse_json targets), and the text of a
 * JSON value for properties.
 *
 * Ownership: the trees belong to the message (or, for $/, to the process); set takes the
 * caller's reference to the value, get returns a borrowed one.
 *
 * Concurrency & locking: $! and $. are written only by the ruleset worker that owns the
 * message, before it is shared.  $/ is one process-wide tree guarded by sl_global_vars_lock.
 * Serialising uses fjson_object_dump_ext into a private buffer, which does not touch the
 * object (libfastjson's to_json_string caches in it).  variables.caseSensitive is a
 * process-wide libfastjson switch, set once.
 */
#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libfastjson/json.h>

#include "msg.h"
#include "msg_int.h"
#include "util/buf.h"

/* ---------------------------------------------------------------------------------------
 * JSON variables
 * ------------------------------------------------------------------------------------- */
pthread_mutex_t sl_global_vars_lock = PTHREAD_MUTEX_INITIALIZER;
static struct fjson_object *global_vars;

/* rsyslog's default variables.caseSensitive="off" switches libfastjson (process-wide) to
 * case-insensitive key comparison: $!Src and $!src name the same key, which keeps the
 * spelling it was first created with, and parse_json() keys match in any case. */
static pthread_once_t json_case_once = PTHREAD_ONCE_INIT;
static _Atomic int json_case_sensitive;

static void json_case_init(void)
{
    fjson_global_do_case_sensitive_comparison(atomic_load(&json_case_sensitive));
}

/* With variables.caseSensitive="on" rsyslog keeps the names as written in expressions
 * (set $!Src and set $!src are two keys, $!SRC finds neither); templates still lower-case
 * the names they use (core/template.c apply_case). */
void sl_msg_set_vars_case_sensitive(int on)
{
    atomic_store(&json_case_sensitive, on != 0);
    pthread_once(&json_case_once, json_case_init);
    fjson_global_do_case_sensitive_comparison(on != 0);
}

static struct fjson_object **json_root(struct sl_msg *m, enum sl_prop root)
{
    pthread_once(&json_case_once, json_case_init);
    switch (root) {
    case SL_PROP_CEE:
        return &m->json;
    case SL_PROP_LOCAL_VAR:
        return &m->localvars;
    case SL_PROP_GLOBAL_VAR:
        return &global_vars;
    default:
        return NULL;
    }
}

/* Next path component of "a!b!c" (also accepts '.' as rsyslog does for $. paths? no:
 * only '!' separates).  Returns its length; *next points after the separator. */
static size_t path_component(const char *p, const char **next)
{
    const char *e = strchr(p, '!');
    if (e == NULL) {
        *next = NULL;
        return strlen(p);
    }
    *next = e + 1;
    return (size_t)(e - p);
}

/* One path component in an object, as rsyslog 8.2302's jsonVarExtract(): "name[N]" (the
 * ']' last, N as strtol reads it: "[]" is 0) is element N of the array "name"; N past the
 * end or negative finds nothing (rsyslogd crashes on a negative N).  When "name" is not
 * an array (or missing), or the subscript is not a number, the whole text is a plain
 * key.  Returns 1 with *value set (possibly NULL for a JSON null), 0 if not found. */
static int json_var_extract(struct fjson_object *obj, const char *key, struct fjson_object **value)
{
    const char *lb = strchr(key, '[');
    *value = NULL;
    if (obj == NULL || !fjson_object_is_type(obj, fjson_type_object)) {
        return 0;
    }
    if (lb != NULL) {
        const char *rb = strchr(lb, ']');
        size_t klen = strlen(key);
        if (rb != NULL && (size_t)(rb - key) + 1 == klen && (size_t)(lb - key) < 512) {
            char *end = NULL;
            errno = 0;
            long idx = strtol(lb + 1, &end, 10);
            if (errno == 0 && end == rb) {
                char name[512];
                struct fjson_object *arr = NULL;
                memcpy(name, key, (size_t)(lb - key));
                name[lb - key] = '\0';
                if (fjson_object_object_get_ex(obj, name, &arr) &&
                    fjson_object_is_type(arr, fjson_type_array)) {
                    if (idx < 0 || idx >= (long)fjson_object_array_length(arr)) {
                        return 0;
                    }
                    *value = fjson_object_array_get_idx(arr, (int)idx);
                    return *value != NULL;
                }
            }
        }
    }
    return fjson_object_object_get_ex(obj, key, value) ? 1 : 0;
}

static struct fjson_object *json_lookup(struct fjson_object *root, const char *path)
{
    struct fjson_object *cur = root;
    const char *p = path;
    char key[512];
    while (cur != NULL && p != NULL && *p != '\0') {
        const char *next;
        size_t n = path_component(p, &next);
        if (n >= sizeof(key)) {
            return NULL;
        }
        memcpy(key, p, n);
        key[n] = '\0';
        struct fjson_object *child = NULL;
        if (!json_var_extract(cur, key, &child)) {
            return NULL;
        }
        cur = child;
        p = next;
    }
    return cur;
}

static void json_merge(struct fjson_object *dst, struct fjson_object *src)
{
    struct fjson_object_iterator it = fjson_object_iter_begin(src);
    struct fjson_object_iterator end = fjson_object_iter_end(src);
    while (!fjson_object_iter_equal(&it, &end)) {
        const char *k = fjson_object_iter_peek_name(&it);
        struct fjson_object *v = fjson_object_iter_peek_value(&it);
        fjson_object_object_add(dst, k, fjson_object_get(v));
        fjson_object_iter_next(&it);
    }
}

/* keep: rsyslog's msgAddJSON() without force_reset (see sl_msg_json_assign) */
static int json_set_locked(struct fjson_object **rootp, const char *path, struct fjson_object *val,
                           int keep)
{
    if (path == NULL || *path == '\0') {
        if (*rootp == NULL && fjson_object_is_type(val, fjson_type_object)) {
            *rootp = val;
            return 0;
        }
        if (!fjson_object_is_type(val, fjson_type_object)) {
            fjson_object_put(val);
            return SL_EINVAL;
        }
        json_merge(*rootp, val);
        fjson_object_put(val);
        return 0;
    }
    if (*rootp == NULL) {
        *rootp = fjson_object_new_object();
    }
    struct fjson_object *cur = *rootp;
    const char *p = path;
    char key[512];
    for (;;) {
        const char *next;
        size_t n = path_component(p, &next);
        if (n >= sizeof(key)) {
            fjson_object_put(val);
            return SL_EINVAL;
        }
        memcpy(key, p, n);
        key[n] = '\0';
        if (next == NULL || *next == '\0') {
            struct fjson_object *leaf = NULL;
            /* the leaf is written as the literal key ("a[1]"), but found as rsyslog finds
             * it (an array element) for the merge / container checks */
            if (keep && json_var_extract(cur, key, &leaf) && leaf != NULL) {
                if (fjson_object_is_type(val, fjson_type_object)) {
                    /* rsyslog merges it into the root of the tree, not into the variable */
                    json_merge(*rootp, val);
                    fjson_object_put(val);
                    return 0;
                }
                if (fjson_object_is_type(leaf, fjson_type_object)) {
                    /* "trying to update a container node with a leaf": refused */
                    fjson_object_put(val);
                    return SL_EINVAL;
                }
            }
            fjson_object_object_add(cur, key, val);
            return 0;
        }
        struct fjson_object *child = NULL;
        if (!json_var_extract(cur, key, &child) || child == NULL) {
            child = fjson_object_new_object();
            fjson_object_object_add(cur, key, child);
        } else if (!fjson_object_is_type(child, fjson_type_object)) {
            /* rsyslog does not go through (or replace) a value that is not an object:
             * set $!a = "s"; set $!a!b = 1; leaves $!a as it is */
            fjson_object_put(val);
            return SL_EINVAL;
        }
        cur = child;
        p = next;
    }
}

static int json_set(struct sl_msg *m, enum sl_prop root, const char *path, struct fjson_object *val,
                    int keep)
{
    struct fjson_object **rootp = json_root(m, root);
    if (rootp == NULL) {
        if (val != NULL) {
            fjson_object_put(val);
        }
        return SL_EINVAL;
    }
    if (root == SL_PROP_GLOBAL_VAR) {
        pthread_mutex_lock(&sl_global_vars_lock);
    }
    int rc = json_set_locked(rootp, path, val, keep);
    if (root == SL_PROP_GLOBAL_VAR) {
        pthread_mutex_unlock(&sl_global_vars_lock);
    }
    return rc;
}

struct fjson_object **sl_msg_json_root_lock(struct sl_msg *m, enum sl_prop root)
{
    struct fjson_object **rootp = json_root(m, root);
    if (rootp != NULL && root == SL_PROP_GLOBAL_VAR) {
        pthread_mutex_lock(&sl_global_vars_lock);
    }
    return rootp;
}

void sl_msg_json_root_unlock(enum sl_prop root)
{
    if (root == SL_PROP_GLOBAL_VAR) {
        pthread_mutex_unlock(&sl_global_vars_lock);
    }
}

int sl_msg_json_set(struct sl_msg *m, enum sl_prop root, const char *path, struct fjson_object *val)
{
    return json_set(m, root, path, val, 0);
}

int sl_msg_json_assign(struct sl_msg *m, enum sl_prop root, const char *path,
                       struct fjson_object *val)
{
    return json_set(m, root, path, val, 1);
}

int sl_msg_json_unset(struct sl_msg *m, enum sl_prop root, const char *path)
{
    struct fjson_object **rootp = json_root(m, root);
    if (rootp == NULL) {
        return SL_EINVAL;
    }
    int rc = 0;
    if (root == SL_PROP_GLOBAL_VAR) {
        pthread_mutex_lock(&sl_global_vars_lock);
    }
    if (*rootp == NULL) {
        rc = SL_ENOENT;
    } else if (path == NULL || *path == '\0') {
        fjson_object_put(*rootp);
        *rootp = NULL;
    } else {
        /* find the parent of the last component */
        const char *last = strrchr(path, '!');
        struct fjson_object *parent = *rootp;
        const char *leaf = path;
        if (last != NULL) {
            char *ppath = sl_xstrndup(path, (size_t)(last - path));
            parent = json_lookup(*rootp, ppath);
            free(ppath);
            leaf = last + 1;
        }
        struct fjson_object *tmp = NULL;
        if (parent == NULL || !fjson_object_is_type(parent, fjson_type_object) ||
            !json_var_extract(parent, leaf, &tmp) || tmp == NULL) {
            rc = SL_ENOENT;
        } else {
            fjson_object_object_del(parent, leaf);
        }
    }
    if (root == SL_PROP_GLOBAL_VAR) {
        pthread_mutex_unlock(&sl_global_vars_lock);
    }
    return rc;
}

struct fjson_object *sl_msg_json_get(struct sl_msg *m, enum sl_prop root, const char *path)
{
    struct fjson_object **rootp = json_root(m, root);
    if (rootp == NULL || *rootp == NULL) {
        return NULL;
    }
    return json_lookup(*rootp, path ? path : "");
}

size_t sl_json_dump_cb(void *ptr, const char *buf, size_t len)
{
    return sl_buf_append((struct sl_buf *)ptr, buf, len) == 0 ? len : 0;
}

/* Renders a JSON value as rsyslog does for a property: strings as their text, everything
 * else as JSON ("{ "a": 1 }" spacing of libfastjson's default). */
const char *sl_json_value_text(struct fjson_object *v, size_t *len, char **to_free)
{
    if (v == NULL) {
        *len = 0;
        return "";
    }
    if (fjson_object_is_type(v, fjson_type_string)) {
        const char *s = fjson_object_get_string(v);
        *len = (size_t)fjson_object_get_string_len(v);
        return s ? s : "";
    }
    struct sl_buf b = { 0 };
    fjson_object_dump_ext(v, FJSON_TO_STRING_SPACED, sl_json_dump_cb, &b);
    if (b.p == NULL) {
        *len = 0;
        return "";
    }
    *to_free = b.p;
    *len = b.len;
    return b.p;
}
