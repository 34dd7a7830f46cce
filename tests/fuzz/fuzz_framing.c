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
 * Ownership: each run's record buffer is freed per input.  Concurrency & locking: none.
 */
#include "config.h"

#include <regex.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "framing.h"
#include "util/buf.h"

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
    run(&cfg, p, n, n ? n : 1, &whole);
    run(&cfg, p, n, 1, &bytes);
    run(&cfg, p, n, chunk, &chunks);
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
