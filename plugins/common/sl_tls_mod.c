/*
 * sl_tls_mod.c - the table lmnsd_gtls.so exports (see "Loading" in sl_tls.h): the GnuTLS
 * stream driver of sl_tls.c, reached by sl_tls_dl.c.  Everything else in the module is
 * hidden (-fvisibility=hidden), so its calls among themselves stay inside it.
 */
#include "config.h"

#include "sl_tls.h"

__attribute__((visibility("default"))) const struct sl_tls_module_ops sl_tls_module_ops = {
    .version = SL_TLS_MODULE_VERSION,
    .cred_new = sl_tls_cred_new,
    .cred_free = sl_tls_cred_free,
    .conn_new = sl_tls_conn_new,
    .conn_free = sl_tls_conn_free,
    .handshake = sl_tls_handshake,
    .want_write = sl_tls_want_write,
    .handshake_timed = sl_tls_handshake_timed,
    .client_settle = sl_tls_client_settle,
    .verify_peer = sl_tls_verify_peer,
    .recv = sl_tls_recv,
    .pending = sl_tls_pending,
    .send_all = sl_tls_send_all,
    .peer_gone = sl_tls_peer_gone,
    .bye = sl_tls_bye,
    .error = sl_tls_error,
    .describe = sl_tls_describe,
    .file_fingerprint = sl_tls_file_fingerprint,
};
