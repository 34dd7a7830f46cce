/*
 * nf5.c - NetFlow v5 decoder: a 24-byte header and up to 30 fixed 48-byte records.
 *
 * Each record becomes a flow with the IANA elements v5 carries (8, 12, 15, 10, 14, 2, 1, 22,
 * 21, 7, 11, 6, 4, 5, 16, 17, 9, 13), the values pointing into the datagram; first/last
 * are sysUptime-relative and made absolute from the header (unix_secs, unix_nsecs,
 * sysUptime).  The source is (exporter, engine_type << 8 | engine_id); the header's
 * flow_sequence counts flows, so the expected next one is this one plus count.  A non-zero
 * sampling interval in the header (low 14 bits) is the flow's sampling rate.
 * A datagram whose length does not match count is malformed (counted), records that are
 * there are still decoded.
 *
 * Hand-written, see nf.h.  Ownership: none kept.  Concurrency & locking: see nf.h.
 */
#include "config.h"

#include "nfint.h"

#define V5_HDR 24
#define V5_REC 48

/* offset, IE id, length of each v5 record field */
static const struct { uint8_t off; uint8_t id; uint8_t len; } v5f[] = {
    { 0, 8, 4 },   { 4, 12, 4 },  { 8, 15, 4 },  { 12, 10, 2 }, { 14, 14, 2 }, { 16, 2, 4 },
    { 20, 1, 4 },  { 24, 22, 4 }, { 28, 21, 4 }, { 32, 7, 2 },  { 34, 11, 2 }, { 37, 6, 1 },
    { 38, 4, 1 },  { 39, 5, 1 },  { 40, 16, 2 }, { 42, 17, 2 }, { 44, 9, 1 },  { 45, 13, 1 },
};

int nf_decode_v5(struct nf_coll *c, const struct sockaddr *peer, socklen_t peerlen,
                 const uint8_t *buf, size_t len)
{
    if (len < V5_HDR) {
        return NF_EMALFORMED;
    }
    uint16_t count = nf_be16(buf + 2);
    uint32_t uptime = nf_be32(buf + 4);
    uint32_t secs = nf_be32(buf + 8), nsecs = nf_be32(buf + 12);
    uint32_t seq = nf_be32(buf + 16);
    uint32_t domain = ((uint32_t)buf[20] << 8) | buf[21];
    uint16_t samp = nf_be16(buf + 22) & 0x3FFF;
    struct nf_src *s = nf_src_get(c, peer, peerlen, 5, domain);
    if (s == NULL) {
        return NF_ELIMIT;
    }
    nf_src_count(s, NFC_DATAGRAMS, 1);
    int bad = count == 0 || count > 30 || len != V5_HDR + (size_t)count * V5_REC;
    size_t have = (len - V5_HDR) / V5_REC;
    if (have > count) {
        have = count;
    }
    nf_src_seq(s, seq, seq + count, 1);
    if (samp > 0) {
        s->default_rate = samp;
    }
    struct nf_flow *fl = &c->fl;
    int n = 0;
    for (size_t r = 0; r < have; r++) {
        const uint8_t *p = buf + V5_HDR + r * V5_REC;
        nf_flow_init(fl, s);
        fl->tid = 0;
        fl->uptime_ms = uptime;
        fl->uptime_valid = 1;
        fl->export_ms = (int64_t)secs * 1000 + nsecs / 1000000;
        fl->sampling = s->default_rate;
        for (size_t i = 0; i < sizeof v5f / sizeof v5f[0]; i++) {
            fl->f[i].pen = 0;
            fl->f[i].id = v5f[i].id;
            fl->f[i].len = v5f[i].len;
            fl->f[i].p = p + v5f[i].off;
        }
        fl->n = sizeof v5f / sizeof v5f[0];
        nf_emit(c, s, fl);
        n++;
    }
    nf_src_count(s, NFC_FLOWS, (uint64_t)n);
    if (bad) {
        nf_src_count(s, NFC_MALFORMED, 1);
        return NF_EMALFORMED;
    }
    return n;
}
