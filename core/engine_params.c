/*
 * engine_params.c - the core's own parameter tables: global() (with the rsyslog globals
 * sluice accepts without acting on them), queue.* and action.*, and the lookups of global
 * values by name for the host (sl_engine_global_str/_int).  Split from engine_build.c,
 * which applies them.
 *
 * Ownership: the tables are constant; the values they describe live in the engine
 * (struct sl_global_conf, sl_queue_conf, sl_action_conf) and are freed by engine.c.
 * Concurrency & locking: the tables are read-only; the lookups read the engine's global
 * block, which is written once at build time on the main thread.
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
