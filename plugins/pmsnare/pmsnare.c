/*
 * pmsnare.c - the pmsnare parser (parser name "rsyslog.snare"), as rsyslog 8.2302's
 * contrib module: it repairs the messages of Snare agents (Windows "MSWinEventLog", Linux
 * "LinuxKAudit"), whose fields are separated by tabs, so that the next parser of the chain
 * (normally rsyslog.rfc3164) finds HOSTNAME and TAG.  It never takes a message itself: it
 * edits the raw message and answers "not mine".
 *
 * rsyslog's edits, reproduced (messages shorter than 30 bytes after the PRI are left alone):
 *   - the text up to the first SP, tab or first byte of the tab representation is the
 *     hostname; if a tab representation follows and then "MSWinEventLog" or "LinuxKAudit"
 *     (case-insensitive), that tab becomes one SP (a Snare line without syslog header:
 *     "host<TAB>MSWinEventLog<TAB>1<TAB>..."); a tab followed by anything else: not Snare;
 *   - otherwise 16 bytes (an RFC 3164 timestamp and SP) and the word after them (the
 *     hostname) are skipped, and the tag must follow;
 *   - either way the tab representation right after the tag becomes one SP (rsyslog does
 *     not check that a tab is there: whatever byte follows the tag is replaced).
 * The tab representation is what the sanitiser made of a tab: "#011" (escaping on, tab
 * escaping on; the prefix is parser.controlCharacterEscapePrefix), "\t" as two bytes with
 * parser.escapeControlCharactersCStyle, else a real tab.  The instance parameters of the
 * same names override the global settings for this computation only (the sanitiser itself
 * follows the global ones), as rsyslog's parser(type="pmsnare" ...) does.  The three
 * switches are read as strings so that "not given" (follow global()) is known; they take
 * the words the core's booleans take.
 * Where rsyslog's arithmetic would go below zero (a tag at the very end), the edit is
 * skipped instead of rsyslog's out-of-bounds move.
 *
 * Hand-written: no library knows Snare's framing.
 * Ownership: parameters are the core's; the tab representation lives in the instance; the
 * edited copy is a per-call allocation handed to msg_parse_set_raw (which copies it).
 * Concurrency & locking: parse() runs on several ruleset workers; the instance is read-only
 * after create().
 */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "sluice/sl_plugin.h"
#include "../common/sl_pm.h"

struct snare_inst {
    const struct sl_host *h;
    char *esc_cc;       /* parameters as given (NULL: from global()) */
    char *esc_tab;
    char *esc_cstyle;
    char *prefix;
    char tabrep[5];
    size_t tablen;
};

#define SOFF(f) offsetof(struct snare_inst, f)
static const struct sl_param inst_params[] = {
    { "parser.controlCharacterEscapePrefix", SL_PT_STRING, 0, SOFF(prefix), NULL, NULL, NULL,
      "escape prefix of the tab representation (first character; default: global())" },
    { "parser.escapeControlCharactersOnReceive", SL_PT_STRING, 0, SOFF(esc_cc), NULL, NULL,
      NULL, "on/off: tabs arrive escaped (default: global())" },
    { "parser.escapeControlCharacterTab", SL_PT_STRING, 0, SOFF(esc_tab), NULL, NULL, NULL,
      "on/off: tabs are escaped too (default: global())" },
    { "parser.escapeControlCharactersCStyle", SL_PT_STRING, 0, SOFF(esc_cstyle), NULL, NULL,
      NULL, "on/off: escapes are C style, a tab is \\t (default: global())" },
    SL_PARAM_END
};

static int snare_create(void *inst, void *modconf, const struct sl_host *h,
                        const struct sl_parser_env *env, const char *name)
{
    struct snare_inst *in = inst;
    (void)modconf;
    in->h = h;
    if (!sl_pm_host_ok(h, "pmsnare")) {
        return SL_ECONFIG;
    }
    int g_cc = 1, g_tab = 1, g_c = 0;
    char g_prefix = '#';
    if (env != NULL && env->struct_size >= offsetof(struct sl_parser_env, escape_8bit)) {
        g_cc = env->escape_cc_on_receive;
        g_tab = env->escape_tab;
        g_c = env->escape_cstyle;
        g_prefix = env->cc_escape_prefix ? env->cc_escape_prefix : '#';
    }
    int cc = sl_pm_bool(in->esc_cc, g_cc);
    int tab = sl_pm_bool(in->esc_tab, g_tab);
    int cs = sl_pm_bool(in->esc_cstyle, g_c);
    if (cc < 0 || tab < 0 || cs < 0) {
        h->log(SL_LOG_ERR, "pmsnare", "parser '%s': parser.escape* parameters take on or off",
               name);
        return SL_ECONFIG;
    }
    char prefix = in->prefix != NULL && in->prefix[0] != '\0' ? in->prefix[0] : g_prefix;
    if (cc && tab) {
        if (cs) {
            memcpy(in->tabrep, "\\t", 3);
        } else {
            memcpy(in->tabrep, "#011", 5);
            in->tabrep[0] = prefix;
        }
    } else {
        memcpy(in->tabrep, "\t", 2);
    }
    in->tablen = strlen(in->tabrep);
    return 0;
}

/* Replaces the tab representation at buf[at] (whatever is there) by one SP; *n shrinks. */
static void untab(char *buf, size_t *n, size_t at, size_t tablen)
{
    if (at >= *n || *n - at < tablen) {
        return;     /* rsyslog would move a negative length here */
    }
    buf[at] = ' ';
    size_t rest = *n - at - tablen;
    memmove(buf + at + 1, buf + at + tablen, rest);
    *n -= tablen - 1;
    buf[*n] = '\0';
}

static int snare_parse(void *inst, struct sl_msg *m)
{
    const struct snare_inst *in = inst;
    const char *raw;
    size_t rawlen, ap;
    in->h->msg_parse_raw(m, &raw, &rawlen, &ap);
    size_t n = rawlen - ap;
    if (n < 30) {
        return SL_PARSE_NOT_MINE;
    }
    const char *t = raw + ap;
    const size_t tl = in->tablen;
    size_t i = 0, snare = 0;
    int first_tab = 0;

    while (i < n && t[i] != ' ' && t[i] != '\t' && t[i] != in->tabrep[0]) {
        i++;
    }
    if (n - i > tl && strncasecmp(t + i, in->tabrep, tl) == 0) {
        if (strncasecmp(t + i + tl, "MSWinEventLog", 13) == 0) {
            snare = i + tl + 13;
        } else if (strncasecmp(t + i + tl, "LinuxKAudit", 11) == 0) {
            snare = i + tl + 11;
        } else {
            return SL_PARSE_NOT_MINE;
        }
        first_tab = 1;
    } else {
        size_t len = n - 16;
        i = 16;
        while (len > 0 && t[i] != ' ') {
            len--;
            i++;
        }
        if (len > 0) {
            len--;
            i++;
        }
        if (len > 13 && strncasecmp(t + i, "MSWinEventLog", 13) == 0) {
            snare = i + 13;
        } else if (len > 11 && strncasecmp(t + i, "LinuxKAudit", 11) == 0) {
            snare = i + 11;
        } else {
            return SL_PARSE_NOT_MINE;
        }
    }

    char *buf = malloc(n + 1);
    if (buf == NULL) {
        return SL_ENOMEM;
    }
    memcpy(buf, t, n + 1);
    if (first_tab) {
        untab(buf, &n, i, tl);      /* the tab between hostname and tag */
        snare -= tl - 1;
    }
    untab(buf, &n, snare, tl);      /* the tab after the tag */
    int rc = in->h->msg_parse_set_raw(m, buf, n);
    free(buf);
    return rc == 0 ? SL_PARSE_NOT_MINE : rc;
}

static const struct sl_parser_ops snare_ops = {
    .create = snare_create,
    .parse = snare_parse,
};

SL_PLUGIN_DEFINE(pmsnare) = {
    SL_PLUGIN_HEADER(pmsnare),
    .kinds = SL_PARSER,
    .inst_params = inst_params,
    .inst_size = sizeof(struct snare_inst),
    .parser = &snare_ops,
    .parser_name = "rsyslog.snare",
};
