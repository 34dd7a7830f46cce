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

struct lm_inst {
    const struct sl_host *h;
};

#define OPENING "last message repeated "
#define CLOSING " times"

static int lm_create(void *inst, void *modconf, const struct sl_host *h,
                     const struct sl_parser_env *env, const char *name)
{
    struct lm_inst *in = inst;
    (void)modconf;
    (void)env;
    (void)name;
    in->h = h;
    return sl_pm_host_ok(h, "pmlastmsg") ? 0 : SL_ECONFIG;
}

static int lm_parse(void *inst, struct sl_msg *m)
{
    const struct lm_inst *in = inst;
    const char *raw;
    size_t rawlen, ap;
    in->h->msg_parse_raw(m, &raw, &rawlen, &ap);
    const char *p = raw + ap;
    size_t len = rawlen - ap;
    while (len > 0 && *p == ' ') {
        p++;
        len--;
    }
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
    f.msg = raw + ap;
    f.msg_len = rawlen - ap;
    return in->h->msg_set_fields(m, &f) == 0 ? SL_PARSE_DONE : SL_ENOMEM;
}

static const struct sl_parser_ops lm_ops = {
    .create = lm_create,
    .parse = lm_parse,
};

SL_PLUGIN_DEFINE(pmlastmsg) = {
    SL_PLUGIN_HEADER(pmlastmsg),
    .kinds = SL_PARSER,
    .inst_params = NULL,    /* no parser() instances, as rsyslog's (no newParserInst) */
    .inst_size = sizeof(struct lm_inst),
    .parser = &lm_ops,
    .parser_name = "rsyslog.lastline",
};
