/*
 * immark.c - the immark input plugin: a "-- MARK --" message every `interval` seconds, as
 * rsyslog 8.2302's immark (openSUSE's default rsyslog.conf loads it with
 * $MarkMessagePeriod 3600).
 *
 * Like rsyslog's immark it has no input() statement: loading the module starts it
 * (SL_PF_MODULE_INSTANCE), and all parameters are module parameters with rsyslog's names
 * and defaults: interval (seconds, 1200; legacy $MarkMessagePeriod), markMessageText
 * ("-- MARK --"), use.syslogCall (on), use.markFlag (on), ruleset.
 *   - use.syslogCall="on": the mark is one of the daemon's own messages (host->log at
 *     syslog.info), so it goes where rsyslog's internal messages go (the system log through
 *     syslog(3), or the main queue with processInternalMessages="on");
 *   - use.syslogCall="off": the plugin builds the message itself as rsyslog's
 *     injectMarkMessage does: raw = MSG = the text, PRI syslog.info (46), TAG "rsyslogd:"
 *     (rsyslog's literal), HOSTNAME the local host, input name "immark".
 * interval="0" is an error in rsyslog ("can not run"): logged, and the input idles.
 * What sluice does not act on is said at start: ruleset= (marks go to the default ruleset).
 * use.markFlag is accepted: the core has no per-message mark flag, so every action writes
 * every mark, which is what rsyslog does with its default $ActionWriteAllMarkMessages on
 * (the core warns about "off").
 *
 * Hand-written: a timer loop is all there is; no library does this.
 *
 * Counters (owner "immark", instance "marks"): submitted.
 *
 * Ownership: the instance block belongs to the core; the eventfd is the instance's and is
 * closed by destroy().
 * Concurrency & locking: create/open/destroy on the main thread, run() on the input thread;
 * stop() only sets an atomic flag and writes the eventfd.
 */
#include "config.h"

#include <errno.h>
#include <poll.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#include "sluice/sl_plugin.h"

#define DEFAULT_TEXT "-- MARK --"
#define MARK_PRI (5 * 8 + 6) /* syslog.info */

struct immark_mod {
    int64_t interval;
    char *text;
    int use_syslogcall;
    int use_markflag;
    char *ruleset;
};

struct immark_inst {
    const struct sl_host *h;
    struct sl_input_ctx *ctx;
    const struct immark_mod *m;
    const char *text;
    int can_run;
    int stopfd;
    atomic_int stopping;
    _Atomic uint64_t *c_submitted;
};

#define MOFF(f) offsetof(struct immark_mod, f)

static const struct sl_param mod_params[] = {
    { "interval", SL_PT_INT, 0, MOFF(interval), "1200", NULL, "$MarkMessagePeriod",
      "seconds between two marks" },
    { "markMessageText", SL_PT_STRING, 0, MOFF(text), DEFAULT_TEXT, NULL, NULL, NULL },
    { "use.syslogCall", SL_PT_BOOL, 0, MOFF(use_syslogcall), "on", NULL, NULL, NULL },
    { "use.markFlag", SL_PT_BOOL, 0, MOFF(use_markflag), "on", NULL, NULL, NULL },
    { "ruleset", SL_PT_STRING, 0, MOFF(ruleset), NULL, NULL, NULL, NULL },
    SL_PARAM_END
};

static const struct sl_param inst_params[] = {
    SL_PARAM_END
};

static int immark_create(void *inst, void *modconf, const struct sl_host *h,
                         struct sl_input_ctx *ctx)
{
    static const struct immark_mod dflt = {
        .interval = 1200, .text = NULL, .use_syslogcall = 1, .use_markflag = 1
    };
    struct immark_inst *in = inst;
    in->h = h;
    in->ctx = ctx;
    in->m = modconf != NULL ? modconf : &dflt;
    in->stopfd = -1;
    in->text = in->m->text != NULL ? in->m->text : DEFAULT_TEXT;
    in->can_run = 1;
    if (in->m->interval <= 0) {
        h->log(SL_LOG_ERR, "immark", "immark: mark message period must not be %s, can not run",
               in->m->interval == 0 ? "0" : "negative");
        in->can_run = 0;
    }
    if (in->m->ruleset != NULL) {
        if (in->m->use_syslogcall) {
            /* rsyslog says this too, and then injects the marks itself */
            h->log(SL_LOG_ERR, "immark", "immark: ruleset specified, but configured to log "
                   "via syslog call - switching to rsyslog-internal logging");
        }
        h->log(SL_LOG_WARNING, "immark", "immark: parameter 'ruleset' is not acted on: "
               "marks go to the default ruleset");
    }
    in->c_submitted = h->counter("immark", "marks", "submitted");
    return 0;
}

static int immark_open(void *inst)
{
    struct immark_inst *in = inst;
    in->stopfd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    if (in->stopfd < 0) {
        in->h->log(SL_LOG_ERR, "immark", "immark: eventfd: %s", strerror(errno));
        return SL_EIO;
    }
    return 0;
}

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void inject(struct immark_inst *in)
{
    const struct sl_host *h = in->h;
    /* a ruleset (or syslogcall off) means rsyslog injects the message itself */
    if (in->m->use_syslogcall && in->m->ruleset == NULL) {
        h->log(SL_LOG_INFO, NULL, "%s", in->text);
        atomic_fetch_add(in->c_submitted, 1);
        return;
    }
    size_t len = strlen(in->text);
    struct sl_msg *m = h->msg_new(in->ctx, in->text, len, NULL, 0);
    if (h->struct_size >= offsetof(struct sl_host, msg_set_fields) + sizeof h->msg_set_fields &&
        h->msg_set_fields != NULL) {
        struct sl_msg_fields f = {
            .set = SL_MF_PRI | SL_MF_TAG | SL_MF_MSG,
            .pri = MARK_PRI,
            .tag = "rsyslogd:", .tag_len = sizeof "rsyslogd:" - 1,
            .msg = in->text, .msg_len = len,
        };
        if (h->msg_set_fields(m, &f) != 0) {
            h->msg_unref(m);
            return;
        }
    }
    if (h->submit(in->ctx, &m, 1, 0) == 1) {
        atomic_fetch_add(in->c_submitted, 1);
    }
}

static int immark_run(void *inst)
{
    struct immark_inst *in = inst;
    int64_t next = now_ms() + in->m->interval * 1000;
    while (!atomic_load(&in->stopping)) {
        int64_t wait = in->can_run ? next - now_ms() : 1000;
        if (wait > 1000) {
            wait = 1000;
        }
        if (wait > 0) {
            struct pollfd pfd = { .fd = in->stopfd, .events = POLLIN };
            int n = poll(&pfd, 1, (int)wait);
            if (n < 0 && errno != EINTR) {
                in->h->log(SL_LOG_ERR, "immark", "immark: poll failed: %s", strerror(errno));
                return SL_EIO;
            }
            continue;
        }
        if (atomic_load(&in->stopping)) {
            break;
        }
        inject(in);
        next += in->m->interval * 1000;
        if (next < now_ms()) {
            next = now_ms() + in->m->interval * 1000;
        }
    }
    return 0;
}

static void immark_stop(void *inst)
{
    struct immark_inst *in = inst;
    atomic_store(&in->stopping, 1);
    if (in->stopfd >= 0) {
        uint64_t one = 1;
        ssize_t w = write(in->stopfd, &one, sizeof one);
        (void)w;
    }
}

static void immark_destroy(void *inst)
{
    struct immark_inst *in = inst;
    if (in->stopfd >= 0) {
        close(in->stopfd);
        in->stopfd = -1;
    }
}

static const struct sl_input_ops immark_ops = {
    .create = immark_create,
    .open = immark_open,
    .run = immark_run,
    .stop = immark_stop,
    .destroy = immark_destroy,
};

SL_PLUGIN_DEFINE(immark) = {
    SL_PLUGIN_HEADER(immark),
    .kinds = SL_INPUT,
    .flags = SL_PF_MODULE_INSTANCE,
    .module_params = mod_params,
    .inst_params = inst_params,
    .mod_size = sizeof(struct immark_mod),
    .inst_size = sizeof(struct immark_inst),
    .wrk_size = 0,
    .in = &immark_ops,
};
