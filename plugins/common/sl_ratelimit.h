/*
 * sl_ratelimit.h - rsyslog's "Linux-like" rate limiter of its inputs (rateLimit.interval /
 * rateLimit.burst of imudp, imtcp and imptcp): a window opens with the first message;
 * burst messages pass in it, the rest are dropped until a message arrives after the
 * window (interval seconds) or the clock went back, which opens the next window.  The
 * callers count the drops as ratelimit.discarded.  An interval or burst of 0 or less is no
 * limit (tests/diff/DIVERGENCES.md: rsyslog reads a negative interval as unsigned).
 * Header-only (static inline); not part of the plugin ABI.
 *
 * Ownership: the state is the caller's (one per input instance: rsyslog keeps one per
 * listener, shared by its sessions).  Concurrency & locking: none here; the caller
 * serialises sl_ratelimit_pass() per state (imudp under its lock, imtcp on its one thread).
 */
#ifndef SLUICE_PLUGINS_SL_RATELIMIT_H
#define SLUICE_PLUGINS_SL_RATELIMIT_H

#include <stdint.h>
#include <time.h>

struct sl_ratelimit_state {
    time_t begin;               /* start of the window; 0: none yet */
    int64_t done;               /* messages passed in it */
};

/* Is the limit on for these parameters? */
static inline int sl_ratelimit_on(int64_t interval, int64_t burst)
{
    return interval > 0 && burst > 0;
}

/* 1: the message at time now passes; 0: drop it. */
static inline int sl_ratelimit_pass(struct sl_ratelimit_state *st, int64_t interval,
                                    int64_t burst, time_t now)
{
    if (st->begin == 0) {
        st->begin = now;
    }
    if (now > st->begin + (time_t)interval || now < st->begin) {
        st->begin = now;
        st->done = 0;
    }
    if (st->done < burst) {
        st->done++;
        return 1;
    }
    return 0;
}

#endif
