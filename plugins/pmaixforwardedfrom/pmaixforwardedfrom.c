/*
 * pmaixforwardedfrom.c - the pmaixforwardedfrom parser (parser name
 * "rsyslog.aixforwardedfrom"), as rsyslog 8.2302's contrib module: AIX's syslogd forwards
 * "<PRI>Mmm dd hh:mm:ss Message forwarded from HOST: TAG..." (or "... From HOST: ..."),
 * which puts words where the hostname belongs.  The parser removes "Message forwarded from "
 * (or "From ") and the ':' after HOST from the raw message and answers "not mine", so the
 * next parser (rsyslog.rfc3164) reads HOST as the hostname.  It never takes a message.
 *
 * rsyslog's steps, reproduced: leading SPs skipped; at least 24 bytes left; 16 bytes (the
 * timestamp and its SP) skipped; then "Message forwarded from " or "From " (either case;
 * "From " wins when both match, which cannot happen); at least 2 bytes after it; the words
 * are removed (this edit stays even if the next step fails); then HOST runs to SP or ':',
 * and only a ':' there is removed.
 *
 * Hand-written: a fixed-text edit no library does.  No parameters.
 * Ownership: the edited copy is a per-call allocation; msg_parse_set_raw copies it.
 * Concurrency & locking: parse() runs on several ruleset workers; the instance is read-only.
 */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "sluice/sl_plugin.h"
#include "../common/sl_pm.h"

static int aix_parse(void *inst, struct sl_msg *m)
{
    const struct sl_pm_inst *in = inst;
    size_t n, i;
    const char *t = sl_pm_rest(in->h, m, &n, &i);
    size_t len = n - i;
    if (len < 24) {
        return SL_PARSE_NOT_MINE;
    }
    len -= 16;
    i += 16;
    size_t skip = 0;
    if (strncasecmp(t + i, "Message forwarded from ", 23) == 0) {
        skip = 23;
    }
    if (strncasecmp(t + i, "From ", 5) == 0) {
        skip = 5;
    }
    if (skip == 0 || len - skip < 2 || len < skip + 2) {
        return SL_PARSE_NOT_MINE;
    }
    char *buf = sl_pm_dup_rest(t, n);
    if (buf == NULL) {
        return SL_ENOMEM;
    }
    len -= skip;
    memmove(buf + i, buf + i + skip, len);
    n -= skip;
    buf[n] = '\0';
    while (len > 0 && buf[i] != ' ' && buf[i] != ':') {
        len--;
        i++;
    }
    if (len > 0 && buf[i] == ':') {
        memmove(buf + i, buf + i + 1, len - 1);
        n--;
        buf[n] = '\0';
    }
    return sl_pm_set_rest(in->h, m, buf, n);
}

SL_PM_SIMPLE_PARSER(pmaixforwardedfrom, "rsyslog.aixforwardedfrom", aix_parse);
