/*
 * expr/regex.c - regular expressions in RainerScript: the per-thread cache of
 * compiled copies behind sl_re_exec() (see expr_int.h for why: glibc regexec() locks the
 * pattern), used by re_match()/re_extract() here and by property filters (rule.c).
 * Each copy carries its literal analysis (util/sl_rxlit.c), made when it is compiled:
 * a subject without the pattern's required literal is REG_NOMATCH without regexec(), and
 * a pattern that is only a literal (with ^, $, .*) is decided by a compare when no
 * submatch positions are asked for.
 *
 * The table is keyed by the use site's id (expr_int.h): a process-unique number given to the
 * site on its first match and never reused, so a lookup compares one integer (issue #20: the
 * address hash plus strcmp() of the pattern cost ~96 instructions per match), and a site of a
 * later configuration at the same address can never find an earlier one's copy.
 *
 * Ownership: the cache belongs to its thread (freed at thread exit or by sl_re_cache_flush());
 * a node's re_data (pattern text, flags, site id) belongs to the node.
 * Concurrency & locking: no shared mutable state: each thread has its own table (pthread key);
 * the id counter and a site's id word are atomics (any thread may be the first to match).
 */
#include "config.h"

#include <pthread.h>
#include <stdatomic.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "util/buf.h"
#include "util/sl_regcomp.h"
#include "util/sl_rxlit.h"
#include "expr/eval_int.h"

/* ---- regex per-thread cache ---- */
struct re_slot {
    uint64_t id;       /* the site's id; 0: free slot */
    int rc;            /* regcomp result; 0 = re valid */
    regex_t re;
    struct sl_rxlit rx; /* prefilter, made with the copy (same thread, same locale) */
};

struct re_cache {
    struct re_slot *v;
    size_t cap;        /* power of two, or 0 */
    size_t n;
};

static pthread_key_t re_tkey;
static pthread_once_t re_once = PTHREAD_ONCE_INIT;
static _Thread_local struct re_cache *tls_re;

static void re_cache_free(struct re_cache *c)
{
    size_t i;

    if (c == NULL) {
        return;
    }
    for (i = 0; i < c->cap; i++) {
        if (c->v[i].id != 0 && c->v[i].rc == 0) {
            regfree(&c->v[i].re);
        }
    }
    free(c->v);
    free(c);
}

static void re_tkey_destroy(void *p)
{
    re_cache_free(p);
}

static void re_tkey_init(void)
{
    (void)pthread_key_create(&re_tkey, re_tkey_destroy);
}

/* ids are handed out in sequence: the low bits spread them over the table */
static struct re_slot *re_probe(struct re_cache *c, uint64_t id)
{
    size_t i = (size_t)id & (c->cap - 1);

    while (c->v[i].id != 0 && c->v[i].id != id) {
        i = (i + 1) & (c->cap - 1);
    }
    return &c->v[i];
}

static void re_grow(struct re_cache *c)
{
    struct re_slot *old = c->v;
    size_t oldcap = c->cap, i;

    c->cap = oldcap == 0 ? 16 : oldcap * 2;
    c->v = sl_xcalloc(c->cap, sizeof(*c->v));
    for (i = 0; i < oldcap; i++) {
        if (old[i].id != 0) {
            /* regex_t is relocatable by plain copy in glibc: it holds only pointers */
            *re_probe(c, old[i].id) = old[i];
        }
    }
    free(old);
}

static _Atomic uint64_t re_next_id = 1;

/* the site's id, given on first use (two threads racing agree on the winner's) */
static uint64_t re_site_id(_Atomic uint64_t *site)
{
    uint64_t id = atomic_load_explicit(site, memory_order_relaxed), want = 0;

    if (id != 0) {
        return id;
    }
    id = atomic_fetch_add_explicit(&re_next_id, 1, memory_order_relaxed);
    if (!atomic_compare_exchange_strong_explicit(site, &want, id, memory_order_relaxed,
                                                 memory_order_relaxed)) {
        id = want;
    }
    return id;
}

/* the site's slot, compiling the thread's copy on first use (out of line: the hit path in
 * re_get stays small) */
static __attribute__((noinline)) struct re_slot *re_add(_Atomic uint64_t *site,
                                                        const char *pattern, int cflags)
{
    struct re_cache *c = tls_re;
    uint64_t id = re_site_id(site);
    struct re_slot *sl;

    if (c == NULL) {
        (void)pthread_once(&re_once, re_tkey_init);
        c = sl_xcalloc(1, sizeof(*c));
        tls_re = c;
        (void)pthread_setspecific(re_tkey, c);
    }
    if (c->cap != 0) {
        sl = re_probe(c, id);
        if (sl->id == id) {
            return sl;
        }
    }
    if ((c->n + 1) * 2 > c->cap) {
        re_grow(c);
    }
    sl = re_probe(c, id);
    c->n++;
    sl->id = id;
    sl->rc = sl_regcomp(&sl->re, pattern, cflags);
    sl_rxlit_analyse(&sl->rx, pattern, cflags);
    return sl;
}

static inline struct re_slot *re_get(_Atomic uint64_t *site, const char *pattern, int cflags)
{
    struct re_cache *c = tls_re;
    uint64_t id = atomic_load_explicit(site, memory_order_relaxed);

    if (id != 0 && c != NULL && c->cap != 0) {
        struct re_slot *sl = &c->v[(size_t)id & (c->cap - 1)];
        if (sl->id == id) {
            return sl;              /* the usual case: the first slot probed */
        }
    }
    return re_add(site, pattern, cflags);
}

int sl_re_exec(_Atomic uint64_t *site, const char *pattern, int cflags, const char *s,
               size_t len, size_t nmatch, regmatch_t *pm)
{
    struct re_slot *sl = re_get(site, pattern, cflags);
    regmatch_t one;
    int v;

    if (sl->rc != 0) {
        return sl->rc;
    }
    v = sl_rxlit_check(&sl->rx, s, len, nmatch == 0 || pm == NULL);
    if (v != SL_RXLIT_UNKNOWN) {
        return v == SL_RXLIT_MATCH ? 0 : REG_NOMATCH;
    }
    if (nmatch == 0 || pm == NULL) {
        nmatch = 1;
        pm = &one;
    }
    pm[0].rm_so = 0;
    pm[0].rm_eo = (regoff_t)len;
    return regexec(&sl->re, s, nmatch, pm, REG_STARTEND);
}

void sl_re_cache_flush(void)
{
    if (tls_re != NULL) {
        (void)pthread_setspecific(re_tkey, NULL);
        re_cache_free(tls_re);
        tls_re = NULL;
    }
}

size_t sl_re_cache_size(void)
{
    return tls_re == NULL ? 0 : tls_re->n;
}

struct re_data {
    char *pat;
    int cflags;
    _Atomic uint64_t site;   /* sl_re_exec's id of this call site (0 until first use) */
};

void re_data_free(void *p)
{
    struct re_data *d = p;

    if (d != NULL) {
        free(d->pat);
        free(d);
    }
}

static int init_regex(struct sl_expr *e, int icase)
{
    struct re_data *d;
    regex_t re;
    int rc;
    char ebuf[256];

    if (e->args[1]->op != SL_E_STR) {
        sl_cfg_error(&e->loc, "param 2 of %s() must be a constant string", e->fname);
        return 1;
    }
    d = sl_xcalloc(1, sizeof(*d));
    d->pat = sl_xstrdup(e->args[1]->str);
    d->cflags = REG_EXTENDED | (icase ? REG_ICASE : 0);
    rc = sl_regcomp(&re, d->pat, d->cflags);
    if (rc != 0) {
        regerror(rc, &re, ebuf, sizeof(ebuf));
        sl_cfg_error(&e->loc, "cannot compile regex '%s': %s", d->pat, ebuf);
        re_data_free(d);
        return 1;
    }
    regfree(&re);
    e->fdata = d;
    return 0;
}

int init_re(struct sl_expr *e)
{
    return init_regex(e, 0);
}

int init_re_i(struct sl_expr *e)
{
    return init_regex(e, 1);
}

void f_re_match(const struct sl_expr *e, struct sl_msg *m, struct sl_val *out)
{
    struct re_data *d = e->fdata;
    struct sl_val a;
    const char *s;
    size_t len;

    fn_arg(e, 0, m, &a);
    s = val_to_str(&a, &len);
    val_num(out, sl_re_exec(&d->site, d->pat, d->cflags, s, len, 0, NULL) == 0);
    val_free(&a);
}

#define RE_MAX_SUB 50

void f_re_extract(const struct sl_expr *e, struct sl_msg *m, struct sl_val *out)
{
    struct re_data *d = e->fdata;
    struct sl_val a, nv, sv, dv;
    regmatch_t pm[RE_MAX_SUB];
    const char *s;
    size_t len, off = 0;
    int64_t want, sub, tries = 0;
    int found = 0;

    fn_arg(e, 0, m, &a);
    fn_arg(e, 2, m, &nv);
    fn_arg(e, 3, m, &sv);
    s = val_to_str(&a, &len);
    want = (int16_t)val_to_num(&nv, NULL);   /* rsyslog keeps it in a short */
    sub = val_to_num(&sv, NULL);
    if (sub >= 0 && sub < RE_MAX_SUB) {
        /* walk successive matches; every iteration consumes input or stops (bounded) */
        while (off <= len) {
            if (sl_re_exec(&d->site, d->pat, d->cflags, s + off, len - off, (size_t)sub + 1, pm) != 0
                || pm[0].rm_so < 0) {
                break;
            }
            if (tries == want) {
                found = 1;
                break;
            }
            if (pm[0].rm_eo == 0) {
                break;   /* empty match at the start: rsyslog would loop here forever */
            }
            off += (size_t)pm[0].rm_eo;
            tries++;
        }
    }
    if (found && pm[sub].rm_so >= 0) {
        val_copy_str(out, s + off + pm[sub].rm_so, (size_t)(pm[sub].rm_eo - pm[sub].rm_so));
    } else {
        size_t dl;
        const char *ds;
        fn_arg(e, 4, m, &dv);
        ds = val_to_str(&dv, &dl);
        val_copy_str(out, ds, dl);
        val_free(&dv);
    }
    val_free(&a);
    val_free(&nv);
    val_free(&sv);
}
