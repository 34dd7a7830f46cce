/*
 * imrelp.c - the imrelp input plugin: syslog over RELP (the Reliable Event Logging
 * Protocol) on Debian's librelp, with rsyslog 8.2302's imrelp parameters and defaults.
 *
 * librelp does the protocol: the listener, the sessions, the "open" offer exchange, TLS
 * (GnuTLS or OpenSSL inside librelp), and for every "syslog" command it calls our
 * callback and then answers "rsp 200 OK".  The callback hands the message to the core
 * with submit() before it returns, so a sender sees its message confirmed only once the
 * message is in sluice's ruleset queue.  The message goes through the ruleset's parser
 * chain like imtcp's (raw bytes as received, PARSE_HOSTNAME, fromhost/fromhost-ip from
 * the peer's address).
 *
 * Parameters (rsyslog's names and defaults).  Module: ruleset (the default of the inputs;
 * the core binds it), tls.tlslib ("gnutls" / "openssl", librelp's
 * default otherwise).  Input: port (required), address, name, ruleset (the last two are
 * bound by the core), maxDataSize (0: global maxMessageSize; a smaller value is raised to
 * it with rsyslog's error), oversizeMode (truncate | abort | accept; truncate), flowControl
 * (none | light | full, light; every value blocks: a full queue stops reading, the senders'
 * RELP windows close), keepAlive, keepAlive.probes/.time/.interval, tls, tls.compression,
 * tls.dhbits, tls.permittedPeer, tls.authMode (name | fingerprint | certvalid; librelp's
 * default: anonymous when none is set), tls.cacert, tls.mycert, tls.myprivkey,
 * tls.prioritystring, tls.tlscfgcmd.  As rsyslog: an unreadable certificate file is
 * logged and the listener is tried anyway; mycert without myprivkey (or the reverse) keeps
 * the listener from starting (the rest of the configuration runs).
 *
 * Threads (who owns what)
 *   - create() (main thread) checks values only: -N1 binds nothing.
 *   - open() (main thread, before privileges are dropped) builds this input's own
 *     relpEngine_t, one listener (relpSrv_t), and binds (librelp binds in
 *     relpEngineListnerConstructFinalize).
 *   - run() (the core's input thread) is the only caller of relpEngineRun(): librelp's
 *     epoll loop, the sessions, TLS handshakes and every callback (syslog receive, errors,
 *     authentication errors) run on that thread.  librelp starts no thread of its own for
 *     a server.
 *   - stop() (another thread) sets librelp's stop flags (relpEngineSetStop and the
 *     "shutdown immediately" flag, which relpEngineRun does not reset when it starts, so a
 *     stop before run() reached it is kept) and interrupts epoll_wait() with
 *     SIGTTIN sent to the run() thread (a no-op handler, installed once, without
 *     SA_RESTART; rsyslog's imrelp uses the same signal), repeated every 20 ms (at most 2 s)
 *     until run() has returned, because the signal may land just before epoll_wait().
 *   - destroy() (main thread, after run() returned) destructs the engine.
 *
 * Ownership: parameter strings/arrays belong to the core; the engine and listener belong
 * to the instance.  Counters (owner "imrelp", set "imrelp(P)"): received, errors,
 * auth.errors, shutdown.lost (a message received after the core began to stop: librelp
 * has already decided to answer 200 OK, so it is counted).
 *
 * Concurrency & locking: only run()'s thread touches the engine while it runs; `running`,
 * `stopping` and `run_tid_set` are atomics shared with stop().
 */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <librelp.h>

#include "sluice/sl_plugin.h"

struct imrelp_mod {
    char *ruleset;
    char *tlslib;
};

struct imrelp_inst {
    /* parameters */
    char *port;
    char *address;
    int64_t max_data_size;
    char *oversize_mode;
    char *flow_control;
    int keepalive;
    int64_t ka_probes, ka_time, ka_interval;
    int tls;
    int tls_zip;
    int64_t tls_dhbits;
    struct sl_strarr tls_peers;
    char *tls_authmode;
    char *tls_cacert;
    char *tls_mycert;
    char *tls_myprivkey;
    char *tls_prio;
    char *tls_cfgcmd;
    /* runtime */
    const struct sl_host *h;
    struct sl_input_ctx *ctx;
    const struct imrelp_mod *mod;
    char who[96];
    int oversize;                  /* RELP_OVERSIZE_* */
    relpEngine_t *eng;
    pthread_t run_tid;
    atomic_int run_tid_set;
    atomic_int running;
    atomic_int stopping;
    int shutdown_immdt;            /* librelp's "shut down immediately" flag (read by
                                    * relpEngineRun; written with __atomic_store_n) */
    _Atomic uint64_t *c_received, *c_errors, *c_auth, *c_lost;
};

static const struct sl_param mod_params[] = {
    { "ruleset", SL_PT_WORD, 0, offsetof(struct imrelp_mod, ruleset), NULL, NULL, NULL,
      "ruleset of the imrelp inputs that set none (bound by the core)" },
    { "tls.tlslib", SL_PT_STRING, 0, offsetof(struct imrelp_mod, tlslib), NULL, NULL, NULL,
      "TLS library librelp uses: gnutls or openssl" },
    SL_PARAM_END
};

#define IOFF(f) offsetof(struct imrelp_inst, f)
static const struct sl_param inst_params[] = {
    { "port", SL_PT_STRING, SL_P_REQUIRED, IOFF(port), NULL, NULL, NULL,
      "port to listen on" },
    { "address", SL_PT_STRING, 0, IOFF(address), NULL, NULL, NULL,
      "address to listen on (all when unset)" },
    { "maxDataSize", SL_PT_SIZE, 0, IOFF(max_data_size), "0", NULL, NULL,
      "largest RELP frame data accepted; 0: global maxMessageSize" },
    { "oversizeMode", SL_PT_STRING, 0, IOFF(oversize_mode), "truncate", NULL, NULL,
      "frames larger than maxDataSize: truncate, abort or accept" },
    { "flowControl", SL_PT_WORD, 0, IOFF(flow_control), "light", NULL, NULL,
      "none, light or full (sluice: a full queue always stops reading)" },
    { "keepAlive", SL_PT_BOOL, 0, IOFF(keepalive), "off", NULL, NULL, "TCP keep-alive" },
    { "keepAlive.probes", SL_PT_INT, 0, IOFF(ka_probes), "0", NULL, NULL, NULL },
    { "keepAlive.time", SL_PT_INT, 0, IOFF(ka_time), "0", NULL, NULL, NULL },
    { "keepAlive.interval", SL_PT_INT, 0, IOFF(ka_interval), "0", NULL, NULL, NULL },
    { "tls", SL_PT_BOOL, 0, IOFF(tls), "off", NULL, NULL, "RELP over TLS" },
    { "tls.compression", SL_PT_BOOL, 0, IOFF(tls_zip), "off", NULL, NULL, NULL },
    { "tls.dhbits", SL_PT_INT, 0, IOFF(tls_dhbits), "0", NULL, NULL, NULL },
    { "tls.permittedPeer", SL_PT_ARRAY, 0, IOFF(tls_peers), NULL, NULL, NULL,
      "peer names or fingerprints allowed to connect" },
    { "tls.authMode", SL_PT_STRING, 0, IOFF(tls_authmode), NULL, NULL, NULL,
      "name, fingerprint or certvalid" },
    { "tls.cacert", SL_PT_STRING, 0, IOFF(tls_cacert), NULL, NULL, NULL, NULL },
    { "tls.mycert", SL_PT_STRING, 0, IOFF(tls_mycert), NULL, NULL, NULL, NULL },
    { "tls.myprivkey", SL_PT_STRING, 0, IOFF(tls_myprivkey), NULL, NULL, NULL,
      NULL },
    { "tls.prioritystring", SL_PT_STRING, 0, IOFF(tls_prio), NULL, NULL, NULL, NULL },
    { "tls.tlscfgcmd", SL_PT_STRING, 0, IOFF(tls_cfgcmd), NULL, NULL, NULL, NULL },
    SL_PARAM_END
};

/* librelp calls its debug printer unconditionally (no default is set): a no-op. */
static void relp_dbg(char *fmt, ...)
{
    (void)fmt;
}

/* ---------------------------------------------------------------------------------------
 * librelp callbacks (all on the run() thread)
 * ------------------------------------------------------------------------------------- */
static void on_err(void *usr, char *objinfo, char *errmsg, relpRetVal code)
{
    struct imrelp_inst *in = usr;
    atomic_fetch_add(in->c_errors, 1);
    in->h->log(SL_LOG_ERR, in->who, "imrelp[%s]: error '%s', object '%s' - input may not "
               "work as intended (librelp %d)", in->port, errmsg, objinfo, (int)code);
}

static void on_auth_err(void *usr, char *authinfo, char *errmsg, relpRetVal code)
{
    struct imrelp_inst *in = usr;
    (void)code;
    atomic_fetch_add(in->c_auth, 1);
    in->h->log(SL_LOG_ERR, in->who, "imrelp[%s]: authentication error '%s', peer is '%s'",
               in->port, errmsg, authinfo);
}

/* librelp's generic errors carry no user pointer; the host table is the same for all. */
static const struct sl_host *g_host;
static void on_generic_err(char *objinfo, char *errmsg, relpRetVal code)
{
    if (g_host != NULL) {
        g_host->log(SL_LOG_ERR, "imrelp", "imrelp: librelp error '%s', object '%s' - input "
                    "may not work as intended (librelp %d)", errmsg, objinfo, (int)code);
    }
}

/* The peer's address as librelp printed it (numeric), as a sockaddr for the core. */
static socklen_t peer_addr(const char *ip, struct sockaddr_storage *ss)
{
    memset(ss, 0, sizeof *ss);
    struct sockaddr_in *s4 = (struct sockaddr_in *)ss;
    struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)ss;
    if (ip == NULL) {
        return 0;
    }
    if (inet_pton(AF_INET, ip, &s4->sin_addr) == 1) {
        s4->sin_family = AF_INET;
        return sizeof *s4;
    }
    if (inet_pton(AF_INET6, ip, &s6->sin6_addr) == 1) {
        if (IN6_IS_ADDR_V4MAPPED(&s6->sin6_addr)) {
            struct in_addr a;
            memcpy(&a, &s6->sin6_addr.s6_addr[12], 4);
            memset(ss, 0, sizeof *ss);
            s4->sin_family = AF_INET;
            s4->sin_addr = a;
            return sizeof *s4;
        }
        s6->sin6_family = AF_INET6;
        return sizeof *s6;
    }
    return 0;
}

static uint64_t fnv1a(const char *s)
{
    uint64_t hsh = 1469598103934665603ull;
    for (; s != NULL && *s != '\0'; s++) {
        hsh = (hsh ^ (unsigned char)*s) * 1099511628211ull;
    }
    return hsh;
}

static relpRetVal on_syslog(void *usr, unsigned char *hostname, unsigned char *ip,
                            unsigned char *msg, size_t len)
{
    struct imrelp_inst *in = usr;
    struct sockaddr_storage ss;
    (void)hostname;
    socklen_t sl = peer_addr((const char *)ip, &ss);
    atomic_fetch_add(in->c_received, 1);
    struct sl_msg *m = in->h->msg_new(in->ctx, (const char *)msg, len,
                                      sl ? (struct sockaddr *)&ss : NULL, sl);
    /* one flow per peer address: librelp does not tell the session apart, and every
     * session is served by this one thread in arrival order anyway */
    int rc = in->h->submit(in->ctx, &m, 1, fnv1a((const char *)ip));
    if (rc < 0) {
        atomic_fetch_add(in->c_lost, 1);
        return RELP_RET_SESSION_BROKEN;
    }
    return RELP_RET_OK;
}

/* ---------------------------------------------------------------------------------------
 * Stop: SIGTTIN interrupts epoll_wait()
 * ------------------------------------------------------------------------------------- */
static void wake_handler(int sig)
{
    (void)sig;
}

static pthread_once_t wake_once = PTHREAD_ONCE_INIT;
static void wake_install(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = wake_handler;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = 0;   /* no SA_RESTART: epoll_wait returns EINTR */
    (void)sigaction(SIGTTIN, &sa, NULL);
}

/* ---------------------------------------------------------------------------------------
 * Operations
 * ------------------------------------------------------------------------------------- */
static int file_check(struct imrelp_inst *in, const char *path)
{
    if (path != NULL && access(path, R_OK) != 0) {
        in->h->log(SL_LOG_ERR, in->who, "error: certificate file %s couldn't be accessed: %s",
                   path, strerror(errno));
        return -1;
    }
    return 0;
}

static int imrelp_create(void *inst, void *modconf, const struct sl_host *h,
                         struct sl_input_ctx *ctx)
{
    struct imrelp_inst *in = inst;
    in->h = h;
    in->ctx = ctx;
    in->mod = modconf;
    g_host = h;
    snprintf(in->who, sizeof in->who, "imrelp");
    if (in->port == NULL || in->port[0] == '\0') {
        h->log(SL_LOG_ERR, "imrelp", "imrelp: parameter \"port\" must not be empty");
        return SL_ECONFIG;
    }
    in->oversize = RELP_OVERSIZE_TRUNCATE;
    if (in->oversize_mode != NULL) {
        if (strcmp(in->oversize_mode, "abort") == 0) {
            in->oversize = RELP_OVERSIZE_ABORT;
        } else if (strcmp(in->oversize_mode, "truncate") == 0) {
            in->oversize = RELP_OVERSIZE_TRUNCATE;
        } else if (strcmp(in->oversize_mode, "accept") == 0) {
            in->oversize = RELP_OVERSIZE_ACCEPT;
        } else {
            h->log(SL_LOG_ERR, in->who, "imrelp: wrong oversizeMode parameter value %s, "
                   "using default: truncate", in->oversize_mode);
        }
    }
    if (in->flow_control != NULL && strcmp(in->flow_control, "none") != 0 &&
        strcmp(in->flow_control, "light") != 0 && strcmp(in->flow_control, "full") != 0) {
        h->log(SL_LOG_ERR, in->who, "imrelp: wrong flowcontrol parameter value '%s', using "
               "default: 'light'; possible values: 'no', 'light', 'full'", in->flow_control);
    }
    size_t maxmsg = h->max_message_size();
    if (in->max_data_size == 0) {
        in->max_data_size = (int64_t)maxmsg;
    } else if ((size_t)in->max_data_size < maxmsg) {
        h->log(SL_LOG_ERR, in->who, "error: maxDataSize (%lld) is smaller than global "
               "parameter maxMessageSize (%zu) - global parameter will be used.",
               (long long)in->max_data_size, maxmsg);
        in->max_data_size = (int64_t)maxmsg;
    }
    if (in->tls) {
        (void)file_check(in, in->tls_cacert);
        (void)file_check(in, in->tls_mycert);
        (void)file_check(in, in->tls_myprivkey);
    }
    if (in->tls_mycert != NULL && in->tls_myprivkey == NULL) {
        h->log(SL_LOG_ERR, in->who, "imrelp: certificate file given but no corresponding "
               "private key file - this is invalid, listener cannot be started");
        return SL_ECONFIG;
    }
    if (in->tls_mycert == NULL && in->tls_myprivkey != NULL) {
        h->log(SL_LOG_ERR, in->who, "imrelp: private key file given but no corresponding "
               "certificate file - this is invalid, listener cannot be started");
        return SL_ECONFIG;
    }
    char inst_name[80];
    snprintf(inst_name, sizeof inst_name, "imrelp(%s)", in->port);   /* not "port N" */
    in->c_received = h->counter("imrelp", inst_name, "received");
    in->c_errors = h->counter("imrelp", inst_name, "errors");
    in->c_auth = h->counter("imrelp", inst_name, "auth.errors");
    in->c_lost = h->counter("imrelp", inst_name, "shutdown.lost");
    return 0;
}

/* Builds the engine and the listener and binds.  0, or -1 after logging. */
static int imrelp_open(void *inst)
{
    struct imrelp_inst *in = inst;
    const struct sl_host *h = in->h;
    relpSrv_t *srv = NULL;
    relpRetVal r;

    pthread_once(&wake_once, wake_install);
    if (relpEngineConstruct(&in->eng) != RELP_RET_OK) {
        h->log(SL_LOG_ERR, in->who, "imrelp: cannot create the RELP engine");
        return -1;
    }
    (void)relpEngineSetEnableCmd(in->eng, (unsigned char *)"syslog", eRelpCmdState_Required);
    (void)relpEngineSetSyslogRcv2(in->eng, on_syslog);
    (void)relpEngineSetDbgprint(in->eng, relp_dbg);
    (void)relpEngineSetOnErr(in->eng, on_err);
    (void)relpEngineSetOnGenericErr(in->eng, on_generic_err);
    (void)relpEngineSetOnAuthErr(in->eng, on_auth_err);
    /* the core resolves fromhost from the address (its DNS cache and settings) */
    (void)relpEngineSetDnsLookupMode(in->eng, 0);
    /* relpEngineRun() clears the stop flag when it starts; this one it never clears, so a
     * stop() that comes before run() reached relpEngineRun() is not lost */
    relpEngineSetShutdownImmdtPtr(in->eng, &in->shutdown_immdt);
    if (in->mod != NULL && in->mod->tlslib != NULL &&
        relpEngineSetTLSLibByName(in->eng, in->mod->tlslib) != RELP_RET_OK) {
        h->log(SL_LOG_WARNING, in->who, "imrelp: tlslib '%s' not accepted as valid by "
               "librelp - using default", in->mod->tlslib);
    }
    if (relpEngineListnerConstruct(in->eng, &srv) != RELP_RET_OK) {
        goto fail;
    }
    (void)relpSrvSetMaxDataSize(srv, (size_t)in->max_data_size);
    (void)relpSrvSetLstnPort(srv, (unsigned char *)in->port);
    if (in->address != NULL) {
        (void)relpSrvSetLstnAddr(srv, (unsigned char *)in->address);
    }
    (void)relpSrvSetOversizeMode(srv, in->oversize);
    (void)relpSrvSetUsrPtr(srv, in);
    relpSrvSetKeepAlive(srv, in->keepalive, (int)in->ka_interval, (int)in->ka_probes,
                        (int)in->ka_time);
    if (in->tls) {
        r = relpSrvEnableTLS2(srv);
        if (r == RELP_RET_ERR_NO_TLS) {
            h->log(SL_LOG_ERR, in->who, "imrelp: could not activate relp TLS, librelp does "
                   "not support it");
            goto fail;
        }
        if (in->tls_zip) {
            (void)relpSrvEnableTLSZip2(srv);
        }
        if (in->tls_dhbits > 0) {
            relpSrvSetDHBits(srv, (int)in->tls_dhbits);
        }
        (void)relpSrvSetGnuTLSPriString(srv, in->tls_prio);
        if (relpSrvSetAuthMode(srv, in->tls_authmode) != RELP_RET_OK) {
            h->log(SL_LOG_ERR, in->who, "imrelp: invalid auth mode '%s'",
                   in->tls_authmode != NULL ? in->tls_authmode : "");
            goto fail;
        }
        if (relpSrvSetCACert(srv, in->tls_cacert) != RELP_RET_OK ||
            relpSrvSetOwnCert(srv, in->tls_mycert) != RELP_RET_OK ||
            relpSrvSetPrivKey(srv, in->tls_myprivkey) != RELP_RET_OK) {
            goto fail;
        }
        if (in->tls_cfgcmd != NULL && relpSrvSetTlsConfigCmd(srv, in->tls_cfgcmd) != 0) {
            goto fail;
        }
        for (size_t i = 0; i < in->tls_peers.n; i++) {
            (void)relpSrvAddPermittedPeer(srv, in->tls_peers.v[i]);
        }
    }
    r = relpEngineListnerConstructFinalize(in->eng, srv);
    if (r != RELP_RET_OK) {
        h->log(SL_LOG_ERR, in->who, "imrelp: could not activate relp listener on port %s, "
               "code %d", in->port, (int)r);
        srv = NULL;   /* owned by the engine now */
        goto fail;
    }
    return 0;
fail:
    relpEngineDestruct(&in->eng);
    in->eng = NULL;
    return -1;
}

static int imrelp_run(void *inst)
{
    struct imrelp_inst *in = inst;
    sigset_t set;
    in->run_tid = pthread_self();
    atomic_store(&in->run_tid_set, 1);
    sigemptyset(&set);
    sigaddset(&set, SIGTTIN);
    pthread_sigmask(SIG_UNBLOCK, &set, NULL);
    atomic_store(&in->running, 1);
    if (in->eng != NULL && !atomic_load(&in->stopping)) {
        relpEngineRun(in->eng);
    }
    atomic_store(&in->running, 0);
    return 0;
}

static void imrelp_stop(void *inst)
{
    struct imrelp_inst *in = inst;
    atomic_store(&in->stopping, 1);
    __atomic_store_n(&in->shutdown_immdt, 1, __ATOMIC_SEQ_CST);
    if (in->eng != NULL) {
        relpEngineSetStop(in->eng);
    }
    if (!atomic_load(&in->run_tid_set)) {
        return;
    }
    for (int i = 0; i < 100 && atomic_load(&in->running); i++) {
        pthread_kill(in->run_tid, SIGTTIN);
        struct timespec ts = { 0, 20 * 1000 * 1000 };
        nanosleep(&ts, NULL);
    }
}

static void imrelp_destroy(void *inst)
{
    struct imrelp_inst *in = inst;
    if (in->eng != NULL) {
        relpEngineDestruct(&in->eng);
        in->eng = NULL;
    }
}

static const struct sl_input_ops imrelp_ops = {
    .create = imrelp_create,
    .open = imrelp_open,
    .run = imrelp_run,
    .stop = imrelp_stop,
    .destroy = imrelp_destroy,
};

SL_PLUGIN_DEFINE(imrelp) = {
    SL_PLUGIN_HEADER(imrelp),
    .kinds = SL_INPUT,
    .flags = SL_PF_PRE_PRIVDROP_OPEN,
    .module_params = mod_params,
    .inst_params = inst_params,
    .mod_size = sizeof(struct imrelp_mod),
    .inst_size = sizeof(struct imrelp_inst),
    .wrk_size = 0,
    .in = &imrelp_ops,
    .stats_set = "%n(%p)",
};
