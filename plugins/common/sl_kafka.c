/*
 * sl_kafka.c - shared librdkafka glue of omkafka and imkafka (see sl_kafka.h): rsyslog's
 * "name=value" parameter arrays into librdkafka configuration, so that an unknown or
 * malformed property is reported at config check (create() runs at -N1 and the core adds
 * FILE:LINE) with librdkafka's own error text; the broker list; log routing; the
 * permanent/retriable split of delivery errors.
 *
 * Ownership: nothing is kept; the caller owns every object passed in.
 * Concurrency: reentrant.  sl_kafka_log_cb is called on librdkafka's internal threads and
 * only uses host->log, which is thread-safe.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "sl_kafka.h"

static int looks_secret(const char *name)
{
    return strstr(name, "password") != NULL || strstr(name, "secret") != NULL ||
           strstr(name, ".key") != NULL || strstr(name, "jaas") != NULL ||
           strstr(name, "token") != NULL;
}

int sl_kafka_set(const struct sl_host *h, const char *who, rd_kafka_conf_t *conf,
                 const char *name, const char *value)
{
    char err[512];
    if (rd_kafka_conf_set(conf, name, value, err, sizeof err) != RD_KAFKA_CONF_OK) {
        h->log(SL_LOG_ERR, who, "librdkafka property \"%s\": %s", name, err);
        return SL_ECONFIG;
    }
    return 0;
}

int sl_kafka_apply(const struct sl_host *h, const char *who, const char *param,
                   const struct sl_strarr *kv, rd_kafka_conf_t *conf,
                   rd_kafka_topic_conf_t *tconf)
{
    int errs = 0;
    for (size_t i = 0; kv != NULL && i < kv->n; i++) {
        const char *s = kv->v[i];
        const char *eq = strchr(s, '=');
        if (eq == NULL || eq == s) {
            h->log(SL_LOG_ERR, who, "%s \"%s\": missing equal sign (expected name=value)",
                   param, looks_secret(s) ? "(value hidden)" : s);
            errs++;
            continue;
        }
        char name[256];
        size_t nl = (size_t)(eq - s);
        if (nl >= sizeof name) {
            h->log(SL_LOG_ERR, who, "%s: property name too long", param);
            errs++;
            continue;
        }
        memcpy(name, s, nl);
        name[nl] = '\0';
        char err[512];
        rd_kafka_conf_res_t r = conf != NULL
                                    ? rd_kafka_conf_set(conf, name, eq + 1, err, sizeof err)
                                    : rd_kafka_topic_conf_set(tconf, name, eq + 1, err,
                                                              sizeof err);
        if (r != RD_KAFKA_CONF_OK) {
            if (looks_secret(name)) {
                h->log(SL_LOG_ERR, who, "%s \"%s=...\": invalid value (hidden)", param, name);
            } else {
                h->log(SL_LOG_ERR, who, "%s \"%s\": %s", param, s, err);
            }
            errs++;
        }
    }
    return errs ? SL_ECONFIG : 0;
}

int sl_kafka_has(const struct sl_strarr *kv, const char *name)
{
    size_t nl = strlen(name);
    for (size_t i = 0; kv != NULL && i < kv->n; i++) {
        if (strncmp(kv->v[i], name, nl) == 0 && kv->v[i][nl] == '=') {
            return 1;
        }
    }
    return 0;
}

char *sl_kafka_brokers(const struct sl_strarr *b)
{
    size_t len = 1;
    for (size_t i = 0; b != NULL && i < b->n; i++) {
        len += strlen(b->v[i]) + 1;
    }
    if (b == NULL || b->n == 0) {
        return strdup("localhost:9092");
    }
    char *s = malloc(len);
    if (s == NULL) {
        return NULL;
    }
    s[0] = '\0';
    for (size_t i = 0; i < b->n; i++) {
        if (i > 0) {
            strcat(s, ",");
        }
        strcat(s, b->v[i]);
    }
    return s;
}

int sl_kafka_set_brokers(const struct sl_host *h, const char *who, rd_kafka_conf_t *conf,
                         const struct sl_strarr *brokers)
{
    char *s = sl_kafka_brokers(brokers);
    if (s == NULL) {
        return SL_ENOMEM;
    }
    if (brokers->n == 0) {
        h->log(SL_LOG_INFO, who, "\"broker\" parameter not specified using default of "
               "localhost:9092 -- this may not be what you want!");
    }
    int rc = sl_kafka_set(h, who, conf, "bootstrap.servers", s);
    free(s);
    return rc;
}

static void sl_kafka_log_cb(const rd_kafka_t *rk, int level, const char *fac, const char *buf)
{
    const struct sl_kafka_logctx *ctx = rd_kafka_opaque(rk);
    if (ctx == NULL || ctx->h == NULL) {
        return;
    }
    int sev = level <= 3 ? SL_LOG_ERR : level == 4 ? SL_LOG_WARNING
                                                   : level <= 6 ? SL_LOG_INFO : SL_LOG_DEBUG;
    ctx->h->log(sev, ctx->who, "librdkafka %s: %s", fac, buf);
}

void sl_kafka_conf_logging(rd_kafka_conf_t *conf, struct sl_kafka_logctx *ctx)
{
    rd_kafka_conf_set_opaque(conf, ctx);
    rd_kafka_conf_set_log_cb(conf, sl_kafka_log_cb);
}

int sl_kafka_err_permanent(rd_kafka_resp_err_t err)
{
    switch (err) {
    case RD_KAFKA_RESP_ERR_MSG_SIZE_TOO_LARGE:
    case RD_KAFKA_RESP_ERR_INVALID_MSG:
    case RD_KAFKA_RESP_ERR__BAD_MSG:
    case RD_KAFKA_RESP_ERR_INVALID_MSG_SIZE:
    case RD_KAFKA_RESP_ERR_RECORD_LIST_TOO_LARGE:
    case RD_KAFKA_RESP_ERR_INVALID_RECORD:
    case RD_KAFKA_RESP_ERR_TOPIC_EXCEPTION:
    case RD_KAFKA_RESP_ERR_TOPIC_AUTHORIZATION_FAILED:
    case RD_KAFKA_RESP_ERR_CLUSTER_AUTHORIZATION_FAILED:
    case RD_KAFKA_RESP_ERR_UNSUPPORTED_FOR_MESSAGE_FORMAT:
    case RD_KAFKA_RESP_ERR__INVALID_ARG:
    case RD_KAFKA_RESP_ERR__UNKNOWN_PARTITION:
        return 1;
    default:
        return 0;
    }
}
