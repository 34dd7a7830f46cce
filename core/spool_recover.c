/*
 * spool_recover.c - what sl_spool_open does with what a previous run left (layout in
 * spool.c): list the segments of a spool, scan each (header, every record's CRC) to count
 * what is waiting, and set damaged segments aside - the damaged file hard-linked as
 * NAME.SEQ.seg.bad, the segment replaced (atomic rename) by its intact prefix followed by the
 * records after the damage that verify to the end (find_tail).  The run-time path (append,
 * peek, ack) is in spool.c.
 *
 * Ownership: works on the spool being opened; temporary buffers are freed before returning.
 * Concurrency & locking: called from sl_spool_open only, before the spool is shared; the
 * state file's flock keeps other processes out.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"
#include "spool.h"
#include "spool_int.h"

/* ---------------------------------------------------------------- scanning & salvage */

struct scan {
    uint64_t data_end, nrec, payload, size;
    uint32_t salt;         /* from the header (0 for version 1) */
    int sealed, damaged, short_file;
    uint64_t lost;
    /* frontier lookup: the largest record boundary <= want_off */
    uint64_t want_off, at_off, at_idx, at_payload;
    uint64_t want_idx;     /* the state's record index at want_off */
    int skipped;           /* damage before want_off was stepped over (already delivered) */
    /* intact records after the damage: [tail_off, tail_off + tail_len) of the file */
    uint64_t tail_off, tail_len, tail_nrec, tail_payload;
};

/* Streaming reader over one file for the scan. */
struct rdr {
    int fd;
    unsigned char *buf;
    size_t cap, len;
    uint64_t off;        /* file offset of buf[0] */
};

/* Make [off, off+need) available; returns pointer or NULL when the file is shorter. */
static const unsigned char *rdr_get(struct rdr *r, uint64_t off, size_t need, int *err)
{
    if (off >= r->off && off + need <= r->off + r->len) {
        return r->buf + (off - r->off);
    }
    if (need > r->cap) {
        r->cap = need;
        r->buf = sl_xrealloc(r->buf, r->cap);
    }
    ssize_t got = full_pread(r->fd, r->buf, r->cap, off);
    if (got < 0) {
        *err = 1;
        r->len = 0;
        return NULL;
    }
    r->off = off;
    r->len = (size_t)got;
    if ((size_t)got < need) {
        return NULL;
    }
    return r->buf;
}

/* Best effort: records that look intact after a damaged spot (resynchronise byte by byte). */
static uint64_t count_after_damage(struct rdr *r, uint32_t salt, uint64_t from, uint64_t size,
                                   uint64_t n)
{
    uint64_t off = from + 1;
    int err = 0;
    while (off + REC_HDR_LEN <= size) {
        const unsigned char *h = rdr_get(r, off, REC_HDR_LEN, &err);
        if (h == NULL) {
            break;
        }
        uint32_t len = get32(h);
        if (len <= MAX_REC_LEN && off + REC_HDR_LEN + len <= size) {
            uint32_t want = get32(h + 4);
            unsigned char lf[4];
            memcpy(lf, h, 4);
            const unsigned char *p = rdr_get(r, off + REC_HDR_LEN, len, &err);
            if (p != NULL && rec_crc(salt, lf, p, len) == want) {
                n++;
                off += REC_HDR_LEN + len;
                continue;
            }
        }
        off++;
    }
    return n;
}

static int footer_valid(const unsigned char *f)
{
    return get32(f) == FOOTER_MARK && get32(f + 16) == FOOTER_MAGIC &&
           get32(f + 20) == sl_crc32c(0, f, 20);
}

/* Records lost in a damaged segment: exact when its footer survived, else a resync count. */
static uint64_t estimate_lost(struct rdr *r, const struct scan *sc, uint64_t from, uint64_t first)
{
    int err = 0;
    const unsigned char *f = NULL;
    if (sc->size >= SEG_HDR_LEN + FOOTER_LEN) {
        f = rdr_get(r, sc->size - FOOTER_LEN, FOOTER_LEN, &err);
    }
    if (f != NULL && footer_valid(f) && get32(f + 4) >= sc->nrec) {
        return get32(f + 4) - sc->nrec;
    }
    return count_after_damage(r, sc->salt, from, sc->size, first);
}

/* After damage at `from`: the first offset after it from which records follow each other
 * without a fault up to the end of the file or up to a valid footer that ends it (and counts
 * at least the records kept).  Requiring the whole rest of the segment to verify makes a
 * chance record-like byte pattern useless as a resume point; that alone does not stop a
 * payload built to look like records and placed at the end of the damaged record (found by
 * fuzz_spool), which is why every record CRC is seeded with the segment's secret salt.
 * Sets the tail_* fields; 0 when there is no such tail. */
static int find_tail(struct rdr *r, struct scan *sc, uint64_t from)
{
    int err = 0;
    for (uint64_t o = from + 1; o + REC_HDR_LEN <= sc->size && !err; o++) {
        uint64_t off = o, n = 0, pay = 0;
        int ok = 0;
        for (;;) {
            if (off == sc->size) {
                ok = 1;
                break;
            }
            const unsigned char *h = rdr_get(r, off, REC_HDR_LEN, &err);
            if (h == NULL) {
                break;
            }
            uint32_t len = get32(h);
            if (len == FOOTER_MARK) {
                const unsigned char *f = rdr_get(r, off, FOOTER_LEN, &err);
                ok = f != NULL && off + FOOTER_LEN == sc->size && footer_valid(f) &&
                     get32(f + 4) >= sc->nrec + n;
                break;
            }
            if (len > MAX_REC_LEN || off + REC_HDR_LEN + len > sc->size) {
                break;
            }
            uint32_t want = get32(h + 4);
            unsigned char lf[4];
            memcpy(lf, h, 4);
            const unsigned char *p = rdr_get(r, off + REC_HDR_LEN, len, &err);
            if (p == NULL || rec_crc(sc->salt, lf, p, len) != want) {
                break;
            }
            off += REC_HDR_LEN + len;
            n++;
            pay += len;
        }
        if (ok && n > 0) {
            sc->tail_off = o;
            sc->tail_len = off - o;
            sc->tail_nrec = n;
            sc->tail_payload = pay;
            return 1;
        }
    }
    return 0;
}

static int scan_segment(struct sl_spool *s, uint64_t seq, struct scan *sc)
{
    char fn[PATH_MAX];
    seg_name(s, seq, "", fn, sizeof(fn));
    int fd = openat(s->dirfd, fn, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        sl_log(SL_LOG_ERR, WHO, "%s/%s: cannot open: %s", s->dir, fn, strerror(errno));
        return SL_EIO;
    }
    struct stat st;
    if (fstat(fd, &st) != 0) {
        close(fd);
        return SL_EIO;
    }
    sc->size = (uint64_t)st.st_size;
    sc->at_off = SEG_HDR_LEN;
    struct rdr r = { .fd = fd, .cap = 1u << 20 };
    r.buf = sl_xmalloc(r.cap);
    int err = 0;
    const unsigned char *h = rdr_get(&r, 0, SEG_HDR_LEN, &err);
    if (h == NULL) {
        sc->short_file = 1;
        goto out;
    }
    uint32_t version = get32(h + 8);
    sc->salt = version >= 2 ? get32(h + 24) : 0;   /* (a guess when the header is damaged) */
    if (memcmp(h, seg_magic, 8) != 0 || version < 1 || version > SEG_VERSION ||
        get32(h + 12) != SEG_HDR_LEN || get64(h + 16) != seq ||
        get32(h + 28) != sl_crc32c(0, h, 28)) {
        sc->damaged = 1;
        sc->data_end = 0;
        sc->lost = estimate_lost(&r, sc, SEG_HDR_LEN - 1, 0);
        goto out;
    }
    uint64_t off = SEG_HDR_LEN;
    for (;;) {
        if (sc->damaged && !sc->skipped && off < sc->want_off && sc->want_off <= sc->size) {
            /* the damage lies in records already delivered (before the checkpointed read
             * frontier): step over it to the frontier; the records from there on are
             * checked as usual, so a wrong frontier still ends in "damaged" below */
            uint64_t bad_at = off;
            sc->damaged = 0;
            sc->skipped = 1;
            sc->nrec = sc->want_idx;
            off = sc->want_off;
            sl_log(SL_LOG_WARNING, WHO, "%s/%s: damaged at offset %llu, in records already "
                   "delivered (read frontier at %llu): ignored", s->dir, fn,
                   (unsigned long long)bad_at, (unsigned long long)off);
        }
        if (sc->damaged) {
            break;
        }
        if (off <= sc->want_off) {
            sc->at_off = off;
            sc->at_idx = sc->nrec;
            sc->at_payload = sc->payload;
        }
        if (off == sc->size) {
            break;   /* clean end of an unsealed segment */
        }
        h = rdr_get(&r, off, REC_HDR_LEN, &err);
        if (h == NULL) {
            sc->damaged = 1;   /* truncated record header */
            continue;
        }
        uint32_t len = get32(h);
        if (len == FOOTER_MARK) {
            const unsigned char *f = rdr_get(&r, off, FOOTER_LEN, &err);
            /* (after a skip the payload sum misses the skipped records: count only) */
            if (f != NULL && footer_valid(f) && get32(f + 4) == (uint32_t)sc->nrec &&
                (sc->skipped || get64(f + 8) == sc->payload)) {
                sc->sealed = 1;
                break;
            }
            sc->damaged = 1;
            continue;
        }
        if (len > MAX_REC_LEN || off + REC_HDR_LEN + len > sc->size) {
            sc->damaged = 1;
            continue;
        }
        uint32_t want = get32(h + 4);
        unsigned char lf[4];
        memcpy(lf, h, 4);
        const unsigned char *p = rdr_get(&r, off + REC_HDR_LEN, len, &err);
        if (p == NULL || rec_crc(sc->salt, lf, p, len) != want) {
            sc->damaged = 1;
            continue;
        }
        off += REC_HDR_LEN + len;
        sc->nrec++;
        sc->payload += len;
    }
    sc->data_end = off;
    if (sc->damaged) {
        sc->lost = estimate_lost(&r, sc, off, 1);
        if (find_tail(&r, sc, off)) {
            /* the intact records after the damage are kept; lost: what lies between */
            sc->lost = sc->lost > sc->tail_nrec ? sc->lost - sc->tail_nrec : 1;
        }
    }
out:
    free(r.buf);
    close(fd);
    return err ? SL_EIO : 0;
}

/* Set a damaged segment aside as NAME.SEQ.seg.bad and, unless its header is bad (keep 0),
 * replace it by a copy of its first keep bytes (intact records, same offsets) followed by
 * the tail_len bytes at tail_off (the intact records after the damage, which move up). */
int salvage(struct sl_spool *s, uint64_t seq, uint64_t keep, uint64_t tail_off,
            uint64_t tail_len)
{
    char fn[PATH_MAX], bad[PATH_MAX], tmp[PATH_MAX];
    seg_name(s, seq, "", fn, sizeof(fn));
    seg_name(s, seq, ".bad", bad, sizeof(bad));
    seg_name(s, seq, ".tmp", tmp, sizeof(tmp));
    s->dir_dirty = 1;
    if (keep < SEG_HDR_LEN) {
        unlinkat(s->dirfd, bad, 0);
        if (renameat(s->dirfd, fn, s->dirfd, bad) != 0) {
            sl_log(SL_LOG_ERR, WHO, "%s/%s: cannot rename aside: %s", s->dir, fn, strerror(errno));
            return SL_EIO;
        }
        return 0;
    }
    unlinkat(s->dirfd, bad, 0);
    if (linkat(s->dirfd, fn, s->dirfd, bad, 0) != 0) {
        sl_log(SL_LOG_WARNING, WHO, "%s/%s: cannot keep a copy of the damaged segment: %s", s->dir,
               fn, strerror(errno));
    }
    int in = openat(s->dirfd, fn, O_RDONLY | O_CLOEXEC);
    int out = openat(s->dirfd, tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    int rc = (in < 0 || out < 0) ? SL_EIO : 0;
    size_t cap = 256u * 1024u;
    unsigned char *b = sl_xmalloc(cap);
    for (uint64_t off = 0; rc == 0 && off < keep + tail_len;) {
        uint64_t end = off < keep ? keep : keep + tail_len;
        uint64_t src = off < keep ? off : tail_off + (off - keep);
        size_t want = end - off < cap ? (size_t)(end - off) : cap;
        ssize_t got = full_pread(in, b, want, src);
        if (got != (ssize_t)want || full_pwrite(out, b, want, off) != 0) {
            rc = SL_EIO;
            break;
        }
        off += want;
    }
    free(b);
    if (rc == 0 && fdatasync(out) != 0) {
        rc = SL_EIO;
    }
    if (in >= 0) {
        close(in);
    }
    if (out >= 0) {
        close(out);
    }
    if (rc == 0 && renameat(s->dirfd, tmp, s->dirfd, fn) != 0) {
        rc = SL_EIO;
    }
    if (rc != 0) {
        sl_log(SL_LOG_ERR, WHO, "%s/%s: cannot salvage the damaged segment: %s", s->dir, fn,
               strerror(errno));
        unlinkat(s->dirfd, tmp, 0);
    }
    return rc;
}

static int read_dir(struct sl_spool *s, uint64_t **seqs, size_t *nseqs, uint64_t *max_seq)
{
    int fd = dup(s->dirfd);
    DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
    if (d == NULL) {
        if (fd >= 0) {
            close(fd);
        }
        sl_log(SL_LOG_ERR, WHO, "%s: cannot list: %s", s->dir, strerror(errno));
        return SL_EIO;
    }
    size_t cap = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        uint64_t seq;
        if (parse_seg_name(s, e->d_name, "", &seq)) {
            if (*nseqs == cap) {
                cap = cap ? cap * 2 : 64;
                *seqs = sl_xrealloc(*seqs, cap * sizeof(**seqs));
            }
            (*seqs)[(*nseqs)++] = seq;
        } else if (parse_seg_name(s, e->d_name, ".tmp", &seq)) {
            unlinkat(s->dirfd, e->d_name, 0);   /* an interrupted salvage */
            s->dir_dirty = 1;
            continue;
        } else if (!parse_seg_name(s, e->d_name, ".bad", &seq)) {
            continue;
        }
        if (seq > *max_seq) {
            *max_seq = seq;
        }
    }
    closedir(d);
    if (*nseqs > 1) {
        qsort(*seqs, *nseqs, sizeof(**seqs), cmp_u64);
    }
    return 0;
}

int recover(struct sl_spool *s, struct sl_spool_report *rep)
{
    char fn[PATH_MAX];
    /* state */
    unsigned char st[STATE_FILE_LEN];
    memset(st, 0, sizeof(st));
    ssize_t got = full_pread(s->statefd, st, sizeof(st), 0);
    if (got < 0) {
        sl_log(SL_LOG_ERR, WHO, "%s: cannot read state: %s", s->name, strerror(errno));
        return SL_EIO;
    }
    if (got < (ssize_t)STATE_FILE_LEN && ftruncate(s->statefd, STATE_FILE_LEN) != 0) {
        sl_log(SL_LOG_ERR, WHO, "%s: cannot size the state file: %s", s->name, strerror(errno));
        return SL_EIO;
    }
    int have_state = 0;
    struct pos sp = { 0, 0, 0 };
    uint64_t gens[2] = { 0, 0 };
    struct pos ps[2];
    uint64_t acked[2] = { 0, 0 };
    int ok[2];
    ok[0] = state_decode(st, &gens[0], &ps[0], &acked[0]) == 0;
    ok[1] = state_decode(st + STATE_SLOT_B, &gens[1], &ps[1], &acked[1]) == 0;
    int pick = -1;
    if (ok[0] && (!ok[1] || gens[0] >= gens[1])) {
        pick = 0;
    } else if (ok[1]) {
        pick = 1;
    }
    if (pick >= 0) {
        have_state = 1;
        sp = ps[pick];
        s->state_gen = gens[pick];
        s->total_acked = acked[pick];
        s->state_slot_next = !pick;
    }

    /* segments */
    uint64_t *seqs = NULL;
    size_t nseqs = 0;
    uint64_t max_seq = have_state ? sp.seq : 0;
    int rc = read_dir(s, &seqs, &nseqs, &max_seq);
    if (rc != 0) {
        free(seqs);
        return rc;
    }
    int recovered = !have_state && (got > 0 || nseqs > 0);
    if (got > 0 && !have_state) {
        sl_log(SL_LOG_WARNING, WHO, "%s: state file damaged; starting from the oldest segment", s->name);
    } else if (!have_state && nseqs > 0) {
        sl_log(SL_LOG_WARNING, WHO, "%s: state file missing; starting from the oldest segment", s->name);
    }
    int found_frontier = 0;
    uint64_t skip_rec = 0, skip_payload = 0;
    for (size_t i = 0; i < nseqs && rc == 0; i++) {
        uint64_t seq = seqs[i];
        seg_name(s, seq, "", fn, sizeof(fn));
        if (have_state && seq < sp.seq) {
            unlinkat(s->dirfd, fn, 0);   /* wholly consumed; its removal did not complete */
            s->dir_dirty = 1;
            continue;
        }
        struct scan sc;
        memset(&sc, 0, sizeof(sc));
        sc.want_off = (have_state && seq == sp.seq) ? sp.off : 0;
        sc.want_idx = (have_state && seq == sp.seq) ? sp.idx : 0;
        rc = scan_segment(s, seq, &sc);
        if (rc != 0) {
            break;
        }
        if (sc.short_file) {
            unlinkat(s->dirfd, fn, 0);   /* created but never written: nothing in it */
            s->dir_dirty = 1;
            continue;
        }
        if (sc.damaged) {
            sl_log(SL_LOG_ERR, WHO,
                   "%s/%s: damaged at offset %llu; set aside as %s.bad with ~%llu record(s) lost, "
                   "%llu intact record(s) kept",
                   s->dir, fn, (unsigned long long)sc.data_end, fn, (unsigned long long)sc.lost,
                   (unsigned long long)(sc.nrec + sc.tail_nrec));
            s->set_aside++;
            s->lost += sc.lost;
            rc = salvage(s, seq, sc.data_end, sc.tail_off, sc.tail_len);
            if (rc != 0 || sc.data_end < SEG_HDR_LEN) {
                continue;
            }
            sc.data_end += sc.tail_len;
            sc.nrec += sc.tail_nrec;
            sc.payload += sc.tail_payload;
            sc.size = sc.data_end;
            sc.sealed = 0;
        }
        struct seg *g = seg_push(s);
        g->seq = seq;
        g->salt = sc.salt;
        g->data_end = sc.data_end;
        g->size = sc.size;
        g->nrec = sc.nrec;
        g->payload = sc.payload;
        g->sealed = sc.sealed;
        s->disk += sc.size;
        s->count += sc.nrec;
        s->payload += sc.payload;
        if (have_state && seq == sp.seq) {
            found_frontier = 1;
            s->apos = (struct pos){ seq, sc.at_off, sc.at_idx };
            skip_rec = sc.at_idx;
            skip_payload = sc.at_payload;
            if (sc.at_off != sp.off || sc.at_idx != sp.idx) {
                sl_log(SL_LOG_WARNING, WHO, "%s: state frontier %llu/%llu is not a record boundary; "
                       "resuming at offset %llu", s->name, (unsigned long long)sp.seq,
                       (unsigned long long)sp.off, (unsigned long long)sc.at_off);
                recovered = 1;
            }
        }
    }
    free(seqs);
    if (rc != 0) {
        return rc;
    }
    s->count -= skip_rec;
    s->payload -= skip_payload;
    s->next_seq = max_seq + 1;
    rc = seg_create(s);
    if (rc != 0) {
        return rc;
    }
    if (!found_frontier) {
        s->apos = (struct pos){ s->segs[0].seq, SEG_HDR_LEN, 0 };
    }
    frontier_normalise(s);
    s->rpos = s->apos;
    rc = state_write(s);
    if (rc == 0) {
        rc = sl_spool_sync(s);
    }
    if (rep != NULL) {
        rep->records = s->count;
        rep->bytes = s->payload;
        rep->segments_set_aside = s->set_aside;
        rep->records_lost = s->lost;
        rep->state_recovered = recovered;
    }
    return rc;
}
