/*
 * imklog.c - the imklog input plugin: the kernel log, compatible with rsyslog 8.2302's imklog.
 *
 * rsyslog's imklog has no input() statement: loading the module reads the kernel log, so the
 * plugin is SL_PF_MODULE_INSTANCE (the core makes one instance per loaded module) and all
 * parameters are module parameters: LogPath (rsyslog's default on Linux is /proc/kmsg),
 * ConsoleLogLevel (-1: leave alone; else klogctl(8) at open, klogctl(7) at the end),
 * InternalMsgFacility (accepted; our own notices go through host->log), PermitNonKernelFacility
 * (off: records of other facilities are dropped silently), ParseKernelTimestamp (off),
 * KeepKernelTimestamp (off), RatelimitInterval (0 = off), RatelimitBurst (10000) and ruleset
 * (the core binds the instance to it; default: the default ruleset).
 *
 * Two record formats are read, told apart per line:
 *   - /proc/kmsg (and anything shaped like it): "<pri>[   12.345678] text" lines, processed
 *     as rsyslog does: an optional kernel timestamp at byte 3 (ParseKernelTimestamp: turned
 *     into wall-clock time via CLOCK_REALTIME - CLOCK_MONOTONIC, and removed from the text
 *     unless KeepKernelTimestamp), a second PRI at byte 3 or 4 wins if it is >= 8 (systemd
 *     writes "<6><30>..." through /dev/kmsg), else the first PRI, else LOG_INFO.
 *   - /dev/kmsg records "pri,seq,usec,flags[,...];text" with "\xHH" escapes and continuation
 *     lines starting with SP (dropped): each text line becomes the line /proc/kmsg would show
 *     for it ("<pri>[%5lu.%06lu] text", without the stamp when printk.time is off) and is
 *     then processed as above, so both paths give what rsyslog gives for /proc/kmsg.
 * Each message: raw = MSG = the text after the PRI, facility/severity from the PRI, tag
 * "kernel:", HOSTNAME/fromhost the local host, no parsing, as rsyslog's imklog: built with
 * sl_host.msg_set_fields (ABI 1.4) after msg_set_local has set the receive time (both
 * timestamps); on an older core with SL_LOCAL_KERNEL (deprecated, same result).  rsyslog's flow control class for imklog is "light delay",
 * so submit() blocks when the queue is full (the kernel buffers meanwhile).
 *
 * Readability is checked in create() (so `sluiced -N1` reports an unreadable LogPath) and
 * the file is opened non-blocking in open(), before privileges are dropped; if that fails
 * the error is logged and the input idles (rsyslog runs on without imklog too).  Regular files
 * and FIFOs work too (tests): at end of file the input waits and reads on, like tail -f.
 *
 * Counters (owner "imklog", instance = LogPath): received, submitted, dropped.nonkernel,
 * ratelimit.discarded, overwritten (/dev/kmsg EPIPE: records lost to the ring buffer).
 *
 * Ownership: the instance block belongs to the core; the fd, the eventfd and the line
 * buffer are owned by the instance and released by destroy().
 *
 * Concurrency & locking: create/open/destroy run on the main thread, run() on the input
 * thread; stop() only sets an atomic flag and writes the eventfd.  Nothing else is shared.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/eventfd.h>
#include <sys/klog.h>
#include <time.h>
#include <unistd.h>

#include "sluice/sl_plugin.h"
#include "imklog.h"
#include "../common/sl_stop.h"

#define LOG_MAXPRI 191
#define DEFAULT_PATH "/proc/kmsg"

struct imklog_mod {
    char *log_path;
    int64_t console_level;
    char *int_facility;
    int permit_nonkernel;
    int parse_kernel_ts;
    int keep_kernel_ts;
    int64_t rl_interval, rl_burst;
    char *ruleset;                  /* bound by the core (build_module_inputs) */
};

struct imklog_inst {
    const struct sl_host *h;
    struct sl_input_ctx *ctx;
    const struct imklog_mod *m;
    const char *path;
    int fd;
    int stopfd;
    int console_set;
    int printk_time;            /* /dev/kmsg records get "[secs.usecs] " as /proc/kmsg shows */
    atomic_int stopping;
    size_t max_line;
    char *buf;                  /* line buffer: max_line + 1 */
    size_t len;
    char *line;                 /* scratch for converted /dev/kmsg lines */
    int can_set_local;
    int can_set_fields;         /* ABI 1.4 host: msg_set_fields instead of SL_LOCAL_KERNEL */
    /* rate limiter (RatelimitInterval > 0) */
    time_t rl_begin;
    uint64_t rl_done, rl_missed;

    _Atomic uint64_t *c_received, *c_submitted, *c_nonkernel, *c_ratelimit, *c_overwritten;
};

#define MOFF(f) offsetof(struct imklog_mod, f)

static const struct sl_param mod_params[] = {
    { "LogPath", SL_PT_WORD, 0, MOFF(log_path), DEFAULT_PATH, NULL, "$KLogPath", NULL },
    { "ConsoleLogLevel", SL_PT_INT, 0, MOFF(console_level), "-1", NULL,
      "$KLogConsoleLogLevel", NULL },
    { "InternalMsgFacility", SL_PT_WORD, SL_P_IGNORED, MOFF(int_facility), NULL, NULL,
      "$KLogInternalMsgFacility", NULL },
    { "PermitNonKernelFacility", SL_PT_BOOL, 0, MOFF(permit_nonkernel), "off", NULL,
      "$KLogPermitNonKernelFacility", NULL },
    { "ParseKernelTimestamp", SL_PT_BOOL, 0, MOFF(parse_kernel_ts), "off", NULL,
      "$KLogParseKernelTimestamp", NULL },
    { "KeepKernelTimestamp", SL_PT_BOOL, 0, MOFF(keep_kernel_ts), "off", NULL,
      "$KLogKeepKernelTimestamp", NULL },
    { "RatelimitInterval", SL_PT_INT, 0, MOFF(rl_interval), "0", NULL, NULL, NULL },
    { "RatelimitBurst", SL_PT_INT, 0, MOFF(rl_burst), "10000", NULL, NULL, NULL },
    { "ruleset", SL_PT_STRING, 0, MOFF(ruleset), NULL, NULL, NULL,
      "ruleset of the kernel messages (default ruleset)" },
    SL_PARAM_END
};

static const struct sl_param inst_params[] = {
    SL_PARAM_END
};

static const char *const facility_names[] = {
    "kern", "user", "mail", "daemon", "auth", "syslog", "lpr", "news", "uucp", "cron",
    "authpriv", "ftp", "ntp", "audit", "alert", "clock", "local0", "local1", "local2",
    "local3", "local4", "local5", "local6", "local7", NULL
};

static int facility_ok(const char *s)
{
    if (s == NULL) {
        return 1;
    }
    const char *n = strncasecmp(s, "LOG_", 4) == 0 ? s + 4 : s;
    for (int i = 0; facility_names[i] != NULL; i++) {
        if (strcasecmp(n, facility_names[i]) == 0) {
            return 1;
        }
    }
    char *end;
    long v = strtol(s, &end, 10);
    return *end == '\0' && end != s && v >= 0 && v <= 23;
}

static int imklog_create(void *inst, void *modconf, const struct sl_host *h,
                         struct sl_input_ctx *ctx)
{
    static const struct imklog_mod dflt = {
        .log_path = NULL, .console_level = -1, .rl_burst = 10000
    };
    struct imklog_inst *in = inst;
    in->h = h;
    in->ctx = ctx;
    in->m = modconf != NULL ? modconf : &dflt;
    in->fd = -1;
    in->stopfd = -1;
    in->path = in->m->log_path != NULL && in->m->log_path[0] != '\0' ? in->m->log_path
                                                                      : DEFAULT_PATH;
    in->can_set_local = h->struct_size >= offsetof(struct sl_host, msg_set_local) +
                                           sizeof h->msg_set_local &&
                        h->msg_set_local != NULL;
    in->can_set_fields = h->struct_size >= offsetof(struct sl_host, msg_set_fields) +
                                            sizeof h->msg_set_fields &&
                         h->msg_set_fields != NULL;
    in->max_line = h->max_message_size();
    if (in->max_line < 64) {
        in->max_line = 8096;
    }
    if (!facility_ok(in->m->int_facility)) {
        h->log(SL_LOG_ERR, "imklog", "imklog: invalid InternalMsgFacility '%s'",
               in->m->int_facility);
        return SL_ECONFIG;
    }
    if (in->m->console_level < -1 || in->m->console_level > 8) {
        h->log(SL_LOG_ERR, "imklog", "imklog: ConsoleLogLevel %lld out of range (-1..8)",
               (long long)in->m->console_level);
        return SL_ECONFIG;
    }
    /* a hint at config time (also by -N1), a warning: rsyslog opens the kernel log at
     * activation, which -N1 does not reach, so its -N1 passes; open() reports the error */
    if (access(in->path, R_OK) != 0) {
        h->log(SL_LOG_WARNING, "imklog", "imklog: cannot open kernel log (%s): %s.", in->path,
               strerror(errno));
    }
    in->c_received = h->counter("imklog", in->path, "received");
    in->c_submitted = h->counter("imklog", in->path, "submitted");
    in->c_nonkernel = h->counter("imklog", in->path, "dropped.nonkernel");
    in->c_ratelimit = h->counter("imklog", in->path, "ratelimit.discarded");
    in->c_overwritten = h->counter("imklog", in->path, "overwritten");
    return 0;
}

static int printk_time_on(void)
{
    char b[8] = "";
    int fd = open("/sys/module/printk/parameters/time", O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        return 1;
    }
    ssize_t r = read(fd, b, sizeof b - 1);
    close(fd);
    return !(r > 0 && (b[0] == 'N' || b[0] == 'n' || b[0] == '0'));
}

static int imklog_open(void *inst)
{
    struct imklog_inst *in = inst;
    const struct sl_host *h = in->h;
    in->stopfd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    in->buf = malloc(in->max_line + 1);
    in->line = malloc(in->max_line + 64);
    if (in->stopfd < 0 || in->buf == NULL || in->line == NULL) {
        h->log(SL_LOG_ERR, "imklog", "imklog: cannot set up: %s", strerror(errno));
        return SL_EIO;
    }
    in->fd = open(in->path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    if (in->fd < 0) {
        /* as rsyslog: reported, and the daemon runs on without kernel messages (containers
         * may not read the kernel log; the default config loads imklog) */
        h->log(SL_LOG_ERR, "imklog", "imklog: cannot open kernel log (%s): %s.", in->path,
               strerror(errno));
        return 0;
    }
    in->printk_time = printk_time_on();
    if (in->m->console_level != -1) {
        if (klogctl(8, NULL, (int)in->m->console_level) != 0) {
            h->log(SL_LOG_WARNING, "imklog", "imklog: cannot set console log level: %s",
                   strerror(errno));
        } else {
            in->console_set = 1;
        }
    }
    return 0;
}

/* "<digits>" with value <= 191 at *pp: sets *pri, advances *pp past '>', returns 1. */
static int parse_pri(const char **pp, const char *end, int *pri)
{
    const char *p = *pp;
    if (p >= end || *p != '<' || p + 1 >= end || p[1] < '0' || p[1] > '9') {
        return 0;
    }
    p++;
    int v = 0;
    while (p < end && *p >= '0' && *p <= '9' && v <= LOG_MAXPRI) {
        v = v * 10 + (*p - '0');
        p++;
    }
    if (p >= end || *p != '>' || v > LOG_MAXPRI) {
        return 0;
    }
    *pri = v;
    *pp = p + 1;
    return 1;
}

/* rsyslog's "Linux-like" limiter for the whole input. */
static int rl_pass(struct imklog_inst *in, time_t now)
{
    const struct imklog_mod *m = in->m;
    /* any integer, kept as rsyslog's unsigned int (a negative one is very large) */
    const int64_t interval = (uint32_t)m->rl_interval, burst = (uint32_t)m->rl_burst;
    if (interval == 0) {
        return 1;
    }
    if (in->rl_begin == 0) {
        in->rl_begin = now;
    }
    if (now > in->rl_begin + (time_t)interval || now < in->rl_begin) {
        in->rl_begin = now;
        in->rl_done = 0;
        if (in->rl_missed > 0) {
            in->h->log(SL_LOG_WARNING, "imklog", "imklog: %llu messages lost due to "
                       "rate-limiting (%lld allowed within %lld seconds)",
                       (unsigned long long)in->rl_missed, (long long)burst,
                       (long long)interval);
            in->rl_missed = 0;
        }
    }
    if ((int64_t)in->rl_done < (burst > 0 ? burst : 1)) {
        in->rl_done++;
        return 1;
    }
    if (++in->rl_missed == 1) {
        in->h->log(SL_LOG_INFO, "imklog", "imklog from <kernel>: begin to drop messages due "
                   "to rate-limiting");
    }
    return 0;
}

/* One more decimal digit of a kernel timestamp field, saturating (rsyslog overflows a
 * long on endless digits; found by tests/fuzz/fuzz_imklog). */
#define KTS_MAX 100000000000LL     /* 1e11 s: about 3,000 years after boot */
static long long kts_digit(long long v, char c)
{
    return v < KTS_MAX ? v * 10 + (c - '0') : v;
}

/* One /proc/kmsg-style line (NUL-terminated, writable, n bytes), as rsyslog's imklog. */
static int submit_line(struct imklog_inst *in, char *b, size_t n)
{
    const struct imklog_mod *m = in->m;
    struct timespec ts;
    int have_ts = 0;

    atomic_fetch_add(in->c_received, 1);
    if (m->parse_kernel_ts && n > 3 && b[3] == '[') {
        size_t i = 4;
        long long secs = 0, usecs = 0;
        while (i < n && (b[i] == ' ' || b[i] == '\t')) {
            i++;
        }
        while (i < n && b[i] >= '0' && b[i] <= '9') {
            secs = kts_digit(secs, b[i++]);
        }
        if (i < n && b[i] == '.') {
            i++;
            while (i < n && b[i] >= '0' && b[i] <= '9') {
                usecs = kts_digit(usecs, b[i++]);
            }
            if (i < n && b[i] == ']') {
                i++;
                if (!m->keep_kernel_ts) {
                    memmove(b + 3, b + i, n - i + 1);
                    n -= i - 3;
                }
                struct timespec mono, real;
                clock_gettime(CLOCK_MONOTONIC, &mono);
                clock_gettime(CLOCK_REALTIME, &real);
                long long off_s = (long long)real.tv_sec - mono.tv_sec;
                long long off_us = (real.tv_nsec - mono.tv_nsec) / 1000;
                if (off_us < 0) {
                    off_s--;
                    off_us += 1000000;
                }
                usecs += off_us;
                secs += usecs / 1000000;    /* more than 6 digits: whole seconds too */
                usecs %= 1000000;
                ts.tv_sec = (time_t)(secs + off_s);
                ts.tv_nsec = (long)(usecs * 1000);
                have_ts = 1;
            }
        }
    }

    const char *p = b, *end = b + n;
    int pri = 6; /* LOG_INFO, kern */
    int second = 0;
    if (n > 4 && (b[3] == '<' || (b[3] == ' ' && b[4] == '<'))) {
        const char *q = b + (b[3] == '<' ? 3 : 4);
        int p2;
        if (parse_pri(&q, end, &p2) && p2 >= 8) {
            pri = p2;
            p = q;
            second = 1;
        }
    }
    if (!second) {
        (void)parse_pri(&p, end, &pri);
    }
    if (!m->permit_nonkernel && (pri >> 3) != 0) {
        atomic_fetch_add(in->c_nonkernel, 1);
        return 0;
    }
    if (!have_ts) {
        clock_gettime(CLOCK_REALTIME, &ts);
    }
    if (!rl_pass(in, ts.tv_sec)) {
        atomic_fetch_add(in->c_ratelimit, 1);
        return 0;
    }
    struct sl_msg *msg = in->h->msg_new(in->ctx, p, (size_t)(end - p), NULL, 0);
    if (in->can_set_local) {
        struct sl_local_meta lm;
        memset(&lm, 0, sizeof lm);
        lm.flags = in->can_set_fields ? 0 : SL_LOCAL_KERNEL;
        lm.pri = pri;
        lm.tag = "kernel:";
        lm.rcv = &ts;      /* timegenerated and (no SL_MF_TIME) timereported */
        in->h->msg_set_local(msg, &lm);
    }
    if (in->can_set_fields) {
        struct sl_msg_fields f;
        memset(&f, 0, sizeof f);
        f.set = SL_MF_PRI | SL_MF_TAG;   /* MSG: the raw text; HOSTNAME: the local host */
        f.pri = pri;
        f.tag = "kernel:";
        f.tag_len = 7;
        if (in->h->msg_set_fields(msg, &f) != 0) {
            in->h->msg_unref(msg);
            return 0;
        }
    }
    int rc = in->h->submit(in->ctx, &msg, 1, 0);
    if (rc < 0) {
        return rc;
    }
    atomic_fetch_add(in->c_submitted, (uint64_t)rc);
    return 0;
}

static int hexval(char c)
{
    if (c >= '0' && c <= '9') {
        return c - '0';
    }
    if (c >= 'a' && c <= 'f') {
        return c - 'a' + 10;
    }
    if (c >= 'A' && c <= 'F') {
        return c - 'A' + 10;
    }
    return -1;
}

/* "pri,seq,usec,flags[,...];" prefix of a /dev/kmsg record: returns the text offset or 0. */
static size_t kmsg_header(const char *b, size_t n, unsigned *pri, unsigned long long *usec)
{
    unsigned long long f[3] = { 0, 0, 0 };
    size_t i = 0;
    for (int k = 0; k < 3; k++) {
        size_t s = i;
        while (i < n && b[i] >= '0' && b[i] <= '9') {
            f[k] = f[k] * 10 + (unsigned long long)(b[i++] - '0');
        }
        if (i == s || i >= n || b[i] != ',') {
            return 0;
        }
        i++;
    }
    while (i < n && b[i] != ';' && b[i] != ' ') {
        i++;
    }
    if (i >= n || b[i] != ';') {
        return 0;
    }
    *pri = (unsigned)(f[0] > 1023 ? 1023 : f[0]);
    *usec = f[2];
    return i + 1;
}

/* A /dev/kmsg record's text: unescaped, split into lines, each submitted with the prefix
 * /proc/kmsg would give it. */
static int submit_kmsg(struct imklog_inst *in, const char *b, size_t n, size_t off,
                       unsigned pri, unsigned long long usec)
{
    char prefix[64];
    int pl;
    if (in->printk_time) {
        pl = snprintf(prefix, sizeof prefix, "<%u>[%5llu.%06llu] ", pri, usec / 1000000,
                      usec % 1000000);
    } else {
        pl = snprintf(prefix, sizeof prefix, "<%u>", pri);
    }
    size_t i = off;
    do {
        size_t o = (size_t)pl;
        memcpy(in->line, prefix, (size_t)pl);
        while (i < n && o < in->max_line) {
            if (b[i] == '\\' && i + 3 < n && b[i + 1] == 'x' && hexval(b[i + 2]) >= 0 &&
                hexval(b[i + 3]) >= 0) {
                char c = (char)(hexval(b[i + 2]) * 16 + hexval(b[i + 3]));
                i += 4;
                if (c == '\n') {
                    break;
                }
                in->line[o++] = c;
            } else {
                in->line[o++] = b[i++];
            }
        }
        in->line[o] = '\0';
        int rc = submit_line(in, in->line, o);
        if (rc < 0) {
            return rc;
        }
    } while (i < n);
    return 0;
}

static int handle_line(struct imklog_inst *in, char *b, size_t n)
{
    if (n > 0 && b[0] == ' ') {
        return 0;   /* /dev/kmsg continuation (KEY=value dictionary) */
    }
    unsigned pri;
    unsigned long long usec;
    size_t off = kmsg_header(b, n, &pri, &usec);
    if (off > 0) {
        return submit_kmsg(in, b, n, off, pri, usec);
    }
    return submit_line(in, b, n);
}

/* Reads what is there; returns 1 at end of file, 0 when it would block, < 0 to stop. */
static int read_some(struct imklog_inst *in)
{
    for (int round = 0; round < 64 && !atomic_load(&in->stopping); round++) {
        ssize_t r = read(in->fd, in->buf + in->len, in->max_line - in->len);
        if (r < 0) {
            if (errno == EINTR) {
                continue;
            }
            if (errno == EPIPE) {
                atomic_fetch_add(in->c_overwritten, 1);  /* /dev/kmsg: ring overran us */
                continue;
            }
            if (errno == EAGAIN || errno == EWOULDBLOCK) {
                return 0;
            }
            in->h->log(SL_LOG_ERR, "imklog", "imklog: error reading kernel log - shutting "
                       "down: %s", strerror(errno));
            return SL_EIO;
        }
        if (r == 0) {
            return 1;
        }
        in->len += (size_t)r;
        in->buf[in->len] = '\0';
        char *p = in->buf, *q;
        while ((q = memchr(p, '\n', in->len - (size_t)(p - in->buf))) != NULL) {
            *q = '\0';
            int rc = handle_line(in, p, (size_t)(q - p));
            if (rc < 0) {
                return rc;
            }
            p = q + 1;
        }
        size_t rest = in->len - (size_t)(p - in->buf);
        if (rest >= in->max_line - 1) {
            int rc = handle_line(in, p, rest);   /* overlong: as rsyslog, submit as is */
            if (rc < 0) {
                return rc;
            }
            rest = 0;
        }
        memmove(in->buf, p, rest);
        in->len = rest;
    }
    return 0;
}

static int imklog_run(void *inst)
{
    struct imklog_inst *in = inst;
    int at_eof = 0;
    while (!atomic_load(&in->stopping)) {
        struct pollfd pfd[2] = {
            { .fd = in->stopfd, .events = POLLIN },
            { .fd = in->fd, .events = POLLIN },
        };
        /* at end of a file or FIFO poll would not wait: look again every 100 ms */
        int n = poll(pfd, (at_eof || in->fd < 0) ? 1 : 2, at_eof ? 100 : 1000);
        if (n < 0 && errno != EINTR) {
            in->h->log(SL_LOG_ERR, "imklog", "imklog: poll failed: %s", strerror(errno));
            return SL_EIO;
        }
        if (in->fd < 0 || atomic_load(&in->stopping)) {
            continue;
        }
        int rc = read_some(in);
        if (rc < 0) {
            break;
        }
        at_eof = rc == 1;
    }
    if (in->len > 0 && !atomic_load(&in->stopping)) {
        in->buf[in->len] = '\0';
        (void)handle_line(in, in->buf, in->len);
        in->len = 0;
    }
    return 0;
}

static void imklog_stop(void *inst)
{
    struct imklog_inst *in = inst;
    sl_stop_wake(&in->stopping, in->stopfd);
}

static void imklog_destroy(void *inst)
{
    struct imklog_inst *in = inst;
    if (in->console_set) {
        (void)klogctl(7, NULL, 0);
        in->console_set = 0;
    }
    if (in->fd >= 0) {
        close(in->fd);
        in->fd = -1;
    }
    if (in->stopfd >= 0) {
        close(in->stopfd);
        in->stopfd = -1;
    }
    free(in->buf);
    free(in->line);
    in->buf = NULL;
    in->line = NULL;
}

static const struct sl_input_ops imklog_ops = {
    .create = imklog_create,
    .open = imklog_open,
    .run = imklog_run,
    .stop = imklog_stop,
    .destroy = imklog_destroy,
};

SL_PLUGIN_DEFINE(imklog) = {
    SL_PLUGIN_HEADER(imklog),
    .kinds = SL_INPUT,
    .flags = SL_PF_PRE_PRIVDROP_OPEN | SL_PF_MODULE_INSTANCE,
    .module_params = mod_params,
    .inst_params = inst_params,
    .mod_size = sizeof(struct imklog_mod),
    .inst_size = sizeof(struct imklog_inst),
    .wrk_size = 0,
    .in = &imklog_ops,
};

const char *sl_imklog_path(const void *inst)
{
    const struct imklog_inst *in = inst;
    return in->path;
}

int sl_imklog_handle_line(void *inst, char *b, size_t n)
{
    return handle_line(inst, b, n);
}
