/*
 * sl_pm.h - small helpers shared by the parser plugins (pmlastmsg, pmciscoios, pmsnare,
 * pmaixforwardedfrom, pmcisconames, pmnormalize): the ABI 1.5 host check, rsyslog's
 * "binary" parameter values for parameters that must know whether they were given, the
 * plugin definition of a parser without parameters (SL_PM_SIMPLE_PARSER: pmlastmsg,
 * pmaixforwardedfrom, pmcisconames) and the raw-text access of the parsers that edit the
 * raw message and pass it on.
 *
 * Ownership: sl_pm_set_rest() frees the copy sl_pm_dup_rest() made; nothing else is
 * allocated.  Concurrency & locking: no shared state; parse() runs on several ruleset
 * workers with a read-only instance.
 */
#ifndef SLUICE_PLUGINS_SL_PM_H
#define SLUICE_PLUGINS_SL_PM_H

#include <stddef.h>
#include <stdlib.h>
#include <string.h>
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

/* The instance of a parser without parameters: the host only. */
struct sl_pm_inst {
    const struct sl_host *h;
};

/* Defines the plugin cname, a parser without parameters named pname whose parse() is
 * parse_fn (its instance: struct sl_pm_inst): its create() keeps the host and checks it
 * offers the ABI 1.5 calls; no parser() instances, as rsyslog's (no newParserInst). */
#define SL_PM_SIMPLE_PARSER(cname, pname, parse_fn)                                     \
    static int cname##_create(void *inst, void *modconf, const struct sl_host *h,       \
                              const struct sl_parser_env *env, const char *name)        \
    {                                                                                   \
        (void)modconf;                                                                  \
        (void)env;                                                                      \
        (void)name;                                                                     \
        ((struct sl_pm_inst *)inst)->h = h;                                             \
        return sl_pm_host_ok(h, #cname) ? 0 : SL_ECONFIG;                               \
    }                                                                                   \
    static const struct sl_parser_ops cname##_ops = {                                   \
        .create = cname##_create,                                                       \
        .parse = parse_fn,                                                              \
    };                                                                                  \
    SL_PLUGIN_DEFINE(cname) = {                                                         \
        SL_PLUGIN_HEADER(cname),                                                        \
        .kinds = SL_PARSER,                                                             \
        .inst_params = NULL,                                                            \
        .inst_size = sizeof(struct sl_pm_inst),                                         \
        .parser = &cname##_ops,                                                         \
        .parser_name = pname,                                                           \
    }

/* The part of m's raw message not parsed yet (from the parse position): *n bytes (a NUL
 * follows them); *sp: how many SPs it starts with. */
static inline const char *sl_pm_rest(const struct sl_host *h, struct sl_msg *m, size_t *n,
                                     size_t *sp)
{
    const char *raw;
    size_t rawlen, ap;
    h->msg_parse_raw(m, &raw, &rawlen, &ap);
    *n = rawlen - ap;
    *sp = 0;
    while (*sp < *n && raw[ap + *sp] == ' ') {
        (*sp)++;
    }
    return raw + ap;
}

/* A copy of what sl_pm_rest() returned (n bytes and the NUL) to edit, or NULL. */
static inline char *sl_pm_dup_rest(const char *t, size_t n)
{
    char *buf = malloc(n + 1);
    if (buf != NULL) {
        memcpy(buf, t, n + 1);
    }
    return buf;
}

/* Replaces the unparsed raw text with the edited copy buf (n bytes, NUL-terminated), frees
 * buf and answers "not mine", so the next parser reads the edited text; or an SL_E*. */
static inline int sl_pm_set_rest(const struct sl_host *h, struct sl_msg *m, char *buf,
                                 size_t n)
{
    int rc = h->msg_parse_set_raw(m, buf, n);
    free(buf);
    return rc == 0 ? SL_PARSE_NOT_MINE : rc;
}

#endif
