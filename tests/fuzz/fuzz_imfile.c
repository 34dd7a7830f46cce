/*
 * fuzz_imfile.c - libFuzzer target for what imfile reads back from disk: a state file
 * (rsyslog's JSON: offsets, the unfinished line and message; imf_rd_state_load) and then
 * the bytes of the monitored file from the state's offset on, framed into messages by
 * plugins/imfile/reader.c (readMode 0/1/2, startmsg/endmsg.regex, escapeLF and its
 * replacement, trimLineOverBytes, maxMessageSize, discardTruncatedMsg, readTimeout).
 * Both come from outside the daemon: the log file from whatever writes it, the state file
 * from an earlier run, rsyslogd or a damaged disk.
 *
 * Input: byte 0 chooses the reader settings, byte 1 the read size of the second pass and
 * the regexes, byte 2 the options (bit 0: the rest begins with a state text ended by a NUL;
 * bit 1: the batch is "full" after every second message, so the reader stops and is fed
 * the rest again, as imfile's read_file() does); the rest is the file.  As imfile does,
 * a state that does not load leaves a fresh reader, and an offset past the end of the file
 * reads nothing (pread at that offset finds no data).
 * Invariants checked (abort on failure):
 *   - the messages, their offsets and the final offsets do not depend on how the file was
 *     cut into reads (all at once, or chunks of 1..64 bytes), stops included;
 *   - the reader consumes every byte: the end offset is the start offset plus the bytes
 *     fed, and a feed that consumes nothing without a stop is a hang (imfile would spin);
 *   - every message offset lies between the start and the end offset;
 *   - a state written, loaded and written again is a fixed point (the second write equals
 *     the third), so a restart does not drift;
 *   - the file id (SipHash of the first 512 bytes) is 16 hex digits.
 *
 * Ownership: the two regexes are compiled once and kept; every reader and record buffer is
 * per input and freed before returning.  Concurrency & locking: none (one thread).
 */
#include "config.h"

#include <regex.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzzseed.h"
#include "reader.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int fuzz_write_seeds(const char *dir);

#define T0 1000   /* the time of every read; readTimeout is checked at T0 + 6 */

static regex_t start_re, end_re;
static int have_re;

/* What one pass saw: per message its offset, length and bytes, appended to rec. */
struct pass {
    char *rec;
    size_t len, cap;
    size_t nmsg;
    int stop_every2;
    int64_t lo;   /* the start offset: no message may claim to begin before it */
};

static void rec_add(struct pass *ps, const void *p, size_t n)
{
    if (ps->len + n > ps->cap) {
        size_t cap = ps->cap ? ps->cap : 256;
        while (cap < ps->len + n) {
            cap *= 2;
        }
        ps->rec = realloc(ps->rec, cap);
        if (ps->rec == NULL) {
            abort();
        }
        ps->cap = cap;
    }
    memcpy(ps->rec + ps->len, p, n);
    ps->len += n;
}

static int on_msg(void *arg, const char *s, size_t len, int64_t offset)
{
    struct pass *ps = arg;
    if (offset < 0 || offset < ps->lo) {
        fprintf(stderr, "fuzz_imfile: message offset %lld before the start %lld\n",
                (long long)offset, (long long)ps->lo);
        abort();
    }
    uint64_t hdr[2] = { (uint64_t)offset, (uint64_t)len };
    rec_add(ps, hdr, sizeof hdr);
    rec_add(ps, s, len);
    ps->nmsg++;
    return ps->stop_every2 && ps->nmsg % 2 == 0;
}

static void on_toolong(void *arg, int discarding)
{
    struct pass *ps = arg;
    uint64_t mark[2] = { UINT64_MAX, (uint64_t)discarding };
    rec_add(ps, mark, sizeof mark);
}

/* Feed p[0..n) in reads of at most chunk bytes, re-feeding after each stop. */
static void feed_all(struct imf_rd *r, struct pass *ps, const char *p, size_t n, size_t chunk)
{
    size_t off = 0, rounds = 0;
    while (off < n) {
        size_t want = n - off < chunk ? n - off : chunk;
        size_t done = 0;
        while (done < want) {
            size_t k = imf_rd_feed(r, p + off + done, want - done, T0, on_msg, on_toolong, ps);
            if (k > want - done || ++rounds > 4 * n + 16) {
                fprintf(stderr, "fuzz_imfile: feed consumed %zu of %zu (round %zu)\n", k,
                        want - done, rounds);
                abort();
            }
            done += k;
        }
        off += want;
    }
}

/* One pass: a fresh reader, the state (if any), the file from the state's offset. */
static char *run_pass(const struct imf_rd_conf *c, const char *state, const char *file,
                      size_t n, size_t chunk, struct pass *ps, int64_t *end_offs)
{
    struct imf_rd r;
    imf_rd_init(&r, c);
    if (state != NULL && imf_rd_state_load(&r, state) != 0) {
        imf_rd_free(&r);
        imf_rd_init(&r, c);   /* imfile: "error reading state file", then a fresh start */
    }
    int64_t start = r.curr_offs;
    ps->lo = r.strt_offs < start ? r.strt_offs : start;
    if (start >= 0 && (uint64_t)start <= n) {
        feed_all(&r, ps, file + start, n - (size_t)start, chunk);
        if (r.curr_offs != (int64_t)n) {
            fprintf(stderr, "fuzz_imfile: end offset %lld, file %zu\n", (long long)r.curr_offs,
                    n);
            abort();
        }
    }
    imf_rd_eof(&r);
    imf_rd_timeout(&r, T0 + 6, on_msg, ps);
    *end_offs = r.curr_offs;
    char *js = imf_rd_state_json(&r, "/var/log/fuzz.log");
    imf_rd_free(&r);
    if (js == NULL) {
        abort();
    }
    return js;
}

/* Load js into a fresh reader and write it again. */
static char *reload(const struct imf_rd_conf *c, const char *js)
{
    struct imf_rd r;
    imf_rd_init(&r, c);
    if (imf_rd_state_load(&r, js) != 0) {
        fprintf(stderr, "fuzz_imfile: own state does not load: %s\n", js);
        abort();
    }
    char *out = imf_rd_state_json(&r, "/var/log/fuzz.log");
    imf_rd_free(&r);
    if (out == NULL) {
        abort();
    }
    return out;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char *const escs[] = { NULL, "", "|", "\\n" };
    if (!have_re) {
        if (regcomp(&start_re, "^[0-9]", REG_EXTENDED | REG_NOSUB) != 0 ||
            regcomp(&end_re, "END$", REG_EXTENDED | REG_NOSUB) != 0) {
            abort();
        }
        have_re = 1;
    }
    if (size < 3 || size > (1u << 20)) {
        return 0;
    }
    uint8_t b0 = data[0], b1 = data[1], b2 = data[2];
    struct imf_rd_conf c = {
        .mode = (b0 & 3) == 3 ? 0 : b0 & 3,
        .escape_lf = (b0 >> 2) & 1,
        .esc = escs[(b0 >> 3) & 3],
        .discard_truncated = (b0 >> 5) & 1,
        .trim = (b0 & 0x40) ? 5 : 0,
        .max_msg = (b0 & 0x80) ? 12 : 8096,
        .read_timeout = 5,
    };
    if ((b0 & 3) == 3) {   /* the regex modes: start, end or both */
        int which = (b1 >> 6) % 3;
        c.start_re = which != 1 ? &start_re : NULL;
        c.end_re = which != 0 ? &end_re : NULL;
    }
    size_t chunk = 1 + (b1 & 63);
    const char *p = (const char *)data + 3, *end = (const char *)data + size;
    char *state = NULL;
    if (b2 & 1) {
        const char *nul = memchr(p, '\0', (size_t)(end - p));
        if (nul == NULL) {
            return 0;
        }
        state = strndup(p, (size_t)(nul - p));
        p = nul + 1;
    }
    size_t n = (size_t)(end - p);

    char id[17];
    imf_file_id((const unsigned char *)p, n < 512 ? n : 512, id);
    if (strlen(id) != 16 || strspn(id, "0123456789abcdef") != 16) {
        abort();
    }

    struct pass a = { .stop_every2 = (b2 >> 1) & 1 }, b = { .stop_every2 = (b2 >> 1) & 1 };
    int64_t end_a, end_b;
    char *js_a = run_pass(&c, state, p, n, n ? n : 1, &a, &end_a);
    char *js_b = run_pass(&c, state, p, n, chunk, &b, &end_b);
    if (end_a != end_b || a.len != b.len || (a.len > 0 && memcmp(a.rec, b.rec, a.len) != 0) ||
        strcmp(js_a, js_b) != 0) {
        fprintf(stderr, "fuzz_imfile: reads of %zu bytes differ from one read: %zu vs %zu "
                "messages\n%s\n%s\n", chunk, a.nmsg, b.nmsg, js_a, js_b);
        abort();
    }
    char *js2 = reload(&c, js_a);
    char *js3 = reload(&c, js2);
    if (strcmp(js2, js3) != 0) {
        fprintf(stderr, "fuzz_imfile: state is not a fixed point:\n%s\n%s\n", js2, js3);
        abort();
    }
    free(js3);
    free(js2);
    free(js_b);
    free(js_a);
    free(a.rec);
    free(b.rec);
    free(state);
    return 0;
}

/* replay_imfile -w DIR: the seeds, from the reader cases of tests/plugins/test_imfile.c
 * (each under the settings it tests) and the state text test_framing writes. */
int fuzz_write_seeds(const char *dir)
{
    static const struct {
        const char *name;
        uint8_t b0, b1, b2;
        const char *state, *text;
    } seeds[] = {
        { "mode0", 0x04, 2, 0, NULL, "one\n\ntwo\nthr" },
        { "trim", 0x44, 3, 0, NULL, "abcdefgh\nabcd\n" },
        { "mode1-eof", 0x05, 1, 0, NULL, "p\n\nq\n\n" },
        { "mode1", 0x05, 2, 2, NULL, "a1\na2\n\nb1\n\n\nc1\n" },
        { "mode1-noescape", 0x01, 1, 0, NULL, "a1\na2\n\n" },
        { "mode2", 0x06, 1, 2, NULL, "e1\n  at x\n\tat y\ne2\ne3\n more\nlast\n" },
        { "mode2-noescape", 0x02, 4, 0, NULL, "e1\n x\ne2\n" },
        { "startmsg", 0x07, 5, 0, NULL, "1 first\n cont\n2 second\n3 third\n" },
        { "endmsg", 0x17, 0x43, 0, NULL, "a\nb END\nc END\nd\n" },
        { "startmsg-max", 0x87, 4, 0, NULL, "1 abc\ndefghijk\n2\n" },
        { "both-discard", 0xa7, 0x87, 2, NULL, "1 abcdefghijklmnop\nq END\n2 x\ny\n" },
        { "state", 0x04, 2, 1,
          "{ \"filename\": \"\\/x\", \"prev_was_nl\": 0, \"curr_offs\": 12, "
          "\"strt_offs\": 9, \"prev_line_segment\": \"thr\" }",
          "one\n\ntwo\nthree\nfour\n" },
        { "state-msg", 0x07, 3, 1,
          "{ \"filename\": \"\\/y\", \"prev_was_nl\": 1, \"curr_offs\": 4, "
          "\"strt_offs\": 0, \"prev_msg_segment\": \"1 first\" }",
          "xxxx cont\n2 second\n" },
    };
    for (size_t i = 0; i < sizeof seeds / sizeof seeds[0]; i++) {
        const uint8_t opt[3] = { seeds[i].b0, seeds[i].b1, seeds[i].b2 };
        if (fz_write_seed(dir, seeds[i].name, opt, 3, seeds[i].state, seeds[i].text) != 0) {
            return 1;
        }
    }
    return 0;
}
