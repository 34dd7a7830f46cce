/*
 * fuzz_framing.c - fuzz target: imtcp's TCP framing (plugins/imtcp/framing.c: LF and
 * octet-counted frames, AddtlFrameDelimiter, truncation, discardTruncatedMsg, the Cisco
 * ASA space fix).  Besides crashes it checks that framing does not depend on how the
 * stream was cut into reads: the frames and events from one feed of the whole stream, from
 * a feed per byte (every boundary at once) and from reads of a size taken from the input
 * must be identical.  A difference aborts.
 *
 * Input: byte 0 options (bit 0 octet counting off, 1 LF delimiter off, 2 NUL as additional
 * delimiter, 3 discardTruncatedMsg, 4 the ASA fix, 5-7 max message size 16 << k bytes),
 * byte 1 the chunk size for the third feed (1..256), the rest is the stream.
 *
 * Built with -DFUZZ_IMPTCP (the target fuzz_ptcp), byte 2 adds imptcp's framing options
 * (bit 0 multiLine, bit 1 framing.delimiter.regex "^<[0-9]+>", as rsyslog's imptcp docs
 * use it) and the stream starts at byte 3.  multiLine depends on read boundaries by
 * definition (a delimiter ends a frame only as the last byte of a read or before '<'), so
 * with it only the sanitizers and the frame size bound are checked; the regex framing
 * goes byte by byte and must not depend on them.  Every frame is at most max_msg bytes.
 *
 * Built with -DFUZZ_IMPTCP -DFUZZ_INFLATE (the target fuzz_inflate, with zlib), the stream
 * is imptcp's compression.mode="stream:always" input: zlib stream(s) given to
 * plugins/imtcp/ptcp_inflate.c, which inflates in 64 KiB chunks into the framing.  The
 * first INFLATE_CAP inflated bytes are framed (the feed then stops the session, as a
 * closed connection would; the cap keeps a zip bomb's run short while still crossing
 * several chunks).  The three feeds above go through ptcp_inflate; a fourth, the
 * reference, inflates the whole input with zlib directly and frames the result in one
 * piece.  All four must give the same frames, events and end state (stopped at the cap,
 * corrupt stream, or waiting for more).
 *
 * Ownership: each run's record buffer (and session, inflate state) is freed per input.
 * Concurrency & locking: none.
 */
#include "config.h"

#include <regex.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "framing.h"
#include "util/buf.h"
#ifdef FUZZ_INFLATE
#include <zlib.h>

#include "imtcp_int.h"
#endif

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static size_t frame_max;   /* the running input's max_msg: no frame may be longer */

static int on_frame(void *arg, const char *p, size_t n)
{
    struct sl_buf *b = arg;
    if (n > frame_max) {
        abort();
    }
    char hdr[32];
    int l = snprintf(hdr, sizeof hdr, "F%zu:", n);
    if (sl_buf_append(b, hdr, (size_t)l) != 0 || sl_buf_append(b, p, n) != 0) {
        abort();
    }
    return 0;
}

static void on_event(void *arg, enum sl_framing_event ev, int64_t v)
{
    struct sl_buf *b = arg;
    char hdr[48];
    int l = snprintf(hdr, sizeof hdr, "E%d:%lld;", (int)ev, (long long)v);
    if (sl_buf_append(b, hdr, (size_t)l) != 0) {
        abort();
    }
}

static void run(const struct sl_framing_cfg *cfg, const uint8_t *p, size_t n, size_t chunk,
                struct sl_buf *out)
{
    struct sl_framing f;
    sl_framing_init(&f, cfg, on_frame, on_event, out);
    for (size_t off = 0; off < n; off += chunk) {
        size_t k = n - off < chunk ? n - off : chunk;
        if (sl_framing_feed(&f, (const char *)p + off, k) != 0) {
            abort();
        }
    }
#ifndef FUZZ_IMPTCP   /* imptcp drops a partial frame at the end of a connection */
    if (sl_framing_close(&f) != 0) {
        abort();
    }
#endif
    sl_framing_free(&f);
}

#ifdef FUZZ_INFLATE
#define INFLATE_CAP (256u * 1024)   /* inflated bytes framed per run: 4 of ptcp's chunks */

static size_t inflated;             /* inflated bytes framed so far in this run */

/* ptcp_inflate's feed: frames the first INFLATE_CAP bytes, then stops the session (1). */
static int feed_capped(struct sess *s, const char *p, size_t len)
{
    size_t k = len < INFLATE_CAP - inflated ? len : INFLATE_CAP - inflated;
    if (k > 0 && sl_framing_feed(&s->fr, p, k) != 0) {
        abort();
    }
    inflated += k;
    return inflated >= INFLATE_CAP;
}

static void put_status(struct sl_buf *out, int rc)
{
    char st[32];
    int l = snprintf(st, sizeof st, "Z%d;", rc);
    if (sl_buf_append(out, st, (size_t)l) != 0) {
        abort();
    }
}

/* p[0..n) given to ptcp_inflate in reads of chunk bytes, as imptcp's session does. */
static void run_inflate(const struct sl_framing_cfg *cfg, const uint8_t *p, size_t n,
                        size_t chunk, struct sl_buf *out)
{
    struct sess s;
    memset(&s, 0, sizeof s);
    sl_framing_init(&s.fr, cfg, on_frame, on_event, out);
    inflated = 0;
    int rc = 0;
    for (size_t off = 0; off < n && rc == 0; off += chunk) {
        size_t k = n - off < chunk ? n - off : chunk;
        rc = ptcp_inflate(&s, (const char *)p + off, k, feed_capped);
    }
    ptcp_inflate_free(&s);
    sl_framing_free(&s.fr);
    put_status(out, rc);
}

/* The reference: p inflated in one go by zlib itself (concatenated streams, up to
 * INFLATE_CAP bytes), then framed in one feed. */
static void run_reference(const struct sl_framing_cfg *cfg, const uint8_t *p, size_t n,
                          struct sl_buf *out)
{
    static char raw[INFLATE_CAP];
    z_stream zs;
    memset(&zs, 0, sizeof zs);
    if (inflateInit(&zs) != Z_OK) {
        abort();
    }
    zs.next_in = (Bytef *)(uintptr_t)p;
    zs.avail_in = (uInt)n;
    zs.next_out = (Bytef *)raw;
    zs.avail_out = INFLATE_CAP;
    int rc = 0;
    while (zs.avail_in > 0 && zs.avail_out > 0) {
        int zr = inflate(&zs, Z_NO_FLUSH);
        if (zr == Z_STREAM_END) {
            if (inflateReset(&zs) != Z_OK) {
                abort();
            }
        } else if (zr != Z_OK) {
            rc = zr == Z_BUF_ERROR ? 0 : PTCP_ZBAD;
            break;
        }
    }
    size_t len = INFLATE_CAP - zs.avail_out;
    if (zs.avail_out == 0) {
        rc = 1;                     /* the cap: the session was stopped there */
    }
    inflateEnd(&zs);
    run(cfg, (const uint8_t *)raw, len, len ? len : 1, out);
    put_status(out, rc);
}
#endif

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 2) {
        return 0;
    }
    struct sl_framing_cfg cfg = {
        .max_msg = (size_t)16 << ((data[0] >> 5) & 7),
        .max_frame = 200000000,
        .octet_counting = !(data[0] & 1),
        .lf_delim = !(data[0] & 2),
        .addtl_delim = (data[0] & 4) ? 0 : -1,
        .discard_truncated = (data[0] & 8) != 0,
        .sp_framing_fix = (data[0] & 16) != 0,
    };
    size_t chunk = (size_t)data[1] + 1;
    const uint8_t *p = data + 2;
    size_t n = size - 2;
    int boundaries_matter = 0;
#ifdef FUZZ_IMPTCP
    static regex_t start_re;
    static int have_re;
    if (!have_re) {
        if (regcomp(&start_re, "^<[0-9]+>", REG_EXTENDED | REG_NOSUB) != 0) {
            abort();
        }
        have_re = 1;
    }
    if (size < 3) {
        return 0;
    }
    cfg.multiline = data[2] & 1;
    cfg.start_re = (data[2] & 2) ? &start_re : NULL;
    boundaries_matter = cfg.multiline && cfg.start_re == NULL;
    p++;
    n--;
#endif
    frame_max = cfg.max_msg;
    struct sl_buf whole = {0}, bytes = {0}, chunks = {0};
#ifdef FUZZ_INFLATE
    struct sl_buf ref = {0};
    run_reference(&cfg, p, n, &ref);
    run_inflate(&cfg, p, n, n ? n : 1, &whole);
    run_inflate(&cfg, p, n, 1, &bytes);
    run_inflate(&cfg, p, n, chunk, &chunks);
    if (!boundaries_matter &&
        (ref.len != whole.len || (ref.len > 0 && memcmp(ref.p, whole.p, ref.len) != 0))) {
        abort();        /* ptcp_inflate's output differs from zlib's one-shot inflation */
    }
    sl_buf_free(&ref);
#else
    run(&cfg, p, n, n ? n : 1, &whole);
    run(&cfg, p, n, 1, &bytes);
    run(&cfg, p, n, chunk, &chunks);
#endif
    if (boundaries_matter) {
        sl_buf_free(&whole);
        sl_buf_free(&bytes);
        sl_buf_free(&chunks);
        return 0;
    }
    if (whole.len != bytes.len || whole.len != chunks.len ||
        (whole.len > 0 && (memcmp(whole.p, bytes.p, whole.len) != 0 ||
                           memcmp(whole.p, chunks.p, whole.len) != 0))) {
        abort();        /* framing depends on read boundaries */
    }
    sl_buf_free(&whole);
    sl_buf_free(&bytes);
    sl_buf_free(&chunks);
    return 0;
}
