/*
 * sl_plugin.h - the sluice plugin ABI: one versioned, constant descriptor per plugin,
 * parameter descriptor tables filled by offset, and the host function table the core
 * hands to plugins.  This is the only header a plugin includes.
 *
 * Ownership and lifetime
 *   - The core allocates `inst_size` bytes per input()/action() instance, zeroes them,
 *     fills them from `inst_params` by offset (defaults first, then the config values),
 *     and frees them after ops->destroy().  Strings (SL_PT_STRING/WORD) and arrays
 *     (SL_PT_ARRAY) written into the instance are owned by the core: plugins must not free
 *     them and may keep pointers until destroy().
 *   - Module parameters (module(load="x" ...)) are filled the same way into a block of
 *     `mod_size` bytes that lives as long as the loaded module; the instance receives a
 *     pointer to it in create().
 *   - Each output worker gets its own `wrk_size` block, zeroed, never shared between threads.
 *
 * Concurrency & locking
 *   - Input: create/open/destroy run on the main thread; run() runs on a thread of its own
 *     created by the core; stop() is called from another thread and must only wake run().
 *   - Output: create/destroy/hup run on the main thread.  deliver() is called from core
 *     worker threads; the core guarantees that one `wrk` block is used by at most one thread
 *     at a time, but different workers of the same instance may call deliver() concurrently,
 *     so anything a plugin mutates in `inst` needs its own lock.  hup() may run concurrently
 *     with deliver().
 *   - Every host function is thread-safe unless noted.
 *   - A plugin may own threads it starts in create() or worker_create() (for example
 *     librdkafka's poll thread) if it stops and joins them in destroy()/worker_destroy().
 *     Such threads may call log(), counter() and batch_done(), nothing else of the host.
 *
 * Deferred acknowledgement (ABI 1.4)
 *   An output that learns only later whether a batch arrived (a Kafka delivery report, a TCP
 *   peer's acknowledgement) answers deliver() with SL_PENDING when b->ack is non-NULL and
 *   later calls host->batch_done(b->ack, ...) exactly once, from any thread.  Until then the
 *   core keeps the batch's messages (or their disk-queue records) in the action's in-flight
 *   window; the window is bounded (action.maxInFlight messages), and while it is full the
 *   core stops calling deliver() - that is the back-pressure.  A disk queue's records are
 *   released only in dequeue order, so a later batch confirmed first waits for the earlier
 *   ones; a batch not confirmed within action.ackTimeout ms counts as SL_RETRY.  Anything
 *   not confirmed when sluiced stops (after flush()) is delivered again at the next start:
 *   duplicates are possible, loss is not.
 *
 * Parsers (ABI 1.5)
 *   A parser plugin (kind SL_PARSER, ops `parser`) is rsyslog's pm* module.  Loading it
 *   makes one instance with default parameters named `parser_name` ("rsyslog.lastline");
 *   parser(name= type=MODULE ...) makes more, with `inst_params`.  A ruleset's parser chain
 *   (ruleset(parser=[...]), $RulesetParser) names instances; the default chain is still
 *   rsyslog.rfc5424 then rsyslog.rfc3164.  For each message the core first sanitises it
 *   (control characters) and reads the PRI, then calls parse() of each parser of the chain
 *   in order on the ruleset worker that owns the message:
 *     SL_PARSE_NOT_MINE  the next parser is tried (the raw message may have been edited
 *                        with msg_parse_set_raw(): the next parser sees the edit; a
 *                        timestamp msg_parse_ts3164() read stays too, as in rsyslog;
 *                        fields set with msg_set_fields() are undone);
 *     SL_PARSE_DONE      the message is parsed: header fields are what the parser set with
 *                        msg_set_fields() (and msg_parse_ts3164()); fields not set are
 *                        rsyslog's for a message without them (below);
 *     negative SL_E*     the message is discarded (counted), as rsyslog does when a parser
 *                        fails; so is a message no parser of the chain takes.
 *   During parse(), msg_set_fields() differs from its input use: a field not given keeps
 *   the PRI the core read (SL_MF_PRI overrides it), timereported stays the receive time
 *   unless msg_parse_ts3164() or SL_MF_TIME set it, rawmsg-after-pri stays, and a `msg`
 *   pointing into the bytes msg_parse_raw() returned is kept as a span of rawmsg (rsyslog's
 *   MSG offset) instead of being copied.  Without any msg_set_fields() call, SL_PARSE_DONE
 *   gives TAG "", no hostname (fromhost is shown), MSG = everything after the PRI.
 *   parse() runs concurrently on several workers with the same inst: inst is read-only
 *   after create() unless the plugin locks.
 *
 * Preset fields (ABI 1.6)
 *   rsyslog's imfile with needParse="on" sets HOSTNAME (the local host) and TAG on a
 *   message and then hands it to the parser chain without PARSE_HOSTNAME.  An input does
 *   the same with msg_set_local() and SL_LOCAL_PRESET (lm->tag the TAG): the ruleset's
 *   parser chain runs as for a network message, except that the RFC 3164 parser takes no
 *   HOSTNAME (the word there becomes the TAG); afterwards a HOSTNAME no parser set is the
 *   local host name, and a TAG no parser set (RFC 5424, JSON text, no parser took it) is
 *   lm->tag.  PRI is the parsers' (13 without one in the text).  Peer: give msg_new() a
 *   sockaddr of family AF_UNSPEC for rsyslog's empty fromhost.  (A core older than 1.6
 *   refuses a 1.6 plugin - its minor is newer - so the bit is always understood.)
 *
 * Mark messages (ABI 1.7)
 *   immark's marks carry rsyslog's MARK flag when the plugin calls msg_set_mark() on them
 *   (use.markFlag="on" with use.syslogCall="off": rsyslog's marks that go through syslog(3)
 *   come back without it).  The call also sets the mark period (rsyslog's global
 *   MarkInterval; the last call wins).  An action with action.writeAllMarkMessages="off"
 *   ($ActionWriteAllMarkMessages off) then drops a mark generated less than period/2
 *   seconds after the last message it took (any message; by generation time, whole
 *   seconds), as rsyslog 8.2302's doSubmitToActionQNotAllMark; every message it takes
 *   moves that time.  A core older than 1.7 has no msg_set_mark (check struct_size): the
 *   marks are then ordinary messages, which every action writes.
 *
 * Configuration errors (ABI 1.8)
 *   rsyslogd -N1 exits 1 when anything logged an error while the configuration loaded,
 *   including a module that corrected a value and runs on.  So an error a plugin logs with
 *   log(SL_LOG_ERR) from create() and then returns 0 (an input, output or modifier that
 *   corrects its configuration) counts as an error the daemon runs past: -N1 exits 1 and
 *   the start goes on.  What rsyslog only reports later (opening a pipe, the kernel log)
 *   is a warning at create().  SL_P_DEPRECATED_ERROR marks rsyslog's CNFPARAM_DEPRECATED
 *   parameters ("deprecated but accepted", an error of that kind).
 *
 * Outputs that hand messages back (ABI 1.9)
 *   rsyslog's omelasticsearch retryfailures builds a new message from each item of a failed
 *   bulk reply and runs it through a ruleset.  A plugin does the same with ruleset_ref()
 *   (in create(), main thread: the ruleset by name, NULL the default ruleset, and the
 *   inputname the messages carry) and submit_ruleset() from deliver(): the messages (made
 *   with msg_new(NULL, ...), their fields set with msg_set_fields() so no parser runs) go to
 *   that ruleset's queue.  An output worker must never deadlock on a full queue (the ruleset
 *   may feed this very action): submit_ruleset waits at most wait_ms for room, then drops
 *   what did not fit - counted by reason in the counter set named by the inputname
 *   ("ruleset.dropped.full", "ruleset.dropped.shutdown") and logged at most every 10 s -
 *   and returns how many were queued.  Ownership of every message passes to the core.
 *   A core older than 1.9 has neither call (check struct_size).
 *
 * The rule tester (ABI 1.9)
 *   sluiced --test renders an output's template and shows it as the bytes the output
 *   sends.  An output whose wire form is more than that (omelasticsearch's bulk action line)
 *   sets the descriptor's preview(): called on the main thread after create(), never with a
 *   worker running, it appends to `bytes` what the request would carry for m alone and to
 *   `dest` where it would go (no blank; a URL), with no side effect.
 *
 * ABI rules: SL_ABI_MAJOR must match exactly; a plugin's minor may not be newer than the
 * core's; fields are only ever appended, and struct_size tells the core how much the plugin
 * knows about.
 */
#ifndef SLUICE_SL_PLUGIN_H
#define SLUICE_SL_PLUGIN_H

#include <stddef.h>
#include <stdint.h>
#include <stdatomic.h>
#include <sys/socket.h>

#ifdef __cplusplus
extern "C" {
#endif

#define SL_ABI_MAJOR 1
#define SL_ABI_MINOR 9

/* Return codes of core and plugin functions: 0 on success, negative SL_E* on error. */
enum {
    SL_EINVAL = -1,   /* bad argument or value */
    SL_ENOMEM = -2,
    SL_ECONFIG = -3,  /* configuration error (already reported with location) */
    SL_EIO = -4,      /* I/O error (errno kept where meaningful) */
    SL_EAGAIN = -5,   /* try again later */
    SL_EABI = -6,     /* plugin ABI mismatch */
    SL_ENOENT = -7,   /* not found */
    SL_ESHUTDOWN = -8 /* the core is shutting down */
};

/* deliver() verdicts: the plugin says what happened, the core decides what to do next. */
enum sl_verdict_code {
    SL_OK = 0,       /* the whole batch is done */
    SL_RETRY = 1,    /* transient failure: rewind and retry after backoff */
    SL_SUSPEND = 2,  /* connection lost: the core backs off, then calls deliver() again */
    SL_PARTIAL = 3,  /* v->done items are done, the rest are retried */
    SL_BAD_DATA = 4, /* v->bad[i] != 0 marks permanent failures; the rest are done */
    SL_PENDING = 5   /* ABI 1.4: accepted, confirmed later through host->batch_done() (only
                      * when b->ack != NULL; see "Deferred acknowledgement" below) */
};

/* Severities for host->log(), same numbers as syslog(3). */
enum { SL_LOG_ERR = 3, SL_LOG_WARNING = 4, SL_LOG_NOTICE = 5, SL_LOG_INFO = 6, SL_LOG_DEBUG = 7 };

/* ---------------------------------------------------------------------------------------
 * Parameter descriptors
 * ------------------------------------------------------------------------------------- */
enum sl_ptype {
    SL_PT_BOOL = 1, /* int: exactly "on" or "off" (rsyslog's binary type) */
    SL_PT_INT,      /* int64_t: rsyslog's integer syntax ("-5", "010" is octal 8) */
    SL_PT_NONNEG,   /* int64_t >= 0 */
    SL_PT_POSINT,   /* int64_t > 0 */
    SL_PT_PORT,     /* int64_t 0..65535 (0: ephemeral); rsyslog accepts strings here */
    SL_PT_SIZE,     /* int64_t: suffix k/m/g/t/p/e x1024, K/M/G/T/P/E x1000 ("64k" = 65536) */
    SL_PT_STRING,   /* char * (core-owned) */
    SL_PT_WORD,     /* char * without white space */
    SL_PT_ARRAY,    /* struct sl_strarr: a single string or ["a","b"] */
    SL_PT_FILEMODE, /* int64_t, octal "0640" */
    SL_PT_UID,      /* int64_t: user name or number, resolved at config time; -1 unset */
    SL_PT_GID,      /* int64_t: group name or number; -1 unset */
    SL_PT_TEMPLATE, /* const struct sl_template *: template name resolved at config time */
    SL_PT_RULESET,  /* void *: ruleset name resolved at config time (core handle) */
    SL_PT_ENUM      /* int64_t: index into `enums` (case-insensitive match) */
};

enum {
    SL_P_REQUIRED = 1u << 0,
    SL_P_DEPRECATED = 1u << 1,
    SL_P_SECRET = 1u << 2, /* never printed in dumps or logs */
    SL_P_IGNORED = 1u << 3, /* accepted for rsyslog compatibility, without effect: the core
                             * checks the value's type and warns with FILE:LINE when it is
                             * set; the field keeps its default */
    SL_P_DEPRECATED_ERROR = 1u << 4 /* ABI 1.8: rsyslog's CNFPARAM_DEPRECATED - the value
                             * is applied, but setting it in a config object is an error the
                             * daemon runs past (-N1 exits 1), as rsyslog's "deprecated but
                             * accepted"; from a legacy $Directive only a warning.  Plain
                             * SL_P_DEPRECATED (a parameter rsyslog reads silently) warns. */
};

struct sl_strarr {
    size_t n;
    char **v;
};

struct sl_param {
    const char *name;   /* case-insensitive; dotted names ok ("queue.size") */
    enum sl_ptype type;
    uint32_t flags;     /* SL_P_* */
    size_t offset;      /* offsetof(struct my_inst, field) */
    const char *def;    /* default as text, converted like a config value; NULL = zero/unset */
    const char *const *enums; /* SL_PT_ENUM: NULL-terminated list */
    const char *legacy; /* "$ActionSendStreamDriverMode" or NULL */
    const char *help;
};
#define SL_PARAM_END { NULL, 0, 0, 0, NULL, NULL, NULL, NULL }

/* ---------------------------------------------------------------------------------------
 * Growable byte buffer shared by core and plugins (template rendering output).
 * ------------------------------------------------------------------------------------- */
struct sl_buf {
    char *p;
    size_t len;
    size_t cap;
};

/* ---------------------------------------------------------------------------------------
 * Opaque core objects
 * ------------------------------------------------------------------------------------- */
struct sl_msg;          /* a message; plugins never look inside */
struct sl_template;     /* a compiled template */
struct sl_input_ctx;    /* the core's side of one input instance */

struct sl_ack;          /* the core's handle on one batch whose outcome is deferred */
struct sl_ruleset_ref;  /* ABI 1.9: the core's handle on a ruleset an output submits to */

/* A batch handed to deliver(). */
struct sl_batch {
    size_t n;
    struct sl_msg *const *msgs;
    /* ABI 1.4: non-NULL when the plugin may answer SL_PENDING for this batch (plugins with
     * abi_minor >= 4 on an action whose in-flight window has room).  NULL: the plugin must
     * give a final verdict now. */
    struct sl_ack *ack;
};

struct sl_verdict {
    size_t done;        /* SL_PARTIAL: how many leading items are done */
    uint8_t *bad;       /* SL_BAD_DATA: n bytes, core-allocated and zeroed */
};

/* Local-input metadata for sl_host.msg_set_local (flags SL_LOCAL_*). */
enum {
    SL_LOCAL_UXSOCK = 1u << 0,    /* imuxsock's own parser: PRI, [timestamp], TAG up to SP,
                                   * MSG; no RFC 5424, no hostname */
    SL_LOCAL_IGNORE_TS = 1u << 1, /* a timestamp in the message is skipped (IgnoreTimestamp) */
    SL_LOCAL_SYS_TS = 1u << 2,    /* rcv is the kernel's receive time (UseSysTimeStamp): the
                                   * message's timestamp is skipped as rsyslog does then */
    SL_LOCAL_PID = 1u << 3,       /* tag rewritten with pid (UsePIDFromSystem) */
    SL_LOCAL_KERNEL = 1u << 4,    /* imklog: raw is the text; pri and tag as given; no parsing.
                                   * Deprecated since ABI 1.4 (kept for older plugins): use
                                   * msg_set_fields, which gives the same message */
    SL_LOCAL_PRESET = 1u << 5     /* ABI 1.6: tag preset, parser chain without hostname
                                   * parsing (see "Preset fields" at the top) */
};
struct timespec;
struct sl_local_meta {
    uint32_t flags;
    int pri;                      /* SL_LOCAL_KERNEL: facility * 8 + severity */
    const char *tag;              /* SL_LOCAL_KERNEL: e.g. "kernel:" */
    int64_t pid;                  /* SL_LOCAL_PID: sender's pid (SCM_CREDENTIALS) */
    const char *hostname;         /* non-NULL: fromhost and HOSTNAME (imuxsock HostName=) */
    const struct timespec *rcv;   /* non-NULL: receive time (timegenerated) */
};

/* One counter of a statistics set, for sl_host.stats_foreach (ABI 1.3). */
struct sl_stat {
    const char *name;             /* "processed", "enqueued", ... */
    uint64_t value;
};
/* Called once per counter set: set is rsyslog's object name ("main Q",
 * "action-0-builtin:omfile", "imtcp(514)"), origin its origin ("core.queue", "core.action",
 * "imtcp"); v[0..n) the counters in creation order.  The strings and v live only during
 * the call. */
typedef void (*sl_stats_cb)(void *arg, const char *set, const char *origin,
                            const struct sl_stat *v, size_t n);

/* ABI 1.4: header fields of a message an input builds itself (sl_host.msg_set_fields).
 * `set` says which fields are given (SL_MF_*); strings need not be NUL-terminated (the
 * *_len fields count bytes) and are copied.  Fields not given get what rsyslog gives a
 * message without them: pri 13 (user.notice), timestamp = receive time, hostname = fromhost
 * (the peer's name or address, or the local host name for local inputs), tag/app-name "-"
 * empty, procid/msgid "-".  `tag` is the whole TAG (e.g. "snmptrap:" or "app[12]:"): given
 * alone, app-name and procid are derived from it as rsyslog does; app_name/procid given
 * alone make the tag "app[procid]:". */
enum {
    SL_MF_PRI = 1u << 0,
    SL_MF_TIME = 1u << 1,
    SL_MF_HOSTNAME = 1u << 2,
    SL_MF_TAG = 1u << 3,
    SL_MF_APPNAME = 1u << 4,
    SL_MF_PROCID = 1u << 5,
    SL_MF_MSGID = 1u << 6,
    SL_MF_MSG = 1u << 7
};
struct sl_msg_fields {
    uint32_t set;                 /* SL_MF_* */
    int pri;                      /* facility * 8 + severity, 0..191 */
    int64_t ts_sec;               /* SL_MF_TIME: seconds since the epoch (UTC) */
    int32_t ts_nsec;              /*   and nanoseconds */
    int16_t ts_tzoff_min;         /*   offset from UTC of the time zone shown, minutes */
    const char *hostname; size_t hostname_len;
    const char *tag; size_t tag_len;
    const char *app_name; size_t app_name_len;
    const char *procid; size_t procid_len;
    const char *msgid; size_t msgid_len;
    const char *msg; size_t msg_len;
};

/* ---------------------------------------------------------------------------------------
 * Host function table
 * ------------------------------------------------------------------------------------- */
#define SL_HOST_VERSION 1

struct sl_host {
    uint32_t version;     /* SL_HOST_VERSION */
    uint32_t struct_size; /* sizeof(struct sl_host) of the core */

    /* Internal log: goes to stderr in foreground mode and into the message stream as a
     * syslog message from "sluiced" (as rsyslog does with its own messages). `who` is the
     * plugin or instance name shown in the message. */
    void (*log)(int severity, const char *who, const char *fmt, ...)
        __attribute__((format(printf, 3, 4)));

    /* Inputs ------------------------------------------------------------------------- */
    /* A new message holding a copy of raw[0..len).  peer may be NULL (local input).
     * Never returns NULL (aborts on out-of-memory, like the rest of the core). */
    struct sl_msg *(*msg_new)(struct sl_input_ctx *ctx, const char *raw, size_t len,
                              const struct sockaddr *peer, socklen_t peerlen);
    void (*msg_unref)(struct sl_msg *m);

    /* Hand n messages to the input's ruleset queue; ownership of every message passes to
     * the core whatever the result.  flow_key keeps order: messages with the same key (for
     * example a TCP connection id) are processed in the order submitted.
     * Inputs flagged SL_PF_NO_DELAY never block: messages that do not fit are dropped and
     * counted, and the number accepted is returned.  Other inputs block while the queue is
     * full (that is the back-pressure: the sender's TCP window closes) and return n, or
     * SL_ESHUTDOWN if the core is stopping (the messages are then discarded). */
    int (*submit)(struct sl_input_ctx *ctx, struct sl_msg **msgs, size_t n, uint64_t flow_key);

    /* A named counter owned by the core (shown in stats), e.g. ("imtcp", "port 514", "frames.oversize"). */
    _Atomic uint64_t *(*counter)(const char *owner, const char *instance, const char *name);

    /* global(maxMessageSize=...), rsyslog's default 8096 */
    size_t (*max_message_size)(void);

    /* Outputs ------------------------------------------------------------------------ */
    /* Render template tpl for m, appending to out.  Returns 0 or SL_ENOMEM. */
    int (*render)(const struct sl_template *tpl, struct sl_msg *m, struct sl_buf *out);
    /* Look a template up by name (built-in RSYSLOG_* ones included); NULL if unknown. */
    const struct sl_template *(*template_find)(const char *name);
    /* Deprecated (ABI 1.4), always NULL, to go in 2.0: the core itself applies what the
     * legacy directives set ($ActionFileDefaultTemplate, $ActionForwardDefaultTemplate,
     * $FileOwner, ...), where rsyslog applies them, as parameters of the actions that
     * follow them (implicit template=, fileOwner=, ...), so a plugin sees them as its own
     * parameters.  A plugin's own fallback is its default_template. */
    const char *(*legacy_default)(const char *key);

    /* Buffers ------------------------------------------------------------------------ */
    int (*buf_reserve)(struct sl_buf *b, size_t extra); /* ensure cap >= len + extra */
    void (*buf_free)(struct sl_buf *b);

    /* Appended fields: a plugin checks struct_size before using them, e.g.
     * h->struct_size >= offsetof(struct sl_host, global_str) + sizeof h->global_str. */

    /* A global() string setting by its rsyslog name, e.g. "defaultNetstreamDriverCAFile",
     * "workDirectory", "localHostname"; NULL if unset or unknown. */
    const char *(*global_str)(const char *name);

    /* Message access for modifiers (mm* modules), on the ruleset worker that owns m.
     * prop_ref resolves a property name ("msg", "rawmsg", "$!a!b", ...) once, at create();
     * msg_prop appends the value to out; msg_json_set stores val (ownership passes, a
     * libfastjson object) at var ("$!", "$!a!b", "$.x"); msg_set_parse_result sets rsyslog's
     * $parsesuccess ("OK" / "FAIL"). */
    int (*prop_ref)(const char *name, void **handle);   /* 0 or SL_ENOENT */
    void (*prop_unref)(void *handle);
    int (*msg_prop)(struct sl_msg *m, const void *handle, struct sl_buf *out);
    int (*msg_json_set)(struct sl_msg *m, const char *var, void *val);
    void (*msg_set_parse_result)(struct sl_msg *m, int ok);

    /* Local inputs (imuxsock, imklog): how the core parses a message such an input made
     * with msg_new(), as rsyslog's imuxsock/imklog do instead of the parser chain.  Call
     * before submit(); strings in lm are copied.  May be NULL (older hosts). */
    void (*msg_set_local)(struct sl_msg *m, const struct sl_local_meta *lm);

    /* Modifiers that rewrite the text (mmutf8fix, mmanon): replace the MSG part of m with a
     * copy of text[0..len), as rsyslog's MsgReplaceMSG: rawmsg becomes the bytes before MSG
     * followed by the new text.  0 or SL_ENOMEM.  May be NULL (older hosts). */
    int (*msg_set_msg)(struct sl_msg *m, const char *text, size_t len);

    /* ABI 1.3 (check struct_size): every counter set of the running engine, one cb call
     * each, as impstats prints them.  reset != 0 zeroes the counters read (queue sizes and
     * maxqsize are not reset).  cb must not call counter() or stats_foreach(); it may run
     * with a core lock held, so it should only copy or format what it is given. */
    void (*stats_foreach)(sl_stats_cb cb, void *arg, int reset);

    /* ABI 1.4 (check struct_size) ------------------------------------------------------ */

    /* Inputs that build messages themselves (SNMP traps, flows, journal entries): set the
     * header fields of m (made with msg_new, not yet submitted) and mark it parsed, so no
     * parser chain runs on it.  rawmsg stays what msg_new was given.  Supersedes
     * SL_LOCAL_KERNEL.  0, SL_EINVAL (pri out of range) or SL_ENOMEM. */
    int (*msg_set_fields)(struct sl_msg *m, const struct sl_msg_fields *f);

    /* Typed setters for JSON variables, for inputs (on a message not yet submitted, from
     * the input's own threads) and modifiers (on the worker that owns m).  handle comes
     * from prop_ref() on a "$!...", "$.../" or "$/..." name, resolved once at create();
     * intermediate objects are created as needed, an existing leaf is replaced.  The
     * string is copied (len bytes, need not be NUL-terminated).  msg_json_set_ref takes
     * ownership of val (a libfastjson object), like msg_json_set.  0, SL_EINVAL (handle
     * not a JSON variable) or SL_ENOMEM. */
    int (*msg_json_set_str)(struct sl_msg *m, const void *handle, const char *s, size_t len);
    int (*msg_json_set_int)(struct sl_msg *m, const void *handle, int64_t v);
    int (*msg_json_set_ref)(struct sl_msg *m, const void *handle, void *val);

    /* Deferred acknowledgement: the outcome of a batch for which deliver() returned
     * SL_PENDING.  Callable from any thread (a library's delivery-report callback, the
     * plugin's next deliver()), exactly once per ack; ack is invalid afterwards.  verdict is
     * SL_OK (every message delivered), SL_PARTIAL (the first `done` are delivered, the rest
     * are retried), SL_BAD_DATA (bad[i] != 0: permanent failure of message i, counted and
     * written to action.errorFile; the rest delivered; bad has b->n bytes, read during the
     * call only), SL_RETRY or SL_SUSPEND (nothing confirmed: the whole batch is retried
     * after back-off, SL_SUSPEND also suspends the action).  The messages of b stay valid
     * until this call returns; the plugin must not touch them afterwards. */
    void (*batch_done)(struct sl_ack *ack, int verdict, size_t done, const uint8_t *bad);

    /* ABI 1.5 (check struct_size): parser plugins, only inside sl_parser_ops.parse() -------- */

    /* The message as the parser sees it: *raw the whole raw message after sanitising (and
     * after the edits of earlier parsers of the chain), NUL-terminated, *len its length
     * without the NUL, *after_pri the offset of the first byte after "<PRI>" (0 without
     * one).  The bytes stay valid until msg_parse_set_raw() or the end of parse(). */
    void (*msg_parse_raw)(struct sl_msg *m, const char **raw, size_t *len, size_t *after_pri);
    /* Replaces the bytes after the PRI with a copy of text[0..len) (the PRI stays): what
     * rsyslog's pmsnare, pmaixforwardedfrom and pmcisconames do in place before they answer
     * "not mine".  rawmsg shows the edit.  0 or SL_ENOMEM. */
    int (*msg_parse_set_raw)(struct sl_msg *m, const char *text, size_t len);
    /* An RFC 3164 timestamp at *p (at most *len bytes), as rsyslog's date parser reads it
     * ("[yyyy ]Mmm [d]d [yyyy ]hh:mm:ss[.frac][ TZ][:] ", month case-insensitive; flags
     * SL_TS3164_*); on success it becomes timereported (year and zone of the receive time
     * unless given), *p and *len move past it (one following SP or ':' included) and 1 is
     * returned; else 0 and nothing changes. */
    int (*msg_parse_ts3164)(struct sl_msg *m, const char **p, size_t *len, unsigned flags);
    /* What msg_set_fields cannot set, by rsyslog property name, as rsyslog's
     * msgSetPropViaJSON (pmnormalize): "fromhost", "fromhost-ip", "structured-data" (the
     * text, copied) and "pri" (> 191: invalid, facility "invld"), "syslogfacility" (0..24),
     * "syslogseverity" (0..7) as decimal text (other values ignored, as rsyslog).  0,
     * SL_ENOENT (another name), SL_EINVAL or SL_ENOMEM. */
    int (*msg_parse_set_prop)(struct sl_msg *m, const char *name, const char *val, size_t len);

    /* ABI 1.7 (check struct_size) ------------------------------------------------------ */

    /* immark: m (made with msg_new, not yet submitted) is a mark message, and the mark
     * period is `interval` seconds (see "Mark messages" at the top). */
    void (*msg_set_mark)(struct sl_msg *m, int64_t interval);

    /* ABI 1.8 (check struct_size) ------------------------------------------------------ */

    /* Modifiers (on the worker that owns m; also inside a parser's parse()): set a message
     * property by rsyslog name, as rsyslog 8.2302's msgSetPropViaJSON (mmexternal's reply
     * keys): "msg" (as msg_set_msg), "rawmsg" (the raw bytes; MSG keeps its offset in them
     * and its length moves by the change of the raw length, as MsgSetRawMsg), "syslogtag"
     * (programname follows), "hostname" or "source", "procid", "msgid", "structured-data",
     * "fromhost", "fromhost-ip" (text, copied: val[0..len)), and "pri", "syslogfacility",
     * "syslogseverity" as decimal text, as msg_parse_set_prop.  Other spans and readers on
     * other threads may still hold the old strings: they stay valid until the message is
     * freed.  0, SL_ENOENT (another name: rsyslog ignores those), SL_EINVAL or SL_ENOMEM. */
    int (*msg_set_prop)(struct sl_msg *m, const char *name, const char *val, size_t len);

    /* Outputs: t rendered "as JSON", rsyslog's tplToJSON (what its omjournal and other
     * modules that ask for a JSON message get): *obj is a new libfastjson object the caller
     * releases (fjson_object_put).  A subtree template gives its subtree (an empty object
     * when missing); a list or string template one member per element in order, named by
     * its outname= (a property's own name, "$!" dropped, when not given): a constant only
     * with an outname, a $!/$./$/ property as its JSON value (no options; left out when
     * missing unless mandatory, then JSON null), any other property as its text with the
     * element's options applied (left out when empty unless mandatory).  0, SL_EINVAL or
     * SL_ENOMEM. */
    int (*render_json)(const struct sl_template *t, struct sl_msg *m, void **obj);

    /* ABI 1.9 (check struct_size): outputs handing messages to a ruleset (see "Outputs that
     * hand messages back" at the top) ------------------------------------------------- */

    /* In create() only (main thread): a handle on ruleset `ruleset` (NULL: the default
     * ruleset) for submit_ruleset; the messages submitted through it get `inputname` (e.g.
     * "omelasticsearch"; copied).  NULL when no such ruleset exists (the caller reports it).
     * The handle lives as long as the configuration; it is never freed by the plugin. */
    struct sl_ruleset_ref *(*ruleset_ref)(const char *ruleset, const char *inputname);
    /* From any thread: queue msgs[0..n) (made by msg_new(NULL, ...)) for ruleset r, waiting
     * at most wait_ms (>= 0) for room.  Ownership of every message passes to the core; those
     * that did not fit (queue full at the deadline, or shutdown) are dropped, counted by
     * reason and logged (rate-limited).  Returns the number queued. */
    size_t (*submit_ruleset)(struct sl_ruleset_ref *r, struct sl_msg **msgs, size_t n,
                             int64_t wait_ms);
};

/* msg_parse_ts3164 flags */
enum {
    SL_TS3164_TZSTRING = 1u << 0,   /* a zone name after the time (" UTC", " CET:"), applied
                                     * when a timezone() object defines it, else skipped */
    SL_TS3164_YEAR_AFTER = 1u << 1  /* " yyyy" after the time is the year */
};

/* ---------------------------------------------------------------------------------------
 * Plugin operations
 * ------------------------------------------------------------------------------------- */
struct sl_input_ops {
    /* Check values; keep h, ctx and name (for messages) in inst.  modconf is the module's
     * parameter block (NULL if mod_size == 0).  Return 0 or SL_ECONFIG after logging. */
    int (*create)(void *inst, void *modconf, const struct sl_host *h, struct sl_input_ctx *ctx);
    int (*open)(void *inst);   /* bind/listen: runs before privileges are dropped */
    int (*run)(void *inst);    /* the input thread's body; returns after stop() */
    void (*stop)(void *inst);  /* from another thread: wake run() and make it return */
    void (*destroy)(void *inst);
    /* ABI 1.2 (read only from plugins whose abi_minor >= 2): SIGHUP, from the main thread
     * while run() goes on, e.g. to re-read TLS certificates.  May be NULL. */
    void (*hup)(void *inst);
    /* ABI 1.4: inputs flagged SL_PF_THREADED.  The core starts `threads` (an input()
     * parameter the core binds for such inputs, default 1) threads, each running
     * run_thread(inst, index, threads) instead of run(); stop() must make all of them
     * return.  submit() may be called concurrently from these threads.
     * (Note, no change to the contract: a plugin that needs the number before run_thread,
     * e.g. to bind one SO_REUSEPORT socket per thread in open(), declares `threads` in its
     * own inst_params as well; the core then uses the same value - given, else that
     * parameter's default, else the module parameter `threads` if the plugin has one,
     * else 1.  plugins/common/sl_udp.c copes with a mismatch anyway.) */
    int (*run_thread)(void *inst, unsigned index, unsigned nthreads);
};

/* Modifiers (rsyslog's mm* modules) run inline on the ruleset worker, in rule order, and
 * change the message (for example add $! fields).  One wrk block per ruleset worker. */
struct sl_modifier_ops {
    int (*create)(void *inst, void *modconf, const struct sl_host *h);
    void (*destroy)(void *inst);
    int (*worker_create)(void *inst, void *wrk);
    void (*worker_destroy)(void *inst, void *wrk);
    /* Returns SL_OK (message changed or not: rule processing goes on either way). */
    int (*process)(void *inst, void *wrk, struct sl_msg *m);
};

struct sl_output_ops {
    int (*create)(void *inst, void *modconf, const struct sl_host *h);
    void (*destroy)(void *inst);
    int (*worker_create)(void *inst, void *wrk);
    void (*worker_destroy)(void *inst, void *wrk);
    /* Deliver a batch; returns an enum sl_verdict_code.  On SL_SUSPEND the plugin has
     * already released its connection; the core calls deliver() again after backing off. */
    int (*deliver)(void *inst, void *wrk, const struct sl_batch *b, struct sl_verdict *v);
    void (*hup)(void *inst);   /* reopen files (SIGHUP); may be NULL */

    /* ABI 1.4 (read only from plugins with abi_minor >= 4); each may be NULL. */
    /* Establish the connection before the first deliver() and after a suspension: 0, or
     * SL_EAGAIN (the action is suspended and connect() is tried again after back-off).  A
     * plugin without connect() connects inside deliver() as before. */
    int (*connect)(void *inst, void *wrk);
    /* The connection is gone (SL_SUSPEND, shutdown): release it.  Not called after a failed
     * connect(). */
    void (*disconnect)(void *inst, void *wrk);
    /* Shutdown, before worker_destroy(): push out what is buffered and wait for pending
     * batches to be confirmed through batch_done(), until deadline_ms (CLOCK_MONOTONIC, in
     * ms).  Returns 0, or SL_EAGAIN if batches are still pending at the deadline: the core
     * then treats them as not delivered (they stay in the queue, or are lost with a memory
     * queue, and counted). */
    int (*flush)(void *inst, void *wrk, int64_t deadline_ms);
};

/* ABI 1.5: parsers (rsyslog's pm* modules); see "Parsers" at the top. */
enum { SL_PARSE_DONE = 0, SL_PARSE_NOT_MINE = 1 };

/* Global settings a parser may need, as the config set them (read during create()). */
struct sl_parser_env {
    uint32_t struct_size;           /* sizeof(struct sl_parser_env) of the core */
    int escape_cc_on_receive;       /* parser.escapeControlCharactersOnReceive */
    int escape_tab;                 /* parser.escapeControlCharacterTab */
    int escape_cstyle;              /* parser.escapeControlCharactersCStyle */
    char cc_escape_prefix;          /* parser.controlCharacterEscapePrefix ('#') */
    int escape_8bit;                /* parser.escape8BitCharactersOnReceive */
};

struct sl_parser_ops {
    /* One instance: the module's default one (parameters at their defaults) or a
     * parser(name= type=...) object's.  `name` is the instance's name (for messages).
     * Return 0 or SL_ECONFIG after logging. */
    int (*create)(void *inst, void *modconf, const struct sl_host *h,
                  const struct sl_parser_env *env, const char *name);
    void (*destroy)(void *inst);    /* may be NULL */
    /* SL_PARSE_DONE, SL_PARSE_NOT_MINE or a negative SL_E* (message discarded). */
    int (*parse)(void *inst, struct sl_msg *m);
};

enum sl_kind { SL_INPUT = 1, SL_OUTPUT = 2, SL_PARSER = 4, SL_MODIFIER = 8 };

enum {
    SL_PF_NO_DELAY = 1u << 0,        /* input cannot be paused (UDP): drop on full queue */
    SL_PF_PRE_PRIVDROP_OPEN = 1u << 1, /* input opens privileged resources in open() */
    SL_PF_MODULE_INSTANCE = 1u << 2,   /* input: loading the module (module(load=...)) makes
                                        * one instance with default parameters, as rsyslog's
                                        * imuxsock system socket and imklog */
    SL_PF_THREADED = 1u << 3,          /* ABI 1.4, input: run_thread() on `threads` threads */
    SL_PF_REPEAT_REDUCTION = 1u << 4   /* ABI 1.4, output: global $RepeatedMsgReduction
                                        * applies to its actions (rsyslog's omfile, omfwd,
                                        * ompipe, omusrmsg) */
};

struct sl_plugin {
    uint16_t abi_major, abi_minor;
    uint32_t struct_size;       /* sizeof(struct sl_plugin) when built */
    const char *name;           /* config name: "omfwd" */
    const char *version;
    uint32_t kinds;             /* enum sl_kind bits */
    uint32_t flags;             /* SL_PF_* */
    const struct sl_param *module_params;
    const struct sl_param *inst_params;
    size_t mod_size, inst_size, wrk_size;
    int (*mod_init)(const struct sl_host *h, void *modconf); /* may be NULL */
    void (*mod_fini)(void *modconf);                         /* may be NULL */
    const struct sl_input_ops *in;
    const struct sl_output_ops *out;
    /* ABI 1.1 */
    const struct sl_modifier_ops *mod;  /* SL_MODIFIER */

    /* ABI 1.4: what the core needs to know about a plugin, so that it never names one.
     * Read only when struct_size covers the field (SL_PLUGIN_HAS); older plugins, and NULL,
     * get the defaults given here. */
    /* Output: the template the plugin renders when the action sets none, as named in
     * action.errorFile records ("template0").  NULL: "RSYSLOG_FileFormat". */
    const char *default_template;
    /* Input: the name of an input's statistics set when it has port= (rsyslog's object
     * names): %n the input name, %p the first port= value, %a address= or "*", %% a '%';
     * e.g. "%n(%p)" (imtcp) or "%n(%a/%p/IPv4)" (imudp).  NULL, or no port=: the name. */
    const char *stats_set;
    /* Input: counters the core creates in that set after "submitted", always 0 in sluice
     * but printed by rsyslog (imudp's "disallowed"); NULL-terminated, or NULL. */
    const char *const *stats_counters;
    /* Output: a parameter naming a static output file; with privDrop the core checks at
     * start-up that the dropped user can create or write it (omfile: "file").  NULL: none. */
    const char *path_param;

    /* ABI 1.5: parsers (SL_PARSER) */
    const struct sl_parser_ops *parser;
    /* The name of the instance that loading the module makes, for parser chains:
     * "rsyslog.lastline".  NULL: no default instance (parser() objects only).  A parser
     * whose inst_params is NULL makes only that instance: parser(type=...) is refused, as
     * rsyslog refuses it for modules without parser instances (pmlastmsg). */
    const char *parser_name;

    /* ABI 1.9: Output: the rule tester's view of one message (see "The rule tester" at the
     * top): appends to bytes what a request carries for m and to dest where it goes; 0 or a
     * negative SL_E*.  NULL: the rendered template is the bytes. */
    int (*preview)(void *inst, struct sl_msg *m, struct sl_buf *bytes, struct sl_buf *dest);
};

/* Does descriptor pl (of any minor) carry field f? */
#define SL_PLUGIN_HAS(pl, f) \
    ((pl)->struct_size >= offsetof(struct sl_plugin, f) + sizeof((pl)->f))

/* Every .so exports exactly one descriptor under this name. Built-in plugins (compiled into
 * sluiced with -DSL_BUILTIN_PLUGIN) export sl_builtin_<name> instead. */
#define SL_PLUGIN_SYMBOL "sluice_plugin"
#ifdef SL_BUILTIN_PLUGIN
#define SL_PLUGIN_DEFINE(cname) const struct sl_plugin sl_builtin_##cname
#else
#define SL_PLUGIN_DEFINE(cname) \
    __attribute__((visibility("default"))) const struct sl_plugin sluice_plugin
#endif

#define SL_PLUGIN_HEADER(cname)                                                        \
    .abi_major = SL_ABI_MAJOR, .abi_minor = SL_ABI_MINOR,                              \
    .struct_size = sizeof(struct sl_plugin), .name = #cname, .version = PACKAGE_VERSION

#ifdef __cplusplus
}
#endif
#endif
