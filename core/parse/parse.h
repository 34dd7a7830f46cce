/*
 * parse.h - internal interface between the parse driver (parse.c: sl_msg_parse) and the
 * built-in parsers (rfc5424.c, rfc3164.c, the imuxsock parser).  The parsers build on the
 * message object through msg_int.h (included here); msg.c itself calls no parser.
 * Core-private; not part of any contract.
 *
 * Ownership: the parsers only set spans into m->raw or strings registered with
 * sl_msg_own(), which the message frees.
 *
 * Concurrency & locking: the parsers run on the one ruleset worker that owns the message
 * before it is shared; the DNS cache is shared and locks internally (see dns.c).
 */
#ifndef SLUICE_CORE_PARSE_PARSE_H
#define SLUICE_CORE_PARSE_PARSE_H

#include <stddef.h>
#include <sys/socket.h>

#include "msg.h"
#include "msg_int.h"

/* Returns 1 if the message is RFC 5424 (it starts with "1 " after the PRI); the fields are
 * then set (rsyslog's pmrfc5424 never gives up once it saw the version). 0: not 5424. */
int sl_parse_rfc5424(struct sl_msg *m, const struct sl_parse_opts *o);

/* Legacy parser: always succeeds. */
void sl_parse_rfc3164(struct sl_msg *m, const struct sl_parse_opts *o);

/* rsyslog imuxsock's own parser ("special parser") for messages from the local log socket,
 * with m->local_flags (SL_LOCAL_*) choosing the timestamp handling; sets pri, after_pri, tag,
 * msg and (without SL_LOCAL_IGNORE_TS/SYS_TS) timereported.  Runs after sanitizing. */
void sl_parse_uxsock(struct sl_msg *m);

/* RFC 3339 timestamp as rsyslog accepts it at p[0..len).  On success fills *t, returns the
 * number of bytes consumed (including one following SP) and > 0; on failure returns 0 and
 * leaves *t alone. */
size_t sl_parse_ts3339(const char *p, size_t len, struct sl_time *t);
/* The same without its fast paths for the usual forms (for the unit test that compares
 * the two). */
size_t sl_parse_ts3339_general(const char *p, size_t len, struct sl_time *t);

/* RFC 3164 timestamp at *pp (at most *lenp bytes) into m->t_reported, as rsyslog's
 * ParseTIMESTAMP3164 with its bDetectYearAfterTime and bParseTZ switches; 1 and *pp, *lenp
 * moved past it, or 0 and nothing changed.  (*pp)[*lenp] must be readable (the NUL). */
int sl_parse_ts3164_at(struct sl_msg *m, const char **pp, size_t *lenp, int year_after,
                       int tzstr);

#endif
