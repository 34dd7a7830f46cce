/*
 * sl_tls.h - the "gtls" stream driver shared by imtcp/imtls (server side, non-blocking,
 * driven from an epoll loop) and omfwd (client side, blocking with timeouts): GnuTLS
 * credentials loaded once per instance, one session per connection, and rsyslog's peer
 * authentication modes (anon, x509/certvalid, x509/name, x509/fingerprint) with
 * PermittedPeer names ('*' wildcards) or "SHA1:.."/"SHA256:.." fingerprints.
 *
 * Policy: TLS 1.2 minimum, 1.3 preferred, unless gnutlsPriorityString overrides it (used
 * verbatim, as rsyslog does).  A server in a x509 mode requires a client certificate.
 *
 * Ownership and lifetime
 *   - struct sl_tls_cred is created by sl_tls_cred_new() (at the owner's create() or
 *     hup()) and owns copies of everything it needs from the options.  It is reference
 *     counted: every session made from it holds a reference, sl_tls_cred_free() drops the
 *     owner's; the last one frees it.
 *   - struct sl_tls_conn wraps one gnutls session on a descriptor it does NOT own: the
 *     caller closes the socket after sl_tls_conn_free().
 *
 * Concurrency & locking: a credential set is read-only after creation and may be shared by
 * sessions on several threads (GnuTLS allows that); its reference count is atomic.  One
 * session is used by one thread at a time.
 *
 * Loading: the driver (sl_tls.c) is built into its own module, lmnsd_gtls.so in the
 * plugin directory (rsyslog's name for its GnuTLS driver), and the plugins and sluiced
 * reach it through the loader (sl_tls_dl.c), which defines the functions below and opens
 * the module at the first call that needs GnuTLS.  A daemon without TLS in its config
 * never maps GnuTLS and its eight libraries (2.7 MiB of resident pages at start, measured
 * with VmHWM).  The unit tests link sl_tls.c directly.  The names, the auth mode parser and
 * the PermitExpiredCerts values need no GnuTLS (sl_tls_auth.c, linked everywhere).
 */
#ifndef SLUICE_SL_TLS_H
#define SLUICE_SL_TLS_H

#include <stddef.h>
#include <sys/types.h>

enum sl_tls_auth {
    SL_TLS_AUTH_ANON = 0,
    SL_TLS_AUTH_CERTVALID,
    SL_TLS_AUTH_NAME,
    SL_TLS_AUTH_FINGERPRINT
};

struct sl_tls_opts {
    int server;                 /* 1: accept side (imtcp), 0: connect side (omfwd) */
    enum sl_tls_auth auth;
    const char *ca_file;        /* NULL/"": none */
    const char *cert_file;
    const char *key_file;
    const char *priority;       /* NULL/"": TLS 1.2+ default */
    char *const *peers;         /* permitted peers: names or SHA1:/SHA256: fingerprints */
    size_t npeers;
    int check_eku;              /* require the matching extended key purpose */
    int verify_depth;           /* 0: GnuTLS default */
    int permit_expired;         /* PermitExpiredCerts: 0 off, 1 on, 2 warn */
};

/* PermitExpiredCerts values, in this order (index = permit_expired). */
extern const char *const sl_tls_permit_expired_enum[];

struct sl_tls_cred;
struct sl_tls_conn;

/* "anon", "x509/certvalid", "x509/name", "x509/fingerprint" (case-insensitive); NULL or ""
 * is anon.  0 or SL_EINVAL. */
int sl_tls_auth_parse(const char *s, enum sl_tls_auth *out);
const char *sl_tls_auth_name(enum sl_tls_auth a);

/* Load CA, certificate and key; check that the files are readable, that the key matches
 * the certificate and that the certificate is within its validity period.  On failure
 * returns SL_ECONFIG with a message naming the file in err. */
int sl_tls_cred_new(const struct sl_tls_opts *o, struct sl_tls_cred **out, char *err,
                    size_t errlen);
/* Drop the caller's reference (NULL is ignored). */
void sl_tls_cred_free(struct sl_tls_cred *c);

/* A session on fd.  server_name (client side): SNI and, in x509/name mode without
 * permitted peers, the name the server certificate must carry.  0 or SL_ENOMEM/SL_EIO. */
int sl_tls_conn_new(struct sl_tls_cred *c, int fd, const char *server_name,
                    struct sl_tls_conn **out);
void sl_tls_conn_free(struct sl_tls_conn *t);

/* One step of the handshake: 0 when complete, SL_EAGAIN when the socket must become
 * readable (or writable if sl_tls_want_write()), SL_EIO on failure (sl_tls_error()). */
int sl_tls_handshake(struct sl_tls_conn *t);
int sl_tls_want_write(const struct sl_tls_conn *t);
/* Blocking handshake bounded by timeout_ms, on a descriptor in any mode. */
int sl_tls_handshake_timed(struct sl_tls_conn *t, int timeout_ms);

/* Client side, TLS 1.3 with a client certificate: the server judges our certificate after
 * the handshake has completed for us.  Wait up to wait_ms (non-blocking descriptor) for its
 * verdict: a session ticket means accepted, an alert or a close means refused (SL_EIO,
 * sl_tls_error() says why).  0 at once in every other case. */
int sl_tls_client_settle(struct sl_tls_conn *t, int wait_ms);

/* After the handshake: apply the authentication policy.  0 if the peer is accepted,
 * SL_EIO if refused; reason and the peer's SHA-256 fingerprint ("" if no certificate) are
 * written for the log.  0 with a non-empty reason: accepted with a warning to log (an
 * expired certificate under PermitExpiredCerts="warn"). */
int sl_tls_verify_peer(struct sl_tls_conn *t, char *reason, size_t rlen, char *fpr,
                       size_t flen);

/* >0 bytes, 0 orderly end (close_notify or EOF), SL_EAGAIN, SL_EIO. */
ssize_t sl_tls_recv(struct sl_tls_conn *t, char *buf, size_t n);
/* Bytes already decrypted and buffered inside GnuTLS (epoll will not report them). */
size_t sl_tls_pending(struct sl_tls_conn *t);
/* Write all of buf; the socket's own timeouts bound it.  0 or SL_EIO/SL_EAGAIN. */
int sl_tls_send_all(struct sl_tls_conn *t, const char *buf, size_t n);
/* Client side: has the peer closed or broken the connection?  Never blocks. */
int sl_tls_peer_gone(struct sl_tls_conn *t);
/* Send close_notify without waiting for the answer (best effort, non-blocking). */
void sl_tls_bye(struct sl_tls_conn *t);

/* Last error text; "TLS1.3/..." description of the negotiated session. */
const char *sl_tls_error(const struct sl_tls_conn *t);
const char *sl_tls_describe(struct sl_tls_conn *t, char *buf, size_t len);

/* "SHA1:AB:CD..." / "SHA256:..." of a PEM certificate file (for tests and logs). */
int sl_tls_file_fingerprint(const char *pem_file, int sha256, char *out, size_t len);

/* What lmnsd_gtls.so exports: one table, version-checked by the loader. */
#define SL_TLS_MODULE_NAME "lmnsd_gtls"
#define SL_TLS_MODULE_SYMBOL "sl_tls_module_ops"
#define SL_TLS_MODULE_VERSION 1
struct sl_tls_module_ops {
    unsigned version;
    int (*cred_new)(const struct sl_tls_opts *, struct sl_tls_cred **, char *, size_t);
    void (*cred_free)(struct sl_tls_cred *);
    int (*conn_new)(struct sl_tls_cred *, int, const char *, struct sl_tls_conn **);
    void (*conn_free)(struct sl_tls_conn *);
    int (*handshake)(struct sl_tls_conn *);
    int (*want_write)(const struct sl_tls_conn *);
    int (*handshake_timed)(struct sl_tls_conn *, int);
    int (*client_settle)(struct sl_tls_conn *, int);
    int (*verify_peer)(struct sl_tls_conn *, char *, size_t, char *, size_t);
    ssize_t (*recv)(struct sl_tls_conn *, char *, size_t);
    size_t (*pending)(struct sl_tls_conn *);
    int (*send_all)(struct sl_tls_conn *, const char *, size_t);
    int (*peer_gone)(struct sl_tls_conn *);
    void (*bye)(struct sl_tls_conn *);
    const char *(*error)(const struct sl_tls_conn *);
    const char *(*describe)(struct sl_tls_conn *, char *, size_t);
    int (*file_fingerprint)(const char *, int, char *, size_t);
};

#endif
