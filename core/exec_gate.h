/*
 * exec_gate.h - rsyslog's per-action execution gate: action.execOnlyEveryNthTime (with
 * action.execOnlyEveryNthTimeTimeout) and action.execOnlyOnceEveryInterval, legacy
 * $ActionExecOnlyEveryNthTime, $ActionExecOnlyEveryNthTimeTimeout and
 * $ActionExecOnlyOnceEveryInterval.
 *
 * Semantics (rsyslog 8.2302 action.c, actionWriteToAction, read for the facts and checked
 * by the differential cases rs-exec-nth-interval and legacy-exec-nth-interval):
 *   - The gate sees every message that reaches the action (after the filter), in the order
 *     the ruleset runs them, before execOnlyWhenPreviousIsSuspended is looked at; a message
 *     it stops counts as handed to the action (it is not "processed", it does not change
 *     the suspended state the next action looks at).
 *   - EveryNthTime N > 1: the first N-1 messages are dropped, the Nth goes through and the
 *     count starts again (so the Nth, 2Nth, ... message).  0 and 1: every message.
 *   - EveryNthTimeTimeout T > 0: when more than T seconds have passed since the count was
 *     (re)started, it restarts from 0 before the message is counted.  As in rsyslog the
 *     start is the action's creation and each such restart, not the last message.
 *   - OnceEveryInterval S > 0 (checked after the Nth count): a message goes through only
 *     if S seconds have passed since the last one that did (the first always does).
 *   - Time is the wall clock in whole seconds (time(2)), read per message; if it goes back
 *     before the last execution, that execution is forgotten.
 *
 * Ownership: a plain struct inside the action.  Concurrency & locking: none here; the
 * engine calls sl_exec_gate_pass() under the action's gate_lock (the ruleset workers share
 * one gate per action, as rsyslog shares one per action under its mutAction).
 * Header-only so that the unit tests exercise it with their own clock.
 */
#ifndef SLUICE_CORE_EXEC_GATE_H
#define SLUICE_CORE_EXEC_GATE_H

#include <stdint.h>

struct sl_exec_gate {
    int64_t every_nth;     /* action.execOnlyEveryNthTime: active when > 1 */
    int64_t nth_timeout;   /* action.execOnlyEveryNthTimeTimeout, seconds; <= 0: never */
    int64_t once_interval; /* action.execOnlyOnceEveryInterval, seconds; <= 0: off */
    int64_t no_exec;       /* messages dropped since the count (re)started */
    int64_t count_start;   /* when the count (re)started (rsyslog's tLastOccur) */
    int64_t last_exec;     /* when a message last went through; 0: never */
};

static inline void sl_exec_gate_init(struct sl_exec_gate *g, int64_t every_nth,
                                     int64_t nth_timeout, int64_t once_interval, int64_t now)
{
    g->every_nth = every_nth;
    g->nth_timeout = nth_timeout;
    g->once_interval = once_interval;
    g->no_exec = 0;
    g->count_start = now;
    g->last_exec = 0;
}

static inline int sl_exec_gate_active(const struct sl_exec_gate *g)
{
    return g->every_nth > 1 || g->once_interval > 0;
}

/* 1: the message (seen at time now) goes to the action; 0: it is dropped. */
static inline int sl_exec_gate_pass(struct sl_exec_gate *g, int64_t now)
{
    if (g->last_exec > now) {
        g->last_exec = 0;               /* the clock went back */
    }
    if (g->every_nth > 1) {
        if (g->nth_timeout > 0 && now - g->count_start > g->nth_timeout) {
            g->no_exec = 0;
            g->count_start = now;
        }
        if (g->no_exec < g->every_nth - 1) {
            g->no_exec++;
            return 0;
        }
        g->no_exec = 0;
    }
    if (g->once_interval > 0 && g->once_interval + g->last_exec > now) {
        return 0;
    }
    g->last_exec = now;
    return 1;
}

#endif
