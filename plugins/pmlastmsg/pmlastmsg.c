/*
 * pmlastmsg.c - the pmlastmsg parser (parser name "rsyslog.lastline"), as rsyslog
 * 8.2302's: it takes only the "last message repeated N times" lines that some syslogds
 * send without any header (e.g. "<13>last message repeated 5 times") and gives them an
 * empty TAG, no hostname (fromhost is shown), the receive time as timestamp and MSG =
 * everything after the PRI.  Every other line is "not mine", for the next parser of the
 * chain (ruleset(parser=["rsyslog.lastline","rsyslog.rfc5424","rsyslog.rfc3164"])).
 *
 * rsyslog's matching, reproduced: leading SPs skipped; at least 29 bytes; the words
 * "last message repeated " case-insensitively; digits (any number, none too); then exactly
 * " times" to the end (case-insensitive).
 *
 * Hand-written (no library does this one-line match).  No parameters.
 * Ownership: the instance holds only the host pointer.
 * Concurrency & locking: parse() runs on several ruleset workers at once; the instance is
 * read-only after create().
 */
#include "config.h"

#include <stddef.h>
#include <string.h>
#include <strings.h>

#include "sluice/sl_plugin.h"
#include "../common/sl_pm.h"

#define OPENING "last message repeated "
#define CLOSING " times"

static int lm_parse(void *inst, struct sl_msg *m)
{
    const struct sl_pm_inst *in = inst;
    size_t n, sp;
    const char *t = sl_pm_rest(in->h, m, &n, &sp);
    const char *p = t + sp;
    size_t len = n - sp;
    if (len < sizeof OPENING - 1 + sizeof CLOSING - 1 + 1 ||
        strncasecmp(p, OPENING, sizeof OPENING - 1) != 0) {
        return SL_PARSE_NOT_MINE;
    }
    p += sizeof OPENING - 1;
    len -= sizeof OPENING - 1;
    while (len > 0 && *p >= '0' && *p <= '9') {
        p++;
        len--;
    }
    if (len != sizeof CLOSING - 1 || strncasecmp(p, CLOSING, len) != 0) {
        return SL_PARSE_NOT_MINE;
    }
    struct sl_msg_fields f;
    memset(&f, 0, sizeof f);
    f.set = SL_MF_TAG | SL_MF_MSG;
    f.tag = "";
    f.tag_len = 0;
    f.msg = t;
    f.msg_len = n;
    return in->h->msg_set_fields(m, &f) == 0 ? SL_PARSE_DONE : SL_ENOMEM;
}

SL_PM_SIMPLE_PARSER(pmlastmsg, "rsyslog.lastline", lm_parse);
