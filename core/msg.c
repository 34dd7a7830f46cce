/*
 * msg.c - the message object: life cycle (recycled blocks), fromhost and uuid published
 * lazily, internal messages, and property access (sl_msg_prop).  Around it: the parse driver
 * (parse/parse.c), the JSON variables (msg_json.c), the local host name and reverse DNS
 * (dns.c).
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
 *   - $/ (global variables) is read under sl_global_vars_lock (msg_json.c).
 */
#include "config.h"

#include <malloc.h>
#include <netdb.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <libfastjson/json.h>

#include "msg.h"
#include "msg_int.h"
#include "util/buf.h"
#include "util/syslog_names.h"

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

/* ---------------------------------------------------------------------------------------
 * Message blocks: recycled instead of malloc/free per message.
 *
 * A message and its raw bytes are one block.  Blocks of up to POOL_MAX bytes come in size
 * classes of POOL_STEP bytes and are recycled: each thread keeps a "current" list and one
 * full "spare" list of POOL_BATCH blocks per class; a thread that frees more than it
 * allocates (a ruleset worker) hands full lists of POOL_BATCH blocks to a global per-class
 * stack under one mutex, a thread that allocates (an input) takes whole lists from there.
 * So the cross-thread hand-off costs one lock per POOL_BATCH messages instead of glibc's
 * arena lock per message.  The global stack keeps at most POOL_KEEP lists per class and
 * POOL_CAP_BYTES over all classes (before: up to ~285 MB after bursts covering every class,
 * issue 19); beyond that lists go back to free().  sl_msg_pool_trim(), called by the main
 * thread every few seconds, frees the global lists of every class that was not used since
 * its previous call (the queues are idle) and hands the memory back to the system
 * (malloc_trim).  A thread's own lists (at most 2 x POOL_BATCH blocks per class, ~2.2 MB
 * per thread in the worst case) are freed when it exits.
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
#define POOL_CAP_BYTES (16u << 20)           /* bytes kept in the global stacks in all */
#define POOL_LIST_BYTES(c) ((size_t)POOL_BATCH * ((c) + 1) * POOL_STEP)

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
    int used;                    /* a list was put or taken since the last trim */
} pool_global[POOL_NCLASS];
static _Atomic size_t pool_bytes;   /* in all global stacks */
static _Atomic int pool_big_used;   /* a block larger than POOL_MAX was freed since the trim */

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
    pool_global[c].used = 1;
    if (pool_global[c].nlists < POOL_KEEP
        && atomic_load(&pool_bytes) + POOL_LIST_BYTES(c) <= POOL_CAP_BYTES) {
        b->next_list = pool_global[c].lists;
        pool_global[c].lists = b;
        pool_global[c].nlists++;
        atomic_fetch_add(&pool_bytes, POOL_LIST_BYTES(c));
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
            pool_global[c].used = 1;
            if (l != NULL) {
                pool_global[c].lists = l->next_list;
                pool_global[c].nlists--;
                atomic_fetch_sub(&pool_bytes, POOL_LIST_BYTES(c));
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

size_t sl_msg_pool_bytes(void)
{
#if MSG_POOL
    return atomic_load(&pool_bytes);
#else
    return 0;
#endif
}

size_t sl_msg_pool_trim(int force)
{
    size_t freed = 0;
#if MSG_POOL
    static _Atomic int was_busy;
    int busy = atomic_exchange_explicit(&pool_big_used, 0, memory_order_relaxed);
    pthread_once(&pool_once, pool_init);
    for (unsigned c = 0; c < POOL_NCLASS; c++) {
        struct pool_blk *l = NULL;
        pthread_mutex_lock(&pool_global[c].lock);
        busy |= pool_global[c].used;
        if (force || !pool_global[c].used) {
            l = pool_global[c].lists;
            freed += pool_global[c].nlists * POOL_LIST_BYTES(c);
            atomic_fetch_sub(&pool_bytes, pool_global[c].nlists * POOL_LIST_BYTES(c));
            pool_global[c].lists = NULL;
            pool_global[c].nlists = 0;
        }
        pool_global[c].used = 0;
        pthread_mutex_unlock(&pool_global[c].lock);
        while (l != NULL) {
            struct pool_blk *nx = l->next_list;
            pool_free_list(l);
            l = nx;
        }
    }
    /* most of a burst's blocks went back to free() (beyond the caps, or from exiting
     * threads) and stay in glibc's arenas: hand them to the system once the traffic has
     * stopped (measured: 72 MB -> 6.6 MB RSS after 100,000 x 1.5 KB queued and drained) */
    if (freed > 0 || force || (!busy && atomic_exchange(&was_busy, 0))) {
        malloc_trim(0);
    }
    if (busy) {
        atomic_store(&was_busy, 1);
    }
#else
    (void)force;
#endif
    return freed;
}

static struct sl_msg *msg_block_alloc(size_t len, uint8_t *cls)
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
    *cls = (uint8_t)c;   /* m->blk_class, set by sl_msg_new_at with the rest */
    return m;
}

/* Zero the fields [from, to) of m. */
#define MSG_CLEAR(m, from, to)                                                              \
    memset((char *)(m) + offsetof(struct sl_msg, from), 0,                                  \
           offsetof(struct sl_msg, to) - offsetof(struct sl_msg, from))

/* sl_msg_new_at sets the first fields itself (refcnt .. t_generated) and clears the rest
 * up to peer (valid only up to peerlen) with one memset.  These asserts fail when a field
 * is added among the ones it sets. */
#define MSG_NEXT(a, b) (offsetof(struct sl_msg, a) + sizeof(((struct sl_msg *)0)->a) ==    \
                        offsetof(struct sl_msg, b))
#define MSG_ADJ(a, b) (offsetof(struct sl_msg, b) - offsetof(struct sl_msg, a) -            \
                       sizeof(((struct sl_msg *)0)->a) < 8)   /* at most padding between */
_Static_assert(offsetof(struct sl_msg, refcnt) == 0 && MSG_NEXT(refcnt, flags) &&
               MSG_NEXT(flags, raw) && MSG_NEXT(raw, raw_len) && MSG_NEXT(raw_len, rcv) &&
               MSG_NEXT(rcv, tgen_sec) && MSG_NEXT(tgen_sec, pri) && MSG_ADJ(pri, t_reported) &&
               MSG_NEXT(t_reported, t_generated) && MSG_ADJ(t_generated, peerlen),
               "sl_msg: a field among those sl_msg_new_at sets (refcnt .. t_generated)");
_Static_assert(offsetof(struct sl_msg, peer) + sizeof(union sl_msg_peer) == sizeof(struct sl_msg),
               "sl_msg: peer is the last field");

static void msg_block_free(struct sl_msg *m)
{
#if MSG_POOL
    if (m->blk_class != POOL_NONE) {
        pool_free(m->blk_class, m);
        return;
    }
    if (!atomic_load_explicit(&pool_big_used, memory_order_relaxed)) {
        atomic_store_explicit(&pool_big_used, 1, memory_order_relaxed);
    }
#endif
    free(m);
}

/* timegenerated from rcv, and the second it was computed from */
void sl_msg_set_tgen(struct sl_msg *m)
{
    sl_time_now(&m->t_generated, &m->rcv, 0);
    m->tgen_sec = m->rcv.tv_sec;
}

struct sl_msg *sl_msg_new(const char *raw, size_t len)
{
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    return sl_msg_new_at(raw, len, &now);
}

struct sl_msg *sl_msg_new_at(const char *raw, size_t len, const struct timespec *rcv)
{
    /* one block for the object and its raw bytes */
    uint8_t blk_class;
    struct sl_msg *m = msg_block_alloc(len, &blk_class);
    MSG_CLEAR(m, peerlen, peer);
    m->blk_class = blk_class;
    atomic_init(&m->refcnt, 1);
    m->raw = (char *)(m + 1);
    m->flags = MSGF_RAW_INLINE;
    if (len > 0) {
        memcpy(m->raw, raw, len);
    }
    m->raw[len] = '\0';
    m->raw_len = len;
    m->rcv = *rcv;
    sl_msg_set_tgen(m);
    m->t_reported = m->t_generated;
    m->pri = 13;
    return m;
}

/* sl_msg_set_peer's general case: no address, IPv6, or one longer than IPv6 (AF_UNIX) in
 * a copy of its own (kept for the next such peer, else freed). */
static __attribute__((noinline)) void set_peer_other(struct sl_msg *m, const struct sockaddr *sa,
                                                     socklen_t len)
{
    struct sockaddr_storage *ext = (m->flags & MSGF_PEER_EXT) ? m->peer.ext : NULL;
    if (sa == NULL || len == 0 || len > sizeof(struct sockaddr_storage)) {
        m->peerlen = 0;
    } else if (len <= SL_MSG_PEER_INLINE) {
        memcpy(&m->peer, sa, len);
        m->peerlen = len;
    } else {
        if (ext == NULL) {
            ext = sl_xmalloc(sizeof *ext);
        }
        memcpy(ext, sa, len);
        m->peer.ext = ext;
        m->peerlen = len;
        m->flags |= MSGF_PEER_EXT;
        return;
    }
    if (ext != NULL) {
        free(ext);
        m->flags &= ~MSGF_PEER_EXT;
    }
}

void sl_msg_set_peer(struct sl_msg *m, const struct sockaddr *sa, socklen_t len)
{
    if (sa != NULL && len == sizeof(struct sockaddr_in) && !(m->flags & MSGF_PEER_EXT)) {
        /* IPv4, the usual peer: a fixed-size copy (the general one is a byte loop) */
        memcpy(&m->peer.in, sa, sizeof(struct sockaddr_in));
        m->peerlen = len;
    } else {
        set_peer_other(m, sa, len);
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

char *sl_msg_scratch(struct sl_msg *m, size_t n)
{
#if MSG_POOL
    /* a pool block has room up to its class size; while raw is the inline copy (raw_len
     * only ever shrank, by the sanitizer) the room starts after its NUL */
    if ((m->flags & (MSGF_RAW_INLINE | MSGF_SLACK_USED)) == MSGF_RAW_INLINE &&
        m->blk_class != POOL_NONE) {
        size_t used = sizeof(struct sl_msg) + m->raw_len + 1;
        size_t cap = ((size_t)m->blk_class + 1) * POOL_STEP;
        if (used <= cap && cap - used >= n) {
            m->flags |= MSGF_SLACK_USED;
            return (char *)(m + 1) + m->raw_len + 1;
        }
    }
#endif
    return sl_msg_own(m, sl_xmalloc(n));
}

struct sl_msg_retired {
    struct sl_msg_retired *next;
    char *raw;   /* NULL when the retired buffer was the inline one */
};

/* A NUL-terminated copy of s[0..len) and a record linked into m's retired list, whose raw
 * (what is freed with the message) the caller sets; NULL when out of memory (nothing
 * linked). */
static char *copy_retired(struct sl_msg *m, const char *s, size_t len,
                          struct sl_msg_retired **rec)
{
    char *c = malloc(len + 1);
    struct sl_msg_retired *r = malloc(sizeof(*r));
    if (c == NULL || r == NULL) {
        free(c);
        free(r);
        return NULL;
    }
    if (len > 0) {
        memcpy(c, s, len);
    }
    c[len] = '\0';
    r->raw = NULL;
    r->next = m->retired;
    m->retired = r;
    *rec = r;
    return c;
}

char *sl_msg_keep(struct sl_msg *m, const char *s, size_t len)
{
    struct sl_msg_retired *r;
    char *c = copy_retired(m, s, len, &r);
    if (c != NULL) {
        r->raw = c;
    }
    return c;
}

/* rsyslog's MarkInterval: the period of the marks, set by the mark input */
static _Atomic int64_t mark_interval = 20 * 60;

void sl_msg_set_mark(struct sl_msg *m, int64_t interval)
{
    m->flags |= SL_MSGF_MARK;
    atomic_store_explicit(&mark_interval, interval, memory_order_relaxed);
}

int64_t sl_mark_interval(void)
{
    return atomic_load_explicit(&mark_interval, memory_order_relaxed);
}

/* fromhost / fromhost-ip given by a parser or modifier: the old string may be in use by a
 * reader on another thread (a queued action), so it is retired, not freed */
static int set_fromhost(struct sl_msg *m, char **slot, const char *val, size_t len)
{
    struct sl_msg_retired *r;
    char *c = copy_retired(m, val, len, &r);
    if (c == NULL) {
        return SL_ENOMEM;
    }
    r->raw = __atomic_exchange_n(slot, c, __ATOMIC_ACQ_REL);
    return 0;
}

/* rsyslog's MsgSetRawMsg: the raw bytes change, MSG keeps its offset and its length moves
 * by the change of the raw length (empty when the new raw ends before it) */
static int set_rawmsg(struct sl_msg *m, const char *val, size_t len)
{
    int in_raw = m->msg.p != NULL && m->msg.p >= m->raw && m->msg.p <= m->raw + m->raw_len;
    size_t off = in_raw ? (size_t)(m->msg.p - m->raw) : 0;
    struct sl_msg_retired *r;
    char *nbuf = copy_retired(m, val, len, &r);
    if (nbuf == NULL) {
        return SL_ENOMEM;
    }
    if (in_raw) {
        int64_t ml = (int64_t)m->msg.len + (int64_t)len - (int64_t)m->raw_len;
        int64_t room = off < len ? (int64_t)(len - off) : 0;
        m->msg.p = nbuf + (off < len ? off : len);
        m->msg.len = ml <= 0 ? 0 : (size_t)(ml < room ? ml : room);
    }
    /* the old raw is retired, not freed: spans of other fields point into it */
    r->raw = (m->flags & MSGF_RAW_INLINE) ? NULL : m->raw;
    m->flags &= ~(uint32_t)(MSGF_RAW_INLINE | SL_MSGF_RAW_NO_NUL);
    m->raw = nbuf;
    m->raw_len = len;
    if (m->after_pri > len) {
        m->after_pri = len;
    }
    return 0;
}

/* the decimal text of an integer property, as rsyslog's json_object_get_int reads it */
static long prop_number(const char *val, size_t len)
{
    size_t i = 0;
    while (i < len && (val[i] == ' ' || val[i] == '\t')) {
        i++;
    }
    int neg = i < len && val[i] == '-';
    long v = 0;
    for (i += neg || (i < len && val[i] == '+'); i < len && val[i] >= '0' && val[i] <= '9'; i++) {
        v = v < 100000 ? v * 10 + (val[i] - '0') : v;
    }
    return neg ? -v : v;
}

/* numbers: as rsyslog's msgSetPRI and its facility/severity setters; SL_ENOENT for
 * another name */
static int set_pri_prop(struct sl_msg *m, const char *name, const char *val, size_t len)
{
    long v = prop_number(val, len);
    int fac = m->pri >> 3, sev = m->pri & 7;
    if (strcmp(name, "pri") == 0) {
        if (v > 191 || v < 0) {
            v = SL_PRI_INVALID;     /* rsyslog: > LOG_MAXPRI is invalid (and a negative
                                     * one is huge as its unsigned type) */
        }
        m->pri = (int)v;
    } else if (strcmp(name, "syslogfacility") == 0) {
        if (v >= 0 && v <= 24) {
            m->pri = (int)v * 8 + sev;
        }
    } else if (strcmp(name, "syslogseverity") == 0) {
        if (v >= 0 && v <= 7) {
            m->pri = fac * 8 + (int)v;
        }
    } else {
        return SL_ENOENT;
    }
    return 0;
}

/* a text field: a kept copy */
static int set_span(struct sl_msg *m, struct sl_str *f, const char *val, size_t len)
{
    char *c = sl_msg_keep(m, val, len);
    if (c == NULL) {
        return SL_ENOMEM;
    }
    *f = (struct sl_str){ c, len };
    return 0;
}

/* What parsers and modifiers may both set: fromhost, fromhost-ip, structured-data and the
 * numbers; *pri tells whether a number was set.  SL_ENOENT for another name. */
static int set_shared(struct sl_msg *m, const char *name, const char *val, size_t len, int *pri)
{
    *pri = 0;
    if (strcmp(name, "fromhost") == 0) {
        return set_fromhost(m, &m->fromhost, val, len);
    }
    if (strcmp(name, "fromhost-ip") == 0) {
        return set_fromhost(m, &m->fromhost_ip, val, len);
    }
    if (strcmp(name, "structured-data") == 0) {
        return set_span(m, &m->sd, val, len);
    }
    int rc = set_pri_prop(m, name, val, len);
    *pri = rc == 0;
    return rc;
}

int sl_msg_parse_set_prop(struct sl_msg *m, const char *name, const char *val, size_t len)
{
    if (m == NULL || name == NULL || (val == NULL && len > 0) || !(m->flags & SL_MSGF_IN_PARSE)) {
        return SL_EINVAL;
    }
    int pri;
    int rc = set_shared(m, name, val != NULL ? val : "", len, &pri);
    if (pri) {
        m->fields_set |= SL_MF_PRI;
    }
    return rc;
}

int sl_msg_set_prop(struct sl_msg *m, const char *name, const char *val, size_t len)
{
    if (m == NULL || name == NULL || (val == NULL && len > 0)) {
        return SL_EINVAL;
    }
    if (val == NULL) {
        val = "";
    }
    if (m->flags & SL_MSGF_IN_PARSE) {
        int rc = sl_msg_parse_set_prop(m, name, val, len);
        if (rc != SL_ENOENT) {
            return rc;
        }
    }
    if (strcmp(name, "msg") == 0) {
        return sl_msg_replace_msg(m, val, len);
    }
    if (strcmp(name, "rawmsg") == 0) {
        return set_rawmsg(m, val, len);
    }
    if (strcmp(name, "syslogtag") == 0) {
        int rc = set_span(m, &m->tag, val, len);
        /* programname (and app-name, procid of RFC 3164 messages) follow the new TAG */
        m->programname = (struct sl_str){ NULL, 0 };
        m->flags &= ~(uint32_t)SL_MSGF_PROGNAME_DONE;
        return rc;
    }
    if (strcmp(name, "hostname") == 0 || strcmp(name, "source") == 0) {
        return set_span(m, &m->hostname, val, len);
    }
    if (strcmp(name, "procid") == 0) {
        return set_span(m, &m->procid, val, len);
    }
    if (strcmp(name, "msgid") == 0) {
        return set_span(m, &m->msgid, val, len);
    }
    int pri;
    return set_shared(m, name, val, len, &pri);
}

/* The rest of the last unref: what the message owns besides its block. */
static __attribute__((noinline)) void msg_free_owned(struct sl_msg *m)
{
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
    if (m->fields_blk != NULL) {
        free(m->fields_blk);
    }
    if (m->preset_tag != NULL) {
        free(m->preset_tag);
    }
    if (m->flags & MSGF_PEER_EXT) {
        free(m->peer.ext);
    }
    while (m->retired != NULL) {
        struct sl_msg_retired *r = m->retired;
        m->retired = r->next;
        free(r->raw);
        free(r);
    }
}

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
    /* most messages own nothing but their block: one test for all of it (the separate
     * tests and the calls they guard are out of line) */
    if ((m->flags & (MSGF_RAW_INLINE | MSGF_PEER_EXT)) != MSGF_RAW_INLINE ||
        ((uintptr_t)m->fromhost | (uintptr_t)m->fromhost_ip | (uintptr_t)m->json |
         (uintptr_t)m->localvars | (uintptr_t)m->n_owned | (uintptr_t)m->owned[OWNED_UUID_SLOT] |
         (uintptr_t)m->fields_blk | (uintptr_t)m->preset_tag | (uintptr_t)m->retired) != 0) {
        msg_free_owned(m);
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
        sl_msg_set_tgen(m);
        if (!(m->fields_set & SL_MF_TIME)) {
            m->t_reported = m->t_generated;   /* else msg_set_fields gave the timestamp */
        }
    }
    if (lm->hostname != NULL) {
        /* imuxsock HostName=: fromhost (and so HOSTNAME) instead of the local host name */
        free(m->fromhost);
        m->fromhost = sl_xstrdup(lm->hostname);
    }
    if ((lm->flags & SL_LOCAL_PRESET) && lm->tag != NULL) {
        free(m->preset_tag);
        m->preset_tag = sl_xstrdup(lm->tag);
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
    } else if (getnameinfo(sl_msg_peer(m), m->peerlen, host, sizeof(host),
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
    return publish(&m->fromhost, sl_dns_fromhost(sl_msg_peer(m), m->peerlen));
}

static const char *get_fromhost_port(struct sl_msg *m, char tmp[SL_PROP_TMP], size_t *len)
{
    unsigned port = 0;
    if (m->peerlen == 0) {
        *len = 0;
        return "";
    }
    const struct sockaddr *sa = sl_msg_peer(m);
    if (sa->sa_family == AF_INET) {
        port = ntohs(((const struct sockaddr_in *)sa)->sin_port);
    } else if (sa->sa_family == AF_INET6) {
        port = ntohs(((const struct sockaddr_in6 *)sa)->sin6_port);
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

/* v in decimal into buf, NUL-terminated, as snprintf "%u" (PRI, facility and severity are
 * rendered for every message by the forwarding templates: snprintf cost ~650 instructions
 * a message there).  Returns the length. */
static size_t fmt_uint(char *buf, unsigned v)
{
    char t[10];
    size_t n = 0, k = 0;
    do {
        t[n++] = (char)('0' + v % 10);
        v /= 10;
    } while (v != 0);
    while (n > 0) {
        buf[k++] = t[--n];
    }
    buf[k] = '\0';
    return k;
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
    if (sl_json_dump(o, FJSON_TO_STRING_SPACED, &b) != 0) {
        sl_buf_free(&b);
    }
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
        *len = fmt_uint(tmp, (unsigned)m->pri);
        return tmp;
    case SL_PROP_PRI_TEXT:
        *len = (size_t)snprintf(tmp, SL_PROP_TMP, "%s.%s",
                                pri_valid(m) ? sl_facility_text[m->pri >> 3] : "invld",
                                sl_severity_text[m->pri & 7]);
        return tmp;
    case SL_PROP_IUT:
        *len = 1;
        return "1";
    case SL_PROP_SYSLOGFACILITY:
        if (!pri_valid(m)) {
            *len = 5;
            return "invld";
        }
        *len = fmt_uint(tmp, (unsigned)(m->pri >> 3));
        return tmp;
    case SL_PROP_SYSLOGFACILITY_TEXT:
        s = pri_valid(m) ? sl_facility_text[m->pri >> 3] : "invld";
        *len = strlen(s);
        return s;
    case SL_PROP_SYSLOGSEVERITY:
        *len = fmt_uint(tmp, (unsigned)(m->pri & 7));
        return tmp;
    case SL_PROP_SYSLOGSEVERITY_TEXT:
        s = sl_severity_text[m->pri & 7];
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
        if (sl_json_dump(root, ref->id == SL_PROP_CEE_ALL_JSON ? FJSON_TO_STRING_SPACED
                         : FJSON_TO_STRING_PLAIN, &b) != 0) {
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
    case SL_PROP_UUID:
        s = get_uuid(m);
        *len = 32;
        return s;
    case SL_PROP_CEE:
    case SL_PROP_LOCAL_VAR:
        return sl_json_value_text(sl_msg_json_get(m, ref->id, ref->path), len, to_free);
    case SL_PROP_GLOBAL_VAR: {
        pthread_mutex_lock(&sl_global_vars_lock);
        const char *v = sl_json_value_text(sl_msg_json_get(m, ref->id, ref->path), len, to_free);
        if (*to_free == NULL && *len > 0) {
            *to_free = sl_xstrndup(v, *len);
            v = *to_free;
        }
        pthread_mutex_unlock(&sl_global_vars_lock);
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
