/*
 * sl_pm.h - small helpers shared by the parser plugins (pmlastmsg, pmciscoios, pmsnare,
 * pmaixforwardedfrom, pmcisconames, pmnormalize): the ABI 1.5 host check and rsyslog's
 * "binary" parameter values for parameters that must know whether they were given.
 *
 * Ownership: nothing allocated.  Concurrency & locking: pure functions.
 */
#ifndef SLUICE_PLUGINS_SL_PM_H
#define SLUICE_PLUGINS_SL_PM_H

#include <stddef.h>
#include <strings.h>

#include "sluice/sl_plugin.h"

/* Does host h offer the ABI 1.5 parser calls?  Logs and returns 0 if not. */
static inline int sl_pm_host_ok(const struct sl_host *h, const char *who)
{
    if (h->struct_size < offsetof(struct sl_host, msg_parse_ts3164) + sizeof(void *) ||
        h->msg_parse_raw == NULL || h->msg_parse_set_raw == NULL ||
        h->msg_parse_ts3164 == NULL || h->msg_set_fields == NULL) {
        h->log(SL_LOG_ERR, who, "this sluiced has no parser plugin support (ABI 1.5)");
        return 0;
    }
    return 1;
}

/* A boolean given as a string parameter: 1/0, or dflt when s is NULL (not given); -2 when
 * s is not a boolean (the same words as the core's SL_PT_BOOL). */
static inline int sl_pm_bool(const char *s, int dflt)
{
    static const char *const yes[] = { "on", "yes", "1", "true", NULL };
    static const char *const no[] = { "off", "no", "0", "false", NULL };
    if (s == NULL) {
        return dflt;
    }
    for (int i = 0; yes[i] != NULL; i++) {
        if (strcasecmp(s, yes[i]) == 0) {
            return 1;
        }
        if (strcasecmp(s, no[i]) == 0) {
            return 0;
        }
    }
    return -2;
}

#endif
