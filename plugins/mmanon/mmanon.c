/*
 * mmanon.c - the mmanon modifier: anonymizes IPv4, IPv6 and IPv6-with-embedded-IPv4
 * addresses in MSG, as rsyslog 8.2302's mmanon does.
 *
 * Scanning (reproduces rsyslog's observable behaviour, checked byte for byte against it):
 *   - MSG is scanned position by position.  At each position the embedded-IPv4 form is
 *     tried first, then IPv4, then IPv6, each at the position where the previous one left
 *     off; a match is replaced and scanning goes on right after it.  Then one byte is
 *     passed over unchecked and the next position follows.
 *   - There is no word-boundary check: "1234.5.6.7" holds the address 234.5.6.7.
 *   - IPv4: four octets of 1..3 digits (value <= 255, a fourth digit makes it no octet)
 *     separated by '.'; whatever follows the last octet does not matter.
 *   - IPv6: up to 8 groups of 1..4 hex digits separated by ':', with at most one "::";
 *     without "::" exactly 8 groups, with it at most 7; parsing stops after the 8th group;
 *     a single ':' not followed by a group, a third ':' after "::", a group of more than 4
 *     digits or a second "::" make the whole candidate invalid.
 *   - Embedded: 6 groups (at most 5 with "::") then ':' (or the "::") and an IPv4 address;
 *     "::" there stands for one group less than it should (see syntax_v6), as in rsyslog.
 * Known difference: rsyslog 8.2302 sometimes leaves an embedded-IPv4 address alone and
 * treats only its IPv4 part, depending on earlier messages of the same action (seen with
 * embeddedipv4.bits="100" after a message holding "::1 ::2 1::1.2.3.4"); sluice always
 * treats such an address as embedded.
 * Anonymization:
 *   - zero (default): the low BITS bits are cleared (ipv4.bits 16, ipv6.bits 96,
 *     embeddedipv4.bits 96) and the address is written normalized: IPv4 without leading
 *     zeros, IPv6 as 8 (embedded: 6) lower-case hex groups without leading zeros and
 *     without "::", the embedded IPv4 part dotted;
 *   - ipv4.mode="simple": each digit of the last ipv4.bits/8 octets becomes ipv4.replaceChar
 *     ("x"), so the length never changes (ipv4.bits is rounded up to a multiple of 8); with
 *     all four octets, digits right before the address go too, as in rsyslog;
 *   - as rsyslog's ipv62num(), a single character after "::" (the last group of
 *     "2001:db8::2") is read as 0;
 *   - random: the low bits become random; random-consistent: the same, but one address
 *     always gets the same replacement for the life of the action (not comparable with
 *     rsyslog byte for byte, by nature).
 * Configuration values rsyslog "corrects" with an error message (bits out of range, an
 * unknown mode, simple mode with bits not a multiple of 8) are corrected the same way and
 * logged as errors from create(), which still succeeds: the core counts an error logged by
 * a modifier's create() as one rsyslog runs past, so -N1 exits 1 and the daemon runs, as
 * rsyslogd does.  The legacy names mode= and replacementChar= are accepted for
 * ipv4.mode= and ipv4.replaceChar=.
 *
 * Ownership and lifetime
 *   - Parameter strings belong to the core.  The instance owns its property handle and the
 *     random-consistent maps; each worker owns its buffers and random state.
 *
 * Concurrency & locking
 *   - process() runs on several ruleset workers at once.  The only shared mutable state is
 *     the random-consistent map of each address family, guarded by inst->map_lock (held
 *     only for one lookup-or-insert).
 */

#include <ctype.h>
#include <pthread.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "sluice/sl_plugin.h"

enum { AM_ZERO = 0, AM_SIMPLE, AM_RANDOM, AM_RANDOM_CONSISTENT };

/* 128-bit address value: hi holds bits 127..64, lo bits 63..0. */
struct u128 {
    uint64_t hi, lo;
};

/* random-consistent map: original -> replacement (chained hash, grows) */
struct amap_ent {
    struct amap_ent *next;
    struct u128 from, to;
};
struct amap {
    struct amap_ent **b;
    size_t nb, n;
};

struct mmanon_inst {
    /* parameters (filled by the core) */
    int v4_enable;
    char *v4_mode;
    char *legacy_mode;
    int64_t v4_bits;
    char *v4_repl;
    char *legacy_repl;
    int v6_enable;
    char *v6_mode;
    int64_t v6_bits;
    int emb_enable;
    char *emb_mode;
    int64_t emb_bits;

    /* runtime */
    const struct sl_host *h;
    void *prop;
    int v4_am, v6_am, emb_am;
    char repl;
    pthread_mutex_t map_lock;
    int lock_init;
    struct amap map4, map6, mapemb;
};

struct mmanon_wrk {
    struct sl_buf in, out;
    uint64_t rng;
};

#define IOFF(f) offsetof(struct mmanon_inst, f)
static const struct sl_param inst_params[] = {
    { "ipv4.enable", SL_PT_BOOL, 0, IOFF(v4_enable), "on", NULL, NULL, NULL },
    { "ipv4.mode", SL_PT_WORD, 0, IOFF(v4_mode), NULL, NULL, NULL,
      "zero, simple, random, random-consistent" },
    { "mode", SL_PT_WORD, SL_P_DEPRECATED, IOFF(legacy_mode), NULL, NULL, NULL,
      "legacy name of ipv4.mode" },
    { "ipv4.bits", SL_PT_POSINT, 0, IOFF(v4_bits), "16", NULL, NULL, NULL },
    { "ipv4.replaceChar", SL_PT_STRING, 0, IOFF(v4_repl), NULL, NULL, NULL, NULL },
    { "replacementChar", SL_PT_STRING, SL_P_DEPRECATED, IOFF(legacy_repl), NULL, NULL, NULL,
      "legacy name of ipv4.replaceChar" },
    { "ipv6.enable", SL_PT_BOOL, 0, IOFF(v6_enable), "on", NULL, NULL, NULL },
    { "ipv6.anonMode", SL_PT_WORD, 0, IOFF(v6_mode), "zero", NULL, NULL, NULL },
    { "ipv6.bits", SL_PT_POSINT, 0, IOFF(v6_bits), "96", NULL, NULL, NULL },
    { "embeddedIpv4.enable", SL_PT_BOOL, 0, IOFF(emb_enable), "on", NULL, NULL, NULL },
    { "embeddedIpv4.anonMode", SL_PT_WORD, 0, IOFF(emb_mode), "zero", NULL, NULL, NULL },
    { "embeddedIpv4.bits", SL_PT_POSINT, 0, IOFF(emb_bits), "96", NULL, NULL, NULL },
    SL_PARAM_END
};

/* ---- configuration ------------------------------------------------------------------ */

static int parse_mode(const struct sl_host *h, const char *pname, const char *v, int allow_simple,
                      int *out)
{
    if (v == NULL || strcmp(v, "zero") == 0) {
        *out = AM_ZERO;
    } else if (allow_simple && strcmp(v, "simple") == 0) {
        *out = AM_SIMPLE;
    } else if (strcmp(v, "random") == 0) {
        *out = AM_RANDOM;
    } else if (strcmp(v, "random-consistent") == 0) {
        *out = AM_RANDOM_CONSISTENT;
    } else {
        /* an error rsyslog runs past (the core counts it, see the file comment) */
        h->log(SL_LOG_ERR, "mmanon", "mmanon: configuration error, unknown option for %s, "
               "will use \"zero\"", pname);
        *out = AM_ZERO;
    }
    return 0;
}

/* rsyslog 8.2302 stores ipv4.bits in an int8_t and the IPv6 ones in a uint8_t before its
 * range check: 33..127 (IPv4) and 129..255 (IPv6) are corrected to the maximum with an
 * error, larger values wrap as they do there.  Returns the value to use. */
static int64_t fix_bits(const struct sl_host *h, const char *pname, int64_t v, int64_t max)
{
    int64_t w = max == 32 ? (int64_t)(int8_t)v : (int64_t)(uint8_t)v;
    if (w > max) {
        h->log(SL_LOG_ERR, "mmanon", "warning: invalid number of %s (%d), corrected to %d",
               pname, (int)v, (int)max);
        return max;
    }
    return w;
}

static void amap_free(struct amap *m)
{
    for (size_t i = 0; i < m->nb; i++) {
        struct amap_ent *e = m->b[i];
        while (e != NULL) {
            struct amap_ent *n = e->next;
            free(e);
            e = n;
        }
    }
    free(m->b);
    memset(m, 0, sizeof(*m));
}

static void mmanon_destroy(void *inst)
{
    struct mmanon_inst *in = inst;
    if (in->prop != NULL) {
        in->h->prop_unref(in->prop);
        in->prop = NULL;
    }
    amap_free(&in->map4);
    amap_free(&in->map6);
    amap_free(&in->mapemb);
    if (in->lock_init) {
        pthread_mutex_destroy(&in->map_lock);
        in->lock_init = 0;
    }
}

static int mmanon_create(void *inst, void *modconf, const struct sl_host *h)
{
    struct mmanon_inst *in = inst;
    (void)modconf;
    in->h = h;
    if (h->struct_size < offsetof(struct sl_host, msg_set_msg) + sizeof(void *) ||
        h->msg_set_msg == NULL) {
        h->log(SL_LOG_ERR, "mmanon", "this sluiced cannot change MSG (no msg_set_msg)");
        return SL_ECONFIG;
    }
    const char *m4 = in->v4_mode != NULL ? in->v4_mode : in->legacy_mode;
    parse_mode(h, "ipv4.mode", m4, 1, &in->v4_am);
    parse_mode(h, "ipv6.anonmode", in->v6_mode, 0, &in->v6_am);
    parse_mode(h, "embeddedipv4.anonmode", in->emb_mode, 0, &in->emb_am);
    in->v4_bits = fix_bits(h, "ipv4.bits", in->v4_bits, 32);
    in->v6_bits = fix_bits(h, "ipv6.bits", in->v6_bits, 128);
    in->emb_bits = fix_bits(h, "embeddedipv4.bits", in->emb_bits, 128);
    if (in->v4_am == AM_SIMPLE && (in->v4_bits % 8 != 0 || in->v4_bits < 0)) {
        /* rsyslog rounds up to a whole octet (a negative value, from the int8_t, to 32) */
        int64_t b = in->v4_bits < 0 ? 32 : (in->v4_bits + 7) / 8 * 8;
        h->log(SL_LOG_ERR, "mmanon", "mmanon: invalid number of ipv4 bits in simple mode, "
               "corrected to %d", (int)b);
        in->v4_bits = b;
    }
    if (in->v4_bits < 0) {
        in->v4_bits = 0;   /* (rsyslog shifts by a negative count: undefined) */
    }
    const char *r = in->v4_repl != NULL ? in->v4_repl : in->legacy_repl;
    if (r == NULL) {
        r = "x";
    }
    if (strlen(r) != 1) {
        h->log(SL_LOG_ERR, "mmanon", "parameter 'ipv4.replacechar' must contain exactly one "
               "character but contains %zu - cannot be processed", strlen(r));
        return SL_ECONFIG;
    }
    in->repl = r[0];
    if (pthread_mutex_init(&in->map_lock, NULL) != 0) {
        return SL_ENOMEM;
    }
    in->lock_init = 1;
    if (h->prop_ref("msg", &in->prop) != 0) {
        h->log(SL_LOG_ERR, "mmanon", "cannot resolve property msg");
        mmanon_destroy(in);
        return SL_ECONFIG;
    }
    return 0;
}

static int mmanon_worker_create(void *inst, void *wrk)
{
    struct mmanon_wrk *w = wrk;
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    w->rng = ((uint64_t)ts.tv_nsec << 20) ^ (uint64_t)ts.tv_sec ^ (uint64_t)(uintptr_t)w ^
             (uint64_t)(uintptr_t)inst;
    if (w->rng == 0) {
        w->rng = 0x9e3779b97f4a7c15ULL;
    }
    return 0;
}

static void mmanon_worker_destroy(void *inst, void *wrk)
{
    struct mmanon_inst *in = inst;
    struct mmanon_wrk *w = wrk;
    in->h->buf_free(&w->in);
    in->h->buf_free(&w->out);
}

/* ---- syntax --------------------------------------------------------------------------- */

/* One IPv4 octet at s[0..len): 1..3 digits, value <= 255, not followed by a digit. */
static int octet(const char *s, size_t len, size_t *n, unsigned *val)
{
    size_t i = 0;
    unsigned v = 0;
    while (i < len && isdigit((unsigned char)s[i])) {
        if (i == 3) {
            return 0;
        }
        v = v * 10 + (unsigned)(s[i] - '0');
        i++;
    }
    if (i == 0 || v > 255) {
        return 0;
    }
    *n = i;
    *val = v;
    return 1;
}

/* An IPv4 address at s: returns its length (0: none) and the value. */
static size_t syntax_ipv4(const char *s, size_t len, uint32_t *addr)
{
    size_t i = 0;
    uint32_t a = 0;
    for (int k = 0; k < 4; k++) {
        size_t n;
        unsigned v;
        if (k > 0) {
            if (i >= len || s[i] != '.') {
                return 0;
            }
            i++;
        }
        if (!octet(s + i, len - i, &n, &v)) {
            return 0;
        }
        i += n;
        a = (a << 8) | v;
    }
    *addr = a;
    return i;
}

static size_t hex_run(const char *s, size_t len, size_t i, unsigned *val)
{
    size_t n = 0;
    unsigned v = 0;
    while (i + n < len && isxdigit((unsigned char)s[i + n])) {
        if (n < 8) {
            int c = tolower((unsigned char)s[i + n]);
            v = v * 16 + (unsigned)(c <= '9' ? c - '0' : c - 'a' + 10);
        }
        n++;
    }
    *val = v;
    return n;
}

/* Shared IPv6 group parser.  embedded: the groups must end in an IPv4 address.
 * Returns the length matched (0: no address) and the 128-bit value. */
static size_t syntax_v6(const char *s, size_t len, int embedded, struct u128 *out)
{
    uint16_t head[8], tail[8];
    int nh = 0, nt = 0, abbrev = 0;
    size_t i = 0, after_abbrev = 0;
    uint32_t v4 = 0;
    int have_v4 = 0;
    if (len >= 2 && s[0] == ':' && s[1] == ':') {
        abbrev = 1;
        i = 2;
        after_abbrev = 2;
        if (i < len && s[i] == ':') {
            return 0;
        }
    } else if (len >= 1 && s[0] == ':') {
        return 0;
    }
    int max_groups = embedded ? 6 : 8;
    for (;;) {
        int groups = nh + nt;
        if (embedded && ((abbrev && groups <= 5) || (!abbrev && groups == 6))) {
            size_t n4 = syntax_ipv4(s + i, len - i, &v4);
            if (n4 > 0) {
                i += n4;
                have_v4 = 1;
                break;
            }
        }
        unsigned g;
        size_t n = hex_run(s, len, i, &g);
        if (n == 0) {
            /* allowed only right after "::" (an address ending in it) */
            if (!embedded && abbrev && i >= 2 && s[i - 1] == ':' && s[i - 2] == ':') {
                break;
            }
            return 0;
        }
        if (n > 4) {
            return 0;
        }
        i += n;
        if (abbrev) {
            tail[nt++] = (uint16_t)g;
        } else {
            head[nh++] = (uint16_t)g;
        }
        groups++;
        if (abbrev ? groups > max_groups - 1 : groups > max_groups) {
            return 0;
        }
        if (!embedded && !abbrev && groups == 8) {
            break;
        }
        if (i < len && s[i] == ':') {
            if (i + 1 < len && s[i + 1] == ':') {
                if (abbrev) {
                    return 0;
                }
                abbrev = 1;
                i += 2;
                after_abbrev = i;
                if (i < len && s[i] == ':') {
                    return 0;
                }
            } else {
                i += 1;
            }
            continue;
        }
        if (embedded) {
            return 0;
        }
        if (!abbrev) {
            return 0;   /* fewer than 8 groups without "::" */
        }
        break;
    }
    if (embedded && !have_v4) {
        return 0;
    }
    if (!embedded && abbrev && i - after_abbrev <= 1) {
        /* rsyslog 8.2302's ipv62num() reads the groups after "::" only when at least two
         * characters follow it: a single-digit last group ("2001:db8::2", "::1") counts
         * as 0 */
        nt = 0;
    }
    /* assemble the 8 groups */
    uint16_t g8[8];
    int total = embedded ? 6 : 8;
    memset(g8, 0, sizeof(g8));
    for (int k = 0; k < nh; k++) {
        g8[k] = head[k];
    }
    /* rsyslog 8.2302 expands "::" in the embedded form to one group too few: the groups
     * after it end at group 4 and group 5 stays 0 ("::a:b:c:d:1.2.3.4" is 0:a:b:c:d:0:...) */
    int tail_end = embedded && abbrev ? total - 1 : total;
    for (int k = 0; k < nt; k++) {
        g8[tail_end - nt + k] = tail[k];
    }
    if (embedded) {
        g8[6] = (uint16_t)(v4 >> 16);
        g8[7] = (uint16_t)(v4 & 0xffff);
    }
    out->hi = ((uint64_t)g8[0] << 48) | ((uint64_t)g8[1] << 32) | ((uint64_t)g8[2] << 16) | g8[3];
    out->lo = ((uint64_t)g8[4] << 48) | ((uint64_t)g8[5] << 32) | ((uint64_t)g8[6] << 16) | g8[7];
    return i;
}

/* ---- anonymization ------------------------------------------------------------------- */

static uint64_t rng_next(struct mmanon_wrk *w)
{
    uint64_t x = w->rng;   /* xorshift64* */
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    w->rng = x;
    return x * 0x2545f4914f6cdd1dULL;
}

/* mask of the low `bits` bits (0..128) */
static struct u128 low_mask(int64_t bits)
{
    struct u128 m = { 0, 0 };
    if (bits >= 128) {
        m.hi = m.lo = ~0ULL;
    } else if (bits >= 64) {
        m.lo = ~0ULL;
        m.hi = bits == 64 ? 0 : (~0ULL >> (128 - bits));
    } else if (bits > 0) {
        m.lo = ~0ULL >> (64 - bits);
    }
    return m;
}

static size_t amap_hash(const struct u128 *a)
{
    uint64_t x = a->hi * 0x9e3779b97f4a7c15ULL ^ a->lo;
    x ^= x >> 29;
    x *= 0xbf58476d1ce4e5b9ULL;
    x ^= x >> 32;
    return (size_t)x;
}

/* Looks `from` up in m; inserts `cand` if absent.  Returns the mapped value.  Caller holds
 * the lock.  On allocation failure the candidate is used unmapped. */
static struct u128 amap_get(struct amap *m, struct u128 from, struct u128 cand)
{
    if (m->nb == 0 || m->n >= m->nb * 2) {
        size_t nb = m->nb == 0 ? 256 : m->nb * 4;
        struct amap_ent **b = calloc(nb, sizeof(*b));
        if (b != NULL) {
            for (size_t i = 0; i < m->nb; i++) {
                struct amap_ent *e = m->b[i];
                while (e != NULL) {
                    struct amap_ent *n = e->next;
                    size_t k = amap_hash(&e->from) % nb;
                    e->next = b[k];
                    b[k] = e;
                    e = n;
                }
            }
            free(m->b);
            m->b = b;
            m->nb = nb;
        }
    }
    if (m->nb == 0) {
        return cand;
    }
    size_t k = amap_hash(&from) % m->nb;
    for (struct amap_ent *e = m->b[k]; e != NULL; e = e->next) {
        if (e->from.hi == from.hi && e->from.lo == from.lo) {
            return e->to;
        }
    }
    struct amap_ent *e = malloc(sizeof(*e));
    if (e != NULL) {
        e->from = from;
        e->to = cand;
        e->next = m->b[k];
        m->b[k] = e;
        m->n++;
    }
    return cand;
}

static struct u128 anonymize(struct mmanon_inst *in, struct mmanon_wrk *w, struct amap *map,
                             int mode, int64_t bits, struct u128 a)
{
    struct u128 m = low_mask(bits);
    struct u128 r = { a.hi & ~m.hi, a.lo & ~m.lo };
    if (mode == AM_ZERO || mode == AM_SIMPLE) {
        return r;
    }
    struct u128 cand = { r.hi | (rng_next(w) & m.hi), r.lo | (rng_next(w) & m.lo) };
    if (mode == AM_RANDOM) {
        return cand;
    }
    pthread_mutex_lock(&in->map_lock);
    struct u128 res = amap_get(map, a, cand);
    pthread_mutex_unlock(&in->map_lock);
    return res;
}

static int out_append(struct mmanon_inst *in, struct sl_buf *b, const char *p, size_t n)
{
    if (in->h->buf_reserve(b, n + 1) != 0) {
        return SL_ENOMEM;
    }
    memcpy(b->p + b->len, p, n);
    b->len += n;
    return 0;
}

static int emit_v6(struct mmanon_inst *in, struct sl_buf *b, struct u128 a, int embedded)
{
    char tmp[64];
    uint16_t g[8];
    for (int k = 0; k < 4; k++) {
        g[k] = (uint16_t)(a.hi >> (48 - 16 * k));
        g[4 + k] = (uint16_t)(a.lo >> (48 - 16 * k));
    }
    int n;
    if (embedded) {
        n = snprintf(tmp, sizeof(tmp), "%x:%x:%x:%x:%x:%x:%u.%u.%u.%u", g[0], g[1], g[2], g[3],
                     g[4], g[5], (unsigned)(g[6] >> 8), (unsigned)(g[6] & 0xff),
                     (unsigned)(g[7] >> 8), (unsigned)(g[7] & 0xff));
    } else {
        n = snprintf(tmp, sizeof(tmp), "%x:%x:%x:%x:%x:%x:%x:%x", g[0], g[1], g[2], g[3], g[4],
                     g[5], g[6], g[7]);
    }
    return out_append(in, b, tmp, (size_t)n);
}

/* IPv4 at s[0..n): writes its replacement. */
static int emit_v4(struct mmanon_inst *in, struct mmanon_wrk *w, const char *s, size_t n,
                   uint32_t addr)
{
    if (in->v4_am == AM_SIMPLE) {
        /* octets from the right whose digits are replaced */
        int keep = 4 - (int)(in->v4_bits / 8);
        size_t start = w->out.len;
        if (out_append(in, &w->out, s, n) != 0) {
            return SL_ENOMEM;
        }
        int oct = 0;
        for (size_t k = 0; k < n; k++) {
            char c = s[k];
            if (c == '.') {
                oct++;
            } else if (oct >= keep) {
                w->out.p[start + k] = in->repl;
            }
        }
        if (keep <= 0) {
            /* rsyslog's simpleAnon() goes on to the left while it finds digits: with all
             * four octets replaced, digits just before the address go too ("256.1.1.1",
             * whose address starts at "56", becomes "xxx.x.x.x") */
            for (size_t k = start; k > 0 && isdigit((unsigned char)w->out.p[k - 1]); k--) {
                w->out.p[k - 1] = in->repl;
            }
        }
        return 0;
    }
    struct u128 a = { 0, addr };
    struct u128 r = anonymize(in, w, &in->map4, in->v4_am, in->v4_bits, a);
    uint32_t v = (uint32_t)r.lo;
    char tmp[32];
    int len = snprintf(tmp, sizeof(tmp), "%u.%u.%u.%u", v >> 24, (v >> 16) & 0xff,
                       (v >> 8) & 0xff, v & 0xff);
    return out_append(in, &w->out, tmp, (size_t)len);
}

static int mmanon_process(void *inst, void *wrk, struct sl_msg *m)
{
    struct mmanon_inst *in = inst;
    struct mmanon_wrk *w = wrk;
    const struct sl_host *h = in->h;
    w->in.len = 0;
    w->out.len = 0;
    if (h->msg_prop(m, in->prop, &w->in) != 0 || w->in.len == 0) {
        return SL_OK;
    }
    const char *s = w->in.p;
    size_t len = w->in.len;
    int changed = 0;
    size_t i = 0;
    while (i < len) {
        struct u128 a;
        uint32_t v4;
        size_t n;
        if (in->emb_enable && i < len && (n = syntax_v6(s + i, len - i, 1, &a)) > 0) {
            struct u128 r = anonymize(in, w, &in->mapemb, in->emb_am, in->emb_bits, a);
            if (emit_v6(in, &w->out, r, 1) != 0) {
                return SL_OK;
            }
            i += n;
            changed = 1;
        }
        if (in->v4_enable && i < len && (n = syntax_ipv4(s + i, len - i, &v4)) > 0) {
            if (emit_v4(in, w, s + i, n, v4) != 0) {
                return SL_OK;
            }
            i += n;
            changed = 1;
        }
        if (in->v6_enable && i < len && (n = syntax_v6(s + i, len - i, 0, &a)) > 0) {
            struct u128 r = anonymize(in, w, &in->map6, in->v6_am, in->v6_bits, a);
            if (emit_v6(in, &w->out, r, 0) != 0) {
                return SL_OK;
            }
            i += n;
            changed = 1;
        }
        if (i < len) {
            if (out_append(in, &w->out, s + i, 1) != 0) {
                return SL_OK;
            }
            i++;
        }
    }
    if (changed) {
        (void)h->msg_set_msg(m, w->out.p, w->out.len);
    }
    return SL_OK;
}

static const struct sl_modifier_ops mmanon_ops = {
    .create = mmanon_create,
    .destroy = mmanon_destroy,
    .worker_create = mmanon_worker_create,
    .worker_destroy = mmanon_worker_destroy,
    .process = mmanon_process,
};

SL_PLUGIN_DEFINE(mmanon) = {
    SL_PLUGIN_HEADER(mmanon),
    .kinds = SL_MODIFIER,
    .flags = 0,
    .module_params = NULL,
    .inst_params = inst_params,
    .mod_size = 0,
    .inst_size = sizeof(struct mmanon_inst),
    .wrk_size = sizeof(struct mmanon_wrk),
    .in = NULL,
    .out = NULL,
    .mod = &mmanon_ops,
};
