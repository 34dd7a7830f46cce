/*
 * imudp.h - test hooks of the imudp plugin (not part of the plugin ABI; the core never uses
 * them).  Tests compile imudp.c into their binary and call these directly.
 */
#ifndef SLUICE_IMUDP_H
#define SLUICE_IMUDP_H

/* Number of bound sockets after open(). */
int sl_imudp_socket_count(const void *inst);
/* The UDP port socket i is bound to (useful with port "0"), or -1. */
int sl_imudp_bound_port(const void *inst, int i);
/* Receive threads (socket sets) the instance was created for. */
unsigned sl_imudp_threads(const void *inst);

#endif
