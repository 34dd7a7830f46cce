/*
 * omprog.c - the omprog output plugin: feeds rendered messages to the standard input of an
 * external program, with rsyslog 8.2302's parameter names and observable behaviour: the
 * program is started at the first delivery, restarted after it died, optionally confirms
 * every message with an "OK" line (confirmMessages), and is closed (stdin EOF, optional
 * signal, closeTimeout, SIGKILL) when the action is destroyed.
 *
 * Ownership and lifetime
 *   - Parameter strings and the template handle in struct omprog_inst belong to the core.
 *   - The instance owns the argument vector built from "binary" (argv[] and its strings).
 *   - A child process (struct omprog_child) belongs to one worker (wrk block) or, with
 *     forceSingleInstance, to the instance.  Its descriptors (pipe to the program's stdin,
 *     pipe from its stdout when confirmMessages is on) are closed and the process is reaped
 *     when it dies, at worker_destroy() or destroy().
 *   - Each worker owns its render buffer.
 *
 * Concurrency & locking
 *   - deliver() runs on worker threads; by default every worker has its own child, so no
 *     lock is needed for its state.  With forceSingleInstance all workers share the
 *     instance's child, guarded by inst->io_lock, held for a whole batch.
 *   - inst->list_lock guards the list of children and their pid fields, which hup() (main
 *     thread, concurrent with deliver()) reads to forward hup.signal.
 *   - Between fork() and execve() the child only calls async-signal-safe functions.
 */

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "sluice/sl_plugin.h"
#include "../common/sl_out.h"
#include "../common/sl_spawn.h"

extern char **environ;

#define OMPROG_LINE_MAX 4096

struct omprog_child {
    pid_t pid;               /* 0: not running */
    int fd_in;               /* write end of the program's stdin, -1 if closed */
    int fd_out;              /* read end of the program's stdout (confirmMessages), or -1 */
    char line[OMPROG_LINE_MAX];
    size_t line_len;         /* bytes buffered in line[] not yet consumed */
    struct omprog_child *next;   /* in inst->children, under list_lock */
};

struct omprog_inst {
    /* parameters (filled by the core) */
    char *binary;
    const struct sl_template *tpl;
    int confirm;
    int64_t confirm_timeout;     /* ms */
    int report_failures;
    int use_transactions;
    char *begin_mark;
    char *commit_mark;
    char *output;
    int64_t file_mode;
    char *hup_signal;
    int signal_on_close;
    int64_t close_timeout;       /* ms */
    int64_t kill_unresponsive;   /* enum: 0 unset (= signalOnClose), else on/off */
    int force_single;

    /* runtime */
    const struct sl_host *h;
    const char *who;
    const struct sl_template *tpl_eff;
    char **argv;                 /* NULL-terminated; argv[0] is the program path */
    int hup_signo;               /* 0: no forwarding */
    int kill_unresp;
    int locks_init;
    pthread_mutex_t io_lock;     /* forceSingleInstance: the shared child */
    pthread_mutex_t list_lock;   /* children list and pids */
    struct omprog_child *children;
    struct omprog_child shared;
};

struct omprog_wrk {
    struct omprog_child child;
    struct sl_out_rendered r;    /* the batch, rendered */
};

static const char *const omprog_bool_enum[] = {
    "", "off", "on", NULL   /* rsyslog binary: exactly on or off */
};

#define OI(f) offsetof(struct omprog_inst, f)
static const struct sl_param omprog_inst_params[] = {
    { "binary", SL_PT_STRING, SL_P_REQUIRED, OI(binary), NULL, NULL, "$ActionOMProgBinary",
      "program path and arguments" },
    { "template", SL_PT_TEMPLATE, 0, OI(tpl), NULL, NULL, NULL, "record template" },
    { "confirmMessages", SL_PT_BOOL, 0, OI(confirm), "off", NULL, NULL,
      "the program answers OK per message" },
    { "confirmTimeout", SL_PT_INT, 0, OI(confirm_timeout), "10000", NULL, NULL,
      "ms to wait for a confirmation" },
    { "reportFailures", SL_PT_BOOL, 0, OI(report_failures), "off", NULL, NULL,
      "log non-zero exit status of the program" },
    { "useTransactions", SL_PT_BOOL, SL_P_IGNORED, OI(use_transactions), "off", NULL, NULL,
      "accepted, not implemented (warning)" },
    { "beginTransactionMark", SL_PT_STRING, SL_P_IGNORED, OI(begin_mark), "BEGIN TRANSACTION", NULL,
      NULL, "accepted" },
    { "commitTransactionMark", SL_PT_STRING, SL_P_IGNORED, OI(commit_mark), "COMMIT TRANSACTION", NULL,
      NULL, "accepted" },
    { "output", SL_PT_STRING, 0, OI(output), NULL, NULL, NULL,
      "file for the program's stdout/stderr" },
    { "fileCreateMode", SL_PT_FILEMODE, 0, OI(file_mode), "0600", NULL, NULL,
      "mode of the output file" },
    { "hup.signal", SL_PT_WORD, 0, OI(hup_signal), NULL, NULL, NULL,
      "signal forwarded to the program on HUP" },
    { "signalOnClose", SL_PT_BOOL, 0, OI(signal_on_close), "off", NULL, NULL,
      "SIGTERM the program on close" },
    { "closeTimeout", SL_PT_INT, 0, OI(close_timeout), "5000", NULL, NULL,
      "ms to wait for the program to exit on close" },
    { "killUnresponsive", SL_PT_ENUM, 0, OI(kill_unresponsive), "", omprog_bool_enum, NULL,
      "SIGKILL the program after closeTimeout" },
    { "forceSingleInstance", SL_PT_BOOL, 0, OI(force_single), "off", NULL, NULL,
      "one program for all workers" },
    SL_PARAM_END
};

/* ------------------------------------------------------------------------------------- */

static void omprog_free_argv(struct omprog_inst *in)
{
    sl_spawn_free_argv(in->argv);
    in->argv = NULL;
}

/* Split the binary parameter into words as rsyslog 8.2302 does (sl_spawn_split). */
static int omprog_split(struct omprog_inst *in)
{
    in->argv = sl_spawn_split(in->binary);
    if (in->argv == NULL) {
        return SL_ENOMEM;
    }
    if (in->argv[0][0] == '\0') {
        return SL_EINVAL;
    }
    return 0;
}

static int omprog_signo(const char *name)
{
    static const struct { const char *n; int s; } tab[] = {
        { "HUP", SIGHUP }, { "USR1", SIGUSR1 }, { "USR2", SIGUSR2 }, { "INT", SIGINT },
        { "TERM", SIGTERM }, { "QUIT", SIGQUIT },
    };
    const char *p = name;
    if (strncasecmp(p, "SIG", 3) == 0) {
        p += 3;
    }
    for (size_t i = 0; i < sizeof tab / sizeof tab[0]; i++) {
        if (strcasecmp(p, tab[i].n) == 0) {
            return tab[i].s;
        }
    }
    return -1;
}

static void omprog_child_init(struct omprog_child *c)
{
    c->pid = 0;
    c->fd_in = -1;
    c->fd_out = -1;
    c->line_len = 0;
}

static void omprog_register(struct omprog_inst *in, struct omprog_child *c)
{
    pthread_mutex_lock(&in->list_lock);
    c->next = in->children;
    in->children = c;
    pthread_mutex_unlock(&in->list_lock);
}

static void omprog_unregister(struct omprog_inst *in, struct omprog_child *c)
{
    pthread_mutex_lock(&in->list_lock);
    for (struct omprog_child **pp = &in->children; *pp != NULL; pp = &(*pp)->next) {
        if (*pp == c) {
            *pp = c->next;
            break;
        }
    }
    pthread_mutex_unlock(&in->list_lock);
}

static void omprog_set_pid(struct omprog_inst *in, struct omprog_child *c, pid_t pid)
{
    pthread_mutex_lock(&in->list_lock);
    c->pid = pid;
    pthread_mutex_unlock(&in->list_lock);
}

static void omprog_report_status(struct omprog_inst *in, pid_t pid, int status)
{
    if (!in->report_failures) {
        return;
    }
    if (WIFEXITED(status) && WEXITSTATUS(status) != 0) {
        in->h->log(SL_LOG_WARNING, in->who, "program '%s' (pid %d) exited with status %d",
                   in->argv[0], (int)pid, WEXITSTATUS(status));
    } else if (WIFSIGNALED(status)) {
        in->h->log(SL_LOG_WARNING, in->who, "program '%s' (pid %d) terminated by signal %d",
                   in->argv[0], (int)pid, WTERMSIG(status));
    }
}

static void omprog_close_fds(struct omprog_child *c)
{
    if (c->fd_in >= 0) {
        close(c->fd_in);
        c->fd_in = -1;
    }
    if (c->fd_out >= 0) {
        close(c->fd_out);
        c->fd_out = -1;
    }
    c->line_len = 0;
}

/* The program died or misbehaved: close its pipes and reap it (killing it if it is still
 * running, for example after a confirmation timeout). */
static void omprog_child_lost(struct omprog_inst *in, struct omprog_child *c)
{
    omprog_close_fds(c);
    if (c->pid > 0) {
        pid_t pid = c->pid;
        int status = 0;
        pid_t r = waitpid(pid, &status, WNOHANG);
        if (r == 0) {
            kill(pid, SIGKILL);
            r = waitpid(pid, &status, 0);
        }
        if (r == pid) {
            omprog_report_status(in, pid, status);
        }
        omprog_set_pid(in, c, 0);
    }
}

/* Close: stdin EOF, optional SIGTERM, wait closeTimeout ms, optional SIGKILL, reap. */
static void omprog_child_close(struct omprog_inst *in, struct omprog_child *c)
{
    omprog_close_fds(c);
    if (c->pid <= 0) {
        return;
    }
    pid_t pid = c->pid;
    int status = 0;
    if (in->signal_on_close) {
        kill(pid, SIGTERM);
    }
    int64_t waited = 0;
    pid_t r = 0;
    for (;;) {
        r = waitpid(pid, &status, WNOHANG);
        if (r != 0 || waited >= in->close_timeout) {
            break;
        }
        struct timespec ts = { 0, 10 * 1000000L };
        nanosleep(&ts, NULL);
        waited += 10;
    }
    if (r == 0) {
        if (in->kill_unresp) {
            in->h->log(SL_LOG_WARNING, in->who,
                       "program '%s' (pid %d) did not terminate within timeout, killing it",
                       in->argv[0], (int)pid);
            kill(pid, SIGKILL);
            r = waitpid(pid, &status, 0);
        } else {
            /* leave it running, as rsyslog does; nobody will reap it but init */
            r = -1;
        }
    }
    if (r == pid) {
        omprog_report_status(in, pid, status);
    }
    omprog_set_pid(in, c, 0);
}

/* Read one line from the program's stdout within confirmTimeout.  Returns 1 with the line
 * (without LF, NUL-terminated) in out, 0 on EOF/error/timeout. */
static int omprog_read_line(struct omprog_inst *in, struct omprog_child *c, char *out,
                            size_t outsz)
{
    struct timespec start;
    clock_gettime(CLOCK_MONOTONIC, &start);
    for (;;) {
        char *nl = c->line_len > 0 ? memchr(c->line, '\n', c->line_len) : NULL;
        if (nl != NULL) {
            size_t l = (size_t)(nl - c->line);
            size_t cl = l < outsz - 1 ? l : outsz - 1;
            memcpy(out, c->line, cl);
            out[cl] = '\0';
            memmove(c->line, nl + 1, c->line_len - l - 1);
            c->line_len -= l + 1;
            return 1;
        }
        if (c->line_len == sizeof c->line) {
            c->line_len = 0;   /* over-long line: discard what we have */
        }
        struct timespec now;
        clock_gettime(CLOCK_MONOTONIC, &now);
        int64_t el = (int64_t)(now.tv_sec - start.tv_sec) * 1000
                     + (now.tv_nsec - start.tv_nsec) / 1000000;
        int64_t left = in->confirm_timeout - el;
        if (left <= 0) {
            in->h->log(SL_LOG_ERR, in->who, "program '%s' did not respond within timeout",
                       in->argv[0]);
            return 0;
        }
        struct pollfd pfd = { .fd = c->fd_out, .events = POLLIN, .revents = 0 };
        int pr = poll(&pfd, 1, left > 60000 ? 60000 : (int)left);
        if (pr < 0 && errno != EINTR) {
            return 0;
        }
        if (pr <= 0) {
            continue;
        }
        ssize_t r = read(c->fd_out, c->line + c->line_len, sizeof c->line - c->line_len);
        if (r < 0 && errno == EINTR) {
            continue;
        }
        if (r <= 0) {
            return 0;
        }
        c->line_len += (size_t)r;
    }
}

/* Start the program.  0 or SL_EIO (logged). */
static int omprog_child_start(struct omprog_inst *in, struct omprog_child *c)
{
    int pin[2] = { -1, -1 };
    int pout[2] = { -1, -1 };
    int fd_output = -1;
    int fd_null = -1;

    if (pipe2(pin, O_CLOEXEC) != 0) {
        goto fail_errno;
    }
    if (in->confirm && pipe2(pout, O_CLOEXEC) != 0) {
        goto fail_errno;
    }
    if (in->output != NULL) {
        fd_output = open(in->output, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOCTTY,
                         (mode_t)in->file_mode);
        if (fd_output < 0) {
            in->h->log(SL_LOG_ERR, in->who, "cannot open output file '%s': %s", in->output,
                       strerror(errno));
        }
    }
    fd_null = open("/dev/null", O_RDWR | O_CLOEXEC);
    if (fd_null < 0) {
        goto fail_errno;
    }

    int fd_err = fd_output >= 0 ? fd_output : fd_null;
    const struct sl_spawn sp = {
        .argv = in->argv, .envp = environ, .fd_in = pin[0],
        .fd_out = pout[1] >= 0 ? pout[1] : fd_err, .fd_err = fd_err,
        .ignore_sigint = 0, .exec_fail_msg = NULL, .exec_fail_status = 127,
    };
    pid_t pid = sl_spawn_start(&sp);
    if (pid < 0) {
        goto fail_errno;
    }

    close(pin[0]);
    if (pout[1] >= 0) {
        close(pout[1]);
    }
    if (fd_output >= 0) {
        close(fd_output);
    }
    close(fd_null);
    c->fd_in = pin[1];
    c->fd_out = pout[0];
    c->line_len = 0;
    omprog_set_pid(in, c, pid);

    if (in->confirm) {
        char line[OMPROG_LINE_MAX];
        if (!omprog_read_line(in, c, line, sizeof line) || strcmp(line, "OK") != 0) {
            in->h->log(SL_LOG_ERR, in->who, "program '%s' did not confirm its start-up",
                       in->argv[0]);
            omprog_child_lost(in, c);
            return SL_EIO;
        }
    }
    return 0;

fail_errno:
    in->h->log(SL_LOG_ERR, in->who, "cannot start program '%s': %s", in->argv[0],
               strerror(errno));
    for (int i = 0; i < 2; i++) {
        if (pin[i] >= 0) {
            close(pin[i]);
        }
        if (pout[i] >= 0) {
            close(pout[i]);
        }
    }
    if (fd_output >= 0) {
        close(fd_output);
    }
    if (fd_null >= 0) {
        close(fd_null);
    }
    return SL_EIO;
}

/* Write len bytes; returns the number written (len on success). */
static size_t omprog_write_all(int fd, const char *p, size_t len)
{
    size_t off = 0;
    while (off < len) {
        ssize_t r = write(fd, p + off, len - off);
        if (r < 0) {
            if (errno == EINTR) {
                continue;
            }
            break;
        }
        off += (size_t)r;
    }
    return off;
}

/* ------------------------------------------------------------------------------------- */

static int omprog_create(void *inst, void *modconf, const struct sl_host *h)
{
    struct omprog_inst *in = inst;
    (void)modconf;
    in->h = h;
    in->who = "omprog";
    omprog_child_init(&in->shared);

    if (in->binary == NULL || in->binary[0] == '\0') {
        h->log(SL_LOG_ERR, in->who, "omprog: parameter \"binary\" required");
        return SL_ECONFIG;
    }
    int r = omprog_split(in);
    if (r == SL_ENOMEM) {
        return r;
    }
    if (r != 0) {
        h->log(SL_LOG_ERR, in->who, "omprog: parameter \"binary\" has no program name");
        omprog_free_argv(in);
        return SL_ECONFIG;
    }
    if (in->hup_signal != NULL) {
        in->hup_signo = omprog_signo(in->hup_signal);
        if (in->hup_signo < 0) {
            h->log(SL_LOG_ERR, in->who, "omprog: hup.signal '%s' is not a known signal",
                   in->hup_signal);
            omprog_free_argv(in);
            return SL_ECONFIG;
        }
    }
    /* enum index: 0 unset, odd index = off ("off","no","0"), even = on */
    if (in->kill_unresponsive == 0) {
        in->kill_unresp = in->signal_on_close;
    } else {
        in->kill_unresp = (in->kill_unresponsive % 2) == 0;
    }
    if (in->close_timeout < 0) {
        in->close_timeout = 0;
    }
    if (in->use_transactions) {
        h->log(SL_LOG_WARNING, in->who, "omprog: useTransactions is accepted but not "
               "implemented: no transaction marks are sent");
    }
    in->tpl_eff = sl_out_template(h, in->tpl, NULL, in->who);
    if (in->tpl_eff == NULL) {
        omprog_free_argv(in);
        return SL_ECONFIG;
    }
    if (pthread_mutex_init(&in->io_lock, NULL) != 0) {
        omprog_free_argv(in);
        return SL_ENOMEM;
    }
    if (pthread_mutex_init(&in->list_lock, NULL) != 0) {
        pthread_mutex_destroy(&in->io_lock);
        omprog_free_argv(in);
        return SL_ENOMEM;
    }
    in->locks_init = 1;
    omprog_register(in, &in->shared);
    return 0;
}

static void omprog_destroy(void *inst)
{
    struct omprog_inst *in = inst;
    if (in->locks_init) {
        omprog_child_close(in, &in->shared);
        omprog_unregister(in, &in->shared);
        pthread_mutex_destroy(&in->io_lock);
        pthread_mutex_destroy(&in->list_lock);
        in->locks_init = 0;
    }
    omprog_free_argv(in);
}

static int omprog_worker_create(void *inst, void *wrk)
{
    struct omprog_inst *in = inst;
    struct omprog_wrk *w = wrk;
    omprog_child_init(&w->child);
    omprog_register(in, &w->child);
    return 0;
}

static void omprog_worker_destroy(void *inst, void *wrk)
{
    struct omprog_inst *in = inst;
    struct omprog_wrk *w = wrk;
    omprog_child_close(in, &w->child);
    omprog_unregister(in, &w->child);
    sl_out_render_free(in->h, &w->r);
}

/* Deliver a rendered batch to child c (caller holds io_lock when c is shared). */
static int omprog_deliver_to(struct omprog_inst *in, struct omprog_wrk *w,
                             struct omprog_child *c, size_t n, struct sl_verdict *v)
{
    if (c->pid <= 0) {
        if (omprog_child_start(in, c) != 0) {
            return SL_SUSPEND;
        }
    }
    if (!in->confirm) {
        size_t wrote = omprog_write_all(c->fd_in, w->r.data.p, w->r.data.len);
        if (wrote == w->r.data.len) {
            return SL_OK;
        }
        int err = errno;
        size_t done = 0;
        while (done < n && w->r.ends[done] <= wrote) {
            done++;
        }
        in->h->log(SL_LOG_WARNING, in->who,
                   "program '%s' (pid %d) terminated (write: %s); will be restarted",
                   in->argv[0], (int)c->pid, strerror(err));
        omprog_child_lost(in, c);
        if (done > 0 && v != NULL) {
            v->done = done;
            return SL_PARTIAL;
        }
        return SL_SUSPEND;
    }

    size_t off = 0;
    for (size_t i = 0; i < n; i++) {
        size_t len = w->r.ends[i] - off;
        char line[OMPROG_LINE_MAX];
        int ok = omprog_write_all(c->fd_in, w->r.data.p + off, len) == len;
        if (ok) {
            ok = omprog_read_line(in, c, line, sizeof line);
        }
        if (!ok) {
            in->h->log(SL_LOG_WARNING, in->who,
                       "program '%s' (pid %d) terminated or stopped responding; "
                       "will be restarted", in->argv[0], (int)c->pid);
            omprog_child_lost(in, c);
            if (i > 0 && v != NULL) {
                v->done = i;
                return SL_PARTIAL;
            }
            return SL_SUSPEND;
        }
        if (strcmp(line, "OK") != 0) {
            in->h->log(SL_LOG_WARNING, in->who, "program '%s' returned: %s", in->argv[0],
                       line);
            if (i > 0 && v != NULL) {
                v->done = i;
                return SL_PARTIAL;
            }
            return SL_RETRY;
        }
        off = w->r.ends[i];
    }
    return SL_OK;
}

static int omprog_deliver(void *inst, void *wrk, const struct sl_batch *b,
                          struct sl_verdict *v)
{
    struct omprog_inst *in = inst;
    struct omprog_wrk *w = wrk;
    const struct sl_host *h = in->h;

    if (b->n == 0) {
        return SL_OK;
    }
    if (sl_out_render(h, in->tpl_eff, b, &w->r) != SL_OK) {
        return SL_RETRY;
    }

    int verdict;
    if (in->force_single) {
        pthread_mutex_lock(&in->io_lock);
        verdict = omprog_deliver_to(in, w, &in->shared, b->n, v);
        pthread_mutex_unlock(&in->io_lock);
    } else {
        verdict = omprog_deliver_to(in, w, &w->child, b->n, v);
    }
    return verdict;
}

static void omprog_hup(void *inst)
{
    struct omprog_inst *in = inst;
    if (in->hup_signo <= 0) {
        return;
    }
    pthread_mutex_lock(&in->list_lock);
    for (struct omprog_child *c = in->children; c != NULL; c = c->next) {
        if (c->pid > 0) {
            kill(c->pid, in->hup_signo);
        }
    }
    pthread_mutex_unlock(&in->list_lock);
}

static const struct sl_output_ops omprog_ops = {
    .create = omprog_create,
    .destroy = omprog_destroy,
    .worker_create = omprog_worker_create,
    .worker_destroy = omprog_worker_destroy,
    .deliver = omprog_deliver,
    .hup = omprog_hup,
};

SL_PLUGIN_DEFINE(omprog) = {
    SL_PLUGIN_HEADER(omprog),
    .kinds = SL_OUTPUT,
    .flags = 0,
    .module_params = NULL,
    .inst_params = omprog_inst_params,
    .mod_size = 0,
    .inst_size = sizeof(struct omprog_inst),
    .wrk_size = sizeof(struct omprog_wrk),
    .mod_init = NULL,
    .mod_fini = NULL,
    .in = NULL,
    .out = &omprog_ops,
};
