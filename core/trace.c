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
 * starts.  A follower that asked for JSON (`trace on --json`) gets each event as one JSON
 * object a line instead ({"event":..., its fields, "text": the text line}), rendered with
 * libfastjson under the lock only while such a follower exists.  A line is sent whole or
 * not at all in practice: a unix stream socket takes a send() of less than half its buffer
 * in one piece, and the lines are at most a few KiB.  Statement heads are printed with the rule tester's sl_stmt_head_dump, in its
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

#include <libfastjson/json.h>

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
static struct follower {
    int fd;
    int json;                   /* one JSON object a line */
} followers[SL_TRACE_MAX_FOLLOWERS];
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

/* {"event":event, kv[0..n)..., "text":text[0..tlen)} and a newline, malloc'ed (*len). */
static char *json_line(const char *event, const struct sl_trace_kv *kv, size_t n,
                       const char *text, size_t tlen, size_t *len)
{
    struct fjson_object *o = fjson_object_new_object();
    fjson_object_object_add(o, "event", fjson_object_new_string(event));
    for (size_t i = 0; i < n; i++) {
        struct fjson_object *v = kv[i].type == SL_TKV_INT ? fjson_object_new_int64(kv[i].i)
                                 : kv[i].type == SL_TKV_BOOL ? fjson_object_new_boolean((int)kv[i].i)
                                 : kv[i].s != NULL ? fjson_object_new_string(kv[i].s) : NULL;
        if (v != NULL) {
            fjson_object_object_add(o, kv[i].key, v);
        }
    }
    fjson_object_object_add(o, "text", fjson_object_new_string_len(text, (int)tlen));
    const char *js = fjson_object_to_json_string_ext(o, FJSON_TO_STRING_PLAIN);
    size_t jl = strlen(js);
    char *r = sl_xmalloc(jl + 2);
    memcpy(r, js, jl);
    r[jl++] = '\n';
    r[jl] = '\0';
    fjson_object_put(o);
    *len = jl;
    return r;
}

static void send_line(int fd, const char *p, size_t len)
{
    (void)send(fd, p, len, MSG_DONTWAIT | MSG_NOSIGNAL);
}

int sl_trace_sub(int fd, const char *input, const char *ruleset, const char *match, int json)
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
    size_t hl = n > 0 && (size_t)n < sizeof hello ? (size_t)n : strlen(hello);
    if (json) {
        struct sl_trace_kv kv[] = { SL_TKV_S("input", sel_input), SL_TKV_S("ruleset", sel_ruleset),
                                    SL_TKV_S("match", sel_match),
                                    SL_TKV_I("max_lines_per_second", SL_TRACE_MAX_LINES) };
        size_t jl;
        char *js = json_line("trace on", kv, sizeof kv / sizeof kv[0], hello, hl - 1, &jl);
        send_line(fd, js, jl);
        free(js);
    } else {
        send_line(fd, hello, hl);
    }
    followers[nfollowers].fd = fd;
    followers[nfollowers++].json = json;
    set_active_locked();
    pthread_mutex_unlock(&lock);
    return 0;
}

void sl_trace_unsub(int fd)
{
    pthread_mutex_lock(&lock);
    for (size_t i = 0; i < nfollowers; i++) {
        if (followers[i].fd == fd) {
            followers[i] = followers[--nfollowers];
            break;
        }
    }
    set_active_locked();
    pthread_mutex_unlock(&lock);
}

void sl_trace_off(int *fds, size_t max, size_t *n)
{
    static const char bye[] = "trace off\n", jbye[] = "{\"event\":\"trace off\",\"text\":\"trace off\"}\n";
    pthread_mutex_lock(&lock);
    *n = 0;
    for (size_t i = 0; i < nfollowers; i++) {
        if (followers[i].json) {
            send_line(followers[i].fd, jbye, sizeof jbye - 1);
        } else {
            send_line(followers[i].fd, bye, sizeof bye - 1);
        }
        if (*n < max) {
            fds[(*n)++] = followers[i].fd;
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

/* Under lock: one event to every sink: text[0..len) (ending in '\n') to stderr and the
 * text followers, its JSON form (rendered here when a follower wants it) to the others. */
static void put_locked(const char *event, const struct sl_trace_kv *kv, size_t nkv,
                       const char *text, size_t len)
{
    char *js = NULL;
    size_t jl = 0;
    if (to_stderr) {
        ssize_t w = write(STDERR_FILENO, text, len);
        (void)w;
    }
    for (size_t i = 0; i < nfollowers; i++) {
        const char *p = text;
        size_t l = len;
        if (followers[i].json) {
            if (js == NULL) {
                js = json_line(event, kv, nkv, text, len - 1, &jl);
            }
            p = js;
            l = jl;
        }
        ssize_t w = send(followers[i].fd, p, l, MSG_DONTWAIT | MSG_NOSIGNAL);
        if (w != (ssize_t)l) {
            suppressed++;   /* a slow follower loses the line (counted) */
        }
    }
    free(js);
}

void sl_trace_event(const char *event, const struct sl_trace_kv *kv, size_t nkv,
                    const char *fmt, ...)
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
            struct sl_trace_kv nk[] = { SL_TKV_I("count", suppressed) };
            int k = snprintf(note, sizeof note, "trace: %lu trace lines suppressed\n", suppressed);
            suppressed = 0;
            put_locked("suppressed", nk, 1, note, (size_t)k);
        }
    }
    if (win_lines >= SL_TRACE_MAX_LINES) {
        suppressed++;
    } else {
        win_lines++;
        put_locked(event, kv, nkv, line, len);
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
    const char *file = st->loc.file != NULL ? st->loc.file : "";
    struct sl_trace_kv kv[] = { SL_TKV_I("id", id), SL_TKV_S("file", file),
                                SL_TKV_I("line", st->loc.line), SL_TKV_S("statement", text),
                                SL_TKV_B("result", result > 0) };
    sl_trace_event("statement", kv, result < 0 ? 4 : 5, "trace #%lu %s:%d: %s%s", id, file,
                   st->loc.line, text, result < 0 ? "" : result ? " => true" : " => false");
    free(text);
}
