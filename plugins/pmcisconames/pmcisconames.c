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

struct cn_inst {
    const struct sl_host *h;
};

static int cn_create(void *inst, void *modconf, const struct sl_host *h,
                     const struct sl_parser_env *env, const char *name)
{
    struct cn_inst *in = inst;
    (void)modconf;
    (void)env;
    (void)name;
    in->h = h;
    return sl_pm_host_ok(h, "pmcisconames") ? 0 : SL_ECONFIG;
}

static int cn_parse(void *inst, struct sl_msg *m)
{
    const struct cn_inst *in = inst;
    const char *raw;
    size_t rawlen, ap;
    in->h->msg_parse_raw(m, &raw, &rawlen, &ap);
    const char *t = raw + ap;
    size_t n = rawlen - ap;
    size_t i = 0, len = n;
    while (len > 0 && t[i] == ' ') {
        len--;
        i++;
    }
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
    char *buf = malloc(n + 1);
    if (buf == NULL) {
        return SL_ENOMEM;
    }
    memcpy(buf, t, n + 1);
    memmove(buf + i, buf + i + 2, len - 2);
    n -= 2;
    buf[n] = '\0';
    int rc = in->h->msg_parse_set_raw(m, buf, n);
    free(buf);
    return rc == 0 ? SL_PARSE_NOT_MINE : rc;
}

static const struct sl_parser_ops cn_ops = {
    .create = cn_create,
    .parse = cn_parse,
};

SL_PLUGIN_DEFINE(pmcisconames) = {
    SL_PLUGIN_HEADER(pmcisconames),
    .kinds = SL_PARSER,
    .inst_params = NULL,    /* no parser() instances, as rsyslog's (no newParserInst) */
    .inst_size = sizeof(struct cn_inst),
    .parser = &cn_ops,
    .parser_name = "rsyslog.cisconames",
};
