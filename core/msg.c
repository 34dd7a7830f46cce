/*
 * msg.c - the message object: life cycle, sanitising and PRI parsing before the built-in
 * parsers run, property access (sl_msg_prop), $! / $. / $/ JSON variables, internal
 * messages and the local host name.
 *
 * Ownership and lifetime
 *   - sl_msg_new() copies the raw bytes; the message owns raw, fromhost, fromhost_ip, the
 *     JSON trees and the strings in owned[], all released by the last sl_msg_unref().
 *   - The block of a message (struct + inline raw) is recycled: see "Message blocks" below
 *     (per-thread lists, a global stack per size class; plain malloc/free in sanitizer
 *     builds).
 *   - Parsed fields are spans into raw (or into owned strings); nothing else is allocated
 *     per message on the common path.
 *
 * Concurrency & locking
 *   - Message blocks: each thread's lists are thread-local; full lists move to and from
 *     the global per-class stack under that class's mutex (once per 64 blocks).
 *   - Parsing and $!/$. writes happen on the single ruleset worker owning the message.
 *   - After that the message is shared read-only; the only lazily computed fields are
 *     fromhost, fromhost_ip and the uuid (kept in the last owned[] slot), published with an
 *     atomic compare-and-swap (the loser frees its copy), so concurrent sl_msg_prop() calls
 *     are safe.
 *   - Serialising a JSON tree is done with fjson_object_dump_ext into a private buffer,
 *     which does not touch the object (libfastjson's to_json_string caches in the object).
 *   - $/ (global variables) is one process-wide tree guarded by a mutex.
 *   - Reverse DNS for fromhost (getnameinfo, NI_NAMEREQD) goes through a small cache: one
 *     fixed table under one mutex, 24 h time to live; the lookup runs outside the lock.
 *     The DNS switch (global net.enableDNS, sl_msg_set_dns) is atomic.
 *   - The local host name is set before threads start (sl_set_local_hostname) or computed
 *     once under pthread_once.
 */
#include "config.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <netdb.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include <libfastjson/json.h>

#include "msg.h"
#include "parse/parse.h"
#include "util/buf.h"

/* ---------------------------------------------------------------------------------------
 * Names
 * ------------------------------------------------------------------------------------- */
static const char *const fac_names[24] = {
    "kern", "user", "mail", "daemon", "auth", "syslog", "lpr", "news",
    "uucp", "cron", "authpriv", "ftp", "ntp", "audit", "alert", "clock",
    "local0", "local1", "local2", "local3", "local4", "local5", "local6", "local7"
};
static const char *const sev_names[8] = {
    "emerg", "alert", "crit", "err", "warning", "notice", "info", "debug"
};

#define SL_PRI_INVALID 199  /* rsyslog's LOG_PRI_INVLD: facility 24 ("invld"), debug */

/* ---------------------------------------------------------------------------------------
 * Local host name
 * ------------------------------------------------------------------------------------- */
static char local_hostname[256];
static int local_hostname_set;
static pthread_once_t local_hostname_once = PTHREAD_ONCE_INIT;

static void local_hostname_init(void)
{
    if (local_hostname_set) {
        return;
    }
    char buf[256];
    if (gethostname(buf, sizeof(buf)) != 0) {
        strcpy(buf, "localhost");
    }
    buf[sizeof(buf) - 1] = '\0';
    char *dot = strchr(buf, '.');
    if (dot != NULL) {
        *dot = '\0';  /* rsyslog drops the domain unless preserveFQDN is on */
    }
    snprintf(local_hostname, sizeof(local_hostname), "%s", buf);
}

const char *sl_local_hostname(void)
{
    pthread_once(&local_hostname_once, local_hostname_init);
    return local_hostname;
}

void sl_set_local_hostname(const char *name)
{
    snprintf(local_hostname, sizeof(local_hostname), "%s", name ? name : "");
    local_hostname_set = 1;
}

void sl_msg_set_dns(int on)
{
    sl_dns_set_enabled(on);
}

/* ---------------------------------------------------------------------------------------
 * Reverse DNS for fromhost, as rsyslog: getnameinfo() with NI_NAMEREQD; on failure (or with
 * DNS off: global(net.enableDNS="off"), or when the PTR name is itself a numeric address)
 * the numeric address.  A resolved name is lower-cased and, if what follows its first dot is
 * the local domain, cut there (rsyslog's default preserveFQDN="off").
 * ------------------------------------------------------------------------------------- */
#define DNS_CACHE_SLOTS 256
#define DNS_TTL_SECONDS (24 * 3600)

struct dns_entry {
    struct sockaddr_storage addr;
    socklen_t len;
    char *name;
    time_t added;
};

static atomic_int dns_on = 1;
static pthread_mutex_t cache_lock = PTHREAD_MUTEX_INITIALIZER;
static struct dns_entry cache[DNS_CACHE_SLOTS];
static unsigned cache_next;

static char local_domain[256];
static pthread_once_t domain_once = PTHREAD_ONCE_INIT;

static void domain_init(void)
{
    char host[256];
    if (gethostname(host, sizeof(host)) != 0) {
        return;
    }
    host[sizeof(host) - 1] = '\0';
    const char *fqdn = host;
    struct addrinfo hints, *res = NULL;
    memset(&hints, 0, sizeof(hints));
    hints.ai_flags = AI_CANONNAME;
    if (strchr(host, '.') == NULL && getaddrinfo(host, NULL, &hints, &res) == 0 &&
        res != NULL && res->ai_canonname != NULL) {
        fqdn = res->ai_canonname;
    }
    const char *dot = strchr(fqdn, '.');
    if (dot != NULL) {
        snprintf(local_domain, sizeof(local_domain), "%s", dot + 1);
    }
    if (res != NULL) {
        freeaddrinfo(res);
    }
}

const char *sl_local_domain(void)
{
    pthread_once(&domain_once, domain_init);
    return local_domain;
}

void sl_dns_set_enabled(int on)
{
    atomic_store(&dns_on, on ? 1 : 0);
}

int sl_dns_enabled(void)
{
    return atomic_load(&dns_on);
}

static char *numeric(const struct sockaddr *sa, socklen_t len)
{
    char host[NI_MAXHOST];
    if (getnameinfo(sa, len, host, sizeof(host), NULL, 0, NI_NUMERICHOST) != 0) {
        host[0] = '\0';
    }
    return sl_xstrdup(host);
}

/* Compare only family + address (not the port). */
static int same_addr(const struct sockaddr_storage *a, socklen_t alen,
                     const struct sockaddr *b, socklen_t blen)
{
    if (alen != blen || a->ss_family != b->sa_family) {
        return 0;
    }
    if (b->sa_family == AF_INET) {
        return memcmp(&((const struct sockaddr_in *)a)->sin_addr,
                      &((const struct sockaddr_in *)b)->sin_addr, sizeof(struct in_addr)) == 0;
    }
    if (b->sa_family == AF_INET6) {
        return memcmp(&((const struct sockaddr_in6 *)a)->sin6_addr,
                      &((const struct sockaddr_in6 *)b)->sin6_addr,
                      sizeof(struct in6_addr)) == 0;
    }
    return memcmp(a, b, blen) == 0;
}

static char *resolve(const struct sockaddr *sa, socklen_t len)
{
    char host[NI_MAXHOST];
    if (getnameinfo(sa, len, host, sizeof(host), NULL, 0, NI_NAMEREQD) != 0) {
        return numeric(sa, len);
    }
    /* a PTR record that is itself a numeric address is not trusted: use the IP */
    struct addrinfo hints, *res = NULL;
    memset(&hints, 0, sizeof(hints));
    hints.ai_flags = AI_NUMERICHOST;
    if (getaddrinfo(host, NULL, &hints, &res) == 0) {
        freeaddrinfo(res);
        return numeric(sa, len);
    }
    for (char *p = host; *p; p++) {
        *p = (char)tolower((unsigned char)*p);
    }
    /* strip the domain if it is exactly the local domain */
    char *dot = strchr(host, '.');
    const char *dom = sl_local_domain();
    if (dot != NULL && dom[0] != '\0' && strcmp(dot + 1, dom) == 0) {
        *dot = '\0';
    }
    return sl_xstrdup(host);
}

char *sl_dns_fromhost(const struct sockaddr *sa, socklen_t len)
{
    if (!atomic_load(&dns_on)) {
        return numeric(sa, len);
    }
    time_t now = time(NULL);
    pthread_mutex_lock(&cache_lock);
    for (unsigned i = 0; i < DNS_CACHE_SLOTS; i++) {
        struct dns_entry *e = &cache[i];
        if (e->name != NULL && same_addr(&e->addr, e->len, sa, len) &&
            now - e->added < DNS_TTL_SECONDS) {
            char *r = sl_xstrdup(e->name);
            pthread_mutex_unlock(&cache_lock);
            return r;
        }
    }
    pthread_mutex_unlock(&cache_lock);

    char *name = resolve(sa, len);

    pthread_mutex_lock(&cache_lock);
    struct dns_entry *e = &cache[cache_next];
    cache_next = (cache_next + 1) % DNS_CACHE_SLOTS;
    free(e->name);
    memcpy(&e->addr, sa, len);
    e->len = len;
    e->name = sl_xstrdup(name);
    e->added = now;
    pthread_mutex_unlock(&cache_lock);
    return name;
}

/* ---------------------------------------------------------------------------------------
 * Life cycle
 * ------------------------------------------------------------------------------------- */
void sl_parse_opts_default(struct sl_parse_opts *o)
{
    memset(o, 0, sizeof(*o));
    o->escape_cc_on_receive = 1;
    o->cc_escape_prefix = '#';
    o->drop_trailing_lf = 1;
    o->space_lf_on_receive = 0;
    o->permit_squared_tag = 0;
    o->escape_tab = 1;
    o->escape_8bit = 0;
    o->permit_slash_progname = 0;
}

/* Private flag: raw lives in the same allocation as the message (not freed separately).
 * Taken from the top so that it never collides with the SL_MSGF_* bits of msg.h. */
#define MSGF_RAW_INLINE (1u << 31)

/* ---------------------------------------------------------------------------------------
 * Message blocks: recycled instead of malloc/free per message.
 *
 * A message and its raw bytes are one block.  Blocks of up to POOL_MAX bytes come in size
 * classes of POOL_STEP bytes and are recycled: each thread keeps a "current" list and one
 * full "spare" list of POOL_BATCH blocks per class; a thread that frees more than it
 * allocates (a ruleset worker) hands full lists of POOL_BATCH blocks to a global per-class
 * stack under one mutex, a thread that allocates (an input) takes whole lists from there.
 * So the cross-thread hand-off costs one lock per POOL_BATCH messages instead of glibc's
 * arena lock per message.  The global stack keeps at most POOL_KEEP lists per class; beyond
 * that lists go back to free().  A thread's own lists are freed when it exits.
 * Sanitizer builds do not recycle (every block is malloc'd and freed), so ASan still sees a
 * use after free of a message.
 * ------------------------------------------------------------------------------------- */
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define MSG_POOL 0
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
#define MSG_POOL 0
#endif
#endif
#ifndef MSG_POOL
#define MSG_POOL 1
#endif

#define POOL_NONE 0xffu                      /* m->blk_class of a block not from the pool */

#if MSG_POOL
#define POOL_STEP 128u
#define POOL_MAX 2048u                       /* larger blocks: plain malloc/free */
#define POOL_NCLASS (POOL_MAX / POOL_STEP)   /* class c: blocks of (c + 1) * POOL_STEP bytes */
#define POOL_BATCH 64u
#define POOL_KEEP 256u                       /* lists kept per class in the global stack */

struct pool_blk {
    struct pool_blk *next;       /* next block of the list */
    struct pool_blk *next_list;  /* in the global stack: the next list */
};

struct pool_list {
    struct pool_blk *head;
    unsigned n;
};

static struct {
    pthread_mutex_t lock;
    struct pool_blk *lists;      /* stack of full lists (POOL_BATCH blocks each) */
    unsigned nlists;
} pool_global[POOL_NCLASS];

static __thread struct pool_list pool_cur[POOL_NCLASS];
static __thread struct pool_blk *pool_spare[POOL_NCLASS]; /* a full list or NULL */
static __thread int pool_registered;
static pthread_key_t pool_key;
static pthread_once_t pool_once = PTHREAD_ONCE_INIT;

static void pool_free_list(struct pool_blk *b)
{
    while (b != NULL) {
        struct pool_blk *next = b->next;
        free(b);
        b = next;
    }
}

static void pool_thread_exit(void *unused)
{
    (void)unused;
    for (unsigned c = 0; c < POOL_NCLASS; c++) {
        pool_free_list(pool_cur[c].head);
        pool_cur[c].head = NULL;
        pool_cur[c].n = 0;
        pool_free_list(pool_spare[c]);
        pool_spare[c] = NULL;
    }
}

static void pool_init(void)
{
    for (unsigned c = 0; c < POOL_NCLASS; c++) {
        pthread_mutex_init(&pool_global[c].lock, NULL);
    }
    pthread_key_create(&pool_key, pool_thread_exit);
}

/* The first time a thread holds blocks: free its lists when it exits. */
static void pool_register(void)
{
    pthread_once(&pool_once, pool_init);
    if (!pool_registered) {
        pthread_setspecific(pool_key, &pool_registered);
        pool_registered = 1;
    }
}

/* Hands the full list b to the global stack (or to free() when that is full). */
static void pool_put_list(unsigned c, struct pool_blk *b)
{
    pthread_mutex_lock(&pool_global[c].lock);
    if (pool_global[c].nlists < POOL_KEEP) {
        b->next_list = pool_global[c].lists;
        pool_global[c].lists = b;
        pool_global[c].nlists++;
        b = NULL;
    }
    pthread_mutex_unlock(&pool_global[c].lock);
    pool_free_list(b);
}

static void *pool_alloc(unsigned c)
{
    struct pool_list *cur = &pool_cur[c];
    if (cur->head == NULL) {
        if (pool_spare[c] != NULL) {
            cur->head = pool_spare[c];
            pool_spare[c] = NULL;
        } else {
            pool_register();
            pthread_mutex_lock(&pool_global[c].lock);
            struct pool_blk *l = pool_global[c].lists;
            if (l != NULL) {
                pool_global[c].lists = l->next_list;
                pool_global[c].nlists--;
            }
            pthread_mutex_unlock(&pool_global[c].lock);
            if (l == NULL) {
                return sl_xmalloc((c + 1) * POOL_STEP);
            }
            cur->head = l;
        }
        cur->n = POOL_BATCH;
    }
    struct pool_blk *b = cur->head;
    cur->head = b->next;
    cur->n--;
    return b;
}

static void pool_free(unsigned c, void *p)
{
    if (!pool_registered) {
        pool_register();
    }
    struct pool_list *cur = &pool_cur[c];
    if (cur->n >= POOL_BATCH) {
        if (pool_spare[c] != NULL) {
            pool_put_list(c, pool_spare[c]);
        }
        pool_spare[c] = cur->head;
        cur->head = NULL;
        cur->n = 0;
    }
    struct pool_blk *b = p;
    b->next = cur->head;
    cur->head = b;
    cur->n++;
}
#endif /* MSG_POOL */

static struct sl_msg *msg_block_alloc(size_t len)
{
    size_t need = sizeof(struct sl_msg) + len + 1;
    struct sl_msg *m;
    unsigned c = POOL_NONE;
#if MSG_POOL
    if (need <= POOL_MAX) {
        c = (unsigned)((need - 1) / POOL_STEP);
        m = pool_alloc(c);
    } else
#endif
    {
        m = sl_xmalloc(need);
    }
    memset(m, 0, offsetof(struct sl_msg, peer));   /* peer is valid up to peerlen only */
    m->blk_class = (uint8_t)c;
    return m;
}

static void msg_block_free(struct sl_msg *m)
{
#if MSG_POOL
    if (m->blk_class != POOL_NONE) {
        pool_free(m->blk_class, m);
        return;
    }
#endif
    free(m);
}

/* timegenerated from rcv, and the second it was computed from */
static void set_tgen(struct sl_msg *m)
{
    sl_time_now(&m->t_generated, &m->rcv, 0);
    m->tgen_sec = m->rcv.tv_sec;
}

struct sl_msg *sl_msg_new(const char *raw, size_t len)
{
    /* one block for the object and its raw bytes */
    struct sl_msg *m = msg_block_alloc(len);
    atomic_init(&m->refcnt, 1);
    m->raw = (char *)(m + 1);
    m->flags = MSGF_RAW_INLINE;
    if (len > 0) {
        memcpy(m->raw, raw, len);
    }
    m->raw[len] = '\0';
    m->raw_len = len;
    clock_gettime(CLOCK_REALTIME, &m->rcv);
    set_tgen(m);
    m->t_reported = m->t_generated;
    m->pri = 13;
    return m;
}

void sl_msg_set_peer(struct sl_msg *m, const struct sockaddr *sa, socklen_t len)
{
    if (sa == NULL || len == 0 || len > sizeof(m->peer)) {
        m->peerlen = 0;
    } else {
        memcpy(&m->peer, sa, len);
        m->peerlen = len;
    }
    if (m->fromhost != NULL) {
        free(m->fromhost);
        m->fromhost = NULL;
    }
    if (m->fromhost_ip != NULL) {
        free(m->fromhost_ip);
        m->fromhost_ip = NULL;
    }
}

/* owned[] holds parser-built strings; its last slot is reserved for the lazily generated
 * uuid (published with CAS like fromhost). */
#define OWNED_UUID_SLOT (sizeof(((struct sl_msg *)0)->owned) / sizeof(char *) - 1)

char *sl_msg_own(struct sl_msg *m, char *s)
{
    if (m->n_owned >= OWNED_UUID_SLOT) {
        fprintf(stderr, "sluiced: internal error: too many owned strings in a message\n");
        abort();
    }
    m->owned[m->n_owned++] = s;
    return s;
}

struct sl_msg_retired {
    struct sl_msg_retired *next;
    char *raw;   /* NULL when the retired buffer was the inline one */
};

void sl_msg_unref(struct sl_msg *m)
{
    if (m == NULL) {
        return;
    }
    /* the last holder (the common case: refcount 1) skips the locked decrement; nobody
     * else can take a reference to a message they do not hold */
    if (atomic_load_explicit(&m->refcnt, memory_order_acquire) != 1 &&
        atomic_fetch_sub_explicit(&m->refcnt, 1, memory_order_acq_rel) != 1) {
        return;
    }
    if (!(m->flags & MSGF_RAW_INLINE)) {
        free(m->raw);
    }
    if (m->fromhost != NULL) {
        free(m->fromhost);
    }
    if (m->fromhost_ip != NULL) {
        free(m->fromhost_ip);
    }
    if (m->json != NULL) {
        fjson_object_put(m->json);
    }
    if (m->localvars != NULL) {
        fjson_object_put(m->localvars);
    }
    for (unsigned i = 0; i < m->n_owned; i++) {
        free(m->owned[i]);
    }
    if (m->owned[OWNED_UUID_SLOT] != NULL) {
        free(m->owned[OWNED_UUID_SLOT]);
    }
    free(m->fields_blk);
    while (m->retired != NULL) {
        struct sl_msg_retired *r = m->retired;
        m->retired = r->next;
        free(r->raw);
        free(r);
    }
    msg_block_free(m);
}

int sl_msg_replace_msg(struct sl_msg *m, const char *text, size_t len)
{
    /* MSG is the tail of raw (the parsers leave it there): raw becomes the bytes before it
     * plus the new text.  Should MSG ever live elsewhere, only MSG changes. */
    int in_raw = m->msg.p != NULL && m->msg.p >= m->raw && m->msg.p <= m->raw + m->raw_len;
    size_t off = in_raw ? (size_t)(m->msg.p - m->raw) : 0;
    char *nbuf = malloc(off + len + 1);
    struct sl_msg_retired *r = malloc(sizeof(*r));
    if (nbuf == NULL || r == NULL) {
        free(nbuf);
        free(r);
        return SL_ENOMEM;
    }
    memcpy(nbuf, m->raw, off);
    if (len > 0) {
        memcpy(nbuf + off, text, len);
    }
    nbuf[off + len] = '\0';
    r->next = m->retired;
    m->retired = r;
    m->flags &= ~(uint32_t)SL_MSGF_RAW_NO_NUL;   /* the new text may hold a NUL */
    if (in_raw) {
        r->raw = (m->flags & MSGF_RAW_INLINE) ? NULL : m->raw;   /* the old raw, retired */
        m->flags &= ~MSGF_RAW_INLINE;
        m->raw = nbuf;
        m->raw_len = off + len;
    } else {
        r->raw = nbuf;                                            /* freed with the message */
    }
    m->msg.p = nbuf + off;
    m->msg.len = len;
    return 0;
}

void sl_msg_set_local(struct sl_msg *m, const struct sl_local_meta *lm)
{
    if (m == NULL || lm == NULL) {
        return;
    }
    m->local_flags = lm->flags;
    m->local_pid = lm->pid;
    if (lm->rcv != NULL) {
        m->rcv = *lm->rcv;
        set_tgen(m);
        if (!(m->fields_set & SL_MF_TIME)) {
            m->t_reported = m->t_generated;   /* else msg_set_fields gave the timestamp */
        }
    }
    if (lm->hostname != NULL) {
        /* imuxsock HostName=: fromhost (and so HOSTNAME) instead of the local host name */
        free(m->fromhost);
        m->fromhost = sl_xstrdup(lm->hostname);
    }
    if (lm->flags & SL_LOCAL_KERNEL) {
        const char *tag = lm->tag != NULL ? lm->tag : "kernel:";
        m->pri = (lm->pri >= 0 && lm->pri <= 191) ? lm->pri : SL_PRI_INVALID;
        m->tag.p = sl_msg_own(m, sl_xstrdup(tag));
        m->tag.len = strlen(tag);
    }
}

struct sl_msg *sl_msg_new_internal(int facility, int severity, const char *text)
{
    if (text == NULL) {
        text = "";
    }
    size_t tlen = strlen(text);
    struct sl_msg *m = sl_msg_new(text, tlen);
    m->flags |= SL_MSGF_INTERNAL | SL_MSGF_PARSED | SL_MSGF_PROGNAME_DONE;
    if (facility < 0 || facility > 23) {
        facility = 5;
    }
    if (severity < 0 || severity > 7) {
        severity = 6;
    }
    m->pri = facility * 8 + severity;
    m->pri_from_msg = 0;
    m->protocol_version = 0;
    m->after_pri = 0;
    m->inputname = "sluiced";
    const char *h = sl_local_hostname();
    m->hostname.p = h;
    m->hostname.len = strlen(h);
    m->tag.p = "sluiced:";
    m->tag.len = 8;
    m->programname.p = "sluiced";
    m->programname.len = 7;
    m->appname = m->programname;
    m->msg.p = m->raw;
    m->msg.len = m->raw_len;
    return m;
}

/* ---------------------------------------------------------------------------------------
 * Parsing driver
 * ------------------------------------------------------------------------------------- */

/* Index of the first byte < 0x20 (or > 127 with esc_8bit) in s[0..len), else len.  16
 * bytes at a time with SSE2, else (and for short messages) eight bytes at a time: (w - 0x20..20) & ~w & 0x80..80 is nonzero exactly when some byte of w is
 * below 0x20 (a borrow only starts at such a byte), w & 0x80..80 when one is above 127. */
#if defined(__SSE2__)
/* Bits of the bytes of s[0..16) that are < 0x20 (or > 127 with esc_8bit). */
static inline unsigned special_mask16(const char *s, int esc_8bit)
{
    __m128i v = _mm_loadu_si128((const __m128i *)(const void *)s);
    __m128i ge = _mm_cmpeq_epi8(_mm_max_epu8(v, _mm_set1_epi8(0x20)), v); /* v >= 0x20 */
    unsigned mask = (unsigned)_mm_movemask_epi8(ge) ^ 0xffffu;
    if (esc_8bit) {
        mask |= (unsigned)_mm_movemask_epi8(v);                          /* v > 127 */
    }
    return mask;
}
#endif

static size_t first_special(const char *s, size_t len, int esc_8bit)
{
#if defined(__SSE2__)
    if (len >= 16) {
        size_t i = 0;
        for (; i + 16 <= len; i += 16) {
            unsigned mask = special_mask16(s + i, esc_8bit);
            if (mask != 0) {
                return i + (size_t)__builtin_ctz(mask);
            }
        }
        if (i < len) {
            /* the last 16 bytes, overlapping what is known clean */
            unsigned mask = special_mask16(s + len - 16, esc_8bit);
            if (mask != 0) {
                return len - 16 + (size_t)__builtin_ctz(mask);
            }
        }
        return len;
    }
#endif
    const uint64_t ones = 0x0101010101010101ull;
    const uint64_t highs = 0x8080808080808080ull;
    const uint64_t extra = esc_8bit ? highs : 0;
    size_t i = 0;
    for (; i + 8 <= len; i += 8) {
        uint64_t w;
        memcpy(&w, s + i, 8);
        if ((((w - ones * 0x20) & ~w & highs) | (w & extra)) != 0) {
            break;
        }
    }
    if (esc_8bit) {
        for (; i < len; i++) {
            unsigned char c = (unsigned char)s[i];
            if (c < 0x20 || c > 127) {
                return i;
            }
        }
    } else {
        for (; i < len; i++) {
            if ((unsigned char)s[i] < 0x20) {
                return i;
            }
        }
    }
    return len;
}

/* Control characters on receive, as rsyslog's parser sanitizer: drop one trailing NUL and
 * one trailing LF, then (if enabled) write every byte < 0x20 as PREFIX + 3 octal digits.
 * Replaces m->raw if anything changes. */
static void sanitize(struct sl_msg *m, const struct sl_parse_opts *o)
{
    size_t len = m->raw_len;
    if (len > 0 && m->raw[len - 1] == '\0') {
        len--;
    }
    if (o->drop_trailing_lf && len > 0 && m->raw[len - 1] == '\n') {
        len--;
    }
    m->raw[len] = '\0';
    m->raw_len = len;

    /* As rsyslog: control characters (a tab only with parser.escapeControlCharacterTab)
     * and, with parser.escape8BitCharactersOnReceive, bytes above 127 become #ooo. */
    int esc_8bit = o->escape_cc_on_receive && o->escape_8bit;
    size_t first = first_special(m->raw, len, esc_8bit);
    if (first == len) {
        m->flags |= SL_MSGF_RAW_NO_NUL;    /* no byte < 0x20 at all */
        return;
    }
    if (!o->escape_cc_on_receive && !o->space_lf_on_receive) {
        return;
    }
    if (o->escape_cc_on_receive) {
        m->flags |= SL_MSGF_RAW_NO_NUL;    /* a NUL is always escaped below */
    }
    char *out = sl_xmalloc(len * 4 + 1);
    memcpy(out, m->raw, first);
    size_t n = first;
    for (size_t i = first; i < len; i++) {
        unsigned char c = (unsigned char)m->raw[i];
        int is_cc = c < 0x20 || (esc_8bit && c > 127);
        if (!is_cc) {
            out[n++] = (char)c;
        } else if (c == '\n' && o->space_lf_on_receive) {
            out[n++] = ' ';
        } else if (c == '\t' && !o->escape_tab) {
            out[n++] = (char)c;
        } else if (o->escape_cc_on_receive) {
            out[n++] = o->cc_escape_prefix ? o->cc_escape_prefix : '#';
            out[n++] = (char)('0' + ((c >> 6) & 7));
            out[n++] = (char)('0' + ((c >> 3) & 7));
            out[n++] = (char)('0' + (c & 7));
        } else {
            out[n++] = (char)c;
        }
    }
    out[n] = '\0';
    if (!(m->flags & MSGF_RAW_INLINE)) {
        free(m->raw);
    }
    m->flags &= ~MSGF_RAW_INLINE;
    m->raw = out;
    m->raw_len = n;
}

/* "<digits>" at the start.  Returns 1 and sets pri/after if valid, 0 if there is no PRI,
 * -1 if it is malformed or out of range. */
static int parse_pri(const char *r, size_t len, int *pri, size_t *after)
{
    if (len == 0 || r[0] != '<') {
        return 0;
    }
    size_t i = 1;
    int v = 0;
    while (i < len && r[i] >= '0' && r[i] <= '9') {
        if (v < 100000) {
            v = v * 10 + (r[i] - '0');
        }
        i++;
    }
    if (i >= len || r[i] != '>' || v > 191) {
        return -1;
    }
    *pri = v;
    *after = i + 1;
    return 1;
}

static struct sl_str programname_of(const struct sl_str *tag, int permit_slash);
static struct sl_str procid_of_tag(const struct sl_str *tag);

/* Tag-derived fields: programname (and for RFC 3164 app-name and procid), and for RFC 5424
 * the tag built from app-name and procid, as rsyslog emulates them. */
static void derive_fields(struct sl_msg *m, const struct sl_parse_opts *o)
{
    if (m->protocol_version == 1) {
        int have_app = m->appname.p != NULL;
        int procid_dash = m->procid.p == NULL || (m->procid.len == 1 && m->procid.p[0] == '-');
        if (procid_dash) {
            m->tag = have_app ? m->appname : (struct sl_str){ "", 0 };
        } else {
            size_t n = m->appname.len + m->procid.len + 2;
            char *t = sl_msg_own(m, sl_xmalloc(n + 1));
            memcpy(t, m->appname.p ? m->appname.p : "", m->appname.len);
            t[m->appname.len] = '[';
            memcpy(t + m->appname.len + 1, m->procid.p, m->procid.len);
            t[n - 1] = ']';
            t[n] = '\0';
            m->tag.p = t;
            /* rsyslog formats this into a 512-byte buffer (and then, past 511 bytes, shows
             * stack garbage); we stop at what fits */
            m->tag.len = n > 511 ? 511 : n;
        }
    }
    /* programname, and for RFC 3164 app-name and procid, follow from the tag, which does
     * not change after parsing: sl_msg_prop derives them when they are asked for
     * (get_programname, SL_PROP_APP_NAME, procid_of_tag), most templates never do */
    m->programname = (struct sl_str){ NULL, 0 };
    if (o->permit_slash_progname) {
        m->flags |= SL_MSGF_PERMIT_SLASH;   /* for get_programname */
    }
    if (m->protocol_version == 0) {
        m->appname = (struct sl_str){ NULL, 0 };
        m->procid = (struct sl_str){ NULL, 0 };
    }
}

/* RFC 3164 procid: between the first '[' of the tag and the following ']'; NULL if none. */
static struct sl_str procid_of_tag(const struct sl_str *tag)
{
    const char *t = tag->p;
    const char *lb = t ? memchr(t, '[', tag->len) : NULL;
    if (lb != NULL) {
        const char *end = t + tag->len;
        const char *rb = memchr(lb + 1, ']', (size_t)(end - lb - 1));
        if (rb != NULL) {
            return (struct sl_str){ lb + 1, (size_t)(rb - lb - 1) };
        }
    }
    return (struct sl_str){ NULL, 0 };
}

void sl_msg_parse(struct sl_msg *m, const struct sl_parse_opts *o)
{
    struct sl_parse_opts dflt;
    if (m->flags & SL_MSGF_PARSED) {
        return;
    }
    if (o == NULL) {
        sl_parse_opts_default(&dflt);
        o = &dflt;
    }
    if (m->local_flags & SL_LOCAL_KERNEL) {
        /* rsyslog's imklog: no sanitizing, no parser; pri and tag were set by the input */
        set_tgen(m);
        m->t_reported = m->t_generated;
        m->hostname = (struct sl_str){ NULL, 0 };
        m->appname = m->procid = m->msgid = m->sd = (struct sl_str){ NULL, 0 };
        m->protocol_version = 0;
        m->pri_from_msg = 1;
        m->after_pri = 0;
        m->msg.p = m->raw;
        m->msg.len = m->raw_len;
        derive_fields(m, o);
        m->flags |= SL_MSGF_PARSED;
        return;
    }
    sanitize(m, o);
    /* an input may have set rcv after sl_msg_new(): timegenerated follows it (computed
     * again only if rcv is not what it was computed from) */
    if (m->t_generated.type != 2 || m->tgen_sec != m->rcv.tv_sec ||
        m->t_generated.secfrac != (uint32_t)(m->rcv.tv_nsec / 1000)) {
        set_tgen(m);
    }
    m->t_reported = m->t_generated;
    m->hostname = (struct sl_str){ NULL, 0 };
    m->tag = (struct sl_str){ NULL, 0 };
    m->appname = m->procid = m->msgid = m->sd = (struct sl_str){ NULL, 0 };
    m->protocol_version = 0;

    if (m->local_flags & SL_LOCAL_UXSOCK) {
        /* rsyslog's imuxsock parses itself (its "special parser"), not the chain */
        sl_parse_uxsock(m);
        if (m->pri < 0 || m->pri > 191) {
            m->pri = SL_PRI_INVALID;
        }
        derive_fields(m, o);
        m->flags |= SL_MSGF_PARSED;
        return;
    }

    int pri = 13;
    size_t after = 0;
    int r = parse_pri(m->raw, m->raw_len, &pri, &after);
    if (r < 0) {
        /* rsyslog: invalid PRI -> facility "invld", severity debug, nothing parsed */
        m->pri = SL_PRI_INVALID;
        m->pri_from_msg = 0;
        m->after_pri = 0;
        m->msg.p = m->raw;
        m->msg.len = m->raw_len;
        m->tag = (struct sl_str){ "", 0 };
        m->programname = (struct sl_str){ "", 0 };
        m->flags |= SL_MSGF_PARSED | SL_MSGF_PROGNAME_DONE;
        return;
    }
    m->pri = pri;
    m->pri_from_msg = r > 0;
    m->after_pri = after;
    if (o->chain == NULL) {
        if (!sl_parse_rfc5424(m, o)) {
            sl_parse_rfc3164(m, o);
        }
    } else {
        /* the ruleset's chain, in order, up to the first parser that takes the message */
        size_t i;
        for (i = 0; i < o->chain->n; i++) {
            const struct sl_parse_opts *eo = &o->chain->e[i].opts;
            if (o->chain->e[i].kind == SL_PARSER_RFC5424) {
                if (sl_parse_rfc5424(m, eo)) {
                    break;
                }
            } else {
                sl_parse_rfc3164(m, eo);
                break;
            }
        }
        if (i == o->chain->n) {
            m->flags |= SL_MSGF_UNPARSED;
            m->msg.p = m->raw + after;
            m->msg.len = m->raw_len - after;
            m->tag = (struct sl_str){ "", 0 };
        }
    }
    derive_fields(m, o);
    m->flags |= SL_MSGF_PARSED;
}

/* ---------------------------------------------------------------------------------------
 * fromhost / fromhost-ip (lazy, published with CAS)
 * ------------------------------------------------------------------------------------- */
static const char *publish(char **slot, char *val)
{
    char *expected = NULL;
    if (__atomic_compare_exchange_n(slot, &expected, val, 0, __ATOMIC_ACQ_REL,
                                    __ATOMIC_ACQUIRE)) {
        return val;
    }
    free(val);
    return expected;
}

static const char *get_fromhost_ip(struct sl_msg *m)
{
    char *s = __atomic_load_n(&m->fromhost_ip, __ATOMIC_ACQUIRE);
    if (s != NULL) {
        return s;
    }
    char host[NI_MAXHOST];
    if (m->peerlen == 0) {
        snprintf(host, sizeof(host), "127.0.0.1");
    } else if (getnameinfo((const struct sockaddr *)&m->peer, m->peerlen, host, sizeof(host),
                           NULL, 0, NI_NUMERICHOST) != 0) {
        host[0] = '\0';
    }
    return publish(&m->fromhost_ip, sl_xstrdup(host));
}

static const char *get_fromhost(struct sl_msg *m)
{
    char *s = __atomic_load_n(&m->fromhost, __ATOMIC_ACQUIRE);
    if (s != NULL) {
        return s;
    }
    if (m->peerlen == 0) {
        return publish(&m->fromhost, sl_xstrdup(sl_local_hostname()));
    }
    return publish(&m->fromhost, sl_dns_fromhost((const struct sockaddr *)&m->peer, m->peerlen));
}

static const char *get_fromhost_port(struct sl_msg *m, char tmp[SL_PROP_TMP], size_t *len)
{
    unsigned port = 0;
    if (m->peerlen == 0) {
        *len = 0;
        return "";
    }
    if (m->peer.ss_family == AF_INET) {
        port = ntohs(((const struct sockaddr_in *)&m->peer)->sin_port);
    } else if (m->peer.ss_family == AF_INET6) {
        port = ntohs(((const struct sockaddr_in6 *)&m->peer)->sin6_port);
    } else {
        *len = 0;
        return "";
    }
    *len = (size_t)snprintf(tmp, SL_PROP_TMP, "%u", port);
    return tmp;
}

/* uuid: 32 upper-case hex digits of a random (version 4) UUID, made on first use and then
 * fixed for the message, as rsyslog's (libuuid) property. */
static const char *get_uuid(struct sl_msg *m)
{
    char *s = __atomic_load_n(&m->owned[OWNED_UUID_SLOT], __ATOMIC_ACQUIRE);
    if (s != NULL) {
        return s;
    }
    unsigned char b[16];
    size_t got = 0;
    FILE *f = fopen("/dev/urandom", "rb");
    if (f != NULL) {
        got = fread(b, 1, sizeof(b), f);
        fclose(f);
    }
    for (size_t i = got; i < sizeof(b); i++) {
        b[i] = (unsigned char)rand();
    }
    b[6] = (unsigned char)((b[6] & 0x0f) | 0x40);
    b[8] = (unsigned char)((b[8] & 0x3f) | 0x80);
    char *hex = sl_xmalloc(33);
    static const char digits[] = "0123456789ABCDEF";
    for (size_t i = 0; i < 16; i++) {
        hex[2 * i] = digits[b[i] >> 4];
        hex[2 * i + 1] = digits[b[i] & 15];
    }
    hex[32] = '\0';
    return publish(&m->owned[OWNED_UUID_SLOT], hex);
}

/* ---------------------------------------------------------------------------------------
 * JSON variables
 * ------------------------------------------------------------------------------------- */
static pthread_mutex_t global_vars_lock = PTHREAD_MUTEX_INITIALIZER;
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
        if (!fjson_object_is_type(cur, fjson_type_object) ||
            !fjson_object_object_get_ex(cur, key, &child)) {
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
            if (keep && fjson_object_object_get_ex(cur, key, &leaf) && leaf != NULL) {
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
        if (!fjson_object_object_get_ex(cur, key, &child)) {
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
        pthread_mutex_lock(&global_vars_lock);
    }
    int rc = json_set_locked(rootp, path, val, keep);
    if (root == SL_PROP_GLOBAL_VAR) {
        pthread_mutex_unlock(&global_vars_lock);
    }
    return rc;
}

struct fjson_object **sl_msg_json_root_lock(struct sl_msg *m, enum sl_prop root)
{
    struct fjson_object **rootp = json_root(m, root);
    if (rootp != NULL && root == SL_PROP_GLOBAL_VAR) {
        pthread_mutex_lock(&global_vars_lock);
    }
    return rootp;
}

void sl_msg_json_root_unlock(enum sl_prop root)
{
    if (root == SL_PROP_GLOBAL_VAR) {
        pthread_mutex_unlock(&global_vars_lock);
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
        pthread_mutex_lock(&global_vars_lock);
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
            !fjson_object_object_get_ex(parent, leaf, &tmp)) {
            rc = SL_ENOENT;
        } else {
            fjson_object_object_del(parent, leaf);
        }
    }
    if (root == SL_PROP_GLOBAL_VAR) {
        pthread_mutex_unlock(&global_vars_lock);
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

static size_t dump_cb(void *ptr, const char *buf, size_t len)
{
    return sl_buf_append((struct sl_buf *)ptr, buf, len) == 0 ? len : 0;
}

/* Renders a JSON value as rsyslog does for a property: strings as their text, everything
 * else as JSON ("{ "a": 1 }" spacing of libfastjson's default). */
static const char *json_value_text(struct fjson_object *v, size_t *len, char **to_free)
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
    fjson_object_dump_ext(v, FJSON_TO_STRING_SPACED, dump_cb, &b);
    if (b.p == NULL) {
        *len = 0;
        return "";
    }
    *to_free = b.p;
    *len = b.len;
    return b.p;
}

/* ---------------------------------------------------------------------------------------
 * Properties
 * ------------------------------------------------------------------------------------- */
static const char *span(const struct sl_str *s, size_t *len, const char *dflt)
{
    if (s->p == NULL) {
        *len = strlen(dflt);
        return dflt;
    }
    *len = s->len;
    return s->p;
}

/* programname from a tag: leading printable characters up to ':', '[' or '/' (the '/' only
 * without global(parser.permitSlashInProgramName="on"), as rsyslog's aquireProgramName) */
static struct sl_str programname_of(const struct sl_str *tag, int permit_slash)
{
    size_t i = 0;
    const char *t = tag->p;
    while (t != NULL && i < tag->len) {
        unsigned char c = (unsigned char)t[i];
        if (c < 0x20 || c > 0x7e || c == ':' || c == '[' || (c == '/' && !permit_slash)) {
            break;
        }
        i++;
    }
    return (struct sl_str){ t ? t : "", i };
}

/* programname, derived on the fly for messages whose fields were filled by hand */
static struct sl_str get_programname(const struct sl_msg *m)
{
    if ((m->flags & SL_MSGF_PROGNAME_DONE) || m->programname.p != NULL) {
        return m->programname.p ? m->programname : (struct sl_str){ "", 0 };
    }
    return programname_of(&m->tag, (m->flags & SL_MSGF_PERMIT_SLASH) != 0);
}

static int pri_valid(const struct sl_msg *m)
{
    return m->pri >= 0 && m->pri <= 191;
}

/* jsonmesg: the fields, order and formatting of rsyslog 8.2302 (libfastjson, spaced). */
static const char *jsonmesg(struct sl_msg *m, size_t *len, char **to_free)
{
    static const enum sl_prop fields[] = {
        SL_PROP_MSG, SL_PROP_RAWMSG, SL_PROP_TIMEREPORTED, SL_PROP_HOSTNAME,
        SL_PROP_SYSLOGTAG, SL_PROP_INPUTNAME, SL_PROP_FROMHOST, SL_PROP_FROMHOST_IP,
        SL_PROP_PRI, SL_PROP_SYSLOGFACILITY, SL_PROP_SYSLOGSEVERITY, SL_PROP_TIMEGENERATED,
        SL_PROP_PROGRAMNAME, SL_PROP_PROTOCOL_VERSION, SL_PROP_STRUCTURED_DATA,
        SL_PROP_APP_NAME, SL_PROP_PROCID, SL_PROP_MSGID
    };
    struct fjson_object *o = fjson_object_new_object();
    for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
        struct sl_propref ref = { fields[i], NULL };
        char tmp[SL_PROP_TMP];
        char *tf = NULL;
        size_t l;
        const char *v;
        char tbuf[64];
        if (fields[i] == SL_PROP_TIMEREPORTED || fields[i] == SL_PROP_TIMEGENERATED) {
            struct sl_time t;
            const struct sl_time *tp = sl_msg_time(m, fields[i], &t);
            l = sl_time_format(tp, SL_DATE_RFC3339, tbuf);
            v = tbuf;
        } else {
            v = sl_msg_prop(m, &ref, &l, tmp, &tf);
        }
        fjson_object_object_add(o, sl_prop_name(fields[i]), fjson_object_new_string_len(v, (int)l));
        free(tf);
    }
    /* rsyslog shows the uuid only if something asked for it before (else null) */
    const char *uuid = __atomic_load_n(&m->owned[OWNED_UUID_SLOT], __ATOMIC_ACQUIRE);
    fjson_object_object_add(o, "uuid", uuid ? fjson_object_new_string(uuid) : NULL);
    if (m->json != NULL) {
        fjson_object_object_add(o, "$!", fjson_object_get(m->json));
    }
    struct sl_buf b = { 0 };
    fjson_object_dump_ext(o, FJSON_TO_STRING_SPACED, dump_cb, &b);
    fjson_object_put(o);
    if (b.p == NULL) {
        *len = 0;
        return "";
    }
    *to_free = b.p;
    *len = b.len;
    return b.p;
}

static const char *sys_time_prop(enum sl_prop id, char tmp[SL_PROP_TMP], size_t *len)
{
    struct sl_time t;
    int utc = (id >= SL_PROP_SYS_NOW_UTC && id <= SL_PROP_SYS_MINUTE_UTC) ||
              id == SL_PROP_SYS_WDAY_UTC;
    sl_time_now(&t, NULL, utc);
    switch (id) {
    case SL_PROP_SYS_NOW:
    case SL_PROP_SYS_NOW_UTC:
        *len = (size_t)snprintf(tmp, SL_PROP_TMP, "%04d-%02d-%02d", t.year, t.month, t.day);
        break;
    case SL_PROP_SYS_YEAR:
    case SL_PROP_SYS_YEAR_UTC:
        *len = (size_t)snprintf(tmp, SL_PROP_TMP, "%04d", t.year);
        break;
    case SL_PROP_SYS_MONTH:
    case SL_PROP_SYS_MONTH_UTC:
        *len = (size_t)snprintf(tmp, SL_PROP_TMP, "%02d", t.month);
        break;
    case SL_PROP_SYS_DAY:
    case SL_PROP_SYS_DAY_UTC:
        *len = (size_t)snprintf(tmp, SL_PROP_TMP, "%02d", t.day);
        break;
    case SL_PROP_SYS_HOUR:
    case SL_PROP_SYS_HOUR_UTC:
        *len = (size_t)snprintf(tmp, SL_PROP_TMP, "%02d", t.hour);
        break;
    case SL_PROP_SYS_HHOUR:
    case SL_PROP_SYS_HHOUR_UTC:
        *len = (size_t)snprintf(tmp, SL_PROP_TMP, "%02d", t.minute / 30);
        break;
    case SL_PROP_SYS_QHOUR:
    case SL_PROP_SYS_QHOUR_UTC:
        *len = (size_t)snprintf(tmp, SL_PROP_TMP, "%02d", t.minute / 15);
        break;
    case SL_PROP_SYS_MINUTE:
    case SL_PROP_SYS_MINUTE_UTC:
        *len = (size_t)snprintf(tmp, SL_PROP_TMP, "%02d", t.minute);
        break;
    case SL_PROP_SYS_WDAY:
    case SL_PROP_SYS_WDAY_UTC:
        *len = sl_time_format(&t, SL_DATE_WDAY, tmp);
        break;
    default:
        *len = 0;
        tmp[0] = '\0';
        break;
    }
    return tmp;
}

const char *sl_msg_prop(struct sl_msg *m, const struct sl_propref *ref, size_t *len,
                        char tmp[SL_PROP_TMP], char **to_free)
{
    const char *s;
    *to_free = NULL;
    switch (ref->id) {
    case SL_PROP_MSG:
        return span(&m->msg, len, "");
    case SL_PROP_RAWMSG:
        *len = m->raw_len;
        return m->raw;
    case SL_PROP_RAWMSG_AFTER_PRI: {
        /* rsyslog recomputes this: '<' and a '>' at offset 2, 3 or 4 */
        size_t off = 0;
        const char *r = m->raw;
        if (m->raw_len > 0 && r[0] == '<') {
            if (m->raw_len > 2 && r[2] == '>') {
                off = 3;
            } else if (m->raw_len > 3 && r[3] == '>') {
                off = 4;
            } else if (m->raw_len > 4 && r[4] == '>') {
                off = 5;
            }
        }
        *len = m->raw_len - off;
        return r + off;
    }
    case SL_PROP_HOSTNAME:
        if (m->hostname.p == NULL) {
            s = get_fromhost(m);
            *len = strlen(s);
            return s;
        }
        *len = m->hostname.len;
        return m->hostname.p;
    case SL_PROP_FROMHOST:
        s = get_fromhost(m);
        *len = strlen(s);
        return s;
    case SL_PROP_FROMHOST_IP:
        s = get_fromhost_ip(m);
        *len = strlen(s);
        return s;
    case SL_PROP_FROMHOST_PORT:
        return get_fromhost_port(m, tmp, len);
    case SL_PROP_SYSLOGTAG:
        return span(&m->tag, len, "");
    case SL_PROP_PROGRAMNAME: {
        struct sl_str pn = get_programname(m);
        *len = pn.len;
        return pn.p;
    }
    case SL_PROP_PRI:
        if (!pri_valid(m)) {
            *len = 5;
            return "invld";
        }
        *len = (size_t)snprintf(tmp, SL_PROP_TMP, "%d", m->pri);
        return tmp;
    case SL_PROP_PRI_TEXT:
        *len = (size_t)snprintf(tmp, SL_PROP_TMP, "%s.%s",
                                pri_valid(m) ? fac_names[m->pri >> 3] : "invld",
                                sev_names[m->pri & 7]);
        return tmp;
    case SL_PROP_IUT:
        *len = 1;
        return "1";
    case SL_PROP_SYSLOGFACILITY:
        if (!pri_valid(m)) {
            *len = 5;
            return "invld";
        }
        *len = (size_t)snprintf(tmp, SL_PROP_TMP, "%d", m->pri >> 3);
        return tmp;
    case SL_PROP_SYSLOGFACILITY_TEXT:
        s = pri_valid(m) ? fac_names[m->pri >> 3] : "invld";
        *len = strlen(s);
        return s;
    case SL_PROP_SYSLOGSEVERITY:
        *len = (size_t)snprintf(tmp, SL_PROP_TMP, "%d", m->pri & 7);
        return tmp;
    case SL_PROP_SYSLOGSEVERITY_TEXT:
        s = sev_names[m->pri & 7];
        *len = strlen(s);
        return s;
    case SL_PROP_TIMEGENERATED:
        *len = sl_time_format(&m->t_generated,
                              sl_msg_3164_fmt(m, SL_PROP_TIMEGENERATED, SL_DATE_DEFAULT), tmp);
        return tmp;
    case SL_PROP_TIMEREPORTED:
        *len = sl_time_format(&m->t_reported,
                              sl_msg_3164_fmt(m, SL_PROP_TIMEREPORTED, SL_DATE_DEFAULT), tmp);
        return tmp;
    case SL_PROP_PROTOCOL_VERSION:
        *len = 1;
        return m->protocol_version == 1 ? "1" : "0";
    case SL_PROP_STRUCTURED_DATA:
        return span(&m->sd, len, "-");
    case SL_PROP_APP_NAME:
        if (m->appname.p == NULL && m->protocol_version == 0) {
            struct sl_str pn = get_programname(m);
            if (pn.len == 0) {
                pn = (struct sl_str){ "-", 1 };
            }
            *len = pn.len;
            return pn.p;
        }
        return span(&m->appname, len, "");
    case SL_PROP_PROCID:
        if (m->procid.p == NULL && m->protocol_version == 0 && (m->flags & SL_MSGF_PARSED) &&
            !(m->flags & SL_MSGF_INTERNAL)) {
            struct sl_str pid = procid_of_tag(&m->tag);
            return span(&pid, len, "-");
        }
        return span(&m->procid, len, "-");
    case SL_PROP_MSGID:
        return span(&m->msgid, len, "-");
    case SL_PROP_INPUTNAME:
        s = m->inputname ? m->inputname : "";
        *len = strlen(s);
        return s;
    case SL_PROP_JSONMESG:
        return jsonmesg(m, len, to_free);
    case SL_PROP_CEE_ALL_JSON:
    case SL_PROP_CEE_ALL_JSON_PLAIN: {
        struct fjson_object *root = sl_msg_json_get(m, SL_PROP_CEE, "");
        if (root == NULL) {
            *len = 2;
            return "{}";
        }
        struct sl_buf b = { 0 };
        fjson_object_dump_ext(root, ref->id == SL_PROP_CEE_ALL_JSON ? FJSON_TO_STRING_SPACED
                              : FJSON_TO_STRING_PLAIN, dump_cb, &b);
        if (b.p == NULL) {
            *len = 0;
            return "";
        }
        *to_free = b.p;
        *len = b.len;
        return b.p;
    }
    case SL_PROP_UUID:
        s = get_uuid(m);
        *len = 32;
        return s;
    case SL_PROP_CEE:
    case SL_PROP_LOCAL_VAR:
        return json_value_text(sl_msg_json_get(m, ref->id, ref->path), len, to_free);
    case SL_PROP_GLOBAL_VAR: {
        pthread_mutex_lock(&global_vars_lock);
        const char *v = json_value_text(sl_msg_json_get(m, ref->id, ref->path), len, to_free);
        if (*to_free == NULL && *len > 0) {
            *to_free = sl_xstrndup(v, *len);
            v = *to_free;
        }
        pthread_mutex_unlock(&global_vars_lock);
        return v;
    }
    case SL_PROP_SYS_NOW:
    case SL_PROP_SYS_YEAR:
    case SL_PROP_SYS_MONTH:
    case SL_PROP_SYS_DAY:
    case SL_PROP_SYS_HOUR:
    case SL_PROP_SYS_HHOUR:
    case SL_PROP_SYS_QHOUR:
    case SL_PROP_SYS_MINUTE:
    case SL_PROP_SYS_NOW_UTC:
    case SL_PROP_SYS_YEAR_UTC:
    case SL_PROP_SYS_MONTH_UTC:
    case SL_PROP_SYS_DAY_UTC:
    case SL_PROP_SYS_HOUR_UTC:
    case SL_PROP_SYS_HHOUR_UTC:
    case SL_PROP_SYS_QHOUR_UTC:
    case SL_PROP_SYS_MINUTE_UTC:
    case SL_PROP_SYS_WDAY:
    case SL_PROP_SYS_WDAY_UTC:
        return sys_time_prop(ref->id, tmp, len);
    case SL_PROP_SYS_MYHOSTNAME:
        s = sl_local_hostname();
        *len = strlen(s);
        return s;
    case SL_PROP_SYS_BOM:
        *len = 3;
        return "\xef\xbb\xbf";
    case SL_PROP_SYS_UPTIME: {
        struct timespec ts;
        clock_gettime(CLOCK_BOOTTIME, &ts);
        *len = (size_t)snprintf(tmp, SL_PROP_TMP, "%lld", (long long)ts.tv_sec);
        return tmp;
    }
    case SL_PROP_SYS_NOW_UNIXTIMESTAMP:
        *len = (size_t)snprintf(tmp, SL_PROP_TMP, "%lld", (long long)time(NULL));
        return tmp;
    case SL_PROP_PARSESUCCESS: {
        /* rsyslog: "OK" once a parser module succeeded, "FAIL" otherwise (also before any) */
        const char *v = m->parse_result == 1 ? "OK" : "FAIL";
        *len = strlen(v);
        return v;
    }
    case SL_PROP_INVALID:
    case SL_PROP__COUNT:
        break;
    }
    *len = 0;
    return "";
}

enum sl_datefmt sl_msg_3164_fmt(struct sl_msg *m, enum sl_prop id, enum sl_datefmt want)
{
    int slot;
    int expected = 0;
    int mine;

    if (want != SL_DATE_DEFAULT && want != SL_DATE_RFC3164 && want != SL_DATE_RFC3164_BUGGYDAY) {
        return want;
    }
    if (id == SL_PROP_TIMEREPORTED) {
        slot = 0;
    } else if (id == SL_PROP_TIMEGENERATED) {
        slot = 1;
    } else {
        return want;
    }
    mine = want == SL_DATE_RFC3164_BUGGYDAY ? SL_DATE_RFC3164_BUGGYDAY : SL_DATE_RFC3164;
    if (atomic_compare_exchange_strong(&m->fmt3164[slot], &expected, mine + 1)) {
        return (enum sl_datefmt)mine;
    }
    return (enum sl_datefmt)(expected - 1);
}

const struct sl_time *sl_msg_time(struct sl_msg *m, enum sl_prop id, struct sl_time *tmp)
{
    switch (id) {
    case SL_PROP_TIMEREPORTED:
        return &m->t_reported;
    case SL_PROP_TIMEGENERATED:
        return &m->t_generated;
    case SL_PROP_SYS_NOW:
    case SL_PROP_SYS_YEAR:
    case SL_PROP_SYS_MONTH:
    case SL_PROP_SYS_DAY:
    case SL_PROP_SYS_HOUR:
    case SL_PROP_SYS_HHOUR:
    case SL_PROP_SYS_QHOUR:
    case SL_PROP_SYS_MINUTE:
    case SL_PROP_SYS_NOW_UNIXTIMESTAMP:
    case SL_PROP_SYS_WDAY:
        sl_time_now(tmp, NULL, 0);
        return tmp;
    case SL_PROP_SYS_NOW_UTC:
    case SL_PROP_SYS_YEAR_UTC:
    case SL_PROP_SYS_MONTH_UTC:
    case SL_PROP_SYS_DAY_UTC:
    case SL_PROP_SYS_HOUR_UTC:
    case SL_PROP_SYS_HHOUR_UTC:
    case SL_PROP_SYS_QHOUR_UTC:
    case SL_PROP_SYS_MINUTE_UTC:
    case SL_PROP_SYS_WDAY_UTC:
        sl_time_now(tmp, NULL, 1);
        return tmp;
    default:
        return NULL;
    }
}
