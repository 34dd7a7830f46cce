/*
 * ompipe.c - the ompipe output plugin (built into sluiced, as in rsyslog): writes rendered
 * messages to an existing named pipe.  Legacy form "|/path/to/fifo[;template]", v6 form
 * action(type="ompipe" pipe="/path" template="..." tryResumeReopen="on|off").
 *
 * Behaviour as rsyslog 8.2302's ompipe:
 *   - the pipe is opened with O_RDWR|O_NONBLOCK at creation (a missing pipe is reported,
 *     "Could not open output pipe", and the open is retried at every delivery).  Holding it
 *     read-write means a write never fails for want of a reader: records go into the pipe
 *     buffer until it is full;
 *   - a full pipe (EAGAIN) or a pipe that cannot be opened: the records the pipe does not
 *     take are discarded (counted as failed, reported once per episode), as rsyslog does
 *     with its default action.resumeRetryCount 0 - the pipeline never waits for a reader
 *     (with tryResumeReopen the pipe is also closed and reopened at the next record); any
 *     other write error closes the pipe (reopened at the next record);
 *   - a record is written up to its first NUL, as rsyslog writes the rendered C string;
 *   - the default template is $ActionFileDefaultTemplate if set, else RSYSLOG_FileFormat;
 *   - HUP closes the pipe; it is reopened at the next record.
 * A record longer than PIPE_BUF may be split by the kernel; its remainder is written after
 * waiting (at most 1 s) for room, then given up, so a stuck reader cannot hold a worker.
 *
 * Ownership: parameter strings and template handles belong to the core; the instance owns
 * its descriptor, each worker its render buffer.
 * Concurrency & locking: several workers may deliver() to one instance and hup() may run
 * at the same time; the descriptor and all writes are guarded by inst->lock, so the records
 * of two batches never interleave.
 */

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sluice/sl_plugin.h"
#include "../common/sl_out.h"

struct ompipe_mod {
    const struct sl_template *tpl;
};

struct ompipe_inst {
    char *pipe;
    const struct sl_template *tpl;
    int try_resume_reopen;
    /* runtime */
    const struct sl_host *h;
    const struct sl_template *tpl_eff;
    pthread_mutex_t lock;
    int lock_init;
    int fd;                  /* -1: not open */
    int dropping;            /* the last write failed (reported once) */
};

struct ompipe_wrk {
    struct sl_out_rendered r;    /* the batch, rendered */
};

static const struct sl_param ompipe_mod_params[] = {
    { "template", SL_PT_TEMPLATE, 0, offsetof(struct ompipe_mod, tpl), NULL, NULL, NULL,
      "default template of ompipe actions" },
    SL_PARAM_END
};

#define OI(f) offsetof(struct ompipe_inst, f)
static const struct sl_param ompipe_inst_params[] = {
    { "pipe", SL_PT_STRING, SL_P_REQUIRED, OI(pipe), NULL, NULL, NULL, "the named pipe" },
    { "template", SL_PT_TEMPLATE, 0, OI(tpl), NULL, NULL, NULL, "record template" },
    { "tryResumeReopen", SL_PT_BOOL, 0, OI(try_resume_reopen), "off", NULL, NULL,
      "close and reopen the pipe when the action resumes" },
    SL_PARAM_END
};

/* With inst->lock held (or before any worker runs). */
static int pipe_open(struct ompipe_inst *in)
{
    if (in->fd < 0) {
        in->fd = open(in->pipe, O_RDWR | O_NONBLOCK | O_CLOEXEC);
    }
    return in->fd;
}

static void pipe_close(struct ompipe_inst *in)
{
    if (in->fd >= 0) {
        close(in->fd);
        in->fd = -1;
    }
}

static int ompipe_create(void *inst, void *modconf, const struct sl_host *h)
{
    struct ompipe_inst *in = inst;
    const struct ompipe_mod *mod = modconf;

    in->h = h;
    in->fd = -1;
    if (in->pipe == NULL || in->pipe[0] == '\0') {
        h->log(SL_LOG_ERR, "ompipe", "ompipe: parameter \"pipe\" must not be empty");
        return SL_ECONFIG;
    }
    in->tpl_eff = sl_out_template(h, in->tpl, mod != NULL ? mod->tpl : NULL, "ompipe");
    if (in->tpl_eff == NULL) {
        return SL_ECONFIG;
    }
    if (pthread_mutex_init(&in->lock, NULL) != 0) {
        return SL_ENOMEM;
    }
    in->lock_init = 1;
    if (pipe_open(in) < 0) {
        /* a warning here: rsyslog opens the pipe at the first record and reports it then
         * (an error at delivery below), so its -N1 passes a config with a missing pipe */
        h->log(SL_LOG_WARNING, "ompipe", "Could not open output pipe '%s': %s", in->pipe,
               strerror(errno));
    }
    return 0;
}

static void ompipe_destroy(void *inst)
{
    struct ompipe_inst *in = inst;
    pipe_close(in);
    if (in->lock_init) {
        pthread_mutex_destroy(&in->lock);
        in->lock_init = 0;
    }
}

static int ompipe_worker_create(void *inst, void *wrk)
{
    (void)inst;
    memset(wrk, 0, sizeof(struct ompipe_wrk));
    return 0;
}

static void ompipe_worker_destroy(void *inst, void *wrk)
{
    struct ompipe_inst *in = inst;
    struct ompipe_wrk *w = wrk;
    sl_out_render_free(in->h, &w->r);
}

/* The rest of a record the kernel split: wait for room (bounded), then give up. */
static void write_rest(int fd, const char *p, size_t len)
{
    int waits = 0;
    while (len > 0) {
        ssize_t r = write(fd, p, len);
        if (r > 0) {
            p += r;
            len -= (size_t)r;
            continue;
        }
        if (r < 0 && errno == EINTR) {
            continue;
        }
        if (r < 0 && errno == EAGAIN && waits < 10) {
            struct pollfd pf = { fd, POLLOUT, 0 };
            (void)poll(&pf, 1, 100);
            waits++;
            continue;
        }
        return;
    }
}

static int ompipe_deliver(void *inst, void *wrk, const struct sl_batch *b, struct sl_verdict *v)
{
    struct ompipe_inst *in = inst;
    struct ompipe_wrk *w = wrk;
    const struct sl_host *h = in->h;
    size_t i;

    if (b->n == 0) {
        return SL_OK;
    }
    if (sl_out_render(h, in->tpl_eff, b, &w->r) != SL_OK) {
        return SL_RETRY;
    }

    int failed = 0;
    size_t done = 0;
    pthread_mutex_lock(&in->lock);
    if (pipe_open(in) < 0) {
        failed = errno;
    }
    for (i = 0; !failed && i < b->n; i++) {
        size_t start = i == 0 ? 0 : w->r.ends[i - 1];
        const char *rec = w->r.data.p + start;
        size_t len = w->r.ends[i] - start;
        const char *nul = memchr(rec, '\0', len);
        if (nul != NULL) {
            len = (size_t)(nul - rec);
        }
        if (len == 0) {
            done++;
            continue;
        }
        ssize_t r;
        do {
            r = write(in->fd, rec, len);
        } while (r < 0 && errno == EINTR);
        if (r < 0) {
            failed = errno;
            if (failed != EAGAIN || in->try_resume_reopen) {
                pipe_close(in);
            }
            break;
        }
        if ((size_t)r < len) {
            write_rest(in->fd, rec + r, len - (size_t)r);
        }
        done++;
    }
    if (failed && !in->dropping) {
        h->log(SL_LOG_ERR, "ompipe", "%s: %s: records are discarded until the pipe takes "
               "them again", in->pipe, failed == EAGAIN ? "pipe full" : strerror(failed));
        in->dropping = 1;
    } else if (!failed && in->dropping) {
        h->log(SL_LOG_INFO, "ompipe", "%s: writing again", in->pipe);
        in->dropping = 0;
    }
    pthread_mutex_unlock(&in->lock);
    if (!failed) {
        return SL_OK;
    }
    /* as rsyslog with its default action.resumeRetryCount (0): what the pipe does not take
     * now is discarded (counted as failed), the pipeline never waits for a reader */
    if (v == NULL || v->bad == NULL) {
        return SL_SUSPEND;
    }
    for (i = done; i < b->n; i++) {
        v->bad[i] = 1;
    }
    return SL_BAD_DATA;
}

static void ompipe_hup(void *inst)
{
    struct ompipe_inst *in = inst;
    pthread_mutex_lock(&in->lock);
    pipe_close(in);
    pthread_mutex_unlock(&in->lock);
}

static const struct sl_output_ops ompipe_ops = {
    .create = ompipe_create,
    .destroy = ompipe_destroy,
    .worker_create = ompipe_worker_create,
    .worker_destroy = ompipe_worker_destroy,
    .deliver = ompipe_deliver,
    .hup = ompipe_hup,
};

SL_PLUGIN_DEFINE(ompipe) = {
    SL_PLUGIN_HEADER(ompipe),
    .kinds = SL_OUTPUT,
    .flags = SL_PF_REPEAT_REDUCTION,
    .module_params = ompipe_mod_params,
    .inst_params = ompipe_inst_params,
    .mod_size = sizeof(struct ompipe_mod),
    .inst_size = sizeof(struct ompipe_inst),
    .wrk_size = sizeof(struct ompipe_wrk),
    .mod_init = NULL,
    .mod_fini = NULL,
    .in = NULL,
    .out = &ompipe_ops,
    .default_template = "RSYSLOG_FileFormat",
};
