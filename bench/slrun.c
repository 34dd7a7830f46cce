/* slrun - times one benchmark run.
 *
 *   slrun -n N -o FILE [-o FILE...] [-p PID...] [-t TIMEOUT] [-q QUIET] -- SENDER ARGS...
 *
 * Reads the CPU time (utime+stime, all threads) of the daemon PID(s) from /proc/PID/stat,
 * starts SENDER (slflood), and follows the output FILE(s) (created later is fine) by
 * reading only the bytes appended since the last look, every 2 ms, counting lines.  The
 * run ends when the files hold N lines together ("complete"), or when the sender has
 * exited and the files did not grow for QUIET seconds ("stable", UDP loss), or after
 * TIMEOUT seconds ("timeout").  The end time is the moment the N-th line was seen (or the
 * last growth); the start is just before the sender was started, so the rate covers
 * first byte sent to last line written.  Prints one line of key=value pairs:
 *
 *   lines= secs= rate= cpu_us= cpu_us_per_msg= hwm_kb= rss_kb= reason= sender_rc= other_pct=
 *
 * other_pct is the share of the machine (all CPUs; user, nice, system and steal time from
 * /proc/stat, interrupts left out) that was busy with something else than the daemon, the
 * sender, slrun and the -x PIDs (such as a receiving sink) during the run.  On a shared
 * machine, runs with a high other_pct measured the neighbours as much as the daemon.
 *
 * cpu_us_per_msg divides by the lines written; hwm_kb is VmHWM of the first PID (peak
 * resident memory since the daemon started).  Exit 0 when complete, 3 otherwise (stable),
 * 4 on timeout, 2 on usage or system errors.  A sender still running at the end is sent
 * SIGTERM (it is our child) and reaped.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MAX_FILES 8
#define MAX_PIDS 8
#define CHUNK (1024 * 1024)

struct follow {
    const char *path;
    int fd;
    long lines;
};

static double now_sec(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void usage(void)
{
    fprintf(stderr, "usage: slrun -n N -o FILE [-o FILE...] [-p PID...] [-x PID...] [-t TIMEOUT] [-q QUIET]"
                    " -- SENDER ARGS...\n");
    exit(2);
}

/* utime+stime of a process in microseconds, or -1. */
static double proc_cpu_us(int pid)
{
    char path[64], buf[2048];
    snprintf(path, sizeof path, "/proc/%d/stat", pid);
    FILE *f = fopen(path, "r");
    if (f == NULL) {
        return -1;
    }
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = '\0';
    char *p = strrchr(buf, ')');   /* comm may contain spaces */
    if (p == NULL) {
        return -1;
    }
    unsigned long long ut = 0, st = 0;
    /* after ")": state(3) ppid pgrp session tty tpgid flags minflt cminflt majflt cmajflt utime(14) stime(15) */
    if (sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu", &ut, &st) != 2) {
        return -1;
    }
    return (double)(ut + st) * 1e6 / (double)sysconf(_SC_CLK_TCK);
}

/* Busy time of all CPUs (user nice system steal) in microseconds, or -1.  irq and softirq
 * time is left out: loopback traffic is processed in softirq for our own processes. */
static double machine_busy_us(void)
{
    unsigned long long v[8] = { 0 };
    FILE *f = fopen("/proc/stat", "r");
    if (f == NULL) {
        return -1;
    }
    int n = fscanf(f, "cpu %llu %llu %llu %llu %llu %llu %llu %llu", &v[0], &v[1], &v[2], &v[3],
                   &v[4], &v[5], &v[6], &v[7]);
    fclose(f);
    if (n < 8) {
        return -1;
    }
    unsigned long long busy = v[0] + v[1] + v[2] + v[7];
    return (double)busy * 1e6 / (double)sysconf(_SC_CLK_TCK);
}

static double tv_us(struct timeval tv)
{
    return (double)tv.tv_sec * 1e6 + (double)tv.tv_usec;
}

static long proc_status_kb(int pid, const char *key)
{
    char path[64], line[256];
    snprintf(path, sizeof path, "/proc/%d/status", pid);
    FILE *f = fopen(path, "r");
    if (f == NULL) {
        return -1;
    }
    long v = -1;
    size_t kl = strlen(key);
    while (fgets(line, sizeof line, f) != NULL) {
        if (strncmp(line, key, kl) == 0 && line[kl] == ':') {
            v = atol(line + kl + 1);
            break;
        }
    }
    fclose(f);
    return v;
}

/* Reads what was appended to the file since the last call; returns new lines. */
static long follow_step(struct follow *fo, char *buf)
{
    if (fo->fd < 0) {
        fo->fd = open(fo->path, O_RDONLY | O_CLOEXEC);
        if (fo->fd < 0) {
            return 0;
        }
    }
    long added = 0;
    for (int i = 0; i < 64; i++) {   /* at most 64 MiB per look */
        ssize_t n = read(fo->fd, buf, CHUNK);
        if (n <= 0) {
            break;
        }
        for (char *p = buf, *end = buf + n; (p = memchr(p, '\n', (size_t)(end - p))) != NULL; p++) {
            added++;
        }
        if (n < CHUNK) {
            break;
        }
    }
    fo->lines += added;
    return added;
}

int main(int argc, char **argv)
{
    struct follow files[MAX_FILES];
    int pids[MAX_PIDS], xpids[MAX_PIDS];
    int nfiles = 0, npids = 0, nxpids = 0, opt;
    long want = -1;
    double timeout = 120, quiet = 1.0;
    while ((opt = getopt(argc, argv, "+n:o:p:x:t:q:")) != -1) {
        switch (opt) {
        case 'n': want = atol(optarg); break;
        case 'o':
            if (nfiles == MAX_FILES) {
                usage();
            }
            files[nfiles].path = optarg;
            files[nfiles].fd = -1;
            files[nfiles].lines = 0;
            nfiles++;
            break;
        case 'p':
            if (npids == MAX_PIDS) {
                usage();
            }
            pids[npids++] = atoi(optarg);
            break;
        case 'x':
            if (nxpids == MAX_PIDS) {
                usage();
            }
            xpids[nxpids++] = atoi(optarg);
            break;
        case 't': timeout = atof(optarg); break;
        case 'q': quiet = atof(optarg); break;
        default: usage();
        }
    }
    if (want < 0 || nfiles == 0 || optind >= argc || timeout <= 0 || quiet <= 0) {
        usage();
    }
    char *buf = malloc(CHUNK);
    if (buf == NULL) {
        return 2;
    }
    double cpu0 = 0;
    for (int i = 0; i < npids; i++) {
        double c = proc_cpu_us(pids[i]);
        if (c < 0) {
            fprintf(stderr, "slrun: no process %d\n", pids[i]);
            return 2;
        }
        cpu0 += c;
    }
    double x0 = 0;
    for (int i = 0; i < nxpids; i++) {
        double c = proc_cpu_us(xpids[i]);
        x0 += c > 0 ? c : 0;
    }
    struct rusage self0;
    getrusage(RUSAGE_SELF, &self0);
    double busy0 = machine_busy_us();
    double t0 = now_sec();
    pid_t child = fork();
    if (child < 0) {
        perror("slrun: fork");
        return 2;
    }
    if (child == 0) {
        execvp(argv[optind], argv + optind);
        perror("slrun: exec");
        _exit(127);
    }
    struct rusage child_ru;
    memset(&child_ru, 0, sizeof child_ru);
    long total = 0;
    double last_growth = t0, t_end = t0;
    int sender_rc = -1;
    const char *reason = "timeout";
    for (;;) {
        long added = 0;
        for (int i = 0; i < nfiles; i++) {
            added += follow_step(&files[i], buf);
        }
        double t = now_sec();
        if (added > 0) {
            total += added;
            last_growth = t;
        }
        if (sender_rc < 0) {
            int st;
            if (wait4(child, &st, WNOHANG, &child_ru) == child) {
                sender_rc = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
            }
        }
        if (total >= want) {
            reason = "complete";
            t_end = t;
            break;
        }
        if (sender_rc >= 0 && t - last_growth >= quiet && t - t0 >= quiet) {
            reason = "stable";
            t_end = last_growth;
            break;
        }
        if (t - t0 >= timeout) {
            t_end = t;
            break;
        }
        struct timespec ts = { 0, 2 * 1000 * 1000 };
        nanosleep(&ts, NULL);
    }
    double cpu1 = 0;
    for (int i = 0; i < npids; i++) {
        double c = proc_cpu_us(pids[i]);
        cpu1 += c > 0 ? c : 0;
    }
    double busy1 = machine_busy_us();
    double t_busy1 = now_sec();
    double x1 = 0;
    for (int i = 0; i < nxpids; i++) {
        double c = proc_cpu_us(xpids[i]);
        x1 += c > 0 ? c : 0;
    }
    struct rusage self1;
    getrusage(RUSAGE_SELF, &self1);
    long hwm = npids > 0 ? proc_status_kb(pids[0], "VmHWM") : -1;
    long rss = npids > 0 ? proc_status_kb(pids[0], "VmRSS") : -1;
    if (sender_rc < 0) {
        /* the sender outlived the run: give it 5 s, then stop it */
        for (int i = 0; i < 500 && sender_rc < 0; i++) {
            int st;
            if (wait4(child, &st, WNOHANG, &child_ru) == child) {
                sender_rc = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
                break;
            }
            struct timespec ts = { 0, 10 * 1000 * 1000 };
            nanosleep(&ts, NULL);
        }
        if (sender_rc < 0) {
            int st;
            kill(child, SIGTERM);
            wait4(child, &st, 0, &child_ru);
            sender_rc = 255;
        }
    }
    double secs = t_end - t0;
    double cpu = cpu1 - cpu0;
    /* the sender's CPU after t_end is small; it is counted as ours (subtracted) anyway */
    double ours = cpu + (x1 - x0) + tv_us(child_ru.ru_utime) + tv_us(child_ru.ru_stime) +
                  tv_us(self1.ru_utime) - tv_us(self0.ru_utime) + tv_us(self1.ru_stime) -
                  tv_us(self0.ru_stime);
    double wall_all = (t_busy1 - t0) * 1e6 * (double)sysconf(_SC_NPROCESSORS_ONLN);
    double other = busy0 >= 0 && busy1 >= 0 ? (busy1 - busy0) - ours : 0;
    double other_pct = wall_all > 0 && other > 0 ? 100.0 * other / wall_all : 0.0;
    printf("lines=%ld secs=%.4f rate=%.0f cpu_us=%.0f cpu_us_per_msg=%.3f hwm_kb=%ld rss_kb=%ld "
           "reason=%s sender_rc=%d other_pct=%.0f\n",
           total, secs, secs > 0 ? (double)total / secs : 0.0, cpu,
           total > 0 ? cpu / (double)total : 0.0, hwm, rss, reason, sender_rc, other_pct);
    for (int i = 0; i < nfiles; i++) {
        if (files[i].fd >= 0) {
            close(files[i].fd);
        }
    }
    free(buf);
    return strcmp(reason, "complete") == 0 ? 0 : strcmp(reason, "stable") == 0 ? 3 : 4;
}
