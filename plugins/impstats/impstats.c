/*
 * impstats.c - the impstats input plugin: rsyslog 8.2302's periodic statistics.
 *
 * module(load="impstats" interval="300" facility="5" severity="6" format="legacy|json|cee|
 * json-elasticsearch|prometheus" log.syslog="on" log.file="path" resetCounters="off" ruleset="name")
 * makes one instance (SL_PF_MODULE_INSTANCE).  Every `interval` seconds it reads every counter
 * set of the core through sl_host.stats_foreach (ABI 1.3) and emits one line per set:
 *   legacy             NAME: origin=ORIGIN k=v k=v      (a space after every field, as rsyslog)
 *   json               { "name": "NAME", "origin": "ORIGIN", "k": v }
 *   cee                @cee: { ... }
 *   json-elasticsearch as json, with the dots in counter names turned into '!'
 *   prometheus         one entry per counter in the Prometheus text exposition format, as
 *                      rsyslog releases after 8.2302 emit it:
 *                        # HELP N rsyslog stats: origin="O" object="SET", counter="C"
 *                        # TYPE N counter
 *                        N VALUE
 *                      N is "SET_C_total" when that is a legal classic metric name, else
 *                      "U__" + the name with '_' doubled and every other character outside
 *                      [A-Za-z0-9:] written as _HEX_ (its code point; _xHH_ for a byte that
 *                      is not UTF-8), so that distinct sets never share a name
 * plus rsyslog's "resource-usage" set (getrusage, open files) before the queue sets, and with
 * bracketing="on" a "BEGIN" line first and an "END" line last.
 * log.syslog="on": each line becomes a message through the rules, as rsyslog's impstats
 * makes it: MSG = the line, tag "rsyslogd-pstats:", PRI = facility*8+severity, the local
 * host, both timestamps the time of emission (sl_host.msg_set_fields, ABI 1.4; on an older
 * core msg_set_local with SL_LOCAL_KERNEL, deprecated); the core binds it to the module's
 * ruleset= (default ruleset otherwise).
 * log.file: each line is appended as "<ctime>: line" (rsyslog's file format).
 *
 * Ownership: the instance block belongs to the core; the line buffer and the log file
 * descriptor belong to the instance and are released by destroy().
 *
 * Concurrency & locking: create/destroy on the main thread, run() on the input thread;
 * stop() only sets a flag under the instance's mutex and signals its condition variable.
 */
#include "config.h"

#include <dirent.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/resource.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include "sluice/sl_plugin.h"
#include "impstats.h"
#include "sl_prom.h"

enum { FMT_LEGACY = 0, FMT_JSON, FMT_CEE, FMT_JSON_ES, FMT_PROM };
static const char *const formats[] = { "legacy", "json", "cee", "json-elasticsearch",
                                       "prometheus", NULL };

struct impstats_mod {
    int64_t interval;
    int64_t facility;
    int64_t severity;
    int64_t format;
    int log_syslog;
    char *log_file;
    int reset;
    char *ruleset;          /* read by the core (module-instance inputs honour ruleset=) */
    int bracketing;
    int log_file_overwrite;
};

struct impstats_inst {
    const struct sl_host *h;
    struct sl_input_ctx *ctx;
    struct impstats_mod *m;
    pthread_mutex_t lock;
    pthread_cond_t cv;
    int stopping;
    int inited;
    struct sl_buf lines;        /* this interval's lines, '\0'-separated */
    size_t nlines;
    int queues_seen;            /* resource-usage goes before the first queue set */
    int can_set_fields;         /* ABI 1.4 host: msg_set_fields instead of SL_LOCAL_KERNEL */
};

#define MO(f) offsetof(struct impstats_mod, f)
static const struct sl_param mod_params[] = {
    { "interval", SL_PT_POSINT, 0, MO(interval), "300", NULL, "$PStatInterval", "seconds" },
    { "facility", SL_PT_NONNEG, 0, MO(facility), "5", NULL, "$PStatFacility", NULL },
    { "severity", SL_PT_NONNEG, 0, MO(severity), "6", NULL, "$PStatSeverity", NULL },
    { "format", SL_PT_ENUM, 0, MO(format), "legacy", formats, "$PStatJSON", NULL },
    { "log.syslog", SL_PT_BOOL, 0, MO(log_syslog), "on", NULL, NULL, NULL },
    { "log.file", SL_PT_WORD, 0, MO(log_file), NULL, NULL, NULL, NULL },
    { "resetCounters", SL_PT_BOOL, 0, MO(reset), "off", NULL, NULL, NULL },
    { "ruleset", SL_PT_STRING, 0, MO(ruleset), NULL, NULL, NULL, NULL },
    { "bracketing", SL_PT_BOOL, 0, MO(bracketing), "off", NULL, NULL, NULL },
    { "log.file.overwrite", SL_PT_BOOL, 0, MO(log_file_overwrite), "off", NULL, NULL, NULL },
    SL_PARAM_END
};
static const struct sl_param inst_params[] = { SL_PARAM_END };

static int has_stats(const struct sl_host *h)
{
    return h->struct_size >= offsetof(struct sl_host, stats_foreach) + sizeof h->stats_foreach &&
           h->stats_foreach != NULL;
}

static int impstats_create(void *inst, void *modconf, const struct sl_host *h,
                           struct sl_input_ctx *ctx)
{
    struct impstats_inst *in = inst;
    in->h = h;
    in->ctx = ctx;
    in->m = modconf;
    in->can_set_fields = h->struct_size >= offsetof(struct sl_host, msg_set_fields) +
                                            sizeof h->msg_set_fields &&
                         h->msg_set_fields != NULL;
    if (in->m == NULL || !has_stats(h)) {
        h->log(SL_LOG_ERR, "impstats", "impstats: this sluiced has no statistics interface");
        return SL_ECONFIG;
    }
    if (in->m->facility > 23 || in->m->severity > 7) {
        h->log(SL_LOG_ERR, "impstats", "impstats: facility must be 0..23 and severity 0..7");
        return SL_ECONFIG;
    }
    if (!in->m->log_syslog && in->m->log_file == NULL) {
        h->log(SL_LOG_WARNING, "impstats", "impstats: log.syslog=\"off\" and no log.file: "
                                           "statistics go nowhere");
    }
    pthread_mutex_init(&in->lock, NULL);
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&in->cv, &ca);
    pthread_condattr_destroy(&ca);
    in->inited = 1;
    return 0;
}

/* Append s as a JSON string body (json-c escapes '/' too, as rsyslog's output shows). */
static void put_json_str(const struct sl_host *h, struct sl_buf *b, const char *s)
{
    for (; *s != '\0'; s++) {
        unsigned char c = (unsigned char)*s;
        char tmp[8];
        const char *e = NULL;
        switch (c) {
        case '"': e = "\\\""; break;
        case '\\': e = "\\\\"; break;
        case '/': e = "\\/"; break;
        case '\n': e = "\\n"; break;
        case '\r': e = "\\r"; break;
        case '\t': e = "\\t"; break;
        case '\b': e = "\\b"; break;
        case '\f': e = "\\f"; break;
        default:
            if (c < 0x20) {
                snprintf(tmp, sizeof tmp, "\\u%04x", c);
                e = tmp;
            }
        }
        size_t l = e != NULL ? strlen(e) : 1;
        if (h->buf_reserve(b, l + 1) != 0) {
            return;
        }
        memcpy(b->p + b->len, e != NULL ? e : (const char *)&c, l);
        b->len += l;
    }
}

static void put(const struct sl_host *h, struct sl_buf *b, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void put(const struct sl_host *h, struct sl_buf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char tmp[512];
    int n = vsnprintf(tmp, sizeof tmp, fmt, ap);
    va_end(ap);
    if (n < 0) {
        return;
    }
    size_t l = (size_t)n < sizeof tmp ? (size_t)n : sizeof tmp - 1;
    if (h->buf_reserve(b, l + 1) == 0) {
        memcpy(b->p + b->len, tmp, l);
        b->len += l;
    }
}

/* Prometheus: one entry per counter, each its own line (plugins/common/sl_prom.c). */
static void format_prom(struct impstats_inst *in, const char *set, const char *origin,
                        const struct sl_stat *v, size_t n)
{
    const struct sl_host *h = in->h;
    struct sl_buf *b = &in->lines;
    for (size_t i = 0; i < n; i++) {
        if (sl_prom_counter(h, b, set, origin, v[i].name, v[i].value) != 0) {
            return;
        }
        if (h->buf_reserve(b, 1) == 0) {
            b->p[b->len++] = '\0';
            in->nlines++;
        }
    }
}

/* Format one set as a line into in->lines ('\0'-terminated). */
void sl_impstats_format(struct impstats_inst *in, const char *set, const char *origin,
                        const struct sl_stat *v, size_t n)
{
    const struct sl_host *h = in->h;
    struct sl_buf *b = &in->lines;
    int fmt = (int)in->m->format;
    if (fmt == FMT_PROM) {
        format_prom(in, set, origin, v, n);
        return;
    }
    if (fmt == FMT_LEGACY) {
        put(h, b, "%s: origin=%s ", set, origin);
        for (size_t i = 0; i < n; i++) {
            put(h, b, "%s=%llu ", v[i].name, (unsigned long long)v[i].value);
        }
    } else {
        if (fmt == FMT_CEE) {
            put(h, b, "@cee: ");
        }
        put(h, b, "{ \"name\": \"");
        put_json_str(h, b, set);
        put(h, b, "\", \"origin\": \"");
        put_json_str(h, b, origin);
        put(h, b, "\"");
        for (size_t i = 0; i < n; i++) {
            char key[128];
            snprintf(key, sizeof key, "%s", v[i].name);
            if (fmt == FMT_JSON_ES) {
                for (char *p = key; *p != '\0'; p++) {
                    if (*p == '.') {
                        *p = '!';
                    }
                }
            }
            put(h, b, ", \"");
            put_json_str(h, b, key);
            put(h, b, "\": %llu", (unsigned long long)v[i].value);
        }
        put(h, b, " }");
    }
    if (h->buf_reserve(b, 1) == 0) {
        b->p[b->len++] = '\0';
        in->nlines++;
    }
}

static void resource_usage(struct impstats_inst *in)
{
    struct rusage ru;
    memset(&ru, 0, sizeof ru);
    getrusage(RUSAGE_SELF, &ru);
    uint64_t files = 0;
    DIR *d = opendir("/proc/self/fd");
    if (d != NULL) {
        struct dirent *e;
        while ((e = readdir(d)) != NULL) {
            files += e->d_name[0] != '.';
        }
        closedir(d);
        files = files > 0 ? files - 1 : 0;   /* the directory's own descriptor */
    }
    struct sl_stat st[] = {
        { "utime", (uint64_t)ru.ru_utime.tv_sec * 1000000 + (uint64_t)ru.ru_utime.tv_usec },
        { "stime", (uint64_t)ru.ru_stime.tv_sec * 1000000 + (uint64_t)ru.ru_stime.tv_usec },
        { "maxrss", (uint64_t)ru.ru_maxrss },
        { "minflt", (uint64_t)ru.ru_minflt },
        { "majflt", (uint64_t)ru.ru_majflt },
        { "inblock", (uint64_t)ru.ru_inblock },
        { "oublock", (uint64_t)ru.ru_oublock },
        { "nvcsw", (uint64_t)ru.ru_nvcsw },
        { "nivcsw", (uint64_t)ru.ru_nivcsw },
        { "openfiles", files },
    };
    sl_impstats_format(in, "resource-usage", "impstats", st, sizeof st / sizeof st[0]);
}

static void add_line(struct impstats_inst *in, const char *text)
{
    size_t l = strlen(text) + 1;
    if (in->h->buf_reserve(&in->lines, l) == 0) {
        memcpy(in->lines.p + in->lines.len, text, l);
        in->lines.len += l;
        in->nlines++;
    }
}

static void stats_cb(void *arg, const char *set, const char *origin, const struct sl_stat *v,
                     size_t n)
{
    struct impstats_inst *in = arg;
    if (!in->queues_seen && strcmp(origin, "core.queue") == 0) {
        in->queues_seen = 1;
        resource_usage(in);
    }
    sl_impstats_format(in, set, origin, v, n);
}

/* One interval's output: collect the lines, then write / submit them. */
void sl_impstats_emit(struct impstats_inst *in)
{
    in->lines.len = 0;
    in->nlines = 0;
    in->queues_seen = 0;
    if (in->m->bracketing) {
        add_line(in, "BEGIN");   /* plain text in every format, as rsyslog */
    }
    in->h->stats_foreach(stats_cb, in, in->m->reset);
    if (!in->queues_seen) {
        resource_usage(in);
    }
    if (in->m->bracketing) {
        add_line(in, "END");
    }
    int fd = -1;
    char stamp[64] = "";
    if (in->m->log_file != NULL) {
        fd = open(in->m->log_file, O_WRONLY | O_CREAT | O_CLOEXEC |
                                   (in->m->log_file_overwrite ? O_TRUNC : O_APPEND), 0640);
        if (fd < 0) {
            in->h->log(SL_LOG_ERR, "impstats", "impstats: cannot open %s", in->m->log_file);
        }
        time_t now = time(NULL);
        char ct[32];
        struct tm tm;
        localtime_r(&now, &tm);
        if (asctime_r(&tm, ct) != NULL) {
            ct[strcspn(ct, "\n")] = '\0';
            snprintf(stamp, sizeof stamp, "%s: ", ct);
        }
    }
    const char *p = in->lines.p;
    for (size_t i = 0; i < in->nlines; i++) {
        size_t len = strlen(p);
        if (fd >= 0) {
            struct iovec iov[3] = { { stamp, strlen(stamp) }, { (void *)p, len },
                                    { (void *)"\n", 1 } };
            if (writev(fd, iov, 3) < 0) {
                in->h->log(SL_LOG_ERR, "impstats", "impstats: write to %s failed",
                           in->m->log_file);
            }
        }
        if (in->m->log_syslog && (in->can_set_fields || in->h->msg_set_local != NULL)) {
            struct sl_msg *m = in->h->msg_new(in->ctx, p, len, NULL, 0);
            int pri = (int)(in->m->facility * 8 + in->m->severity);
            if (in->can_set_fields) {
                /* ABI 1.4: the header fields as rsyslog's impstats sets them; MSG is the
                 * line, HOSTNAME the local host, both timestamps now */
                struct sl_msg_fields f;
                memset(&f, 0, sizeof f);
                f.set = SL_MF_PRI | SL_MF_TAG;
                f.pri = pri;
                f.tag = "rsyslogd-pstats:";
                f.tag_len = strlen(f.tag);
                in->h->msg_set_fields(m, &f);
            } else {
                struct sl_local_meta lm;   /* older core: SL_LOCAL_KERNEL (deprecated) */
                memset(&lm, 0, sizeof lm);
                lm.flags = SL_LOCAL_KERNEL;
                lm.pri = pri;
                lm.tag = "rsyslogd-pstats:";
                in->h->msg_set_local(m, &lm);
            }
            if (in->h->submit(in->ctx, &m, 1, 0) < 0) {
                break;
            }
        }
        p += len + 1;
    }
    if (fd >= 0) {
        close(fd);
    }
}

static int impstats_run(void *inst)
{
    struct impstats_inst *in = inst;
    pthread_mutex_lock(&in->lock);
    while (!in->stopping) {
        struct timespec dl;
        clock_gettime(CLOCK_MONOTONIC, &dl);
        dl.tv_sec += (time_t)in->m->interval;
        while (!in->stopping && pthread_cond_timedwait(&in->cv, &in->lock, &dl) == 0) {
        }
        if (in->stopping) {
            break;
        }
        pthread_mutex_unlock(&in->lock);
        sl_impstats_emit(in);
        pthread_mutex_lock(&in->lock);
    }
    pthread_mutex_unlock(&in->lock);
    return 0;
}

static void impstats_stop(void *inst)
{
    struct impstats_inst *in = inst;
    pthread_mutex_lock(&in->lock);
    in->stopping = 1;
    pthread_cond_broadcast(&in->cv);
    pthread_mutex_unlock(&in->lock);
}

static void impstats_destroy(void *inst)
{
    struct impstats_inst *in = inst;
    if (in->inited) {
        pthread_mutex_destroy(&in->lock);
        pthread_cond_destroy(&in->cv);
        in->h->buf_free(&in->lines);
    }
}

static const struct sl_input_ops impstats_ops = {
    .create = impstats_create,
    .open = NULL,
    .run = impstats_run,
    .stop = impstats_stop,
    .destroy = impstats_destroy,
    .hup = NULL,
};

SL_PLUGIN_DEFINE(impstats) = {
    SL_PLUGIN_HEADER(impstats),
    .kinds = SL_INPUT,
    .flags = SL_PF_MODULE_INSTANCE,
    .module_params = mod_params,
    .inst_params = inst_params,
    .mod_size = sizeof(struct impstats_mod),
    .inst_size = sizeof(struct impstats_inst),
    .wrk_size = 0,
    .in = &impstats_ops,
};
