/*
 * main.c - sluiced: command line, daemon life cycle, signals.
 *
 *   sluiced [-n] [-f CONF] [-i PIDFILE|-iNONE] [-N LEVEL [--dump]] [-M PLUGINDIR] [-d] [-v]
 *           [--list-plugins]
 *
 * The options are rsyslogd's where rsyslogd has them (-n, -f, -i, -N, -M, -d, -v).
 * Start-up: load the config (every problem reported as FILE:LINE), build the engine, open
 * inputs (before any privilege drop), then fork unless -n, write the pid file, start the
 * threads and wait for signals: SIGHUP reopens output files, SIGTERM/SIGINT stop inputs,
 * drain the queues and exit 0.
 *
 * Concurrency & locking: signals are blocked in every thread (the mask is set before any
 * thread starts) and taken synchronously with sigwait() here.
 */

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "conf/ir.h"
#include "engine.h"
#include "log.h"
#include "plugin.h"

static void usage(FILE *out)
{
    fprintf(out,
            "usage: sluiced [-n] [-f CONF] [-i PIDFILE|-iNONE] [-N LEVEL [--dump]] [-M PLUGINDIR]\n"
            "               [-d] [-v] [--list-plugins]\n"
            "  -n               stay in the foreground; own messages also go to stderr\n"
            "  -f CONF          configuration file (default %s/sluice.conf); rsyslog syntax\n"
            "  -i PIDFILE       pid file (default /run/sluiced.pid); -iNONE for none\n"
            "  -N LEVEL         check the configuration and exit (0: valid, 1: errors)\n"
            "  --dump           with -N: print the parsed configuration (IR) and the runtime\n"
            "  -M DIR           plugin directory (default %s)\n"
            "  -d               debug messages on stderr\n"
            "  -v               print the version and exit\n"
            "  --list-plugins   show built-in and loadable plugins and exit\n",
            SL_SYSCONFDIR, SL_PKGLIBDIR);
}

static int pidfile_fd = -1;

static int write_pidfile(const char *path)
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
        fprintf(stderr, "sluiced: another sluiced (pid %s) is already running with pid file %s\n",
                strtok(buf, "\n") ? buf : "?", path);
        close(fd);
        return -1;
    }
    char buf[32];
    int len = snprintf(buf, sizeof buf, "%d\n", (int)getpid());
    if (ftruncate(fd, 0) != 0 || write(fd, buf, (size_t)len) != len) {
        fprintf(stderr, "sluiced: cannot write pid file %s: %s\n", path, strerror(errno));
        close(fd);
        return -1;
    }
    pidfile_fd = fd;
    return 0;
}

/* Fork into the background.  The parent waits until the child reports that it started
 * (one byte on a pipe) so that start-up errors still give a non-zero exit status. */
static int daemonize(int *notify_fd)
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
        char c;
        ssize_t n = read(p[0], &c, 1);
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
    int devnull = open("/dev/null", O_RDWR);
    if (devnull >= 0) {
        dup2(devnull, STDIN_FILENO);
        dup2(devnull, STDOUT_FILENO);
        dup2(devnull, STDERR_FILENO);
        if (devnull > STDERR_FILENO) {
            close(devnull);
        }
    }
    *notify_fd = p[1];
    return 0;
}

int main(int argc, char **argv)
{
    const char *conf = SL_SYSCONFDIR "/sluice.conf";
    const char *pidfile = "/run/sluiced.pid";
    const char *plugin_dir = NULL;
    int foreground = 0, check_level = -1, dump = 0, debug = 0, list = 0;
    static const struct option longopts[] = {
        { "list-plugins", no_argument, NULL, 'L' },
        { "dump", no_argument, NULL, 'D' },
        { "dump-ir", no_argument, NULL, 'D' },
        { "help", no_argument, NULL, 'h' },
        { "version", no_argument, NULL, 'v' },
        { NULL, 0, NULL, 0 },
    };
    int c;
    while ((c = getopt_long(argc, argv, "nf:i:N:M:dvh", longopts, NULL)) != -1) {
        switch (c) {
        case 'n': foreground = 1; break;
        case 'f': conf = optarg; break;
        case 'i': pidfile = optarg; break;
        case 'N': check_level = atoi(optarg); break;
        case 'M': plugin_dir = optarg; break;
        case 'd': debug = 1; foreground = 1; break;
        case 'D': dump = 1; break;
        case 'L': list = 1; break;
        case 'v':
            printf("sluiced %s (plugin ABI %d.%d)\n", PACKAGE_VERSION, SL_ABI_MAJOR, SL_ABI_MINOR);
            return 0;
        case 'h': usage(stdout); return 0;
        default: usage(stderr); return 2;
        }
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
    sl_log_set_debug(debug);
    sl_log_set_stderr(1);

    /* Signals: blocked everywhere, taken with sigwait in this thread. */
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGHUP);
    sigaddset(&set, SIGUSR1);
    pthread_sigmask(SIG_BLOCK, &set, NULL);
    signal(SIGPIPE, SIG_IGN);

    struct sl_cnf *cnf = sl_cnf_load(conf);
    if (cnf == NULL) {
        fprintf(stderr, "sluiced: cannot read configuration file %s: %s\n", conf, strerror(errno));
        return 1;
    }
    struct sl_engine_opts eo = { plugin_dir, foreground };
    struct sl_engine *eng = NULL;
    if (sl_cfg_error_count() == 0) {
        eng = sl_engine_build(cnf, &eo);
    }
    if (check_level >= 0) {
        if (dump) {
            sl_cnf_dump(cnf, stdout);
            if (eng != NULL) {
                sl_engine_dump(eng, stdout);
            }
        }
        int errs = sl_cfg_error_count();
        if (errs > 0) {
            fprintf(stderr, "sluiced: %d error(s) in configuration %s\n", errs, conf);
        } else {
            fprintf(stderr, "sluiced: version %s, config validation run (level %d), master config %s\n",
                    PACKAGE_VERSION, check_level, conf);
        }
        sl_engine_free(eng);
        sl_cnf_free(cnf);
        return errs > 0 ? 1 : 0;
    }
    if (sl_cfg_error_count() > 0 || eng == NULL) {
        fprintf(stderr, "sluiced: %d error(s) in configuration %s, not starting\n",
                sl_cfg_error_count(), conf);
        sl_engine_free(eng);
        sl_cnf_free(cnf);
        return 1;
    }
    if (sl_engine_open_inputs(eng) != 0) {
        sl_engine_free(eng);
        sl_cnf_free(cnf);
        return 1;
    }
    int notify_fd = -1;
    if (!foreground && daemonize(&notify_fd) != 0) {
        fprintf(stderr, "sluiced: cannot fork: %s\n", strerror(errno));
        return 1;
    }
    if (strcmp(pidfile, "NONE") != 0 && write_pidfile(pidfile) != 0) {
        sl_engine_free(eng);
        sl_cnf_free(cnf);
        return 1;
    }
    sl_engine_start(eng);
    if (notify_fd >= 0) {
        char ok = 1;
        if (write(notify_fd, &ok, 1) != 1) {
            /* parent gone: nothing to report to */
        }
        close(notify_fd);
    }
    int signo = 0;
    for (;;) {
        if (sigwait(&set, &signo) != 0) {
            continue;
        }
        if (signo == SIGHUP) {
            sl_engine_hup(eng);
            continue;
        }
        if (signo == SIGUSR1) {
            sl_engine_stats(eng, stderr);
            continue;
        }
        break;
    }
    sl_engine_stop(eng, signo);
    if (debug) {
        sl_engine_stats(eng, stderr);
    }
    sl_engine_free(eng);
    sl_cnf_free(cnf);
    if (pidfile_fd >= 0) {
        unlink(pidfile);
        close(pidfile_fd);
    }
    return 0;
}
