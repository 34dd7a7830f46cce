/*
 * sluicectl.c - the control tool of sluiced (sluicectl(8)): sends one request line over
 * sluiced's control socket (core/ctl.c) and prints the reply.
 *
 *   sluicectl [-s SOCKET] COMMAND [ARGS...]
 *
 * The words of COMMAND ARGS are joined with single spaces into the request (for `trace on`
 * a --json word goes first, before match= takes the rest of the line).  Exit status:
 * 0 done, 1 sluiced refused the request (its reply starts with "error:", printed on
 * stderr), 2 usage error, 3 no connection (no socket, permission) or the connection broke.
 * `trace on ...` prints the trace until sluiced ends it (`trace off`, shutdown) or the
 * user interrupts it (SIGINT/SIGTERM: exit 0).
 *
 * Ownership: everything lives on main()'s stack.  Concurrency & locking: single-threaded;
 * the signal handler only sets a flag (the blocked read is interrupted, no SA_RESTART).
 */
#include "config.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#define SLUICECTL_DEFAULT_SOCKET "/run/sluiced.ctl"

static volatile sig_atomic_t interrupted;

static void on_signal(int sig)
{
    (void)sig;
    interrupted = 1;
}

static void usage(FILE *f)
{
    fprintf(f,
            "usage: sluicectl [-s SOCKET] COMMAND [ARGS...]\n"
            "  -s SOCKET   sluiced's control socket (default %s;\n"
            "              global(sluice.controlSocket=...) in sluice.conf)\n"
            "commands: help, version, stats [--json], queues [--json], reopen, reload,\n"
            "          trace on [input=NAME] [ruleset=NAME] [match=SUBSTRING] [--json],\n"
            "          trace off\n"
            "exit status: 0 done, 1 refused by sluiced, 2 usage, 3 no connection\n",
            SLUICECTL_DEFAULT_SOCKET);
}

static int write_all(int fd, const char *p, size_t n)
{
    while (n > 0) {
        ssize_t w = send(fd, p, n, MSG_NOSIGNAL);
        if (w < 0 && errno == EINTR) {
            continue;
        }
        if (w <= 0) {
            return -1;
        }
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

int main(int argc, char **argv)
{
    const char *path = SLUICECTL_DEFAULT_SOCKET;
    int c;
    while ((c = getopt(argc, argv, "+s:hV")) != -1) {
        switch (c) {
        case 's': path = optarg; break;
        case 'h': usage(stdout); return 0;
        case 'V': printf("sluicectl %s\n", PACKAGE_VERSION); return 0;
        default: usage(stderr); return 2;
        }
    }
    if (optind >= argc) {
        usage(stderr);
        return 2;
    }
    size_t len = 0;
    for (int i = optind; i < argc; i++) {
        len += strlen(argv[i]) + 1;
    }
    char *req = malloc(len + 1);
    if (req == NULL) {
        return 3;
    }
    req[0] = '\0';
    /* trace on ... --json: the server reads --json before the selectors (match= takes the
     * rest of the line), so it moves to just after "on" */
    int json_at = -1;
    if (argc - optind >= 2 && strcmp(argv[optind], "trace") == 0 &&
        strcmp(argv[optind + 1], "on") == 0) {
        for (int i = optind + 2; i < argc && json_at < 0; i++) {
            json_at = strcmp(argv[i], "--json") == 0 ? i : -1;
        }
    }
    for (int i = optind; i < argc; i++) {
        if (i == json_at) {
            continue;
        }
        if (i > optind) {
            strcat(req, " ");
        }
        strcat(req, argv[i]);
        if (json_at >= 0 && i == optind + 1) {
            strcat(req, " --json");
        }
    }
    strcat(req, "\n");
    int streaming = strncmp(req, "trace on", 8) == 0 && (req[8] == ' ' || req[8] == '\n');

    struct sockaddr_un sa;
    memset(&sa, 0, sizeof sa);
    sa.sun_family = AF_UNIX;
    if (strlen(path) >= sizeof sa.sun_path) {
        fprintf(stderr, "sluicectl: socket path too long: %s\n", path);
        free(req);
        return 2;
    }
    strcpy(sa.sun_path, path);
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof sa) != 0) {
        fprintf(stderr, "sluicectl: cannot connect to %s: %s (is sluiced running? -s SOCKET)\n",
                path, strerror(errno));
        free(req);
        return 3;
    }
    struct sigaction act;
    memset(&act, 0, sizeof act);
    act.sa_handler = on_signal;
    sigaction(SIGINT, &act, NULL);
    sigaction(SIGTERM, &act, NULL);
    signal(SIGPIPE, SIG_IGN);
    if (write_all(fd, req, strlen(req)) != 0) {
        /* sluiced may have refused the request already (too long): read its reason */
    }
    free(req);

    /* The reply: the first line decides the exit status; the rest goes to stdout. */
    char buf[8192];
    int first = 1, refused = 0, broke = 0, got = 0;
    while (!interrupted) {
        ssize_t r = recv(fd, buf, sizeof buf, 0);
        if (r < 0 && errno == EINTR) {
            continue;
        }
        if (r < 0) {
            broke = !got || errno != ECONNRESET;
            break;
        }
        if (r == 0) {
            break;
        }
        got = 1;
        if (first) {
            first = 0;
            refused = r >= 6 && memcmp(buf, "error:", 6) == 0;
        }
        FILE *out = refused ? stderr : stdout;
        if (fwrite(buf, 1, (size_t)r, out) != (size_t)r) {
            broke = 1;
            break;
        }
        if (streaming) {
            fflush(out);
        }
    }
    close(fd);
    fflush(stdout);
    if (!got && !interrupted) {
        fprintf(stderr, "sluicectl: no reply from %s\n", path);
        return 3;
    }
    return refused ? 1 : broke ? 3 : 0;
}
