/*
 * framing.h - syslog-over-TCP frame extraction (RFC 6587 octet counting and LF / "octet
 * stuffing" framing), byte-for-byte compatible with rsyslog 8.2302's imtcp session state
 * machine.  Pure code: no sockets, no host; the caller feeds bytes and receives frames and
 * framing events through callbacks.
 *
 * Behaviour (verified against rsyslogd 8.2302, see tests/unit/test_framing.c):
 *   - Framing is decided per frame from its first byte: a digit (when octet counting is
 *     supported) starts an octet count, anything else an LF-delimited frame.  With
 *     sp_framing_fix (framingfix.cisco.asa) a space at a frame start is skipped.
 *   - The count is accumulated while it is <= 200000000 (further digits are ignored, so
 *     "2147483648" counts 214748364); the digits are also kept in the frame buffer.  The
 *     byte ending the count is consumed whatever it is (an event is raised unless it is a
 *     space).  A count < 1 switches the frame to LF mode, digits dropped; a count larger
 *     than max_frame switches it to LF mode and KEEPS the digits ("300000 x" -> "300000x").
 *   - A frame reaching max_msg bytes is emitted when one more content byte arrives; that
 *     byte is lost.  Without discard_truncated the rest becomes a new frame, with it the rest
 *     of the frame (by count or up to the delimiter) is skipped.
 *   - Empty frames are never emitted.
 *   - At an orderly close (sl_framing_close) a partial LF frame is emitted, a partial
 *     octet-counted one is dropped with SL_FRAMING_EV_INCOMPLETE.
 *   - imptcp's multiLine: an LF (or the additional delimiter) ends an LF frame only if it
 *     is the last byte of the data fed in one call or the next byte is '<'; else it is
 *     part of the frame.  imptcp's framing.delimiter.regex: see framing.c.
 *
 * Ownership: struct sl_framing owns its buffer (allocated lazily on the first partial
 * frame, max_msg bytes, kept until sl_framing_free).  Frame pointers passed to the callback
 * are valid only during the call (they point into the caller's data or into the buffer).
 *
 * Concurrency & locking: none; one sl_framing belongs to one connection, used by one thread.
 */
#ifndef SLUICE_IMTCP_FRAMING_H
#define SLUICE_IMTCP_FRAMING_H

#include <stddef.h>
#include <stdint.h>

struct sl_framing_cfg {
    size_t max_msg;         /* global maxMessageSize (rsyslog's iMaxLine), >= 1 */
    int64_t max_frame;      /* maxFrameSize */
    int octet_counting;     /* supportOctetCountedFraming */
    int lf_delim;           /* !DisableLFDelimiter */
    int addtl_delim;        /* AddtlFrameDelimiter: byte value 0..255, or -1 for none */
    int discard_truncated;  /* discardTruncatedMsg */
    int sp_framing_fix;     /* framingfix.cisco.asa */
    /* imptcp only (rsyslog 8.2302's imptcp, see framing.c): */
    int multiline;          /* multiLine: a delimiter ends the frame only when it is the
                             * last byte of the data fed at once or the next byte is '<' */
    const void *start_re;   /* framing.delimiter.regex, a compiled regex_t (NULL: none):
                             * frames start where a line matches it (replaces the above) */
};

enum sl_framing_event {
    SL_FRAMING_EV_BAD_DELIM = 1,   /* value: the byte that ended the count (not a space) */
    SL_FRAMING_EV_BAD_COUNT,       /* value: the count (< 1) */
    SL_FRAMING_EV_OVERSIZE,        /* value: the count (> max_msg): the frame is truncated */
    SL_FRAMING_EV_FRAME_TOO_LARGE, /* value: the count (> max_frame): switched to LF */
    SL_FRAMING_EV_INCOMPLETE,      /* partial octet-counted frame dropped at close */
    SL_FRAMING_EV_SPLIT            /* value: max_msg; a frame was cut at max_msg */
};

/* Called for each complete frame; a non-zero return stops sl_framing_feed() early. */
typedef int (*sl_framing_frame_fn)(void *arg, const char *p, size_t n);
typedef void (*sl_framing_event_fn)(void *arg, enum sl_framing_event ev, int64_t value);

struct sl_framing {
    const struct sl_framing_cfg *cfg; /* not owned; must outlive the framing state */
    sl_framing_frame_fn on_frame;
    sl_framing_event_fn on_event;     /* may be NULL */
    void *arg;
    char *buf;              /* cfg->max_msg bytes, allocated on demand */
    size_t len;             /* bytes in buf */
    int64_t remain;         /* octets left in the current counted frame */
    int state;              /* internal */
    int octet;              /* current frame is octet-counted */
    size_t cur_line;        /* regex framing: where the current line starts in buf */
    char *save;             /* regex framing: the matching line, moved to the next frame */
};

void sl_framing_init(struct sl_framing *f, const struct sl_framing_cfg *cfg,
                     sl_framing_frame_fn on_frame, sl_framing_event_fn on_event, void *arg);
/* Feed n bytes.  Returns 0, SL_ENOMEM (-2) if the buffer cannot be allocated, or the
 * callback's non-zero value (the remaining bytes are then not consumed: the caller is
 * expected to drop the connection). */
int sl_framing_feed(struct sl_framing *f, const char *data, size_t n);
/* Orderly end of stream: emit or drop the partial frame, reset to the frame start. */
int sl_framing_close(struct sl_framing *f);
/* 1 if no partial frame is pending. */
int sl_framing_idle(const struct sl_framing *f);
void sl_framing_free(struct sl_framing *f);

#endif
