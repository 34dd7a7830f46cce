/*
 * util/time.h - time as rsyslog keeps it (struct sl_time) and its helpers (time.c): capture
 * the current time, format it in rsyslog's date options.  Below the message object: msg.h
 * includes this, time.c needs nothing from the message.
 *
 * Ownership: plain values; nothing is allocated.
 * Concurrency & locking: see time.c (per-thread caches only).
 */
#ifndef SLUICE_CORE_UTIL_TIME_H
#define SLUICE_CORE_UTIL_TIME_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <time.h>

/* Time as rsyslog keeps it (struct syslogTime): the reported broken-down fields and offset,
 * not a converted instant, so that formatting reproduces what the sender said. */
struct sl_time {
    uint8_t type;          /* 0: not set, 1: RFC 3164 style, 2: RFC 3339 */
    int16_t year;
    uint8_t month;         /* 1..12 */
    uint8_t day;           /* 1..31 */
    uint8_t hour, minute, second;
    uint8_t secfrac_precision; /* digits in secfrac (0..6 for 3164-derived, up to 9) */
    uint32_t secfrac;
    char offset_mode;      /* '+' or '-' ; 'Z' parsed is stored as '+' 0:0 with flag below */
    uint8_t offset_hour, offset_minute;
    uint8_t in_utc;        /* offset given as 'Z' */
};

void sl_time_now(struct sl_time *t, const struct timespec *ts, int utc);

/* *t = the broken-down time tm as an RFC 3339 time with 6 fraction digits (fraction 0) and
 * offset +00:00; the caller sets secfrac and the offset when they are other. */
static inline void sl_time_from_tm(struct sl_time *t, const struct tm *tm)
{
    memset(t, 0, sizeof(*t));  /* padding too: the date cache compares raw bytes */
    t->type = 2;
    t->year = (int16_t)(tm->tm_year + 1900);
    t->month = (uint8_t)(tm->tm_mon + 1);
    t->day = (uint8_t)tm->tm_mday;
    t->hour = (uint8_t)tm->tm_hour;
    t->minute = (uint8_t)tm->tm_min;
    t->second = (uint8_t)tm->tm_sec;
    t->secfrac_precision = 6;
    t->offset_mode = '+';
}

/* *dl = now on CLOCK_MONOTONIC plus ms (>= 0): the deadline of a pthread_cond_timedwait()
 * on a condition variable set to that clock. */
static inline void sl_deadline_ms(struct timespec *dl, int64_t ms)
{
    clock_gettime(CLOCK_MONOTONIC, dl);
    dl->tv_sec += (time_t)(ms / 1000);
    dl->tv_nsec += (long)(ms % 1000) * 1000000L;
    if (dl->tv_nsec >= 1000000000L) {
        dl->tv_sec++;
        dl->tv_nsec -= 1000000000L;
    }
}
enum sl_datefmt {
    SL_DATE_DEFAULT = 0,    /* rsyslog's default for TIMESTAMP: RFC 3164 "Mmm dd hh:mm:ss" */
    SL_DATE_RFC3164,        /* "Mmm dd hh:mm:ss", day space-padded */
    SL_DATE_RFC3164_BUGGYDAY, /* day zero-padded */
    SL_DATE_RFC3339,        /* 2026-11-22T15:04:05.123456+00:00 */
    SL_DATE_MYSQL,          /* 20261122150405 */
    SL_DATE_PGSQL,          /* 2026-11-22 15:04:05 */
    SL_DATE_SUBSECONDS,     /* secfrac digits only */
    SL_DATE_UNIXTIMESTAMP,
    SL_DATE_YEAR, SL_DATE_MONTH, SL_DATE_DAY, SL_DATE_HOUR, SL_DATE_MINUTE, SL_DATE_SECOND,
    SL_DATE_TZOFFSHOUR, SL_DATE_TZOFFSMIN, SL_DATE_TZOFFSDIRECTION,
    SL_DATE_ORDINAL, SL_DATE_WEEK, SL_DATE_WDAY, SL_DATE_WDAYNAME,
    SL_DATE_ISO_WEEK, SL_DATE_ISO_WEEKYEAR
};
/* Formats t into buf (at least 64 bytes); returns the length. */
size_t sl_time_format(const struct sl_time *t, enum sl_datefmt f, char *buf);

#endif
