/*
 * nf9.c - NetFlow v9 (RFC 3954) and IPFIX (RFC 7011) decoder: one walker for both, since
 * they differ only in the header, the set IDs (0/1 vs 2/3 for templates/options templates),
 * options template layout, enterprise bits and variable-length fields.
 *
 * A datagram is walked set by set by the sets' lengths (never by the v9 header's count,
 * which exporters fill in differently); templates go into the collector's cache (nfstate.c)
 * keyed by (exporter address and port, source ID / observation domain, template ID); data sets
 * are decoded with their template, or held until it arrives.  IPFIX template records with
 * zero fields withdraw a template (ID 2 / 3 in a template / options template set: all of
 * them).  Options data records set the source's sampling rate (samplingInterval 34,
 * samplerRandomInterval 50, samplingPacketInterval/Space 305/306; per samplerId 48 or
 * selectorId 302, else for the whole source) and systemInitTimeMilliseconds (160); they
 * are counted, not emitted.  Sequence numbers: v9 counts export packets, IPFIX data records
 * (nf_src_seq_ipfix: RFC 7011's convention or softflowd's, learnt per source; a message
 * with data held for a missing template skips a check).
 *
 * Bad input (counted as malformed, the rest of the datagram dropped, flows before the fault
 * still emitted): a set length below 4 or past the end, a template that does not fit its set,
 * a template ID below 256, a v9 template with zero fields, a record whose variable-length
 * field runs past its set.  Templates over NF_MAX_FIELDS fields are skipped and refused.
 *
 * Hand-written, see nf.h.  Ownership: none kept beyond the cache.  Concurrency & locking:
 * see nf.h.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "nfint.h"

static uint64_t be_n(const uint8_t *p, size_t n)
{
    uint64_t v = 0;
    for (size_t i = 0; i < n && i < 8; i++) {
        v = (v << 8) | p[i];
    }
    return v;
}

static void apply_options(struct nf_src *s, const struct nf_flow *fl)
{
    uint64_t rate = 0, interval = 0, space = 0, id = 0;
    int has_id = 0, has_ps = 0;
    for (size_t i = 0; i < fl->n; i++) {
        const struct nf_fval *f = &fl->f[i];
        if (f->pen != 0 || f->len == 0 || f->len > 8) {
            continue;
        }
        uint64_t v = be_n(f->p, f->len);
        switch (f->id) {
        case 34:
        case 50:
            rate = v;
            break;
        case 305:
            interval = v;
            has_ps = 1;
            break;
        case 306:
            space = v;
            has_ps = 1;
            break;
        case 48:
        case 302:
            id = v;
            has_id = 1;
            break;
        case 160:
            s->init_ms = (int64_t)v;
            s->init_valid = 1;
            break;
        default:
            break;
        }
    }
    if (rate == 0 && has_ps && interval > 0) {
        rate = (interval + space) / interval;
    }
    if (rate == 0) {
        return;
    }
    if (!has_id) {
        s->default_rate = rate;
        return;
    }
    for (size_t i = 0; i < s->nsamp; i++) {
        if (s->samp[i].id == id) {
            s->samp[i].rate = rate;
            return;
        }
    }
    if (s->nsamp < NF_MAX_SAMPLERS) {
        s->samp[s->nsamp].id = id;
        s->samp[s->nsamp].rate = rate;
        s->nsamp++;
    }
}

int nf9_data_set(struct nf_coll *c, struct nf_src *s, const struct nf_tmpl *t,
                 const struct nf_hctx *h, const uint8_t *p, size_t len)
{
    struct nf_flow *fl = &c->fl;
    size_t off = 0;
    int records = 0, flows = 0, opts = 0;
    int bad = 0;
    while (len - off >= t->minlen) {
        nf_flow_init(fl, s);
        fl->tid = t->tid;
        fl->uptime_ms = h->uptime_ms;
        fl->uptime_valid = h->version == 9;
        fl->export_ms = h->export_ms;
        int has_id = 0;
        uint64_t sid = 0;
        for (uint16_t i = 0; i < t->nfields; i++) {
            size_t l = t->f[i].len;
            if (l == NF_VARLEN) {
                if (off >= len) {
                    bad = 1;
                    break;
                }
                l = p[off++];
                if (l == 255) {
                    if (len - off < 2) {
                        bad = 1;
                        break;
                    }
                    l = nf_be16(p + off);
                    off += 2;
                }
            }
            if (len - off < l) {
                bad = 1;
                break;
            }
            struct nf_fval *f = &fl->f[i];
            f->pen = t->f[i].pen;
            f->id = t->f[i].id;
            f->len = (uint16_t)l;
            f->p = p + off;
            off += l;
            if (f->pen == 0 && (f->id == 48 || f->id == 302) && l >= 1 && l <= 8) {
                has_id = 1;
                sid = be_n(f->p, l);
            } else if (f->pen == 0 && f->id == 160 && l >= 1 && l <= 8) {
                fl->init_ms = (int64_t)be_n(f->p, l);
                fl->init_valid = 1;
            }
        }
        if (bad) {
            break;
        }
        fl->n = t->nfields;
        records++;
        if (t->options) {
            apply_options(s, fl);
            opts++;
        } else {
            fl->sampling = nf_src_rate(s, has_id, sid);
            nf_emit(c, s, fl);
            flows++;
        }
        if (off == len) {
            break;
        }
    }
    nf_src_count(s, NFC_FLOWS, (uint64_t)flows);
    nf_src_count(s, NFC_OPTIONS, (uint64_t)opts);
    c->msg_flows += (uint32_t)flows;
    if (bad) {
        nf_src_count(s, NFC_MALFORMED, 1);
        return NF_EMALFORMED;
    }
    return records;
}

/* Template or options template set body; 0 or NF_EMALFORMED. */
static int template_set(struct nf_coll *c, struct nf_src *s, int ipfix, int options,
                        uint16_t set_id, const uint8_t *p, size_t len)
{
    struct nf_tfield fv[NF_MAX_FIELDS];
    size_t off = 0;
    size_t hdr = ipfix ? (options ? 6 : 4) : (options ? 6 : 4);
    while (len - off >= 4) {
        uint16_t tid = nf_be16(p + off);
        uint16_t n, scope = 0;
        if (ipfix) {
            n = nf_be16(p + off + 2);
            if (n == 0) {
                /* withdrawal: 4 bytes */
                off += 4;
                if (tid == set_id) {
                    nf_tmpl_withdraw_all(c, s, options);
                } else if (tid >= 256) {
                    nf_tmpl_withdraw(c, s, tid);
                } else {
                    goto bad;
                }
                continue;
            }
            if (options) {
                if (len - off < hdr) {
                    goto bad;
                }
                scope = nf_be16(p + off + 4);
                if (scope == 0 || scope > n) {
                    goto bad;
                }
            }
        } else if (options) {
            if (len - off < hdr) {
                goto bad;
            }
            uint16_t sl = nf_be16(p + off + 2), ol = nf_be16(p + off + 4);
            if (sl % 4 != 0 || ol % 4 != 0) {
                goto bad;
            }
            scope = (uint16_t)(sl / 4);
            n = (uint16_t)(scope + ol / 4);
        } else {
            n = nf_be16(p + off + 2);
        }
        if (tid < 256 || n == 0) {
            goto bad;
        }
        off += hdr;
        int keep = n <= NF_MAX_FIELDS;
        for (uint32_t i = 0; i < n; i++) {
            if (len - off < 4) {
                goto bad;
            }
            uint16_t id = nf_be16(p + off), fl = nf_be16(p + off + 2);
            uint32_t pen = 0;
            off += 4;
            if (!ipfix && options && i < scope) {
                pen = NF_SCOPE_PEN;
            } else if (ipfix && (id & 0x8000)) {
                if (len - off < 4) {
                    goto bad;
                }
                pen = nf_be32(p + off);
                id &= 0x7FFF;
                off += 4;
            }
            if (keep) {
                fv[i].pen = pen;
                fv[i].id = id;
                fv[i].len = fl;
            }
        }
        if (!keep) {
            nf_src_count(s, NFC_TEMPLATES_REFUSED, 1);
            continue;
        }
        nf_tmpl_add(c, s, tid, options, scope, fv, n);
    }
    return 0;
bad:
    nf_src_count(s, NFC_MALFORMED, 1);
    return NF_EMALFORMED;
}

int nf_decode_v9(struct nf_coll *c, const struct sockaddr *peer, socklen_t peerlen,
                 const uint8_t *buf, size_t len, int64_t now_ms)
{
    int ipfix = nf_be16(buf) == 10;
    struct nf_hctx h;
    uint32_t seq, domain;
    size_t off;
    (void)now_ms;
    h.version = ipfix ? 10 : 9;
    if (ipfix) {
        if (len < 16) {
            return NF_EMALFORMED;
        }
        size_t mlen = nf_be16(buf + 2);
        if (mlen < 16 || mlen > len) {
            return NF_EMALFORMED;
        }
        len = mlen;
        h.uptime_ms = 0;
        h.export_ms = (int64_t)nf_be32(buf + 4) * 1000;
        seq = nf_be32(buf + 8);
        domain = nf_be32(buf + 12);
        off = 16;
    } else {
        if (len < 20) {
            return NF_EMALFORMED;
        }
        h.uptime_ms = nf_be32(buf + 4);
        h.export_ms = (int64_t)nf_be32(buf + 8) * 1000;
        seq = nf_be32(buf + 12);
        domain = nf_be32(buf + 16);
        off = 20;
    }
    struct nf_src *s = nf_src_get(c, peer, peerlen, h.version, domain);
    if (s == NULL) {
        return NF_ELIMIT;
    }
    nf_src_count(s, NFC_DATAGRAMS, 1);
    int total = 0, held = 0, rc = 0;
    c->msg_flows = 0;
    while (len - off >= 4) {
        uint16_t sid = nf_be16(buf + off), slen = nf_be16(buf + off + 2);
        if (slen < 4 || slen > len - off) {
            nf_src_count(s, NFC_MALFORMED, 1);
            rc = NF_EMALFORMED;
            break;
        }
        const uint8_t *body = buf + off + 4;
        size_t blen = slen - 4u;
        off += slen;
        if (sid == (ipfix ? 2 : 0) || sid == (ipfix ? 3 : 1)) {
            int options = sid == (ipfix ? 3 : 1);
            if (template_set(c, s, ipfix, options, sid, body, blen) < 0) {
                rc = NF_EMALFORMED;
                break;
            }
        } else if (sid >= 256) {
            struct nf_tmpl *t = nf_tmpl_find(c, s, sid);
            if (t != NULL) {
                int r = nf9_data_set(c, s, t, &h, body, blen);
                if (r < 0) {
                    rc = NF_EMALFORMED;
                    break;
                }
                total += r;
            } else if (blen > 0) {
                nf_held_add(c, s, sid, &h, body, blen);
                held = 1;
            }
        }
        /* other set IDs are reserved: skipped */
    }
    if (rc == 0 && off != len && !ipfix) {
        /* v9: up to 3 bytes of padding after the last set are tolerated */
        if (len - off > 3) {
            nf_src_count(s, NFC_MALFORMED, 1);
            rc = NF_EMALFORMED;
        }
    } else if (rc == 0 && off != len) {
        nf_src_count(s, NFC_MALFORMED, 1);
        rc = NF_EMALFORMED;
    }
    if (ipfix) {
        nf_src_seq_ipfix(s, seq, (uint32_t)total, c->msg_flows, !held && rc == 0);
    } else {
        nf_src_seq(s, seq, seq + 1, 1);
    }
    return rc < 0 ? rc : total;
}
