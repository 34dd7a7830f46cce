/*
 * sl_prom.c - the Prometheus text format of a counter (see sl_prom.h).  Hand-written: the
 * format is three lines per counter, and the name encoding must be rsyslog's, which no
 * client library produces.
 *
 * Ownership: writes only into the caller's buffer.  Concurrency: reentrant, no state.
 */
#include "config.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "sl_prom.h"

/* Append n bytes; -1 when the buffer cannot grow. */
static int add(const struct sl_host *h, struct sl_buf *b, const char *s, size_t n)
{
    if (h->buf_reserve(b, n + 1) != 0) {
        return -1;
    }
    memcpy(b->p + b->len, s, n);
    b->len += n;
    return 0;
}

static int adds(const struct sl_host *h, struct sl_buf *b, const char *s)
{
    return add(h, b, s, strlen(s));
}

/* Is name a classic metric name that cannot be mistaken for an encoded one? */
static int plain_name(const char *name)
{
    const unsigned char *p = (const unsigned char *)name;
    if (*p == '\0' || !(isalpha(*p) || *p == '_' || *p == ':') || strncmp(name, "U__", 3) == 0) {
        return 0;
    }
    for (p++; *p != '\0'; p++) {
        if (!(isalnum(*p) || *p == '_' || *p == ':')) {
            return 0;
        }
    }
    return 1;
}

/* One UTF-8 code point at p[0..n): its length and value, or 0 when the bytes are not a
 * well-formed, shortest-form sequence. */
static size_t utf8_cp(const unsigned char *p, size_t n, uint32_t *cp)
{
    size_t len = p[0] < 0x80 ? 1 : (p[0] & 0xe0) == 0xc0 ? 2 : (p[0] & 0xf0) == 0xe0 ? 3
                 : (p[0] & 0xf8) == 0xf0 ? 4 : 0;
    if (len == 0 || len > n) {
        return 0;
    }
    static const uint32_t min[] = { 0, 0, 0x80, 0x800, 0x10000 };
    uint32_t v = len == 1 ? p[0] : p[0] & (0x7f >> len);
    for (size_t i = 1; i < len; i++) {
        if ((p[i] & 0xc0) != 0x80) {
            return 0;
        }
        v = (v << 6) | (p[i] & 0x3f);
    }
    if (v < min[len] || v > 0x10ffff || (v >= 0xd800 && v <= 0xdfff)) {
        return 0;
    }
    *cp = v;
    return len;
}

static int put_name(const struct sl_host *h, struct sl_buf *b, const char *raw)
{
    if (plain_name(raw)) {
        return adds(h, b, raw);
    }
    int rc = adds(h, b, "U__");
    const unsigned char *p = (const unsigned char *)raw;
    size_t n = strlen(raw);
    while (n > 0 && rc == 0) {
        uint32_t cp;
        char tmp[16];
        size_t l = utf8_cp(p, n, &cp);
        if (l == 0) {
            snprintf(tmp, sizeof tmp, "_x%02X_", p[0]);
            l = 1;
        } else if (cp < 0x80 && (isalnum((int)cp) || cp == ':')) {
            tmp[0] = (char)cp;
            tmp[1] = '\0';
        } else if (cp == '_') {
            strcpy(tmp, "__");
        } else {
            snprintf(tmp, sizeof tmp, "_%X_", (unsigned)cp);
        }
        rc = adds(h, b, tmp);
        p += l;
        n -= l;
    }
    return rc;
}

/* HELP text: backslash, double quote and newline escaped. */
static int put_help(const struct sl_host *h, struct sl_buf *b, const char *s)
{
    int rc = 0;
    for (; *s != '\0' && rc == 0; s++) {
        const char *e = *s == '\\' ? "\\\\" : *s == '"' ? "\\\"" : *s == '\n' ? "\\n" : NULL;
        rc = e != NULL ? adds(h, b, e) : add(h, b, s, 1);
    }
    return rc;
}

int sl_prom_counter(const struct sl_host *h, struct sl_buf *b, const char *set,
                    const char *origin, const char *counter, uint64_t value)
{
    size_t start = b->len;
    char raw[512], num[32];
    snprintf(raw, sizeof raw, "%s_%s_total", set, counter);
    snprintf(num, sizeof num, " %llu\n", (unsigned long long)value);
    int rc = adds(h, b, "# HELP ");
    size_t name_at = b->len;
    rc = rc ? rc : put_name(h, b, raw);
    size_t name_len = b->len - name_at;
    rc = rc ? rc : adds(h, b, " rsyslog stats: origin=\"");
    rc = rc ? rc : put_help(h, b, origin);
    rc = rc ? rc : adds(h, b, "\" object=\"");
    rc = rc ? rc : put_help(h, b, set);
    rc = rc ? rc : adds(h, b, "\", counter=\"");
    rc = rc ? rc : put_help(h, b, counter);
    rc = rc ? rc : adds(h, b, "\"\n# TYPE ");
    /* the name again, twice: reserve first, since b->p may move */
    rc = rc ? rc : h->buf_reserve(b, 2 * name_len + 16 + strlen(num) + 1);
    if (rc == 0) {
        memmove(b->p + b->len, b->p + name_at, name_len);
        b->len += name_len;
        rc = adds(h, b, " counter\n");
    }
    if (rc == 0) {
        memmove(b->p + b->len, b->p + name_at, name_len);
        b->len += name_len;
        rc = adds(h, b, num);
    }
    if (rc != 0) {
        b->len = start;
        return SL_ENOMEM;
    }
    return 0;
}
