/*
 * rfc3164.c - built-in legacy (RFC 3164) parser, behaving like rsyslog 8.2302's pmrfc3164
 * with default settings.
 *
 * rsyslog's rules, reproduced: the timestamp is tried as RFC 3339, then as RFC 3164
 * ("[yyyy ]Mmm [d]d [yyyy ]hh:mm:ss[.frac][:] ", month names case-insensitive), then, if the
 * text starts with a space, as RFC 3164 after that one space.  A 3164 timestamp has no year
 * and no zone: both come from the reception time (the year the message arrived, local
 * offset).  No timestamp: timereported is the reception time.  HOSTNAME is the next word if
 * it consists of at most 511 of [A-Za-z0-9._-], ends in an alphanumeric character and is
 * followed by SP (or ends the message); otherwise there is no hostname (fromhost is shown).
 * The TAG is what follows up to ':' (included) or SP (excluded), at most 510 bytes before the
 * ':'.  MSG is the rest.  Not for messages from imuxsock: no hostname is parsed there.
 * Without a timestamp, a text starting with '{' or '[' is all MSG (no hostname, no tag).
 * With opts->permit_squared_tag (pmrfc3164 permit.squareBracketsInHostname="on") a hostname
 * may also be "[...]", brackets kept, as rsyslog does.
 * rsyslog's miscount after a leading year ("2025 Nov 22 ...") is reproduced: a tag running
 * to the end of the message then includes the terminating NUL.
 * The other pmrfc3164 instance options (parser(type="pmrfc3164" ...)) as rsyslog 8.2302:
 * permit.slashesInHostname and permit.AtSignsInHostname add '/' and '@' to the hostname
 * characters; detect.YearAfterTimestamp takes " yyyy" (2000..2099) after the time as the
 * year; force.tagEndingByColon makes a tag without ':' no tag ("-", MSG from one byte
 * before where the tag started); remove.msgFirstSpace drops one SP at the start of MSG.
 *
 * Ownership: all fields are spans into m->raw.
 * Concurrency & locking: runs on the ruleset worker owning the message; no shared state
 * but a per-thread cache of the last usual-form timestamp read (its 16 bytes and fields).
 */
#include "config.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "msg.h"
#include "parse/chain.h"
#include "parse/parse.h"

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#define TAG_MAX 510         /* rsyslog CONF_TAG_MAXSIZE - 2 */
#define HOSTNAME_MAX 511    /* rsyslog CONF_HOSTNAME_MAXSIZE - 1 */

/* Lengths are signed here: rsyslog forgets to count the SP after a leading year, so from
 * then on its length is one too large and it reads the NUL that ends the raw buffer; we
 * reproduce that (the NUL never matches anything but the tag loop). */
static inline int is_digit(char c)
{
    return c >= '0' && c <= '9';
}

static int read_int_slow(const char **pp, long *len);

/* the usual case, exactly two digits, inline: p[2] is readable since p[1] is not the NUL */
static inline __attribute__((always_inline)) int read_int(const char **pp, long *len)
{
    const char *p = *pp;
    if (*len >= 2 && is_digit(p[0]) && is_digit(p[1]) && (*len == 2 || !is_digit(p[2]))) {
        *pp = p + 2;
        *len -= 2;
        return (p[0] - '0') * 10 + (p[1] - '0');
    }
    return read_int_slow(pp, len);
}

static int read_int_slow(const char **pp, long *len)
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

static int lc(char c)
{
    return (c >= 'A' && c <= 'Z') ? c + 32 : c;
}

/* Month from three letters, case-insensitive; 0 if none.  Reads a letter only when the one
 * before it was not the NUL, so it never reads past the end of the raw buffer. */
static int month_of(const char *p)
{
    unsigned a = (unsigned)lc(p[0]);
    if (a == 0) {
        return 0;
    }
    unsigned b = (unsigned)lc(p[1]);
    if (b == 0) {
        return 0;
    }
    unsigned c = (unsigned)lc(p[2]);
#define M3(x, y, z) ((unsigned)(x) << 16 | (unsigned)(y) << 8 | (unsigned)(z))
    switch (M3(a, b, c)) {
    case M3('j', 'a', 'n'): return 1;
    case M3('f', 'e', 'b'): return 2;
    case M3('m', 'a', 'r'): return 3;
    case M3('a', 'p', 'r'): return 4;
    case M3('m', 'a', 'y'): return 5;
    case M3('j', 'u', 'n'): return 6;
    case M3('j', 'u', 'l'): return 7;
    case M3('a', 'u', 'g'): return 8;
    case M3('s', 'e', 'p'): return 9;
    case M3('o', 'c', 't'): return 10;
    case M3('n', 'o', 'v'): return 11;
    case M3('d', 'e', 'c'): return 12;
    default: return 0;
    }
#undef M3
}

static const struct sl_tzinfo *tz_tab;
static size_t tz_n;

void sl_parse_set_timezones(const struct sl_tzinfo *tab, size_t n)
{
    tz_tab = tab;
    tz_n = tab != NULL ? n : 0;
}

static int tz_cmp(const void *key, const void *elem)
{
    return strcmp((const char *)key, ((const struct sl_tzinfo *)elem)->id);
}

static const struct sl_tzinfo *find_tz(const char *name)
{
    return tz_n > 0 ? bsearch(name, tz_tab, tz_n, sizeof *tz_tab, tz_cmp) : NULL;
}

/* The last timestamp parse_ts3164 read in the usual form: its 16 bytes ("Mmm dd hh:mm:ss ",
 * as two words) and what they gave.  Messages of one second carry the same bytes, and the
 * usual form's result depends on those bytes alone, so a match gives the same fields as
 * parsing anew.  month 0: empty (the usual form never gives month 0). */
static __thread struct {
    uint64_t a, b;
    uint8_t month, day, hour, minute, second;
} ts_last;

/* On success updates *t and returns the new parse position with *len updated; on failure
 * returns NULL and leaves *t and *len alone.  p[...] up to the raw buffer's NUL is
 * readable. */
static const char *parse_ts3164(const char *p, long *lenp, struct sl_time *t, int year_after,
                                int tzstr)
{
    long len = *lenp;
    int year = 0;

    if (len < 3) {
        return NULL;
    }
    /* The usual form, "Mmm dd hh:mm:ss " with the day space-padded or two digits, read in
     * one go; anything else (and values out of range) takes the general path below, which
     * gives the same result for this form (detect.YearAfterTimestamp looks past the time:
     * general path). */
    if (!year_after && !tzstr && len >= 16 && p[3] == ' ' && p[6] == ' ' && p[9] == ':' && p[12] == ':' &&
        p[15] == ' ' && (p[4] == ' ' || is_digit(p[4])) && is_digit(p[5]) && is_digit(p[7]) &&
        is_digit(p[8]) && is_digit(p[10]) && is_digit(p[11]) && is_digit(p[13]) &&
        is_digit(p[14])) {
        int month = month_of(p);
        int day = (p[4] == ' ' ? 0 : (p[4] - '0') * 10) + (p[5] - '0');
        int hour = (p[7] - '0') * 10 + (p[8] - '0');
        int minute = (p[10] - '0') * 10 + (p[11] - '0');
        int second = (p[13] - '0') * 10 + (p[14] - '0');
        if (month != 0 && day >= 1 && day <= 31 && hour <= 23 && minute <= 59 && second <= 60) {
            t->type = 1;
            t->month = (uint8_t)month;
            t->day = (uint8_t)day;
            t->hour = (uint8_t)hour;
            t->minute = (uint8_t)minute;
            t->second = (uint8_t)second;
            t->secfrac = 0;
            t->secfrac_precision = 0;
            memcpy(&ts_last.a, p, 8);
            memcpy(&ts_last.b, p + 8, 8);
            ts_last.month = (uint8_t)month;
            ts_last.day = (uint8_t)day;
            ts_last.hour = (uint8_t)hour;
            ts_last.minute = (uint8_t)minute;
            ts_last.second = (uint8_t)second;
            *lenp = len - 16;
            return p + 16;
        }
    }
    if (*p >= '0' && *p <= '9') {
        year = read_int(&p, &len);
        if (year < 1970 || year > 2100 || *p != ' ') {
            return NULL;
        }
        p++;  /* rsyslog does not count this SP: len stays one too large */
    }
    int month = month_of(p);
    if (month == 0) {
        return NULL;
    }
    p += 3;
    len -= 3;
    if (len == 0 || *p != ' ') {
        return NULL;
    }
    p++;
    len--;
    if (*p == ' ') {
        p++;
        len--;
    }
    int day = read_int(&p, &len);
    if (day < 1 || day > 31 || len == 0 || *p != ' ') {
        return NULL;
    }
    p++;
    len--;
    int hour = read_int(&p, &len);
    if (year == 0 && hour > 1970 && hour < 2100) {
        year = hour;
        if (len == 0 || *p != ' ') {
            return NULL;
        }
        p++;
        len--;
        hour = read_int(&p, &len);
    }
    if (hour > 23 || len == 0 || *p != ':') {
        return NULL;
    }
    p++;
    len--;
    int minute = read_int(&p, &len);
    if (minute > 59 || len == 0 || *p != ':') {
        return NULL;
    }
    p++;
    len--;
    int second = read_int(&p, &len);
    if (second > 60) {
        return NULL;
    }
    int secfrac = 0, prec = 0;
    if (len > 0 && *p == '.') {
        p++;
        len--;
        const char *fs = p;
        secfrac = read_int(&p, &len);
        prec = (int)(p - fs);
    }
    /* a zone name after the time (pmciscoios): rsyslog reads up to 15 bytes to ':' or SP
     * and applies the zone if a timezone() object defines it (else it is skipped) */
    const struct sl_tzinfo *tz = NULL;
    if (tzstr && len > 2 && *p == ' ') {
        char name[16];
        int i = 0;
        p++;
        len--;
        for (; len > 0 && i < 15 && *p != ':' && *p != ' '; i++) {
            name[i] = *p++;
            len--;
        }
        name[i] = '\0';
        if (i > 0) {
            tz = find_tz(name);
        }
    }
    /* detect.YearAfterTimestamp: " yyyy" (2000..2099) right after the time, as rsyslog:
     * up to four digits are read, and a fifth character that is not SP (when the text goes
     * on) means no year */
    if (year_after && year == 0 && len > 5 && *p == ' ') {
        int y = 0;
        for (int j = 1; j < 5; j++) {
            if (p[j] < '0' || p[j] > '9') {
                break;
            }
            y = 10 * y + (p[j] - '0');
        }
        if (len > 6 && p[5] != ' ') {
            y = 0;
        }
        if (y >= 2000 && y < 2100) {
            year = y;
            p += 5;     /* the SP after the year is checked below */
            len -= 5;
        }
    }
    if (len > 0 && *p == ':') {
        p++;
        len--;
    }
    if (len > 0) {
        if (*p != ' ') {
            return NULL;
        }
        p++;
        len--;
    }
    t->type = 1;
    t->month = (uint8_t)month;
    if (year > 0) {
        t->year = (int16_t)year;
    }
    t->day = (uint8_t)day;
    t->hour = (uint8_t)hour;
    t->minute = (uint8_t)minute;
    t->second = (uint8_t)second;
    t->secfrac = (uint32_t)secfrac;
    t->secfrac_precision = (uint8_t)prec;
    if (tz != NULL) {
        t->offset_mode = tz->mode;
        t->offset_hour = tz->hour;
        t->offset_minute = tz->minute;
        t->in_utc = 0;
    }
    *lenp = len;
    return p;
}

/* parse_ts3164 without a zone name, trying the cache of the last usual-form timestamp
 * first (the same fields as parse_ts3164's usual form; anything else goes there) */
static inline __attribute__((always_inline)) const char *
parse_ts3164_cached(const char *p, long *lenp, struct sl_time *t, int year_after)
{
    if (!year_after && *lenp >= 16 && ts_last.month != 0) {
        uint64_t a, b;
        memcpy(&a, p, 8);
        memcpy(&b, p + 8, 8);
        if (a == ts_last.a && b == ts_last.b) {
            t->type = 1;
            t->month = ts_last.month;
            t->day = ts_last.day;
            t->hour = ts_last.hour;
            t->minute = ts_last.minute;
            t->second = ts_last.second;
            t->secfrac = 0;
            t->secfrac_precision = 0;
            *lenp -= 16;
            return p + 16;
        }
    }
    return parse_ts3164(p, lenp, t, year_after, 0);
}

int sl_parse_ts3164_at(struct sl_msg *m, const char **pp, size_t *lenp, int year_after,
                       int tzstr)
{
    long len = (long)*lenp;
    struct sl_time t = m->t_reported;
    const char *q = parse_ts3164(*pp, &len, &t, year_after, tzstr);
    if (q == NULL) {
        return 0;
    }
    m->t_reported = t;
    *pp = q;
    *lenp = len > 0 ? (size_t)len : 0;
    return 1;
}

/* [A-Za-z0-9._-] by table */
static const unsigned char host_chars[256] = {
    ['-'] = 1, ['.'] = 1, ['_'] = 1,
    ['0'] = 1, ['1'] = 1, ['2'] = 1, ['3'] = 1, ['4'] = 1, ['5'] = 1, ['6'] = 1, ['7'] = 1,
    ['8'] = 1, ['9'] = 1,
    ['A'] = 1, ['B'] = 1, ['C'] = 1, ['D'] = 1, ['E'] = 1, ['F'] = 1, ['G'] = 1, ['H'] = 1,
    ['I'] = 1, ['J'] = 1, ['K'] = 1, ['L'] = 1, ['M'] = 1, ['N'] = 1, ['O'] = 1, ['P'] = 1,
    ['Q'] = 1, ['R'] = 1, ['S'] = 1, ['T'] = 1, ['U'] = 1, ['V'] = 1, ['W'] = 1, ['X'] = 1,
    ['Y'] = 1, ['Z'] = 1,
    ['a'] = 1, ['b'] = 1, ['c'] = 1, ['d'] = 1, ['e'] = 1, ['f'] = 1, ['g'] = 1, ['h'] = 1,
    ['i'] = 1, ['j'] = 1, ['k'] = 1, ['l'] = 1, ['m'] = 1, ['n'] = 1, ['o'] = 1, ['p'] = 1,
    ['q'] = 1, ['r'] = 1, ['s'] = 1, ['t'] = 1, ['u'] = 1, ['v'] = 1, ['w'] = 1, ['x'] = 1,
    ['y'] = 1, ['z'] = 1,
};

static inline int hostname_char(unsigned char c)
{
    return host_chars[c];
}

static int alnum(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

void sl_parse_rfc3164(struct sl_msg *m, const struct sl_parse_opts *o)
{
    const char *p = m->raw + m->after_pri;
    const char *end = m->raw + m->raw_len;
    long len = (long)(m->raw_len - m->after_pri);
    const char *q;
    size_t n;

    int year_after = o != NULL && o->detect_year_after_ts;

    m->protocol_version = 0;
    /* an RFC 3339 stamp starts with a digit (or '-': an empty year, which rsyslog takes) */
    if (len > 0 && (is_digit(p[0]) || p[0] == '-') &&
        (n = sl_parse_ts3339(p, (size_t)len, &m->t_reported)) > 0) {
        p += n;
        len -= (long)n;
    } else if ((q = parse_ts3164_cached(p, &len, &m->t_reported, year_after)) != NULL) {
        p = q;
    } else if (len > 1 && *p == ' ') {
        long l2 = len - 1;
        if ((q = parse_ts3164(p + 1, &l2, &m->t_reported, year_after, 0)) != NULL) {
            p = q;
            len = l2;
        }
    }

    /* No timestamp and the text starts like JSON ('{' or '['): rsyslog 8.2302 then takes
     * neither hostname nor tag; everything is MSG. */
    if (p == m->raw + m->after_pri && len > 0 && (*p == '{' || *p == '[')) {
        m->tag.p = p;
        m->tag.len = 0;
        m->msg.p = p;
        m->msg.len = (size_t)(end - p);
        return;    /* (remove.msgFirstSpace: the text starts with '{' or '[') */
    }

    /* hostname: not for messages from the local log socket */
    const char *in = m->inputname;
    int parse_host = !(in != NULL && in[0] == 'i' && in[1] == 'm' && in[2] == 'u' &&
                       in[3] == 'x' && strcmp(in, "imuxsock") == 0) &&
                     !(m->local_flags & SL_LOCAL_PRESET);   /* ABI 1.6: imfile needParse */
    if (len > 0 && parse_host) {
        long i = 0;
        /* pmrfc3164 permit.squareBracketsInHostname: "[...]" (brackets kept) */
        int bracket = o != NULL && o->permit_squared_tag && p[0] == '[';
        if (bracket) {
            i = 1;
        }
        int slash = o != NULL && o->permit_slashes;
        int at = o != NULL && o->permit_atsigns;
#if defined(__SSE2__)
        if (!bracket) {
            /* [A-Za-z0-9._-] 16 bytes at a time while they are inside the limit; the loop
             * below finishes (a ']' is no hostname byte, so its break changes nothing here) */
            long lim = len < HOSTNAME_MAX ? len : HOSTNAME_MAX;
            const __m128i x20 = _mm_set1_epi8(0x20);
            for (; i + 16 <= lim; i += 16) {
                __m128i v = _mm_loadu_si128((const __m128i *)(const void *)(p + i));
                __m128i lo = _mm_add_epi8(_mm_or_si128(v, x20), _mm_set1_epi8(128 - 'a'));
                __m128i ok = _mm_cmplt_epi8(lo, _mm_set1_epi8(-128 + 26));            /* letter */
                __m128i dg = _mm_add_epi8(v, _mm_set1_epi8(128 - '0'));
                ok = _mm_or_si128(ok, _mm_cmplt_epi8(dg, _mm_set1_epi8(-128 + 10))); /* digit */
                ok = _mm_or_si128(ok, _mm_cmpeq_epi8(v, _mm_set1_epi8('.')));
                ok = _mm_or_si128(ok, _mm_cmpeq_epi8(v, _mm_set1_epi8('_')));
                ok = _mm_or_si128(ok, _mm_cmpeq_epi8(v, _mm_set1_epi8('-')));
                unsigned bad = (unsigned)_mm_movemask_epi8(ok) ^ 0xffffu;
                if (bad != 0) {
                    i += __builtin_ctz(bad);
                    break;
                }
            }
        }
#endif
        while (i < len && i < HOSTNAME_MAX &&
               (hostname_char((unsigned char)p[i]) || (bracket && p[i] == ']') ||
                (slash && p[i] == '/') || (at && p[i] == '@'))) {
            i++;
            if (p[i] == ']') {
                break;
            }
        }
        if (i == len) {
            m->hostname.p = p;
            m->hostname.len = (size_t)i;
            p += i;
            len -= i;
        } else if (i > 0) {
            int is_host = 0;
            if (bracket) {
                if (p[i] == ']') {
                    i++;
                    is_host = 1;
                }
            } else if (alnum((unsigned char)p[i - 1])) {
                is_host = 1;
            }
            if (is_host && p[i] == ' ') {
                m->hostname.p = p;
                m->hostname.len = (size_t)i;
                p += i + 1;
                len -= i + 1;
            }
        }
    }

    /* tag (with rsyslog's miscount after a leading year it may take the final NUL) */
    const char *tag = p;
    size_t i = 0;
    size_t lim = len > 0 ? ((size_t)len < TAG_MAX ? (size_t)len : TAG_MAX) : 0;
    int found = 0;
#if defined(__SSE2__)
    /* 16 bytes at a time while they are all inside the tag's limit (p[0..lim) is readable) */
    for (; i + 16 <= lim; i += 16) {
        __m128i v = _mm_loadu_si128((const __m128i *)(const void *)(p + i));
        unsigned mk = (unsigned)_mm_movemask_epi8(
            _mm_or_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8(':')), _mm_cmpeq_epi8(v, _mm_set1_epi8(' '))));
        if (mk != 0) {
            i += (size_t)__builtin_ctz(mk);
            found = 1;
            break;
        }
    }
#endif
    while (!found && i < lim && p[i] != ':' && p[i] != ' ') {
        i++;
    }
    p += i;
    len -= (long)i;
    if (len > 0 && *p == ':') {
        p++;
        len--;
        i++;
        m->tag.p = tag;
        m->tag.len = i;
    } else if (o != NULL && o->force_tag_colon) {
        /* force.tagEndingByColon: no ':', so no tag; the tag becomes "-" and MSG starts
         * where the tag did, less one byte (rsyslog steps back over the SP before it) */
        p -= i + 1;
        len += (long)i + 1;
        if (p < m->raw) {
            p = m->raw;
        }
        m->tag.p = "-";
        m->tag.len = 1;
    } else {
        m->tag.p = tag;
        m->tag.len = i;
    }
    if (p > end) {
        p = end;
    }
    if (o != NULL && o->remove_msg_first_space && p < end && *p == ' ') {
        p++;    /* remove.msgFirstSpace */
    }
    m->msg.p = p;
    m->msg.len = (size_t)(end - p);
}

/* rsyslog imuxsock's "special parser" (UseSpecialParser, its default), reproduced from its
 * observable behaviour (rsyslog 8.2302, see tests/local/): the PRI digits follow the first
 * byte whatever it is (no digits: PRI 0), one byte ('>') is skipped, then a timestamp, then
 * the TAG runs up to SP (not ':') for at most 511 bytes, and MSG is the rest.  There is no
 * hostname and no RFC 5424.  Timestamp handling:
 *   - SL_LOCAL_SYS_TS (UseSysTimeStamp, the default): timereported is the receive time; if an
 *     RFC 3339 or RFC 3164 timestamp is present, rsyslog overwrites it in its buffer with the
 *     16-byte "Mmm dd hh:mm:ss " receive time and skips 16 bytes, while the remaining length
 *     shrinks by the timestamp's real length: a 32-byte RFC 3339 stamp leaves a 7-byte tag
 *     taken from its middle, and MSG is whatever is left of that length at the end.
 *   - SL_LOCAL_IGNORE_TS (UseSysTimeStamp off): the timestamp is skipped.
 *   - neither: the timestamp becomes timereported.
 * With SL_LOCAL_PID the tag from its last '[' on, or else its last byte, is replaced by
 * "[pid]:" (an empty tag gives "pid]:", as rsyslog's off-by-one does). */
void sl_parse_uxsock(struct sl_msg *m)
{
    const char *raw = m->raw;
    const char *end = raw + m->raw_len;
    long total = (long)m->raw_len;
    long offs = 1;
    int pri = 0;

    while (offs < total && raw[offs] >= '0' && raw[offs] <= '9') {
        if (pri < 1000) {
            pri = pri * 10 + (raw[offs] - '0');
        }
        offs++;
    }
    m->pri = pri;
    m->pri_from_msg = 1;
    m->protocol_version = 0;
    m->after_pri = (size_t)(offs + 1 <= total ? offs + 1 : total);

    long len = total - offs - 1;            /* may be -1 for "<" alone, as in rsyslog */
    const char *p = raw + offs + 1;
    if (p > end) {
        p = end;
    }
    uint32_t lf = m->local_flags;
    struct sl_time dummy = m->t_reported;
    size_t n;
    const char *q;

    if (len > 0 && (lf & SL_LOCAL_SYS_TS)) {
        long l2 = len;
        if ((n = sl_parse_ts3339(p, (size_t)len, &dummy)) > 0) {
            len -= (long)n;
            p += 16;
        } else if (parse_ts3164(p, &l2, &dummy, 0, 0) != NULL) {
            len = l2;
            p += 16;
        }
    } else if (len > 0) {
        struct sl_time *t = (lf & SL_LOCAL_IGNORE_TS) ? &dummy : &m->t_reported;
        if ((n = sl_parse_ts3339(p, (size_t)len, t)) > 0) {
            p += n;
            len -= (long)n;
        } else if ((q = parse_ts3164(p, &len, t, 0, 0)) != NULL) {
            p = q;
        }
    }

    /* tag: up to SP, at most 511 bytes, never past the end of the buffer */
    const char *tag = p;
    long i = 0;
    while (len > 0 && p + i < end && p[i] != ' ' && i < TAG_MAX + 1) {
        i++;
        len--;
    }
    if (tag > end) {
        tag = end;
    }
    if ((lf & SL_LOCAL_PID) != 0) {
        /* from the last '[' of the tag on, else in place of its last byte */
        char pidbuf[32];
        int pl = snprintf(pidbuf, sizeof pidbuf, "[%lld]:", (long long)m->local_pid);
        long keep = i - 1;
        for (long k = i - 1; k >= 0; k--) {
            if (tag[k] == '[') {
                keep = k;
                break;
            }
        }
        const char *add = keep >= 0 ? pidbuf : pidbuf + 1;
        size_t addlen = (size_t)(keep >= 0 ? pl : pl - 1);
        if (keep < 0) {
            keep = 0;
        }
        char *t = sl_msg_own(m, malloc((size_t)keep + addlen + 1));
        if (t != NULL) {
            memcpy(t, tag, (size_t)keep);
            memcpy(t + keep, add, addlen);
            t[(size_t)keep + addlen] = '\0';
            m->tag.p = t;
            m->tag.len = (size_t)keep + addlen;
        } else {
            m->tag.p = tag;
            m->tag.len = (size_t)i;
        }
    } else {
        m->tag.p = tag;
        m->tag.len = (size_t)i;
    }

    /* MSG: the last len bytes of the message */
    if (len < 0) {
        len = 0;
    }
    if (len > total) {
        len = total;
    }
    m->msg.p = end - len;
    m->msg.len = (size_t)len;
}
