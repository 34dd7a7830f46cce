/*
 * sl_sock.h - socket helpers shared by the network inputs (sl_udp.c, imsnmptrap, imtcp):
 * the local port a socket is bound to (port "0" picks a free one).  Header-only (static
 * inline); not part of the plugin ABI.
 *
 * Ownership: nothing allocated.  Concurrency & locking: no shared state.
 */
#ifndef SLUICE_PLUGINS_SL_SOCK_H
#define SLUICE_PLUGINS_SL_SOCK_H

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

/* The local port of socket fd (IPv4 or IPv6), or -1. */
static inline int sl_sock_port(int fd)
{
    struct sockaddr_storage sa;
    socklen_t l = sizeof sa;
    if (getsockname(fd, (struct sockaddr *)&sa, &l) != 0) {
        return -1;
    }
    if (sa.ss_family == AF_INET) {
        return ntohs(((struct sockaddr_in *)&sa)->sin_port);
    }
    if (sa.ss_family == AF_INET6) {
        return ntohs(((struct sockaddr_in6 *)&sa)->sin6_port);
    }
    return -1;
}

#endif
