/*
 * fuzz_spool.c - fuzz target: disk-queue recovery (core/spool.c, spool_recover.c) and the
 * record decoder on what it hands back.  Random bytes would almost never get past the
 * segment header's CRC, so the target builds a valid spool from the input's records and
 * then damages it as the input says: byte flips anywhere in the segment files, a truncated
 * last segment, a damaged state file.  Then it opens the spool again (recovery: segments set
 * aside, intact prefixes and verified tails kept), reads and acks everything, and decodes
 * every record as a message.  Recovery must not crash, hang or hand out a record that was
 * not appended - a damaged one, or a record-shaped frame inside a payload that recovery
 * resynchronised on (corpus: crash-forged-record-in-payload; record CRCs are seeded with a
 * random per-segment salt, so such a frame verifies only by a 2^-32 chance, which also makes
 * this target's CRC values differ from run to run); a second open after the first recovery
 * must find no further damage.
 *
 * Input: byte 0: bits 0-2 the number of byte flips, bit 3 truncate the newest segment,
 * bit 4 damage the state file, bits 5-7 how many records to ack before the damage;
 * byte 1: how many bytes to cut when truncating; then 3 bytes per flip (u16 offset into the
 * concatenated segment files, xor value); the rest: records separated by '\n'.
 *
 * Ownership: one scratch directory per process (mkdtemp under $TMPDIR), emptied per input.
 * Concurrency & locking: none.
 */
#include "config.h"

#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#include "fuzz.h"
#include "msg_ser.h"
#include "spool.h"

#define MAXF 64

static char dir[256];
/* the records appended for this input (pointers into the input) */
static struct iovec appended[256];
static size_t nappended;

static int was_appended(const void *p, size_t len)
{
    for (size_t i = 0; i < nappended; i++) {
        if (appended[i].iov_len == len && memcmp(appended[i].iov_base, p, len) == 0) {
            return 1;
        }
    }
    return 0;
}

static void empty_dir(void)
{
    DIR *d = opendir(dir);
    struct dirent *de;
    while (d != NULL && (de = readdir(d)) != NULL) {
        if (de->d_name[0] != '.') {
            char p[512];
            snprintf(p, sizeof p, "%s/%s", dir, de->d_name);
            unlink(p);
        }
    }
    if (d != NULL) {
        closedir(d);
    }
}

static int cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The files whose name contains sub, sorted (their paths in out[], malloc'ed). */
static size_t list(const char *sub, char **out)
{
    size_t n = 0;
    DIR *d = opendir(dir);
    struct dirent *de;
    while (d != NULL && (de = readdir(d)) != NULL && n < MAXF) {
        if (strstr(de->d_name, sub) != NULL && strstr(de->d_name, ".bad") == NULL) {
            char p[512];
            snprintf(p, sizeof p, "%s/%s", dir, de->d_name);
            out[n++] = strdup(p);
        }
    }
    if (d != NULL) {
        closedir(d);
    }
    qsort(out, n, sizeof *out, cmp);
    return n;
}

static void flip(char **segs, size_t ns, size_t off, uint8_t x)
{
    off_t total = 0;
    struct stat st;
    for (size_t i = 0; i < ns; i++) {
        if (stat(segs[i], &st) == 0) {
            total += st.st_size;
        }
    }
    if (total == 0) {
        return;
    }
    off %= (size_t)total;
    for (size_t i = 0; i < ns; i++) {
        if (stat(segs[i], &st) != 0) {
            continue;
        }
        if ((off_t)off < st.st_size) {
            int fd = open(segs[i], O_RDWR);
            uint8_t b;
            if (fd >= 0 && pread(fd, &b, 1, (off_t)off) == 1) {
                b ^= x;
                if (pwrite(fd, &b, 1, (off_t)off) != 1) {
                    abort();
                }
            }
            if (fd >= 0) {
                close(fd);
            }
            return;
        }
        off -= (size_t)st.st_size;
    }
}

static const char *intern(void *arg, const char *name)
{
    (void)arg;
    (void)name;
    return "fuzzinput";
}

/* Open, read and ack everything, decode each record.  Returns the recovery report. */
static struct sl_spool_report drain(const struct sl_spool_opts *o)
{
    struct sl_spool_report rep = {0};
    struct sl_spool *s = NULL;
    if (sl_spool_open(o, &s, &rep) != 0) {
        return rep;
    }
    for (int guard = 0; guard < 10000 && sl_spool_count(s) > 0; guard++) {
        struct sl_spool_rec r[16];
        size_t n = 0;
        if (sl_spool_peek(s, r, 16, &n) != 0 || n == 0) {
            break;
        }
        for (size_t i = 0; i < n; i++) {
            if (!was_appended(r[i].p, r[i].len)) {
                abort();    /* a damaged record was handed out */
            }
            char rs[64];
            struct sl_msg *m = sl_msg_deserialize(r[i].p, r[i].len, rs, sizeof rs, intern, NULL);
            if (m != NULL) {
                sl_msg_unref(m);
            }
        }
        if (sl_spool_ack(s, n) != 0) {
            break;
        }
    }
    sl_spool_close(s);
    return rep;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (dir[0] == '\0') {
        const char *tmp = getenv("TMPDIR");
        snprintf(dir, sizeof dir, "%s/sluice-fuzz-spool.XXXXXX", tmp ? tmp : "/tmp");
        if (mkdtemp(dir) == NULL) {
            abort();
        }
    }
    if (size < 2 || size > 16384) {
        return 0;
    }
    size_t nflip = data[0] & 7;
    if (size < 2 + 3 * nflip) {
        return 0;
    }
    empty_dir();
    nappended = 0;
    struct sl_spool_opts o = { .dir = dir, .name = "fz", .max_segment_bytes = 512 };
    struct sl_spool *s = NULL;
    struct sl_spool_report rep;
    if (sl_spool_open(&o, &s, &rep) != 0) {
        abort();
    }
    const char *p = (const char *)data + 2 + 3 * nflip;
    const char *end = (const char *)data + size;
    size_t nrec = 0;
    while (p <= end && nrec < 256) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        const char *e = nl != NULL ? nl : end;
        struct iovec v = { (void *)p, (size_t)(e - p) };
        if (sl_spool_append(s, &v, 1) != 0) {
            abort();
        }
        appended[nrec++] = v;
        p = e + 1;
    }
    nappended = nrec;
    size_t ack = (size_t)(data[0] >> 5);
    if (ack > 0) {
        struct sl_spool_rec r[8];
        size_t n = 0;
        if (sl_spool_peek(s, r, ack, &n) == 0 && n > 0) {
            (void)sl_spool_ack(s, n);
        }
    }
    sl_spool_close(s);

    char *segs[MAXF];
    size_t ns = list(".seg", segs);
    for (size_t i = 0; i < nflip; i++) {
        const uint8_t *f = data + 2 + 3 * i;
        flip(segs, ns, (size_t)f[0] | (size_t)f[1] << 8, f[2] ? f[2] : 0x5a);
    }
    if ((data[0] & 8) && ns > 0) {
        struct stat st;
        if (stat(segs[ns - 1], &st) == 0) {
            off_t cut = (off_t)data[1] + 1;
            if (truncate(segs[ns - 1], st.st_size > cut ? st.st_size - cut : 0) != 0) {
                abort();
            }
        }
    }
    for (size_t i = 0; i < ns; i++) {
        free(segs[i]);
    }
    if (data[0] & 16) {
        char *st[MAXF];
        size_t nst = list("fz", st);
        for (size_t i = 0; i < nst; i++) {
            if (strstr(st[i], ".seg") == NULL) {
                int fd = open(st[i], O_RDWR);
                if (fd >= 0) {
                    uint8_t b = data[1];
                    if (pwrite(fd, &b, 1, (off_t)(data[1] % 64)) != 1) {
                        abort();
                    }
                    close(fd);
                }
            }
            free(st[i]);
        }
    }
    (void)drain(&o);
    struct sl_spool_report again = drain(&o);
    if (again.segments_set_aside != 0) {
        abort();        /* recovery left damage behind */
    }
    empty_dir();
    return 0;
}
