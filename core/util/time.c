/*
 * time.c - struct sl_time helpers: capture the current time and format a time the way
 * rsyslog 8.2302 renders it (date-rfc3164, date-rfc3339, date-mysql, ... options).
 *
 * Ownership: pure functions on caller-provided storage.  Nothing is allocated.
 *
 * Concurrency & locking: no shared state; localtime_r/gmtime_r, with a per-thread cache of
 * the last converted second (a TZ change shows up at the next second), and per-thread
 * caches of the last RFC 3339 / RFC 3164 date formatted (keyed by all the fields the text
 * depends on, so a hit gives the same bytes as formatting anew).
 *
 * Notes on fidelity: rsyslog formats the fields as they were reported (no conversion), and a
 * few of its formats have quirks we reproduce on purpose: secfrac digits are produced with a
 * power of ten chosen by (precision - 1) % 6, the "ordinal" day counts seconds from the start
 * of the year with a one-second skew for '+' offsets (printed 1-based), and the tz direction of a 'Z' time is
 * rendered as "-".
 */
#include "config.h"

#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <stdint.h>
#include <time.h>

#include "util/time.h"

static const char *const month_names[12] = {
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"
};
static const char *const wday_names[7] = { "Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat" };
static const int ten_powers[6] = { 1, 10, 100, 1000, 10000, 100000 };

/* localtime_r is costly (it takes the tz lock): keep the last second per thread, as the
 * finished struct sl_time without the fraction */
static __thread time_t cached_secs[2] = { -1, -1 };
static __thread struct sl_time cached[2];

/* fills cached[k] for secs (k 1: UTC); out of line, so that the usual call (the second
 * cached) saves no registers and keeps no struct tm on its stack */
static __attribute__((noinline)) void time_fill(int k, time_t secs)
{
    struct tm tm;
    if (k) {
        gmtime_r(&secs, &tm);
    } else {
        localtime_r(&secs, &tm);
    }
    struct sl_time *c = &cached[k];
    sl_time_from_tm(c, &tm);
    long bias = k ? 0 : tm.tm_gmtoff;
    if (bias < 0) {
        c->offset_mode = '-';
        bias = -bias;
    }
    c->offset_hour = (uint8_t)(bias / 3600);
    c->offset_minute = (uint8_t)((bias % 3600) / 60);
    cached_secs[k] = secs;
}

static __attribute__((noinline)) void time_now_clock(struct sl_time *t, int utc)
{
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    sl_time_now(t, &now, utc);
}

void sl_time_now(struct sl_time *t, const struct timespec *ts, int utc)
{
    if (ts == NULL) {
        time_now_clock(t, utc);
        return;
    }
    time_t secs = ts->tv_sec;
    int k = utc ? 1 : 0;
    if (cached_secs[k] != secs) {
        time_fill(k, secs);
    }
    *t = cached[k];
    t->secfrac = (uint32_t)(ts->tv_nsec / 1000);
}

/* Days since 1970-01-01 of a civil date (proleptic Gregorian). */
static long days_from_civil(long y, unsigned m, unsigned d)
{
    y -= m <= 2;
    long era = (y >= 0 ? y : y - 399) / 400;
    unsigned yoe = (unsigned)(y - era * 400);
    unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + (long)doe - 719468;
}

/* The instant a reported time stands for (offset applied), like syslogTime2time_t. */
static long long time_to_epoch(const struct sl_time *t)
{
    if (t->year < 1970 || t->year > 2100) {
        return 0;  /* rsyslog: "returning 1970-01-01 instead" */
    }
    long long s = (long long)days_from_civil(t->year, t->month ? t->month : 1,
                                             t->day ? t->day : 1) * 86400LL;
    s += t->hour * 3600LL + t->minute * 60LL + t->second;
    long long off = t->offset_hour * 3600LL + t->offset_minute * 60LL;
    if (t->offset_mode == '+') {
        s -= off;
    } else if (t->offset_mode == '-') {
        s += off;
    }
    return s;
}

/* 0 = Sunday.  The same day-count arithmetic as rsyslog (March-based year, 365.25 days a
 * year), so that out-of-range years give the same answers; a negative remainder (rsyslog
 * would index out of its table) is folded into 0..6. */
static int weekday(const struct sl_time *t)
{
    long y = t->year;
    long m = t->month;
    if (m < 3) {
        y -= 1;
        m += 13;
    } else {
        m += 1;
    }
    long w = (36525 * y) / 100 + (306 * m) / 10 + t->day - 621049;
    w %= 7;
    return (int)(w < 0 ? w + 7 : w);
}

static int ordinal(const struct sl_time *t)
{
    if (t->year < 1970 || t->year > 2100) {
        return 0;
    }
    long long this_time = time_to_epoch(t);
    /* last second of the previous year, UTC */
    long long prev = (long long)days_from_civil(t->year, 1, 1) * 86400LL - 1;
    long long off = t->offset_hour * 3600LL + t->offset_minute * 60LL;
    if (t->offset_mode == '+' && !t->in_utc) {
        off += -1;
    }
    prev += off;
    long long yday = (this_time - prev) / 86400;
    if (yday < 0) {
        yday = 0;
    }
    if (yday > 365) {
        yday = 365;  /* rsyslog indexes past its table here (and crashes); we clamp */
    }
    return (int)yday;
}

static int week(const struct sl_time *t)
{
    struct sl_time jan1 = *t;
    jan1.month = 1;
    jan1.day = 1;
    jan1.hour = jan1.minute = jan1.second = 0;
    int yday = ordinal(t);
    int n = (yday + 6) / 7;
    if (weekday(t) < weekday(&jan1)) {
        ++n;
    }
    return n;
}

static int is_leap(int y)
{
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

/* 52 or 53: a year has 53 ISO weeks if it starts on a Thursday, or on a Wednesday in a
 * leap year. */
static int iso_weeks_in_year(int y)
{
    long jan1 = days_from_civil(y, 1, 1);
    int wd = (int)((jan1 + 4) % 7);
    if (wd < 0) {
        wd += 7;
    }
    return (wd == 4 || (wd == 3 && is_leap(y))) ? 53 : 52;
}

/* ISO 8601 week number and week-based year. */
static void iso_week(const struct sl_time *t, int *wk, int *wyear)
{
    /* rsyslog takes the day of the year from its "ordinal" (offset-adjusted, see above) */
    int yday1 = ordinal(t) + 1;
    int wd = weekday(t);
    int iso_wd = wd == 0 ? 7 : wd;
    int w = (yday1 - iso_wd + 10) / 7;
    int y = t->year;
    if (w < 1) {
        y--;
        w = iso_weeks_in_year(y);
    } else if (w > iso_weeks_in_year(y)) {
        y++;
        w = 1;
    }
    *wk = w;
    *wyear = y;
}

static size_t put2(char *b, unsigned v)
{
    b[0] = (char)('0' + (v / 10) % 10);
    b[1] = (char)('0' + v % 10);
    b[2] = '\0';
    return 2;
}

static size_t put4(char *b, int v)
{
    b[0] = (char)('0' + (v / 1000) % 10);
    b[1] = (char)('0' + (v / 100) % 10);
    b[2] = (char)('0' + (v / 10) % 10);
    b[3] = (char)('0' + v % 10);
    b[4] = '\0';
    return 4;
}

/* secfrac digits as rsyslog prints them */
static size_t put_secfrac(char *b, const struct sl_time *t)
{
    size_t n = 0;
    int idx = (t->secfrac_precision - 1) % 6;
    int power = ten_powers[idx];
    long frac = (long)t->secfrac;
    if (frac < 10L * power) {
        /* the usual case, frac has at most idx + 1 digits: the same digits as the loop
         * below gives, written from the right with divisions by a constant */
        n = (size_t)idx + 1;
        for (size_t i = n; i-- > 0;) {
            b[i] = (char)('0' + frac % 10);
            frac /= 10;
        }
        b[n] = '\0';
        return n;
    }
    while (power > 0 && n < 40) {
        long digit = frac / power;
        frac -= digit * power;
        power /= 10;
        b[n++] = (char)((short)digit + '0');
    }
    b[n] = '\0';
    return n;
}

/* The formatted forms depend only on these fields; a per-thread cache of the last one
 * formatted saves redoing the digits for every message of the same second. */
static inline uint64_t date_key(const struct sl_time *t)
{
    return (uint64_t)(uint16_t)t->year << 40 | (uint64_t)t->month << 32 |
           (uint64_t)t->day << 24 | (uint64_t)t->hour << 16 | (uint64_t)t->minute << 8 |
           (uint64_t)t->second;
}

static size_t fmt_3164_uncached(const struct sl_time *t, char *b, int buggy_day);
static size_t fmt_3339_uncached(const struct sl_time *t, char *b);

static __thread struct {
    uint64_t key[2];             /* date_key + 1 (0: empty), [0] plain day, [1] buggyday */
    char s[2][16];
} cache3164;

static size_t fmt_3164(const struct sl_time *t, char *b, int buggy_day)
{
    uint64_t k = date_key(t) + 1;
    int i = buggy_day ? 1 : 0;
    if (cache3164.key[i] != k) {
        fmt_3164_uncached(t, cache3164.s[i], buggy_day);
        cache3164.key[i] = k;
    }
    memcpy(b, cache3164.s[i], 16);   /* 15 characters and the NUL */
    return 15;
}

/* The RFC 3339 text without the fraction depends on year..second and on offset_mode..in_utc;
 * each run of fields is contiguous in struct sl_time (no padding inside), so the cache keeps
 * their bytes and compares them as they lie (fewer operations than building a key from the
 * fields; a raw in_utc other than 1 only costs a miss). */
#define K3339_D_OFF offsetof(struct sl_time, year)
#define K3339_D_LEN (offsetof(struct sl_time, second) + 1 - offsetof(struct sl_time, year))
#define K3339_Z_OFF offsetof(struct sl_time, offset_mode)
#define K3339_Z_LEN (offsetof(struct sl_time, in_utc) + 1 - offsetof(struct sl_time, offset_mode))
_Static_assert(K3339_D_LEN == sizeof(int16_t) + 5, "struct sl_time: year..second not contiguous");
_Static_assert(K3339_Z_LEN == 4, "struct sl_time: offset_mode..in_utc not contiguous");

static __thread struct {
    unsigned char kd[K3339_D_LEN];   /* the bytes of year..second */
    unsigned char kz[K3339_Z_LEN];   /* the bytes of offset_mode..in_utc */
    uint8_t full;                /* 0: empty */
    char d[20];                  /* "YYYY-MM-DDTHH:MM:SS" */
    char z[8];                   /* "+hh:mm" or "Z", NUL-padded */
    size_t zn;
} cache3339;

static size_t fmt_3339(const struct sl_time *t, char *b)
{
    const unsigned char *tb = (const unsigned char *)t;
    if (t->year < 0 || t->year > 9999) {
        return fmt_3339_uncached(t, b);
    }
    if (memcmp(cache3339.kd, tb + K3339_D_OFF, K3339_D_LEN) != 0 ||
        memcmp(cache3339.kz, tb + K3339_Z_OFF, K3339_Z_LEN) != 0 || !cache3339.full) {
        /* format an instance without the fraction and split it at the seconds */
        char tmp[64];
        struct sl_time u = *t;
        u.secfrac_precision = 0;
        size_t n = fmt_3339_uncached(&u, tmp);
        if (n < 19 || n - 19 >= sizeof(cache3339.z)) {
            return fmt_3339_uncached(t, b);
        }
        memcpy(cache3339.d, tmp, 19);
        memset(cache3339.z, 0, sizeof(cache3339.z));
        memcpy(cache3339.z, tmp + 19, n - 19);
        cache3339.zn = n - 19;
        memcpy(cache3339.kd, tb + K3339_D_OFF, K3339_D_LEN);
        memcpy(cache3339.kz, tb + K3339_Z_OFF, K3339_Z_LEN);
        cache3339.full = 1;
    }
    /* fixed-size copies (b has room for 64 bytes; z is NUL-padded) */
    memcpy(b, cache3339.d, 19);
    size_t n = 19;
    if (t->secfrac_precision > 0) {
        b[n++] = '.';
        n += put_secfrac(b + n, t);
    }
    memcpy(b + n, cache3339.z, sizeof(cache3339.z));
    return n + cache3339.zn;
}

static size_t fmt_3164_uncached(const struct sl_time *t, char *b, int buggy_day)
{
    const char *mn = month_names[(t->month + 11) % 12];
    b[0] = mn[0];
    b[1] = mn[1];
    b[2] = mn[2];
    b[3] = ' ';
    unsigned d10 = (t->day / 10) % 10;
    b[4] = (buggy_day || d10 > 0) ? (char)('0' + d10) : ' ';
    b[5] = (char)('0' + t->day % 10);
    b[6] = ' ';
    put2(b + 7, t->hour);
    b[9] = ':';
    put2(b + 10, t->minute);
    b[12] = ':';
    put2(b + 13, t->second);
    return 15;
}

static size_t fmt_3339_uncached(const struct sl_time *t, char *b)
{
    size_t n = put4(b, t->year);
    b[n++] = '-';
    n += put2(b + n, t->month);
    b[n++] = '-';
    n += put2(b + n, t->day);
    b[n++] = 'T';
    n += put2(b + n, t->hour);
    b[n++] = ':';
    n += put2(b + n, t->minute);
    b[n++] = ':';
    n += put2(b + n, t->second);
    if (t->secfrac_precision > 0) {
        b[n++] = '.';
        n += put_secfrac(b + n, t);
    }
    if (t->in_utc) {
        b[n++] = 'Z';
    } else {
        b[n++] = t->offset_mode ? t->offset_mode : '+';
        n += put2(b + n, t->offset_hour);
        b[n++] = ':';
        n += put2(b + n, t->offset_minute);
    }
    b[n] = '\0';
    return n;
}

size_t sl_time_format(const struct sl_time *t, enum sl_datefmt f, char *buf)
{
    size_t n = 0;
    int w, wy;

    switch (f) {
    case SL_DATE_DEFAULT:
    case SL_DATE_RFC3164:
        n = fmt_3164(t, buf, 0);
        break;
    case SL_DATE_RFC3164_BUGGYDAY:
        n = fmt_3164(t, buf, 1);
        break;
    case SL_DATE_RFC3339:
        n = fmt_3339(t, buf);
        break;
    case SL_DATE_MYSQL:
        n = put4(buf, t->year);
        n += put2(buf + n, t->month);
        n += put2(buf + n, t->day);
        n += put2(buf + n, t->hour);
        n += put2(buf + n, t->minute);
        n += put2(buf + n, t->second);
        break;
    case SL_DATE_PGSQL:
        n = put4(buf, t->year);
        buf[n++] = '-';
        n += put2(buf + n, t->month);
        buf[n++] = '-';
        n += put2(buf + n, t->day);
        buf[n++] = ' ';
        n += put2(buf + n, t->hour);
        buf[n++] = ':';
        n += put2(buf + n, t->minute);
        buf[n++] = ':';
        n += put2(buf + n, t->second);
        break;
    case SL_DATE_SUBSECONDS:
        if (t->secfrac_precision > 0) {
            n = put_secfrac(buf, t);
        } else {
            buf[n++] = '0';
        }
        break;
    case SL_DATE_UNIXTIMESTAMP:
        n = (size_t)snprintf(buf, 64, "%u", (unsigned)time_to_epoch(t));
        break;
    case SL_DATE_YEAR:
        if (t->year >= 1967 && t->year <= 2099) {
            n = put4(buf, t->year);
        } else {
            n = (size_t)snprintf(buf, 64, "YEAR OUT OF RANGE(1967-2099)");
        }
        break;
    case SL_DATE_MONTH:
        n = put2(buf, t->month);
        break;
    case SL_DATE_DAY:
        n = put2(buf, t->day);
        break;
    case SL_DATE_HOUR:
        n = put2(buf, t->hour);
        break;
    case SL_DATE_MINUTE:
        n = put2(buf, t->minute);
        break;
    case SL_DATE_SECOND:
        n = put2(buf, t->second);
        break;
    case SL_DATE_TZOFFSHOUR:
        n = put2(buf, t->offset_hour);
        break;
    case SL_DATE_TZOFFSMIN:
        n = put2(buf, t->offset_minute);
        break;
    case SL_DATE_TZOFFSDIRECTION:
        buf[n++] = (t->offset_mode == '+' && !t->in_utc) ? '+' : '-';
        break;
    case SL_DATE_ORDINAL:
        n = (size_t)snprintf(buf, 64, "%03d", ordinal(t) + 1);
        break;
    case SL_DATE_WEEK:
        n = put2(buf, (unsigned)week(t));
        break;
    case SL_DATE_WDAY:
        buf[n++] = (char)('0' + weekday(t));
        break;
    case SL_DATE_WDAYNAME:
        memcpy(buf, wday_names[weekday(t)], 3);
        n = 3;
        break;
    case SL_DATE_ISO_WEEK:
        iso_week(t, &w, &wy);
        n = put2(buf, (unsigned)w);
        break;
    case SL_DATE_ISO_WEEKYEAR:
        iso_week(t, &w, &wy);
        n = put4(buf, wy);
        break;
    }
    buf[n] = '\0';
    return n;
}
