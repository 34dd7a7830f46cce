/*
 * rfc5424.c - built-in RFC 5424 parser, behaving like rsyslog 8.2302's pmrfc5424, plus the
 * RFC 3339 timestamp reader shared with the RFC 3164 parser.
 *
 * rsyslog's rules, reproduced: the parser claims every message that starts with "1 " after
 * the PRI (protocol-version becomes 1 even if the rest is broken).  A timestamp of "-" means
 * the reception time.  If the timestamp does not parse, no other header field is set and MSG
 * is everything after "1 ".  Otherwise HOSTNAME, APP-NAME, PROCID and MSGID are read up to
 * the next SP (an empty APP-NAME becomes "-"), then STRUCTURED-DATA: "-", or from '[' to the
 * first "] " (a "\]" does not end it; at the end of input the last byte is left for MSG
 * unless it is ']'); one SP after it is dropped.  A field not starting with '[' or '-' is no
 * SD, and then rsyslog shows the MSGID as SD (its parse buffer still holds it); we do the
 * same.  MSG is the rest, a BOM included.
 *
 * Ownership: all fields are spans into m->raw.
 * Concurrency & locking: runs on the ruleset worker owning the message; no shared state.
 */
#include "config.h"

#include <limits.h>
#include <string.h>

#include "msg.h"
#include "parse/parse.h"

/* Decimal number as rsyslog reads it: any number of digits (also none), saturating. */
static int read_int(const char **pp, size_t *len)
{
    int v = 0;
    const char *p = *pp;
    while (*len > 0 && *p >= '0' && *p <= '9' && v < INT_MAX / 10 - 1) {
        v = v * 10 + (*p - '0');
        p++;
        (*len)--;
    }
    *pp = p;
    return v;
}

/* Expects character c; consumes it. */
static int expect(const char **pp, size_t *len, char c)
{
    if (*len == 0 || **pp != c) {
        return 0;
    }
    (*pp)++;
    (*len)--;
    return 1;
}

static inline int dig(char c)
{
    return (unsigned char)(c - '0') <= 9;
}

static inline int two(const char *p)
{
    return (p[0] - '0') * 10 + (p[1] - '0');
}

/* "YYYY-MM-DDTHH:MM:SS" followed by a byte that is not a digit: the form nearly every
 * sender writes.  read_int() reads each of its numbers as two() and four digits do, so
 * the fast path below gives what the general one would (the range checks are shared). */
static inline int canonical_19(const char *p, size_t len)
{
    return len > 19 && p[4] == '-' && p[7] == '-' && p[10] == 'T' && p[13] == ':' &&
           p[16] == ':' && dig(p[0]) && dig(p[1]) && dig(p[2]) && dig(p[3]) && dig(p[5]) &&
           dig(p[6]) && dig(p[8]) && dig(p[9]) && dig(p[11]) && dig(p[12]) && dig(p[14]) &&
           dig(p[15]) && dig(p[17]) && dig(p[18]) && !dig(p[19]);
}

/* fast: take the fixed-position paths (sl_parse_ts3339); 0: the general reader alone
 * (sl_parse_ts3339_general, which the unit test compares them with) */
static inline __attribute__((always_inline)) size_t ts3339(const char *p0, size_t len0,
                                                           struct sl_time *t, int fast)
{
    const char *p = p0;
    size_t len = len0;
    struct sl_time r;
    memset(&r, 0, sizeof(r));
    int year, month, day, hour, minute, second;

    if (fast && canonical_19(p, len)) {
        /* the same checks as below, on the same numbers */
        year = two(p) * 100 + two(p + 2);
        month = two(p + 5);
        day = two(p + 8);
        hour = two(p + 11);
        minute = two(p + 14);
        second = two(p + 17);
        if (year >= 2100 || month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 ||
            minute > 59 || second > 60) {
            return 0;
        }
        p += 19;
        len -= 19;
    } else {
        year = read_int(&p, &len);
        if (!expect(&p, &len, '-') || year >= 2100) {
            return 0;
        }
        month = read_int(&p, &len);
        if (month < 1 || month > 12 || !expect(&p, &len, '-')) {
            return 0;
        }
        day = read_int(&p, &len);
        if (day < 1 || day > 31 || !expect(&p, &len, 'T')) {
            return 0;
        }
        hour = read_int(&p, &len);
        if (hour > 23 || !expect(&p, &len, ':')) {
            return 0;
        }
        minute = read_int(&p, &len);
        if (minute > 59 || !expect(&p, &len, ':')) {
            return 0;
        }
        second = read_int(&p, &len);
        if (second > 60) {
            return 0;
        }
    }
    int secfrac = 0, prec = 0;
    if (len > 0 && *p == '.') {
        p++;
        len--;
        const char *fs = p;
        secfrac = read_int(&p, &len);
        prec = (int)(p - fs);
    }
    if (len == 0) {
        return 0;
    }
    if (*p == 'Z') {
        p++;
        len--;
        r.offset_mode = '+';
        r.in_utc = 1;
    } else if (fast && (*p == '+' || *p == '-') && len >= 6 && p[3] == ':' && dig(p[1]) &&
               dig(p[2]) && dig(p[4]) && dig(p[5]) && (len == 6 || !dig(p[6]))) {
        /* "+HH:MM", the usual offset: read as read_int() would */
        int oh = two(p + 1), om = two(p + 4);
        if (oh > 23 || om > 59) {
            return 0;
        }
        r.offset_mode = *p;
        r.offset_hour = (uint8_t)oh;
        r.offset_minute = (uint8_t)om;
        p += 6;
        len -= 6;
    } else if (*p == '+' || *p == '-') {
        r.offset_mode = *p;
        p++;
        len--;
        int oh = read_int(&p, &len);
        if (oh > 23 || !expect(&p, &len, ':')) {
            return 0;
        }
        int om = read_int(&p, &len);
        if (om > 59) {
            return 0;
        }
        r.offset_hour = (uint8_t)oh;
        r.offset_minute = (uint8_t)om;
    } else {
        return 0;
    }
    if (len > 0) {
        if (*p != ' ') {
            return 0;
        }
        p++;
        len--;
    }
    r.type = 2;
    r.year = (int16_t)year;
    r.month = (uint8_t)month;
    r.day = (uint8_t)day;
    r.hour = (uint8_t)hour;
    r.minute = (uint8_t)minute;
    r.second = (uint8_t)second;
    r.secfrac = (uint32_t)secfrac;
    r.secfrac_precision = (uint8_t)prec;
    *t = r;
    return (size_t)(p - p0);
}

size_t sl_parse_ts3339(const char *p, size_t len, struct sl_time *t)
{
    return ts3339(p, len, t, 1);
}

size_t sl_parse_ts3339_general(const char *p, size_t len, struct sl_time *t)
{
    return ts3339(p, len, t, 0);
}

/* A header field up to the next SP (which is consumed). */
static struct sl_str field(const char **pp, size_t *len)
{
    const char *p = *pp;
    struct sl_str s = { p, 0 };
    while (*len > 0 && *p != ' ') {
        p++;
        (*len)--;
    }
    s.len = (size_t)(p - s.p);
    if (*len > 0) {
        p++;
        (*len)--;
    }
    *pp = p;
    return s;
}

/* STRUCTURED-DATA as a whole.  Returns 0 if the field does not start with '[' or '-'
 * (nothing consumed), else 1 with *sd set. */
static int sd_field(const char **pp, size_t *len, struct sl_str *sd)
{
    const char *p = *pp;
    struct sl_str s = { p, 0 };
    if (*len == 0 || (*p != '[' && *p != '-')) {
        return 0;
    }
    if (*p == '-') {
        p++;
        (*len)--;
        s.len = 1;
    } else {
        for (;;) {
            if (*len < 2) {
                if (*len > 0 && *p == ']') {
                    p++;
                    (*len)--;
                }
                break;
            } else if (p[0] == '\\' && p[1] == ']') {
                p += 2;
                *len -= 2;
            } else if (p[0] == ']' && p[1] == ' ') {
                p++;
                (*len)--;
                break;
            } else {
                p++;
                (*len)--;
            }
        }
        s.len = (size_t)(p - s.p);
    }
    if (*len > 0 && *p == ' ') {
        p++;
        (*len)--;
    }
    *pp = p;
    *sd = s;
    return 1;
}

int sl_parse_rfc5424(struct sl_msg *m, const struct sl_parse_opts *o)
{
    (void)o;
    const char *p = m->raw + m->after_pri;
    size_t len = m->raw_len - m->after_pri;
    if (len < 2 || p[0] != '1' || p[1] != ' ') {
        return 0;
    }
    m->protocol_version = 1;
    p += 2;
    len -= 2;

    int cont = 1;
    size_t n;
    if (len >= 2 && p[0] == '-' && p[1] == ' ') {
        m->t_reported = m->t_generated;
        p += 2;
        len -= 2;
    } else if ((n = sl_parse_ts3339(p, len, &m->t_reported)) > 0) {
        p += n;
        len -= n;
    } else {
        cont = 0;
    }
    if (cont) {
        m->hostname = field(&p, &len);
        m->appname = field(&p, &len);
        if (m->appname.len == 0) {
            m->appname = (struct sl_str){ "-", 1 };
        }
        m->procid = field(&p, &len);
        m->msgid = field(&p, &len);
        if (!sd_field(&p, &len, &m->sd)) {
            /* rsyslog reuses its field buffer: when no SD is found, it still holds MSGID */
            m->sd = m->msgid;
        }
    }
    m->msg.p = p;
    m->msg.len = len;
    return 1;
}
