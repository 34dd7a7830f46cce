/*
 * omfwd.c - the omfwd output plugin: forwards rendered messages to a syslog receiver over
 * UDP or plain TCP (LF "traditional" framing or RFC 6587 octet counting), with rsyslog's
 * parameter names, defaults and wire format:
 *   - every record is cut to global maxMessageSize (and at its first NUL, as rsyslog
 *     measures it with strlen());
 *   - TCP traditional framing appends the frame delimiter only when the record does not
 *     already end with it; octet-counted framing sends "LEN SP RECORD" unchanged; an
 *     empty record is still sent (empty datagram, lone delimiter, "0 ");
 *   - UDP sends one datagram per record; send errors are counted and logged (at most
 *     maxErrorMessages times) and never suspend the action;
 *   - ratelimit.interval/burst (rsyslog's Linux-like limiter, sl_ratelimit.h, one per
 *     action shared by its workers): records over the burst are dropped before they are
 *     rendered, counted (ratelimit.discarded) and logged as rsyslog logs them; udp.sendBuf
 *     sets SO_SNDBUF(FORCE), ipFreeBind IP_FREEBIND when binding address=;
 *   - networkNamespace=NAME (rsyslog's omfwd, Linux setns(2), needs CAP_SYS_ADMIN): the
 *     worker thread that makes the socket enters /var/run/netns/NAME for the socket's
 *     creation and connect (TCP) or bind (UDP) only, and returns to its own namespace
 *     right after; the socket stays in NAME.  A missing namespace or a failed setns is
 *     logged (rsyslog's "could not change to namespace") and suspends the action, which
 *     retries later, as rsyslog's doTryResume.
 *   - compression.mode single / stream:always and ziplevel: omfwd_zip.c (stream mode
 *     keeps no held records and uses no deferred acknowledgement, as over TLS: the bytes
 *     on the wire are not the records').
 * TLS (StreamDriverMode="1" with StreamDriver "gtls", or "ossl" which is served by the
 * same GnuTLS code; the driver defaults to global DefaultNetstreamDriver): the shared
 * stream driver of plugins/common/sl_tls.c.  StreamDriverAuthMode anon (no check of the
 * server certificate: logged as insecure at start), x509/certvalid (chain only: "skip
 * name check"), x509/name (chain and StreamDriverPermittedPeers, comma separated, '*'
 * wildcards; without peers the target host name) and x509/fingerprint ("SHA1:.." or
 * "SHA256:.." entries).  StreamDriver.CAFile/CertFile/KeyFile default to the global
 * DefaultNetstreamDriver* files and are loaded in create(): unreadable files, a key not
 * matching its certificate or an expired certificate fail the config check naming the
 * file.  The handshake is bounded by the connect timeout; a refused server is logged
 * with the reason and its certificate fingerprint, counted (tls.peer.refused,
 * tls.handshake.failed) and the action is suspended like for a failed connect.  With TLS
 * 1.3 a server judges our certificate after our side of the handshake is complete, so
 * after connecting we wait up to 200 ms for its verdict (session ticket = accepted,
 * alert = refused) instead of losing the first batch in a connection it drops.  At HUP
 * the certificates and keys are read again (bad files: logged, the old ones kept).
 *
 * Plain TCP uses deferred acknowledgement (ABI 1.4) when the core offers it (a queued
 * action: b->ack != NULL): deliver() writes the batch and answers SL_PENDING; the batch is
 * confirmed (host->batch_done, SL_OK) once SIOCOUTQ shows that the peer's TCP acknowledged
 * its last byte, by the next deliver() or by the worker's confirmation thread (ackpoll,
 * every OMFWD_ACKPOLL_MS while batches are pending).  When the connection is lost, the
 * pending batches are answered SL_RETRY and the core delivers them again, in order, from
 * its queue: the queue lets go of a record only once the peer's TCP acknowledged it, so a
 * kill -9 behind a synced disk queue loses nothing the peer did not acknowledge.
 * Without an ack (direct actions, older cores) the plugin keeps every record until the
 * peer's TCP acknowledged it (SIOCOUTQ) and sends the unacknowledged ones first on the next
 * connection.  Either way, when the peer RESET the connection (it closed its socket with
 * data unread, e.g. rsyslogd on SIGTERM), the records it had acknowledged that were written
 * at most resend.maxAge ms before the connection's last write, and at most resend.maxBytes
 * of them, are sent again first: duplicates, not loss (counted in "resent", as are the
 * unacknowledged records the plugin sends again).  That bounded replay window is the only
 * data omfwd keeps of its own with deferred acknowledgement.  An orderly close (FIN: the
 * peer read everything) replays only the unacknowledged.
 *
 * Files: this one (parameters, connect, UDP and TCP send, the ABI entry points),
 * omfwd_replay.c (the held records and their replay), omfwd_ack.c (deferred
 * acknowledgement), omfwd_int.h (the structs and what the files call in each other).
 *
 * Ownership and lifetime
 *   - Parameter strings and templates in struct omfwd_inst belong to the core.
 *   - Every worker owns its socket, resolved addresses and buffers (struct omfwd_wrk), as
 *     each rsyslog worker has its own connection; all are released in worker_destroy().
 *
 * Concurrency & locking
 *   - Each TCP worker has a confirmation thread (ackpoll, started in worker_create, joined
 *     in worker_destroy).  wrk->lock guards what it shares with deliver(): the socket
 *     (closed and replaced only under the lock), conn_sent and the FIFO of pending
 *     batches.  The blocking write itself runs without the lock; conn_sent is raised
 *     after it, so while a write is under way the acknowledged offset is underestimated
 *     (a confirmation comes later), never overestimated.  batch_done() is called without
 *     the lock.
 *   - deliver() touches only its own wrk plus read-only instance configuration; the
 *     shared mutable state is the error-message budget and the counters (atomic) and the
 *     TLS credentials pointer, which hup() replaces: it is read and swapped under
 *     tls_lock, and every session holds its own reference to the credentials it uses.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <net/if.h>
#include <sched.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

#include "sluice/sl_plugin.h"
#include "../common/sl_tls.h"
#include "omfwd_int.h"

#define OMFWD_CONNECT_TIMEOUT_MS 5000
#define OMFWD_SEND_TIMEOUT_S 30
#define OMFWD_TLS_SETTLE_MS 200     /* TLS 1.3: wait for the server's verdict on our cert */
#define OMFWD_UDP_CHUNK 256          /* datagrams per sendmmsg() call */

enum { OMFWD_UDP = 0, OMFWD_TCP = 1 };
enum { OMFWD_FRAMING_LF = 0, OMFWD_FRAMING_OCTET = 1 };

static const char *const omfwd_protocols[] = { "udp", "tcp", NULL };
static const char *const omfwd_framings[] = { "traditional", "octet-counted", NULL };
static const char *const omfwd_compression[] = { "none", "single", "stream:always", NULL };

struct omfwd_mod {
    const struct sl_template *tpl;
};

/* The replay after a reset (resend.maxBytes, resend.maxAge) trades duplicates against
 * loss.  rsyslogd 8.2302 stopped with SIGTERM while a sender streams into it resets the
 * connection having lost up to 2.9 MB that its TCP had acknowledged (measured on loopback,
 * 2026-11-22, sender unpaced; 70-520 KB when paced): about the most a default Linux receive
 * buffer holds (tcp_rmem max 6 MiB, half of it for data), hence the 4 MiB byte bound.  An
 * estimate from the peer's advertised window was tried and fell short (it lost 1,443 and
 * 14,770 records).  A bytes-only window resent about 10 s of a 4,000 msg/s stream (39,990
 * duplicates of 200,000): what a receiver leaves unread was written in the last moments
 * before it stopped reading, so the window is also bounded by age, counted back from the
 * connection's last write (not from when the reset is noticed, which may be much later). */
#define OMFWD_RESEND_MAX_AGE_DEF "2000"
#define OMFWD_RESEND_MAX_BYTES_DEF "4194304"  /* 4 MiB */

#define FO(f) offsetof(struct omfwd_inst, f)
static const struct sl_param omfwd_inst_params[] = {
    { "target", SL_PT_WORD, SL_P_REQUIRED, FO(target), NULL, NULL, NULL, "receiver host" },
    { "port", SL_PT_PORT, 0, FO(port), "514", NULL, NULL, "receiver port" },
    { "protocol", SL_PT_ENUM, 0, FO(protocol), "udp", omfwd_protocols, NULL, "udp or tcp" },
    { "tcp_framing", SL_PT_ENUM, 0, FO(framing), "traditional", omfwd_framings, NULL,
      "traditional (LF) or octet-counted" },
    { "tcp_frameDelimiter", SL_PT_INT, 0, FO(frame_delim), "10", NULL, NULL,
      "delimiter byte of traditional framing" },
    { "template", SL_PT_TEMPLATE, 0, FO(tpl), NULL, NULL, NULL, "record template" },
    { "address", SL_PT_WORD, 0, FO(address), NULL, NULL, NULL, "source address to bind" },
    { "device", SL_PT_WORD, 0, FO(device), NULL, NULL, NULL, "network device to bind" },
    { "udp.sendToAll", SL_PT_BOOL, 0, FO(udp_send_to_all), "off", NULL, NULL,
      "send to every resolved address" },
    { "udp.sendDelay", SL_PT_INT, 0, FO(udp_send_delay), "0", NULL, NULL,
      "microseconds to wait between datagrams" },
    { "maxErrorMessages", SL_PT_INT, SL_P_DEPRECATED_ERROR, FO(max_err_msgs), "5", NULL, NULL,
      "UDP send errors reported" },
    { "compression.mode", SL_PT_ENUM, 0, FO(compression_mode), "none", omfwd_compression,
      NULL, "none, single (records over 60 bytes as 'z' + zlib) or stream:always (TCP)" },
    { "ziplevel", SL_PT_INT, 0, FO(zip_level), "-1", NULL, NULL,
      "zlib level (-1: not set, 9 with compression.mode); set alone: single mode" },
    { "rebindInterval", SL_PT_INT, 0, FO(rebind_interval), "0", NULL,
      "$ActionSendTCPRebindInterval", "records after which the socket is re-created" },
    { "KeepAlive", SL_PT_BOOL, 0, FO(keepalive), "off", NULL, NULL, "TCP keep-alive" },
    { "KeepAlive.Probes", SL_PT_NONNEG, 0, FO(keepalive_probes), "0", NULL, NULL, "" },
    { "KeepAlive.Interval", SL_PT_NONNEG, 0, FO(keepalive_interval), "0", NULL, NULL, "" },
    { "KeepAlive.Time", SL_PT_NONNEG, 0, FO(keepalive_time), "0", NULL, NULL, "" },
    { "ResendLastMSGOnReconnect", SL_PT_BOOL, SL_P_IGNORED, FO(resend_last), "off", NULL,
      "$ActionSendResendLastMsgOnReconnect", "accepted; ignored" },
    { "conErrSkip", SL_PT_NONNEG, SL_P_IGNORED, FO(conerr_skip), "0", NULL, NULL, "accepted" },
    { "networkNamespace", SL_PT_WORD, 0, FO(netns), NULL, NULL, NULL,
      "network namespace (/var/run/netns/NAME) the socket is made in" },
    { "ipFreeBind", SL_PT_INT, 0, FO(ip_freebind), "2", NULL, NULL,
      "IP_FREEBIND when binding address= (0 off, 1 and 2 on)" },
    { "udp.sendBuf", SL_PT_SIZE, 0, FO(udp_sendbuf), "0", NULL, NULL,
      "send buffer of the UDP socket (SO_SNDBUF); 0: the system's" },
    { "ratelimit.interval", SL_PT_INT, 0, FO(rl_interval), "0", NULL, NULL,
      "seconds of a rate-limit window (0: no limit)" },
    { "ratelimit.burst", SL_PT_INT, 0, FO(rl_burst), "200", NULL, NULL,
      "records sent per window; the rest are dropped (ratelimit.discarded)" },
    { "compression.stream.flushOnTXEnd", SL_PT_BOOL, 0, FO(flush_on_txend), "on",
      NULL, NULL, "stream:always: sync-flush the zlib stream after each batch" },
    { "resend.maxAge", SL_PT_NONNEG, 0, FO(resend_max_age), OMFWD_RESEND_MAX_AGE_DEF, NULL,
      NULL, "sluice only: ms before the last write a record may have been written to be "
      "sent again after a reset (0: only unacknowledged records)" },
    { "resend.maxBytes", SL_PT_SIZE, 0, FO(resend_max_bytes), OMFWD_RESEND_MAX_BYTES_DEF,
      NULL, NULL, "sluice only: bytes of acknowledged records sent again after a reset" },
    { "StreamDriver", SL_PT_WORD, 0, FO(strm_driver), NULL, NULL, "$ActionSendStreamDriver",
      "ptcp, gtls, ossl" },
    { "StreamDriverMode", SL_PT_INT, 0, FO(strm_driver_mode), "0", NULL,
      "$ActionSendStreamDriverMode", "0 = plain TCP, 1 = TLS" },
    { "StreamDriverAuthMode", SL_PT_WORD, 0, FO(strm_auth_mode), NULL, NULL,
      "$ActionSendStreamDriverAuthMode", "" },
    { "StreamDriverPermittedPeers", SL_PT_WORD, 0, FO(strm_permitted_peers), NULL, NULL,
      "$ActionSendStreamDriverPermittedPeer", "" },
    { "StreamDriver.CAFile", SL_PT_STRING, 0, FO(strm_ca_file), NULL, NULL, NULL, "" },
    { "StreamDriver.CertFile", SL_PT_STRING, 0, FO(strm_cert_file), NULL, NULL, NULL, "" },
    { "StreamDriver.KeyFile", SL_PT_STRING, 0, FO(strm_key_file), NULL, NULL, NULL, "" },
    { "StreamDriver.CheckExtendedKeyPurpose", SL_PT_BOOL, 0, FO(strm_check_eku), "off", NULL,
      NULL, "require serverAuth in the server certificate" },
    { "StreamDriver.PrioritizeSAN", SL_PT_BOOL, SL_P_IGNORED, FO(strm_prioritize_san), "off", NULL, NULL,
      "accepted (names are always taken from the SAN first)" },
    { "StreamDriver.TlsVerifyDepth", SL_PT_POSINT, 0, FO(strm_verify_depth), "0", NULL, NULL,
      "maximum certificate chain depth" },
    { "StreamDriver.PermitExpiredCerts", SL_PT_ENUM, 0, FO(strm_permit_expired), "off",
      sl_tls_permit_expired_enum, NULL, "off, on or warn" },
    { "gnutlsPriorityString", SL_PT_STRING, 0, FO(gnutls_prio), NULL, NULL, NULL,
      "GnuTLS priority string (default: TLS 1.2 and 1.3)" },
    SL_PARAM_END
};

static const struct sl_param omfwd_mod_params[] = {
    { "template", SL_PT_TEMPLATE, 0, offsetof(struct omfwd_mod, tpl), NULL, NULL,
      "$ActionForwardDefaultTemplate", "default template of omfwd actions" },
    SL_PARAM_END
};

/* ------------------------------------------------------------------------------------- */

/* TCP whose records the plugin may hold and replay, and the core may confirm late: plain,
 * uncompressed (stream compression puts other bytes on the wire than the records). */
static int omfwd_replays(const struct omfwd_inst *in, const struct omfwd_wrk *w)
{
    return w->tls == NULL && in->compression_mode != OMFWD_COMP_STREAM;
}

/* stream:always: the end of the zlib stream before an orderly close (errors ignored: the
 * connection is going anyway), and a new stream for the next connection. */
static void omfwd_zip_close(struct omfwd_wrk *w)
{
    if (w->zip == NULL) {
        return;
    }
    const char *tail = NULL;
    size_t tl = 0;
    if (w->fd >= 0 && omfwd_zip_stream_end(w, &tail, &tl) == 0 && tl > 0) {
        if (w->tls != NULL) {
            (void)sl_tls_send_all(w->tls, tail, tl);
        } else {
            (void)omfwd_write_all(w->fd, tail, tl);
        }
    }
    omfwd_zip_free(w);
}

static void omfwd_close(struct omfwd_wrk *w)
{
    omfwd_zip_close(w);
    if (w->tls != NULL) {
        sl_tls_bye(w->tls);
        sl_tls_conn_free(w->tls);
        w->tls = NULL;
    }
    if (w->fd >= 0) {
        if (w->lock_ok) {
            pthread_mutex_lock(&w->lock);
        }
        close(w->fd);
        w->fd = -1;
        if (w->lock_ok) {
            pthread_mutex_unlock(&w->lock);
        }
    }
    if (w->ai != NULL) {
        freeaddrinfo(w->ai);
        w->ai = NULL;
    }
    w->since_bind = 0;
}

/* Bind a fresh socket to address= / device= if configured.  0 or -errno. */
static int omfwd_bind_source(const struct omfwd_inst *in, int fd, int family)
{
    if (in->device != NULL && in->device[0] != '\0') {
        if (setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, in->device,
                       (socklen_t)strlen(in->device) + 1) != 0) {
            return -errno;
        }
    }
    if (in->address != NULL && in->address[0] != '\0') {
        if (in->ip_freebind != 0) {
            /* rsyslog's ipfreebind (default 2): bind even to an address not (yet) up */
            int one = 1;
            (void)setsockopt(fd, family == AF_INET6 ? IPPROTO_IPV6 : IPPROTO_IP,
                             family == AF_INET6 ? IPV6_FREEBIND : IP_FREEBIND, &one,
                             sizeof one);
        }
        struct addrinfo hints, *res = NULL;
        memset(&hints, 0, sizeof hints);
        hints.ai_family = family;
        hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
        hints.ai_socktype = in->protocol == OMFWD_TCP ? SOCK_STREAM : SOCK_DGRAM;
        int e = getaddrinfo(in->address, "0", &hints, &res);
        if (e != 0 || res == NULL) {
            return -EADDRNOTAVAIL;
        }
        int rc = bind(fd, res->ai_addr, res->ai_addrlen) == 0 ? 0 : -errno;
        freeaddrinfo(res);
        return rc;
    }
    return 0;
}

static struct addrinfo *omfwd_resolve(const struct omfwd_inst *in, int socktype, int *gai)
{
    struct addrinfo hints, *res = NULL;
    memset(&hints, 0, sizeof hints);
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = socktype;
    hints.ai_flags = AI_NUMERICSERV;
    *gai = getaddrinfo(in->target, in->portstr, &hints, &res);
    return *gai == 0 ? res : NULL;
}

/* Log a connection problem once per outage. */
static void omfwd_log_down(const struct omfwd_inst *in, struct omfwd_wrk *w, const char *what,
                           int err)
{
    if (!w->down_logged) {
        in->h->log(SL_LOG_WARNING, in->who, "%s %s:%s failed: %s; action suspended", what,
                   in->target, in->portstr, err != 0 ? strerror(err) : "unknown error");
        w->down_logged = 1;
    }
}

/* TLS handshake on a fresh non-blocking connection, then the authentication policy.
 * 0, or -1 after logging (once per outage) and counting; w->tls is set on success. */
static int omfwd_tls_start(struct omfwd_inst *in, struct omfwd_wrk *w, int fd)
{
    struct sl_tls_conn *t = NULL;
    pthread_mutex_lock(&in->tls_lock);
    int nrc = sl_tls_conn_new(in->tls, fd, in->target, &t);
    w->tls_gen = atomic_load(&in->tls_gen);
    pthread_mutex_unlock(&in->tls_lock);
    if (nrc != 0) {
        return -1;
    }
    char reason[768], fpr[160];
    _Atomic uint64_t *ctr = in->c_tls_failed;
    const char *what = "TLS handshake failed";
    int rc = sl_tls_handshake_timed(t, OMFWD_CONNECT_TIMEOUT_MS);
    if (rc != 0) {
        snprintf(reason, sizeof reason, "%s", sl_tls_error(t));
        fpr[0] = '\0';
    } else {
        rc = sl_tls_verify_peer(t, reason, sizeof reason, fpr, sizeof fpr);
        ctr = in->c_tls_refused;
        what = "TLS server refused";
        if (rc == 0 && reason[0] != '\0') {
            in->h->log(SL_LOG_WARNING, in->who, "TLS server %s:%s: %s; certificate "
                       "fingerprint: %s", in->target, in->portstr, reason, fpr);
        }
        if (rc == 0) {
            rc = sl_tls_client_settle(t, OMFWD_TLS_SETTLE_MS);
            ctr = in->c_tls_failed;
            what = "TLS session refused by";
            snprintf(reason, sizeof reason, "%s", sl_tls_error(t));
        }
    }
    if (rc != 0) {
        if (ctr != NULL) {
            atomic_fetch_add(ctr, 1);
        }
        if (!w->down_logged) {
            in->h->log(SL_LOG_ERR, in->who, "%s %s:%s: %s; peer certificate fingerprint: %s; "
                       "action suspended", what, in->target, in->portstr, reason,
                       fpr[0] != '\0' ? fpr : "(none)");
            w->down_logged = 1;
        }
        sl_tls_conn_free(t);
        return -1;
    }
    w->tls = t;
    return 0;
}

/* Non-blocking connect with a timeout to the first address that answers.  0 or -errno. */
/* Is fd connected to itself (same local and peer address and port)? */
static int omfwd_self_connected(int fd)
{
    struct sockaddr_storage la, pa;
    socklen_t ll = sizeof la, pl = sizeof pa;
    if (getsockname(fd, (struct sockaddr *)&la, &ll) != 0 ||
        getpeername(fd, (struct sockaddr *)&pa, &pl) != 0 || ll != pl) {
        return 0;
    }
    if (la.ss_family == AF_INET) {
        const struct sockaddr_in *a = (const void *)&la, *b = (const void *)&pa;
        return a->sin_port == b->sin_port && a->sin_addr.s_addr == b->sin_addr.s_addr;
    }
    if (la.ss_family == AF_INET6) {
        const struct sockaddr_in6 *a = (const void *)&la, *b = (const void *)&pa;
        return a->sin6_port == b->sin6_port &&
               memcmp(&a->sin6_addr, &b->sin6_addr, sizeof a->sin6_addr) == 0;
    }
    return 0;
}

/* networkNamespace: this thread enters /var/run/netns/NAME; *orig is the descriptor of the
 * namespace it was in (-1: no namespace given).  0, or -errno after logging once per
 * outage.  setns() changes the calling thread only, so the other threads are not moved. */
static int omfwd_netns_enter(const struct omfwd_inst *in, struct omfwd_wrk *w, int *orig)
{
    *orig = -1;
    if (in->netns == NULL || in->netns[0] == '\0') {
        return 0;
    }
    char path[PATH_MAX];
    int o = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
    snprintf(path, sizeof path, "/var/run/netns/%s", in->netns);
    int d = o < 0 ? -1 : open(path, O_RDONLY | O_CLOEXEC);
    int e = d < 0 ? errno : setns(d, CLONE_NEWNET) != 0 ? errno : 0;
    if (d >= 0) {
        close(d);
    }
    if (e != 0) {
        if (!w->down_logged) {
            in->h->log(SL_LOG_ERR, in->who, "omfwd: could not change to namespace '%s': %s; "
                       "action suspended", in->netns, strerror(e));
            w->down_logged = 1;
        }
        if (o >= 0) {
            close(o);
        }
        return -e;
    }
    *orig = o;
    return 0;
}

/* Back to the namespace omfwd_netns_enter() left (orig -1: nothing to do). */
static void omfwd_netns_leave(const struct omfwd_inst *in, int orig)
{
    if (orig < 0) {
        return;
    }
    if (setns(orig, CLONE_NEWNET) != 0) {
        in->h->log(SL_LOG_ERR, in->who, "omfwd: could not return to original namespace: %s",
                   strerror(errno));
    }
    close(orig);
}

static int omfwd_tcp_connect_ns(struct omfwd_inst *in, struct omfwd_wrk *w);

/* The TCP connection, made in networkNamespace when one is given. */
static int omfwd_tcp_connect(struct omfwd_inst *in, struct omfwd_wrk *w)
{
    int orig;
    int rc = omfwd_netns_enter(in, w, &orig);
    if (rc != 0) {
        return rc;
    }
    rc = omfwd_tcp_connect_ns(in, w);
    omfwd_netns_leave(in, orig);
    return rc;
}

static int omfwd_tcp_connect_ns(struct omfwd_inst *in, struct omfwd_wrk *w)
{
    int gai;
    struct addrinfo *res = omfwd_resolve(in, SOCK_STREAM, &gai);
    if (res == NULL) {
        if (!w->down_logged) {
            in->h->log(SL_LOG_WARNING, in->who, "cannot resolve %s:%s: %s", in->target,
                       in->portstr, gai_strerror(gai));
            w->down_logged = 1;
        }
        return -EHOSTUNREACH;
    }
    int err = ECONNREFUSED;
    for (struct addrinfo *a = res; a != NULL; a = a->ai_next) {
        int fd = socket(a->ai_family, a->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC,
                        a->ai_protocol);
        if (fd < 0) {
            err = errno;
            continue;
        }
        int rc = omfwd_bind_source(in, fd, a->ai_family);
        if (rc != 0) {
            err = -rc;
            close(fd);
            continue;
        }
        if (connect(fd, a->ai_addr, a->ai_addrlen) != 0) {
            if (errno != EINPROGRESS) {
                err = errno;
                close(fd);
                continue;
            }
            struct pollfd pfd = { .fd = fd, .events = POLLOUT };
            int pr;
            do {
                pr = poll(&pfd, 1, OMFWD_CONNECT_TIMEOUT_MS);
            } while (pr < 0 && errno == EINTR);
            int soerr = 0;
            socklen_t sl = sizeof soerr;
            if (pr == 0) {
                soerr = ETIMEDOUT;
            } else if (pr < 0) {
                soerr = errno;
            } else if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &sl) != 0) {
                soerr = errno;
            }
            if (soerr != 0) {
                err = soerr;
                close(fd);
                continue;
            }
        }
        if (omfwd_self_connected(fd)) {
            /* a local target port nobody listens on, inside the ephemeral port range: the
             * kernel may pick that very port as the source and the socket connects to itself
             * (TCP simultaneous open); what we wrote would come back to us and be lost */
            err = ECONNREFUSED;
            close(fd);
            continue;
        }
        if (in->tls != NULL && omfwd_tls_start(in, w, fd) != 0) {
            err = ECONNREFUSED;
            close(fd);
            break;   /* the peer answered but was refused: suspend, do not try others */
        }
        /* connected: back to blocking writes, bounded by a send timeout */
        int fl = fcntl(fd, F_GETFL);
        if (fl >= 0) {
            fcntl(fd, F_SETFL, fl & ~O_NONBLOCK);
        }
        struct timeval tv = { OMFWD_SEND_TIMEOUT_S, 0 };
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
        if (in->keepalive) {
            int one = 1;
            setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &one, sizeof one);
            int v;
            if (in->keepalive_probes > 0) {
                v = (int)in->keepalive_probes;
                setsockopt(fd, IPPROTO_TCP, TCP_KEEPCNT, &v, sizeof v);
            }
            if (in->keepalive_interval > 0) {
                v = (int)in->keepalive_interval;
                setsockopt(fd, IPPROTO_TCP, TCP_KEEPINTVL, &v, sizeof v);
            }
            if (in->keepalive_time > 0) {
                v = (int)in->keepalive_time;
                setsockopt(fd, IPPROTO_TCP, TCP_KEEPIDLE, &v, sizeof v);
            }
        }
        freeaddrinfo(res);
        if (w->lock_ok) {
            pthread_mutex_lock(&w->lock);
        }
        w->fd = fd;
        w->conn_sent = 0;
        if (w->lock_ok) {
            pthread_mutex_unlock(&w->lock);
        }
        w->since_bind = 0;
        if (w->down_logged) {
            in->h->log(SL_LOG_INFO, in->who, "connection to %s:%s re-established",
                       in->target, in->portstr);
            w->down_logged = 0;
        }
        return 0;
    }
    freeaddrinfo(res);
    omfwd_log_down(in, w, "connect to", err);
    return -err;
}

/* Has the peer closed (or reset) an idle connection?  Like rsyslog's plain-TCP driver, peek
 * without blocking before sending, so a dead connection is noticed before data is lost in
 * it.  Data sent by the receiver is left alone.  0 alive, 1 closed, 2 reset. */
int omfwd_tcp_dead(int fd)
{
    char c;
    ssize_t r = recv(fd, &c, 1, MSG_PEEK | MSG_DONTWAIT);
    if (r == 0) {
        return 1;
    }
    if (r < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
        return errno == ECONNRESET ? 2 : 1;
    }
    return 0;
}

int64_t omfwd_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* ---- deferred acknowledgement ------------------------------------------------------- */

/* Does the host take SL_PENDING (ABI 1.4 batch_done)? */
static int omfwd_host_acks(const struct sl_host *h)
{
    return h->struct_size >= offsetof(struct sl_host, batch_done) + sizeof h->batch_done &&
           h->batch_done != NULL;
}

static int omfwd_udp_open(const struct omfwd_inst *in, struct omfwd_wrk *w)
{
    int gai, orig;
    w->ai = omfwd_resolve(in, SOCK_DGRAM, &gai);
    if (w->ai == NULL) {
        return -EHOSTUNREACH;
    }
    w->udp_family = w->ai->ai_family;
    int nrc = omfwd_netns_enter(in, w, &orig);
    if (nrc != 0) {
        omfwd_close(w);
        return nrc;
    }
    w->fd = socket(w->udp_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    omfwd_netns_leave(in, orig);
    if (w->fd < 0) {
        int e = errno;
        omfwd_close(w);
        return -e;
    }
    if (in->udp_sendbuf > 0) {
        /* rsyslog's udp.sendbuf: SO_SNDBUF, beyond wmem_max with SO_SNDBUFFORCE (root) */
        int sz = in->udp_sendbuf > 0x7fffffff ? 0x7fffffff : (int)in->udp_sendbuf;
        if (setsockopt(w->fd, SOL_SOCKET, SO_SNDBUFFORCE, &sz, sizeof sz) != 0) {
            (void)setsockopt(w->fd, SOL_SOCKET, SO_SNDBUF, &sz, sizeof sz);
        }
    }
    int rc = omfwd_bind_source(in, w->fd, w->udp_family);
    if (rc != 0) {
        omfwd_close(w);
        return rc;
    }
    w->since_bind = 0;
    return 0;
}

static void omfwd_udp_error(struct omfwd_inst *in, int err)
{
    if (in->c_failed != NULL) {
        atomic_fetch_add(in->c_failed, 1);
    }
    if (atomic_fetch_sub(&in->err_budget, 1) > 0) {
        in->h->log(SL_LOG_WARNING, in->who, "error %d sending via udp to %s:%s: %s", err,
                   in->target, in->portstr, strerror(err));
    }
}

/* Send records [0,n) of w->out as datagrams.  Errors are counted, never fatal. */
static void omfwd_udp_send(struct omfwd_inst *in, struct omfwd_wrk *w, size_t n)
{
    if (w->fd < 0 && omfwd_udp_open(in, w) != 0) {
        for (size_t i = 0; i < n; i++) {
            omfwd_udp_error(in, EHOSTUNREACH);
        }
        return;
    }
    int need_reresolve = 0;
    for (struct addrinfo *a = w->ai; a != NULL; a = a->ai_next) {
        if (a->ai_family != w->udp_family) {
            continue;
        }
        size_t i = 0;
        size_t ok = 0;
        while (i < n) {
            size_t k = 0;
            size_t chunk = in->udp_send_delay > 0 ? 1 : OMFWD_UDP_CHUNK;
            while (i + k < n && k < chunk) {
                size_t start = i + k == 0 ? 0 : w->ends[i + k - 1];
                w->iov[k].iov_base = w->out.p + start;
                w->iov[k].iov_len = w->ends[i + k] - start;
                memset(&w->mm[k], 0, sizeof w->mm[k]);
                w->mm[k].msg_hdr.msg_iov = &w->iov[k];
                w->mm[k].msg_hdr.msg_iovlen = 1;
                w->mm[k].msg_hdr.msg_name = a->ai_addr;
                w->mm[k].msg_hdr.msg_namelen = a->ai_addrlen;
                k++;
            }
            int r = sendmmsg(w->fd, w->mm, (unsigned)k, MSG_NOSIGNAL);
            if (r < 0) {
                if (errno == EINTR) {
                    continue;
                }
                /* the first datagram of the chunk failed: count it and move past it */
                omfwd_udp_error(in, errno);
                need_reresolve = 1;
                i++;
            } else {
                i += (size_t)r;
                ok += (size_t)r;
            }
            if (in->udp_send_delay > 0) {
                struct timespec ts = { (time_t)(in->udp_send_delay / 1000000),
                                       (long)(in->udp_send_delay % 1000000) * 1000 };
                nanosleep(&ts, NULL);
            }
        }
        if (in->c_sent != NULL) {
            atomic_fetch_add(in->c_sent, ok);
        }
        if (!in->udp_send_to_all && ok > 0) {
            break;
        }
    }
    w->since_bind += n;
    if (need_reresolve
        || (in->rebind_interval > 0 && w->since_bind >= (uint64_t)in->rebind_interval)) {
        omfwd_close(w);   /* next batch re-resolves and re-creates the socket */
    }
}

/* Write all of w->out on the TCP connection.  0 or -errno (connection closed). */
static int omfwd_tcp_send(struct omfwd_inst *in, struct omfwd_wrk *w, size_t n)
{
    const char *p = w->out.p;
    size_t len = w->out.len;
    if (in->compression_mode == OMFWD_COMP_STREAM) {
        int zrc = omfwd_zip_stream(w, (int)in->zip_level, w->out.p, w->out.len,
                                   in->flush_on_txend, &p, &len);
        if (zrc != 0) {
            in->h->log(SL_LOG_ERR, in->who, "omfwd: zlib stream compression failed "
                       "(ziplevel %lld)", (long long)in->zip_level);
            return zrc;
        }
    }
    if (w->tls != NULL) {
        if (sl_tls_send_all(w->tls, p, len) != 0) {
            return -EPIPE;
        }
    } else {
        int rc = omfwd_write_all(w->fd, p, len);
        if (rc != 0) {
            return rc;
        }
    }
    if (in->c_sent != NULL) {
        atomic_fetch_add(in->c_sent, n);
    }
    w->since_bind += n;
    return 0;
}

/* ------------------------------------------------------------------------------------- */

static const char *omfwd_global(const struct sl_host *h, const char *name)
{
    if (h->struct_size < offsetof(struct sl_host, global_str) + sizeof h->global_str
        || h->global_str == NULL) {
        return NULL;
    }
    return h->global_str(name);
}

static const char *omfwd_first(const char *a, const char *b)
{
    return a != NULL && a[0] != '\0' ? a : b;
}

/* Split StreamDriverPermittedPeers ("a, b,c") into in->peer_list.  0 or SL_ENOMEM. */
static int omfwd_split_peers(struct omfwd_inst *in)
{
    const char *s = in->strm_permitted_peers;
    if (s == NULL || s[0] == '\0') {
        return 0;
    }
    size_t n = 1;
    for (const char *p = s; *p != '\0'; p++) {
        n += *p == ',';
    }
    in->peer_list = calloc(n, sizeof *in->peer_list);
    if (in->peer_list == NULL) {
        return SL_ENOMEM;
    }
    const char *p = s;
    while (*p != '\0' && in->npeers < n) {
        const char *e = strchr(p, ',');
        size_t len = e != NULL ? (size_t)(e - p) : strlen(p);
        while (len > 0 && (p[0] == ' ' || p[0] == '\t')) {
            p++;
            len--;
        }
        while (len > 0 && (p[len - 1] == ' ' || p[len - 1] == '\t')) {
            len--;
        }
        if (len > 0) {
            in->peer_list[in->npeers] = strndup(p, len);
            if (in->peer_list[in->npeers] == NULL) {
                return SL_ENOMEM;
            }
            in->npeers++;
        }
        if (e == NULL) {
            break;
        }
        p = e + 1;
    }
    return 0;
}

static int omfwd_tls_setup(struct omfwd_inst *in)
{
    const struct sl_host *h = in->h;
    const char *drv = omfwd_first(in->strm_driver, omfwd_global(h, "defaultNetstreamDriver"));
    if (drv == NULL || strcasecmp(drv, "ptcp") == 0) {
        h->log(SL_LOG_ERR, in->who, "omfwd: StreamDriverMode 1 needs a TLS stream driver "
               "(StreamDriver=\"gtls\" or global DefaultNetstreamDriver=\"gtls\"), driver "
               "is '%s'", drv != NULL ? drv : "ptcp");
        return SL_ECONFIG;
    }
    if (strcasecmp(drv, "gtls") != 0 && strcasecmp(drv, "ossl") != 0) {
        h->log(SL_LOG_ERR, in->who, "omfwd: unknown stream driver '%s' (gtls, ossl, ptcp)",
               drv);
        return SL_ECONFIG;
    }
    struct sl_tls_opts o;
    memset(&o, 0, sizeof o);
    o.server = 0;
    if (sl_tls_auth_parse(in->strm_auth_mode, &o.auth) != 0) {
        h->log(SL_LOG_ERR, in->who, "omfwd: invalid StreamDriverAuthMode '%s' (anon, "
               "x509/certvalid, x509/name, x509/fingerprint)", in->strm_auth_mode);
        return SL_ECONFIG;
    }
    if (omfwd_split_peers(in) != 0) {
        return SL_ECONFIG;
    }
    o.peers = in->peer_list;
    o.npeers = in->npeers;
    if (o.auth == SL_TLS_AUTH_FINGERPRINT && o.npeers == 0) {
        h->log(SL_LOG_ERR, in->who, "omfwd: StreamDriverAuthMode x509/fingerprint needs "
               "StreamDriverPermittedPeers");
        return SL_ECONFIG;
    }
    o.ca_file = omfwd_first(in->strm_ca_file, omfwd_global(h, "defaultNetstreamDriverCAFile"));
    o.cert_file = omfwd_first(in->strm_cert_file,
                              omfwd_global(h, "defaultNetstreamDriverCertFile"));
    o.key_file = omfwd_first(in->strm_key_file,
                             omfwd_global(h, "defaultNetstreamDriverKeyFile"));
    o.priority = in->gnutls_prio;
    o.check_eku = in->strm_check_eku;
    o.verify_depth = (int)in->strm_verify_depth;
    o.permit_expired = (int)in->strm_permit_expired;
    char err[512];
    if (sl_tls_cred_new(&o, &in->tls, err, sizeof err) != 0) {
        h->log(SL_LOG_ERR, in->who, "omfwd: TLS: %s", err);
        return SL_ECONFIG;
    }
    in->tls_opts = o;
    if (o.auth == SL_TLS_AUTH_ANON) {
        h->log(SL_LOG_WARNING, in->who, "omfwd: INSECURE: StreamDriverAuthMode anon: the "
               "certificate of %s is not checked (TLS encrypts but does not authenticate)",
               in->target);
    } else if (o.auth == SL_TLS_AUTH_CERTVALID) {
        h->log(SL_LOG_NOTICE, in->who, "omfwd: StreamDriverAuthMode x509/certvalid: the "
               "certificate of %s is verified, its name is not", in->target);
    }
    in->c_tls_refused = h->counter("omfwd", in->who, "tls.peer.refused");
    in->c_tls_failed = h->counter("omfwd", in->who, "tls.handshake.failed");
    return 0;
}

static void omfwd_destroy(void *inst);

static int omfwd_create(void *inst, void *modconf, const struct sl_host *h)
{
    struct omfwd_inst *in = inst;
    const struct omfwd_mod *mod = modconf;
    in->h = h;
    snprintf(in->who, sizeof in->who, "omfwd");

    if (in->target == NULL || in->target[0] == '\0') {
        h->log(SL_LOG_ERR, in->who, "omfwd: parameter \"target\" is required");
        return SL_ECONFIG;
    }
    if (in->port < 0 || in->port > 65535) {
        h->log(SL_LOG_ERR, in->who, "omfwd: invalid port %lld", (long long)in->port);
        return SL_ECONFIG;
    }
    if (in->port == 0) {
        in->port = 514;
    }
    snprintf(in->portstr, sizeof in->portstr, "%d", (int)in->port);
    snprintf(in->who, sizeof in->who, "omfwd %s:%s", in->target, in->portstr);
    if (in->strm_driver_mode != 0 && in->strm_driver_mode != 1) {
        h->log(SL_LOG_ERR, in->who, "omfwd: StreamDriverMode %lld is invalid (0 plain, 1 TLS)",
               (long long)in->strm_driver_mode);
        return SL_ECONFIG;
    }

    /* rsyslog reads these as any integer: a ziplevel outside 0..10 is reported and turns
     * no compression on; a negative rebindInterval rebinds every -N datagrams over UDP
     * (its modulo test) and never over TCP; udp.sendDelay <= 0 is no delay and
     * maxErrorMessages (deprecated, no effect in rsyslog) <= 0 reports none */
    if (in->zip_level != -1 && (in->zip_level < 0 || in->zip_level > 10)) {
        h->log(SL_LOG_ERR, in->who, "Invalid ziplevel %lld specified in forwarding action - "
               "NOT turning on compression.", (long long)in->zip_level);
        in->zip_level = -1;
    }
    if (in->zip_level != -1 && in->compression_mode == OMFWD_COMP_NONE) {
        in->compression_mode = OMFWD_COMP_SINGLE;   /* ziplevel alone: pre-7.3.11 style */
    }
    in->zip_level = in->zip_level == -1 ? 9 : in->zip_level;
    if (in->compression_mode != OMFWD_COMP_NONE && !omfwd_zip_available()) {
        h->log(SL_LOG_ERR, in->who, "omfwd: sluice was built without zlib (configure "
               "--enable-zip): compression is off");
        in->compression_mode = OMFWD_COMP_NONE;
    }
    in->rebind_interval = (int)in->rebind_interval;   /* rsyslog's int */
    if (in->rebind_interval < 0) {
        in->rebind_interval = in->protocol == OMFWD_UDP ? -in->rebind_interval : 0;
    }
    if (in->frame_delim < 0 || in->frame_delim > 255) {
        h->log(SL_LOG_ERR, in->who, "omfwd: tcp_frameDelimiter must be 0..255");
        return SL_ECONFIG;
    }

    in->tpl_eff = in->tpl;
    if (in->tpl_eff == NULL && mod != NULL) {
        in->tpl_eff = mod->tpl;
    }
    if (in->tpl_eff == NULL) {
        in->tpl_eff = h->template_find("RSYSLOG_TraditionalForwardFormat");
    }
    if (in->tpl_eff == NULL) {
        h->log(SL_LOG_ERR, in->who, "omfwd: template RSYSLOG_TraditionalForwardFormat not found");
        return SL_ECONFIG;
    }
    if (in->strm_driver_mode == 1 && in->protocol == OMFWD_UDP) {
        h->log(SL_LOG_WARNING, in->who, "omfwd: StreamDriverMode 1 (TLS) applies to "
               "protocol tcp only; sending plain UDP");
    } else if (in->strm_driver_mode == 1) {
        pthread_mutex_init(&in->tls_lock, NULL);
        in->tls_lock_ok = 1;
        if (omfwd_tls_setup(in) != 0) {
            omfwd_destroy(in);
            return SL_ECONFIG;
        }
    }
    in->rl_on = sl_ratelimit_on(in->rl_interval, in->rl_burst);
    if (in->rl_on) {
        pthread_mutex_init(&in->rl_lock, NULL);
        in->c_ratelimit = h->counter("omfwd", in->who, "ratelimit.discarded");
    }
    atomic_store(&in->err_budget, in->max_err_msgs);
    in->c_sent = h->counter("omfwd", in->who, "sent");
    in->c_resent = h->counter("omfwd", in->who, "resent");
    in->c_failed = h->counter("omfwd", in->who, "failed");
    return 0;
}

static void omfwd_destroy(void *inst)
{
    struct omfwd_inst *in = inst;
    sl_tls_cred_free(in->tls);
    in->tls = NULL;
    for (size_t i = 0; i < in->npeers; i++) {
        free(in->peer_list[i]);
    }
    free(in->peer_list);
    in->peer_list = NULL;
    in->npeers = 0;
    if (in->tls_lock_ok) {
        pthread_mutex_destroy(&in->tls_lock);
        in->tls_lock_ok = 0;
    }
    if (in->rl_on) {
        pthread_mutex_destroy(&in->rl_lock);
        in->rl_on = 0;
    }
}

/* ratelimit.interval/burst: does record pass?  rsyslog 8.2302 checks each record of a
 * transaction with its Linux-like limiter and logs the first drop of a window (the count
 * of the previous window's drops when the next one opens).  A batch the core delivers
 * again is counted again. */
static int omfwd_rl_pass(struct omfwd_inst *in)
{
    time_t now = time(NULL);
    pthread_mutex_lock(&in->rl_lock);
    time_t begin = in->rl.begin;
    if (begin != 0 && (now > begin + (time_t)in->rl_interval || now < begin) &&
        in->rl_missed > 0) {
        in->h->log(SL_LOG_INFO, in->who, "omfwd: %llu messages lost due to rate-limiting "
                   "(%lld allowed within %lld seconds)",
                   (unsigned long long)in->rl_missed, (long long)in->rl_burst,
                   (long long)in->rl_interval);
        in->rl_missed = 0;
    }
    int pass = sl_ratelimit_pass(&in->rl, in->rl_interval, in->rl_burst, now);
    if (!pass && in->rl_missed++ == 0) {
        in->h->log(SL_LOG_INFO, in->who, "omfwd from <%s:[%s]:%s>: begin to drop messages "
                   "due to rate-limiting", in->protocol == OMFWD_UDP ? "udp" : "tcp",
                   in->target, in->portstr);
    }
    pthread_mutex_unlock(&in->rl_lock);
    if (!pass && in->c_ratelimit != NULL) {
        atomic_fetch_add(in->c_ratelimit, 1);
    }
    return pass;
}

/* SIGHUP: reload the TLS certificates and keys.  New connections use them; a worker's
 * open session is closed at its next batch and re-established with them.  If the files
 * are now bad, the error is logged and the current credentials stay in use. */
static void omfwd_hup(void *inst)
{
    struct omfwd_inst *in = inst;
    if (in->tls == NULL) {
        return;
    }
    struct sl_tls_cred *nc = NULL;
    char err[512];
    if (sl_tls_cred_new(&in->tls_opts, &nc, err, sizeof err) != 0) {
        in->h->log(SL_LOG_ERR, in->who, "omfwd: TLS reload at HUP failed, keeping the "
                   "current certificates: %s", err);
        return;
    }
    pthread_mutex_lock(&in->tls_lock);
    struct sl_tls_cred *old = in->tls;
    in->tls = nc;
    atomic_fetch_add(&in->tls_gen, 1);
    pthread_mutex_unlock(&in->tls_lock);
    sl_tls_cred_free(old);
    in->h->log(SL_LOG_INFO, in->who, "omfwd: TLS certificates reloaded");
}

static int omfwd_worker_create(void *inst, void *wrk)
{
    struct omfwd_inst *in = inst;
    struct omfwd_wrk *w = wrk;
    w->in = in;
    w->fd = -1;
    w->mm = calloc(OMFWD_UDP_CHUNK, sizeof *w->mm);
    w->iov = calloc(OMFWD_UDP_CHUNK, sizeof *w->iov);
    if (w->mm == NULL || w->iov == NULL) {
        free(w->mm);
        free(w->iov);
        w->mm = NULL;
        w->iov = NULL;
        return SL_ENOMEM;
    }
    pthread_mutex_init(&w->lock, NULL);
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&w->cv, &ca);
    pthread_condattr_destroy(&ca);
    w->lock_ok = 1;
    /* plain TCP with a core that confirms later: the confirmation thread */
    if (in->protocol == OMFWD_TCP && in->tls == NULL && omfwd_host_acks(in->h)
        && in->compression_mode != OMFWD_COMP_STREAM) {
        w->poll_ok = pthread_create(&w->poll_thr, NULL, omfwd_ackpoll, w) == 0;
    }
    return 0;
}

static void omfwd_worker_destroy(void *inst, void *wrk)
{
    struct omfwd_inst *in = inst;
    struct omfwd_wrk *w = wrk;
    if (w->poll_ok) {
        pthread_mutex_lock(&w->lock);
        w->poll_stop = 1;
        pthread_cond_signal(&w->cv);
        pthread_mutex_unlock(&w->lock);
        pthread_join(w->poll_thr, NULL);
        w->poll_ok = 0;
    }
    if (w->lock_ok) {
        omfwd_pend_fail(in, w);   /* not confirmed: the core keeps them (after flush()) */
    }
    omfwd_close(w);
    in->h->buf_free(&w->out);
    in->h->buf_free(&w->tmp);
    omfwd_held_free(w);
    if (w->lock_ok) {
        pthread_cond_destroy(&w->cv);
        pthread_mutex_destroy(&w->lock);
    }
    free(w->ends);
    free(w->mm);
    free(w->iov);
    memset(w, 0, sizeof *w);
    w->fd = -1;
}

/* Render and frame the whole batch into w->out; w->ends[i] = end of record i.  *kept: the
 * records built (all but those ratelimit.interval/burst drops). */
static int omfwd_build(struct omfwd_inst *in, struct omfwd_wrk *w, const struct sl_batch *b,
                       size_t *kept)
{
    const struct sl_host *h = in->h;
    size_t maxlen = h->max_message_size();
    if (w->ends_cap < b->n) {
        size_t *e = realloc(w->ends, b->n * sizeof *e);
        if (e == NULL) {
            return SL_ENOMEM;
        }
        w->ends = e;
        w->ends_cap = b->n;
    }
    w->out.len = 0;
    size_t n = 0;
    for (size_t i = 0; i < b->n; i++) {
        if (in->rl_on && !omfwd_rl_pass(in)) {
            continue;
        }
        w->tmp.len = 0;
        if (h->render(in->tpl_eff, b->msgs[i], &w->tmp) != 0) {
            return SL_ENOMEM;
        }
        size_t len = w->tmp.len;
        const char *nul = len > 0 ? memchr(w->tmp.p, '\0', len) : NULL;
        if (nul != NULL) {
            len = (size_t)(nul - w->tmp.p);
        }
        if (len > maxlen) {
            len = maxlen;
        }
        if (in->protocol == OMFWD_UDP && len > 65507) {
            /* rsyslog 8.2302 truncates (a datagram cannot carry more) rather than fail */
            h->log(SL_LOG_ERR, in->who, "omfwd/udp: message is %zu bytes long, but UDP can "
                   "send at most 65507 bytes (by RFC limit) - truncating message", len);
            len = 65507;
        }
        /* compression.mode single: 'z' + zlib when that is shorter, always octet-counted
         * over TCP (rsyslog's tcpclt) */
        const char *src = w->tmp.p;
        int zipped = in->compression_mode == OMFWD_COMP_SINGLE
                     && omfwd_zip_single(w, (int)in->zip_level, w->tmp.p, len, &src, &len);
        /* an empty record is still sent, as rsyslog does: an empty datagram, a lone
         * delimiter, or "0 " */
        char hdr[24];
        int hl = 0;
        int add_delim = 0;
        if (in->protocol == OMFWD_TCP) {
            if (in->framing == OMFWD_FRAMING_OCTET || zipped) {
                hl = snprintf(hdr, sizeof hdr, "%zu ", len);
            } else if (len == 0
                       || (unsigned char)src[len - 1] != (unsigned char)in->frame_delim) {
                add_delim = 1;
            }
        }
        if (h->buf_reserve(&w->out, (size_t)hl + len + 1) != 0) {
            return SL_ENOMEM;
        }
        memcpy(w->out.p + w->out.len, hdr, (size_t)hl);
        w->out.len += (size_t)hl;
        memcpy(w->out.p + w->out.len, src, len);
        w->out.len += len;
        if (add_delim) {
            w->out.p[w->out.len++] = (char)in->frame_delim;
        }
        w->ends[n++] = w->out.len;
    }
    *kept = n;
    return 0;
}

/* A (re)connection: connect, then send what the old connection did not get acknowledged.
 * 0, or SL_SUSPEND after logging. */
static int omfwd_reconnect(struct omfwd_inst *in, struct omfwd_wrk *w)
{
    if (omfwd_tcp_connect(in, w) != 0) {
        return SL_SUSPEND;
    }
    if (!w->resend) {
        omfwd_held_clear(w);
    }
    int rrc = omfwd_replays(in, w) ? omfwd_held_resend(in, w) : 0;
    if (rrc != 0) {
        omfwd_log_down(in, w, "sending to", -rrc);
        w->resend = 1;
        omfwd_close(w);
        return SL_SUSPEND;
    }
    return 0;
}

/* The connection is gone: what the peer did not acknowledge is sent again (the core's
 * pending batches by the core, the rest from the held records). */
static void omfwd_lost(struct omfwd_inst *in, struct omfwd_wrk *w, int reset)
{
    w->resend = omfwd_replays(in, w);
    w->reset = omfwd_replays(in, w) && reset;
    omfwd_close(w);
    if (w->lock_ok) {
        omfwd_pend_fail(in, w);
    }
}

static int omfwd_deliver(void *inst, void *wrk, const struct sl_batch *b, struct sl_verdict *v)
{
    struct omfwd_inst *in = inst;
    struct omfwd_wrk *w = wrk;
    (void)v;

    if (b->n == 0) {
        return SL_OK;
    }
    size_t n = 0;
    if (omfwd_build(in, w, b, &n) != 0) {
        return SL_RETRY;
    }
    if (n == 0) {
        return SL_OK;   /* every record dropped by ratelimit.interval/burst */
    }

    if (in->protocol == OMFWD_UDP) {
        omfwd_udp_send(in, w, n);
        return SL_OK;
    }
    /* deferred acknowledgement: plain TCP, the core offers it, the worker has its thread */
    int core = b->ack != NULL && omfwd_replays(in, w) && w->poll_ok;
    if (w->tls != NULL && w->tls_gen != atomic_load(&in->tls_gen)) {
        omfwd_close(w);   /* credentials reloaded at HUP: reconnect with them */
    }
    if (w->fd >= 0) {
        omfwd_held_ack(w);
        if (w->lock_ok) {
            omfwd_confirm(in, w);
        }
    }
    int dead = w->fd < 0 ? 0 : w->tls != NULL ? sl_tls_peer_gone(w->tls) : omfwd_tcp_dead(w->fd);
    if (dead) {
        size_t failed = 0;
        if (w->lock_ok) {
            pthread_mutex_lock(&w->lock);
            failed = w->npend;
            pthread_mutex_unlock(&w->lock);
        }
        omfwd_lost(in, w, dead == 2);
        if (core && failed > 0) {
            /* the earlier batches go again first: this one after them (order) */
            return SL_RETRY;
        }
    }
    if (w->fd < 0) {
        int rc = omfwd_reconnect(in, w);
        if (rc != 0) {
            return rc;
        }
    }
    int rc = omfwd_tcp_send(in, w, n);
    if (rc != 0) {
        omfwd_log_down(in, w, "sending to", -rc);
        omfwd_lost(in, w, rc == -ECONNRESET);
        return SL_SUSPEND;
    }
    if (w->lock_ok) {
        pthread_mutex_lock(&w->lock);
        w->conn_sent += w->out.len;
        pthread_mutex_unlock(&w->lock);
    }
    if (omfwd_replays(in, w) && omfwd_held_add(in, w, n, core) == 0) {
        omfwd_held_ack(w);
    }
    int verdict = SL_OK;
    if (core) {
        if (omfwd_pend_add(w, b->ack) != 0) {
            return SL_RETRY;    /* nothing recorded: the core sends it again (duplicate) */
        }
        verdict = SL_PENDING;
        omfwd_confirm(in, w);
    }
    if (in->rebind_interval > 0 && w->since_bind >= (uint64_t)in->rebind_interval) {
        if (w->lock_ok) {
            omfwd_pend_fail(in, w); /* cannot be confirmed on a closed socket: again */
        }
        omfwd_held_clear(w);   /* a clean close: the kernel delivers what it queued */
        omfwd_close(w);        /* reconnect on the next batch */
    }
    return verdict;
}

/* ABI 1.4 lifecycle ------------------------------------------------------------------ */
static int omfwd_connect(void *inst, void *wrk)
{
    struct omfwd_inst *in = inst;
    struct omfwd_wrk *w = wrk;
    if (in->protocol == OMFWD_UDP || w->fd >= 0) {
        return 0;               /* UDP opens its socket at the first batch */
    }
    return omfwd_reconnect(in, w) == 0 ? 0 : SL_EAGAIN;
}

static void omfwd_disconnect(void *inst, void *wrk)
{
    struct omfwd_inst *in = inst;
    struct omfwd_wrk *w = wrk;
    if (in->protocol == OMFWD_TCP && w->fd >= 0) {
        omfwd_lost(in, w, 0);
    }
}

/* Shutdown: wait until the peer's TCP acknowledged every pending batch, or the deadline. */
static int omfwd_flush(void *inst, void *wrk, int64_t deadline_ms)
{
    struct omfwd_inst *in = inst;
    struct omfwd_wrk *w = wrk;
    if (!w->lock_ok) {
        return 0;
    }
    for (;;) {
        omfwd_confirm(in, w);
        pthread_mutex_lock(&w->lock);
        size_t left = w->npend;
        pthread_mutex_unlock(&w->lock);
        int64_t now = omfwd_now_ms();
        if (left == 0) {
            return 0;
        }
        if (now >= deadline_ms) {
            return SL_EAGAIN;
        }
        struct timespec d = { 0, OMFWD_ACKPOLL_MS * 1000000L };
        nanosleep(&d, NULL);
    }
}

static const struct sl_output_ops omfwd_ops = {
    .create = omfwd_create,
    .destroy = omfwd_destroy,
    .worker_create = omfwd_worker_create,
    .worker_destroy = omfwd_worker_destroy,
    .deliver = omfwd_deliver,
    .hup = omfwd_hup,
    .connect = omfwd_connect,
    .disconnect = omfwd_disconnect,
    .flush = omfwd_flush,
};

SL_PLUGIN_DEFINE(omfwd) = {
    SL_PLUGIN_HEADER(omfwd),
    .kinds = SL_OUTPUT,
    .flags = SL_PF_REPEAT_REDUCTION,
    .module_params = omfwd_mod_params,
    .inst_params = omfwd_inst_params,
    .mod_size = sizeof(struct omfwd_mod),
    .inst_size = sizeof(struct omfwd_inst),
    .wrk_size = sizeof(struct omfwd_wrk),
    .mod_init = NULL,
    .mod_fini = NULL,
    .in = NULL,
    .out = &omfwd_ops,
    .default_template = "RSYSLOG_TraditionalForwardFormat",
};
