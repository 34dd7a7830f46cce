/*
 * legacy.c - sysklogd selectors, property filters, legacy actions and $Directives, turned
 * into the same IR as RainerScript (with rsyslog's modern parameter names).
 *
 * Legacy $Action... directives are stateful, as in rsyslog 8.2302 (verified by running it):
 *   - queue/resume settings apply to the next action if it is a legacy one, and any next
 *     action (legacy or action()) uses them up;
 *   - output defaults ($FileOwner, $FileCreateMode, $CreateDirs, ...) apply to every
 *     following legacy action of that module, the default templates
 *     ($ActionFileDefaultTemplate, $ActionForwardDefaultTemplate) to action() objects too;
 *     a parameter the action sets itself wins;
 *   - $ResetConfigVariables clears them.
 * The table below holds the core's own directives (global, main queue, action settings)
 * and the ones that create objects ($ModLoad, $template, $RuleSet, $UDPServerRun,
 * $InputTCPServerRun, ...: desugaring, like the selector lines).  Every plugin's
 * directives come from the `legacy` fields of its descriptor (sl_cnf_set_plugins): the
 * built-ins' and those of the modules loaded before the directive, as in rsyslog.
 * All kvs produced here from directives are implicit.
 *
 * Size: about 1,100 lines, over the core's ~1,000-line guideline on purpose: the selector
 * grammar, the directive table and the stateful $Action... rules are one legacy dialect
 * whose pieces call each other (a selector line ends in an action that consumes pending
 * directive state); splitting it would only spread that state over files.
 *
 * Ownership: pending settings live in struct sl_legacy inside the parse state and are
 * freed by sl_legacy_free(); produced IR belongs to the sl_cnf.
 * Concurrency & locking: none (main thread, config load only).
 */
#include "config.h"

#include <ctype.h>
#include <regex.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "conf/conf_int.h"
#include "log.h"
#include "util/buf.h"
#include "util/sl_regcomp.h"
#include "util/strutil.h"
#include "util/syslog_names.h"

/* ------------------------------------------------------------------ selectors */

#define PRI_ALL 0xff
#define PRI_NONE 0x10

/* An unknown facility or priority name s[0..len) of a selector that starts at loc (text
 * at `text`): reported at its own column, with the nearest selector name. */
static void bad_selector_name(struct sl_pstate *ps, struct sl_loc loc, const char *text,
                              const char *s, size_t len, int is_fac)
{
    char name[65], hint[160];
    snprintf(name, sizeof name, "%.*s", (int)len, s);
    struct sl_suggest sg;
    sl_suggest_init(&sg, name);
    const char *cand;
    for (size_t i = 0; (cand = sl_syslog_name_nth(i, is_fac, SL_NAMES_LEGACY)) != NULL; i++) {
        sl_suggest_add(&sg, cand);
    }
    if (!is_fac) {
        sl_suggest_add(&sg, "none");
    }
    if (loc.col > 0) {
        loc.col += (int)(s - text);
    }
    sl_perr(ps, &loc, "bad selector: unknown %s name '%.*s'%s", is_fac ? "facility" : "priority",
            (int)len, s, sl_suggest_text(&sg, hint, sizeof hint));
}

/* name or number (plain: "16" is local0, not rsyslog's syslog.h constant as in prifilt());
 * -1 if unknown */
static int decode_name(const char *s, size_t len, int is_fac)
{
    if (len > 0 && isdigit((unsigned char)s[0])) {
        int v = 0;
        for (size_t i = 0; i < len; i++) {
            if (!isdigit((unsigned char)s[i]) || v > 1000) {
                return -1;
            }
            v = v * 10 + (s[i] - '0');
        }
        return (is_fac ? v <= 24 : v <= 7) ? v : -1;
    }
    /* the legacy dialect's names (audit, alert, clock; see util/syslog_names.h) */
    return sl_syslog_name_value(s, len, is_fac, SL_NAMES_LEGACY);
}

static void apply_pri(uint8_t *m, int pri, int ignore, int single)
{
    if (pri == PRI_NONE) {
        *m = ignore ? PRI_ALL : 0;
    } else if (single && pri != PRI_ALL) {
        if (ignore) {
            *m &= (uint8_t)~(1u << pri);
        } else {
            *m |= (uint8_t)(1u << pri);
        }
    } else if (pri == PRI_ALL) {
        *m = ignore ? 0 : PRI_ALL;
    } else {
        for (int i = 0; i <= pri; i++) {
            if (ignore) {
                *m &= (uint8_t)~(1u << i);
            } else {
                *m |= (uint8_t)(1u << i);
            }
        }
    }
}

int sl_legacy_prifilt(struct sl_pstate *ps, const char *text, struct sl_loc loc,
                      uint8_t pmask[25])
{
    memset(pmask, 0, 25);
    const char *p = text;
    int bad = 0;
    while (*p != '\0') {
        const char *sel_end = strchr(p, ';');
        if (sel_end == NULL) {
            sel_end = p + strlen(p);
        }
        const char *dot = NULL;
        for (const char *q = sel_end; q > p; q--) {
            if (q[-1] == '.') {
                dot = q - 1;
                break;
            }
        }
        if (dot == NULL) {
            sl_perr(ps, &loc, "bad selector '%.*s': missing '.priority'", (int)(sel_end - p), p);
            return SL_ECONFIG;
        }
        const char *pp = dot + 1;
        int ignore = 0, single = 0;
        /* "!" and "=" in this order only ("=!" is an error, as in rsyslog) */
        if (pp < sel_end && *pp == '!') {
            ignore = 1;
            pp++;
        }
        if (pp < sel_end && *pp == '=') {
            single = 1;
            pp++;
        }
        int pri;
        size_t plen = (size_t)(sel_end - pp);
        if (plen == 1 && *pp == '*') {
            pri = PRI_ALL;
        } else if (plen == 4 && strncasecmp(pp, "none", 4) == 0) {
            pri = PRI_NONE;
        } else {
            pri = decode_name(pp, plen, 0);
            if (pri < 0) {
                bad_selector_name(ps, loc, text, pp, plen, 0);
                bad = 1;
                pri = 0;
            }
        }
        const char *f = p;
        while (f < dot) {
            const char *fe = memchr(f, ',', (size_t)(dot - f));
            if (fe == NULL) {
                fe = dot;
            }
            size_t flen = (size_t)(fe - f);
            if (flen == 1 && *f == '*') {
                for (int i = 0; i < 25; i++) {
                    apply_pri(&pmask[i], pri, ignore, single);
                }
            } else {
                int fac = decode_name(f, flen, 1);
                if (fac < 0) {
                    bad_selector_name(ps, loc, text, f, flen, 1);
                    bad = 1;
                } else if (fac < 25) {  /* "mark" (SL_FAC_MARK) matches nothing */
                    apply_pri(&pmask[fac], pri, ignore, single);
                }
            }
            f = fe < dot ? fe + 1 : dot;
        }
        p = *sel_end == ';' ? sel_end + 1 : sel_end;
    }
    return bad ? SL_ECONFIG : 0;
}

/* ------------------------------------------------------------------ property filters */

int sl_legacy_compile_re(struct sl_pstate *ps, struct sl_stmt *st, struct sl_loc loc)
{
    int flags = REG_NOSUB | (st->u.propfilt.op == SL_PF_EREREGEX ? REG_EXTENDED : 0);
    regex_t *re = sl_xmalloc(sizeof *re);
    int rc = sl_regcomp(re, st->u.propfilt.value, flags);
    if (rc != 0) {
        /* rsyslog 8.2302 compiles the expression on first use and, when that fails, the
         * filter never matches (a negated one always does); the daemon starts all the
         * same.  -N reports it as an error; running, sluice behaves as rsyslog (core/rule.c
         * matches with per-thread copies, which fail to compile alike). */
        char eb[256];
        regerror(rc, re, eb, sizeof eb);
        sl_perr_soft(ps, &loc, "property filter: regular expression '%s' does not compile: "
                     "%s; the filter never matches", st->u.propfilt.value, eb);
        free(re);
        return 0;
    }
    st->u.propfilt.re = re;
    return 0;
}

static const char *skip_blanks(const char *p)
{
    while (*p == ' ' || *p == '\t') {
        p++;
    }
    return p;
}

struct sl_stmt *sl_legacy_propfilt(struct sl_pstate *ps, const char *text, struct sl_loc loc)
{
    const char *p = text + 1;
    const char *c1 = strchr(p, ',');
    if (c1 == NULL) {
        sl_perr(ps, &loc, "bad property filter '%s'", text);
        return NULL;
    }
    const char *pe = c1;
    while (pe > p && (pe[-1] == ' ' || pe[-1] == '\t')) {
        pe--;
    }
    struct sl_stmt *st = sl_stmt_new(SL_ST_PROPFILT, loc);
    if (pe == p || sl_propref_parse(p, (size_t)(pe - p), &st->u.propfilt.prop) != 0) {
        char name[65], hint[160];
        snprintf(name, sizeof name, "%.*s", (int)(pe - p), p);
        struct sl_loc pl = loc;
        if (pl.col > 0) {
            pl.col += (int)(p - text);
        }
        sl_perr(ps, &pl, "property filter: unknown property name '%.*s'%s", (int)(pe - p), p,
                sl_prop_suggest(name, hint, sizeof hint));
        memset(&st->u.propfilt.prop, 0, sizeof st->u.propfilt.prop);
        sl_stmt_free_list(st);
        return NULL;
    }
    p = skip_blanks(c1 + 1);
    if (*p == '!') {
        st->u.propfilt.negate = 1;
        p++;
    }
    const char *oe = p;
    while (isalpha((unsigned char)*oe) || *oe == '_') {
        oe++;
    }
    static const struct {
        const char *n;
        enum sl_propfilt_op op;
    } ops[] = {
        { "contains", SL_PF_CONTAINS }, { "isequal", SL_PF_ISEQUAL },
        { "startswith", SL_PF_STARTSWITH }, { "regex", SL_PF_REGEX },
        { "ereregex", SL_PF_EREREGEX }, { "isempty", SL_PF_ISEMPTY }, { NULL, 0 }
    };
    for (size_t i = 0; ops[i].n != NULL; i++) {
        size_t ol = (size_t)(oe - p);
        if (strlen(ops[i].n) == ol && strncasecmp(ops[i].n, p, ol) == 0) {
            st->u.propfilt.op = ops[i].op;
        }
    }
    if (st->u.propfilt.op == 0) {
        sl_perr(ps, &loc, "property filter: unknown compare operation '%.*s'", (int)(oe - p), p);
        sl_stmt_free_list(st);
        return NULL;
    }
    p = skip_blanks(oe);
    if (*p != ',') {
        sl_perr(ps, &loc, "property filter: ',' expected after the operation");
        sl_stmt_free_list(st);
        return NULL;
    }
    p = skip_blanks(p + 1);
    if (*p != '"') {
        sl_perr(ps, &loc, "property filter: quoted value expected");
        sl_stmt_free_list(st);
        return NULL;
    }
    /* rsyslog's unescaping: a backslash is dropped and the next character kept */
    struct sl_buf b = { 0 };
    sl_buf_puts(&b, "");
    for (p++; *p != '\0' && *p != '"'; p++) {
        if (*p == '\\' && p[1] != '\0') {
            p++;
        }
        sl_buf_putc(&b, *p);
    }
    st->u.propfilt.value = b.p;
    if ((st->u.propfilt.op == SL_PF_REGEX || st->u.propfilt.op == SL_PF_EREREGEX) &&
        sl_legacy_compile_re(ps, st, loc) != 0) {
        sl_stmt_free_list(st);
        return NULL;
    }
    return st;
}

/* ------------------------------------------------------------------ legacy actions */

static struct sl_stmt *new_action(const char *type, struct sl_loc loc)
{
    struct sl_stmt *st = sl_stmt_new(SL_ST_ACTION, loc);
    st->u.act.loc = loc;
    st->u.act.kv = sl_kv_new("type", type, loc, 0);
    return st;
}

static void act_kv(struct sl_stmt *st, const char *name, const char *val, size_t len)
{
    char *v = sl_xstrndup(val, len);
    sl_kv_append(&st->u.act.kv, sl_kv_new(name, v, st->loc, 0));
    free(v);
}

/* ";Template" suffix at p (after the target).  Returns 0 or SL_ECONFIG. */
static int tpl_suffix(struct sl_pstate *ps, struct sl_stmt *st, const char *p, struct sl_loc loc)
{
    p = skip_blanks(p);
    if (*p == '\0' || *p == '#') {
        return 0;
    }
    if (*p != ';') {
        sl_perr(ps, &loc, "legacy action: unexpected text '%s'", p);
        return SL_ECONFIG;
    }
    p = skip_blanks(p + 1);
    const char *e = p;
    while (*e != '\0' && *e != ' ' && *e != '\t') {
        e++;
    }
    if (e == p) {
        return 0;   /* "file;" : rsyslog takes an empty template name as the default */
    }
    act_kv(st, "template", p, (size_t)(e - p));
    return 0;
}

static struct sl_stmt *legacy_fwd(struct sl_pstate *ps, const char *t, struct sl_loc loc)
{
    int tcp = 0;
    const char *p = t + 1;
    if (*p == '@') {
        tcp = 1;
        p++;
    }
    struct sl_stmt *st = new_action("omfwd", loc);
    char *framing = NULL, *zip = NULL;
    if (*p == '(') {
        const char *e = strchr(p, ')');
        if (e == NULL) {
            sl_perr(ps, &loc, "forwarding action: missing ')' in options");
            sl_stmt_free_list(st);
            return NULL;
        }
        for (const char *o = p + 1; o < e;) {
            if (*o == 'o' || *o == 'O') {
                framing = "octet-counted";
                o++;
            } else if (*o == 'z' || *o == 'Z') {
                const char *d = o + 1;
                while (d < e && isdigit((unsigned char)*d)) {
                    d++;
                }
                free(zip);
                zip = sl_xstrndup(o + 1, (size_t)(d - o - 1));
                o = d;
            } else if (*o == ',' || *o == ' ') {
                o++;
            } else {
                sl_perr(ps, &loc, "forwarding action: unknown option '%c'", *o);
                o++;
            }
        }
        p = e + 1;
    }
    const char *hs, *he;
    if (*p == '[') {
        hs = p + 1;
        he = strchr(hs, ']');
        if (he == NULL) {
            sl_perr(ps, &loc, "forwarding action: missing ']' after IPv6 address");
            sl_stmt_free_list(st);
            free(zip);
            return NULL;
        }
        p = he + 1;
    } else {
        hs = p;
        while (*p != '\0' && *p != ':' && *p != ';' && *p != ' ' && *p != '\t' && *p != '#') {
            p++;
        }
        he = p;
    }
    if (he == hs) {
        sl_perr(ps, &loc, "forwarding action: host name expected");
        sl_stmt_free_list(st);
        free(zip);
        return NULL;
    }
    act_kv(st, "target", hs, (size_t)(he - hs));
    if (*p == ':') {
        const char *ps_ = ++p;
        while (isalnum((unsigned char)*p)) {
            p++;
        }
        if (p > ps_) {
            act_kv(st, "port", ps_, (size_t)(p - ps_));
        }
    }
    act_kv(st, "protocol", tcp ? "tcp" : "udp", 3);
    if (framing != NULL && tcp) {
        act_kv(st, "tcp_framing", framing, strlen(framing));
    }
    if (zip != NULL && *zip != '\0') {
        act_kv(st, "ziplevel", zip, strlen(zip));
    }
    free(zip);
    if (tpl_suffix(ps, st, p, loc) != 0) {
        sl_stmt_free_list(st);
        return NULL;
    }
    return st;
}

/* target up to ';' or blank */
static const char *word_end(const char *p)
{
    while (*p != '\0' && *p != ';' && *p != ' ' && *p != '\t') {
        p++;
    }
    return p;
}

struct sl_stmt *sl_legacy_action(struct sl_pstate *ps, const char *t, struct sl_loc loc)
{
    struct sl_stmt *st = NULL;
    const char *p, *e;
    if (strcmp(t, "~") == 0) {
        /* rsyslog builds a (discard) action for "~" before turning it into "stop": it
         * uses up an action number and the pending $Action... settings */
        ps->nactions++;
        sl_kv_free_list(ps->leg.action_once);
        ps->leg.action_once = NULL;
        sl_kv_free_list(ps->leg.action_next_legacy);
        ps->leg.action_next_legacy = NULL;
        return sl_stmt_new(SL_ST_STOP, loc);
    }
    if (strcmp(t, "*") == 0) {
        st = new_action("omusrmsg", loc);
        act_kv(st, "users", "*", 1);
        sl_action_finish(ps, st, 1);
        return st;
    }
    /* omfile's own prefix, then its forms as without it (rsyslog's parseSelectorAct) */
    if (strncmp(t, ":omfile:", 8) == 0 &&
        (t[8] == '$' || t[8] == '?' || t[8] == '/' || t[8] == '.' || t[8] == '-')) {
        t += 8;
    }
    if (t[0] == '$') {
        /* an output channel ($outchannel): omfile with its file and size limit */
        p = t + 1;
        e = p;
        while (*e != '\0' && *e != ';' && *e != ' ') {
            e++;
        }
        const struct sl_outchannel *o = sl_outchannel_find(ps, p, (size_t)(e - p));
        if (o == NULL) {
            sl_perr_soft(ps, &loc, "outchannel '%.*s' not found - ignoring action line",
                         (int)(e - p), p);
            return NULL;
        }
        if (o->file == NULL) {
            sl_perr_soft(ps, &loc, "outchannel '%.*s' has no file name template - ignoring "
                         "action line", (int)(e - p), p);
            return NULL;
        }
        st = new_action("omfile", loc);
        act_kv(st, "file", o->file, strlen(o->file));
        if (o->size > 0) {
            char num[32];
            int nl = snprintf(num, sizeof num, "%lld", o->size);
            act_kv(st, "rotation.sizeLimit", num, (size_t)nl);
        }
        if (o->cmd != NULL) {
            act_kv(st, "rotation.sizeLimitCommand", o->cmd, strlen(o->cmd));
        }
        if (tpl_suffix(ps, st, e, loc) != 0) {
            sl_stmt_free_list(st);
            return NULL;
        }
        sl_action_finish(ps, st, 1);
        return st;
    }
    if (t[0] == '/' || (t[0] == '-' && (t[1] == '/' || t[1] == '?')) || t[0] == '?') {
        int nosync = t[0] == '-';
        p = t + nosync;
        st = new_action("omfile", loc);
        if (*p == '?') {
            p++;
            e = word_end(p);
            if (e == p) {
                sl_perr(ps, &loc, "legacy file action: dynafile template name expected after '?'");
                sl_stmt_free_list(st);
                return NULL;
            }
            act_kv(st, "dynaFile", p, (size_t)(e - p));
        } else {
            e = word_end(p);
            act_kv(st, "file", p, (size_t)(e - p));
        }
        if (nosync) {
            act_kv(st, "sync", "off", 3);
        }
        if (tpl_suffix(ps, st, e, loc) != 0) {
            sl_stmt_free_list(st);
            return NULL;
        }
        sl_action_finish(ps, st, 1);
        return st;
    }
    if (t[0] == '|') {
        p = t + 1;
        e = word_end(p);
        if (e == p) {
            sl_perr(ps, &loc, "legacy pipe action: pipe name expected after '|'");
            return NULL;
        }
        st = new_action("ompipe", loc);
        act_kv(st, "pipe", p, (size_t)(e - p));
        if (tpl_suffix(ps, st, e, loc) != 0) {
            sl_stmt_free_list(st);
            return NULL;
        }
        sl_action_finish(ps, st, 1);
        return st;
    }
    if (t[0] == '@') {
        st = legacy_fwd(ps, t, loc);
        if (st != NULL) {
            sl_action_finish(ps, st, 1);
        }
        return st;
    }
    if (t[0] == ':') {
        const char *me = strchr(t + 1, ':');
        char *mod = sl_xstrndup(t + 1, (size_t)(me - t - 1));
        p = me + 1;
        if (strcmp(mod, "omfile") == 0 && (*p == '/' || *p == '-' || *p == '?')) {
            /* rsyslog's omfile takes ":omfile:" as an optional prefix of its selector
             * action: ":omfile:/var/log/x" is "/var/log/x", ":omfile:?Tpl" is "?Tpl" */
            free(mod);
            return sl_legacy_action(ps, p, loc);
        }
        if (strcasecmp(mod, "omusrmsg") == 0) {
            e = word_end(p);
            if (e == p) {
                sl_perr(ps, &loc, ":omusrmsg: needs a user list");
                free(mod);
                return NULL;
            }
            st = new_action("omusrmsg", loc);
            act_kv(st, "users", p, (size_t)(e - p));
        } else if (strcasecmp(mod, "omrelp") == 0) {
            /* rsyslog's omrelp selector: ":omrelp:HOST[:PORT][;TEMPLATE]", HOST may be
             * "[IPv6]" */
            const char *h = p, *he;
            if (*p == '[') {
                h = p + 1;
                he = strchr(h, ']');
                e = he != NULL ? he + 1 : NULL;
            } else {
                for (he = p; *he != '\0' && *he != ';' && *he != ':' && *he != '#' &&
                             !isspace((unsigned char)*he); he++) {
                }
                e = he;
            }
            if (e == NULL || he == h) {
                sl_perr(ps, &loc, ":omrelp: needs a target host");
                free(mod);
                return NULL;
            }
            st = new_action("omrelp", loc);
            act_kv(st, "target", h, (size_t)(he - h));
            if (*e == ':') {
                const char *pp = ++e;
                while (isdigit((unsigned char)*e)) {
                    e++;
                }
                if (e > pp) {
                    act_kv(st, "port", pp, (size_t)(e - pp));
                }
            }
            e = skip_blanks(e);
        } else if (*skip_blanks(p) == '\0' || *skip_blanks(p) == ';') {
            st = new_action(mod, loc);
            e = skip_blanks(p);
        } else {
            sl_perr(ps, &loc, "legacy parameters for module '%s' are not supported; use "
                    "action(type=\"%s\" ...)", mod, mod);
            free(mod);
            return NULL;
        }
        free(mod);
        if (tpl_suffix(ps, st, e, loc) != 0) {
            sl_stmt_free_list(st);
            return NULL;
        }
        sl_action_finish(ps, st, 1);
        return st;
    }
    if (isalnum((unsigned char)t[0]) || t[0] == '_') {
        e = t;
        while (*e != '\0' && *e != ';') {
            e++;
        }
        /* rsyslog 8.2302 still builds the action but its validator fails the config */
        sl_perr(ps, &loc, "legacy user-list action '%.*s' is not permitted; write "
                ":omusrmsg:%.*s", (int)(e - t), t, (int)(e - t), t);
        st = new_action("omusrmsg", loc);
        act_kv(st, "users", t, (size_t)(e - t));
        if (tpl_suffix(ps, st, e, loc) != 0) {
            sl_stmt_free_list(st);
            return NULL;
        }
        sl_action_finish(ps, st, 1);
        return st;
    }
    sl_perr(ps, &loc, "legacy action '%s' is not supported (use action())", t);
    return NULL;
}

/* ------------------------------------------------------------------ $Directives */

enum dkind {
    D_GLOBAL,      /* global() kv */
    D_GLOBAL_BIN,  /* global() kv, on/off */
    D_MAINQ,       /* main_queue() kv */
    D_ACTION_ONCE, /* next legacy action only */
    D_ACTION_ONCE_BIN,
    D_ACTION_ALL,  /* every following legacy action */
    D_ACTION_ALL_BIN, /* every following legacy action, on/off */
    D_ACTION_NEXT_LEGACY, /* the next legacy action; action() objects leave it */
    D_IGNORED,     /* accepted, no effect */
    D_OMMAIL_TO,   /* $ActionMailTo: appends a recipient for the next legacy ommail action */
    D_SPECIAL
};

struct directive {
    const char *name;   /* without '$', compared case-insensitively */
    enum dkind kind;
    const char *modern;
};

static const struct directive directives[] = {
    { "WorkDirectory", D_GLOBAL, "workDirectory" },
    { "MaxMessageSize", D_GLOBAL, "maxMessageSize" },
    { "LocalHostName", D_GLOBAL, "localHostname" },
    { "PreserveFQDN", D_GLOBAL_BIN, "preserveFQDN" },
    { "EscapeControlCharactersOnReceive", D_GLOBAL_BIN, "parser.escapeControlCharactersOnReceive" },
    { "ControlCharacterEscapePrefix", D_GLOBAL, "parser.controlCharacterEscapePrefix" },
    { "DropTrailingLFOnReception", D_GLOBAL_BIN, "parser.dropTrailingLFOnReception" },
    { "EscapeControlCharacterTab", D_GLOBAL_BIN, "parser.escapeControlCharacterTab" },
    { "Escape8BitCharactersOnReceive", D_GLOBAL_BIN, "parser.escape8BitCharactersOnReceive" },
    { "SpaceLFOnReceive", D_GLOBAL_BIN, "parser.spaceLFOnReceive" },
    { "RepeatedMsgReduction", D_GLOBAL_BIN, "reduceRepeatMsgs" },
    /* accepted; rsyslog 8.2302 includes the message in the summary either way */
    { "RepeatedMsgContainsOriginalMsg", D_GLOBAL_BIN, "repeatedMsgContainsOriginalMsg" },
    { "Umask", D_GLOBAL, "umask" },
    { "DefaultNetstreamDriver", D_GLOBAL, "defaultNetstreamDriver" },
    { "DefaultNetstreamDriverCAFile", D_GLOBAL, "defaultNetstreamDriverCAFile" },
    { "DefaultNetstreamDriverCertFile", D_GLOBAL, "defaultNetstreamDriverCertFile" },
    { "DefaultNetstreamDriverKeyFile", D_GLOBAL, "defaultNetstreamDriverKeyFile" },
    { "PrivDropToUser", D_GLOBAL, "privDrop.user.name" },
    { "PrivDropToGroup", D_GLOBAL, "privDrop.group.name" },
    { "PrivDropToUserID", D_GLOBAL, "privDrop.user.id" },
    { "PrivDropToGroupID", D_GLOBAL, "privDrop.group.id" },
    { "AbortOnUncleanConfig", D_GLOBAL_BIN, "abortOnUncleanConfig" },
    { "DropMsgsWithMaliciousDnsPTRRecords", D_GLOBAL_BIN, "dropMsgsWithMaliciousDnsPTRRecords" },
    { "ModDir", D_GLOBAL, "modDir" },
    { "DefaultRuleset", D_GLOBAL, "defaultRuleset" },
    /* main queue */
    { "MainMsgQueueType", D_MAINQ, "queue.type" },
    { "MainMsgQueueSize", D_MAINQ, "queue.size" },
    { "MainMsgQueueFileName", D_MAINQ, "queue.filename" },
    { "MainMsgQueueMaxFileSize", D_MAINQ, "queue.maxfilesize" },
    { "MainMsgQueueMaxDiskSpace", D_MAINQ, "queue.maxdiskspace" },
    { "MainMsgQueueHighWaterMark", D_MAINQ, "queue.highwatermark" },
    { "MainMsgQueueLowWaterMark", D_MAINQ, "queue.lowwatermark" },
    { "MainMsgQueueDiscardMark", D_MAINQ, "queue.discardmark" },
    { "MainMsgQueueDiscardSeverity", D_MAINQ, "queue.discardseverity" },
    { "MainMsgQueueCheckpointInterval", D_MAINQ, "queue.checkpointinterval" },
    { "MainMsgQueueSyncQueueFiles", D_MAINQ, "queue.syncqueuefiles" },
    { "MainMsgQueueSaveOnShutdown", D_MAINQ, "queue.saveonshutdown" },
    { "MainMsgQueueTimeoutEnqueue", D_MAINQ, "queue.timeoutenqueue" },
    { "MainMsgQueueTimeoutShutdown", D_MAINQ, "queue.timeoutshutdown" },
    { "MainMsgQueueTimeoutActionCompletion", D_MAINQ, "queue.timeoutactioncompletion" },
    { "MainMsgQueueWorkerThreads", D_MAINQ, "queue.workerthreads" },
    { "MainMsgQueueWorkerTimeoutThreadShutdown", D_MAINQ, "queue.timeoutworkerthreadshutdown" },
    { "MainMsgQueueWorkerThreadMinimumMessages", D_MAINQ, "queue.workerthreadminimummessages" },
    { "MainMsgQueueDequeueBatchSize", D_MAINQ, "queue.dequeuebatchsize" },
    { "MainMsgQueueDequeueSlowdown", D_MAINQ, "queue.dequeueslowdown" },
    /* next action only */
    { "ActionQueueType", D_ACTION_ONCE, "queue.type" },
    { "ActionQueueSize", D_ACTION_ONCE, "queue.size" },
    { "ActionQueueFileName", D_ACTION_ONCE, "queue.filename" },
    { "ActionQueueMaxFileSize", D_ACTION_ONCE, "queue.maxfilesize" },
    { "ActionQueueMaxDiskSpace", D_ACTION_ONCE, "queue.maxdiskspace" },
    { "ActionQueueHighWaterMark", D_ACTION_ONCE, "queue.highwatermark" },
    { "ActionQueueLowWaterMark", D_ACTION_ONCE, "queue.lowwatermark" },
    { "ActionQueueDiscardMark", D_ACTION_ONCE, "queue.discardmark" },
    { "ActionQueueDiscardSeverity", D_ACTION_ONCE, "queue.discardseverity" },
    { "ActionQueueCheckpointInterval", D_ACTION_ONCE, "queue.checkpointinterval" },
    { "ActionQueueSyncQueueFiles", D_ACTION_ONCE, "queue.syncqueuefiles" },
    { "ActionQueueSaveOnShutdown", D_ACTION_ONCE_BIN, "queue.saveonshutdown" },
    { "ActionQueueTimeoutEnqueue", D_ACTION_ONCE, "queue.timeoutenqueue" },
    { "ActionQueueTimeoutShutdown", D_ACTION_ONCE, "queue.timeoutshutdown" },
    { "ActionQueueTimeoutActionCompletion", D_ACTION_ONCE, "queue.timeoutactioncompletion" },
    { "ActionQueueWorkerThreads", D_ACTION_ONCE, "queue.workerthreads" },
    { "ActionQueueWorkerTimeoutThreadShutdown", D_ACTION_ONCE, "queue.timeoutworkerthreadshutdown" },
    { "ActionQueueWorkerThreadMinimumMessages", D_ACTION_ONCE, "queue.workerthreadminimummessages" },
    { "ActionQueueDequeueBatchSize", D_ACTION_ONCE, "queue.dequeuebatchsize" },
    { "ActionQueueDequeueSlowdown", D_ACTION_ONCE, "queue.dequeueslowdown" },
    { "ActionResumeInterval", D_ACTION_ONCE, "action.resumeInterval" },
    { "ActionResumeRetryCount", D_ACTION_ONCE, "action.resumeRetryCount" },
    { "ActionExecOnlyWhenPreviousIsSuspended", D_ACTION_ALL_BIN,
      "action.execOnlyWhenPreviousIsSuspended" },
    { "ActionExecOnlyOnceEveryInterval", D_ACTION_ALL, "action.execOnlyOnceEveryInterval" },
    { "ActionExecOnlyEveryNthTime", D_ACTION_NEXT_LEGACY, "action.execOnlyEveryNthTime" },
    { "ActionExecOnlyEveryNthTimeTimeout", D_ACTION_NEXT_LEGACY,
      "action.execOnlyEveryNthTimeTimeout" },
    /* the next legacy action only, as rsyslog (it resets it to on after each one) */
    { "ActionWriteAllMarkMessages", D_ACTION_NEXT_LEGACY, "action.writeAllMarkMessages" },
    /* accepted without effect: sluice's omfwd has one rebindInterval, which
     * $ActionSendTCPRebindInterval (omfwd's descriptor) sets */
    { "ActionSendUDPRebindInterval", D_IGNORED, NULL },
    /* ommail's recipients accumulate (its other $ActionMail* directives come from its
     * descriptor) */
    { "ActionMailTo", D_OMMAIL_TO, "mailto" },
    /* handled one by one */
    { "ModLoad", D_SPECIAL, NULL },
    { "IncludeConfig", D_SPECIAL, NULL },
    { "Template", D_SPECIAL, NULL },
    { "RuleSet", D_SPECIAL, NULL },
    { "RulesetParser", D_SPECIAL, NULL },
    { "RulesetCreateMainQueue", D_SPECIAL, NULL },
    { "ResetConfigVariables", D_SPECIAL, NULL },
    { "UDPServerRun", D_SPECIAL, NULL },
    { "UDPServerAddress", D_SPECIAL, NULL },
    { "InputUDPServerBindRuleset", D_SPECIAL, NULL },
    { "InputTCPServerRun", D_SPECIAL, NULL },
    { "InputTCPServerBindRuleset", D_SPECIAL, NULL },
    { "InputTCPServerInputName", D_SPECIAL, NULL },
    { "InputRELPServerRun", D_SPECIAL, NULL },
    { "InputRELPServerBindRuleset", D_SPECIAL, NULL },
    { "InputRunFileMonitor", D_SPECIAL, NULL },  /* legacy_inputs[] */
    { "InputFileBindRuleset", D_SPECIAL, NULL },
    { "AllowedSender", D_SPECIAL, NULL },   /* core/conf/acl.c */
    { "OutChannel", D_SPECIAL, NULL },      /* core/conf/outchannel.c */
    { NULL, 0, NULL }
};

static struct sl_obj *find_or_add_obj(struct sl_pstate *ps, enum sl_obj_type t, struct sl_loc loc)
{
    for (struct sl_obj *o = ps->cnf->objs; o != NULL; o = o->next) {
        if (o->type == t) {
            return o;
        }
    }
    struct sl_obj *o = sl_obj_new(t, loc);
    sl_cnf_add_obj(ps, o);
    return o;
}

struct sl_obj *sl_legacy_global_obj(struct sl_pstate *ps, struct sl_loc loc)
{
    return find_or_add_obj(ps, SL_OBJ_GLOBAL, loc);
}

static struct sl_obj *find_module(struct sl_pstate *ps, const char *name)
{
    for (struct sl_obj *o = ps->cnf->objs; o != NULL; o = o->next) {
        struct sl_kv *l;
        if (o->type == SL_OBJ_MODULE && (l = sl_kv_find(o->kv, "load")) != NULL &&
            l->str != NULL && strcasecmp(l->str, name) == 0) {
            return o;
        }
    }
    return NULL;
}

static struct sl_obj *add_module(struct sl_pstate *ps, const char *name, struct sl_loc loc,
                                 int implicit)
{
    struct sl_obj *o = sl_obj_new(SL_OBJ_MODULE, loc);
    sl_kv_append(&o->kv, sl_kv_new("load", name, loc, implicit));
    sl_cnf_add_obj(ps, o);
    return o;
}

static int binval(struct sl_pstate *ps, const char *v, struct sl_loc loc, const char *dname)
{
    /* rsyslog's legacy binary values are exactly "on" and "off" (lower case).  Anything
     * else ("yes", "1", "On") is an error rsyslog 8.2302 runs past (cfsysline.c's
     * doParseOnOffOption): the directive is skipped, the setting keeps its value, and
     * -N1 exits 1 */
    if (strcmp(v, "on") == 0) {
        return 1;
    }
    if (strcmp(v, "off") == 0) {
        return 0;
    }
    sl_perr_soft(ps, &loc, "$%s: 'on' or 'off' expected, not '%s' (the directive is "
                 "ignored, as rsyslog does)", dname, v);
    return -1;
}

/* ---- legacy input instances (imfile's $InputRunFileMonitor) ------------------------ *
 * As $UDPServerRun and $InputTCPServerRun, a run directive makes an input() object; the
 * core maps it (rather than a descriptor hook) because the legacy dialect is the core's.
 * The module's other directives (the `legacy` names of its instance parameters) collect
 * pending settings in ps->leg.mods; the run directive turns them into an input() and
 * resets them all but the ruleset, as rsyslog 8.2302's imfile addInstance() does.  The
 * defaults are those rsyslog gives a legacy instance where they differ from input()'s
 * (addInstance: no metadata, no LF escaping, the state kept when the file is deleted,
 * maxLinesAtOnce 10240), and $ModLoad without module() parameters leaves imfile in
 * polling mode (its setModCnf, which selects inotify, runs only for module()). */
static const struct legacy_input {
    const char *run;            /* the directive that creates an instance */
    const char *module;
    const char *bind_ruleset;   /* the directive that sets ruleset= (kept after a run) */
    const char *const inst_defaults[10];   /* name, value, ..., NULL */
    const char *const mod_defaults[4];     /* for $ModLoad: name, value, ..., NULL */
} legacy_inputs[] = {
    { "InputRunFileMonitor", "imfile", "InputFileBindRuleset",
      { "addMetadata", "off", "escapeLF", "off", "deleteStateOnFileDelete", "off",
        "maxLinesAtOnce", "10240", NULL },
      { "mode", "polling", NULL } },
};
#define N_LEGACY_INPUTS (sizeof legacy_inputs / sizeof legacy_inputs[0])

static const struct legacy_input *legacy_input_of(const char *module)
{
    for (size_t i = 0; i < N_LEGACY_INPUTS; i++) {
        if (strcasecmp(legacy_inputs[i].module, module) == 0) {
            return &legacy_inputs[i];
        }
    }
    return NULL;
}

static struct sl_legacy_mod *leg_mod_get(struct sl_pstate *ps, const char *module);

/* $InputRunFileMonitor & co: an input() of the pending settings. */
static void legacy_input_run(struct sl_pstate *ps, const struct legacy_input *li,
                             struct sl_loc loc)
{
    if (find_module(ps, li->module) == NULL) {
        sl_perr(ps, &loc, "$%s used before $ModLoad %s", li->run, li->module);
        return;
    }
    struct sl_legacy_mod *m = leg_mod_get(ps, li->module);
    const char *miss = sl_kv_find(m->kv, "file") == NULL ? "file name"
                       : sl_kv_find(m->kv, "tag") == NULL ? "tag value" : NULL;
    if (miss != NULL) {
        /* rsyslog's error; it creates no instance and runs on */
        sl_perr_soft(ps, &loc, "%s error: no %s given, file monitor can not be created",
                     li->module, miss);
        return;
    }
    struct sl_obj *o = sl_obj_new(SL_OBJ_INPUT, loc);
    sl_kv_append(&o->kv, sl_kv_new("type", li->module, loc, 0));
    for (const struct sl_kv *k = m->kv; k != NULL; k = k->next) {
        sl_kv_append(&o->kv, sl_kv_new(k->name, k->str, k->loc, 1));
    }
    for (size_t i = 0; li->inst_defaults[i] != NULL; i += 2) {
        if (sl_kv_find(o->kv, li->inst_defaults[i]) == NULL) {
            sl_kv_append(&o->kv, sl_kv_new(li->inst_defaults[i], li->inst_defaults[i + 1],
                                           loc, 1));
        }
    }
    sl_cnf_add_obj(ps, o);
    struct sl_kv *rs = sl_kv_find(m->kv, "ruleset");
    char *keep = rs != NULL ? sl_xstrdup(rs->str) : NULL;
    struct sl_loc rloc = rs != NULL ? rs->loc : loc;
    sl_kv_free_list(m->kv);
    m->kv = NULL;
    if (keep != NULL) {
        sl_kv_set_implicit(&m->kv, "ruleset", keep, rloc);
        free(keep);
    }
}

/* ---- $Directives of plugins, from their descriptors' `legacy` fields ---------------- */

static sl_cnf_plugin_fn plugin_fn;
static void *plugin_arg;
static const struct sl_plugin *const *plugin_builtins;

void sl_cnf_set_plugins(sl_cnf_plugin_fn fn, void *arg, const struct sl_plugin *const *builtins)
{
    plugin_fn = fn;
    plugin_arg = arg;
    plugin_builtins = builtins;
}

/* Set while looking for the nearest name of an unknown directive: legacy_param() offers
 * every plugin directive it passes (main thread, config time). */
static struct sl_suggest *collect_legacy;

static const struct sl_param *legacy_param(const struct sl_param *t, const char *name)
{
    for (; t != NULL && t->name != NULL; t++) {
        if (collect_legacy != NULL && t->legacy != NULL && t->legacy[0] == '$') {
            sl_suggest_add(collect_legacy, t->legacy + 1);
        }
        if (t->legacy != NULL && t->legacy[0] == '$' && strcasecmp(t->legacy + 1, name) == 0) {
            return t;
        }
    }
    return NULL;
}

/* The plugin and parameter whose legacy name is $name: the built-ins first, then the
 * modules loaded so far, in order (as rsyslog registers a module's directives when it is
 * loaded). */
static const struct sl_param *find_plugin_directive(struct sl_pstate *ps, const char *name,
                                                    const struct sl_plugin **plp, int *is_mod)
{
    for (size_t i = 0; plugin_builtins != NULL && plugin_builtins[i] != NULL; i++) {
        const struct sl_plugin *pl = plugin_builtins[i];
        const struct sl_param *p;
        if ((p = legacy_param(pl->module_params, name)) != NULL ||
            (p = legacy_param(pl->inst_params, name)) != NULL) {
            *plp = pl;
            *is_mod = legacy_param(pl->module_params, name) == p;
            return p;
        }
    }
    for (struct sl_obj *o = ps->cnf->objs; plugin_fn != NULL && o != NULL; o = o->next) {
        struct sl_kv *l;
        if (o->type != SL_OBJ_MODULE || (l = sl_kv_find(o->kv, "load")) == NULL ||
            l->is_array || l->str == NULL) {
            continue;
        }
        const struct sl_plugin *pl = plugin_fn(l->str, plugin_arg);
        const struct sl_param *p;
        if (pl != NULL && ((p = legacy_param(pl->module_params, name)) != NULL ||
                           (p = legacy_param(pl->inst_params, name)) != NULL)) {
            *plp = pl;
            *is_mod = legacy_param(pl->module_params, name) == p;
            return p;
        }
    }
    return NULL;
}

/* Settings a legacy directive gives the following legacy actions of one output module
 * (omfile's $FileOwner, omfwd's $ActionSendStreamDriverMode, ...). */
static struct sl_legacy_mod *leg_mod_get(struct sl_pstate *ps, const char *module)
{
    struct sl_legacy_mod *m = ps->leg.mods;
    while (m != NULL && strcasecmp(m->module, module) != 0) {
        m = m->next;
    }
    if (m == NULL) {
        m = sl_xcalloc(1, sizeof *m);
        m->module = sl_xstrdup(module);
        m->next = ps->leg.mods;
        ps->leg.mods = m;
    }
    return m;
}

static void leg_mod_set(struct sl_pstate *ps, const char *module, const char *name,
                        const char *val, struct sl_loc loc)
{
    sl_kv_set_implicit(&leg_mod_get(ps, module)->kv, name, val, loc);
}

const struct sl_kv *sl_legacy_mod_defaults(struct sl_pstate *ps, const char *module)
{
    if (strncasecmp(module, "builtin:", 8) == 0) {
        module += 8;
    }
    for (struct sl_legacy_mod *m = ps->leg.mods; m != NULL; m = m->next) {
        if (strcasecmp(m->module, module) == 0) {
            return m->kv;
        }
    }
    return NULL;
}

static int binval(struct sl_pstate *ps, const char *v, struct sl_loc loc, const char *dname);

/* The syntax rsyslog's legacy parser (cfsysline.c) wants for a number or file mode. */
static int legacy_value_ok(enum sl_ptype t, const char *v)
{
    int64_t n;
    switch (t) {
    case SL_PT_INT:
    case SL_PT_NONNEG:
    case SL_PT_POSINT:
    case SL_PT_PORT:
    case SL_PT_SIZE:
        return sl_legacy_num(v, &n) == 0;
    case SL_PT_FILEMODE:
        return strlen(v) == 4 && v[0] == '0' && v[1] >= '0' && v[1] <= '7' && v[2] >= '0' &&
               v[2] <= '7' && v[3] >= '0' && v[3] <= '7';
    default:
        return 1;
    }
}

/* $name arg as a plugin's directive.  arg NULL: only say whether one is known.  Returns 0
 * when a descriptor knows the directive (errors in its value are reported), else
 * SL_ENOENT.  An output's directive for an action parameter (or for a module parameter
 * that actions have too, as omfile's fileOwner) sets it on the following legacy actions
 * of that module (the default template also on action() objects, see sl_action_finish),
 * as rsyslog 8.2302 does; any other module parameter's directive sets module(), which
 * needs the module loaded before.  Binary values are exactly "on" or "off", as rsyslog's legacy parser wants. */
static int plugin_directive(struct sl_pstate *ps, const char *name, const char *arg,
                            struct sl_loc loc)
{
    const struct sl_plugin *pl = NULL;
    int is_mod = 0;
    const struct sl_param *p = find_plugin_directive(ps, name, &pl, &is_mod);
    if (p == NULL) {
        return SL_ENOENT;
    }
    if (arg == NULL) {
        return 0;
    }
    const char *val = arg;
    if (p->type == SL_PT_BOOL) {
        int b = binval(ps, (p->flags & SL_P_SECRET) && strcmp(arg, "on") != 0 &&
                               strcmp(arg, "off") != 0 ? SL_REDACTED : arg, loc, name);
        if (b < 0) {
            return 0;
        }
        val = b ? "on" : "off";
    } else if (!(p->flags & SL_P_SECRET) && !legacy_value_ok(p->type, arg)) {
        /* rsyslog checks a directive's value when it reads the line, whether or not an
         * action follows ("extra characters in config line", "value must be octal") */
        sl_perr(ps, &loc, "$%s: '%s' is not %s", name, arg,
                p->type == SL_PT_FILEMODE ? "a file mode (\"0\" and three octal digits)"
                                          : "a number");
        return 0;
    }
    int per_action = !is_mod;
    for (const struct sl_param *q = pl->inst_params; is_mod && q != NULL && q->name != NULL;
         q++) {
        per_action |= strcasecmp(q->name, p->name) == 0;   /* omfile's fileOwner & co */
    }
    if ((pl->kinds & SL_OUTPUT) && per_action) {
        leg_mod_set(ps, pl->name, p->name, val, loc);
    } else if (is_mod) {
        struct sl_obj *o = find_module(ps, pl->name);
        if (o == NULL) {
            sl_perr(ps, &loc, "$%s (module %s) used before $ModLoad %s", name, pl->name,
                    pl->name);
        } else {
            sl_kv_set_implicit(&o->kv, p->name, val, loc);
        }
    } else if (legacy_input_of(pl->name) != NULL) {
        leg_mod_set(ps, pl->name, p->name, val, loc);   /* for the next $InputRun... */
    } else {
        sl_perr(ps, &loc, "$%s sets parameter '%s' of %s instances, which legacy directives "
                "cannot do in sluice: use input(type=\"%s\" %s=\"...\")", name, p->name,
                pl->name, pl->name, p->name);
    }
    return 0;
}

static void legacy_template(struct sl_pstate *ps, const char *args, struct sl_loc loc)
{
    const char *comma = strchr(args, ',');
    if (comma == NULL) {
        sl_perr(ps, &loc, "$template: expected name,\"template string\"");
        return;
    }
    const char *ne = comma;
    while (ne > args && (ne[-1] == ' ' || ne[-1] == '\t')) {
        ne--;
    }
    char *name = sl_xstrndup(args, (size_t)(ne - args));
    const char *p = skip_blanks(comma + 1);
    if (*p == '=') {
        /* "$template name,=STRGEN": bound to a string generator (engine_build.c) */
        struct sl_obj *o = sl_obj_new(SL_OBJ_TEMPLATE, loc);
        sl_kv_append(&o->kv, sl_kv_new("name", name, loc, 0));
        sl_kv_append(&o->kv, sl_kv_new("type", "plugin", loc, 0));
        sl_kv_append(&o->kv, sl_kv_new("legacy_line", p, loc, 1));
        sl_cnf_add_obj(ps, o);
        free(name);
        return;
    }
    if (*p != '"') {
        sl_perr(ps, &loc, "$template %s: template string must be in double quotes", name);
        free(name);
        return;
    }
    const char *s = ++p;
    while (*p != '\0' && *p != '"') {
        if (*p == '\\' && p[1] != '\0') {
            p++;
        }
        p++;
    }
    if (*p != '"') {
        sl_perr(ps, &loc, "$template %s: unterminated template string", name);
        free(name);
        return;
    }
    char *str = sl_xstrndup(s, (size_t)(p - s));
    p = skip_blanks(p + 1);
    struct sl_obj *o = sl_obj_new(SL_OBJ_TEMPLATE, loc);
    sl_kv_append(&o->kv, sl_kv_new("name", name, loc, 0));
    sl_kv_append(&o->kv, sl_kv_new("type", "string", loc, 0));
    sl_kv_append(&o->kv, sl_kv_new("string", str, loc, 0));
    /* the whole definition after "name," for the template engine's legacy parser
     * (sl_tpl_add_legacy), which applies rsyslog's legacy escapes to the raw string */
    sl_kv_append(&o->kv, sl_kv_new("legacy_line", skip_blanks(comma + 1), loc, 1));
    if (*p == ',') {
        p = skip_blanks(p + 1);
        const char *oe = p;
        while (isalnum((unsigned char)*oe)) {
            oe++;
        }
        char *opt = sl_xstrndup(p, (size_t)(oe - p));
        if (strcasecmp(opt, "sql") != 0 && strcasecmp(opt, "stdsql") != 0 &&
            strcasecmp(opt, "json") != 0 && strcasecmp(opt, "jsonf") != 0) {
            sl_perr(ps, &loc, "$template %s: unknown option '%s'", name, opt);
        } else {
            struct sl_buf b = { 0 };
            sl_buf_printf(&b, "option.%s", opt);
            for (char *q = b.p; *q != '\0'; q++) {
                *q = (char)tolower((unsigned char)*q);
            }
            sl_kv_append(&o->kv, sl_kv_new(b.p, "on", loc, 0));
            sl_buf_free(&b);
        }
        free(opt);
    } else if (*p != '\0' && *p != '#') {
        sl_perr(ps, &loc, "$template %s: unexpected text '%s'", name, p);
    }
    for (struct sl_obj *q = ps->cnf->objs; q != NULL; q = q->next) {
        struct sl_kv *qn;
        if (q->type == SL_OBJ_TEMPLATE && (qn = sl_kv_find(q->kv, "name")) != NULL &&
            qn->str != NULL && strcmp(qn->str, name) == 0) {
            sl_perr(ps, &loc, "template '%s' already defined at %s:%d", name, q->loc.file,
                    q->loc.line);
            sl_obj_free(o);   /* dropped: the engine does not report it again */
            o = NULL;
            break;
        }
    }
    if (o != NULL) {
        sl_cnf_add_obj(ps, o);
    }
    free(name);
    free(str);
}

static void add_input(struct sl_pstate *ps, const char *type, const char *port,
                      const char *addr, const char *ruleset, const char *name,
                      struct sl_loc loc)
{
    struct sl_obj *o = sl_obj_new(SL_OBJ_INPUT, loc);
    sl_kv_append(&o->kv, sl_kv_new("type", type, loc, 0));
    sl_kv_append(&o->kv, sl_kv_new("port", port, loc, 0));
    if (name != NULL && *name != '\0') {
        sl_kv_append(&o->kv, sl_kv_new("name", name, loc, 0));
    }
    if (addr != NULL) {
        sl_kv_append(&o->kv, sl_kv_new("address", addr, loc, 0));
    }
    if (ruleset != NULL) {
        sl_kv_append(&o->kv, sl_kv_new("ruleset", ruleset, loc, 0));
    }
    if (find_module(ps, type) == NULL) {
        sl_perr(ps, &loc, "input type %s used before $ModLoad %s", type, type);
    }
    sl_cnf_add_obj(ps, o);
}

static void set_str(char **dst, const char *v)
{
    free(*dst);
    *dst = v != NULL ? sl_xstrdup(v) : NULL;
}

void sl_legacy_free(struct sl_legacy *l)
{
    sl_kv_free_list(l->action_once);
    sl_kv_free_list(l->action_all);
    sl_kv_free_list(l->action_next_legacy);
    while (l->mods != NULL) {
        struct sl_legacy_mod *n = l->mods->next;
        free(l->mods->module);
        sl_kv_free_list(l->mods->kv);
        free(l->mods);
        l->mods = n;
    }
    sl_kv_free_list(l->ommail_to);
    free(l->udp_address);
    free(l->udp_ruleset);
    free(l->tcp_ruleset);
    free(l->tcp_inputname);
    free(l->relp_ruleset);
    memset(l, 0, sizeof *l);
}

static void special(struct sl_pstate *ps, const struct directive *d, const char *arg,
                    const char *rawargs, struct sl_loc loc)
{
    const char *n = d->name;
    if (strcasecmp(n, "ModLoad") == 0) {
        char *m = sl_xstrdup(arg);
        size_t l = strlen(m);
        if (l > 3 && strcmp(m + l - 3, ".so") == 0) {
            m[l - 3] = '\0';
        }
        if (find_module(ps, m) == NULL) {
            struct sl_obj *o = add_module(ps, m, loc, 0);
            const struct legacy_input *li = legacy_input_of(m);
            for (size_t i = 0; li != NULL && li->mod_defaults[i] != NULL; i += 2) {
                sl_kv_append(&o->kv, sl_kv_new(li->mod_defaults[i], li->mod_defaults[i + 1],
                                               loc, 1));
            }
        }
        free(m);
    } else if (strcasecmp(n, "IncludeConfig") == 0) {
        sl_include_glob(ps, arg, 0, loc);
    } else if (strcasecmp(n, "Template") == 0) {
        legacy_template(ps, rawargs, loc);
    } else if (strcasecmp(n, "RuleSet") == 0) {
        ps->cur_rs = sl_ruleset_get(ps, arg, loc, 1);
    } else if (strcasecmp(n, "RulesetCreateMainQueue") == 0) {
        /* on: the current ruleset gets a queue of its own (a ruleset queue with default
         * settings; rsyslog copies the $MainMsgQueue* settings) */
        int b = binval(ps, arg, loc, n);
        if (b > 0 && sl_kv_find(ps->cur_rs->kv, "queue.type") == NULL) {
            sl_kv_append(&ps->cur_rs->kv, sl_kv_new("queue.type", "FixedArray", loc, 1));
        }
    } else if (strcasecmp(n, "RulesetParser") == 0) {
        /* appends a parser to the current ruleset's chain (its parser= list) */
        struct sl_kv *k = sl_kv_find(ps->cur_rs->kv, "parser");
        if (k == NULL) {
            sl_kv_append(&ps->cur_rs->kv, sl_kv_new("parser", arg, loc, 0));
        } else {
            if (!k->is_array) {
                k->arr.v = sl_xcalloc(1, sizeof *k->arr.v);
                k->arr.v[0] = k->str != NULL ? k->str : sl_xstrdup("");
                k->arr.n = 1;
                k->str = NULL;
                k->is_array = 1;
            }
            k->arr.v = sl_xrealloc(k->arr.v, (k->arr.n + 1) * sizeof *k->arr.v);
            k->arr.v[k->arr.n++] = sl_xstrdup(arg);
        }
    } else if (strcasecmp(n, "ResetConfigVariables") == 0) {
        /* rsyslog's reset leaves $ActionExecOnlyEveryNthTime(Timeout) pending */
        struct sl_kv *nth = ps->leg.action_next_legacy;
        ps->leg.action_next_legacy = NULL;
        sl_legacy_free(&ps->leg);
        ps->leg.action_next_legacy = nth;
    } else if (strcasecmp(n, "UDPServerAddress") == 0) {
        set_str(&ps->leg.udp_address, arg);
    } else if (strcasecmp(n, "InputUDPServerBindRuleset") == 0) {
        set_str(&ps->leg.udp_ruleset, arg);
    } else if (strcasecmp(n, "InputTCPServerBindRuleset") == 0) {
        set_str(&ps->leg.tcp_ruleset, arg);
    } else if (strcasecmp(n, "UDPServerRun") == 0) {
        const char *addr = ps->leg.udp_address;
        if (addr != NULL && strcmp(addr, "*") == 0) {
            addr = NULL;
        }
        add_input(ps, "imudp", arg, addr, ps->leg.udp_ruleset, NULL, loc);
    } else if (strcasecmp(n, "InputTCPServerInputName") == 0) {
        /* rsyslog 8.2302's imtcp: the name of the following runs (kept after a run, as
         * the bind ruleset; "" is the default "imtcp") */
        set_str(&ps->leg.tcp_inputname, arg);
    } else if (strcasecmp(n, "InputTCPServerRun") == 0) {
        add_input(ps, "imtcp", arg, NULL, ps->leg.tcp_ruleset, ps->leg.tcp_inputname, loc);
    } else if (strcasecmp(n, "InputRELPServerBindRuleset") == 0) {
        set_str(&ps->leg.relp_ruleset, arg);
    } else if (strcasecmp(n, "InputRELPServerRun") == 0) {
        add_input(ps, "imrelp", arg, NULL, ps->leg.relp_ruleset, NULL, loc);
    } else if (strcasecmp(n, "InputRunFileMonitor") == 0 ||
               strcasecmp(n, "InputFileBindRuleset") == 0) {
        for (size_t i = 0; i < N_LEGACY_INPUTS; i++) {
            const struct legacy_input *li = &legacy_inputs[i];
            if (strcasecmp(n, li->run) == 0) {
                legacy_input_run(ps, li, loc);
            } else if (strcasecmp(n, li->bind_ruleset) == 0) {
                leg_mod_set(ps, li->module, "ruleset", arg, loc);
            }
        }
    } else if (strcasecmp(n, "AllowedSender") == 0) {
        sl_legacy_allowed_sender(ps, rawargs, loc);
    } else if (strcasecmp(n, "OutChannel") == 0) {
        sl_legacy_outchannel(ps, rawargs, loc);
    }
}

void sl_legacy_directive(struct sl_pstate *ps, const char *text, struct sl_loc loc)
{
    const char *p = text + 1;
    const char *ne = p;
    while (isalnum((unsigned char)*ne) || *ne == '_') {
        ne++;
    }
    char *name = sl_xstrndup(p, (size_t)(ne - p));
    const char *rawargs = skip_blanks(ne);
    /* first word of the arguments; a trailing "# comment" is ignored */
    const char *ae = rawargs;
    while (*ae != '\0' && *ae != ' ' && *ae != '\t') {
        ae++;
    }
    char *arg = sl_xstrndup(rawargs, (size_t)(ae - rawargs));
    const char *rest = skip_blanks(ae);
    const struct directive *d = NULL;
    for (size_t i = 0; directives[i].name != NULL; i++) {
        if (strcasecmp(directives[i].name, name) == 0) {
            d = &directives[i];
            break;
        }
    }
    if (d == NULL) {
        if (*rest != '\0' && *rest != '#') {
            /* a plugin's directives take one value, as the core's do */
            if (plugin_directive(ps, name, NULL, loc) == 0) {
                /* (not quoted: the text may be part of a secret) */
                sl_perr(ps, &loc, "$%s: unexpected extra text after the value", name);
                goto out;
            }
        }
        if (*arg == '\0') {
            if (plugin_directive(ps, name, NULL, loc) == 0) {
                sl_perr(ps, &loc, "$%s: missing value", name);
                goto out;
            }
        }
        if (plugin_directive(ps, name, arg, loc) != 0) {
            struct sl_suggest sg;
            char hint[200];
            sl_suggest_init(&sg, name);
            for (size_t i = 0; directives[i].name != NULL; i++) {
                sl_suggest_add(&sg, directives[i].name);
            }
            const struct sl_plugin *pl;
            int is_mod;
            collect_legacy = &sg;   /* the plugins' directives too */
            find_plugin_directive(ps, name, &pl, &is_mod);
            collect_legacy = NULL;
            const char *b = sl_suggest_best(&sg);
            if (b != NULL) {
                snprintf(hint, sizeof hint, "; did you mean '$%s'?", b);
            } else {
                hint[0] = '\0';
            }
            sl_perr(ps, &loc, "unknown legacy directive '$%s'%s", name, hint);
        }
        goto out;
    }
    if (d->kind != D_SPECIAL || (strcasecmp(name, "ResetConfigVariables") != 0 &&
                                 strcasecmp(name, "InputRunFileMonitor") != 0)) {
        if (*arg == '\0' && strcasecmp(name, "Template") != 0) {
            sl_perr(ps, &loc, "$%s: missing value", name);
            goto out;
        }
    }
    if (d->kind != D_SPECIAL && *rest != '\0' && *rest != '#') {
        sl_perr(ps, &loc, "$%s: unexpected extra text '%s'", name, rest);
        goto out;
    }
    const char *val = arg;
    switch (d->kind) {
    case D_GLOBAL_BIN:
    case D_ACTION_ONCE_BIN:
    case D_ACTION_ALL_BIN: {
        int b = binval(ps, arg, loc, name);
        if (b < 0) {
            goto out;
        }
        val = b ? "on" : "off";
        break;
    }
    default:
        break;
    }
    switch (d->kind) {
    case D_GLOBAL:
    case D_GLOBAL_BIN: {
        struct sl_obj *g = find_or_add_obj(ps, SL_OBJ_GLOBAL, loc);
        sl_kv_set_implicit(&g->kv, d->modern, val, loc);
        break;
    }
    case D_MAINQ: {
        struct sl_obj *q = find_or_add_obj(ps, SL_OBJ_MAIN_QUEUE, loc);
        sl_kv_set_implicit(&q->kv, d->modern, val, loc);
        break;
    }
    case D_ACTION_ONCE:
    case D_ACTION_ONCE_BIN:
        sl_kv_set_implicit(&ps->leg.action_once, d->modern, val, loc);
        break;
    case D_ACTION_ALL:
    case D_ACTION_ALL_BIN:
        sl_kv_set_implicit(&ps->leg.action_all, d->modern, val, loc);
        break;
    case D_ACTION_NEXT_LEGACY:
        sl_kv_set_implicit(&ps->leg.action_next_legacy, d->modern, val, loc);
        break;
    case D_IGNORED:
        sl_pwarn(ps, &loc, "$%s has no effect in sluice (accepted for rsyslog compatibility)",
                 name);
        break;
    case D_OMMAIL_TO: {
        struct sl_kv *k = ps->leg.ommail_to;
        if (k == NULL) {
            k = ps->leg.ommail_to = sl_kv_new(d->modern, NULL, loc, 1);
            k->is_array = 1;
        }
        k->arr.v = sl_xrealloc(k->arr.v, (k->arr.n + 1) * sizeof *k->arr.v);
        k->arr.v[k->arr.n++] = sl_xstrdup(val);
        break;
    }
    case D_SPECIAL:
        special(ps, d, arg, rawargs, loc);
        break;
    }
out:
    free(name);
    free(arg);
}
