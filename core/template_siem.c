/*
 * template_siem.c - the sluice-only replacer options behind the SIEM built-in templates
 * (SLUICE_CEF, SLUICE_LEEF, SLUICE_GELF, SLUICE_RFC5424_SD; SLUICE_ECS needs none): per-
 * format escaping of one value, and the rendering of a JSON subtree ($!, $!a!b, $.x) as the
 * format's list of fields.  Documented in doc/siem.md and doc/sluice.conf.5.
 *
 * Why hand-written: rsyslog's template language has no escaping for these formats (its
 * only encoders are csv, json and the sql options) and cannot iterate over a JSON tree to
 * emit "key=value" pairs, so a template string alone cannot express them.  No library in
 * Debian writes CEF, LEEF or RFC 5424 SD-PARAMs; JSON strings reuse rsyslog's own encoder
 * (sl_tpl_json_escape, the "json" option).
 *
 *   option         scalar value                       object (a JSON subtree)
 *   cef-header     \ -> \\, | -> \|, CR/LF -> space,  (rendered as its JSON text, escaped)
 *                  a UTF-8 sequence cut short at the
 *                  end (by a :1:512: substring) dropped
 *   leef-header    same as cef-header                 same
 *   cef-ext        \ -> \\, = -> \=, LF -> \n,        " key=value" per leaf, keys mapped to
 *                  CR -> \r                           CEF's dictionary (table below)
 *   leef-attr      \ -> \\, TAB -> \t, LF -> \n,      "<TAB>key=value" per leaf, keys mapped
 *                  CR -> \r                           to LEEF's predefined attributes
 *   sd-param       \ -> \\, " -> \", ] -> \]          the message's STRUCTURED-DATA plus one
 *                                                     [sluice@32473 name="value"...] element,
 *                                                     "-" when both are empty
 *   gelf-fields    (JSON-escaped)                     ,"_key":value per leaf (numbers stay
 *                                                     numbers)
 *   siem-severity  syslog severity 0..7 -> 10,9,8,7,5,3,2,1 (CEF and LEEF scale, 10 worst)
 * Leaves of nested objects are named by their path joined with '.', arrays are one leaf
 * (their JSON text), null leaves are left out.  Key characters a format does not allow
 * become '_'.
 *
 * Ownership: writes into the caller's buffer only; JSON values are borrowed from the
 * message.  Concurrency & locking: called from any rendering thread; reads the message's
 * $! / $. trees, which no one changes once actions render it ($/ is not walked: it is
 * shared and its lock belongs to msg_json.c; it renders as a scalar).
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libfastjson/json.h>

#include "msg_int.h"
#include "template_int.h"
#include "util/buf.h"

/* ECS-style names (the rulebase library's scheme) -> CEF dictionary / LEEF predefined keys */
static const struct {
    const char *ecs, *cef, *leef;
} keymap[] = {
    { "source.ip", "src", "src" },
    { "source.port", "spt", "srcPort" },
    { "source.mac", "smac", "srcMAC" },
    { "source.domain", "shost", "srcHostName" },
    { "source.bytes", "out", "srcBytes" },
    { "source.packets", NULL, "srcPackets" },
    { "source.nat.ip", "sourceTranslatedAddress", "srcPostNAT" },
    { "source.nat.port", "sourceTranslatedPort", "srcPostNATPort" },
    { "destination.ip", "dst", "dst" },
    { "destination.port", "dpt", "dstPort" },
    { "destination.mac", "dmac", "dstMAC" },
    { "destination.domain", "dhost", "dstHostName" },
    { "destination.bytes", "in", "dstBytes" },
    { "destination.packets", NULL, "dstPackets" },
    { "destination.nat.ip", "destinationTranslatedAddress", "dstPostNAT" },
    { "destination.nat.port", "destinationTranslatedPort", "dstPostNATPort" },
    { "network.transport", "proto", "proto" },
    { "user.name", "suser", "usrName" },
    { "destination.user.name", "duser", NULL },
    { "source.user.name", "suser", "usrName" },
    { "event.action", "act", "action" },
    { "event.outcome", "outcome", NULL },
    { "event.reason", "reason", "reason" },
    { "event.category", "cat", "cat" },
    { "url.original", "request", "url" },
    { "http.request.method", "requestMethod", "method" },
    { "user_agent.original", "requestClientApplication", "userAgent" },
    { "process.name", "sproc", NULL },
    { "process.pid", "spid", NULL },
    { "file.name", "fname", "fileName" },
    { "file.path", "filePath", NULL },
    { "observer.hostname", "dvchost", "identHostName" },
    { "observer.ip", "dvc", NULL },
    { "rule.name", "cs1", "policy" },
};

static const char *map_key(const char *path, enum tpl_siem f)
{
    for (size_t i = 0; i < sizeof(keymap) / sizeof(keymap[0]); i++) {
        if (strcmp(keymap[i].ecs, path) == 0) {
            return f == TPL_SIEM_CEF_EXT ? keymap[i].cef : keymap[i].leef;
        }
    }
    return NULL;
}

static int key_char_ok(enum tpl_siem f, unsigned char c)
{
    int alnum = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
    switch (f) {
    case TPL_SIEM_CEF_EXT:
    case TPL_SIEM_LEEF_ATTR:
        return alnum || c == '_';
    case TPL_SIEM_GELF:
        return alnum || c == '_' || c == '.' || c == '-';
    case TPL_SIEM_SD:
        /* SD-NAME: PRINTUSASCII except '=', SP, ']', '"' */
        return c > 32 && c < 127 && c != '=' && c != ']' && c != '"';
    default:
        return 1;
    }
}

/* n without a UTF-8 sequence cut short at the end of p[0..n) (a byte substring such as
 * SLUICE_CEF's %msg:1:512:% can cut a character; CEF and LEEF are UTF-8) */
static size_t utf8_whole(const char *p, size_t n)
{
    size_t i = n, back = 0;
    while (i > 0 && back < 3 && ((unsigned char)p[i - 1] & 0xC0) == 0x80) {
        i--;
        back++;
    }
    if (i == 0) {
        return n;
    }
    unsigned char lead = (unsigned char)p[i - 1];
    size_t need = lead >= 0xF0 && lead <= 0xF4 ? 4 : lead >= 0xE0 && lead <= 0xEF ? 3
                  : lead >= 0xC2 && lead <= 0xDF ? 2 : 0;
    return need > back + 1 ? i - 1 : n;
}

/* One value escaped for format f. */
void sl_tpl_siem_escape(struct sl_buf *out, enum tpl_siem f, const char *p, size_t n)
{
    if (f == TPL_SIEM_GELF) {
        sl_tpl_json_escape(out, p, n, 0);
        return;
    }
    if (f == TPL_SIEM_HEADER) {
        n = utf8_whole(p, n);
    }
    sl_buf_reserve(out, n + 8);
    for (size_t i = 0; i < n; i++) {
        char c = p[i];
        const char *rep = NULL;
        switch (f) {
        case TPL_SIEM_HEADER:
            rep = c == '\\' ? "\\\\" : c == '|' ? "\\|" : (c == '\n' || c == '\r') ? " " : NULL;
            break;
        case TPL_SIEM_CEF_EXT:
            rep = c == '\\' ? "\\\\" : c == '=' ? "\\=" : c == '\n' ? "\\n" : c == '\r' ? "\\r" : NULL;
            break;
        case TPL_SIEM_LEEF_ATTR:
            rep = c == '\\' ? "\\\\" : c == '\t' ? "\\t" : c == '\n' ? "\\n" : c == '\r' ? "\\r" : NULL;
            break;
        case TPL_SIEM_SD:
            rep = c == '\\' ? "\\\\" : c == '"' ? "\\\"" : c == ']' ? "\\]" : NULL;
            break;
        default:
            break;
        }
        if (rep != NULL) {
            sl_buf_puts(out, rep);
        } else {
            sl_buf_putc(out, c);
        }
    }
}

/* The key of a leaf: mapped name, or the path with disallowed characters replaced. */
static void put_key(struct sl_buf *out, enum tpl_siem f, const char *path, size_t len)
{
    const char *mapped = NULL;
    if (f == TPL_SIEM_CEF_EXT || f == TPL_SIEM_LEEF_ATTR) {
        mapped = map_key(path, f);
    }
    if (mapped != NULL) {
        sl_buf_puts(out, mapped);
        return;
    }
    if (f == TPL_SIEM_SD && len > 32) {
        len = 32; /* SD-NAME is at most 32 characters */
    }
    if (f == TPL_SIEM_GELF && strcmp(path, "id") == 0) {
        path = "id_"; /* "_id" is reserved by GELF */
        len = 3;
    }
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)path[i];
        sl_buf_putc(out, key_char_ok(f, c) ? (char)c : '_');
    }
}

static void put_leaf(struct sl_buf *out, enum tpl_siem f, const char *path, size_t plen,
                     struct fjson_object *v, int *count)
{
    if (v == NULL) {
        return; /* JSON null */
    }
    size_t vlen;
    char *to_free = NULL;
    const char *vs = sl_json_value_text(v, &vlen, &to_free);
    switch (f) {
    case TPL_SIEM_CEF_EXT:
        sl_buf_putc(out, ' ');
        put_key(out, f, path, plen);
        sl_buf_putc(out, '=');
        sl_tpl_siem_escape(out, f, vs, vlen);
        break;
    case TPL_SIEM_LEEF_ATTR:
        sl_buf_putc(out, '\t');
        put_key(out, f, path, plen);
        sl_buf_putc(out, '=');
        sl_tpl_siem_escape(out, f, vs, vlen);
        break;
    case TPL_SIEM_SD:
        sl_buf_putc(out, ' ');
        put_key(out, f, path, plen);
        sl_buf_append(out, "=\"", 2);
        sl_tpl_siem_escape(out, f, vs, vlen);
        sl_buf_putc(out, '"');
        break;
    case TPL_SIEM_GELF: {
        enum fjson_type t = fjson_object_get_type(v);
        sl_buf_append(out, ",\"_", 3);
        put_key(out, f, path, plen);
        sl_buf_append(out, "\":", 2);
        if (t == fjson_type_int || t == fjson_type_double) {
            sl_buf_append(out, vs, vlen);
        } else {
            sl_buf_putc(out, '"');
            sl_tpl_json_escape(out, vs, vlen, 0);
            sl_buf_putc(out, '"');
        }
        break;
    }
    default:
        sl_tpl_siem_escape(out, f, vs, vlen);
        break;
    }
    (*count)++;
    free(to_free);
}

/* Depth-first over an object; path holds the dotted name of obj's members' parent. */
static void walk(struct sl_buf *out, enum tpl_siem f, struct sl_buf *path,
                 struct fjson_object *obj, int depth, int *count)
{
    struct fjson_object_iterator it = fjson_object_iter_begin(obj);
    struct fjson_object_iterator end = fjson_object_iter_end(obj);
    size_t base = path->len;
    while (!fjson_object_iter_equal(&it, &end)) {
        const char *name = fjson_object_iter_peek_name(&it);
        struct fjson_object *v = fjson_object_iter_peek_value(&it);
        path->len = base;
        if (base > 0) {
            sl_buf_putc(path, '.');
        }
        sl_buf_puts(path, name);
        if (v != NULL && fjson_object_is_type(v, fjson_type_object) && depth < 32) {
            walk(out, f, path, v, depth + 1, count);
        } else {
            put_leaf(out, f, path->p, path->len, v, count);
        }
        fjson_object_iter_next(&it);
    }
    path->len = base;
    if (path->p != NULL) {
        path->p[base] = '\0';
    }
}

/* A property element with a SIEM option: value (already through the replacer) p/n. */
void sl_tpl_siem_render(const struct tpl_el *e, struct sl_msg *m, const char *p, size_t n,
                        struct sl_buf *out)
{
    enum tpl_siem f = e->siem;
    if (f == TPL_SIEM_SEVERITY) {
        static const char *const sev[8] = { "10", "9", "8", "7", "5", "3", "2", "1" };
        int s = (n == 1 && p[0] >= '0' && p[0] <= '7') ? p[0] - '0' : 7;
        sl_buf_puts(out, sev[s]);
        return;
    }
    struct fjson_object *obj = NULL;
    if ((e->ref.id == SL_PROP_CEE || e->ref.id == SL_PROP_LOCAL_VAR) && !e->has_field &&
        e->re == NULL && e->from == 0 && e->to == 0) {
        obj = sl_msg_json_get(m, e->ref.id, e->ref.path);
        if (obj != NULL && !fjson_object_is_type(obj, fjson_type_object)) {
            obj = NULL;
        }
    }
    if (obj == NULL && f == TPL_SIEM_SD && e->ref.id == SL_PROP_CEE &&
        (e->ref.path == NULL || e->ref.path[0] == '\0')) {
        /* "$!" with no tree: the message's own structured data */
        if (m->sd.p != NULL && m->sd.len > 0) {
            sl_buf_append(out, m->sd.p, m->sd.len);
        } else {
            sl_buf_putc(out, '-');
        }
        return;
    }
    if (obj == NULL) {
        if (f != TPL_SIEM_GELF || n > 0) {
            sl_tpl_siem_escape(out, f, p, n);
        }
        return;
    }
    struct sl_buf path = { 0 };
    int count = 0;
    if (f == TPL_SIEM_SD) {
        int own = m->sd.p != NULL && !(m->sd.len == 1 && m->sd.p[0] == '-') && m->sd.len > 0;
        size_t start = out->len;
        if (own) {
            sl_buf_append(out, m->sd.p, m->sd.len);
        }
        size_t el = out->len;
        sl_buf_puts(out, "[sluice@32473");
        walk(out, f, &path, obj, 0, &count);
        sl_buf_putc(out, ']');
        if (count == 0) {
            out->len = el; /* no element without parameters */
            if (!own) {
                out->len = start;
                sl_buf_putc(out, '-');
            }
            out->p[out->len] = '\0';
        }
    } else {
        walk(out, f, &path, obj, 0, &count);
    }
    sl_buf_free(&path);
}
