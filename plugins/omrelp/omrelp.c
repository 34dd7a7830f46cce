/*
 * omrelp.c - the omrelp output plugin: forwards messages over RELP (the Reliable Event
 * Logging Protocol) with Debian's librelp, with rsyslog 8.2302's omrelp parameters and
 * defaults: target (required), port (514), template (RSYSLOG_ForwardFormat), timeout (90 s),
 * conn.timeout (10 s), windowSize (0: librelp's 128), rebindInterval (0: never),
 * localClientIP, tls, tls.compression, tls.prioritystring, tls.cacert, tls.mycert,
 * tls.myprivkey, tls.authMode, tls.permittedPeer, tls.tlscfgcmd; module: tls.tlslib.
 *
 * Delivery: synchronous, with librelp's window
 *   librelp's client gives no per-message answer to its caller: relpCltSendSyslog()
 *   sends the frame, keeps it in the session's list of unacknowledged frames and returns;
 *   the "rsp" that confirms it is consumed inside librelp (by the next send, which also
 *   waits while windowSize frames are unanswered), and no call tells when the list is
 *   empty.  So the ABI 1.4 deferred acknowledgement (SL_PENDING + batch_done) has nothing
 *   to hang on, and omrelp gives final verdicts, as rsyslog's omrelp does:
 *   - a message leaves the action once relpCltSendSyslog() took it; at most windowSize
 *     frames are then unanswered, held by librelp, and sent again by librelp on the next
 *     connection (relpCltReconnect) if the session breaks before their rsp came: a lost
 *     connection or a receiver restart loses nothing, duplicates are possible (RELP allows
 *     them);
 *   - a send that fails (session broken, timeout, peer gone) answers SL_PARTIAL with the
 *     messages before it, or SL_SUSPEND: the core's queue keeps the rest and the action
 *     is retried after action.resumeInterval; connect() then reconnects the SAME client,
 *     so librelp re-sends its unanswered frames first;
 *   - the client is never destroyed while frames may be unanswered, except at shutdown
 *     (worker_destroy) and at rebindInterval: librelp's close handshake then waits (up to
 *     timeout) for the outstanding rsps.  What remains at risk are the at most windowSize
 *     frames of a sluiced that is killed (kill -9) or stopped while the receiver is
 *     unreachable - the same as rsyslog's omrelp.
 *   An authentication failure (tls.permittedPeer, certificate) is logged and the action
 *   stays suspended and is retried (rsyslog disables the action for good and discards
 *   its messages; sluice keeps them in the queue).
 *   A record is sent up to its first NUL and cut to global maxMessageSize, as rsyslog does.
 *   Unlike rsyslog's omrelp, a batch is not corked (relpCltHintBurstBegin/End, TCP_CORK):
 *   when the window is full librelp waits for rsps to frames the kernel still holds back,
 *   until the cork's 200 ms timer.  Measured on loopback, 100,000 messages into rsyslogd's
 *   imrelp: 35 s corked (rsyslogd's own omrelp also takes 37 s), 3 s without.
 *
 * Threads (who owns what)
 *   - create()/destroy() run on the main thread and touch no librelp object (-N1 does not
 *     connect).
 *   - Each plugin worker owns its own relpEngine_t and relpClt_t, made in worker_create()
 *     and destructed in worker_destroy().  librelp's client starts no threads: every
 *     librelp call (connect, send, the rsp processing inside it, callbacks on_err /
 *     on_auth_err) runs on the core worker thread that currently holds the worker block,
 *     and the core lets only one thread hold a block at a time.  So nothing here is
 *     shared between threads except the instance's counters (atomics).
 *
 * Ownership: parameter strings, arrays and the template belong to the core; the worker
 * owns its engine, client and render buffer.  Counters (owner "omrelp", instance
 * "TARGET:PORT"): sent, send.failed, connect.failed, auth.errors, rebinds.
 */
#include "config.h"

#include <errno.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <librelp.h>

#include "sluice/sl_plugin.h"

struct omrelp_mod {
    char *tlslib;
};

struct omrelp_inst {
    /* parameters */
    char *target;
    char *port;
    const struct sl_template *tpl;
    int64_t timeout;
    int64_t conn_timeout;
    int64_t window;
    int64_t rebind;
    char *local_ip;
    int tls;
    int tls_zip;
    char *tls_prio;
    char *tls_cacert;
    char *tls_mycert;
    char *tls_myprivkey;
    char *tls_authmode;
    char *tls_cfgcmd;
    struct sl_strarr tls_peers;
    /* runtime */
    const struct sl_host *h;
    const struct omrelp_mod *mod;
    const struct sl_template *tpl_eff;
    char who[160];
    _Atomic uint64_t *c_sent, *c_send_failed, *c_conn_failed, *c_auth, *c_rebinds;
};

struct omrelp_wrk {
    struct omrelp_inst *in;
    relpEngine_t *eng;
    relpClt_t *clt;
    int initial;         /* no successful relpCltConnect yet on this client */
    int connected;
    int suspended_logged;
    int auth_failed;     /* set by on_auth_err during the current call */
    int64_t nsent;       /* since the last (re)bind */
    struct sl_buf buf;
};

static const struct sl_param mod_params[] = {
    { "tls.tlslib", SL_PT_STRING, 0, offsetof(struct omrelp_mod, tlslib), NULL, NULL, NULL,
      "TLS library librelp uses: gnutls or openssl" },
    SL_PARAM_END
};

#define OI(f) offsetof(struct omrelp_inst, f)
static const struct sl_param inst_params[] = {
    { "target", SL_PT_WORD, SL_P_REQUIRED, OI(target), NULL, NULL, NULL,
      "RELP receiver host name or address" },
    { "port", SL_PT_WORD, 0, OI(port), "514", NULL, NULL, "RELP receiver port" },
    { "template", SL_PT_TEMPLATE, 0, OI(tpl), NULL, NULL, NULL,
      "record template (RSYSLOG_ForwardFormat)" },
    { "timeout", SL_PT_INT, 0, OI(timeout), "90", NULL, NULL,
      "seconds to wait for the receiver's rsp before the session counts as broken" },
    { "conn.timeout", SL_PT_INT, 0, OI(conn_timeout), "10", NULL, NULL,
      "seconds a connection attempt may take" },
    { "windowSize", SL_PT_INT, 0, OI(window), "0", NULL, NULL,
      "unanswered frames allowed (0: librelp's default, 128)" },
    { "rebindInterval", SL_PT_INT, 0, OI(rebind), "0", NULL, NULL,
      "open a new session after this many messages (0: never)" },
    { "localClientIP", SL_PT_WORD, 0, OI(local_ip), NULL, NULL, NULL,
      "local address to connect from" },
    { "tls", SL_PT_BOOL, 0, OI(tls), "off", NULL, NULL, "RELP over TLS" },
    { "tls.compression", SL_PT_BOOL, 0, OI(tls_zip), "off", NULL, NULL, NULL },
    { "tls.prioritystring", SL_PT_STRING, 0, OI(tls_prio), NULL, NULL, NULL, NULL },
    { "tls.cacert", SL_PT_STRING, 0, OI(tls_cacert), NULL, NULL, NULL, NULL },
    { "tls.mycert", SL_PT_STRING, 0, OI(tls_mycert), NULL, NULL, NULL, NULL },
    { "tls.myprivkey", SL_PT_STRING, 0, OI(tls_myprivkey), NULL, NULL, NULL, NULL },
    { "tls.authMode", SL_PT_STRING, 0, OI(tls_authmode), NULL, NULL, NULL,
      "name, fingerprint or certvalid" },
    { "tls.tlscfgcmd", SL_PT_STRING, 0, OI(tls_cfgcmd), NULL, NULL, NULL, NULL },
    { "tls.permittedPeer", SL_PT_ARRAY, 0, OI(tls_peers), NULL, NULL, NULL,
      "receiver names or fingerprints accepted" },
    SL_PARAM_END
};

/* librelp calls its debug printer unconditionally (no default is set): a no-op. */
static void relp_dbg(char *fmt, ...)
{
    (void)fmt;
}

/* ---------------------------------------------------------------------------------------
 * librelp callbacks (on the worker's thread, inside a librelp call)
 * ------------------------------------------------------------------------------------- */
static void on_err(void *usr, char *objinfo, char *errmsg, relpRetVal code)
{
    struct omrelp_wrk *w = usr;
    if (w == NULL) {
        return;
    }
    if (!w->suspended_logged) {
        w->in->h->log(SL_LOG_ERR, w->in->who, "omrelp[%s:%s]: error '%s', object '%s' - "
                      "action may not work as intended (librelp %d)", w->in->target,
                      w->in->port, errmsg, objinfo, (int)code);
    }
}

static void on_auth_err(void *usr, char *authinfo, char *errmsg, relpRetVal code)
{
    struct omrelp_wrk *w = usr;
    (void)code;
    if (w == NULL) {
        return;
    }
    w->auth_failed = 1;
    atomic_fetch_add(w->in->c_auth, 1);
    if (w->suspended_logged) {
        return;   /* once per suspension; counted every time */
    }
    w->in->h->log(SL_LOG_ERR, w->in->who, "omrelp[%s:%s]: authentication error '%s', peer "
                  "is '%s' - suspending action", w->in->target, w->in->port, errmsg, authinfo);
}

static const struct sl_host *g_host;
static void on_generic_err(char *objinfo, char *errmsg, relpRetVal code)
{
    if (g_host != NULL) {
        g_host->log(SL_LOG_ERR, "omrelp", "omrelp: librelp error '%s', object '%s' - action "
                    "may not work as intended (librelp %d)", errmsg, objinfo, (int)code);
    }
}

/* ---------------------------------------------------------------------------------------
 * Client life cycle (worker thread)
 * ------------------------------------------------------------------------------------- */
static int client_make(struct omrelp_wrk *w)
{
    struct omrelp_inst *in = w->in;
    relpClt_t *c = NULL;
    if (relpEngineCltConstruct(w->eng, &c) != RELP_RET_OK) {
        return -1;
    }
    int ok = relpCltSetTimeout(c, (unsigned)in->timeout) == RELP_RET_OK &&
             relpCltSetConnTimeout(c, (int)in->conn_timeout) == RELP_RET_OK &&
             relpCltSetWindowSize(c, (int)in->window) == RELP_RET_OK &&
             relpCltSetUsrPtr(c, w) == RELP_RET_OK;
    if (ok && in->tls) {
        ok = relpCltEnableTLS(c) == RELP_RET_OK &&
             (!in->tls_zip || relpCltEnableTLSZip(c) == RELP_RET_OK) &&
             relpCltSetGnuTLSPriString(c, in->tls_prio) == RELP_RET_OK;
        if (ok && relpCltSetAuthMode(c, in->tls_authmode) != RELP_RET_OK) {
            in->h->log(SL_LOG_ERR, in->who, "omrelp: invalid auth mode '%s'",
                       in->tls_authmode != NULL ? in->tls_authmode : "");
            ok = 0;
        }
        ok = ok && relpCltSetCACert(c, in->tls_cacert) == RELP_RET_OK &&
             relpCltSetOwnCert(c, in->tls_mycert) == RELP_RET_OK &&
             relpCltSetPrivKey(c, in->tls_myprivkey) == RELP_RET_OK &&
             (in->tls_cfgcmd == NULL || relpCltSetTlsConfigCmd(c, in->tls_cfgcmd) == 0);
        for (size_t i = 0; ok && i < in->tls_peers.n; i++) {
            (void)relpCltAddPermittedPeer(c, in->tls_peers.v[i]);
        }
    }
    if (ok && in->local_ip != NULL) {
        ok = relpCltSetClientIP(c, (unsigned char *)in->local_ip) == RELP_RET_OK;
    }
    if (!ok) {
        relpEngineCltDestruct(w->eng, &c);
        return -1;
    }
    w->clt = c;
    w->initial = 1;
    w->connected = 0;
    w->nsent = 0;
    return 0;
}

static void client_drop(struct omrelp_wrk *w)
{
    if (w->clt != NULL) {
        /* librelp's close handshake: waits (up to timeout) for the outstanding rsps */
        relpEngineCltDestruct(w->eng, &w->clt);
        w->clt = NULL;
    }
    w->connected = 0;
}

/* Connects (first time) or reconnects the same client, so that librelp sends its
 * unanswered frames again.  0 or -1. */
static int do_connect(struct omrelp_wrk *w)
{
    struct omrelp_inst *in = w->in;
    relpRetVal r;
    if (w->clt == NULL && client_make(w) != 0) {
        in->h->log(SL_LOG_ERR, in->who, "omrelp: error when creating relp client");
        return -1;
    }
    w->auth_failed = 0;
    if (w->initial) {
        r = relpCltConnect(w->clt, AF_UNSPEC, (unsigned char *)in->port,
                           (unsigned char *)in->target);
        if (r == RELP_RET_OK) {
            w->initial = 0;
        }
    } else {
        r = relpCltReconnect(w->clt);
    }
    if (r == RELP_RET_OK && !w->auth_failed) {
        if (w->suspended_logged) {
            in->h->log(SL_LOG_INFO, in->who, "omrelp[%s:%s]: connected again", in->target,
                       in->port);
        }
        w->connected = 1;
        w->suspended_logged = 0;
        return 0;
    }
    atomic_fetch_add(in->c_conn_failed, 1);
    if (r == RELP_RET_ERR_NO_TLS) {
        in->h->log(SL_LOG_ERR, in->who, "omrelp: Could not connect, librelp does NOT support "
                   "TLS");
    } else if (!w->suspended_logged) {
        in->h->log(SL_LOG_ERR, in->who, "omrelp: could not connect to remote server %s:%s, "
                   "librelp error %d - suspending", in->target, in->port, (int)r);
    }
    w->suspended_logged = 1;
    w->connected = 0;
    return -1;
}

/* ---------------------------------------------------------------------------------------
 * Operations
 * ------------------------------------------------------------------------------------- */
static int omrelp_create(void *inst, void *modconf, const struct sl_host *h)
{
    struct omrelp_inst *in = inst;
    in->h = h;
    in->mod = modconf;
    g_host = h;
    if (in->target == NULL || in->target[0] == '\0') {
        h->log(SL_LOG_ERR, "omrelp", "omrelp: parameter \"target\" must not be empty");
        return SL_ECONFIG;
    }
    snprintf(in->who, sizeof in->who, "omrelp");
    in->tpl_eff = in->tpl != NULL ? in->tpl : h->template_find("RSYSLOG_ForwardFormat");
    if (in->tpl_eff == NULL) {
        h->log(SL_LOG_ERR, in->who, "omrelp: template RSYSLOG_ForwardFormat not found");
        return SL_ECONFIG;
    }
    const char *files[] = { in->tls_cacert, in->tls_mycert, in->tls_myprivkey };
    for (size_t i = 0; i < 3; i++) {
        if (files[i] != NULL && access(files[i], R_OK) != 0) {
            h->log(SL_LOG_ERR, in->who, "error: certificate file %s couldn't be accessed: %s",
                   files[i], strerror(errno));
        }
    }
    if (in->timeout < 0 || in->conn_timeout < 0 || in->window < 0 || in->rebind < 0) {
        h->log(SL_LOG_ERR, in->who, "omrelp: timeout, conn.timeout, windowSize and "
               "rebindInterval must not be negative");
        return SL_ECONFIG;
    }
    char inst_name[160];
    snprintf(inst_name, sizeof inst_name, "%s:%s", in->target, in->port);
    in->c_sent = h->counter("omrelp", inst_name, "sent");
    in->c_send_failed = h->counter("omrelp", inst_name, "send.failed");
    in->c_conn_failed = h->counter("omrelp", inst_name, "connect.failed");
    in->c_auth = h->counter("omrelp", inst_name, "auth.errors");
    in->c_rebinds = h->counter("omrelp", inst_name, "rebinds");
    return 0;
}

static void omrelp_destroy(void *inst)
{
    (void)inst;
}

static int omrelp_worker_create(void *inst, void *wrk)
{
    struct omrelp_inst *in = inst;
    struct omrelp_wrk *w = wrk;
    memset(w, 0, sizeof *w);
    w->in = in;
    if (relpEngineConstruct(&w->eng) != RELP_RET_OK) {
        in->h->log(SL_LOG_ERR, in->who, "omrelp: cannot create the RELP engine");
        return SL_ENOMEM;
    }
    (void)relpEngineSetDbgprint(w->eng, relp_dbg);
    (void)relpEngineSetOnErr(w->eng, on_err);
    (void)relpEngineSetOnGenericErr(w->eng, on_generic_err);
    (void)relpEngineSetOnAuthErr(w->eng, on_auth_err);
    (void)relpEngineSetDnsLookupMode(w->eng, 0);
    (void)relpEngineSetEnableCmd(w->eng, (unsigned char *)"syslog", eRelpCmdState_Required);
    if (in->mod != NULL && in->mod->tlslib != NULL &&
        relpEngineSetTLSLibByName(w->eng, in->mod->tlslib) != RELP_RET_OK) {
        in->h->log(SL_LOG_WARNING, in->who, "omrelp: tlslib '%s' not accepted as valid by "
                   "librelp - using default", in->mod->tlslib);
    }
    return 0;
}

static void omrelp_worker_destroy(void *inst, void *wrk)
{
    struct omrelp_inst *in = inst;
    struct omrelp_wrk *w = wrk;
    client_drop(w);
    if (w->eng != NULL) {
        relpEngineDestruct(&w->eng);
        w->eng = NULL;
    }
    in->h->buf_free(&w->buf);
}

static int omrelp_connect(void *inst, void *wrk)
{
    (void)inst;
    struct omrelp_wrk *w = wrk;
    if (w->connected) {
        return 0;
    }
    return do_connect(w) == 0 ? 0 : SL_EAGAIN;
}

/* SL_SUSPEND: the session is broken; the client (and librelp's unanswered frames in it)
 * is kept for relpCltReconnect().  At shutdown worker_destroy() closes it. */
static void omrelp_disconnect(void *inst, void *wrk)
{
    (void)inst;
    struct omrelp_wrk *w = wrk;
    w->connected = 0;
}

static int omrelp_deliver(void *inst, void *wrk, const struct sl_batch *b, struct sl_verdict *v)
{
    struct omrelp_inst *in = inst;
    struct omrelp_wrk *w = wrk;
    const struct sl_host *h = in->h;
    size_t maxlen = h->max_message_size();
    size_t i;

    if (b->n == 0) {
        return SL_OK;
    }
    if (!w->connected && do_connect(w) != 0) {
        return SL_SUSPEND;
    }
    for (i = 0; i < b->n; i++) {
        w->buf.len = 0;
        if (h->render(in->tpl_eff, b->msgs[i], &w->buf) != 0) {
            break;
        }
        size_t len = w->buf.len;
        const char *nul = memchr(w->buf.p != NULL ? w->buf.p : "", '\0', len);
        if (nul != NULL) {
            len = (size_t)(nul - w->buf.p);
        }
        if (len > maxlen) {
            len = maxlen;
        }
        relpRetVal r = relpCltSendSyslog(w->clt, (unsigned char *)(w->buf.p != NULL ? w->buf.p
                                                                                : ""), len);
        if (r != RELP_RET_OK) {
            atomic_fetch_add(in->c_send_failed, 1);
            if (!w->suspended_logged) {
                h->log(SL_LOG_ERR, in->who, "librelp error %d%s forwarding to server %s:%s - "
                       "suspending", (int)r, r == RELP_RET_SESSION_BROKEN ?
                       "[connection broken]" : "", in->target, in->port);
            }
            w->suspended_logged = 1;
            w->connected = 0;
            break;
        }
        atomic_fetch_add(in->c_sent, 1);
        w->nsent++;
    }
    if (i == b->n) {
        if (in->rebind > 0 && w->nsent >= in->rebind) {
            /* rebindInterval: a new session (the close waits for the outstanding rsps) */
            atomic_fetch_add(in->c_rebinds, 1);
            client_drop(w);
        }
        return SL_OK;
    }
    if (i > 0 && v != NULL) {
        v->done = i;
        return SL_PARTIAL;
    }
    return w->connected ? SL_RETRY : SL_SUSPEND;
}

static int omrelp_flush(void *inst, void *wrk, int64_t deadline_ms)
{
    (void)inst;
    (void)wrk;
    (void)deadline_ms;
    return 0;
}

static const struct sl_output_ops omrelp_ops = {
    .create = omrelp_create,
    .destroy = omrelp_destroy,
    .worker_create = omrelp_worker_create,
    .worker_destroy = omrelp_worker_destroy,
    .deliver = omrelp_deliver,
    .hup = NULL,
    .connect = omrelp_connect,
    .disconnect = omrelp_disconnect,
    .flush = omrelp_flush,
};

SL_PLUGIN_DEFINE(omrelp) = {
    SL_PLUGIN_HEADER(omrelp),
    .kinds = SL_OUTPUT,
    .flags = SL_PF_REPEAT_REDUCTION,
    .module_params = mod_params,
    .inst_params = inst_params,
    .mod_size = sizeof(struct omrelp_mod),
    .inst_size = sizeof(struct omrelp_inst),
    .wrk_size = sizeof(struct omrelp_wrk),
    .in = NULL,
    .out = &omrelp_ops,
    .default_template = "RSYSLOG_ForwardFormat",
};
