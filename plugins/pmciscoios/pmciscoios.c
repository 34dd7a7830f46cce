/*
 * pmciscoios.c - the pmciscoios parser (parser name "rsyslog.ciscoios"), as rsyslog
 * 8.2302's: Cisco IOS lines "<PRI>SEQNO: [ORIGIN: ][XR-PREFIX:]*TIMESTAMP: %TAG: MSG",
 * e.g. "<189>5043: *Mar  1 18:46:11.123 UTC: %SYS-5-CONFIG_I: Configured from console".
 *
 * rsyslog's reading, reproduced step by step (lines that fail a step are "not mine"):
 *   - SEQNO: digits (none is fine), then ": ";
 *   - present.origin="on": ORIGIN up to the next ": " (at most 511 bytes) becomes HOSTNAME
 *     (may be empty), then ": ";
 *   - present.xr="on": everything up to the next ':' is skipped, and the ':';
 *   - one optional '*' or '.', then an RFC 3164 timestamp with an optional zone name
 *     (" UTC", skipped: sluice has no timezone() table) and an optional ':' -- it becomes
 *     timereported (year and zone from the receive time);
 *   - present.xr: everything up to the next '%' is skipped;
 *   - TAG: '%' and what follows up to ':' or SP (at most 510 bytes); with present.xr one
 *     byte is skipped after it; then ": " must follow; syslogtag is the TAG plus ':';
 *   - MSG is the rest from the SP after that ':'.
 * rsyslog does not count the ": " after SEQNO and ORIGIN and the '*' in its remaining
 * length; its checks are copied with that length, while no byte past the message is read.
 *
 * Hand-written (no library reads Cisco's format); the timestamp is the core's RFC 3164
 * reader (host msg_parse_ts3164), the same one the built-in parser uses.
 * Ownership: the instance holds its two flags and the host pointer.
 * Concurrency & locking: parse() runs on several ruleset workers; the instance is
 * read-only after create(); buffers are on the stack.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "sluice/sl_plugin.h"
#include "../common/sl_pm.h"

#define HOST_MAX 511    /* rsyslog CONF_HOSTNAME_MAXSIZE - 1 */
#define TAG_BUF 512     /* rsyslog's bufParseTAG */

struct ios_inst {
    const struct sl_host *h;
    int origin;         /* present.origin */
    int xr;             /* present.xr */
};

#define IOFF(f) offsetof(struct ios_inst, f)
static const struct sl_param inst_params[] = {
    { "present.origin", SL_PT_BOOL, 0, IOFF(origin), "off", NULL, NULL,
      "the sequence number is followed by \"ORIGIN: \" (it becomes HOSTNAME)" },
    { "present.xr", SL_PT_BOOL, 0, IOFF(xr), "off", NULL, NULL,
      "IOS XR format: a \"node:\" prefix before the timestamp, text before the %TAG" },
    SL_PARAM_END
};

static int ios_create(void *inst, void *modconf, const struct sl_host *h,
                      const struct sl_parser_env *env, const char *name)
{
    struct ios_inst *in = inst;
    (void)modconf;
    (void)env;
    (void)name;
    in->h = h;
    return sl_pm_host_ok(h, "pmciscoios") ? 0 : SL_ECONFIG;
}

static int ios_parse(void *inst, struct sl_msg *m)
{
    const struct ios_inst *in = inst;
    const struct sl_host *h = in->h;
    const char *raw;
    size_t rawlen, ap;
    h->msg_parse_raw(m, &raw, &rawlen, &ap);
    const char *p = raw + ap;
    const char *end = raw + rawlen;      /* *end is the NUL */
    long len = (long)(rawlen - ap);      /* rsyslog's lenMsg, at times too large */

    while (len > 0 && *p >= '0' && *p <= '9') {
        p++;
        len--;
    }
    if (len < 2 || p[0] != ':' || p[1] != ' ') {
        return SL_PARSE_NOT_MINE;
    }
    p += 2;

    const char *host = NULL;
    size_t hostlen = 0;
    if (in->origin) {
        host = p;
        while (len > 1 && p < end && !(p[0] == ':' && p[1] == ' ') && hostlen < HOST_MAX) {
            p++;
            hostlen++;
            len--;
        }
        if (len < 2 || p >= end || p[1] != ' ') {
            return SL_PARSE_NOT_MINE;
        }
        p += 2;
    }

    if (in->xr) {
        while (len > 1 && p < end && *p != ':') {
            len--;
            p++;
        }
        if (len < 2 || p >= end) {
            return SL_PARSE_NOT_MINE;
        }
        p++;
    }

    if (p < end && (*p == '*' || *p == '.')) {
        p++;
    }
    if (p > end) {
        return SL_PARSE_NOT_MINE;
    }
    /* the timestamp reader gets what is really left; rsyslog's surplus is kept aside */
    size_t real = (size_t)(end - p);
    long surplus = len > (long)real ? len - (long)real : 0;
    size_t tlen = len < (long)real ? (size_t)(len > 0 ? len : 0) : real;
    if (!h->msg_parse_ts3164(m, &p, &tlen, SL_TS3164_TZSTRING)) {
        return SL_PARSE_NOT_MINE;
    }
    len = (long)tlen + surplus;

    if (in->xr) {
        while (len > 1 && p < end && *p != '%') {
            len--;
            p++;
        }
        if (len < 2) {
            return SL_PARSE_NOT_MINE;
        }
    }

    if (len < 1 || p >= end || *p != '%') {
        return SL_PARSE_NOT_MINE;
    }
    char tag[TAG_BUF];
    size_t i = 0;
    while (len > 0 && p < end && *p != ':' && *p != ' ' && i < TAG_BUF - 2) {
        tag[i++] = *p++;
        len--;
    }
    if (in->xr) {
        p++;
    }
    if (len < 2 || p + 1 > end || *p != ':' || p[1] != ' ') {
        return SL_PARSE_NOT_MINE;
    }
    p++;
    tag[i++] = ':';

    struct sl_msg_fields f;
    memset(&f, 0, sizeof f);
    f.set = SL_MF_TAG | SL_MF_MSG;
    f.tag = tag;
    f.tag_len = i;
    if (in->origin) {
        f.set |= SL_MF_HOSTNAME;
        f.hostname = host;
        f.hostname_len = hostlen;
    }
    f.msg = p;
    f.msg_len = (size_t)(end - p);
    return h->msg_set_fields(m, &f) == 0 ? SL_PARSE_DONE : SL_ENOMEM;
}

static const struct sl_parser_ops ios_ops = {
    .create = ios_create,
    .parse = ios_parse,
};

SL_PLUGIN_DEFINE(pmciscoios) = {
    SL_PLUGIN_HEADER(pmciscoios),
    .kinds = SL_PARSER,
    .inst_params = inst_params,
    .inst_size = sizeof(struct ios_inst),
    .parser = &ios_ops,
    .parser_name = "rsyslog.ciscoios",
};
