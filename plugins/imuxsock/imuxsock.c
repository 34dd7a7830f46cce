/*
 * imuxsock.c - the imuxsock input plugin: the local log socket (/dev/log and friends),
 * compatible with rsyslog 8.2302's imuxsock.
 *
 * One instance is one unix datagram socket.  An instance without Socket= is the system log
 * socket (the core creates it implicitly for a loaded module, see SL_PF_MODULE_INSTANCE): it
 * follows the SysSock.* module parameters and does nothing when SysSock.Use="off".  Its
 * name is SysSock.Name, else /run/systemd/journal/syslog when systemd runs (as rsyslog:
 * /run/systemd/system exists and that path is a socket), else /dev/log.
 *
 * open() first looks for a socket passed by the service manager (LISTEN_PID = our pid,
 * LISTEN_FDS = n, fds 3..3+n-1): an AF_UNIX datagram socket bound to the same path is used
 * as is (and neither unlinked nor closed-and-removed at the end).  Otherwise the path is
 * unlinked (Unlink="on"), its directory created (CreatePath="on"), the socket bound and
 * made mode 0666; if that fails, open() fails for an input() socket and only logs for the
 * system socket (rsyslog runs on without it).  SO_PASSCRED and SO_TIMESTAMP are set when credentials are needed
 * (UsePIDFromSystem, rate limiting, Annotate, IgnoreOwnMessages, UseSysTimeStamp), as
 * rsyslog does.
 *
 * run() reads datagrams (recvmsg, MSG_DONTWAIT, up to global(maxMessageSize) bytes), drops
 * our own messages (IgnoreOwnMessages), applies per-pid rate limiting (RateLimit.Interval >
 * 0: at most Burst messages of severity >= RateLimit.Severity per Interval seconds, with
 * rsyslog's "begin to drop messages due to rate-limiting" and "N messages lost due to
 * rate-limiting" notices through host->log), optionally annotates the raw text with the
 * sender's trusted properties (Annotate="on": " @[_PID=.. _UID=.. _GID=.. _COMM=.. _EXE=..
 * _CMDLINE=".."]"; with ParseTrusted="on" they go to $!pid, $!uid, $!gid, $!appname, $!exe,
 * $!cmd instead and the text stays as sent), and submits one message per datagram with flow_key = sender pid.  The
 * parsing itself is the core's (sl_host.msg_set_local, SL_LOCAL_UXSOCK): rsyslog's imuxsock
 * parses with its own "special parser", not the parser chain.
 *
 * Flow control: rsyslog's default (FlowControl="off") is its "no delay" class, so the plugin
 * is SL_PF_NO_DELAY; FlowControl="on" is accepted but the class is per plugin here.
 * Accepted but without effect: ParseHostname (no effect with rsyslog's special parser
 * either) and UseSpecialParser="off" (logged as unsupported).
 *
 * Counters, in the sets rsyslog 8.2302's impstats prints for imuxsock (one set for the
 * module, shared by all its sockets; statsobj name and origin "imuxsock"): "imuxsock"
 * submitted (the core's count of what was handed over), ratelimit.discarded (rsyslog
 * creates it but never counts: sluice counts its drops) and ratelimit.numratelimiters
 * (per-pid limiters set up); sluice's own in the input's "imuxsock sluice" set (origin
 * sluice.input, next to the core's dropped.queue_full): received (datagrams read),
 * own.discarded (IgnoreOwnMessages).
 *
 * Ownership: the instance block belongs to the core; the socket, the eventfd, the buffers and
 * the rate-limit table are owned by the instance and released by destroy().  A socket we
 * created is unlinked at destroy() when Unlink="on".
 *
 * Concurrency & locking: create/open/destroy run on the main thread, run() on the input
 * thread; stop() only sets an atomic flag and writes the eventfd.  The rate-limit table is
 * touched by run() only.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <json.h>

#include "sluice/sl_plugin.h"
#include "imuxsock.h"
#include "../common/sl_stop.h"

#define RL_SLOTS 1024           /* per-pid rate limiters kept at most */
#define READS_PER_WAKEUP 256

struct imuxsock_mod {
    int use;
    char *name;
    int unlink_sock;
    int ignore_ts;
    int ignore_own;
    int flow_control;
    int use_sys_ts;
    int annotate;
    int parse_trusted;
    int special_parser;
    int parse_hostname;
    int use_pid;
    int64_t rl_interval, rl_burst, rl_severity;
};

struct ratelimiter {
    int64_t pid;                /* 0: free slot */
    time_t begin;
    uint64_t done, missed;
};

struct imuxsock_inst {
    /* ---- parameters (filled by the core) ---- */
    char *socket;
    int unlink_sock;
    int create_path;
    int parse_trusted;
    int ignore_own;
    char *hostname;
    int ignore_ts;
    int flow_control;
    int use_sys_ts;
    int annotate;
    int special_parser;
    int parse_hostname;
    int use_pid;
    int64_t rl_interval, rl_burst, rl_severity;

    /* ---- runtime ---- */
    const struct sl_host *h;
    struct sl_input_ctx *ctx;
    int active;                 /* 0: system socket with SysSock.Use="off" */
    int is_sys;
    const char *path;           /* socket path in use */
    int fd;
    int from_systemd;           /* fd passed by the service manager */
    int created;                /* we bound the path (unlink at the end if Unlink) */
    int use_creds;
    int stopfd;
    atomic_int stopping;
    size_t max_msg;
    char *buf;
    char *abuf;                 /* annotation buffer */
    size_t abuf_cap;
    struct ratelimiter *rl;
    pid_t own_pid;
    int can_set_local;
    char rl_host[256];          /* HOST in the rate-limit notice */
    int can_json;               /* host has msg_json_set (ParseTrusted) */

    _Atomic uint64_t *c_received, *c_ratelimit, *c_numrl, *c_own;
};

/* rsyslog's imuxsock statistics set and its sluice companion (see the top) */
#define IMUXSOCK_SET "imuxsock"
#define IMUXSOCK_SLUICE_SET "imuxsock sluice"

#define MOFF(f) offsetof(struct imuxsock_mod, f)
#define IOFF(f) offsetof(struct imuxsock_inst, f)

static const struct sl_param mod_params[] = {
    { "SysSock.Use", SL_PT_BOOL, 0, MOFF(use), "on", NULL, NULL, NULL },
    { "SysSock.Name", SL_PT_WORD, 0, MOFF(name), NULL, NULL, "$SystemLogSocketName", NULL },
    { "SysSock.Unlink", SL_PT_BOOL, 0, MOFF(unlink_sock), "on", NULL, NULL, NULL },
    { "SysSock.IgnoreTimestamp", SL_PT_BOOL, 0, MOFF(ignore_ts), "on", NULL,
      "$SystemLogSocketIgnoreMsgTimestamp", NULL },
    { "SysSock.IgnoreOwnMessages", SL_PT_BOOL, 0, MOFF(ignore_own), "off", NULL, NULL, NULL },
    { "SysSock.FlowControl", SL_PT_BOOL, SL_P_IGNORED, MOFF(flow_control), "off", NULL,
      "$SystemLogSocketFlowControl", NULL },
    { "SysSock.UseSysTimeStamp", SL_PT_BOOL, 0, MOFF(use_sys_ts), "on", NULL,
      "$SystemLogUseSysTimeStamp", NULL },
    { "SysSock.Annotate", SL_PT_BOOL, 0, MOFF(annotate), "off", NULL,
      "$SystemLogSocketAnnotate", NULL },
    { "SysSock.ParseTrusted", SL_PT_BOOL, 0, MOFF(parse_trusted), "off", NULL,
      "$SystemLogParseTrusted", NULL },
    { "SysSock.UseSpecialParser", SL_PT_BOOL, 0, MOFF(special_parser), "on", NULL, NULL, NULL },
    { "SysSock.ParseHostname", SL_PT_BOOL, 0, MOFF(parse_hostname), "off", NULL, NULL, NULL },
    { "SysSock.UsePIDFromSystem", SL_PT_BOOL, 0, MOFF(use_pid), "off", NULL,
      "$SystemLogUsePIDFromSystem", NULL },
    { "SysSock.RateLimit.Interval", SL_PT_INT, 0, MOFF(rl_interval), "0", NULL,
      "$SystemLogRateLimitInterval", NULL },
    { "SysSock.RateLimit.Burst", SL_PT_INT, 0, MOFF(rl_burst), "200", NULL,
      "$SystemLogRateLimitBurst", NULL },
    { "SysSock.RateLimit.Severity", SL_PT_INT, 0, MOFF(rl_severity), "1", NULL,
      "$SystemLogRateLimitSeverity", NULL },
    SL_PARAM_END
};

static const struct sl_param inst_params[] = {
    { "Socket", SL_PT_STRING, 0, IOFF(socket), NULL, NULL, NULL, NULL },
    { "Unlink", SL_PT_BOOL, 0, IOFF(unlink_sock), "on", NULL, NULL, NULL },
    { "CreatePath", SL_PT_BOOL, 0, IOFF(create_path), "off", NULL,
      "$InputUnixListenSocketCreatePath", NULL },
    { "ParseTrusted", SL_PT_BOOL, 0, IOFF(parse_trusted), "off", NULL, NULL, NULL },
    { "IgnoreOwnMessages", SL_PT_BOOL, 0, IOFF(ignore_own), "off", NULL, NULL, NULL },
    { "HostName", SL_PT_STRING, 0, IOFF(hostname), NULL, NULL,
      "$InputUnixListenSocketHostName", NULL },
    { "IgnoreTimestamp", SL_PT_BOOL, 0, IOFF(ignore_ts), "on", NULL,
      "$InputUnixListenSocketIgnoreMsgTimestamp", NULL },
    { "FlowControl", SL_PT_BOOL, SL_P_IGNORED, IOFF(flow_control), "off", NULL,
      "$InputUnixListenSocketFlowControl", NULL },
    { "UseSysTimeStamp", SL_PT_BOOL, 0, IOFF(use_sys_ts), "on", NULL,
      "$InputUnixListenSocketUseSysTimeStamp", NULL },
    { "Annotate", SL_PT_BOOL, 0, IOFF(annotate), "off", NULL,
      "$InputUnixListenSocketAnnotate", NULL },
    { "UseSpecialParser", SL_PT_BOOL, 0, IOFF(special_parser), "on", NULL, NULL, NULL },
    { "ParseHostname", SL_PT_BOOL, 0, IOFF(parse_hostname), "off", NULL, NULL, NULL },
    { "UsePIDFromSystem", SL_PT_BOOL, 0, IOFF(use_pid), "off", NULL,
      "$InputUnixListenSocketUsePIDFromSystem", NULL },
    { "RateLimit.Interval", SL_PT_INT, 0, IOFF(rl_interval), "0", NULL,
      "$IMUXSockRateLimitInterval", NULL },
    { "RateLimit.Burst", SL_PT_INT, 0, IOFF(rl_burst), "200", NULL,
      "$IMUXSockRateLimitBurst", NULL },
    { "RateLimit.Severity", SL_PT_INT, 0, IOFF(rl_severity), "1", NULL,
      "$IMUXSockRateLimitSeverity", NULL },
    SL_PARAM_END
};

#define SYSTEMD_SYSLOG_PATH "/run/systemd/journal/syslog"

const char *sl_imuxsock_path(const void *inst)
{
    const struct imuxsock_inst *in = inst;
    return in->active ? in->path : NULL;
}

int sl_imuxsock_from_systemd(const void *inst)
{
    const struct imuxsock_inst *in = inst;
    return in->from_systemd;
}

static int is_socket_path(const char *p)
{
    struct stat st;
    return stat(p, &st) == 0 && S_ISSOCK(st.st_mode);
}

static int is_dir(const char *p)
{
    struct stat st;
    return stat(p, &st) == 0 && S_ISDIR(st.st_mode);
}

static int imuxsock_create(void *inst, void *modconf, const struct sl_host *h,
                           struct sl_input_ctx *ctx)
{
    struct imuxsock_inst *in = inst;
    const struct imuxsock_mod *m = modconf;

    in->h = h;
    in->ctx = ctx;
    in->fd = -1;
    in->stopfd = -1;
    in->own_pid = getpid();
    in->can_set_local = h->struct_size >= offsetof(struct sl_host, msg_set_local) +
                                           sizeof h->msg_set_local &&
                        h->msg_set_local != NULL;
    in->max_msg = h->max_message_size();
    if (in->max_msg == 0) {
        in->max_msg = 8096;
    }
    if (in->socket == NULL) {
        /* the system log socket: module parameters */
        in->is_sys = 1;
        in->active = m == NULL || m->use;
        if (m != NULL) {
            in->unlink_sock = m->unlink_sock;
            in->ignore_ts = m->ignore_ts;
            in->ignore_own = m->ignore_own;
            in->flow_control = m->flow_control;
            in->use_sys_ts = m->use_sys_ts;
            in->annotate = m->annotate;
            in->parse_trusted = m->parse_trusted;
            in->special_parser = m->special_parser;
            in->parse_hostname = m->parse_hostname;
            in->use_pid = m->use_pid;
            in->rl_interval = m->rl_interval;
            in->rl_burst = m->rl_burst;
            in->rl_severity = m->rl_severity;
        }
        in->create_path = 0;
        in->hostname = NULL;
        if (m != NULL && m->name != NULL && m->name[0] != '\0') {
            in->path = m->name;
        } else if (is_dir("/run/systemd/system") && is_socket_path(SYSTEMD_SYSLOG_PATH)) {
            in->path = SYSTEMD_SYSLOG_PATH;
        } else {
            in->path = "/dev/log";
        }
    } else {
        if (in->socket[0] == '\0') {
            h->log(SL_LOG_ERR, "imuxsock", "imuxsock: socket name must be specified, "
                   "but is not - listener not created");
            return SL_ECONFIG;
        }
        in->active = 1;
        in->path = in->socket;
    }
    if (in->active && strlen(in->path) >= sizeof(((struct sockaddr_un *)0)->sun_path)) {
        h->log(SL_LOG_ERR, "imuxsock", "imuxsock: socket path '%s' is too long", in->path);
        return SL_ECONFIG;
    }
    /* any integer, kept as rsyslog's unsigned int (a negative one is very large) */
    in->rl_interval = (uint32_t)in->rl_interval;
    in->rl_burst = (uint32_t)in->rl_burst;
    in->rl_severity = (int8_t)in->rl_severity;   /* rsyslog's intTiny */
    if (in->rl_interval > 0 && in->rl_burst == 0) {
        in->rl_burst = 1;
    }
    if (in->active && !in->special_parser) {
        h->log(SL_LOG_WARNING, "imuxsock", "imuxsock: UseSpecialParser=\"off\" is not "
               "supported yet and ignored on '%s'", in->path);
    }
    in->can_json = h->struct_size >= offsetof(struct sl_host, msg_json_set) +
                                      sizeof h->msg_json_set && h->msg_json_set != NULL;
    in->use_creds = in->ignore_own || in->use_pid || in->rl_interval > 0 || in->annotate ||
                    in->use_sys_ts;
    const char *lh = in->hostname;
    if (lh == NULL && h->struct_size >= offsetof(struct sl_host, global_str) +
                                         sizeof h->global_str && h->global_str != NULL) {
        lh = h->global_str("localHostname");
    }
    if (lh != NULL) {
        snprintf(in->rl_host, sizeof in->rl_host, "%s", lh);
    } else if (gethostname(in->rl_host, sizeof in->rl_host - 1) == 0) {
        in->rl_host[sizeof in->rl_host - 1] = '\0';
        char *dot = strchr(in->rl_host, '.');
        if (dot != NULL) {
            *dot = '\0';
        }
    } else {
        snprintf(in->rl_host, sizeof in->rl_host, "localhost");
    }
    /* after the core's "submitted" in the same set (made before create()): rsyslog's order */
    in->c_ratelimit = h->counter("imuxsock", IMUXSOCK_SET, "ratelimit.discarded");
    in->c_numrl = h->counter("imuxsock", IMUXSOCK_SET, "ratelimit.numratelimiters");
    in->c_received = h->counter("sluice.input", IMUXSOCK_SLUICE_SET, "received");
    in->c_own = h->counter("sluice.input", IMUXSOCK_SLUICE_SET, "own.discarded");
    return 0;
}

/* The socket passed by the service manager for path, or -1.  LISTEN_FDS/LISTEN_PID are
 * the socket activation protocol (sd_listen_fds(3)); they are left in the environment, as
 * rsyslog does (sd_listen_fds(0)). */
static int systemd_fd(const char *path)
{
    const char *lp = getenv("LISTEN_PID");
    const char *lf = getenv("LISTEN_FDS");
    if (lp == NULL || lf == NULL) {
        return -1;
    }
    char *end;
    long pid = strtol(lp, &end, 10);
    if (*end != '\0' || pid != (long)getpid()) {
        return -1;
    }
    long n = strtol(lf, &end, 10);
    if (*end != '\0' || n <= 0 || n > 1024) {
        return -1;
    }
    for (int fd = 3; fd < 3 + (int)n; fd++) {
        int type = 0;
        socklen_t tl = sizeof type;
        struct sockaddr_un sa;
        socklen_t sl = sizeof sa;
        if (getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &tl) != 0 || type != SOCK_DGRAM) {
            continue;
        }
        memset(&sa, 0, sizeof sa);
        if (getsockname(fd, (struct sockaddr *)&sa, &sl) != 0 || sa.sun_family != AF_UNIX) {
            continue;
        }
        size_t plen = sl > offsetof(struct sockaddr_un, sun_path)
                          ? sl - offsetof(struct sockaddr_un, sun_path) : 0;
        if (plen > 0 && sa.sun_path[plen - 1] == '\0') {
            plen--;
        }
        if (plen == strlen(path) && memcmp(sa.sun_path, path, plen) == 0) {
            return fd;
        }
    }
    return -1;
}

/* mkdir -p for the directory part of path (mode 0755), as CreatePath does. */
static void make_parent_dirs(const char *path)
{
    char tmp[PATH_MAX];
    snprintf(tmp, sizeof tmp, "%s", path);
    for (char *p = tmp + 1; *p != '\0'; p++) {
        if (*p == '/') {
            *p = '\0';
            (void)mkdir(tmp, 0755);
            *p = '/';
        }
    }
}

static int create_socket(struct imuxsock_inst *in)
{
    struct sockaddr_un sa;
    memset(&sa, 0, sizeof sa);
    sa.sun_family = AF_UNIX;
    snprintf(sa.sun_path, sizeof sa.sun_path, "%s", in->path);
    if (in->unlink_sock) {
        (void)unlink(in->path);
    }
    if (in->create_path) {
        make_parent_dirs(in->path);
    }
    int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (fd < 0) {
        return -errno;
    }
    if (bind(fd, (struct sockaddr *)&sa, sizeof sa) != 0 || chmod(in->path, 0666) != 0) {
        int e = errno;
        close(fd);
        return -e;
    }
    return fd;
}

static int imuxsock_open(void *inst)
{
    struct imuxsock_inst *in = inst;
    const struct sl_host *h = in->h;

    in->stopfd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (in->stopfd < 0) {
        h->log(SL_LOG_ERR, "imuxsock", "imuxsock: eventfd: %s", strerror(errno));
        return SL_EIO;
    }
    if (!in->active) {
        return 0;
    }
    int fd = systemd_fd(in->path);
    if (fd >= 0) {
        in->from_systemd = 1;
        int fl = fcntl(fd, F_GETFL);
        if (fl >= 0) {
            (void)fcntl(fd, F_SETFL, fl | O_NONBLOCK);
        }
        (void)fcntl(fd, F_SETFD, FD_CLOEXEC);
        h->log(SL_LOG_INFO, "imuxsock", "imuxsock: Acquired UNIX socket '%s' (fd %d) from "
               "systemd.", in->path, fd);
    } else {
        fd = create_socket(in);
        if (fd < 0) {
            h->log(SL_LOG_ERR, "imuxsock", "imuxsock: cannot create '%s': %s", in->path,
                   strerror(-fd));
            /* the system socket is not worth stopping the daemon for (rsyslog runs on);
             * an explicit input() is, as for the other inputs */
            return in->is_sys ? 0 : SL_EIO;
        }
        in->created = 1;
    }
    in->fd = fd;
    if (in->use_creds) {
        int one = 1;
        if (setsockopt(fd, SOL_SOCKET, SO_PASSCRED, &one, sizeof one) != 0) {
            h->log(SL_LOG_ERR, "imuxsock", "imuxsock: set SO_PASSCRED failed on '%s': %s",
                   in->path, strerror(errno));
            in->use_creds = 0;
        }
        if (in->use_sys_ts && setsockopt(fd, SOL_SOCKET, SO_TIMESTAMP, &one, sizeof one) != 0) {
            h->log(SL_LOG_ERR, "imuxsock", "imuxsock: set SO_TIMESTAMP failed on '%s': %s",
                   in->path, strerror(errno));
        }
    }
    in->buf = malloc(in->max_msg + 1);
    if (in->rl_interval > 0) {
        in->rl = calloc(RL_SLOTS, sizeof *in->rl);
    }
    if (in->buf == NULL || (in->rl_interval > 0 && in->rl == NULL)) {
        h->log(SL_LOG_ERR, "imuxsock", "imuxsock: out of memory");
        return SL_ENOMEM;
    }
    return 0;
}

/* ---- rate limiting: rsyslog's "Linux-like" limiter, one per sender pid ----
 * The notices read as rsyslog 8.2302 writes them: "imuxsock[] from <HOST:APP>: begin to
 * drop messages due to rate-limiting" and "imuxsock[]: N messages lost due to rate-limiting
 * (B allowed within I seconds)" (the brackets are empty there too). */

static void rl_tell_lost(struct imuxsock_inst *in, struct ratelimiter *r)
{
    if (r->missed > 0) {
        in->h->log(SL_LOG_WARNING, "imuxsock", "imuxsock[]: %llu messages lost due to "
                   "rate-limiting (%lld allowed within %lld seconds)",
                   (unsigned long long)r->missed, (long long)in->rl_burst,
                   (long long)in->rl_interval);
        r->missed = 0;
    }
}

static struct ratelimiter *rl_find(struct imuxsock_inst *in, int64_t pid, time_t now)
{
    size_t start = (size_t)((uint64_t)pid * 2654435761u) % RL_SLOTS;
    struct ratelimiter *victim = NULL;
    for (size_t k = 0; k < RL_SLOTS; k++) {
        struct ratelimiter *r = &in->rl[(start + k) % RL_SLOTS];
        if (r->pid == pid) {
            return r;
        }
        if (r->pid == 0) {
            victim = r;
            break;
        }
        if (victim == NULL && r->missed == 0 &&
            (r->begin == 0 || now > r->begin + (time_t)in->rl_interval)) {
            victim = r;   /* an expired limiter may be reused */
        }
    }
    if (victim == NULL) {
        victim = &in->rl[start];
        rl_tell_lost(in, victim);
    }
    memset(victim, 0, sizeof *victim);
    victim->pid = pid;
    atomic_fetch_add(in->c_numrl, 1);
    return victim;
}

/* 1: pass, 0: drop.  The window starts with the first message; a message after the window
 * (or with the clock gone backwards) starts a new one and reports what was lost. */
static int rl_pass(struct imuxsock_inst *in, int64_t pid, const char *app, size_t applen,
                   time_t now)
{
    struct ratelimiter *r = rl_find(in, pid, now);
    if (r->begin == 0) {
        r->begin = now;
    }
    if (now > r->begin + (time_t)in->rl_interval || now < r->begin) {
        r->begin = now;
        r->done = 0;
        rl_tell_lost(in, r);
    }
    if ((int64_t)r->done < in->rl_burst) {
        r->done++;
        return 1;
    }
    r->missed++;
    if (r->missed == 1) {
        in->h->log(SL_LOG_INFO, "imuxsock", "imuxsock[] from <%s:%.*s>: begin to drop "
                   "messages due to rate-limiting", in->rl_host, (int)applen, app);
    }
    return 0;
}

/* Severity and program name of a raw local message, parsed as rsyslog's imuxsock does for
 * rate limiting (PRI digits after the first byte; the tag after a 3164 timestamp). */
static int raw_severity(const char *p, size_t n)
{
    int pri = 0;
    for (size_t i = 1; i < n && p[i] >= '0' && p[i] <= '9' && pri < 1000; i++) {
        pri = pri * 10 + (p[i] - '0');
    }
    return pri > 191 ? 7 : pri & 7;
}

static void raw_app(const char *p, size_t n, const char **app, size_t *applen)
{
    size_t i = 1;
    while (i < n && p[i] != '>') {
        i++;
    }
    i++;
    if (i + 16 <= n && p[i + 3] == ' ' && p[i + 6] == ' ' && p[i + 9] == ':' &&
        p[i + 15] == ' ') {
        i += 16;
    }
    size_t s = i;
    while (i < n && p[i] != ' ' && p[i] != ':' && p[i] != '[') {
        i++;
    }
    *app = s < n ? p + s : "";
    *applen = s < n ? i - s : 0;
}

/* ---- trusted properties (Annotate) ---- */

static size_t read_proc(int64_t pid, const char *what, char *out, size_t cap)
{
    char path[64];
    snprintf(path, sizeof path, "/proc/%lld/%s", (long long)pid, what);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        return 0;
    }
    ssize_t r = read(fd, out, cap - 1);
    close(fd);
    if (r <= 0) {
        return 0;
    }
    /* as rsyslog: up to the first LF, control characters (cmdline's NULs) become SP */
    size_t n = 0;
    while (n < (size_t)r && out[n] != '\n') {
        if ((unsigned char)out[n] < 0x20 || out[n] == 0x7f) {
            out[n] = ' ';
        }
        n++;
    }
    out[n] = '\0';
    return n;
}

static int abuf_put(struct imuxsock_inst *in, size_t *len, const char *p, size_t n)
{
    if (*len + n + 1 > in->abuf_cap) {
        size_t cap = (*len + n + 1) * 2;
        char *nb = realloc(in->abuf, cap);
        if (nb == NULL) {
            return SL_ENOMEM;
        }
        in->abuf = nb;
        in->abuf_cap = cap;
    }
    memcpy(in->abuf + *len, p, n);
    *len += n;
    return 0;
}

/* raw + " @[_PID=.. _UID=.. _GID=..[ _COMM=..][ _EXE=..][ _CMDLINE=\"..\"]]" in in->abuf */
static int annotate(struct imuxsock_inst *in, const char *raw, size_t n, const struct ucred *c,
                    size_t *outlen)
{
    char prop[1024], tmp[128];
    size_t len = 0, pl;
    int rc = abuf_put(in, &len, raw, n);
    int tl = snprintf(tmp, sizeof tmp, " @[_PID=%lu _UID=%lu _GID=%lu", (unsigned long)c->pid,
                      (unsigned long)c->uid, (unsigned long)c->gid);
    rc |= abuf_put(in, &len, tmp, (size_t)tl);
    if ((pl = read_proc(c->pid, "comm", prop, sizeof prop)) > 0) {
        rc |= abuf_put(in, &len, " _COMM=", 7);
        rc |= abuf_put(in, &len, prop, pl);
    }
    snprintf(tmp, sizeof tmp, "/proc/%lu/exe", (unsigned long)c->pid);
    ssize_t el = readlink(tmp, prop, sizeof prop - 1);
    if (el > 0) {
        rc |= abuf_put(in, &len, " _EXE=", 6);
        rc |= abuf_put(in, &len, prop, (size_t)el);
    }
    if ((pl = read_proc(c->pid, "cmdline", prop, sizeof prop)) > 0) {
        rc |= abuf_put(in, &len, " _CMDLINE=\"", 11);
        for (size_t i = 0; i < pl && rc == 0; i++) {
            if (prop[i] == '"' || prop[i] == '\\') {
                rc |= abuf_put(in, &len, "\\", 1);
            }
            rc |= abuf_put(in, &len, &prop[i], 1);
        }
        rc |= abuf_put(in, &len, "\"", 1);
    }
    rc |= abuf_put(in, &len, "]", 1);
    *outlen = len;
    return rc != 0 ? SL_ENOMEM : 0;
}

/* ParseTrusted: the trusted properties as $!pid, $!uid, $!gid, $!appname, $!exe, $!cmd
 * (rsyslog's names, in its order), the raw message left alone. */
static void set_trusted(struct imuxsock_inst *in, struct sl_msg *m, const struct ucred *c)
{
    char prop[1024], path[64];
    size_t pl;
    in->h->msg_json_set(m, "$!pid", fjson_object_new_int((int32_t)c->pid));
    in->h->msg_json_set(m, "$!uid", fjson_object_new_int((int32_t)c->uid));
    in->h->msg_json_set(m, "$!gid", fjson_object_new_int((int32_t)c->gid));
    if ((pl = read_proc(c->pid, "comm", prop, sizeof prop)) > 0) {
        in->h->msg_json_set(m, "$!appname", fjson_object_new_string(prop));
    }
    snprintf(path, sizeof path, "/proc/%lu/exe", (unsigned long)c->pid);
    ssize_t el = readlink(path, prop, sizeof prop - 1);
    if (el > 0) {
        prop[el] = '\0';
        in->h->msg_json_set(m, "$!exe", fjson_object_new_string(prop));
    }
    if ((pl = read_proc(c->pid, "cmdline", prop, sizeof prop)) > 0) {
        in->h->msg_json_set(m, "$!cmd", fjson_object_new_string(prop));
    }
}

/* ---- reading ---- */

static int handle_datagram(struct imuxsock_inst *in, size_t n, const struct ucred *cred,
                           const struct timeval *tv)
{
    const struct sl_host *h = in->h;
    const char *raw = in->buf;
    if (in->ignore_own && cred != NULL && cred->pid == in->own_pid) {
        atomic_fetch_add(in->c_own, 1);
        return 0;
    }
    struct timespec now;
    if (tv != NULL) {
        now.tv_sec = tv->tv_sec;
        now.tv_nsec = (long)tv->tv_usec * 1000;
    } else {
        clock_gettime(CLOCK_REALTIME, &now);
    }
    if (in->rl != NULL && cred != NULL && raw_severity(raw, n) >= in->rl_severity) {
        const char *app;
        size_t applen;
        raw_app(raw, n, &app, &applen);
        if (!rl_pass(in, cred->pid, app, applen, now.tv_sec)) {
            atomic_fetch_add(in->c_ratelimit, 1);
            return 0;
        }
    }
    int trusted = in->annotate && in->parse_trusted && cred != NULL;
    if (in->annotate && !in->parse_trusted && cred != NULL) {
        size_t al;
        if (annotate(in, raw, n, cred, &al) == 0) {
            raw = in->abuf;
            n = al;
        }
    }
    struct sl_msg *m = h->msg_new(in->ctx, raw, n, NULL, 0);
    if (trusted && in->can_json) {
        set_trusted(in, m, cred);
    }
    if (in->can_set_local) {
        struct sl_local_meta lm;
        memset(&lm, 0, sizeof lm);
        lm.flags = SL_LOCAL_UXSOCK;
        if (tv != NULL) {
            lm.flags |= SL_LOCAL_SYS_TS;
            lm.rcv = &now;
        } else if (in->ignore_ts) {
            lm.flags |= SL_LOCAL_IGNORE_TS;
        }
        if (in->use_pid && cred != NULL) {
            lm.flags |= SL_LOCAL_PID;
            lm.pid = cred->pid;
        }
        lm.hostname = in->hostname;
        h->msg_set_local(m, &lm);
    }
    /* One flow per socket: local messages keep the order in which they arrived on it,
     * across sending processes too, as with rsyslog's single worker.  (Keying by pid would
     * let two processes' lines swap between the core's workers; local rates are low.) */
    uint64_t key = (uint64_t)(uintptr_t)in;
    int rc = h->submit(in->ctx, &m, 1, key);   /* the core counts submitted and drops */
    return rc < 0 ? rc : 0;
}

static int read_socket(struct imuxsock_inst *in)
{
    union {
        char buf[CMSG_SPACE(sizeof(struct ucred)) + CMSG_SPACE(sizeof(struct timeval)) + 64];
        struct cmsghdr align;
    } ctrl;
    for (int k = 0; k < READS_PER_WAKEUP && !atomic_load(&in->stopping); k++) {
        struct iovec iov = { .iov_base = in->buf, .iov_len = in->max_msg };
        struct msghdr mh;
        memset(&mh, 0, sizeof mh);
        mh.msg_iov = &iov;
        mh.msg_iovlen = 1;
        mh.msg_control = ctrl.buf;
        mh.msg_controllen = sizeof ctrl.buf;
        ssize_t r = recvmsg(in->fd, &mh, MSG_DONTWAIT);
        if (r < 0) {
            if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
                in->h->log(SL_LOG_ERR, "imuxsock", "imuxsock: recvfrom UNIX: %s",
                           strerror(errno));
            }
            return 0;
        }
        if (r == 0) {
            continue;   /* rsyslog ignores empty datagrams */
        }
        atomic_fetch_add(in->c_received, 1);
        struct ucred cred;
        struct timeval tv;
        int have_cred = 0, have_tv = 0;
        for (struct cmsghdr *c = CMSG_FIRSTHDR(&mh); c != NULL; c = CMSG_NXTHDR(&mh, c)) {
            if (c->cmsg_level != SOL_SOCKET) {
                continue;
            }
            if (c->cmsg_type == SCM_CREDENTIALS && in->use_creds) {
                memcpy(&cred, CMSG_DATA(c), sizeof cred);
                have_cred = 1;
            } else if (c->cmsg_type == SO_TIMESTAMP && in->use_sys_ts) {
                memcpy(&tv, CMSG_DATA(c), sizeof tv);
                have_tv = 1;
            }
        }
        int rc = handle_datagram(in, (size_t)r, have_cred ? &cred : NULL, have_tv ? &tv : NULL);
        if (rc < 0) {
            return rc;
        }
    }
    return 0;
}

static int imuxsock_run(void *inst)
{
    struct imuxsock_inst *in = inst;
    while (!atomic_load(&in->stopping)) {
        struct pollfd pfd[2] = {
            { .fd = in->stopfd, .events = POLLIN },
            { .fd = in->fd, .events = POLLIN },
        };
        int n = poll(pfd, in->fd >= 0 ? 2 : 1, 1000);
        if (n < 0) {
            if (errno == EINTR) {
                continue;
            }
            in->h->log(SL_LOG_ERR, "imuxsock", "imuxsock: poll failed: %s", strerror(errno));
            return SL_EIO;
        }
        if (in->fd >= 0 && (pfd[1].revents & POLLIN) && read_socket(in) != 0) {
            break;  /* the core is shutting down */
        }
    }
    return 0;
}

static void imuxsock_stop(void *inst)
{
    struct imuxsock_inst *in = inst;
    sl_stop_wake(&in->stopping, in->stopfd);
}

static void imuxsock_destroy(void *inst)
{
    struct imuxsock_inst *in = inst;
    if (in->rl != NULL) {
        for (size_t i = 0; i < RL_SLOTS; i++) {
            if (in->rl[i].pid != 0) {
                rl_tell_lost(in, &in->rl[i]);
            }
        }
    }
    if (in->fd >= 0) {
        close(in->fd);
        in->fd = -1;
        if (in->created && in->unlink_sock) {
            (void)unlink(in->path);
        }
    }
    if (in->stopfd >= 0) {
        close(in->stopfd);
        in->stopfd = -1;
    }
    free(in->buf);
    free(in->abuf);
    free(in->rl);
    in->buf = NULL;
    in->abuf = NULL;
    in->rl = NULL;
}

static const struct sl_input_ops imuxsock_ops = {
    .create = imuxsock_create,
    .open = imuxsock_open,
    .run = imuxsock_run,
    .stop = imuxsock_stop,
    .destroy = imuxsock_destroy,
};

SL_PLUGIN_DEFINE(imuxsock) = {
    SL_PLUGIN_HEADER(imuxsock),
    .kinds = SL_INPUT,
    .flags = SL_PF_NO_DELAY | SL_PF_PRE_PRIVDROP_OPEN | SL_PF_MODULE_INSTANCE,
    .module_params = mod_params,
    .inst_params = inst_params,
    .mod_size = sizeof(struct imuxsock_mod),
    .inst_size = sizeof(struct imuxsock_inst),
    .wrk_size = 0,
    .in = &imuxsock_ops,
};
