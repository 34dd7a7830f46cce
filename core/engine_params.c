/*
 * engine_params.c - the core's own parameter tables: global() (with the rsyslog globals
 * sluice accepts without acting on them), queue.* and action.*, and the lookups of global
 * values by name for the host (sl_engine_global_str/_int).  Split from engine_build.c,
 * which applies them; the reading of queue.* is here too: a queue's defaults
 * (queue_defaults), the parameters applied to a struct sl_queue_conf with rsyslog 8.2302's
 * corrections of values sluice cannot use (apply_queue_params, queue_correct,
 * queue.discardSeverity's mapping, queue.cry.provider refused), and main_queue() with
 * the $MainMsgQueue* directives (apply_main_queue_params).  engine_build.c builds the
 * queues from the struct sl_queue_conf.
 *
 * Ownership: the tables are constant; the values they describe live in the engine
 * (struct sl_global_conf, sl_queue_conf, sl_action_conf) and are freed by engine.c.  The
 * queue.* readers fill a struct sl_queue_conf the caller owns (its strings are freed with
 * sl_params_free); apply_kvs_where's copies of the entries are its own, freed before it
 * returns.
 * Concurrency & locking: the tables are read-only; the lookups read the engine's global
 * block, which is written once at build time on the main thread.  The queue.* readers run
 * on the main thread during sl_engine_build, before any engine thread exists.
 */

#include <stdlib.h>
#include <ctype.h>
#include <errno.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include "conf/expr_bind.h"
#include "expr/expr.h"
#include "log.h"
#include "util/syslog_names.h"
#include "engine_int.h"

/* ---------------------------------------------------------------------------------------
 * Core parameter tables: global(), queue.*, action.*
 * ------------------------------------------------------------------------------------- */
#define GOFF(f) offsetof(struct sl_global_conf, f)
static const char *const unknown_module_modes[] = { "error", "warn", NULL };
const struct sl_param global_params[] = {
    { "workDirectory", SL_PT_STRING, 0, GOFF(work_directory), NULL, NULL, "$WorkDirectory", NULL },
    { "maxMessageSize", SL_PT_SIZE, 0, GOFF(max_message_size), "8096", NULL, "$MaxMessageSize", NULL },
    { "localHostname", SL_PT_WORD, 0, GOFF(local_hostname), NULL, NULL, "$LocalHostName", NULL },
    { "preserveFQDN", SL_PT_BOOL, 0, GOFF(preserve_fqdn), "off", NULL, "$PreserveFQDN", NULL },
    { "net.enableDNS", SL_PT_BOOL, 0, GOFF(enable_dns), "on", NULL, NULL, NULL },
    { "reverseLookup.cache.ttl.enable", SL_PT_BOOL, 0, GOFF(dns_ttl_enable), "off", NULL, NULL,
      NULL },
    { "reverseLookup.cache.ttl.default", SL_PT_NONNEG, 0, GOFF(dns_ttl), "86400", NULL, NULL,
      NULL },
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
    { "parser.escapeControlCharactersCStyle", SL_PT_BOOL, 0, GOFF(escape_cc_cstyle), "off", NULL,
      NULL, NULL },
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
    /* $AllowedSender's lists (core/conf/acl.c), read by imudp and imtcp through
     * host->global_str(); no global() statement can name them */
    { "$AllowedSender.UDP", SL_PT_STRING, 0, GOFF(acl_udp), NULL, NULL, NULL, NULL },
    { "$AllowedSender.TCP", SL_PT_STRING, 0, GOFF(acl_tcp), NULL, NULL, NULL, NULL },
    { "action.reportSuspension", SL_PT_BOOL, 0, GOFF(report_suspension), "on", NULL, NULL, NULL },
    { "defaultNetstreamDriver", SL_PT_STRING, 0, GOFF(default_netstream_driver), NULL, NULL,
      "$DefaultNetstreamDriver", NULL },
    { "defaultNetstreamDriverCAFile", SL_PT_STRING, 0, GOFF(ns_ca), NULL, NULL, NULL, NULL },
    { "defaultNetstreamDriverCertFile", SL_PT_STRING, 0, GOFF(ns_cert), NULL, NULL, NULL, NULL },
    { "defaultNetstreamDriverKeyFile", SL_PT_STRING, 0, GOFF(ns_key), NULL, NULL, NULL, NULL },
    { "abortOnUncleanConfig", SL_PT_BOOL, 0, GOFF(abort_on_unclean), "off", NULL, NULL, NULL },
    { "privDrop.user.name", SL_PT_STRING, 0, GOFF(privdrop_user), NULL, NULL, "$PrivDropToUser", NULL },
    { "privDrop.group.name", SL_PT_STRING, 0, GOFF(privdrop_group), NULL, NULL, "$PrivDropToGroup", NULL },
    { "privDrop.user.id", SL_PT_POSINT, 0, GOFF(privdrop_uid), "-1", NULL, "$PrivDropToUserID", NULL },
    { "privDrop.group.id", SL_PT_POSINT, 0, GOFF(privdrop_gid), "-1", NULL, "$PrivDropToGroupID", NULL },
    { "privDrop.group.keepSupplemental", SL_PT_BOOL, 0, GOFF(privdrop_keep_supplemental), "off",
      NULL, NULL, NULL },
    /* sluice's own: a module sluice does not have (imjournal, omelasticsearch, ...) is a
     * config error by default; "warn" loads the rest of the config and skips the module,
     * the inputs and actions that use it, each with a warning naming file:line. */
    { "sluice.unknownModules", SL_PT_ENUM, 0, GOFF(unknown_modules), "error", unknown_module_modes,
      NULL, NULL },
    /* sluice's own: "on" refuses to start on the errors rsyslog 8.2302 reports and runs
     * past (a broken action(), parser(), timezone(), an undefined template or ruleset, a
     * listener that cannot be created): main.c reads it after the build */
    { "sluice.strictConfig", SL_PT_BOOL, 0, GOFF(strict_config), "off", NULL, NULL, NULL },
    /* sluice's own: the control socket of sluicectl (core/ctl.c; main.c opens it); unset:
     * the pid file's path with .ctl for .pid, "off": none */
    { "sluice.controlSocket", SL_PT_STRING, 0, GOFF(control_socket), NULL, NULL, NULL, NULL },
    /* rsyslog's: messages 'z' + zlib (omfwd single mode) are decompressed (worker.c) */
    { "parser.supportCompressionExtension", SL_PT_BOOL, 0, GOFF(support_compression), "on",
      NULL, NULL, NULL },
    SL_PARAM_END
};
/* global() parameters rsyslog 8.2302 knows (runtime/glbl.c, with its types) that sluice
 * accepts without acting on them: the binder checks the value and warns with FILE:LINE
 * (SL_P_IGNORED; no field behind them).  Implementing one means giving it a field and
 * dropping the flag. */
const struct sl_param global_ignored[] = {
    { "debug.gnutls", SL_PT_NONNEG, SL_P_IGNORED, 0, NULL, NULL, NULL, NULL },
    { "debug.unloadModules", SL_PT_BOOL, SL_P_IGNORED, 0, NULL, NULL, NULL, NULL },
    { "debug.files", SL_PT_ARRAY, SL_P_IGNORED, 0, NULL, NULL, NULL, NULL },
    { "debug.whitelist", SL_PT_BOOL, SL_P_IGNORED, 0, NULL, NULL, NULL, NULL },
    { "debug.onShutdown", SL_PT_BOOL, SL_P_IGNORED, 0, NULL, NULL, NULL, NULL },
    { "debug.logFile", SL_PT_STRING, SL_P_IGNORED, 0, NULL, NULL, NULL, NULL },
    { "dropMsgsWithMaliciousDnsPTRRecords", SL_PT_BOOL, SL_P_IGNORED, 0, NULL, NULL, NULL, NULL },
    { "errorMessagesToStderr.maxNumber", SL_PT_POSINT, SL_P_IGNORED, 0, NULL, NULL, NULL, NULL },
    { "internalmsg.ratelimit.interval", SL_PT_POSINT, SL_P_IGNORED, 0, NULL, NULL, NULL, NULL },
    { "internalmsg.ratelimit.burst", SL_PT_POSINT, SL_P_IGNORED, 0, NULL, NULL, NULL, NULL },
    { "internalmsg.severity", SL_PT_WORD, SL_P_IGNORED, 0, NULL, NULL, NULL, NULL },
    { "stdlog.channelspec", SL_PT_STRING, SL_P_IGNORED, 0, NULL, NULL, NULL, NULL },
    { "senders.keepTrack", SL_PT_BOOL, SL_P_IGNORED, 0, NULL, NULL, NULL, NULL },
    { "senders.timeoutAfter", SL_PT_POSINT, SL_P_IGNORED, 0, NULL, NULL, NULL, NULL },
    { "senders.reportGoneAway", SL_PT_BOOL, SL_P_IGNORED, 0, NULL, NULL, NULL, NULL },
    { "senders.reportNew", SL_PT_BOOL, SL_P_IGNORED, 0, NULL, NULL, NULL, NULL },
    { "shutdown.enable.ctlc", SL_PT_BOOL, SL_P_IGNORED, 0, NULL, NULL, NULL, NULL },
    { "parser.parseHostnameAndTag", SL_PT_BOOL, SL_P_IGNORED, 0, NULL, NULL, NULL, NULL },
    { "operatingStateFile", SL_PT_STRING, SL_P_IGNORED, 0, NULL, NULL, NULL, NULL },
    { "security.abortOnIDResolutionFail", SL_PT_BOOL, SL_P_IGNORED, 0, NULL, NULL, NULL, NULL },
    { "oversizemsg.errorfile", SL_PT_WORD, SL_P_IGNORED, 0, NULL, NULL, NULL, NULL },
    { "oversizemsg.report", SL_PT_BOOL, SL_P_IGNORED, 0, NULL, NULL, NULL, NULL },
    { "oversizemsg.input.mode", SL_PT_WORD, SL_P_IGNORED, 0, NULL, NULL, NULL, NULL },
    { "net.aclAddHostnameOnFail", SL_PT_BOOL, SL_P_IGNORED, 0, NULL, NULL, NULL, NULL },
    { "net.aclResolveHostname", SL_PT_BOOL, SL_P_IGNORED, 0, NULL, NULL, NULL, NULL },
    { "net.ipprotocol", SL_PT_WORD, SL_P_IGNORED, 0, NULL, NULL, NULL, NULL },
    { "net.permitACLWarning", SL_PT_BOOL, SL_P_IGNORED, 0, NULL, NULL, NULL, NULL },
    { "netstreamDriverCaExtraFiles", SL_PT_STRING, SL_P_IGNORED, 0, NULL, NULL, NULL, NULL },
    { "janitor.interval", SL_PT_POSINT, SL_P_IGNORED, 0, NULL, NULL, NULL, NULL },
    { "jsonmesg.includeOnlyInput", SL_PT_BOOL, SL_P_IGNORED, 0, NULL, NULL, NULL, NULL },
    { "shutdown.queue.doublesize", SL_PT_BOOL, SL_P_IGNORED, 0, NULL, NULL, NULL, NULL },
    { "reportChildProcessExits", SL_PT_WORD, SL_P_IGNORED, 0, NULL, NULL, NULL, NULL },
    { "action.reportSuspensionContinuation", SL_PT_BOOL, SL_P_IGNORED, 0, NULL, NULL, NULL, NULL },
    { "inputs.timeout.shutdown", SL_PT_POSINT, SL_P_IGNORED, 0, NULL, NULL, NULL, NULL },
    { "abortOnFailedQueueStartup", SL_PT_BOOL, SL_P_IGNORED, 0, NULL, NULL, NULL, NULL },
    { "internal.developeronly.options", SL_PT_INT, SL_P_IGNORED, 0, NULL, NULL, NULL, NULL },
    { "default.action.queue.timeoutShutdown", SL_PT_INT, SL_P_IGNORED, 0, NULL, NULL, NULL, NULL },
    { "default.action.queue.timeoutActionCompletion", SL_PT_INT, SL_P_IGNORED, 0, NULL, NULL, NULL, NULL },
    { "default.action.queue.timeoutEnqueue", SL_PT_INT, SL_P_IGNORED, 0, NULL, NULL, NULL, NULL },
    { "default.action.queue.timeoutWorkerThreadShutdown", SL_PT_INT, SL_P_IGNORED, 0, NULL, NULL, NULL, NULL },
    { "default.ruleset.queue.timeoutShutdown", SL_PT_INT, SL_P_IGNORED, 0, NULL, NULL, NULL, NULL },
    { "default.ruleset.queue.timeoutActionCompletion", SL_PT_INT, SL_P_IGNORED, 0, NULL, NULL, NULL, NULL },
    { "default.ruleset.queue.timeoutEnqueue", SL_PT_INT, SL_P_IGNORED, 0, NULL, NULL, NULL, NULL },
    { "default.ruleset.queue.timeoutWorkerThreadShutdown", SL_PT_INT, SL_P_IGNORED, 0, NULL, NULL, NULL, NULL },
    { "repeatedMsgContainsOriginalMsg", SL_PT_BOOL, SL_P_IGNORED, 0, NULL, NULL, NULL, NULL },
    { "modDir", SL_PT_STRING, SL_P_IGNORED, 0, NULL, NULL, NULL, NULL },
    { "defaultRuleset", SL_PT_WORD, SL_P_IGNORED, 0, NULL, NULL, NULL, NULL },
    SL_PARAM_END
};
/* accepted without a warning: the legacy default templates are applied by the front end */
const char *const global_accepted[] = {
    "actionFileDefaultTemplate", "actionForwardDefaultTemplate", "repeatedMsgReduction", NULL
};
const char *const queue_types[] = { "FixedArray", "LinkedList", "Direct", "Disk", NULL };

#define QOFF(f) offsetof(struct sl_queue_conf, f)
/* Defaults differ by queue: filled in by the caller before sl_params_apply (def NULL).
 * The integers are rsyslog's eCmdHdlrInt (any value, negative ones too): queue_correct()
 * maps the values sluice cannot use as rsyslog's qqueueCorrectParams does. */
const struct sl_param queue_params[] = {
    { "queue.type", SL_PT_ENUM, 0, QOFF(type), NULL, queue_types, "$ActionQueueType", NULL },
    { "queue.size", SL_PT_SIZE, 0, QOFF(size), NULL, NULL, "$ActionQueueSize", NULL },
    { "queue.workerThreads", SL_PT_INT, 0, QOFF(workers), NULL, NULL, NULL, NULL },
    { "queue.dequeueBatchSize", SL_PT_INT, 0, QOFF(batch), NULL, NULL, NULL, NULL },
    { "queue.filename", SL_PT_WORD, 0, QOFF(filename), NULL, NULL, NULL, NULL },
    { "queue.spoolDirectory", SL_PT_WORD, 0, QOFF(spool_dir), NULL, NULL, NULL, NULL },
    { "queue.maxDiskSpace", SL_PT_SIZE, 0, QOFF(max_disk), NULL, NULL, NULL, NULL },
    { "queue.maxFileSize", SL_PT_SIZE, 0, QOFF(max_file_size), NULL, NULL, NULL, NULL },
    { "queue.timeoutShutdown", SL_PT_INT, 0, QOFF(timeout_shutdown), NULL, NULL, NULL, NULL },
    { "queue.timeoutEnqueue", SL_PT_INT, 0, QOFF(timeout_enqueue), NULL, NULL, NULL, NULL },
    { "queue.timeoutActionCompletion", SL_PT_INT, 0, QOFF(timeout_action_completion), NULL, NULL, NULL, NULL },
    { "queue.timeoutWorkerThreadShutdown", SL_PT_INT, 0, QOFF(timeout_worker_shutdown), NULL, NULL, NULL, NULL },
    { "queue.saveOnShutdown", SL_PT_BOOL, 0, QOFF(save_on_shutdown), NULL, NULL, NULL, NULL },
    { "queue.highWatermark", SL_PT_INT, 0, QOFF(high_wm), NULL, NULL, NULL, NULL },
    { "queue.lowWatermark", SL_PT_INT, 0, QOFF(low_wm), NULL, NULL, NULL, NULL },
    { "queue.discardMark", SL_PT_INT, 0, QOFF(discard_mark), NULL, NULL, NULL, NULL },
    { "queue.discardSeverity", SL_PT_WORD, 0, QOFF(discard_sev_text), NULL, NULL, NULL, NULL },
    { "queue.checkpointInterval", SL_PT_INT, 0, QOFF(checkpoint), NULL, NULL, NULL, NULL },
    { "queue.syncQueueFiles", SL_PT_BOOL, 0, QOFF(sync_files), NULL, NULL, NULL, NULL },
    { "queue.minDequeueBatchSize", SL_PT_INT, 0, QOFF(min_batch), NULL, NULL, NULL, NULL },
    { "queue.minDequeueBatchSize.timeout", SL_PT_INT, 0, QOFF(min_batch_timeout), NULL, NULL, NULL, NULL },
    { "queue.lightDelayMark", SL_PT_INT, 0, QOFF(light_delay), NULL, NULL, NULL, NULL },
    { "queue.fullDelayMark", SL_PT_INT, 0, QOFF(full_delay), NULL, NULL, NULL, NULL },
    { "queue.dequeueSlowdown", SL_PT_INT, 0, QOFF(slowdown), NULL, NULL, NULL, NULL },
    { "queue.dequeueTimeBegin", SL_PT_INT, 0, QOFF(time_begin), NULL, NULL, NULL, NULL },
    { "queue.dequeueTimeEnd", SL_PT_INT, 0, QOFF(time_end), NULL, NULL, NULL, NULL },
    { "queue.workerThreadMinimumMessages", SL_PT_INT, 0, QOFF(worker_min_msgs), NULL, NULL, NULL, NULL },
    { "queue.maxBytes", SL_PT_SIZE, 0, QOFF(max_bytes), NULL, NULL, NULL, NULL },
    /* rsyslog's, without effect in sluice (warned, see SL_P_IGNORED) */
    { "queue.samplingInterval", SL_PT_INT, SL_P_IGNORED, 0, NULL, NULL, NULL, NULL },
    { "queue.takeFlowCtlFromMsg", SL_PT_BOOL, SL_P_IGNORED, 0, NULL, NULL, NULL, NULL },
    SL_PARAM_END
};


#define AOFF(f) offsetof(struct sl_action_conf, f)
const struct sl_param action_params[] = {
    { "name", SL_PT_STRING, 0, AOFF(name), NULL, NULL, NULL, NULL },
    { "action.resumeInterval", SL_PT_INT, 0, AOFF(resume_interval), "30", NULL,
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
    /* rsyslog's gate before the action (core/exec_gate.h); integers as in rsyslog, where
     * a value <= 0 (<= 1 for the Nth) turns the setting off */
    { "action.execOnlyOnceEveryInterval", SL_PT_INT, 0, AOFF(exec_once_every), "0", NULL,
      "$ActionExecOnlyOnceEveryInterval", "seconds: at most one message per interval" },
    { "action.execOnlyEveryNthTime", SL_PT_INT, 0, AOFF(exec_every_nth), "0", NULL,
      "$ActionExecOnlyEveryNthTime", "only every Nth message reaching the action" },
    { "action.execOnlyEveryNthTimeTimeout", SL_PT_INT, 0, AOFF(exec_nth_timeout), "0", NULL,
      "$ActionExecOnlyEveryNthTimeTimeout", "seconds after which the Nth count restarts" },
    { "action.copyMsg", SL_PT_BOOL, 0, AOFF(copy_msg), "off", NULL, NULL, NULL },
    { "action.writeAllMarkMessages", SL_PT_BOOL, 0, AOFF(write_all_marks), "on", NULL, NULL, NULL },
    /* sluice only (ABI 1.4 deferred acknowledgement): messages a queued action may have
     * delivered but not yet confirmed (0: outputs must answer at once), and how long a
     * confirmation may take before the batch is delivered again */
    { "action.maxInFlight", SL_PT_NONNEG, 0, AOFF(max_inflight), "10000", NULL, NULL,
      "messages delivered but not yet confirmed (deferred acknowledgement)" },
    { "action.ackTimeout", SL_PT_NONNEG, 0, AOFF(ack_timeout), "60000", NULL, NULL,
      "ms before an unconfirmed batch is delivered again (0: never)" },
    /* rsyslog's (action.c), without effect in sluice (warned, see SL_P_IGNORED) */
    { "action.reportSuspensionContinuation", SL_PT_BOOL, SL_P_IGNORED, 0, NULL, NULL, NULL, NULL },
    { "action.repeatedmsgcontainsoriginalmsg", SL_PT_BOOL, SL_P_IGNORED, 0, NULL, NULL, NULL, NULL },
    { "action.externalstate.file", SL_PT_STRING, SL_P_IGNORED, 0, NULL, NULL, NULL, NULL },
    { "action.errorfile.maxsize", SL_PT_INT, SL_P_IGNORED, 0, NULL, NULL, NULL, NULL },
    { "action.ratelimit.interval", SL_PT_INT, SL_P_IGNORED, 0, NULL, NULL, NULL, NULL },
    { "action.ratelimit.burst", SL_PT_INT, SL_P_IGNORED, 0, NULL, NULL, NULL, NULL },
    SL_PARAM_END
};
const char *const action_accepted[] = { "type", NULL };

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

/* ---------------------------------------------------------------------------------------
 * queue.* read into a struct sl_queue_conf: defaults, corrections, main_queue()
 * ------------------------------------------------------------------------------------- */
void queue_defaults(struct sl_queue_conf *qc, int main_queue)
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
    qc->min_batch_timeout = 1000;   /* rsyslog's queue.minDequeueBatchSize.timeout */
    qc->discard_mark = -1;      /* unset: 80% of queue.size, as rsyslog */
    qc->discard_sev = 8;        /* rsyslog's default: nothing is discarded */
    qc->save_on_shutdown = -1;  /* unset: off for memory queues, on with a disk queue */
    /* a default byte bound only where full holds inputs back (full action queues discard) */
    qc->max_bytes = main_queue ? SL_QUEUE_MAX_BYTES : 0;
}

int has_queue_params(struct sl_kv *kvs)
{
    for (struct sl_kv *kv = kvs; kv != NULL; kv = kv->next) {
        if (strncasecmp(kv->name, "queue.", 6) == 0) {
            return 1;
        }
    }
    return 0;
}

/* queue.cry.provider is a hard error even where other queue errors are soft */
void check_queue_cry(struct sl_kv *kvs, const char *what)
{
    struct sl_kv *cry = sl_kv_find(kvs, "queue.cry.provider");
    if (cry != NULL && !cry->used) {
        /* never a silent no-op: the admin would believe the disk queue is encrypted */
        cry->used = 1;
        sl_cfg_error(&cry->loc, "%s: queue.cry.provider: disk-queue encryption is not "
                     "implemented in sluice (queue files would be written in clear); remove "
                     "the parameter or use an encrypted file system for the spool directory",
                     what);
    }
}

/* queue.discardSeverity as rsyslog 8.2302 reads it (eCmdHdlrFacility: decodeSyslogName
 * with the facility names): digits are a number (atoi), a facility name its code
 * (facility * 8: "kern" discards every severity, the others none), anything else -1
 * (every severity: "warning" is not a facility name). */
static int64_t discard_severity_value(const char *s)
{
    if (isdigit((unsigned char)s[0])) {
        return atoi(s);
    }
    int v = sl_syslog_name_value(s, strlen(s), 1, SL_NAMES_SCRIPT);
    return v < 0 ? -1 : (int64_t)v * 8;
}

/* rsyslog accepts every integer; what it does with values sluice's queues cannot take */
static void queue_correct(struct sl_queue_conf *qc, struct sl_kv *kvs, const char *what,
                          const struct sl_loc *loc)
{
    if (qc->discard_sev_text != NULL) {
        qc->discard_sev = discard_severity_value(qc->discard_sev_text);
    }
    struct { int64_t *v; const char *name; const char *rs; } one[] = {
        { &qc->workers, "queue.workerThreads", "starts no worker (the queue is never emptied; "
          "without queue.workerThreadMinimumMessages it dies of SIGFPE)" },
        { &qc->batch, "queue.dequeueBatchSize", "never dequeues (the action writes nothing)" },
    };
    for (size_t i = 0; i < sizeof one / sizeof one[0]; i++) {
        if (*one[i].v < 1) {
            struct sl_kv *k = sl_kv_find(kvs, one[i].name);
            sl_cfg_warn(k != NULL ? &k->loc : loc, "%s: %s=\"%lld\": rsyslog 8.2302 %s; "
                        "sluice uses 1", what, one[i].name, (long long)*one[i].v, one[i].rs);
            *one[i].v = 1;
        }
    }
    /* negative timeouts expire at once (rsyslog's timeoutComp), as 0; negative marks,
     * intervals and hours are rsyslog's "unset" (its defaults, or no effect) */
    int64_t *neg[] = { &qc->timeout_shutdown, &qc->timeout_enqueue,
                       &qc->timeout_action_completion, &qc->timeout_worker_shutdown,
                       &qc->high_wm, &qc->low_wm, &qc->checkpoint, &qc->min_batch,
                       &qc->min_batch_timeout, &qc->light_delay, &qc->full_delay,
                       &qc->slowdown, &qc->time_begin, &qc->time_end, &qc->worker_min_msgs };
    for (size_t i = 0; i < sizeof neg / sizeof neg[0]; i++) {
        if (*neg[i] < 0) {
            *neg[i] = 0;
        }
    }
    if (qc->discard_mark < 1) {
        qc->discard_mark = -1;      /* rsyslog: < 1 is its default mark */
    }
}

void apply_queue_params(struct sl_engine *e, struct sl_queue_conf *qc, struct sl_kv *kvs,
                        const char *what, const struct sl_loc *loc)
{
    sl_params_apply(queue_params, qc, kvs, NULL, what, loc);
    if (sl_kv_find(kvs, "queue.size") != NULL && sl_kv_find(kvs, "queue.maxBytes") == NULL) {
        qc->max_bytes = 0;      /* a queue.size given is the capacity asked for, in messages */
    }
    queue_correct(qc, kvs, what, loc);
    check_queue_cry(kvs, what);
    if (qc->workers > 64) {
        qc->workers = 64;
    }
    if (qc->size < 1) {
        /* rsyslog's fixed array refuses a size of 0 at start; sluice's rings too */
        struct sl_kv *k = sl_kv_find(kvs, "queue.size");
        sl_cfg_error(k != NULL ? &k->loc : loc, "%s: queue.size must be at least 1", what);
        qc->size = 1;
    }
    (void)e;
}

/* Apply to block those entries of kvs whose implicit flag is `implicit` (legacy
 * $MainMsgQueue* lines or not), through copies (the IR stays as written); the used marks
 * go back to the entries. */
static void apply_kvs_where(struct sl_engine *e, struct sl_queue_conf *block, struct sl_kv *kvs,
                            int implicit, const struct sl_loc *loc)
{
    size_t n = 0, k = 0;
    for (struct sl_kv *kv = kvs; kv != NULL; kv = kv->next) {
        n += !kv->implicit == !implicit;
    }
    if (n == 0) {
        return;
    }
    struct sl_kv *cp = sl_xcalloc(n, sizeof *cp), **orig = sl_xcalloc(n, sizeof *orig);
    for (struct sl_kv *kv = kvs; kv != NULL; kv = kv->next) {
        if (!kv->implicit == !implicit) {
            orig[k] = kv;
            cp[k] = *kv;
            cp[k].next = k + 1 < n ? &cp[k + 1] : NULL;
            k++;
        }
    }
    if (implicit) {
        /* left out: only their values are checked (rsyslog's directive handlers) */
        sl_params_apply(queue_params, block, cp, NULL, "main_queue()", loc);
    } else {
        apply_queue_params(e, block, cp, "main_queue()", loc);
    }
    for (k = 0; k < n; k++) {
        orig[k]->used = cp[k].used;
        orig[k]->secret = cp[k].secret;
    }
    free(cp);
    free(orig);
}

/* The main queue's parameters, as rsyslog 8.2302's createMainQueue takes them: the
 * $MainMsgQueue* directives (implicit entries) only when no main_queue() object has a
 * parameter; with one, the first such object alone on the defaults ("can only be specified
 * once - all but first ignored" for the others) and the directives' values only checked. */
void apply_main_queue_params(struct sl_engine *e, struct sl_queue_conf *mqc)
{
    struct sl_obj *first = NULL;
    for (struct sl_obj *o = e->cnf->objs; o != NULL && first == NULL; o = o->next) {
        for (struct sl_kv *kv = o->type == SL_OBJ_MAIN_QUEUE ? o->kv : NULL; kv; kv = kv->next) {
            if (!kv->implicit) {
                first = o;
                break;
            }
        }
    }
    struct sl_queue_conf scratch;
    queue_defaults(&scratch, 1);
    for (struct sl_obj *o = e->cnf->objs; o != NULL; o = o->next) {
        if (o->type != SL_OBJ_MAIN_QUEUE) {
            continue;
        }
        if (first == NULL) {
            apply_queue_params(e, mqc, o->kv, "main_queue()", &o->loc);
        } else {
            apply_kvs_where(e, &scratch, o->kv, 1, &o->loc);
            if (o == first) {
                apply_kvs_where(e, mqc, o->kv, 0, &o->loc);
            } else if (o->kv != NULL) {
                int own = 0;
                for (struct sl_kv *kv = o->kv; kv != NULL; kv = kv->next) {
                    own |= !kv->implicit;
                    kv->used |= !kv->implicit;   /* reported once, below */
                }
                if (own) {
                    sl_cfg_error(&o->loc, "main_queue() object can only be specified once - "
                                          "all but first ignored");
                }
            }
        }
        sl_params_check_unused(o->kv, "main_queue()", NULL);
    }
    sl_params_free(queue_params, &scratch);
}
