/*
 * expr/lookup.c - lookup tables (rsyslog's JSON format, version 1: "string",
 * "array", "sparseArray", "nomatch"): loading a table file, and lookup("table", key).
 * Binding lookup() calls to the lookup_table() objects is done at load time by
 * conf/expr_resolve.c.
 *
 * Ownership: a table is shared by the lookup() nodes bound to it (atomic reference count,
 * lookup_unref).
 * Reload (HUP, as rsyslog's lookupDoHUP; lookup_table(reloadOnHUP="off") opts out): the
 * file is read again into a new table outside any lock; if that fails the old contents stay
 * and the error is logged; else the contents are swapped under the table's write lock and
 * the old ones freed.  rsyslog reloads on a thread of its own; here it runs on the thread
 * that handles the HUP.
 * Concurrency & locking: lookup() reads a table's contents under its rwlock (shared); the
 * list of bound tables has one mutex (reg_lock), taken by register/unref/reload only.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <libfastjson/json.h>

#include "log.h"
#include "util/buf.h"
#include "expr/eval_int.h"

static pthread_mutex_t reg_lock = PTHREAD_MUTEX_INITIALIZER;
static struct sl_lookup *reg_head;

void lookup_unref(void *p)
{
    struct sl_lookup *t = p;
    size_t i;

    if (t == NULL || atomic_fetch_sub(&t->refs, 1) != 1) {
        return;
    }
    if (t->registered) {
        pthread_mutex_lock(&reg_lock);
        if (t->reg_prev != NULL) {
            t->reg_prev->reg_next = t->reg_next;
        } else {
            reg_head = t->reg_next;
        }
        if (t->reg_next != NULL) {
            t->reg_next->reg_prev = t->reg_prev;
        }
        pthread_mutex_unlock(&reg_lock);
    }
    for (i = 0; i < t->n; i++) {
        free(t->e[i].skey);
        free(t->e[i].val);
    }
    pthread_rwlock_destroy(&t->lock);
    free(t->e);
    free(t->name);
    free(t->nomatch);
    free(t->file);
    free(t);
}

void lookup_register(struct sl_lookup *t, const char *file, int reload_on_hup)
{
    t->file = sl_xstrdup(file);
    t->reload_on_hup = reload_on_hup;
    pthread_mutex_lock(&reg_lock);
    t->reg_prev = NULL;
    t->reg_next = reg_head;
    if (reg_head != NULL) {
        reg_head->reg_prev = t;
    }
    reg_head = t;
    t->registered = 1;
    pthread_mutex_unlock(&reg_lock);
}

/* Put n's contents into t (under t's write lock) and free t's old ones with n. */
static void lookup_swap(struct sl_lookup *t, struct sl_lookup *n)
{
    pthread_rwlock_wrlock(&t->lock);
    int ty = t->type;
    char *nm = t->nomatch;
    size_t cnt = t->n;
    struct lt_entry *e = t->e;
    t->type = n->type;
    t->nomatch = n->nomatch;
    t->n = n->n;
    t->e = n->e;
    pthread_rwlock_unlock(&t->lock);
    n->type = ty;
    n->nomatch = nm;
    n->n = cnt;
    n->e = e;
    n->refs = 1;
    lookup_unref(n);   /* the old contents */
}

int sl_lookup_reload_all(void)
{
    int failed = 0;
    pthread_mutex_lock(&reg_lock);
    for (struct sl_lookup *t = reg_head; t != NULL; t = t->reg_next) {
        if (!t->reload_on_hup) {
            continue;
        }
        struct sl_lookup *n = lookup_load(t->name, t->file, NULL);
        if (n == NULL) {
            failed++;   /* reported; the table keeps its contents */
            continue;
        }
        lookup_swap(t, n);
        sl_log(SL_LOG_INFO, "lookup", "lookup table '%s' reloaded from file '%s'", t->name, t->file);
    }
    pthread_mutex_unlock(&reg_lock);
    return failed;
}

int sl_lookup_reload(void *p, const char *stub)
{
    struct sl_lookup *t = p;
    if (t == NULL || t->file == NULL) {
        return -1;
    }
    struct sl_lookup *n = lookup_load(t->name, t->file, NULL);
    if (n == NULL) {
        if (stub == NULL) {
            return -1;
        }
        /* rsyslog's stub: an empty table whose nomatch is the stub value */
        n = sl_xcalloc(1, sizeof(*n));
        pthread_rwlock_init(&n->lock, NULL);
        n->name = sl_xstrdup(t->name);
        n->type = LT_STRING;
        n->nomatch = sl_xstrdup(stub);
        lookup_swap(t, n);
        sl_log(SL_LOG_WARNING, "lookup", "lookup table '%s' stubbed with value '%s'"
               , t->name, stub);
        return -1;
    }
    lookup_swap(t, n);
    sl_log(SL_LOG_INFO, "lookup", "lookup table '%s' reloaded from file '%s'", t->name, t->file);
    return 0;
}

void sl_lookup_release(void *t)
{
    lookup_unref(t);
}

/* A load error: at config time with the lookup_table()'s FILE:LINE, at a reload (loc NULL)
 * logged as rsyslog does, naming the table. */
static void lt_err(const struct sl_loc *loc, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void lt_err(const struct sl_loc *loc, const char *fmt, ...)
{
    char buf[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    if (loc != NULL) {
        sl_cfg_error(loc, "%s", buf);
    } else {
        sl_log(SL_LOG_ERR, "lookup", "%s (reload failed: the table keeps its contents)", buf);
    }
}

static int lt_cmp(const void *a, const void *b)
{
    const struct lt_entry *x = a, *y = b;

    return strcmp(x->skey, y->skey);
}

/* Numeric tables order and search their keys as rsyslog 8.2302's lookup.c does: with the
 * difference of the two unsigned 32-bit keys taken as an int.  That is not a total order
 * when keys are 2^31 or more apart (e.g. IPv4 addresses as numbers from 10.x to 198.x), so
 * the sorted order, and which entry a sparse lookup finds, follow from the sort and search
 * algorithms: the same qsort() over the entries in file order, and search_lte() below. */
static int lt_ncmp(const void *a, const void *b)
{
    const struct lt_entry *x = a, *y = b;

    return (int)(x->nkey - y->nkey);
}

/* rsyslog's search for a sparseArray: a binary search that remembers the last probe; on a
 * miss it returns that probe, or the one before it if the key compared lower. */
static const struct lt_entry *search_lte(uint32_t key, const struct lt_entry *e, size_t n)
{
    size_t l = 0, u = n, idx = 0;
    int c = 0;

    if (n == 0) {
        return NULL;
    }
    while (l < u) {
        idx = (l + u) / 2;
        c = (int)(key - e[idx].nkey);
        if (c < 0) {
            u = idx;
        } else if (c > 0) {
            l = idx + 1;
        } else {
            return &e[idx];
        }
    }
    if (c < 0) {
        if (idx == 0) {
            return NULL;
        }
        idx--;
    }
    return &e[idx];
}

static const char *json_str_member(struct fjson_object *o, const char *key)
{
    struct fjson_object *v = NULL;

    if (!fjson_object_object_get_ex(o, key, &v) || v == NULL) {
        return NULL;
    }
    return fjson_object_get_string(v);
}

/* The file's JSON as rsyslog's lookupReadFile reads it: the file's size in bytes from
 * fstat(), parsed with that length.  Not fjson_object_from_file(): libfastjson 1.2304
 * hands its read buffer to the parser without a terminating NUL when the file is empty, a
 * heap over-read (fuzz_lookup; an empty file is what a HUP finds while a table is being
 * rewritten in place).  NULL if the file cannot be read or is not one JSON value. */
static struct fjson_object *lt_read_file(const char *file)
{
    int fd = open(file, O_RDONLY | O_CLOEXEC);
    struct stat st;
    if (fd < 0) {
        return NULL;
    }
    if (fstat(fd, &st) != 0 || st.st_size <= 0 || st.st_size >= INT_MAX) {
        close(fd);
        return NULL;
    }
    size_t n = (size_t)st.st_size, got = 0;
    char *buf = sl_xmalloc(n);
    while (got < n) {
        ssize_t r = read(fd, buf + got, n - got);
        if (r < 0 && errno == EINTR) {
            continue;
        }
        if (r <= 0) {
            break;
        }
        got += (size_t)r;
    }
    close(fd);
    struct fjson_object *root = NULL;
    struct fjson_tokener *tok = got == n ? fjson_tokener_new() : NULL;
    if (tok != NULL) {
        root = fjson_tokener_parse_ex(tok, buf, (int)n);
        fjson_tokener_free(tok);
    }
    free(buf);
    return root;
}

/* Load a table file (rsyslog's lookup table JSON, version 1). NULL after a reported error. */
struct sl_lookup *lookup_load(const char *name, const char *file, const struct sl_loc *loc)
{
    struct fjson_object *root = lt_read_file(file), *tab = NULL, *el, *iv;
    struct sl_lookup *t;
    const char *type, *nm;
    int i, n;

    if (root == NULL || !fjson_object_is_type(root, fjson_type_object)) {
        lt_err(loc, "lookup table '%s': cannot read or parse file '%s'", name, file);
        if (root != NULL) {
            fjson_object_put(root);
        }
        return NULL;
    }
    t = sl_xcalloc(1, sizeof(*t));
    t->refs = 0;
    pthread_rwlock_init(&t->lock, NULL);
    t->name = sl_xstrdup(name);
    type = json_str_member(root, "type");
    if (type == NULL || strcmp(type, "string") == 0) {
        t->type = LT_STRING;
    } else if (strcmp(type, "array") == 0) {
        t->type = LT_ARRAY;
    } else if (strcmp(type, "sparseArray") == 0) {
        t->type = LT_SPARSE;
    } else {
        lt_err(loc, "lookup table '%s': unknown type '%s'", name, type);
        goto fail;
    }
    nm = json_str_member(root, "nomatch");
    t->nomatch = sl_xstrdup(nm != NULL ? nm : "");
    if (fjson_object_object_get_ex(root, "table", &tab) && tab != NULL
        && fjson_object_is_type(tab, fjson_type_array)) {
        n = fjson_object_array_length(tab);
        t->e = sl_xcalloc((size_t)n + 1, sizeof(*t->e));
        for (i = 0; i < n; i++) {
            const char *v;
            el = fjson_object_array_get_idx(tab, i);
            if (el == NULL || !fjson_object_is_type(el, fjson_type_object)
                || !fjson_object_object_get_ex(el, "index", &iv) || iv == NULL
                || (v = json_str_member(el, "value")) == NULL) {
                lt_err(loc, "lookup table '%s': entry %d needs \"index\" and \"value\"",
                             name, i);
                goto fail;
            }
            if (t->type == LT_STRING) {
                t->e[t->n].skey = sl_xstrdup(fjson_object_get_string(iv));
            } else {
                /* rsyslog: (uint32_t)json_object_get_int(), which clamps to the int32
                 * range: indexes of 2^31 and more all become 2147483647 */
                t->e[t->n].nkey = (uint32_t)fjson_object_get_int(iv);
            }
            t->e[t->n].val = sl_xstrdup(v);
            t->n++;
        }
        qsort(t->e, t->n, sizeof(*t->e), t->type == LT_STRING ? lt_cmp : lt_ncmp);
    }
    if (t->type == LT_ARRAY) {
        size_t k;
        for (k = 1; k < t->n; k++) {
            if (t->e[k].nkey != (uint32_t)(t->e[k - 1].nkey + 1)) {
                lt_err(loc, "lookup table '%s': array indexes must be consecutive", name);
                goto fail;
            }
        }
    }
    fjson_object_put(root);
    return t;
fail:
    fjson_object_put(root);
    t->refs = 1;
    lookup_unref(t);
    return NULL;
}

int init_lookup(struct sl_expr *e)
{
    if (e->args[0]->op != SL_E_STR) {
        sl_cfg_error(&e->loc, "table name (param 1) of lookup() must be a constant string");
        return 1;
    }
    return 0;   /* bound to its table by sl_expr_bind_lookups() */
}

void f_lookup(const struct sl_expr *e, struct sl_msg *m, struct sl_val *out)
{
    const struct sl_lookup *t = e->fdata;
    const char *res;
    struct sl_val k;

    if (t == NULL) {
        val_copy_str(out, "TABLE-NOT-FOUND", 15);
        return;
    }
    fn_arg(e, 1, m, &k);
    pthread_rwlock_rdlock(&((struct sl_lookup *)t)->lock);
    res = t->nomatch;
    if (t->type == LT_STRING) {
        char *key = val_cstr(&k, NULL);
        struct lt_entry probe = { key, 0, NULL };
        const struct lt_entry *hit =
            t->n > 0 ? bsearch(&probe, t->e, t->n, sizeof(*t->e), lt_cmp) : NULL;
        if (hit != NULL) {
            res = hit->val;
        }
        free(key);
    } else {
        /* rsyslog: (uint32_t) of the number */
        uint32_t key = (uint32_t)val_to_num(&k, NULL);
        if (t->type == LT_ARRAY) {
            if (t->n > 0 && (uint32_t)(key - t->e[0].nkey) < t->n) {
                res = t->e[key - t->e[0].nkey].val;
            }
        } else {
            const struct lt_entry *hit = search_lte(key, t->e, t->n);
            if (hit != NULL) {
                res = hit->val;
            }
        }
    }
    val_copy_str(out, res, strlen(res));
    pthread_rwlock_unlock(&((struct sl_lookup *)t)->lock);
    val_free(&k);
}
