/*
 * pmcisconames.c - the pmcisconames parser (parser name "rsyslog.cisconames"), as rsyslog
 * 8.2302's contrib module: Cisco ASA/PIX with "logging device-id" send
 * "<PRI>Mmm dd hh:mm:ss HOST : %ASA-6-302013: ...", where " : " makes RFC 3164 take ":" as
 * the tag.  The parser removes the ": " before the '%' from the raw message and answers
 * "not mine", so the next parser (rsyslog.rfc3164) reads HOST and the %ASA-... tag.  It
 * never takes a message.
 *
 * rsyslog's checks, reproduced: leading SPs skipped; at least 34 bytes left; a 16-byte
 * timestamp ("Mmm dd hh:mm:ss ": ':' at 9 and 12, SP at 3, 6 and 15) or a 21-byte one
 * ("Mmm dd yyyy hh:mm:ss ": ':' at 14 and 17, SP at 3, 6, 11 and 20) skipped; HOST up to
 * the next SP; at least 4 bytes from that SP on; after it ": %" (then ": " is removed).
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

static int cn_parse(void *inst, struct sl_msg *m)
{
    const struct sl_pm_inst *in = inst;
    size_t n, i;
    const char *t = sl_pm_rest(in->h, m, &n, &i);
    size_t len = n - i;
    if (len < 34) {
        return SL_PARSE_NOT_MINE;
    }
    const char *p = t + i;
    if (p[9] == ':' && p[12] == ':' && p[3] == ' ' && p[6] == ' ' && p[15] == ' ') {
        len -= 16;
        i += 16;
    } else if (p[14] == ':' && p[17] == ':' && p[3] == ' ' && p[6] == ' ' && p[11] == ' ' &&
               p[20] == ' ') {
        len -= 21;
        i += 21;
    } else {
        return SL_PARSE_NOT_MINE;
    }
    while (len > 0 && t[i] != ' ') {
        len--;
        i++;
    }
    if (len < 4) {      /* sizeof(": %"), the NUL counted as rsyslog does */
        return SL_PARSE_NOT_MINE;
    }
    len--;
    i++;
    if (strncasecmp(t + i, ": %", 3) != 0) {
        return SL_PARSE_NOT_MINE;
    }
    char *buf = sl_pm_dup_rest(t, n);
    if (buf == NULL) {
        return SL_ENOMEM;
    }
    memmove(buf + i, buf + i + 2, len - 2);
    n -= 2;
    buf[n] = '\0';
    return sl_pm_set_rest(in->h, m, buf, n);
}

SL_PM_SIMPLE_PARSER(pmcisconames, "rsyslog.cisconames", cn_parse);
