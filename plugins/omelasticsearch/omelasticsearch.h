/*
 * omelasticsearch.h - the request framing of omelasticsearch (omelasticsearch.c), exposed
 * for its unit test (tests/plugins/test_omelasticsearch.c): pure functions that append to
 * a host buffer, no state, callable from any thread on the caller's own buffers.
 */
#ifndef SLUICE_OMELASTICSEARCH_H
#define SLUICE_OMELASTICSEARCH_H

#include <stddef.h>

#include "sluice/sl_plugin.h"

/* The per-message values of a request (NULL: not set). */
struct omes_fields {
    const char *index;
    const char *type;
    const char *parent;
    const char *bulkid;
    const char *pipeline;
};

/* The bulk action line of one message, LF included, appended to out: rsyslog's buildBatch
 * (writeoperation index or create). 0 or SL_ENOMEM. */
int omes_bulk_meta(const struct sl_host *h, struct sl_buf *out, int create,
                   int skip_empty_pipeline, const struct omes_fields *f);
/* rsyslog's computeMessageSize: its estimate of what the message adds to a bulk body. */
size_t omes_msg_size(int create, int skip_empty_pipeline, const struct omes_fields *f,
                     size_t msglen);
/* The POST URL appended to out: base + "_bulk" (bulk) or index/type, then ?pipeline=,
 * timeout=, parent= as rsyslog's setPostURL. */
int omes_post_url(const struct sl_host *h, struct sl_buf *out, const char *base, int bulk,
                  int skip_empty_pipeline, const char *timeout, const struct omes_fields *f);

#endif
