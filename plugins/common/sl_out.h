/*
 * sl_out.h - small helpers shared by the output plugins that render a batch with one
 * template (omfile, ompipe, omprog): the action's template as rsyslog picks it, and a batch
 * rendered record by record into one buffer with each record's end offset.  Header-only
 * (static inline, like sl_pm.h); not part of the plugin ABI.
 *
 * Ownership: the rendered buffer and the offsets belong to the caller's worker block
 * (freed with sl_out_render_free()).  Concurrency & locking: no shared state; each worker
 * renders into its own buffers, without a lock.
 */
#ifndef SLUICE_PLUGINS_SL_OUT_H
#define SLUICE_PLUGINS_SL_OUT_H

#include <stddef.h>
#include <stdlib.h>

#include "sluice/sl_plugin.h"

/* The template of an action: its own (own), else the module's default (dflt, may be NULL),
 * else RSYSLOG_FileFormat; NULL (logged as who) if even that is missing. */
static inline const struct sl_template *sl_out_template(const struct sl_host *h,
                                                        const struct sl_template *own,
                                                        const struct sl_template *dflt,
                                                        const char *who)
{
    const struct sl_template *t = own != NULL ? own : dflt;
    if (t == NULL) {
        t = h->template_find("RSYSLOG_FileFormat");
    }
    if (t == NULL) {
        h->log(SL_LOG_ERR, who, "%s: template RSYSLOG_FileFormat not found", who);
    }
    return t;
}

/* A batch rendered into one buffer: record i is data.p[ends[i-1] (0 for i = 0), ends[i]). */
struct sl_out_rendered {
    struct sl_buf data;
    size_t *ends;
    size_t ends_cap;
};

/* Render every message of b with tpl into r (its previous content is dropped).  SL_OK, or
 * SL_RETRY when memory ran out. */
static inline int sl_out_render(const struct sl_host *h, const struct sl_template *tpl,
                                const struct sl_batch *b, struct sl_out_rendered *r)
{
    if (r->ends_cap < b->n) {
        size_t *ne = realloc(r->ends, b->n * sizeof *ne);
        if (ne == NULL) {
            return SL_RETRY;
        }
        r->ends = ne;
        r->ends_cap = b->n;
    }
    r->data.len = 0;
    for (size_t i = 0; i < b->n; i++) {
        if (h->render(tpl, b->msgs[i], &r->data) != 0) {
            return SL_RETRY;
        }
        r->ends[i] = r->data.len;
    }
    return SL_OK;
}

static inline void sl_out_render_free(const struct sl_host *h, struct sl_out_rendered *r)
{
    h->buf_free(&r->data);
    free(r->ends);
    r->ends = NULL;
    r->ends_cap = 0;
}

#endif
