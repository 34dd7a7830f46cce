/*
 * framing.c - syslog-over-TCP frame extraction; see framing.h for the exact behaviour.
 *
 * The reference behaviour is a byte-at-a-time state machine; this implementation works on
 * spans (memchr for delimiters, block copies for counted frames) and hands frames that lie
 * completely inside the caller's data straight to the callback without copying.  The
 * results are identical for any split of the input (tests/unit/test_framing.c checks every
 * split point against a byte-wise model).
 *
 * Ownership: see framing.h.  Concurrency & locking: none (one connection, one thread).
 */
#include "config.h"

#include <stdlib.h>
#include <regex.h>
#include <string.h>

#include "sluice/sl_plugin.h"
#include "framing.h"

enum { ST_START = 0, ST_COUNT, ST_MSG, ST_TRUNC };

/* rsyslog stops accumulating the count once it exceeds this value */
#define COUNT_CAP 200000000

void sl_framing_init(struct sl_framing *f, const struct sl_framing_cfg *cfg,
                     sl_framing_frame_fn on_frame, sl_framing_event_fn on_event, void *arg)
{
    memset(f, 0, sizeof *f);
    f->cfg = cfg;
    f->on_frame = on_frame;
    f->on_event = on_event;
    f->arg = arg;
    f->state = ST_START;
}

void sl_framing_free(struct sl_framing *f)
{
    free(f->buf);
    f->buf = NULL;
    free(f->save);
    f->save = NULL;
    f->len = 0;
    f->state = ST_START;
}

int sl_framing_idle(const struct sl_framing *f)
{
    return f->state == ST_START;
}

static void event(struct sl_framing *f, enum sl_framing_event ev, int64_t value)
{
    if (f->on_event != NULL) {
        f->on_event(f->arg, ev, value);
    }
}

static int ensure_buf(struct sl_framing *f)
{
    if (f->buf == NULL) {
        /* one byte more than a frame: multiLine keeps a delimiter at max_msg (rsyslog's
         * message buffer has that byte too) */
        f->buf = malloc(f->cfg->max_msg + 1);
        if (f->buf == NULL) {
            return SL_ENOMEM;
        }
    }
    return 0;
}

/* Hand the buffered frame over (nothing if empty) and empty the buffer. */
static int emit(struct sl_framing *f)
{
    size_t n = f->len;
    f->len = 0;
    if (n == 0) {
        return 0;
    }
    return f->on_frame(f->arg, f->buf, n);
}

/* Index of the first delimiter in p[0..n), or n. */
static size_t find_delim(const struct sl_framing_cfg *cfg, const char *p, size_t n)
{
    size_t k = n;
    if (cfg->lf_delim) {
        const char *q = memchr(p, '\n', n);
        if (q != NULL) {
            k = (size_t)(q - p);
        }
    }
    if (cfg->addtl_delim >= 0 && k > 0) {
        const char *q = memchr(p, cfg->addtl_delim, k);
        if (q != NULL) {
            k = (size_t)(q - p);
        }
    }
    return k;
}

/* The end of the count: byte c (already consumed) terminates it. */
static void count_done(struct sl_framing *f, unsigned char c)
{
    const struct sl_framing_cfg *cfg = f->cfg;
    if (c != ' ') {
        event(f, SL_FRAMING_EV_BAD_DELIM, (int64_t)(signed char)c);
    }
    if (f->remain < 1) {
        event(f, SL_FRAMING_EV_BAD_COUNT, f->remain);
        f->octet = 0;
    } else if (f->remain > (int64_t)cfg->max_msg) {
        event(f, SL_FRAMING_EV_OVERSIZE, f->remain);
    }
    if (f->remain > cfg->max_frame) {
        /* the frame continues LF-delimited, the digits stay part of it */
        event(f, SL_FRAMING_EV_FRAME_TOO_LARGE, f->remain);
        f->octet = 0;
    } else {
        f->len = 0;
    }
    f->state = ST_MSG;
}

/* LF-delimited frame content starting at data[*pi]. */
static int msg_lf(struct sl_framing *f, const char *data, size_t n, size_t *pi)
{
    const struct sl_framing_cfg *cfg = f->cfg;
    const char *p = data + *pi;
    size_t avail = n - *pi;
    size_t k = find_delim(cfg, p, avail);
    int rc;
    /* imptcp multiLine (rsyslog's processDataRcvd): the delimiter ends the frame only as
     * the last byte of this data or before a '<'; otherwise it is kept as content */
    int inner = cfg->multiline && k < avail && k + 1 < avail && p[k + 1] != '<';

    if (!inner && k < avail && f->len == 0 && k <= cfg->max_msg) {
        /* the whole frame is in the caller's data */
        *pi += k + 1;
        f->state = ST_START;
        return k > 0 ? f->on_frame(f->arg, p, k) : 0;
    }
    for (size_t j = 0; j < k;) {
        if (f->len < cfg->max_msg) {
            size_t take = cfg->max_msg - f->len;
            if (take > k - j) {
                take = k - j;
            }
            rc = ensure_buf(f);
            if (rc != 0) {
                *pi += j;
                return rc;
            }
            memcpy(f->buf + f->len, p + j, take);
            f->len += take;
            j += take;
        } else {
            /* full: this byte is lost, the buffered part goes out */
            j++;
            event(f, SL_FRAMING_EV_SPLIT, (int64_t)cfg->max_msg);
            rc = emit(f);
            if (cfg->discard_truncated) {
                f->state = ST_TRUNC;
                *pi += j;
                return rc;
            }
            if (rc != 0) {
                *pi += j;
                return rc;
            }
        }
    }
    *pi += k;
    if (inner) {
        (*pi)++;
        rc = ensure_buf(f);
        if (rc == 0 && f->len < cfg->max_msg) {
            f->buf[f->len++] = p[k];
        }
        return rc;
    }
    if (k < avail) {
        (*pi)++;
        f->state = ST_START;
        return emit(f);
    }
    return 0;
}

/* imptcp's framing.delimiter.regex, as rsyslog 8.2302 (processDataRcvd_regexFraming), byte
 * by byte: each byte is appended (the buffer holds 2 * max_msg); at 2 * max_msg the buffer
 * is emitted as it is (event SPLIT) and the line restarts at 0.  After an LF the current
 * line starts behind it; any other byte runs the regex over the current line so far (as a
 * C string), and a match emits what lies before the LF that began the line and starts the
 * next frame with that line.  An emitted frame keeps max_msg bytes at most (rsyslog
 * truncates the raw message to maxMessageSize).  The first line of a connection, and the line that just
 * started a frame, are matched from their second byte (rsyslog's line index starts at 1),
 * so a frame's own first line never matches again, and a match inside the first line drops
 * the bytes before it.  At the end of the connection imptcp drops what is pending. */
static int regex_feed(struct sl_framing *f, const char *data, size_t n)
{
    const struct sl_framing_cfg *cfg = f->cfg;
    const size_t cap = 2 * cfg->max_msg;
    if (f->buf == NULL) {
        f->buf = malloc(cap + 2);
        f->save = malloc(cap + 2);
        if (f->buf == NULL || f->save == NULL) {
            free(f->buf);
            free(f->save);
            f->buf = f->save = NULL;
            return SL_ENOMEM;
        }
        f->len = 0;
        f->cur_line = 1;
        f->buf[0] = f->buf[1] = '\0';
    }
    for (size_t i = 0; i < n; i++) {
        char c = data[i];
        f->buf[f->len++] = c;
        f->buf[f->len] = '\0';
        f->state = ST_MSG;
        if (f->len == cap) {
            event(f, SL_FRAMING_EV_SPLIT, (int64_t)cap);
            size_t m = f->len;
            f->len = 0;
            f->cur_line = 1;
            /* rsyslog keeps maxMessageSize bytes of such a frame */
            int rc = f->on_frame(f->arg, f->buf, m < cfg->max_msg ? m : cfg->max_msg);
            f->buf[0] = f->buf[1] = '\0';
            if (rc != 0) {
                return rc;
            }
        }
        if (c == '\n') {
            f->cur_line = f->len;
        } else {
            const char *line = f->cur_line <= f->len ? f->buf + f->cur_line : "";
            if (regexec((const regex_t *)cfg->start_re, line, 0, NULL, 0) == 0) {
                size_t sl = strlen(line);
                memmove(f->save, line, sl + 1);
                size_t m = f->cur_line > 0 ? f->cur_line - 1 : 0;
                int rc = m > 0 ? f->on_frame(f->arg, f->buf, m < cfg->max_msg ? m : cfg->max_msg)
                               : 0;
                memcpy(f->buf, f->save, sl + 1);
                f->buf[sl + 1] = '\0';
                f->len = sl;
                f->cur_line = 1;
                if (rc != 0) {
                    return rc;
                }
            }
        }
    }
    return 0;
}

/* Octet-counted frame content starting at data[*pi]. */
static int msg_octet(struct sl_framing *f, const char *data, size_t n, size_t *pi)
{
    const struct sl_framing_cfg *cfg = f->cfg;
    int rc;

    if (f->len == 0 && f->remain <= (int64_t)(n - *pi) && f->remain <= (int64_t)cfg->max_msg) {
        const char *p = data + *pi;
        size_t k = (size_t)f->remain;
        *pi += k;
        f->remain = 0;
        f->state = ST_START;
        return f->on_frame(f->arg, p, k);
    }
    while (*pi < n && f->state == ST_MSG) {
        if (f->len < cfg->max_msg) {
            size_t take = cfg->max_msg - f->len;
            if ((int64_t)take > f->remain) {
                take = (size_t)f->remain;
            }
            if (take > n - *pi) {
                take = n - *pi;
            }
            rc = ensure_buf(f);
            if (rc != 0) {
                return rc;
            }
            memcpy(f->buf + f->len, data + *pi, take);
            f->len += take;
            *pi += take;
            f->remain -= (int64_t)take;
            if (f->remain < 1) {
                f->state = ST_START;
                return emit(f);
            }
        } else {
            (*pi)++;
            event(f, SL_FRAMING_EV_SPLIT, (int64_t)cfg->max_msg);
            rc = emit(f);
            f->remain--;
            if (cfg->discard_truncated) {
                f->state = f->remain == 0 ? ST_START : ST_TRUNC;
            } else if (f->remain < 1) {
                f->state = ST_START;
            }
            if (rc != 0) {
                return rc;
            }
        }
    }
    return 0;
}

int sl_framing_feed(struct sl_framing *f, const char *data, size_t n)
{
    const struct sl_framing_cfg *cfg = f->cfg;
    size_t i = 0;
    int rc = 0;

    if (cfg->start_re != NULL) {
        return regex_feed(f, data, n);
    }

    while (i < n && rc == 0) {
        unsigned char c = (unsigned char)data[i];
        switch (f->state) {
        case ST_START:
            if (cfg->octet_counting && c >= '0' && c <= '9') {
                f->state = ST_COUNT;
                f->remain = 0;
                f->octet = 1;
            } else if (cfg->sp_framing_fix && c == ' ') {
                i++;
            } else {
                f->state = ST_MSG;
                f->octet = 0;
            }
            break;
        case ST_COUNT:
            i++;
            if (c >= '0' && c <= '9') {
                if (f->remain <= COUNT_CAP) {
                    f->remain = f->remain * 10 + (c - '0');
                }
                if (f->len < cfg->max_msg) {
                    rc = ensure_buf(f);
                    if (rc == 0) {
                        f->buf[f->len++] = (char)c;
                    }
                }
            } else {
                count_done(f, c);
            }
            break;
        case ST_MSG:
            if (f->octet) {
                rc = msg_octet(f, data, n, &i);
            } else {
                rc = msg_lf(f, data, n, &i);
            }
            break;
        default: /* ST_TRUNC: skip the rest of the frame */
            if (f->octet) {
                size_t k = n - i;
                if ((int64_t)k > f->remain) {
                    k = (size_t)f->remain;
                }
                i += k;
                f->remain -= (int64_t)k;
                if (f->remain < 1) {
                    f->state = ST_START;
                }
            } else {
                size_t k = find_delim(cfg, data + i, n - i);
                if (k < n - i) {
                    i += k + 1;
                    f->state = ST_START;
                } else {
                    i = n;
                }
            }
            break;
        }
    }
    return rc;
}

int sl_framing_close(struct sl_framing *f)
{
    int rc = 0;
    if (f->state != ST_START) {
        if (f->octet) {
            event(f, SL_FRAMING_EV_INCOMPLETE, f->remain);
            f->len = 0;
        } else {
            rc = emit(f);
        }
    }
    f->state = ST_START;
    f->len = 0;
    f->remain = 0;
    f->octet = 0;
    return rc;
}
