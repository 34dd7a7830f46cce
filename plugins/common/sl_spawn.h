/*
 * sl_spawn.h - starting an external program the way rsyslog 8.2302's omprog and mmexternal
 * do, for the plugins that run one (omprog, mmexternal): rsyslog's split of a
 * binary="prog args" parameter into argv, and the fork/exec of the child with its standard
 * descriptors set, signals reset and every other descriptor closed.  Compiled into each
 * plugin that uses it (like sl_acl.c); not part of the plugin ABI.
 *
 * Ownership: sl_spawn_split() returns an argv the caller frees with sl_spawn_free_argv().
 * The descriptors given to sl_spawn_start() stay the caller's (it closes its copies after
 * the call, as it sees fit).
 * Concurrency & locking: no shared state; any thread may call these.  Between fork() and
 * execve() the child only makes async-signal-safe calls.
 */
#ifndef SLUICE_SL_SPAWN_H
#define SLUICE_SL_SPAWN_H

#include <sys/types.h>

/* Split s into words as rsyslog 8.2302 does: every single space separates (two spaces give
 * an empty word) except between double quotes, which are kept in the word; single quotes
 * and backslashes are plain characters.  A NULL-terminated vector of at least one word
 * (argv[0] may be ""), or NULL when out of memory. */
char **sl_spawn_split(const char *s);
/* Frees what sl_spawn_split() returned (NULL is fine). */
void sl_spawn_free_argv(char **argv);

struct sl_spawn {
    char *const *argv;           /* argv[0] is the program's path */
    char *const *envp;
    int fd_in, fd_out, fd_err;   /* become the child's 0, 1, 2 */
    int ignore_sigint;           /* SIGINT ignored in the child (mmexternal, as rsyslog) */
    const char *exec_fail_msg;   /* written to the child's stderr if execve fails, or NULL */
    int exec_fail_status;        /* the child's exit status then */
};

/* fork() and execve() sp->argv in the child, with all signal dispositions at their default
 * (but SIGINT with ignore_sigint), an empty signal mask and the descriptors from 3 up
 * closed; a failed dup2 exits with 127.  The child's pid, or -1 with errno set. */
pid_t sl_spawn_start(const struct sl_spawn *sp);

#endif
