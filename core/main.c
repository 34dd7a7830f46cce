/*
 * main.c - sluiced: command line, daemon life cycle, privileges, signals, service manager.
 *
 *   sluiced [-n] [-f CONF] [-i PIDFILE|-iNONE] [-N LEVEL [--dump]] [-M PLUGINDIR] [-d] [-v]
 *           [--list-plugins] [--describe NAME]
 *
 * The options are rsyslogd's where rsyslogd has them (-n, -f, -i, -N, -M, -d, -v).
 *
 * Start-up, in this order:
 *   1. load the config (every problem reported as FILE:LINE) and build the engine; resolve
 *      the privDrop.* user and group (an unknown name is a config error, also for -N);
 *      apply global(umask=...) when the config sets it;
 *   2. lock the pid file (flock), so that a second instance on the same pid file is refused
 *      before it touches any port;
 *   3. open the inputs (ports < 1024 and sockets need root) and sluicectl's control socket
 *      (core/ctl.c; owned by the user dropped to);
 *   4. unless -n: fork twice and setsid; the first process waits on a pipe for one byte from
 *      the daemon so that every start-up error still gives it a non-zero exit status;
 *   5. write our pid into the locked pid file;
 *   6. drop privileges (privDrop.group.*, then privDrop.user.*, as rsyslogd does);
 *   7. check that the dropped user can write the static omfile paths (report only: omfile
 *      opens files lazily, at the first write, with the dropped privileges);
 *   8. start the engine threads, log the privilege drop and the path problems, detach stdio
 *      (daemon mode), tell the waiting parent and the service manager (READY=1) that we run.
 *      The control socket's thread starts after the engine; -d also turns the live trace
 *      (core/trace.c) on, to stderr.
 * Then wait for signals: SIGHUP reopens output files, SIGUSR1 prints statistics,
 * SIGTERM/SIGINT send STOPPING=1, stop inputs, drain the queues, remove the pid file, exit 0.
 *
 * Service manager: when NOTIFY_SOCKET is set (systemd Type=notify), the notifications are
 * sent as single datagrams on that AF_UNIX socket ("/path" or "@abstract"): the protocol is
 * small enough to need no libsystemd.
 *
 * Ownership/lifetime: the config and the engine live from start-up to exit in main(); the
 * pid file descriptor (holding the lock) lives until exit.
 *
 * Concurrency & locking: signals are blocked in every thread (the mask is set before any
 * thread starts) and taken synchronously with sigwait() here.  Privileges are dropped before
 * the engine starts its threads.  Everything in this file runs on the main thread.
 */

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <grp.h>
#include <limits.h>
#include <pwd.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "conf/ir.h"
#include "ctl.h"
#include "engine.h"
#include "log.h"
#include "ruletest.h"
#include "msg.h"
#include "plugin.h"
#include "trace.h"

#define SL_DEFAULT_CONF SL_SYSCONFDIR "/sluice.conf"
#define SL_DEFAULT_PIDFILE "/run/sluiced.pid"
#define SL_DEFAULT_CTL "/run/sluiced.ctl"

static void usage(FILE *out)
{
    fprintf(out,
            "usage: sluiced [-n] [-f CONF] [-i PIDFILE|-iNONE] [-N LEVEL [--dump]] [-M PLUGINDIR]\n"
            "               [-d] [-v] [--list-plugins] [--describe NAME] [--describe-man]\n"
            "  -n               stay in the foreground; own messages also go to stderr\n"
            "  -f CONF          configuration file (default %s); rsyslog syntax\n"
            "  -i PIDFILE       pid file (default %s); -iNONE for none\n"
            "  -N LEVEL         check the configuration and exit (0: valid, 1: errors)\n"
            "  --dump           with -N: print the parsed configuration (IR) and the runtime\n"
            "  -M DIR           plugin directory (default %s)\n"
            "  -d               debug messages on stderr (implies -n)\n"
            "  -v               print the version and the compiled-in paths, and exit\n"
            "  --list-plugins   show built-in and loadable plugins and exit\n"
            "  --describe NAME  show plugin NAME's parameters (type, default, help) and exit\n"
            "  --describe-man   all plugins and the rsyslog modules sluice lacks, as roff\n"
            "  --test ...       run sample lines through the rules (sluiced --test --help)\n",
            SL_DEFAULT_CONF, SL_DEFAULT_PIDFILE, SL_PKGLIBDIR);
}

static void print_version(void)
{
    printf("sluiced %s (plugin ABI %d.%d)\n", PACKAGE_VERSION, SL_ABI_MAJOR, SL_ABI_MINOR);
    printf("\tConfig file:\t%s\n", SL_DEFAULT_CONF);
    printf("\tPlugin dir:\t%s\n", SL_PKGLIBDIR);
    printf("\tPID file:\t%s\n", SL_DEFAULT_PIDFILE);
    printf("\tsystemd support:\tYes (sd_notify protocol built in, no libsystemd)\n");
    printf("Configuration syntax: rsyslog 8 (see sluice.conf(5)).\n");
}

/* ---------------------------------------------------------------------------------------
 * Pid file: locked with flock() from before the inputs open until exit.  The lock lives in
 * the open file description, which the daemon inherits across fork().
 * ------------------------------------------------------------------------------------- */
static int pidfile_fd = -1;

static int pidfile_lock(const char *path)
{
    int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0) {
        fprintf(stderr, "sluiced: cannot open pid file %s: %s\n", path, strerror(errno));
        return -1;
    }
    if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
        char buf[32] = "";
        ssize_t n = read(fd, buf, sizeof buf - 1);
        buf[n > 0 ? n : 0] = '\0';
        buf[strcspn(buf, "\n")] = '\0';
        fprintf(stderr, "sluiced: another sluiced (pid %s) is already running with pid file %s\n",
                buf[0] != '\0' ? buf : "?", path);
        close(fd);
        return -1;
    }
    pidfile_fd = fd;
    return 0;
}

static int pidfile_write(const char *path)
{
    char buf[32];
    int len = snprintf(buf, sizeof buf, "%d\n", (int)getpid());
    if (ftruncate(pidfile_fd, 0) != 0 || pwrite(pidfile_fd, buf, (size_t)len, 0) != len) {
        fprintf(stderr, "sluiced: cannot write pid file %s: %s\n", path, strerror(errno));
        return -1;
    }
    return 0;
}

/* At exit.  After a privilege drop the directory may no longer be writable: then the file
 * is emptied through the descriptor opened as root, so no stale pid stays behind. */
static void pidfile_remove(const char *path)
{
    if (pidfile_fd < 0) {
        return;
    }
    if (unlink(path) != 0 && ftruncate(pidfile_fd, 0) != 0) {
        /* nothing more we can do; the lock goes with the descriptor anyway */
    }
    close(pidfile_fd);
    pidfile_fd = -1;
}

/* ---------------------------------------------------------------------------------------
 * sd_notify: "READY=1" etc. as one datagram to $NOTIFY_SOCKET.  The variable is taken out
 * of the environment at start-up (as sd_notify's unset_environment does) so that programs
 * started by plugins do not inherit it.
 * ------------------------------------------------------------------------------------- */
static char *notify_socket;

static void sl_notify_init(void)
{
    const char *e = getenv("NOTIFY_SOCKET");
    if (e != NULL && e[0] != '\0') {
        notify_socket = strdup(e);
    }
    unsetenv("NOTIFY_SOCKET");
}

/* 0 sent (or nothing to do), -1 error (reported). */
static int sl_notify(const char *state)
{
    if (notify_socket == NULL) {
        return 0;
    }
    struct sockaddr_un sa;
    memset(&sa, 0, sizeof sa);
    sa.sun_family = AF_UNIX;
    size_t len = strlen(notify_socket);
    if ((notify_socket[0] != '/' && notify_socket[0] != '@') || len < 2 ||
        len >= sizeof sa.sun_path) {
        sl_log(SL_LOG_WARNING, NULL, "NOTIFY_SOCKET '%s' is not a usable socket address",
               notify_socket);
        return -1;
    }
    memcpy(sa.sun_path, notify_socket, len);
    socklen_t salen = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + len);
    if (sa.sun_path[0] == '@') {
        sa.sun_path[0] = '\0';       /* abstract namespace: the name is not 0-terminated */
    } else {
        salen++;                     /* path: count the terminating 0 */
    }
    int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        sl_log(SL_LOG_WARNING, NULL, "sd_notify: socket: %s", strerror(errno));
        return -1;
    }
    size_t n = strlen(state);
    ssize_t w = sendto(fd, state, n, MSG_NOSIGNAL, (const struct sockaddr *)&sa, salen);
    int err = errno;
    close(fd);
    if (w != (ssize_t)n) {
        sl_log(SL_LOG_WARNING, NULL, "sd_notify to %s failed: %s", notify_socket,
               w < 0 ? strerror(err) : "short write");
        return -1;
    }
    return 0;
}

/* ---------------------------------------------------------------------------------------
 * Configuration helpers: the IR location of a global() setting (for messages).
 * ------------------------------------------------------------------------------------- */
static const struct sl_kv *global_kv(const struct sl_cnf *cnf, const char *name)
{
    const struct sl_kv *found = NULL;
    for (const struct sl_obj *o = cnf->objs; o != NULL; o = o->next) {
        if (o->type != SL_OBJ_GLOBAL) {
            continue;
        }
        for (const struct sl_kv *kv = o->kv; kv != NULL; kv = kv->next) {
            if (strcasecmp(kv->name, name) == 0) {
                found = kv;   /* the last one wins */
            }
        }
    }
    return found;
}

/* ---------------------------------------------------------------------------------------
 * Privilege drop, as rsyslogd: privDrop.group (name or id) first: the supplementary groups
 * are removed unless privDrop.group.keepSupplemental="on", then setgid().  Then
 * privDrop.user (name or id): the user's supplementary groups are set with initgroups()
 * (unless keepSupplemental is on; a failure there is not fatal), then setuid().  Ids 0 mean
 * "no drop", as in rsyslogd.  A name that cannot be looked up is a configuration error; an
 * id that cannot be set stops the daemon.  When both a name and an id are given, the id wins.
 * ------------------------------------------------------------------------------------- */
struct sl_privdrop {
    int drop_gid, drop_uid;
    gid_t gid;
    uid_t uid;
    int keep_supplemental;
    char user[256];          /* for initgroups(); "" when the uid has no passwd entry */
};

/* Fills pd from the engine's global() settings.  Reports problems with sl_cfg_error. */
static void privdrop_resolve(struct sl_engine *eng, const struct sl_cnf *cnf,
                             struct sl_privdrop *pd)
{
    memset(pd, 0, sizeof *pd);
    pd->keep_supplemental = (int)sl_engine_global_int(eng, "privDrop.group.keepSupplemental", 0);

    int64_t gid = sl_engine_global_int(eng, "privDrop.group.id", -1);
    const char *gname = sl_engine_global_str(eng, "privDrop.group.name");
    if (gid < 0 && gname != NULL && gname[0] != '\0') {
        struct group *gr = getgrnam(gname);
        if (gr == NULL) {
            const struct sl_kv *kv = global_kv(cnf, "privDrop.group.name");
            sl_cfg_error(kv != NULL ? &kv->loc : NULL,
                         "privDrop.group.name: group '%s' could not be found", gname);
        } else {
            gid = (int64_t)gr->gr_gid;
        }
    }
    if (gid > 0) {
        pd->drop_gid = 1;
        pd->gid = (gid_t)gid;
    }

    int64_t uid = sl_engine_global_int(eng, "privDrop.user.id", -1);
    const char *uname = sl_engine_global_str(eng, "privDrop.user.name");
    if (uid < 0 && uname != NULL && uname[0] != '\0') {
        struct passwd *pw = getpwnam(uname);
        if (pw == NULL) {
            const struct sl_kv *kv = global_kv(cnf, "privDrop.user.name");
            sl_cfg_error(kv != NULL ? &kv->loc : NULL,
                         "privDrop.user.name: user '%s' could not be found", uname);
        } else {
            uid = (int64_t)pw->pw_uid;
        }
    }
    if (uid > 0) {
        pd->drop_uid = 1;
        pd->uid = (uid_t)uid;
        struct passwd *pw = getpwuid(pd->uid);
        if (pw != NULL && strlen(pw->pw_name) < sizeof pd->user) {
            strcpy(pd->user, pw->pw_name);
        }
    }
}

/* Messages for after the engine started (before, they would reach stderr only).  Long
 * enough for a path of PATH_MAX; more than 32 are dropped. */
struct sl_later {
    int sev[32];
    char text[32][PATH_MAX + 512];
    int n;
};

static void later_add(struct sl_later *l, int sev, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void later_add(struct sl_later *l, int sev, const char *fmt, ...)
{
    if (l->n >= (int)(sizeof l->sev / sizeof l->sev[0])) {
        return;
    }
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(l->text[l->n], sizeof l->text[l->n], fmt, ap);
    va_end(ap);
    l->sev[l->n++] = sev;
}

/* 0 ok, -1 failed (reported on stderr: the daemon must not run with other privileges than
 * configured). */
static int privdrop_apply(const struct sl_privdrop *pd, struct sl_later *later)
{
    if (pd->drop_gid) {
        if (!pd->keep_supplemental && setgroups(0, NULL) != 0) {
            fprintf(stderr, "sluiced: could not remove the supplementary groups: %s\n",
                    strerror(errno));
            return -1;
        }
        if (setgid(pd->gid) != 0) {
            fprintf(stderr, "sluiced: could not set group id %ld: %s\n", (long)pd->gid,
                    strerror(errno));
            return -1;
        }
        later_add(later, SL_LOG_INFO, "sluiced's groupid changed to %ld", (long)pd->gid);
    }
    if (pd->drop_uid) {
        if (!pd->keep_supplemental) {
            if (pd->user[0] == '\0') {
                later_add(later, SL_LOG_WARNING, "could not get the user name of user id %ld: "
                          "supplementary groups not set", (long)pd->uid);
            } else if (initgroups(pd->user, getgid()) != 0) {
                later_add(later, SL_LOG_WARNING, "initgroups(%s) failed: %s", pd->user,
                          strerror(errno));
            }
        }
        if (setuid(pd->uid) != 0) {
            fprintf(stderr, "sluiced: could not set user id %ld: %s\n", (long)pd->uid,
                    strerror(errno));
            return -1;
        }
        later_add(later, SL_LOG_INFO, "sluiced's userid changed to %ld", (long)pd->uid);
    }
    return 0;
}

/* ---------------------------------------------------------------------------------------
 * Output paths: every action of an output whose descriptor names a path parameter
 * (path_param; omfile's file=) with a static absolute path (legacy selector lines
 * included) must be writable by the user we run as: an existing file must be writable,
 * otherwise the nearest existing directory on its path must be (the output creates the
 * missing ones).  Per-message paths (dynaFile) are only known per message and not checked.
 * ------------------------------------------------------------------------------------- */
static void check_one_path(const char *who, const char *path, const struct sl_loc *loc,
                           struct sl_later *later)
{
    char where[PATH_MAX + 32] = "";
    if (loc != NULL && loc->file != NULL && loc->file[0] != '\0') {
        snprintf(where, sizeof where, "%s:%d: ", loc->file, loc->line);
    }
    if (access(path, F_OK) == 0) {
        if (access(path, W_OK) != 0) {
            later_add(later, SL_LOG_ERR, "%s%s: %s is not writable by uid %ld: %s", where, who,
                      path, (long)geteuid(), strerror(errno));
        }
        return;
    }
    char dir[PATH_MAX];
    if (strlen(path) >= sizeof dir) {
        return;
    }
    strcpy(dir, path);
    for (int depth = 0; depth < 256; depth++) {
        char *slash = strrchr(dir, '/');
        if (slash == NULL) {
            return;
        }
        if (slash == dir) {
            slash[1] = '\0';             /* "/" */
        } else {
            *slash = '\0';
        }
        struct stat st;
        if (stat(dir, &st) == 0) {
            if (!S_ISDIR(st.st_mode)) {
                later_add(later, SL_LOG_ERR, "%s%s: cannot create %s: %s is not a directory",
                          where, who, path, dir);
            } else if (access(dir, W_OK | X_OK) != 0) {
                later_add(later, SL_LOG_ERR, "%s%s: cannot create %s: directory %s is not "
                          "writable by uid %ld: %s", where, who, path, dir, (long)geteuid(),
                          strerror(errno));
            }
            return;
        }
        if (errno != ENOENT && errno != ENOTDIR) {
            later_add(later, SL_LOG_ERR, "%s%s: cannot create %s: %s: %s", where, who, path, dir,
                      strerror(errno));
            return;
        }
        if (strcmp(dir, "/") == 0) {
            return;
        }
    }
}

static void check_stmts(const struct sl_stmt *s, int depth, struct sl_later *later)
{
    if (depth > 64) {
        return;
    }
    for (; s != NULL; s = s->next) {
        switch (s->type) {
        case SL_ST_ACTION: {
            const struct sl_plugin *pl = sl_engine_action_plugin(&s->u.act);
            const char *pp = pl != NULL && SL_PLUGIN_HAS(pl, path_param) ? pl->path_param : NULL;
            const struct sl_kv *file = pp != NULL ? sl_kv_find(s->u.act.kv, pp) : NULL;
            if (file != NULL && !file->is_array && file->str != NULL && file->str[0] == '/') {
                check_one_path(pl->name, file->str, &s->u.act.loc, later);
            }
            break;
        }
        case SL_ST_IF:
            check_stmts(s->u.cond.then_, depth + 1, later);
            check_stmts(s->u.cond.else_, depth + 1, later);
            break;
        case SL_ST_PRIFILT:
            check_stmts(s->u.prifilt.then_, depth + 1, later);
            break;
        case SL_ST_PROPFILT:
            check_stmts(s->u.propfilt.then_, depth + 1, later);
            break;
        case SL_ST_FOREACH:
            check_stmts(s->u.foreach_.body, depth + 1, later);
            break;
        default:
            break;
        }
    }
}

static void check_output_paths(const struct sl_cnf *cnf, struct sl_later *later)
{
    for (const struct sl_ruleset_ir *rs = cnf->rulesets; rs != NULL; rs = rs->next) {
        check_stmts(rs->stmts, 0, later);
    }
}

/* ---------------------------------------------------------------------------------------
 * Daemon mode
 * ------------------------------------------------------------------------------------- */

/* Fork into the background (twice, with setsid in between).  The first process waits until
 * the daemon reports that it started (one byte on a pipe) and exits 0, or 1 when the pipe
 * closes without that byte (the daemon failed; it printed why on the inherited stderr). */
static int daemonize(int *ready_fd)
{
    int p[2];
    if (pipe(p) != 0) {
        return -1;
    }
    pid_t pid = fork();
    if (pid < 0) {
        return -1;
    }
    if (pid > 0) {
        close(p[1]);
        char c = 0;
        ssize_t n;
        do {
            n = read(p[0], &c, 1);
        } while (n < 0 && errno == EINTR);
        _exit(n == 1 ? 0 : 1);
    }
    close(p[0]);
    setsid();
    pid = fork();
    if (pid < 0) {
        _exit(1);
    }
    if (pid > 0) {
        _exit(0);
    }
    if (chdir("/") != 0) {
        /* not fatal */
    }
    *ready_fd = p[1];
    return 0;
}

/* After a successful start in daemon mode: stdio to /dev/null, then release the parent. */
static void detach_and_report(int ready_fd)
{
    int devnull = open("/dev/null", O_RDWR);
    if (devnull >= 0) {
        dup2(devnull, STDIN_FILENO);
        dup2(devnull, STDOUT_FILENO);
        dup2(devnull, STDERR_FILENO);
        if (devnull > STDERR_FILENO) {
            close(devnull);
        }
    }
    char ok = 1;
    if (write(ready_fd, &ok, 1) != 1) {
        /* parent gone: nothing to report to */
    }
    close(ready_fd);
}

/* global(umask=...) when the config sets it (an unset umask leaves the inherited one). */
static void apply_umask(struct sl_engine *eng, const struct sl_cnf *cnf)
{
    if (global_kv(cnf, "umask") != NULL) {
        int64_t m = sl_engine_global_int(eng, "umask", -1);
        if (m >= 0 && m <= 07777) {
            umask((mode_t)m);
        }
    }
}

/* sluicectl's socket (core/ctl.c): global(sluice.controlSocket="PATH"), by default the pid
 * file's path with .ctl for .pid (/run/sluiced.ctl); with -iNONE /run/sluiced.ctl when
 * root under a service manager (NOTIFY_SOCKET: sluiced.service), else none; "off": none.  Created
 * as root before the privilege drop and handed to the user (and group) dropped to. */
static void open_control_socket(struct sl_engine *eng, const char *pidfile,
                                const struct sl_privdrop *pd)
{
    const char *path = sl_engine_global_str(eng, "sluice.controlSocket");
    char buf[PATH_MAX];
    if (path == NULL && pidfile == NULL && notify_socket != NULL && geteuid() == 0) {
        path = SL_DEFAULT_CTL;   /* the system service: sluiced.service runs -n -iNONE */
    } else if (path == NULL && pidfile != NULL) {
        size_t n = strlen(pidfile);
        if (n > 4 && strcmp(pidfile + n - 4, ".pid") == 0) {
            snprintf(buf, sizeof buf, "%.*s.ctl", (int)(n - 4), pidfile);
        } else {
            snprintf(buf, sizeof buf, "%s.ctl", pidfile);
        }
        path = buf;
    }
    if (path == NULL || path[0] == '\0' || strcasecmp(path, "off") == 0) {
        return;
    }
    (void)sl_ctl_open(eng, path, pd->drop_uid ? (long)pd->uid : -1L,
                      pd->drop_gid ? (long)pd->gid : -1L);
}

static int finish(struct sl_engine *eng, struct sl_cnf *cnf, const char *pidfile, int rc)
{
    sl_ctl_stop();
    sl_engine_free(eng);
    sl_cnf_free(cnf);
    sl_plugin_lookup_clear();
    pidfile_remove(pidfile);
    free(notify_socket);
    notify_socket = NULL;
    return rc;
}

int main(int argc, char **argv)
{
    const char *conf = SL_DEFAULT_CONF;
    const char *pidfile = SL_DEFAULT_PIDFILE;
    const char *plugin_dir = NULL;
    const char *describe = NULL;
    int describe_man = 0;
    int foreground = 0, check_level = -1, dump = 0, debug = 0, list = 0;
    static const struct option longopts[] = {
        { "list-plugins", no_argument, NULL, 'L' },
        { "describe", required_argument, NULL, 'P' },
        { "describe-man", no_argument, NULL, 'Q' },
        { "dump", no_argument, NULL, 'D' },
        { "dump-ir", no_argument, NULL, 'D' },
        { "help", no_argument, NULL, 'h' },
        { "version", no_argument, NULL, 'v' },
        { NULL, 0, NULL, 0 },
    };
    int c;
    if (sl_ruletest_wanted(argc, argv)) {
        return sl_ruletest_main(argc, argv, conf);   /* sluiced --test: core/ruletest.c */
    }
    while ((c = getopt_long(argc, argv, "nf:i:N:M:dvh", longopts, NULL)) != -1) {
        switch (c) {
        case 'n': foreground = 1; break;
        case 'f': conf = optarg; break;
        case 'i': pidfile = optarg; break;
        case 'N': {
            char *end = NULL;
            long lv = strtol(optarg, &end, 10);
            if (end == optarg || *end != '\0' || lv < 1 || lv > 9) {
                fprintf(stderr, "sluiced: -N takes a check level of 1 or more (e.g. -N1), "
                        "not '%s'\n", optarg);
                return 2;
            }
            check_level = (int)lv;
            break;
        }
        case 'M': plugin_dir = optarg; sl_plugin_dir_set(optarg); break;
        case 'd': debug = 1; foreground = 1; break;
        case 'D': dump = 1; break;
        case 'L': list = 1; break;
        case 'P': describe = optarg; break;
        case 'Q': describe_man = 1; break;
        case 'v': print_version(); return 0;
        case 'h': usage(stdout); return 0;
        default: usage(stderr); return 2;
        }
    }
    if (dump && check_level < 0) {
        fprintf(stderr, "sluiced: --dump needs -N (e.g. sluiced -N1 --dump -f FILE)\n");
        return 2;
    }
    if (optind < argc) {
        fprintf(stderr, "sluiced: unexpected argument '%s'\n", argv[optind]);
        usage(stderr);
        return 2;
    }
    if (list) {
        sl_plugin_list(sl_plugin_dir(plugin_dir), stdout);
        return 0;
    }
    if (describe_man) {
        sl_plugin_describe_man(sl_plugin_dir(plugin_dir), stdout);
        return 0;
    }
    if (describe != NULL) {
        return sl_plugin_describe(describe, sl_plugin_dir(plugin_dir), stdout) == 0 ? 0 : 1;
    }
    sl_log_set_debug(debug);
    sl_log_set_stderr(1);
    sl_notify_init();

    /* Signals: blocked everywhere, taken with sigwait in this thread. */
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGHUP);
    sigaddset(&set, SIGUSR1);
    pthread_sigmask(SIG_BLOCK, &set, NULL);
    signal(SIGPIPE, SIG_IGN);

    /* plugins' $Directives come from their descriptors: the front end looks at the
     * built-ins and at the modules the config loads */
    sl_cnf_set_plugins(sl_plugin_lookup, (void *)sl_plugin_dir(plugin_dir), sl_builtin_plugins);
    struct sl_cnf *cnf = sl_cnf_load(conf);
    if (cnf == NULL) {
        fprintf(stderr, "sluiced: cannot read configuration file %s: %s\n", conf, strerror(errno));
        free(notify_socket);
        return 1;
    }
    struct sl_engine_opts eo = { plugin_dir, foreground };
    struct sl_engine *eng = NULL;
    struct sl_privdrop pd;
    memset(&pd, 0, sizeof pd);
    /* built even after front-end errors, so that one run reports the errors of every
     * phase (syntax, names, module parameters); it does not start with errors */
    eng = sl_engine_build(cnf, &eo);
    if (eng != NULL) {
        privdrop_resolve(eng, cnf, &pd);
    }
    if (check_level >= 0) {
        if (dump) {
            sl_cnf_dump(cnf, stdout);
            if (eng != NULL) {
                sl_engine_dump(eng, stdout);
            }
        }
        int errs = sl_cfg_error_count() + sl_cfg_soft_error_count();
        if (errs > 0) {
            fprintf(stderr, "sluiced: %d error(s) in configuration %s\n", errs, conf);
        } else {
            fprintf(stderr, "sluiced: version %s, config validation run (level %d), master config %s\n",
                    PACKAGE_VERSION, check_level, conf);
        }
        return finish(eng, cnf, pidfile, errs > 0 ? 1 : 0);
    }
    if (sl_cfg_error_count() > 0 || eng == NULL) {
        fprintf(stderr, "sluiced: %d error(s) in configuration %s, not starting\n",
                sl_cfg_error_count() + sl_cfg_soft_error_count(), conf);
        return finish(eng, cnf, pidfile, 1);
    }
    if (sl_cfg_soft_error_count() > 0 && sl_engine_global_int(eng, "sluice.strictConfig", 0)) {
        fprintf(stderr, "sluiced: %d error(s) in configuration %s, not starting "
                "(global sluice.strictConfig=\"on\")\n", sl_cfg_soft_error_count(), conf);
        return finish(eng, cnf, pidfile, 1);
    }
    if (sl_cfg_soft_error_count() > 0) {
        sl_log(SL_LOG_ERR, NULL, "%d error(s) in configuration %s that rsyslog also "
               "runs past: starting as rsyslogd would", sl_cfg_soft_error_count(), conf);
    }
    apply_umask(eng, cnf);
    if (strcmp(pidfile, "NONE") == 0) {
        pidfile = NULL;
    }
    if (pidfile != NULL && pidfile_lock(pidfile) != 0) {
        return finish(eng, cnf, pidfile, 1);   /* not ours: nothing is removed */
    }
    if (sl_engine_open_inputs(eng) != 0) {
        return finish(eng, cnf, pidfile, 1);
    }
    open_control_socket(eng, pidfile, &pd);
    int ready_fd = -1;
    if (!foreground && daemonize(&ready_fd) != 0) {
        fprintf(stderr, "sluiced: cannot fork: %s\n", strerror(errno));
        return finish(eng, cnf, pidfile, 1);
    }
    if (pidfile != NULL && pidfile_write(pidfile) != 0) {
        return finish(eng, cnf, pidfile, 1);
    }
    static struct sl_later later;   /* 150 KiB: not on the stack */
    if (privdrop_apply(&pd, &later) != 0) {
        return finish(eng, cnf, pidfile, 1);
    }
    check_output_paths(cnf, &later);
    if (!foreground) {
        /* the invoking terminal still sees the path problems; the log gets them below */
        for (int i = 0; i < later.n; i++) {
            if (later.sev[i] <= SL_LOG_WARNING) {
                fprintf(stderr, "sluiced: %s: %s\n",
                        later.sev[i] == SL_LOG_ERR ? "error" : "warning", later.text[i]);
            }
        }
    }
    if (debug) {
        sl_trace_set_stderr(1);   /* the live trace of every message (core/trace.c) */
    }
    if (sl_engine_start(eng) != 0) {
        fprintf(stderr, "sluiced: the engine did not start\n");
        sl_engine_stop(eng, 0);
        return finish(eng, cnf, pidfile, 1);
    }
    (void)sl_ctl_start();
    for (int i = 0; i < later.n; i++) {
        sl_log(later.sev[i], NULL, "%s", later.text[i]);
    }
    if (ready_fd >= 0) {
        detach_and_report(ready_fd);
    }
    char state[64];
    snprintf(state, sizeof state, "READY=1\nMAINPID=%d", (int)getpid());
    sl_notify(state);

    int signo = 0;
    for (;;) {
        /* every 10 s without a signal: give back the message blocks that bursts left in the
         * pool once the queues stopped using them (core/msg.c, doc/limits.md) */
        struct timespec tick = { 10, 0 };
        signo = sigtimedwait(&set, NULL, &tick);
        if (signo < 0) {
            if (errno == EAGAIN) {
                (void)sl_msg_pool_trim(0);
            }
            continue;
        }
        if (signo == SIGHUP) {
            sl_log(SL_LOG_INFO, NULL, "[origin software=\"sluiced\" swVersion=\"%s\" x-pid=\"%d\"] "
                   "sluiced was HUPed", PACKAGE_VERSION, (int)getpid());
            sl_engine_hup(eng);
            continue;
        }
        if (signo == SIGUSR1) {
            sl_engine_stats(eng, stderr);
            continue;
        }
        break;
    }
    sl_notify("STOPPING=1");
    sl_ctl_stop();
    sl_engine_stop(eng, signo);
    if (debug) {
        sl_engine_stats(eng, stderr);
    }
    return finish(eng, cnf, pidfile, 0);
}
