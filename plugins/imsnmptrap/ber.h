/*
 * ber.h - a small, bounded BER reader and the SNMP message structures imsnmptrap decodes
 * (v1 Trap-PDU, v2c/v3 SNMPv2-Trap, InformRequest; the v3 header and USM security
 * parameters).  See ber.c for why this is written by hand.
 *
 * Ownership: a decoded message points into the datagram it was decoded from (strings, the
 * v3 authentication parameters) and into a caller-owned struct snmp_arena (OIDs and
 * varbinds); both must outlive the message.  Nothing is allocated.
 *
 * Concurrency & locking: none; every function works on its arguments only (one arena per
 * thread).
 */
#ifndef SLUICE_IMSNMPTRAP_BER_H
#define SLUICE_IMSNMPTRAP_BER_H

#include <stddef.h>
#include <stdint.h>

/* BER / SNMP tags */
enum {
    BER_INTEGER = 0x02,
    BER_BITSTRING = 0x03,
    BER_OCTETSTRING = 0x04,
    BER_NULL = 0x05,
    BER_OID = 0x06,
    BER_SEQUENCE = 0x30,
    SNMP_IPADDRESS = 0x40,
    SNMP_COUNTER32 = 0x41,
    SNMP_GAUGE32 = 0x42,
    SNMP_TIMETICKS = 0x43,
    SNMP_OPAQUE = 0x44,
    SNMP_NSAP = 0x45,
    SNMP_COUNTER64 = 0x46,
    SNMP_UINTEGER32 = 0x47,
    SNMP_NOSUCHOBJECT = 0x80,
    SNMP_NOSUCHINSTANCE = 0x81,
    SNMP_ENDOFMIBVIEW = 0x82,
    /* net-snmp's "special" opaque types: Opaque wrapping 0x9f <type> <len> <value> */
    SNMP_OPAQUE_COUNTER64 = 0x76,
    SNMP_OPAQUE_FLOAT = 0x78,
    SNMP_OPAQUE_DOUBLE = 0x79,
    SNMP_OPAQUE_I64 = 0x7a,
    SNMP_OPAQUE_U64 = 0x7b,
    /* PDU types */
    SNMP_PDU_GET = 0xa0,
    SNMP_PDU_RESPONSE = 0xa2,
    SNMP_PDU_TRAP_V1 = 0xa4,
    SNMP_PDU_INFORM = 0xa6,
    SNMP_PDU_TRAP_V2 = 0xa7,
    SNMP_PDU_REPORT = 0xa8
};

enum { SNMP_V1 = 0, SNMP_V2C = 1, SNMP_V3 = 3 };

/* Limits: net-snmp's MAX_OID_LEN is 128 sub-identifiers. */
#define SNMP_MAX_OID 128
#define SNMP_MAX_VARBINDS 1024
#define SNMP_ARENA_SUBIDS 32768

/* Why a datagram was refused (counted by the plugin). */
enum snmp_err {
    SNMP_OK = 0,
    SNMP_E_MALFORMED = -1,   /* BER or SNMP structure broken */
    SNMP_E_VERSION = -2,     /* version not 0, 1 or 3 */
    SNMP_E_PDUTYPE = -3,     /* a PDU that is not a notification */
    SNMP_E_TOOBIG = -4       /* more varbinds or OID sub-identifiers than the limits */
};

/* A bounded reader: [p, end). */
struct ber {
    const uint8_t *p, *end;
};

/* Next TLV: single-byte tag (every SNMP tag), definite length in at most 4 bytes, content
 * inside the buffer.  On success *tag and *content are set and b moves past the TLV. */
int ber_next(struct ber *b, uint8_t *tag, struct ber *content);
/* ber_next() and the tag must be `tag`. */
int ber_expect(struct ber *b, uint8_t tag, struct ber *content);
/* INTEGER contents: 1..4 bytes into int32 (a 64-bit value in a 32-bit type is refused). */
int ber_int32(const struct ber *c, int32_t *v);
/* Unsigned 32-bit application types: 1..5 bytes (5 only with a leading 0x00), value taken
 * modulo 2^32 as net-snmp does for negative encodings. */
int ber_uint32(const struct ber *c, uint32_t *v);
/* Counter64: 1..9 bytes (9 only with a leading 0x00). */
int ber_uint64(const struct ber *c, uint64_t *v);
/* Signed 64-bit (Opaque Int64): 1..8 bytes. */
int ber_int64(const struct ber *c, int64_t *v);
/* OBJECT IDENTIFIER contents into out[0..max): sub-identifiers up to 2^32-1. */
int ber_oid(const struct ber *c, uint32_t *out, size_t max, size_t *n);

/* One variable binding. */
struct snmp_vb {
    const uint32_t *oid;
    size_t oid_len;
    uint8_t type;             /* tag; for special opaques the SNMP_OPAQUE_* inner type */
    int64_t i;                /* INTEGER, Opaque Int64 */
    uint64_t u;               /* Counter32/Gauge32/TimeTicks/UInteger32/Counter64/U64 */
    double d;                 /* Opaque Float/Double */
    const uint8_t *s;         /* OCTET STRING, Opaque, IpAddress, NsapAddress, BITS */
    size_t slen;
    const uint32_t *oidval;   /* OID value */
    size_t oidval_len;
};

struct snmp_pdu {
    uint8_t type;             /* SNMP_PDU_* */
    int32_t request_id, error_status, error_index;
    /* v1 Trap-PDU */
    const uint32_t *enterprise;
    size_t enterprise_len;
    uint8_t agent_addr[4];
    int32_t generic, specific;
    uint32_t timestamp;
    /* varbinds */
    const uint8_t *vbl_raw;   /* the VarBindList TLV in the datagram (echoed in a Response) */
    size_t vbl_raw_len;
    struct snmp_vb *vbs;
    size_t nvb;
};

struct snmp_msg {
    int version;              /* SNMP_V1 / SNMP_V2C / SNMP_V3 */
    const uint8_t *community;
    size_t community_len;
    /* v3 header */
    int32_t msg_id, max_size, sec_model;
    uint8_t flags;            /* bit 0 auth, 1 priv, 2 reportable */
    const uint8_t *engine_id;
    size_t engine_id_len;
    uint32_t boots, time;
    const uint8_t *user;
    size_t user_len;
    const uint8_t *auth_params;   /* points into the datagram (zeroed for HMAC) */
    size_t auth_params_len;
    const uint8_t *priv_params;
    size_t priv_params_len;
    const uint8_t *scoped;        /* scopedPDU TLV (plaintext) or encrypted bytes */
    size_t scoped_len;
    int encrypted;
    const uint8_t *ctx_engine;
    size_t ctx_engine_len;
    const uint8_t *ctx_name;
    size_t ctx_name_len;
    struct snmp_pdu pdu;
};

/* Scratch space for one message's OIDs and varbinds. */
struct snmp_arena {
    uint32_t sub[SNMP_ARENA_SUBIDS];
    size_t nsub;
    struct snmp_vb vb[SNMP_MAX_VARBINDS];
};

/* Decode a whole datagram.  v1/v2c: the PDU is decoded as well.  v3: the header and USM
 * parameters only; if the scoped PDU is in clear text (not encrypted) it is decoded too
 * unless `header_only`.  Returns SNMP_OK or an snmp_err. */
int snmp_decode(const uint8_t *buf, size_t len, struct snmp_msg *m, struct snmp_arena *a,
                int header_only);
/* Decode a v3 scopedPDU (plaintext, possibly followed by padding) into m. */
int snmp_decode_scoped(const uint8_t *buf, size_t len, struct snmp_msg *m,
                       struct snmp_arena *a);

/* ---- encoding (Responses to informs, Reports) ----
 * Each returns the number of bytes written to out, or 0 if cap is too small. */
/* A PDU: type { request-id, error-status, error-index, VarBindList } where vbl is a whole
 * VarBindList TLV (vbl_len bytes) copied as is. */
size_t snmp_encode_pdu(uint8_t *out, size_t cap, uint8_t type, int32_t reqid, int32_t err,
                       int32_t erridx, const uint8_t *vbl, size_t vbl_len);
/* A v1/v2c message around an encoded PDU. */
size_t snmp_encode_community_msg(uint8_t *out, size_t cap, int version, const uint8_t *comm,
                                 size_t comm_len, const uint8_t *pdu, size_t pdu_len);
/* Low-level: a TLV header; an INTEGER; an OCTET STRING. */
size_t ber_hdr_size(size_t len);
uint8_t *ber_put_hdr(uint8_t *p, uint8_t tag, size_t len);
size_t ber_int_size(int64_t v);
uint8_t *ber_put_int(uint8_t *p, int64_t v);

#endif
