/*
 * engine_int.h - the engine's runtime objects, shared by the files of the engine only.
 *
 * The engine (engine.h) is one subsystem spread over several files, each with one job:
 *   engine.c        lifecycle: open inputs, start threads, HUP, stop (drain), free, dump
 *   engine_build.c  the build step: globals, templates, modules, queues, rulesets,
 *                   actions, inputs (sl_engine_build)
 *   engine_params.c the core's parameter tables (global(), queue.*, action.*) and the
 *                   reading of queue.* into a struct sl_queue_conf (defaults, rsyslog's
 *                   corrections, main_queue()), used by the build step
 *   action.c        the action state machine: deliver_once, the retry loop with its one
 *                   back-off (struct sl_backoff), failover tries, action.errorFile,
 *                   $RepeatedMsgReduction; ABI 1.4 connect/disconnect/flush and the
 *                   callbacks of the in-flight window (flight.c, deferred acknowledgement)
 *   queue_da.c      the disk-assisted queue (struct sl_da): a ring (queue.c) in front of
 *                   spools (spool.c), its producer (da_push) and its consumer loop; the
 *                   worker loop of a queued action with an in-flight window
 *                   (flight_worker_main), which acks the spool only in dequeue order
 *   worker.c        ruleset queues (push, shard), ruleset and action queue workers, the
 *                   per-worker pending lists and execOnlyWhenPreviousIsSuspended failover
 *   direct.c        queue.type="Direct" ruleset queues: the submitting input thread runs
 *                   the rules itself, with a worker context taken from a small pool
 *   stats.c         the counter registry and the statistics sets (impstats, SIGUSR1)
 *   host.c          the sl_host table handed to plugins, and the internal-message sinks
 * Nothing outside core/engine*.c, action.c, queue_da.c, worker.c, direct.c, stats.c, host.c, the
 * control socket (ctl.c, whose commands read the runtime as SIGUSR1 does) and the
 * rule tester (ruletest.c, which reads the built runtime and runs no thread)
 * includes this header; the rest of the core sees only engine.h.
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
 *     execOnlyWhenPreviousIsSuspended) belong to that worker only.  Direct actions get one
 *     plugin worker block per engine worker id, created lazily by that worker under the
 *     action's wrk_lock.
 *   - Back-off sleeps wait on eng->sleep_cv so shutdown can cut them short.
 *   - Counters are atomics in a registry that only grows at config time; plugins may add
 *     counters from create()/open() (main thread) and, rarely, later (under counters_lock).
 *   - A message handed to a *queued* action with action.copyMsg="on", or one that has
 *     local variables ($.), is copied at hand-off (worker.c msg_snapshot, rsyslog's
 *     MsgDup), and so is one handed to a ruleset with its own queue by call (exec_call).
 *     Known gap: without copyMsg and without $., the queued action shares the message; a
 *     later set/unset of $! may change it while the action's worker renders it (rsyslog
 *     shares it the same way).  Direct actions are safe (exec_modify).
 */
#ifndef SLUICE_CORE_ENGINE_INT_H
#define SLUICE_CORE_ENGINE_INT_H

#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include "conf/ir.h"
#include "engine.h"
#include "exec_gate.h"
#include "msg.h"
#include "params.h"
#include "parse/chain.h"
#include "plugin.h"
#include "queue.h"
#include "spool.h"
#include "template.h"
#include "util/buf.h"

/* ---------------------------------------------------------------------------------------
 * Core configuration blocks: global(), queue.*, action.* (their parameter tables are in
 * engine_params.c)
 * ------------------------------------------------------------------------------------- */
struct sl_global_conf {
    char *work_directory;
    int64_t max_message_size;
    char *local_hostname;
    int preserve_fqdn;
    int enable_dns;
    int dns_ttl_enable;          /* reverseLookup.cache.ttl.enable */
    int64_t dns_ttl;             /* reverseLookup.cache.ttl.default (s) */
    int escape_cc;
    char *cc_prefix;
    int drop_trailing_lf;
    int space_lf;
    int escape_tab;
    int escape_8bit;
    int escape_cc_cstyle;
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
    int strict_config;          /* sluice.strictConfig: errors rsyslog runs past stop the start */
    char *acl_udp, *acl_tcp;    /* $AllowedSender UDP / TCP lists (core/conf/acl.c) */
    char *control_socket;       /* sluice.controlSocket: sluicectl's socket (core/ctl.c) */
    int support_compression;    /* parser.supportCompressionExtension ('z' + zlib messages) */
};

enum { SL_QT_FIXEDARRAY = 0, SL_QT_LINKEDLIST, SL_QT_DIRECT, SL_QT_DISK };
/* queue.maxBytes default: what the queued messages of one memory queue may take (struct +
 * raw bytes).  rsyslog's main queue of 100,000 messages held ~64 MiB of 100-byte messages
 * under TCP load; producers wait at this bound instead (back-pressure, nothing is lost). */
#define SL_QUEUE_MAX_BYTES ((int64_t)4 << 20)

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
    char *discard_sev_text;     /* queue.discardSeverity as given (discard_sev: its value) */
    int64_t max_bytes;          /* queue.maxBytes (sluice only): byte bound of a memory queue,
                                 * 0 off; see sl_ring.max_bytes */
};

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
    int64_t exec_nth_timeout;
    int copy_msg;
    int write_all_marks;
    int64_t max_inflight;       /* action.maxInFlight: deferred acknowledgement window */
    int64_t ack_timeout;        /* action.ackTimeout, ms */
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
    int direct;                 /* queue.type="Direct": input threads run the rules (direct.c);
                                 * the one shard is the hand-off for internal messages and
                                 * outputs' submit_ruleset only, and no core.queue set */
};

struct sl_ruleset_rt {
    struct sl_ruleset_ir *ir;
    struct sl_rsq *q;           /* where messages bound to this ruleset are queued */
    int own_queue;              /* q is its own (ruleset(queue.*)), not the main queue */
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
    _Atomic size_t inflight;    /* messages an action queue worker has taken and not yet
                                 * delivered (the shutdown notice counts them) */
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
    int *wconn;                 /* per engine worker id: connect() succeeded (ABI 1.4) */
    struct sl_flight *flight;   /* queued action: the in-flight window (deferred
                                 * acknowledgement, core/flight.c); NULL: maxInFlight 0 */
    int created;
    _Atomic int suspended;
    _Atomic int64_t suspended_since; /* wall-clock s of the suspension (0: not suspended) */
    _Atomic uint64_t retries;   /* failed retries since it was suspended (sluicectl queues) */
    _Atomic uint64_t *c_processed, *c_failed, *c_suspended, *c_resumed, *c_discarded;
    _Atomic uint64_t *c_errfile, *c_errfile_lost;  /* errorfile.written / .failed */
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
    /* execOnlyEveryNthTime / execOnlyOnceEveryInterval (exec_gate.h); gate under gate_lock,
     * taken by every ruleset worker that runs the action, only when gate_on */
    /* action.writeAllMarkMessages="off": generation time (s) of the last message taken,
     * rsyslog's f_time (ABI 1.7 marks, worker.c) */
    _Atomic int64_t mark_last;
    int gate_on;
    pthread_mutex_t gate_lock;
    struct sl_exec_gate gate;
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
    /* SL_PF_THREADED inputs (ABI 1.4): `threads` run_thread() threads, thrs[0..nrunning)
     * started (engine.c); 0 for every other input (one thread, thr) */
    unsigned nthreads;
    unsigned nrunning;
    pthread_t *thrs;
    struct sl_input_thr {
        struct sl_input_ctx *ctx;
        unsigned index;
    } *targs;
    struct sl_loc loc;
    _Atomic uint64_t *c_submitted, *c_dropped;
    /* the input's messages between two submits came from one read (imtcp, imptcp, imudp):
     * they share one receive time, read from the clock once (host.c) */
    int batch_clock;
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
    unsigned long trace_id;     /* live trace: number of the message being traced */
};

struct sl_engine {
    struct sl_cnf *cnf;
    struct sl_parser_reg parsers; /* parser plugin instances (ABI 1.5, parse/chain.c) */
    struct sl_tzinfo *tz;       /* timezone() objects, sorted (parse/chain.c) */
    size_t ntz;
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
    _Atomic int64_t stop_deadline; /* monotonic ms: the shutdown deadline (flush()) */
    pthread_mutex_t sleep_lock;
    pthread_cond_t sleep_cv;
    _Atomic uint64_t *c_internal_dropped;
    _Atomic uint64_t *c_noparser;   /* parser.discarded: no parser of the chain took it */
    _Atomic uint64_t *c_unzip_done, *c_unzip_bad, *c_unzip_large;  /* parser.uncompress.* */
    char **skipped;             /* modules skipped under sluice.unknownModules="warn" */
    size_t nskipped;
    char **failed;              /* modules whose load failed (reported): their inputs and
                                 * actions get no follow-up "not loaded" error */
    size_t nfailed;
    char **interned;            /* input names of restored messages (under counters_lock) */
    size_t ninterned;
    struct sl_ruleset_ref *rrefs;   /* ABI 1.9 ruleset_ref handles (host.c), freed with e */
    struct sl_dpool *dpool;     /* worker contexts of inputs running a Direct queue (direct.c) */
};

/* Internal functions and tables of the engine files (see the list above). */
extern const struct sl_param global_params[];
extern const char *const queue_types[];
extern const struct sl_param queue_params[];
extern const struct sl_param action_params[];
extern const struct sl_param global_ignored[];   /* rsyslog globals accepted, not acted on */
extern const char *const global_accepted[];
extern const char *const action_accepted[];
/* engine_params.c: queue.* read into a struct sl_queue_conf (what is a queue's name, for
 * the messages: "ruleset 'x'", "action 'y'", "main_queue()") */
void queue_defaults(struct sl_queue_conf *qc, int main_queue);
int has_queue_params(struct sl_kv *kvs);
void check_queue_cry(struct sl_kv *kvs, const char *what);
void apply_queue_params(struct sl_engine *e, struct sl_queue_conf *qc, struct sl_kv *kvs,
                        const char *what, const struct sl_loc *loc);
void apply_main_queue_params(struct sl_engine *e, struct sl_queue_conf *mqc);
struct sl_ruleset_rt *find_ruleset(struct sl_engine *e, const char *name);
extern struct sl_engine *cur_engine;
extern const struct sl_host host;
void ruleset_refs_free(struct sl_engine *e);   /* host.c: ABI 1.9 ruleset_ref handles */
void log_sink_syslog(int severity, const char *text);
void log_sink(int severity, const char *text);
_Atomic uint64_t *counter_in_set(struct sl_engine *e, const char *set, const char *origin,
                                 const char *name);
_Atomic uint64_t *sluice_counter(struct sl_engine *e, const char *owner,
                                 const char *origin, const char *name);
_Atomic uint64_t *counter_new(struct sl_engine *e, const char *owner, const char *inst,
                              const char *name);
size_t rsq_shard(const struct sl_rsq *q, uint64_t key);
/* The shard of a flow key pushed from thread `home` of an input running `nthreads` threads
 * (home < 0: not an input thread, or an input with one thread): see rsq_push. */
size_t rsq_shard_from(size_t nshards, uint64_t key, int home, int nthreads);
/* Set by input_thread_main (engine.c) for the threads of an SL_PF_THREADED input: which of
 * how many this thread is; {-1, 0} on every other thread. */
struct sl_input_home {
    int index;
    int nthreads;
};
extern _Thread_local struct sl_input_home sl_input_home;
size_t rsq_push(struct sl_rsq *q, struct sl_msg **msgs, size_t n, uint64_t key,
                int64_t wait_ms);
struct sl_worker *worker_new(struct sl_engine *e);
void worker_free(struct sl_worker *w);
/* A parsed copy of m with the values of this moment (rsyslog's MsgDup; worker.c) */
struct sl_msg *msg_snapshot(struct sl_engine *e, struct sl_msg *m);
void *rsq_worker_main(void *arg);
size_t rsq_process(struct sl_worker *w, struct sl_msg **batch, size_t n);
/* direct.c: queue.type="Direct" ruleset queues */
void direct_pool_start(struct sl_engine *e);
void direct_pool_free(struct sl_engine *e);
int direct_run(struct sl_engine *e, struct sl_msg **msgs, size_t n);
void *action_worker_main(void *arg);
struct sl_da *da_new(struct sl_engine *e, struct sl_queue_conf *qc, const char *dir,
                     const char *name, const char *owner, struct sl_ring *ring,
                     size_t nshards);
void da_free(struct sl_da *da);
const char *intern_input(void *arg, const char *name);
size_t da_push(struct sl_da *da, struct sl_msg **v, size_t n, int64_t wait_ms);
void *da_worker_main(struct sl_worker *w, struct sl_da *da, size_t max,
                     size_t (*process)(struct sl_worker *, struct sl_msg **, size_t));
int da_open(struct sl_engine *e, struct sl_da *da);
int64_t now_ms(void);
void backoff_sleep(struct sl_engine *e, int64_t ms);
void *action_wrk(struct sl_action_rt *a, size_t wid);
size_t action_deliver(struct sl_action_rt *a, void *wrk, struct sl_msg **msgs, size_t n,
                      int keep);
size_t action_try(struct sl_action_rt *a, void *wrk, struct sl_msg **msgs, size_t n);
int rep_filter(struct sl_action_rt *a, struct sl_msg *m, struct sl_msg **emit);
/* ABI 1.4: deferred acknowledgement and the output lifecycle (action.c, queue_da.c) */
int action_call(struct sl_action_rt *a, void *wrk, const struct sl_batch *b,
                struct sl_verdict *v);
void action_flight_setup(struct sl_engine *e, struct sl_action_rt *a);
void action_lifecycle_end(struct sl_engine *e);
void host_batch_done(struct sl_ack *ack, int verdict, size_t done, const uint8_t *bad);
void *flight_worker_main(struct sl_worker *w);
struct sl_flight_take;
void da_flight_release(void *ctx, struct sl_flight_take *t);
void flight_abandon(void *ctx, struct sl_flight_take *t, struct sl_msg **msgs, size_t n);
void rep_flush_all(struct sl_engine *e);
struct sl_msg *rep_take(struct sl_engine *e, struct sl_action_rt *a);

/* takeover.c: warn about rsyslog's disk-queue files (*.qi, *.qf) in the queue directories */
void sl_report_rsyslog_queue_files(struct sl_engine *e);

#endif
