/*
 * sl_tls.c - the GnuTLS stream driver, see sl_tls.h.
 *
 * Ownership: a credential set owns its gnutls credentials, its priority cache and copies
 * of the permitted-peer strings; a session owns its gnutls session only (not the fd).
 *
 * Concurrency & locking: no locks here.  Credentials are immutable after
 * sl_tls_cred_new() and GnuTLS lets sessions on different threads share them; their
 * reference count is atomic (a session holds a reference, so an owner may drop and replace
 * its credentials at HUP while sessions still use the old ones).  Each session is used by
 * one thread at a time (the imtcp loop or one omfwd worker).
 */
#include "config.h"

#include <errno.h>
#include <stdatomic.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <ctype.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>

#include <gnutls/gnutls.h>
#include <gnutls/x509.h>

#include "sluice/sl_plugin.h"
#include "sl_tls.h"

#define SL_TLS_DEFAULT_PRIORITY "NORMAL:-VERS-ALL:+VERS-TLS1.3:+VERS-TLS1.2"
#define SL_TLS_ANON_PRIORITY SL_TLS_DEFAULT_PRIORITY ":+ANON-ECDH:+ANON-DH"
#define SL_TLS_MAX_STEPS 1000       /* bound on non-fatal retries inside one call */

struct sl_tls_cred {
    atomic_int refs;            /* owner + every session made from it */
    int server;
    enum sl_tls_auth auth;
    gnutls_certificate_credentials_t x509;
    gnutls_anon_server_credentials_t anon_srv;   /* server, anon mode without a cert */
    gnutls_priority_t prio;
    int have_cert;
    int check_eku;
    int permit_expired;
    char **peers;
    size_t npeers;
};

struct sl_tls_conn {
    struct sl_tls_cred *cred;
    gnutls_session_t s;
    int fd;
    char *server_name;
    char err[256];
};

static int g_init_done;

/* GnuTLS >= 3.3 initialises itself in a library constructor; gnutls_global_init() is
 * still reference counted and harmless. */
static void tls_global_init(void)
{
    if (!g_init_done) {
        g_init_done = 1;
        (void)gnutls_global_init();
    }
}

static int set_ok(const char *s)
{
    return s != NULL && s[0] != '\0';
}

/* Readable regular file?  0 or SL_ECONFIG with a message. */
static int check_file(const char *what, const char *path, char *err, size_t errlen)
{
    FILE *fp = fopen(path, "r");
    if (fp == NULL) {
        snprintf(err, errlen, "cannot read %s '%s': %s", what, path, strerror(errno));
        return SL_ECONFIG;
    }
    fclose(fp);
    return 0;
}

/* Validity period of the first certificate in a PEM file.  0 or SL_ECONFIG. */
static int check_validity(const char *path, char *err, size_t errlen)
{
    gnutls_datum_t d = { NULL, 0 };
    gnutls_x509_crt_t crt = NULL;
    int rc = gnutls_load_file(path, &d);
    if (rc < 0) {
        snprintf(err, errlen, "cannot load certificate '%s': %s", path, gnutls_strerror(rc));
        return SL_ECONFIG;
    }
    int ret = 0;
    if (gnutls_x509_crt_init(&crt) < 0
        || (rc = gnutls_x509_crt_import(crt, &d, GNUTLS_X509_FMT_PEM)) < 0) {
        snprintf(err, errlen, "cannot parse certificate '%s': %s", path,
                 gnutls_strerror(rc < 0 ? rc : GNUTLS_E_MEMORY_ERROR));
        ret = SL_ECONFIG;
    } else {
        time_t now = time(NULL);
        time_t nb = gnutls_x509_crt_get_activation_time(crt);
        time_t na = gnutls_x509_crt_get_expiration_time(crt);
        char tb[32];
        if (na != (time_t)-1 && na < now) {
            struct tm tm;
            gmtime_r(&na, &tm);
            strftime(tb, sizeof tb, "%Y-%m-%d %H:%M:%S UTC", &tm);
            snprintf(err, errlen, "certificate '%s' expired on %s", path, tb);
            ret = SL_ECONFIG;
        } else if (nb != (time_t)-1 && nb > now) {
            struct tm tm;
            gmtime_r(&nb, &tm);
            strftime(tb, sizeof tb, "%Y-%m-%d %H:%M:%S UTC", &tm);
            snprintf(err, errlen, "certificate '%s' is not valid before %s", path, tb);
            ret = SL_ECONFIG;
        }
    }
    if (crt != NULL) {
        gnutls_x509_crt_deinit(crt);
    }
    gnutls_free(d.data);
    return ret;
}

int sl_tls_cred_new(const struct sl_tls_opts *o, struct sl_tls_cred **out, char *err,
                    size_t errlen)
{
    tls_global_init();
    *out = NULL;
    err[0] = '\0';
    struct sl_tls_cred *c = calloc(1, sizeof *c);
    if (c == NULL) {
        snprintf(err, errlen, "out of memory");
        return SL_ENOMEM;
    }
    atomic_init(&c->refs, 1);
    c->server = o->server;
    c->auth = o->auth;
    c->check_eku = o->check_eku;
    c->permit_expired = o->permit_expired;
    int rc = gnutls_certificate_allocate_credentials(&c->x509);
    if (rc < 0) {
        snprintf(err, errlen, "cannot allocate credentials: %s", gnutls_strerror(rc));
        goto fail;
    }
    if (set_ok(o->ca_file)) {
        if (check_file("CA file", o->ca_file, err, errlen) != 0) {
            goto fail;
        }
        rc = gnutls_certificate_set_x509_trust_file(c->x509, o->ca_file, GNUTLS_X509_FMT_PEM);
        if (rc <= 0) {
            snprintf(err, errlen, "CA file '%s' holds no usable certificate%s%s", o->ca_file,
                     rc < 0 ? ": " : "", rc < 0 ? gnutls_strerror(rc) : "");
            goto fail;
        }
    } else if (o->auth == SL_TLS_AUTH_CERTVALID || o->auth == SL_TLS_AUTH_NAME) {
        snprintf(err, errlen, "authentication mode %s needs a CA file "
                 "(streamDriver.CAFile or global DefaultNetstreamDriverCAFile)",
                 sl_tls_auth_name(o->auth));
        goto fail;
    }
    if (set_ok(o->cert_file) != set_ok(o->key_file)) {
        snprintf(err, errlen, "a certificate file needs a key file and vice versa "
                 "(certificate '%s', key '%s')", set_ok(o->cert_file) ? o->cert_file : "",
                 set_ok(o->key_file) ? o->key_file : "");
        goto fail;
    }
    if (set_ok(o->cert_file)) {
        if (check_file("certificate file", o->cert_file, err, errlen) != 0
            || check_file("key file", o->key_file, err, errlen) != 0
            || check_validity(o->cert_file, err, errlen) != 0) {
            goto fail;
        }
        rc = gnutls_certificate_set_x509_key_file2(c->x509, o->cert_file, o->key_file,
                                                   GNUTLS_X509_FMT_PEM, NULL, 0);
        if (rc == GNUTLS_E_CERTIFICATE_KEY_MISMATCH) {
            snprintf(err, errlen, "key file '%s' does not match certificate '%s'",
                     o->key_file, o->cert_file);
            goto fail;
        }
        if (rc < 0) {
            snprintf(err, errlen, "cannot load certificate '%s' / key '%s': %s",
                     o->cert_file, o->key_file, gnutls_strerror(rc));
            goto fail;
        }
        c->have_cert = 1;
    } else if (o->server && o->auth != SL_TLS_AUTH_ANON) {
        snprintf(err, errlen, "TLS listener in mode %s needs a certificate and key "
                 "(streamDriver.CertFile/KeyFile or global DefaultNetstreamDriverCertFile/"
                 "KeyFile)", sl_tls_auth_name(o->auth));
        goto fail;
    }
    if (o->verify_depth > 0) {
        gnutls_certificate_set_verify_limits(c->x509, 16384, (unsigned)o->verify_depth);
    }
    const char *prio = set_ok(o->priority) ? o->priority : SL_TLS_DEFAULT_PRIORITY;
    if (o->server && !c->have_cert) {
        rc = gnutls_anon_allocate_server_credentials(&c->anon_srv);
        if (rc < 0) {
            snprintf(err, errlen, "cannot allocate anon credentials: %s", gnutls_strerror(rc));
            goto fail;
        }
        if (!set_ok(o->priority)) {
            prio = SL_TLS_ANON_PRIORITY;
        }
    }
    const char *errpos = NULL;
    rc = gnutls_priority_init(&c->prio, prio, &errpos);
    if (rc < 0) {
        snprintf(err, errlen, "invalid gnutlsPriorityString '%s' near '%s': %s", prio,
                 errpos ? errpos : "", gnutls_strerror(rc));
        goto fail;
    }
    if (o->npeers > 0) {
        c->peers = calloc(o->npeers, sizeof *c->peers);
        if (c->peers == NULL) {
            snprintf(err, errlen, "out of memory");
            goto fail;
        }
        for (size_t i = 0; i < o->npeers; i++) {
            c->peers[i] = strdup(o->peers[i] != NULL ? o->peers[i] : "");
            if (c->peers[i] == NULL) {
                snprintf(err, errlen, "out of memory");
                goto fail;
            }
            c->npeers = i + 1;
        }
    }
    *out = c;
    return 0;

fail:
    sl_tls_cred_free(c);
    return SL_ECONFIG;
}

void sl_tls_cred_free(struct sl_tls_cred *c)
{
    if (c == NULL || atomic_fetch_sub(&c->refs, 1) > 1) {
        return;
    }
    if (c->x509 != NULL) {
        gnutls_certificate_free_credentials(c->x509);
    }
    if (c->anon_srv != NULL) {
        gnutls_anon_free_server_credentials(c->anon_srv);
    }
    if (c->prio != NULL) {
        gnutls_priority_deinit(c->prio);
    }
    for (size_t i = 0; i < c->npeers; i++) {
        free(c->peers[i]);
    }
    free(c->peers);
    free(c);
}

/* ---- sessions --------------------------------------------------------------------- */

static int is_ip_literal(const char *s)
{
    unsigned char b[16];
    return inet_pton(AF_INET, s, b) == 1 || inet_pton(AF_INET6, s, b) == 1;
}

int sl_tls_conn_new(struct sl_tls_cred *c, int fd, const char *server_name,
                    struct sl_tls_conn **out)
{
    *out = NULL;
    struct sl_tls_conn *t = calloc(1, sizeof *t);
    if (t == NULL) {
        return SL_ENOMEM;
    }
    atomic_fetch_add(&c->refs, 1);
    t->cred = c;
    t->fd = fd;
    unsigned flags = (c->server ? GNUTLS_SERVER : GNUTLS_CLIENT) | GNUTLS_NONBLOCK;
    int rc = gnutls_init(&t->s, flags);
    if (rc < 0) {
        sl_tls_cred_free(c);
        free(t);
        return SL_ENOMEM;
    }
    rc = gnutls_priority_set(t->s, c->prio);
    if (rc >= 0) {
        rc = gnutls_credentials_set(t->s, GNUTLS_CRD_CERTIFICATE, c->x509);
    }
    if (rc >= 0 && c->anon_srv != NULL) {
        rc = gnutls_credentials_set(t->s, GNUTLS_CRD_ANON, c->anon_srv);
    }
    if (rc < 0) {
        gnutls_deinit(t->s);
        sl_tls_cred_free(c);
        free(t);
        return SL_EIO;
    }
    if (c->server) {
        gnutls_certificate_server_set_request(t->s, c->auth == SL_TLS_AUTH_ANON
                                                        ? GNUTLS_CERT_IGNORE
                                                        : GNUTLS_CERT_REQUIRE);
    } else if (server_name != NULL && server_name[0] != '\0') {
        t->server_name = strdup(server_name);
        if (!is_ip_literal(server_name)) {
            (void)gnutls_server_name_set(t->s, GNUTLS_NAME_DNS, server_name,
                                         strlen(server_name));
        }
    }
    gnutls_transport_set_int(t->s, fd);
    *out = t;
    return 0;
}

void sl_tls_conn_free(struct sl_tls_conn *t)
{
    if (t == NULL) {
        return;
    }
    gnutls_deinit(t->s);
    sl_tls_cred_free(t->cred);
    free(t->server_name);
    free(t);
}

const char *sl_tls_error(const struct sl_tls_conn *t)
{
    return t->err;
}

int sl_tls_handshake(struct sl_tls_conn *t)
{
    for (int i = 0; i < SL_TLS_MAX_STEPS; i++) {
        int rc = gnutls_handshake(t->s);
        if (rc == GNUTLS_E_SUCCESS) {
            return 0;
        }
        if (rc == GNUTLS_E_AGAIN) {
            return SL_EAGAIN;
        }
        if (rc == GNUTLS_E_INTERRUPTED || !gnutls_error_is_fatal(rc)) {
            continue;
        }
        if (rc == GNUTLS_E_FATAL_ALERT_RECEIVED || rc == GNUTLS_E_WARNING_ALERT_RECEIVED) {
            snprintf(t->err, sizeof t->err, "%s (alert: %s)", gnutls_strerror(rc),
                     gnutls_alert_get_name(gnutls_alert_get(t->s)));
        } else {
            snprintf(t->err, sizeof t->err, "%s", gnutls_strerror(rc));
        }
        return SL_EIO;
    }
    snprintf(t->err, sizeof t->err, "handshake makes no progress");
    return SL_EIO;
}

int sl_tls_want_write(const struct sl_tls_conn *t)
{
    return gnutls_record_get_direction(t->s) == 1;
}

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int sl_tls_handshake_timed(struct sl_tls_conn *t, int timeout_ms)
{
    int64_t end = now_ms() + timeout_ms;
    for (int i = 0; i < SL_TLS_MAX_STEPS; i++) {
        int rc = sl_tls_handshake(t);
        if (rc != SL_EAGAIN) {
            return rc;
        }
        int64_t left = end - now_ms();
        if (left <= 0) {
            break;
        }
        struct pollfd p = { .fd = t->fd, .events = sl_tls_want_write(t) ? POLLOUT : POLLIN };
        int pr = poll(&p, 1, (int)left);
        if (pr < 0 && errno != EINTR) {
            snprintf(t->err, sizeof t->err, "poll: %s", strerror(errno));
            return SL_EIO;
        }
    }
    snprintf(t->err, sizeof t->err, "TLS handshake timed out after %d ms", timeout_ms);
    return SL_EIO;
}

int sl_tls_client_settle(struct sl_tls_conn *t, int wait_ms)
{
    if (t->cred->server || gnutls_protocol_get_version(t->s) != GNUTLS_TLS1_3
        || !gnutls_certificate_client_get_request_status(t->s)) {
        return 0;
    }
    int64_t end = now_ms() + wait_ms;
    char sink[256];
    for (int i = 0; i < 16; i++) {
        int64_t left = end - now_ms();
        if (left <= 0) {
            return 0;
        }
        struct pollfd p = { .fd = t->fd, .events = POLLIN };
        int pr = poll(&p, 1, (int)left);
        if (pr <= 0) {
            return 0;   /* nothing (yet): the server has not objected */
        }
        ssize_t r = sl_tls_recv(t, sink, sizeof sink);
        if (r == SL_EAGAIN || r > 0) {
            return 0;   /* a session ticket (sent after the server accepted us) or data */
        }
        if (r == 0) {
            snprintf(t->err, sizeof t->err, "the server closed the connection after the "
                     "handshake (our certificate was not accepted?)");
        } else {
            char e[160];
            memcpy(e, t->err, sizeof e - 1);
            e[sizeof e - 1] = '\0';
            snprintf(t->err, sizeof t->err, "the server rejected our certificate: %s (alert: "
                     "%s)", e, gnutls_alert_get_name(gnutls_alert_get(t->s)));
        }
        return SL_EIO;
    }
    return 0;
}

/* ---- peer authentication ---------------------------------------------------------- */

static void hexfp(const unsigned char *d, size_t n, const char *prefix, char *out, size_t len)
{
    size_t o = (size_t)snprintf(out, len, "%s", prefix);
    for (size_t i = 0; i < n && o + 4 <= len; i++) {
        o += (size_t)snprintf(out + o, len - o, "%s%02X", i == 0 ? "" : ":", d[i]);
    }
}

static void fingerprint(const gnutls_datum_t *der, int sha256, char *out, size_t len)
{
    unsigned char d[64];
    size_t dl = sizeof d;
    out[0] = '\0';
    if (gnutls_fingerprint(sha256 ? GNUTLS_DIG_SHA256 : GNUTLS_DIG_SHA1, der, d, &dl) == 0) {
        hexfp(d, dl, sha256 ? "SHA256:" : "SHA1:", out, len);
    }
}

int sl_tls_file_fingerprint(const char *pem_file, int sha256, char *out, size_t len)
{
    gnutls_datum_t d = { NULL, 0 }, der = { NULL, 0 };
    gnutls_x509_crt_t crt = NULL;
    int ok = gnutls_load_file(pem_file, &d) >= 0 && gnutls_x509_crt_init(&crt) >= 0
             && gnutls_x509_crt_import(crt, &d, GNUTLS_X509_FMT_PEM) >= 0
             && gnutls_x509_crt_export2(crt, GNUTLS_X509_FMT_DER, &der) >= 0;
    if (ok) {
        fingerprint(&der, sha256, out, len);
    }
    gnutls_free(der.data);
    if (crt != NULL) {
        gnutls_x509_crt_deinit(crt);
    }
    gnutls_free(d.data);
    return ok ? 0 : SL_EIO;
}

/* Case-insensitive match of a permitted-peer pattern against a name: '*' stands for any
 * run of characters within one DNS label (it never matches a dot). */
static int name_match(const char *pat, const char *name)
{
    size_t guard = 0;
    while (*pat != '\0' && guard++ < 4096) {
        if (*pat == '*') {
            pat++;
            for (const char *n = name;; n++) {
                if (name_match(pat, n)) {
                    return 1;
                }
                if (*n == '\0' || *n == '.') {
                    return 0;
                }
            }
        }
        if (*name == '\0' || tolower((unsigned char)*pat) != tolower((unsigned char)*name)) {
            return 0;
        }
        pat++;
        name++;
    }
    return *name == '\0';
}

/* Is the certificate's identity in the permitted-peer list?  DNS SANs are checked; the CN
 * only when the certificate has no DNS SAN.  names gets "DNSname: a; CN: b;" for logs. */
static int names_permitted(const struct sl_tls_cred *c, gnutls_x509_crt_t crt, char *const *peers,
                           size_t npeers, char *names, size_t nlen)
{
    size_t o = 0;
    int found_dns = 0;
    names[0] = '\0';
    for (unsigned i = 0; i < 64; i++) {
        char buf[256];
        size_t bl = sizeof buf - 1;
        int type = gnutls_x509_crt_get_subject_alt_name(crt, i, buf, &bl, NULL);
        if (type == GNUTLS_E_REQUESTED_DATA_NOT_AVAILABLE) {
            break;
        }
        if (type != GNUTLS_SAN_DNSNAME) {
            continue;
        }
        buf[bl] = '\0';
        found_dns = 1;
        if (o < nlen) {
            o += (size_t)snprintf(names + o, nlen - o, "DNSname: %s; ", buf);
        }
        for (size_t k = 0; k < npeers; k++) {
            if (name_match(peers[k], buf)) {
                return 1;
            }
        }
    }
    char cn[256];
    size_t cl = sizeof cn;
    if (gnutls_x509_crt_get_dn_by_oid(crt, GNUTLS_OID_X520_COMMON_NAME, 0, 0, cn, &cl) == 0) {
        if (o < nlen) {
            snprintf(names + o, nlen - o, "CN: %s; ", cn);
        }
        if (!found_dns) {
            for (size_t k = 0; k < npeers; k++) {
                if (name_match(peers[k], cn)) {
                    return 1;
                }
            }
        }
    }
    (void)c;
    return 0;
}

int sl_tls_verify_peer(struct sl_tls_conn *t, char *reason, size_t rlen, char *fpr,
                       size_t flen)
{
    const struct sl_tls_cred *c = t->cred;
    reason[0] = '\0';
    fpr[0] = '\0';
    unsigned n = 0;
    const gnutls_datum_t *chain = gnutls_certificate_get_peers(t->s, &n);
    if (chain != NULL && n > 0) {
        fingerprint(&chain[0], 1, fpr, flen);
    }
    if (c->auth == SL_TLS_AUTH_ANON) {
        return 0;
    }
    if (chain == NULL || n == 0) {
        snprintf(reason, rlen, "peer presented no certificate (mode %s)",
                 sl_tls_auth_name(c->auth));
        return SL_EIO;
    }
    if (c->auth == SL_TLS_AUTH_FINGERPRINT) {
        char f1[128], f256[160];
        fingerprint(&chain[0], 0, f1, sizeof f1);
        fingerprint(&chain[0], 1, f256, sizeof f256);
        for (size_t k = 0; k < c->npeers; k++) {
            if (strcasecmp(c->peers[k], f1) == 0 || strcasecmp(c->peers[k], f256) == 0) {
                return 0;
            }
        }
        snprintf(reason, rlen, "fingerprint not permitted: %s (%s)", f1, f256);
        return SL_EIO;
    }
    /* x509/certvalid and x509/name: the chain must verify against the CA */
    gnutls_typed_vdata_st vd[2];
    unsigned nvd = 0;
    if (c->check_eku) {
        vd[nvd].type = GNUTLS_DT_KEY_PURPOSE_OID;
        vd[nvd].data = (unsigned char *)(c->server ? GNUTLS_KP_TLS_WWW_CLIENT
                                                   : GNUTLS_KP_TLS_WWW_SERVER);
        vd[nvd].size = 0;
        nvd++;
    }
    unsigned status = 0;
    int rc = gnutls_certificate_verify_peers(t->s, nvd ? vd : NULL, nvd, &status);
    if (rc < 0) {
        snprintf(reason, rlen, "certificate verification failed: %s", gnutls_strerror(rc));
        return SL_EIO;
    }
    int expired_ok = 0;
    if ((status & GNUTLS_CERT_EXPIRED) && c->permit_expired != 0
        && (status & ~(unsigned)(GNUTLS_CERT_EXPIRED | GNUTLS_CERT_INVALID)) == 0) {
        status = 0;
        expired_ok = 1;
    }
    if (status != 0) {
        gnutls_datum_t txt = { NULL, 0 };
        if (gnutls_certificate_verification_status_print(status, GNUTLS_CRT_X509, &txt, 0)
            == 0) {
            snprintf(reason, rlen, "certificate invalid: %s", (const char *)txt.data);
            gnutls_free(txt.data);
        } else {
            snprintf(reason, rlen, "certificate invalid (status 0x%x)", status);
        }
        return SL_EIO;
    }
    if (expired_ok && c->permit_expired == 2) {
        snprintf(reason, rlen, "accepted an expired certificate (PermitExpiredCerts=warn)");
    }
    if (c->auth != SL_TLS_AUTH_NAME) {
        return 0;
    }
    gnutls_x509_crt_t crt = NULL;
    if (gnutls_x509_crt_init(&crt) < 0
        || gnutls_x509_crt_import(crt, &chain[0], GNUTLS_X509_FMT_DER) < 0) {
        if (crt != NULL) {
            gnutls_x509_crt_deinit(crt);
        }
        snprintf(reason, rlen, "cannot parse the peer certificate");
        return SL_EIO;
    }
    int ok;
    char names[512];
    names[0] = '\0';
    if (c->npeers > 0) {
        ok = names_permitted(c, crt, c->peers, c->npeers, names, sizeof names);
    } else if (!c->server && t->server_name != NULL) {
        /* client without permitted peers: the target host must be named */
        ok = gnutls_x509_crt_check_hostname(crt, t->server_name) != 0;
        snprintf(names, sizeof names, "expected host %s; ", t->server_name);
    } else {
        ok = 0;
        snprintf(names, sizeof names, "no PermittedPeer configured; ");
    }
    if (!ok) {
        char *const self[1] = { (char *)"" };
        char all[512];
        (void)names_permitted(c, crt, self, 0, all, sizeof all);
        size_t al = strlen(all);
        while (al > 0 && (all[al - 1] == ' ' || all[al - 1] == ';')) {
            all[--al] = '\0';
        }
        snprintf(reason, rlen, "peer name not authorized: %s%s%s", all,
                 c->npeers > 0 ? "" : "; ", c->npeers > 0 ? "" : names);
    }
    gnutls_x509_crt_deinit(crt);
    return ok ? 0 : SL_EIO;
}

/* ---- data ------------------------------------------------------------------------- */

ssize_t sl_tls_recv(struct sl_tls_conn *t, char *buf, size_t n)
{
    for (int i = 0; i < SL_TLS_MAX_STEPS; i++) {
        ssize_t r = gnutls_record_recv(t->s, buf, n);
        if (r >= 0) {
            return r;
        }
        if (r == GNUTLS_E_AGAIN) {
            return SL_EAGAIN;
        }
        if (r == GNUTLS_E_INTERRUPTED || r == GNUTLS_E_REHANDSHAKE
            || r == GNUTLS_E_WARNING_ALERT_RECEIVED || !gnutls_error_is_fatal((int)r)) {
            continue;
        }
        if (r == GNUTLS_E_PREMATURE_TERMINATION) {
            return 0;   /* EOF without close_notify: treated like a TCP close */
        }
        snprintf(t->err, sizeof t->err, "%s", gnutls_strerror((int)r));
        return SL_EIO;
    }
    return SL_EAGAIN;
}

size_t sl_tls_pending(struct sl_tls_conn *t)
{
    return gnutls_record_check_pending(t->s);
}

int sl_tls_send_all(struct sl_tls_conn *t, const char *buf, size_t n)
{
    size_t off = 0;
    int again = 0;
    while (off < n) {
        ssize_t r = gnutls_record_send(t->s, buf + off, n - off);
        if (r > 0) {
            off += (size_t)r;
            again = 0;
            continue;
        }
        if (r == GNUTLS_E_INTERRUPTED && again++ < 100) {
            continue;
        }
        if (r == GNUTLS_E_AGAIN) {
            /* blocking socket with SO_SNDTIMEO: the timeout expired */
            snprintf(t->err, sizeof t->err, "send timed out");
            return SL_EAGAIN;
        }
        snprintf(t->err, sizeof t->err, "%s", gnutls_strerror((int)r));
        return SL_EIO;
    }
    return 0;
}

int sl_tls_peer_gone(struct sl_tls_conn *t)
{
    char c;
    ssize_t r = recv(t->fd, &c, 1, MSG_PEEK | MSG_DONTWAIT);
    if (r == 0) {
        return 1;
    }
    if (r < 0) {
        return !(errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR);
    }
    /* records are waiting (session tickets, an alert, close_notify): consume them */
    int fl = fcntl(t->fd, F_GETFL);
    if (fl >= 0) {
        (void)fcntl(t->fd, F_SETFL, fl | O_NONBLOCK);
    }
    int gone = 0;
    char sink[512];
    for (int i = 0; i < 64; i++) {
        ssize_t g = sl_tls_recv(t, sink, sizeof sink);
        if (g == SL_EAGAIN) {
            break;
        }
        if (g <= 0) {
            gone = 1;
            break;
        }
    }
    if (fl >= 0) {
        (void)fcntl(t->fd, F_SETFL, fl);
    }
    return gone;
}

void sl_tls_bye(struct sl_tls_conn *t)
{
    (void)gnutls_bye(t->s, GNUTLS_SHUT_WR);
}

const char *sl_tls_describe(struct sl_tls_conn *t, char *buf, size_t len)
{
    const char *v = gnutls_protocol_get_name(gnutls_protocol_get_version(t->s));
    const char *cs = gnutls_cipher_suite_get_name(gnutls_kx_get(t->s), gnutls_cipher_get(t->s),
                                                  gnutls_mac_get(t->s));
    snprintf(buf, len, "%s %s", v ? v : "?", cs ? cs : gnutls_cipher_get_name(
                                                           gnutls_cipher_get(t->s)));
    return buf;
}
