/*
 * prop.c - property names: rsyslog's property names (and aliases) to enum sl_prop, and back.
 *
 * The accepted names are exactly those rsyslogd 8.2302 accepts in a template (checked with
 * rsyslogd -N1).
 * "fromhost-port" has an id (for internal use) but is rejected by name, as rsyslog does.
 *
 * Ownership: sl_propref_parse() allocates ref->path for JSON properties ($!, $., $/);
 * sl_propref_clear() frees it.  The name table is static and constant.
 *
 * Concurrency & locking: no shared mutable state.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "msg.h"
#include "util/buf.h"
#include "util/strutil.h"

struct prop_name {
    const char *name;
    enum sl_prop id;
};

/* Canonical names first (sl_prop_name returns the first entry for an id). */
static const struct prop_name prop_names[] = {
    { "msg", SL_PROP_MSG },
    { "rawmsg", SL_PROP_RAWMSG },
    { "rawmsg-after-pri", SL_PROP_RAWMSG_AFTER_PRI },
    { "hostname", SL_PROP_HOSTNAME },
    { "source", SL_PROP_HOSTNAME },
    { "fromhost", SL_PROP_FROMHOST },
    { "fromhost-ip", SL_PROP_FROMHOST_IP },
    { "fromhost-port", SL_PROP_FROMHOST_PORT },
    { "syslogtag", SL_PROP_SYSLOGTAG },
    { "programname", SL_PROP_PROGRAMNAME },
    { "pri", SL_PROP_PRI },
    { "pri-text", SL_PROP_PRI_TEXT },
    { "iut", SL_PROP_IUT },
    { "syslogfacility", SL_PROP_SYSLOGFACILITY },
    { "syslogfacility-text", SL_PROP_SYSLOGFACILITY_TEXT },
    { "syslogseverity", SL_PROP_SYSLOGSEVERITY },
    { "syslogpriority", SL_PROP_SYSLOGSEVERITY },
    { "syslogseverity-text", SL_PROP_SYSLOGSEVERITY_TEXT },
    { "syslogpriority-text", SL_PROP_SYSLOGSEVERITY_TEXT },
    { "timegenerated", SL_PROP_TIMEGENERATED },
    { "timereported", SL_PROP_TIMEREPORTED },
    { "timestamp", SL_PROP_TIMEREPORTED },
    { "protocol-version", SL_PROP_PROTOCOL_VERSION },
    { "structured-data", SL_PROP_STRUCTURED_DATA },
    { "app-name", SL_PROP_APP_NAME },
    { "procid", SL_PROP_PROCID },
    { "msgid", SL_PROP_MSGID },
    { "inputname", SL_PROP_INPUTNAME },
    { "jsonmesg", SL_PROP_JSONMESG },
    { "uuid", SL_PROP_UUID },
    { "$!", SL_PROP_CEE },
    { "$.", SL_PROP_LOCAL_VAR },
    { "$/", SL_PROP_GLOBAL_VAR },
    { "$now", SL_PROP_SYS_NOW },
    { "$year", SL_PROP_SYS_YEAR },
    { "$month", SL_PROP_SYS_MONTH },
    { "$day", SL_PROP_SYS_DAY },
    { "$hour", SL_PROP_SYS_HOUR },
    { "$hhour", SL_PROP_SYS_HHOUR },
    { "$qhour", SL_PROP_SYS_QHOUR },
    { "$minute", SL_PROP_SYS_MINUTE },
    { "$now-utc", SL_PROP_SYS_NOW_UTC },
    { "$year-utc", SL_PROP_SYS_YEAR_UTC },
    { "$month-utc", SL_PROP_SYS_MONTH_UTC },
    { "$day-utc", SL_PROP_SYS_DAY_UTC },
    { "$hour-utc", SL_PROP_SYS_HOUR_UTC },
    { "$hhour-utc", SL_PROP_SYS_HHOUR_UTC },
    { "$qhour-utc", SL_PROP_SYS_QHOUR_UTC },
    { "$minute-utc", SL_PROP_SYS_MINUTE_UTC },
    { "$myhostname", SL_PROP_SYS_MYHOSTNAME },
    { "$bom", SL_PROP_SYS_BOM },
    { "$uptime", SL_PROP_SYS_UPTIME },
    { "$now-unixtimestamp", SL_PROP_SYS_NOW_UNIXTIMESTAMP },
    { "$wday", SL_PROP_SYS_WDAY },
    { "$wday-utc", SL_PROP_SYS_WDAY_UTC },
    { "parsesuccess", SL_PROP_PARSESUCCESS },
    { "$!all-json", SL_PROP_CEE_ALL_JSON },
    { "$!all-json-plain", SL_PROP_CEE_ALL_JSON_PLAIN },
};

int sl_propref_parse(const char *name, size_t len, struct sl_propref *ref)
{
    ref->id = SL_PROP_INVALID;
    ref->path = NULL;
    if (name == NULL || len == 0) {
        return SL_ENOENT;
    }
    /* rsyslog's two names for the whole $! tree rendered as JSON (not variables) */
    if (len == 10 && strncasecmp(name, "$!all-json", len) == 0) {
        ref->id = SL_PROP_CEE_ALL_JSON;
        return 0;
    }
    if (len == 16 && strncasecmp(name, "$!all-json-plain", len) == 0) {
        ref->id = SL_PROP_CEE_ALL_JSON_PLAIN;
        return 0;
    }
    /* rsyslog reads "!name" (no '$') as "$!name" in template properties */
    if (len >= 2 && name[0] == '!' && name[1] != '!') {
        ref->id = SL_PROP_CEE;
        ref->path = sl_xstrndup(name + 1, len - 1);
        return 0;
    }
    if (len >= 2 && name[0] == '$' && (name[1] == '!' || name[1] == '.' || name[1] == '/')) {
        ref->id = name[1] == '!' ? SL_PROP_CEE
                  : name[1] == '.' ? SL_PROP_LOCAL_VAR : SL_PROP_GLOBAL_VAR;
        const char *p = name + 2;
        size_t n = len - 2;
        /* "$!!a" and "$!a" name the same variable */
        if (n > 0 && *p == '!') {
            p++;
            n--;
        }
        ref->path = sl_xstrndup(p, n);
        return 0;
    }
    for (size_t i = 0; i < sizeof(prop_names) / sizeof(prop_names[0]); i++) {
        if (prop_names[i].id == SL_PROP_FROMHOST_PORT) {
            continue;  /* rsyslog 8.2302 rejects "fromhost-port" in configs */
        }
        if (strlen(prop_names[i].name) == len && strncasecmp(prop_names[i].name, name, len) == 0) {
            ref->id = prop_names[i].id;
            return 0;
        }
    }
    return SL_ENOENT;
}

void sl_propref_clear(struct sl_propref *ref)
{
    free(ref->path);
    ref->path = NULL;
    ref->id = SL_PROP_INVALID;
}

const char *sl_prop_suggest(const char *name, char *buf, size_t size)
{
    struct sl_suggest sg;
    sl_suggest_init(&sg, name);
    for (size_t i = 0; i < sizeof(prop_names) / sizeof(prop_names[0]); i++) {
        sl_suggest_add(&sg, prop_names[i].name);
    }
    return sl_suggest_text(&sg, buf, size);
}

const char *sl_prop_name(enum sl_prop id)
{
    for (size_t i = 0; i < sizeof(prop_names) / sizeof(prop_names[0]); i++) {
        if (prop_names[i].id == id) {
            return prop_names[i].name;
        }
    }
    return "";
}
