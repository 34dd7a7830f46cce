/*
 * sl_sock.h - socket helpers shared by the network inputs (sl_udp.c, imsnmptrap, imtcp):
 * the listen address as rsyslog takes it, its resolution for passive sockets, and the local
 * port a socket is bound to (port "0" picks a free one).  Header-only (static inline); not
 * part of the plugin ABI.
 *
 * Ownership: sl_sock_resolve()'s list is the caller's (freeaddrinfo()).  Concurrency & locking: no shared state.
 */
#ifndef SLUICE_PLUGINS_SL_SOCK_H
#define SLUICE_PLUGINS_SL_SOCK_H

#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>

/* A listen address as rsyslog takes it: NULL, "" and "*" are every address (NULL). */
static inline const char *sl_sock_any(const char *addr)
{
    return addr != NULL && (addr[0] == '\0' || strcmp(addr, "*") == 0) ? NULL : addr;
}

/* getaddrinfo() for passive sockets of type socktype (SOCK_DGRAM, SOCK_STREAM) on addr
 * (NULL: every address) and port, with flags besides AI_PASSIVE; its return value. */
static inline int sl_sock_resolve(const char *addr, const char *port, int socktype, int flags,
                                  struct addrinfo **res)
{
    struct addrinfo hints;
    memset(&hints, 0, sizeof hints);
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = socktype;
    hints.ai_flags = AI_PASSIVE | flags;
    return getaddrinfo(addr, port, &hints, res);
}

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
