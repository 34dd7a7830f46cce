/*
 * expr/fn_time.c - the time functions of RainerScript (parse_time, is_time,
 * format_time): RFC 3339 and RFC 3164 time stamps parsed by hand (no locale, no time zone
 * database: the formats are fixed and the conversion is plain arithmetic).
 *
 * Ownership: results are written into the caller's struct sl_val.
 * Concurrency & locking: none: pure functions.
 */
#include "config.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "expr/eval_int.h"

/* ---- time ---- */
static int parse_digits(const char **p, const char *end, int n, int *out)
{
    int v = 0, i;

    for (i = 0; i < n; i++) {
        if (*p >= end || !isdigit((unsigned char)**p)) {
            return -1;
        }
        v = v * 10 + (**p - '0');
        (*p)++;
    }
    *out = v;
    return 0;
}

static int64_t days_from_civil(int64_t y, unsigned mo, unsigned d)
{
    int64_t era;
    unsigned yoe, doy, doe;

    y -= mo <= 2;
    era = (y >= 0 ? y : y - 399) / 400;
    yoe = (unsigned)(y - era * 400);
    doy = (153 * (mo + (mo > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + (int64_t)doe - 719468;
}

/* RFC 3339 "YYYY-MM-DDThh:mm:ss[.frac](Z|+hh:mm)" -> unix time; whole string. */
static int parse_3339(const char *s, size_t len, int64_t *t)
{
    const char *p = s, *end = s + len;
    int y, mo, d, h, mi, sec, oh = 0, om = 0, sign = 0;

    if (parse_digits(&p, end, 4, &y) || p >= end || *p++ != '-' ||
        parse_digits(&p, end, 2, &mo) || p >= end || *p++ != '-' ||
        parse_digits(&p, end, 2, &d) || p >= end || *p++ != 'T' ||
        parse_digits(&p, end, 2, &h) || p >= end || *p++ != ':' ||
        parse_digits(&p, end, 2, &mi) || p >= end || *p++ != ':' ||
        parse_digits(&p, end, 2, &sec)) {
        return -1;
    }
    if (p < end && *p == '.') {
        p++;
        if (p >= end || !isdigit((unsigned char)*p)) {
            return -1;
        }
        while (p < end && isdigit((unsigned char)*p)) {
            p++;
        }
    }
    if (p >= end) {
        return -1;
    }
    if (*p == 'Z') {
        p++;
    } else if (*p == '+' || *p == '-') {
        sign = *p == '-' ? -1 : 1;
        p++;
        if (parse_digits(&p, end, 2, &oh) || p >= end || *p++ != ':' ||
            parse_digits(&p, end, 2, &om)) {
            return -1;
        }
    } else {
        return -1;
    }
    if (p != end || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || sec > 60 ||
        oh > 23 || om > 59) {
        return -1;
    }
    *t = days_from_civil(y, (unsigned)mo, (unsigned)d) * 86400 + h * 3600 + mi * 60 + sec
         - sign * (oh * 3600 + om * 60);
    return 0;
}

static const char *const month_names[12] = {
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"
};

/* RFC 3164 "Mmm dd hh:mm:ss" (day space- or zero-padded) -> month/day/time. */
static int parse_3164(const char *s, size_t len, int *mo, int *d, int *h, int *mi, int *sec)
{
    const char *p = s, *end = s + len;
    int i;

    if (len < 15) {
        return -1;
    }
    *mo = 0;
    for (i = 0; i < 12; i++) {
        if (strncasecmp(p, month_names[i], 3) == 0) {
            *mo = i + 1;
        }
    }
    if (*mo == 0) {
        return -1;
    }
    p += 3;
    if (*p++ != ' ') {
        return -1;
    }
    if (*p == ' ') {
        p++;
        if (parse_digits(&p, end, 1, d)) {
            return -1;
        }
    } else if (parse_digits(&p, end, 2, d)) {
        return -1;
    }
    if (p >= end || *p++ != ' ' || parse_digits(&p, end, 2, h) || p >= end || *p++ != ':' ||
        parse_digits(&p, end, 2, mi) || p >= end || *p++ != ':' ||
        parse_digits(&p, end, 2, sec)) {
        return -1;
    }
    if (p != end || *d < 1 || *d > 31 || *h > 23 || *mi > 59 || *sec > 60) {
        return -1;
    }
    return 0;
}

void f_parse_time(const struct sl_expr *e, struct sl_msg *m, struct sl_val *out)
{
    struct sl_val a;
    size_t len;
    const char *s;
    int64_t t = 0;
    int mo, d, h, mi, sec;

    fn_arg(e, 0, m, &a);
    s = val_to_str(&a, &len);
    tls_script_errno = 0;
    if (parse_3339(s, len, &t) == 0) {
        /* done */
    } else if (parse_3164(s, len, &mo, &d, &h, &mi, &sec) == 0) {
        time_t now = time(NULL);
        struct tm tm;
        int y;
        gmtime_r(&now, &tm);
        y = tm.tm_year + 1900;
        /* year guess: a month far in the future belongs to last year, December seen in
         * January... to next year's turn */
        if (mo - (tm.tm_mon + 1) == -11) {
            /* incoming January while it is December */
            y += 1;
        } else if (mo - (tm.tm_mon + 1) > 1) {
            y -= 1;
        }
        t = days_from_civil(y, (unsigned)mo, (unsigned)d) * 86400 + h * 3600 + mi * 60 + sec;
    } else {
        t = 0;
        tls_script_errno = 1;
    }
    val_num(out, t);
    val_free(&a);
}

void f_is_time(const struct sl_expr *e, struct sl_msg *m, struct sl_val *out)
{
    struct sl_val a, f;
    size_t len, fl = 0;
    const char *s, *fs = NULL;
    int64_t t;
    int mo, d, h, mi, sec, r = 0, ok;

    fn_arg(e, 0, m, &a);
    s = val_to_str(&a, &len);
    if (e->nargs == 2) {
        fn_arg(e, 1, m, &f);
        fs = val_to_str(&f, &fl);
    }
    if (fs == NULL || (fl == 12 && strncmp(fs, "date-rfc3164", 12) == 0)) {
        r = parse_3164(s, len, &mo, &d, &h, &mi, &sec) == 0;
    }
    if (!r && (fs == NULL || (fl == 12 && strncmp(fs, "date-rfc3339", 12) == 0))) {
        r = parse_3339(s, len, &t) == 0;
    }
    if (!r && (fs == NULL || (fl == 9 && strncmp(fs, "date-unix", 9) == 0))) {
        (void)val_to_num(&a, &ok);
        r = ok;
    }
    tls_script_errno = r ? 0 : 1;
    val_num(out, r);
    if (e->nargs == 2) {
        val_free(&f);
    }
    val_free(&a);
}

void f_format_time(const struct sl_expr *e, struct sl_msg *m, struct sl_val *out)
{
    struct sl_val a, f;
    size_t len, fl;
    const char *s, *fs;
    int ok;
    int64_t t;
    char buf[64];
    struct tm tm;
    time_t tt;

    fn_arg(e, 0, m, &a);
    fn_arg(e, 1, m, &f);
    t = val_to_num(&a, &ok);
    s = val_to_str(&a, &len);
    fs = val_to_str(&f, &fl);
    tt = (time_t)t;
    if (ok && gmtime_r(&tt, &tm) != NULL && fl == 12 && strncmp(fs, "date-rfc3164", 12) == 0) {
        snprintf(buf, sizeof(buf), "%s %2d %02d:%02d:%02d", month_names[tm.tm_mon], tm.tm_mday,
                 tm.tm_hour, tm.tm_min, tm.tm_sec);
        val_copy_str(out, buf, strlen(buf));
    } else if (ok && gmtime_r(&tt, &tm) != NULL && fl == 12
               && strncmp(fs, "date-rfc3339", 12) == 0) {
        snprintf(buf, sizeof(buf), "%04d-%02d-%02dT%02d:%02d:%02dZ", tm.tm_year + 1900,
                 tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
        val_copy_str(out, buf, strlen(buf));
    } else if (ok) {
        /* rsyslogd 8.2302 knows only these two formats: a number with any other format
         * (date-unixtimestamp, date-mysql, "") gives "" */
        val_copy_str(out, "", 0);
    } else {
        val_copy_str(out, s, len < 63 ? len : 63);
    }
    val_free(&a);
    val_free(&f);
}
