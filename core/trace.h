/*
 * trace.h - the live trace (sluiced -d, `sluicectl trace on`): per message the ruleset
 * entered, each filter with FILE:LINE and result, set/unset/call/stop, each action
 * enqueued, delivered, suspended or retried; rate limited.  See trace.c.
 *
 * Cost when off: the ruleset worker reads sl_trace_active once per message (one relaxed
 * atomic load and a branch predicted not taken); the action paths read it once per batch.
 */
#ifndef SLUICE_CORE_TRACE_H
#define SLUICE_CORE_TRACE_H

#include <stdatomic.h>
#include <stddef.h>

struct sl_msg;
struct sl_stmt;

/* Non-zero while a trace runs (stderr with -d, or a control-socket client). */
extern _Atomic int sl_trace_active;

#define SL_TRACE_MAX_LINES 1000   /* per second; then one "N trace lines suppressed" */

static inline int sl_trace_on(void)
{
    return __builtin_expect(atomic_load_explicit(&sl_trace_active, memory_order_relaxed), 0);
}

/* -d: every message, to stderr. */
void sl_trace_set_stderr(int on);
/* A control-socket client asked for the trace: the selector (NULL members: any) replaces
 * the current one; fd (owned by the control thread) gets the "ok: trace on for ..." line,
 * then the trace lines until sl_trace_unsub; json: as JSON objects, one a line (the
 * greeting too).  Returns 0, or -1 when too many clients
 * follow the trace (nothing sent). */
int sl_trace_sub(int fd, const char *input, const char *ruleset, const char *match, int json);
/* fd stops following the trace (it closed); the trace stops when nobody follows it. */
void sl_trace_unsub(int fd);
/* `trace off`: every follower gets "trace off" and is handed back (fds[0..*n), at most
 * max) for the control thread to close; stderr output stops too. */
void sl_trace_off(int *fds, size_t max, size_t *n);

/* Does the selector take m (bound to ruleset rsname)?  Only called while sl_trace_on(). */
int sl_trace_select(const struct sl_msg *m, const char *rsname);

/* One field of a trace event, for the followers that asked for JSON (`trace on --json`). */
enum { SL_TKV_STR, SL_TKV_INT, SL_TKV_BOOL };
struct sl_trace_kv {
    const char *key;
    int type;                   /* SL_TKV_* */
    const char *s;              /* SL_TKV_STR (NULL: the field is left out) */
    long long i;                /* SL_TKV_INT, SL_TKV_BOOL */
};
#define SL_TKV_S(k, v) { (k), SL_TKV_STR, (v), 0 }
#define SL_TKV_I(k, v) { (k), SL_TKV_INT, NULL, (long long)(v) }
#define SL_TKV_B(k, v) { (k), SL_TKV_BOOL, NULL, (v) != 0 }

/* One trace event, rate limited: the text line (fmt, no newline) for stderr and the text
 * followers; for the JSON followers one object {"event":EVENT, kv..., "text":LINE}. */
void sl_trace_event(const char *event, const struct sl_trace_kv *kv, size_t nkv,
                    const char *fmt, ...) __attribute__((format(printf, 4, 5)));
/* A statement's head as the rule tester prints it ("FILE:LINE: if ... => true"). */
void sl_trace_stmt(unsigned long id, const struct sl_stmt *st, int result);

#endif
