/*
 * omkafka.c - the omkafka output plugin: writes messages to Apache Kafka through
 * librdkafka, with rsyslog 8.2302's parameter names and meanings (broker, topic,
 * dynaTopic, key, dynaKey, partitions.*, confParam, topicConfParam, template, errorFile,
 * statsFile, closeTimeout, ...), but with sluice's delivery semantics: a message leaves
 * the action queue only when librdkafka's delivery report says the brokers have it.
 *
 * Delivery
 *   - The producer is idempotent with acks=all unless confParam says otherwise.
 *   - deliver() produces the whole batch (payload copied into librdkafka) and, when the
 *     core cannot take a deferred answer (b->ack == NULL), waits for every delivery
 *     report of the batch before it gives its verdict: all delivered -> SL_OK; permanent
 *     failures (message too large, invalid, unauthorised, topic template empty) ->
 *     SL_BAD_DATA (errorFile gets rsyslog's {"errcode","errmsg","data"} record); a
 *     retriable failure -> SL_PARTIAL up to the first undelivered message, else
 *     SL_SUSPEND (brokers down) or SL_RETRY.  Messages after the first failure that were
 *     delivered anyway are produced again: duplicates, counted (duplicates.resent).
 *   - While every broker is down (librdkafka's _ALL_BROKERS_DOWN) a waiting batch gives
 *     up after a short grace: its queued messages are purged from librdkafka (purge
 *     reports _PURGE_QUEUE) and the core suspends the action; the next deliver() calls
 *     answer SL_SUSPEND at once until the poll thread's metadata probe reaches a broker.
 *     So the core's queue holds the messages (a disk-assisted queue spills), not
 *     librdkafka's buffer, and the wait in deliver() is bounded (shutdown stays bounded).
 *   - With b->ack != NULL (ABI 1.4 deferred acknowledgement) the same tracking calls
 *     host->batch_done() from the last delivery report instead.
 *
 * Ownership and lifetime
 *   - Parameter strings/arrays and templates belong to the core.
 *   - The instance owns the rd_kafka_t (created at the first worker_create() or
 *     deliver(), not in create(): -N1 must not connect), its static topic handle, the poll
 *     thread, the errorFile/statsFile descriptors and every batch tracker (struct
 *     omk_batch) still waiting for reports (list `live`, freed at destroy()).
 *   - A batch tracker is referenced by the deliverer and by each message in librdkafka
 *     (rd_kafka_message_t._private points at its slot); the last reference frees it.
 *
 * Concurrency & locking
 *   - deliver() runs on core workers, possibly several at once: they share the producer.
 *     `plock` (rwlock) is held for reading during deliver() and for writing while the
 *     producer is created or replaced (after a fatal librdkafka error) and at destroy().
 *   - Delivery reports, error and stats callbacks run on the poll thread (the only
 *     caller of rd_kafka_poll while running).  A batch is lock-free on the hot path:
 *     per-message results are stored, then `left` is decremented (acq_rel); the one who
 *     takes it to 0 sees every result and completes the batch; its `mu`/`cv` only wake a
 *     blocking deliver();
 *     `blk` guards the live list; `flk` guards the errorFile/statsFile descriptors (hup()
 *     closes them from the main thread).  Counters are atomics from host->counter().
 *   - brokers_down/down_since are atomics written by the error callback (set) and the
 *     poll thread's probe (cleared).
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include <json.h>
#include <librdkafka/rdkafka.h>

#include "sluice/sl_plugin.h"
#include "../common/sl_kafka.h"

#define OMK_SUSPEND_GRACE_MS 3000   /* all brokers down this long: purge and suspend */
#define OMK_WAIT_CAP_MS 60000       /* a batch waits at most this long for its reports */
#define OMK_PURGE_WAIT_MS 5000      /* after a purge, how long the purged reports may take */
#define OMK_PROBE_MS 1000           /* metadata probe interval while brokers are down */
#define OMK_ERR_TOPIC_EMPTY (-1000) /* our own code: the topic template rendered empty */
#define OMK_NOREPORT INT32_MIN      /* no delivery report (yet) */
#define OMK_NCODES 16               /* distinct error codes with a counter of their own */

struct omk_inst;

struct omk_slot {
    struct omk_batch *b;
    size_t i;
};

struct omk_batch {
    struct omk_inst *in;
    pthread_mutex_t mu;          /* with cv: only for the blocking waiter's wake-up */
    pthread_cond_t cv;
    size_t n;
    _Atomic size_t left;         /* delivery reports still to come; whoever takes it to 0
                                  * ("last") completes the batch */
    _Atomic size_t refs;         /* deliverer + messages inside librdkafka */
    _Atomic(struct sl_ack *) ack;    /* deferred mode: taken (exchanged for NULL) by the
                                      * one who answers: the last report or deliver() */
    struct omk_batch *prev, *next;   /* in->live, under in->blk */
    _Atomic int32_t *err;        /* per message: OMK_NOREPORT, 0 or an rd_kafka error;
                                  * written before the release of `left` */
    struct omk_slot slots[];
};

struct omk_inst {
    struct sl_kafka_logctx lc;   /* first: librdkafka's opaque */
    /* parameters (filled by the core) */
    struct sl_strarr broker;
    char *topic;
    int dyna_topic;
    int64_t dyna_cachesize;
    char *key;
    int dyna_key;
    int part_auto;
    int64_t part_number;
    int64_t part_fixed;          /* -1: none */
    struct sl_strarr confparam;
    struct sl_strarr topicconfparam;
    const struct sl_template *tpl;
    char *error_file;
    char *stats_file;
    int64_t close_timeout;
    int resubmit;
    int keep_failed;
    char *failed_file;
    int reopen_on_hup;
    char *stats_name;

    /* runtime */
    const struct sl_host *h;
    char who[64];
    char set[300];
    const struct sl_template *tpl_eff, *tpl_topic, *tpl_key;
    rd_kafka_conf_t *conf;       /* validated at create(); duplicated for each producer */
    pthread_rwlock_t plock;
    pthread_mutex_t blk, flk, start_lk;
    pthread_mutex_t ack_lk;      /* batch_done() calls vs. acks_dead */
    int acks_dead;               /* worker_destroy() ran: the core's acks are gone */
    int locks;
    rd_kafka_t *rk;
    rd_kafka_topic_t *rkt;       /* static topic */
    pthread_t poller;
    int poller_on;
    _Atomic int stop;
    _Atomic int fatal;
    _Atomic int brokers_down;
    _Atomic int64_t down_since;
    _Atomic unsigned cur_part;
    struct omk_batch *live;
    int err_fd, stats_fd;

    _Atomic uint64_t *c_submitted, *c_acked, *c_failed, *c_failed_perm, *c_retried,
        *c_inflight, *c_brokers_down, *c_dups, *c_topic_empty, *c_suspended, *c_purged,
        *c_queue_full;
    pthread_mutex_t clk;         /* the per-code counters below */
    int ncodes;
    int32_t codes[OMK_NCODES];
    _Atomic uint64_t *c_codes[OMK_NCODES];
    _Atomic uint64_t *c_code_other;
};

struct omk_wrk {
    struct sl_buf val, key, topic;
};

#define OI(f) offsetof(struct omk_inst, f)
static const struct sl_param omk_params[] = {
    { "broker", SL_PT_ARRAY, 0, OI(broker), NULL, NULL, NULL, "brokers (host:port)" },
    { "topic", SL_PT_STRING, SL_P_REQUIRED, OI(topic), NULL, NULL, NULL,
      "topic, or the template naming it with dynaTopic" },
    { "dynaTopic", SL_PT_BOOL, 0, OI(dyna_topic), "off", NULL, NULL, "topic is a template" },
    { "dynaTopic.cachesize", SL_PT_INT, SL_P_IGNORED, OI(dyna_cachesize), "50", NULL, NULL,
      "accepted (librdkafka keeps the topic handles)" },
    { "key", SL_PT_WORD, 0, OI(key), NULL, NULL, NULL, "message key, or its template" },
    { "dynaKey", SL_PT_BOOL, 0, OI(dyna_key), "off", NULL, NULL, "key is a template" },
    { "partitions.auto", SL_PT_BOOL, 0, OI(part_auto), "off", NULL, NULL,
      "librdkafka's partitioner (by key)" },
    { "partitions.number", SL_PT_POSINT, 0, OI(part_number), "1", NULL, NULL,
      "round robin over this many partitions" },
    { "partitions.useFixed", SL_PT_NONNEG, 0, OI(part_fixed), "-1", NULL, NULL,
      "always this partition" },
    { "confParam", SL_PT_ARRAY, SL_P_SECRET, OI(confparam), NULL, NULL, NULL,
      "librdkafka properties name=value" },
    { "topicConfParam", SL_PT_ARRAY, 0, OI(topicconfparam), NULL, NULL, NULL,
      "librdkafka topic properties name=value" },
    { "template", SL_PT_TEMPLATE, 0, OI(tpl), NULL, NULL, NULL,
      "message template (default RSYSLOG_FileFormat)" },
    { "errorFile", SL_PT_WORD, 0, OI(error_file), NULL, NULL, NULL,
      "JSON record per message that failed permanently" },
    { "statsFile", SL_PT_WORD, 0, OI(stats_file), NULL, NULL, NULL,
      "librdkafka's statistics JSON (statistics.interval.ms)" },
    { "closeTimeout", SL_PT_POSINT, 0, OI(close_timeout), "2000", NULL, NULL,
      "ms to flush at shutdown" },
    { "resubmitOnFailure", SL_PT_BOOL, SL_P_IGNORED, OI(resubmit), "off", NULL, NULL,
      "accepted: failed messages always stay in the action queue" },
    { "keepFailedMessages", SL_PT_BOOL, SL_P_IGNORED, OI(keep_failed), "off", NULL, NULL,
      "accepted: undelivered messages stay in the action queue" },
    { "failedMsgFile", SL_PT_WORD, SL_P_IGNORED, OI(failed_file), NULL, NULL, NULL, "accepted" },
    { "reopenOnHup", SL_PT_BOOL, SL_P_IGNORED, OI(reopen_on_hup), "off", NULL, NULL,
      "accepted: HUP reopens errorFile and statsFile" },
    { "statsName", SL_PT_WORD, 0, OI(stats_name), NULL, NULL, NULL, "counter set name" },
    SL_PARAM_END
};

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void cadd(_Atomic uint64_t *c, uint64_t v)
{
    if (c != NULL) {
        atomic_fetch_add_explicit(c, v, memory_order_relaxed);
    }
}

static void csub(_Atomic uint64_t *c, uint64_t v)
{
    if (c != NULL) {
        atomic_fetch_sub_explicit(c, v, memory_order_relaxed);
    }
}

/* failed.<ErrorName>: one counter per librdkafka error code seen (first OMK_NCODES). */
static void count_code(struct omk_inst *in, int32_t code)
{
    pthread_mutex_lock(&in->clk);
    for (int i = 0; i < in->ncodes; i++) {
        if (in->codes[i] == code) {
            cadd(in->c_codes[i], 1);
            pthread_mutex_unlock(&in->clk);
            return;
        }
    }
    if (in->ncodes < OMK_NCODES) {
        char name[96];
        snprintf(name, sizeof name, "failed.%s",
                 code == OMK_ERR_TOPIC_EMPTY ? "topic_empty"
                                             : rd_kafka_err2name((rd_kafka_resp_err_t)code));
        in->codes[in->ncodes] = code;
        in->c_codes[in->ncodes] = in->h->counter("omkafka", in->set, name);
        cadd(in->c_codes[in->ncodes], 1);
        in->ncodes++;
    } else {
        cadd(in->c_code_other, 1);
    }
    pthread_mutex_unlock(&in->clk);
}

static const char *err_text(int32_t code)
{
    return code == OMK_ERR_TOPIC_EMPTY ? "topic template rendered an empty topic name"
                                       : rd_kafka_err2str((rd_kafka_resp_err_t)code);
}

/* rsyslog's errorFile record: {"errcode": N, "errmsg": "...", "data": "..."} per line. */
static void error_file_write(struct omk_inst *in, const char *data, size_t len, int32_t code)
{
    if (in->error_file == NULL) {
        return;
    }
    struct fjson_object *o = fjson_object_new_object();
    if (o == NULL) {
        return;
    }
    fjson_object_object_add(o, "errcode", fjson_object_new_int(code));
    fjson_object_object_add(o, "errmsg", fjson_object_new_string(err_text(code)));
    fjson_object_object_add(o, "data", fjson_object_new_string_len(data, (int)len));
    const char *js = fjson_object_to_json_string(o);
    struct iovec iov[2] = { { (void *)js, strlen(js) }, { (void *)"\n", 1 } };
    pthread_mutex_lock(&in->flk);
    if (in->err_fd < 0) {
        in->err_fd = open(in->error_file, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0660);
        if (in->err_fd < 0) {
            in->h->log(SL_LOG_ERR, in->who, "error file %s cannot be opened: %s",
                       in->error_file, strerror(errno));
        }
    }
    if (in->err_fd >= 0 && writev(in->err_fd, iov, 2) != (ssize_t)(iov[0].iov_len + 1)) {
        in->h->log(SL_LOG_ERR, in->who, "error writing error file %s", in->error_file);
    }
    pthread_mutex_unlock(&in->flk);
    fjson_object_put(o);
}

/* ----------------------------------------------------------------------------------------
 * Batch trackers
 * -------------------------------------------------------------------------------------- */

static struct omk_batch *batch_new(struct omk_inst *in, size_t n, struct sl_ack *ack)
{
    struct omk_batch *b = calloc(1, sizeof *b + n * sizeof b->slots[0] +
                                        n * sizeof(_Atomic int32_t));
    if (b == NULL) {
        return NULL;
    }
    b->in = in;
    b->n = n;
    atomic_init(&b->refs, 1 + n);    /* the deliverer, and each message (see deliver) */
    atomic_init(&b->left, n);
    atomic_init(&b->ack, ack);
    b->err = (_Atomic int32_t *)(void *)&b->slots[n];
    for (size_t i = 0; i < n; i++) {
        b->slots[i].b = b;
        b->slots[i].i = i;
        atomic_init(&b->err[i], OMK_NOREPORT);
    }
    pthread_mutex_init(&b->mu, NULL);
    pthread_cond_init(&b->cv, NULL);
    pthread_mutex_lock(&in->blk);
    b->next = in->live;
    if (in->live != NULL) {
        in->live->prev = b;
    }
    in->live = b;
    pthread_mutex_unlock(&in->blk);
    return b;
}

static void batch_free(struct omk_batch *b)
{
    struct omk_inst *in = b->in;
    pthread_mutex_lock(&in->blk);
    if (b->prev != NULL) {
        b->prev->next = b->next;
    } else {
        in->live = b->next;
    }
    if (b->next != NULL) {
        b->next->prev = b->prev;
    }
    pthread_mutex_unlock(&in->blk);
    pthread_mutex_destroy(&b->mu);
    pthread_cond_destroy(&b->cv);
    free(b);
}

static void batch_unref(struct omk_batch *b)
{
    if (atomic_fetch_sub_explicit(&b->refs, 1, memory_order_acq_rel) == 1) {
        batch_free(b);
    }
}

/* Message i is settled with err (a report, or refused at once); returns 1 for the last. */
static int batch_settle(struct omk_batch *b, size_t i, int32_t err)
{
    atomic_store_explicit(&b->err[i], err, memory_order_relaxed);
    if (atomic_fetch_sub_explicit(&b->left, 1, memory_order_acq_rel) != 1) {
        return 0;
    }
    pthread_mutex_lock(&b->mu);      /* a blocking deliver() may be waiting */
    pthread_cond_broadcast(&b->cv);
    pthread_mutex_unlock(&b->mu);
    return 1;
}

/* The verdict for b from its per-message results (after the last settle, or when the
 * deliverer gives up waiting: results still missing count as not delivered). */
static int batch_verdict(struct omk_inst *in, struct omk_batch *b, uint8_t *bad, size_t *done)
{
    size_t first_retry = b->n, nbad = 0;
    for (size_t i = 0; i < b->n; i++) {
        int32_t e = atomic_load_explicit(&b->err[i], memory_order_relaxed);
        if (e == 0) {
            continue;
        }
        if (e != OMK_NOREPORT &&
            (e == OMK_ERR_TOPIC_EMPTY || sl_kafka_err_permanent((rd_kafka_resp_err_t)e))) {
            if (bad != NULL) {
                bad[i] = 1;
            }
            nbad++;
            continue;
        }
        if (first_retry == b->n) {
            first_retry = i;
        }
    }
    if (first_retry == b->n) {
        return nbad > 0 ? SL_BAD_DATA : SL_OK;
    }
    /* delivered after the first retriable failure: they go again with it */
    size_t dups = 0;
    for (size_t i = first_retry + 1; i < b->n; i++) {
        dups += atomic_load_explicit(&b->err[i], memory_order_relaxed) == 0;
    }
    cadd(in->c_dups, dups);
    cadd(in->c_retried, b->n - first_retry);
    if (first_retry > 0) {
        /* permanent failures in the prefix are written to errorFile and counted already;
         * SL_PARTIAL cannot carry them, so they are "done" for the core */
        *done = first_retry;
        return SL_PARTIAL;
    }
    return atomic_load(&in->brokers_down) ? SL_SUSPEND : SL_RETRY;
}

/* ----------------------------------------------------------------------------------------
 * librdkafka callbacks (poll thread)
 * -------------------------------------------------------------------------------------- */

static void omk_dr_cb(rd_kafka_t *rk, const rd_kafka_message_t *m, void *opaque)
{
    (void)rk;
    struct omk_inst *in = opaque;
    struct omk_slot *s = m->_private;
    csub(in->c_inflight, 1);
    if (m->err == RD_KAFKA_RESP_ERR_NO_ERROR) {
        cadd(in->c_acked, 1);
    } else {
        cadd(in->c_failed, 1);
        count_code(in, m->err);
        if (m->err == RD_KAFKA_RESP_ERR__PURGE_QUEUE ||
            m->err == RD_KAFKA_RESP_ERR__PURGE_INFLIGHT) {
            cadd(in->c_purged, 1);
        }
        if (sl_kafka_err_permanent(m->err)) {
            cadd(in->c_failed_perm, 1);
            in->h->log(SL_LOG_ERR, in->who, "message to topic '%s' failed permanently: %s",
                       m->rkt ? rd_kafka_topic_name(m->rkt) : "?", rd_kafka_err2str(m->err));
            error_file_write(in, m->payload, m->len, m->err);
        }
    }
    if (s == NULL) {
        return;
    }
    struct omk_batch *b = s->b;
    if (batch_settle(b, s->i, m->err)) {
        struct sl_ack *ack = atomic_exchange(&b->ack, NULL);
        if (ack != NULL) {
            uint8_t *bad = calloc(b->n, 1);
            size_t done = 0;
            int v = batch_verdict(in, b, bad, &done);
            pthread_mutex_lock(&in->ack_lk);
            if (!in->acks_dead) {
                in->h->batch_done(ack, v, done, bad);
            }
            pthread_mutex_unlock(&in->ack_lk);
            free(bad);
        }
    }
    batch_unref(b);
}

static void omk_error_cb(rd_kafka_t *rk, int err, const char *reason, void *opaque)
{
    struct omk_inst *in = opaque;
    if (err == RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN) {
        if (!atomic_exchange(&in->brokers_down, 1)) {
            atomic_store(&in->down_since, now_ms());
            atomic_store(in->c_brokers_down, 1);
            in->h->log(SL_LOG_WARNING, in->who,
                       "all Kafka brokers are down (%s): action suspended, messages stay "
                       "in the action queue until a broker is reachable", reason);
        }
        return;
    }
    if (err == RD_KAFKA_RESP_ERR__FATAL) {
        char buf[512];
        rd_kafka_resp_err_t fe = rd_kafka_fatal_error(rk, buf, sizeof buf);
        in->h->log(SL_LOG_ERR, in->who, "fatal producer error %s: %s; the producer is "
                   "recreated", rd_kafka_err2name(fe), buf);
        atomic_store(&in->fatal, 1);
        return;
    }
    /* everything else is in librdkafka's own log lines already (sl_kafka_log_cb) */
    (void)reason;
}

static int omk_stats_cb(rd_kafka_t *rk, char *json, size_t len, void *opaque)
{
    (void)rk;
    struct omk_inst *in = opaque;
    if (in->stats_file == NULL) {
        return 0;
    }
    pthread_mutex_lock(&in->flk);
    if (in->stats_fd < 0) {
        in->stats_fd = open(in->stats_file, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0660);
        if (in->stats_fd < 0) {
            in->h->log(SL_LOG_ERR, in->who, "stats file %s cannot be opened: %s",
                       in->stats_file, strerror(errno));
        }
    }
    if (in->stats_fd >= 0) {
        struct iovec iov[2] = { { json, len }, { (void *)"\n", 1 } };
        if (writev(in->stats_fd, iov, 2) < 0) {
            in->h->log(SL_LOG_ERR, in->who, "error writing stats file %s", in->stats_file);
        }
    }
    pthread_mutex_unlock(&in->flk);
    return 0;
}

/* The poll thread: serves the callbacks; while all brokers are down, gives the queued
 * messages back (purge: their batches complete as not delivered, the core keeps them)
 * once the outage is older than OMK_SUSPEND_GRACE_MS, and probes with a metadata request
 * once a second, clearing the state when a broker answers. */
static void *omk_poll_main(void *arg)
{
    struct omk_inst *in = arg;
    int64_t last_probe = 0, last_purge = 0;
    while (!atomic_load(&in->stop)) {
        rd_kafka_poll(in->rk, 100);
        int64_t now = now_ms();
        if (atomic_load(&in->brokers_down) &&
            now - atomic_load(&in->down_since) >= OMK_SUSPEND_GRACE_MS &&
            now - last_purge >= OMK_SUSPEND_GRACE_MS && rd_kafka_outq_len(in->rk) > 0) {
            last_purge = now;
            rd_kafka_purge(in->rk, RD_KAFKA_PURGE_F_QUEUE | RD_KAFKA_PURGE_F_NON_BLOCKING);
        }
        if (atomic_load(&in->brokers_down) && now_ms() - last_probe >= OMK_PROBE_MS) {
            const struct rd_kafka_metadata *md = NULL;
            last_probe = now_ms();
            if (rd_kafka_metadata(in->rk, 0, NULL, &md, 500) == RD_KAFKA_RESP_ERR_NO_ERROR) {
                rd_kafka_metadata_destroy(md);
                if (atomic_exchange(&in->brokers_down, 0)) {
                    atomic_store(in->c_brokers_down, 0);
                    in->h->log(SL_LOG_INFO, in->who, "a Kafka broker is reachable again");
                }
            }
        }
    }
    return NULL;
}

/* ----------------------------------------------------------------------------------------
 * The producer
 * -------------------------------------------------------------------------------------- */

/* Caller holds plock for writing (or is the only user). */
static int producer_start(struct omk_inst *in)
{
    char err[512];
    if (in->rk != NULL) {
        return 0;
    }
    rd_kafka_conf_t *c = rd_kafka_conf_dup(in->conf);
    if (c == NULL) {
        return SL_ENOMEM;
    }
    rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_PRODUCER, c, err, sizeof err);
    if (rk == NULL) {
        rd_kafka_conf_destroy(c);
        in->h->log(SL_LOG_ERR, in->who, "cannot create the Kafka producer: %s", err);
        return SL_EIO;
    }
    in->rk = rk;
    if (!in->dyna_topic) {
        in->rkt = rd_kafka_topic_new(rk, in->topic, NULL);
        if (in->rkt == NULL) {
            in->h->log(SL_LOG_ERR, in->who, "topic '%s': %s", in->topic,
                       rd_kafka_err2str(rd_kafka_last_error()));
            rd_kafka_destroy(rk);
            in->rk = NULL;
            return SL_EIO;
        }
    }
    atomic_store(&in->stop, 0);
    atomic_store(&in->fatal, 0);
    if (pthread_create(&in->poller, NULL, omk_poll_main, in) != 0) {
        if (in->rkt != NULL) {
            rd_kafka_topic_destroy(in->rkt);
            in->rkt = NULL;
        }
        rd_kafka_destroy(rk);
        in->rk = NULL;
        return SL_EIO;
    }
    in->poller_on = 1;
    return 0;
}

/* Flush for up to timeout_ms, stop the poll thread, destroy the producer.  Caller holds
 * plock for writing. */
static void producer_stop(struct omk_inst *in, int timeout_ms)
{
    if (in->rk == NULL) {
        return;
    }
    if (timeout_ms > 0 && !atomic_load(&in->fatal)) {
        rd_kafka_flush(in->rk, timeout_ms);
    }
    atomic_store(&in->stop, 1);
    if (in->poller_on) {
        pthread_join(in->poller, NULL);
        in->poller_on = 0;
    }
    /* what is left is purged; serve those reports so the trackers are released */
    rd_kafka_purge(in->rk, RD_KAFKA_PURGE_F_QUEUE | RD_KAFKA_PURGE_F_INFLIGHT);
    rd_kafka_poll(in->rk, 0);
    if (in->rkt != NULL) {
        rd_kafka_topic_destroy(in->rkt);
        in->rkt = NULL;
    }
    rd_kafka_destroy(in->rk);
    in->rk = NULL;
}

/* Holds plock for reading on success, with a running producer. */
static int producer_get(struct omk_inst *in)
{
    for (int tries = 0; tries < 2; tries++) {
        pthread_rwlock_rdlock(&in->plock);
        if (in->rk != NULL && !atomic_load(&in->fatal)) {
            return 0;
        }
        pthread_rwlock_unlock(&in->plock);
        pthread_rwlock_wrlock(&in->plock);
        if (in->rk != NULL && atomic_load(&in->fatal)) {
            producer_stop(in, 0);
        }
        int rc = producer_start(in);
        pthread_rwlock_unlock(&in->plock);
        if (rc != 0) {
            return rc;
        }
    }
    return SL_EAGAIN;
}

/* ----------------------------------------------------------------------------------------
 * Plugin operations
 * -------------------------------------------------------------------------------------- */

static int omk_create(void *inst, void *modconf, const struct sl_host *h)
{
    (void)modconf;
    struct omk_inst *in = inst;
    int errs = 0;
    in->h = h;
    in->err_fd = in->stats_fd = -1;
    snprintf(in->who, sizeof in->who, "omkafka");
    in->lc.h = h;
    in->lc.who = in->who;
    if (in->stats_name != NULL) {
        snprintf(in->set, sizeof in->set, "%s", in->stats_name);
    } else {
        snprintf(in->set, sizeof in->set, "omkafka-%s", in->topic);
    }
    in->tpl_eff = in->tpl != NULL ? in->tpl : h->template_find("RSYSLOG_FileFormat");
    if (in->dyna_topic) {
        in->tpl_topic = h->template_find(in->topic);
        if (in->tpl_topic == NULL) {
            h->log(SL_LOG_ERR, in->who, "dynaTopic: template '%s' is not defined", in->topic);
            errs++;
        }
    }
    if (in->dyna_key) {
        if (in->key == NULL) {
            h->log(SL_LOG_ERR, in->who, "requested dynamic key, but no name for key "
                   "template given - action definition invalid");
            errs++;
        } else if ((in->tpl_key = h->template_find(in->key)) == NULL) {
            h->log(SL_LOG_ERR, in->who, "dynaKey: template '%s' is not defined", in->key);
            errs++;
        }
    }
    if (in->part_fixed < -1) {
        h->log(SL_LOG_ERR, in->who, "partitions.useFixed must be >= 0");
        errs++;
    }
    if (in->resubmit || in->keep_failed) {
        h->log(SL_LOG_INFO, in->who, "resubmitOnFailure/keepFailedMessages: sluice keeps "
               "every undelivered message in the action queue anyway");
    }

    /* librdkafka configuration: sluice's delivery defaults, then the config's values */
    in->conf = rd_kafka_conf_new();
    rd_kafka_topic_conf_t *tc = rd_kafka_topic_conf_new();
    int rc = in->conf == NULL || tc == NULL ? SL_ENOMEM
             : sl_kafka_set_brokers(h, in->who, in->conf, &in->broker);
    if (rc == SL_ENOMEM) {
        if (tc != NULL) {
            rd_kafka_topic_conf_destroy(tc);
        }
        return SL_ENOMEM;
    }
    errs += rc != 0;
    errs += sl_kafka_set(h, in->who, in->conf, "enable.idempotence", "true") != 0;
    errs += sl_kafka_set(h, in->who, in->conf, "acks", "all") != 0;
    if (in->stats_file == NULL && !sl_kafka_has(&in->confparam, "statistics.interval.ms")) {
        /* nothing reads them */
    }
    errs += sl_kafka_apply(h, in->who, "confParam", &in->confparam, in->conf, NULL) != 0;
    errs += sl_kafka_apply(h, in->who, "topicConfParam", &in->topicconfparam, NULL, tc) != 0;
    if (errs) {
        rd_kafka_topic_conf_destroy(tc);
        return SL_ECONFIG;
    }
    rd_kafka_conf_set_default_topic_conf(in->conf, tc);
    sl_kafka_conf_logging(in->conf, &in->lc);
    rd_kafka_conf_set_dr_msg_cb(in->conf, omk_dr_cb);
    rd_kafka_conf_set_error_cb(in->conf, omk_error_cb);
    rd_kafka_conf_set_stats_cb(in->conf, omk_stats_cb);

    pthread_rwlock_init(&in->plock, NULL);
    pthread_mutex_init(&in->blk, NULL);
    pthread_mutex_init(&in->flk, NULL);
    pthread_mutex_init(&in->clk, NULL);
    pthread_mutex_init(&in->start_lk, NULL);
    pthread_mutex_init(&in->ack_lk, NULL);
    in->locks = 1;

    in->c_submitted = h->counter("omkafka", in->set, "submitted");
    in->c_acked = h->counter("omkafka", in->set, "acked");
    in->c_failed = h->counter("omkafka", in->set, "failures");
    in->c_failed_perm = h->counter("omkafka", in->set, "failed.permanent");
    in->c_retried = h->counter("omkafka", in->set, "retried");
    in->c_inflight = h->counter("omkafka", in->set, "inflight");
    in->c_brokers_down = h->counter("omkafka", in->set, "brokers.down");
    in->c_dups = h->counter("omkafka", in->set, "duplicates.resent");
    in->c_topic_empty = h->counter("omkafka", in->set, "topic.empty");
    in->c_suspended = h->counter("omkafka", in->set, "suspended");
    in->c_purged = h->counter("omkafka", in->set, "purged");
    in->c_queue_full = h->counter("omkafka", in->set, "queue.full");
    in->c_code_other = h->counter("omkafka", in->set, "failed.other_codes");
    return 0;
}

static void omk_destroy(void *inst)
{
    struct omk_inst *in = inst;
    if (!in->locks) {
        if (in->conf != NULL) {
            rd_kafka_conf_destroy(in->conf);
            in->conf = NULL;
        }
        return;
    }
    pthread_rwlock_wrlock(&in->plock);
    producer_stop(in, (int)in->close_timeout);
    pthread_rwlock_unlock(&in->plock);
    /* trackers whose reports never came (librdkafka gone): nobody references them now */
    while (in->live != NULL) {
        struct omk_batch *b = in->live;
        in->live = b->next;
        pthread_mutex_destroy(&b->mu);
        pthread_cond_destroy(&b->cv);
        free(b);
    }
    if (in->conf != NULL) {
        rd_kafka_conf_destroy(in->conf);
        in->conf = NULL;
    }
    if (in->err_fd >= 0) {
        close(in->err_fd);
    }
    if (in->stats_fd >= 0) {
        close(in->stats_fd);
    }
    pthread_rwlock_destroy(&in->plock);
    pthread_mutex_destroy(&in->blk);
    pthread_mutex_destroy(&in->flk);
    pthread_mutex_destroy(&in->clk);
    pthread_mutex_destroy(&in->start_lk);
    pthread_mutex_destroy(&in->ack_lk);
    in->locks = 0;
}

static int omk_worker_create(void *inst, void *wrk)
{
    struct omk_inst *in = inst;
    (void)wrk;
    if (producer_get(in) == 0) {
        pthread_rwlock_unlock(&in->plock);
    }
    return 0;
}

static void omk_worker_destroy(void *inst, void *wrk)
{
    struct omk_inst *in = inst;
    struct omk_wrk *w = wrk;
    /* the core frees its in-flight window after this: no batch_done() from now on */
    pthread_mutex_lock(&in->ack_lk);
    in->acks_dead = 1;
    pthread_mutex_unlock(&in->ack_lk);
    in->h->buf_free(&w->val);
    in->h->buf_free(&w->key);
    in->h->buf_free(&w->topic);
}

/* Produce message i of b (payload in w->val, key, topic).  Returns 0 when librdkafka took
 * it (a report will come), else the error (no report). */
static int32_t produce_one(struct omk_inst *in, struct omk_wrk *w, struct omk_batch *b,
                           size_t i, const char *key, size_t keylen, const char *topic,
                           int64_t deadline)
{
    int32_t part = in->part_auto ? RD_KAFKA_PARTITION_UA
                   : in->part_fixed >= 0 ? (int32_t)in->part_fixed
                   : (int32_t)(atomic_fetch_add(&in->cur_part, 1) %
                               (unsigned)in->part_number);
    for (;;) {
        rd_kafka_resp_err_t r;
        if (topic != NULL) {
            r = rd_kafka_producev(in->rk, RD_KAFKA_V_TOPIC(topic), RD_KAFKA_V_PARTITION(part),
                                  RD_KAFKA_V_VALUE(w->val.p, w->val.len),
                                  RD_KAFKA_V_KEY(key, keylen),
                                  RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
                                  RD_KAFKA_V_OPAQUE(&b->slots[i]), RD_KAFKA_V_END);
        } else {
            r = rd_kafka_producev(in->rk, RD_KAFKA_V_RKT(in->rkt), RD_KAFKA_V_PARTITION(part),
                                  RD_KAFKA_V_VALUE(w->val.p, w->val.len),
                                  RD_KAFKA_V_KEY(key, keylen),
                                  RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
                                  RD_KAFKA_V_OPAQUE(&b->slots[i]), RD_KAFKA_V_END);
        }
        if (r != RD_KAFKA_RESP_ERR__QUEUE_FULL || now_ms() >= deadline ||
            atomic_load(&in->brokers_down)) {
            if (r == RD_KAFKA_RESP_ERR__QUEUE_FULL) {
                cadd(in->c_queue_full, 1);
            }
            return r;
        }
        struct timespec ts = { 0, 5 * 1000000L };
        nanosleep(&ts, NULL);
    }
}

static int omk_deliver(void *inst, void *wrk, const struct sl_batch *b0, struct sl_verdict *v)
{
    struct omk_inst *in = inst;
    struct omk_wrk *w = wrk;
    const struct sl_host *h = in->h;
    size_t n = b0->n;
    if (n == 0) {
        return SL_OK;
    }
    if (atomic_load(&in->brokers_down) &&
        now_ms() - atomic_load(&in->down_since) >= OMK_SUSPEND_GRACE_MS) {
        cadd(in->c_suspended, 1);
        return SL_SUSPEND;
    }
    if (producer_get(in) != 0) {
        return SL_SUSPEND;
    }
    struct sl_ack *ack = h->struct_size >= offsetof(struct sl_host, batch_done) +
                                               sizeof h->batch_done &&
                                 h->batch_done != NULL
                             ? b0->ack
                             : NULL;
    struct omk_batch *b = batch_new(in, n, ack);
    if (b == NULL) {
        pthread_rwlock_unlock(&in->plock);
        return SL_RETRY;
    }
    int64_t start = now_ms();
    int64_t deadline = start + OMK_WAIT_CAP_MS;
    size_t refused = 0;
    cadd(in->c_inflight, n);          /* lowered by each report and each refusal */
    for (size_t i = 0; i < n; i++) {
        struct sl_msg *m = b0->msgs[i];
        int32_t r;
        w->val.len = 0;
        if (h->render(in->tpl_eff, m, &w->val) != 0) {
            r = RD_KAFKA_RESP_ERR__FAIL;
            goto refused;
        }
        const char *key = in->key;
        size_t keylen = key != NULL ? strlen(key) : 0;
        if (in->dyna_key) {
            w->key.len = 0;
            if (h->render(in->tpl_key, m, &w->key) != 0) {
                r = RD_KAFKA_RESP_ERR__FAIL;
                goto refused;
            }
            key = w->key.p != NULL ? w->key.p : "";
            keylen = w->key.len;
        }
        const char *topic = NULL;
        if (in->dyna_topic) {
            w->topic.len = 0;
            if (h->render(in->tpl_topic, m, &w->topic) != 0 ||
                h->buf_reserve(&w->topic, 1) != 0) {
                r = RD_KAFKA_RESP_ERR__FAIL;
                goto refused;
            }
            w->topic.p[w->topic.len] = '\0';
            topic = w->topic.p;
            if (w->topic.len == 0 || strlen(topic) != w->topic.len) {
                cadd(in->c_topic_empty, 1);
                r = OMK_ERR_TOPIC_EMPTY;
                goto refused;
            }
        }
        r = produce_one(in, w, b, i, key, keylen, topic, deadline);
        if (r == 0) {
            continue;
        }
    refused:
        refused++;
        csub(in->c_inflight, 1);
        cadd(in->c_failed, 1);
        count_code(in, r);
        if (r == OMK_ERR_TOPIC_EMPTY || sl_kafka_err_permanent((rd_kafka_resp_err_t)r)) {
            cadd(in->c_failed_perm, 1);
            h->log(SL_LOG_ERR, in->who, "message not produced: %s", err_text(r));
            error_file_write(in, w->val.p != NULL ? w->val.p : "", w->val.len, r);
        }
        batch_settle(b, i, r);   /* no report will come for it */
        batch_unref(b);
    }
    cadd(in->c_submitted, n - refused);

    if (ack != NULL) {
        if (atomic_load(&b->left) > 0 || atomic_exchange(&b->ack, NULL) == NULL) {
            /* deferred: the last delivery report calls (or called) batch_done() */
            batch_unref(b);
            pthread_rwlock_unlock(&in->plock);
            return SL_PENDING;
        }
        /* every message settled here (refused at once): the answer is ours */
    }
    int purged = 0;
    pthread_mutex_lock(&b->mu);
    int64_t purge_at = 0;
    while (atomic_load(&b->left) > 0) {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        ts.tv_nsec += 100 * 1000000L;
        if (ts.tv_nsec >= 1000000000L) {
            ts.tv_sec++;
            ts.tv_nsec -= 1000000000L;
        }
        pthread_cond_timedwait(&b->cv, &b->mu, &ts);
        if (atomic_load(&b->left) == 0) {
            break;
        }
        int64_t now = now_ms();
        int down = atomic_load(&in->brokers_down) &&
                   now - atomic_load(&in->down_since) >= OMK_SUSPEND_GRACE_MS;
        if (!purged && (down || now >= deadline || atomic_load(&in->fatal))) {
            /* give the messages back to the core's queue instead of librdkafka's */
            pthread_mutex_unlock(&b->mu);
            rd_kafka_purge(in->rk, RD_KAFKA_PURGE_F_QUEUE | RD_KAFKA_PURGE_F_NON_BLOCKING);
            pthread_mutex_lock(&b->mu);
            purged = 1;
            purge_at = now;
            continue;
        }
        if (purged && now - purge_at >= OMK_PURGE_WAIT_MS) {
            break;   /* in flight to a broker that does not answer: not confirmed */
        }
    }
    pthread_mutex_unlock(&b->mu);
    int verdict = batch_verdict(in, b, v->bad, &v->done);
    batch_unref(b);
    pthread_rwlock_unlock(&in->plock);
    if (verdict == SL_SUSPEND) {
        cadd(in->c_suspended, 1);
    }
    return verdict;
}

/* Shutdown (ABI 1.4): push out what librdkafka holds and wait for the delivery reports
 * (the poll thread serves them, batch_done() follows) until deadline_ms. */
static int omk_flush(void *inst, void *wrk, int64_t deadline_ms)
{
    struct omk_inst *in = inst;
    (void)wrk;
    int rc = 0;
    pthread_rwlock_rdlock(&in->plock);
    if (in->rk != NULL) {
        while (rd_kafka_outq_len(in->rk) > 0 && !atomic_load(&in->fatal)) {
            int64_t left = deadline_ms - now_ms();
            if (left <= 0) {
                break;
            }
            rd_kafka_flush(in->rk, left > 200 ? 200 : (int)left);
        }
        rc = rd_kafka_outq_len(in->rk) > 0 ? SL_EAGAIN : 0;
    }
    pthread_rwlock_unlock(&in->plock);
    return rc;
}

/* HUP: errorFile and statsFile are reopened at the next write (logrotate). */
static void omk_hup(void *inst)
{
    struct omk_inst *in = inst;
    if (!in->locks) {
        return;
    }
    pthread_mutex_lock(&in->flk);
    if (in->err_fd >= 0) {
        close(in->err_fd);
        in->err_fd = -1;
    }
    if (in->stats_fd >= 0) {
        close(in->stats_fd);
        in->stats_fd = -1;
    }
    pthread_mutex_unlock(&in->flk);
}

static const struct sl_output_ops omk_ops = {
    .create = omk_create,
    .destroy = omk_destroy,
    .worker_create = omk_worker_create,
    .worker_destroy = omk_worker_destroy,
    .deliver = omk_deliver,
    .hup = omk_hup,
    .flush = omk_flush,
};

SL_PLUGIN_DEFINE(omkafka) = {
    SL_PLUGIN_HEADER(omkafka),
    .kinds = SL_OUTPUT,
    .flags = 0,
    .module_params = NULL,
    .inst_params = omk_params,
    .mod_size = 0,
    .inst_size = sizeof(struct omk_inst),
    .wrk_size = sizeof(struct omk_wrk),
    .mod_init = NULL,
    .mod_fini = NULL,
    .in = NULL,
    .out = &omk_ops,
};
