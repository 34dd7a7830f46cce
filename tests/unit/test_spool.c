/*
 * test_spool.c - unit tests for the disk spool (core/spool.c): round trips across segments,
 * rewind, reopen, at-least-once after a crash, max_disk_bytes, corruption of segments and of
 * the state file, and kill -9 at random points.
 *
 * Every test works in its own mkdtemp directory inside a per-run directory (under $TMPDIR or
 * /tmp) that main() removes at the end, also after failures.
 * Crashes are simulated with fork(): the child works on the spool and leaves with _exit()
 * (no close, no state write) or is killed with SIGKILL.  The state-slot tests know the state
 * file layout documented at the top of spool.c (slots of 64 bytes at 0 and 512, generation
 * at byte 8).
 */
#include <check.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "spool.h"
#include "util/buf.h"

#define NAME "q"

/* ---------------------------------------------------------------- helpers */

static char rootdir[512];   /* per run, made by main(): removed even when a test fails */
static char tmpdir[600];    /* per test, inside rootdir */

static void rm_tree(const char *dir, int depth)
{
    DIR *d = opendir(dir);
    if (d != NULL) {
        struct dirent *e;
        char p[1024];
        while ((e = readdir(d)) != NULL) {
            if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0) {
                snprintf(p, sizeof(p), "%s/%s", dir, e->d_name);
                if (unlink(p) != 0 && depth > 0) {
                    rm_tree(p, depth - 1);
                }
            }
        }
        closedir(d);
    }
    rmdir(dir);
}

static void setup(void)
{
    snprintf(tmpdir, sizeof(tmpdir), "%s/t_XXXXXX", rootdir);
    ck_assert_ptr_nonnull(mkdtemp(tmpdir));
}

static void teardown(void)
{
    rm_tree(tmpdir, 0);
}

static size_t rec_len(uint32_t i)
{
    return 20 + (i * 37u) % 300u;
}

/* Record i: "rec-%08u-" then uppercase filler; never contains "rec-" by accident. */
static size_t make_rec(uint32_t i, char *buf)
{
    size_t len = rec_len(i);
    char head[32];
    int k = snprintf(head, sizeof(head), "rec-%08u-", i % 100000000u);
    /* not ck_assert: this runs in the forked children of the crash tests too, and every
     * passing ck_assert writes a location record (Check's _mark_point) into the message
     * file those children share with the test process; thousands of such writes from
     * children that are then SIGKILLed are the likely cause of the torn stream seen once
     * under CI load ("check_pack.c:156: Bad message type") */
    if (k != 13) {
        abort();
    }
    memcpy(buf, head, 13);
    for (size_t j = 13; j < len; j++) {
        buf[j] = (char)('A' + (i + j) % 26);
    }
    return len;
}

/* Index of a delivered record, or -1 if its content is wrong. */
static long rec_index(const void *p, size_t len)
{
    char want[400];
    if (len < 13 || memcmp(p, "rec-", 4) != 0) {
        return -1;
    }
    uint32_t i = (uint32_t)strtoul((const char *)p + 4, NULL, 10);
    if (make_rec(i, want) != len || memcmp(want, p, len) != 0) {
        return -1;
    }
    return (long)i;
}

static struct sl_spool *open_sp(uint64_t seg, uint64_t disk, enum sl_spool_sync sync, uint32_t ckpt,
                                struct sl_spool_report *rep)
{
    struct sl_spool_opts o = { .dir = tmpdir, .name = NAME, .max_segment_bytes = seg,
                               .max_disk_bytes = disk, .sync = sync, .checkpoint_interval = ckpt };
    struct sl_spool *s = NULL;
    struct sl_spool_report r;
    int rc = sl_spool_open(&o, &s, rep ? rep : &r);
    ck_assert_int_eq(rc, 0);
    ck_assert_ptr_nonnull(s);
    return s;
}

/* Append records [from, to) in batches of up to 64; returns the first failing rc or 0. */
static int append_range(struct sl_spool *s, uint32_t from, uint32_t to)
{
    static char bufs[64][400];
    struct iovec v[64];
    while (from < to) {
        size_t k = 0;
        for (; k < 64 && from + k < to; k++) {
            v[k].iov_base = bufs[k];
            v[k].iov_len = make_rec(from + (uint32_t)k, bufs[k]);
        }
        int rc = sl_spool_append(s, v, k);
        if (rc != 0) {
            return rc;
        }
        from += (uint32_t)k;
    }
    return 0;
}

/* Peek and ack everything (batches of `batch`), storing indices in out (up to cap). */
static size_t drain(struct sl_spool *s, long *out, size_t cap, size_t batch)
{
    struct sl_spool_rec r[512];
    size_t total = 0;
    for (int rounds = 0; rounds < 1000000; rounds++) {
        size_t n = 0;
        ck_assert_int_eq(sl_spool_peek(s, r, batch, &n), 0);
        if (n == 0) {
            break;
        }
        for (size_t i = 0; i < n; i++) {
            long idx = rec_index(r[i].p, r[i].len);
            ck_assert_msg(idx >= 0, "bad record content at position %zu", total);
            ck_assert_uint_lt(total, cap);
            out[total++] = idx;
        }
        ck_assert_int_eq(sl_spool_ack(s, n), 0);
    }
    return total;
}

static void expect_seq(const long *got, size_t n, long first, long last)
{
    ck_assert_int_eq((long)n, last - first + 1);
    for (size_t i = 0; i < n; i++) {
        ck_assert_int_eq(got[i], first + (long)i);
    }
}

static int list_segs(char names[][256], int max, const char *suffix)
{
    DIR *d = opendir(tmpdir);
    ck_assert_ptr_nonnull(d);
    int n = 0;
    struct dirent *e;
    size_t sl = strlen(suffix);
    while ((e = readdir(d)) != NULL) {
        size_t l = strlen(e->d_name);
        if (strncmp(e->d_name, NAME ".", 2) == 0 && l > sl && strcmp(e->d_name + l - sl, suffix) == 0 &&
            n < max) {
            snprintf(names[n++], 256, "%s", e->d_name);
        }
    }
    closedir(d);
    qsort(names, (size_t)n, 256, (int (*)(const void *, const void *))strcmp);
    return n;
}

static unsigned char *read_all(const char *fn, size_t *len)
{
    char p[1024];
    snprintf(p, sizeof(p), "%s/%s", tmpdir, fn);
    FILE *f = fopen(p, "rb");
    ck_assert_ptr_nonnull(f);
    unsigned char *b = sl_xmalloc(1 << 22);
    *len = fread(b, 1, 1 << 22, f);
    fclose(f);
    return b;
}

static void write_at(const char *fn, long off, const void *p, size_t len)
{
    char path[1024];
    snprintf(path, sizeof(path), "%s/%s", tmpdir, fn);
    int fd = open(path, O_WRONLY | O_CREAT, 0600);
    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq(pwrite(fd, p, len, off), (ssize_t)len);
    close(fd);
}

/* Offsets of the records ("rec-" payload starts) in a segment file and their indices. */
static int find_recs(const unsigned char *b, size_t len, size_t *offs, long *idx, int max)
{
    int n = 0;
    for (size_t i = 0; i + 13 <= len && n < max; i++) {
        if (memcmp(b + i, "rec-", 4) == 0 && b[i + 12] == '-') {
            offs[n] = i;
            idx[n++] = strtol((const char *)b + i + 4, NULL, 10);
        }
    }
    return n;
}

/* ---------------------------------------------------------------- CRC32C */

static uint32_t crc_ref(uint32_t crc, const unsigned char *p, size_t len)
{
    crc = ~crc;
    for (size_t i = 0; i < len; i++) {
        crc ^= p[i];
        for (int k = 0; k < 8; k++) {
            crc = (crc & 1) ? (crc >> 1) ^ 0x82f63b78u : crc >> 1;
        }
    }
    return ~crc;
}

START_TEST(crc32c_values)
{
    ck_assert_uint_eq(sl_crc32c(0, "123456789", 9), 0xe3069283u);
    ck_assert_uint_eq(sl_crc32c(0, "", 0), 0);
    unsigned char b[1000];
    srand(7);
    for (size_t i = 0; i < sizeof(b); i++) {
        b[i] = (unsigned char)rand();
    }
    for (size_t off = 0; off < 9; off++) {
        for (size_t len = 0; len < 300; len += 7) {
            uint32_t one = sl_crc32c(0, b + off, len);
            ck_assert_uint_eq(one, crc_ref(0, b + off, len));
            uint32_t two = sl_crc32c(sl_crc32c(0, b + off, len / 3), b + off + len / 3, len - len / 3);
            ck_assert_uint_eq(one, two);
        }
    }
}
END_TEST

/* ---------------------------------------------------------------- basic behaviour */

START_TEST(roundtrip_many_segments)
{
    struct sl_spool_report rep;
    struct sl_spool *s = open_sp(4096, 0, SL_SPOOL_SYNC_NONE, 100, &rep);
    ck_assert_uint_eq(rep.records, 0);
    ck_assert_int_eq(rep.state_recovered, 0);
    ck_assert_int_eq(append_range(s, 0, 5000), 0);
    ck_assert_uint_eq(sl_spool_count(s), 5000);
    char names[400][256];
    int nseg = list_segs(names, 400, ".seg");
    ck_assert_int_gt(nseg, 100);   /* ~20 records per 4 KiB segment */
    uint64_t before = sl_spool_bytes(s);
    ck_assert_uint_gt(before, 5000 * 28);
    static long got[6000];
    size_t n = drain(s, got, 6000, 37);
    expect_seq(got, n, 0, 4999);
    ck_assert_uint_eq(sl_spool_count(s), 0);
    ck_assert_uint_lt(sl_spool_bytes(s), 4096);   /* consumed segments were deleted */
    ck_assert_int_le(list_segs(names, 400, ".seg"), 1);
    /* empty peek stays empty; appends after draining still work */
    struct sl_spool_rec r[4];
    ck_assert_int_eq(sl_spool_peek(s, r, 4, &n), 0);
    ck_assert_uint_eq(n, 0);
    ck_assert_int_eq(append_range(s, 5000, 5010), 0);
    n = drain(s, got, 6000, 3);
    expect_seq(got, n, 5000, 5009);
    sl_spool_close(s);
}
END_TEST

START_TEST(big_and_empty_records)
{
    struct sl_spool *s = open_sp(64 * 1024, 0, SL_SPOOL_SYNC_BATCH, 0, NULL);
    size_t sizes[] = { 0, 1, 5000, 300 * 1024, 0, 2 * 1024 * 1024, 17 };
    size_t ns = sizeof(sizes) / sizeof(sizes[0]);
    struct iovec v[7];
    for (size_t i = 0; i < ns; i++) {
        v[i].iov_len = sizes[i];
        v[i].iov_base = sl_xmalloc(sizes[i] + 1);
        for (size_t j = 0; j < sizes[i]; j++) {
            ((unsigned char *)v[i].iov_base)[j] = (unsigned char)(i * 7 + j * 13);
        }
    }
    ck_assert_int_eq(sl_spool_append(s, v, ns), 0);
    ck_assert_int_eq(sl_spool_sync(s), 0);
    for (int pass = 0; pass < 2; pass++) {
        sl_spool_close(s);
        struct sl_spool_report rep;
        s = open_sp(64 * 1024, 0, SL_SPOOL_SYNC_BATCH, 0, &rep);
        ck_assert_uint_eq(rep.records, ns);
        ck_assert_uint_eq(rep.bytes, 5018 + 300 * 1024 + 2 * 1024 * 1024);
        size_t seen = 0;
        for (int rounds = 0; rounds < 100 && seen < ns; rounds++) {
            struct sl_spool_rec r[8];
            size_t n = 0;
            ck_assert_int_eq(sl_spool_peek(s, r, 8, &n), 0);
            ck_assert_uint_gt(n, 0);
            for (size_t i = 0; i < n; i++) {
                ck_assert_uint_eq(r[i].len, sizes[seen + i]);
                ck_assert(r[i].len == 0 || memcmp(r[i].p, v[seen + i].iov_base, r[i].len) == 0);
            }
            seen += n;
        }
        ck_assert_uint_eq(seen, ns);
        if (pass == 0) {
            sl_spool_rewind(s);   /* nothing acked: all come back after reopen */
        } else {
            ck_assert_int_eq(sl_spool_ack(s, ns), 0);
        }
    }
    ck_assert_uint_eq(sl_spool_count(s), 0);
    sl_spool_close(s);
    for (size_t i = 0; i < ns; i++) {
        free(v[i].iov_base);
    }
}
END_TEST

START_TEST(rewind_and_repeek)
{
    struct sl_spool *s = open_sp(2048, 0, SL_SPOOL_SYNC_NONE, 0, NULL);
    ck_assert_int_eq(append_range(s, 0, 100), 0);
    struct sl_spool_rec r[64];
    size_t n;
    ck_assert_int_eq(sl_spool_peek(s, r, 30, &n), 0);
    ck_assert_uint_eq(n, 30);
    ck_assert_int_eq(rec_index(r[0].p, r[0].len), 0);
    ck_assert_int_eq(sl_spool_peek(s, r, 30, &n), 0);
    ck_assert_uint_eq(n, 30);
    ck_assert_int_eq(rec_index(r[0].p, r[0].len), 30);
    ck_assert_int_eq(rec_index(r[29].p, r[29].len), 59);
    sl_spool_rewind(s);
    ck_assert_int_eq(sl_spool_peek(s, r, 10, &n), 0);
    ck_assert_uint_eq(n, 10);
    for (size_t i = 0; i < n; i++) {
        ck_assert_int_eq(rec_index(r[i].p, r[i].len), (long)i);
    }
    ck_assert_int_eq(sl_spool_ack(s, 10), 0);
    ck_assert_uint_eq(sl_spool_count(s), 90);
    sl_spool_rewind(s);
    ck_assert_int_eq(sl_spool_peek(s, r, 1, &n), 0);
    ck_assert_int_eq(rec_index(r[0].p, r[0].len), 10);
    /* ack beyond what was peeked reads ahead; beyond what exists is refused */
    ck_assert_int_eq(sl_spool_ack(s, 40), 0);
    ck_assert_int_eq(sl_spool_peek(s, r, 1, &n), 0);
    ck_assert_int_eq(rec_index(r[0].p, r[0].len), 50);
    sl_spool_rewind(s);
    ck_assert_int_eq(sl_spool_ack(s, 51), SL_EINVAL);
    static long got[100];
    n = drain(s, got, 100, 64);
    expect_seq(got, n, 50, 99);
    sl_spool_close(s);
}
END_TEST

START_TEST(reopen_keeps_order)
{
    struct sl_spool *s = open_sp(4096, 0, SL_SPOOL_SYNC_BATCH, 0, NULL);
    ck_assert_int_eq(append_range(s, 0, 1000), 0);
    ck_assert_int_eq(sl_spool_sync(s), 0);
    struct sl_spool_rec r[200];
    size_t n;
    /* acks trail the peeks: more records are in flight than get acked */
    ck_assert_int_eq(sl_spool_peek(s, r, 150, &n), 0);
    ck_assert_uint_eq(n, 150);
    for (int i = 0; i < 3; i++) {
        ck_assert_int_eq(sl_spool_ack(s, 100), 0);
        ck_assert_int_eq(sl_spool_peek(s, r, 100, &n), 0);
        ck_assert_uint_eq(n, 100);
        ck_assert_int_eq(rec_index(r[0].p, r[0].len), 150 + 100 * i);
    }
    sl_spool_close(s);
    struct sl_spool_report rep;
    s = open_sp(4096, 0, SL_SPOOL_SYNC_BATCH, 0, &rep);
    ck_assert_uint_eq(rep.records, 700);
    ck_assert_int_eq(rep.state_recovered, 0);
    ck_assert_uint_eq(rep.segments_set_aside, 0);
    ck_assert_uint_eq(sl_spool_count(s), 700);
    ck_assert_int_eq(append_range(s, 1000, 1100), 0);
    static long got[1000];
    n = drain(s, got, 1000, 64);
    expect_seq(got, n, 300, 1099);
    sl_spool_close(s);
    /* a second process cannot open the same spool while it is open */
    s = open_sp(4096, 0, SL_SPOOL_SYNC_NONE, 0, NULL);
    pid_t pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        struct sl_spool_opts o = { .dir = tmpdir, .name = NAME };
        struct sl_spool *t = NULL;
        _exit(sl_spool_open(&o, &t, NULL) == SL_EAGAIN ? 0 : 1);
    }
    int st;
    ck_assert_int_eq(waitpid(pid, &st, 0), pid);
    ck_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0);
    sl_spool_close(s);
}
END_TEST

/* Child: append 500, ack 200 in tens, leave without closing (a crash). */
static void crash_after_acks(uint32_t ckpt)
{
    pid_t pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        struct sl_spool_opts o = { .dir = tmpdir, .name = NAME, .max_segment_bytes = 4096,
                                   .sync = SL_SPOOL_SYNC_BATCH, .checkpoint_interval = ckpt };
        struct sl_spool *s = NULL;
        if (sl_spool_open(&o, &s, NULL) != 0 || append_range(s, 0, 500) != 0 || sl_spool_sync(s) != 0) {
            _exit(1);
        }
        for (int i = 0; i < 20; i++) {
            struct sl_spool_rec r[10];
            size_t n = 0;
            if (sl_spool_peek(s, r, 10, &n) != 0 || n != 10 || sl_spool_ack(s, 10) != 0) {
                _exit(2);
            }
        }
        _exit(0);
    }
    int st;
    ck_assert_int_eq(waitpid(pid, &st, 0), pid);
    ck_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0);
}

START_TEST(acked_not_checkpointed_come_back)
{
    crash_after_acks(1000000);   /* no checkpoint after open: all 200 acks are replayed */
    struct sl_spool_report rep;
    struct sl_spool *s = open_sp(4096, 0, SL_SPOOL_SYNC_BATCH, 0, &rep);
    ck_assert_uint_eq(rep.records, 500);
    static long got[600];
    size_t n = drain(s, got, 600, 100);
    expect_seq(got, n, 0, 499);
    sl_spool_close(s);
}
END_TEST

START_TEST(checkpoint_interval_bounds_duplicates)
{
    crash_after_acks(150);   /* checkpoint written after 150 acks, not after 200 */
    struct sl_spool_report rep;
    struct sl_spool *s = open_sp(4096, 0, SL_SPOOL_SYNC_BATCH, 0, &rep);
    ck_assert_uint_eq(rep.records, 350);
    static long got[600];
    size_t n = drain(s, got, 600, 100);
    expect_seq(got, n, 150, 499);
    sl_spool_close(s);
}
END_TEST

START_TEST(max_disk_gives_eagain)
{
    struct sl_spool *s = open_sp(8192, 64 * 1024, SL_SPOOL_SYNC_NONE, 0, NULL);
    uint32_t next = 0;
    int rc = 0;
    for (int i = 0; i < 10000; i++) {
        rc = append_range(s, next, next + 10);
        if (rc != 0) {
            break;
        }
        next += 10;
    }
    ck_assert_int_eq(rc, SL_EAGAIN);
    ck_assert_uint_gt(next, 100);
    ck_assert_uint_eq(sl_spool_count(s), next);   /* the refused batch was not appended */
    ck_assert_uint_le(sl_spool_bytes(s), 64 * 1024);
    /* one record still fits? a large one does not: EAGAIN again, nothing appended */
    char big[60000];
    memset(big, 'x', sizeof(big));
    struct iovec v = { big, sizeof(big) };
    ck_assert_int_eq(sl_spool_append(s, &v, 1), SL_EAGAIN);
    ck_assert_uint_eq(sl_spool_count(s), next);
    /* consuming frees segments; appends succeed again; nothing lost */
    static long got[20000];
    struct sl_spool_rec r[256];
    size_t n, total = 0;
    ck_assert_int_eq(sl_spool_peek(s, r, 256, &n), 0);
    for (size_t i = 0; i < n; i++) {
        got[total++] = rec_index(r[i].p, r[i].len);
    }
    ck_assert_int_eq(sl_spool_ack(s, n), 0);
    ck_assert_int_eq(append_range(s, next, next + 10), 0);
    next += 10;
    total += drain(s, got + total, 20000 - total, 100);
    expect_seq(got, total, 0, (long)next - 1);
    sl_spool_close(s);
}
END_TEST

/* ---------------------------------------------------------------- corruption */

/* Fill a spool with 300 records in 4 KiB segments, close it, and return the name of a middle
 * segment with its record offsets/indices. */
static int prepare_damage(char *seg, size_t *offs, long *idx, unsigned char **data, size_t *dlen)
{
    struct sl_spool *s = open_sp(4096, 0, SL_SPOOL_SYNC_NONE, 0, NULL);
    ck_assert_int_eq(append_range(s, 0, 300), 0);
    sl_spool_close(s);
    char names[100][256];
    int n = list_segs(names, 100, ".seg");
    ck_assert_int_gt(n, 5);
    snprintf(seg, 256, "%s", names[n / 2]);
    *data = read_all(seg, dlen);
    int k = find_recs(*data, *dlen, offs, idx, 100);
    ck_assert_int_gt(k, 4);
    return k;
}

/* Everything but indices [lo, hi] is delivered, in order. */
static void expect_all_but(long lo, long hi)
{
    struct sl_spool *s = open_sp(4096, 0, SL_SPOOL_SYNC_NONE, 0, NULL);
    static long got[400];
    size_t n = drain(s, got, 400, 50);
    ck_assert_uint_eq(n, 300 - (size_t)(hi - lo + 1));
    long want = 0;
    for (size_t i = 0; i < n; i++, want++) {
        if (want == lo) {
            want = hi + 1;
        }
        ck_assert_int_eq(got[i], want);
    }
    sl_spool_close(s);
}

/* sl_spool_set_max_disk(s, 0) (shutdown with saveOnShutdown): a full spool takes more,
 * after its records, and everything comes back in order. */
START_TEST(max_disk_lifted)
{
    struct sl_spool *s = open_sp(8192, 64 * 1024, SL_SPOOL_SYNC_NONE, 0, NULL);
    uint32_t next = 0;
    int rc = 0;
    for (int i = 0; i < 10000 && rc == 0; i++) {
        rc = append_range(s, next, next + 10);
        if (rc == 0) {
            next += 10;
        }
    }
    ck_assert_int_eq(rc, SL_EAGAIN);
    sl_spool_set_max_disk(s, 0);
    for (int i = 0; i < 100; i++) {
        ck_assert_int_eq(append_range(s, next, next + 10), 0);
        next += 10;
    }
    ck_assert_uint_gt(sl_spool_bytes(s), 64 * 1024);
    static long got[20000];
    size_t total = drain(s, got, 20000, 256);
    expect_seq(got, total, 0, (long)next - 1);
    sl_spool_close(s);
}
END_TEST

START_TEST(corrupt_truncated_segment)
{
    char seg[256];
    size_t offs[100], dlen;
    long idx[100];
    unsigned char *data;
    int k = prepare_damage(seg, offs, idx, &data, &dlen);
    char path[1024];
    snprintf(path, sizeof(path), "%s/%s", tmpdir, seg);
    ck_assert_int_eq(truncate(path, (off_t)offs[2] + 5), 0);   /* mid third record */
    struct sl_spool_report rep;
    struct sl_spool *s = open_sp(4096, 0, SL_SPOOL_SYNC_NONE, 0, &rep);
    ck_assert_uint_eq(rep.segments_set_aside, 1);
    ck_assert_uint_ge(rep.records_lost, 1);
    ck_assert_uint_eq(rep.records, 300 - (uint64_t)(k - 2));
    ck_assert_int_eq(rep.state_recovered, 0);
    sl_spool_close(s);
    char bad[4][256];
    ck_assert_int_eq(list_segs(bad, 4, ".seg.bad"), 1);
    expect_all_but(idx[2], idx[k - 1]);
    free(data);
}
END_TEST

START_TEST(corrupt_flipped_byte)
{
    char seg[256];
    size_t offs[100], dlen;
    long idx[100];
    unsigned char *data;
    int k = prepare_damage(seg, offs, idx, &data, &dlen);
    ck_assert_int_gt(k, 5);
    unsigned char c = data[offs[3] + 14] ^ 0x20;
    write_at(seg, (long)offs[3] + 14, &c, 1);
    struct sl_spool_report rep;
    struct sl_spool *s = open_sp(4096, 0, SL_SPOOL_SYNC_NONE, 0, &rep);
    ck_assert_uint_eq(rep.segments_set_aside, 1);
    ck_assert_uint_eq(rep.records_lost, 1);   /* exact: the footer survived */
    ck_assert_uint_eq(rep.records, 299);      /* the records after the damage are kept */
    sl_spool_close(s);
    expect_all_but(idx[3], idx[3]);
    /* a second open finds nothing more to set aside */
    s = open_sp(4096, 0, SL_SPOOL_SYNC_NONE, 0, &rep);
    ck_assert_uint_eq(rep.segments_set_aside, 0);
    sl_spool_close(s);
    free(data);
}
END_TEST

/* Two damaged records in one segment: the intact records between them do not reach the end
 * of the segment without a fault, so they go with the damage; the rest is kept. */
START_TEST(corrupt_two_flips)
{
    char seg[256];
    size_t offs[100], dlen;
    long idx[100];
    unsigned char *data;
    int k = prepare_damage(seg, offs, idx, &data, &dlen);
    ck_assert_int_gt(k, 10);
    unsigned char c = data[offs[3] + 14] ^ 0x20;
    write_at(seg, (long)offs[3] + 14, &c, 1);
    c = data[offs[7] + 14] ^ 0x20;
    write_at(seg, (long)offs[7] + 14, &c, 1);
    struct sl_spool_report rep;
    struct sl_spool *s = open_sp(4096, 0, SL_SPOOL_SYNC_NONE, 0, &rep);
    ck_assert_uint_eq(rep.segments_set_aside, 1);
    ck_assert_uint_eq(rep.records_lost, 5);
    ck_assert_uint_eq(rep.records, 295);
    sl_spool_close(s);
    expect_all_but(idx[3], idx[7]);
    free(data);
}
END_TEST

/* A flipped byte in the last, unsealed segment (no footer): the records after it verify up
 * to the end of the file and are kept. */
START_TEST(corrupt_flip_unsealed)
{
    struct sl_spool *s = open_sp(1u << 20, 0, SL_SPOOL_SYNC_NONE, 0, NULL);
    ck_assert_int_eq(append_range(s, 0, 300), 0);
    sl_spool_close(s);
    char names[4][256];
    ck_assert_int_eq(list_segs(names, 4, ".seg"), 1);
    size_t offs[400], dlen;
    long idx[400];
    unsigned char *data = read_all(names[0], &dlen);
    int k = find_recs(data, dlen, offs, idx, 400);
    ck_assert_int_eq(k, 300);
    unsigned char c = data[offs[100] + 20] ^ 0x01;
    write_at(names[0], (long)offs[100] + 20, &c, 1);
    struct sl_spool_report rep;
    s = open_sp(1u << 20, 0, SL_SPOOL_SYNC_NONE, 0, &rep);
    ck_assert_uint_eq(rep.segments_set_aside, 1);
    ck_assert_uint_eq(rep.records, 299);
    ck_assert_uint_eq(rep.records_lost, 1);
    static long got[400];
    size_t n = drain(s, got, 400, 64);
    ck_assert_uint_eq(n, 299);
    for (size_t i = 0; i < n; i++) {
        ck_assert_int_eq(got[i], (long)(i < 100 ? i : i + 1));
    }
    sl_spool_close(s);
    free(data);
}
END_TEST

START_TEST(corrupt_segment_header)
{
    char seg[256];
    size_t offs[100], dlen;
    long idx[100];
    unsigned char *data;
    int k = prepare_damage(seg, offs, idx, &data, &dlen);
    write_at(seg, 3, "X", 1);   /* the magic */
    struct sl_spool_report rep;
    struct sl_spool *s = open_sp(4096, 0, SL_SPOOL_SYNC_NONE, 0, &rep);
    ck_assert_uint_eq(rep.segments_set_aside, 1);
    ck_assert_uint_eq(rep.records_lost, (uint64_t)k);
    sl_spool_close(s);
    expect_all_but(idx[0], idx[k - 1]);
    free(data);
}
END_TEST

/* Damage in the already-delivered part of the frontier segment (before the checkpointed
 * read position) does not cost the records after the frontier: they are intact and still
 * to be delivered. */
START_TEST(corrupt_before_frontier)
{
    struct sl_spool *s = open_sp(4096, 0, SL_SPOOL_SYNC_NONE, 0, NULL);
    ck_assert_int_eq(append_range(s, 0, 300), 0);
    sl_spool_close(s);
    char names[100][256];
    int nseg = list_segs(names, 100, ".seg");
    ck_assert_int_gt(nseg, 5);
    size_t offs[100], dlen;
    long idx[100];
    unsigned char *data = read_all(names[nseg / 2], &dlen);
    int k = find_recs(data, dlen, offs, idx, 100);
    ck_assert_int_gt(k, 6);
    /* deliver up to the middle of that segment (checkpoint on every ack) */
    long upto = idx[k / 2];
    s = open_sp(4096, 0, SL_SPOOL_SYNC_NONE, 0, NULL);
    struct sl_spool_rec r[512];
    size_t n = 0;
    ck_assert_int_eq(sl_spool_peek(s, r, (size_t)upto, &n), 0);
    ck_assert_uint_eq(n, (size_t)upto);
    ck_assert_int_eq(sl_spool_ack(s, n), 0);
    sl_spool_close(s);
    /* flip a byte in a delivered record of that segment */
    unsigned char c = data[offs[1] + 14] ^ 0x20;
    write_at(names[nseg / 2], (long)offs[1] + 14, &c, 1);
    struct sl_spool_report rep;
    s = open_sp(4096, 0, SL_SPOOL_SYNC_NONE, 0, &rep);
    ck_assert_uint_eq(rep.records, 300 - (uint64_t)upto);
    ck_assert_uint_eq(rep.segments_set_aside, 0);
    static long got[400];
    size_t total = drain(s, got, 400, 50);
    expect_seq(got, total, upto, 299);
    sl_spool_close(s);
    free(data);
}
END_TEST

START_TEST(damage_while_open)
{
    char seg[256];
    size_t offs[100], dlen;
    long idx[100];
    unsigned char *data;
    int k = prepare_damage(seg, offs, idx, &data, &dlen);
    struct sl_spool *s = open_sp(4096, 0, SL_SPOOL_SYNC_NONE, 0, NULL);
    unsigned char c = data[offs[1] + 20] ^ 1;
    write_at(seg, (long)offs[1] + 20, &c, 1);   /* bit rot after open */
    static long got[400];
    size_t n = drain(s, got, 400, 7);
    ck_assert_uint_eq(n, 300 - (size_t)(k - 1));
    ck_assert_uint_eq(sl_spool_count(s), 0);
    sl_spool_close(s);
    char bad[4][256];
    ck_assert_int_eq(list_segs(bad, 4, ".seg.bad"), 1);
    free(data);
}
END_TEST

START_TEST(corrupt_header_unsealed)
{
    char seg[256];
    size_t offs[100], dlen;
    long idx[100];
    unsigned char *data;
    int k = prepare_damage(seg, offs, idx, &data, &dlen);
    char path[1024];
    snprintf(path, sizeof(path), "%s/%s", tmpdir, seg);
    ck_assert_int_eq(truncate(path, (off_t)(offs[k - 1] + rec_len((uint32_t)idx[k - 1]))), 0);
    write_at(seg, 0, "XXXX", 4);   /* no footer either: the loss is counted by resync */
    struct sl_spool_report rep;
    struct sl_spool *s = open_sp(4096, 0, SL_SPOOL_SYNC_NONE, 0, &rep);
    ck_assert_uint_eq(rep.segments_set_aside, 1);
    ck_assert_uint_eq(rep.records_lost, (uint64_t)k);
    ck_assert_uint_eq(rep.records, 300 - (uint64_t)k);
    sl_spool_close(s);
    expect_all_but(idx[0], idx[k - 1]);
    free(data);
}
END_TEST

/* ---------------------------------------------------------------- state file */

/* A record as the spool frames it, with its CRC seeded with `salt`, at out; returns its size. */
static size_t frame_rec(uint32_t salt, const char *payload, unsigned char *out)
{
    uint32_t len = (uint32_t)strlen(payload);
    unsigned char lf[4] = { (unsigned char)len, (unsigned char)(len >> 8),
                            (unsigned char)(len >> 16), (unsigned char)(len >> 24) };
    uint32_t crc = sl_crc32c(sl_crc32c(salt, lf, 4), payload, len);
    memcpy(out, lf, 4);
    for (int i = 0; i < 4; i++) {
        out[4 + i] = (unsigned char)(crc >> (8 * i));
    }
    memcpy(out + 8, payload, len);
    return 8 + len;
}

/* Records 0..9, then one whose payload ends with a complete record frame ("forged", CRC
 * seeded with forge_salt), the enclosing record's CRC damaged: recovery resynchronises after
 * the damage and must not take the frame inside the payload for a record.  Returns how many
 * records the reopened spool delivers (the 10 real ones are checked); *forged_seen is set
 * when the forged record came out. */
static size_t forged_tail(int use_real_salt, int *forged_seen)
{
    struct sl_spool *s = open_sp(1u << 20, 0, SL_SPOOL_SYNC_NONE, 0, NULL);
    ck_assert_int_eq(append_range(s, 0, 10), 0);
    char names[4][256];
    ck_assert_int_eq(list_segs(names, 4, ".seg"), 1);   /* the open segment (header written) */
    size_t dlen;
    unsigned char *data = read_all(names[0], &dlen);
    ck_assert_uint_ge(dlen, 28);
    uint32_t salt = use_real_salt ? (uint32_t)data[24] | (uint32_t)data[25] << 8 |
                                    (uint32_t)data[26] << 16 | (uint32_t)data[27] << 24
                                  : 0;   /* 0: what a sender could compute */
    free(data);
    /* the payload: a marker then the forged frame, appended as one record */
    unsigned char payload[128];
    memcpy(payload, "XXXX", 4);
    size_t plen = 4 + frame_rec(salt, "forged", payload + 4);
    struct iovec v = { payload, plen };
    ck_assert_int_eq(sl_spool_append(s, &v, 1), 0);
    sl_spool_close(s);
    /* damage the CRC field of the record that holds the frame */
    data = read_all(names[0], &dlen);
    unsigned char *at = memmem(data, dlen, "XXXX", 4);
    ck_assert_ptr_nonnull(at);
    long crc_off = (long)(at - data) - 4;
    unsigned char c = data[crc_off] ^ 0x40;
    write_at(names[0], crc_off, &c, 1);
    free(data);
    struct sl_spool_report rep;
    s = open_sp(1u << 20, 0, SL_SPOOL_SYNC_NONE, 0, &rep);
    ck_assert_uint_eq(rep.segments_set_aside, 1);
    struct sl_spool_rec r[32];
    size_t n = 0, total = 0;
    *forged_seen = 0;
    for (int rounds = 0; rounds < 100; rounds++) {
        ck_assert_int_eq(sl_spool_peek(s, r, 32, &n), 0);
        if (n == 0) {
            break;
        }
        for (size_t i = 0; i < n; i++, total++) {
            if (r[i].len == 6 && memcmp(r[i].p, "forged", 6) == 0) {
                *forged_seen = 1;
            } else {
                ck_assert_int_eq(rec_index(r[i].p, r[i].len), (long)total);
            }
        }
        ck_assert_int_eq(sl_spool_ack(s, n), 0);
    }
    sl_spool_close(s);
    return total;
}

/* Found by fuzz_spool: before record CRCs were seeded with a per-segment salt, a message
 * built to contain a record frame at its end became a delivered record of its own when the
 * enclosing record's header was damaged.  With the salt unknown to the sender it is lost
 * with the damaged record; with the salt known (second half) it would verify - the check
 * that this test reaches the resynchronisation at all. */
START_TEST(corrupt_forged_record_in_payload)
{
    int forged;
    ck_assert_uint_eq(forged_tail(0, &forged), 10);
    ck_assert_int_eq(forged, 0);
    teardown();
    setup();
    ck_assert_uint_eq(forged_tail(1, &forged), 11);
    ck_assert_int_eq(forged, 1);
}
END_TEST

/* A version 1 segment (written before the salt: header field 24..27 zero, record CRCs
 * seeded with 0) is still read. */
START_TEST(version1_segment_read)
{
    unsigned char b[4096];
    memset(b, 0, 32);
    memcpy(b, "SLSPSEG1", 8);
    b[8] = 1;      /* version */
    b[12] = 32;    /* header length */
    b[16] = 1;     /* sequence */
    uint32_t hc = sl_crc32c(0, b, 28);
    for (int i = 0; i < 4; i++) {
        b[28 + i] = (unsigned char)(hc >> (8 * i));
    }
    size_t len = 32;
    for (uint32_t i = 0; i < 20; i++) {
        char rec[400];
        size_t rl = make_rec(i, rec);
        rec[rl] = '\0';
        len += frame_rec(0, rec, b + len);
    }
    write_at(NAME ".00000001.seg", 0, b, len);
    struct sl_spool_report rep;
    struct sl_spool *s = open_sp(4096, 0, SL_SPOOL_SYNC_NONE, 0, &rep);
    ck_assert_uint_eq(rep.segments_set_aside, 0);
    ck_assert_uint_eq(rep.records, 20);
    ck_assert_int_eq(append_range(s, 20, 40), 0);   /* new records go to a version 2 segment */
    static long got[64];
    size_t n = drain(s, got, 64, 7);
    expect_seq(got, n, 0, 39);
    sl_spool_close(s);
    s = open_sp(4096, 0, SL_SPOOL_SYNC_NONE, 0, &rep);
    ck_assert_uint_eq(rep.records, 0);
    ck_assert_uint_eq(rep.segments_set_aside, 0);
    sl_spool_close(s);
}
END_TEST

START_TEST(state_deleted)
{
    struct sl_spool *s = open_sp(4096, 0, SL_SPOOL_SYNC_NONE, 0, NULL);
    ck_assert_int_eq(append_range(s, 0, 200), 0);
    struct sl_spool_rec r[60];
    size_t n;
    ck_assert_int_eq(sl_spool_peek(s, r, 60, &n), 0);
    ck_assert_int_eq(sl_spool_ack(s, 60), 0);
    sl_spool_close(s);
    char path[1024];
    snprintf(path, sizeof(path), "%s/" NAME ".state", tmpdir);
    ck_assert_int_eq(unlink(path), 0);
    struct sl_spool_report rep;
    s = open_sp(4096, 0, SL_SPOOL_SYNC_NONE, 0, &rep);
    ck_assert_int_eq(rep.state_recovered, 1);
    ck_assert_uint_ge(rep.records, 140);
    static long got[300];
    n = drain(s, got, 300, 50);
    ck_assert_uint_eq(n, rep.records);
    ck_assert_int_le(got[0], 60);   /* from the oldest segment: duplicates, no loss */
    expect_seq(got, n, got[0], 199);
    sl_spool_close(s);
}
END_TEST

START_TEST(state_garbage)
{
    struct sl_spool *s = open_sp(4096, 0, SL_SPOOL_SYNC_NONE, 0, NULL);
    ck_assert_int_eq(append_range(s, 0, 200), 0);
    sl_spool_close(s);
    unsigned char junk[1024];
    srand(11);
    for (size_t i = 0; i < sizeof(junk); i++) {
        junk[i] = (unsigned char)rand();
    }
    write_at(NAME ".state", 0, junk, sizeof(junk));
    struct sl_spool_report rep;
    s = open_sp(4096, 0, SL_SPOOL_SYNC_NONE, 0, &rep);
    ck_assert_int_eq(rep.state_recovered, 1);
    ck_assert_uint_eq(rep.records, 200);
    static long got[300];
    size_t n = drain(s, got, 300, 50);
    expect_seq(got, n, 0, 199);
    sl_spool_close(s);
    /* a 3-byte state file too */
    s = open_sp(4096, 0, SL_SPOOL_SYNC_NONE, 0, NULL);
    ck_assert_int_eq(append_range(s, 200, 260), 0);
    sl_spool_close(s);
    char path[1024];
    snprintf(path, sizeof(path), "%s/" NAME ".state", tmpdir);
    ck_assert_int_eq(truncate(path, 0), 0);
    write_at(NAME ".state", 0, "abc", 3);
    s = open_sp(4096, 0, SL_SPOOL_SYNC_NONE, 0, &rep);
    ck_assert_int_eq(rep.state_recovered, 1);
    n = drain(s, got, 300, 50);
    expect_seq(got, n, 200, 259);
    sl_spool_close(s);
}
END_TEST

/* Child: append 100; ack 10 (checkpoint), ack 10 (checkpoint); crash.  The newest slot then
 * says "20 consumed", the older one "10 consumed". */
static void two_checkpoints(unsigned char *state, long *newer, long *older)
{
    pid_t pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        struct sl_spool_opts o = { .dir = tmpdir, .name = NAME, .max_segment_bytes = 4096 };
        struct sl_spool *s = NULL;
        struct sl_spool_rec r[10];
        size_t n;
        if (sl_spool_open(&o, &s, NULL) != 0 || append_range(s, 0, 100) != 0) {
            _exit(1);
        }
        for (int i = 0; i < 2; i++) {
            if (sl_spool_peek(s, r, 10, &n) != 0 || n != 10 || sl_spool_ack(s, 10) != 0) {
                _exit(2);
            }
        }
        _exit(0);
    }
    int st;
    ck_assert_int_eq(waitpid(pid, &st, 0), pid);
    ck_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0);
    size_t len;
    unsigned char *b = read_all(NAME ".state", &len);
    ck_assert_uint_eq(len, 1024);
    memcpy(state, b, len);
    free(b);
    uint64_t ga = 0, gb = 0;
    for (int i = 7; i >= 0; i--) {
        ga = ga << 8 | state[8 + i];
        gb = gb << 8 | state[512 + 8 + i];
    }
    ck_assert_uint_ne(ga, gb);
    *newer = ga > gb ? 0 : 512;
    *older = ga > gb ? 512 : 0;
}

static long first_after_open(int *recovered)
{
    struct sl_spool_report rep;
    struct sl_spool *s = open_sp(4096, 0, SL_SPOOL_SYNC_NONE, 0, &rep);
    *recovered = rep.state_recovered;
    static long got[200];
    size_t n = drain(s, got, 200, 50);
    ck_assert_uint_gt(n, 0);
    expect_seq(got, n, got[0], 99);
    sl_spool_close(s);
    return got[0];
}

START_TEST(state_slot_damaged)
{
    unsigned char st[1024];
    long newer, older;
    two_checkpoints(st, &newer, &older);
    /* newest slot damaged: the older one is used (10 duplicates, nothing lost) */
    unsigned char c = st[newer + 30] ^ 0x55;
    write_at(NAME ".state", newer + 30, &c, 1);
    int rec;
    ck_assert_int_eq(first_after_open(&rec), 10);
    ck_assert_int_eq(rec, 0);
}
END_TEST

START_TEST(state_older_slot_damaged)
{
    unsigned char st[1024];
    long newer, older;
    two_checkpoints(st, &newer, &older);
    unsigned char c = st[older + 20] ^ 0x55;
    write_at(NAME ".state", older + 20, &c, 1);
    int rec;
    ck_assert_int_eq(first_after_open(&rec), 20);
    ck_assert_int_eq(rec, 0);
}
END_TEST

START_TEST(state_torn_write)
{
    unsigned char st[1024];
    long newer, older;
    two_checkpoints(st, &newer, &older);
    /* the next write goes to the older slot; tear it: first half of a newer slot only */
    unsigned char slot[64];
    memcpy(slot, st + newer, 64);
    slot[8]++;                      /* generation + 1 */
    slot[24] = (unsigned char)(slot[24] + 100);   /* a later frontier */
    write_at(NAME ".state", older, slot, 32);
    int rec;
    ck_assert_int_eq(first_after_open(&rec), 20);   /* the previous state holds */
    ck_assert_int_eq(rec, 0);
}
END_TEST

/* ---------------------------------------------------------------- kill -9 */

START_TEST(crash_kill9_random)
{
    unsigned seed = 20261122;
    const char *e = getenv("SPOOL_CRASH_SEED");
    if (e != NULL) {
        seed = (unsigned)strtoul(e, NULL, 10);
    }
    srand(seed);
    const int reps = 24;
    uint64_t dups = 0, checked = 0, set_aside = 0;
    static long got[400000];
    for (int rep = 0; rep < reps; rep++) {
        uint32_t base = (uint32_t)rep * 1000000u;
        int pfd[2];
        ck_assert_int_eq(pipe(pfd), 0);
        unsigned child_seed = (unsigned)rand();
        pid_t pid = fork();
        ck_assert_int_ge(pid, 0);
        if (pid == 0) {
            close(pfd[0]);
            srand(child_seed);
            struct sl_spool_opts o = { .dir = tmpdir, .name = NAME, .max_segment_bytes = 16384,
                                       .sync = SL_SPOOL_SYNC_BATCH, .checkpoint_interval = 8 };
            struct sl_spool *s = NULL;
            if (sl_spool_open(&o, &s, NULL) != 0) {
                _exit(1);
            }
            uint32_t next = base;
            time_t t0 = time(NULL);
            for (int it = 0; it < 100000 && time(NULL) - t0 < 5; it++) {
                uint32_t k = 1 + (uint32_t)rand() % 40;
                if (append_range(s, next, next + k) != 0 || sl_spool_sync(s) != 0) {
                    _exit(2);
                }
                next += k;
                uint32_t msg[2] = { 1, next - 1 };   /* synced through next-1 */
                if (write(pfd[1], msg, sizeof(msg)) != sizeof(msg)) {
                    _exit(3);
                }
                if (rand() % 4 == 0) {
                    struct sl_spool_rec r[16];
                    size_t n = 0;
                    if (sl_spool_peek(s, r, 1 + (size_t)rand() % 16, &n) != 0) {
                        _exit(4);
                    }
                    if (n > 0) {
                        size_t a = 1 + (size_t)rand() % n;   /* ack a prefix of what was peeked */
                        long last = rec_index(r[a - 1].p, r[a - 1].len);
                        uint32_t amsg[2] = { 2, (uint32_t)last };   /* about to ack through */
                        if (last < 0 || write(pfd[1], amsg, sizeof(amsg)) != sizeof(amsg) ||
                            sl_spool_ack(s, a) != 0) {
                            _exit(5);
                        }
                        if (rand() % 2 == 0) {
                            sl_spool_rewind(s);
                        }
                    }
                }
            }
            _exit(0);
        }
        close(pfd[1]);
        usleep((useconds_t)(1000 + rand() % 40000));
        kill(pid, SIGKILL);
        int st;
        ck_assert_int_eq(waitpid(pid, &st, 0), pid);
        ck_assert_msg(WIFSIGNALED(st) || (WIFEXITED(st) && WEXITSTATUS(st) == 0),
                      "child failed: status %d", st);
        long synced = -1, acked = (long)base - 1;
        uint32_t msg[2];
        for (int i = 0; i < 10000000 && read(pfd[0], msg, sizeof(msg)) == sizeof(msg); i++) {
            if (msg[0] == 1) {
                synced = (long)msg[1];
            } else {
                acked = (long)msg[1];
            }
        }
        close(pfd[0]);
        struct sl_spool_report r;
        struct sl_spool *s = open_sp(16384, 0, SL_SPOOL_SYNC_BATCH, 8, &r);
        set_aside += r.segments_set_aside;
        size_t n = drain(s, got, sizeof(got) / sizeof(got[0]), 256);
        sl_spool_close(s);
        /* delivered: strictly increasing; everything from the first delivered through the
         * last synced is there (the child acked only a prefix, so anything missing before
         * the first delivered record was acked) */
        for (size_t i = 1; i < n; i++) {
            ck_assert_int_gt(got[i], got[i - 1]);
        }
        if (synced >= 0) {
            ck_assert_uint_gt(n, 0);
            ck_assert_int_ge(got[0], (long)base);
            ck_assert_int_le(got[0], acked + 1);   /* nothing unacked is missing */
            dups += (uint64_t)(got[0] <= acked ? acked - got[0] + 1 : 0);
            for (size_t i = 0; i < n && got[i] <= synced; i++) {
                ck_assert_int_eq(got[i], got[0] + (long)i);
                checked++;
            }
            ck_assert_int_ge(got[n - 1], synced);
        }
    }
    fprintf(stderr, "crash_kill9_random: seed %u, %d kills, %llu synced records verified, "
            "%llu duplicates (acked, not checkpointed), %llu segments set aside\n", seed, reps,
            (unsigned long long)checked, (unsigned long long)dups, (unsigned long long)set_aside);
}
END_TEST

static Suite *spool_suite(void)
{
    Suite *s = suite_create("spool");
    TCase *t = tcase_create("spool");
    tcase_add_checked_fixture(t, setup, teardown);
    tcase_set_timeout(t, 60);
    tcase_add_test(t, crc32c_values);
    tcase_add_test(t, roundtrip_many_segments);
    tcase_add_test(t, big_and_empty_records);
    tcase_add_test(t, rewind_and_repeek);
    tcase_add_test(t, reopen_keeps_order);
    tcase_add_test(t, acked_not_checkpointed_come_back);
    tcase_add_test(t, checkpoint_interval_bounds_duplicates);
    tcase_add_test(t, max_disk_gives_eagain);
    tcase_add_test(t, max_disk_lifted);
    tcase_add_test(t, corrupt_truncated_segment);
    tcase_add_test(t, corrupt_flipped_byte);
    tcase_add_test(t, corrupt_two_flips);
    tcase_add_test(t, corrupt_flip_unsealed);
    tcase_add_test(t, corrupt_segment_header);
    tcase_add_test(t, corrupt_header_unsealed);
    tcase_add_test(t, damage_while_open);
    tcase_add_test(t, corrupt_before_frontier);
    tcase_add_test(t, corrupt_forged_record_in_payload);
    tcase_add_test(t, version1_segment_read);
    tcase_add_test(t, state_deleted);
    tcase_add_test(t, state_garbage);
    tcase_add_test(t, state_slot_damaged);
    tcase_add_test(t, state_older_slot_damaged);
    tcase_add_test(t, state_torn_write);
    suite_add_tcase(s, t);
    TCase *c = tcase_create("crash");   /* CK_RUN_CASE=crash SPOOL_CRASH_SEED=N to vary */
    tcase_add_checked_fixture(c, setup, teardown);
    tcase_set_timeout(c, 120);
    tcase_add_test(c, crash_kill9_random);
    suite_add_tcase(s, c);
    return s;
}

int main(void)
{
    const char *t = getenv("TMPDIR");
    snprintf(rootdir, sizeof(rootdir), "%s/sl_spool_XXXXXX", t && *t ? t : "/tmp");
    if (mkdtemp(rootdir) == NULL) {
        perror("mkdtemp");
        return EXIT_FAILURE;
    }
    SRunner *r = srunner_create(spool_suite());
    srunner_run_all(r, CK_NORMAL);
    int failed = srunner_ntests_failed(r);
    srunner_free(r);
    rm_tree(rootdir, 1);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
