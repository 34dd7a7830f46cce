/*
 * test_flight.c - the in-flight window of deferred acknowledgement (core/flight.c) driven
 * by a fake output that confirms out of order, late, never, or from its own thread, in
 * front of a real spool (core/spool.c): the spool's read frontier must advance only in
 * dequeue order, timeouts and failures must deliver the messages again, and a full window
 * must stop new deliveries.
 *
 * Ownership: each test owns its window, spool (in a mkdtemp directory) and fake output.
 * Concurrency & locking: the threaded test confirms from a "plugin thread" while two
 * workers pump; the fake's state is under fo.lock.  Run it under TSan too (README of
 * tests: CFLAGS=-fsanitize=thread).
 */
#include <check.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "flight.h"
#include "msg.h"
#include "spool.h"

/* ---- the fake output ------------------------------------------------------------------ */
#define FO_MAX 4096
struct fo_call {
    struct sl_ack *ack;
    const struct sl_batch *b;
    char first[32];             /* raw text of the batch's first message */
    size_t n;
    void *wrk;
};
static struct {
    pthread_mutex_t lock;
    struct fo_call calls[FO_MAX];
    size_t ncalls;
    int mode;                   /* verdict deliver() returns (SL_PENDING by default) */
    size_t bad_total, discarded, suspends, resumes, losts;
    char bad_first[32];
    uint64_t released_seq[FO_MAX];
    size_t nreleased;
    struct sl_spool *sp;
    size_t spool_acked;
} fo;

static int fo_deliver(void *ctx, void *wrk, const struct sl_batch *b, struct sl_verdict *v)
{
    (void)ctx;
    (void)v;
    pthread_mutex_lock(&fo.lock);
    ck_assert_uint_lt(fo.ncalls, FO_MAX);
    struct fo_call *c = &fo.calls[fo.ncalls++];
    c->ack = b->ack;
    c->b = b;
    c->n = b->n;
    c->wrk = wrk;
    snprintf(c->first, sizeof c->first, "%.*s", (int)b->msgs[0]->raw_len, b->msgs[0]->raw);
    int mode = fo.mode;
    pthread_mutex_unlock(&fo.lock);
    return b->ack != NULL ? mode : SL_OK;
}

static void fo_bad(void *ctx, struct sl_msg **msgs, const uint8_t *bad, size_t n)
{
    (void)ctx;
    for (size_t i = 0; i < n; i++) {
        if (bad[i]) {
            fo.bad_total++;
            snprintf(fo.bad_first, sizeof fo.bad_first, "%.*s", (int)msgs[i]->raw_len,
                     msgs[i]->raw);
        }
    }
}

static pthread_mutex_t sp_lock = PTHREAD_MUTEX_INITIALIZER;   /* the spool's user lock */

static void fo_release(void *ctx, struct sl_flight_take *t)
{
    (void)ctx;
    pthread_mutex_lock(&sp_lock);
    if (fo.sp != NULL && t->src != NULL) {
        ck_assert_int_eq(sl_spool_ack(fo.sp, t->src_n), 0);
    }
    pthread_mutex_unlock(&sp_lock);
    pthread_mutex_lock(&fo.lock);
    fo.released_seq[fo.nreleased++ % FO_MAX] = t->seq;
    fo.spool_acked += t->src != NULL ? t->src_n : 0;
    pthread_mutex_unlock(&fo.lock);
}

static void fo_suspend(void *ctx, int64_t iv)
{
    (void)ctx;
    (void)iv;
    pthread_mutex_lock(&fo.lock);
    fo.suspends++;
    pthread_mutex_unlock(&fo.lock);
}

static void fo_resumed(void *ctx)
{
    (void)ctx;
    pthread_mutex_lock(&fo.lock);
    fo.resumes++;
    pthread_mutex_unlock(&fo.lock);
}

static void fo_discard(void *ctx, struct sl_msg **msgs, size_t n, int attempts)
{
    (void)ctx;
    (void)msgs;
    (void)attempts;
    pthread_mutex_lock(&fo.lock);
    fo.discarded += n;
    pthread_mutex_unlock(&fo.lock);
}

static void fo_lost(void *ctx, void *wrk)
{
    (void)ctx;
    (void)wrk;
    pthread_mutex_lock(&fo.lock);
    fo.losts++;
    pthread_mutex_unlock(&fo.lock);
}

static const struct sl_flight_ops fo_ops = {
    .deliver = fo_deliver, .bad = fo_bad, .release = fo_release, .suspend = fo_suspend,
    .resumed = fo_resumed, .discard = fo_discard, .lost = fo_lost,
};

static _Atomic uint64_t c_inflight, c_confirmed, c_pending, c_timeouts, c_late, c_retried;
static const struct sl_flight_counters fo_cnt = { &c_inflight, &c_confirmed, &c_pending,
                                                  &c_timeouts, &c_late, &c_retried };

static void fo_reset(int mode)
{
    static int inited;
    if (!inited) {
        pthread_mutex_init(&fo.lock, NULL);
        inited = 1;
    }
    fo.ncalls = 0;
    fo.mode = mode;
    fo.bad_total = fo.discarded = fo.suspends = fo.resumes = fo.losts = 0;
    fo.nreleased = 0;
    fo.sp = NULL;
    fo.spool_acked = 0;
    c_inflight = c_confirmed = c_pending = c_timeouts = c_late = c_retried = 0;
}

static struct sl_flight *mkflight(size_t max, int64_t timeout_ms)
{
    struct sl_flight_conf c = { max, timeout_ms, 50, 200, -1 };
    return sl_flight_new(&c, &fo_ops, NULL, &fo_cnt);
}

/* ---- a spool with records "r0".."rN-1" -------------------------------------------------- */
static char tmpdir[256];

static struct sl_spool *mkspool(size_t nrec)
{
    const char *base = getenv("TMPDIR") != NULL ? getenv("TMPDIR") : "/tmp";
    snprintf(tmpdir, sizeof tmpdir, "%s/test_flight.XXXXXX", base);
    ck_assert_ptr_nonnull(mkdtemp(tmpdir));
    struct sl_spool_opts o = { .dir = tmpdir, .name = "q" };
    struct sl_spool *sp = NULL;
    struct sl_spool_report rep;
    ck_assert_int_eq(sl_spool_open(&o, &sp, &rep), 0);
    for (size_t i = 0; i < nrec; i++) {
        char b[32];
        int l = snprintf(b, sizeof b, "r%zu", i);
        struct iovec iov = { b, (size_t)l };
        ck_assert_int_eq(sl_spool_append(sp, &iov, 1), 0);
    }
    return sp;
}

static void rmspool(struct sl_spool *sp)
{
    sl_spool_close(sp);
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
    ck_assert_int_eq(system(cmd), 0);
}

/* Dequeue up to max records from the spool as one take (what queue_da does). */
static struct sl_flight_take *take_from_spool(struct sl_flight *f, void *owner,
                                              struct sl_spool *sp, size_t max)
{
    struct sl_spool_rec recs[64];
    struct sl_msg *msgs[64];
    size_t n = 0;
    sl_flight_take_begin(f);
    /* the room is read under take_lock: another worker cannot fill it meanwhile */
    size_t room = sl_flight_room(f);
    max = max < room ? max : room;
    if (max > 0) {
        ck_assert_int_eq(sl_spool_peek(sp, recs, max, &n), 0);
    }
    for (size_t i = 0; i < n; i++) {
        msgs[i] = sl_msg_new(recs[i].p, recs[i].len);
    }
    struct sl_flight_take *t = n > 0 ? sl_flight_add(f, owner, msgs, n, sp, n) : NULL;
    sl_flight_take_end(f);
    return t;
}

static struct sl_ack *call_ack(size_t i)
{
    pthread_mutex_lock(&fo.lock);
    struct sl_ack *a = i < fo.ncalls ? fo.calls[i].ack : NULL;
    pthread_mutex_unlock(&fo.lock);
    return a;
}

static int owner_a;     /* a worker's wrk block */
#define OWNER ((void *)&owner_a)

/* ---- tests ---------------------------------------------------------------------------- */

/* Three batches pending; the last two confirmed first: nothing leaves the spool until the
 * first is confirmed, then all three in dequeue order. */
START_TEST(out_of_order_frontier)
{
    fo_reset(SL_PENDING);
    struct sl_flight *f = mkflight(100, 0);
    struct sl_spool *sp = mkspool(6);
    fo.sp = sp;
    for (int i = 0; i < 3; i++) {
        ck_assert_ptr_nonnull(take_from_spool(f, OWNER, sp, 2));
        sl_flight_pump(f, OWNER, NULL);
    }
    ck_assert_uint_eq(fo.ncalls, 3);
    ck_assert_str_eq(fo.calls[0].first, "r0");
    ck_assert_str_eq(fo.calls[2].first, "r4");
    ck_assert_ptr_nonnull(fo.calls[0].ack);
    ck_assert_uint_eq(c_pending, 3);
    ck_assert_uint_eq(c_inflight, 6);
    sl_flight_batch_done(call_ack(2), SL_OK, 0, NULL);
    sl_flight_batch_done(call_ack(1), SL_OK, 0, NULL);
    ck_assert_uint_eq(sl_flight_pump(f, OWNER, NULL), 1);
    ck_assert_uint_eq(fo.nreleased, 0);
    ck_assert_uint_eq(sl_spool_count(sp), 6);      /* the frontier has not moved */
    ck_assert_uint_eq(sl_flight_count(f), 6);
    sl_flight_batch_done(call_ack(0), SL_OK, 0, NULL);
    ck_assert_uint_eq(sl_flight_pump(f, OWNER, NULL), 0);
    ck_assert_uint_eq(fo.nreleased, 3);
    ck_assert_uint_eq(fo.released_seq[0], 0);
    ck_assert_uint_eq(fo.released_seq[1], 1);
    ck_assert_uint_eq(fo.released_seq[2], 2);
    ck_assert_uint_eq(sl_spool_count(sp), 0);
    ck_assert_uint_eq(c_confirmed, 6);
    ck_assert_uint_eq(c_inflight, 0);
    ck_assert_uint_eq(fo.ncalls, 3);               /* nothing was delivered twice */
    sl_flight_free(f);
    rmspool(sp);
}
END_TEST

/* A batch never confirmed: after ackTimeout it is delivered again (a new ack); the late
 * confirmation of the first ack is counted and ignored. */
START_TEST(timeout_redelivers)
{
    fo_reset(SL_PENDING);
    struct sl_flight *f = mkflight(100, 60);
    struct sl_spool *sp = mkspool(4);
    fo.sp = sp;
    take_from_spool(f, OWNER, sp, 2);
    take_from_spool(f, OWNER, sp, 2);
    sl_flight_pump(f, OWNER, NULL);
    sl_flight_pump(f, OWNER, NULL);
    ck_assert_uint_eq(fo.ncalls, 2);
    sl_flight_batch_done(call_ack(1), SL_OK, 0, NULL);   /* the second one only */
    int64_t wait = 0;
    sl_flight_pump(f, OWNER, &wait);
    ck_assert_int_gt(wait, 0);
    ck_assert_int_le(wait, 60);
    ck_assert_uint_eq(fo.ncalls, 2);
    ck_assert_uint_eq(sl_spool_count(sp), 4);
    /* wait until the timeout passes (bounded) */
    for (int i = 0; i < 100 && fo.ncalls < 3; i++) {
        sl_flight_wait(f, wait > 0 ? wait : 10);
        sl_flight_pump(f, OWNER, &wait);
    }
    ck_assert_uint_eq(fo.ncalls, 3);
    ck_assert_str_eq(fo.calls[2].first, "r0");         /* the first batch again */
    ck_assert_ptr_ne(fo.calls[2].ack, fo.calls[0].ack);
    ck_assert_uint_eq(c_timeouts, 1);
    ck_assert_uint_eq(c_retried, 2);
    ck_assert_uint_eq(sl_spool_count(sp), 4);
    sl_flight_batch_done(call_ack(2), SL_OK, 0, NULL);
    sl_flight_pump(f, OWNER, NULL);
    ck_assert_uint_eq(sl_spool_count(sp), 0);
    ck_assert_uint_eq(fo.nreleased, 2);
    /* the plugin confirms the timed-out ack at last: valid until now, then freed */
    sl_flight_batch_done(call_ack(0), SL_OK, 0, NULL);
    ck_assert_uint_eq(c_late, 1);
    sl_flight_pump(f, OWNER, NULL);
    sl_flight_free(f);
    rmspool(sp);
}
END_TEST

/* A plugin that never confirms and stays silent: with the window full, no new batch is
 * taken; each timeout delivers the same batch again. */
START_TEST(backpressure_window_full)
{
    fo_reset(SL_PENDING);
    struct sl_flight *f = mkflight(4, 0);
    struct sl_spool *sp = mkspool(10);
    fo.sp = sp;
    size_t delivered = 0;
    /* the worker loop: dequeue only what the window has room for */
    for (int round = 0; round < 10; round++) {
        sl_flight_pump(f, OWNER, NULL);
        size_t room = sl_flight_room(f);
        if (room == 0) {
            continue;
        }
        struct sl_flight_take *t = take_from_spool(f, OWNER, sp, room < 3 ? room : 3);
        delivered += t != NULL ? t->n : 0;
        sl_flight_pump(f, OWNER, NULL);
    }
    ck_assert_uint_eq(delivered, 4);               /* 3 + 1, then the window is full */
    ck_assert_uint_eq(fo.ncalls, 2);
    ck_assert_uint_eq(sl_flight_room(f), 0);
    ck_assert_uint_eq(c_inflight, 4);
    sl_flight_batch_done(call_ack(0), SL_OK, 0, NULL);
    sl_flight_pump(f, OWNER, NULL);
    ck_assert_uint_eq(sl_flight_room(f), 3);
    ck_assert_uint_eq(sl_spool_count(sp), 7);
    sl_flight_batch_done(call_ack(1), SL_OK, 0, NULL);
    sl_flight_pump(f, OWNER, NULL);
    ck_assert_uint_eq(sl_flight_room(f), 4);
    ck_assert_uint_eq(sl_spool_count(sp), 6);
    sl_flight_free(f);
    rmspool(sp);
}
END_TEST

/* SL_SUSPEND through batch_done: the connection is reported lost, the batch goes again at
 * once; a second failure (synchronous SL_RETRY) backs off resumeInterval (50 ms) and then
 * it goes again; success after failures counts as resumed. */
START_TEST(suspend_retry_backoff)
{
    fo_reset(SL_PENDING);
    struct sl_flight *f = mkflight(100, 0);
    struct sl_spool *sp = mkspool(2);
    fo.sp = sp;
    take_from_spool(f, OWNER, sp, 2);
    sl_flight_pump(f, OWNER, NULL);
    fo.mode = SL_RETRY;
    sl_flight_batch_done(call_ack(0), SL_SUSPEND, 0, NULL);
    int64_t wait = -1;
    sl_flight_pump(f, OWNER, &wait);
    ck_assert_uint_eq(fo.losts, 1);
    ck_assert_uint_eq(fo.ncalls, 2);               /* the immediate retry, answered RETRY */
    ck_assert_uint_eq(fo.suspends, 1);
    ck_assert_int_gt(wait, 0);
    ck_assert_int_le(wait, 50);
    fo.mode = SL_PENDING;
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (int i = 0; i < 100 && fo.ncalls < 3; i++) {
        sl_flight_wait(f, wait > 0 ? wait : 5);
        sl_flight_pump(f, OWNER, &wait);
    }
    clock_gettime(CLOCK_MONOTONIC, &t1);
    ck_assert_uint_eq(fo.ncalls, 3);
    int64_t ms = (t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000;
    ck_assert_int_ge(ms, 30);
    sl_flight_batch_done(call_ack(2), SL_OK, 0, NULL);
    sl_flight_pump(f, OWNER, NULL);
    ck_assert_uint_eq(fo.resumes, 1);
    ck_assert_uint_eq(sl_spool_count(sp), 0);
    sl_flight_free(f);
    rmspool(sp);
}
END_TEST

/* SL_PARTIAL keeps the confirmed prefix and delivers the rest again; SL_BAD_DATA hands
 * the bad ones over and completes the batch. */
START_TEST(partial_and_bad_data)
{
    fo_reset(SL_PENDING);
    struct sl_flight *f = mkflight(100, 0);
    struct sl_spool *sp = mkspool(6);
    fo.sp = sp;
    take_from_spool(f, OWNER, sp, 3);
    sl_flight_pump(f, OWNER, NULL);
    sl_flight_batch_done(call_ack(0), SL_PARTIAL, 1, NULL);
    sl_flight_pump(f, OWNER, NULL);
    ck_assert_uint_eq(fo.ncalls, 2);
    ck_assert_uint_eq(fo.calls[1].n, 2);
    ck_assert_str_eq(fo.calls[1].first, "r1");
    ck_assert_uint_eq(sl_spool_count(sp), 6);      /* the take is not done yet */
    uint8_t bad[2] = { 0, 1 };
    sl_flight_batch_done(call_ack(1), SL_BAD_DATA, 0, bad);
    sl_flight_pump(f, OWNER, NULL);
    ck_assert_uint_eq(fo.bad_total, 1);
    ck_assert_str_eq(fo.bad_first, "r2");
    ck_assert_uint_eq(sl_spool_count(sp), 3);
    ck_assert_uint_eq(c_confirmed, 3);
    /* a final verdict now (no SL_PENDING) works as before */
    fo.mode = SL_OK;
    take_from_spool(f, OWNER, sp, 3);
    sl_flight_pump(f, OWNER, NULL);
    ck_assert_uint_eq(sl_spool_count(sp), 0);
    sl_flight_free(f);
    rmspool(sp);
}
END_TEST

/* resumeRetryCount reached: the messages are discarded (counted) and the take completes. */
START_TEST(retry_count_discards)
{
    fo_reset(SL_RETRY);
    struct sl_flight_conf c = { 100, 0, 1, 1, 1 };
    struct sl_flight *f = sl_flight_new(&c, &fo_ops, NULL, &fo_cnt);
    struct sl_spool *sp = mkspool(2);
    fo.sp = sp;
    take_from_spool(f, OWNER, sp, 2);
    int64_t wait = 0;
    for (int i = 0; i < 50 && sl_flight_pump(f, OWNER, &wait) > 0; i++) {
        sl_flight_wait(f, wait > 0 ? wait : 1);
    }
    ck_assert_uint_eq(fo.discarded, 2);
    ck_assert_uint_eq(fo.ncalls, 3);               /* first, immediate retry, 1 retry */
    ck_assert_uint_eq(sl_spool_count(sp), 0);
    sl_flight_free(f);
    rmspool(sp);
}
END_TEST

/* Shutdown: pending takes are abandoned (handed to the callback, not released: their
 * records stay in the spool), and a later complete take is not released past them. */
static size_t abandoned;
static void on_abandon(void *ctx, struct sl_flight_take *t, struct sl_msg **msgs, size_t n)
{
    (void)ctx;
    (void)t;
    (void)msgs;
    abandoned += n;
}

START_TEST(abandon_keeps_records)
{
    fo_reset(SL_PENDING);
    struct sl_flight *f = mkflight(100, 0);
    struct sl_spool *sp = mkspool(4);
    fo.sp = sp;
    take_from_spool(f, OWNER, sp, 2);
    take_from_spool(f, OWNER, sp, 2);
    sl_flight_pump(f, OWNER, NULL);
    sl_flight_pump(f, OWNER, NULL);
    sl_flight_batch_done(call_ack(1), SL_OK, 0, NULL);
    sl_flight_pump(f, OWNER, NULL);
    abandoned = 0;
    sl_flight_abandon(f, OWNER, on_abandon);
    ck_assert_uint_eq(abandoned, 2);
    sl_flight_pump(f, OWNER, NULL);
    ck_assert_uint_eq(sl_spool_count(sp), 4);
    /* the plugin may still confirm the abandoned batch before its worker is destroyed */
    sl_flight_batch_done(call_ack(0), SL_OK, 0, NULL);
    sl_flight_free(f);
    rmspool(sp);
}
END_TEST

/* Two workers, a plugin thread confirming in random order with random verdicts: every
 * record leaves the spool exactly once, in order, and the window never exceeds its size. */
static struct sl_flight *thr_f;
static _Atomic int thr_stop;
static size_t max_seen;

static void *plugin_thread(void *arg)
{
    (void)arg;
    unsigned seed = 7;
    size_t next = 0;
    while (!thr_stop) {
        pthread_mutex_lock(&fo.lock);
        size_t n = fo.ncalls;
        pthread_mutex_unlock(&fo.lock);
        if (next >= n) {
            usleep(200);
            continue;
        }
        /* confirm a random one of the unconfirmed calls (out of order) */
        size_t k = next + (size_t)rand_r(&seed) % (n - next);
        pthread_mutex_lock(&fo.lock);
        struct fo_call tmp = fo.calls[k];
        fo.calls[k] = fo.calls[next];
        fo.calls[next] = tmp;
        pthread_mutex_unlock(&fo.lock);
        int r = rand_r(&seed) % 10;
        int verdict = r < 7 ? SL_OK : r < 8 ? SL_RETRY : r < 9 ? SL_SUSPEND : SL_PARTIAL;
        sl_flight_batch_done(tmp.ack, verdict, tmp.n / 2, NULL);
        next++;
    }
    return NULL;
}

struct wk {
    struct sl_spool *sp;
};

static void *worker(void *arg)
{
    struct wk *w = arg;
    for (int guard = 0; guard < 200000; guard++) {
        int64_t wait = -1;
        size_t open = sl_flight_pump(thr_f, w, &wait);
        size_t c = sl_flight_count(thr_f);
        pthread_mutex_lock(&fo.lock);
        max_seen = c > max_seen ? c : max_seen;
        pthread_mutex_unlock(&fo.lock);
        size_t room = sl_flight_room(thr_f);
        if (room > 0) {
            pthread_mutex_lock(&sp_lock);
            struct sl_flight_take *t = take_from_spool(thr_f, w, w->sp, room < 7 ? room : 7);
            pthread_mutex_unlock(&sp_lock);
            if (t != NULL) {
                continue;
            }
        }
        pthread_mutex_lock(&fo.lock);
        int empty = fo.spool_acked == 2000;
        pthread_mutex_unlock(&fo.lock);
        if (empty && open == 0) {
            break;
        }
        sl_flight_wait(thr_f, wait > 0 && wait < 5 ? wait : 5);
    }
    return NULL;
}

START_TEST(threads_in_order)
{
    fo_reset(SL_PENDING);
    struct sl_flight_conf c = { 50, 0, 1, 2, -1 };
    thr_f = sl_flight_new(&c, &fo_ops, NULL, &fo_cnt);
    struct sl_spool *sp = mkspool(2000);
    /* release() acks the spool under sp_lock; the workers peek under it */
    fo.sp = sp;
    thr_stop = 0;
    max_seen = 0;
    pthread_t pt, w1, w2;
    struct wk a = { sp }, b = { sp };
    pthread_create(&pt, NULL, plugin_thread, NULL);
    pthread_create(&w1, NULL, worker, &a);
    pthread_create(&w2, NULL, worker, &b);
    pthread_join(w1, NULL);
    pthread_join(w2, NULL);
    thr_stop = 1;
    pthread_join(pt, NULL);
    ck_assert_uint_eq(fo.spool_acked, 2000);
    ck_assert_uint_eq(sl_spool_count(sp), 0);
    for (size_t i = 1; i < fo.nreleased && i < FO_MAX; i++) {
        ck_assert_uint_eq(fo.released_seq[i], fo.released_seq[i - 1] + 1);
    }
    ck_assert_uint_le(max_seen, 50);
    ck_assert_uint_gt(c_retried, 0);
    sl_flight_free(thr_f);
    rmspool(sp);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("flight");
    TCase *tc = tcase_create("window");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, out_of_order_frontier);
    tcase_add_test(tc, timeout_redelivers);
    tcase_add_test(tc, backpressure_window_full);
    tcase_add_test(tc, suspend_retry_backoff);
    tcase_add_test(tc, partial_and_bad_data);
    tcase_add_test(tc, retry_count_discards);
    tcase_add_test(tc, abandon_keeps_records);
    tcase_add_test(tc, threads_in_order);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
