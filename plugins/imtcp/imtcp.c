/*
 * imtcp.c - the imtcp input plugin: plain syslog over TCP (RFC 6587 octet counting and
 * LF framing, see framing.h), compatible with rsyslog 8.2302's imtcp.
 *
 * input(threads=N) threads (default 2; SL_PF_THREADED, imtcp_loop.c) serve the listeners
 * and sessions of an instance with epoll, each session on one thread for its whole life
 * (level-triggered, non-blocking accept and reads, one read of up to 256 KiB per ready
 * session per round so busy peers cannot starve others).  All complete frames of one read
 * are handed to the core with ONE submit; the flow key is a per-connection serial, so the
 * frames of one connection stay in order.  submit() may block while the core's queue is
 * full: the thread then stops reading and the senders' TCP windows close (back-pressure).
 * imptcp takes its thread count from rsyslog's module parameter threads (default 2).
 *
 * Parameters: rsyslog's names and defaults.  Module: maxSessions (200), maxFrameSize
 * (200000), keepAlive[.probes/.time/.interval], notifyOnConnectionOpen/Close,
 * AddtlFrameDelimiter, DisableLFDelimiter, discardTruncatedMsg, octetCountedFraming (the
 * inputs' supportOctetCountedFraming default), maxListners (rsyslog's old spelling).
 * Input: port (required; "0" picks a free port), address, listenPortFileName, maxSessions,
 * maxFrameSize, supportOctetCountedFraming,
 * framingfix.cisco.asa, socketBacklog, rateLimit.interval/burst (rsyslog's Linux-like
 * limiter, sl_ratelimit.h, one per input shared by its sessions as rsyslog's per listener;
 * frames over the burst are dropped, counted in ratelimit.discarded (not in submitted,
 * which rsyslog counts before the limit: tests/diff/DIVERGENCES.md) and logged nothing,
 * as rsyslog 8.2302 (checked)) and the per-input
 * overrides of the module switches.  Accepted but ignored: flowControl (always on: submit
 * blocks), maxListeners, workerThreads (rsyslog 8.2504+; threads= sets sluice's),
 * preserveCase, defaultTZ.
 *
 * TLS (StreamDriver.Mode="1", driver "gtls"; "ossl" is served by the same GnuTLS code):
 * the shared stream driver in plugins/common/sl_tls.c.  StreamDriver.AuthMode (anon,
 * x509/certvalid, x509/name, x509/fingerprint), PermittedPeer, streamDriver.CAFile/
 * CertFile/KeyFile (default: global DefaultNetstreamDriverCAFile/CertFile/KeyFile),
 * gnutlsPriorityString, StreamDriver.CheckExtendedKeyPurpose, PermitExpiredCerts (off,
 * on, warn) and TlsVerifyDepth are honoured (PrioritizeSAN is accepted: DNS SANs are always
 * checked first, the CN only without them).  Credentials are loaded in create(), so a missing/unreadable/mismatched key or
 * an expired certificate fails the config check naming the file.  Handshakes run
 * non-blocking inside the epoll loop; one that does not finish within 10 s is dropped.  A
 * peer failing the policy is logged with the reason and its certificate's SHA-256
 * fingerprint, counted (tls.handshake.failed, tls.peer.refused, tls.handshake.timeout)
 * and closed; other sessions are not affected.  Decrypted bytes GnuTLS still buffers after
 * a read are served in the next loop round without waiting for epoll.
 *
 * Built with -DSL_IMPTCP the same code is the "imptcp" plugin; its path= (a unix stream
 * socket instead of TCP) is plugins/imptcp/imptcp_unix.c, everything after accept() is
 * shared.
 *
 * Built with -DSL_IMTLS the same code is the "imtls" plugin: imtcp with the TLS driver
 * preset (StreamDriver.Mode 1, port 6514 by default, driver gtls unless the input, the
 * module or global DefaultNetstreamDriver names another TLS driver).
 *
 * notifyOnConnectionClose logs "Netstream session %p closed by remote peer IP." at an
 * orderly close by the peer, as rsyslog 8.2302 does; notifyOnConnectionOpen is accepted but,
 * like in rsyslog 8.2302 (checked), logs nothing.
 *
 * Differences to rsyslog 8.2302 (checked with rsyslogd): peers are never resolved by DNS
 * (the IP is shown where rsyslog shows the host name in error messages); maxSessions is
 * enforced (8.2302 accepts and serves connections beyond it): a new connection at the limit
 * evicts the session without a complete frame for the longest time (session.evictAfter),
 * else it is reset at once; sluice-only session.maxPerAddress, session.idleTimeout and
 * session.frameTimeout bound what idle and slowloris peers hold (see imtcp_limits.c
 * and doc/limits.md); refusals, evictions and timeouts are counted and logged once
 * per 10 s window plus a summary.
 *
 * Shutdown (stop(), SIGTERM): the listen backlog is accepted and the listeners closed, then
 * every plain-TCP session is read once up to what its receive buffer held (FIONREAD: bytes
 * the kernel already acknowledged to the sender), every complete frame is submitted, and the
 * session is closed at once (counters shutdown.drained.bytes, shutdown.partial.frames).
 * Nothing the sender's kernel saw acknowledged before that read is dropped; bytes arriving
 * after it are reset.
 *
 * Ownership: the instance block belongs to the core; everything allocated here (listeners,
 * sessions, buffers) is owned by the instance and released by destroy().  Sessions are
 * allocated on accept and freed on close; their framing buffer only on the first partial
 * frame, so idle connections cost a slot and a small struct.
 *
 * Concurrency & locking: create/open/destroy on the main thread, run_thread() on the input
 * threads (see imtcp_loop.c for what they share under the instance lock), stop() from any
 * thread: it only sets an atomic flag and writes to an eventfd every thread polls.
 */
#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <strings.h>
#include <sys/socket.h>
#include <regex.h>
#include <time.h>
#include <unistd.h>

#include "sluice/sl_plugin.h"
#include "util/sl_regcomp.h"
#include "framing.h"
#include "imtcp.h"
#include "imtcp_int.h"
#include "../common/sl_tls.h"
#include "../common/sl_acl.h"
#include "../common/sl_sock.h"

#define TLS_HANDSHAKE_TIMEOUT_MS 10000


/* Tri-state switches of input() that default to the module's value. */
static const char *const tri_enum[] = { "inherit", "off", "on", NULL };   /* rsyslog: on|off */
/* input()'s PermitExpiredCerts: "inherit" (module's) or sl_tls_permit_expired_enum + 1 */
static const char *const permit_expired_inst_enum[] = { "inherit", "off", "on", "warn", NULL };

static int tri(int64_t v, int dflt)
{
    return v <= 0 ? dflt : (v % 2 == 0);
}

struct imtcp_mod {
    int64_t max_sessions;
    int64_t max_frame_size;
    int64_t max_listeners;
    int octet_framing;              /* octetCountedFraming: the inputs' default (imtcp) */
    int keepalive;
    int64_t ka_probes, ka_time, ka_interval;
    int notify_open, notify_close;
    int64_t addtl_delim;
    int disable_lf;
    int discard_truncated;
    int flow_control;
    int preserve_case;
    int64_t worker_threads;
    char *sd_name;
    int64_t sd_mode;
    char *sd_authmode;
    int sd_check_eku, sd_prioritize_san;
    int64_t sd_verify_depth;
    struct sl_strarr permitted_peer;
    char *gnutls_prio;
    int64_t sd_permit_expired;      /* sl_tls_permit_expired_enum */
#ifdef SL_IMPTCP
    int process_on_poller;          /* imptcp: accepted */
#endif
    /* sluice only: session limits (doc/limits.md) */
    int64_t sess_idle_timeout;      /* s; 0: off */
    int64_t sess_frame_timeout;     /* s; 0: off */
    int64_t sess_max_per_addr;      /* 0: no cap */
    int64_t sess_evict_after;       /* s; 0: never evict (refuse as rsyslog) */
    int64_t sess_max_framing_err;   /* close a session after that many; 0: never */
};

int64_t imtcp_mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

#define MOFF(f) offsetof(struct imtcp_mod, f)
/* rsyslog 8.2302's imptcp reads maxSessions, keepAlive.* and addtlFrameDelimiter as any
 * integer (eCmdHdlrInt), its imtcp as non-negative or positive ones; maxFrameSize is any
 * integer in both */
#ifdef SL_IMPTCP
#define PT_SESSIONS SL_PT_INT
#define PT_NONNEG_OR_INT SL_PT_INT
#else
#define PT_SESSIONS SL_PT_POSINT
#define PT_NONNEG_OR_INT SL_PT_NONNEG
#endif
#define IOFF(f) offsetof(struct imtcp_inst, f)
/* an input integer rsyslog's imtcp copies from the module when not given (it accepts any
 * int, so "not given" is a value no int can be) */
#define IMTCP_INHERIT_INT (-INT64_MAX)
#define IMTCP_INHERIT_INT_S "-9223372036854775807"

static const struct sl_param mod_params[] = {
    { "maxSessions", PT_SESSIONS, 0, MOFF(max_sessions),
      "200", NULL, "$InputTCPMaxSessions", NULL },
    { "maxFrameSize", SL_PT_INT, 0, MOFF(max_frame_size), "200000", NULL, NULL, NULL },
#ifndef SL_IMPTCP
    /* the legacy directive sets rsyslog's module default as well (imtcp's legacy config
     * copies it to the module and to each $InputTCPServerRun made after it); here it is
     * the module's value, so the last one given counts for all legacy listeners */
    { "octetCountedFraming", SL_PT_BOOL, 0, MOFF(octet_framing), "on", NULL,
#ifdef SL_IMTLS
      NULL,
#else
      "$InputTCPServerSupportOctetCountedFraming",
#endif
      "default of the inputs' supportOctetCountedFraming" },
    { "maxListners", SL_PT_POSINT, SL_P_IGNORED, MOFF(max_listeners), "20", NULL, NULL,
      "rsyslog's old spelling of maxListeners" },
#endif
    { "maxListeners", SL_PT_POSINT, SL_P_IGNORED, MOFF(max_listeners),
      "20", NULL, "$InputTCPMaxListeners", NULL },
    { "keepAlive", SL_PT_BOOL, 0, MOFF(keepalive),
      "off", NULL, "$InputTCPServerKeepAlive", NULL },
    { "keepAlive.probes", SL_PT_NONNEG, 0, MOFF(ka_probes), "0", NULL, NULL, NULL },
    { "keepAlive.time", SL_PT_NONNEG, 0, MOFF(ka_time), "0", NULL, NULL, NULL },
    { "keepAlive.interval", SL_PT_NONNEG, 0, MOFF(ka_interval), "0", NULL, NULL, NULL },
    { "notifyOnConnectionOpen", SL_PT_BOOL, 0, MOFF(notify_open), "off", NULL, NULL, NULL },
    { "notifyOnConnectionClose", SL_PT_BOOL, 0, MOFF(notify_close),
      "off", NULL, "$InputTCPServerNotifyOnConnectionClose", NULL },
    { "AddtlFrameDelimiter", SL_PT_NONNEG, 0, MOFF(addtl_delim),
      "-1", NULL, "$InputTCPServerAddtlFrameDelimiter", NULL },
    { "DisableLFDelimiter", SL_PT_BOOL, 0, MOFF(disable_lf),
      "off", NULL, "$InputTCPServerDisableLFDelimiter", NULL },
    { "discardTruncatedMsg", SL_PT_BOOL, 0, MOFF(discard_truncated), "off", NULL, NULL, NULL },
    { "flowControl", SL_PT_BOOL, SL_P_IGNORED, MOFF(flow_control),
      "on", NULL, "$InputTCPFlowControl", NULL },
    { "preserveCase", SL_PT_BOOL, SL_P_IGNORED, MOFF(preserve_case), "on", NULL, NULL, NULL },
    { "workerThreads", SL_PT_POSINT, SL_P_IGNORED, MOFF(worker_threads), "2", NULL, NULL, NULL },
    { "StreamDriver.Name", SL_PT_STRING, 0, MOFF(sd_name), NULL, NULL, NULL, NULL },
    { "StreamDriver.Mode", SL_PT_NONNEG, 0, MOFF(sd_mode),
      IM_DEFAULT_MODE, NULL, "$InputTCPServerStreamDriverMode", NULL },
    { "StreamDriver.AuthMode", SL_PT_STRING, 0, MOFF(sd_authmode),
      NULL, NULL, "$InputTCPServerStreamDriverAuthMode", NULL },
    { "StreamDriver.CheckExtendedKeyPurpose", SL_PT_BOOL, 0, MOFF(sd_check_eku), "off", NULL,
      NULL, NULL },
    { "StreamDriver.PrioritizeSAN", SL_PT_BOOL, SL_P_IGNORED, MOFF(sd_prioritize_san), "off", NULL, NULL,
      NULL },
    { "StreamDriver.TlsVerifyDepth", SL_PT_POSINT, 0, MOFF(sd_verify_depth), "0", NULL, NULL,
      NULL },
    { "PermittedPeer", SL_PT_ARRAY, 0, MOFF(permitted_peer),
      NULL, NULL, "$InputTCPServerStreamDriverPermittedPeer", NULL },
    { "gnutlsPriorityString", SL_PT_STRING, 0, MOFF(gnutls_prio), NULL, NULL, NULL, NULL },
    { "StreamDriver.PermitExpiredCerts", SL_PT_ENUM, 0, MOFF(sd_permit_expired), "off",
      sl_tls_permit_expired_enum, NULL, NULL },
    { "session.idleTimeout", SL_PT_NONNEG, 0, MOFF(sess_idle_timeout), "0", NULL, NULL, NULL },
    { "session.frameTimeout", SL_PT_NONNEG, 0, MOFF(sess_frame_timeout), "60", NULL, NULL,
      NULL },
    { "session.maxPerAddress", SL_PT_NONNEG, 0, MOFF(sess_max_per_addr), "0", NULL, NULL,
      NULL },
    { "session.evictAfter", SL_PT_NONNEG, 0, MOFF(sess_evict_after), "5", NULL, NULL, NULL },
    { "session.maxFramingErrors", SL_PT_NONNEG, 0, MOFF(sess_max_framing_err), "100", NULL,
      NULL, NULL },
#ifdef SL_IMPTCP
    /* rsyslog's imptcp worker threads (default 2): the core starts that many input
     * threads (SL_PF_THREADED) unless input(threads=) says otherwise */
    { "threads", SL_PT_POSINT, 0, MOFF(worker_threads), "2", NULL, NULL, NULL },
    { "processOnPoller", SL_PT_BOOL, SL_P_IGNORED, MOFF(process_on_poller), "on", NULL, NULL, NULL },
#endif
    SL_PARAM_END
};

static const struct sl_param inst_params[] = {
    { "port", SL_PT_PORT, IM_PORT_FLAGS, IOFF(port), IM_PORT_DEFAULT, NULL,
#ifdef SL_IMTLS
      NULL,
#elif defined(SL_IMPTCP)
      "$InputPTCPServerRun",
#else
      "$InputTCPServerRun",
#endif
      NULL },
    { "address", SL_PT_STRING, 0, IOFF(address), NULL, NULL, NULL, NULL },
#ifndef SL_IMPTCP
    /* sluice only (rsyslog 8.2302's tcpsrv has a fixed helper pool, no parameter): the
     * input threads the core starts (SL_PF_THREADED), declared here for its default */
    { "threads", SL_PT_POSINT, 0, IOFF(threads), "2", NULL, NULL,
      "input threads; connections are spread over them, each stays on one" },
#endif
    { "listenPortFileName", SL_PT_STRING, 0, IOFF(listen_port_file), NULL, NULL, NULL, NULL },
    { "maxSessions", PT_SESSIONS, 0, IOFF(max_sessions), "-1", NULL, NULL, NULL },
    { "maxListeners", SL_PT_POSINT, SL_P_IGNORED, IOFF(max_listeners), "-1", NULL, NULL, NULL },
    { "supportOctetCountedFraming", SL_PT_ENUM, 0, IOFF(octet_framing), "inherit", tri_enum,
      NULL, NULL },
#ifdef SL_IMPTCP
    { "maxFrameSize", SL_PT_INT, 0, IOFF(max_frame), "200000", NULL, NULL, NULL },
#else
    { "maxFrameSize", SL_PT_INT, 0, IOFF(max_frame), IMTCP_INHERIT_INT_S, NULL, NULL,
      "default: the module's maxFrameSize" },
#endif
    { "framingfix.cisco.asa", SL_PT_BOOL, 0, IOFF(framing_fix), "off", NULL, NULL, NULL },
    { "notifyOnConnectionOpen", SL_PT_ENUM, 0, IOFF(notify_open), "inherit", tri_enum, NULL,
      NULL },
    { "notifyOnConnectionClose", SL_PT_ENUM, 0, IOFF(notify_close), "inherit", tri_enum, NULL,
      NULL },
    { "keepAlive", SL_PT_ENUM, 0, IOFF(keepalive), "inherit", tri_enum, NULL, NULL },
    { "keepAlive.probes", PT_NONNEG_OR_INT, 0, IOFF(ka_probes), "-1", NULL, NULL, NULL },
    { "keepAlive.time", PT_NONNEG_OR_INT, 0, IOFF(ka_time), "-1", NULL, NULL, NULL },
    { "keepAlive.interval", PT_NONNEG_OR_INT, 0, IOFF(ka_interval), "-1", NULL, NULL, NULL },
    { "flowControl", SL_PT_ENUM, SL_P_IGNORED, IOFF(flow_control), "inherit", tri_enum, NULL, NULL },
    { "disableLFDelimiter", SL_PT_ENUM, 0, IOFF(disable_lf), "inherit", tri_enum, NULL, NULL },
    { "discardTruncatedMsg", SL_PT_ENUM, 0, IOFF(discard_truncated), "inherit", tri_enum, NULL,
      NULL },
    { "addtlFrameDelimiter", PT_NONNEG_OR_INT, 0, IOFF(addtl_delim), "-2", NULL, NULL, NULL },
    { "preserveCase", SL_PT_ENUM, SL_P_IGNORED, IOFF(preserve_case), "inherit", tri_enum, NULL, NULL },
    { "socketBacklog", SL_PT_INT, 0, IOFF(backlog), "-1", NULL, NULL, NULL },
    { "defaultTZ", SL_PT_STRING, SL_P_IGNORED, IOFF(default_tz), NULL, NULL, NULL, NULL },
    { "rateLimit.interval", SL_PT_INT, 0, IOFF(rl_interval), "0", NULL, NULL,
      "seconds of a rate-limit window (0 or less: no limit)" },
    { "rateLimit.burst", SL_PT_INT, 0, IOFF(rl_burst), "10000", NULL, NULL,
      "frames let through per window; the rest are dropped (ratelimit.discarded)" },
    { "streamDriver.name", SL_PT_STRING, 0, IOFF(sd_name), NULL, NULL, NULL, NULL },
    { "streamDriver.mode", SL_PT_NONNEG, 0, IOFF(sd_mode), "-1", NULL, NULL, NULL },
    { "streamDriver.authMode", SL_PT_STRING, 0, IOFF(sd_authmode), NULL, NULL, NULL, NULL },
    { "streamDriver.CheckExtendedKeyPurpose", SL_PT_ENUM, 0, IOFF(sd_check_eku), "inherit",
      tri_enum, NULL, NULL },
    { "streamDriver.PrioritizeSAN", SL_PT_ENUM, SL_P_IGNORED, IOFF(sd_prioritize_san), "inherit",
      tri_enum, NULL, NULL },
    { "streamDriver.TlsVerifyDepth", SL_PT_POSINT, 0, IOFF(sd_verify_depth), "0", NULL, NULL,
      NULL },
    { "permittedPeer", SL_PT_ARRAY, 0, IOFF(permitted_peer), NULL, NULL, NULL, NULL },
    { "gnutlsPriorityString", SL_PT_STRING, 0, IOFF(gnutls_prio), NULL, NULL, NULL, NULL },
    { "streamDriver.CAFile", SL_PT_STRING, 0, IOFF(sd_ca_file), NULL, NULL, NULL, NULL },
    { "streamDriver.CertFile", SL_PT_STRING, 0, IOFF(sd_cert_file), NULL, NULL, NULL, NULL },
    { "streamDriver.KeyFile", SL_PT_STRING, 0, IOFF(sd_key_file), NULL, NULL, NULL, NULL },
    { "streamDriver.PermitExpiredCerts", SL_PT_ENUM, 0, IOFF(sd_permit_expired), "inherit",
      permit_expired_inst_enum, NULL, NULL },
    { "session.idleTimeout", SL_PT_INT, 0, IOFF(sess_idle_timeout), "-1", NULL, NULL, NULL },
    { "session.frameTimeout", SL_PT_INT, 0, IOFF(sess_frame_timeout), "-1", NULL, NULL, NULL },
    { "session.maxPerAddress", SL_PT_INT, 0, IOFF(sess_max_per_addr), "-1", NULL, NULL, NULL },
    { "session.evictAfter", SL_PT_INT, 0, IOFF(sess_evict_after), "-1", NULL, NULL, NULL },
    { "session.maxFramingErrors", SL_PT_INT, 0, IOFF(sess_max_framing_err), "-1", NULL, NULL,
      NULL },
#ifdef SL_IMPTCP
    { "path", SL_PT_STRING, 0, IOFF(ptcp_path), NULL, NULL, NULL, NULL },
    { "unlink", SL_PT_BOOL, 0, IOFF(ptcp_unlink), "off", NULL, NULL, NULL },
    { "multiLine", SL_PT_BOOL, 0, IOFF(ptcp_multiline), "off", NULL, NULL, NULL },
    { "compression.mode", SL_PT_WORD, 0, IOFF(ptcp_compression), NULL, NULL, NULL, NULL },
    { "rateLimit.name", SL_PT_WORD, 0, IOFF(ptcp_rl_name), NULL, NULL, NULL, NULL },
    { "framing.delimiter.regex", SL_PT_STRING, 0, IOFF(ptcp_delim_regex), NULL, NULL, NULL,
      NULL },
    { "fileOwner", SL_PT_UID, 0, IOFF(ptcp_uid), "-1", NULL, NULL, NULL },
    { "fileOwnerNum", SL_PT_INT, 0, IOFF(ptcp_uid), "-1", NULL, NULL, NULL },
    { "fileGroup", SL_PT_GID, 0, IOFF(ptcp_gid), "-1", NULL, NULL, NULL },
    { "fileGroupNum", SL_PT_INT, 0, IOFF(ptcp_gid), "-1", NULL, NULL, NULL },
    { "fileCreateMode", SL_PT_FILEMODE, 0, IOFF(ptcp_mode), "0644", NULL, NULL, NULL },
    /* rsyslog 8.2302 never reads it (a chown/chmod failure always stops the listener) */
    { "failOnChownFailure", SL_PT_BOOL, SL_P_IGNORED, IOFF(ptcp_fail_chown), "on", NULL, NULL,
      NULL },
#endif
    SL_PARAM_END
};

int sl_imtcp_bound_port(const void *inst)
{
    const struct imtcp_inst *in = inst;
    return in->nlst > 0 ? in->bound_port : -1;
}

int sl_imtcp_session_count(const void *inst)
{
    const struct imtcp_inst *in = inst;
    return (int)atomic_load(&in->nsess);
}

/* ------------------------------------------------------------------------------------- */

static const char *global_setting(const struct sl_host *h, const char *name)
{
    if (h->struct_size < offsetof(struct sl_host, global_str) + sizeof h->global_str
        || h->global_str == NULL) {
        return NULL;
    }
    return h->global_str(name);
}

static const char *first_set(const char *a, const char *b)
{
    return a != NULL && a[0] != '\0' ? a : b;
}

/* StreamDriver.Mode 1: pick the driver and load the credentials (create() time). */
static int tls_setup(struct imtcp_inst *in, const struct imtcp_mod *m)
{
    const struct sl_host *h = in->h;
    const char *drv = first_set(first_set(in->sd_name, m->sd_name),
                                global_setting(h, "defaultNetstreamDriver"));
#ifdef SL_IMTLS
    /* imtls is TLS only: without a driver of its own it takes the global default if that
     * is a TLS driver, else gtls (a global "ptcp", rsyslog's default, is for imtcp) */
    if (first_set(in->sd_name, m->sd_name) == NULL
        && (drv == NULL || strcasecmp(drv, "ptcp") == 0)) {
        drv = "gtls";
    }
#endif
    if (drv == NULL || strcasecmp(drv, "ptcp") == 0) {
        h->log(SL_LOG_ERR, IM_NAME, IM_NAME ": streamDriver.mode=1 needs a TLS stream driver "
               "(streamDriver.name=\"gtls\" or global DefaultNetstreamDriver=\"gtls\"), "
               "driver is '%s'", drv != NULL ? drv : "ptcp");
        return SL_ECONFIG;
    }
    if (strcasecmp(drv, "gtls") != 0 && strcasecmp(drv, "ossl") != 0) {
        h->log(SL_LOG_ERR, IM_NAME, IM_NAME ": unknown stream driver '%s' (gtls, ossl, ptcp)",
               drv);
        return SL_ECONFIG;
    }
    struct sl_tls_opts o;
    memset(&o, 0, sizeof o);
    o.server = 1;
    const char *auth = first_set(in->sd_authmode, m->sd_authmode);
    if (sl_tls_auth_parse(auth, &o.auth) != 0) {
        h->log(SL_LOG_ERR, IM_NAME, IM_NAME ": invalid streamDriver.authMode '%s' (anon, "
               "x509/certvalid, x509/name, x509/fingerprint)", auth);
        return SL_ECONFIG;
    }
    const struct sl_strarr *pp = in->permitted_peer.n > 0 ? &in->permitted_peer
                                                          : &m->permitted_peer;
    o.peers = pp->v;
    o.npeers = pp->n;
    if ((o.auth == SL_TLS_AUTH_NAME || o.auth == SL_TLS_AUTH_FINGERPRINT) && o.npeers == 0) {
        h->log(SL_LOG_WARNING, IM_NAME, IM_NAME ": authMode %s without PermittedPeer: every "
               "client will be refused", sl_tls_auth_name(o.auth));
    }
    o.ca_file = first_set(in->sd_ca_file, global_setting(h, "defaultNetstreamDriverCAFile"));
    o.cert_file = first_set(in->sd_cert_file,
                            global_setting(h, "defaultNetstreamDriverCertFile"));
    o.key_file = first_set(in->sd_key_file, global_setting(h, "defaultNetstreamDriverKeyFile"));
    o.priority = first_set(in->gnutls_prio, m->gnutls_prio);
    o.check_eku = tri(in->sd_check_eku, m->sd_check_eku);
    o.verify_depth = (int)(in->sd_verify_depth > 0 ? in->sd_verify_depth : m->sd_verify_depth);
    o.permit_expired = (int)(in->sd_permit_expired > 0 ? in->sd_permit_expired - 1
                                                       : m->sd_permit_expired);
    char err[512];
    if (sl_tls_cred_new(&o, &in->tls, err, sizeof err) != 0) {
        h->log(SL_LOG_ERR, IM_NAME, IM_NAME ": TLS listener on port %lld: %s",
               (long long)in->port, err);
        return SL_ECONFIG;
    }
    in->tls_opts = o;   /* its strings belong to the instance or the core: they stay */
    return 0;
}

/* SIGHUP: read the certificates and keys again.  New sessions use the new credentials;
 * sessions already open keep the ones they were made with (reference counted).  On an
 * error the current credentials stay. */
static void imtcp_hup(void *inst)
{
    struct imtcp_inst *in = inst;
    if (in->tls == NULL) {
        return;
    }
    struct sl_tls_cred *nc = NULL;
    char err[512];
    if (sl_tls_cred_new(&in->tls_opts, &nc, err, sizeof err) != 0) {
        in->h->log(SL_LOG_ERR, IM_NAME, IM_NAME ": TLS reload at HUP failed on port %lld, "
                   "keeping the current certificates: %s", (long long)in->port, err);
        return;
    }
    pthread_mutex_lock(&in->tls_lock);
    struct sl_tls_cred *old = in->tls;
    in->tls = nc;
    pthread_mutex_unlock(&in->tls_lock);
    sl_tls_cred_free(old);
    in->h->log(SL_LOG_INFO, IM_NAME, IM_NAME ": TLS certificates reloaded on port %lld",
               (long long)in->port);
}

void sl_imtcp_set_tls_handshake_timeout(void *inst, int ms)
{
    struct imtcp_inst *in = inst;
    in->hs_timeout_ms = ms;
}

static int imtcp_create(void *inst, void *modconf, const struct sl_host *h,
                        struct sl_input_ctx *ctx)
{
    static const struct imtcp_mod mod_defaults = {
        .max_sessions = 200, .max_frame_size = 200000, .addtl_delim = -1, .flow_control = 1,
        .octet_framing = 1,
        .sess_frame_timeout = 60, .sess_evict_after = 5, .sess_max_framing_err = 100,
#ifdef SL_IMTLS
        .sd_mode = 1,
#endif
    };
    struct imtcp_inst *in = inst;
    const struct imtcp_mod *m = modconf != NULL ? modconf : &mod_defaults;

    pthread_mutex_init(&in->tls_lock, NULL);
    pthread_mutex_init(&in->lock, NULL);
    pthread_mutex_init(&in->rl_lock, NULL);
    in->h = h;
    in->ctx = ctx;
    in->mod = m;
    in->stop_obj.fd = -1;
    in->bound_port = -1;

    int64_t mode = in->sd_mode >= 0 ? in->sd_mode : m->sd_mode;
    if (mode != 0 && mode != 1) {
        h->log(SL_LOG_ERR, IM_NAME, IM_NAME ": streamDriver.mode=%lld is invalid (0 plain, "
               "1 TLS)", (long long)mode);
        return SL_ECONFIG;
    }
    in->hs_timeout_ms = TLS_HANDSHAKE_TIMEOUT_MS;
    int64_t addtl = in->addtl_delim >= -1 ? in->addtl_delim : m->addtl_delim;
#ifdef SL_IMPTCP
    if (in->addtl_delim < -2 || addtl > 255) {
        /* any integer for rsyslog's imptcp, which compares it with a (signed) char */
        h->log(SL_LOG_WARNING, IM_NAME, "imptcp: addtlFrameDelimiter %lld is not a byte "
               "value (0..255): no additional delimiter (rsyslog 8.2302 compares it with a "
               "signed char, so -128..-2 match the bytes 0x80..0xfe there)",
               (long long)(in->addtl_delim < -2 ? in->addtl_delim : addtl));
        addtl = -1;
    }
    if (in->max_sessions <= 0 && in->max_sessions != -1) {
        h->log(SL_LOG_WARNING, IM_NAME, "imptcp: maxSessions=%lld: rsyslog 8.2302's imptcp "
               "takes no limit then; sluice keeps %lld", (long long)in->max_sessions,
               (long long)(m->max_sessions > 0 ? m->max_sessions : 200));
    }
    int64_t maxs = in->max_sessions > 0 ? in->max_sessions
                                        : m->max_sessions > 0 ? m->max_sessions : 200;
#else
    if (addtl < -1 || addtl > 255) {
        h->log(SL_LOG_ERR, IM_NAME,
               "imtcp: addtlFrameDelimiter %lld is not a byte value (0..255) or -1",
               (long long)addtl);
        return SL_ECONFIG;
    }
    int64_t maxs = in->max_sessions > 0 ? in->max_sessions : m->max_sessions;
#endif
    if (maxs < 1 || maxs > 1000000) {
        h->log(SL_LOG_ERR, IM_NAME, "imtcp: maxSessions %lld out of range", (long long)maxs);
        return SL_ECONFIG;
    }
    in->max_sess = (size_t)maxs;
    int64_t v = in->sess_idle_timeout >= 0 ? in->sess_idle_timeout : m->sess_idle_timeout;
    in->idle_ms = v > 0 ? v * 1000 : 0;
    v = in->sess_frame_timeout >= 0 ? in->sess_frame_timeout : m->sess_frame_timeout;
    in->frame_ms = v > 0 ? v * 1000 : 0;
    v = in->sess_evict_after >= 0 ? in->sess_evict_after : m->sess_evict_after;
    in->evict_ms = v > 0 ? v * 1000 : 0;
    v = in->sess_max_per_addr >= 0 ? in->sess_max_per_addr : m->sess_max_per_addr;
    in->max_per_addr = v > 0 ? (size_t)v : 0;
    v = in->sess_max_framing_err >= 0 ? in->sess_max_framing_err : m->sess_max_framing_err;
    in->max_framing_err = v > 0 ? (unsigned)(v < 1000000000 ? v : 1000000000) : 0;

    size_t maxmsg = h->max_message_size();
    in->fcfg.max_msg = maxmsg > 0 ? maxmsg : 8096;
    /* rsyslog: any integer up to 200000000 (0 or less: every octet-counted frame is too
     * large and read as LF-framed).  A larger one is reported; at module level the default
     * is kept, at input level the input is not made (imtcp's and imptcp's newInpInst) */
    if (in->max_frame != IMTCP_INHERIT_INT && in->max_frame > 200000000) {
        h->log(SL_LOG_ERR, IM_NAME, IM_NAME ": invalid value for 'maxFrameSize' parameter "
               "given is %lld, max is 200000000", (long long)in->max_frame);
        return SL_ECONFIG;
    }
    in->fcfg.max_frame = in->max_frame != IMTCP_INHERIT_INT ? in->max_frame : m->max_frame_size;
    if (in->fcfg.max_frame > 200000000) {
        h->log(SL_LOG_ERR, IM_NAME, IM_NAME ": invalid value for 'maxFrameSize' parameter "
               "given is %lld, max is 200000000", (long long)in->fcfg.max_frame);
        in->fcfg.max_frame = 200000;
    }
#ifdef SL_IMPTCP
    /* rsyslog's imptcp wants port or path (an empty one is not given); path wins: a unix
     * stream socket (imptcp_unix.c) */
    if (in->ptcp_path != NULL && in->ptcp_path[0] == '\0') {
        in->ptcp_path = NULL;
    }
    if (in->ptcp_path == NULL && in->port < 0) {
        h->log(SL_LOG_ERR, IM_NAME, "imptcp: Must have either port or path defined");
        return SL_ECONFIG;
    }
    if (mode != 0) {
        h->log(SL_LOG_ERR, IM_NAME, "imptcp: TLS is not supported");
        return SL_ECONFIG;
    }
    if (in->ptcp_compression != NULL && strcasecmp(in->ptcp_compression, "stream:always") == 0) {
        if (!ptcp_inflate_available()) {
            h->log(SL_LOG_ERR, IM_NAME, "imptcp: compression.mode=\"stream:always\" needs "
                   "sluice built with zlib (configure --enable-zip)");
            return SL_ECONFIG;
        }
        in->ptcp_zstream = 1;
    } else if (in->ptcp_compression != NULL && strcasecmp(in->ptcp_compression, "none") != 0) {
        h->log(SL_LOG_ERR, IM_NAME, "imptcp: invalid value for 'compression.mode' parameter "
               "(given is '%s')", in->ptcp_compression);
        return SL_ECONFIG;
    }
    in->fcfg.multiline = in->ptcp_multiline;
    if (in->ptcp_delim_regex != NULL) {
        int ec = sl_regcomp(&in->ptcp_re, in->ptcp_delim_regex, REG_EXTENDED);
        if (ec != 0) {
            char eb[512];
            regerror(ec, &in->ptcp_re, eb, sizeof eb);
            h->log(SL_LOG_ERR, IM_NAME, "imptcp: error in framing.delimiter.regex expansion: %s",
                   eb);
            return SL_ECONFIG;
        }
        in->ptcp_re_ok = 1;
        in->fcfg.start_re = &in->ptcp_re;
    }
#endif
#ifdef SL_IMPTCP
    in->fcfg.octet_counting = tri(in->octet_framing, 1);
#else
    in->fcfg.octet_counting = tri(in->octet_framing, m->octet_framing);
#endif
    in->fcfg.lf_delim = !tri(in->disable_lf, m->disable_lf);
    in->fcfg.addtl_delim = (int)addtl;
    in->fcfg.discard_truncated = tri(in->discard_truncated, m->discard_truncated);
    in->fcfg.sp_framing_fix = in->framing_fix;

    in->keepalive_on = tri(in->keepalive, m->keepalive);
    in->notify_open_on = tri(in->notify_open, m->notify_open);
    in->notify_close_on = tri(in->notify_close, m->notify_close);
    in->eff_ka_probes = in->ka_probes >= 0 ? in->ka_probes : m->ka_probes;
    in->eff_ka_time = in->ka_time >= 0 ? in->ka_time : m->ka_time;
    in->eff_ka_interval = in->ka_interval >= 0 ? in->ka_interval : m->ka_interval;

    if (mode == 1 && tls_setup(in, m) != 0) {
        return SL_ECONFIG;
    }
    /* The plugin's own counters, in a set keyed by owner and listener (not "port N",
     * which imudp or imrelp on the same port number would share). */
    snprintf(in->label, sizeof in->label, IM_NAME "(%s:%lld)",
             in->address != NULL && *in->address != '\0' ? in->address : "*",
             (long long)in->port);
#ifdef SL_IMPTCP
    if (in->ptcp_path != NULL) {
        snprintf(in->label, sizeof in->label, IM_NAME "(%s)", in->ptcp_path);
    }
#endif
    in->c_submitted = h->counter(IM_NAME, in->label, "submitted");
    in->c_opened = h->counter(IM_NAME, in->label, "sessions.opened");
    in->c_closed = h->counter(IM_NAME, in->label, "sessions.closed");
    in->c_refused = h->counter(IM_NAME, in->label, "sessions.refused");
    in->c_truncated = h->counter(IM_NAME, in->label, "frames.truncated");
    if (in->ptcp_zstream) {
        in->c_unzip_failed = h->counter(IM_NAME, in->label, "decompress.failed");
    }
    in->c_framing_err = h->counter(IM_NAME, in->label, "framing.errors");
    in->c_oversize = h->counter(IM_NAME, in->label, "frames.oversize");
    in->c_drained = h->counter(IM_NAME, in->label, "shutdown.drained.bytes");
    in->c_partial = h->counter(IM_NAME, in->label, "shutdown.partial.frames");
    in->c_ratelimit = h->counter(IM_NAME, in->label, "ratelimit.discarded");
    in->rl_on = sl_ratelimit_on(in->rl_interval, in->rl_burst);
#ifndef SL_IMPTCP
    /* rsyslog's imtcp checks $AllowedSender TCP; its imptcp does not */
    if (h->struct_size >= offsetof(struct sl_host, global_str) + sizeof h->global_str &&
        h->global_str != NULL) {
        in->acl = sl_acl_new(h->global_str("$AllowedSender.TCP"));
    }
    in->c_disallowed = h->counter(IM_NAME, in->label, "sessions.disallowed");
#endif
    in->c_evicted = h->counter(IM_NAME, in->label, "sessions.evicted");
    in->c_refused_addr = h->counter(IM_NAME, in->label, "sessions.refused.peraddress");
    in->c_idle_timeout = h->counter(IM_NAME, in->label, "sessions.timeout.idle");
    in->c_frame_timeout = h->counter(IM_NAME, in->label, "sessions.timeout.frame");
    in->c_framing_closed = h->counter(IM_NAME, in->label, "sessions.closed.framing");
    if (in->tls != NULL) {
        in->c_tls_ok = h->counter(IM_NAME, in->label, "tls.sessions.ok");
        in->c_tls_hs_failed = h->counter(IM_NAME, in->label, "tls.handshake.failed");
        in->c_tls_refused = h->counter(IM_NAME, in->label, "tls.peer.refused");
        in->c_tls_timeout = h->counter(IM_NAME, in->label, "tls.handshake.timeout");
    }
    return 0;
}

void imtcp_close_listeners(struct imtcp_inst *in)
{
    for (size_t i = 0; i < in->nlst; i++) {
        if (in->lst[i].fd >= 0) {
            close(in->lst[i].fd);
            in->lst[i].fd = -1;
        }
    }
    in->nlst = 0;
}

static int open_listener(struct imtcp_inst *in, const struct addrinfo *ai, int backlog)
{
    int fd = socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC,
                    ai->ai_protocol);
    if (fd < 0) {
        return -errno;
    }
    int one = 1;
    (void)setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (ai->ai_family == AF_INET6) {
        (void)setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one);
    }
    struct sockaddr_storage sa;
    memcpy(&sa, ai->ai_addr, ai->ai_addrlen);
    if (in->port == 0 && in->bound_port > 0) {
        /* port 0 with several addresses: use the same port everywhere */
        if (sa.ss_family == AF_INET) {
            ((struct sockaddr_in *)&sa)->sin_port = htons((uint16_t)in->bound_port);
        } else if (sa.ss_family == AF_INET6) {
            ((struct sockaddr_in6 *)&sa)->sin6_port = htons((uint16_t)in->bound_port);
        }
    }
    if (bind(fd, (struct sockaddr *)&sa, ai->ai_addrlen) != 0 || listen(fd, backlog) != 0) {
        int e = errno;
        close(fd);
        return -e;
    }
    if (in->bound_port <= 0) {
        int p = sl_sock_port(fd);
        if (p >= 0) {
            in->bound_port = p;
        }
    }
    return fd;
}

static int imtcp_open(void *inst)
{
    struct imtcp_inst *in = inst;
    const struct sl_host *h = in->h;
    char portstr[16];
    struct addrinfo *res = NULL;

    int backlog = in->backlog > 0 ? (int)in->backlog : 128;
#ifdef SL_IMPTCP
    if (in->ptcp_path != NULL) {
        int ufd = imptcp_unix_listen(in, backlog);
        if (ufd < 0) {
            return SL_EIO;
        }
        in->lst[0].kind = OBJ_LISTENER;
        in->lst[0].fd = ufd;
        in->nlst = 1;
    }
#endif
    snprintf(portstr, sizeof portstr, "%lld", (long long)in->port);
    const char *addr = sl_sock_any(in->address);
    int rc = in->nlst > 0 ? 0 : sl_sock_resolve(addr, portstr, SOCK_STREAM, AI_NUMERICSERV,
                                                &res);
    if (rc != 0) {
        h->log(SL_LOG_ERR, IM_NAME, "imtcp: cannot resolve listen address '%s' port %s: %s",
               addr ? addr : "*", portstr, gai_strerror(rc));
        return SL_EIO;
    }
    int last_err = 0;
    for (struct addrinfo *ai = res; ai != NULL && in->nlst < MAX_LISTENERS; ai = ai->ai_next) {
        int fd = open_listener(in, ai, backlog);
        if (fd < 0) {
            last_err = -fd;
            continue;
        }
        in->lst[in->nlst].kind = OBJ_LISTENER;
        in->lst[in->nlst].fd = fd;
        in->nlst++;
    }
    freeaddrinfo(res);
    if (in->nlst == 0) {
        h->log(SL_LOG_ERR, IM_NAME, "imtcp: could not create tcp listener on %s port %s: %s",
               addr ? addr : "*", portstr, strerror(last_err));
        return SL_EIO;
    }

    /* thread 0's epoll set is made here, the other threads' by themselves (imtcp_loop.c) */
    in->stop_obj.kind = OBJ_STOP;
    in->stop_obj.fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    in->sess = calloc(in->max_sess, sizeof *in->sess);
    if (in->stop_obj.fd < 0 || in->sess == NULL) {
        h->log(SL_LOG_ERR, IM_NAME, "imtcp: cannot set up the listener: %s", strerror(errno));
        return SL_EIO;
    }
    if (imtcp_thr0_new(in) != 0) {
        return SL_EIO;
    }
    if (in->listen_port_file != NULL && in->listen_port_file[0] != '\0') {
        FILE *fp = fopen(in->listen_port_file, "w");
        if (fp == NULL) {
            h->log(SL_LOG_ERR, IM_NAME, "imtcp: cannot write listenPortFileName '%s': %s",
                   in->listen_port_file, strerror(errno));
            return SL_EIO;
        }
        fprintf(fp, "%d", in->bound_port);
        fclose(fp);
    }
    return 0;
}

static void imtcp_stop(void *inst)
{
    struct imtcp_inst *in = inst;
    atomic_store(&in->stopping, 1);
    if (in->stop_obj.fd >= 0) {
        uint64_t one = 1;
        ssize_t w = write(in->stop_obj.fd, &one, sizeof one);
        (void)w;
    }
}

static void imtcp_destroy(void *inst)
{
    struct imtcp_inst *in = inst;
#ifdef SL_IMPTCP
    if (in->ptcp_re_ok) {
        regfree(&in->ptcp_re);
        in->ptcp_re_ok = 0;
    }
    imptcp_unix_cleanup(in);
#endif
    sl_acl_free(in->acl);
    in->acl = NULL;
    if (in->sess != NULL) {
        for (size_t i = 0; i < in->max_sess; i++) {
            if (in->sess[i] != NULL) {
                struct sess *s = in->sess[i];
                sl_tls_conn_free(s->tls);
                close(s->ep.fd);
                sl_framing_free(&s->fr);
                ptcp_inflate_free(s);
                free(s);
                in->sess[i] = NULL;
            }
        }
        free(in->sess);
        in->sess = NULL;
    }
    for (unsigned i = 0; i < in->nthr; i++) {
        imtcp_thr_free(in, in->thr[i]);
        in->thr[i] = NULL;
    }
    in->nthr = 0;
    imtcp_close_listeners(in);
    if (in->stop_obj.fd >= 0) {
        close(in->stop_obj.fd);
        in->stop_obj.fd = -1;
    }
    sl_tls_cred_free(in->tls);
    in->tls = NULL;
    pthread_mutex_destroy(&in->tls_lock);
    pthread_mutex_destroy(&in->lock);
    pthread_mutex_destroy(&in->rl_lock);
}

static const struct sl_input_ops imtcp_ops = {
    .create = imtcp_create,
    .open = imtcp_open,
    .run = imtcp_run,
    .run_thread = imtcp_run_thread,
    .stop = imtcp_stop,
    .destroy = imtcp_destroy,
    .hup = imtcp_hup,
};

#ifdef SL_IMTLS
SL_PLUGIN_DEFINE(imtls) = {
    SL_PLUGIN_HEADER(imtls),
#elif defined(SL_IMPTCP)
SL_PLUGIN_DEFINE(imptcp) = {
    SL_PLUGIN_HEADER(imptcp),
#else
SL_PLUGIN_DEFINE(imtcp) = {
    SL_PLUGIN_HEADER(imtcp),
#endif
    .kinds = SL_INPUT,
    .flags = SL_PF_PRE_PRIVDROP_OPEN | SL_PF_THREADED,
    .module_params = mod_params,
    .inst_params = inst_params,
    .mod_size = sizeof(struct imtcp_mod),
    .inst_size = sizeof(struct imtcp_inst),
    .wrk_size = 0,
    .in = &imtcp_ops,
#if defined(SL_IMPTCP)
    .stats_set = "%n(%a/%p/IPv4)",
#elif !defined(SL_IMTLS)
    .stats_set = "%n(%p)",
#endif
};
