/*
 * spoolcrash.c - drive a disk spool (core/spool.c) from a command script so that crash tests
 * (shell scripts, power-cut rigs) can kill -9 it at any point and check what survived.
 *
 * Usage: spoolcrash [-d DIR] [-n NAME] [-s SEGBYTES] [-m MAXDISK] [-c CKPT] [-y none|batch]
 *                   [-b BASE] [-l LEN] CMD...
 * Commands, run in order:
 *   a:N     append N records (numbered from BASE on, LEN bytes each), one append call
 *   s       sync, then print "synced LAST" (the highest record number now durable)
 *   p:N     peek up to N records and print "peeked FIRST LAST"
 *   k:N     ack the N oldest unacked records, then print "acked LAST"
 *   r       rewind
 *   loop:K  run the commands after it K times (K=0: until killed)
 *   dump    peek and ack everything, printing "rec NUMBER" per record (checks contents)
 * Output is line-buffered on stdout; it exits 0, or 1 on a failed call or bad content.
 *
 * Ownership: one spool, owned by main.  Concurrency: single-threaded.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "spool.h"
#include "util/buf.h"

static size_t make_payload(unsigned long num, size_t len, char *buf)
{
    char head[32];
    int k = snprintf(head, sizeof(head), "spoolcrash %010lu ", num);
    if (len < (size_t)k) {
        len = (size_t)k;
    }
    memcpy(buf, head, (size_t)k);
    for (size_t j = (size_t)k; j < len; j++) {
        buf[j] = (char)('a' + (num + j) % 26);
    }
    return len;
}

static long check_payload(const void *p, size_t len)
{
    if (len < 22 || memcmp(p, "spoolcrash ", 11) != 0) {
        return -1;
    }
    unsigned long num = strtoul((const char *)p + 11, NULL, 10);
    char *want = sl_xmalloc(len + 32);
    int ok = make_payload(num, len, want) == len && memcmp(want, p, len) == 0;
    free(want);
    return ok ? (long)num : -1;
}

struct ctx {
    struct sl_spool *s;
    unsigned long next;     /* next record number to append */
    size_t len;
};

static int run_cmd(struct ctx *c, const char *cmd)
{
    struct sl_spool_rec r[256];
    size_t n = 0;
    if (strncmp(cmd, "a:", 2) == 0) {
        size_t cnt = strtoul(cmd + 2, NULL, 10);
        struct iovec *v = sl_xcalloc(cnt ? cnt : 1, sizeof(*v));
        for (size_t i = 0; i < cnt; i++) {
            v[i].iov_base = sl_xmalloc(c->len + 32);
            v[i].iov_len = make_payload(c->next + i, c->len, v[i].iov_base);
        }
        int rc = sl_spool_append(c->s, v, cnt);
        for (size_t i = 0; i < cnt; i++) {
            free(v[i].iov_base);
        }
        free(v);
        if (rc != 0) {
            printf("append failed %d\n", rc);
            return rc == -5 ? 0 : 1;   /* SL_EAGAIN: full, keep going */
        }
        c->next += cnt;
        return 0;
    }
    if (strcmp(cmd, "s") == 0) {
        if (sl_spool_sync(c->s) != 0) {
            printf("sync failed\n");
            return 1;
        }
        printf("synced %ld\n", (long)c->next - 1);
        return 0;
    }
    if (strncmp(cmd, "p:", 2) == 0) {
        size_t want = strtoul(cmd + 2, NULL, 10);
        if (want > 256) {
            want = 256;
        }
        if (sl_spool_peek(c->s, r, want, &n) != 0) {
            printf("peek failed\n");
            return 1;
        }
        if (n > 0) {
            printf("peeked %ld %ld\n", check_payload(r[0].p, r[0].len),
                   check_payload(r[n - 1].p, r[n - 1].len));
        }
        return 0;
    }
    if (strncmp(cmd, "k:", 2) == 0) {
        size_t cnt = strtoul(cmd + 2, NULL, 10);
        if (cnt > sl_spool_count(c->s)) {
            cnt = (size_t)sl_spool_count(c->s);
        }
        if (cnt > 0 && sl_spool_ack(c->s, cnt) != 0) {
            printf("ack failed\n");
            return 1;
        }
        printf("acked %zu\n", cnt);
        return 0;
    }
    if (strcmp(cmd, "r") == 0) {
        sl_spool_rewind(c->s);
        return 0;
    }
    if (strcmp(cmd, "dump") == 0) {
        for (;;) {
            if (sl_spool_peek(c->s, r, 256, &n) != 0) {
                printf("peek failed\n");
                return 1;
            }
            if (n == 0) {
                return 0;
            }
            for (size_t i = 0; i < n; i++) {
                long num = check_payload(r[i].p, r[i].len);
                if (num < 0) {
                    printf("bad record\n");
                    return 1;
                }
                printf("rec %ld\n", num);
            }
            if (sl_spool_ack(c->s, n) != 0) {
                printf("ack failed\n");
                return 1;
            }
        }
    }
    fprintf(stderr, "spoolcrash: unknown command '%s'\n", cmd);
    return 1;
}

int main(int argc, char **argv)
{
    struct sl_spool_opts o = { .dir = ".", .name = "crash" };
    struct ctx c = { .len = 200 };
    int opt;
    while ((opt = getopt(argc, argv, "d:n:s:m:c:y:b:l:")) != -1) {
        switch (opt) {
        case 'd': o.dir = optarg; break;
        case 'n': o.name = optarg; break;
        case 's': o.max_segment_bytes = strtoull(optarg, NULL, 10); break;
        case 'm': o.max_disk_bytes = strtoull(optarg, NULL, 10); break;
        case 'c': o.checkpoint_interval = (uint32_t)strtoul(optarg, NULL, 10); break;
        case 'y': o.sync = strcmp(optarg, "batch") == 0 ? SL_SPOOL_SYNC_BATCH : SL_SPOOL_SYNC_NONE; break;
        case 'b': c.next = strtoul(optarg, NULL, 10); break;
        case 'l': c.len = strtoul(optarg, NULL, 10); break;
        default:
            fprintf(stderr, "usage: spoolcrash [-d DIR] [-n NAME] [-s SEGBYTES] [-m MAXDISK] [-c CKPT] "
                            "[-y none|batch] [-b BASE] [-l LEN] CMD...\n");
            return 2;
        }
    }
    setvbuf(stdout, NULL, _IOLBF, 0);
    struct sl_spool_report rep;
    int rc = sl_spool_open(&o, &c.s, &rep);
    if (rc != 0) {
        printf("open failed %d\n", rc);
        return 1;
    }
    printf("open records %llu set_aside %u lost %llu state_recovered %d\n",
           (unsigned long long)rep.records, rep.segments_set_aside,
           (unsigned long long)rep.records_lost, rep.state_recovered);
    int loop_at = -1;
    unsigned long loops = 1, done = 0;
    int status = 0;
    for (int i = optind; i < argc && status == 0; i++) {
        if (strncmp(argv[i], "loop:", 5) == 0) {
            loops = strtoul(argv[i] + 5, NULL, 10);
            loop_at = i;
            continue;
        }
        status = run_cmd(&c, argv[i]);
        if (i == argc - 1 && loop_at >= 0 && (loops == 0 || ++done < loops)) {
            i = loop_at;
        }
    }
    sl_spool_close(c.s);
    return status;
}
