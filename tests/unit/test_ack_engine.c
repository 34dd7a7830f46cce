/*
 * test_ack_engine.c - deferred acknowledgement through the real engine: a fake input
 * (imfake: the test submits through the host table) and a fake output (omfake: answers
 * SL_PENDING and lets the test confirm through host->batch_done, out of order, late or
 * never) behind a synced disk queue.  Checks back-pressure (a full window stops deliver()),
 * the spool frontier (disk.dequeued) advancing only in dequeue order, redelivery after
 * action.ackTimeout, a late confirmation counted and ignored, connect() before the first
 * deliver(), disconnect() after SL_SUSPEND, flush() at shutdown, and that what was not
 * confirmed at shutdown is delivered again by the next engine on the same spool.
 *
 * Ownership: the engine is built from a config string in a mkdtemp work directory; each
 * test forks (Check), so the engine singleton is per test.
 * Concurrency & locking: the fake output records calls under fo_lock (deliver() runs on
 * the action's queue worker; the test thread confirms).
 */
#include <check.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "conf/ir.h"
#include "engine.h"
#include "log.h"
#include "plugin.h"

/* ---- imfake ----------------------------------------------------------------------------- */
struct fi_inst {
    int dummy;
};
static const struct sl_host *g_host;
static struct sl_input_ctx *g_ctx;
static pthread_mutex_t fi_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t fi_cv = PTHREAD_COND_INITIALIZER;
static int fi_stop;

static int fi_create(void *inst, void *modconf, const struct sl_host *h, struct sl_input_ctx *ctx)
{
    (void)inst;
    (void)modconf;
    g_host = h;
    g_ctx = ctx;
    return 0;
}
static int fi_open(void *inst)
{
    (void)inst;
    return 0;
}
static int fi_run(void *inst)
{
    (void)inst;
    pthread_mutex_lock(&fi_lock);
    while (!fi_stop) {
        pthread_cond_wait(&fi_cv, &fi_lock);
    }
    pthread_mutex_unlock(&fi_lock);
    return 0;
}
static void fi_stopf(void *inst)
{
    (void)inst;
    pthread_mutex_lock(&fi_lock);
    fi_stop = 1;
    pthread_cond_broadcast(&fi_cv);
    pthread_mutex_unlock(&fi_lock);
}
static void fi_destroy(void *inst)
{
    (void)inst;
}
static const struct sl_input_ops fi_ops = { fi_create, fi_open, fi_run, fi_stopf, fi_destroy,
                                            NULL, NULL };
static const struct sl_param no_params[] = { SL_PARAM_END };
static const struct sl_plugin imfake = {
    .abi_major = SL_ABI_MAJOR, .abi_minor = SL_ABI_MINOR, .struct_size = sizeof(struct sl_plugin),
    .name = "imfake", .version = "t", .kinds = SL_INPUT, .module_params = no_params,
    .inst_params = no_params, .inst_size = sizeof(struct fi_inst), .in = &fi_ops,
};

/* ---- omfake ----------------------------------------------------------------------------- */
#define FO_MAX 512
struct fo_call {
    struct sl_ack *ack;
    size_t n;
    char first[64];
};
static pthread_mutex_t fo_lock = PTHREAD_MUTEX_INITIALIZER;
static struct fo_call calls[FO_MAX];
static size_t ncalls;
static int connects, disconnects, flushes;
static int fo_verdict = SL_PENDING;

struct fo_inst {
    int dummy;
};
struct fo_wrk {
    int connected;
};
static void *msgprop;   /* "msg", resolved at create() */
static int fo_create(void *inst, void *modconf, const struct sl_host *h)
{
    (void)inst;
    (void)modconf;
    g_host = h;
    return h->prop_ref("msg", &msgprop);
}
static void fo_destroy(void *inst)
{
    (void)inst;
    g_host->prop_unref(msgprop);
    msgprop = NULL;
}
static int fo_wcreate(void *inst, void *wrk)
{
    (void)inst;
    (void)wrk;
    return 0;
}
static void fo_wdestroy(void *inst, void *wrk)
{
    (void)inst;
    (void)wrk;
}
static int fo_deliver(void *inst, void *wrk, const struct sl_batch *b, struct sl_verdict *v)
{
    (void)inst;
    (void)v;
    struct fo_wrk *w = wrk;
    ck_assert_int_eq(w->connected, 1);      /* connect() came first */
    struct sl_buf out = { 0 };
    pthread_mutex_lock(&fo_lock);
    ck_assert_uint_lt(ncalls, FO_MAX);
    struct fo_call *c = &calls[ncalls];
    c->ack = b->ack;
    c->n = b->n;
    g_host->msg_prop(b->msgs[0], msgprop, &out);
    snprintf(c->first, sizeof c->first, "%.*s", (int)out.len, out.p ? out.p : "");
    ncalls++;
    int v0 = fo_verdict;
    pthread_mutex_unlock(&fo_lock);
    g_host->buf_free(&out);
    if (v0 == SL_SUSPEND) {
        w->connected = 0;
    }
    return b->ack != NULL ? v0 : SL_OK;
}
static int fo_connect(void *inst, void *wrk)
{
    (void)inst;
    struct fo_wrk *w = wrk;
    pthread_mutex_lock(&fo_lock);
    connects++;
    pthread_mutex_unlock(&fo_lock);
    w->connected = 1;
    return 0;
}
static void fo_disconnect(void *inst, void *wrk)
{
    (void)inst;
    struct fo_wrk *w = wrk;
    pthread_mutex_lock(&fo_lock);
    disconnects++;
    pthread_mutex_unlock(&fo_lock);
    w->connected = 0;
}
static int fo_flush(void *inst, void *wrk, int64_t deadline_ms)
{
    (void)inst;
    (void)wrk;
    (void)deadline_ms;
    pthread_mutex_lock(&fo_lock);
    flushes++;
    pthread_mutex_unlock(&fo_lock);
    return fo_verdict == SL_PENDING ? SL_EAGAIN : 0;  /* it confirms when the test says so */
}
static const struct sl_output_ops fo_ops = {
    .create = fo_create, .destroy = fo_destroy, .worker_create = fo_wcreate,
    .worker_destroy = fo_wdestroy, .deliver = fo_deliver, .connect = fo_connect,
    .disconnect = fo_disconnect, .flush = fo_flush,
};
static const struct sl_plugin omfake = {
    .abi_major = SL_ABI_MAJOR, .abi_minor = SL_ABI_MINOR, .struct_size = sizeof(struct sl_plugin),
    .name = "omfake", .version = "t", .kinds = SL_OUTPUT, .module_params = no_params,
    .inst_params = no_params, .inst_size = sizeof(struct fo_inst),
    .wrk_size = sizeof(struct fo_wrk), .out = &fo_ops,
};

const struct sl_plugin *const sl_builtin_plugins[] = { &imfake, &omfake, NULL };

/* ---- helpers ------------------------------------------------------------------------------ */
static char dir[256];
static struct sl_cnf *cnf;

static struct sl_engine *start(void)
{
    char text[2048];
    snprintf(text, sizeof text,
             "global(workDirectory=\"%s\")\n"
             "main_queue(queue.timeoutShutdown=\"500\")\n"
             "input(type=\"imfake\")\n"
             "action(name=\"fake\" type=\"omfake\" queue.type=\"Disk\" queue.filename=\"q\"\n"
             "       queue.syncQueueFiles=\"on\" queue.dequeueBatchSize=\"2\"\n"
             "       action.maxInFlight=\"6\" action.ackTimeout=\"1000\"\n"
             "       action.resumeInterval=\"1\")\n", dir);
    fi_stop = 0;
    cnf = sl_cnf_load_string(text, "t.conf");
    ck_assert_ptr_nonnull(cnf);
    ck_assert_int_eq(sl_cfg_error_count(), 0);
    struct sl_engine_opts o = { NULL, 1 };
    struct sl_engine *e = sl_engine_build(cnf, &o);
    ck_assert_ptr_nonnull(e);
    ck_assert_int_eq(sl_cfg_error_count(), 0);
    ck_assert_int_eq(sl_engine_open_inputs(e), 0);
    ck_assert_int_eq(sl_engine_start(e), 0);
    return e;
}

static void stop(struct sl_engine *e)
{
    sl_engine_stop(e, 0);
    sl_engine_free(e);
    sl_cnf_free(cnf);
}

static void submit(int from, int to)
{
    for (int i = from; i < to; i++) {
        char raw[64];
        int l = snprintf(raw, sizeof raw, "<13>Dec  6 12:00:00 h t: m%d", i);
        struct sl_msg *m = g_host->msg_new(g_ctx, raw, (size_t)l, NULL, 0);
        ck_assert_int_eq(g_host->submit(g_ctx, &m, 1, 0), 1);
    }
}

static size_t calls_now(void)
{
    pthread_mutex_lock(&fo_lock);
    size_t n = ncalls;
    pthread_mutex_unlock(&fo_lock);
    return n;
}

static int wait_calls(size_t n, int ms)
{
    for (int i = 0; i < ms / 5; i++) {
        if (calls_now() >= n) {
            return 0;
        }
        usleep(5000);
    }
    return calls_now() >= n ? 0 : -1;
}

static struct fo_call call(size_t i)
{
    pthread_mutex_lock(&fo_lock);
    struct fo_call c = calls[i];
    pthread_mutex_unlock(&fo_lock);
    return c;
}

/* the first call from index `from` on whose batch starts with `first`, or -1 */
static long find_call(size_t from, const char *first)
{
    long r = -1;
    pthread_mutex_lock(&fo_lock);
    for (size_t i = from; i < ncalls && r < 0; i++) {
        if (strcmp(calls[i].first, first) == 0) {
            r = (long)i;
        }
    }
    pthread_mutex_unlock(&fo_lock);
    return r;
}

static void confirm(size_t i)
{
    g_host->batch_done(call(i).ack, SL_OK, 0, NULL);
}

struct cq {
    const char *set, *key;
    uint64_t v;
    int found;
};
static void stat_cb(void *arg, const char *set, const char *origin, const struct sl_stat *v,
                    size_t n)
{
    (void)origin;
    struct cq *q = arg;
    if (strcmp(set, q->set) != 0) {
        return;
    }
    for (size_t i = 0; i < n; i++) {
        if (strcmp(v[i].name, q->key) == 0) {
            q->v = v[i].value;
            q->found = 1;
        }
    }
}
static uint64_t stat(struct sl_engine *e, const char *key)
{
    struct cq q = { "fake sluice", key, 0, 0 };
    sl_engine_stats_foreach(e, stat_cb, &q, 0);
    ck_assert_msg(q.found, "no counter %s", key);
    return q.v;
}

static void mkdir_tmp(void)
{
    const char *base = getenv("TMPDIR") != NULL ? getenv("TMPDIR") : "/tmp";
    snprintf(dir, sizeof dir, "%s/test_ack_engine.XXXXXX", base);
    ck_assert_ptr_nonnull(mkdtemp(dir));
}

static void rm_tmp(void)
{
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    ck_assert_int_eq(system(cmd), 0);
}

/* ---- the test ----------------------------------------------------------------------------- */
START_TEST(window_frontier_timeout_restart)
{
    mkdir_tmp();
    struct sl_engine *e = start();
    submit(0, 20);
    /* window 6, batches of 2: three batches, then back-pressure */
    ck_assert_int_eq(wait_calls(3, 5000), 0);
    usleep(150 * 1000);
    ck_assert_uint_eq(calls_now(), 3);
    ck_assert_int_eq(connects, 1);
    ck_assert_str_eq(call(0).first, " m0");
    ck_assert_str_eq(call(2).first, " m4");
    ck_assert_uint_eq(stat(e, "ack.inflight"), 6);
    ck_assert_uint_eq(stat(e, "disk.dequeued"), 0);
    /* the later two confirmed first: the spool frontier waits, the window stays full */
    confirm(2);
    confirm(1);
    usleep(100 * 1000);
    ck_assert_uint_eq(stat(e, "disk.dequeued"), 0);
    ck_assert_uint_eq(calls_now(), 3);
    /* the first one: all three released in order, three new batches go out */
    confirm(0);
    ck_assert_int_eq(wait_calls(6, 5000), 0);
    ck_assert_uint_eq(stat(e, "disk.dequeued"), 6);
    ck_assert_uint_eq(stat(e, "ack.confirmed"), 6);
    ck_assert_str_eq(call(3).first, " m6");
    /* call 3 never confirmed: after ackTimeout (1 s) its messages go again */
    confirm(4);
    confirm(5);
    ck_assert_int_eq(wait_calls(7, 5000), 0);
    ck_assert_str_eq(call(6).first, " m6");
    ck_assert_ptr_ne(call(6).ack, call(3).ack);
    ck_assert_uint_eq(stat(e, "ack.timeouts"), 1);
    ck_assert_uint_eq(stat(e, "disk.dequeued"), 6);
    confirm(6);
    ck_assert_int_eq(wait_calls(8, 5000), 0);
    ck_assert_uint_eq(stat(e, "disk.dequeued"), 12);
    /* the late confirmation of the timed-out batch: counted, ignored */
    confirm(3);
    usleep(50 * 1000);
    ck_assert_uint_eq(stat(e, "ack.late"), 1);
    ck_assert_uint_eq(stat(e, "disk.dequeued"), 12);
    /* a batch reported SL_SUSPEND: disconnect(), connect() again, delivered again */
    ck_assert_int_eq(wait_calls(10, 5000), 0);   /* the window is full again */
    ck_assert_str_eq(call(7).first, " m12");
    g_host->batch_done(call(7).ack, SL_SUSPEND, 0, NULL);
    long again = -1;
    for (int i = 0; i < 300 && again < 0; i++) {
        usleep(10 * 1000);
        again = find_call(8, " m12");
    }
    ck_assert_int_ge(again, 10);
    ck_assert_int_eq(disconnects, 1);
    ck_assert_int_eq(connects, 2);
    /* stop with batches unconfirmed (the fake's flush() gives up at once) */
    size_t before = calls_now();
    stop(e);
    ck_assert_int_ge(flushes, 1);
    /* what was confirmed: 12 records; the next engine starts with record 12 (m12) */
    pthread_mutex_lock(&fo_lock);
    ncalls = 0;
    pthread_mutex_unlock(&fo_lock);
    ck_assert_uint_gt(before, 8);
    fo_verdict = SL_OK;
    e = start();
    ck_assert_int_eq(wait_calls(4, 5000), 0);
    ck_assert_str_eq(call(0).first, " m12");
    for (int i = 0; i < 200 && stat(e, "disk.dequeued") < 8; i++) {
        usleep(10 * 1000);
    }
    ck_assert_uint_eq(stat(e, "disk.dequeued"), 8);    /* m12..m19, nothing lost */
    stop(e);
    rm_tmp();
}
END_TEST

/* core/engine_int.h (not included here: the engine's internals) */
size_t rsq_shard_from(size_t nshards, uint64_t key, int home, int nthreads);

/* shards(S, home, T): the set of shards keys 1..200 from that thread reach, as a bit mask */
static unsigned shards(size_t nshards, int home, int nthreads)
{
    unsigned mask = 0;
    for (uint64_t k = 1; k <= 200; k++) {
        size_t s = rsq_shard_from(nshards, k, home, nthreads);
        ck_assert_uint_lt(s, nshards);
        ck_assert_uint_eq(s, rsq_shard_from(nshards, k, home, nthreads));   /* a flow keeps one */
        mask |= 1u << s;
    }
    return mask;
}

/* A threaded input's thread feeds the shards of its own share (one producer per ring);
 * other threads spread flows over all shards by key. */
START_TEST(shard_per_input_thread)
{
    ck_assert_uint_eq(shards(2, -1, 0), 0x3);          /* not an input thread: by key */
    ck_assert_uint_eq(shards(4, -1, 0), 0xf);
    ck_assert_uint_eq(shards(2, 0, 1), 0x3);           /* an input with one thread: by key */
    ck_assert_uint_eq(shards(2, 0, 2), 0x1);           /* S = T: thread i, shard i */
    ck_assert_uint_eq(shards(2, 1, 2), 0x2);
    ck_assert_uint_eq(shards(4, 0, 2), 0x5);           /* S = 2T: shards i and i + T */
    ck_assert_uint_eq(shards(4, 1, 2), 0xa);
    ck_assert_uint_eq(shards(2, 2, 4), 0x1);           /* T = 2S: shard i mod S */
    ck_assert_uint_eq(shards(2, 3, 4), 0x2);
    ck_assert_uint_eq(shards(2, 1, 3), 0x3);           /* neither divides: by key */
    ck_assert_uint_eq(shards(1, 1, 2), 0x1);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("ack_engine");
    TCase *ts = tcase_create("shards");
    tcase_add_test(ts, shard_per_input_thread);
    suite_add_tcase(s, ts);
    TCase *tc = tcase_create("engine");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, window_frontier_timeout_restart);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
