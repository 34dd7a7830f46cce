/*
 * msg_int.h - the message object's internals for the code built on it (the parse driver and
 * parsers in parse/, tests): registering owned strings, the generated time stamp, private
 * flags, the DNS cache behind fromhost and the local domain.  Core-private; msg.h is the
 * contract.
 *
 * Ownership: strings registered with sl_msg_own() belong to the message; sl_dns_fromhost()
 * returns a malloc'd string the caller owns.
 * Concurrency & locking: the message functions run on the thread that owns the message
 * before it is shared; the DNS cache is shared and locks internally (see dns.c).
 */
#ifndef SLUICE_CORE_MSG_INT_H
#define SLUICE_CORE_MSG_INT_H

#include <pthread.h>
#include <sys/socket.h>

#include "msg.h"

#define SL_PRI_INVALID 199  /* rsyslog's LOG_PRI_INVLD: facility 24 ("invld"), debug */

/* Private flag: raw lives in the same allocation as the message (not freed separately).
 * Taken from the top so that it never collides with the SL_MSGF_* bits of msg.h. */
#define MSGF_RAW_INLINE (1u << 31)
/* Private flag: sl_msg_scratch() gave out the room behind the inline raw bytes. */
#define MSGF_SLACK_USED (1u << 30)
/* Private flag: the peer address is in a malloc'd copy (peer.ext, peerlen > SL_MSG_PEER_INLINE). */
#define MSGF_PEER_EXT (1u << 29)

/* timegenerated from m->rcv (rsyslog's ttGenTime). */
void sl_msg_set_tgen(struct sl_msg *m);

/* sl_msg_new with the receive time given (one clock read for a batch of messages that
 * arrived together, as rsyslog's imtcp and imudp take one time per read). */
struct sl_msg *sl_msg_new_at(const char *raw, size_t len, const struct timespec *rcv);

/* Registers a malloc'd string to be freed with the message (aborts beyond capacity). */
char *sl_msg_own(struct sl_msg *m, char *s);

/* n bytes for a string a parser builds, valid as long as the message: the unused end of
 * the message's own block when it is large enough (once per message), else malloc'd and
 * registered with sl_msg_own().  Only before the message is shared. */
char *sl_msg_scratch(struct sl_msg *m, size_t n);

/* DNS (dns.c): name for a peer address as rsyslog's fromhost shows it (lowercase, local domain
 * stripped), or the numeric address when DNS is off or resolution fails.  Returns a
 * malloc'd string. */
char *sl_dns_fromhost(const struct sockaddr *sa, socklen_t len);
/* global(net.enableDNS="on|off"): with DNS off fromhost is the IP (default on).  Same as
 * sl_dns_set_enabled; declared here because msg.h is a fixed contract. */
void sl_msg_set_dns(int on);
void sl_dns_set_enabled(int on);
int sl_dns_enabled(void);
/* Local domain (part of the FQDN after the first dot), "" if none. */
const char *sl_local_domain(void);

/* Shared between msg.c, msg_json.c and dns.c. */
extern pthread_mutex_t sl_global_vars_lock;
size_t sl_json_dump_cb(void *ptr, const char *buf, size_t len);
/* Appends the JSON text of o (NULL: null) as fjson_object_dump_ext(o, flags, ...) writes it,
 * flags FJSON_TO_STRING_PLAIN or _SPACED; only reads o.  0, or -1 when out of memory (b
 * holds a partial text then). */
int sl_json_dump(struct fjson_object *o, int flags, struct sl_buf *b);
const char *sl_json_value_text(struct fjson_object *v, size_t *len, char **to_free);

#endif
