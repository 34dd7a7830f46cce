/*
 * sl_acl.h - sender ACLs for the network inputs (imudp, imtcp): the lists the core made from
 * rsyslog's $AllowedSender directive (core/conf/acl.c; host->global_str("$AllowedSender.UDP")
 * or ".TCP": blank-separated "A.B.C.D/BITS", "[IPV6]/BITS" and host-name wildcards), and
 * rsyslog 8.2302's matching (runtime/net.c MaskCmp): an IPv4 entry also matches the
 * IPv4-mapped IPv6 form of its addresses, wildcards match the sender's resolved name with
 * fnmatch(3), case-insensitively.  Compiled into each plugin that uses it (like sl_udp.c);
 * not part of the plugin ABI.
 *
 * Ownership: sl_acl_new() returns an ACL the caller frees with sl_acl_free(); NULL means
 * "no list: every sender is allowed", as in rsyslog.
 * Concurrency & locking: read-only after sl_acl_new(): any number of threads may call
 * sl_acl_check() at once.
 */
#ifndef SLUICE_SL_ACL_H
#define SLUICE_SL_ACL_H

#include <sys/socket.h>

struct sl_acl;

/* Parses a list (NULL or "" gives NULL: no restriction). */
struct sl_acl *sl_acl_new(const char *list);
void sl_acl_free(struct sl_acl *a);

/* 1: allowed, 0: not allowed, 2: only a host-name entry could allow it and no name was
 * given (host == NULL): the caller resolves the sender's name and asks again. */
int sl_acl_check(const struct sl_acl *a, const struct sockaddr *sa, const char *host);

/* Does the list have host-name entries (so a name is worth resolving)? */
int sl_acl_has_names(const struct sl_acl *a);

#endif
