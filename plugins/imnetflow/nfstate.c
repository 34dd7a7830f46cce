/*
 * nfstate.c - imnetflow's collector state: exporters (address + port), sources (exporter,
 * protocol, observation domain / source id), the template cache keyed by (exporter address
 * and port, domain, template ID), data sets held until their template arrives, sampling
 * rates from options data, sequence tracking, and persistence of the template cache.
 *
 * Bounds (struct nf_conf): exporters, domains per exporter, templates per exporter, fields
 * per template (NF_MAX_FIELDS), bytes of held data; every refusal is counted.  Templates and
 * options templates expire when not refreshed within their lifetimes; held data expires after
 * held_timeout_ms (counted as HELD_EXPIRED).  Exporters and sources are kept for the
 * collector's life (bounded by max_exporters * max_domains).
 *
 * Persistence: a text file, one template per line
 *   "T family address port version domain tid options scope expires_ms n pen:id:len ..."
 * written to PATH.tmp, fsync'ed and renamed over PATH, so a crash leaves the old or the new
 * file, never a torn one.  Loading skips expired and malformed lines.
 *
 * Ownership: the collector owns all of it.  Concurrency & locking: none; one thread.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "nfint.h"

const char *const nf_counter_names[NFC_N] = {
    [NFC_DATAGRAMS] = "datagrams",
    [NFC_FLOWS] = "flows",
    [NFC_SEQ_LOST] = "sequence.lost",
    [NFC_SEQ_RESETS] = "sequence.resets",
    [NFC_NOTEMPLATE] = "notemplate.held",
    [NFC_HELD_DECODED] = "notemplate.decoded",
    [NFC_HELD_EXPIRED] = "notemplate.expired",
    [NFC_HELD_DROPPED] = "notemplate.dropped",
    [NFC_MALFORMED] = "malformed",
    [NFC_TEMPLATES] = "templates",
    [NFC_TEMPLATES_CHANGED] = "templates.changed",
    [NFC_TEMPLATES_REFUSED] = "templates.refused",
    [NFC_TEMPLATES_EXPIRED] = "templates.expired",
    [NFC_WITHDRAWN] = "templates.withdrawn",
    [NFC_OPTIONS] = "options.records",
};

void nf_conf_defaults(struct nf_conf *c)
{
    c->tmpl_lifetime_ms = 1800 * 1000;
    c->opt_lifetime_ms = 1800 * 1000;
    c->max_tmpl_per_exporter = 1024;
    c->max_exporters = 1024;
    c->max_domains = 64;
    c->held_max_bytes = 4u << 20;
    c->held_timeout_ms = 60 * 1000;
}

struct nf_coll *nf_coll_new(const struct nf_conf *conf, nf_flow_cb cb, nf_src_cb scb, void *arg)
{
    struct nf_coll *c = calloc(1, sizeof *c);
    if (c == NULL) {
        return NULL;
    }
    if (conf != NULL) {
        c->conf = *conf;
    } else {
        nf_conf_defaults(&c->conf);
    }
    c->cb = cb;
    c->scb = scb;
    c->arg = arg;
    return c;
}

static void tmpl_free_all(struct nf_src *s)
{
    for (size_t b = 0; b < NF_TB; b++) {
        struct nf_tmpl *t = s->tb[b];
        while (t != NULL) {
            struct nf_tmpl *n = t->next;
            free(t);
            t = n;
        }
        s->tb[b] = NULL;
    }
}

void nf_coll_free(struct nf_coll *c)
{
    if (c == NULL) {
        return;
    }
    for (size_t b = 0; b < NF_HB; b++) {
        for (struct nf_src *s = c->sb[b]; s != NULL;) {
            struct nf_src *n = s->next;
            tmpl_free_all(s);
            free(s);
            s = n;
        }
        for (struct nf_exp *e = c->eb[b]; e != NULL;) {
            struct nf_exp *n = e->next;
            free(e);
            e = n;
        }
    }
    for (struct nf_held *h = c->hhead; h != NULL;) {
        struct nf_held *n = h->next;
        free(h);
        h = n;
    }
    free(c);
}

/* ---- exporters and sources ---- */

static size_t addr_bytes(const struct sockaddr *sa, const uint8_t **p, uint16_t *port)
{
    if (sa != NULL && sa->sa_family == AF_INET) {
        const struct sockaddr_in *s4 = (const struct sockaddr_in *)sa;
        *p = (const uint8_t *)&s4->sin_addr;
        *port = ntohs(s4->sin_port);
        return 4;
    }
    if (sa != NULL && sa->sa_family == AF_INET6) {
        const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)sa;
        *p = (const uint8_t *)&s6->sin6_addr;
        *port = ntohs(s6->sin6_port);
        return 16;
    }
    static const uint8_t none[1];
    *p = none;
    *port = 0;
    return 0;
}

static uint64_t fnv(uint64_t h, const void *p, size_t n)
{
    const uint8_t *b = p;
    for (size_t i = 0; i < n; i++) {
        h ^= b[i];
        h *= 1099511628211ULL;
    }
    return h;
}

static int exp_match(const struct nf_exp *e, const uint8_t *a, size_t al, uint16_t port)
{
    const uint8_t *ea;
    uint16_t ep;
    size_t el = addr_bytes((const struct sockaddr *)&e->sa, &ea, &ep);
    return el == al && ep == port && memcmp(ea, a, al) == 0;
}

static struct nf_exp *exp_get(struct nf_coll *c, const struct sockaddr *peer, socklen_t plen)
{
    const uint8_t *a;
    uint16_t port;
    size_t al = addr_bytes(peer, &a, &port);
    uint64_t h = fnv(fnv(1469598103934665603ULL, a, al), &port, sizeof port);
    size_t b = h % NF_HB;
    for (struct nf_exp *e = c->eb[b]; e != NULL; e = e->next) {
        if (exp_match(e, a, al, port)) {
            return e;
        }
    }
    if (c->nexp >= c->conf.max_exporters) {
        return NULL;
    }
    struct nf_exp *e = calloc(1, sizeof *e);
    if (e == NULL) {
        return NULL;
    }
    if (peer != NULL && plen > 0 && (size_t)plen <= sizeof e->sa) {
        memcpy(&e->sa, peer, plen);
        e->salen = plen;
    }
    if (al == 4) {
        inet_ntop(AF_INET, a, e->name, sizeof e->name);
    } else if (al == 16) {
        const struct in6_addr *a6 = (const struct in6_addr *)a;
        if (IN6_IS_ADDR_V4MAPPED(a6)) {
            inet_ntop(AF_INET, a + 12, e->name, sizeof e->name);
        } else {
            inet_ntop(AF_INET6, a, e->name, sizeof e->name);
        }
    } else {
        strcpy(e->name, "local");
    }
    e->next = c->eb[b];
    c->eb[b] = e;
    c->nexp++;
    return e;
}

struct nf_src *nf_src_get(struct nf_coll *c, const struct sockaddr *peer, socklen_t peerlen,
                          uint8_t version, uint32_t domain)
{
    struct nf_src *l = c->last;
    if (l != NULL && l->domain == domain && l->version == version) {
        const uint8_t *a;
        uint16_t port;
        size_t al = addr_bytes(peer, &a, &port);
        if (exp_match(l->exp, a, al, port)) {
            return l;
        }
    }
    struct nf_exp *e = exp_get(c, peer, peerlen);
    if (e == NULL) {
        return NULL;
    }
    uint64_t h = fnv(fnv((uint64_t)(uintptr_t)e, &domain, sizeof domain), &version, 1);
    size_t b = h % NF_HB;
    for (struct nf_src *s = c->sb[b]; s != NULL; s = s->next) {
        if (s->exp == e && s->domain == domain && s->version == version) {
            c->last = s;
            return s;
        }
    }
    if (e->ndomains >= c->conf.max_domains) {
        return NULL;
    }
    struct nf_src *s = calloc(1, sizeof *s);
    if (s == NULL) {
        return NULL;
    }
    s->exp = e;
    s->domain = domain;
    s->version = version;
    for (int i = 0; i < NFC_N; i++) {
        s->c[i] = &s->local[i];
    }
    if (c->scb != NULL) {
        c->scb(c->arg, e->name, domain, s->c);
    }
    s->next = c->sb[b];
    c->sb[b] = s;
    e->ndomains++;
    c->last = s;
    return s;
}

void nf_src_count(struct nf_src *s, enum nf_counter k, uint64_t n)
{
    if (s != NULL && n > 0) {
        atomic_fetch_add_explicit(s->c[k], n, memory_order_relaxed);
    }
}

void nf_src_seq(struct nf_src *s, uint32_t seq, uint32_t next, int valid_next)
{
    if (s->seq_valid) {
        int32_t d = (int32_t)(seq - s->seq_next);
        if (d > 0) {
            nf_src_count(s, NFC_SEQ_LOST, (uint64_t)d);
        } else if (d < 0) {
            nf_src_count(s, NFC_SEQ_RESETS, 1);
        }
    }
    s->seq_next = next;
    s->seq_valid = valid_next;
}

/* IPFIX sequence numbers: RFC 7011 counts the data records sent before this message, so the
 * step from the previous message is the previous message's record count.  Some exporters
 * (softflowd 1.1) count up to and including this message's flow records (options records
 * left out): the step is this message's flow count.  The first step that matches one of
 * them fixes the convention for the source; until then nothing is counted. */
void nf_src_seq_ipfix(struct nf_src *s, uint32_t seq, uint32_t records, uint32_t flows,
                      int valid)
{
    if (s->seq_valid) {
        uint32_t d = seq - s->seq_prev;
        if (s->seq_mode == 0 && valid) {
            if (d == s->prev_records) {
                s->seq_mode = 1;
            } else if (d == flows) {
                s->seq_mode = 2;
            }
        }
        if (s->seq_mode == 1 || (s->seq_mode == 2 && valid)) {
            int32_t gap = (int32_t)(d - (s->seq_mode == 1 ? s->prev_records : flows));
            if (gap > 0) {
                nf_src_count(s, NFC_SEQ_LOST, (uint64_t)gap);
            } else if (gap < 0) {
                nf_src_count(s, NFC_SEQ_RESETS, 1);
            }
        }
    }
    s->seq_prev = seq;
    s->prev_records = records;
    /* valid: this message's records are all counted (no held data, not malformed); the RFC
     * convention needs them for the next check, the other one only the next message's */
    s->seq_valid = valid || s->seq_mode == 2;
}

uint64_t nf_src_rate(const struct nf_src *s, int has_id, uint64_t id)
{
    if (has_id) {
        for (size_t i = 0; i < s->nsamp; i++) {
            if (s->samp[i].id == id) {
                return s->samp[i].rate;
            }
        }
    }
    return s->default_rate;
}

void nf_flow_init(struct nf_flow *fl, struct nf_src *s)
{
    fl->exporter = (const struct sockaddr *)&s->exp->sa;
    fl->exporter_len = s->exp->salen;
    fl->exporter_name = s->exp->name;
    fl->domain = s->domain;
    fl->version = s->version;
    fl->init_ms = s->init_ms;
    fl->init_valid = (uint8_t)s->init_valid;
    fl->sampling = 0;
    fl->n = 0;
}

void nf_emit(struct nf_coll *c, struct nf_src *s, struct nf_flow *fl)
{
    (void)s;
    if (c->cb != NULL) {
        c->cb(c->arg, fl);
    }
}

/* ---- templates ---- */

static void tmpl_unlink(struct nf_coll *c, struct nf_src *s, struct nf_tmpl **pp)
{
    struct nf_tmpl *t = *pp;
    *pp = t->next;
    free(t);
    s->exp->ntmpl--;
    c->ntmpl--;
    c->dirty = 1;
}

struct nf_tmpl *nf_tmpl_find(struct nf_coll *c, struct nf_src *s, uint16_t tid)
{
    struct nf_tmpl **pp = &s->tb[tid % NF_TB];
    for (; *pp != NULL; pp = &(*pp)->next) {
        if ((*pp)->tid == tid) {
            if ((*pp)->expires_ms < c->now_ms) {
                tmpl_unlink(c, s, pp);
                nf_src_count(s, NFC_TEMPLATES_EXPIRED, 1);
                return NULL;
            }
            return *pp;
        }
    }
    return NULL;
}

static void held_release(struct nf_coll *c, struct nf_src *s, struct nf_tmpl *t);

int nf_tmpl_add(struct nf_coll *c, struct nf_src *s, uint16_t tid, int options, uint16_t scope,
                const struct nf_tfield *f, uint16_t n)
{
    uint32_t minlen = 0;
    for (uint16_t i = 0; i < n; i++) {
        minlen += f[i].len == NF_VARLEN ? 1u : f[i].len;
    }
    if (n == 0 || n > NF_MAX_FIELDS || minlen == 0 || scope > n) {
        nf_src_count(s, NFC_TEMPLATES_REFUSED, 1);
        return -1;
    }
    int64_t life = options ? c->conf.opt_lifetime_ms : c->conf.tmpl_lifetime_ms;
    nf_src_count(s, NFC_TEMPLATES, 1);
    struct nf_tmpl **pp = &s->tb[tid % NF_TB];
    for (; *pp != NULL; pp = &(*pp)->next) {
        if ((*pp)->tid == tid) {
            break;
        }
    }
    struct nf_tmpl *old = *pp;
    if (old != NULL && old->nfields == n && old->options == options && old->scope == scope &&
        memcmp(old->f, f, n * sizeof *f) == 0) {
        if (old->expires_ms != c->now_ms + life) {
            old->expires_ms = c->now_ms + life;
        }
        return 0;
    }
    if (old == NULL && s->exp->ntmpl >= c->conf.max_tmpl_per_exporter) {
        nf_src_count(s, NFC_TEMPLATES_REFUSED, 1);
        return -1;
    }
    struct nf_tmpl *t = malloc(sizeof *t + n * sizeof *f);
    if (t == NULL) {
        nf_src_count(s, NFC_TEMPLATES_REFUSED, 1);
        return -1;
    }
    t->tid = tid;
    t->nfields = n;
    t->scope = scope;
    t->options = (uint8_t)(options != 0);
    t->minlen = minlen;
    t->expires_ms = c->now_ms + life;
    memcpy(t->f, f, n * sizeof *f);
    if (old != NULL) {
        nf_src_count(s, NFC_TEMPLATES_CHANGED, 1);
        t->next = old->next;
        free(old);
        *pp = t;
    } else {
        t->next = s->tb[tid % NF_TB];
        s->tb[tid % NF_TB] = t;
        s->exp->ntmpl++;
        c->ntmpl++;
    }
    c->dirty = 1;
    if (c->hhead != NULL) {
        held_release(c, s, t);
    }
    return 0;
}

void nf_tmpl_withdraw(struct nf_coll *c, struct nf_src *s, uint16_t tid)
{
    struct nf_tmpl **pp = &s->tb[tid % NF_TB];
    for (; *pp != NULL; pp = &(*pp)->next) {
        if ((*pp)->tid == tid) {
            tmpl_unlink(c, s, pp);
            nf_src_count(s, NFC_WITHDRAWN, 1);
            return;
        }
    }
}

void nf_tmpl_withdraw_all(struct nf_coll *c, struct nf_src *s, int options)
{
    for (size_t b = 0; b < NF_TB; b++) {
        struct nf_tmpl **pp = &s->tb[b];
        while (*pp != NULL) {
            if ((*pp)->options == (options != 0)) {
                tmpl_unlink(c, s, pp);
                nf_src_count(s, NFC_WITHDRAWN, 1);
            } else {
                pp = &(*pp)->next;
            }
        }
    }
}

/* ---- data held until its template arrives ---- */

void nf_held_add(struct nf_coll *c, struct nf_src *s, uint16_t tid, const struct nf_hctx *h,
                 const uint8_t *p, size_t len)
{
    nf_src_count(s, NFC_NOTEMPLATE, 1);
    if (c->hbytes + len > c->conf.held_max_bytes) {
        nf_src_count(s, NFC_HELD_DROPPED, 1);
        return;
    }
    struct nf_held *e = malloc(sizeof *e + len);
    if (e == NULL) {
        nf_src_count(s, NFC_HELD_DROPPED, 1);
        return;
    }
    e->next = NULL;
    e->src = s;
    e->tid = tid;
    e->expires_ms = c->now_ms + c->conf.held_timeout_ms;
    e->h = *h;
    e->len = len;
    memcpy(e->data, p, len);
    if (c->htail != NULL) {
        c->htail->next = e;
    } else {
        c->hhead = e;
    }
    c->htail = e;
    c->hbytes += len;
}

/* Unlink held entries for (s, t->tid) in arrival order, then decode them. */
static void held_release(struct nf_coll *c, struct nf_src *s, struct nf_tmpl *t)
{
    struct nf_held *mine = NULL, **mt = &mine, *prev = NULL;
    for (struct nf_held *e = c->hhead; e != NULL;) {
        struct nf_held *n = e->next;
        if (e->src == s && e->tid == t->tid) {
            if (prev != NULL) {
                prev->next = n;
            } else {
                c->hhead = n;
            }
            if (c->htail == e) {
                c->htail = prev;
            }
            c->hbytes -= e->len;
            e->next = NULL;
            *mt = e;
            mt = &e->next;
        } else {
            prev = e;
        }
        e = n;
    }
    while (mine != NULL) {
        struct nf_held *n = mine->next;
        /* an options template here changes sampling/init time, not the held data's layout */
        if (nf9_data_set(c, s, t, &mine->h, mine->data, mine->len) >= 0) {
            nf_src_count(s, NFC_HELD_DECODED, 1);
        }
        free(mine);
        mine = n;
    }
}

void nf_coll_tick(struct nf_coll *c, int64_t now_ms)
{
    c->now_ms = now_ms;
    struct nf_held *prev = NULL;
    for (struct nf_held *e = c->hhead; e != NULL;) {
        struct nf_held *n = e->next;
        if (e->expires_ms <= now_ms) {
            if (prev != NULL) {
                prev->next = n;
            } else {
                c->hhead = n;
            }
            if (c->htail == e) {
                c->htail = prev;
            }
            c->hbytes -= e->len;
            nf_src_count(e->src, NFC_HELD_EXPIRED, 1);
            free(e);
        } else {
            prev = e;
        }
        e = n;
    }
    for (size_t b = 0; b < NF_HB; b++) {
        for (struct nf_src *s = c->sb[b]; s != NULL; s = s->next) {
            for (size_t tb = 0; tb < NF_TB; tb++) {
                struct nf_tmpl **pp = &s->tb[tb];
                while (*pp != NULL) {
                    if ((*pp)->expires_ms < now_ms) {
                        tmpl_unlink(c, s, pp);
                        nf_src_count(s, NFC_TEMPLATES_EXPIRED, 1);
                    } else {
                        pp = &(*pp)->next;
                    }
                }
            }
        }
    }
}

int nf_decode(struct nf_coll *c, const struct sockaddr *peer, socklen_t peerlen,
              const uint8_t *buf, size_t len, int64_t now_ms)
{
    c->now_ms = now_ms;
    if (len < 2) {
        return NF_EMALFORMED;
    }
    switch (nf_be16(buf)) {
    case 5:
        return nf_decode_v5(c, peer, peerlen, buf, len);
    case 9:
    case 10:
        return nf_decode_v9(c, peer, peerlen, buf, len, now_ms);
    default:
        return NF_EVERSION;
    }
}

/* ---- numbers ---- */

size_t nf_coll_templates(const struct nf_coll *c)
{
    return c->ntmpl;
}

size_t nf_coll_held_bytes(const struct nf_coll *c)
{
    return c->hbytes;
}

int nf_coll_dirty(const struct nf_coll *c)
{
    return c->dirty;
}

uint64_t nf_coll_counter(const struct nf_coll *c, const char *exporter, uint32_t domain,
                         enum nf_counter k)
{
    uint64_t v = 0;
    for (size_t b = 0; b < NF_HB; b++) {
        for (const struct nf_src *s = c->sb[b]; s != NULL; s = s->next) {
            if (s->domain == domain && strcmp(s->exp->name, exporter) == 0) {
                v += atomic_load(s->c[k]);
            }
        }
    }
    return v;
}

/* ---- persistence ---- */

int nf_coll_save(struct nf_coll *c, const char *path, int64_t now_ms)
{
    size_t pl = strlen(path);
    char *tmp = malloc(pl + 5);
    if (tmp == NULL) {
        return -1;
    }
    memcpy(tmp, path, pl);
    memcpy(tmp + pl, ".tmp", 5);
    FILE *f = fopen(tmp, "w");
    if (f == NULL) {
        free(tmp);
        return -1;
    }
    fprintf(f, "# imnetflow template cache v1\n");
    for (size_t b = 0; b < NF_HB; b++) {
        for (const struct nf_src *s = c->sb[b]; s != NULL; s = s->next) {
            const uint8_t *a;
            uint16_t port;
            size_t al = addr_bytes((const struct sockaddr *)&s->exp->sa, &a, &port);
            if (al == 0) {
                continue;
            }
            char as[INET6_ADDRSTRLEN];
            inet_ntop(al == 4 ? AF_INET : AF_INET6, a, as, sizeof as);
            for (size_t tb = 0; tb < NF_TB; tb++) {
                for (const struct nf_tmpl *t = s->tb[tb]; t != NULL; t = t->next) {
                    if (t->expires_ms < now_ms) {
                        continue;
                    }
                    fprintf(f, "T %d %s %u %u %u %u %u %u %lld %u", al == 4 ? 4 : 6, as, port,
                            s->version, s->domain, t->tid, t->options, t->scope,
                            (long long)t->expires_ms, t->nfields);
                    for (uint16_t i = 0; i < t->nfields; i++) {
                        fprintf(f, " %u:%u:%u", t->f[i].pen, t->f[i].id, t->f[i].len);
                    }
                    fputc('\n', f);
                }
            }
        }
    }
    int rc = 0;
    if (fflush(f) != 0 || fsync(fileno(f)) != 0) {
        rc = -1;
    }
    if (fclose(f) != 0) {
        rc = -1;
    }
    if (rc == 0 && rename(tmp, path) != 0) {
        rc = -1;
    }
    if (rc != 0) {
        int e = errno;
        unlink(tmp);
        errno = e;
    } else {
        c->dirty = 0;
    }
    free(tmp);
    return rc;
}

int nf_coll_load(struct nf_coll *c, const char *path, int64_t now_ms)
{
    FILE *f = fopen(path, "r");
    if (f == NULL) {
        return -1;
    }
    char *line = NULL;
    size_t cap = 0;
    struct nf_tfield *fv = malloc(NF_MAX_FIELDS * sizeof *fv);
    if (fv == NULL) {
        fclose(f);
        return -1;
    }
    int64_t save_now = c->now_ms;
    while (getline(&line, &cap, f) > 0) {
        int fam, off = 0;
        char as[64];
        unsigned port, ver, dom, tid, opt, scope, n;
        long long exp;
        if (sscanf(line, "T %d %63s %u %u %u %u %u %u %lld %u%n", &fam, as, &port, &ver, &dom,
                   &tid, &opt, &scope, &exp, &n, &off) != 10) {
            continue;
        }
        if (exp < now_ms || n == 0 || n > NF_MAX_FIELDS || port > 65535 || tid > 65535 ||
            scope > n || (ver != 9 && ver != 10)) {
            continue;
        }
        const char *p = line + off;
        unsigned i;
        for (i = 0; i < n; i++) {
            unsigned pen, id, l;
            int k = 0;
            if (sscanf(p, " %u:%u:%u%n", &pen, &id, &l, &k) != 3 || id > 65535 || l > 65535) {
                break;
            }
            fv[i].pen = pen;
            fv[i].id = (uint16_t)id;
            fv[i].len = (uint16_t)l;
            p += k;
        }
        if (i != n) {
            continue;
        }
        struct sockaddr_storage ss;
        memset(&ss, 0, sizeof ss);
        socklen_t sl;
        if (fam == 4) {
            struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;
            s4->sin_family = AF_INET;
            s4->sin_port = htons((uint16_t)port);
            if (inet_pton(AF_INET, as, &s4->sin_addr) != 1) {
                continue;
            }
            sl = sizeof *s4;
        } else {
            struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;
            s6->sin6_family = AF_INET6;
            s6->sin6_port = htons((uint16_t)port);
            if (inet_pton(AF_INET6, as, &s6->sin6_addr) != 1) {
                continue;
            }
            sl = sizeof *s6;
        }
        struct nf_src *s = nf_src_get(c, (struct sockaddr *)&ss, sl, (uint8_t)ver, dom);
        if (s == NULL) {
            continue;
        }
        /* the template keeps its remaining lifetime */
        int64_t life = opt ? c->conf.opt_lifetime_ms : c->conf.tmpl_lifetime_ms;
        c->now_ms = (int64_t)exp - life;
        nf_tmpl_add(c, s, (uint16_t)tid, (int)opt, (uint16_t)scope, fv, (uint16_t)n);
    }
    c->now_ms = save_now;
    c->dirty = 0;
    free(fv);
    free(line);
    fclose(f);
    return 0;
}
