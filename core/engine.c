/*
 * engine.c - see engine.h.
 *
 * Ownership and lifetime
 *   The engine owns everything it builds (modules, instances, queues, threads, counters);
 *   the IR (struct sl_cnf) stays owned by the caller and must outlive the engine, because
 *   rule execution walks the IR statement trees and actions keep pointers into them.
 *
 * Concurrency & locking
 *   - Ruleset queue shards and action rings have their own locks (queue.c).
 *   - A worker's pending lists (messages collected per action during one batch) and its
 *     failover lists (per action, the messages it handed on in this batch, for
 *     execOnlyWhenPreviousIsSuspended) belong to that worker only.  Direct actions get one plugin worker block per engine worker id,
 *     created lazily by that worker under the action's wrk_lock.
 *   - Back-off sleeps wait on eng->sleep_cv so shutdown can cut them short.
 *   - Counters are atomics in a registry that only grows at config time; plugins may add
 *     counters from create()/open() (main thread) and, rarely, later (under counters_lock).
 *   - Known gap: a message handed to a *queued* action is shared by reference; a later
 *     set/unset in the same ruleset changes $! while the action's worker may render it.
 *     rsyslog shares it the same way (action.copyMsg="off"); copy-on-write is to come with
 *     the rest of the RainerScript work.  Direct actions are safe (exec_modify).
 */

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include <json.h>

#include "conf/expr_int.h"
#include "conf/ir.h"
#include "engine.h"
#include "log.h"
#include "msg.h"
#include "msg_ser.h"
#include "params.h"
#include "parse/chain.h"
#include "plugin.h"
#include "queue.h"
#include "spool.h"
#include "template.h"
#include "util/buf.h"

/* ---------------------------------------------------------------------------------------
 * Core parameter tables: global(), queue.*, action.*
 * ------------------------------------------------------------------------------------- */
struct sl_global_conf {
    char *work_directory;
    int64_t max_message_size;
    char *local_hostname;
    int preserve_fqdn;
    int enable_dns;
    int escape_cc;
    char *cc_prefix;
    int drop_trailing_lf;
    int space_lf;
    int escape_tab;
    int escape_8bit;
    int vars_case_sensitive;
    int reduce_repeated;
    int permit_slash;
    int64_t umask;
    int process_internal;
    int report_suspension;
    char *default_netstream_driver;
    char *ns_ca, *ns_cert, *ns_key;
    int abort_on_unclean;
    char *privdrop_user, *privdrop_group;
    int64_t privdrop_uid, privdrop_gid;
    int privdrop_keep_supplemental;
    int64_t unknown_modules;    /* 0: error (default), 1: warn and skip */
};

#define GOFF(f) offsetof(struct sl_global_conf, f)
static const char *const unknown_module_modes[] = { "error", "warn", NULL };
static const struct sl_param global_params[] = {
    { "workDirectory", SL_PT_STRING, 0, GOFF(work_directory), NULL, NULL, "$WorkDirectory", NULL },
    { "maxMessageSize", SL_PT_SIZE, 0, GOFF(max_message_size), "8096", NULL, "$MaxMessageSize", NULL },
    { "localHostname", SL_PT_STRING, 0, GOFF(local_hostname), NULL, NULL, "$LocalHostName", NULL },
    { "preserveFQDN", SL_PT_BOOL, 0, GOFF(preserve_fqdn), "off", NULL, "$PreserveFQDN", NULL },
    { "net.enableDNS", SL_PT_BOOL, 0, GOFF(enable_dns), "on", NULL, NULL, NULL },
    { "parser.escapeControlCharactersOnReceive", SL_PT_BOOL, 0, GOFF(escape_cc), "on", NULL,
      "$EscapeControlCharactersOnReceive", NULL },
    { "parser.controlCharacterEscapePrefix", SL_PT_STRING, 0, GOFF(cc_prefix), "#", NULL,
      "$ControlCharacterEscapePrefix", NULL },
    { "parser.dropTrailingLFOnReception", SL_PT_BOOL, 0, GOFF(drop_trailing_lf), "on", NULL,
      "$DropTrailingLFOnReception", NULL },
    { "parser.spaceLFOnReceive", SL_PT_BOOL, 0, GOFF(space_lf), "off", NULL, NULL, NULL },
    { "parser.escapeControlCharacterTab", SL_PT_BOOL, 0, GOFF(escape_tab), "on", NULL,
      "$EscapeControlCharacterTab", NULL },
    { "parser.escape8BitCharactersOnReceive", SL_PT_BOOL, 0, GOFF(escape_8bit), "off", NULL,
      "$Escape8BitCharactersOnReceive", NULL },
    { "variables.caseSensitive", SL_PT_BOOL, 0, GOFF(vars_case_sensitive), "off", NULL, NULL,
      NULL },
    /* $RepeatedMsgReduction (the legacy directive only; rsyslog has no global() name for
     * it): its last value applies to every action, as in rsyslog */
    { "reduceRepeatMsgs", SL_PT_BOOL, 0, GOFF(reduce_repeated), "off", NULL,
      "$RepeatedMsgReduction", NULL },
    { "parser.permitSlashInProgramName", SL_PT_BOOL, 0, GOFF(permit_slash), "off", NULL, NULL,
      NULL },
    { "umask", SL_PT_FILEMODE, 0, GOFF(umask), NULL, NULL, "$Umask", NULL },
    { "processInternalMessages", SL_PT_BOOL, 0, GOFF(process_internal), "off", NULL, NULL, NULL },
    { "action.reportSuspension", SL_PT_BOOL, 0, GOFF(report_suspension), "on", NULL, NULL, NULL },
    { "defaultNetstreamDriver", SL_PT_STRING, 0, GOFF(default_netstream_driver), NULL, NULL,
      "$DefaultNetstreamDriver", NULL },
    { "defaultNetstreamDriverCAFile", SL_PT_STRING, 0, GOFF(ns_ca), NULL, NULL, NULL, NULL },
    { "defaultNetstreamDriverCertFile", SL_PT_STRING, 0, GOFF(ns_cert), NULL, NULL, NULL, NULL },
    { "defaultNetstreamDriverKeyFile", SL_PT_STRING, 0, GOFF(ns_key), NULL, NULL, NULL, NULL },
    { "abortOnUncleanConfig", SL_PT_BOOL, 0, GOFF(abort_on_unclean), "off", NULL, NULL, NULL },
    { "privDrop.user.name", SL_PT_STRING, 0, GOFF(privdrop_user), NULL, NULL, "$PrivDropToUser", NULL },
    { "privDrop.group.name", SL_PT_STRING, 0, GOFF(privdrop_group), NULL, NULL, "$PrivDropToGroup", NULL },
    { "privDrop.user.id", SL_PT_INT, 0, GOFF(privdrop_uid), "-1", NULL, "$PrivDropToUserID", NULL },
    { "privDrop.group.id", SL_PT_INT, 0, GOFF(privdrop_gid), "-1", NULL, "$PrivDropToGroupID", NULL },
    { "privDrop.group.keepSupplemental", SL_PT_BOOL, 0, GOFF(privdrop_keep_supplemental), "off",
      NULL, NULL, NULL },
    /* sluice's own: a module sluice does not have (imjournal, omrelp, ...) is a config error
     * by default; "warn" loads the rest of the config and skips the module, the inputs and
     * actions that use it, each with a warning naming file:line. */
    { "sluice.unknownModules", SL_PT_ENUM, 0, GOFF(unknown_modules), "error", unknown_module_modes,
      NULL, NULL },
    SL_PARAM_END
};
/* global() parameters rsyslog knows that sluice accepts without acting on them (yet). */
static const char *const global_accepted[] = {
    "debug.gnutls", "debug.unloadModules", "debug.files", "debug.whitelist",
    "dropMsgsWithMaliciousDnsPTRRecords", "errorMessagesToStderr.maxNumber",
    "internalmsg.ratelimit.interval", "internalmsg.ratelimit.burst", "internalmsg.severity",
    "stdlog.channelspec", "senders.keepTrack", "senders.timeoutAfter", "senders.reportGoneAway",
    "senders.reportNew", "shutdown.enable.ctlc",
    "parser.parseHostnameAndTag", "parser.supportCompressionExtension", "environment",
    "operatingStateFile", "reverseLookup.cache.ttl.default", "reverseLookup.cache.ttl.enable",
    "security.abortOnIDResolutionFail", "oversizemsg.errorfile", "oversizemsg.report",
    "oversizemsg.input.mode", "net.aclAddHostnameOnFail",
    "net.aclResolveHostname", "net.ipprotocol", "net.permitACLWarning",
    "netstreamDriverCaExtraFiles", "janitor.interval", "debug.onShutdown", "debug.logFile", "jsonmesg.includeOnlyInput",
    "shutdown.queue.doublesize", "repeatedMsgReduction", "repeatedMsgContainsOriginalMsg",
    "actionFileDefaultTemplate", "actionForwardDefaultTemplate", NULL
};

enum { SL_QT_FIXEDARRAY = 0, SL_QT_LINKEDLIST, SL_QT_DIRECT, SL_QT_DISK };
static const char *const queue_types[] = { "FixedArray", "LinkedList", "Direct", "Disk", NULL };

struct sl_queue_conf {
    int64_t type;
    int64_t size;
    int64_t workers;
    int64_t batch;
    char *filename;
    char *spool_dir;
    int64_t max_disk;
    int64_t timeout_shutdown;
    int64_t timeout_enqueue;
    int save_on_shutdown;
    int64_t high_wm, low_wm, discard_mark, discard_sev;
    int64_t checkpoint, min_batch, min_batch_timeout, light_delay, full_delay;
    int sync_files;
    int64_t max_file_size, slowdown, time_begin, time_end, worker_min_msgs;
    int64_t timeout_action_completion, timeout_worker_shutdown;
};

#define QOFF(f) offsetof(struct sl_queue_conf, f)
/* Defaults differ by queue: filled in by the caller before sl_params_apply (def NULL). */
static const struct sl_param queue_params[] = {
    { "queue.type", SL_PT_ENUM, 0, QOFF(type), NULL, queue_types, "$ActionQueueType", NULL },
    { "queue.size", SL_PT_POSINT, 0, QOFF(size), NULL, NULL, "$ActionQueueSize", NULL },
    { "queue.workerThreads", SL_PT_POSINT, 0, QOFF(workers), NULL, NULL, NULL, NULL },
    { "queue.dequeueBatchSize", SL_PT_POSINT, 0, QOFF(batch), NULL, NULL, NULL, NULL },
    { "queue.filename", SL_PT_STRING, 0, QOFF(filename), NULL, NULL, NULL, NULL },
    { "queue.spoolDirectory", SL_PT_STRING, 0, QOFF(spool_dir), NULL, NULL, NULL, NULL },
    { "queue.maxDiskSpace", SL_PT_SIZE, 0, QOFF(max_disk), NULL, NULL, NULL, NULL },
    { "queue.maxFileSize", SL_PT_SIZE, 0, QOFF(max_file_size), NULL, NULL, NULL, NULL },
    { "queue.timeoutShutdown", SL_PT_NONNEG, 0, QOFF(timeout_shutdown), NULL, NULL, NULL, NULL },
    { "queue.timeoutEnqueue", SL_PT_NONNEG, 0, QOFF(timeout_enqueue), NULL, NULL, NULL, NULL },
    { "queue.timeoutActionCompletion", SL_PT_NONNEG, 0, QOFF(timeout_action_completion), NULL, NULL, NULL, NULL },
    { "queue.timeoutWorkerThreadShutdown", SL_PT_NONNEG, 0, QOFF(timeout_worker_shutdown), NULL, NULL, NULL, NULL },
    { "queue.saveOnShutdown", SL_PT_BOOL, 0, QOFF(save_on_shutdown), NULL, NULL, NULL, NULL },
    { "queue.highWatermark", SL_PT_NONNEG, 0, QOFF(high_wm), NULL, NULL, NULL, NULL },
    { "queue.lowWatermark", SL_PT_NONNEG, 0, QOFF(low_wm), NULL, NULL, NULL, NULL },
    { "queue.discardMark", SL_PT_NONNEG, 0, QOFF(discard_mark), NULL, NULL, NULL, NULL },
    { "queue.discardSeverity", SL_PT_NONNEG, 0, QOFF(discard_sev), NULL, NULL, NULL, NULL },
    { "queue.checkpointInterval", SL_PT_NONNEG, 0, QOFF(checkpoint), NULL, NULL, NULL, NULL },
    { "queue.syncQueueFiles", SL_PT_BOOL, 0, QOFF(sync_files), NULL, NULL, NULL, NULL },
    { "queue.minDequeueBatchSize", SL_PT_NONNEG, 0, QOFF(min_batch), NULL, NULL, NULL, NULL },
    { "queue.minDequeueBatchSize.timeout", SL_PT_NONNEG, 0, QOFF(min_batch_timeout), NULL, NULL, NULL, NULL },
    { "queue.lightDelayMark", SL_PT_NONNEG, 0, QOFF(light_delay), NULL, NULL, NULL, NULL },
    { "queue.fullDelayMark", SL_PT_NONNEG, 0, QOFF(full_delay), NULL, NULL, NULL, NULL },
    { "queue.dequeueSlowdown", SL_PT_NONNEG, 0, QOFF(slowdown), NULL, NULL, NULL, NULL },
    { "queue.dequeueTimeBegin", SL_PT_NONNEG, 0, QOFF(time_begin), NULL, NULL, NULL, NULL },
    { "queue.dequeueTimeEnd", SL_PT_NONNEG, 0, QOFF(time_end), NULL, NULL, NULL, NULL },
    { "queue.workerThreadMinimumMessages", SL_PT_NONNEG, 0, QOFF(worker_min_msgs), NULL, NULL, NULL, NULL },
    SL_PARAM_END
};
static const char *const queue_accepted[] = { "queue.cry.provider", "queue.samplingInterval",
                                             "queue.takeFlowCtlFromMsg", "queue.spoolDirectory",
                                             NULL };

struct sl_action_conf {
    char *name;
    int64_t resume_interval;
    int64_t resume_interval_max;
    int64_t resume_retry_count;
    int report_suspension;
    char *error_file;
    int exec_when_prev_suspended;
    int64_t exec_once_every;
    int64_t exec_every_nth;
    int copy_msg;
    int write_all_marks;
};

#define AOFF(f) offsetof(struct sl_action_conf, f)
static const struct sl_param action_params[] = {
    { "name", SL_PT_STRING, 0, AOFF(name), NULL, NULL, NULL, NULL },
    { "action.resumeInterval", SL_PT_POSINT, 0, AOFF(resume_interval), "30", NULL,
      "$ActionResumeInterval", NULL },
    { "action.resumeIntervalMax", SL_PT_POSINT, 0, AOFF(resume_interval_max), "1800", NULL, NULL, NULL },
    /* rsyslog's default is 0 (give up and discard after one failed retry).  sluice keeps
     * retrying by default (-1): a message accepted must survive an output outage. */
    { "action.resumeRetryCount", SL_PT_INT, 0, AOFF(resume_retry_count), "-1", NULL,
      "$ActionResumeRetryCount", NULL },
    { "action.reportSuspension", SL_PT_BOOL, 0, AOFF(report_suspension), "on", NULL, NULL, NULL },
    { "action.errorFile", SL_PT_STRING, 0, AOFF(error_file), NULL, NULL, NULL, NULL },
    { "action.execOnlyWhenPreviousIsSuspended", SL_PT_BOOL, 0, AOFF(exec_when_prev_suspended),
      "off", NULL, "$ActionExecOnlyWhenPreviousIsSuspended", NULL },
    { "action.execOnlyOnceEveryInterval", SL_PT_NONNEG, 0, AOFF(exec_once_every), "0", NULL, NULL, NULL },
    { "action.execOnlyEveryNthTime", SL_PT_NONNEG, 0, AOFF(exec_every_nth), "0", NULL, NULL, NULL },
    { "action.copyMsg", SL_PT_BOOL, 0, AOFF(copy_msg), "off", NULL, NULL, NULL },
    { "action.writeAllMarkMessages", SL_PT_BOOL, 0, AOFF(write_all_marks), "on", NULL, NULL, NULL },
    SL_PARAM_END
};
static const char *const action_accepted[] = {
    "type", "action.reportSuspensionContinuation", "action.execOnlyEveryNthTimeTimeout",
    "action.ratelimit.interval", "action.ratelimit.burst", "action.errorfile.maxsize", NULL
};

/* ---------------------------------------------------------------------------------------
 * Runtime objects
 * ------------------------------------------------------------------------------------- */
struct sl_module_rt {
    char *name;
    const struct sl_plugin *pl;
    void *dl;
    void *modconf;
    int inited;
    struct sl_loc loc;
    struct sl_module_rt *next;
};

struct sl_engine;

struct sl_rsq {                 /* a ruleset queue (the main queue or a ruleset's own) */
    char *name;
    struct sl_queue_conf qc;
    struct sl_ring *shards;
    size_t nshards;
    pthread_t *thr;
    struct sl_worker **workers;
    int started;
    struct sl_da **da;          /* per shard, with queue.filename / queue.type="Disk" */
    _Atomic int replaying;      /* shards with records from before the restart left */
    _Atomic uint64_t *c_discard_full, *c_spooled, *c_unspooled;
    _Atomic uint64_t q_full, q_nf;  /* discarded.full / .nf of its core.queue set (ring_stats) */
};

struct sl_ruleset_rt {
    struct sl_ruleset_ir *ir;
    struct sl_rsq *q;           /* where messages bound to this ruleset are queued */
    struct sl_parse_opts popts; /* the engine's, with this ruleset's parser= chain */
    struct sl_parser_chain *chain;
};

/* A counter belongs to a set named like rsyslog's statistics objects ("main Q",
 * "action-0-builtin:omfile") with an origin ("core.queue", "core.action", "imudp"); sets are
 * what impstats prints, one line each.  Counters are appended, so sets keep creation order. */
struct sl_counter {
    char *name, *set, *origin;
    _Atomic uint64_t v;
    unsigned gen;               /* stats_foreach pass that printed it (under counters_lock) */
    struct sl_counter *next;
};

struct sl_action_rt {
    struct sl_engine *eng;
    struct sl_action_ir *ir;
    struct sl_module_rt *mod;
    const struct sl_plugin *pl;
    void *inst;
    size_t index;
    char *name;
    struct sl_queue_conf qc;
    struct sl_action_conf ac;
    int queued;
    int is_mod;                 /* a modifier (mm*): runs inline on the ruleset worker */
    struct sl_da *da;           /* disk-assisted or disk queue (queue.filename / type Disk) */
    struct sl_ring ring;
    pthread_t *thr;
    size_t nthr;
    struct sl_worker **qworkers; /* the queue's worker contexts, freed with the action */
    pthread_mutex_t wrk_lock;
    pthread_mutex_t direct_lock; /* serialises deliveries of a direct action */
    void **wrks;                /* per engine worker id (direct actions: [0] only) */
    int created;
    _Atomic int suspended;
    _Atomic uint64_t *c_processed, *c_failed, *c_suspended, *c_resumed, *c_discarded;
    _Atomic uint64_t *c_susp_dur;
    int has_backup;             /* a following action fails over from this one: a failed
                                 * delivery hands the messages on instead of retrying */
    _Atomic int64_t resume_at;  /* has_backup: monotonic ms before which it is not tried */
    _Atomic int64_t interval;   /* has_backup: current back-off, ms */
    const struct sl_template *err_tpl; /* action.errorFile: template rendered as template0 */
    pthread_mutex_t err_lock;   /* action.errorFile writes */
    int err_fd;
    _Atomic uint64_t *c_discard_full;   /* -> q_full: the action queue's discarded.full */
    _Atomic uint64_t q_full, q_nf;      /* its queue's discarded.full / .nf (ring_stats) */
    /* $RepeatedMsgReduction (rsyslog's per-action f_ReduceRepeated); rep_* under rep_lock */
    int rep_on;
    pthread_mutex_t rep_lock;
    struct sl_msg *rep_prev;    /* the last message passed on or held back (one reference) */
    int rep_count;              /* repeats of it held back */
    int64_t rep_time;           /* when the last record of the action was let through (s) */
    int rep_backoff;            /* index into rep_intervals */
};

/* A disk-assisted (or pure disk) queue: an action queue, or one shard of a ruleset queue.
 * Producers (ruleset workers; for a ruleset queue the input threads) put messages
 * into the ring while it is below queue.highWatermark and nothing is spooled; otherwise
 * into the spool, until the consumer has drained the spool and the ring.  The consumer
 * takes the ring first (its messages are older than any spooled one), then the head spool
 * (what was in memory at the last shutdown), then the spool: FIFO end to end.
 * Concurrency & locking: `lock` guards the spools and `spooling`; the ring has its own. */
struct sl_da {
    pthread_mutex_t lock;
    struct sl_spool *spool;
    struct sl_spool *head;
    int spooling;
    int appending;              /* producers inside da_append (it may drop the lock) */
    int disk_only;
    size_t high;
    char *dir, *name;
    struct sl_buf ser;
    _Atomic uint64_t *c_spooled, *c_unspooled;
    struct sl_engine *eng;
    const char *owner;          /* the action's or the ruleset queue's name (log lines) */
    struct sl_ring *ring;       /* the in-memory part */
    struct sl_queue_conf *qc;
    uint64_t max_disk;          /* this spool's share of queue.maxDiskSpace */
    _Atomic uint64_t *c_lost;   /* messages the queue had to give up */
    int rsq;                    /* a ruleset queue shard: records carry the ruleset name */
    uint64_t replay_left;       /* records from before the restart still to process */
    _Atomic int *replaying;     /* ruleset queue: shards still replaying (all wait for 0) */
};

struct sl_input_ctx {
    struct sl_engine *eng;
    struct sl_module_rt *mod;
    void *inst;
    char *inputname;
    struct sl_ruleset_rt *rs;
    int no_delay;
    int created, opened;
    pthread_t thr;
    int running;
    struct sl_loc loc;
    _Atomic uint64_t *c_submitted, *c_dropped;
};

struct sl_worker {
    struct sl_engine *eng;
    size_t id;
    struct sl_ring *ring;
    struct sl_rsq *q;
    struct sl_action_rt *act;   /* action-queue worker: its action */
    struct sl_pending {
        struct sl_msg **v;
        uint32_t *cond;         /* execOnlyWhenPreviousIsSuspended: index+1 of the action
                                 * whose failure this entry waits for */
        size_t n, cap;
    } *pend;
    size_t *touched;
    size_t ntouched;
    size_t last;                /* index+1 of the last action run for the current message */
    struct sl_msg *pend_cur;    /* the last message added to a pending list (NULL after
                                 * flush_all): a modifier or set/unset on another message
                                 * need not deliver the pending lists first */
    struct sl_failed {          /* per action: messages it could not take in this batch */
        struct sl_msg **v;
        uint8_t *taken;         /* a failover action took it */
        size_t n, cap, cur;
    } *failed;
    int any_failed;
    struct sl_da *rsda;         /* its shard is disk-assisted */
    struct sl_msg **cur;        /* the batch being run, and the first message of it a */
    size_t ncur, save_from;     /* direct action kept at shutdown (rsda only) */
};

struct sl_engine {
    struct sl_cnf *cnf;
    struct sl_engine_opts opts;
    struct sl_global_conf g;
    struct sl_parse_opts popts;
    struct sl_tpl_registry *tpls;
    struct sl_module_rt *modules;
    struct sl_rsq **rsqs;       /* [0] = main queue */
    size_t nrsqs;
    struct sl_ruleset_rt **rulesets;
    size_t nrulesets;
    struct sl_ruleset_rt *default_rs;
    struct sl_action_rt **actions;
    size_t nactions;
    struct sl_input_ctx **inputs;
    size_t ninputs;
    size_t nworkers;            /* engine worker ids handed out */
    size_t nworkers_max;
    pthread_mutex_t counters_lock;
    struct sl_counter *counters, **counters_tail;
    unsigned stats_gen;
    _Atomic int stopping;       /* inputs are being stopped / queues drain */
    _Atomic int give_up;        /* shutdown deadline passed: suspended actions stop retrying */
    pthread_mutex_t sleep_lock;
    pthread_cond_t sleep_cv;
    _Atomic uint64_t *c_internal_dropped;
    char **skipped;             /* modules skipped under sluice.unknownModules="warn" */
    size_t nskipped;
    char **interned;            /* input names of restored messages (under counters_lock) */
    size_t ninterned;
};

static struct sl_engine *cur_engine;

/* ---------------------------------------------------------------------------------------
 * Counters
 * ------------------------------------------------------------------------------------- */
/* A counter in set `set` (origin `origin`; NULL: the set's origin if it exists, else
 * `set`).  Asking twice for the same set and name returns the same counter. */
static _Atomic uint64_t *counter_in_set(struct sl_engine *e, const char *set, const char *origin,
                                        const char *name)
{
    set = set ? set : "";
    name = name ? name : "";
    pthread_mutex_lock(&e->counters_lock);
    for (struct sl_counter *o = e->counters; o != NULL; o = o->next) {
        if (strcmp(o->set, set) == 0) {
            if (strcmp(o->name, name) == 0) {
                pthread_mutex_unlock(&e->counters_lock);
                return &o->v;
            }
            if (origin == NULL) {
                origin = o->origin;
            }
        }
    }
    struct sl_counter *c = sl_xcalloc(1, sizeof *c);
    c->name = sl_xstrdup(name);
    c->set = sl_xstrdup(set);
    c->origin = sl_xstrdup(origin ? origin : set);
    atomic_init(&c->v, 0);
    if (e->counters_tail == NULL) {
        e->counters_tail = &e->counters;
    }
    *e->counters_tail = c;
    e->counters_tail = &c->next;
    pthread_mutex_unlock(&e->counters_lock);
    return &c->v;
}

/* A counter of sluice's own in the set "OWNER sluice" (origin `origin`): keeps rsyslog's sets
 * (OWNER with origin core.action, core.queue, imtcp, ...) to rsyslog's keys. */
static _Atomic uint64_t *sluice_counter(struct sl_engine *e, const char *owner,
                                        const char *origin, const char *name)
{
    char set[640];
    snprintf(set, sizeof set, "%s sluice", owner);
    return counter_in_set(e, set, origin, name);
}

/* The older (owner, instance, name) form: the set is the instance (or the owner), the
 * origin the owner. */
static _Atomic uint64_t *counter_new(struct sl_engine *e, const char *owner, const char *inst,
                                     const char *name)
{
    return counter_in_set(e, inst != NULL && *inst != '\0' ? inst : owner, owner, name);
}

/* Queue counters are read from the rings (rsyslog's core.queue set): size, enqueued, full,
 * discarded.full, discarded.nf, maxqsize. */
static void ring_stats(struct sl_ring *r, size_t nr, const _Atomic uint64_t *full,
                       const _Atomic uint64_t *nf, struct sl_stat *st)
{
    static const char *const names[] = { "size", "enqueued", "full", "discarded.full",
                                          "discarded.nf", "maxqsize" };
    uint64_t v[6] = { 0 };
    for (size_t i = 0; i < nr; i++) {
        pthread_mutex_lock(&r[i].lock);
        v[0] += r[i].count;
        v[5] += r[i].max_seen;
        pthread_mutex_unlock(&r[i].lock);
        v[1] += atomic_load_explicit(&r[i].enqueued, memory_order_relaxed);
        v[2] += atomic_load_explicit(&r[i].full_waits, memory_order_relaxed);
        v[3] += atomic_load_explicit(&r[i].dropped, memory_order_relaxed);
    }
    v[3] += atomic_load_explicit(full, memory_order_relaxed);
    v[4] += atomic_load_explicit(nf, memory_order_relaxed);
    for (int i = 0; i < 6; i++) {
        st[i].name = names[i];
        st[i].value = v[i];
    }
}

/* Every counter set, in creation order, then the queues (as rsyslog's impstats lists
 * them: actions and inputs, then action queues, then the ruleset queues).  reset != 0
 * zeroes the registry counters as they are read (impstats resetCounters="on"). */
void sl_engine_stats_foreach(struct sl_engine *e, sl_stats_cb cb, void *arg, int reset)
{
    struct sl_stat st[64];
    pthread_mutex_lock(&e->counters_lock);
    unsigned gen = ++e->stats_gen;
    for (struct sl_counter *c = e->counters; c != NULL; c = c->next) {
        if (c->gen == gen) {
            continue;
        }
        size_t n = 0;
        for (struct sl_counter *d = c; d != NULL && n < 64; d = d->next) {
            if (d->gen != gen && strcmp(d->set, c->set) == 0 && strcmp(d->origin, c->origin) == 0) {
                d->gen = gen;
                st[n].name = d->name;
                st[n].value = reset ? atomic_exchange_explicit(&d->v, 0, memory_order_relaxed)
                                    : atomic_load_explicit(&d->v, memory_order_relaxed);
                n++;
            }
        }
        cb(arg, c->set, c->origin, st, n);
    }
    pthread_mutex_unlock(&e->counters_lock);
    for (size_t i = 0; i < e->nactions; i++) {
        struct sl_action_rt *a = e->actions[i];
        if (a->queued && a->ring.v != NULL) {
            char nm[320];
            snprintf(nm, sizeof nm, "%s queue", a->name);
            ring_stats(&a->ring, 1, &a->q_full, &a->q_nf, st);
            cb(arg, nm, "core.queue", st, 6);
        }
    }
    for (size_t i = 0; i < e->nrsqs; i++) {
        ring_stats(e->rsqs[i]->shards, e->rsqs[i]->nshards, &e->rsqs[i]->q_full,
                   &e->rsqs[i]->q_nf, st);
        cb(arg, e->rsqs[i]->name, "core.queue", st, 6);
    }
}

static void stats_print(void *arg, const char *set, const char *origin, const struct sl_stat *v,
                        size_t n)
{
    FILE *out = arg;
    fprintf(out, "%s: origin=%s", set, origin);
    for (size_t i = 0; i < n; i++) {
        fprintf(out, " %s=%llu", v[i].name, (unsigned long long)v[i].value);
    }
    fputc('\n', out);
}

/* SIGUSR1: every set as an impstats legacy line, without the time stamp.  The dump is
 * built in memory and written with one call, so a reader of the log never sees half of it
 * (the first line is always the "sluiced" set). */
void sl_engine_stats(struct sl_engine *e, FILE *out)
{
    char *text = NULL;
    size_t len = 0;
    FILE *mem = open_memstream(&text, &len);
    if (mem == NULL) {
        sl_engine_stats_foreach(e, stats_print, out, 0);
        return;
    }
    sl_engine_stats_foreach(e, stats_print, mem, 0);
    fclose(mem);
    fwrite(text, 1, len, out);
    fflush(out);
    free(text);
}

/* ---------------------------------------------------------------------------------------
 * Host table
 * ------------------------------------------------------------------------------------- */
static struct sl_msg *host_msg_new(struct sl_input_ctx *ctx, const char *raw, size_t len,
                                   const struct sockaddr *peer, socklen_t peerlen)
{
    struct sl_msg *m = sl_msg_new(raw, len);
    if (peer != NULL && peerlen > 0) {
        sl_msg_set_peer(m, peer, peerlen);
    }
    if (ctx != NULL) {
        m->inputname = ctx->inputname;
        m->ruleset = ctx->rs;
    }
    return m;
}

static void host_msg_unref(struct sl_msg *m)
{
    sl_msg_unref(m);
}

static size_t da_push(struct sl_da *da, struct sl_msg **v, size_t n, int64_t wait_ms);

/* The shard of a flow key. */
static size_t rsq_shard(const struct sl_rsq *q, uint64_t key)
{
    /* splitmix-style mix so sequential keys spread over shards */
    uint64_t h = key + 0x9e3779b97f4a7c15ULL;
    h = (h ^ (h >> 30)) * 0xbf58476d1ce4e5b9ULL;
    h = (h ^ (h >> 27)) * 0x94d049bb133111ebULL;
    h ^= h >> 31;
    return (size_t)(h % q->nshards);
}

/* Push msgs into a ruleset queue, keeping flow order, waiting for room up to wait_ms (< 0:
 * no limit); returns how many were taken (queued, spooled or discarded by the discard mark). */
static size_t rsq_push(struct sl_rsq *q, struct sl_msg **msgs, size_t n, uint64_t key,
                       int64_t wait_ms)
{
    size_t s = rsq_shard(q, key);
    if (q->da != NULL) {
        return da_push(q->da[s], msgs, n, wait_ms);
    }
    return sl_ring_push_timed(&q->shards[s], msgs, n, wait_ms);
}

static int host_submit(struct sl_input_ctx *ctx, struct sl_msg **msgs, size_t n, uint64_t key)
{
    /* Inputs that can be paused (TCP, unix sockets) wait for room as long as it takes: what
     * was accepted from a sender is never dropped.  UDP (SL_PF_NO_DELAY) waits at most
     * queue.timeoutEnqueue, then drops (counted). */
    struct sl_rsq *q = ctx->rs->q;
    size_t done = rsq_push(q, msgs, n, key, ctx->no_delay ? q->qc.timeout_enqueue : -1);
    atomic_fetch_add_explicit(ctx->c_submitted, done, memory_order_relaxed);
    if (done < n) {
        atomic_fetch_add_explicit(ctx->c_dropped, n - done, memory_order_relaxed);
        atomic_fetch_add_explicit(q->c_discard_full, n - done, memory_order_relaxed);
        for (size_t i = done; i < n; i++) {
            sl_msg_unref(msgs[i]);
        }
        if (!ctx->no_delay) {
            return SL_ESHUTDOWN;
        }
    }
    return (int)done;
}

static _Atomic uint64_t *host_counter(const char *owner, const char *inst, const char *name)
{
    return counter_new(cur_engine, owner, inst, name);
}

static size_t host_max_message_size(void)
{
    return cur_engine != NULL ? (size_t)cur_engine->g.max_message_size : 8096;
}

static int host_render(const struct sl_template *tpl, struct sl_msg *m, struct sl_buf *out)
{
    return sl_template_render(tpl, m, out);
}

static const struct sl_template *host_template_find(const char *name)
{
    return cur_engine != NULL && name != NULL ? sl_tpl_find(cur_engine->tpls, name) : NULL;
}

/* global() string settings by name (privDrop.*, the netstream driver defaults, ...). */
const char *sl_engine_global_str(struct sl_engine *e, const char *name)
{
    if (e == NULL || name == NULL) {
        return NULL;
    }
    for (const struct sl_param *p = global_params; p->name != NULL; p++) {
        if ((p->type == SL_PT_STRING || p->type == SL_PT_WORD) && strcasecmp(p->name, name) == 0) {
            return *(char *const *)(const void *)((const char *)&e->g + p->offset);
        }
    }
    return NULL;
}

int64_t sl_engine_global_int(struct sl_engine *e, const char *name, int64_t dflt)
{
    if (e == NULL || name == NULL) {
        return dflt;
    }
    for (const struct sl_param *p = global_params; p->name != NULL; p++) {
        if (strcasecmp(p->name, name) != 0) {
            continue;
        }
        const void *f = (const char *)&e->g + p->offset;
        if (p->type == SL_PT_BOOL) {
            return *(const int *)f;
        }
        if (p->type != SL_PT_STRING && p->type != SL_PT_WORD && p->type != SL_PT_ARRAY) {
            return *(const int64_t *)f;
        }
    }
    return dflt;
}

static int host_prop_ref(const char *name, void **handle)
{
    return sl_prop_handle_new(name, handle);   /* core/msg_fields.c */
}

static void host_prop_unref(void *handle)
{
    sl_prop_handle_free(handle);
}

static int host_msg_prop(struct sl_msg *m, const void *handle, struct sl_buf *out)
{
    char tmp[SL_PROP_TMP];
    char *to_free = NULL;
    size_t len = 0;
    const char *v = sl_msg_prop(m, handle, &len, tmp, &to_free);
    int rc = sl_buf_append(out, v, len);
    free(to_free);
    return rc;
}

static int host_msg_json_set(struct sl_msg *m, const char *var, void *val)
{
    struct sl_propref r;
    if (var == NULL || sl_propref_parse(var, strlen(var), &r) != 0 ||
        (r.id != SL_PROP_CEE && r.id != SL_PROP_LOCAL_VAR && r.id != SL_PROP_GLOBAL_VAR)) {
        fjson_object_put(val);
        return SL_EINVAL;
    }
    /* rsyslog's msgAddJSON (as the mm* modules call it): the root is merged into; below
     * it a new key is added, but when the key exists already an object is merged into the
     * ROOT (not into the key - so it is in rsyslog 8.2302), and a non-object must not
     * replace an object. */
    int rc;
    struct fjson_object *leaf = NULL;
    if (r.path != NULL && *r.path != '\0') {
        leaf = sl_msg_json_get(m, r.id, r.path);
    }
    if (leaf != NULL && fjson_object_is_type(val, fjson_type_object)) {
        rc = sl_msg_json_set(m, r.id, "", val);
    } else if (leaf != NULL && fjson_object_is_type(leaf, fjson_type_object)) {
        fjson_object_put(val);
        rc = SL_EINVAL;
    } else {
        rc = sl_msg_json_set(m, r.id, r.path != NULL ? r.path : "", val);
    }
    sl_propref_clear(&r);
    return rc;
}

static int host_msg_json_set_ref(struct sl_msg *m, const void *handle, void *val)
{
    return sl_msg_json_set_ref(m, handle, val);
}

static void host_msg_set_parse_result(struct sl_msg *m, int ok)
{
    m->parse_result = ok ? 1 : 2;
}

static int host_msg_set_msg(struct sl_msg *m, const char *text, size_t len)
{
    return sl_msg_replace_msg(m, text, len);
}

static void host_stats_foreach(sl_stats_cb cb, void *arg, int reset)
{
    if (cur_engine != NULL) {
        sl_engine_stats_foreach(cur_engine, cb, arg, reset);
    }
}

static const char *host_global_str(const char *name)
{
    return sl_engine_global_str(cur_engine, name);
}

static const char *host_legacy_default(const char *key)
{
    (void)key;
    return NULL; /* legacy defaults arrive as implicit action parameters (see conf/ir.h) */
}

static const struct sl_host host = {
    .version = SL_HOST_VERSION,
    .struct_size = sizeof(struct sl_host),
    .log = sl_log,
    .msg_new = host_msg_new,
    .msg_unref = host_msg_unref,
    .submit = host_submit,
    .counter = host_counter,
    .max_message_size = host_max_message_size,
    .render = host_render,
    .template_find = host_template_find,
    .legacy_default = host_legacy_default,
    .buf_reserve = sl_buf_reserve,
    .buf_free = sl_buf_free,
    .global_str = host_global_str,
    .prop_ref = host_prop_ref,
    .prop_unref = host_prop_unref,
    .msg_prop = host_msg_prop,
    .msg_json_set = host_msg_json_set,
    .msg_set_parse_result = host_msg_set_parse_result,
    .msg_set_msg = host_msg_set_msg,
    .msg_set_local = sl_msg_set_local,
    .stats_foreach = host_stats_foreach,
    .msg_set_fields = sl_msg_set_fields,           /* ABI 1.4: core/msg_fields.c */
    .msg_json_set_str = sl_msg_json_set_str,
    .msg_json_set_int = sl_msg_json_set_int,
    .msg_json_set_ref = host_msg_json_set_ref,
};

/* Internal messages with global(processInternalMessages="off") (rsyslog's default): to the
 * system log through syslog(3) - when sluiced is the system log daemon they come back in
 * through imuxsock, as rsyslog's do. */
static void log_sink_syslog(int severity, const char *text)
{
    syslog(LOG_SYSLOG | (severity & 7), "%s", text);
}

/* Internal messages with processInternalMessages="on": into the main queue, never blocking
 * (a full queue drops them). */
static void log_sink(int severity, const char *text)
{
    struct sl_engine *e = cur_engine;
    if (e == NULL || e->nrsqs == 0) {
        return;
    }
    struct sl_msg *m = sl_msg_new_internal(5 /* syslog */, severity, text);
    m->inputname = "rsyslogd";
    m->ruleset = e->default_rs;
    /* straight into the ring, never the spool: the disk queue's lock may be held by the
     * thread logging this */
    struct sl_rsq *q = e->rsqs[0];
    if (sl_ring_push(&q->shards[rsq_shard(q, 0)], &m, 1, 0) != 1) {
        atomic_fetch_add_explicit(e->c_internal_dropped, 1, memory_order_relaxed);
        sl_msg_unref(m);
    }
}

/* ---------------------------------------------------------------------------------------
 * Build: globals, templates, modules
 * ------------------------------------------------------------------------------------- */
static const struct sl_template *resolve_tpl(void *arg, const char *name)
{
    struct sl_engine *e = arg;
    return sl_tpl_find(e->tpls, name);
}

static struct sl_ruleset_rt *find_ruleset(struct sl_engine *e, const char *name)
{
    for (size_t i = 0; i < e->nrulesets; i++) {
        if (strcmp(e->rulesets[i]->ir->name, name) == 0) {
            return e->rulesets[i];
        }
    }
    return NULL;
}

static void *resolve_ruleset(void *arg, const char *name)
{
    return find_ruleset(arg, name);
}

static const char *kv_str(struct sl_kv *kvs, const char *name)
{
    struct sl_kv *kv = sl_kv_find(kvs, name);
    if (kv == NULL) {
        return NULL;
    }
    kv->used = 1;
    return kv->is_array ? (kv->arr.n ? kv->arr.v[0] : "") : kv->str;
}

static void build_globals(struct sl_engine *e)
{
    struct sl_param_resolver res = { resolve_tpl, resolve_ruleset, e };
    int first = 1;
    for (struct sl_obj *o = e->cnf->objs; o != NULL; o = o->next) {
        if (o->type != SL_OBJ_GLOBAL) {
            continue;
        }
        /* every global() sets only what it names: apply the table to a scratch block and
         * copy the named fields over the running values */
        struct sl_global_conf tmp;
        memset(&tmp, 0, sizeof tmp);
        sl_params_apply(global_params, &tmp, o->kv, &res, "global()", &o->loc);
        for (const struct sl_param *p = global_params; p->name != NULL; p++) {
            struct sl_kv *kv = sl_kv_find(o->kv, p->name);
            if (kv == NULL && !first) {
                continue;
            }
            size_t sz = (p->type == SL_PT_BOOL) ? sizeof(int)
                        : (p->type == SL_PT_STRING || p->type == SL_PT_WORD) ? sizeof(char *)
                                                                               : sizeof(int64_t);
            if (p->type == SL_PT_STRING || p->type == SL_PT_WORD) {
                char **dst = (char **)(void *)((char *)&e->g + p->offset);
                char **src = (char **)(void *)((char *)&tmp + p->offset);
                free(*dst);
                *dst = *src;
                *src = NULL;
            } else {
                memcpy((char *)&e->g + p->offset, (char *)&tmp + p->offset, sz);
            }
        }
        sl_params_free(global_params, &tmp);
        sl_params_check_unused(o->kv, "global()", global_accepted);
        first = 0;
    }
    if (first) {
        struct sl_loc none = { "", 0 };
        sl_params_apply(global_params, &e->g, NULL, NULL, "global()", &none);
    }
    if (e->g.local_hostname != NULL) {
        sl_set_local_hostname(e->g.local_hostname);
    }
    sl_msg_set_dns(e->g.enable_dns);
    sl_msg_set_vars_case_sensitive(e->g.vars_case_sensitive);
    sl_parse_opts_default(&e->popts);
    e->popts.escape_cc_on_receive = e->g.escape_cc;
    e->popts.cc_escape_prefix = e->g.cc_prefix && e->g.cc_prefix[0] ? e->g.cc_prefix[0] : '#';
    e->popts.drop_trailing_lf = e->g.drop_trailing_lf;
    e->popts.space_lf_on_receive = e->g.space_lf;
    e->popts.escape_tab = e->g.escape_tab;
    e->popts.escape_8bit = e->g.escape_8bit;
    e->popts.permit_slash_progname = e->g.permit_slash;
}

static void build_templates(struct sl_engine *e)
{
    for (struct sl_obj *o = e->cnf->objs; o != NULL; o = o->next) {
        if (o->type != SL_OBJ_TEMPLATE) {
            continue;
        }
        const char *name = kv_str(o->kv, "name");
        const char *type = kv_str(o->kv, "type");
        struct sl_tpl_err err = { { 0 } };
        if (name == NULL) {
            sl_cfg_error(&o->loc, "template(): parameter 'name' is missing");
            continue;
        }
        if (sl_tpl_find(e->tpls, name) != NULL && strncmp(name, "RSYSLOG_", 8) != 0) {
            sl_cfg_error(&o->loc, "template '%s' is defined twice", name);
            continue;
        }
        const char *option = kv_str(o->kv, "option");
        static const char *const opts[] = { "sql", "stdsql", "json", "jsonf", NULL };
        for (int i = 0; opts[i] != NULL; i++) {
            char key[32];
            snprintf(key, sizeof key, "option.%s", opts[i]);
            const char *v = kv_str(o->kv, key);
            int on = 0;
            if (v != NULL && sl_param_parse_bool(v, &on) == 0 && on) {
                option = opts[i];
            }
        }
        const char *cs = kv_str(o->kv, "option.casesensitive");
        int cs_on = 0;
        if (cs != NULL && sl_param_parse_bool(cs, &cs_on) == 0 && cs_on && option == NULL) {
            option = "casesensitive";
        }
        const char *legacy = kv_str(o->kv, "legacy_line");
        const struct sl_template *t = NULL;
        if (legacy != NULL) {
            /* $template name,"...",opt: rsyslog's legacy escapes apply to the raw text */
            kv_str(o->kv, "string");
            t = sl_tpl_add_legacy(e->tpls, name, legacy, &err);
        } else if (type == NULL || strcasecmp(type, "string") == 0) {
            const char *str = kv_str(o->kv, "string");
            if (str == NULL) {
                sl_cfg_error(&o->loc, "template '%s': parameter 'string' is missing", name);
                continue;
            }
            t = sl_tpl_add_string(e->tpls, name, str, option, &err);
        } else if (strcasecmp(type, "list") == 0) {
            struct sl_tpl_builder *b = sl_tpl_list_begin(e->tpls, name, option);
            int bad = 0;
            for (struct sl_obj *c = o->children; c != NULL && !bad; c = c->next) {
                const char *keys[64], *vals[64];
                size_t n = 0;
                for (struct sl_kv *kv = c->kv; kv != NULL && n < 64; kv = kv->next) {
                    keys[n] = kv->name;
                    vals[n] = kv->is_array ? (kv->arr.n ? kv->arr.v[0] : "") : kv->str;
                    n++;
                }
                int rc = c->type == SL_OBJ_TPL_CONSTANT
                             ? sl_tpl_list_constant(b, keys, vals, n, &err)
                             : sl_tpl_list_property(b, keys, vals, n, &err);
                if (rc != 0) {
                    sl_cfg_error(&c->loc, "template '%s': %s", name, err.text);
                    bad = 1;
                }
            }
            t = sl_tpl_list_end(b, &err);
            if (bad) {
                continue;
            }
        } else if (strcasecmp(type, "subtree") == 0) {
            const char *st = kv_str(o->kv, "subtree");
            t = sl_tpl_add_subtree(e->tpls, name, st ? st : "", &err);
        } else if (strcasecmp(type, "plugin") == 0) {
            sl_cfg_error(&o->loc, "template '%s': type=\"plugin\" is not supported", name);
            continue;
        } else {
            sl_cfg_error(&o->loc, "template '%s': unknown type '%s'", name, type);
            continue;
        }
        if (t == NULL) {
            sl_cfg_error(&o->loc, "template '%s': %s", name, err.text);
        }
        static const char *const tpl_known[] = { "name", "type", "string", "subtree",
                                                 "plugin", "option", NULL };
        sl_params_check_unused(o->kv, "template()", tpl_known);
    }
}

static struct sl_module_rt *find_module(struct sl_engine *e, const char *name)
{
    const char *bare = strncasecmp(name, "builtin:", 8) == 0 ? name + 8 : name;
    for (struct sl_module_rt *m = e->modules; m != NULL; m = m->next) {
        if (strcasecmp(m->pl->name, bare) == 0) {
            return m;
        }
    }
    return NULL;
}

static struct sl_module_rt *load_module(struct sl_engine *e, const char *name,
                                        const struct sl_loc *loc)
{
    const struct sl_plugin *pl;
    void *dl;
    char err[1024];
    int rc = sl_plugin_open(name, sl_plugin_dir(e->opts.plugin_dir), &pl, &dl, err, sizeof err);
    if (rc == SL_ENOENT && e->g.unknown_modules == 1) {
        sl_cfg_warn(loc, "%s; skipped with everything that uses it "
                         "(global sluice.unknownModules=\"warn\")", err);
        e->skipped = sl_xrealloc(e->skipped, (e->nskipped + 1) * sizeof *e->skipped);
        e->skipped[e->nskipped++] = sl_xstrdup(strncasecmp(name, "builtin:", 8) == 0 ? name + 8
                                                                                  : name);
        return NULL;
    }
    if (rc != 0) {
        sl_cfg_error(loc, "%s", err);
        return NULL;
    }
    struct sl_module_rt *m = sl_xcalloc(1, sizeof *m);
    m->name = sl_xstrdup(pl->name);
    m->pl = pl;
    m->dl = dl;
    m->loc = *loc;
    m->modconf = pl->mod_size ? sl_xcalloc(1, pl->mod_size) : NULL;
    m->next = e->modules;
    e->modules = m;
    return m;
}

static int init_module(struct sl_engine *e, struct sl_module_rt *m, struct sl_kv *kvs,
                       const struct sl_loc *loc)
{
    struct sl_param_resolver res = { resolve_tpl, resolve_ruleset, e };
    char what[128];
    snprintf(what, sizeof what, "module '%s'", m->pl->name);
    int errs = 0;
    if (m->modconf != NULL) {
        errs += sl_params_apply(m->pl->module_params, m->modconf, kvs, &res, what, loc);
    }
    static const char *const mod_known[] = { "load", NULL };
    errs += sl_params_check_unused(kvs, what, mod_known);
    if (errs == 0 && m->pl->mod_init != NULL && m->pl->mod_init(&host, m->modconf) != 0) {
        sl_cfg_error(loc, "%s: initialisation failed", what);
        errs++;
    }
    m->inited = 1;
    return errs;
}

static int is_skipped(struct sl_engine *e, const char *name)
{
    for (size_t i = 0; i < e->nskipped; i++) {
        if (strcasecmp(e->skipped[i], name) == 0) {
            return 1;
        }
    }
    return 0;
}

static void mark_all_used(struct sl_kv *kvs)
{
    for (struct sl_kv *kv = kvs; kv != NULL; kv = kv->next) {
        kv->used = 1;
    }
}

static void build_modules(struct sl_engine *e)
{
    /* explicit module() objects, in order */
    for (struct sl_obj *o = e->cnf->objs; o != NULL; o = o->next) {
        if (o->type != SL_OBJ_MODULE) {
            continue;
        }
        const char *name = kv_str(o->kv, "load");
        if (name == NULL) {
            sl_cfg_error(&o->loc, "module(): parameter 'load' is missing");
            continue;
        }
        struct sl_module_rt *m = find_module(e, name);
        if (m != NULL) {
            if (strncasecmp(name, "builtin:", 8) != 0) {
                /* rsyslog: "module already in this config, cannot be added", and runs
                 * with the first load */
                sl_cfg_error_soft(&o->loc, "module '%s' is loaded twice; this load and "
                                  "its parameters are ignored", name);
            }
            continue;
        }
        m = load_module(e, name, &o->loc);
        if (m != NULL) {
            init_module(e, m, o->kv, &o->loc);
        }
    }
    /* built-in outputs are always there */
    for (int i = 0; sl_builtin_plugins[i] != NULL; i++) {
        if (find_module(e, sl_builtin_plugins[i]->name) == NULL) {
            struct sl_loc none = { "", 0 };
            struct sl_module_rt *m = load_module(e, sl_builtin_plugins[i]->name, &none);
            if (m != NULL) {
                init_module(e, m, NULL, &none);
            }
        }
    }
}

/* ---------------------------------------------------------------------------------------
 * Build: queues, rulesets, actions, inputs
 * ------------------------------------------------------------------------------------- */
static void queue_defaults(struct sl_queue_conf *qc, int main_queue)
{
    memset(qc, 0, sizeof *qc);
    qc->type = main_queue ? SL_QT_FIXEDARRAY : SL_QT_DIRECT;
    qc->size = main_queue ? 100000 : 1000;
    /* rsyslog starts one main-queue worker; sluice starts two shards: messages keep their
     * per-connection order (sharding by flow) and parsing/rules use both cores. */
    qc->workers = main_queue ? 2 : 1;
    qc->batch = main_queue ? 256 : 128;
    qc->timeout_shutdown = main_queue ? 10000 : 0;
    qc->timeout_enqueue = 2000;
    qc->discard_mark = -1;      /* unset: 80% of queue.size, as rsyslog */
    qc->discard_sev = 8;        /* rsyslog's default: nothing is discarded */
    qc->save_on_shutdown = -1;  /* unset: off for memory queues, on with a disk queue */
}

static int has_queue_params(struct sl_kv *kvs)
{
    for (struct sl_kv *kv = kvs; kv != NULL; kv = kv->next) {
        if (strncasecmp(kv->name, "queue.", 6) == 0) {
            return 1;
        }
    }
    return 0;
}

static void apply_queue_params(struct sl_engine *e, struct sl_queue_conf *qc, struct sl_kv *kvs,
                               const char *what, const struct sl_loc *loc)
{
    sl_params_apply(queue_params, qc, kvs, NULL, what, loc);
    for (struct sl_kv *kv = kvs; kv != NULL; kv = kv->next) {
        for (int i = 0; queue_accepted[i] != NULL; i++) {
            if (strcasecmp(kv->name, queue_accepted[i]) == 0) {
                kv->used = 1;
            }
        }
    }
    if (qc->workers > 64) {
        qc->workers = 64;
    }
    (void)e;
}

/* queue.discardMark / queue.discardSeverity on one of nshards rings (a sharded queue's mark
 * is shared out like its size).  rsyslog's defaults: the mark at 80% of queue.size,
 * severity 8 (nothing is discarded). */
static void ring_discard_setup(struct sl_ring *r, const struct sl_queue_conf *qc, size_t nshards,
                               _Atomic uint64_t *c_nf)
{
    r->c_discard_nf = c_nf;
    if (qc->discard_sev >= 8) {
        return;                 /* off: the push fast path stays one compare */
    }
    int64_t mark = qc->discard_mark >= 0 ? qc->discard_mark : qc->size * 8 / 10;
    r->discard_mark = (size_t)mark / nshards;
    r->discard_sev = (int)qc->discard_sev;
}

/* The disk part of a disk-assisted (queue.filename) or disk (queue.type="Disk") queue in front
 * of ring; opened later by da_open (at start, not at -N1).  high is per ring. */
static struct sl_da *da_new(struct sl_engine *e, struct sl_queue_conf *qc, const char *dir,
                            const char *name, const char *owner, struct sl_ring *ring,
                            size_t nshards)
{
    struct sl_da *da = sl_xcalloc(1, sizeof *da);
    pthread_mutex_init(&da->lock, NULL);
    da->disk_only = qc->type == SL_QT_DISK;
    da->spooling = da->disk_only;
    /* rsyslog's default high watermark: 90% of queue.size */
    size_t size = (size_t)qc->size / nshards;
    da->high = (size_t)(qc->high_wm > 0 ? qc->high_wm : qc->size * 9 / 10) / nshards;
    if (da->high == 0 || da->high > size) {
        da->high = size ? size : 1;
    }
    da->dir = sl_xstrdup(dir);
    da->name = sl_xstrdup(name);
    da->eng = e;
    da->owner = owner;
    da->ring = ring;
    da->qc = qc;
    da->max_disk = (uint64_t)qc->max_disk / nshards;
    return da;
}

static void da_free(struct sl_da *da)
{
    if (da == NULL) {
        return;
    }
    if (da->spool != NULL) {
        sl_spool_close(da->spool);
    }
    if (da->head != NULL) {
        sl_spool_close(da->head);
    }
    sl_buf_free(&da->ser);
    free(da->dir);
    free(da->name);
    pthread_mutex_destroy(&da->lock);
    free(da);
}

static struct sl_rsq *rsq_new(struct sl_engine *e, const char *name, const struct sl_queue_conf *qc,
                              const struct sl_loc *loc)
{
    struct sl_rsq *q = sl_xcalloc(1, sizeof *q);
    q->name = sl_xstrdup(name);
    q->qc = *qc;
    if (q->qc.type == SL_QT_DIRECT) {
        /* a "direct" ruleset queue still needs a hand-off from the input threads: one
         * small shard, one worker */
        q->qc.workers = 1;
    }
    q->nshards = (size_t)q->qc.workers;
    q->shards = sl_xcalloc(q->nshards, sizeof *q->shards);
    size_t per = (size_t)q->qc.size / q->nshards;
    _Atomic uint64_t *c_nf = &q->q_nf;
    q->c_discard_full = &q->q_full;
    for (size_t i = 0; i < q->nshards; i++) {
        sl_ring_init(&q->shards[i], per ? per : 1);
        ring_discard_setup(&q->shards[i], &q->qc, q->nshards, c_nf);
    }
    if (q->qc.type == SL_QT_DISK || q->qc.filename != NULL) {
        /* disk-assisted: one spool per shard (flow order holds per shard), shard 0 named
         * queue.filename, shard N queue.filename.wN */
        const char *dir = q->qc.spool_dir != NULL ? q->qc.spool_dir : e->g.work_directory;
        if (q->qc.filename == NULL) {
            sl_cfg_error(loc, "queue '%s': queue.type=\"Disk\" needs queue.filename", name);
        } else if (dir == NULL) {
            sl_cfg_error(loc, "queue '%s': queue.filename needs a directory: set "
                              "global(workDirectory=...) or queue.spoolDirectory", name);
        } else {
            q->da = sl_xcalloc(q->nshards, sizeof *q->da);
            for (size_t i = 0; i < q->nshards; i++) {
                char fn[1100];
                if (i == 0) {
                    snprintf(fn, sizeof fn, "%s", q->qc.filename);
                } else {
                    snprintf(fn, sizeof fn, "%s.w%zu", q->qc.filename, i);
                }
                q->da[i] = da_new(e, &q->qc, dir, fn, q->name, &q->shards[i], q->nshards);
                q->da[i]->rsq = 1;
                q->da[i]->c_lost = q->c_discard_full;
            }
            q->c_spooled = sluice_counter(e, q->name, "sluice.queue", "disk.enqueued");
            q->c_unspooled = sluice_counter(e, q->name, "sluice.queue", "disk.dequeued");
        }
    }
    q->thr = sl_xcalloc(q->nshards, sizeof *q->thr);
    q->workers = sl_xcalloc(q->nshards, sizeof *q->workers);
    e->rsqs = sl_xrealloc(e->rsqs, (e->nrsqs + 1) * sizeof *e->rsqs);
    e->rsqs[e->nrsqs++] = q;
    e->nworkers_max += q->nshards;
    return q;
}

static void build_rulesets(struct sl_engine *e)
{
    struct sl_queue_conf mqc;
    queue_defaults(&mqc, 1);
    for (struct sl_obj *o = e->cnf->objs; o != NULL; o = o->next) {
        if (o->type == SL_OBJ_MAIN_QUEUE) {
            apply_queue_params(e, &mqc, o->kv, "main_queue()", &o->loc);
            sl_params_check_unused(o->kv, "main_queue()", NULL);
        }
    }
    struct sl_loc mloc = { "", 0 };
    for (struct sl_obj *o = e->cnf->objs; o != NULL; o = o->next) {
        if (o->type == SL_OBJ_MAIN_QUEUE) {
            mloc = o->loc;
        }
    }
    struct sl_rsq *mainq = rsq_new(e, "main Q", &mqc, &mloc);
    sl_parser_objs_check(e->cnf);
    for (struct sl_ruleset_ir *r = e->cnf->rulesets; r != NULL; r = r->next) {
        struct sl_ruleset_rt *rt = sl_xcalloc(1, sizeof *rt);
        rt->ir = r;
        r->rt = rt;
        rt->q = mainq;
        if (has_queue_params(r->kv)) {
            struct sl_queue_conf qc;
            queue_defaults(&qc, 1);
            char what[300];
            snprintf(what, sizeof what, "ruleset '%s'", r->name);
            apply_queue_params(e, &qc, r->kv, what, &r->loc);
            rt->q = rsq_new(e, r->name, &qc, &r->loc);
        }
        static const char *const rs_known[] = { "name", "parser", NULL };
        char what[300];
        snprintf(what, sizeof what, "ruleset '%s'", r->name);
        rt->popts = e->popts;
        sl_parser_chain_build(e->cnf, sl_kv_find(r->kv, "parser"), &e->popts, &rt->chain);
        rt->popts.chain = rt->chain;
        sl_params_check_unused(r->kv, what, rs_known);
        e->rulesets = sl_xrealloc(e->rulesets, (e->nrulesets + 1) * sizeof *e->rulesets);
        e->rulesets[e->nrulesets++] = rt;
    }
    e->default_rs = e->nrulesets > 0 ? e->rulesets[0] : NULL;
    if (e->default_rs == NULL) {
        /* an empty config still has the default ruleset */
        static struct sl_ruleset_ir empty = { .name = "RSYSLOG_DefaultRuleset" };
        struct sl_ruleset_rt *rt = sl_xcalloc(1, sizeof *rt);
        rt->ir = &empty;
        rt->q = mainq;
        rt->popts = e->popts;
        e->rulesets = sl_xrealloc(e->rulesets, sizeof *e->rulesets);
        e->rulesets[e->nrulesets++] = rt;
        e->default_rs = rt;
    }
}

/* Action types that stock configs use and sluice does not provide yet: accepted with a
 * warning (the action does nothing) so a distribution config still loads. */
static const char *const unsupported_actions[] = { NULL };   /* none at the moment */

static void build_action(struct sl_engine *e, struct sl_action_ir *ai)
{
    const char *type = kv_str(ai->kv, "type");
    if (type == NULL) {
        sl_cfg_error(&ai->loc, "action(): parameter 'type' is missing");
        return;
    }
    struct sl_module_rt *m = find_module(e, type);
    if (m == NULL && is_skipped(e, type)) {
        sl_cfg_warn(&ai->loc, "action of skipped module '%s' ignored", type);
        mark_all_used(ai->kv);
        return;
    }
    if (m == NULL) {
        for (int i = 0; unsupported_actions[i] != NULL; i++) {
            if (strcasecmp(type, unsupported_actions[i]) == 0) {
                sl_cfg_warn(&ai->loc, "action type '%s' is not supported yet: action ignored",
                            type);
                for (struct sl_kv *kv = ai->kv; kv != NULL; kv = kv->next) {
                    kv->used = 1;
                }
                return;
            }
        }
        sl_cfg_error(&ai->loc, "action type '%s' is unknown: module not loaded or not a "
                               "sluice module (add module(load=\"%s\")?)", type, type);
        return;
    }
    if (!(m->pl->kinds & (SL_OUTPUT | SL_MODIFIER))) {
        sl_cfg_error(&ai->loc, "module '%s' is neither an output nor a message modification "
                               "module", type);
        return;
    }
    struct sl_action_rt *a = sl_xcalloc(1, sizeof *a);
    a->eng = e;
    a->ir = ai;
    a->mod = m;
    a->pl = m->pl;
    a->index = e->nactions;
    pthread_mutex_init(&a->wrk_lock, NULL);
    pthread_mutex_init(&a->direct_lock, NULL);
    pthread_mutex_init(&a->err_lock, NULL);
    a->err_fd = -1;
    char what[256];
    snprintf(what, sizeof what, "action '%s'", type);
    struct sl_param_resolver res = { resolve_tpl, resolve_ruleset, e };
    int errs = sl_params_apply(action_params, &a->ac, ai->kv, &res, what, &ai->loc);
    queue_defaults(&a->qc, 0);
    apply_queue_params(e, &a->qc, ai->kv, what, &ai->loc);
    pthread_mutex_init(&a->rep_lock, NULL);
    {
        /* the modules rsyslog reports as compatible with repeated-message reduction */
        static const char *const rep_mods[] = { "omfile", "omfwd", "ompipe", "omusrmsg", NULL };
        for (int i = 0; e->g.reduce_repeated && rep_mods[i] != NULL; i++) {
            a->rep_on |= strcmp(a->pl->name, rep_mods[i]) == 0;
        }
    }
    a->inst = a->pl->inst_size ? sl_xcalloc(1, a->pl->inst_size) : NULL;
    if (a->inst != NULL) {
        errs += sl_params_apply(a->pl->inst_params, a->inst, ai->kv, &res, what, &ai->loc);
    }
    errs += sl_params_check_unused(ai->kv, what, action_accepted);
    char nm[300];
    if (a->ac.name != NULL) {
        snprintf(nm, sizeof nm, "%s", a->ac.name);
    } else if (ai->name != NULL) {
        snprintf(nm, sizeof nm, "%s", ai->name);
    } else {
        snprintf(nm, sizeof nm, "action-%zu-%s", e->nactions, a->pl->name);
    }
    a->name = sl_xstrdup(nm);
    ai->rt = a;
    e->actions = sl_xrealloc(e->actions, (e->nactions + 1) * sizeof *e->actions);
    e->actions[e->nactions++] = a;
    a->is_mod = !(a->pl->kinds & SL_OUTPUT);
    int (*create)(void *, void *, const struct sl_host *) =
        a->is_mod ? a->pl->mod->create : a->pl->out->create;
    if (errs == 0 && create != NULL) {
        if (create(a->inst, m->modconf, &host) != 0) {
            sl_cfg_error(&ai->loc, "%s: the action could not be created", what);
            return;
        }
    }
    a->created = errs == 0;
    if (a->is_mod && a->qc.type != SL_QT_DIRECT) {
        sl_cfg_warn(&ai->loc, "%s: a message modification module runs inline; its queue "
                              "settings are ignored", what);
        a->qc.type = SL_QT_DIRECT;
    }
    a->queued = a->qc.type != SL_QT_DIRECT;
    if (a->queued && (a->qc.type == SL_QT_DISK || a->qc.filename != NULL)) {
        const char *dir = a->qc.spool_dir != NULL ? a->qc.spool_dir : e->g.work_directory;
        if (a->qc.filename == NULL) {
            sl_cfg_error(&ai->loc, "%s: queue.type=\"Disk\" needs queue.filename", what);
        } else if (dir == NULL) {
            sl_cfg_error(&ai->loc, "%s: queue.filename needs a directory: set "
                                   "global(workDirectory=...) or queue.spoolDirectory", what);
        } else {
            a->da = da_new(e, &a->qc, dir, a->qc.filename, a->name, &a->ring, 1);
        }
    }
    if (a->queued) {
        sl_ring_init(&a->ring, (size_t)a->qc.size);
        char qn[320];
        snprintf(qn, sizeof qn, "%s queue", a->name);
        ring_discard_setup(&a->ring, &a->qc, 1, &a->q_nf);
        a->c_discard_full = &a->q_full;
        a->nthr = (size_t)a->qc.workers;
        a->thr = sl_xcalloc(a->nthr, sizeof *a->thr);
        e->nworkers_max += a->nthr;
    }
    /* rsyslog's core.action set, in its order; sluice's own counters in a set of their own
     * so the rsyslog line keeps rsyslog's keys */
    a->c_processed = counter_in_set(e, a->name, "core.action", "processed");
    a->c_failed = counter_in_set(e, a->name, "core.action", "failed");
    a->c_suspended = counter_in_set(e, a->name, "core.action", "suspended");
    a->c_susp_dur = counter_in_set(e, a->name, "core.action", "suspended.duration");
    a->c_resumed = counter_in_set(e, a->name, "core.action", "resumed");
    a->c_discarded = sluice_counter(e, a->name, "sluice.action", "discarded");
    if (a->ac.error_file != NULL && !a->is_mod) {
        /* the record's "template0" is the action's template as rsyslog renders it; sluice
         * takes it from template= (or the legacy default) and the module's default */
        const char *tn = kv_str(ai->kv, "template");
        if (tn == NULL) {
            tn = strcasecmp(a->pl->name, "omfwd") == 0 ? "RSYSLOG_TraditionalForwardFormat"
                                                       : "RSYSLOG_FileFormat";
        }
        a->err_tpl = sl_tpl_find(e->tpls, tn);
    }
    if (a->da != NULL) {
        a->da->c_lost = a->c_discarded;
    }
}

static void walk_actions(struct sl_engine *e, struct sl_stmt *st)
{
    for (; st != NULL; st = st->next) {
        switch (st->type) {
        case SL_ST_ACTION:
            build_action(e, &st->u.act);
            break;
        case SL_ST_IF:
            walk_actions(e, st->u.cond.then_);
            walk_actions(e, st->u.cond.else_);
            break;
        case SL_ST_PRIFILT:
            walk_actions(e, st->u.prifilt.then_);
            break;
        case SL_ST_PROPFILT:
            walk_actions(e, st->u.propfilt.then_);
            break;
        case SL_ST_FOREACH:
            walk_actions(e, st->u.foreach_.body);
            break;
        default:
            break;
        }
    }
}

static void input_counters(struct sl_engine *e, struct sl_input_ctx *ctx, struct sl_kv *kvs);

/* Inputs flagged SL_PF_MODULE_INSTANCE run as soon as their module is loaded (rsyslog's
 * imuxsock system socket, imklog): one instance with default parameters, bound to the
 * default ruleset, named after the module. */
static void build_module_inputs(struct sl_engine *e)
{
    for (struct sl_module_rt *m = e->modules; m != NULL; m = m->next) {
        if (!(m->pl->kinds & SL_INPUT) || !(m->pl->flags & SL_PF_MODULE_INSTANCE) ||
            m->pl->in == NULL) {
            continue;
        }
        struct sl_input_ctx *ctx = sl_xcalloc(1, sizeof *ctx);
        ctx->eng = e;
        ctx->mod = m;
        ctx->loc = m->loc;
        ctx->no_delay = (m->pl->flags & SL_PF_NO_DELAY) != 0;
        ctx->rs = e->default_rs;
        /* the module's ruleset= (impstats) binds the instance's messages */
        for (struct sl_obj *o = e->cnf->objs; o != NULL; o = o->next) {
            const char *ld = o->type == SL_OBJ_MODULE ? kv_str(o->kv, "load") : NULL;
            const char *rsn = ld != NULL && strcasecmp(ld, m->pl->name) == 0
                                  ? kv_str(o->kv, "ruleset") : NULL;
            if (rsn != NULL && find_ruleset(e, rsn) != NULL) {
                ctx->rs = find_ruleset(e, rsn);
            } else if (rsn != NULL) {
                sl_cfg_error(&o->loc, "module '%s': ruleset '%s' is not defined", ld, rsn);
            }
        }
        ctx->inputname = sl_xstrdup(m->pl->name);
        char what[256];
        snprintf(what, sizeof what, "module '%s'", m->pl->name);
        int errs = 0;
        ctx->inst = m->pl->inst_size ? sl_xcalloc(1, m->pl->inst_size) : NULL;
        if (ctx->inst != NULL) {
            errs += sl_params_apply(m->pl->inst_params, ctx->inst, NULL, NULL, what, &m->loc);
        }
        input_counters(e, ctx, NULL);
        e->inputs = sl_xrealloc(e->inputs, (e->ninputs + 1) * sizeof *e->inputs);
        e->inputs[e->ninputs++] = ctx;
        if (errs == 0 && m->pl->in->create(ctx->inst, m->modconf, &host, ctx) != 0) {
            sl_cfg_error(&m->loc, "%s: the input could not be created", what);
            continue;
        }
        ctx->created = errs == 0;
    }
}

/* rsyslog's statistics object names for inputs: "NAME(514)" for imtcp, "NAME(ADDR/514/IPv4)"
 * for imudp and imptcp, with ADDR "*" when unset (its listener per address family is one set here), else the input
 * name. */
static void input_counters(struct sl_engine *e, struct sl_input_ctx *ctx, struct sl_kv *kvs)
{
    const char *mod = ctx->mod->pl->name;
    struct sl_kv *pk = sl_kv_find(kvs, "port");
    const char *port = pk == NULL ? NULL : pk->is_array ? (pk->arr.n ? pk->arr.v[0] : NULL)
                                                       : pk->str;
    struct sl_kv *ak = sl_kv_find(kvs, "address");
    const char *addr = ak != NULL && !ak->is_array && ak->str != NULL ? ak->str : "*";
    char set[512];
    if (port != NULL && (strcasecmp(mod, "imudp") == 0 || strcasecmp(mod, "imptcp") == 0)) {
        snprintf(set, sizeof set, "%s(%s/%s/IPv4)", ctx->inputname, addr, port);
    } else if (port != NULL && strcasecmp(mod, "imtcp") == 0) {
        snprintf(set, sizeof set, "%s(%s)", ctx->inputname, port);
    } else {
        snprintf(set, sizeof set, "%s", ctx->inputname);
    }
    ctx->c_submitted = counter_in_set(e, set, mod, "submitted");
    if (strcasecmp(mod, "imudp") == 0) {
        counter_in_set(e, set, mod, "disallowed");   /* rsyslog's key; sluice has no ACLs */
    }
    ctx->c_dropped = sluice_counter(e, set, "sluice.input", "dropped.queue_full");
}

static void build_inputs(struct sl_engine *e)
{
    struct sl_param_resolver res = { resolve_tpl, resolve_ruleset, e };
    build_module_inputs(e);
    for (struct sl_obj *o = e->cnf->objs; o != NULL; o = o->next) {
        if (o->type != SL_OBJ_INPUT) {
            continue;
        }
        const char *type = kv_str(o->kv, "type");
        if (type == NULL) {
            sl_cfg_error(&o->loc, "input(): parameter 'type' is missing");
            continue;
        }
        struct sl_module_rt *m = find_module(e, type);
        if (m == NULL && is_skipped(e, type)) {
            sl_cfg_warn(&o->loc, "input of skipped module '%s' ignored", type);
            mark_all_used(o->kv);
            continue;
        }
        if (m == NULL) {
            sl_cfg_error(&o->loc, "input module '%s' is not loaded (add module(load=\"%s\") "
                                  "before the input)", type, type);
            continue;
        }
        if (!(m->pl->kinds & SL_INPUT)) {
            sl_cfg_error(&o->loc, "module '%s' is not an input module", type);
            continue;
        }
        struct sl_input_ctx *ctx = sl_xcalloc(1, sizeof *ctx);
        ctx->eng = e;
        ctx->mod = m;
        ctx->loc = o->loc;
        ctx->no_delay = (m->pl->flags & SL_PF_NO_DELAY) != 0;
        const char *rsname = kv_str(o->kv, "ruleset");
        ctx->rs = e->default_rs;
        int errs = 0;
        if (rsname != NULL) {
            ctx->rs = find_ruleset(e, rsname);
            if (ctx->rs == NULL) {
                sl_cfg_error(&o->loc, "input '%s': ruleset '%s' is not defined", type, rsname);
                errs++;
                ctx->rs = e->default_rs;
            }
        }
        const char *iname = kv_str(o->kv, "name");
        /* rsyslog's inputname is the module name unless name= is given */
        ctx->inputname = sl_xstrdup(iname != NULL ? iname : m->pl->name);
        char what[256];
        snprintf(what, sizeof what, "input '%s'", type);
        ctx->inst = m->pl->inst_size ? sl_xcalloc(1, m->pl->inst_size) : NULL;
        if (ctx->inst != NULL) {
            errs += sl_params_apply(m->pl->inst_params, ctx->inst, o->kv, &res, what, &o->loc);
        }
        errs += sl_params_check_unused(o->kv, what, NULL);
        input_counters(e, ctx, o->kv);
        e->inputs = sl_xrealloc(e->inputs, (e->ninputs + 1) * sizeof *e->inputs);
        e->inputs[e->ninputs++] = ctx;
        if (errs == 0 && m->pl->in->create(ctx->inst, m->modconf, &host, ctx) != 0) {
            sl_cfg_error(&o->loc, "%s: the input could not be created", what);
            continue;
        }
        ctx->created = errs == 0;
    }
}

struct sl_engine *sl_engine_build(struct sl_cnf *cnf, const struct sl_engine_opts *o)
{
    struct sl_engine *e = sl_xcalloc(1, sizeof *e);
    e->cnf = cnf;
    e->opts = *o;
    pthread_mutex_init(&e->counters_lock, NULL);
    pthread_mutex_init(&e->sleep_lock, NULL);
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&e->sleep_cv, &ca);
    pthread_condattr_destroy(&ca);
    cur_engine = e;
    e->c_internal_dropped = counter_new(e, "sluiced", "", "internal.dropped");
    e->tpls = sl_tpl_registry_new();
    sl_expr_bind_lookups(cnf);   /* lookup_table() files are read and checked at load time */
    build_globals(e);
    build_templates(e);
    sl_expr_bind_templates(cnf, e->tpls, sl_tpl_find, sl_template_render);   /* exec_template() */
    build_modules(e);
    build_rulesets(e);
    for (size_t i = 0; i < e->nrulesets; i++) {
        walk_actions(e, e->rulesets[i]->ir->stmts);
    }
    /* action.execOnlyWhenPreviousIsSuspended: the action before a failover action must not
     * stall on failure (see action_try) */
    for (size_t i = 1; i < e->nactions; i++) {
        if (e->actions[i]->ac.exec_when_prev_suspended) {
            e->actions[i - 1]->has_backup = 1;
        }
    }
    build_inputs(e);
    return e;
}

/* ---------------------------------------------------------------------------------------
 * Delivery
 * ------------------------------------------------------------------------------------- */
static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Sleep up to ms, cut short when the engine gives up at shutdown. */
static void backoff_sleep(struct sl_engine *e, int64_t ms)
{
    struct timespec dl;
    clock_gettime(CLOCK_MONOTONIC, &dl);
    dl.tv_sec += ms / 1000;
    dl.tv_nsec += (ms % 1000) * 1000000L;
    if (dl.tv_nsec >= 1000000000L) {
        dl.tv_sec++;
        dl.tv_nsec -= 1000000000L;
    }
    pthread_mutex_lock(&e->sleep_lock);
    while (!atomic_load(&e->give_up)) {
        if (pthread_cond_timedwait(&e->sleep_cv, &e->sleep_lock, &dl) == ETIMEDOUT) {
            break;
        }
    }
    pthread_mutex_unlock(&e->sleep_lock);
}

static void *action_wrk(struct sl_action_rt *a, size_t wid)
{
    if (a->pl->wrk_size == 0) {
        return NULL;
    }
    if (a->wrks[wid] == NULL) {
        pthread_mutex_lock(&a->wrk_lock);
        void *w = sl_xcalloc(1, a->pl->wrk_size);
        int (*wc)(void *, void *) = a->is_mod ? a->pl->mod->worker_create
                                              : a->pl->out->worker_create;
        if (wc != NULL && wc(a->inst, w) != 0) {
            sl_log(SL_LOG_ERR, a->name, "worker could not be created");
        }
        a->wrks[wid] = w;
        pthread_mutex_unlock(&a->wrk_lock);
    }
    return a->wrks[wid];
}

/* rsyslog's status codes in action.errorFile records */
#define RS_RET_SUSPENDED (-2007)
#define RS_RET_DATAFAIL (-2218)

/* action.errorFile: one JSON object per message, rsyslog's layout
 * { "action": "NAME", "status": N, "template0": "rendered text" }.  mask NULL: all of msgs. */
static void error_file_write(struct sl_action_rt *a, struct sl_msg **msgs, const uint8_t *mask,
                             size_t n, int status)
{
    if (a->ac.error_file == NULL) {
        return;
    }
    struct sl_buf txt = { 0 };
    pthread_mutex_lock(&a->err_lock);
    if (a->err_fd < 0) {
        a->err_fd = open(a->ac.error_file, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0660);
        if (a->err_fd < 0) {
            sl_log(SL_LOG_ERR, a->name, "action '%s': error file %s cannot be opened: %s",
                   a->name, a->ac.error_file, strerror(errno));
        }
    }
    for (size_t i = 0; i < n && a->err_fd >= 0; i++) {
        if (mask != NULL && !mask[i]) {
            continue;
        }
        txt.len = 0;
        if (a->err_tpl != NULL) {
            sl_template_render(a->err_tpl, msgs[i], &txt);
        }
        struct fjson_object *o = fjson_object_new_object();
        fjson_object_object_add(o, "action", fjson_object_new_string(a->name));
        fjson_object_object_add(o, "status", fjson_object_new_int(status));
        fjson_object_object_add(o, "template0",
                                fjson_object_new_string_len(txt.p ? txt.p : "", (int)txt.len));
        const char *js = fjson_object_to_json_string(o);
        size_t len = strlen(js);
        struct iovec iov[2] = { { (void *)js, len }, { (void *)"\n", 1 } };
        if (writev(a->err_fd, iov, 2) != (ssize_t)(len + 1)) {
            sl_log(SL_LOG_ERR, a->name, "action '%s': error writing error file %s", a->name,
                   a->ac.error_file);
        }
        fjson_object_put(o);
    }
    pthread_mutex_unlock(&a->err_lock);
    sl_buf_free(&txt);
}

/* One deliver() call for msgs[0..n); returns how many leading messages are done (n: all).
 * Permanent failures (SL_BAD_DATA) are done too: counted as failed, written to the error
 * file. */
static size_t deliver_once(struct sl_action_rt *a, void *wrk, struct sl_msg **msgs, size_t n)
{
    uint8_t badbuf[256];
    uint8_t *bad = n <= sizeof badbuf ? badbuf : sl_xcalloc(n, 1);
    memset(bad, 0, n);
    struct sl_batch b = { n, msgs, NULL };
    struct sl_verdict v = { 0, bad };
    int rc = a->pl->out->deliver(a->inst, wrk, &b, &v);
    size_t done = 0;
    if (rc == SL_OK) {
        done = n;
    } else if (rc == SL_BAD_DATA) {
        size_t nbad = 0;
        for (size_t i = 0; i < n; i++) {
            nbad += bad[i] != 0;
        }
        atomic_fetch_add_explicit(a->c_failed, nbad, memory_order_relaxed);
        error_file_write(a, msgs, bad, n, RS_RET_DATAFAIL);
        done = n;
    } else if (rc == SL_PARTIAL) {
        done = v.done < n ? v.done : n;
    }
    if (bad != badbuf) {
        free(bad);
    }
    return done;
}

static void action_resumed(struct sl_action_rt *a)
{
    if (atomic_exchange(&a->suspended, 0)) {
        atomic_fetch_add(a->c_resumed, 1);
        if (a->ac.report_suspension) {
            sl_log(SL_LOG_INFO, a->name, "action '%s' resumed (module '%s')", a->name,
                   a->pl->name);
        }
    }
}

static void action_suspend(struct sl_action_rt *a, int64_t interval)
{
    atomic_fetch_add(a->c_susp_dur, (uint64_t)(interval / 1000));
    if (!atomic_exchange(&a->suspended, 1)) {
        atomic_fetch_add(a->c_suspended, 1);
        if (a->ac.report_suspension) {
            sl_log(SL_LOG_WARNING, a->name,
                   "action '%s' suspended (module '%s'), retry in %lld seconds", a->name,
                   a->pl->name, (long long)(interval / 1000));
        }
    }
}

/* Deliver n messages through action a with worker block wrk, owning the retry loop:
 * an immediate retry first (a broken connection is often fixed by reconnecting), then
 * back-off from action.resumeInterval doubling up to action.resumeIntervalMax, for
 * action.resumeRetryCount retries (-1: until shutdown gives up). */
/* Returns how many trailing messages were NOT delivered: only when keep != 0 and shutdown
 * gave up (the caller saves them to disk); otherwise undeliverable ones are discarded and
 * counted (and written to action.errorFile), and 0 is returned. */
static size_t action_deliver(struct sl_action_rt *a, void *wrk, struct sl_msg **msgs, size_t n,
                             int keep)
{
    struct sl_engine *e = a->eng;
    size_t off = 0;
    int64_t attempt = 0;
    int64_t interval = a->ac.resume_interval * 1000;
    while (off < n) {
        size_t done = deliver_once(a, wrk, msgs + off, n - off);
        if (done > 0) {
            off += done;
            attempt = 0;
            if (off >= n) {
                action_resumed(a);
                return 0;
            }
            continue;
        }
        /* SL_RETRY / SL_SUSPEND / anything unknown */
        attempt++;
        if (attempt == 1) {
            continue;   /* immediate retry */
        }
        action_suspend(a, interval);
        if (keep && atomic_load(&e->give_up)) {
            return n - off;
        }
        if ((a->ac.resume_retry_count >= 0 && attempt - 1 > a->ac.resume_retry_count) ||
            atomic_load(&e->give_up)) {
            atomic_fetch_add(a->c_discarded, n - off);
            atomic_fetch_add(a->c_failed, n - off);
            error_file_write(a, msgs + off, NULL, n - off, RS_RET_SUSPENDED);
            sl_log(SL_LOG_ERR, a->name, "action '%s': %zu message(s) discarded after %lld "
                   "failed retries%s", a->name, n - off, (long long)(attempt - 1),
                   atomic_load(&e->give_up) ? " (shutdown deadline passed)" : "");
            return 0;
        }
        backoff_sleep(e, interval);
        interval *= 2;
        if (interval > a->ac.resume_interval_max * 1000) {
            interval = a->ac.resume_interval_max * 1000;
        }
    }
    return 0;
}

/* A direct action with a failover action after it (rsyslog's execOnlyWhenPreviousIsSuspended
 * chain): it is suspended after its first failed attempt (and the immediate reconnect
 * retry), and while suspended it is not tried at all until the back-off has passed; the
 * messages it did not take go to the next action instead of waiting.  Returns how many
 * trailing messages were not taken (counted as failed, as rsyslog does). */
static size_t action_try(struct sl_action_rt *a, void *wrk, struct sl_msg **msgs, size_t n)
{
    size_t off = 0;
    int attempt = 0;
    if (atomic_load(&a->suspended) && now_ms() < atomic_load(&a->resume_at)) {
        atomic_fetch_add_explicit(a->c_failed, n, memory_order_relaxed);
        return n;
    }
    while (off < n) {
        size_t done = deliver_once(a, wrk, msgs + off, n - off);
        if (done > 0) {
            off += done;
            attempt = 0;
            continue;
        }
        if (++attempt == 1 && !atomic_load(&a->suspended)) {
            continue;   /* immediate retry */
        }
        int64_t iv = atomic_load(&a->interval);
        iv = iv <= 0 ? a->ac.resume_interval * 1000 : iv * 2;
        if (iv > a->ac.resume_interval_max * 1000) {
            iv = a->ac.resume_interval_max * 1000;
        }
        if (atomic_load(&a->suspended)) {
            atomic_store(&a->interval, iv);
        } else {
            atomic_store(&a->interval, a->ac.resume_interval * 1000);
            iv = a->ac.resume_interval * 1000;
        }
        atomic_store(&a->resume_at, now_ms() + iv);
        action_suspend(a, iv);
        atomic_fetch_add_explicit(a->c_failed, n - off, memory_order_relaxed);
        return n - off;
    }
    atomic_store(&a->interval, 0);
    action_resumed(a);
    return 0;
}

static const char *intern_input(void *arg, const char *name);

/* Append msgs to sp (serialised); waits while the disk is full (queue.maxDiskSpace) up to
 * wait_ms (< 0: until shutdown gives up), which holds up the producer (a ruleset worker, or
 * for a ruleset queue the input thread) and so the TCP senders; once shutdown gave up
 * waiting, saveOnShutdown lifts the limit.  Called with da->lock held.  Returns how many
 * were written (all of them unless the wait ended, shutdown gave up without saveOnShutdown,
 * or a write failed). */
static size_t da_append(struct sl_da *da, struct sl_spool *sp, struct sl_msg **v, size_t n,
                        int64_t wait_ms)
{
    struct iovec iov[256];
    size_t done = 0;
    int64_t until = wait_ms > 0 ? now_ms() + wait_ms : 0;
    while (done < n) {
        size_t k = n - done < 256 ? n - done : 256;
        size_t offs[257];
        da->ser.len = 0;
        for (size_t i = 0; i < k; i++) {
            offs[i] = da->ser.len;
            const struct sl_ruleset_rt *rs = v[done + i]->ruleset;
            sl_msg_serialize(v[done + i], rs != NULL ? rs->ir->name : "", &da->ser);
        }
        offs[k] = da->ser.len;
        for (size_t i = 0; i < k; i++) {
            iov[i].iov_base = da->ser.p + offs[i];
            iov[i].iov_len = offs[i + 1] - offs[i];
        }
        int rc = sl_spool_append(sp, iov, k);
        if (rc == SL_EAGAIN) {
            if (atomic_load(&da->eng->give_up) && da->qc->save_on_shutdown != 0) {
                /* shutdown: what was accepted is saved (after the spool's records, keeping
                 * the order) even past queue.maxDiskSpace; the excess is bounded by what the
                 * queues and the inputs' last read held */
                sl_spool_set_max_disk(sp, 0);
                continue;
            }
            if (atomic_load(&da->eng->give_up) || wait_ms == 0 ||
                (wait_ms > 0 && now_ms() >= until)) {
                break;
            }
            pthread_mutex_unlock(&da->lock);
            backoff_sleep(da->eng, 100);
            pthread_mutex_lock(&da->lock);
            continue;
        }
        if (rc != 0) {
            sl_log(SL_LOG_ERR, da->owner, "disk queue '%s': write failed; %zu message(s) lost",
                   da->name, n - done);
            break;
        }
        /* disk.enqueued counts records on disk: with syncQueueFiles, only once fdatasync
         * said so (tests/integration/crash-kill9.sh relies on it) */
        if (da->qc->sync_files && sl_spool_sync(sp) != 0) {
            sl_log(SL_LOG_ERR, da->owner, "disk queue '%s': sync failed; %zu message(s) written "
                   "but not known to be durable", da->name, k);
        } else {
            atomic_fetch_add(da->c_spooled, k);
        }
        done += k;
    }
    return done;
}

/* Input names of restored messages: the running inputs' interned names where they match,
 * else a name kept for the engine's lifetime. */
static const char *intern_input(void *arg, const char *name)
{
    struct sl_engine *e = arg;
    for (size_t i = 0; i < e->ninputs; i++) {
        if (strcmp(e->inputs[i]->inputname, name) == 0) {
            return e->inputs[i]->inputname;
        }
    }
    pthread_mutex_lock(&e->counters_lock);
    for (size_t i = 0; i < e->ninterned; i++) {
        if (strcmp(e->interned[i], name) == 0) {
            pthread_mutex_unlock(&e->counters_lock);
            return e->interned[i];
        }
    }
    e->interned = sl_xrealloc(e->interned, (e->ninterned + 1) * sizeof *e->interned);
    const char *r = e->interned[e->ninterned++] = sl_xstrdup(name);
    pthread_mutex_unlock(&e->counters_lock);
    return r;
}

/* Into a disk-assisted queue: the ring while it is below the high watermark and nothing is
 * spooled, else the spool (in order: once spilling, everything goes to the spool until the
 * consumer has drained it).  Returns how many were taken (the spooled ones are unreferenced:
 * the spool has its copy); the caller owns v[ret..n) (disk full for wait_ms, or shutdown). */
static size_t da_push(struct sl_da *da, struct sl_msg **v, size_t n, int64_t wait_ms)
{
    size_t off = 0;
    pthread_mutex_lock(&da->lock);
    if (!da->spooling) {
        size_t len = sl_ring_len(da->ring);
        size_t room = len < da->high ? da->high - len : 0;
        off = sl_ring_push(da->ring, v, n < room ? n : room, 0);
        if (off < n) {
            da->spooling = 1;
        }
    }
    size_t written = 0;
    if (off < n) {
        /* da_append drops the lock while the disk is full: the consumer may empty the spool
         * meanwhile, and must not switch back to memory while the rest is still to come */
        da->appending++;
        written = da_append(da, da->spool, v + off, n - off, wait_ms);
        da->appending--;
    }
    pthread_mutex_unlock(&da->lock);
    for (size_t i = off; i < off + written; i++) {
        sl_msg_unref(v[i]);
    }
    return off + written;
}

/* Shutdown gave up while direct action a still held m (a disk-assisted ruleset queue's
 * worker): the batch is kept from m on (saved to disk by the worker, and run again after the
 * restart: other actions may see some messages twice - duplicates, not loss). */
static void keep_unsent(struct sl_worker *w, struct sl_action_rt *a, struct sl_msg *m)
{
    for (size_t i = 0; i < w->ncur; i++) {
        if (w->cur[i] == m) {
            if (i < w->save_from) {
                w->save_from = i;
            }
            return;
        }
    }
    atomic_fetch_add(a->c_discarded, 1);    /* not of this batch: cannot be kept */
}

static void flush_action(struct sl_worker *w, size_t idx);

/* Is m among the messages action idx could not take in this batch?  Both lists are in
 * message order, so a cursor makes the usual lookups O(1). */
static int in_failed(struct sl_worker *w, size_t idx, struct sl_msg *m)
{
    struct sl_failed *f = &w->failed[idx];
    for (size_t k = 0; k < f->n; k++) {
        size_t i = (f->cur + k) % f->n;
        if (f->v[i] == m) {
            f->cur = i + 1;
            f->taken[i] = 1;
            return 1;
        }
    }
    return 0;
}

static void note_failed(struct sl_worker *w, size_t idx, struct sl_msg **v, size_t n)
{
    struct sl_failed *f = &w->failed[idx];
    if (f->n + n > f->cap) {
        f->cap = f->n + n + 64;
        f->v = sl_xrealloc(f->v, f->cap * sizeof *f->v);
        f->taken = sl_xrealloc(f->taken, f->cap);
    }
    memcpy(f->v + f->n, v, n * sizeof *v);   /* the batch holds a reference until it ends */
    memset(f->taken + f->n, 0, n);
    f->n += n;
    w->any_failed = 1;
}

/* execOnlyWhenPreviousIsSuspended: keep the pending messages whose previous action could
 * not take them (that action is delivered first if it still holds messages). */
static void filter_failover(struct sl_worker *w, size_t idx)
{
    struct sl_pending *p = &w->pend[idx];
    for (size_t i = 0; i < p->n; i++) {
        size_t c = p->cond[i] - 1;
        if (c != idx && w->pend[c].n > 0) {
            flush_action(w, c);
        }
    }
    size_t k = 0;
    for (size_t i = 0; i < p->n; i++) {
        if (in_failed(w, p->cond[i] - 1, p->v[i])) {
            p->v[k++] = p->v[i];
        } else {
            sl_msg_unref(p->v[i]);
        }
    }
    p->n = k;
}

static void flush_action(struct sl_worker *w, size_t idx)
{
    struct sl_action_rt *a = w->eng->actions[idx];
    struct sl_pending *p = &w->pend[idx];
    if (p->n > 0 && a->ac.exec_when_prev_suspended) {
        filter_failover(w, idx);
    }
    if (p->n == 0) {
        return;
    }
    atomic_fetch_add_explicit(a->c_processed, p->n, memory_order_relaxed);
    if (a->queued) {
        /* a full action queue: wait queue.timeoutEnqueue, then discard (counted); a
         * disk-assisted one spills instead and waits only when the disk is full */
        size_t pushed = a->da != NULL ? da_push(a->da, p->v, p->n, -1)
                                      : sl_ring_push_timed(&a->ring, p->v, p->n,
                                                           a->qc.timeout_enqueue);
        if (pushed < p->n) {
            atomic_fetch_add(a->c_discarded, p->n - pushed);
            if (a->da == NULL) {
                atomic_fetch_add(a->c_discard_full, p->n - pushed);
            }
        }
        for (size_t i = pushed; i < p->n; i++) {
            sl_msg_unref(p->v[i]);
        }
    } else {
        /* A direct action has one plugin worker, shared by every ruleset worker that runs
         * it (rsyslog's default single main-queue worker: one forwarding connection, one
         * writer per file).  Parallel outputs are what action queues with
         * queue.workerThreads are for. */
        pthread_mutex_lock(&a->direct_lock);
        size_t rem = 0;
        if (a->has_backup) {
            size_t nt = action_try(a, action_wrk(a, 0), p->v, p->n);
            note_failed(w, idx, p->v + (p->n - nt), nt);
        } else {
            rem = action_deliver(a, action_wrk(a, 0), p->v, p->n, w->rsda != NULL);
        }
        pthread_mutex_unlock(&a->direct_lock);
        if (rem > 0) {
            keep_unsent(w, a, p->v[p->n - rem]);
        }
        for (size_t i = 0; i < p->n; i++) {
            sl_msg_unref(p->v[i]);
        }
    }
    p->n = 0;
}

static int cmp_size(const void *x, const void *y)
{
    size_t a = *(const size_t *)x, b = *(const size_t *)y;
    return a < b ? -1 : a > b;
}

static void flush_all(struct sl_worker *w)
{
    w->pend_cur = NULL;
    qsort(w->touched, w->ntouched, sizeof *w->touched, cmp_size);
    for (size_t i = 0; i < w->ntouched; i++) {
        flush_action(w, w->touched[i]);
    }
    w->ntouched = 0;
}

#define SL_PENDING_MAX 1024

/* Add m (the caller's reference passes) to the worker's pending list for action a; cond is
 * index+1 of the action it fails over from (execOnlyWhenPreviousIsSuspended), else unused. */
static void pend_push(struct sl_worker *w, struct sl_action_rt *a, struct sl_msg *m, size_t cond)
{
    struct sl_pending *p = &w->pend[a->index];
    if (p->n == 0) {
        int seen = 0;
        for (size_t i = 0; i < w->ntouched; i++) {
            seen |= w->touched[i] == a->index;
        }
        if (!seen) {
            w->touched[w->ntouched++] = a->index;
        }
    }
    if (p->n == p->cap) {
        p->cap = p->cap ? p->cap * 2 : 64;
        p->v = sl_xrealloc(p->v, p->cap * sizeof *p->v);
        if (a->ac.exec_when_prev_suspended) {
            p->cond = sl_xrealloc(p->cond, p->cap * sizeof *p->cond);
        }
    }
    if (a->ac.exec_when_prev_suspended) {
        p->cond[p->n] = (uint32_t)cond;
    }
    p->v[p->n++] = m;
    if (p->n >= SL_PENDING_MAX) {
        flush_action(w, a->index);
    }
}

/* ---- $RepeatedMsgReduction, as rsyslog 8.2302's action layer does it -------------------
 * A message with the same MSG, HOSTNAME, PROCID and APP-NAME as the action's previous one
 * is held back and counted.  The next different message first lets the held repeat
 * through: the message itself after one repeat, otherwise a copy of the last repeat with
 * MSG " message repeated N times: [MSG]".  While repeats go on, one is let through that way
 * when the last record is older than 30 s (then 60 s), and at shutdown the held repeat is
 * let through.  Like rsyslog 8.2302 (observed: nothing within 65 s), a held repeat is not
 * flushed by a timer when no message follows. */
static const int64_t rep_intervals[] = { 30, 60 };

static int rep_prop_eq(struct sl_msg *x, struct sl_msg *y, enum sl_prop id)
{
    struct sl_propref r = { id, NULL };
    char tx[SL_PROP_TMP], ty[SL_PROP_TMP];
    char *fx = NULL, *fy = NULL;
    size_t lx, ly;
    const char *px = sl_msg_prop(x, &r, &lx, tx, &fx);
    const char *py = sl_msg_prop(y, &r, &ly, ty, &fy);
    int eq = lx == ly && memcmp(px, py, lx) == 0;
    free(fx);
    free(fy);
    return eq;
}

static int rep_same(struct sl_msg *x, struct sl_msg *y)
{
    return rep_prop_eq(x, y, SL_PROP_MSG) && rep_prop_eq(x, y, SL_PROP_HOSTNAME) &&
           rep_prop_eq(x, y, SL_PROP_PROCID) && rep_prop_eq(x, y, SL_PROP_APP_NAME);
}

/* What lets n held repeats of prev through: prev itself for one, else the summary. */
static struct sl_msg *rep_release(struct sl_engine *e, struct sl_msg *prev, int n)
{
    if (n == 1) {
        return sl_msg_ref(prev);
    }
    struct sl_buf ser = { NULL, 0, 0 };
    struct sl_msg *c = NULL;
    if (sl_msg_serialize(prev, "", &ser) == 0) {
        c = sl_msg_deserialize(ser.p, ser.len, NULL, 0, intern_input, e);
    }
    free(ser.p);
    if (c == NULL) {
        return sl_msg_ref(prev);   /* cannot copy: the repeat itself is better than nothing */
    }
    struct sl_ruleset_rt *rs = prev->ruleset != NULL ? prev->ruleset : e->default_rs;
    c->ruleset = prev->ruleset;
    sl_msg_parse(c, &rs->popts);
    struct sl_propref r = { SL_PROP_MSG, NULL };
    char tmp[SL_PROP_TMP], *fr = NULL, text[1024];
    size_t ml;
    const char *mp = sl_msg_prop(prev, &r, &ml, tmp, &fr);
    /* (rsyslog 8.2302 includes the message also with $RepeatedMsgContainsOriginalMsg off) */
    int tl = snprintf(text, sizeof text, " message repeated %d times: [%.*s]", n,
                      (int)(ml < 800 ? ml : 800), mp);
    free(fr);
    (void)sl_msg_replace_msg(c, text, (size_t)tl);
    return c;
}

/* Returns 1 if m is held back as a repeat.  *emit: a message (own reference) to deliver
 * before m, or NULL. */
static int rep_filter(struct sl_action_rt *a, struct sl_msg *m, struct sl_msg **emit)
{
    int held = 0;
    int64_t now = (int64_t)time(NULL);

    *emit = NULL;
    pthread_mutex_lock(&a->rep_lock);
    if (a->rep_prev != NULL && rep_same(a->rep_prev, m)) {
        a->rep_count++;
        sl_msg_unref(a->rep_prev);
        a->rep_prev = sl_msg_ref(m);   /* the newest repeat: its header is used */
        held = 1;
        if (now > a->rep_time + rep_intervals[a->rep_backoff]) {
            *emit = rep_release(a->eng, m, a->rep_count);
            a->rep_count = 0;
            a->rep_time = now;
            if (a->rep_backoff + 1 < (int)(sizeof rep_intervals / sizeof rep_intervals[0])) {
                a->rep_backoff++;
            }
        }
    } else {
        if (a->rep_prev != NULL) {
            if (a->rep_count > 0) {
                *emit = rep_release(a->eng, a->rep_prev, a->rep_count);
            }
            sl_msg_unref(a->rep_prev);
        }
        a->rep_prev = sl_msg_ref(m);
        a->rep_count = 0;
        a->rep_backoff = 0;
        a->rep_time = now;
    }
    pthread_mutex_unlock(&a->rep_lock);
    return held;
}

/* At shutdown, after the ruleset workers ended: let every held repeat through, into the
 * action's queue (or straight to a direct action). */
static void rep_flush_all(struct sl_engine *e)
{
    for (size_t i = 0; i < e->nactions; i++) {
        struct sl_action_rt *a = e->actions[i];
        struct sl_msg *m = NULL;
        if (!a->rep_on) {
            continue;
        }
        pthread_mutex_lock(&a->rep_lock);
        if (a->rep_prev != NULL && a->rep_count > 0) {
            m = rep_release(e, a->rep_prev, a->rep_count);
            a->rep_count = 0;
        }
        pthread_mutex_unlock(&a->rep_lock);
        if (m == NULL) {
            continue;
        }
        if (a->da != NULL) {
            if (da_push(a->da, &m, 1, -1) != 1) {   /* da_push unrefs what it took */
                atomic_fetch_add(a->c_discarded, 1);
                sl_msg_unref(m);
            }
        } else if (a->queued) {
            if (sl_ring_push(&a->ring, &m, 1, 1) != 1) {
                atomic_fetch_add(a->c_discarded, 1);
                sl_msg_unref(m);
            }
        } else {
            pthread_mutex_lock(&a->direct_lock);
            action_deliver(a, action_wrk(a, 0), &m, 1, 0);
            pthread_mutex_unlock(&a->direct_lock);
            sl_msg_unref(m);
        }
    }
}

static void exec_action(void *ctx, struct sl_action_ir *ai, struct sl_msg *m)
{
    struct sl_worker *w = ctx;
    struct sl_action_rt *a = ai->rt;
    if (a == NULL || !a->created) {
        return;
    }
    /* rsyslog: an action with execOnlyWhenPreviousIsSuspended runs for a message only if
     * the action run before it for that message was suspended; skipped, it leaves that
     * state as it was.  The answer is known when the previous action has delivered, so
     * the entry remembers which action it depends on (filter_failover). */
    size_t cond = w->last;
    if (a->ac.exec_when_prev_suspended && cond == 0) {
        return;
    }
    w->last = a->index + 1;
    if (a->is_mod) {
        /* actions before this one see the message as it was (as after set/unset): what they
         * hold of m is delivered first.  Entries of earlier messages of the batch are not
         * affected, so when m is not pending nothing is flushed: a flush per message made
         * every direct action after a modifier deliver batches of one (and the ruleset
         * workers contend for its lock). */
        if (w->pend_cur == m || a->ac.exec_when_prev_suspended) {
            flush_all(w);
        }
        if (a->ac.exec_when_prev_suspended && !in_failed(w, cond - 1, m)) {
            return;
        }
        a->pl->mod->process(a->inst, action_wrk(a, w->id), m);
        atomic_fetch_add_explicit(a->c_processed, 1, memory_order_relaxed);
        return;
    }
    if (a->rep_on) {
        struct sl_msg *emit;
        int held = rep_filter(a, m, &emit);
        if (emit != NULL) {
            pend_push(w, a, emit, cond);
        }
        if (held) {
            return;
        }
    }
    pend_push(w, a, sl_msg_ref(m), cond);
    w->pend_cur = m;
}

/* set/unset (or a new foreach value) is about to change m: if direct actions hold m, deliver
 * what they collected so far, so they render the values of the moment they ran.  (Queued actions still share the message;
 * see the note at the top of this file.) */
static void exec_modify(void *ctx, struct sl_msg *m)
{
    struct sl_worker *w = ctx;
    if (m == NULL || w->pend_cur == m) {   /* NULL: a $/ variable, shared by all messages */
        flush_all(w);
    }
}

static const struct sl_exec_ops exec_ops = { .action = exec_action, .modify = exec_modify };

static struct sl_worker *worker_new(struct sl_engine *e)
{
    struct sl_worker *w = sl_xcalloc(1, sizeof *w);
    w->eng = e;
    w->id = e->nworkers++;
    w->pend = sl_xcalloc(e->nactions ? e->nactions : 1, sizeof *w->pend);
    w->failed = sl_xcalloc(e->nactions ? e->nactions : 1, sizeof *w->failed);
    w->touched = sl_xcalloc(e->nactions ? e->nactions : 1, sizeof *w->touched);
    return w;
}

static void worker_free(struct sl_worker *w)
{
    if (w == NULL) {
        return;
    }
    for (size_t i = 0; i < w->eng->nactions; i++) {
        free(w->pend[i].v);
        free(w->pend[i].cond);
        free(w->failed[i].v);
        free(w->failed[i].taken);
    }
    free(w->pend);
    free(w->failed);
    free(w->touched);
    free(w);
}

/* End of a batch.  Messages an action handed on that no failover action took (its filter
 * did not match them, or the flag sits on an action of another list) go back to that action
 * with its normal retry policy: handing on must never lose a message.  Then the lists,
 * which point into the batch, are forgotten. */
static void batch_end_failover(struct sl_worker *w)
{
    if (!w->any_failed) {
        return;
    }
    for (size_t i = 0; i < w->eng->nactions; i++) {
        struct sl_failed *f = &w->failed[i];
        size_t k = 0;
        for (size_t j = 0; j < f->n; j++) {
            if (!f->taken[j]) {
                f->v[k++] = f->v[j];
            }
        }
        if (k > 0) {
            struct sl_action_rt *a = w->eng->actions[i];
            atomic_fetch_sub_explicit(a->c_failed, k, memory_order_relaxed);
            pthread_mutex_lock(&a->direct_lock);
            action_deliver(a, action_wrk(a, 0), f->v, k, 0);
            pthread_mutex_unlock(&a->direct_lock);
        }
        f->n = 0;
        f->cur = 0;
    }
    w->any_failed = 0;
}

/* Parse and run a batch through its rulesets; returns how many trailing messages a direct
 * action kept at shutdown (disk-assisted ruleset queues only; see keep_unsent). */
static size_t rsq_process(struct sl_worker *w, struct sl_msg **batch, size_t n)
{
    struct sl_engine *e = w->eng;
    w->cur = batch;
    w->ncur = w->save_from = n;
    for (size_t i = 0; i < n; i++) {
        struct sl_msg *m = batch[i];
        struct sl_ruleset_rt *rs = m->ruleset != NULL ? m->ruleset : e->default_rs;
        sl_msg_parse(m, &rs->popts);
        if (!(m->flags & SL_MSGF_UNPARSED)) {   /* no parser of the chain took it */
            w->last = 0;
            sl_ruleset_exec(rs->ir, m, &exec_ops, w);
        }
    }
    flush_all(w);
    batch_end_failover(w);
    w->ncur = 0;
    return n - w->save_from;
}

static void *da_worker_main(struct sl_worker *w, struct sl_da *da, size_t max,
                            size_t (*process)(struct sl_worker *, struct sl_msg **, size_t));

static void *rsq_worker_main(void *arg)
{
    struct sl_worker *w = arg;
    size_t max = (size_t)w->q->qc.batch;
    if (w->rsda != NULL) {
        return da_worker_main(w, w->rsda, max, rsq_process);
    }
    struct sl_msg **batch = sl_xcalloc(max, sizeof *batch);
    size_t n;
    while ((n = sl_ring_pop(w->ring, batch, max, -1)) > 0) {
        rsq_process(w, batch, n);
        for (size_t i = 0; i < n; i++) {
            sl_msg_unref(batch[i]);
        }
    }
    free(batch);
    return NULL;
}

/* Save messages the action could not deliver before the shutdown deadline: to the head
 * spool (replayed first at the next start) when saveOnShutdown is on, else counted lost. */
static void da_save(struct sl_da *da, struct sl_msg **v, size_t n)
{
    if (n == 0) {
        return;
    }
    if (da->qc->save_on_shutdown != 0 && da->head != NULL) {
        pthread_mutex_lock(&da->lock);
        size_t w = da_append(da, da->head, v, n, -1);
        sl_spool_sync(da->head);
        pthread_mutex_unlock(&da->lock);
        if (w < n) {
            atomic_fetch_add(da->c_lost, n - w);
        }
    } else {
        atomic_fetch_add(da->c_lost, n);
        sl_log(SL_LOG_ERR, da->owner, "%zu message(s) discarded at shutdown "
               "(queue.saveOnShutdown is off)", n);
    }
}

/* One batch from the head spool or the spool (in that order).  Returns the messages decoded
 * into out; *peeked is how many records were looked at (records that cannot be decoded are
 * counted as discarded and skipped); 0 with *peeked 0 when both spools are empty. */
static size_t da_take(struct sl_da *da, struct sl_msg **out, size_t max,
                      struct sl_spool **from, size_t *peeked)
{
    struct sl_spool_rec recs[256];
    size_t n = 0, k = 0;
    if (max > 256) {
        max = 256;
    }
    if (da->replay_left > 0 && max > da->replay_left) {
        max = (size_t)da->replay_left;  /* a batch of old records only (see da_worker_main) */
    }
    pthread_mutex_lock(&da->lock);
    struct sl_spool *sp = NULL;
    if (da->head != NULL && sl_spool_count(da->head) > 0) {
        sp = da->head;
    } else if (da->spool != NULL && sl_spool_count(da->spool) > 0) {
        sp = da->spool;
    }
    if (sp != NULL && sl_spool_peek(sp, recs, max, &n) == 0) {
        for (size_t i = 0; i < n; i++) {
            char rs[256] = "";
            struct sl_msg *m = sl_msg_deserialize(recs[i].p, recs[i].len, rs, sizeof rs,
                                                  intern_input, da->eng);
            if (m == NULL) {
                sl_log(SL_LOG_ERR, da->owner, "disk queue '%s': undecodable record dropped",
                       da->name);
                atomic_fetch_add(da->c_lost, 1);
                continue;
            }
            if (da->rsq) {
                /* back to its ruleset; parsed by the ruleset worker, outside this lock */
                m->ruleset = rs[0] != '\0' ? find_ruleset(da->eng, rs) : NULL;
            } else {
                /* parsed again with the parser chain of the ruleset it came from */
                struct sl_ruleset_rt *src = rs[0] != '\0' ? find_ruleset(da->eng, rs) : NULL;
                sl_msg_parse(m, src != NULL ? &src->popts : &da->eng->popts);
            }
            out[k++] = m;
        }
    } else if (sp == NULL && !da->disk_only && da->appending == 0 &&
               sl_ring_len(da->ring) == 0) {
        /* drained: back to memory.  Not while a producer is inside da_append (it may wait
         * for disk space half way through a batch): the rest of it goes to the spool, and
         * its next batch must not overtake that through the ring */
        da->spooling = 0;
    }
    pthread_mutex_unlock(&da->lock);
    *from = sp;
    *peeked = n;
    return k;
}

/* A queued action's batch through its output; returns how many trailing messages were not
 * delivered because shutdown gave up. */
static size_t da_process_action(struct sl_worker *w, struct sl_msg **batch, size_t n)
{
    return action_deliver(w->act, action_wrk(w->act, w->id), batch, n, 1);
}

/* The consumer of a disk-assisted queue (an action's, or one shard of a ruleset queue's):
 * the ring first, then the head spool, then the spool; process() handles a batch and returns
 * how many trailing messages shutdown kept it from handling (saved, or left on disk). */
static void *da_worker_main(struct sl_worker *w, struct sl_da *da, size_t max,
                            size_t (*process)(struct sl_worker *, struct sl_msg **, size_t))
{
    struct sl_engine *e = w->eng;
    struct sl_msg **batch = sl_xcalloc(max, sizeof *batch);
    for (;;) {
        /* After a restart, the shards of a ruleset queue first replay what they had on disk,
         * and none takes anything new before all have: "replayed first" holds across flows
         * and shards.  (New input waits in the rings and spools meanwhile.) */
        if (da->replaying != NULL && da->replay_left == 0 && atomic_load(da->replaying) > 0) {
            if (atomic_load(&e->give_up)) {
                break;
            }
            backoff_sleep(e, 20);
            continue;
        }
        size_t n = sl_ring_pop(da->ring, batch, max, 0);
        if (n > 0) {
            size_t rem = atomic_load(&e->give_up) ? n : process(w, batch, n);
            da_save(da, batch + (n - rem), rem);
            for (size_t i = 0; i < n; i++) {
                sl_msg_unref(batch[i]);
            }
            continue;
        }
        struct sl_spool *from = NULL;
        size_t peeked = 0;
        size_t k = da_take(da, batch, max, &from, &peeked);
        if (peeked > 0) {
            size_t rem = k == 0 || atomic_load(&e->give_up) ? k : process(w, batch, k);
            pthread_mutex_lock(&da->lock);
            /* all delivered: the whole peek is done; a partial delivery at shutdown acks the
             * delivered prefix when no record was skipped (else none: duplicates, not loss) */
            size_t ack = rem == 0 ? peeked : (peeked == k ? k - rem : 0);
            sl_spool_ack(from, ack);
            sl_spool_rewind(from);
            pthread_mutex_unlock(&da->lock);
            if (da->replay_left > 0 && rem == 0) {
                da->replay_left -= peeked < da->replay_left ? peeked : da->replay_left;
                if (da->replay_left == 0 && da->replaying != NULL) {
                    atomic_fetch_sub(da->replaying, 1);
                }
            }
            atomic_fetch_add(da->c_unspooled, k - rem);
            for (size_t i = 0; i < k; i++) {
                sl_msg_unref(batch[i]);
            }
            if (rem > 0) {
                break;          /* shutdown gave up: the rest stays on disk */
            }
            continue;
        }
        if (sl_ring_closed(da->ring) && sl_ring_len(da->ring) == 0) {
            break;              /* closed, and ring and spools are empty */
        }
        if (atomic_load(&e->give_up)) {
            break;
        }
        /* nothing anywhere: wait for the ring (new spool data wakes us within 100 ms) */
        n = sl_ring_pop(da->ring, batch, max, 100);
        if (n > 0) {
            size_t rem = atomic_load(&e->give_up) ? n : process(w, batch, n);
            da_save(da, batch + (n - rem), rem);
            for (size_t i = 0; i < n; i++) {
                sl_msg_unref(batch[i]);
            }
        }
    }
    /* whatever is still in the ring (shutdown gave up) goes to the head spool */
    size_t n;
    while ((n = sl_ring_pop(da->ring, batch, max, 0)) > 0) {
        da_save(da, batch, n);
        for (size_t i = 0; i < n; i++) {
            sl_msg_unref(batch[i]);
        }
    }
    free(batch);
    return NULL;
}

static void *action_worker_main(void *arg)
{
    struct sl_worker *w = arg;
    struct sl_action_rt *a = w->act;
    if (a->da != NULL) {
        return da_worker_main(w, a->da, (size_t)a->qc.batch, da_process_action);
    }
    size_t max = (size_t)a->qc.batch;
    struct sl_msg **batch = sl_xcalloc(max, sizeof *batch);
    size_t n;
    void *wrk = NULL;
    while ((n = sl_ring_pop(&a->ring, batch, max, -1)) > 0) {
        if (wrk == NULL) {
            wrk = action_wrk(a, w->id);
        }
        action_deliver(a, wrk, batch, n, 0);
        for (size_t i = 0; i < n; i++) {
            sl_msg_unref(batch[i]);
        }
    }
    free(batch);
    return NULL;
}

static void *input_main(void *arg)
{
    struct sl_input_ctx *ctx = arg;
    int rc = ctx->mod->pl->in->run(ctx->inst);
    if (rc != 0 && !atomic_load(&ctx->eng->stopping)) {
        sl_log(SL_LOG_ERR, ctx->mod->pl->name, "input '%s' stopped with error %d",
               ctx->inputname, rc);
    }
    return NULL;
}

/* ---------------------------------------------------------------------------------------
 * Start / stop
 * ------------------------------------------------------------------------------------- */
int sl_engine_open_inputs(struct sl_engine *e)
{
    int errs = 0;
    for (size_t i = 0; i < e->ninputs; i++) {
        struct sl_input_ctx *ctx = e->inputs[i];
        if (!ctx->created) {
            continue;
        }
        if (ctx->mod->pl->in->open != NULL && ctx->mod->pl->in->open(ctx->inst) != 0) {
            sl_cfg_error(&ctx->loc, "input '%s' could not be opened", ctx->mod->pl->name);
            errs++;
            continue;
        }
        ctx->opened = 1;
    }
    return errs ? SL_EIO : 0;
}

static int da_open_one(struct sl_da *da, const char *name, struct sl_spool **out)
{
    struct sl_spool_opts so = {
        .dir = da->dir,
        .name = name,
        .max_segment_bytes = (uint64_t)da->qc->max_file_size,
        .max_disk_bytes = da->max_disk,
        .sync = da->qc->sync_files ? SL_SPOOL_SYNC_BATCH : SL_SPOOL_SYNC_NONE,
        .checkpoint_interval = (uint32_t)da->qc->checkpoint,
    };
    struct sl_spool_report rep;
    memset(&rep, 0, sizeof rep);
    int rc = sl_spool_open(&so, out, &rep);
    if (rc != 0) {
        sl_log(SL_LOG_ERR, da->owner, "disk queue '%s' in %s cannot be opened (error %d)", name,
               da->dir, rc);
        return rc;
    }
    if (rep.segments_set_aside > 0 || rep.state_recovered) {
        sl_log(SL_LOG_WARNING, da->owner, "disk queue '%s': %u damaged segment(s) set aside "
               "(*.bad, about %llu message(s) in them)%s", name, rep.segments_set_aside,
               (unsigned long long)rep.records_lost,
               rep.state_recovered ? "; state file rebuilt from the segments" : "");
    }
    if (rep.records > 0) {
        sl_log(SL_LOG_INFO, da->owner, "disk queue '%s': %llu message(s) from before the restart "
               "are delivered first", name, (unsigned long long)rep.records);
        da->spooling = 1;
    }
    return 0;
}

/* Disk queues are opened at start (not at -N1), recovering what a previous run left. */
static int da_open(struct sl_engine *e, struct sl_da *da)
{
    if (da->c_spooled == NULL) {
        da->c_spooled = sluice_counter(e, da->owner, "sluice.action", "disk.enqueued");
        da->c_unspooled = sluice_counter(e, da->owner, "sluice.action", "disk.dequeued");
    }
    char head[1024];
    snprintf(head, sizeof head, "%s.shutdown", da->name);
    if (da_open_one(da, head, &da->head) != 0 || da_open_one(da, da->name, &da->spool) != 0) {
        return SL_EIO;
    }
    if (da->qc->save_on_shutdown < 0) {
        da->qc->save_on_shutdown = 1; /* with a disk queue, keep what is in memory at shutdown */
    }
    return 0;
}

int sl_engine_start(struct sl_engine *e)
{
    for (size_t i = 0; i < e->nactions; i++) {
        if (e->actions[i]->da != NULL && da_open(e, e->actions[i]->da) != 0) {
            return SL_EIO;
        }
    }
    for (size_t i = 0; i < e->nrsqs; i++) {
        struct sl_rsq *q = e->rsqs[i];
        for (size_t s = 0; q->da != NULL && s < q->nshards; s++) {
            q->da[s]->c_spooled = q->c_spooled;
            q->da[s]->c_unspooled = q->c_unspooled;
            if (da_open(e, q->da[s]) != 0) {
                return SL_EIO;
            }
            struct sl_da *da = q->da[s];
            da->replaying = &q->replaying;
            da->replay_left = sl_spool_count(da->head) + sl_spool_count(da->spool);
            if (da->replay_left > 0) {
                atomic_fetch_add(&q->replaying, 1);
            }
        }
    }
    for (size_t i = 0; i < e->nactions; i++) {
        struct sl_action_rt *a = e->actions[i];
        a->wrks = sl_xcalloc(e->nworkers_max + 1, sizeof *a->wrks);
    }
    for (size_t i = 0; i < e->nactions; i++) {
        struct sl_action_rt *a = e->actions[i];
        if (!a->queued) {
            continue;
        }
        a->qworkers = sl_xcalloc(a->nthr, sizeof *a->qworkers);
        for (size_t t = 0; t < a->nthr; t++) {
            struct sl_worker *w = worker_new(e);
            w->act = a;
            a->qworkers[t] = w;
            pthread_create(&a->thr[t], NULL, action_worker_main, w);
        }
    }
    for (size_t i = 0; i < e->nrsqs; i++) {
        struct sl_rsq *q = e->rsqs[i];
        for (size_t s = 0; s < q->nshards; s++) {
            struct sl_worker *w = worker_new(e);
            w->q = q;
            w->ring = &q->shards[s];
            w->rsda = q->da != NULL ? q->da[s] : NULL;
            q->workers[s] = w;
            pthread_create(&q->thr[s], NULL, rsq_worker_main, w);
        }
        q->started = 1;
    }
    if (e->g.process_internal) {
        sl_log_set_sink(log_sink);
    } else {
        openlog("sluiced", LOG_NDELAY, LOG_SYSLOG);
        sl_log_set_sink(log_sink_syslog);
    }
    sl_log_set_stderr(e->opts.foreground);
    sl_log(SL_LOG_INFO, NULL, "[origin software=\"sluiced\" swVersion=\"%s\" x-pid=\"%d\"] start",
           PACKAGE_VERSION, (int)getpid());
    for (size_t i = 0; i < e->ninputs; i++) {
        struct sl_input_ctx *ctx = e->inputs[i];
        if (!ctx->opened) {
            continue;
        }
        if (pthread_create(&ctx->thr, NULL, input_main, ctx) == 0) {
            ctx->running = 1;
        }
    }
    return 0;
}

void sl_engine_hup(struct sl_engine *e)
{
    for (size_t i = 0; i < e->ninputs; i++) {
        struct sl_input_ctx *ctx = e->inputs[i];
        const struct sl_plugin *pl = ctx->mod->pl;
        if (ctx->opened && pl->abi_minor >= 2 && pl->in->hup != NULL) {
            pl->in->hup(ctx->inst);
        }
    }
    for (size_t i = 0; i < e->nactions; i++) {
        struct sl_action_rt *a = e->actions[i];
        if (a->created && !a->is_mod && a->pl->out->hup != NULL) {
            a->pl->out->hup(a->inst);
        }
    }
}

static void join_until(pthread_t t, int64_t deadline, struct sl_engine *e)
{
    while (now_ms() < deadline) {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        ts.tv_nsec += 100 * 1000000L;
        if (ts.tv_nsec >= 1000000000L) {
            ts.tv_sec++;
            ts.tv_nsec -= 1000000000L;
        }
        if (pthread_timedjoin_np(t, NULL, &ts) == 0) {
            return;
        }
    }
    /* past the deadline: suspended actions stop retrying so everything can drain */
    atomic_store(&e->give_up, 1);
    pthread_mutex_lock(&e->sleep_lock);
    pthread_cond_broadcast(&e->sleep_cv);
    pthread_mutex_unlock(&e->sleep_lock);
    pthread_join(t, NULL);
}

void sl_engine_stop(struct sl_engine *e, int signo)
{
    atomic_store(&e->stopping, 1);
    int64_t deadline = now_ms() + (e->nrsqs ? e->rsqs[0]->qc.timeout_shutdown : 10000);
    for (size_t i = 0; i < e->ninputs; i++) {
        struct sl_input_ctx *ctx = e->inputs[i];
        if (ctx->running && ctx->mod->pl->in->stop != NULL) {
            ctx->mod->pl->in->stop(ctx->inst);
        }
    }
    for (size_t i = 0; i < e->ninputs; i++) {
        struct sl_input_ctx *ctx = e->inputs[i];
        if (ctx->running) {
            join_until(ctx->thr, deadline, e);
            ctx->running = 0;
        }
    }
    if (signo > 0) {
        sl_log(SL_LOG_INFO, NULL, "[origin software=\"sluiced\" swVersion=\"%s\" x-pid=\"%d\"] "
               "exiting on signal %d.", PACKAGE_VERSION, (int)getpid(), signo);
    }
    /* ruleset queues drain: their workers see the close after the last message */
    for (size_t i = 0; i < e->nrsqs; i++) {
        struct sl_rsq *q = e->rsqs[i];
        for (size_t s = 0; s < q->nshards; s++) {
            sl_ring_close(&q->shards[s]);
        }
    }
    for (size_t i = 0; i < e->nrsqs; i++) {
        struct sl_rsq *q = e->rsqs[i];
        if (!q->started) {
            continue;
        }
        if (i == 0) {
            sl_log_set_sink(NULL);  /* nothing may enter the main queue now */
        }
        for (size_t s = 0; s < q->nshards; s++) {
            join_until(q->thr[s], deadline, e);
        }
        q->started = 0;
    }
    sl_log_set_sink(NULL);
    rep_flush_all(e);   /* $RepeatedMsgReduction: the repeats still held back */
    for (size_t i = 0; i < e->nactions; i++) {
        struct sl_action_rt *a = e->actions[i];
        if (!a->queued || a->thr == NULL) {
            continue;
        }
        sl_ring_close(&a->ring);
        for (size_t t = 0; t < a->nthr; t++) {
            if (a->thr[t]) {
                join_until(a->thr[t], deadline, e);
            }
        }
        free(a->thr);
        a->thr = NULL;
    }
}

void sl_engine_free(struct sl_engine *e)
{
    if (e == NULL) {
        return;
    }
    for (size_t i = 0; i < e->ninputs; i++) {
        struct sl_input_ctx *ctx = e->inputs[i];
        if (ctx->created && ctx->mod->pl->in->destroy != NULL) {
            ctx->mod->pl->in->destroy(ctx->inst);
        }
        sl_params_free(ctx->mod->pl->inst_params, ctx->inst);
        free(ctx->inst);
        free(ctx->inputname);
        free(ctx);
    }
    free(e->inputs);
    for (size_t i = 0; i < e->nactions; i++) {
        struct sl_action_rt *a = e->actions[i];
        for (size_t w = 0; a->wrks != NULL && w <= e->nworkers_max; w++) {
            if (a->wrks[w] != NULL) {
                void (*wd)(void *, void *) = a->is_mod ? a->pl->mod->worker_destroy
                                                       : a->pl->out->worker_destroy;
                if (wd != NULL) {
                    wd(a->inst, a->wrks[w]);
                }
                free(a->wrks[w]);
            }
        }
        free(a->wrks);
        void (*destroy)(void *) = a->is_mod ? a->pl->mod->destroy : a->pl->out->destroy;
        if (a->created && destroy != NULL) {
            destroy(a->inst);
        }
        if (a->queued) {
            sl_ring_destroy(&a->ring);
        }
        da_free(a->da);
        free(a->thr);
        for (size_t t = 0; a->qworkers != NULL && t < a->nthr; t++) {
            worker_free(a->qworkers[t]);
        }
        free(a->qworkers);
        sl_params_free(a->pl->inst_params, a->inst);
        sl_params_free(action_params, &a->ac);
        sl_params_free(queue_params, &a->qc);
        free(a->inst);
        free(a->name);
        pthread_mutex_destroy(&a->wrk_lock);
        pthread_mutex_destroy(&a->direct_lock);
        if (a->err_fd >= 0) {
            close(a->err_fd);
        }
        pthread_mutex_destroy(&a->err_lock);
        if (a->rep_prev != NULL) {
            sl_msg_unref(a->rep_prev);
        }
        pthread_mutex_destroy(&a->rep_lock);
        free(a);
    }
    free(e->actions);
    for (size_t i = 0; i < e->nrsqs; i++) {
        struct sl_rsq *q = e->rsqs[i];
        for (size_t s = 0; s < q->nshards; s++) {
            sl_ring_destroy(&q->shards[s]);
            worker_free(q->workers[s]);
            if (q->da != NULL) {
                da_free(q->da[s]);
            }
        }
        free(q->da);
        free(q->shards);
        free(q->thr);
        free(q->workers);
        sl_params_free(queue_params, &q->qc);
        free(q->name);
        free(q);
    }
    free(e->rsqs);
    for (size_t i = 0; i < e->nrulesets; i++) {
        if (e->rulesets[i]->ir != NULL) {
            e->rulesets[i]->ir->rt = NULL;
        }
        free(e->rulesets[i]->chain);
        free(e->rulesets[i]);
    }
    free(e->rulesets);
    while (e->modules != NULL) {
        struct sl_module_rt *m = e->modules;
        e->modules = m->next;
        if (m->inited && m->pl->mod_fini != NULL) {
            m->pl->mod_fini(m->modconf);
        }
        sl_params_free(m->pl->module_params, m->modconf);
        free(m->modconf);
        /* plugins stay mapped until exit: a thread they started may still be unwinding */
        free(m->name);
        free(m);
    }
    sl_tpl_registry_free(e->tpls);
    while (e->counters != NULL) {
        struct sl_counter *c = e->counters;
        e->counters = c->next;
        free(c->set);
        free(c->origin);
        free(c->name);
        free(c);
    }
    for (size_t i = 0; i < e->nskipped; i++) {
        free(e->skipped[i]);
    }
    free(e->skipped);
    for (size_t i = 0; i < e->ninterned; i++) {
        free(e->interned[i]);
    }
    free(e->interned);
    sl_params_free(global_params, &e->g);
    pthread_mutex_destroy(&e->counters_lock);
    pthread_mutex_destroy(&e->sleep_lock);
    pthread_cond_destroy(&e->sleep_cv);
    if (cur_engine == e) {
        cur_engine = NULL;
    }
    free(e);
}

void sl_engine_dump(struct sl_engine *e, FILE *out)
{
    fprintf(out, "# runtime\n");
    for (struct sl_module_rt *m = e->modules; m != NULL; m = m->next) {
        fprintf(out, "module %s (%s)\n", m->pl->name, m->dl ? "loaded" : "built-in");
    }
    for (size_t i = 0; i < e->nrsqs; i++) {
        struct sl_rsq *q = e->rsqs[i];
        fprintf(out, "queue '%s' type=%s size=%lld workers=%zu batch=%lld", q->name,
                queue_types[q->qc.type], (long long)q->qc.size, q->nshards,
                (long long)q->qc.batch);
        if (q->da != NULL) {
            fprintf(out, " spool=%s/%s highWatermark/shard=%zu", q->da[0]->dir, q->da[0]->name,
                    q->da[0]->high);
        }
        if (q->shards[0].discard_mark != SIZE_MAX) {
            fprintf(out, " discardMark/shard=%zu discardSeverity=%d", q->shards[0].discard_mark,
                    q->shards[0].discard_sev);
        }
        fputc('\n', out);
    }
    for (size_t i = 0; i < e->ninputs; i++) {
        struct sl_input_ctx *c = e->inputs[i];
        fprintf(out, "input %s name=%s ruleset=%s\n", c->mod->pl->name, c->inputname,
                c->rs->ir->name);
    }
    for (size_t i = 0; i < e->nactions; i++) {
        struct sl_action_rt *a = e->actions[i];
        fprintf(out, "action %s module=%s queue=%s resumeInterval=%lld resumeRetryCount=%lld\n",
                a->name, a->pl->name, queue_types[a->qc.type],
                (long long)a->ac.resume_interval, (long long)a->ac.resume_retry_count);
    }
}
