/*
 * imkafka.c - the imkafka input plugin: consumes a Kafka topic as a member of a consumer
 * group (librdkafka's high-level consumer) with rsyslog 8.2302's parameter names (broker,
 * topic, consumerGroup, confParam, parseHostname; ruleset and name are the core's), and
 * at-least-once delivery into the ruleset:
 *   - librdkafka never stores an offset by itself (enable.auto.offset.store=false); the
 *     offset of a message is stored only after host->submit() returned, i.e. after the
 *     message is in the ruleset queue; librdkafka's auto commit then commits stored
 *     offsets (every auto.commit.interval.ms, at a rebalance and at close).
 *   - submit() blocks while the ruleset queue is full, so consumption pauses (no memory
 *     growth beyond one batch and librdkafka's fetch buffers).
 *   - Several sluiceds in one consumer group share the partitions; on a rebalance the
 *     stored offsets are committed, and the new owner starts after the last message that
 *     reached a ruleset queue.  A crash (kill -9) after a commit loses what the ruleset
 *     queue held in memory unless it is disk-assisted; messages after the last commit
 *     come again (duplicates).
 * Messages: the payload is the raw message, parsed by the ruleset's parser chain (empty
 * payloads are skipped, as rsyslog does); the flow key is the partition, so one
 * partition's messages keep their order.
 *
 * Ownership and lifetime: parameter strings belong to the core; the instance owns the
 * validated rd_kafka_conf_t (from create()) and the consumer (created and closed on the
 * input thread inside run()).
 * Concurrency & locking: create/destroy on the main thread; run() on the input thread is
 * the only user of the consumer; stop() only sets an atomic flag that run() polls every
 * 200 ms.  librdkafka's log callback runs on its threads and only calls host->log.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <librdkafka/rdkafka.h>

#include "sluice/sl_plugin.h"
#include "../common/sl_kafka.h"

#define IMK_BATCH 256

struct imk_inst {
    struct sl_kafka_logctx lc;   /* first: librdkafka's opaque */
    struct sl_strarr broker;
    char *topic;
    char *group;
    struct sl_strarr confparam;
    int parse_hostname;

    const struct sl_host *h;
    struct sl_input_ctx *ctx;
    char who[64];
    rd_kafka_conf_t *conf;
    _Atomic int stop;
    _Atomic uint64_t *c_received, *c_submitted, *c_stored, *c_empty, *c_errors,
        *c_rebalance;
};

#define II(f) offsetof(struct imk_inst, f)
static const struct sl_param imk_params[] = {
    { "broker", SL_PT_ARRAY, 0, II(broker), NULL, NULL, NULL, "brokers (host:port)" },
    { "topic", SL_PT_STRING, SL_P_REQUIRED, II(topic), NULL, NULL, NULL, "topic to consume" },
    { "consumerGroup", SL_PT_STRING, 0, II(group), NULL, NULL, NULL,
      "consumer group (group.id)" },
    { "confParam", SL_PT_ARRAY, SL_P_SECRET, II(confparam), NULL, NULL, NULL,
      "librdkafka properties name=value" },
    { "parseHostname", SL_PT_BOOL, SL_P_IGNORED, II(parse_hostname), "off", NULL, NULL,
      "accepted: the parser chain always takes the hostname from the message" },
    SL_PARAM_END
};

static void imk_rebalance_cb(rd_kafka_t *rk, rd_kafka_resp_err_t err,
                             rd_kafka_topic_partition_list_t *parts, void *opaque)
{
    struct imk_inst *in = opaque;
    atomic_fetch_add(in->c_rebalance, 1);
    if (err == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS) {
        in->h->log(SL_LOG_INFO, in->who, "assigned %d partition(s) of topic '%s'",
                   parts->cnt, in->topic);
        if (strcmp(rd_kafka_rebalance_protocol(rk), "COOPERATIVE") == 0) {
            rd_kafka_incremental_assign(rk, parts);
        } else {
            rd_kafka_assign(rk, parts);
        }
    } else {
        in->h->log(SL_LOG_INFO, in->who, "revoked %d partition(s) of topic '%s'", parts->cnt,
                   in->topic);
        /* offsets stored so far (all in a ruleset queue) are committed before the
         * partitions go to another member */
        rd_kafka_commit(rk, NULL, 0);
        if (strcmp(rd_kafka_rebalance_protocol(rk), "COOPERATIVE") == 0) {
            rd_kafka_incremental_unassign(rk, parts);
        } else {
            rd_kafka_assign(rk, NULL);
        }
    }
}

static int imk_create(void *inst, void *modconf, const struct sl_host *h,
                      struct sl_input_ctx *ctx)
{
    (void)modconf;
    struct imk_inst *in = inst;
    int errs = 0;
    in->h = h;
    in->ctx = ctx;
    snprintf(in->who, sizeof in->who, "imkafka");
    in->lc.h = h;
    in->lc.who = in->who;
    if (in->group == NULL || in->group[0] == '\0') {
        h->log(SL_LOG_ERR, in->who, "consumerGroup is required (librdkafka's consumer "
               "cannot subscribe to topic '%s' without a group)", in->topic);
        return SL_ECONFIG;
    }
    in->conf = rd_kafka_conf_new();
    if (in->conf == NULL) {
        return SL_ENOMEM;
    }
    int rc = sl_kafka_set_brokers(h, in->who, in->conf, &in->broker);
    if (rc == SL_ENOMEM) {
        return rc;
    }
    errs += rc != 0;
    errs += sl_kafka_set(h, in->who, in->conf, "group.id", in->group) != 0;
    errs += sl_kafka_set(h, in->who, in->conf, "auto.offset.reset", "smallest") != 0;
    errs += sl_kafka_set(h, in->who, in->conf, "enable.auto.commit", "true") != 0;
    errs += sl_kafka_apply(h, in->who, "confParam", &in->confparam, in->conf, NULL) != 0;
    /* at-least-once: never let librdkafka store an offset the ruleset has not got */
    errs += sl_kafka_set(h, in->who, in->conf, "enable.auto.offset.store", "false") != 0;
    if (sl_kafka_has(&in->confparam, "enable.auto.offset.store")) {
        h->log(SL_LOG_WARNING, in->who, "confParam enable.auto.offset.store is ignored: "
               "offsets are stored once the messages are in the ruleset queue");
    }
    if (errs) {
        return SL_ECONFIG;
    }
    sl_kafka_conf_logging(in->conf, &in->lc);
    rd_kafka_conf_set_rebalance_cb(in->conf, imk_rebalance_cb);
    char set[320];
    snprintf(set, sizeof set, "imkafka(%s)", in->topic);
    in->c_received = h->counter("imkafka", set, "received");
    in->c_submitted = h->counter("imkafka", set, "submitted");
    in->c_stored = h->counter("imkafka", set, "offsets.stored");
    in->c_empty = h->counter("imkafka", set, "empty");
    in->c_errors = h->counter("imkafka", set, "errors");
    in->c_rebalance = h->counter("imkafka", set, "rebalances");
    return 0;
}

static int imk_open(void *inst)
{
    (void)inst;
    return 0;
}

static void imk_stop(void *inst)
{
    struct imk_inst *in = inst;
    atomic_store(&in->stop, 1);
}

static void imk_destroy(void *inst)
{
    struct imk_inst *in = inst;
    if (in->conf != NULL) {
        rd_kafka_conf_destroy(in->conf);
        in->conf = NULL;
    }
}

/* Submit the collected messages, then store their offsets; frees them. */
static int imk_flush(struct imk_inst *in, rd_kafka_t *rk, rd_kafka_message_t **rm, size_t n)
{
    struct sl_msg *msgs[IMK_BATCH];
    size_t k = 0, i = 0;
    int rc = 0;
    (void)rk;
    while (i < n && rc >= 0) {
        /* one submit per run of the same partition: the flow key keeps its order */
        int32_t part = rm[i]->partition;
        k = 0;
        size_t j = i;
        for (; j < n && rm[j]->partition == part; j++) {
            msgs[k++] = in->h->msg_new(in->ctx, rm[j]->payload, rm[j]->len, NULL, 0);
        }
        rc = in->h->submit(in->ctx, msgs, k, (uint64_t)(uint32_t)part);
        if (rc >= 0) {
            atomic_fetch_add(in->c_submitted, k);
            for (size_t x = i; x < j; x++) {
                /* in the ruleset queue now: its offset may be committed */
                rd_kafka_resp_err_t e = rd_kafka_offset_store(rm[x]->rkt, rm[x]->partition,
                                                              rm[x]->offset);
                if (e == RD_KAFKA_RESP_ERR_NO_ERROR) {
                    atomic_fetch_add(in->c_stored, 1);
                }
            }
        }
        i = j;
    }
    for (size_t x = 0; x < n; x++) {
        rd_kafka_message_destroy(rm[x]);
    }
    return rc < 0 ? rc : 0;
}

static int imk_run(void *inst)
{
    struct imk_inst *in = inst;
    char err[512];
    rd_kafka_conf_t *c = rd_kafka_conf_dup(in->conf);
    rd_kafka_t *rk = c != NULL ? rd_kafka_new(RD_KAFKA_CONSUMER, c, err, sizeof err) : NULL;
    if (rk == NULL) {
        if (c != NULL) {
            rd_kafka_conf_destroy(c);
        }
        in->h->log(SL_LOG_ERR, in->who, "cannot create the Kafka consumer: %s",
                   c != NULL ? err : "out of memory");
        return SL_EIO;
    }
    rd_kafka_poll_set_consumer(rk);
    rd_kafka_topic_partition_list_t *topics = rd_kafka_topic_partition_list_new(1);
    rd_kafka_topic_partition_list_add(topics, in->topic, RD_KAFKA_PARTITION_UA);
    rd_kafka_resp_err_t e = rd_kafka_subscribe(rk, topics);
    rd_kafka_topic_partition_list_destroy(topics);
    if (e != RD_KAFKA_RESP_ERR_NO_ERROR) {
        in->h->log(SL_LOG_ERR, in->who, "cannot subscribe to topic '%s': %s", in->topic,
                   rd_kafka_err2str(e));
        rd_kafka_destroy(rk);
        return SL_EIO;
    }
    rd_kafka_message_t *rm[IMK_BATCH];
    size_t n = 0;
    while (!atomic_load(&in->stop)) {
        rd_kafka_message_t *m = rd_kafka_consumer_poll(rk, n > 0 ? 0 : 200);
        if (m == NULL) {
            if (n > 0 && imk_flush(in, rk, rm, n) != 0) {
                n = 0;
                break;   /* shutting down */
            }
            n = 0;
            continue;
        }
        if (m->err) {
            if (m->err != RD_KAFKA_RESP_ERR__PARTITION_EOF) {
                atomic_fetch_add(in->c_errors, 1);
                in->h->log(SL_LOG_WARNING, in->who, "consumer: %s",
                           rd_kafka_message_errstr(m));
            }
            rd_kafka_message_destroy(m);
            continue;
        }
        atomic_fetch_add(in->c_received, 1);
        if (m->len == 0) {
            /* rsyslog skips empty messages; the offset goes on */
            atomic_fetch_add(in->c_empty, 1);
            rd_kafka_offset_store(m->rkt, m->partition, m->offset);
            rd_kafka_message_destroy(m);
            continue;
        }
        rm[n++] = m;
        if (n == IMK_BATCH) {
            if (imk_flush(in, rk, rm, n) != 0) {
                n = 0;
                break;
            }
            n = 0;
        }
    }
    if (n > 0) {
        imk_flush(in, rk, rm, n);
    }
    /* commits the stored offsets and leaves the group (others take the partitions) */
    rd_kafka_consumer_close(rk);
    rd_kafka_destroy(rk);
    return 0;
}

static const struct sl_input_ops imk_ops = {
    .create = imk_create,
    .open = imk_open,
    .run = imk_run,
    .stop = imk_stop,
    .destroy = imk_destroy,
};

SL_PLUGIN_DEFINE(imkafka) = {
    SL_PLUGIN_HEADER(imkafka),
    .kinds = SL_INPUT,
    .flags = 0,
    .module_params = NULL,
    .inst_params = imk_params,
    .mod_size = 0,
    .inst_size = sizeof(struct imk_inst),
    .wrk_size = 0,
    .mod_init = NULL,
    .mod_fini = NULL,
    .in = &imk_ops,
    .out = NULL,
};
