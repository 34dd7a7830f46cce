/*
 * reader.h - imfile's message framing: bytes of a monitored file in, messages out, with the
 * framing rules of rsyslog 8.2302's stream reader (runtime/stream.c strmReadLine and
 * strmReadMultiLine) and its resumable state (offsets, the unfinished line and message),
 * which is what goes into the state file.  See reader.c for the rules.
 *
 * Ownership: a struct imf_rd owns its buffers (imf_rd_free).  The regexes belong to the
 * caller (compiled once per input instance).
 * Concurrency & locking: none; one reader is used by one thread (the input's).
 */
#ifndef SLUICE_IMFILE_READER_H
#define SLUICE_IMFILE_READER_H

#include <regex.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

struct imf_dbuf {
    char *p;
    size_t len, cap;
};

/* A line (or readMode 1/2 text) still without its end is sent as it is once it reaches this
 * many bytes (rsyslog has no limit: memory would grow with a file without line ends). */
#define IMF_MAX_LINE (16u << 20)

struct imf_rd_conf {
    int mode;                   /* readMode 0 (lines), 1 (paragraphs), 2 (indented) */
    const regex_t *start_re;    /* startmsg.regex or NULL */
    const regex_t *end_re;      /* endmsg.regex or NULL */
    int escape_lf;              /* escapeLF */
    const char *esc;            /* escapeLF.replacement, NULL: the mode's default */
    uint64_t trim;              /* trimLineOverBytes, 0: off */
    int discard_truncated;      /* discardTruncatedMsg */
    size_t max_msg;             /* global maxMessageSize (multi-line assembly limit) */
    int64_t read_timeout;       /* readTimeout, seconds (regex modes) */
};

/* A message is ready: s[0..len) (may be empty: the caller skips empty ones, as rsyslog),
 * offset where it began (rsyslog's fileoffset).  Return non-zero to make imf_rd_feed
 * stop after the current unit (a batch is full). */
typedef int (*imf_emit_fn)(void *arg, const char *s, size_t len, int64_t offset);
/* Called when a message is longer than max_msg (msgDiscardingError). */
typedef void (*imf_toolong_fn)(void *arg, int discarding);

struct imf_rd {
    const struct imf_rd_conf *c;
    int64_t curr_offs;          /* bytes consumed */
    int64_t strt_offs;          /* where the next message begins */
    int prev_was_nl;
    int pend;                   /* rsyslog's flag update after its read-ahead: -1 none */
    struct imf_dbuf line;       /* rsyslog's prev_line_segment: the unfinished line / text */
    struct imf_dbuf msg;        /* prev_msg_segment (regex modes) */
    int have_msg;
    int ignoring;               /* discardTruncatedMsg: skipping the rest of a message */
    time_t last_read;
};

void imf_rd_init(struct imf_rd *r, const struct imf_rd_conf *c);
void imf_rd_free(struct imf_rd *r);
/* Feed p[0..n) (the bytes at r->curr_offs of the file).  Returns how many bytes were
 * consumed: n, or fewer when emit asked to stop. */
size_t imf_rd_feed(struct imf_rd *r, const char *p, size_t n, time_t now, imf_emit_fn emit,
                   imf_toolong_fn toolong, void *arg);
/* The file has no more data now (a read returned 0): rsyslog's stream loses the flag
 * update it would have made after reading the next character. */
void imf_rd_eof(struct imf_rd *r);
/* readTimeout: emits the pending multi-line message if nothing was read for longer than
 * read_timeout.  Returns 1 if one was emitted. */
int imf_rd_timeout(struct imf_rd *r, time_t now, imf_emit_fn emit, void *arg);

/* State as rsyslog 8.2302 writes it: {"filename", "prev_was_nl", "curr_offs", "strt_offs",
 * ["prev_line_segment"], ["prev_msg_segment"]}, libfastjson's spaced form.  malloc'd. */
char *imf_rd_state_json(const struct imf_rd *r, const char *filename);
/* Restore from such a text; 0, or -1 if it is not a state object. */
int imf_rd_state_load(struct imf_rd *r, const char *json);

/* rsyslog's file id: SipHash-2-4 (key 00..0f, 8-byte output) of the first 512 bytes, as
 * 16 hex digits; out must hold 17 bytes. */
void imf_file_id(const unsigned char *data, size_t len, char *out);

#endif
