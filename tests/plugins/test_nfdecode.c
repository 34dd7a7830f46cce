/*
 * test_nfdecode.c - unit tests of imnetflow's decoders (nf5.c, nf9.c, nfstate.c, nfie.c) as
 * pure functions: datagrams built here byte by byte (and three captured from softflowd,
 * nf_softflowd.h) go into a collector with a fixed clock; the flows' JSON in each naming
 * profile and the per-source counters are checked.
 *
 * Ownership: each test makes and frees its collector; captured flows are strdup'ed into a
 * fixed array.  Concurrency & locking: single-threaded (Check forks per test).
 */
#include "config.h"

#include <arpa/inet.h>
#include <check.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../plugins/imnetflow/nf.h"
#include "nf_softflowd.h"

/* ---- captured flows ---- */
#define MAXF 4096
static char *got[MAXF];
static size_t ngot;
static enum nf_profile prof = NF_PROFILE_NPROBE;

static void on_flow(void *arg, const struct nf_flow *fl)
{
    (void)arg;
    struct nf_jbuf b = { 0 };
    ck_assert_int_eq(nf_json(fl, prof, &b), 0);
    if (ngot < MAXF) {
        got[ngot++] = strdup(b.p);
    }
    nf_jbuf_free(&b);
}

static void reset_got(void)
{
    for (size_t i = 0; i < ngot; i++) {
        free(got[i]);
    }
    ngot = 0;
}

static struct nf_coll *coll(void)
{
    reset_got();
    prof = NF_PROFILE_NPROBE;
    struct nf_conf c;
    nf_conf_defaults(&c);
    struct nf_coll *cl = nf_coll_new(&c, on_flow, NULL, NULL);
    ck_assert_ptr_nonnull(cl);
    return cl;
}

static struct sockaddr_in peer(const char *a, int port)
{
    struct sockaddr_in s;
    memset(&s, 0, sizeof s);
    s.sin_family = AF_INET;
    s.sin_port = htons((uint16_t)port);
    inet_pton(AF_INET, a, &s.sin_addr);
    return s;
}

#define T0 1700000000000LL   /* ms */

static int feed(struct nf_coll *c, const char *from, int port, const void *buf, size_t len,
                int64_t now)
{
    struct sockaddr_in p = peer(from, port);
    return nf_decode(c, (struct sockaddr *)&p, sizeof p, buf, len, now);
}

/* ---- datagram builder ---- */
struct pk {
    uint8_t b[70000];
    size_t n;
    size_t set;
};

static void u8(struct pk *p, unsigned v) { p->b[p->n++] = (uint8_t)v; }
static void u16(struct pk *p, unsigned v) { u8(p, v >> 8); u8(p, v & 255); }
static void u32(struct pk *p, uint32_t v) { u16(p, v >> 16); u16(p, v & 0xFFFF); }
static void u64(struct pk *p, uint64_t v) { u32(p, (uint32_t)(v >> 32)); u32(p, (uint32_t)v); }
static void raw(struct pk *p, const void *d, size_t n) { memcpy(p->b + p->n, d, n); p->n += n; }
static void ip4(struct pk *p, const char *a) { uint8_t x[4]; inet_pton(AF_INET, a, x); raw(p, x, 4); }
static void ip6(struct pk *p, const char *a) { uint8_t x[16]; inet_pton(AF_INET6, a, x); raw(p, x, 16); }

static void ipfix_hdr(struct pk *p, uint32_t secs, uint32_t seq, uint32_t dom)
{
    p->n = 0;
    u16(p, 10); u16(p, 0); u32(p, secs); u32(p, seq); u32(p, dom);
}
static void ipfix_end(struct pk *p) { p->b[2] = (uint8_t)(p->n >> 8); p->b[3] = (uint8_t)p->n; }
static void v9_hdr(struct pk *p, uint32_t uptime, uint32_t secs, uint32_t seq, uint32_t src)
{
    p->n = 0;
    u16(p, 9); u16(p, 1); u32(p, uptime); u32(p, secs); u32(p, seq); u32(p, src);
}
static void set_begin(struct pk *p, unsigned id) { p->set = p->n; u16(p, id); u16(p, 0); }
static void set_end(struct pk *p)
{
    size_t l = p->n - p->set;
    p->b[p->set + 2] = (uint8_t)(l >> 8);
    p->b[p->set + 3] = (uint8_t)l;
}

/* v9 template 300: 8/4 12/4 7/2 11/2 4/1 1/4 2/4 22/4 21/4 */
static void v9_tmpl300(struct pk *p)
{
    set_begin(p, 0);
    u16(p, 300); u16(p, 9);
    u16(p, 8); u16(p, 4); u16(p, 12); u16(p, 4); u16(p, 7); u16(p, 2); u16(p, 11); u16(p, 2);
    u16(p, 4); u16(p, 1); u16(p, 1); u16(p, 4); u16(p, 2); u16(p, 4); u16(p, 22); u16(p, 4);
    u16(p, 21); u16(p, 4);
    set_end(p);
}
static void v9_rec300(struct pk *p, const char *src, unsigned sport, uint32_t bytes)
{
    ip4(p, src); ip4(p, "198.51.100.7"); u16(p, sport); u16(p, 443); u8(p, 6);
    u32(p, bytes); u32(p, 2); u32(p, 9000); u32(p, 9500);
}

/* ---- v5 ---- */

static void v5_pkt(struct pk *p, int count, uint32_t seq, uint16_t samp)
{
    p->n = 0;
    u16(p, 5); u16(p, (unsigned)count); u32(p, 10000); u32(p, 1700000010u); u32(p, 500000000u);
    u32(p, seq); u8(p, 1); u8(p, 2); u16(p, samp);
    for (int i = 0; i < count; i++) {
        ip4(p, "192.0.2.1"); ip4(p, "198.51.100.7"); ip4(p, "0.0.0.0");
        u16(p, 3); u16(p, 4); u32(p, 2); u32(p, 250); u32(p, 9000); u32(p, 9500);
        u16(p, 55378 + (unsigned)i); u16(p, 443); u8(p, 0); u8(p, 0x1b); u8(p, 6); u8(p, 0);
        u16(p, 0); u16(p, 0); u8(p, 24); u8(p, 16); u16(p, 0);
    }
}

START_TEST(t_v5_basic)
{
    struct nf_coll *c = coll();
    struct pk p;
    v5_pkt(&p, 2, 100, 0);
    ck_assert_int_eq(feed(c, "127.0.0.1", 9999, p.b, p.n, T0), 2);
    ck_assert_uint_eq(ngot, 2);
    /* first = 10:500 - (10000-9000) ms = 1700000009.500 */
    ck_assert_str_eq(got[0],
        "{\"8\":\"192.0.2.1\",\"12\":\"198.51.100.7\",\"15\":\"0.0.0.0\",\"10\":3,\"14\":4,"
        "\"2\":2,\"1\":250,\"22\":1700000009,\"21\":1700000010,\"7\":55378,\"11\":443,"
        "\"6\":27,\"4\":6,\"5\":0,\"16\":0,\"17\":0,\"9\":24,\"13\":16,"
        "\"152\":1700000009500,\"153\":1700000010000}");
    /* sequence: next expected 102; 105 means 3 flows lost; 50 a reset */
    v5_pkt(&p, 1, 102, 0);
    feed(c, "127.0.0.1", 9999, p.b, p.n, T0);
    v5_pkt(&p, 1, 106, 0);
    feed(c, "127.0.0.1", 9999, p.b, p.n, T0);
    v5_pkt(&p, 1, 50, 0);
    feed(c, "127.0.0.1", 9999, p.b, p.n, T0);
    ck_assert_uint_eq(nf_coll_counter(c, "127.0.0.1", 0x102, NFC_SEQ_LOST), 3);
    ck_assert_uint_eq(nf_coll_counter(c, "127.0.0.1", 0x102, NFC_SEQ_RESETS), 1);
    ck_assert_uint_eq(nf_coll_counter(c, "127.0.0.1", 0x102, NFC_FLOWS), 5);
    /* sampling interval in the header becomes the flow's rate */
    reset_got();
    v5_pkt(&p, 1, 51, 100);
    feed(c, "127.0.0.1", 9999, p.b, p.n, T0);
    ck_assert_ptr_nonnull(strstr(got[0], "\"34\":100}"));
    /* truncated: malformed, whole records still decoded */
    reset_got();
    v5_pkt(&p, 2, 52, 0);
    ck_assert_int_eq(feed(c, "127.0.0.1", 9999, p.b, p.n - 10, T0), NF_EMALFORMED);
    ck_assert_uint_eq(ngot, 1);
    ck_assert_int_eq(feed(c, "127.0.0.1", 9999, p.b, 23, T0), NF_EMALFORMED);
    nf_coll_free(c);
}
END_TEST

START_TEST(t_profiles)
{
    struct nf_coll *c = coll();
    struct pk p;
    v5_pkt(&p, 1, 1, 0);
    prof = NF_PROFILE_LABELS;
    feed(c, "127.0.0.1", 9999, p.b, p.n, T0);
    ck_assert_ptr_nonnull(strstr(got[0], "{\"IPV4_SRC_ADDR\":\"192.0.2.1\",\"IPV4_DST_ADDR\":"));
    ck_assert_ptr_nonnull(strstr(got[0], "\"IN_PKTS\":2,\"IN_BYTES\":250,\"FIRST_SWITCHED\":1700000009,"));
    ck_assert_ptr_nonnull(strstr(got[0], "\"L4_SRC_PORT\":55378,\"L4_DST_PORT\":443,"));
    ck_assert_ptr_nonnull(strstr(got[0], "\"PROTOCOL\":6,"));
    ck_assert_ptr_nonnull(strstr(got[0], "\"FLOW_START_MILLISECONDS\":1700000009500"));
    reset_got();
    prof = NF_PROFILE_IPFIX;
    feed(c, "127.0.0.1", 9999, p.b, p.n, T0);
    ck_assert_ptr_nonnull(strstr(got[0], "{\"sourceIPv4Address\":\"192.0.2.1\","));
    ck_assert_ptr_nonnull(strstr(got[0], "\"flowStartSysUpTime\":9000,\"flowEndSysUpTime\":9500,"));
    ck_assert_ptr_nonnull(strstr(got[0], "\"flowStartMilliseconds\":1700000009500,"));
    nf_coll_free(c);
}
END_TEST

/* ---- softflowd's own datagrams ---- */

START_TEST(t_softflowd)
{
    struct nf_coll *c = coll();
    ck_assert_int_eq(feed(c, "127.0.0.1", 1, sf_v5, sizeof sf_v5, T0), 4);
    ck_assert_ptr_nonnull(strstr(got[0], "\"8\":\"192.0.2.10\",\"12\":\"198.51.100.20\""));
    ck_assert_ptr_nonnull(strstr(got[0], "\"2\":8,\"1\":820,"));
    ck_assert_ptr_nonnull(strstr(got[0], "\"152\":1700000000000,\"153\":1700000000100"));
    reset_got();
    ck_assert_int_eq(feed(c, "127.0.0.1", 2, sf_v9, sizeof sf_v9, T0), 6); /* 5 + options */
    ck_assert_uint_eq(ngot, 5);
    ck_assert_ptr_nonnull(strstr(got[4], "\"27\":\"2001:db8::1\",\"28\":\"2001:db8::2\""));
    ck_assert_ptr_nonnull(strstr(got[4], "\"1\":340,\"2\":4,"));
    reset_got();
    ck_assert_int_eq(feed(c, "127.0.0.1", 3, sf_v10, sizeof sf_v10, T0), 6); /* 5 + options */
    ck_assert_uint_eq(ngot, 5);
    ck_assert_str_eq(got[0],
        "{\"8\":\"192.0.2.10\",\"12\":\"198.51.100.20\",\"152\":1700000000000,"
        "\"153\":1700000000100,\"1\":820,\"2\":8,\"10\":0,\"14\":0,\"61\":0,\"136\":3,"
        "\"7\":40000,\"11\":443,\"4\":6,\"6\":27,\"60\":4,\"5\":0,\"34\":1}");
    ck_assert_ptr_nonnull(strstr(got[3], "\"32\":2048,"));     /* ICMP type 8 code 0 */
    ck_assert_uint_eq(nf_coll_counter(c, "127.0.0.1", 0, NFC_OPTIONS), 2); /* v9 + IPFIX */
    ck_assert_uint_eq(nf_coll_counter(c, "127.0.0.1", 0, NFC_MALFORMED), 0);
    nf_coll_free(c);
}
END_TEST

/* ---- v9 template cases ---- */

START_TEST(t_v9_held_then_template)
{
    struct nf_coll *c = coll();
    struct pk p;
    v9_hdr(&p, 10000, 1700000010u, 1, 7);
    set_begin(&p, 300);
    v9_rec300(&p, "192.0.2.1", 1000, 100);
    v9_rec300(&p, "192.0.2.2", 1001, 200);
    set_end(&p);
    ck_assert_int_eq(feed(c, "127.0.0.1", 5000, p.b, p.n, T0), 0);
    ck_assert_uint_eq(ngot, 0);
    ck_assert_uint_eq(nf_coll_counter(c, "127.0.0.1", 7, NFC_NOTEMPLATE), 1);
    ck_assert_uint_gt(nf_coll_held_bytes(c), 0);
    /* the template arrives: held data decoded */
    v9_hdr(&p, 10100, 1700000010u, 2, 7);
    v9_tmpl300(&p);
    feed(c, "127.0.0.1", 5000, p.b, p.n, T0 + 100);
    ck_assert_uint_eq(ngot, 2);
    ck_assert_str_eq(got[1], "{\"8\":\"192.0.2.2\",\"12\":\"198.51.100.7\",\"7\":1001,\"11\":443,"
                             "\"4\":6,\"1\":200,\"2\":2,\"22\":1700000009,\"21\":1700000009,"
                             "\"152\":1700000009000,\"153\":1700000009500}");
    ck_assert_uint_eq(nf_coll_counter(c, "127.0.0.1", 7, NFC_HELD_DECODED), 1);
    ck_assert_uint_eq(nf_coll_held_bytes(c), 0);
    /* held data that never gets its template expires (counted) */
    v9_hdr(&p, 10000, 1700000010u, 3, 7);
    set_begin(&p, 301);
    v9_rec300(&p, "192.0.2.1", 1000, 100);
    set_end(&p);
    feed(c, "127.0.0.1", 5000, p.b, p.n, T0);
    nf_coll_tick(c, T0 + 59000);
    ck_assert_uint_eq(nf_coll_counter(c, "127.0.0.1", 7, NFC_HELD_EXPIRED), 0);
    nf_coll_tick(c, T0 + 61000);
    ck_assert_uint_eq(nf_coll_counter(c, "127.0.0.1", 7, NFC_HELD_EXPIRED), 1);
    ck_assert_uint_eq(nf_coll_held_bytes(c), 0);
    nf_coll_free(c);
}
END_TEST

START_TEST(t_v9_changed_and_two_exporters)
{
    struct nf_coll *c = coll();
    struct pk p;
    v9_hdr(&p, 10000, 1700000010u, 1, 0);
    v9_tmpl300(&p);
    set_begin(&p, 300);
    v9_rec300(&p, "192.0.2.1", 1000, 100);
    set_end(&p);
    feed(c, "127.0.0.1", 5000, p.b, p.n, T0);
    ck_assert_uint_eq(ngot, 1);
    /* second exporter, same template ID 300, different layout: 12/4 4/1 */
    v9_hdr(&p, 10000, 1700000010u, 1, 0);
    set_begin(&p, 0);
    u16(&p, 300); u16(&p, 2); u16(&p, 12); u16(&p, 4); u16(&p, 4); u16(&p, 1);
    set_end(&p);
    set_begin(&p, 300);
    ip4(&p, "203.0.113.9"); u8(&p, 17); u8(&p, 0); u8(&p, 0); u8(&p, 0);   /* + padding */
    set_end(&p);
    feed(c, "127.0.0.2", 5000, p.b, p.n, T0);
    ck_assert_uint_eq(ngot, 2);
    ck_assert_str_eq(got[1], "{\"12\":\"203.0.113.9\",\"4\":17}");
    /* the first exporter still decodes with its own layout */
    v9_hdr(&p, 10000, 1700000010u, 2, 0);
    set_begin(&p, 300);
    v9_rec300(&p, "192.0.2.3", 1000, 100);
    set_end(&p);
    feed(c, "127.0.0.1", 5000, p.b, p.n, T0);
    ck_assert_uint_eq(ngot, 3);
    ck_assert_ptr_nonnull(strstr(got[2], "\"8\":\"192.0.2.3\""));
    /* the same exporter from another source port is another exporter: held */
    feed(c, "127.0.0.1", 5001, p.b, p.n, T0);
    ck_assert_uint_eq(ngot, 3);
    /* template changed under the same ID */
    v9_hdr(&p, 10000, 1700000010u, 3, 0);
    set_begin(&p, 0);
    u16(&p, 300); u16(&p, 1); u16(&p, 7); u16(&p, 2);
    set_end(&p);
    set_begin(&p, 300);
    u16(&p, 4242);
    set_end(&p);
    feed(c, "127.0.0.1", 5000, p.b, p.n, T0);
    ck_assert_uint_eq(ngot, 4);
    ck_assert_str_eq(got[3], "{\"7\":4242}");
    ck_assert_uint_eq(nf_coll_counter(c, "127.0.0.1", 0, NFC_TEMPLATES_CHANGED), 1);
    /* v9 sequence counts export packets: 3 -> 6 lost 2 */
    v9_hdr(&p, 10000, 1700000010u, 6, 0);
    feed(c, "127.0.0.1", 5000, p.b, p.n, T0);
    ck_assert_uint_eq(nf_coll_counter(c, "127.0.0.1", 0, NFC_SEQ_LOST), 2);
    nf_coll_free(c);
}
END_TEST

START_TEST(t_v9_options_sampling)
{
    struct nf_coll *c = coll();
    struct pk p;
    /* options template 400: scope system/4, options 48 samplerId/1, 50 interval/4 */
    v9_hdr(&p, 10000, 1700000010u, 1, 0);
    set_begin(&p, 1);
    u16(&p, 400); u16(&p, 4); u16(&p, 8);
    u16(&p, 1); u16(&p, 4); u16(&p, 48); u16(&p, 1); u16(&p, 50); u16(&p, 4);
    u16(&p, 0);  /* padding */
    set_end(&p);
    set_begin(&p, 400);
    u32(&p, 0); u8(&p, 5); u32(&p, 512);
    u8(&p, 0); u8(&p, 0); u8(&p, 0);
    set_end(&p);
    /* data template 310 with samplerId, and 300 without */
    set_begin(&p, 0);
    u16(&p, 310); u16(&p, 2); u16(&p, 8); u16(&p, 4); u16(&p, 48); u16(&p, 1);
    set_end(&p);
    set_begin(&p, 310);
    ip4(&p, "192.0.2.5"); u8(&p, 5); u8(&p, 0); u8(&p, 0); u8(&p, 0);
    set_end(&p);
    feed(c, "127.0.0.1", 5000, p.b, p.n, T0);
    ck_assert_uint_eq(ngot, 1);
    ck_assert_str_eq(got[0], "{\"8\":\"192.0.2.5\",\"48\":5,\"34\":512}");
    ck_assert_uint_eq(nf_coll_counter(c, "127.0.0.1", 0, NFC_OPTIONS), 1);
    nf_coll_free(c);
}
END_TEST

START_TEST(t_template_lifetime)
{
    struct nf_coll *c = coll();
    struct pk p;
    v9_hdr(&p, 10000, 1700000010u, 1, 0);
    v9_tmpl300(&p);
    feed(c, "127.0.0.1", 5000, p.b, p.n, T0);
    ck_assert_uint_eq(nf_coll_templates(c), 1);
    v9_hdr(&p, 10000, 1700000010u, 2, 0);
    set_begin(&p, 300);
    v9_rec300(&p, "192.0.2.1", 1000, 100);
    set_end(&p);
    feed(c, "127.0.0.1", 5000, p.b, p.n, T0 + 1799 * 1000);
    ck_assert_uint_eq(ngot, 1);
    feed(c, "127.0.0.1", 5000, p.b, p.n, T0 + 1801 * 1000);
    ck_assert_uint_eq(ngot, 1);
    ck_assert_uint_eq(nf_coll_counter(c, "127.0.0.1", 0, NFC_TEMPLATES_EXPIRED), 1);
    ck_assert_uint_eq(nf_coll_templates(c), 0);
    nf_coll_free(c);
}
END_TEST

/* ---- IPFIX ---- */

START_TEST(t_ipfix_types)
{
    struct nf_coll *c = coll();
    struct pk p;
    ipfix_hdr(&p, 1700000010u, 0, 42);
    set_begin(&p, 2);
    u16(&p, 256); u16(&p, 13);
    u16(&p, 27); u16(&p, 16);            /* IPv6 */
    u16(&p, 28); u16(&p, 16);
    u16(&p, 1); u16(&p, 2);              /* reduced-size octetDeltaCount */
    u16(&p, 56); u16(&p, 6);             /* MAC */
    u16(&p, 150); u16(&p, 4);            /* seconds */
    u16(&p, 152); u16(&p, 8);            /* ms */
    u16(&p, 154); u16(&p, 8);            /* us (NTP) */
    u16(&p, 156); u16(&p, 8);            /* ns (NTP) */
    u16(&p, 82); u16(&p, 0xFFFF);        /* variable-length string */
    u16(&p, 0x8000 | 80); u16(&p, 4); u32(&p, 35632);   /* enterprise IE */
    u16(&p, 0x8000 | 7); u16(&p, 0xFFFF); u32(&p, 9);   /* enterprise, variable */
    u16(&p, 400); u16(&p, 3);            /* unknown IANA IE */
    u16(&p, 96); u16(&p, 0xFFFF);        /* variable, 3-byte length form */
    set_end(&p);
    set_begin(&p, 256);
    ip6(&p, "2001:db8::1"); ip6(&p, "2001:db8::2");
    u16(&p, 1500);
    u8(&p, 2); u8(&p, 0); u8(&p, 0); u8(&p, 0xab); u8(&p, 0xcd); u8(&p, 0xef);
    u32(&p, 1700000000u);
    u64(&p, 1700000000123ULL);
    u32(&p, 1700000000u + 2208988800u); u32(&p, 0x80000000u);   /* .5 s */
    u32(&p, 1700000000u + 2208988800u); u32(&p, 0x40000000u);   /* .25 s */
    u8(&p, 4); raw(&p, "eth0", 4);
    u32(&p, 0xdeadbeef);
    u8(&p, 2); u8(&p, 0x01); u8(&p, 0x02);
    u8(&p, 1); u8(&p, 2); u8(&p, 3);
    u8(&p, 255); u16(&p, 3); raw(&p, "a\"b", 3);
    set_end(&p);
    ipfix_end(&p);
    ck_assert_int_eq(feed(c, "127.0.0.1", 4739, p.b, p.n, T0), 1);
    ck_assert_uint_eq(ngot, 1);
    ck_assert_str_eq(got[0],
        "{\"27\":\"2001:db8::1\",\"28\":\"2001:db8::2\",\"1\":1500,"
        "\"56\":\"02:00:00:ab:cd:ef\",\"150\":1700000000,\"152\":1700000000123,"
        "\"154\":1700000000500000,\"156\":1700000000250000000,\"82\":\"eth0\","
        "\"35632.80\":\"deadbeef\",\"9.7\":\"0102\",\"400\":\"010203\",\"96\":\"a\\\"b\"}");
    prof = NF_PROFILE_IPFIX;
    reset_got();
    feed(c, "127.0.0.1", 4739, p.b, p.n, T0);
    ck_assert_ptr_nonnull(strstr(got[0], "\"sourceIPv6Address\":\"2001:db8::1\""));
    ck_assert_ptr_nonnull(strstr(got[0], "\"sourceMacAddress\":\"02:00:00:ab:cd:ef\""));
    ck_assert_ptr_nonnull(strstr(got[0], "\"35632.80\":\"deadbeef\""));
    nf_coll_free(c);
}
END_TEST

/* IPFIX sysUptime times (21/22) become absolute with systemInitTimeMilliseconds (160) from
 * options data; in the ipfix profile they stay uptimes, plus absolute 152/153 */
START_TEST(t_ipfix_uptime)
{
    struct nf_coll *c = coll();
    struct pk p;
    ipfix_hdr(&p, 1700000010u, 0, 3);
    set_begin(&p, 3);
    u16(&p, 500); u16(&p, 2); u16(&p, 1);
    u16(&p, 149); u16(&p, 4); u16(&p, 160); u16(&p, 8);
    set_end(&p);
    set_begin(&p, 500);
    u32(&p, 3); u64(&p, 1699999000000ULL);
    set_end(&p);
    set_begin(&p, 2);
    u16(&p, 501); u16(&p, 2); u16(&p, 22); u16(&p, 4); u16(&p, 21); u16(&p, 4);
    set_end(&p);
    set_begin(&p, 501);
    u32(&p, 500000); u32(&p, 700500);
    set_end(&p);
    ipfix_end(&p);
    feed(c, "127.0.0.1", 4739, p.b, p.n, T0);
    ck_assert_uint_eq(ngot, 1);
    ck_assert_str_eq(got[0], "{\"22\":1699999500,\"21\":1699999700,"
                             "\"152\":1699999500000,\"153\":1699999700500}");
    reset_got();
    prof = NF_PROFILE_IPFIX;
    feed(c, "127.0.0.1", 4739, p.b, p.n, T0);
    ck_assert_str_eq(got[0], "{\"flowStartSysUpTime\":500000,\"flowEndSysUpTime\":700500,"
                             "\"flowStartMilliseconds\":1699999500000,"
                             "\"flowEndMilliseconds\":1699999700500}");
    nf_coll_free(c);
}
END_TEST

static void ipfix_small(struct pk *p, uint32_t seq, int nrec, int with_tmpl)
{
    ipfix_hdr(p, 1700000010u, seq, 1);
    if (with_tmpl) {
        set_begin(p, 2);
        u16(p, 256); u16(p, 2); u16(p, 8); u16(p, 4); u16(p, 2); u16(p, 4);
        set_end(p);
    }
    if (nrec > 0) {
        set_begin(p, 256);
        for (int i = 0; i < nrec; i++) {
            ip4(p, "192.0.2.9"); u32(p, (uint32_t)i);
        }
        set_end(p);
    }
    ipfix_end(p);
}

START_TEST(t_ipfix_seq_withdraw)
{
    struct nf_coll *c = coll();
    struct pk p;
    ipfix_small(&p, 1000, 3, 1);
    feed(c, "127.0.0.1", 4739, p.b, p.n, T0);
    ipfix_small(&p, 1003, 2, 0);       /* in order */
    feed(c, "127.0.0.1", 4739, p.b, p.n, T0);
    ipfix_small(&p, 1010, 2, 0);       /* 5 records lost */
    feed(c, "127.0.0.1", 4739, p.b, p.n, T0);
    ck_assert_uint_eq(ngot, 7);
    ck_assert_uint_eq(nf_coll_counter(c, "127.0.0.1", 1, NFC_SEQ_LOST), 5);
    ipfix_small(&p, 0, 1, 0);          /* exporter restarted */
    feed(c, "127.0.0.1", 4739, p.b, p.n, T0);
    ck_assert_uint_eq(nf_coll_counter(c, "127.0.0.1", 1, NFC_SEQ_RESETS), 1);
    /* withdrawal of 256, then data is held */
    ipfix_hdr(&p, 1700000010u, 1, 1);
    set_begin(&p, 2);
    u16(&p, 256); u16(&p, 0);
    set_end(&p);
    ipfix_end(&p);
    feed(c, "127.0.0.1", 4739, p.b, p.n, T0);
    ck_assert_uint_eq(nf_coll_templates(c), 0);
    ck_assert_uint_eq(nf_coll_counter(c, "127.0.0.1", 1, NFC_WITHDRAWN), 1);
    ipfix_small(&p, 1, 1, 0);
    feed(c, "127.0.0.1", 4739, p.b, p.n, T0);
    ck_assert_uint_eq(ngot, 8);
    /* withdraw all (template ID 2) */
    ipfix_small(&p, 2, 0, 1);
    feed(c, "127.0.0.1", 4739, p.b, p.n, T0);
    ck_assert_uint_eq(ngot, 9);          /* the held record, decoded */
    ipfix_hdr(&p, 1700000010u, 2, 1);
    set_begin(&p, 2);
    u16(&p, 2); u16(&p, 0);
    set_end(&p);
    ipfix_end(&p);
    feed(c, "127.0.0.1", 4739, p.b, p.n, T0);
    ck_assert_uint_eq(nf_coll_templates(c), 0);
    nf_coll_free(c);
}
END_TEST

/* softflowd's convention: the sequence counts flow records up to and including this message */
START_TEST(t_ipfix_seq_post)
{
    struct nf_coll *c = coll();
    struct pk p;
    ipfix_small(&p, 3, 3, 1);
    feed(c, "127.0.0.1", 4739, p.b, p.n, T0);
    ipfix_small(&p, 5, 2, 0);          /* step 2 = this message's records: convention learnt */
    feed(c, "127.0.0.1", 4739, p.b, p.n, T0);
    ipfix_small(&p, 9, 2, 0);          /* 2 records lost */
    feed(c, "127.0.0.1", 4739, p.b, p.n, T0);
    ipfix_small(&p, 10, 1, 0);
    feed(c, "127.0.0.1", 4739, p.b, p.n, T0);
    ck_assert_uint_eq(nf_coll_counter(c, "127.0.0.1", 1, NFC_SEQ_LOST), 2);
    ck_assert_uint_eq(nf_coll_counter(c, "127.0.0.1", 1, NFC_SEQ_RESETS), 0);
    nf_coll_free(c);
}
END_TEST

START_TEST(t_template_bound)
{
    struct nf_conf cf;
    nf_conf_defaults(&cf);
    cf.max_tmpl_per_exporter = 100;
    cf.held_max_bytes = 1000;
    reset_got();
    struct nf_coll *c = nf_coll_new(&cf, on_flow, NULL, NULL);
    struct pk p;
    for (unsigned k = 0; k < 20; k++) {       /* 20 datagrams x 200 templates */
        ipfix_hdr(&p, 1700000010u, 0, 1);
        set_begin(&p, 2);
        for (unsigned t = 0; t < 200; t++) {
            u16(&p, 256 + k * 200 + t); u16(&p, 1); u16(&p, 8); u16(&p, 4);
        }
        set_end(&p);
        ipfix_end(&p);
        feed(c, "127.0.0.1", 4739, p.b, p.n, T0);
    }
    ck_assert_uint_eq(nf_coll_templates(c), 100);
    ck_assert_uint_eq(nf_coll_counter(c, "127.0.0.1", 1, NFC_TEMPLATES_REFUSED), 3900);
    /* held data bounded too */
    for (unsigned k = 0; k < 100; k++) {
        ipfix_hdr(&p, 1700000010u, 0, 1);
        set_begin(&p, 60000);
        for (int i = 0; i < 10; i++) {
            u32(&p, 1);
        }
        set_end(&p);
        ipfix_end(&p);
        feed(c, "127.0.0.1", 4739, p.b, p.n, T0);
    }
    ck_assert_uint_le(nf_coll_held_bytes(c), 1000);
    ck_assert_uint_eq(nf_coll_counter(c, "127.0.0.1", 1, NFC_HELD_DROPPED), 75);
    nf_coll_free(c);
}
END_TEST

START_TEST(t_malformed)
{
    struct nf_coll *c = coll();
    struct pk p;
    /* set length 0 */
    ipfix_hdr(&p, 1, 0, 1);
    u16(&p, 2); u16(&p, 0);
    ipfix_end(&p);
    ck_assert_int_eq(feed(c, "127.0.0.1", 1, p.b, p.n, T0), NF_EMALFORMED);
    /* template with 0 fields (v9) */
    v9_hdr(&p, 1, 1, 0, 0);
    set_begin(&p, 0);
    u16(&p, 300); u16(&p, 0);
    set_end(&p);
    ck_assert_int_eq(feed(c, "127.0.0.1", 1, p.b, p.n, T0), NF_EMALFORMED);
    /* template claiming 65535 fields */
    ipfix_hdr(&p, 1, 0, 1);
    set_begin(&p, 2);
    u16(&p, 300); u16(&p, 65535); u16(&p, 8); u16(&p, 4);
    set_end(&p);
    ipfix_end(&p);
    ck_assert_int_eq(feed(c, "127.0.0.1", 1, p.b, p.n, T0), NF_EMALFORMED);
    /* a real 65535-field template does not fit a datagram; 600 fields do, refused */
    ipfix_hdr(&p, 1, 0, 1);
    set_begin(&p, 2);
    u16(&p, 301); u16(&p, 600);
    for (int i = 0; i < 600; i++) {
        u16(&p, 1); u16(&p, 1);
    }
    set_end(&p);
    ipfix_end(&p);
    ck_assert_int_ge(feed(c, "127.0.0.1", 1, p.b, p.n, T0), 0);
    ck_assert_uint_eq(nf_coll_templates(c), 0);
    /* variable-length field past the set */
    ipfix_hdr(&p, 1, 0, 1);
    set_begin(&p, 2);
    u16(&p, 302); u16(&p, 1); u16(&p, 82); u16(&p, 0xFFFF);
    set_end(&p);
    set_begin(&p, 302);
    u8(&p, 200); raw(&p, "abc", 3);
    set_end(&p);
    ipfix_end(&p);
    ck_assert_int_eq(feed(c, "127.0.0.1", 1, p.b, p.n, T0), NF_EMALFORMED);
    /* IPFIX length past the datagram, unknown version, tiny */
    ipfix_small(&p, 0, 1, 1);
    ck_assert_int_eq(feed(c, "127.0.0.1", 1, p.b, p.n - 1, T0), NF_EMALFORMED);
    ck_assert_int_eq(feed(c, "127.0.0.1", 1, "\x00\x07xxxxxxxxxxxxxxxxxxxx", 22, T0), NF_EVERSION);
    ck_assert_int_eq(feed(c, "127.0.0.1", 1, "\x00", 1, T0), NF_EMALFORMED);
    ck_assert_uint_eq(ngot, 0);
    /* garbage: pseudo-random datagrams with valid headers, no crash */
    uint32_t x = 12345;
    for (int k = 0; k < 20000; k++) {
        size_t n = 16 + (x % 300);
        for (size_t i = 0; i < n; i++) {
            x = x * 1103515245u + 12345u;
            p.b[i] = (uint8_t)(x >> 16);
        }
        p.b[0] = 0;
        p.b[1] = (uint8_t)(k % 3 == 0 ? 9 : k % 3 == 1 ? 10 : 5);
        p.b[2] = (uint8_t)(n >> 8);
        p.b[3] = (uint8_t)n;
        feed(c, "127.0.0.1", 1 + k % 7, p.b, n, T0);
    }
    nf_coll_free(c);
}
END_TEST

START_TEST(t_persist)
{
    char path[] = "/tmp/nfpersistXXXXXX";
    int fd = mkstemp(path);
    ck_assert_int_ge(fd, 0);
    close(fd);
    struct nf_coll *c = coll();
    ck_assert_int_eq(feed(c, "127.0.0.1", 3, sf_v10, sizeof sf_v10, T0), 6);
    struct pk p;
    v9_hdr(&p, 10000, 1700000010u, 1, 0);
    v9_tmpl300(&p);
    feed(c, "127.0.0.1", 5000, p.b, p.n, T0);
    ck_assert_uint_eq(nf_coll_templates(c), 6);
    ck_assert(nf_coll_dirty(c));
    ck_assert_int_eq(nf_coll_save(c, path, T0), 0);
    ck_assert(!nf_coll_dirty(c));
    nf_coll_free(c);
    /* a new collector: data without templates decodes from the loaded cache */
    c = coll();
    ck_assert_int_eq(nf_coll_load(c, path, T0 + 1000), 0);
    ck_assert_uint_eq(nf_coll_templates(c), 6);
    v9_hdr(&p, 10000, 1700000010u, 2, 0);
    set_begin(&p, 300);
    v9_rec300(&p, "192.0.2.77", 1000, 100);
    set_end(&p);
    feed(c, "127.0.0.1", 5000, p.b, p.n, T0 + 1000);
    ck_assert_uint_eq(ngot, 1);
    ck_assert_ptr_nonnull(strstr(got[0], "\"8\":\"192.0.2.77\""));
    /* the remaining lifetime is kept: expired 1800 s after the original */
    nf_coll_tick(c, T0 + 1801 * 1000);
    ck_assert_uint_eq(nf_coll_templates(c), 0);
    nf_coll_free(c);
    /* loading past the lifetime loads nothing; a missing file is an error */
    c = coll();
    ck_assert_int_eq(nf_coll_load(c, path, T0 + 1900 * 1000), 0);
    ck_assert_uint_eq(nf_coll_templates(c), 0);
    unlink(path);
    ck_assert_int_eq(nf_coll_load(c, path, T0), -1);
    nf_coll_free(c);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("nfdecode");
    TCase *tc = tcase_create("core");
    tcase_set_timeout(tc, 30);
    tcase_add_test(tc, t_v5_basic);
    tcase_add_test(tc, t_profiles);
    tcase_add_test(tc, t_softflowd);
    tcase_add_test(tc, t_v9_held_then_template);
    tcase_add_test(tc, t_v9_changed_and_two_exporters);
    tcase_add_test(tc, t_v9_options_sampling);
    tcase_add_test(tc, t_template_lifetime);
    tcase_add_test(tc, t_ipfix_types);
    tcase_add_test(tc, t_ipfix_seq_withdraw);
    tcase_add_test(tc, t_ipfix_uptime);
    tcase_add_test(tc, t_ipfix_seq_post);
    tcase_add_test(tc, t_template_bound);
    tcase_add_test(tc, t_malformed);
    tcase_add_test(tc, t_persist);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int nf = srunner_ntests_failed(sr);
    srunner_free(sr);
    return nf == 0 ? 0 : 1;
}
