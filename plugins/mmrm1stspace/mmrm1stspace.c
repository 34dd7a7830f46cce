/*
 * mmrm1stspace.c - the mmrm1stspace modifier: removes one space at the start of MSG, as
 * rsyslog 8.2302's mmrm1stspace does (RFC 3164 senders that put two spaces after the tag
 * leave MSG starting with one).  Only the first byte is looked at; a MSG without a leading
 * space is left alone.
 *
 * rsyslog shifts MSG inside the raw message buffer and leaves the raw message's length as
 * it was, so its %rawmsg% ends in a NUL byte afterwards.  sluice does not copy that: the
 * host's msg_set_msg makes rawmsg the bytes before MSG followed by the new MSG (as for
 * mmutf8fix), which is what rsyslog's rawmsg shows up to that NUL.  (tests/diff case
 * mm-rm1stspace compares MSG only; see DIVERGENCES.md.)
 *
 * Ownership and lifetime
 *   - The instance owns its property handle; each worker owns its text buffer.
 *
 * Concurrency & locking
 *   - The instance is read-only after create(); process() touches only its worker block.
 */

#include <stddef.h>
#include <string.h>

#include "sluice/sl_plugin.h"

struct rm1_inst {
    const struct sl_host *h;
    void *prop;        /* "msg" */
};

struct rm1_wrk {
    struct sl_buf text;
};

static const struct sl_param inst_params[] = {
    SL_PARAM_END
};

static int rm1_create(void *inst, void *modconf, const struct sl_host *h)
{
    struct rm1_inst *in = inst;
    (void)modconf;
    in->h = h;
    if (h->struct_size < offsetof(struct sl_host, msg_set_msg) + sizeof(void *) ||
        h->msg_set_msg == NULL) {
        h->log(SL_LOG_ERR, "mmrm1stspace", "this sluiced cannot change MSG (no msg_set_msg)");
        return SL_ECONFIG;
    }
    if (h->prop_ref("msg", &in->prop) != 0) {
        h->log(SL_LOG_ERR, "mmrm1stspace", "cannot resolve property msg");
        return SL_ECONFIG;
    }
    return 0;
}

static void rm1_destroy(void *inst)
{
    struct rm1_inst *in = inst;
    if (in->prop != NULL) {
        in->h->prop_unref(in->prop);
        in->prop = NULL;
    }
}

static int rm1_worker_create(void *inst, void *wrk)
{
    (void)inst;
    (void)wrk;
    return 0;
}

static void rm1_worker_destroy(void *inst, void *wrk)
{
    struct rm1_inst *in = inst;
    struct rm1_wrk *w = wrk;
    in->h->buf_free(&w->text);
}

static int rm1_process(void *inst, void *wrk, struct sl_msg *m)
{
    struct rm1_inst *in = inst;
    struct rm1_wrk *w = wrk;
    w->text.len = 0;
    if (in->h->msg_prop(m, in->prop, &w->text) != 0 || w->text.len == 0 ||
        w->text.p[0] != ' ') {
        return SL_OK;
    }
    (void)in->h->msg_set_msg(m, w->text.p + 1, w->text.len - 1);
    return SL_OK;
}

static const struct sl_modifier_ops rm1_ops = {
    .create = rm1_create,
    .destroy = rm1_destroy,
    .worker_create = rm1_worker_create,
    .worker_destroy = rm1_worker_destroy,
    .process = rm1_process,
};

SL_PLUGIN_DEFINE(mmrm1stspace) = {
    SL_PLUGIN_HEADER(mmrm1stspace),
    .kinds = SL_MODIFIER,
    .inst_params = inst_params,
    .inst_size = sizeof(struct rm1_inst),
    .wrk_size = sizeof(struct rm1_wrk),
    .mod = &rm1_ops,
};
