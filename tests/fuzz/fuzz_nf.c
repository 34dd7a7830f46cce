/*
 * fuzz_nf.c - libFuzzer target for imnetflow's decoders (NetFlow v5/v9, IPFIX: nf5.c, nf9.c,
 * nfstate.c) and the JSON rendering (nfie.c).  One collector lives across inputs, so
 * templates, held data and sampling state from earlier inputs meet later ones, as with a real
 * exporter; its bounds are small (8 exporters, 64 templates each, 64 KiB held) and the test
 * runs with an RSS limit, so a template or held-data flood that escaped the bounds would show.
 * The first input byte picks the exporter's source port (low 3 bits) and advances the clock
 * (high 5 bits, seconds x 64: templates and held data expire during a run); every flow is
 * rendered in all three profiles.  Every 4096 inputs the template cache is saved and loaded
 * back into a fresh collector.
 *
 * Built with -DNF_FUZZ_SEEDS instead, main() writes the seed corpus into the directory given:
 * softflowd's captured datagrams (tests/plugins/nf_softflowd.h) and hand-made bad inputs (set
 * length 0, a field past its set, templates with 0 and 65,535 fields, a template flood).
 *
 * Ownership: the collector is this file's static; libFuzzer owns the inputs.
 * Concurrency & locking: single-threaded.
 */
#include "config.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../plugins/imnetflow/nf.h"
#include "../plugins/nf_softflowd.h"

#ifndef NF_FUZZ_SEEDS
static struct nf_coll *coll;
static int64_t now = 1700000000000LL;
static unsigned long runs;
static struct nf_jbuf jb;

static void on_flow(void *arg, const struct nf_flow *fl)
{
    (void)arg;
    for (int p = 0; p < 3; p++) {
        if (nf_json(fl, (enum nf_profile)p, &jb) == 0 && (jb.len < 2 || jb.p[0] != '{')) {
            abort();
        }
    }
}

static struct nf_coll *mk(void)
{
    struct nf_conf c;
    nf_conf_defaults(&c);
    c.max_exporters = 8;
    c.max_tmpl_per_exporter = 64;
    c.held_max_bytes = 65536;
    return nf_coll_new(&c, on_flow, NULL, NULL);
}

int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n);
int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n)
{
    if (coll == NULL) {
        coll = mk();
    }
    if (n < 1) {
        return 0;
    }
    struct sockaddr_in sa;
    memset(&sa, 0, sizeof sa);
    sa.sin_family = AF_INET;
    sa.sin_port = htons((uint16_t)(2000 + (d[0] & 7)));
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    now += (int64_t)(d[0] >> 3) * 64000;
    (void)nf_decode(coll, (struct sockaddr *)&sa, sizeof sa, d + 1, n - 1, now);
    if ((d[0] >> 3) != 0) {
        nf_coll_tick(coll, now);
    }
    if (++runs % 4096 == 0) {
        char path[64];
        snprintf(path, sizeof path, "/tmp/fuzz_nf.%d.templates", (int)getpid());
        if (nf_coll_save(coll, path, now) == 0) {
            struct nf_coll *c2 = mk();
            nf_coll_load(c2, path, now);
            nf_coll_free(coll);
            coll = c2;
            unlink(path);
        }
    }
    return 0;
}
#else
static void put(const char *dir, const char *name, const void *p, size_t n)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "wb");
    if (f == NULL) {
        perror(path);
        exit(1);
    }
    fputc(0, f);
    fwrite(p, 1, n, f);
    fclose(f);
}

static size_t be16(uint8_t *p, unsigned v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
    return 2;
}

/* an IPFIX header for a message of len bytes */
static void ipfix_hdr(uint8_t *b, size_t len)
{
    memset(b, 0, 16);
    be16(b, 10);
    be16(b + 2, (unsigned)len);
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: %s DIR\n", argv[0]);
        return 2;
    }
    const char *dir = argv[1];
    static uint8_t b[65536];
    put(dir, "softflowd-v5", sf_v5, sizeof sf_v5);
    put(dir, "softflowd-v9", sf_v9, sizeof sf_v9);
    put(dir, "softflowd-ipfix", sf_v10, sizeof sf_v10);
    /* set length 0 */
    ipfix_hdr(b, 20);
    be16(b + 16, 2);
    be16(b + 18, 0);
    put(dir, "set-length-0", b, 20);
    /* a template, then a record whose variable-length field runs past the set */
    ipfix_hdr(b, 36);
    size_t o = 16;
    o += be16(b + o, 2); o += be16(b + o, 12);
    o += be16(b + o, 300); o += be16(b + o, 1); o += be16(b + o, 82); o += be16(b + o, 0xFFFF);
    o += be16(b + o, 300); o += be16(b + o, 8);
    b[o++] = 200; b[o++] = 'a'; b[o++] = 'b'; b[o++] = 'c';
    put(dir, "field-past-set", b, o);
    /* template with 0 fields (v9) and one claiming 65,535 */
    memset(b, 0, 28);
    be16(b, 9);
    be16(b + 20, 0); be16(b + 22, 8); be16(b + 24, 300); be16(b + 26, 0);
    put(dir, "v9-template-0-fields", b, 28);
    ipfix_hdr(b, 32);
    be16(b + 16, 2); be16(b + 18, 16); be16(b + 20, 300); be16(b + 22, 65535);
    be16(b + 24, 8); be16(b + 26, 4); be16(b + 28, 12); be16(b + 30, 4);
    put(dir, "template-65535-fields", b, 32);
    /* template flood: 2000 one-field templates in one message */
    o = 20;
    for (unsigned t = 0; t < 2000; t++) {
        o += be16(b + o, 256 + t); o += be16(b + o, 1); o += be16(b + o, 8); o += be16(b + o, 4);
    }
    ipfix_hdr(b, o);
    be16(b + 16, 2);
    be16(b + 18, (unsigned)(o - 16));
    put(dir, "template-flood", b, o);
    /* garbage */
    for (size_t i = 0; i < 300; i++) {
        b[i] = (uint8_t)(i * 37 + 11);
    }
    put(dir, "garbage", b, 300);
    return 0;
}
#endif
