/*
 * test_core.c - unit tests for the ring queue, parameter binding and the plugin loader.
 */
#include <check.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "conf/ir.h"
#include "exec_gate.h"
#include "log.h"
#include "msg.h"
#include "params.h"
#include "plugin.h"
#include "queue.h"
#include "util/strutil.h"

/* The ring only stores pointers; tests use fake messages and a local unref (counted, for
 * the discard tests). */
static int unrefs;
void sl_msg_unref(struct sl_msg *m)
{
    (void)m;
    unrefs++;
}
/* builtin table the loader consults (sluiced links the real one) */
const struct sl_plugin *const sl_builtin_plugins[] = { NULL };

static struct sl_msg *fake(uintptr_t i)
{
    return (struct sl_msg *)(i * 8 + 8);
}

START_TEST(ring_fifo_and_wrap)
{
    struct sl_ring r;
    sl_ring_init(&r, 4);
    struct sl_msg *out[8];
    for (uintptr_t round = 0; round < 10; round++) {
        struct sl_msg *in[3] = { fake(round * 3), fake(round * 3 + 1), fake(round * 3 + 2) };
        ck_assert_uint_eq(sl_ring_push(&r, in, 3, 0), 3);
        ck_assert_uint_eq(sl_ring_pop(&r, out, 2, 0), 2);
        ck_assert_ptr_eq(out[0], in[0]);
        ck_assert_ptr_eq(out[1], in[1]);
        ck_assert_uint_eq(sl_ring_pop(&r, out, 8, 0), 1);
        ck_assert_ptr_eq(out[0], in[2]);
    }
    /* non-blocking push into a full ring takes what fits */
    struct sl_msg *in[6] = { fake(1), fake(2), fake(3), fake(4), fake(5), fake(6) };
    ck_assert_uint_eq(sl_ring_push(&r, in, 6, 0), 4);
    ck_assert_uint_eq(sl_ring_len(&r), 4);
    ck_assert_uint_eq(sl_ring_pop(&r, out, 8, 0), 4);
    ck_assert_ptr_eq(out[3], fake(4));
    /* empty ring with a timeout returns 0 */
    ck_assert_uint_eq(sl_ring_pop(&r, out, 8, 10), 0);
    sl_ring_destroy(&r);
}
END_TEST

/* A ring that never empties wraps round its slots in FIFO order; one that empties starts
 * again at slot 0, so a shallow ring keeps touching only its first slots. */
START_TEST(ring_wraps_while_busy_restarts_when_empty)
{
    struct sl_ring r;
    sl_ring_init(&r, 4);
    struct sl_msg *out[8];
    uintptr_t next_in = 1, next_out = 1;
    struct sl_msg *in[2] = { fake(next_in), fake(next_in + 1) };
    next_in += 2;
    ck_assert_uint_eq(sl_ring_push(&r, in, 2, 0), 2);
    size_t heads_seen = 0;
    for (int round = 0; round < 10; round++) {
        struct sl_msg *more[2] = { fake(next_in), fake(next_in + 1) };
        next_in += 2;
        ck_assert_uint_eq(sl_ring_push(&r, more, 2, 0), 2);
        ck_assert_uint_eq(sl_ring_pop(&r, out, 2, 0), 2);
        ck_assert_ptr_eq(out[0], fake(next_out));
        ck_assert_ptr_eq(out[1], fake(next_out + 1));
        next_out += 2;
        heads_seen |= (size_t)1 << r.head;
    }
    ck_assert_uint_eq(heads_seen, 0x5);     /* head went 2, 0, 2, 0, ...: it wrapped */
    ck_assert_uint_eq(sl_ring_pop(&r, out, 8, 0), 2);
    ck_assert_ptr_eq(out[1], fake(next_in - 1));
    ck_assert_uint_eq(r.head, 0);
    for (int round = 0; round < 10; round++) {
        struct sl_msg *three[3] = { fake(100), fake(101), fake(102) };
        ck_assert_uint_eq(sl_ring_push(&r, three, 3, 0), 3);
        ck_assert_ptr_eq(r.v[0], fake(100));
        ck_assert_uint_eq(sl_ring_pop(&r, out, 1, 0), 1);
        ck_assert_uint_eq(sl_ring_pop(&r, out + 1, 8, 0), 2);
        ck_assert_ptr_eq(out[2], fake(102));
        ck_assert_uint_eq(r.head, 0);
    }
    sl_ring_destroy(&r);
}
END_TEST

/* a message as the discard mark sees it: raw bytes, or a parsed PRI */
static void mkmsg(struct sl_msg *m, const char *raw, int parsed_pri)
{
    memset(m, 0, sizeof *m);
    m->raw = (char *)raw;
    m->raw_len = strlen(raw);
    if (parsed_pri >= 0) {
        m->flags = SL_MSGF_PARSED;
        m->pri = parsed_pri;
    }
}

START_TEST(ring_severity_of_raw_and_parsed)
{
    struct sl_msg m;
    mkmsg(&m, "<13>Oct 11 22:14:15 h t: x", -1);
    ck_assert_int_eq(sl_ring_msg_severity(&m), 5);
    mkmsg(&m, "<191>x", -1);
    ck_assert_int_eq(sl_ring_msg_severity(&m), 7);
    mkmsg(&m, "<8>x", -1);
    ck_assert_int_eq(sl_ring_msg_severity(&m), 0);
    mkmsg(&m, "<192>x", -1);            /* not a PRI: rsyslog's default user.notice */
    ck_assert_int_eq(sl_ring_msg_severity(&m), 5);
    mkmsg(&m, "no pri at all", -1);
    ck_assert_int_eq(sl_ring_msg_severity(&m), 5);
    mkmsg(&m, "<1234>x", -1);
    ck_assert_int_eq(sl_ring_msg_severity(&m), 5);
    mkmsg(&m, "<15>x", 8 * 3 + 2);      /* parsed wins over raw */
    ck_assert_int_eq(sl_ring_msg_severity(&m), 2);
}
END_TEST

START_TEST(ring_discard_mark_drops_low_severity_only)
{
    struct sl_ring r;
    sl_ring_init(&r, 10);
    _Atomic uint64_t nf;
    atomic_init(&nf, 0);
    r.discard_mark = 4;
    r.discard_sev = 5;          /* notice, info, debug go once the ring holds 4 */
    r.c_discard_nf = &nf;
    struct sl_msg m[10];
    mkmsg(&m[0], "<14>a", -1);  /* info: below the mark, kept */
    mkmsg(&m[1], "<15>b", -1);
    mkmsg(&m[2], "<11>c", -1);
    mkmsg(&m[3], "<13>d", -1);  /* count 3: still below, kept -> count 4 */
    mkmsg(&m[4], "<14>e", -1);  /* at the mark: info discarded */
    mkmsg(&m[5], "<12>f", -1);  /* warning: kept */
    mkmsg(&m[6], "plain", -1);  /* no PRI = notice: discarded */
    mkmsg(&m[7], "<10>h", -1);  /* crit: kept */
    mkmsg(&m[8], "<0>i", 7);    /* parsed as debug: discarded */
    mkmsg(&m[9], "<8>j", -1);   /* emerg: kept */
    struct sl_msg *in[10];
    for (int i = 0; i < 10; i++) {
        in[i] = &m[i];
    }
    unrefs = 0;
    ck_assert_uint_eq(sl_ring_push(&r, in, 10, 0), 10);
    ck_assert_uint_eq(atomic_load(&nf), 3);
    ck_assert_int_eq(unrefs, 3);
    struct sl_msg *out[10];
    ck_assert_uint_eq(sl_ring_pop(&r, out, 10, 0), 7);
    const int kept[] = { 0, 1, 2, 3, 5, 7, 9 };
    for (int i = 0; i < 7; i++) {
        ck_assert_ptr_eq(out[i], &m[kept[i]]);
    }
    /* a full ring: high severities wait (here: do not wait), low ones are still discarded */
    for (int i = 0; i < 10; i++) {
        mkmsg(&m[i], "<9>x", -1);
    }
    ck_assert_uint_eq(sl_ring_push(&r, in, 10, 0), 10);
    ck_assert_uint_eq(sl_ring_len(&r), 10);
    mkmsg(&m[0], "<15>low", -1);
    mkmsg(&m[1], "<9>high", -1);
    mkmsg(&m[2], "<15>low", -1);
    ck_assert_uint_eq(sl_ring_push(&r, in, 3, 0), 1);  /* low discarded, high does not fit */
    ck_assert_uint_eq(atomic_load(&nf), 4);
    sl_ring_destroy(&r);
}
END_TEST

START_TEST(ring_push_timed_gives_up)
{
    struct sl_ring r;
    sl_ring_init(&r, 2);
    struct sl_msg *in[3] = { fake(1), fake(2), fake(3) };
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    ck_assert_uint_eq(sl_ring_push_timed(&r, in, 3, 0), 2);   /* 0: no wait */
    ck_assert_uint_eq(sl_ring_push_timed(&r, in + 2, 1, 200), 0);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    long ms = (t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000;
    ck_assert_int_ge(ms, 190);
    struct sl_msg *out[2];
    ck_assert_uint_eq(sl_ring_pop(&r, out, 1, 0), 1);
    ck_assert_uint_eq(sl_ring_push_timed(&r, in + 2, 1, 200), 1); /* room: at once */
    sl_ring_destroy(&r);
}
END_TEST

/* queue.maxBytes: a push stops at the first message that reaches the bound, an empty ring
 * takes one message larger than the bound, pops give the bytes back, and a blocked
 * (timed) push gives up while the ring stays over the bound */
START_TEST(ring_max_bytes_bounds_pushes)
{
    struct sl_ring r;
    sl_ring_init(&r, 100);
    struct sl_msg m[6];
    mkmsg(&m[0], "aaaa", -1);
    mkmsg(&m[1], "bbbb", -1);
    mkmsg(&m[2], "cccc", -1);
    mkmsg(&m[3], "dddd", -1);
    size_t one = sl_ring_msg_bytes(&m[0]);
    ck_assert_uint_eq(one, sizeof(struct sl_msg) + 5);
    sl_ring_set_max_bytes(&r, 2 * one + 1);
    struct sl_msg *in[4] = { &m[0], &m[1], &m[2], &m[3] };
    ck_assert_uint_eq(sl_ring_push(&r, in, 4, 0), 3);   /* the third reaches the bound */
    ck_assert_uint_eq(r.bytes, 3 * one);
    ck_assert_uint_eq(sl_ring_push_timed(&r, in + 3, 1, 50), 0);
    struct sl_msg *out[4];
    ck_assert_uint_eq(sl_ring_pop(&r, out, 2, 0), 2);
    ck_assert_ptr_eq(out[0], &m[0]);
    ck_assert_uint_eq(r.bytes, one);
    ck_assert_uint_eq(sl_ring_push(&r, in + 3, 1, 0), 1);
    ck_assert_uint_eq(sl_ring_pop(&r, out, 4, 0), 2);
    ck_assert_ptr_eq(out[0], &m[2]);
    ck_assert_ptr_eq(out[1], &m[3]);
    ck_assert_uint_eq(r.bytes, 0);
    /* bigger than the bound: passes into the empty ring, then nothing more */
    static char big[4096];
    memset(big, 'x', sizeof big - 1);
    mkmsg(&m[4], big, -1);
    mkmsg(&m[5], "e", -1);
    struct sl_msg *in2[2] = { &m[4], &m[5] };
    ck_assert_uint_eq(sl_ring_push(&r, in2, 2, 0), 1);
    ck_assert_uint_eq(sl_ring_pop(&r, out, 4, 0), 1);
    ck_assert_uint_eq(r.bytes, 0);
    /* the discard path counts bytes too */
    r.discard_mark = 0;
    r.discard_sev = 8;
    ck_assert_uint_eq(sl_ring_push(&r, in, 4, 0), 3);
    ck_assert_uint_eq(r.bytes, 3 * one);
    sl_ring_destroy(&r);
}
END_TEST

struct prod {
    struct sl_ring *r;
    uintptr_t base, n;
};

static void *producer(void *arg)
{
    struct prod *p = arg;
    for (uintptr_t i = 0; i < p->n; i++) {
        struct sl_msg *m = fake(p->base + i);
        sl_ring_push(p->r, &m, 1, 1);
    }
    return NULL;
}

START_TEST(ring_blocking_producers_keep_order)
{
    struct sl_ring r;
    sl_ring_init(&r, 16);
    struct prod p1 = { &r, 0, 20000 }, p2 = { &r, 1000000, 20000 };
    pthread_t t1, t2;
    pthread_create(&t1, NULL, producer, &p1);
    pthread_create(&t2, NULL, producer, &p2);
    uintptr_t next1 = 0, next2 = 1000000, got = 0;
    struct sl_msg *out[7];
    while (got < 40000) {
        size_t n = sl_ring_pop(&r, out, 7, 5000);
        ck_assert_uint_gt(n, 0);
        for (size_t i = 0; i < n; i++) {
            uintptr_t v = ((uintptr_t)out[i] - 8) / 8;
            if (v >= 1000000) {
                ck_assert_uint_eq(v, next2++);
            } else {
                ck_assert_uint_eq(v, next1++);
            }
        }
        got += n;
    }
    pthread_join(t1, NULL);
    pthread_join(t2, NULL);
    ck_assert_uint_gt(atomic_load(&r.full_waits), 0);
    sl_ring_destroy(&r);
}
END_TEST

static void *closer(void *arg)
{
    usleep(50000);
    sl_ring_close(arg);
    return NULL;
}

START_TEST(ring_close_wakes_everyone)
{
    struct sl_ring r;
    sl_ring_init(&r, 2);
    struct sl_msg *in[3] = { fake(1), fake(2), fake(3) };
    pthread_t t;
    pthread_create(&t, NULL, closer, &r);
    /* blocks on the third until the close, then reports 2 pushed */
    ck_assert_uint_eq(sl_ring_push(&r, in, 3, 1), 2);
    pthread_join(t, NULL);
    struct sl_msg *out[4];
    ck_assert_uint_eq(sl_ring_pop(&r, out, 4, -1), 2); /* drains what is left */
    ck_assert_uint_eq(sl_ring_pop(&r, out, 4, -1), 0); /* then reports closed */
    ck_assert_uint_eq(sl_ring_push(&r, in, 1, 1), 0);
    sl_ring_destroy(&r);
}
END_TEST

static long ms_since(const struct timespec *t0)
{
    struct timespec t1;
    clock_gettime(CLOCK_MONOTONIC, &t1);
    return (t1.tv_sec - t0->tv_sec) * 1000 + (t1.tv_nsec - t0->tv_nsec) / 1000000;
}

struct paced {
    struct sl_ring *r;
    int n, gap_ms;
};

static void *paced_producer(void *arg)
{
    struct paced *p = arg;
    for (int i = 0; i < p->n; i++) {
        usleep((useconds_t)p->gap_ms * 1000);
        struct sl_msg *m = fake((uintptr_t)i);
        sl_ring_push(p->r, &m, 1, 1);
    }
    return NULL;
}

/* queue.minDequeueBatchSize: a worker's pop waits for the minimum (messages arriving one by
 * one come out as one batch), gives up after the timeout counted from the oldest message,
 * takes at once from a full or closed ring; with a timeout of its own it returns 0 while
 * no batch is due. */
START_TEST(ring_min_batch)
{
    struct sl_ring r;
    sl_ring_init(&r, 50);
    sl_ring_set_min_batch(&r, 10, 600);
    struct sl_msg *out[64];
    /* ten messages 20 ms apart: one batch of ten, well before the timeout */
    struct paced p = { &r, 10, 20 };
    pthread_t t;
    struct timespec t0;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    pthread_create(&t, NULL, paced_producer, &p);
    ck_assert_uint_eq(sl_ring_pop_batch(&r, out, 64, -1), 10);
    ck_assert_int_lt(ms_since(&t0), 590);
    pthread_join(t, NULL);
    for (uintptr_t i = 0; i < 10; i++) {
        ck_assert_ptr_eq(out[i], fake(i));
    }
    /* three messages: they wait for the timeout, then come out */
    struct sl_msg *in[3] = { fake(1), fake(2), fake(3) };
    clock_gettime(CLOCK_MONOTONIC, &t0);
    ck_assert_uint_eq(sl_ring_push(&r, in, 3, 0), 3);
    ck_assert_uint_eq(sl_ring_pop_batch(&r, out, 64, 0), 0);      /* not due: no wait */
    ck_assert_uint_eq(sl_ring_pop_batch(&r, out, 64, 100), 0);    /* not due in 100 ms */
    ck_assert_int_ge(ms_since(&t0), 95);
    ck_assert_uint_eq(sl_ring_pop_batch(&r, out, 2, 0), 2);       /* a batch of at most 2: due */
    ck_assert_uint_eq(sl_ring_push(&r, in + 1, 2, 0), 2);
    ck_assert_uint_eq(sl_ring_pop_batch(&r, out, 64, 5000), 3);   /* due at the timeout */
    ck_assert_int_ge(ms_since(&t0), 590);
    ck_assert_int_lt(ms_since(&t0), 4000);
    ck_assert_ptr_eq(out[0], fake(3));
    ck_assert_uint_eq(sl_ring_pop_batch(&r, out, 64, 50), 0);     /* empty */
    /* the timeout counts from the oldest message: after a pause it is due at once */
    ck_assert_uint_eq(sl_ring_push(&r, in, 1, 0), 1);
    usleep(650 * 1000);
    ck_assert_uint_eq(sl_ring_push(&r, in + 1, 1, 0), 1);
    ck_assert_uint_eq(sl_ring_pop_batch(&r, out, 64, 0), 2);
    /* a minimum above the capacity: a full ring is a batch */
    struct sl_ring small;
    sl_ring_init(&small, 4);
    sl_ring_set_min_batch(&small, 100, 60000);
    struct sl_msg *four[4] = { fake(1), fake(2), fake(3), fake(4) };
    ck_assert_uint_eq(sl_ring_push(&small, four, 4, 0), 4);
    ck_assert_uint_eq(sl_ring_pop_batch(&small, out, 64, -1), 4);
    /* closing hands out what is there */
    ck_assert_uint_eq(sl_ring_push(&small, four, 2, 0), 2);
    pthread_create(&t, NULL, closer, &small);
    clock_gettime(CLOCK_MONOTONIC, &t0);
    ck_assert_uint_eq(sl_ring_pop_batch(&small, out, 64, -1), 2);
    ck_assert_int_lt(ms_since(&t0), 30000);
    pthread_join(t, NULL);
    ck_assert_uint_eq(sl_ring_pop_batch(&small, out, 64, -1), 0);
    sl_ring_destroy(&small);
    sl_ring_destroy(&r);
}
END_TEST

struct blk {
    int on;
    int64_t n;
    int64_t size;
    int64_t mode;
    char *s;
    struct sl_strarr a;
    int64_t e;
};
static const char *const colours[] = { "red", "green", NULL };
static const struct sl_param tbl[] = {
    { "flag", SL_PT_BOOL, 0, offsetof(struct blk, on), "off", NULL, NULL, NULL },
    { "count", SL_PT_POSINT, SL_P_REQUIRED, offsetof(struct blk, n), NULL, NULL, NULL, NULL },
    { "buf.size", SL_PT_SIZE, 0, offsetof(struct blk, size), "4k", NULL, NULL, NULL },
    { "mode", SL_PT_FILEMODE, 0, offsetof(struct blk, mode), "0644", NULL, NULL, NULL },
    { "name", SL_PT_STRING, 0, offsetof(struct blk, s), "dflt", NULL, NULL, NULL },
    { "list", SL_PT_ARRAY, 0, offsetof(struct blk, a), NULL, NULL, NULL, NULL },
    { "colour", SL_PT_ENUM, 0, offsetof(struct blk, e), "red", colours, NULL, NULL },
    SL_PARAM_END
};

static struct sl_kv *kv(const char *n, const char *v, struct sl_kv *next)
{
    struct sl_kv *k = calloc(1, sizeof *k);
    k->name = strdup(n);
    k->str = strdup(v);
    k->loc.file = "t.conf";
    k->loc.line = 7;
    k->next = next;
    return k;
}

static void kv_free(struct sl_kv *k)
{
    while (k != NULL) {
        struct sl_kv *n = k->next;
        free(k->name);
        free(k->str);
        free(k);
        k = n;
    }
}

START_TEST(params_bind_defaults_and_values)
{
    struct sl_loc loc = { "t.conf", 3, 0 };
    struct sl_kv *kvs = kv("COUNT", "12", kv("buf.size", "2m", kv("Mode", "0600",
                        kv("colour", "GREEN", kv("list", "x", NULL)))));
    struct blk b;
    memset(&b, 0, sizeof b);
    sl_cfg_reset_counts();
    ck_assert_int_eq(sl_params_apply(tbl, &b, kvs, NULL, "test", &loc), 0);
    ck_assert_int_eq(sl_params_check_unused(kvs, "test", NULL), 0);
    ck_assert_int_eq(b.on, 0);
    ck_assert_int_eq(b.n, 12);
    ck_assert_int_eq(b.size, 2 * 1024 * 1024);
    ck_assert_int_eq(b.mode, 0600);
    ck_assert_str_eq(b.s, "dflt");
    ck_assert_uint_eq(b.a.n, 1);
    ck_assert_str_eq(b.a.v[0], "x");
    ck_assert_int_eq(b.e, 1);
    sl_params_free(tbl, &b);
    kv_free(kvs);
}
END_TEST

START_TEST(params_errors_are_counted)
{
    struct sl_loc loc = { "t.conf", 3, 0 };
    struct blk b;
    memset(&b, 0, sizeof b);
    sl_cfg_reset_counts();
    /* missing required "count", a bad bool, a bad enum, an unknown parameter */
    struct sl_kv *kvs = kv("flag", "maybe", kv("colour", "blue", kv("cuont", "3", NULL)));
    ck_assert_int_eq(sl_params_apply(tbl, &b, kvs, NULL, "test", &loc), 3);
    ck_assert_int_eq(sl_params_check_unused(kvs, "test", NULL), 1);
    ck_assert_int_eq(sl_cfg_error_count(), 4);
    /* implicit (legacy) parameters nobody knows are not errors */
    kvs->next->next->implicit = 1;
    kvs->next->next->used = 0;
    ck_assert_int_eq(sl_params_check_unused(kvs->next->next, "test", NULL), 0);
    sl_params_free(tbl, &b);
    kv_free(kvs);
}
END_TEST

/* Two names for one field (omfile's fileGroup / fileGroupNum): a value given under the
 * first name survives the second name's default. */
struct alias_blk {
    int64_t gid;
};
static const struct sl_param alias_tbl[] = {
    { "group", SL_PT_INT, 0, offsetof(struct alias_blk, gid), "-1", NULL, NULL, NULL },
    { "groupNum", SL_PT_INT, 0, offsetof(struct alias_blk, gid), "-1", NULL, NULL, NULL },
    SL_PARAM_END
};

START_TEST(params_aliases_keep_the_value)
{
    struct sl_loc loc = { "t.conf", 3, 0 };
    struct alias_blk b = { 0 };
    struct sl_kv *kvs = kv("group", "4", NULL);
    ck_assert_int_eq(sl_params_apply(alias_tbl, &b, kvs, NULL, "test", &loc), 0);
    ck_assert_int_eq(b.gid, 4);
    kv_free(kvs);
    kvs = kv("groupNum", "5", NULL);
    ck_assert_int_eq(sl_params_apply(alias_tbl, &b, kvs, NULL, "test", &loc), 0);
    ck_assert_int_eq(b.gid, 5);
    kv_free(kvs);
}
END_TEST

START_TEST(params_sizes_follow_rsyslog)
{
    int64_t v;
    ck_assert_int_eq(sl_param_parse_size("1k", &v), 0);
    ck_assert_int_eq(v, 1024);
    ck_assert_int_eq(sl_param_parse_size("1K", &v), 0);
    ck_assert_int_eq(v, 1000);
    ck_assert_int_eq(sl_param_parse_size("3g", &v), 0);
    ck_assert_int_eq(v, 3LL * 1024 * 1024 * 1024);
    ck_assert_int_ne(sl_param_parse_size("12x", &v), 0);
    /* rsyslog 8.2302 (checked with rsyslogd -N1): "" is 0; no "b", no blanks, no sign */
    ck_assert_int_eq(sl_param_parse_size("", &v), 0);
    ck_assert_int_eq(v, 0);
    ck_assert_int_ne(sl_param_parse_size("10kb", &v), 0);
    ck_assert_int_ne(sl_param_parse_size(" 10", &v), 0);
    ck_assert_int_ne(sl_param_parse_size("-10", &v), 0);
    ck_assert_int_eq(sl_param_parse_size("2e", &v), 0);
    ck_assert_int_eq(v, 2LL * 1024 * 1024 * 1024 * 1024 * 1024 * 1024);
    /* legacy $Directive numbers: separators skipped, a size suffix, a sign */
    ck_assert_int_eq(sl_param_parse_legacy_num("1,000", &v), 0);
    ck_assert_int_eq(v, 1000);
    ck_assert_int_eq(sl_param_parse_legacy_num("100k", &v), 0);
    ck_assert_int_eq(v, 102400);
    ck_assert_int_eq(sl_param_parse_legacy_num("-1", &v), 0);
    ck_assert_int_eq(v, -1);
    ck_assert_int_ne(sl_param_parse_legacy_num("100kb", &v), 0);
    ck_assert_int_ne(sl_param_parse_legacy_num("0x10", &v), 0);
    /* RainerScript integers (libestr's es_str2num): decimal, '-' decimal, '0' octal */
    ck_assert_int_eq(sl_param_parse_int("010", &v), 0);
    ck_assert_int_eq(v, 8);
    ck_assert_int_ne(sl_param_parse_int("08", &v), 0);
    ck_assert_int_ne(sl_param_parse_int("0x10", &v), 0);
    ck_assert_int_eq(sl_param_parse_int("-5", &v), 0);
    ck_assert_int_ne(sl_param_parse_int("+5", &v), 0);
    ck_assert_int_ne(sl_param_parse_int(" 5", &v), 0);
    ck_assert_int_ne(sl_param_parse_int("5 ", &v), 0);
    ck_assert_int_ne(sl_param_parse_int("1k", &v), 0);
    ck_assert_int_ne(sl_param_parse_int("", &v), 0);
    /* binary: exactly on/off */
    int b;
    ck_assert_int_eq(sl_param_parse_bool("on", &b), 0);
    ck_assert_int_eq(b, 1);
    ck_assert_int_eq(sl_param_parse_bool("off", &b), 0);
    ck_assert_int_eq(b, 0);
    ck_assert_int_ne(sl_param_parse_bool("On", &b), 0);
    ck_assert_int_ne(sl_param_parse_bool("yes", &b), 0);
    ck_assert_int_ne(sl_param_parse_bool("1", &b), 0);
}
END_TEST

/* The redaction rule of log.h: secret keys by pattern, KEY=VALUE elements, marked kvs. */
START_TEST(secrets_are_redacted)
{
    char b[64];
    ck_assert(sl_secret_key("sasl.password", 13));
    ck_assert(sl_secret_key("SSL.Key.Password", 16));
    ck_assert(sl_secret_key("sasl.oauthbearer.client.secret", 30));
    ck_assert(sl_secret_key("ssl_key", 7));
    ck_assert(sl_secret_key("pwd", 3));
    ck_assert(!sl_secret_key("ssl.key.location", 16));
    ck_assert(!sl_secret_key("StreamDriver.KeyFile", 20));
    ck_assert_str_eq(sl_redact(0, "confParam", "sasl.password=x", b, sizeof b),
                     "sasl.password=" SL_REDACTED);
    ck_assert_str_eq(sl_redact(0, "confParam", "bootstrap.servers=a:1", b, sizeof b),
                     "bootstrap.servers=a:1");
    ck_assert_str_eq(sl_redact(1, "token", "abc", b, sizeof b), SL_REDACTED);
    ck_assert_str_eq(sl_redact(0, "Password", "abc", b, sizeof b), SL_REDACTED);
    ck_assert_str_eq(sl_redact(0, "user", "abc", b, sizeof b), "abc");
    /* a key longer than the buffer is cut, the value never shown */
    const char *lk = "a.very.long.key.name.that.goes.on.and.on.and.on.password=topsecret";
    const char *r = sl_redact(0, "x", lk, b, sizeof b);
    ck_assert_ptr_null(strstr(r, "topsecret"));
    ck_assert_ptr_nonnull(strstr(r, SL_REDACTED));
}
END_TEST

/* rsyslog's execOnlyEveryNthTime / ...Timeout / execOnlyOnceEveryInterval (exec_gate.h),
 * with a clock of our own: the timeout counts from the start of the count, not from the
 * last message, and the interval from the last message let through. */
/* "did you mean": Damerau-Levenshtein distance and the nearness rule (strutil.h) */
START_TEST(suggest_nearest_name)
{
    ck_assert_uint_eq(sl_edit_distance("prot", "port"), 1);   /* two neighbours swapped */
    ck_assert_uint_eq(sl_edit_distance("imudpp", "imudp"), 1);
    ck_assert_uint_eq(sl_edit_distance("MSG", "msg"), 0);      /* case is no edit */
    ck_assert_uint_eq(sl_edit_distance("kitten", "sitting"), 3);
    struct sl_suggest sg;
    char buf[200];
    sl_suggest_init(&sg, "inf");
    sl_suggest_add(&sg, "info");
    sl_suggest_add(&sg, "emerg");
    ck_assert_str_eq(sl_suggest_text(&sg, buf, sizeof buf), "; did you mean 'info'?");
    sl_suggest_init(&sg, "mial");
    sl_suggest_add(&sg, "mark");
    sl_suggest_add(&sg, "mail");
    ck_assert_str_eq(sl_suggest_best(&sg), "mail");
    sl_suggest_init(&sg, "ab");        /* 2 edits of 2 letters: too far */
    sl_suggest_add(&sg, "xy");
    ck_assert_ptr_null(sl_suggest_best(&sg));
    ck_assert_str_eq(sl_suggest_text(&sg, buf, sizeof buf), "");
    sl_suggest_init(&sg, "queue.size");
    ck_assert_ptr_null(sl_suggest_best(&sg));   /* no candidates */
}
END_TEST

START_TEST(exec_gate_follows_rsyslog)
{
    struct sl_exec_gate g;
    int got[12];
    sl_exec_gate_init(&g, 3, 0, 0, 1000);
    ck_assert(sl_exec_gate_active(&g));
    for (int i = 0; i < 9; i++) {
        got[i] = sl_exec_gate_pass(&g, 1000 + i);
    }
    for (int i = 0; i < 9; i++) {
        ck_assert_int_eq(got[i], i % 3 == 2);
    }
    sl_exec_gate_init(&g, 1, 0, 0, 1000);
    ck_assert(!sl_exec_gate_active(&g));
    ck_assert(sl_exec_gate_pass(&g, 1000) && sl_exec_gate_pass(&g, 1000));

    /* N=3, timeout 10 s from the start of the count (1000) */
    sl_exec_gate_init(&g, 3, 10, 0, 1000);
    ck_assert(!sl_exec_gate_pass(&g, 1001));   /* 1 */
    ck_assert(!sl_exec_gate_pass(&g, 1009));   /* 2 */
    ck_assert(sl_exec_gate_pass(&g, 1010));    /* 3: 10 s is not more than 10 */
    ck_assert(!sl_exec_gate_pass(&g, 1010));   /* 1 */
    ck_assert(!sl_exec_gate_pass(&g, 1011));   /* 11 s since 1000: restart, then 1 */
    ck_assert(!sl_exec_gate_pass(&g, 1012));   /* 2 */
    ck_assert(sl_exec_gate_pass(&g, 1013));    /* 3 */

    /* interval 60 s: the first one, then one per 60 s from the last one let through */
    sl_exec_gate_init(&g, 0, 0, 60, 1000);
    ck_assert(sl_exec_gate_pass(&g, 1000));
    ck_assert(!sl_exec_gate_pass(&g, 1059));
    ck_assert(sl_exec_gate_pass(&g, 1060));
    ck_assert(!sl_exec_gate_pass(&g, 1100));
    ck_assert(sl_exec_gate_pass(&g, 500));     /* clock went back: the last one is forgotten */
    ck_assert(!sl_exec_gate_pass(&g, 501));

    /* both: the Nth count goes first, the interval then decides */
    sl_exec_gate_init(&g, 2, 0, 60, 1000);
    ck_assert(!sl_exec_gate_pass(&g, 1000));
    ck_assert(sl_exec_gate_pass(&g, 1000));
    ck_assert(!sl_exec_gate_pass(&g, 1001));
    ck_assert(!sl_exec_gate_pass(&g, 1001));   /* the 2nd again, but inside the interval */
    ck_assert(!sl_exec_gate_pass(&g, 1070));
    ck_assert(sl_exec_gate_pass(&g, 1070));
}
END_TEST

static int nop_parse(void *inst, struct sl_msg *m)
{
    (void)inst;
    (void)m;
    return SL_PARSE_NOT_MINE;
}

START_TEST(plugin_abi_check)
{
    static const struct sl_output_ops ops = { 0 };
    struct sl_plugin pl = { .abi_major = SL_ABI_MAJOR, .abi_minor = SL_ABI_MINOR,
                            .struct_size = sizeof(struct sl_plugin), .name = "omx",
                            .kinds = SL_OUTPUT, .out = &ops };
    char err[512];
    ck_assert_int_eq(sl_plugin_check(&pl, "omx", err, sizeof err), 0);
    pl.abi_major = SL_ABI_MAJOR + 1;
    ck_assert_int_eq(sl_plugin_check(&pl, "omx", err, sizeof err), SL_EABI);
    ck_assert_ptr_nonnull(strstr(err, "major versions must match"));
    pl.abi_major = SL_ABI_MAJOR;
    pl.abi_minor = SL_ABI_MINOR + 1;
    ck_assert_int_eq(sl_plugin_check(&pl, "omx", err, sizeof err), SL_EABI);
    /* plugins built for older minors (1.0 to 1.7) still load */
    for (uint16_t minor = 0; minor < SL_ABI_MINOR; minor++) {
        pl.abi_minor = minor;
        ck_assert_int_eq(sl_plugin_check(&pl, "omx", err, sizeof err), 0);
    }
    ck_assert_int_eq(SL_ABI_MINOR, 9);
    /* ABI 1.5: a parser needs its operations and a descriptor that has them */
    {
        struct sl_plugin pp = pl;
        pp.kinds = SL_PARSER;
        pp.parser = NULL;
        ck_assert_int_eq(sl_plugin_check(&pp, "omx", err, sizeof err), SL_EABI);
        ck_assert_ptr_nonnull(strstr(err, "parser"));
        static const struct sl_parser_ops pops = { .parse = nop_parse };
        pp.parser = &pops;
        ck_assert_int_eq(sl_plugin_check(&pp, "omx", err, sizeof err), 0);
        pp.struct_size = offsetof(struct sl_plugin, parser);
        ck_assert_int_eq(sl_plugin_check(&pp, "omx", err, sizeof err), SL_EABI);
    }
    pl.abi_minor = SL_ABI_MINOR;
    pl.struct_size = 8;
    ck_assert_int_eq(sl_plugin_check(&pl, "omx", err, sizeof err), SL_EABI);
    pl.struct_size = sizeof(struct sl_plugin);
    ck_assert_int_eq(sl_plugin_check(&pl, "omy", err, sizeof err), SL_EABI);
    pl.out = NULL;
    ck_assert_int_eq(sl_plugin_check(&pl, "omx", err, sizeof err), SL_EABI);
}
END_TEST

START_TEST(plugin_loader_refuses_foreign_abi)
{
    const struct sl_plugin *pl;
    void *h;
    char err[1024];
    const char *dir = "tests/unit/.libs";
    ck_assert_msg(access("tests/unit/.libs/badabi.so", R_OK) == 0,
                  "test plugins not built (run from the build directory)");
    ck_assert_int_eq(sl_plugin_open("badabi", dir, &pl, &h, err, sizeof err), SL_EABI);
    ck_assert_ptr_nonnull(strstr(err, "ABI 99.0"));
    ck_assert_int_eq(sl_plugin_open("goodabi", dir, &pl, &h, err, sizeof err), 0);
    ck_assert_str_eq(pl->name, "goodabi");
    ck_assert_int_eq(sl_plugin_open("nosuch", dir, &pl, &h, err, sizeof err), SL_ENOENT);
    ck_assert_int_eq(sl_plugin_open("../etc/x", dir, &pl, &h, err, sizeof err), SL_EINVAL);
    ck_assert_int_eq(sl_plugin_open("builtin:nosuch", dir, &pl, &h, err, sizeof err), SL_ENOENT);
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("core");
    TCase *t = tcase_create("ring");
    tcase_set_timeout(t, 30);
    tcase_add_test(t, ring_fifo_and_wrap);
    tcase_add_test(t, ring_wraps_while_busy_restarts_when_empty);
    tcase_add_test(t, ring_blocking_producers_keep_order);
    tcase_add_test(t, ring_close_wakes_everyone);
    tcase_add_test(t, ring_severity_of_raw_and_parsed);
    tcase_add_test(t, ring_discard_mark_drops_low_severity_only);
    tcase_add_test(t, ring_push_timed_gives_up);
    tcase_add_test(t, ring_max_bytes_bounds_pushes);
    tcase_add_test(t, ring_min_batch);
    suite_add_tcase(s, t);
    t = tcase_create("params");
    tcase_add_test(t, params_bind_defaults_and_values);
    tcase_add_test(t, params_errors_are_counted);
    tcase_add_test(t, params_sizes_follow_rsyslog);
    tcase_add_test(t, params_aliases_keep_the_value);
    tcase_add_test(t, secrets_are_redacted);
    tcase_add_test(t, exec_gate_follows_rsyslog);
    tcase_add_test(t, suggest_nearest_name);
    suite_add_tcase(s, t);
    t = tcase_create("plugin");
    tcase_add_test(t, plugin_abi_check);
    tcase_add_test(t, plugin_loader_refuses_foreign_abi);
    suite_add_tcase(s, t);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
