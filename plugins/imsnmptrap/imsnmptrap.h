/*
 * imsnmptrap.h - test hooks of the imsnmptrap plugin (not part of the plugin ABI; the core
 * never uses them).  Tests and the fuzz target compile imsnmptrap.c in and call these.
 */
#ifndef SLUICE_IMSNMPTRAP_H
#define SLUICE_IMSNMPTRAP_H

#include <stddef.h>
#include <sys/socket.h>

/* The UDP port socket i is bound to (useful with port "0"), or -1. */
int sl_imsnmptrap_bound_port(const void *inst, int i);
/* Handle one datagram as if received on socket 0 from src (dst: local address, may be
 * NULL): decoded, checked, submitted (and an inform answered through socket 0). */
void sl_imsnmptrap_datagram(void *inst, const void *buf, size_t len,
                            const struct sockaddr *src, socklen_t srclen,
                            const struct sockaddr *dst);

#endif
