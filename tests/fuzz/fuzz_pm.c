/*
 * fuzz_pm.c - libFuzzer target for the parser plugins (pmlastmsg, pmciscoios, pmsnare,
 * pmaixforwardedfrom, pmcisconames) inside the core's parse driver: each input is one raw
 * message, parsed by sl_msg_parse with a ruleset chain of plugin parsers ending in
 * RFC 3164, then every header property is read.  The first input byte chooses the chain
 * (which plugins, in which order), pmciscoios' present.origin/present.xr, the tab
 * representation pmsnare looks for ("#011", "\t", a real tab) and whether control
 * characters are escaped; the rest is the message.  A read past the message, a bad
 * memmove length or a span outside the message shows under ASan/UBSan.
 *
 * Build (tests/plugins/pm-fuzz.sh does it): clang -fsanitize=fuzzer,address,undefined
 *   -DSL_BUILTIN_PLUGIN with the core's message sources and the five plugin sources.
 * Built with -DPM_FUZZ_SEEDS instead, main() writes a seed corpus into the directory given.
 *
 * Ownership: the plugin instances are this file's statics; libFuzzer owns the inputs.
 * Concurrency & locking: single-threaded.
 */
#include "config.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "msg.h"

extern const struct sl_plugin sl_builtin_pmlastmsg, sl_builtin_pmciscoios, sl_builtin_pmsnare,
    sl_builtin_pmaixforwardedfrom, sl_builtin_pmcisconames;

#ifndef PM_FUZZ_SEEDS
static void quiet_log(int severity, const char *who, const char *fmt, ...)
{
    (void)severity;
    (void)who;
    (void)fmt;
}

static const struct sl_host fz_host = {
    .version = SL_HOST_VERSION,
    .struct_size = sizeof(struct sl_host),
    .log = quiet_log,
    .msg_set_fields = sl_msg_set_fields,
    .msg_parse_raw = sl_msg_parse_raw,
    .msg_parse_set_raw = sl_msg_parse_set_raw,
    .msg_parse_ts3164 = sl_msg_parse_ts3164,
};

enum { P_LAST, P_IOS, P_IOS_O, P_IOS_X, P_IOS_OX, P_SNARE_HASH, P_SNARE_C, P_SNARE_TAB, P_AIX,
       P_CN, P__N };
static void *inst[P__N];
static const struct sl_plugin *pl[P__N];

static void *mk(const struct sl_plugin *p, int a, int b, const struct sl_parser_env *env)
{
    void *in = calloc(1, p->inst_size);
    if (in == NULL) {
        abort();
    }
    if (p == &sl_builtin_pmciscoios) {
        /* present.origin, present.xr: the first two ints after the host pointer */
        int *f = (int *)(void *)((char *)in + sizeof(void *));
        f[0] = a;
        f[1] = b;
    }
    if (p->parser->create(in, NULL, &fz_host, env, p->name) != 0) {
        abort();
    }
    return in;
}

static void setup(void)
{
    struct sl_parser_env env = { .struct_size = sizeof env, .escape_cc_on_receive = 1,
                                 .escape_tab = 1, .cc_escape_prefix = '#' };
    pl[P_LAST] = &sl_builtin_pmlastmsg;
    inst[P_LAST] = mk(pl[P_LAST], 0, 0, &env);
    for (int i = 0; i < 4; i++) {
        pl[P_IOS + i] = &sl_builtin_pmciscoios;
        inst[P_IOS + i] = mk(pl[P_IOS + i], i & 1, (i >> 1) & 1, &env);
    }
    pl[P_SNARE_HASH] = pl[P_SNARE_C] = pl[P_SNARE_TAB] = &sl_builtin_pmsnare;
    inst[P_SNARE_HASH] = mk(&sl_builtin_pmsnare, 0, 0, &env);
    env.escape_cstyle = 1;
    inst[P_SNARE_C] = mk(&sl_builtin_pmsnare, 0, 0, &env);
    env.escape_cstyle = 0;
    env.escape_cc_on_receive = 0;
    inst[P_SNARE_TAB] = mk(&sl_builtin_pmsnare, 0, 0, &env);
    pl[P_AIX] = &sl_builtin_pmaixforwardedfrom;
    inst[P_AIX] = mk(pl[P_AIX], 0, 0, &env);
    pl[P_CN] = &sl_builtin_pmcisconames;
    inst[P_CN] = mk(pl[P_CN], 0, 0, &env);
}

static void add(struct sl_parser_chain *c, int which)
{
    c->e[c->n].kind = SL_PARSER_PLUGIN;
    c->e[c->n].ops = pl[which]->parser;
    c->e[c->n].inst = inst[which];
    c->n++;
}

int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n);
int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n)
{
    static int ready;
    if (!ready) {
        setup();
        ready = 1;
    }
    if (n < 1) {
        return 0;
    }
    unsigned sel = d[0];
    struct sl_parse_opts base, o;
    sl_parse_opts_default(&base);
    base.escape_cc_on_receive = (sel & 0x80) == 0;
    struct sl_parser_chain c;
    memset(&c, 0, sizeof c);
    /* snare and the raw editors first (they never take a message), then a taker */
    add(&c, P_SNARE_HASH + (int)(sel % 3));
    if (sel & 0x08) {
        add(&c, P_AIX);
        add(&c, P_CN);
    } else {
        add(&c, P_CN);
        add(&c, P_AIX);
    }
    add(&c, P_LAST);
    add(&c, P_IOS + (int)((sel >> 4) & 3));
    c.e[c.n].kind = (sel & 0x40) ? SL_PARSER_RFC5424 : SL_PARSER_RFC3164;
    c.e[c.n].opts = base;
    c.n++;
    o = base;
    o.chain = &c;

    struct sl_msg *m = sl_msg_new((const char *)d + 1, n - 1);
    sl_msg_parse(m, &o);
    static const enum sl_prop props[] = {
        SL_PROP_MSG, SL_PROP_RAWMSG, SL_PROP_RAWMSG_AFTER_PRI, SL_PROP_HOSTNAME,
        SL_PROP_SYSLOGTAG, SL_PROP_PROGRAMNAME, SL_PROP_APP_NAME, SL_PROP_PROCID,
        SL_PROP_MSGID, SL_PROP_PRI, SL_PROP_TIMEREPORTED, SL_PROP_PROTOCOL_VERSION,
        SL_PROP_STRUCTURED_DATA
    };
    volatile unsigned sum = 0;
    for (size_t i = 0; i < sizeof props / sizeof props[0]; i++) {
        struct sl_propref r = { props[i], NULL };
        char tmp[SL_PROP_TMP];
        char *to_free = NULL;
        size_t len;
        const char *v = sl_msg_prop(m, &r, &len, tmp, &to_free);
        for (size_t k = 0; k < len; k++) {
            sum += (unsigned char)v[k];
        }
        free(to_free);
    }
    (void)sum;
    sl_msg_unref(m);
    return 0;
}

#else /* PM_FUZZ_SEEDS */

static const char *const seeds[] = {
    "\x00<13>last message repeated 5 times",
    "\x10<189>5043: rtr1: *Mar  1 18:46:11.123 UTC: %SYS-5-CONFIG_I: Configured",
    "\x20<189>7: RP/0/RSP0/CPU0:Mar 10 10:00:00 UTC: bgp[1]: %ROUTING-BGP-5-ADJ : up",
    "\x00<189>17: Apr 10 09:01:02: %LINK-3-UPDOWN: Interface Gi0/1, changed state to up",
    "\x00<14>Jun  2 11:22:33 winhost MSWinEventLog\t1\tSecurity\t4711\tx\t1",
    "\x02host\tMSWinEventLog\t1\tSystem\t42\tMon Jun 03 01:02:03 2024\t7036\tx",
    "\x81<14>host\\tLinuxKAudit\\t1\\tuser\\t99\\tTue Jun 04 05:06:07 2024\\t0",
    "\x08<38>Sep 12 08:15:01 Message forwarded from aixhost01: sshd[1]: Accepted",
    "\x00<38>Sep 12 08:15:02 From aixhost02: cron[77]: (root) CMD (x)",
    "\x00<166>Jul 30 14:01:02 fw-edge-1 : %ASA-6-302013: Built outbound TCP connection",
    "\x00<166>Jul 30 2024 14:01:03 fw-edge-2 : %ASA-6-302014: Teardown TCP connection",
    "\x40<165>1 2024-03-01T10:11:12.5Z host7 app 99 ID1 - an RFC 5424 line",
    "\x00<14>Jun  2 11:22:33 h MSWinEventLog",
};

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: %s DIR\n", argv[0]);
        return 2;
    }
    for (size_t i = 0; i < sizeof seeds / sizeof seeds[0]; i++) {
        char path[4096];
        snprintf(path, sizeof path, "%s/seed%02zu", argv[1], i);
        FILE *f = fopen(path, "wb");
        if (f == NULL) {
            return 1;
        }
        /* the selector byte may be NUL: write it, then the text */
        fputc(seeds[i][0], f);
        fputs(seeds[i] + 1, f);
        fclose(f);
    }
    return 0;
}
#endif
