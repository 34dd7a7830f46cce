/*
 * imtcp.h - test hooks of the imtcp plugin (not part of the plugin ABI; the core never uses
 * them).  Tests compile imtcp.c into their binary and call these directly.
 */
#ifndef SLUICE_IMTCP_H
#define SLUICE_IMTCP_H

/* The TCP port the instance listens on after open() (useful with port="0"), or -1. */
int sl_imtcp_bound_port(const void *inst);
/* Number of open sessions (racy snapshot; for tests). */
int sl_imtcp_session_count(const void *inst);
/* TLS handshake deadline in ms (default 10000); call after create(), before run(). */
void sl_imtcp_set_tls_handshake_timeout(void *inst, int ms);

#endif
