/*
 * log.c - internal messages and configuration diagnostics.
 *
 * stderr gets "sluiced: [who: ]severity: text" (config problems: "sluiced: FILE:LINE:
 * severity: text", followed, when the location has a column, by the source line and a caret
 * under the column, read again from the file; at most SL_CFG_MAX_SHOWN errors are shown); the message stream gets "[who: ]text" (FILE:LINE prefixed for config
 * problems) - the tag "sluiced:" and the severity travel in the message itself, as rsyslog
 * does with its own messages.
 *
 * Concurrency & locking: counters are atomic; stderr writes are single fprintf calls of a
 * fully formatted line (stdio locks the stream); the sink is set before threads start and
 * cleared at shutdown (an atomic pointer: action workers may still log then).
 */
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "conf/ir.h"
#include "log.h"

static atomic_int n_errors, n_warnings, n_soft_errors;
static _Atomic(sl_log_sink_fn) sink;   /* cleared at shutdown while action workers may log */
static int to_stderr = 1;
static int debug_on;

static const char *sevname(int sev)
{
    switch (sev) {
    case SL_LOG_ERR: return "error";
    case SL_LOG_WARNING: return "warning";
    case SL_LOG_NOTICE: return "notice";
    case SL_LOG_INFO: return "info";
    case SL_LOG_DEBUG: return "debug";
    default: return sev < SL_LOG_ERR ? "critical" : "info";
    }
}

/* where: "who" or "FILE:LINE" or NULL */
static void emit(int sev, const char *where, const char *body)
{
    if (sev == SL_LOG_DEBUG && !debug_on) {
        return;
    }
    int has = where != NULL && *where != '\0';
    sl_log_sink_fn sk = atomic_load(&sink);
    if (to_stderr || sk == NULL) {
        fprintf(stderr, "sluiced: %s%s%s: %s\n", has ? where : "", has ? ": " : "",
                sevname(sev), body);
    }
    if (sk != NULL && sev != SL_LOG_DEBUG) {
        char line[2400];
        snprintf(line, sizeof line, "%s%s%s", has ? where : "", has ? ": " : "", body);
        sk(sev, line);
    }
}

static _Thread_local int tl_errors_logged;

int sl_log_errors_logged(void)
{
    return tl_errors_logged;
}

/* the config statement whose plugin create()/mod_init() runs on this thread (NULL: none) */
static _Thread_local const struct sl_loc *tl_plugin_loc;

void sl_log_plugin_loc(const struct sl_loc *loc)
{
    tl_plugin_loc = loc;
}

void sl_log(int severity, const char *who, const char *fmt, ...)
{
    if (severity <= SL_LOG_ERR) {
        tl_errors_logged++;
    }
    char body[2048], where[1200];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(body, sizeof body, fmt, ap);
    va_end(ap);
    const struct sl_loc *loc = tl_plugin_loc;
    if (loc != NULL && loc->file != NULL && loc->file[0] != '\0' &&
        severity <= SL_LOG_WARNING) {
        /* a plugin's complaint about its own configuration: say where that is */
        snprintf(where, sizeof where, "%s:%d%s%s", loc->file, loc->line,
                 who != NULL && *who != '\0' ? ": " : "", who != NULL ? who : "");
        who = where;
    }
    emit(severity, who, body);
}

/* Line `line` of file `path` into buf (without the newline); 0, or -1 when there is no
 * such file or line. */
static int source_line(const char *path, int line, char *buf, size_t size)
{
    FILE *f = fopen(path, "r");
    if (f == NULL) {
        return -1;
    }
    int n = 0, rc = -1;
    while (fgets(buf, (int)size, f) != NULL) {
        size_t l = strlen(buf);
        int whole = l > 0 && buf[l - 1] == '\n';
        if (whole || feof(f)) {
            n++;
        }
        if (n == line) {
            buf[strcspn(buf, "\r\n")] = '\0';
            rc = whole || feof(f) ? 0 : -1;   /* a line longer than buf: not shown */
            break;
        }
    }
    fclose(f);
    return rc;
}

/* The source line of a located diagnostic and a caret under the column:
 *        3 | input(type="imudp" prot="514")
 *          |                    ^
 * Not for lines that may hold a secret (log.h): nothing of them is printed. */
static void show_source(const struct sl_loc *loc)
{
    char text[1024];
    if (loc->col <= 0 || loc->line <= 0 || source_line(loc->file, loc->line, text, sizeof text) != 0) {
        return;
    }
    size_t len = strlen(text);
    if ((size_t)loc->col > len + 1 || sl_secret_key(text, len)) {
        return;
    }
    for (size_t i = 0; i < len; i++) {
        if (strncasecmp(text + i, "pwd", 3) == 0) {
            return;
        }
    }
    char caret[1100];
    size_t k = 0;
    for (int i = 0; i < loc->col - 1 && k < sizeof caret - 2; i++) {
        caret[k++] = text[i] == '\t' ? '\t' : ' ';   /* tabs line up as in the source */
    }
    caret[k++] = '^';
    caret[k] = '\0';
    fprintf(stderr, "%6d | %s\n       | %s\n", loc->line, text, caret);
}

static atomic_int n_shown;   /* errors printed so far (bounded by SL_CFG_MAX_SHOWN) */

static void cfg_msg(int sev, const struct sl_loc *loc, const char *fmt, va_list ap)
{
    char body[2048], where[1100] = "";
    if (sev <= SL_LOG_ERR) {
        int k = atomic_fetch_add(&n_shown, 1);
        if (k == SL_CFG_MAX_SHOWN) {
            emit(sev, NULL, "too many errors in the configuration: not showing more");
        }
        if (k >= SL_CFG_MAX_SHOWN) {
            return;
        }
    }
    vsnprintf(body, sizeof body, fmt, ap);
    if (loc != NULL && loc->file != NULL && loc->file[0] != '\0') {
        snprintf(where, sizeof where, "%s:%d", loc->file, loc->line);
    }
    emit(sev, where, body);
    if (loc != NULL && loc->file != NULL && loc->file[0] != '\0' &&
        (to_stderr || atomic_load(&sink) == NULL)) {
        show_source(loc);
    }
}

/* soft scopes (sl_cfg_soft_begin/_end): config time, one thread; thread-local anyway */
static _Thread_local int tl_soft_depth, tl_soft_errs;

int sl_cfg_soft_begin(void)
{
    tl_soft_depth++;
    return tl_soft_errs;
}

int sl_cfg_soft_end(int mark)
{
    if (tl_soft_depth > 0) {
        tl_soft_depth--;
    }
    return tl_soft_errs - mark;
}

void sl_cfg_error(const struct sl_loc *loc, const char *fmt, ...)
{
    va_list ap;
    if (tl_soft_depth > 0) {
        tl_soft_errs++;
        atomic_fetch_add(&n_soft_errors, 1);
    } else {
        atomic_fetch_add(&n_errors, 1);
    }
    va_start(ap, fmt);
    cfg_msg(SL_LOG_ERR, loc, fmt, ap);
    va_end(ap);
}

void sl_cfg_error_soft(const struct sl_loc *loc, const char *fmt, ...)
{
    va_list ap;
    tl_soft_errs++;
    atomic_fetch_add(&n_soft_errors, 1);
    va_start(ap, fmt);
    cfg_msg(SL_LOG_ERR, loc, fmt, ap);
    va_end(ap);
}

void sl_cfg_note(const struct sl_loc *loc, const char *fmt, ...)
{
    char body[2048], where[1100] = "";
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(body, sizeof body, fmt, ap);
    va_end(ap);
    if (loc != NULL && loc->file != NULL && loc->file[0] != '\0') {
        snprintf(where, sizeof where, "%s:%d", loc->file, loc->line);
    }
    emit(SL_LOG_NOTICE, where, body);
}

int sl_cfg_soft_error_count(void)
{
    return atomic_load(&n_soft_errors);
}

void sl_cfg_warn(const struct sl_loc *loc, const char *fmt, ...)
{
    va_list ap;
    atomic_fetch_add(&n_warnings, 1);
    va_start(ap, fmt);
    cfg_msg(SL_LOG_WARNING, loc, fmt, ap);
    va_end(ap);
}

int sl_cfg_error_count(void)
{
    return atomic_load(&n_errors);
}

int sl_cfg_warn_count(void)
{
    return atomic_load(&n_warnings);
}

void sl_cfg_reset_counts(void)
{
    atomic_store(&n_errors, 0);
    atomic_store(&n_warnings, 0);
    atomic_store(&n_soft_errors, 0);
    atomic_store(&n_shown, 0);
}

void sl_log_set_sink(sl_log_sink_fn fn)
{
    atomic_store(&sink, fn);
}

void sl_log_set_stderr(int on)
{
    to_stderr = on;
}

void sl_log_set_debug(int on)
{
    debug_on = on;
}

/* ---- secret redaction (the rule is written in log.h) ---- */

int sl_secret_key(const char *key, size_t len)
{
    static const char *const pat[] = { "password", "passwd", "passphrase", "secret",
                                       "sasl.oauthbearer.config", "ssl.key.pem", "ssl_key",
                                       NULL };
    if (len == 3 && strncasecmp(key, "pwd", 3) == 0) {
        return 1;
    }
    for (size_t i = 0; pat[i] != NULL; i++) {
        size_t pl = strlen(pat[i]);
        for (size_t off = 0; off + pl <= len; off++) {
            if (strncasecmp(key + off, pat[i], pl) == 0) {
                return 1;
            }
        }
    }
    return 0;
}

const char *sl_redact(int secret, const char *name, const char *v, char *buf, size_t size)
{
    if (v == NULL) {
        return v;
    }
    if (secret || (name != NULL && sl_secret_key(name, strlen(name)))) {
        return SL_REDACTED;
    }
    const char *eq = strchr(v, '=');
    if (eq != NULL && sl_secret_key(v, (size_t)(eq - v))) {
        int kl = (int)(eq - v);
        int room = (int)size - (int)sizeof SL_REDACTED - 2;
        snprintf(buf, size, "%.*s=%s", kl < room ? kl : room, v, SL_REDACTED);
        return buf;
    }
    return v;
}
