/*
 * reader.c - imfile's framing of file bytes into messages, rule for rule as rsyslog 8.2302's
 * runtime/stream.c (strmReadLine, strmReadMultiLine), read from its source; hand-written
 * because that stream object is part of rsyslogd, not a library.  The rules, including the
 * odd ones a differential test would show:
 *   readMode 0  one message per LF-terminated line; a line longer than trimLineOverBytes
 *               keeps that many bytes and gets a LF appended.
 *   readMode 1  paragraphs: lines up to an empty line are one message, the LFs inside as
 *               "#012" (or escapeLF.replacement, or LF with escapeLF off); an empty line on
 *               its own is an (empty, skipped) message.
 *   readMode 2  a line and the following lines that begin with SP or TAB are one message,
 *               LFs escaped as in mode 1 (with escapeLF off the message keeps its last LF,
 *               as rsyslog's); trimLineOverBytes as in mode 0.
 *   start/endmsg.regex  lines are joined with "\n" (two characters: backslash, n), or the
 *               replacement, or LF; a line matching startmsg.regex ends the message before
 *               it, one matching endmsg.regex ends its own; a message growing past
 *               maxMessageSize is cut there and the rest starts the next one (or is
 *               discarded up to the next start/end line with discardTruncatedMsg); with
 *               readTimeout a pending message goes out after that many seconds without
 *               new data.
 * rsyslog's readMode 1 and 2 update their "previous character was a LF" flag after reading
 * the next character; when that read finds the end of the data the update is lost (and the
 * state file shows it).  reader.c does the same (imf_rd_eof), so a paragraph split by the
 * end of the data at that time comes out as rsyslog's does.
 * Offsets are rsyslog's: a message's offset is where the previous message ended (for the
 * regex modes: after the line that completed the previous one).
 *
 * Ownership: the reader owns its two buffers.  Concurrency & locking: none (one thread).
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libfastjson/json.h>

#include "reader.h"

static void db_reserve(struct imf_dbuf *b, size_t extra)
{
    if (b->len + extra + 1 <= b->cap) {
        return;
    }
    size_t cap = b->cap ? b->cap : 256;
    while (cap < b->len + extra + 1) {
        cap *= 2;
    }
    char *p = realloc(b->p, cap);
    if (p == NULL) {
        abort();   /* out of memory: as the core does */
    }
    b->p = p;
    b->cap = cap;
}

static void db_add(struct imf_dbuf *b, const char *s, size_t n)
{
    db_reserve(b, n);
    memcpy(b->p + b->len, s, n);
    b->len += n;
    b->p[b->len] = '\0';
}

static void db_addc(struct imf_dbuf *b, char c)
{
    db_reserve(b, 1);
    b->p[b->len++] = c;
    b->p[b->len] = '\0';
}

static void db_set(struct imf_dbuf *b, const char *s, size_t n)
{
    b->len = 0;
    db_add(b, s, n);
}

/* rsCStrTruncate: drop n characters at the end */
static void db_cut(struct imf_dbuf *b, size_t n)
{
    b->len = n > b->len ? 0 : b->len - n;
    if (b->p != NULL) {
        b->p[b->len] = '\0';
    }
}

void imf_rd_init(struct imf_rd *r, const struct imf_rd_conf *c)
{
    memset(r, 0, sizeof *r);
    r->c = c;
    r->pend = -1;
}

void imf_rd_eof(struct imf_rd *r)
{
    r->pend = -1;
}

void imf_rd_free(struct imf_rd *r)
{
    free(r->line.p);
    free(r->msg.p);
    r->line = (struct imf_dbuf){ 0 };
    r->msg = (struct imf_dbuf){ 0 };
}

static void trim_line(struct imf_rd *r)
{
    if (r->c->trim > 0 && r->line.len > r->c->trim) {
        r->line.len = (size_t)r->c->trim;
        db_addc(&r->line, '\n');
    }
}

/* The current text (r->line) is a message; r->curr_offs is where the next one begins. */
static int finish_line(struct imf_rd *r, imf_emit_fn emit, void *arg)
{
    int64_t at = r->strt_offs;
    r->strt_offs = r->curr_offs;
    int stop = emit(arg, r->line.p != NULL ? r->line.p : "", r->line.len, at);
    r->line.len = 0;
    return stop;
}

static size_t esc_len(const struct imf_rd_conf *c)
{
    return c->esc == NULL ? 4 : strlen(c->esc);
}

static void add_esc(struct imf_rd *r)
{
    if (r->c->esc == NULL) {
        db_add(&r->line, "#012", 4);
    } else {
        db_add(&r->line, r->c->esc, strlen(r->c->esc));
    }
}

/* readMode 1: one character (already counted in curr_offs).  Returns emit's answer. */
static int mode1_char(struct imf_rd *r, char c, imf_emit_fn emit, void *arg)
{
    if (c != '\n') {
        db_addc(&r->line, c);
        r->pend = 0;
        return 0;
    }
    if (r->line.len > 0) {
        if (r->prev_was_nl && esc_len(r->c) > 0) {
            db_cut(&r->line, r->c->escape_lf ? esc_len(r->c) : 1);
            r->prev_was_nl = 0;
            return finish_line(r, emit, arg);
        }
        if (r->c->escape_lf) {
            add_esc(r);
        } else {
            db_addc(&r->line, '\n');
        }
        r->pend = 1;
        return 0;
    }
    r->prev_was_nl = 0;
    return finish_line(r, emit, arg);
}

/* readMode 2: one character.  *unread is set when c belongs to the next message (it was
 * not consumed: curr_offs is moved back by the caller before finishing). */
static int mode2_char(struct imf_rd *r, char c, int *unread)
{
    *unread = 0;
    if (r->line.len == 0) {
        if (c != '\n') {
            db_addc(&r->line, c);
            return 0;
        }
        return 1;   /* an empty line: an empty message */
    }
    if (r->prev_was_nl) {
        if (c == ' ' || c == '\t') {
            db_addc(&r->line, c);
            r->pend = 0;
            return 0;
        }
        *unread = 1;
        if (r->c->escape_lf && esc_len(r->c) > 0) {
            db_cut(&r->line, esc_len(r->c));
        }
        return 1;
    }
    if (c == '\n') {
        r->prev_was_nl = 1;
        if (r->c->escape_lf && esc_len(r->c) > 0) {
            add_esc(r);
        } else {
            db_addc(&r->line, '\n');
        }
    } else {
        db_addc(&r->line, c);
    }
    return 0;
}

/* Regex modes: one complete line (r->line, without its LF). */
static int regex_line(struct imf_rd *r, imf_emit_fn emit, imf_toolong_fn toolong, void *arg)
{
    const struct imf_rd_conf *c = r->c;
    const char *l = r->line.p != NULL ? r->line.p : "";
    size_t ll = r->line.len;
    int is_start = c->start_re != NULL && regexec(c->start_re, l, 0, NULL, 0) == 0;
    int is_end = c->end_re != NULL && regexec(c->end_re, l, 0, NULL, 0) == 0;
    int stop = 0;
    if (is_start) {
        if (!r->ignoring && r->have_msg) {
            int64_t at = r->strt_offs;
            r->strt_offs = r->curr_offs;
            stop |= emit(arg, r->msg.p, r->msg.len, at);
        }
        db_set(&r->msg, l, ll);
        r->have_msg = 1;
        r->ignoring = 0;
    } else if (!r->ignoring) {
        if (!r->have_msg) {
            db_set(&r->msg, l, ll);
            r->have_msg = 1;
        } else {
            if (!c->escape_lf) {
                db_addc(&r->msg, '\n');
            } else if (c->esc == NULL) {
                db_add(&r->msg, "\\n", 2);
            } else {
                db_add(&r->msg, c->esc, strlen(c->esc));
            }
            if (ll > 0) {
                if (r->msg.len + ll < c->max_msg) {
                    db_add(&r->msg, l, ll);
                } else {
                    size_t k = r->msg.len > c->max_msg ? 0 : ll - (r->msg.len + ll - c->max_msg);
                    db_add(&r->msg, l, k);
                    int64_t at = r->strt_offs;
                    r->strt_offs = r->curr_offs;
                    stop |= emit(arg, r->msg.p, r->msg.len, at);
                    /* the rest of the line starts the next message (as a C string) */
                    db_set(&r->msg, l + k, strlen(l + k));
                    if (c->discard_truncated) {
                        r->ignoring = 1;
                    }
                    if (toolong != NULL) {
                        toolong(arg, c->discard_truncated);
                    }
                }
            }
        }
    }
    if (is_end) {
        if (!r->ignoring && r->have_msg) {
            int64_t at = r->strt_offs;
            r->strt_offs = r->curr_offs;
            stop |= emit(arg, r->msg.p, r->msg.len, at);
            r->have_msg = 0;
            r->msg.len = 0;
        }
        r->ignoring = 0;
    }
    r->line.len = 0;
    return stop;
}

size_t imf_rd_feed(struct imf_rd *r, const char *p, size_t n, time_t now, imf_emit_fn emit,
                   imf_toolong_fn toolong, void *arg)
{
    const struct imf_rd_conf *c = r->c;
    size_t i = 0;
    if (n > 0) {
        r->last_read = now;
    }
    if (c->start_re != NULL || c->end_re != NULL || c->mode == 0) {
        int regex = c->start_re != NULL || c->end_re != NULL;
        while (i < n) {
            const char *nl = memchr(p + i, '\n', n - i);
            if (nl == NULL || r->line.len + (size_t)(nl - (p + i)) >= IMF_MAX_LINE) {
                size_t k = n - i;
                if (r->line.len + k >= IMF_MAX_LINE) {
                    /* no line end within the limit: what is there goes out as a line */
                    k = IMF_MAX_LINE - r->line.len;
                    db_add(&r->line, p + i, k);
                    i += k;
                    r->curr_offs += (int64_t)k;
                    if (toolong != NULL) {
                        toolong(arg, 0);
                    }
                    int stop = regex ? regex_line(r, emit, toolong, arg)
                                     : finish_line(r, emit, arg);
                    if (stop) {
                        return i;
                    }
                    continue;
                }
                db_add(&r->line, p + i, k);
                r->curr_offs += (int64_t)k;
                return n;
            }
            size_t len = (size_t)(nl - (p + i));
            db_add(&r->line, p + i, len);
            i += len + 1;
            r->curr_offs += (int64_t)len + 1;
            int stop;
            if (regex) {
                stop = regex_line(r, emit, toolong, arg);
            } else {
                trim_line(r);
                stop = finish_line(r, emit, arg);
            }
            if (stop) {
                return i;
            }
        }
        return i;
    }
    while (i < n) {
        char ch = p[i++];
        r->curr_offs++;
        if (r->pend >= 0) {
            r->prev_was_nl = r->pend;
            r->pend = -1;
        }
        int stop = 0;
        if (r->line.len >= IMF_MAX_LINE) {
            if (toolong != NULL) {
                toolong(arg, 0);
            }
            r->prev_was_nl = 0;
            stop = finish_line(r, emit, arg);
        }
        if (c->mode == 1) {
            stop |= mode1_char(r, ch, emit, arg);
        } else {
            int unread = 0;
            if (mode2_char(r, ch, &unread)) {
                if (unread) {
                    r->curr_offs--;
                    i--;
                }
                trim_line(r);
                r->prev_was_nl = 0;
                stop |= finish_line(r, emit, arg);
            }
        }
        if (stop) {
            return i;
        }
    }
    return i;
}

int imf_rd_timeout(struct imf_rd *r, time_t now, imf_emit_fn emit, void *arg)
{
    if (r->c->read_timeout <= 0 || !r->have_msg || now <= r->last_read + r->c->read_timeout) {
        return 0;
    }
    int64_t at = r->strt_offs;
    r->strt_offs = r->curr_offs;
    emit(arg, r->msg.p, r->msg.len, at);
    r->have_msg = 0;
    r->msg.len = 0;
    r->last_read = now;
    return 1;
}

char *imf_rd_state_json(const struct imf_rd *r, const char *filename)
{
    struct json_object *j = json_object_new_object();
    if (j == NULL) {
        return NULL;
    }
    json_object_object_add(j, "filename", json_object_new_string(filename));
    json_object_object_add(j, "prev_was_nl", json_object_new_int(r->prev_was_nl));
    json_object_object_add(j, "curr_offs", json_object_new_int64(r->curr_offs));
    json_object_object_add(j, "strt_offs", json_object_new_int64(r->strt_offs));
    if (r->line.len > 0) {
        json_object_object_add(j, "prev_line_segment",
                               json_object_new_string_len(r->line.p, (int)r->line.len));
    }
    if (r->have_msg) {
        json_object_object_add(j, "prev_msg_segment",
                               json_object_new_string_len(r->msg.p ? r->msg.p : "",
                                                          (int)r->msg.len));
    }
    const char *s = json_object_to_json_string_ext(j, JSON_C_TO_STRING_SPACED);
    char *out = s != NULL ? strdup(s) : NULL;
    json_object_put(j);
    return out;
}

int imf_rd_state_load(struct imf_rd *r, const char *text)
{
    struct json_object *j = json_tokener_parse(text);
    if (j == NULL || !json_object_is_type(j, json_type_object)) {
        json_object_put(j);
        return -1;
    }
    struct json_object *v;
    if (json_object_object_get_ex(j, "prev_was_nl", &v)) {
        r->prev_was_nl = json_object_get_int(v);
    }
    if (json_object_object_get_ex(j, "curr_offs", &v)) {
        r->curr_offs = json_object_get_int64(v);
    }
    if (json_object_object_get_ex(j, "strt_offs", &v)) {
        r->strt_offs = json_object_get_int64(v);
    }
    if (r->curr_offs < 0) {
        r->curr_offs = 0;
    }
    r->strt_offs = r->curr_offs;   /* rsyslog's seek to curr_offs sets both */
    r->line.len = 0;
    r->have_msg = 0;
    if (json_object_object_get_ex(j, "prev_line_segment", &v) && v != NULL) {
        db_set(&r->line, json_object_get_string(v), (size_t)json_object_get_string_len(v));
    }
    if (json_object_object_get_ex(j, "prev_msg_segment", &v) && v != NULL) {
        db_set(&r->msg, json_object_get_string(v), (size_t)json_object_get_string_len(v));
        r->have_msg = 1;
    }
    json_object_put(j);
    return 0;
}

/* ---- SipHash-2-4 (Aumasson & Bernstein), 64-bit output, as rsyslog's file id ----------- */
#define ROTL(x, b) (uint64_t)(((x) << (b)) | ((x) >> (64 - (b))))
#define SIPROUND                                                                       \
    do {                                                                               \
        v0 += v1; v1 = ROTL(v1, 13); v1 ^= v0; v0 = ROTL(v0, 32);                      \
        v2 += v3; v3 = ROTL(v3, 16); v3 ^= v2;                                         \
        v0 += v3; v3 = ROTL(v3, 21); v3 ^= v0;                                         \
        v2 += v1; v1 = ROTL(v1, 17); v1 ^= v2; v2 = ROTL(v2, 32);                      \
    } while (0)

static uint64_t le64(const unsigned char *p)
{
    uint64_t v = 0;
    for (int i = 7; i >= 0; i--) {
        v = (v << 8) | p[i];
    }
    return v;
}

void imf_file_id(const unsigned char *data, size_t len, char *out)
{
    unsigned char key[16];
    for (int i = 0; i < 16; i++) {
        key[i] = (unsigned char)i;
    }
    uint64_t k0 = le64(key), k1 = le64(key + 8);
    uint64_t v0 = 0x736f6d6570736575ULL ^ k0, v1 = 0x646f72616e646f6dULL ^ k1;
    uint64_t v2 = 0x6c7967656e657261ULL ^ k0, v3 = 0x7465646279746573ULL ^ k1;
    size_t full = len - len % 8;
    for (size_t i = 0; i < full; i += 8) {
        uint64_t m = le64(data + i);
        v3 ^= m;
        SIPROUND;
        SIPROUND;
        v0 ^= m;
    }
    uint64_t b = (uint64_t)len << 56;
    for (size_t i = 0; i < len % 8; i++) {
        b |= (uint64_t)data[full + i] << (8 * i);
    }
    v3 ^= b;
    SIPROUND;
    SIPROUND;
    v0 ^= b;
    v2 ^= 0xff;
    SIPROUND;
    SIPROUND;
    SIPROUND;
    SIPROUND;
    uint64_t h = v0 ^ v1 ^ v2 ^ v3;
    for (int i = 0; i < 8; i++) {
        snprintf(out + 2 * i, 3, "%02x", (unsigned)((h >> (8 * i)) & 0xff));
    }
}
