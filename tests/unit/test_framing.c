/*
 * test_framing.c - unit tests for plugins/imtcp/framing.c.
 *
 * Three layers: (1) fixed cases whose expected frames were taken from rsyslogd 8.2302
 * runs (imtcp, template "[%rawmsg%]"), (2) every input of a corpus fed with a split at every
 * byte boundary and byte by byte, compared with the one-shot result, and (3) random inputs
 * and random chunkings compared with a byte-at-a-time model of rsyslog's session state
 * machine written independently here.
 *
 * Ownership: each test owns its framing state and output buffers.  No shared state.
 */
#include "config.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../plugins/imtcp/framing.h"

/* ---- output capture: frames as "<len>:<bytes>|", events as "E<ev>=<value>;" ---- */
struct out {
    char *p;
    size_t len, cap;
    int stop_after;     /* >0: the frame callback returns 1 at that frame */
    int nframes;
};

static void out_add(struct out *o, const char *p, size_t n)
{
    if (o->len + n + 1 > o->cap) {
        o->cap = (o->len + n + 1) * 2;
        o->p = realloc(o->p, o->cap);
    }
    memcpy(o->p + o->len, p, n);
    o->len += n;
    o->p[o->len] = '\0';
}

static int on_frame(void *arg, const char *p, size_t n)
{
    struct out *o = arg;
    char hdr[32];
    int h = snprintf(hdr, sizeof hdr, "%zu:", n);
    out_add(o, hdr, (size_t)h);
    out_add(o, p, n);
    out_add(o, "|", 1);
    o->nframes++;
    return (o->stop_after > 0 && o->nframes == o->stop_after) ? 1 : 0;
}

static void on_event(void *arg, enum sl_framing_event ev, int64_t value)
{
    struct out *o = arg;
    char s[64];
    int h = snprintf(s, sizeof s, "E%d=%lld;", (int)ev, (long long)value);
    out_add(o, s, (size_t)h);
}

static struct sl_framing_cfg dflt_cfg(void)
{
    struct sl_framing_cfg c = { .max_msg = 8096, .max_frame = 200000, .octet_counting = 1,
                                .lf_delim = 1, .addtl_delim = -1 };
    return c;
}

/* Feed data in chunks given by cuts (sorted offsets), then close if asked. */
static void run_split(const struct sl_framing_cfg *cfg, const char *data, size_t n,
                      const size_t *cuts, size_t ncuts, int do_close, struct out *o)
{
    struct sl_framing f;
    sl_framing_init(&f, cfg, on_frame, on_event, o);
    size_t prev = 0;
    for (size_t i = 0; i <= ncuts; i++) {
        size_t end = i < ncuts ? cuts[i] : n;
        ck_assert_int_eq(sl_framing_feed(&f, data + prev, end - prev), 0);
        prev = end;
    }
    if (do_close) {
        ck_assert_int_eq(sl_framing_close(&f), 0);
        ck_assert(sl_framing_idle(&f));
    }
    sl_framing_free(&f);
}

static char *one_shot(const struct sl_framing_cfg *cfg, const char *data, size_t n, int do_close)
{
    struct out o = { 0 };
    out_add(&o, "", 0);
    run_split(cfg, data, n, NULL, 0, do_close, &o);
    return o.p;
}

/* Frames only (events stripped), for comparison with rsyslog's output; *rlen gets the
 * length (frames may hold NUL bytes). */
static char *frames_only(const struct out *o, size_t *rlen)
{
    char *r = calloc(1, o->len + 1);
    size_t k = 0, i = 0;
    while (i < o->len) {
        if (o->p[i] == 'E') {
            i = (size_t)(strchr(o->p + i, ';') - o->p) + 1;
            continue;
        }
        char *end;
        unsigned long len = strtoul(o->p + i, &end, 10);
        size_t whole = (size_t)(end - (o->p + i)) + 1 + len + 1;
        memcpy(r + k, o->p + i, whole);
        k += whole;
        i += whole;
    }
    *rlen = k;
    return r;
}

static void expect_frames_n(const struct sl_framing_cfg *cfg, const char *data, size_t n,
                            const char *want, size_t wantlen)
{
    struct out o = { 0 };
    out_add(&o, "", 0);
    run_split(cfg, data, n, NULL, 0, 1, &o);
    size_t flen;
    char *fr = frames_only(&o, &flen);
    ck_assert_msg(flen == wantlen && memcmp(fr, want, flen) == 0,
                  "input \"%.60s\": got \"%.200s\" want \"%.200s\"", data, fr, want);
    free(fr);
    free(o.p);
}

static void expect_frames(const struct sl_framing_cfg *cfg, const char *data, size_t n,
                          const char *want)
{
    expect_frames_n(cfg, data, n, want, strlen(want));
}

/* ---- (1) cases observed with rsyslogd 8.2302 ---- */
START_TEST(test_rsyslog_cases)
{
    struct sl_framing_cfg c = dflt_cfg();
    /* "123abc\n" then close: 'a' ends the count, the 123-octet frame is incomplete */
    expect_frames(&c, "123abc\n", 7, "");
    expect_frames(&c, "5 hello6 world!", 15, "5:hello|6:world!|");
    expect_frames(&c, "2147483648 hello\nnext\n", 22, "15:2147483648hello|4:next|");
    expect_frames(&c, "0 zero\n", 7, "4:zero|");
    expect_frames(&c, "00005 abcde", 11, "5:abcde|");
    expect_frames(&c, "300000 bigframe\nafter\n", 22, "14:300000bigframe|5:after|");
    expect_frames_n(&c, "a\0b\n", 4, "3:a\0b|", 6);
    expect_frames(&c, "partial-at-close", 16, "16:partial-at-close|");
    expect_frames(&c, "12 incompl", 10, "");
    expect_frames(&c, "\n\nempty-before\n", 15, "12:empty-before|");
    expect_frames(&c, "7 abc\ndefLFinside\n", 18, "7:abc\ndef|8:LFinside|");
    expect_frames(&c, " spacefirst\n", 12, "11: spacefirst|");
    expect_frames(&c, "5\nabcdefgh\n", 11, "5:abcde|3:fgh|");
    expect_frames(&c, "123", 3, "");
}
END_TEST

static char *repeat(char ch, size_t n)
{
    char *p = malloc(n + 1);
    memset(p, ch, n);
    p[n] = '\0';
    return p;
}

START_TEST(test_rsyslog_oversize)
{
    struct sl_framing_cfg c = dflt_cfg();
    char *in = malloc(20000), *want = malloc(20000);
    char *x8096 = repeat('x', 8096);
    /* "9000 " + 9000 x: 8096 x, one byte lost, 903 x */
    int n = sprintf(in, "9000 %s", x8096);
    memset(in + n, 'x', 904);
    n += 904;
    sprintf(want, "8096:%s|903:%.903s|", x8096, x8096);
    expect_frames(&c, in, (size_t)n, want);
    /* 9000 L + LF + "afterlong\n": 8096, 903, afterlong */
    memset(in, 'L', 9000);
    memcpy(in + 9000, "\nafterlong\n", 11);
    char *l8096 = repeat('L', 8096);
    sprintf(want, "8096:%s|903:%.903s|9:afterlong|", l8096, l8096);
    expect_frames(&c, in, 9011, want);
    /* discardTruncatedMsg: the rest of the frame is skipped */
    c.discard_truncated = 1;
    sprintf(want, "8096:%s|9:afterlong|", l8096);
    expect_frames(&c, in, 9011, want);
    n = sprintf(in, "9000 %s", x8096);
    memset(in + n, 'x', 904);
    n += 904;
    n += sprintf(in + n, "5 after");
    sprintf(want, "8096:%s|5:after|", x8096);
    expect_frames(&c, in, (size_t)n, want);
    /* counted frame of 10000 containing an LF, discard on: " after" is LF framed */
    n = sprintf(in, "10000 ");
    memset(in + n, 'y', 8200);
    n += 8200;
    in[n++] = '\n';
    memset(in + n, 'z', 1798);
    n += 1798;
    n += sprintf(in + n, "5 after");
    char *y8096 = repeat('y', 8096);
    sprintf(want, "8096:%s|6: after|", y8096);
    expect_frames(&c, in, (size_t)n, want);
    /* same without discard: 8096 y, 103 y + LF + 1798 z + "5", then " after" */
    c.discard_truncated = 0;
    char *z = repeat('z', 1798);
    sprintf(want, "8096:%s|1903:%.103s\n%s5|6: after|", y8096, y8096, z);
    expect_frames(&c, in, (size_t)n, want);
    free(z);
    free(y8096);
    free(l8096);
    free(x8096);
    free(in);
    free(want);
}
END_TEST

START_TEST(test_events)
{
    struct sl_framing_cfg c = dflt_cfg();
    char *got = one_shot(&c, "2147483648 hello\n", 17, 1);
    ck_assert_str_eq(got, "E3=214748364;E4=214748364;15:2147483648hello|");
    free(got);
    got = one_shot(&c, "123abc", 6, 1);
    ck_assert_str_eq(got, "E1=97;E5=121;");
    free(got);
    got = one_shot(&c, "0 x\n", 4, 1);
    ck_assert_str_eq(got, "E2=0;1:x|");
    free(got);
    got = one_shot(&c, "5\xff" "abcde", 7, 1);
    ck_assert_str_eq(got, "E1=-1;5:abcde|");
    free(got);
}
END_TEST

START_TEST(test_options)
{
    struct sl_framing_cfg c = dflt_cfg();
    c.octet_counting = 0;
    expect_frames(&c, "5 hello\n", 8, "7:5 hello|");
    c = dflt_cfg();
    c.lf_delim = 0;
    c.addtl_delim = 0;
    expect_frames(&c, "a\nb\0c\0\0", 7, "3:a\nb|1:c|");
    c = dflt_cfg();
    c.addtl_delim = '#';
    /* rsyslogd 8.2302 with AddtlFrameDelimiter="35": a, b, c / ab#de, zz */
    expect_frames(&c, "a#b\nc#", 6, "1:a|1:b|1:c|");
    expect_frames(&c, "5 ab#de#zz", 10, "5:ab#de|2:zz|");
    c = dflt_cfg();
    c.sp_framing_fix = 1;
    expect_frames(&c, "x\n y\n  5 abcde", 14, "1:x|1:y|5:abcde|");
    c = dflt_cfg();
    c.max_frame = 10;
    expect_frames(&c, "11 abc\n", 7, "5:11abc|");
    c.max_msg = 4;
    expect_frames(&c, "abcdefghij\n", 11, "4:abcd|4:fghi|");
    expect_frames(&c, "abcd\n", 5, "4:abcd|");
    expect_frames(&c, "4 abcd5 abcde", 13, "4:abcd|4:abcd|");
    /* digits longer than max_msg in an LF-switched frame are truncated too, and the 'x'
     * arriving on a full buffer is the byte lost at the cut */
    expect_frames(&c, "123456789012 x\n", 15, "4:1234|");
    expect_frames(&c, "123456789012 xy\n", 16, "4:1234|1:y|");
}
END_TEST

START_TEST(test_callback_stop)
{
    struct sl_framing_cfg c = dflt_cfg();
    struct out o = { .stop_after = 2 };
    struct sl_framing f;
    out_add(&o, "", 0);
    sl_framing_init(&f, &c, on_frame, NULL, &o);
    ck_assert_int_eq(sl_framing_feed(&f, "a\nb\nc\n", 6), 1);
    ck_assert_str_eq(o.p, "1:a|1:b|");
    sl_framing_free(&f);
    free(o.p);
}
END_TEST

/* ---- (2) every split point and byte by byte ---- */
static const char *const corpus[] = {
    "123abc\nxyz\n", "5 hello6 world!", "2147483648 hello\nnext\n", "0 zero\n",
    "00005 abcde", "300000 bigframe\nafter\n", "partial", "12 incompl", "\n\nempty\n",
    "7 abc\ndefLF\n", " sp\n", "5\nabcdefgh\n", "123", "abcdefghijklmnop\nqrstuvwxyz0123\n",
    "20 aaaaaaaaaaaaaaaaaaaa3 bbb\n", "9 abcdefghi", "x", "1 a1 b1 c",
};

static void check_splits(const struct sl_framing_cfg *cfg, const char *data, size_t n)
{
    char *ref = one_shot(cfg, data, n, 1);
    for (size_t cut = 1; cut < n; cut++) {
        struct out o = { 0 };
        out_add(&o, "", 0);
        run_split(cfg, data, n, &cut, 1, 1, &o);
        ck_assert_msg(strcmp(o.p, ref) == 0, "split at %zu of \"%s\": %s vs %s", cut, data, o.p,
                      ref);
        free(o.p);
    }
    size_t *cuts = malloc(n * sizeof *cuts);
    for (size_t i = 0; i + 1 < n; i++) {
        cuts[i] = i + 1;
    }
    struct out o = { 0 };
    out_add(&o, "", 0);
    run_split(cfg, data, n, cuts, n > 0 ? n - 1 : 0, 1, &o);
    ck_assert_str_eq(o.p, ref);
    free(o.p);
    free(cuts);
    free(ref);
}

START_TEST(test_all_splits)
{
    struct sl_framing_cfg cfgs[4];
    cfgs[0] = dflt_cfg();
    cfgs[1] = dflt_cfg();
    cfgs[1].max_msg = 5;            /* forces splits everywhere */
    cfgs[2] = cfgs[1];
    cfgs[2].discard_truncated = 1;
    cfgs[3] = dflt_cfg();
    cfgs[3].max_frame = 10;
    cfgs[3].addtl_delim = 'b';
    for (size_t k = 0; k < 4; k++) {
        for (size_t i = 0; i < sizeof corpus / sizeof corpus[0]; i++) {
            check_splits(&cfgs[k], corpus[i], strlen(corpus[i]));
        }
    }
}
END_TEST

/* ---- (3) a byte-wise model of rsyslog's tcps_sess state machine ---- */
enum { M_START, M_COUNT, M_MSG, M_TRUNC };
struct model {
    const struct sl_framing_cfg *cfg;
    char buf[64];
    size_t len;
    int64_t remain;
    int state, octet;
    struct out *o;
};

static void m_submit(struct model *m)
{
    if (m->len > 0) {
        on_frame(m->o, m->buf, m->len);
    }
    m->len = 0;
}

static int m_delim(const struct model *m, char c)
{
    return (c == '\n' && m->cfg->lf_delim) ||
           (m->cfg->addtl_delim >= 0 && (unsigned char)c == m->cfg->addtl_delim);
}

static void m_byte(struct model *m, char c)
{
    const struct sl_framing_cfg *cfg = m->cfg;
    if (m->state == M_START) {
        if (cfg->octet_counting && c >= '0' && c <= '9') {
            m->state = M_COUNT;
            m->remain = 0;
            m->octet = 1;
        } else if (cfg->sp_framing_fix && c == ' ') {
            return;
        } else {
            m->state = M_MSG;
            m->octet = 0;
        }
    }
    if (m->state == M_MSG) {
        if (m_delim(m, c) && !m->octet) {
            m_submit(m);
            m->state = M_START;
        } else if (m->len < cfg->max_msg) {
            m->buf[m->len++] = c;
        } else {
            on_event(m->o, SL_FRAMING_EV_SPLIT, (int64_t)cfg->max_msg);
            m_submit(m);
            if (cfg->discard_truncated) {
                if (m->octet) {
                    m->remain--;
                    if (m->remain == 0) {
                        m->state = M_START;
                        return;
                    }
                }
                m->state = M_TRUNC;
                return;
            }
        }
        if (m->octet) {
            m->remain--;
            if (m->remain < 1) {
                m_submit(m);
                m->state = M_START;
            }
        }
    } else if (m->state == M_TRUNC) {
        if (m->octet) {
            m->remain--;
            if (m->remain < 1) {
                m->state = M_START;
            }
        } else if (m_delim(m, c)) {
            m->state = M_START;
        }
    } else {
        if (c >= '0' && c <= '9') {
            if (m->remain <= 200000000) {
                m->remain = m->remain * 10 + c - '0';
            }
            if (m->len < cfg->max_msg) {
                m->buf[m->len++] = c;
            }
        } else {
            if (c != ' ') {
                on_event(m->o, SL_FRAMING_EV_BAD_DELIM, (int64_t)(signed char)c);
            }
            if (m->remain < 1) {
                on_event(m->o, SL_FRAMING_EV_BAD_COUNT, m->remain);
                m->octet = 0;
            } else if (m->remain > (int64_t)cfg->max_msg) {
                on_event(m->o, SL_FRAMING_EV_OVERSIZE, m->remain);
            }
            if (m->remain > cfg->max_frame) {
                on_event(m->o, SL_FRAMING_EV_FRAME_TOO_LARGE, m->remain);
                m->octet = 0;
            } else {
                m->len = 0;
            }
            m->state = M_MSG;
        }
    }
}

static void m_close(struct model *m)
{
    if (m->state != M_START) {
        if (m->octet) {
            on_event(m->o, SL_FRAMING_EV_INCOMPLETE, m->remain);
        } else {
            m_submit(m);
        }
    }
}

START_TEST(test_random_vs_model)
{
    static const char alphabet[] = "0123456789  \n\nab#x";
    unsigned seed = 12345;
    char data[200];
    size_t cuts[200];
    for (int iter = 0; iter < 20000; iter++) {
        struct sl_framing_cfg cfg = dflt_cfg();
        cfg.max_msg = 1 + (size_t)(rand_r(&seed) % 12);
        cfg.max_frame = rand_r(&seed) % 30;
        cfg.octet_counting = rand_r(&seed) % 4 != 0;
        cfg.lf_delim = rand_r(&seed) % 4 != 0;
        cfg.addtl_delim = rand_r(&seed) % 3 == 0 ? '#' : -1;
        cfg.discard_truncated = rand_r(&seed) % 2;
        cfg.sp_framing_fix = rand_r(&seed) % 4 == 0;
        size_t n = (size_t)(rand_r(&seed) % sizeof data);
        for (size_t i = 0; i < n; i++) {
            data[i] = alphabet[rand_r(&seed) % (sizeof alphabet - 1)];
        }
        size_t ncuts = 0;
        for (size_t i = 1; i < n; i++) {
            if (rand_r(&seed) % 5 == 0) {
                cuts[ncuts++] = i;
            }
        }
        struct out mo = { 0 }, io = { 0 };
        out_add(&mo, "", 0);
        out_add(&io, "", 0);
        struct model m = { .cfg = &cfg, .o = &mo, .state = M_START };
        for (size_t i = 0; i < n; i++) {
            m_byte(&m, data[i]);
        }
        m_close(&m);
        run_split(&cfg, data, n, cuts, ncuts, 1, &io);
        ck_assert_msg(strcmp(mo.p, io.p) == 0, "iter %d input \"%.*s\": model %s impl %s", iter,
                      (int)n, data, mo.p, io.p);
        free(mo.p);
        free(io.p);
    }
}
END_TEST

START_TEST(test_big_line)
{
    /* 1 MiB line: cut into max_msg pieces, one byte lost at each cut */
    struct sl_framing_cfg c = dflt_cfg();
    size_t n = 1u << 20;
    char *in = malloc(n + 1);
    memset(in, 'q', n);
    in[n] = '\n';
    struct out o = { 0 };
    out_add(&o, "", 0);
    size_t cuts[64];
    for (size_t i = 0; i < 64; i++) {
        cuts[i] = (i + 1) * 16381;
    }
    run_split(&c, in, n + 1, cuts, 64, 1, &o);
    /* 1048576 = k * 8097 + r, frames of 8096 and a last one of r bytes */
    size_t full = n / 8097, rest = n % 8097;
    ck_assert_int_eq(o.nframes, (int)(full + (rest > 0)));
    free(o.p);
    free(in);
}
END_TEST

static Suite *framing_suite(void)
{
    Suite *s = suite_create("framing");
    TCase *tc = tcase_create("core");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_rsyslog_cases);
    tcase_add_test(tc, test_rsyslog_oversize);
    tcase_add_test(tc, test_events);
    tcase_add_test(tc, test_options);
    tcase_add_test(tc, test_callback_stop);
    tcase_add_test(tc, test_all_splits);
    tcase_add_test(tc, test_random_vs_model);
    tcase_add_test(tc, test_big_line);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(framing_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
