/*
 * parse/parse.c - the parse driver, sl_msg_parse (declared in msg.h): rsyslog's sanitising of
 * control characters on receive, the PRI, then the ruleset's parser chain (by default
 * RFC 5424, else RFC 3164), the imuxsock and imklog special cases, and the fields derived
 * from the tag.  It sits on top of the message object (msg.c, msg_int.h) and below the
 * engine; msg.c calls no parser, so message and parsers no longer depend on each other both
 * ways.
 *
 * Ownership: the message is the caller's; a sanitised copy of raw replaces m->raw (the
 * message frees it), derived strings are registered with sl_msg_own().
 * Concurrency & locking: runs on the one ruleset worker that owns the message, before the
 * message is shared; no shared state.
 */
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "msg.h"
#include "msg_int.h"
#include "parse/parse.h"
#include "util/buf.h"

/* ---------------------------------------------------------------------------------------
 * Parsing driver
 * ------------------------------------------------------------------------------------- */

/* Index of the first byte < 0x20 (or > 127 with esc_8bit) in s[0..len), else len.  16
 * bytes at a time with SSE2, else (and for short messages) eight bytes at a time: (w - 0x20..20) & ~w & 0x80..80 is nonzero exactly when some byte of w is
 * below 0x20 (a borrow only starts at such a byte), w & 0x80..80 when one is above 127. */
#if defined(__SSE2__)
/* Bits of the bytes of s[0..16) that are < 0x20 (or > 127 with esc_8bit). */
static inline unsigned special_mask16(const char *s, int esc_8bit)
{
    __m128i v = _mm_loadu_si128((const __m128i *)(const void *)s);
    __m128i ge = _mm_cmpeq_epi8(_mm_max_epu8(v, _mm_set1_epi8(0x20)), v); /* v >= 0x20 */
    unsigned mask = (unsigned)_mm_movemask_epi8(ge) ^ 0xffffu;
    if (esc_8bit) {
        mask |= (unsigned)_mm_movemask_epi8(v);                          /* v > 127 */
    }
    return mask;
}
#endif

static size_t first_special(const char *s, size_t len, int esc_8bit)
{
#if defined(__SSE2__)
    if (len >= 16) {
        size_t i = 0;
        for (; i + 16 <= len; i += 16) {
            unsigned mask = special_mask16(s + i, esc_8bit);
            if (mask != 0) {
                return i + (size_t)__builtin_ctz(mask);
            }
        }
        if (i < len) {
            /* the last 16 bytes, overlapping what is known clean */
            unsigned mask = special_mask16(s + len - 16, esc_8bit);
            if (mask != 0) {
                return len - 16 + (size_t)__builtin_ctz(mask);
            }
        }
        return len;
    }
#endif
    const uint64_t ones = 0x0101010101010101ull;
    const uint64_t highs = 0x8080808080808080ull;
    const uint64_t extra = esc_8bit ? highs : 0;
    size_t i = 0;
    for (; i + 8 <= len; i += 8) {
        uint64_t w;
        memcpy(&w, s + i, 8);
        if ((((w - ones * 0x20) & ~w & highs) | (w & extra)) != 0) {
            break;
        }
    }
    if (esc_8bit) {
        for (; i < len; i++) {
            unsigned char c = (unsigned char)s[i];
            if (c < 0x20 || c > 127) {
                return i;
            }
        }
    } else {
        for (; i < len; i++) {
            if ((unsigned char)s[i] < 0x20) {
                return i;
            }
        }
    }
    return len;
}

/* Control characters on receive, as rsyslog's parser sanitizer: drop one trailing NUL and
 * one trailing LF, then (if enabled) write every byte < 0x20 as PREFIX + 3 octal digits.
 * Replaces m->raw if anything changes. */
static void sanitize(struct sl_msg *m, const struct sl_parse_opts *o)
{
    size_t len = m->raw_len;
    if (len > 0 && m->raw[len - 1] == '\0') {
        len--;
    }
    if (o->drop_trailing_lf && len > 0 && m->raw[len - 1] == '\n') {
        len--;
    }
    m->raw[len] = '\0';
    m->raw_len = len;

    /* As rsyslog: control characters (a tab only with parser.escapeControlCharacterTab)
     * and, with parser.escape8BitCharactersOnReceive, bytes above 127 become #ooo. */
    int esc_8bit = o->escape_cc_on_receive && o->escape_8bit;
    size_t first = first_special(m->raw, len, esc_8bit);
    if (first == len) {
        m->flags |= SL_MSGF_RAW_NO_NUL;    /* no byte < 0x20 at all */
        return;
    }
    if (!o->escape_cc_on_receive && !o->space_lf_on_receive) {
        return;
    }
    if (o->escape_cc_on_receive) {
        m->flags |= SL_MSGF_RAW_NO_NUL;    /* a NUL is always escaped below */
    }
    char *out = sl_xmalloc(len * 4 + 1);
    memcpy(out, m->raw, first);
    size_t n = first;
    for (size_t i = first; i < len; i++) {
        unsigned char c = (unsigned char)m->raw[i];
        int is_cc = c < 0x20 || (esc_8bit && c > 127);
        if (!is_cc) {
            out[n++] = (char)c;
        } else if (c == '\n' && o->space_lf_on_receive) {
            out[n++] = ' ';
        } else if (c == '\t' && !o->escape_tab) {
            out[n++] = (char)c;
        } else if (o->escape_cc_on_receive && o->escape_cc_cstyle) {
            /* parser.escapeControlCharactersCStyle: \n, \t, ..., else \xHH */
            static const char hex[] = "0123456789ABCDEF";
            static const char named[] = { ['\0'] = '0', ['\a'] = 'a', ['\b'] = 'b',
                                          ['\x1b'] = 'e', ['\f'] = 'f', ['\n'] = 'n',
                                          ['\r'] = 'r', ['\t'] = 't', ['\v'] = 'v' };
            out[n++] = '\\';
            if (c < sizeof named && named[c] != 0) {
                out[n++] = named[c];
            } else {
                out[n++] = 'x';
                out[n++] = hex[c >> 4];
                out[n++] = hex[c & 15];
            }
        } else if (o->escape_cc_on_receive) {
            out[n++] = o->cc_escape_prefix ? o->cc_escape_prefix : '#';
            out[n++] = (char)('0' + ((c >> 6) & 7));
            out[n++] = (char)('0' + ((c >> 3) & 7));
            out[n++] = (char)('0' + (c & 7));
        } else {
            out[n++] = (char)c;
        }
    }
    out[n] = '\0';
    if (!(m->flags & MSGF_RAW_INLINE)) {
        free(m->raw);
    }
    m->flags &= ~MSGF_RAW_INLINE;
    m->raw = out;
    m->raw_len = n;
}

/* "<digits>" at the start.  Returns 1 and sets pri/after if valid, 0 if there is no PRI,
 * -1 if it is malformed or out of range. */
static int parse_pri(const char *r, size_t len, int *pri, size_t *after)
{
    if (len == 0 || r[0] != '<') {
        return 0;
    }
    size_t i = 1;
    int v = 0;
    while (i < len && r[i] >= '0' && r[i] <= '9') {
        if (v < 100000) {
            v = v * 10 + (r[i] - '0');
        }
        i++;
    }
    if (i >= len || r[i] != '>' || v > 191) {
        return -1;
    }
    *pri = v;
    *after = i + 1;
    return 1;
}


/* Tag-derived fields: programname (and for RFC 3164 app-name and procid), and for RFC 5424
 * the tag built from app-name and procid, as rsyslog emulates them. */
/* SL_LOCAL_PRESET (ABI 1.6, imfile needParse): rsyslog sets HOSTNAME (the local host)
 * and TAG before its parsers run; what they do not set stays: the RFC 3164 parser takes no
 * HOSTNAME (no PARSE_HOSTNAME), the RFC 5424 one sets no TAG, a JSON text neither.
 * Returns 1 when the preset TAG is the message's. */
static int apply_preset(struct sl_msg *m)
{
    if (!(m->local_flags & SL_LOCAL_PRESET)) {
        return 0;
    }
    if (m->hostname.p == NULL) {
        const char *h = sl_local_hostname();
        m->hostname = (struct sl_str){ h, strlen(h) };
    }
    if (m->preset_tag != NULL && (m->protocol_version == 1 || m->tag.len == 0)) {
        m->tag = (struct sl_str){ m->preset_tag, strlen(m->preset_tag) };
        return 1;
    }
    return 0;
}

static void derive_fields(struct sl_msg *m, const struct sl_parse_opts *o)
{
    if (m->protocol_version == 1 && !apply_preset(m)) {
        int have_app = m->appname.p != NULL;
        int procid_dash = m->procid.p == NULL || (m->procid.len == 1 && m->procid.p[0] == '-');
        if (procid_dash) {
            m->tag = have_app ? m->appname : (struct sl_str){ "", 0 };
        } else {
            size_t n = m->appname.len + m->procid.len + 2;
            char *t = sl_msg_scratch(m, n + 1);
            memcpy(t, m->appname.p ? m->appname.p : "", m->appname.len);
            t[m->appname.len] = '[';
            memcpy(t + m->appname.len + 1, m->procid.p, m->procid.len);
            t[n - 1] = ']';
            t[n] = '\0';
            m->tag.p = t;
            /* rsyslog formats this into a 512-byte buffer (and then, past 511 bytes, shows
             * stack garbage); we stop at what fits */
            m->tag.len = n > 511 ? 511 : n;
        }
    }
    /* programname, and for RFC 3164 app-name and procid, follow from the tag, which does
     * not change after parsing: sl_msg_prop derives them when they are asked for
     * (get_programname, SL_PROP_APP_NAME, procid_of_tag), most templates never do */
    m->programname = (struct sl_str){ NULL, 0 };
    if (o->permit_slash_progname) {
        m->flags |= SL_MSGF_PERMIT_SLASH;   /* for get_programname */
    }
    if (m->protocol_version == 0) {
        m->appname = (struct sl_str){ NULL, 0 };
        m->procid = (struct sl_str){ NULL, 0 };
    }
}


/* ---------------------------------------------------------------------------------------
 * Parser plugins (ABI 1.5)
 * ------------------------------------------------------------------------------------- */

/* Parser plugin i of the ruleset's chain on m: SL_PARSE_DONE (m is parsed: SL_MSGF_PARSED
 * set, the caller returns), SL_PARSE_NOT_MINE or an error.  A plugin that
 * answers "not mine" after msg_set_fields has its fields undone: the next parser starts
 * from the message as the core parsed its PRI - except for its edits of the raw message
 * and a timestamp it read (msg_parse_ts3164), which stay, as in rsyslog (whose pmciscoios
 * writes the timestamp before it fails; pmrfc3164 keeps it when it finds none). */
static int run_plugin(struct sl_msg *m, const struct sl_parse_opts *o, size_t i)
{
    const struct sl_parser_ops *ops = o->chain->e[i].ops;
    int pri = m->pri;
    m->flags |= SL_MSGF_IN_PARSE;
    int rc = ops->parse(o->chain->e[i].inst, m);
    m->flags &= ~(uint32_t)SL_MSGF_IN_PARSE;
    if (rc == SL_PARSE_DONE) {
        if (!(m->flags & SL_MSGF_FIELDS)) {
            /* nothing set: rsyslog's empty header, MSG after the PRI */
            m->protocol_version = 0;
            m->tag = (struct sl_str){ "", 0 };
            m->msg = (struct sl_str){ m->raw + m->after_pri, m->raw_len - m->after_pri };
            m->programname = (struct sl_str){ NULL, 0 };
        }
        if (o->permit_slash_progname) {
            m->flags |= SL_MSGF_PERMIT_SLASH;
        }
        m->flags |= SL_MSGF_PARSED;
        return rc;
    }
    if (m->flags & SL_MSGF_FIELDS) {
        free(m->fields_blk);
        m->fields_blk = NULL;
        m->fields_set = 0;
        m->flags &= ~(uint32_t)SL_MSGF_FIELDS;
    }
    m->pri = pri;
    m->hostname = (struct sl_str){ NULL, 0 };
    m->tag = (struct sl_str){ NULL, 0 };
    m->appname = m->procid = m->msgid = m->sd = (struct sl_str){ NULL, 0 };
    m->protocol_version = 0;
    return rc == SL_PARSE_NOT_MINE ? rc : (rc < 0 ? rc : SL_EINVAL);
}

void sl_msg_parse_raw(struct sl_msg *m, const char **raw, size_t *len, size_t *after_pri)
{
    *raw = m->raw;
    *len = m->raw_len;
    *after_pri = m->after_pri;
}

int sl_msg_parse_set_raw(struct sl_msg *m, const char *text, size_t len)
{
    if (m == NULL || (text == NULL && len > 0) || !(m->flags & SL_MSGF_IN_PARSE) ||
        (m->flags & SL_MSGF_FIELDS)) {
        return SL_EINVAL;
    }
    size_t ap = m->after_pri;
    char *out = malloc(ap + len + 1);
    if (out == NULL) {
        return SL_ENOMEM;
    }
    memcpy(out, m->raw, ap);
    if (len > 0) {
        memcpy(out + ap, text, len);
    }
    out[ap + len] = '\0';
    if (!(m->flags & MSGF_RAW_INLINE)) {
        free(m->raw);
    }
    m->flags &= ~MSGF_RAW_INLINE;
    if (memchr(out, '\0', ap + len) != NULL) {
        m->flags &= ~(uint32_t)SL_MSGF_RAW_NO_NUL;
    }
    m->raw = out;
    m->raw_len = ap + len;
    m->msg = (struct sl_str){ out + ap, len };
    m->flags |= SL_MSGF_RAW_EDITED;
    return 0;
}

int sl_msg_parse_ts3164(struct sl_msg *m, const char **p, size_t *len, unsigned flags)
{
    if (m == NULL || p == NULL || *p == NULL || len == NULL || !(m->flags & SL_MSGF_IN_PARSE) ||
        *p < m->raw || *p > m->raw + m->raw_len || *len > (size_t)(m->raw + m->raw_len - *p)) {
        return 0;
    }
    return sl_parse_ts3164_at(m, p, len, (flags & SL_TS3164_YEAR_AFTER) != 0,
                              (flags & SL_TS3164_TZSTRING) != 0);
}

void sl_msg_parse(struct sl_msg *m, const struct sl_parse_opts *o)
{
    struct sl_parse_opts dflt;
    if (m->flags & SL_MSGF_PARSED) {
        return;
    }
    if (o == NULL) {
        sl_parse_opts_default(&dflt);
        o = &dflt;
    }
    /* repaired by a parser plugin before a disk queue stored it: no plugin runs again */
    const int repaired = (m->flags & SL_MSGF_RAW_EDITED) != 0;
    if (m->local_flags & SL_LOCAL_KERNEL) {
        /* rsyslog's imklog: no sanitizing, no parser; pri and tag were set by the input */
        sl_msg_set_tgen(m);
        m->t_reported = m->t_generated;
        m->hostname = (struct sl_str){ NULL, 0 };
        m->appname = m->procid = m->msgid = m->sd = (struct sl_str){ NULL, 0 };
        m->protocol_version = 0;
        m->pri_from_msg = 1;
        m->after_pri = 0;
        m->msg.p = m->raw;
        m->msg.len = m->raw_len;
        derive_fields(m, o);
        m->flags |= SL_MSGF_PARSED;
        return;
    }
    sanitize(m, o);
    /* an input may have set rcv after sl_msg_new(): timegenerated follows it (computed
     * again only if rcv is not what it was computed from) */
    if (m->t_generated.type != 2 || m->tgen_sec != m->rcv.tv_sec ||
        m->t_generated.secfrac != (uint32_t)(m->rcv.tv_nsec / 1000)) {
        sl_msg_set_tgen(m);
    }
    m->t_reported = m->t_generated;
    m->hostname = (struct sl_str){ NULL, 0 };
    m->tag = (struct sl_str){ NULL, 0 };
    m->appname = m->procid = m->msgid = m->sd = (struct sl_str){ NULL, 0 };
    m->protocol_version = 0;

    if (m->local_flags & SL_LOCAL_UXSOCK) {
        /* rsyslog's imuxsock parses itself (its "special parser"), not the chain */
        sl_parse_uxsock(m);
        if (m->pri < 0 || m->pri > 191) {
            m->pri = SL_PRI_INVALID;
        }
        derive_fields(m, o);
        m->flags |= SL_MSGF_PARSED;
        return;
    }

    int pri = 13;
    size_t after = 0;
    int r = parse_pri(m->raw, m->raw_len, &pri, &after);
    if (r < 0) {
        /* rsyslog: invalid PRI -> facility "invld", severity debug, nothing parsed by its
         * RFC 3164/5424 parsers; parser plugins before them in the chain still run (with
         * no PRI: after-PRI offset 0), as rsyslog's pm* modules do */
        m->pri = SL_PRI_INVALID;
        m->pri_from_msg = 0;
        m->after_pri = 0;
        if (o->chain != NULL) {
            size_t i;
            for (i = 0; i < o->chain->n; i++) {
                int kind = o->chain->e[i].kind;
                if (kind == SL_PARSER_RFC3164) {
                    break;
                }
                if (kind != SL_PARSER_PLUGIN || repaired) {
                    continue;   /* RFC 5424 needs "<PRI>1 "; a repaired raw is not
                                 * repaired again (parsed after a disk queue) */
                }
                int rc = run_plugin(m, o, i);
                if (rc == SL_PARSE_NOT_MINE) {
                    continue;
                }
                if (rc == SL_PARSE_DONE) {
                    return;
                }
                i = o->chain->n;    /* an error: discarded */
                break;
            }
            if (i == o->chain->n) {
                m->flags |= SL_MSGF_UNPARSED | SL_MSGF_PARSED;
                m->msg.p = m->raw;
                m->msg.len = m->raw_len;
                m->tag = (struct sl_str){ "", 0 };
                return;
            }
        }
        m->msg.p = m->raw;
        m->msg.len = m->raw_len;
        m->tag = (struct sl_str){ "", 0 };
        m->programname = (struct sl_str){ "", 0 };
        m->flags |= SL_MSGF_PARSED | SL_MSGF_PROGNAME_DONE;
        return;
    }
    m->pri = pri;
    m->pri_from_msg = r > 0;
    m->after_pri = after;
    if (o->chain == NULL) {
        if (!sl_parse_rfc5424(m, o)) {
            sl_parse_rfc3164(m, o);
        }
    } else {
        /* the ruleset's chain, in order, up to the first parser that takes the message */
        size_t i;
        int failed = 0;
        for (i = 0; i < o->chain->n; i++) {
            const struct sl_parse_opts *eo = &o->chain->e[i].opts;
            if (o->chain->e[i].kind == SL_PARSER_PLUGIN) {
                if (repaired) {
                    continue;   /* repaired before it was spooled: not again */
                }
                int rc = run_plugin(m, o, i);
                if (rc == SL_PARSE_NOT_MINE) {
                    continue;
                }
                if (rc == SL_PARSE_DONE) {
                    return;
                }
                failed = 1;     /* a parser's error: rsyslog discards the message */
                break;
            }
            if (o->chain->e[i].kind == SL_PARSER_RFC5424) {
                if (sl_parse_rfc5424(m, eo)) {
                    break;
                }
            } else {
                sl_parse_rfc3164(m, eo);
                break;
            }
        }
        if (i == o->chain->n || failed) {
            m->flags |= SL_MSGF_UNPARSED;
            m->msg.p = m->raw + after;
            m->msg.len = m->raw_len - after;
            m->tag = (struct sl_str){ "", 0 };
        }
    }
    if (m->protocol_version != 1) {
        apply_preset(m);        /* (version 1: in derive_fields) */
    }
    derive_fields(m, o);
    m->flags |= SL_MSGF_PARSED;
}
