/*
 * msg.h - the message object and its properties (core-private).
 *
 * A message keeps the raw bytes it was received with, immutable.  The parsers (RFC 5424,
 * then RFC 3164, as rsyslog's default parser chain) fill the fields below; parsing runs on
 * ruleset workers, never on input threads.  Property names are resolved to enum sl_prop
 * (plus a JSON path for $!, $. and $/) at config time, so templates and filters do no string
 * lookups per message.
 *
 * Ownership and lifetime
 *   - Created by sl_msg_new() with refcount 1.  Whoever enqueues a message into more than
 *     one place takes a reference per place (sl_msg_ref) and each consumer drops its own.
 *   - Strings referenced by the parsed fields are either spans into `raw` or owned
 *     allocations (flag bits in `owned`), released by sl_msg_unref().
 *   - inputname is interned by the core and never freed by the message.
 *
 * Concurrency & locking
 *   - Until a message has been handed to an action queue it is written by one ruleset worker
 *     only.  After that it is read-only and shared by refcount (atomic).  set/unset of $!
 *     variables happens on the ruleset worker before any action queue sees the message.
 */
#ifndef SLUICE_CORE_MSG_H
#define SLUICE_CORE_MSG_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <time.h>

#include "sluice/sl_plugin.h"
#include "util/time.h"

struct fjson_object;
struct sl_parser_chain;

/* Properties, by rsyslog's names (see sl_prop_from_name). */
enum sl_prop {
    SL_PROP_INVALID = 0,
    SL_PROP_MSG,
    SL_PROP_RAWMSG,
    SL_PROP_RAWMSG_AFTER_PRI,
    SL_PROP_HOSTNAME,          /* also "source" */
    SL_PROP_FROMHOST,
    SL_PROP_FROMHOST_IP,
    SL_PROP_FROMHOST_PORT,
    SL_PROP_SYSLOGTAG,
    SL_PROP_PROGRAMNAME,
    SL_PROP_PRI,
    SL_PROP_PRI_TEXT,
    SL_PROP_IUT,
    SL_PROP_SYSLOGFACILITY,
    SL_PROP_SYSLOGFACILITY_TEXT,
    SL_PROP_SYSLOGSEVERITY,    /* also "syslogpriority" */
    SL_PROP_SYSLOGSEVERITY_TEXT,
    SL_PROP_TIMEGENERATED,
    SL_PROP_TIMEREPORTED,      /* also "timestamp" */
    SL_PROP_PROTOCOL_VERSION,
    SL_PROP_STRUCTURED_DATA,
    SL_PROP_APP_NAME,
    SL_PROP_PROCID,
    SL_PROP_MSGID,
    SL_PROP_INPUTNAME,
    SL_PROP_JSONMESG,          /* "jsonmesg" */
    SL_PROP_UUID,
    SL_PROP_CEE,               /* $!path  ("$!" alone: the whole tree) */
    SL_PROP_LOCAL_VAR,         /* $.path */
    SL_PROP_GLOBAL_VAR,        /* $/path */
    /* system properties: not message data */
    SL_PROP_SYS_NOW,
    SL_PROP_SYS_YEAR,
    SL_PROP_SYS_MONTH,
    SL_PROP_SYS_DAY,
    SL_PROP_SYS_HOUR,
    SL_PROP_SYS_HHOUR,
    SL_PROP_SYS_QHOUR,
    SL_PROP_SYS_MINUTE,
    SL_PROP_SYS_NOW_UTC,
    SL_PROP_SYS_YEAR_UTC,
    SL_PROP_SYS_MONTH_UTC,
    SL_PROP_SYS_DAY_UTC,
    SL_PROP_SYS_HOUR_UTC,
    SL_PROP_SYS_HHOUR_UTC,
    SL_PROP_SYS_QHOUR_UTC,
    SL_PROP_SYS_MINUTE_UTC,
    SL_PROP_SYS_MYHOSTNAME,
    SL_PROP_SYS_BOM,
    SL_PROP_SYS_UPTIME,
    SL_PROP_SYS_NOW_UNIXTIMESTAMP,
    SL_PROP_PARSESUCCESS,      /* "parsesuccess": "OK"/"FAIL" after mmnormalize/mmjsonparse */
    SL_PROP_CEE_ALL_JSON,      /* "$!all-json": the $! tree as JSON, "{}" when empty */
    SL_PROP_CEE_ALL_JSON_PLAIN, /* "$!all-json-plain": the same without blanks */
    SL_PROP_SYS_WDAY,          /* "$wday": day of the week now, 0 = Sunday */
    SL_PROP_SYS_WDAY_UTC,      /* "$wday-utc" */
    SL_PROP__COUNT
};

/* A resolved property reference: id plus, for SL_PROP_CEE/LOCAL_VAR/GLOBAL_VAR, the path
 * below the root in rsyslog notation without the leading "$!" (e.g. "a!b"; "" = root). */
struct sl_propref {
    enum sl_prop id;
    char *path;
};

/* A span into raw or into an owned string. */
struct sl_str {
    const char *p;
    size_t len;
};

#define SL_MSG_INLINE 256

/* The peer's address: IPv4 and IPv6 in place; a longer one (up to a sockaddr_storage,
 * e.g. AF_UNIX) in a malloc'd copy that ext points to, freed with the message.  Which one
 * holds it follows from peerlen (> SL_MSG_PEER_INLINE: ext); read it with sl_msg_peer(). */
union sl_msg_peer {
    struct sockaddr sa;
    struct sockaddr_in in;
    struct sockaddr_in6 in6;
    struct sockaddr_storage *ext;
};
#define SL_MSG_PEER_INLINE sizeof(struct sockaddr_in6)

/* The fields are ordered for size (no holes to speak of: 408 bytes, so a message with up
 * to ~100 raw bytes fits a 512-byte block of msg.c's pool) and for sl_msg_new_at, which
 * sets the first group itself and clears everything from peerlen up to peer in one go. */
struct sl_msg {
    /* set by sl_msg_new_at */
    _Atomic int refcnt;
    uint32_t flags;            /* SL_MSGF_* */
    char *raw;                 /* what arrived: a NUL-terminated copy; raw_len excludes the NUL */
    size_t raw_len;
    struct timespec rcv;       /* receive time (timegenerated source) */
    time_t tgen_sec;           /* rcv.tv_sec that t_generated was computed from (msg.c) */
    int pri;                   /* facility * 8 + severity; rsyslog's default 13 if absent */
    struct sl_time t_reported;
    struct sl_time t_generated;

    /* cleared by sl_msg_new_at, from here up to peer */
    socklen_t peerlen;         /* 0: local input, fromhost is the local host name */
    const char *inputname;     /* interned: "imudp", "imtcp", ... */
    void *ruleset;             /* core handle of the bound ruleset, NULL = default */

    /* parsed (valid once SL_MSGF_PARSED is set) */
    size_t after_pri;          /* offset in raw after "<PRI>" (rawmsg-after-pri) */
    int protocol_version;      /* 0 = legacy (3164), 1 = RFC 5424 */
    uint8_t pri_from_msg;      /* a PRI was present in the raw message */
    uint8_t parse_result;      /* $parsesuccess: 0 unset, 1 OK, 2 FAIL */
    uint8_t blk_class;         /* msg.c's block recycling: size class, 0xff = plain malloc */
    struct sl_str hostname;
    struct sl_str tag;         /* syslogtag as rsyslog builds it ("app[123]:") */
    struct sl_str appname;
    struct sl_str procid;
    struct sl_str msgid;
    struct sl_str sd;          /* structured-data, "-" if none */
    struct sl_str msg;         /* MSG part */
    struct sl_str programname; /* derived from tag lazily (see sl_msg_programname) */

    /* fromhost/fromhost-ip as strings, produced lazily from peer */
    char *fromhost;
    char *fromhost_ip;

    /* JSON trees (libfastjson), created on first write */
    struct fjson_object *json;       /* $! */
    struct fjson_object *localvars;  /* $. */

    /* scratch for strings the parsers had to build; freed with the message */
    char *owned[4];
    unsigned n_owned;

    /* local inputs (sl_host.msg_set_local): SL_LOCAL_* flags, 0 for all other inputs */
    uint32_t local_flags;
    int64_t local_pid;         /* SL_LOCAL_PID */
    char *preset_tag;          /* SL_LOCAL_PRESET (ABI 1.6): the TAG kept when the parsers set
                                * none (malloc'd, freed with the message) */

    /* rsyslog formats the RFC 3164 form of timereported / timegenerated once per message
     * and caches it; date-rfc3164 and date-rfc3164-buggyday share that cache, so the first
     * of them rendered wins for the message.  0 unset, else the sl_datefmt chosen + 1;
     * [0] timereported, [1] timegenerated.  See sl_msg_3164_fmt. */
    _Atomic int fmt3164[2];

    /* raw buffers replaced by sl_msg_replace_msg, kept until the message is freed (spans of
     * other fields and readers on other threads may still point into them) */
    struct sl_msg_retired *retired;

    /* built by an input with sl_host.msg_set_fields (core/msg_fields.c): the SL_MF_* bits
     * given so far (0: not built that way) and the one block holding copies of the given
     * strings (the spans above point into it), freed with the message */
    uint32_t fields_set;
    char *fields_blk;

    /* last: not cleared, valid only as peerlen says (see union sl_msg_peer) */
    union sl_msg_peer peer;
};

/* The peer's address (peerlen bytes; meaningless when peerlen is 0). */
static inline const struct sockaddr *sl_msg_peer(const struct sl_msg *m)
{
    return m->peerlen > SL_MSG_PEER_INLINE ? (const struct sockaddr *)m->peer.ext : &m->peer.sa;
}

enum {
    SL_MSGF_PARSED = 1u << 0,
    SL_MSGF_PROGNAME_DONE = 1u << 1,
    SL_MSGF_INTERNAL = 1u << 2, /* emitted by sluiced itself */
    SL_MSGF_UNPARSED = 1u << 3,  /* no parser of the ruleset's chain took it: discard */
    SL_MSGF_RAW_NO_NUL = 1u << 4, /* raw[0..raw_len) holds no NUL (set by the sanitizer) */
    SL_MSGF_PERMIT_SLASH = 1u << 5, /* parsed with parser.permitSlashInProgramName */
    SL_MSGF_FIELDS = 1u << 6,    /* built by msg_set_fields: parsed, no parser runs on it */
    SL_MSGF_IN_PARSE = 1u << 7,  /* a parser plugin's parse() runs on it (ABI 1.5): the
                                  * msg_parse_* host calls work, msg_set_fields keeps the
                                  * PRI and timestamp (core/msg_fields.c) */
    SL_MSGF_RAW_EDITED = 1u << 8, /* a parser plugin repaired raw (msg_parse_set_raw): when
                                  * parsed again (after a disk queue) no plugin runs, so
                                  * the repair is not applied twice (core/msg_ser.c) */
    SL_MSGF_TRACED = 1u << 9,    /* selected by the live trace (core/trace.c): its actions
                                  * report delivered/suspended/retried */
    SL_MSGF_MARK = 1u << 10      /* an immark mark (ABI 1.7 msg_set_mark): rsyslog's MARK */
};

/* ABI 1.7 msg_set_mark: flags m as a mark and sets the mark period (rsyslog's global
 * MarkInterval, default 20 minutes), which sl_mark_interval() reads (any thread). */
void sl_msg_set_mark(struct sl_msg *m, int64_t interval);
int64_t sl_mark_interval(void);

/* Parser options: global() and pmrfc3164 settings that change parsing. */
struct sl_parse_opts {
    int escape_cc_on_receive;  /* $EscapeControlCharactersOnReceive, default on */
    char cc_escape_prefix;     /* default '#' */
    int drop_trailing_lf;      /* $DropTrailingLFOnReception, default on */
    int space_lf_on_receive;   /* parser.SpaceLFOnReceive, default off */
    int permit_squared_tag;    /* pmrfc3164 permit.squareBracketsInHostname, default off */
    int escape_tab;            /* parser.escapeControlCharacterTab, default on */
    int escape_8bit;           /* parser.escape8BitCharactersOnReceive, default off */
    int escape_cc_cstyle;      /* parser.escapeControlCharactersCStyle, default off */
    /* pmrfc3164 instance options (parser(type="pmrfc3164" ...)), all default off */
    int permit_slashes;        /* permit.slashesInHostname */
    int permit_atsigns;        /* permit.AtSignsInHostname */
    int force_tag_colon;       /* force.tagEndingByColon */
    int remove_msg_first_space; /* remove.msgFirstSpace */
    int detect_year_after_ts;  /* detect.YearAfterTimestamp */
    int permit_slash_progname; /* global(parser.permitSlashInProgramName), default off */
    /* ruleset(parser=[...]): the parsers tried in order; NULL is rsyslog's default chain
     * (RFC 5424, then RFC 3164 with the options above) */
    const struct sl_parser_chain *chain;
};

/* A ruleset's parser chain: each entry is RFC 5424 (takes only RFC 5424 messages) or RFC
 * 3164 (takes every message) with its own instance options.  A message no entry takes gets
 * SL_MSGF_UNPARSED (rsyslog discards it). */
enum { SL_PARSER_RFC5424 = 1, SL_PARSER_RFC3164, SL_PARSER_PLUGIN };
#define SL_PARSER_CHAIN_MAX 16
struct sl_parser_chain {
    size_t n;
    struct {
        int kind;                  /* SL_PARSER_* */
        struct sl_parse_opts opts; /* the global options plus the instance's (chain NULL) */
        const struct sl_parser_ops *ops;  /* SL_PARSER_PLUGIN: the plugin (ABI 1.5) */
        void *inst;                /*   and its instance (owned by the engine) */
    } e[SL_PARSER_CHAIN_MAX];
};
void sl_parse_opts_default(struct sl_parse_opts *o);

/* Life cycle */
struct sl_msg *sl_msg_new(const char *raw, size_t len);  /* timegenerated = now */
void sl_msg_set_peer(struct sl_msg *m, const struct sockaddr *sa, socklen_t len);
static inline struct sl_msg *sl_msg_ref(struct sl_msg *m)
{
    atomic_fetch_add_explicit(&m->refcnt, 1, memory_order_relaxed);
    return m;
}
void sl_msg_unref(struct sl_msg *m);

/* Local-input metadata (sl_host.msg_set_local), set by the input thread before submit. */
void sl_msg_set_local(struct sl_msg *m, const struct sl_local_meta *lm);

/* Replaces MSG with a copy of text[0..len) (mm* modifiers, on the ruleset worker): rawmsg
 * becomes the bytes before MSG followed by text, as rsyslog's MsgReplaceMSG. */
int sl_msg_replace_msg(struct sl_msg *m, const char *text, size_t len);

/* Internal message from sluiced itself ("sluiced: ..." as syslog.<sev>). */
struct sl_msg *sl_msg_new_internal(int facility, int severity, const char *text);

/* Parse raw into the fields: RFC 5424 if it is one, else RFC 3164, as rsyslog 8.2302's
 * default parser chain (pmrfc5424, pmrfc3164) does, including the escaping of control
 * characters on receive and dropping a trailing LF.  Idempotent. */
void sl_msg_parse(struct sl_msg *m, const struct sl_parse_opts *o);

/* Properties.  Returns a pointer to the value and sets *len.  The value lives in the message
 * (valid while the caller holds a reference), in tmp (caller's buffer of SL_PROP_TMP bytes),
 * or in malloc'd memory returned through *to_free, which the caller frees.  Never NULL: an
 * absent property is "" (len 0), as rsyslog renders it. */
#define SL_PROP_TMP 128
const char *sl_msg_prop(struct sl_msg *m, const struct sl_propref *ref, size_t *len,
                        char tmp[SL_PROP_TMP], char **to_free);

/* The time behind a time-valued property (timereported, timegenerated, $now...); NULL if the
 * property is not time-valued.  Used by the template engine's date-* options. */
const struct sl_time *sl_msg_time(struct sl_msg *m, enum sl_prop id, struct sl_time *tmp);

/* The date format to use for property id (timereported or timegenerated) asked for in
 * format want: for the RFC 3164 forms (default, date-rfc3164, date-rfc3164-buggyday) the
 * form first rendered for this message, as rsyslog's per-message cache; want otherwise. */
enum sl_datefmt sl_msg_3164_fmt(struct sl_msg *m, enum sl_prop id, enum sl_datefmt want);

/* $! / $. / $/ access.  set takes ownership of val. Return 0 or negative SL_E*. */
int sl_msg_json_set(struct sl_msg *m, enum sl_prop root, const char *path, struct fjson_object *val);
int sl_msg_json_unset(struct sl_msg *m, enum sl_prop root, const char *path);
/* "set" (and parse_json()) as rsyslog 8.2302 assigns, where sl_msg_json_set is "reset":
 * when the variable already exists, an object value is merged into the root of the tree
 * ($!, $. or $/) and the variable keeps its value, and a non-object value does not replace
 * an object.  Both refuse to go through an existing value that is not an object. */
int sl_msg_json_assign(struct sl_msg *m, enum sl_prop root, const char *path,
                       struct fjson_object *val);
struct fjson_object *sl_msg_json_get(struct sl_msg *m, enum sl_prop root, const char *path); /* borrowed */

/* Inputs that build messages themselves (sl_host.msg_set_fields and the typed JSON setters,
 * ABI 1.4; core/msg_fields.c).  The fields and their defaults are described there. */
int sl_msg_set_fields(struct sl_msg *m, const struct sl_msg_fields *f);
/* ABI 1.5 host calls for parser plugins (core/parse/parse.c), valid inside parse() only */
void sl_msg_parse_raw(struct sl_msg *m, const char **raw, size_t *len, size_t *after_pri);
int sl_msg_parse_set_raw(struct sl_msg *m, const char *text, size_t len);
int sl_msg_parse_ts3164(struct sl_msg *m, const char **p, size_t *len, unsigned flags);
int sl_msg_parse_set_prop(struct sl_msg *m, const char *name, const char *val, size_t len);
/* ABI 1.8 msg_set_prop: a property by rsyslog name, as rsyslog's msgSetPropViaJSON (see
 * sl_plugin.h), on the worker that owns m; replaced strings are retired, not freed */
int sl_msg_set_prop(struct sl_msg *m, const char *name, const char *val, size_t len);
/* A copy of s[0..len) (NUL-terminated) freed with the message; NULL when out of memory. */
char *sl_msg_keep(struct sl_msg *m, const char *s, size_t len);
/* A property handle for sl_host.prop_ref: starts with a struct sl_propref (so it can be
 * used wherever a propref is), plus a JSON variable's path split into its components once. */
int sl_prop_handle_new(const char *name, void **handle);  /* 0 or SL_ENOENT */
void sl_prop_handle_free(void *handle);
int sl_msg_json_set_str(struct sl_msg *m, const void *handle, const char *s, size_t len);
int sl_msg_json_set_int(struct sl_msg *m, const void *handle, int64_t v);
int sl_msg_json_set_ref(struct sl_msg *m, const void *handle, struct fjson_object *val);
/* The root pointer of a JSON tree ($!, $. or $/; NULL for another id), for msg_fields.c.
 * For $/ the process-wide lock is taken: release it with sl_msg_json_root_unlock. */
struct fjson_object **sl_msg_json_root_lock(struct sl_msg *m, enum sl_prop root);
void sl_msg_json_root_unlock(enum sl_prop root);
/* The message-block pool (core/msg.c): bytes kept in its global stacks (0 in sanitizer
 * builds, which do not pool), and a trim: frees the stacks of every size class not used
 * since the previous call (all with force), then malloc_trim(); returns the bytes freed.
 * Any thread; the main thread calls it every few seconds. */
size_t sl_msg_pool_bytes(void);
size_t sl_msg_pool_trim(int force);

/* Spool records of built messages (core/msg_ser.c): the header fields of a record restored
 * as sl_msg_set_fields had left them.  strs[i] NULL: the field was not set (SL_MSG_FSTR_*
 * order); t the timestamp shown.  0 or SL_EINVAL. */
enum { SL_MSG_FSTR_HOSTNAME, SL_MSG_FSTR_TAG, SL_MSG_FSTR_APPNAME, SL_MSG_FSTR_PROCID,
       SL_MSG_FSTR_MSGID, SL_MSG_FSTR_MSG, SL_MSG_FSTR__COUNT };
int sl_msg_fields_restore(struct sl_msg *m, uint32_t set, int pri, const struct sl_time *t,
                          const char *const strs[SL_MSG_FSTR__COUNT],
                          const size_t lens[SL_MSG_FSTR__COUNT]);
/* The spans of a built message in SL_MSG_FSTR_* order (NULL: default), for serialising. */
void sl_msg_fields_spans(const struct sl_msg *m, struct sl_str out[SL_MSG_FSTR__COUNT]);

/* Property name -> ref ("msg", "HOSTNAME", "$!a!b", "$.x", "$now", "timestamp", ...),
 * case-insensitive like rsyslog.  Returns 0, or SL_ENOENT for an unknown name. path is
 * malloc'd into ref->path for JSON properties; free with sl_propref_clear. */
int sl_propref_parse(const char *name, size_t len, struct sl_propref *ref);
void sl_propref_clear(struct sl_propref *ref);
const char *sl_prop_name(enum sl_prop id); /* canonical rsyslog name */
/* "; did you mean 'msg'?" for an unknown property name (without '$'), or "" (into buf) */
const char *sl_prop_suggest(const char *name, char *buf, size_t size);

/* fromhost resolution by reverse DNS (global net.enableDNS, default on; off: the IP). */
void sl_msg_set_dns(int on);
/* global(reverseLookup.cache.ttl.enable / .default): cached names expire after `seconds`
 * only when enabled (rsyslog's default: never).  Thread-safe. */
void sl_dns_set_cache_ttl(int enable, int64_t seconds);
/* Reverse lookups done so far (cache misses), for tests. */
unsigned long sl_dns_lookup_count(void);
/* global(variables.caseSensitive=): $!, $. and $/ names compared case-sensitively (on) or
 * not (rsyslog's default).  Process-wide (libfastjson's switch); set before any message. */
void sl_msg_set_vars_case_sensitive(int on);

/* Local host name as rsyslog uses it ($myhostname, hostname of internal messages). */
const char *sl_local_hostname(void);
void sl_set_local_hostname(const char *name); /* global(localHostname=) */

#endif
