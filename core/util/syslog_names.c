/*
 * util/syslog_names.c - see syslog_names.h.
 *
 * Ownership: static tables.  Concurrency & locking: read-only, no state.
 */
#include "config.h"

#include <string.h>
#include <strings.h>

#include "util/syslog_names.h"

const char *const sl_facility_text[24] = {
    "kern", "user", "mail", "daemon", "auth", "syslog", "lpr", "news",
    "uucp", "cron", "authpriv", "ftp", "ntp", "audit", "alert", "clock",
    "local0", "local1", "local2", "local3", "local4", "local5", "local6", "local7"
};
const char *const sl_severity_text[8] = {
    "emerg", "alert", "crit", "err", "warning", "notice", "info", "debug"
};

#define BOTH (SL_NAMES_LEGACY | SL_NAMES_SCRIPT)

static const struct syslog_name {
    const char *name;
    int val;
    unsigned dialects;
} fac_names[] = {
    { "kern", 0, BOTH }, { "user", 1, BOTH }, { "mail", 2, BOTH }, { "daemon", 3, BOTH },
    { "auth", 4, BOTH }, { "security", 4, BOTH }, { "syslog", 5, BOTH }, { "lpr", 6, BOTH },
    { "news", 7, BOTH }, { "uucp", 8, BOTH }, { "cron", 9, BOTH }, { "authpriv", 10, BOTH },
    { "ftp", 11, BOTH }, { "ntp", 12, BOTH },
    /* rsyslog's quirk, kept: the legacy selector knows these three, RainerScript does not,
     * and RainerScript calls 14 "console" */
    { "audit", 13, SL_NAMES_LEGACY }, { "alert", 14, SL_NAMES_LEGACY },
    { "clock", 15, SL_NAMES_LEGACY }, { "console", 14, SL_NAMES_SCRIPT },
    { "local0", 16, BOTH }, { "local1", 17, BOTH }, { "local2", 18, BOTH },
    { "local3", 19, BOTH }, { "local4", 20, BOTH }, { "local5", 21, BOTH },
    { "local6", 22, BOTH }, { "local7", 23, BOTH },
    /* rsyslog's own two: "invld" (24) is the facility of a PRI above 191 or one that does
     * not parse; "mark" (25) is a selector slot no received message ever has */
    { "invld", 24, BOTH }, { "mark", SL_FAC_MARK, BOTH }, { NULL, 0, 0 }
}, sev_names[] = {
    { "emerg", 0, BOTH }, { "panic", 0, BOTH }, { "alert", 1, BOTH }, { "crit", 2, BOTH },
    { "err", 3, BOTH }, { "error", 3, BOTH }, { "warning", 4, BOTH }, { "warn", 4, BOTH },
    { "notice", 5, BOTH }, { "info", 6, BOTH }, { "debug", 7, BOTH }, { NULL, 0, 0 }
};

int sl_syslog_name_value(const char *s, size_t len, int is_fac, unsigned dialect)
{
    for (const struct syslog_name *n = is_fac ? fac_names : sev_names; n->name != NULL; n++) {
        if ((n->dialects & dialect) && strlen(n->name) == len &&
            strncasecmp(n->name, s, len) == 0) {
            return n->val;
        }
    }
    return -1;
}

const char *sl_syslog_name_nth(size_t i, int is_fac, unsigned dialect)
{
    for (const struct syslog_name *n = is_fac ? fac_names : sev_names; n->name != NULL; n++) {
        if ((n->dialects & dialect) && i-- == 0) {
            return n->name;
        }
    }
    return NULL;
}
