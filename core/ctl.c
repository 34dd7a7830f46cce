/*
 * ctl.c - sluiced's control socket, the server side of sluicectl(8).
 *
 * A unix stream socket (global(sluice.controlSocket="PATH"); default: the pid file's path
 * with ".ctl" for ".pid", /run/sluiced.ctl for the system install; "off": none; main.c
 * picks it), created (with missing directories) before the privilege drop with mode
 * 0600 and handed to the user the daemon drops to.
 * Protocol: the client sends one request line (at most SL_CTL_MAX_REQ bytes with its
 * newline, printable text), the daemon writes the reply and closes the connection; a
 * reply whose first line starts with "error:" is a refusal.  Commands:
 *   help | version | stats [--json] | queues [--json] | reopen | reload |
 *   trace on [--json] [input=NAME] [ruleset=NAME] [match=SUBSTRING] | trace off
 * reopen is what SIGHUP does for files (the outputs' and inputs' hup()), reload what it
 * does for the lookup tables; `trace on` replies one "ok:" line, then keeps the connection
 * and streams the trace lines (core/trace.c) until the client closes it or `trace off`.
 * match= takes the rest of the line (it may contain spaces).
 *
 * Why hand-written: a line protocol over a unix socket, a poll() loop of ~300 lines;
 * syslog-ng-ctl's is the same kind of thing, and no library adds anything here.
 *
 * Ownership: the listening socket, the client table and the path are this file's statics,
 * from sl_ctl_open to sl_ctl_stop (which unlinks the socket when it can).
 *
 * Concurrency & locking: one thread of its own (sl_ctl_start), never the engine's: a poll()
 * loop over a wake-up pipe, the listening socket and at most SL_CTL_MAX_CLIENTS clients,
 * each with a 5 s deadline to send its request; a client that does not read its reply is
 * given up after 2 s.  The commands read the engine as SIGUSR1 does (counters under
 * counters_lock, rings under their locks); reopen/reload serialise with SIGHUP in engine.c.
 * Trace followers' descriptors are written by the ruleset workers under trace.c's lock;
 * this thread closes one only after sl_trace_unsub/sl_trace_off removed it there.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <libfastjson/json.h>

#include "ctl.h"
#include "engine_int.h"
#include "log.h"
#include "trace.h"

#define SL_CTL_MAX_REQ 4096
#define SL_CTL_MAX_CLIENTS 8
#define SL_CTL_REQ_TIMEOUT_MS 5000
#define SL_CTL_WRITE_TIMEOUT_MS 2000

struct ctl_client {
    int fd;
    int following;            /* a trace follower: no request, only its hang-up matters */
    int64_t deadline;         /* monotonic ms to get the request by */
    size_t len;
    char buf[SL_CTL_MAX_REQ];
};

static struct sl_engine *eng;
static int lfd = -1;
static int wake[2] = { -1, -1 };
static char *sock_path;
static pthread_t thr;
static int running;
static struct ctl_client *clients[SL_CTL_MAX_CLIENTS];

static int64_t mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Writes all of p (the client's socket is non-blocking), up to SL_CTL_WRITE_TIMEOUT_MS. */
static int write_all(int fd, const char *p, size_t n)
{
    int64_t deadline = mono_ms() + SL_CTL_WRITE_TIMEOUT_MS;
    while (n > 0) {
        ssize_t w = send(fd, p, n, MSG_NOSIGNAL);
        if (w > 0) {
            p += w;
            n -= (size_t)w;
            continue;
        }
        if (w < 0 && errno != EAGAIN && errno != EINTR) {
            return -1;
        }
        int64_t left = deadline - mono_ms();
        if (left <= 0) {
            return -1;
        }
        struct pollfd pf = { fd, POLLOUT, 0 };
        (void)poll(&pf, 1, (int)left);
    }
    return 0;
}

/* ---------------------------------------------------------------------------------------
 * Commands: each writes its reply into out.
 * ------------------------------------------------------------------------------------- */
static void stats_json(void *arg, const char *set, const char *origin, const struct sl_stat *v,
                       size_t n)
{
    FILE *out = arg;
    struct fjson_object *o = fjson_object_new_object();
    fjson_object_object_add(o, "name", fjson_object_new_string(set));
    fjson_object_object_add(o, "origin", fjson_object_new_string(origin));
    for (size_t i = 0; i < n; i++) {
        fjson_object_object_add(o, v[i].name, fjson_object_new_int64((int64_t)v[i].value));
    }
    fprintf(out, "%s\n", fjson_object_to_json_string_ext(o, FJSON_TO_STRING_PLAIN));
    fjson_object_put(o);
}

static const char help_text[] =
    "commands (one per connection):\n"
    "  help                      this text\n"
    "  version                   sluiced's version\n"
    "  stats [--json]            every counter set (impstats legacy text, or one JSON object a line)\n"
    "  queues [--json]           ruleset queues (size, depth, disk bytes, workers) and actions\n"
    "                            (queue, suspended since when, retries)\n"
    "  reopen                    reopen output files (what SIGHUP does for files)\n"
    "  reload                    reload lookup tables (what SIGHUP reloads)\n"
    "  trace on [--json] [input=NAME] [ruleset=NAME] [match=SUBSTRING]\n"
    "                            stream the live trace of the selected messages (--json:\n"
    "                            one JSON object a line)\n"
    "  trace off                 stop every trace\n";

/* `trace on ...`: 0 and the client follows the trace, or -1 with the error in out. */
static int cmd_trace_on(struct ctl_client *c, char *args, FILE *out)
{
    char *input = NULL, *ruleset = NULL, *match = NULL;
    int json = 0;
    while (*args != '\0') {
        while (*args == ' ' || *args == '\t') {
            args++;
        }
        if (*args == '\0') {
            break;
        }
        if (strncmp(args, "match=", 6) == 0) {
            match = args + 6;      /* the rest of the line */
            break;
        }
        char *end = args + strcspn(args, " \t");
        char saved = *end;
        *end = '\0';
        if (strcmp(args, "--json") == 0) {
            json = 1;
        } else if (strncmp(args, "input=", 6) == 0) {
            input = args + 6;
        } else if (strncmp(args, "ruleset=", 8) == 0) {
            ruleset = args + 8;
        } else {
            fprintf(out, "error: trace on: unknown selector '%s' (--json, input=, ruleset=, match=)\n",
                    args);
            return -1;
        }
        if (saved == '\0') {
            break;
        }
        args = end + 1;
    }
    if (sl_trace_sub(c->fd, input, ruleset, match, json) != 0) {   /* it sends the "ok:" */
        fprintf(out, "error: trace on: too many clients follow the trace already\n");
        return -1;
    }
    return 0;
}

static void close_fds(const int *fds, size_t n, struct ctl_client *keep);

/* Runs c's request; returns 1 when c now follows the trace (keep it), 0 to close it. */
static int run_request(struct ctl_client *c, char *req)
{
    char *text = NULL;
    size_t len = 0;
    int follow = 0;
    FILE *out = open_memstream(&text, &len);
    if (out == NULL) {
        return 0;
    }
    char *cmd = req + strspn(req, " \t");
    char *args = cmd + strcspn(cmd, " \t");
    if (*args != '\0') {
        *args++ = '\0';
        args += strspn(args, " \t");
    }
    while (*args != '\0' && (args[strlen(args) - 1] == ' ' || args[strlen(args) - 1] == '\t')) {
        args[strlen(args) - 1] = '\0';
    }
    if (strcmp(cmd, "help") == 0) {
        fputs(help_text, out);
    } else if (strcmp(cmd, "version") == 0) {
        fprintf(out, "sluiced %s (plugin ABI %d.%d)\n", PACKAGE_VERSION, SL_ABI_MAJOR,
                SL_ABI_MINOR);
    } else if (strcmp(cmd, "stats") == 0 && (args[0] == '\0' || strcmp(args, "--json") == 0)) {
        if (args[0] == '\0') {
            fflush(out);
            fclose(out);
            free(text);
            text = NULL;
            len = 0;
            out = open_memstream(&text, &len);
            if (out == NULL) {
                return 0;
            }
            sl_engine_stats(eng, out);
        } else {
            sl_engine_stats_foreach(eng, stats_json, out, 0);
        }
    } else if (strcmp(cmd, "queues") == 0 && (args[0] == '\0' || strcmp(args, "--json") == 0)) {
        sl_engine_queues(eng, out, args[0] != '\0');
    } else if (strcmp(cmd, "reopen") == 0 && args[0] == '\0') {
        sl_log(SL_LOG_INFO, NULL, "control socket: reopen (as HUP does for files)");
        sl_engine_reopen(eng);
        fputs("ok: files reopened\n", out);
    } else if (strcmp(cmd, "reload") == 0 && args[0] == '\0') {
        sl_log(SL_LOG_INFO, NULL, "control socket: reload (lookup tables, as HUP does)");
        sl_engine_reload(eng);
        fputs("ok: lookup tables reloaded\n", out);
    } else if (strcmp(cmd, "trace") == 0 && strncmp(args, "on", 2) == 0 &&
               (args[2] == '\0' || args[2] == ' ' || args[2] == '\t')) {
        follow = cmd_trace_on(c, args + 2, out) == 0;
    } else if (strcmp(cmd, "trace") == 0 && strcmp(args, "off") == 0) {
        int fds[SL_CTL_MAX_CLIENTS];
        size_t n = 0;
        sl_trace_off(fds, SL_CTL_MAX_CLIENTS, &n);
        close_fds(fds, n, c);
        fprintf(out, "ok: trace off (%zu follower%s closed)\n", n, n == 1 ? "" : "s");
    } else if (cmd[0] == '\0') {
        fputs("error: empty request (try help)\n", out);
    } else if (strcmp(cmd, "stats") == 0 || strcmp(cmd, "queues") == 0 ||
               strcmp(cmd, "reopen") == 0 || strcmp(cmd, "reload") == 0 ||
               strcmp(cmd, "trace") == 0) {
        fprintf(out, "error: %s: bad arguments '%s' (try help)\n", cmd, args);
    } else {
        fprintf(out, "error: unknown command '%.64s' (try help)\n", cmd);
    }
    fclose(out);
    if (len > 0 && write_all(c->fd, text, len) != 0 && follow) {
        sl_trace_unsub(c->fd);
        follow = 0;
    }
    free(text);
    return follow;
}

/* ---------------------------------------------------------------------------------------
 * The client table and the poll loop
 * ------------------------------------------------------------------------------------- */
static void drop_client(size_t i)
{
    struct ctl_client *c = clients[i];
    if (c->following) {
        sl_trace_unsub(c->fd);
    }
    close(c->fd);
    free(c);
    clients[i] = NULL;
}

/* After `trace off`: the followers it stopped are closed (not the asking client). */
static void close_fds(const int *fds, size_t n, struct ctl_client *keep)
{
    for (size_t k = 0; k < n; k++) {
        for (size_t i = 0; i < SL_CTL_MAX_CLIENTS; i++) {
            if (clients[i] != NULL && clients[i] != keep && clients[i]->fd == fds[k]) {
                clients[i]->following = 0;   /* already removed from trace.c */
                drop_client(i);
            }
        }
    }
}

static void refuse(int fd, const char *why)
{
    (void)send(fd, why, strlen(why), MSG_DONTWAIT | MSG_NOSIGNAL);
    close(fd);
}

static void accept_one(void)
{
    int fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0) {
        return;
    }
    for (size_t i = 0; i < SL_CTL_MAX_CLIENTS; i++) {
        if (clients[i] == NULL) {
            clients[i] = sl_xcalloc(1, sizeof *clients[i]);
            clients[i]->fd = fd;
            clients[i]->deadline = mono_ms() + SL_CTL_REQ_TIMEOUT_MS;
            return;
        }
    }
    refuse(fd, "error: too many clients, try again later\n");
}

/* Data from client i: the request is complete at a newline. */
static void read_client(size_t i)
{
    struct ctl_client *c = clients[i];
    char scratch[512];
    if (c->following) {   /* nothing is expected: read and forget, or see it close */
        ssize_t r = recv(c->fd, scratch, sizeof scratch, 0);
        if (r == 0 || (r < 0 && errno != EAGAIN && errno != EINTR)) {
            drop_client(i);
        }
        return;
    }
    ssize_t r = recv(c->fd, c->buf + c->len, sizeof c->buf - c->len, 0);
    if (r < 0 && (errno == EAGAIN || errno == EINTR)) {
        return;
    }
    if (r <= 0 && c->len == 0) {
        drop_client(i);
        return;
    }
    size_t old = c->len;
    c->len += r > 0 ? (size_t)r : 0;
    char *nl = memchr(c->buf + old, '\n', c->len - old);
    if (nl == NULL && r > 0) {
        if (c->len >= sizeof c->buf) {
            refuse(c->fd, "error: request longer than 4096 bytes refused\n");
            c->fd = -1;
            free(c);
            clients[i] = NULL;
        }
        return;   /* wait for the rest (the deadline bounds it) */
    }
    size_t n = nl != NULL ? (size_t)(nl - c->buf) : c->len;   /* at EOF: what came */
    if (n > 0 && c->buf[n - 1] == '\r') {
        n--;
    }
    for (size_t k = 0; k < n; k++) {
        unsigned char ch = (unsigned char)c->buf[k];
        if ((ch < 0x20 && ch != '\t') || ch == 0x7f) {
            refuse(c->fd, "error: request is not a line of text, refused\n");
            free(c);
            clients[i] = NULL;
            return;
        }
    }
    char req[SL_CTL_MAX_REQ + 1];
    memcpy(req, c->buf, n);
    req[n] = '\0';
    if (run_request(c, req)) {
        c->following = 1;
    } else {
        drop_client(i);
    }
}

static void *ctl_main(void *arg)
{
    (void)arg;
    struct pollfd pf[2 + SL_CTL_MAX_CLIENTS];
    size_t idx[SL_CTL_MAX_CLIENTS];
    for (;;) {
        size_t n = 0;
        pf[n++] = (struct pollfd){ wake[0], POLLIN, 0 };
        pf[n++] = (struct pollfd){ lfd, POLLIN, 0 };
        int64_t now = mono_ms(), next = now + 60000;
        for (size_t i = 0; i < SL_CTL_MAX_CLIENTS; i++) {
            struct ctl_client *c = clients[i];
            if (c == NULL) {
                continue;
            }
            if (!c->following && now >= c->deadline) {
                refuse(c->fd, "error: no complete request within 5 s\n");
                free(c);
                clients[i] = NULL;
                continue;
            }
            if (!c->following && c->deadline < next) {
                next = c->deadline;
            }
            idx[n - 2] = i;
            pf[n++] = (struct pollfd){ c->fd, POLLIN, 0 };
        }
        int rc = poll(pf, (nfds_t)n, (int)(next - now));
        if (rc < 0) {
            if (errno == EINTR) {
                continue;
            }
            sl_log(SL_LOG_ERR, NULL, "control socket: poll: %s", strerror(errno));
            break;
        }
        if (pf[0].revents != 0) {
            break;   /* sl_ctl_stop */
        }
        for (size_t k = 2; k < n; k++) {
            if (pf[k].revents != 0 && clients[idx[k - 2]] != NULL) {
                read_client(idx[k - 2]);
            }
        }
        if (pf[1].revents & POLLIN) {
            accept_one();
        }
    }
    return NULL;
}

/* ---------------------------------------------------------------------------------------
 * Life cycle (main.c)
 * ------------------------------------------------------------------------------------- */
int sl_ctl_open(struct sl_engine *e, const char *path, long uid, long gid)
{
    struct sockaddr_un sa;
    memset(&sa, 0, sizeof sa);
    sa.sun_family = AF_UNIX;
    if (path[0] != '/' || strlen(path) >= sizeof sa.sun_path) {
        sl_log(SL_LOG_ERR, NULL, "control socket '%s': needs an absolute path shorter than "
               "%zu bytes; running without it", path, sizeof sa.sun_path);
        return -1;
    }
    strcpy(sa.sun_path, path);
    struct stat st;
    if (lstat(path, &st) == 0) {
        if (!S_ISSOCK(st.st_mode)) {
            sl_log(SL_LOG_ERR, NULL, "control socket %s: exists and is not a socket; running "
                   "without it", path);
            return -1;
        }
        int probe = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (probe >= 0 && connect(probe, (struct sockaddr *)&sa, sizeof sa) == 0) {
            close(probe);
            sl_log(SL_LOG_ERR, NULL, "control socket %s: another process listens on it; "
                   "running without it", path);
            return -1;
        }
        if (probe >= 0) {
            close(probe);
        }
        (void)unlink(path);   /* left behind by a sluiced that is gone */
    }
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        sl_log(SL_LOG_ERR, NULL, "control socket: socket: %s", strerror(errno));
        return -1;
    }
    mode_t old = umask(0177);   /* created 0600: no window where others may connect */
    int brc = bind(fd, (struct sockaddr *)&sa, sizeof sa);
    if (brc != 0 && errno == ENOENT) {   /* its directories (the dev config's var/run/) */
        char dir[sizeof sa.sun_path];
        strcpy(dir, path);
        umask(022);
        for (char *p = strchr(dir + 1, '/'); p != NULL; p = strchr(p + 1, '/')) {
            *p = '\0';
            (void)mkdir(dir, 0755);   /* EEXIST for all but the missing ones */
            *p = '/';
        }
        umask(0177);
        brc = bind(fd, (struct sockaddr *)&sa, sizeof sa);
    }
    umask(old);
    if (brc != 0 || chmod(path, 0600) != 0 ||
        ((uid >= 0 || gid >= 0) && chown(path, (uid_t)uid, (gid_t)gid) != 0) ||
        listen(fd, SL_CTL_MAX_CLIENTS) != 0) {
        sl_log(SL_LOG_ERR, NULL, "control socket %s: %s; running without it", path,
               strerror(errno));
        if (brc == 0) {
            (void)unlink(path);
        }
        close(fd);
        return -1;
    }
    if (pipe2(wake, O_CLOEXEC) != 0) {
        (void)unlink(path);
        close(fd);
        return -1;
    }
    eng = e;
    lfd = fd;
    sock_path = sl_xstrdup(path);
    return 0;
}

int sl_ctl_start(void)
{
    if (lfd < 0) {
        return 0;
    }
    if (pthread_create(&thr, NULL, ctl_main, NULL) != 0) {
        sl_log(SL_LOG_ERR, NULL, "control socket %s: cannot start its thread", sock_path);
        return -1;
    }
    running = 1;
    return 0;
}

void sl_ctl_stop(void)
{
    if (lfd < 0) {
        return;
    }
    if (running) {
        char c = 0;
        ssize_t w = write(wake[1], &c, 1);
        (void)w;
        pthread_join(thr, NULL);
        running = 0;
    }
    for (size_t i = 0; i < SL_CTL_MAX_CLIENTS; i++) {
        if (clients[i] != NULL) {
            drop_client(i);
        }
    }
    close(lfd);
    lfd = -1;
    close(wake[0]);
    close(wake[1]);
    wake[0] = wake[1] = -1;
    (void)unlink(sock_path);   /* may fail after the privilege drop: removed at next start */
    free(sock_path);
    sock_path = NULL;
}
