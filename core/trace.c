/*
 * trace.c - the live trace's sink, selector and rate limit (trace.h).  The ruleset worker
 * (worker.c) runs a selected message with tracing sl_exec_ops and calls sl_trace_stmt for
 * each filter, set/unset/call/stop; action.c reports enqueued/delivered/suspended/retried,
 * also for the batches of an in-flight window (flight.c's trace callback, on confirmation).
 *
 * Where the lines go: with -d to stderr; while control-socket clients follow the trace
 * (`sluicectl trace on ...`, core/ctl.c) to each of them.  A follower's socket is written
 * with MSG_DONTWAIT: a client that does not read loses lines (counted in the next
 * "suppressed" line), it never blocks a worker.  One selector at a time (input name,
 * ruleset name, substring of the raw message; each optional): a later `trace on` replaces
 * it for every follower.  Rate limit: SL_TRACE_MAX_LINES lines per wall-clock second, the
 * rest counted and reported as one "N trace lines suppressed" line when the next second
 * starts.  Statement heads are printed with the rule tester's sl_stmt_head_dump, in its
 * "FILE:LINE: TEXT => RESULT" form (core/ruletest.c).
 *
 * Ownership: the selector strings and the follower table are this file's (static); the
 * follower descriptors belong to the control thread, which closes them after
 * sl_trace_unsub / sl_trace_off handed them back.
 *
 * Concurrency & locking: one mutex (lock) over the selector, the followers, the stderr
 * flag and the rate-limit window; it is taken only while sl_trace_active is set (the
 * emitting worker) or by the control thread.  sl_trace_active is written under the lock,
 * read without it (a message that races with `trace on` may or may not be traced).
 */
#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "conf/ir.h"
#include "msg.h"
#include "trace.h"
#include "util/buf.h"
#include "util/strutil.h"

#define SL_TRACE_MAX_FOLLOWERS 4
#define SL_CTL_SEL_MAX 4200   /* a selector fits a request (4 KiB) */

_Atomic int sl_trace_active;

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static int to_stderr;
static int followers[SL_TRACE_MAX_FOLLOWERS];
static size_t nfollowers;
static char *sel_input, *sel_ruleset, *sel_match;
static time_t win_sec;
static unsigned long win_lines, suppressed;

static void set_active_locked(void)
{
    atomic_store(&sl_trace_active, to_stderr || nfollowers > 0);
}

static void set_str(char **dst, const char *v)
{
    free(*dst);
    *dst = v != NULL && v[0] != '\0' ? sl_xstrdup(v) : NULL;
}

void sl_trace_set_stderr(int on)
{
    pthread_mutex_lock(&lock);
    to_stderr = on;
    set_active_locked();
    pthread_mutex_unlock(&lock);
}

static void describe_locked(char *buf, size_t len)
{
    snprintf(buf, len, "%s%s%s%s%s%s%s%s", sel_input ? "input=" : "", sel_input ? sel_input : "",
             sel_input && (sel_ruleset || sel_match) ? " " : "", sel_ruleset ? "ruleset=" : "",
             sel_ruleset ? sel_ruleset : "", sel_ruleset && sel_match ? " " : "",
             sel_match ? "match=" : "", sel_match ? sel_match : "");
    if (buf[0] == '\0') {
        snprintf(buf, len, "all messages");
    }
}

int sl_trace_sub(int fd, const char *input, const char *ruleset, const char *match)
{
    pthread_mutex_lock(&lock);
    if (nfollowers >= SL_TRACE_MAX_FOLLOWERS) {
        pthread_mutex_unlock(&lock);
        return -1;
    }
    set_str(&sel_input, input);
    set_str(&sel_ruleset, ruleset);
    set_str(&sel_match, match);
    /* the greeting goes out before any trace line can (the socket's buffer is empty) */
    char sel[SL_CTL_SEL_MAX], hello[SL_CTL_SEL_MAX + 64];
    describe_locked(sel, sizeof sel);
    int n = snprintf(hello, sizeof hello, "ok: trace on for %s (at most %d lines/s)\n", sel,
                     SL_TRACE_MAX_LINES);
    (void)send(fd, hello, n > 0 && (size_t)n < sizeof hello ? (size_t)n : strlen(hello),
               MSG_DONTWAIT | MSG_NOSIGNAL);
    followers[nfollowers++] = fd;
    set_active_locked();
    pthread_mutex_unlock(&lock);
    return 0;
}

void sl_trace_unsub(int fd)
{
    pthread_mutex_lock(&lock);
    for (size_t i = 0; i < nfollowers; i++) {
        if (followers[i] == fd) {
            followers[i] = followers[--nfollowers];
            break;
        }
    }
    set_active_locked();
    pthread_mutex_unlock(&lock);
}

void sl_trace_off(int *fds, size_t max, size_t *n)
{
    static const char bye[] = "trace off\n";
    pthread_mutex_lock(&lock);
    *n = 0;
    for (size_t i = 0; i < nfollowers; i++) {
        (void)send(followers[i], bye, sizeof bye - 1, MSG_DONTWAIT | MSG_NOSIGNAL);
        if (*n < max) {
            fds[(*n)++] = followers[i];
        }
    }
    nfollowers = 0;
    to_stderr = 0;
    set_str(&sel_input, NULL);
    set_str(&sel_ruleset, NULL);
    set_str(&sel_match, NULL);
    set_active_locked();
    pthread_mutex_unlock(&lock);
}

int sl_trace_select(const struct sl_msg *m, const char *rsname)
{
    int ok = 1;
    pthread_mutex_lock(&lock);
    if (sel_input != NULL) {
        ok = m->inputname != NULL && strcmp(m->inputname, sel_input) == 0;
    }
    if (ok && sel_ruleset != NULL) {
        ok = rsname != NULL && strcmp(rsname, sel_ruleset) == 0;
    }
    if (ok && sel_match != NULL) {
        ok = m->raw != NULL &&
             sl_find_bytes(m->raw, m->raw_len, sel_match, strlen(sel_match), 0) != NULL;
    }
    pthread_mutex_unlock(&lock);
    return ok;
}

/* Under lock: text[0..len) (ending in '\n') to every sink. */
static void put_locked(const char *text, size_t len)
{
    if (to_stderr) {
        ssize_t w = write(STDERR_FILENO, text, len);
        (void)w;
    }
    for (size_t i = 0; i < nfollowers; i++) {
        ssize_t w = send(followers[i], text, len, MSG_DONTWAIT | MSG_NOSIGNAL);
        if (w != (ssize_t)len) {
            suppressed++;   /* a slow follower loses the line (counted) */
        }
    }
}

void sl_trace_emit(const char *fmt, ...)
{
    char line[1024];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(line, sizeof line - 1, fmt, ap);
    va_end(ap);
    if (n < 0) {
        return;
    }
    size_t len = (size_t)n < sizeof line - 1 ? (size_t)n : sizeof line - 2;
    line[len++] = '\n';
    time_t now = time(NULL);
    pthread_mutex_lock(&lock);
    if (now != win_sec) {
        win_sec = now;
        win_lines = 0;
        if (suppressed > 0) {
            char note[96];
            int k = snprintf(note, sizeof note, "trace: %lu trace lines suppressed\n", suppressed);
            suppressed = 0;
            put_locked(note, (size_t)k);
        }
    }
    if (win_lines >= SL_TRACE_MAX_LINES) {
        suppressed++;
    } else {
        win_lines++;
        put_locked(line, len);
    }
    pthread_mutex_unlock(&lock);
}

void sl_trace_stmt(unsigned long id, const struct sl_stmt *st, int result)
{
    char *text = NULL;
    size_t tl = 0;
    FILE *f = open_memstream(&text, &tl);
    if (f == NULL) {
        return;
    }
    sl_stmt_head_dump(f, st);
    fclose(f);
    while (tl > 0 && (text[tl - 1] == '\n' || text[tl - 1] == ' ')) {
        text[--tl] = '\0';
    }
    sl_trace_emit("trace #%lu %s:%d: %s%s", id, st->loc.file != NULL ? st->loc.file : "",
                  st->loc.line, text, result < 0 ? "" : result ? " => true" : " => false");
    free(text);
}
