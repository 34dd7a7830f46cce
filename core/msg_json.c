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
 * Serialising (sl_json_dump) writes into a private buffer and only reads the object
 * (libfastjson's to_json_string caches in it).  variables.caseSensitive is a
 * process-wide libfastjson switch, set once.
 *
 * sl_json_dump() writes the bytes libfastjson's fjson_object_dump_ext() writes for
 * FJSON_TO_STRING_PLAIN and _SPACED, without its printbuf and per-byte escaping calls
 * (issue #20: $!all-json of a normalized sshd line cost ~5,700 instructions in the
 * library): strings and keys end at their first NUL; `"` `\` `/` and the control bytes
 * are escaped (\b \t \n \f \r, else \u00xx in lower-case hex); bytes >= 0x7f as they
 * are.  Doubles go to the library (its number formatting).  tests/unit/test_msg.c compares
 * both byte for byte, every byte value and random trees.
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

/* 0: the byte as it is; 1: end of string (NUL); else the escape letter ('u': \u00xx) */
static const char json_esc[256] = {
    1, 'u', 'u', 'u', 'u', 'u', 'u', 'u', 'b', 't', 'n', 'u', 'f', 'r', 'u', 'u',
    'u', 'u', 'u', 'u', 'u', 'u', 'u', 'u', 'u', 'u', 'u', 'u', 'u', 'u', 'u', 'u',
    ['"'] = '"', ['/'] = '/', ['\\'] = '\\',
};

/* room for n more bytes and the buffer's NUL: where to write, or NULL (out of memory) */
static inline char *dump_room(struct sl_buf *b, size_t n)
{
    if (b->cap - b->len < n + 1 && sl_buf_reserve(b, n + 1) != 0) {
        return NULL;
    }
    return b->p + b->len;
}

/* appends the short constant s[0..n) */
static inline int dump_lit(struct sl_buf *b, const char *s, size_t n)
{
    char *q = dump_room(b, n);
    if (q == NULL) {
        return -1;
    }
    for (size_t i = 0; i < n; i++) {
        q[i] = s[i];
    }
    b->len += n;
    return 0;
}

/* 8 bytes at once: none of them needs an escape (no byte < 0x20, `"`, `/` or `\`); bytes
 * >= 0x80 never do.  Exact as to presence (a borrow only spreads from a flagged byte). */
#define JSON_REP(c) (0x0101010101010101ULL * (unsigned char)(c))
static inline int json_word_clean(uint64_t x)
{
    uint64_t q = x ^ JSON_REP('"'), sl = x ^ JSON_REP('/'), bs = x ^ JSON_REP('\\');
    uint64_t f = ((x - JSON_REP(0x20)) & ~x) | ((q - JSON_REP(1)) & ~q) |
                 ((sl - JSON_REP(1)) & ~sl) | ((bs - JSON_REP(1)) & ~bs);
    return (f & JSON_REP(0x80)) == 0;
}

/* "s" (escaped, up to its first NUL), then `tail` (tn bytes: the ": " after a key) */
static int dump_str(struct sl_buf *b, const char *s, const char *tail, size_t tn)
{
    static const char hex[] = "0123456789abcdef";
    const unsigned char *p = (const unsigned char *)s;
    size_t n = strlen(s), i = 0, j;
    char *q = dump_room(b, 6 * n + 2 + tn), *q0 = q;

    if (q == NULL) {
        return -1;
    }
    *q++ = '"';
    for (;;) {
        j = i;
        for (uint64_t x; j + 8 <= n; j += 8) {
            memcpy(&x, p + j, 8);
            if (!json_word_clean(x)) {
                break;
            }
        }
        while (j < n && json_esc[p[j]] == 0) {
            j++;
        }
        memcpy(q, p + i, j - i);
        q += j - i;
        if (j == n) {
            break;
        }
        *q++ = '\\';
        if (json_esc[p[j]] == 'u') {
            *q++ = 'u';
            *q++ = '0';
            *q++ = '0';
            *q++ = hex[p[j] >> 4];
            *q++ = hex[p[j] & 15];
        } else {
            *q++ = json_esc[p[j]];
        }
        i = j + 1;
    }
    *q++ = '"';
    for (size_t k = 0; k < tn; k++) {
        *q++ = tail[k];
    }
    b->len += (size_t)(q - q0);
    return 0;
}

static int dump_int(struct sl_buf *b, int64_t v)
{
    char t[24], *q = t + sizeof(t);
    uint64_t u = v < 0 ? 0 - (uint64_t)v : (uint64_t)v;

    do {
        *--q = (char)('0' + u % 10);
        u /= 10;
    } while (u != 0);
    if (v < 0) {
        *--q = '-';
    }
    return dump_lit(b, q, (size_t)(t + sizeof(t) - q));
}

static int dump_val(struct fjson_object *o, int flags, struct sl_buf *b)
{
    int sp = (flags & FJSON_TO_STRING_SPACED) != 0;

    if (o == NULL) {
        return dump_lit(b, "null", 4);
    }
    switch (fjson_object_get_type(o)) {
    case fjson_type_string:
        return dump_str(b, fjson_object_get_string(o), "", 0);
    case fjson_type_int:
        return dump_int(b, fjson_object_get_int64(o));
    case fjson_type_boolean:
        return fjson_object_get_boolean(o) ? dump_lit(b, "true", 4) : dump_lit(b, "false", 5);
    case fjson_type_object: {
        struct fjson_object_iterator it = fjson_object_iter_begin(o);
        struct fjson_object_iterator end = fjson_object_iter_end(o);
        /* "{" then per member ", " (PLAIN ",") before all but the first, a space before
         * the first when SPACED */
        const char *sep = sp ? "{ " : "{";
        size_t sepn = sp ? 2 : 1;
        while (!fjson_object_iter_equal(&it, &end)) {
            if (dump_lit(b, sep, sepn) != 0 ||
                dump_str(b, fjson_object_iter_peek_name(&it), ": ", sp ? 2 : 1) != 0 ||
                dump_val(fjson_object_iter_peek_value(&it), flags, b) != 0) {
                return -1;
            }
            sep = sp ? ", " : ",";
            fjson_object_iter_next(&it);
        }
        if (sep[0] == '{') {
            return sp ? dump_lit(b, "{ }", 3) : dump_lit(b, "{}", 2);
        }
        return sp ? dump_lit(b, " }", 2) : dump_lit(b, "}", 1);
    }
    case fjson_type_array: {
        size_t n = fjson_object_array_length(o);
        if (dump_lit(b, "[", 1) != 0) {
            return -1;
        }
        for (size_t i = 0; i < n; i++) {
            if ((i > 0 && dump_lit(b, ",", 1) != 0) || (sp && dump_lit(b, " ", 1) != 0) ||
                dump_val(fjson_object_array_get_idx(o, (int)i), flags, b) != 0) {
                return -1;
            }
        }
        return sp ? dump_lit(b, " ]", 2) : dump_lit(b, "]", 1);
    }
    default:
        /* doubles (and anything newer): the library's own text */
        fjson_object_dump_ext(o, flags, sl_json_dump_cb, b);
        return 0;
    }
}

int sl_json_dump(struct fjson_object *o, int flags, struct sl_buf *b)
{
    int rc;

    (void)sl_buf_reserve(b, 512);      /* one allocation for a typical $!all-json */
    rc = dump_val(o, flags, b);
    if (b->p != NULL) {
        b->p[b->len] = '\0';           /* as sl_buf_append leaves it */
    }
    return rc;
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
    if (sl_json_dump(v, FJSON_TO_STRING_SPACED, &b) != 0) {
        sl_buf_free(&b);
    }
    if (b.p == NULL) {
        *len = 0;
        return "";
    }
    *to_free = b.p;
    *len = b.len;
    return b.p;
}
