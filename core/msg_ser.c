/*
 * msg_ser.c - messages to and from bytes, for the disk spool.
 *
 * Record format (version 1, or 2 with flags bit 2), all integers little-endian:
 *   u8  version (1; 2 for a message built with msg_set_fields, so that an older sluiced
 *       refuses such a record instead of parsing its raw bytes as a syslog line)
 *   u8  flags (bit 0: internal message, bit 1: local metadata, bit 2: built fields,
 *       bit 3: raw bytes already repaired by a parser plugin (pmsnare, ...): no parser
 *       plugin runs on them again when they are parsed after restore; version 2)
 *   u8  parse_result ($parsesuccess)
 *   u8  PRI of an internal message (they are built, not parsed), else 0
 *   u64 receive time, seconds;  u32 nanoseconds
 *   u16 peer length, then the sockaddr bytes
 *   u16 input name length, then the name
 *   u16 ruleset name length, then the name ("" = default ruleset)
 *   u32 raw length, then the raw bytes
 *   u32 $! length, then its compact JSON text (0 = none)
 *   u32 $. length, then its compact JSON text (0 = none)
 *   only with flags bit 1 (a local input's metadata, sl_msg_set_local): u32 local flags
 *   (SL_LOCAL_*), u64 pid, u8 PRI (SL_LOCAL_KERNEL), u16 tag length + tag (SL_LOCAL_KERNEL; with
 *   SL_LOCAL_PRESET the preset tag),
 *   u16 fromhost length + fromhost (0 = none)
 *   only with flags bit 2 (a message an input built with msg_set_fields, core/msg_fields.c):
 *   u32 SL_MF_* bits given, u8 PRI, with SL_MF_TIME the timestamp shown (u8 type, u16 year,
 *   u8 month, day, hour, minute, second, secfrac precision, u32 secfrac, u8 offset mode,
 *   offset hour, offset minute, in_utc), then for each of hostname, tag, app-name, procid,
 *   msgid, msg whose bit is set: u32 length + bytes; then u16 fromhost length + fromhost
 *   (0 = not resolved yet).  Such a message is restored as msg_set_fields left it (no parser
 *   runs on it); its timegenerated follows the stored receive time.
 * The parsed fields of other messages are not stored: parsing is deterministic from the raw
 * bytes, the receive time, the peer and a local input's metadata, so a restored message is
 * parsed again by the worker that takes it.  The spool's record CRC protects the bytes; this code still checks every length.
 *
 * Ownership: sl_msg_serialize appends to the caller's buffer; sl_msg_deserialize returns a
 * new message (refcount 1) and the ruleset name in a caller buffer.
 * Concurrency & locking: none; the message must not change while it is serialized (it is
 * read-only once queued to an action).
 */
#include <json.h>
#include <stdlib.h>
#include <string.h>

#include "msg.h"
#include "msg_ser.h"
#include "util/buf.h"

#define SER_VERSION 1
#define SER_VERSION_FIELDS 2  /* records with flags bit 2 */

static int put_u16(struct sl_buf *b, size_t v)
{
    unsigned char c[2] = { (unsigned char)(v & 0xff), (unsigned char)((v >> 8) & 0xff) };
    return sl_buf_append(b, c, 2);
}

static int put_u32(struct sl_buf *b, uint64_t v)
{
    unsigned char c[4];
    for (int i = 0; i < 4; i++) {
        c[i] = (unsigned char)((v >> (8 * i)) & 0xff);
    }
    return sl_buf_append(b, c, 4);
}

static int put_u64(struct sl_buf *b, uint64_t v)
{
    unsigned char c[8];
    for (int i = 0; i < 8; i++) {
        c[i] = (unsigned char)((v >> (8 * i)) & 0xff);
    }
    return sl_buf_append(b, c, 8);
}

static int put_json(struct sl_buf *b, struct fjson_object *j)
{
    if (j == NULL) {
        return put_u32(b, 0);
    }
    const char *txt = fjson_object_to_json_string_ext(j, FJSON_TO_STRING_PLAIN);
    size_t n = strlen(txt);
    int rc = put_u32(b, n);
    return rc != 0 ? rc : sl_buf_append(b, txt, n);
}

/* The fields of a message built with msg_set_fields (flags bit 2). */
static int put_fields(struct sl_buf *out, struct sl_msg *m)
{
    unsigned char pri = (unsigned char)m->pri;
    int rc = put_u32(out, m->fields_set);
    rc = rc ? rc : sl_buf_append(out, &pri, 1);
    if (m->fields_set & SL_MF_TIME) {
        const struct sl_time *t = &m->t_reported;
        unsigned char a[6] = { t->type, t->month, t->day, t->hour, t->minute, t->second };
        unsigned char b[5] = { t->secfrac_precision, (unsigned char)t->offset_mode,
                               t->offset_hour, t->offset_minute, t->in_utc };
        rc = rc ? rc : put_u16(out, (uint16_t)t->year);
        rc = rc ? rc : sl_buf_append(out, a, sizeof a);
        rc = rc ? rc : put_u32(out, t->secfrac);
        rc = rc ? rc : sl_buf_append(out, b, sizeof b);
    }
    struct sl_str sp[SL_MSG_FSTR__COUNT];
    sl_msg_fields_spans(m, sp);
    for (int i = 0; i < SL_MSG_FSTR__COUNT; i++) {
        if (sp[i].p != NULL) {
            if (sp[i].len > 0xffffffffu) {
                return SL_EINVAL;
            }
            rc = rc ? rc : put_u32(out, sp[i].len);
            rc = rc ? rc : sl_buf_append(out, sp[i].p, sp[i].len);
        }
    }
    const char *fh = __atomic_load_n(&m->fromhost, __ATOMIC_ACQUIRE);
    size_t fl = fh != NULL ? strlen(fh) : 0;
    if (fl > 0xffff) {
        fl = 0;    /* resolved again after the restore */
    }
    rc = rc ? rc : put_u16(out, fl);
    if (fl > 0) {
        rc = rc ? rc : sl_buf_append(out, fh, fl);
    }
    return rc;
}

int sl_msg_serialize(struct sl_msg *m, const char *ruleset_name, struct sl_buf *out)
{
    int internal = (m->flags & SL_MSGF_INTERNAL) != 0;
    int local = !internal && m->local_flags != 0;
    int fields = !internal && (m->flags & SL_MSGF_FIELDS) != 0;
    int edited = !internal && !fields && (m->flags & SL_MSGF_RAW_EDITED) != 0;
    unsigned char head[4] = { (fields || edited) ? SER_VERSION_FIELDS : SER_VERSION,
                              (unsigned char)((internal ? 1 : 0) | (local ? 2 : 0) |
                                              (fields ? 4 : 0) | (edited ? 8 : 0)),
                              m->parse_result, internal ? (unsigned char)m->pri : 0 };
    const char *in = m->inputname != NULL ? m->inputname : "";
    const char *rs = ruleset_name != NULL ? ruleset_name : "";
    size_t inl = strlen(in), rsl = strlen(rs);
    if (inl > 0xffff || rsl > 0xffff || m->peerlen > sizeof(struct sockaddr_storage) ||
        m->raw_len > 0xffffffffu) {
        return SL_EINVAL;
    }
    int rc = sl_buf_append(out, head, sizeof head);
    rc = rc ? rc : put_u64(out, (uint64_t)m->rcv.tv_sec);
    rc = rc ? rc : put_u32(out, (uint64_t)m->rcv.tv_nsec);
    rc = rc ? rc : put_u16(out, m->peerlen);
    rc = rc ? rc : sl_buf_append(out, sl_msg_peer(m), m->peerlen);
    rc = rc ? rc : put_u16(out, inl);
    rc = rc ? rc : sl_buf_append(out, in, inl);
    rc = rc ? rc : put_u16(out, rsl);
    rc = rc ? rc : sl_buf_append(out, rs, rsl);
    rc = rc ? rc : put_u32(out, m->raw_len);
    rc = rc ? rc : sl_buf_append(out, m->raw, m->raw_len);
    rc = rc ? rc : put_json(out, m->json);
    rc = rc ? rc : put_json(out, m->localvars);
    if (local) {
        int kernel = (m->local_flags & SL_LOCAL_KERNEL) != 0;
        size_t tl = kernel && m->tag.p != NULL ? m->tag.len : 0;
        const char *tp = m->tag.p;
        if (!kernel && m->preset_tag != NULL) {
            tp = m->preset_tag;          /* SL_LOCAL_PRESET */
            tl = strlen(tp);
        }
        const char *fh = __atomic_load_n(&m->fromhost, __ATOMIC_ACQUIRE);
        size_t fl = fh != NULL ? strlen(fh) : 0;
        if (tl > 0xffff || fl > 0xffff) {
            return SL_EINVAL;
        }
        rc = rc ? rc : put_u32(out, m->local_flags);
        rc = rc ? rc : put_u64(out, (uint64_t)m->local_pid);
        unsigned char pri = kernel ? (unsigned char)m->pri : 0;
        rc = rc ? rc : sl_buf_append(out, &pri, 1);
        rc = rc ? rc : put_u16(out, tl);
        if (tl > 0) {
            rc = rc ? rc : sl_buf_append(out, tp, tl);
        }
        rc = rc ? rc : put_u16(out, fl);
        if (fl > 0) {    /* fh may be NULL: no memcpy from NULL, even of 0 bytes */
            rc = rc ? rc : sl_buf_append(out, fh, fl);
        }
    }
    if (fields) {
        rc = rc ? rc : put_fields(out, m);
    }
    return rc;
}

struct reader {
    const unsigned char *p;
    size_t left;
};

static int get(struct reader *r, void *dst, size_t n)
{
    if (r->left < n) {
        return SL_EINVAL;
    }
    if (dst != NULL) {
        memcpy(dst, r->p, n);
    }
    r->p += n;
    r->left -= n;
    return 0;
}

static int get_uint(struct reader *r, size_t width, uint64_t *v)
{
    unsigned char c[8];
    if (get(r, c, width) != 0) {
        return SL_EINVAL;
    }
    *v = 0;
    for (size_t i = 0; i < width; i++) {
        *v |= (uint64_t)c[i] << (8 * i);
    }
    return 0;
}

static int get_json(struct reader *r, struct fjson_object **out)
{
    uint64_t n;
    *out = NULL;
    if (get_uint(r, 4, &n) != 0 || n > r->left) {
        return SL_EINVAL;
    }
    if (n == 0) {
        return 0;
    }
    char *txt = sl_xstrndup((const char *)r->p, (size_t)n);
    r->p += n;
    r->left -= n;
    *out = fjson_tokener_parse(txt);
    free(txt);
    return *out != NULL ? 0 : SL_EINVAL;
}

/* The local-input metadata at the end of a record (flags bit 1). */
static int get_local(struct reader *r, struct sl_msg *m)
{
    uint64_t flags, pid, tl, fl;
    unsigned char pri;
    if (get_uint(r, 4, &flags) != 0 || get_uint(r, 8, &pid) != 0 || get(r, &pri, 1) != 0 ||
        pri > 191 || get_uint(r, 2, &tl) != 0 || tl > r->left) {
        return SL_EINVAL;
    }
    char *tag = sl_xstrndup((const char *)r->p, (size_t)tl);
    get(r, NULL, (size_t)tl);
    if (get_uint(r, 2, &fl) != 0 || fl > r->left) {
        free(tag);
        return SL_EINVAL;
    }
    char *fh = fl > 0 ? sl_xstrndup((const char *)r->p, (size_t)fl) : NULL;
    get(r, NULL, (size_t)fl);
    struct sl_local_meta lm;
    memset(&lm, 0, sizeof lm);
    lm.flags = (uint32_t)flags;
    lm.pid = (int64_t)pid;
    lm.pri = pri;
    lm.tag = tag;
    lm.hostname = fh;
    lm.rcv = &m->rcv;
    sl_msg_set_local(m, &lm);
    free(tag);
    free(fh);
    return 0;
}

/* The fields of a built message at the end of a record (flags bit 2). */
static int get_fields(struct reader *r, struct sl_msg *m)
{
    uint64_t set, v;
    unsigned char pri;
    struct sl_time t;
    memset(&t, 0, sizeof t);
    if (get_uint(r, 4, &set) != 0 || get(r, &pri, 1) != 0 || pri > 191) {
        return SL_EINVAL;
    }
    if (set & SL_MF_TIME) {
        unsigned char a[6], b[5];
        uint64_t year, frac;
        if (get_uint(r, 2, &year) != 0 || get(r, a, sizeof a) != 0 ||
            get_uint(r, 4, &frac) != 0 || get(r, b, sizeof b) != 0) {
            return SL_EINVAL;
        }
        t.year = (int16_t)year;
        t.type = a[0];
        t.month = a[1];
        t.day = a[2];
        t.hour = a[3];
        t.minute = a[4];
        t.second = a[5];
        t.secfrac = (uint32_t)frac;
        t.secfrac_precision = b[0];
        t.offset_mode = (char)b[1];
        t.offset_hour = b[2];
        t.offset_minute = b[3];
        t.in_utc = b[4];
        if (t.type != 2 || t.month < 1 || t.month > 12 || t.day < 1 || t.day > 31 ||
            t.hour > 23 || t.minute > 59 || t.second > 60 || t.secfrac_precision > 9 ||
            t.secfrac > 999999999u || (t.offset_mode != '+' && t.offset_mode != '-') ||
            t.offset_hour > 24 || t.offset_minute > 59) {
            return SL_EINVAL;
        }
    }
    static const uint32_t bits[SL_MSG_FSTR__COUNT] = { SL_MF_HOSTNAME, SL_MF_TAG,
                                                       SL_MF_APPNAME, SL_MF_PROCID,
                                                       SL_MF_MSGID, SL_MF_MSG };
    const char *strs[SL_MSG_FSTR__COUNT] = { NULL };
    size_t lens[SL_MSG_FSTR__COUNT] = { 0 };
    for (int i = 0; i < SL_MSG_FSTR__COUNT; i++) {
        if (set & bits[i]) {
            if (get_uint(r, 4, &v) != 0 || v > r->left) {
                return SL_EINVAL;
            }
            strs[i] = (const char *)r->p;   /* copied by the restore */
            lens[i] = (size_t)v;
            get(r, NULL, (size_t)v);
        }
    }
    uint64_t fl;
    if (get_uint(r, 2, &fl) != 0 || fl > r->left) {
        return SL_EINVAL;
    }
    if (fl > 0 && m->fromhost == NULL) {
        m->fromhost = sl_xstrndup((const char *)r->p, (size_t)fl);
    }
    get(r, NULL, (size_t)fl);
    return sl_msg_fields_restore(m, (uint32_t)set, pri, &t, strs, lens);
}

struct sl_msg *sl_msg_deserialize(const void *p, size_t len, char *ruleset, size_t rslen,
                                  const char *(*intern)(void *arg, const char *name), void *arg)
{
    struct reader r = { p, len };
    unsigned char head[4];
    uint64_t sec, nsec, peerlen, inl, rsl, rawlen;
    if (get(&r, head, 4) != 0 || (head[0] != SER_VERSION && head[0] != SER_VERSION_FIELDS) ||
        ((head[1] & 4) && (head[0] != SER_VERSION_FIELDS || (head[1] & 1))) ||
        ((head[1] & 8) && (head[0] != SER_VERSION_FIELDS || (head[1] & 5))) ||
        get_uint(&r, 8, &sec) != 0 ||
        get_uint(&r, 4, &nsec) != 0 || nsec >= 1000000000u || get_uint(&r, 2, &peerlen) != 0 ||
        peerlen > sizeof(struct sockaddr_storage) || peerlen > r.left) {
        return NULL;
    }
    struct sockaddr_storage peer;
    memset(&peer, 0, sizeof peer);
    get(&r, &peer, (size_t)peerlen);
    if (get_uint(&r, 2, &inl) != 0 || inl > r.left) {
        return NULL;
    }
    char name[0x10000];
    memcpy(name, r.p, (size_t)inl);
    name[inl] = '\0';
    get(&r, NULL, (size_t)inl);
    if (get_uint(&r, 2, &rsl) != 0 || rsl > r.left) {
        return NULL;
    }
    if (ruleset != NULL && rslen > 0) {
        size_t k = rsl < rslen - 1 ? (size_t)rsl : rslen - 1;
        memcpy(ruleset, r.p, k);
        ruleset[k] = '\0';
    }
    get(&r, NULL, (size_t)rsl);
    if (get_uint(&r, 4, &rawlen) != 0 || rawlen > r.left) {
        return NULL;
    }
    struct sl_msg *m;
    if (head[3] > 191) {
        return NULL;    /* no PRI sluice writes (found by tests/fuzz/fuzz_msgser) */
    }
    if (head[1] & 1) {
        char *txt = sl_xstrndup((const char *)r.p, (size_t)rawlen);
        m = sl_msg_new_internal(head[3] / 8, head[3] % 8, txt);
        free(txt);
    } else {
        m = sl_msg_new((const char *)r.p, (size_t)rawlen);
    }
    get(&r, NULL, (size_t)rawlen);
    m->rcv.tv_sec = (time_t)sec;
    m->rcv.tv_nsec = (long)nsec;
    if (peerlen > 0) {
        sl_msg_set_peer(m, (const struct sockaddr *)&peer, (socklen_t)peerlen);
    }
    if (!(head[1] & 1)) {
        m->inputname = intern != NULL ? intern(arg, name) : NULL;
    }
    m->parse_result = head[2];
    if (head[1] & 8) {
        m->flags |= SL_MSGF_RAW_EDITED;
    }
    if (get_json(&r, &m->json) != 0 || get_json(&r, &m->localvars) != 0 ||
        ((head[1] & 2) && get_local(&r, m) != 0) ||
        ((head[1] & 4) && get_fields(&r, m) != 0) || r.left != 0) {
        sl_msg_unref(m);
        return NULL;
    }
    return m;
}
