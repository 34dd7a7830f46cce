/*
 * spool.c - the disk spool: a segmented, checksummed, append-only log of opaque records with
 * a crash-safe read frontier (contract in spool.h).
 *
 * Layout (all integers little-endian):
 *   segment header (32 bytes): "SLSPSEG1", u32 version (2), u32 header length, u64 sequence,
 *       u32 salt, u32 CRC32C of the first 28 bytes.
 *   record: u32 payload length, u32 CRC32C (seeded with the segment's salt, then the length
 *       field, then the payload), payload.  The length field in the CRC keeps an all-zero
 *       region from parsing as a record.  The salt (random per segment, never 0) keeps a
 *       record-shaped byte pattern inside a payload - a message a sender wrote to look like
 *       a spool record - from verifying as a record when recovery resynchronises after
 *       damage: forging one means guessing 32 unknown bits.  Version 1 segments (written
 *       before the salt; the field was "flags", always 0) are read with salt 0.
 *   footer (24 bytes, seals a full segment): u32 0xffffffff, u32 record count,
 *       u64 payload bytes, u32 "SLFT", u32 CRC32C of the first 20 bytes.
 *   state file (1024 bytes): slot A at 0, slot B at 512 (different sectors), each 64 bytes:
 *       u32 "SLST", u32 version, u64 generation, u64 segment, u64 offset, u64 record index in
 *       the segment, u64 records acked in total, 12 reserved bytes, u32 CRC32C of bytes 0..59.
 *
 * Recovery (spool_recover.c): sl_spool_open reads the newest valid state slot, deletes
 * segments before its frontier, scans the remaining ones (header, every record CRC) to
 * count what is waiting, and sets damaged ones aside: the damaged file is hard-linked as NAME.SEQ.seg.bad and the
 * segment is replaced (atomic rename) by a copy of its intact prefix, so that record offsets
 * (and the state frontier) stay valid, followed by the records after the damage when they
 * verify up to the end of the segment (find_tail; they lie after the frontier, so their new
 * offsets are not referenced yet).  Damage before the state's frontier (records already
 * delivered) is stepped over.  Appends always go to a fresh segment created at open.
 *
 * Ownership: the spool owns its descriptors, its read window (records returned by peek point
 * into it until the next call) and its write staging buffer; memory is bounded by the two
 * buffers plus the largest record and the in-flight table (one entry per peeked record).
 * Concurrency & locking: one thread at a time per spool (the owning queue serialises calls);
 * one process at a time per spool directory+name (flock on the state file).
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "spool.h"
#include "spool_int.h"

const char seg_magic[8] = { 'S', 'L', 'S', 'P', 'S', 'E', 'G', '1' };

/* ---------------------------------------------------------------- CRC32C */

static uint32_t crc_tab[8][256];
static pthread_once_t crc_once = PTHREAD_ONCE_INIT;
static int crc_hw;

static void crc_init(void)
{
    for (uint32_t i = 0; i < 256; i++) {
        uint32_t c = i;
        for (int k = 0; k < 8; k++) {
            c = (c & 1) ? (c >> 1) ^ 0x82f63b78u : c >> 1;
        }
        crc_tab[0][i] = c;
    }
    for (uint32_t i = 0; i < 256; i++) {
        for (int t = 1; t < 8; t++) {
            crc_tab[t][i] = (crc_tab[t - 1][i] >> 8) ^ crc_tab[0][crc_tab[t - 1][i] & 0xff];
        }
    }
#if defined(__x86_64__)
    __builtin_cpu_init();
    crc_hw = __builtin_cpu_supports("sse4.2");
#endif
}

static uint32_t crc_sw(uint32_t c, const unsigned char *p, size_t len)
{
    while (len > 0 && ((uintptr_t)p & 7) != 0) {
        c = crc_tab[0][(c ^ *p++) & 0xff] ^ (c >> 8);
        len--;
    }
    while (len >= 8) {
        uint64_t w;
        memcpy(&w, p, 8);
        uint32_t lo = (uint32_t)w ^ c;
        uint32_t hi = (uint32_t)(w >> 32);
        c = crc_tab[7][lo & 0xff] ^ crc_tab[6][(lo >> 8) & 0xff] ^
            crc_tab[5][(lo >> 16) & 0xff] ^ crc_tab[4][lo >> 24] ^
            crc_tab[3][hi & 0xff] ^ crc_tab[2][(hi >> 8) & 0xff] ^
            crc_tab[1][(hi >> 16) & 0xff] ^ crc_tab[0][hi >> 24];
        p += 8;
        len -= 8;
    }
    while (len > 0) {
        c = crc_tab[0][(c ^ *p++) & 0xff] ^ (c >> 8);
        len--;
    }
    return c;
}

#if defined(__x86_64__)
__attribute__((target("sse4.2")))
static uint32_t crc_hw_run(uint32_t c, const unsigned char *p, size_t len)
{
    uint64_t c64 = c;
    while (len >= 8) {
        uint64_t w;
        memcpy(&w, p, 8);
        c64 = __builtin_ia32_crc32di(c64, w);
        p += 8;
        len -= 8;
    }
    c = (uint32_t)c64;
    while (len > 0) {
        c = __builtin_ia32_crc32qi(c, *p++);
        len--;
    }
    return c;
}
#endif

uint32_t sl_crc32c(uint32_t crc, const void *p, size_t len)
{
    pthread_once(&crc_once, crc_init);
    uint32_t c = ~crc;
#if defined(__x86_64__)
    if (crc_hw) {
        return ~crc_hw_run(c, p, len);
    }
#endif
    return ~crc_sw(c, p, len);
}

/* ---------------------------------------------------------------- encoding helpers */

static void put32(unsigned char *p, uint32_t v)
{
    for (int i = 0; i < 4; i++) {
        p[i] = (unsigned char)(v >> (8 * i));
    }
}

static void put64(unsigned char *p, uint64_t v)
{
    for (int i = 0; i < 8; i++) {
        p[i] = (unsigned char)(v >> (8 * i));
    }
}

uint32_t get32(const unsigned char *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

uint64_t get64(const unsigned char *p)
{
    return (uint64_t)get32(p) | (uint64_t)get32(p + 4) << 32;
}

uint32_t rec_crc(uint32_t salt, const unsigned char *lenfield, const void *payload, size_t len)
{
    return sl_crc32c(sl_crc32c(salt, lenfield, 4), payload, len);
}

/* A new segment's salt: random, never 0 (0 is what version 1 segments use). */
static uint32_t seg_salt(uint64_t seq)
{
    uint32_t v = 0;
    if (getrandom(&v, sizeof(v), GRND_NONBLOCK) != (ssize_t)sizeof(v)) {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        uint64_t x = (uint64_t)ts.tv_nsec * 0x9e3779b97f4a7c15u ^ (uint64_t)ts.tv_sec ^
                     (uint64_t)getpid() << 32 ^ seq * 0xff51afd7ed558ccdu;
        v = (uint32_t)(x ^ x >> 32);
    }
    return v != 0 ? v : 0x5a17u;
}


void seg_name(const struct sl_spool *s, uint64_t seq, const char *suffix, char *out, size_t cap)
{
    snprintf(out, cap, "%s.%08llu.seg%s", s->name, (unsigned long long)seq, suffix);
}

static struct seg *seg_active(struct sl_spool *s)
{
    return &s->segs[s->nsegs - 1];
}

static int seg_is_active(const struct sl_spool *s, const struct seg *g)
{
    return g == &s->segs[s->nsegs - 1] && s->wfd >= 0;
}

struct seg *seg_push(struct sl_spool *s)
{
    if (s->nsegs == s->capsegs) {
        s->capsegs = s->capsegs ? s->capsegs * 2 : 16;
        s->segs = sl_xrealloc(s->segs, s->capsegs * sizeof(*s->segs));
    }
    struct seg *g = &s->segs[s->nsegs++];
    memset(g, 0, sizeof(*g));
    return g;
}

int full_pwrite(int fd, const void *p, size_t len, uint64_t off)
{
    const unsigned char *c = p;
    unsigned tries = 0;
    while (len > 0) {
        ssize_t w = pwrite(fd, c, len, (off_t)off);
        if (w < 0) {
            if (errno == EINTR && ++tries < 1000) {
                continue;
            }
            return SL_EIO;
        }
        if (w == 0) {
            return SL_EIO;
        }
        c += w;
        len -= (size_t)w;
        off += (uint64_t)w;
    }
    return 0;
}

ssize_t full_pread(int fd, void *p, size_t len, uint64_t off)
{
    unsigned char *c = p;
    size_t got = 0;
    unsigned tries = 0;
    while (got < len) {
        ssize_t r = pread(fd, c + got, len - got, (off_t)(off + got));
        if (r < 0) {
            if (errno == EINTR && ++tries < 1000) {
                continue;
            }
            return -1;
        }
        if (r == 0) {
            break;
        }
        got += (size_t)r;
    }
    return (ssize_t)got;
}

/* ---------------------------------------------------------------- state file */

static void drop_consumed(struct sl_spool *s);

static void state_encode(const struct sl_spool *s, uint64_t gen, unsigned char *b)
{
    memset(b, 0, STATE_SLOT_LEN);
    put32(b, STATE_MAGIC);
    put32(b + 4, STATE_VERSION);
    put64(b + 8, gen);
    put64(b + 16, s->apos.seq);
    put64(b + 24, s->apos.off);
    put64(b + 32, s->apos.idx);
    put64(b + 40, s->total_acked);
    put32(b + 60, sl_crc32c(0, b, 60));
}

int state_decode(const unsigned char *b, uint64_t *gen, struct pos *p, uint64_t *acked)
{
    if (get32(b) != STATE_MAGIC || get32(b + 4) != STATE_VERSION ||
        get32(b + 60) != sl_crc32c(0, b, 60)) {
        return -1;
    }
    *gen = get64(b + 8);
    p->seq = get64(b + 16);
    p->off = get64(b + 24);
    p->idx = get64(b + 32);
    *acked = get64(b + 40);
    return 0;
}

int state_write(struct sl_spool *s)
{
    unsigned char b[STATE_SLOT_LEN];
    uint64_t gen = s->state_gen + 1;
    state_encode(s, gen, b);
    uint64_t off = s->state_slot_next ? STATE_SLOT_B : 0;
    if (full_pwrite(s->statefd, b, sizeof(b), off) != 0) {
        sl_log(SL_LOG_ERR, WHO, "%s: cannot write state: %s", s->name, strerror(errno));
        return SL_EIO;
    }
    if (s->o.sync == SL_SPOOL_SYNC_BATCH && fdatasync(s->statefd) != 0) {
        sl_log(SL_LOG_ERR, WHO, "%s: cannot sync state: %s", s->name, strerror(errno));
        return SL_EIO;
    }
    s->state_gen = gen;
    s->state_slot_next = !s->state_slot_next;
    s->acks_since_ckpt = 0;
    drop_consumed(s);
    return 0;
}

/* ---------------------------------------------------------------- directory helpers */

static int dir_sync(struct sl_spool *s)
{
    if (s->o.sync == SL_SPOOL_SYNC_BATCH && s->dir_dirty) {
        if (fsync(s->dirfd) != 0) {
            sl_log(SL_LOG_ERR, WHO, "%s: cannot sync directory %s: %s", s->name, s->dir,
                   strerror(errno));
            return SL_EIO;
        }
    }
    s->dir_dirty = 0;
    return 0;
}

/* Parse "NAME.DIGITS.seg" + suffix; returns 1 and the sequence when it matches. */
int parse_seg_name(const struct sl_spool *s, const char *fn, const char *suffix, uint64_t *seq)
{
    size_t nl = strlen(s->name);
    if (strncmp(fn, s->name, nl) != 0 || fn[nl] != '.') {
        return 0;
    }
    const char *d = fn + nl + 1;
    uint64_t v = 0;
    size_t nd = 0;
    while (d[nd] >= '0' && d[nd] <= '9' && nd < 19) {
        v = v * 10 + (uint64_t)(d[nd] - '0');
        nd++;
    }
    if (nd == 0 || strncmp(d + nd, ".seg", 4) != 0 || strcmp(d + nd + 4, suffix) != 0) {
        return 0;
    }
    *seq = v;
    return 1;
}

int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

/* ---------------------------------------------------------------- segments */

int seg_create(struct sl_spool *s)
{
    char fn[PATH_MAX];
    unsigned tries = 0;
    int fd;
    for (;;) {
        seg_name(s, s->next_seq, "", fn, sizeof(fn));
        fd = openat(s->dirfd, fn, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
        if (fd >= 0) {
            break;
        }
        if (errno != EEXIST || ++tries > 1000) {
            sl_log(SL_LOG_ERR, WHO, "%s/%s: cannot create: %s", s->dir, fn, strerror(errno));
            return SL_EIO;
        }
        s->next_seq++;
    }
    unsigned char h[SEG_HDR_LEN];
    memset(h, 0, sizeof(h));
    memcpy(h, seg_magic, 8);
    put32(h + 8, SEG_VERSION);
    put32(h + 12, SEG_HDR_LEN);
    put64(h + 16, s->next_seq);
    uint32_t salt = seg_salt(s->next_seq);
    put32(h + 24, salt);
    put32(h + 28, sl_crc32c(0, h, 28));
    if (full_pwrite(fd, h, sizeof(h), 0) != 0) {
        sl_log(SL_LOG_ERR, WHO, "%s/%s: cannot write header: %s", s->dir, fn, strerror(errno));
        close(fd);
        unlinkat(s->dirfd, fn, 0);
        return SL_EIO;
    }
    struct seg *g = seg_push(s);
    g->seq = s->next_seq++;
    g->salt = salt;
    g->data_end = SEG_HDR_LEN;
    g->size = SEG_HDR_LEN;
    s->wfd = fd;
    s->wdirty = 1;
    s->dir_dirty = 1;
    s->disk += SEG_HDR_LEN;
    return 0;
}

/* Write the footer of the active segment, make it durable per policy, and close it. */
static int seg_seal(struct sl_spool *s)
{
    struct seg *g = seg_active(s);
    unsigned char f[FOOTER_LEN];
    put32(f, FOOTER_MARK);
    put32(f + 4, (uint32_t)g->nrec);
    put64(f + 8, g->payload);
    put32(f + 16, FOOTER_MAGIC);
    put32(f + 20, sl_crc32c(0, f, 20));
    if (full_pwrite(s->wfd, f, sizeof(f), g->data_end) != 0) {
        sl_log(SL_LOG_ERR, WHO, "%s: cannot seal segment %llu: %s", s->name,
               (unsigned long long)g->seq, strerror(errno));
        return SL_EIO;
    }
    if (s->o.sync == SL_SPOOL_SYNC_BATCH && fdatasync(s->wfd) != 0) {
        sl_log(SL_LOG_ERR, WHO, "%s: cannot sync segment %llu: %s", s->name,
               (unsigned long long)g->seq, strerror(errno));
        return SL_EIO;
    }
    close(s->wfd);
    s->wfd = -1;
    s->wdirty = 0;
    g->size = g->data_end + FOOTER_LEN;
    g->sealed = 1;
    s->disk += FOOTER_LEN;
    return 0;
}

static void seg_remove_first(struct sl_spool *s)
{
    char fn[PATH_MAX];
    struct seg *g = &s->segs[0];
    seg_name(s, g->seq, "", fn, sizeof(fn));
    if (unlinkat(s->dirfd, fn, 0) != 0 && errno != ENOENT) {
        sl_log(SL_LOG_WARNING, WHO, "%s/%s: cannot remove: %s", s->dir, fn, strerror(errno));
    }
    if (s->rfd >= 0 && s->rfd_seq == g->seq) {
        close(s->rfd);
        s->rfd = -1;
    }
    if (s->win_seq == g->seq) {
        s->win_len = 0;
        s->win_seq = 0;
    }
    s->disk -= g->size;
    s->dir_dirty = 1;
    memmove(&s->segs[0], &s->segs[1], (s->nsegs - 1) * sizeof(*s->segs));
    s->nsegs--;
}

static struct seg *seg_lookup(struct sl_spool *s, uint64_t seq)
{
    size_t lo = 0, hi = s->nsegs;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (s->segs[mid].seq < seq) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    return lo < s->nsegs ? &s->segs[lo] : NULL;   /* the segment, or the next one after it */
}

/* Move the frontier over exhausted non-active segments (they are deleted once a checkpoint
 * beyond them is written, so that un-checkpointed acks can still be replayed). */
void frontier_normalise(struct sl_spool *s)
{
    for (size_t guard = 0; guard <= s->nsegs; guard++) {
        struct seg *g = seg_lookup(s, s->apos.seq);
        if (g == NULL) {
            g = seg_active(s);
            s->apos = (struct pos){ g->seq, SEG_HDR_LEN, 0 };
            break;
        }
        if (g->seq != s->apos.seq) {
            s->apos = (struct pos){ g->seq, SEG_HDR_LEN, 0 };
        }
        if (g == seg_active(s) || s->apos.off < g->data_end) {
            break;
        }
        s->apos = (struct pos){ g[1].seq, SEG_HDR_LEN, 0 };
    }
    if (s->rpos.seq < s->apos.seq) {
        s->rpos = s->apos;
    }
}

/* Delete the segments wholly behind the frontier that was just written to the state. */
static void drop_consumed(struct sl_spool *s)
{
    while (s->nsegs > 1 && s->segs[0].seq < s->apos.seq) {
        seg_remove_first(s);
    }
}

/* ---------------------------------------------------------------- append & sync */

static void stage_close_range(struct sl_spool *s)
{
    if (s->stage_len > s->stage_mark) {
        s->iov[s->niov].iov_base = s->stage + s->stage_mark;
        s->iov[s->niov].iov_len = s->stage_len - s->stage_mark;
        s->niov++;
        s->stage_mark = s->stage_len;
    }
}

static void stage_reset(struct sl_spool *s)
{
    s->stage_len = 0;
    s->stage_mark = 0;
    s->niov = 0;
    s->pend_bytes = 0;
    s->pend_nrec = 0;
    s->pend_payload = 0;
}

/* One pwritev of everything staged at the end of the active segment. */
static int flush(struct sl_spool *s)
{
    stage_close_range(s);
    if (s->niov == 0) {
        return 0;
    }
    struct seg *g = seg_active(s);
    uint64_t off = g->data_end;
    struct iovec *v = s->iov;
    int nv = s->niov;
    unsigned tries = 0;
    while (nv > 0) {
        ssize_t w = pwritev(s->wfd, v, nv, (off_t)off);
        if (w <= 0) {
            if (w < 0 && errno == EINTR && ++tries < 1000) {
                continue;
            }
            sl_log(SL_LOG_ERR, WHO, "%s: cannot write segment %llu: %s", s->name,
                   (unsigned long long)g->seq, w < 0 ? strerror(errno) : "short write");
            if (ftruncate(s->wfd, (off_t)g->data_end) != 0) {
                sl_log(SL_LOG_ERR, WHO, "%s: cannot truncate segment: %s", s->name, strerror(errno));
            }
            stage_reset(s);
            return SL_EIO;
        }
        off += (uint64_t)w;
        size_t left = (size_t)w;
        while (nv > 0 && left >= v->iov_len) {
            left -= v->iov_len;
            v++;
            nv--;
        }
        if (nv > 0) {
            v->iov_base = (char *)v->iov_base + left;
            v->iov_len -= left;
        }
    }
    g->data_end += s->pend_bytes;
    g->size = g->data_end;
    g->nrec += s->pend_nrec;
    g->payload += s->pend_payload;
    s->count += s->pend_nrec;
    s->payload += s->pend_payload;
    s->disk += s->pend_bytes;
    s->wdirty = 1;
    stage_reset(s);
    return 0;
}

static uint64_t seg_cap(const struct sl_spool *s)
{
    return s->o.max_segment_bytes ? s->o.max_segment_bytes : DEFAULT_SEG_BYTES;
}

int sl_spool_append(struct sl_spool *s, const struct iovec *recs, size_t n)
{
    if (n == 0) {
        return 0;
    }
    uint64_t cap = seg_cap(s);
    for (size_t i = 0; i < n; i++) {
        if (recs[i].iov_len > MAX_REC_LEN) {
            return SL_EINVAL;
        }
    }
    if (s->wfd < 0) {
        int rc = seg_create(s);   /* an earlier roll-over failed half way */
        if (rc != 0) {
            return rc;
        }
    }
    if (s->o.max_disk_bytes) {
        const struct seg *g = seg_active(s);
        uint64_t size = g->data_end, nr = g->nrec, extra = 0;
        for (size_t i = 0; i < n; i++) {
            uint64_t rl = REC_HDR_LEN + recs[i].iov_len;
            if (nr > 0 && size + rl + FOOTER_LEN > cap) {
                extra += FOOTER_LEN + SEG_HDR_LEN;
                size = SEG_HDR_LEN;
                nr = 0;
            }
            size += rl;
            extra += rl;
            nr++;
        }
        if (s->disk + extra > s->o.max_disk_bytes) {
            return SL_EAGAIN;
        }
    }
    for (size_t i = 0; i < n; i++) {
        size_t len = recs[i].iov_len;
        uint64_t rl = REC_HDR_LEN + len;
        struct seg *g = seg_active(s);
        if (g->nrec + s->pend_nrec > 0 && g->data_end + s->pend_bytes + rl + FOOTER_LEN > cap) {
            int rc = flush(s);
            if (rc == 0) {
                rc = seg_seal(s);
            }
            if (rc == 0) {
                rc = seg_create(s);
            }
            if (rc != 0) {
                return rc;
            }
        }
        int small = len <= SMALL_REC;
        size_t need = REC_HDR_LEN + (small ? len : 0);
        if (s->stage_len + need > STAGE_CAP || s->niov + 3 > MAX_IOV) {
            int rc = flush(s);
            if (rc != 0) {
                return rc;
            }
        }
        unsigned char *h = s->stage + s->stage_len;
        put32(h, (uint32_t)len);
        put32(h + 4, rec_crc(seg_active(s)->salt, h, recs[i].iov_base, len));
        s->stage_len += REC_HDR_LEN;
        if (small) {
            if (len > 0) {
                memcpy(s->stage + s->stage_len, recs[i].iov_base, len);
            }
            s->stage_len += len;
        } else {
            stage_close_range(s);
            s->iov[s->niov].iov_base = recs[i].iov_base;
            s->iov[s->niov].iov_len = len;
            s->niov++;
        }
        s->pend_bytes += rl;
        s->pend_nrec++;
        s->pend_payload += len;
    }
    return flush(s);
}

int sl_spool_sync(struct sl_spool *s)
{
    if (s->o.sync != SL_SPOOL_SYNC_BATCH) {
        return 0;
    }
    if (s->wfd >= 0 && s->wdirty) {
        if (fdatasync(s->wfd) != 0) {
            sl_log(SL_LOG_ERR, WHO, "%s: cannot sync segment: %s", s->name, strerror(errno));
            return SL_EIO;
        }
        s->wdirty = 0;
    }
    return dir_sync(s);
}

/* ---------------------------------------------------------------- peek, rewind, ack */

enum { WIN_OK = 1, WIN_FULL = 0, WIN_SHORT = 2 };

static int rfd_for(struct sl_spool *s, uint64_t seq)
{
    if (s->rfd >= 0 && s->rfd_seq == seq) {
        return 0;
    }
    if (s->rfd >= 0) {
        close(s->rfd);
    }
    char fn[PATH_MAX];
    seg_name(s, seq, "", fn, sizeof(fn));
    s->rfd = openat(s->dirfd, fn, O_RDONLY | O_CLOEXEC);
    if (s->rfd < 0) {
        sl_log(SL_LOG_ERR, WHO, "%s/%s: cannot open: %s", s->dir, fn, strerror(errno));
        return SL_EIO;
    }
    s->rfd_seq = seq;
    return 0;
}

/* Make bytes [off, off+need) of segment g addressable in the window.  may_move: no record
 * handed out by this peek points into the window yet, so it may be compacted or grown. */
static int win_get(struct sl_spool *s, const struct seg *g, uint64_t off, size_t need, int may_move,
                   const unsigned char **out)
{
    if (s->win_seq == g->seq && off >= s->win_off && off + need <= s->win_off + s->win_len) {
        *out = s->win + s->wstart + (off - s->win_off);
        return WIN_OK;
    }
    if (s->win_seq != g->seq || off < s->win_off || off > s->win_off + s->win_len) {
        s->wstart = may_move ? 0 : s->wstart + s->win_len;
        s->win_len = 0;
        s->win_off = off;
        s->win_seq = g->seq;
    }
    if (s->wstart + (off - s->win_off) + need > s->win_cap) {
        if (!may_move) {
            return WIN_FULL;
        }
        size_t keep = (size_t)(s->win_off + s->win_len - off);
        memmove(s->win, s->win + s->wstart + (off - s->win_off), keep);
        s->wstart = 0;
        s->win_off = off;
        s->win_len = keep;
        if (need > s->win_cap) {
            s->win_cap = need;
            s->win = sl_xrealloc(s->win, s->win_cap);
        }
    }
    if (rfd_for(s, g->seq) != 0) {
        return SL_EIO;
    }
    uint64_t from = s->win_off + s->win_len;
    uint64_t room = s->win_cap - s->wstart - s->win_len;
    uint64_t avail = g->data_end > from ? g->data_end - from : 0;
    size_t want = (size_t)(room < avail ? room : avail);
    if (want > 0) {
        ssize_t got = full_pread(s->rfd, s->win + s->wstart + s->win_len, want, from);
        if (got < 0) {
            sl_log(SL_LOG_ERR, WHO, "%s: cannot read segment %llu: %s", s->name,
                   (unsigned long long)g->seq, strerror(errno));
            return SL_EIO;
        }
        s->win_len += (size_t)got;
    }
    if (off + need > s->win_off + s->win_len) {
        return WIN_SHORT;
    }
    *out = s->win + s->wstart + (off - s->win_off);
    return WIN_OK;
}

static void fl_push(struct sl_spool *s, struct pos end, uint64_t len)
{
    if (s->fl_head + s->fl_n == s->fl_cap) {
        if (s->fl_head > 0) {
            memmove(s->fl, s->fl + s->fl_head, s->fl_n * sizeof(*s->fl));
            s->fl_head = 0;
        } else {
            s->fl_cap = s->fl_cap ? s->fl_cap * 2 : 256;
            s->fl = sl_xrealloc(s->fl, s->fl_cap * sizeof(*s->fl));
        }
    }
    s->fl[s->fl_head + s->fl_n++] = (struct inflight){ end, len };
}

/* A record of segment g at the peek position is damaged (the file changed after open). */
static int runtime_damage(struct sl_spool *s, struct seg *g)
{
    if (seg_is_active(s, g)) {
        sl_log(SL_LOG_ERR, WHO, "%s: active segment %llu damaged at offset %llu", s->name,
               (unsigned long long)g->seq, (unsigned long long)s->rpos.off);
        return SL_EIO;
    }
    uint64_t lost = g->nrec > s->rpos.idx ? g->nrec - s->rpos.idx : 0;
    sl_log(SL_LOG_ERR, WHO, "%s: segment %llu damaged at offset %llu; set aside, %llu record(s) lost",
           s->name, (unsigned long long)g->seq, (unsigned long long)s->rpos.off,
           (unsigned long long)lost);
    int rc = salvage(s, g->seq, s->rpos.off, 0, 0);
    if (s->rfd >= 0 && s->rfd_seq == g->seq) {
        close(s->rfd);
        s->rfd = -1;
    }
    s->disk -= g->size - s->rpos.off;
    g->size = s->rpos.off;
    g->data_end = s->rpos.off;
    g->nrec = s->rpos.idx;
    g->sealed = 0;
    s->count = s->count > lost ? s->count - lost : 0;
    s->set_aside++;
    s->lost += lost;
    return rc == 0 ? 0 : rc;
}

int sl_spool_peek(struct sl_spool *s, struct sl_spool_rec *out, size_t max, size_t *n)
{
    *n = 0;
    if (s->win_cap > 4 * WINDOW_CAP) {
        /* give back the memory a huge record needed */
        free(s->win);
        s->win_cap = WINDOW_CAP;
        s->win = sl_xmalloc(s->win_cap);
        s->wstart = 0;
        s->win_len = 0;
        s->win_seq = 0;
    }
    size_t guard = 0;
    while (*n < max && s->count > s->fl_n && guard++ < max + 4 * s->nsegs + 16) {
        struct seg *g = seg_lookup(s, s->rpos.seq);
        if (g == NULL) {
            break;
        }
        if (g->seq != s->rpos.seq) {
            s->rpos = (struct pos){ g->seq, SEG_HDR_LEN, 0 };
        }
        if (s->rpos.off >= g->data_end) {
            if (g == seg_active(s)) {
                break;
            }
            s->rpos = (struct pos){ g[1].seq, SEG_HDR_LEN, 0 };
            continue;
        }
        const unsigned char *h;
        int rc = win_get(s, g, s->rpos.off, REC_HDR_LEN, *n == 0, &h);
        uint32_t len = 0;
        if (rc == WIN_OK) {
            len = get32(h);
            if (len > MAX_REC_LEN || s->rpos.off + REC_HDR_LEN + len > g->data_end) {
                rc = WIN_SHORT;
            } else {
                rc = win_get(s, g, s->rpos.off, REC_HDR_LEN + len, *n == 0, &h);
            }
        }
        if (rc == WIN_OK && rec_crc(g->salt, h, h + REC_HDR_LEN, len) != get32(h + 4)) {
            rc = WIN_SHORT;
        }
        if (rc == WIN_FULL) {
            break;
        }
        if (rc < 0) {
            return rc;
        }
        if (rc == WIN_SHORT) {
            rc = runtime_damage(s, g);
            if (rc != 0) {
                return rc;
            }
            guard = 0;
            continue;
        }
        out[*n].p = h + REC_HDR_LEN;
        out[*n].len = len;
        (*n)++;
        s->rpos.off += REC_HDR_LEN + len;
        s->rpos.idx++;
        fl_push(s, s->rpos, len);
        guard = 0;
    }
    return 0;
}

void sl_spool_rewind(struct sl_spool *s)
{
    s->rpos = s->apos;
    s->fl_head = 0;
    s->fl_n = 0;
}

int sl_spool_ack(struct sl_spool *s, size_t n)
{
    if (n == 0) {
        return 0;
    }
    if (n > s->count) {
        return SL_EINVAL;
    }
    while (s->fl_n < n) {
        struct sl_spool_rec tmp[64];
        size_t want = n - s->fl_n < 64 ? n - s->fl_n : 64, got = 0;
        int rc = sl_spool_peek(s, tmp, want, &got);
        if (rc != 0) {
            return rc;
        }
        if (got == 0) {
            return SL_EINVAL;
        }
    }
    uint64_t bytes = 0;
    for (size_t i = 0; i < n; i++) {
        bytes += s->fl[s->fl_head + i].len;
    }
    s->apos = s->fl[s->fl_head + n - 1].end;
    s->fl_head += n;
    s->fl_n -= n;
    if (s->fl_n == 0) {
        s->fl_head = 0;
    }
    s->count -= n;
    s->payload = s->payload > bytes ? s->payload - bytes : 0;
    s->total_acked += n;
    s->acks_since_ckpt += n;
    frontier_normalise(s);
    if (s->o.checkpoint_interval == 0 || s->acks_since_ckpt >= s->o.checkpoint_interval) {
        return state_write(s);
    }
    return 0;
}

uint64_t sl_spool_count(const struct sl_spool *s)
{
    return s->count;
}

uint64_t sl_spool_bytes(const struct sl_spool *s)
{
    return s->disk;
}

void sl_spool_set_max_disk(struct sl_spool *s, uint64_t bytes)
{
    s->o.max_disk_bytes = bytes;
}

/* ---------------------------------------------------------------- open & close */

static void spool_free(struct sl_spool *s)
{
    if (s->wfd >= 0) {
        close(s->wfd);
    }
    if (s->rfd >= 0) {
        close(s->rfd);
    }
    if (s->statefd >= 0) {
        close(s->statefd);   /* releases the flock */
    }
    if (s->dirfd >= 0) {
        close(s->dirfd);
    }
    free(s->segs);
    free(s->fl);
    free(s->win);
    free(s->stage);
    free(s->dir);
    free(s->name);
    free(s);
}

void sl_spool_close(struct sl_spool *s)
{
    if (s == NULL) {
        return;
    }
    if (s->wfd >= 0) {
        struct seg *g = seg_active(s);
        if (g->nrec == 0) {
            char fn[PATH_MAX];
            seg_name(s, g->seq, "", fn, sizeof(fn));
            close(s->wfd);
            s->wfd = -1;
            if (unlinkat(s->dirfd, fn, 0) == 0) {
                s->dir_dirty = 1;
            }
        } else if (seg_seal(s) != 0) {
            close(s->wfd);
            s->wfd = -1;
        }
    }
    (void)state_write(s);
    (void)dir_sync(s);
    spool_free(s);
}

int sl_spool_open(const struct sl_spool_opts *o, struct sl_spool **out, struct sl_spool_report *rep)
{
    *out = NULL;
    if (rep != NULL) {
        memset(rep, 0, sizeof(*rep));
    }
    if (o == NULL || o->dir == NULL || o->name == NULL || o->name[0] == '\0' ||
        strchr(o->name, '/') != NULL || strlen(o->name) > 200) {
        return SL_EINVAL;
    }
    struct sl_spool *s = sl_xcalloc(1, sizeof(*s));
    s->o = *o;
    s->dir = sl_xstrdup(o->dir);
    s->name = sl_xstrdup(o->name);
    s->o.dir = s->dir;
    s->o.name = s->name;
    s->wfd = s->rfd = s->statefd = -1;
    s->dirfd = open(o->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (s->dirfd < 0) {
        sl_log(SL_LOG_ERR, WHO, "%s: cannot open spool directory: %s", o->dir, strerror(errno));
        spool_free(s);
        return errno == ENOENT ? SL_ENOENT : SL_EIO;
    }
    char fn[PATH_MAX];
    snprintf(fn, sizeof(fn), "%s.state", s->name);
    s->statefd = openat(s->dirfd, fn, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (s->statefd < 0) {
        sl_log(SL_LOG_ERR, WHO, "%s/%s: cannot open: %s", o->dir, fn, strerror(errno));
        spool_free(s);
        return SL_EIO;
    }
    if (flock(s->statefd, LOCK_EX | LOCK_NB) != 0) {
        sl_log(SL_LOG_ERR, WHO, "%s/%s: spool in use by another process", o->dir, fn);
        spool_free(s);
        return SL_EAGAIN;
    }
    s->stage = sl_xmalloc(STAGE_CAP);
    s->win_cap = WINDOW_CAP;
    s->win = sl_xmalloc(s->win_cap);
    int rc = recover(s, rep);
    if (rc != 0) {
        spool_free(s);
        return rc;
    }
    *out = s;
    return 0;
}
