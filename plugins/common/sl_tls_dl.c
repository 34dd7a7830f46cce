/*
 * sl_tls_dl.c - the loader of the "gtls" stream driver (see "Loading" in sl_tls.h).
 *
 * Defines the driver's functions for the plugins that use it (imtcp, imtls, imptcp) and
 * for sluiced (omfwd), and opens lmnsd_gtls.so, which holds the driver and links GnuTLS,
 * at the first call that needs it: sl_tls_cred_new() (an input or an action with a TLS
 * stream driver, at create() or HUP) or sl_tls_file_fingerprint().  Every other function
 * takes a credential set or a session, so it runs only after a successful load.  rsyslog
 * does the same with its netstream drivers (lmnsd_ptcp, lmnsd_gtls), loaded when a
 * listener or an action first asks for one.
 *
 * Where the module is: the plugin directory.  sluiced's own copy (SL_BUILTIN_PLUGIN) asks
 * the core for it (-M, $SLUICE_PLUGIN_DIR or the installed one); a plugin's copy takes the
 * directory it was itself loaded from (dladdr), which is that same directory.
 *
 * Concurrency & locking: the load runs once (pthread_once); its outcome (the table or the
 * error text) is read-only afterwards.  A failed load is not retried: the error is given
 * to every later sl_tls_cred_new() of this process.
 */
#include "config.h"

#include <dlfcn.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "sluice/sl_plugin.h"
#include "sl_tls.h"

#ifdef SL_BUILTIN_PLUGIN
const char *sl_plugin_dir(const char *opt_dir);   /* core/plugin.h */
#endif

static pthread_once_t g_once = PTHREAD_ONCE_INIT;
static const struct sl_tls_module_ops *g_ops;
static char g_err[PATH_MAX + 256];

/* The directory lmnsd_gtls.so is looked for in, written to dir (NUL-terminated). */
static void module_dir(char *dir, size_t len)
{
#ifdef SL_BUILTIN_PLUGIN
    snprintf(dir, len, "%s", sl_plugin_dir(NULL));
#else
    Dl_info di;
    const char *slash;
    if (dladdr((void *)module_dir, &di) != 0 && di.dli_fname != NULL &&
        (slash = strrchr(di.dli_fname, '/')) != NULL) {
        snprintf(dir, len, "%.*s", (int)(slash - di.dli_fname), di.dli_fname);
    } else {
        snprintf(dir, len, ".");
    }
#endif
}

static void load_once(void)
{
    char dir[PATH_MAX];
    char path[PATH_MAX + 32];
    module_dir(dir, sizeof dir);
    snprintf(path, sizeof path, "%s/%s.so", dir, SL_TLS_MODULE_NAME);
    void *h = dlopen(path, RTLD_NOW | RTLD_LOCAL);
    if (h == NULL) {
        const char *e = dlerror();
        snprintf(g_err, sizeof g_err, "the TLS stream driver (gtls) cannot be loaded: %s",
                 e != NULL ? e : path);
        return;
    }
    const struct sl_tls_module_ops *ops = dlsym(h, SL_TLS_MODULE_SYMBOL);
    if (ops == NULL || ops->version != SL_TLS_MODULE_VERSION) {
        snprintf(g_err, sizeof g_err,
                 "the TLS stream driver %s is not this sluiced's (no table of version %d)", path,
                 SL_TLS_MODULE_VERSION);
        dlclose(h);
        return;
    }
    g_ops = ops;   /* the module stays loaded for the life of the process */
}

static const struct sl_tls_module_ops *ops(void)
{
    (void)pthread_once(&g_once, load_once);
    return g_ops;
}

int sl_tls_cred_new(const struct sl_tls_opts *o, struct sl_tls_cred **out, char *err,
                    size_t errlen)
{
    const struct sl_tls_module_ops *m = ops();
    if (m == NULL) {
        snprintf(err, errlen, "%s", g_err);
        *out = NULL;
        return SL_ECONFIG;
    }
    return m->cred_new(o, out, err, errlen);
}

void sl_tls_cred_free(struct sl_tls_cred *c)
{
    if (c != NULL) {
        g_ops->cred_free(c);
    }
}

int sl_tls_file_fingerprint(const char *pem_file, int sha256, char *out, size_t len)
{
    const struct sl_tls_module_ops *m = ops();
    return m != NULL ? m->file_fingerprint(pem_file, sha256, out, len) : SL_EIO;
}

/* The rest take a credential set or a session: the module is loaded. */
int sl_tls_conn_new(struct sl_tls_cred *c, int fd, const char *server_name,
                    struct sl_tls_conn **out)
{
    return g_ops->conn_new(c, fd, server_name, out);
}

void sl_tls_conn_free(struct sl_tls_conn *t)
{
    if (t != NULL) {
        g_ops->conn_free(t);
    }
}

int sl_tls_handshake(struct sl_tls_conn *t)
{
    return g_ops->handshake(t);
}

int sl_tls_want_write(const struct sl_tls_conn *t)
{
    return g_ops->want_write(t);
}

int sl_tls_handshake_timed(struct sl_tls_conn *t, int timeout_ms)
{
    return g_ops->handshake_timed(t, timeout_ms);
}

int sl_tls_client_settle(struct sl_tls_conn *t, int wait_ms)
{
    return g_ops->client_settle(t, wait_ms);
}

int sl_tls_verify_peer(struct sl_tls_conn *t, char *reason, size_t rlen, char *fpr,
                       size_t flen)
{
    return g_ops->verify_peer(t, reason, rlen, fpr, flen);
}

ssize_t sl_tls_recv(struct sl_tls_conn *t, char *buf, size_t n)
{
    return g_ops->recv(t, buf, n);
}

size_t sl_tls_pending(struct sl_tls_conn *t)
{
    return g_ops->pending(t);
}

int sl_tls_send_all(struct sl_tls_conn *t, const char *buf, size_t n)
{
    return g_ops->send_all(t, buf, n);
}

int sl_tls_peer_gone(struct sl_tls_conn *t)
{
    return g_ops->peer_gone(t);
}

void sl_tls_bye(struct sl_tls_conn *t)
{
    g_ops->bye(t);
}

const char *sl_tls_error(const struct sl_tls_conn *t)
{
    return g_ops->error(t);
}

const char *sl_tls_describe(struct sl_tls_conn *t, char *buf, size_t len)
{
    return g_ops->describe(t, buf, len);
}
