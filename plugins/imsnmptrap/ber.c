/*
 * ber.c - a bounded BER decoder for the SNMP messages imsnmptrap receives.
 *
 * Why hand-written: SNMP notifications use a tiny, fixed subset of BER (single-byte tags,
 * definite lengths, INTEGER/OCTET STRING/OID/NULL/SEQUENCE and the SNMP application
 * types), and the receive path must decode tens of thousands of datagrams per second
 * without allocating.  The libraries that decode it (net-snmp's libsnmp, libtasn1) either
 * allocate per varbind and keep global state (libsnmp's session/PDU machinery) or need an
 * ASN.1 module and a tree per message (libtasn1).  This decoder is small (one pass, no
 * recursion, no allocation), bounded (every read is checked against the end of its
 * enclosing TLV; lengths are at most 4 bytes; OIDs at most 128 sub-identifiers; at most
 * 1,024 varbinds) and fuzzed (plugins/imsnmptrap/fuzz_snmp.c, run bounded by
 * tests/plugins/imsnmptrap-fuzz.sh).
 *
 * Structure (RFC 1157, RFC 3416, RFC 3412/3414):
 *   Message ::= SEQUENCE { version INTEGER, community OCTET STRING, PDU }           v1/v2c
 *   Message ::= SEQUENCE { version INTEGER (3), HeaderData SEQUENCE, securityParameters
 *                          OCTET STRING (USM SEQUENCE), msgData (scopedPDU SEQUENCE or
 *                          encryptedPDU OCTET STRING) }                              v3
 *   Trap-PDU (0xa4) ::= { enterprise OID, agent-addr IpAddress, generic INTEGER,
 *                         specific INTEGER, time-stamp TimeTicks, varbinds }
 *   other PDUs ::= { request-id, error-status, error-index, varbinds }
 * Anything else - nesting where a primitive is expected, lengths past the enclosing TLV,
 * 64-bit values in 32-bit types, indefinite lengths, multi-byte tags - is SNMP_E_MALFORMED.
 * Trailing bytes after the outer SEQUENCE are ignored (as net-snmp does; a decrypted
 * scoped PDU carries cipher padding).
 *
 * Ownership & concurrency: see ber.h.  No globals.
 */
#include "config.h"

#include <string.h>

#include "ber.h"

int ber_next(struct ber *b, uint8_t *tag, struct ber *content)
{
    const uint8_t *p = b->p, *end = b->end;
    if (p == NULL || end - p < 2) {
        return -1;
    }
    uint8_t t = *p++;
    if ((t & 0x1f) == 0x1f) {  /* multi-byte tag: never used by SNMP */
        return -1;
    }
    size_t len = *p++;
    if (len & 0x80) {
        size_t nb = len & 0x7f;
        if (nb == 0 || nb > 4 || (size_t)(end - p) < nb) {  /* indefinite or too long */
            return -1;
        }
        len = 0;
        for (size_t i = 0; i < nb; i++) {
            len = (len << 8) | *p++;
        }
    }
    if (len > (size_t)(end - p)) {
        return -1;
    }
    *tag = t;
    content->p = p;
    content->end = p + len;
    b->p = p + len;
    return 0;
}

int ber_expect(struct ber *b, uint8_t tag, struct ber *content)
{
    uint8_t t;
    if (ber_next(b, &t, content) != 0 || t != tag) {
        return -1;
    }
    return 0;
}

int ber_int32(const struct ber *c, int32_t *v)
{
    size_t n = (size_t)(c->end - c->p);
    if (n < 1 || n > 4) {
        return -1;
    }
    uint32_t x = (c->p[0] & 0x80) ? 0xffffffffu : 0;
    for (size_t i = 0; i < n; i++) {
        x = (x << 8) | c->p[i];
    }
    *v = (int32_t)x;
    return 0;
}

int ber_int64(const struct ber *c, int64_t *v)
{
    size_t n = (size_t)(c->end - c->p);
    if (n < 1 || n > 8) {
        return -1;
    }
    uint64_t x = (c->p[0] & 0x80) ? UINT64_MAX : 0;
    for (size_t i = 0; i < n; i++) {
        x = (x << 8) | c->p[i];
    }
    *v = (int64_t)x;
    return 0;
}

int ber_uint32(const struct ber *c, uint32_t *v)
{
    size_t n = (size_t)(c->end - c->p);
    if (n < 1 || n > 5 || (n == 5 && c->p[0] != 0)) {
        return -1;
    }
    uint32_t x = (c->p[0] & 0x80) ? 0xffffffffu : 0;
    for (size_t i = 0; i < n; i++) {
        x = (x << 8) | c->p[i];
    }
    *v = x;
    return 0;
}

int ber_uint64(const struct ber *c, uint64_t *v)
{
    size_t n = (size_t)(c->end - c->p);
    if (n < 1 || n > 9 || (n == 9 && c->p[0] != 0)) {
        return -1;
    }
    uint64_t x = (c->p[0] & 0x80) ? UINT64_MAX : 0;
    for (size_t i = 0; i < n; i++) {
        x = (x << 8) | c->p[i];
    }
    *v = x;
    return 0;
}

int ber_oid(const struct ber *c, uint32_t *out, size_t max, size_t *n)
{
    const uint8_t *p = c->p, *end = c->end;
    size_t k = 0;
    if (p == end) {   /* net-snmp decodes an empty OID as .0.0; refuse it */
        return -1;
    }
    int first = 1;
    while (p < end) {
        uint64_t x = 0;
        int nb = 0;
        for (;;) {
            if (p == end || nb == 5) {
                return -1;     /* unterminated or more than 32 bits */
            }
            uint8_t byte = *p++;
            x = (x << 7) | (byte & 0x7f);
            nb++;
            if (!(byte & 0x80)) {
                break;
            }
        }
        if (x > 0xffffffffu) {
            return -1;
        }
        if (first) {
            if (max < 2) {
                return -1;
            }
            uint32_t a = x < 40 ? 0 : x < 80 ? 1 : 2;
            out[k++] = a;
            out[k++] = (uint32_t)(x - 40u * a);
            first = 0;
        } else {
            if (k == max) {
                return -1;
            }
            out[k++] = (uint32_t)x;
        }
    }
    *n = k;
    return 0;
}

/* An OID into the arena. */
static int arena_oid(struct snmp_arena *a, const struct ber *c, const uint32_t **oid,
                     size_t *len)
{
    size_t room = SNMP_ARENA_SUBIDS - a->nsub;
    if (room > SNMP_MAX_OID) {
        room = SNMP_MAX_OID;
    }
    size_t n;
    if (ber_oid(c, a->sub + a->nsub, room, &n) != 0) {
        return -1;
    }
    *oid = a->sub + a->nsub;
    *len = n;
    a->nsub += n;
    return 0;
}

static int decode_opaque(struct snmp_vb *vb)
{
    /* net-snmp's special opaques: 0x9f <type> <len> <value> inside the Opaque */
    if (vb->slen > 2 && vb->s[0] == 0x9f) {
        uint8_t t = vb->s[1];
        if (t == SNMP_OPAQUE_COUNTER64 || t == SNMP_OPAQUE_FLOAT || t == SNMP_OPAQUE_DOUBLE ||
            t == SNMP_OPAQUE_I64 || t == SNMP_OPAQUE_U64) {
            size_t l = vb->s[2];
            if (l & 0x80 || l != vb->slen - 3) {
                return -1;
            }
            struct ber c = { vb->s + 3, vb->s + 3 + l };
            switch (t) {
            case SNMP_OPAQUE_FLOAT: {
                if (l != 4) {
                    return -1;
                }
                uint32_t x = (uint32_t)c.p[0] << 24 | (uint32_t)c.p[1] << 16 |
                             (uint32_t)c.p[2] << 8 | c.p[3];
                float f;
                memcpy(&f, &x, 4);
                vb->d = f;
                break;
            }
            case SNMP_OPAQUE_DOUBLE: {
                if (l != 8) {
                    return -1;
                }
                uint64_t x = 0;
                for (int i = 0; i < 8; i++) {
                    x = (x << 8) | c.p[i];
                }
                double d;
                memcpy(&d, &x, 8);
                vb->d = d;
                break;
            }
            case SNMP_OPAQUE_I64:
                if (ber_int64(&c, &vb->i) != 0) {
                    return -1;
                }
                break;
            default:
                if (ber_uint64(&c, &vb->u) != 0) {
                    return -1;
                }
                break;
            }
            vb->type = t;
        }
    }
    return 0;
}

static int decode_value(uint8_t tag, const struct ber *c, struct snmp_vb *vb,
                        struct snmp_arena *a)
{
    uint32_t u32;
    int32_t i32;
    vb->type = tag;
    vb->s = c->p;
    vb->slen = (size_t)(c->end - c->p);
    switch (tag) {
    case BER_INTEGER:
        if (ber_int32(c, &i32) != 0) {
            return -1;
        }
        vb->i = i32;
        return 0;
    case SNMP_COUNTER32:
    case SNMP_GAUGE32:
    case SNMP_TIMETICKS:
    case SNMP_UINTEGER32:
        if (ber_uint32(c, &u32) != 0) {
            return -1;
        }
        vb->u = u32;
        return 0;
    case SNMP_COUNTER64:
        return ber_uint64(c, &vb->u);
    case BER_OCTETSTRING:
    case SNMP_NSAP:
    case BER_BITSTRING:
        return 0;
    case SNMP_IPADDRESS:
        return vb->slen == 4 ? 0 : -1;
    case SNMP_OPAQUE:
        return decode_opaque(vb);
    case BER_OID:
        return arena_oid(a, c, &vb->oidval, &vb->oidval_len);
    case BER_NULL:
    case SNMP_NOSUCHOBJECT:
    case SNMP_NOSUCHINSTANCE:
    case SNMP_ENDOFMIBVIEW:
        return vb->slen == 0 ? 0 : -1;
    default:
        return -1;   /* net-snmp refuses unknown types too */
    }
}

static int decode_pdu(struct ber *b, struct snmp_msg *m, struct snmp_arena *a)
{
    uint8_t tag;
    struct ber pdu, c;
    if (ber_next(b, &tag, &pdu) != 0) {
        return SNMP_E_MALFORMED;
    }
    struct snmp_pdu *p = &m->pdu;
    p->type = tag;
    if (tag == SNMP_PDU_TRAP_V1) {
        if (ber_expect(&pdu, BER_OID, &c) != 0 ||
            arena_oid(a, &c, &p->enterprise, &p->enterprise_len) != 0) {
            return SNMP_E_MALFORMED;
        }
        /* agent-addr: IpAddress; net-snmp also takes an OCTET STRING here */
        if (ber_next(&pdu, &tag, &c) != 0 ||
            (tag != SNMP_IPADDRESS && tag != BER_OCTETSTRING) || c.end - c.p != 4) {
            return SNMP_E_MALFORMED;
        }
        memcpy(p->agent_addr, c.p, 4);
        if (ber_expect(&pdu, BER_INTEGER, &c) != 0 || ber_int32(&c, &p->generic) != 0 ||
            ber_expect(&pdu, BER_INTEGER, &c) != 0 || ber_int32(&c, &p->specific) != 0 ||
            ber_expect(&pdu, SNMP_TIMETICKS, &c) != 0 || ber_uint32(&c, &p->timestamp) != 0) {
            return SNMP_E_MALFORMED;
        }
    } else if (tag >= SNMP_PDU_GET && tag <= SNMP_PDU_REPORT) {
        if (ber_expect(&pdu, BER_INTEGER, &c) != 0 || ber_int32(&c, &p->request_id) != 0 ||
            ber_expect(&pdu, BER_INTEGER, &c) != 0 || ber_int32(&c, &p->error_status) != 0 ||
            ber_expect(&pdu, BER_INTEGER, &c) != 0 || ber_int32(&c, &p->error_index) != 0) {
            return SNMP_E_MALFORMED;
        }
    } else {
        return SNMP_E_MALFORMED;
    }
    struct ber vbl, vb, v;
    p->vbl_raw = pdu.p;
    if (ber_expect(&pdu, BER_SEQUENCE, &vbl) != 0) {
        return SNMP_E_MALFORMED;
    }
    p->vbl_raw_len = (size_t)(vbl.end - p->vbl_raw);
    p->vbs = a->vb;
    p->nvb = 0;
    while (vbl.p < vbl.end) {
        if (p->nvb == SNMP_MAX_VARBINDS) {
            return SNMP_E_TOOBIG;
        }
        struct snmp_vb *x = &a->vb[p->nvb];
        memset(x, 0, sizeof *x);
        if (ber_expect(&vbl, BER_SEQUENCE, &vb) != 0 || ber_expect(&vb, BER_OID, &c) != 0 ||
            arena_oid(a, &c, &x->oid, &x->oid_len) != 0 || ber_next(&vb, &tag, &v) != 0 ||
            vb.p != vb.end || decode_value(tag, &v, x, a) != 0) {
            return SNMP_E_MALFORMED;
        }
        p->nvb++;
    }
    if (p->type != SNMP_PDU_TRAP_V1 && p->type != SNMP_PDU_TRAP_V2 &&
        p->type != SNMP_PDU_INFORM) {
        return SNMP_E_PDUTYPE;
    }
    return SNMP_OK;
}

int snmp_decode_scoped(const uint8_t *buf, size_t len, struct snmp_msg *m,
                       struct snmp_arena *a)
{
    struct ber b = { buf, buf + len }, sp, c;
    if (ber_expect(&b, BER_SEQUENCE, &sp) != 0 || ber_expect(&sp, BER_OCTETSTRING, &c) != 0) {
        return SNMP_E_MALFORMED;
    }
    m->ctx_engine = c.p;
    m->ctx_engine_len = (size_t)(c.end - c.p);
    if (ber_expect(&sp, BER_OCTETSTRING, &c) != 0) {
        return SNMP_E_MALFORMED;
    }
    m->ctx_name = c.p;
    m->ctx_name_len = (size_t)(c.end - c.p);
    return decode_pdu(&sp, m, a);
}

int snmp_decode(const uint8_t *buf, size_t len, struct snmp_msg *m, struct snmp_arena *a,
                int header_only)
{
    struct ber b = { buf, buf + len }, msg, c;
    int32_t ver;
    memset(m, 0, sizeof *m);
    a->nsub = 0;
    if (ber_expect(&b, BER_SEQUENCE, &msg) != 0 || ber_expect(&msg, BER_INTEGER, &c) != 0 ||
        ber_int32(&c, &ver) != 0) {
        return SNMP_E_MALFORMED;
    }
    if (ver != SNMP_V1 && ver != SNMP_V2C && ver != SNMP_V3) {
        return SNMP_E_VERSION;
    }
    m->version = ver;
    if (ver != SNMP_V3) {
        if (ber_expect(&msg, BER_OCTETSTRING, &c) != 0) {
            return SNMP_E_MALFORMED;
        }
        m->community = c.p;
        m->community_len = (size_t)(c.end - c.p);
        int rc = decode_pdu(&msg, m, a);
        if (rc == SNMP_OK && ((ver == SNMP_V1) != (m->pdu.type == SNMP_PDU_TRAP_V1))) {
            return SNMP_E_PDUTYPE;   /* a v1 message carries only Trap-PDUs, v2c never */
        }
        return rc;
    }
    /* v3: HeaderData */
    struct ber hd, sec, usm;
    if (ber_expect(&msg, BER_SEQUENCE, &hd) != 0 || ber_expect(&hd, BER_INTEGER, &c) != 0 ||
        ber_int32(&c, &m->msg_id) != 0 || ber_expect(&hd, BER_INTEGER, &c) != 0 ||
        ber_int32(&c, &m->max_size) != 0 || ber_expect(&hd, BER_OCTETSTRING, &c) != 0 ||
        c.end - c.p != 1) {
        return SNMP_E_MALFORMED;
    }
    m->flags = c.p[0];
    if (ber_expect(&hd, BER_INTEGER, &c) != 0 || ber_int32(&c, &m->sec_model) != 0) {
        return SNMP_E_MALFORMED;
    }
    /* USM security parameters */
    if (ber_expect(&msg, BER_OCTETSTRING, &sec) != 0 ||
        ber_expect(&sec, BER_SEQUENCE, &usm) != 0 ||
        ber_expect(&usm, BER_OCTETSTRING, &c) != 0 || c.end - c.p > 32) {
        return SNMP_E_MALFORMED;
    }
    m->engine_id = c.p;
    m->engine_id_len = (size_t)(c.end - c.p);
    int32_t boots, tm;
    if (ber_expect(&usm, BER_INTEGER, &c) != 0 || ber_int32(&c, &boots) != 0 || boots < 0 ||
        ber_expect(&usm, BER_INTEGER, &c) != 0 || ber_int32(&c, &tm) != 0 || tm < 0 ||
        ber_expect(&usm, BER_OCTETSTRING, &c) != 0 || c.end - c.p > 32) {
        return SNMP_E_MALFORMED;
    }
    m->boots = (uint32_t)boots;
    m->time = (uint32_t)tm;
    m->user = c.p;
    m->user_len = (size_t)(c.end - c.p);
    if (ber_expect(&usm, BER_OCTETSTRING, &c) != 0) {
        return SNMP_E_MALFORMED;
    }
    m->auth_params = c.p;
    m->auth_params_len = (size_t)(c.end - c.p);
    if (ber_expect(&usm, BER_OCTETSTRING, &c) != 0) {
        return SNMP_E_MALFORMED;
    }
    m->priv_params = c.p;
    m->priv_params_len = (size_t)(c.end - c.p);
    /* msgData */
    uint8_t tag;
    const uint8_t *start = msg.p;
    if (ber_next(&msg, &tag, &c) != 0) {
        return SNMP_E_MALFORMED;
    }
    if (tag == BER_OCTETSTRING) {
        m->encrypted = 1;
        m->scoped = c.p;
        m->scoped_len = (size_t)(c.end - c.p);
        return SNMP_OK;
    }
    if (tag != BER_SEQUENCE) {
        return SNMP_E_MALFORMED;
    }
    m->scoped = start;
    m->scoped_len = (size_t)(c.end - start);
    if (header_only) {
        return SNMP_OK;
    }
    return snmp_decode_scoped(m->scoped, m->scoped_len, m, a);
}

/* ---- encoding ---- */

size_t ber_hdr_size(size_t len)
{
    return len < 0x80 ? 2 : len < 0x100 ? 3 : len < 0x10000 ? 4 : 5;
}

uint8_t *ber_put_hdr(uint8_t *p, uint8_t tag, size_t len)
{
    *p++ = tag;
    if (len < 0x80) {
        *p++ = (uint8_t)len;
    } else if (len < 0x100) {
        *p++ = 0x81;
        *p++ = (uint8_t)len;
    } else if (len < 0x10000) {
        *p++ = 0x82;
        *p++ = (uint8_t)(len >> 8);
        *p++ = (uint8_t)len;
    } else {
        *p++ = 0x83;
        *p++ = (uint8_t)(len >> 16);
        *p++ = (uint8_t)(len >> 8);
        *p++ = (uint8_t)len;
    }
    return p;
}

static size_t int_content(int64_t v)
{
    size_t n = 1;
    while (n < 8) {
        int64_t lo = -((int64_t)1 << (8 * n - 1)), hi = ((int64_t)1 << (8 * n - 1)) - 1;
        if (v >= lo && v <= hi) {
            break;
        }
        n++;
    }
    return n;
}

size_t ber_int_size(int64_t v)
{
    return 2 + int_content(v);
}

uint8_t *ber_put_int(uint8_t *p, int64_t v)
{
    size_t n = int_content(v);
    p = ber_put_hdr(p, BER_INTEGER, n);
    for (size_t i = 0; i < n; i++) {
        p[i] = (uint8_t)((uint64_t)v >> (8 * (n - 1 - i)));
    }
    return p + n;
}

size_t snmp_encode_pdu(uint8_t *out, size_t cap, uint8_t type, int32_t reqid, int32_t err,
                       int32_t erridx, const uint8_t *vbl, size_t vbl_len)
{
    size_t body = ber_int_size(reqid) + ber_int_size(err) + ber_int_size(erridx) + vbl_len;
    size_t total = ber_hdr_size(body) + body;
    if (total > cap) {
        return 0;
    }
    uint8_t *p = ber_put_hdr(out, type, body);
    p = ber_put_int(p, reqid);
    p = ber_put_int(p, err);
    p = ber_put_int(p, erridx);
    if (vbl_len > 0) {
        memcpy(p, vbl, vbl_len);
    }
    return total;
}

size_t snmp_encode_community_msg(uint8_t *out, size_t cap, int version, const uint8_t *comm,
                                 size_t comm_len, const uint8_t *pdu, size_t pdu_len)
{
    size_t body = ber_int_size(version) + ber_hdr_size(comm_len) + comm_len + pdu_len;
    size_t total = ber_hdr_size(body) + body;
    if (total > cap) {
        return 0;
    }
    uint8_t *p = ber_put_hdr(out, BER_SEQUENCE, body);
    p = ber_put_int(p, version);
    p = ber_put_hdr(p, BER_OCTETSTRING, comm_len);
    if (comm_len > 0) {
        memcpy(p, comm, comm_len);
    }
    p += comm_len;
    memcpy(p, pdu, pdu_len);
    return total;
}
