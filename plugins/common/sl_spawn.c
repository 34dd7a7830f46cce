/*
 * sl_spawn.c - argv splitting and child start-up shared by omprog and mmexternal (see
 * sl_spawn.h).  Hand-written, as the two plugins had it: posix_spawn(3) cannot make the
 * child ignore SIGINT while the parent does not, nor write mmexternal's message after a
 * failed execve, and no library splits a command line with rsyslog's rules (quotes kept
 * in the word, every single space a separator; wordexp(3) and g_shell_parse_argv differ).
 *
 * Ownership: the argv vector is the caller's; nothing else is allocated.
 * Concurrency & locking: no shared state.  The child runs only async-signal-safe calls
 * (dup2, sigaction, sigprocmask, close, execve, write, _exit) between fork and execve.
 */
#include "config.h"

#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sl_spawn.h"

#define SL_SPAWN_MAX_FD_TO_CLOSE 65536

char **sl_spawn_split(const char *s)
{
    size_t slen = strlen(s), nwords = 1;
    int quoted = 0;
    for (size_t i = 0; i < slen; i++) {
        if (s[i] == '"') {
            quoted = !quoted;
        } else if (s[i] == ' ' && !quoted) {
            nwords++;
        }
    }
    char **v = calloc(nwords + 1, sizeof *v);
    if (v == NULL) {
        return NULL;
    }
    size_t start = 0;
    quoted = 0;
    for (size_t k = 0; k < nwords; k++) {
        size_t end = start;
        while (end < slen && (s[end] != ' ' || quoted)) {
            if (s[end] == '"') {
                quoted = !quoted;
            }
            end++;
        }
        v[k] = strndup(s + start, end - start);
        if (v[k] == NULL) {
            sl_spawn_free_argv(v);
            return NULL;
        }
        start = end + 1;
    }
    return v;
}

void sl_spawn_free_argv(char **argv)
{
    if (argv == NULL) {
        return;
    }
    for (size_t i = 0; argv[i] != NULL; i++) {
        free(argv[i]);
    }
    free(argv);
}

pid_t sl_spawn_start(const struct sl_spawn *sp)
{
    size_t msglen = sp->exec_fail_msg != NULL ? strlen(sp->exec_fail_msg) : 0;
    pid_t pid = fork();
    if (pid != 0) {
        return pid;
    }
    /* child: async-signal-safe calls only */
    if (dup2(sp->fd_in, 0) < 0 || dup2(sp->fd_out, 1) < 0 || dup2(sp->fd_err, 2) < 0) {
        _exit(127);
    }
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = SIG_DFL;
    sigemptyset(&sa.sa_mask);
    for (int s = 1; s < NSIG; s++) {
        (void)sigaction(s, &sa, NULL);
    }
    if (sp->ignore_sigint) {
        sa.sa_handler = SIG_IGN;
        (void)sigaction(SIGINT, &sa, NULL);
    }
    sigset_t none;
    sigemptyset(&none);
    (void)sigprocmask(SIG_SETMASK, &none, NULL);
    for (int fd = 3; fd < SL_SPAWN_MAX_FD_TO_CLOSE; fd++) {
        (void)close(fd);
    }
    execve(sp->argv[0], sp->argv, sp->envp);
    if (msglen > 0) {
        ssize_t w = write(2, sp->exec_fail_msg, msglen);
        (void)w;
    }
    _exit(sp->exec_fail_status);
}
