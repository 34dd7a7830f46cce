/*
 * ruletest.c - sluiced --test: the rule tester.  Sample lines go through the whole
 * configuration in-process, with no side effects, and for each line the tester reports
 * the parsed properties, every filter evaluated (FILE:LINE, result), set/unset/call/stop
 * as they happen and each action that would fire with the exact bytes it would write or
 * send.  Text for people, JSON (--test-format json, one object per line) for tools, the
 * expectations format (--test-format expect) to start a golden file, and --test-expect FILE
 * to check one (exit 1 with a diff on a mismatch).  See doc/ruletest.md.
 *
 * How it stays free of side effects: the engine is built exactly as for -N (plugins'
 * create(), which open nothing: files, sockets and programs are opened at the first
 * delivery or in open()), and then neither inputs are opened nor threads started.  Each
 * line becomes a message bound to an input name and ruleset as an input would bind it,
 * parsed with that ruleset's parser chain and run with sl_ruleset_exec() and the tester's
 * own sl_exec_ops: actions are never delivered; for an output the tester renders the
 * action's template (its template=, the module's template=, the plugin's
 * default_template, as the plugins do) and the destination: a path parameter
 * (descriptor's path_param, e.g. omfile's file=) or a dynaFile-like template parameter
 * rendered, omfwd's protocol://target:port with its framing applied to the bytes, else
 * the action's name; an output with the descriptor's preview() (ABI 1.9) gives both itself.
 * Message modifiers run in-process (their worker is created on first
 * use) when they only change the message: the allow-list below, since ABI 1.5 has no
 * descriptor flag for it; the others (mmexternal runs a program) are reported, not run.
 * $RepeatedMsgReduction runs on the actions' own repeat state (action.c's rep_filter),
 * and the end of the input lets the repeats still held through, as the daemon's shutdown
 * does (rep_take): an "end-of-input" report.
 * The few plugin names here (omfwd's framing, the allow-list) are the exception to "the
 * core never names a plugin", until a later ABI carries them in the descriptor.
 *
 * Ownership: the config and the engine live for the whole run (freed at the end); each
 * line's message and JSON report are freed after the line.
 * Concurrency & locking: main thread only; no engine thread is started, so the engine's
 * locks are never contended.
 */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <libfastjson/json.h>

#include "conf/ir.h"
#include "engine_int.h"
#include "log.h"
#include "msg_int.h"
#include "ruletest.h"
#include "ruletest_expect.h"

/* Modifiers that only change the message (no file, socket, program or shared state
 * outside the process): run by the tester. */
static const char *const pure_modifiers[] = {
    "mmjsonparse", "mmnormalize", "mmfields", "mmpstrucdata", "mmutf8fix", "mmrm1stspace",
    "mmanon", "mmsequence", NULL
};

/* Properties shown for each line, after parsing. */
static const char *const shown_props[] = {
    "rawmsg", "pri", "syslogfacility-text", "syslogseverity-text", "timereported",
    "hostname", "fromhost", "fromhost-ip", "syslogtag", "programname", "app-name", "procid",
    "msgid", "structured-data", "msg", "inputname", NULL
};

enum { FMT_TEXT, FMT_JSON, FMT_EXPECT };

struct rt_opts {
    const char *inputname, *fromhost, *ruleset;
    const char *time;   /* the receive time (RFC 3339), NULL: now */
};

struct rt {
    struct sl_engine *e;
    struct sl_cnf *cnf;
    int fmt;
    size_t lineno;
    /* the current line */
    struct fjson_object *trace, *actions;
    struct sl_rt_out *outs;
    size_t nouts;
    struct sl_action_rt *last;   /* the action run before (execOnlyWhenPreviousIsSuspended) */
};

static struct fjson_object *jstr(const char *p, size_t n)
{
    return fjson_object_new_string_len(p, (int)n);
}

static struct fjson_object *event(struct rt *t, const char *what, const struct sl_loc *loc)
{
    struct fjson_object *o = fjson_object_new_object();
    fjson_object_object_add(o, "event", fjson_object_new_string(what));
    if (loc != NULL) {
        fjson_object_object_add(o, "file", fjson_object_new_string(loc->file ? loc->file : ""));
        fjson_object_object_add(o, "line", fjson_object_new_int(loc->line));
    }
    fjson_object_array_add(t->trace, o);
    return o;
}

static char *stmt_text(const struct sl_stmt *st)
{
    char *p = NULL;
    size_t n = 0;
    FILE *f = open_memstream(&p, &n);
    if (f == NULL) {
        return sl_xstrdup("?");
    }
    sl_stmt_head_dump(f, st);
    fclose(f);
    return p;
}

/* A variable's value now ("$!a!b"), as JSON, or NULL. */
static struct fjson_object *var_value(struct sl_msg *m, const struct sl_propref *v)
{
    struct fjson_object *o = sl_msg_json_get(m, v->id, v->path != NULL ? v->path : "");
    return o != NULL ? fjson_object_get(o) : NULL;
}

static void rt_trace(void *ctx, const struct sl_stmt *st, struct sl_msg *m, int result)
{
    struct rt *t = ctx;
    const char *what = st->type == SL_ST_SET ? "set" : st->type == SL_ST_UNSET ? "unset"
                       : st->type == SL_ST_STOP ? "stop" : st->type == SL_ST_CALL ? "call"
                       : "filter";
    struct fjson_object *o = event(t, what, &st->loc);
    char *txt = stmt_text(st);
    fjson_object_object_add(o, "text", fjson_object_new_string(txt));
    free(txt);
    if (result >= 0) {
        fjson_object_object_add(o, "result", fjson_object_new_boolean(result));
    }
    if (st->type == SL_ST_SET) {
        fjson_object_object_add(o, "value", var_value(m, &st->u.set.var));
    }
}

static const struct sl_exec_ops rt_ops;

static int rt_call(void *ctx, const struct sl_ruleset_ir *rs, struct sl_msg *m)
{
    struct rt *t = ctx;
    int n = fjson_object_array_length(t->trace);
    struct fjson_object *o = n > 0 ? fjson_object_array_get_idx(t->trace, n - 1) : NULL;
    struct sl_ruleset_rt *rrt = rs->rt;
    if (o != NULL) {   /* the call event rt_trace just added: the ruleset it resolved to */
        fjson_object_object_add(o, "ruleset", fjson_object_new_string(rs->name));
    }
    if (rrt == NULL || !rrt->own_queue || rrt->q->direct) {
        return 0;   /* run its statements here (a Direct queue is none for call) */
    }
    /* a ruleset with its own queue gets a copy with the values of this moment and runs it
     * on its own (a stop there does not end the caller), as the engine's exec_call */
    struct sl_msg *c = msg_snapshot(t->e, m);
    if (c == NULL) {
        return 0;
    }
    if (m->fromhost != NULL && c->fromhost == NULL) {   /* --test-fromhost's name */
        c->fromhost = sl_xstrdup(m->fromhost);
    }
    if (o != NULL) {
        fjson_object_object_add(o, "queued", fjson_object_new_boolean(1));
    }
    struct sl_action_rt *last = t->last;
    (void)sl_ruleset_exec(rs, c, &rt_ops, t);
    t->last = last;
    sl_msg_unref(c);
    return 1;
}

/* ---- reading an instance's bound parameters through its descriptor ---- */
static const struct sl_param *param_of(const struct sl_param *tbl, const char *name,
                                       enum sl_ptype type)
{
    for (; tbl != NULL && tbl->name != NULL; tbl++) {
        if (strcasecmp(tbl->name, name) == 0 && (type == 0 || tbl->type == type)) {
            return tbl;
        }
    }
    return NULL;
}

static const struct sl_template *tpl_param(const struct sl_param *tbl, const void *base,
                                           const char *name)
{
    const struct sl_param *p = base != NULL ? param_of(tbl, name, SL_PT_TEMPLATE) : NULL;
    return p != NULL ? *(const struct sl_template *const *)(const void *)((const char *)base
                                                                          + p->offset)
                     : NULL;
}

static const char *str_param(const struct sl_param *tbl, const void *base, const char *name)
{
    const struct sl_param *p = base != NULL ? param_of(tbl, name, 0) : NULL;
    if (p == NULL || (p->flags & SL_P_SECRET)
        || (p->type != SL_PT_STRING && p->type != SL_PT_WORD)) {
        return NULL;
    }
    return *(const char *const *)(const void *)((const char *)base + p->offset);
}

static int64_t int_param(const struct sl_param *tbl, const void *base, const char *name,
                         int64_t dflt)
{
    const struct sl_param *p = base != NULL ? param_of(tbl, name, 0) : NULL;
    if (p == NULL || p->type == SL_PT_STRING || p->type == SL_PT_WORD
        || p->type == SL_PT_TEMPLATE || p->type == SL_PT_RULESET || p->type == SL_PT_ARRAY
        || p->type == SL_PT_BOOL) {
        return dflt;
    }
    return *(const int64_t *)(const void *)((const char *)base + p->offset);
}

static const char *enum_param(const struct sl_param *tbl, const void *base, const char *name)
{
    const struct sl_param *p = base != NULL ? param_of(tbl, name, SL_PT_ENUM) : NULL;
    if (p == NULL || p->enums == NULL) {
        return NULL;
    }
    int64_t v = *(const int64_t *)(const void *)((const char *)base + p->offset);
    for (int64_t i = 0; p->enums[i] != NULL; i++) {
        if (i == v) {
            return p->enums[i];
        }
    }
    return NULL;
}

/* The template an output renders: its template=, the module's, the plugin's default. */
static const struct sl_template *main_template(struct sl_engine *e, struct sl_action_rt *a)
{
    const struct sl_template *tp = tpl_param(a->pl->inst_params, a->inst, "template");
    if (tp == NULL && a->mod != NULL) {
        tp = tpl_param(a->pl->module_params, a->mod->modconf, "template");
    }
    if (tp == NULL) {
        const char *dn = SL_PLUGIN_HAS(a->pl, default_template) && a->pl->default_template
                         ? a->pl->default_template : "RSYSLOG_FileFormat";
        tp = sl_tpl_find(e->tpls, dn);
    }
    return tp;
}

static void add_out(struct rt *t, const char *dest, const char *p, size_t n)
{
    t->outs = sl_xrealloc(t->outs, (t->nouts + 1) * sizeof *t->outs);
    t->outs[t->nouts].dest = sl_xstrdup(dest);
    t->outs[t->nouts].bytes = sl_xmalloc(n + 1);
    memcpy(t->outs[t->nouts].bytes, p, n);
    t->outs[t->nouts].bytes[n] = '\0';
    t->outs[t->nouts].len = n;
    t->nouts++;
}

/* omfwd's wire form of one record (plugins/omfwd/omfwd.c): cut at the first NUL and at
 * maxMessageSize; TCP traditional framing adds the delimiter unless the record ends with
 * it, octet-counted framing prefixes "LEN ". */
static void omfwd_frame(struct rt *t, struct sl_action_rt *a, struct sl_buf *rec,
                        struct sl_buf *wire, char *dest, size_t dsz,
                        struct fjson_object *ev)
{
    const char *proto = enum_param(a->pl->inst_params, a->inst, "protocol");
    const char *framing = enum_param(a->pl->inst_params, a->inst, "tcp_framing");
    const char *target = str_param(a->pl->inst_params, a->inst, "target");
    int64_t port = int_param(a->pl->inst_params, a->inst, "port", 514);
    int64_t delim = int_param(a->pl->inst_params, a->inst, "tcp_frameDelimiter", 10);
    size_t len = rec->len;
    const char *nul = len > 0 ? memchr(rec->p, '\0', len) : NULL;

    if (proto == NULL) {
        proto = "udp";
    }
    if (nul != NULL) {
        len = (size_t)(nul - rec->p);
    }
    if (t->e->g.max_message_size > 0 && len > (size_t)t->e->g.max_message_size) {
        len = (size_t)t->e->g.max_message_size;
    }
    if (strcasecmp(proto, "udp") == 0 && len > 65507) {
        len = 65507;
    }
    snprintf(dest, dsz, "%s://%s:%lld", proto, target != NULL ? target : "?", (long long)port);
    if (strcasecmp(proto, "tcp") == 0) {
        fjson_object_object_add(ev, "framing",
                                fjson_object_new_string(framing ? framing : "traditional"));
        if (framing != NULL && strcasecmp(framing, "octet-counted") == 0) {
            (void)sl_buf_printf(wire, "%zu ", len);
            (void)sl_buf_append(wire, rec->p, len);
            return;
        }
        (void)sl_buf_append(wire, rec->p, len);
        if (len == 0 || (unsigned char)rec->p[len - 1] != (unsigned char)delim) {
            (void)sl_buf_putc(wire, (char)delim);
        }
        return;
    }
    (void)sl_buf_append(wire, rec->p, len);
}

static void run_modifier(struct rt *t, struct sl_action_rt *a, struct sl_msg *m,
                         struct fjson_object *ev)
{
    int pure = 0;
    for (size_t i = 0; pure_modifiers[i] != NULL; i++) {
        pure |= strcmp(pure_modifiers[i], a->pl->name) == 0;
    }
    fjson_object_object_add(ev, "modifier", fjson_object_new_boolean(1));
    if (!pure) {
        fjson_object_object_add(ev, "ran", fjson_object_new_boolean(0));
        fjson_object_object_add(ev, "why", fjson_object_new_string(
                                    "may have side effects: not run by the tester"));
        return;
    }
    if (a->wrks == NULL) {
        a->wrks = sl_xcalloc(t->e->nworkers_max + 1, sizeof *a->wrks);
        a->wconn = sl_xcalloc(t->e->nworkers_max + 1, sizeof *a->wconn);
    }
    a->pl->mod->process(a->inst, action_wrk(a, 0), m);
    fjson_object_object_add(ev, "ran", fjson_object_new_boolean(1));
    struct fjson_object *j = sl_msg_json_get(m, SL_PROP_CEE, "");
    fjson_object_object_add(ev, "$!", j != NULL ? fjson_object_get(j) : NULL);
}

static void render_out(struct rt *t, struct sl_action_rt *a, struct sl_msg *m,
                       struct fjson_object *ev);

/* An "action" event of a built action a at loc: its name and type. */
static struct fjson_object *action_event(struct rt *t, struct sl_action_rt *a,
                                         const struct sl_loc *loc)
{
    struct fjson_object *ev = event(t, "action", loc);
    fjson_object_object_add(ev, "name", fjson_object_new_string(a->name));
    fjson_object_object_add(ev, "type", fjson_object_new_string(a->pl->name));
    return ev;
}

static void rt_action(void *ctx, struct sl_action_ir *ai, struct sl_msg *m)
{
    struct rt *t = ctx;
    struct sl_action_rt *a = ai->rt;

    if (a == NULL || !a->created) {
        struct fjson_object *ev = event(t, "action", &ai->loc);
        fjson_object_object_add(ev, "name", fjson_object_new_string(a != NULL ? a->name
                                                                    : ai->name ? ai->name : ""));
        fjson_object_object_add(ev, "skipped", fjson_object_new_string("not built"));
        return;
    }
    struct fjson_object *ev = action_event(t, a, &ai->loc);
    if (a->ac.exec_when_prev_suspended) {
        /* the tester's actions never fail, so a failover action never runs */
        fjson_object_object_add(ev, "skipped", fjson_object_new_string(
                                    "action.execOnlyWhenPreviousIsSuspended: the previous "
                                    "action is not suspended"));
        return;
    }
    if (a->gate_on && !sl_exec_gate_pass(&a->gate, (int64_t)time(NULL))) {
        /* execOnlyEveryNthTime / execOnlyOnceEveryInterval: the gate's state lives in this
         * process only, so the lines of one run count as the daemon counts them */
        fjson_object_object_add(ev, "skipped", fjson_object_new_string(
                                    "action.execOnlyEveryNthTime/OnceEveryInterval gate"));
        return;
    }
    t->last = a;
    if (a->is_mod) {
        run_modifier(t, a, m, ev);
        return;
    }
    if (a->rep_on) {
        /* $RepeatedMsgReduction: the action's repeat state lives in this process only, so
         * the lines of one run are reduced as the daemon reduces them (action.c) */
        struct sl_msg *emit = NULL;
        int held = rep_filter(a, m, &emit);
        if (emit != NULL) {
            struct fjson_object *rev = action_event(t, a, &ai->loc);
            fjson_object_object_add(rev, "repeat", fjson_object_new_string(
                                        "the repeats held back, let through first"));
            render_out(t, a, emit, rev);
            sl_msg_unref(emit);
        }
        if (held) {
            fjson_object_object_add(ev, "skipped", fjson_object_new_string(
                                        "a repeat of the previous message, held back "
                                        "($RepeatedMsgReduction)"));
            return;
        }
    }
    render_out(t, a, m, ev);
}

/* The output an action makes of m: its template rendered, the destination, the bytes. */
static void render_out(struct rt *t, struct sl_action_rt *a, struct sl_msg *m,
                       struct fjson_object *ev)
{
    struct sl_buf rec = { 0 }, wire = { 0 }, path = { 0 };
    const struct sl_template *tp = main_template(t->e, a);
    char dest[1200];
    if (tp == NULL || sl_template_render(tp, m, &rec) != 0) {
        fjson_object_object_add(ev, "skipped", fjson_object_new_string("no template"));
        return;
    }
    fjson_object_object_add(ev, "template", fjson_object_new_string(sl_template_name(tp)));
    const char *pp = SL_PLUGIN_HAS(a->pl, path_param) ? a->pl->path_param : NULL;
    const char *fixed = pp != NULL ? str_param(a->pl->inst_params, a->inst, pp) : NULL;
    const struct sl_template *dyn = tpl_param(a->pl->inst_params, a->inst, "dynaFile");
    if (SL_PLUGIN_HAS(a->pl, preview) && a->pl->preview != NULL) {
        /* ABI 1.9: the plugin says what its request carries (omelasticsearch's bulk lines) */
        if (a->pl->preview(a->inst, m, &wire, &path) != 0) {
            fjson_object_object_add(ev, "skipped", fjson_object_new_string("preview failed"));
            sl_buf_free(&rec);
            sl_buf_free(&wire);
            sl_buf_free(&path);
            return;
        }
        snprintf(dest, sizeof dest, "%.*s", (int)path.len, path.p != NULL ? path.p : "");
    } else if (strcmp(a->pl->name, "omfwd") == 0) {
        omfwd_frame(t, a, &rec, &wire, dest, sizeof dest, ev);
    } else {
        (void)sl_buf_append(&wire, rec.p, rec.len);
        if (fixed != NULL) {
            snprintf(dest, sizeof dest, "%s", fixed);
        } else if (dyn != NULL && sl_template_render(dyn, m, &path) == 0) {
            snprintf(dest, sizeof dest, "%.*s", (int)path.len, path.p);
            fjson_object_object_add(ev, "dynafile", fjson_object_new_boolean(1));
        } else {
            snprintf(dest, sizeof dest, "%s", a->name);
        }
    }
    fjson_object_object_add(ev, "dest", fjson_object_new_string(dest));
    fjson_object_object_add(ev, "bytes", jstr(wire.p != NULL ? wire.p : "", wire.len));
    if (a->queued) {
        fjson_object_object_add(ev, "queued", fjson_object_new_boolean(1));
    }
    struct fjson_object *ao = fjson_object_new_object();
    fjson_object_object_add(ao, "action", fjson_object_new_string(a->name));
    fjson_object_object_add(ao, "type", fjson_object_new_string(a->pl->name));
    fjson_object_object_add(ao, "dest", fjson_object_new_string(dest));
    fjson_object_object_add(ao, "bytes", jstr(wire.p != NULL ? wire.p : "", wire.len));
    fjson_object_array_add(t->actions, ao);
    add_out(t, dest, wire.p != NULL ? wire.p : "", wire.len);
    sl_buf_free(&rec);
    sl_buf_free(&wire);
    sl_buf_free(&path);
}

static const struct sl_exec_ops rt_ops = { .action = rt_action, .call = rt_call,
                                           .trace = rt_trace };

/* ---- binding a line as an input would ---- */
static struct sl_input_ctx *find_input(struct sl_engine *e, const char *name)
{
    for (size_t i = 0; name != NULL && i < e->ninputs; i++) {
        struct sl_input_ctx *c = e->inputs[i];
        if (strcmp(c->inputname, name) == 0 || strcmp(c->mod->pl->name, name) == 0) {
            return c;
        }
    }
    return NULL;
}

/* fromhost "HOST", "HOST/IP" or "/IP"; 0 or -1 (bad IP) */
static int set_fromhost(struct sl_msg *m, const char *spec)
{
    const char *slash = strchr(spec, '/');
    char hname[512];
    snprintf(hname, sizeof hname, "%.*s", (int)(slash ? (size_t)(slash - spec) : strlen(spec)),
             spec);
    if (slash != NULL) {
        struct sockaddr_in s4;
        struct sockaddr_in6 s6;
        memset(&s4, 0, sizeof s4);
        memset(&s6, 0, sizeof s6);
        if (inet_pton(AF_INET, slash + 1, &s4.sin_addr) == 1) {
            s4.sin_family = AF_INET;
            sl_msg_set_peer(m, (struct sockaddr *)&s4, sizeof s4);
        } else if (inet_pton(AF_INET6, slash + 1, &s6.sin6_addr) == 1) {
            s6.sin6_family = AF_INET6;
            sl_msg_set_peer(m, (struct sockaddr *)&s6, sizeof s6);
        } else {
            return -1;
        }
        free(m->fromhost_ip);
        m->fromhost_ip = sl_xstrdup(slash + 1);
    }
    if (hname[0] != '\0') {
        free(m->fromhost);
        m->fromhost = sl_xstrdup(hname);   /* no reverse lookup: no query leaves the host */
    } else if (slash != NULL) {
        free(m->fromhost);
        m->fromhost = sl_xstrdup(slash + 1);
    }
    return 0;
}

/* "YYYY-MM-DDTHH:MM:SS[.FRAC](Z|+HH:MM|-HH:MM)" into *ts; 0 or -1 */
static int parse_time(const char *s, struct timespec *ts)
{
    struct tm tm;
    long frac = 0, scale = 1000000000L;
    int oh = 0, om = 0;
    memset(&tm, 0, sizeof tm);
    const char *p = strptime(s, "%Y-%m-%dT%H:%M:%S", &tm);
    if (p == NULL) {
        return -1;
    }
    if (*p == '.') {
        for (p++; *p >= '0' && *p <= '9'; p++) {
            if (scale > 1) {
                scale /= 10;
                frac += (*p - '0') * scale;
            }
        }
    }
    if (*p == '+' || *p == '-') {
        if (sscanf(p + 1, "%2d:%2d", &oh, &om) != 2 || strlen(p) != 6) {
            return -1;
        }
        if (*p == '-') {
            oh = -oh;
            om = -om;
        }
    } else if (strcmp(p, "Z") != 0) {
        return -1;
    }
    ts->tv_sec = timegm(&tm) - (time_t)(oh * 3600 + om * 60);
    ts->tv_nsec = frac;
    return 0;
}

/* Run one line; the report in *out (NULL on a usage error, message on stderr). */
static struct fjson_object *run_line(struct rt *t, const char *line, size_t len,
                                     const struct rt_opts *o)
{
    struct sl_engine *e = t->e;
    struct sl_input_ctx *in = find_input(e, o->inputname);
    struct sl_ruleset_rt *rs = e->default_rs;

    if (o->inputname != NULL && in == NULL && o->ruleset == NULL) {
        fprintf(stderr, "sluiced --test: no input named '%s' in the configuration: the "
                "default ruleset is used\n", o->inputname);
    }
    if (in != NULL && in->rs != NULL) {
        rs = in->rs;
    }
    if (o->ruleset != NULL) {
        rs = find_ruleset(e, o->ruleset);
        if (rs == NULL) {
            fprintf(stderr, "sluiced --test: no ruleset '%s'\n", o->ruleset);
            return NULL;
        }
    }
    if (e->g.max_message_size > 0 && len > (size_t)e->g.max_message_size) {
        len = (size_t)e->g.max_message_size;   /* as the inputs cut what they receive */
    }
    struct sl_msg *m = sl_msg_new(line, len);
    m->inputname = in != NULL ? in->inputname : o->inputname != NULL ? o->inputname
                                                                     : "imtest";
    m->ruleset = rs;
    if (o->time != NULL) {
        if (parse_time(o->time, &m->rcv) != 0) {
            fprintf(stderr, "sluiced --test: --test-time '%s': not YYYY-MM-DDTHH:MM:SS"
                    "[.FRAC] with Z or +HH:MM\n", o->time);
            sl_msg_unref(m);
            return NULL;
        }
        sl_msg_set_tgen(m);   /* timegenerated (and reported, until a parser sets it) */
        m->t_reported = m->t_generated;
    }
    if (o->fromhost != NULL && set_fromhost(m, o->fromhost) != 0) {
        fprintf(stderr, "sluiced --test: --test-fromhost '%s': not HOST, HOST/IP or /IP\n",
                o->fromhost);
        sl_msg_unref(m);
        return NULL;
    }
    struct fjson_object *r = fjson_object_new_object();
    t->trace = fjson_object_new_array();
    t->actions = fjson_object_new_array();
    t->last = NULL;
    fjson_object_object_add(r, "line", fjson_object_new_int64((int64_t)t->lineno));
    fjson_object_object_add(r, "input", jstr(line, len));
    fjson_object_object_add(r, "inputname", fjson_object_new_string(m->inputname));
    fjson_object_object_add(r, "ruleset", fjson_object_new_string(rs->ir->name));
    sl_msg_parse(m, &rs->popts);
    if (m->flags & SL_MSGF_UNPARSED) {
        fjson_object_object_add(r, "discarded", fjson_object_new_string(
                                    "no parser of the ruleset's chain took the message"));
    } else {
        struct fjson_object *props = fjson_object_new_object();
        /* rendering a date fixes the message's RFC 3164 date form for every later use
         * (sl_msg_3164_fmt), which the actions must decide: put the cache back after */
        int f0 = atomic_load(&m->fmt3164[0]), f1 = atomic_load(&m->fmt3164[1]);
        struct sl_msg *pm = m;
        for (size_t i = 0; shown_props[i] != NULL; i++) {
            struct sl_propref ref = { 0 };
            char tmp[SL_PROP_TMP];
            char *to_free = NULL;
            size_t pl = 0;
            if (sl_propref_parse(shown_props[i], strlen(shown_props[i]), &ref) != 0) {
                continue;
            }
            const char *v = sl_msg_prop(pm, &ref, &pl, tmp, &to_free);
            fjson_object_object_add(props, shown_props[i], jstr(v != NULL ? v : "", pl));
            free(to_free);
            sl_propref_clear(&ref);
        }
        atomic_store(&m->fmt3164[0], f0);
        atomic_store(&m->fmt3164[1], f1);
        fjson_object_object_add(r, "properties", props);
        (void)sl_ruleset_exec(rs->ir, m, &rt_ops, t);
    }
    fjson_object_object_add(r, "trace", t->trace);
    fjson_object_object_add(r, "actions", t->actions);
    t->trace = t->actions = NULL;
    sl_msg_unref(m);
    return r;
}

/* The end of the input, as the daemon's shutdown: the repeats the actions still hold
 * back ($RepeatedMsgReduction) are let through, into t->outs.  Returns the report, or NULL
 * when nothing was held. */
static struct fjson_object *run_end(struct rt *t)
{
    t->trace = fjson_object_new_array();
    t->actions = fjson_object_new_array();
    for (size_t i = 0; i < t->e->nactions; i++) {
        struct sl_action_rt *a = t->e->actions[i];
        struct sl_msg *m = rep_take(t->e, a);
        if (m == NULL) {
            continue;
        }
        struct fjson_object *ev = action_event(t, a, a->ir != NULL ? &a->ir->loc : NULL);
        fjson_object_object_add(ev, "repeat", fjson_object_new_string(
                                    "the repeats held back, let through at the end"));
        render_out(t, a, m, ev);
        sl_msg_unref(m);
    }
    struct fjson_object *r = NULL;
    if (t->nouts > 0) {
        r = fjson_object_new_object();
        fjson_object_object_add(r, "end", fjson_object_new_boolean(1));
        fjson_object_object_add(r, "trace", t->trace);
        fjson_object_object_add(r, "actions", t->actions);
    } else {
        fjson_object_put(t->trace);
        fjson_object_put(t->actions);
    }
    t->trace = t->actions = NULL;
    return r;
}

/* ---- printing ---- */
static void put_esc(FILE *f, const char *p, size_t n, int esc_space)
{
    struct sl_buf b = { 0 };
    sl_rt_escape(&b, p, n, esc_space);
    if (b.len > 0) {
        fwrite(b.p, 1, b.len, f);
    }
    sl_buf_free(&b);
}

static const char *jget(struct fjson_object *o, const char *k, size_t *len)
{
    struct fjson_object *v = NULL;
    if (!fjson_object_object_get_ex(o, k, &v) || v == NULL) {
        *len = 0;
        return NULL;
    }
    *len = (size_t)fjson_object_get_string_len(v);
    return fjson_object_get_string(v);
}

static void print_head(FILE *f, struct fjson_object *r)
{
    size_t l;
    fprintf(f, "== line %s: ", jget(r, "line", &l));
    const char *s = jget(r, "input", &l);
    put_esc(f, s, l, 0);
    fprintf(f, "\n   inputname=%s ruleset=%s\n", jget(r, "inputname", &l),
            jget(r, "ruleset", &l));
}

static void print_text(FILE *f, struct fjson_object *r)
{
    size_t l;
    const char *s = jget(r, "input", &l);
    struct fjson_object *v;

    if (fjson_object_object_get_ex(r, "end", &v)) {
        fputs("== end of input: the repeats held back ($RepeatedMsgReduction)\n", f);
    } else {
        print_head(f, r);
    }
    if ((s = jget(r, "discarded", &l)) != NULL) {
        fprintf(f, "   discarded: %s\n", s);
        return;
    }
    if (fjson_object_object_get_ex(r, "properties", &v)) {
        struct fjson_object_iterator it = fjson_object_iter_begin(v);
        struct fjson_object_iterator end = fjson_object_iter_end(v);
        for (; !fjson_object_iter_equal(&it, &end); fjson_object_iter_next(&it)) {
            struct fjson_object *pv = fjson_object_iter_peek_value(&it);
            fprintf(f, "   %-20s ", fjson_object_iter_peek_name(&it));
            put_esc(f, fjson_object_get_string(pv), (size_t)fjson_object_get_string_len(pv), 0);
            fputc('\n', f);
        }
    }
    struct fjson_object *tr = NULL;
    (void)fjson_object_object_get_ex(r, "trace", &tr);
    int n = tr != NULL ? fjson_object_array_length(tr) : 0;
    if (n == 0) {
        fputs("   (no statement ran)\n", f);
    }
    for (int i = 0; i < n; i++) {
        struct fjson_object *ev = fjson_object_array_get_idx(tr, i);
        const char *what = jget(ev, "event", &l);
        const char *file = jget(ev, "file", &l);
        const char *ln = jget(ev, "line", &l);
        if (file != NULL) {
            fprintf(f, "   %s:%s: ", file, ln);
        } else {
            fputs("   ", f);
        }
        if (strcmp(what, "call") == 0) {
            s = jget(ev, "ruleset", &l);
            fprintf(f, "%s -> %s\n", jget(ev, "text", &l), s != NULL ? s : "(no such ruleset)");
        } else if (strcmp(what, "action") == 0) {
            fprintf(f, "action %s", jget(ev, "name", &l));
            if ((s = jget(ev, "type", &l)) != NULL) {
                fprintf(f, " (%s)", s);
            }
            if ((s = jget(ev, "repeat", &l)) != NULL) {
                fprintf(f, ", %s", s);
            }
            if ((s = jget(ev, "skipped", &l)) != NULL) {
                fprintf(f, ": skipped, %s\n", s);
            } else if (fjson_object_object_get_ex(ev, "modifier", &v)) {
                fprintf(f, ": %s\n", (s = jget(ev, "why", &l)) != NULL ? s : "ran");
                if (fjson_object_object_get_ex(ev, "$!", &v) && v != NULL) {
                    fprintf(f, "       $! = %s\n",
                            fjson_object_to_json_string_ext(v, FJSON_TO_STRING_PLAIN));
                }
            } else {
                fputs(" -> ", f);
                s = jget(ev, "dest", &l);
                put_esc(f, s, l, 0);
                if ((s = jget(ev, "framing", &l)) != NULL) {
                    fprintf(f, " (framing %s)", s);
                }
                fprintf(f, " [template %s]\n       ", jget(ev, "template", &l));
                s = jget(ev, "bytes", &l);
                put_esc(f, s, l, 0);
                fputc('\n', f);
            }
        } else {
            fprintf(f, "%s", jget(ev, "text", &l));
            if (fjson_object_object_get_ex(ev, "result", &v)) {
                fprintf(f, " => %s", fjson_object_get_boolean(v) ? "true" : "false");
            }
            if (strcmp(what, "set") == 0) {
                fjson_object_object_get_ex(ev, "value", &v);
                fprintf(f, " => %s", v != NULL ? fjson_object_to_json_string_ext(
                                                     v, FJSON_TO_STRING_PLAIN) : "(unset)");
            }
            fputc('\n', f);
        }
    }
}

static void print_outs(FILE *f, struct rt *t);

static void print_expect(FILE *f, struct rt *t, const char *line, size_t len,
                         const struct rt_opts *o)
{
    fputs("input ", f);
    put_esc(f, line, len, 0);
    fputc('\n', f);
    if (o->inputname != NULL) {
        fprintf(f, "inputname %s\n", o->inputname);
    }
    if (o->fromhost != NULL) {
        fprintf(f, "fromhost %s\n", o->fromhost);
    }
    if (o->ruleset != NULL) {
        fprintf(f, "ruleset %s\n", o->ruleset);
    }
    if (o->time != NULL) {
        fprintf(f, "time %s\n", o->time);
    }
    print_outs(f, t);
}

/* The expect lines of t->outs (expect-nothing when there is none). */
static void print_outs(FILE *f, struct rt *t)
{
    if (t->nouts == 0) {
        fputs("expect-nothing\n", f);
    }
    for (size_t i = 0; i < t->nouts; i++) {
        fputs("expect ", f);
        put_esc(f, t->outs[i].dest, strlen(t->outs[i].dest), 1);
        fputc(' ', f);
        put_esc(f, t->outs[i].bytes, t->outs[i].len, 0);
        fputc('\n', f);
    }
}

/* One line through the rules, printed in the chosen format; 0 or -1. */
static int do_line(struct rt *t, const char *line, size_t len, const struct rt_opts *o)
{
    t->lineno++;
    struct fjson_object *r = run_line(t, line, len, o);
    if (r == NULL) {
        return -1;
    }
    if (t->fmt == FMT_JSON) {
        fprintf(stdout, "%s\n", fjson_object_to_json_string_ext(r, FJSON_TO_STRING_PLAIN));
    } else if (t->fmt == FMT_EXPECT) {
        print_expect(stdout, t, line, len, o);
    } else {
        print_text(stdout, r);
    }
    fjson_object_put(r);
    return 0;
}

static void clear_outs(struct rt *t)
{
    sl_rt_outs_free(t->outs, t->nouts);
    t->outs = NULL;
    t->nouts = 0;
}

/* The end of the input (run_end), printed in the chosen format when something was held. */
static void do_end(struct rt *t)
{
    struct fjson_object *r = run_end(t);
    if (r != NULL) {
        if (t->fmt == FMT_JSON) {
            fprintf(stdout, "%s\n", fjson_object_to_json_string_ext(r, FJSON_TO_STRING_PLAIN));
        } else if (t->fmt == FMT_EXPECT) {
            fputs("end-of-input\n", stdout);
            print_outs(stdout, t);
        } else {
            print_text(stdout, r);
        }
        fjson_object_put(r);
    }
    clear_outs(t);
}

static int run_expect(struct rt *t, const char *path, const struct rt_opts *dflt)
{
    FILE *f = fopen(path, "r");
    struct sl_rt_case *cases = NULL;
    size_t n = 0, failed = 0;
    char err[400];

    if (f == NULL) {
        fprintf(stderr, "sluiced --test: cannot open %s: %s\n", path, strerror(errno));
        return 2;
    }
    int rc = sl_rt_expect_load(f, path, &cases, &n, err, sizeof err);
    fclose(f);
    if (rc != 0) {
        fprintf(stderr, "sluiced --test: %s\n", err);
        return 2;
    }
    const struct sl_rt_case *end = NULL;
    for (size_t i = 0; i < n; i++) {
        struct sl_rt_case *c = &cases[i];
        if (c->end) {
            end = c;   /* compared after the last line */
            continue;
        }
        struct rt_opts o = {
            c->inputname != NULL ? c->inputname : dflt->inputname,
            c->fromhost != NULL ? c->fromhost : dflt->fromhost,
            c->ruleset != NULL ? c->ruleset : dflt->ruleset,
            c->time != NULL ? c->time : dflt->time,
        };
        t->lineno++;
        struct fjson_object *r = run_line(t, c->input, c->input_len, &o);
        if (r == NULL) {
            fprintf(stderr, "%s:%d: the case cannot run\n", path, c->line);
            failed++;
            clear_outs(t);
            continue;
        }
        struct sl_buf d = { 0 };
        if (sl_rt_expect_diff(c->exp, c->nexp, t->outs, t->nouts, &d) != 0) {
            failed++;
            printf("FAIL %s:%d: ", path, c->line);
            put_esc(stdout, c->input, c->input_len, 0);
            printf("\n--- expected\n+++ predicted\n%.*s", (int)d.len, d.p != NULL ? d.p : "");
            if (t->fmt == FMT_JSON) {
                printf("%s\n", fjson_object_to_json_string_ext(r, FJSON_TO_STRING_PLAIN));
            } else {
                print_text(stdout, r);
            }
        } else {
            printf("ok   %s:%d\n", path, c->line);
        }
        sl_buf_free(&d);
        fjson_object_put(r);
        clear_outs(t);
    }
    /* the end of the input: what the actions still hold must be the end-of-input case's
     * outputs (none when the file has no such case) */
    struct fjson_object *r = run_end(t);
    struct sl_buf d = { 0 };
    if (sl_rt_expect_diff(end != NULL ? end->exp : NULL, end != NULL ? end->nexp : 0,
                          t->outs, t->nouts, &d) != 0) {
        failed++;
        printf("FAIL %s:%d: end-of-input\n--- expected\n+++ predicted\n%.*s", path,
               end != NULL ? end->line : 0, (int)d.len, d.p != NULL ? d.p : "");
    } else if (end != NULL) {
        printf("ok   %s:%d\n", path, end->line);
    }
    sl_buf_free(&d);
    fjson_object_put(r);
    clear_outs(t);
    printf("%zu case(s), %zu failed\n", n, failed);
    sl_rt_cases_free(cases, n);
    return failed > 0 ? 1 : 0;
}

int sl_ruletest_wanted(int argc, char **argv)
{
    for (int i = 1; i < argc && strcmp(argv[i], "--") != 0; i++) {
        if (strcmp(argv[i], "--test") == 0) {
            return 1;
        }
    }
    return 0;
}

static void usage(FILE *f)
{
    fputs("usage: sluiced --test [-f CONF] [-M PLUGINDIR] [--test-input FILE]\n"
          "               [--test-inputname NAME] [--test-fromhost HOST[/IP]]\n"
          "               [--test-ruleset NAME] [--test-time YYYY-MM-DDTHH:MM:SSZ]\n"
          "               [--test-format text|json|expect]\n"
          "               [--test-expect FILE] [-- LINE...]\n"
          "  Runs sample lines (after --, from --test-input FILE, else stdin) through the\n"
          "  configuration without side effects and shows what each line does.\n", f);
}

int sl_ruletest_main(int argc, char **argv, const char *default_conf)
{
    const char *conf = default_conf, *plugin_dir = NULL, *input = NULL, *expect = NULL;
    struct rt_opts o = { NULL, NULL, NULL, NULL };
    struct rt t;
    static const struct option longopts[] = {
        { "test", no_argument, NULL, 'T' },
        { "test-input", required_argument, NULL, 'I' },
        { "test-inputname", required_argument, NULL, 'n' },
        { "test-fromhost", required_argument, NULL, 'H' },
        { "test-ruleset", required_argument, NULL, 'r' },
        { "test-time", required_argument, NULL, 't' },
        { "test-format", required_argument, NULL, 'F' },
        { "test-expect", required_argument, NULL, 'E' },
        { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 },
    };
    int c;

    memset(&t, 0, sizeof t);
    optind = 1;
    while ((c = getopt_long(argc, argv, "f:M:h", longopts, NULL)) != -1) {
        switch (c) {
        case 'T': break;
        case 'f': conf = optarg; break;
        case 'M': plugin_dir = optarg; sl_plugin_dir_set(optarg); break;
        case 'I': input = optarg; break;
        case 'n': o.inputname = optarg; break;
        case 'H': o.fromhost = optarg; break;
        case 'r': o.ruleset = optarg; break;
        case 't': o.time = optarg; break;
        case 'E': expect = optarg; break;
        case 'F':
            if (strcmp(optarg, "text") == 0) {
                t.fmt = FMT_TEXT;
            } else if (strcmp(optarg, "json") == 0) {
                t.fmt = FMT_JSON;
            } else if (strcmp(optarg, "expect") == 0) {
                t.fmt = FMT_EXPECT;
            } else {
                fprintf(stderr, "sluiced: --test-format is text, json or expect, not '%s'\n",
                        optarg);
                return 2;
            }
            break;
        case 'h': usage(stdout); return 0;
        default: usage(stderr); return 2;
        }
    }
    if ((optind < argc) + (input != NULL) + (expect != NULL) > 1) {
        fprintf(stderr, "sluiced --test: give the lines one way: after --, with "
                "--test-input or in --test-expect\n");
        return 2;
    }
    sl_log_set_stderr(1);
    sl_cnf_set_plugins(sl_plugin_lookup, (void *)sl_plugin_dir(plugin_dir), sl_builtin_plugins);
    t.cnf = sl_cnf_load(conf);
    if (t.cnf == NULL) {
        fprintf(stderr, "sluiced: cannot read configuration file %s: %s\n", conf,
                strerror(errno));
        return 1;
    }
    struct sl_engine_opts eo = { plugin_dir, 1 };
    if (sl_cfg_error_count() == 0) {
        t.e = sl_engine_build(t.cnf, &eo);
    }
    if (t.e == NULL || sl_cfg_error_count() > 0) {
        fprintf(stderr, "sluiced: %d error(s) in configuration %s\n", sl_cfg_error_count(),
                conf);
        sl_engine_free(t.e);
        sl_cnf_free(t.cnf);
        sl_plugin_lookup_clear();
        return 1;
    }
    int rc = 0;
    if (expect != NULL) {
        rc = run_expect(&t, expect, &o);
    } else if (optind < argc) {
        for (int i = optind; i < argc && rc == 0; i++) {
            rc = do_line(&t, argv[i], strlen(argv[i]), &o) != 0 ? 2 : 0;
            clear_outs(&t);
        }
        do_end(&t);
    } else {
        FILE *f = input != NULL ? fopen(input, "r") : stdin;
        if (f == NULL) {
            fprintf(stderr, "sluiced --test: cannot open %s: %s\n", input, strerror(errno));
            rc = 2;
        }
        char *line = NULL;
        size_t cap = 0;
        ssize_t got;
        while (f != NULL && rc == 0 && (got = getline(&line, &cap, f)) >= 0) {
            if (got > 0 && line[got - 1] == '\n') {
                got--;
            }
            rc = do_line(&t, line, (size_t)got, &o) != 0 ? 2 : 0;
            clear_outs(&t);
        }
        free(line);
        if (f != NULL && f != stdin) {
            fclose(f);
        }
        do_end(&t);
    }
    clear_outs(&t);
    sl_engine_free(t.e);
    sl_cnf_free(t.cnf);
    sl_plugin_lookup_clear();
    return rc;
}
