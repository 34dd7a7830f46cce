/*
 * imkmsg.c - the imkmsg input plugin: the kernel's structured log, /dev/kmsg, as rsyslog
 * 8.2302's imkmsg (contrib/imkmsg) reads it.
 *
 * As in rsyslog, loading the module reads the log (SL_PF_MODULE_INSTANCE); rsyslog 8.2302's
 * imkmsg has no parameters.  sluice adds one, Path (default /dev/kmsg): another file of
 * /dev/kmsg records to read (tests, a saved dump); a regular file or FIFO is followed like
 * tail -f.
 *
 * A record "PRI,SEQ,USEC,FLAGS[,...];TEXT\n[ KEY=VALUE\n]..." is parsed as rsyslog does:
 *   pri            the leading number (facility * 8 + severity; above 191 rsyslog makes
 *                  facility "invld" - this ABI cannot, such records get 191 and are counted
 *                  in pri.invalid)
 *   msg = rawmsg   TEXT up to the first LF, as the kernel escaped it (\xHH stays as is),
 *                  at most 1023 bytes (rsyslog's buffer)
 *   $!             {"sequnum": SEQ (a number), "msg": TEXT, KEY: VALUE...} for each
 *                  continuation line (SUBSYSTEM, DEVICE, ...)
 *   timestamp      boot time + USEC, boot time as rsyslog computes it: the current time
 *                  minus sysinfo()'s uptime in whole seconds, its microseconds kept (so the
 *                  sub-second part is not the kernel's - rsyslog's quirk, kept), local zone
 *   syslogtag      "kernel:"; HOSTNAME and fromhost the local host, fromhost-ip 127.0.0.1
 * Built with sl_host.msg_set_fields and the $! setter (ABI 1.4).  rsyslog reads /dev/kmsg
 * from the start of the ring buffer at every start, and so does this plugin.
 *
 * Hand-written parsing: there is no library for /dev/kmsg records (systemd's is internal),
 * and rsyslog's field rules (skip one byte after each number, up to ';', ...) are kept.
 *
 * Counters (owner "imkmsg", instance = Path): received, submitted, overwritten (EPIPE: the
 * ring buffer overtook us), malformed (no ';'), pri.invalid.
 *
 * Ownership: the instance block belongs to the core; fd, eventfd and buffers are the
 * instance's, released by destroy().
 * Concurrency & locking: create/open/destroy on the main thread, run() on the input
 * thread; stop() only sets an atomic flag and writes the eventfd.
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/stat.h>
#include <sys/sysinfo.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include <libfastjson/json.h>

#include "sluice/sl_plugin.h"
#include "imkmsg.h"
#include "../common/sl_stop.h"

#define WHO "imkmsg"
#define DEFAULT_PATH "/dev/kmsg"
#define RECMAX 8192

struct imkmsg_mod {
    char *path;
};

struct imkmsg_inst {
    const struct sl_host *h;
    struct sl_input_ctx *ctx;
    const char *path;
    int fd;
    int is_dev;              /* a character device: one record per read() */
    int stopfd;
    atomic_int stopping;
    void *h_root;
    char buf[RECMAX * 2 + 1];
    size_t len;
    _Atomic uint64_t *c_received, *c_submitted, *c_overwritten, *c_malformed, *c_badpri;
};

static const struct sl_param mod_params[] = {
    { "Path", SL_PT_STRING, 0, offsetof(struct imkmsg_mod, path), DEFAULT_PATH, NULL, NULL,
      "sluice only: the file of /dev/kmsg records to read" },
    SL_PARAM_END
};

static const struct sl_param inst_params[] = {
    SL_PARAM_END
};

static int imkmsg_create(void *inst, void *modconf, const struct sl_host *h,
                         struct sl_input_ctx *ctx)
{
    struct imkmsg_inst *in = inst;
    const struct imkmsg_mod *m = modconf;
    in->h = h;
    in->ctx = ctx;
    in->fd = -1;
    in->stopfd = -1;
    in->path = m != NULL && m->path != NULL && m->path[0] != '\0' ? m->path : DEFAULT_PATH;
    if (h->struct_size < offsetof(struct sl_host, msg_set_fields) + sizeof h->msg_set_fields ||
        h->msg_set_fields == NULL || h->msg_json_set_ref == NULL) {
        h->log(SL_LOG_ERR, WHO, "imkmsg: the core is too old (needs ABI 1.4)");
        return SL_ECONFIG;
    }
    if (h->prop_ref("$!", &in->h_root) != 0) {
        return SL_ECONFIG;
    }
    /* a warning, as imklog's (rsyslog reports it at activation; open() does here) */
    if (access(in->path, R_OK) != 0) {
        h->log(SL_LOG_WARNING, WHO, "imkmsg: cannot open kernel log (%s): %s.", in->path,
               strerror(errno));
    }
    in->c_received = h->counter(WHO, in->path, "received");
    in->c_submitted = h->counter(WHO, in->path, "submitted");
    in->c_overwritten = h->counter(WHO, in->path, "overwritten");
    in->c_malformed = h->counter(WHO, in->path, "malformed");
    in->c_badpri = h->counter(WHO, in->path, "pri.invalid");
    return 0;
}

static int imkmsg_open(void *inst)
{
    struct imkmsg_inst *in = inst;
    in->stopfd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (in->stopfd < 0) {
        in->h->log(SL_LOG_ERR, WHO, "imkmsg: cannot set up: %s", strerror(errno));
        return SL_EIO;
    }
    in->fd = open(in->path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    if (in->fd < 0) {
        /* as rsyslog: reported, sluiced runs on without kernel messages */
        in->h->log(SL_LOG_ERR, WHO, "imkmsg: cannot open kernel log (%s): %s.", in->path,
                   strerror(errno));
        return 0;
    }
    struct stat st;
    in->is_dev = fstat(in->fd, &st) == 0 && S_ISCHR(st.st_mode);
    return 0;
}

/* Digits at *p (advancing), as rsyslog's loops. */
static unsigned long long digits(const char **p, const char *end)
{
    unsigned long long v = 0;
    while (*p < end && isdigit((unsigned char)**p)) {
        v = v * 10 + (unsigned long long)(**p - '0');
        (*p)++;
    }
    return v;
}

/* One record r[0..n) (its continuation lines included). */
static int submit_record(struct imkmsg_inst *in, const char *r, size_t n)
{
    const struct sl_host *h = in->h;
    const char *p = r, *end = r + n;
    atomic_fetch_add(in->c_received, 1);

    unsigned long long pri = digits(&p, end);
    p = p < end ? p + 1 : p;
    unsigned long long seq = digits(&p, end);
    p = p < end ? p + 1 : p;
    unsigned long long usec = digits(&p, end);
    const char *semi = memchr(p, ';', (size_t)(end - p));
    if (semi == NULL) {
        atomic_fetch_add(in->c_malformed, 1);
        return 0;
    }
    p = semi + 1;
    const char *te = p;
    while (te < end && *te != '\n' && *te != '\0') {
        te++;
    }
    size_t tl = (size_t)(te - p);
    if (tl > 1023) {
        tl = 1023;
    }
    struct fjson_object *json = fjson_object_new_object();
    if (json == NULL) {
        return 0;
    }
    fjson_object_object_add(json, "sequnum", fjson_object_new_int64((int64_t)seq));
    fjson_object_object_add(json, "msg", fjson_object_new_string_len(p, (int)tl));
    const char *q = te < end && *te == '\n' ? te + 1 : end;
    while (q < end && *q != '\0') {
        q++;                                   /* the leading ' ' */
        const char *ns = q;
        while (q < end && *q != '=' && *q != ' ' && *q != '\n') {
            q++;
        }
        char name[1024];
        size_t nl = (size_t)(q - ns) < sizeof name - 1 ? (size_t)(q - ns) : sizeof name - 1;
        memcpy(name, ns, nl);
        name[nl] = '\0';
        if (q < end && *q != '\n') {
            q++;                               /* '=' or ' ' */
        }
        const char *vs = q;
        while (q < end && *q != '\n' && *q != '\0') {
            q++;
        }
        size_t vl = (size_t)(q - vs) < 1023 ? (size_t)(q - vs) : 1023;
        fjson_object_object_add(json, name, fjson_object_new_string_len(vs, (int)vl));
        if (q < end && *q == '\n') {
            q++;
        }
    }

    /* rsyslog: boot time = now - uptime (whole seconds), its microseconds kept */
    struct sysinfo si;
    struct timeval tv;
    memset(&si, 0, sizeof si);
    (void)sysinfo(&si);
    gettimeofday(&tv, NULL);
    long long sec = (long long)tv.tv_sec - si.uptime + (long long)(usec / 1000000);
    long long us = (long long)tv.tv_usec + (long long)(usec % 1000000);
    while (us >= 1000000) {
        sec++;
        us -= 1000000;
    }
    struct timespec ts = { .tv_sec = (time_t)sec, .tv_nsec = (long)(us * 1000) };

    int ipri = (int)pri;
    if (pri > 191) {
        atomic_fetch_add(in->c_badpri, 1);
        ipri = 191;
    }
    struct sl_msg *msg = h->msg_new(in->ctx, p, tl, NULL, 0);
    if (h->msg_set_local != NULL) {
        struct sl_local_meta lm;
        memset(&lm, 0, sizeof lm);
        lm.rcv = &ts;
        h->msg_set_local(msg, &lm);
    }
    struct sl_msg_fields f;
    memset(&f, 0, sizeof f);
    f.set = SL_MF_PRI | SL_MF_TAG;
    f.pri = ipri;
    f.tag = "kernel:";
    f.tag_len = 7;
    int rc = h->msg_set_fields(msg, &f);
    if (rc == 0) {
        rc = h->msg_json_set_ref(msg, in->h_root, json);
        json = NULL;
    }
    if (json != NULL) {
        fjson_object_put(json);
    }
    if (rc != 0) {
        h->msg_unref(msg);
        return 0;
    }
    rc = h->submit(in->ctx, &msg, 1, 0);
    if (rc < 0) {
        return rc;
    }
    atomic_fetch_add(in->c_submitted, (uint64_t)rc);
    return 0;
}

/* A file's buffer: submit every complete record (a header line and the continuation lines
 * after it; complete when the next header begins, or at the end with final = 1). */
static int split_records(struct imkmsg_inst *in, int final)
{
    size_t start = 0;
    size_t i = 0;
    while (i < in->len) {
        char *nl = memchr(in->buf + i, '\n', in->len - i);
        if (nl == NULL) {
            break;
        }
        size_t next = (size_t)(nl - in->buf) + 1;
        if (next >= in->len) {
            i = next;
            break;     /* the next line has not arrived: continuation lines may follow */
        }
        if (in->buf[next] != ' ') {
            int rc = submit_record(in, in->buf + start, next - start);
            if (rc < 0) {
                return rc;
            }
            start = next;
        }
        i = next;
    }
    if (final && start < in->len) {
        int rc = submit_record(in, in->buf + start, in->len - start);
        if (rc < 0) {
            return rc;
        }
        start = in->len;
    }
    if (start == 0 && in->len >= RECMAX) {
        int rc = submit_record(in, in->buf, in->len);   /* overlong: as is */
        if (rc < 0) {
            return rc;
        }
        start = in->len;
    }
    memmove(in->buf, in->buf + start, in->len - start);
    in->len -= start;
    return 0;
}

/* Reads what is there: 1 at end of file, 0 when it would block, < 0 to stop. */
static int read_some(struct imkmsg_inst *in)
{
    for (int round = 0; round < 256 && !atomic_load(&in->stopping); round++) {
        size_t room = in->is_dev ? RECMAX : sizeof in->buf - 1 - in->len;
        char *dst = in->is_dev ? in->buf : in->buf + in->len;
        ssize_t r = read(in->fd, dst, room);
        if (r < 0) {
            if (errno == EINTR) {
                continue;
            }
            if (errno == EPIPE) {
                atomic_fetch_add(in->c_overwritten, 1);
                in->h->log(SL_LOG_WARNING, WHO, "imkmsg: some messages in circular buffer "
                           "got overwritten");
                continue;
            }
            if (errno == EAGAIN || errno == EWOULDBLOCK) {
                return 0;
            }
            in->h->log(SL_LOG_ERR, WHO, "imkmsg: error reading kernel log - shutting down: "
                       "%s", strerror(errno));
            return SL_EIO;
        }
        if (r == 0) {
            return 1;
        }
        if (in->is_dev) {
            int rc = submit_record(in, in->buf, (size_t)r);
            if (rc < 0) {
                return rc;
            }
            continue;
        }
        in->len += (size_t)r;
        int rc = split_records(in, 0);
        if (rc < 0) {
            return rc;
        }
    }
    return 0;
}

static int imkmsg_run(void *inst)
{
    struct imkmsg_inst *in = inst;
    int at_eof = 0;
    while (!atomic_load(&in->stopping)) {
        struct pollfd pfd[2] = {
            { .fd = in->stopfd, .events = POLLIN },
            { .fd = in->fd, .events = POLLIN },
        };
        int n = poll(pfd, (at_eof || in->fd < 0) ? 1 : 2, at_eof ? 100 : 1000);
        if (n < 0 && errno != EINTR) {
            return SL_EIO;
        }
        if (in->fd < 0 || atomic_load(&in->stopping)) {
            continue;
        }
        int rc = read_some(in);
        if (rc < 0) {
            break;
        }
        if (rc == 1 && !in->is_dev && in->len > 0) {
            /* a file at its end: the last record is complete once nothing more comes */
            if (at_eof && split_records(in, 1) < 0) {
                break;
            }
        }
        at_eof = rc == 1;
    }
    return 0;
}

static void imkmsg_stop(void *inst)
{
    struct imkmsg_inst *in = inst;
    sl_stop_wake(&in->stopping, in->stopfd);
}

static void imkmsg_destroy(void *inst)
{
    struct imkmsg_inst *in = inst;
    if (in->fd >= 0) {
        close(in->fd);
        in->fd = -1;
    }
    if (in->stopfd >= 0) {
        close(in->stopfd);
        in->stopfd = -1;
    }
    if (in->h_root != NULL) {
        in->h->prop_unref(in->h_root);
        in->h_root = NULL;
    }
}

static const struct sl_input_ops imkmsg_ops = {
    .create = imkmsg_create,
    .open = imkmsg_open,
    .run = imkmsg_run,
    .stop = imkmsg_stop,
    .destroy = imkmsg_destroy,
};

SL_PLUGIN_DEFINE(imkmsg) = {
    SL_PLUGIN_HEADER(imkmsg),
    .kinds = SL_INPUT,
    .flags = SL_PF_PRE_PRIVDROP_OPEN | SL_PF_MODULE_INSTANCE,
    .module_params = mod_params,
    .inst_params = inst_params,
    .mod_size = sizeof(struct imkmsg_mod),
    .inst_size = sizeof(struct imkmsg_inst),
    .wrk_size = 0,
    .in = &imkmsg_ops,
};

int sl_imkmsg_feed(void *inst, const char *b, size_t n, int is_dev)
{
    struct imkmsg_inst *in = inst;
    size_t off = 0;
    while (off < n) {
        size_t room = is_dev ? RECMAX : sizeof in->buf - 1 - in->len;
        size_t k = n - off < room ? n - off : room;
        int rc;
        if (is_dev) {
            rc = submit_record(in, b + off, k);
        } else {
            memcpy(in->buf + in->len, b + off, k);
            in->len += k;
            rc = split_records(in, 0);
        }
        if (rc < 0) {
            return rc;
        }
        off += k;
    }
    int rc = is_dev || in->len == 0 ? 0 : split_records(in, 1);
    in->len = 0;
    return rc;
}
