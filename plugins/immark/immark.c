/*
 * immark.c - the immark input plugin: a "-- MARK --" message every interval seconds, as
 * rsyslog 8.2302's immark.
 *
 * As in rsyslog there is no input() statement: loading the module starts the marks
 * (SL_PF_MODULE_INSTANCE).  Module parameters, with rsyslog's names and defaults:
 * interval (seconds, default 1200; legacy $MarkMessagePeriod, which rsyslog reads only
 * before the module is loaded with parameters - here it is the same parameter), markMessageText
 * (default "-- MARK --"), ruleset (the core binds it; an undefined one is reported and the
 * default ruleset used), use.syslogCall (default on) and use.markFlag (default on).
 * interval 0 (or negative) is an error, and the input does not run, as rsyslog's
 * "mark message period must not be 0, can not run".
 *
 * The message is what rsyslog makes in both of its ways (its internal-message path with
 * use.syslogCall on - which, with 8.2302's default processInternalMessages="off", goes out
 * through syslog(3) to the system logger and comes back with the same fields -, and
 * injectMarkMessage otherwise, which in 8.2302 writes nothing, tested): raw = MSG = the text, facility syslog,
 * severity info (pri 46), tag "rsyslogd:" (rsyslog's: the mark lines of a configuration
 * moved from rsyslog stay byte-identical), HOSTNAME and fromhost the local host name,
 * fromhost-ip 127.0.0.1, the time of the tick.  Difference: the inputname is "immark" in
 * both ways (rsyslog's internal path says "rsyslogd").  With use.markFlag (on) and
 * use.syslogCall="off" the marks carry rsyslog's MARK flag (ABI 1.7 msg_set_mark), which
 * actions with action.writeAllMarkMessages="off" honour; through syslog(3) rsyslog's marks
 * lose it, so with use.syslogCall on they are ordinary messages in both.
 *
 * The first mark comes one interval after the start, then one every interval (rsyslog
 * sleeps the interval between marks; so does this thread, on an eventfd that stop()
 * signals).
 *
 * Counters (owner "immark"): submitted.
 *
 * Ownership: the instance block belongs to the core; the eventfd is the instance's.
 *
 * Concurrency & locking: create/open/destroy on the main thread, run() on the input
 * thread; stop() only sets an atomic flag and writes the eventfd.
 */
#include "config.h"

#include <errno.h>
#include <poll.h>
#include <stdatomic.h>
#include <stdint.h>
#include <string.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#include "sluice/sl_plugin.h"
#include "../common/sl_stop.h"

#define WHO "immark"

struct immark_mod {
    int64_t interval;
    char *text;
    char *ruleset;          /* read by the core (module-instance inputs honour ruleset=) */
    int use_syslogcall;
    int use_markflag;
};

struct immark_inst {
    const struct sl_host *h;
    struct sl_input_ctx *ctx;
    const struct immark_mod *m;
    const char *text;
    int disabled;
    int stopfd;
    atomic_int stopping;
    _Atomic uint64_t *c_submitted;
};

#define MOFF(f) offsetof(struct immark_mod, f)

static const struct sl_param mod_params[] = {
    { "interval", SL_PT_INT, 0, MOFF(interval), "1200", NULL, "$MarkMessagePeriod",
      "seconds between mark messages" },
    { "markMessageText", SL_PT_STRING, 0, MOFF(text), "-- MARK --", NULL, NULL,
      "the text of the mark messages" },
    { "ruleset", SL_PT_STRING, 0, MOFF(ruleset), NULL, NULL, NULL,
      "ruleset of the mark messages (default ruleset)" },
    { "use.syslogCall", SL_PT_BOOL, 0, MOFF(use_syslogcall), "on", NULL, NULL,
      "rsyslog: log through its internal-message path; same message here" },
    { "use.markFlag", SL_PT_BOOL, 0, MOFF(use_markflag), "on", NULL, NULL,
      "flag the marks as such (with use.syslogCall=\"off\"), for action.writeAllMarkMessages" },
    SL_PARAM_END
};

static const struct sl_param inst_params[] = {
    SL_PARAM_END
};

static int immark_create(void *inst, void *modconf, const struct sl_host *h,
                         struct sl_input_ctx *ctx)
{
    static const struct immark_mod dflt = { .interval = 1200, .use_syslogcall = 1,
                                            .use_markflag = 1 };
    struct immark_inst *in = inst;
    in->h = h;
    in->ctx = ctx;
    in->m = modconf != NULL ? modconf : &dflt;
    in->stopfd = -1;
    in->text = in->m->text != NULL ? in->m->text : "-- MARK --";
    if (h->struct_size < offsetof(struct sl_host, msg_set_fields) + sizeof h->msg_set_fields ||
        h->msg_set_fields == NULL) {
        h->log(SL_LOG_ERR, WHO, "immark: the core is too old (needs ABI 1.4)");
        return SL_ECONFIG;
    }
    if (in->m->interval <= 0) {
        h->log(SL_LOG_ERR, WHO, "immark: mark message period must not be 0, can not run");
        in->disabled = 1;
    }
    if (in->m->ruleset != NULL && in->m->use_syslogcall) {
        h->log(SL_LOG_ERR, WHO, "immark: ruleset specified, but configured to log via "
               "syslog call - switching to rsyslog-internal logging");
    }
    in->c_submitted = h->counter("immark", "immark", "submitted");
    return 0;
}

static int immark_open(void *inst)
{
    struct immark_inst *in = inst;
    in->stopfd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (in->stopfd < 0) {
        in->h->log(SL_LOG_ERR, WHO, "immark: cannot set up: %s", strerror(errno));
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

static int inject(struct immark_inst *in)
{
    const struct sl_host *h = in->h;
    struct sl_msg *msg = h->msg_new(in->ctx, in->text, strlen(in->text), NULL, 0);
    struct sl_msg_fields f;
    memset(&f, 0, sizeof f);
    f.set = SL_MF_PRI | SL_MF_TAG;   /* MSG: the raw text; HOSTNAME: the local host */
    f.pri = 5 * 8 + 6;               /* syslog.info */
    f.tag = "rsyslogd:";
    f.tag_len = 9;
    if (h->msg_set_fields(msg, &f) != 0) {
        h->msg_unref(msg);
        return 0;
    }
    if (in->m->use_markflag && !in->m->use_syslogcall &&
        h->struct_size >= offsetof(struct sl_host, msg_set_mark) + sizeof h->msg_set_mark &&
        h->msg_set_mark != NULL) {
        /* rsyslog's MARK flag (ABI 1.7): only the marks the module builds itself carry it */
        h->msg_set_mark(msg, in->m->interval);
    }
    int rc = h->submit(in->ctx, &msg, 1, 0);
    if (rc < 0) {
        return rc;
    }
    atomic_fetch_add(in->c_submitted, (uint64_t)rc);
    return 0;
}

static int immark_run(void *inst)
{
    struct immark_inst *in = inst;
    int64_t next = now_ms() + in->m->interval * 1000;
    while (!atomic_load(&in->stopping)) {
        int64_t wait = in->disabled ? 1000 : next - now_ms();
        if (wait > 0) {
            struct pollfd p = { .fd = in->stopfd, .events = POLLIN };
            (void)poll(&p, 1, wait > 1000 ? 1000 : (int)wait);
            continue;
        }
        if (inject(in) < 0) {
            break;
        }
        next += in->m->interval * 1000;
        if (next < now_ms()) {
            next = now_ms() + in->m->interval * 1000;   /* the clock jumped or we were held up */
        }
    }
    return 0;
}

static void immark_stop(void *inst)
{
    struct immark_inst *in = inst;
    sl_stop_wake(&in->stopping, in->stopfd);
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
