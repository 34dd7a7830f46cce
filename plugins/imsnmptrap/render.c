/*
 * render.c - snmptrapd-compatible text and the $!snmp JSON tree for a decoded notification.
 *
 * The text is what net-snmp 5.9's snmptrapd logs with its default format (print_handler
 * without -F; -n: addresses not resolved; -On: numeric OIDs, no MIBs), so parsers written
 * for snmptrapd log files keep working.  The rules, taken from net-snmp's documented
 * behaviour and checked against the real snmptrapd (tests/integration/snmptrap-vs-
 * snmptrapd.sh):
 *   - v1 (Trap-PDU):  "Y-M-D h:m:s AGENT [AGENT] (via TRANSPORT) TRAP, SNMP v1, community C
 *     \n\tENTERPRISE DESCR Trap (SPECIFIC) Uptime: UPTIME\n" then "\tVARBIND" per varbind,
 *     then "\n".  (v3 carrying a Trap-PDU: "TRAP, SNMP v3, user U, context X".)
 *   - v2c/v3: "Y-M-D h:m:s TRANSPORT [TRANSPORT]:\n" then the varbinds separated by "\t",
 *     then "\n".
 *   - a varbind is "OID = VALUE"; values: "INTEGER: -5", "Counter32: 9", "Gauge32: 9",
 *     "Timeticks: (500) 0:00:05.00", "Counter64: 9", "IpAddress: a.b.c.d", "OID: .1.3",
 *     "NULL", "STRING: \"text\"" (\ and " escaped) when every byte is printable ASCII or
 *     white space, else "Hex-STRING: DE AD " (16 bytes a line, each "XX "), "\"\"" for an
 *     empty string, "OPAQUE: ...", "Opaque: Float: 1.500000", "No Such Object available on
 *     this agent at this OID", ...
 * The JSON tree: see doc/sluice.conf.5 (imsnmptrap).
 *
 * Ownership & concurrency: see render.h.
 */
#include "config.h"

#include <arpa/inet.h>
#include <inttypes.h>
#include <stdarg.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json.h>

#include "render.h"

static int reserve(struct sl_buf *b, size_t extra)
{
    if (b->cap - b->len > extra) {
        return 0;
    }
    size_t nc = b->cap ? b->cap : 256;
    while (nc - b->len <= extra) {
        nc *= 2;
    }
    char *p = realloc(b->p, nc);
    if (p == NULL) {
        return -1;
    }
    b->p = p;
    b->cap = nc;
    return 0;
}

static int put(struct sl_buf *b, const char *s, size_t n)
{
    if (reserve(b, n + 1) != 0) {
        return -1;
    }
    memcpy(b->p + b->len, s, n);
    b->len += n;
    b->p[b->len] = '\0';
    return 0;
}

static int puts_(struct sl_buf *b, const char *s)
{
    return put(b, s, strlen(s));
}

__attribute__((format(printf, 2, 3))) static int putf(struct sl_buf *b, const char *fmt, ...)
{
    char tmp[128];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(tmp, sizeof tmp, fmt, ap);
    va_end(ap);
    if (n < 0) {
        return -1;
    }
    return put(b, tmp, (size_t)n < sizeof tmp ? (size_t)n : sizeof tmp - 1);
}

/* C-locale ctype, as snmptrapd runs (it never calls setlocale) */
static int c_isprint(uint8_t c)
{
    return c >= 0x20 && c < 0x7f;
}

static int c_isspace(uint8_t c)
{
    return c == ' ' || (c >= '\t' && c <= '\r');
}

void snmp_transport_str(char *out, size_t cap, const struct sockaddr *src,
                        const struct sockaddr *dst)
{
    char a[INET6_ADDRSTRLEN], d[INET6_ADDRSTRLEN];
    if (src->sa_family == AF_INET6) {
        const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)src;
        if (IN6_IS_ADDR_V4MAPPED(&s6->sin6_addr)) {
            inet_ntop(AF_INET, &s6->sin6_addr.s6_addr[12], a, sizeof a);
        } else {
            inet_ntop(AF_INET6, &s6->sin6_addr, a, sizeof a);
        }
        snprintf(out, cap, "UDP/IPv6: [%s]:%u", a, ntohs(s6->sin6_port));
        return;
    }
    const struct sockaddr_in *s4 = (const struct sockaddr_in *)src;
    inet_ntop(AF_INET, &s4->sin_addr, a, sizeof a);
    if (dst != NULL && dst->sa_family == AF_INET) {
        const struct sockaddr_in *d4 = (const struct sockaddr_in *)dst;
        inet_ntop(AF_INET, &d4->sin_addr, d, sizeof d);
        snprintf(out, cap, "UDP: [%s]:%u->[%s]:%u", a, ntohs(s4->sin_port), d,
                 ntohs(d4->sin_port));
    } else {
        snprintf(out, cap, "UDP: [%s]:%u", a, ntohs(s4->sin_port));
    }
}

int snmp_render_oid(struct sl_buf *b, const uint32_t *oid, size_t n)
{
    char tmp[16];
    for (size_t i = 0; i < n; i++) {
        char *e = tmp + sizeof tmp;
        char *p = e;
        uint32_t v = oid[i];
        do {
            *--p = (char)('0' + v % 10);
            v /= 10;
        } while (v != 0);
        *--p = '.';
        if (put(b, p, (size_t)(e - p)) != 0) {
            return -1;
        }
    }
    return 0;
}

/* "XX XX ... " with a "\n" every 16 bytes (net-snmp's hex output length) */
static int hexstring(struct sl_buf *b, const uint8_t *s, size_t n)
{
    static const char hx[] = "0123456789ABCDEF";
    if (reserve(b, n * 3 + n / 16 + 2) != 0) {
        return -1;
    }
    for (size_t i = 0; i < n; i++) {
        if (i > 0 && i % 16 == 0) {
            b->p[b->len++] = '\n';
        }
        b->p[b->len++] = hx[s[i] >> 4];
        b->p[b->len++] = hx[s[i] & 15];
        b->p[b->len++] = ' ';
    }
    b->p[b->len] = '\0';
    return 0;
}

static void uptime_str(char *out, size_t cap, uint32_t ticks)
{
    unsigned cs = ticks % 100;
    ticks /= 100;
    unsigned days = ticks / 86400;
    ticks %= 86400;
    unsigned h = ticks / 3600, m = (ticks % 3600) / 60, s = ticks % 60;
    if (days == 0) {
        snprintf(out, cap, "%u:%02u:%02u.%02u", h, m, s, cs);
    } else {
        snprintf(out, cap, "%u day%s, %u:%02u:%02u.%02u", days, days == 1 ? "" : "s", h, m, s,
                 cs);
    }
}

static int octets(struct sl_buf *b, const struct snmp_vb *vb)
{
    if (vb->slen == 0) {
        return puts_(b, "\"\"");
    }
    int hex = 0;
    for (size_t i = 0; i < vb->slen; i++) {
        if (!c_isprint(vb->s[i]) && !c_isspace(vb->s[i])) {
            hex = 1;
            break;
        }
    }
    if (hex) {
        return puts_(b, "Hex-STRING: ") || hexstring(b, vb->s, vb->slen);
    }
    if (puts_(b, "STRING: \"") != 0 || reserve(b, vb->slen * 2 + 2) != 0) {
        return -1;
    }
    for (size_t i = 0; i < vb->slen; i++) {
        if (vb->s[i] == '\\' || vb->s[i] == '"') {
            b->p[b->len++] = '\\';
        }
        b->p[b->len++] = (char)vb->s[i];
    }
    return put(b, "\"", 1);
}

int snmp_render_value(struct sl_buf *b, const struct snmp_vb *vb)
{
    char t[64];
    switch (vb->type) {
    case BER_INTEGER:
        return putf(b, "INTEGER: %" PRId64, vb->i);
    case SNMP_COUNTER32:
        return putf(b, "Counter32: %" PRIu64, vb->u);
    case SNMP_GAUGE32:
        return putf(b, "Gauge32: %" PRIu64, vb->u);
    case SNMP_UINTEGER32:
        return putf(b, "%" PRIu64, vb->u);   /* net-snmp prints no type for UInteger32 */
    case SNMP_TIMETICKS:
        uptime_str(t, sizeof t, (uint32_t)vb->u);
        return putf(b, "Timeticks: (%" PRIu64 ") %s", vb->u, t);
    case SNMP_COUNTER64:
        return putf(b, "Counter64: %" PRIu64, vb->u);
    case SNMP_IPADDRESS:
        return putf(b, "IpAddress: %u.%u.%u.%u", vb->s[0], vb->s[1], vb->s[2], vb->s[3]);
    case BER_OID:
        return puts_(b, "OID: ") || snmp_render_oid(b, vb->oidval, vb->oidval_len);
    case BER_NULL:
        return puts_(b, "NULL");
    case BER_OCTETSTRING:
        return octets(b, vb);
    case SNMP_OPAQUE:
        return puts_(b, "OPAQUE: ") || hexstring(b, vb->s, vb->slen);
    case SNMP_NSAP:
        return puts_(b, "NsapAddress: ") || hexstring(b, vb->s, vb->slen);
    case BER_BITSTRING:
        return puts_(b, "BITS: ") || hexstring(b, vb->s, vb->slen);
    case SNMP_OPAQUE_FLOAT:
        return putf(b, "Opaque: Float: %f", vb->d);
    case SNMP_OPAQUE_DOUBLE:
        return putf(b, "Opaque: Float: %f", vb->d);   /* sic: net-snmp 5.9 says Float */
    case SNMP_OPAQUE_I64:
        return putf(b, "Opaque: Int64: %" PRId64, vb->i);
    case SNMP_OPAQUE_U64:
        return putf(b, "Opaque: UInt64: %" PRIu64, vb->u);
    case SNMP_OPAQUE_COUNTER64:
        return putf(b, "Opaque: Counter64: %" PRIu64, vb->u);
    case SNMP_NOSUCHOBJECT:
        return puts_(b, "No Such Object available on this agent at this OID");
    case SNMP_NOSUCHINSTANCE:
        return puts_(b, "No Such Instance currently exists at this OID");
    case SNMP_ENDOFMIBVIEW:
        return puts_(b, "No more variables left in this MIB View (It is past the end of the "
                        "MIB tree)");
    default:
        return puts_(b, "Variable has bad type");
    }
}

static int varbind(struct sl_buf *b, const struct snmp_vb *vb)
{
    return snmp_render_oid(b, vb->oid, vb->oid_len) || put(b, " = ", 3) ||
           snmp_render_value(b, vb);
}

static int printable_name(struct sl_buf *b, const uint8_t *s, size_t n)
{
    if (reserve(b, n + 1) != 0) {
        return -1;
    }
    for (size_t i = 0; i < n; i++) {
        b->p[b->len++] = c_isprint(s[i]) ? (char)s[i] : '.';
    }
    b->p[b->len] = '\0';
    return 0;
}

static const char *generic_descr(int32_t g)
{
    static const char *const d[] = { "Cold Start", "Warm Start", "Link Down", "Link Up",
                                     "Authentication Failure", "EGP Neighbor Loss",
                                     "Enterprise Specific" };
    return g >= 0 && g <= 6 ? d[g] : "Unknown Type";
}

/* localtime once per second and thread (the receive path calls this per trap) */
static __thread time_t lt_sec = -1;
static __thread char lt_text[64];
static __thread int16_t lt_off;

static void local_time(time_t now)
{
    if (now == lt_sec) {
        return;
    }
    struct tm tm;
    if (localtime_r(&now, &tm) != NULL) {
        snprintf(lt_text, sizeof lt_text, "%.4d-%.2d-%.2d %.2d:%.2d:%.2d ", tm.tm_year + 1900,
                 tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
        lt_off = (int16_t)(tm.tm_gmtoff / 60);
    } else {
        snprintf(lt_text, sizeof lt_text, "(unknown)");
        lt_off = 0;
    }
    lt_sec = now;
}

int16_t snmp_tz_offset(time_t now)
{
    local_time(now);
    return lt_off;
}

int snmp_render_text(struct sl_buf *b, const struct snmp_msg *m, const char *transport,
                     time_t now)
{
    local_time(now);
    const char *ts = lt_text;
    const struct snmp_pdu *p = &m->pdu;
    if (puts_(b, ts) != 0) {
        return -1;
    }
    if (p->type != SNMP_PDU_TRAP_V1) {
        if (puts_(b, transport) != 0 || puts_(b, " [") != 0 || puts_(b, transport) != 0 ||
            puts_(b, "]:\n") != 0) {
            return -1;
        }
        for (size_t i = 0; i < p->nvb; i++) {
            if ((i > 0 && put(b, "\t", 1) != 0) || varbind(b, &p->vbs[i]) != 0) {
                return -1;
            }
        }
        return put(b, "\n", 1);
    }
    const uint8_t *aa = p->agent_addr;
    if (putf(b, "%u.%u.%u.%u [%u.%u.%u.%u] ", aa[0], aa[1], aa[2], aa[3], aa[0], aa[1], aa[2],
             aa[3]) != 0 ||
        puts_(b, "(via ") != 0 || puts_(b, transport) != 0 || puts_(b, ") TRAP") != 0) {
        return -1;
    }
    if (m->version == SNMP_V3) {
        if (puts_(b, ", SNMP v3, user ") != 0 || printable_name(b, m->user, m->user_len) != 0 ||
            puts_(b, ", context ") != 0 || printable_name(b, m->ctx_name, m->ctx_name_len) != 0) {
            return -1;
        }
    } else {
        if (puts_(b, m->version == SNMP_V1 ? ", SNMP v1, community " : ", SNMP v2c, community ")
                != 0 ||
            printable_name(b, m->community, m->community_len) != 0) {
            return -1;
        }
    }
    if (puts_(b, "\n\t") != 0 || snmp_render_oid(b, p->enterprise, p->enterprise_len) != 0 ||
        putf(b, " %s Trap (", generic_descr(p->generic)) != 0) {
        return -1;
    }
    if (p->generic == 6) {
        /* net-snmp prints the last sub-identifier of enterprise.0.specific, an oid (u_long) */
        if (putf(b, "%lu", (unsigned long)(long)p->specific) != 0) {
            return -1;
        }
    } else if (putf(b, "%ld", (long)p->specific) != 0) {
        return -1;
    }
    char up[64];
    uptime_str(up, sizeof up, p->timestamp);
    if (putf(b, ") Uptime: %s\n", up) != 0) {
        return -1;
    }
    for (size_t i = 0; i < p->nvb; i++) {
        if (put(b, "\t", 1) != 0 || varbind(b, &p->vbs[i]) != 0) {
            return -1;
        }
    }
    return put(b, "\n", 1);
}

/* ---- JSON ---- */

/* every key here is a literal added once: no copy, no duplicate search */
#define JADD(o, k, v) \
    json_object_object_add_ex((o), (k), (v), JSON_C_OBJECT_ADD_KEY_IS_NEW | \
                              JSON_C_OBJECT_KEY_IS_CONSTANT)

static int utf8_printable(const uint8_t *s, size_t n)
{
    size_t i = 0;
    while (i < n) {
        uint8_t c = s[i];
        if (c < 0x80) {
            if (c < 0x20 && !c_isspace(c)) {
                return 0;
            }
            if (c == 0x7f) {
                return 0;
            }
            i++;
            continue;
        }
        size_t len;
        uint32_t cp;
        if ((c & 0xe0) == 0xc0) {
            len = 2;
            cp = c & 0x1f;
        } else if ((c & 0xf0) == 0xe0) {
            len = 3;
            cp = c & 0x0f;
        } else if ((c & 0xf8) == 0xf0) {
            len = 4;
            cp = c & 0x07;
        } else {
            return 0;
        }
        if (n - i < len) {
            return 0;
        }
        for (size_t k = 1; k < len; k++) {
            if ((s[i + k] & 0xc0) != 0x80) {
                return 0;
            }
            cp = (cp << 6) | (s[i + k] & 0x3f);
        }
        if ((len == 2 && cp < 0x80) || (len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) ||
            cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff) || (cp >= 0x80 && cp < 0xa0)) {
            return 0;
        }
        i += len;
    }
    return 1;
}

static struct json_object *joid(const uint32_t *oid, size_t n)
{
    char t[SNMP_MAX_OID * 11 + 4];    /* ".4294967295" per sub-identifier */
    char *p = t;
    t[0] = '\0';
    for (size_t i = 0; i < n && i < SNMP_MAX_OID + 2; i++) {
        char d[12];
        char *e = d + sizeof d, *q = e;
        uint32_t v = oid[i];
        do {
            *--q = (char)('0' + v % 10);
            v /= 10;
        } while (v != 0);
        *p++ = '.';
        memcpy(p, q, (size_t)(e - q));
        p += e - q;
    }
    return json_object_new_string_len(t, (int)(p - t));
}

static struct json_object *jhex(const uint8_t *s, size_t n)
{
    static const char hx[] = "0123456789ABCDEF";
    char small[512];
    small[0] = '\0';
    char *t = n * 3 <= sizeof small ? small : malloc(n * 3 + 1);
    if (t == NULL) {
        return NULL;
    }
    t[0] = '\0';
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {     /* "DE AD BE EF": one line, no trailing space */
        if (i > 0) {
            t[k++] = ' ';
        }
        t[k++] = hx[s[i] >> 4];
        t[k++] = hx[s[i] & 15];
    }
    struct json_object *o = json_object_new_string_len(t, (int)k);
    if (t != small) {
        free(t);
    }
    return o;
}

static struct json_object *ju64(uint64_t v)
{
    if (v <= INT64_MAX) {
        return json_object_new_int64((int64_t)v);
    }
    char t[32];
    snprintf(t, sizeof t, "%" PRIu64, v);
    return json_object_new_string(t);
}

static void vb_json(struct json_object *o, const struct snmp_vb *vb, snmp_namer namer)
{
    const char *type;
    struct json_object *val = NULL;
    char t[32];
    switch (vb->type) {
    case BER_INTEGER:
        type = "INTEGER";
        val = json_object_new_int64(vb->i);
        break;
    case SNMP_COUNTER32:
        type = "Counter32";
        val = ju64(vb->u);
        break;
    case SNMP_GAUGE32:
        type = "Gauge32";
        val = ju64(vb->u);
        break;
    case SNMP_UINTEGER32:
        type = "UInteger32";
        val = ju64(vb->u);
        break;
    case SNMP_TIMETICKS:
        type = "Timeticks";
        val = ju64(vb->u);
        break;
    case SNMP_COUNTER64:
    case SNMP_OPAQUE_COUNTER64:
        type = vb->type == SNMP_COUNTER64 ? "Counter64" : "Opaque-Counter64";
        val = ju64(vb->u);
        break;
    case SNMP_OPAQUE_U64:
        type = "Opaque-UInt64";
        val = ju64(vb->u);
        break;
    case SNMP_OPAQUE_I64:
        type = "Opaque-Int64";
        val = json_object_new_int64(vb->i);
        break;
    case SNMP_OPAQUE_FLOAT:
    case SNMP_OPAQUE_DOUBLE:
        type = vb->type == SNMP_OPAQUE_FLOAT ? "Opaque-Float" : "Opaque-Double";
        val = json_object_new_double(vb->d);
        break;
    case SNMP_IPADDRESS:
        type = "IpAddress";
        snprintf(t, sizeof t, "%u.%u.%u.%u", vb->s[0], vb->s[1], vb->s[2], vb->s[3]);
        val = json_object_new_string(t);
        break;
    case BER_OID:
        type = "OID";
        val = joid(vb->oidval, vb->oidval_len);
        break;
    case BER_NULL:
        type = "NULL";
        break;
    case BER_OCTETSTRING:
        if (utf8_printable(vb->s, vb->slen)) {
            type = "STRING";
            val = json_object_new_string_len((const char *)vb->s, (int)vb->slen);
        } else {
            type = "Hex-STRING";
            val = jhex(vb->s, vb->slen);
        }
        break;
    case SNMP_OPAQUE:
        type = "Opaque";
        val = jhex(vb->s, vb->slen);
        break;
    case SNMP_NSAP:
        type = "NsapAddress";
        val = jhex(vb->s, vb->slen);
        break;
    case BER_BITSTRING:
        type = "BITS";
        val = jhex(vb->s, vb->slen);
        break;
    case SNMP_NOSUCHOBJECT:
        type = "noSuchObject";
        break;
    case SNMP_NOSUCHINSTANCE:
        type = "noSuchInstance";
        break;
    case SNMP_ENDOFMIBVIEW:
        type = "endOfMibView";
        break;
    default:
        type = "unknown";
        break;
    }
    JADD(o, "type", json_object_new_string(type));
    JADD(o, "value", val);
    if (namer != NULL) {
        char name[512], lab[128];
        size_t n = namer(vb->oid, vb->oid_len, name, sizeof name, vb->type == BER_INTEGER,
                         vb->i, lab, sizeof lab);
        if (n > 0) {
            JADD(o, "name", json_object_new_string_len(name, (int)n));
            if (lab[0] != '\0') {
                JADD(o, "label", json_object_new_string(lab));
            }
        }
    }
}

static void trap_name(struct json_object *o, const uint32_t *oid, size_t n, snmp_namer namer)
{
    char name[512];
    size_t l = namer != NULL ? namer(oid, n, name, sizeof name, 0, 0, NULL, 0) : 0;
    if (l > 0) {
        JADD(o, "trap_name", json_object_new_string_len(name, (int)l));
    }
}

static struct json_object *jbytes(const uint8_t *s, size_t n)
{
    if (utf8_printable(s, n)) {
        return json_object_new_string_len((const char *)s, (int)n);
    }
    return jhex(s, n);
}

void *snmp_json(const struct snmp_msg *m, snmp_namer namer)
{
    const struct snmp_pdu *p = &m->pdu;
    struct json_object *o = json_object_new_object();
    if (o == NULL) {
        return NULL;
    }
    JADD(o, "version", json_object_new_string(
                               m->version == SNMP_V1 ? "1" : m->version == SNMP_V2C ? "2c" : "3"));
    JADD(o, "pdu", json_object_new_string(
                               p->type == SNMP_PDU_TRAP_V1 ? "trap" :
                               p->type == SNMP_PDU_INFORM ? "inform" : "trap2"));
    if (m->version == SNMP_V3) {
        JADD(o, "user", jbytes(m->user, m->user_len));
        JADD(o, "context", jbytes(m->ctx_name, m->ctx_name_len));
        char eid[80];
        size_t k = 0;
        for (size_t i = 0; i < m->engine_id_len && k + 3 < sizeof eid; i++) {
            k += (size_t)snprintf(eid + k, sizeof eid - k, "%02x", m->engine_id[i]);
        }
        eid[k] = '\0';
        JADD(o, "engine_id", json_object_new_string(eid));
        JADD(o, "security_level", json_object_new_string(
                                   (m->flags & 2) ? "authPriv" :
                                   (m->flags & 1) ? "authNoPriv" : "noAuthNoPriv"));
    } else {
        JADD(o, "community", jbytes(m->community, m->community_len));
    }
    size_t first = 0;
    if (p->type == SNMP_PDU_TRAP_V1) {
        char t[32];
        JADD(o, "enterprise", joid(p->enterprise, p->enterprise_len));
        snprintf(t, sizeof t, "%u.%u.%u.%u", p->agent_addr[0], p->agent_addr[1],
                 p->agent_addr[2], p->agent_addr[3]);
        JADD(o, "agent_addr", json_object_new_string(t));
        JADD(o, "generic", json_object_new_int(p->generic));
        JADD(o, "specific", json_object_new_int(p->specific));
        JADD(o, "uptime", json_object_new_int64(p->timestamp));
        /* RFC 3584 3.1: the v2 snmpTrapOID of a v1 trap */
        uint32_t toid[SNMP_MAX_OID + 2];
        size_t n;
        if (p->generic >= 0 && p->generic < 6) {
            static const uint32_t base[] = { 1, 3, 6, 1, 6, 3, 1, 1, 5 };
            memcpy(toid, base, sizeof base);
            toid[9] = (uint32_t)p->generic + 1;
            n = 10;
        } else {
            memcpy(toid, p->enterprise, p->enterprise_len * sizeof *toid);
            n = p->enterprise_len;
            toid[n++] = 0;
            toid[n++] = (uint32_t)p->specific;
        }
        JADD(o, "trap_oid", joid(toid, n));
        trap_name(o, toid, n, namer);
    } else {
        /* sysUpTime.0 and snmpTrapOID.0 are the first two varbinds (RFC 3416 4.2.6) */
        static const uint32_t up_oid[] = { 1, 3, 6, 1, 2, 1, 1, 3, 0 };
        static const uint32_t trap_oid[] = { 1, 3, 6, 1, 6, 3, 1, 1, 4, 1, 0 };
        if (p->nvb > 0 && p->vbs[0].type == SNMP_TIMETICKS && p->vbs[0].oid_len == 9 &&
            memcmp(p->vbs[0].oid, up_oid, sizeof up_oid) == 0) {
            JADD(o, "uptime", json_object_new_int64((int64_t)p->vbs[0].u));
            first = 1;
        }
        if (p->nvb > first && p->vbs[first].type == BER_OID && p->vbs[first].oid_len == 11 &&
            memcmp(p->vbs[first].oid, trap_oid, sizeof trap_oid) == 0) {
            JADD(o, "trap_oid", joid(p->vbs[first].oidval, p->vbs[first].oidval_len));
            trap_name(o, p->vbs[first].oidval, p->vbs[first].oidval_len, namer);
        }
        JADD(o, "request_id", json_object_new_int(p->request_id));
    }
    struct json_object *arr = json_object_new_array();
    for (size_t i = 0; i < p->nvb; i++) {
        struct json_object *v = json_object_new_object();
        JADD(v, "oid", joid(p->vbs[i].oid, p->vbs[i].oid_len));
        vb_json(v, &p->vbs[i], namer);
        json_object_array_add(arr, v);
    }
    JADD(o, "varbinds", arr);
    return o;
}
