/*
 * msg_fields.c - messages that inputs build themselves (ABI 1.4): sl_host.msg_set_fields,
 * pre-resolved property handles, and the typed JSON setters msg_json_set_str/int/ref.
 *
 * An input that decodes a binary protocol (SNMP traps, NetFlow, the kernel log) knows the
 * header fields of its messages; it makes a message with msg_new() (raw = whatever it wants
 * rawmsg to be), sets the fields with msg_set_fields() and submits it.  The message is then
 * marked parsed (SL_MSGF_PARSED | SL_MSGF_FIELDS), so the ruleset worker runs no parser on
 * it, and every property reads as for the equivalent RFC 3164 message
 * "<PRI>TIMESTAMP HOSTNAME TAG MSG" (protocol-version 0) with these defaults:
 *
 *   field          not given                              given
 *   pri            13 (user.notice)                       0..191, else SL_EINVAL
 *   timereported   = timegenerated = the receive time     ts_sec/ts_nsec shown at UTC +
 *                  (msg_new's clock, or msg_set_local's     ts_tzoff_min, microseconds
 *                  rcv), local time zone                    (rsyslog's precision 6)
 *   hostname       fromhost: the peer's name or address   as given (copied)
 *                  (DNS as net.enableDNS says), the local
 *                  host name for local inputs
 *   syslogtag      "" - or, when app_name and/or procid   as given; programname, app-name
 *                  are given, "APP[PROCID]:" ("APP:" if     and procid are then derived from
 *                  procid is absent, empty or "-")          it as from a parsed 3164 tag
 *   app-name       programname of the tag, "-" if empty   as given
 *   procid         "[...]" of the tag, else "-"           as given
 *   msgid          "-"                                    as given
 *   msg            the raw bytes (what msg_new was given) as given
 *   structured-data "-"
 * Empty strings given stay empty.  Nothing is escaped (no parser, no sanitizer), as with
 * rsyslog's inputs that build messages (imklog, impstats, imjournal).  A second call sets the
 * fields it gives and keeps the others; the tag is derived again from app_name/procid unless
 * a tag was given.  sl_msg_set_local(rcv=...) may come before or after: it moves the receive
 * time, and the timestamp with it unless SL_MF_TIME was given.
 *
 * Property handles (host->prop_ref): a struct sl_prop_handle, which begins with the struct
 * sl_propref the rest of the core understands, plus - for $!, $. and $/ - the path split
 * into its components once, so the typed setters walk the tree with no parsing per call.
 * Intermediate objects are created as needed, an existing leaf is replaced; a value on the
 * way that is not an object is not gone through (SL_EINVAL), as rsyslog's set.
 *
 * Ownership: the strings given to msg_set_fields are copied into one block per message
 * (m->fields_blk, freed by sl_msg_unref); a second call builds a new block and frees the old
 * one.  Handles are malloc'd once and freed by sl_prop_handle_free.
 *
 * Concurrency & locking: msg_set_fields and the setters write the message, so they run
 * where one thread owns it - an input thread before submit(), or the ruleset worker (mm*
 * modifiers).  $/ (global variables) goes through msg.c's global lock.  Handles are
 * read-only after creation and shared by every thread.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <libfastjson/json.h>

#include "msg.h"
#include "util/buf.h"

/* ---------------------------------------------------------------------------------------
 * msg_set_fields
 * ------------------------------------------------------------------------------------- */

/* The given time as rsyslog's struct syslogTime of a timeval in a zone UTC + off_min. */
static void time_from_fields(struct sl_time *t, int64_t sec, int32_t nsec, int off_min)
{
    struct tm tm;
    time_t shown = (time_t)(sec + (int64_t)off_min * 60);
    gmtime_r(&shown, &tm);
    sl_time_from_tm(t, &tm);
    t->secfrac = (uint32_t)(nsec / 1000);
    t->offset_mode = off_min < 0 ? '-' : '+';
    int a = off_min < 0 ? -off_min : off_min;
    t->offset_hour = (uint8_t)(a / 60);
    t->offset_minute = (uint8_t)(a % 60);
}

/* timegenerated from the receive time, if it is not computed from it already (an input may
 * have moved rcv after msg_new) */
static void sync_tgen(struct sl_msg *m)
{
    if (m->t_generated.type != 2 || m->tgen_sec != m->rcv.tv_sec ||
        m->t_generated.secfrac != (uint32_t)(m->rcv.tv_nsec / 1000)) {
        sl_time_now(&m->t_generated, &m->rcv, 0);
        m->tgen_sec = m->rcv.tv_sec;
    }
}

/* The first call: every field at its default. */
static void fields_defaults(struct sl_msg *m)
{
    m->pri = 13;
    m->pri_from_msg = 0;
    m->protocol_version = 0;
    m->after_pri = 0;
    sync_tgen(m);
    m->t_reported = m->t_generated;
    m->hostname = (struct sl_str){ NULL, 0 };
    m->tag = (struct sl_str){ "", 0 };
    m->appname = m->procid = m->msgid = m->sd = (struct sl_str){ NULL, 0 };
    m->msg = (struct sl_str){ m->raw, m->raw_len };
    m->programname = (struct sl_str){ NULL, 0 };
    m->flags &= ~(uint32_t)(SL_MSGF_PROGNAME_DONE | SL_MSGF_UNPARSED | SL_MSGF_PERMIT_SLASH);
    m->flags |= SL_MSGF_PARSED | SL_MSGF_FIELDS;
}

/* The first call inside a parser plugin's parse() (SL_MSGF_IN_PARSE, ABI 1.5): the PRI the
 * core read, the timestamp (receive time or msg_parse_ts3164's) and rawmsg-after-pri stay;
 * MSG is everything after the PRI, TAG "", no hostname - what rsyslog's parsers start from. */
static void parse_defaults(struct sl_msg *m)
{
    m->protocol_version = 0;
    m->hostname = (struct sl_str){ NULL, 0 };
    m->tag = (struct sl_str){ "", 0 };
    /* (sd stays: the driver cleared it, msg_parse_set_prop may have set it) */
    m->appname = m->procid = m->msgid = (struct sl_str){ NULL, 0 };
    m->msg = (struct sl_str){ m->raw + m->after_pri, m->raw_len - m->after_pri };
    m->programname = (struct sl_str){ NULL, 0 };
    m->flags &= ~(uint32_t)(SL_MSGF_PROGNAME_DONE | SL_MSGF_UNPARSED | SL_MSGF_PERMIT_SLASH);
    m->flags |= SL_MSGF_FIELDS;
    /* the tag counts as given (""): rsyslog's parsers set procid/app-name without making
     * a tag of them */
    m->fields_set |= SL_MF_PRI | SL_MF_TIME | SL_MF_TAG;
}

static struct sl_str *fstr_span(struct sl_msg *m, int i)
{
    switch (i) {
    case SL_MSG_FSTR_HOSTNAME:
        return &m->hostname;
    case SL_MSG_FSTR_TAG:
        return &m->tag;
    case SL_MSG_FSTR_APPNAME:
        return &m->appname;
    case SL_MSG_FSTR_PROCID:
        return &m->procid;
    case SL_MSG_FSTR_MSGID:
        return &m->msgid;
    default:
        return &m->msg;
    }
}

static const uint32_t fstr_bit[SL_MSG_FSTR__COUNT] = {
    SL_MF_HOSTNAME, SL_MF_TAG, SL_MF_APPNAME, SL_MF_PROCID, SL_MF_MSGID, SL_MF_MSG
};

/* Sets the string fields: new[i] (len[i]) for the fields in `given`, the fields set before
 * keep their text; all of them are copied into one new block, and the tag is derived from
 * app-name and procid when no tag was ever given.  0 or SL_EINVAL (lengths overflow). */
static int set_strings(struct sl_msg *m, uint32_t given, const char *const nv[],
                       const size_t nl[])
{
    uint32_t all = m->fields_set | given;
    struct sl_str src[SL_MSG_FSTR__COUNT];
    size_t total = 0;
    for (int i = 0; i < SL_MSG_FSTR__COUNT; i++) {
        if (given & fstr_bit[i]) {
            src[i] = (struct sl_str){ nv[i] != NULL ? nv[i] : "", nv[i] != NULL ? nl[i] : 0 };
        } else if (m->fields_set & fstr_bit[i]) {
            src[i] = *fstr_span(m, i);     /* in the old block: copied along */
        } else {
            src[i] = (struct sl_str){ NULL, 0 };
            continue;
        }
        if (src[i].len > SIZE_MAX / 4 - total) {
            return SL_EINVAL;
        }
        total += src[i].len + 1;
    }
    /* the tag built from app-name and procid: "APP[PROCID]:" */
    int derive_tag = !(all & SL_MF_TAG) && (all & (SL_MF_APPNAME | SL_MF_PROCID));
    struct sl_str app = src[SL_MSG_FSTR_APPNAME], pid = src[SL_MSG_FSTR_PROCID];
    int with_pid = pid.p != NULL && pid.len > 0 && !(pid.len == 1 && pid.p[0] == '-');
    if (derive_tag) {
        total += app.len + pid.len + 4;
    }
    char *blk = sl_xmalloc(total > 0 ? total : 1);
    char *w = blk;
    for (int i = 0; i < SL_MSG_FSTR__COUNT; i++) {
        if (src[i].p == NULL) {
            continue;
        }
        if (src[i].len > 0) {
            memcpy(w, src[i].p, src[i].len);
        }
        w[src[i].len] = '\0';
        *fstr_span(m, i) = (struct sl_str){ w, src[i].len };
        w += src[i].len + 1;
    }
    if (derive_tag) {
        char *t = w;
        if (app.len > 0) {
            memcpy(w, app.p, app.len);
            w += app.len;
        }
        if (with_pid) {
            *w++ = '[';
            memcpy(w, pid.p, pid.len);
            w += pid.len;
            *w++ = ']';
        }
        *w++ = ':';
        *w = '\0';
        m->tag = (struct sl_str){ t, (size_t)(w - t) };
    }
    free(m->fields_blk);    /* the message is not shared yet: nobody reads the old spans */
    m->fields_blk = blk;
    m->fields_set = all;
    m->programname = (struct sl_str){ NULL, 0 };   /* derived from the tag when asked for */
    return 0;
}

int sl_msg_set_fields(struct sl_msg *m, const struct sl_msg_fields *f)
{
    if (m == NULL || f == NULL) {
        return SL_EINVAL;
    }
    if ((f->set & SL_MF_PRI) && (f->pri < 0 || f->pri > 191)) {
        return SL_EINVAL;
    }
    if ((f->set & SL_MF_TIME) && (f->ts_nsec < 0 || f->ts_nsec > 999999999 ||
                                  f->ts_tzoff_min < -24 * 60 || f->ts_tzoff_min > 24 * 60)) {
        return SL_EINVAL;
    }
    if (!(m->flags & SL_MSGF_FIELDS)) {
        if (m->flags & SL_MSGF_IN_PARSE) {
            parse_defaults(m);
        } else {
            fields_defaults(m);
        }
    }
    if (f->set & SL_MF_PRI) {
        m->pri = f->pri;
    }
    if (f->set & SL_MF_TIME) {
        time_from_fields(&m->t_reported, f->ts_sec, f->ts_nsec, f->ts_tzoff_min);
    }
    const char *nv[SL_MSG_FSTR__COUNT] = { f->hostname, f->tag, f->app_name, f->procid,
                                           f->msgid, f->msg };
    const size_t nl[SL_MSG_FSTR__COUNT] = { f->hostname_len, f->tag_len, f->app_name_len,
                                            f->procid_len, f->msgid_len, f->msg_len };
    uint32_t given = f->set & (SL_MF_HOSTNAME | SL_MF_TAG | SL_MF_APPNAME | SL_MF_PROCID |
                               SL_MF_MSGID | SL_MF_MSG);
    int rc = 0;
    /* inside parse(): an MSG that is a span of rawmsg stays one (set_strings would copy
     * it), so that msg_set_msg still replaces rawmsg from MSG on, as rsyslog's
     * MsgReplaceMSG does */
    struct sl_str old_msg = m->msg;
    int keep_span = (m->flags & SL_MSGF_IN_PARSE) && !(given & SL_MF_MSG) &&
                    old_msg.p != NULL && old_msg.p >= m->raw &&
                    old_msg.p <= m->raw + m->raw_len;
    if (given != 0) {
        rc = set_strings(m, given, nv, nl);
    }
    if (rc == 0 && keep_span) {
        m->msg = old_msg;
    }
    /* a parser's MSG inside rawmsg stays a span of it (rsyslog's MSG offset) */
    if (rc == 0 && (m->flags & SL_MSGF_IN_PARSE) && (f->set & SL_MF_MSG) && f->msg != NULL &&
        f->msg >= m->raw && f->msg_len <= m->raw_len &&
        (size_t)(f->msg - m->raw) <= m->raw_len - f->msg_len) {
        m->msg = (struct sl_str){ f->msg, f->msg_len };
    }
    m->fields_set |= f->set & (SL_MF_PRI | SL_MF_TIME);
    return rc;
}

void sl_msg_fields_spans(const struct sl_msg *m, struct sl_str out[SL_MSG_FSTR__COUNT])
{
    for (int i = 0; i < SL_MSG_FSTR__COUNT; i++) {
        out[i] = (m->fields_set & fstr_bit[i]) ? *fstr_span((struct sl_msg *)m, i)
                                                : (struct sl_str){ NULL, 0 };
    }
}

int sl_msg_fields_restore(struct sl_msg *m, uint32_t set, int pri, const struct sl_time *t,
                          const char *const strs[SL_MSG_FSTR__COUNT],
                          const size_t lens[SL_MSG_FSTR__COUNT])
{
    if (pri < 0 || pri > 191) {
        return SL_EINVAL;
    }
    fields_defaults(m);
    m->pri = pri;
    if (set & SL_MF_TIME) {
        m->t_reported = *t;
    }
    uint32_t given = 0;
    for (int i = 0; i < SL_MSG_FSTR__COUNT; i++) {
        if ((set & fstr_bit[i]) && strs[i] != NULL) {
            given |= fstr_bit[i];
        }
    }
    int rc = given != 0 ? set_strings(m, given, strs, lens) : 0;
    m->fields_set = set;
    return rc;
}

/* ---------------------------------------------------------------------------------------
 * Property handles and the typed JSON setters
 * ------------------------------------------------------------------------------------- */
struct sl_prop_handle {
    struct sl_propref ref;      /* first: the handle is used as a propref (host_msg_prop) */
    size_t ncomp;               /* JSON variables: path components (0: the root) */
    char **comp;                /* points into the same allocation */
};

int sl_prop_handle_new(const char *name, void **handle)
{
    struct sl_propref r;
    *handle = NULL;
    if (name == NULL || sl_propref_parse(name, strlen(name), &r) != 0) {
        return SL_ENOENT;
    }
    size_t ncomp = 0, plen = 0;
    int is_json = r.id == SL_PROP_CEE || r.id == SL_PROP_LOCAL_VAR ||
                  r.id == SL_PROP_GLOBAL_VAR;
    if (is_json && r.path != NULL && r.path[0] != '\0') {
        plen = strlen(r.path);
        ncomp = 1;
        for (size_t i = 0; i < plen; i++) {
            /* a '!' ends a component; one at the very end adds none (as msg.c's paths) */
            if (r.path[i] == '!' && i + 1 < plen) {
                ncomp++;
            }
        }
    }
    struct sl_prop_handle *h = sl_xcalloc(1, sizeof *h + ncomp * sizeof(char *) + plen + 1);
    h->ref = r;
    h->ncomp = ncomp;
    h->comp = (char **)(void *)(h + 1);
    if (ncomp > 0) {
        char *s = (char *)(h->comp + ncomp);
        memcpy(s, r.path, plen + 1);
        if (plen > 0 && s[plen - 1] == '!') {
            s[plen - 1] = '\0';
        }
        size_t k = 0;
        h->comp[k++] = s;
        for (char *p = s; *p != '\0'; p++) {
            if (*p == '!') {
                *p = '\0';
                h->comp[k++] = p + 1;
            }
        }
    }
    *handle = h;
    return 0;
}

void sl_prop_handle_free(void *handle)
{
    struct sl_prop_handle *h = handle;
    if (h != NULL) {
        sl_propref_clear(&h->ref);
        free(h);
    }
}

static void json_merge_into(struct fjson_object *dst, struct fjson_object *src)
{
    struct fjson_object_iterator it = fjson_object_iter_begin(src);
    struct fjson_object_iterator end = fjson_object_iter_end(src);
    while (!fjson_object_iter_equal(&it, &end)) {
        fjson_object_object_add(dst, fjson_object_iter_peek_name(&it),
                                fjson_object_get(fjson_object_iter_peek_value(&it)));
        fjson_object_iter_next(&it);
    }
}

/* Stores val (ownership passes) at the handle's variable. */
static int json_put(struct sl_msg *m, const struct sl_prop_handle *h, struct fjson_object *val)
{
    if (m == NULL || h == NULL || (h->ref.id != SL_PROP_CEE && h->ref.id != SL_PROP_LOCAL_VAR &&
                                   h->ref.id != SL_PROP_GLOBAL_VAR)) {
        if (val != NULL) {
            fjson_object_put(val);
        }
        return SL_EINVAL;
    }
    if (val == NULL && h->ncomp == 0) {
        return SL_EINVAL;
    }
    struct fjson_object **rootp = sl_msg_json_root_lock(m, h->ref.id);
    int rc = 0;
    if (h->ncomp == 0) {
        /* the root: an object becomes the tree, or is merged into it */
        if (!fjson_object_is_type(val, fjson_type_object)) {
            fjson_object_put(val);
            rc = SL_EINVAL;
        } else if (*rootp == NULL) {
            *rootp = val;
        } else {
            json_merge_into(*rootp, val);
            fjson_object_put(val);
        }
        sl_msg_json_root_unlock(h->ref.id);
        return rc;
    }
    if (*rootp == NULL) {
        *rootp = fjson_object_new_object();
    }
    struct fjson_object *cur = *rootp;
    for (size_t i = 0; i + 1 < h->ncomp; i++) {
        struct fjson_object *child = NULL;
        if (!fjson_object_object_get_ex(cur, h->comp[i], &child)) {
            child = fjson_object_new_object();
            fjson_object_object_add(cur, h->comp[i], child);
        } else if (!fjson_object_is_type(child, fjson_type_object)) {
            rc = SL_EINVAL;    /* a value on the way that is not an object */
            break;
        }
        cur = child;
    }
    if (rc == 0) {
        fjson_object_object_add(cur, h->comp[h->ncomp - 1], val);
    } else if (val != NULL) {
        fjson_object_put(val);
    }
    sl_msg_json_root_unlock(h->ref.id);
    return rc;
}

int sl_msg_json_set_str(struct sl_msg *m, const void *handle, const char *s, size_t len)
{
    if (len > INT32_MAX) {
        return SL_EINVAL;
    }
    struct fjson_object *v = fjson_object_new_string_len(s != NULL ? s : "", s != NULL ? (int)len : 0);
    if (v == NULL) {
        return SL_ENOMEM;
    }
    return json_put(m, handle, v);
}

int sl_msg_json_set_int(struct sl_msg *m, const void *handle, int64_t v)
{
    struct fjson_object *o = fjson_object_new_int64(v);
    if (o == NULL) {
        return SL_ENOMEM;
    }
    return json_put(m, handle, o);
}

int sl_msg_json_set_ref(struct sl_msg *m, const void *handle, struct fjson_object *val)
{
    return json_put(m, handle, val);
}
