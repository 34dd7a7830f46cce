/*
 * sl_kafka.h - what omkafka and imkafka share on top of librdkafka: rsyslog's "k=v"
 * confParam/topicConfParam arrays applied to librdkafka configuration objects (errors in
 * librdkafka's own words), the broker array joined into bootstrap.servers, librdkafka's
 * log lines routed to the host's log, and the classification of delivery errors.
 *
 * Ownership: every function works on objects the caller owns; nothing is kept.
 * Concurrency: all functions are reentrant; sl_kafka_log_cb runs on librdkafka's threads
 * and only calls host->log (thread-safe).
 */
#ifndef SLUICE_SL_KAFKA_H
#define SLUICE_SL_KAFKA_H

#include <librdkafka/rdkafka.h>

#include "sluice/sl_plugin.h"

/* What librdkafka's opaque points to in both plugins: the first member of their instance. */
struct sl_kafka_logctx {
    const struct sl_host *h;
    const char *who;
};

/* Apply each "name=value" of kv to conf (tconf NULL) or to tconf (conf NULL).  On an error
 * logs "<param> "name": <librdkafka's text>" and returns SL_ECONFIG.  Values of keys that
 * look like secrets (password, secret, key in the name) are never printed. */
int sl_kafka_apply(const struct sl_host *h, const char *who, const char *param,
                   const struct sl_strarr *kv, rd_kafka_conf_t *conf,
                   rd_kafka_topic_conf_t *tconf);

/* Set one property on conf; logs librdkafka's error text.  0 or SL_ECONFIG. */
int sl_kafka_set(const struct sl_host *h, const char *who, rd_kafka_conf_t *conf,
                 const char *name, const char *value);

/* 1 if kv sets property name (case-sensitive, as librdkafka's names are). */
int sl_kafka_has(const struct sl_strarr *kv, const char *name);

/* rsyslog's broker array joined with ',' (malloc'd; "localhost:9092" when empty). */
char *sl_kafka_brokers(const struct sl_strarr *brokers);

/* Set conf's bootstrap.servers from the broker array (logging rsyslog's notice when it is
 * empty and localhost:9092 is used).  0, SL_ECONFIG (logged) or SL_ENOMEM. */
int sl_kafka_set_brokers(const struct sl_host *h, const char *who, rd_kafka_conf_t *conf,
                         const struct sl_strarr *brokers);

/* Install sl_kafka_log_cb as conf's log callback with ctx as opaque (ctx must outlive the
 * rd_kafka_t). */
void sl_kafka_conf_logging(rd_kafka_conf_t *conf, struct sl_kafka_logctx *ctx);

/* 1 when a delivery error will not go away by producing the same message again (the
 * message is too large, malformed, or not allowed). */
int sl_kafka_err_permanent(rd_kafka_resp_err_t err);

#endif
